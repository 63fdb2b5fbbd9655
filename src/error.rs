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

    /// (title, message, what to do next) as shown to people.
    fn words(&self) -> (&'static str, String, &'static str) {
        match self {
            GateError::BadRequest(m) => ("This request cannot be handled", m.clone(), "Check the address and try again."),
            GateError::Unavailable(_) => (
                "Sign-in is briefly unavailable",
                "passgate cannot reach its database right now.".into(),
                "Try again in a minute. If it keeps happening, tell whoever runs this service and quote the reference below.",
            ),
            GateError::Proxy(ProxyError::Timeout { .. }) => (
                "The application is not answering",
                "The application behind this address took too long to respond.".into(),
                "Try again in a moment. If it keeps happening, the application may be overloaded or stuck.",
            ),
            GateError::Proxy(ProxyError::BadRequest(m)) => ("This request cannot be forwarded", m.clone(), "Check the address and try again."),
            GateError::Proxy(_) => (
                "The application is not reachable",
                "You are signed in, but the application behind this address is down or refusing connections.".into(),
                "Try again in a moment. If it keeps happening, tell whoever runs this application and quote the reference below.",
            ),
            GateError::NotFound => ("Page not found", "There is nothing at this address.".into(), ""),
            GateError::MethodNotAllowed(m) => (
                "This request cannot be handled",
                format!("The method {m} is not passed on to applications."),
                "",
            ),
            GateError::NoUpstream(_) => (
                "Nothing is served here",
                "This address is protected for another proxy to serve; passgate itself has no application for it.".into(),
                "",
            ),
            GateError::UntrustedCaller(_) => (
                "Not allowed",
                "This endpoint answers only the proxies listed in passgate's configuration.".into(),
                "",
            ),
            GateError::Token(t) => (
                "This token is not accepted",
                t.message(),
                "A script or CI job needs a valid token for a rule with tokens = true; whoever runs passgate can issue one (passgate token create, or rotate).",
            ),
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
        let (title, message, next) = self.words();
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
                chrome: Chrome::new(
                    cfg,
                    Some(request_id),
                    crate::i18n::negotiate(req_headers, cfg.branding.language),
                    None,
                ),
                title: title.into(),
                message,
                next: next.into(),
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
                    vec![Action::link("Try again", "")]
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
