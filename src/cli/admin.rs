//! Administration from the command line: users, groups, invitations,
//! sessions, signing keys and the audit log. Works against SQLite and
//! PostgreSQL with the same config. Each command is one transaction (or a
//! single statement); revocations reach running gateways through the
//! durable revocation log (within a second) and, with Redis, at once.
//! Output is a table, or JSON with `--json`.

use std::sync::Arc;
use std::time::Duration;

use clap::Subcommand;
use serde_json::json;

use super::Failure;
use crate::audit::{self, Event};
use crate::clock::SharedClock;
use crate::config::Config;
use crate::names::ADMIN_GROUP;
use crate::session::{SessionManager, SessionSettings};
use crate::store::{AuditFilter, Broadcast, NewUser, SharedStore, StoreError, User};

#[derive(Subcommand, Debug)]
pub enum UserCmd {
    /// Create a user (they sign in by email, then add a passkey).
    Add {
        email: String,
        /// Display name.
        #[arg(long)]
        name: Option<String>,
        /// Username (Remote-User); the email address when not set.
        #[arg(long)]
        username: Option<String>,
        /// Group to join (repeat for several); created if missing.
        #[arg(long = "group", value_name = "GROUP")]
        groups: Vec<String>,
        /// Make an administrator (member of the "admins" group).
        #[arg(long)]
        admin: bool,
    },
    /// List users.
    List,
    /// Show a user with their groups, passkeys and sessions.
    Show { email: String },
    /// Disable a user: they cannot sign in, and their sessions end everywhere.
    Disable { email: String },
    /// Enable a disabled user.
    Enable { email: String },
    /// Delete a user with their passkeys and sessions.
    Delete { email: String },
    /// Remove all of a user's passkeys (a lost device), ending the sessions
    /// made with them; they sign in by email and add a new one.
    ResetPasskeys { email: String },
}

#[derive(Subcommand, Debug)]
pub enum GroupCmd {
    /// Create a group, or add members to it: `group add ops alice@example.com`.
    Add { name: String, members: Vec<String> },
    /// Remove members from a group, or (with no members) delete the group.
    Remove { name: String, members: Vec<String> },
    /// List groups with their member counts.
    List,
}

#[derive(Subcommand, Debug)]
pub enum SessionCmd {
    /// List live sessions.
    List {
        #[arg(long, value_name = "EMAIL")]
        user: Option<String>,
    },
    /// End sessions everywhere: all of a user's, or one by id.
    Revoke {
        #[arg(
            long,
            value_name = "EMAIL",
            conflicts_with = "id",
            required_unless_present = "id"
        )]
        user: Option<String>,
        #[arg(long)]
        id: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
pub enum KeysCmd {
    /// Make new signing keys current (ES256 for assertions and access tokens,
    /// RS256 for ID tokens); the previous ones stay published for a day.
    Rotate,
    /// List the signing keys.
    List,
}

/// A duration argument like "7d" or "12h".
pub fn duration(s: &str) -> Result<Duration, String> {
    humantime::parse_duration(s)
        .map_err(|e| format!("{s:?} is not a duration like \"7d\" or \"12h\": {e}"))
}

/// What the admin commands work with.
pub struct Admin {
    pub cfg: Config,
    pub store: SharedStore,
    pub sessions: Arc<SessionManager>,
    pub clock: SharedClock,
    pub json: bool,
}

impl Admin {
    pub async fn open(cfg: Config, json: bool) -> Result<Admin, Failure> {
        let clock = crate::clock::system();
        let store = crate::store::open(&cfg.storage.database_url).await?;
        // Redis only speeds revocations up: the durable revocation log in
        // the database carries them to every replica within a second, so a
        // command runs without it (and says so) rather than fail.
        let eph = match crate::store::ephemeral::open(
            cfg.storage.redis_url.as_ref(),
            &cfg.storage.redis_prefix,
            clock.clone(),
        )
        .await
        {
            Ok(eph) => eph,
            Err(e) if e.is_unavailable() => {
                eprintln!(
                    "warning: {e}; running replicas will see this command's changes through the database within a second, not at once"
                );
                crate::store::ephemeral::MemoryEphemeral::new(clock.clone())
            }
            Err(e) => return Err(e.into()),
        };
        let sessions = SessionManager::new(
            store.clone(),
            eph,
            clock.clone(),
            SessionSettings {
                idle_timeout: cfg.session.idle_timeout,
                absolute_timeout: cfg.session.absolute_timeout,
                cache_ttl: cfg.session.cache_ttl,
            },
        );
        Ok(Admin {
            cfg,
            store,
            sessions,
            clock,
            json,
        })
    }

    async fn user(&self, email: &str) -> Result<User, Failure> {
        self.store.find_user_by_email(email).await?.ok_or_else(|| {
            Failure::runtime(format!(
                "no user with address {email} (see `passgate user list`)"
            ))
        })
    }

    pub(super) async fn audit(&self, e: Event) {
        audit::record(
            self.store.as_ref(),
            self.clock.now(),
            e.from("cli", "passgate cli"),
        )
        .await;
    }

    pub(super) fn out(&self, value: serde_json::Value, table: impl FnOnce() -> String) {
        if self.json {
            println!(
                "{}",
                serde_json::to_string_pretty(&value).unwrap_or_default()
            );
        } else {
            print!("{}", table());
        }
    }

    pub async fn user_cmd(&self, cmd: UserCmd) -> Result<(), Failure> {
        let now = self.clock.now();
        match cmd {
            UserCmd::Add {
                email,
                name,
                username,
                mut groups,
                admin,
            } => {
                if admin && !groups.iter().any(|g| g == ADMIN_GROUP) {
                    groups.push(ADMIN_GROUP.to_string());
                }
                if let Some(name) = username.as_deref().map(str::trim)
                    && !crate::names::valid_username(name)
                {
                    return Err(Failure::usage(format!(
                        "--username {name:?}: 1-64 letters, digits, - _ . (no @: people without a username are known by their address)"
                    )));
                }
                // Remote-User alone must tell a person from a service.
                if let Some(name) = username.as_deref().map(str::trim)
                    && self
                        .store
                        .list_service_accounts()
                        .await?
                        .iter()
                        .any(|(a, _)| a.name.eq_ignore_ascii_case(name))
                {
                    return Err(Failure::runtime(format!(
                        "a service account is named {name:?}: an application could not tell this user from it; pick another username"
                    )));
                }
                let u = self
                    .store
                    .create_user(
                        &NewUser {
                            email,
                            username,
                            display_name: name.unwrap_or_default(),
                            groups: groups.clone(),
                        },
                        now,
                    )
                    .await
                    .map_err(conflict)?;
                self.audit(
                    Event::ok("admin.user.add")
                        .user(&u)
                        .detail(format!("groups={}", groups.join(","))),
                )
                .await;
                let v = user_json(&u, &groups);
                self.out(v, || format!("created {} ({})\n", u.email, u.id));
            }
            UserCmd::List => {
                let users = self.store.list_users().await?;
                let mut rows = Vec::new();
                let mut list = Vec::new();
                for u in &users {
                    let groups = self.store.user_groups(&u.id).await?;
                    rows.push(vec![
                        u.email.clone(),
                        u.display_name.clone(),
                        groups.join(","),
                        if u.disabled {
                            "disabled".into()
                        } else {
                            "active".into()
                        },
                        fmt_time(u.created_at),
                    ]);
                    list.push(user_json(u, &groups));
                }
                self.out(json!(list), || {
                    table(&["EMAIL", "NAME", "GROUPS", "STATUS", "CREATED"], &rows)
                });
            }
            UserCmd::Show { email } => {
                let u = self.user(&email).await?;
                let groups = self.store.user_groups(&u.id).await?;
                let passkeys = self.store.passkeys_for_user(&u.id).await?;
                let sessions: Vec<_> = self
                    .store
                    .list_sessions(Some(&u.id))
                    .await?
                    .into_iter()
                    .filter(|s| s.is_live(now))
                    .collect();
                let mut v = user_json(&u, &groups);
                v["passkeys"] = json!(passkeys
                    .iter()
                    .map(|p| json!({ "name": p.name, "created_at": p.created_at, "last_used_at": p.last_used_at, "synced": p.backup_eligible }))
                    .collect::<Vec<_>>());
                v["sessions"] = json!(sessions.len());
                self.out(v, || {
                    let mut s = format!(
                        "email:     {}\nid:        {}\nname:      {}\nusername:  {}\nstatus:    {}\ngroups:    {}\ncreated:   {}\nsessions:  {}\npasskeys:  {}\n",
                        u.email,
                        u.id,
                        u.display_name,
                        u.login_name(),
                        if u.disabled { "disabled" } else { "active" },
                        groups.join(", "),
                        fmt_time(u.created_at),
                        sessions.len(),
                        passkeys.len()
                    );
                    for p in &passkeys {
                        s.push_str(&format!(
                            "  - {} (added {}, last used {})\n",
                            p.name,
                            fmt_time(p.created_at),
                            p.last_used_at.map(fmt_time).unwrap_or_else(|| "never".into())
                        ));
                    }
                    s
                });
            }
            UserCmd::Disable { email } => {
                let u = self.user(&email).await?;
                let ended = self.store.set_user_disabled(&u.id, true, now).await?;
                self.sessions
                    .announce(Broadcast::UserRevoked {
                        user_id: u.id.clone(),
                    })
                    .await;
                self.audit(
                    Event::ok("admin.user.disable")
                        .user(&u)
                        .detail(format!("ended {} session(s)", ended.len())),
                )
                .await;
                self.out(
                    json!({ "email": u.email, "disabled": true, "sessions_ended": ended.len() }),
                    || format!("disabled {}; ended {} session(s)\n", u.email, ended.len()),
                );
            }
            UserCmd::Enable { email } => {
                let u = self.user(&email).await?;
                self.store.set_user_disabled(&u.id, false, now).await?;
                self.audit(Event::ok("admin.user.enable").user(&u)).await;
                self.out(json!({ "email": u.email, "disabled": false }), || {
                    format!("enabled {}\n", u.email)
                });
            }
            UserCmd::ResetPasskeys { email } => {
                let u = self.user(&email).await?;
                let passkeys = self.store.passkeys_for_user(&u.id).await?;
                let mut ended = 0;
                for p in &passkeys {
                    for sid in self.store.delete_passkey(&u.id, &p.credential_id).await? {
                        self.sessions
                            .announce(Broadcast::SessionRevoked { id: sid })
                            .await;
                        ended += 1;
                    }
                }
                self.audit(
                    Event::ok("admin.user.reset_passkeys")
                        .user(&u)
                        .detail(format!(
                            "passkeys={} sessions_ended={ended}",
                            passkeys.len()
                        )),
                )
                .await;
                self.out(
                    json!({ "email": u.email, "passkeys_removed": passkeys.len(), "sessions_ended": ended }),
                    || {
                        format!(
                            "removed {} passkey{} of {} and ended {ended} session{} made with them; they sign in by email and add a new one\n",
                            passkeys.len(),
                            if passkeys.len() == 1 { "" } else { "s" },
                            u.email,
                            if ended == 1 { "" } else { "s" }
                        )
                    },
                );
            }
            UserCmd::Delete { email } => {
                let u = self.user(&email).await?;
                self.store.delete_user(&u.id).await?;
                self.sessions
                    .announce(Broadcast::UserRevoked {
                        user_id: u.id.clone(),
                    })
                    .await;
                self.audit(Event::ok("admin.user.delete").user(&u)).await;
                self.out(json!({ "email": u.email, "deleted": true }), || {
                    format!("deleted {}\n", u.email)
                });
            }
        }
        Ok(())
    }

    pub async fn group_cmd(&self, cmd: GroupCmd) -> Result<(), Failure> {
        let now = self.clock.now();
        match cmd {
            GroupCmd::Add { name, members } => {
                if !crate::names::valid_group_name(&name) {
                    return Err(Failure::usage(format!(
                        "{name:?} is not a group name (1-64 letters, digits, - _ .)"
                    )));
                }
                // Check every member first, so nothing is half-done.
                let mut users = Vec::new();
                for m in &members {
                    users.push(self.user(m).await?);
                }
                let created = self.store.create_group(&name, now).await?;
                for u in &users {
                    self.store.add_member(&u.id, &name, now).await?;
                    self.sessions
                        .announce(Broadcast::UserChanged {
                            user_id: u.id.clone(),
                        })
                        .await;
                }
                self.audit(
                    Event::ok("admin.group.add")
                        .detail(format!("group={name} members={}", members.join(","))),
                )
                .await;
                self.out(
                    json!({ "group": name, "created": created, "added": members }),
                    || {
                        let mut s = if created {
                            format!("created group {name}\n")
                        } else {
                            String::new()
                        };
                        for m in &members {
                            s.push_str(&format!("added {m} to {name}\n"));
                        }
                        if s.is_empty() {
                            s = format!("group {name} already exists\n");
                        }
                        s
                    },
                );
            }
            GroupCmd::Remove { name, members } => {
                if members.is_empty() {
                    // Its members' cached identities lose the group everywhere.
                    let mut had = Vec::new();
                    for u in self.store.list_users().await? {
                        if self.store.user_groups(&u.id).await?.contains(&name) {
                            had.push(u.id);
                        }
                    }
                    self.store.delete_group(&name).await.map_err(|e| match e {
                        StoreError::NotFound(_) => Failure::runtime(format!(
                            "no group named {name} (see `passgate group list`)"
                        )),
                        other => other.into(),
                    })?;
                    for user_id in had {
                        self.sessions
                            .announce(Broadcast::UserChanged { user_id })
                            .await;
                    }
                    self.audit(Event::ok("admin.group.delete").detail(format!("group={name}")))
                        .await;
                    self.out(json!({ "group": name, "deleted": true }), || {
                        format!("deleted group {name}\n")
                    });
                } else {
                    let mut users = Vec::new();
                    for m in &members {
                        users.push(self.user(m).await?);
                    }
                    for u in &users {
                        self.store.remove_member(&u.id, &name).await?;
                        self.sessions
                            .announce(Broadcast::UserChanged {
                                user_id: u.id.clone(),
                            })
                            .await;
                    }
                    self.audit(
                        Event::ok("admin.group.remove_members")
                            .detail(format!("group={name} members={}", members.join(","))),
                    )
                    .await;
                    self.out(json!({ "group": name, "removed": members }), || {
                        members
                            .iter()
                            .map(|m| format!("removed {m} from {name}\n"))
                            .collect()
                    });
                }
            }
            GroupCmd::List => {
                let groups = self.store.list_groups().await?;
                let rows: Vec<Vec<String>> = groups
                    .iter()
                    .map(|g| {
                        vec![
                            g.name.clone(),
                            g.members.to_string(),
                            fmt_time(g.created_at),
                        ]
                    })
                    .collect();
                self.out(json!(groups), || {
                    table(&["GROUP", "MEMBERS", "CREATED"], &rows)
                });
            }
        }
        Ok(())
    }

    pub async fn invite(
        &self,
        email: &str,
        groups: Vec<String>,
        expires: Duration,
    ) -> Result<(), Failure> {
        if !crate::names::looks_like_email(email) {
            return Err(Failure::usage(format!("{email:?} is not an email address")));
        }
        if let Some(bad) = groups.iter().find(|g| !crate::names::valid_group_name(g)) {
            return Err(Failure::usage(format!(
                "{bad:?} is not a group name (1-64 letters, digits, - _ .)"
            )));
        }
        if self.store.find_user_by_email(email).await?.is_some() && groups.is_empty() {
            return Err(Failure::runtime(format!(
                "{email} already has an account; add them to groups with `passgate group add GROUP {email}`"
            )));
        }
        let now = self.clock.now();
        let link = crate::ui::invite::create_invite(
            self.store.as_ref(),
            now,
            &self.cfg,
            email,
            groups.clone(),
            expires,
            Some("cli".into()),
            None,
        )
        .await?;
        let mailer = crate::email::Mailer::new(&self.cfg).map_err(Failure::usage)?;
        let sent = crate::ui::invite::email_invite(&mailer, &self.cfg, email, &link, expires).await;
        self.audit(
            Event::ok("admin.invite")
                .email(email)
                .detail(format!("groups={}", groups.join(","))),
        )
        .await;
        let sent_text = match &sent {
            Ok(()) => "sent".to_string(),
            Err(e) => format!("not sent ({e}); give them the link yourself"),
        };
        self.out(json!({ "email": email, "groups": groups, "link": link, "expires_at": now + expires.as_secs() as i64, "email_sent": sent.is_ok() }), || {
            format!("invitation for {email}: {link}\nemail: {sent_text}\n")
        });
        Ok(())
    }

    pub async fn session_cmd(&self, cmd: SessionCmd) -> Result<(), Failure> {
        let now = self.clock.now();
        match cmd {
            SessionCmd::List { user } => {
                let user = match user {
                    Some(e) => Some(self.user(&e).await?),
                    None => None,
                };
                let sessions: Vec<_> = self
                    .store
                    .list_sessions(user.as_ref().map(|u| u.id.as_str()))
                    .await?
                    .into_iter()
                    .filter(|s| s.is_live(now))
                    .collect();
                let mut emails = std::collections::HashMap::new();
                for u in self.store.list_users().await? {
                    emails.insert(u.id.clone(), u.email.clone());
                }
                let rows: Vec<Vec<String>> = sessions
                    .iter()
                    .map(|s| {
                        vec![
                            s.id.clone(),
                            emails.get(&s.user_id).cloned().unwrap_or_default(),
                            s.auth_method.clone(),
                            s.ip.clone(),
                            crate::page::device_name(&s.user_agent),
                            fmt_time(s.last_seen_at),
                        ]
                    })
                    .collect();
                let list: Vec<_> = sessions
                    .iter()
                    .map(|s| json!({ "id": s.id, "email": emails.get(&s.user_id), "method": s.auth_method, "ip": s.ip, "user_agent": s.user_agent, "created_at": s.created_at, "last_seen_at": s.last_seen_at, "expires_at": s.expires_at }))
                    .collect();
                self.out(json!(list), || {
                    table(
                        &["SESSION", "USER", "METHOD", "IP", "DEVICE", "LAST SEEN"],
                        &rows,
                    )
                });
            }
            SessionCmd::Revoke { user, id } => {
                if let Some(email) = user {
                    let u = self.user(&email).await?;
                    let n = self.sessions.revoke_user(&u.id).await?;
                    self.audit(
                        Event::ok("admin.session.revoke")
                            .user(&u)
                            .detail(format!("{n} session(s)")),
                    )
                    .await;
                    self.out(json!({ "email": u.email, "revoked": n }), || {
                        format!("ended {n} session(s) of {}\n", u.email)
                    });
                } else if let Some(id) = id {
                    if !self.sessions.revoke(&id).await? {
                        return Err(Failure::runtime(format!(
                            "no session with id {id} (see `passgate session list`)"
                        )));
                    }
                    self.audit(Event::ok("admin.session.revoke").detail(format!("session={id}")))
                        .await;
                    self.out(json!({ "id": id, "revoked": 1 }), || {
                        format!("ended session {id}\n")
                    });
                }
            }
        }
        Ok(())
    }

    pub async fn keys_cmd(&self, cmd: KeysCmd) -> Result<(), Failure> {
        let now = self.clock.now();
        match cmd {
            KeysCmd::Rotate => {
                let kid = crate::identity::KeyRing::rotate(&self.store, now).await?;
                self.sessions.announce(Broadcast::KeysRotated).await;
                self.audit(Event::ok("admin.keys.rotate").detail(format!("kid={kid}")))
                    .await;
                self.out(json!({ "kid": kid }), || format!("new signing key {kid} is current; the previous key stays in the JWKS for a day\n"));
            }
            KeysCmd::List => {
                let keys = self.store.signing_keys().await?;
                let rows: Vec<Vec<String>> = keys
                    .iter()
                    .map(|k| {
                        vec![
                            k.kid.clone(),
                            k.algorithm.clone(),
                            fmt_time(k.created_at),
                            k.retired_at
                                .map(fmt_time)
                                .unwrap_or_else(|| "current".into()),
                        ]
                    })
                    .collect();
                let list: Vec<_> = keys.iter().map(|k| json!({ "kid": k.kid, "algorithm": k.algorithm, "created_at": k.created_at, "retired_at": k.retired_at })).collect();
                self.out(json!(list), || {
                    table(&["KID", "ALG", "CREATED", "RETIRED"], &rows)
                });
            }
        }
        Ok(())
    }

    pub async fn audit_cmd(
        &self,
        user: Option<String>,
        since: Option<String>,
        kind: Option<String>,
        limit: i64,
    ) -> Result<(), Failure> {
        // A person's events: their account's, and those naming their
        // address (invitations; and after they were deleted).
        let (user_id, email) = match user {
            Some(e) => (
                self.store.find_user_by_email(&e).await?.map(|u| u.id),
                Some(e),
            ),
            None => (None, None),
        };
        let since = match since {
            Some(s) => Some(parse_since(&s, self.clock.now()).map_err(Failure::usage)?),
            None => None,
        };
        let events = self
            .store
            .list_audit(&AuditFilter {
                user_id,
                email,
                since,
                kind_prefix: kind,
                limit,
            })
            .await?;
        let rows: Vec<Vec<String>> = events
            .iter()
            .map(|e| {
                let ev = &e.event;
                vec![
                    fmt_time(ev.at),
                    ev.kind.clone(),
                    if ev.success {
                        "ok".into()
                    } else {
                        "FAILED".into()
                    },
                    ev.email.clone().unwrap_or_default(),
                    ev.actor.clone().unwrap_or_default(),
                    ev.ip.clone().unwrap_or_default(),
                    ev.detail.clone(),
                ]
            })
            .collect();
        self.out(json!(events), || {
            table(
                &["TIME", "EVENT", "RESULT", "USER", "BY", "IP", "DETAIL"],
                &rows,
            )
        });
        Ok(())
    }
}

fn conflict(e: StoreError) -> Failure {
    match e {
        StoreError::Conflict(m) => Failure::runtime(m),
        other => other.into(),
    }
}

/// `--since`: a duration ago ("24h") or a date ("2026-11-01").
fn parse_since(s: &str, now: i64) -> Result<i64, String> {
    crate::clock::parse_since(s, now).ok_or_else(|| {
        format!("--since {s:?}: give a duration like \"24h\" or a date like \"2026-11-01\"")
    })
}

fn user_json(u: &User, groups: &[String]) -> serde_json::Value {
    json!({
        "id": u.id, "email": u.email, "username": u.login_name(), "name": u.display_name,
        "groups": groups, "admin": groups.iter().any(|g| g == ADMIN_GROUP),
        "disabled": u.disabled, "created_at": u.created_at,
    })
}

pub(super) fn fmt_time(t: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(t)
        .ok()
        .and_then(|dt| {
            dt.format(&time::macros::format_description!(
                "[year]-[month]-[day] [hour]:[minute]"
            ))
            .ok()
        })
        .unwrap_or_default()
}

/// A plain text table with padded columns.
pub fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(c.chars().count());
            }
        }
    }
    let line = |cells: Vec<String>| -> String {
        let mut s: String = cells
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c:<w$}", w = widths.get(i).copied().unwrap_or(0)))
            .collect::<Vec<_>>()
            .join("  ");
        s.truncate(s.trim_end().len());
        s.push('\n');
        s
    };
    let mut out = line(headers.iter().map(|h| h.to_string()).collect());
    for r in rows {
        out.push_str(&line(r.clone()));
    }
    if rows.is_empty() {
        out.push_str("(none)\n");
    }
    out
}
