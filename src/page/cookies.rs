//! The cookies pages set — CSRF, email binding and session, all built
//! here — and the check every state-changing form POST passes (`Origin`
//! and the CSRF token). Reading cookies off a request is `crate::cookies`.

use http::header::{self, HeaderMap, HeaderValue};
use subtle::ConstantTimeEq;

use crate::config::Config;

/// The CSRF cookie's name (`__Host-` on https).
pub fn csrf_cookie_name(cfg: &Config) -> &'static str {
    if cfg.session.secure_cookie {
        crate::cookies::CSRF_HOST
    } else {
        crate::cookies::CSRF
    }
}

/// The cookie that binds an email link to the browser that asked for it.
pub fn binding_cookie_name(cfg: &Config) -> &'static str {
    if cfg.session.secure_cookie {
        crate::cookies::EMAIL_HOST
    } else {
        crate::cookies::EMAIL
    }
}

/// A `Set-Cookie` value for one of passgate's own cookies, host-only on the
/// portal (not the session cookie, see [`session_cookie`]).
fn own_cookie(cfg: &Config, name: &str, value: &str, max_age: i64, same_site: &str) -> HeaderValue {
    let secure = if cfg.session.secure_cookie {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite={same_site}{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("invalid=1; Max-Age=0"))
}

/// This browser's CSRF token, and the cookie to set when it is new.
pub fn csrf_token(cfg: &Config, headers: &HeaderMap) -> (String, Option<HeaderValue>) {
    match crate::cookies::value(headers, csrf_cookie_name(cfg)) {
        Some(t)
            if t.len() == 43
                && t.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') =>
        {
            (t.to_string(), None)
        }
        _ => {
            let (t, _) = crate::session::new_token();
            let c = own_cookie(cfg, csrf_cookie_name(cfg), &t, 86_400 * 400, "Strict");
            (t, Some(c))
        }
    }
}

/// The email-binding value for this browser, and the cookie to set when new.
pub fn binding_token(cfg: &Config, headers: &HeaderMap) -> (String, Option<HeaderValue>) {
    match crate::cookies::value(headers, binding_cookie_name(cfg)) {
        Some(t) if t.len() == 43 => (t.to_string(), None),
        _ => {
            let (t, _) = crate::session::new_token();
            let c = own_cookie(
                cfg,
                binding_cookie_name(cfg),
                &t,
                cfg.email.token_ttl.as_secs() as i64 + 3600,
                "Lax",
            );
            (t, Some(c))
        }
    }
}

/// The session cookie for `token` (`None`: delete it).
pub fn session_cookie(cfg: &Config, token: Option<&str>) -> HeaderValue {
    let mut c = format!(
        "{}={}; Path=/; HttpOnly; SameSite=Lax",
        cfg.session.cookie_name,
        token.unwrap_or("")
    );
    match token {
        Some(_) => c.push_str(&format!(
            "; Max-Age={}",
            cfg.session.absolute_timeout.as_secs()
        )),
        None => c.push_str("; Max-Age=0"),
    }
    if cfg.session.secure_cookie {
        c.push_str("; Secure");
    }
    if let Some(d) = &cfg.session.cookie_domain {
        c.push_str(&format!("; Domain={d}"));
    }
    HeaderValue::from_str(&c)
        .unwrap_or_else(|_| HeaderValue::from_static("passgate_session=; Max-Age=0"))
}

/// Why a state-changing request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Forged {
    /// `Origin` is missing or not the portal's.
    Origin,
    /// The CSRF token is missing or wrong.
    Token,
}

impl Forged {
    pub fn message(self) -> &'static str {
        match self {
            Forged::Origin => {
                "This form was sent from another site, so it was not accepted. Go back to the sign-in page and try again."
            }
            Forged::Token => {
                "This page had expired (or cookies are blocked), so the form was not accepted. Reload the page and try again."
            }
        }
    }
}

/// Check a state-changing POST: `Origin` must be the portal's (or, where a
/// browser sends none or `null`, `Sec-Fetch-Site: same-origin`), and `token`
/// must match this browser's CSRF cookie.
pub fn check_post(cfg: &Config, headers: &HeaderMap, token: Option<&str>) -> Result<(), Forged> {
    // Browsers send `Origin: null` for a form POST from a page whose
    // referrer policy is no-referrer (ours): then `Sec-Fetch-Site`, which no
    // page can set, says whether the request came from this origin.
    match headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        Some(o) if o == cfg.server.portal.origin => {}
        Some(o) if o != "null" => return Err(Forged::Origin),
        _ => {
            let same =
                headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) == Some("same-origin");
            if !same {
                return Err(Forged::Origin);
            }
        }
    }
    let cookie = crate::cookies::value(headers, csrf_cookie_name(cfg));
    match (cookie, token) {
        (Some(c), Some(t)) if !c.is_empty() && bool::from(c.as_bytes().ct_eq(t.as_bytes())) => {
            Ok(())
        }
        _ => Err(Forged::Token),
    }
}
