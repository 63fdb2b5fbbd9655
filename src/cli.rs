//! The `passgate` command line: parse arguments, load the config, run one
//! command, turn its outcome into an exit code and one clear message.
//!
//! Exit codes: 0 success, 1 a runtime failure (database unreachable, …),
//! 2 a configuration or usage error.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub mod admin;
pub mod oidc;
pub mod tokens;

use crate::config::Config;

#[derive(Parser, Debug)]
#[command(
    name = "passgate",
    version,
    about = "Passkey-first authentication gateway: reverse proxy and forward auth"
)]
pub struct Cli {
    /// Configuration file.
    #[arg(
        long,
        short,
        global = true,
        env = "PASSGATE_CONFIG",
        default_value = "gateway.toml"
    )]
    pub config: PathBuf,
    /// Print JSON instead of a table (admin commands).
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the gateway.
    Serve,
    /// Check the configuration and report every problem at once.
    CheckConfig {
        /// Show which rule matches this URL and what it would decide.
        #[arg(long, value_name = "URL")]
        explain: Vec<String>,
        /// With --explain: the request's method.
        #[arg(long, value_name = "METHOD", default_value = "GET")]
        method: String,
        /// With --explain: the client's address (rules with `networks`
        /// match only a known client).
        #[arg(long, value_name = "IP")]
        from: Option<std::net::IpAddr>,
        /// With --explain: the request presents a service token.
        #[arg(long)]
        token: bool,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Try passgate on this machine: the gateway on http://localhost:8080 in
    /// front of a demo app that shows what it receives, with an embedded
    /// SQLite database, open sign-up, and email links printed here.
    Demo {
        /// Where the gateway listens (the portal is http://localhost:PORT).
        #[arg(long, default_value_t = 8080)]
        port: u16,
        /// The demo's database file.
        #[arg(long, default_value = "passgate-demo.db")]
        database: String,
    },
    /// Manage users.
    #[command(subcommand)]
    User(admin::UserCmd),
    /// Manage groups and their members.
    #[command(subcommand)]
    Group(admin::GroupCmd),
    /// Invite someone: prints the link and emails it.
    Invite {
        email: String,
        /// Group the new user joins (repeat for several).
        #[arg(long = "group", value_name = "GROUP")]
        groups: Vec<String>,
        /// How long the invitation works.
        #[arg(long, default_value = "7d", value_parser = admin::duration)]
        expires: std::time::Duration,
    },
    /// List or end sessions.
    #[command(subcommand)]
    Session(admin::SessionCmd),
    /// Signing keys (identity assertions, OpenID Connect tokens).
    #[command(subcommand)]
    Keys(admin::KeysCmd),
    /// Service accounts and their tokens (CI jobs, scripts).
    #[command(subcommand)]
    Token(tokens::TokenCmd),
    /// OpenID Connect clients and their use.
    #[command(subcommand)]
    Oidc(oidc::OidcCmd),
    /// Show the audit log, newest first.
    Audit {
        #[arg(long, value_name = "EMAIL")]
        user: Option<String>,
        /// A duration ago ("24h") or a date ("2026-11-01").
        #[arg(long)]
        since: Option<String>,
        /// Only events whose kind starts with this ("signin", "admin.").
        #[arg(long)]
        kind: Option<String>,
        #[arg(long, default_value_t = 100)]
        limit: i64,
    },
}

/// A failure to report: message and exit code.
#[derive(Debug)]
pub struct Failure {
    pub message: String,
    pub code: u8,
}

impl Failure {
    pub fn runtime(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            code: 1,
        }
    }

    pub fn usage(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            code: 2,
        }
    }
}

impl From<crate::config::ConfigError> for Failure {
    fn from(e: crate::config::ConfigError) -> Self {
        Failure::usage(e.to_string().trim_end().to_string())
    }
}

/// A store error in a command. Every command is one transaction, so a
/// store that could not be reached changed nothing — and an operator
/// wondering whether to run it again is told so.
impl From<crate::store::StoreError> for Failure {
    fn from(e: crate::store::StoreError) -> Self {
        if e.is_unavailable() {
            Failure::runtime(format!("{e}. Nothing was changed."))
        } else {
            Failure::runtime(e.to_string())
        }
    }
}

/// Entry point used by `main.rs`.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let _ = rustls::crypto::ring::default_provider().install_default();
    // Single-threaded: `serve` adds a thread with a runtime of its own per
    // further worker (`server.workers`, see `server.rs`).
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("passgate: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match rt.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            eprintln!("passgate: {}", f.message);
            ExitCode::from(f.code)
        }
    }
}

/// Run one parsed command.
pub async fn run(cli: Cli) -> Result<(), Failure> {
    match cli.command {
        Command::CheckConfig {
            explain,
            method,
            from,
            token,
        } => {
            // As given: methods are case-sensitive, and `get` is not GET.
            let method = http::Method::from_bytes(method.trim().as_bytes())
                .map_err(|_| Failure::usage(format!("--method {method:?}: not an HTTP method")))?;
            check_config(&cli.config, &explain, &method, from, token)
        }
        Command::Migrate => {
            let cfg = Config::load(&cli.config)?;
            init_logging(&cfg);
            let store = crate::store::open(&cfg.storage.database_url).await?;
            println!(
                "migrations applied ({} database is up to date)",
                store.backend()
            );
            Ok(())
        }
        Command::Demo { port, database } => demo(port, &database).await,
        Command::User(cmd) => admin(&cli.config, cli.json).await?.user_cmd(cmd).await,
        Command::Group(cmd) => admin(&cli.config, cli.json).await?.group_cmd(cmd).await,
        Command::Invite {
            email,
            groups,
            expires,
        } => {
            admin(&cli.config, cli.json)
                .await?
                .invite(&email, groups, expires)
                .await
        }
        Command::Session(cmd) => admin(&cli.config, cli.json).await?.session_cmd(cmd).await,
        Command::Keys(cmd) => admin(&cli.config, cli.json).await?.keys_cmd(cmd).await,
        Command::Token(cmd) => admin(&cli.config, cli.json).await?.token_cmd(cmd).await,
        Command::Oidc(cmd) => admin(&cli.config, cli.json).await?.oidc_cmd(cmd).await,
        Command::Audit {
            user,
            since,
            kind,
            limit,
        } => {
            admin(&cli.config, cli.json)
                .await?
                .audit_cmd(user, since, kind, limit)
                .await
        }
        Command::Serve => {
            let cfg = Config::load(&cli.config)?;
            init_logging(&cfg);
            match start_server(cfg, cli.config.clone()).await? {
                Some(app) => crate::server::serve(app).await.map_err(Failure::runtime),
                None => Ok(()),
            }
        }
    }
}

/// Open the server's stores. A PostgreSQL server that cannot be reached
/// (starting alongside passgate, or in an outage) is waited for up to
/// `storage.startup_wait`: tried every 2 s, with nothing listening
/// meanwhile, so that clients and load balancers find a replica that is not
/// there rather than one that cannot check anybody; then the error ends it,
/// as a wrong address must. SIGTERM or SIGINT during the wait ends it
/// (`None`). Any other failure (SQLite, wrong credentials, a failed
/// migration) ends it at once. Redis down is no reason to wait (see
/// `App::start`).
async fn start_server(
    cfg: Config,
    path: PathBuf,
) -> Result<Option<std::sync::Arc<crate::app::App>>, Failure> {
    use tokio::signal::unix::{SignalKind, signal};
    const RETRY_EVERY: std::time::Duration = std::time::Duration::from_secs(2);
    const REMIND_EVERY: std::time::Duration = std::time::Duration::from_secs(30);
    let postgres = !cfg.storage.database_url.expose().starts_with("sqlite:");
    let patience = cfg.storage.startup_wait;
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        return Err(Failure::runtime("cannot install signal handlers"));
    };
    let mut waiting: Option<(std::time::Instant, std::time::Instant)> = None;
    loop {
        let attempt =
            crate::app::App::start(cfg.clone(), Some(path.clone()), crate::clock::system());
        let outcome = tokio::select! {
            r = attempt => r,
            _ = term.recv() => return Ok(None),
            _ = int.recv() => return Ok(None),
        };
        let e = match outcome {
            Ok(app) => {
                if waiting.is_some() {
                    tracing::info!("database reached: starting");
                }
                return Ok(Some(app));
            }
            Err(e) if postgres && e.is_unavailable() => e,
            Err(e) => return Err(Failure::runtime(e.to_string())),
        };
        let now = std::time::Instant::now();
        let waited = waiting.map_or(std::time::Duration::ZERO, |(since, _)| now - since);
        if waited >= patience {
            return Err(Failure::runtime(if patience.is_zero() {
                e.to_string()
            } else {
                format!("{e} (waited {} s: storage.startup_wait)", waited.as_secs())
            }));
        }
        match &mut waiting {
            None => {
                tracing::error!(error = %e, "database unavailable at start: retrying every 2 s for up to {}, listening on nothing until it answers", humantime::format_duration(patience));
                waiting = Some((now, now));
            }
            Some((since, reminded)) if now.duration_since(*reminded) >= REMIND_EVERY => {
                tracing::error!(error = %e, waited_s = now.duration_since(*since).as_secs(), "still waiting for the database");
                *reminded = now;
            }
            Some(_) => tracing::debug!(error = %e, "database still unavailable"),
        }
        tokio::select! {
            _ = tokio::time::sleep(RETRY_EVERY.min(patience - waited)) => {}
            _ = term.recv() => return Ok(None),
            _ = int.recv() => return Ok(None),
        }
    }
}

fn check_config(
    path: &std::path::Path,
    explain: &[String],
    method: &http::Method,
    from: Option<std::net::IpAddr>,
    token: bool,
) -> Result<(), Failure> {
    let cfg = Config::load(path)?;
    println!(
        "{}: OK ({} route{}, database {}, ephemeral store {})",
        cfg.source,
        cfg.routes.routes.len(),
        if cfg.routes.routes.len() == 1 {
            ""
        } else {
            "s"
        },
        if cfg.storage.database_url.expose().starts_with("sqlite:") {
            "sqlite"
        } else {
            "postgres"
        },
        if cfg.storage.redis_url.is_some() {
            "redis"
        } else {
            "in-process"
        },
    );
    for w in &cfg.warnings {
        println!("warning: {w}");
    }
    for url in explain {
        let asker = crate::authz::Asker {
            method,
            client: from,
        };
        println!(
            "{}",
            explain_url(&cfg, url, &asker, token).map_err(Failure::usage)?
        );
    }
    Ok(())
}

/// Describe how `url` would be handled (`token`: for a request that
/// presents a service token).
pub fn explain_url(
    cfg: &Config,
    url: &str,
    asker: &crate::authz::Asker,
    token: bool,
) -> Result<String, String> {
    use crate::authz::{Policy, path};
    let u = url::Url::parse(url).map_err(|e| format!("--explain {url:?}: not a URL ({e})"))?;
    if !matches!(u.scheme(), "http" | "https") {
        return Err(format!(
            "--explain {url:?}: only http and https URLs can be explained"
        ));
    }
    // As the server reads a Host: lower case, without a trailing dot.
    let host = u
        .host_str()
        .unwrap_or_default()
        .trim_end_matches('.')
        .to_ascii_lowercase();
    let port = u.port_or_known_default().unwrap_or(80);
    let raw_path = u.path();
    let mut out = format!(
        "{} {url}{}{}\n",
        asker.method,
        asker
            .client
            .map(|c| format!(" from {c}"))
            .unwrap_or_default(),
        if token { " with a service token" } else { "" }
    );
    if token
        && cfg.routes.has_tokens()
        && (crate::token::in_url(u.query().unwrap_or("")) || crate::token::in_url(u.path()))
    {
        out.push_str("  refused with 400 (token_in_url): a token in the URL is never accepted\n");
        return Ok(out);
    }
    let portal = &cfg.server.portal;
    if host == portal.host
        && port == portal.port
        && path::under_prefix(raw_path, &cfg.server.prefix) == Ok(true)
    {
        out.push_str(&format!(
            "  passgate's own page ({}): always public\n",
            cfg.server.prefix
        ));
        return Ok(out);
    }
    match path::canonical(raw_path) {
        Ok(c) if c != raw_path => out.push_str(&format!("  normalised path: {c}\n")),
        Ok(_) => {}
        Err(e) => {
            out.push_str(&format!("  refused with 400: {e}\n"));
            return Ok(out);
        }
    }
    let found = cfg.routes.lookup(&host, port, raw_path, asker);
    if let Ok(found) = &found {
        let canonical = path::canonical(raw_path).unwrap_or_else(|_| raw_path.to_string());
        for (r, why) in cfg.routes.passed_over(&host, port, &canonical, asker) {
            if found.is_some_and(|f| f.index < r.index) {
                break;
            }
            out.push_str(&format!("  passed over {}: {why}\n", r.name()));
        }
    }
    match found {
        Err(e) => out.push_str(&format!("  refused with 400: {e}\n")),
        Ok(None) => out.push_str("  no rule matches: denied (403) for everyone\n"),
        Ok(Some(r)) => {
            let line = r.line.map(|l| format!(" (line {l})")).unwrap_or_default();
            out.push_str(&format!("  matches {}{line}\n", r.name()));
            if !r.methods.is_empty() {
                let m: Vec<&str> = r.methods.iter().map(|m| m.as_str()).collect();
                out.push_str(&format!("  methods: {}\n", m.join(", ")));
            }
            if !r.networks.is_empty() {
                let n: Vec<String> = r.networks.iter().map(|n| n.to_string()).collect();
                out.push_str(&format!("  networks: {}\n", n.join(", ")));
            }
            out.push_str(&format!("  policy: {}\n", r.policy.as_str()));
            if let Some(max) = r.max_age {
                out.push_str(&format!(
                    "  max_age: {} (an older sign-in confirms again: step-up)\n",
                    humantime::format_duration(std::time::Duration::from_secs(max as u64))
                ));
            }
            if r.require_passkey {
                out.push_str(
                    "  require: passkey (an email sign-in confirms with a passkey: step-up)\n",
                );
            }
            out.push_str(&format!(
                "  service tokens: {}\n",
                if r.tokens {
                    "accepted (tokens = true)"
                } else {
                    "refused (403 token_not_accepted)"
                }
            ));
            match &r.upstream {
                Some(u) => out.push_str(&format!("  upstream: {}\n", u.url)),
                None => out.push_str("  upstream: none (forward auth only)\n"),
            }
            match r.policy {
                Policy::Deny => out.push_str("  decision: denied (403) for everyone\n"),
                _ if token && !r.tokens => out.push_str(
                    "  decision: refused (403 token_not_accepted): this rule does not take service tokens\n",
                ),
                Policy::Public if token => out.push_str(
                    "  decision: allowed; a valid token's service account is sent as the identity, an invalid one gets 401\n",
                ),
                Policy::Authenticated if token => {
                    let groups = if r.groups.is_empty() && r.emails.is_empty() {
                        "any service account".to_string()
                    } else if r.groups.is_empty() {
                        "no service account (the rule lists only email addresses, and services have none)".to_string()
                    } else {
                        format!("service accounts in {}", r.groups.join(", "))
                    };
                    out.push_str(&format!(
                        "  decision: allowed for a valid token of {groups}; other valid tokens get 403; an invalid token gets 401\n"
                    ));
                }
                Policy::Public => out.push_str(
                    "  decision: allowed for everyone; identity headers are set when signed in\n",
                ),
                Policy::Authenticated => {
                    let mut who = Vec::new();
                    if !r.groups.is_empty() {
                        who.push(format!("members of {}", r.groups.join(", ")));
                    }
                    for e in &r.emails {
                        who.push(match e {
                            crate::authz::EmailPattern::Exact(a) => a.clone(),
                            crate::authz::EmailPattern::Domain(d) => format!("anyone @{d}"),
                        });
                    }
                    if who.is_empty() {
                        out.push_str("  decision: any signed-in user is allowed; others are sent to sign in\n");
                    } else {
                        out.push_str(&format!(
                            "  decision: allowed for {}; other signed-in users get 403; signed-out users are sent to sign in\n",
                            who.join(" or ")
                        ));
                    }
                }
            }
        }
    }
    Ok(out)
}

/// Set up `tracing` from the config's `[log]` section; `RUST_LOG` overrides
/// the level.
pub fn init_logging(cfg: &Config) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(&cfg.log.level))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_writer(std::io::stderr);
    let _ = match cfg.log.format {
        crate::config::LogFormat::Json => builder.json().flatten_event(true).try_init(),
        crate::config::LogFormat::Text => builder.try_init(),
    };
}

/// `passgate demo`: the gateway and the demo app, all in this process.
async fn demo(port: u16, database: &str) -> Result<(), Failure> {
    let echo_listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| Failure::runtime(format!("cannot start the demo app: {e}")))?;
    let echo_addr = echo_listener
        .local_addr()
        .map_err(|e| Failure::runtime(e.to_string()))?;
    let text = format!(
        r#"[server]
listen = "127.0.0.1:{port}"
public_url = "http://localhost:{port}"

[storage]
database_url = "sqlite://{database}"

[email]
transport = "outbox"
outbox_dir = "./outbox"

[signup]
mode = "open"

[branding]
name = "passgate demo"

[[route]]
host = "localhost"
path = "/public"
upstream = "http://{echo_addr}"
policy = "public"

[[route]]
host = "localhost"
path = "/"
upstream = "http://{echo_addr}"
policy = "authenticated"
"#
    );
    let cfg = Config::from_toml(
        &text,
        "demo settings",
        std::env::vars(),
        std::path::Path::new("."),
    )?;
    init_logging(&cfg);
    let echo = crate::demo::Echo::new(
        Some(format!(
            "http://127.0.0.1:{port}{}/jwks.json",
            cfg.server.prefix
        )),
        cfg.identity.assertion_header.as_str(),
    );
    let app = crate::app::App::start(cfg, None, crate::clock::system())
        .await
        .map_err(|e| Failure::runtime(e.to_string()))?;
    tokio::spawn(crate::demo::serve(
        echo_listener,
        echo,
        app.shutdown.clone(),
    ));
    println!();
    println!("  passgate demo");
    println!("  -------------");
    println!("  Open http://localhost:{port}/ and sign up with any email address.");
    println!("  Sign-in links and codes are printed below (nothing is really emailed).");
    println!("  After signing up, create a passkey; sign out and back in with it.");
    println!("  The demo app behind the gateway shows the identity it receives.");
    println!("  Data: {database} (delete it to start over). Stop with Ctrl-C.");
    println!();
    crate::server::serve(app).await.map_err(Failure::runtime)
}

/// Load the config and open the stores for an admin command (quiet logs).
async fn admin(path: &std::path::Path, json: bool) -> Result<admin::Admin, Failure> {
    let mut cfg = Config::load(path)?;
    cfg.log.level = "warn".into();
    init_logging(&cfg);
    admin::Admin::open(cfg, json).await
}
