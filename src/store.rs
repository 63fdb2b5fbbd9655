//! Storage: the durable store (users, groups, passkeys, sessions, invites,
//! audit events, signing keys) and the ephemeral store (ceremony state, email
//! tokens, rate-limit counters, the cross-replica revocation channel).
//!
//! Each is one trait with two backends: SQLite or PostgreSQL for
//! [`Store`] (`sql.rs` holds the one SQL implementation both share; the
//! backend files hold what differs: connecting and migrations), in-process or
//! Redis for [`ephemeral::Ephemeral`]. All times are Unix seconds passed in by
//! the caller, so expiry is testable with a manual clock. Both traits are run
//! through the same conformance tests (`tests/it/store_conformance.rs`).

pub mod breaker;
pub mod ephemeral;
pub mod postgres;
pub mod sql;
pub mod sqlite;

use std::sync::Arc;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

pub use ephemeral::{Broadcast, Ephemeral};

/// What went wrong in a store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A uniqueness rule was broken (duplicate email, credential id, …).
    #[error("{0}")]
    Conflict(String),
    /// The thing to change does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The change would leave no enabled member of `admins`
    /// ([`Users::change_keeping_an_admin`]); nothing changed.
    #[error("no enabled administrator would be left")]
    LastAdmin,
    /// The backend cannot be reached (network, pool exhausted, server down).
    #[error("the {backend} store is unavailable: {detail}")]
    Unavailable {
        backend: &'static str,
        detail: String,
    },
    /// Anything else the backend reported.
    #[error("{backend} error: {detail}")]
    Backend {
        backend: &'static str,
        detail: String,
    },
    /// Stored data could not be decoded.
    #[error("stored data could not be read: {0}")]
    Corrupt(String),
}

impl StoreError {
    pub fn is_unavailable(&self) -> bool {
        matches!(self, StoreError::Unavailable { .. })
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// A person who can sign in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// Stable id (UUID); the `sub` of assertions and the WebAuthn user handle.
    pub id: String,
    pub email: String,
    pub username: Option<String>,
    pub display_name: String,
    pub disabled: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

impl User {
    /// What `Remote-User` carries: the username, else the email address.
    pub fn login_name(&self) -> &str {
        self.username.as_deref().unwrap_or(&self.email)
    }
}

/// A user to create, with the groups to join in the same transaction.
#[derive(Debug, Clone, Default)]
pub struct NewUser {
    pub email: String,
    pub username: Option<String>,
    pub display_name: String,
    pub groups: Vec<String>,
}

/// A registered passkey.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasskeyRecord {
    pub credential_id: Vec<u8>,
    pub user_id: String,
    pub name: String,
    /// The serialised webauthn-rs `Passkey`.
    pub data: String,
    pub aaguid: Option<String>,
    pub backup_eligible: bool,
    pub backup_state: bool,
    pub sign_count: i64,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

/// A session as stored: only the SHA-256 of the cookie token is kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionRecord {
    /// Public id (the `sid` claim, shown on the account page); not the token.
    pub id: String,
    pub token_hash: Vec<u8>,
    pub user_id: String,
    /// "webauthn" or "email".
    pub auth_method: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    /// Absolute expiry.
    pub expires_at: i64,
    /// Idle timeout in seconds, fixed when the session started.
    pub idle_timeout: i64,
    pub user_agent: String,
    pub ip: String,
    /// The passkey the session was started with (None for email sign-in).
    pub credential_id: Option<Vec<u8>>,
}

impl SessionRecord {
    /// Is this session still good at `now`?
    pub fn is_live(&self, now: i64) -> bool {
        now < self.expires_at && now < self.last_seen_at.saturating_add(self.idle_timeout)
    }
}

/// A service account: what a CI job or script signs in as with a token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceAccount {
    /// Stable id (`svc-…`); the `sub` of its assertions.
    pub id: String,
    /// `Remote-User`; unique.
    pub name: String,
    /// Sorted.
    pub groups: Vec<String>,
    pub disabled: bool,
    pub created_at: i64,
}

/// One of a service account's tokens: only its SHA-256 is kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceToken {
    /// Public id (the `sid` claim of its assertions); not the token.
    pub id: String,
    pub account_id: String,
    pub token_hash: Vec<u8>,
    pub created_at: i64,
    /// None: until revoked.
    pub expires_at: Option<i64>,
    pub last_used_at: Option<i64>,
}

impl ServiceToken {
    pub fn is_live(&self, now: i64) -> bool {
        self.expires_at.is_none_or(|at| now < at)
    }
}

/// An invitation to sign up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invite {
    pub id: String,
    pub token_hash: Vec<u8>,
    pub email: String,
    pub groups: Vec<String>,
    pub created_by: Option<String>,
    pub created_at: i64,
    pub expires_at: i64,
    pub used_at: Option<i64>,
}

/// An audit event to record.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewAuditEvent {
    pub at: i64,
    /// Dotted kind, e.g. "signin.passkey", "signin.failed", "admin.user.disable".
    pub kind: String,
    pub success: bool,
    pub user_id: Option<String>,
    pub email: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// Free text or JSON with the specifics (never secrets).
    pub detail: String,
    /// Who acted, when it is not the person the event is about (the
    /// admin's address).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
}

/// A recorded audit event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEvent {
    pub id: i64,
    #[serde(flatten)]
    pub event: NewAuditEvent,
}

/// Which audit events to list, newest first.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Events of this user; with `email`, events of this user, naming
    /// that address, or done by it (so a deleted person's, invitations and
    /// an admin's actions show too).
    pub user_id: Option<String>,
    pub email: Option<String>,
    pub since: Option<i64>,
    pub kind_prefix: Option<String>,
    pub limit: i64,
}

/// A signing key for identity assertions.
#[derive(Clone, PartialEq, Eq)]
pub struct SigningKeyRecord {
    pub kid: String,
    pub algorithm: String,
    /// PKCS#8 PEM.
    pub private_pem: String,
    pub created_at: i64,
    /// Set when a newer key took over; kept (and published) for overlap.
    pub retired_at: Option<i64>,
}

impl std::fmt::Debug for SigningKeyRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKeyRecord")
            .field("kid", &self.kid)
            .field("algorithm", &self.algorithm)
            .field("private_pem", &"[redacted]")
            .field("created_at", &self.created_at)
            .field("retired_at", &self.retired_at)
            .finish()
    }
}

/// A group and how many members it has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupInfo {
    pub name: String,
    pub members: i64,
    pub created_at: i64,
}

/// The durable store: every capability, on one backend. Every method is
/// one transaction. Code holding the whole store (`SharedStore`) calls any
/// method; code that needs one capability can take just its trait
/// (`&dyn Sessions`), and a new backend implements them one by one.
#[async_trait]
pub trait Store:
    Users + Passkeys + Sessions + Invites + Audit + Keys + Tokens + Grants + Send + Sync + 'static
{
    /// "sqlite" or "postgres".
    fn backend(&self) -> &'static str;
    async fn ping(&self) -> StoreResult<()>;
}

/// Users and groups: accounts, their state, and memberships.
#[async_trait]
pub trait Users: Send + Sync {
    // Users
    /// Create a user and their memberships (groups are created as needed).
    /// Conflict when the address (case-insensitively) or username is taken.
    async fn create_user(&self, new: &NewUser, now: i64) -> StoreResult<User>;
    async fn get_user(&self, id: &str) -> StoreResult<Option<User>>;
    async fn find_user_by_email(&self, email: &str) -> StoreResult<Option<User>>;
    async fn list_users(&self) -> StoreResult<Vec<User>>;
    /// Enable or disable; disabling also deletes the user's sessions.
    /// Returns the ids of the deleted sessions; NotFound for an unknown user.
    async fn set_user_disabled(
        &self,
        id: &str,
        disabled: bool,
        now: i64,
    ) -> StoreResult<Vec<String>>;
    async fn update_user(
        &self,
        id: &str,
        display_name: &str,
        username: Option<&str>,
        now: i64,
    ) -> StoreResult<()>;
    /// Delete a user with their passkeys, sessions and memberships.
    async fn delete_user(&self, id: &str) -> StoreResult<()>;
    // Groups
    /// False when it already existed.
    async fn create_group(&self, name: &str, now: i64) -> StoreResult<bool>;
    /// NotFound when it does not exist.
    async fn delete_group(&self, name: &str) -> StoreResult<()>;
    async fn list_groups(&self) -> StoreResult<Vec<GroupInfo>>;
    /// Add to a group (created as needed). False when already a member.
    async fn add_member(&self, user_id: &str, group: &str, now: i64) -> StoreResult<bool>;
    /// False when not a member.
    async fn remove_member(&self, user_id: &str, group: &str) -> StoreResult<bool>;
    /// Sorted group names.
    async fn user_groups(&self, user_id: &str) -> StoreResult<Vec<String>>;
    /// A group's members, by address (none for an unknown group).
    async fn group_members(&self, group: &str) -> StoreResult<Vec<User>>;
    /// Rename a group, with its memberships, the pending invitations and
    /// the service accounts that name it, in one transaction. Returns the
    /// ids of the service accounts changed. NotFound when `from` does not
    /// exist; Conflict when `to` does.
    async fn rename_group(&self, from: &str, to: &str) -> StoreResult<Vec<String>>;
    /// Disable, delete or take out of `admins`, in one transaction that is
    /// refused with [`StoreError::LastAdmin`] when no enabled member of
    /// `admins` would be left. Two admins removing each other at once
    /// cannot both succeed: such changes queue on one lock. Returns the ids
    /// of the sessions it ended.
    async fn change_keeping_an_admin(
        &self,
        user_id: &str,
        change: AdminRisk,
        now: i64,
    ) -> StoreResult<Vec<String>>;
}

/// A change that could leave nobody able to administer
/// ([`Users::change_keeping_an_admin`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdminRisk {
    Disable,
    Delete,
    LeaveAdmins,
}

/// Passkeys: the credentials users sign in with.
#[async_trait]
pub trait Passkeys: Send + Sync {
    async fn add_passkey(&self, pk: &PasskeyRecord) -> StoreResult<()>;
    async fn passkeys_for_user(&self, user_id: &str) -> StoreResult<Vec<PasskeyRecord>>;
    async fn passkey_by_credential(
        &self,
        credential_id: &[u8],
    ) -> StoreResult<Option<PasskeyRecord>>;
    /// After a successful sign-in: new serialised state, counter, backup flag.
    async fn record_passkey_use(
        &self,
        credential_id: &[u8],
        data: &str,
        sign_count: i64,
        backup_state: bool,
        now: i64,
    ) -> StoreResult<()>;
    async fn rename_passkey(
        &self,
        user_id: &str,
        credential_id: &[u8],
        name: &str,
    ) -> StoreResult<()>;
    /// Delete a passkey and end the sessions started with it, in one
    /// transaction; returns the ended sessions' ids.
    async fn delete_passkey(&self, user_id: &str, credential_id: &[u8])
    -> StoreResult<Vec<String>>;
}

/// Sessions, and the durable log of revocations that carries them to every replica.
#[async_trait]
pub trait Sessions: Send + Sync {
    // Sessions
    async fn create_session(&self, s: &SessionRecord) -> StoreResult<()>;
    async fn session_by_token_hash(&self, token_hash: &[u8]) -> StoreResult<Option<SessionRecord>>;
    async fn get_session(&self, id: &str) -> StoreResult<Option<SessionRecord>>;
    /// Write-behind of `last_seen_at` for many sessions at once; a value
    /// older than the stored one is ignored.
    async fn touch_sessions(&self, seen: &[(String, i64)]) -> StoreResult<()>;
    /// False when it did not exist.
    async fn delete_session(&self, id: &str) -> StoreResult<bool>;
    /// Returns the deleted ids.
    async fn delete_user_sessions(&self, user_id: &str) -> StoreResult<Vec<String>>;
    async fn list_sessions(&self, user_id: Option<&str>) -> StoreResult<Vec<SessionRecord>>;
    /// Live sessions (not past either expiry) at `now`.
    async fn count_sessions(&self, now: i64) -> StoreResult<u64>;
    /// Delete sessions past their absolute or idle expiry; returns how many.
    async fn purge_expired_sessions(&self, now: i64) -> StoreResult<u64>;
    // Revocation log
    /// Record a revocation (JSON of a `Broadcast`); returns its id.
    async fn append_revocation(&self, message: &str, at: i64) -> StoreResult<i64>;
    /// Revocations with an id above `after`, oldest first.
    async fn revocations_after(&self, after: i64, limit: i64) -> StoreResult<Vec<(i64, String)>>;
    /// The newest revocation id (0 when there is none).
    async fn latest_revocation_id(&self) -> StoreResult<i64>;
    async fn purge_revocations(&self, before: i64) -> StoreResult<u64>;
}

/// Invitations.
#[async_trait]
pub trait Invites: Send + Sync {
    async fn create_invite(&self, invite: &Invite) -> StoreResult<()>;
    /// Mark the invite used and return it, if it exists, is unused and not
    /// expired. Exactly one caller wins a race.
    async fn take_invite(&self, token_hash: &[u8], now: i64) -> StoreResult<Option<Invite>>;
    /// An invitation by its token hash (used or not).
    async fn find_invite(&self, token_hash: &[u8]) -> StoreResult<Option<Invite>>;
    /// Unused, unexpired invite for this address, newest first.
    async fn pending_invite_for(&self, email: &str, now: i64) -> StoreResult<Option<Invite>>;
    async fn list_invites(&self) -> StoreResult<Vec<Invite>>;
    /// Delete an invitation (revoked); false when it did not exist.
    async fn delete_invite(&self, id: &str) -> StoreResult<bool>;
    /// Put `invite` in the place of the unused invitation `old_id` (sent
    /// again with a new link), in one transaction; false, and nothing
    /// changed, when there is no such unused invitation.
    async fn replace_invite(&self, old_id: &str, invite: &Invite) -> StoreResult<bool>;
}

/// The audit log.
#[async_trait]
pub trait Audit: Send + Sync {
    async fn append_audit(&self, e: &NewAuditEvent) -> StoreResult<i64>;
    async fn list_audit(&self, f: &AuditFilter) -> StoreResult<Vec<AuditEvent>>;
    async fn purge_audit(&self, before: i64) -> StoreResult<u64>;
    /// How many events of each kind and outcome happened on each UTC day
    /// from `since`, for kinds starting with one of `prefixes`.
    async fn audit_by_day(&self, since: i64, prefixes: &[&str]) -> StoreResult<Vec<DayCount>>;
}

/// Events of one kind and outcome on one UTC day ([`Audit::audit_by_day`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayCount {
    /// Days since 1970-01-01.
    pub day: i64,
    pub kind: String,
    pub success: bool,
    pub count: i64,
}

/// Service accounts and their tokens.
#[async_trait]
pub trait Tokens: Send + Sync {
    /// Create an account with its first token. Conflict when the name is
    /// taken.
    async fn create_service_account(
        &self,
        account: &ServiceAccount,
        token: &ServiceToken,
    ) -> StoreResult<()>;
    async fn service_account(&self, name: &str) -> StoreResult<Option<ServiceAccount>>;
    /// Every account with its tokens (expired ones included), by name.
    async fn list_service_accounts(&self) -> StoreResult<Vec<(ServiceAccount, Vec<ServiceToken>)>>;
    /// The token with this hash and its account.
    async fn service_token_by_hash(
        &self,
        token_hash: &[u8],
    ) -> StoreResult<Option<(ServiceToken, ServiceAccount)>>;
    /// Add a token to an account and make its other tokens end by
    /// `others_end` at the latest, in one transaction (a rotation).
    async fn rotate_service_token(&self, token: &ServiceToken, others_end: i64) -> StoreResult<()>;
    /// Delete all of an account's tokens; returns how many.
    async fn revoke_service_tokens(&self, account_id: &str) -> StoreResult<u64>;
    /// NotFound for an unknown account.
    async fn set_service_account_disabled(
        &self,
        account_id: &str,
        disabled: bool,
    ) -> StoreResult<()>;
    /// Write-behind of `last_used_at`; an older value is ignored.
    async fn touch_service_tokens(&self, used: &[(String, i64)]) -> StoreResult<()>;
}

/// What one sign-in gave one OpenID Connect client (`oidc.rs`). A grant
/// lives no longer than the session it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub id: String,
    pub client_id: String,
    pub user_id: String,
    pub session_id: String,
    /// Granted scopes, space-separated.
    pub scope: String,
    pub auth_time: i64,
    pub amr: String,
    pub created_at: i64,
    pub last_used_at: i64,
}

/// What spending a refresh token found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefreshUse {
    /// It was current: the new token replaces it.
    Rotated(Grant),
    /// It had been used before (a copy): its grant is deleted.
    Reused(Grant),
    Unknown,
}

/// A client's grants, for `passgate oidc clients`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientUse {
    pub client_id: String,
    pub grants: i64,
    pub users: i64,
    pub last_used_at: i64,
}

/// OpenID Connect grants and refresh tokens.
#[async_trait]
pub trait Grants: Send + Sync {
    /// Store a grant with its first refresh token, if any. NotFound when
    /// its session has ended.
    async fn create_grant(&self, g: &Grant, refresh_hash: Option<&[u8]>) -> StoreResult<()>;
    async fn grant(&self, id: &str) -> StoreResult<Option<Grant>>;
    /// Spend the refresh token `old_hash` for `new_hash`, atomically: a
    /// token spent before deletes its grant (reuse means a copy).
    async fn rotate_refresh_token(
        &self,
        old_hash: &[u8],
        new_hash: &[u8],
        now: i64,
    ) -> StoreResult<RefreshUse>;
    /// The grant a refresh token (spent or not) belongs to.
    async fn grant_by_refresh_token(&self, token_hash: &[u8]) -> StoreResult<Option<Grant>>;
    /// Whether it existed.
    async fn delete_grant(&self, id: &str) -> StoreResult<bool>;
    /// Hand the grants of session `from` to session `to` of the same user
    /// (a new sign-in that replaces the browser's session: the apps keep
    /// what they were given); returns how many.
    async fn move_grants(&self, from: &str, to: &str) -> StoreResult<u64>;
    /// Live grants per client.
    async fn grant_use(&self) -> StoreResult<Vec<ClientUse>>;
    /// Forget refresh tokens spent before `before` (their reuse is then
    /// only an unknown token).
    async fn purge_used_refresh_tokens(&self, before: i64) -> StoreResult<u64>;
}

/// The keys that sign identity assertions.
#[async_trait]
pub trait Keys: Send + Sync {
    async fn signing_keys(&self) -> StoreResult<Vec<SigningKeyRecord>>;
    /// Insert `key` as the current key and retire the others of its
    /// algorithm, atomically.
    async fn rotate_signing_key(&self, key: &SigningKeyRecord, now: i64) -> StoreResult<()>;
    /// Insert `key` only if there is no unretired key of its algorithm;
    /// returns whether it was.
    async fn insert_first_signing_key(&self, key: &SigningKeyRecord) -> StoreResult<bool>;
    async fn delete_signing_keys_retired_before(&self, before: i64) -> StoreResult<u64>;
}

pub type SharedStore = Arc<dyn Store>;

/// Open the durable store named by `url`, creating a SQLite file if missing,
/// and apply migrations.
pub async fn open(url: &crate::secret::Secret) -> StoreResult<SharedStore> {
    let u = url.expose();
    if u.starts_with("sqlite:") {
        Ok(Arc::new(sqlite::open(u).await?))
    } else {
        Ok(Arc::new(postgres::open(u).await?))
    }
}
