//! Redis backend of the ephemeral store (needed for more than one replica).
//!
//! Commands go through a [`ConnectionManager`] that reconnects by itself;
//! broadcasts use Redis pub/sub on a dedicated connection watched by a
//! background task. While that connection is down, [`Ephemeral::channel_healthy`]
//! is false (the session cache then trusts its entries for at most a second),
//! and when it comes back a local [`Broadcast::Resync`] tells caches that
//! messages may have been missed.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use futures_util::StreamExt;
use redis::AsyncCommands;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use tokio::sync::broadcast;

use super::{Broadcast, Counter, Ephemeral, frame, ttl_secs, unframe, window};
use crate::clock::SharedClock;
use crate::secret::redact_url;
use crate::store::{StoreError, StoreResult};

/// Redis-backed ephemeral store. Keys live under `<namespace>:`.
pub struct RedisEphemeral {
    conn: ConnectionManager,
    ns: String,
    clock: SharedClock,
    tx: broadcast::Sender<Broadcast>,
    healthy: Arc<AtomicBool>,
    listener: tokio::task::JoinHandle<()>,
}

impl Drop for RedisEphemeral {
    fn drop(&mut self) {
        self.listener.abort();
    }
}

fn unavailable(e: redis::RedisError) -> StoreError {
    StoreError::Unavailable {
        backend: "redis",
        detail: e.to_string(),
    }
}

impl RedisEphemeral {
    /// Connect (failing fast when Redis is unreachable) and start listening
    /// for broadcasts.
    pub async fn connect(url: &str, namespace: &str, clock: SharedClock) -> StoreResult<Arc<Self>> {
        let fail = |e: redis::RedisError| StoreError::Unavailable {
            backend: "redis",
            detail: format!("cannot connect to {}: {e}", redact_url(url)),
        };
        let client = redis::Client::open(url).map_err(fail)?;
        let cfg = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(3)))
            .set_response_timeout(Some(Duration::from_secs(2)))
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_secs(2));
        let conn = tokio::time::timeout(
            Duration::from_secs(5),
            client.get_connection_manager_with_config(cfg),
        )
        .await
        .map_err(|_| StoreError::Unavailable {
            backend: "redis",
            detail: format!("cannot connect to {}: timed out", redact_url(url)),
        })?
        .map_err(fail)?;
        let (tx, _) = broadcast::channel(1024);
        let healthy = Arc::new(AtomicBool::new(false));
        let channel = format!("{namespace}:broadcast");
        // Subscribe once before returning so a fresh replica does not miss
        // messages published right after start-up.
        let first = tokio::time::timeout(Duration::from_secs(5), subscribe(&client, &channel))
            .await
            .map_err(|_| StoreError::Unavailable {
                backend: "redis",
                detail: "subscribing to the broadcast channel timed out".into(),
            })?
            .map_err(fail)?;
        healthy.store(true, Ordering::SeqCst);
        let listener = tokio::spawn(listen(client, channel, first, tx.clone(), healthy.clone()));
        Ok(Arc::new(Self {
            conn,
            ns: namespace.to_string(),
            clock,
            tx,
            healthy,
            listener,
        }))
    }

    fn key(&self, k: &str) -> String {
        format!("{}:{k}", self.ns)
    }
}

async fn subscribe(
    client: &redis::Client,
    channel: &str,
) -> redis::RedisResult<redis::aio::PubSub> {
    let mut ps = client.get_async_pubsub().await?;
    ps.subscribe(channel).await?;
    Ok(ps)
}

/// Forward pub/sub messages to local subscribers, reconnecting forever.
async fn listen(
    client: redis::Client,
    channel: String,
    first: redis::aio::PubSub,
    tx: broadcast::Sender<Broadcast>,
    healthy: Arc<AtomicBool>,
) {
    let mut next = Some(first);
    let mut backoff = Duration::from_millis(100);
    loop {
        let ps = match next.take() {
            Some(ps) => ps,
            None => match subscribe(&client, &channel).await {
                Ok(ps) => {
                    healthy.store(true, Ordering::SeqCst);
                    tracing::info!("redis broadcast channel reconnected");
                    let _ = tx.send(Broadcast::Resync);
                    backoff = Duration::from_millis(100);
                    ps
                }
                Err(e) => {
                    tracing::debug!(error = %e, "redis broadcast channel still down");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(2));
                    continue;
                }
            },
        };
        let mut stream = ps.into_on_message();
        while let Some(msg) = stream.next().await {
            let payload: Vec<u8> = msg.get_payload_bytes().to_vec();
            match serde_json::from_slice::<Broadcast>(&payload) {
                Ok(b) => {
                    let _ = tx.send(b);
                }
                Err(e) => tracing::warn!(error = %e, "ignoring a malformed broadcast message"),
            }
        }
        healthy.store(false, Ordering::SeqCst);
        tracing::warn!(
            "redis broadcast channel lost; cached sessions are re-checked every second until it is back"
        );
        tokio::time::sleep(backoff).await;
    }
}

#[async_trait]
impl Ephemeral for RedisEphemeral {
    fn backend(&self) -> &'static str {
        "redis"
    }

    async fn ping(&self) -> StoreResult<()> {
        let mut c = self.conn.clone();
        let _: String = redis::cmd("PING")
            .query_async(&mut c)
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    async fn put(&self, key: &str, value: &[u8], ttl: Duration) -> StoreResult<()> {
        let now = self.clock.now();
        let secs = ttl_secs(ttl);
        let mut c = self.conn.clone();
        // Redis keeps it a little longer than the logical expiry, which the
        // frame carries; it only needs to be collected eventually.
        let _: () = c
            .set_ex(self.key(key), frame(now + secs, value), (secs + 5) as u64)
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    async fn get(&self, key: &str) -> StoreResult<Option<Vec<u8>>> {
        let mut c = self.conn.clone();
        let raw: Option<Vec<u8>> = c.get(self.key(key)).await.map_err(unavailable)?;
        match raw {
            Some(r) => unframe(&r, self.clock.now()),
            None => Ok(None),
        }
    }

    async fn take(&self, key: &str) -> StoreResult<Option<Vec<u8>>> {
        let mut c = self.conn.clone();
        let raw: Option<Vec<u8>> = redis::cmd("GETDEL")
            .arg(self.key(key))
            .query_async(&mut c)
            .await
            .map_err(unavailable)?;
        match raw {
            Some(r) => unframe(&r, self.clock.now()),
            None => Ok(None),
        }
    }

    async fn delete(&self, key: &str) -> StoreResult<()> {
        let mut c = self.conn.clone();
        let _: i64 = c.del(self.key(key)).await.map_err(unavailable)?;
        Ok(())
    }

    async fn hit(&self, key: &str, w: Duration) -> StoreResult<Counter> {
        let (idx, reset_in) = window(self.clock.now(), w);
        let k = self.key(&format!("rl:{key}:{idx}"));
        let mut c = self.conn.clone();
        let (count,): (u64,) = redis::pipe()
            .atomic()
            .incr(&k, 1u64)
            .expire(&k, ttl_secs(w) + 5)
            .ignore()
            .query_async(&mut c)
            .await
            .map_err(unavailable)?;
        Ok(Counter { count, reset_in })
    }

    async fn tally(&self, key: &str, ttl: Duration) -> StoreResult<u64> {
        // The expiry goes with the count, decided by the injected clock as
        // every value's is; Redis's own TTL only collects garbage.
        static TALLY: std::sync::LazyLock<redis::Script> = std::sync::LazyLock::new(|| {
            redis::Script::new(
                r"
local v = redis.call('GET', KEYS[1])
local now = tonumber(ARGV[1])
local ttl = tonumber(ARGV[2])
if v then
  local at, n = string.match(v, '^(%d+):(%d+)$')
  if at and tonumber(at) > now then
    n = tonumber(n) + 1
    redis.call('SET', KEYS[1], at .. ':' .. n, 'KEEPTTL')
    return n
  end
end
redis.call('SET', KEYS[1], (now + ttl) .. ':1', 'EX', ttl + 5)
return 1
",
            )
        });
        let mut c = self.conn.clone();
        TALLY
            .key(self.key(&format!("tally:{key}")))
            .arg(self.clock.now())
            .arg(ttl_secs(ttl))
            .invoke_async(&mut c)
            .await
            .map_err(unavailable)
    }

    async fn publish(&self, msg: &Broadcast) -> StoreResult<()> {
        // Deliver locally at once (this replica must not wait for Redis), then
        // to the others. The echo from Redis is a harmless duplicate.
        let _ = self.tx.send(msg.clone());
        let payload = serde_json::to_vec(msg).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let mut c = self.conn.clone();
        let _: i64 = c
            .publish(self.key("broadcast"), payload)
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    fn subscribe(&self) -> broadcast::Receiver<Broadcast> {
        self.tx.subscribe()
    }

    fn channel_healthy(&self) -> bool {
        self.healthy.load(Ordering::SeqCst)
    }
}
