//! The audit log on SQL.

use super::*;
use crate::store::Audit;

#[async_trait]
impl Audit for SqlStore {
    async fn append_audit(&self, e: &NewAuditEvent) -> StoreResult<i64> {
        on_pool!(self, p => sqlx::query_scalar(
            "INSERT INTO audit_events (at, kind, success, user_id, email, ip, user_agent, detail, actor) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(e.at)
        .bind(&e.kind)
        .bind(e.success)
        .bind(&e.user_id)
        .bind(&e.email)
        .bind(&e.ip)
        .bind(&e.user_agent)
        .bind(&e.detail)
        .bind(&e.actor)
        .fetch_one(p)
        .await
        .map_err(self.err()))
    }

    async fn list_audit(&self, f: &AuditFilter) -> StoreResult<Vec<AuditEvent>> {
        let limit = if f.limit <= 0 { 100 } else { f.limit };
        let kind = f.kind_prefix.as_ref().map(|k| format!("{k}%"));
        let rows: Vec<AuditRow> = on_pool!(self, p => sqlx::query_as(
            "SELECT id, at, kind, success, user_id, email, ip, user_agent, detail, actor FROM audit_events \
             WHERE (($1 IS NULL AND $5 IS NULL) OR user_id = $1 OR lower(email) = $5 OR lower(actor) = $5) \
             AND ($2 IS NULL OR at >= $2) AND ($3 IS NULL OR kind LIKE $3) \
             ORDER BY id DESC LIMIT $4",
        )
        .bind(&f.user_id)
        .bind(f.since)
        .bind(&kind)
        .bind(limit)
        .bind(f.email.as_deref().map(crate::names::normalise_email))
        .fetch_all(p)
        .await
        .map_err(self.err())?);
        Ok(rows.into_iter().map(AuditEvent::from).collect())
    }

    async fn purge_audit(&self, before: i64) -> StoreResult<u64> {
        on_pool!(self, p => sqlx::query("DELETE FROM audit_events WHERE at < $1")
            .bind(before)
            .execute(p)
            .await
            .map(|r| r.rows_affected())
            .map_err(self.err()))
    }

    async fn audit_by_day(&self, since: i64, prefixes: &[&str]) -> StoreResult<Vec<DayCount>> {
        let mut out = Vec::new();
        for prefix in prefixes {
            let rows: Vec<(i64, String, bool, i64)> = on_pool!(self, p => sqlx::query_as(
                "SELECT at / 86400, kind, success, COUNT(*) FROM audit_events \
                 WHERE at >= $1 AND kind LIKE $2 GROUP BY at / 86400, kind, success",
            )
            .bind(since)
            .bind(format!("{prefix}%"))
            .fetch_all(p)
            .await
            .map_err(self.err())?);
            out.extend(
                rows.into_iter()
                    .map(|(day, kind, success, count)| DayCount {
                        day,
                        kind,
                        success,
                        count,
                    }),
            );
        }
        out.sort_by(|a, b| (a.day, &a.kind, a.success).cmp(&(b.day, &b.kind, b.success)));
        Ok(out)
    }
}
