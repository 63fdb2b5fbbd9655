//! The running gateway's shared state, built once at start-up and handed to
//! every request (axum `State` for the pages, an `Arc` for the hot path).
//!
//! Owns start-up checks (stores reachable, migrations applied, signing key
//! present), the background tasks (session write-behind and revocations, key
//! reloads, expiry of old sessions and audit events), and config reload.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::clock::SharedClock;
use crate::config::Config;
use crate::identity::{Asserter, KeyRing};
use crate::proxy::Proxy;
use crate::session::{SessionManager, SessionSettings};
use crate::store::ephemeral::SharedEphemeral;
use crate::store::{Broadcast, SharedStore, StoreError};

/// Everything a request may need.
pub struct App {
    config: ArcSwap<Config>,
    pub config_path: Option<PathBuf>,
    pub clock: SharedClock,
    pub store: SharedStore,
    pub eph: SharedEphemeral,
    pub sessions: Arc<SessionManager>,
    pub asserter: Asserter,
    pub proxy: Proxy,
    pub passkeys: crate::webauthn::Passkeys,
    pub mailer: Arc<crate::email::Mailer>,
    /// Fires on shutdown.
    pub shutdown: CancellationToken,
    /// Connections, upgraded tunnels and background tasks, for draining.
    pub tasks: TaskTracker,
}

impl App {
    /// Open the stores and prepare everything; fails with one clear error
    /// when a store cannot be reached or migrated.
    pub async fn start(
        config: Config,
        config_path: Option<PathBuf>,
        clock: SharedClock,
    ) -> Result<Arc<App>, StoreError> {
        let shutdown = CancellationToken::new();
        // A start that fails stops what it started (the breakers' probes).
        let started = shutdown.clone().drop_guard();
        // The server's store answers at once while the database is down
        // (see `store/breaker.rs`).
        let store = crate::store::breaker::GuardedStore::wrap(
            crate::store::open(&config.storage.database_url).await?,
            shutdown.clone(),
        );
        // Redis down at start-up is an outage like any other: start
        // without it (signed-in requests need none) and connect when it
        // answers.
        let (eph, down) = match crate::store::ephemeral::open(
            config.storage.redis_url.as_ref(),
            &config.storage.redis_prefix,
            clock.clone(),
        )
        .await
        {
            Ok(eph) => (eph, None),
            Err(e) if e.is_unavailable() => match &config.storage.redis_url {
                Some(url) => (
                    crate::store::ephemeral::late::LateRedis::start(
                        url.clone(),
                        config.storage.redis_prefix.clone(),
                        clock.clone(),
                        shutdown.clone(),
                    ),
                    Some(e),
                ),
                None => return Err(e),
            },
            Err(e) => return Err(e),
        };
        let eph =
            crate::store::breaker::GuardedEphemeral::wrap(eph, down.as_ref(), shutdown.clone());
        let keys = KeyRing::load(store.clone(), clock.clone()).await?;
        let sessions = SessionManager::new(
            store.clone(),
            eph.clone(),
            clock.clone(),
            SessionSettings {
                idle_timeout: config.session.idle_timeout,
                absolute_timeout: config.session.absolute_timeout,
                cache_ttl: config.session.cache_ttl,
            },
        );
        let passkeys = crate::webauthn::Passkeys::new(&config, eph.clone())
            .map_err(|e| StoreError::Corrupt(format!("webauthn settings: {e}")))?;
        let mailer = crate::email::Mailer::new(&config)
            .map_err(|e| StoreError::Corrupt(format!("email settings: {e}")))?;
        let tasks = TaskTracker::new();
        let proxy = Proxy::new(
            config.server.upstream_connect_timeout,
            config.server.upstream_timeout,
            tasks.clone(),
        );
        started.disarm();
        Ok(Arc::new(App {
            config: ArcSwap::from_pointee(config),
            config_path,
            asserter: Asserter::new(keys, clock.clone()),
            clock,
            store,
            eph,
            sessions,
            proxy,
            passkeys,
            mailer,
            shutdown,
            tasks,
        }))
    }

    /// The configuration in force (replaced on reload).
    pub fn config(&self) -> Arc<Config> {
        self.config.load_full()
    }

    /// Start the background tasks.
    pub fn spawn_background(self: &Arc<Self>) {
        self.tasks
            .spawn(self.sessions.clone().run(self.shutdown.clone()));
        let app = self.clone();
        self.tasks.spawn(async move { app.watch_keys().await });
        let app = self.clone();
        self.tasks.spawn(async move { app.maintenance().await });
        let app = self.clone();
        self.tasks.spawn(async move { app.probe().await });
    }

    /// Reload signing keys when any replica (or the CLI) rotates them, and
    /// every five minutes in case a message was missed.
    async fn watch_keys(&self) {
        let mut rx = self.eph.subscribe();
        let mut logged = self.sessions.logged();
        let mut tick = tokio::time::interval(Duration::from_secs(300));
        tick.tick().await;
        loop {
            let reload = tokio::select! {
                m = rx.recv() => matches!(m, Ok(Broadcast::KeysRotated | Broadcast::Resync) | Err(_)),
                m = logged.recv() => matches!(m, Ok(Broadcast::KeysRotated) | Err(_)),
                _ = tick.tick() => true,
                _ = self.shutdown.cancelled() => return,
            };
            if reload && let Err(e) = self.asserter.keys().reload().await {
                tracing::warn!(error = %e, "could not reload signing keys; keeping the current ones");
            }
        }
    }

    /// Every fifteen seconds: how quickly the stores answer, and how many
    /// sessions are live (metrics).
    async fn probe(&self) {
        let mut tick = tokio::time::interval(Duration::from_secs(15));
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = self.shutdown.cancelled() => return,
            }
            let t = std::time::Instant::now();
            let ok = self.store.ping().await.is_ok();
            crate::metrics::store_op("database", "ping", t.elapsed(), ok);
            let t = std::time::Instant::now();
            let ok = self.eph.ping().await.is_ok();
            crate::metrics::store_op("ephemeral", "ping", t.elapsed(), ok);
            let live = self.store.count_sessions(self.clock.now()).await.ok();
            crate::metrics::set_active(self.sessions.cached(), live);
        }
    }

    /// Delete expired sessions and audit events past retention, every ten
    /// minutes.
    async fn maintenance(&self) {
        let mut tick = tokio::time::interval(Duration::from_secs(600));
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = self.shutdown.cancelled() => return,
            }
            let now = self.clock.now();
            match self.store.purge_expired_sessions(now).await {
                Ok(n) if n > 0 => tracing::info!(sessions = n, "removed expired sessions"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "could not remove expired sessions"),
            }
            let keep = self.config().audit_retention.as_secs() as i64;
            if let Err(e) = self.store.purge_audit(now - keep).await {
                tracing::warn!(error = %e, "could not remove old audit events");
            }
            if let Err(e) = self.store.purge_revocations(now - 86_400).await {
                tracing::warn!(error = %e, "could not trim the revocation log");
            }
            // A refresh token spent a day ago coming back is then only an
            // unknown token (its grant is not revoked for it).
            if let Err(e) = self.store.purge_used_refresh_tokens(now - 86_400).await {
                tracing::warn!(error = %e, "could not remove spent refresh tokens");
            }
        }
    }

    /// Re-read the config file. A broken file is refused with every problem
    /// logged, and the running config is kept. Settings that need a restart
    /// (listener, storage, prefix, TLS files) are reported and left as they were.
    pub fn reload(&self) -> Result<(), String> {
        let Some(path) = &self.config_path else {
            return Err("no config file to reload (started from built-in defaults)".into());
        };
        let new = Config::load(path).map_err(|e| e.to_string())?;
        let old = self.config();
        let mut restart = Vec::new();
        if new.server.listen != old.server.listen {
            restart.push("server.listen");
        }
        if new.server.prefix != old.server.prefix {
            restart.push("server.prefix");
        }
        if new.storage.database_url != old.storage.database_url
            || new.storage.redis_url != old.storage.redis_url
        {
            restart.push("storage");
        }
        if new.server.metrics_listen != old.server.metrics_listen {
            restart.push("server.metrics_listen");
        }
        if new.server.tls.is_some() != old.server.tls.is_some() {
            restart.push("server.tls_cert_file/tls_key_file");
        }
        if new.server.upstream_connect_timeout != old.server.upstream_connect_timeout
            || new.server.upstream_timeout != old.server.upstream_timeout
        {
            restart.push("server.upstream_*_timeout");
        }
        if new.session.idle_timeout != old.session.idle_timeout
            || new.session.absolute_timeout != old.session.absolute_timeout
        {
            restart.push("session timeouts (for new sessions)");
        }
        for w in &new.warnings {
            tracing::warn!("{w}");
        }
        if !restart.is_empty() {
            tracing::warn!(keys = %restart.join(", "), "these settings changed but take effect only after a restart");
        }
        tracing::info!(routes = new.routes.routes.len(), "configuration reloaded");
        self.config.store(Arc::new(new));
        Ok(())
    }
}
