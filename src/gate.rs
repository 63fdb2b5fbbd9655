//! The gate: from a request to a decision, in both modes.
//!
//! Phases, each with one contract:
//! 1. [`Target`]: where the request is going. In proxy mode from the request
//!    itself (`Host`/authority, the connection's scheme or a trusted proxy's
//!    `X-Forwarded-Proto`); in forward-auth mode from `X-Forwarded-*`
//!    (Traefik, Caddy, HAProxy) or `X-Original-*` (nginx), believed only
//!    from `trusted_proxies`. Garbage is a 400, never a guess.
//! 2. Rule: [`crate::authz::RouteTable::lookup`] on the normalised path;
//!    ambiguous or malformed paths are a 400.
//! 3. Session: the cookie, checked by [`crate::session::SessionManager`]; a
//!    store outage is a 503 unless the session is cached.
//! 4. Decision: [`crate::authz::decide`] — allow, login, or forbid.
//! 5. Answer: identity headers on allow; a redirect or 401 towards login; a
//!    403 page saying who you are. Rendering of failures is `error.rs`.

use std::borrow::Cow;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::body::Body;
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::{Method, Response, StatusCode};

use crate::app::App;
use crate::authz::{self, Access, Refusal, Route};
use crate::config::Config;
use crate::error::{GateError, plain};
use crate::session::ActiveSession;
use crate::ui::{self, Action, Chrome, MessagePage};

/// Where a request is going. Borrows from the request where it can: the
/// proxy path builds one per request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target<'a> {
    pub https: bool,
    /// Lower-case, without port.
    pub host: Cow<'a, str>,
    pub port: u16,
    /// As received (not normalised), without the query.
    pub path: Cow<'a, str>,
    /// With the leading `?`, or empty.
    pub query: Cow<'a, str>,
    pub method: Method,
}

impl<'a> Target<'a> {
    pub fn scheme(&self) -> &'static str {
        if self.https { "https" } else { "http" }
    }

    /// Whether the port is the scheme's default.
    fn default_port(&self) -> bool {
        self.port == if self.https { 443 } else { 80 }
    }

    /// `host[:port]`, the port only when not the default.
    pub fn authority(&self) -> String {
        let mut s = String::with_capacity(self.host.len() + 6);
        self.push_authority(&mut s);
        s
    }

    fn push_authority(&self, s: &mut String) {
        s.push_str(&self.host);
        if !self.default_port() {
            s.push(':');
            push_u16(s, self.port);
        }
    }

    /// `https://host[:port]`, the port only when not the default.
    pub fn origin(&self) -> String {
        let mut s = String::with_capacity(self.host.len() + 14);
        s.push_str(self.scheme());
        s.push_str("://");
        self.push_authority(&mut s);
        s
    }

    pub fn url(&self) -> String {
        let mut s = self.origin();
        s.push_str(&self.path);
        s.push_str(&self.query);
        s
    }

    /// The target of a request passgate proxies itself.
    pub fn from_request(
        req_uri: &'a http::Uri,
        headers: &'a HeaderMap,
        method: &Method,
        tls: bool,
        trusted: bool,
    ) -> Result<Target<'a>, GateError> {
        let host_header = headers
            .get(header::HOST)
            .map(|h| h.to_str().map_err(|_| bad("the Host header is not text")));
        let authority = match (req_uri.authority(), host_header) {
            (Some(a), Some(Ok(h))) if !a.as_str().eq_ignore_ascii_case(h) => {
                return Err(bad("the request names two different hosts"));
            }
            (Some(a), _) => a.as_str(),
            (None, Some(h)) => h?,
            (None, None) => return Err(bad("the request has no Host header")),
        };
        if headers.get_all(header::HOST).iter().nth(1).is_some() {
            return Err(bad("the request has more than one Host header"));
        }
        let https = if tls {
            true
        } else if trusted {
            match headers.get(&X_FORWARDED_PROTO).map(|v| v.to_str()) {
                Some(Ok(p)) => parse_proto(p)?,
                Some(Err(_)) => return Err(bad("X-Forwarded-Proto is not text")),
                None => false,
            }
        } else {
            false
        };
        let (host, port) = authz::split_host_port_cow(authority)
            .ok_or_else(|| bad("the Host header is not a valid host"))?;
        let path = req_uri.path();
        // The query with its `?`, straight from the request line.
        let query = match req_uri.path_and_query() {
            Some(pq) if pq.query().is_some() => pq.as_str().get(path.len()..).unwrap_or(""),
            _ => "",
        };
        Ok(Target {
            https,
            port: port.unwrap_or(if https { 443 } else { 80 }),
            host,
            path: Cow::Borrowed(path),
            query: Cow::Borrowed(query),
            method: method.clone(),
        })
    }

    /// The target a proxy asks about: `X-Forwarded-Method/Proto/Host/Uri`.
    pub fn from_forwarded(h: &'a HeaderMap) -> Result<Target<'a>, GateError> {
        // Static names: a name given as text is parsed on every lookup.
        static HOST: HeaderName = HeaderName::from_static("x-forwarded-host");
        static PORT: HeaderName = HeaderName::from_static("x-forwarded-port");
        static URI: HeaderName = HeaderName::from_static("x-forwarded-uri");
        static METHOD: HeaderName = HeaderName::from_static("x-forwarded-method");
        let get = |name: &HeaderName| -> Result<Option<&'a str>, GateError> {
            let mut all = h.get_all(name).iter();
            let first = all.next();
            if all.next().is_some() {
                return Err(bad(&format!("{name} is sent more than once")));
            }
            first
                .map(|v| {
                    v.to_str()
                        .map(|s| s.trim())
                        .map_err(|_| bad(&format!("{name} is not text")))
                })
                .transpose()
        };
        let proto = get(&X_FORWARDED_PROTO)?.ok_or_else(|| bad("X-Forwarded-Proto is missing"))?;
        let https = parse_proto(proto)?;
        // A proxy chain may list several hosts; the first is the client's.
        let host = get(&HOST)?.ok_or_else(|| bad("X-Forwarded-Host is missing"))?;
        let host = host.split(',').next().unwrap_or_default().trim();
        let (host, port) = authz::split_host_port_cow(host)
            .ok_or_else(|| bad("X-Forwarded-Host is not a valid host"))?;
        let port = match get(&PORT)? {
            Some(p) if port.is_none() => Some(
                p.parse::<u16>()
                    .map_err(|_| bad("X-Forwarded-Port is not a port"))?,
            ),
            _ => port,
        };
        let uri = get(&URI)?.unwrap_or("/");
        let (path, query) = split_uri(uri)?;
        let (path, query) = (Cow::Borrowed(path), Cow::Borrowed(query));
        let method = match get(&METHOD)? {
            Some(m) => Method::from_bytes(m.as_bytes())
                .map_err(|_| bad("X-Forwarded-Method is not a method"))?,
            None => Method::GET,
        };
        Ok(Target {
            https,
            port: port.unwrap_or(if https { 443 } else { 80 }),
            host,
            path,
            query,
            method,
        })
    }

    /// The target nginx asks about: `X-Original-URL`, `X-Original-Method`.
    pub fn from_original(h: &'a HeaderMap) -> Result<Target<'a>, GateError> {
        static ORIGINAL_URL: HeaderName = HeaderName::from_static("x-original-url");
        let url = h
            .get(&ORIGINAL_URL)
            .ok_or_else(|| {
                bad("X-Original-URL is missing (set it with proxy_set_header in the auth location)")
            })?
            .to_str()
            .map_err(|_| bad("X-Original-URL is not text"))?;
        let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
        let (https, rest) = if lower.starts_with("https://") {
            (true, &url[8..])
        } else if lower.starts_with("http://") {
            (false, &url[7..])
        } else {
            return Err(bad("X-Original-URL must be an absolute http(s) URL"));
        };
        let cut = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, uri) = rest.split_at(cut);
        if authority.contains('@') {
            return Err(bad("X-Original-URL must not carry user info"));
        }
        let (host, port) = authz::split_host_port_cow(authority)
            .ok_or_else(|| bad("X-Original-URL has no valid host"))?;
        let (path, query) = if uri.is_empty() || uri.starts_with('?') {
            // "https://host" or "https://host?q": the path is "/".
            let full = format!("/{uri}");
            let (_, query) = split_uri(&full)?;
            (Cow::Borrowed("/"), Cow::Owned(query.to_string()))
        } else {
            let (path, query) = split_uri(uri)?;
            (Cow::Borrowed(path), Cow::Borrowed(query))
        };
        static ORIGINAL_METHOD: HeaderName = HeaderName::from_static("x-original-method");
        let method = match h.get(&ORIGINAL_METHOD).map(|v| v.to_str()) {
            Some(Ok(m)) => Method::from_bytes(m.trim().as_bytes())
                .map_err(|_| bad("X-Original-Method is not a method"))?,
            Some(Err(_)) => return Err(bad("X-Original-Method is not text")),
            None => Method::GET,
        };
        Ok(Target {
            https,
            port: port.unwrap_or(if https { 443 } else { 80 }),
            host,
            path,
            query,
            method,
        })
    }
}

/// Append `n` in decimal (the hot path's ports; no formatting machinery).
fn push_u16(s: &mut String, n: u16) {
    let mut digits = [0u8; 5];
    let mut i = digits.len();
    let mut n = n;
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for d in &digits[i..] {
        s.push(*d as char);
    }
}

static X_FORWARDED_PROTO: http::HeaderName = http::HeaderName::from_static("x-forwarded-proto");
static X_FORWARDED_FOR: http::HeaderName = http::HeaderName::from_static("x-forwarded-for");

fn bad(msg: &str) -> GateError {
    GateError::BadRequest(msg.to_string())
}

fn parse_proto(p: &str) -> Result<bool, GateError> {
    // A chain may list several; the first is what the client used.
    let first = p.split(',').next().unwrap_or_default().trim();
    let is = |name: &str| first.eq_ignore_ascii_case(name);
    match () {
        _ if is("https") || is("wss") => Ok(true),
        _ if is("http") || is("ws") => Ok(false),
        _ => Err(bad("X-Forwarded-Proto must be http or https")),
    }
}

/// Path and query (with its `?`) of an origin-form URI.
fn split_uri(uri: &str) -> Result<(&str, &str), GateError> {
    if !uri.starts_with('/') {
        return Err(bad("the forwarded URI must start with /"));
    }
    if uri.len() > 8192
        || uri
            .bytes()
            .any(|b| b < 0x20 || b == 0x7f || b == b' ' || b == b'#')
    {
        return Err(bad("the forwarded URI is malformed"));
    }
    Ok(match uri.find('?') {
        Some(i) => uri.split_at(i),
        None => (uri, ""),
    })
}

/// Is `ip` one of the configured trusted proxies?
pub fn is_trusted(cfg: &Config, ip: IpAddr) -> bool {
    let ip = match ip {
        IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .map(IpAddr::V4)
            .unwrap_or(IpAddr::V6(v6)),
        v4 => v4,
    };
    cfg.server.trusted_proxies.iter().any(|n| n.contains(&ip))
}

/// The client's address: the peer, or — when the peer is a trusted proxy —
/// the right-most address in `X-Forwarded-For` that is not itself trusted.
pub fn client_ip(cfg: &Config, peer: SocketAddr, headers: &HeaderMap) -> IpAddr {
    let peer_ip = peer.ip();
    if !is_trusted(cfg, peer_ip) {
        return peer_ip;
    }
    let chain: Vec<IpAddr> = headers
        .get_all(&X_FORWARDED_FOR)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|s| s.trim().parse::<IpAddr>().ok())
        .collect();
    chain
        .iter()
        .rev()
        .find(|ip| !is_trusted(cfg, **ip))
        .copied()
        .or_else(|| chain.first().copied())
        .unwrap_or(peer_ip)
}

/// The session cookie's value, if the request carries one.
pub fn session_cookie<'a>(cfg: &Config, headers: &'a HeaderMap) -> Option<&'a str> {
    cookie_value(headers, cfg.session.cookie_name)
}

/// A cookie's value from the `Cookie` header(s).
pub fn cookie_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| cookie_pairs(v).find_map(|(n, v)| (n == name).then_some(v)))
}

/// The `name=value` pairs of one `Cookie` header value, names and values
/// trimmed of spaces and tabs, values of their surrounding quotes; pieces
/// without `=` are skipped. Scans bytes: the text of a header value is
/// visible ASCII, spaces and tabs, so nothing else needs trimming.
fn cookie_pairs(s: &str) -> impl Iterator<Item = (&str, &str)> {
    s.split(';').filter_map(|pair| {
        let eq = pair.bytes().position(|b| b == b'=')?;
        let name = pair[..eq].trim_ascii();
        let value = pair[eq + 1..].trim_ascii().trim_matches('"');
        Some((name, value))
    })
}

/// passgate's own cookie names, removed from what reaches an upstream.
pub const OWN_COOKIES: [&str; 4] = [
    "__Host-passgate",
    "passgate_session",
    "passgate_csrf",
    "passgate_email",
];

/// Rule, session and decision for a target.
pub struct Decision<'c> {
    pub route: Option<&'c Route>,
    pub session: Option<Arc<ActiveSession>>,
    pub access: Access,
}

/// Phases 2–4 for `target`.
pub async fn decide<'c>(
    app: &App,
    cfg: &'c Config,
    target: &Target<'_>,
    headers: &HeaderMap,
) -> Result<Decision<'c>, GateError> {
    let route = rule(cfg, target)?;
    decide_for(app, cfg, route, headers).await
}

/// Phase 2: the rule `target` falls under (no side effects).
pub fn rule<'c>(cfg: &'c Config, target: &Target<'_>) -> Result<Option<&'c Route>, GateError> {
    cfg.routes
        .lookup(&target.host, target.port, &target.path)
        .map_err(|e| GateError::BadRequest(e.to_string()))
}

/// Phases 3–4 for a request under `route` (from [`rule`]).
pub async fn decide_for<'c>(
    app: &App,
    cfg: &'c Config,
    route: Option<&'c Route>,
    headers: &HeaderMap,
) -> Result<Decision<'c>, GateError> {
    let session = match (route, session_cookie(cfg, headers)) {
        (Some(_), Some(token)) => app.sessions.validate(token).await?,
        _ => None,
    };
    let access = authz::decide(route, session.as_ref().map(|s| &*s.principal));
    Ok(Decision {
        route,
        session,
        access,
    })
}

/// Is `target` one of passgate's own pages on the portal (always public, so
/// a proxy that sends the portal through forward auth cannot loop)?
pub fn is_portal_page(cfg: &Config, target: &Target) -> bool {
    let p = &cfg.server.portal;
    target.host == p.host
        && target.port == p.port
        && authz::path::under(&target.path, &cfg.server.prefix)
}

/// The login URL that returns to `target` afterwards.
pub fn login_url(cfg: &Config, target: &Target) -> String {
    let rd = target.url();
    format!(
        "{}?rd={}",
        cfg.login_url(),
        percent_encoding::utf8_percent_encode(&rd, percent_encoding::NON_ALPHANUMERIC)
    )
}

/// Not signed in. `always_401`: nginx's `auth_request` cannot pass a redirect
/// on, so it always gets 401 with `Location`.
pub fn login_response(
    cfg: &Config,
    target: &Target<'_>,
    req_headers: &HeaderMap,
    always_401: bool,
) -> Response<Body> {
    let location = login_url(cfg, target);
    let mut resp = if always_401 || !ui::wants_html(req_headers) {
        let mut r = plain(
            StatusCode::UNAUTHORIZED,
            &format!("401 Unauthorized: sign in at {}\n", cfg.login_url()),
        );
        let challenge = format!(
            "Passgate realm=\"{}\", login=\"{}\"",
            cfg.branding.name.replace('"', ""),
            cfg.login_url()
        );
        if let Ok(v) = HeaderValue::from_str(&challenge) {
            r.headers_mut().insert(header::WWW_AUTHENTICATE, v);
        }
        r
    } else {
        let status = if matches!(target.method, Method::GET | Method::HEAD) {
            StatusCode::FOUND
        } else {
            StatusCode::SEE_OTHER
        };
        let mut r = Response::new(Body::empty());
        *r.status_mut() = status;
        r.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        r
    };
    if let Ok(v) = HeaderValue::from_str(&location) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    resp
}

/// Signed in (or not) but refused.
pub fn forbidden_response(
    cfg: &Config,
    target: &Target<'_>,
    refusal: Refusal,
    session: Option<&ActiveSession>,
    req_headers: &HeaderMap,
    request_id: &str,
) -> Response<Body> {
    let who = session.map(|s| s.principal.email.clone());
    tracing::info!(request_id, host = %target.host, reason = refusal.as_str(), user = who.as_deref().unwrap_or("-"), "forbidden");
    if !ui::wants_html(req_headers) {
        return plain(
            StatusCode::FORBIDDEN,
            &format!("403 Forbidden: {}\n", refusal_text(refusal)),
        );
    }
    let switch = format!(
        "{}{}/logout?rd={}",
        cfg.server.portal.origin,
        cfg.server.prefix,
        percent_encoding::utf8_percent_encode(
            &login_url(cfg, target),
            percent_encoding::NON_ALPHANUMERIC
        )
    );
    let mut actions = Vec::new();
    if who.is_some() {
        actions.push(Action::link("Sign in as someone else", switch));
        actions.push(Action::link(
            "Your account",
            format!("{}{}/account", cfg.server.portal.origin, cfg.server.prefix),
        ));
    }
    let page = MessagePage {
        chrome: Chrome::new(cfg, Some(request_id)),
        title: "You don't have access".into(),
        message: refusal_text(refusal).into(),
        next: if who.is_some() {
            "If you need access, ask whoever runs this application to add you, or sign in with another account.".into()
        } else {
            String::new()
        },
        who,
        tone: "warn",
        actions,
    };
    ui::html(StatusCode::FORBIDDEN, &page, cfg)
}

fn refusal_text(r: Refusal) -> &'static str {
    match r {
        Refusal::NoRoute => "This address is not configured in passgate, so nobody can reach it.",
        Refusal::DenyRule => "This address is closed to everyone.",
        Refusal::NotAllowed => "Your account is not one of those allowed to use this application.",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_protos_are_read_from_the_first_of_a_chain_in_any_case() {
        for (p, https) in [
            ("https", true),
            ("HTTPS", true),
            (" wss ", true),
            ("https, http", true),
            ("http", false),
            ("Http", false),
            ("ws", false),
            ("http ,https", false),
        ] {
            assert_eq!(parse_proto(p).ok(), Some(https), "{p:?}");
        }
        for p in ["", "ftp", "httpx", "https2", ",https", "h ttp", "httpѕ"] {
            assert!(parse_proto(p).is_err(), "{p:?}");
        }
    }

    #[test]
    fn cookie_values_are_found_trimmed_and_unquoted_in_any_cookie_header() {
        let cases: &[(&[&str], &str, Option<&str>)] = &[
            (
                &["a=1; passgate_session=tok"],
                "passgate_session",
                Some("tok"),
            ),
            (
                &["passgate_session=tok;a=1"],
                "passgate_session",
                Some("tok"),
            ),
            (
                &[" \tpassgate_session \t=  tok\t "],
                "passgate_session",
                Some("tok"),
            ),
            (
                &["passgate_session=\"tok\""],
                "passgate_session",
                Some("tok"),
            ),
            (&["passgate_session="], "passgate_session", Some("")),
            (&["passgate_session=a=b"], "passgate_session", Some("a=b")),
            (&["passgate_session"], "passgate_session", None),
            (
                &["xpassgate_session=tok; passgate_sessionx=tok"],
                "passgate_session",
                None,
            ),
            (&["Passgate_Session=tok"], "passgate_session", None),
            (
                &["a=1", "b=2; passgate_session=second"],
                "passgate_session",
                Some("second"),
            ),
            (
                &["passgate_session=first", "passgate_session=second"],
                "passgate_session",
                Some("first"),
            ),
            (
                &[";;; ; passgate_session=tok;;"],
                "passgate_session",
                Some("tok"),
            ),
            (&[], "passgate_session", None),
        ];
        for (values, name, want) in cases {
            let mut h = HeaderMap::new();
            for v in *values {
                h.append(header::COOKIE, http::HeaderValue::from_static(v));
            }
            assert_eq!(cookie_value(&h, name), *want, "{values:?}");
        }
        // A value that is not text is skipped, not misread.
        let mut h = HeaderMap::new();
        h.append(
            header::COOKIE,
            http::HeaderValue::from_bytes(b"passgate_session=\xfftok")
                .unwrap_or_else(|e| panic!("{e}")),
        );
        h.append(
            header::COOKIE,
            http::HeaderValue::from_static("passgate_session=ok"),
        );
        assert_eq!(cookie_value(&h, "passgate_session"), Some("ok"));
    }
}
