//! The WebAuthn JSON endpoints called by `passkey.js`.
//!
//! Every call is a POST with `Origin` and the CSRF token checked. Errors
//! answer JSON `{ "error": code, "message": text }` with a 4xx status; an
//! unknown credential also returns its id so the page can tell the browser
//! to forget it (`PublicKeyCredential.signalUnknownCredential`).

use std::sync::Arc;

use axum::Extension;
use axum::body::{Body, Bytes};
use axum::extract::State;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::{HeaderMap, Response, StatusCode};
use serde::Deserialize;
use serde_json::json;

use crate::app::App;
use crate::audit::Event;
use crate::page::{Ctx, PageError, json};
use crate::session::ActiveSession;
use crate::store::{PasskeyRecord, StoreError};
use crate::webauthn::{PasskeyError, Passkeys};

/// Passkey sign-ins a client IP may start per minute.
const PASSKEY_STARTS_PER_MINUTE: u64 = 60;

/// A refusal for `passkey.js`, which shows `message` as it is.
fn refused(status: StatusCode, code: &'static str, message: impl Into<String>) -> PageError {
    PageError::refused(status, code, "", message)
}

/// A ceremony's failure: a store outage is a 503, the rest are refusals
/// in the words of [`PasskeyError`] (never a library's text: what the
/// library said is logged here, with the request id).
fn ceremony_failed(status: StatusCode, e: PasskeyError, ctx: &Ctx) -> PageError {
    match e {
        PasskeyError::Store(s) => PageError::from(s),
        e => {
            if let Some(detail) = e.detail() {
                tracing::info!(
                    request_id = ctx.request_id(),
                    detail,
                    "passkey response refused"
                );
            }
            let l = ctx.lang;
            let reason = match &e {
                PasskeyError::NoCeremony => l.t("passkey-error-expired"),
                PasskeyError::UnknownCredential { .. } => l.t("passkey-error-unknown"),
                PasskeyError::UserMismatch => l.t("passkey-error-mismatch"),
                PasskeyError::Cloned => l.t("passkey-error-cloned"),
                PasskeyError::NotVerified => l.t("passkey-error-not-verified"),
                PasskeyError::NotDiscoverable => l.t("passkey-error-not-discoverable"),
                PasskeyError::Invalid(_) => l.t("passkey-error-invalid"),
                PasskeyError::CrossOrigin => l.t("passkey-error-cross-origin"),
                PasskeyError::Store(_) => l.t("error-unavailable-message"),
            };
            refused(
                status,
                e.code(),
                l.t_with("passkey-error", &[("reason", &reason)]),
            )
        }
    }
}

/// Which browser this is, for binding a sign-in ceremony to it: a hash of
/// its CSRF cookie (which [`guard`] has checked it sent).
fn browser(app: &App, headers: &HeaderMap) -> String {
    let cfg = app.config();
    crate::cookies::value(headers, crate::page::cookies::csrf_cookie_name(&cfg))
        .map(|c| hex::encode(<sha2::Sha256 as sha2::Digest>::digest(c.as_bytes())))
        .unwrap_or_default()
}

/// Origin and CSRF for JSON calls (token in `X-CSRF-Token`).
fn guard(app: &App, headers: &HeaderMap, ctx: &Ctx) -> Result<(), Response<Body>> {
    let cfg = app.config();
    let token = headers.get("x-csrf-token").and_then(|v| v.to_str().ok());
    crate::page::check_post(&cfg, headers, token)
        .map_err(|why| refused(StatusCode::FORBIDDEN, "forbidden", why.message(ctx.lang)).json(ctx))
}

/// `POST P/webauthn/authenticate/start`.
pub async fn authenticate_start(
    State(app): State<Arc<App>>,
    Extension(ctx): Extension<Ctx>,
    headers: HeaderMap,
) -> Response<Body> {
    if let Err(r) = guard(&app, &headers, &ctx) {
        return r;
    }
    // Each ceremony is kept for five minutes: a client may not start them
    // without bound.
    let ip = ctx.client_ip();
    match app
        .eph
        .hit(
            &format!("rl:wa:ip:{ip}"),
            std::time::Duration::from_secs(60),
        )
        .await
    {
        Ok(c) if c.count > PASSKEY_STARTS_PER_MINUTE => {
            return refused(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                ctx.lang.t_count("passkey-too-many", c.reset_in as i64),
            )
            .json(&ctx);
        }
        Ok(_) => {}
        Err(e) => return PageError::from(e).json(&ctx),
    }
    match app
        .passkeys
        .start_authentication(&browser(&app, &headers))
        .await
    {
        Ok((ceremony, options)) => json(
            StatusCode::OK,
            &json!({ "ceremony": ceremony, "options": options }),
        ),
        Err(PasskeyError::Store(e)) => PageError::from(e).json(&ctx),
        // Nothing the browser sent: passgate could not make a challenge.
        Err(e) => PageError::Internal(format!(
            "starting a passkey sign-in: {e} {}",
            e.detail().unwrap_or_default()
        ))
        .json(&ctx),
    }
}

#[derive(Deserialize)]
struct FinishAuth {
    ceremony: String,
    credential: webauthn_rs_core::proto::PublicKeyCredential,
    #[serde(default)]
    rd: String,
}

/// `POST P/webauthn/authenticate/finish`.
pub async fn authenticate_finish(
    State(app): State<Arc<App>>,
    Extension(ctx): Extension<Ctx>,
    headers: HeaderMap,
    body: Bytes,
) -> Response<Body> {
    if let Err(r) = guard(&app, &headers, &ctx) {
        return r;
    }
    let cfg = app.config();
    let ip = ctx.client_ip();
    let agent = crate::page::user_agent(&headers);
    let req: FinishAuth = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => {
            app.audit(
                Event::failed("signin.failed")
                    .from(&ip, &agent)
                    .detail(format!("passkey: malformed response: {e}")),
            )
            .await;
            return refused(
                StatusCode::BAD_REQUEST,
                "invalid_response",
                ctx.lang.t("passkey-unreadable"),
            )
            .json(&ctx);
        }
    };
    let refuse = async |e: PasskeyError, user: Option<(&str, &str)>| {
        let mut ev = Event::failed("signin.failed")
            .from(&ip, &agent)
            .detail(format!("passkey: {}", e.code()));
        if let Some((id, email)) = user {
            ev = ev.user_id(id, email);
        }
        app.audit(ev).await;
        match e {
            PasskeyError::UnknownCredential { credential_id } => refused(
                StatusCode::BAD_REQUEST,
                "unknown_credential",
                ctx.lang.t("passkey-unknown"),
            )
            .field("credential_id", URL_SAFE_NO_PAD.encode(&credential_id)),
            other => ceremony_failed(StatusCode::BAD_REQUEST, other, &ctx),
        }
        .json(&ctx)
    };
    // The ceremony is spent whatever happens next: no replay.
    let state = match app
        .passkeys
        .take_authentication(&req.ceremony, &browser(&app, &headers))
        .await
    {
        Ok(s) => s,
        Err(e) => return refuse(e, None).await,
    };
    let (user_id, credential_id) = match Passkeys::identify(&req.credential) {
        Ok(x) => x,
        Err(e) => return refuse(e, None).await,
    };
    let record = match app.store.passkey_by_credential(&credential_id).await {
        Ok(Some(r)) => r,
        Ok(None) => return refuse(PasskeyError::UnknownCredential { credential_id }, None).await,
        Err(e) => return refuse(e.into(), None).await,
    };
    if record.user_id != user_id {
        return refuse(PasskeyError::UserMismatch, None).await;
    }
    let user = match app.store.get_user(&user_id).await {
        Ok(Some(u)) => u,
        Ok(None) => return refuse(PasskeyError::UnknownCredential { credential_id }, None).await,
        Err(e) => return refuse(e.into(), None).await,
    };
    if user.disabled {
        app.audit(
            Event::failed("signin.failed")
                .user(&user)
                .from(&ip, &agent)
                .detail("passkey: account disabled"),
        )
        .await;
        return refused(
            StatusCode::FORBIDDEN,
            "account_disabled",
            ctx.lang.t("passkey-account-disabled"),
        )
        .json(&ctx);
    }
    let mut stored: webauthn_rs_core::proto::Credential = match serde_json::from_str(&record.data) {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "a stored passkey cannot be read");
            return refuse(
                PasskeyError::Invalid("stored passkey unreadable".into()),
                Some((&user.id, &user.email)),
            )
            .await;
        }
    };
    let result = match app
        .passkeys
        .verify_authentication(&req.credential, &state, &stored)
    {
        Ok(r) => r,
        Err(PasskeyError::Cloned) => {
            app.audit(
                Event::failed("passkey.clone_suspected")
                    .user(&user)
                    .from(&ip, &agent)
                    .detail(format!(
                        "credential {} counter went backwards from {}",
                        URL_SAFE_NO_PAD.encode(&credential_id),
                        stored.counter
                    )),
            )
            .await;
            return refuse(PasskeyError::Cloned, Some((&user.id, &user.email))).await;
        }
        Err(e) => return refuse(e, Some((&user.id, &user.email))).await,
    };
    crate::webauthn::update_credential(&mut stored, &result);
    let data = serde_json::to_string(&stored).unwrap_or_default();
    if let Err(e) = app
        .store
        .record_passkey_use(
            &credential_id,
            &data,
            i64::from(stored.counter),
            stored.backup_state,
            app.clock.now(),
        )
        .await
    {
        return refuse(e.into(), Some((&user.id, &user.email))).await;
    }
    let cookie = match crate::signin::start_session(
        &app,
        &cfg,
        &headers,
        &user,
        "webauthn",
        &ip,
        &agent,
        Some(credential_id),
    )
    .await
    {
        Ok(c) => c,
        Err(e) => return PageError::from(e).json(&ctx),
    };
    let dest = super::destination(&cfg, Some(&req.rd));
    crate::page::with_cookies(
        json(StatusCode::OK, &json!({ "redirect": dest })),
        [Some(cookie)],
    )
}

/// How recent a sign-in must be to add or remove a passkey.
pub const MANAGE_WITHIN: i64 = 600;

/// Why a session may not add or remove passkeys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ManageRefusal {
    /// The sign-in is older than [`MANAGE_WITHIN`]: confirm it's you.
    SignInAgain,
    /// The account has a passkey, and this session was not made with one.
    PasskeyNeeded,
}

impl ManageRefusal {
    pub fn code(self) -> &'static str {
        match self {
            ManageRefusal::SignInAgain => "sign_in_again",
            ManageRefusal::PasskeyNeeded => "passkey_needed",
        }
    }

    pub fn message(self, lang: crate::i18n::Lang) -> String {
        match self {
            ManageRefusal::SignInAgain => lang.t("passkeys-sign-in-again"),
            ManageRefusal::PasskeyNeeded => lang.t("passkeys-passkey-needed"),
        }
    }
}

/// May `session` add or remove passkeys? Only with a sign-in of the last
/// ten minutes, and — once the account has a passkey — one made with a
/// passkey. Otherwise a stale cookie, or a mailbox (an email sign-in),
/// could add its own passkey and pass every `require = ["passkey"]` and
/// `max_age` rule with it, or remove the owner's.
pub fn may_manage_passkeys(
    session: &ActiveSession,
    has_passkeys: bool,
    now: i64,
) -> Result<(), ManageRefusal> {
    if now - session.auth_time() > MANAGE_WITHIN {
        return Err(ManageRefusal::SignInAgain);
    }
    if has_passkeys && session.record.auth_method != crate::authz::PASSKEY_AMR {
        return Err(ManageRefusal::PasskeyNeeded);
    }
    Ok(())
}

/// [`may_manage_passkeys`] for the ceremony endpoints: a JSON refusal.
async fn may_register(
    app: &App,
    session: &ActiveSession,
    ctx: &Ctx,
) -> Result<Vec<Vec<u8>>, Response<Body>> {
    let existing: Vec<Vec<u8>> = match app
        .store
        .passkeys_for_user(&session.principal.user_id)
        .await
    {
        Ok(p) => p.into_iter().map(|p| p.credential_id).collect(),
        Err(e) => return Err(PageError::from(e).json(ctx)),
    };
    match may_manage_passkeys(session, !existing.is_empty(), app.clock.now()) {
        Ok(()) => Ok(existing),
        Err(why) => {
            Err(refused(StatusCode::FORBIDDEN, why.code(), why.message(ctx.lang)).json(ctx))
        }
    }
}

async fn signed_in(
    app: &App,
    headers: &HeaderMap,
    ctx: &Ctx,
) -> Result<Arc<ActiveSession>, Response<Body>> {
    let cfg = app.config();
    match super::current_session(app, &cfg, headers).await {
        Ok(Some(s)) => Ok(s),
        Ok(None) => Err(refused(
            StatusCode::UNAUTHORIZED,
            "not_signed_in",
            ctx.lang.t("passkey-session-ended"),
        )
        .json(ctx)),
        Err(e) => Err(PageError::from(e).json(ctx)),
    }
}

/// `POST P/webauthn/register/start` (signed in).
pub async fn register_start(
    State(app): State<Arc<App>>,
    Extension(ctx): Extension<Ctx>,
    headers: HeaderMap,
) -> Response<Body> {
    if let Err(r) = guard(&app, &headers, &ctx) {
        return r;
    }
    let session = match signed_in(&app, &headers, &ctx).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let user = match app.store.get_user(&session.principal.user_id).await {
        Ok(Some(u)) => u,
        Ok(None) => {
            return refused(
                StatusCode::UNAUTHORIZED,
                "not_signed_in",
                ctx.lang.t("passkey-account-gone"),
            )
            .json(&ctx);
        }
        Err(e) => return PageError::from(e).json(&ctx),
    };
    let existing = match may_register(&app, &session, &ctx).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    match app
        .passkeys
        .start_registration(&user, &existing, &session.record.id)
        .await
    {
        Ok((ceremony, options)) => json(
            StatusCode::OK,
            &json!({ "ceremony": ceremony, "options": options }),
        ),
        Err(e) => ceremony_failed(StatusCode::BAD_REQUEST, e, &ctx).json(&ctx),
    }
}

#[derive(Deserialize)]
struct FinishReg {
    ceremony: String,
    credential: webauthn_rs_core::proto::RegisterPublicKeyCredential,
    #[serde(default)]
    name: String,
}

/// `POST P/webauthn/register/finish` (signed in).
pub async fn register_finish(
    State(app): State<Arc<App>>,
    Extension(ctx): Extension<Ctx>,
    headers: HeaderMap,
    body: Bytes,
) -> Response<Body> {
    if let Err(r) = guard(&app, &headers, &ctx) {
        return r;
    }
    let ip = ctx.client_ip();
    let agent = crate::page::user_agent(&headers);
    let session = match signed_in(&app, &headers, &ctx).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    if let Err(r) = may_register(&app, &session, &ctx).await {
        return r;
    }
    let p = &session.principal;
    let req: FinishReg = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(_) => {
            return refused(
                StatusCode::BAD_REQUEST,
                "invalid_response",
                ctx.lang.t("passkey-unreadable"),
            )
            .json(&ctx);
        }
    };
    let new = match app
        .passkeys
        .finish_registration(
            &req.ceremony,
            &session.record.id,
            &p.user_id,
            &req.credential,
        )
        .await
    {
        Ok(n) => n,
        Err(PasskeyError::Store(e)) => return PageError::from(e).json(&ctx),
        Err(e) => {
            app.audit(
                Event::failed("passkey.add_failed")
                    .user_id(&p.user_id, &p.email)
                    .from(&ip, &agent)
                    .detail(e.code()),
            )
            .await;
            return ceremony_failed(StatusCode::BAD_REQUEST, e, &ctx).json(&ctx);
        }
    };
    let provider = crate::webauthn::provider_name(new.aaguid.as_deref());
    let base: String = match req.name.trim() {
        "" => provider
            .map(str::to_string)
            .unwrap_or_else(|| crate::page::device_name(&agent)),
        n => n.chars().take(56).collect(),
    };
    // Two passkeys with one name cannot be told apart on the account page.
    let taken: Vec<String> = match app.store.passkeys_for_user(&p.user_id).await {
        Ok(list) => list.into_iter().map(|k| k.name).collect(),
        Err(e) => return PageError::from(e).json(&ctx),
    };
    let name = (1..)
        .map(|n| {
            if n == 1 {
                base.clone()
            } else {
                format!("{base} ({n})")
            }
        })
        .find(|candidate| !taken.contains(candidate))
        .unwrap_or(base);
    let record = PasskeyRecord {
        credential_id: new.credential.cred_id.clone(),
        user_id: p.user_id.clone(),
        name: name.clone(),
        data: serde_json::to_string(&new.credential).unwrap_or_default(),
        aaguid: new.aaguid.clone(),
        backup_eligible: new.credential.backup_eligible,
        backup_state: new.credential.backup_state,
        sign_count: i64::from(new.credential.counter),
        created_at: app.clock.now(),
        last_used_at: None,
    };
    match app.store.add_passkey(&record).await {
        Ok(()) => {}
        Err(StoreError::Conflict(_)) => {
            return refused(
                StatusCode::CONFLICT,
                "already_registered",
                ctx.lang.t("passkey-already-registered"),
            )
            .json(&ctx);
        }
        Err(e) => return PageError::from(e).json(&ctx),
    }
    app.audit(
        Event::ok("passkey.added")
            .user_id(&p.user_id, &p.email)
            .from(&ip, &agent)
            .detail(&name),
    )
    .await;
    json(StatusCode::OK, &json!({ "ok": true, "name": name }))
}
