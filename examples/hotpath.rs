//! Micro-timing of the proxy hot path's pieces, to see where a request's CPU goes
//! (a tool for performance work, not a test): `cargo run --release --example hotpath`.
#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use http::{HeaderMap, HeaderValue, Method, Uri};

fn time<T>(name: &str, n: u32, mut f: impl FnMut() -> T) {
    for _ in 0..1000 {
        std::hint::black_box(f());
    }
    let t = Instant::now();
    for _ in 0..n {
        std::hint::black_box(f());
    }
    println!(
        "{name:40} {:8.0} ns",
        t.elapsed().as_nanos() as f64 / n as f64
    );
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "[storage]\ndatabase_url = \"sqlite://{}/p.db\"\n[[route]]\nhost = \"localhost\"\nupstream = \"http://127.0.0.1:9\"\n",
        dir.path().display()
    );
    let cfg = passgate::Config::from_toml(&text, "t", std::iter::empty(), dir.path()).unwrap();
    let app = passgate::app::App::start(cfg, None, passgate::clock::system())
        .await
        .unwrap();
    let cfg = app.config();
    let store = app.store.clone();
    let user = store
        .create_user(
            &passgate::store::NewUser {
                email: "a@example.com".into(),
                display_name: "A".into(),
                groups: vec!["dev".into()],
                ..Default::default()
            },
            1,
        )
        .await
        .unwrap();
    let (token, _) = app
        .sessions
        .create(&user, "webauthn", "ua", "127.0.0.1")
        .await
        .unwrap();
    // Sized as hyper sizes a parsed request.
    let mut headers = HeaderMap::with_capacity(4);
    headers.insert("host", HeaderValue::from_static("localhost:18080"));
    headers.insert(
        "cookie",
        HeaderValue::from_str(&format!("passgate_session={token}")).unwrap(),
    );
    headers.insert("user-agent", HeaderValue::from_static("wrk"));
    headers.insert("accept", HeaderValue::from_static("*/*"));
    let uri: Uri = "/__status?code=200".parse().unwrap();
    let n = 200_000;
    time("config load_full", n, || app.config());
    time("Target::from_request", n, || {
        passgate::gate::Target::from_request(&uri, &headers, &Method::GET, false, true).unwrap()
    });
    let target =
        passgate::gate::Target::from_request(&uri, &headers, &Method::GET, false, true).unwrap();
    time("routes.lookup", n, || {
        cfg.routes
            .lookup(
                &target.host,
                target.port,
                &target.path,
                &passgate::authz::Asker {
                    method: &target.method,
                    client: None,
                },
            )
            .unwrap()
            .is_some()
    });
    time("session_cookie", n, || {
        passgate::gate::session_cookie(&cfg, &headers).is_some()
    });
    let rt = tokio::runtime::Handle::current();
    let _ = rt;
    let s = app.sessions.validate(&token).await.unwrap().unwrap();
    let t0 = Instant::now();
    for _ in 0..n {
        std::hint::black_box(app.sessions.validate(&token).await.unwrap());
    }
    println!(
        "{:40} {:8.0} ns",
        "sessions.validate (cached)",
        t0.elapsed().as_nanos() as f64 / n as f64
    );
    time("target.origin()", n, || target.origin());
    time("asserter.assertion (cached)", n, || {
        app.asserter
            .assertion(&s, &target.origin(), &cfg.server.portal.origin, 300)
    });
    time("headers.clone()", n, || headers.clone());
    time("set_identity_headers", n, || {
        let mut h = headers.clone();
        passgate::identity::set_identity_headers(&mut h, cfg.identity.headers, Some(&s.principal));
        h
    });
    time("cookies::strip_own", n, || {
        let mut h = headers.clone();
        passgate::cookies::strip_own(&mut h);
        h
    });
    let ci = passgate::hygiene::ClientInfo {
        peer: "127.0.0.1".parse().unwrap(),
        trusted: true,
        proto: "http",
        host: Some(http::HeaderValue::from_static("localhost:18080")),
    };
    let jwt = http::HeaderValue::from_static("a.b.c");
    let id = http::HeaderValue::from_static("req-1");
    // All the header work of a proxied request, as the gate does it.
    for reserve in [0, 16] {
        let label = if reserve == 0 {
            "all header work (map grows)"
        } else {
            "all header work (reserve 16)"
        };
        time(label, n, || {
            let mut h = headers.clone();
            h.reserve(reserve);
            passgate::hygiene::upstream_request(
                &mut h,
                &passgate::hygiene::Own {
                    client: &ci,
                    style: cfg.identity.headers,
                    principal: Some(&s.principal),
                    assertion_name: &cfg.identity.assertion_header,
                    assertion: Some(&jwt),
                    request_id: &id,
                    upgrade: None,
                },
            );
            h
        });
    }
    time("remove_hop_by_hop", n, || {
        let mut h = headers.clone();
        passgate::http1::remove_hop_by_hop(&mut h);
        h
    });
    let o = passgate::metrics::Outcome {
        route: "route[0]",
        decision: "allow",
    };
    time("metrics::request", n, || {
        passgate::metrics::request(&o, Duration::from_micros(500))
    });
    time("is_trusted", n, || {
        passgate::gate::is_trusted(&cfg, "127.0.0.1".parse().unwrap())
    });
    time("Instant::now", n, Instant::now);

    // What every signed-in request does with shared state (its session,
    // its assertion, its identity header values), on one thread and then on
    // two at once: the difference is what the threads cost each other.
    let app = std::sync::Arc::new(app);
    let origin = target.origin();
    for threads in [1, 2] {
        let per_thread: Vec<f64> = std::thread::scope(|scope| {
            let workers: Vec<_> = (0..threads)
                .map(|_| {
                    let (app, token, origin) = (app.clone(), token.clone(), origin.clone());
                    scope.spawn(move || {
                        let rt = tokio::runtime::Builder::new_current_thread()
                            .enable_all()
                            .build()
                            .unwrap();
                        rt.block_on(async {
                            let cfg = app.config();
                            let step = || async {
                                let s = app.sessions.validate(&token).await.unwrap().unwrap();
                                let jwt = app.asserter.assertion(
                                    &s,
                                    &origin,
                                    &cfg.server.portal.origin,
                                    300,
                                );
                                let v = s.principal.header_values.clone();
                                std::hint::black_box((s, jwt, v));
                            };
                            for _ in 0..10_000 {
                                step().await;
                            }
                            let t = Instant::now();
                            for _ in 0..n {
                                step().await;
                            }
                            t.elapsed().as_nanos() as f64 / n as f64
                        })
                    })
                })
                .collect();
            workers.into_iter().map(|w| w.join().unwrap()).collect()
        });
        let label = format!("session+assertion+identity, {threads} thread(s)");
        let mean = per_thread.iter().sum::<f64>() / per_thread.len() as f64;
        println!("{label:40} {mean:8.0} ns");
    }
}
