//! The one SQL implementation of [`Store`], shared by SQLite and PostgreSQL.
//!
//! Both backends accept the same statements (`$n` placeholders, `RETURNING`,
//! `ON CONFLICT`), so each method is written once and run on whichever pool
//! is open; only the schema files under `migrations/` differ. Write
//! transactions on SQLite start with `BEGIN IMMEDIATE` so two writers queue on
//! the busy timeout instead of failing with "database is locked".
//!
//! This file: the pool, the row types and the helpers; each capability's
//! methods are in `sql/` (users, passkeys, sessions, invites, audit, keys, tokens).

use async_trait::async_trait;
use sqlx::{PgPool, SqlitePool};

use super::{
    AdminRisk, AuditEvent, AuditFilter, DayCount, GroupInfo, Invite, NewAuditEvent, NewUser,
    PasskeyRecord, SessionRecord, SigningKeyRecord, Store, StoreError, StoreResult, User,
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

// After the macros, which the files below use.
mod audit;
mod grants;
mod invites;
mod keys;
mod passkeys;
mod sessions;
mod tokens;
mod users;

impl SqlStore {
    /// Run `statement` (`$1` an id, `$2` a time) once for each pair, in
    /// one write transaction: the write-behind of `last_seen_at` and
    /// `last_used_at`.
    async fn write_times(
        &self,
        statement: &'static str,
        pairs: &[(String, i64)],
    ) -> StoreResult<()> {
        if pairs.is_empty() {
            return Ok(());
        }
        on_pool!(self, p => {
            let mut tx = begin_write!(self, p).map_err(self.err())?;
            for (id, at) in pairs {
                sqlx::query(statement)
                    .bind(id)
                    .bind(at)
                    .execute(&mut *tx)
                    .await
                    .map_err(self.err())?;
            }
            tx.commit().await.map_err(self.err())
        })
    }
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
    actor: Option<String>,
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
                actor: r.actor,
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
}
