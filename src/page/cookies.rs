//! The cookies pages set — CSRF, email binding and session, all built
//! here — and the check every state-changing form POST passes (`Origin`
//! and the CSRF token). Reading cookies off a request is `crate::cookies`.

use cookie::{Cookie, SameSite};
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
fn own_cookie(
    cfg: &Config,
    name: &'static str,
    value: &str,
    max_age: i64,
    same_site: SameSite,
) -> HeaderValue {
    let c = Cookie::build((name, value))
        .path("/")
        .max_age(cookie::time::Duration::seconds(max_age))
        .http_only(true)
        .same_site(same_site)
        .secure(cfg.session.secure_cookie);
    header_value(c.build())
}

/// A cookie as a `Set-Cookie` value. The values passgate sets are tokens
/// and domain names it checked, which always make one; the fallback only
/// keeps a broken one from being sent.
fn header_value(c: Cookie<'_>) -> HeaderValue {
    HeaderValue::from_str(&c.to_string())
        .unwrap_or_else(|_| HeaderValue::from_static("passgate_invalid=; Max-Age=0"))
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
            let c = own_cookie(
                cfg,
                csrf_cookie_name(cfg),
                &t,
                86_400 * 400,
                SameSite::Strict,
            );
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
                SameSite::Lax,
            );
            (t, Some(c))
        }
    }
}

/// The session cookie for `token` (`None`: delete it).
pub fn session_cookie(cfg: &Config, token: Option<&str>) -> HeaderValue {
    let max_age = match token {
        Some(_) => cfg.session.absolute_timeout.as_secs() as i64,
        None => 0,
    };
    let mut c = Cookie::build((cfg.session.cookie_name, token.unwrap_or("")))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .max_age(cookie::time::Duration::seconds(max_age))
        .secure(cfg.session.secure_cookie);
    if let Some(d) = &cfg.session.cookie_domain {
        c = c.domain(d.as_str());
    }
    header_value(c.build())
}

/// The cookie that keeps the reader's language (a year; the portal's
/// host, or `cookie_domain` so protected hosts' pages follow it).
pub fn language_cookie(cfg: &Config, lang: crate::i18n::Lang) -> HeaderValue {
    let mut c = Cookie::build((crate::i18n::COOKIE, lang.code()))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .max_age(cookie::time::Duration::days(365))
        .secure(cfg.session.secure_cookie);
    if let Some(d) = &cfg.session.cookie_domain {
        c = c.domain(d.as_str());
    }
    header_value(c.build())
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
    /// What happened and what to do, in `lang`.
    pub fn message(self, lang: crate::i18n::Lang) -> String {
        match self {
            Forged::Origin => lang.t("forged-origin"),
            Forged::Token => lang.t("forged-token"),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn config(extra: &str) -> Config {
        let text = format!(
            "[server]\npublic_url = \"https://auth.example.com\"\n\n[webauthn]\nrp_id = \"example.com\"\n\n[session]\nabsolute_timeout = \"12h\"\n{extra}\n"
        );
        Config::from_toml(&text, "test", std::iter::empty(), &std::env::temp_dir())
            .unwrap_or_else(|e| panic!("{e}"))
    }

    fn parsed(v: &HeaderValue) -> Cookie<'static> {
        Cookie::parse(v.to_str().expect("text").to_string()).expect("a Set-Cookie value")
    }

    #[test]
    fn the_cookies_pages_set_carry_their_attributes() {
        // https, host-only: the __Host- name, Secure, no Domain.
        let cfg = config("");
        let c = parsed(&session_cookie(&cfg, Some("TOKEN")));
        assert_eq!((c.name(), c.value()), ("__Host-passgate", "TOKEN"));
        assert_eq!(c.path(), Some("/"));
        assert_eq!(c.domain(), None);
        assert_eq!((c.secure(), c.http_only()), (Some(true), Some(true)));
        assert_eq!(c.same_site(), Some(SameSite::Lax));
        assert_eq!(c.max_age().map(|d| d.whole_seconds()), Some(12 * 3600));
        let gone = parsed(&session_cookie(&cfg, None));
        assert_eq!(
            (gone.value(), gone.max_age().map(|d| d.whole_seconds())),
            ("", Some(0))
        );

        // A cookie domain: the plain name, and the domain.
        let cfg = config("cookie_domain = \"example.com\"");
        let c = parsed(&session_cookie(&cfg, Some("TOKEN")));
        assert_eq!(c.name(), "passgate_session");
        assert_eq!(c.domain(), Some("example.com"));
        assert_eq!(c.secure(), Some(true));

        // The CSRF cookie: new when the browser has none, Strict, HttpOnly.
        let (token, set) = csrf_token(&cfg, &HeaderMap::new());
        let c = parsed(&set.expect("a new cookie"));
        assert_eq!(
            (c.name(), c.value()),
            ("__Host-passgate-csrf", token.as_str())
        );
        assert_eq!(c.same_site(), Some(SameSite::Strict));
        assert_eq!((c.secure(), c.http_only()), (Some(true), Some(true)));
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_str(&format!("__Host-passgate-csrf={token}")).expect("v"),
        );
        assert_eq!(
            csrf_token(&cfg, &h),
            (token, None),
            "kept while it is valid"
        );
    }
}
