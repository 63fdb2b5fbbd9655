//! Forward auth: the endpoints on their own, then the same scenario through
//! real nginx (`auth_request`), Traefik (`forwardAuth`), Caddy
//! (`forward_auth`) and HAProxy (Lua), each run with its config from
//! `deploy/`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common::gateway::{Gateway, Setup, Upstream, client, free_port, raw_get};
use crate::common::proxies::{self, ProxyProc, deploy_file, localize};
use crate::common::wire::{Client, ScriptedUpstream, Seen, Step, send};
use serde_json::Value;
use std::sync::Arc;
use tokio::sync::Notify;

fn header<'a>(v: &'a Value, name: &str) -> Option<&'a str> {
    v["headers"][name]
        .as_array()
        .and_then(|a| a.first())
        .and_then(|s| s.as_str())
}

/// The forward-auth config from deploy/, on the test's ports and database.
fn fa_config(s: &Setup, app: u16, proxy: u16) -> String {
    localize(
        &deploy_file("passgate-forward-auth.toml"),
        s.port,
        app,
        proxy,
    )
    .replace("sqlite://passgate.db", &s.database_url)
    // The office (127.0.0.2) reads /office without signing in.
    .replacen(
        "[[route]]",
        "[[route]]\nhost = \"localhost\"\npath = \"/office\"\nnetworks = [\"127.0.0.2\"]\npolicy = \"public\"\n\n\
         [[route]]\nhost = \"localhost\"\npath = \"/vault\"\nrequire = [\"passkey\"]\n\n[[route]]",
        1,
    )
        + "\n[[route]]\nhost = \"open.localhost\"\npolicy = \"public\"\n"
        + "\n[log]\nlevel = \"passgate=debug,info\"\n"
}

// ------------------------------------------------------------ endpoints alone

#[tokio::test]
async fn forward_auth_endpoint_answers_trusted_callers() {
    let gw = Gateway::start(|s| fa_config(s, 3000, 9000)).await;
    let token = gw.session_for("fa@example.com", &["dev"]).await;
    let admin = gw.session_for("boss@example.com", &["admins"]).await;
    let c = client();
    let ask = |uri: &str| {
        c.get(gw.url("/.passgate/authz/forward-auth"))
            .header("x-forwarded-proto", "https")
            .header("x-forwarded-host", "localhost:9000")
            .header("x-forwarded-uri", uri)
            .header("x-forwarded-method", "GET")
    };
    // Signed out: browsers are redirected back to the original URL after login.
    let r = ask("/app?x=1")
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302);
    assert_eq!(
        r.headers()["location"],
        "http://localhost:9000/.passgate/login?rd=https%3A%2F%2Flocalhost%3A9000%2Fapp%3Fx%3D1"
    );
    let r = c
        .get(gw.url("/.passgate/authz/forward-auth"))
        .header("x-forwarded-proto", "https")
        .header("x-forwarded-host", "localhost:9000")
        .header("x-forwarded-uri", "/app")
        .header("x-forwarded-method", "POST")
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        303,
        "a signed-out POST is sent to login with 303"
    );
    let r = ask("/app").send().await.unwrap();
    assert_eq!(r.status(), 401);

    // Signed in: 200 with identity and the cookie minus passgate's.
    let r = ask("/app")
        .header("cookie", format!("a=1; passgate_session={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["remote-user"], "fa@example.com");
    assert_eq!(r.headers()["remote-groups"], "dev");
    assert_eq!(r.headers()["cookie"], "a=1");
    let jwt = r.headers()["x-passgate-assertion"]
        .to_str()
        .unwrap()
        .to_string();
    let jwks = c
        .get(gw.url("/.passgate/jwks.json"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let claims = passgate::identity::verify(
        &jwt,
        &jwks,
        passgate::clock::Clock::now(&passgate::clock::SystemClock),
    )
    .unwrap();
    assert_eq!(
        claims.aud, "https://localhost:9000",
        "the audience is the protected origin"
    );
    assert_eq!(claims.iss, "http://localhost:9000");
    // Only passgate's cookie: an empty Cookie comes back (always there,
    // so a proxy that copies it never invents a value of its own).
    let r = ask("/app")
        .header("cookie", format!("passgate_session={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers().get("cookie").map(|v| v.as_bytes()),
        Some(&b""[..])
    );

    // Denied by groups: 403; allowed with the group.
    let r = ask("/admin")
        .header("cookie", format!("passgate_session={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = ask("/admin")
        .header("cookie", format!("passgate_session={admin}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // Public: 200 with empty identity headers.
    let r = ask("/public/x").send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["remote-user"], "");
    // The portal's own pages are always public (no login loop).
    let r = ask("/.passgate/login?rd=/x").send().await.unwrap();
    assert_eq!(r.status(), 200);
    // Ambiguous paths are refused exactly as in proxy mode.
    let r = ask("/public/..%2Fadmin")
        .header("cookie", format!("passgate_session={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    // A host no rule covers.
    let r = c
        .get(gw.url("/.passgate/authz/forward-auth"))
        .header("x-forwarded-proto", "https")
        .header("x-forwarded-host", "other.example.org")
        .header("x-forwarded-uri", "/")
        .header("cookie", format!("passgate_session={admin}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn forward_auth_refuses_garbage_headers_with_400() {
    let gw = Gateway::start(|s| fa_config(s, 3000, 9000)).await;
    let host = format!("localhost:{}", gw.port);
    let good =
        "X-Forwarded-Proto: https\r\nX-Forwarded-Host: localhost:9000\r\nX-Forwarded-Uri: /x\r\n";
    assert_eq!(
        raw_get(gw.addr(), &host, "/.passgate/authz/forward-auth", good)
            .await
            .0,
        401
    );
    for bad in [
        "X-Forwarded-Host: localhost:9000\r\nX-Forwarded-Uri: /x\r\n",
        "X-Forwarded-Proto: gopher\r\nX-Forwarded-Host: localhost:9000\r\nX-Forwarded-Uri: /x\r\n",
        "X-Forwarded-Proto: https\r\nX-Forwarded-Uri: /x\r\n",
        "X-Forwarded-Proto: https\r\nX-Forwarded-Host: bad host\r\nX-Forwarded-Uri: /x\r\n",
        "X-Forwarded-Proto: https\r\nX-Forwarded-Host: a@b\r\nX-Forwarded-Uri: /x\r\n",
        "X-Forwarded-Proto: https\r\nX-Forwarded-Host: localhost:9000\r\nX-Forwarded-Host: evil.com\r\nX-Forwarded-Uri: /x\r\n",
        "X-Forwarded-Proto: https\r\nX-Forwarded-Host: localhost:9000\r\nX-Forwarded-Uri: x\r\n",
        "X-Forwarded-Proto: https\r\nX-Forwarded-Host: localhost:99999\r\nX-Forwarded-Uri: /x\r\n",
        "X-Forwarded-Proto: https\r\nX-Forwarded-Host: localhost:9000\r\nX-Forwarded-Uri: /a%zz\r\n",
        "X-Forwarded-Proto: https\r\nX-Forwarded-Host: localhost:9000\r\nX-Forwarded-Uri: /x\r\nX-Forwarded-Method: GET POST\r\n",
    ] {
        let (status, text) = raw_get(gw.addr(), &host, "/.passgate/authz/forward-auth", bad).await;
        assert_eq!(status, 400, "{bad:?}: {text}");
    }
    // nginx's endpoint.
    for bad in [
        "",
        "X-Original-URL: /relative\r\n",
        "X-Original-URL: ftp://localhost/\r\n",
        "X-Original-URL: http://u@localhost:9000/\r\n",
    ] {
        let (status, text) = raw_get(gw.addr(), &host, "/.passgate/authz/auth-request", bad).await;
        assert_eq!(status, 400, "{bad:?}: {text}");
    }
    assert!(!gw.log().contains("panicked"));
}

#[tokio::test]
async fn nginx_endpoint_always_answers_401_with_location() {
    let gw = Gateway::start(|s| fa_config(s, 3000, 9000)).await;
    let c = client();
    for accept in ["text/html", "application/json"] {
        let r = c
            .get(gw.url("/.passgate/authz/auth-request"))
            .header("x-original-url", "http://localhost:9000/x?y=1")
            .header("x-original-method", "POST")
            .header("accept", accept)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
        assert_eq!(
            r.headers()["location"],
            "http://localhost:9000/.passgate/login?rd=http%3A%2F%2Flocalhost%3A9000%2Fx%3Fy%3D1"
        );
    }
    let token = gw.session_for("n@example.com", &[]).await;
    let r = c
        .get(gw.url("/.passgate/authz/auth-request"))
        .header("x-original-url", "http://localhost:9000/x")
        .header("cookie", format!("passgate_session={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["remote-email"], "n@example.com");
}

#[tokio::test]
async fn forwarded_headers_from_untrusted_callers_are_not_believed() {
    let gw = Gateway::start(|s| {
        fa_config(s, 3000, 9000).replace(
            "trusted_proxies = [\"127.0.0.1/32\", \"::1/128\"]",
            "trusted_proxies = [\"10.1.2.3/32\"]",
        )
    })
    .await;
    let token = gw.session_for("u@example.com", &["admins"]).await;
    let c = client();
    for endpoint in [
        "/.passgate/authz/forward-auth",
        "/.passgate/authz/auth-request",
    ] {
        let r = c
            .get(gw.url(endpoint))
            .header("x-forwarded-proto", "https")
            .header("x-forwarded-host", "localhost:9000")
            .header("x-forwarded-uri", "/public/x")
            .header("x-original-url", "http://localhost:9000/public/x")
            .header("cookie", format!("passgate_session={token}"))
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.status(),
            403,
            "{endpoint}: an untrusted caller never gets a 200"
        );
        assert!(r.headers().get("remote-user").is_none());
    }
    assert!(gw.log().contains("not in server.trusted_proxies"));
}

// ------------------------------------------------------------ real proxies

struct Rig {
    gw: Gateway,
    proxy: ProxyProc,
    _app: Box<dyn std::any::Any>,
}

/// passgate and a proxy in front of the echoing app.
async fn rig(start: impl AsyncFnOnce(u16, u16, u16) -> ProxyProc) -> Rig {
    let up = Upstream::start().await;
    let app = up.addr.port();
    rig_for(start, app, Box::new(up)).await
}

/// passgate and a proxy in front of the app on port `app` (kept in `keep`).
async fn rig_for(
    start: impl AsyncFnOnce(u16, u16, u16) -> ProxyProc,
    app: u16,
    keep: Box<dyn std::any::Any>,
) -> Rig {
    let proxy_port = free_port();
    let gw = Gateway::start(|s| fa_config(s, app, proxy_port)).await;
    let proxy = start(gw.port, app, proxy_port).await;
    Rig {
        gw,
        proxy,
        _app: keep,
    }
}

/// The same scenario for every proxy.
async fn scenario(rig: &Rig) {
    let (gw, p) = (&rig.gw, &rig.proxy);
    let name = p.name;
    let c = client();

    // passgate's own pages pass through the proxy unchecked.
    let r = c.get(p.url("/.passgate/health/live")).send().await.unwrap();
    assert_eq!(r.status(), 200, "{name}: portal page");

    // A network rule through the proxy: the office (connecting from
    // 127.0.0.2) passes without signing in; anyone else signs in, also
    // when it claims to be the office in X-Forwarded-For.
    let from = |ip: &str| {
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .local_address(ip.parse::<std::net::IpAddr>().ok())
            .timeout(std::time::Duration::from_secs(30))
            .build()
            .unwrap()
    };
    let (office, outside) = (from("127.0.0.2"), from("127.0.0.3"));
    let r = office
        .get(p.url("/office/wiki"))
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{name}: the office network passes");
    let r = outside
        .get(p.url("/office/wiki"))
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "{name}: others sign in");
    let r = outside
        .get(p.url("/office/wiki"))
        .header("accept", "application/json")
        .header("x-forwarded-for", "127.0.0.2")
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        401,
        "{name}: an address the client claims is not believed"
    );

    // Signed out, browser: sent to the login page, returning here afterwards.
    let r = c
        .get(p.url("/docs/page?x=1"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302, "{name}: browser redirect");
    let want = format!(
        "{}/.passgate/login?rd=http%3A%2F%2Flocalhost%3A{}%2Fdocs%2Fpage%3Fx%3D1",
        p.origin(),
        p.port
    );
    assert_eq!(
        r.headers()["location"],
        want.as_str(),
        "{name}: login location"
    );
    // Signed out, API client: 401.
    let r = c
        .get(p.url("/api/thing"))
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "{name}: API 401");

    // Public path: reaches the app; identity empty even when spoofed.
    let (status, text) = raw_get(p.addr(), &format!("localhost:{}", p.port), "/public/x", "Remote-User: admin\r\nRemote-Groups: admins\r\nremote_user: admin\r\nX-Passgate-Assertion: forged\r\n").await;
    assert_eq!(status, 200, "{name}: public path: {text}");
    let v: Value = serde_json::from_str(text.split("\r\n\r\n").nth(1).unwrap_or("{}").trim())
        .unwrap_or(Value::Null);
    let spoofed = |v: &Value| {
        v["headers"].as_object().map(|h| {
            h.iter().any(|(k, vals)| {
                let k = k.to_ascii_lowercase().replace('_', "-");
                (k.starts_with("remote-") || k == "x-passgate-assertion")
                    && vals
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|x| x == "admin" || x == "admins" || x == "forged")
            })
        })
    };
    // Fields the answer had none of reach the app empty or not at all,
    // never as a proxy's placeholder text (Caddy before 2.7 copies a
    // missing field as `{http.reverse_proxy.header.…}`).
    assert!(
        !text.contains("{http."),
        "{name}: a placeholder reached the app: {text}"
    );
    if v.is_null() {
        // Chunked answer: check the raw text instead.
        assert!(
            !text.contains("\"admin\"") && !text.contains("forged"),
            "{name}: spoofed identity reached the app: {text}"
        );
    } else {
        assert_eq!(
            spoofed(&v),
            Some(false),
            "{name}: spoofed identity reached the app: {v}"
        );
    }

    // Signed in: identity and a verifiable assertion reach the app; the
    // session cookie does not.
    let token = gw.session_for("carol@example.com", &["dev"]).await;
    let r = c
        .get(p.url("/docs/page"))
        .header("cookie", format!("theme=dark; passgate_session={token}"))
        .header("remote-user", "admin")
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{name}: signed in");
    let v: Value = r.json().await.unwrap();
    assert_eq!(
        header(&v, "remote-user"),
        Some("carol@example.com"),
        "{name}: {v}"
    );
    assert_eq!(
        header(&v, "remote-email"),
        Some("carol@example.com"),
        "{name}"
    );
    assert_eq!(header(&v, "remote-groups"), Some("dev"), "{name}");
    assert_eq!(
        v["headers"]["remote-user"].as_array().unwrap().len(),
        1,
        "{name}: one Remote-User"
    );
    assert_eq!(
        header(&v, "cookie"),
        Some("theme=dark"),
        "{name}: passgate's cookie must not reach the app"
    );
    let jwt = header(&v, "x-passgate-assertion").expect("assertion");
    let jwks = c
        .get(p.url("/.passgate/jwks.json"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let claims = passgate::identity::verify(
        jwt,
        &jwks,
        passgate::clock::Clock::now(&passgate::clock::SystemClock),
    )
    .unwrap();
    assert_eq!(claims.aud, p.origin(), "{name}: audience");
    assert_eq!(claims.email, "carol@example.com");

    // A service token on /ci (tokens = true): the service is the
    // identity, and the token never reaches the app, in either field; the
    // app's own Authorization does.
    let v = gw.cli_json(&[
        "token",
        "create",
        &format!("deployer-{name}"),
        "--group",
        "ci",
    ]);
    let svc = v["token"].as_str().unwrap().to_string();
    let r = c
        .get(p.url("/ci/deploy"))
        .header("authorization", format!("Bearer {svc}"))
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{name}: token in Authorization");
    let v: Value = r.json().await.unwrap();
    assert_eq!(
        header(&v, "remote-user"),
        Some(format!("deployer-{name}").as_str()),
        "{name}: {v}"
    );
    assert_eq!(header(&v, "remote-groups"), Some("ci"), "{name}");
    assert!(
        header(&v, "authorization").is_none_or(|a| a.is_empty()) && !v.to_string().contains(&svc),
        "{name}: the token reached the app: {v}"
    );
    let r = c
        .get(p.url("/ci/deploy"))
        .header("x-passgate-token", &svc)
        .header("authorization", "Basic YXBwOmtleQ==")
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{name}: token in X-Passgate-Token");
    let v: Value = r.json().await.unwrap();
    assert_eq!(
        header(&v, "authorization"),
        Some("Basic YXBwOmtleQ=="),
        "{name}: {v}"
    );
    assert!(
        !v.to_string().contains(&svc),
        "{name}: the token reached the app: {v}"
    );
    let (bad, _) = passgate::token::new_token();
    let r = c
        .get(p.url("/ci/deploy"))
        .header("authorization", format!("Bearer {bad}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "{name}: invalid token");
    let r = c
        .get(p.url("/docs/page"))
        .header("authorization", format!("Bearer {svc}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "{name}: a route without tokens = true");

    // Step-up: an email sign-in on a passkey-only rule. A browser is sent
    // to "Confirm it's you", returning here; an API client is told why.
    let emailed = gw.email_session_for("eve@example.com", &[]).await;
    let r = c
        .get(p.url("/vault/keys"))
        .header("cookie", format!("passgate_session={emailed}"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302, "{name}: step-up redirect");
    let want = format!(
        "{}/.passgate/step-up?rd=http%3A%2F%2Flocalhost%3A{}%2Fvault%2Fkeys",
        p.origin(),
        p.port
    );
    assert_eq!(
        r.headers()["location"],
        want.as_str(),
        "{name}: step-up location"
    );
    let r = c
        .get(p.url("/vault/keys"))
        .header("cookie", format!("passgate_session={emailed}"))
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "{name}: step-up for an API client");
    assert_eq!(
        r.headers()
            .get("www-authenticate")
            .and_then(|v| v.to_str().ok()),
        Some("Passgate error=\"insufficient_user_authentication\", require=\"passkey\""),
        "{name}: the challenge"
    );
    let r = c
        .get(p.url("/vault/keys"))
        .header("cookie", format!("passgate_session={token}"))
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{name}: a passkey session passes");

    // Signed in but not allowed.
    let r = c
        .get(p.url("/admin/panel"))
        .header("cookie", format!("passgate_session={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "{name}: admin area");
    let boss = gw.session_for("boss@example.com", &["admins"]).await;
    let r = c
        .get(p.url("/admin/panel"))
        .header("cookie", format!("passgate_session={boss}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{name}: admin allowed");

    // A path that reads differently on different servers never reaches the app.
    let (status, text) = raw_get(
        p.addr(),
        &format!("localhost:{}", p.port),
        "/public/..%2Fadmin/panel",
        &format!("Cookie: passgate_session={token}\r\n"),
    )
    .await;
    assert!(status >= 400, "{name}: ambiguous path got {status}: {text}");
    assert!(
        !text.contains("\"path\""),
        "{name}: ambiguous path reached the app"
    );
}

/// The body of an answer, as JSON when the app (the echo) wrote it.
fn echoed(text: &str) -> Option<Value> {
    let body = text.split_once("\r\n\r\n")?.1;
    // A chunked answer: the JSON is the first chunk's data.
    let json = body
        .lines()
        .find(|l| l.trim_start().starts_with('{'))
        .unwrap_or(body);
    serde_json::from_str::<Value>(json.trim())
        .ok()
        .filter(|v| v.get("headers").is_some())
}

/// The outside review's attacks that a proxy in front of the app could let
/// through (findings 3, 6, 7, 8 and 9), anonymous, through each real proxy
/// with its deploy/ config.
async fn hostile(rig: &Rig) {
    let p = &rig.proxy;
    let name = p.name;
    let host = format!("localhost:{}", p.port);
    let json = "Accept: application/json\r\n";

    // 3: the portal prefix, left by dot segments in any spelling. Whatever
    // the proxy makes of them, the app never serves a protected path to
    // someone signed out.
    for path in [
        "/.passgate/../secret",
        "/.passgate/%2e%2e/secret",
        "/.passgate/%2E%2E/admin/x",
        "/.passgate/x/../../admin/x",
        "/.passgate/..%2fsecret",
        "/.passgate/..;/secret",
    ] {
        let (status, text) = raw_get(p.addr(), &host, path, json).await;
        assert!(
            echoed(&text).is_none(),
            "{name} {path}: {status}, served by the app to someone signed out:\n{text}"
        );
    }

    // A `?` or `#` in Host once cut nginx's X-Original-URL short, so
    // passgate judged "/" (found by an adversarial review).
    // Someone signed in but not in `admins`: /admin is 403 for them.
    let dev = rig.gw.session_for("dev@example.com", &["dev"]).await;
    let cookie = format!("{json}Cookie: passgate_session={dev}\r\n");
    let (status, _) = raw_get(p.addr(), &host, "/admin/panel", &cookie).await;
    assert_eq!(status, 403, "{name}");
    for host_field in [format!("{host}?"), format!("{host}#"), format!("{host}?x=")] {
        let (status, text) = raw_get(p.addr(), &host_field, "/admin/panel", &cookie).await;
        assert!(
            echoed(&text).is_none(),
            "{name} Host {host_field:?}: {status}, /admin served to someone not allowed:\n{text}"
        );
    }

    // A Host field holding a list: HAProxy's Lua once asked about its last
    // entry (a public host) while the app got the whole field (found by an
    // adversarial review).
    let (status, text) = raw_get(
        p.addr(),
        &format!("{host}, open.localhost"),
        "/admin/panel",
        json,
    )
    .await;
    assert!(
        echoed(&text).is_none(),
        "{name}: Host with a list: {status}, /admin served to someone signed out:\n{text}"
    );

    // Dot segments after a protected prefix: apps that route on the raw
    // path (Flask, Express) serve /admin for these (found by an
    // adversarial review).
    for path in [
        "/admin/../public/x",
        "/admin/%2e%2e/public/x",
        "/admin/x/../../public/x",
    ] {
        let (status, text) = raw_get(p.addr(), &host, path, json).await;
        assert!(
            echoed(&text).is_none_or(|v| v["path"]
                .as_str()
                .is_some_and(|served| !served.starts_with("/admin"))),
            "{name} {path}: {status}, reached the app as /admin…:\n{text}"
        );
    }

    // 9 (and 4, 10): paths some server reads as a protected one.
    for path in [
        "//x/admin/panel",
        "/public/%252e%252e/admin/panel",
        "/public/%25%32%65%25%32%65/admin/panel",
        "/ADMIN/panel",
        "/public/%c0%ae%c0%ae/admin",
    ] {
        let (status, text) = raw_get(p.addr(), &host, path, json).await;
        assert!(
            echoed(&text).is_none_or(|v| v["path"]
                .as_str()
                .is_some_and(|served| served.starts_with("/public"))),
            "{name} {path}: {status}, reached the app as a protected path:\n{text}"
        );
    }

    // 6: an h2c upgrade never reaches the app (nor a 101 the client).
    let (status, text) = raw_get(
        p.addr(),
        &host,
        "/public/h2c",
        "Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n",
    )
    .await;
    assert_ne!(status, 101, "{name}: {text}");
    if let Some(v) = echoed(&text) {
        let h = v["headers"].as_object().unwrap();
        assert!(
            h.keys()
                .all(|k| !k.eq_ignore_ascii_case("upgrade")
                    && !k.eq_ignore_ascii_case("http2-settings")),
            "{name}: the h2c upgrade reached the app: {v}"
        );
    }

    // 8: `_` spellings of forwarding and identity fields never reach the
    // app (a CGI-style app merges them with the real ones).
    let (status, text) = raw_get(
        p.addr(),
        &host,
        "/public/fw",
        "X_Forwarded_For: 6.6.6.6\r\nX_Forwarded_Host: evil.example\r\nX_Original_URL: /admin\r\nX_Rewrite_URL: /admin\r\nX_Real_IP: 6.6.6.6\r\nRemote_User: admin\r\nX_Request_Id: forged\r\nRemote.User: admin\r\nX.Forwarded.For: 6.6.6.6\r\n",
    )
    .await;
    if let Some(v) = echoed(&text) {
        let h = v["headers"].as_object().unwrap();
        assert!(
            h.keys().all(|k| !k.contains('_') && !k.contains('.')),
            "{name}: a `_` or `.` spelling reached the app: {v}"
        );
    } else {
        assert!((400..500).contains(&status), "{name}: {status} {text}");
    }
    // Identity fields passgate does not send (so the proxy does not
    // replace them) never reach the app either.
    let (status, text) = raw_get(
        p.addr(),
        &host,
        "/public/family",
        "X-Auth-Request-Preferred-Username: admin\r\nRemote-Login: admin\r\nX-Passgate-User: admin\r\nX-Auth-Request-Access-Token: forged\r\n",
    )
    .await;
    if let Some(v) = echoed(&text) {
        let h = v["headers"].as_object().unwrap();
        for k in h.keys() {
            let k = k.to_ascii_lowercase();
            assert!(
                !(k.starts_with("x-auth-request-")
                    || k.starts_with("x-passgate-user")
                    || k == "remote-login"),
                "{name}: {k} reached the app: {v}"
            );
        }
    } else {
        // nginx answers 500 when its auth request is refused.
        assert!(status >= 400, "{name}: {status} {text}");
    }

    // 7: the app cannot set passgate's cookies in the browser.
    let (status, text) = raw_get(
        p.addr(),
        &host,
        "/public/c?set-cookie=passgate_session&set-cookie=__Host-passgate&set-cookie=passgate_csrf&set-cookie==passgate_session&set-cookie=app",
        json,
    )
    .await;
    assert_eq!(status, 200, "{name}: {text}");
    let head = text.split("\r\n\r\n").next().unwrap_or("");
    let set: Vec<&str> = head
        .lines()
        .filter_map(|l| l.split_once(':'))
        .filter(|(n, _)| n.eq_ignore_ascii_case("set-cookie"))
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
        .collect();
    assert!(set.contains(&"app=planted; Path=/"), "{name}: {head}");
    assert!(
        set.iter()
            .all(|c| !passgate::cookies::sets_own(c.as_bytes())),
        "{name}: the app set one of passgate's cookies: {set:?}"
    );
}

/// passgate's cookies set by the app in the answers a header filter is
/// easiest to miss: an interim `103 Early Hints` and the head of a
/// WebSocket handshake's 101 (browsers take `Set-Cookie` from both).
async fn tricky_answers(start: impl AsyncFnOnce(u16, u16, u16) -> ProxyProc) {
    const OWN: &str = "Set-Cookie: passgate_session=EVIL; Path=/\r\nSet-Cookie: =passgate_session=EVIL; Path=/\r\nset-cookie: __Host-passgate=EVIL; Secure; Path=/\r\n";
    let app = ScriptedUpstream::start(|req: &Seen| {
        if req.target() == "/public/ws" {
            return vec![
                send(format!("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n{OWN}Set-Cookie: app=1; Path=/\r\n\r\n")),
                send("tunnel open"),
                Step::Until(Arc::new(Notify::new())),
            ];
        }
        vec![send(format!("HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n{OWN}\r\nHTTP/1.1 200 OK\r\n{OWN}Set-Cookie: app=1; Path=/\r\nContent-Length: 2\r\n\r\nok")), Step::Close]
    })
    .await;
    let port = app.addr.port();
    let rig = rig_for(start, port, Box::new(app)).await;
    let p = &rig.proxy;
    let name = p.name;
    let host = format!("localhost:{}", p.port);

    let mut c = Client::connect(p.addr()).await;
    c.send(format!(
        "GET /public/early HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    ))
    .await;
    let early = browser_heads(&c.rest().await);
    let mut c = Client::connect(p.addr()).await;
    c.send(format!(
        "GET /public/ws HTTP/1.1\r\nHost: {host}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
    ))
    .await;
    let ws = browser_heads(&c.until(b"tunnel open").await);

    // What docs/security.md says the deploy configs cannot do: HAProxy
    // relays interim answers untransformed (browsers ignore Set-Cookie in
    // a 103: checked with Chromium), and Caddy 2.6 writes a 101 past
    // every header rule.
    let gap = |what: &str| match (name, what) {
        ("haproxy", "103") => true,
        ("caddy", "101") => proxies::caddy_version().starts_with("2.6."),
        _ => false,
    };
    for (what, heads, want) in [("103", &early, 200), ("101", &ws, 101)] {
        let (status, cookies) = heads.last().expect("an answer");
        let own = |cookies: &[String]| {
            cookies
                .iter()
                .filter(|c| passgate::cookies::sets_own(c.as_bytes()))
                .count()
        };
        if gap(what) {
            let head = &heads[0].1;
            assert_eq!(
                own(head),
                3,
                "{name} {what}: the gap is gone: tighten this test and docs/security.md: {heads:?}"
            );
            assert!(
                docs_security().contains(&format!("{name} {what}")),
                "{name} {what}: docs/security.md does not name the gap"
            );
        }
        // The answer a browser takes fields from is clean.
        let checked = if gap(what) && what == "103" {
            &heads[1..]
        } else if gap(what) {
            &heads[..0]
        } else {
            &heads[..]
        };
        for (_, cookies) in checked {
            assert_eq!(own(cookies), 0, "{name} {what}: {heads:?}");
        }
        // nginx before 1.29 takes an interim answer for the final one
        // and relays what follows as its body: passgate.js drops it, so
        // the browser gets the interim head and a malformed rest.
        if what == "103" && name == "nginx" {
            assert!(
                heads.iter().all(|(s, c)| *s != 200 && c.is_empty()),
                "{name} {what}: {heads:?}"
            );
        } else {
            assert_eq!(*status, want, "{name} {what}: {heads:?}");
            assert!(
                cookies.iter().any(|c| c.starts_with("app=1")),
                "{name} {what}: {heads:?}"
            );
        }
    }
}

fn docs_security() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/security.md"))
        .expect("docs/security.md")
        .to_ascii_lowercase()
}

/// The heads of an answer as a browser reads them: interim ones, then the
/// final one (or a 101); each with its `Set-Cookie` values.
fn browser_heads(bytes: &[u8]) -> Vec<(u16, Vec<String>)> {
    let text = String::from_utf8_lossy(bytes);
    let mut heads = Vec::new();
    for head in text.split("\r\n\r\n") {
        let status: u16 = head
            .split(' ')
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        let cookies = head
            .split("\r\n")
            .skip(1)
            .filter_map(|l| l.split_once(':'))
            .filter(|(n, _)| n.eq_ignore_ascii_case("set-cookie"))
            .map(|(_, v)| v.trim().to_string())
            .collect();
        heads.push((status, cookies));
        if !(100..200).contains(&status) || status == 101 {
            break;
        }
    }
    heads
}

#[tokio::test]
async fn nginx_auth_request() {
    let rig = rig(proxies::nginx).await;
    scenario(&rig).await;
    hostile(&rig).await;
    tricky_answers(proxies::nginx).await;
}

#[tokio::test]
async fn traefik_forward_auth() {
    let rig = rig(proxies::traefik).await;
    scenario(&rig).await;
    hostile(&rig).await;
    tricky_answers(proxies::traefik).await;
}

#[tokio::test]
async fn caddy_forward_auth() {
    let rig = rig(proxies::caddy).await;
    scenario(&rig).await;
    hostile(&rig).await;
    tricky_answers(proxies::caddy).await;
}

#[tokio::test]
async fn haproxy_lua_forward_auth() {
    let rig = rig(proxies::haproxy).await;
    scenario(&rig).await;
    hostile(&rig).await;
    tricky_answers(proxies::haproxy).await;
}
