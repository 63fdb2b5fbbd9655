//! Service tokens: how CI jobs and scripts call routes with `tokens = true`
//! without a browser.
//!
//! A token is `pgt_` and 256 random bits (base64url); the durable store
//! keeps only its SHA-256, with the service account it belongs to
//! (`Remote-User` = the account's name, its groups). It is presented as
//! `Authorization: Bearer pgt_…` or `X-Passgate-Token: pgt_…` (which
//! leaves the app's own `Authorization` alone), and passgate removes the
//! field it used before the request goes on.
//!
//! This module: the token's form and where a request presents one.
//! Checking one is `session/tokens.rs`, beside the sessions' cache whose
//! revocations it shares.

use http::HeaderMap;
use http::header::{self, HeaderName};

/// What every token starts with (so it can be told from an app's own
/// bearer tokens, and found by secret scanners).
pub const PREFIX: &str = "pgt_";

/// The field a token may be sent in instead of `Authorization`.
pub static X_PASSGATE_TOKEN: HeaderName = HeaderName::from_static("x-passgate-token");

/// `amr` of a token-authenticated request.
pub const AMR: &str = "token";

/// Failed attempts per client address and window before the address is
/// refused without a lookup.
pub const FAILURES_ALLOWED: u64 = 20;
/// The window those failures are counted in.
pub const FAILURE_WINDOW: std::time::Duration = std::time::Duration::from_secs(60);

/// Where failed attempts are counted: the client's IPv4 address, or its
/// IPv6 /64 — one host commonly holds a whole /64, and would otherwise
/// have 2^64 addresses to spread its guesses over.
pub fn failure_scope(ip: std::net::IpAddr) -> std::net::IpAddr {
    match ip {
        // An IPv4 client written as IPv6 is the IPv4 address it is.
        std::net::IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => std::net::IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                std::net::IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
        v4 => v4,
    }
}

/// A new token and its hash.
pub fn new_token() -> (String, [u8; 32]) {
    let (raw, hash) = crate::secret::new_token();
    (format!("{PREFIX}{raw}"), hash)
}

/// The SHA-256 of a well-formed token, or None.
pub fn hash(token: &str) -> Option<[u8; 32]> {
    crate::secret::token_hash(token.strip_prefix(PREFIX)?)
}

/// Where a token was presented.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// `Authorization: Bearer pgt_…`
    Authorization,
    /// `X-Passgate-Token: pgt_…`
    Header,
}

/// What a request presents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Presented<'h> {
    /// No passgate token (an app's own `Authorization` is not one).
    Nothing,
    Token {
        value: &'h str,
        field: Field,
    },
    /// Something that is meant as a token but cannot be one; the text says
    /// what.
    Malformed(&'static str),
}

/// The bearer credential of an `Authorization` value, if its scheme is
/// `Bearer` (any case).
fn bearer(v: &[u8]) -> Option<&[u8]> {
    let (scheme, rest) = v.split_at_checked(6)?;
    if !scheme.eq_ignore_ascii_case(b"bearer") || rest.first() != Some(&b' ') {
        return None;
    }
    Some(rest.trim_ascii())
}

/// Does `v` hold something shaped like a passgate token: `pgt_` in any
/// case (`PGT_` is a token written wrong, not an app's own) and 43
/// base64url characters, standing on its own — at the beginning or after
/// a character no token has (a space, `=`, `/`, `:` …), and followed by
/// the end or such a character? So `pgt_users` in a query, or `pgt_`
/// inside an app's own JWT, does not count.
fn holds_token(v: &[u8]) -> bool {
    const LEN: usize = 4 + 43;
    v.windows(PREFIX.len()).enumerate().any(|(i, w)| {
        w.eq_ignore_ascii_case(PREFIX.as_bytes())
            && (i == 0 || !is_token_char(v[i - 1]))
            && v.len() >= i + LEN
            && v[i + 4..i + LEN].iter().all(|b| is_token_char(*b))
            && v.get(i + LEN).is_none_or(|b| !is_token_char(*b))
    })
}

/// A character of a base64url token.
fn is_token_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
}

/// The token a request presents, if any.
pub fn presented(h: &HeaderMap) -> Presented<'_> {
    let mut found = None;
    let mut own = h.get_all(&X_PASSGATE_TOKEN).iter();
    match (own.next(), own.next()) {
        (Some(_), Some(_)) => {
            return Presented::Malformed("X-Passgate-Token is sent more than once");
        }
        (Some(v), None) => match v.to_str().map(str::trim) {
            Ok(t) if hash(t).is_some() => found = Some((t, Field::Header)),
            _ => return Presented::Malformed("X-Passgate-Token does not hold a passgate token"),
        },
        _ => {}
    }
    let mut count = 0;
    let mut in_auth = None;
    for v in h.get_all(header::AUTHORIZATION) {
        count += 1;
        // A token in any other form (`Bearer<TAB>`, another scheme, no
        // scheme, in a list) is refused rather than passed on: it would
        // reach the app.
        let b = v.as_bytes();
        let glued = b.len() > 6 && b[..6].eq_ignore_ascii_case(b"bearer") && holds_token(&b[6..]);
        if !holds_token(b) && !glued && !in_basic(b) {
            continue;
        }
        match bearer(v.as_bytes()).map(std::str::from_utf8) {
            Some(Ok(t)) if hash(t).is_some() => in_auth = Some(t),
            _ => {
                return Presented::Malformed(
                    "Authorization holds a passgate token in a form passgate does not take (send Authorization: Bearer pgt_…)",
                );
            }
        }
    }
    if let Some(t) = in_auth {
        if count > 1 {
            return Presented::Malformed("Authorization is sent more than once");
        }
        if found.is_some() {
            return Presented::Malformed(
                "a token is sent both in Authorization and in X-Passgate-Token",
            );
        }
        found = Some((t, Field::Authorization));
    }
    match found {
        Some((value, field)) => Presented::Token { value, field },
        None => Presented::Nothing,
    }
}

/// Does an `Authorization: Basic` value carry a token in its user or
/// password (what git and `curl -u` send)? Such a token would reach the
/// app: it is refused like any other form passgate does not take.
fn in_basic(v: &[u8]) -> bool {
    use base64::Engine;
    let Some((scheme, rest)) = v.split_at_checked(5) else {
        return false;
    };
    if !scheme.eq_ignore_ascii_case(b"basic") {
        return false;
    }
    base64::engine::general_purpose::STANDARD
        .decode(rest.trim_ascii())
        .is_ok_and(|plain| holds_token(&plain))
}

/// How many percent-decodings of a URL part are looked at; a part still
/// changing after them is taken as hiding one.
const DECODINGS: usize = 8;

/// Does a part of the URL (the path, or the query with or without its
/// `?`) carry a token, in any percent-encoding (each decoding is looked
/// at, as an app may decode more than once)?
pub fn in_url(part: &str) -> bool {
    let mut q = part.as_bytes().to_vec();
    for _ in 0..DECODINGS {
        if holds_token(&q) {
            return true;
        }
        let decoded: Vec<u8> = percent_encoding::percent_decode(&q).collect();
        if decoded == q {
            return false;
        }
        q = decoded;
    }
    true
}

#[cfg(test)]
mod tests;
