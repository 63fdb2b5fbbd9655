//! Apps and keys: the OpenID Connect clients of the configuration
//! (read-only, with their use) and the signing keys, with rotation.

use std::collections::HashMap;
use std::sync::Arc;

use askama::Template;
use axum::Extension;
use axum::extract::{Query, State};
use http::header::HeaderMap;

use super::{Answer, Desk};
use crate::app::App;
use crate::audit::Event;
use crate::page::{Chrome, Ctx};
use crate::store::Broadcast;

struct ClientRow {
    id: String,
    name: String,
    public: bool,
    groups: String,
    grants: i64,
    last_used: Option<String>,
}

struct KeyRow {
    kid: String,
    algorithm: String,
    created: String,
    current: bool,
}

#[derive(Template)]
#[template(path = "admin_system.html")]
struct SystemPage {
    chrome: Chrome,
    section: &'static str,
    csrf: String,
    clients: Vec<ClientRow>,
    keys: Vec<KeyRow>,
    notice: String,
}

/// `GET P/admin/system`.
pub async fn page(
    State(app): State<Arc<App>>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Answer {
    let d = Desk::look(app, ctx, headers, "/system").await?;
    let (used, keys) = d.ok(tokio::try_join!(
        d.app.store.grant_use(),
        d.app.store.signing_keys()
    ))?;
    let lang = d.lang();
    let now = d.now();
    let clients = d
        .cfg
        .oidc
        .clients
        .iter()
        .map(|c| {
            let u = used.iter().find(|u| u.client_id == c.id);
            ClientRow {
                id: c.id.clone(),
                name: c.name.clone(),
                public: c.is_public(),
                groups: c.groups.join(", "),
                grants: u.map_or(0, |u| u.grants),
                last_used: u.map(|u| crate::page::ago(lang, now, u.last_used_at)),
            }
        })
        .collect();
    let keys = keys
        .iter()
        .map(|k| KeyRow {
            kid: k.kid.clone(),
            algorithm: k.algorithm.clone(),
            created: crate::page::ago(lang, now, k.created_at),
            current: k.retired_at.is_none(),
        })
        .collect();
    let notice = match q.get("notice").map(String::as_str) {
        Some("rotated") => lang.t("admin-notice-rotated"),
        _ => String::new(),
    };
    Ok(d.page(|csrf| SystemPage {
        chrome: d.chrome(),
        section: "system",
        csrf,
        clients,
        keys,
        notice,
    }))
}

/// `POST P/admin/keys/rotate`: new signing keys, as `passgate keys rotate`.
pub async fn rotate_keys(
    State(app): State<Arc<App>>,
    Extension(ctx): Extension<Ctx>,
    headers: HeaderMap,
    crate::ui::Posted(_): crate::ui::Posted,
) -> Answer {
    let d = Desk::act(app, ctx, headers, "/system").await?;
    let kid = d.ok(crate::identity::KeyRing::rotate(&d.app.store, d.now()).await)?;
    d.app.sessions.announce(Broadcast::KeysRotated).await;
    d.audit(
        Event::ok("admin.keys.rotate")
            .user_id(&d.me.principal.user_id, &d.me.principal.email)
            .detail(format!("kid={kid}")),
    )
    .await;
    Ok(d.done("/system", "rotated"))
}
