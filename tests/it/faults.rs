//! Faults of what passgate depends on, with servers the tests run
//! themselves (never the machine's shared PostgreSQL or Redis): each check
//! asserts status codes, that nothing hangs, and what the log and metrics
//! say.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use crate::common::gateway::{Db, Gateway, Setup, client, free_port};
use crate::common::private_pg::PrivatePostgres;

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

async fn breaker_gauge(mport: u16) -> String {
    let text = client()
        .get(format!("http://127.0.0.1:{mport}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .find(|l| l.starts_with("passgate_store_breaker_open{store=\"database\"}"))
        .unwrap_or_else(|| panic!("no breaker gauge in:\n{text}"))
        .to_string()
}

/// Issue 13, finding 1: with the database down, every signed-in request
/// waited for the pool's 5 s timeout and logged a warning. Now the outage
/// is noticed once, cached sessions are served at once, a session the
/// replica has not seen gets its 503 at once, and the first request after
/// the database is back goes to it again.
#[tokio::test]
async fn a_database_outage_is_noticed_once_and_then_answered_at_once() {
    let pg = PrivatePostgres::start();
    let mport = free_port();
    let gw = Gateway::start_with(Db::PostgresAt(pg.url()), None, |s| cfg(s, mport)).await;
    let token = gw.session_for("outage@example.com", &[]).await;
    let (unseen, _) = passgate::session::new_token();
    assert_eq!(whoami(&gw, &token).await.0, 200);
    assert!(breaker_gauge(mport).await.ends_with(" 0"));

    pg.down();
    // Past the cache's freshness: the next request asks the database.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    // The first finds it down (after the pool's own timeout at most) and
    // serves the cached session.
    let (s, first) = whoami(&gw, &token).await;
    assert_eq!(
        s, 200,
        "a cached session is served while the database is down"
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
    assert!(breaker_gauge(mport).await.ends_with(" 1"));
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

    pg.up();
    // A probe finds it back; sessions are read from the database again.
    let deadline = Instant::now() + Duration::from_secs(15);
    while !breaker_gauge(mport).await.ends_with(" 0") {
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
