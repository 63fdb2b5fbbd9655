//! passgate: a passkey-first authentication gateway.
//!
//! One binary that serves its own login pages and, in front of any web app,
//! either proxies allowed traffic (reverse-proxy mode) or answers forward-auth
//! calls from Traefik, nginx, Caddy and HAProxy. The external contract —
//! CLI, config keys, endpoints, headers, cookies — is described in DESIGN.md;
//! each part of it has one module here.

pub mod app;
pub mod audit;
pub mod authz;
pub mod cli;
pub mod clock;
pub mod config;
pub mod cookies;
pub mod demo;
pub mod email;
pub mod error;
#[doc(hidden)]
pub mod fuzz;
pub mod gate;
pub mod http1;
pub mod hygiene;
pub mod i18n;
pub mod identity;
#[cfg(test)]
mod layering;
pub mod metrics;
pub mod names;
pub mod page;
pub mod proxy;
pub mod secret;
pub mod server;
pub mod session;
pub mod signin;
pub mod store;
pub mod token;
pub mod ui;
pub mod webauthn;

pub use clock::{Clock, ManualClock, SystemClock};
pub use config::Config;
