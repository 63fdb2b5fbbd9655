//! The pages people see: rendering (askama templates in `login-ui/`), the
//! static assets embedded in the binary, and the security headers every
//! page carries. The sign-in flows themselves live in `ui/` (one file per
//! flow); this file holds what they share.

pub mod misc;

use std::sync::{Arc, LazyLock};

use askama::Template;
use axum::Router;
use axum::body::Body;
use axum::routing::get;
use http::header::{self, HeaderMap, HeaderValue};
use http::{Response, StatusCode};
use sha2::{Digest, Sha256};

use crate::app::App;
use crate::authz::HostPattern;
use crate::config::Config;

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
}

impl Chrome {
    pub fn new(cfg: &Config, request_id: Option<&str>) -> Self {
        Self {
            brand: cfg.branding.name.clone(),
            logo_url: cfg.branding.logo_url.clone(),
            prefix: cfg.server.prefix.clone(),
            static_url: format!("{}/static", cfg.server.prefix),
            version: asset_version(),
            brand_version: short_hash(cfg.branding.accent_color.as_bytes()),
            request_id: request_id.map(str::to_string),
        }
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
    let accept_html = h
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"));
    let xhr = h
        .get("x-requested-with")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("xmlhttprequest"));
    accept_html && !xhr
}

/// passgate's own endpoints under `prefix` (forward auth is served before
/// this router, on the hot path in `server.rs`).
pub fn router(app: Arc<App>, prefix: &str) -> Router {
    let inner = Router::new()
        .route("/health/ready", get(misc::ready))
        .route("/jwks.json", get(misc::jwks))
        .route("/whoami", get(misc::whoami))
        .route("/static/brand.css", get(misc::brand_css))
        .route("/static/{name}", get(misc::asset))
        .fallback(misc::not_found);
    Router::new()
        .nest(prefix, inner)
        .fallback(misc::not_found)
        .with_state(app)
}
