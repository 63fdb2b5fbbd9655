//! Route keys beyond host and path (wave 2, `methods` and `networks`): a
//! rule matches only the methods and client networks it lists, and each
//! decides alike in proxy mode (both serving paths) and through both
//! forward-auth endpoints.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common::gateway::{Gateway, Upstream, raw};

/// Preflights to /api pass, /ro is open to reading, /office to the office
/// network (and this machine); everything else needs a session.
fn routes(up: &str) -> String {
    format!(
        r#"
[[route]]
host = "localhost"
path = "/api"
methods = ["OPTIONS"]
policy = "public"
upstream = "{up}"

[[route]]
host = "localhost"
path = "/ro"
methods = ["get"]
policy = "public"
upstream = "{up}"

[[route]]
host = "localhost"
path = "/office"
networks = ["10.0.0.0/8", "127.0.0.1"]
policy = "public"
upstream = "{up}"

[[route]]
host = "localhost"
upstream = "{up}"
"#
    )
}

/// The `X-Forwarded-For` field line for `xff`, none for "".
fn xff_line(xff: &str) -> String {
    if xff.is_empty() {
        String::new()
    } else {
        format!("X-Forwarded-For: {xff}\r\n")
    }
}

/// (method, path, X-Forwarded-For or "", expected status) in proxy mode,
/// from 127.0.0.1 (a trusted proxy by default) without a session.
const PROXY_CASES: &[(&str, &str, &str, u16)] = &[
    ("OPTIONS", "/api/items", "", 200),
    ("GET", "/api/items", "", 401),
    ("POST", "/api/items", "", 401),
    ("GET", "/ro/page", "", 200),
    ("HEAD", "/ro/page", "", 200),
    ("POST", "/ro/page", "", 401),
    ("DELETE", "/ro/page", "", 401),
    // No X-Forwarded-For: the peer itself, which is in the list.
    ("GET", "/office/wiki", "", 200),
    ("GET", "/office/wiki", "10.1.2.3", 200),
    ("GET", "/office/wiki", "203.0.113.9", 401),
    // The right-most address that is not a trusted proxy.
    ("GET", "/office/wiki", "203.0.113.9, 10.1.2.3", 200),
    ("GET", "/office/wiki", "10.1.2.3, 203.0.113.9", 401),
    ("GET", "/office/wiki", "10.1.2.3, 127.0.0.1", 200),
    // A chain passgate cannot vouch for never widens access.
    ("GET", "/office/wiki", "not-an-address", 401),
    ("GET", "/office/wiki", "10.1.2.3, not-an-address", 401),
    ("GET", "/office/wiki", "127.0.0.1", 401),
    ("GET", "/office/wiki", "::ffff:10.1.2.3", 200),
];

#[tokio::test]
async fn methods_and_networks_in_proxy_mode_on_both_serving_paths() {
    let up = Upstream::start().await;
    for server in ["", "http1_loop = false"] {
        let gw = Gateway::start(|s| s.config(server, &routes(&up.url()))).await;
        for (method, path, xff, want) in PROXY_CASES {
            let xff_line = xff_line(xff);
            let req = format!(
                "{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n{xff_line}Content-Length: 0\r\n\r\n"
            );
            let (status, text) = raw(gw.addr(), req.as_bytes()).await;
            assert_eq!(
                status,
                *want,
                "{server:?}: {method} {path} from {xff:?}: {}",
                text.lines().next().unwrap_or_default()
            );
        }
    }
}

/// (method, path, X-Forwarded-For or "", expected status) through the
/// forward-auth endpoints, whose caller (127.0.0.1) is a trusted proxy and
/// never the client itself.
const FORWARD_AUTH_CASES: &[(&str, &str, &str, u16)] = &[
    ("OPTIONS", "/api/items", "203.0.113.9", 200),
    ("GET", "/api/items", "203.0.113.9", 401),
    ("GET", "/ro/page", "", 200),
    ("HEAD", "/ro/page", "", 200),
    ("POST", "/ro/page", "", 401),
    ("GET", "/office/wiki", "10.1.2.3", 200),
    ("GET", "/office/wiki", "203.0.113.9, 10.1.2.3", 200),
    ("GET", "/office/wiki", "203.0.113.9", 401),
    // No client named: not the caller's address.
    ("GET", "/office/wiki", "", 401),
    ("GET", "/office/wiki", "not-an-address", 401),
    ("GET", "/office/wiki", "10.1.2.3, not-an-address", 401),
];

#[tokio::test]
async fn methods_and_networks_through_both_forward_auth_endpoints() {
    let gw = Gateway::start(|s| s.config("", &routes("http://127.0.0.1:9"))).await;
    for (method, path, xff, want) in FORWARD_AUTH_CASES {
        let xff_line = xff_line(xff);
        let traefik = format!(
            "GET /.passgate/authz/forward-auth HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\
             X-Forwarded-Method: {method}\r\nX-Forwarded-Proto: http\r\nX-Forwarded-Host: localhost\r\n\
             X-Forwarded-Uri: {path}\r\n{xff_line}\r\n"
        );
        let (status, text) = raw(gw.addr(), traefik.as_bytes()).await;
        assert_eq!(
            status,
            *want,
            "forward-auth: {method} {path} from {xff:?}: {}",
            text.lines().next().unwrap_or_default()
        );
        let nginx = format!(
            "GET /.passgate/authz/auth-request HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\
             X-Original-Method: {method}\r\nX-Original-URL: http://localhost{path}\r\n{xff_line}\r\n"
        );
        let (status, text) = raw(gw.addr(), nginx.as_bytes()).await;
        assert_eq!(
            status,
            *want,
            "auth-request: {method} {path} from {xff:?}: {}",
            text.lines().next().unwrap_or_default()
        );
    }
}

#[tokio::test]
async fn a_signed_in_user_still_passes_where_a_method_or_network_rule_does_not_match() {
    let up = Upstream::start().await;
    let gw = Gateway::start(|s| s.config("", &routes(&up.url()))).await;
    let token = gw.session_for("pat@example.com", &[]).await;
    let req = format!(
        "POST /ro/page HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nX-Forwarded-For: 203.0.113.9\r\n\
         Cookie: passgate_session={token}\r\nContent-Length: 0\r\n\r\n"
    );
    let (status, text) = raw(gw.addr(), req.as_bytes()).await;
    assert_eq!(status, 200, "{}", text.lines().next().unwrap_or_default());
    assert!(
        text.contains("pat@example.com"),
        "the identity reaches the app"
    );
}

/// A method override header (which frameworks honour on POST) is another
/// reading of the method: refused when it would select another rule, in
/// any spelling; forward auth refuses a request whose method it cannot
/// know, and a method or URL field sent twice.
#[tokio::test]
async fn method_overrides_missing_and_doubled_method_fields_are_refused() {
    let up = Upstream::start().await;
    for server in ["", "http1_loop = false"] {
        let gw = Gateway::start(|s| s.config(server, &routes(&up.url()))).await;
        let cases: &[(&str, &str, &str, u16)] = &[
            ("GET", "/ro/page", "X-HTTP-Method-Override: DELETE", 400),
            ("POST", "/ro/page", "X-HTTP-Method: GET", 400),
            ("POST", "/ro/page", "x-method-override: GET", 400),
            (
                "GET",
                "/ro/page",
                "X-HTTP-Method-Override: not a method",
                400,
            ),
            // The same rule either way: served.
            ("GET", "/ro/page", "X-HTTP-Method-Override: HEAD", 200),
            (
                "OPTIONS",
                "/api/items",
                "X-HTTP-Method-Override: OPTIONS",
                200,
            ),
        ];
        for (method, path, extra, want) in cases {
            let req = format!(
                "{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n{extra}\r\nContent-Length: 0\r\n\r\n"
            );
            let (status, text) = raw(gw.addr(), req.as_bytes()).await;
            assert_eq!(
                status,
                *want,
                "{server:?}: {method} {path} with {extra:?}: {}",
                text.lines().next().unwrap_or_default()
            );
        }
    }
    let gw = Gateway::start(|s| s.config("", &routes("http://127.0.0.1:9"))).await;
    let fa = "GET /.passgate/authz/forward-auth HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nX-Forwarded-Proto: http\r\nX-Forwarded-Host: localhost\r\nX-Forwarded-Uri: /ro/page\r\n";
    let ar =
        "GET /.passgate/authz/auth-request HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n";
    let cases: &[(&str, &str, u16)] = &[
        (fa, "X-Forwarded-Method: GET\r\n", 200),
        // No method said: it would be judged as a GET.
        (fa, "", 400),
        (
            fa,
            "X-Forwarded-Method: POST\r\nX-HTTP-Method-Override: GET\r\n",
            400,
        ),
        (
            ar,
            "X-Original-URL: http://localhost/ro/page\r\nX-Original-Method: GET\r\n",
            200,
        ),
        (ar, "X-Original-URL: http://localhost/ro/page\r\n", 400),
        (
            ar,
            "X-Original-URL: http://localhost/ro/page\r\nX-Original-Method: GET\r\nX-Original-Method: DELETE\r\n",
            400,
        ),
        (
            ar,
            "X-Original-URL: http://localhost/ro/page\r\nX-Original-URL: http://localhost/admin\r\nX-Original-Method: GET\r\n",
            400,
        ),
    ];
    for (head, extra, want) in cases {
        let (status, text) = raw(gw.addr(), format!("{head}{extra}\r\n").as_bytes()).await;
        assert_eq!(
            status,
            *want,
            "{}{extra:?}: {}",
            head.lines().next().unwrap_or_default(),
            text.lines().next().unwrap_or_default()
        );
    }
}

/// /vault opens only to passkey sign-ins, /admin to a sign-in of the last
/// two seconds; everything else to anyone signed in.
fn step_up_routes(up: &str) -> String {
    format!(
        r#"
[[route]]
host = "localhost"
path = "/vault"
require = ["passkey"]
upstream = "{up}"

[[route]]
host = "localhost"
path = "/admin"
max_age = "2s"
upstream = "{up}"

[[route]]
host = "localhost"
upstream = "{up}"
"#
    )
}

/// The answer head to a request, lower-cased.
async fn head_of(gw: &crate::common::gateway::Gateway, req: String) -> (u16, String) {
    let (status, text) = raw(gw.addr(), req.as_bytes()).await;
    (
        status,
        text.split("\r\n\r\n")
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase(),
    )
}

/// A browser is sent to the step-up page, an API client gets 401 with the
/// RFC 9470 challenge, on both serving paths and through both
/// forward-auth endpoints (nginx's: 401 with `Location`); a passkey
/// session passes `require = ["passkey"]`, an email one does not; a
/// session older than `max_age` does not pass until it is renewed.
#[tokio::test]
async fn step_up_for_a_passkey_or_a_fresh_sign_in_on_every_path() {
    let up = Upstream::start().await;
    for server in ["", "http1_loop = false"] {
        let gw = Gateway::start(|s| s.config(server, &step_up_routes(&up.url()))).await;
        let passkey = gw.session_for("pia@example.com", &[]).await;
        let email = gw.email_session_for("eli@example.com", &[]).await;
        let step_up = format!(
            "location: http://localhost:{}/.passgate/step-up?rd=http%3a%2f%2flocalhost%3a{}%2fvault%2fkeys",
            gw.port, gw.port
        );
        let proxied = |method: &str, path: &str, token: &str, accept: &str| {
            format!(
                "{method} {path} HTTP/1.1\r\nHost: localhost:{}\r\nConnection: close\r\nAccept: {accept}\r\n\
                 Cookie: passgate_session={token}\r\nContent-Length: 0\r\n\r\n",
                gw.port
            )
        };
        let (s, h) = head_of(
            &gw,
            proxied("GET", "/vault/keys", &passkey, "application/json"),
        )
        .await;
        assert_eq!(s, 200, "{server:?}: a passkey session: {h}");
        let (s, h) = head_of(
            &gw,
            proxied("GET", "/vault/keys", &email, "application/json"),
        )
        .await;
        assert_eq!(s, 401, "{server:?}: an email session, API: {h}");
        assert!(
            h.contains("www-authenticate: passgate error=\"insufficient_user_authentication\", require=\"passkey\""),
            "{h}"
        );
        assert!(h.contains(&step_up), "{h}");
        let (s, h) = head_of(&gw, proxied("GET", "/vault/keys", &email, "text/html")).await;
        assert_eq!(s, 302, "{server:?}: an email session, browser: {h}");
        assert!(h.contains(&step_up), "{h}");
        let (s, _) = head_of(&gw, proxied("POST", "/vault/keys", &email, "text/html")).await;
        assert_eq!(s, 303, "{server:?}: after a POST, a GET of the page");
        // Others are not affected; not signed in still means sign in.
        let (s, _) = head_of(&gw, proxied("GET", "/wiki", &email, "application/json")).await;
        assert_eq!(s, 200);
        let (s, h) = head_of(&gw, proxied("GET", "/vault/keys", "none", "text/html")).await;
        assert_eq!(s, 302);
        assert!(h.contains("/.passgate/login?rd="), "{h}");

        // max_age: fresh passes; two seconds later, a step-up.
        let fresh = gw.session_for("max@example.com", &[]).await;
        let (s, _) = head_of(
            &gw,
            proxied("GET", "/admin/users", &fresh, "application/json"),
        )
        .await;
        assert_eq!(s, 200, "{server:?}: a fresh sign-in");
        tokio::time::sleep(std::time::Duration::from_millis(3100)).await;
        let (s, h) = head_of(
            &gw,
            proxied("GET", "/admin/users", &fresh, "application/json"),
        )
        .await;
        assert_eq!(s, 401, "{server:?}: {h}");
        assert!(
            h.contains("www-authenticate: passgate error=\"insufficient_user_authentication\", max_age=2\r\n"),
            "{h}"
        );
        let (s, _) = head_of(&gw, proxied("GET", "/wiki", &fresh, "application/json")).await;
        assert_eq!(s, 200, "the session itself goes on");

        // Forward auth, both endpoints.
        let fa = |token: &str, accept: &str| {
            format!(
                "GET /.passgate/authz/forward-auth HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\
                 X-Forwarded-Method: GET\r\nX-Forwarded-Proto: http\r\nX-Forwarded-Host: localhost:{}\r\n\
                 X-Forwarded-Uri: /vault/keys\r\nAccept: {accept}\r\nCookie: passgate_session={token}\r\n\r\n",
                gw.port
            )
        };
        let nginx = |token: &str| {
            format!(
                "GET /.passgate/authz/auth-request HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\
                 X-Original-Method: GET\r\nX-Original-URL: http://localhost:{}/vault/keys\r\n\
                 Accept: text/html\r\nCookie: passgate_session={token}\r\n\r\n",
                gw.port
            )
        };
        assert_eq!(head_of(&gw, fa(&passkey, "text/html")).await.0, 200);
        let (s, h) = head_of(&gw, fa(&email, "text/html")).await;
        assert_eq!(s, 302, "forward-auth, browser: {h}");
        assert!(h.contains(&step_up), "{h}");
        let (s, h) = head_of(&gw, fa(&email, "application/json")).await;
        assert_eq!(s, 401, "forward-auth, API: {h}");
        assert!(h.contains("insufficient_user_authentication"), "{h}");
        assert_eq!(head_of(&gw, nginx(&passkey)).await.0, 200);
        let (s, h) = head_of(&gw, nginx(&email)).await;
        assert_eq!(s, 401, "auth-request: {h}");
        assert!(
            h.contains(&step_up) && h.contains("insufficient_user_authentication"),
            "{h}"
        );
    }
}

/// The step-up page says why and offers what the rule takes: a passkey
/// only for `require = ["passkey"]` (and, to someone without one, a way to
/// create one), a passkey or email for `max_age`; signed out, the sign-in
/// page.
#[tokio::test]
async fn the_step_up_page_offers_what_the_rule_takes() {
    let gw = Gateway::start(|s| s.config("", &step_up_routes("http://127.0.0.1:9"))).await;
    let email = gw.email_session_for("eli@example.com", &[]).await;
    let page = |rd: &str, token: &str| {
        format!(
            "GET /.passgate/step-up?rd={} HTTP/1.1\r\nHost: localhost:{}\r\nConnection: close\r\n\
             Accept: text/html\r\nCookie: passgate_session={token}\r\n\r\n",
            percent_encoding::utf8_percent_encode(
                &format!("http://localhost:{}{rd}", gw.port),
                percent_encoding::NON_ALPHANUMERIC
            ),
            gw.port
        )
    };
    let (s, text) = raw(gw.addr(), page("/vault/keys", &email).as_bytes()).await;
    assert_eq!(s, 200, "{text}");
    assert!(
        [
            "Confirm it&#x27;s you",
            "Confirm it&#39;s you",
            "Confirm it's you"
        ]
        .iter()
        .any(|t| text.contains(t)),
        "{text}"
    );
    assert!(text.contains("accepts only passkey sign-ins"), "{text}");
    assert!(
        text.contains("id=\"add-passkey\""),
        "no passkey yet: offered one"
    );
    assert!(
        !text.contains("/email/start"),
        "email does not satisfy this rule"
    );
    assert!(
        !text.contains("id=\"passkey-signin\""),
        "no passkey to confirm with"
    );
    let (s, text) = raw(gw.addr(), page("/admin/x", &email).as_bytes()).await;
    assert_eq!(s, 200);
    assert!(text.contains("/email/start"), "max_age: email will do");
    // Signed out: sign in first, returning to the same place.
    let (s, text) = raw(gw.addr(), page("/vault/keys", "none").as_bytes()).await;
    assert_eq!(s, 303, "{text}");
    assert!(
        text.contains("/.passgate/login?rd=http%3A%2F%2Flocalhost"),
        "{text}"
    );
}
