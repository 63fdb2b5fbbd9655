//! Every way a session ends works while Redis is down: the durable
//! revocation log in the database carries it to the other replica.

use std::time::{Duration, Instant};

use super::{cfg, cli, whoami};
use crate::common::browser::Browser;
use crate::common::gateway::{Db, Gateway, client, free_port};
use crate::common::private_redis::PrivateRedis;

/// The id of the session behind `token`.
async fn session_id(gw: &Gateway, token: &str) -> String {
    let hash = passgate::session::token_hash(token).unwrap();
    gw.store()
        .await
        .list_sessions(None)
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.token_hash == hash)
        .unwrap()
        .id
}

/// A browser on `gw` holding `token`, with the account page open (which
/// gives it its CSRF token).
async fn browser(gw: &Gateway, token: &str) -> Browser {
    let b = Browser::new(&gw.origin());
    b.jar.add_cookie_str(
        &format!("passgate_session={token}; Path=/"),
        &gw.origin().parse().unwrap(),
    );
    let (status, _) = b.get("/.passgate/account").await;
    assert_eq!(status, 200, "the account page with Redis down");
    b
}

#[tokio::test]
async fn every_revocation_path_reaches_the_other_replica_while_redis_is_down() {
    let redis = PrivateRedis::start().await;
    // No metrics listener: the replica runs on the same file.
    let a = Gateway::start_with(Db::Postgres, Some(redis.url()), |s| {
        cfg(s, free_port()).replace("metrics_listen", "# metrics_listen")
    })
    .await;
    let b = a.replica().await;
    let on_b = async |token: &str| {
        client()
            .get(b.url("/.passgate/whoami"))
            .header("cookie", format!("passgate_session={token}"))
            .timeout(Duration::from_secs(10))
            .send()
            .await
            .map(|r| r.status().as_u16())
            .unwrap_or(0)
    };
    let gone_on_b = async |what: &str, token: &str| {
        let deadline = Instant::now() + Duration::from_secs(3);
        while on_b(token).await != 401 {
            assert!(
                Instant::now() < deadline,
                "{what}: the other replica still accepts the session 3 s later:\n{}",
                a.log()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    let logout = a.session_for("rosa@example.com", &[]).await;
    let one = a.session_for("rosa@example.com", &[]).await;
    let all1 = a.session_for("rosa@example.com", &[]).await;
    let all2 = a.session_for("rosa@example.com", &[]).await;
    let disabled = a.session_for("dis@example.com", &[]).await;
    let deleted = a.session_for("del@example.com", &[]).await;
    for t in [&logout, &one, &all1, &all2, &disabled, &deleted] {
        assert_eq!(on_b(t).await, 200, "cached on B before the outage");
        assert_eq!(whoami(&a, t).await.0, 200);
    }
    let one_id = session_id(&a, &one).await;
    drop(redis);

    // Signing out in the browser.
    let started = Instant::now();
    let r = browser(&a, &logout)
        .await
        .submit("/.passgate/logout", &[])
        .await;
    assert_eq!(r.status(), 303, "sign-out with Redis down");
    assert!(started.elapsed() < Duration::from_secs(3));
    gone_on_b("sign-out", &logout).await;

    // Ending one other session from the account page.
    let page = browser(&a, &all1).await;
    let r = page
        .submit("/.passgate/account/sessions/revoke", &[("id", &one_id)])
        .await;
    assert_eq!(r.status(), 303, "revoke one with Redis down");
    gone_on_b("account page, one session", &one).await;
    assert_eq!(on_b(&all1).await, 200, "only that one");

    // Signing out everywhere from the account page.
    let r = page
        .submit("/.passgate/account/sessions/revoke-all", &[])
        .await;
    assert_eq!(r.status(), 303, "sign out everywhere with Redis down");
    gone_on_b("account page, everywhere", &all1).await;
    gone_on_b("account page, everywhere", &all2).await;

    // Disabling and deleting from the CLI.
    let (code, err) = cli(&a.config_path, &["user", "disable", "dis@example.com"]);
    assert_eq!(code, Some(0), "{err}");
    gone_on_b("user disable", &disabled).await;
    let (code, err) = cli(&a.config_path, &["user", "delete", "del@example.com"]);
    assert_eq!(code, Some(0), "{err}");
    gone_on_b("user delete", &deleted).await;
    assert_eq!(whoami(&a, &deleted).await.0, 401);
}
