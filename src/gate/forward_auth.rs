//! Forward auth: a proxy (Traefik, Caddy, HAProxy, nginx) asks about a
//! request it is about to pass on, and passgate answers allow (200 with
//! identity), sign in (302/401), or forbidden (403).
//!
//! The gate's phases 1–2 run on the target the proxy names. What passgate
//! would have removed had it proxied the request itself, it cannot remove
//! here: the proxy passes the request on. So a request carrying what
//! proxy mode would strip and the proxy would not replace — an identity,
//! forwarding or request-id field in a `_` spelling, a field some apps take
//! as the path to serve instead (`X-Original-URL`, `X-Rewrite-URL`), an
//! upgrade the rule does not allow (`h2c` never) — is refused with a 400.

use axum::body::Body;
use http::header::{self, HeaderMap, HeaderValue};
use http::{Response, StatusCode};

use super::{Answered, Destination, GateError, ReqCtx, Target, with_outcome};
use crate::app::App;
use crate::authz::Access;
use crate::config::Config;
use crate::hygiene;
use crate::identity;
use crate::metrics::{self, Outcome};
use crate::page::plain;

/// Answer a proxy's question about another request (`nginx`: the
/// `auth-request` endpoint, which always answers 401 rather than 302).
pub async fn forward_auth(
    app: &App,
    cfg: &Config,
    headers: &HeaderMap,
    ctx: &ReqCtx,
    nginx: bool,
) -> Answered {
    let outcome = |route: Option<&crate::authz::Route>, decision: &'static str| Outcome {
        route: metrics::route_label(route.map(|r| r.index)),
        decision,
    };
    let refuse = |e: GateError| {
        let decision = e.decision();
        with_outcome(
            e.respond(cfg, headers, ctx.request_id()),
            outcome(None, decision),
        )
    };
    if !ctx.trusted {
        return refuse(GateError::UntrustedCaller(ctx.peer.ip().to_string()));
    }
    match hygiene::unanswerable(
        headers,
        cfg.identity.headers,
        &cfg.identity.assertion_header,
        nginx,
    ) {
        Some(hygiene::Unanswerable::Smuggled(name)) => {
            return refuse(GateError::BadRequest(format!(
                "the request carries {name}, a field only passgate sets (in another spelling): the proxy would pass it on to the application"
            )));
        }
        Some(hygiene::Unanswerable::OverridesPath(name)) => {
            return refuse(GateError::BadRequest(format!(
                "the request carries {name}, which the proxy would pass on to the application: applications that honour it serve another path than the one checked"
            )));
        }
        None => {}
    }
    let target = match if nginx {
        Target::from_original(headers)
    } else {
        Target::from_forwarded(headers)
    } {
        Ok(t) => t,
        Err(e) => return refuse(e),
    };
    match portal_page(cfg, &target) {
        Ok(true) => {
            let mut r = plain(StatusCode::OK, "");
            identity::set_identity_headers(r.headers_mut(), cfg.identity.headers, None);
            return with_outcome(
                r,
                Outcome {
                    route: "portal",
                    decision: "allow",
                },
            );
        }
        Ok(false) => {}
        Err(e) => return refuse(e),
    }
    let route = match super::rule(cfg, &target) {
        Ok(r) => r,
        Err(e) => return refuse(e),
    };
    if crate::http1::wants_upgrade(headers)
        && hygiene::allowed_upgrade(headers, route.map_or(&[][..], |r| &r.upgrades)).is_none()
    {
        return refuse(
            GateError::BadRequest(
                "this upgrade is not forwarded (only WebSocket, unless the rule allows others; h2c never)".into(),
            ));
    }
    let d = match super::decide_for(app, cfg, route, headers).await {
        Ok(d) => d,
        Err(e) => {
            return refuse(e);
        }
    };
    let (mut resp, outcome) = match d.access {
        Access::Allow => {
            // As `plain` makes it, with room from the start for the
            // identity headers, the assertion, Cookie and the request id
            // (growing the map insert by insert rehashes it several times).
            let mut r = Response::new(Body::empty());
            *r.headers_mut() = HeaderMap::with_capacity(12);
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; charset=utf-8"),
            );
            identity::set_identity_headers(
                r.headers_mut(),
                cfg.identity.headers,
                d.session.as_ref().map(|s| &*s.principal),
            );
            if let Some(s) = &d.session {
                let jwt = app.asserter.assertion(
                    s,
                    &target.origin(),
                    &cfg.server.portal.origin,
                    cfg.identity.assertion_ttl.as_secs() as i64,
                );
                r.headers_mut()
                    .insert(cfg.identity.assertion_header.clone(), jwt);
            }
            // The request's cookies without passgate's, for the proxy to
            // forward instead of the originals (deploy/ configs copy it),
            // so the session cookie never reaches the app.
            if let Some(v) = crate::cookies::without_own(headers) {
                r.headers_mut().insert(header::COOKIE, v);
            }
            with_outcome(r, outcome(d.route, "allow"))
        }
        Access::Login => with_outcome(
            super::login_response(cfg, &target, headers, nginx),
            outcome(d.route, "login"),
        ),
        Access::Forbid(why) => with_outcome(
            super::forbidden_response(
                cfg,
                &target,
                why,
                d.session.as_deref(),
                headers,
                ctx.request_id(),
            ),
            outcome(d.route, "forbid"),
        ),
    };
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    (resp, outcome)
}

/// Is `target` one of passgate's own pages on the portal (always public, so
/// a proxy that sends the portal through forward auth cannot loop)? Only
/// the normalised path counts: `P/../admin` is `/admin`.
fn portal_page(cfg: &Config, target: &Target) -> Result<bool, GateError> {
    let p = &cfg.server.portal;
    if target.host != p.host || target.port != p.port {
        return Ok(false);
    }
    Ok(super::destination(cfg, &target.path)? != Destination::Gate)
}
