use super::*;

#[test]
fn own_cookies_are_removed_and_others_kept() {
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
    strip_own(&mut h);
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
    strip_own(&mut h);
    assert!(!h.contains_key(header::COOKIE));

    let mut h = HeaderMap::new();
    h.insert(
        header::COOKIE,
        HeaderValue::from_static("passgate_sessionx=1; xpassgate_session=2"),
    );
    strip_own(&mut h);
    assert_eq!(
        h.get(header::COOKIE).expect("kept"),
        "passgate_sessionx=1; xpassgate_session=2"
    );
}

#[test]
fn one_cookie_header_is_kept_whole_trimmed_or_removed() {
    // Proxy mode strips the request's header; forward auth answers with
    // the value to send instead (`cookies_without_own`): the same value.
    let strip = |v: HeaderValue| {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, v);
        let answered: Vec<HeaderValue> = without_own(&h).into_iter().collect();
        strip_own(&mut h);
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
fn cookie_values_are_found_trimmed_and_unquoted_in_any_cookie_header() {
    let cases: &[(&[&str], &str, Option<&str>)] = &[
        (
            &["a=1; passgate_session=tok"],
            "passgate_session",
            Some("tok"),
        ),
        (
            &["passgate_session=tok;a=1"],
            "passgate_session",
            Some("tok"),
        ),
        (
            &[" \tpassgate_session \t=  tok\t "],
            "passgate_session",
            Some("tok"),
        ),
        (
            &["passgate_session=\"tok\""],
            "passgate_session",
            Some("tok"),
        ),
        (&["passgate_session="], "passgate_session", Some("")),
        (&["passgate_session=a=b"], "passgate_session", Some("a=b")),
        (&["passgate_session"], "passgate_session", None),
        (
            &["xpassgate_session=tok; passgate_sessionx=tok"],
            "passgate_session",
            None,
        ),
        (&["Passgate_Session=tok"], "passgate_session", None),
        (
            &["a=1", "b=2; passgate_session=second"],
            "passgate_session",
            Some("second"),
        ),
        (
            &["passgate_session=first", "passgate_session=second"],
            "passgate_session",
            Some("first"),
        ),
        (
            &[";;; ; passgate_session=tok;;"],
            "passgate_session",
            Some("tok"),
        ),
        (&[], "passgate_session", None),
    ];
    for (values, name, want) in cases {
        let mut h = HeaderMap::new();
        for v in *values {
            h.append(header::COOKIE, http::HeaderValue::from_static(v));
        }
        assert_eq!(value(&h, name), *want, "{values:?}");
    }
    // A value that is not text is skipped, not misread.
    let mut h = HeaderMap::new();
    h.append(
        header::COOKIE,
        http::HeaderValue::from_bytes(b"passgate_session=\xfftok")
            .unwrap_or_else(|e| panic!("{e}")),
    );
    h.append(
        header::COOKIE,
        http::HeaderValue::from_static("passgate_session=ok"),
    );
    assert_eq!(value(&h, "passgate_session"), Some("ok"));
}

/// Every cookie passgate sets on an https portal is stripped as well as on
/// an http one (once only the http names were, so the CSRF and email
/// binding cookies of an https portal reached upstreams).
#[test]
fn cookies_of_https_portals_are_stripped_too() {
    for name in OWN {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::try_from(format!("app=1; {name}=SECRET; other=2")).unwrap(),
        );
        strip_own(&mut h);
        assert_eq!(h[header::COOKIE], "app=1; other=2", "{name}");
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::try_from(format!("{name}=SECRET")).unwrap(),
        );
        assert_eq!(without_own(&h), None, "{name}");
    }
    for name in [
        "__Host-passgate-csrf",
        "__Host-passgate-email",
        "__Host-passgate",
    ] {
        assert!(is_own(name), "{name}");
    }
}

/// An upstream's `Set-Cookie` for one of passgate's names (which would let
/// a hostile app fix a victim's session) is recognised however it is
/// written; other cookies, and values that only mention our names, are not.
#[test]
fn set_cookies_for_passgates_names_are_recognised() {
    for v in [
        "passgate_session=attacker; Path=/",
        "__Host-passgate=x; Secure; Path=/",
        "__host-passgate=x; Secure; Path=/",
        "PASSGATE_SESSION=x",
        " passgate_csrf =x",
        "\tpassgate_email\t=x;Domain=example.com",
        "__Host-passgate-csrf=",
        "__Host-passgate-email=e; HttpOnly",
        // Nameless: browsers send the value back as "passgate_session=X"
        // (found by an adversarial review).
        "=passgate_session=ATTACKER; Path=/",
        " = passgate_csrf=x",
        "==passgate_session=x",
    ] {
        assert!(sets_own(v.as_bytes()), "{v:?}");
    }
    for v in [
        "app=passgate_session",
        "passgate_sessionx=1",
        "xpassgate_session=1",
        "passgate_session",
        "a=1; passgate_session=x",
        "\"passgate_session\"=x",
        "",
        "=passgate_session",
        "=app=1",
    ] {
        assert!(!sets_own(v.as_bytes()), "{v:?}");
    }
}
