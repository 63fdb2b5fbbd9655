//! Invitations on SQL.

use super::*;
use crate::store::Invites;

/// Insert `$invite` within the transaction `$tx` (on either backend).
macro_rules! insert_invite {
    ($tx:expr, $invite:expr) => {
        sqlx::query(
            "INSERT INTO invites (id, token_hash, email, email_norm, groups, created_by, created_at, expires_at, used_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&$invite.id)
        .bind(&$invite.token_hash)
        .bind($invite.email.trim())
        .bind(normalise_email(&$invite.email))
        .bind($invite.groups.join(","))
        .bind(&$invite.created_by)
        .bind($invite.created_at)
        .bind($invite.expires_at)
        .bind($invite.used_at)
        .execute(&mut *$tx)
        .await
    };
}

#[async_trait]
impl Invites for SqlStore {
    async fn create_invite(&self, invite: &Invite) -> StoreResult<()> {
        check_groups(&invite.groups)?;
        on_pool!(self, p => {
            let mut tx = begin_write!(self, p).map_err(self.err())?;
            insert_invite!(tx, invite).map_err(self.err())?;
            tx.commit().await.map_err(self.err())
        })
    }

    async fn take_invite(&self, token_hash: &[u8], now: i64) -> StoreResult<Option<Invite>> {
        let q = sql(format!(
            "UPDATE invites SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2 RETURNING {INVITE_COLS}"
        ));
        let row: Option<InviteRow> = on_pool!(self, p => sqlx::query_as(q).bind(token_hash).bind(now).fetch_optional(p).await.map_err(self.err())?);
        Ok(row.map(Invite::from))
    }

    async fn find_invite(&self, token_hash: &[u8]) -> StoreResult<Option<Invite>> {
        let q = sql(format!(
            "SELECT {INVITE_COLS} FROM invites WHERE token_hash = $1"
        ));
        let row: Option<InviteRow> = on_pool!(self, p => sqlx::query_as(q).bind(token_hash).fetch_optional(p).await.map_err(self.err())?);
        Ok(row.map(Invite::from))
    }

    async fn pending_invite_for(&self, email: &str, now: i64) -> StoreResult<Option<Invite>> {
        let q = sql(format!(
            "SELECT {INVITE_COLS} FROM invites WHERE email_norm = $1 AND used_at IS NULL AND expires_at > $2 ORDER BY created_at DESC LIMIT 1"
        ));
        let row: Option<InviteRow> = on_pool!(self, p => sqlx::query_as(q).bind(normalise_email(email)).bind(now).fetch_optional(p).await.map_err(self.err())?);
        Ok(row.map(Invite::from))
    }

    async fn list_invites(&self) -> StoreResult<Vec<Invite>> {
        let q = sql(format!(
            "SELECT {INVITE_COLS} FROM invites ORDER BY created_at DESC, id"
        ));
        let rows: Vec<InviteRow> =
            on_pool!(self, p => sqlx::query_as(q).fetch_all(p).await.map_err(self.err())?);
        Ok(rows.into_iter().map(Invite::from).collect())
    }

    async fn delete_invite(&self, id: &str) -> StoreResult<bool> {
        let n = on_pool!(self, p => sqlx::query("DELETE FROM invites WHERE id = $1")
            .bind(id)
            .execute(p)
            .await
            .map_err(self.err())?
            .rows_affected());
        Ok(n > 0)
    }

    async fn replace_invite(&self, old_id: &str, invite: &Invite) -> StoreResult<bool> {
        check_groups(&invite.groups)?;
        on_pool!(self, p => {
            let mut tx = begin_write!(self, p).map_err(self.err())?;
            let n = sqlx::query("DELETE FROM invites WHERE id = $1 AND used_at IS NULL")
                .bind(old_id)
                .execute(&mut *tx)
                .await
                .map_err(self.err())?
                .rows_affected();
            if n == 0 {
                return Ok(false);
            }
            insert_invite!(tx, invite).map_err(self.err())?;
            tx.commit().await.map_err(self.err())?;
            Ok(true)
        })
    }
}
