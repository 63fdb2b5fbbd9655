//! Two replicas on one PostgreSQL database and one Redis, as behind a load
//! balancer: every step of a sign-in may land on either. The browser keeps
//! the public origin (replica B runs on A's file, so both have A's
//! `public_url`) and sends each step to the replica the test picks.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, SystemTime};

use serde_json::{Value, json};

use crate::common::browser::{Browser, mail};
use crate::common::gateway::{Db, Gateway, Replica, client};
use crate::common::soft_authenticator::{self as soft, Tamper};

async fn pair() -> (Gateway, Replica) {
    let a = Gateway::start_with(Db::Postgres, Some(crate::common::redis_url()), |s| {
        s.config(
            "",
            "[signup]\nmode = \"open\"\n\n[[route]]\nhost = \"localhost\"\nupstream = \"http://127.0.0.1:9\"\n",
        )
    })
    .await;
    let b = a.replica().await;
    (a, b)
}

/// Who the session cookie of `browser` belongs to, asked on `url`'s replica.
async fn who_on(browser: &Browser, url: String) -> Option<Value> {
    let r = browser.client.get(url).send().await.unwrap();
    (r.status() == 200).then_some(r.json().await.unwrap())
}

#[tokio::test]
async fn an_email_link_or_code_requested_on_one_replica_is_confirmed_on_the_other() {
    let (a, b) = pair().await;
    let outbox = a.dir.path().join("outbox");
    // The link: requested on A, confirmed on B.
    let br = Browser::new(&a.origin());
    let t = SystemTime::now() - Duration::from_secs(1);
    let r = br
        .submit(
            "/.passgate/email/start",
            &[("email", "link@example.com"), ("rd", "")],
        )
        .await;
    assert_eq!(r.status(), 200);
    let (link, _) = mail(&outbox, "link@example.com", t).await;
    let token = link.split("token=").nth(1).unwrap().to_string();
    let r = br
        .submit(&b.url("/.passgate/email/verify"), &[("token", &token)])
        .await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap_or_default());
    let me = who_on(&br, a.url("/.passgate/whoami")).await.unwrap();
    assert_eq!(me["email"], "link@example.com", "signed in on A too");
    assert!(who_on(&br, b.url("/.passgate/whoami")).await.is_some());
    // The same link again, on A: spent on every replica.
    let again = Browser::new(&a.origin());
    let r = again
        .submit("/.passgate/email/verify", &[("token", &token)])
        .await;
    assert_ne!(r.status(), 303, "a spent link does not sign in on A");

    // The code: requested on B, typed on A.
    let bc = Browser::new(&a.origin());
    let t = SystemTime::now() - Duration::from_secs(1);
    let r = bc
        .submit(
            &b.url("/.passgate/email/start"),
            &[("email", "code@example.com"), ("rd", "")],
        )
        .await;
    assert_eq!(r.status(), 200);
    let (_, code) = mail(&outbox, "code@example.com", t).await;
    let r = bc
        .submit(
            "/.passgate/email/code",
            &[("email", "code@example.com"), ("code", &code)],
        )
        .await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap_or_default());
    assert_eq!(
        who_on(&bc, b.url("/.passgate/whoami")).await.unwrap()["email"],
        "code@example.com"
    );
}

#[tokio::test]
async fn a_passkey_ceremony_started_on_one_replica_is_finished_on_the_other() {
    let (a, b) = pair().await;
    let outbox = a.dir.path().join("outbox");
    // Sign up by email on A, then add a passkey: started on A, finished on B.
    let br = Browser::new(&a.origin());
    let t = SystemTime::now() - Duration::from_secs(1);
    br.submit(
        "/.passgate/email/start",
        &[("email", "pk@example.com"), ("rd", "")],
    )
    .await;
    let (link, _) = mail(&outbox, "pk@example.com", t).await;
    let token = link.split("token=").nth(1).unwrap().to_string();
    let r = br
        .submit("/.passgate/email/verify", &[("token", &token)])
        .await;
    assert_eq!(r.status(), 303);
    let (s, start, _) = br
        .json("/.passgate/webauthn/register/start", &json!({}))
        .await;
    assert_eq!(s, 200, "{start}");
    let (mut cred, response) = soft::register(&start["options"], &br.origin, &Tamper::default());
    let (s, body, _) = br
        .json(
            &b.url("/.passgate/webauthn/register/finish"),
            &json!({ "ceremony": start["ceremony"], "credential": response }),
        )
        .await;
    assert_eq!(s, 200, "registration finished on B: {body}");

    // Sign in with it in a new browser: started on B, finished on A.
    let fresh = Browser::new(&a.origin());
    let (s, start, _) = fresh
        .json(&b.url("/.passgate/webauthn/authenticate/start"), &json!({}))
        .await;
    assert_eq!(s, 200);
    let response = soft::assert(
        &mut cred,
        &start["options"],
        &fresh.origin,
        &Tamper::default(),
    );
    let finish = json!({ "ceremony": start["ceremony"], "credential": response, "rd": "" });
    let (s, body, _) = fresh
        .json("/.passgate/webauthn/authenticate/finish", &finish)
        .await;
    assert_eq!(s, 200, "sign-in finished on A: {body}");
    let me = who_on(&fresh, b.url("/.passgate/whoami")).await.unwrap();
    assert_eq!(me["email"], "pk@example.com");
    assert_eq!(me["auth_method"], "webauthn", "{me}");
    // The same answer again on B: the ceremony is spent everywhere.
    let (s, _, _) = fresh
        .json(&b.url("/.passgate/webauthn/authenticate/finish"), &finish)
        .await;
    assert_eq!(s, 400, "a spent ceremony does not sign in on B");
    // Without the cookie, B knows nobody.
    let r = client()
        .get(b.url("/.passgate/whoami"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}
