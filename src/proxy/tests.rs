use super::*;

fn info(trusted: bool) -> ClientInfo {
    ClientInfo {
        peer: HeaderValue::from_static("10.0.0.5"),
        trusted,
        proto: "https",
        host: Some(HeaderValue::from_static("app.example.com")),
    }
}

#[test]
fn hop_by_hop_headers_go_including_those_named_in_connection() {
    let mut h = HeaderMap::new();
    h.insert(
        header::CONNECTION,
        HeaderValue::from_static("keep-alive, x-secret-hop"),
    );
    h.insert("x-secret-hop", HeaderValue::from_static("1"));
    h.insert("keep-alive", HeaderValue::from_static("timeout=5"));
    h.insert(header::TE, HeaderValue::from_static("trailers"));
    h.insert(
        header::TRANSFER_ENCODING,
        HeaderValue::from_static("chunked"),
    );
    h.insert(
        header::PROXY_AUTHORIZATION,
        HeaderValue::from_static("Basic x"),
    );
    h.insert(header::ACCEPT, HeaderValue::from_static("*/*"));
    remove_hop_by_hop(&mut h);
    assert_eq!(h.len(), 1);
    assert!(h.contains_key(header::ACCEPT));

    // Host is never a hop's own, whatever Connection says.
    let mut h = HeaderMap::new();
    h.insert(header::CONNECTION, HeaderValue::from_static("Host, x-a"));
    h.insert(header::HOST, HeaderValue::from_static("app.example.com"));
    h.insert("x-a", HeaderValue::from_static("1"));
    remove_hop_by_hop(&mut h);
    assert_eq!(h.len(), 1);
    assert_eq!(
        h.get(header::HOST).map(|v| v.as_bytes()),
        Some(&b"app.example.com"[..])
    );
}

#[test]
fn own_cookies_are_removed_and_others_kept() {
    let own = ["passgate_session", "__Host-passgate", "passgate_csrf"];
    let mut h = HeaderMap::new();
    h.append(
        header::COOKIE,
        HeaderValue::from_static("a=1; passgate_session=SECRET; b=2"),
    );
    h.append(
        header::COOKIE,
        HeaderValue::from_static("__Host-passgate=SECRET2"),
    );
    h.append(
        header::COOKIE,
        HeaderValue::from_static("passgate_csrf=x;c=3"),
    );
    strip_own_cookies(&mut h, &own);
    let all: Vec<&str> = h
        .get_all(header::COOKIE)
        .iter()
        .map(|v| v.to_str().expect("text"))
        .collect();
    assert_eq!(all, vec!["a=1; b=2; c=3"]);

    let mut h = HeaderMap::new();
    h.insert(
        header::COOKIE,
        HeaderValue::from_static("passgate_session=SECRET"),
    );
    strip_own_cookies(&mut h, &own);
    assert!(!h.contains_key(header::COOKIE));

    let mut h = HeaderMap::new();
    h.insert(
        header::COOKIE,
        HeaderValue::from_static("passgate_sessionx=1; xpassgate_session=2"),
    );
    strip_own_cookies(&mut h, &own);
    assert_eq!(
        h.get(header::COOKIE).expect("kept"),
        "passgate_sessionx=1; xpassgate_session=2"
    );
}

#[test]
fn one_cookie_header_is_kept_whole_trimmed_or_removed() {
    let own = ["passgate_session", "__Host-passgate", "passgate_csrf"];
    // Proxy mode strips the request's header; forward auth answers with
    // the value to send instead (`cookies_without_own`): the same value.
    let strip = |v: HeaderValue| {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, v);
        let answered: Vec<HeaderValue> = cookies_without_own(&h, &own).into_iter().collect();
        strip_own_cookies(&mut h, &own);
        let all: Vec<HeaderValue> = h.get_all(header::COOKIE).iter().cloned().collect();
        assert_eq!(answered, all, "forward auth and proxy agree");
        all
    };
    // None of ours: the header is passed on byte for byte.
    assert_eq!(
        strip(HeaderValue::from_static(" a=1 ;b=2;")),
        vec![HeaderValue::from_static(" a=1 ;b=2;")]
    );
    // Ours among others, in any position.
    assert_eq!(
        strip(HeaderValue::from_static("passgate_session=S; a=1; ;b=2")),
        vec![HeaderValue::from_static("a=1; b=2")]
    );
    assert_eq!(
        strip(HeaderValue::from_static("a=1;passgate_csrf=x")),
        vec![HeaderValue::from_static("a=1")]
    );
    // Only ours, with empty pairs around: nothing is left to send.
    assert!(
        strip(HeaderValue::from_static(
            " passgate_session=S; ; __Host-passgate=T;"
        ))
        .is_empty()
    );
    // Not text: it cannot be parsed safely, so it goes.
    assert!(
        strip(HeaderValue::from_bytes(b"a=\xff; passgate_session=S").expect("obs-text")).is_empty()
    );
    assert!(strip(HeaderValue::from_bytes(b"a=\xff").expect("obs-text")).is_empty());
}

#[test]
fn forwarding_headers_from_untrusted_peers_are_replaced() {
    let mut h = HeaderMap::new();
    h.insert("x-forwarded-for", HeaderValue::from_static("1.2.3.4"));
    h.insert("x-forwarded-proto", HeaderValue::from_static("http"));
    h.insert("x-forwarded-host", HeaderValue::from_static("evil.com"));
    h.insert("forwarded", HeaderValue::from_static("for=1.2.3.4"));
    h.insert("x-real-ip", HeaderValue::from_static("1.2.3.4"));
    set_forwarding_headers(&mut h, &info(false));
    assert_eq!(h["x-forwarded-for"], "10.0.0.5");
    assert_eq!(h["x-forwarded-proto"], "https");
    assert_eq!(h["x-forwarded-host"], "app.example.com");
    assert_eq!(h["x-real-ip"], "10.0.0.5");
    assert!(!h.contains_key("forwarded"));
}

#[test]
fn forwarding_headers_from_trusted_peers_are_extended() {
    let mut h = HeaderMap::new();
    h.insert("x-forwarded-for", HeaderValue::from_static("1.2.3.4"));
    h.insert("x-forwarded-proto", HeaderValue::from_static("http"));
    set_forwarding_headers(&mut h, &info(true));
    assert_eq!(h["x-forwarded-for"], "1.2.3.4, 10.0.0.5");
    assert_eq!(h["x-forwarded-proto"], "http");
    assert_eq!(h["x-forwarded-host"], "app.example.com");
}

#[test]
fn upgrade_detection() {
    let mut h = HeaderMap::new();
    h.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
    assert!(!wants_upgrade(&h));
    h.insert(
        header::CONNECTION,
        HeaderValue::from_static("keep-alive, Upgrade"),
    );
    assert!(wants_upgrade(&h));
}

#[test]
fn the_hop_by_hop_predicate_is_the_list() {
    for n in &HOP_BY_HOP {
        assert!(is_hop_by_hop(n), "{n}");
    }
    // Every other name the http crate knows, and some near misses.
    let others = [
        header::ACCEPT,
        header::ACCEPT_ENCODING,
        header::AGE,
        header::ALLOW,
        header::AUTHORIZATION,
        header::CACHE_CONTROL,
        header::CONTENT_ENCODING,
        header::CONTENT_LENGTH,
        header::CONTENT_TYPE,
        header::COOKIE,
        header::DATE,
        header::ETAG,
        header::EXPECT,
        header::FORWARDED,
        header::HOST,
        header::LOCATION,
        header::ORIGIN,
        header::RANGE,
        header::REFERER,
        header::SERVER,
        header::SET_COOKIE,
        header::USER_AGENT,
        header::VARY,
        header::VIA,
        header::WWW_AUTHENTICATE,
        header::SEC_WEBSOCKET_KEY,
        header::STRICT_TRANSPORT_SECURITY,
        HeaderName::from_static("keep-alives"),
        HeaderName::from_static("x-connection"),
        HeaderName::from_static("proxy-connections"),
        HeaderName::from_static("tee"),
    ];
    for n in &others {
        assert!(!is_hop_by_hop(n), "{n}");
        assert!(!HOP_BY_HOP.contains(n), "{n}");
    }
}
