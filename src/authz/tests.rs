use super::path::{PathError, Reading, canonical, is_plain, normalise, readings, under};
use super::*;

fn route(i: usize, host: &str, path: &str, policy: Policy) -> Route {
    let (host, port) = HostPattern::parse(host).expect("host");
    Route {
        index: i,
        line: None,
        host,
        port,
        path: path.to_string(),
        upstream: None,
        policy,
        groups: vec![],
        emails: vec![],
        upgrades: vec!["websocket".into()],
        methods: vec![],
        networks: vec![],
        tokens: false,
        max_age: None,
        require_passkey: false,
    }
}

const GET: Asker = Asker {
    method: &http::Method::GET,
    client: None,
};

/// public /public, deny /admin, authenticated everything else on app.example.com.
fn table() -> RouteTable {
    RouteTable::new(vec![
        route(0, "app.example.com", "/public", Policy::Public),
        route(1, "app.example.com", "/admin", Policy::Deny),
        route(2, "app.example.com", "/", Policy::Authenticated),
    ])
}

fn rule_for(raw: &str) -> Result<Option<usize>, PathError> {
    table()
        .lookup("app.example.com", 443, raw, &GET)
        .map(|r| r.map(|r| r.index))
}

#[test]
fn strict_normalisation_table() {
    let cases: &[(&str, &str)] = &[
        ("/", "/"),
        ("/a/b", "/a/b"),
        ("/a/b/", "/a/b"),
        ("//a///b", "/a/b"),
        ("/a/./b", "/a/b"),
        ("/a/../b", "/b"),
        ("/../../b", "/b"),
        ("/a/%2e%2e/b", "/b"),
        ("/a/%2E%2e/b", "/b"),
        ("/a/.%2e/b", "/b"),
        ("/a%2Fb", "/a/b"),
        ("/a%2fb", "/a/b"),
        ("/a\\b", "/a/b"),
        ("/a%5Cb", "/a/b"),
        ("/a;x=1/b", "/a/b"),
        ("/a/..;/b", "/b"),
        // An encoded ";" starts parameters too in the strict reading.
        ("/a/%3Bx", "/a"),
        ("/a/%3Bx/b", "/a/b"),
        ("/caf%C3%A9", "/café"),
        ("/a/b/..", "/a"),
        ("/a/b/.", "/a/b"),
        ("/%7Euser", "/~user"),
    ];
    for (raw, want) in cases {
        assert_eq!(
            normalise(raw, Reading::STRICT).as_deref(),
            Ok(*want),
            "{raw}"
        );
        assert_eq!(canonical(raw).as_deref(), Ok(*want), "{raw}");
    }
}

#[test]
fn lenient_reading_keeps_encoded_separators_as_data() {
    let lenient = Reading {
        decode_slashes: false,
        backslash_separates: false,
        strip_params: false,
        merge_slashes: false,
        scheme_relative: false,
        cut_at_delims: false,
        compatibility: false,
        resolve_dots: true,
    };
    assert_eq!(normalise("/a%2Fb", lenient).as_deref(), Ok("/a%2Fb"));
    assert_eq!(normalise("/a\\b", lenient).as_deref(), Ok("/a\\b"));
    assert_eq!(normalise("/a;x/b", lenient).as_deref(), Ok("/a;x/b"));
    assert_eq!(normalise("/a//../b", lenient).as_deref(), Ok("/a/b"));
    let literal = Reading {
        resolve_dots: false,
        ..Reading::STRICT
    };
    assert_eq!(
        normalise("/a/../b/%2e/c", literal).as_deref(),
        Ok("/a/../b/./c")
    );
}

#[test]
fn malformed_paths_are_refused() {
    for (raw, err) in [
        ("a/b", PathError::NotAbsolute),
        ("", PathError::NotAbsolute),
        ("*", PathError::NotAbsolute),
        ("/a%zz", PathError::BadEscape),
        ("/a%2", PathError::BadEscape),
        ("/a%", PathError::BadEscape),
        ("/a%00b", PathError::ControlChar),
        ("/a%0ab", PathError::ControlChar),
        ("/a%7f", PathError::ControlChar),
        ("/a\u{1}b", PathError::ControlChar),
        // Overlong and broken UTF-8 after decoding.
        ("/a/%c0%ae%c0%ae/admin", PathError::InvalidUtf8),
        ("/a/%ff", PathError::InvalidUtf8),
        ("/a/%e2%82", PathError::InvalidUtf8),
    ] {
        assert_eq!(canonical(raw), Err(err), "{raw:?}");
        assert_eq!(readings(raw), Err(err), "{raw:?}");
    }
    // Decoded once more than passgate decodes, it would still change.
    for raw in ["/a%252525252e", "/a/%25252525252F", "/%2525252525"] {
        assert_eq!(readings(raw), Err(PathError::DoubleEncoded), "{raw:?}");
    }
    // Broken UTF-8 or a control character a second decode would make.
    assert_eq!(readings("/a/%25c0%25ae"), Err(PathError::InvalidUtf8));
    assert_eq!(readings("/a/%2500"), Err(PathError::ControlChar));
}

/// A server that decodes twice (or three times) reads what the second
/// decode makes: every such reading is computed, in every mixed spelling
/// of the escapes, so a rule cannot be dodged by encoding the encoding.
#[test]
fn paths_encoded_more_than_once_are_read_at_every_depth() {
    for raw in [
        "/a/%252e%252e/admin",
        "/a/%25%32%65%25%32%65/admin",
        "/a/%252%65%252%65/admin",
        "/a/%25%32e%25%32e/admin",
        "/a/%25252e%25252e/admin",
        "/a%252F..%252Fadmin",
    ] {
        let r = readings(raw).expect("readable");
        assert!(
            r.iter().any(|p| p == "/admin"),
            "{raw}: a twice-decoding server reads /admin: {r:?}"
        );
    }
    // A % that a second decode leaves alone is data, not an error.
    assert_eq!(
        readings("/wiki/100%25").expect("readable"),
        vec!["/wiki/100%25".to_string()]
    );
    assert_eq!(
        readings("/wiki/100%2525zz").expect("readable"),
        vec!["/wiki/100%2525zz".to_string(), "/wiki/100%25zz".to_string()]
    );
}

#[test]
fn plain_detection() {
    for p in [
        "/",
        "/a",
        "/a/b.c",
        "/a/.well-known/x",
        "/a/b..c",
        "/a-b_c~d",
    ] {
        assert!(is_plain(p), "{p}");
    }
    for p in [
        "/a//b", "/a/./b", "/a/../b", "/a/.", "/a/..", "/a%20", "/a;b", "/a\\b", "a", "",
    ] {
        assert!(!is_plain(p), "{p}");
    }
}

#[test]
fn prefix_matches_whole_segments() {
    assert!(under("/app", "/app"));
    assert!(under("/app/x", "/app"));
    assert!(!under("/apple", "/app"));
    assert!(under("/anything", "/"));
    assert!(!under("/ap", "/app"));
}

#[test]
fn bypass_attempts_land_on_the_strict_rule_or_are_refused() {
    // Each path is an attempt to reach /admin (deny) while looking like
    // something else, or to escape /public (public) into the protected area.
    let cases: &[(&str, Result<Option<usize>, PathError>)] = &[
        ("/admin", Ok(Some(1))),
        ("/admin/", Ok(Some(1))),
        ("/admin/x", Ok(Some(1))),
        // Merged, "//admin" is /admin; unmerged it is an empty segment then
        // "admin", under "/". The rules differ, so it is refused.
        ("//admin", Err(PathError::Ambiguous)),
        ("/admin//x", Ok(Some(1))),
        ("/%61dmin", Ok(Some(1))),
        // Dot segments: resolved (RFC 3986) or kept, as frameworks that
        // route on the raw path do (Flask, Express). Either way under the
        // same rule, or refused.
        ("/admin/./x", Ok(Some(1))),
        ("/admin/x/../y", Ok(Some(1))),
        ("/public/a/./b", Ok(Some(0))),
        ("/./admin", Err(PathError::Ambiguous)),
        ("/x/../admin", Err(PathError::Ambiguous)),
        ("/%2e/admin", Err(PathError::Ambiguous)),
        ("/public/../admin", Err(PathError::Ambiguous)),
        ("/public/%2e%2e/admin", Err(PathError::Ambiguous)),
        ("/public/.%2E/admin", Err(PathError::Ambiguous)),
        // A protected prefix first (found by an adversarial review).
        ("/admin/../public/x", Err(PathError::Ambiguous)),
        ("/admin/%2e%2e/public/x", Err(PathError::Ambiguous)),
        ("/admin/x/../../public", Err(PathError::Ambiguous)),
        ("/admin\\..\\public", Err(PathError::Ambiguous)),
        ("/admin;jsessionid=1", Err(PathError::Ambiguous)),
        ("/admin;/x", Err(PathError::Ambiguous)),
        // Readers that keep "%2F" as data see one segment under /public;
        // readers that decode it see /admin. Different rules: refused.
        ("/public/..%2Fadmin", Err(PathError::Ambiguous)),
        ("/public%2F..%2Fadmin", Err(PathError::Ambiguous)),
        ("/public/..\\admin", Err(PathError::Ambiguous)),
        ("/public/..%5Cadmin", Err(PathError::Ambiguous)),
        ("/public/..;/admin", Err(PathError::Ambiguous)),
        // Merging "//" or not changes what ".." removes.
        ("/admin//../public", Err(PathError::Ambiguous)),
        // Encoded twice, in every mix: a server that decodes twice reads
        // /admin, one that decodes once reads /public.
        ("/public/%252e%252e/admin", Err(PathError::Ambiguous)),
        (
            "/public/%25%32%65%25%32%65/admin",
            Err(PathError::Ambiguous),
        ),
        ("/public/%252%65%252%65/admin", Err(PathError::Ambiguous)),
        ("/public/%25%32e%25%32e/admin", Err(PathError::Ambiguous)),
        ("/public%252F..%252Fadmin", Err(PathError::Ambiguous)),
        // Scheme-relative: WHATWG and urlsplit read host "x", path "/admin".
        ("//x/admin", Err(PathError::Ambiguous)),
        ("/\\x/admin", Err(PathError::Ambiguous)),
        ("/%2fx/admin", Err(PathError::Ambiguous)),
        ("///x/admin/y", Err(PathError::Ambiguous)),
        // A decoded "?" or "#" ends the path for a server that decodes, then
        // parses the result.
        ("/admin%3F/../public", Err(PathError::Ambiguous)),
        ("/admin%23/../public/x", Err(PathError::Ambiguous)),
        ("/public/x%3F", Ok(Some(0))),
        // Case: a case-insensitive server serves /ADMIN as /admin.
        ("/ADMIN", Err(PathError::Ambiguous)),
        ("/aDmIn/x", Err(PathError::Ambiguous)),
        ("/PUBLIC/x", Err(PathError::Ambiguous)),
        // Fullwidth forms, for servers that fold them to ASCII.
        ("/ａｄｍｉｎ", Err(PathError::Ambiguous)),
        ("/public／..／admin", Err(PathError::Ambiguous)),
        // Other compatibility forms (NFKC), for servers that normalise
        // Unicode: ª and ⓐ read as a, a subscript ₘ as m.
        ("/ªdmin", Err(PathError::Ambiguous)),
        ("/ⓐdmin/x", Err(PathError::Ambiguous)),
        ("/ad\u{2098}in", Err(PathError::Ambiguous)),
        ("/%E2%93%90dmin", Err(PathError::Ambiguous)),
        ("/public/caf\u{e9}", Ok(Some(0))),
        // Percent-encoded, as clients send them (found by an adversarial
        // review).
        (
            "/public/%ef%bc%8e%ef%bc%8e/admin",
            Err(PathError::Ambiguous),
        ),
        ("/%EF%BD%81dmin", Err(PathError::Ambiguous)),
        (
            "/%EF%BD%81%EF%BD%84%EF%BD%8D%EF%BD%89%EF%BD%8E/x",
            Err(PathError::Ambiguous),
        ),
        ("/public/x", Ok(Some(0))),
        ("/public", Ok(Some(0))),
        ("/publicity", Ok(Some(2))),
        ("/Admin", Err(PathError::Ambiguous)),
        ("/public/a//b", Ok(Some(0))),
        ("/public/a/../b", Ok(Some(0))),
        ("/static//img.png", Ok(Some(2))),
        ("/a%2Fb", Ok(Some(2))),
    ];
    for (raw, want) in cases {
        assert_eq!(&rule_for(raw), want, "{raw}");
    }
}

#[test]
fn every_reading_of_a_refused_path_is_computed() {
    let r = readings("/public/..%2Fadmin").expect("readings");
    assert!(r.contains(&"/admin".to_string()), "{r:?}");
    assert!(r.contains(&"/public/..%2Fadmin".to_string()), "{r:?}");
}

#[test]
fn host_patterns() {
    let (exact, _) = HostPattern::parse("App.Example.COM.").expect("parse");
    assert_eq!(exact, HostPattern::Exact("app.example.com".into()));
    assert!(exact.matches("app.example.com"));
    assert!(!exact.matches("xapp.example.com"));
    let (wild, port) = HostPattern::parse("*.example.com:8443").expect("parse");
    assert_eq!(port, Some(8443));
    assert!(wild.matches("a.example.com"));
    assert!(wild.matches("a.b.example.com"));
    assert!(!wild.matches("example.com"));
    assert!(!wild.matches("aexample.com"));
    assert!(!wild.matches("evil.com"));
    assert!(wild.covers(&exact));
    assert!(!exact.covers(&wild));
    for bad in [
        "",
        "a*.example.com",
        "*.",
        "exa mple.com",
        "host:99999",
        "host:0",
        "[::1",
        "*.[::1]",
    ] {
        assert!(HostPattern::parse(bad).is_err(), "{bad:?}");
    }
    assert_eq!(
        split_host_port("[::1]:8080"),
        Some(("[::1]".into(), Some(8080)))
    );
    assert_eq!(
        split_host_port("LOCALHOST:80"),
        Some(("localhost".into(), Some(80)))
    );
    assert_eq!(split_host_port("a..b"), None);
    assert_eq!(split_host_port("a/b"), None);
}

/// Hosts that URL parsers read as something else are refused: a last
/// label that is a number makes an IPv4 address of the whole (`0x7f.1` is
/// 127.0.0.1 to a browser), and `xn--` labels must be punycode.
#[test]
fn hosts_are_read_as_url_parsers_read_them_or_refused() {
    for ok in [
        "127.0.0.1",
        "10.0.0.1:8080",
        "app.example.com",
        "a-1.example",
        "host_with_underscore.internal",
        "xn--bcher-kva.example",
        "1a.example",
        "example.com.",
        "[::1]",
    ] {
        assert!(split_host_port(ok).is_some(), "{ok}");
    }
    for bad in [
        "0x7f.1",
        "0x7f000001",
        "2130706433",
        "127.1",
        "127.0.0.01",
        "l0.0.2",
        "a.b.0x1",
        "256.0.0.1",
        "xn--.example",
        "xn--a.example",
        // Found by cargo-fuzz: two trailing dots left a numeric host.
        "800000030400304..",
        "a..",
        ".a",
    ] {
        assert_eq!(split_host_port(bad), None, "{bad}");
    }
}

/// A client writes the port in `Host` itself, and every proxy passes it
/// on as written (found by a second adversarial review): two rules for the
/// same host told apart only by port are a choice the client makes.
#[test]
fn rules_told_apart_only_by_port_are_found() {
    let t = RouteTable::new(vec![
        route(0, "app.example.com:8443", "/admin", Policy::Authenticated),
        route(1, "app.example.com", "/", Policy::Public),
        route(2, "*.example.com:9000", "/", Policy::Deny),
        route(3, "other.example.org:9000", "/", Policy::Public),
        route(4, "lone.example.net:8443", "/", Policy::Authenticated),
    ]);
    let dodges = t.port_dodges();
    assert!(dodges.contains(&(0, 1)), "{dodges:?}");
    assert!(dodges.contains(&(0, 2)), "{dodges:?}");
    assert!(dodges.contains(&(2, 1)), "{dodges:?}");
    assert!(
        !dodges
            .iter()
            .any(|(a, b)| *a == 3 || *b == 3 || *a == 4 || *b == 4),
        "{dodges:?}"
    );
}

#[test]
fn ports_restrict_rules_when_given() {
    let t = RouteTable::new(vec![
        route(0, "app.example.com:8443", "/", Policy::Deny),
        route(1, "app.example.com", "/", Policy::Public),
    ]);
    assert_eq!(
        t.lookup("app.example.com", 8443, "/", &GET)
            .expect("ok")
            .map(|r| r.index),
        Some(0)
    );
    assert_eq!(
        t.lookup("app.example.com", 443, "/", &GET)
            .expect("ok")
            .map(|r| r.index),
        Some(1)
    );
    assert_eq!(
        t.lookup("other.example.com", 443, "/", &GET)
            .expect("ok")
            .map(|r| r.index),
        None
    );
}

#[test]
fn shadowed_rules_are_found() {
    let t = RouteTable::new(vec![
        route(0, "*.example.com", "/", Policy::Authenticated),
        route(1, "app.example.com", "/admin", Policy::Deny),
        route(2, "app.other.com", "/a", Policy::Public),
        route(3, "app.other.com", "/a/b", Policy::Deny),
        route(4, "app.other.com", "/ab", Policy::Deny),
    ]);
    assert_eq!(t.shadowed(), vec![(1, 0), (3, 2)]);
}

fn principal(email: &str, groups: &[&str]) -> Principal {
    let user = crate::store::User {
        id: "u1".into(),
        email: email.into(),
        username: None,
        display_name: "U".into(),
        disabled: false,
        created_at: 0,
        updated_at: 0,
    };
    Principal::new(&user, groups.iter().map(|g| g.to_string()).collect())
}

#[test]
fn decisions() {
    let mut r = route(0, "app.example.com", "/", Policy::Authenticated);
    let alice = principal("Alice@Example.com", &["dev"]);
    let bob = principal("bob@other.org", &["ops"]);
    assert_eq!(decide(None, Some(&alice)), Access::Forbid(Refusal::NoRoute));
    assert_eq!(decide(Some(&r), None), Access::Login);
    assert_eq!(decide(Some(&r), Some(&alice)), Access::Allow);
    r.groups = vec!["dev".into()];
    assert_eq!(decide(Some(&r), Some(&alice)), Access::Allow);
    assert_eq!(
        decide(Some(&r), Some(&bob)),
        Access::Forbid(Refusal::NotAllowed)
    );
    r.groups = vec![];
    r.emails = vec![EmailPattern::parse("*@example.com").expect("pattern")];
    assert_eq!(decide(Some(&r), Some(&alice)), Access::Allow);
    assert_eq!(
        decide(Some(&r), Some(&bob)),
        Access::Forbid(Refusal::NotAllowed)
    );
    r.emails = vec![EmailPattern::parse("BOB@other.org").expect("pattern")];
    assert_eq!(decide(Some(&r), Some(&bob)), Access::Allow);
    // Both lists: either admits.
    r.groups = vec!["dev".into()];
    assert_eq!(decide(Some(&r), Some(&alice)), Access::Allow);
    assert_eq!(decide(Some(&r), Some(&bob)), Access::Allow);
    assert_eq!(
        decide(Some(&r), Some(&principal("eve@x.org", &["dev2"]))),
        Access::Forbid(Refusal::NotAllowed)
    );
    let public = route(0, "a.b", "/", Policy::Public);
    assert_eq!(decide(Some(&public), None), Access::Allow);
    let deny = route(0, "a.b", "/", Policy::Deny);
    assert_eq!(
        decide(Some(&deny), Some(&alice)),
        Access::Forbid(Refusal::DenyRule)
    );
}

#[test]
fn email_patterns() {
    assert!(EmailPattern::parse("*@").is_err());
    assert!(EmailPattern::parse("not-an-email").is_err());
    assert!(EmailPattern::parse("*@example").is_err());
    let d = EmailPattern::parse("*@Example.com").expect("ok");
    assert!(d.matches("a@example.com"));
    assert!(!d.matches("a@sub.example.com"));
    assert!(!d.matches("a@example.com.evil.org"));
    // Several `@`: not an address at example.com (oauth2-proxy
    // GHSA-c5c4-8r6x-56w3 matched the last part).
    assert!(!d.matches("attacker@evil.com@example.com"));
    assert!(!d.matches("@example.com"));
    assert!(EmailPattern::parse("a@evil.com@example.com").is_err());
}

fn portal() -> Portal {
    Portal {
        https: true,
        host: "auth.example.com".into(),
        port: 443,
        origin: "https://auth.example.com".into(),
        prefix: "/.passgate".into(),
    }
}

#[test]
fn redirects_only_to_protected_origins_or_the_portal() {
    let t = RouteTable::new(vec![
        route(0, "app.example.com", "/", Policy::Authenticated),
        route(1, "*.tools.example.com", "/", Policy::Authenticated),
    ]);
    let p = portal();
    let ok: &[(&str, &str)] = &[
        (
            "https://app.example.com/x?y=1#z",
            "https://app.example.com/x?y=1#z",
        ),
        ("http://app.example.com/", "http://app.example.com/"),
        (
            "https://grafana.tools.example.com/d/1",
            "https://grafana.tools.example.com/d/1",
        ),
        (
            "/.passgate/account",
            "https://auth.example.com/.passgate/account",
        ),
        ("https://auth.example.com/", "https://auth.example.com/"),
        ("HTTPS://APP.EXAMPLE.COM/a", "https://app.example.com/a"),
        // A rule without a port covers every port of its host.
        (
            "https://app.example.com:8443/",
            "https://app.example.com:8443/",
        ),
    ];
    for (rd, want) in ok {
        assert_eq!(safe_redirect(rd, &p, &t).as_deref(), Some(*want), "{rd}");
    }
    let bad = [
        "",
        "//evil.com",
        "//evil.com/https://app.example.com",
        "/\\evil.com",
        "\\\\evil.com",
        "/\\/evil.com",
        "https:evil.com",
        "https:/evil.com",
        "https:///evil.com",
        "https://evil.com",
        "https://app.example.com@evil.com/",
        "https://user:pw@app.example.com/",
        "https://evil.com#@app.example.com",
        "https://evil.com\\@app.example.com",
        "https://app.example.com.evil.com/",
        "https://evilapp.example.com/",
        "https://tools.example.com/",
        "javascript:alert(1)",
        "data:text/html,hi",
        "ftp://app.example.com/",
        "%2F%2Fevil.com",
        "/%2F%2Fevil.com/../x\\y",
        " https://app.example.com/",
        "https://app.example.com/\n",
        "/.passgate/login?rd=/x",
        "/.passgate/logout",
        "https://auth.example.com/.passgate/login",
        "http://auth.example.com/",
    ];
    for rd in bad {
        assert_eq!(safe_redirect(rd, &p, &t), None, "{rd:?}");
    }
}

fn asker(method: &'static http::Method, client: Option<&str>) -> Asker<'static> {
    Asker {
        method,
        client: client.map(|c| c.parse().expect("ip")),
    }
}

#[test]
fn methods_and_networks_narrow_a_rule_and_the_next_one_decides() {
    let mut preflight = route(0, "app.example.com", "/api", Policy::Public);
    preflight.methods = vec![http::Method::OPTIONS];
    let mut reading = route(1, "app.example.com", "/ro", Policy::Public);
    reading.methods = vec![http::Method::GET];
    let mut office = route(2, "app.example.com", "/", Policy::Public);
    office.networks = vec!["10.0.0.0/8".parse().expect("net")];
    let rest = route(3, "app.example.com", "/", Policy::Authenticated);
    let t = RouteTable::new(vec![preflight, reading, office, rest]);
    let pick = |path: &str, a: Asker| {
        t.lookup("app.example.com", 443, path, &a)
            .expect("lookup")
            .map(|r| r.index)
    };
    use http::Method as M;
    assert_eq!(pick("/api/x", asker(&M::OPTIONS, None)), Some(0));
    assert_eq!(pick("/api/x", asker(&M::GET, None)), Some(3));
    assert_eq!(pick("/ro/x", asker(&M::GET, None)), Some(1));
    assert_eq!(
        pick("/ro/x", asker(&M::HEAD, None)),
        Some(1),
        "GET brings HEAD"
    );
    assert_eq!(pick("/ro/x", asker(&M::POST, None)), Some(3));
    assert_eq!(pick("/x", asker(&M::GET, Some("10.9.8.7"))), Some(2));
    assert_eq!(pick("/x", asker(&M::GET, Some("::ffff:10.9.8.7"))), Some(2));
    assert_eq!(pick("/x", asker(&M::GET, Some("11.0.0.1"))), Some(3));
    assert_eq!(
        pick("/x", asker(&M::GET, None)),
        Some(3),
        "an unknown client is in no network"
    );
    // Every reading of an odd path is asked the same way.
    assert_eq!(pick("/api/./x", asker(&M::OPTIONS, None)), Some(0));
    let passed: Vec<usize> = t
        .passed_over("app.example.com", 443, "/api/x", &asker(&M::GET, None))
        .iter()
        .map(|(r, _)| r.index)
        .collect();
    assert_eq!(passed, vec![0, 2]);
}

#[test]
fn a_narrower_rule_does_not_shadow_and_a_wider_one_does() {
    let mut get_only = route(0, "app.example.com", "/", Policy::Public);
    get_only.methods = vec![http::Method::GET];
    let mut office = route(1, "app.example.com", "/", Policy::Public);
    office.networks = vec!["10.0.0.0/8".parse().expect("net")];
    let all = route(2, "app.example.com", "/", Policy::Authenticated);
    // Neither narrow rule hides the catch-all after it.
    let t = RouteTable::new(vec![get_only, office, all]);
    assert!(t.shadowed().is_empty(), "{:?}", t.shadowed());
    // A rule for every method and network hides narrower ones after it.
    let narrow = |i: usize, method: Option<http::Method>, net: Option<&str>| {
        let mut r = route(i, "app.example.com", "/", Policy::Public);
        r.methods = method.into_iter().collect();
        r.networks = net.map(|n| n.parse().expect("net")).into_iter().collect();
        r
    };
    let all = route(0, "app.example.com", "/", Policy::Authenticated);
    let t = RouteTable::new(vec![
        all,
        narrow(1, Some(http::Method::HEAD), None),
        narrow(2, None, Some("10.1.0.0/16")),
    ]);
    assert_eq!(t.shadowed(), vec![(1, 0), (2, 0)]);
    // GET covers HEAD, not POST; 10/8 covers 10.1/16, not 11/8.
    let t = RouteTable::new(vec![
        narrow(0, Some(http::Method::GET), None),
        narrow(1, Some(http::Method::HEAD), None),
        narrow(2, Some(http::Method::POST), None),
        narrow(3, None, Some("10.0.0.0/8")),
        narrow(4, None, Some("10.1.0.0/16")),
        narrow(5, None, Some("11.0.0.0/8")),
    ]);
    assert_eq!(t.shadowed(), vec![(1, 0), (4, 3)]);
}

#[test]
fn step_up_asks_for_a_fresh_or_a_passkey_sign_in_as_the_rule_says() {
    let plain = route(0, "app.example.com", "/", Policy::Authenticated);
    let fresh = Route {
        max_age: Some(900),
        ..plain.clone()
    };
    let passkey = Route {
        require_passkey: true,
        ..plain.clone()
    };
    let both = Route {
        max_age: Some(60),
        require_passkey: true,
        ..plain.clone()
    };
    let now = 10_000;
    // (rule, method, signed in at, wants a step-up)
    let cases = [
        (&plain, "email", 0, false),
        (&fresh, "email", now - 900, false),
        (&fresh, "email", now - 901, true),
        (&fresh, "webauthn", now - 901, true),
        (&passkey, "webauthn", 0, false),
        (&passkey, "email", now, true),
        (&both, "webauthn", now - 60, false),
        (&both, "webauthn", now - 61, true),
        (&both, "email", now, true),
    ];
    for (r, method, at, want) in cases {
        let up = step_up(r, method, at, now);
        assert_eq!(
            up.is_some(),
            want,
            "{:?} {method} {at}",
            (r.max_age, r.require_passkey)
        );
        if let Some(u) = up {
            assert_eq!((u.max_age, u.passkey), (r.max_age, r.require_passkey));
        }
    }
}
