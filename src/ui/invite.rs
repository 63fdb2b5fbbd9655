//! Invitations: the page an invited person lands on, accepting it (which
//! creates the account and signs in), and making one (`passgate invite`).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use askama::Template;
use axum::Extension;
use axum::body::Body;
use axum::extract::{Query, State};
use http::{HeaderMap, Response, StatusCode};
use sha2::{Digest, Sha256};

use crate::app::App;
use crate::audit::Event;
use crate::config::Config;
use crate::page::{Action, Chrome, Ctx, PageError};
use crate::signin;
use crate::store::StoreError;

#[derive(Template)]
#[template(path = "invite.html")]
struct InvitePage {
    chrome: Chrome,
    csrf: String,
    token: String,
    email: String,
    groups: String,
}

fn invite_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// `GET P/invite?token=`: who the invitation is for, and a button.
pub async fn invite_page(
    State(app): State<Arc<App>>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response<Body> {
    let cfg = app.config();
    let token = q.get("token").cloned().unwrap_or_default();
    let invite = match app.store.find_invite(&invite_hash(&token)).await {
        Ok(i) => i.filter(|i| i.used_at.is_none() && i.expires_at > app.clock.now()),
        Err(e) => return PageError::from(e).respond(&cfg, &headers, &ctx),
    };
    let Some(invite) = invite else {
        return PageError::refused(
            StatusCode::GONE,
            "invite_expired",
            ctx.lang.t("invite-expired-title"),
            ctx.lang.t("invite-expired-message"),
        )
        .next(ctx.lang.t("invite-expired-next"))
        .action(Action::link(&ctx.lang.t("login-title"), cfg.login_url()))
        .page(&cfg, &ctx);
    };
    super::page(&cfg, &headers, StatusCode::OK, |csrf| InvitePage {
        chrome: ctx.chrome(&cfg),
        csrf,
        token,
        email: invite.email,
        groups: invite.groups.join(", "),
    })
}

/// `POST P/invite`: accept — the link came by email, so the address is proven.
pub async fn invite(
    State(app): State<Arc<App>>,
    Extension(ctx): Extension<Ctx>,
    headers: HeaderMap,
    super::Posted(f): super::Posted,
) -> Response<Body> {
    let cfg = app.config();
    let token = f.get("token").cloned().unwrap_or_default();
    let ip = ctx.client_ip();
    let agent = crate::page::user_agent(&headers);
    let invite = match app.store.find_invite(&invite_hash(&token)).await {
        Ok(i) => i.filter(|i| i.used_at.is_none() && i.expires_at > app.clock.now()),
        Err(e) => return PageError::from(e).respond(&cfg, &headers, &ctx),
    };
    let Some(invite) = invite else {
        app.audit(
            Event::failed("invite.failed")
                .from(&ip, &agent)
                .detail("expired or used"),
        )
        .await;
        return PageError::refused(
            StatusCode::GONE,
            "invite_expired",
            ctx.lang.t("invite-expired-title"),
            ctx.lang.t("invite-expired-short"),
        )
        .next(ctx.lang.t("invite-expired-next-short"))
        .action(Action::link(&ctx.lang.t("login-title"), cfg.login_url()))
        .page(&cfg, &ctx);
    };
    let existing = match app.store.find_user_by_email(&invite.email).await {
        Ok(u) => u,
        Err(e) => return PageError::from(e).respond(&cfg, &headers, &ctx),
    };
    let user = match existing {
        Some(u) if u.disabled => {
            return PageError::refused(
                StatusCode::FORBIDDEN,
                "not_allowed",
                ctx.lang.t("email-not-allowed-title"),
                ctx.lang.t("invite-account-disabled"),
            )
            .page(&cfg, &ctx);
        }
        Some(u) => {
            // Already signed up: the invitation adds its groups.
            match app
                .store
                .take_invite(&invite.token_hash, app.clock.now())
                .await
            {
                Ok(Some(_)) => {}
                Ok(None) => {
                    return PageError::refused(
                        StatusCode::GONE,
                        "invite_expired",
                        ctx.lang.t("invite-expired-title"),
                        ctx.lang.t("invite-already-used"),
                    )
                    .action(Action::link(&ctx.lang.t("login-title"), cfg.login_url()))
                    .page(&cfg, &ctx);
                }
                Err(e) => return PageError::from(e).respond(&cfg, &headers, &ctx),
            }
            for g in &invite.groups {
                if let Err(e) = app.store.add_member(&u.id, g, app.clock.now()).await {
                    return PageError::from(e).respond(&cfg, &headers, &ctx);
                }
            }
            app.sessions
                .announce(crate::store::Broadcast::UserChanged {
                    user_id: u.id.clone(),
                })
                .await;
            app.audit(
                Event::ok("invite.used")
                    .user(&u)
                    .from(&ip, &agent)
                    .detail(format!(
                        "{}; groups added to an existing account",
                        invite.id
                    )),
            )
            .await;
            // No sign-in: the link was seen by whoever made it (an admin's
            // page, the CLI), and the account signs in its own way (maybe
            // with a passkey only). They sign in as usual.
            let page = crate::page::MessagePage {
                chrome: ctx.chrome(&cfg),
                title: ctx.lang.t("invite-added-title"),
                message: ctx.lang.t_with(
                    "invite-added-message",
                    &[("email", &u.email), ("groups", &invite.groups.join(", "))],
                ),
                next: String::new(),
                who: None,
                tone: "ok",
                actions: vec![Action::link(&ctx.lang.t("login-title"), cfg.login_url())],
            };
            return crate::page::html(StatusCode::OK, &page, &cfg);
        }
        None => match signin::create_account(&app, &cfg, &invite.email, Some(&invite), &ip, &agent)
            .await
        {
            Ok(u) => u,
            Err(StoreError::Conflict(m)) => {
                return PageError::refused(
                    StatusCode::CONFLICT,
                    "invite_unusable",
                    ctx.lang.t("invite-cannot-use"),
                    &m,
                )
                .action(Action::link(&ctx.lang.t("login-title"), cfg.login_url()))
                .page(&cfg, &ctx);
            }
            Err(e) => return PageError::from(e).respond(&cfg, &headers, &ctx),
        },
    };
    let cookie = match signin::start_session(
        &app, &cfg, &headers, &user, "email", &ip, &agent, None,
    )
    .await
    {
        Ok(c) => c,
        Err(e) => return PageError::from(e).respond(&cfg, &headers, &ctx),
    };
    let next = super::destination(&cfg, None);
    let offer = format!(
        "{}/passkey/offer?next={}&welcome=1",
        cfg.server.prefix,
        crate::page::enc(&next),
    );
    crate::page::with_cookies(crate::page::see_other(&offer), [Some(cookie)])
}

/// Create an invitation and its link (the CLI and the admin pages use
/// this); with `replacing`, in the place of that unused invitation, in one
/// transaction (NotFound when it is not there any more).
#[allow(clippy::too_many_arguments)]
pub async fn create_invite(
    store: &dyn crate::store::Store,
    now: i64,
    cfg: &Config,
    email: &str,
    groups: Vec<String>,
    valid_for: Duration,
    created_by: Option<String>,
    replacing: Option<&str>,
) -> Result<String, StoreError> {
    let (token, _) = crate::session::new_token();
    let invite = crate::store::Invite {
        id: crate::session::random_id(8),
        token_hash: invite_hash(&token),
        email: email.trim().to_string(),
        groups,
        created_by,
        created_at: now,
        expires_at: now + valid_for.as_secs() as i64,
        used_at: None,
    };
    match replacing {
        None => store.create_invite(&invite).await?,
        Some(old) => {
            if !store.replace_invite(old, &invite).await? {
                return Err(StoreError::NotFound(format!("no unused invitation {old}")));
            }
        }
    }
    Ok(format!(
        "{}{}/invite?token={}",
        cfg.server.portal.origin, cfg.server.prefix, token
    ))
}

/// Email an invitation's `link`, valid for `valid_for`, in the
/// deployment's language (the CLI and the admin pages).
pub async fn email_invite(
    mailer: &crate::email::Mailer,
    cfg: &Config,
    email: &str,
    link: &str,
    valid_for: Duration,
) -> Result<(), crate::email::MailError> {
    let days = (valid_for.as_secs() / 86_400).max(1);
    mailer
        .send(&crate::email::invite_message(
            cfg,
            cfg.branding.language,
            email,
            link,
            days,
        ))
        .await
}
