//! Small endpoints: health, JWKS, whoami, static assets.

use std::sync::Arc;
use std::time::Duration;

use axum::Extension;
use axum::body::Body;
use axum::extract::{Path, State};
use http::header::{self, HeaderMap, HeaderValue};
use http::{Response, StatusCode};
use serde_json::json;

use crate::app::App;
use crate::page::Ctx;
use crate::page::PageError;
use crate::page::json;

pub async fn ready(State(app): State<Arc<App>>) -> Response<Body> {
    let limit = Duration::from_secs(2);
    let db = tokio::time::timeout(limit, app.store.ping()).await;
    let eph = tokio::time::timeout(limit, app.eph.ping()).await;
    let word = |r: &Result<Result<(), crate::store::StoreError>, _>| match r {
        Ok(Ok(())) => "ok".to_string(),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness check failed");
            "unavailable".to_string()
        }
        Err(_) => "timeout".to_string(),
    };
    let (d, e) = (word(&db), word(&eph));
    let ok = d == "ok" && e == "ok";
    json(
        if ok {
            StatusCode::OK
        } else {
            StatusCode::SERVICE_UNAVAILABLE
        },
        &json!({
            "status": if ok { "ok" } else { "unavailable" },
            "database": { "backend": app.store.backend(), "status": d },
            "ephemeral": { "backend": app.eph.backend(), "status": e },
        }),
    )
}

pub async fn jwks(State(app): State<Arc<App>>) -> Response<Body> {
    let mut r = Response::new(Body::from(app.asserter.keys().jwks()));
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/jwk-set+json"),
    );
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    r.headers_mut().insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    r
}

pub async fn whoami(
    State(app): State<Arc<App>>,
    Extension(ctx): Extension<Ctx>,
    headers: HeaderMap,
) -> Response<Body> {
    let cfg = app.config();
    let session = match super::current_session(&app, &cfg, &headers).await {
        Ok(s) => s,
        Err(e) => return PageError::from(e).json(&ctx),
    };
    match session {
        Some(s) => {
            let p = &s.principal;
            json(
                StatusCode::OK,
                &json!({
                    "user_id": p.user_id,
                    "email": p.email,
                    "username": p.login,
                    "name": p.name,
                    "groups": p.groups,
                    "admin": p.is_admin(),
                    "auth_method": s.record.auth_method,
                    "session_id": s.record.id,
                    "signed_in_at": s.record.created_at,
                    "expires_at": s.record.expires_at,
                }),
            )
        }
        None => PageError::refused(
            StatusCode::UNAUTHORIZED,
            "not signed in",
            ctx.lang.t("misc-not-signed-in-title"),
            ctx.lang.t("misc-not-signed-in-message"),
        )
        .field("login", cfg.login_url())
        .json(&ctx),
    }
}

pub async fn asset(Path(name): Path<String>) -> Response<Body> {
    match crate::page::static_asset(&name) {
        Some((bytes, ctype)) => {
            let mut r = Response::new(Body::from(bytes));
            r.headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static(ctype));
            r.headers_mut().insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=31536000, immutable"),
            );
            r.headers_mut().insert(
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            );
            r
        }
        None => crate::page::plain(StatusCode::NOT_FOUND, "not found\n"),
    }
}

pub async fn brand_css(State(app): State<Arc<App>>) -> Response<Body> {
    let mut r = Response::new(Body::from(crate::page::brand_css(&app.config())));
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/css; charset=utf-8"),
    );
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=86400"),
    );
    r
}

pub async fn not_found(
    State(app): State<Arc<App>>,
    Extension(ctx): Extension<Ctx>,
    headers: HeaderMap,
) -> Response<Body> {
    PageError::refused(
        StatusCode::NOT_FOUND,
        "not_found",
        ctx.lang.t("misc-not-found-title"),
        ctx.lang.t("misc-not-found-message"),
    )
    .respond(&app.config(), &headers, &ctx)
}

/// `GET P/lang?set=de&rd=/path`: keep the reader's choice of language and
/// go back to the page (a path on the portal; anything else: the account
/// page).
pub async fn language(
    State(app): State<Arc<App>>,
    axum::extract::Query(q): axum::extract::Query<std::collections::HashMap<String, String>>,
) -> Response<Body> {
    let cfg = app.config();
    // A path on the portal, the sign-in pages included (unlike a sign-in's
    // `rd`): the page the link was on.
    let origin = &cfg.server.portal.origin;
    let next = q
        .get("rd")
        .filter(|r| {
            r.starts_with('/')
                && !r.starts_with("//")
                && r.len() <= 4096
                && !r.bytes().any(|b| b <= 0x20 || b == 0x7f || b == b'\\')
        })
        .and_then(|r| url::Url::parse(&format!("{origin}{r}")).ok())
        // After the parser resolved `..`: a path that now starts with `//`
        // would be read as another host by whatever redirects there next.
        .filter(|u| u.origin().ascii_serialization() == *origin && !u.path().starts_with("//"))
        .map(|u| u.to_string())
        .unwrap_or_else(|| super::destination(&cfg, None));
    match q.get("set").and_then(|s| crate::i18n::Lang::parse(s)) {
        Some(lang) => crate::page::with_cookies(
            crate::page::see_other(&next),
            [Some(crate::page::cookies::language_cookie(&cfg, lang))],
        ),
        None => crate::page::see_other(&next),
    }
}
