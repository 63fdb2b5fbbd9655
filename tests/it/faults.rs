//! Faults of what passgate depends on, with servers the tests run
//! themselves (never the machine's shared PostgreSQL or Redis): each check
//! asserts status codes, that nothing hangs, and what the log and metrics
//! say.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::common::browser::Browser;
use crate::common::gateway::{Db, Gateway, Setup, client, free_port};
use crate::common::private_pg::PrivatePostgres;
use crate::common::private_redis::PrivateRedis;

mod disk;
mod load;
mod replicas;
mod revoke;
mod start;
mod transports;

fn cfg(s: &Setup, mport: u16) -> String {
    s.config(
        &format!("metrics_listen = \"127.0.0.1:{mport}\""),
        "[session]\ncache_ttl = \"1s\"\n\n[signup]\nmode = \"invite\"\n\n[[route]]\nhost = \"localhost\"\nupstream = \"http://127.0.0.1:9\"\n",
    )
}

/// `GET P/whoami` with a session cookie: (status, how long it took).
async fn whoami(gw: &Gateway, token: &str) -> (u16, Duration) {
    let started = Instant::now();
    let status = client()
        .get(gw.url("/.passgate/whoami"))
        .header("cookie", format!("passgate_session={token}"))
        .timeout(Duration::from_secs(30))
        .send()
        .await
        .map(|r| r.status().as_u16())
        .unwrap_or(0);
    (status, started.elapsed())
}

/// Issue 13, finding 1: with the database down, every signed-in request
/// waited for the pool's 5 s timeout and logged a warning. Now the outage
/// is noticed once, cached sessions are served at once, a session the
/// replica has not seen gets its 503 at once, and the first request after
/// the database is back goes to it again.
#[tokio::test]
async fn a_database_outage_is_noticed_once_and_then_answered_at_once() {
    database_outage(PrivatePostgres::down, PrivatePostgres::up).await;
}

/// A frozen database (SIGSTOP: connections stay open, nothing answers) is
/// noticed once like a stopped one: the pool's check of a connection
/// before handing it out is bounded by its acquire timeout, and every
/// store call by 5 s besides (a query on a connection already handed out
/// has no timeout of its own).
#[tokio::test]
async fn a_frozen_database_is_noticed_once_and_then_answered_at_once() {
    database_outage(PrivatePostgres::freeze, PrivatePostgres::thaw).await;
}

async fn database_outage(stop: fn(&PrivatePostgres), start: fn(&PrivatePostgres)) {
    let pg = PrivatePostgres::start();
    let mport = free_port();
    let gw = Gateway::start_with(Db::PostgresAt(pg.url()), None, |s| cfg(s, mport)).await;
    let token = gw.session_for("outage@example.com", &[]).await;
    let (unseen, _) = passgate::session::new_token();
    assert_eq!(whoami(&gw, &token).await.0, 200);
    assert!(gauge(mport, "database").await.ends_with(" 0"));

    stop(&pg);
    // Past the cache's freshness: the next request asks the database.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    // The first finds it down (after the pool's own timeout at most) and
    // serves the cached session.
    let (s, first) = whoami(&gw, &token).await;
    assert_eq!(
        s, 200,
        "a cached session is served while the database is down"
    );
    assert!(
        first < Duration::from_secs(12),
        "the first request waited {first:?}"
    );
    // From then on, no request waits for the database.
    let started = Instant::now();
    for i in 0..20 {
        let (s, took) = whoami(&gw, &token).await;
        assert_eq!(s, 200, "request {i}");
        assert!(
            took < Duration::from_secs(1),
            "request {i} waited {took:?} (the first, which found the outage, took {first:?})"
        );
    }
    let (s, took) = whoami(&gw, &unseen).await;
    assert_eq!(s, 503, "a session this replica never saw cannot be checked");
    assert!(took < Duration::from_secs(1), "the 503 waited {took:?}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "21 requests took {:?}",
        started.elapsed()
    );
    assert!(gauge(mport, "database").await.ends_with(" 1"));
    let log = gw.log();
    assert_eq!(
        log.matches("store unavailable: answering without it")
            .count(),
        1,
        "one line for the outage:\n{log}"
    );
    assert!(
        !log.contains("serving a cached session"),
        "no line per request:\n{log}"
    );

    start(&pg);
    // A probe finds it back; sessions are read from the database again.
    let deadline = Instant::now() + Duration::from_secs(15);
    while !gauge(mport, "database").await.ends_with(" 0") {
        assert!(
            Instant::now() < deadline,
            "the breaker did not close:\n{}",
            gw.log()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(gw.log().contains("store is back"));
    let fresh = gw.session_for("after@example.com", &[]).await;
    assert_eq!(whoami(&gw, &fresh).await.0, 200);
    assert_eq!(
        whoami(&gw, &unseen).await.0,
        401,
        "unknown again, not unavailable"
    );
}

async fn gauge(mport: u16, store: &str) -> String {
    let text = client()
        .get(format!("http://127.0.0.1:{mport}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let series = format!("passgate_store_breaker_open{{store=\"{store}\"}}");
    text.lines()
        .find(|l| l.starts_with(&series))
        .unwrap_or_else(|| panic!("no {series} in:\n{text}"))
        .to_string()
}

/// A frozen Redis (it accepts nothing and closes nothing) made each call
/// that needs it wait for the client's response timeout. Now the first
/// finds it frozen, the rest get their 503 at once, signed-in requests
/// (which need no Redis) keep working, and it is used again once it
/// answers.
#[tokio::test]
async fn a_frozen_redis_is_noticed_once_and_then_answered_at_once() {
    let redis = PrivateRedis::start().await;
    let mport = free_port();
    let gw = Gateway::start_with(Db::Sqlite, Some(redis.url()), |s| cfg(s, mport)).await;
    let token = gw.session_for("frozen@example.com", &[]).await;
    let b = Browser::new(&gw.origin());
    let start = async || {
        let started = Instant::now();
        let (s, _, _) = b
            .json("/.passgate/webauthn/authenticate/start", &json!({}))
            .await;
        (s, started.elapsed())
    };
    assert_eq!(start().await.0, 200);
    assert!(gauge(mport, "ephemeral").await.ends_with(" 0"));

    redis.freeze();
    let (s, first) = start().await;
    assert_eq!(s, 503, "the first call finds Redis frozen");
    for i in 0..10 {
        let (s, took) = start().await;
        assert_eq!(s, 503, "call {i}");
        assert!(
            took < Duration::from_secs(1),
            "call {i} waited {took:?} (the first took {first:?})"
        );
    }
    assert_eq!(whoami(&gw, &token).await.0, 200, "sessions need no Redis");
    assert!(gauge(mport, "ephemeral").await.ends_with(" 1"));
    assert_eq!(
        gw.log()
            .matches("store unavailable: answering without it")
            .count(),
        1,
        "one line for the outage:\n{}",
        gw.log()
    );

    redis.thaw();
    let deadline = Instant::now() + Duration::from_secs(15);
    while !gauge(mport, "ephemeral").await.ends_with(" 0") {
        assert!(
            Instant::now() < deadline,
            "the breaker did not close:\n{}",
            gw.log()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(start().await.0, 200, "Redis is used again");
}

/// Run the CLI with `config`: (exit code, stderr).
fn cli(config: &std::path::Path, args: &[&str]) -> (Option<i32>, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_passgate"))
        .arg("--config")
        .arg(config)
        .args(args)
        .env_remove("RUST_LOG")
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

/// Issue 13, finding 2: the CLI connected to Redis first and failed while
/// it was down, though the revocation log in the database carries a
/// revocation on its own. Now it revokes, says the change travels through
/// the database, and a running gateway (its Redis down too) ends the
/// session. With the database down, it says that nothing was changed.
#[tokio::test]
async fn the_cli_revokes_while_redis_is_down() {
    let redis = PrivateRedis::start().await;
    let mport = free_port();
    let gw = Gateway::start_with(Db::Postgres, Some(redis.url()), |s| cfg(s, mport)).await;
    let token = gw.session_for("cli@example.com", &[]).await;
    assert_eq!(whoami(&gw, &token).await.0, 200);
    drop(redis);

    let (code, err) = cli(
        &gw.config_path,
        &["session", "revoke", "--user", "cli@example.com"],
    );
    assert_eq!(code, Some(0), "{err}");
    assert!(
        err.contains("warning") && err.contains("through the database within a second"),
        "{err}"
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    while whoami(&gw, &token).await.0 != 401 {
        assert!(
            Instant::now() < deadline,
            "the running gateway did not end the session:\n{}",
            gw.log()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let text = std::fs::read_to_string(&gw.config_path).unwrap();
    let broken = gw.dir.path().join("no-database.toml");
    std::fs::write(
        &broken,
        text.replace(&gw.database_url, "postgres://postgres@127.0.0.1:1/passgate"),
    )
    .unwrap();
    let (code, err) = cli(&broken, &["user", "disable", "cli@example.com"]);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("Nothing was changed."), "{err}");
}

/// Issue 13, finding 4: `last_seen` was written back every 60 s, so with
/// an idle timeout under about a minute a session kept busy on one replica
/// was refused by another that loaded it for the first time. The write-back
/// now follows the idle timeout.
#[tokio::test]
async fn a_session_kept_busy_on_one_replica_is_live_on_another() {
    let config = |s: &Setup| {
        s.config(
            "",
            "[session]\nidle_timeout = \"12s\"\n\n[signup]\nmode = \"invite\"\n\n[[route]]\nhost = \"localhost\"\nupstream = \"http://127.0.0.1:9\"\n",
        )
    };
    let a = Gateway::start_with(Db::Postgres, Some(crate::common::redis_url()), config).await;
    let b = a.replica().await;
    let token = a
        .session_idle("busy@example.com", &[], Duration::from_secs(12))
        .await;
    // Used on A once a second for longer than the idle timeout.
    for i in 0..16 {
        assert_eq!(whoami(&a, &token).await.0, 200, "request {i} on A");
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    // B has never seen it: it loads it from the database.
    let on_b = client()
        .get(b.url("/.passgate/whoami"))
        .header("cookie", format!("passgate_session={token}"))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16();
    assert_eq!(on_b, 200, "a session in use on A is not idle on B");
}

/// Sockets of this machine in CLOSE-WAIT whose far end is `port`: the
/// upstream closed them and their holder (passgate) has not.
fn close_wait_to(port: u16) -> usize {
    ["/proc/net/tcp", "/proc/net/tcp6"]
        .iter()
        .filter_map(|f| std::fs::read_to_string(f).ok())
        .flat_map(|t| t.lines().skip(1).map(str::to_string).collect::<Vec<_>>())
        .filter(|l| {
            let cols: Vec<&str> = l.split_whitespace().collect();
            cols.len() > 3
                && cols[3] == "08"
                && cols[2]
                    .rsplit(':')
                    .next()
                    .and_then(|p| u16::from_str_radix(p, 16).ok())
                    == Some(port)
        })
        .count()
}

/// Issue 13, finding 3: idle upstream connections the upstream closed sat
/// in CLOSE-WAIT until the next request through that worker (or a sweep
/// every 12.5 s). Now each thread sweeps its idle connections every second.
#[tokio::test]
async fn idle_upstream_connections_the_upstream_closes_are_let_go() {
    // An upstream with a short keep-alive timeout: it answers requests on a
    // connection until it has been idle for half a second, then closes it.
    // (It used to ignore a second request on a connection, which a
    // pipelined reuse under load turned into a 502 that no server with a
    // keep-alive timeout would cause.)
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let up = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        loop {
            let Ok((mut s, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                loop {
                    while let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        buf.drain(..end + 4);
                        if s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                            .await
                            .is_err()
                        {
                            return;
                        }
                    }
                    match tokio::time::timeout(Duration::from_millis(500), s.read(&mut chunk)).await
                    {
                        Ok(Ok(n)) if n > 0 => buf.extend_from_slice(&chunk[..n]),
                        // Closed, failed, or idle for half a second.
                        _ => return,
                    }
                }
            });
        }
    });
    for server in ["", "http1_loop = false"] {
        let gw = Gateway::start(|s| {
            s.config(
                server,
                &format!("[[route]]\nhost = \"localhost\"\npolicy = \"public\"\nupstream = \"http://127.0.0.1:{up}\"\n"),
            )
        })
        .await;
        // Several at once, so several upstream connections go idle.
        let c = client();
        let calls = (0..8).map(|_| c.get(gw.url("/x")).send());
        for r in futures_util::future::join_all(calls).await {
            assert_eq!(r.unwrap().status(), 200, "{server:?}");
        }
        // The upstream closes them half a second after answering;
        // passgate lets go of its ends within a sweep.
        tokio::time::sleep(Duration::from_millis(600)).await;
        let deadline = Instant::now() + Duration::from_secs(3);
        loop {
            let n = close_wait_to(up);
            if n == 0 {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "{server:?}: {n} upstream connections still half-closed 3 s after the upstream closed them"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reused_connection_the_upstream_drops_unanswered_is_retried_when_idempotent() {
    // An upstream that answers only the first request on a connection and
    // drops it a moment after a second one arrives, unanswered: the race of
    // a keep-alive timeout, made certain. Each connection's requests are
    // counted, so a retry shows as a request on a new connection.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let up = listener.local_addr().unwrap().port();
    let seen = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        loop {
            let Ok((mut s, _)) = listener.accept().await else {
                return;
            };
            let log = log.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                let mut answered = false;
                loop {
                    if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        let head = String::from_utf8_lossy(&buf[..end]).to_string();
                        let line = head.lines().next().unwrap_or("").to_string();
                        // A body, if stated, is read and ignored.
                        let len: usize = head
                            .lines()
                            .find_map(|l| {
                                l.to_ascii_lowercase()
                                    .strip_prefix("content-length:")
                                    .map(|v| v.trim().parse().unwrap_or(0))
                            })
                            .unwrap_or(0);
                        while buf.len() < end + 4 + len {
                            match s.read(&mut chunk).await {
                                Ok(n) if n > 0 => buf.extend_from_slice(&chunk[..n]),
                                _ => return,
                            }
                        }
                        buf.drain(..end + 4 + len);
                        log.lock().unwrap().push(format!(
                            "{} {line}",
                            if answered { "dropped" } else { "answered" }
                        ));
                        if answered {
                            tokio::time::sleep(Duration::from_millis(100)).await;
                            return;
                        }
                        answered = true;
                        let _ = s
                            .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                            .await;
                        continue;
                    }
                    match s.read(&mut chunk).await {
                        Ok(n) if n > 0 => buf.extend_from_slice(&chunk[..n]),
                        _ => return,
                    }
                }
            });
        }
    });
    for server in ["", "http1_loop = false"] {
        seen.lock().unwrap().clear();
        let gw = Gateway::start(|s| {
            s.config(
                server,
                &format!("[[route]]\nhost = \"localhost\"\npolicy = \"public\"\nupstream = \"http://127.0.0.1:{up}\"\n"),
            )
        })
        .await;
        // One client connection, so the gateway usually reuses its upstream
        // one (not always: under load an answer can come on a new one), so
        // each case is tried until the drop happened.
        let c = client();
        let mut retried = false;
        for round in 0..20 {
            seen.lock().unwrap().clear();
            assert_eq!(c.get(gw.url("/first")).send().await.unwrap().status(), 200);
            // A GET on the reused connection is dropped, then sent again on
            // a new one: always 200.
            let r = c
                .get(gw.url(&format!("/again{round}")))
                .send()
                .await
                .unwrap();
            let log = seen.lock().unwrap().clone();
            assert_eq!(r.status(), 200, "{server:?}: {log:?}");
            if log.contains(&format!("dropped GET /again{round} HTTP/1.1")) {
                assert!(
                    log.contains(&format!("answered GET /again{round} HTTP/1.1")),
                    "{server:?}: {log:?}"
                );
                retried = true;
                break;
            }
        }
        assert!(
            retried,
            "{server:?}: the upstream connection was never reused"
        );
        // A POST is not: the upstream may have acted on it.
        let mut refused = false;
        for round in 0..20 {
            seen.lock().unwrap().clear();
            assert_eq!(c.get(gw.url("/third")).send().await.unwrap().status(), 200);
            let r = c
                .post(gw.url(&format!("/act{round}")))
                .body("x")
                .send()
                .await
                .unwrap();
            let log = seen.lock().unwrap().clone();
            let sent = log
                .iter()
                .filter(|l| l.contains(&format!("POST /act{round} ")))
                .count();
            assert_eq!(sent, 1, "{server:?}: sent once: {log:?}");
            if log.contains(&format!("dropped POST /act{round} HTTP/1.1")) {
                assert_eq!(r.status(), 502, "{server:?}: {log:?}");
                refused = true;
                break;
            }
            assert_eq!(r.status(), 200, "{server:?}: {log:?}");
        }
        assert!(
            refused,
            "{server:?}: the upstream connection was never reused"
        );
        assert!(!gw.log().contains("panicked"));
    }
}

/// `tasks` clients sending `GET url` (with `cookie`) until `stop`; each
/// answer's status (0: no answer) and how long it took.
pub(crate) async fn load(
    url: String,
    cookie: Option<String>,
    tasks: usize,
    stop: Arc<AtomicBool>,
) -> Vec<(u16, Duration)> {
    let mut handles = Vec::new();
    for _ in 0..tasks {
        let (url, cookie, stop) = (url.clone(), cookie.clone(), stop.clone());
        handles.push(tokio::spawn(async move {
            let c = client();
            let mut seen = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                let started = Instant::now();
                let mut r = c.get(&url).timeout(Duration::from_secs(10));
                if let Some(k) = &cookie {
                    r = r.header("cookie", format!("passgate_session={k}"));
                }
                let status = match r.send().await {
                    Ok(resp) => {
                        let s = resp.status().as_u16();
                        // The whole body, or it does not count as answered.
                        match resp.bytes().await {
                            Ok(_) => s,
                            Err(_) => 0,
                        }
                    }
                    Err(_) => 0,
                };
                seen.push((status, started.elapsed()));
            }
            seen
        }));
    }
    let mut all = Vec::new();
    for h in handles {
        all.extend(h.await.unwrap());
    }
    all
}
