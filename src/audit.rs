//! Audit events: who did what, from where, and whether it worked.
//!
//! Events go to the durable store (`passgate audit` lists them; retention
//! is `audit.retention`). Recording never fails the request it describes:
//! if the store cannot take the event, the event is logged instead.

use crate::app::App;
use crate::store::{NewAuditEvent, User};

/// An event under construction.
#[derive(Debug, Clone)]
pub struct Event(NewAuditEvent);

impl Event {
    pub fn ok(kind: &str) -> Self {
        Self(NewAuditEvent {
            kind: kind.to_string(),
            success: true,
            ..Default::default()
        })
    }

    pub fn failed(kind: &str) -> Self {
        Self(NewAuditEvent {
            kind: kind.to_string(),
            success: false,
            ..Default::default()
        })
    }

    pub fn user(mut self, u: &User) -> Self {
        self.0.user_id = Some(u.id.clone());
        self.0.email = Some(u.email.clone());
        self
    }

    pub fn user_id(mut self, id: &str, email: &str) -> Self {
        self.0.user_id = Some(id.to_string());
        self.0.email = Some(email.to_string());
        self
    }

    pub fn email(mut self, email: &str) -> Self {
        self.0.email = Some(email.to_string());
        self
    }

    pub fn from(mut self, ip: &str, user_agent: &str) -> Self {
        self.0.ip = Some(ip.to_string());
        self.0.user_agent = Some(user_agent.chars().take(256).collect());
        self
    }

    /// Who acted, when it is not the person the event is about.
    pub fn actor(mut self, email: &str) -> Self {
        self.0.actor = Some(email.to_string());
        self
    }

    pub fn detail(mut self, d: impl std::fmt::Display) -> Self {
        self.0.detail = d.to_string();
        self
    }
}

impl App {
    /// Record `e` now.
    pub async fn audit(&self, e: Event) {
        record(self.store.as_ref(), self.clock.now(), e).await;
    }
}

/// Record `e` at `at` (also used by the CLI, which has no [`App`]).
pub async fn record(store: &dyn crate::store::Store, at: i64, e: Event) {
    {
        let mut ev = e.0;
        ev.at = at;
        match ev.kind.as_str() {
            "signin.webauthn" => crate::metrics::signin("passkey", true),
            "signin.email" => crate::metrics::signin("email", true),
            "signin.failed" => crate::metrics::signin(
                if ev.detail.starts_with("passkey") {
                    "passkey"
                } else {
                    "email"
                },
                false,
            ),
            _ => {}
        }
        if let Err(err) = store.append_audit(&ev).await {
            tracing::error!(
                error = %err,
                kind = %ev.kind,
                success = ev.success,
                user = ev.user_id.as_deref().unwrap_or("-"),
                detail = %ev.detail,
                "could not record an audit event"
            );
        }
    }
}
