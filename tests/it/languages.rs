//! Pages in the reader's language (wave 2): chosen from `Accept-Language`,
//! changed with the language links (kept in a cookie), defaulting to
//! `branding.language`; a page in German, French or Spanish has none of the
//! English catalog's sentences left.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common::gateway::{Gateway, client};

/// A catalog's messages.
fn catalog(lang: &str) -> Vec<String> {
    let text = std::fs::read_to_string(format!(
        "{}/login-ui/locales/{lang}/main.ftl",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    text.lines()
        .filter(|l| l.starts_with(|c: char| c.is_ascii_lowercase()))
        .filter_map(|l| l.split_once(" = ").map(|(_, v)| v.trim().to_string()))
        .collect()
}

/// The English catalog's messages without placeholders or plural forms,
/// long enough to be sentences rather than shared words.
fn english_sentences() -> Vec<String> {
    catalog("en")
        .into_iter()
        .filter(|v| !v.contains('{') && v.len() > 12)
        .collect()
}

async fn page(gw: &Gateway, path: &str, headers: &[(&str, &str)]) -> (u16, String) {
    let mut r = client().get(gw.url(path)).header("accept", "text/html");
    for (k, v) in headers {
        r = r.header(*k, *v);
    }
    let r = r.send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

fn unescape(s: &str) -> String {
    s.replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
        .replace("&quot;", "\"")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_speak_the_readers_language() {
    let gw = Gateway::start(|s| {
        s.config(
            "",
            "[branding]\nlanguage = \"fr\"\n\n[[route]]\nhost = \"localhost\"\nupstream = \"http://127.0.0.1:9\"\nmax_age = \"1s\"\n",
        )
    })
    .await;
    let english = english_sentences();
    assert!(english.len() > 10, "{english:?}");
    let token = gw.session_for("ann@example.com", &[]).await;
    let cookie = format!("passgate_session={token}");
    let step_up = format!(
        "/.passgate/step-up?rd={}",
        passgate::page::enc(&gw.url("/x"))
    );
    let pages: [(&str, Vec<(&str, &str)>); 6] = [
        ("/.passgate/account", vec![("cookie", cookie.as_str())]),
        ("/.passgate/login", vec![]),
        ("/.passgate/email/code", vec![]),
        (
            "/.passgate/email/verify?token=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            vec![],
        ),
        (&step_up, vec![("cookie", cookie.as_str())]),
        ("/.passgate/logout", vec![("cookie", cookie.as_str())]),
    ];
    for (lang, heading) in [
        ("de", "Bei passgate anmelden"),
        ("fr", "Se connecter à passgate"),
        ("es", "Iniciar sesión en passgate"),
    ] {
        for (path, extra) in &pages {
            let mut h = extra.clone();
            let accept = format!("{lang}-XX,{lang};q=0.9,en;q=0.5");
            h.push(("accept-language", accept.as_str()));
            let (status, html) = page(&gw, path, &h).await;
            assert!(status == 200 || status == 410, "{path}: {status}");
            assert!(
                html.contains(&format!("<html lang=\"{lang}\">")),
                "{lang} {path}"
            );
            let text = unescape(&html);
            for e in &english {
                assert!(
                    !text.contains(e.as_str()),
                    "{lang} {path}: English left: {e:?}"
                );
            }
        }
        let (_, login) = page(&gw, "/.passgate/login", &[("accept-language", lang)]).await;
        assert!(unescape(&login).contains(heading), "{lang}");
    }
    // No Accept-Language that passgate has: branding.language.
    let (_, html) = page(&gw, "/.passgate/login", &[("accept-language", "nl, ja")]).await;
    assert!(html.contains("<html lang=\"fr\">"));
    // English asked for: English.
    let (_, html) = page(&gw, "/.passgate/login", &[("accept-language", "en-GB")]).await;
    assert!(html.contains("Sign in with a passkey"));
    // The language links: the choice is kept in a cookie and wins over the
    // browser's; the link returns to the page, never to another site.
    let r = client()
        .get(gw.url("/.passgate/lang?set=es&rd=%2F.passgate%2Flogin%3Frd%3Dx"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], gw.url("/.passgate/login?rd=x"));
    let set = r.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(set.starts_with("passgate_lang=es;"), "{set}");
    let (_, html) = page(
        &gw,
        "/.passgate/login",
        &[("accept-language", "de"), ("cookie", "passgate_lang=es")],
    )
    .await;
    assert!(html.contains("<html lang=\"es\">"));
    for rd in [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "/..//evil.example/",
        "/%2e%2e//evil.example/",
        "/a/../..//evil.example",
    ] {
        let r = client()
            .get(gw.url(&format!(
                "/.passgate/lang?set=de&rd={}",
                passgate::page::enc(rd)
            )))
            .send()
            .await
            .unwrap();
        let to = r.headers()["location"].to_str().unwrap().to_string();
        assert!(to.starts_with(&gw.origin()), "{rd} -> {to}");
        assert!(!to[gw.origin().len()..].starts_with("//"), "{rd} -> {to}");
    }
    // Every page links to the other languages, back to itself.
    let (_, html) = page(&gw, "/.passgate/login", &[("accept-language", "de")]).await;
    for code in ["en", "fr", "es"] {
        assert!(
            html.contains(&format!(
                "/.passgate/lang?set={code}&#38;rd=%2F%2Epassgate%2Flogin"
            )),
            "{code}: {html}"
        );
    }
}

/// The gate's own answers (the 403 page) speak the reader's language on
/// both serving paths alike, and a long query is not echoed into the
/// language links.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_gates_pages_speak_the_language_on_both_serving_paths() {
    let mut pages = Vec::new();
    for lp in [true, false] {
        let gw = Gateway::start(|s| {
            s.config(
                &format!("http1_loop = {lp}"),
                "[[route]]\nhost = \"localhost\"\nupstream = \"http://127.0.0.1:9\"\ngroups = [\"ops\"]\n",
            )
        })
        .await;
        let token = gw.session_for("ann@example.com", &[]).await;
        let cookie = format!("passgate_session={token}");
        let (status, html) = page(
            &gw,
            "/app",
            &[("accept-language", "de"), ("cookie", cookie.as_str())],
        )
        .await;
        assert_eq!(status, 403);
        assert!(html.contains("<html lang=\"de\">"), "{html}");
        assert!(
            unescape(&html).contains("Sie haben keinen Zugang"),
            "{html}"
        );
        let rid = html
            .split("Ref. ")
            .nth(1)
            .and_then(|r| r.split('<').next())
            .unwrap_or("")
            .to_string();
        pages.push(
            html.replace(&rid, "RID")
                .replace(&gw.port.to_string(), "PORT"),
        );
        let long = format!("/.passgate/login?q={}", "x".repeat(10_000));
        let (status, html) = page(&gw, &long, &[]).await;
        assert_eq!(status, 200);
        assert!(
            html.len() < 20_000,
            "the query is echoed: {} bytes",
            html.len()
        );
        assert!(html.contains("/.passgate/lang?set=de&#38;rd=%2F%2Epassgate%2Flogin\""));
    }
    assert_eq!(pages[0], pages[1], "the two serving paths answer alike");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_pages_speak_the_readers_language() {
    let gw = Gateway::start(|s| {
        s.config(
            "",
            "[[route]]\nhost = \"localhost\"\nupstream = \"http://127.0.0.1:9\"\n",
        )
    })
    .await;
    let english = english_sentences();
    let root =
        crate::admin::session_aged(&gw, "root@example.com", &["admins"], "webauthn", 5).await;
    gw.session_for("bob@example.com", &["ops"]).await;
    let store = gw.store().await;
    let bob = store
        .find_user_by_email("bob@example.com")
        .await
        .unwrap()
        .unwrap()
        .id;
    let a = crate::admin::browser(&gw, &root).await;
    // Something on every page: an invitation, a service account, events.
    assert_eq!(
        a.submit("/.passgate/admin/invites", &[("email", "new@example.com")])
            .await
            .status(),
        200
    );
    assert_eq!(
        a.submit("/.passgate/admin/tokens", &[("name", "ci")])
            .await
            .status(),
        200
    );
    let pages = [
        "/.passgate/admin".to_string(),
        format!("/.passgate/admin/people/{bob}"),
        format!("/.passgate/admin/people/{bob}/delete"),
        "/.passgate/admin/groups".into(),
        "/.passgate/admin/groups/ops".into(),
        "/.passgate/admin/invites".into(),
        "/.passgate/admin/tokens".into(),
        "/.passgate/admin/activity".into(),
        "/.passgate/admin/audit".into(),
        "/.passgate/admin/system".into(),
        // Refusals too.
        "/.passgate/admin/people/nobody".into(),
        "/.passgate/admin/groups/nope".into(),
        "/.passgate/admin?page=0".into(),
    ];
    for lang in ["de", "fr", "es"] {
        // Words this language shares ("Administration des comptes").
        let own = catalog(lang);
        let check = |what: &str, html: &str| {
            assert!(
                html.contains(&format!("<html lang=\"{lang}\">")),
                "{lang} {what}"
            );
            let text = unescape(html);
            for e in english
                .iter()
                .filter(|e| !own.iter().any(|o| o.contains(e.as_str())))
            {
                assert!(
                    !text.contains(e.as_str()),
                    "{lang} {what}: English left: {e:?}"
                );
            }
        };
        for path in &pages {
            let r = a
                .client
                .get(gw.url(path))
                .header("accept", "text/html")
                .header("accept-language", lang)
                .send()
                .await
                .unwrap();
            assert!(
                [200, 400, 404].contains(&r.status().as_u16()),
                "{path}: {}",
                r.status()
            );
            check(path, &r.text().await.unwrap());
        }
        // The pages that show a link or a token once.
        for (path, fields) in [
            (
                "/.passgate/admin/invites",
                vec![("email", "again@example.com")],
            ),
            ("/.passgate/admin/tokens/ci/rotate", vec![]),
        ] {
            let r = a
                .submit_with(path, &fields, &[("accept-language", lang)])
                .await;
            assert_eq!(r.status(), 200, "{path}");
            check(path, &r.text().await.unwrap());
        }
    }
}
