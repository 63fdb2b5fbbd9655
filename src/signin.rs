//! Completing a sign-in or a sign-up, whichever way it happened (passkey,
//! email link, email code, invitation): who may sign up, creating the
//! account with its groups, starting the session, and the audit trail.

use http::HeaderValue;

use crate::app::App;
use crate::audit::Event;
use crate::config::{Config, SignupMode};
use crate::names::{ADMIN_GROUP, normalise_email};
use crate::store::{Invite, NewUser, StoreError, User};

/// What an address may do here.
#[derive(Debug)]
pub enum Eligibility {
    /// An enabled account exists.
    SignIn(User),
    /// No account yet, and sign-up is allowed (with this invitation, if any).
    SignUp(Option<Invite>),
    /// Disabled, or sign-up is not open to this address.
    No,
}

/// Decide what `email` may do.
pub async fn eligibility(app: &App, cfg: &Config, email: &str) -> Result<Eligibility, StoreError> {
    if let Some(u) = app.store.find_user_by_email(email).await? {
        return Ok(if u.disabled {
            Eligibility::No
        } else {
            Eligibility::SignIn(u)
        });
    }
    // One `@` and a plausible address, whatever the caller checked: the
    // domain rule must not read `a@evil.com@example.com` as example.com.
    if !crate::names::looks_like_email(email) {
        return Ok(Eligibility::No);
    }
    let invite = app.store.pending_invite_for(email, app.clock.now()).await?;
    let lower = normalise_email(email);
    let domain = match lower.split_once('@') {
        Some((local, d)) if !local.is_empty() && !d.contains('@') => d,
        _ => return Ok(Eligibility::No),
    };
    let allowed = invite.is_some()
        || match cfg.signup.mode {
            SignupMode::Open => true,
            SignupMode::Domains => cfg.signup.allowed_domains.iter().any(|d| d == domain),
            SignupMode::Invite => false,
        };
    Ok(if allowed {
        Eligibility::SignUp(invite)
    } else {
        Eligibility::No
    })
}

/// Create the account for a proven address: the invitation's groups, and
/// `admins` when the address is listed in `[signup] admins`. Takes the
/// invitation so it cannot be used again.
pub async fn create_account(
    app: &App,
    cfg: &Config,
    email: &str,
    invite: Option<&Invite>,
    ip: &str,
    ua: &str,
) -> Result<User, StoreError> {
    let now = app.clock.now();
    let mut groups: Vec<String> = invite.map(|i| i.groups.clone()).unwrap_or_default();
    if cfg.signup.admins.contains(&normalise_email(email))
        && !groups.iter().any(|g| g == ADMIN_GROUP)
    {
        groups.push(ADMIN_GROUP.to_string());
    }
    if let Some(inv) = invite
        && app.store.take_invite(&inv.token_hash, now).await?.is_none()
    {
        return Err(StoreError::Conflict(
            "this invitation was already used or has expired".into(),
        ));
    }
    let user = app
        .store
        .create_user(
            &NewUser {
                email: email.trim().to_string(),
                groups: groups.clone(),
                ..Default::default()
            },
            now,
        )
        .await?;
    let mut ev = Event::ok("signup")
        .user(&user)
        .from(ip, ua)
        .detail(format!("groups={}", groups.join(",")));
    if let Some(inv) = invite {
        ev = ev.detail(format!("invite={} groups={}", inv.id, groups.join(",")));
        app.audit(
            Event::ok("invite.used")
                .user(&user)
                .from(ip, ua)
                .detail(&inv.id),
        )
        .await;
    }
    app.audit(ev).await;
    Ok(user)
}

/// Start a session for `user`; returns the `Set-Cookie` value. The
/// session this browser had (`headers`' cookie), if any, ends: signing in
/// again — a step-up among them — replaces it, so a new sign-in's time
/// and method are the session's, and no session is left behind that
/// nobody holds.
#[allow(clippy::too_many_arguments)]
pub async fn start_session(
    app: &App,
    cfg: &Config,
    headers: &http::HeaderMap,
    user: &User,
    method: &str,
    ip: &str,
    ua: &str,
    credential_id: Option<Vec<u8>>,
) -> Result<HeaderValue, StoreError> {
    let (token, record) = app
        .sessions
        .create_with(user, method, ua, ip, credential_id)
        .await?;
    let previous = match crate::cookies::value(headers, cfg.session.cookie_name) {
        Some(t) => app.sessions.validate(t).await.ok().flatten(),
        None => None,
    };
    if let Some(previous) = previous {
        let id = previous.record.id.clone();
        // The same person signing in again (a step-up): the apps they
        // signed in to through the OpenID provider keep their grants,
        // now held by the new session. (Their access tokens name the old
        // one and stop; a refresh gives new ones.)
        if previous.principal.user_id == user.id
            && let Err(e) = app.store.move_grants(&id, &record.id).await
        {
            tracing::warn!(error = %e, "could not hand OpenID grants to the new session; the apps will sign in again");
        }
        if let Err(e) = app.sessions.revoke(&id).await {
            tracing::warn!(error = %e, "could not end the session a new sign-in replaces");
        }
        app.asserter.forget(&id);
    }
    app.audit(
        Event::ok(&format!("signin.{method}"))
            .user(user)
            .from(ip, ua),
    )
    .await;
    Ok(crate::page::session_cookie(cfg, Some(&token)))
}
