use super::*;

#[test]
fn headers_follow_the_style_and_are_empty_when_unknown() {
    let mut h = HeaderMap::new();
    set_identity_headers(&mut h, HeaderStyle::Both, None);
    assert_eq!(h.len(), 7);
    assert!(h.values().all(|v| v.is_empty()));
    let mut h = HeaderMap::new();
    set_identity_headers(&mut h, HeaderStyle::Remote, None);
    assert_eq!(h.len(), 4);
    assert!(!h.contains_key("x-auth-request-user"));
}

#[test]
fn sign_and_verify_round_trip_and_tampering_fails() {
    let rec = new_key_record(0).expect("key");
    let key = SigningKey::from_pkcs8_pem(&rec.private_pem).expect("pem");
    let rsa = rs256::RsaSigner::from_pem(&rs256::generate_pem().expect("rsa")).expect("rsa");
    let ring = KeySet {
        kid: rec.kid.clone(),
        jwks: Bytes::from(
            serde_json::to_vec(&serde_json::json!({"keys": [jwk(key.verifying_key(), &rec.kid)]}))
                .expect("json"),
        ),
        es256: vec![(rec.kid.clone(), *key.verifying_key())],
        rs256: vec![rsa.jwk()],
        rsa,
        key,
    };
    let claims = Claims {
        iss: "https://auth.example.com".into(),
        aud: "https://app.example.com".into(),
        sub: "u1".into(),
        email: "a@example.com".into(),
        name: "Ä".into(),
        preferred_username: "a".into(),
        groups: vec!["dev".into()],
        amr: vec!["webauthn".into()],
        auth_time: 90,
        sid: "s1".into(),
        iat: 100,
        exp: 400,
    };
    let jwt = ring.sign(&claims);
    assert_eq!(verify(&jwt, &ring.jwks, 200).expect("verifies"), claims);
    assert_eq!(verify(&jwt, &ring.jwks, 400).unwrap_err(), "expired");
    let mut parts: Vec<String> = jwt.split('.').map(str::to_string).collect();
    parts[1] = URL_SAFE_NO_PAD.encode(br#"{"sub":"admin"}"#);
    assert!(verify(&parts.join("."), &ring.jwks, 200).is_err());
    let other = new_key_record(0).expect("key");
    let other_key = SigningKey::from_pkcs8_pem(&other.private_pem).expect("pem");
    let wrong = serde_json::to_vec(
        &serde_json::json!({"keys": [jwk(other_key.verifying_key(), &rec.kid)]}),
    )
    .expect("json");
    assert_eq!(verify(&jwt, &wrong, 200).unwrap_err(), "bad signature");

    // Either algorithm verifies with the key set (OIDC tokens and hints);
    // a changed payload, an unknown key or another algorithm does not.
    let at = ring.sign_typed("at+jwt", &serde_json::json!({"sub": "u1"}));
    let (h, c) = ring.verify_any(&at).expect("es256");
    assert_eq!(
        (h["typ"].as_str(), c["sub"].as_str()),
        (Some("at+jwt"), Some("u1"))
    );
    // The high-S twin of the signature verifies mathematically; refused,
    // so a token has one spelling.
    let parts: Vec<&str> = at.split('.').collect();
    let sig = Signature::from_slice(&URL_SAFE_NO_PAD.decode(parts[2]).expect("b64")).expect("sig");
    assert!(sig.normalize_s().is_none(), "passgate signs low-S");
    let s_high = -*sig.s().as_ref();
    let high = Signature::from_scalars(sig.r().to_bytes(), s_high.to_bytes()).expect("twin");
    let twin = format!(
        "{}.{}.{}",
        parts[0],
        parts[1],
        URL_SAFE_NO_PAD.encode(high.to_bytes())
    );
    assert_eq!(ring.verify_any(&twin).unwrap_err(), "bad signature");
    let id = ring
        .sign_rs256(&serde_json::json!({"sub": "u2"}))
        .expect("rs256");
    assert_eq!(ring.verify_any(&id).expect("rs256").1["sub"], "u2");
    for token in [&at, &id] {
        let mut parts: Vec<String> = token.split('.').map(str::to_string).collect();
        parts[1] = URL_SAFE_NO_PAD.encode(br#"{"sub":"admin"}"#);
        assert!(ring.verify_any(&parts.join(".")).is_err());
    }
    let none = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(format!(r#"{{"alg":"none","kid":"{}"}}"#, rec.kid)),
        URL_SAFE_NO_PAD.encode(br#"{"sub":"admin"}"#)
    );
    assert_eq!(ring.verify_any(&none).unwrap_err(), "unexpected alg");
    let hs = format!(
        "{}.{}.AAAA",
        URL_SAFE_NO_PAD.encode(format!(r#"{{"alg":"HS256","kid":"{}"}}"#, rec.kid)),
        URL_SAFE_NO_PAD.encode(br#"{"sub":"admin"}"#)
    );
    assert!(ring.verify_any(&hs).is_err());
    let other_signed = KeySet {
        kid: other.kid.clone(),
        key: other_key,
        es256: Vec::new(),
        rs256: Vec::new(),
        rsa: rs256::RsaSigner::from_pem(&rs256::generate_pem().expect("rsa")).expect("rsa"),
        jwks: Bytes::new(),
    }
    .sign_typed("at+jwt", &serde_json::json!({"sub": "admin"}));
    assert_eq!(ring.verify_any(&other_signed).unwrap_err(), "unknown key");
}
