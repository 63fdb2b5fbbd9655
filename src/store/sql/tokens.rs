//! Service accounts and their tokens on SQL.

use super::*;
use crate::store::{ServiceAccount, ServiceToken, Tokens};

#[derive(sqlx::FromRow)]
struct AccountRow {
    id: String,
    name: String,
    groups: String,
    disabled: bool,
    created_at: i64,
}

impl From<AccountRow> for ServiceAccount {
    fn from(r: AccountRow) -> Self {
        let mut groups: Vec<String> = r
            .groups
            .split(',')
            .filter(|g| !g.is_empty())
            .map(str::to_string)
            .collect();
        groups.sort();
        ServiceAccount {
            id: r.id,
            name: r.name,
            groups,
            disabled: r.disabled,
            created_at: r.created_at,
        }
    }
}

const ACCOUNT_COLS: &str = "id, name, groups, disabled, created_at";

#[derive(sqlx::FromRow)]
struct TokenRow {
    id: String,
    account_id: String,
    token_hash: Vec<u8>,
    created_at: i64,
    expires_at: Option<i64>,
    last_used_at: Option<i64>,
}

impl From<TokenRow> for ServiceToken {
    fn from(r: TokenRow) -> Self {
        ServiceToken {
            id: r.id,
            account_id: r.account_id,
            token_hash: r.token_hash,
            created_at: r.created_at,
            expires_at: r.expires_at,
            last_used_at: r.last_used_at,
        }
    }
}

const TOKEN_COLS: &str = "id, account_id, token_hash, created_at, expires_at, last_used_at";

/// A token row joined with its account's columns.
#[derive(sqlx::FromRow)]
struct JoinedRow {
    #[sqlx(flatten)]
    token: TokenRow,
    a_name: String,
    a_groups: String,
    a_disabled: bool,
    a_created_at: i64,
}

/// Insert `t` in the transaction `tx` (either backend).
macro_rules! insert_token {
    ($self:ident, $tx:ident, $t:expr) => {{
        let t: &ServiceToken = $t;
        sqlx::query(sql(format!(
            "INSERT INTO service_tokens ({TOKEN_COLS}) VALUES ($1, $2, $3, $4, $5, $6)"
        )))
        .bind(&t.id)
        .bind(&t.account_id)
        .bind(&t.token_hash)
        .bind(t.created_at)
        .bind(t.expires_at)
        .bind(t.last_used_at)
        .execute(&mut *$tx)
        .await
        .map_err($self.err())?;
    }};
}

#[async_trait]
impl Tokens for SqlStore {
    async fn create_service_account(
        &self,
        account: &ServiceAccount,
        token: &ServiceToken,
    ) -> StoreResult<()> {
        check_groups(&account.groups)?;
        on_pool!(self, p => {
            let mut tx = begin_write!(self, p).map_err(self.err())?;
            let taken: Option<(String,)> = sqlx::query_as("SELECT id FROM service_accounts WHERE name = $1")
                .bind(&account.name)
                .fetch_optional(&mut *tx)
                .await
                .map_err(self.err())?;
            if taken.is_some() {
                return Err(StoreError::Conflict(format!(
                    "a service account named {:?} already exists (see `passgate token list`; `passgate token rotate` gives it a new token)",
                    account.name
                )));
            }
            sqlx::query(sql(format!(
                "INSERT INTO service_accounts ({ACCOUNT_COLS}) VALUES ($1, $2, $3, $4, $5)"
            )))
            .bind(&account.id)
            .bind(&account.name)
            .bind(account.groups.join(","))
            .bind(account.disabled)
            .bind(account.created_at)
            .execute(&mut *tx)
            .await
            .map_err(self.err())?;
            insert_token!(self, tx, token);
            tx.commit().await.map_err(self.err())
        })
    }

    async fn service_account(&self, name: &str) -> StoreResult<Option<ServiceAccount>> {
        let q = sql(format!(
            "SELECT {ACCOUNT_COLS} FROM service_accounts WHERE name = $1"
        ));
        let row: Option<AccountRow> = on_pool!(self, p => sqlx::query_as(q).bind(name).fetch_optional(p).await.map_err(self.err())?);
        Ok(row.map(ServiceAccount::from))
    }

    async fn list_service_accounts(&self) -> StoreResult<Vec<(ServiceAccount, Vec<ServiceToken>)>> {
        let qa = sql(format!(
            "SELECT {ACCOUNT_COLS} FROM service_accounts ORDER BY name"
        ));
        let qt = sql(format!(
            "SELECT {TOKEN_COLS} FROM service_tokens ORDER BY created_at, id"
        ));
        let (accounts, tokens): (Vec<AccountRow>, Vec<TokenRow>) = on_pool!(self, p => (
            sqlx::query_as(qa).fetch_all(p).await.map_err(self.err())?,
            sqlx::query_as(qt).fetch_all(p).await.map_err(self.err())?,
        ));
        let mut out: Vec<(ServiceAccount, Vec<ServiceToken>)> = accounts
            .into_iter()
            .map(|a| (ServiceAccount::from(a), Vec::new()))
            .collect();
        for t in tokens {
            if let Some((_, list)) = out.iter_mut().find(|(a, _)| a.id == t.account_id) {
                list.push(ServiceToken::from(t));
            }
        }
        Ok(out)
    }

    async fn service_token_by_hash(
        &self,
        token_hash: &[u8],
    ) -> StoreResult<Option<(ServiceToken, ServiceAccount)>> {
        let q = sql(
            "SELECT t.id, t.account_id, t.token_hash, t.created_at, t.expires_at, t.last_used_at, \
             a.name AS a_name, a.groups AS a_groups, a.disabled AS a_disabled, a.created_at AS a_created_at \
             FROM service_tokens t JOIN service_accounts a ON a.id = t.account_id WHERE t.token_hash = $1"
                .to_string(),
        );
        let row: Option<JoinedRow> = on_pool!(self, p => sqlx::query_as(q).bind(token_hash).fetch_optional(p).await.map_err(self.err())?);
        Ok(row.map(|r| {
            let account = ServiceAccount::from(AccountRow {
                id: r.token.account_id.clone(),
                name: r.a_name,
                groups: r.a_groups,
                disabled: r.a_disabled,
                created_at: r.a_created_at,
            });
            (ServiceToken::from(r.token), account)
        }))
    }

    async fn rotate_service_token(&self, token: &ServiceToken, others_end: i64) -> StoreResult<()> {
        on_pool!(self, p => {
            let mut tx = begin_write!(self, p).map_err(self.err())?;
            sqlx::query(
                "UPDATE service_tokens SET expires_at = $2 WHERE account_id = $1 AND (expires_at IS NULL OR expires_at > $2)",
            )
            .bind(&token.account_id)
            .bind(others_end)
            .execute(&mut *tx)
            .await
            .map_err(self.err())?;
            insert_token!(self, tx, token);
            tx.commit().await.map_err(self.err())
        })
    }

    async fn revoke_service_tokens(&self, account_id: &str) -> StoreResult<u64> {
        on_pool!(self, p => sqlx::query("DELETE FROM service_tokens WHERE account_id = $1")
            .bind(account_id)
            .execute(p)
            .await
            .map(|r| r.rows_affected())
            .map_err(self.err()))
    }

    async fn set_service_account_disabled(
        &self,
        account_id: &str,
        disabled: bool,
    ) -> StoreResult<()> {
        let n = on_pool!(self, p => sqlx::query("UPDATE service_accounts SET disabled = $2 WHERE id = $1")
            .bind(account_id)
            .bind(disabled)
            .execute(p)
            .await
            .map(|r| r.rows_affected())
            .map_err(self.err())?);
        if n == 0 {
            return Err(StoreError::NotFound("no such service account".into()));
        }
        Ok(())
    }

    async fn touch_service_tokens(&self, used: &[(String, i64)]) -> StoreResult<()> {
        self.write_times(
            "UPDATE service_tokens SET last_used_at = $2 WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $2)",
            used,
        )
        .await
    }
}
