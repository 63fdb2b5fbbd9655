//! Operating passgate: the admin CLI on both databases, revocations from the
//! CLI reaching running replicas, invitations end to end, key rotation, the
//! audit log, and `/metrics`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Command;
use std::time::Duration;

use crate::common::browser::Browser;
use crate::common::gateway::{Db, Gateway, Setup, client, free_port};
use crate::common::within;
use serde_json::Value;

fn cfg(s: &Setup, server_extra: &str) -> String {
    s.config(server_extra, "[signup]\nmode = \"invite\"\n\n[[route]]\nhost = \"localhost\"\nupstream = \"http://127.0.0.1:9\"\n")
}

/// Run the CLI with the gateway's config; returns (exit code, stdout, stderr).
fn cli(gw: &Gateway, args: &[&str]) -> (i32, String, String) {
    gw.cli(args)
}

fn cli_json(gw: &Gateway, args: &[&str]) -> Value {
    gw.cli_json(args)
}

async fn admin_cli_works_on(db: Db) {
    let gw = Gateway::start_with(db, None, |s| cfg(s, "")).await;
    let v = cli_json(
        &gw,
        &[
            "user",
            "add",
            "ann@example.com",
            "--name",
            "Ann",
            "--group",
            "ops",
            "--admin",
        ],
    );
    assert_eq!(v["email"], "ann@example.com");
    assert_eq!(v["admin"], true);
    assert_eq!(v["groups"], serde_json::json!(["ops", "admins"]));
    // Duplicates (any case) are refused, and nothing is half-written.
    let (code, _, err) = cli(
        &gw,
        &["user", "add", "ANN@example.com", "--group", "new-group"],
    );
    assert_eq!(code, 1);
    assert!(err.contains("already exists"), "{err}");
    assert!(
        !cli_json(&gw, &["group", "list"])
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g["name"] == "new-group"),
        "the failed command created no group"
    );
    // Unknown users, bad durations, bad names: one clear message each.
    let (code, _, err) = cli(&gw, &["user", "disable", "ghost@example.com"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("no user with address ghost@example.com"),
        "{err}"
    );
    let (code, _, err) = cli(&gw, &["invite", "x@example.com", "--expires", "soon"]);
    assert_eq!(code, 2);
    assert!(err.contains("not a duration"), "{err}");
    let (code, _, err) = cli(&gw, &["group", "add", "bad name"]);
    assert_eq!(code, 2, "{err}");

    cli_json(&gw, &["group", "add", "dev", "ann@example.com"]);
    let show = cli_json(&gw, &["user", "show", "ann@example.com"]);
    assert_eq!(show["groups"], serde_json::json!(["admins", "dev", "ops"]));
    let (code, _, _) = cli(&gw, &["group", "remove", "dev", "ann@example.com"]);
    assert_eq!(code, 0);
    assert_eq!(
        cli_json(&gw, &["user", "show", "ann@example.com"])["groups"],
        serde_json::json!(["admins", "ops"])
    );
    assert_eq!(cli(&gw, &["group", "remove", "dev"]).0, 0);
    assert_eq!(
        cli(&gw, &["group", "remove", "dev"]).0,
        1,
        "deleting a missing group fails"
    );

    let list = cli_json(&gw, &["user", "list"]);
    assert_eq!(list.as_array().unwrap().len(), 1);
    let (code, table, _) = cli(&gw, &["user", "list"]);
    assert_eq!(code, 0);
    assert!(
        table.starts_with("EMAIL") && table.contains("ann@example.com"),
        "{table}"
    );

    assert_eq!(
        cli_json(&gw, &["user", "disable", "ann@example.com"])["disabled"],
        true
    );
    assert_eq!(
        cli_json(&gw, &["user", "show", "ann@example.com"])["disabled"],
        true
    );
    assert_eq!(
        cli_json(&gw, &["user", "enable", "ann@example.com"])["disabled"],
        false
    );
    assert_eq!(
        cli_json(&gw, &["user", "delete", "ann@example.com"])["deleted"],
        true
    );
    assert!(
        cli_json(&gw, &["user", "list"])
            .as_array()
            .unwrap()
            .is_empty()
    );

    // Every admin action is in the audit log.
    let kinds: Vec<String> = cli_json(&gw, &["audit", "--kind", "admin.", "--since", "1h"])
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_string())
        .collect();
    for k in [
        "admin.user.add",
        "admin.group.add",
        "admin.user.disable",
        "admin.user.enable",
        "admin.user.delete",
    ] {
        assert!(kinds.iter().any(|x| x == k), "{k} missing from {kinds:?}");
    }
}

#[tokio::test]
async fn admin_cli_on_sqlite() {
    admin_cli_works_on(Db::Sqlite).await;
}

#[tokio::test]
async fn admin_cli_on_postgres() {
    admin_cli_works_on(Db::Postgres).await;
}

#[tokio::test]
async fn an_unreachable_database_is_one_clear_message() {
    let gw = Gateway::start(|s| cfg(s, "")).await;
    let text = std::fs::read_to_string(&gw.config_path).unwrap();
    let broken = gw.dir.path().join("broken.toml");
    // Not waited for: the server should give up at once.
    std::fs::write(
        &broken,
        text.replace(
            &gw.database_url,
            "postgres://admin:s3cret@127.0.0.1:1/passgate",
        )
        .replacen("[storage]\n", "[storage]\nstartup_wait = \"0s\"\n", 1),
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_passgate"))
        .arg("--config")
        .arg(&broken)
        .args(["user", "list"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(err.trim().lines().count(), 1, "one message: {err}");
    assert!(
        err.contains("cannot connect") && err.contains("127.0.0.1:1") && !err.contains("s3cret"),
        "{err}"
    );
    // The server says the same and exits non-zero.
    let out = Command::new(env!("CARGO_BIN_EXE_passgate"))
        .arg("--config")
        .arg(&broken)
        .arg("serve")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot connect"));
}

async fn whoami(gw: &Gateway, token: &str) -> u16 {
    client()
        .get(gw.url("/.passgate/whoami"))
        .header("cookie", format!("passgate_session={token}"))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn disabling_from_the_cli_ends_sessions_on_a_running_gateway() {
    let gw = Gateway::start(|s| cfg(s, "")).await;
    let token = gw.session_for("dan@example.com", &[]).await;
    assert_eq!(whoami(&gw, &token).await, 200, "cached now");
    let (code, _, err) = cli(&gw, &["user", "disable", "dan@example.com"]);
    assert_eq!(code, 0, "{err}");
    let took = within(
        "CLI disable reached the gateway (SQLite, no Redis)",
        async || whoami(&gw, &token).await == 401,
    )
    .await;
    assert!(took < Duration::from_secs(5));
}

#[tokio::test]
async fn revocations_reach_every_replica_with_postgres_and_redis() {
    // Two replicas on one PostgreSQL database and one Redis.
    let a = Gateway::start_with(Db::Postgres, Some(crate::common::redis_url()), |s| {
        cfg(s, "")
    })
    .await;
    let b = a.replica().await;
    let port_b = b.port;
    let on_b = async |token: &str| {
        client()
            .get(format!("http://localhost:{port_b}/.passgate/whoami"))
            .header("cookie", format!("passgate_session={token}"))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    };
    let t1 = a.session_for("multi@example.com", &["dev"]).await;
    let t2 = a.session_for("multi@example.com", &["dev"]).await;
    assert_eq!(whoami(&a, &t1).await, 200);
    assert_eq!(on_b(&t1).await, 200);
    assert_eq!(on_b(&t2).await, 200);
    // Revoke all of the user's sessions from the CLI.
    assert_eq!(
        cli(&a, &["session", "revoke", "--user", "multi@example.com"]).0,
        0
    );
    within("CLI revoke reached replica A", async || {
        whoami(&a, &t1).await == 401
    })
    .await;
    within("CLI revoke reached replica B", async || {
        on_b(&t2).await == 401
    })
    .await;
    // Group changes reach both too.
    let t3 = a.session_for("multi@example.com", &[]).await;
    let groups = async |port: u16, t: &str| -> Value {
        client()
            .get(format!("http://localhost:{port}/.passgate/whoami"))
            .header("cookie", format!("passgate_session={t}"))
            .send()
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap()["groups"]
            .clone()
    };
    assert_eq!(groups(port_b, &t3).await, serde_json::json!(["dev"]));
    assert_eq!(cli(&a, &["group", "add", "ops", "multi@example.com"]).0, 0);
    within("group change reached replica B", async || {
        groups(port_b, &t3).await == serde_json::json!(["dev", "ops"])
    })
    .await;
    drop(b);
}

#[tokio::test]
async fn invitations_from_the_cli_work_end_to_end() {
    let gw = Gateway::start(|s| cfg(s, "")).await;
    let v = cli_json(
        &gw,
        &[
            "invite",
            "ivy@example.com",
            "--group",
            "dev",
            "--group",
            "ops",
            "--expires",
            "2d",
        ],
    );
    assert_eq!(v["email_sent"], true);
    let link = v["link"].as_str().unwrap().to_string();
    assert!(link.starts_with(&format!("{}/.passgate/invite?token=", gw.origin())));
    let mails = std::fs::read_dir(gw.dir.path().join("outbox"))
        .unwrap()
        .count();
    assert_eq!(mails, 1, "the invitation was emailed");
    let b = Browser::new(&gw.origin());
    let (status, page) = b.get(&link).await;
    assert_eq!(status, 200);
    assert!(page.contains("ivy@example.com") && page.contains("dev, ops"));
    let token = link.split("token=").nth(1).unwrap();
    let r = b.submit("/.passgate/invite", &[("token", token)]).await;
    assert_eq!(r.status(), 303);
    assert!(
        r.headers()["location"]
            .to_str()
            .unwrap()
            .contains("welcome=1")
    );
    let me = b.whoami().await.unwrap();
    assert_eq!(me["email"], "ivy@example.com");
    assert_eq!(me["groups"], serde_json::json!(["dev", "ops"]));
    // Single use.
    let other = Browser::new(&gw.origin());
    assert_eq!(
        other
            .submit("/.passgate/invite", &[("token", token)])
            .await
            .status(),
        410
    );
    // Invited again, with an account: the groups are added, and nobody is
    // signed in by the link (whoever made it saw it; the account signs in
    // its own way).
    let v = cli_json(&gw, &["invite", "ivy@example.com", "--group", "qa"]);
    let token = v["link"]
        .as_str()
        .unwrap()
        .split("token=")
        .nth(1)
        .unwrap()
        .to_string();
    let stranger = Browser::new(&gw.origin());
    let r = stranger
        .submit("/.passgate/invite", &[("token", &token)])
        .await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("Sign in as usual"));
    assert!(
        stranger.whoami().await.is_none(),
        "not signed in by an invitation"
    );
    assert_eq!(
        b.whoami().await.unwrap()["groups"],
        serde_json::json!(["dev", "ops", "qa"])
    );
    let kinds = cli_json(&gw, &["audit", "--user", "ivy@example.com"]);
    assert!(
        kinds
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "invite.used")
    );
}

#[tokio::test]
async fn keys_rotate_with_overlap_on_a_running_gateway() {
    let gw = Gateway::start(|s| cfg(s, "")).await;
    // The published kids of one algorithm (ES256 signs assertions, RS256
    // OpenID Connect ID tokens; a rotation turns both over).
    let kids = async |alg: &str| -> Vec<String> {
        let v: Value = client()
            .get(gw.url("/.passgate/jwks.json"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        v["keys"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|k| k["alg"] == alg)
            .map(|k| k["kid"].as_str().unwrap().to_string())
            .collect()
    };
    let jwks = async || kids("ES256").await;
    let before = jwks().await;
    assert_eq!(before.len(), 1);
    let rsa_before = kids("RS256").await;
    assert_eq!(rsa_before.len(), 1);
    let token = gw.session_for("keys@example.com", &[]).await;
    let v = cli_json(&gw, &["keys", "rotate"]);
    let new_kid = v["kid"].as_str().unwrap().to_string();
    within("the rotated key is published", async || {
        jwks().await.contains(&new_kid)
    })
    .await;
    let now = jwks().await;
    assert!(now.contains(&before[0]), "the previous key stays published");
    let rsa_now = kids("RS256").await;
    assert_eq!(rsa_now.len(), 2, "the RS256 key turned over too");
    assert!(rsa_now.contains(&rsa_before[0]));
    // New assertions use the new key.
    let r = client()
        .get(gw.url("/.passgate/authz/forward-auth"))
        .header("x-forwarded-proto", "http")
        .header("x-forwarded-host", format!("localhost:{}", gw.port))
        .header("x-forwarded-uri", "/x")
        .header("cookie", format!("passgate_session={token}"))
        .send()
        .await
        .unwrap();
    let jwt = r.headers()["x-passgate-assertion"].to_str().unwrap();
    let header: Value = serde_json::from_slice(
        &base64::Engine::decode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            jwt.split('.').next().unwrap(),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(header["kid"], new_kid.as_str());
}

#[tokio::test]
async fn metrics_are_served_on_their_own_listener() {
    let mport = free_port();
    let gw = Gateway::start(|s| cfg(s, &format!("metrics_listen = \"127.0.0.1:{mport}\""))).await;
    let c = client();
    // Some traffic: a login redirect, an allowed forward-auth, a bad request.
    c.get(gw.url("/x"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    let token = gw.session_for("m@example.com", &[]).await;
    c.get(gw.url("/.passgate/authz/forward-auth"))
        .header("x-forwarded-proto", "http")
        .header("x-forwarded-host", format!("localhost:{}", gw.port))
        .header("x-forwarded-uri", "/x")
        .header("cookie", format!("passgate_session={token}"))
        .send()
        .await
        .unwrap();
    c.get(gw.url("/a%zz")).send().await.unwrap();
    // Not on the public listener.
    assert_eq!(
        c.get(gw.url("/metrics")).send().await.unwrap().status(),
        401
    );
    let text = c
        .get(format!("http://127.0.0.1:{mport}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for needle in [
        // The redirect above, and the /metrics request on the public listener.
        "passgate_requests_total{route=\"route[0]\",decision=\"login\"} 2",
        "passgate_requests_total{route=\"route[0]\",decision=\"allow\"} 1",
        "passgate_requests_total{route=\"none\",decision=\"bad_request\"} 1",
        "passgate_request_duration_seconds_bucket{route=\"route[0]\",decision=\"login\",le=\"+Inf\"} 2",
        "passgate_store_operation_seconds_count{store=\"database\",op=\"session_lookup\"}",
        "# TYPE passgate_active_sessions gauge",
    ] {
        assert!(text.contains(needle), "missing {needle} in:\n{text}");
    }
}

#[tokio::test]
async fn migrate_prepares_fresh_sqlite_and_postgres_databases() {
    let dir = tempfile::tempdir().unwrap();
    let pg = crate::common::PgDatabase::create().await;
    let sqlite = format!("sqlite://{}", dir.path().join("fresh.db").display());
    for url in [sqlite.as_str(), pg.url.as_str()] {
        let cfg = dir.path().join("gateway.toml");
        std::fs::write(&cfg, format!("[storage]\ndatabase_url = \"{url}\"\n")).unwrap();
        for _ in 0..2 {
            let out = Command::new(env!("CARGO_BIN_EXE_passgate"))
                .arg("--config")
                .arg(&cfg)
                .arg("migrate")
                .output()
                .unwrap();
            assert_eq!(
                out.status.code(),
                Some(0),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(String::from_utf8_lossy(&out.stdout).contains("migrations applied"));
        }
        let store = passgate::store::open(&passgate::secret::Secret::new(url))
            .await
            .unwrap();
        store.ping().await.unwrap();
        assert!(store.list_users().await.unwrap().is_empty());
    }
    assert!(
        dir.path().join("fresh.db").exists(),
        "the SQLite file is created"
    );
}

/// Replicas (or a replica and `passgate migrate`) starting together on one
/// fresh database: every one of them comes up, the schema is applied once.
#[tokio::test]
async fn processes_migrating_one_fresh_database_at_once_all_succeed() {
    let dir = tempfile::tempdir().unwrap();
    for round in 0..4 {
        let pg = crate::common::PgDatabase::create().await;
        let sqlite = format!(
            "sqlite://{}",
            dir.path().join(format!("race{round}.db")).display()
        );
        for url in [sqlite.as_str(), pg.url.as_str()] {
            let cfg = dir.path().join(format!("race{round}.toml"));
            std::fs::write(&cfg, format!("[storage]\ndatabase_url = \"{url}\"\n")).unwrap();
            let children: Vec<_> = (0..4)
                .map(|_| {
                    Command::new(env!("CARGO_BIN_EXE_passgate"))
                        .arg("--config")
                        .arg(&cfg)
                        .arg("migrate")
                        .stdout(std::process::Stdio::piped())
                        .stderr(std::process::Stdio::piped())
                        .spawn()
                        .unwrap()
                })
                .collect();
            for child in children {
                let out = child.wait_with_output().unwrap();
                assert_eq!(
                    out.status.code(),
                    Some(0),
                    "round {round}, {url}: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
            }
            let store = passgate::store::open(&passgate::secret::Secret::new(url))
                .await
                .unwrap();
            assert!(store.list_users().await.unwrap().is_empty());
        }
    }
}

/// `passgate demo`, the README's first command: the gateway in front of the
/// demo app, which verifies the assertion against the gateway's JWKS.
#[tokio::test]
async fn the_demo_runs_the_gateway_and_its_app() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_passgate"))
        .args(["demo", "--port", &port.to_string(), "--database"])
        .arg(dir.path().join("demo.db"))
        .current_dir(dir.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    for _ in 0..400 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let c = client();
    let base = format!("http://localhost:{port}");
    let r = c
        .get(format!("{base}/"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302);
    assert!(
        r.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with(&format!("{base}/.passgate/login"))
    );
    let page = c
        .get(format!("{base}/public/hello"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("demo application behind passgate"), "{page}");
    // Sign up by email (open sign-up); the link is printed, and the session
    // reaches the app with an assertion the app verified.
    let b = Browser::new(&base);
    let r = b
        .submit(
            "/.passgate/email/start",
            &[("email", "demo@example.com"), ("rd", "")],
        )
        .await;
    assert_eq!(r.status(), 200);
    let (link, _) = crate::common::browser::mail(
        &dir.path().join("outbox"),
        "demo@example.com",
        std::time::SystemTime::now() - Duration::from_secs(5),
    )
    .await;
    let token = link.split("token=").nth(1).unwrap();
    assert_eq!(
        b.submit("/.passgate/email/verify", &[("token", token)])
            .await
            .status(),
        303
    );
    let v: Value = b
        .client
        .get(format!("{base}/anything"))
        .header("accept", "application/json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["headers"]["remote-email"][0], "demo@example.com");
    assert_eq!(v["assertion"]["verified"], true, "{v}");
    let _ = child.kill();
    let out = child.wait_with_output().unwrap();
    let printed =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(
        printed.contains("passgate demo") && printed.contains(&format!("http://localhost:{port}/")),
        "{printed}"
    );
    assert!(printed.contains(&link), "the email link is printed");
}
