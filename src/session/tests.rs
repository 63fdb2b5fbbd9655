use super::*;

#[test]
fn tokens_are_256_bit_and_hash_round_trips() {
    let (t, h) = new_token();
    assert_eq!(t.len(), 43);
    assert_eq!(token_hash(&t), Some(h));
    let (t2, _) = new_token();
    assert_ne!(t, t2);
}

#[test]
fn malformed_tokens_have_no_hash() {
    for bad in ["", "abc", "!".repeat(43).as_str(), &"A".repeat(44)] {
        assert_eq!(token_hash(bad), None, "{bad:?}");
    }
}

/// A worker thread serves a session it has seen from a copy of its own
/// (`Front`); the copy must end when the session ends and change when the
/// user changes, on the very next request, like the replica's cache.
#[tokio::test]
async fn a_threads_own_copy_of_a_session_follows_revocations_and_changes() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let text = format!(
        "[storage]\ndatabase_url = \"sqlite://{}/p.db\"\n[[route]]\nhost = \"localhost\"\nupstream = \"http://127.0.0.1:9\"\n",
        dir.path().display()
    );
    let cfg = crate::Config::from_toml(&text, "t", std::iter::empty(), dir.path())
        .unwrap_or_else(|e| panic!("config: {e:?}"));
    let app = crate::app::App::start(cfg, None, crate::clock::system())
        .await
        .unwrap_or_else(|e| panic!("start: {e}"));
    let user = app
        .store
        .create_user(
            &crate::store::NewUser {
                email: "a@example.com".into(),
                display_name: "Before".into(),
                ..Default::default()
            },
            1,
        )
        .await
        .unwrap_or_else(|e| panic!("user: {e}"));
    let validate = async |token: &str| {
        app.sessions
            .validate(token)
            .await
            .unwrap_or_else(|e| panic!("validate: {e}"))
    };
    let assertion_name = |s: &ActiveSession| {
        let v = app
            .asserter
            .assertion(s, "http://localhost", "http://portal", 300);
        let jwks = app.asserter.keys().jwks();
        let claims = crate::identity::verify(v.to_str().unwrap_or(""), &jwks, 0)
            .unwrap_or_else(|e| panic!("assertion does not verify: {e}"));
        claims.name
    };

    // Revocation: the first check reads the store, the second copies the
    // replica's entry, the third is served from this thread's copy.
    let new_session = async || {
        app.sessions
            .create(&user, "email", "ua", "127.0.0.1")
            .await
            .unwrap_or_else(|e| panic!("session: {e}"))
    };
    let (token, record) = new_session().await;
    for _ in 0..3 {
        assert!(validate(&token).await.is_some());
    }
    let mine = validate(&token)
        .await
        .unwrap_or_else(|| panic!("no session"));
    assert!(mine.shared.is_some(), "served from this thread's copy");
    assert_eq!(assertion_name(&mine), "Before");
    assert!(
        app.sessions
            .revoke(&record.id)
            .await
            .unwrap_or_else(|e| panic!("revoke: {e}"))
    );
    assert!(
        validate(&token).await.is_none(),
        "a revoked session is refused at once"
    );

    // A change to the user: the next request sees it, in the identity
    // header values and in the assertion.
    let (token, _) = new_session().await;
    for _ in 0..3 {
        let s = validate(&token)
            .await
            .unwrap_or_else(|| panic!("no session"));
        assert_eq!(assertion_name(&s), "Before");
    }
    app.store
        .update_user(&user.id, "After", None, 2)
        .await
        .unwrap_or_else(|e| panic!("update: {e}"));
    app.sessions
        .announce(Broadcast::UserChanged {
            user_id: user.id.clone(),
        })
        .await;
    let s = validate(&token)
        .await
        .unwrap_or_else(|| panic!("no session"));
    assert_eq!(s.principal.name, "After");
    assert_eq!(s.principal.header_values[2], "After");
    assert_eq!(assertion_name(&s), "After");
}

/// An app using tokens from a sign-in (OIDC userinfo, refresh) looks the
/// session up by id without using it: the browser session still goes idle
/// (and the app's tokens with it), while the cookie's own requests keep it
/// alive.
#[tokio::test]
async fn looking_a_session_up_by_id_does_not_keep_it_alive() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let url = crate::secret::Secret::new(format!("sqlite://{}/p.db", dir.path().display()));
    let store = crate::store::open(&url)
        .await
        .unwrap_or_else(|e| panic!("store: {e}"));
    let clock = crate::clock::ManualClock::new(1_000_000);
    let shared: crate::clock::SharedClock = clock.clone();
    let m = SessionManager::new(
        store.clone(),
        crate::store::ephemeral::MemoryEphemeral::new(shared.clone()),
        shared,
        SessionSettings {
            idle_timeout: Duration::from_secs(100),
            absolute_timeout: Duration::from_secs(10_000),
            cache_ttl: Duration::from_secs(1),
        },
    );
    let user = store
        .create_user(
            &crate::store::NewUser {
                email: "idle@example.com".into(),
                ..Default::default()
            },
            1,
        )
        .await
        .unwrap_or_else(|e| panic!("user: {e}"));
    let (peeked, peeked_rec) = m
        .create(&user, "webauthn", "t", "127.0.0.1")
        .await
        .unwrap_or_else(|e| panic!("session: {e}"));
    let (used, used_rec) = m
        .create(&user, "webauthn", "t", "127.0.0.1")
        .await
        .unwrap_or_else(|e| panic!("session: {e}"));
    let by_id = async |id: &str| {
        m.by_id(id)
            .await
            .unwrap_or_else(|e| panic!("by id: {e}"))
            .is_some()
    };
    for (step, live) in [(40, true), (80, true), (120, false)] {
        clock.set(1_000_000 + step);
        assert_eq!(by_id(&peeked_rec.id).await, live, "{step} s after sign-in");
        assert!(m.validate(&used).await.ok().flatten().is_some());
        m.flush().await.unwrap_or_else(|e| panic!("flush: {e}"));
    }
    // 120 s after sign-in: the session only looked up by id went idle;
    // the one its cookie kept using did not.
    assert!(!by_id(&peeked_rec.id).await, "looked up by id, kept alive");
    assert!(m.validate(&peeked).await.ok().flatten().is_none());
    assert!(by_id(&used_rec.id).await);
}
