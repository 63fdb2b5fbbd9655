//! The pages people see: rendering (askama templates in `login-ui/`), the
//! static assets embedded in the binary, and the security headers every
//! page carries. The sign-in flows themselves live in `ui/` (one file per
//! flow); this file holds what they share.

pub mod account;
pub mod email;
pub mod login;
pub mod misc;
pub mod passkeys;

use std::sync::{Arc, LazyLock};

use askama::Template;
use axum::Router;
use axum::body::Body;
use axum::routing::{get, post};
use http::header::{self, HeaderMap, HeaderValue};
use http::{Response, StatusCode};
use sha2::{Digest, Sha256};

use crate::app::App;
use crate::authz::HostPattern;
use crate::config::Config;
use crate::session::ActiveSession;
use crate::store::StoreError;

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

/// passgate's own endpoints under `prefix` (forward auth is served before
/// this router, on the hot path in `server.rs`).
pub fn router(app: Arc<App>, prefix: &str) -> Router {
    let inner = Router::new()
        .route("/login", get(login::page))
        .route("/logout", get(login::logout_page).post(login::logout))
        .route("/email/start", post(email::start))
        .route("/email/verify", get(email::verify_page).post(email::verify))
        .route("/email/code", get(email::code_page).post(email::code))
        .route("/invite", get(email::invite_page).post(email::invite))
        .route(
            "/webauthn/authenticate/start",
            post(passkeys::authenticate_start),
        )
        .route(
            "/webauthn/authenticate/finish",
            post(passkeys::authenticate_finish),
        )
        .route("/webauthn/register/start", post(passkeys::register_start))
        .route("/webauthn/register/finish", post(passkeys::register_finish))
        .route("/passkey/offer", get(account::offer))
        .route("/account", get(account::page))
        .route("/account/profile", post(account::profile))
        .route("/account/passkeys/rename", post(account::rename_passkey))
        .route("/account/passkeys/remove", post(account::remove_passkey))
        .route("/account/sessions/revoke", post(account::revoke_session))
        .route("/account/sessions/revoke-all", post(account::revoke_all))
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
        (Some(c), Some(t)) if !c.is_empty() && constant_eq(c.as_bytes(), t.as_bytes()) => Ok(()),
        _ => Err(Forged::Token),
    }
}

/// Compare without leaking where the first difference is.
pub fn constant_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The fields of a form POST that passed the `Origin` and CSRF checks.
/// Every form handler takes its fields through this, so none can forget the
/// checks; a POST that fails them is answered here (a page saying what to
/// do) and audited.
pub struct Posted(pub std::collections::HashMap<String, String>);

impl axum::extract::FromRequest<Arc<App>> for Posted {
    type Rejection = Response<Body>;

    async fn from_request(
        req: http::Request<Body>,
        app: &Arc<App>,
    ) -> Result<Self, Self::Rejection> {
        use axum::response::IntoResponse;
        let ctx = req.extensions().get::<crate::server::ReqCtx>().cloned();
        let headers = req.headers().clone();
        let axum::extract::Form(fields) = axum::extract::Form::<
            std::collections::HashMap<String, String>,
        >::from_request(req, app)
        .await
        .map_err(|e| e.into_response())?;
        let cfg = app.config();
        match check_post(&cfg, &headers, fields.get("csrf").map(String::as_str)) {
            Ok(()) => Ok(Posted(fields)),
            Err(why) => Err(match ctx {
                Some(ctx) => login::forged(app, &headers, &ctx, why).await,
                None => crate::error::plain(StatusCode::FORBIDDEN, why.message()),
            }),
        }
    }
}

/// Render a page that holds forms: `build` gets this browser's CSRF token,
/// and the CSRF cookie is set when it is new.
pub fn page<T: Template>(
    cfg: &Config,
    headers: &HeaderMap,
    status: StatusCode,
    build: impl FnOnce(String) -> T,
) -> Response<Body> {
    let (csrf, cookie) = csrf_token(cfg, headers);
    with_cookies(html(status, &build(csrf), cfg), [cookie])
}

/// The signed-in session of this request, if any.
pub async fn current_session(
    app: &App,
    cfg: &Config,
    headers: &HeaderMap,
) -> Result<Option<Arc<ActiveSession>>, StoreError> {
    match crate::gate::session_cookie(cfg, headers) {
        Some(t) => app.sessions.validate(t).await,
        None => Ok(None),
    }
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

/// A validated post-login destination, or the account page.
pub fn destination(cfg: &Config, rd: Option<&str>) -> String {
    rd.and_then(|r| crate::authz::safe_redirect(r, &cfg.server.portal, &cfg.routes))
        .unwrap_or_else(|| format!("{}{}/account", cfg.server.portal.origin, cfg.server.prefix))
}

/// A message page.
pub fn message(
    cfg: &Config,
    status: StatusCode,
    request_id: &str,
    title: &str,
    message: &str,
    next: &str,
    actions: Vec<Action>,
) -> Response<Body> {
    let page = MessagePage {
        chrome: Chrome::new(cfg, Some(request_id)),
        title: title.into(),
        message: message.into(),
        next: next.into(),
        who: None,
        tone: if status.is_success() {
            "ok"
        } else if status.is_server_error() {
            "error"
        } else {
            "warn"
        },
        actions,
    };
    html(status, &page, cfg)
}

/// "2 minutes ago", "3 days ago", or a date.
pub fn ago(now: i64, t: i64) -> String {
    let d = (now - t).max(0);
    match d {
        0..=59 => "just now".into(),
        60..=3599 => plural(d / 60, "minute"),
        3600..=86_399 => plural(d / 3600, "hour"),
        86_400..=2_591_999 => plural(d / 86_400, "day"),
        _ => time::OffsetDateTime::from_unix_timestamp(t)
            .ok()
            .and_then(|dt| {
                dt.format(&time::macros::format_description!(
                    "[day] [month repr:short] [year]"
                ))
                .ok()
            })
            .unwrap_or_default(),
    }
}

fn plural(n: i64, unit: &str) -> String {
    if n == 1 {
        format!("1 {unit} ago")
    } else {
        format!("{n} {unit}s ago")
    }
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
