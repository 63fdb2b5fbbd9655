//! Service tokens: the accounts CI jobs and scripts sign in as, with their
//! tokens' status and last use; create one (its token shown once), rotate
//! (a new token shown once; the older ones keep working for the overlap),
//! revoke every token, disable and enable. As `passgate token`.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use askama::Template;
use axum::Extension;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use http::Response;
use http::header::HeaderMap;

use super::{Answer, Desk, MAX_TEXT, Missing, field, group_list};
use crate::app::App;
use crate::audit::Event;
use crate::page::{Chrome, Ctx};
use crate::session::accounts::NewAccountError;
use crate::store::{Broadcast, ServiceAccount};

/// The longest a token may be made to last, and the longest overlap of a
/// rotation (days).
const MAX_DAYS: u64 = 3650;
const MAX_OVERLAP_HOURS: u64 = 24 * 30;

struct AccountRow {
    name: String,
    groups: String,
    disabled: bool,
    live: i64,
    expires: String,
    last_used: String,
}

#[derive(Template)]
#[template(path = "admin_tokens.html")]
struct TokensPage {
    chrome: Chrome,
    section: &'static str,
    csrf: String,
    accounts: Vec<AccountRow>,
    notice: String,
}

/// `GET P/admin/tokens`.
pub async fn list(
    State(app): State<Arc<App>>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Answer {
    let d = Desk::look(app, ctx, headers, "/tokens").await?;
    let accounts = d.ok(d.app.store.list_service_accounts().await)?;
    let lang = d.lang();
    let now = d.now();
    let notice = match q.get("notice").map(String::as_str) {
        Some("tokens_revoked") => lang.t("admin-notice-tokens-revoked"),
        Some("account_disabled") => lang.t("admin-notice-account-disabled"),
        Some("account_enabled") => lang.t("admin-notice-account-enabled"),
        _ => String::new(),
    };
    let accounts = accounts
        .iter()
        .map(|(a, tokens)| {
            let live: Vec<_> = tokens.iter().filter(|t| t.is_live(now)).collect();
            let newest = live.iter().max_by_key(|t| t.created_at);
            AccountRow {
                name: a.name.clone(),
                groups: a.groups.join(", "),
                disabled: a.disabled,
                live: live.len() as i64,
                expires: newest.map_or(String::new(), |t| until(lang, t.expires_at)),
                last_used: match tokens.iter().filter_map(|t| t.last_used_at).max() {
                    Some(t) => lang.t_with(
                        "account-last-used",
                        &[("when", &crate::page::ago(lang, now, t))],
                    ),
                    None => lang.t("account-never-used"),
                },
            }
        })
        .collect();
    Ok(d.page(|csrf| TokensPage {
        chrome: d.chrome(),
        section: "tokens",
        csrf,
        accounts,
        notice,
    }))
}

#[derive(Template)]
#[template(path = "admin_token.html")]
struct TokenPage {
    chrome: Chrome,
    section: &'static str,
    name: String,
    token: String,
    until: String,
}

fn shown_once(d: &Desk, name: &str, token: &str, expires_at: Option<i64>) -> Response<Body> {
    d.html(&TokenPage {
        chrome: d.chrome(),
        section: "tokens",
        name: name.to_string(),
        token: token.to_string(),
        until: until(d.lang(), expires_at),
    })
}

/// "valid until DATE", or "valid until revoked".
fn until(l: crate::i18n::Lang, expires_at: Option<i64>) -> String {
    match expires_at {
        Some(at) => l.t_with("admin-token-expires", &[("date", &crate::page::date(at))]),
        None => l.t("admin-token-never-expires"),
    }
}

/// Days a token lasts from the form's `days` ("" or 0: until revoked).
fn lifetime(f: &HashMap<String, String>) -> Result<Option<Duration>, ()> {
    match field(f, "days").as_str() {
        "" | "0" => Ok(None),
        s => match s.parse::<u64>() {
            Ok(n) if n <= MAX_DAYS => Ok(Some(Duration::from_secs(n * 86_400))),
            _ => Err(()),
        },
    }
}

async fn tokens_changed(d: &Desk, account: &ServiceAccount) {
    d.app
        .sessions
        .announce(Broadcast::TokensChanged {
            account_id: account.id.clone(),
        })
        .await;
}

/// `POST P/admin/tokens` (`name`, `groups`, `days`).
pub async fn create(
    State(app): State<Arc<App>>,
    Extension(ctx): Extension<Ctx>,
    headers: HeaderMap,
    crate::ui::Posted(f): crate::ui::Posted,
) -> Answer {
    let d = Desk::act(app, ctx, headers, "/tokens").await?;
    let l = d.lang();
    let groups_text = field(&f, "groups");
    if groups_text.chars().count() > MAX_TEXT * 4 {
        return Err(d.bad(l.t("admin-bad-group-name"), "/tokens"));
    }
    let Ok(expires) = lifetime(&f) else {
        return Err(d.bad(l.t("admin-bad-token-days"), "/tokens"));
    };
    let now = d.now();
    let (account, token, record) = match crate::session::accounts::create(
        &d.app.store,
        &field(&f, "name"),
        group_list(&groups_text),
        expires,
        now,
    )
    .await
    {
        Ok(x) => x,
        Err(NewAccountError::BadName(_)) => {
            return Err(d.bad(l.t("admin-bad-account-name"), "/tokens"));
        }
        Err(NewAccountError::BadGroup(_)) => {
            return Err(d.bad(l.t("admin-bad-group-name"), "/tokens"));
        }
        Err(NewAccountError::UsernameTaken(_) | NewAccountError::Exists(_)) => {
            return Err(d.refuse(
                http::StatusCode::CONFLICT,
                "name_taken",
                l.t("admin-account-taken-title"),
                l.t("admin-account-taken-message"),
                "/tokens",
            ));
        }
        Err(NewAccountError::Store(e)) => return Err(d.fail(e)),
    };
    d.audit(Event::ok("admin.token.create").detail(format!(
        "name={} groups={} expires={}",
        account.name,
        account.groups.join(","),
        record.expires_at.map_or("never".into(), crate::page::date),
    )))
    .await;
    Ok(shown_once(&d, &account.name, &token, record.expires_at))
}

/// `POST P/admin/tokens/{name}/{rotate,revoke,disable,enable}`; `rotate`
/// takes `overlap` (hours the older tokens keep working, 24 unless said)
/// and `days`.
pub async fn act(
    State(app): State<Arc<App>>,
    Extension(ctx): Extension<Ctx>,
    Path((name, action)): Path<(String, String)>,
    headers: HeaderMap,
    crate::ui::Posted(f): crate::ui::Posted,
) -> Answer {
    let d = Desk::act(app, ctx, headers, "/tokens").await?;
    let l = d.lang();
    let store = &d.app.store;
    let account = match d.ok(store.service_account(&name).await)? {
        Some(a) => a,
        None => return Err(d.missing(Missing::Account, "/tokens")),
    };
    let now = d.now();
    match action.as_str() {
        "rotate" => {
            let overlap = match field(&f, "overlap").as_str() {
                "" => 24,
                s => match s.parse::<u64>() {
                    Ok(h) if h <= MAX_OVERLAP_HOURS => h,
                    _ => return Err(d.bad(l.t("admin-bad-overlap"), "/tokens")),
                },
            };
            let Ok(expires) = lifetime(&f) else {
                return Err(d.bad(l.t("admin-bad-token-days"), "/tokens"));
            };
            let (token, record) = d.ok(crate::session::accounts::rotate(
                store,
                &account.id,
                now,
                Duration::from_secs(overlap * 3600),
                expires,
            )
            .await)?;
            tokens_changed(&d, &account).await;
            d.audit(
                Event::ok("admin.token.rotate")
                    .detail(format!("name={} overlap={overlap}h", account.name)),
            )
            .await;
            Ok(shown_once(&d, &account.name, &token, record.expires_at))
        }
        "revoke" => {
            let n = d.ok(store.revoke_service_tokens(&account.id).await)?;
            tokens_changed(&d, &account).await;
            d.audit(
                Event::ok("admin.token.revoke").detail(format!("name={} tokens={n}", account.name)),
            )
            .await;
            Ok(d.done("/tokens", "tokens_revoked"))
        }
        "disable" | "enable" => {
            let disable = action == "disable";
            d.ok(store
                .set_service_account_disabled(&account.id, disable)
                .await)?;
            tokens_changed(&d, &account).await;
            d.audit(
                Event::ok(&format!("admin.token.{action}"))
                    .detail(format!("name={}", account.name)),
            )
            .await;
            Ok(d.done(
                "/tokens",
                if disable {
                    "account_disabled"
                } else {
                    "account_enabled"
                },
            ))
        }
        _ => Err(d.missing(Missing::Item, "/tokens")),
    }
}
