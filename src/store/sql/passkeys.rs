//! Passkeys on SQL.

use super::*;
use crate::store::Passkeys;

#[async_trait]
impl Passkeys for SqlStore {
    async fn add_passkey(&self, pk: &PasskeyRecord) -> StoreResult<()> {
        on_pool!(self, p => sqlx::query(
            "INSERT INTO passkeys (credential_id, user_id, name, data, aaguid, backup_eligible, backup_state, sign_count, created_at, last_used_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(&pk.credential_id)
        .bind(&pk.user_id)
        .bind(&pk.name)
        .bind(&pk.data)
        .bind(&pk.aaguid)
        .bind(pk.backup_eligible)
        .bind(pk.backup_state)
        .bind(pk.sign_count)
        .bind(pk.created_at)
        .bind(pk.last_used_at)
        .execute(p)
        .await
        .map(|_| ())
        .map_err(self.err()))
    }

    async fn passkeys_for_user(&self, user_id: &str) -> StoreResult<Vec<PasskeyRecord>> {
        let q = sql(format!(
            "SELECT {PASSKEY_COLS} FROM passkeys WHERE user_id = $1 ORDER BY created_at, credential_id"
        ));
        let rows: Vec<PasskeyRow> = on_pool!(self, p => sqlx::query_as(q).bind(user_id).fetch_all(p).await.map_err(self.err())?);
        Ok(rows.into_iter().map(PasskeyRecord::from).collect())
    }

    async fn passkey_by_credential(
        &self,
        credential_id: &[u8],
    ) -> StoreResult<Option<PasskeyRecord>> {
        let q = sql(format!(
            "SELECT {PASSKEY_COLS} FROM passkeys WHERE credential_id = $1"
        ));
        let row: Option<PasskeyRow> = on_pool!(self, p => sqlx::query_as(q).bind(credential_id).fetch_optional(p).await.map_err(self.err())?);
        Ok(row.map(PasskeyRecord::from))
    }

    async fn record_passkey_use(
        &self,
        credential_id: &[u8],
        data: &str,
        sign_count: i64,
        backup_state: bool,
        now: i64,
    ) -> StoreResult<()> {
        let n = on_pool!(self, p => sqlx::query(
            "UPDATE passkeys SET data = $2, sign_count = $3, backup_state = $4, last_used_at = $5 WHERE credential_id = $1",
        )
        .bind(credential_id)
        .bind(data)
        .bind(sign_count)
        .bind(backup_state)
        .bind(now)
        .execute(p)
        .await
        .map_err(self.err())?
        .rows_affected());
        if n == 0 {
            return Err(StoreError::NotFound("no such passkey".into()));
        }
        Ok(())
    }

    async fn rename_passkey(
        &self,
        user_id: &str,
        credential_id: &[u8],
        name: &str,
    ) -> StoreResult<()> {
        let n = on_pool!(self, p => sqlx::query("UPDATE passkeys SET name = $3 WHERE user_id = $1 AND credential_id = $2")
            .bind(user_id)
            .bind(credential_id)
            .bind(name)
            .execute(p)
            .await
            .map_err(self.err())?
            .rows_affected());
        if n == 0 {
            return Err(StoreError::NotFound("no such passkey for this user".into()));
        }
        Ok(())
    }

    async fn delete_passkey(
        &self,
        user_id: &str,
        credential_id: &[u8],
    ) -> StoreResult<Vec<String>> {
        on_pool!(self, p => {
            let mut tx = begin_write!(self, p).map_err(self.err())?;
            let n = sqlx::query("DELETE FROM passkeys WHERE user_id = $1 AND credential_id = $2")
                .bind(user_id)
                .bind(credential_id)
                .execute(&mut *tx)
                .await
                .map_err(self.err())?
                .rows_affected();
            if n == 0 {
                return Err(StoreError::NotFound("no such passkey for this user".into()));
            }
            let ended: Vec<String> = sqlx::query_scalar("DELETE FROM sessions WHERE user_id = $1 AND credential_id = $2 RETURNING id")
                .bind(user_id)
                .bind(credential_id)
                .fetch_all(&mut *tx)
                .await
                .map_err(self.err())?;
            tx.commit().await.map_err(self.err())?;
            Ok(ended)
        })
    }
}
