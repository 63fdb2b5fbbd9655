//! One conformance suite for the stores, run unchanged against every backend:
//! the durable store on SQLite and PostgreSQL, the ephemeral store in-process
//! and on Redis, and the session manager on each combination of the two.
//! Time is a manual clock: expiry is tested by moving it, never by sleeping.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::time::Duration;

use passgate::clock::{ManualClock, SharedClock};
use passgate::session::{SessionManager, SessionSettings};
use passgate::store::ephemeral::SharedEphemeral;
use passgate::store::{
    AuditFilter, Broadcast, Grant, Invite, NewAuditEvent, NewUser, PasskeyRecord, RefreshUse,
    SessionRecord, SharedStore, SigningKeyRecord, StoreError,
};

const T0: i64 = 1_700_000_000;

fn new_user(email: &str) -> NewUser {
    NewUser {
        email: email.into(),
        display_name: "Test User".into(),
        ..Default::default()
    }
}

fn passkey(user_id: &str, cred: &[u8]) -> PasskeyRecord {
    PasskeyRecord {
        credential_id: cred.to_vec(),
        user_id: user_id.into(),
        name: "Laptop".into(),
        data: "{\"k\":1}".into(),
        aaguid: Some("00000000-0000-0000-0000-000000000000".into()),
        backup_eligible: true,
        backup_state: false,
        sign_count: 0,
        created_at: T0,
        last_used_at: None,
    }
}

fn session(id: &str, user_id: &str, hash: u8, now: i64) -> SessionRecord {
    SessionRecord {
        id: id.into(),
        token_hash: vec![hash; 32],
        user_id: user_id.into(),
        auth_method: "webauthn".into(),
        created_at: now,
        last_seen_at: now,
        expires_at: now + 1000,
        idle_timeout: 100,
        user_agent: "test".into(),
        ip: "127.0.0.1".into(),
        credential_id: None,
    }
}

// ---------------------------------------------------------------- durable

async fn users(s: SharedStore) {
    let alice = s
        .create_user(&new_user("Alice@Example.com"), T0)
        .await
        .unwrap();
    assert_eq!(alice.email, "Alice@Example.com");
    assert!(!alice.disabled);
    assert_eq!(alice.login_name(), "Alice@Example.com");
    assert_eq!(s.get_user(&alice.id).await.unwrap().as_ref(), Some(&alice));
    assert_eq!(
        s.find_user_by_email("alice@example.COM")
            .await
            .unwrap()
            .map(|u| u.id),
        Some(alice.id.clone())
    );
    assert!(
        s.find_user_by_email("nobody@example.com")
            .await
            .unwrap()
            .is_none()
    );

    let dup = s
        .create_user(&new_user("ALICE@example.com"), T0)
        .await
        .unwrap_err();
    assert!(
        matches!(dup, StoreError::Conflict(ref m) if m.contains("email")),
        "{dup:?}"
    );
    assert!(matches!(
        s.create_user(&new_user("not an email"), T0).await,
        Err(StoreError::Conflict(_))
    ));

    let bob = s
        .create_user(
            &NewUser {
                username: Some("Bob".into()),
                ..new_user("bob@example.com")
            },
            T0 + 1,
        )
        .await
        .unwrap();
    assert_eq!(bob.login_name(), "Bob");
    let taken = s
        .create_user(
            &NewUser {
                username: Some("bob".into()),
                ..new_user("bob2@example.com")
            },
            T0,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(taken, StoreError::Conflict(ref m) if m.contains("username")),
        "{taken:?}"
    );

    let list = s.list_users().await.unwrap();
    assert_eq!(
        list.iter().map(|u| u.email.as_str()).collect::<Vec<_>>(),
        vec!["Alice@Example.com", "bob@example.com"]
    );

    s.update_user(&alice.id, "Alice A.", Some("alice"), T0 + 5)
        .await
        .unwrap();
    let a = s.get_user(&alice.id).await.unwrap().unwrap();
    assert_eq!(
        (a.display_name.as_str(), a.username.as_deref(), a.updated_at),
        ("Alice A.", Some("alice"), T0 + 5)
    );
    assert!(matches!(
        s.update_user("missing", "x", None, T0).await,
        Err(StoreError::NotFound(_))
    ));

    // Disabling ends sessions in the same transaction.
    s.create_session(&session("s1", &alice.id, 1, T0))
        .await
        .unwrap();
    s.create_session(&session("s2", &alice.id, 2, T0))
        .await
        .unwrap();
    s.create_session(&session("s3", &bob.id, 3, T0))
        .await
        .unwrap();
    let mut ended = s.set_user_disabled(&alice.id, true, T0 + 6).await.unwrap();
    ended.sort();
    assert_eq!(ended, vec!["s1", "s2"]);
    assert!(s.get_user(&alice.id).await.unwrap().unwrap().disabled);
    assert!(s.get_session("s1").await.unwrap().is_none());
    assert!(s.get_session("s3").await.unwrap().is_some());
    assert!(
        s.set_user_disabled(&alice.id, false, T0 + 7)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(!s.get_user(&alice.id).await.unwrap().unwrap().disabled);
    assert!(matches!(
        s.set_user_disabled("missing", true, T0).await,
        Err(StoreError::NotFound(_))
    ));

    // Deleting takes passkeys, sessions and memberships along.
    s.add_member(&bob.id, "dev", T0).await.unwrap();
    s.add_passkey(&passkey(&bob.id, b"cred-bob")).await.unwrap();
    s.delete_user(&bob.id).await.unwrap();
    assert!(s.get_user(&bob.id).await.unwrap().is_none());
    assert!(s.get_session("s3").await.unwrap().is_none());
    assert!(
        s.passkey_by_credential(b"cred-bob")
            .await
            .unwrap()
            .is_none()
    );
    assert!(s.user_groups(&bob.id).await.unwrap().is_empty());
    assert_eq!(s.list_groups().await.unwrap()[0].members, 0);
    assert!(matches!(
        s.delete_user(&bob.id).await,
        Err(StoreError::NotFound(_))
    ));
    // The address is free again.
    s.create_user(&new_user("bob@example.com"), T0)
        .await
        .unwrap();
}

async fn groups(s: SharedStore) {
    let u = s
        .create_user(
            &NewUser {
                groups: vec!["ops".into(), "dev".into()],
                ..new_user("g@example.com")
            },
            T0,
        )
        .await
        .unwrap();
    assert_eq!(s.user_groups(&u.id).await.unwrap(), vec!["dev", "ops"]);
    assert!(s.create_group("admins", T0).await.unwrap());
    assert!(!s.create_group("admins", T0).await.unwrap());
    assert!(s.add_member(&u.id, "admins", T0).await.unwrap());
    assert!(!s.add_member(&u.id, "admins", T0).await.unwrap());
    assert!(
        s.add_member(&u.id, "new-team", T0).await.unwrap(),
        "groups are created as needed"
    );
    assert!(matches!(
        s.add_member("nobody", "ops", T0).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        s.add_member(&u.id, "bad name", T0).await,
        Err(StoreError::Conflict(_))
    ));
    let listed: Vec<(String, i64)> = s
        .list_groups()
        .await
        .unwrap()
        .into_iter()
        .map(|g| (g.name, g.members))
        .collect();
    assert_eq!(
        listed,
        vec![
            ("admins".into(), 1),
            ("dev".into(), 1),
            ("new-team".into(), 1),
            ("ops".into(), 1)
        ]
    );
    assert!(s.remove_member(&u.id, "ops").await.unwrap());
    assert!(!s.remove_member(&u.id, "ops").await.unwrap());
    s.delete_group("dev").await.unwrap();
    assert!(matches!(
        s.delete_group("dev").await,
        Err(StoreError::NotFound(_))
    ));
    assert_eq!(
        s.user_groups(&u.id).await.unwrap(),
        vec!["admins", "new-team"]
    );
    // A user created with an invalid group is not created at all.
    let bad = NewUser {
        groups: vec!["ok".into(), "not ok".into()],
        ..new_user("h@example.com")
    };
    assert!(s.create_user(&bad, T0).await.is_err());
    assert!(
        s.find_user_by_email("h@example.com")
            .await
            .unwrap()
            .is_none()
    );
}

async fn renaming_groups(s: SharedStore) {
    let u = s
        .create_user(
            &NewUser {
                groups: vec!["ops".into()],
                ..new_user("r@example.com")
            },
            T0,
        )
        .await
        .unwrap();
    s.create_group("dev", T0).await.unwrap();
    assert!(matches!(
        s.rename_group("ops", "dev").await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        s.rename_group("nope", "other").await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        s.rename_group("ops", "not ok").await,
        Err(StoreError::Conflict(_))
    ));
    // A pending invitation and a service account that name it follow.
    s.create_invite(&Invite {
        groups: vec!["ops".into(), "qa".into()],
        ..invite("ri", "ri@example.com", 90, T0 + 100)
    })
    .await
    .unwrap();
    let account = passgate::store::ServiceAccount {
        id: "svc-r".into(),
        name: "r-bot".into(),
        groups: vec!["ops".into()],
        disabled: false,
        created_at: T0,
    };
    let token = passgate::store::ServiceToken {
        id: "t-r".into(),
        account_id: "svc-r".into(),
        token_hash: vec![91; 32],
        created_at: T0,
        expires_at: None,
        last_used_at: None,
    };
    s.create_service_account(&account, &token).await.unwrap();
    assert_eq!(
        s.rename_group("ops", "operations").await.unwrap(),
        vec!["svc-r".to_string()]
    );
    assert_eq!(
        s.find_invite(&[90; 32]).await.unwrap().unwrap().groups,
        vec!["operations", "qa"]
    );
    assert_eq!(
        s.service_account("r-bot").await.unwrap().unwrap().groups,
        vec!["operations"]
    );
    assert_eq!(s.user_groups(&u.id).await.unwrap(), vec!["operations"]);
    let members: Vec<String> = s
        .group_members("operations")
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.email)
        .collect();
    assert_eq!(members, vec!["r@example.com"]);
    assert!(s.group_members("ops").await.unwrap().is_empty());
    assert!(s.group_members("dev").await.unwrap().is_empty());
    let names: Vec<String> = s
        .list_groups()
        .await
        .unwrap()
        .into_iter()
        .map(|g| g.name)
        .collect();
    assert_eq!(names, vec!["dev", "operations"]);
}

async fn keeping_an_admin(s: SharedStore) {
    use passgate::store::AdminRisk;
    let admin = |e: &str| NewUser {
        groups: vec!["admins".into()],
        ..new_user(e)
    };
    let a = s.create_user(&admin("a@example.com"), T0).await.unwrap();
    let b = s.create_user(&admin("b@example.com"), T0).await.unwrap();
    let c = s.create_user(&new_user("c@example.com"), T0).await.unwrap();
    s.create_session(&session("sb", &b.id, 7, T0))
        .await
        .unwrap();
    // Taking b out is fine while a is left; b's sessions end with it.
    assert_eq!(
        s.change_keeping_an_admin(&b.id, AdminRisk::Disable, T0)
            .await
            .unwrap(),
        vec!["sb".to_string()]
    );
    assert!(s.get_user(&b.id).await.unwrap().unwrap().disabled);
    // a is the last enabled admin: every way of taking them out is refused,
    // and nothing changes.
    for change in [
        AdminRisk::Disable,
        AdminRisk::Delete,
        AdminRisk::LeaveAdmins,
    ] {
        match s.change_keeping_an_admin(&a.id, change, T0).await {
            Err(StoreError::LastAdmin) => {}
            other => panic!("{change:?} of the last admin: {other:?}"),
        }
    }
    let kept = s.get_user(&a.id).await.unwrap().unwrap();
    assert!(!kept.disabled);
    assert_eq!(s.user_groups(&a.id).await.unwrap(), vec!["admins"]);
    // Someone who is not an admin goes whatever happens to the admins.
    s.change_keeping_an_admin(&c.id, AdminRisk::Delete, T0)
        .await
        .unwrap();
    assert!(s.get_user(&c.id).await.unwrap().is_none());
    assert!(matches!(
        s.change_keeping_an_admin("nobody", AdminRisk::Delete, T0)
            .await,
        Err(StoreError::NotFound(_))
    ));
    // Two admins removing each other at once: never both.
    s.set_user_disabled(&b.id, false, T0).await.unwrap();
    for round in 0..5 {
        let (x, y) = tokio::join!(
            {
                let (s, id) = (s.clone(), a.id.clone());
                tokio::spawn(async move {
                    s.change_keeping_an_admin(&id, AdminRisk::LeaveAdmins, T0)
                        .await
                })
            },
            {
                let (s, id) = (s.clone(), b.id.clone());
                tokio::spawn(
                    async move { s.change_keeping_an_admin(&id, AdminRisk::Disable, T0).await },
                )
            },
        );
        let (x, y) = (x.unwrap(), y.unwrap());
        assert_eq!(
            u8::from(x.is_ok()) + u8::from(y.is_ok()),
            1,
            "round {round}: exactly one should win: {x:?} {y:?}"
        );
        // Put both back for the next round.
        s.add_member(&a.id, "admins", T0).await.unwrap();
        s.set_user_disabled(&b.id, false, T0).await.unwrap();
    }
}

async fn passkeys(s: SharedStore) {
    let u = s.create_user(&new_user("p@example.com"), T0).await.unwrap();
    let other = s.create_user(&new_user("q@example.com"), T0).await.unwrap();
    let mut a = passkey(&u.id, b"cred-a");
    s.add_passkey(&a).await.unwrap();
    let mut b = passkey(&u.id, &[0, 255, 7]);
    b.created_at = T0 + 1;
    s.add_passkey(&b).await.unwrap();
    let dup = s
        .add_passkey(&passkey(&other.id, b"cred-a"))
        .await
        .unwrap_err();
    assert!(matches!(dup, StoreError::Conflict(_)), "{dup:?}");
    assert_eq!(
        s.passkeys_for_user(&u.id).await.unwrap(),
        vec![a.clone(), b.clone()]
    );
    assert_eq!(
        s.passkey_by_credential(&[0, 255, 7]).await.unwrap(),
        Some(b.clone())
    );

    s.record_passkey_use(b"cred-a", "{\"k\":2}", 7, true, T0 + 10)
        .await
        .unwrap();
    a.data = "{\"k\":2}".into();
    a.sign_count = 7;
    a.backup_state = true;
    a.last_used_at = Some(T0 + 10);
    assert_eq!(s.passkey_by_credential(b"cred-a").await.unwrap(), Some(a));
    assert!(matches!(
        s.record_passkey_use(b"nope", "", 0, false, T0).await,
        Err(StoreError::NotFound(_))
    ));

    s.rename_passkey(&u.id, b"cred-a", "Phone").await.unwrap();
    assert_eq!(
        s.passkey_by_credential(b"cred-a")
            .await
            .unwrap()
            .unwrap()
            .name,
        "Phone"
    );
    // Another user cannot rename or delete it.
    assert!(matches!(
        s.rename_passkey(&other.id, b"cred-a", "x").await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        s.delete_passkey(&other.id, b"cred-a").await,
        Err(StoreError::NotFound(_))
    ));
    // Deleting a passkey ends the sessions started with it, and only those.
    let mut with_a = session("sa", &u.id, 41, T0);
    with_a.credential_id = Some(b"cred-a".to_vec());
    s.create_session(&with_a).await.unwrap();
    s.create_session(&session("plain", &u.id, 42, T0))
        .await
        .unwrap();
    assert_eq!(
        s.get_session("sa").await.unwrap().unwrap().credential_id,
        Some(b"cred-a".to_vec())
    );
    assert_eq!(
        s.delete_passkey(&u.id, b"cred-a").await.unwrap(),
        vec!["sa"]
    );
    assert!(s.get_session("sa").await.unwrap().is_none());
    assert!(s.get_session("plain").await.unwrap().is_some());
    assert_eq!(s.passkeys_for_user(&u.id).await.unwrap(), vec![b]);
}

async fn sessions(s: SharedStore) {
    let u = s.create_user(&new_user("s@example.com"), T0).await.unwrap();
    let v = s.create_user(&new_user("v@example.com"), T0).await.unwrap();
    let a = session("a", &u.id, 1, T0);
    s.create_session(&a).await.unwrap();
    s.create_session(&session("b", &u.id, 2, T0 + 1))
        .await
        .unwrap();
    s.create_session(&session("c", &v.id, 3, T0)).await.unwrap();
    assert_eq!(
        s.session_by_token_hash(&[1; 32]).await.unwrap(),
        Some(a.clone())
    );
    assert!(s.session_by_token_hash(&[9; 32]).await.unwrap().is_none());
    assert!(
        s.create_session(&session("d", &u.id, 1, T0)).await.is_err(),
        "token hashes are unique"
    );

    s.touch_sessions(&[
        ("a".into(), T0 + 50),
        ("b".into(), T0 - 10),
        ("missing".into(), T0),
    ])
    .await
    .unwrap();
    assert_eq!(
        s.get_session("a").await.unwrap().unwrap().last_seen_at,
        T0 + 50
    );
    assert_eq!(
        s.get_session("b").await.unwrap().unwrap().last_seen_at,
        T0 + 1,
        "never moves backwards"
    );

    let mine: Vec<String> = s
        .list_sessions(Some(&u.id))
        .await
        .unwrap()
        .into_iter()
        .map(|x| x.id)
        .collect();
    assert_eq!(mine, vec!["a", "b"]);
    assert_eq!(s.list_sessions(None).await.unwrap().len(), 3);

    // Idle: b was last seen at T0+1 with a 100 s idle timeout; a at T0+50.
    assert_eq!(
        s.purge_expired_sessions(T0 + 101).await.unwrap(),
        2,
        "b and c are idle"
    );
    assert!(s.get_session("a").await.unwrap().is_some());
    // Absolute expiry wins over activity.
    s.touch_sessions(&[("a".into(), T0 + 990)]).await.unwrap();
    assert_eq!(s.purge_expired_sessions(T0 + 1000).await.unwrap(), 1);

    s.create_session(&session("e", &u.id, 5, T0)).await.unwrap();
    assert!(s.delete_session("e").await.unwrap());
    assert!(!s.delete_session("e").await.unwrap());
    s.create_session(&session("f", &u.id, 6, T0)).await.unwrap();
    s.create_session(&session("g", &u.id, 7, T0)).await.unwrap();
    let mut gone = s.delete_user_sessions(&u.id).await.unwrap();
    gone.sort();
    assert_eq!(gone, vec!["f", "g"]);
}

fn invite(id: &str, email: &str, hash: u8, expires_at: i64) -> Invite {
    Invite {
        id: id.into(),
        token_hash: vec![hash; 32],
        email: email.into(),
        groups: vec!["dev".into(), "ops".into()],
        created_by: Some("admin".into()),
        created_at: T0,
        expires_at,
        used_at: None,
    }
}

async fn invites(s: SharedStore) {
    s.create_invite(&invite("i1", "New@Example.com", 1, T0 + 100))
        .await
        .unwrap();
    s.create_invite(&invite("i2", "late@example.com", 2, T0 + 10))
        .await
        .unwrap();
    let pending = s
        .pending_invite_for("new@example.com", T0)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(pending.groups, vec!["dev", "ops"]);
    let taken = s.take_invite(&[1; 32], T0 + 5).await.unwrap().unwrap();
    assert_eq!((taken.id.as_str(), taken.used_at), ("i1", Some(T0 + 5)));
    assert!(
        s.take_invite(&[1; 32], T0 + 6).await.unwrap().is_none(),
        "single use"
    );
    assert!(
        s.pending_invite_for("new@example.com", T0)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        s.take_invite(&[2; 32], T0 + 10).await.unwrap().is_none(),
        "expired"
    );
    assert!(
        s.take_invite(&[3; 32], T0).await.unwrap().is_none(),
        "unknown"
    );
    assert_eq!(s.list_invites().await.unwrap().len(), 2);
    // Sent again: the new one takes an unused one's place, at once.
    s.create_invite(&invite("i3", "again@example.com", 3, T0 + 100))
        .await
        .unwrap();
    assert!(
        s.replace_invite("i3", &invite("i4", "again@example.com", 4, T0 + 200))
            .await
            .unwrap()
    );
    assert!(s.find_invite(&[3; 32]).await.unwrap().is_none());
    assert_eq!(s.find_invite(&[4; 32]).await.unwrap().unwrap().id, "i4");
    for gone in ["i3", "i1", "nope"] {
        // Replaced, used, unknown: nothing changes.
        assert!(
            !s.replace_invite(gone, &invite("i5", "x@example.com", 5, T0 + 200))
                .await
                .unwrap(),
            "{gone}"
        );
    }
    assert!(s.find_invite(&[5; 32]).await.unwrap().is_none());
    assert!(s.delete_invite("i4").await.unwrap());
    let first = s.list_invites().await.unwrap()[0].id.clone();
    assert!(s.delete_invite(&first).await.unwrap());
    assert!(!s.delete_invite(&first).await.unwrap());
    assert_eq!(s.list_invites().await.unwrap().len(), 1);

    // Racing takes: exactly one wins, every time.
    for round in 0..10u8 {
        let h = 100 + round;
        s.create_invite(&invite(
            &format!("r{round}"),
            "race@example.com",
            h,
            T0 + 100,
        ))
        .await
        .unwrap();
        let (x, y) = tokio::join!(
            {
                let s = s.clone();
                tokio::spawn(async move { s.take_invite(&[h; 32], T0).await })
            },
            {
                let s = s.clone();
                tokio::spawn(async move { s.take_invite(&[h; 32], T0).await })
            }
        );
        let wins = [x.unwrap().unwrap(), y.unwrap().unwrap()]
            .iter()
            .filter(|r| r.is_some())
            .count();
        assert_eq!(wins, 1, "round {round}");
    }
}

async fn audit(s: SharedStore) {
    for (i, (kind, user)) in [
        ("signin.passkey", "u1"),
        ("signin.failed", "u2"),
        ("admin.user.disable", "u1"),
    ]
    .iter()
    .enumerate()
    {
        let id = s
            .append_audit(&NewAuditEvent {
                at: T0 + i as i64 * 10,
                kind: kind.to_string(),
                success: !kind.ends_with("failed"),
                user_id: Some(user.to_string()),
                email: Some(format!("{user}@example.com")),
                ip: Some("10.0.0.1".into()),
                user_agent: Some("ua".into()),
                detail: "{}".into(),
                actor: None,
            })
            .await
            .unwrap();
        assert!(id > 0);
    }
    let all = s.list_audit(&AuditFilter::default()).await.unwrap();
    assert_eq!(
        all.iter()
            .map(|e| e.event.kind.as_str())
            .collect::<Vec<_>>(),
        vec!["admin.user.disable", "signin.failed", "signin.passkey"]
    );
    let u1 = s
        .list_audit(&AuditFilter {
            user_id: Some("u1".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(u1.len(), 2);
    // By address too: u2's events name u2@example.com; a stranger's none.
    let by_email = |user_id: Option<&str>, email: &str| AuditFilter {
        user_id: user_id.map(str::to_string),
        email: Some(email.into()),
        ..Default::default()
    };
    assert_eq!(
        s.list_audit(&by_email(None, "U2@example.com"))
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        s.list_audit(&by_email(Some("u1"), "u2@example.com"))
            .await
            .unwrap()
            .len(),
        3
    );
    assert!(
        s.list_audit(&by_email(None, "nobody@example.com"))
            .await
            .unwrap()
            .is_empty()
    );
    let since = s
        .list_audit(&AuditFilter {
            since: Some(T0 + 10),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(since.len(), 2);
    let signins = s
        .list_audit(&AuditFilter {
            kind_prefix: Some("signin.".into()),
            limit: 1,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(signins.len(), 1);
    assert_eq!(signins[0].event.kind, "signin.failed");
    assert!(!signins[0].event.success);
    // Counted by UTC day: two more passkey sign-ins the next day.
    for at in [T0 + 86_400, T0 + 86_401] {
        s.append_audit(&NewAuditEvent {
            at,
            kind: "signin.passkey".into(),
            success: true,
            ..Default::default()
        })
        .await
        .unwrap();
    }
    let d0 = T0 / 86_400;
    let days: Vec<(i64, String, bool, i64)> = s
        .audit_by_day(T0, &["signin.", "nothing."])
        .await
        .unwrap()
        .into_iter()
        .map(|d| (d.day - d0, d.kind, d.success, d.count))
        .collect();
    assert_eq!(
        days,
        vec![
            (0, "signin.failed".into(), false, 1),
            (0, "signin.passkey".into(), true, 1),
            (1, "signin.passkey".into(), true, 2),
        ]
    );
    assert!(
        s.audit_by_day(T0 + 2 * 86_400, &["signin."])
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(s.purge_audit(T0 + 15).await.unwrap(), 2);
    assert_eq!(
        s.list_audit(&AuditFilter::default()).await.unwrap().len(),
        3
    );
    // Found by who acted, too.
    s.append_audit(&NewAuditEvent {
        at: T0 + 30,
        kind: "admin.token.create".into(),
        success: true,
        actor: Some("Root@example.com".into()),
        ..Default::default()
    })
    .await
    .unwrap();
    let acted = s
        .list_audit(&AuditFilter {
            email: Some("root@example.com".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(acted.len(), 1);
    assert_eq!(acted[0].event.actor.as_deref(), Some("Root@example.com"));
}

fn key(kid: &str, at: i64) -> SigningKeyRecord {
    SigningKeyRecord {
        kid: kid.into(),
        algorithm: "ES256".into(),
        private_pem: format!("pem-{kid}"),
        created_at: at,
        retired_at: None,
    }
}

async fn signing_keys(s: SharedStore) {
    assert!(s.signing_keys().await.unwrap().is_empty());
    assert!(s.insert_first_signing_key(&key("k1", T0)).await.unwrap());
    assert!(
        !s.insert_first_signing_key(&key("k0", T0)).await.unwrap(),
        "only the first start creates a key"
    );
    s.rotate_signing_key(&key("k2", T0 + 10), T0 + 10)
        .await
        .unwrap();
    let keys = s.signing_keys().await.unwrap();
    assert_eq!(
        keys.iter()
            .map(|k| (k.kid.as_str(), k.retired_at))
            .collect::<Vec<_>>(),
        vec![("k2", None), ("k1", Some(T0 + 10))]
    );
    s.rotate_signing_key(&key("k3", T0 + 20), T0 + 20)
        .await
        .unwrap();
    assert_eq!(
        s.delete_signing_keys_retired_before(T0 + 15).await.unwrap(),
        1
    );
    let kids: Vec<String> = s
        .signing_keys()
        .await
        .unwrap()
        .into_iter()
        .map(|k| k.kid)
        .collect();
    assert_eq!(kids, vec!["k3", "k2"]);
    assert!(
        !format!("{:?}", key("k9", 0)).contains("pem-k9"),
        "Debug must not print the private key"
    );
}

/// Keys of each algorithm turn over on their own: the first ES256 key does
/// not stop the first RS256 key from being made, and rotating one leaves
/// the other current.
async fn signing_keys_per_algorithm(s: SharedStore) {
    let rsa = |kid: &str, at: i64| SigningKeyRecord {
        algorithm: "RS256".into(),
        ..key(kid, at)
    };
    assert!(s.insert_first_signing_key(&key("e1", T0)).await.unwrap());
    assert!(s.insert_first_signing_key(&rsa("r1", T0)).await.unwrap());
    assert!(!s.insert_first_signing_key(&rsa("r0", T0)).await.unwrap());
    s.rotate_signing_key(&rsa("r2", T0 + 5), T0 + 5)
        .await
        .unwrap();
    let current: Vec<(String, String)> = s
        .signing_keys()
        .await
        .unwrap()
        .into_iter()
        .filter(|k| k.retired_at.is_none())
        .map(|k| (k.algorithm, k.kid))
        .collect();
    assert_eq!(
        current,
        vec![
            ("RS256".to_string(), "r2".to_string()),
            ("ES256".to_string(), "e1".to_string())
        ]
    );
}

fn grant(id: &str, user_id: &str, session_id: &str, client: &str) -> Grant {
    Grant {
        id: id.into(),
        client_id: client.into(),
        user_id: user_id.into(),
        session_id: session_id.into(),
        scope: "openid offline_access".into(),
        auth_time: T0,
        amr: "webauthn".into(),
        created_at: T0,
        last_used_at: T0,
    }
}

/// OIDC grants: created only for a live session, refresh tokens rotate
/// once (a second use of one deletes the grant), and the grant goes with
/// its session or user.
async fn grants(s: SharedStore) {
    let u = s.create_user(&new_user("g@example.com"), T0).await.unwrap();
    s.create_session(&session("s1", &u.id, 1, T0))
        .await
        .unwrap();
    s.create_session(&session("s2", &u.id, 2, T0))
        .await
        .unwrap();
    let g1 = grant("g1", &u.id, "s1", "app");
    s.create_grant(&g1, Some(&[10; 32])).await.unwrap();
    s.create_grant(&grant("g2", &u.id, "s2", "app"), None)
        .await
        .unwrap();
    s.create_grant(&grant("g3", &u.id, "s1", "other"), Some(&[30; 32]))
        .await
        .unwrap();
    assert!(matches!(
        s.create_grant(&grant("g4", &u.id, "gone", "app"), None)
            .await,
        Err(StoreError::NotFound(_))
    ));
    assert_eq!(s.grant("g1").await.unwrap(), Some(g1.clone()));
    assert_eq!(
        s.grant_by_refresh_token(&[10; 32]).await.unwrap(),
        Some(g1.clone())
    );
    // Rotation: the old token is spent, the new one current.
    assert_eq!(
        s.rotate_refresh_token(&[10; 32], &[11; 32], T0 + 5)
            .await
            .unwrap(),
        RefreshUse::Rotated(g1.clone())
    );
    assert_eq!(s.grant("g1").await.unwrap().unwrap().last_used_at, T0 + 5);
    assert_eq!(
        s.rotate_refresh_token(&[11; 32], &[12; 32], T0 + 6)
            .await
            .unwrap(),
        RefreshUse::Rotated(Grant {
            last_used_at: T0 + 5,
            ..g1.clone()
        })
    );
    assert_eq!(
        s.rotate_refresh_token(&[99; 32], &[98; 32], T0 + 6)
            .await
            .unwrap(),
        RefreshUse::Unknown
    );
    let uses = s.grant_use().await.unwrap();
    assert_eq!(
        uses.iter()
            .map(|u| (u.client_id.as_str(), u.grants, u.users, u.last_used_at))
            .collect::<Vec<_>>(),
        vec![("app", 2, 1, T0 + 6), ("other", 1, 1, T0)]
    );
    // A spent token again: the grant and all its tokens go.
    assert!(matches!(
        s.rotate_refresh_token(&[10; 32], &[13; 32], T0 + 7).await.unwrap(),
        RefreshUse::Reused(g) if g.id == "g1"
    ));
    assert_eq!(s.grant("g1").await.unwrap(), None);
    assert_eq!(s.grant_by_refresh_token(&[12; 32]).await.unwrap(), None);
    assert_eq!(
        s.rotate_refresh_token(&[12; 32], &[14; 32], T0 + 8)
            .await
            .unwrap(),
        RefreshUse::Unknown
    );
    // Spent tokens are forgotten after a while; current ones are kept.
    s.create_grant(&grant("g5", &u.id, "s2", "app"), Some(&[50; 32]))
        .await
        .unwrap();
    s.rotate_refresh_token(&[50; 32], &[51; 32], T0 + 10)
        .await
        .unwrap();
    assert_eq!(s.purge_used_refresh_tokens(T0 + 11).await.unwrap(), 1);
    assert!(s.grant_by_refresh_token(&[51; 32]).await.unwrap().is_some());
    // A new session of the same user takes the grants over; another
    // user's session does not.
    let other = s.create_user(&new_user("o@example.com"), T0).await.unwrap();
    s.create_session(&session("s3", &u.id, 3, T0))
        .await
        .unwrap();
    s.create_session(&session("so", &other.id, 4, T0))
        .await
        .unwrap();
    assert_eq!(s.move_grants("s1", "so").await.unwrap(), 0);
    assert_eq!(s.move_grants("s2", "s3").await.unwrap(), 2);
    assert_eq!(s.grant("g2").await.unwrap().unwrap().session_id, "s3");
    assert_eq!(s.move_grants("s3", "s2").await.unwrap(), 2);
    // Ending the session ends its grants; deleting a grant says if it was.
    s.delete_session("s1").await.unwrap();
    assert_eq!(s.grant("g3").await.unwrap(), None);
    assert!(s.delete_grant("g2").await.unwrap());
    assert!(!s.delete_grant("g2").await.unwrap());
    s.delete_user(&u.id).await.unwrap();
    assert_eq!(s.grant("g5").await.unwrap(), None);
    assert!(s.grant_use().await.unwrap().is_empty());
}

async fn two_writers(s: SharedStore) {
    let mut tasks = Vec::new();
    for w in 0..2 {
        let s = s.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..25 {
                let u = s
                    .create_user(
                        &NewUser {
                            groups: vec!["shared".into(), format!("w{w}")],
                            ..new_user(&format!("w{w}-{i}@example.com"))
                        },
                        T0,
                    )
                    .await?;
                s.create_session(&session(
                    &format!("w{w}-{i}"),
                    &u.id,
                    (w * 100 + i) as u8,
                    T0,
                ))
                .await?;
                s.add_member(&u.id, "extra", T0).await?;
            }
            Ok::<_, StoreError>(())
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    assert_eq!(s.list_users().await.unwrap().len(), 50);
    let groups: Vec<(String, i64)> = s
        .list_groups()
        .await
        .unwrap()
        .into_iter()
        .map(|g| (g.name, g.members))
        .collect();
    assert_eq!(
        groups,
        vec![
            ("extra".into(), 50),
            ("shared".into(), 50),
            ("w0".into(), 25),
            ("w1".into(), 25)
        ]
    );
    assert_eq!(s.list_sessions(None).await.unwrap().len(), 50);
}

async fn revocation_log(s: SharedStore) {
    assert_eq!(s.latest_revocation_id().await.unwrap(), 0);
    let a = s.append_revocation("{\"t\":\"resync\"}", T0).await.unwrap();
    let b = s.append_revocation("two", T0 + 10).await.unwrap();
    assert!(b > a);
    assert_eq!(s.latest_revocation_id().await.unwrap(), b);
    assert_eq!(
        s.revocations_after(0, 10).await.unwrap(),
        vec![
            (a, "{\"t\":\"resync\"}".to_string()),
            (b, "two".to_string())
        ]
    );
    assert_eq!(
        s.revocations_after(a, 10).await.unwrap(),
        vec![(b, "two".to_string())]
    );
    assert_eq!(s.revocations_after(0, 1).await.unwrap().len(), 1);
    assert_eq!(s.purge_revocations(T0 + 5).await.unwrap(), 1);
    assert_eq!(s.revocations_after(0, 10).await.unwrap().len(), 1);
}

macro_rules! durable_suite {
    ($($test:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    let f = crate::common::sqlite_store().await;
                    super::$test(f.store.clone()).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    let f = crate::common::postgres_store().await;
                    super::$test(f.store.clone()).await;
                }
            )*
        }
    };
}

durable_suite!(
    users,
    groups,
    renaming_groups,
    keeping_an_admin,
    passkeys,
    sessions,
    invites,
    audit,
    signing_keys,
    signing_keys_per_algorithm,
    grants,
    revocation_log,
    two_writers
);

// ---------------------------------------------------------------- migrations

async fn migrations_apply_one_by_one(
    run: impl AsyncFnOnce(&sqlx::migrate::Migrator) -> Vec<i64>,
    migrator: &sqlx::migrate::Migrator,
) {
    let want: Vec<i64> = migrator.iter().map(|m| m.version).collect();
    assert!(!want.is_empty());
    assert_eq!(run(migrator).await, want);
}

#[tokio::test]
async fn sqlite_migrations_apply_from_empty_one_by_one() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("m.db").display());
    let store = passgate::store::sqlite::connect(&url).await.unwrap();
    let passgate::store::sql::Pool::Sqlite(pool) = store.pool().clone() else {
        panic!()
    };
    let m = &passgate::store::sqlite::MIGRATOR;
    migrations_apply_one_by_one(
        async |m| {
            for mig in m.iter() {
                m.run_to(mig.version, &pool).await.unwrap();
            }
            sqlx::query_scalar(
                "SELECT version FROM _sqlx_migrations WHERE success ORDER BY version",
            )
            .fetch_all(&pool)
            .await
            .unwrap()
        },
        m,
    )
    .await;
    // Applying again is a no-op.
    passgate::store::sqlite::open(&url).await.unwrap();
}

#[tokio::test]
async fn postgres_migrations_apply_from_empty_one_by_one() {
    let db = crate::common::PgDatabase::create().await;
    let store = passgate::store::postgres::connect(&db.url).await.unwrap();
    let passgate::store::sql::Pool::Postgres(pool) = store.pool().clone() else {
        panic!()
    };
    let m = &passgate::store::postgres::MIGRATOR;
    migrations_apply_one_by_one(
        async |m| {
            for mig in m.iter() {
                m.run_to(mig.version, &pool).await.unwrap();
            }
            sqlx::query_scalar(
                "SELECT version FROM _sqlx_migrations WHERE success ORDER BY version",
            )
            .fetch_all(&pool)
            .await
            .unwrap()
        },
        m,
    )
    .await;
    store.close().await;
    passgate::store::postgres::open(&db.url).await.unwrap();
}

/// A migration that fails half-way leaves nothing of itself behind.
fn broken_migrator() -> sqlx::migrate::Migrator {
    use sqlx::migrate::{Migration, MigrationType};
    sqlx::migrate::Migrator::with_migrations(vec![Migration::new(
        1,
        "broken".into(),
        MigrationType::Simple,
        sqlx::SqlSafeStr::into_sql_str(
            "CREATE TABLE half_done (x INTEGER); INSERT INTO no_such_table VALUES (1);",
        ),
        false,
    )])
}

#[tokio::test]
async fn sqlite_failed_migration_rolls_back() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("b.db").display());
    let store = passgate::store::sqlite::connect(&url).await.unwrap();
    let passgate::store::sql::Pool::Sqlite(pool) = store.pool().clone() else {
        panic!()
    };
    let err = broken_migrator().run(&pool).await.unwrap_err();
    assert!(err.to_string().contains("no_such_table"), "{err}");
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sqlite_master WHERE name = 'half_done'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(n, 0, "the half-applied table must be rolled back");
}

#[tokio::test]
async fn postgres_failed_migration_rolls_back() {
    let db = crate::common::PgDatabase::create().await;
    let store = passgate::store::postgres::connect(&db.url).await.unwrap();
    let passgate::store::sql::Pool::Postgres(pool) = store.pool().clone() else {
        panic!()
    };
    let err = broken_migrator().run(&pool).await.unwrap_err();
    assert!(err.to_string().contains("no_such_table"), "{err}");
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM information_schema.tables WHERE table_name = 'half_done'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(n, 0, "the half-applied table must be rolled back");
    store.close().await;
}

#[tokio::test]
async fn unreachable_postgres_is_one_clear_error_without_the_password() {
    let err = passgate::store::postgres::connect("postgres://u:hunter2@127.0.0.1:1/x")
        .await
        .unwrap_err();
    let msg = err.to_string();
    assert!(err.is_unavailable(), "{msg}");
    assert!(msg.contains("127.0.0.1:1"), "{msg}");
    assert!(!msg.contains("hunter2"), "{msg}");
}

#[tokio::test]
async fn unreachable_redis_is_one_clear_error_without_the_password() {
    let clock: SharedClock = ManualClock::new(T0);
    let err = passgate::store::ephemeral::RedisEphemeral::connect(
        "redis://:hunter2@127.0.0.1:1",
        "x",
        clock,
    )
    .await
    .err()
    .expect("must fail");
    let msg = err.to_string();
    assert!(err.is_unavailable(), "{msg}");
    assert!(!msg.contains("hunter2"), "{msg}");
}

// ---------------------------------------------------------------- ephemeral

async fn values(e: SharedEphemeral, clock: Arc<ManualClock>) {
    e.put("a", b"one", Duration::from_secs(60)).await.unwrap();
    assert_eq!(e.get("a").await.unwrap().as_deref(), Some(&b"one"[..]));
    e.put("a", b"two", Duration::from_secs(60)).await.unwrap();
    assert_eq!(e.take("a").await.unwrap().as_deref(), Some(&b"two"[..]));
    assert_eq!(e.take("a").await.unwrap(), None, "take is single use");
    assert_eq!(e.get("a").await.unwrap(), None);
    e.put("b", b"", Duration::from_secs(60)).await.unwrap();
    assert_eq!(
        e.get("b").await.unwrap().as_deref(),
        Some(&b""[..]),
        "empty values are values"
    );
    e.delete("b").await.unwrap();
    assert_eq!(e.get("b").await.unwrap(), None);

    // Expiry by the injected clock.
    e.put("c", b"x", Duration::from_secs(300)).await.unwrap();
    clock.advance(299);
    assert!(e.get("c").await.unwrap().is_some());
    clock.advance(1);
    assert_eq!(e.get("c").await.unwrap(), None);
    assert_eq!(
        e.take("c").await.unwrap(),
        None,
        "an expired value cannot be taken"
    );
    e.ping().await.unwrap();
}

async fn take_races(e: SharedEphemeral, _clock: Arc<ManualClock>) {
    for round in 0..20 {
        let key = format!("race-{round}");
        e.put(&key, b"v", Duration::from_secs(60)).await.unwrap();
        let (x, y) = tokio::join!(
            {
                let (e, k) = (e.clone(), key.clone());
                tokio::spawn(async move { e.take(&k).await })
            },
            {
                let (e, k) = (e.clone(), key.clone());
                tokio::spawn(async move { e.take(&k).await })
            }
        );
        let wins = [x.unwrap().unwrap(), y.unwrap().unwrap()]
            .iter()
            .filter(|v| v.is_some())
            .count();
        assert_eq!(wins, 1, "round {round}");
    }
}

async fn counters(e: SharedEphemeral, clock: Arc<ManualClock>) {
    clock.set(T0 - T0 % 600);
    let w = Duration::from_secs(600);
    for n in 1..=3 {
        let c = e.hit("ip:1", w).await.unwrap();
        assert_eq!(c.count, n);
        assert_eq!(c.reset_in, 600);
    }
    assert_eq!(e.hit("ip:2", w).await.unwrap().count, 1, "keys count apart");
    clock.advance(599);
    let c = e.hit("ip:1", w).await.unwrap();
    assert_eq!((c.count, c.reset_in), (4, 1));
    clock.advance(1);
    assert_eq!(
        e.hit("ip:1", w).await.unwrap().count,
        1,
        "a new window starts at zero"
    );
}

async fn tallies(e: SharedEphemeral, clock: Arc<ManualClock>) {
    // Not aligned to any window: a tally lives its ttl from its first count.
    clock.set(T0 - T0 % 600 + 590);
    let ttl = Duration::from_secs(600);
    for n in 1..=3 {
        assert_eq!(e.tally("code:1", ttl).await.unwrap(), n);
    }
    assert_eq!(e.tally("code:2", ttl).await.unwrap(), 1, "keys count apart");
    clock.advance(20);
    assert_eq!(
        e.tally("code:1", ttl).await.unwrap(),
        4,
        "no window rolls over under it"
    );
    clock.advance(579);
    assert_eq!(e.tally("code:1", ttl).await.unwrap(), 5, "still alive");
    clock.advance(1);
    assert_eq!(
        e.tally("code:1", ttl).await.unwrap(),
        1,
        "after its ttl it starts over"
    );
}

async fn broadcasts(e: SharedEphemeral, _clock: Arc<ManualClock>) {
    let mut rx = e.subscribe();
    let msg = Broadcast::SessionRevoked { id: "s1".into() };
    e.publish(&msg).await.unwrap();
    let got = tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got, msg);
    assert!(e.channel_healthy());
}

macro_rules! ephemeral_suite {
    ($($test:ident),* $(,)?) => {
        mod memory {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    let clock = passgate::clock::ManualClock::new(super::T0);
                    let f = crate::common::memory_ephemeral(clock.clone()).await;
                    super::$test(f.eph.clone(), clock).await;
                }
            )*
        }
        mod redis {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    let clock = passgate::clock::ManualClock::new(super::T0);
                    let f = crate::common::redis_ephemeral(clock.clone()).await;
                    super::$test(f.eph.clone(), clock).await;
                }
            )*
        }
    };
}

ephemeral_suite!(values, take_races, counters, tallies, broadcasts);

// ---------------------------------------------------------------- sessions

fn settings() -> SessionSettings {
    SessionSettings {
        idle_timeout: Duration::from_secs(3600),
        absolute_timeout: Duration::from_secs(86400),
        cache_ttl: Duration::from_secs(3600),
    }
}

struct SessionEnv {
    store: SharedStore,
    sql: Arc<passgate::store::sql::SqlStore>,
    eph: crate::common::EphemeralFixture,
    clock: Arc<ManualClock>,
}

impl SessionEnv {
    fn manager(&self) -> Arc<SessionManager> {
        SessionManager::new(
            self.store.clone(),
            self.eph.eph.clone(),
            self.clock.clone(),
            settings(),
        )
    }

    /// A manager as a second replica has it: same durable store, its own
    /// connection to the ephemeral store, its own cache, running.
    async fn replica(&self) -> (Arc<SessionManager>, tokio_util::sync::CancellationToken) {
        let eph = self.eph.another(self.clock.clone()).await;
        let m = SessionManager::new(self.store.clone(), eph, self.clock.clone(), settings());
        let stop = tokio_util::sync::CancellationToken::new();
        tokio::spawn(m.clone().run(stop.clone()));
        (m, stop)
    }
}

async fn session_lifecycle(env: SessionEnv) {
    let m = env.manager();
    let user = env
        .store
        .create_user(
            &NewUser {
                groups: vec!["dev".into()],
                ..new_user("life@example.com")
            },
            T0,
        )
        .await
        .unwrap();
    let (token, rec) = m
        .create(&user, "webauthn", "Firefox", "10.1.2.3")
        .await
        .unwrap();
    assert_eq!(token.len(), 43);
    let stored = env.store.get_session(&rec.id).await.unwrap().unwrap();
    assert_ne!(
        stored.token_hash,
        token.as_bytes(),
        "only the hash is stored"
    );
    assert_eq!(stored.token_hash.len(), 32);
    let s = m.validate(&token).await.unwrap().unwrap();
    assert_eq!(s.principal.email, "life@example.com");
    assert_eq!(s.principal.groups_header, "dev");
    assert_eq!(s.record.auth_method, "webauthn");
    assert!(m.validate("not-a-token").await.unwrap().is_none());
    let (other_token, _) = passgate::session::new_token();
    assert!(m.validate(&other_token).await.unwrap().is_none());

    // Activity keeps a session alive past the idle timeout measured from its start…
    env.clock.advance(3000);
    assert!(m.validate(&token).await.unwrap().is_some());
    env.clock.advance(3000);
    assert!(m.validate(&token).await.unwrap().is_some());
    // …and is written behind, so a fresh replica agrees.
    m.flush().await.unwrap();
    assert_eq!(
        env.store
            .get_session(&rec.id)
            .await
            .unwrap()
            .unwrap()
            .last_seen_at,
        T0 + 6000
    );
    let fresh = env.manager();
    assert!(fresh.validate(&token).await.unwrap().is_some());
    // Idle past the timeout: gone, cached or not.
    env.clock.advance(3600);
    assert!(m.validate(&token).await.unwrap().is_none());
    assert!(fresh.validate(&token).await.unwrap().is_none());
}

async fn session_absolute_expiry(env: SessionEnv) {
    let m = env.manager();
    let user = env
        .store
        .create_user(&new_user("abs@example.com"), T0)
        .await
        .unwrap();
    let (token, _) = m.create(&user, "email", "", "").await.unwrap();
    for _ in 0..23 {
        env.clock.advance(3599);
        assert!(m.validate(&token).await.unwrap().is_some());
    }
    env.clock.set(T0 + 86400);
    assert!(
        m.validate(&token).await.unwrap().is_none(),
        "absolute timeout ends even an active session"
    );
}

async fn session_revocation_is_immediate_here(env: SessionEnv) {
    let m = env.manager();
    let user = env
        .store
        .create_user(&new_user("rev@example.com"), T0)
        .await
        .unwrap();
    let (t1, r1) = m.create(&user, "webauthn", "", "").await.unwrap();
    let (t2, _) = m.create(&user, "webauthn", "", "").await.unwrap();
    assert!(m.validate(&t1).await.unwrap().is_some());
    assert!(m.validate(&t2).await.unwrap().is_some());
    assert!(m.revoke(&r1.id).await.unwrap());
    assert!(m.validate(&t1).await.unwrap().is_none());
    assert!(m.validate(&t2).await.unwrap().is_some());
    assert_eq!(m.revoke_user(&user.id).await.unwrap(), 1);
    assert!(m.validate(&t2).await.unwrap().is_none());
}

async fn session_disabled_user(env: SessionEnv) {
    let m = env.manager();
    let user = env
        .store
        .create_user(&new_user("dis@example.com"), T0)
        .await
        .unwrap();
    let (t, _) = m.create(&user, "webauthn", "", "").await.unwrap();
    assert!(m.validate(&t).await.unwrap().is_some());
    env.store
        .set_user_disabled(&user.id, true, T0)
        .await
        .unwrap();
    m.announce(Broadcast::UserRevoked {
        user_id: user.id.clone(),
    })
    .await;
    assert!(m.validate(&t).await.unwrap().is_none());
    // Re-enabling does not resurrect ended sessions.
    env.store
        .set_user_disabled(&user.id, false, T0)
        .await
        .unwrap();
    assert!(m.validate(&t).await.unwrap().is_none());
}

/// Two replicas share the durable and ephemeral stores. A revocation on one
/// is seen by the other although its cached copy would still be trusted for
/// an hour (the clock does not move): only the broadcast can explain it.
async fn session_revocation_reaches_a_second_replica(env: SessionEnv) {
    let (a, stop_a) = env.replica().await;
    let (b, stop_b) = env.replica().await;
    let user = env
        .store
        .create_user(
            &NewUser {
                groups: vec!["dev".into()],
                ..new_user("multi@example.com")
            },
            T0,
        )
        .await
        .unwrap();
    let (t1, r1) = a.create(&user, "webauthn", "", "").await.unwrap();
    let (t2, _) = a.create(&user, "webauthn", "", "").await.unwrap();
    assert!(b.validate(&t1).await.unwrap().is_some());
    assert!(b.validate(&t2).await.unwrap().is_some());
    assert_eq!(b.cached(), 2);

    a.revoke(&r1.id).await.unwrap();
    wait_until(|| b.cached() == 1).await;
    assert!(b.validate(&t1).await.unwrap().is_none());
    assert!(b.validate(&t2).await.unwrap().is_some());

    // Group change: the other replica drops its copy and reads the new groups.
    env.store.add_member(&user.id, "ops", T0).await.unwrap();
    a.announce(Broadcast::UserChanged {
        user_id: user.id.clone(),
    })
    .await;
    wait_until(|| b.cached() == 0).await;
    assert_eq!(
        b.validate(&t2).await.unwrap().unwrap().principal.groups,
        vec!["dev", "ops"]
    );

    a.revoke_user(&user.id).await.unwrap();
    wait_until(|| b.cached() == 0).await;
    assert!(b.validate(&t2).await.unwrap().is_none());
    stop_a.cancel();
    stop_b.cancel();
}

/// Poll (the broadcast is asynchronous); fails only if it never happens.
async fn wait_until(cond: impl Fn() -> bool) {
    for _ in 0..200 {
        if cond() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("condition not reached within 5 s");
}

/// A replica that shares only the durable store (its ephemeral store is its
/// own, as with a CLI command or a lost Redis broadcast) still sees the
/// revocation, through the durable log it polls.
async fn session_revocation_through_the_log_alone(env: SessionEnv) {
    let (a, stop_a) = env.replica().await;
    let lone = passgate::store::ephemeral::MemoryEphemeral::new(env.clock.clone());
    let b = SessionManager::new(env.store.clone(), lone, env.clock.clone(), settings());
    let stop_b = tokio_util::sync::CancellationToken::new();
    tokio::spawn(b.clone().run(stop_b.clone()));
    let user = env
        .store
        .create_user(&new_user("log@example.com"), T0)
        .await
        .unwrap();
    let (t, r) = a.create(&user, "webauthn", "", "").await.unwrap();
    assert!(b.validate(&t).await.unwrap().is_some());
    // Let b's poller read the current end of the log before the revocation.
    tokio::time::sleep(Duration::from_millis(700)).await;
    a.revoke(&r.id).await.unwrap();
    wait_until(|| b.cached() == 0).await;
    assert!(b.validate(&t).await.unwrap().is_none());
    stop_a.cancel();
    stop_b.cancel();
}

async fn session_store_outage_keeps_cached_sessions(env: SessionEnv) {
    let m = env.manager();
    let user = env
        .store
        .create_user(&new_user("out@example.com"), T0)
        .await
        .unwrap();
    let (cached, _) = m.create(&user, "webauthn", "", "").await.unwrap();
    let (uncached, _) = m.create(&user, "webauthn", "", "").await.unwrap();
    assert!(m.validate(&cached).await.unwrap().is_some());
    env.sql.close().await;
    assert!(
        m.validate(&cached).await.unwrap().is_some(),
        "fresh cache entry"
    );
    // Used within its idle time: still fresh in the cache.
    env.clock.advance(3000);
    assert!(m.validate(&cached).await.unwrap().is_some());
    // Past the cache's freshness (fetched at T0), within its idle time
    // (last seen at T0 + 3000): served while the store is down.
    env.clock.advance(3599);
    assert!(
        m.validate(&cached).await.unwrap().is_some(),
        "stale entry still served while the store is down"
    );
    let err = m.validate(&uncached).await.unwrap_err();
    assert!(err.is_unavailable(), "{err}");
    // Idle expiry still applies to stale entries: unused for longer than
    // idle_timeout, it is not served.
    env.clock.advance(3601);
    assert!(
        m.validate(&cached)
            .await
            .map(|s| s.is_none())
            .unwrap_or(true),
        "an idle-expired session is not served from the cache in an outage"
    );
    // Absolute expiry too.
    env.clock.set(T0 + 86400);
    assert!(
        m.validate(&cached)
            .await
            .map(|s| s.is_none())
            .unwrap_or(true)
    );
}

async fn sessions_created_concurrently(env: SessionEnv) {
    let user = env
        .store
        .create_user(&new_user("conc@example.com"), T0)
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for _ in 0..2 {
        let m = env.manager();
        let user = user.clone();
        tasks.push(tokio::spawn(async move {
            let mut tokens = Vec::new();
            for _ in 0..20 {
                tokens.push(m.create(&user, "email", "", "").await.unwrap().0);
            }
            tokens
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let m = env.manager();
    for t in &all {
        assert!(m.validate(t).await.unwrap().is_some());
    }
    assert_eq!(
        env.store.list_sessions(Some(&user.id)).await.unwrap().len(),
        40
    );
}

macro_rules! session_suite {
    ($($test:ident),* $(,)?) => {
        session_suite!(@combo sqlite_memory, sqlite_store, memory_ephemeral; $($test),*);
        session_suite!(@combo sqlite_redis, sqlite_store, redis_ephemeral; $($test),*);
        session_suite!(@combo postgres_memory, postgres_store, memory_ephemeral; $($test),*);
        session_suite!(@combo postgres_redis, postgres_store, redis_ephemeral; $($test),*);
    };
    (@combo $m:ident, $durable:ident, $eph:ident; $($test:ident),*) => {
        mod $m {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    let clock = passgate::clock::ManualClock::new(super::T0);
                    let d = crate::common::$durable().await;
                    let eph = crate::common::$eph(clock.clone()).await;
                    let env = super::SessionEnv { store: d.store.clone(), sql: d.store.clone(), eph, clock };
                    super::$test(env).await;
                    drop(d);
                }
            )*
        }
    };
}

session_suite!(
    session_lifecycle,
    session_absolute_expiry,
    session_revocation_is_immediate_here,
    session_disabled_user,
    session_revocation_reaches_a_second_replica,
    session_store_outage_keeps_cached_sessions,
    session_revocation_through_the_log_alone,
    sessions_created_concurrently,
);
