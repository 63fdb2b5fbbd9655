//! PostgreSQL backend: for production and for several replicas sharing one
//! database. Migrations take PostgreSQL's advisory lock, so replicas starting
//! together apply them once; each migration runs in its own transaction, so a
//! failure leaves the schema at the previous version, never half-way.

use std::time::Duration;

use sqlx::postgres::PgPoolOptions;

use super::sql::{Pool, SqlStore, map_sqlx};
use super::{StoreError, StoreResult};
use crate::secret::redact_url;

/// The PostgreSQL migrations, embedded at build time.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

/// Connect and migrate.
pub async fn open(url: &str) -> StoreResult<SqlStore> {
    let store = connect(url).await?;
    if let Pool::Postgres(pool) = store.pool() {
        MIGRATOR
            .run(pool)
            .await
            .map_err(|e| migrate_error("postgres", e))?;
    }
    Ok(store)
}

/// Connect without migrating.
pub async fn connect(url: &str) -> StoreResult<SqlStore> {
    // One plain connection first: when the server is unreachable this says
    // why ("connection refused") instead of "pool timed out".
    let first = tokio::time::timeout(
        Duration::from_secs(5),
        <sqlx::PgConnection as sqlx::Connection>::connect(url),
    )
    .await;
    let reason = match first {
        Ok(Ok(c)) => {
            let _ = sqlx::Connection::close(c).await;
            None
        }
        Ok(Err(e)) => Some(match map_sqlx("postgres", e) {
            StoreError::Unavailable { detail, .. } | StoreError::Backend { detail, .. } => detail,
            other => other.to_string(),
        }),
        Err(_) => Some("timed out after 5 s".into()),
    };
    if let Some(detail) = reason {
        return Err(StoreError::Unavailable {
            backend: "postgres",
            detail: format!(
                "cannot connect to {}: {detail}. Check storage.database_url and that PostgreSQL is running and reachable",
                redact_url(url)
            ),
        });
    }
    let pool = PgPoolOptions::new()
        .max_connections(16)
        .min_connections(1)
        .acquire_timeout(Duration::from_secs(5))
        .connect(url)
        .await
        .map_err(|e| {
            let detail = match map_sqlx("postgres", e) {
                StoreError::Unavailable { detail, .. } | StoreError::Backend { detail, .. } => {
                    detail
                }
                other => other.to_string(),
            };
            StoreError::Unavailable {
                backend: "postgres",
                detail: format!("cannot connect to {}: {detail}", redact_url(url)),
            }
        })?;
    Ok(SqlStore::new(Pool::Postgres(pool)))
}

/// A migration failure as a store error that says what to do.
pub fn migrate_error(backend: &'static str, e: sqlx::migrate::MigrateError) -> StoreError {
    StoreError::Backend {
        backend,
        detail: format!(
            "migration failed: {e}. The failed migration was rolled back; the schema is at the last version that applied. Fix the cause and run `passgate migrate` again"
        ),
    }
}
