//! passgate as an OpenID Connect provider (wave 2): openid-client, a
//! certified relying-party library, signs in (discovery, PKCE, ID token
//! validation, userinfo, refresh rotation and reuse, revocation, code reuse,
//! RP-initiated logout) against SQLite and PostgreSQL + Redis, with a
//! confidential RS256 client and a public ES256 one; and every refusal the
//! specs name is checked here by hand: no redirect to an unregistered URI,
//! the OAuth error code, no 500, no secret or code in the log.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::common::gateway::{Db, Gateway, Setup, client};
use crate::common::within;

const SECRET: &str = "0123456789abcdefghijklmnopqrstuvwxyzABCD";
const REDIRECT: &str = "http://localhost:9/cb";
const BYE: &str = "http://localhost:9/bye";

/// A confidential client `app` (RS256), a public client `spa` (ES256), a
/// client `ops` for the `ops` group only, and `strict` that wants passkey
/// sign-ins no older than a minute.
fn config(s: &Setup) -> String {
    std::fs::write(s.dir.join("app.secret"), format!("{SECRET}\n")).unwrap();
    s.config(
        "",
        &format!(
            r#"
[[oidc.client]]
id = "app"
name = "The App"
secret_file = "app.secret"
redirect_uris = ["{REDIRECT}"]
post_logout_redirect_uris = ["{BYE}"]

[[oidc.client]]
id = "spa"
public = true
id_token_alg = "ES256"
redirect_uris = ["{REDIRECT}"]
post_logout_redirect_uris = ["{BYE}"]

[[oidc.client]]
id = "ops"
secret_file = "app.secret"
groups = ["ops"]
redirect_uris = ["{REDIRECT}"]

[[oidc.client]]
id = "strict"
secret_file = "app.secret"
require = ["passkey"]
max_age = "1m"
redirect_uris = ["{REDIRECT}"]

[[route]]
host = "localhost"
upstream = "http://127.0.0.1:9"
"#
        ),
    )
}

fn run_openid_client(
    gw: &Gateway,
    client_id: &str,
    secret: &str,
    alg: &str,
    cookie: &str,
) -> Value {
    let e2e = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/e2e");
    assert!(
        e2e.join("node_modules/openid-client").exists(),
        "openid-client is not installed: run scripts/test (it runs `npm ci` in tests/e2e)"
    );
    let out = Command::new("node")
        .arg("oidc-client.mjs")
        .current_dir(&e2e)
        .env("ISSUER", gw.origin())
        .env("CLIENT_ID", client_id)
        .env("CLIENT_SECRET", secret)
        .env("REDIRECT_URI", REDIRECT)
        .env("POST_LOGOUT", BYE)
        .env("ALG", alg)
        .env("COOKIE", cookie)
        .output()
        .expect("run node");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "openid-client failed:\n{stdout}\n{}\n--- gateway log ---\n{}",
        String::from_utf8_lossy(&out.stderr),
        gw.log()
    );
    serde_json::from_str(stdout.trim()).expect("one JSON object")
}

/// What openid-client saw, checked whole.
fn check_journey(gw: &Gateway, seen: &Value, alg: &str, user_id: &str) {
    assert_eq!(seen["issuer"], gw.origin());
    assert_eq!(seen["id_token_alg"], alg);
    let id = &seen["id_token"];
    assert_eq!(id["sub"], user_id, "{id}");
    assert_eq!(id["email"], "ann@example.com");
    assert_eq!(id["email_verified"], true);
    assert_eq!(id["preferred_username"], "ann@example.com");
    assert_eq!(id["groups"], serde_json::json!(["dev"]));
    assert_eq!(id["amr"], serde_json::json!(["webauthn"]));
    assert!(id["sid"].as_str().is_some_and(|s| !s.is_empty()));
    assert!(id["auth_time"].as_i64().unwrap() > 0);
    assert_eq!(seen["scope"], "openid profile email groups offline_access");
    assert_eq!(seen["has_refresh"], true);
    assert_eq!(seen["userinfo"]["sub"], user_id);
    assert_eq!(seen["userinfo"]["groups"], serde_json::json!(["dev"]));
    assert_eq!(seen["userinfo"]["name"], "Test ann");
    assert_eq!(seen["refresh_rotated"], true);
    assert_eq!(seen["refreshed_sub"], user_id);
    assert_eq!(seen["refreshed_userinfo"], user_id);
    // Reuse of a spent refresh token revokes its family.
    assert_eq!(seen["old_refresh_reused"], "invalid_grant");
    assert_eq!(seen["new_refresh_after_reuse"], "invalid_grant");
    assert_ne!(seen["access_after_reuse"], "succeeded");
    // A narrower request gets a narrower grant, and userinfo follows it.
    assert_eq!(seen["narrow_scope"], "openid email");
    assert_eq!(seen["narrow_has_refresh"], false);
    assert_eq!(seen["narrow_userinfo"]["email"], "ann@example.com");
    assert!(seen["narrow_userinfo"].get("groups").is_none());
    assert!(seen["narrow_userinfo"].get("name").is_none());
    assert_eq!(seen["refresh_after_revoke"], "invalid_grant");
    assert_ne!(seen["access_after_revoke"], "succeeded");
    assert_eq!(seen["code_reused"], "invalid_grant");
    assert_ne!(seen["access_after_code_reuse"], "succeeded");
    let end = &seen["end_session"];
    assert_eq!(end["status"], 303, "{end}");
    assert_eq!(end["location"], format!("{BYE}?state=bye"));
    assert!(
        end["set_cookie"]
            .as_str()
            .unwrap()
            .contains("passgate_session=;")
    );
    assert_ne!(seen["access_after_logout"], "succeeded");
}

async fn user_id(gw: &Gateway, email: &str) -> String {
    gw.store()
        .await
        .find_user_by_email(email)
        .await
        .unwrap()
        .unwrap()
        .id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openid_client_signs_in_with_a_confidential_rs256_client() {
    let gw = Gateway::start(config).await;
    let cookie = gw.session_for("ann@example.com", &["dev"]).await;
    let id = user_id(&gw, "ann@example.com").await;
    let seen = tokio::task::block_in_place(|| {
        run_openid_client(
            &gw,
            "app",
            SECRET,
            "RS256",
            &format!("passgate_session={cookie}"),
        )
    });
    check_journey(&gw, &seen, "RS256", &id);
    // The session ended with the end-session call.
    let r = client()
        .get(gw.url("/.passgate/whoami"))
        .header("cookie", format!("passgate_session={cookie}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    no_secrets_in_log(&gw);
    let events = gw.cli_json(&["audit", "--limit", "100"]);
    let kinds: Vec<&str> = events
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .collect();
    for k in [
        "oidc.authorize",
        "oidc.token",
        "oidc.refresh",
        "oidc.revoke",
        "signout",
    ] {
        assert!(kinds.contains(&k), "no {k} in {kinds:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openid_client_signs_in_with_a_public_es256_client_on_postgres_and_redis() {
    let gw = Gateway::start_with(Db::Postgres, Some(crate::common::redis_url()), config).await;
    let cookie = gw.session_for("ann@example.com", &["dev"]).await;
    let id = user_id(&gw, "ann@example.com").await;
    let seen = tokio::task::block_in_place(|| {
        run_openid_client(
            &gw,
            "spa",
            "",
            "ES256",
            &format!("passgate_session={cookie}"),
        )
    });
    check_journey(&gw, &seen, "ES256", &id);
    no_secrets_in_log(&gw);
}

/// Neither the client secret nor any code or token reaches the log.
fn no_secrets_in_log(gw: &Gateway) {
    let log = gw.log();
    assert!(!log.contains(SECRET), "the client secret is in the log");
    for needle in ["?code=", "&code=", "refresh_token", "access_token", "eyJ"] {
        assert!(!log.contains(needle), "{needle} in the log:\n{log}");
    }
    assert!(!log.contains("panicked"));
}

/// The code exchange as a client does it (`client_secret_basic`).
async fn exchange_code(gw: &Gateway, client_id: &str, code: &str, verifier: &str) -> (u16, Value) {
    exchange(
        gw,
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", verifier),
        ],
        Some((client_id, SECRET)),
    )
    .await
}

fn pkce() -> (String, String) {
    let verifier = URL_SAFE_NO_PAD.encode([7u8; 40]);
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

fn authorize_url(gw: &Gateway, client_id: &str, extra: &str) -> String {
    let (_, challenge) = pkce();
    gw.url(&format!(
        "/.passgate/oidc/authorize?response_type=code&client_id={client_id}&redirect_uri={}&scope=openid%20email&state=s1&nonce=n1&code_challenge={challenge}&code_challenge_method=S256{extra}",
        passgate::page::enc(REDIRECT)
    ))
}

async fn get(url: &str, cookie: Option<&str>) -> reqwest::Response {
    let mut r = client().get(url);
    if let Some(c) = cookie {
        r = r.header("cookie", format!("passgate_session={c}"));
    }
    r.header("accept", "text/html").send().await.unwrap()
}

fn location(r: &reqwest::Response) -> String {
    r.headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

/// The code in a redirect to the app.
fn code_of(loc: &str) -> String {
    let url = url::Url::parse(loc).unwrap();
    url.query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| panic!("no code in {loc}"))
}

async fn exchange(
    gw: &Gateway,
    fields: &[(&str, &str)],
    basic: Option<(&str, &str)>,
) -> (u16, Value) {
    let mut r = client().post(gw.url("/.passgate/oidc/token")).form(fields);
    if let Some((u, p)) = basic {
        r = r.basic_auth(u, Some(p));
    }
    let r = r.send().await.unwrap();
    let status = r.status().as_u16();
    assert_eq!(
        r.headers().get("cache-control").unwrap(),
        "no-store",
        "token answers are never cached"
    );
    (status, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_name_the_oauth_error_and_never_redirect_to_an_unregistered_uri() {
    let gw = Gateway::start(config).await;
    let ann = gw.session_for("ann@example.com", &["dev"]).await;

    // Unknown client, unregistered redirect_uri, none: a page, no redirect.
    for (url, code) in [
        (authorize_url(&gw, "nobody", ""), "unknown_client"),
        (
            authorize_url(&gw, "app", "").replace("%2Fcb", "%2Fevil"),
            "redirect_uri_not_registered",
        ),
        (
            authorize_url(&gw, "app", "").replace("redirect_uri=", "x="),
            "redirect_uri_not_registered",
        ),
        (
            gw.url("/.passgate/oidc/authorize?response_type=code"),
            "invalid_request",
        ),
    ] {
        let r = get(&url, Some(&ann)).await;
        assert_eq!(r.status(), 400, "{url}");
        assert!(r.headers().get("location").is_none(), "{url}");
        let page = r.text().await.unwrap();
        assert!(page.contains("cannot be used"), "{page}");
        let _ = code;
    }

    // Errors after the client is known go back to the app, with state and
    // iss.
    for (extra, error) in [
        ("&code_challenge_method=plain", "invalid_request"),
        ("&response_type=token", "invalid_request"),
        ("&prompt=none%20login", "invalid_request"),
        ("&max_age=soon", "invalid_request"),
        ("&request=eyJ", "request_not_supported"),
        ("&response_mode=fragment", "invalid_request"),
    ] {
        let r = get(&authorize_url(&gw, "app", extra), Some(&ann)).await;
        let loc = location(&r);
        assert!(
            loc.starts_with(&format!("{REDIRECT}?error={error}")),
            "{extra}: {loc}"
        );
        assert!(loc.contains("state=s1"), "{loc}");
        assert!(
            loc.contains(&format!("iss={}", passgate::page::enc(&gw.origin()))),
            "{loc}"
        );
    }
    let no_openid = authorize_url(&gw, "app", "").replace("scope=openid%20email", "scope=email");
    let loc = location(&get(&no_openid, Some(&ann)).await);
    assert!(
        loc.starts_with(&format!("{REDIRECT}?error=invalid_scope")),
        "{loc}"
    );
    let unknown_type =
        authorize_url(&gw, "app", "").replace("response_type=code", "response_type=id_token");
    let loc = location(&get(&unknown_type, Some(&ann)).await);
    assert!(
        loc.starts_with(&format!("{REDIRECT}?error=unsupported_response_type")),
        "{loc}"
    );
    // A public client must use PKCE.
    let no_pkce = authorize_url(&gw, "spa", "")
        .split("&code_challenge")
        .next()
        .unwrap()
        .to_string();
    let loc = location(&get(&no_pkce, Some(&ann)).await);
    assert!(
        loc.starts_with(&format!("{REDIRECT}?error=invalid_request")),
        "{loc}"
    );

    // Not signed in: prompt=none says so; otherwise the login page, which
    // comes back here.
    let loc = location(&get(&authorize_url(&gw, "app", "&prompt=none"), None).await);
    assert!(
        loc.starts_with(&format!("{REDIRECT}?error=login_required")),
        "{loc}"
    );
    let loc = location(
        &get(
            &authorize_url(&gw, "app", "&login_hint=bob%40example.com"),
            None,
        )
        .await,
    );
    assert!(loc.starts_with(&gw.url("/.passgate/login?rd=")), "{loc}");
    assert!(loc.contains("oidc%2Fauthorize"), "{loc}");
    assert!(
        loc.ends_with(&format!(
            "&email={}",
            passgate::page::enc("bob@example.com")
        )),
        "{loc}"
    );
    let login = get(&loc, None).await.text().await.unwrap();
    assert!(
        login.contains("value=\"bob@example.com\""),
        "the hint fills the address"
    );

    // Someone outside the client's groups: a page, no redirect, no code.
    let r = get(&authorize_url(&gw, "ops", ""), Some(&ann)).await;
    assert_eq!(r.status(), 403);
    assert!(r.headers().get("location").is_none());
    assert!(r.text().await.unwrap().contains("is not for you"));

    // prompt=login, and a client that wants a passkey from an email
    // sign-in: the step-up page, returning here.
    let loc = location(&get(&authorize_url(&gw, "app", "&prompt=login"), Some(&ann)).await);
    assert!(loc.starts_with(&gw.url("/.passgate/step-up?rd=")), "{loc}");
    assert!(
        !loc.contains("prompt%3Dlogin"),
        "prompt=login is not sent round again: {loc}"
    );
    assert!(loc.contains("max%5Fage%3D60"), "{loc}");
    let email = gw.email_session_for("eve@example.com", &["dev"]).await;
    let loc = location(&get(&authorize_url(&gw, "strict", ""), Some(&email)).await);
    assert!(loc.starts_with(&gw.url("/.passgate/step-up?rd=")), "{loc}");
    let page = get(&loc, Some(&email)).await.text().await.unwrap();
    assert!(
        page.contains("strict accepts only passkey sign-ins"),
        "{page}"
    );
    let loc = location(&get(&authorize_url(&gw, "strict", "&prompt=none"), Some(&email)).await);
    assert!(
        loc.starts_with(&format!("{REDIRECT}?error=login_required")),
        "{loc}"
    );
    // A sign-in older than the request's max_age: confirmed again first.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let loc = location(&get(&authorize_url(&gw, "app", "&max_age=0"), Some(&ann)).await);
    assert!(loc.starts_with(&gw.url("/.passgate/step-up?rd=")), "{loc}");
    let loc = location(&get(&authorize_url(&gw, "app", "&max_age=3600"), Some(&ann)).await);
    assert!(loc.starts_with(&format!("{REDIRECT}?code=")), "{loc}");

    // The token endpoint.
    let (verifier, _) = pkce();
    let code = code_of(&location(
        &get(&authorize_url(&gw, "app", ""), Some(&ann)).await,
    ));
    let exchange_fields = |code: &str, verifier: &str| {
        vec![
            ("grant_type", "authorization_code".to_string()),
            ("code", code.to_string()),
            ("redirect_uri", REDIRECT.to_string()),
            ("code_verifier", verifier.to_string()),
        ]
    };
    let fields = exchange_fields(&code, &verifier);
    let f: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    // Wrong secret, unknown client, both methods at once.
    let (s, body) = exchange(&gw, &f, Some(("app", "wrong"))).await;
    assert_eq!((s, body["error"].as_str()), (401, Some("invalid_client")));
    let (s, body) = exchange(&gw, &f, Some(("nobody", SECRET))).await;
    assert_eq!((s, body["error"].as_str()), (401, Some("invalid_client")));
    let mut both = f.clone();
    both.push(("client_secret", SECRET));
    let (s, body) = exchange(&gw, &both, Some(("app", SECRET))).await;
    assert_eq!((s, body["error"].as_str()), (400, Some("invalid_request")));
    // None of those spent the code; a wrong verifier does.
    let bad = exchange_fields(&code, &"A".repeat(43));
    let b: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (s, body) = exchange(&gw, &b, Some(("app", SECRET))).await;
    assert_eq!(
        (s, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "{body}"
    );
    let (s, body) = exchange(&gw, &f, Some(("app", SECRET))).await;
    assert_eq!(
        (s, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "{body}"
    );
    // Another client cannot spend app's code; another redirect_uri either.
    let code = code_of(&location(
        &get(&authorize_url(&gw, "app", ""), Some(&ann)).await,
    ));
    let fields = exchange_fields(&code, &verifier);
    let f: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (s, body) = exchange(&gw, &f, Some(("strict", SECRET))).await;
    assert_eq!((s, body["error"].as_str()), (400, Some("invalid_grant")));
    let code = code_of(&location(
        &get(&authorize_url(&gw, "app", ""), Some(&ann)).await,
    ));
    let mut fields = exchange_fields(&code, &verifier);
    fields[2].1 = "http://localhost:9/other".into();
    let f: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (s, body) = exchange(&gw, &f, Some(("app", SECRET))).await;
    assert_eq!((s, body["error"].as_str()), (400, Some("invalid_grant")));
    // Malformed requests: the error the spec names, never a 500.
    for fields in [
        vec![("grant_type", "password")],
        vec![("grant_type", "client_credentials")],
        vec![],
        vec![("grant_type", "authorization_code")],
        vec![("grant_type", "refresh_token")],
        vec![("grant_type", "refresh_token"), ("refresh_token", "nope")],
        vec![
            ("grant_type", "authorization_code"),
            ("grant_type", "authorization_code"),
        ],
    ] {
        let (s, body) = exchange(&gw, &fields, Some(("app", SECRET))).await;
        assert_eq!(s, 400, "{fields:?}: {body}");
        let e = body["error"].as_str().unwrap();
        assert!(
            ["invalid_request", "unsupported_grant_type", "invalid_grant"].contains(&e),
            "{fields:?}: {e}"
        );
    }
    let r = client()
        .post(gw.url("/.passgate/oidc/token"))
        .basic_auth("app", Some(SECRET))
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    // userinfo without a valid token.
    for auth in [
        "",
        "Bearer ",
        "Bearer nope",
        "Basic YTpi",
        "Bearer eyJhbGciOiJub25lIn0.e30.",
    ] {
        let mut req = client().get(gw.url("/.passgate/oidc/userinfo"));
        if !auth.is_empty() {
            req = req.header("authorization", auth);
        }
        let r = req.send().await.unwrap();
        let want = match auth {
            "Bearer " | "Basic YTpi" => 400,
            _ => 401,
        };
        assert_eq!(r.status(), want, "{auth:?}");
        assert!(r.headers().get("www-authenticate").is_some(), "{auth:?}");
    }

    // From a second attack. Another client (a public one needs no secret)
    // presenting a code neither spends it nor, once it is spent, revokes
    // what it gave.
    let code = code_of(&location(
        &get(&authorize_url(&gw, "app", ""), Some(&ann)).await,
    ));
    let fields = exchange_fields(&code, &verifier);
    let mut f: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let mut as_spa = f.clone();
    as_spa.push(("client_id", "spa"));
    let (s, body) = exchange(&gw, &as_spa, None).await;
    assert_eq!((s, body["error"].as_str()), (400, Some("invalid_grant")));
    let (s, issued) = exchange(&gw, &f, Some(("app", SECRET))).await;
    assert_eq!(
        s, 200,
        "the app's code survived another client's try: {issued}"
    );
    let access = issued["access_token"].as_str().unwrap();
    let (s, _) = exchange(&gw, &as_spa, None).await;
    assert_eq!(s, 400);
    let r = client()
        .get(gw.url("/.passgate/oidc/userinfo"))
        .bearer_auth(access)
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        200,
        "another client's replay revoked the app's grant"
    );
    // The app's own replay does.
    f.retain(|(k, _)| *k != "client_id");
    let (s, _) = exchange(&gw, &f, Some(("app", SECRET))).await;
    assert_eq!(s, 400);
    let r = client()
        .get(gw.url("/.passgate/oidc/userinfo"))
        .bearer_auth(access)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);

    // An access token is not an ID token: as end-session's hint it signs
    // nobody out without asking.
    let code = code_of(&location(
        &get(&authorize_url(&gw, "app", ""), Some(&ann)).await,
    ));
    let fields = exchange_fields(&code, &verifier);
    let f: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (_, issued) = exchange(&gw, &f, Some(("app", SECRET))).await;
    let end = gw.url(&format!(
        "/.passgate/oidc/end-session?id_token_hint={}&post_logout_redirect_uri={}",
        issued["access_token"].as_str().unwrap(),
        passgate::page::enc(BYE)
    ));
    let r = get(&end, Some(&ann)).await;
    assert_ne!(location(&r), BYE, "signed out by an access token");
    let who = client()
        .get(gw.url("/.passgate/whoami"))
        .header("cookie", format!("passgate_session={ann}"))
        .send()
        .await
        .unwrap();
    assert_eq!(who.status(), 200, "still signed in");

    // Failed client authentication is counted per address and client:
    // guessing app's secret locks app out from here, not the others.
    for i in 0..25 {
        let (s, _) = exchange(
            &gw,
            &[("grant_type", "refresh_token"), ("refresh_token", "x")],
            Some(("app", &format!("guess-{i}"))),
        )
        .await;
        assert!(s == 401 || s == 429, "{s}");
    }
    let (s, body) = exchange(
        &gw,
        &[("grant_type", "refresh_token"), ("refresh_token", "x")],
        Some(("app", SECRET)),
    )
    .await;
    assert_eq!((s, body["error"].as_str()), (429, Some("slow_down")));
    let (s, body) = exchange(
        &gw,
        &[("grant_type", "refresh_token"), ("refresh_token", "x")],
        Some(("strict", SECRET)),
    )
    .await;
    assert_eq!(
        (s, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "another client is not locked out"
    );
    let refused: Vec<Value> = gw
        .cli_json(&["audit", "--kind", "oidc.refused"])
        .as_array()
        .unwrap()
        .clone();
    assert!(
        refused.iter().any(|e| e["detail"]
            .as_str()
            .unwrap_or("")
            .contains("client=app invalid_client")),
        "a Basic client's failures are audited under its id: {refused:?}"
    );
    no_secrets_in_log(&gw);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disabling_a_user_or_leaving_the_clients_groups_ends_their_tokens() {
    let gw = Gateway::start(config).await;
    let ann = gw.session_for("ann@example.com", &["dev", "ops"]).await;
    let (verifier, _) = pkce();
    let tokens = |client_id: &'static str| {
        let gw = &gw;
        let ann = ann.clone();
        let verifier = verifier.clone();
        async move {
            let url = authorize_url(gw, client_id, "")
                .replace("scope=openid%20email", "scope=openid%20offline_access");
            let code = code_of(&location(&get(&url, Some(&ann)).await));
            let (s, body) = exchange_code(gw, client_id, &code, &verifier).await;
            assert_eq!(s, 200, "{body}");
            body
        }
    };
    let userinfo = |token: String| {
        let gw = &gw;
        async move {
            client()
                .get(gw.url("/.passgate/oidc/userinfo"))
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    let ops = tokens("ops").await;
    assert_eq!(
        userinfo(ops["access_token"].as_str().unwrap().to_string()).await,
        200
    );
    let clients = gw.cli_json(&["oidc", "clients"]);
    let of = |id: &str| {
        clients
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id)
            .cloned()
            .unwrap()
    };
    assert_eq!(
        (of("ops")["grants"].as_i64(), of("ops")["users"].as_i64()),
        (Some(1), Some(1))
    );
    assert_eq!(of("ops")["groups"], serde_json::json!(["ops"]));
    assert_eq!(of("spa")["type"], "public");
    assert_eq!(of("app")["grants"], 0);
    let (code, table, _) = gw.cli(&["oidc", "clients"]);
    assert_eq!(code, 0);
    assert!(
        table.contains("LAST USED") && table.contains("confidential"),
        "{table}"
    );
    // Out of the ops group: the ops client's tokens stop working.
    let (code, _, err) = gw.cli(&["group", "remove", "ops", "ann@example.com"]);
    assert_eq!(code, 0, "{err}");
    let mut status = 0;
    for _ in 0..30 {
        status = userinfo(ops["access_token"].as_str().unwrap().to_string()).await;
        if status == 401 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        status, 401,
        "a person out of the client's groups keeps its tokens"
    );
    let app = tokens("app").await;
    let access = app["access_token"].as_str().unwrap().to_string();
    assert_eq!(userinfo(access.clone()).await, 200);
    let (code, _, err) = gw.cli(&["user", "disable", "ann@example.com"]);
    assert_eq!(code, 0, "{err}");
    let mut status = 0;
    for _ in 0..30 {
        status = userinfo(access.clone()).await;
        if status == 401 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(status, 401, "a disabled user's access token still works");
    let (s, body) = exchange(
        &gw,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", app["refresh_token"].as_str().unwrap()),
        ],
        Some(("app", SECRET)),
    )
    .await;
    assert_eq!((s, body["error"].as_str()), (400, Some("invalid_grant")));

    // Deleting a user ends their tokens too.
    let bob = gw.session_for("bob@example.com", &["dev"]).await;
    let code = code_of(&location(
        &get(&authorize_url(&gw, "app", ""), Some(&bob)).await,
    ));
    let (s, issued) = exchange_code(&gw, "app", &code, &verifier).await;
    assert_eq!(s, 200);
    let access = issued["access_token"].as_str().unwrap().to_string();
    assert_eq!(userinfo(access.clone()).await, 200);
    let (code, _, err) = gw.cli(&["user", "delete", "bob@example.com"]);
    assert_eq!(code, 0, "{err}");
    within("a deleted user's access token ends", async || {
        userinfo(access.clone()).await == 401
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_code_expires_after_a_minute() {
    let gw = Gateway::start(config).await;
    let ann = gw.session_for("ann@example.com", &["dev"]).await;
    let (verifier, _) = pkce();
    let code = code_of(&location(
        &get(&authorize_url(&gw, "app", ""), Some(&ann)).await,
    ));
    tokio::time::sleep(Duration::from_secs(61)).await;
    let (s, body) = exchange_code(&gw, "app", &code, &verifier).await;
    assert_eq!(
        (s, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "{body}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discovery_is_served_on_the_portal_host_only_and_only_with_clients() {
    let gw = Gateway::start(config).await;
    let r = client()
        .get(gw.url("/.well-known/openid-configuration"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let doc: Value = r.json().await.unwrap();
    assert_eq!(doc["issuer"], gw.origin());
    assert_eq!(doc["token_endpoint"], gw.url("/.passgate/oidc/token"));
    assert_eq!(
        doc["code_challenge_methods_supported"],
        serde_json::json!(["S256"])
    );
    // The JWKS has both algorithms.
    let jwks: Value = client()
        .get(gw.url("/.passgate/jwks.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let algs: Vec<&str> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|k| k["alg"].as_str())
        .collect();
    assert!(
        algs.contains(&"RS256") && algs.contains(&"ES256"),
        "{algs:?}"
    );
    // Another host: the gate decides (no rule for it here: denied).
    let (status, _) = crate::common::gateway::raw_get(
        gw.addr(),
        "app.internal",
        "/.well-known/openid-configuration",
        "",
    )
    .await;
    assert_ne!(status, 200);
    // Without clients, nothing is served there.
    let plain = Gateway::start(|s| {
        s.config(
            "",
            "[[route]]\nhost = \"localhost\"\nupstream = \"http://127.0.0.1:9\"\n",
        )
    })
    .await;
    let r = client()
        .get(plain.url("/.well-known/openid-configuration"))
        .send()
        .await
        .unwrap();
    assert_ne!(r.status(), 200);
}

#[test]
fn check_config_names_each_bad_client_key() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("short.secret"), "short").unwrap();
    let text = r#"
[[oidc.client]]
id = "a b"
secret_file = "short.secret"
redirect_uris = ["http://app.example.com/cb", "https://x.example.com/cb#frag"]
scopes = ["email", "phone"]
id_token_alg = "HS256"
require = ["otp"]

[[oidc.client]]
id = "pub"
public = true
secret_file = "short.secret"

[[oidc.client]]
id = "pub"
public = true
redirect_uris = ["https://ok.example.com/cb"]
max_age = "soon"

[[oidc.client]]
id = "nosecret"
redirect_uris = ["https://ok.example.com/cb"]
"#;
    let err = passgate::Config::from_toml(text, "t.toml", std::iter::empty(), dir.path())
        .unwrap_err()
        .to_string();
    for key in [
        "oidc.client[0].id",
        "oidc.client[0].secret_file",
        "oidc.client[0].redirect_uris[0]",
        "oidc.client[0].redirect_uris[1]",
        "oidc.client[0].scopes[1]",
        "oidc.client[0].scopes",
        "oidc.client[0].id_token_alg",
        "oidc.client[0].require[0]",
        "oidc.client[1].secret_file",
        "oidc.client[1].redirect_uris",
        "oidc.client[2].max_age",
        "oidc.client[3].secret_file",
    ] {
        assert!(err.contains(key), "{key} not named in:\n{err}");
    }
    // A client with one mistake fixed is named no more; a duplicate id is.
    let ok = r#"
[[oidc.client]]
id = "pub"
public = true
redirect_uris = ["https://ok.example.com/cb"]

[[oidc.client]]
id = "pub"
public = true
redirect_uris = ["https://ok.example.com/cb"]
"#;
    let err = passgate::Config::from_toml(ok, "t.toml", std::iter::empty(), dir.path())
        .unwrap_err()
        .to_string();
    assert!(err.contains("oidc.client[1].id"), "{err}");
    assert!(!err.contains("oidc.client[0]."), "{err}");
}

/// JupyterHub with oauthenticator's GenericOAuthenticator, configured with
/// `deploy/oidc/jupyterhub_config.py`: a member of `data` signs in and
/// lands in the hub as their username with passgate's groups; someone in
/// neither `data` nor `admins` is turned away by the hub.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jupyterhub_signs_in_through_passgate_with_groups_mapped() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tools = root.join(".tmp/tools");
    let hub_bin = std::env::var("TEST_BIN_JUPYTERHUB")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| tools.join("jupyterhub/bin/jupyterhub"));
    let chp = std::env::var("TEST_BIN_CHP")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| tools.join("chp/node_modules/.bin/configurable-http-proxy"));
    assert!(
        hub_bin.exists() && chp.exists(),
        "JupyterHub ({}) or configurable-http-proxy ({}) is not installed: run scripts/test",
        hub_bin.display(),
        chp.display()
    );
    let hub_port = crate::common::gateway::free_port();
    let gw = Gateway::start(|s| {
        std::fs::write(s.dir.join("jupyterhub.secret"), SECRET).unwrap();
        s.config(
            "",
            &format!(
                r#"
[[oidc.client]]
id = "jupyterhub"
name = "JupyterHub"
secret_file = "jupyterhub.secret"
redirect_uris = ["http://localhost:{hub_port}/hub/oauth_callback"]

[[route]]
host = "localhost"
upstream = "http://127.0.0.1:9"
"#
            ),
        )
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let api_token = "checker-token-0123456789abcdef";
    let hub_api = crate::common::gateway::free_port();
    let chp_api = crate::common::gateway::free_port();
    let deployed = std::fs::read_to_string(root.join("deploy/oidc/jupyterhub_config.py")).unwrap();
    assert!(deployed.contains("https://hub.example.com/hub/oauth_callback"));
    let config = deployed
        .replace("https://auth.example.com", &gw.origin())
        .replace(
            "https://hub.example.com",
            &format!("http://localhost:{hub_port}"),
        )
        + &format!(
            r#"
# The test's own: addresses, state in its folder, a service that reads users.
c.JupyterHub.bind_url = "http://127.0.0.1:{hub_port}"
c.JupyterHub.hub_bind_url = "http://127.0.0.1:{hub_api}"
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{chp_api}"
c.ConfigurableHTTPProxy.command = ["{chp}"]
c.JupyterHub.db_url = "sqlite:///{d}/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = "{d}/cookie_secret"
c.JupyterHub.services = [{{"name": "checker", "api_token": "{api_token}"}}]
c.JupyterHub.load_roles = [{{"name": "checker", "scopes": ["list:users", "read:users", "read:groups"], "services": ["checker"]}}]
"#,
            chp = chp.display(),
            d = d.display(),
        );
    std::fs::write(d.join("jupyterhub_config.py"), config).unwrap();
    let log = std::fs::File::create(d.join("hub.log")).unwrap();
    let mut hub = Command::new(&hub_bin)
        .arg("-f")
        .arg(d.join("jupyterhub_config.py"))
        .current_dir(d)
        .env("OAUTH_CLIENT_SECRET", SECRET)
        .stdin(std::process::Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .expect("start jupyterhub");
    struct Kill<'a>(&'a mut std::process::Child);
    impl Drop for Kill<'_> {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let hub_log = || std::fs::read_to_string(d.join("hub.log")).unwrap_or_default();
    let _kill = Kill(&mut hub);
    let hub = format!("http://localhost:{hub_port}");
    let mut up = false;
    for _ in 0..300 {
        if let Ok(r) = client().get(format!("{hub}/hub/api")).send().await
            && r.status() == 200
        {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(up, "JupyterHub did not start:\n{}", hub_log());

    // The browser: the hub's login sends it to passgate, which (signed in)
    // sends it back with a code; the hub exchanges it and reads userinfo.
    let sign_in = async |email: &str, groups: &[&str]| -> (u16, String) {
        let cookie = gw.session_for(email, groups).await;
        let b = crate::common::browser::Browser::new(&hub);
        b.jar.add_cookie_str(
            &format!("passgate_session={cookie}"),
            &gw.origin().parse().unwrap(),
        );
        let r = b
            .client
            .get(format!("{hub}/hub/oauth_login"))
            .send()
            .await
            .unwrap();
        let to_passgate = location(&r);
        assert!(
            to_passgate.starts_with(&gw.url("/.passgate/oidc/authorize?")),
            "{}: {to_passgate}\n{}",
            r.status(),
            hub_log()
        );
        let r = b.client.get(&to_passgate).send().await.unwrap();
        let back = location(&r);
        assert!(
            back.starts_with(&format!("{hub}/hub/oauth_callback?code=")),
            "{back}\n{}",
            gw.log()
        );
        let r = b.client.get(&back).send().await.unwrap();
        (r.status().as_u16(), location(&r))
    };
    let (status, next) = sign_in("ann@example.com", &["data"]).await;
    assert_eq!(status, 302, "{}", hub_log());
    assert!(!next.contains("oauth_login"), "{next}");
    let user: Value = client()
        .get(format!("{hub}/hub/api/users/ann@example.com"))
        .header("authorization", format!("token {api_token}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(user["name"], "ann@example.com", "{user}\n{}", hub_log());
    assert_eq!(user["groups"], serde_json::json!(["data"]), "{user}");
    assert_eq!(user["admin"], false);
    let (status, _) = sign_in("kim@example.com", &["admins"]).await;
    assert_eq!(status, 302, "{}", hub_log());
    let kim: Value = client()
        .get(format!("{hub}/hub/api/users/kim@example.com"))
        .header("authorization", format!("token {api_token}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(kim["admin"], true, "{kim}");
    // In neither group: the hub refuses (passgate's answer was fine: the
    // hub decides with the groups it was given).
    let (status, _) = sign_in("bob@example.com", &["dev"]).await;
    assert_eq!(status, 403, "{}", hub_log());
    let r = client()
        .get(format!("{hub}/hub/api/users/bob@example.com"))
        .header("authorization", format!("token {api_token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404, "bob never became a hub user");
    no_secrets_in_log(&gw);
}

/// Tokens issued by one replica and used at another stop there when the
/// first revokes them (RFC 7009), and when the session behind them ends.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grant_revocation_reaches_every_replica() {
    let gw = Gateway::start_with(Db::Postgres, Some(crate::common::redis_url()), |s| {
        // An absolute path: the replica's config lives in another folder.
        config(s).replace(
            "secret_file = \"app.secret\"",
            &format!("secret_file = \"{}/app.secret\"", s.dir.display()),
        )
    })
    .await;
    let other = gw.replica().await;
    within("the replica listens", async || {
        client()
            .get(other.url("/.passgate/health/live"))
            .send()
            .await
            .is_ok_and(|r| r.status() == 200)
    })
    .await;
    let (verifier, _) = pkce();
    let ann = gw.session_for("ann@example.com", &["dev"]).await;
    let tokens = async || -> Value {
        let url = authorize_url(&gw, "app", "")
            .replace("scope=openid%20email", "scope=openid%20offline_access");
        let code = code_of(&location(&get(&url, Some(&ann)).await));
        let (s, body) = exchange_code(&gw, "app", &code, &verifier).await;
        assert_eq!(s, 200, "{body}");
        body
    };
    let userinfo_at_other = async |token: &str| -> u16 {
        client()
            .get(other.url("/.passgate/oidc/userinfo"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    };
    let first = tokens().await;
    let access = first["access_token"].as_str().unwrap().to_string();
    // The other replica honours it (and now has it cached).
    assert_eq!(userinfo_at_other(&access).await, 200);
    assert_eq!(userinfo_at_other(&access).await, 200);
    let r = client()
        .post(gw.url("/.passgate/oidc/revoke"))
        .basic_auth("app", Some(SECRET))
        .form(&[("token", first["refresh_token"].as_str().unwrap())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    within(
        "a revoked grant's access token ended on the other replica",
        async || userinfo_at_other(&access).await == 401,
    )
    .await;
    // The session ends (sign out everywhere from the CLI): so do the
    // grants it gave.
    let second = tokens().await;
    let access = second["access_token"].as_str().unwrap().to_string();
    assert_eq!(userinfo_at_other(&access).await, 200);
    let (code, _, err) = gw.cli(&["session", "revoke", "--user", "ann@example.com"]);
    assert_eq!(code, 0, "{err}");
    within(
        "an ended session's access token ended on the other replica",
        async || userinfo_at_other(&access).await == 401,
    )
    .await;
}

/// Clients come and go with a reload (SIGHUP): a new one works at once,
/// a removed one's sign-ins and tokens stop, and a broken file changes
/// nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_are_reloaded_on_sighup() {
    let gw = Gateway::start(|s| {
        s.config(
            "",
            "[[route]]\nhost = \"localhost\"\nupstream = \"http://127.0.0.1:9\"\n",
        )
    })
    .await;
    let discovery = async || {
        client()
            .get(gw.url("/.well-known/openid-configuration"))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    };
    // No client: the path is the app's, and the gate decides (here: sign
    // in first).
    assert_eq!(discovery().await, 401);
    let without = std::fs::read_to_string(&gw.config_path).unwrap();
    std::fs::write(gw.dir.path().join("app.secret"), SECRET).unwrap();
    let with = format!(
        "{without}\n[[oidc.client]]\nid = \"app\"\nsecret_file = \"app.secret\"\nredirect_uris = [\"{REDIRECT}\"]\n"
    );
    std::fs::write(&gw.config_path, &with).unwrap();
    gw.signal("HUP");
    within("the new client is served", async || {
        discovery().await == 200
    })
    .await;
    let ann = gw.session_for("ann@example.com", &["dev"]).await;
    let (verifier, _) = pkce();
    let code = code_of(&location(
        &get(&authorize_url(&gw, "app", ""), Some(&ann)).await,
    ));
    let (s, issued) = exchange_code(&gw, "app", &code, &verifier).await;
    assert_eq!(s, 200, "{issued}");
    let userinfo = async || {
        client()
            .get(gw.url("/.passgate/oidc/userinfo"))
            .bearer_auth(issued["access_token"].as_str().unwrap())
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    };
    assert_eq!(userinfo().await, 200);
    // A broken client: refused, the running one kept.
    std::fs::write(
        &gw.config_path,
        with.replace(REDIRECT, "http://evil.example/cb"),
    )
    .unwrap();
    gw.signal("HUP");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(userinfo().await, 200);
    assert!(
        gw.log().contains("oidc.client[0].redirect_uris[0]"),
        "the reload names the key"
    );
    // Removed: its tokens stop, and its sign-ins get a page.
    std::fs::write(&gw.config_path, &without).unwrap();
    gw.signal("HUP");
    within("the removed client's token stops", async || {
        userinfo().await == 401
    })
    .await;
    let r = get(&authorize_url(&gw, "app", ""), Some(&ann)).await;
    assert_eq!(r.status(), 400);
    assert!(r.headers().get("location").is_none());
}

/// `GET userinfo` is answered on the hot path by both serving paths (the
/// HTTP/1.1 loop and hyper): the same answers, valid token or not; a POST
/// with the token in its body goes through the pages' router.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn userinfo_answers_alike_on_both_serving_paths() {
    let mut seen = Vec::new();
    for lp in [true, false] {
        let gw = Gateway::start(|s| {
            config(s).replacen("[server]\n", &format!("[server]\nhttp1_loop = {lp}\n"), 1)
        })
        .await;
        let ann = gw.session_for("ann@example.com", &["dev"]).await;
        let (verifier, _) = pkce();
        let code = code_of(&location(
            &get(&authorize_url(&gw, "app", ""), Some(&ann)).await,
        ));
        let (s, issued) = exchange_code(&gw, "app", &code, &verifier).await;
        assert_eq!(s, 200);
        let token = issued["access_token"].as_str().unwrap().to_string();
        let mut answers = Vec::new();
        for auth in [
            format!("Bearer {token}"),
            "Bearer nope".into(),
            String::new(),
        ] {
            let mut req = client().get(gw.url("/.passgate/oidc/userinfo"));
            if !auth.is_empty() {
                req = req.header("authorization", auth);
            }
            let r = req.send().await.unwrap();
            let status = r.status().as_u16();
            let challenge = r
                .headers()
                .get("www-authenticate")
                .map(|v| v.to_str().unwrap().to_string());
            let mut body: Value = r.json().await.unwrap();
            body.as_object_mut().unwrap().remove("sub");
            answers.push((status, challenge, body));
        }
        assert_eq!(answers[0].0, 200);
        assert_eq!(answers[0].2["email"], "ann@example.com");
        // The token in a form body.
        let r = client()
            .post(gw.url("/.passgate/oidc/userinfo"))
            .form(&[("access_token", token.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["email"], "ann@example.com");
        seen.push(answers);
    }
    assert_eq!(seen[0], seen[1], "the two serving paths answer alike");
}

/// The `sid` of the ID token in a token answer.
fn sid_of(issued: &Value) -> String {
    let id: Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(
                issued["id_token"]
                    .as_str()
                    .unwrap()
                    .split('.')
                    .nth(1)
                    .unwrap(),
            )
            .unwrap(),
    )
    .unwrap();
    id["sid"].as_str().unwrap().to_string()
}

/// A new sign-in in the same browser by the same person (a step-up, or
/// signing in again) replaces the session, and the apps keep their
/// grants: the refresh token still works, for the new session. Another
/// person signing in there does not inherit them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_sign_in_by_the_same_person_keeps_the_apps_signed_in() {
    use crate::common::browser::{Browser, mail};
    let gw = Gateway::start(config).await;
    let ann = gw.session_for("ann@example.com", &["dev"]).await;
    gw.session_for("bob@example.com", &["dev"]).await;
    let b = Browser::new(&gw.origin());
    b.csrf().await;
    b.jar.add_cookie_str(
        &format!("passgate_session={ann}; Path=/"),
        &gw.origin().parse().unwrap(),
    );
    let (verifier, _) = pkce();
    let grant = async || -> Value {
        let url = authorize_url(&gw, "app", "")
            .replace("scope=openid%20email", "scope=openid%20offline_access");
        let r = b.client.get(&url).send().await.unwrap();
        let code = code_of(&location(&r));
        let (s, issued) = exchange_code(&gw, "app", &code, &verifier).await;
        assert_eq!(s, 200, "{issued}");
        issued
    };
    let sign_in_again = async |email: &str| {
        let t = std::time::SystemTime::now() - Duration::from_secs(1);
        let r = b
            .submit("/.passgate/email/start", &[("email", email), ("rd", "")])
            .await;
        assert_eq!(r.status(), 200);
        let (link, _) = mail(&gw.dir.path().join("outbox"), email, t).await;
        let token = link.split("token=").nth(1).unwrap().to_string();
        let r = b
            .submit("/.passgate/email/verify", &[("token", &token)])
            .await;
        assert_eq!(r.status(), 303);
    };
    let refresh = async |token: &str| {
        exchange(
            &gw,
            &[("grant_type", "refresh_token"), ("refresh_token", token)],
            Some(("app", SECRET)),
        )
        .await
    };
    let first = grant().await;
    sign_in_again("ann@example.com").await;
    let new_sid = b.whoami().await.unwrap()["session_id"]
        .as_str()
        .unwrap()
        .to_string();
    let (s, refreshed) = refresh(first["refresh_token"].as_str().unwrap()).await;
    assert_eq!(s, 200, "the grant went with the new session: {refreshed}");
    assert_eq!(sid_of(&refreshed), new_sid, "the new session holds it");
    assert_ne!(new_sid, sid_of(&first), "a new session");
    // Someone else signing in in this browser: the grant ends with ann's
    // session.
    let second = grant().await;
    sign_in_again("bob@example.com").await;
    let (s, body) = refresh(second["refresh_token"].as_str().unwrap()).await;
    assert_eq!((s, body["error"].as_str()), (400, Some("invalid_grant")));
}
