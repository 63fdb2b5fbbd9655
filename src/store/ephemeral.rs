//! The ephemeral store: short-lived values with a TTL (WebAuthn ceremony
//! state, email tokens), atomic single-use take, fixed-window counters for
//! rate limits, and the broadcast channel that carries session revocations
//! to every replica.
//!
//! In-process by default ([`MemoryEphemeral`], one node); Redis when
//! `storage.redis_url` is set ([`redis::RedisEphemeral`], several replicas).
//! Expiry is decided against the injected [`Clock`](crate::Clock) in both:
//! each value carries its expiry time, and Redis's own TTL only collects
//! garbage. Counter windows are numbered by the same clock.

pub mod late;
pub mod redis;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

use super::{StoreError, StoreResult};
use crate::clock::SharedClock;

pub use self::redis::RedisEphemeral;

/// A message every replica must see.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "t", rename_all = "snake_case")]
pub enum Broadcast {
    /// One session ended (logout, revoke).
    SessionRevoked { id: String },
    /// All of a user's sessions ended (disable, delete, sign out everywhere).
    UserRevoked { user_id: String },
    /// A user's identity changed (groups, name): drop cached copies.
    UserChanged { user_id: String },
    /// A service account's tokens changed (revoked, rotated, account
    /// disabled or enabled): drop cached copies.
    TokensChanged { account_id: String },
    /// An OpenID Connect grant ended (refresh token reuse, revocation,
    /// end of a code's use): its access tokens stop working.
    GrantRevoked { id: String },
    /// Signing keys changed: reload them.
    KeysRotated,
    /// Local only: the channel was down and is back, so messages may have
    /// been missed; caches should start over.
    Resync,
}

/// A fixed-window counter after one hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counter {
    /// Hits in the current window, this one included.
    pub count: u64,
    /// Seconds until the window ends.
    pub reset_in: u64,
}

/// Short-lived shared state. Keys are namespaced by the implementation.
#[async_trait]
pub trait Ephemeral: Send + Sync + 'static {
    /// "memory" or "redis".
    fn backend(&self) -> &'static str;
    async fn ping(&self) -> StoreResult<()>;
    /// Store `value` for `ttl`, replacing any previous value.
    async fn put(&self, key: &str, value: &[u8], ttl: Duration) -> StoreResult<()>;
    async fn get(&self, key: &str) -> StoreResult<Option<Vec<u8>>>;
    /// Remove and return the value; of two racing callers exactly one gets it.
    async fn take(&self, key: &str) -> StoreResult<Option<Vec<u8>>>;
    async fn delete(&self, key: &str) -> StoreResult<()>;
    /// Count one hit on `key` in the current `window`.
    async fn hit(&self, key: &str, window: Duration) -> StoreResult<Counter>;
    /// Count one more on `key`, a tally that lives `ttl` from its first
    /// count (not a window that may roll over while what it counts lives,
    /// such as the tries of one emailed code); the count, this one included.
    async fn tally(&self, key: &str, ttl: Duration) -> StoreResult<u64>;
    /// Send to every replica, this one included.
    async fn publish(&self, msg: &Broadcast) -> StoreResult<()>;
    fn subscribe(&self) -> broadcast::Receiver<Broadcast>;
    /// Whether broadcasts from other replicas are currently being received.
    fn channel_healthy(&self) -> bool;
}

pub type SharedEphemeral = Arc<dyn Ephemeral>;

/// Value framing shared by the backends: 8 bytes of big-endian expiry, then
/// the payload.
fn frame(expires_at: i64, value: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(8 + value.len());
    v.extend_from_slice(&expires_at.to_be_bytes());
    v.extend_from_slice(value);
    v
}

fn unframe(raw: &[u8], now: i64) -> StoreResult<Option<Vec<u8>>> {
    if raw.len() < 8 {
        return Err(StoreError::Corrupt(
            "ephemeral value shorter than its header".into(),
        ));
    }
    let mut at = [0u8; 8];
    at.copy_from_slice(&raw[..8]);
    if now >= i64::from_be_bytes(at) {
        return Ok(None);
    }
    Ok(Some(raw[8..].to_vec()))
}

fn ttl_secs(ttl: Duration) -> i64 {
    (ttl.as_secs() as i64).max(1)
}

/// Window number and seconds left in it.
fn window(now: i64, window: Duration) -> (i64, u64) {
    let w = ttl_secs(window);
    let idx = now.div_euclid(w);
    let reset_in = (idx + 1) * w - now;
    (idx, reset_in.max(1) as u64)
}

/// Values by key, with their expiry time.
type ValueMap = HashMap<String, (i64, Vec<u8>)>;

/// In-process ephemeral store (single node).
pub struct MemoryEphemeral {
    clock: SharedClock,
    values: Mutex<ValueMap>,
    counters: Mutex<HashMap<String, (i64, u64)>>,
    /// Tallies: expiry and count.
    tallies: Mutex<HashMap<String, (i64, u64)>>,
    tx: broadcast::Sender<Broadcast>,
}

impl MemoryEphemeral {
    pub fn new(clock: SharedClock) -> Arc<Self> {
        let (tx, _) = broadcast::channel(1024);
        Arc::new(Self {
            clock,
            values: Mutex::new(HashMap::new()),
            counters: Mutex::new(HashMap::new()),
            tallies: Mutex::new(HashMap::new()),
            tx,
        })
    }

    fn values(&self) -> StoreResult<std::sync::MutexGuard<'_, ValueMap>> {
        self.values
            .lock()
            .map_err(|_| StoreError::Corrupt("ephemeral store lock poisoned".into()))
    }

    /// Drop expired entries once the map has grown, so abandoned ceremonies
    /// cannot accumulate without bound.
    fn sweep(map: &mut ValueMap, now: i64) {
        if map.len() > 1024 && map.len().is_power_of_two() {
            map.retain(|_, (at, _)| *at > now);
        }
    }
}

#[async_trait]
impl Ephemeral for MemoryEphemeral {
    fn backend(&self) -> &'static str {
        "memory"
    }

    async fn ping(&self) -> StoreResult<()> {
        self.values().map(|_| ())
    }

    async fn put(&self, key: &str, value: &[u8], ttl: Duration) -> StoreResult<()> {
        let now = self.clock.now();
        let mut m = self.values()?;
        Self::sweep(&mut m, now);
        m.insert(key.to_string(), (now + ttl_secs(ttl), value.to_vec()));
        Ok(())
    }

    async fn get(&self, key: &str) -> StoreResult<Option<Vec<u8>>> {
        let now = self.clock.now();
        let m = self.values()?;
        Ok(m.get(key)
            .filter(|(at, _)| now < *at)
            .map(|(_, v)| v.clone()))
    }

    async fn take(&self, key: &str) -> StoreResult<Option<Vec<u8>>> {
        let now = self.clock.now();
        let mut m = self.values()?;
        Ok(m.remove(key).filter(|(at, _)| now < *at).map(|(_, v)| v))
    }

    async fn delete(&self, key: &str) -> StoreResult<()> {
        self.values()?.remove(key);
        Ok(())
    }

    async fn hit(&self, key: &str, w: Duration) -> StoreResult<Counter> {
        let now = self.clock.now();
        let (idx, reset_in) = window(now, w);
        let mut m = self
            .counters
            .lock()
            .map_err(|_| StoreError::Corrupt("ephemeral store lock poisoned".into()))?;
        if m.len() > 4096 {
            m.retain(|_, (i, _)| *i >= idx - 1);
        }
        let e = m.entry(key.to_string()).or_insert((idx, 0));
        if e.0 != idx {
            *e = (idx, 0);
        }
        e.1 += 1;
        Ok(Counter {
            count: e.1,
            reset_in,
        })
    }

    async fn tally(&self, key: &str, ttl: Duration) -> StoreResult<u64> {
        let now = self.clock.now();
        let mut m = self
            .tallies
            .lock()
            .map_err(|_| StoreError::Corrupt("ephemeral store lock poisoned".into()))?;
        if m.len() > 4096 {
            m.retain(|_, (at, _)| *at > now);
        }
        let e = m.entry(key.to_string()).or_insert((now + ttl_secs(ttl), 0));
        if e.0 <= now {
            *e = (now + ttl_secs(ttl), 0);
        }
        e.1 += 1;
        Ok(e.1)
    }

    async fn publish(&self, msg: &Broadcast) -> StoreResult<()> {
        // No receivers is not an error: nothing is cached yet.
        let _ = self.tx.send(msg.clone());
        Ok(())
    }

    fn subscribe(&self) -> broadcast::Receiver<Broadcast> {
        self.tx.subscribe()
    }

    fn channel_healthy(&self) -> bool {
        true
    }
}

/// Open the ephemeral store: Redis when `redis_url` is set, else in-process.
pub async fn open(
    redis_url: Option<&crate::secret::Secret>,
    prefix: &str,
    clock: SharedClock,
) -> StoreResult<SharedEphemeral> {
    match redis_url {
        Some(url) => Ok(RedisEphemeral::connect(url.expose(), prefix, clock).await?),
        None => Ok(MemoryEphemeral::new(clock)),
    }
}
