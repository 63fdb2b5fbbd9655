//! `GET|POST P/oidc/end-session`: RP-initiated logout (OpenID Connect
//! RP-Initiated Logout 1.0).
//!
//! A link must not sign anyone out, so the session ends at once only when
//! the app proves it is the one signed in here (an `id_token_hint` naming
//! this very session); otherwise the person gets a confirm button. Either
//! way they return to a `post_logout_redirect_uri` only if the client
//! registered it — never to an address nobody registered.

use std::sync::Arc;

use askama::Template;
use axum::Extension;
use axum::body::Body;
use axum::extract::State;
use http::header::HeaderMap;
use http::{Method, Response, StatusCode, Uri};

use super::Form;
use crate::app::App;
use crate::config::{Config, OidcClient};
use crate::page::{Chrome, Ctx, PageError};

#[derive(Template)]
#[template(path = "end_session.html")]
struct EndSessionPage {
    chrome: Chrome,
    csrf: String,
    who: String,
    client_name: String,
    post_logout_redirect_uri: String,
    state: String,
    client_id: String,
}

pub async fn end_session(
    State(app): State<Arc<App>>,
    Extension(ctx): Extension<Ctx>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response<Body> {
    let cfg = app.config();
    let form = if method == Method::POST {
        match super::read_form(body).await {
            Ok(f) => f,
            Err(_) => return bad(&cfg, &headers, &ctx, &ctx.lang.t("oidc-logout-unreadable")),
        }
    } else {
        Form::parse(uri.query().unwrap_or(""))
    };
    let one = |k: &str| form.one(k).ok().flatten();
    // The confirm button posts back here with its CSRF token.
    let confirmed = method == Method::POST && one("csrf").is_some();
    if confirmed && let Err(why) = crate::page::check_post(&cfg, &headers, one("csrf")) {
        return crate::ui::login::forged(&app, &headers, &ctx, why).await;
    }
    if form.one("id_token_hint").is_err() || form.one("post_logout_redirect_uri").is_err() {
        return bad(&cfg, &headers, &ctx, &ctx.lang.t("oidc-logout-repeats"));
    }
    let keys = app.asserter.keys().current();
    let hint = match one("id_token_hint") {
        None => None,
        // An ID token of ours: `typ` JWT with `azp` (an access token,
        // `at+jwt`, or the identity assertion, whose `aud` is an origin,
        // proves nothing about who is signed in here).
        Some(t) => match keys.verify_any(t) {
            Ok((h, c))
                if h["typ"] == "JWT"
                    && c["iss"] == super::issuer(&cfg)
                    && c["azp"].is_string()
                    && c["azp"] == c["aud"] =>
            {
                Some(c)
            }
            _ => {
                return bad(&cfg, &headers, &ctx, &ctx.lang.t("oidc-logout-bad-hint"));
            }
        },
    };
    let hinted_client = hint
        .as_ref()
        .and_then(|c| c["aud"].as_str().map(str::to_string));
    let client_id = match (hinted_client, one("client_id")) {
        (Some(a), Some(b)) if a != b => {
            return bad(&cfg, &headers, &ctx, &ctx.lang.t("oidc-logout-two-apps"));
        }
        (Some(a), _) => Some(a),
        (None, b) => b.map(str::to_string),
    };
    let client: Option<&OidcClient> = client_id.as_deref().and_then(|id| cfg.oidc.client(id));
    if client_id.is_some() && client.is_none() {
        return bad(&cfg, &headers, &ctx, &ctx.lang.t("oidc-logout-unknown-app"));
    }
    let back = match one("post_logout_redirect_uri") {
        None => None,
        Some(u) => match client {
            Some(c) if c.post_logout_redirect_uris.iter().any(|r| r == u) => Some(u),
            _ => {
                return bad(&cfg, &headers, &ctx, &ctx.lang.t("oidc-logout-bad-return"));
            }
        },
    };
    let state = one("state");
    let session = match crate::ui::current_session(&app, &cfg, &headers).await {
        Ok(s) => s,
        Err(e) => return PageError::from(e).respond(&cfg, &headers, &ctx),
    };
    let done = |signed_out: bool| -> Response<Body> {
        let next = match back {
            Some(u) => match url::Url::parse(u) {
                Ok(mut url) => {
                    if let Some(s) = state {
                        url.query_pairs_mut().append_pair("state", s);
                    }
                    url.to_string()
                }
                Err(_) => format!("{}?error=signed_out", cfg.login_url()),
            },
            None => format!("{}?error=signed_out", cfg.login_url()),
        };
        let r = crate::page::see_other(&next);
        if signed_out {
            crate::page::with_cookies(r, [Some(crate::page::session_cookie(&cfg, None))])
        } else {
            r
        }
    };
    let Some(session) = session else {
        return done(false);
    };
    let proven = hint
        .as_ref()
        .is_some_and(|c| c["sid"].as_str() == Some(session.record.id.as_str()));
    if !(proven || confirmed) {
        return crate::ui::page(&cfg, &headers, StatusCode::OK, |csrf| EndSessionPage {
            chrome: ctx.chrome(&cfg),
            csrf,
            who: session.principal.email.clone(),
            client_name: client.map(|c| c.name.clone()).unwrap_or_default(),
            post_logout_redirect_uri: back.unwrap_or("").to_string(),
            state: state.unwrap_or("").to_string(),
            client_id: client.map(|c| c.id.clone()).unwrap_or_default(),
        });
    }
    if let Err(e) = app.sessions.revoke(&session.record.id).await {
        return PageError::from(e).respond(&cfg, &headers, &ctx);
    }
    app.asserter.forget(&session.record.id);
    app.audit(
        crate::audit::Event::ok("signout")
            .user_id(&session.principal.user_id, &session.principal.email)
            .from(&ctx.client_ip(), &crate::page::user_agent(&headers))
            .detail(format!(
                "oidc end-session client={}",
                client.map(|c| c.id.as_str()).unwrap_or("-")
            )),
    )
    .await;
    done(true)
}

fn bad(cfg: &Config, headers: &HeaderMap, ctx: &Ctx, message: &str) -> Response<Body> {
    PageError::refused(
        StatusCode::BAD_REQUEST,
        "invalid_request",
        ctx.lang.t("oidc-logout-unusable"),
        message.to_string(),
    )
    .next(ctx.lang.t("oidc-logout-unusable-next"))
    .action(crate::page::Action::link(
        &ctx.lang.t("account-title"),
        format!("{}{}/account", cfg.server.portal.origin, cfg.server.prefix),
    ))
    .respond(cfg, headers, ctx)
}
