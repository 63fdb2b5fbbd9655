//! A software passkey authenticator for tests: makes real, signed WebAuthn
//! registration and assertion responses (ES256, discoverable) — and, unlike
//! a browser, lets a test get them wrong on purpose (other origin, other
//! rpId, stale challenge, no user verification, a counter that goes back).

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{DerSignature, SigningKey};
use serde_cbor_2::Value;
use serde_json::{Value as Json, json};
use sha2::{Digest, Sha256};

/// One credential held by the authenticator.
#[derive(Clone)]
pub struct SoftCredential {
    pub id: Vec<u8>,
    pub user_handle: Vec<u8>,
    pub key: SigningKey,
    pub counter: u32,
}

/// What to do to a response.
#[derive(Clone, Default)]
pub struct Tamper {
    pub origin: Option<String>,
    pub rp_id: Option<String>,
    pub challenge: Option<String>,
    pub no_uv: bool,
    pub counter: Option<u32>,
    /// Say the response was made in a frame of another origin.
    pub cross_origin: bool,
}

pub const UP: u8 = 0x01;
pub const UV: u8 = 0x04;
pub const BE: u8 = 0x08;
pub const BS: u8 = 0x10;
pub const AT: u8 = 0x40;

fn client_data(kind: &str, challenge: &str, origin: &str, cross_origin: bool) -> Vec<u8> {
    let mut cd = json!({ "type": kind, "challenge": challenge, "origin": origin, "crossOrigin": cross_origin });
    if cross_origin {
        cd["topOrigin"] = json!("https://embedding.example");
    }
    serde_json::to_vec(&cd).expect("json")
}

fn cose_key(key: &SigningKey) -> Vec<u8> {
    let point = key.verifying_key().to_encoded_point(false);
    let mut m = BTreeMap::new();
    m.insert(Value::Integer(1), Value::Integer(2));
    m.insert(Value::Integer(3), Value::Integer(-7));
    m.insert(Value::Integer(-1), Value::Integer(1));
    m.insert(
        Value::Integer(-2),
        Value::Bytes(point.x().expect("x").to_vec()),
    );
    m.insert(
        Value::Integer(-3),
        Value::Bytes(point.y().expect("y").to_vec()),
    );
    serde_cbor_2::to_vec(&Value::Map(m)).expect("cbor")
}

/// Answer `navigator.credentials.create()` for `options` (the JSON the
/// server sent, `{ publicKey: … }`).
pub fn register(options: &Json, origin: &str, t: &Tamper) -> (SoftCredential, Json) {
    let pk = &options["publicKey"];
    let challenge = t
        .challenge
        .clone()
        .unwrap_or_else(|| pk["challenge"].as_str().expect("challenge").to_string());
    let rp_id = t
        .rp_id
        .clone()
        .unwrap_or_else(|| pk["rp"]["id"].as_str().expect("rp id").to_string());
    let user_handle = B64
        .decode(pk["user"]["id"].as_str().expect("user id"))
        .expect("b64");
    let key = SigningKey::random(&mut rand::rngs::OsRng);
    let mut id = vec![0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut id);
    let flags = UP | AT | BE | if t.no_uv { 0 } else { UV };
    let mut auth = Sha256::digest(rp_id.as_bytes()).to_vec();
    auth.push(flags);
    auth.extend_from_slice(&0u32.to_be_bytes());
    auth.extend_from_slice(&[0u8; 16]);
    auth.extend_from_slice(&(id.len() as u16).to_be_bytes());
    auth.extend_from_slice(&id);
    auth.extend_from_slice(&cose_key(&key));
    let mut att = BTreeMap::new();
    att.insert(Value::Text("fmt".into()), Value::Text("none".into()));
    att.insert(Value::Text("attStmt".into()), Value::Map(BTreeMap::new()));
    att.insert(Value::Text("authData".into()), Value::Bytes(auth));
    let att = serde_cbor_2::to_vec(&Value::Map(att)).expect("cbor");
    let cd = client_data(
        "webauthn.create",
        &challenge,
        t.origin.as_deref().unwrap_or(origin),
        t.cross_origin,
    );
    let response = json!({
        "id": B64.encode(&id),
        "rawId": B64.encode(&id),
        "type": "public-key",
        "extensions": { "credProps": { "rk": true } },
        "response": { "attestationObject": B64.encode(&att), "clientDataJSON": B64.encode(&cd), "transports": ["internal"] },
    });
    (
        SoftCredential {
            id,
            user_handle,
            key,
            counter: 0,
        },
        response,
    )
}

/// Answer `navigator.credentials.get()` with `cred`.
pub fn assert(cred: &mut SoftCredential, options: &Json, origin: &str, t: &Tamper) -> Json {
    let pk = &options["publicKey"];
    let challenge = t
        .challenge
        .clone()
        .unwrap_or_else(|| pk["challenge"].as_str().expect("challenge").to_string());
    let rp_id = t
        .rp_id
        .clone()
        .unwrap_or_else(|| pk["rpId"].as_str().expect("rpId").to_string());
    cred.counter += 1;
    let counter = t.counter.unwrap_or(cred.counter);
    let flags = UP | BE | BS | if t.no_uv { 0 } else { UV };
    let mut auth = Sha256::digest(rp_id.as_bytes()).to_vec();
    auth.push(flags);
    auth.extend_from_slice(&counter.to_be_bytes());
    let cd = client_data(
        "webauthn.get",
        &challenge,
        t.origin.as_deref().unwrap_or(origin),
        t.cross_origin,
    );
    let mut signed = auth.clone();
    signed.extend_from_slice(&Sha256::digest(&cd));
    let sig: DerSignature = cred.key.sign(&signed);
    json!({
        "id": B64.encode(&cred.id),
        "rawId": B64.encode(&cred.id),
        "type": "public-key",
        "extensions": {},
        "response": {
            "authenticatorData": B64.encode(&auth),
            "clientDataJSON": B64.encode(&cd),
            "signature": B64.encode(sig.as_bytes()),
            "userHandle": B64.encode(&cred.user_handle),
        },
    })
}
