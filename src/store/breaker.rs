//! Circuit breakers for the stores (the database, and Redis when used): an
//! outage is noticed once (the first call that fails as unavailable, after
//! the pool's or client's own timeout) and then answered at once, without
//! waiting on the store again, until a probe finds it back.
//!
//! While the breaker is open every call fails with `StoreError::Unavailable`
//! in microseconds: cached sessions are served from the cache (see
//! `session.rs`), uncached requests and new sign-ins get their 503 page
//! straight away. One log line when it opens, one when it closes; the
//! `passgate_store_breaker_open` gauge says which state it is in.
//!
//! [`GuardedStore`] wraps the durable store with a breaker, and
//! [`GuardedEphemeral`] Redis with one of its own; the server's stores are
//! both (the admin CLI talks to the stores directly: it runs once and says
//! what failed).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use tokio::sync::broadcast;

use super::ephemeral::{Broadcast, Counter, Ephemeral, SharedEphemeral};
use super::{
    AdminRisk, Audit, AuditEvent, AuditFilter, ClientUse, DayCount, Grant, Grants, GroupInfo,
    Invite, Invites, Keys, NewAuditEvent, NewUser, PasskeyRecord, Passkeys, RefreshUse,
    ServiceAccount, ServiceToken, SessionRecord, Sessions, SharedStore, SigningKeyRecord, Store,
    StoreError, StoreResult, Tokens, User, Users,
};

/// How often an open breaker asks the store whether it is back, and how
/// long it waits for the answer.
const PROBE_EVERY: Duration = Duration::from_millis(500);
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// Open (the store is down) or closed.
#[derive(Debug)]
pub struct Breaker {
    name: &'static str,
    open: AtomicBool,
    /// Wakes the probe when the breaker opens: one failed call (a broken
    /// connection, say) then closes it again after one answered ping.
    opened: tokio::sync::Notify,
}

impl Breaker {
    pub fn new(name: &'static str) -> Arc<Self> {
        crate::metrics::set_breaker(name, false);
        Arc::new(Self {
            name,
            open: AtomicBool::new(false),
            opened: tokio::sync::Notify::new(),
        })
    }

    pub fn is_open(&self) -> bool {
        self.open.load(Ordering::Relaxed)
    }

    /// What a call gets while the breaker is open.
    pub fn refusal(&self) -> StoreError {
        StoreError::Unavailable {
            backend: self.name,
            detail: "down (answering without it until a probe finds it back)".into(),
        }
    }

    /// A call found the store unavailable.
    pub fn trip(&self, e: &StoreError) {
        if !self.open.swap(true, Ordering::AcqRel) {
            crate::metrics::set_breaker(self.name, true);
            tracing::error!(store = self.name, error = %e, "store unavailable: answering without it until it is back");
            self.opened.notify_one();
        }
    }

    /// A probe found the store back.
    pub fn close(&self) {
        if self.open.swap(false, Ordering::AcqRel) {
            crate::metrics::set_breaker(self.name, false);
            tracing::info!(store = self.name, "store is back");
        }
    }
}

/// A store whose calls go through a [`Breaker`].
pub struct GuardedStore {
    inner: SharedStore,
    breaker: Arc<Breaker>,
}

impl GuardedStore {
    /// Wrap `inner`; the probe runs until `stop` is cancelled.
    pub fn wrap(inner: SharedStore, stop: tokio_util::sync::CancellationToken) -> SharedStore {
        let breaker = Breaker::new("database");
        let store = inner.clone();
        let ping = move || {
            let store = store.clone();
            async move { store.ping().await }
        };
        tokio::spawn(probe(ping, breaker.clone(), stop));
        Arc::new(GuardedStore { inner, breaker })
    }
}

/// Ask an open breaker's store whether it is back.
async fn probe<F, P>(ping: F, breaker: Arc<Breaker>, stop: tokio_util::sync::CancellationToken)
where
    F: Fn() -> P,
    P: Future<Output = StoreResult<()>>,
{
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = breaker.opened.notified() => {}
            _ = tokio::time::sleep(PROBE_EVERY) => {}
        }
        if breaker.is_open()
            && matches!(
                tokio::time::timeout(PROBE_TIMEOUT, ping()).await,
                Ok(Ok(()))
            )
        {
            breaker.close();
        }
    }
}

/// Short-lived shared state on Redis, whose calls go through a [`Breaker`]
/// of its own (a frozen Redis made each call wait for the client's 2 s
/// response timeout). The in-process backend has nothing to break.
pub struct GuardedEphemeral {
    inner: SharedEphemeral,
    breaker: Arc<Breaker>,
}

impl GuardedEphemeral {
    /// Wrap `inner`; `down` is why it could not be reached at start-up
    /// (the breaker then starts open).
    pub fn wrap(
        inner: SharedEphemeral,
        down: Option<&StoreError>,
        stop: tokio_util::sync::CancellationToken,
    ) -> SharedEphemeral {
        if inner.backend() != "redis" {
            return inner;
        }
        let breaker = Breaker::new("ephemeral");
        if let Some(e) = down {
            breaker.trip(e);
        }
        let eph = inner.clone();
        let ping = move || {
            let eph = eph.clone();
            async move { eph.ping().await }
        };
        tokio::spawn(probe(ping, breaker.clone(), stop));
        Arc::new(GuardedEphemeral { inner, breaker })
    }
}

/// How long one call may take before the store counts as down. A frozen
/// server (stopped, or a network that drops packets without resetting)
/// keeps an open connection open, and a query on it has no timeout of its
/// own: without this the first call would wait for ever and the breaker
/// would never open.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(5);

/// Forward one call through the breaker.
macro_rules! guarded {
    ($self:ident . $method:ident ( $($arg:expr),* )) => {{
        if $self.breaker.is_open() {
            return Err($self.breaker.refusal());
        }
        let r = match tokio::time::timeout(CALL_TIMEOUT, $self.inner.$method($($arg),*)).await {
            Ok(r) => r,
            Err(_) => Err(StoreError::Unavailable {
                backend: $self.breaker.name,
                detail: format!("no answer within {} s", CALL_TIMEOUT.as_secs()),
            }),
        };
        if let Err(e) = &r
            && e.is_unavailable()
        {
            $self.breaker.trip(e);
        }
        r
    }};
}

#[async_trait]
impl Store for GuardedStore {
    fn backend(&self) -> &'static str {
        self.inner.backend()
    }

    /// Not through the breaker: readiness reports the store itself.
    async fn ping(&self) -> StoreResult<()> {
        self.inner.ping().await
    }
}

#[async_trait]
impl Users for GuardedStore {
    async fn create_user(&self, new: &NewUser, now: i64) -> StoreResult<User> {
        guarded!(self.create_user(new, now))
    }
    async fn get_user(&self, id: &str) -> StoreResult<Option<User>> {
        guarded!(self.get_user(id))
    }
    async fn find_user_by_email(&self, email: &str) -> StoreResult<Option<User>> {
        guarded!(self.find_user_by_email(email))
    }
    async fn list_users(&self) -> StoreResult<Vec<User>> {
        guarded!(self.list_users())
    }
    async fn set_user_disabled(
        &self,
        id: &str,
        disabled: bool,
        now: i64,
    ) -> StoreResult<Vec<String>> {
        guarded!(self.set_user_disabled(id, disabled, now))
    }
    async fn update_user(
        &self,
        id: &str,
        display_name: &str,
        username: Option<&str>,
        now: i64,
    ) -> StoreResult<()> {
        guarded!(self.update_user(id, display_name, username, now))
    }
    async fn delete_user(&self, id: &str) -> StoreResult<()> {
        guarded!(self.delete_user(id))
    }
    async fn create_group(&self, name: &str, now: i64) -> StoreResult<bool> {
        guarded!(self.create_group(name, now))
    }
    async fn delete_group(&self, name: &str) -> StoreResult<()> {
        guarded!(self.delete_group(name))
    }
    async fn list_groups(&self) -> StoreResult<Vec<GroupInfo>> {
        guarded!(self.list_groups())
    }
    async fn add_member(&self, user_id: &str, group: &str, now: i64) -> StoreResult<bool> {
        guarded!(self.add_member(user_id, group, now))
    }
    async fn remove_member(&self, user_id: &str, group: &str) -> StoreResult<bool> {
        guarded!(self.remove_member(user_id, group))
    }
    async fn user_groups(&self, user_id: &str) -> StoreResult<Vec<String>> {
        guarded!(self.user_groups(user_id))
    }
    async fn group_members(&self, group: &str) -> StoreResult<Vec<User>> {
        guarded!(self.group_members(group))
    }
    async fn rename_group(&self, from: &str, to: &str) -> StoreResult<Vec<String>> {
        guarded!(self.rename_group(from, to))
    }
    async fn change_keeping_an_admin(
        &self,
        user_id: &str,
        change: AdminRisk,
        now: i64,
    ) -> StoreResult<Vec<String>> {
        guarded!(self.change_keeping_an_admin(user_id, change, now))
    }
}

#[async_trait]
impl Passkeys for GuardedStore {
    async fn add_passkey(&self, pk: &PasskeyRecord) -> StoreResult<()> {
        guarded!(self.add_passkey(pk))
    }
    async fn passkeys_for_user(&self, user_id: &str) -> StoreResult<Vec<PasskeyRecord>> {
        guarded!(self.passkeys_for_user(user_id))
    }
    async fn passkey_by_credential(
        &self,
        credential_id: &[u8],
    ) -> StoreResult<Option<PasskeyRecord>> {
        guarded!(self.passkey_by_credential(credential_id))
    }
    async fn record_passkey_use(
        &self,
        credential_id: &[u8],
        data: &str,
        sign_count: i64,
        backup_state: bool,
        now: i64,
    ) -> StoreResult<()> {
        guarded!(self.record_passkey_use(credential_id, data, sign_count, backup_state, now))
    }
    async fn rename_passkey(
        &self,
        user_id: &str,
        credential_id: &[u8],
        name: &str,
    ) -> StoreResult<()> {
        guarded!(self.rename_passkey(user_id, credential_id, name))
    }
    async fn delete_passkey(
        &self,
        user_id: &str,
        credential_id: &[u8],
    ) -> StoreResult<Vec<String>> {
        guarded!(self.delete_passkey(user_id, credential_id))
    }
}

#[async_trait]
impl Sessions for GuardedStore {
    async fn create_session(&self, s: &SessionRecord) -> StoreResult<()> {
        guarded!(self.create_session(s))
    }
    async fn session_by_token_hash(&self, token_hash: &[u8]) -> StoreResult<Option<SessionRecord>> {
        guarded!(self.session_by_token_hash(token_hash))
    }
    async fn get_session(&self, id: &str) -> StoreResult<Option<SessionRecord>> {
        guarded!(self.get_session(id))
    }
    async fn touch_sessions(&self, seen: &[(String, i64)]) -> StoreResult<()> {
        guarded!(self.touch_sessions(seen))
    }
    async fn delete_session(&self, id: &str) -> StoreResult<bool> {
        guarded!(self.delete_session(id))
    }
    async fn delete_user_sessions(&self, user_id: &str) -> StoreResult<Vec<String>> {
        guarded!(self.delete_user_sessions(user_id))
    }
    async fn list_sessions(&self, user_id: Option<&str>) -> StoreResult<Vec<SessionRecord>> {
        guarded!(self.list_sessions(user_id))
    }
    async fn count_sessions(&self, now: i64) -> StoreResult<u64> {
        guarded!(self.count_sessions(now))
    }
    async fn purge_expired_sessions(&self, now: i64) -> StoreResult<u64> {
        guarded!(self.purge_expired_sessions(now))
    }
    async fn append_revocation(&self, message: &str, at: i64) -> StoreResult<i64> {
        guarded!(self.append_revocation(message, at))
    }
    async fn revocations_after(&self, after: i64, limit: i64) -> StoreResult<Vec<(i64, String)>> {
        guarded!(self.revocations_after(after, limit))
    }
    async fn latest_revocation_id(&self) -> StoreResult<i64> {
        guarded!(self.latest_revocation_id())
    }
    async fn purge_revocations(&self, before: i64) -> StoreResult<u64> {
        guarded!(self.purge_revocations(before))
    }
}

#[async_trait]
impl Invites for GuardedStore {
    async fn create_invite(&self, invite: &Invite) -> StoreResult<()> {
        guarded!(self.create_invite(invite))
    }
    async fn take_invite(&self, token_hash: &[u8], now: i64) -> StoreResult<Option<Invite>> {
        guarded!(self.take_invite(token_hash, now))
    }
    async fn find_invite(&self, token_hash: &[u8]) -> StoreResult<Option<Invite>> {
        guarded!(self.find_invite(token_hash))
    }
    async fn pending_invite_for(&self, email: &str, now: i64) -> StoreResult<Option<Invite>> {
        guarded!(self.pending_invite_for(email, now))
    }
    async fn list_invites(&self) -> StoreResult<Vec<Invite>> {
        guarded!(self.list_invites())
    }
    async fn delete_invite(&self, id: &str) -> StoreResult<bool> {
        guarded!(self.delete_invite(id))
    }
    async fn replace_invite(&self, old_id: &str, invite: &Invite) -> StoreResult<bool> {
        guarded!(self.replace_invite(old_id, invite))
    }
}

#[async_trait]
impl Audit for GuardedStore {
    async fn append_audit(&self, e: &NewAuditEvent) -> StoreResult<i64> {
        guarded!(self.append_audit(e))
    }
    async fn list_audit(&self, f: &AuditFilter) -> StoreResult<Vec<AuditEvent>> {
        guarded!(self.list_audit(f))
    }
    async fn purge_audit(&self, before: i64) -> StoreResult<u64> {
        guarded!(self.purge_audit(before))
    }
    async fn audit_by_day(&self, since: i64, prefixes: &[&str]) -> StoreResult<Vec<DayCount>> {
        guarded!(self.audit_by_day(since, prefixes))
    }
}

#[async_trait]
impl Keys for GuardedStore {
    async fn signing_keys(&self) -> StoreResult<Vec<SigningKeyRecord>> {
        guarded!(self.signing_keys())
    }
    async fn rotate_signing_key(&self, key: &SigningKeyRecord, now: i64) -> StoreResult<()> {
        guarded!(self.rotate_signing_key(key, now))
    }
    async fn insert_first_signing_key(&self, key: &SigningKeyRecord) -> StoreResult<bool> {
        guarded!(self.insert_first_signing_key(key))
    }
    async fn delete_signing_keys_retired_before(&self, before: i64) -> StoreResult<u64> {
        guarded!(self.delete_signing_keys_retired_before(before))
    }
}

#[async_trait]
impl Tokens for GuardedStore {
    async fn create_service_account(
        &self,
        account: &ServiceAccount,
        token: &ServiceToken,
    ) -> StoreResult<()> {
        guarded!(self.create_service_account(account, token))
    }
    async fn service_account(&self, name: &str) -> StoreResult<Option<ServiceAccount>> {
        guarded!(self.service_account(name))
    }
    async fn list_service_accounts(&self) -> StoreResult<Vec<(ServiceAccount, Vec<ServiceToken>)>> {
        guarded!(self.list_service_accounts())
    }
    async fn service_token_by_hash(
        &self,
        token_hash: &[u8],
    ) -> StoreResult<Option<(ServiceToken, ServiceAccount)>> {
        guarded!(self.service_token_by_hash(token_hash))
    }
    async fn rotate_service_token(&self, token: &ServiceToken, others_end: i64) -> StoreResult<()> {
        guarded!(self.rotate_service_token(token, others_end))
    }
    async fn revoke_service_tokens(&self, account_id: &str) -> StoreResult<u64> {
        guarded!(self.revoke_service_tokens(account_id))
    }
    async fn set_service_account_disabled(
        &self,
        account_id: &str,
        disabled: bool,
    ) -> StoreResult<()> {
        guarded!(self.set_service_account_disabled(account_id, disabled))
    }
    async fn touch_service_tokens(&self, used: &[(String, i64)]) -> StoreResult<()> {
        guarded!(self.touch_service_tokens(used))
    }
}

#[async_trait]
impl Grants for GuardedStore {
    async fn create_grant(&self, g: &Grant, refresh_hash: Option<&[u8]>) -> StoreResult<()> {
        guarded!(self.create_grant(g, refresh_hash))
    }
    async fn grant(&self, id: &str) -> StoreResult<Option<Grant>> {
        guarded!(self.grant(id))
    }
    async fn rotate_refresh_token(
        &self,
        old_hash: &[u8],
        new_hash: &[u8],
        now: i64,
    ) -> StoreResult<RefreshUse> {
        guarded!(self.rotate_refresh_token(old_hash, new_hash, now))
    }
    async fn grant_by_refresh_token(&self, token_hash: &[u8]) -> StoreResult<Option<Grant>> {
        guarded!(self.grant_by_refresh_token(token_hash))
    }
    async fn delete_grant(&self, id: &str) -> StoreResult<bool> {
        guarded!(self.delete_grant(id))
    }
    async fn move_grants(&self, from: &str, to: &str) -> StoreResult<u64> {
        guarded!(self.move_grants(from, to))
    }
    async fn grant_use(&self) -> StoreResult<Vec<ClientUse>> {
        guarded!(self.grant_use())
    }
    async fn purge_used_refresh_tokens(&self, before: i64) -> StoreResult<u64> {
        guarded!(self.purge_used_refresh_tokens(before))
    }
}

#[async_trait]
impl Ephemeral for GuardedEphemeral {
    fn backend(&self) -> &'static str {
        self.inner.backend()
    }

    /// Not through the breaker: readiness reports Redis itself.
    async fn ping(&self) -> StoreResult<()> {
        self.inner.ping().await
    }

    async fn put(&self, key: &str, value: &[u8], ttl: Duration) -> StoreResult<()> {
        guarded!(self.put(key, value, ttl))
    }

    async fn get(&self, key: &str) -> StoreResult<Option<Vec<u8>>> {
        guarded!(self.get(key))
    }

    async fn take(&self, key: &str) -> StoreResult<Option<Vec<u8>>> {
        guarded!(self.take(key))
    }

    async fn delete(&self, key: &str) -> StoreResult<()> {
        guarded!(self.delete(key))
    }

    async fn hit(&self, key: &str, window: Duration) -> StoreResult<Counter> {
        guarded!(self.hit(key, window))
    }

    async fn tally(&self, key: &str, ttl: Duration) -> StoreResult<u64> {
        guarded!(self.tally(key, ttl))
    }

    async fn publish(&self, msg: &Broadcast) -> StoreResult<()> {
        guarded!(self.publish(msg))
    }

    fn subscribe(&self) -> broadcast::Receiver<Broadcast> {
        self.inner.subscribe()
    }

    fn channel_healthy(&self) -> bool {
        self.inner.channel_healthy()
    }
}
