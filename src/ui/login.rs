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
#[template(path = "step_up.html")]
struct StepUpPage {
    chrome: Chrome,
    csrf: String,
    rd: String,
    rd_encoded: String,
    rp_id: String,
    /// The signed-in person's address.
    who: String,
    reason: String,
    passkey_button: bool,
    /// Where to create a first passkey, when the rule takes nothing else.
    add_passkey_url: Option<String>,
    email_form: bool,
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
        chrome: ctx.chrome(&cfg),
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
        Some("signed_out") => ctx.lang.t("login-signed-out"),
        Some("session_ended") => ctx.lang.t("login-session-ended"),
        _ => String::new(),
    };
    // An address the app already knows (OIDC `login_hint`), to start with.
    let email = q
        .get("email")
        .map(String::as_str)
        .filter(|e| e.contains('@') && e.len() <= 254)
        .unwrap_or("");
    render(&app, &headers, &ctx, rd, email, &error, StatusCode::OK)
}

/// `GET P/step-up?rd=`: "Confirm it's you" — a signed-in person whose
/// sign-in is too old for `rd`'s rule (`max_age`), or was not made with a
/// passkey where the rule requires one, signs in again: with a passkey,
/// or by email where the rule allows it. The new sign-in replaces the
/// session (`signin::start_session`), so its `auth_time` and `amr` are
/// the new ones, and returns to `rd`. Signed out: the sign-in page.
pub async fn step_up_page(
    State(app): State<Arc<App>>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response<Body> {
    let cfg = app.config();
    let rd = q.get("rd").map(String::as_str).unwrap_or("");
    let dest = super::destination(&cfg, Some(rd));
    let session = match super::current_session(&app, &cfg, &headers).await {
        Ok(Some(s)) => s,
        Ok(None) => {
            return crate::page::see_other(&format!(
                "{}?rd={}",
                cfg.login_url(),
                crate::page::enc(&dest)
            ));
        }
        Err(e) => return PageError::from(e).respond(&cfg, &headers, &ctx),
    };
    // What the rule for `rd` wants (as a GET from this client). The page
    // never sends anyone on by itself: where it reads no step-up (another
    // method or client decided at the gate), it still asks, so the gate
    // and this page cannot bounce a browser between them.
    let url = url::Url::parse(&dest).ok();
    let host = url
        .as_ref()
        .and_then(|u| u.host_str())
        .unwrap_or("")
        .to_string();
    let rule = url.as_ref().and_then(|u| {
        let asker = crate::authz::Asker {
            method: &http::Method::GET,
            client: ctx.client_ip().parse().ok(),
        };
        cfg.routes
            .lookup(
                &host.trim_end_matches('.').to_ascii_lowercase(),
                u.port_or_known_default()?,
                u.path(),
                &asker,
            )
            .ok()
            .flatten()
    });
    let method = session.record.auth_method.as_str();
    let now = app.clock.now();
    // An OpenID Connect sign-in returning to the authorize endpoint: the
    // client's `require` applies (its freshness the endpoint checked).
    let client = url
        .as_ref()
        .and_then(|u| crate::ui::oidc::client_for_continuation(&cfg, u));
    let up = rule
        .and_then(|r| crate::authz::step_up(r, method, session.auth_time(), now))
        .or_else(|| {
            url.as_ref()
                .and_then(|u| super::admin::step_up_for(&cfg, u))
                .and_then(|u| u.unmet_by(method, session.auth_time(), now))
        })
        .or_else(|| {
            client
                .filter(|c| c.require_passkey && method != crate::authz::PASSKEY_AMR)
                .map(|c| crate::authz::StepUp {
                    max_age: c.max_age.map(|d| d.as_secs() as i64),
                    passkey: true,
                })
        });
    let passkey_only = up.is_some_and(|u| u.passkey);
    let has_passkeys = match app
        .store
        .passkeys_for_user(&session.principal.user_id)
        .await
    {
        Ok(list) => !list.is_empty(),
        Err(e) => return PageError::from(e).respond(&cfg, &headers, &ctx),
    };
    let lang = ctx.lang;
    let on_admin = url
        .as_ref()
        .is_some_and(|u| super::admin::step_up_for(&cfg, u).is_some());
    let app_name = if on_admin {
        lang.t("admin-title")
    } else if let Some(c) = client {
        c.name.clone()
    } else if host.is_empty() {
        lang.t("step-up-this-app")
    } else {
        host.clone()
    };
    let reason = match up {
        Some(u) if u.passkey && method != crate::authz::PASSKEY_AMR => {
            lang.t_with("step-up-reason-passkey", &[("app", &app_name)])
        }
        Some(u) => match u.max_age {
            Some(max) => lang.t_with(
                "step-up-reason-max-age",
                &[
                    ("app", &app_name),
                    ("age", &ago(lang, now - session.auth_time())),
                    ("max", &ago(lang, max)),
                ],
            ),
            None => lang.t_with("step-up-reason", &[("app", &app_name)]),
        },
        None => lang.t_with("step-up-reason", &[("app", &app_name)]),
    };
    let here = cfg.step_up_url(&dest);
    let add_passkey_url = (!has_passkeys && (passkey_only || !cfg.email.sign_in)).then(|| {
        format!(
            "{}{}/passkey/offer?next={}",
            cfg.server.portal.origin,
            cfg.server.prefix,
            crate::page::enc(&here)
        )
    });
    super::page(&cfg, &headers, StatusCode::OK, |csrf| StepUpPage {
        chrome: ctx.chrome(&cfg),
        csrf,
        rd_encoded: crate::page::enc(&dest),
        rd: dest.clone(),
        rp_id: cfg.webauthn.rp_id.clone(),
        who: session.principal.email.clone(),
        reason,
        passkey_button: has_passkeys,
        add_passkey_url,
        email_form: cfg.email.sign_in && !passkey_only,
    })
}

/// "3 minutes", "2 hours", for people, in their language.
fn ago(lang: crate::i18n::Lang, secs: i64) -> String {
    let secs = secs.max(0);
    if secs < 120 {
        lang.t_count("time-seconds", secs)
    } else if secs < 7200 {
        lang.t_count("time-minutes", secs / 60)
    } else if secs < 172_800 {
        lang.t_count("time-hours", secs / 3600)
    } else {
        lang.t_count("time-days", secs / 86_400)
    }
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
        chrome: ctx.chrome(&cfg),
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
        ctx.lang.t("forged-title"),
        why.message(ctx.lang),
    )
    .action(Action::link(&ctx.lang.t("forged-action"), cfg.login_url()))
    .page(&cfg, ctx)
}
