//! People: the list (search, pages), one person (profile, groups,
//! passkeys, sessions), and what an admin does to them: disable, enable,
//! sign out everywhere or on one device, edit the name and username, join
//! and leave groups, remove a passkey, delete (typed confirmation).

use std::collections::HashMap;
use std::sync::Arc;

use askama::Template;
use axum::Extension;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use http::Response;
use http::header::HeaderMap;

use super::{Answer, Desk, Guard, MAX_TEXT, Missing, field, page_number};
use crate::app::App;
use crate::audit::Event;
use crate::page::{Chrome, Ctx};
use crate::store::{AdminRisk, Broadcast, StoreError, User};
use crate::ui::account::{PasskeyView, SessionView};

/// People per page of the list.
const PER_PAGE: usize = 50;
/// The last page number accepted.
const MAX_PAGE: usize = 10_000;

struct PersonRow {
    id: String,
    email: String,
    name: String,
    groups: String,
    disabled: bool,
}

#[derive(Template)]
#[template(path = "admin_people.html")]
struct PeoplePage {
    chrome: Chrome,
    section: &'static str,
    q: String,
    people: Vec<PersonRow>,
    total: i64,
    prev: Option<String>,
    next: Option<String>,
}

/// `GET P/admin?q=&page=`: people, searched by address, name or username.
pub async fn list(
    State(app): State<Arc<App>>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Answer {
    let d = Desk::look(app, ctx, headers, "").await?;
    let search = q.get("q").map(|s| s.trim().to_string()).unwrap_or_default();
    let Some(page) = page_number(&q, MAX_PAGE) else {
        return Err(d.bad(d.lang().t("admin-bad-page"), ""));
    };
    if search.chars().count() > MAX_TEXT {
        return Err(d.bad(d.lang().t("admin-bad-search"), ""));
    }
    let users = d.ok(d.app.store.list_users().await)?;
    let needle = search.to_lowercase();
    let matching: Vec<&User> = users
        .iter()
        .filter(|u| {
            needle.is_empty()
                || u.email.to_lowercase().contains(&needle)
                || u.display_name.to_lowercase().contains(&needle)
                || u.username
                    .as_deref()
                    .is_some_and(|n| n.to_lowercase().contains(&needle))
        })
        .collect();
    let total = matching.len();
    let mut people = Vec::new();
    for u in matching.iter().skip((page - 1) * PER_PAGE).take(PER_PAGE) {
        let groups = d.ok(d.app.store.user_groups(&u.id).await)?;
        people.push(PersonRow {
            id: u.id.clone(),
            email: u.email.clone(),
            name: u.display_name.clone(),
            groups: groups.join(", "),
            disabled: u.disabled,
        });
    }
    let link = |p: usize| format!("{}?q={}&page={p}", d.url(""), crate::page::enc(&search));
    let prev = (page > 1).then(|| link(page - 1));
    let next = (page * PER_PAGE < total).then(|| link(page + 1));
    Ok(d.html(&PeoplePage {
        chrome: d.chrome(),
        section: "people",
        q: search,
        people,
        total: total as i64,
        prev,
        next,
    }))
}

#[derive(Template)]
#[template(path = "admin_person.html")]
struct PersonPage {
    chrome: Chrome,
    section: &'static str,
    csrf: String,
    id: String,
    email: String,
    name: String,
    username: String,
    groups: Vec<String>,
    all_groups: Vec<String>,
    disabled: bool,
    is_self: bool,
    passkeys: Vec<PasskeyView>,
    sessions: Vec<SessionView>,
    notice: String,
}

fn person_path(id: &str) -> String {
    format!("/people/{}", crate::page::enc(id))
}

/// `GET P/admin/people/{id}`.
pub async fn person(
    State(app): State<Arc<App>>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Answer {
    let d = Desk::look(app, ctx, headers, &person_path(&id)).await?;
    let user = match d.ok(d.app.store.get_user(&id).await)? {
        Some(u) => u,
        None => return Err(d.missing(Missing::Person, "")),
    };
    let store = &d.app.store;
    let (groups, all_groups, passkeys, sessions) = d.ok(tokio::try_join!(
        store.user_groups(&user.id),
        store.list_groups(),
        store.passkeys_for_user(&user.id),
        store.list_sessions(Some(&user.id))
    ))?;
    let lang = d.lang();
    let now = d.now();
    let notice = match q.get("notice").map(String::as_str) {
        Some("disabled") => lang.t("admin-notice-disabled"),
        Some("enabled") => lang.t("admin-notice-enabled"),
        Some("signed_out") => lang.t("admin-notice-signed-out"),
        Some("session_ended") => lang.t("admin-notice-session-ended"),
        Some("saved") => lang.t("admin-notice-saved"),
        Some("joined") => lang.t("admin-notice-joined"),
        Some("left") => lang.t("admin-notice-left"),
        Some("passkey_removed") => lang.t("admin-notice-passkey-removed"),
        _ => String::new(),
    };
    // (`current` is for the account page: an admin's own sessions here are
    // theirs to end on the account page.)
    let passkeys = passkeys
        .iter()
        .map(|k| PasskeyView::of(k, lang, now, false))
        .collect();
    let sessions = sessions
        .iter()
        .filter(|s| s.is_live(now))
        .map(|s| SessionView::of(s, lang, now, false))
        .collect();
    let all_groups = all_groups
        .into_iter()
        .map(|g| g.name)
        .filter(|g| !groups.contains(g))
        .collect();
    Ok(d.page(|csrf| PersonPage {
        chrome: d.chrome(),
        section: "people",
        csrf,
        id: user.id.clone(),
        email: user.email.clone(),
        name: user.display_name.clone(),
        username: user.username.clone().unwrap_or_default(),
        groups,
        all_groups,
        disabled: user.disabled,
        is_self: d.is_me(&user.id),
        passkeys,
        sessions,
        notice,
    }))
}

/// `POST P/admin/people/{id}/{action}`: `disable`, `enable`, `sign-out`
/// (everywhere), `end-session` (`session`), `profile` (`name`,
/// `username`), `join` and `leave` (`group`), `remove-passkey` (`passkey`),
/// `delete` (`confirm`: their address).
pub async fn act(
    State(app): State<Arc<App>>,
    Extension(ctx): Extension<Ctx>,
    Path((id, action)): Path<(String, String)>,
    headers: HeaderMap,
    crate::ui::Posted(f): crate::ui::Posted,
) -> Answer {
    let here = person_path(&id);
    let d = Desk::act(app, ctx, headers, &here).await?;
    let user = match d.ok(d.app.store.get_user(&id).await)? {
        Some(u) => u,
        None => return Err(d.missing(Missing::Person, "")),
    };
    let now = d.now();
    let store = &d.app.store;
    let (event, notice) = match action.as_str() {
        "disable" => {
            if d.is_me(&user.id) {
                return Err(d.guarded(Guard::NotYourself, &here));
            }
            let ended = match store
                .change_keeping_an_admin(&user.id, AdminRisk::Disable, now)
                .await
            {
                Ok(e) => e,
                Err(e) => return Err(d.fail_or_guarded(e, &here)),
            };
            revoked(&d, &user.id).await;
            (
                Event::ok("admin.user.disable")
                    .user(&user)
                    .detail(format!("ended {} session(s)", ended.len())),
                "disabled",
            )
        }
        "enable" => {
            d.ok(store.set_user_disabled(&user.id, false, now).await)?;
            (Event::ok("admin.user.enable").user(&user), "enabled")
        }
        "sign-out" => {
            let ended = d.ok(d.app.sessions.revoke_user(&user.id).await)?;
            (
                Event::ok("admin.session.revoke")
                    .user(&user)
                    .detail(format!("ended {ended} session(s)")),
                "signed_out",
            )
        }
        "end-session" => {
            let sid = field(&f, "session");
            match store.get_session(&sid).await {
                Ok(Some(s)) if s.user_id == user.id => {}
                Ok(_) => return Err(d.missing(Missing::Item, &here)),
                Err(e) => return Err(d.fail(e)),
            }
            d.ok(d.app.sessions.revoke(&sid).await)?;
            d.app.asserter.forget(&sid);
            (
                Event::ok("admin.session.revoke")
                    .user(&user)
                    .detail(format!("session={sid}")),
                "session_ended",
            )
        }
        "profile" => {
            let name = field(&f, "name");
            let username = field(&f, "username");
            if name.chars().count() > crate::names::MAX_DISPLAY_NAME
                || username.chars().count() > MAX_TEXT
            {
                return Err(d.bad(d.lang().t("admin-bad-name"), &here));
            }
            let name = crate::names::display_name(&name);
            if !username.is_empty() && !crate::names::valid_username(&username) {
                return Err(d.bad(d.lang().t("admin-bad-username"), &here));
            }
            let taken = || {
                d.refuse(
                    http::StatusCode::CONFLICT,
                    "username_taken",
                    d.lang().t("admin-username-taken-title"),
                    d.lang().t("admin-username-taken-message"),
                    &here,
                )
            };
            // Remote-User alone must tell a person from a service.
            if !username.is_empty()
                && d.ok(store.list_service_accounts().await)?
                    .iter()
                    .any(|(a, _)| a.name.eq_ignore_ascii_case(&username))
            {
                return Err(taken());
            }
            let username = (!username.is_empty()).then_some(username.as_str());
            match store.update_user(&user.id, &name, username, now).await {
                Ok(()) => {}
                // Another person's username (the store keeps them unique).
                Err(StoreError::Conflict(_)) => return Err(taken()),
                Err(e) => return Err(d.fail(e)),
            }
            changed(&d, &user.id).await;
            (
                Event::ok("admin.user.update").user(&user).detail(format!(
                    "name {:?} -> {:?}; username {:?} -> {:?}",
                    user.display_name,
                    name,
                    user.username.as_deref().unwrap_or(""),
                    username.unwrap_or("")
                )),
                "saved",
            )
        }
        "join" => {
            let group = field(&f, "group");
            if !crate::names::valid_group_name(&group) {
                return Err(d.bad(d.lang().t("admin-bad-group-name"), &here));
            }
            d.ok(store.add_member(&user.id, &group, now).await)?;
            changed(&d, &user.id).await;
            (
                Event::ok("admin.group.add")
                    .user(&user)
                    .detail(format!("group={group}")),
                "joined",
            )
        }
        "leave" => {
            let group = field(&f, "group");
            leave(&d, &user, &group).await?;
            (
                Event::ok("admin.group.remove_members")
                    .user(&user)
                    .detail(format!("group={group}")),
                "left",
            )
        }
        "remove-passkey" => {
            let Some(cred) = crate::ui::account::credential_id(&f, "passkey") else {
                return Err(d.missing(Missing::Item, &here));
            };
            // Your own passkeys are on your account page (removing the one
            // you signed in with here would end this session).
            if d.is_me(&user.id) {
                return Err(d.guarded(Guard::NotYourself, &here));
            }
            let keys = d.ok(store.passkeys_for_user(&user.id).await)?;
            let Some(name) = keys
                .iter()
                .find(|k| k.credential_id == cred)
                .map(|k| k.name.clone())
            else {
                return Err(d.missing(Missing::Item, &here));
            };
            // Without email sign-in, the last passkey is the only way in.
            if keys.len() <= 1 && !d.cfg.email.sign_in {
                return Err(d.guarded(Guard::LastPasskey, &here));
            }
            let ended = d.ok(crate::ui::account::end_passkey(&d.app, &user.id, &cred).await)?;
            (
                Event::ok("admin.passkey.remove")
                    .user(&user)
                    .detail(format!(
                        "passkey {name:?}; ended {} session(s)",
                        ended.len()
                    )),
                "passkey_removed",
            )
        }
        "delete" => {
            if d.is_me(&user.id) {
                return Err(d.guarded(Guard::NotYourself, &here));
            }
            let typed = field(&f, "confirm");
            if crate::names::normalise_email(&typed) != crate::names::normalise_email(&user.email) {
                return Err(d.bad(
                    d.lang().t("admin-delete-mismatch"),
                    &format!("{here}/delete"),
                ));
            }
            let ended = match store
                .change_keeping_an_admin(&user.id, AdminRisk::Delete, now)
                .await
            {
                Ok(e) => e,
                Err(e) => return Err(d.fail_or_guarded(e, &here)),
            };
            revoked(&d, &user.id).await;
            d.audit(
                Event::ok("admin.user.delete")
                    .user(&user)
                    .detail(format!("ended {} session(s)", ended.len())),
            )
            .await;
            return Ok(d.done("", "deleted"));
        }
        _ => return Err(d.missing(Missing::Item, &here)),
    };
    d.audit(event).await;
    Ok(d.done(&here, notice))
}

/// Take `user` out of `group`; out of `admins` only while another enabled
/// admin is left, and never oneself.
pub(super) async fn leave(d: &Desk, user: &User, group: &str) -> Result<(), Response<Body>> {
    let here = person_path(&user.id);
    if group == crate::names::ADMIN_GROUP {
        if d.is_me(&user.id) {
            return Err(d.guarded(Guard::NotYourself, &here));
        }
        match d
            .app
            .store
            .change_keeping_an_admin(&user.id, AdminRisk::LeaveAdmins, d.now())
            .await
        {
            Ok(_) => {}
            Err(e) => return Err(d.fail_or_guarded(e, &here)),
        }
    } else {
        match d.app.store.remove_member(&user.id, group).await {
            Ok(true) => {}
            Ok(false) => return Err(d.missing(Missing::Group, &here)),
            Err(e) => return Err(d.fail(e)),
        }
    }
    changed(d, &user.id).await;
    Ok(())
}

/// Their sessions are gone: tell every replica.
async fn revoked(d: &Desk, user_id: &str) {
    d.app
        .sessions
        .announce(Broadcast::UserRevoked {
            user_id: user_id.to_string(),
        })
        .await;
}

/// Their groups or names changed: every replica reloads them.
pub(super) async fn changed(d: &Desk, user_id: &str) {
    d.app
        .sessions
        .announce(Broadcast::UserChanged {
            user_id: user_id.to_string(),
        })
        .await;
}

/// `POST P/admin/people/{id}/delete` (`confirm`: their address).
pub async fn act_delete(
    state: State<Arc<App>>,
    ctx: Extension<Ctx>,
    Path(id): Path<String>,
    headers: HeaderMap,
    posted: crate::ui::Posted,
) -> Answer {
    act(
        state,
        ctx,
        Path((id, "delete".to_string())),
        headers,
        posted,
    )
    .await
}

#[derive(Template)]
#[template(path = "admin_delete.html")]
struct DeletePage {
    chrome: Chrome,
    section: &'static str,
    csrf: String,
    id: String,
    email: String,
    passkeys: i64,
    sessions: i64,
}

/// `GET P/admin/people/{id}/delete`: what deleting takes away, and the
/// address to type to confirm.
pub async fn confirm_delete(
    State(app): State<Arc<App>>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Answer {
    let here = person_path(&id);
    let d = Desk::look(app, ctx, headers, &format!("{here}/delete")).await?;
    let user = match d.ok(d.app.store.get_user(&id).await)? {
        Some(u) => u,
        None => return Err(d.missing(Missing::Person, "")),
    };
    if d.is_me(&user.id) {
        return Err(d.guarded(Guard::NotYourself, &here));
    }
    let (passkeys, sessions) = d.ok(tokio::try_join!(
        d.app.store.passkeys_for_user(&user.id),
        d.app.store.list_sessions(Some(&user.id))
    ))?;
    let now = d.now();
    Ok(d.page(|csrf| DeletePage {
        chrome: d.chrome(),
        section: "people",
        csrf,
        id: user.id.clone(),
        email: user.email.clone(),
        passkeys: passkeys.len() as i64,
        sessions: sessions.iter().filter(|s| s.is_live(now)).count() as i64,
    }))
}
