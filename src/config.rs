//! Configuration: `gateway.toml` + `PASSGATE_*` environment variables.
//!
//! Loading is two steps. The file is parsed into [`raw::RawConfig`] (every
//! key with its default); unknown keys are collected with their line rather
//! than stopping at the first. Then [`Config::from_raw`] checks everything a
//! first login would otherwise trip over and reports **all** problems at
//! once, each naming its key and line. Secrets may come from `*_file` keys.

pub mod raw;

use std::collections::HashMap;
use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use ipnet::IpNet;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::authz::{self, EmailPattern, HostPattern, Policy, Portal, Route, RouteTable, Upstream};
use crate::secret::Secret;
pub use raw::RawConfig;

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

/// How the gateway talks to its listener and upstreams.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub listen: SocketAddr,
    pub portal: Portal,
    pub trusted_proxies: Vec<IpNet>,
    pub prefix: String,
    pub tls: Option<TlsFiles>,
    pub metrics_listen: Option<SocketAddr>,
    pub upstream_connect_timeout: Duration,
    pub upstream_timeout: Duration,
    pub shutdown_timeout: Duration,
    /// Worker threads serving connections, each with its own runtime.
    pub workers: usize,
    /// `Strict-Transport-Security` for answers on the portal host (only
    /// when the portal is https).
    pub hsts: Option<http::HeaderValue>,
    /// Serve plain HTTP/1.1 with passgate's own loop (`server/h1.rs`);
    /// `false` leaves every connection to hyper.
    pub http1_loop: bool,
}

#[derive(Debug, Clone)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

#[derive(Debug, Clone)]
pub struct StorageConfig {
    pub database_url: Secret,
    pub redis_url: Option<Secret>,
    /// Namespace of passgate's keys in Redis (several deployments may share one).
    pub redis_prefix: String,
}

#[derive(Debug, Clone)]
pub struct SessionConfig {
    pub cookie_domain: Option<String>,
    pub cookie_name: &'static str,
    pub secure_cookie: bool,
    pub idle_timeout: Duration,
    pub absolute_timeout: Duration,
    /// How long a replica trusts its cached copy of a session while the
    /// revocation channel is healthy.
    pub cache_ttl: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserVerification {
    Required,
    Preferred,
}

#[derive(Debug, Clone)]
pub struct WebauthnConfig {
    pub rp_id: String,
    pub rp_name: String,
    pub user_verification: UserVerification,
}

#[derive(Debug, Clone)]
pub enum EmailTransport {
    Outbox(PathBuf),
    Smtp(Secret),
}

#[derive(Debug, Clone)]
pub struct EmailConfig {
    pub sign_in: bool,
    pub from: String,
    pub transport: EmailTransport,
    pub token_ttl: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignupMode {
    Invite,
    Domains,
    Open,
}

#[derive(Debug, Clone)]
pub struct SignupConfig {
    pub mode: SignupMode,
    pub allowed_domains: Vec<String>,
    /// Lower-case addresses.
    pub admins: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct BrandingConfig {
    pub name: String,
    pub logo_url: Option<String>,
    pub accent_color: String,
}

/// The `Remote-*` headers, in the order User, Email, Name, Groups.
pub const REMOTE_HEADERS: [&str; 4] = [
    "Remote-User",
    "Remote-Email",
    "Remote-Name",
    "Remote-Groups",
];
/// The oauth2-proxy style headers, in the order User, Email, Groups.
pub const AUTH_REQUEST_HEADERS: [&str; 3] = [
    "X-Auth-Request-User",
    "X-Auth-Request-Email",
    "X-Auth-Request-Groups",
];
/// Every identity header passgate may set (`identity.assertion_header`
/// may not be one of them).
pub const ALL_IDENTITY_HEADERS: [&str; 7] = [
    "Remote-User",
    "Remote-Email",
    "Remote-Name",
    "Remote-Groups",
    "X-Auth-Request-User",
    "X-Auth-Request-Email",
    "X-Auth-Request-Groups",
];

/// `identity.headers`: which of the families above reach upstreams.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderStyle {
    Remote,
    AuthRequest,
    Both,
}

#[derive(Debug, Clone)]
pub struct IdentityConfig {
    pub headers: HeaderStyle,
    pub assertion_header: http::HeaderName,
    pub assertion_ttl: Duration,
}

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
    /// Things that work but are probably not what was meant.
    pub warnings: Vec<String>,
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

        // [server]
        let s = &raw.server;
        let listen = v.socket("server.listen", &s.listen);
        let prefix = v.check("server.prefix", || {
            let p = s.prefix.trim_end_matches('/');
            if !p.starts_with('/') || p.len() < 2 {
                return Err("must start with / and name a path, e.g. \"/.passgate\"".into());
            }
            if authz::path::canonical(p).ok().as_deref() != Some(p)
                || p.contains(['?', '#', '%', ';'])
            {
                return Err("must be a plain path (no //, ., .., %, ;, ?, #)".into());
            }
            Ok(p.to_string())
        });
        let portal_url = v.check("server.public_url", || {
            let u = url::Url::parse(&s.public_url).map_err(|e| format!("{:?} is not a URL: {e}", s.public_url))?;
            if !matches!(u.scheme(), "http" | "https") {
                return Err("must be an http:// or https:// URL".into());
            }
            if !u.username().is_empty() || u.password().is_some() || u.query().is_some() || u.fragment().is_some() {
                return Err("must be an origin only (scheme, host, port), without user, query or fragment".into());
            }
            if u.path() != "/" {
                return Err(format!(
                    "must be an origin without a path (got path {:?}); the portal lives under server.prefix",
                    u.path()
                ));
            }
            Ok(u)
        });
        let trusted_proxies: Vec<IpNet> = s
            .trusted_proxies
            .iter()
            .enumerate()
            .filter_map(|(i, t)| v.check(&format!("server.trusted_proxies[{i}]"), || parse_net(t)))
            .collect();
        let tls = match (s.tls_cert_file.is_empty(), s.tls_key_file.is_empty()) {
            (true, true) => None,
            (false, false) => {
                let cert = v.readable_file("server.tls_cert_file", base, &s.tls_cert_file);
                let key = v.readable_file("server.tls_key_file", base, &s.tls_key_file);
                match (cert, key) {
                    (Some(cert), Some(key)) => Some(TlsFiles { cert, key }),
                    _ => None,
                }
            }
            (true, false) => {
                v.problem(
                    "server.tls_cert_file",
                    "tls_key_file is set but tls_cert_file is not; set both or neither",
                );
                None
            }
            (false, true) => {
                v.problem(
                    "server.tls_key_file",
                    "tls_cert_file is set but tls_key_file is not; set both or neither",
                );
                None
            }
        };
        let metrics_listen = if s.metrics_listen.trim().is_empty() {
            None
        } else {
            let m = v.socket("server.metrics_listen", &s.metrics_listen);
            if m.is_some() && m == listen {
                v.problem("server.metrics_listen", "must differ from server.listen (metrics are not served on the public listener)");
            }
            m
        };
        let upstream_connect_timeout = v.duration(
            "server.upstream_connect_timeout",
            &s.upstream_connect_timeout,
        );
        let upstream_timeout = v.duration("server.upstream_timeout", &s.upstream_timeout);
        let shutdown_timeout = v.duration("server.shutdown_timeout", &s.shutdown_timeout);
        let workers = v.check("server.workers", || match s.workers.trim() {
            "auto" => Ok(std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1)),
            n => match n.parse::<usize>() {
                Ok(n) if (1..=1024).contains(&n) => Ok(n),
                _ => Err(format!(
                    "must be \"auto\" or a number from 1 to 1024, found {n:?}"
                )),
            },
        });
        let hsts = v.check("server.hsts", || {
            let h = s.hsts.trim();
            if h.is_empty() {
                return Ok(None);
            }
            let max_age = h
                .split(';')
                .next()
                .and_then(|d| d.trim().strip_prefix("max-age="))
                .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
            if !max_age {
                return Err(format!(
                    "{h:?} must start with max-age=SECONDS (e.g. \"max-age=31536000; includeSubDomains\"), or be empty to send none"
                ));
            }
            http::HeaderValue::from_str(h)
                .map(Some)
                .map_err(|_| format!("{h:?} is not a valid header value"))
        })
        .flatten();

        // [webauthn]
        let w = &raw.webauthn;
        let rp_id = w.rp_id.trim().trim_end_matches('.').to_ascii_lowercase();
        if rp_id.is_empty()
            || authz::split_host_port(&rp_id).is_none_or(|(h, p)| h != rp_id || p.is_some())
        {
            v.problem(
                "webauthn.rp_id",
                "must be a host name without scheme or port, e.g. \"example.com\"",
            );
        }
        if w.rp_name.trim().is_empty() {
            v.problem(
                "webauthn.rp_name",
                "must not be empty (browsers show it when creating a passkey)",
            );
        }
        let user_verification = v.check("webauthn.user_verification", || {
            match w.user_verification.as_str() {
                "required" => Ok(UserVerification::Required),
                "preferred" => Ok(UserVerification::Preferred),
                other => Err(format!(
                    "{other:?} is not one of \"required\", \"preferred\""
                )),
            }
        });

        let portal = match (&portal_url, &prefix) {
            (Some(u), Some(prefix)) => {
                let host = u.host_str().unwrap_or_default().to_ascii_lowercase();
                let https = u.scheme() == "https";
                if !rp_id.is_empty() && host != rp_id && !host.ends_with(&format!(".{rp_id}")) {
                    v.problem(
                        "server.public_url",
                        format!(
                            "host {host:?} is neither webauthn.rp_id ({rp_id:?}) nor a subdomain of it; passkeys would fail. Set webauthn.rp_id to {host:?} or a parent domain"
                        ),
                    );
                }
                if !https && !is_loopback_host(&host) {
                    warnings.push(format!(
                        "server.public_url is http:// on {host:?}: browsers only allow passkeys on https:// or localhost, and the session cookie cannot be Secure"
                    ));
                }
                let port = u
                    .port_or_known_default()
                    .unwrap_or(if https { 443 } else { 80 });
                let origin = u.origin().ascii_serialization();
                Some(Portal {
                    https,
                    host,
                    port,
                    origin,
                    prefix: prefix.clone(),
                })
            }
            _ => None,
        };

        // [session]
        let se = &raw.session;
        let cookie_domain = {
            let d = se
                .cookie_domain
                .trim()
                .trim_start_matches('.')
                .to_ascii_lowercase();
            if d.is_empty() {
                None
            } else {
                if authz::split_host_port(&d).is_none_or(|(h, p)| h != d || p.is_some()) {
                    v.problem(
                        "session.cookie_domain",
                        format!("{d:?} is not a domain name"),
                    );
                } else if let Some(p) = &portal
                    && p.host != d
                    && !p.host.ends_with(&format!(".{d}"))
                {
                    v.problem(
                        "session.cookie_domain",
                        format!(
                            "{d:?} does not cover the portal host {:?} from server.public_url, so the session cookie set at sign-in would never be sent back",
                            p.host
                        ),
                    );
                }
                Some(d)
            }
        };
        let idle_timeout = v.duration("session.idle_timeout", &se.idle_timeout);
        let absolute_timeout = v.duration("session.absolute_timeout", &se.absolute_timeout);
        if let (Some(i), Some(a)) = (idle_timeout, absolute_timeout)
            && i > a
        {
            v.problem(
                "session.idle_timeout",
                "is longer than session.absolute_timeout; it would never apply",
            );
        }
        let cache_ttl = v.duration("session.cache_ttl", &se.cache_ttl);
        let secure_cookie = portal.as_ref().is_some_and(|p| p.https);
        let cookie_name = if cookie_domain.is_none() && secure_cookie {
            crate::cookies::SESSION_HOST
        } else {
            crate::cookies::SESSION
        };

        // [storage]
        let st = &raw.storage;
        let database_url = v.secret(
            "storage.database_url",
            base,
            &st.database_url,
            &st.database_url_file,
            &raw::RawStorage::default().database_url,
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

        if raw.storage.redis_prefix.is_empty()
            || !raw
                .storage
                .redis_prefix
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
        {
            v.problem(
                "storage.redis_prefix",
                "must be letters, digits, - _ . or : (e.g. \"passgate\")",
            );
        }

        // [email]
        let e = &raw.email;
        if let Err(err) = e.from.parse::<lettre::message::Mailbox>() {
            v.problem(
                "email.from",
                format!(
                    "{:?} is not a mailbox like \"passgate <passgate@example.com>\": {err}",
                    e.from
                ),
            );
        }
        let transport = match e.transport.as_str() {
            "outbox" => {
                if e.outbox_dir.trim().is_empty() {
                    v.problem(
                        "email.outbox_dir",
                        "must be set when email.transport = \"outbox\"",
                    );
                }
                Some(EmailTransport::Outbox(base.join(&e.outbox_dir)))
            }
            "smtp" => match v.secret("email.smtp_url", base, &e.smtp_url, &e.smtp_url_file, "") {
                Some(u) if u.is_empty() => {
                    v.problem("email.smtp_url", "must be set when email.transport = \"smtp\" (smtp://host:587 or smtps://user:pass@host:465)");
                    None
                }
                Some(u) => {
                    match url::Url::parse(u.expose()) {
                        Ok(p) if matches!(p.scheme(), "smtp" | "smtps") && p.host_str().is_some() => {}
                        _ => v.problem("email.smtp_url", "must look like smtp://host:587 (STARTTLS) or smtps://user:pass@host:465 (TLS)"),
                    }
                    Some(EmailTransport::Smtp(u))
                }
                None => None,
            },
            other => {
                v.problem(
                    "email.transport",
                    format!("{other:?} is not one of \"outbox\", \"smtp\""),
                );
                None
            }
        };
        let token_ttl = v.duration("email.token_ttl", &e.token_ttl);

        // [signup]
        let su = &raw.signup;
        let mode = v.check("signup.mode", || match su.mode.as_str() {
            "invite" => Ok(SignupMode::Invite),
            "domains" => Ok(SignupMode::Domains),
            "open" => Ok(SignupMode::Open),
            other => Err(format!(
                "{other:?} is not one of \"invite\", \"domains\", \"open\""
            )),
        });
        let allowed_domains: Vec<String> = su
            .allowed_domains
            .iter()
            .enumerate()
            .filter_map(|(i, d)| {
                let d = d
                    .trim()
                    .trim_start_matches("*@")
                    .trim_start_matches('@')
                    .to_ascii_lowercase();
                if authz::split_host_port(&d).is_none_or(|(h, p)| h != d || p.is_some()) {
                    v.problem(
                        &format!("signup.allowed_domains[{i}]"),
                        format!("{d:?} is not a domain name"),
                    );
                    None
                } else {
                    Some(d)
                }
            })
            .collect();
        if mode == Some(SignupMode::Domains)
            && allowed_domains.is_empty()
            && su.allowed_domains.is_empty()
        {
            v.problem(
                "signup.allowed_domains",
                "must list at least one domain when signup.mode = \"domains\"",
            );
        }
        let admins: Vec<String> = su
            .admins
            .iter()
            .enumerate()
            .filter_map(|(i, a)| {
                let a = a.trim().to_lowercase();
                if crate::names::looks_like_email(&a) {
                    Some(a)
                } else {
                    v.problem(
                        &format!("signup.admins[{i}]"),
                        format!("{a:?} is not an email address"),
                    );
                    None
                }
            })
            .collect();

        // [branding]
        let b = &raw.branding;
        if b.name.trim().is_empty() {
            v.problem("branding.name", "must not be empty");
        }
        let logo_url = if b.logo_url.trim().is_empty() {
            None
        } else {
            let l = b.logo_url.trim();
            let ok = l.starts_with('/') && !l.starts_with("//")
                || url::Url::parse(l).is_ok_and(|u| u.scheme() == "https" || u.scheme() == "http");
            if !ok {
                v.problem(
                    "branding.logo_url",
                    "must be an http(s) URL or a path starting with /",
                );
            }
            Some(l.to_string())
        };
        let accent_ok = {
            let c = b.accent_color.trim();
            c.starts_with('#')
                && matches!(c.len(), 4 | 7)
                && c[1..].bytes().all(|x| x.is_ascii_hexdigit())
        };
        if !accent_ok {
            v.problem(
                "branding.accent_color",
                "must be a hex colour like \"#2f6feb\" or \"#36c\"",
            );
        }

        // [identity]
        let id = &raw.identity;
        let headers = v.check("identity.headers", || match id.headers.as_str() {
            "remote" => Ok(HeaderStyle::Remote),
            "auth-request" => Ok(HeaderStyle::AuthRequest),
            "both" => Ok(HeaderStyle::Both),
            other => Err(format!(
                "{other:?} is not one of \"remote\", \"auth-request\", \"both\""
            )),
        });
        let assertion_header = v.check("identity.assertion_header", || {
            let h = http::HeaderName::from_bytes(id.assertion_header.trim().as_bytes())
                .map_err(|_| format!("{:?} is not a valid header name", id.assertion_header))?;
            if ALL_IDENTITY_HEADERS
                .iter()
                .any(|n| n.eq_ignore_ascii_case(h.as_str()))
            {
                return Err("must not be one of the identity headers".into());
            }
            Ok(h)
        });
        let assertion_ttl = v.duration("identity.assertion_ttl", &id.assertion_ttl);
        if let Some(t) = assertion_ttl
            && (t > Duration::from_secs(300) || t < Duration::from_secs(30))
        {
            v.problem("identity.assertion_ttl", "must be between 30s and 5m");
        }

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

        // [[route]]
        let mut routes = Vec::new();
        for (i, r) in raw.route.iter().enumerate() {
            let k = |f: &str| format!("route[{i}].{f}");
            let line = route_lines.get(i).copied().flatten();
            let host = v.check(&k("host"), || HostPattern::parse(&r.host));
            let path = v.check(&k("path"), || {
                let p = r.path.trim();
                if !p.starts_with('/') {
                    return Err("must start with /".into());
                }
                let c = authz::path::canonical(p).map_err(|e| e.to_string())?;
                if p.contains(['%', ';', '\\', '?', '#'])
                    || c != p.trim_end_matches('/') && !(c == "/" && p == "/")
                {
                    return Err(format!(
                        "must be a plain normalised path prefix (got {p:?}, did you mean {c:?}?)"
                    ));
                }
                Ok(c)
            });
            let policy = v.check(&k("policy"), || {
                Policy::parse(&r.policy).ok_or_else(|| {
                    format!(
                        "{:?} is not one of \"public\", \"authenticated\", \"deny\"",
                        r.policy
                    )
                })
            });
            let upstream = if r.upstream.trim().is_empty() {
                None
            } else {
                v.check(&k("upstream"), || parse_upstream(r.upstream.trim()))
            };
            if policy == Some(Policy::Deny) && upstream.is_some() {
                warnings.push(format!(
                    "{} has policy \"deny\": its upstream is never used",
                    k("upstream")
                ));
            }
            if matches!(policy, Some(Policy::Public | Policy::Deny))
                && (!r.groups.is_empty() || !r.emails.is_empty())
            {
                v.problem(
                    &k("groups"),
                    "groups and emails only apply to policy = \"authenticated\"; with this policy they would be ignored",
                );
            }
            let groups: Vec<String> = r
                .groups
                .iter()
                .enumerate()
                .filter_map(|(j, g)| {
                    let g = g.trim();
                    if crate::names::valid_group_name(g) {
                        Some(g.to_string())
                    } else {
                        v.problem(
                            &format!("route[{i}].groups[{j}]"),
                            format!("{g:?} is not a group name (letters, digits, - _ .)"),
                        );
                        None
                    }
                })
                .collect();
            let emails: Vec<EmailPattern> = r
                .emails
                .iter()
                .enumerate()
                .filter_map(|(j, e)| {
                    v.check(&format!("route[{i}].emails[{j}]"), || {
                        EmailPattern::parse(e)
                    })
                })
                .collect();
            let upgrades: Vec<String> = r
                .upgrades
                .iter()
                .enumerate()
                .filter_map(|(j, u)| {
                    v.check(&format!("route[{i}].upgrades[{j}]"), || {
                        let u = u.trim();
                        if u.eq_ignore_ascii_case("h2c") {
                            return Err("h2c is never forwarded: an upgraded connection is a tunnel passgate no longer looks into, and HTTP/2 inside it would carry requests no rule has seen".into());
                        }
                        if u.is_empty() || !u.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)) {
                            return Err(format!("{u:?} is not a protocol name (such as \"websocket\")"));
                        }
                        Ok(u.to_ascii_lowercase())
                    })
                })
                .collect();
            if let Some(((host, port), path)) = host.zip(path)
                && let Some(policy) = policy
            {
                routes.push(Route {
                    index: i,
                    line,
                    host,
                    port,
                    path,
                    upstream,
                    policy,
                    groups,
                    emails,
                    upgrades,
                });
            }
        }
        let routes = RouteTable::new(routes);
        for (ported, other) in routes.port_dodges() {
            let (Some(r), Some(o)) = (
                routes.routes.iter().find(|x| x.index == ported),
                routes.routes.iter().find(|x| x.index == other),
            ) else {
                continue;
            };
            v.problems.push(Problem {
                key: format!("route[{ported}].host"),
                line: r.line,
                env: None,
                message: format!(
                    "{}:{} is told apart from route[{other}] ({}{}) only by its port, but clients write the port in their Host header and proxies pass it on as written, so a client could pick either rule; give each entry point a host name of its own, or drop the port",
                    r.host,
                    r.port.unwrap_or_default(),
                    o.host,
                    o.port.map(|p| format!(":{p}")).unwrap_or_default()
                ),
            });
        }
        for (later, earlier) in routes.shadowed() {
            let r = &routes.routes[later];
            v.problems.push(Problem {
                key: format!("route[{}]", r.index),
                line: r.line,
                env: None,
                message: format!(
                    "can never match: route[{earlier}] (line {}) comes first and matches everything this rule does (host {}, path {}); move this rule above it or remove it",
                    routes.routes.iter().find(|x| x.index == earlier).and_then(|x| x.line).map_or("?".into(), |l| l.to_string()),
                    r.host,
                    r.path
                ),
            });
        }
        if let Some(portal) = &portal {
            for r in &routes.routes {
                if r.policy == Policy::Authenticated
                    && r.host != HostPattern::Exact(portal.host.clone())
                {
                    let covered = match (&cookie_domain, &r.host) {
                        (Some(d), HostPattern::Exact(h)) => h == d || h.ends_with(&format!(".{d}")),
                        (Some(d), HostPattern::Wildcard(h)) => {
                            h == d || h.ends_with(&format!(".{d}"))
                        }
                        (None, _) => false,
                    };
                    if !covered {
                        v.problems.push(Problem {
                            key: format!("route[{}].host", r.index),
                            line: r.line,
                            env: None,
                            message: format!(
                                "{} is not the portal host {:?} and session.cookie_domain does not cover it, so a signed-in user's cookie would never reach it; set session.cookie_domain to a parent domain of both",
                                r.host, portal.host
                            ),
                        });
                    }
                }
            }
        }
        if routes
            .routes
            .iter()
            .any(|r| r.upstream.is_none() && r.policy != Policy::Deny)
            && trusted_proxies.is_empty()
        {
            v.problem(
                "server.trusted_proxies",
                "is empty, but some routes have no upstream (forward-auth only): list the proxies that call passgate, or their X-Forwarded-* headers will be ignored",
            );
        }
        if routes.routes.is_empty() {
            warnings.push(
                "no [[route]] is configured: every request except passgate's own pages is denied"
                    .into(),
            );
        }

        if !v.problems.is_empty() {
            return Err(v.problems);
        }
        // Every Option below is Some when no problem was recorded.
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
            server: ServerConfig {
                listen: listen.ok_or_else(missing)?,
                portal: portal.ok_or_else(missing)?,
                trusted_proxies,
                prefix: prefix.ok_or_else(missing)?,
                tls,
                metrics_listen,
                upstream_connect_timeout: upstream_connect_timeout.ok_or_else(missing)?,
                upstream_timeout: upstream_timeout.ok_or_else(missing)?,
                shutdown_timeout: shutdown_timeout.ok_or_else(missing)?,
                workers: workers.ok_or_else(missing)?,
                // Never on http: browsers ignore it there, and a portal
                // that is http has no https to insist on.
                hsts: hsts.filter(|_| portal_url.as_ref().is_some_and(|u| u.scheme() == "https")),
                http1_loop: s.http1_loop,
            },
            storage: StorageConfig {
                database_url: database_url.ok_or_else(missing)?,
                redis_url,
                redis_prefix: raw.storage.redis_prefix.clone(),
            },
            session: SessionConfig {
                cookie_domain,
                cookie_name,
                secure_cookie,
                idle_timeout: idle_timeout.ok_or_else(missing)?,
                absolute_timeout: absolute_timeout.ok_or_else(missing)?,
                cache_ttl: cache_ttl.ok_or_else(missing)?,
            },
            webauthn: WebauthnConfig {
                rp_id,
                rp_name: w.rp_name.trim().to_string(),
                user_verification: user_verification.ok_or_else(missing)?,
            },
            email: EmailConfig {
                sign_in: e.sign_in,
                from: e.from.clone(),
                transport: transport.ok_or_else(missing)?,
                token_ttl: token_ttl.ok_or_else(missing)?,
            },
            signup: SignupConfig {
                mode: mode.ok_or_else(missing)?,
                allowed_domains,
                admins,
            },
            branding: BrandingConfig {
                name: b.name.trim().to_string(),
                logo_url,
                accent_color: b.accent_color.trim().to_string(),
            },
            identity: IdentityConfig {
                headers: headers.ok_or_else(missing)?,
                assertion_header: assertion_header.ok_or_else(missing)?,
                assertion_ttl: assertion_ttl.ok_or_else(missing)?,
            },
            audit_retention: audit_retention.ok_or_else(missing)?,
            log: LogConfig {
                level: raw.log.level.clone(),
                format: log_format.ok_or_else(missing)?,
            },
            routes,
            warnings,
        })
    }

    /// Where the login page is, e.g. `https://auth.example.com/.passgate/login`.
    pub fn login_url(&self) -> String {
        format!("{}{}/login", self.server.portal.origin, self.server.prefix)
    }
}

/// Collects problems while validating.
#[derive(Default)]
struct Validator {
    problems: Vec<Problem>,
}

impl Validator {
    fn problem(&mut self, key: &str, message: impl Into<String>) {
        self.problems.push(Problem {
            key: key.to_string(),
            line: None,
            env: None,
            message: message.into(),
        });
    }

    fn check<T>(&mut self, key: &str, f: impl FnOnce() -> Result<T, String>) -> Option<T> {
        match f() {
            Ok(v) => Some(v),
            Err(m) => {
                self.problem(key, m);
                None
            }
        }
    }

    fn duration(&mut self, key: &str, s: &str) -> Option<Duration> {
        self.check(key, || {
            let d = humantime::parse_duration(s.trim()).map_err(|e| {
                format!("{s:?} is not a duration like \"90s\", \"15m\", \"12h\", \"30d\" ({e})")
            })?;
            if d.is_zero() {
                return Err("must be longer than zero".into());
            }
            Ok(d)
        })
    }

    fn socket(&mut self, key: &str, s: &str) -> Option<SocketAddr> {
        self.check(key, || {
            s.trim().parse::<SocketAddr>().map_err(|_| {
                format!("{s:?} is not an address like \"127.0.0.1:8080\" or \"[::]:8080\"")
            })
        })
    }

    fn readable_file(&mut self, key: &str, base: &Path, p: &str) -> Option<PathBuf> {
        let path = base.join(p);
        match std::fs::metadata(&path) {
            Ok(m) if m.is_file() => Some(path),
            Ok(_) => {
                self.problem(key, format!("{} is not a file", path.display()));
                None
            }
            Err(e) => {
                self.problem(key, format!("cannot read {}: {e}", path.display()));
                None
            }
        }
    }

    /// A secret given inline or through `<key>_file`. An inline value equal
    /// to the key's default counts as not given.
    fn secret(
        &mut self,
        key: &str,
        base: &Path,
        inline: &str,
        file: &str,
        default: &str,
    ) -> Option<Secret> {
        let inline = if !file.trim().is_empty() && inline == default {
            ""
        } else {
            inline
        };
        match (inline.is_empty(), file.trim().is_empty()) {
            (_, true) => Some(Secret::new(inline.trim())),
            (true, false) => {
                let path = base.join(file.trim());
                match std::fs::read_to_string(&path) {
                    Ok(s) => Some(Secret::new(s.trim())),
                    Err(e) => {
                        self.problem(
                            &format!("{key}_file"),
                            format!("cannot read {}: {e}", path.display()),
                        );
                        None
                    }
                }
            }
            (false, false) => {
                self.problem(
                    &format!("{key}_file"),
                    format!("both {key} and {key}_file are set; keep one"),
                );
                None
            }
        }
    }
}

fn parse_net(s: &str) -> Result<IpNet, String> {
    let t = s.trim();
    if let Ok(n) = t.parse::<IpNet>() {
        return Ok(n.trunc());
    }
    if let Ok(ip) = t.parse::<IpAddr>() {
        return Ok(IpNet::from(ip));
    }
    Err(format!(
        "{s:?} is not an IP address or CIDR range like \"10.0.0.0/8\""
    ))
}

fn parse_upstream(s: &str) -> Result<Upstream, String> {
    let u = url::Url::parse(s).map_err(|e| format!("{s:?} is not a URL: {e}"))?;
    if !matches!(u.scheme(), "http" | "https") {
        return Err(format!(
            "{s:?} must be an http:// or https:// URL (got scheme {:?})",
            u.scheme()
        ));
    }
    if u.host_str().is_none() {
        return Err(format!("{s:?} has no host"));
    }
    if !u.username().is_empty()
        || u.password().is_some()
        || u.query().is_some()
        || u.fragment().is_some()
    {
        return Err(format!(
            "{s:?} must not carry user info, a query or a fragment"
        ));
    }
    if u.path() != "/" {
        return Err(format!(
            "{s:?} has a path ({:?}); requests are forwarded with their own path, so give the origin only",
            u.path()
        ));
    }
    let scheme: http::uri::Scheme = u.scheme().parse().map_err(|_| "bad scheme".to_string())?;
    let host = u.host_str().unwrap_or_default();
    let authority = match u.port() {
        Some(p) => format!("{host}:{p}"),
        None => host.to_string(),
    };
    let authority = authority
        .parse::<http::uri::Authority>()
        .map_err(|e| format!("{s:?}: {e}"))?;
    Ok(Upstream {
        scheme,
        authority,
        url: s.to_string(),
    })
}

fn is_loopback_host(h: &str) -> bool {
    h == "localhost" || h.ends_with(".localhost") || h == "127.0.0.1" || h == "[::1]"
}

fn toml_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\u{:04X}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Put every key of `env` (sections of scalars) into `doc`, replacing.
fn merge_env<'a>(doc: &mut DeTable<'a>, env: DeTable<'a>) {
    for (section, table) in env {
        let DeValue::Table(entries) = table.into_inner() else {
            continue;
        };
        let existing = doc
            .iter_mut()
            .find(|(k, _)| k.get_ref() == section.get_ref())
            .map(|(_, v)| v);
        match existing {
            Some(v) => {
                if let DeValue::Table(t) = v.get_mut() {
                    for (k, val) in entries {
                        let found = t
                            .iter_mut()
                            .find(|(kk, _)| kk.get_ref() == k.get_ref())
                            .map(|(_, vv)| vv);
                        match found {
                            Some(slot) => *slot = val,
                            None => {
                                t.insert(k, val);
                            }
                        }
                    }
                }
            }
            None => {
                doc.insert(section, Spanned::new(0..0, DeValue::Table(entries)));
            }
        }
    }
}

/// Byte offset → 1-based line.
struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Self { starts }
    }

    fn line(&self, offset: usize) -> usize {
        match self.starts.binary_search(&offset) {
            Ok(i) => i + 1,
            Err(i) => i,
        }
    }
}

/// Line of every key path in the document ("server.listen", "route[1].host").
fn index_keys(doc: &DeTable<'_>, lines: &LineIndex) -> HashMap<String, usize> {
    fn walk(t: &DeTable<'_>, prefix: &str, lines: &LineIndex, out: &mut HashMap<String, usize>) {
        for (k, v) in t {
            let path = if prefix.is_empty() {
                k.get_ref().to_string()
            } else {
                format!("{prefix}.{}", k.get_ref())
            };
            out.insert(path.clone(), lines.line(k.span().start));
            match v.get_ref() {
                DeValue::Table(inner) => walk(inner, &path, lines, out),
                DeValue::Array(items) => {
                    for (i, item) in items.iter().enumerate() {
                        let ip = format!("{path}[{i}]");
                        out.insert(ip.clone(), lines.line(item.span().start));
                        if let DeValue::Table(inner) = item.get_ref() {
                            walk(inner, &ip, lines, out);
                        }
                    }
                }
                _ => {}
            }
        }
    }
    let mut out = HashMap::new();
    walk(doc, "", lines, &mut out);
    out
}

/// The line for `key`, or for its nearest parent that is in the file.
fn line_for(index: &HashMap<String, usize>, key: &str) -> Option<usize> {
    let mut k = key;
    loop {
        if let Some(l) = index.get(k) {
            return Some(*l);
        }
        let cut = k.rfind(['.', '['])?;
        k = &k[..cut];
    }
}

fn ignored_path(path: &serde_ignored::Path<'_>) -> String {
    use serde_ignored::Path as P;
    match path {
        P::Root => String::new(),
        P::Seq { parent, index } => format!("{}[{index}]", ignored_path(parent)),
        P::Map { parent, key } => {
            let p = ignored_path(parent);
            if p.is_empty() {
                key.to_string()
            } else {
                format!("{p}.{key}")
            }
        }
        P::Some { parent } | P::NewtypeStruct { parent } | P::NewtypeVariant { parent } => {
            ignored_path(parent)
        }
    }
}

#[cfg(test)]
mod tests;
