//! Sign-in over HTTP against the real binary: the email link and code, their
//! limits, CSRF and `Origin` checks, security headers, redirects, and passkey
//! ceremonies from a software authenticator that can be made to misbehave.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, SystemTime};

use crate::common::browser::{Browser, mail, mail_count};
use crate::common::gateway::{Gateway, Setup};
use crate::common::soft_authenticator::{self as soft, Tamper};
use passgate::store::{AuditFilter, NewUser};
use serde_json::{Value, json};

fn config(s: &Setup, signup: &str, extra: &str) -> String {
    s.config(
        "",
        &format!(
            "[signup]\nmode = \"{signup}\"\n{extra}\n\n[[route]]\nhost = \"localhost\"\nupstream = \"http://127.0.0.1:9\"\n"
        ),
    )
}

async fn open_gateway() -> Gateway {
    Gateway::start(|s| config(s, "open", "")).await
}

fn outbox(gw: &Gateway) -> std::path::PathBuf {
    gw.dir.path().join("outbox")
}

async fn start_email(b: &Browser, email: &str) -> reqwest::Response {
    b.submit("/.passgate/email/start", &[("email", email), ("rd", "")])
        .await
}

/// Sign up (or in) by email in browser `b`; returns after the session exists.
async fn email_sign_in(gw: &Gateway, b: &Browser, email: &str) {
    let t = SystemTime::now() - Duration::from_secs(1);
    assert_eq!(start_email(b, email).await.status(), 200);
    let (link, _) = mail(&outbox(gw), email, t).await;
    let token = link.split("token=").nth(1).unwrap().to_string();
    let r = b
        .submit("/.passgate/email/verify", &[("token", &token)])
        .await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap_or_default());
    assert!(b.whoami().await.is_some());
}

async fn audit_kinds(gw: &Gateway) -> Vec<(String, bool, String)> {
    gw.store()
        .await
        .list_audit(&AuditFilter {
            limit: 500,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.event.kind, e.event.success, e.event.detail))
        .collect()
}

#[tokio::test]
async fn email_link_is_confirmed_bound_to_the_browser_and_single_use() {
    let gw = open_gateway().await;
    let b = Browser::new(&gw.origin());
    let t = SystemTime::now() - Duration::from_secs(1);
    let r = start_email(&b, "link@example.com").await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("Check your email"));
    let (link, code) = mail(&outbox(&gw), "link@example.com", t).await;
    let token = link.split("token=").nth(1).unwrap().to_string();
    assert_eq!(token.len(), 43, "a 256-bit token");
    assert_eq!(code.len(), 6);

    // GET only shows a confirmation (mail scanners follow links), every time.
    for _ in 0..2 {
        let (status, page) = b.get(&link).await;
        assert_eq!(status, 200);
        assert!(page.contains("Finish signing up"));
        assert!(b.whoami().await.is_none(), "GET must not sign in");
    }
    // Another browser cannot spend it, and the token survives the attempt.
    let other = Browser::new(&gw.origin());
    let r = other
        .submit("/.passgate/email/verify", &[("token", &token)])
        .await;
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("different browser"));
    assert!(other.whoami().await.is_none());
    // The browser that asked can.
    let r = b
        .submit("/.passgate/email/verify", &[("token", &token)])
        .await;
    assert_eq!(r.status(), 303);
    assert!(
        r.headers()["location"]
            .to_str()
            .unwrap()
            .contains("/.passgate/passkey/offer")
    );
    let me = b.whoami().await.expect("signed in");
    assert_eq!(me["email"], "link@example.com");
    assert_eq!(me["auth_method"], "email");
    // Spent: the link and its code are both gone.
    let r = b
        .submit("/.passgate/email/verify", &[("token", &token)])
        .await;
    assert_eq!(r.status(), 410);
    let r = other
        .submit(
            "/.passgate/email/code",
            &[("email", "link@example.com"), ("code", &code)],
        )
        .await;
    assert_eq!(r.status(), 401);
    let kinds = audit_kinds(&gw).await;
    assert!(kinds.iter().any(|(k, ok, _)| k == "signup" && *ok));
    assert!(
        kinds
            .iter()
            .any(|(k, ok, d)| k == "signin.failed" && !ok && d.contains("another browser"))
    );
}

#[tokio::test]
async fn email_code_works_on_another_device_with_five_tries() {
    let gw = open_gateway().await;
    let b = Browser::new(&gw.origin());
    let t = SystemTime::now() - Duration::from_secs(1);
    start_email(&b, "code@example.com").await;
    let (_, code) = mail(&outbox(&gw), "code@example.com", t).await;
    let phone = Browser::new(&gw.origin());
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for left in (1..=4).rev() {
        let r = phone
            .submit(
                "/.passgate/email/code",
                &[("email", "code@example.com"), ("code", wrong)],
            )
            .await;
        assert_eq!(r.status(), 401);
        let said = if left == 1 {
            "1 try left".to_string()
        } else {
            format!("{left} tries left")
        };
        assert!(r.text().await.unwrap().contains(&said));
    }
    // The right code, with spaces as people type it, on the device that never saw the link.
    let spaced = format!("{} {}", &code[..3], &code[3..]);
    let r = phone
        .submit(
            "/.passgate/email/code",
            &[("email", "CODE@example.com"), ("code", &spaced)],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(phone.whoami().await.unwrap()["email"], "code@example.com");

    // A second address: five wrong tries end its code, so the right one
    // no longer works (not "try again later": it is gone).
    let t = SystemTime::now() - Duration::from_secs(1);
    start_email(&b, "locked@example.com").await;
    let (_, code) = mail(&outbox(&gw), "locked@example.com", t).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for _ in 0..5 {
        phone
            .submit(
                "/.passgate/email/code",
                &[("email", "locked@example.com"), ("code", wrong)],
            )
            .await;
    }
    let r = phone
        .submit(
            "/.passgate/email/code",
            &[("email", "locked@example.com"), ("code", &code)],
        )
        .await;
    assert_eq!(r.status(), 401);
    assert!(r.text().await.unwrap().contains("Ask for a new email"));
}

/// Findings 11 and 14: tries are counted on each code for as long as it
/// lives, so five is five; and a new email brings a new code with new
/// tries, so wrong guesses by someone else cannot lock a person out. An
/// address whose codes are ended three times in a day gets links only.
#[tokio::test]
async fn every_emailed_code_has_five_tries_of_its_own() {
    let gw = open_gateway().await;
    let asker = Browser::new(&gw.origin());
    let attacker = Browser::new(&gw.origin());
    let email = "target@example.com";
    // The newest mail, once one more than `before` has arrived (an older
    // one, sent a moment ago, must not be taken for it).
    let newest = async |before: usize| {
        for _ in 0..200 {
            if mail_count(&outbox(&gw), email) > before {
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        mail(&outbox(&gw), email, SystemTime::UNIX_EPOCH).await
    };
    let code_from = async |before: usize| newest(before).await.1;
    let guess = async |b: &Browser, code: &str| {
        b.submit("/.passgate/email/code", &[("email", email), ("code", code)])
            .await
    };
    // Five emails in all: the most an address gets in fifteen minutes.
    for round in 1..=3 {
        let before = mail_count(&outbox(&gw), email);
        assert_eq!(start_email(&asker, email).await.status(), 200);
        let code = code_from(before).await;
        let wrong = if code == "000000" { "111111" } else { "000000" };
        for try_no in 1..=5 {
            let r = guess(&attacker, wrong).await;
            assert_eq!(r.status(), 401, "round {round} try {try_no}");
        }
        // The code is over: the right one is refused, the session not made
        // (after the third code ended, because codes are paused).
        let r = guess(&attacker, &code).await;
        assert_eq!(
            r.status(),
            if round < 3 { 401 } else { 429 },
            "round {round}"
        );
        assert!(attacker.whoami().await.is_none(), "round {round}");
        if round == 1 {
            // A new email: a new code, with five new tries, that works.
            let before = mail_count(&outbox(&gw), email);
            start_email(&asker, email).await;
            let code = code_from(before).await;
            let wrong = if code == "000000" { "111111" } else { "000000" };
            for _ in 0..4 {
                assert_eq!(guess(&attacker, wrong).await.status(), 401);
            }
            let phone = Browser::new(&gw.origin());
            let r = guess(&phone, &code).await;
            assert_eq!(r.status(), 303, "round {round}: the new code works");
            assert_eq!(phone.whoami().await.unwrap()["email"], email);
        }
    }
    // Three codes ended by wrong tries in a day: codes pause for the
    // address, emails carry the link only, and the link still works in the
    // browser that asked.
    let before = mail_count(&outbox(&gw), email);
    assert_eq!(start_email(&asker, email).await.status(), 200);
    let (link, code) = newest(before).await;
    assert!(code.is_empty(), "no code while codes are paused: {code:?}");
    let r = guess(&attacker, "123456").await;
    assert_eq!(r.status(), 429);
    assert!(r.text().await.unwrap().contains("Codes are paused"));
    // The pause is a lockout in the audit log (and the admins' activity
    // chart), once.
    let lockouts = gw.cli_json(&["audit", "--kind", "signin.lockout"]);
    let lockouts = lockouts.as_array().unwrap();
    assert_eq!(lockouts.len(), 1, "{lockouts:?}");
    assert_eq!(lockouts[0]["email"], email);
    let token = link.split("token=").nth(1).unwrap().to_string();
    let r = asker
        .submit("/.passgate/email/verify", &[("token", &token)])
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(asker.whoami().await.unwrap()["email"], email);
}

#[tokio::test]
async fn the_answer_is_the_same_whether_or_not_the_address_exists() {
    let gw = Gateway::start(|s| config(s, "invite", "")).await;
    gw.store()
        .await
        .create_user(
            &NewUser {
                email: "known@example.com".into(),
                ..Default::default()
            },
            1,
        )
        .await
        .unwrap();
    let strip = |page: String| {
        page.lines()
            .filter(|l| {
                !l.contains("name=\"csrf\"") && !l.contains("class=\"rid\"") && !l.contains("ref ")
            })
            .collect::<Vec<_>>()
            .join("\n")
            .replace("known@example.com", "X")
            .replace("nobody@example.com", "X")
    };
    let b = Browser::new(&gw.origin());
    let known = start_email(&b, "known@example.com").await;
    let unknown = start_email(&b, "nobody@example.com").await;
    assert_eq!(known.status(), unknown.status());
    assert_eq!(
        strip(known.text().await.unwrap()),
        strip(unknown.text().await.unwrap())
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(mail_count(&outbox(&gw), "known@example.com"), 1);
    assert_eq!(
        mail_count(&outbox(&gw), "nobody@example.com"),
        0,
        "no mail for an address that cannot sign in"
    );
}

#[tokio::test]
async fn email_tokens_expire() {
    let gw = Gateway::start(|s| {
        config(s, "open", "").replace("[email]\n", "[email]\ntoken_ttl = \"2s\"\n")
    })
    .await;
    let b = Browser::new(&gw.origin());
    let t = SystemTime::now() - Duration::from_secs(1);
    start_email(&b, "late@example.com").await;
    let (link, code) = mail(&outbox(&gw), "late@example.com", t).await;
    tokio::time::sleep(Duration::from_millis(2600)).await;
    let (status, page) = b.get(&link).await;
    assert_eq!(status, 410);
    assert!(page.contains("expired"));
    let token = link.split("token=").nth(1).unwrap();
    assert_eq!(
        b.submit("/.passgate/email/verify", &[("token", token)])
            .await
            .status(),
        410
    );
    assert_eq!(
        b.submit(
            "/.passgate/email/code",
            &[("email", "late@example.com"), ("code", &code)]
        )
        .await
        .status(),
        401
    );
    assert!(b.whoami().await.is_none());
}

#[tokio::test]
async fn sign_in_emails_are_rate_limited_per_address_and_per_ip() {
    let gw = open_gateway().await;
    let b = Browser::new(&gw.origin());
    for _ in 0..5 {
        assert_eq!(start_email(&b, "busy@example.com").await.status(), 200);
    }
    let r = start_email(&b, "busy@example.com").await;
    assert_eq!(r.status(), 429);
    let page = r.text().await.unwrap();
    let minutes: u64 = page
        .split("Try again in ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no 'try again in N minutes' in {page}"));
    assert!((1..=15).contains(&minutes));
    // Per IP: different addresses from one client.
    let mut limited = false;
    for i in 0..25 {
        if start_email(&b, &format!("n{i}@example.com")).await.status() == 429 {
            limited = true;
            assert!(
                i >= 14,
                "the per-IP limit is 20 a window (6 used above), hit at {i}"
            );
            break;
        }
    }
    assert!(limited, "the per-IP limit applies");
    assert!(
        audit_kinds(&gw)
            .await
            .iter()
            .any(|(k, _, _)| k == "email.rate_limited")
    );
}

#[tokio::test]
async fn state_changing_posts_need_the_origin_and_the_csrf_token() {
    let gw = open_gateway().await;
    let b = Browser::new(&gw.origin());
    email_sign_in(&gw, &b, "csrf@example.com").await;
    let token = b.csrf().await;
    let forms = [
        "/.passgate/email/start",
        "/.passgate/email/verify",
        "/.passgate/email/code",
        "/.passgate/logout",
        "/.passgate/invite",
        "/.passgate/account/profile",
        "/.passgate/account/passkeys/rename",
        "/.passgate/account/passkeys/remove",
        "/.passgate/account/sessions/revoke",
        "/.passgate/account/sessions/revoke-all",
    ];
    for path in forms {
        // No token.
        let r = b.post(path, &[("email", "x@example.com")]).await;
        assert_eq!(r.status(), 403, "{path} without a token");
        // A wrong token.
        let r = b.post(path, &[("csrf", "A".repeat(43).as_str())]).await;
        assert_eq!(r.status(), 403, "{path} with a wrong token");
        // The right token from another site.
        let r = b
            .client
            .post(b.url(path))
            .header("origin", "https://evil.example")
            .form(&[("csrf", token.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "{path} from another origin");
        // No Origin and no Sec-Fetch-Site: not a browser form from here.
        let r = b
            .client
            .post(b.url(path))
            .form(&[("csrf", token.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "{path} without Origin");
    }
    // A browser's `Origin: null` form POST is accepted with Sec-Fetch-Site: same-origin.
    let r = b
        .client
        .post(b.url("/.passgate/account/profile"))
        .header("origin", "null")
        .header("sec-fetch-site", "same-origin")
        .form(&[("csrf", token.as_str()), ("name", "Csrf Person")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(b.whoami().await.unwrap()["name"], "Csrf Person");
    let r = b
        .client
        .post(b.url("/.passgate/account/profile"))
        .header("origin", "null")
        .header("sec-fetch-site", "cross-site")
        .form(&[("csrf", token.as_str()), ("name", "Evil")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    // The account page, as the admin pages: a browser's page is opened as a
    // document, and its forms submitted by the person (a script of an app
    // sharing the portal's origin could otherwise use them).
    let scripted: [&[(&str, &str)]; 2] = [
        &[
            ("sec-fetch-dest", "document"),
            ("sec-fetch-mode", "navigate"),
        ],
        &[
            ("sec-fetch-dest", "empty"),
            ("sec-fetch-mode", "cors"),
            ("sec-fetch-user", "?1"),
        ],
    ];
    for headers in scripted {
        let r = b
            .submit_with(
                "/.passgate/account/profile",
                &[("name", "Scripted")],
                headers,
            )
            .await;
        assert_eq!(r.status(), 403, "{headers:?}");
    }
    assert_eq!(b.whoami().await.unwrap()["name"], "Csrf Person");
    let r = b
        .client
        .get(b.url("/.passgate/account"))
        .header("sec-fetch-dest", "empty")
        .header("sec-fetch-mode", "cors")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "a fetched account page");
    let r = b
        .submit_with(
            "/.passgate/account/profile",
            &[("name", "By Hand")],
            &[
                ("sec-fetch-dest", "document"),
                ("sec-fetch-mode", "navigate"),
                ("sec-fetch-user", "?1"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(b.whoami().await.unwrap()["name"], "By Hand");
    // JSON endpoints too.
    for path in [
        "/.passgate/webauthn/authenticate/start",
        "/.passgate/webauthn/register/start",
    ] {
        let r = b
            .client
            .post(b.url(path))
            .header("origin", &b.origin)
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "{path} without X-CSRF-Token");
        let r = b
            .client
            .post(b.url(path))
            .header("origin", "https://evil.example")
            .header("x-csrf-token", &token)
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "{path} from another origin");
    }
    assert!(
        b.whoami().await.is_some(),
        "none of that signed the user out"
    );
    assert!(
        audit_kinds(&gw)
            .await
            .iter()
            .any(|(k, ok, _)| k == "request.forged" && !ok)
    );
}

#[tokio::test]
async fn every_page_sends_the_security_headers() {
    let gw = open_gateway().await;
    let signed_in = Browser::new(&gw.origin());
    email_sign_in(&gw, &signed_in, "headers@example.com").await;
    let signed_out = Browser::new(&gw.origin());
    for (b, path) in [
        (&signed_out, "/.passgate/login"),
        (&signed_in, "/.passgate/account"),
        (&signed_in, "/.passgate/logout"),
        (&signed_out, "/.passgate/email/code"),
        (&signed_out, "/.passgate/email/verify?token=nope"),
        (&signed_out, "/.passgate/invite?token=nope"),
        (&signed_in, "/.passgate/passkey/offer"),
        (&signed_out, "/.passgate/no-such-page"),
    ] {
        let r = b
            .client
            .get(b.url(path))
            .header("accept", "text/html")
            .send()
            .await
            .unwrap();
        assert!(r.status() != 303, "{path} answered a redirect");
        let h = r.headers();
        let csp = h
            .get("content-security-policy")
            .unwrap_or_else(|| panic!("{path}: no CSP"))
            .to_str()
            .unwrap();
        assert!(
            csp.contains("script-src 'self'") && !csp.contains("unsafe"),
            "{path}: {csp}"
        );
        assert!(csp.contains("frame-ancestors 'none'"), "{path}");
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
        assert_eq!(h["referrer-policy"], "no-referrer", "{path}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
    }
}

#[tokio::test]
async fn redirects_after_sign_in_never_leave_for_another_site() {
    let gw = open_gateway().await;
    let b = Browser::new(&gw.origin());
    email_sign_in(&gw, &b, "rd@example.com").await;
    let account = format!("{}/.passgate/account", gw.origin());
    for rd in [
        "//evil.com",
        "/\\evil.com",
        "https:evil.com",
        "https://evil.com",
        "https://localhost@evil.com",
        "%2F%2Fevil.com",
        "javascript:alert(1)",
        "https://localhost.evil.com/",
    ] {
        let r = b
            .client
            .get(b.url(&format!("/.passgate/login?rd={}", urlencode(rd))))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "{rd}");
        assert_eq!(
            r.headers()["location"],
            account.as_str(),
            "{rd} must not be followed"
        );
    }
    let good = format!("{}/some/page?x=1", gw.origin());
    let r = b
        .client
        .get(b.url(&format!("/.passgate/login?rd={}", urlencode(&good))))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["location"], good.as_str());
    // Signing out keeps a safe rd for the next sign-in, and drops a bad one.
    let r = b
        .submit("/.passgate/logout", &[("rd", "https://evil.com/")])
        .await;
    assert_eq!(
        r.headers()["location"],
        format!("{}/.passgate/login?error=signed_out", gw.origin()).as_str()
    );
}

fn urlencode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// Register a soft passkey for the signed-in browser `b`.
/// A refusal the page script shows: passgate's words and a reference to
/// quote, never the WebAuthn library's (`InvalidRPIDHash`,
/// `MismatchedChallenge`, `Some(…)` were once shown).
fn words_for_people(body: &Value) {
    let msg = body["message"].as_str().unwrap_or_default();
    assert!(!msg.is_empty(), "{body}");
    assert!(
        !msg.split_whitespace()
            .any(|w| (w.chars().any(char::is_lowercase)
                && w.chars().skip(1).any(char::is_uppercase))
                || w.contains("Some(")),
        "library text in {body}"
    );
    assert!(
        body["request_id"].as_str().is_some_and(|r| !r.is_empty()),
        "{body}"
    );
}

async fn add_passkey(b: &Browser, t: &Tamper) -> (Option<soft::SoftCredential>, u16, Value) {
    let (s, start, _) = b
        .json("/.passgate/webauthn/register/start", &json!({}))
        .await;
    assert_eq!(s, 200, "{start}");
    let opts = &start["options"];
    assert_eq!(
        opts["publicKey"]["authenticatorSelection"]["residentKey"], "required",
        "{opts}"
    );
    assert_eq!(
        opts["publicKey"]["authenticatorSelection"]["userVerification"],
        "required"
    );
    let (cred, response) = soft::register(opts, &b.origin, t);
    let (s, body, _) = b
        .json(
            "/.passgate/webauthn/register/finish",
            &json!({ "ceremony": start["ceremony"], "credential": response }),
        )
        .await;
    (if s == 200 { Some(cred) } else { None }, s, body)
}

/// Try a passkey sign-in in a fresh browser; returns status, body, and
/// whether a session cookie was set.
async fn passkey_sign_in(
    gw: &Gateway,
    cred: &mut soft::SoftCredential,
    t: &Tamper,
) -> (u16, Value, bool, Browser) {
    let b = Browser::new(&gw.origin());
    let (s, start, _) = b
        .json("/.passgate/webauthn/authenticate/start", &json!({}))
        .await;
    assert_eq!(s, 200);
    let response = soft::assert(cred, &start["options"], &b.origin, t);
    let (s, body, headers) = b
        .json(
            "/.passgate/webauthn/authenticate/finish",
            &json!({ "ceremony": start["ceremony"], "credential": response, "rd": "" }),
        )
        .await;
    let cookie = headers.get_all("set-cookie").iter().any(|v| {
        v.to_str().unwrap_or("").starts_with("passgate_session=")
            && !v.to_str().unwrap_or("").contains("Max-Age=0")
    });
    (s, body, cookie, b)
}

#[tokio::test]
async fn passkey_ceremonies_refuse_tampered_responses() {
    let gw = open_gateway().await;
    let owner = Browser::new(&gw.origin());
    email_sign_in(&gw, &owner, "pk@example.com").await;

    // Registration: bad ones are refused, a good one is kept.
    for (t, code) in [
        (
            Tamper {
                origin: Some("https://evil.example".into()),
                ..Default::default()
            },
            "invalid_response",
        ),
        (
            Tamper {
                rp_id: Some("evil.example".into()),
                ..Default::default()
            },
            "invalid_response",
        ),
        (
            Tamper {
                challenge: Some("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA".into()),
                ..Default::default()
            },
            "invalid_response",
        ),
        (
            Tamper {
                no_uv: true,
                ..Default::default()
            },
            "user_not_verified",
        ),
    ] {
        let (cred, status, body) = add_passkey(&owner, &t).await;
        assert!(cred.is_none());
        assert_eq!(status, 400, "{body}");
        assert_eq!(body["error"], code, "{body}");
        words_for_people(&body);
    }
    let (cred, status, body) = add_passkey(&owner, &Tamper::default()).await;
    assert_eq!(status, 200, "{body}");
    let mut cred = cred.unwrap();

    // A good sign-in.
    let (s, body, cookie, b) = passkey_sign_in(&gw, &mut cred, &Tamper::default()).await;
    assert_eq!(s, 200, "{body}");
    assert!(cookie);
    assert_eq!(b.whoami().await.unwrap()["auth_method"], "webauthn");

    // Tampered sign-ins: 400, an audit event, and no session.
    let cases = [
        (
            Tamper {
                origin: Some("https://evil.example".into()),
                ..Default::default()
            },
            "invalid_response",
        ),
        (
            Tamper {
                rp_id: Some("evil.example".into()),
                ..Default::default()
            },
            "invalid_response",
        ),
        (
            Tamper {
                challenge: Some("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA".into()),
                ..Default::default()
            },
            "invalid_response",
        ),
        (
            Tamper {
                no_uv: true,
                ..Default::default()
            },
            "user_not_verified",
        ),
        (
            Tamper {
                counter: Some(1),
                ..Default::default()
            },
            "cloned_authenticator",
        ),
        // Finding 13: made in a frame of another origin (the library checks
        // this only at registration).
        (
            Tamper {
                cross_origin: true,
                ..Default::default()
            },
            "cross_origin",
        ),
    ];
    for (t, code) in cases {
        let before = audit_kinds(&gw).await.len();
        let (s, body, cookie, b) = passkey_sign_in(&gw, &mut cred, &t).await;
        assert_eq!(s, 400, "{code}: {body}");
        assert_eq!(body["error"], code);
        words_for_people(&body);
        assert!(!cookie, "{code}: no session");
        assert!(b.whoami().await.is_none());
        assert!(audit_kinds(&gw).await.len() > before, "{code}: audited");
    }
    assert!(
        audit_kinds(&gw)
            .await
            .iter()
            .any(|(k, _, _)| k == "passkey.clone_suspected")
    );

    // Replay: the same finish twice — the ceremony is spent.
    let b = Browser::new(&gw.origin());
    let (_, start, _) = b
        .json("/.passgate/webauthn/authenticate/start", &json!({}))
        .await;
    let response = soft::assert(&mut cred, &start["options"], &b.origin, &Tamper::default());
    let body = json!({ "ceremony": start["ceremony"], "credential": response, "rd": "" });
    assert_eq!(
        b.json("/.passgate/webauthn/authenticate/finish", &body)
            .await
            .0,
        200
    );
    let (s, again, _) = b
        .json("/.passgate/webauthn/authenticate/finish", &body)
        .await;
    assert_eq!(
        (s, again["error"].as_str()),
        (400, Some("ceremony_expired"))
    );
    // Finding 12: a sign-in started in one browser cannot be finished in
    // another (other cookies), even with a valid response; and the
    // ceremony is spent by the attempt.
    let starter = Browser::new(&gw.origin());
    let (_, start, _) = starter
        .json("/.passgate/webauthn/authenticate/start", &json!({}))
        .await;
    let response = soft::assert(
        &mut cred,
        &start["options"],
        &starter.origin,
        &Tamper::default(),
    );
    let body = json!({ "ceremony": start["ceremony"], "credential": response, "rd": "" });
    let elsewhere = Browser::new(&gw.origin());
    let (s, refused, headers) = elsewhere
        .json("/.passgate/webauthn/authenticate/finish", &body)
        .await;
    assert_eq!(
        (s, refused["error"].as_str()),
        (400, Some("ceremony_expired")),
        "{refused}"
    );
    assert!(
        headers
            .get("set-cookie")
            .is_none_or(|v| !v.to_str().unwrap_or("").starts_with("passgate_session="))
    );
    assert!(elsewhere.whoami().await.is_none());
    assert_eq!(
        starter
            .json("/.passgate/webauthn/authenticate/finish", &body)
            .await
            .0,
        400,
        "spent by the attempt from elsewhere"
    );

    // The same assertion against a fresh ceremony: wrong challenge.
    let (_, fresh, _) = b
        .json("/.passgate/webauthn/authenticate/start", &json!({}))
        .await;
    let replay = json!({ "ceremony": fresh["ceremony"], "credential": response, "rd": "" });
    assert_eq!(
        b.json("/.passgate/webauthn/authenticate/finish", &replay)
            .await
            .0,
        400
    );

    // A passkey the server does not know: its id comes back for signalUnknownCredential.
    let (mut stranger, _) = soft::register(
        &json!({ "publicKey": { "challenge": "AA", "rp": { "id": "localhost" }, "user": { "id": "AAAAAAAAAAAAAAAAAAAAAA" } } }),
        &b.origin,
        &Tamper::default(),
    );
    let (s, body, cookie, _) = passkey_sign_in(&gw, &mut stranger, &Tamper::default()).await;
    assert_eq!(
        (s, body["error"].as_str(), cookie),
        (400, Some("unknown_credential"), false)
    );
    assert_eq!(body["credential_id"].as_str().unwrap().len(), 43);

    // A registration ceremony belongs to the session that started it (one
    // that may add a passkey: a fresh sign-in of an account with none).
    let newcomer = Browser::new(&gw.origin());
    email_sign_in(&gw, &newcomer, "newcomer@example.com").await;
    let (_, start, _) = newcomer
        .json("/.passgate/webauthn/register/start", &json!({}))
        .await;
    let (_, response) = soft::register(&start["options"], &newcomer.origin, &Tamper::default());
    let intruder = Browser::new(&gw.origin());
    email_sign_in(&gw, &intruder, "intruder@example.com").await;
    let (s, body, _) = intruder
        .json(
            "/.passgate/webauthn/register/finish",
            &json!({ "ceremony": start["ceremony"], "credential": response }),
        )
        .await;
    assert_eq!((s, body["error"].as_str()), (400, Some("ceremony_expired")));
    // Garbage in: a clear 400, never a 500.
    let (s, body, _) = owner
        .json(
            "/.passgate/webauthn/authenticate/finish",
            &json!({ "ceremony": 1, "credential": "x" }),
        )
        .await;
    assert_eq!((s, body["error"].as_str()), (400, Some("invalid_response")));
    assert!(!gw.log().contains("panicked"));
}

/// Email through a real SMTP server; tokens hashed at rest in Redis; and no
/// token, code or cookie in the gateway's log.
#[tokio::test]
async fn smtp_delivery_hashed_tokens_and_nothing_secret_in_the_log() {
    let sink = crate::common::proxies::smtp_sink().await;
    let port = sink.port;
    let gw = Gateway::start_with(crate::common::gateway::Db::Postgres, Some(crate::common::redis_url()), |s| {
        config(s, "open", "").replace(
            "[email]\n",
            &format!("[email]\ntransport = \"smtp\"\nsmtp_url = \"smtp://127.0.0.1:{port}\"\nfrom = \"Sign-in <signin@example.com>\"\n"),
        )
    })
    .await;
    let b = Browser::new(&gw.origin());
    let t = SystemTime::now() - Duration::from_secs(1);
    assert_eq!(start_email(&b, "smtp@example.com").await.status(), 200);
    let (link, code) = mail(sink.dir.path(), "smtp@example.com", t).await;
    let token = link.split("token=").nth(1).unwrap().to_string();
    let raw: String = std::fs::read_dir(sink.dir.path().join("new"))
        .unwrap()
        .flatten()
        .map(|e| std::fs::read_to_string(e.path()).unwrap())
        .collect();
    assert!(raw.contains("From: Sign-in <signin@example.com>"));
    assert!(raw.contains("Subject: Finish signing up for passgate"));

    // At rest: only the token's SHA-256 names the key; the token is nowhere.
    let client = redis::Client::open(crate::common::redis_url()).unwrap();
    let mut c = client.get_connection().unwrap();
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{}:*", gw.redis_prefix))
        .query(&mut c)
        .unwrap();
    let hashed = format!(
        "{}:em:tok:{}",
        gw.redis_prefix,
        hex::encode(<sha2::Sha256 as sha2::Digest>::digest(token.as_bytes()))
    );
    assert!(keys.contains(&hashed), "{keys:?}");
    for k in &keys {
        assert!(!k.contains(&token));
        let v: Vec<u8> = redis::cmd("GET").arg(k).query(&mut c).unwrap_or_default();
        let v = String::from_utf8_lossy(&v);
        assert!(
            !v.contains(&token) && !v.contains(&code),
            "{k} holds a secret"
        );
    }

    let r = b
        .submit("/.passgate/email/verify", &[("token", &token)])
        .await;
    assert_eq!(r.status(), 303);
    let session = b.cookie("passgate_session").expect("session cookie");
    let csrf = b.cookie("passgate_csrf").expect("csrf cookie");
    // A passkey and a passkey sign-in, for the log to have seen those too.
    let (cred, status, _) = add_passkey(&b, &Tamper::default()).await;
    assert_eq!(status, 200);
    let (s, _, _, b2) = passkey_sign_in(&gw, &mut cred.unwrap(), &Tamper::default()).await;
    assert_eq!(s, 200);
    let session2 = b2.cookie("passgate_session").unwrap();
    // The stored session is the token's hash, not the token.
    let sessions = gw.store().await.list_sessions(None).await.unwrap();
    assert!(!sessions.is_empty());
    for s in &sessions {
        assert_ne!(s.token_hash, session.as_bytes());
        assert_eq!(s.token_hash.len(), 32);
    }
    // Without each line's timestamp, whose digits could match a code by chance.
    let log: String = gw
        .log()
        .lines()
        .map(|l| l.get(28..).unwrap_or(l))
        .collect::<Vec<_>>()
        .join("\n");
    for (what, secret) in [
        ("email token", &token),
        ("email code", &code),
        ("session cookie", &session),
        ("second session cookie", &session2),
        ("csrf cookie", &csrf),
    ] {
        assert!(
            !log.contains(secret.as_str()),
            "the {what} appears in the log"
        );
    }
}

/// A browser holding the session `token` (and a CSRF token of its own).
async fn browser_with_session(gw: &Gateway, token: &str) -> Browser {
    let b = Browser::new(&gw.origin());
    b.csrf().await;
    let url = reqwest::Url::parse(&gw.origin()).unwrap();
    b.jar
        .add_cookie_str(&format!("passgate_session={token}; Path=/"), &url);
    b
}

/// A session for `email` signed in with `method` `age` seconds ago.
async fn session_aged(gw: &Gateway, email: &str, method: &str, age: i64) -> String {
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
            user_agent: "test".into(),
            ip: "127.0.0.1".into(),
            credential_id: None,
        })
        .await
        .unwrap();
    token
}

/// Adding or removing a passkey needs a sign-in of the last ten minutes
/// and, once the account has a passkey, one made with a passkey: a stale
/// cookie or a mailbox (an email sign-in) cannot add its own passkey and
/// pass `require = ["passkey"]` / `max_age` rules with it (found by the
/// attack on step-up). An administrator's `user reset-passkeys` is the way
/// back for someone who lost theirs.
#[tokio::test]
async fn changing_passkeys_needs_a_recent_passkey_sign_in() {
    let gw = Gateway::start(|s| config(s, "open", "")).await;
    let email = gw.email_session_for("pat@example.com", &[]).await;
    let b = browser_with_session(&gw, &email).await;
    // The first passkey, from a fresh email sign-in.
    let (cred, status, body) = add_passkey(&b, &Tamper::default()).await;
    assert_eq!(status, 200, "{body}");
    let mut cred = cred.unwrap();
    // A second one: not from an email sign-in.
    let (s, body, _) = b
        .json("/.passgate/webauthn/register/start", &json!({}))
        .await;
    assert_eq!(
        (s, body["error"].as_str()),
        (403, Some("passkey_needed")),
        "{body}"
    );
    words_for_people(&body);
    // Not from a passkey sign-in an hour old.
    let stale = session_aged(&gw, "pat@example.com", "webauthn", 3600).await;
    let old = browser_with_session(&gw, &stale).await;
    let (s, body, _) = old
        .json("/.passgate/webauthn/register/start", &json!({}))
        .await;
    assert_eq!(
        (s, body["error"].as_str()),
        (403, Some("sign_in_again")),
        "{body}"
    );
    // From a fresh passkey sign-in: yes.
    let (s, body, _, fresh) = passkey_sign_in(&gw, &mut cred, &Tamper::default()).await;
    assert_eq!(s, 200, "{body}");
    let (_, status, body) = add_passkey(&fresh, &Tamper::default()).await;
    assert_eq!(status, 200, "{body}");
    // Removing one from the email session: refused, nothing removed.
    let store = gw.store().await;
    let user = store
        .find_user_by_email("pat@example.com")
        .await
        .unwrap()
        .unwrap();
    let pks = store.passkeys_for_user(&user.id).await.unwrap();
    assert_eq!(pks.len(), 2);
    use base64::Engine;
    let id = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&pks[0].credential_id);
    let r = b
        .submit("/.passgate/account/passkeys/remove", &[("id", &id)])
        .await;
    assert_eq!(r.status(), 303);
    let to = r.headers()["location"].to_str().unwrap().to_string();
    assert!(to.ends_with("notice=passkey_needed"), "{to}");
    assert_eq!(store.passkeys_for_user(&user.id).await.unwrap().len(), 2);
    // From the stale passkey session: confirm it's you first.
    let r = old
        .submit("/.passgate/account/passkeys/remove", &[("id", &id)])
        .await;
    assert_eq!(r.status(), 303);
    assert!(
        r.headers()["location"]
            .to_str()
            .unwrap()
            .contains("/.passgate/step-up?rd="),
        "{:?}",
        r.headers()["location"]
    );
    assert_eq!(store.passkeys_for_user(&user.id).await.unwrap().len(), 2);
    // The administrator's way back: all passkeys gone, their sessions
    // ended, and a fresh email sign-in may add one again.
    let v = gw.cli_json(&["user", "reset-passkeys", "pat@example.com"]);
    assert_eq!(v["passkeys_removed"], 2, "{v}");
    assert_eq!(store.passkeys_for_user(&user.id).await.unwrap().len(), 0);
    let again = gw.email_session_for("pat@example.com", &[]).await;
    let b = browser_with_session(&gw, &again).await;
    let (_, status, body) = add_passkey(&b, &Tamper::default()).await;
    assert_eq!(status, 200, "{body}");
}
