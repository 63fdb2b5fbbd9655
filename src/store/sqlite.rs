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
///
/// Both run under an exclusive `flock` on the database file, so processes
/// starting together on one file open and migrate it one after the other.
/// Without it, two of them on a fresh file both see no schema and the
/// second fails ("table users already exists": SQLite has no advisory lock
/// for sqlx's migrator, unlike PostgreSQL); and one opening the file while
/// another switches it to WAL is told "database is locked" at once (SQLite
/// does not wait where waiting could deadlock). SQLite itself locks with
/// `fcntl`, which is independent of `flock`; the lock is released when the
/// file is dropped, or the process dies.
pub async fn open(url: &str) -> StoreResult<SqlStore> {
    let opts = options(url)?;
    let _lock = if in_memory(url) {
        None
    } else {
        Some(file_lock(opts.get_filename()).await?)
    };
    let store = connect_with(url, opts).await?;
    if let Pool::Sqlite(pool) = store.pool() {
        MIGRATOR
            .run(pool)
            .await
            .map_err(|e| super::postgres::migrate_error("sqlite", e))?;
    }
    Ok(store)
}

/// Does `url` name an in-memory database (no file, no other process)?
fn in_memory(url: &str) -> bool {
    let rest = url.strip_prefix("sqlite:").unwrap_or(url);
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    let (database, params) = rest.split_once('?').unwrap_or((rest, ""));
    database == ":memory:" || params.split('&').any(|p| p == "mode=memory")
}

/// An exclusive `flock` on `path`, created (empty) if missing.
async fn file_lock(path: &std::path::Path) -> StoreResult<std::fs::File> {
    let unavailable = |e: std::io::Error| StoreError::Unavailable {
        backend: "sqlite",
        detail: format!("cannot lock {} to open it: {e}", path.display()),
    };
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .map_err(unavailable)?;
    tokio::task::spawn_blocking(move || file.lock().map(|()| file))
        .await
        .map_err(|e| unavailable(std::io::Error::other(e)))?
        .map_err(unavailable)
}

/// Open without migrating.
pub async fn connect(url: &str) -> StoreResult<SqlStore> {
    connect_with(url, options(url)?).await
}

fn options(url: &str) -> StoreResult<SqliteConnectOptions> {
    Ok(SqliteConnectOptions::from_str(url)
        .map_err(|e| StoreError::Unavailable {
            backend: "sqlite",
            detail: format!("{url:?} is not a SQLite URL: {e}"),
        })?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(Duration::from_secs(10))
        .foreign_keys(true))
}

async fn connect_with(url: &str, opts: SqliteConnectOptions) -> StoreResult<SqlStore> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_memory_databases_are_told_from_files() {
        for (url, memory) in [
            ("sqlite::memory:", true),
            ("sqlite://:memory:", true),
            ("sqlite://file:shared?mode=memory&cache=shared", true),
            ("sqlite://passgate.db", false),
            ("sqlite:///var/lib/passgate/passgate.db?mode=rwc", false),
            ("sqlite://memory.db", false),
            ("sqlite://dir/:memory:x", false),
        ] {
            assert_eq!(in_memory(url), memory, "{url}");
        }
    }
}
