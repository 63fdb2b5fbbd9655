//! The one place where failures become responses.
//!
//! Browsers get a page that says what happened and what to do next; API
//! clients and proxies get the status with a short text. Either way the
//! client sees a generic message and a reference (the request id); the log
//! gets the detail, once.

use axum::body::Body;
use http::header::HeaderMap;
use http::{Response, StatusCode};

use crate::config::Config;
use crate::i18n::Lang;
use crate::page::{self, Action, Chrome, MessagePage, plain};
use crate::proxy::ProxyError;
use crate::store::StoreError;

/// A request that cannot be served.
#[derive(Debug, thiserror::Error)]
pub enum GateError {
    /// The client sent something unusable (400). The text is safe to show.
    #[error("{0}")]
    BadRequest(String),
    /// A store passgate depends on is down (503).
    #[error("{0}")]
    Unavailable(#[from] StoreError),
    /// Forwarding failed (502 or 504).
    #[error("{0}")]
    Proxy(#[from] ProxyError),
    /// Nothing here (404).
    #[error("not found")]
    NotFound,
    /// A method passgate does not pass on (405): CONNECT, TRACE.
    #[error("the method {0} is not passed on")]
    MethodNotAllowed(String),
    /// A forward-auth-only rule matched in proxy mode (404).
    #[error("{0} has no upstream; it is for forward auth only")]
    NoUpstream(String),
    /// A forward-auth call from a peer outside `trusted_proxies` (403).
    #[error("forward-auth call from {0}, which is not in server.trusted_proxies")]
    UntrustedCaller(String),
    /// A service token that cannot be used here (401, 403, 400 or 429).
    #[error("service token refused: {}", .0.code())]
    Token(TokenRefusal),
}

/// Why a request's service token was refused. The client learns the
/// code (and, for a malformed one, what is wrong with its form), never
/// whether an invalid token was unknown, expired or revoked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenRefusal {
    /// Not a well-formed token, or sent twice (401).
    Malformed(&'static str),
    /// Unknown, expired, revoked, or its account disabled (401).
    Invalid,
    /// The rule does not take tokens (403).
    NotAccepted,
    /// In the URL, where logs and browser histories keep it (400).
    InUrl,
    /// Too many failed attempts from this address; seconds to wait (429).
    TooMany(i64),
}

impl TokenRefusal {
    /// The reason code the client sees (RFC 6750's where one fits).
    pub fn code(&self) -> &'static str {
        match self {
            TokenRefusal::Malformed(_) => "invalid_request",
            TokenRefusal::Invalid => "invalid_token",
            TokenRefusal::NotAccepted => "token_not_accepted",
            TokenRefusal::InUrl => "token_in_url",
            TokenRefusal::TooMany(_) => "too_many_attempts",
        }
    }

    fn status(&self) -> StatusCode {
        match self {
            TokenRefusal::Malformed(_) | TokenRefusal::Invalid => StatusCode::UNAUTHORIZED,
            TokenRefusal::NotAccepted => StatusCode::FORBIDDEN,
            TokenRefusal::InUrl => StatusCode::BAD_REQUEST,
            TokenRefusal::TooMany(_) => StatusCode::TOO_MANY_REQUESTS,
        }
    }

    fn message(&self) -> String {
        let text = match self {
            TokenRefusal::Malformed(why) => why,
            TokenRefusal::Invalid => "the service token is not valid (unknown, expired or revoked)",
            TokenRefusal::NotAccepted => {
                "this address does not accept service tokens (its rule has no tokens = true)"
            }
            TokenRefusal::InUrl => {
                "service tokens are not accepted in the URL; send it as Authorization: Bearer or X-Passgate-Token"
            }
            TokenRefusal::TooMany(_) => {
                "too many failed token attempts from this address; wait and try again"
            }
        };
        format!("{}: {text}", self.code())
    }
}

impl GateError {
    pub fn status(&self) -> StatusCode {
        match self {
            GateError::BadRequest(_) => StatusCode::BAD_REQUEST,
            GateError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            GateError::Proxy(ProxyError::Timeout { .. }) => StatusCode::GATEWAY_TIMEOUT,
            GateError::Proxy(ProxyError::BadRequest(_)) => StatusCode::BAD_REQUEST,
            GateError::Proxy(_) => StatusCode::BAD_GATEWAY,
            GateError::NotFound | GateError::NoUpstream(_) => StatusCode::NOT_FOUND,
            GateError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            GateError::UntrustedCaller(_) => StatusCode::FORBIDDEN,
            GateError::Token(t) => t.status(),
        }
    }

    /// How a request this error refused is counted in the metrics.
    pub fn decision(&self) -> &'static str {
        match self {
            GateError::Unavailable(_) => "unavailable",
            GateError::UntrustedCaller(_) => "forbid",
            GateError::Token(_) => "token_refused",
            _ => "bad_request",
        }
    }

    /// (title, message, what to do next) as shown to people, in `lang`.
    /// (A bad request's own detail, and a token refusal's message for
    /// scripts, stay as they are.)
    fn words(&self, lang: Lang) -> (String, String, String) {
        let t = |k: &str| lang.t(k);
        match self {
            GateError::BadRequest(m) => (
                t("gate-bad-request-title"),
                m.clone(),
                t("gate-check-address"),
            ),
            GateError::Unavailable(_) => (
                t("error-unavailable-title"),
                t("error-unavailable-message"),
                t("error-unavailable-next"),
            ),
            GateError::Proxy(ProxyError::Timeout { .. }) => (
                t("gate-timeout-title"),
                t("gate-timeout-message"),
                t("gate-timeout-next"),
            ),
            GateError::Proxy(ProxyError::BadRequest(m)) => (
                t("gate-not-forwarded-title"),
                m.clone(),
                t("gate-check-address"),
            ),
            GateError::Proxy(_) => (
                t("gate-unreachable-title"),
                t("gate-unreachable-message"),
                t("gate-unreachable-next"),
            ),
            GateError::NotFound => (
                t("misc-not-found-title"),
                t("misc-not-found-message"),
                String::new(),
            ),
            GateError::MethodNotAllowed(m) => (
                t("gate-bad-request-title"),
                lang.t_with("gate-method", &[("method", m)]),
                String::new(),
            ),
            GateError::NoUpstream(_) => (
                t("gate-no-upstream-title"),
                t("gate-no-upstream-message"),
                String::new(),
            ),
            GateError::UntrustedCaller(_) => (
                t("gate-untrusted-title"),
                t("gate-untrusted-message"),
                String::new(),
            ),
            GateError::Token(tr) => (t("gate-token-title"), tr.message(), t("gate-token-next")),
        }
    }

    /// Render for the client and log the detail.
    pub fn respond(
        &self,
        cfg: &Config,
        req_headers: &HeaderMap,
        request_id: &str,
    ) -> Response<Body> {
        let status = self.status();
        match self {
            GateError::BadRequest(_)
            | GateError::NotFound
            | GateError::MethodNotAllowed(_)
            | GateError::Proxy(ProxyError::BadRequest(_)) => {
                tracing::info!(request_id, status = status.as_u16(), error = %self, "request refused")
            }
            GateError::UntrustedCaller(_) | GateError::Token(_) => {
                tracing::warn!(request_id, status = status.as_u16(), error = %self, "request refused")
            }
            _ => {
                tracing::error!(request_id, status = status.as_u16(), error = %self, "request failed")
            }
        }
        let lang = crate::i18n::negotiate(req_headers, cfg.branding.language);
        let (title, message, next) = self.words(lang);
        if let GateError::Token(t) = self {
            // An API client's answer, whatever it accepts.
            let mut r = plain(status, &format!("{status}: {message} (ref {request_id})\n"));
            let challenge = match t {
                TokenRefusal::Malformed(_) | TokenRefusal::Invalid => {
                    Some(format!("Bearer error=\"{}\"", t.code()))
                }
                _ => None,
            };
            if let Some(v) = challenge.and_then(|c| http::HeaderValue::from_str(&c).ok()) {
                r.headers_mut().insert(http::header::WWW_AUTHENTICATE, v);
            }
            if let TokenRefusal::TooMany(secs) = t {
                r.headers_mut()
                    .insert(http::header::RETRY_AFTER, http::HeaderValue::from(*secs));
            }
            r.headers_mut().insert(
                http::header::CACHE_CONTROL,
                http::HeaderValue::from_static("no-store"),
            );
            return r;
        }
        if page::wants_html(req_headers) {
            let page = MessagePage {
                chrome: Chrome::new(cfg, Some(request_id), lang, None),
                title,
                message,
                next,
                who: None,
                tone: if status.is_server_error() {
                    "error"
                } else {
                    "warn"
                },
                actions: if status == StatusCode::BAD_GATEWAY
                    || status == StatusCode::GATEWAY_TIMEOUT
                    || status == StatusCode::SERVICE_UNAVAILABLE
                {
                    vec![Action::link(&lang.t("error-try-again"), "")]
                } else {
                    vec![]
                },
            };
            page::html(status, &page, cfg)
        } else {
            plain(status, &format!("{status}: {message} (ref {request_id})\n"))
        }
    }
}
