//! The gate: the one request pipeline, from a request to a decision and, in
//! proxy mode, to the upstream request's fields.
//!
//! Both serving paths — passgate's own HTTP/1.1 loop (`server/h1.rs`) and
//! hyper (`server.rs`) — call exactly these steps, in this order, and only
//! read and write bytes around them. A rule or a fix lands here once.
//!
//! 0. [`destination`]: passgate's own endpoints (forward auth, liveness,
//!    the pages) or the gate, decided on the **normalised** path (every
//!    reading of it must agree; a path that reads both ways is a 400).
//! 1. [`route`]: where the request is going ([`Target`]) and the rule for
//!    it ([`crate::authz::RouteTable::lookup`] on every reading of the
//!    path; ambiguous or malformed paths are a 400). No side effects, so a
//!    serving path may still hand the request elsewhere.
//! 2. [`admit`]: the session (cookie, checked by
//!    [`crate::session::SessionManager`]; a store outage is a 503 unless the
//!    session is cached), the decision ([`crate::authz::decide`]), and
//!    either passgate's own answer (login, refusal, errors) or what
//!    forwarding needs.
//! 3. [`Admitted::upstream_headers`]: header hygiene, then passgate's own
//!    fields last (`hygiene.rs`).
//!
//! Forward auth (`forward_auth.rs`) runs steps 1–2 on the target a proxy
//! asks about. Rendering failures is `error.rs`.

mod forward_auth;
mod target;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::body::Body;
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::{Method, Response, StatusCode};

use crate::app::App;
use crate::authz::{self, Access, Refusal, Route};
use crate::config::Config;
use crate::error::{GateError, TokenRefusal};
use crate::hygiene::{self, ClientInfo};
use crate::metrics::{self, Outcome};
use crate::page::plain;
use crate::page::{self, Action, Chrome, MessagePage};
use crate::session::ActiveSession;
use crate::token::{self, Presented};

pub use forward_auth::{Allowed, Decided, decide as decide_forward_auth, forward_auth};
pub use target::Target;

/// Per-request facts about the connection, for handlers (axum extension).
#[derive(Debug, Clone)]
pub struct ReqCtx {
    pub peer: SocketAddr,
    /// `peer`'s IP as a header value.
    pub peer_ip: HeaderValue,
    pub tls: bool,
    /// The peer is in `trusted_proxies`.
    pub trusted: bool,
    /// The request id as a header value (made once, cloned cheaply).
    pub request_id_header: HeaderValue,
    /// The request is for the portal's host and the portal is https: its
    /// answer carries `Strict-Transport-Security` (looked at only when
    /// `server.hsts` is on).
    pub hsts: bool,
}

impl ReqCtx {
    /// The request id, for logs and error pages.
    pub fn request_id(&self) -> &str {
        self.request_id_header.to_str().unwrap_or("-")
    }
}

static X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// What every answer to a client carries, whoever made it: the request
/// id, and `Strict-Transport-Security` on an https portal's host (unless
/// an upstream on that host sent its own).
pub fn stamp_answer(h: &mut HeaderMap, cfg: &Config, ctx: &ReqCtx) {
    h.insert(X_REQUEST_ID.clone(), ctx.request_id_header.clone());
    if let Some(v) = hsts(cfg, ctx)
        && !h.contains_key(header::STRICT_TRANSPORT_SECURITY)
    {
        h.insert(header::STRICT_TRANSPORT_SECURITY, v.clone());
    }
}

/// The `Strict-Transport-Security` value this request's answer gets.
pub fn hsts<'c>(cfg: &'c Config, ctx: &ReqCtx) -> Option<&'c HeaderValue> {
    cfg.server.hsts.as_ref().filter(|_| ctx.hsts)
}

/// Does a request with this `Host` (or authority) go to the portal's
/// host, when HSTS is on (otherwise nobody asks)?
pub fn hsts_applies(cfg: &Config, uri: &http::Uri, headers: &HeaderMap) -> bool {
    cfg.server.hsts.is_some() && is_portal_host(cfg, uri, headers)
}

/// Is the request's `Host` (or authority) the portal's host?
fn is_portal_host(cfg: &Config, uri: &http::Uri, headers: &HeaderMap) -> bool {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| uri.authority().map(|a| a.as_str()));
    host.and_then(authz::split_host_port_cow)
        .is_some_and(|(h, _)| h == cfg.server.portal.host)
}

/// A request answered by passgate itself, and how it is counted.
pub type Answered = (Response<Body>, Outcome);

fn with_outcome(r: Response<Body>, o: Outcome) -> Answered {
    (r, o)
}

/// Which of passgate's own endpoints a request is for, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Destination {
    /// Forward auth: Traefik, Caddy, HAProxy (`false`) or nginx (`true`).
    ForwardAuth { nginx: bool },
    /// `P/health/live`.
    Live,
    /// `GET P/oidc/userinfo`: answered on the hot path by both serving
    /// paths, like forward auth (a POST, with its form body, is a page).
    Userinfo,
    /// Another of passgate's pages (the router in `ui.rs`).
    Page,
    /// Not under the prefix: the gate decides.
    Gate,
}

/// Phase 0: passgate's own endpoint, or the gate. The prefix counts only on
/// the normalised path, so `P/../admin` is `/admin` (for the gate), and a
/// path that is under the prefix in one reading and not in another is
/// refused.
///
/// The OpenID provider's discovery document is passgate's too, at its
/// well-known path on the portal's host (only that spelling, only there,
/// and only once an `[[oidc.client]]` is configured).
pub fn destination(
    cfg: &Config,
    method: &Method,
    uri: &http::Uri,
    headers: &HeaderMap,
) -> Result<Destination, GateError> {
    let path = uri.path();
    if path == crate::config::OIDC_DISCOVERY_PATH
        && cfg.oidc.enabled()
        && is_portal_host(cfg, uri, headers)
    {
        return Ok(Destination::Page);
    }
    let d = destination_of_path(cfg, path)?;
    if d == Destination::Page
        && matches!(*method, Method::GET | Method::HEAD)
        && path.strip_prefix(cfg.server.prefix.as_str()) == Some("/oidc/userinfo")
    {
        return Ok(Destination::Userinfo);
    }
    Ok(d)
}

/// [`destination`] by the path alone (on the portal's host, the discovery
/// document is a page too).
fn destination_of_path(cfg: &Config, path: &str) -> Result<Destination, GateError> {
    let prefix = &cfg.server.prefix;
    // The endpoints every proxied check and probe asks for, written
    // plainly: no reading of them differs.
    if let Some(rest) = path.strip_prefix(prefix.as_str()) {
        match rest {
            "/authz/forward-auth" => return Ok(Destination::ForwardAuth { nginx: false }),
            "/authz/auth-request" => return Ok(Destination::ForwardAuth { nginx: true }),
            "/health/live" => return Ok(Destination::Live),
            _ => {}
        }
    }
    let under = authz::path::under_prefix(path, prefix)
        .map_err(|e| GateError::BadRequest(e.to_string()))?;
    if !under {
        return Ok(Destination::Gate);
    }
    Ok(match path.get(prefix.len()..).unwrap_or("") {
        "/authz/forward-auth" => Destination::ForwardAuth { nginx: false },
        "/authz/auth-request" => Destination::ForwardAuth { nginx: true },
        "/health/live" => Destination::Live,
        _ => Destination::Page,
    })
}

/// A request's target and rule (phase 1).
pub struct Routed<'r, 'c> {
    pub target: Target<'r>,
    pub route: Option<&'c Route>,
}

/// Phase 1 in proxy mode: where the request goes and the rule for it.
pub fn route<'r, 'c>(
    cfg: &'c Config,
    uri: &'r http::Uri,
    headers: &'r HeaderMap,
    method: &Method,
    ctx: &ReqCtx,
) -> Result<Routed<'r, 'c>, Answered> {
    let refused = |e: GateError| {
        with_outcome(
            e.respond(cfg, headers, ctx.request_id()),
            Outcome {
                route: "none",
                decision: "bad_request",
            },
        )
    };
    // A reverse proxy has no business tunnelling (CONNECT) or reflecting a
    // request with passgate's fields in it back to the client (TRACE).
    if *method == Method::CONNECT || *method == Method::TRACE {
        let mut r =
            GateError::MethodNotAllowed(method.to_string()).respond(cfg, headers, ctx.request_id());
        r.headers_mut().insert(
            header::ALLOW,
            HeaderValue::from_static("GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"),
        );
        return Err(with_outcome(
            r,
            Outcome {
                route: "none",
                decision: "bad_request",
            },
        ));
    }
    let target =
        Target::from_request(uri, headers, method, ctx.tls, ctx.trusted).map_err(refused)?;
    let route = rule(cfg, &target, ctx.peer, headers, false).map_err(refused)?;
    Ok(Routed { target, route })
}

/// An allowed request in proxy mode: what its upstream request needs.
pub struct Admitted<'c> {
    pub upstream: &'c authz::Upstream,
    pub client: ClientInfo,
    session: Option<Arc<ActiveSession>>,
    jwt: Option<HeaderValue>,
    /// The upgrade the request may pass on (WebSocket, or what the rule
    /// allows), if it asks for one.
    pub upgrade: Option<HeaderValue>,
    /// The client wants HTML (for an error page, if forwarding fails).
    html: bool,
    label: &'static str,
    /// The field a service token came in, removed before forwarding.
    token: Option<token::Field>,
}

/// Phase 2 in proxy mode: session, decision, and either passgate's own
/// answer (login, refusal, errors) or what forwarding needs.
pub async fn admit<'c>(
    app: &App,
    cfg: &'c Config,
    routed: &Routed<'_, 'c>,
    headers: &HeaderMap,
    ctx: &ReqCtx,
) -> Result<Admitted<'c>, Answered> {
    let target = &routed.target;
    let d = match decide_for(app, cfg, routed.route, headers, ctx).await {
        Ok(d) => d,
        Err(e) => {
            let decision = e.decision();
            return Err(with_outcome(
                e.respond(cfg, headers, ctx.request_id()),
                Outcome {
                    route: "none",
                    decision,
                },
            ));
        }
    };
    let label = metrics::route_label(d.route.map(|r| r.index));
    let outcome = |decision| Outcome {
        route: label,
        decision,
    };
    match d.access {
        Access::Login => Err(with_outcome(
            login_response(cfg, target, headers, false),
            outcome("login"),
        )),
        Access::StepUp(up) => Err(with_outcome(
            step_up_response(cfg, target, headers, false, up),
            outcome("step_up"),
        )),
        Access::Forbid(why) => Err(with_outcome(
            forbidden_response(
                cfg,
                target,
                why,
                d.session.as_deref(),
                headers,
                ctx.request_id(),
            ),
            outcome("forbid"),
        )),
        Access::Allow => {
            let Some(route) = d.route else {
                return Err((
                    GateError::NotFound.respond(cfg, headers, ctx.request_id()),
                    Outcome::PAGE,
                ));
            };
            let Some(upstream) = &route.upstream else {
                return Err(with_outcome(
                    GateError::NoUpstream(route.name()).respond(cfg, headers, ctx.request_id()),
                    outcome("no_upstream"),
                ));
            };
            // What the target (borrowed from the request) still has to say,
            // before the request's headers change.
            let jwt = d.session.as_ref().map(|s| {
                app.asserter.assertion(
                    s,
                    &target.origin(),
                    &cfg.server.portal.origin,
                    cfg.identity.assertion_ttl.as_secs() as i64,
                )
            });
            let client = ClientInfo {
                peer: ctx.peer_ip.clone(),
                trusted: ctx.trusted,
                proto: target.scheme(),
                // The String becomes the header value's storage, uncopied.
                host: HeaderValue::from_maybe_shared(bytes::Bytes::from(target.authority())).ok(),
            };
            Ok(Admitted {
                upstream,
                client,
                session: d.session,
                jwt,
                upgrade: hygiene::allowed_upgrade(headers, &route.upgrades),
                html: crate::page::wants_html(headers),
                label,
                token: d.token,
            })
        }
    }
}

impl Admitted<'_> {
    /// Phase 3: the upstream request's fields from the client's — every
    /// client-driven removal first, passgate's own fields last.
    pub fn upstream_headers(&self, headers: &mut HeaderMap, cfg: &Config, ctx: &ReqCtx) {
        // Room for what is added (identity, assertion, request id,
        // forwarding) in one step: growing the map insert by insert
        // rehashes it several times.
        headers.reserve(16);
        // The token passgate used is passgate's (`X-Passgate-Token` goes
        // with passgate's other fields in hygiene).
        if self.token == Some(token::Field::Authorization) {
            headers.remove(header::AUTHORIZATION);
        }
        hygiene::upstream_request(
            headers,
            &hygiene::Own {
                client: &self.client,
                style: cfg.identity.headers,
                principal: self.session.as_ref().map(|s| &*s.principal),
                assertion_name: &cfg.identity.assertion_header,
                assertion: self.jwt.as_ref(),
                request_id: &ctx.request_id_header,
                upgrade: self.upgrade.clone(),
            },
        );
    }

    pub fn outcome(&self, decision: &'static str) -> Outcome {
        Outcome {
            route: self.label,
            decision,
        }
    }

    /// Forwarding failed before the upstream's answer began: the 502/504
    /// page.
    pub fn failed(&self, cfg: &Config, e: crate::proxy::ProxyError, ctx: &ReqCtx) -> Answered {
        let kind = match &e {
            crate::proxy::ProxyError::Unreachable { .. } => "unreachable",
            crate::proxy::ProxyError::Timeout { .. } => "timeout",
            crate::proxy::ProxyError::Failed { .. } => "failed",
            crate::proxy::ProxyError::BadRequest(_) => "bad_request",
        };
        metrics::upstream_error(self.label, kind);
        let mut accept = HeaderMap::new();
        if self.html {
            accept.insert(header::ACCEPT, HeaderValue::from_static("text/html"));
        }
        with_outcome(
            GateError::Proxy(e).respond(cfg, &accept, ctx.request_id()),
            self.outcome("upstream_error"),
        )
    }
}

/// Is `ip` one of the configured trusted proxies?
pub fn is_trusted(cfg: &Config, ip: IpAddr) -> bool {
    let ip = authz::plain_ip(ip);
    cfg.server.trusted_proxies.iter().any(|n| n.contains(&ip))
}

static X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");

/// The client's address: the peer, or — when the peer is a trusted proxy —
/// the right-most address in `X-Forwarded-For` that is not itself trusted.
/// An entry that is not an address is never skipped to reach one further
/// left (which the client may have written itself): the walk stops there,
/// at the last hop passgate can vouch for.
pub fn client_ip(cfg: &Config, peer: SocketAddr, headers: &HeaderMap) -> IpAddr {
    let peer_ip = peer.ip();
    if !is_trusted(cfg, peer_ip) {
        return peer_ip;
    }
    match forwarded_chain(cfg, peer_ip, headers) {
        Chain::Empty => peer_ip,
        Chain::Client(ip) | Chain::Unvouched(ip) => ip,
    }
}

/// What a trusted peer's `X-Forwarded-For` says, read right to left.
enum Chain {
    /// No entries.
    Empty,
    /// The right-most address that is not a trusted proxy.
    Client(IpAddr),
    /// None such before an entry that is not an address, or before the
    /// chain's end: the last hop passgate can vouch for.
    Unvouched(IpAddr),
}

fn forwarded_chain(cfg: &Config, peer_ip: IpAddr, headers: &HeaderMap) -> Chain {
    let entries = headers
        .get_all(&X_FORWARDED_FOR)
        .iter()
        .flat_map(|v| v.as_bytes().split(|b| *b == b','))
        .map(|e| e.trim_ascii())
        .filter(|e| !e.is_empty())
        .collect::<Vec<_>>();
    if entries.is_empty() {
        return Chain::Empty;
    }
    let mut vouched = peer_ip;
    for entry in entries.iter().rev() {
        let Some(ip) = forwarded_addr(entry) else {
            return Chain::Unvouched(vouched);
        };
        if !is_trusted(cfg, ip) {
            return Chain::Client(ip);
        }
        vouched = ip;
    }
    Chain::Unvouched(vouched)
}

/// The client's address for a rule's `networks`, only where passgate can
/// vouch for it: the peer, when it is not a trusted proxy (or, in proxy
/// mode, a trusted one that names no one else), or the right-most address
/// in `X-Forwarded-For` that is not a trusted proxy. A chain with an entry
/// that is not an address before such a one, or of trusted proxies only,
/// names no one passgate can vouch for: `None`, which no network rule
/// matches — an unparseable chain never widens access. A forward-auth
/// caller is never the client itself.
pub fn network_client(
    cfg: &Config,
    peer: SocketAddr,
    headers: &HeaderMap,
    forward_auth: bool,
) -> Option<IpAddr> {
    let peer_ip = peer.ip();
    if !is_trusted(cfg, peer_ip) {
        return Some(peer_ip);
    }
    match forwarded_chain(cfg, peer_ip, headers) {
        Chain::Empty => (!forward_auth).then_some(peer_ip),
        Chain::Client(ip) => Some(ip),
        Chain::Unvouched(_) => None,
    }
}

/// One `X-Forwarded-For` entry: an address, with or without a port
/// (`1.2.3.4`, `1.2.3.4:80`, `2001:db8::1`, `[2001:db8::1]:80`).
pub fn forwarded_addr(entry: &[u8]) -> Option<IpAddr> {
    let s = std::str::from_utf8(entry).ok()?;
    if let Ok(ip) = s.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Ok(sa) = s.parse::<SocketAddr>() {
        return Some(sa.ip());
    }
    let inner = s.strip_prefix('[')?.strip_suffix(']')?;
    inner.parse::<std::net::Ipv6Addr>().ok().map(IpAddr::V6)
}

/// The session cookie's value, if the request carries one.
pub fn session_cookie<'a>(cfg: &Config, headers: &'a HeaderMap) -> Option<&'a str> {
    crate::cookies::value(headers, cfg.session.cookie_name)
}

/// Rule, caller and decision for a target.
pub struct Decision<'c> {
    pub route: Option<&'c Route>,
    /// The signed-in session, or the service token's caller.
    pub session: Option<Arc<ActiveSession>>,
    pub access: Access,
    /// Where the service token that made `session` came from (the field
    /// is removed before the request goes on).
    pub token: Option<token::Field>,
}

/// The rule `target` falls under (no side effects). `peer` and `headers`
/// name the client, looked for only when some rule has `networks`.
pub fn rule<'c>(
    cfg: &'c Config,
    target: &Target<'_>,
    peer: SocketAddr,
    headers: &HeaderMap,
    forward_auth: bool,
) -> Result<Option<&'c Route>, GateError> {
    let client = if cfg.routes.needs_client() {
        network_client(cfg, peer, headers, forward_auth)
    } else {
        None
    };
    if cfg.routes.has_tokens() && (token::in_url(&target.query) || token::in_url(&target.path)) {
        return Err(GateError::Token(TokenRefusal::InUrl));
    }
    let asker = authz::Asker {
        method: &target.method,
        client,
    };
    let route = cfg
        .routes
        .lookup(&target.host, target.port, &target.path, &asker)
        .map_err(|e| GateError::BadRequest(e.to_string()))?;
    if cfg.routes.has_methods() {
        method_overrides_agree(cfg, target, headers, client, route)?;
    }
    Ok(route)
}

/// Headers by which frameworks let a request say it is another method
/// (Express, Rack, Symfony, Laravel, ASP.NET honour them on POST), in any
/// `_`/`.`/`-` spelling.
const METHOD_OVERRIDES: [&str; 3] = [
    "x-http-method-override",
    "x-http-method",
    "x-method-override",
];

/// A method override is another reading of the method, as `%2F` is of a
/// path: the rule it selects must be the one the request's method
/// selects, or the request is refused (a `methods` rule would otherwise
/// pass a POST the app serves as a DELETE).
fn method_overrides_agree(
    cfg: &Config,
    target: &Target<'_>,
    headers: &HeaderMap,
    client: Option<IpAddr>,
    route: Option<&Route>,
) -> Result<(), GateError> {
    for (name, value) in headers {
        let n = name.as_str().as_bytes();
        if !METHOD_OVERRIDES
            .iter()
            .any(|o| crate::hygiene::same_spelling(n, o.as_bytes()))
        {
            continue;
        }
        let method = value
            .to_str()
            .ok()
            .and_then(|v| Method::from_bytes(v.trim().as_bytes()).ok())
            .ok_or_else(|| GateError::BadRequest(format!("{name} is not a method")))?;
        let asker = authz::Asker {
            method: &method,
            client,
        };
        let other = cfg
            .routes
            .lookup(&target.host, target.port, &target.path, &asker)
            .map_err(|e| GateError::BadRequest(e.to_string()))?;
        if other.map(|r| r.index) != route.map(|r| r.index) {
            return Err(GateError::BadRequest(format!(
                "{name} names a method another rule decides"
            )));
        }
    }
    Ok(())
}

/// Caller and decision for a request under `route` (from [`rule`]): a
/// service token when the request presents one (and then only that), else
/// the session cookie.
pub async fn decide_for<'c>(
    app: &App,
    cfg: &'c Config,
    route: Option<&'c Route>,
    headers: &HeaderMap,
    ctx: &ReqCtx,
) -> Result<Decision<'c>, GateError> {
    match token::presented(headers) {
        Presented::Nothing => {}
        Presented::Malformed(why) => return Err(GateError::Token(TokenRefusal::Malformed(why))),
        Presented::Token { value, field } => {
            return token_decision(app, cfg, route, headers, ctx, value, field).await;
        }
    }
    let session = match (route, session_cookie(cfg, headers)) {
        (Some(_), Some(token)) => app.sessions.validate(token).await?,
        _ => None,
    };
    let mut access = authz::decide(route, session.as_ref().map(|s| &*s.principal));
    if access == Access::Allow
        && let (Some(r), Some(s)) = (route, &session)
        && let Some(up) = authz::step_up(r, &s.record.auth_method, s.auth_time(), app.clock.now())
    {
        access = Access::StepUp(up);
    }
    Ok(Decision {
        route,
        session,
        access,
        token: None,
    })
}

/// [`decide_for`] for a request that presents a service token: refused
/// unless its rule takes tokens (a leaked token never opens a browser
/// app), and checked without a lookup once the client is over its
/// failures.
async fn token_decision<'c>(
    app: &App,
    cfg: &'c Config,
    route: Option<&'c Route>,
    headers: &HeaderMap,
    ctx: &ReqCtx,
    value: &str,
    field: token::Field,
) -> Result<Decision<'c>, GateError> {
    let refused = |access| Decision {
        route,
        session: None,
        access,
        token: None,
    };
    let Some(r) = route else {
        return Ok(refused(Access::Forbid(Refusal::NoRoute)));
    };
    if r.policy == authz::Policy::Deny {
        return Ok(refused(Access::Forbid(Refusal::DenyRule)));
    }
    if !r.tokens {
        return Err(GateError::Token(TokenRefusal::NotAccepted));
    }
    // The client's address only when it is needed: something is
    // blocked, or this attempt fails.
    let ip = || client_ip(cfg, ctx.peer, headers);
    if app.sessions.tokens.any_blocked()
        && let Some(wait) = app.sessions.tokens.blocked(token::failure_scope(ip()))
    {
        return Err(GateError::Token(TokenRefusal::TooMany(wait)));
    }
    match app.sessions.check_token(value).await? {
        Ok(caller) => {
            let access = authz::decide(route, Some(&caller.principal));
            Ok(Decision {
                route,
                session: Some(caller),
                access,
                token: Some(field),
            })
        }
        Err(why) => {
            token_failed(app, ip(), headers, r, why).await;
            Err(GateError::Token(TokenRefusal::Invalid))
        }
    }
}

/// Count and audit a failed token attempt; the address is refused without
/// a lookup once over [`token::FAILURES_ALLOWED`] in the window. Audited
/// up to the limit and once more when the address is refused (a flood
/// does not flood the audit log).
async fn token_failed(
    app: &App,
    ip: IpAddr,
    headers: &HeaderMap,
    route: &Route,
    why: crate::session::tokens::Invalid,
) {
    // Counted per client (an IPv6 one is its /64); audited with the
    // address itself.
    let scope = token::failure_scope(ip);
    let counted = match app
        .eph
        .hit(&format!("token-fail:{scope}"), token::FAILURE_WINDOW)
        .await
    {
        Ok(c) => Some(c),
        Err(e) => {
            tracing::warn!(error = %e, "cannot count a failed token attempt");
            None
        }
    };
    let over = counted.is_some_and(|c| c.count > token::FAILURES_ALLOWED);
    if let Some(c) = counted.filter(|_| over) {
        app.sessions.tokens.block(scope, c.reset_in as i64);
    }
    if counted.is_some_and(|c| c.count > token::FAILURES_ALLOWED + 1) {
        return;
    }
    let ua = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let kind = if over {
        "token.blocked"
    } else {
        "token.failed"
    };
    app.audit(
        crate::audit::Event::failed(kind)
            .from(&ip.to_string(), ua)
            .detail(format!("reason={} {}", why.as_str(), route.name())),
    )
    .await;
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
    let mut resp = if always_401 || !page::wants_html(req_headers) {
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

/// Signed in and allowed, but the rule wants a fresher or a passkey
/// sign-in: browsers go to the step-up page ("Confirm it's you"), other
/// clients (and nginx, `always_401`) get 401 with the challenge in the
/// shape of RFC 9470 and the page in `Location`.
pub fn step_up_response(
    cfg: &Config,
    target: &Target<'_>,
    req_headers: &HeaderMap,
    always_401: bool,
    up: authz::StepUp,
) -> Response<Body> {
    let location = cfg.step_up_url(&target.url());
    let mut resp = if always_401 || !page::wants_html(req_headers) {
        let mut r = plain(
            StatusCode::UNAUTHORIZED,
            &format!("401 Unauthorized: confirm it's you at {location}\n"),
        );
        let mut challenge = String::from("Passgate error=\"insufficient_user_authentication\"");
        if let Some(max) = up.max_age {
            challenge.push_str(&format!(", max_age={max}"));
        }
        if up.passkey {
            challenge.push_str(", require=\"passkey\"");
        }
        if let Ok(v) = HeaderValue::from_str(&challenge) {
            r.headers_mut().insert(header::WWW_AUTHENTICATE, v);
        }
        r
    } else {
        let mut r = Response::new(Body::empty());
        *r.status_mut() = if matches!(target.method, Method::GET | Method::HEAD) {
            StatusCode::FOUND
        } else {
            StatusCode::SEE_OTHER
        };
        r
    };
    let h = resp.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(v) = HeaderValue::from_str(&location) {
        h.insert(header::LOCATION, v);
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
    let lang = crate::i18n::negotiate(req_headers, cfg.branding.language);
    if !page::wants_html(req_headers) {
        return plain(
            StatusCode::FORBIDDEN,
            &format!("403 Forbidden: {}\n", refusal_text(refusal, lang)),
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
        actions.push(Action::link(&lang.t("common-someone-else"), switch));
        actions.push(Action::link(
            &lang.t("account-title"),
            format!("{}{}/account", cfg.server.portal.origin, cfg.server.prefix),
        ));
    }
    let page = MessagePage {
        chrome: Chrome::new(cfg, Some(request_id), lang, None),
        title: lang.t("gate-forbidden-title"),
        message: refusal_text(refusal, lang),
        next: if who.is_some() {
            lang.t("gate-forbidden-next")
        } else {
            String::new()
        },
        who,
        tone: "warn",
        actions,
    };
    page::html(StatusCode::FORBIDDEN, &page, cfg)
}

fn refusal_text(r: Refusal, lang: crate::i18n::Lang) -> String {
    match r {
        Refusal::NoRoute => lang.t("gate-refusal-no-route"),
        Refusal::DenyRule => lang.t("gate-refusal-deny"),
        Refusal::NotAllowed => lang.t("gate-refusal-not-allowed"),
    }
}

#[cfg(test)]
mod tests;
