//! Run the real `passgate` binary for a test, with a config written to a
//! temporary folder, a free port, and SQLite or PostgreSQL behind it.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use passgate::session::SessionManager;
use passgate::store::{NewUser, SharedStore};

use super::PgDatabase;

/// What a config template may refer to.
pub struct Setup {
    pub port: u16,
    pub dir: PathBuf,
    pub database_url: String,
    pub redis_url: String,
}

impl Setup {
    /// The sections every test config starts with; `server_extra` goes into
    /// `[server]`, `rest` after (more sections, routes).
    pub fn config(&self, server_extra: &str, rest: &str) -> String {
        format!(
            r#"[server]
listen = "127.0.0.1:{port}"
public_url = "http://localhost:{port}"
upstream_connect_timeout = "2s"
upstream_timeout = "3s"
shutdown_timeout = "10s"
{server_extra}

[storage]
database_url = "{db}"

[email]
outbox_dir = "{dir}/outbox"

[log]
level = "passgate=debug,info"

{rest}
"#,
            port = self.port,
            db = self.database_url,
            dir = self.dir.display(),
        )
    }
}

pub enum Db {
    Sqlite,
    /// A database of its own on the shared server, dropped afterwards.
    Postgres,
    /// A server the test runs itself (`private_pg`), at this URL.
    PostgresAt(String),
    /// A SQLite file at this path (on a file system the test made).
    SqliteAt(PathBuf),
}

/// A running gateway process.
pub struct Gateway {
    child: Option<Child>,
    pub port: u16,
    pub dir: tempfile::TempDir,
    pub config_path: PathBuf,
    pub database_url: String,
    pub redis_url: Option<String>,
    pub redis_prefix: String,
    log_path: PathBuf,
    _pg: Option<PgDatabase>,
    _redis_ns: Option<super::RedisNamespace>,
}

/// A port nothing listens on, for a server a test starts. Taken below the
/// kernel's ephemeral range, so the outgoing connections of tests running
/// alongside (the differential test alone makes 100,000) cannot occupy it
/// before the server binds it, and never handed out twice in one run.
pub fn free_port() -> u16 {
    use std::sync::Mutex;
    static GIVEN: Mutex<Vec<u16>> = Mutex::new(Vec::new());
    let ephemeral_low: u16 = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|t| t.split_whitespace().next().and_then(|p| p.parse().ok()))
        .unwrap_or(32768);
    let (lo, hi) = (10_000u16, ephemeral_low.max(10_001));
    let mut given = GIVEN.lock().unwrap_or_else(|p| p.into_inner());
    for _ in 0..10_000 {
        let port = lo + (rand::random::<u16>() % (hi - lo));
        if !given.contains(&port) && std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            given.push(port);
            return port;
        }
    }
    panic!("no free port between {lo} and {hi}");
}

impl Gateway {
    pub async fn start(template: impl Fn(&Setup) -> String) -> Gateway {
        Self::start_with(Db::Sqlite, None, template).await
    }

    pub async fn start_with(
        db: Db,
        redis: Option<String>,
        template: impl Fn(&Setup) -> String,
    ) -> Gateway {
        let mut gw = Self::launch_with(db, redis, template).await;
        gw.wait_ready().await;
        gw
    }

    /// [`Gateway::start_with`] without waiting for it to listen (for a
    /// gateway that waits for its database).
    pub async fn launch_with(
        db: Db,
        redis: Option<String>,
        template: impl Fn(&Setup) -> String,
    ) -> Gateway {
        let dir = tempfile::tempdir().expect("tempdir");
        let (database_url, pg) = match db {
            Db::Sqlite => (
                format!("sqlite://{}", dir.path().join("passgate.db").display()),
                None,
            ),
            Db::Postgres => {
                let pg = PgDatabase::create().await;
                (pg.url.clone(), Some(pg))
            }
            Db::PostgresAt(url) => (url, None),
            Db::SqliteAt(path) => (format!("sqlite://{}", path.display()), None),
        };
        let port = free_port();
        let setup = Setup {
            port,
            dir: dir.path().to_path_buf(),
            database_url: database_url.clone(),
            redis_url: redis.clone().unwrap_or_default(),
        };
        let mut text = template(&setup);
        let redis_prefix = super::random_name("passgate_test");
        if let Some(r) = &redis {
            text = text.replacen(
                "[storage]\n",
                &format!("[storage]\nredis_url = \"{r}\"\nredis_prefix = \"{redis_prefix}\"\n"),
                1,
            );
        }
        let _redis_ns = redis.as_ref().map(|_| super::RedisNamespace {
            name: redis_prefix.clone(),
        });
        let config_path = dir.path().join("gateway.toml");
        std::fs::write(&config_path, text).expect("write config");
        let log_path = dir.path().join("gateway.log");
        let mut gw = Gateway {
            child: None,
            port,
            dir,
            config_path,
            database_url,
            redis_url: redis,
            redis_prefix,
            log_path,
            _pg: pg,
            _redis_ns,
        };
        gw.launch();
        gw
    }

    /// A second replica: another process on this gateway's config (same
    /// database and Redis), listening on a port of its own.
    pub async fn replica(&self) -> Replica {
        let text = std::fs::read_to_string(&self.config_path).expect("config");
        let port = free_port();
        let dir = tempfile::tempdir().expect("tempdir");
        let config = dir.path().join("gateway.toml");
        std::fs::write(
            &config,
            text.replace(
                &format!("127.0.0.1:{}", self.port),
                &format!("127.0.0.1:{port}"),
            ),
        )
        .expect("write config");
        let child = Command::new(env!("CARGO_BIN_EXE_passgate"))
            .args(["serve", "--config"])
            .arg(&config)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn passgate");
        for _ in 0..400 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        Replica {
            child,
            port,
            _dir: dir,
        }
    }

    /// (Re)start the process on the same port and config.
    pub async fn spawn(&mut self) {
        self.launch();
        self.wait_ready().await;
    }

    /// Start the process without waiting for it to listen.
    pub fn launch(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log_path)
            .expect("log");
        let child = Command::new(env!("CARGO_BIN_EXE_passgate"))
            .args(["serve", "--config"])
            .arg(&self.config_path)
            .current_dir(self.dir.path())
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .env_remove("RUST_LOG")
            .spawn()
            .expect("spawn passgate");
        self.child = Some(child);
    }

    /// Wait until it listens (it fails the test if it exits first).
    pub async fn wait_ready(&mut self) {
        for _ in 0..400 {
            if let Some(child) = self.child.as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                panic!(
                    "passgate exited with {status} before it was ready:\n{}",
                    self.log()
                );
            }
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!(
            "passgate did not start listening within 10 s:\n{}",
            self.log()
        );
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().map(|c| c.id()).expect("running")
    }

    pub fn origin(&self) -> String {
        format!("http://localhost:{}", self.port)
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://localhost:{}{}", self.port, path)
    }

    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log_path).unwrap_or_default()
    }

    pub fn signal(&self, sig: &str) {
        let ok = Command::new("kill")
            .arg(format!("-{sig}"))
            .arg(self.pid().to_string())
            .status()
            .expect("kill");
        assert!(ok.success());
    }

    /// Wait for the process to exit; returns its exit code.
    pub async fn wait_exit(&mut self, within: Duration) -> Option<i32> {
        let deadline = std::time::Instant::now() + within;
        while std::time::Instant::now() < deadline {
            if let Some(child) = self.child.as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                self.child = None;
                return Some(status.code().unwrap_or(-1));
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        None
    }

    /// Resident memory of the process in KiB.
    pub fn rss_kib(&self) -> u64 {
        let status =
            std::fs::read_to_string(format!("/proc/{}/status", self.pid())).unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    }

    /// Run the admin CLI with the gateway's config; returns (exit code,
    /// stdout, stderr).
    pub fn cli(&self, args: &[&str]) -> (i32, String, String) {
        let out = Command::new(env!("CARGO_BIN_EXE_passgate"))
            .arg("--config")
            .arg(&self.config_path)
            .args(args)
            .current_dir(self.dir.path())
            .env_remove("RUST_LOG")
            .output()
            .expect("run passgate");
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).to_string(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    }

    /// [`Gateway::cli`] with `--json`, which must succeed.
    pub fn cli_json(&self, args: &[&str]) -> serde_json::Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let (code, out, err) = self.cli(&all);
        assert_eq!(code, 0, "passgate {args:?} failed: {err}");
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("passgate {args:?}: {e}: {out}"))
    }

    /// The same durable store the gateway uses.
    pub async fn store(&self) -> SharedStore {
        passgate::store::open(&passgate::secret::Secret::new(self.database_url.as_str()))
            .await
            .expect("open store")
    }

    /// Create (or reuse) a user with `groups` and start a session for them,
    /// as a sign-in would; returns the cookie token.
    pub async fn session_for(&self, email: &str, groups: &[&str]) -> String {
        self.session_idle(email, groups, Duration::from_secs(3600))
            .await
    }

    /// [`Gateway::session_for`] signed in by email (`amr` `email`) rather
    /// than with a passkey.
    pub async fn email_session_for(&self, email: &str, groups: &[&str]) -> String {
        self.session_with(email, groups, Duration::from_secs(3600), "email")
            .await
    }

    /// [`Gateway::session_for`] with a session that ends after `idle`
    /// unused.
    pub async fn session_idle(&self, email: &str, groups: &[&str], idle: Duration) -> String {
        self.session_with(email, groups, idle, "webauthn").await
    }

    async fn session_with(
        &self,
        email: &str,
        groups: &[&str],
        idle: Duration,
        method: &str,
    ) -> String {
        let store = self.store().await;
        let user = match store.find_user_by_email(email).await.expect("find") {
            Some(u) => u,
            None => store
                .create_user(
                    &NewUser {
                        email: email.into(),
                        display_name: format!("Test {}", email.split('@').next().unwrap_or("")),
                        groups: groups.iter().map(|g| g.to_string()).collect(),
                        ..Default::default()
                    },
                    passgate::clock::Clock::now(&passgate::clock::SystemClock),
                )
                .await
                .expect("create user"),
        };
        let clock = passgate::clock::system();
        let m = SessionManager::new(
            store,
            passgate::store::ephemeral::MemoryEphemeral::new(clock.clone()),
            clock,
            passgate::session::SessionSettings {
                idle_timeout: idle,
                absolute_timeout: Duration::from_secs(86400),
                cache_ttl: Duration::from_secs(60),
            },
        );
        m.create(&user, method, "test", "127.0.0.1")
            .await
            .expect("session")
            .0
    }

    /// A session manager on the gateway's stores (for revocations).
    pub async fn sessions(&self) -> Arc<SessionManager> {
        let clock = passgate::clock::system();
        let eph: passgate::store::ephemeral::SharedEphemeral = match &self.redis_url {
            Some(r) => passgate::store::ephemeral::RedisEphemeral::connect(
                r,
                &self.redis_prefix,
                clock.clone(),
            )
            .await
            .expect("redis"),
            None => passgate::store::ephemeral::MemoryEphemeral::new(clock.clone()),
        };
        SessionManager::new(
            self.store().await,
            eph,
            clock,
            passgate::session::SessionSettings {
                idle_timeout: Duration::from_secs(3600),
                absolute_timeout: Duration::from_secs(86400),
                cache_ttl: Duration::from_secs(60),
            },
        )
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
        if std::thread::panicking() {
            eprintln!("--- passgate log ---\n{}", self.log());
        }
    }
}

/// The demo echo app as an upstream, in this test process.
pub struct Upstream {
    pub addr: SocketAddr,
    pub echo: std::sync::Arc<passgate::demo::Echo>,
    stop: tokio_util::sync::CancellationToken,
}

impl Upstream {
    pub async fn start() -> Upstream {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        Self::serve(listener)
    }

    /// The demo echo app on `listener`.
    pub fn serve(listener: tokio::net::TcpListener) -> Upstream {
        let addr = listener.local_addr().expect("addr");
        let stop = tokio_util::sync::CancellationToken::new();
        let echo = passgate::demo::Echo::new(None, "x-passgate-assertion");
        tokio::spawn(passgate::demo::serve(listener, echo.clone(), stop.clone()));
        Upstream { addr, echo, stop }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn echo_url(&self) -> String {
        self.url()
    }
}

impl Drop for Upstream {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

/// An HTTP client that does not follow redirects or keep cookies.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client")
}

/// Send raw bytes (for requests a client library would normalise) and read
/// the whole answer. Returns the status code and the text.
pub async fn raw(addr: SocketAddr, request: &[u8]) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(addr).await.expect("connect");
    s.write_all(request).await.expect("write");
    let mut buf = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(15), s.read_to_end(&mut buf)).await;
    let text = String::from_utf8_lossy(&buf).to_string();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, text)
}

/// A raw GET with extra header lines (each ending in \r\n).
pub async fn raw_get(addr: SocketAddr, host: &str, target: &str, extra: &str) -> (u16, String) {
    raw(
        addr,
        format!("GET {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n{extra}\r\n")
            .as_bytes(),
    )
    .await
}

/// A second replica of a [`Gateway`] (see [`Gateway::replica`]), stopped
/// when dropped.
pub struct Replica {
    child: Child,
    pub port: u16,
    _dir: tempfile::TempDir,
}

impl Replica {
    pub fn url(&self, path: &str) -> String {
        format!("http://localhost:{}{}", self.port, path)
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
