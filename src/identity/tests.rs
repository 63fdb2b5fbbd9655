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
    let ring = KeySet {
        kid: rec.kid.clone(),
        jwks: Bytes::from(
            serde_json::to_vec(&serde_json::json!({"keys": [jwk(key.verifying_key(), &rec.kid)]}))
                .expect("json"),
        ),
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
}
