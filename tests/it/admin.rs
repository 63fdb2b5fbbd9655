//! The admin pages (wave 2): members of `admins` with a recent passkey
//! sign-in search people, see their passkeys and sessions, disable,
//! enable and sign them out everywhere; everyone else is sent to sign in,
//! to step-up or to a 403; forged POSTs, unknown people, oversize searches
//! and page numbers get a clear 4xx and change nothing. Then groups,
//! invitations, service tokens, the activity chart and the rest of what an
//! admin does to a person, with the guards that keep an admin.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common::browser::Browser;
use crate::common::gateway::{Gateway, client};
use crate::common::within;

fn config(s: &crate::common::gateway::Setup) -> String {
    s.config(
        "",
        "[[route]]\nhost = \"localhost\"\nupstream = \"http://127.0.0.1:9\"\n",
    )
}

/// A session for `email` signed in with `method` `age` seconds ago.
pub(crate) async fn session_aged(
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

pub(crate) async fn browser(gw: &Gateway, token: &str) -> Browser {
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
            .any(|e| e["kind"] == "admin.user.disable" && e["actor"] == "root@example.com"),
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
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    assert!(
        r.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("default-src 'none'")
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
        actor: None,
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
        csv.starts_with("id,at,kind,success,email,ip,detail,actor\n"),
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
        root_off ^ ada_off,
        "exactly one of the two is disabled: root {root_off}, ada {ada_off} ({} / {})",
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

/// The text of the element with this `id` (entities undone).
fn text_of(page: &str, id: &str) -> String {
    let start = page
        .find(&format!("id=\"{id}\""))
        .and_then(|i| page[i..].find('>').map(|j| i + j + 1))
        .unwrap_or_else(|| panic!("no #{id} in {page}"));
    let end = start + page[start..].find('<').unwrap();
    page[start..end]
        .replace("&#x2f;", "/")
        .replace("&#47;", "/")
        .replace("&#x3d;", "=")
        .replace("&#61;", "=")
        .replace("&amp;", "&")
        .trim()
        .to_string()
}

async fn user_id(store: &passgate::store::SharedStore, email: &str) -> String {
    store.find_user_by_email(email).await.unwrap().unwrap().id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_manage_groups_invitations_tokens_and_people() {
    let gw = Gateway::start(config).await;
    let root = session_aged(&gw, "root@example.com", &["admins"], "webauthn", 5).await;
    let bob = gw.session_for("bob@example.com", &["dev"]).await;
    let store = gw.store().await;
    let (root_id, bob_id) = (
        user_id(&store, "root@example.com").await,
        user_id(&store, "bob@example.com").await,
    );
    let a = browser(&gw, &root).await;
    let nb = browser(&gw, &bob).await;

    // Nobody but an admin sees or changes any of it.
    for path in [
        "/.passgate/admin/groups",
        "/.passgate/admin/groups/dev",
        "/.passgate/admin/invites",
        "/.passgate/admin/tokens",
        "/.passgate/admin/activity",
        &format!("/.passgate/admin/people/{root_id}/delete"),
    ] {
        assert_eq!(nb.get(path).await.0, 403, "{path}");
    }
    for (path, fields) in [
        ("/.passgate/admin/groups", vec![("name", "sneaky")]),
        ("/.passgate/admin/groups/dev/rename", vec![("to", "x")]),
        ("/.passgate/admin/invites", vec![("email", "x@example.com")]),
        ("/.passgate/admin/tokens", vec![("name", "sneaky")]),
    ] {
        assert_eq!(nb.submit(path, &fields).await.status(), 403, "{path}");
    }
    assert!(
        store
            .list_groups()
            .await
            .unwrap()
            .iter()
            .all(|g| g.name != "sneaky")
    );
    assert!(store.list_service_accounts().await.unwrap().is_empty());
    assert!(store.list_invites().await.unwrap().is_empty());

    // Browsers say how a request was made: a script's fetch of a page, or
    // a form it submits without the person, is refused and changes nothing
    // (an application sharing the portal's origin could otherwise use these
    // pages as the admin).
    for dest in ["empty", "iframe"] {
        let r = a
            .client
            .get(gw.url("/.passgate/admin/tokens"))
            .header("sec-fetch-dest", dest)
            .header("sec-fetch-mode", "cors")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "{dest}");
        assert!(!r.text().await.unwrap().contains("name=\"csrf\""));
    }
    let navigated = [
        ("sec-fetch-dest", "document"),
        ("sec-fetch-mode", "navigate"),
        ("sec-fetch-site", "same-origin"),
    ];
    let r = a
        .submit_with(
            "/.passgate/admin/groups",
            &[("name", "scripted")],
            &navigated,
        )
        .await;
    assert_eq!(r.status(), 403, "a form submitted by a script");
    let r = a
        .submit_with(
            "/.passgate/admin/groups",
            &[("name", "fetched")],
            &[
                ("sec-fetch-dest", "empty"),
                ("sec-fetch-mode", "cors"),
                ("sec-fetch-user", "?1"),
            ],
        )
        .await;
    assert_eq!(r.status(), 403, "a fetch");
    assert!(
        store
            .list_groups()
            .await
            .unwrap()
            .iter()
            .all(|g| g.name != "scripted" && g.name != "fetched")
    );
    let mut by_hand = navigated.to_vec();
    by_hand.push(("sec-fetch-user", "?1"));
    let r = a
        .submit_with("/.passgate/admin/groups", &[("name", "by-hand")], &by_hand)
        .await;
    assert_eq!(r.status(), 303, "a form the person submitted");
    let r = a
        .client
        .get(gw.url("/.passgate/admin/groups/by-hand"))
        .header("sec-fetch-dest", "document")
        .header("sec-fetch-mode", "navigate")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "a page opened as a page");
    a.submit(
        "/.passgate/admin/groups/by-hand/delete",
        &[("confirm", "by-hand")],
    )
    .await;

    // Groups: create, add a member, rename, delete with typed confirmation.
    let r = a
        .submit("/.passgate/admin/groups", &[("name", "ops")])
        .await;
    assert_eq!(r.status(), 303);
    assert!(location(&r).ends_with("/admin/groups/ops?notice=group_created"));
    assert_eq!(
        a.submit("/.passgate/admin/groups", &[("name", "ops")])
            .await
            .status(),
        409
    );
    for bad in ["no spaces", ".", ".."] {
        assert_eq!(
            a.submit("/.passgate/admin/groups", &[("name", bad)])
                .await
                .status(),
            400,
            "{bad:?}"
        );
    }
    let r = a
        .submit(
            "/.passgate/admin/groups/ops/add",
            &[("email", "bob@example.com")],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        store.user_groups(&bob_id).await.unwrap(),
        vec!["dev", "ops"]
    );
    let (status, page) = a.get("/.passgate/admin/groups/ops").await;
    assert_eq!(status, 200);
    assert!(page.contains("bob@example.com"), "{page}");
    // Bob's gateway identity follows at once.
    let who = client()
        .get(gw.url("/.passgate/whoami"))
        .header("cookie", format!("passgate_session={bob}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(who.contains("ops"), "{who}");
    let r = a
        .submit(
            "/.passgate/admin/groups/ops/rename",
            &[("to", "operations")],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        store.user_groups(&bob_id).await.unwrap(),
        vec!["dev", "operations"]
    );
    for (path, to) in [
        ("/.passgate/admin/groups/operations/rename", "admins"),
        ("/.passgate/admin/groups/admins/rename", "root-club"),
    ] {
        assert_eq!(a.submit(path, &[("to", to)]).await.status(), 409, "{path}");
    }
    assert_eq!(
        a.submit(
            "/.passgate/admin/groups/admins/delete",
            &[("confirm", "admins")]
        )
        .await
        .status(),
        409
    );
    assert_eq!(
        a.submit(
            "/.passgate/admin/groups/operations/delete",
            &[("confirm", "ops")]
        )
        .await
        .status(),
        400,
        "the typed name must match"
    );
    assert!(
        store
            .user_groups(&bob_id)
            .await
            .unwrap()
            .contains(&"operations".to_string())
    );
    let r = a
        .submit(
            "/.passgate/admin/groups/operations/delete",
            &[("confirm", "operations")],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(store.user_groups(&bob_id).await.unwrap(), vec!["dev"]);
    assert_eq!(a.get("/.passgate/admin/groups/operations").await.0, 404);
    assert_eq!(
        a.submit(
            "/.passgate/admin/groups/nope/add",
            &[("email", "bob@example.com")]
        )
        .await
        .status(),
        404
    );
    // Root cannot take themselves out of admins here.
    assert_eq!(
        a.submit(
            "/.passgate/admin/groups/admins/remove",
            &[("user", &root_id)]
        )
        .await
        .status(),
        409
    );
    assert!(
        store
            .user_groups(&root_id)
            .await
            .unwrap()
            .contains(&"admins".to_string())
    );

    // Invitations: made with groups, the link shown once and emailed.
    let sent_after = std::time::SystemTime::now() - std::time::Duration::from_secs(1);
    let r = a
        .submit(
            "/.passgate/admin/invites",
            &[
                ("email", "new@example.com"),
                ("groups", "dev, qa"),
                ("days", "3"),
            ],
        )
        .await;
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    let link = text_of(&page, "invite-link");
    assert!(link.contains("/.passgate/invite?token="), "{link}");
    let mail = std::fs::read_dir(gw.dir.path().join("outbox"))
        .unwrap()
        .flatten()
        .filter(|e| e.metadata().unwrap().modified().unwrap() >= sent_after)
        .map(|e| std::fs::read_to_string(e.path()).unwrap())
        .find(|m| m.contains("To: new@example.com"))
        .expect("the invitation was emailed");
    assert!(mail.contains("invite?token="), "{mail}");
    let invite = &store.list_invites().await.unwrap()[0];
    assert_eq!(invite.groups, vec!["dev", "qa"]);
    assert_eq!(invite.expires_at - invite.created_at, 3 * 86_400);
    assert_eq!(invite.created_by.as_deref(), Some("root@example.com"));
    let (status, page) = a.get("/.passgate/admin/invites").await;
    assert_eq!(status, 200);
    assert!(
        page.contains("new@example.com") && page.contains("pending"),
        "{page}"
    );
    let open = |l: String| async move {
        client()
            .get(l)
            .header("accept", "text/html")
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    };
    assert_eq!(open(link.clone()).await, 200);
    // Sent again: a new link; the first one stops working.
    let r = a
        .submit(
            &format!("/.passgate/admin/invites/{}/resend", invite.id),
            &[],
        )
        .await;
    assert_eq!(r.status(), 200);
    let link2 = text_of(&r.text().await.unwrap(), "invite-link");
    assert_ne!(link, link2);
    assert_eq!(open(link.clone()).await, 410);
    assert_eq!(open(link2.clone()).await, 200);
    let again = &store.list_invites().await.unwrap()[0];
    assert_eq!(
        (again.groups.clone(), again.expires_at - again.created_at),
        (vec!["dev".to_string(), "qa".to_string()], 3 * 86_400)
    );
    // Revoked: the link is dead and the invitation gone.
    let r = a
        .submit(
            &format!("/.passgate/admin/invites/{}/revoke", again.id),
            &[],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(open(link2).await, 410);
    assert!(store.list_invites().await.unwrap().is_empty());
    assert_eq!(
        a.submit(
            &format!("/.passgate/admin/invites/{}/revoke", again.id),
            &[]
        )
        .await
        .status(),
        404
    );
    for fields in [
        vec![("email", "not-an-address")],
        vec![("email", "x@example.com"), ("days", "0")],
        vec![("email", "x@example.com"), ("days", "91")],
        vec![("email", "x@example.com"), ("groups", "bad group!")],
    ] {
        assert_eq!(
            a.submit("/.passgate/admin/invites", &fields).await.status(),
            400,
            "{fields:?}"
        );
    }
    for groups in ["", "dev"] {
        // With groups too: an invitation never signs anyone in as an
        // existing account (the admin sees the link).
        assert_eq!(
            a.submit(
                "/.passgate/admin/invites",
                &[("email", "bob@example.com"), ("groups", groups)]
            )
            .await
            .status(),
            409,
            "bob has an account already"
        );
    }
    assert!(store.list_invites().await.unwrap().is_empty());

    // Service tokens: the token is shown once and works; rotation and
    // revocation take effect.
    let r = a
        .submit(
            "/.passgate/admin/tokens",
            &[("name", "ci-bot"), ("groups", "deploy"), ("days", "0")],
        )
        .await;
    assert_eq!(r.status(), 200);
    let token = text_of(&r.text().await.unwrap(), "token");
    assert!(token.starts_with("pgt_"), "{token}");
    let hash = passgate::token::hash(&token).unwrap();
    let (t, acct) = store.service_token_by_hash(&hash).await.unwrap().unwrap();
    assert_eq!(
        (acct.name.as_str(), acct.groups.clone(), t.expires_at),
        ("ci-bot", vec!["deploy".to_string()], None)
    );
    for (fields, want) in [
        (vec![("name", "CI-BOT")], 409),
        (vec![("name", "-bad")], 400),
        (vec![("name", "ok"), ("days", "x")], 400),
    ] {
        assert_eq!(
            a.submit("/.passgate/admin/tokens", &fields).await.status(),
            want,
            "{fields:?}"
        );
    }
    let r = a
        .submit("/.passgate/admin/tokens/ci-bot/rotate", &[("overlap", "1")])
        .await;
    assert_eq!(r.status(), 200);
    let token2 = text_of(&r.text().await.unwrap(), "token");
    assert_ne!(token, token2);
    let (old, _) = store.service_token_by_hash(&hash).await.unwrap().unwrap();
    let ends = old
        .expires_at
        .expect("the old token ends after the overlap");
    assert!((ends - old.created_at - 3600).abs() < 60, "{ends}");
    let r = a
        .submit("/.passgate/admin/tokens/ci-bot/disable", &[])
        .await;
    assert_eq!(r.status(), 303);
    assert!(
        store
            .service_account("ci-bot")
            .await
            .unwrap()
            .unwrap()
            .disabled
    );
    a.submit("/.passgate/admin/tokens/ci-bot/enable", &[]).await;
    assert!(
        !store
            .service_account("ci-bot")
            .await
            .unwrap()
            .unwrap()
            .disabled
    );
    let (_, page) = a.get("/.passgate/admin/tokens").await;
    assert!(
        page.contains("ci-bot") && page.contains("2 valid tokens"),
        "{page}"
    );
    let r = a.submit("/.passgate/admin/tokens/ci-bot/revoke", &[]).await;
    assert_eq!(r.status(), 303);
    assert!(store.service_token_by_hash(&hash).await.unwrap().is_none());
    let hash2 = passgate::token::hash(&token2).unwrap();
    assert!(store.service_token_by_hash(&hash2).await.unwrap().is_none());
    assert_eq!(
        a.submit("/.passgate/admin/tokens/nobody/revoke", &[])
            .await
            .status(),
        404
    );

    // A person: name and username (not a service account's name), groups,
    // one passkey, one session, delete.
    let person = format!("/.passgate/admin/people/{bob_id}");
    let r = a
        .submit(
            &format!("{person}/profile"),
            // No line break reaches the store (or Remote-Name).
            &[("name", "Bob\r\nBuilder"), ("username", "bob")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let u = store.get_user(&bob_id).await.unwrap().unwrap();
    assert_eq!(
        (u.display_name.as_str(), u.username.as_deref()),
        ("BobBuilder", Some("bob"))
    );
    for (fields, want) in [
        (vec![("name", "B"), ("username", "ci-bot")], 409),
        (vec![("name", "B"), ("username", "has space")], 400),
        // Never someone's address: Remote-User would name them.
        (vec![("name", "B"), ("username", "root@example.com")], 400),
        (vec![("name", "B"), ("username", "..")], 400),
        (
            vec![("name", "x".repeat(101).leak() as &str), ("username", "")],
            400,
        ),
    ] {
        assert_eq!(
            a.submit(&format!("{person}/profile"), &fields)
                .await
                .status(),
            want,
            "{fields:?}"
        );
    }
    assert_eq!(
        store.get_user(&bob_id).await.unwrap().unwrap().display_name,
        "BobBuilder"
    );
    a.submit(&format!("{person}/join"), &[("group", "qa")])
        .await;
    assert_eq!(store.user_groups(&bob_id).await.unwrap(), vec!["dev", "qa"]);
    a.submit(&format!("{person}/leave"), &[("group", "dev")])
        .await;
    assert_eq!(store.user_groups(&bob_id).await.unwrap(), vec!["qa"]);
    assert_eq!(
        a.submit(&format!("{person}/leave"), &[("group", "dev")])
            .await
            .status(),
        404
    );
    // A passkey and a session made with it: removing the passkey ends it.
    let now = passgate::clock::Clock::now(&passgate::clock::SystemClock);
    store
        .add_passkey(&passgate::store::PasskeyRecord {
            credential_id: vec![7; 16],
            user_id: bob_id.clone(),
            name: "Bob's key".into(),
            data: "{}".into(),
            aaguid: None,
            backup_eligible: false,
            backup_state: false,
            sign_count: 0,
            created_at: now,
            last_used_at: None,
        })
        .await
        .unwrap();
    let (with_key, hash) = passgate::session::new_token();
    store
        .create_session(&passgate::store::SessionRecord {
            id: "bob-key-session".into(),
            token_hash: hash.to_vec(),
            user_id: bob_id.clone(),
            auth_method: "webauthn".into(),
            created_at: now,
            last_seen_at: now,
            expires_at: now + 3600,
            idle_timeout: 3600,
            user_agent: "Firefox/130.0".into(),
            ip: "127.0.0.1".into(),
            credential_id: Some(vec![7; 16]),
        })
        .await
        .unwrap();
    let (_, page) = a.get(&person).await;
    assert!(
        page.contains("Bob&#x27;s key") || page.contains("Bob&#39;s key"),
        "{page}"
    );
    let whoami_url = gw.url("/.passgate/whoami");
    let whoami = |t: String| {
        let url = whoami_url.clone();
        async move {
            client()
                .get(url)
                .header("cookie", format!("passgate_session={t}"))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(whoami(with_key.clone()).await, 200);
    assert_eq!(
        a.submit(&format!("{person}/remove-passkey"), &[("passkey", "AAAA")])
            .await
            .status(),
        404
    );
    let r = a
        .submit(
            &format!("{person}/remove-passkey"),
            &[("passkey", "BwcHBwcHBwcHBwcHBwcHBw")],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert!(store.passkeys_for_user(&bob_id).await.unwrap().is_empty());
    // One's own passkeys are the account page's.
    assert_eq!(
        a.submit(
            &format!("/.passgate/admin/people/{root_id}/remove-passkey"),
            &[("passkey", "AAAA")]
        )
        .await
        .status(),
        409
    );
    assert_eq!(
        whoami(with_key).await,
        401,
        "the session made with it ended"
    );
    // One session: someone else's id is not found; bob's ends.
    let bob_sid = store.list_sessions(Some(&bob_id)).await.unwrap()[0]
        .id
        .clone();
    let root_sid = store.list_sessions(Some(&root_id)).await.unwrap()[0]
        .id
        .clone();
    assert_eq!(
        a.submit(&format!("{person}/end-session"), &[("session", &root_sid)])
            .await
            .status(),
        404
    );
    assert_eq!(whoami(root.clone()).await, 200);
    let r = a
        .submit(&format!("{person}/end-session"), &[("session", &bob_sid)])
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(whoami(bob.clone()).await, 401);
    // Delete: the address must be typed; never oneself.
    let (status, page) = a.get(&format!("{person}/delete")).await;
    assert_eq!(status, 200);
    assert!(page.contains("bob@example.com"), "{page}");
    assert_eq!(
        a.submit(
            &format!("{person}/delete"),
            &[("confirm", "bob@example.org")]
        )
        .await
        .status(),
        400
    );
    assert!(store.get_user(&bob_id).await.unwrap().is_some());
    assert_eq!(
        a.get(&format!("/.passgate/admin/people/{root_id}/delete"))
            .await
            .0,
        409
    );
    assert_eq!(
        a.submit(
            &format!("/.passgate/admin/people/{root_id}/delete"),
            &[("confirm", "root@example.com")]
        )
        .await
        .status(),
        409
    );
    let r = a
        .submit(
            &format!("{person}/delete"),
            &[("confirm", " BOB@example.com ")],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert!(store.get_user(&bob_id).await.unwrap().is_none());
    assert_eq!(a.get(&person).await.0, 404);
    // The audit log still finds what happened to them by their address.
    let (_, page) = a
        .get("/.passgate/admin/audit?email=bob%40example.com&kind=admin.user")
        .await;
    assert!(page.contains("admin.user.delete"), "{page}");

    // What an admin did is found by their address (the actor).
    let (_, page) = a
        .get("/.passgate/admin/audit?email=root%40example.com&kind=admin.token")
        .await;
    assert!(
        page.contains("admin.token.create") && page.contains("admin.token.revoke"),
        "{page}"
    );
    let export = a
        .client
        .get(gw.url("/.passgate/admin/audit?kind=admin.token.create&format=jsonl"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        export.contains("\"actor\":\"root@example.com\""),
        "{export}"
    );

    // Every change is audited with the acting admin.
    let audit = gw.cli_json(&["audit", "--kind", "admin."]);
    for kind in [
        "admin.group.add",
        "admin.group.rename",
        "admin.group.delete",
        "admin.invite",
        "admin.invite.revoke",
        "admin.token.create",
        "admin.token.rotate",
        "admin.token.revoke",
        "admin.user.update",
        "admin.passkey.remove",
        "admin.session.revoke",
        "admin.user.delete",
    ] {
        assert!(
            audit
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["kind"] == kind && e["actor"] == "root@example.com"),
            "{kind}: {audit}"
        );
    }
    assert!(
        !audit.to_string().contains(&token2),
        "no token in the audit log"
    );

    // Activity: today's sign-ins by method, failures and lockouts.
    for (kind, success, n) in [
        ("signin.webauthn", true, 3),
        ("signin.email", true, 2),
        ("signin.failed", false, 4),
        ("signin.lockout", false, 1),
    ] {
        for _ in 0..n {
            store
                .append_audit(&passgate::store::NewAuditEvent {
                    at: now,
                    kind: kind.into(),
                    success,
                    ..Default::default()
                })
                .await
                .unwrap();
        }
    }
    let (status, page) = a.get("/.passgate/admin/activity?days=7").await;
    assert_eq!(status, 200);
    assert!(
        page.contains("<svg") && page.contains("bar-passkey"),
        "{page}"
    );
    let today = passgate::page::date(now);
    assert!(
        page.contains(&format!(
            "<tr><th scope=\"row\">{today}</th><td>3</td><td>2</td><td>4</td><td>1</td></tr>"
        )),
        "{page}"
    );
    assert!(
        page.contains(
            "5 sign-ins (3 with a passkey, 2 by email), 4 failed sign-ins and 1 lockouts"
        ),
        "{page}"
    );
    assert_eq!(a.get("/.passgate/admin/activity?days=8").await.0, 400);

    // The audit log's time filter.
    let (_, page) = a
        .get("/.passgate/admin/audit?kind=admin.user&since=1h")
        .await;
    assert!(page.contains("admin.user.delete"), "{page}");
    let (_, page) = a
        .get("/.passgate/admin/audit?kind=admin.user&since=2999-01-01")
        .await;
    assert!(!page.contains("admin.user.delete"), "{page}");
    assert_eq!(a.get("/.passgate/admin/audit?since=someday").await.0, 400);

    // In Spanish, with no English left on the new pages.
    for path in ["groups", "invites", "tokens", "activity"] {
        let page = a
            .client
            .get(gw.url(&format!("/.passgate/admin/{path}")))
            .header("accept-language", "es")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        for english in [
            "Invite someone",
            "Service tokens",
            "New group",
            "Sign-ins",
            "Revoke",
        ] {
            assert!(!page.contains(english), "{path}: {english}");
        }
    }
    assert!(!gw.log().contains("panicked"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_actions_reach_every_replica() {
    use crate::common::gateway::Db;
    // Two replicas on one PostgreSQL database and one Redis; the admin
    // works on A, the people are signed in on B.
    let a = Gateway::start_with(Db::Postgres, Some(crate::common::redis_url()), config).await;
    let b = a.replica().await;
    let port_b = b.port;
    let on_b = async |token: &str| -> (u16, serde_json::Value) {
        let r = client()
            .get(format!("http://localhost:{port_b}/.passgate/whoami"))
            .header("cookie", format!("passgate_session={token}"))
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or_default())
    };
    let root = session_aged(&a, "root@example.com", &["admins"], "webauthn", 5).await;
    let admin = browser(&a, &root).await;
    let store = a.store().await;
    let bob = a.session_for("bob@example.com", &["dev"]).await;
    let carol = a.session_for("carol@example.com", &[]).await;
    let dave = a.session_for("dave@example.com", &[]).await;
    let dave_too = a.session_for("dave@example.com", &[]).await;
    for t in [&bob, &carol, &dave, &dave_too] {
        assert_eq!(on_b(t).await.0, 200);
    }
    let id = async |email: &str| user_id(&store, email).await;

    // Disabled on A: out on B.
    let r = admin
        .submit(
            &format!(
                "/.passgate/admin/people/{}/disable",
                id("bob@example.com").await
            ),
            &[],
        )
        .await;
    assert_eq!(r.status(), 303);
    within(
        "a disable on the admin pages reached replica B",
        async || on_b(&bob).await.0 == 401,
    )
    .await;
    // A group joined on A: on B at once.
    let r = admin
        .submit("/.passgate/admin/groups", &[("name", "ops")])
        .await;
    assert_eq!(r.status(), 303);
    let r = admin
        .submit(
            "/.passgate/admin/groups/ops/add",
            &[("email", "carol@example.com")],
        )
        .await;
    assert_eq!(r.status(), 303);
    within(
        "a group change on the admin pages reached replica B",
        async || on_b(&carol).await.1["groups"] == serde_json::json!(["ops"]),
    )
    .await;
    // Renamed on A: the new name on B.
    let r = admin
        .submit(
            "/.passgate/admin/groups/ops/rename",
            &[("to", "operations")],
        )
        .await;
    assert_eq!(r.status(), 303);
    within("a group rename reached replica B", async || {
        on_b(&carol).await.1["groups"] == serde_json::json!(["operations"])
    })
    .await;
    // One of dave's sessions ended on A: that one is out on B, the other not.
    let dave_id = id("dave@example.com").await;
    let sessions = store.list_sessions(Some(&dave_id)).await.unwrap();
    let hash = passgate::secret::token_hash(&dave).unwrap().to_vec();
    let sid = sessions
        .iter()
        .find(|s| s.token_hash == hash)
        .unwrap()
        .id
        .clone();
    let r = admin
        .submit(
            &format!("/.passgate/admin/people/{dave_id}/end-session"),
            &[("session", &sid)],
        )
        .await;
    assert_eq!(r.status(), 303);
    within("one ended session reached replica B", async || {
        on_b(&dave).await.0 == 401
    })
    .await;
    assert_eq!(
        on_b(&dave_too).await.0,
        200,
        "the other session is untouched"
    );
    // Deleted on A: out on B.
    let r = admin
        .submit(
            &format!("/.passgate/admin/people/{dave_id}/delete"),
            &[("confirm", "dave@example.com")],
        )
        .await;
    assert_eq!(r.status(), 303);
    within("a deletion reached replica B", async || {
        on_b(&dave_too).await.0 == 401
    })
    .await;
    drop(b);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_email_sign_in_the_last_passkey_stays() {
    let gw = Gateway::start(|s| {
        s.config(
            "",
            "[[route]]\nhost = \"localhost\"\nupstream = \"http://127.0.0.1:9\"\n",
        )
        .replace("[email]\n", "[email]\nsign_in = false\n")
    })
    .await;
    let root = session_aged(&gw, "root@example.com", &["admins"], "webauthn", 5).await;
    gw.session_for("bob@example.com", &[]).await;
    let store = gw.store().await;
    let bob = user_id(&store, "bob@example.com").await;
    let now = passgate::clock::Clock::now(&passgate::clock::SystemClock);
    for cred in [1u8, 2] {
        store
            .add_passkey(&passgate::store::PasskeyRecord {
                credential_id: vec![cred; 16],
                user_id: bob.clone(),
                name: format!("key {cred}"),
                data: "{}".into(),
                aaguid: None,
                backup_eligible: false,
                backup_state: false,
                sign_count: 0,
                created_at: now,
                last_used_at: None,
            })
            .await
            .unwrap();
    }
    // (The sign-in page has no form without email sign-in: the CSRF
    // cookie comes from the admin page.)
    let a = Browser::new(&gw.origin());
    a.jar.add_cookie_str(
        &format!("passgate_session={root}; Path=/"),
        &gw.origin().parse().unwrap(),
    );
    assert_eq!(
        a.get(&format!("/.passgate/admin/people/{bob}")).await.0,
        200
    );
    let remove = async |cred: u8| {
        use base64::Engine;
        let id = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode([cred; 16]);
        a.submit(
            &format!("/.passgate/admin/people/{bob}/remove-passkey"),
            &[("passkey", &id)],
        )
        .await
        .status()
    };
    assert_eq!(remove(1).await, 303, "one of two goes");
    assert_eq!(remove(2).await, 409, "the last one stays");
    assert_eq!(store.passkeys_for_user(&bob).await.unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_pages_answer_alike_on_both_serving_paths() {
    for server in ["", "http1_loop = false"] {
        let gw = Gateway::start(|s| {
            s.config(
                server,
                "[[route]]\nhost = \"localhost\"\nupstream = \"http://127.0.0.1:9\"\n",
            )
        })
        .await;
        let root = session_aged(&gw, "root@example.com", &["admins"], "webauthn", 5).await;
        let bob = gw.session_for("bob@example.com", &[]).await;
        let store = gw.store().await;
        let (a, nb) = (browser(&gw, &root).await, browser(&gw, &bob).await);
        // Anonymous: to sign in; a non-admin: 403; an admin: the page.
        let r = client()
            .get(gw.url("/.passgate/admin/groups"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "{server:?}");
        assert_eq!(nb.get("/.passgate/admin/groups").await.0, 403, "{server:?}");
        assert_eq!(a.get("/.passgate/admin/groups").await.0, 200, "{server:?}");
        // A non-admin's, a forged and a scripted POST change nothing.
        assert_eq!(
            nb.submit("/.passgate/admin/groups", &[("name", "x1")])
                .await
                .status(),
            403
        );
        let forged = a
            .client
            .post(gw.url("/.passgate/admin/groups"))
            .header("origin", "https://evil.example")
            .form(&[("csrf", "x"), ("name", "x2")])
            .send()
            .await
            .unwrap();
        assert_eq!(forged.status(), 403, "{server:?}");
        let scripted = a
            .submit_with(
                "/.passgate/admin/groups",
                &[("name", "x3")],
                &[("sec-fetch-dest", "empty"), ("sec-fetch-mode", "cors")],
            )
            .await;
        assert_eq!(scripted.status(), 403, "{server:?}");
        let names: Vec<String> = store
            .list_groups()
            .await
            .unwrap()
            .into_iter()
            .map(|g| g.name)
            .collect();
        assert_eq!(names, vec!["admins"], "{server:?}");
        // The admin's own action goes through, and a guard holds.
        let r = a
            .submit("/.passgate/admin/groups", &[("name", "ops")])
            .await;
        assert_eq!(r.status(), 303, "{server:?}");
        let root_id = user_id(&store, "root@example.com").await;
        let r = a
            .submit(&format!("/.passgate/admin/people/{root_id}/disable"), &[])
            .await;
        assert_eq!(r.status(), 409, "{server:?}");
        assert!(!gw.log().contains("panicked"));
    }
}
