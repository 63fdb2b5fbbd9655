//! What every page shares, and what the gate and the error answers borrow
//! from the pages: the request context page handlers take ([`Ctx`]), the
//! frame and the message page (askama templates in `login-ui/`), the static
//! assets embedded in the binary, the security headers every page carries,
//! and the renderers (HTML, JSON, plain text, redirects). `page/cookies.rs`
//! builds the cookies pages set and checks forms; `page/error.rs` is the one
//! error type page handlers answer with.
//!
//! Does not own any flow (those are `ui/`, one file per flow) or routing.
//! Depends on config and the store's error type, never on the server, the
//! gate or the handlers.

pub mod cookies;
pub mod error;

use std::net::IpAddr;
use std::sync::LazyLock;

use askama::Template;
use axum::body::Body;
use http::header::{self, HeaderMap, HeaderValue};
use http::{Response, StatusCode};
use sha2::{Digest, Sha256};

use crate::authz::HostPattern;
use crate::config::Config;
use crate::i18n::Lang;

pub use cookies::{Forged, check_post, session_cookie};
pub use error::PageError;

/// The longest path and query the language links return to.
const MAX_HERE: usize = 2048;

/// What a page handler knows about its request beyond the request itself
/// (an axum extension the server adds): the request id for logs and pages,
/// and the client's address as read through `trusted_proxies`.
#[derive(Debug, Clone)]
pub struct Ctx {
    request_id: String,
    client_ip: IpAddr,
    /// The reader's language (`i18n::negotiate`).
    pub lang: Lang,
    /// The request's path and query, where the language links return to.
    pub here: String,
}

impl Ctx {
    pub fn new(request_id: &str, client_ip: IpAddr, lang: Lang, here: &str) -> Self {
        // The language links carry `here` three times: a long query (a
        // search of many kilobytes) is left off rather than echoed.
        let here = if here.len() > MAX_HERE {
            here.split('?').next().unwrap_or("/")
        } else {
            here
        };
        Self {
            request_id: request_id.to_string(),
            client_ip,
            lang,
            here: here.to_string(),
        }
    }

    /// The frame of a page answering this request (no language links
    /// back to a path longer than [`MAX_HERE`]).
    pub fn chrome(&self, cfg: &Config) -> Chrome {
        let here = (self.here.len() <= MAX_HERE).then_some(self.here.as_str());
        Chrome::new(cfg, Some(&self.request_id), self.lang, here)
    }

    /// The request id, for logs and pages.
    pub fn request_id(&self) -> &str {
        &self.request_id
    }

    /// The client's IP (through trusted proxies), as audit records and
    /// rate limits keep it.
    pub fn client_ip(&self) -> String {
        self.client_ip.to_string()
    }
}

/// What every page's frame needs.
#[derive(Debug, Clone)]
pub struct Chrome {
    pub brand: String,
    pub logo_url: Option<String>,
    pub prefix: String,
    pub static_url: String,
    pub version: &'static str,
    pub brand_version: String,
    pub request_id: Option<String>,
    pub lang: Lang,
    /// The other languages: (code, name in itself, link that switches to
    /// it and comes back here); none where there is no page to return to.
    pub languages: Vec<(&'static str, &'static str, String)>,
}

impl Chrome {
    pub fn new(cfg: &Config, request_id: Option<&str>, lang: Lang, here: Option<&str>) -> Self {
        let languages = match here {
            Some(here) => Lang::ALL
                .into_iter()
                .filter(|l| *l != lang)
                .map(|l| {
                    (
                        l.code(),
                        l.name(),
                        format!(
                            "{}/lang?set={}&rd={}",
                            cfg.server.prefix,
                            l.code(),
                            enc(here)
                        ),
                    )
                })
                .collect(),
            None => Vec::new(),
        };
        Self {
            brand: cfg.branding.name.clone(),
            logo_url: cfg.branding.logo_url.clone(),
            prefix: cfg.server.prefix.clone(),
            static_url: format!("{}/static", cfg.server.prefix),
            version: asset_version(),
            brand_version: short_hash(cfg.branding.accent_color.as_bytes()),
            request_id: request_id.map(str::to_string),
            lang,
            languages,
        }
    }

    /// The message `key` in the page's language.
    pub fn t(&self, key: &str) -> String {
        self.lang.t(key)
    }

    /// The message `key` with one placeholder filled.
    pub fn t1(&self, key: &str, name: &str, value: &str) -> String {
        self.lang.t_with(key, &[(name, value)])
    }

    /// The message `key` with two placeholders filled.
    pub fn t2(&self, key: &str, n1: &str, v1: &str, n2: &str, v2: &str) -> String {
        self.lang.t_with(key, &[(n1, v1), (n2, v2)])
    }
}

/// A button or link on a message page.
#[derive(Debug, Clone)]
pub struct Action {
    pub label: String,
    pub href: String,
    /// A form POST (with `csrf`) rather than a link.
    pub post: bool,
    pub csrf: String,
}

impl Action {
    pub fn link(label: &str, href: impl Into<String>) -> Self {
        Self {
            label: label.into(),
            href: href.into(),
            post: false,
            csrf: String::new(),
        }
    }

    pub fn post(label: &str, href: impl Into<String>, csrf: &str) -> Self {
        Self {
            label: label.into(),
            href: href.into(),
            post: true,
            csrf: csrf.into(),
        }
    }
}

/// A page that says what happened and what to do next.
#[derive(Template)]
#[template(path = "message.html")]
pub struct MessagePage {
    pub chrome: Chrome,
    pub title: String,
    pub message: String,
    pub next: String,
    pub who: Option<String>,
    /// "ok", "error", "warn" or "info".
    pub tone: &'static str,
    pub actions: Vec<Action>,
}

static STYLE_CSS: &[u8] = include_bytes!("../login-ui/static/style.css");
static ICON_SVG: &[u8] = include_bytes!("../login-ui/static/icon.svg");
static PASSKEY_JS: &[u8] = include_bytes!("../login-ui/static/passkey.js");

fn short_hash(data: &[u8]) -> String {
    hex::encode(&Sha256::digest(data)[..6])
}

/// A version string for cache busting, from the assets' content.
pub fn asset_version() -> &'static str {
    static V: LazyLock<String> = LazyLock::new(|| {
        let mut h = Sha256::new();
        for a in [STYLE_CSS, ICON_SVG, PASSKEY_JS] {
            h.update(a);
        }
        hex::encode(&h.finalize()[..6])
    });
    &V
}

/// An embedded static asset by file name.
pub fn static_asset(name: &str) -> Option<(&'static [u8], &'static str)> {
    match name {
        "style.css" => Some((STYLE_CSS, "text/css; charset=utf-8")),
        "icon.svg" => Some((ICON_SVG, "image/svg+xml")),
        "passkey.js" => Some((PASSKEY_JS, "text/javascript; charset=utf-8")),
        _ => None,
    }
}

/// The branding stylesheet (accent colour), generated from the config so no
/// inline style is needed.
pub fn brand_css(cfg: &Config) -> String {
    format!(":root {{ --accent: {}; }}\n", cfg.branding.accent_color)
}

/// Origins a page may submit to, including redirects after a submit
/// (Chromium applies `form-action` to them): the portal and every origin a
/// rule covers.
fn form_targets(cfg: &Config) -> String {
    let mut out = vec!["'self'".to_string(), cfg.server.portal.origin.clone()];
    for r in &cfg.routes.routes {
        let host = match &r.host {
            HostPattern::Exact(h) => h.clone(),
            HostPattern::Wildcard(h) => format!("*.{h}"),
        };
        let port = r
            .port
            .map(|p| format!(":{p}"))
            .unwrap_or_else(|| ":*".into());
        for scheme in ["https", "http"] {
            let o = format!("{scheme}://{host}{port}");
            if !out.contains(&o) {
                out.push(o);
            }
        }
    }
    out.join(" ")
}

/// Security headers for every page.
pub fn security_headers(h: &mut HeaderMap, cfg: &Config) {
    let img = match &cfg.branding.logo_url {
        Some(l) if l.starts_with("http") => url::Url::parse(l)
            .map(|u| format!(" {}", u.origin().ascii_serialization()))
            .unwrap_or_default(),
        _ => String::new(),
    };
    let csp = format!(
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:{img}; connect-src 'self'; \
         form-action {}; frame-ancestors 'none'; base-uri 'none'",
        form_targets(cfg)
    );
    if let Ok(v) = HeaderValue::from_str(&csp) {
        h.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        "permissions-policy",
        HeaderValue::from_static(
            "publickey-credentials-get=(self), publickey-credentials-create=(self)",
        ),
    );
}

/// Render `page` as an HTML response with the security headers.
pub fn html(status: StatusCode, page: &impl Template, cfg: &Config) -> Response<Body> {
    let body = match page.render() {
        Ok(b) => b,
        Err(e) => {
            tracing::error!(error = %e, "template failed to render");
            "<!doctype html><title>Error</title><p>Something went wrong while showing this page.</p>".to_string()
        }
    };
    let mut resp = Response::new(Body::from(body));
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    security_headers(resp.headers_mut(), cfg);
    resp
}

/// Does this request come from a browser navigating (rather than an API
/// client or a script)? Browsers get pages and redirects; others get status
/// codes with short text or JSON.
pub fn wants_html(h: &HeaderMap) -> bool {
    static X_REQUESTED_WITH: header::HeaderName =
        header::HeaderName::from_static("x-requested-with");
    let accept_html = h
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"));
    accept_html
        && !h
            .get(&X_REQUESTED_WITH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("xmlhttprequest"))
}

/// A 303 to `location`.
pub fn see_other(location: &str) -> Response<Body> {
    let mut r = Response::new(Body::empty());
    *r.status_mut() = StatusCode::SEE_OTHER;
    if let Ok(v) = HeaderValue::from_str(location) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// Add `Set-Cookie` headers.
pub fn with_cookies(
    mut r: Response<Body>,
    cookies: impl IntoIterator<Item = Option<HeaderValue>>,
) -> Response<Body> {
    for c in cookies.into_iter().flatten() {
        r.headers_mut().append(header::SET_COOKIE, c);
    }
    r
}

/// Percent-encode for a query parameter.
pub fn enc(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// "2 minutes ago", "3 days ago", or a date.
pub fn ago(lang: Lang, now: i64, t: i64) -> String {
    let d = (now - t).max(0);
    match d {
        0..=59 => lang.t("time-just-now"),
        60..=3599 => lang.t_count("time-minutes-ago", d / 60),
        3600..=86_399 => lang.t_count("time-hours-ago", d / 3600),
        86_400..=2_591_999 => lang.t_count("time-days-ago", d / 86_400),
        // Older: the date, written the same way in every language.
        _ => date(t),
    }
}

/// The UTC date of `t`, as YYYY-MM-DD in every language.
pub fn date(t: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(t)
        .ok()
        .and_then(|dt| {
            dt.format(&time::macros::format_description!("[year]-[month]-[day]"))
                .ok()
        })
        .unwrap_or_default()
}

/// The request's `User-Agent`, or empty.
pub fn user_agent(headers: &HeaderMap) -> String {
    headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

/// A short device name from a user agent ("Firefox on Linux").
pub fn device_name(ua: &str) -> String {
    let browser = if ua.contains("Edg/") {
        "Edge"
    } else if ua.contains("Firefox/") {
        "Firefox"
    } else if ua.contains("Chrome/") || ua.contains("Chromium/") {
        "Chrome"
    } else if ua.contains("Safari/") {
        "Safari"
    } else if ua.is_empty() {
        "Unknown browser"
    } else {
        "Browser"
    };
    let os = if ua.contains("Android") {
        "Android"
    } else if ua.contains("iPhone") || ua.contains("iPad") {
        "iOS"
    } else if ua.contains("Mac OS X") || ua.contains("Macintosh") {
        "macOS"
    } else if ua.contains("Windows") {
        "Windows"
    } else if ua.contains("CrOS") {
        "ChromeOS"
    } else if ua.contains("Linux") {
        "Linux"
    } else {
        ""
    };
    if os.is_empty() {
        browser.to_string()
    } else {
        format!("{browser} on {os}")
    }
}

/// A short plain-text response.
pub fn plain(status: StatusCode, text: &str) -> Response<Body> {
    let mut r = Response::new(Body::from(text.to_string()));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// A JSON response.
pub fn json(status: StatusCode, value: &serde_json::Value) -> Response<Body> {
    let mut r = Response::new(Body::from(value.to_string()));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}
