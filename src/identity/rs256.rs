//! RS256 (RSA PKCS#1 v1.5 with SHA-256) keys, for OIDC ID tokens: the
//! algorithm OpenID Connect requires every provider to offer and many
//! clients assume.
//!
//! The `rsa` crate makes the keys (2048-bit, PKCS#8); signing is `ring`'s,
//! whose RSA is constant-time (the `rsa` crate's signing has an open timing
//! advisory, RUSTSEC-2023-0071, "Marvin").

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey, LineEnding};
use rsa::traits::PublicKeyParts;
use sha2::{Digest, Sha256};

/// Modulus size of new keys.
pub const BITS: usize = 2048;

/// A new RSA key as PKCS#8 PEM.
pub fn generate_pem() -> Result<String, String> {
    let mut rng = rsa::rand_core::UnwrapErr(getrandom::SysRng);
    let key = rsa::RsaPrivateKey::new(&mut rng, BITS)
        .map_err(|e| format!("cannot make an RSA key: {e}"))?;
    key.to_pkcs8_pem(LineEnding::LF)
        .map(|p| p.to_string())
        .map_err(|e| format!("cannot encode an RSA key: {e}"))
}

/// A key that signs RS256 JWSs.
pub struct RsaSigner {
    kid: String,
    pair: ring::signature::RsaKeyPair,
    /// Modulus and exponent, big-endian without leading zeros.
    n: Vec<u8>,
    e: Vec<u8>,
}

impl std::fmt::Debug for RsaSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RsaSigner")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl RsaSigner {
    /// Read a PKCS#8 PEM key (from [`generate_pem`]).
    pub fn from_pem(pem: &str) -> Result<Self, String> {
        let key = rsa::RsaPrivateKey::from_pkcs8_pem(pem)
            .map_err(|e| format!("not an RSA private key: {e}"))?;
        let der = key
            .to_pkcs8_der()
            .map_err(|e| format!("cannot encode an RSA key: {e}"))?;
        let pair = ring::signature::RsaKeyPair::from_pkcs8(der.as_bytes())
            .map_err(|e| format!("the RSA key is not usable for signing: {e}"))?;
        let n = key.n_bytes().into_vec();
        let e = key.e_bytes().into_vec();
        // The key id: a hash of the public key, so every replica names the
        // same key alike.
        let mut h = Sha256::new();
        h.update(&n);
        h.update(&e);
        let kid = URL_SAFE_NO_PAD.encode(&h.finalize()[..16]);
        Ok(Self { kid, pair, n, e })
    }

    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The public key as a JWK.
    pub fn jwk(&self) -> serde_json::Value {
        serde_json::json!({
            "kty": "RSA", "alg": "RS256", "use": "sig", "kid": self.kid,
            "n": URL_SAFE_NO_PAD.encode(&self.n),
            "e": URL_SAFE_NO_PAD.encode(&self.e),
        })
    }

    /// Sign `claims` as a compact JWS (`alg` RS256, `typ` JWT, this `kid`).
    pub fn sign(&self, claims: &impl serde::Serialize) -> Result<String, String> {
        let header = serde_json::json!({ "alg": "RS256", "typ": "JWT", "kid": self.kid });
        let body = serde_json::to_vec(claims).map_err(|e| e.to_string())?;
        let mut out = URL_SAFE_NO_PAD.encode(header.to_string());
        out.push('.');
        out.push_str(&URL_SAFE_NO_PAD.encode(body));
        let mut sig = vec![0u8; self.pair.public().modulus_len()];
        self.pair
            .sign(
                &ring::signature::RSA_PKCS1_SHA256,
                &ring::rand::SystemRandom::new(),
                out.as_bytes(),
                &mut sig,
            )
            .map_err(|_| "RSA signing failed".to_string())?;
        out.push('.');
        out.push_str(&URL_SAFE_NO_PAD.encode(sig));
        Ok(out)
    }
}

/// Verify an RS256 compact JWS against a JWK (as a relying party would);
/// returns the claims.
pub fn verify(token: &str, jwk: &serde_json::Value) -> Result<serde_json::Value, String> {
    let super::Jws { h, c, s, header } = super::Jws::split(token)?;
    if header["alg"] != "RS256" || header["kid"] != jwk["kid"] {
        return Err(format!("unexpected header {header}"));
    }
    let field = |k: &str| -> Result<Vec<u8>, String> {
        URL_SAFE_NO_PAD
            .decode(jwk[k].as_str().ok_or("bad jwk")?)
            .map_err(|e| e.to_string())
    };
    let public = ring::signature::RsaPublicKeyComponents {
        n: field("n")?,
        e: field("e")?,
    };
    let sig = URL_SAFE_NO_PAD.decode(s).map_err(|e| e.to_string())?;
    public
        .verify(
            &ring::signature::RSA_PKCS1_2048_8192_SHA256,
            format!("{h}.{c}").as_bytes(),
            &sig,
        )
        .map_err(|_| "bad signature".to_string())?;
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(c).map_err(|e| e.to_string())?)
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One key for the tests (making one takes a while in a debug build).
    fn key() -> &'static str {
        static KEY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        KEY.get_or_init(|| generate_pem().expect("generate"))
    }

    #[test]
    fn a_new_key_signs_what_its_jwk_verifies_and_nothing_else() {
        let signer = RsaSigner::from_pem(key()).expect("read");
        assert_eq!(signer.n.len(), BITS / 8);
        assert_eq!(signer.e, vec![1, 0, 1]);
        let jwk = signer.jwk();
        assert_eq!(
            (jwk["kty"].as_str(), jwk["alg"].as_str()),
            (Some("RSA"), Some("RS256"))
        );
        let claims = serde_json::json!({ "sub": "u1", "aud": "client" });
        let jws = signer.sign(&claims).expect("sign");
        assert_eq!(verify(&jws, &jwk).expect("verify"), claims);
        // A changed payload, or another key's JWK: refused.
        let mut parts: Vec<&str> = jws.split('.').collect();
        let forged = URL_SAFE_NO_PAD.encode(br#"{"sub":"admin","aud":"client"}"#);
        parts[1] = &forged;
        assert!(verify(&parts.join("."), &jwk).is_err());
        let mut other = jwk.clone();
        other["n"] = serde_json::Value::String(URL_SAFE_NO_PAD.encode([0xffu8; 256]));
        assert!(verify(&jws, &other).is_err());
        // The key id is the public key's, the same when read again.
        assert_eq!(
            RsaSigner::from_pem(key()).expect("again").kid(),
            signer.kid()
        );
        assert!(
            RsaSigner::from_pem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
                .is_err()
        );
    }
}
