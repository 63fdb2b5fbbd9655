//! Two replicas behind a real nginx (the deploy kit's forward-auth
//! configuration with both in its upstream block), signed-in traffic
//! running the whole time, while Redis, then PostgreSQL, go down and come
//! back, and then a replica is killed.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::load;
use crate::common::gateway::{Db, Gateway, Upstream, client, free_port};
use crate::common::private_pg::PrivatePostgres;
use crate::common::private_redis::PrivateRedis;
use crate::common::proxies::{self, deploy_file, localize};

#[tokio::test]
async fn two_replicas_behind_nginx_keep_signed_in_people_through_every_outage() {
    let pg = PrivatePostgres::start();
    let redis = PrivateRedis::start().await;
    let redis_port = redis.port;
    let app = Upstream::start().await;
    let app_port = app.addr.port();
    let proxy_port = free_port();
    let a = Gateway::start_with(Db::PostgresAt(pg.url()), Some(redis.url()), |s| {
        localize(
            &deploy_file("passgate-forward-auth.toml"),
            s.port,
            app_port,
            proxy_port,
        )
        .replace("sqlite://passgate.db", &s.database_url)
            + "\n[session]\ncache_ttl = \"1s\"\n\n[log]\nlevel = \"passgate=debug,info\"\n"
    })
    .await;
    let b = a.replica().await;
    let nginx = proxies::nginx_to(&[a.port, b.port], app_port, proxy_port).await;
    let token = a.session_for("ops@example.com", &[]).await;
    let through = |t: &str| {
        client()
            .get(format!("http://localhost:{proxy_port}/app"))
            .header("cookie", format!("passgate_session={t}"))
            .timeout(Duration::from_secs(15))
            .send()
    };
    // Both replicas have seen the session (nginx alternates between them).
    for _ in 0..4 {
        assert_eq!(through(&token).await.unwrap().status(), 200);
    }

    let stop = Arc::new(AtomicBool::new(false));
    let traffic = tokio::spawn(load(
        format!("http://localhost:{proxy_port}/app"),
        Some(token.clone()),
        4,
        stop.clone(),
    ));
    let phase = Duration::from_millis(2500);
    tokio::time::sleep(phase).await;
    drop(redis);
    tokio::time::sleep(phase).await;
    pg.down();
    tokio::time::sleep(phase + Duration::from_secs(5)).await;
    // A session neither replica has seen cannot be checked: an error
    // answer at once (nginx turns passgate's 503 into a 500), never a pass.
    let (unseen, _) = passgate::session::new_token();
    let started = Instant::now();
    let s = through(&unseen).await.unwrap().status().as_u16();
    assert!(
        [500, 503].contains(&s),
        "an unseen session in the outage: {s}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    pg.up();
    tokio::time::sleep(phase).await;
    let _redis = PrivateRedis::start_on(redis_port).await;
    tokio::time::sleep(phase).await;
    drop(b);
    tokio::time::sleep(phase).await;
    stop.store(true, Ordering::Relaxed);
    let seen = traffic.await.unwrap();

    let failed: Vec<_> = seen.iter().filter(|(s, _)| *s != 200).collect();
    assert!(
        failed.is_empty(),
        "{} of {} signed-in requests through nginx failed: {:?}\n{}",
        failed.len(),
        seen.len(),
        &failed[..failed.len().min(20)],
        nginx.logs()
    );
    let slowest = seen.iter().map(|(_, t)| *t).max().unwrap();
    let mut times: Vec<_> = seen.iter().map(|(_, t)| *t).collect();
    times.sort();
    let p99 = times[times.len() * 99 / 100];
    assert!(
        slowest < Duration::from_secs(7),
        "the slowest request waited {slowest:?} (the first to find the database down waits for the pool's 5 s at most)"
    );
    assert!(p99 < Duration::from_secs(1), "p99 {p99:?}");
    assert!(seen.len() > 500, "only {} requests", seen.len());
    // Back to normal: a new session (written to the database) works
    // through nginx on the replica that is left.
    let fresh = a.session_for("after@example.com", &[]).await;
    assert_eq!(through(&fresh).await.unwrap().status(), 200);
}
