//! Route rules and access decisions.
//!
//! Owns: the ordered `[[route]]` table (host, path prefix, policy, groups,
//! emails), matching a request to the first rule that covers it, deciding
//! allow / login / forbid for a principal, and validating `rd` redirect
//! targets. Does not own: where the host and path come from (proxy or
//! forward-auth headers) or how the answer is rendered.

pub mod path;

use std::fmt;

pub use path::PathError;

use crate::session::Principal;

/// What a rule requires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// Anyone; identity headers are still sent (empty when not signed in).
    Public,
    /// A signed-in user who also meets `groups` / `emails`, if set.
    Authenticated,
    /// No one.
    Deny,
}

impl Policy {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "public" => Some(Self::Public),
            "authenticated" => Some(Self::Authenticated),
            "deny" => Some(Self::Deny),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Public => "public",
            Self::Authenticated => "authenticated",
            Self::Deny => "deny",
        }
    }
}

/// A rule's host: exact, or `*.example.com` (any depth of subdomain, not the
/// bare domain). Stored lower-case without a trailing dot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostPattern {
    Exact(String),
    /// The suffix after `*.`.
    Wildcard(String),
}

impl HostPattern {
    /// Parse `host`, `*.host`, optionally with `:port`.
    pub fn parse(s: &str) -> Result<(Self, Option<u16>), String> {
        let s = s.trim();
        if s.is_empty() {
            return Err(
                "is empty; give a host name such as \"app.example.com\" or \"*.example.com\""
                    .into(),
            );
        }
        let (wild, rest) = match s.strip_prefix("*.") {
            Some(r) => (true, r),
            None => (false, s),
        };
        let (host, port) =
            split_host_port(rest).ok_or_else(|| format!("{s:?} is not a valid host[:port]"))?;
        if wild && host.starts_with('[') {
            return Err(format!("{s:?}: a wildcard cannot apply to an IP address"));
        }
        if host.contains('*') {
            return Err(format!(
                "{s:?}: \"*\" is only allowed as the whole first label (\"*.example.com\")"
            ));
        }
        Ok((
            if wild {
                HostPattern::Wildcard(host)
            } else {
                HostPattern::Exact(host)
            },
            port,
        ))
    }

    pub fn matches(&self, host: &str) -> bool {
        match self {
            HostPattern::Exact(h) => h == host,
            HostPattern::Wildcard(suffix) => {
                host.len() > suffix.len() + 1
                    && host.ends_with(suffix.as_str())
                    && host.as_bytes()[host.len() - suffix.len() - 1] == b'.'
            }
        }
    }

    /// Does every host matched by `other` also match `self`?
    pub fn covers(&self, other: &HostPattern) -> bool {
        match (self, other) {
            (HostPattern::Exact(a), HostPattern::Exact(b)) => a == b,
            (HostPattern::Exact(_), HostPattern::Wildcard(_)) => false,
            (HostPattern::Wildcard(_), HostPattern::Exact(b)) => self.matches(b),
            (HostPattern::Wildcard(a), HostPattern::Wildcard(b)) => {
                a == b || HostPattern::Wildcard(a.clone()).matches(b)
            }
        }
    }
}

impl fmt::Display for HostPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HostPattern::Exact(h) => f.write_str(h),
            HostPattern::Wildcard(h) => write!(f, "*.{h}"),
        }
    }
}

/// An allowed address: exact (compared case-insensitively) or `*@domain`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EmailPattern {
    Exact(String),
    Domain(String),
}

impl EmailPattern {
    pub fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim().to_lowercase();
        if let Some(domain) = s.strip_prefix("*@") {
            if domain.is_empty()
                || domain.contains('@')
                || !domain.contains('.') && domain != "localhost"
            {
                return Err(format!("{s:?} is not a valid \"*@domain\" pattern"));
            }
            return Ok(Self::Domain(domain.to_string()));
        }
        if !crate::names::looks_like_email(&s) {
            return Err(format!("{s:?} is not an email address or \"*@domain\""));
        }
        Ok(Self::Exact(s))
    }

    pub fn matches(&self, email_lower: &str) -> bool {
        match self {
            EmailPattern::Exact(e) => e == email_lower,
            // One `@` only: `a@evil.com@example.com` is not at example.com.
            EmailPattern::Domain(d) => email_lower
                .split_once('@')
                .is_some_and(|(local, dom)| dom == d && !local.is_empty()),
        }
    }
}

/// Where allowed traffic for a rule goes (proxy mode).
#[derive(Debug, Clone)]
pub struct Upstream {
    pub scheme: http::uri::Scheme,
    pub authority: http::uri::Authority,
    /// As configured, for messages.
    pub url: String,
}

/// One validated `[[route]]`.
#[derive(Debug, Clone)]
pub struct Route {
    /// Position in the file, from 0 (`route[0]`).
    pub index: usize,
    /// Line of the `[[route]]` header, when known.
    pub line: Option<usize>,
    pub host: HostPattern,
    pub port: Option<u16>,
    /// Normalised prefix without trailing slash ("/" for everything).
    pub path: String,
    pub upstream: Option<Upstream>,
    pub policy: Policy,
    pub groups: Vec<String>,
    pub emails: Vec<EmailPattern>,
    /// Protocols a request may upgrade to (lower case; `websocket` by
    /// default, `h2c` never).
    pub upgrades: Vec<String>,
    /// The methods the rule matches (`GET` brings `HEAD`); empty: all.
    pub methods: Vec<http::Method>,
    /// The client networks the rule matches; empty: all.
    pub networks: Vec<ipnet::IpNet>,
    /// Service tokens are accepted (`tokens = true`).
    pub tokens: bool,
    /// The session's sign-in must be this recent (seconds), else step-up.
    pub max_age: Option<i64>,
    /// Only sessions signed in with a passkey pass (`require = ["passkey"]`).
    pub require_passkey: bool,
}

/// What a rule looks at besides where a request goes.
#[derive(Debug, Clone, Copy)]
pub struct Asker<'a> {
    pub method: &'a http::Method,
    /// The client's address, when passgate can vouch for it (a network
    /// rule never matches an unknown client). Looked for only when some
    /// rule has `networks` ([`RouteTable::needs_client`]).
    pub client: Option<std::net::IpAddr>,
}

impl Route {
    pub fn name(&self) -> String {
        let port = self.port.map(|p| format!(":{p}")).unwrap_or_default();
        format!("route[{}] {}{}{}", self.index, self.host, port, self.path)
    }

    fn covers_request(&self, host: &str, port: u16, path: &str, asker: &Asker) -> bool {
        self.covers_place(host, port, path) && self.admits(asker)
    }

    /// Is the normalised `path` on `host` and `port` under this rule?
    fn covers_place(&self, host: &str, port: u16, path: &str) -> bool {
        self.host.matches(host)
            && self.port.is_none_or(|p| p == port)
            && path::under(path, &self.path)
    }

    /// Does the rule's method and network list take this request?
    pub fn admits(&self, asker: &Asker) -> bool {
        self.admits_method(asker.method)
            && (self.networks.is_empty()
                || asker.client.is_some_and(|ip| {
                    let ip = plain_ip(ip);
                    self.networks.iter().any(|n| n.contains(&ip))
                }))
    }

    fn admits_method(&self, m: &http::Method) -> bool {
        self.methods.is_empty()
            || self.methods.contains(m)
            || (*m == http::Method::HEAD && self.methods.contains(&http::Method::GET))
    }

    /// Does this rule match every request that `later` matches?
    pub fn shadows(&self, later: &Route) -> bool {
        self.host.covers(&later.host)
            && (self.port.is_none() || self.port == later.port)
            && path::under(&later.path, &self.path)
            && (self.methods.is_empty()
                || !later.methods.is_empty() && later.methods.iter().all(|m| self.admits_method(m)))
            && (self.networks.is_empty()
                || !later.networks.is_empty()
                    && later
                        .networks
                        .iter()
                        .all(|l| self.networks.iter().any(|n| n.contains(l))))
    }
}

/// Why a signed-in user (or anyone) is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No rule covers the request.
    NoRoute,
    /// The rule's policy is `deny`.
    DenyRule,
    /// The user is not in any of the rule's groups / addresses.
    NotAllowed,
}

impl Refusal {
    pub fn as_str(self) -> &'static str {
        match self {
            Refusal::NoRoute => "no_route",
            Refusal::DenyRule => "deny_rule",
            Refusal::NotAllowed => "not_allowed",
        }
    }
}

/// The answer for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Allow,
    /// Not signed in, and the rule needs someone who is.
    Login,
    /// Signed in and allowed, but the rule wants a fresher or stronger
    /// sign-in first.
    StepUp(StepUp),
    Forbid(Refusal),
}

/// What a step-up must bring.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StepUp {
    /// A sign-in within this many seconds (`max_age`), if the rule says.
    pub max_age: Option<i64>,
    /// A passkey (`require = ["passkey"]`).
    pub passkey: bool,
}

/// The `amr` value of a passkey sign-in.
pub const PASSKEY_AMR: &str = "webauthn";

/// Does a person's session, signed in with `method` at `auth_time`, meet
/// the rule's `max_age` and `require` at `now`? None when it does, else
/// what a step-up must bring. (A service token proves its caller on every
/// request; rules that take tokens cannot require a passkey.)
pub fn step_up(route: &Route, method: &str, auth_time: i64, now: i64) -> Option<StepUp> {
    StepUp {
        max_age: route.max_age,
        passkey: route.require_passkey,
    }
    .unmet_by(method, auth_time, now)
}

impl StepUp {
    /// Itself when a session signed in with `method` at `auth_time` does
    /// not meet it at `now` (too old, or not a passkey's); None when it does.
    pub fn unmet_by(self, method: &str, auth_time: i64, now: i64) -> Option<StepUp> {
        let stale = self.max_age.is_some_and(|max| now - auth_time > max);
        let weak = self.passkey && method != PASSKEY_AMR;
        (stale || weak).then_some(self)
    }
}

/// The ordered rule list. First match wins; no match denies.
#[derive(Debug, Clone, Default)]
pub struct RouteTable {
    pub routes: Vec<Route>,
    /// Some rule's path has an upper-case letter.
    upper_case_rules: bool,
    /// Some rule has `networks`.
    needs_client: bool,
    /// Some rule has `methods`.
    has_methods: bool,
    /// Some rule accepts service tokens.
    has_tokens: bool,
}

impl RouteTable {
    pub fn new(routes: Vec<Route>) -> Self {
        let upper_case_rules = routes
            .iter()
            .any(|r| r.path.bytes().any(|b| b.is_ascii_uppercase()));
        let needs_client = routes.iter().any(|r| !r.networks.is_empty());
        let has_methods = routes.iter().any(|r| !r.methods.is_empty());
        let has_tokens = routes.iter().any(|r| r.tokens);
        Self {
            routes,
            upper_case_rules,
            needs_client,
            has_methods,
            has_tokens,
        }
    }

    /// Does some rule accept service tokens?
    pub fn has_tokens(&self) -> bool {
        self.has_tokens
    }

    /// Does some rule look at the method?
    pub fn has_methods(&self) -> bool {
        self.has_methods
    }

    /// Does some rule look at the client's address?
    pub fn needs_client(&self) -> bool {
        self.needs_client
    }

    /// The rule for a request. `host` is lower-case without port, `port` the
    /// effective port, `raw_path` the path as received (no query).
    ///
    /// Every reading of the path (`path.rs`) must select the same rule, and
    /// so must each of them matched without regard to case (a
    /// case-insensitive server serves `/ADMIN` as `/admin`); otherwise the
    /// request is ambiguous.
    pub fn lookup(
        &self,
        host: &str,
        port: u16,
        raw_path: &str,
        asker: &Asker,
    ) -> Result<Option<&Route>, PathError> {
        let scan = path::scan(raw_path);
        if scan.plain {
            let p = raw_path.trim_end_matches('/');
            let p = if p.is_empty() { "/" } else { p };
            let first = self.first(host, port, p, asker);
            if (self.upper_case_rules || scan.upper)
                && index(self.first_ignoring_case(host, port, p, asker)) != index(first)
            {
                return Err(PathError::Ambiguous);
            }
            return Ok(first);
        }
        let readings = path::readings(raw_path)?;
        let first = self.first(host, port, &readings[0], asker);
        for p in &readings {
            if index(self.first(host, port, p, asker)) != index(first)
                || index(self.first_ignoring_case(host, port, p, asker)) != index(first)
            {
                return Err(PathError::Ambiguous);
            }
        }
        Ok(first)
    }

    fn first_ignoring_case(
        &self,
        host: &str,
        port: u16,
        path: &str,
        asker: &Asker,
    ) -> Option<&Route> {
        self.routes.iter().find(|r| {
            r.host.matches(host)
                && r.port.is_none_or(|p| p == port)
                && path::under_ignoring_case(path, &r.path)
                && r.admits(asker)
        })
    }

    fn first(&self, host: &str, port: u16, path: &str, asker: &Asker) -> Option<&Route> {
        self.routes
            .iter()
            .find(|r| r.covers_request(host, port, path, asker))
    }

    /// The rules that cover `host`, `port` and the normalised `path` but
    /// not this method or client, in order, with why (for `--explain`).
    pub fn passed_over(
        &self,
        host: &str,
        port: u16,
        path: &str,
        asker: &Asker,
    ) -> Vec<(&Route, &'static str)> {
        self.routes
            .iter()
            .filter(|r| r.covers_place(host, port, path))
            .filter_map(|r| {
                if !r.admits_method(asker.method) {
                    Some((r, "not for this method"))
                } else if !r.admits(asker) {
                    Some((
                        r,
                        if asker.client.is_some() {
                            "the client is not in its networks"
                        } else {
                            "it matches only clients in its networks (give --from)"
                        },
                    ))
                } else {
                    None
                }
            })
            .collect()
    }

    /// Does any rule cover this origin (for `rd` validation)?
    pub fn covers_origin(&self, host: &str, port: u16) -> bool {
        self.routes
            .iter()
            .any(|r| r.host.matches(host) && r.port.is_none_or(|p| p == port))
    }

    /// Pairs (rule with a port, other rule) that a client can choose
    /// between by the port it writes in `Host` (proxies pass it on as
    /// written): their hosts overlap and their ports differ. A port can only
    /// set a rule apart from *no* rule.
    pub fn port_dodges(&self) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        for a in self.routes.iter().filter(|r| r.port.is_some()) {
            for b in &self.routes {
                let overlap = a.host.covers(&b.host) || b.host.covers(&a.host);
                if b.index != a.index && overlap && b.port != a.port {
                    out.push((a.index, b.index));
                }
            }
        }
        out
    }

    /// Pairs (later, earlier) where the earlier rule matches everything the
    /// later one does, so the later one can never match.
    pub fn shadowed(&self) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        for (i, later) in self.routes.iter().enumerate() {
            if let Some(earlier) = self.routes[..i].iter().find(|e| e.shadows(later)) {
                out.push((i, earlier.index));
            }
        }
        out
    }
}

fn index(r: Option<&Route>) -> Option<usize> {
    r.map(|r| r.index)
}

/// Decide for `route` (None: no rule matched) and the signed-in `user`.
pub fn decide(route: Option<&Route>, user: Option<&Principal>) -> Access {
    let Some(route) = route else {
        return Access::Forbid(Refusal::NoRoute);
    };
    match route.policy {
        Policy::Public => Access::Allow,
        Policy::Deny => Access::Forbid(Refusal::DenyRule),
        Policy::Authenticated => {
            let Some(user) = user else {
                return Access::Login;
            };
            // With both lists set, either admits: a named person, or a team.
            let unrestricted = route.groups.is_empty() && route.emails.is_empty();
            let in_group = route
                .groups
                .iter()
                .any(|g| user.groups.iter().any(|ug| ug == g));
            let email_listed = route.emails.iter().any(|p| p.matches(&user.email_lower));
            let ok = unrestricted || in_group || email_listed;
            if ok {
                Access::Allow
            } else {
                Access::Forbid(Refusal::NotAllowed)
            }
        }
    }
}

/// An IPv4 address written as IPv6 (`::ffff:a.b.c.d`, what a dual-stack
/// socket reports) as the IPv4 address it is.
pub fn plain_ip(ip: std::net::IpAddr) -> std::net::IpAddr {
    match ip {
        std::net::IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .map(std::net::IpAddr::V4)
            .unwrap_or(std::net::IpAddr::V6(v6)),
        v4 => v4,
    }
}

/// Split `host[:port]` (IPv6 in brackets), lower-case the host and drop a
/// trailing dot. None when it is not a plausible host.
pub fn split_host_port(s: &str) -> Option<(String, Option<u16>)> {
    split_host_port_cow(s).map(|(h, p)| (h.into_owned(), p))
}

/// [`split_host_port`], borrowing the host when it is already in its
/// normal form (lower case, no trailing dot) — the usual case.
pub fn split_host_port_cow(s: &str) -> Option<(std::borrow::Cow<'_, str>, Option<u16>)> {
    use std::borrow::Cow;
    fn lower(h: &str) -> Cow<'_, str> {
        if h.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(h.to_ascii_lowercase())
        } else {
            Cow::Borrowed(h)
        }
    }
    let (host, port) = if let Some(rest) = s.strip_prefix('[') {
        let end = rest.find(']')?;
        let ip = &rest[..end];
        ip.parse::<std::net::Ipv6Addr>().ok()?;
        let after = &rest[end + 1..];
        let port = match after.strip_prefix(':') {
            Some(p) => Some(p),
            None if after.is_empty() => None,
            None => return None,
        };
        // "[" + address + "]"
        (lower(&s[..end + 2]), port)
    } else {
        match s.rsplit_once(':') {
            Some((h, p)) => (lower(h), Some(p)),
            None => (lower(s), None),
        }
    };
    let port = match port {
        Some(p) => Some(p.parse::<u16>().ok().filter(|p| *p != 0)?),
        None => None,
    };
    let host = match host {
        Cow::Borrowed(h) => Cow::Borrowed(h.strip_suffix('.').unwrap_or(h)),
        Cow::Owned(h) => match h.strip_suffix('.') {
            Some(t) => Cow::Owned(t.to_string()),
            None => Cow::Owned(h),
        },
    };
    if host.is_empty() || host.len() > 253 {
        return None;
    }
    if !host.starts_with('[')
        && !host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_' || b == b'*')
    {
        return None;
    }
    // One trailing dot is the root; a second ("a..") is an empty label.
    if host.contains("..") || host.ends_with('.') || host.starts_with('.') {
        return None;
    }
    if !host.starts_with('[') && !plain_host(&host) {
        return None;
    }
    Some((host, port))
}

/// Is `host` (lower case, letters, digits, `-`, `.`, `_`, `*`) read the same
/// by URL parsers (WHATWG, browsers)? A host whose last label is a number
/// is an IPv4 address to them — `0x7f.1` is 127.0.0.1 — so it must be one
/// written plainly (`a.b.c.d`); an `xn--` label must be valid punycode.
fn plain_host(host: &str) -> bool {
    let b = host.as_bytes();
    let last = match b.iter().rposition(|c| *c == b'.') {
        Some(i) => &b[i + 1..],
        None => b,
    };
    // Cheap looks first: nearly every host ends in a label of letters and
    // has no punycode.
    if last.first().is_some_and(u8::is_ascii_digit) {
        let numeric = last.iter().all(u8::is_ascii_digit)
            || last
                .strip_prefix(b"0x")
                .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit));
        if numeric {
            return host.parse::<std::net::Ipv4Addr>().is_ok();
        }
    }
    let punycode = b
        .windows(4)
        .enumerate()
        .any(|(i, w)| w == b"xn--" && (i == 0 || b[i - 1] == b'.'));
    !punycode || matches!(url::Host::parse(host), Ok(url::Host::Domain(_)))
}

/// The portal's origin, for redirect validation.
#[derive(Debug, Clone)]
pub struct Portal {
    pub https: bool,
    pub host: String,
    pub port: u16,
    /// `https://auth.example.com` (no trailing slash; port only when not default).
    pub origin: String,
    pub prefix: String,
}

/// Validate a post-login redirect target. Accepts a path on the portal
/// (`/x`, not `//x` or `/\x`), or an absolute http(s) URL without user info
/// whose origin is the portal's or one a rule covers. Returns the URL to
/// redirect to, or None (the caller then uses its default). Login and logout
/// pages are never targets (that would loop).
pub fn safe_redirect(rd: &str, portal: &Portal, routes: &RouteTable) -> Option<String> {
    if rd.is_empty() || rd.len() > 4096 {
        return None;
    }
    if rd.bytes().any(|b| b <= 0x20 || b == 0x7f || b == b'\\') {
        return None;
    }
    let absolute = if rd.starts_with('/') {
        if rd.starts_with("//") {
            return None;
        }
        format!("{}{}", portal.origin, rd)
    } else {
        let lower = rd.get(..8).unwrap_or(rd).to_ascii_lowercase();
        if !(lower.starts_with("http://") || lower.starts_with("https://")) {
            return None;
        }
        // Exactly two slashes after the scheme, then the authority.
        let after = &rd[rd.find("://")? + 3..];
        if after.starts_with('/') {
            return None;
        }
        rd.to_string()
    };
    let url = url::Url::parse(&absolute).ok()?;
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    if !url.username().is_empty() || url.password().is_some() {
        return None;
    }
    let host = url.host_str()?.to_ascii_lowercase();
    let host = host.strip_suffix('.').unwrap_or(&host).to_string();
    let port = url.port_or_known_default()?;
    let https = url.scheme() == "https";
    let is_portal = host == portal.host && port == portal.port && https == portal.https;
    if !is_portal && !routes.covers_origin(&host, port) {
        return None;
    }
    if is_portal {
        let p = url.path();
        for page in ["/login", "/logout", "/email/verify"] {
            if path::under(p, &format!("{}{}", portal.prefix, page)) {
                return None;
            }
        }
    }
    Some(url.to_string())
}

#[cfg(test)]
mod tests;
