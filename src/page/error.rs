//! The one error type page handlers answer with, and its three renderers.
//!
//! A handler says what went wrong in words meant for the person (or the
//! page's script) — [`PageError::refused`] — or hands over a failure it
//! cannot word: a store outage ([`PageError::Unavailable`], 503) or
//! something inside passgate ([`PageError::Internal`], 500). The renderer
//! picks the form: a message page for browsers, JSON for the pages'
//! scripts, plain text for everyone else. The log gets the detail once,
//! with the request id; a client never sees a library's error text, only
//! the words here and the request id to quote.
//!
//! `GateError::respond` (the gate's answers) is the model this follows.

use axum::body::Body;
use http::header::HeaderMap;
use http::{Response, StatusCode};
use serde_json::{Map, Value};

use super::{Action, Ctx, MessagePage};
use crate::config::Config;
use crate::store::StoreError;

/// Why a page request was not served.
#[derive(Debug)]
pub enum PageError {
    /// A store passgate depends on is down (503). Logged, not shown.
    Unavailable(StoreError),
    /// passgate failed inside (500); what failed, for the log only.
    Internal(String),
    /// A refusal worded for the person: safe to show as it is.
    Refused(Box<Refusal>),
}

/// A refusal's status, machine code and words.
#[derive(Debug)]
pub struct Refusal {
    pub status: StatusCode,
    /// Short and stable, for scripts and the log (`rate_limited`).
    pub code: &'static str,
    pub title: String,
    pub message: String,
    /// What to do next, shown under the message.
    pub next: String,
    pub actions: Vec<Action>,
    /// Further fields of the JSON answer (`credential_id`).
    pub fields: Map<String, Value>,
}

impl From<StoreError> for PageError {
    fn from(e: StoreError) -> Self {
        PageError::Unavailable(e)
    }
}

impl PageError {
    /// A refusal: `status` (4xx), a machine `code`, and a title and message
    /// for people.
    pub fn refused(
        status: StatusCode,
        code: &'static str,
        title: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        PageError::Refused(Box::new(Refusal {
            status,
            code,
            title: title.into(),
            message: message.into(),
            next: String::new(),
            actions: Vec::new(),
            fields: Map::new(),
        }))
    }

    /// What to do next (for a refusal; the others say it themselves).
    pub fn next(mut self, next: impl Into<String>) -> Self {
        if let PageError::Refused(r) = &mut self {
            r.next = next.into();
        }
        self
    }

    /// A button or link under the message.
    pub fn action(mut self, a: Action) -> Self {
        if let PageError::Refused(r) = &mut self {
            r.actions.push(a);
        }
        self
    }

    /// A further field of the JSON answer.
    pub fn field(mut self, name: &str, value: impl Into<Value>) -> Self {
        if let PageError::Refused(r) = &mut self {
            r.fields.insert(name.into(), value.into());
        }
        self
    }

    pub fn status(&self) -> StatusCode {
        match self {
            PageError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            PageError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            PageError::Refused(r) => r.status,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            PageError::Unavailable(_) => "unavailable",
            PageError::Internal(_) => "internal",
            PageError::Refused(r) => r.code,
        }
    }

    /// (title, message, what to do next) as shown to people, in `lang`
    /// (a refusal was worded by its caller).
    fn words(&self, lang: crate::i18n::Lang) -> (String, String, String) {
        match self {
            PageError::Unavailable(_) => (
                lang.t("error-unavailable-title"),
                lang.t("error-unavailable-message"),
                lang.t("error-unavailable-next"),
            ),
            PageError::Internal(_) => (
                lang.t("error-internal-title"),
                lang.t("error-internal-message"),
                lang.t("error-internal-next"),
            ),
            PageError::Refused(r) => (r.title.clone(), r.message.clone(), r.next.clone()),
        }
    }

    /// The log line, once per answer: failures as errors with their
    /// detail, refusals as information.
    fn log(&self, ctx: &Ctx) {
        let request_id = ctx.request_id();
        let status = self.status().as_u16();
        match self {
            PageError::Unavailable(e) => {
                tracing::error!(request_id, status, error = %e, "page failed: store unavailable")
            }
            PageError::Internal(detail) => {
                tracing::error!(request_id, status, error = %detail, "page failed")
            }
            PageError::Refused(r) => {
                tracing::info!(request_id, status, code = r.code, "page request refused")
            }
        }
    }

    /// The answer in the form this request wants: a page for browsers,
    /// JSON for scripts that accept it, plain text otherwise.
    pub fn respond(&self, cfg: &Config, headers: &HeaderMap, ctx: &Ctx) -> Response<Body> {
        if super::wants_html(headers) {
            self.page(cfg, ctx)
        } else if headers
            .get(http::header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|a| a.contains("application/json"))
        {
            self.json(ctx)
        } else {
            self.plain(ctx)
        }
    }

    /// A message page.
    pub fn page(&self, cfg: &Config, ctx: &Ctx) -> Response<Body> {
        self.log(ctx);
        let status = self.status();
        let (title, message, next) = self.words(ctx.lang);
        let mut actions = match self {
            PageError::Refused(r) => r.actions.clone(),
            _ => Vec::new(),
        };
        if actions.is_empty() && status.is_server_error() {
            actions.push(Action::link(&ctx.lang.t("error-try-again"), ""));
        }
        let page = MessagePage {
            chrome: ctx.chrome(cfg),
            title,
            message,
            next,
            who: None,
            tone: if status.is_server_error() {
                "error"
            } else {
                "warn"
            },
            actions,
        };
        super::html(status, &page, cfg)
    }

    /// `{"error": code, "message": …, "request_id": …}` and any further
    /// fields, for the pages' scripts.
    pub fn json(&self, ctx: &Ctx) -> Response<Body> {
        self.log(ctx);
        let (title, message, next) = self.words(ctx.lang);
        // Scripts show `message` alone: it carries what to do next.
        let text = match self {
            PageError::Refused(r) if r.message.is_empty() => title.to_string(),
            PageError::Refused(_) if next.is_empty() => message.to_string(),
            _ => format!("{message} {next}"),
        };
        let mut body = match self {
            PageError::Refused(r) => r.fields.clone(),
            _ => Map::new(),
        };
        body.insert("error".into(), self.code().into());
        body.insert("message".into(), text.into());
        body.insert("request_id".into(), ctx.request_id().into());
        super::json(self.status(), &Value::Object(body))
    }

    /// `STATUS: message (ref ID)`.
    pub fn plain(&self, ctx: &Ctx) -> Response<Body> {
        self.log(ctx);
        let status = self.status();
        let (_, message, _) = self.words(ctx.lang);
        super::plain(
            status,
            &format!("{status}: {message} (ref {})\n", ctx.request_id()),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> Ctx {
        Ctx::new(
            "req-1",
            "192.0.2.1".parse().expect("ip"),
            crate::i18n::Lang::En,
            "/.passgate/x",
        )
    }

    async fn body(r: Response<Body>) -> String {
        let b = http_body_util::BodyExt::collect(r.into_body())
            .await
            .expect("body")
            .to_bytes();
        String::from_utf8(b.to_vec()).expect("utf-8")
    }

    #[tokio::test]
    async fn a_store_outage_shows_no_library_text_in_any_form() {
        let secret = "password authentication failed for user \"pg_secret\"";
        let e = || {
            PageError::from(StoreError::Unavailable {
                backend: "postgres",
                detail: secret.into(),
            })
        };
        let j = e().json(&ctx());
        assert_eq!(j.status(), StatusCode::SERVICE_UNAVAILABLE);
        let j = body(j).await;
        assert!(!j.contains("pg_secret"), "{j}");
        let v: Value = serde_json::from_str(&j).expect("json");
        assert_eq!(v["error"], "unavailable");
        assert_eq!(v["request_id"], "req-1");
        let p = body(e().plain(&ctx())).await;
        assert!(
            p.starts_with("503 Service Unavailable: ") && p.contains("(ref req-1)"),
            "{p}"
        );
        assert!(!p.contains("pg_secret"), "{p}");
        let i = body(PageError::Internal(secret.into()).json(&ctx())).await;
        assert!(!i.contains("pg_secret"), "{i}");
    }

    #[tokio::test]
    async fn refusals_keep_their_words_code_and_fields() {
        let e = PageError::refused(
            StatusCode::BAD_REQUEST,
            "unknown_credential",
            "Unknown passkey",
            "This passkey is no longer registered here.",
        )
        .next("Sign in another way.")
        .field("credential_id", "abc");
        assert_eq!(e.status(), StatusCode::BAD_REQUEST);
        let v: Value = serde_json::from_str(&body(e.json(&ctx())).await).expect("json");
        assert_eq!(v["error"], "unknown_credential");
        assert_eq!(v["credential_id"], "abc");
        assert_eq!(
            v["message"],
            "This passkey is no longer registered here. Sign in another way."
        );
    }

    #[test]
    fn respond_picks_the_form_the_request_wants() {
        let mut h = HeaderMap::new();
        let cfg = crate::Config::from_toml(
            "[server]\npublic_url = \"http://localhost:8080\"\n\n[[route]]\nhost = \"localhost\"\nupstream = \"http://127.0.0.1:9\"\n",
            "test",
            std::iter::empty(),
            &std::env::temp_dir(),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let e = || PageError::refused(StatusCode::GONE, "expired", "Expired", "The link expired.");
        let ct = |r: Response<Body>| {
            r.headers()
                .get(http::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string()
        };
        assert!(ct(e().respond(&cfg, &h, &ctx())).starts_with("text/plain"));
        h.insert(http::header::ACCEPT, "application/json".parse().expect("v"));
        assert_eq!(ct(e().respond(&cfg, &h, &ctx())), "application/json");
        h.insert(http::header::ACCEPT, "text/html,*/*".parse().expect("v"));
        assert!(ct(e().respond(&cfg, &h, &ctx())).starts_with("text/html"));
    }
}
