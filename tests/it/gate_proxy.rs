//! The gate in reverse-proxy mode, against the real binary and a real
//! upstream: decisions, identity, header hygiene, streaming, HTTP/2, TLS,
//! WebSocket, upstream failures, shutdown and reload.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::result_large_err
)]

use std::time::Duration;

use crate::common::gateway::{Gateway, Setup, Upstream, client, raw, raw_get};
use serde_json::Value;

fn routes(up: &str) -> String {
    format!(
        r#"
[[route]]
host = "localhost"
path = "/public"
upstream = "{up}"
policy = "public"

[[route]]
host = "localhost"
path = "/admin"
upstream = "{up}"
groups = ["admins"]

[[route]]
host = "localhost"
path = "/closed"
upstream = "{up}"
policy = "deny"

[[route]]
host = "localhost"
path = "/team"
upstream = "{up}"
emails = ["*@example.com"]

[[route]]
host = "localhost"
path = "/"
upstream = "{up}"
"#
    )
}

/// Trusted proxies exclude the test's own address, so the test is a client.
/// One public rule for `localhost`, in front of `up`.
fn public_route(up: &str) -> String {
    format!("[[route]]\nhost = \"localhost\"\nupstream = \"{up}\"\npolicy = \"public\"\n")
}

fn as_client(s: &Setup, up: &str) -> String {
    s.config("trusted_proxies = [\"10.255.255.1/32\"]", &routes(up))
}

async fn echo(resp: reqwest::Response) -> Value {
    assert_eq!(resp.status(), 200, "expected the upstream's answer");
    resp.json().await.unwrap()
}

fn header<'a>(v: &'a Value, name: &str) -> Option<&'a str> {
    v["headers"][name]
        .as_array()
        .and_then(|a| a.first())
        .and_then(|s| s.as_str())
}

fn cookie(token: &str) -> String {
    format!("passgate_session={token}")
}

#[tokio::test]
async fn signed_out_browsers_are_redirected_and_api_clients_get_401() {
    let up = Upstream::start().await;
    let gw = Gateway::start(|s| as_client(s, &up.url())).await;
    let c = client();

    let r = c
        .get(gw.url("/app/page?x=1"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302);
    let loc = r.headers()["location"].to_str().unwrap();
    assert_eq!(
        loc,
        format!(
            "{}/.passgate/login?rd=http%3A%2F%2Flocalhost%3A{}%2Fapp%2Fpage%3Fx%3D1",
            gw.origin(),
            gw.port
        )
    );

    let r = c
        .post(gw.url("/app/form"))
        .header("accept", "text/html")
        .body("a=1")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "non-GET browsers get 303");

    let r = c
        .get(gw.url("/api/x"))
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let challenge = r.headers()["www-authenticate"].to_str().unwrap();
    assert!(
        challenge.contains(&format!("{}/.passgate/login", gw.origin())),
        "{challenge}"
    );

    let r = c
        .get(gw.url("/x"))
        .header("accept", "text/html")
        .header("x-requested-with", "XMLHttpRequest")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "XHR is not a navigation");

    // A public route passes with empty identity headers.
    let v = echo(c.get(gw.url("/public/page")).send().await.unwrap()).await;
    assert_eq!(header(&v, "remote-user"), Some(""));
    assert_eq!(header(&v, "remote-email"), Some(""));
    assert!(
        header(&v, "x-passgate-assertion").is_none(),
        "no assertion without a session"
    );
}

#[tokio::test]
async fn signed_in_requests_reach_the_upstream_with_identity_and_a_verifiable_assertion() {
    let up = Upstream::start().await;
    let gw = Gateway::start(|s| as_client(s, &up.url())).await;
    let token = gw.session_for("alice@example.com", &["dev", "ops"]).await;
    let c = client();
    let r = c
        .get(gw.url("/some/page?q=1"))
        .header("cookie", format!("theme=dark; {}; other=2", cookie(&token)))
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    let v = echo(r).await;
    assert_eq!(v["path"], "/some/page");
    assert_eq!(v["query"], "q=1");
    assert_eq!(header(&v, "remote-user"), Some("alice@example.com"));
    assert_eq!(header(&v, "remote-email"), Some("alice@example.com"));
    assert_eq!(header(&v, "remote-name"), Some("Test alice"));
    assert_eq!(header(&v, "remote-groups"), Some("dev,ops"));
    assert!(
        header(&v, "x-auth-request-user").is_none(),
        "identity.headers = remote"
    );
    assert_eq!(
        header(&v, "cookie"),
        Some("theme=dark; other=2"),
        "passgate's cookie never reaches the upstream"
    );
    assert_eq!(header(&v, "x-forwarded-for"), Some("127.0.0.1"));
    assert_eq!(header(&v, "x-forwarded-proto"), Some("http"));
    assert_eq!(
        header(&v, "x-forwarded-host"),
        Some(format!("localhost:{}", gw.port).as_str())
    );
    assert_eq!(
        header(&v, "host"),
        Some(format!("localhost:{}", gw.port).as_str()),
        "the Host header is preserved"
    );
    assert!(header(&v, "x-request-id").is_some_and(|id| !id.is_empty()));

    let jwt = header(&v, "x-passgate-assertion").expect("assertion");
    let jwks = c
        .get(gw.url("/.passgate/jwks.json"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let now = passgate::clock::Clock::now(&passgate::clock::SystemClock);
    let claims =
        passgate::identity::verify(jwt, &jwks, now).expect("assertion verifies against the JWKS");
    assert_eq!(claims.iss, gw.origin());
    assert_eq!(claims.aud, gw.origin());
    assert_eq!(claims.email, "alice@example.com");
    assert_eq!(claims.groups, vec!["dev", "ops"]);
    assert_eq!(claims.amr, vec!["webauthn"]);
    assert!(claims.exp - claims.iat <= 300);
    // The session was started by this test: its sign-in time, not the
    // assertion's.
    let started = gw
        .sessions()
        .await
        .validate(&token)
        .await
        .unwrap()
        .unwrap()
        .record
        .created_at;
    assert_eq!(claims.auth_time, started);
    assert!(claims.auth_time <= claims.iat);
    let user = gw
        .store()
        .await
        .find_user_by_email("alice@example.com")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(claims.sub, user.id);

    // The same session gets the cached assertion on the next request.
    let v2 = echo(
        c.get(gw.url("/again"))
            .header("cookie", cookie(&token))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(header(&v2, "x-passgate-assertion"), Some(jwt));

    // whoami agrees.
    let who: Value = c
        .get(gw.url("/.passgate/whoami"))
        .header("cookie", cookie(&token))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(who["email"], "alice@example.com");
    assert_eq!(who["groups"], serde_json::json!(["dev", "ops"]));
    assert_eq!(
        c.get(gw.url("/.passgate/whoami"))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
}

#[tokio::test]
async fn spoofed_identity_headers_never_reach_the_upstream() {
    let up = Upstream::start().await;
    let gw = Gateway::start(|s| as_client(s, &up.url())).await;
    let token = gw.session_for("bob@example.com", &[]).await;
    let spoof = "Remote-User: admin\r\nremote_user: admin\r\nREMOTE-EMAIL: admin@example.com\r\nRemote_Groups: admins\r\nRemote-Name: Admin\r\nX-Auth-Request-User: admin\r\nx_auth_request_email: admin@example.com\r\nX-Passgate-Assertion: forged\r\nx_passgate_assertion: forged\r\n";
    for (path, who) in [("/public/x", ""), ("/private", "bob@example.com")] {
        let extra = if who.is_empty() {
            spoof.to_string()
        } else {
            format!("{spoof}Cookie: {}\r\n", cookie(&token))
        };
        let (status, text) =
            raw_get(gw.addr(), &format!("localhost:{}", gw.port), path, &extra).await;
        assert_eq!(status, 200, "{text}");
        let body = text.split("\r\n\r\n").nth(1).unwrap();
        let v: Value = serde_json::from_str(body).unwrap();
        let names: Vec<&String> = v["headers"].as_object().unwrap().keys().collect();
        for n in &names {
            let lower = n.to_ascii_lowercase().replace('_', "-");
            if lower.starts_with("remote-")
                || lower.starts_with("x-auth-request-")
                || lower == "x-passgate-assertion"
            {
                let vals = v["headers"][n.as_str()].as_array().unwrap();
                assert_eq!(vals.len(), 1, "{n} must be set exactly once, by passgate");
                assert!(
                    n.as_str() == n.to_ascii_lowercase().replace('_', "-"),
                    "client spelling {n} must be removed"
                );
            }
        }
        assert_eq!(header(&v, "remote-user"), Some(who));
        assert_ne!(header(&v, "x-passgate-assertion"), Some("forged"));
    }
}

#[tokio::test]
async fn groups_emails_and_deny_rules_refuse_with_a_page_that_says_who_you_are() {
    let up = Upstream::start().await;
    let gw = Gateway::start(|s| as_client(s, &up.url())).await;
    let dev = gw.session_for("dev@other.org", &["dev"]).await;
    let admin = gw.session_for("root@example.com", &["admins"]).await;
    let c = client();

    let r = c
        .get(gw.url("/admin/x"))
        .header("cookie", cookie(&dev))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(r.headers()["x-frame-options"], "DENY");
    assert!(
        r.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("script-src 'self'")
    );
    let page = r.text().await.unwrap();
    assert!(
        page.contains("dev@other.org"),
        "the 403 page says who you are"
    );
    assert!(page.contains("Sign in as someone else"));
    assert!(page.contains("/.passgate/logout?rd="));

    let r = c
        .get(gw.url("/admin/x"))
        .header("cookie", cookie(&dev))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert!(
        r.text().await.unwrap().starts_with("403 Forbidden"),
        "API clients get plain text"
    );

    echo(
        c.get(gw.url("/admin/x"))
            .header("cookie", cookie(&admin))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        c.get(gw.url("/team/x"))
            .header("cookie", cookie(&dev))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    echo(
        c.get(gw.url("/team/x"))
            .header("cookie", cookie(&admin))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        c.get(gw.url("/closed"))
            .header("cookie", cookie(&admin))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    assert_eq!(
        c.get(gw.url("/closed")).send().await.unwrap().status(),
        403,
        "deny does not ask anyone to sign in"
    );

    // Sign-in pages on another host send people to the portal (cookies and
    // Origin checks belong to the portal); a POST there is refused.
    let (status, text) = raw_get(
        gw.addr(),
        "elsewhere.example.net",
        "/.passgate/login?rd=%2Fx",
        "",
    )
    .await;
    assert_eq!(status, 303, "{text}");
    assert!(
        text.contains(&format!(
            "location: {}/.passgate/login?rd=%2Fx",
            gw.origin()
        )),
        "{text}"
    );
    let (status, _) = raw(
        gw.addr(),
        b"POST /.passgate/email/start HTTP/1.1\r\nHost: elsewhere.example.net\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert_eq!(status, 403);
    // No rule for this host: denied.
    let (status, _) = raw_get(gw.addr(), "elsewhere.example.net", "/", "").await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn bad_input_gets_a_4xx_never_a_pass() {
    let up = Upstream::start().await;
    let gw = Gateway::start(|s| as_client(s, &up.url())).await;
    let host = format!("localhost:{}", gw.port);
    let admin = gw.session_for("a@example.com", &[]).await;
    let ck = format!("Cookie: {}\r\n", cookie(&admin));
    // Normalisation attacks on /admin (groups = admins; this user is not in it).
    for (target, want) in [
        ("/admin", 403),
        ("/%61dmin", 403),
        ("/admin/./x", 403),
        // Dot segments that change the rule: refused, as apps that route
        // on the raw path read them otherwise.
        ("/x/../admin", 400),
        ("/public/../admin", 400),
        ("/public/%2e%2e/admin", 400),
        ("/admin/../public/x", 400),
        ("/public/..%2Fadmin", 400),
        ("/public/..%5Cadmin", 400),
        ("/public/..;/admin", 400),
        ("/public/%252e%252e/admin", 400),
        ("//admin", 400),
        ("/admin%00", 400),
        ("/a%zz", 400),
    ] {
        let (status, text) = raw_get(gw.addr(), &host, target, &ck).await;
        assert_eq!(status, want, "{target}: {text}");
        if want == 400 {
            assert!(
                !text.contains("\"path\""),
                "{target} must not reach the upstream"
            );
        }
    }
    // Garbage cookies are just "not signed in".
    for bad in [
        "passgate_session=",
        "passgate_session=%%%",
        "passgate_session=AAAA",
        "passgate_session",
    ] {
        let (status, _) =
            raw_get(gw.addr(), &host, "/private", &format!("Cookie: {bad}\r\n")).await;
        assert_eq!(status, 401, "{bad}");
    }
    // Host trouble.
    assert_eq!(raw_get(gw.addr(), "bad host!", "/", "").await.0, 400);
    assert_eq!(
        raw(gw.addr(), b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n")
            .await
            .0,
        400,
        "no Host"
    );
    let (status, _) = raw(
        gw.addr(),
        format!("GET / HTTP/1.1\r\nHost: {host}\r\nHost: other\r\nConnection: close\r\n\r\n")
            .as_bytes(),
    )
    .await;
    assert_eq!(status, 400, "two Host headers");
    let (status, _) = raw(
        gw.addr(),
        format!("GET http://evil.example/ HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n")
            .as_bytes(),
    )
    .await;
    assert_eq!(status, 400, "absolute-form target disagreeing with Host");
    // Oversized headers.
    let big = format!("X-Big: {}\r\n", "a".repeat(100_000));
    let (status, _) = raw_get(gw.addr(), &host, "/public/x", &big).await;
    assert!(
        status == 431 || status == 400,
        "oversized headers: {status}"
    );
    // Garbage X-Forwarded-Proto from an untrusted client is ignored, not believed.
    let v = raw_get(
        gw.addr(),
        &host,
        "/public/x",
        "X-Forwarded-Proto: gopher\r\nX-Forwarded-For: 6.6.6.6\r\n",
    )
    .await;
    assert_eq!(v.0, 200);
    assert!(
        v.1.contains("\"x-forwarded-for\":[\"127.0.0.1\"]"),
        "{}",
        v.1
    );
    assert!(v.1.contains("\"x-forwarded-proto\":[\"http\"]"), "{}", v.1);
    // Nothing above made the gateway log a panic or answer 500.
    assert!(!gw.log().contains("panicked"));
}

#[tokio::test]
async fn forwarding_headers_from_trusted_proxies_are_extended() {
    let up = Upstream::start().await;
    let gw = Gateway::start(|s| s.config("", &routes(&up.url()))).await;
    let host = format!("localhost:{}", gw.port);
    let (status, text) = raw_get(gw.addr(), &host, "/public/x", "X-Forwarded-For: 203.0.113.7\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Host: app.example.com\r\n").await;
    assert_eq!(status, 200, "{text}");
    assert!(
        text.contains("\"x-forwarded-for\":[\"203.0.113.7, 127.0.0.1\"]"),
        "{text}"
    );
    assert!(text.contains("\"x-forwarded-proto\":[\"https\"]"), "{text}");
    assert!(
        text.contains("\"x-forwarded-host\":[\"app.example.com\"]"),
        "{text}"
    );
}

#[tokio::test]
async fn hop_by_hop_headers_are_not_forwarded() {
    let up = Upstream::start().await;
    let gw = Gateway::start(|s| as_client(s, &up.url())).await;
    let host = format!("localhost:{}", gw.port);
    let (status, text) = raw_get(gw.addr(), &host, "/public/x", "Connection: close, X-Hop\r\nX-Hop: secret\r\nKeep-Alive: timeout=5\r\nTE: trailers\r\nProxy-Authorization: Basic eA==\r\nX-Kept: yes\r\n").await;
    assert_eq!(status, 200);
    assert!(!text.contains("x-hop"), "{text}");
    assert!(!text.contains("proxy-authorization"), "{text}");
    assert!(!text.contains("\"te\""), "{text}");
    assert!(text.contains("\"x-kept\":[\"yes\"]"), "{text}");
}

#[tokio::test]
async fn upstream_down_is_a_502_and_slow_is_a_504() {
    let dead = format!("http://127.0.0.1:{}", crate::common::gateway::free_port());
    let up = Upstream::start().await;
    let gw = Gateway::start(|s| {
        s.config(
            "",
            &format!(
                "[[route]]\nhost = \"localhost\"\npath = \"/dead\"\nupstream = \"{dead}\"\npolicy = \"public\"\n\n[[route]]\nhost = \"localhost\"\nupstream = \"{}\"\npolicy = \"public\"\n",
                up.url()
            ),
        )
    })
    .await;
    let c = client();
    let r = c
        .get(gw.url("/dead"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 502);
    let rid = r.headers()["x-request-id"].to_str().unwrap().to_string();
    let page = r.text().await.unwrap();
    assert!(page.contains("not reachable"), "{page}");
    assert!(page.contains(&rid), "the page quotes the reference");
    assert!(
        !page.contains("127.0.0.1"),
        "no internal detail on the page"
    );
    let r = c.get(gw.url("/dead")).send().await.unwrap();
    assert_eq!(r.status(), 502);
    assert!(r.text().await.unwrap().starts_with("502"));
    assert!(
        gw.log().contains(&rid),
        "the log has the detail under the same reference"
    );

    let started = std::time::Instant::now();
    let r = c.get(gw.url("/__slow?ms=6000")).send().await.unwrap();
    assert_eq!(r.status(), 504);
    assert!(
        started.elapsed() < Duration::from_secs(6),
        "answered at the timeout, not when the upstream finished"
    );
    // Upstream status codes pass through unchanged.
    assert_eq!(
        c.get(gw.url("/__status?code=503"))
            .send()
            .await
            .unwrap()
            .status(),
        503
    );
}

/// The upstream timeout is kept per client connection (one timer, re-armed
/// when it fires). Each request on a kept-alive connection still gets the
/// whole timeout: not what was left of an earlier request's, and not
/// none after a timeout.
#[tokio::test]
async fn every_request_on_a_kept_alive_connection_gets_its_whole_upstream_timeout() {
    let up = Upstream::start().await;
    let gw = Gateway::start(|s| s.config("", &public_route(&up.url()))).await;
    // One connection, reused for every request (upstream_timeout = 3s in
    // the test configuration).
    let one = reqwest::Client::builder()
        .pool_max_idle_per_host(1)
        .build()
        .unwrap();
    for round in 0..2 {
        let r = one.get(gw.url("/__status?code=200")).send().await.unwrap();
        assert_eq!(r.status(), 200, "round {round}");
        r.bytes().await.unwrap();
        // Half the timeout later, a request the upstream is slow to answer.
        tokio::time::sleep(Duration::from_millis(1500)).await;
        let started = std::time::Instant::now();
        let r = one.get(gw.url("/__slow?ms=8000")).send().await.unwrap();
        let took = started.elapsed();
        assert_eq!(r.status(), 504, "round {round}");
        r.bytes().await.unwrap();
        assert!(
            took >= Duration::from_millis(2900),
            "round {round}: the slow request was cut off after {took:?}, before its own 3 s"
        );
        assert!(
            took < Duration::from_secs(7),
            "round {round}: answered after {took:?}, long after the timeout"
        );
    }
    let r = one.get(gw.url("/__status?code=200")).send().await.unwrap();
    assert_eq!(r.status(), 200, "the connection serves on after a timeout");
}

#[tokio::test]
async fn large_bodies_stream_both_ways_with_flat_memory() {
    let up = Upstream::start().await;
    let gw = Gateway::start(|s| s.config("", &public_route(&up.url()))).await;
    let c = client();
    let baseline = gw.rss_kib();
    // 1 GiB down.
    let mut r = c
        .get(gw.url("/__download?bytes=1073741824"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let mut total: u64 = 0;
    let mut peak = 0;
    while let Some(chunk) = r.chunk().await.unwrap() {
        total += chunk.len() as u64;
        if total % (64 << 20) < chunk.len() as u64 {
            peak = peak.max(gw.rss_kib());
        }
    }
    assert_eq!(total, 1 << 30);
    // 200 MiB up, produced as a stream (never in memory here either).
    let chunk = bytes::Bytes::from(vec![b'u'; 1 << 20]);
    let stream =
        futures_util::stream::iter((0..200).map(move |_| Ok::<_, std::io::Error>(chunk.clone())));
    let r = c
        .post(gw.url("/__upload"))
        .body(reqwest::Body::wrap_stream(stream))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["bytes"], 200u64 << 20);
    peak = peak.max(gw.rss_kib());
    eprintln!("gateway RSS: baseline {baseline} KiB, peak while streaming {peak} KiB");
    assert!(
        peak < baseline + 64 * 1024,
        "memory must stay flat while streaming (baseline {baseline} KiB, peak {peak} KiB)"
    );
}

#[tokio::test]
async fn http2_cleartext_clients_are_served() {
    let up = Upstream::start().await;
    let gw = Gateway::start(|s| as_client(s, &up.url())).await;
    let token = gw.session_for("h2@example.com", &[]).await;
    let c = reqwest::Client::builder()
        .http2_prior_knowledge()
        .build()
        .unwrap();
    let r = c
        .get(gw.url("/h2"))
        .header("cookie", cookie(&token))
        .send()
        .await
        .unwrap();
    assert_eq!(r.version(), reqwest::Version::HTTP_2);
    let v = echo(r).await;
    assert_eq!(header(&v, "remote-email"), Some("h2@example.com"));
    assert_eq!(
        v["version"], "HTTP/1.1",
        "the upstream is spoken to in HTTP/1.1"
    );
    // HTTP/2 splits cookies into several headers; ours is still found and removed.
    let r = c
        .get(gw.url("/h2"))
        .header("cookie", "a=1")
        .header("cookie", cookie(&token))
        .header("cookie", "b=2")
        .send()
        .await
        .unwrap();
    let v = echo(r).await;
    assert_eq!(header(&v, "remote-email"), Some("h2@example.com"));
    assert_eq!(header(&v, "cookie"), Some("a=1; b=2"));
}

/// A self-signed certificate for localhost, written as `c.pem` and
/// `k.pem` in the folder returned with it.
fn tls_files() -> (rcgen::CertifiedKey<rcgen::KeyPair>, tempfile::TempDir) {
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("c.pem"), cert.cert.pem()).unwrap();
    std::fs::write(dir.path().join("k.pem"), cert.signing_key.serialize_pem()).unwrap();
    (cert, dir)
}

#[tokio::test]
async fn tls_with_alpn_serves_http2_and_http1() {
    let up = Upstream::start().await;
    let (_, dir) = tls_files();
    let d = dir.path().to_path_buf();
    let gw = Gateway::start(|s| {
        s.config(
            &format!(
                "tls_cert_file = \"{}/c.pem\"\ntls_key_file = \"{}/k.pem\"",
                d.display(),
                d.display()
            ),
            &format!(
                "[[route]]\nhost = \"localhost\"\nupstream = \"{}\"\n",
                up.url()
            ),
        )
        .replace("public_url = \"http://", "public_url = \"https://")
    })
    .await;
    let token = gw.session_for("tls@example.com", &[]).await;
    let url = format!("https://localhost:{}/secure", gw.port);
    for (c, want) in [
        (
            reqwest::Client::builder()
                .danger_accept_invalid_certs(true)
                .build()
                .unwrap(),
            reqwest::Version::HTTP_2,
        ),
        (
            reqwest::Client::builder()
                .danger_accept_invalid_certs(true)
                .http1_only()
                .build()
                .unwrap(),
            reqwest::Version::HTTP_11,
        ),
    ] {
        let r = c
            .get(&url)
            .header("cookie", format!("__Host-passgate={token}"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.version(), want);
        let v = echo(r).await;
        assert_eq!(header(&v, "remote-email"), Some("tls@example.com"));
        assert_eq!(header(&v, "x-forwarded-proto"), Some("https"));
        let jwt = header(&v, "x-passgate-assertion").unwrap();
        let claims: Value = serde_json::from_slice(
            &base64::Engine::decode(
                &base64::engine::general_purpose::URL_SAFE_NO_PAD,
                jwt.split('.').nth(1).unwrap(),
            )
            .unwrap(),
        )
        .unwrap();
        assert_eq!(claims["aud"], format!("https://localhost:{}", gw.port));
    }
    // On https without cookie_domain the cookie is __Host-passgate; the other name is not accepted.
    let c = reqwest::Client::builder()
        .danger_accept_invalid_certs(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = c
        .get(&url)
        .header("cookie", cookie(&token))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    // HTTP/1.1 over TLS is served by passgate's own loop, like plain
    // connections: nothing above went to hyper's HTTP/1 server, and one of
    // passgate's pages does (the loop's hand-over rules hold over TLS).
    assert_eq!(
        gw.log().matches("handed to hyper").count(),
        0,
        "{}",
        gw.log()
    );
    let h1 = reqwest::Client::builder()
        .danger_accept_invalid_certs(true)
        .http1_only()
        .build()
        .unwrap();
    let r = h1
        .get(format!("https://localhost:{}/.passgate/login", gw.port))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        gw.log()
            .lines()
            .any(|l| l.contains("handed to hyper")
                && l.contains("reason=\"one of passgate's pages\"")),
        "{}",
        gw.log()
    );
}

/// TLS sessions resume without a full handshake (stateless tickets), in
/// TLS 1.3 and 1.2.
#[tokio::test]
async fn tls_sessions_resume() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (cert, dir) = tls_files();
    let d = dir.path().to_path_buf();
    let gw = Gateway::start(|s| {
        s.config(
            &format!(
                "tls_cert_file = \"{}/c.pem\"\ntls_key_file = \"{}/k.pem\"",
                d.display(),
                d.display()
            ),
            "[[route]]\nhost = \"localhost\"\nupstream = \"http://127.0.0.1:9\"\n",
        )
    })
    .await;
    let mut roots = rustls::RootCertStore::empty();
    roots.add(cert.cert.der().clone()).unwrap();
    for version in [&rustls::version::TLS13, &rustls::version::TLS12] {
        let config = rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_protocol_versions(&[version])
        .unwrap()
        .with_root_certificates(roots.clone())
        .with_no_client_auth();
        let connector = tokio_rustls::TlsConnector::from(std::sync::Arc::new(config));
        let mut kinds = Vec::new();
        for _ in 0..2 {
            let tcp = tokio::net::TcpStream::connect(gw.addr()).await.unwrap();
            let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
            let mut tls = connector.connect(name, tcp).await.unwrap();
            kinds.push(tls.get_ref().1.handshake_kind());
            // Read the answer (and with it the session ticket).
            tls.write_all(
                b"GET /.passgate/health/live HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
            )
            .await
            .unwrap();
            let mut answer = Vec::new();
            let _ = tls.read_to_end(&mut answer).await;
            assert!(answer.starts_with(b"HTTP/1.1 200"), "{version:?}");
        }
        assert_eq!(
            kinds,
            [
                Some(rustls::HandshakeKind::Full),
                Some(rustls::HandshakeKind::Resumed)
            ],
            "{version:?}"
        );
    }
}

/// An HTTP/2 connection that starts no request for the idle limit (30 s,
/// as an HTTP/1 connection between requests) is told to go and closed;
/// before, an idle HTTP/2 connection was held as long as its client liked
/// (found by an attack on the TLS layer).
#[tokio::test]
async fn idle_http2_connections_are_told_to_go() {
    let up = Upstream::start().await;
    let gw = Gateway::start(|s| {
        s.config(
            "",
            &format!(
                "[[route]]\nhost = \"localhost\"\npolicy = \"public\"\nupstream = \"{}\"\n",
                up.url()
            ),
        )
    })
    .await;
    let tcp = tokio::net::TcpStream::connect(gw.addr()).await.unwrap();
    let (mut send, conn) = hyper::client::conn::http2::handshake(
        hyper_util::rt::TokioExecutor::new(),
        hyper_util::rt::TokioIo::new(tcp),
    )
    .await
    .unwrap();
    let conn = tokio::spawn(conn);
    let req = http::Request::get(format!("http://localhost:{}/x", gw.port))
        .body(http_body_util::Empty::<bytes::Bytes>::new())
        .unwrap();
    let r = send.send_request(req).await.unwrap();
    assert_eq!(r.status(), 200);
    let idle_from = std::time::Instant::now();
    let ended = tokio::time::timeout(std::time::Duration::from_secs(60), conn)
        .await
        .expect("the idle connection is told to go");
    assert!(ended.unwrap().is_ok(), "a clean end (GOAWAY), not an error");
    assert!(
        idle_from.elapsed() >= std::time::Duration::from_secs(25),
        "not before the idle limit: {:?}",
        idle_from.elapsed()
    );
}

/// A connection passgate closes over TLS ends with a close_notify, on both
/// serving paths: without it a client cannot tell an answer delimited by
/// the close from one cut short (rustls reports an unexpected end).
#[tokio::test]
async fn tls_connections_end_with_a_close_notify() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (cert, dir) = tls_files();
    let d = dir.path().to_path_buf();
    let mut roots = rustls::RootCertStore::empty();
    roots.add(cert.cert.der().clone()).unwrap();
    let config = rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(std::sync::Arc::new(config));
    for server in ["", "http1_loop = false"] {
        let gw = Gateway::start(|s| {
            s.config(
                &format!(
                    "tls_cert_file = \"{}/c.pem\"\ntls_key_file = \"{}/k.pem\"\n{server}",
                    d.display(),
                    d.display()
                ),
                "[[route]]\nhost = \"localhost\"\nupstream = \"http://127.0.0.1:9\"\n",
            )
        })
        .await;
        // Closed after an answer the client asked to be the last, and
        // closed by a request passgate refuses (it ends the connection).
        for request in [
            &b"GET /.passgate/health/live HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"[..],
            &b"GET /.passgate/health/live HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"[..],
        ] {
            let tcp = tokio::net::TcpStream::connect(gw.addr()).await.unwrap();
            let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
            let mut tls = connector.connect(name, tcp).await.unwrap();
            tls.write_all(request).await.unwrap();
            let mut answer = Vec::new();
            let end = tokio::time::timeout(
                std::time::Duration::from_secs(5),
                tls.read_to_end(&mut answer),
            )
            .await
            .expect("passgate closes the connection");
            assert!(answer.starts_with(b"HTTP/1.1 "), "{server:?}: {answer:?}");
            assert!(
                end.is_ok(),
                "{server:?}: {:?} after {:?}",
                end,
                String::from_utf8_lossy(&answer[..answer.len().min(40)])
            );
        }
    }
}

/// What rustls has to say while passgate's loop waits for the rest of a
/// request goes out at once: a TLS 1.2 client that asks to renegotiate in
/// the middle of a head hears rustls's refusal, rather than waiting for
/// the header timeout (an attack on the TLS loop found it held back until
/// the next answer).
#[tokio::test]
async fn tls_alerts_go_out_while_a_request_is_awaited() {
    use std::io::{Read, Write};
    use std::process::{Command, Stdio};
    let (_, dir) = tls_files();
    let d = dir.path().to_path_buf();
    for server in ["", "http1_loop = false"] {
        let gw = Gateway::start(|s| {
            s.config(
                &format!(
                    "{server}\ntls_cert_file = \"{}/c.pem\"\ntls_key_file = \"{}/k.pem\"",
                    d.display(),
                    d.display()
                ),
                "[[route]]\nhost = \"localhost\"\npolicy = \"public\"\nupstream = \"http://127.0.0.1:9\"\n",
            )
        })
        .await;
        let port = gw.port;
        let heard = tokio::task::spawn_blocking(move || {
            let mut c = Command::new("openssl")
                .args([
                    "s_client", "-tls1_2", "-alpn", "http/1.1", "-crlf", "-connect",
                ])
                .arg(format!("127.0.0.1:{port}"))
                .args(["-servername", "localhost"])
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("openssl (scripts/test installs it)");
            let mut stdin = c.stdin.take().unwrap();
            std::thread::sleep(Duration::from_millis(800));
            stdin
                .write_all(b"GET /x HTTP/1.1\nHost: localhost\n")
                .unwrap();
            std::thread::sleep(Duration::from_millis(300));
            // s_client's command for renegotiation.
            stdin.write_all(b"R\n").unwrap();
            std::thread::sleep(Duration::from_secs(3));
            let _ = c.kill();
            let _ = c.wait();
            let mut all = String::new();
            let _ = c.stdout.take().unwrap().read_to_string(&mut all);
            let _ = c.stderr.take().unwrap().read_to_string(&mut all);
            all
        })
        .await
        .unwrap();
        assert!(
            heard.to_ascii_lowercase().contains("no renegotiation"),
            "{server:?}: the refusal did not arrive within 3 s:\n{heard}"
        );
    }
}

#[tokio::test]
async fn websockets_pass_through_with_identity() {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;

    // A WebSocket echo upstream that also reports the identity it was given.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let ws_addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((s, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut who = String::new();
                let cb = |req: &tokio_tungstenite::tungstenite::handshake::server::Request,
                          resp| {
                    who = req
                        .headers()
                        .get("remote-email")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("")
                        .to_string();
                    Ok(resp)
                };
                let mut ws = tokio_tungstenite::accept_hdr_async(s, cb).await.unwrap();
                ws.send(Message::text(format!("hello {who}")))
                    .await
                    .unwrap();
                while let Some(Ok(m)) = ws.next().await {
                    if m.is_text() || m.is_binary() {
                        ws.send(m).await.unwrap();
                    }
                }
            });
        }
    });
    let gw = Gateway::start(|s| {
        s.config(
            "",
            &format!("[[route]]\nhost = \"localhost\"\nupstream = \"http://{ws_addr}\"\n"),
        )
    })
    .await;
    let token = gw.session_for("ws@example.com", &[]).await;

    let mut req = format!("ws://localhost:{}/socket", gw.port)
        .into_client_request()
        .unwrap();
    req.headers_mut()
        .insert("cookie", cookie(&token).parse().unwrap());
    let (mut ws, resp) = tokio_tungstenite::connect_async(req).await.unwrap();
    assert_eq!(resp.status(), 101);
    assert_eq!(
        ws.next().await.unwrap().unwrap(),
        Message::text("hello ws@example.com")
    );
    for i in 0..50 {
        ws.send(Message::text(format!("m{i}"))).await.unwrap();
        assert_eq!(
            ws.next().await.unwrap().unwrap(),
            Message::text(format!("m{i}"))
        );
    }
    ws.send(Message::binary(vec![7u8; 100_000])).await.unwrap();
    assert_eq!(
        ws.next().await.unwrap().unwrap(),
        Message::binary(vec![7u8; 100_000])
    );

    // Without a session the upgrade is refused before reaching the upstream.
    let req = format!("ws://localhost:{}/socket", gw.port)
        .into_client_request()
        .unwrap();
    match tokio_tungstenite::connect_async(req).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => assert_eq!(resp.status(), 401),
        other => panic!("expected 401, got {other:?}"),
    }
}

#[tokio::test]
async fn sigterm_drains_in_flight_requests_then_exits() {
    let up = Upstream::start().await;
    let mut gw = Gateway::start(|s| s.config("", &public_route(&up.url()))).await;
    let url = gw.url("/__slow?ms=1500");
    let slow =
        tokio::spawn(async move { client().get(url).send().await.map(|r| r.status().as_u16()) });
    tokio::time::sleep(Duration::from_millis(300)).await;
    gw.signal("TERM");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        std::net::TcpStream::connect(gw.addr()).is_err(),
        "no new connections after SIGTERM"
    );
    assert_eq!(
        slow.await.unwrap().unwrap(),
        200,
        "the in-flight request finishes"
    );
    assert_eq!(gw.wait_exit(Duration::from_secs(10)).await, Some(0));
    assert!(gw.log().contains("draining"));
}

#[tokio::test]
async fn sighup_reloads_routes_and_refuses_a_broken_file() {
    let up = Upstream::start().await;
    let gw = Gateway::start(|s| s.config("", &public_route(&up.url()))).await;
    let c = client();
    // A connection kept open across the reload.
    let keep = reqwest::Client::builder()
        .pool_max_idle_per_host(1)
        .build()
        .unwrap();
    assert_eq!(keep.get(gw.url("/x")).send().await.unwrap().status(), 200);

    let text = std::fs::read_to_string(&gw.config_path).unwrap();
    std::fs::write(
        &gw.config_path,
        text.replace("policy = \"public\"", "policy = \"deny\""),
    )
    .unwrap();
    gw.signal("HUP");
    let mut status = 0;
    for _ in 0..100 {
        status = c.get(gw.url("/x")).send().await.unwrap().status().as_u16();
        if status == 403 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(status, 403, "the new rule applies");
    assert_eq!(
        keep.get(gw.url("/x")).send().await.unwrap().status(),
        403,
        "kept-alive connections see it too"
    );

    std::fs::write(
        &gw.config_path,
        "[server]\nlisten = \"nonsense\"\n[[route]]\nhost = \n",
    )
    .unwrap();
    gw.signal("HUP");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        c.get(gw.url("/x")).send().await.unwrap().status(),
        403,
        "the running config is kept"
    );
    assert!(gw.log().contains("reload refused"), "{}", gw.log());
}

#[tokio::test]
async fn health_endpoints() {
    let up = Upstream::start().await;
    let gw = Gateway::start(|s| as_client(s, &up.url())).await;
    let c = client();
    assert_eq!(
        c.get(gw.url("/.passgate/health/live"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let r = c
        .get(gw.url("/.passgate/health/ready"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["database"]["status"], "ok");
    assert_eq!(v["ephemeral"]["backend"], "memory");
    assert_eq!(
        c.get(gw.url("/.passgate/nope"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
}

/// An upstream that closes keep-alive connections on its own terms: after
/// `idle` without a request, after every third answer with
/// `Connection: close`, and after every fifth answer without saying so.
/// Answers `<connection>:<request>` and counts connections.
async fn closing_upstream(
    idle: Duration,
) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let conns = Arc::new(AtomicUsize::new(0));
    let counter = conns.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut s, _)) = listener.accept().await else {
                return;
            };
            let conn = counter.fetch_add(1, Ordering::SeqCst) + 1;
            tokio::spawn(async move {
                let mut buf = Vec::new();
                for n in 1.. {
                    // One GET: read up to the end of its head.
                    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                        let mut chunk = [0u8; 2048];
                        match tokio::time::timeout(idle, s.read(&mut chunk)).await {
                            Ok(Ok(0)) | Ok(Err(_)) | Err(_) => return,
                            Ok(Ok(k)) => buf.extend_from_slice(&chunk[..k]),
                        }
                    }
                    let end = buf.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
                    buf.drain(..end);
                    let body = format!("{conn}:{n}");
                    let announce_close = n % 3 == 0;
                    let head = format!(
                        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: {}\r\n\r\n",
                        body.len(),
                        if announce_close {
                            "close"
                        } else {
                            "keep-alive"
                        }
                    );
                    if s.write_all(format!("{head}{body}").as_bytes())
                        .await
                        .is_err()
                    {
                        return;
                    }
                    if announce_close || n % 5 == 0 {
                        return;
                    }
                }
            });
        }
    });
    (url, conns)
}

#[tokio::test]
async fn upstreams_closing_kept_alive_connections_cost_no_request() {
    let (up, conns) = closing_upstream(Duration::from_millis(100)).await;
    let gw = Gateway::start(|s| s.config("workers = 2", &public_route(&up))).await;
    // One client connection (so one worker and its idle list), requests
    // spaced around the upstream's idle timeout, plus a second client
    // interleaved with the first.
    let one = reqwest::Client::builder()
        .pool_max_idle_per_host(1)
        .build()
        .unwrap();
    let two = client();
    let pauses = [0u64, 5, 40, 95, 100, 105, 150, 0, 0, 250];
    let mut bodies = Vec::new();
    for (i, ms) in pauses.iter().cycle().take(60).enumerate() {
        tokio::time::sleep(Duration::from_millis(*ms)).await;
        let c = if i % 4 == 3 { &two } else { &one };
        let r = c.get(gw.url(&format!("/r{i}"))).send().await.unwrap();
        assert_eq!(
            r.status(),
            200,
            "request {i} after {ms} ms: {:?}",
            r.text().await
        );
        let body = r.text().await.unwrap();
        assert!(body.contains(':'), "the upstream's own answer: {body}");
        bodies.push(body);
    }
    // The upstream's closes happened (many connections), and answers came
    // over reused connections too (some request numbers above 1).
    let opened = conns.load(std::sync::atomic::Ordering::SeqCst);
    assert!(opened >= 15, "the upstream closed connections: {opened}");
    assert!(
        bodies.iter().any(|b| !b.ends_with(":1")),
        "kept-alive upstream connections were reused: {bodies:?}"
    );
}

#[tokio::test]
async fn requests_trickling_in_are_served_in_both_protocols() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let up = Upstream::start().await;
    let gw = Gateway::start(|s| s.config("", &routes(&up.url()))).await;
    // HTTP/1 whose method starts like the HTTP/2 preface ("P"), split
    // across packets: told apart only once the bytes differ.
    let mut s = tokio::net::TcpStream::connect(gw.addr()).await.unwrap();
    s.set_nodelay(true).unwrap();
    let request = format!(
        "PUT /public/trickle HTTP/1.1\r\nHost: localhost:{}\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi",
        gw.port
    );
    for piece in [&request[..1], &request[1..2], &request[2..]] {
        s.write_all(piece.as_bytes()).await.unwrap();
        tokio::time::sleep(Duration::from_millis(40)).await;
    }
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), s.read_to_end(&mut answer))
        .await
        .expect("answered")
        .unwrap();
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("\"method\":\"PUT\""), "{answer}");

    // The HTTP/2 preface in pieces, then an empty SETTINGS frame: the
    // server answers with HTTP/2 frames (its own SETTINGS first).
    let mut s = tokio::net::TcpStream::connect(gw.addr()).await.unwrap();
    s.set_nodelay(true).unwrap();
    let preface = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
    for piece in [&preface[..3], &preface[3..20], &preface[20..]] {
        s.write_all(piece).await.unwrap();
        tokio::time::sleep(Duration::from_millis(40)).await;
    }
    s.write_all(&[0, 0, 0, 4, 0, 0, 0, 0, 0]).await.unwrap();
    let mut frame = [0u8; 9];
    tokio::time::timeout(Duration::from_secs(10), s.read_exact(&mut frame))
        .await
        .expect("answered")
        .unwrap();
    assert_eq!(frame[3], 4, "a SETTINGS frame: {frame:?}");
}

/// Slowloris: a client that starts a request head and never finishes it
/// loses its connection after the 30 s header-read limit, and holds
/// nothing up meanwhile.
#[tokio::test]
async fn a_request_head_never_finished_is_cut_off_after_the_header_limit() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let up = Upstream::start().await;
    let gw = Gateway::start(|s| s.config("", &routes(&up.url()))).await;
    let mut s = tokio::net::TcpStream::connect(gw.addr()).await.unwrap();
    let started = std::time::Instant::now();
    s.write_all(
        format!(
            "GET /public/slow HTTP/1.1\r\nHost: localhost:{}\r\nX-A: ",
            gw.port
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    // Meanwhile the gateway serves others.
    let r = reqwest::get(gw.url("/public/fine")).await.unwrap();
    assert_eq!(r.status(), 200);
    let mut rest = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(60), s.read_to_end(&mut rest)).await;
    let waited = started.elapsed();
    assert!(
        read.is_ok(),
        "the connection was still open after {waited:?}"
    );
    assert!(
        waited >= Duration::from_secs(25),
        "closed after {waited:?}, before the header limit"
    );
    let rest = String::from_utf8_lossy(&rest);
    assert!(
        rest.is_empty() || rest.starts_with("HTTP/1.1 408"),
        "{rest}"
    );
}
