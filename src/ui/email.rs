//! Email sign-in: the link and the code (invitations are `invite.rs`).
//!
//! `POST P/email/start` answers the same whatever the address: a page that
//! says a message is on its way *if* the address can sign in here. When it
//! can, a 256-bit token (stored hashed, 15 minutes, single use) goes into a
//! link, with a six-digit code beside it. The link opens a confirmation page
//! (`GET` never spends it: mail scanners follow links) and only the `POST`
//! signs in — and only in the browser that asked (a cookie binds them). The
//! code works on any device, five tries at most: the tries are counted on
//! the code itself, for as long as it lives, and the fifth wrong one ends
//! it; a new email brings a new code with five new tries. Emails are
//! rate-limited per address and per IP, codes per IP; an address whose codes
//! were ended by wrong tries three times in a day gets links only for the
//! rest of it (the link still works in the browser that asked).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use askama::Template;
use axum::Extension;
use axum::body::Body;
use axum::extract::{Query, State};
use http::{HeaderMap, Response, StatusCode};
use rand::Rng;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::app::App;
use crate::audit::Event;
use crate::config::Config;
use crate::names::normalise_email;
use crate::page::Ctx;
use crate::page::PageError;
use crate::page::{Action, Chrome};
use crate::signin::{self, Eligibility};
use crate::store::StoreError;

/// Sign-in emails per address per window.
const PER_ADDRESS: u64 = 5;
/// Sign-in emails per IP per window.
const PER_IP: u64 = 20;
/// Tries (right or wrong) one code allows.
const CODE_TRIES: u64 = 5;
/// Codes ended by wrong tries, per address per day, before codes pause.
const CODE_LOCKOUTS_PER_DAY: u64 = 3;
const DAY: Duration = Duration::from_secs(86_400);
/// Codes (right or wrong) accepted per IP per window.
const CODE_TRIES_PER_IP: u64 = 50;
const WINDOW: Duration = Duration::from_secs(15 * 60);

#[derive(Serialize, Deserialize)]
struct TokenRecord {
    email: String,
    rd: String,
    /// SHA-256 (hex) of the requesting browser's binding cookie.
    binding: String,
}

#[derive(Serialize, Deserialize)]
struct CodeRecord {
    code_hash: String,
    token_key: String,
    /// This code's own id: its tries are counted under it.
    #[serde(default)]
    id: String,
}

#[derive(Template)]
#[template(path = "email_sent.html")]
struct SentPage {
    chrome: Chrome,
    csrf: String,
    rd: String,
    rd_encoded: String,
    email: String,
    minutes: u64,
    error: String,
}

#[derive(Template)]
#[template(path = "email_code.html")]
struct CodePage {
    chrome: Chrome,
    csrf: String,
    rd: String,
    rd_encoded: String,
    email: String,
    error: String,
}

#[derive(Template)]
#[template(path = "email_confirm.html")]
struct ConfirmPage {
    chrome: Chrome,
    csrf: String,
    token: String,
    email: String,
    new_account: bool,
}

fn sha_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

fn token_key(token: &str) -> String {
    format!("em:tok:{}", sha_hex(token))
}

fn code_key(email_lower: &str) -> String {
    format!("em:code:{}", sha_hex(email_lower))
}

/// Set while codes are paused for an address (links only).
fn code_pause_key(email_lower: &str) -> String {
    format!("em:code-paused:{}", sha_hex(email_lower))
}

/// Count one hit on `key` against `max` per `window`. Over the limit: the
/// event is audited and the answer is a page saying when to try again; a
/// store outage is a 503.
#[allow(clippy::too_many_arguments)]
async fn limit(
    app: &App,
    cfg: &Config,
    headers: &HeaderMap,
    ctx: &Ctx,
    key: &str,
    window: Duration,
    max: u64,
    event: Event,
    what: &str,
) -> Result<crate::store::ephemeral::Counter, Response<Body>> {
    let c = app
        .eph
        .hit(key, window)
        .await
        .map_err(|e| PageError::from(e).respond(cfg, headers, ctx))?;
    if c.count > max {
        app.audit(event).await;
        return Err(too_many(cfg, ctx, c.reset_in, what));
    }
    Ok(c)
}

fn too_many(cfg: &Config, ctx: &Ctx, reset_in: u64, what: &str) -> Response<Body> {
    let minutes = reset_in.div_ceil(60).max(1);
    PageError::refused(
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
        ctx.lang.t("email-too-many-title"),
        format!(
            "{what} {}",
            ctx.lang
                .t_count("email-try-again-in-minutes", minutes as i64)
        ),
    )
    .next(ctx.lang.t("email-too-many-next"))
    .action(Action::link(
        &ctx.lang.t("email-code-back"),
        cfg.login_url(),
    ))
    .page(cfg, ctx)
}

/// `POST P/email/start`.
pub async fn start(
    State(app): State<Arc<App>>,
    Extension(ctx): Extension<Ctx>,
    headers: HeaderMap,
    super::Posted(f): super::Posted,
) -> Response<Body> {
    let cfg = app.config();
    let rd = f.get("rd").cloned().unwrap_or_default();
    let email = f
        .get("email")
        .map(|e| e.trim().to_string())
        .unwrap_or_default();
    if !cfg.email.sign_in {
        return super::login::render(
            &app,
            &headers,
            &ctx,
            &rd,
            "",
            &ctx.lang.t("email-turned-off"),
            StatusCode::BAD_REQUEST,
        );
    }
    if !crate::names::looks_like_email(&email) || email.len() > 254 {
        return super::login::render(
            &app,
            &headers,
            &ctx,
            &rd,
            &email,
            &ctx.lang.t("email-enter-address"),
            StatusCode::BAD_REQUEST,
        );
    }
    let lower = normalise_email(&email);
    let ip = ctx.client_ip();
    let limited = |detail: &'static str| {
        Event::failed("email.rate_limited")
            .email(&email)
            .from(&ip, &crate::page::user_agent(&headers))
            .detail(detail)
    };
    if let Err(r) = limit(
        &app,
        &cfg,
        &headers,
        &ctx,
        &format!("rl:email:ip:{ip}"),
        WINDOW,
        PER_IP,
        limited("per ip"),
        &ctx.lang.t("email-too-many-network"),
    )
    .await
    {
        return r;
    }
    if let Err(r) = limit(
        &app,
        &cfg,
        &headers,
        &ctx,
        &format!("rl:email:addr:{}", sha_hex(&lower)),
        WINDOW,
        PER_ADDRESS,
        limited("per address"),
        &ctx.lang.t("email-too-many-address"),
    )
    .await
    {
        return r;
    }
    let (binding, binding_cookie) = crate::page::cookies::binding_token(&cfg, &headers);
    let eligible = match signin::eligibility(&app, &cfg, &email).await {
        Ok(e) => e,
        Err(e) => return PageError::from(e).respond(&cfg, &headers, &ctx),
    };
    let new_account = match &eligible {
        Eligibility::SignIn(_) => Some(false),
        Eligibility::SignUp(_) => Some(true),
        Eligibility::No => None,
    };
    if let Some(new_account) = new_account {
        let paused = match app.eph.get(&code_pause_key(&lower)).await {
            Ok(p) => p.is_some(),
            Err(e) => return PageError::from(e).respond(&cfg, &headers, &ctx),
        };
        let (token, _) = crate::session::new_token();
        let code = format!("{:06}", rand::rngs::OsRng.gen_range(0..1_000_000u32));
        let tkey = token_key(&token);
        let record = TokenRecord {
            email: email.clone(),
            rd: rd.clone(),
            binding: sha_hex(&binding),
        };
        let code_record = CodeRecord {
            code_hash: sha_hex(&code),
            token_key: tkey.clone(),
            id: crate::session::random_id(16),
        };
        let stored = async {
            app.eph
                .put(
                    &tkey,
                    &serde_json::to_vec(&record).unwrap_or_default(),
                    cfg.email.token_ttl,
                )
                .await?;
            if paused {
                // No code in this email: the one still stored goes too.
                return app.eph.delete(&code_key(&lower)).await;
            }
            app.eph
                .put(
                    &code_key(&lower),
                    &serde_json::to_vec(&code_record).unwrap_or_default(),
                    cfg.email.token_ttl,
                )
                .await
        };
        if let Err(e) = stored.await {
            return PageError::from(e).respond(&cfg, &headers, &ctx);
        }
        let link = format!(
            "{}{}/email/verify?token={}",
            cfg.server.portal.origin, cfg.server.prefix, token
        );
        let minutes = cfg.email.token_ttl.as_secs() / 60;
        app.mailer.send_later(crate::email::signin_message(
            &cfg,
            ctx.lang,
            &email,
            &link,
            (!paused).then_some(code.as_str()),
            new_account,
            minutes,
        ));
        app.audit(
            Event::ok("email.sent")
                .email(&email)
                .from(&ip, &crate::page::user_agent(&headers))
                .detail(if new_account { "signup" } else { "signin" }),
        )
        .await;
    } else {
        tracing::info!(request_id = %ctx.request_id(), "sign-in email not sent: the address cannot sign in here");
        app.audit(
            Event::failed("email.not_sent")
                .email(&email)
                .from(&ip, &crate::page::user_agent(&headers))
                .detail("no account and sign-up not allowed, or disabled"),
        )
        .await;
    }
    let (csrf, csrf_cookie) = crate::page::cookies::csrf_token(&cfg, &headers);
    let page = SentPage {
        chrome: ctx.chrome(&cfg),
        csrf,
        rd_encoded: crate::page::enc(&rd),
        rd,
        email,
        minutes: cfg.email.token_ttl.as_secs() / 60,
        error: String::new(),
    };
    crate::page::with_cookies(
        crate::page::html(StatusCode::OK, &page, &cfg),
        [binding_cookie, csrf_cookie],
    )
}

fn expired(cfg: &Config, ctx: &Ctx) -> Response<Body> {
    PageError::refused(
        StatusCode::GONE,
        "link_expired",
        ctx.lang.t("email-link-expired-title"),
        ctx.lang.t("email-link-expired-message"),
    )
    .next(ctx.lang.t("email-link-expired-next"))
    .action(Action::link(
        &ctx.lang.t("email-link-expired-action"),
        cfg.login_url(),
    ))
    .page(cfg, ctx)
}

/// `GET P/email/verify?token=`: a confirmation page; spends nothing.
pub async fn verify_page(
    State(app): State<Arc<App>>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response<Body> {
    let cfg = app.config();
    let token = q.get("token").cloned().unwrap_or_default();
    let record = match app.eph.get(&token_key(&token)).await {
        Ok(r) => r.and_then(|b| serde_json::from_slice::<TokenRecord>(&b).ok()),
        Err(e) => return PageError::from(e).respond(&cfg, &headers, &ctx),
    };
    let Some(record) = record else {
        return expired(&cfg, &ctx);
    };
    let new_account = match app.store.find_user_by_email(&record.email).await {
        Ok(u) => u.is_none(),
        Err(e) => return PageError::from(e).respond(&cfg, &headers, &ctx),
    };
    super::page(&cfg, &headers, StatusCode::OK, |csrf| ConfirmPage {
        chrome: ctx.chrome(&cfg),
        csrf,
        token,
        email: record.email,
        new_account,
    })
}

/// `POST P/email/verify`: spend the token (in the browser that asked).
pub async fn verify(
    State(app): State<Arc<App>>,
    Extension(ctx): Extension<Ctx>,
    headers: HeaderMap,
    super::Posted(f): super::Posted,
) -> Response<Body> {
    let cfg = app.config();
    let token = f.get("token").cloned().unwrap_or_default();
    let key = token_key(&token);
    let ip = ctx.client_ip();
    let record = match app.eph.get(&key).await {
        Ok(r) => r.and_then(|b| serde_json::from_slice::<TokenRecord>(&b).ok()),
        Err(e) => return PageError::from(e).respond(&cfg, &headers, &ctx),
    };
    let Some(record) = record else {
        app.audit(
            Event::failed("signin.failed")
                .from(&ip, &crate::page::user_agent(&headers))
                .detail("email link expired or reused"),
        )
        .await;
        return expired(&cfg, &ctx);
    };
    let binding = crate::cookies::value(&headers, crate::page::cookies::binding_cookie_name(&cfg))
        .map(sha_hex);
    if binding.as_deref() != Some(record.binding.as_str()) {
        app.audit(
            Event::failed("signin.failed")
                .email(&record.email)
                .from(&ip, &crate::page::user_agent(&headers))
                .detail("email link opened in another browser"),
        )
        .await;
        return super::page(&cfg, &headers, StatusCode::FORBIDDEN, |csrf| CodePage {
            chrome: ctx.chrome(&cfg),
            csrf,
            rd_encoded: crate::page::enc(&record.rd),
            rd: record.rd,
            email: record.email,
            error: ctx.lang.t("email-other-browser"),
        });
    }
    // Spend it: exactly one request gets it.
    match app.eph.take(&key).await {
        Ok(Some(_)) => {}
        Ok(None) => return expired(&cfg, &ctx),
        Err(e) => return PageError::from(e).respond(&cfg, &headers, &ctx),
    }
    let _ = app
        .eph
        .delete(&code_key(&normalise_email(&record.email)))
        .await;
    complete(
        &app,
        &cfg,
        &headers,
        &ctx,
        &record.email,
        &record.rd,
        "email link",
    )
    .await
}

/// `GET P/email/code`: the code form (for another device).
pub async fn code_page(
    State(app): State<Arc<App>>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response<Body> {
    let cfg = app.config();
    let (csrf, cookie) = crate::page::cookies::csrf_token(&cfg, &headers);
    let rd = q.get("rd").cloned().unwrap_or_default();
    let page = CodePage {
        chrome: ctx.chrome(&cfg),
        csrf,
        rd_encoded: crate::page::enc(&rd),
        rd,
        email: q.get("email").cloned().unwrap_or_default(),
        error: String::new(),
    };
    crate::page::with_cookies(crate::page::html(StatusCode::OK, &page, &cfg), [cookie])
}

/// `POST P/email/code`: sign in with the code from the email.
pub async fn code(
    State(app): State<Arc<App>>,
    Extension(ctx): Extension<Ctx>,
    headers: HeaderMap,
    super::Posted(f): super::Posted,
) -> Response<Body> {
    let cfg = app.config();
    let email = f
        .get("email")
        .map(|e| e.trim().to_string())
        .unwrap_or_default();
    let rd = f.get("rd").cloned().unwrap_or_default();
    let code: String = f
        .get("code")
        .map(|c| c.chars().filter(char::is_ascii_digit).collect())
        .unwrap_or_default();
    let lower = normalise_email(&email);
    let ip = ctx.client_ip();
    let retry = |error: String, status: StatusCode| {
        super::page(&cfg, &headers, status, |csrf| CodePage {
            chrome: ctx.chrome(&cfg),
            csrf,
            rd_encoded: crate::page::enc(&rd),
            rd: rd.clone(),
            email: email.clone(),
            error,
        })
    };
    if !crate::names::looks_like_email(&email) || code.len() != 6 {
        return retry(ctx.lang.t("email-code-enter-both"), StatusCode::BAD_REQUEST);
    }
    let failed = |detail: &'static str| {
        Event::failed("signin.failed")
            .email(&email)
            .from(&ip, &crate::page::user_agent(&headers))
            .detail(detail)
    };
    if let Err(r) = limit(
        &app,
        &cfg,
        &headers,
        &ctx,
        &format!("rl:code:ip:{ip}"),
        WINDOW,
        CODE_TRIES_PER_IP,
        failed("too many codes from one address"),
        &ctx.lang.t("email-code-too-many-network"),
    )
    .await
    {
        return r;
    }
    let paused = match app.eph.get(&code_pause_key(&lower)).await {
        Ok(p) => p.is_some(),
        Err(e) => return PageError::from(e).respond(&cfg, &headers, &ctx),
    };
    if paused {
        app.audit(failed("codes paused for this address")).await;
        return retry(
            ctx.lang.t("email-code-paused"),
            StatusCode::TOO_MANY_REQUESTS,
        );
    }
    let record = match app.eph.get(&code_key(&lower)).await {
        Ok(r) => r.and_then(|b| serde_json::from_slice::<CodeRecord>(&b).ok()),
        Err(e) => return PageError::from(e).respond(&cfg, &headers, &ctx),
    };
    let Some(record) = record else {
        app.audit(failed("no code, or it has expired")).await;
        return retry(
            ctx.lang.t("email-code-wrong-or-expired"),
            StatusCode::UNAUTHORIZED,
        );
    };
    // Tries are counted on the code itself, for as long as it lives: a
    // window that rolled over could not hand out more, and a new email's
    // code starts afresh.
    let id = if record.id.is_empty() {
        sha_hex(&record.token_key)
    } else {
        record.id.clone()
    };
    let tries = match app
        .eph
        .tally(&format!("em:code-tries:{id}"), cfg.email.token_ttl)
        .await
    {
        Ok(n) => n,
        Err(e) => return PageError::from(e).respond(&cfg, &headers, &ctx),
    };
    let matches = tries <= CODE_TRIES
        && bool::from(record.code_hash.as_bytes().ct_eq(sha_hex(&code).as_bytes()));
    if !matches {
        let left = CODE_TRIES.saturating_sub(tries);
        if left == 0 {
            // The last try is spent: this code is over (and only this one).
            match app.eph.take(&code_key(&lower)).await {
                Ok(Some(b))
                    if serde_json::from_slice::<CodeRecord>(&b)
                        .is_ok_and(|r| r.id == record.id && r.token_key == record.token_key) =>
                {
                    code_ended(&app, &lower).await;
                }
                // A newer email's code replaced it meanwhile: put it back.
                Ok(Some(b)) => {
                    let _ = app
                        .eph
                        .put(&code_key(&lower), &b, cfg.email.token_ttl)
                        .await;
                }
                Ok(None) => {}
                Err(e) => return PageError::from(e).respond(&cfg, &headers, &ctx),
            }
        }
        app.audit(failed("wrong code")).await;
        return retry(
            if left == 0 {
                ctx.lang.t("email-code-wrong-last")
            } else {
                ctx.lang.t_count("email-code-wrong-left", left as i64)
            },
            StatusCode::UNAUTHORIZED,
        );
    }
    // Spend the token behind the code (and with it, the link).
    let token = match app.eph.take(&record.token_key).await {
        Ok(Some(t)) => serde_json::from_slice::<TokenRecord>(&t).ok(),
        Ok(None) => None,
        Err(e) => return PageError::from(e).respond(&cfg, &headers, &ctx),
    };
    let _ = app.eph.delete(&code_key(&lower)).await;
    let Some(token) = token else {
        return expired(&cfg, &ctx);
    };
    let rd = if token.rd.is_empty() {
        rd.clone()
    } else {
        token.rd.clone()
    };
    complete(&app, &cfg, &headers, &ctx, &token.email, &rd, "email code").await
}

/// A code was ended by wrong tries: count it against the address, and after
/// [`CODE_LOCKOUTS_PER_DAY`] pause codes for it (links still work).
async fn code_ended(app: &App, email_lower: &str) {
    let key = format!("em:code-lockouts:{}", sha_hex(email_lower));
    match app.eph.tally(&key, DAY).await {
        Ok(n) if n >= CODE_LOCKOUTS_PER_DAY => {
            if let Err(e) = app.eph.put(&code_pause_key(email_lower), b"1", DAY).await {
                tracing::warn!(error = %e, "could not pause codes for an address");
            }
            if n == CODE_LOCKOUTS_PER_DAY {
                app.audit(
                    Event::failed("signin.lockout")
                        .email(email_lower)
                        .detail("email codes paused for a day: too many ended by wrong tries"),
                )
                .await;
            }
        }
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "could not count an ended code"),
    }
}

/// The address is proven: sign in, or create the account, then offer a passkey.
async fn complete(
    app: &App,
    cfg: &Config,
    headers: &HeaderMap,
    ctx: &Ctx,
    email: &str,
    rd: &str,
    how: &str,
) -> Response<Body> {
    let ip = ctx.client_ip();
    let agent = crate::page::user_agent(headers);
    let (user, welcome) = match signin::eligibility(app, cfg, email).await {
        Ok(Eligibility::SignIn(u)) => (u, false),
        Ok(Eligibility::SignUp(invite)) => {
            match signin::create_account(app, cfg, email, invite.as_ref(), &ip, &agent).await {
                Ok(u) => (u, true),
                Err(StoreError::Conflict(m)) => {
                    return PageError::refused(
                        StatusCode::CONFLICT,
                        "cannot_create",
                        ctx.lang.t("email-cannot-create-title"),
                        &m,
                    )
                    .next(ctx.lang.t("email-cannot-create-next"))
                    .action(Action::link(&ctx.lang.t("login-title"), cfg.login_url()))
                    .page(cfg, ctx);
                }
                Err(e) => return PageError::from(e).respond(cfg, headers, ctx),
            }
        }
        Ok(Eligibility::No) => {
            app.audit(
                Event::failed("signin.failed")
                    .email(email)
                    .from(&ip, &agent)
                    .detail(format!("{how}: account disabled or sign-up closed")),
            )
            .await;
            return PageError::refused(
                StatusCode::FORBIDDEN,
                "not_allowed",
                ctx.lang.t("email-not-allowed-title"),
                ctx.lang.t("email-not-allowed-message"),
            )
            .next(ctx.lang.t("email-not-allowed-next"))
            .page(cfg, ctx);
        }
        Err(e) => return PageError::from(e).respond(cfg, headers, ctx),
    };
    let cookie =
        match signin::start_session(app, cfg, headers, &user, "email", &ip, &agent, None).await {
            Ok(c) => c,
            Err(e) => return PageError::from(e).respond(cfg, headers, ctx),
        };
    let next = super::destination(cfg, Some(rd));
    let offer = format!(
        "{}/passkey/offer?next={}{}",
        cfg.server.prefix,
        crate::page::enc(&next),
        if welcome { "&welcome=1" } else { "" }
    );
    crate::page::with_cookies(crate::page::see_other(&offer), [Some(cookie)])
}
