//! HTTP/1.1 through passgate's own serving (`server/h1.rs`, `proxy/h1.rs`),
//! against the real binary, byte for byte: every framing an upstream may
//! answer in, broken answers, pipelining, streaming, request bodies, and
//! the hand-over to hyper for what that path leaves to it — with the
//! security rules checked on both paths.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::result_large_err
)]

use std::sync::Arc;
use std::time::Duration;

use crate::common::gateway::Gateway;
use crate::common::wire::{Client, Cut, ScriptedUpstream, Seen, Step, send};

/// A public rule for `/` and a signed-in one for `/private`, in front of
/// `up`; the test is not a trusted proxy.
fn config(s: &crate::common::gateway::Setup, up: &str) -> String {
    s.config(
        "trusted_proxies = [\"10.255.255.1/32\"]",
        &format!(
            "[[route]]\nhost = \"localhost\"\npath = \"/private\"\nupstream = \"{up}\"\n\n[[route]]\nhost = \"localhost\"\nupstream = \"{up}\"\npolicy = \"public\"\n"
        ),
    )
}

fn get(gw: &Gateway, target: &str) -> String {
    format!(
        "GET {target} HTTP/1.1\r\nHost: localhost:{}\r\n\r\n",
        gw.port
    )
}

/// How often the log says a connection went to hyper (for this reason,
/// or for any when `reason` is empty).
fn handed_over(gw: &Gateway, reason: &str) -> usize {
    let said = format!("reason=\"{reason}\"");
    gw.log()
        .lines()
        .filter(|l| l.contains("handed to hyper") && (reason.is_empty() || l.contains(&said)))
        .count()
}

/// A 200 answer with `body`.
fn ok(body: &str) -> Vec<Step> {
    vec![send(format!(
        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    ))]
}

/// Answers by target, as the framing tests need.
fn framings(req: &Seen) -> Vec<Step> {
    match req.target() {
        "/cl" => vec![send(
            "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-Request-Id: theirs\r\n\r\nhello",
        )],
        "/chunked" => vec![send(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Sum: 42\r\n\r\n",
        )],
        "/close" => vec![
            send("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil "),
            send("the end"),
            Step::Close,
        ],
        "/head" => vec![send("HTTP/1.1 200 OK\r\nContent-Length: 300\r\n\r\n")],
        "/204" => vec![send("HTTP/1.1 204 No Content\r\n\r\n")],
        "/304" => vec![send(
            "HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n",
        )],
        "/interim" => vec![send(
            "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
        )],
        _ => vec![send("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")],
    }
}

#[tokio::test]
async fn answers_in_every_framing_reach_the_client_whole_on_one_connection() {
    let up = ScriptedUpstream::start(framings).await;
    let gw = Gateway::start(|s| config(s, &up.url())).await;
    let mut c = Client::connect(gw.addr()).await;

    c.send(get(&gw, "/cl")).await;
    let a = c.answer(false).await.unwrap();
    assert_eq!((a.status, a.text().as_str()), (200, "hello"));
    let id = a.field("x-request-id").unwrap();
    assert_ne!(id, "theirs", "the request id is passgate's");
    assert_eq!(
        up.last("/cl").fields("x-request-id"),
        [("x-request-id".to_string(), id)],
        "the upstream got the same id"
    );

    c.send(get(&gw, "/chunked")).await;
    let a = c.answer(false).await.unwrap();
    assert!(a.chunked, "{}", a.head);
    assert_eq!(a.text(), "hello world");
    assert!(a.field("trailer").is_none(), "{}", a.head);

    c.send(format!(
        "HEAD /head HTTP/1.1\r\nHost: localhost:{}\r\n\r\n",
        gw.port
    ))
    .await;
    let a = c.answer(true).await.unwrap();
    assert_eq!(a.field("content-length").as_deref(), Some("300"));

    c.send(get(&gw, "/204")).await;
    assert_eq!(c.answer(false).await.unwrap().status, 204);
    c.send(get(&gw, "/304")).await;
    let a = c.answer(false).await.unwrap();
    assert_eq!(
        (a.status, a.field("content-length").as_deref()),
        (304, Some("10"))
    );

    c.send(get(&gw, "/interim")).await;
    let a = c.answer(false).await.unwrap();
    assert_eq!(
        (a.status, a.text().as_str()),
        (200, "ok"),
        "interim answers skipped"
    );

    // Until the upstream closes: re-chunked, and the client connection lives on.
    c.send(get(&gw, "/close")).await;
    let a = c.answer(false).await.unwrap();
    assert!(a.chunked, "{}", a.head);
    assert_eq!(a.text(), "until the end");

    c.send(get(&gw, "/cl")).await;
    assert_eq!(c.answer(false).await.unwrap().text(), "hello");
    // One upstream connection carried everything up to the one that closed.
    assert_eq!(up.connections(), 2, "{:?}", up.seen());
    assert_eq!(handed_over(&gw, ""), 0, "{}", gw.log());
}

#[tokio::test]
async fn broken_answers_cut_the_client_connection_or_become_a_502() {
    let up = ScriptedUpstream::start(|req| match req.target() {
        "/badchunk" => vec![
            send("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nZZ\r\n"),
            Step::Close,
        ],
        "/short" => vec![
            send("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789"),
            Step::Close,
        ],
        "/conflict" => vec![send(
            "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
        )],
        "/switch" => vec![send(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n",
        )],
        "/garbage" => vec![send("SSH-2.0-OpenSSH_9.2\r\n\r\n")],
        "/hugehead" => vec![send(format!(
            "HTTP/1.1 200 OK\r\nX-Big: {}\r\nContent-Length: 0\r\n\r\n",
            "a".repeat(300 * 1024)
        ))],
        "/silent" => vec![Step::Close],
        _ => vec![send("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")],
    })
    .await;
    let gw = Gateway::start(|s| config(s, &up.url())).await;

    // Cut after the head went out: the client sees the body end unfinished.
    let mut c = Client::connect(gw.addr()).await;
    c.send(get(&gw, "/badchunk")).await;
    match c.answer(false).await {
        Err(Cut::Closed(got)) => {
            let got = String::from_utf8_lossy(&got);
            assert!(got.starts_with("HTTP/1.1 200"), "{got}");
            assert!(got.contains("\r\n5\r\nhello\r\n"), "{got}");
            assert!(!got.contains("\r\n0\r\n"), "no last chunk: {got}");
        }
        other => panic!("{other:?}"),
    }
    let mut c = Client::connect(gw.addr()).await;
    c.send(get(&gw, "/short")).await;
    match c.answer(false).await {
        Err(Cut::Closed(got)) => {
            assert!(String::from_utf8_lossy(&got).ends_with("\r\n\r\n0123456789"));
        }
        other => panic!("{other:?}"),
    }

    // Broken before anything went out: a 502, and the connection serves on.
    let mut c = Client::connect(gw.addr()).await;
    for target in ["/conflict", "/switch", "/garbage", "/hugehead", "/silent"] {
        c.send(get(&gw, target)).await;
        let a = c.answer(false).await.unwrap();
        assert_eq!(a.status, 502, "{target}: {}", a.text());
        assert!(a.text().contains("(ref "), "{target}: {}", a.text());
        c.send(get(&gw, "/fine")).await;
        assert_eq!(
            c.answer(false).await.unwrap().text(),
            "ok",
            "after {target}"
        );
    }
    let log = gw.log();
    for why in [
        "conflicting Content-Length",
        "did not ask to upgrade",
        "head is malformed",
        "head is too large",
        "closed the connection without answering",
        "a chunk size is missing",
        "closed the connection mid-body",
    ] {
        assert!(log.contains(why), "the log says why: {why}\n{log}");
    }
    assert!(!log.contains("panicked"));
}

#[tokio::test]
async fn pipelined_requests_are_answered_in_order_and_close_is_honoured() {
    let up = ScriptedUpstream::start(|req| {
        let body = req.target().trim_start_matches('/').to_string();
        ok(&body)
    })
    .await;
    let gw = Gateway::start(|s| config(s, &up.url())).await;
    let mut c = Client::connect(gw.addr()).await;
    let host = format!("Host: localhost:{}", gw.port);
    c.send(format!(
        "GET /one HTTP/1.1\r\n{host}\r\n\r\nGET /two HTTP/1.1\r\n{host}\r\n\r\nGET /three HTTP/1.1\r\n{host}\r\nConnection: close\r\n\r\n"
    ))
    .await;
    for want in ["one", "two", "three"] {
        let a = c.answer(false).await.unwrap();
        assert_eq!(a.text(), want);
        assert_eq!(
            a.field("connection").as_deref(),
            (want == "three").then_some("close"),
            "{want}"
        );
    }
    assert!(c.closed().await, "closed after the answer that said so");
}

#[tokio::test]
async fn a_connection_handed_to_hyper_midway_keeps_serving_in_order() {
    let up = ScriptedUpstream::start(|req| {
        let body = format!("{} {}", req.target(), String::from_utf8_lossy(&req.body));
        ok(&body)
    })
    .await;
    let gw = Gateway::start(|s| config(s, &up.url())).await;
    let host = format!("Host: localhost:{}", gw.port);
    let mut c = Client::connect(gw.addr()).await;
    c.send(get(&gw, "/a")).await;
    assert_eq!(c.answer(false).await.unwrap().text(), "/a ");
    // A body in chunks is hyper's to read; it is pipelined with the next
    // request, which hyper then serves too.
    c.send(format!(
        "POST /b HTTP/1.1\r\n{host}\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\nGET /c HTTP/1.1\r\n{host}\r\n\r\n"
    ))
    .await;
    assert_eq!(c.answer(false).await.unwrap().text(), "/b abc");
    assert_eq!(c.answer(false).await.unwrap().text(), "/c ");
    // Expect: 100-continue, as curl sends it.
    c.send(format!(
        "PUT /d HTTP/1.1\r\n{host}\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"
    ))
    .await;
    let interim = c.until(b"\r\n\r\n").await;
    assert!(
        String::from_utf8_lossy(&interim).starts_with("HTTP/1.1 100 Continue"),
        "{}",
        String::from_utf8_lossy(&interim)
    );
    c.send("hello").await;
    assert_eq!(c.answer(false).await.unwrap().text(), "/d hello");
    assert_eq!(
        handed_over(&gw, "a request body in chunks"),
        1,
        "{}",
        gw.log()
    );
    assert_eq!(handed_over(&gw, ""), 1, "once per connection");

    // Each reason, on a connection of its own.
    for (request, reason) in [
        (format!("GET /e HTTP/1.0\r\n{host}\r\n\r\n"), "HTTP/1.0"),
        (
            format!("GET /.passgate/login HTTP/1.1\r\n{host}\r\n\r\n"),
            "one of passgate's pages",
        ),
        (
            format!(
                "POST /f HTTP/1.1\r\n{host}\r\nContent-Length: 70000\r\n\r\n{}",
                "x".repeat(70_000)
            ),
            "a large request body",
        ),
    ] {
        let mut c = Client::connect(gw.addr()).await;
        c.send(&request).await;
        let a = c.answer(false).await.unwrap();
        assert_eq!(a.status, 200, "{reason}: {}", a.head);
        assert_eq!(handed_over(&gw, reason), 1, "{reason}\n{}", gw.log());
    }
    assert_eq!(up.last("/f").body.len(), 70_000);
}

#[tokio::test]
async fn request_bodies_arriving_late_reach_the_upstream_whole() {
    let up = ScriptedUpstream::start(|_| {
        vec![send("HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n")]
    })
    .await;
    let gw = Gateway::start(|s| config(s, &up.url())).await;
    let body: Vec<u8> = (0..20_000u32).map(|i| (i % 251) as u8).collect();
    let mut c = Client::connect(gw.addr()).await;
    c.send(format!(
        "POST /upload HTTP/1.1\r\nHost: localhost:{}\r\nContent-Length: {}\r\n\r\n",
        gw.port,
        body.len()
    ))
    .await;
    // The body in pieces, after a pause: the request waits for all of it.
    tokio::time::sleep(Duration::from_millis(100)).await;
    for piece in body.chunks(7_000) {
        c.send(piece).await;
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
    assert_eq!(c.answer(false).await.unwrap().status, 201);
    let seen = up.last("/upload");
    assert_eq!(seen.body, body);
    assert_eq!(
        seen.fields("content-length"),
        [("content-length".to_string(), "20000".to_string())]
    );
    assert_eq!(handed_over(&gw, ""), 0, "{}", gw.log());
}

#[tokio::test]
async fn answers_stream_to_the_client_as_they_arrive() {
    let go = Arc::new(tokio::sync::Notify::new());
    let g = go.clone();
    let up = ScriptedUpstream::start(move |req| match req.target() {
        "/cl" => vec![
            send("HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\nfirst"),
            Step::Until(g.clone()),
            send(" second"),
        ],
        _ => vec![
            send("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nfirst\r\n"),
            Step::Until(g.clone()),
            send("7\r\n second\r\n0\r\n\r\n"),
        ],
    })
    .await;
    let gw = Gateway::start(|s| config(s, &up.url())).await;
    for target in ["/cl", "/chunked"] {
        let mut c = Client::connect(gw.addr()).await;
        c.send(get(&gw, target)).await;
        // The first part comes through while the upstream still holds the rest.
        let early = c.until(b"first").await;
        assert!(
            String::from_utf8_lossy(&early).contains("first"),
            "{target}: {}",
            String::from_utf8_lossy(&early)
        );
        go.notify_one();
        assert_eq!(
            c.answer(false).await.unwrap().text(),
            "first second",
            "{target}"
        );
    }
}

/// Identity comes only from passgate, its cookies never reach the upstream,
/// forwarding headers are passgate's for an untrusted client, and hop-by-hop
/// fields stop here — on passgate's own path and on hyper's alike.
#[tokio::test]
async fn security_rules_hold_on_both_serving_paths() {
    let up =
        ScriptedUpstream::start(|_| vec![send("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")])
            .await;
    let gw = Gateway::start(|s| config(s, &up.url())).await;
    let token = gw.session_for("bob@example.com", &["staff"]).await;
    let spoof = "Remote-User: admin\r\nremote_user: admin\r\nREMOTE-EMAIL: admin@example.com\r\nRemote_Groups: admins\r\nRemote-Name: Admin\r\nX-Auth-Request-User: admin\r\nx_auth_request_email: admin@example.com\r\nX-Passgate-Assertion: forged\r\nx_passgate_assertion: forged\r\n";
    let hops = "Connection: keep-alive, X-Secret-Hop\r\nX-Secret-Hop: 1\r\nKeep-Alive: timeout=5\r\nTE: trailers\r\nProxy-Authorization: Basic eDp5\r\n";
    let forwarded = "X-Forwarded-For: 6.6.6.6\r\nX-Forwarded-Host: evil.example\r\nX-Forwarded-Proto: https\r\nX-Real-IP: 6.6.6.6\r\nForwarded: for=6.6.6.6\r\n";
    let cookies = format!("Cookie: app=1; passgate_session={token}; passgate_csrf=c\r\n");
    for (path, framing, reason) in [
        ("/private/own", "Content-Length: 0\r\n\r\n", None),
        (
            "/private/hyper",
            "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            Some("a request body in chunks"),
        ),
    ] {
        let mut c = Client::connect(gw.addr()).await;
        c.send(format!(
            "POST {path} HTTP/1.1\r\nHost: localhost:{}\r\n{spoof}{hops}{forwarded}{cookies}{framing}",
            gw.port
        ))
        .await;
        let a = c.answer(false).await.unwrap();
        assert_eq!(a.status, 200, "{path}: {}", a.head);
        if let Some(reason) = reason {
            assert_eq!(handed_over(&gw, reason), 1, "{path} went through hyper");
        } else {
            assert_eq!(
                handed_over(&gw, ""),
                0,
                "{path} was served by passgate itself"
            );
        }
        let seen = up.last(path);
        let one = |name: &str| -> String {
            let f = seen.fields(name);
            assert_eq!(f.len(), 1, "{path}: {name} exactly once: {}", seen.head);
            f[0].1.clone()
        };
        assert_eq!(one("remote-user"), "bob@example.com", "{path}");
        assert_eq!(one("remote-email"), "bob@example.com", "{path}");
        assert_eq!(one("remote-groups"), "staff", "{path}");
        assert_ne!(one("x-passgate-assertion"), "forged", "{path}");
        for name in seen.names() {
            let n = name.to_ascii_lowercase();
            assert!(
                !n.contains('_')
                    || !(n.starts_with("remote")
                        || n.starts_with("x_auth")
                        || n.starts_with("x_passgate")),
                "{path}: client spelling {name} reached the upstream"
            );
        }
        assert!(
            seen.fields("x-auth-request-user").is_empty(),
            "{path}: {}",
            seen.head
        );
        assert_eq!(
            one("cookie"),
            "app=1",
            "{path}: passgate's cookies stripped"
        );
        assert!(
            !seen.head.contains(&token),
            "{path}: the session token never reaches the app"
        );
        assert_eq!(one("x-forwarded-for"), "127.0.0.1", "{path}");
        assert_eq!(one("x-real-ip"), "127.0.0.1", "{path}");
        assert_eq!(one("x-forwarded-proto"), "http", "{path}");
        assert_eq!(
            one("x-forwarded-host"),
            format!("localhost:{}", gw.port),
            "{path}"
        );
        for gone in [
            "forwarded",
            "x-secret-hop",
            "keep-alive",
            "te",
            "proxy-authorization",
        ] {
            assert!(
                seen.fields(gone).is_empty(),
                "{path}: {gone} reached the upstream: {}",
                seen.head
            );
        }
    }
}

/// SIGTERM: an idle kept-alive connection is closed at once; the answer in
/// flight still comes, says it is the last, and its connection then ends.
#[tokio::test]
async fn an_answer_in_flight_at_shutdown_says_it_is_the_last() {
    let go = Arc::new(tokio::sync::Notify::new());
    let g = go.clone();
    let up = ScriptedUpstream::start(move |req| match req.target() {
        "/held" => vec![
            Step::Until(g.clone()),
            send("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nheld"),
        ],
        _ => vec![send("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")],
    })
    .await;
    let mut gw = Gateway::start(|s| config(s, &up.url())).await;
    let mut idle = Client::connect(gw.addr()).await;
    idle.send(get(&gw, "/first")).await;
    assert_eq!(idle.answer(false).await.unwrap().text(), "ok");
    let mut busy = Client::connect(gw.addr()).await;
    busy.send(get(&gw, "/held")).await;
    for _ in 0..100 {
        if up.seen().iter().any(|s| s.target() == "/held") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    gw.signal("TERM");
    assert!(idle.closed().await, "the idle connection is closed");
    go.notify_one();
    let a = busy.answer(false).await.unwrap();
    assert_eq!(a.text(), "held");
    assert_eq!(
        a.field("connection").as_deref(),
        Some("close"),
        "{}",
        a.head
    );
    assert!(busy.closed().await);
    assert_eq!(gw.wait_exit(Duration::from_secs(10)).await, Some(0));
}

/// A small body that takes longer than the header limit to arrive is not
/// cut off: hyper takes the connection over and streams the rest.
#[tokio::test]
async fn a_body_slower_than_the_header_limit_still_arrives_whole() {
    let up = ScriptedUpstream::start(|req| {
        let body = String::from_utf8_lossy(&req.body).to_string();
        ok(&body)
    })
    .await;
    let gw = Gateway::start(|s| config(s, &up.url())).await;
    let mut c = Client::connect(gw.addr()).await;
    c.send(format!(
        "POST /slow HTTP/1.1\r\nHost: localhost:{}\r\nContent-Length: 10\r\n\r\nfirst",
        gw.port
    ))
    .await;
    tokio::time::sleep(Duration::from_secs(32)).await;
    c.send("-last").await;
    let a = c.answer(false).await.unwrap();
    assert_eq!((a.status, a.text().as_str()), (200, "first-last"));
    assert_eq!(handed_over(&gw, "a slow request body"), 1, "{}", gw.log());
}
