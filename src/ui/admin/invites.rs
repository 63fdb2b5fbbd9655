//! Invitations: make one (with groups and how long it lasts; the link is
//! shown once, and emailed), see them pending, expired or used, revoke
//! one, or send it again (a new link; the old one stops working).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use askama::Template;
use axum::Extension;
use axum::extract::{Path, Query, State};
use http::header::HeaderMap;

use super::{Answer, Desk, MAX_TEXT, Missing, field, group_list};
use crate::app::App;
use crate::audit::Event;
use crate::page::{Chrome, Ctx};
use crate::store::{Invite, StoreError};

/// How long an invitation lasts unless the admin says otherwise, and the
/// longest it may (days).
const DEFAULT_DAYS: u64 = 7;
const MAX_DAYS: u64 = 90;

struct InviteRow {
    id: String,
    email: String,
    groups: String,
    /// `pending`, `expired` or `used`.
    status: &'static str,
    when: String,
    by: String,
}

#[derive(Template)]
#[template(path = "admin_invites.html")]
struct InvitesPage {
    chrome: Chrome,
    section: &'static str,
    csrf: String,
    groups: Vec<String>,
    invites: Vec<InviteRow>,
    notice: String,
}

/// `GET P/admin/invites`.
pub async fn list(
    State(app): State<Arc<App>>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Answer {
    let d = Desk::look(app, ctx, headers, "/invites").await?;
    let (invites, groups) = d.ok(tokio::try_join!(
        d.app.store.list_invites(),
        d.app.store.list_groups()
    ))?;
    let lang = d.lang();
    let now = d.now();
    let notice = match q.get("notice").map(String::as_str) {
        Some("revoked") => lang.t("admin-notice-invite-revoked"),
        _ => String::new(),
    };
    let invites = invites
        .iter()
        .map(|i| {
            let ago = |t| crate::page::ago(lang, now, t);
            let (status, when) = match i.used_at {
                Some(t) => (
                    "used",
                    lang.t_with("admin-invite-used-at", &[("when", &ago(t))]),
                ),
                None if i.expires_at <= now => (
                    "expired",
                    lang.t_with("admin-invite-expired-at", &[("when", &ago(i.expires_at))]),
                ),
                None => (
                    "pending",
                    lang.t_with(
                        "admin-invite-expires-at",
                        &[("date", &crate::page::date(i.expires_at))],
                    ),
                ),
            };
            InviteRow {
                id: i.id.clone(),
                email: i.email.clone(),
                groups: i.groups.join(", "),
                status,
                when,
                by: i.created_by.clone().unwrap_or_default(),
            }
        })
        .collect();
    Ok(d.page(|csrf| InvitesPage {
        chrome: d.chrome(),
        section: "invites",
        csrf,
        groups: groups.into_iter().map(|g| g.name).collect(),
        invites,
        notice,
    }))
}

#[derive(Template)]
#[template(path = "admin_invited.html")]
struct InvitedPage {
    chrome: Chrome,
    section: &'static str,
    email: String,
    link: String,
    sent: bool,
    days: u64,
}

/// Make the invitation (in the place of `replacing`, when it is sent
/// again), email it, and show its link this once.
async fn issue(
    d: &Desk,
    email: &str,
    groups: Vec<String>,
    days: u64,
    replacing: Option<&str>,
) -> Answer {
    let valid_for = Duration::from_secs(days * 86_400);
    let link = match crate::ui::invite::create_invite(
        d.app.store.as_ref(),
        d.now(),
        &d.cfg,
        email,
        groups.clone(),
        valid_for,
        Some(d.me.principal.email.clone()),
        replacing,
    )
    .await
    {
        Ok(l) => l,
        Err(StoreError::NotFound(_)) => return Err(d.missing(Missing::Invite, "/invites")),
        Err(e) => return Err(d.fail(e)),
    };
    let sent =
        crate::ui::invite::email_invite(&d.app.mailer, &d.cfg, email, &link, valid_for).await;
    if let Err(e) = &sent {
        tracing::warn!(error = %e, "an invitation made on the admin pages could not be emailed; the page shows the link");
    }
    d.audit(Event::ok("admin.invite").email(email).detail(format!(
        "groups={} days={days}{}",
        groups.join(","),
        if sent.is_ok() { "" } else { "; email not sent" }
    )))
    .await;
    Ok(d.html(&InvitedPage {
        chrome: d.chrome(),
        section: "invites",
        email: email.to_string(),
        link,
        sent: sent.is_ok(),
        days,
    }))
}

/// `POST P/admin/invites` (`email`, `groups`, `days`).
pub async fn create(
    State(app): State<Arc<App>>,
    Extension(ctx): Extension<Ctx>,
    headers: HeaderMap,
    crate::ui::Posted(f): crate::ui::Posted,
) -> Answer {
    let d = Desk::act(app, ctx, headers, "/invites").await?;
    let email = field(&f, "email");
    let groups_text = field(&f, "groups");
    if email.chars().count() > MAX_TEXT || !crate::names::looks_like_email(&email) {
        return Err(d.bad(d.lang().t("admin-bad-email"), "/invites"));
    }
    if groups_text.chars().count() > MAX_TEXT * 4 {
        return Err(d.bad(d.lang().t("admin-bad-group-name"), "/invites"));
    }
    let groups = group_list(&groups_text);
    if !groups.iter().all(|g| crate::names::valid_group_name(g)) {
        return Err(d.bad(d.lang().t("admin-bad-group-name"), "/invites"));
    }
    let days = match field(&f, "days").as_str() {
        "" => DEFAULT_DAYS,
        s => match s.parse::<u64>() {
            Ok(n) if (1..=MAX_DAYS).contains(&n) => n,
            _ => return Err(d.bad(d.lang().t("admin-bad-days"), "/invites")),
        },
    };
    match d.app.store.find_user_by_email(&email).await {
        Ok(Some(u)) => {
            return Err(d.refuse(
                http::StatusCode::CONFLICT,
                "has_account",
                d.lang().t("admin-has-account-title"),
                d.lang().t("admin-has-account-message"),
                &format!("/people/{}", crate::page::enc(&u.id)),
            ));
        }
        Ok(_) => {}
        Err(e) => return Err(d.fail(e)),
    }
    issue(&d, &email, groups, days, None).await
}

/// `POST P/admin/invites/{id}/{revoke,resend}`.
pub async fn act(
    State(app): State<Arc<App>>,
    Extension(ctx): Extension<Ctx>,
    Path((id, action)): Path<(String, String)>,
    headers: HeaderMap,
    crate::ui::Posted(_): crate::ui::Posted,
) -> Answer {
    let d = Desk::act(app, ctx, headers, "/invites").await?;
    let invite: Invite = match d.app.store.list_invites().await {
        Ok(all) => match all.into_iter().find(|i| i.id == id) {
            Some(i) => i,
            None => return Err(d.missing(Missing::Invite, "/invites")),
        },
        Err(e) => return Err(d.fail(e)),
    };
    if invite.used_at.is_some() {
        return Err(d.refuse(
            http::StatusCode::CONFLICT,
            "invite_used",
            d.lang().t("admin-invite-used-title"),
            d.lang().t("admin-invite-used-message"),
            "/invites",
        ));
    }
    // Sent again: a new link for as long as the first was given, in the
    // old one's place (one transaction).
    let days = ((invite.expires_at - invite.created_at).max(0) as u64 / 86_400).clamp(1, MAX_DAYS);
    match action.as_str() {
        "resend" => issue(&d, &invite.email, invite.groups, days, Some(&invite.id)).await,
        "revoke" => {
            if !d.ok(d.app.store.delete_invite(&invite.id).await)? {
                return Err(d.missing(Missing::Invite, "/invites"));
            }
            d.audit(Event::ok("admin.invite.revoke").email(&invite.email))
                .await;
            Ok(d.done("/invites", "revoked"))
        }
        _ => Err(d.missing(Missing::Item, "/invites")),
    }
}
