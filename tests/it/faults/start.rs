//! Starting passgate while a store is down: with the database down it
//! waits for it (listening on nothing, so a load balancer sends clients to
//! a replica that can answer, and a stop signal still ends it at once);
//! with Redis down it starts without Redis and connects when it can.

use std::time::{Duration, Instant};

use serde_json::json;

use super::{cfg, gauge, whoami};
use crate::common::browser::Browser;
use crate::common::gateway::{Db, Gateway, free_port};
use crate::common::private_pg::PrivatePostgres;
use crate::common::private_redis::PrivateRedis;

#[tokio::test]
async fn started_while_the_database_is_down_it_waits_for_it_then_serves() {
    let pg = PrivatePostgres::start();
    pg.down();
    let mport = free_port();
    let mut gw = Gateway::launch_with(Db::PostgresAt(pg.url()), None, |s| cfg(s, mport)).await;
    // It does not exit and does not listen: clients are refused at once
    // rather than left waiting on a process that cannot check them.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        gw.wait_exit(Duration::from_millis(10)).await,
        None,
        "it waits for the database instead of exiting:\n{}",
        gw.log()
    );
    assert!(
        std::net::TcpStream::connect(gw.addr()).is_err(),
        "nothing listens while the database is down"
    );
    let log = gw.log();
    assert!(
        log.contains("database unavailable at start") && log.contains("retrying"),
        "the log says what it is waiting for:\n{log}"
    );
    assert_eq!(
        log.matches("database unavailable at start").count(),
        1,
        "one line, not one per attempt:\n{log}"
    );

    pg.up();
    let started = Instant::now();
    gw.wait_ready().await;
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "it started {:?} after the database came back",
        started.elapsed()
    );
    let token = gw.session_for("late@example.com", &[]).await;
    assert_eq!(whoami(&gw, &token).await.0, 200);
    assert!(gauge(mport, "database").await.ends_with(" 0"));

    // It waits as long as `storage.startup_wait`, then gives up with the
    // error (a wrong address must not look like a replica that is fine).
    pg.down();
    let mut giving_up = Gateway::launch_with(Db::PostgresAt(pg.url()), None, |s| {
        cfg(s, free_port()).replacen("[storage]\n", "[storage]\nstartup_wait = \"3s\"\n", 1)
    })
    .await;
    let started = Instant::now();
    assert_eq!(
        giving_up.wait_exit(Duration::from_secs(15)).await,
        Some(1),
        "{}",
        giving_up.log()
    );
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(2500) && took < Duration::from_secs(10),
        "gave up after {took:?}"
    );
    let log = giving_up.log();
    assert!(
        log.contains("cannot connect") && log.contains("storage.startup_wait"),
        "{log}"
    );

    // A stop signal while it waits ends it at once, with success.
    let mut waiting =
        Gateway::launch_with(Db::PostgresAt(pg.url()), None, |s| cfg(s, free_port())).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    waiting.signal("TERM");
    assert_eq!(
        waiting.wait_exit(Duration::from_secs(3)).await,
        Some(0),
        "SIGTERM while waiting for the database:\n{}",
        waiting.log()
    );
}

#[tokio::test]
async fn started_while_redis_is_down_it_serves_and_connects_when_redis_is_back() {
    let redis = PrivateRedis::start().await;
    let port = redis.port;
    let url = redis.url();
    drop(redis);
    let mport = free_port();
    let started = Instant::now();
    let gw = Gateway::start_with(Db::Sqlite, Some(url), |s| cfg(s, mport)).await;
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "started in {:?}",
        started.elapsed()
    );
    assert!(
        gw.log().contains("store unavailable"),
        "the outage is logged once at start:\n{}",
        gw.log()
    );
    assert!(gauge(mport, "ephemeral").await.ends_with(" 1"));
    // Signed-in requests need no Redis; a passkey ceremony does.
    let token = gw.session_for("noredis@example.com", &[]).await;
    assert_eq!(whoami(&gw, &token).await.0, 200);
    let b = Browser::new(&gw.origin());
    let t = Instant::now();
    let (s, _, _) = b
        .json("/.passgate/webauthn/authenticate/start", &json!({}))
        .await;
    assert_eq!(s, 503);
    assert!(t.elapsed() < Duration::from_secs(1), "{:?}", t.elapsed());
    let (s, ready) = {
        let r = crate::common::gateway::client()
            .get(gw.url("/.passgate/health/ready"))
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    };
    assert_eq!(s, 503, "not ready without Redis: {ready}");

    let _redis = PrivateRedis::start_on(port).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while !gauge(mport, "ephemeral").await.ends_with(" 0") {
        assert!(
            Instant::now() < deadline,
            "Redis was not connected when it came back:\n{}",
            gw.log()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (s, _, _) = b
        .json("/.passgate/webauthn/authenticate/start", &json!({}))
        .await;
    assert_eq!(s, 200, "Redis is used once it answers");
    assert!(gw.log().contains("redis reached"), "{}", gw.log());
    // Revocations travel through it again: the session ends on this
    // replica at once when another process announces it through Redis.
    let sessions = gw.sessions().await;
    let id = gw
        .store()
        .await
        .list_sessions(None)
        .await
        .unwrap()
        .into_iter()
        .next()
        .unwrap()
        .id;
    sessions.revoke(&id).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(3);
    while whoami(&gw, &token).await.0 != 401 {
        assert!(Instant::now() < deadline, "the revocation did not arrive");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
