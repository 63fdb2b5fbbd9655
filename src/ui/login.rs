//! The sign-in page and signing out.

use std::collections::HashMap;
use std::sync::Arc;

use askama::Template;
use axum::Extension;
use axum::body::Body;
use axum::extract::{Query, State};
use http::{HeaderMap, Response, StatusCode, header};

use crate::app::App;
use crate::audit::Event;
use crate::page::Ctx;
use crate::page::PageError;
use crate::page::{Action, Chrome};

#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage {
    pub chrome: Chrome,
    pub csrf: String,
    pub rd: String,
    pub rd_encoded: String,
    pub rp_id: String,
    pub email: String,
    pub error: String,
    pub email_enabled: bool,
}

#[derive(Template)]
#[template(path = "logout.html")]
struct LogoutPage {
    chrome: Chrome,
    csrf: String,
    rd: String,
    who: Option<String>,
}

/// Render the sign-in page with an optional error and pre-filled address.
pub fn render(
    app: &App,
    headers: &HeaderMap,
    ctx: &Ctx,
    rd: &str,
    email: &str,
    error: &str,
    status: StatusCode,
) -> Response<Body> {
    let cfg = app.config();
    let (csrf, cookie) = crate::page::cookies::csrf_token(&cfg, headers);
    let page = LoginPage {
        chrome: Chrome::new(&cfg, Some(ctx.request_id())),
        csrf,
        rd: rd.to_string(),
        rd_encoded: crate::page::enc(rd),
        rp_id: cfg.webauthn.rp_id.clone(),
        email: email.to_string(),
        error: error.to_string(),
        email_enabled: cfg.email.sign_in,
    };
    crate::page::with_cookies(crate::page::html(status, &page, &cfg), [cookie])
}

/// `GET P/login?rd=`: already signed in → straight on; else the page.
pub async fn page(
    State(app): State<Arc<App>>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response<Body> {
    let cfg = app.config();
    let rd = q.get("rd").map(String::as_str).unwrap_or("");
    match super::current_session(&app, &cfg, &headers).await {
        Ok(Some(_)) => return crate::page::see_other(&super::destination(&cfg, Some(rd))),
        Ok(None) => {}
        Err(e) => return PageError::from(e).respond(&cfg, &headers, &ctx),
    }
    let error = match q.get("error").map(String::as_str) {
        Some("signed_out") => "You have been signed out.",
        Some("session_ended") => "Your session has ended. Please sign in again.",
        _ => "",
    };
    render(&app, &headers, &ctx, rd, "", error, StatusCode::OK)
}

/// `GET P/logout`: a confirmation button (a link must not sign anyone out).
pub async fn logout_page(
    State(app): State<Arc<App>>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response<Body> {
    let cfg = app.config();
    let who = match super::current_session(&app, &cfg, &headers).await {
        Ok(s) => s.map(|s| s.principal.email.clone()),
        Err(e) => return PageError::from(e).respond(&cfg, &headers, &ctx),
    };
    super::page(&cfg, &headers, StatusCode::OK, |csrf| LogoutPage {
        chrome: Chrome::new(&cfg, Some(ctx.request_id())),
        csrf,
        rd: q.get("rd").cloned().unwrap_or_default(),
        who,
    })
}

/// `POST P/logout`: end this session everywhere, then the sign-in page
/// (returning to `rd` after the next sign-in).
pub async fn logout(
    State(app): State<Arc<App>>,
    Extension(ctx): Extension<Ctx>,
    headers: HeaderMap,
    super::Posted(f): super::Posted,
) -> Response<Body> {
    let cfg = app.config();
    match super::current_session(&app, &cfg, &headers).await {
        Ok(Some(s)) => {
            if let Err(e) = app.sessions.revoke(&s.record.id).await {
                return PageError::from(e).respond(&cfg, &headers, &ctx);
            }
            app.asserter.forget(&s.record.id);
            let ua = headers
                .get(header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            app.audit(
                Event::ok("signout")
                    .user_id(&s.principal.user_id, &s.principal.email)
                    .from(&ctx.client_ip(), ua),
            )
            .await;
        }
        Ok(None) => {}
        Err(e) => return PageError::from(e).respond(&cfg, &headers, &ctx),
    }
    let rd = f.get("rd").map(String::as_str).unwrap_or("");
    let next = match crate::authz::safe_redirect(rd, &cfg.server.portal, &cfg.routes) {
        Some(safe) => format!(
            "{}?rd={}&error=signed_out",
            cfg.login_url(),
            crate::page::enc(&safe)
        ),
        None => format!("{}?error=signed_out", cfg.login_url()),
    };
    crate::page::with_cookies(
        crate::page::see_other(&next),
        [Some(crate::page::session_cookie(&cfg, None))],
    )
}

/// A refused forged POST: a page that says what to do, and an audit event.
pub async fn forged(
    app: &App,
    headers: &HeaderMap,
    ctx: &Ctx,
    why: crate::page::Forged,
) -> Response<Body> {
    let cfg = app.config();
    let ua = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    tracing::warn!(request_id = %ctx.request_id(), reason = ?why, "refused a POST without a valid origin or CSRF token");
    app.audit(
        Event::failed("request.forged")
            .from(&ctx.client_ip(), ua)
            .detail(format!("{why:?}")),
    )
    .await;
    PageError::refused(
        StatusCode::FORBIDDEN,
        "forbidden",
        "This form could not be accepted",
        why.message(),
    )
    .action(Action::link("Go to sign in", cfg.login_url()))
    .page(&cfg, ctx)
}
