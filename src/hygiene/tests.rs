use super::*;
use crate::session::Principal;

fn client(trusted: bool) -> ClientInfo {
    ClientInfo {
        peer: HeaderValue::from_static("10.0.0.5"),
        trusted,
        proto: "https",
        host: Some(HeaderValue::from_static("app.example.com")),
    }
}

fn bob() -> Principal {
    let user = crate::store::User {
        id: "u-1".into(),
        email: "bob@example.com".into(),
        username: None,
        display_name: "Bob".into(),
        disabled: false,
        created_at: 0,
        updated_at: 0,
    };
    Principal::new(&user, vec!["staff".into()])
}

static ASSERTION: HeaderName = HeaderName::from_static("x-passgate-assertion");

/// The upstream request's fields for a client's `fields`, signed in as bob.
fn upstream(fields: &[(&str, &str)], trusted: bool, upgrade: Option<&'static str>) -> HeaderMap {
    let mut h = HeaderMap::new();
    for (n, v) in fields {
        h.append(
            HeaderName::from_bytes(n.as_bytes()).unwrap(),
            HeaderValue::from_str(v).unwrap(),
        );
    }
    let c = client(trusted);
    let who = bob();
    let jwt = HeaderValue::from_static("signed.jwt.value");
    let id = HeaderValue::from_static("req-1");
    upstream_request(
        &mut h,
        &Own {
            client: &c,
            style: HeaderStyle::Remote,
            principal: Some(&who),
            assertion_name: &ASSERTION,
            assertion: Some(&jwt),
            request_id: &id,
            upgrade: upgrade.map(HeaderValue::from_static),
        },
    );
    h
}

fn all<'a>(h: &'a HeaderMap, name: &str) -> Vec<&'a str> {
    h.get_all(name)
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect()
}

/// passgate's own fields are there exactly once with passgate's values.
fn assert_own(h: &HeaderMap, case: &str) {
    assert_eq!(all(h, "remote-user"), ["bob@example.com"], "{case}");
    assert_eq!(all(h, "remote-email"), ["bob@example.com"], "{case}");
    assert_eq!(all(h, "remote-groups"), ["staff"], "{case}");
    assert_eq!(all(h, "remote-name"), ["Bob"], "{case}");
    assert_eq!(
        all(h, "x-passgate-assertion"),
        ["signed.jwt.value"],
        "{case}"
    );
    assert_eq!(all(h, "x-request-id"), ["req-1"], "{case}");
}

/// A `Connection` option names a field: hop-by-hop for the client, but
/// passgate's own fields are written after every removal, and the framing
/// and Host are never an option's to remove.
#[test]
fn connection_options_never_remove_passgates_fields_framing_or_host() {
    for named in [
        "Remote-User",
        "remote-email, Remote-Groups, remote-name",
        "X-Passgate-Assertion",
        "X-Request-Id",
        "X-Forwarded-For, X-Real-IP, X-Forwarded-Proto, X-Forwarded-Host",
        "keep-alive, content-length, transfer-encoding, host",
        "Cookie",
    ] {
        let h = upstream(
            &[
                ("host", "app.example.com"),
                ("connection", named),
                ("content-length", "5"),
                ("cookie", "app=1"),
                ("x-kept", "1"),
            ],
            false,
            None,
        );
        assert_own(&h, named);
        assert_eq!(all(&h, "host"), ["app.example.com"], "{named}");
        assert_eq!(all(&h, "x-forwarded-for"), ["10.0.0.5"], "{named}");
        assert_eq!(all(&h, "x-real-ip"), ["10.0.0.5"], "{named}");
        assert_eq!(all(&h, "x-forwarded-proto"), ["https"], "{named}");
        assert_eq!(all(&h, "x-forwarded-host"), ["app.example.com"], "{named}");
        assert_eq!(all(&h, "x-kept"), ["1"], "{named}");
        // The framing is the relay's to state, never the client's.
        assert!(!h.contains_key("content-length"), "{named}");
        assert!(!h.contains_key("transfer-encoding"), "{named}");
        assert!(!h.contains_key("connection"), "{named}");
    }
    // A trusted proxy's chain survives a `Connection` option naming it.
    let h = upstream(
        &[
            ("connection", "x-forwarded-for, x-forwarded-proto"),
            ("x-forwarded-for", "203.0.113.9"),
            ("x-forwarded-proto", "http"),
        ],
        true,
        None,
    );
    assert_eq!(all(&h, "x-forwarded-for"), ["203.0.113.9, 10.0.0.5"]);
    assert_eq!(all(&h, "x-forwarded-proto"), ["http"]);
}

#[test]
fn identity_fields_go_in_every_spelling_and_family() {
    let spoofs = [
        "Remote-User",
        "remote_user",
        "REMOTE_EMAIL",
        "Remote_Groups",
        "remote-name",
        "Remote-Addr",
        "X-Auth-Request-User",
        "x_auth_request_email",
        "X-Auth-Request-Preferred-Username",
        "X-Auth-Request-Access-Token",
        "X-Passgate-Assertion",
        "x_passgate_assertion",
        "X-Passgate-Token",
        // PHP reads `.` as `_` (found by a second adversarial review).
        "Remote.User",
        "remote.groups",
        "X-Auth-Request.User",
    ];
    let fields: Vec<(&str, &str)> = spoofs.iter().map(|n| (*n, "admin")).collect();
    for trusted in [false, true] {
        let h = upstream(&fields, trusted, None);
        assert_own(&h, &format!("trusted={trusted}"));
        for (name, value) in &h {
            assert_ne!(value, "admin", "{name} kept a client's value");
            assert!(!name.as_str().contains(['_', '.']), "{name}");
        }
    }
}

#[test]
fn forwarding_fields_are_believed_only_from_trusted_proxies_and_never_with_underscores() {
    let forwarding = [
        ("X-Forwarded-For", "6.6.6.6"),
        ("X-Forwarded-Host", "evil.example"),
        ("X-Forwarded-Proto", "http"),
        ("X-Forwarded-Port", "8443"),
        ("X-Forwarded-Prefix", "/admin"),
        ("X-Forwarded-Uri", "/admin"),
        ("X-Original-URL", "/admin"),
        ("X-Original-URI", "/admin"),
        ("X-Rewrite-URL", "/admin"),
        ("X-Real-IP", "6.6.6.6"),
        ("Forwarded", "for=6.6.6.6"),
        ("True-Client-IP", "6.6.6.6"),
        ("X-Client-IP", "6.6.6.6"),
    ];
    let underscored = [
        ("X_Forwarded_For", "6.6.6.6"),
        ("x_forwarded_host", "evil.example"),
        ("X_Original_URL", "/admin"),
        ("X_Rewrite_URL", "/admin"),
        ("X_Real_IP", "6.6.6.6"),
        ("X_Request_Id", "forged"),
        ("x_forwarded_prefix", "/admin"),
        ("X.Forwarded.For", "6.6.6.6"),
        ("X-Real.IP", "6.6.6.6"),
    ];
    let mut fields: Vec<(&str, &str)> = forwarding.to_vec();
    fields.extend(underscored);
    // From anyone else: all of it goes, ours comes in.
    let h = upstream(&fields, false, None);
    assert_own(&h, "untrusted");
    assert_eq!(all(&h, "x-forwarded-for"), ["10.0.0.5"]);
    assert_eq!(all(&h, "x-real-ip"), ["10.0.0.5"]);
    assert_eq!(all(&h, "x-forwarded-proto"), ["https"]);
    assert_eq!(all(&h, "x-forwarded-host"), ["app.example.com"]);
    for (name, _) in &fields {
        let n = name.to_ascii_lowercase();
        if ![
            "x-forwarded-for",
            "x-real-ip",
            "x-forwarded-proto",
            "x-forwarded-host",
        ]
        .contains(&n.as_str())
        {
            assert!(!h.contains_key(n.as_str()), "{name} reached the upstream");
        }
    }
    // From a trusted proxy: its word stands and its chain is extended, but
    // `_` spellings still go (a CGI-style app would merge them into the
    // same variable).
    let h = upstream(&fields, true, None);
    assert_own(&h, "trusted");
    assert_eq!(all(&h, "x-forwarded-for"), ["6.6.6.6, 10.0.0.5"]);
    assert_eq!(all(&h, "x-forwarded-proto"), ["http"]);
    assert_eq!(all(&h, "x-forwarded-host"), ["evil.example"]);
    assert_eq!(all(&h, "x-forwarded-port"), ["8443"]);
    assert_eq!(all(&h, "forwarded"), ["for=6.6.6.6"]);
    for (name, _) in underscored {
        assert!(
            !h.contains_key(name.to_ascii_lowercase().as_str()),
            "{name} reached the upstream"
        );
    }
    // A trusted proxy that says nothing: passgate's own.
    let h = upstream(&[], true, None);
    assert_eq!(all(&h, "x-forwarded-for"), ["10.0.0.5"]);
    assert_eq!(all(&h, "x-forwarded-proto"), ["https"]);
    // Several fields of a chain are one chain.
    let h = upstream(
        &[
            ("x-forwarded-for", "1.1.1.1"),
            ("x-forwarded-for", "2.2.2.2"),
        ],
        true,
        None,
    );
    assert_eq!(all(&h, "x-forwarded-for"), ["1.1.1.1, 2.2.2.2, 10.0.0.5"]);
}

#[test]
fn hop_by_hop_fields_and_passgates_cookies_go() {
    let h = upstream(
        &[
            ("connection", "keep-alive, x-secret-hop"),
            ("x-secret-hop", "1"),
            ("keep-alive", "timeout=5"),
            ("te", "trailers"),
            ("trailer", "x"),
            ("proxy-authorization", "Basic eDp5"),
            ("proxy-connection", "keep-alive"),
            ("upgrade", "h2c"),
            ("http2-settings", "AAMAAABkAAQAAP__"),
            (
                "cookie",
                "app=1; passgate_session=S; __Host-passgate-csrf=c",
            ),
            ("accept", "*/*"),
        ],
        false,
        None,
    );
    for gone in [
        "connection",
        "x-secret-hop",
        "keep-alive",
        "te",
        "trailer",
        "proxy-authorization",
        "proxy-connection",
        "upgrade",
        "http2-settings",
    ] {
        assert!(!h.contains_key(gone), "{gone}");
    }
    assert_eq!(all(&h, "cookie"), ["app=1"]);
    assert_eq!(all(&h, "accept"), ["*/*"]);
}

#[test]
fn only_allowed_upgrades_pass_and_h2c_never() {
    let websocket = vec!["websocket".to_string()];
    let fields = |upgrade: &str, connection: &str| {
        let mut h = HeaderMap::new();
        h.insert(header::UPGRADE, HeaderValue::from_str(upgrade).unwrap());
        h.insert(
            header::CONNECTION,
            HeaderValue::from_str(connection).unwrap(),
        );
        h
    };
    let cases: [(&str, &str, &[String], bool); 9] = [
        ("websocket", "Upgrade", &websocket, true),
        ("WebSocket", "keep-alive, upgrade", &websocket, true),
        ("websocket", "keep-alive", &websocket, false),
        ("h2c", "Upgrade, HTTP2-Settings", &websocket, false),
        ("websocket, h2c", "Upgrade", &websocket, false),
        ("h2c", "Upgrade", &["h2c".to_string()], false),
        ("websocket", "Upgrade", &[], false),
        ("TLS/1.2", "Upgrade", &["tls".to_string()], true),
        ("foo", "Upgrade", &websocket, false),
    ];
    for (upgrade, connection, allowed, passes) in cases {
        let got = allowed_upgrade(&fields(upgrade, connection), allowed);
        assert_eq!(
            got.is_some(),
            passes,
            "{upgrade} / {connection} / {allowed:?}"
        );
    }
    // An allowed upgrade is written last, as passgate's own.
    let h = upstream(
        &[
            ("upgrade", "websocket"),
            ("connection", "Upgrade, X-Hop"),
            ("x-hop", "1"),
        ],
        false,
        Some("websocket"),
    );
    assert_eq!(all(&h, "upgrade"), ["websocket"]);
    assert_eq!(all(&h, "connection"), ["upgrade"]);
    assert!(!h.contains_key("x-hop"));
    // Not allowed: no trace of it upstream.
    let h = upstream(
        &[("upgrade", "h2c"), ("connection", "Upgrade")],
        false,
        None,
    );
    assert!(!h.contains_key("upgrade") && !h.contains_key("connection"));
}

#[test]
fn forward_auth_requests_with_fields_a_proxy_would_pass_on_are_spotted() {
    let with = |name: &'static str| {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("a"));
        h.insert(HeaderName::from_static(name), HeaderValue::from_static("x"));
        h
    };
    for name in [
        "remote_user",
        "x_passgate_assertion",
        "x_forwarded_for",
        "x_original_url",
        "x_request_id",
        "x_auth_request_email",
        "remote.user",
        "x.forwarded.for",
    ] {
        for nginx in [false, true] {
            assert_eq!(
                unanswerable(&with(name), HeaderStyle::Remote, &ASSERTION, nginx),
                Some(Unanswerable::Smuggled(HeaderName::from_static(name))),
                "{name}"
            );
        }
    }
    for name in ["x-rewrite-url", "x-original-uri"] {
        for nginx in [false, true] {
            assert_eq!(
                unanswerable(&with(name), HeaderStyle::Remote, &ASSERTION, nginx),
                Some(Unanswerable::OverridesPath(HeaderName::from_static(name))),
                "{name}"
            );
        }
    }
    // Identity fields passgate's answer does not carry: the proxy would not
    // replace them (found by an adversarial review).
    for name in [
        "x-auth-request-preferred-username",
        "x-auth-request-user",
        "remote-login",
        "x-passgate-user",
    ] {
        assert_eq!(
            unanswerable(&with(name), HeaderStyle::Remote, &ASSERTION, false),
            Some(Unanswerable::Smuggled(HeaderName::from_static(name))),
            "{name}"
        );
    }
    assert_eq!(
        unanswerable(
            &with("x-auth-request-user"),
            HeaderStyle::Both,
            &ASSERTION,
            false
        ),
        None,
        "passgate answers with it in this style"
    );
    // nginx sets X-Original-URL itself; from anyone else it is the client's.
    assert_eq!(
        unanswerable(
            &with("x-original-url"),
            HeaderStyle::Remote,
            &ASSERTION,
            true
        ),
        None
    );
    assert!(
        unanswerable(
            &with("x-original-url"),
            HeaderStyle::Remote,
            &ASSERTION,
            false
        )
        .is_some()
    );
    // The usual spellings are the proxy's to replace (identity) or its own
    // word (forwarding): answered.
    for name in [
        "remote-user",
        "x-forwarded-for",
        "x-forwarded-uri",
        "cookie",
        "x_custom_app_field",
        "accept",
    ] {
        for nginx in [false, true] {
            assert_eq!(
                unanswerable(&with(name), HeaderStyle::Remote, &ASSERTION, nginx),
                None,
                "{name}"
            );
        }
    }
}

#[test]
fn an_upstreams_set_cookie_for_passgates_names_never_reaches_the_browser() {
    for upgraded in [false, true] {
        let mut h = HeaderMap::new();
        for v in [
            "a=1; Path=/",
            "passgate_session=attacker; Path=/; Domain=example.com",
            "__Host-passgate=x; Secure; Path=/",
            "__Host-passgate-csrf=x; Secure; Path=/",
            "b=2",
        ] {
            h.append(header::SET_COOKIE, HeaderValue::from_static(v));
        }
        h.insert(header::CONNECTION, HeaderValue::from_static("upgrade"));
        tidy_answer(&mut h, upgraded);
        assert_eq!(all(&h, "set-cookie"), ["a=1; Path=/", "b=2"], "{upgraded}");
        assert_eq!(h.contains_key("connection"), upgraded);
    }
    assert!(drops_answer_field(b"Set-Cookie", b"passgate_session=x"));
    assert!(drops_answer_field(b"set-cookie", b"__host-passgate=x"));
    assert!(!drops_answer_field(b"Set-Cookie", b"app=passgate_session"));
    assert!(!drops_answer_field(b"X-Set-Cookie", b"passgate_session=x"));
}
