//! Sessions and the revocation log on SQL.

use super::*;
use crate::store::Sessions;

#[async_trait]
impl Sessions for SqlStore {
    async fn create_session(&self, s: &SessionRecord) -> StoreResult<()> {
        on_pool!(self, p => sqlx::query(
            "INSERT INTO sessions (id, token_hash, user_id, auth_method, created_at, last_seen_at, expires_at, idle_timeout, user_agent, ip, credential_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(&s.id)
        .bind(&s.token_hash)
        .bind(&s.user_id)
        .bind(&s.auth_method)
        .bind(s.created_at)
        .bind(s.last_seen_at)
        .bind(s.expires_at)
        .bind(s.idle_timeout)
        .bind(&s.user_agent)
        .bind(&s.ip)
        .bind(&s.credential_id)
        .execute(p)
        .await
        .map(|_| ())
        .map_err(self.err()))
    }

    async fn session_by_token_hash(&self, token_hash: &[u8]) -> StoreResult<Option<SessionRecord>> {
        let q = sql(format!(
            "SELECT {SESSION_COLS} FROM sessions WHERE token_hash = $1"
        ));
        let row: Option<SessionRow> = on_pool!(self, p => sqlx::query_as(q).bind(token_hash).fetch_optional(p).await.map_err(self.err())?);
        Ok(row.map(SessionRecord::from))
    }

    async fn get_session(&self, id: &str) -> StoreResult<Option<SessionRecord>> {
        let q = sql(format!("SELECT {SESSION_COLS} FROM sessions WHERE id = $1"));
        let row: Option<SessionRow> = on_pool!(self, p => sqlx::query_as(q).bind(id).fetch_optional(p).await.map_err(self.err())?);
        Ok(row.map(SessionRecord::from))
    }

    async fn touch_sessions(&self, seen: &[(String, i64)]) -> StoreResult<()> {
        self.write_times(
            "UPDATE sessions SET last_seen_at = $2 WHERE id = $1 AND last_seen_at < $2",
            seen,
        )
        .await
    }

    async fn delete_session(&self, id: &str) -> StoreResult<bool> {
        let n = on_pool!(self, p => sqlx::query("DELETE FROM sessions WHERE id = $1")
            .bind(id)
            .execute(p)
            .await
            .map_err(self.err())?
            .rows_affected());
        Ok(n > 0)
    }

    async fn delete_user_sessions(&self, user_id: &str) -> StoreResult<Vec<String>> {
        on_pool!(self, p => sqlx::query_scalar("DELETE FROM sessions WHERE user_id = $1 RETURNING id")
            .bind(user_id)
            .fetch_all(p)
            .await
            .map_err(self.err()))
    }

    async fn list_sessions(&self, user_id: Option<&str>) -> StoreResult<Vec<SessionRecord>> {
        let q = sql(format!(
            "SELECT {SESSION_COLS} FROM sessions WHERE ($1 IS NULL OR user_id = $1) ORDER BY last_seen_at DESC, id"
        ));
        let rows: Vec<SessionRow> = on_pool!(self, p => sqlx::query_as(q).bind(user_id).fetch_all(p).await.map_err(self.err())?);
        Ok(rows.into_iter().map(SessionRecord::from).collect())
    }

    async fn count_sessions(&self, now: i64) -> StoreResult<u64> {
        let n: i64 = on_pool!(self, p => sqlx::query_scalar("SELECT COUNT(*) FROM sessions WHERE expires_at > $1 AND last_seen_at + idle_timeout > $1")
            .bind(now)
            .fetch_one(p)
            .await
            .map_err(self.err())?);
        Ok(n.max(0) as u64)
    }

    async fn purge_expired_sessions(&self, now: i64) -> StoreResult<u64> {
        on_pool!(self, p => sqlx::query("DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at + idle_timeout <= $1")
            .bind(now)
            .execute(p)
            .await
            .map(|r| r.rows_affected())
            .map_err(self.err()))
    }

    async fn append_revocation(&self, message: &str, at: i64) -> StoreResult<i64> {
        on_pool!(self, p => sqlx::query_scalar("INSERT INTO revocations (at, message) VALUES ($1, $2) RETURNING id")
            .bind(at)
            .bind(message)
            .fetch_one(p)
            .await
            .map_err(self.err()))
    }

    async fn revocations_after(&self, after: i64, limit: i64) -> StoreResult<Vec<(i64, String)>> {
        on_pool!(self, p => sqlx::query_as("SELECT id, message FROM revocations WHERE id > $1 ORDER BY id LIMIT $2")
            .bind(after)
            .bind(limit)
            .fetch_all(p)
            .await
            .map_err(self.err()))
    }

    async fn latest_revocation_id(&self) -> StoreResult<i64> {
        on_pool!(self, p => sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM revocations")
            .fetch_one(p)
            .await
            .map_err(self.err()))
    }

    async fn purge_revocations(&self, before: i64) -> StoreResult<u64> {
        on_pool!(self, p => sqlx::query("DELETE FROM revocations WHERE at < $1")
            .bind(before)
            .execute(p)
            .await
            .map(|r| r.rows_affected())
            .map_err(self.err()))
    }
}
