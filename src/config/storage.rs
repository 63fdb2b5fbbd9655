//! `[storage]`: the database (SQLite or PostgreSQL) and, for several
//! replicas, Redis.

use std::path::Path;

use super::raw::RawStorage;
use super::validate::Validator;
use crate::secret::Secret;

#[derive(Debug, Clone)]
pub struct StorageConfig {
    pub database_url: Secret,
    pub redis_url: Option<Secret>,
    /// Namespace of passgate's keys in Redis (several deployments may share one).
    pub redis_prefix: String,
    /// How long `serve` waits for a PostgreSQL server it cannot reach at
    /// start-up before it gives up (zero: not at all).
    pub startup_wait: std::time::Duration,
}

pub(super) fn check(st: &RawStorage, base: &Path, v: &mut Validator) -> Option<StorageConfig> {
    let database_url = v.secret(
        "storage.database_url",
        base,
        &st.database_url,
        &st.database_url_file,
        &RawStorage::default().database_url,
    );
    if let Some(db) = &database_url {
        let u = db.expose();
        if !(u.starts_with("sqlite:")
            || u.starts_with("postgres://")
            || u.starts_with("postgresql://"))
        {
            v.problem(
                    "storage.database_url",
                    "must start with sqlite: (e.g. \"sqlite://passgate.db\") or postgres:// (e.g. \"postgres://passgate@db/passgate\")",
                );
        }
        if u.is_empty() {
            v.problem("storage.database_url", "must not be empty");
        }
    }
    let redis_url = v.secret(
        "storage.redis_url",
        base,
        &st.redis_url,
        &st.redis_url_file,
        "",
    );
    let redis_url = match redis_url {
        Some(r) if r.is_empty() => None,
        Some(r) => {
            if !(r.expose().starts_with("redis://") || r.expose().starts_with("rediss://")) {
                v.problem("storage.redis_url", "must start with redis:// or rediss://");
            }
            Some(r)
        }
        None => None,
    };

    if st.redis_prefix.is_empty()
        || !st
            .redis_prefix
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
    {
        v.problem(
            "storage.redis_prefix",
            "must be letters, digits, - _ . or : (e.g. \"passgate\")",
        );
    }

    let startup_wait = if matches!(st.startup_wait.trim(), "0" | "0s") {
        Some(std::time::Duration::ZERO)
    } else {
        v.duration("storage.startup_wait", &st.startup_wait)
    };

    Some(StorageConfig {
        database_url: database_url?,
        redis_url,
        redis_prefix: st.redis_prefix.clone(),
        startup_wait: startup_wait?,
    })
}
