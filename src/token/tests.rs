use super::*;

fn headers(fields: &[(&str, &str)]) -> HeaderMap {
    let mut h = HeaderMap::new();
    for (n, v) in fields {
        h.append(
            HeaderName::from_bytes(n.as_bytes()).unwrap(),
            http::HeaderValue::from_str(v).unwrap(),
        );
    }
    h
}

#[test]
fn a_new_token_has_the_prefix_and_hashes_to_what_is_stored() {
    let (t, h) = new_token();
    assert!(t.starts_with("pgt_") && t.len() == 47, "{t}");
    assert_eq!(hash(&t), Some(h));
    let (other, _) = new_token();
    assert_ne!(t, other);
    // Without the prefix, or with one character changed, it is no token.
    assert_eq!(hash(&t[4..]), None);
    assert_eq!(hash(&format!("PGT_{}", &t[4..])), None);
    assert_eq!(hash(&format!("{}!", &t[..46])), None);
}

#[test]
fn where_a_request_presents_a_token() {
    let (t, _) = new_token();
    let bearer = format!("Bearer {t}");
    let lower = format!("bearer   {t} ");
    let cases: Vec<(Vec<(&str, &str)>, Presented)> = vec![
        (vec![], Presented::Nothing),
        // An app's own credentials are not passgate's.
        (
            vec![("authorization", "Bearer eyJhbGciOi.x.y")],
            Presented::Nothing,
        ),
        (vec![("authorization", "Basic YTpi")], Presented::Nothing),
        (
            vec![
                ("authorization", "Bearer eyJ"),
                ("authorization", "Basic YTpi"),
            ],
            Presented::Nothing,
        ),
        (
            vec![("authorization", &bearer)],
            Presented::Token {
                value: &t,
                field: Field::Authorization,
            },
        ),
        (
            vec![("authorization", &lower)],
            Presented::Token {
                value: &t,
                field: Field::Authorization,
            },
        ),
        (
            vec![("x-passgate-token", &t)],
            Presented::Token {
                value: &t,
                field: Field::Header,
            },
        ),
        // The header leaves the app's own Authorization alone.
        (
            vec![("x-passgate-token", &t), ("authorization", "Bearer eyJ")],
            Presented::Token {
                value: &t,
                field: Field::Header,
            },
        ),
        (
            vec![("x-passgate-token", &t), ("authorization", &bearer)],
            Presented::Malformed("a token is sent both in Authorization and in X-Passgate-Token"),
        ),
        (
            vec![("authorization", &bearer), ("authorization", "Basic YTpi")],
            Presented::Malformed("Authorization is sent more than once"),
        ),
        (
            vec![("x-passgate-token", &t), ("x-passgate-token", &t)],
            Presented::Malformed("X-Passgate-Token is sent more than once"),
        ),
        (
            vec![("x-passgate-token", "secret")],
            Presented::Malformed("X-Passgate-Token does not hold a passgate token"),
        ),
    ];
    let other_form = Presented::Malformed(
        "Authorization holds a passgate token in a form passgate does not take (send Authorization: Bearer pgt_…)",
    );
    let mut cases = cases;
    // Any other form of a token in Authorization is refused, never passed on.
    let basic = {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(format!("x-access-token:{t}"))
    };
    let forms = [
        format!("Bearer PGT_{}", &t[4..]),
        format!("Bearer\t{t}"),
        format!("Bearer{t}"),
        format!("Token {t}"),
        t.clone(),
        format!("Basic x, Bearer {t}"),
        format!("Bearer x,{t}"),
        format!("Basic {basic}"),
    ];
    for f in &forms {
        cases.push((vec![("authorization", f.as_str())], other_form.clone()));
    }
    // `pgt_` inside an app's own JWT, or too short to be one, is not a
    // token: the app's own credentials pass.
    let jwt_part = format!("Bearer eyJhbGciOi.pgt_{}xyz.sig", &t[4..]);
    for own in [
        "Bearer eyJhbGciOi.eyJzdWIiOiJ4pgt_abc.sig",
        jwt_part.as_str(),
        "Bearer pgt_short",
        "Basic YTpi",
    ] {
        cases.push((vec![("authorization", own)], Presented::Nothing));
    }
    for (fields, want) in cases {
        let h = headers(&fields);
        assert_eq!(presented(&h), want, "{fields:?}");
    }
}

#[test]
fn a_token_in_the_url_is_seen_in_any_case_and_encoding() {
    let (t, _) = new_token();
    let rest = &t[4..];
    let mut five = format!("%70gt_{rest}");
    for _ in 0..4 {
        five = five.replace('%', "%25");
    }
    for part in [
        format!("?token={t}"),
        format!("?x=1&t=PGT_{rest}"),
        format!("?t=pgt%5F{rest}"),
        format!("?t=%70gt_{rest}"),
        format!("?t=pg%74%5f{rest}"),
        format!("?t={five}"),
        format!("?{t}"),
        format!("/pub/{t}"),
        format!("/pub/%70gt_{rest}"),
        format!("/pub/x;t={t}"),
    ] {
        assert!(in_url(&part), "{part}");
    }
    for part in [
        "",
        "?",
        "?page=2",
        "?pgt=1",
        "?table=pgt_users",
        "/pgt_reports/2026",
        "?jwt=eyJ4pgt_x",
    ] {
        assert!(!in_url(part), "{part}");
    }
    // Encoded past any decoding an app would do: refused as hiding one;
    // a few layers of an app's own encoding are not.
    assert!(in_url(&format!("?a=%{}41", "25".repeat(12))));
    assert!(!in_url(&format!("?a=%{}41", "25".repeat(3))));
}

#[test]
fn failures_are_counted_per_ipv4_address_and_per_ipv6_64() {
    let scope = |s: &str| failure_scope(s.parse().unwrap()).to_string();
    assert_eq!(scope("192.0.2.7"), "192.0.2.7");
    assert_eq!(scope("::ffff:192.0.2.7"), "192.0.2.7");
    assert_eq!(scope("2001:db8:1:2:aaaa:bbbb:cccc:dddd"), "2001:db8:1:2::");
    assert_eq!(scope("2001:db8:1:2::1"), scope("2001:db8:1:2:ffff::9"));
    assert_ne!(scope("2001:db8:1:2::1"), scope("2001:db8:1:3::1"));
}
