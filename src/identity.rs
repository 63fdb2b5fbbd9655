//! Identity handed to upstreams: the `Remote-*` / `X-Auth-Request-*` headers
//! and the signed assertion (an ES256 JWT), plus the signing keys behind it.
//!
//! Keys live in the durable store so every replica signs with the same key
//! and publishes the same JWKS. The first start creates one; `passgate keys
//! rotate` adds a new current key and keeps the previous ones published for
//! a day, so assertions signed just before a rotation still verify.
//! Assertions are cached per session and audience and re-signed only when a
//! quarter of their lifetime is left, so the hot path rarely signs.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use arc_swap::ArcSwap;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue};
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey, VerifyingKey};
use p256::pkcs8::{DecodePrivateKey, EncodePrivateKey, LineEnding};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::clock::SharedClock;
use crate::config::HeaderStyle;
use crate::session::{ActiveSession, Principal};
use crate::store::{SharedStore, SigningKeyRecord, StoreError, StoreResult};

/// How long a retired key stays in the JWKS.
const RETIRED_KEY_PUBLISHED: i64 = 86_400;

static REMOTE_USER: HeaderName = HeaderName::from_static("remote-user");
static REMOTE_EMAIL: HeaderName = HeaderName::from_static("remote-email");
static REMOTE_NAME: HeaderName = HeaderName::from_static("remote-name");
static REMOTE_GROUPS: HeaderName = HeaderName::from_static("remote-groups");
static XAR_USER: HeaderName = HeaderName::from_static("x-auth-request-user");
static XAR_EMAIL: HeaderName = HeaderName::from_static("x-auth-request-email");
static XAR_GROUPS: HeaderName = HeaderName::from_static("x-auth-request-groups");

/// Is `name` one of the identity fields passgate sends in `style`?
pub fn answers_with(style: HeaderStyle, name: &HeaderName) -> bool {
    let remote = [&REMOTE_USER, &REMOTE_EMAIL, &REMOTE_NAME, &REMOTE_GROUPS];
    let xar = [&XAR_USER, &XAR_EMAIL, &XAR_GROUPS];
    (matches!(style, HeaderStyle::Remote | HeaderStyle::Both) && remote.contains(&name))
        || (matches!(style, HeaderStyle::AuthRequest | HeaderStyle::Both) && xar.contains(&name))
}

/// Set the configured identity headers (empty values when nobody is signed in).
pub fn set_identity_headers(headers: &mut HeaderMap, style: HeaderStyle, who: Option<&Principal>) {
    each_identity_field(style, who, |name, value| {
        headers.insert(name.clone(), value.clone());
    });
}

/// The identity fields `style` names, for `who` (empty values for nobody),
/// one call each: what [`set_identity_headers`] sets, for writers that
/// put them straight into bytes.
pub fn each_identity_field(
    style: HeaderStyle,
    who: Option<&Principal>,
    mut field: impl FnMut(&HeaderName, &HeaderValue),
) {
    static EMPTY: HeaderValue = HeaderValue::from_static("");
    let [user, email, name, groups] = match who {
        Some(p) => {
            let [u, e, n, g] = &p.header_values;
            [u, e, n, g]
        }
        None => [&EMPTY; 4],
    };
    if matches!(style, HeaderStyle::AuthRequest | HeaderStyle::Both) {
        field(&XAR_USER, user);
        field(&XAR_EMAIL, email);
        field(&XAR_GROUPS, groups);
    }
    if matches!(style, HeaderStyle::Remote | HeaderStyle::Both) {
        field(&REMOTE_USER, user);
        field(&REMOTE_EMAIL, email);
        field(&REMOTE_NAME, name);
        field(&REMOTE_GROUPS, groups);
    }
}

/// Claims of the identity assertion.
#[derive(Debug, Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct Claims {
    pub iss: String,
    pub aud: String,
    pub sub: String,
    pub email: String,
    pub name: String,
    pub preferred_username: String,
    pub groups: Vec<String>,
    pub amr: Vec<String>,
    /// When the session's person last proved who they are (seconds since
    /// the epoch; `max_age` rules compare against it).
    pub auth_time: i64,
    pub sid: String,
    pub iat: i64,
    pub exp: i64,
}

/// The signing keys in use and the published key set.
pub struct KeySet {
    kid: String,
    key: SigningKey,
    /// Every published ES256 key, the current one included.
    es256: Vec<(String, VerifyingKey)>,
    /// The RS256 key that signs OIDC ID tokens, and every published one
    /// as a JWK.
    rsa: rs256::RsaSigner,
    rs256: Vec<serde_json::Value>,
    jwks: Bytes,
}

impl KeySet {
    /// Sign `claims` as a compact JWS (ES256).
    pub fn sign(&self, claims: &Claims) -> String {
        self.sign_typed("JWT", claims)
    }

    /// Sign any claims as an ES256 compact JWS with this `typ`
    /// (`at+jwt` for OIDC access tokens).
    pub fn sign_typed(&self, typ: &str, claims: &impl Serialize) -> String {
        let header = serde_json::json!({ "alg": "ES256", "typ": typ, "kid": self.kid });
        let mut out = URL_SAFE_NO_PAD.encode(header.to_string());
        out.push('.');
        out.push_str(&URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).unwrap_or_default()));
        let sig: Signature = self.key.sign(out.as_bytes());
        // Low-S only, so a token has one spelling (verify_any refuses the
        // other).
        let sig = sig.normalize_s().unwrap_or(sig);
        out.push('.');
        out.push_str(&URL_SAFE_NO_PAD.encode(sig.to_bytes()));
        out
    }

    /// Sign any claims as an RS256 compact JWS (`typ` JWT).
    pub fn sign_rs256(&self, claims: &impl Serialize) -> Result<String, String> {
        self.rsa.sign(claims)
    }

    /// Check a compact JWS signed by one of the published keys (either
    /// algorithm); returns its header and claims. Expiry and the claims'
    /// meaning are the caller's.
    pub fn verify_any(
        &self,
        token: &str,
    ) -> Result<(serde_json::Value, serde_json::Value), String> {
        use p256::ecdsa::signature::Verifier;
        let Jws { h, c, s, header } = Jws::split(token)?;
        let kid = header["kid"].as_str().ok_or("no kid")?;
        match header["alg"].as_str() {
            Some("ES256") => {
                let (_, vk) = self
                    .es256
                    .iter()
                    .find(|(k, _)| k == kid)
                    .ok_or("unknown key")?;
                let sig =
                    Signature::from_slice(&URL_SAFE_NO_PAD.decode(s).map_err(|_| "bad signature")?)
                        .map_err(|_| "bad signature")?;
                // The high-S twin of a valid signature verifies too; only
                // the form passgate signs is taken.
                if sig.normalize_s().is_some() {
                    return Err("bad signature".into());
                }
                vk.verify(&token.as_bytes()[..h.len() + 1 + c.len()], &sig)
                    .map_err(|_| "bad signature")?;
                let claims =
                    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(c).map_err(|_| "bad claims")?)
                        .map_err(|_| "bad claims")?;
                Ok((header, claims))
            }
            Some("RS256") => {
                let jwk = self
                    .rs256
                    .iter()
                    .find(|j| j["kid"] == kid)
                    .ok_or("unknown key")?;
                let claims = rs256::verify(token, jwk)?;
                Ok((header, claims))
            }
            _ => Err("unexpected alg".into()),
        }
    }
}

/// A compact JWS taken apart: its three parts (base64url) and the header.
struct Jws<'t> {
    h: &'t str,
    c: &'t str,
    s: &'t str,
    header: serde_json::Value,
}

impl<'t> Jws<'t> {
    fn split(token: &'t str) -> Result<Self, String> {
        let mut parts = token.split('.');
        let (Some(h), Some(c), Some(s), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err("not a compact JWS".into());
        };
        let header = URL_SAFE_NO_PAD
            .decode(h)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .ok_or("bad header")?;
        Ok(Jws { h, c, s, header })
    }
}

/// The signing keys, reloaded from the store when they change.
pub struct KeyRing {
    store: SharedStore,
    clock: SharedClock,
    keys: ArcSwap<KeySet>,
}

fn kid_for(key: &VerifyingKey) -> String {
    let point = key.to_encoded_point(false);
    let digest = Sha256::digest(point.as_bytes());
    URL_SAFE_NO_PAD.encode(&digest[..16])
}

/// A new random ES256 key as a store record.
pub fn new_key_record(now: i64) -> StoreResult<SigningKeyRecord> {
    let key = SigningKey::random(&mut rand::rngs::OsRng);
    let pem = key
        .to_pkcs8_pem(LineEnding::LF)
        .map_err(|e| StoreError::Corrupt(format!("cannot encode a new signing key: {e}")))?;
    Ok(SigningKeyRecord {
        kid: kid_for(key.verifying_key()),
        algorithm: ES256.into(),
        private_pem: pem.to_string(),
        created_at: now,
        retired_at: None,
    })
}

/// A new random RS256 key as a store record (made on a blocking thread:
/// it takes a good part of a second).
pub async fn new_rsa_key_record(now: i64) -> StoreResult<SigningKeyRecord> {
    let pem = tokio::task::spawn_blocking(rs256::generate_pem)
        .await
        .map_err(|e| StoreError::Corrupt(format!("cannot make an RSA key: {e}")))?
        .map_err(StoreError::Corrupt)?;
    let signer = rs256::RsaSigner::from_pem(&pem).map_err(StoreError::Corrupt)?;
    Ok(SigningKeyRecord {
        kid: signer.kid().to_string(),
        algorithm: RS256.into(),
        private_pem: pem,
        created_at: now,
        retired_at: None,
    })
}

const ES256: &str = "ES256";
const RS256: &str = "RS256";

fn jwk(key: &VerifyingKey, kid: &str) -> serde_json::Value {
    let point = key.to_encoded_point(false);
    let x = point
        .x()
        .map(|x| URL_SAFE_NO_PAD.encode(x))
        .unwrap_or_default();
    let y = point
        .y()
        .map(|y| URL_SAFE_NO_PAD.encode(y))
        .unwrap_or_default();
    serde_json::json!({ "kty": "EC", "crv": "P-256", "alg": "ES256", "use": "sig", "kid": kid, "x": x, "y": y })
}

impl KeyRing {
    /// Load the keys, creating the first one if the store has none.
    pub async fn load(store: SharedStore, clock: SharedClock) -> StoreResult<Arc<Self>> {
        let keys = Self::read(&store, &clock).await?;
        Ok(Arc::new(Self {
            store,
            clock,
            keys: ArcSwap::from_pointee(keys),
        }))
    }

    async fn read(store: &SharedStore, clock: &SharedClock) -> StoreResult<KeySet> {
        let now = clock.now();
        let mut records = store.signing_keys().await?;
        let unretired = |records: &[SigningKeyRecord], alg: &str| {
            records
                .iter()
                .any(|k| k.retired_at.is_none() && k.algorithm == alg)
        };
        if !unretired(&records, ES256) {
            let first = new_key_record(now)?;
            if store.insert_first_signing_key(&first).await? {
                tracing::info!(kid = %first.kid, "created the first assertion signing key");
            }
            records = store.signing_keys().await?;
        }
        if !unretired(&records, RS256) {
            let first = new_rsa_key_record(now).await?;
            if store.insert_first_signing_key(&first).await? {
                tracing::info!(kid = %first.kid, "created the first RS256 key (OpenID Connect ID tokens)");
            }
            records = store.signing_keys().await?;
        }
        // Newest unretired key signs; ties (two replicas creating the first
        // key at once) resolve the same way everywhere.
        let current = |alg: &str| {
            records
                .iter()
                .filter(|k| k.retired_at.is_none() && k.algorithm == alg)
                .max_by(|a, b| (a.created_at, &a.kid).cmp(&(b.created_at, &b.kid)))
                .ok_or_else(|| StoreError::Corrupt(format!("no {alg} key after creating one")))
        };
        let es = current(ES256)?;
        let key = SigningKey::from_pkcs8_pem(&es.private_pem).map_err(|e| {
            StoreError::Corrupt(format!("signing key {} cannot be read: {e}", es.kid))
        })?;
        let rs = current(RS256)?;
        let rsa = rs256::RsaSigner::from_pem(&rs.private_pem)
            .map_err(|e| StoreError::Corrupt(format!("signing key {}: {e}", rs.kid)))?;
        let mut published = Vec::new();
        let mut es256 = Vec::new();
        let mut rs256_jwks = Vec::new();
        for r in &records {
            let keep = r
                .retired_at
                .is_none_or(|at| now - at < RETIRED_KEY_PUBLISHED);
            if !keep {
                continue;
            }
            match r.algorithm.as_str() {
                RS256 => match rs256::RsaSigner::from_pem(&r.private_pem) {
                    Ok(k) => {
                        published.push(k.jwk());
                        rs256_jwks.push(k.jwk());
                    }
                    Err(e) => {
                        tracing::error!(kid = %r.kid, error = %e, "skipping an unreadable signing key")
                    }
                },
                _ => match SigningKey::from_pkcs8_pem(&r.private_pem) {
                    Ok(k) => {
                        published.push(jwk(k.verifying_key(), &r.kid));
                        es256.push((r.kid.clone(), *k.verifying_key()));
                    }
                    Err(e) => {
                        tracing::error!(kid = %r.kid, error = %e, "skipping an unreadable signing key")
                    }
                },
            }
        }
        let jwks = serde_json::to_vec(&serde_json::json!({ "keys": published }))
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        Ok(KeySet {
            kid: es.kid.clone(),
            key,
            es256,
            rsa,
            rs256: rs256_jwks,
            jwks: Bytes::from(jwks),
        })
    }

    /// Re-read the keys (after a rotation anywhere).
    pub async fn reload(&self) -> StoreResult<()> {
        let keys = Self::read(&self.store, &self.clock).await?;
        self.keys.store(Arc::new(keys));
        Ok(())
    }

    /// Make a new key current, for assertions and for ID tokens alike;
    /// the old ones stay published for a day. Returns the new ES256 kid.
    pub async fn rotate(store: &SharedStore, now: i64) -> StoreResult<String> {
        let rec = new_key_record(now)?;
        store.rotate_signing_key(&rec, now).await?;
        store
            .rotate_signing_key(&new_rsa_key_record(now).await?, now)
            .await?;
        store
            .delete_signing_keys_retired_before(now - 7 * RETIRED_KEY_PUBLISHED)
            .await?;
        Ok(rec.kid)
    }

    /// The key set in force (its identity changes on every reload).
    pub fn current(&self) -> Arc<KeySet> {
        self.keys.load_full()
    }

    /// The JWKS document.
    pub fn jwks(&self) -> Bytes {
        self.keys.load().jwks.clone()
    }

    /// Sign `claims` with the current key.
    pub fn sign(&self, claims: &Claims) -> String {
        self.keys.load().sign(claims)
    }
}

/// Verify a compact ES256 JWS against a JWKS document; returns the claims.
/// Used by the demo upstream and the tests, as any upstream would.
pub fn verify(token: &str, jwks: &[u8], now: i64) -> Result<Claims, String> {
    use p256::ecdsa::signature::Verifier;
    let Jws { h, c, s, header } = Jws::split(token)?;
    if header["alg"] != "ES256" {
        return Err(format!("unexpected alg {}", header["alg"]));
    }
    let kid = header["kid"].as_str().ok_or("no kid")?;
    let set: serde_json::Value = serde_json::from_slice(jwks).map_err(|e| e.to_string())?;
    let jwk = set["keys"]
        .as_array()
        .and_then(|ks| ks.iter().find(|k| k["kid"] == kid))
        .ok_or_else(|| format!("kid {kid} is not in the JWKS"))?;
    let coord = |n: &str| -> Result<Vec<u8>, String> {
        URL_SAFE_NO_PAD
            .decode(jwk[n].as_str().ok_or("bad jwk")?)
            .map_err(|e| e.to_string())
    };
    let mut sec1 = vec![4u8];
    sec1.extend(coord("x")?);
    sec1.extend(coord("y")?);
    let vk = VerifyingKey::from_sec1_bytes(&sec1).map_err(|e| e.to_string())?;
    let sig = Signature::from_slice(&URL_SAFE_NO_PAD.decode(s).map_err(|e| e.to_string())?)
        .map_err(|e| e.to_string())?;
    vk.verify(format!("{h}.{c}").as_bytes(), &sig)
        .map_err(|_| "bad signature".to_string())?;
    let claims: Claims =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(c).map_err(|e| e.to_string())?)
            .map_err(|e| e.to_string())?;
    if claims.exp <= now {
        return Err("expired".into());
    }
    Ok(claims)
}

struct Cached {
    aud: String,
    value: HeaderValue,
    exp: i64,
    keys: Arc<KeySet>,
    principal: Arc<Principal>,
}

impl Cached {
    /// Still the assertion to send for `principal` towards `aud`: far from
    /// expiry, signed with the key in force, for this very principal (a
    /// changed user gets a new one).
    fn fits(&self, aud: &str, now: i64, ttl: i64, keys: &Arc<KeySet>, p: &Arc<Principal>) -> bool {
        self.aud == aud
            && self.exp - now > ttl / 4
            && Arc::ptr_eq(&self.keys, keys)
            && Arc::ptr_eq(&self.principal, p)
    }
}

/// A worker thread's own copies of the assertions it sends, for the same
/// reason as the sessions' per-thread copies (`session.rs`): the replica's
/// cache costs a lock and a shared reference count per request. Entries
/// hold the thread's copy of the principal, so a session copied again
/// (after any revocation) looks its assertion up in the replica's cache
/// once more.
#[derive(Default)]
struct ThreadAssertions {
    asserter: usize,
    entries: HashMap<String, Vec<Cached>, rustc_hash::FxBuildHasher>,
}

thread_local! {
    static MINE: std::cell::RefCell<ThreadAssertions> = std::cell::RefCell::new(ThreadAssertions::default());
}

static NEXT_ASSERTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(1);

/// Sessions per thread with assertions of their own; more clears them.
const THREAD_ASSERTIONS_MAX: usize = 4096;

/// Signs assertions and caches them per session and audience.
pub struct Asserter {
    keys: Arc<KeyRing>,
    clock: SharedClock,
    cache: RwLock<HashMap<String, Vec<Cached>, rustc_hash::FxBuildHasher>>,
    /// Tells this asserter's entries in a thread's copies from another's.
    id: usize,
}

impl Asserter {
    pub fn new(keys: Arc<KeyRing>, clock: SharedClock) -> Self {
        Self {
            keys,
            clock,
            cache: RwLock::new(HashMap::default()),
            id: NEXT_ASSERTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        }
    }

    pub fn keys(&self) -> &Arc<KeyRing> {
        &self.keys
    }

    /// The assertion for `session` towards `aud` (the request's origin).
    pub fn assertion(
        &self,
        session: &ActiveSession,
        aud: &str,
        issuer: &str,
        ttl: i64,
    ) -> HeaderValue {
        let now = self.clock.now();
        let sid = &session.record.id;
        let p = &session.principal;
        let mine = MINE.with_borrow(|m| {
            if m.asserter != self.id {
                return None;
            }
            let keys = self.keys.keys.load();
            let list = m.entries.get(sid.as_str())?;
            let c = list.iter().find(|c| c.fits(aud, now, ttl, &keys, p))?;
            Some(c.value.clone())
        });
        if let Some(v) = mine {
            return v;
        }
        let (value, exp, keys) = self.shared_assertion(session.shared(), aud, issuer, ttl, now);
        // This thread's copy shares no storage (and so no reference count)
        // with the replica's.
        let value = HeaderValue::from_bytes(value.as_bytes()).unwrap_or(value);
        MINE.with_borrow_mut(|m| {
            if m.asserter != self.id || m.entries.len() >= THREAD_ASSERTIONS_MAX {
                m.entries.clear();
                m.asserter = self.id;
            }
            let list = m.entries.entry(sid.clone()).or_default();
            list.retain(|c| c.aud != aud && c.exp > now);
            list.push(Cached {
                aud: aud.to_string(),
                value: value.clone(),
                exp,
                keys,
                principal: p.clone(),
            });
        });
        value
    }

    /// The assertion from the replica's cache, or a new one; with its expiry
    /// and the keys it was signed with.
    fn shared_assertion(
        &self,
        session: &ActiveSession,
        aud: &str,
        issuer: &str,
        ttl: i64,
        now: i64,
    ) -> (HeaderValue, i64, Arc<KeySet>) {
        let sid = &session.record.id;
        let keys = self.keys.current();
        if let Ok(cache) = self.cache.read()
            && let Some(list) = cache.get(sid.as_str())
            && let Some(c) = list
                .iter()
                .find(|c| c.fits(aud, now, ttl, &keys, &session.principal))
        {
            return (c.value.clone(), c.exp, keys);
        }
        let p = &session.principal;
        let claims = Claims {
            iss: issuer.to_string(),
            aud: aud.to_string(),
            sub: p.user_id.clone(),
            email: p.email.clone(),
            name: p.name.clone(),
            preferred_username: p.login.clone(),
            groups: p.groups.clone(),
            amr: vec![session.record.auth_method.clone()],
            // A token proves who its caller is on every request.
            auth_time: if session.is_token() {
                now
            } else {
                session.auth_time()
            },
            sid: sid.clone(),
            iat: now,
            exp: now + ttl,
        };
        let value = HeaderValue::from_str(&keys.sign(&claims))
            .unwrap_or_else(|_| HeaderValue::from_static(""));
        let exp = now + ttl;
        if let Ok(mut cache) = self.cache.write() {
            if cache.len() > 50_000 {
                cache.retain(|_, list| list.iter().any(|c| c.exp > now));
            }
            let list = cache.entry(sid.clone()).or_default();
            list.retain(|c| c.aud != aud && c.exp > now);
            list.push(Cached {
                aud: aud.to_string(),
                value: value.clone(),
                exp,
                keys: keys.clone(),
                principal: p.clone(),
            });
        }
        (value, exp, keys)
    }

    /// Forget a session's assertions (it ended).
    pub fn forget(&self, sid: &str) {
        if let Ok(mut c) = self.cache.write() {
            c.remove(sid);
        }
    }
}

pub mod rs256;

#[cfg(test)]
mod tests;
