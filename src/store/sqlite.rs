//! SQLite backend: the embedded default (`sqlite://passgate.db`, created if
//! missing). WAL journal, a busy timeout so concurrent writers wait rather
//! than fail, foreign keys on. One node only: several replicas need PostgreSQL.

use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use super::sql::{Pool, SqlStore, map_sqlx};
use super::{StoreError, StoreResult};

/// The SQLite migrations, embedded at build time.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");

/// Open (creating if missing) and migrate.
pub async fn open(url: &str) -> StoreResult<SqlStore> {
    let store = connect(url).await?;
    if let Pool::Sqlite(pool) = store.pool() {
        // SQLite has no advisory lock for sqlx to take: without this, two
        // processes starting on one fresh file both see no schema and the
        // second fails ("table users already exists").
        let _lock = migration_lock(pool).await?;
        MIGRATOR
            .run(pool)
            .await
            .map_err(|e| super::postgres::migrate_error("sqlite", e))?;
    }
    Ok(store)
}

/// An exclusive `flock` on the database file while migrations run, so
/// processes starting together apply them one after the other. SQLite
/// itself locks with `fcntl`, which is independent of `flock`. Released
/// when the returned file is dropped (or the process dies). `None` for
/// in-memory databases.
async fn migration_lock(pool: &sqlx::SqlitePool) -> StoreResult<Option<std::fs::File>> {
    let path = pool.connect_options().get_filename().to_path_buf();
    // In-memory databases (`:memory:`, `mode=memory`) have no file to lock
    // and no other process to wait for.
    if !path.is_file() {
        return Ok(None);
    }
    let unavailable = |e: std::io::Error| StoreError::Unavailable {
        backend: "sqlite",
        detail: format!("cannot lock {} to migrate it: {e}", path.display()),
    };
    let file = std::fs::File::open(&path).map_err(unavailable)?;
    let file = tokio::task::spawn_blocking(move || file.lock().map(|()| file))
        .await
        .map_err(|e| unavailable(std::io::Error::other(e)))?
        .map_err(unavailable)?;
    Ok(Some(file))
}

/// Open without migrating.
pub async fn connect(url: &str) -> StoreResult<SqlStore> {
    let opts = SqliteConnectOptions::from_str(url)
        .map_err(|e| StoreError::Unavailable {
            backend: "sqlite",
            detail: format!("{url:?} is not a SQLite URL: {e}"),
        })?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(Duration::from_secs(10))
        .foreign_keys(true);
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        .acquire_timeout(Duration::from_secs(10))
        .connect_with(opts)
        .await
        .map_err(|e| match map_sqlx("sqlite", e) {
            StoreError::Backend { detail, .. } | StoreError::Unavailable { detail, .. } => {
                StoreError::Unavailable {
                    backend: "sqlite",
                    detail: format!("cannot open {url}: {detail}"),
                }
            }
            other => other,
        })?;
    Ok(SqlStore::new(Pool::Sqlite(pool)))
}
