//! OpenID Connect grants as the replica's cache holds them, so checking
//! an access token (`userinfo`) needs no round trip in the steady state.
//!
//! Like sessions: an entry is trusted for the session cache's TTL, a
//! revocation ([`Broadcast::GrantRevoked`], or a session's or user's)
//! evicts it on every replica, an epoch stops a lookup that raced with a
//! revocation from caching what it read, and a store outage serves what is
//! cached. Whether the grant's session is still valid is the session
//! cache's to say (`SessionManager::by_id`).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use crate::store::{Broadcast, Grant, SharedStore, StoreResult};

struct Entry {
    grant: Arc<Grant>,
    fetched_at: i64,
}

pub struct GrantCache {
    store: SharedStore,
    /// Access tokens already verified.
    pub verified: VerifiedTokens,
    cache: RwLock<HashMap<String, Entry, rustc_hash::FxBuildHasher>>,
    epoch: AtomicU64,
}

/// Grants cached at most; more starts the cache over.
const MAX: usize = 100_000;

impl GrantCache {
    pub fn new(store: SharedStore) -> Self {
        Self {
            store,
            verified: VerifiedTokens::default(),
            cache: RwLock::new(HashMap::default()),
            epoch: AtomicU64::new(0),
        }
    }

    /// The grant `id` if it still exists. `ttl`: how long a cached copy is
    /// trusted.
    pub async fn check(&self, id: &str, now: i64, ttl: i64) -> StoreResult<Option<Arc<Grant>>> {
        let epoch = self.epoch.load(Ordering::SeqCst);
        let mut stale = None;
        if let Ok(c) = self.cache.read()
            && let Some(e) = c.get(id)
        {
            if now - e.fetched_at < ttl {
                return Ok(Some(e.grant.clone()));
            }
            stale = Some(e.grant.clone());
        }
        match self.store.grant(id).await {
            Ok(Some(grant)) => {
                let grant = Arc::new(grant);
                if let Ok(mut c) = self.cache.write()
                    && self.epoch.load(Ordering::SeqCst) == epoch
                {
                    if c.len() >= MAX {
                        c.clear();
                    }
                    c.insert(
                        id.to_string(),
                        Entry {
                            grant: grant.clone(),
                            fetched_at: now,
                        },
                    );
                }
                Ok(Some(grant))
            }
            Ok(None) => {
                self.forget(id);
                Ok(None)
            }
            // The store is down: what is cached is served (a revocation
            // broadcast still ends it).
            Err(e) if e.is_unavailable() => stale.map(Some).ok_or(e),
            Err(e) => Err(e),
        }
    }

    pub fn forget(&self, id: &str) {
        if let Ok(mut c) = self.cache.write() {
            c.remove(id);
        }
    }

    /// Apply a broadcast.
    pub fn apply(&self, msg: &Broadcast) {
        self.epoch.fetch_add(1, Ordering::SeqCst);
        let Ok(mut c) = self.cache.write() else {
            return;
        };
        match msg {
            Broadcast::GrantRevoked { id } => {
                c.remove(id);
            }
            Broadcast::SessionRevoked { id } => c.retain(|_, e| &e.grant.session_id != id),
            Broadcast::UserRevoked { user_id } => c.retain(|_, e| &e.grant.user_id != user_id),
            Broadcast::Resync => c.clear(),
            _ => {}
        }
    }

    /// Drop entries nobody asked for in a day.
    pub fn evict_expired(&self, now: i64) {
        if let Ok(mut c) = self.cache.write() {
            c.retain(|_, e| now - e.fetched_at < 86_400);
        }
    }
}

/// What an OIDC access token (an RFC 9068 JWT) says.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AccessClaims {
    pub iss: String,
    pub sub: String,
    pub aud: String,
    pub client_id: String,
    pub exp: i64,
    pub iat: i64,
    pub jti: String,
    pub scope: String,
    /// The passgate session it came from.
    pub sid: String,
    /// The grant it belongs to (passgate's own claim).
    pub gid: String,
    pub auth_time: i64,
}

/// An access token whose signature was checked, with the `userinfo`
/// answer last made for it and the principal it was made from (held, so
/// the pointer compared is never another's).
pub struct Verified {
    pub claims: AccessClaims,
    body: arc_swap::ArcSwapOption<(Arc<crate::session::Principal>, bytes::Bytes)>,
}

impl Verified {
    pub fn new(claims: AccessClaims) -> Self {
        Self {
            claims,
            body: arc_swap::ArcSwapOption::empty(),
        }
    }

    /// The answer made for exactly this principal, if any.
    pub fn body_for(&self, p: &Arc<crate::session::Principal>) -> Option<bytes::Bytes> {
        let cached = self.body.load();
        cached
            .as_ref()
            .filter(|c| Arc::ptr_eq(&c.0, p))
            .map(|c| c.1.clone())
    }

    pub fn keep_body(&self, p: &Arc<crate::session::Principal>, body: bytes::Bytes) {
        self.body.store(Some(Arc::new((p.clone(), body))));
    }
}

/// Access tokens whose signature was checked, by the token's SHA-256, so
/// a client calling `userinfo` again costs no signature check.
#[derive(Default)]
pub struct VerifiedTokens {
    map: RwLock<HashMap<[u8; 32], Arc<Verified>, rustc_hash::FxBuildHasher>>,
}

impl VerifiedTokens {
    pub fn get(&self, hash: &[u8; 32], now: i64) -> Option<Arc<Verified>> {
        let m = self.map.read().ok()?;
        m.get(hash).filter(|v| v.claims.exp > now).cloned()
    }

    pub fn insert(&self, hash: [u8; 32], v: Arc<Verified>, now: i64) {
        if let Ok(mut m) = self.map.write() {
            if m.len() >= MAX {
                m.retain(|_, v| v.claims.exp > now);
                if m.len() >= MAX {
                    m.clear();
                }
            }
            m.insert(hash, v);
        }
    }
}
