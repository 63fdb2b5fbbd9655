//! Service accounts made, and their new tokens: what `passgate token` and the admin
//! pages (`P/admin/tokens`) share, so both check a new account the same way.

use std::time::Duration;

use crate::store::{ServiceAccount, ServiceToken, SharedStore, StoreError};

/// Why a service account could not be made.
#[derive(Debug)]
pub enum NewAccountError {
    /// Not 1-64 letters, digits, - _ . starting with a letter or digit.
    BadName(String),
    BadGroup(String),
    /// A person has it as their username: `Remote-User` could not tell them apart.
    UsernameTaken(String),
    /// An account has it already (case-insensitively).
    Exists(String),
    Store(StoreError),
}

impl From<StoreError> for NewAccountError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(m) => NewAccountError::Exists(m),
            other => NewAccountError::Store(other),
        }
    }
}

/// A service account's name: what `Remote-User` carries. No `@`, so it is
/// never taken for a person's address.
pub fn valid_name(name: &str) -> bool {
    crate::names::valid_group_name(name)
        && name
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphanumeric())
}

/// A new token for `account_id`: the token (shown once) and its record.
pub fn new_token(account_id: &str, now: i64, expires: Option<Duration>) -> (String, ServiceToken) {
    let (token, hash) = crate::token::new_token();
    let record = ServiceToken {
        id: crate::session::random_id(16),
        account_id: account_id.to_string(),
        token_hash: hash.to_vec(),
        created_at: now,
        expires_at: expires.map(|d| now + d.as_secs() as i64),
        last_used_at: None,
    };
    (token, record)
}

/// Make a service account with its first token; returns the account, the
/// token (shown once) and its record.
pub async fn create(
    store: &SharedStore,
    name: &str,
    mut groups: Vec<String>,
    expires: Option<Duration>,
    now: i64,
) -> Result<(ServiceAccount, String, ServiceToken), NewAccountError> {
    let name = name.trim().to_string();
    if !valid_name(&name) {
        return Err(NewAccountError::BadName(name));
    }
    if let Some(bad) = groups.iter().find(|g| !crate::names::valid_group_name(g)) {
        return Err(NewAccountError::BadGroup(bad.clone()));
    }
    // Remote-User alone must tell a service from a person.
    let lower = name.to_lowercase();
    if store.list_users().await?.iter().any(|u| {
        u.username
            .as_deref()
            .is_some_and(|n| n.to_lowercase() == lower)
    }) {
        return Err(NewAccountError::UsernameTaken(name));
    }
    if let Some((taken, _)) = store
        .list_service_accounts()
        .await?
        .into_iter()
        .find(|(a, _)| a.name.eq_ignore_ascii_case(&name))
    {
        return Err(NewAccountError::Exists(taken.name));
    }
    groups.sort();
    groups.dedup();
    let account = ServiceAccount {
        id: format!("svc-{}", crate::session::random_id(16)),
        name,
        groups,
        disabled: false,
        created_at: now,
    };
    let (token, record) = new_token(&account.id, now, expires);
    store.create_service_account(&account, &record).await?;
    Ok((account, token, record))
}

/// A new token for `account_id`; its older tokens end by `now + overlap`
/// at the latest (one transaction). Returns the token (shown once) and its
/// record.
pub async fn rotate(
    store: &SharedStore,
    account_id: &str,
    now: i64,
    overlap: Duration,
    expires: Option<Duration>,
) -> Result<(String, ServiceToken), StoreError> {
    let (token, record) = new_token(account_id, now, expires);
    store
        .rotate_service_token(&record, now + overlap.as_secs() as i64)
        .await?;
    Ok((token, record))
}
