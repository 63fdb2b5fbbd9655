//! OpenID Connect grants and their refresh tokens on SQL.

use super::*;
use crate::store::{ClientUse, Grant, Grants, RefreshUse};

#[derive(sqlx::FromRow)]
struct GrantRow {
    id: String,
    client_id: String,
    user_id: String,
    session_id: String,
    scope: String,
    auth_time: i64,
    amr: String,
    created_at: i64,
    last_used_at: i64,
}

impl From<GrantRow> for Grant {
    fn from(r: GrantRow) -> Self {
        Grant {
            id: r.id,
            client_id: r.client_id,
            user_id: r.user_id,
            session_id: r.session_id,
            scope: r.scope,
            auth_time: r.auth_time,
            amr: r.amr,
            created_at: r.created_at,
            last_used_at: r.last_used_at,
        }
    }
}

const GRANT_COLS: &str =
    "id, client_id, user_id, session_id, scope, auth_time, amr, created_at, last_used_at";

/// Insert a refresh token for `grant` in the transaction `tx`.
macro_rules! insert_refresh {
    ($self:ident, $tx:ident, $hash:expr, $grant:expr, $now:expr) => {{
        sqlx::query(
            "INSERT INTO oidc_refresh_tokens (token_hash, grant_id, created_at, used_at) VALUES ($1, $2, $3, NULL)",
        )
        .bind($hash)
        .bind($grant)
        .bind($now)
        .execute(&mut *$tx)
        .await
        .map_err($self.err())?;
    }};
}

#[async_trait]
impl Grants for SqlStore {
    async fn create_grant(&self, g: &Grant, refresh_hash: Option<&[u8]>) -> StoreResult<()> {
        on_pool!(self, p => {
            let mut tx = begin_write!(self, p).map_err(self.err())?;
            // The session may have ended since the code was issued: the
            // foreign key then refuses the grant (NotFound below).
            let live: Option<(String,)> = sqlx::query_as("SELECT id FROM sessions WHERE id = $1")
                .bind(&g.session_id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(self.err())?;
            if live.is_none() {
                return Err(StoreError::NotFound("the session behind this grant has ended".into()));
            }
            sqlx::query(sql(format!(
                "INSERT INTO oidc_grants ({GRANT_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
            )))
            .bind(&g.id)
            .bind(&g.client_id)
            .bind(&g.user_id)
            .bind(&g.session_id)
            .bind(&g.scope)
            .bind(g.auth_time)
            .bind(&g.amr)
            .bind(g.created_at)
            .bind(g.last_used_at)
            .execute(&mut *tx)
            .await
            .map_err(self.err())?;
            if let Some(h) = refresh_hash {
                insert_refresh!(self, tx, h, &g.id, g.created_at);
            }
            tx.commit().await.map_err(self.err())
        })
    }

    async fn grant(&self, id: &str) -> StoreResult<Option<Grant>> {
        let q = sql(format!(
            "SELECT {GRANT_COLS} FROM oidc_grants WHERE id = $1"
        ));
        let row: Option<GrantRow> = on_pool!(self, p => sqlx::query_as(q).bind(id).fetch_optional(p).await.map_err(self.err())?);
        Ok(row.map(Grant::from))
    }

    async fn rotate_refresh_token(
        &self,
        old_hash: &[u8],
        new_hash: &[u8],
        now: i64,
    ) -> StoreResult<RefreshUse> {
        let q = sql(format!(
            "SELECT {GRANT_COLS} FROM oidc_grants WHERE id = (SELECT grant_id FROM oidc_refresh_tokens WHERE token_hash = $1)"
        ));
        on_pool!(self, p => {
            let mut tx = begin_write!(self, p).map_err(self.err())?;
            let row: Option<GrantRow> = sqlx::query_as(q)
                .bind(old_hash)
                .fetch_optional(&mut *tx)
                .await
                .map_err(self.err())?;
            let Some(grant) = row.map(Grant::from) else {
                return Ok(RefreshUse::Unknown);
            };
            // Spend it; of two racing uses exactly one updates the row.
            let spent = sqlx::query("UPDATE oidc_refresh_tokens SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL")
                .bind(old_hash)
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(self.err())?
                .rows_affected();
            if spent == 0 {
                // Used before: a copy. The whole grant goes.
                sqlx::query("DELETE FROM oidc_grants WHERE id = $1")
                    .bind(&grant.id)
                    .execute(&mut *tx)
                    .await
                    .map_err(self.err())?;
                tx.commit().await.map_err(self.err())?;
                return Ok(RefreshUse::Reused(grant));
            }
            insert_refresh!(self, tx, new_hash, &grant.id, now);
            sqlx::query("UPDATE oidc_grants SET last_used_at = $2 WHERE id = $1")
                .bind(&grant.id)
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(self.err())?;
            tx.commit().await.map_err(self.err())?;
            Ok(RefreshUse::Rotated(grant))
        })
    }

    async fn grant_by_refresh_token(&self, token_hash: &[u8]) -> StoreResult<Option<Grant>> {
        let q = sql(format!(
            "SELECT {GRANT_COLS} FROM oidc_grants WHERE id = (SELECT grant_id FROM oidc_refresh_tokens WHERE token_hash = $1)"
        ));
        let row: Option<GrantRow> = on_pool!(self, p => sqlx::query_as(q).bind(token_hash).fetch_optional(p).await.map_err(self.err())?);
        Ok(row.map(Grant::from))
    }

    async fn delete_grant(&self, id: &str) -> StoreResult<bool> {
        on_pool!(self, p => sqlx::query("DELETE FROM oidc_grants WHERE id = $1")
            .bind(id)
            .execute(p)
            .await
            .map(|r| r.rows_affected() > 0)
            .map_err(self.err()))
    }

    async fn move_grants(&self, from: &str, to: &str) -> StoreResult<u64> {
        on_pool!(self, p => sqlx::query(
            "UPDATE oidc_grants SET session_id = $2 WHERE session_id = $1 AND user_id = (SELECT user_id FROM sessions WHERE id = $2)",
        )
        .bind(from)
        .bind(to)
        .execute(p)
        .await
        .map(|r| r.rows_affected())
        .map_err(self.err()))
    }

    async fn grant_use(&self) -> StoreResult<Vec<ClientUse>> {
        let rows: Vec<(String, i64, i64, i64)> = on_pool!(self, p => sqlx::query_as(
            "SELECT client_id, COUNT(*), COUNT(DISTINCT user_id), MAX(last_used_at) FROM oidc_grants GROUP BY client_id ORDER BY client_id",
        )
        .fetch_all(p)
        .await
        .map_err(self.err())?);
        Ok(rows
            .into_iter()
            .map(|(client_id, grants, users, last_used_at)| ClientUse {
                client_id,
                grants,
                users,
                last_used_at,
            })
            .collect())
    }

    async fn purge_used_refresh_tokens(&self, before: i64) -> StoreResult<u64> {
        on_pool!(self, p => sqlx::query("DELETE FROM oidc_refresh_tokens WHERE used_at IS NOT NULL AND used_at < $1")
            .bind(before)
            .execute(p)
            .await
            .map(|r| r.rows_affected())
            .map_err(self.err()))
    }
}
