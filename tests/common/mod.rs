//! Helpers shared by the integration tests: real PostgreSQL databases and
//! Redis namespaces with random names, dropped when the test ends.
//!
//! `DATABASE_URL` (an admin connection; default
//! `postgres://postgres@127.0.0.1:5432/postgres`) and `REDIS_URL` (default
//! `redis://127.0.0.1:6379`) say where they are; `scripts/test` sets them,
//! starting private servers when none is running.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod browser;
pub mod gateway;
pub mod private_pg;
pub mod private_redis;
pub mod proxies;
pub mod soft_authenticator;
pub mod wire;

use std::sync::Arc;

use passgate::clock::SharedClock;
use passgate::store::ephemeral::{MemoryEphemeral, RedisEphemeral, SharedEphemeral};
use passgate::store::sql::SqlStore;

pub fn database_admin_url() -> String {
    std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

pub fn redis_url() -> String {
    std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

/// A number from the environment variable `var`, or `default`.
pub fn env_number(var: &str, default: u64) -> u64 {
    std::env::var(var)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A seed from the environment variable `var` (to run a failure again), or
/// a new one from the clock.
pub fn env_seed(var: &str) -> u64 {
    std::env::var(var)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(0)
        })
}

pub fn random_name(prefix: &str) -> String {
    format!("{prefix}_{}", passgate::session::random_id(6))
}

/// Replace the database name in a PostgreSQL URL.
pub fn with_database(url: &str, db: &str) -> String {
    let mut u = url::Url::parse(url).expect("DATABASE_URL is a URL");
    u.set_path(&format!("/{db}"));
    u.to_string()
}

/// A PostgreSQL database that exists for the life of this value.
pub struct PgDatabase {
    pub name: String,
    pub url: String,
}

impl PgDatabase {
    pub async fn create() -> Self {
        let admin = database_admin_url();
        let name = random_name("passgate_test");
        let pool = sqlx::PgPool::connect(&admin).await.unwrap_or_else(|e| {
            panic!("PostgreSQL at {admin} is needed for this test (run scripts/test): {e}")
        });
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&pool)
            .await
            .expect("create database");
        pool.close().await;
        let url = with_database(&admin, &name);
        PgDatabase { name, url }
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let admin = database_admin_url();
        let name = self.name.clone();
        // Drop runs outside any runtime we can block on: use a thread.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                if let Ok(pool) = sqlx::PgPool::connect(&admin).await {
                    let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                    )))
                    .execute(&pool)
                    .await;
                    pool.close().await;
                }
            });
        })
        .join();
    }
}

/// A Redis key namespace removed when this value is dropped.
pub struct RedisNamespace {
    pub name: String,
}

impl RedisNamespace {
    pub fn new() -> Self {
        Self {
            name: random_name("passgate_test"),
        }
    }

    pub async fn connect(&self, clock: SharedClock) -> Arc<RedisEphemeral> {
        RedisEphemeral::connect(&redis_url(), &self.name, clock)
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "Redis at {} is needed for this test (run scripts/test): {e}",
                    redis_url()
                )
            })
    }
}

impl Drop for RedisNamespace {
    fn drop(&mut self) {
        let pattern = format!("{}:*", self.name);
        let _ = std::thread::spawn(move || {
            if let Ok(client) = redis::Client::open(redis_url())
                && let Ok(mut c) = client.get_connection()
            {
                let keys: Vec<String> = redis::cmd("KEYS")
                    .arg(&pattern)
                    .query(&mut c)
                    .unwrap_or_default();
                if !keys.is_empty() {
                    let _: Result<i64, _> = redis::cmd("DEL").arg(keys).query(&mut c);
                }
            }
        })
        .join();
    }
}

/// A durable store under test plus whatever keeps it alive.
pub struct DurableFixture {
    pub store: Arc<SqlStore>,
    _pg: Option<PgDatabase>,
    _dir: Option<tempfile::TempDir>,
}

pub async fn sqlite_store() -> DurableFixture {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("passgate.db").display());
    let store = passgate::store::sqlite::open(&url)
        .await
        .expect("open sqlite");
    DurableFixture {
        store: Arc::new(store),
        _pg: None,
        _dir: Some(dir),
    }
}

pub async fn postgres_store() -> DurableFixture {
    let db = PgDatabase::create().await;
    let store = passgate::store::postgres::open(&db.url)
        .await
        .expect("open postgres");
    DurableFixture {
        store: Arc::new(store),
        _pg: Some(db),
        _dir: None,
    }
}

/// An ephemeral store under test plus whatever keeps it alive.
pub struct EphemeralFixture {
    pub eph: SharedEphemeral,
    pub ns: Option<RedisNamespace>,
}

impl EphemeralFixture {
    /// A second handle on the same store, as another replica would have.
    pub async fn another(&self, clock: SharedClock) -> SharedEphemeral {
        match &self.ns {
            Some(ns) => ns.connect(clock).await,
            None => self.eph.clone(),
        }
    }
}

pub async fn memory_ephemeral(clock: SharedClock) -> EphemeralFixture {
    EphemeralFixture {
        eph: MemoryEphemeral::new(clock),
        ns: None,
    }
}

pub async fn redis_ephemeral(clock: SharedClock) -> EphemeralFixture {
    let ns = RedisNamespace::new();
    let eph = ns.connect(clock).await;
    EphemeralFixture { eph, ns: Some(ns) }
}

/// Wait for `cond`, reporting how long it took: the figure for "within a
/// second" (the wait allows ten, so a slow CI machine does not flake).
pub async fn within(what: &str, mut cond: impl AsyncFnMut() -> bool) -> std::time::Duration {
    let start = std::time::Instant::now();
    while start.elapsed() < std::time::Duration::from_secs(10) {
        if cond().await {
            let took = start.elapsed();
            eprintln!("{what}: {} ms", took.as_millis());
            return took;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("{what}: not within 10 s");
}
