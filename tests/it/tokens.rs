//! Service tokens (wave 2): CI jobs and scripts call routes with
//! `tokens = true` with a token from `passgate token create`, on both
//! serving paths and through both forward-auth endpoints; the field the
//! token came in never reaches the app; invalid tokens get 401 without a
//! hint, tokens where no rule takes them 403, tokens in the URL 400; failed
//! attempts are counted, refused past the limit and audited; revoking,
//! rotating, disabling and expiry take effect on every replica.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use serde_json::Value;

use crate::common::gateway::{Db, Gateway, Setup, Upstream, raw};
use crate::common::within;

/// /api takes tokens of the `ci` group; /open is public and takes tokens
/// (to know who calls); everything else is for people only.
fn routes(s: &Setup, server: &str, up: &str) -> String {
    s.config(
        server,
        &format!(
            r#"
[[route]]
host = "localhost"
path = "/api"
groups = ["ci"]
tokens = true
upstream = "{up}"

[[route]]
host = "localhost"
path = "/open"
policy = "public"
tokens = true
upstream = "{up}"

[[route]]
host = "localhost"
upstream = "{up}"
"#
        ),
    )
}

/// A request's answer: status, head and the echoed request (JSON) if any.
struct Answer {
    status: u16,
    head: String,
    echoed: Value,
}

async fn send(gw: &Gateway, method_path: &str, fields: &str) -> Answer {
    let req = format!(
        "{method_path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nAccept: application/json\r\n{fields}\r\n"
    );
    let (status, text) = raw(gw.addr(), req.as_bytes()).await;
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    Answer {
        status,
        head: head.to_ascii_lowercase(),
        echoed: serde_json::from_str(body.trim()).unwrap_or(Value::Null),
    }
}

fn field<'a>(echoed: &'a Value, name: &str) -> Option<&'a str> {
    echoed["headers"][name]
        .as_array()
        .and_then(|a| a.first())
        .and_then(|v| v.as_str())
}

fn create(gw: &Gateway, name: &str, groups: &[&str]) -> String {
    let mut args = vec!["token", "create", name];
    for g in groups {
        args.extend(["--group", g]);
    }
    let v = gw.cli_json(&args);
    v["token"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn a_token_calls_a_token_route_on_both_serving_paths() {
    let up = Upstream::start().await;
    for server in ["", "http1_loop = false"] {
        let gw = Gateway::start(|s| routes(s, server, &up.url())).await;
        up.echo.set_jwks_url(&gw.url("/.passgate/jwks.json"));
        let deployer = create(&gw, "deployer", &["ci"]);
        let other = create(&gw, "reporter", &[]);
        let bearer = format!("Authorization: Bearer {deployer}\r\n");

        // In Authorization: the service is the identity; the token is gone.
        let a = send(&gw, "GET /api/deploy", &bearer).await;
        assert_eq!(a.status, 200, "{server:?}: {}", a.head);
        assert_eq!(field(&a.echoed, "remote-user"), Some("deployer"));
        assert_eq!(field(&a.echoed, "remote-groups"), Some("ci"));
        assert_eq!(field(&a.echoed, "remote-email"), Some(""));
        assert_eq!(field(&a.echoed, "authorization"), None, "{server:?}");
        let claims = &a.echoed["assertion"]["claims"];
        assert_eq!(a.echoed["assertion"]["verified"], true, "{}", a.echoed);
        assert_eq!(claims["amr"], serde_json::json!(["token"]));
        assert_eq!(claims["preferred_username"], "deployer");
        assert!(claims["sub"].as_str().unwrap().starts_with("svc-"));
        assert!(claims["auth_time"].as_i64().unwrap() >= claims["iat"].as_i64().unwrap() - 1);
        assert!(
            !a.echoed.to_string().contains(&deployer),
            "{server:?}: the token reached the app"
        );

        // In X-Passgate-Token: the app's own Authorization is left alone.
        let a = send(
            &gw,
            "POST /api/deploy",
            &format!("X-Passgate-Token: {deployer}\r\nAuthorization: Basic YXBwOmtleQ==\r\nContent-Length: 0\r\n"),
        )
        .await;
        assert_eq!(a.status, 200, "{server:?}: {}", a.head);
        assert_eq!(
            field(&a.echoed, "authorization"),
            Some("Basic YXBwOmtleQ==")
        );
        assert_eq!(field(&a.echoed, "x-passgate-token"), None);
        assert_eq!(field(&a.echoed, "remote-user"), Some("deployer"));

        // A service outside the rule's groups: 403.
        let a = send(
            &gw,
            "GET /api/deploy",
            &format!("X-Passgate-Token: {other}\r\n"),
        )
        .await;
        assert_eq!(a.status, 403, "{server:?}: {}", a.head);
        // A public rule that takes tokens names its caller.
        let a = send(
            &gw,
            "GET /open/x",
            &format!("Authorization: bearer {other}\r\n"),
        )
        .await;
        assert_eq!(a.status, 200);
        assert_eq!(field(&a.echoed, "remote-user"), Some("reporter"));
        let a = send(&gw, "GET /open/x", "").await;
        assert_eq!((a.status, field(&a.echoed, "remote-user")), (200, Some("")));

        // A rule without tokens = true: 403, even for a valid token.
        let a = send(&gw, "GET /app", &bearer).await;
        assert_eq!(a.status, 403, "{server:?}: {}", a.head);
        assert!(a.head.contains("token_not_accepted") || a.echoed.is_null());

        // Invalid tokens: 401 with the same answer whatever is wrong.
        let (unknown, _) = passgate::token::new_token();
        let a = send(
            &gw,
            "GET /api/deploy",
            &format!("Authorization: Bearer {unknown}\r\n"),
        )
        .await;
        assert_eq!(a.status, 401, "{server:?}: {}", a.head);
        assert!(
            a.head
                .contains("www-authenticate: bearer error=\"invalid_token\""),
            "{}",
            a.head
        );
        // Malformed ones, and two at once: 401 invalid_request.
        let basic = {
            use base64::Engine;
            base64::engine::general_purpose::STANDARD.encode(format!("git:{deployer}"))
        };
        for bad in [
            format!("Authorization: Bearer\t{deployer}\r\n"),
            format!("Authorization: Basic {basic}\r\n"),
            "X-Passgate-Token: hunter2\r\n".to_string(),
            format!("{bearer}X-Passgate-Token: {deployer}\r\n"),
            format!("{bearer}Authorization: Basic YTpi\r\n"),
        ] {
            let a = send(&gw, "GET /api/deploy", &bad).await;
            assert_eq!(a.status, 401, "{server:?}: {bad:?}: {}", a.head);
            assert!(a.head.contains("error=\"invalid_request\""), "{}", a.head);
        }
        // In the URL, query or path, on any rule: refused, and the token
        // is not echoed anywhere.
        for target in [
            format!("/api/deploy?access_token={deployer}"),
            format!("/open/{deployer}"),
            format!("/app/%70gt_{}", &deployer[4..]),
        ] {
            let a = send(&gw, &format!("GET {target}"), "").await;
            assert_eq!(a.status, 400, "{server:?}: {target}: {}", a.head);
        }
        let a = send(&gw, "GET /open/x?table=pgt_users", "").await;
        assert_eq!(a.status, 200, "{server:?}: not a token: {}", a.head);
        let log = gw.log();
        assert!(
            !log.contains(&deployer) && !log.contains(&other) && !log.contains(&unknown),
            "a token reached the log"
        );
    }
}

/// Forward auth: the answer carries the service's identity and, for the
/// proxy to forward, the request's `Authorization` unless the token came in
/// it.
#[tokio::test]
async fn a_token_through_both_forward_auth_endpoints() {
    let gw = Gateway::start(|s| routes(s, "", "http://127.0.0.1:9")).await;
    let deployer = create(&gw, "deployer", &["ci"]);
    let ask = async |nginx: bool, path: &str, fields: &str| -> (u16, String) {
        let req = if nginx {
            format!(
                "GET /.passgate/authz/auth-request HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\
                 X-Original-Method: GET\r\nX-Original-URL: http://localhost{path}\r\n{fields}\r\n"
            )
        } else {
            format!(
                "GET /.passgate/authz/forward-auth HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\
                 X-Forwarded-Method: GET\r\nX-Forwarded-Proto: http\r\nX-Forwarded-Host: localhost\r\n\
                 X-Forwarded-Uri: {path}\r\n{fields}\r\n"
            )
        };
        let (status, text) = raw(gw.addr(), req.as_bytes()).await;
        (
            status,
            text.split("\r\n\r\n")
                .next()
                .unwrap_or("")
                .to_ascii_lowercase(),
        )
    };
    for nginx in [false, true] {
        let (status, head) = ask(
            nginx,
            "/api/x",
            &format!("Authorization: Bearer {deployer}\r\n"),
        )
        .await;
        assert_eq!(status, 200, "{head}");
        assert!(head.contains("remote-user: deployer"), "{head}");
        assert!(
            !head.contains("\r\nauthorization:"),
            "the token is not handed back: {head}"
        );
        let (status, head) = ask(
            nginx,
            "/api/x",
            &format!("X-Passgate-Token: {deployer}\r\nAuthorization: Basic YTpi\r\n"),
        )
        .await;
        assert_eq!(status, 200, "{head}");
        assert!(head.contains("\r\nauthorization: basic ytpi"), "{head}");
        assert!(!head.contains("x-passgate-token"), "{head}");
        let (unknown, _) = passgate::token::new_token();
        let (status, head) = ask(
            nginx,
            "/api/x",
            &format!("Authorization: Bearer {unknown}\r\n"),
        )
        .await;
        assert_eq!(status, 401, "{head}");
        assert!(head.contains("error=\"invalid_token\""), "{head}");
        let (status, _) = ask(nginx, "/app", &format!("X-Passgate-Token: {deployer}\r\n")).await;
        assert_eq!(status, 403);
        let (status, _) = ask(nginx, &format!("/api/x?t={deployer}"), "").await;
        assert_eq!(status, 400);
        // A `_` spelling would reach the app unseen: refused.
        let (status, _) = ask(
            nginx,
            "/api/x",
            &format!("X_Passgate_Token: {deployer}\r\n"),
        )
        .await;
        assert_eq!(status, 400);
    }
}

async fn status_with(gw: &Gateway, token: &str) -> u16 {
    send(
        gw,
        "GET /api/x",
        &format!("Authorization: Bearer {token}\r\n"),
    )
    .await
    .status
}

/// The CLI's whole life of a token on a running gateway (SQLite, no
/// Redis: changes arrive through the revocation log): list, rotate with
/// an overlap, disable and enable, revoke, expiry; and the audit log.
#[tokio::test]
async fn tokens_from_the_cli_take_effect_on_a_running_gateway() {
    let up = Upstream::start().await;
    let gw = Gateway::start(|s| routes(s, "", &up.url())).await;
    let first = create(&gw, "deployer", &["ci"]);
    assert_eq!(status_with(&gw, &first).await, 200, "cached now");
    // A second account of the same name, or one named like a person: no.
    let (code, _, err) = gw.cli(&["token", "create", "deployer"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("already exists"), "{err}");
    let (code, _, err) = gw.cli(&["token", "create", "ann@example.com"]);
    assert_eq!(code, 2, "{err}");

    // Rotation: both work during the overlap.
    let v = gw.cli_json(&["token", "rotate", "deployer", "--overlap", "1h"]);
    let second = v["token"].as_str().unwrap().to_string();
    assert_eq!(status_with(&gw, &second).await, 200);
    assert_eq!(status_with(&gw, &first).await, 200);
    // A rotation with no overlap ends the older tokens at once.
    let v = gw.cli_json(&["token", "rotate", "deployer", "--overlap", "0s"]);
    let third = v["token"].as_str().unwrap().to_string();
    within("rotation without overlap reached the gateway", async || {
        status_with(&gw, &second).await == 401
    })
    .await;
    assert_eq!(status_with(&gw, &third).await, 200);

    let list = gw.cli_json(&["token", "list"]);
    let d = &list[0];
    assert_eq!(
        (d["name"].as_str(), d["status"].as_str()),
        (Some("deployer"), Some("active"))
    );
    assert_eq!(d["groups"], serde_json::json!(["ci"]));
    assert_eq!(d["tokens"].as_array().unwrap().len(), 3);
    assert!(
        !list.to_string().contains(&third),
        "list never shows a token"
    );
    let (_, table, _) = gw.cli(&["token", "list"]);
    assert!(
        table.contains("deployer") && table.contains("LAST USED"),
        "{table}"
    );

    // Disable and enable.
    assert_eq!(gw.cli(&["token", "disable", "deployer"]).0, 0);
    within("disable reached the gateway", async || {
        status_with(&gw, &third).await == 401
    })
    .await;
    assert_eq!(gw.cli(&["token", "enable", "deployer"]).0, 0);
    within("enable reached the gateway", async || {
        status_with(&gw, &third).await == 200
    })
    .await;
    // Revoke: every token of the account.
    let v = gw.cli_json(&["token", "revoke", "deployer"]);
    assert_eq!(v["revoked"], 3);
    let took = within(
        "revoke reached the gateway (SQLite, no Redis)",
        async || status_with(&gw, &third).await == 401,
    )
    .await;
    eprintln!("revocation took {took:?}");
    // Expiry.
    let v = gw.cli_json(&[
        "token",
        "create",
        "shortlived",
        "--group",
        "ci",
        "--expires",
        "2s",
    ]);
    let short = v["token"].as_str().unwrap().to_string();
    assert_eq!(status_with(&gw, &short).await, 200);
    within("an expired token is refused", async || {
        status_with(&gw, &short).await == 401
    })
    .await;

    // The audit log has the commands and the failures with their reasons
    // (never the token).
    let audit = gw.cli_json(&["audit", "--kind", "token", "--limit", "50"]);
    let kinds: Vec<String> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{} {}",
                e["kind"].as_str().unwrap(),
                e["detail"].as_str().unwrap()
            )
        })
        .collect();
    assert!(
        kinds
            .iter()
            .any(|k| k.starts_with("token.failed reason=expired")),
        "{kinds:?}"
    );
    assert!(
        kinds
            .iter()
            .any(|k| k.starts_with("token.failed reason=account_disabled")),
        "{kinds:?}"
    );
    assert!(
        kinds
            .iter()
            .any(|k| k.starts_with("token.failed reason=unknown_or_revoked")),
        "{kinds:?}"
    );
    let admin = gw.cli_json(&["audit", "--kind", "admin.token", "--limit", "50"]);
    let n = admin.as_array().unwrap().len();
    assert!(
        n >= 7,
        "create x2, rotate x2, disable, enable, revoke: {admin}"
    );
    for t in [&first, &second, &third, &short] {
        assert!(!audit.to_string().contains(t.as_str()) && !admin.to_string().contains(t.as_str()));
        assert!(!gw.log().contains(t.as_str()), "a token reached the log");
    }
}

/// Failed attempts from one address: refused without a lookup past the
/// limit (429 with Retry-After, also for a valid token), audited up to the
/// limit and once more; another address is not affected. An IPv6 client
/// is its /64.
#[tokio::test]
async fn failed_token_attempts_are_limited_per_address() {
    let up = Upstream::start().await;
    let gw = Gateway::start(|s| routes(s, "", &up.url())).await;
    let good = create(&gw, "deployer", &["ci"]);
    let from = |ip: &str, token: &str| {
        format!("X-Forwarded-For: {ip}\r\nAuthorization: Bearer {token}\r\n")
    };
    let limit = passgate::token::FAILURES_ALLOWED;
    for i in 0..limit {
        let (bad, _) = passgate::token::new_token();
        let a = send(&gw, "GET /api/x", &from("203.0.113.50", &bad)).await;
        assert_eq!(a.status, 401, "attempt {i}");
    }
    let (bad, _) = passgate::token::new_token();
    let a = send(&gw, "GET /api/x", &from("203.0.113.50", &bad)).await;
    assert_eq!(
        a.status, 401,
        "the attempt over the limit is still answered"
    );
    let a = send(&gw, "GET /api/x", &from("203.0.113.50", &good)).await;
    assert_eq!(a.status, 429, "{}", a.head);
    assert!(a.head.contains("retry-after: "), "{}", a.head);
    let a = send(&gw, "GET /api/x", &from("203.0.113.51", &good)).await;
    assert_eq!(a.status, 200, "another address is not affected");
    // IPv6: one /64 is one client, whichever of its addresses it uses.
    for i in 0..=limit {
        let (bad, _) = passgate::token::new_token();
        let ip = format!("2001:db8:7:7::{:x}", i + 1);
        let a = send(&gw, "GET /api/x", &from(&ip, &bad)).await;
        assert_eq!(a.status, 401, "attempt {i} from the /64");
    }
    let a = send(&gw, "GET /api/x", &from("2001:db8:7:7:ffff::1", &good)).await;
    assert_eq!(a.status, 429, "another address of the same /64: {}", a.head);
    let a = send(&gw, "GET /api/x", &from("2001:db8:7:8::1", &good)).await;
    assert_eq!(a.status, 200, "the next /64 is not affected");
    let audit = gw.cli_json(&["audit", "--kind", "token.", "--limit", "200"]);
    let events = audit.as_array().unwrap();
    // Events carry the client's own address.
    let count = |ip: &str, kind: &str| {
        events
            .iter()
            .filter(|e| e["ip"].as_str().is_some_and(|a| a.starts_with(ip)) && e["kind"] == kind)
            .count() as u64
    };
    assert_eq!(
        (
            count("203.0.113.50", "token.failed"),
            count("203.0.113.50", "token.blocked")
        ),
        (limit, 1),
        "{audit}"
    );
    assert_eq!(
        (
            count("2001:db8:7:7::", "token.failed"),
            count("2001:db8:7:7::", "token.blocked")
        ),
        (limit, 1),
        "the /64's failures and its block: {audit}"
    );
    assert_eq!(events.len() as u64, 2 * (limit + 1), "{audit}");
}

/// Revocation reaches a second replica within a second (PostgreSQL +
/// Redis), after both cached the token.
#[tokio::test]
async fn revoking_a_token_reaches_every_replica() {
    let up = Upstream::start().await;
    let upstream = up.url();
    let a = Gateway::start_with(Db::Postgres, Some(crate::common::redis_url()), |s| {
        routes(s, "", &upstream)
    })
    .await;
    let b = a.replica().await;
    let port_b = b.port;
    let on_b = async |token: &str| -> u16 {
        let req = format!(
            "GET /api/x HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nAuthorization: Bearer {token}\r\n\r\n"
        );
        raw(([127, 0, 0, 1], port_b).into(), req.as_bytes()).await.0
    };
    let token = create(&a, "deployer", &["ci"]);
    assert_eq!(status_with(&a, &token).await, 200);
    assert_eq!(on_b(&token).await, 200);
    assert_eq!(a.cli(&["token", "revoke", "deployer"]).0, 0);
    let took = within("token revocation reached replica B", async || {
        on_b(&token).await == 401
    })
    .await;
    assert!(took < Duration::from_secs(5), "{took:?}");
    assert_eq!(status_with(&a, &token).await, 401);
    drop(b);
}

/// `check-config --explain` shows every dimension of the deciding rule,
/// and what it means for a request with a service token.
#[tokio::test]
async fn explain_shows_what_a_token_gets_and_every_dimension() {
    let gw = Gateway::start(|s| {
        s.config(
            "",
            r#"
[[route]]
host = "localhost"
path = "/api"
methods = ["GET", "POST"]
networks = ["10.0.0.0/8"]
groups = ["ci"]
tokens = true
upstream = "http://127.0.0.1:9"

[[route]]
host = "localhost"
path = "/vault"
max_age = "15m"
require = ["passkey"]
upstream = "http://127.0.0.1:9"

[[route]]
host = "localhost"
upstream = "http://127.0.0.1:9"
"#,
        )
    })
    .await;
    let explain = |args: &[&str]| {
        let mut all = vec!["check-config", "--explain"];
        all.extend_from_slice(args);
        let (code, out, err) = gw.cli(&all);
        assert_eq!(code, 0, "{err}");
        out
    };
    let out = explain(&[
        "http://localhost/api/x",
        "--method",
        "POST",
        "--from",
        "10.1.2.3",
        "--token",
    ]);
    for want in [
        "POST http://localhost/api/x from 10.1.2.3 with a service token",
        "matches route[0] localhost/api",
        "methods: GET, POST",
        "networks: 10.0.0.0/8",
        "service tokens: accepted (tokens = true)",
        "decision: allowed for a valid token of service accounts in ci",
    ] {
        assert!(out.contains(want), "{want:?} in:\n{out}");
    }
    let out = explain(&["http://localhost/api/x", "--from", "192.0.2.1", "--token"]);
    assert!(
        out.contains("passed over route[0]") && out.contains("matches route[2]"),
        "{out}"
    );
    assert!(out.contains("refused (403 token_not_accepted)"), "{out}");
    let out = explain(&["http://localhost/vault/keys"]);
    for want in ["max_age: 15m", "require: passkey"] {
        assert!(out.contains(want), "{want:?} in:\n{out}");
    }
    let (t, _) = passgate::token::new_token();
    let out = explain(&[&format!("http://localhost/api/x?token={t}"), "--token"]);
    assert!(out.contains("refused with 400 (token_in_url)"), "{out}");
}
