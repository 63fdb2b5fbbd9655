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
/// Both run under an exclusive `flock` on a file beside the database
/// (`<database>.open-lock`), so processes starting together on one file
/// open and migrate it one after the other. Without it, two of them on a
/// fresh file both see no schema and the second fails ("table users
/// already exists": SQLite has no advisory lock for sqlx's migrator, unlike
/// PostgreSQL); and one opening the file while another switches it to WAL
/// is told "database is locked" at once (SQLite does not wait where
/// waiting could deadlock). The lock is released when the file is dropped,
/// or the process dies.
///
/// Never the database file itself: SQLite locks it with `fcntl`, and
/// closing *any* descriptor of a file drops every `fcntl` lock the process
/// holds on it. Closing a lock handle on the database would silently take
/// SQLite's own locks away, and the next client that closed the database
/// (the CLI, a backup, `sqlite3`) would take itself for the last one,
/// checkpoint, and delete the WAL under the running server — which from
/// then on reads a stale copy (revocations and new tokens unseen) and can
/// corrupt the file.
pub async fn open(url: &str) -> StoreResult<SqlStore> {
    let opts = options(url)?;
    let _lock = if in_memory(url) {
        None
    } else {
        Some(file_lock(&lock_path(opts.get_filename())).await?)
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

/// The file whose `flock` serialises opening the database at `db`.
fn lock_path(db: &std::path::Path) -> std::path::PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(".open-lock");
    std::path::PathBuf::from(name)
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

    /// Another SQLite client opening and closing the database (the CLI, a
    /// backup, the `sqlite3` shell) leaves a running store seeing every
    /// later write: the store's own `fcntl` locks are still held, so that
    /// client does not take itself for the last one and delete the WAL.
    #[tokio::test]
    async fn another_client_closing_the_database_does_not_blind_a_running_store() {
        use crate::store::Users;
        let dir = tempfile::tempdir().expect("tempdir");
        let db = dir.path().join("t.db");
        let url = format!("sqlite://{}", db.display());
        let server = open(&url).await.expect("open");
        let user = |email: &str| crate::store::NewUser {
            email: email.into(),
            ..Default::default()
        };
        server
            .create_user(&user("a@example.com"), 1)
            .await
            .expect("a");
        let out = std::process::Command::new("python3")
            .arg("-c")
            .arg("import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('select count(*) from users').fetchall(); c.close()")
            .arg(&db)
            .output()
            .expect("python3 (the machine's sqlite3 module) runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            dir.path().join("t.db-wal").exists(),
            "the other client deleted the WAL the running store has open"
        );
        let cli = open(&url).await.expect("open again");
        cli.create_user(&user("b@example.com"), 2).await.expect("b");
        assert!(
            server
                .find_user_by_email("b@example.com")
                .await
                .expect("read")
                .is_some(),
            "the running store does not see a write made after the other client closed"
        );
    }

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
