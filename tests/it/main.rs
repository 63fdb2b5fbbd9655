//! Every integration test, in one binary: one link instead of eleven on a
//! two-core machine. Each file is the module it was as a binary of its own,
//! so test names read as before (`security::…`, `forward_auth::…`), and
//! `cargo test --test it security::` runs one file's tests.
//!
//! The helpers they share are `tests/common/`.

#[path = "../common/mod.rs"]
mod common;

mod admin;
mod deploy;
mod differential;
mod e2e;
mod faults;
mod forward_auth;
mod fuzz;
mod gate_proxy;
mod http1;
mod languages;
mod oidc;
mod operate;
mod policies;
mod replicas;
mod security;
mod signin;
mod store_conformance;
mod tokens;
