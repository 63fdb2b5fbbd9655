//! Checking service tokens (their form is `token.rs`).
//!
//! Checking a token must not cost a round trip either: [`TokenCache`]
//! keeps what it read for the sessions' cache TTL (one second while the
//! revocation channel is down), and a [`Broadcast::TokensChanged`] from a
//! revocation, rotation or disabled account drops it on every replica at
//! once (or within a second, from the durable revocation log). Unknown
//! tokens are not cached: each costs a lookup, so failed attempts are
//! counted per client address and a client over the limit is refused
//! before any lookup until its window ends.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicI64, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use super::{ActiveSession, Principal};
use crate::clock::SharedClock;
use crate::store::{
    Broadcast, ServiceAccount, ServiceToken, SessionRecord, SharedStore, StoreResult, User,
};
use crate::token::{AMR, hash};

/// Why a token is not valid (for the audit log only: the client is told
/// `invalid_token` whatever the reason).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Invalid {
    /// No such token (never issued, or revoked).
    Unknown,
    Expired,
    /// Its service account is disabled.
    Disabled,
}

impl Invalid {
    pub fn as_str(self) -> &'static str {
        match self {
            Invalid::Unknown => "unknown_or_revoked",
            Invalid::Expired => "expired",
            Invalid::Disabled => "account_disabled",
        }
    }
}

/// The tokens a worker thread found in the replica's cache, with a copy of
/// each caller of its own — for the sessions' reason (`session.rs`,
/// `Front`): the replica's cache costs a lock word and reference counts
/// that every worker writes on every request. Used only under the
/// revocation epoch it was filled in, and only while the entry is fresh.
#[derive(Default)]
struct Front {
    cache: usize,
    epoch: u64,
    entries: HashMap<[u8; 32], (Arc<Entry>, Arc<ActiveSession>), rustc_hash::FxBuildHasher>,
}

/// Entries per thread; more clears them.
const FRONT_MAX: usize = 4096;

thread_local! {
    static FRONT: std::cell::RefCell<Front> = std::cell::RefCell::new(Front::default());
}

static NEXT_CACHE: AtomicUsize = AtomicUsize::new(1);

struct Entry {
    caller: Arc<ActiveSession>,
    account_id: String,
    fetched_at: i64,
    expires_at: Option<i64>,
    /// Latest use this replica has not written yet (0: none).
    used: AtomicI64,
}

/// Checks tokens, caches what it read, and keeps score of failures.
pub struct TokenCache {
    store: SharedStore,
    clock: SharedClock,
    cache: RwLock<HashMap<[u8; 32], Arc<Entry>, rustc_hash::FxBuildHasher>>,
    /// Bumped by every broadcast: a lookup that raced with one does not
    /// cache what it read.
    epoch: AtomicU64,
    /// Token id → last use, written behind.
    pending: Mutex<HashMap<String, i64>>,
    /// Addresses over the failure limit, and until when.
    blocked: Mutex<HashMap<IpAddr, i64>>,
    /// `blocked`'s size as last changed: nothing to look up (and no lock
    /// to take) on the hot path while it is 0.
    blocked_count: AtomicUsize,
    /// Tells this cache's entries in a thread's [`Front`] from another's.
    id: usize,
}

/// Most addresses kept as blocked; more drops the expired ones (and then,
/// under a flood, the oldest word is the window's end anyway).
const BLOCKED_MAX: usize = 100_000;

impl TokenCache {
    pub fn new(store: SharedStore, clock: SharedClock) -> Self {
        Self {
            store,
            clock,
            cache: RwLock::new(HashMap::default()),
            epoch: AtomicU64::new(0),
            pending: Mutex::new(HashMap::new()),
            blocked: Mutex::new(HashMap::new()),
            blocked_count: AtomicUsize::new(0),
            id: NEXT_CACHE.fetch_add(1, Ordering::Relaxed),
        }
    }

    /// The caller a token stands for, or why it is not valid. `ttl`: how
    /// long a cached entry is trusted (the sessions' rule).
    pub async fn check(
        &self,
        token: &str,
        ttl: i64,
    ) -> StoreResult<Result<Arc<ActiveSession>, Invalid>> {
        let Some(hash) = hash(token) else {
            return Ok(Err(Invalid::Unknown));
        };
        let now = self.clock.now();
        let epoch = self.epoch.load(Ordering::SeqCst);
        let mine = FRONT.with_borrow(|f| {
            if f.cache != self.id || f.epoch != epoch {
                return None;
            }
            let (e, copy) = f.entries.get(&hash)?;
            (now - e.fetched_at < ttl).then(|| self.use_entry(e, now).map(|()| copy.clone()))
        });
        if let Some(found) = mine {
            return Ok(found);
        }
        let cached = self.cache.read().ok().and_then(|c| c.get(&hash).cloned());
        if let Some(e) = &cached
            && now - e.fetched_at < ttl
        {
            return Ok(self
                .use_entry(e, now)
                .map(|()| self.copy_for_thread(hash, e, epoch)));
        }
        let found = match self.store.service_token_by_hash(&hash).await {
            Ok(found) => found,
            // The store is down: a token this replica knew is served as it
            // was (its expiry still checked; a broadcast still ends it).
            Err(err) if err.is_unavailable() => match cached {
                Some(e) => return Ok(self.use_entry(&e, now).map(|()| e.caller.clone())),
                None => return Err(err),
            },
            Err(err) => return Err(err),
        };
        let Some((token, account)) = found else {
            self.forget(&hash);
            return Ok(Err(Invalid::Unknown));
        };
        if account.disabled {
            self.forget(&hash);
            return Ok(Err(Invalid::Disabled));
        }
        let entry = Arc::new(Entry {
            caller: Arc::new(caller(&token, &account, now)),
            account_id: account.id.clone(),
            fetched_at: now,
            expires_at: token.expires_at,
            used: AtomicI64::new(0),
        });
        if let Ok(mut c) = self.cache.write()
            && self.epoch.load(Ordering::SeqCst) == epoch
        {
            c.insert(hash, entry.clone());
        }
        Ok(self.use_entry(&entry, now).map(|()| entry.caller.clone()))
    }

    /// A thread's own copy of `e`'s caller, kept in its [`Front`].
    fn copy_for_thread(&self, hash: [u8; 32], e: &Arc<Entry>, epoch: u64) -> Arc<ActiveSession> {
        let copy = e.caller.thread_copy();
        FRONT.with_borrow_mut(|f| {
            if f.cache != self.id || f.epoch != epoch || f.entries.len() >= FRONT_MAX {
                f.entries.clear();
                f.cache = self.id;
                f.epoch = epoch;
            }
            f.entries.insert(hash, (e.clone(), copy.clone()));
        });
        copy
    }

    /// Not expired (then its use is noted, to be written behind).
    fn use_entry(&self, e: &Entry, now: i64) -> Result<(), Invalid> {
        if e.expires_at.is_some_and(|at| now >= at) {
            return Err(Invalid::Expired);
        }
        // Written behind, at most once a minute per token.
        let prev = e.used.load(Ordering::Relaxed);
        if now - prev >= 60
            && e.used
                .compare_exchange(prev, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
            && let Ok(mut p) = self.pending.lock()
        {
            p.insert(e.caller.record.id.clone(), now);
        }
        Ok(())
    }

    fn forget(&self, hash: &[u8; 32]) {
        if let Ok(mut c) = self.cache.write() {
            c.remove(hash);
        }
    }

    /// Apply a broadcast.
    pub fn apply(&self, msg: &Broadcast) {
        self.epoch.fetch_add(1, Ordering::SeqCst);
        let Ok(mut c) = self.cache.write() else {
            return;
        };
        match msg {
            Broadcast::TokensChanged { account_id } => c.retain(|_, e| &e.account_id != account_id),
            Broadcast::Resync => c.clear(),
            _ => {}
        }
    }

    /// Write pending `last_used_at` values (kept for the next attempt on
    /// failure), and forget addresses whose refusal has ended.
    pub async fn flush(&self) -> StoreResult<()> {
        if self.any_blocked() {
            let now = self.clock.now();
            if let Ok(mut b) = self.blocked.lock() {
                b.retain(|_, until| *until > now);
                self.blocked_count.store(b.len(), Ordering::Relaxed);
            }
        }
        let batch: Vec<(String, i64)> = match self.pending.lock() {
            Ok(mut p) => p.drain().collect(),
            Err(_) => return Ok(()),
        };
        if batch.is_empty() {
            return Ok(());
        }
        if let Err(e) = self.store.touch_service_tokens(&batch).await {
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

    /// Is any address refused for now (no lock taken)?
    pub fn any_blocked(&self) -> bool {
        self.blocked_count.load(Ordering::Relaxed) > 0
    }

    /// Is `ip` refused for now, after too many failed attempts?
    pub fn blocked(&self, ip: IpAddr) -> Option<i64> {
        let now = self.clock.now();
        let b = self.blocked.lock().ok()?;
        b.get(&ip)
            .filter(|until| **until > now)
            .map(|until| until - now)
    }

    /// Refuse `ip` for `secs` seconds.
    pub fn block(&self, ip: IpAddr, secs: i64) {
        let now = self.clock.now();
        if let Ok(mut b) = self.blocked.lock() {
            if b.len() >= BLOCKED_MAX {
                b.retain(|_, until| *until > now);
            }
            if b.len() < BLOCKED_MAX {
                b.insert(ip, now + secs.max(1));
            }
            self.blocked_count.store(b.len(), Ordering::Relaxed);
        }
    }
}

/// The caller a valid token stands for, in the shape the pipeline uses for
/// a session: the record's id is the token's (the `sid` claim), its method
/// `token`.
fn caller(token: &ServiceToken, account: &ServiceAccount, now: i64) -> ActiveSession {
    let user = User {
        id: account.id.clone(),
        email: String::new(),
        username: Some(account.name.clone()),
        display_name: account.name.clone(),
        disabled: account.disabled,
        created_at: account.created_at,
        updated_at: account.created_at,
    };
    ActiveSession::new(
        SessionRecord {
            id: token.id.clone(),
            token_hash: token.token_hash.clone(),
            user_id: account.id.clone(),
            auth_method: AMR.into(),
            created_at: token.created_at,
            last_seen_at: now,
            expires_at: token.expires_at.unwrap_or(i64::MAX),
            idle_timeout: i64::MAX,
            user_agent: String::new(),
            ip: String::new(),
            credential_id: None,
        },
        Principal::new(&user, account.groups.clone()),
    )
}
