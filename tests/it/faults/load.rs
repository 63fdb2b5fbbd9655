//! Faults under load, on both serving paths: an upstream that keeps going
//! away and coming back, reloads and a stop while requests are in flight.
//! Every request gets a whole answer with an expected status within a
//! bound; nothing is lost.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::load;
use crate::common::gateway::{Gateway, Setup, Upstream, client};

const PATHS: [&str; 2] = ["", "http1_loop = false"];

fn routes(server: &str, s: &Setup, up: &str) -> String {
    s.config(
        server,
        &format!(
            "[[route]]\nhost = \"localhost\"\npath = \"/open\"\npolicy = \"public\"\nupstream = \"{up}\"\n\n[[route]]\nhost = \"localhost\"\nupstream = \"{up}\"\n"
        ),
    )
}

/// An upstream on a fixed port that is up for 300 ms and gone for 300 ms,
/// over and over, until `stop`; then up for good.
async fn flapping(port: u16, stop: Arc<AtomicBool>) -> Upstream {
    let echo = passgate::demo::Echo::new(None, "x-passgate-assertion");
    while !stop.load(Ordering::Relaxed) {
        let cancel = tokio_util::sync::CancellationToken::new();
        if let Ok(l) = tokio::net::TcpListener::bind(("127.0.0.1", port)).await {
            tokio::spawn(passgate::demo::serve(l, echo.clone(), cancel.clone()));
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        cancel.cancel();
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let l = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap();
    Upstream::serve(l)
}

#[tokio::test]
async fn an_upstream_that_keeps_going_away_gets_502s_then_200s_never_a_hang() {
    for server in PATHS {
        let port = crate::common::gateway::free_port();
        let up = format!("http://127.0.0.1:{port}");
        let gw = Gateway::start(|s| routes(server, s, &up)).await;
        let token = gw.session_for("flap@example.com", &[]).await;
        let stop_flapping = Arc::new(AtomicBool::new(false));
        let upstream = tokio::spawn(flapping(port, stop_flapping.clone()));
        let stop = Arc::new(AtomicBool::new(false));
        let clients = tokio::spawn(load(gw.url("/x"), Some(token.clone()), 8, stop.clone()));
        tokio::time::sleep(Duration::from_secs(4)).await;
        stop.store(true, Ordering::Relaxed);
        let seen = clients.await.unwrap();
        stop_flapping.store(true, Ordering::Relaxed);
        let _up = upstream.await.unwrap();

        let ok = seen.iter().filter(|(s, _)| *s == 200).count();
        let bad = seen.iter().filter(|(s, _)| *s == 502).count();
        let other: Vec<_> = seen
            .iter()
            .filter(|(s, _)| ![200, 502].contains(s))
            .collect();
        let slowest = seen.iter().map(|(_, t)| *t).max().unwrap();
        assert!(
            other.is_empty(),
            "{server:?}: every request is answered 200 or 502 ({ok} × 200, {bad} × 502, others {other:?})"
        );
        assert!(
            ok > 50,
            "{server:?}: {ok} × 200 while it was up half the time"
        );
        assert!(
            slowest < Duration::from_secs(3),
            "{server:?}: a request waited {slowest:?}"
        );
        // Once it stays up, every request gets through: no dead pooled
        // connection is handed to a request.
        let c = client();
        for i in 0..50 {
            let r = c
                .get(gw.url("/x"))
                .header("cookie", format!("passgate_session={token}"))
                .send()
                .await
                .unwrap();
            assert_eq!(
                r.status(),
                200,
                "{server:?}: request {i} after it came back"
            );
        }
        assert!(!gw.log().contains("panicked"), "{server:?}:\n{}", gw.log());
    }
}

#[tokio::test]
async fn reloads_under_load_drop_no_request() {
    for server in PATHS {
        let up = Upstream::start().await;
        let gw = Gateway::start(|s| routes(server, s, &up.url())).await;
        let token = gw.session_for("reload@example.com", &[]).await;
        let stop = Arc::new(AtomicBool::new(false));
        let signed_in = tokio::spawn(load(gw.url("/x"), Some(token), 6, stop.clone()));
        let public = tokio::spawn(load(gw.url("/open/y"), None, 2, stop.clone()));
        let text = std::fs::read_to_string(&gw.config_path).unwrap();
        for i in 0..10 {
            // A changed file each time (a route added and taken away).
            let next = if i % 2 == 0 {
                format!(
                    "{text}\n[[route]]\nhost = \"other{i}.example\"\npolicy = \"deny\"\nupstream = \"{}\"\n",
                    up.url()
                )
            } else {
                text.clone()
            };
            std::fs::write(&gw.config_path, next).unwrap();
            gw.signal("HUP");
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        stop.store(true, Ordering::Relaxed);
        let mut seen = signed_in.await.unwrap();
        seen.extend(public.await.unwrap());
        let failed: Vec<_> = seen.iter().filter(|(s, _)| *s != 200).collect();
        assert!(
            failed.is_empty(),
            "{server:?}: {} of {} requests failed across 10 reloads: {failed:?}",
            failed.len(),
            seen.len()
        );
        assert!(seen.len() > 200, "{server:?}: only {} requests", seen.len());
        assert_eq!(
            gw.log().matches("configuration reloaded").count(),
            10,
            "{server:?}:\n{}",
            gw.log()
        );
    }
}

#[tokio::test]
async fn a_stop_under_load_finishes_what_is_in_flight_and_loses_nothing() {
    for server in PATHS {
        let up = Upstream::start().await;
        let mut gw = Gateway::start(|s| routes(server, s, &up.url())).await;
        let token = gw.session_for("drain@example.com", &[]).await;
        let stop = Arc::new(AtomicBool::new(false));
        let fast = tokio::spawn(load(gw.url("/x"), Some(token.clone()), 4, stop.clone()));
        // Slow requests in flight when the signal comes.
        let slow: Vec<_> = (0..12)
            .map(|_| {
                let url = gw.url("/__slow?ms=1500");
                let token = token.clone();
                tokio::spawn(async move {
                    client()
                        .get(url)
                        .header("cookie", format!("passgate_session={token}"))
                        .send()
                        .await
                        .map(|r| r.status().as_u16())
                        .unwrap_or(0)
                })
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(500)).await;
        let signalled = Instant::now();
        gw.signal("TERM");
        for (i, h) in slow.into_iter().enumerate() {
            assert_eq!(h.await.unwrap(), 200, "{server:?}: in-flight request {i}");
        }
        stop.store(true, Ordering::Relaxed);
        let seen = fast.await.unwrap();
        assert_eq!(
            gw.wait_exit(Duration::from_secs(8)).await,
            Some(0),
            "{server:?}:\n{}",
            gw.log()
        );
        assert!(
            signalled.elapsed() < Duration::from_secs(5),
            "{server:?}: it exited {:?} after the signal, not when its requests were done",
            signalled.elapsed()
        );
        // Fast requests: answered in full before the stop, or refused
        // (never a partial answer or an error status).
        let wrong: Vec<_> = seen.iter().filter(|(s, _)| ![200, 0].contains(s)).collect();
        assert!(wrong.is_empty(), "{server:?}: {wrong:?}");
        assert!(seen.iter().filter(|(s, _)| *s == 200).count() > 20);
        // Nothing lost: the session is still there after a restart.
        gw.spawn().await;
        assert_eq!(
            super::whoami(&gw, &token).await.0,
            200,
            "{server:?}: the session survives the stop"
        );
    }
}
