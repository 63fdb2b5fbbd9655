//! The pages people see: the router of passgate's own endpoints and the
//! sign-in flows (one file per flow in `ui/`). This file holds what only
//! the flows share (form extraction with its checks, the signed-in
//! session); what the gate and error answers share with them (templates,
//! renderers, cookies, the page error type) is `page.rs`.

pub mod account;
pub mod admin;
pub mod email;
pub mod invite;
pub mod login;
pub mod misc;
pub mod oidc;
pub mod passkeys;

use std::sync::Arc;

use askama::Template;
use axum::Router;
use axum::body::Body;
use axum::routing::{get, post};
use http::header::HeaderMap;
use http::{Response, StatusCode};

use crate::app::App;
use crate::config::Config;
use crate::page::cookies::csrf_token;
use crate::page::{check_post, html, with_cookies};
use crate::session::ActiveSession;
use crate::store::StoreError;

/// passgate's own endpoints under `prefix` (forward auth is served before
/// this router, on the hot path in `server.rs`).
pub fn router(app: Arc<App>, prefix: &str) -> Router {
    let inner = Router::new()
        .route("/login", get(login::page))
        .route("/step-up", get(login::step_up_page))
        .route("/logout", get(login::logout_page).post(login::logout))
        .route("/email/start", post(email::start))
        .route("/email/verify", get(email::verify_page).post(email::verify))
        .route("/email/code", get(email::code_page).post(email::code))
        .route("/invite", get(invite::invite_page).post(invite::invite))
        .route(
            "/webauthn/authenticate/start",
            post(passkeys::authenticate_start),
        )
        .route(
            "/webauthn/authenticate/finish",
            post(passkeys::authenticate_finish),
        )
        .route("/webauthn/register/start", post(passkeys::register_start))
        .route("/webauthn/register/finish", post(passkeys::register_finish))
        .route("/passkey/offer", get(account::offer))
        .route("/account", get(account::page))
        .route("/admin", get(admin::people::list))
        .route("/admin/people/{id}", get(admin::people::person))
        .route(
            "/admin/people/{id}/delete",
            get(admin::people::confirm_delete).post(admin::people::act_delete),
        )
        .route("/admin/people/{id}/{action}", post(admin::people::act))
        .route(
            "/admin/groups",
            get(admin::groups::list).post(admin::groups::create),
        )
        .route("/admin/groups/{name}", get(admin::groups::group))
        .route("/admin/groups/{name}/{action}", post(admin::groups::act))
        .route(
            "/admin/invites",
            get(admin::invites::list).post(admin::invites::create),
        )
        .route("/admin/invites/{id}/{action}", post(admin::invites::act))
        .route(
            "/admin/tokens",
            get(admin::tokens::list).post(admin::tokens::create),
        )
        .route("/admin/tokens/{name}/{action}", post(admin::tokens::act))
        .route("/admin/activity", get(admin::activity::page))
        .route("/admin/audit", get(admin::audit::page))
        .route("/admin/system", get(admin::system::page))
        .route("/admin/keys/rotate", post(admin::system::rotate_keys))
        .route("/account/profile", post(account::profile))
        .route("/account/passkeys/rename", post(account::rename_passkey))
        .route("/account/passkeys/remove", post(account::remove_passkey))
        .route("/account/sessions/revoke", post(account::revoke_session))
        .route("/account/sessions/revoke-all", post(account::revoke_all))
        .route("/health/ready", get(misc::ready))
        .route("/jwks.json", get(misc::jwks))
        .route(
            "/oidc/authorize",
            get(oidc::authorize::authorize).post(oidc::authorize::authorize),
        )
        .route("/oidc/token", post(oidc::token::token))
        .route(
            "/oidc/userinfo",
            get(oidc::userinfo::userinfo).post(oidc::userinfo::userinfo),
        )
        .route("/oidc/revoke", post(oidc::token::revoke))
        .route(
            "/oidc/end-session",
            get(oidc::logout::end_session).post(oidc::logout::end_session),
        )
        .route("/whoami", get(misc::whoami))
        .route("/lang", get(misc::language))
        .route("/static/brand.css", get(misc::brand_css))
        .route("/static/{name}", get(misc::asset))
        .fallback(misc::not_found);
    Router::new()
        .route(oidc::DISCOVERY_PATH, get(oidc::discovery))
        .nest(prefix, inner)
        .fallback(misc::not_found)
        .with_state(app)
}

/// The fields of a form POST that passed the `Origin` and CSRF checks.
/// Every form handler takes its fields through this, so none can forget the
/// checks; a POST that fails them is answered here (a page saying what to
/// do) and audited.
pub struct Posted(pub std::collections::HashMap<String, String>);

impl axum::extract::FromRequest<Arc<App>> for Posted {
    type Rejection = Response<Body>;

    async fn from_request(
        req: http::Request<Body>,
        app: &Arc<App>,
    ) -> Result<Self, Self::Rejection> {
        use axum::response::IntoResponse;
        let ctx = req.extensions().get::<crate::page::Ctx>().cloned();
        let headers = req.headers().clone();
        let axum::extract::Form(fields) = axum::extract::Form::<
            std::collections::HashMap<String, String>,
        >::from_request(req, app)
        .await
        .map_err(|e| e.into_response())?;
        let cfg = app.config();
        match check_post(&cfg, &headers, fields.get("csrf").map(String::as_str)) {
            Ok(()) => Ok(Posted(fields)),
            Err(why) => Err(match ctx {
                Some(ctx) => login::forged(app, &headers, &ctx, why).await,
                None => crate::page::plain(
                    StatusCode::FORBIDDEN,
                    &why.message(crate::i18n::negotiate(&headers, cfg.branding.language)),
                ),
            }),
        }
    }
}

/// Did a person bring this request about, as a page of its own? Browsers
/// say how a request was made (`Sec-Fetch-*`): an admin or account page is
/// opened as a document, never fetched by a script or framed, and an action is a form
/// the person submitted themselves (`Sec-Fetch-User: ?1`), so a script of
/// an application that shares the portal's origin can neither read these
/// pages' forms nor submit them. A client that sends none of these fields
/// (not a browser, or an old one) is judged by the other checks alone.
pub fn navigated(headers: &HeaderMap, acting: bool) -> bool {
    let get = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let Some(dest) = get("sec-fetch-dest") else {
        return true;
    };
    dest == "document"
        && (!acting
            || (get("sec-fetch-mode") == Some("navigate") && get("sec-fetch-user") == Some("?1")))
}

/// The page for a request [`navigated`] refuses: 403, open it yourself.
pub fn not_navigated(cfg: &Config, headers: &HeaderMap, ctx: &crate::page::Ctx) -> Response<Body> {
    crate::page::PageError::refused(
        StatusCode::FORBIDDEN,
        "not_navigated",
        ctx.lang.t("page-not-navigated-title"),
        ctx.lang.t("page-not-navigated-message"),
    )
    .respond(cfg, headers, ctx)
}

/// Render a page that holds forms: `build` gets this browser's CSRF token,
/// and the CSRF cookie is set when it is new.
pub fn page<T: Template>(
    cfg: &Config,
    headers: &HeaderMap,
    status: StatusCode,
    build: impl FnOnce(String) -> T,
) -> Response<Body> {
    let (csrf, cookie) = csrf_token(cfg, headers);
    with_cookies(html(status, &build(csrf), cfg), [cookie])
}

/// The signed-in session of this request, if any.
pub async fn current_session(
    app: &App,
    cfg: &Config,
    headers: &HeaderMap,
) -> Result<Option<Arc<ActiveSession>>, StoreError> {
    match crate::cookies::value(headers, cfg.session.cookie_name) {
        Some(t) => app.sessions.validate(t).await,
        None => Ok(None),
    }
}

/// A validated post-login destination, or the account page.
pub fn destination(cfg: &Config, rd: Option<&str>) -> String {
    rd.and_then(|r| crate::authz::safe_redirect(r, &cfg.server.portal, &cfg.routes))
        .unwrap_or_else(|| format!("{}{}/account", cfg.server.portal.origin, cfg.server.prefix))
}
