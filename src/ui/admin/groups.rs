//! Groups: the list with member counts, one group (members, where the
//! configuration uses it), create, rename, delete, add and remove members.
//! `admins` is neither renamed nor deleted here, and leaving it keeps an
//! enabled admin (see [`super::people::leave`]).

use std::collections::HashMap;
use std::sync::Arc;

use askama::Template;
use axum::Extension;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use http::Response;
use http::header::HeaderMap;

use super::{Answer, Desk, Guard, Missing, field};
use crate::app::App;
use crate::audit::Event;
use crate::names::ADMIN_GROUP;
use crate::page::{Chrome, Ctx};
use crate::store::StoreError;

struct GroupRow {
    name: String,
    members: i64,
    created: String,
}

#[derive(Template)]
#[template(path = "admin_groups.html")]
struct GroupsPage {
    chrome: Chrome,
    section: &'static str,
    csrf: String,
    groups: Vec<GroupRow>,
    notice: String,
}

/// `GET P/admin/groups`.
pub async fn list(
    State(app): State<Arc<App>>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Answer {
    let d = Desk::look(app, ctx, headers, "/groups").await?;
    let groups = d.ok(d.app.store.list_groups().await)?;
    let lang = d.lang();
    let now = d.now();
    let notice = match q.get("notice").map(String::as_str) {
        Some("group_deleted") => lang.t("admin-notice-group-deleted"),
        _ => String::new(),
    };
    let groups = groups
        .into_iter()
        .map(|g| GroupRow {
            created: crate::page::ago(lang, now, g.created_at),
            name: g.name,
            members: g.members,
        })
        .collect();
    Ok(d.page(|csrf| GroupsPage {
        chrome: d.chrome(),
        section: "groups",
        csrf,
        groups,
        notice,
    }))
}

/// `POST P/admin/groups` (`name`): a new, empty group.
pub async fn create(
    State(app): State<Arc<App>>,
    Extension(ctx): Extension<Ctx>,
    headers: HeaderMap,
    crate::ui::Posted(f): crate::ui::Posted,
) -> Answer {
    let d = Desk::act(app, ctx, headers, "/groups").await?;
    let name = field(&f, "name");
    if !crate::names::valid_group_name(&name) {
        return Err(d.bad(d.lang().t("admin-bad-group-name"), "/groups"));
    }
    match d.app.store.create_group(&name, d.now()).await {
        Ok(true) => {}
        Ok(false) => return Err(exists(&d, "/groups")),
        Err(e) => return Err(d.fail(e)),
    }
    d.audit(Event::ok("admin.group.add").detail(format!("group={name}")))
        .await;
    Ok(d.done(&group_path(&name), "group_created"))
}

fn group_path(name: &str) -> String {
    format!("/groups/{}", crate::page::enc(name))
}

fn exists(d: &Desk, back: &str) -> Response<Body> {
    d.refuse(
        http::StatusCode::CONFLICT,
        "group_exists",
        d.lang().t("admin-group-exists-title"),
        d.lang().t("admin-group-exists-message"),
        back,
    )
}

struct MemberRow {
    id: String,
    email: String,
    name: String,
    disabled: bool,
    is_self: bool,
}

#[derive(Template)]
#[template(path = "admin_group.html")]
struct GroupPage {
    chrome: Chrome,
    section: &'static str,
    csrf: String,
    name: String,
    is_admins: bool,
    members: Vec<MemberRow>,
    used_by: Vec<String>,
    notice: String,
}

/// Where the configuration and the service accounts name `group`: a
/// rename or delete would change who gets in there.
async fn used_by(d: &Desk, group: &str) -> Result<Vec<String>, StoreError> {
    let mut v: Vec<String> = d
        .cfg
        .routes
        .routes
        .iter()
        .filter(|r| r.groups.iter().any(|g| g == group))
        .map(|r| r.name())
        .collect();
    v.extend(
        d.cfg
            .oidc
            .clients
            .iter()
            .filter(|c| c.groups.iter().any(|g| g == group))
            .map(|c| format!("oidc.client {}", c.id)),
    );
    v.extend(
        d.app
            .store
            .list_service_accounts()
            .await?
            .into_iter()
            .filter(|(a, _)| a.groups.iter().any(|g| g == group))
            .map(|(a, _)| format!("service account {}", a.name)),
    );
    Ok(v)
}

/// The ids of `group`'s members.
async fn member_ids(d: &Desk, group: &str) -> Result<Vec<String>, StoreError> {
    Ok(d.app
        .store
        .group_members(group)
        .await?
        .into_iter()
        .map(|u| u.id)
        .collect())
}

/// `GET P/admin/groups/{name}`.
pub async fn group(
    State(app): State<Arc<App>>,
    Extension(ctx): Extension<Ctx>,
    Path(name): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Answer {
    let d = Desk::look(app, ctx, headers, &group_path(&name)).await?;
    let store = &d.app.store;
    let (groups, members) = d.ok(tokio::try_join!(
        store.list_groups(),
        store.group_members(&name)
    ))?;
    if !groups.iter().any(|g| g.name == name) {
        return Err(d.missing(Missing::Group, "/groups"));
    }
    let members = members
        .iter()
        .map(|u| MemberRow {
            id: u.id.clone(),
            email: u.email.clone(),
            name: u.display_name.clone(),
            disabled: u.disabled,
            is_self: d.is_me(&u.id),
        })
        .collect();
    let used_by = d.ok(used_by(&d, &name).await)?;
    let lang = d.lang();
    let notice = match q.get("notice").map(String::as_str) {
        Some("group_created") => lang.t("admin-notice-group-created"),
        Some("group_renamed") => lang.t("admin-notice-group-renamed"),
        Some("joined") => lang.t("admin-notice-joined"),
        Some("left") => lang.t("admin-notice-left"),
        _ => String::new(),
    };
    Ok(d.page(|csrf| GroupPage {
        chrome: d.chrome(),
        section: "groups",
        csrf,
        is_admins: name == ADMIN_GROUP,
        name: name.clone(),
        members,
        used_by,
        notice,
    }))
}

/// `POST P/admin/groups/{name}/{action}`: `add` (`email`), `remove`
/// (`user`), `rename` (`to`), `delete` (`confirm`: the group's name).
pub async fn act(
    State(app): State<Arc<App>>,
    Extension(ctx): Extension<Ctx>,
    Path((name, action)): Path<(String, String)>,
    headers: HeaderMap,
    crate::ui::Posted(f): crate::ui::Posted,
) -> Answer {
    let here = group_path(&name);
    let d = Desk::act(app, ctx, headers, &here).await?;
    let store = &d.app.store;
    match store.list_groups().await {
        Ok(g) if g.iter().any(|g| g.name == name) => {}
        Ok(_) => return Err(d.missing(Missing::Group, "/groups")),
        Err(e) => return Err(d.fail(e)),
    }
    let now = d.now();
    match action.as_str() {
        "add" => {
            let email = field(&f, "email");
            let user = match d.ok(store.find_user_by_email(&email).await)? {
                Some(u) => u,
                None => return Err(d.missing(Missing::Person, &here)),
            };
            d.ok(store.add_member(&user.id, &name, now).await)?;
            super::people::changed(&d, &user.id).await;
            d.audit(
                Event::ok("admin.group.add")
                    .user(&user)
                    .detail(format!("group={name}")),
            )
            .await;
            Ok(d.done(&here, "joined"))
        }
        "remove" => {
            let user = match d.ok(store.get_user(&field(&f, "user")).await)? {
                Some(u) => u,
                None => return Err(d.missing(Missing::Person, &here)),
            };
            super::people::leave(&d, &user, &name).await?;
            d.audit(
                Event::ok("admin.group.remove_members")
                    .user(&user)
                    .detail(format!("group={name}")),
            )
            .await;
            Ok(d.done(&here, "left"))
        }
        "rename" => {
            let to = field(&f, "to");
            if name == ADMIN_GROUP || to == ADMIN_GROUP {
                return Err(d.guarded(Guard::AdminsGroup, &here));
            }
            if !crate::names::valid_group_name(&to) {
                return Err(d.bad(d.lang().t("admin-bad-group-name"), &here));
            }
            let members = d.ok(member_ids(&d, &name).await)?;
            let accounts = match store.rename_group(&name, &to).await {
                Ok(a) => a,
                Err(StoreError::Conflict(_)) => return Err(exists(&d, &here)),
                Err(StoreError::NotFound(_)) => return Err(d.missing(Missing::Group, "/groups")),
                Err(e) => return Err(d.fail(e)),
            };
            for id in &members {
                super::people::changed(&d, id).await;
            }
            for account_id in accounts {
                d.app
                    .sessions
                    .announce(crate::store::Broadcast::TokensChanged { account_id })
                    .await;
            }
            d.audit(Event::ok("admin.group.rename").detail(format!("group={name} to={to}")))
                .await;
            Ok(d.done(&group_path(&to), "group_renamed"))
        }
        "delete" => {
            if name == ADMIN_GROUP {
                return Err(d.guarded(Guard::AdminsGroup, &here));
            }
            if field(&f, "confirm") != name {
                return Err(d.bad(d.lang().t("admin-group-delete-mismatch"), &here));
            }
            let members = d.ok(member_ids(&d, &name).await)?;
            match store.delete_group(&name).await {
                Ok(()) => {}
                Err(StoreError::NotFound(_)) => return Err(d.missing(Missing::Group, "/groups")),
                Err(e) => return Err(d.fail(e)),
            }
            for id in &members {
                super::people::changed(&d, id).await;
            }
            d.audit(Event::ok("admin.group.delete").detail(format!("group={name}")))
                .await;
            Ok(d.done("/groups", "group_deleted"))
        }
        _ => Err(d.missing(Missing::Item, &here)),
    }
}
