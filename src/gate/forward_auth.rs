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

use std::sync::Arc;

use axum::body::Body;
use bytes::BytesMut;
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
    match decide(app, cfg, headers, ctx, nginx).await {
        Decided::Allow(a) => a.into_answer(cfg),
        Decided::Other(answer) => answer,
    }
}

/// What forward auth decided: allowed (the common case, which passgate's
/// HTTP/1 loop writes straight into bytes), or any other answer.
// Moved once per request; boxing would cost an allocation.
#[allow(clippy::large_enum_variant)]
pub enum Decided {
    Allow(Allowed),
    Other(Answered),
}

/// An allowed request: what the 200 carries.
pub struct Allowed {
    who: Option<Arc<crate::session::Principal>>,
    assertion: Option<HeaderValue>,
    /// The request's cookies without passgate's, for the proxy to forward
    /// instead of the originals (deploy/ configs copy it), so the session
    /// cookie never reaches the app.
    cookie: Option<HeaderValue>,
    /// The request's `Authorization`, unless it carried the service token
    /// passgate used, for the proxy to forward instead of the original
    /// (deploy/ configs copy it, and `X-Passgate-Token`, which this answer
    /// never has): so the token never reaches the app either.
    authorization: Vec<HeaderValue>,
    pub outcome: Outcome,
}

const TEXT_PLAIN: HeaderValue = HeaderValue::from_static("text/plain; charset=utf-8");
const NO_STORE: HeaderValue = HeaderValue::from_static("no-store");

impl Allowed {
    /// The fields of the answer, one call each (but the request id, HSTS
    /// and framing, which every answer gets: `gate::stamp_answer`).
    fn each_field(&self, cfg: &Config, mut field: impl FnMut(&header::HeaderName, &HeaderValue)) {
        field(&header::CONTENT_TYPE, &TEXT_PLAIN);
        identity::each_identity_field(cfg.identity.headers, self.who.as_deref(), &mut field);
        // Always there, empty when there is none: a proxy that copies a
        // field the answer lacks may set something else instead (Caddy
        // before 2.7 sets the placeholder's own text,
        // `{http.reverse_proxy.header.Cookie}`).
        static EMPTY: HeaderValue = HeaderValue::from_static("");
        field(
            &cfg.identity.assertion_header,
            self.assertion.as_ref().unwrap_or(&EMPTY),
        );
        field(&header::COOKIE, self.cookie.as_ref().unwrap_or(&EMPTY));
        for a in &self.authorization {
            field(&header::AUTHORIZATION, a);
        }
        field(&header::CACHE_CONTROL, &NO_STORE);
    }

    /// As a response, for hyper's path.
    pub fn into_answer(self, cfg: &Config) -> Answered {
        // With room from the start for every field (growing the map insert
        // by insert rehashes it several times).
        let mut r = Response::new(Body::empty());
        *r.headers_mut() = HeaderMap::with_capacity(14);
        let h = r.headers_mut();
        self.each_field(cfg, |name, value| {
            // Appended: `Authorization` may come more than once.
            h.append(name.clone(), value.clone());
        });
        (r, self.outcome)
    }

    /// The whole answer as HTTP/1.1 bytes (it has no body): the same
    /// fields as [`Allowed::into_answer`] gets and `gate::stamp_answer`
    /// adds, then the framing every answer head ends with.
    pub fn write(&self, out: &mut BytesMut, cfg: &Config, ctx: &ReqCtx, close: bool) {
        use crate::http1;
        http1::put_status_line(out, StatusCode::OK, None);
        self.each_field(cfg, |name, value| {
            http1::put_field(out, name.as_str().as_bytes(), value.as_bytes());
        });
        http1::put_field(out, b"x-request-id", ctx.request_id_header.as_bytes());
        if let Some(v) = super::hsts(cfg, ctx) {
            http1::put_field(out, b"strict-transport-security", v.as_bytes());
        }
        http1::put_length(out, 0);
        http1::end_answer_head(out, false, close);
    }
}

/// [`forward_auth`], with an allowed request's answer not yet made.
pub async fn decide(
    app: &App,
    cfg: &Config,
    headers: &HeaderMap,
    ctx: &ReqCtx,
    nginx: bool,
) -> Decided {
    let outcome = |route: Option<&crate::authz::Route>, decision: &'static str| Outcome {
        route: metrics::route_label(route.map(|r| r.index)),
        decision,
    };
    let refuse = |e: GateError| {
        let decision = e.decision();
        Decided::Other(with_outcome(
            e.respond(cfg, headers, ctx.request_id()),
            outcome(None, decision),
        ))
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
            return Decided::Other(with_outcome(
                r,
                Outcome {
                    route: "portal",
                    decision: "allow",
                },
            ));
        }
        Ok(false) => {}
        Err(e) => return refuse(e),
    }
    // Without the method field a request would be judged as a GET: where
    // a rule looks at the method, the proxy must say it.
    if cfg.routes.has_methods() {
        let field = if nginx {
            "x-original-method"
        } else {
            "x-forwarded-method"
        };
        if !headers.contains_key(field) {
            return refuse(GateError::BadRequest(format!(
                "{field} is missing, and some rule depends on the method"
            )));
        }
    }
    let route = match super::rule(cfg, &target, ctx.peer, headers, true) {
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
    let d = match super::decide_for(app, cfg, route, headers, ctx).await {
        Ok(d) => d,
        Err(e) => {
            return refuse(e);
        }
    };
    let (mut resp, outcome) = match d.access {
        Access::Allow => {
            let assertion = d.session.as_ref().map(|s| {
                app.asserter.assertion(
                    s,
                    &target.origin(),
                    &cfg.server.portal.origin,
                    cfg.identity.assertion_ttl.as_secs() as i64,
                )
            });
            return Decided::Allow(Allowed {
                who: d.session.as_ref().map(|s| s.principal.clone()),
                assertion,
                cookie: crate::cookies::without_own(headers),
                authorization: if d.token == Some(crate::token::Field::Authorization) {
                    Vec::new()
                } else {
                    headers
                        .get_all(header::AUTHORIZATION)
                        .iter()
                        .cloned()
                        .collect()
                },
                outcome: outcome(d.route, "allow"),
            });
        }
        Access::Login => with_outcome(
            super::login_response(cfg, &target, headers, nginx),
            outcome(d.route, "login"),
        ),
        Access::StepUp(up) => with_outcome(
            super::step_up_response(cfg, &target, headers, nginx, up),
            outcome(d.route, "step_up"),
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
    resp.headers_mut().insert(header::CACHE_CONTROL, NO_STORE);
    Decided::Other((resp, outcome))
}

/// Is `target` one of passgate's own pages on the portal (always public, so
/// a proxy that sends the portal through forward auth cannot loop)? Only
/// the normalised path counts: `P/../admin` is `/admin`.
fn portal_page(cfg: &Config, target: &Target) -> Result<bool, GateError> {
    let p = &cfg.server.portal;
    if target.host != p.host || target.port != p.port {
        return Ok(false);
    }
    if target.path == crate::config::OIDC_DISCOVERY_PATH && cfg.oidc.enabled() {
        return Ok(true);
    }
    Ok(super::destination_of_path(cfg, &target.path)? != Destination::Gate)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(identity: &str) -> Config {
        let text = format!(
            "[server]\npublic_url = \"https://localhost:8443\"\nhsts = \"max-age=600\"\n\n[identity]\nheaders = \"{identity}\"\n\n[[route]]\nhost = \"localhost\"\nupstream = \"http://127.0.0.1:9\"\n"
        );
        Config::from_toml(&text, "test", std::iter::empty(), &std::env::temp_dir())
            .unwrap_or_else(|e| panic!("{e}"))
    }

    fn ctx(hsts: bool) -> ReqCtx {
        ReqCtx {
            peer: "10.0.0.1:5000".parse().unwrap(),
            peer_ip: HeaderValue::from_static("10.0.0.1"),
            tls: true,
            trusted: true,
            request_id_header: HeaderValue::from_static("req-1"),
            hsts,
        }
    }

    /// The fields of an HTTP/1.1 answer head, lower-cased and sorted, but
    /// `date` (which changes by the second).
    fn fields(head: &[u8]) -> (u16, Vec<(String, String)>) {
        let mut raw = [httparse::EMPTY_HEADER; 32];
        let mut r = httparse::Response::new(&mut raw);
        assert!(matches!(r.parse(head), Ok(httparse::Status::Complete(n)) if n == head.len()));
        let mut f: Vec<_> = r
            .headers
            .iter()
            .map(|h| {
                (
                    h.name.to_ascii_lowercase(),
                    String::from_utf8_lossy(h.value).to_string(),
                )
            })
            .filter(|(n, _)| n != "date")
            .collect();
        f.sort();
        (r.code.unwrap_or(0), f)
    }

    /// Forward auth's 200 written straight into bytes is, field for field,
    /// what the response path writes (`into_answer`, `stamp_answer`, the
    /// loop's answer head): for each identity style, with and without a
    /// person, an assertion, a cookie, HSTS, and a closing connection.
    #[test]
    fn the_allow_answer_in_bytes_is_the_response_path_s() {
        let user = crate::store::User {
            id: "u1".into(),
            email: "ann@example.com".into(),
            username: Some("ann".into()),
            display_name: "Ann Example".into(),
            disabled: false,
            created_at: 0,
            updated_at: 0,
        };
        let who = Arc::new(crate::session::Principal::new(
            &user,
            vec!["dev".into(), "ops".into()],
        ));
        for style in ["remote", "auth-request", "both"] {
            let cfg = config(style);
            for (person, hsts, close) in [
                (true, true, false),
                (true, false, true),
                (false, true, true),
                (false, false, false),
            ] {
                let allowed = || Allowed {
                    who: person.then(|| who.clone()),
                    assertion: person.then(|| HeaderValue::from_static("a.b.c")),
                    cookie: person.then(|| HeaderValue::from_static("theme=dark")),
                    authorization: if person {
                        vec![HeaderValue::from_static("Basic YTpi")]
                    } else {
                        vec![]
                    },
                    outcome: Outcome {
                        route: "0",
                        decision: "allow",
                    },
                };
                let ctx = ctx(hsts);
                let mut direct = BytesMut::new();
                allowed().write(&mut direct, &cfg, &ctx, close);

                let (mut resp, _) = allowed().into_answer(&cfg);
                super::super::stamp_answer(resp.headers_mut(), &cfg, &ctx);
                let mut via = BytesMut::new();
                crate::http1::write_answer_head(&mut via, resp.status(), resp.headers(), 0, close);

                let (a, b) = (fields(&direct), fields(&via));
                assert_eq!(a, b, "{style}, person {person}, hsts {hsts}, close {close}");
                assert_eq!(a.0, 200);
                let names: Vec<&str> = a.1.iter().map(|(n, _)| n.as_str()).collect();
                assert!(names.contains(&"cache-control") && names.contains(&"x-request-id"));
                assert_eq!(
                    names.contains(&"strict-transport-security"),
                    hsts,
                    "{names:?}"
                );
                assert_eq!(names.contains(&"connection"), close);
                if person {
                    let want = if style == "auth-request" {
                        "x-auth-request-user"
                    } else {
                        "remote-user"
                    };
                    assert!(
                        a.1.iter().any(|(n, v)| n == want && v == "ann"),
                        "{:?}",
                        a.1
                    );
                }
            }
        }
    }
}
