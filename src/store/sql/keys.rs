//! Signing keys on SQL.

use super::*;
use crate::store::Keys;

#[async_trait]
impl Keys for SqlStore {
    async fn signing_keys(&self) -> StoreResult<Vec<SigningKeyRecord>> {
        let rows: Vec<KeyRow> = on_pool!(self, p => sqlx::query_as(
            "SELECT kid, algorithm, private_pem, created_at, retired_at FROM signing_keys ORDER BY created_at DESC, kid DESC",
        )
        .fetch_all(p)
        .await
        .map_err(self.err())?);
        Ok(rows.into_iter().map(SigningKeyRecord::from).collect())
    }

    async fn rotate_signing_key(&self, key: &SigningKeyRecord, now: i64) -> StoreResult<()> {
        on_pool!(self, p => {
            let mut tx = begin_write!(self, p).map_err(self.err())?;
            sqlx::query("UPDATE signing_keys SET retired_at = $1 WHERE retired_at IS NULL AND algorithm = $2")
                .bind(now)
                .bind(&key.algorithm)
                .execute(&mut *tx)
                .await
                .map_err(self.err())?;
            sqlx::query("INSERT INTO signing_keys (kid, algorithm, private_pem, created_at, retired_at) VALUES ($1, $2, $3, $4, NULL)")
                .bind(&key.kid)
                .bind(&key.algorithm)
                .bind(&key.private_pem)
                .bind(key.created_at)
                .execute(&mut *tx)
                .await
                .map_err(self.err())?;
            tx.commit().await.map_err(self.err())
        })
    }

    async fn insert_first_signing_key(&self, key: &SigningKeyRecord) -> StoreResult<bool> {
        on_pool!(self, p => {
            let mut tx = begin_write!(self, p).map_err(self.err())?;
            // Replicas starting together must not each create a first key:
            // SQLite's BEGIN IMMEDIATE already serialises; PostgreSQL locks.
            if self.name() == "postgres" {
                sqlx::query("LOCK TABLE signing_keys IN SHARE ROW EXCLUSIVE MODE")
                    .execute(&mut *tx)
                    .await
                    .map_err(self.err())?;
            }
            let active: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM signing_keys WHERE retired_at IS NULL AND algorithm = $1")
                .bind(&key.algorithm)
                .fetch_one(&mut *tx)
                .await
                .map_err(self.err())?;
            if active > 0 {
                return Ok(false);
            }
            sqlx::query("INSERT INTO signing_keys (kid, algorithm, private_pem, created_at, retired_at) VALUES ($1, $2, $3, $4, NULL)")
                .bind(&key.kid)
                .bind(&key.algorithm)
                .bind(&key.private_pem)
                .bind(key.created_at)
                .execute(&mut *tx)
                .await
                .map_err(self.err())?;
            tx.commit().await.map_err(self.err())?;
            Ok(true)
        })
    }

    async fn delete_signing_keys_retired_before(&self, before: i64) -> StoreResult<u64> {
        on_pool!(self, p => sqlx::query("DELETE FROM signing_keys WHERE retired_at IS NOT NULL AND retired_at < $1")
            .bind(before)
            .execute(p)
            .await
            .map(|r| r.rows_affected())
            .map_err(self.err()))
    }
}
