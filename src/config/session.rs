//! `[session]`: the session cookie (its name, domain, `Secure`) and how
//! long sessions live.

use std::time::Duration;

use super::raw::RawSession;
use super::validate::Validator;
use crate::authz::{self, Portal};

#[derive(Debug, Clone)]
pub struct SessionConfig {
    pub cookie_domain: Option<String>,
    pub cookie_name: &'static str,
    pub secure_cookie: bool,
    pub idle_timeout: Duration,
    pub absolute_timeout: Duration,
    /// How long a replica trusts its cached copy of a session while the
    /// revocation channel is healthy.
    pub cache_ttl: Duration,
}

/// `session.cookie_domain` (for the rules' check, even when wrong), and the
/// section when it has no problem.
pub(super) fn check(
    se: &RawSession,
    portal: Option<&Portal>,
    v: &mut Validator,
) -> (Option<String>, Option<SessionConfig>) {
    let cookie_domain = {
        let d = se
            .cookie_domain
            .trim()
            .trim_start_matches('.')
            .to_ascii_lowercase();
        if d.is_empty() {
            None
        } else {
            if authz::split_host_port(&d).is_none_or(|(h, p)| h != d || p.is_some()) {
                v.problem(
                    "session.cookie_domain",
                    format!("{d:?} is not a domain name"),
                );
            } else if let Some(p) = portal
                && p.host != d
                && !p.host.ends_with(&format!(".{d}"))
            {
                v.problem(
                        "session.cookie_domain",
                        format!(
                            "{d:?} does not cover the portal host {:?} from server.public_url, so the session cookie set at sign-in would never be sent back",
                            p.host
                        ),
                    );
            }
            Some(d)
        }
    };
    let idle_timeout = v.duration("session.idle_timeout", &se.idle_timeout);
    if let Some(i) = idle_timeout
        && i < Duration::from_secs(10)
    {
        v.problem(
            "session.idle_timeout",
            "must be at least 10s: replicas share when a session was last used every quarter of it, and below 10s a session kept busy on one replica could look idle on another",
        );
    }
    let absolute_timeout = v.duration("session.absolute_timeout", &se.absolute_timeout);
    if let (Some(i), Some(a)) = (idle_timeout, absolute_timeout)
        && i > a
    {
        v.problem(
            "session.idle_timeout",
            "is longer than session.absolute_timeout; it would never apply",
        );
    }
    let cache_ttl = v.duration("session.cache_ttl", &se.cache_ttl);
    let secure_cookie = portal.is_some_and(|p| p.https);
    let cookie_name = if cookie_domain.is_none() && secure_cookie {
        crate::cookies::SESSION_HOST
    } else {
        crate::cookies::SESSION
    };

    let config = (|| {
        Some(SessionConfig {
            cookie_domain: cookie_domain.clone(),
            cookie_name,
            secure_cookie,
            idle_timeout: idle_timeout?,
            absolute_timeout: absolute_timeout?,
            cache_ttl: cache_ttl?,
        })
    })();
    (cookie_domain, config)
}
