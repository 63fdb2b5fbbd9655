//! The account page (passkeys, sessions, sign out) and the passkey offer
//! shown after an email sign-in.

use std::collections::HashMap;
use std::sync::Arc;

use askama::Template;
use axum::Extension;
use axum::body::Body;
use axum::extract::{Query, State};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::{HeaderMap, Response, StatusCode};
use uuid::Uuid;

use crate::app::App;
use crate::audit::Event;
use crate::config::Config;
use crate::i18n::Lang;
use crate::page::Chrome;
use crate::page::Ctx;
use crate::page::PageError;
use crate::session::ActiveSession;
use crate::store::{Broadcast, StoreError};

pub struct PasskeyView {
    pub id: String,
    pub name: String,
    pub provider: Option<&'static str>,
    pub synced: bool,
    pub created: String,
    pub last_used: Option<String>,
    pub current: bool,
}

pub struct SessionView {
    pub id: String,
    pub device: String,
    pub ip: String,
    pub method: String,
    pub created: String,
    pub last_seen: String,
    pub current: bool,
}

impl PasskeyView {
    /// A passkey as the account and admin pages show it; `current` when
    /// the session looking at it was signed in with it.
    pub fn of(k: &crate::store::PasskeyRecord, lang: Lang, now: i64, current: bool) -> Self {
        PasskeyView {
            id: URL_SAFE_NO_PAD.encode(&k.credential_id),
            name: k.name.clone(),
            provider: crate::webauthn::provider_name(k.aaguid.as_deref()),
            synced: k.backup_eligible,
            created: crate::page::ago(lang, now, k.created_at),
            last_used: k.last_used_at.map(|t| crate::page::ago(lang, now, t)),
            current,
        }
    }
}

impl SessionView {
    /// A session as the account and admin pages show it; `current` when it
    /// is the one looking.
    pub fn of(s: &crate::store::SessionRecord, lang: Lang, now: i64, current: bool) -> Self {
        SessionView {
            id: s.id.clone(),
            device: crate::page::device_name(&s.user_agent),
            ip: if s.ip.is_empty() {
                lang.t("account-unknown-address")
            } else {
                s.ip.clone()
            },
            method: if s.auth_method == crate::authz::PASSKEY_AMR {
                lang.t("account-method-passkey")
            } else {
                lang.t("account-method-email")
            },
            created: crate::page::ago(lang, now, s.created_at),
            last_seen: crate::page::ago(lang, now, s.last_seen_at),
            current,
        }
    }
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    chrome: Chrome,
    csrf: String,
    rp_id: String,
    email: String,
    name: String,
    admin: bool,
    user_id_b64: String,
    accepted: String,
    passkeys: Vec<PasskeyView>,
    sessions: Vec<SessionView>,
    can_remove: bool,
    email_enabled: bool,
    notice: String,
    notice_kind: &'static str,
}

#[derive(Template)]
#[template(path = "offer.html")]
struct OfferPage {
    chrome: Chrome,
    csrf: String,
    rp_id: String,
    next: String,
    welcome: bool,
    silent: bool,
    email_enabled: bool,
}

/// The signed-in session, or a redirect to sign in (returning here).
async fn require(
    app: &App,
    cfg: &Config,
    headers: &HeaderMap,
    ctx: &Ctx,
    back: &str,
) -> Result<Arc<ActiveSession>, Response<Body>> {
    match super::current_session(app, cfg, headers).await {
        Ok(Some(s)) => Ok(s),
        Ok(None) => Err(crate::page::see_other(&format!(
            "{}?rd={}",
            cfg.login_url(),
            crate::page::enc(back)
        ))),
        Err(e) => Err(PageError::from(e).respond(cfg, headers, ctx)),
    }
}

fn account_url(cfg: &Config, notice: &str) -> String {
    format!(
        "{}{}/account?notice={}",
        cfg.server.portal.origin, cfg.server.prefix, notice
    )
}

/// `GET P/account`.
pub async fn page(
    State(app): State<Arc<App>>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response<Body> {
    let cfg = app.config();
    if !super::navigated(&headers, false) {
        return super::not_navigated(&cfg, &headers, &ctx);
    }
    let back = format!("{}{}/account", cfg.server.portal.origin, cfg.server.prefix);
    let session = match require(&app, &cfg, &headers, &ctx, &back).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let p = &session.principal;
    let now = app.clock.now();
    let (passkeys, sessions) = match tokio::try_join!(
        app.store.passkeys_for_user(&p.user_id),
        app.store.list_sessions(Some(&p.user_id))
    ) {
        Ok(x) => x,
        Err(e) => return PageError::from(e).respond(&cfg, &headers, &ctx),
    };
    let lang = ctx.lang;
    let accepted: Vec<String> = passkeys
        .iter()
        .map(|k| URL_SAFE_NO_PAD.encode(&k.credential_id))
        .collect();
    let views: Vec<PasskeyView> = passkeys
        .iter()
        .map(|k| {
            let current =
                session.record.credential_id.as_deref() == Some(k.credential_id.as_slice());
            PasskeyView::of(k, lang, now, current)
        })
        .collect();
    let sessions: Vec<SessionView> = sessions
        .iter()
        .filter(|s| s.is_live(now))
        .map(|s| SessionView::of(s, lang, now, s.id == session.record.id))
        .collect();
    let (notice, kind) = match q
        .get("notice")
        .map(String::as_str)
        .or(q.get("added").map(|_| "added"))
    {
        Some("added") => (lang.t("account-notice-added"), "ok"),
        Some("renamed") => (lang.t("account-notice-renamed"), "ok"),
        Some("removed") => (lang.t("account-notice-removed"), "ok"),
        Some("revoked") => (lang.t("account-notice-revoked"), "ok"),
        Some("saved") => (lang.t("account-notice-saved"), "ok"),
        Some("passkey_needed") => (
            super::passkeys::ManageRefusal::PasskeyNeeded.message(lang),
            "error",
        ),
        Some("last_passkey") => (lang.t("account-notice-last-passkey"), "error"),
        Some("bad_name") => (lang.t("account-notice-bad-name"), "error"),
        _ => (String::new(), ""),
    };
    let (csrf, cookie) = crate::page::cookies::csrf_token(&cfg, &headers);
    let uid = Uuid::parse_str(&p.user_id)
        .map(|u| URL_SAFE_NO_PAD.encode(u.as_bytes()))
        .unwrap_or_default();
    let page = AccountPage {
        chrome: ctx.chrome(&cfg),
        csrf,
        rp_id: cfg.webauthn.rp_id.clone(),
        email: p.email.clone(),
        name: p.name.clone(),
        admin: p.is_admin(),
        user_id_b64: uid,
        accepted: accepted.join(","),
        can_remove: cfg.email.sign_in || views.len() > 1,
        passkeys: views,
        sessions,
        email_enabled: cfg.email.sign_in,
        notice,
        notice_kind: kind,
    };
    crate::page::with_cookies(crate::page::html(StatusCode::OK, &page, &cfg), [cookie])
}

/// An account form POST: its fields (Origin and CSRF checked by
/// [`super::Posted`]) and the signed-in session (else a redirect to sign in).
pub struct AccountPost {
    pub session: Arc<ActiveSession>,
    pub fields: HashMap<String, String>,
}

impl axum::extract::FromRequest<Arc<App>> for AccountPost {
    type Rejection = Response<Body>;

    async fn from_request(
        req: http::Request<Body>,
        app: &Arc<App>,
    ) -> Result<Self, Self::Rejection> {
        let headers = req.headers().clone();
        let ctx = req.extensions().get::<Ctx>().cloned();
        let super::Posted(fields) = super::Posted::from_request(req, app).await?;
        let cfg = app.config();
        let back = format!("{}{}/account", cfg.server.portal.origin, cfg.server.prefix);
        let Some(ctx) = ctx else {
            return Err(crate::page::see_other(&format!(
                "{}?rd={}",
                cfg.login_url(),
                crate::page::enc(&back)
            )));
        };
        if !super::navigated(&headers, true) {
            return Err(super::not_navigated(&cfg, &headers, &ctx));
        }
        let session = require(app, &cfg, &headers, &ctx, &back).await?;
        Ok(AccountPost { session, fields })
    }
}

/// `POST P/account/profile`: change the display name.
pub async fn profile(
    State(app): State<Arc<App>>,
    Extension(ctx): Extension<Ctx>,
    headers: HeaderMap,
    AccountPost {
        session: s,
        fields: f,
    }: AccountPost,
) -> Response<Body> {
    let cfg = app.config();
    let name = crate::names::display_name(f.get("name").map_or("", String::as_str));
    let user = match app.store.get_user(&s.principal.user_id).await {
        Ok(Some(u)) => u,
        Ok(None) => return crate::page::see_other(&cfg.login_url()),
        Err(e) => return PageError::from(e).respond(&cfg, &headers, &ctx),
    };
    if let Err(e) = app
        .store
        .update_user(&user.id, &name, user.username.as_deref(), app.clock.now())
        .await
    {
        return PageError::from(e).respond(&cfg, &headers, &ctx);
    }
    app.sessions
        .announce(Broadcast::UserChanged {
            user_id: user.id.clone(),
        })
        .await;
    app.audit(
        Event::ok("account.profile")
            .user(&user)
            .from(&ctx.client_ip(), &crate::page::user_agent(&headers)),
    )
    .await;
    crate::page::see_other(&account_url(&cfg, "saved"))
}

/// The passkey a form names (its credential id, base64url) in `field`.
pub(super) fn credential_id(f: &HashMap<String, String>, field: &str) -> Option<Vec<u8>> {
    f.get(field)
        .and_then(|id| URL_SAFE_NO_PAD.decode(id.trim()).ok())
}

/// `POST P/account/passkeys/rename`.
pub async fn rename_passkey(
    State(app): State<Arc<App>>,
    Extension(ctx): Extension<Ctx>,
    headers: HeaderMap,
    AccountPost {
        session: s,
        fields: f,
    }: AccountPost,
) -> Response<Body> {
    let cfg = app.config();
    let name = f
        .get("name")
        .map(|n| n.trim().to_string())
        .unwrap_or_default();
    let (Some(id), false) = (
        credential_id(&f, "id"),
        name.is_empty() || name.chars().count() > 60,
    ) else {
        return crate::page::see_other(&account_url(&cfg, "bad_name"));
    };
    match app
        .store
        .rename_passkey(&s.principal.user_id, &id, &name)
        .await
    {
        Ok(()) | Err(StoreError::NotFound(_)) => {}
        Err(e) => return PageError::from(e).respond(&cfg, &headers, &ctx),
    }
    app.audit(
        Event::ok("passkey.renamed")
            .user_id(&s.principal.user_id, &s.principal.email)
            .from(&ctx.client_ip(), &crate::page::user_agent(&headers))
            .detail(&name),
    )
    .await;
    crate::page::see_other(&account_url(&cfg, "renamed"))
}

/// `POST P/account/passkeys/remove`: ends the sessions started with it.
pub async fn remove_passkey(
    State(app): State<Arc<App>>,
    Extension(ctx): Extension<Ctx>,
    headers: HeaderMap,
    AccountPost {
        session: s,
        fields: f,
    }: AccountPost,
) -> Response<Body> {
    let cfg = app.config();
    let Some(id) = credential_id(&f, "id") else {
        return crate::page::see_other(&account_url(&cfg, ""));
    };
    let count = match app.store.passkeys_for_user(&s.principal.user_id).await {
        Ok(p) => p.len(),
        Err(e) => return PageError::from(e).respond(&cfg, &headers, &ctx),
    };
    if count <= 1 && !cfg.email.sign_in {
        return crate::page::see_other(&account_url(&cfg, "last_passkey"));
    }
    match super::passkeys::may_manage_passkeys(&s, count > 0, app.clock.now()) {
        Ok(()) => {}
        Err(super::passkeys::ManageRefusal::SignInAgain) => {
            return crate::page::see_other(&cfg.step_up_url(&account_url(&cfg, "")));
        }
        Err(why @ super::passkeys::ManageRefusal::PasskeyNeeded) => {
            return crate::page::see_other(&account_url(&cfg, why.code()));
        }
    }
    let ended = match end_passkey(&app, &s.principal.user_id, &id).await {
        Ok(ended) => ended,
        Err(StoreError::NotFound(_)) => return crate::page::see_other(&account_url(&cfg, "")),
        Err(e) => return PageError::from(e).respond(&cfg, &headers, &ctx),
    };
    app.audit(
        Event::ok("passkey.removed")
            .user_id(&s.principal.user_id, &s.principal.email)
            .from(&ctx.client_ip(), &crate::page::user_agent(&headers))
            .detail(format!(
                "credential {}; ended {} session(s)",
                URL_SAFE_NO_PAD.encode(&id),
                ended.len()
            )),
    )
    .await;
    if ended.contains(&s.record.id) {
        // This session was started with the removed passkey: it is over too.
        return crate::page::with_cookies(
            crate::page::see_other(&format!("{}?error=session_ended", cfg.login_url())),
            [Some(crate::page::session_cookie(&cfg, None))],
        );
    }
    crate::page::see_other(&account_url(&cfg, "removed"))
}

/// Remove a passkey and end, on every replica, the sessions started with
/// it (the account and admin pages); returns their ids.
pub(super) async fn end_passkey(
    app: &App,
    user_id: &str,
    credential_id: &[u8],
) -> Result<Vec<String>, StoreError> {
    let ended = app.store.delete_passkey(user_id, credential_id).await?;
    for sid in &ended {
        app.sessions
            .announce(Broadcast::SessionRevoked { id: sid.clone() })
            .await;
        app.asserter.forget(sid);
    }
    Ok(ended)
}

/// `POST P/account/sessions/revoke`: sign out one of your other sessions.
pub async fn revoke_session(
    State(app): State<Arc<App>>,
    Extension(ctx): Extension<Ctx>,
    headers: HeaderMap,
    AccountPost {
        session: s,
        fields: f,
    }: AccountPost,
) -> Response<Body> {
    let cfg = app.config();
    let id = f.get("id").cloned().unwrap_or_default();
    // Only the user's own sessions.
    match app.store.get_session(&id).await {
        Ok(Some(target)) if target.user_id == s.principal.user_id => {
            if let Err(e) = app.sessions.revoke(&id).await {
                return PageError::from(e).respond(&cfg, &headers, &ctx);
            }
            app.asserter.forget(&id);
            app.audit(
                Event::ok("session.revoked")
                    .user_id(&s.principal.user_id, &s.principal.email)
                    .from(&ctx.client_ip(), &crate::page::user_agent(&headers))
                    .detail(&id),
            )
            .await;
        }
        Ok(_) => {}
        Err(e) => return PageError::from(e).respond(&cfg, &headers, &ctx),
    }
    if id == s.record.id {
        return crate::page::with_cookies(
            crate::page::see_other(&format!("{}?error=signed_out", cfg.login_url())),
            [Some(crate::page::session_cookie(&cfg, None))],
        );
    }
    crate::page::see_other(&account_url(&cfg, "revoked"))
}

/// `POST P/account/sessions/revoke-all`: sign out everywhere, here too.
pub async fn revoke_all(
    State(app): State<Arc<App>>,
    Extension(ctx): Extension<Ctx>,
    headers: HeaderMap,
    AccountPost { session: s, .. }: AccountPost,
) -> Response<Body> {
    let cfg = app.config();
    let n = match app.sessions.revoke_user(&s.principal.user_id).await {
        Ok(n) => n,
        Err(e) => return PageError::from(e).respond(&cfg, &headers, &ctx),
    };
    app.audit(
        Event::ok("session.revoked_all")
            .user_id(&s.principal.user_id, &s.principal.email)
            .from(&ctx.client_ip(), &crate::page::user_agent(&headers))
            .detail(format!("{n} session(s)")),
    )
    .await;
    crate::page::with_cookies(
        crate::page::see_other(&format!("{}?error=signed_out", cfg.login_url())),
        [Some(crate::page::session_cookie(&cfg, None))],
    )
}

/// `GET P/passkey/offer?next=&welcome=`: offer a passkey after an email
/// sign-in (silently where the browser supports conditional create).
pub async fn offer(
    State(app): State<Arc<App>>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response<Body> {
    let cfg = app.config();
    let next = super::destination(&cfg, q.get("next").map(String::as_str));
    if let Err(r) = require(&app, &cfg, &headers, &ctx, &next).await {
        return r;
    }
    let (csrf, cookie) = crate::page::cookies::csrf_token(&cfg, &headers);
    let welcome = q.contains_key("welcome");
    let page = OfferPage {
        chrome: ctx.chrome(&cfg),
        csrf,
        rp_id: cfg.webauthn.rp_id.clone(),
        next,
        welcome,
        // A new account is asked plainly; a returning email user is offered
        // one silently where the browser can.
        silent: !welcome,
        email_enabled: cfg.email.sign_in,
    };
    crate::page::with_cookies(crate::page::html(StatusCode::OK, &page, &cfg), [cookie])
}
