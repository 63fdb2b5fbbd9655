//! Redis that was down when passgate started: the server starts without it
//! and connects in the background, as it would reconnect after an outage
//! that began later. Until then every call fails as unavailable at once (the
//! breaker in `store/breaker.rs` answers for it), the broadcast channel is
//! not healthy (cached sessions are re-checked every second), and once
//! connected calls go to the [`RedisEphemeral`] and its broadcasts are
//! passed on, starting with a [`Broadcast::Resync`].

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use async_trait::async_trait;
use tokio::sync::broadcast;

use super::{Broadcast, Counter, Ephemeral, RedisEphemeral, SharedEphemeral};
use crate::clock::SharedClock;
use crate::store::{StoreError, StoreResult};

/// How often a connection is tried while Redis has not been reached.
const RETRY_EVERY: Duration = Duration::from_secs(1);

pub struct LateRedis {
    redis: Arc<OnceLock<Arc<RedisEphemeral>>>,
    tx: broadcast::Sender<Broadcast>,
}

impl LateRedis {
    /// Start connecting to `url` in the background until it answers or
    /// `stop` is cancelled.
    pub fn start(
        url: crate::secret::Secret,
        namespace: String,
        clock: SharedClock,
        stop: tokio_util::sync::CancellationToken,
    ) -> SharedEphemeral {
        let redis = Arc::new(OnceLock::new());
        let (tx, _) = broadcast::channel(1024);
        tokio::spawn(connect(
            url,
            namespace,
            clock,
            stop,
            redis.clone(),
            tx.clone(),
        ));
        Arc::new(LateRedis { redis, tx })
    }

    fn redis(&self) -> StoreResult<&Arc<RedisEphemeral>> {
        self.redis.get().ok_or(StoreError::Unavailable {
            backend: "redis",
            detail: "not reached since start-up (connecting in the background)".into(),
        })
    }
}

async fn connect(
    url: crate::secret::Secret,
    namespace: String,
    clock: SharedClock,
    stop: tokio_util::sync::CancellationToken,
    slot: Arc<OnceLock<Arc<RedisEphemeral>>>,
    tx: broadcast::Sender<Broadcast>,
) {
    let redis = loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(RETRY_EVERY) => {}
        }
        match RedisEphemeral::connect(url.expose(), &namespace, clock.clone()).await {
            Ok(r) => break r,
            Err(e) => tracing::debug!(error = %e, "redis still unreachable"),
        }
    };
    let mut rx = redis.subscribe();
    let _ = slot.set(redis);
    tracing::info!("redis reached: connected after starting without it");
    // Whatever was published while it was unreachable went unheard.
    let _ = tx.send(Broadcast::Resync);
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            msg = rx.recv() => match msg {
                Ok(m) => { let _ = tx.send(m); }
                Err(broadcast::error::RecvError::Lagged(_)) => { let _ = tx.send(Broadcast::Resync); }
                Err(broadcast::error::RecvError::Closed) => return,
            },
        }
    }
}

#[async_trait]
impl Ephemeral for LateRedis {
    fn backend(&self) -> &'static str {
        "redis"
    }

    async fn ping(&self) -> StoreResult<()> {
        self.redis()?.ping().await
    }

    async fn put(&self, key: &str, value: &[u8], ttl: Duration) -> StoreResult<()> {
        self.redis()?.put(key, value, ttl).await
    }

    async fn get(&self, key: &str) -> StoreResult<Option<Vec<u8>>> {
        self.redis()?.get(key).await
    }

    async fn take(&self, key: &str) -> StoreResult<Option<Vec<u8>>> {
        self.redis()?.take(key).await
    }

    async fn delete(&self, key: &str) -> StoreResult<()> {
        self.redis()?.delete(key).await
    }

    async fn hit(&self, key: &str, window: Duration) -> StoreResult<Counter> {
        self.redis()?.hit(key, window).await
    }

    async fn tally(&self, key: &str, ttl: Duration) -> StoreResult<u64> {
        self.redis()?.tally(key, ttl).await
    }

    async fn publish(&self, msg: &Broadcast) -> StoreResult<()> {
        self.redis()?.publish(msg).await
    }

    fn subscribe(&self) -> broadcast::Receiver<Broadcast> {
        self.tx.subscribe()
    }

    fn channel_healthy(&self) -> bool {
        self.redis.get().is_some_and(|r| r.channel_healthy())
    }
}
