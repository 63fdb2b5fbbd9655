//! The configuration file as written: every key, with its default.
//!
//! These structs mirror `gateway.toml` one to one and do no checking beyond
//! types; [`super::Config::from_raw`] turns them into the validated runtime
//! configuration. Unknown keys are collected by the loader (with their line),
//! so a typo is an error rather than a silently ignored setting.

use serde::{Deserialize, Deserializer, Serialize};

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct RawConfig {
    pub server: RawServer,
    pub storage: RawStorage,
    pub session: RawSession,
    pub webauthn: RawWebauthn,
    pub email: RawEmail,
    pub signup: RawSignup,
    pub branding: RawBranding,
    pub identity: RawIdentity,
    pub audit: RawAudit,
    pub log: RawLog,
    pub oidc: RawOidc,
    pub admin: RawAdmin,
    pub route: Vec<RawRoute>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct RawServer {
    pub listen: String,
    pub public_url: String,
    pub trusted_proxies: Vec<String>,
    pub prefix: String,
    pub tls_cert_file: String,
    pub tls_key_file: String,
    pub metrics_listen: String,
    pub upstream_connect_timeout: String,
    pub upstream_timeout: String,
    pub shutdown_timeout: String,
    #[serde(deserialize_with = "lenient_count")]
    pub workers: String,
    pub hsts: String,
    #[serde(deserialize_with = "lenient_bool")]
    pub http1_loop: bool,
}

impl Default for RawServer {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8080".into(),
            public_url: "http://localhost:8080".into(),
            trusted_proxies: vec!["127.0.0.1/32".into(), "::1/128".into()],
            prefix: "/.passgate".into(),
            tls_cert_file: String::new(),
            tls_key_file: String::new(),
            metrics_listen: String::new(),
            upstream_connect_timeout: "5s".into(),
            upstream_timeout: "60s".into(),
            shutdown_timeout: "30s".into(),
            workers: "auto".into(),
            hsts: "max-age=31536000".into(),
            http1_loop: true,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct RawStorage {
    pub database_url: String,
    pub database_url_file: String,
    pub redis_url: String,
    pub redis_url_file: String,
    pub redis_prefix: String,
    pub startup_wait: String,
}

impl Default for RawStorage {
    fn default() -> Self {
        Self {
            database_url: "sqlite://passgate.db".into(),
            database_url_file: String::new(),
            redis_url: String::new(),
            redis_url_file: String::new(),
            redis_prefix: "passgate".into(),
            startup_wait: "60s".into(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct RawSession {
    pub cookie_domain: String,
    pub idle_timeout: String,
    pub absolute_timeout: String,
    pub cache_ttl: String,
}

impl Default for RawSession {
    fn default() -> Self {
        Self {
            cookie_domain: String::new(),
            idle_timeout: "12h".into(),
            absolute_timeout: "30d".into(),
            cache_ttl: "60s".into(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct RawWebauthn {
    pub rp_id: String,
    pub rp_name: String,
    pub user_verification: String,
}

impl Default for RawWebauthn {
    fn default() -> Self {
        Self {
            rp_id: "localhost".into(),
            rp_name: "passgate".into(),
            user_verification: "required".into(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct RawEmail {
    #[serde(deserialize_with = "lenient_bool")]
    pub sign_in: bool,
    pub from: String,
    pub transport: String,
    pub outbox_dir: String,
    pub smtp_url: String,
    pub smtp_url_file: String,
    pub token_ttl: String,
}

impl Default for RawEmail {
    fn default() -> Self {
        Self {
            sign_in: true,
            from: "passgate <passgate@localhost>".into(),
            transport: "outbox".into(),
            outbox_dir: "./outbox".into(),
            smtp_url: String::new(),
            smtp_url_file: String::new(),
            token_ttl: "15m".into(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct RawSignup {
    pub mode: String,
    pub allowed_domains: Vec<String>,
    pub admins: Vec<String>,
}

impl Default for RawSignup {
    fn default() -> Self {
        Self {
            mode: "invite".into(),
            allowed_domains: Vec::new(),
            admins: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct RawBranding {
    pub name: String,
    pub logo_url: String,
    pub accent_color: String,
    pub language: String,
}

impl Default for RawBranding {
    fn default() -> Self {
        Self {
            name: "passgate".into(),
            logo_url: String::new(),
            accent_color: "#2f6feb".into(),
            language: "en".into(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct RawIdentity {
    pub headers: String,
    pub assertion_header: String,
    pub assertion_ttl: String,
}

impl Default for RawIdentity {
    fn default() -> Self {
        Self {
            headers: "remote".into(),
            assertion_header: "X-Passgate-Assertion".into(),
            assertion_ttl: "5m".into(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct RawAudit {
    pub retention: String,
}

impl Default for RawAudit {
    fn default() -> Self {
        Self {
            retention: "90d".into(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct RawLog {
    pub level: String,
    pub format: String,
}

impl Default for RawLog {
    fn default() -> Self {
        Self {
            level: "info".into(),
            format: "text".into(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct RawRoute {
    pub host: String,
    pub path: String,
    pub upstream: String,
    pub policy: String,
    pub groups: Vec<String>,
    pub emails: Vec<String>,
    pub upgrades: Vec<String>,
    pub methods: Vec<String>,
    pub networks: Vec<String>,
    #[serde(deserialize_with = "lenient_bool")]
    pub tokens: bool,
    /// A duration ("15m"), or empty for none.
    pub max_age: String,
    pub require: Vec<String>,
}

impl Default for RawRoute {
    fn default() -> Self {
        Self {
            host: String::new(),
            path: "/".into(),
            upstream: String::new(),
            policy: "authenticated".into(),
            groups: Vec::new(),
            emails: Vec::new(),
            upgrades: vec!["websocket".into()],
            methods: Vec::new(),
            networks: Vec::new(),
            tokens: false,
            max_age: String::new(),
            require: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct RawAdmin {
    pub max_age: String,
    pub require: Vec<String>,
}

impl Default for RawAdmin {
    fn default() -> Self {
        Self {
            max_age: "15m".into(),
            require: vec!["passkey".into()],
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct RawOidc {
    pub access_token_ttl: String,
    pub id_token_ttl: String,
    pub client: Vec<RawOidcClient>,
}

impl Default for RawOidc {
    fn default() -> Self {
        Self {
            access_token_ttl: "5m".into(),
            id_token_ttl: "5m".into(),
            client: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct RawOidcClient {
    pub id: String,
    pub name: String,
    pub secret_file: String,
    #[serde(deserialize_with = "lenient_bool")]
    pub public: bool,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    pub groups: Vec<String>,
    pub scopes: Vec<String>,
    pub id_token_alg: String,
    pub require: Vec<String>,
    /// A duration ("15m"), or empty for none.
    pub max_age: String,
}

impl Default for RawOidcClient {
    fn default() -> Self {
        Self {
            id: String::new(),
            name: String::new(),
            secret_file: String::new(),
            public: false,
            redirect_uris: Vec::new(),
            post_logout_redirect_uris: Vec::new(),
            groups: Vec::new(),
            scopes: ["openid", "profile", "email", "groups", "offline_access"]
                .map(String::from)
                .to_vec(),
            id_token_alg: "RS256".into(),
            require: Vec::new(),
            max_age: String::new(),
        }
    }
}

/// Booleans may come from environment variables as strings.
fn lenient_bool<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum B {
        Bool(bool),
        Str(String),
    }
    match B::deserialize(d)? {
        B::Bool(b) => Ok(b),
        B::Str(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" => Ok(true),
            "false" | "0" | "no" | "off" => Ok(false),
            other => Err(serde::de::Error::custom(format!(
                "expected true or false, found {other:?}"
            ))),
        },
    }
}

/// A count that may be written as a number or as a string ("auto", or a
/// number from an environment variable).
fn lenient_count<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum C {
        Int(i64),
        Str(String),
    }
    Ok(match C::deserialize(d)? {
        C::Int(n) => n.to_string(),
        C::Str(s) => s,
    })
}

/// Sections that may be set with `PASSGATE_<SECTION>_<KEY>`.
pub const SECTIONS: &[&str] = &[
    "server", "storage", "session", "webauthn", "email", "signup", "branding", "identity", "audit",
    "log", "oidc", "admin",
];
