//! Users and groups on SQL.

use super::*;
use crate::store::Users;

#[async_trait]
impl Users for SqlStore {
    async fn create_user(&self, new: &NewUser, now: i64) -> StoreResult<User> {
        let email = new.email.trim();
        if !crate::names::looks_like_email(email) {
            return Err(StoreError::Conflict(format!(
                "{email:?} is not an email address"
            )));
        }
        check_groups(&new.groups)?;
        let id = uuid::Uuid::new_v4().to_string();
        let username = new
            .username
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty());
        let username_norm = username.map(str::to_lowercase);
        on_pool!(self, p => {
            let mut tx = begin_write!(self, p).map_err(self.err())?;
            sqlx::query(
                "INSERT INTO users (id, email, email_norm, username, username_norm, display_name, disabled, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
            )
            .bind(&id)
            .bind(email)
            .bind(normalise_email(email))
            .bind(username)
            .bind(&username_norm)
            .bind(new.display_name.trim())
            .bind(false)
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(self.err())?;
            for g in &new.groups {
                sqlx::query("INSERT INTO user_groups (name, created_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
                    .bind(g)
                    .bind(now)
                    .execute(&mut *tx)
                    .await
                    .map_err(self.err())?;
                sqlx::query(
                    "INSERT INTO memberships (user_id, group_name, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                )
                .bind(&id)
                .bind(g)
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(self.err())?;
            }
            tx.commit().await.map_err(self.err())?;
        });
        Ok(User {
            id,
            email: email.to_string(),
            username: username.map(str::to_string),
            display_name: new.display_name.trim().to_string(),
            disabled: false,
            created_at: now,
            updated_at: now,
        })
    }

    async fn get_user(&self, id: &str) -> StoreResult<Option<User>> {
        let q = sql(format!("SELECT {USER_COLS} FROM users WHERE id = $1"));
        let row: Option<UserRow> = on_pool!(self, p => sqlx::query_as(q).bind(id).fetch_optional(p).await.map_err(self.err())?);
        Ok(row.map(User::from))
    }

    async fn find_user_by_email(&self, email: &str) -> StoreResult<Option<User>> {
        let q = sql(format!(
            "SELECT {USER_COLS} FROM users WHERE email_norm = $1"
        ));
        let row: Option<UserRow> = on_pool!(self, p => sqlx::query_as(q).bind(normalise_email(email)).fetch_optional(p).await.map_err(self.err())?);
        Ok(row.map(User::from))
    }

    async fn list_users(&self) -> StoreResult<Vec<User>> {
        let q = sql(format!("SELECT {USER_COLS} FROM users ORDER BY email_norm"));
        let rows: Vec<UserRow> =
            on_pool!(self, p => sqlx::query_as(q).fetch_all(p).await.map_err(self.err())?);
        Ok(rows.into_iter().map(User::from).collect())
    }

    async fn set_user_disabled(
        &self,
        id: &str,
        disabled: bool,
        now: i64,
    ) -> StoreResult<Vec<String>> {
        on_pool!(self, p => {
            let mut tx = begin_write!(self, p).map_err(self.err())?;
            let n = sqlx::query("UPDATE users SET disabled = $2, updated_at = $3 WHERE id = $1")
                .bind(id)
                .bind(disabled)
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(self.err())?
                .rows_affected();
            if n == 0 {
                return Err(StoreError::NotFound(format!("no user with id {id}")));
            }
            let ended: Vec<String> = if disabled {
                sqlx::query_scalar("DELETE FROM sessions WHERE user_id = $1 RETURNING id")
                    .bind(id)
                    .fetch_all(&mut *tx)
                    .await
                    .map_err(self.err())?
            } else {
                Vec::new()
            };
            tx.commit().await.map_err(self.err())?;
            Ok(ended)
        })
    }

    async fn update_user(
        &self,
        id: &str,
        display_name: &str,
        username: Option<&str>,
        now: i64,
    ) -> StoreResult<()> {
        let username = username.map(str::trim).filter(|u| !u.is_empty());
        let n = on_pool!(self, p => sqlx::query(
            "UPDATE users SET display_name = $2, username = $3, username_norm = $4, updated_at = $5 WHERE id = $1",
        )
        .bind(id)
        .bind(display_name.trim())
        .bind(username)
        .bind(username.map(str::to_lowercase))
        .bind(now)
        .execute(p)
        .await
        .map_err(self.err())?
        .rows_affected());
        if n == 0 {
            return Err(StoreError::NotFound(format!("no user with id {id}")));
        }
        Ok(())
    }

    async fn delete_user(&self, id: &str) -> StoreResult<()> {
        on_pool!(self, p => {
            let mut tx = begin_write!(self, p).map_err(self.err())?;
            // Explicit deletes rather than relying on ON DELETE CASCADE alone:
            // SQLite enforces foreign keys only when the connection enables them.
            for q in [
                "DELETE FROM sessions WHERE user_id = $1",
                "DELETE FROM passkeys WHERE user_id = $1",
                "DELETE FROM memberships WHERE user_id = $1",
            ] {
                sqlx::query(q).bind(id).execute(&mut *tx).await.map_err(self.err())?;
            }
            let n = sqlx::query("DELETE FROM users WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(self.err())?
                .rows_affected();
            if n == 0 {
                return Err(StoreError::NotFound(format!("no user with id {id}")));
            }
            tx.commit().await.map_err(self.err())?;
            Ok(())
        })
    }

    async fn create_group(&self, name: &str, now: i64) -> StoreResult<bool> {
        check_groups(&[name.to_string()])?;
        let n = on_pool!(self, p => sqlx::query("INSERT INTO user_groups (name, created_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
            .bind(name)
            .bind(now)
            .execute(p)
            .await
            .map_err(self.err())?
            .rows_affected());
        Ok(n == 1)
    }

    async fn delete_group(&self, name: &str) -> StoreResult<()> {
        on_pool!(self, p => {
            let mut tx = begin_write!(self, p).map_err(self.err())?;
            sqlx::query("DELETE FROM memberships WHERE group_name = $1")
                .bind(name)
                .execute(&mut *tx)
                .await
                .map_err(self.err())?;
            let n = sqlx::query("DELETE FROM user_groups WHERE name = $1")
                .bind(name)
                .execute(&mut *tx)
                .await
                .map_err(self.err())?
                .rows_affected();
            if n == 0 {
                return Err(StoreError::NotFound(format!("no group named {name:?}")));
            }
            tx.commit().await.map_err(self.err())?;
            Ok(())
        })
    }

    async fn list_groups(&self) -> StoreResult<Vec<GroupInfo>> {
        let rows: Vec<(String, i64, i64)> = on_pool!(self, p => sqlx::query_as(
            "SELECT g.name, g.created_at, (SELECT COUNT(*) FROM memberships m WHERE m.group_name = g.name) \
             FROM user_groups g ORDER BY g.name",
        )
        .fetch_all(p)
        .await
        .map_err(self.err())?);
        Ok(rows
            .into_iter()
            .map(|(name, created_at, members)| GroupInfo {
                name,
                members,
                created_at,
            })
            .collect())
    }

    async fn add_member(&self, user_id: &str, group: &str, now: i64) -> StoreResult<bool> {
        check_groups(&[group.to_string()])?;
        on_pool!(self, p => {
            let mut tx = begin_write!(self, p).map_err(self.err())?;
            let exists: Option<String> = sqlx::query_scalar("SELECT id FROM users WHERE id = $1")
                .bind(user_id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(self.err())?;
            if exists.is_none() {
                return Err(StoreError::NotFound(format!("no user with id {user_id}")));
            }
            sqlx::query("INSERT INTO user_groups (name, created_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
                .bind(group)
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(self.err())?;
            let n = sqlx::query(
                "INSERT INTO memberships (user_id, group_name, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            )
            .bind(user_id)
            .bind(group)
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(self.err())?
            .rows_affected();
            tx.commit().await.map_err(self.err())?;
            Ok(n == 1)
        })
    }

    async fn remove_member(&self, user_id: &str, group: &str) -> StoreResult<bool> {
        let n = on_pool!(self, p => sqlx::query("DELETE FROM memberships WHERE user_id = $1 AND group_name = $2")
            .bind(user_id)
            .bind(group)
            .execute(p)
            .await
            .map_err(self.err())?
            .rows_affected());
        Ok(n > 0)
    }

    async fn user_groups(&self, user_id: &str) -> StoreResult<Vec<String>> {
        on_pool!(self, p => sqlx::query_scalar("SELECT group_name FROM memberships WHERE user_id = $1 ORDER BY group_name")
            .bind(user_id)
            .fetch_all(p)
            .await
            .map_err(self.err()))
    }

    async fn group_members(&self, group: &str) -> StoreResult<Vec<User>> {
        let cols = USER_COLS
            .split(", ")
            .map(|c| format!("u.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        let q = sql(format!(
            "SELECT {cols} FROM users u JOIN memberships m ON m.user_id = u.id \
             WHERE m.group_name = $1 ORDER BY u.email_norm"
        ));
        let rows: Vec<UserRow> = on_pool!(self, p => sqlx::query_as(q).bind(group).fetch_all(p).await.map_err(self.err())?);
        Ok(rows.into_iter().map(User::from).collect())
    }

    async fn rename_group(&self, from: &str, to: &str) -> StoreResult<Vec<String>> {
        check_groups(&[to.to_string()])?;
        on_pool!(self, p => {
            let mut tx = begin_write!(self, p).map_err(self.err())?;
            let created: Option<i64> = sqlx::query_scalar("SELECT created_at FROM user_groups WHERE name = $1")
                .bind(from)
                .fetch_optional(&mut *tx)
                .await
                .map_err(self.err())?;
            let Some(created) = created else {
                return Err(StoreError::NotFound(format!("no group named {from:?}")));
            };
            let n = sqlx::query("INSERT INTO user_groups (name, created_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
                .bind(to)
                .bind(created)
                .execute(&mut *tx)
                .await
                .map_err(self.err())?
                .rows_affected();
            if n == 0 {
                return Err(StoreError::Conflict(format!("a group named {to:?} already exists")));
            }
            for q in [
                "UPDATE memberships SET group_name = $2 WHERE group_name = $1",
                "DELETE FROM user_groups WHERE name = $1",
            ] {
                sqlx::query(q).bind(from).bind(to).execute(&mut *tx).await.map_err(self.err())?;
            }
            // The group lists kept as text: pending invitations and service
            // accounts.
            let mut accounts = Vec::new();
            for (select, update) in [
                (
                    "SELECT id, groups FROM invites WHERE used_at IS NULL",
                    "UPDATE invites SET groups = $2 WHERE id = $1",
                ),
                (
                    "SELECT id, groups FROM service_accounts",
                    "UPDATE service_accounts SET groups = $2 WHERE id = $1",
                ),
            ] {
                let rows: Vec<(String, String)> = sqlx::query_as(select)
                    .fetch_all(&mut *tx)
                    .await
                    .map_err(self.err())?;
                for (id, groups) in rows {
                    let Some(renamed) = renamed_in(&groups, from, to) else {
                        continue;
                    };
                    sqlx::query(update)
                        .bind(&id)
                        .bind(renamed)
                        .execute(&mut *tx)
                        .await
                        .map_err(self.err())?;
                    if update.contains("service_accounts") {
                        accounts.push(id);
                    }
                }
            }
            tx.commit().await.map_err(self.err())?;
            Ok(accounts)
        })
    }

    async fn change_keeping_an_admin(
        &self,
        user_id: &str,
        change: AdminRisk,
        now: i64,
    ) -> StoreResult<Vec<String>> {
        on_pool!(self, p => {
            let mut tx = begin_write!(self, p).map_err(self.err())?;
            // SQLite's IMMEDIATE transactions already run one at a time;
            // on PostgreSQL these changes queue on one advisory lock, so
            // each counts the admins the one before it left.
            if matches!(self.pool, Pool::Postgres(_)) {
                sqlx::query("SELECT pg_advisory_xact_lock(7305201)")
                    .execute(&mut *tx)
                    .await
                    .map_err(self.err())?;
            }
            let exists: Option<String> = sqlx::query_scalar("SELECT id FROM users WHERE id = $1")
                .bind(user_id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(self.err())?;
            if exists.is_none() {
                return Err(StoreError::NotFound(format!("no user with id {user_id}")));
            }
            let mut ended = Vec::new();
            match change {
                AdminRisk::Disable | AdminRisk::Delete => {
                    ended = sqlx::query_scalar("DELETE FROM sessions WHERE user_id = $1 RETURNING id")
                        .bind(user_id)
                        .fetch_all(&mut *tx)
                        .await
                        .map_err(self.err())?;
                }
                AdminRisk::LeaveAdmins => {}
            }
            let statements: &[&str] = match change {
                AdminRisk::Disable => &["UPDATE users SET disabled = TRUE, updated_at = $2 WHERE id = $1"],
                AdminRisk::Delete => &[
                    "DELETE FROM passkeys WHERE user_id = $1",
                    "DELETE FROM memberships WHERE user_id = $1",
                    "DELETE FROM users WHERE id = $1",
                ],
                AdminRisk::LeaveAdmins => &["DELETE FROM memberships WHERE user_id = $1 AND group_name = 'admins'"],
            };
            for q in statements {
                let mut query = sqlx::query(*q).bind(user_id);
                if change == AdminRisk::Disable {
                    query = query.bind(now);
                }
                query.execute(&mut *tx).await.map_err(self.err())?;
            }
            let left: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM memberships m JOIN users u ON u.id = m.user_id \
                 WHERE m.group_name = 'admins' AND NOT u.disabled",
            )
            .fetch_one(&mut *tx)
            .await
            .map_err(self.err())?;
            if left == 0 {
                return Err(StoreError::LastAdmin);
            }
            tx.commit().await.map_err(self.err())?;
            Ok(ended)
        })
    }
}

/// A comma-separated group list with `from` renamed `to` (sorted, no
/// duplicates); None when it does not name `from`.
fn renamed_in(groups: &str, from: &str, to: &str) -> Option<String> {
    let mut list: Vec<&str> = groups.split(',').filter(|g| !g.is_empty()).collect();
    if !list.contains(&from) {
        return None;
    }
    for g in &mut list {
        if *g == from {
            *g = to;
        }
    }
    list.sort_unstable();
    list.dedup();
    Some(list.join(","))
}
