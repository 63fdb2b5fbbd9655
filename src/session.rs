//! Sessions: creating them, checking them on every request, ending them.
//!
//! The cookie holds an opaque 256-bit random token; the durable store keeps
//! only its SHA-256. Checking a session must not cost a network round trip in
//! the steady state, so [`SessionManager`] keeps an in-process cache keyed by
//! the token hash:
//! - an entry is trusted for `session.cache_ttl` while the revocation channel
//!   is healthy, and for one second while it is not;
//! - revocations (logout, revoke, user disabled) arrive as [`Broadcast`]s on
//!   every replica and evict entries at once; an epoch counter stops a lookup
//!   that raced with a revocation from caching what it read;
//! - each worker thread keeps its own copies of the entries it uses
//!   ([`Front`]), valid only under the revocation epoch they were copied in;
//! - `last_seen` is kept in memory and written behind in batches;
//! - when the durable store is down, cached sessions keep working (stale
//!   entries included) and new lookups fail with `Unavailable` (503).

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use tokio::sync::broadcast::error::RecvError;

use crate::clock::SharedClock;
use crate::store::ephemeral::SharedEphemeral;
use crate::store::{Broadcast, SessionRecord, SharedStore, StoreResult, User};

/// Who is signed in, as the rules and identity headers see them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub user_id: String,
    pub email: String,
    pub email_lower: String,
    /// Username, or the email address when none is set (`Remote-User`).
    pub login: String,
    pub name: String,
    /// Sorted.
    pub groups: Vec<String>,
    /// `groups` joined with commas (`Remote-Groups`).
    pub groups_header: String,
    /// User, email, name and groups as header values, made once per
    /// session rather than on every request.
    pub header_values: [http::HeaderValue; 4],
}

impl Principal {
    pub fn new(user: &User, groups: Vec<String>) -> Self {
        let groups_header = groups.join(",");
        // Characters a header cannot carry leave that header empty rather
        // than failing requests.
        let hv = |s: &str| {
            http::HeaderValue::from_bytes(s.as_bytes())
                .unwrap_or_else(|_| http::HeaderValue::from_static(""))
        };
        Self {
            header_values: [
                hv(user.login_name()),
                hv(&user.email),
                hv(&user.display_name),
                hv(&groups_header),
            ],
            user_id: user.id.clone(),
            email: user.email.clone(),
            email_lower: crate::names::normalise_email(&user.email),
            login: user.login_name().to_string(),
            name: user.display_name.clone(),
            groups_header,
            groups,
        }
    }

    pub fn is_admin(&self) -> bool {
        self.groups.iter().any(|g| g == crate::names::ADMIN_GROUP)
    }

    /// A copy that shares no storage with `self`: its header values are
    /// cloned on every request, and clones of shared storage would count
    /// references on a cache line every worker thread writes.
    fn thread_copy(&self) -> Principal {
        let mut p = self.clone();
        for v in &mut p.header_values {
            *v = http::HeaderValue::from_bytes(v.as_bytes())
                .unwrap_or_else(|_| http::HeaderValue::from_static(""));
        }
        p
    }
}

/// A valid session and its user.
#[derive(Debug)]
pub struct ActiveSession {
    pub record: SessionRecord,
    pub principal: Arc<Principal>,
    /// Set on a thread's own copy (see [`Front`]): the session as the
    /// replica's cache holds it.
    shared: Option<Arc<ActiveSession>>,
}

impl ActiveSession {
    /// A caller as the replica's cache holds it (a session, or a service
    /// token in a session's shape: `token.rs`).
    pub fn new(record: SessionRecord, principal: Principal) -> Self {
        Self {
            record,
            principal: Arc::new(principal),
            shared: None,
        }
    }

    /// When its person last proved who they are (the `auth_time` claim,
    /// which `max_age` rules compare against). Signing in again — a
    /// step-up — starts a new session in place of this one, so it is when
    /// the session started.
    pub fn auth_time(&self) -> i64 {
        self.record.created_at
    }

    /// Authenticated by a service token rather than a person's session.
    pub fn is_token(&self) -> bool {
        self.record.auth_method == crate::token::AMR
    }

    /// The session as the replica's cache holds it (whose principal is the
    /// one every thread's copy was made from).
    pub fn shared(&self) -> &ActiveSession {
        self.shared.as_deref().unwrap_or(self)
    }

    /// A copy for one thread, sharing no reference count with the others.
    fn thread_copy(self: &Arc<Self>) -> Arc<ActiveSession> {
        Arc::new(ActiveSession {
            record: self.record.clone(),
            principal: Arc::new(self.principal.thread_copy()),
            shared: Some(self.clone()),
        })
    }
}

/// Session lifetimes.
#[derive(Debug, Clone, Copy)]
pub struct SessionSettings {
    pub idle_timeout: Duration,
    pub absolute_timeout: Duration,
    pub cache_ttl: Duration,
}

/// How often, at most, a session's `last_seen` is written to the store:
/// a quarter of its idle timeout, at most a minute. With the write-behind
/// flushed as often (see [`flush_every`]), another replica loading the
/// session sees a `last_seen` at most half the idle timeout old, so a
/// session kept busy on one replica is never idle on another.
fn touch_every(idle_timeout: i64) -> i64 {
    (idle_timeout / 4).clamp(1, 60)
}

/// How often pending `last_seen` values are written: every 5 s, or a
/// quarter of the idle timeout when that is shorter.
fn flush_every(idle_timeout: Duration) -> Duration {
    (idle_timeout / 4).clamp(Duration::from_secs(1), Duration::from_secs(5))
}
/// How long a cached entry is trusted while the revocation channel is down.
const UNHEALTHY_TTL: i64 = 1;

struct Entry {
    /// Never a thread's copy.
    session: Arc<ActiveSession>,
    /// When this copy was read from the store.
    fetched_at: i64,
    /// Latest activity seen by this replica.
    last_seen: AtomicI64,
    /// `last_seen` as last written (or read).
    stored_last_seen: AtomicI64,
}

impl Entry {
    /// Fresh enough to serve without asking the store, and the session is
    /// live.
    fn usable(&self, now: i64, ttl: i64) -> bool {
        now - self.fetched_at < ttl && self.live(now)
    }

    /// Neither expired nor idle for too long, as far as this replica knows.
    fn live(&self, now: i64) -> bool {
        let r = &self.session.record;
        let last_seen = self.last_seen.load(Ordering::Relaxed);
        now < r.expires_at && now < last_seen.saturating_add(r.idle_timeout)
    }
}

/// Creates, checks and ends sessions.
pub struct SessionManager {
    store: SharedStore,
    eph: SharedEphemeral,
    clock: SharedClock,
    settings: SessionSettings,
    cache: RwLock<HashMap<[u8; 32], Arc<Entry>, rustc_hash::FxBuildHasher>>,
    /// Session id → token hash, for lookups by id (OIDC tokens name the
    /// session they came from by its id).
    ids: RwLock<HashMap<String, [u8; 32], rustc_hash::FxBuildHasher>>,
    /// Tells this manager's entries in a thread's [`Front`] from another's.
    id: usize,
    pending: Mutex<HashMap<String, i64>>,
    /// Bumped by every revocation, see the module docs.
    epoch: AtomicU64,
    /// Messages read from the durable log, for other listeners (key reloads).
    logged: tokio::sync::broadcast::Sender<Broadcast>,
    /// Service tokens, revoked by the same broadcasts.
    pub tokens: tokens::TokenCache,
    /// OpenID Connect grants, revoked by the same broadcasts.
    pub grants: grants::GrantCache,
}

static NEXT_MANAGER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(1);

/// The sessions a worker thread found in the replica's cache, with a copy
/// of each of its own.
///
/// Every request checks its session. Through the replica's cache alone that
/// takes its lock and clones the session's `Arc` (and the header values
/// cloned from it): reference counts and a lock word that every worker
/// thread writes on every request, so their cache lines move between cores
/// all the time. Here a thread reads only its own copies.
///
/// An entry is used only while the manager's revocation epoch is the one it
/// was copied under (any revocation clears the thread's entries), and only
/// while the replica's entry it points to is fresh and live, by the same
/// rules as that entry: it never serves a session the replica's cache
/// would not.
#[derive(Default)]
struct Front {
    manager: usize,
    epoch: u64,
    entries: HashMap<[u8; 32], (Arc<Entry>, Arc<ActiveSession>), rustc_hash::FxBuildHasher>,
}

/// Entries per thread; more clears them (sessions that went on being used
/// come back at their next request).
const FRONT_MAX: usize = 4096;

thread_local! {
    static FRONT: std::cell::RefCell<Front> = std::cell::RefCell::new(Front::default());
}

pub use crate::secret::{new_token, random_id, token_hash};

impl SessionManager {
    pub fn new(
        store: SharedStore,
        eph: SharedEphemeral,
        clock: SharedClock,
        settings: SessionSettings,
    ) -> Arc<Self> {
        Arc::new(Self {
            tokens: tokens::TokenCache::new(store.clone(), clock.clone()),
            grants: grants::GrantCache::new(store.clone()),
            store,
            eph,
            clock,
            settings,
            cache: RwLock::new(HashMap::default()),
            ids: RwLock::new(HashMap::default()),
            id: NEXT_MANAGER.fetch_add(1, Ordering::Relaxed),
            pending: Mutex::new(HashMap::new()),
            epoch: AtomicU64::new(0),
            logged: tokio::sync::broadcast::channel(64).0,
        })
    }

    /// Start a session for `user`. Returns the cookie token and the record.
    pub async fn create(
        &self,
        user: &User,
        method: &str,
        user_agent: &str,
        ip: &str,
    ) -> StoreResult<(String, SessionRecord)> {
        self.create_with(user, method, user_agent, ip, None).await
    }

    /// Start a session, remembering the passkey it was started with.
    pub async fn create_with(
        &self,
        user: &User,
        method: &str,
        user_agent: &str,
        ip: &str,
        credential_id: Option<Vec<u8>>,
    ) -> StoreResult<(String, SessionRecord)> {
        let now = self.clock.now();
        let (token, hash) = new_token();
        let record = SessionRecord {
            id: random_id(16),
            token_hash: hash.to_vec(),
            user_id: user.id.clone(),
            auth_method: method.to_string(),
            created_at: now,
            last_seen_at: now,
            expires_at: now + self.settings.absolute_timeout.as_secs() as i64,
            idle_timeout: self.settings.idle_timeout.as_secs() as i64,
            user_agent: truncate(user_agent, 256),
            ip: truncate(ip, 64),
            credential_id,
        };
        self.store.create_session(&record).await?;
        Ok((token, record))
    }

    /// How long a cached entry is trusted: the configured TTL while the
    /// revocation channel is healthy, a second while it is not.
    fn ttl(&self) -> i64 {
        if self.eph.channel_healthy() {
            self.settings.cache_ttl.as_secs() as i64
        } else {
            UNHEALTHY_TTL
        }
    }

    /// The caller a service token stands for, or why it is not valid.
    pub async fn check_token(
        &self,
        token: &str,
    ) -> StoreResult<Result<Arc<ActiveSession>, tokens::Invalid>> {
        self.tokens.check(token, self.ttl()).await
    }

    /// The session for a cookie token, if it is valid now.
    pub async fn validate(&self, token: &str) -> StoreResult<Option<Arc<ActiveSession>>> {
        let Some(hash) = token_hash(token) else {
            return Ok(None);
        };
        self.validate_hash(hash, true).await
    }

    /// The session with this id, if it is valid now, by the same rules and
    /// cache as [`validate`](Self::validate). Not a use of it: an app
    /// calling passgate with tokens from this sign-in (OIDC `userinfo`,
    /// refresh) must not keep the person's browser session from going idle.
    pub async fn by_id(&self, id: &str) -> StoreResult<Option<Arc<ActiveSession>>> {
        let known = self.ids.read().ok().and_then(|m| m.get(id).copied());
        let hash = match known {
            Some(h) => h,
            None => {
                let Some(record) = self.store.get_session(id).await? else {
                    return Ok(None);
                };
                let Ok(h) = <[u8; 32]>::try_from(record.token_hash.as_slice()) else {
                    return Ok(None);
                };
                if let Ok(mut m) = self.ids.write() {
                    m.insert(id.to_string(), h);
                }
                h
            }
        };
        self.validate_hash(hash, false).await
    }

    /// `used`: the request is the session's own (its cookie), so its
    /// `last_seen` moves.
    async fn validate_hash(
        &self,
        hash: [u8; 32],
        used: bool,
    ) -> StoreResult<Option<Arc<ActiveSession>>> {
        let now = self.clock.now();
        let ttl = self.ttl();
        // Read before the replica's cache: a revocation after this makes
        // whatever is copied below unusable (see `Front`).
        let epoch = self.epoch.load(Ordering::SeqCst);
        let mine = FRONT.with_borrow(|f| {
            if f.manager != self.id || f.epoch != epoch {
                return None;
            }
            let (e, copy) = f.entries.get(&hash)?;
            e.usable(now, ttl).then(|| {
                if used {
                    self.touch(e, now);
                }
                copy.clone()
            })
        });
        if mine.is_some() {
            return Ok(mine);
        }
        let mut stale: Option<Arc<Entry>> = None;
        let found = self.cache.read().ok().and_then(|c| c.get(&hash).cloned());
        if let Some(e) = found {
            if e.usable(now, ttl) {
                if used {
                    self.touch(&e, now);
                }
                let copy = e.session.thread_copy();
                FRONT.with_borrow_mut(|f| {
                    if f.manager != self.id || f.epoch != epoch || f.entries.len() >= FRONT_MAX {
                        f.entries.clear();
                        f.manager = self.id;
                        f.epoch = epoch;
                    }
                    f.entries.insert(hash, (e, copy.clone()));
                });
                return Ok(Some(copy));
            }
            if e.live(now) {
                stale = Some(e);
            }
        }
        match self.load(&hash, now, used).await {
            Ok(found) => Ok(found),
            // The store is down (its breaker logs the outage once and
            // answers at once from then on): the cached copy is served and
            // kept for another `ttl`, so the requests that follow are
            // served from the cache. Its expiry and idle time are still
            // checked here, and a revocation broadcast still ends it.
            Err(err) if err.is_unavailable() => match stale {
                Some(e) => {
                    self.recache(&hash, &e, now, epoch, used);
                    Ok(Some(e.session.clone()))
                }
                None => Err(err),
            },
            Err(err) => Err(err),
        }
    }

    /// Keep a cached copy the store could not confirm for another `ttl`.
    fn recache(&self, hash: &[u8; 32], e: &Entry, now: i64, epoch: u64, used: bool) {
        let entry = Entry {
            session: e.session.clone(),
            fetched_at: now,
            last_seen: AtomicI64::new(e.last_seen.load(Ordering::Relaxed)),
            stored_last_seen: AtomicI64::new(e.stored_last_seen.load(Ordering::Relaxed)),
        };
        if used {
            self.touch(&entry, now);
        }
        if let Ok(mut cache) = self.cache.write()
            && self.epoch.load(Ordering::SeqCst) == epoch
        {
            cache.insert(*hash, Arc::new(entry));
        }
    }

    async fn load(
        &self,
        hash: &[u8; 32],
        now: i64,
        used: bool,
    ) -> StoreResult<Option<Arc<ActiveSession>>> {
        let epoch = self.epoch.load(Ordering::SeqCst);
        let started = std::time::Instant::now();
        let found = self.store.session_by_token_hash(hash).await;
        crate::metrics::store_op(
            "database",
            "session_lookup",
            started.elapsed(),
            found.is_ok(),
        );
        let Some(record) = found? else {
            self.forget(hash);
            return Ok(None);
        };
        // The store's last_seen may lag behind this replica's (write-behind).
        let seen_here = self
            .cache
            .read()
            .ok()
            .and_then(|c| c.get(hash).map(|e| e.last_seen.load(Ordering::Relaxed)))
            .unwrap_or(0);
        let last_seen = record.last_seen_at.max(seen_here);
        if !(now < record.expires_at && now < last_seen.saturating_add(record.idle_timeout)) {
            self.forget(hash);
            return Ok(None);
        }
        let Some(user) = self.store.get_user(&record.user_id).await? else {
            self.forget(hash);
            return Ok(None);
        };
        if user.disabled {
            self.forget(hash);
            return Ok(None);
        }
        let groups = self.store.user_groups(&user.id).await?;
        let stored_last_seen = record.last_seen_at;
        let session = Arc::new(ActiveSession {
            principal: Arc::new(Principal::new(&user, groups)),
            record,
            shared: None,
        });
        let entry = Entry {
            session: session.clone(),
            fetched_at: now,
            last_seen: AtomicI64::new(last_seen),
            stored_last_seen: AtomicI64::new(stored_last_seen),
        };
        if used {
            self.touch(&entry, now);
        }
        if let Ok(mut cache) = self.cache.write()
            && self.epoch.load(Ordering::SeqCst) == epoch
        {
            cache.insert(*hash, Arc::new(entry));
        }
        Ok(Some(session))
    }

    fn touch(&self, e: &Entry, now: i64) {
        // `now` is in seconds: most requests see it unchanged, and a load
        // leaves the entry's cache line shared between workers where a
        // read-modify-write would take it from the others every time.
        if e.last_seen.load(Ordering::Relaxed) >= now {
            return;
        }
        let prev = e.last_seen.fetch_max(now, Ordering::Relaxed);
        if now > prev
            && now - e.stored_last_seen.load(Ordering::Relaxed)
                >= touch_every(e.session.record.idle_timeout)
        {
            e.stored_last_seen.store(now, Ordering::Relaxed);
            if let Ok(mut p) = self.pending.lock() {
                p.insert(e.session.record.id.clone(), now);
            }
        }
    }

    fn forget(&self, hash: &[u8; 32]) {
        if let Ok(mut c) = self.cache.write() {
            c.remove(hash);
        }
    }

    /// Write pending `last_seen` values (and tokens' `last_used_at`). On
    /// failure they are kept for the next attempt.
    pub async fn flush(&self) -> StoreResult<()> {
        let tokens = self.tokens.flush().await;
        self.flush_sessions().await?;
        tokens
    }

    async fn flush_sessions(&self) -> StoreResult<()> {
        let batch: Vec<(String, i64)> = match self.pending.lock() {
            Ok(mut p) => p.drain().collect(),
            Err(_) => return Ok(()),
        };
        if batch.is_empty() {
            return Ok(());
        }
        if let Err(e) = self.store.touch_sessions(&batch).await {
            if let Ok(mut p) = self.pending.lock() {
                for (id, at) in batch {
                    let slot = p.entry(id).or_insert(at);
                    *slot = (*slot).max(at);
                }
            }
            return Err(e);
        }
        Ok(())
    }

    /// End one session everywhere.
    pub async fn revoke(&self, session_id: &str) -> StoreResult<bool> {
        let existed = self.store.delete_session(session_id).await?;
        self.announce(Broadcast::SessionRevoked {
            id: session_id.to_string(),
        })
        .await;
        Ok(existed)
    }

    /// End all of a user's sessions everywhere; returns how many.
    pub async fn revoke_user(&self, user_id: &str) -> StoreResult<usize> {
        let ended = self.store.delete_user_sessions(user_id).await?;
        self.announce(Broadcast::UserRevoked {
            user_id: user_id.to_string(),
        })
        .await;
        Ok(ended.len())
    }

    /// Tell every replica: at once through the ephemeral store's channel,
    /// and through the durable revocation log that every replica polls each
    /// second (which also carries changes made by the CLI, and covers a
    /// broadcast lost while Redis was down).
    pub async fn announce(&self, msg: Broadcast) {
        self.apply(&msg);
        match serde_json::to_string(&msg) {
            Ok(text) => {
                if let Err(e) = self.store.append_revocation(&text, self.clock.now()).await {
                    tracing::error!(error = %e, "could not record a revocation in the durable log");
                }
            }
            Err(e) => tracing::error!(error = %e, "could not encode a revocation"),
        }
        if let Err(e) = self.eph.publish(&msg).await {
            tracing::warn!(error = %e, "could not broadcast a revocation; other replicas will read it from the log within a second");
        }
    }

    /// Messages from the durable log as this replica reads them (the
    /// ephemeral store's channel carries the same ones, faster, with Redis).
    pub fn logged(&self) -> tokio::sync::broadcast::Receiver<Broadcast> {
        self.logged.subscribe()
    }

    /// Apply revocations logged since `after`; returns the newest id seen.
    pub async fn poll_log(&self, after: i64) -> StoreResult<i64> {
        let mut last = after;
        loop {
            let batch = self.store.revocations_after(last, 500).await?;
            let n = batch.len();
            for (id, text) in batch {
                last = id;
                match serde_json::from_str::<Broadcast>(&text) {
                    Ok(m) => {
                        self.apply(&m);
                        let _ = self.logged.send(m);
                    }
                    Err(e) => tracing::warn!(id, error = %e, "ignoring an unreadable revocation"),
                }
            }
            if n < 500 {
                return Ok(last);
            }
        }
    }

    /// Apply a broadcast to this replica's cache.
    pub fn apply(&self, msg: &Broadcast) {
        self.tokens.apply(msg);
        self.grants.apply(msg);
        if matches!(
            msg,
            Broadcast::TokensChanged { .. } | Broadcast::GrantRevoked { .. }
        ) {
            return;
        }
        self.epoch.fetch_add(1, Ordering::SeqCst);
        let Ok(mut c) = self.cache.write() else {
            return;
        };
        match msg {
            Broadcast::SessionRevoked { id } => {
                c.retain(|_, e| &e.session.record.id != id);
                if let Ok(mut m) = self.ids.write() {
                    m.remove(id);
                }
            }
            Broadcast::UserRevoked { user_id } | Broadcast::UserChanged { user_id } => {
                c.retain(|_, e| &e.session.record.user_id != user_id)
            }
            Broadcast::Resync => c.clear(),
            Broadcast::KeysRotated
            | Broadcast::TokensChanged { .. }
            | Broadcast::GrantRevoked { .. } => {}
        }
    }

    /// Number of sessions in this replica's cache (a metric).
    pub fn cached(&self) -> usize {
        self.cache.read().map(|c| c.len()).unwrap_or(0)
    }

    /// Run the background work: apply broadcasts, flush `last_seen` every few
    /// seconds, drop expired cache entries. Ends when `shutdown` fires, after
    /// a final flush.
    pub async fn run(self: Arc<Self>, shutdown: tokio_util::sync::CancellationToken) {
        let mut rx = self.eph.subscribe();
        let mut tick = tokio::time::interval(flush_every(self.settings.idle_timeout));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut poll = tokio::time::interval(Duration::from_millis(500));
        poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        // Start from the current end of the log: older entries concern
        // sessions this replica has not cached.
        let mut last = match self.store.latest_revocation_id().await {
            Ok(id) => Some(id),
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the revocation log yet; will retry");
                None
            }
        };
        loop {
            tokio::select! {
                msg = rx.recv() => match msg {
                    Ok(m) => self.apply(&m),
                    Err(RecvError::Lagged(_)) => self.apply(&Broadcast::Resync),
                    Err(RecvError::Closed) => {
                        tracing::error!("broadcast channel closed");
                        rx = self.eph.subscribe();
                    }
                },
                _ = poll.tick() => {
                    let result = match last {
                        Some(after) => self.poll_log(after).await,
                        None => self.store.latest_revocation_id().await,
                    };
                    match result {
                        Ok(id) => last = Some(id),
                        Err(e) => tracing::debug!(error = %e, "cannot read the revocation log; cached sessions are served as they are"),
                    }
                }
                _ = tick.tick() => {
                    if let Err(e) = self.flush().await {
                        tracing::warn!(error = %e, "could not write session activity; will retry");
                    }
                    self.evict_expired();
                }
                _ = shutdown.cancelled() => {
                    if let Err(e) = self.flush().await {
                        tracing::warn!(error = %e, "could not write session activity at shutdown");
                    }
                    return;
                }
            }
        }
    }

    fn evict_expired(&self) {
        let now = self.clock.now();
        if let Ok(mut c) = self.cache.write() {
            c.retain(|_, e| {
                let r = &e.session.record;
                now < r.expires_at
                    && now
                        < e.last_seen
                            .load(Ordering::Relaxed)
                            .saturating_add(r.idle_timeout)
            });
            if let Ok(mut m) = self.ids.write() {
                m.retain(|_, h| c.contains_key(h));
            }
        }
        self.grants.evict_expired(now);
    }
}

fn truncate(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_string()
}

pub mod accounts;
pub mod grants;
pub mod tokens;

#[cfg(test)]
mod tests;
