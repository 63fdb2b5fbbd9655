//! Configuration: `gateway.toml` + `PASSGATE_*` environment variables.
//!
//! Loading is two steps. The file is parsed into [`raw::RawConfig`] (every
//! key with its default); unknown keys are collected with their line rather
//! than stopping at the first. Then [`Config::from_raw`] checks everything a
//! first login would otherwise trip over and reports **all** problems at
//! once, each naming its key and line. Secrets may come from `*_file` keys.
//!
//! This file: the two steps and the `Config` they make. Each section is
//! checked in a file of its own (`config/server.rs`, `storage.rs`,
//! `session.rs`, `webauthn.rs`, `email.rs`, `signup.rs`, `branding.rs`,
//! `identity.rs`, `routes.rs`) with the one [`validate::Validator`];
//! `config/env.rs` merges `PASSGATE_*` variables and finds each key's line.

mod branding;
mod email;
mod env;
mod identity;
mod oidc;
pub mod raw;
mod routes;
mod server;
mod session;
mod signup;
mod storage;
mod validate;
mod webauthn;

use std::collections::HashMap;
use std::fmt;
use std::path::Path;
use std::time::Duration;

use toml::de::DeTable;

use crate::authz::RouteTable;
pub use branding::BrandingConfig;
pub use email::{EmailConfig, EmailTransport};
use env::{LineIndex, ignored_path, index_keys, line_for, merge_env, toml_string};
pub use identity::{
    ALL_IDENTITY_HEADERS, AUTH_REQUEST_HEADERS, HeaderStyle, IdentityConfig, REMOTE_HEADERS,
};
pub use oidc::{
    DISCOVERY_PATH as OIDC_DISCOVERY_PATH, IdTokenAlg, OidcClient, OidcConfig,
    SCOPES as OIDC_SCOPES,
};
pub use raw::RawConfig;
pub use server::{ServerConfig, TlsFiles};
pub use session::SessionConfig;
pub use signup::{SignupConfig, SignupMode};
pub use storage::StorageConfig;
use validate::Validator;
pub use webauthn::{UserVerification, WebauthnConfig};

/// One thing wrong with the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Key path, e.g. `server.public_url` or `route[2].upstream`.
    pub key: String,
    /// 1-based line in the file, when the key is in the file.
    pub line: Option<usize>,
    /// Set when the value came from an environment variable.
    pub env: Option<String>,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.env, self.line) {
            (Some(var), _) => write!(f, "{} (from ${}): {}", self.key, var, self.message),
            (None, Some(line)) => write!(f, "line {}: {}: {}", line, self.key, self.message),
            (None, None) => write!(f, "{}: {}", self.key, self.message),
        }
    }
}

/// Every problem found in one configuration.
#[derive(Debug, Clone)]
pub struct ConfigError {
    /// The file (or "built-in defaults").
    pub source: String,
    pub problems: Vec<Problem>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.problems.len();
        writeln!(
            f,
            "{}: {} problem{} found:",
            self.source,
            n,
            if n == 1 { "" } else { "s" }
        )?;
        for p in &self.problems {
            writeln!(f, "  - {p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone)]
pub struct LogConfig {
    pub level: String,
    pub format: LogFormat,
}

/// The validated configuration the program runs with.
#[derive(Debug, Clone)]
pub struct Config {
    pub source: String,
    pub server: ServerConfig,
    pub storage: StorageConfig,
    pub session: SessionConfig,
    pub webauthn: WebauthnConfig,
    pub email: EmailConfig,
    pub signup: SignupConfig,
    pub branding: BrandingConfig,
    pub identity: IdentityConfig,
    pub audit_retention: Duration,
    pub log: LogConfig,
    pub routes: RouteTable,
    /// `[oidc]`: the OpenID Connect provider's clients.
    pub oidc: OidcConfig,
    /// `[admin]`: what the admin pages ask of an admin's sign-in.
    pub admin: AdminConfig,
    /// Things that work but are probably not what was meant.
    pub warnings: Vec<String>,
}

/// `[admin]`: the admin pages are for members of `admins` whose sign-in
/// is this recent (and a passkey's, unless `require` is emptied).
#[derive(Debug, Clone)]
pub struct AdminConfig {
    pub max_age: Duration,
    pub require_passkey: bool,
}

/// Environment variables that are not config keys.
const NON_KEY_VARS: &[&str] = &["PASSGATE_CONFIG"];

impl Config {
    /// Load `path` with overrides from the process environment.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let source = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            source: source.clone(),
            problems: vec![Problem {
                key: "(file)".into(),
                line: None,
                env: None,
                message: if e.kind() == std::io::ErrorKind::NotFound {
                    "file not found; pass --config PATH or create it (the repository's gateway.toml is a working example)".into()
                } else {
                    format!("cannot read the file: {e}")
                },
            }],
        })?;
        let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
        Self::from_toml(&text, &source, std::env::vars(), &base)
    }

    /// Parse and validate `text`. `env` supplies `PASSGATE_*` overrides;
    /// relative `*_file` paths are resolved against `base`.
    pub fn from_toml(
        text: &str,
        source: &str,
        env: impl IntoIterator<Item = (String, String)>,
        base: &Path,
    ) -> Result<Config, ConfigError> {
        let fail = |problems: Vec<Problem>| ConfigError {
            source: source.to_string(),
            problems,
        };
        let lines = LineIndex::new(text);
        let mut doc = DeTable::parse(text).map_err(|e| {
            fail(vec![Problem {
                key: "(syntax)".into(),
                line: e.span().map(|s| lines.line(s.start)),
                env: None,
                message: e.message().trim().to_string(),
            }])
        })?;
        let mut problems = Vec::new();
        let key_lines = index_keys(doc.get_ref(), &lines);

        // Environment overrides, parsed as a TOML snippet of their own.
        let mut env_keys: HashMap<String, String> = HashMap::new();
        let mut ignored_env: Vec<String> = Vec::new();
        let mut env_text = String::new();
        let mut env_by_section: HashMap<String, Vec<(String, String)>> = HashMap::new();
        for (var, value) in env {
            let Some(rest) = var.strip_prefix("PASSGATE_") else {
                continue;
            };
            if NON_KEY_VARS.contains(&var.as_str()) {
                continue;
            }
            let rest = rest.to_ascii_lowercase();
            let Some((section, key)) = raw::SECTIONS.iter().find_map(|s| {
                rest.strip_prefix(&format!("{s}_"))
                    .map(|k| (*s, k.to_string()))
            }) else {
                // Not ours (Kubernetes, for one, sets PASSGATE_SERVICE_HOST
                // and PASSGATE_PORT_* for a service named "passgate").
                ignored_env.push(var.clone());
                continue;
            };
            env_keys.insert(format!("{section}.{key}"), var.clone());
            env_by_section
                .entry(section.to_string())
                .or_default()
                .push((key, value));
        }
        for (section, kvs) in &env_by_section {
            env_text.push_str(&format!("[{section}]\n"));
            for (k, v) in kvs {
                let literal = if v.trim_start().starts_with('[') {
                    v.clone()
                } else {
                    toml_string(v)
                };
                env_text.push_str(&format!("{k} = {literal}\n"));
            }
        }
        let env_doc = match DeTable::parse(&env_text) {
            Ok(d) => Some(d),
            Err(e) => {
                problems.push(Problem {
                    key: "(environment)".into(),
                    line: None,
                    env: Some("PASSGATE_*".into()),
                    message: format!("cannot parse a PASSGATE_* value: {}", e.message().trim()),
                });
                None
            }
        };
        if let Some(env_doc) = env_doc {
            merge_env(doc.get_mut(), env_doc.into_inner());
        }

        let locate = |key: &str| -> (Option<usize>, Option<String>) {
            if let Some(var) = env_keys.get(key) {
                return (None, Some(var.clone()));
            }
            (line_for(&key_lines, key), None)
        };

        let mut unknown: Vec<String> = Vec::new();
        let de = toml::de::Deserializer::from(doc);
        let raw: Option<RawConfig> = {
            let mut on_unknown = |path: serde_ignored::Path<'_>| unknown.push(ignored_path(&path));
            let ignored = serde_ignored::Deserializer::new(de, &mut on_unknown);
            match serde_path_to_error::deserialize::<_, RawConfig>(ignored) {
                Ok(r) => Some(r),
                Err(e) => {
                    let key = e.path().to_string();
                    let inner = e.into_inner();
                    let (line, env) = locate(&key);
                    let line = line.or_else(|| inner.span().map(|s| lines.line(s.start)));
                    problems.push(Problem {
                        key,
                        line,
                        env,
                        message: inner.message().trim().to_string(),
                    });
                    None
                }
            }
        };
        for key in unknown {
            let (line, env) = locate(&key);
            problems.push(Problem {
                key,
                line,
                env,
                message: "unknown key (check the spelling; the config reference lists every key)"
                    .into(),
            });
        }
        let Some(raw) = raw else {
            return Err(fail(problems));
        };
        let route_lines: Vec<Option<usize>> = (0..raw.route.len())
            .map(|i| line_for(&key_lines, &format!("route[{i}]")))
            .collect();
        match Config::from_raw(raw, source, base, &route_lines) {
            Ok(mut cfg) if problems.is_empty() => {
                if !ignored_env.is_empty() {
                    ignored_env.sort();
                    cfg.warnings.push(format!(
                        "ignored environment variables that name no config section: {}",
                        ignored_env.join(", ")
                    ));
                }
                Ok(cfg)
            }
            Ok(_) => Err(fail(problems)),
            Err(mut more) => {
                for p in &mut more {
                    let (line, env) = locate(&p.key);
                    p.line = p.line.or(line);
                    p.env = env;
                }
                problems.extend(more);
                Err(fail(problems))
            }
        }
    }

    /// The built-in defaults (used by `passgate demo` when no file is given).
    pub fn defaults() -> Result<Config, ConfigError> {
        Self::from_toml("", "built-in defaults", std::iter::empty(), Path::new("."))
    }

    /// Validate a raw config. `route_lines[i]` is the line of `route[i]`.
    pub fn from_raw(
        raw: RawConfig,
        source: &str,
        base: &Path,
        route_lines: &[Option<usize>],
    ) -> Result<Config, Vec<Problem>> {
        let mut v = Validator::default();
        let mut warnings = Vec::new();
        // Section by section, in the order problems are reported; each
        // records its problems and goes on.
        let server = server::check(&raw.server, base, &mut v);
        let (rp_id, webauthn) = webauthn::check(&raw.webauthn, &mut v);
        let portal = server.portal(&rp_id, &mut v, &mut warnings);
        let (cookie_domain, session) = session::check(&raw.session, portal.as_ref(), &mut v);
        let storage = storage::check(&raw.storage, base, &mut v);
        let email = email::check(&raw.email, base, &mut v);
        let signup = signup::check(&raw.signup, &mut v);
        let branding = branding::check(&raw.branding, &mut v);
        let identity = identity::check(&raw.identity, &mut v);
        let audit_retention = v.duration("audit.retention", &raw.audit.retention);
        let log_format = v.check("log.format", || match raw.log.format.as_str() {
            "text" => Ok(LogFormat::Text),
            "json" => Ok(LogFormat::Json),
            other => Err(format!("{other:?} is not one of \"text\", \"json\"")),
        });
        if tracing_subscriber::EnvFilter::try_new(&raw.log.level).is_err() {
            v.problem(
                "log.level",
                format!(
                    "{:?} is not a level (error, warn, info, debug, trace) or filter",
                    raw.log.level
                ),
            );
        }

        let oidc = oidc::check(&raw.oidc, base, &mut v);
        let admin_max_age = v.duration("admin.max_age", &raw.admin.max_age);
        let mut admin_passkey = false;
        for (j, r) in raw.admin.require.iter().enumerate() {
            if r == "passkey" {
                admin_passkey = true;
            } else {
                v.problem(
                    &format!("admin.require[{j}]"),
                    format!("{r:?} is not \"passkey\""),
                );
            }
        }
        let routes = routes::check(
            &raw.route,
            route_lines,
            portal.as_ref(),
            &cookie_domain,
            &server.trusted_proxies,
            &mut v,
            &mut warnings,
        );
        if !v.problems.is_empty() {
            return Err(v.problems);
        }
        // Every section is whole when no problem was recorded.
        let missing = || {
            vec![Problem {
                key: "(internal)".into(),
                line: None,
                env: None,
                message: "validation incomplete".into(),
            }]
        };
        Ok(Config {
            source: source.to_string(),
            server: server.finish(portal).ok_or_else(missing)?,
            storage: storage.ok_or_else(missing)?,
            session: session.ok_or_else(missing)?,
            webauthn: webauthn.ok_or_else(missing)?,
            email: email.ok_or_else(missing)?,
            signup: signup.ok_or_else(missing)?,
            branding,
            identity: identity.ok_or_else(missing)?,
            audit_retention: audit_retention.ok_or_else(missing)?,
            log: LogConfig {
                level: raw.log.level.clone(),
                format: log_format.ok_or_else(missing)?,
            },
            routes,
            oidc: oidc.ok_or_else(missing)?,
            admin: AdminConfig {
                max_age: admin_max_age.ok_or_else(missing)?,
                require_passkey: admin_passkey,
            },
            warnings,
        })
    }

    /// Where the login page is, e.g. `https://auth.example.com/.passgate/login`.
    pub fn login_url(&self) -> String {
        format!("{}{}/login", self.server.portal.origin, self.server.prefix)
    }

    /// The step-up page ("Confirm it's you") that returns to `rd`.
    pub fn step_up_url(&self, rd: &str) -> String {
        format!(
            "{}{}/step-up?rd={}",
            self.server.portal.origin,
            self.server.prefix,
            percent_encoding::utf8_percent_encode(rd, percent_encoding::NON_ALPHANUMERIC)
        )
    }
}

#[cfg(test)]
mod tests;
