//! The admin pages (wave 2): members of `admins` with a recent passkey
//! sign-in search people, see their passkeys and sessions, disable,
//! enable and sign them out everywhere; everyone else is sent to sign in,
//! to step-up or to a 403; forged POSTs, unknown people, oversize searches
//! and page numbers get a clear 4xx and change nothing.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common::browser::Browser;
use crate::common::gateway::{Gateway, client};

fn config(s: &crate::common::gateway::Setup) -> String {
    s.config(
        "",
        "[[route]]\nhost = \"localhost\"\nupstream = \"http://127.0.0.1:9\"\n",
    )
}

/// A session for `email` signed in with `method` `age` seconds ago.
async fn session_aged(
    gw: &Gateway,
    email: &str,
    groups: &[&str],
    method: &str,
    age: i64,
) -> String {
    gw.session_for(email, groups).await;
    let store = gw.store().await;
    let user = store.find_user_by_email(email).await.unwrap().unwrap();
    let now = passgate::clock::Clock::now(&passgate::clock::SystemClock);
    let (token, hash) = passgate::session::new_token();
    store
        .create_session(&passgate::store::SessionRecord {
            id: passgate::session::random_id(16),
            token_hash: hash.to_vec(),
            user_id: user.id,
            auth_method: method.into(),
            created_at: now - age,
            last_seen_at: now,
            expires_at: now + 86_400,
            idle_timeout: 86_400,
            user_agent: "Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0".into(),
            ip: "127.0.0.1".into(),
            credential_id: None,
        })
        .await
        .unwrap();
    token
}

async fn browser(gw: &Gateway, token: &str) -> Browser {
    let b = Browser::new(&gw.origin());
    b.csrf().await;
    b.jar.add_cookie_str(
        &format!("passgate_session={token}; Path=/"),
        &gw.origin().parse().unwrap(),
    );
    b
}

fn location(r: &reqwest::Response) -> String {
    r.headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_manage_people_and_nobody_else_can() {
    let gw = Gateway::start(config).await;
    let root = session_aged(&gw, "root@example.com", &["admins"], "webauthn", 5).await;
    let bob = gw.session_for("bob@example.com", &["dev"]).await;
    let store = gw.store().await;
    let bob_id = store
        .find_user_by_email("bob@example.com")
        .await
        .unwrap()
        .unwrap()
        .id;
    let root_id = store
        .find_user_by_email("root@example.com")
        .await
        .unwrap()
        .unwrap()
        .id;

    // Nobody signed in: to the login page, returning here.
    let r = client()
        .get(gw.url("/.passgate/admin"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert!(location(&r).contains("/.passgate/login?rd="));
    // A non-admin: 403, on every admin URL.
    let nb = browser(&gw, &bob).await;
    for path in [
        "/.passgate/admin",
        &format!("/.passgate/admin/people/{root_id}"),
    ] {
        let r = nb
            .client
            .get(gw.url(path))
            .header("accept", "text/html")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "{path}");
    }
    let r = nb
        .submit(&format!("/.passgate/admin/people/{root_id}/disable"), &[])
        .await;
    assert_eq!(r.status(), 403);
    // An admin whose sign-in is stale, or by email: step-up first.
    for (method, age) in [("webauthn", 3600), ("email", 5)] {
        let t = session_aged(&gw, "root@example.com", &["admins"], method, age).await;
        let b = browser(&gw, &t).await;
        let r = b
            .client
            .get(gw.url("/.passgate/admin"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "{method} {age}");
        assert!(
            location(&r).contains("/.passgate/step-up?rd="),
            "{}",
            location(&r)
        );
        let page = b
            .client
            .get(location(&r))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        if method == "email" {
            assert!(!page.contains("email/start"), "passkey only: {page}");
        }
    }

    // The admin: the list, a search, a person.
    let a = browser(&gw, &root).await;
    let (status, page) = a.get("/.passgate/admin").await;
    assert_eq!(status, 200);
    assert!(page.contains("bob@example.com") && page.contains("root@example.com"));
    let (_, page) = a.get("/.passgate/admin?q=BOB").await;
    assert!(
        page.contains("bob@example.com") && !page.contains("root@example.com"),
        "{page}"
    );
    let (status, page) = a.get(&format!("/.passgate/admin/people/{bob_id}")).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("dev") && page.contains("Sign out everywhere"),
        "{page}"
    );

    // Disable bob: his session ends at once; the audit names the admin.
    let r = a
        .submit(&format!("/.passgate/admin/people/{bob_id}/disable"), &[])
        .await;
    assert_eq!(r.status(), 303);
    assert!(location(&r).ends_with("?notice=disabled"));
    let who = client()
        .get(gw.url("/.passgate/whoami"))
        .header("cookie", format!("passgate_session={bob}"))
        .send()
        .await
        .unwrap();
    assert_eq!(who.status(), 401, "a disabled person's session ends");
    assert!(store.get_user(&bob_id).await.unwrap().unwrap().disabled);
    let audit = gw.cli_json(&["audit", "--kind", "admin."]);
    assert!(
        audit
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "admin.user.disable"
                && e["detail"]
                    .as_str()
                    .unwrap()
                    .contains("by root@example.com")),
        "{audit}"
    );
    let r = a
        .submit(&format!("/.passgate/admin/people/{bob_id}/enable"), &[])
        .await;
    assert_eq!(r.status(), 303);
    assert!(!store.get_user(&bob_id).await.unwrap().unwrap().disabled);
    // Sign out everywhere.
    let bob2 = gw.session_for("bob@example.com", &["dev"]).await;
    let r = a
        .submit(&format!("/.passgate/admin/people/{bob_id}/sign-out"), &[])
        .await;
    assert_eq!(r.status(), 303);
    let who = client()
        .get(gw.url("/.passgate/whoami"))
        .header("cookie", format!("passgate_session={bob2}"))
        .send()
        .await
        .unwrap();
    assert_eq!(who.status(), 401);

    // Not yourself; not a stranger; no forged POST; no oversize input.
    let r = a
        .submit(&format!("/.passgate/admin/people/{root_id}/disable"), &[])
        .await;
    assert_eq!(r.status(), 409);
    assert!(!store.get_user(&root_id).await.unwrap().unwrap().disabled);
    let (status, _) = a.get("/.passgate/admin/people/no-such-id").await;
    assert_eq!(status, 404);
    let r = a
        .submit("/.passgate/admin/people/no-such-id/disable", &[])
        .await;
    assert_eq!(r.status(), 404);
    let r = a
        .submit(&format!("/.passgate/admin/people/{bob_id}/promote"), &[])
        .await;
    assert_eq!(r.status(), 404);
    let forged = a
        .client
        .post(gw.url(&format!("/.passgate/admin/people/{bob_id}/disable")))
        .header("origin", "https://evil.example")
        .form(&[("csrf", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    let no_csrf = a
        .client
        .post(gw.url(&format!("/.passgate/admin/people/{bob_id}/disable")))
        .header("origin", gw.origin())
        .form(&[("x", "y")])
        .send()
        .await
        .unwrap();
    assert_eq!(no_csrf.status(), 403);
    assert!(
        !store.get_user(&bob_id).await.unwrap().unwrap().disabled,
        "nothing changed"
    );
    for q in [
        format!("?q={}", "x".repeat(201)),
        "?page=0".into(),
        "?page=99999999999".into(),
        "?page=x".into(),
    ] {
        let (status, _) = a.get(&format!("/.passgate/admin{q}")).await;
        assert_eq!(status, 400, "{q}");
    }
    // Apps and keys: read the OIDC clients and keys, rotate them.
    let nb = browser(&gw, &gw.session_for("bob@example.com", &["dev"]).await).await;
    let r = nb
        .client
        .get(gw.url("/.passgate/admin/system"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = nb.submit("/.passgate/admin/keys/rotate", &[]).await;
    assert_eq!(r.status(), 403);
    let before = store.signing_keys().await.unwrap().len();
    let (status, page) = a.get("/.passgate/admin/system").await;
    assert_eq!(status, 200);
    assert!(
        page.contains("Signing keys") && page.contains("RS256") && page.contains("ES256"),
        "{page}"
    );
    let r = a.submit("/.passgate/admin/keys/rotate", &[]).await;
    assert_eq!(r.status(), 303);
    assert!(location(&r).ends_with("/admin/system?notice=rotated"));
    assert_eq!(store.signing_keys().await.unwrap().len(), before + 2);

    // The audit log: filtered, exported as JSON Lines and CSV (with no
    // cell a spreadsheet would run as a formula).
    let (status, page) = a.get("/.passgate/admin/audit?kind=admin.user").await;
    assert_eq!(status, 200);
    assert!(
        page.contains("admin.user.disable") && !page.contains("admin.keys.rotate"),
        "{page}"
    );
    let (status, page) = a
        .get("/.passgate/admin/audit?email=bob%40example.com")
        .await;
    assert_eq!(status, 200);
    assert!(page.contains("admin.user.enable"), "{page}");
    let (_, page) = a
        .get("/.passgate/admin/audit?email=nobody%40example.com")
        .await;
    assert!(
        !page.contains("admin.user"),
        "a stranger's filter shows nothing"
    );
    let r = a
        .client
        .get(gw.url("/.passgate/admin/audit?kind=admin.&format=jsonl"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("attachment")
    );
    let jsonl = r.text().await.unwrap();
    for line in jsonl.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert!(v["kind"].as_str().unwrap().starts_with("admin."), "{line}");
    }
    assert!(jsonl.lines().count() >= 3);
    let ev = passgate::store::NewAuditEvent {
        at: 1,
        kind: "admin.test".into(),
        success: true,
        user_id: None,
        email: None,
        ip: None,
        user_agent: None,
        detail: "=HYPERLINK(\"https://evil.example\")".into(),
    };
    store.append_audit(&ev).await.unwrap();
    let csv = a
        .client
        .get(gw.url("/.passgate/admin/audit?kind=admin.test&format=csv"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        csv.starts_with("id,at,kind,success,email,ip,detail\n"),
        "{csv}"
    );
    assert!(
        csv.contains("\"'=HYPERLINK(\"\"https://evil.example\"\")\""),
        "{csv}"
    );
    let (status, _) = a.get("/.passgate/admin/audit?format=xml").await;
    assert_eq!(status, 400);
    let (status, _) = a.get("/.passgate/admin/audit?page=101").await;
    assert_eq!(status, 400);
    let nb2 = browser(&gw, &gw.session_for("bob@example.com", &["dev"]).await).await;
    let r = nb2
        .client
        .get(gw.url("/.passgate/admin/audit?format=jsonl"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "no export for a non-admin");

    // Two admins disabling each other at once never leave none.
    let ada = session_aged(&gw, "ada@example.com", &["admins"], "webauthn", 5).await;
    let ada_id = store
        .find_user_by_email("ada@example.com")
        .await
        .unwrap()
        .unwrap()
        .id;
    let b_ada = browser(&gw, &ada).await;
    let (to_ada, to_root) = (
        format!("/.passgate/admin/people/{ada_id}/disable"),
        format!("/.passgate/admin/people/{root_id}/disable"),
    );
    let (x, y) = tokio::join!(a.submit(&to_ada, &[]), b_ada.submit(&to_root, &[]));
    let root_off = store.get_user(&root_id).await.unwrap().unwrap().disabled;
    let ada_off = store.get_user(&ada_id).await.unwrap().unwrap().disabled;
    assert!(
        !(root_off && ada_off),
        "both admins disabled ({} / {})",
        x.status(),
        y.status()
    );
    let audit = gw.cli_json(&["audit", "--kind", "admin.refused"]);
    assert!(
        !audit.as_array().unwrap().is_empty(),
        "a non-admin's try is audited"
    );

    // (Whichever won, root is an enabled admin again for what follows.)
    let now = passgate::clock::Clock::now(&passgate::clock::SystemClock);
    store.set_user_disabled(&root_id, false, now).await.unwrap();

    // In German.
    let a = browser(
        &gw,
        &session_aged(&gw, "root@example.com", &["admins"], "webauthn", 5).await,
    )
    .await;
    let r = a
        .client
        .get(gw.url("/.passgate/admin"))
        .header("accept-language", "de")
        .send()
        .await
        .unwrap();
    let page = r.text().await.unwrap();
    assert!(page.contains("Personen") && page.contains("<html lang=\"de\">"));
    assert!(!gw.log().contains("panicked"));
}
