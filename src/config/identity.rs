//! `[identity]`: which identity fields reach upstreams, and the signed
//! assertion's field and lifetime. The names of the identity fields live
//! here, with the setting that chooses them.

use std::time::Duration;

use super::raw::RawIdentity;
use super::validate::Validator;

/// The `Remote-*` headers, in the order User, Email, Name, Groups.
pub const REMOTE_HEADERS: [&str; 4] = [
    "Remote-User",
    "Remote-Email",
    "Remote-Name",
    "Remote-Groups",
];

/// The oauth2-proxy style headers, in the order User, Email, Groups.
pub const AUTH_REQUEST_HEADERS: [&str; 3] = [
    "X-Auth-Request-User",
    "X-Auth-Request-Email",
    "X-Auth-Request-Groups",
];

/// Every identity header passgate may set (`identity.assertion_header`
/// may not be one of them).
pub const ALL_IDENTITY_HEADERS: [&str; 7] = [
    "Remote-User",
    "Remote-Email",
    "Remote-Name",
    "Remote-Groups",
    "X-Auth-Request-User",
    "X-Auth-Request-Email",
    "X-Auth-Request-Groups",
];

/// `identity.headers`: which of the families above reach upstreams.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderStyle {
    Remote,
    AuthRequest,
    Both,
}

#[derive(Debug, Clone)]
pub struct IdentityConfig {
    pub headers: HeaderStyle,
    pub assertion_header: http::HeaderName,
    pub assertion_ttl: Duration,
}

pub(super) fn check(id: &RawIdentity, v: &mut Validator) -> Option<IdentityConfig> {
    let headers = v.check("identity.headers", || match id.headers.as_str() {
        "remote" => Ok(HeaderStyle::Remote),
        "auth-request" => Ok(HeaderStyle::AuthRequest),
        "both" => Ok(HeaderStyle::Both),
        other => Err(format!(
            "{other:?} is not one of \"remote\", \"auth-request\", \"both\""
        )),
    });
    let assertion_header = v.check("identity.assertion_header", || {
        let h = http::HeaderName::from_bytes(id.assertion_header.trim().as_bytes())
            .map_err(|_| format!("{:?} is not a valid header name", id.assertion_header))?;
        if ALL_IDENTITY_HEADERS
            .iter()
            .any(|n| n.eq_ignore_ascii_case(h.as_str()))
        {
            return Err("must not be one of the identity headers".into());
        }
        Ok(h)
    });
    let assertion_ttl = v.duration("identity.assertion_ttl", &id.assertion_ttl);
    if let Some(t) = assertion_ttl
        && (t > Duration::from_secs(300) || t < Duration::from_secs(30))
    {
        v.problem("identity.assertion_ttl", "must be between 30s and 5m");
    }

    Some(IdentityConfig {
        headers: headers?,
        assertion_header: assertion_header?,
        assertion_ttl: assertion_ttl?,
    })
}
