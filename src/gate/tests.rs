use super::*;

fn config(extra_server: &str) -> Config {
    let text = format!(
        "[server]\npublic_url = \"http://localhost:8080\"\ntrusted_proxies = [\"10.0.0.0/8\"]\n{extra_server}\n\n[[route]]\nhost = \"localhost\"\nupstream = \"http://127.0.0.1:9\"\n"
    );
    let dir = std::env::temp_dir();
    Config::from_toml(&text, "test", std::iter::empty(), &dir).unwrap_or_else(|e| panic!("{e}"))
}

/// passgate's own endpoints are found on the normalised path only: a path
/// that is under the prefix in one reading and not in another is refused,
/// and leaving it by a dot segment is one (an app that routes on the raw
/// path reads `/.passgate/../secret` as under it).
#[test]
fn the_prefix_counts_on_the_normalised_path_only() {
    let cfg = config("");
    let cases: &[(&str, Option<Destination>)] = &[
        (
            "/.passgate/authz/forward-auth",
            Some(Destination::ForwardAuth { nginx: false }),
        ),
        (
            "/.passgate/authz/auth-request",
            Some(Destination::ForwardAuth { nginx: true }),
        ),
        ("/.passgate/health/live", Some(Destination::Live)),
        ("/.passgate/login", Some(Destination::Page)),
        ("/.passgate", Some(Destination::Page)),
        ("/.passgate/./login", Some(Destination::Page)),
        ("/.passgate/../secret", None),
        ("/.passgate/%2e%2e/secret", None),
        ("/.passgate/x/../../admin/x", None),
        ("/.passgate/..;/admin", None),
        ("/.passgate%2f..%2fadmin", None),
        ("/.passgate/..%2fadmin", None),
        ("/x/../.passgate/login", None),
        ("/.passgate/x/../login", Some(Destination::Page)),
        ("/.passgatex/login", Some(Destination::Gate)),
        ("/.PASSGATE/login", Some(Destination::Gate)),
        ("/admin", Some(Destination::Gate)),
        ("/", Some(Destination::Gate)),
        ("/.passgate/%252e%252e/%252e%252e/admin", None),
    ];
    for (path, want) in cases {
        let uri: http::Uri = path.parse().unwrap();
        assert_eq!(
            destination(&cfg, &Method::GET, &uri, &HeaderMap::new()).ok(),
            *want,
            "{path}"
        );
    }
}

fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

fn xff(values: &[&str]) -> HeaderMap {
    let mut h = HeaderMap::new();
    for v in values {
        h.append("x-forwarded-for", HeaderValue::from_str(v).unwrap());
    }
    h
}

#[test]
fn the_client_address_is_never_read_past_an_entry_that_is_not_one() {
    let cfg = config("");
    let cases: &[(&str, &[&str], &str)] = &[
        // Not a trusted peer: its own address, whatever it says.
        ("203.0.113.7:1", &["10.0.0.1"], "203.0.113.7"),
        // Trusted: the right-most untrusted entry.
        ("10.0.0.2:1", &["198.51.100.1, 203.0.113.9"], "203.0.113.9"),
        (
            "10.0.0.2:1",
            &["198.51.100.1", "203.0.113.9, 10.0.0.3"],
            "203.0.113.9",
        ),
        // Ports and brackets as some proxies write them.
        ("10.0.0.2:1", &["203.0.113.9:4711"], "203.0.113.9"),
        ("10.0.0.2:1", &["[2001:db8::1]:443"], "2001:db8::1"),
        ("10.0.0.2:1", &["[2001:db8::1]"], "2001:db8::1"),
        ("10.0.0.2:1", &["2001:db8::1"], "2001:db8::1"),
        // An entry that is not an address: the walk stops at the last hop
        // passgate can vouch for instead of taking one further left.
        ("10.0.0.2:1", &["198.51.100.66, unknown"], "10.0.0.2"),
        (
            "10.0.0.2:1",
            &["198.51.100.66, _hidden, 10.0.0.3"],
            "10.0.0.3",
        ),
        ("10.0.0.2:1", &["198.51.100.66, 1.2.3.4.5"], "10.0.0.2"),
        // Empty entries are no entries.
        ("10.0.0.2:1", &["198.51.100.1, , "], "198.51.100.1"),
        ("10.0.0.2:1", &[""], "10.0.0.2"),
        // Only trusted hops: the left-most of them.
        ("10.0.0.2:1", &["10.0.0.9, 10.0.0.3"], "10.0.0.9"),
    ];
    for (peer, values, want) in cases {
        let got = client_ip(&cfg, addr(peer), &xff(values));
        assert_eq!(got.to_string(), *want, "{peer} {values:?}");
    }
}

/// The client a `networks` rule looks at: only one passgate can vouch for.
#[test]
fn the_network_client_is_only_one_passgate_can_vouch_for() {
    let cfg = config("");
    // (peer, X-Forwarded-For values, forward auth, client or "-" for none)
    let cases: &[(&str, &[&str], bool, &str)] = &[
        // An untrusted peer is the client, whatever it writes.
        ("198.51.100.7:1", &["10.1.2.3"], false, "198.51.100.7"),
        // A trusted peer naming no one: itself in proxy mode; in forward
        // auth the caller is the proxy, never the client.
        ("10.0.0.2:1", &[], false, "10.0.0.2"),
        ("10.0.0.2:1", &[], true, "-"),
        ("10.0.0.2:1", &[""], true, "-"),
        // The right-most address that is not a trusted proxy.
        ("10.0.0.2:1", &["203.0.113.9"], true, "203.0.113.9"),
        (
            "10.0.0.2:1",
            &["198.51.100.1", "203.0.113.9, 10.0.0.3"],
            false,
            "203.0.113.9",
        ),
        ("10.0.0.2:1", &["[2001:db8::1]:443"], true, "2001:db8::1"),
        // An entry that is not an address before one: no one.
        ("10.0.0.2:1", &["198.51.100.66, unknown"], false, "-"),
        (
            "10.0.0.2:1",
            &["198.51.100.66, _hidden, 10.0.0.3"],
            true,
            "-",
        ),
        // Trusted hops only: no one (the client may have written any of them).
        ("10.0.0.2:1", &["10.0.0.9, 10.0.0.3"], false, "-"),
        // An entry left of the client is not looked at.
        ("10.0.0.2:1", &["garbage, 203.0.113.9"], true, "203.0.113.9"),
    ];
    for (peer, values, fa, want) in cases {
        let got = network_client(&cfg, addr(peer), &xff(values), *fa)
            .map_or("-".to_string(), |ip| ip.to_string());
        assert_eq!(got, *want, "{peer} {values:?} forward auth {fa}");
    }
}

fn parse(text: &str) -> Config {
    Config::from_toml(text, "t", std::iter::empty(), &std::env::temp_dir())
        .unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn answers_on_an_https_portal_carry_hsts_and_never_on_http() {
    let https = "[server]\npublic_url = \"https://auth.example.com\"\n{extra}\n[webauthn]\nrp_id = \"example.com\"\n";
    let cfg = parse(&https.replace("{extra}", ""));
    assert_eq!(
        cfg.server.hsts.as_ref().map(|v| v.to_str().unwrap()),
        Some("max-age=31536000"),
        "on by default"
    );
    let uri: http::Uri = "/x".parse().unwrap();
    let mut h = HeaderMap::new();
    h.insert(
        header::HOST,
        HeaderValue::from_static("Auth.Example.com:443"),
    );
    assert!(hsts_applies(&cfg, &uri, &h), "the portal's host");
    h.insert(header::HOST, HeaderValue::from_static("app.example.com"));
    assert!(!hsts_applies(&cfg, &uri, &h), "another host");
    // HTTP/2: the authority instead of Host.
    let uri: http::Uri = "https://auth.example.com/x".parse().unwrap();
    assert!(hsts_applies(&cfg, &uri, &HeaderMap::new()));
    let cfg = parse(&https.replace("{extra}", "hsts = \"max-age=60; includeSubDomains\""));
    assert_eq!(
        cfg.server.hsts.as_ref().map(|v| v.to_str().unwrap()),
        Some("max-age=60; includeSubDomains")
    );
    let cfg = parse(&https.replace("{extra}", "hsts = \"\""));
    assert!(cfg.server.hsts.is_none(), "turned off");
    let bad = Config::from_toml(
        &https.replace("{extra}", "hsts = \"includeSubDomains\""),
        "t",
        std::iter::empty(),
        &std::env::temp_dir(),
    );
    assert!(
        bad.is_err_and(|e| e.to_string().contains("server.hsts")),
        "the error names the key"
    );
    // An http portal never sends it, whatever the key says.
    let http = config("hsts = \"max-age=60\"");
    assert!(http.server.hsts.is_none());
    let mut h = HeaderMap::new();
    h.insert(header::HOST, HeaderValue::from_static("localhost:8080"));
    assert!(!hsts_applies(&http, &"/x".parse().unwrap(), &h));
}
