//! Values that must never reach a log line or an error page.

use std::fmt;
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// A secret string (database URL with a password, SMTP credentials, tokens).
/// `Debug` and `Display` print `[redacted]`; call [`Secret::expose`] where the
/// value is really needed.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Arc<str>);

impl Secret {
    pub fn new(value: impl Into<Arc<str>>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// A URL whose password (if any) is replaced by `***`, for messages about
/// connection failures that must still say *which* server failed.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) => {
            if u.password().is_some() {
                let _ = u.set_password(Some("***"));
            }
            u.to_string()
        }
        Err(_) => "[unparseable URL]".to_string(),
    }
}

/// SHA-256 of a random token (cookie, email link, service token), or None when it is not a well-formed token.
pub fn token_hash(token: &str) -> Option<[u8; 32]> {
    if token.len() != 43 {
        return None;
    }
    // On the stack: this runs for every signed-in request.
    let mut raw = [0u8; 33];
    let n = URL_SAFE_NO_PAD.decode_slice(token, &mut raw).ok()?;
    if n != 32 {
        return None;
    }
    Some(Sha256::digest(&raw[..32]).into())
}

/// A fresh random token (256 bits as base64url, 43 characters) and its
/// hash.
pub fn new_token() -> (String, [u8; 32]) {
    let mut raw = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut raw);
    (URL_SAFE_NO_PAD.encode(raw), Sha256::digest(raw).into())
}

/// A random id of `bytes` bytes as lower-case hex.
pub fn random_id(bytes: usize) -> String {
    let mut raw = vec![0u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut raw);
    hex::encode(raw)
}

#[cfg(test)]
mod tests;
