//! `GET|POST P/oidc/userinfo`: the claims an access token's scope allows,
//! read fresh (groups, name and address as they are now).
//!
//! An access token is honoured while its signature checks out, it has not
//! expired, its grant exists and its session is valid — each answered from
//! the replica's caches in the steady state (a verified token by its hash,
//! the grant in `session/grants.rs`, the session by id in the session
//! cache), so this costs no round trip.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use http::header::{self, HeaderMap};
use http::{Method, Response, StatusCode};
use sha2::{Digest, Sha256};

use super::OAuthError;
use crate::app::App;
use crate::config::Config;
use crate::session::ActiveSession;
use crate::session::grants::{AccessClaims, Verified};

/// `POST P/oidc/userinfo` (the token may be in a form body), and a GET
/// that reaches the router.
pub async fn userinfo(
    State(app): State<Arc<App>>,
    method: Method,
    headers: HeaderMap,
    body: Body,
) -> Response<Body> {
    let cfg = app.config();
    match bearer(&method, &headers, body).await {
        Ok(token) => respond(&app, &cfg, &token).await,
        Err(e) => e.respond(),
    }
}

/// `GET P/oidc/userinfo`, on the hot path of both serving paths
/// (`gate::Destination::Userinfo`).
pub async fn answer(app: &App, cfg: &Config, headers: &HeaderMap) -> Response<Body> {
    match bearer(&Method::GET, headers, Body::empty()).await {
        Ok(token) => respond(app, cfg, &token).await,
        Err(e) => e.respond(),
    }
}

async fn respond(app: &App, cfg: &Config, token: &str) -> Response<Body> {
    match check(app, cfg, token).await {
        Ok((verified, session)) => {
            // The same person asking with the same token gets the answer
            // made last time (made again once the person changes: a new
            // principal).
            let principal = &session.shared().principal;
            let body = match verified.body_for(principal) {
                Some(b) => b,
                None => {
                    let claims = super::person_claims(&session, &verified.claims.scope);
                    let b = bytes::Bytes::from(
                        serde_json::Value::Object(claims).to_string().into_bytes(),
                    );
                    verified.keep_body(principal, b.clone());
                    b
                }
            };
            let mut r = Response::new(Body::from(body));
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                http::HeaderValue::from_static("application/json"),
            );
            r.headers_mut().insert(
                header::CACHE_CONTROL,
                http::HeaderValue::from_static("no-store"),
            );
            r
        }
        Err(e) => e.respond(),
    }
}

fn invalid_token(description: &str) -> OAuthError {
    OAuthError::new("invalid_token", description.to_string()).challenge(format!(
        "Bearer error=\"invalid_token\", error_description=\"{description}\""
    ))
}

/// The access token of the request: `Authorization: Bearer`, or a form
/// body's `access_token` (RFC 6750 §2.2) — one of them, once.
async fn bearer(method: &Method, headers: &HeaderMap, body: Body) -> Result<String, OAuthError> {
    let mut fields = headers.get_all(header::AUTHORIZATION).iter();
    let (first, more) = (fields.next(), fields.next());
    let from_header = match (first, more) {
        (_, Some(_)) => {
            return Err(
                OAuthError::new("invalid_request", "more than one Authorization field")
                    .challenge("Bearer error=\"invalid_request\"".into()),
            );
        }
        (None, None) => None,
        (Some(v), None) => {
            let v = v.to_str().unwrap_or("");
            match v.split_once(' ') {
                Some((scheme, t))
                    if scheme.eq_ignore_ascii_case("bearer") && !t.trim().is_empty() =>
                {
                    Some(t.trim().to_string())
                }
                _ => {
                    return Err(OAuthError::new(
                        "invalid_request",
                        "Authorization must be Bearer <access token>",
                    )
                    .challenge("Bearer error=\"invalid_request\"".into()));
                }
            }
        }
    };
    let from_body = if *method == Method::POST && super::is_form(headers) {
        super::read_form(body)
            .await?
            .one("access_token")?
            .map(str::to_string)
    } else {
        None
    };
    match (from_header, from_body) {
        (Some(t), None) | (None, Some(t)) => Ok(t),
        (Some(_), Some(_)) => Err(OAuthError::new(
            "invalid_request",
            "the access token is in both the Authorization field and the body",
        )
        .challenge("Bearer error=\"invalid_request\"".into())),
        // No credentials at all: 401 without an error code (RFC 6750 §3.1).
        (None, None) => Err(OAuthError::new("invalid_request", "no access token")
            .with_status(StatusCode::UNAUTHORIZED)
            .challenge("Bearer realm=\"passgate\"".into())),
    }
}

/// Is `token` an access token honoured now? Its claims and session.
pub async fn check(
    app: &App,
    cfg: &Config,
    token: &str,
) -> Result<(Arc<Verified>, Arc<ActiveSession>), OAuthError> {
    let now = app.clock.now();
    let hash: [u8; 32] = Sha256::digest(token.as_bytes()).into();
    let grants = &app.sessions.grants;
    let verified = match grants.verified.get(&hash, now) {
        Some(v) => v,
        None => {
            let keys = app.asserter.keys().current();
            let (header, claims) = keys
                .verify_any(token)
                .map_err(|_| invalid_token("the access token is not valid"))?;
            if header["typ"] != "at+jwt" || header["alg"] != "ES256" {
                return Err(invalid_token("not an access token"));
            }
            let claims: AccessClaims =
                serde_json::from_value(claims).map_err(|_| invalid_token("not an access token"))?;
            if claims.iss != super::issuer(cfg) {
                return Err(invalid_token("the access token is from another issuer"));
            }
            if claims.exp <= now {
                return Err(invalid_token("the access token has expired"));
            }
            let v = Arc::new(Verified::new(claims));
            grants.verified.insert(hash, v.clone(), now);
            v
        }
    };
    let claims = &verified.claims;
    let ttl = cfg.session.cache_ttl.as_secs() as i64;
    let grant = match grants.check(&claims.gid, now, ttl).await {
        Ok(Some(g)) if g.client_id == claims.client_id && g.session_id == claims.sid => g,
        Ok(_) => return Err(invalid_token("the access token has been revoked")),
        Err(e) => return Err(OAuthError::unavailable(&e)),
    };
    let session = match app.sessions.by_id(&grant.session_id).await {
        Ok(Some(s)) if s.principal.user_id == grant.user_id => s,
        Ok(_) => {
            return Err(invalid_token(
                "the sign-in behind the access token has ended",
            ));
        }
        Err(e) => return Err(OAuthError::unavailable(&e)),
    };
    // The client may have been removed, or the person taken out of its
    // groups, since.
    match cfg.oidc.client(&claims.client_id) {
        Some(c) if c.admits(&session.principal.groups) => Ok((verified, session)),
        _ => Err(invalid_token(
            "the access token's client no longer admits this person",
        )),
    }
}
