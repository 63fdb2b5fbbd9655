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
        MIGRATOR
            .run(pool)
            .await
            .map_err(|e| super::postgres::migrate_error("sqlite", e))?;
    }
    Ok(store)
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
