//! The one SQL implementation of [`Store`], shared by SQLite and PostgreSQL.
//!
//! Both backends accept the same statements (`$n` placeholders, `RETURNING`,
//! `ON CONFLICT`), so each method is written once and run on whichever pool
//! is open; only the schema files under `migrations/` differ. Write
//! transactions on SQLite start with `BEGIN IMMEDIATE` so two writers queue on
//! the busy timeout instead of failing with "database is locked".

use async_trait::async_trait;
use sqlx::{PgPool, SqlitePool};

use super::{
    AuditEvent, AuditFilter, GroupInfo, Invite, NewAuditEvent, NewUser, PasskeyRecord,
    SessionRecord, SigningKeyRecord, Store, StoreError, StoreResult, User,
};
use crate::names::{normalise_email, valid_group_name};

/// An open pool on either backend.
#[derive(Clone, Debug)]
pub enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// [`Store`] over a SQL pool.
#[derive(Clone, Debug)]
pub struct SqlStore {
    pool: Pool,
}

impl SqlStore {
    pub fn new(pool: Pool) -> Self {
        Self { pool }
    }

    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    /// Close the pool (shutdown; tests simulate an outage with it).
    pub async fn close(&self) {
        match &self.pool {
            Pool::Sqlite(p) => p.close().await,
            Pool::Postgres(p) => p.close().await,
        }
    }

    fn name(&self) -> &'static str {
        match self.pool {
            Pool::Sqlite(_) => "sqlite",
            Pool::Postgres(_) => "postgres",
        }
    }

    fn err(&self) -> impl Fn(sqlx::Error) -> StoreError + '_ {
        move |e| map_sqlx(self.name(), e)
    }
}

/// Run `$body` with `$p` bound to the pool of either backend.
macro_rules! on_pool {
    ($self:ident, $p:ident => $body:expr) => {
        match &$self.pool {
            Pool::Sqlite($p) => $body,
            Pool::Postgres($p) => $body,
        }
    };
}

/// Begin a write transaction on `$p` (IMMEDIATE on SQLite).
macro_rules! begin_write {
    ($self:ident, $p:ident) => {
        match &$self.pool {
            Pool::Sqlite(_) => $p.begin_with("BEGIN IMMEDIATE").await,
            Pool::Postgres(_) => $p.begin().await,
        }
    };
}

/// Map a sqlx error to a store error, keeping connection failures apart.
pub fn map_sqlx(backend: &'static str, e: sqlx::Error) -> StoreError {
    match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            let msg = db.message().to_string();
            let what = if msg.contains("email_norm") {
                "a user with that email address already exists"
            } else if msg.contains("username_norm") {
                "that username is taken"
            } else if msg.contains("credential_id") {
                "that passkey is already registered"
            } else {
                "that already exists"
            };
            StoreError::Conflict(what.to_string())
        }
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => StoreError::Unavailable {
            backend,
            detail: e.to_string(),
        },
        sqlx::Error::Database(db) if backend == "sqlite" && db.message().contains("locked") => {
            StoreError::Unavailable {
                backend,
                detail: db.message().to_string(),
            }
        }
        _ => StoreError::Backend {
            backend,
            detail: e.to_string(),
        },
    }
}

#[derive(sqlx::FromRow)]
struct UserRow {
    id: String,
    email: String,
    username: Option<String>,
    display_name: String,
    disabled: bool,
    created_at: i64,
    updated_at: i64,
}

impl From<UserRow> for User {
    fn from(r: UserRow) -> Self {
        User {
            id: r.id,
            email: r.email,
            username: r.username,
            display_name: r.display_name,
            disabled: r.disabled,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

const USER_COLS: &str = "id, email, username, display_name, disabled, created_at, updated_at";

#[derive(sqlx::FromRow)]
struct PasskeyRow {
    credential_id: Vec<u8>,
    user_id: String,
    name: String,
    data: String,
    aaguid: Option<String>,
    backup_eligible: bool,
    backup_state: bool,
    sign_count: i64,
    created_at: i64,
    last_used_at: Option<i64>,
}

impl From<PasskeyRow> for PasskeyRecord {
    fn from(r: PasskeyRow) -> Self {
        PasskeyRecord {
            credential_id: r.credential_id,
            user_id: r.user_id,
            name: r.name,
            data: r.data,
            aaguid: r.aaguid,
            backup_eligible: r.backup_eligible,
            backup_state: r.backup_state,
            sign_count: r.sign_count,
            created_at: r.created_at,
            last_used_at: r.last_used_at,
        }
    }
}

const PASSKEY_COLS: &str = "credential_id, user_id, name, data, aaguid, backup_eligible, backup_state, sign_count, created_at, last_used_at";

#[derive(sqlx::FromRow)]
struct SessionRow {
    id: String,
    token_hash: Vec<u8>,
    user_id: String,
    auth_method: String,
    created_at: i64,
    last_seen_at: i64,
    expires_at: i64,
    idle_timeout: i64,
    user_agent: String,
    ip: String,
    credential_id: Option<Vec<u8>>,
}

impl From<SessionRow> for SessionRecord {
    fn from(r: SessionRow) -> Self {
        SessionRecord {
            id: r.id,
            token_hash: r.token_hash,
            user_id: r.user_id,
            auth_method: r.auth_method,
            created_at: r.created_at,
            last_seen_at: r.last_seen_at,
            expires_at: r.expires_at,
            idle_timeout: r.idle_timeout,
            user_agent: r.user_agent,
            ip: r.ip,
            credential_id: r.credential_id,
        }
    }
}

const SESSION_COLS: &str = "id, token_hash, user_id, auth_method, created_at, last_seen_at, expires_at, idle_timeout, user_agent, ip, credential_id";

#[derive(sqlx::FromRow)]
struct InviteRow {
    id: String,
    token_hash: Vec<u8>,
    email: String,
    groups: String,
    created_by: Option<String>,
    created_at: i64,
    expires_at: i64,
    used_at: Option<i64>,
}

impl From<InviteRow> for Invite {
    fn from(r: InviteRow) -> Self {
        Invite {
            id: r.id,
            token_hash: r.token_hash,
            email: r.email,
            groups: r
                .groups
                .split(',')
                .filter(|g| !g.is_empty())
                .map(str::to_string)
                .collect(),
            created_by: r.created_by,
            created_at: r.created_at,
            expires_at: r.expires_at,
            used_at: r.used_at,
        }
    }
}

const INVITE_COLS: &str =
    "id, token_hash, email, groups, created_by, created_at, expires_at, used_at";

#[derive(sqlx::FromRow)]
struct AuditRow {
    id: i64,
    at: i64,
    kind: String,
    success: bool,
    user_id: Option<String>,
    email: Option<String>,
    ip: Option<String>,
    user_agent: Option<String>,
    detail: String,
}

impl From<AuditRow> for AuditEvent {
    fn from(r: AuditRow) -> Self {
        AuditEvent {
            id: r.id,
            event: NewAuditEvent {
                at: r.at,
                kind: r.kind,
                success: r.success,
                user_id: r.user_id,
                email: r.email,
                ip: r.ip,
                user_agent: r.user_agent,
                detail: r.detail,
            },
        }
    }
}

#[derive(sqlx::FromRow)]
struct KeyRow {
    kid: String,
    algorithm: String,
    private_pem: String,
    created_at: i64,
    retired_at: Option<i64>,
}

impl From<KeyRow> for SigningKeyRecord {
    fn from(r: KeyRow) -> Self {
        SigningKeyRecord {
            kid: r.kid,
            algorithm: r.algorithm,
            private_pem: r.private_pem,
            created_at: r.created_at,
            retired_at: r.retired_at,
        }
    }
}

fn check_groups(groups: &[String]) -> StoreResult<()> {
    match groups.iter().find(|g| !valid_group_name(g)) {
        Some(bad) => Err(StoreError::Conflict(format!(
            "{bad:?} is not a valid group name (1-64 letters, digits, - _ .)"
        ))),
        None => Ok(()),
    }
}

/// Build a static-lifetime SQL string from pieces known at compile time.
fn sql(s: String) -> sqlx::AssertSqlSafe<String> {
    sqlx::AssertSqlSafe(s)
}

#[async_trait]
impl Store for SqlStore {
    fn backend(&self) -> &'static str {
        self.name()
    }

    async fn ping(&self) -> StoreResult<()> {
        on_pool!(self, p => sqlx::query("SELECT 1").execute(p).await.map(|_| ()).map_err(self.err()))
    }

    async fn create_user(&self, new: &NewUser, now: i64) -> StoreResult<User> {
        let email = new.email.trim();
        if !crate::names::looks_like_email(email) {
            return Err(StoreError::Conflict(format!(
                "{email:?} is not an email address"
            )));
        }
        check_groups(&new.groups)?;
        let id = uuid::Uuid::new_v4().to_string();
        let username = new
            .username
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty());
        let username_norm = username.map(str::to_lowercase);
        on_pool!(self, p => {
            let mut tx = begin_write!(self, p).map_err(self.err())?;
            sqlx::query(
                "INSERT INTO users (id, email, email_norm, username, username_norm, display_name, disabled, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
            )
            .bind(&id)
            .bind(email)
            .bind(normalise_email(email))
            .bind(username)
            .bind(&username_norm)
            .bind(new.display_name.trim())
            .bind(false)
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(self.err())?;
            for g in &new.groups {
                sqlx::query("INSERT INTO user_groups (name, created_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
                    .bind(g)
                    .bind(now)
                    .execute(&mut *tx)
                    .await
                    .map_err(self.err())?;
                sqlx::query(
                    "INSERT INTO memberships (user_id, group_name, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                )
                .bind(&id)
                .bind(g)
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(self.err())?;
            }
            tx.commit().await.map_err(self.err())?;
        });
        Ok(User {
            id,
            email: email.to_string(),
            username: username.map(str::to_string),
            display_name: new.display_name.trim().to_string(),
            disabled: false,
            created_at: now,
            updated_at: now,
        })
    }

    async fn get_user(&self, id: &str) -> StoreResult<Option<User>> {
        let q = sql(format!("SELECT {USER_COLS} FROM users WHERE id = $1"));
        let row: Option<UserRow> = on_pool!(self, p => sqlx::query_as(q).bind(id).fetch_optional(p).await.map_err(self.err())?);
        Ok(row.map(User::from))
    }

    async fn find_user_by_email(&self, email: &str) -> StoreResult<Option<User>> {
        let q = sql(format!(
            "SELECT {USER_COLS} FROM users WHERE email_norm = $1"
        ));
        let row: Option<UserRow> = on_pool!(self, p => sqlx::query_as(q).bind(normalise_email(email)).fetch_optional(p).await.map_err(self.err())?);
        Ok(row.map(User::from))
    }

    async fn list_users(&self) -> StoreResult<Vec<User>> {
        let q = sql(format!("SELECT {USER_COLS} FROM users ORDER BY email_norm"));
        let rows: Vec<UserRow> =
            on_pool!(self, p => sqlx::query_as(q).fetch_all(p).await.map_err(self.err())?);
        Ok(rows.into_iter().map(User::from).collect())
    }

    async fn set_user_disabled(
        &self,
        id: &str,
        disabled: bool,
        now: i64,
    ) -> StoreResult<Vec<String>> {
        on_pool!(self, p => {
            let mut tx = begin_write!(self, p).map_err(self.err())?;
            let n = sqlx::query("UPDATE users SET disabled = $2, updated_at = $3 WHERE id = $1")
                .bind(id)
                .bind(disabled)
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(self.err())?
                .rows_affected();
            if n == 0 {
                return Err(StoreError::NotFound(format!("no user with id {id}")));
            }
            let ended: Vec<String> = if disabled {
                sqlx::query_scalar("DELETE FROM sessions WHERE user_id = $1 RETURNING id")
                    .bind(id)
                    .fetch_all(&mut *tx)
                    .await
                    .map_err(self.err())?
            } else {
                Vec::new()
            };
            tx.commit().await.map_err(self.err())?;
            Ok(ended)
        })
    }

    async fn update_user(
        &self,
        id: &str,
        display_name: &str,
        username: Option<&str>,
        now: i64,
    ) -> StoreResult<()> {
        let username = username.map(str::trim).filter(|u| !u.is_empty());
        let n = on_pool!(self, p => sqlx::query(
            "UPDATE users SET display_name = $2, username = $3, username_norm = $4, updated_at = $5 WHERE id = $1",
        )
        .bind(id)
        .bind(display_name.trim())
        .bind(username)
        .bind(username.map(str::to_lowercase))
        .bind(now)
        .execute(p)
        .await
        .map_err(self.err())?
        .rows_affected());
        if n == 0 {
            return Err(StoreError::NotFound(format!("no user with id {id}")));
        }
        Ok(())
    }

    async fn delete_user(&self, id: &str) -> StoreResult<()> {
        on_pool!(self, p => {
            let mut tx = begin_write!(self, p).map_err(self.err())?;
            // Explicit deletes rather than relying on ON DELETE CASCADE alone:
            // SQLite enforces foreign keys only when the connection enables them.
            for q in [
                "DELETE FROM sessions WHERE user_id = $1",
                "DELETE FROM passkeys WHERE user_id = $1",
                "DELETE FROM memberships WHERE user_id = $1",
            ] {
                sqlx::query(q).bind(id).execute(&mut *tx).await.map_err(self.err())?;
            }
            let n = sqlx::query("DELETE FROM users WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(self.err())?
                .rows_affected();
            if n == 0 {
                return Err(StoreError::NotFound(format!("no user with id {id}")));
            }
            tx.commit().await.map_err(self.err())?;
            Ok(())
        })
    }

    async fn create_group(&self, name: &str, now: i64) -> StoreResult<bool> {
        check_groups(&[name.to_string()])?;
        let n = on_pool!(self, p => sqlx::query("INSERT INTO user_groups (name, created_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
            .bind(name)
            .bind(now)
            .execute(p)
            .await
            .map_err(self.err())?
            .rows_affected());
        Ok(n == 1)
    }

    async fn delete_group(&self, name: &str) -> StoreResult<()> {
        on_pool!(self, p => {
            let mut tx = begin_write!(self, p).map_err(self.err())?;
            sqlx::query("DELETE FROM memberships WHERE group_name = $1")
                .bind(name)
                .execute(&mut *tx)
                .await
                .map_err(self.err())?;
            let n = sqlx::query("DELETE FROM user_groups WHERE name = $1")
                .bind(name)
                .execute(&mut *tx)
                .await
                .map_err(self.err())?
                .rows_affected();
            if n == 0 {
                return Err(StoreError::NotFound(format!("no group named {name:?}")));
            }
            tx.commit().await.map_err(self.err())?;
            Ok(())
        })
    }

    async fn list_groups(&self) -> StoreResult<Vec<GroupInfo>> {
        let rows: Vec<(String, i64, i64)> = on_pool!(self, p => sqlx::query_as(
            "SELECT g.name, g.created_at, (SELECT COUNT(*) FROM memberships m WHERE m.group_name = g.name) \
             FROM user_groups g ORDER BY g.name",
        )
        .fetch_all(p)
        .await
        .map_err(self.err())?);
        Ok(rows
            .into_iter()
            .map(|(name, created_at, members)| GroupInfo {
                name,
                members,
                created_at,
            })
            .collect())
    }

    async fn add_member(&self, user_id: &str, group: &str, now: i64) -> StoreResult<bool> {
        check_groups(&[group.to_string()])?;
        on_pool!(self, p => {
            let mut tx = begin_write!(self, p).map_err(self.err())?;
            let exists: Option<String> = sqlx::query_scalar("SELECT id FROM users WHERE id = $1")
                .bind(user_id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(self.err())?;
            if exists.is_none() {
                return Err(StoreError::NotFound(format!("no user with id {user_id}")));
            }
            sqlx::query("INSERT INTO user_groups (name, created_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
                .bind(group)
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(self.err())?;
            let n = sqlx::query(
                "INSERT INTO memberships (user_id, group_name, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            )
            .bind(user_id)
            .bind(group)
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(self.err())?
            .rows_affected();
            tx.commit().await.map_err(self.err())?;
            Ok(n == 1)
        })
    }

    async fn remove_member(&self, user_id: &str, group: &str) -> StoreResult<bool> {
        let n = on_pool!(self, p => sqlx::query("DELETE FROM memberships WHERE user_id = $1 AND group_name = $2")
            .bind(user_id)
            .bind(group)
            .execute(p)
            .await
            .map_err(self.err())?
            .rows_affected());
        Ok(n > 0)
    }

    async fn user_groups(&self, user_id: &str) -> StoreResult<Vec<String>> {
        on_pool!(self, p => sqlx::query_scalar("SELECT group_name FROM memberships WHERE user_id = $1 ORDER BY group_name")
            .bind(user_id)
            .fetch_all(p)
            .await
            .map_err(self.err()))
    }

    async fn add_passkey(&self, pk: &PasskeyRecord) -> StoreResult<()> {
        on_pool!(self, p => sqlx::query(
            "INSERT INTO passkeys (credential_id, user_id, name, data, aaguid, backup_eligible, backup_state, sign_count, created_at, last_used_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(&pk.credential_id)
        .bind(&pk.user_id)
        .bind(&pk.name)
        .bind(&pk.data)
        .bind(&pk.aaguid)
        .bind(pk.backup_eligible)
        .bind(pk.backup_state)
        .bind(pk.sign_count)
        .bind(pk.created_at)
        .bind(pk.last_used_at)
        .execute(p)
        .await
        .map(|_| ())
        .map_err(self.err()))
    }

    async fn passkeys_for_user(&self, user_id: &str) -> StoreResult<Vec<PasskeyRecord>> {
        let q = sql(format!(
            "SELECT {PASSKEY_COLS} FROM passkeys WHERE user_id = $1 ORDER BY created_at, credential_id"
        ));
        let rows: Vec<PasskeyRow> = on_pool!(self, p => sqlx::query_as(q).bind(user_id).fetch_all(p).await.map_err(self.err())?);
        Ok(rows.into_iter().map(PasskeyRecord::from).collect())
    }

    async fn passkey_by_credential(
        &self,
        credential_id: &[u8],
    ) -> StoreResult<Option<PasskeyRecord>> {
        let q = sql(format!(
            "SELECT {PASSKEY_COLS} FROM passkeys WHERE credential_id = $1"
        ));
        let row: Option<PasskeyRow> = on_pool!(self, p => sqlx::query_as(q).bind(credential_id).fetch_optional(p).await.map_err(self.err())?);
        Ok(row.map(PasskeyRecord::from))
    }

    async fn record_passkey_use(
        &self,
        credential_id: &[u8],
        data: &str,
        sign_count: i64,
        backup_state: bool,
        now: i64,
    ) -> StoreResult<()> {
        let n = on_pool!(self, p => sqlx::query(
            "UPDATE passkeys SET data = $2, sign_count = $3, backup_state = $4, last_used_at = $5 WHERE credential_id = $1",
        )
        .bind(credential_id)
        .bind(data)
        .bind(sign_count)
        .bind(backup_state)
        .bind(now)
        .execute(p)
        .await
        .map_err(self.err())?
        .rows_affected());
        if n == 0 {
            return Err(StoreError::NotFound("no such passkey".into()));
        }
        Ok(())
    }

    async fn rename_passkey(
        &self,
        user_id: &str,
        credential_id: &[u8],
        name: &str,
    ) -> StoreResult<()> {
        let n = on_pool!(self, p => sqlx::query("UPDATE passkeys SET name = $3 WHERE user_id = $1 AND credential_id = $2")
            .bind(user_id)
            .bind(credential_id)
            .bind(name)
            .execute(p)
            .await
            .map_err(self.err())?
            .rows_affected());
        if n == 0 {
            return Err(StoreError::NotFound("no such passkey for this user".into()));
        }
        Ok(())
    }

    async fn delete_passkey(
        &self,
        user_id: &str,
        credential_id: &[u8],
    ) -> StoreResult<Vec<String>> {
        on_pool!(self, p => {
            let mut tx = begin_write!(self, p).map_err(self.err())?;
            let n = sqlx::query("DELETE FROM passkeys WHERE user_id = $1 AND credential_id = $2")
                .bind(user_id)
                .bind(credential_id)
                .execute(&mut *tx)
                .await
                .map_err(self.err())?
                .rows_affected();
            if n == 0 {
                return Err(StoreError::NotFound("no such passkey for this user".into()));
            }
            let ended: Vec<String> = sqlx::query_scalar("DELETE FROM sessions WHERE user_id = $1 AND credential_id = $2 RETURNING id")
                .bind(user_id)
                .bind(credential_id)
                .fetch_all(&mut *tx)
                .await
                .map_err(self.err())?;
            tx.commit().await.map_err(self.err())?;
            Ok(ended)
        })
    }

    async fn create_session(&self, s: &SessionRecord) -> StoreResult<()> {
        on_pool!(self, p => sqlx::query(
            "INSERT INTO sessions (id, token_hash, user_id, auth_method, created_at, last_seen_at, expires_at, idle_timeout, user_agent, ip, credential_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(&s.id)
        .bind(&s.token_hash)
        .bind(&s.user_id)
        .bind(&s.auth_method)
        .bind(s.created_at)
        .bind(s.last_seen_at)
        .bind(s.expires_at)
        .bind(s.idle_timeout)
        .bind(&s.user_agent)
        .bind(&s.ip)
        .bind(&s.credential_id)
        .execute(p)
        .await
        .map(|_| ())
        .map_err(self.err()))
    }

    async fn session_by_token_hash(&self, token_hash: &[u8]) -> StoreResult<Option<SessionRecord>> {
        let q = sql(format!(
            "SELECT {SESSION_COLS} FROM sessions WHERE token_hash = $1"
        ));
        let row: Option<SessionRow> = on_pool!(self, p => sqlx::query_as(q).bind(token_hash).fetch_optional(p).await.map_err(self.err())?);
        Ok(row.map(SessionRecord::from))
    }

    async fn get_session(&self, id: &str) -> StoreResult<Option<SessionRecord>> {
        let q = sql(format!("SELECT {SESSION_COLS} FROM sessions WHERE id = $1"));
        let row: Option<SessionRow> = on_pool!(self, p => sqlx::query_as(q).bind(id).fetch_optional(p).await.map_err(self.err())?);
        Ok(row.map(SessionRecord::from))
    }

    async fn touch_sessions(&self, seen: &[(String, i64)]) -> StoreResult<()> {
        if seen.is_empty() {
            return Ok(());
        }
        on_pool!(self, p => {
            let mut tx = begin_write!(self, p).map_err(self.err())?;
            for (id, at) in seen {
                sqlx::query("UPDATE sessions SET last_seen_at = $2 WHERE id = $1 AND last_seen_at < $2")
                    .bind(id)
                    .bind(at)
                    .execute(&mut *tx)
                    .await
                    .map_err(self.err())?;
            }
            tx.commit().await.map_err(self.err())
        })
    }

    async fn delete_session(&self, id: &str) -> StoreResult<bool> {
        let n = on_pool!(self, p => sqlx::query("DELETE FROM sessions WHERE id = $1")
            .bind(id)
            .execute(p)
            .await
            .map_err(self.err())?
            .rows_affected());
        Ok(n > 0)
    }

    async fn delete_user_sessions(&self, user_id: &str) -> StoreResult<Vec<String>> {
        on_pool!(self, p => sqlx::query_scalar("DELETE FROM sessions WHERE user_id = $1 RETURNING id")
            .bind(user_id)
            .fetch_all(p)
            .await
            .map_err(self.err()))
    }

    async fn list_sessions(&self, user_id: Option<&str>) -> StoreResult<Vec<SessionRecord>> {
        let q = sql(format!(
            "SELECT {SESSION_COLS} FROM sessions WHERE ($1 IS NULL OR user_id = $1) ORDER BY last_seen_at DESC, id"
        ));
        let rows: Vec<SessionRow> = on_pool!(self, p => sqlx::query_as(q).bind(user_id).fetch_all(p).await.map_err(self.err())?);
        Ok(rows.into_iter().map(SessionRecord::from).collect())
    }

    async fn count_sessions(&self, now: i64) -> StoreResult<u64> {
        let n: i64 = on_pool!(self, p => sqlx::query_scalar("SELECT COUNT(*) FROM sessions WHERE expires_at > $1 AND last_seen_at + idle_timeout > $1")
            .bind(now)
            .fetch_one(p)
            .await
            .map_err(self.err())?);
        Ok(n.max(0) as u64)
    }

    async fn purge_expired_sessions(&self, now: i64) -> StoreResult<u64> {
        on_pool!(self, p => sqlx::query("DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at + idle_timeout <= $1")
            .bind(now)
            .execute(p)
            .await
            .map(|r| r.rows_affected())
            .map_err(self.err()))
    }

    async fn create_invite(&self, invite: &Invite) -> StoreResult<()> {
        check_groups(&invite.groups)?;
        on_pool!(self, p => sqlx::query(
            "INSERT INTO invites (id, token_hash, email, email_norm, groups, created_by, created_at, expires_at, used_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&invite.id)
        .bind(&invite.token_hash)
        .bind(invite.email.trim())
        .bind(normalise_email(&invite.email))
        .bind(invite.groups.join(","))
        .bind(&invite.created_by)
        .bind(invite.created_at)
        .bind(invite.expires_at)
        .bind(invite.used_at)
        .execute(p)
        .await
        .map(|_| ())
        .map_err(self.err()))
    }

    async fn take_invite(&self, token_hash: &[u8], now: i64) -> StoreResult<Option<Invite>> {
        let q = sql(format!(
            "UPDATE invites SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2 RETURNING {INVITE_COLS}"
        ));
        let row: Option<InviteRow> = on_pool!(self, p => sqlx::query_as(q).bind(token_hash).bind(now).fetch_optional(p).await.map_err(self.err())?);
        Ok(row.map(Invite::from))
    }

    async fn find_invite(&self, token_hash: &[u8]) -> StoreResult<Option<Invite>> {
        let q = sql(format!(
            "SELECT {INVITE_COLS} FROM invites WHERE token_hash = $1"
        ));
        let row: Option<InviteRow> = on_pool!(self, p => sqlx::query_as(q).bind(token_hash).fetch_optional(p).await.map_err(self.err())?);
        Ok(row.map(Invite::from))
    }

    async fn pending_invite_for(&self, email: &str, now: i64) -> StoreResult<Option<Invite>> {
        let q = sql(format!(
            "SELECT {INVITE_COLS} FROM invites WHERE email_norm = $1 AND used_at IS NULL AND expires_at > $2 ORDER BY created_at DESC LIMIT 1"
        ));
        let row: Option<InviteRow> = on_pool!(self, p => sqlx::query_as(q).bind(normalise_email(email)).bind(now).fetch_optional(p).await.map_err(self.err())?);
        Ok(row.map(Invite::from))
    }

    async fn list_invites(&self) -> StoreResult<Vec<Invite>> {
        let q = sql(format!(
            "SELECT {INVITE_COLS} FROM invites ORDER BY created_at DESC, id"
        ));
        let rows: Vec<InviteRow> =
            on_pool!(self, p => sqlx::query_as(q).fetch_all(p).await.map_err(self.err())?);
        Ok(rows.into_iter().map(Invite::from).collect())
    }

    async fn append_audit(&self, e: &NewAuditEvent) -> StoreResult<i64> {
        on_pool!(self, p => sqlx::query_scalar(
            "INSERT INTO audit_events (at, kind, success, user_id, email, ip, user_agent, detail) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(e.at)
        .bind(&e.kind)
        .bind(e.success)
        .bind(&e.user_id)
        .bind(&e.email)
        .bind(&e.ip)
        .bind(&e.user_agent)
        .bind(&e.detail)
        .fetch_one(p)
        .await
        .map_err(self.err()))
    }

    async fn list_audit(&self, f: &AuditFilter) -> StoreResult<Vec<AuditEvent>> {
        let limit = if f.limit <= 0 { 100 } else { f.limit };
        let kind = f.kind_prefix.as_ref().map(|k| format!("{k}%"));
        let rows: Vec<AuditRow> = on_pool!(self, p => sqlx::query_as(
            "SELECT id, at, kind, success, user_id, email, ip, user_agent, detail FROM audit_events \
             WHERE ($1 IS NULL OR user_id = $1) AND ($2 IS NULL OR at >= $2) AND ($3 IS NULL OR kind LIKE $3) \
             ORDER BY id DESC LIMIT $4",
        )
        .bind(&f.user_id)
        .bind(f.since)
        .bind(&kind)
        .bind(limit)
        .fetch_all(p)
        .await
        .map_err(self.err())?);
        Ok(rows.into_iter().map(AuditEvent::from).collect())
    }

    async fn purge_audit(&self, before: i64) -> StoreResult<u64> {
        on_pool!(self, p => sqlx::query("DELETE FROM audit_events WHERE at < $1")
            .bind(before)
            .execute(p)
            .await
            .map(|r| r.rows_affected())
            .map_err(self.err()))
    }

    async fn append_revocation(&self, message: &str, at: i64) -> StoreResult<i64> {
        on_pool!(self, p => sqlx::query_scalar("INSERT INTO revocations (at, message) VALUES ($1, $2) RETURNING id")
            .bind(at)
            .bind(message)
            .fetch_one(p)
            .await
            .map_err(self.err()))
    }

    async fn revocations_after(&self, after: i64, limit: i64) -> StoreResult<Vec<(i64, String)>> {
        on_pool!(self, p => sqlx::query_as("SELECT id, message FROM revocations WHERE id > $1 ORDER BY id LIMIT $2")
            .bind(after)
            .bind(limit)
            .fetch_all(p)
            .await
            .map_err(self.err()))
    }

    async fn latest_revocation_id(&self) -> StoreResult<i64> {
        on_pool!(self, p => sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM revocations")
            .fetch_one(p)
            .await
            .map_err(self.err()))
    }

    async fn purge_revocations(&self, before: i64) -> StoreResult<u64> {
        on_pool!(self, p => sqlx::query("DELETE FROM revocations WHERE at < $1")
            .bind(before)
            .execute(p)
            .await
            .map(|r| r.rows_affected())
            .map_err(self.err()))
    }

    async fn signing_keys(&self) -> StoreResult<Vec<SigningKeyRecord>> {
        let rows: Vec<KeyRow> = on_pool!(self, p => sqlx::query_as(
            "SELECT kid, algorithm, private_pem, created_at, retired_at FROM signing_keys ORDER BY created_at DESC, kid DESC",
        )
        .fetch_all(p)
        .await
        .map_err(self.err())?);
        Ok(rows.into_iter().map(SigningKeyRecord::from).collect())
    }

    async fn rotate_signing_key(&self, key: &SigningKeyRecord, now: i64) -> StoreResult<()> {
        on_pool!(self, p => {
            let mut tx = begin_write!(self, p).map_err(self.err())?;
            sqlx::query("UPDATE signing_keys SET retired_at = $1 WHERE retired_at IS NULL")
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(self.err())?;
            sqlx::query("INSERT INTO signing_keys (kid, algorithm, private_pem, created_at, retired_at) VALUES ($1, $2, $3, $4, NULL)")
                .bind(&key.kid)
                .bind(&key.algorithm)
                .bind(&key.private_pem)
                .bind(key.created_at)
                .execute(&mut *tx)
                .await
                .map_err(self.err())?;
            tx.commit().await.map_err(self.err())
        })
    }

    async fn insert_first_signing_key(&self, key: &SigningKeyRecord) -> StoreResult<bool> {
        on_pool!(self, p => {
            let mut tx = begin_write!(self, p).map_err(self.err())?;
            // Replicas starting together must not each create a first key:
            // SQLite's BEGIN IMMEDIATE already serialises; PostgreSQL locks.
            if self.name() == "postgres" {
                sqlx::query("LOCK TABLE signing_keys IN SHARE ROW EXCLUSIVE MODE")
                    .execute(&mut *tx)
                    .await
                    .map_err(self.err())?;
            }
            let active: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM signing_keys WHERE retired_at IS NULL")
                .fetch_one(&mut *tx)
                .await
                .map_err(self.err())?;
            if active > 0 {
                return Ok(false);
            }
            sqlx::query("INSERT INTO signing_keys (kid, algorithm, private_pem, created_at, retired_at) VALUES ($1, $2, $3, $4, NULL)")
                .bind(&key.kid)
                .bind(&key.algorithm)
                .bind(&key.private_pem)
                .bind(key.created_at)
                .execute(&mut *tx)
                .await
                .map_err(self.err())?;
            tx.commit().await.map_err(self.err())?;
            Ok(true)
        })
    }

    async fn delete_signing_keys_retired_before(&self, before: i64) -> StoreResult<u64> {
        on_pool!(self, p => sqlx::query("DELETE FROM signing_keys WHERE retired_at IS NOT NULL AND retired_at < $1")
            .bind(before)
            .execute(p)
            .await
            .map(|r| r.rows_affected())
            .map_err(self.err()))
    }
}
