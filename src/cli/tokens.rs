//! `passgate token`: service accounts and their tokens, for CI jobs and
//! scripts that call routes with `tokens = true`.
//!
//! A token is printed once, at `create` or `rotate`; only its SHA-256 is
//! stored. Revoking, rotating, disabling and enabling reach every running
//! gateway through the revocation log (within a second) and, with Redis,
//! at once.

use std::time::Duration;

use clap::Subcommand;
use serde_json::json;

use super::Failure;
use super::admin::{Admin, duration, fmt_time, table};
use crate::audit::Event;
use crate::store::{Broadcast, ServiceAccount, ServiceToken};

#[derive(Subcommand, Debug)]
pub enum TokenCmd {
    /// Create a service account and print its first token (shown once).
    Create {
        /// The account's name: `Remote-User` of its requests (letters,
        /// digits, - _ .).
        name: String,
        /// Group the account is in (repeat for several).
        #[arg(long = "group", value_name = "GROUP")]
        groups: Vec<String>,
        /// How long the token works ("90d"); without it, until revoked.
        #[arg(long, value_parser = duration)]
        expires: Option<Duration>,
    },
    /// List service accounts: groups, status, tokens' creation, expiry and last use.
    List,
    /// Revoke every token of an account, everywhere, at once.
    Revoke { name: String },
    /// Issue a new token; the account's older tokens keep working for the
    /// overlap, then end.
    Rotate {
        name: String,
        /// How long the older tokens keep working.
        #[arg(long, default_value = "24h", value_parser = duration)]
        overlap: Duration,
        /// How long the new token works; without it, until revoked.
        #[arg(long, value_parser = duration)]
        expires: Option<Duration>,
    },
    /// Disable an account: its tokens stop working until it is enabled.
    Disable { name: String },
    /// Enable a disabled account.
    Enable { name: String },
}

fn usage(token: &str) -> String {
    format!(
        "{token}\n\nShown once: store it in your CI's secrets now. Send it as\n  Authorization: Bearer <token>\nor, to leave the application's own Authorization alone,\n  X-Passgate-Token: <token>\nto routes with tokens = true.\n"
    )
}

impl Admin {
    async fn account(&self, name: &str) -> Result<ServiceAccount, Failure> {
        self.store.service_account(name).await?.ok_or_else(|| {
            Failure::runtime(format!(
                "no service account named {name:?} (see `passgate token list`)"
            ))
        })
    }

    async fn tokens_changed(&self, account: &ServiceAccount) {
        self.sessions
            .announce(Broadcast::TokensChanged {
                account_id: account.id.clone(),
            })
            .await;
    }

    pub async fn token_cmd(&self, cmd: TokenCmd) -> Result<(), Failure> {
        let now = self.clock.now();
        let disable = matches!(cmd, TokenCmd::Disable { .. });
        match cmd {
            TokenCmd::Create {
                name,
                groups,
                expires,
            } => {
                use crate::session::accounts::NewAccountError as E;
                let (account, token, record) =
                    crate::session::accounts::create(&self.store, &name, groups, expires, now)
                        .await
                        .map_err(|e| match e {
                            E::BadName(name) => Failure::usage(format!(
                                "{name:?} is not a service account name: 1-64 letters, digits, - _ . (starting with a letter or digit)"
                            )),
                            E::BadGroup(bad) => Failure::usage(format!(
                                "--group {bad:?}: not a group name (letters, digits, - _ .)"
                            )),
                            E::UsernameTaken(name) => Failure::runtime(format!(
                                "a user has the username {name:?}: an application could not tell the service from them; pick another name"
                            )),
                            E::Exists(taken) => Failure::runtime(format!(
                                "a service account named {taken:?} already exists (see `passgate token list`; `passgate token rotate` gives it a new token)"
                            )),
                            E::Store(e) => e.into(),
                        })?;
                let name = account.name.clone();
                let groups = account.groups.clone();
                self.audit(Event::ok("admin.token.create").detail(format!(
                    "name={name} groups={} expires={}",
                    groups.join(","),
                    record.expires_at.map_or("never".into(), fmt_time)
                )))
                .await;
                self.out(
                    json!({ "name": name, "id": account.id, "groups": groups, "token": token, "expires_at": record.expires_at }),
                    || usage(&token),
                );
            }
            TokenCmd::List => {
                let accounts = self.store.list_service_accounts().await?;
                let mut rows = Vec::new();
                let mut list = Vec::new();
                for (a, tokens) in &accounts {
                    let live: Vec<&ServiceToken> =
                        tokens.iter().filter(|t| t.is_live(now)).collect();
                    let status = if a.disabled {
                        "disabled"
                    } else if live.is_empty() {
                        "no valid token"
                    } else {
                        "active"
                    };
                    let newest = live.iter().max_by_key(|t| t.created_at);
                    rows.push(vec![
                        a.name.clone(),
                        a.groups.join(","),
                        status.into(),
                        live.len().to_string(),
                        fmt_time(a.created_at),
                        newest
                            .map(|t| t.expires_at.map_or("never".into(), fmt_time))
                            .unwrap_or_default(),
                        tokens
                            .iter()
                            .filter_map(|t| t.last_used_at)
                            .max()
                            .map(fmt_time)
                            .unwrap_or_else(|| "never".into()),
                    ]);
                    list.push(json!({
                        "name": a.name, "id": a.id, "groups": a.groups, "disabled": a.disabled,
                        "created_at": a.created_at, "status": status,
                        "tokens": tokens.iter().map(|t| json!({
                            "id": t.id, "created_at": t.created_at, "expires_at": t.expires_at,
                            "last_used_at": t.last_used_at, "valid": t.is_live(now),
                        })).collect::<Vec<_>>(),
                    }));
                }
                self.out(json!(list), || {
                    table(
                        &[
                            "NAME",
                            "GROUPS",
                            "STATUS",
                            "TOKENS",
                            "CREATED",
                            "EXPIRES",
                            "LAST USED",
                        ],
                        &rows,
                    )
                });
            }
            TokenCmd::Revoke { name } => {
                let a = self.account(&name).await?;
                let n = self.store.revoke_service_tokens(&a.id).await?;
                self.tokens_changed(&a).await;
                self.audit(
                    Event::ok("admin.token.revoke").detail(format!("name={name} tokens={n}")),
                )
                .await;
                self.out(json!({ "name": name, "revoked": n }), || {
                    format!("revoked {n} token{} of {name}; `passgate token rotate {name}` issues a new one\n", if n == 1 { "" } else { "s" })
                });
            }
            TokenCmd::Rotate {
                name,
                overlap,
                expires,
            } => {
                let a = self.account(&name).await?;
                let (token, record) =
                    crate::session::accounts::rotate(&self.store, &a.id, now, overlap, expires)
                        .await?;
                let others_end = now + overlap.as_secs() as i64;
                self.tokens_changed(&a).await;
                self.audit(Event::ok("admin.token.rotate").detail(format!(
                    "name={name} overlap={}",
                    humantime::format_duration(overlap)
                )))
                .await;
                self.out(
                    json!({ "name": name, "token": token, "expires_at": record.expires_at, "previous_end_at": others_end }),
                    || {
                        format!(
                            "{}\nThe previous tokens of {name} keep working until {} (UTC).\n",
                            usage(&token).trim_end(),
                            fmt_time(others_end)
                        )
                    },
                );
            }
            TokenCmd::Disable { name } | TokenCmd::Enable { name } => {
                let a = self.account(&name).await?;
                self.store
                    .set_service_account_disabled(&a.id, disable)
                    .await?;
                self.tokens_changed(&a).await;
                let verb = if disable { "disable" } else { "enable" };
                self.audit(
                    Event::ok(&format!("admin.token.{verb}")).detail(format!("name={name}")),
                )
                .await;
                self.out(json!({ "name": name, "disabled": disable }), || {
                    format!("{verb}d {name}\n")
                });
            }
        }
        Ok(())
    }
}
