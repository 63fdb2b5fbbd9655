//! `GET|POST P/oidc/authorize`: the authorization endpoint (code flow).
//!
//! Order of checks (RFC 6749 §4.1.2.1): until the client and its
//! `redirect_uri` are known to match, errors are a page — never a redirect
//! to a URI nobody registered. After that, errors go back to the app as
//! `error=` on its redirect URI. A person who is not signed in goes through
//! the login page; one whose sign-in is too old (`max_age`, `prompt=login`)
//! or not made with a passkey where the client requires one goes through
//! the step-up page; both return here. Someone outside the client's
//! `groups` gets a page saying so: a redirect would carry nothing useful
//! and tell the app who tried.

use std::sync::Arc;

use axum::Extension;
use axum::body::Body;
use axum::extract::State;
use http::header::HeaderMap;
use http::{Method, Response, StatusCode, Uri};

use super::{CodeRecord, Form, code_key, endpoint, issuer};
use crate::app::App;
use crate::config::{Config, OidcClient};
use crate::page::{Ctx, PageError};

/// How recent a sign-in must be after `prompt=login` sent the person to
/// sign in again (the continuation asks for it instead of `prompt=login`,
/// which would otherwise send them round again).
const FRESH_SIGN_IN: i64 = 60;

pub async fn authorize(
    State(app): State<Arc<App>>,
    Extension(ctx): Extension<Ctx>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response<Body> {
    let cfg = app.config();
    if !cfg.oidc.enabled() {
        return refused(
            &cfg,
            &headers,
            &ctx,
            "not_enabled",
            &ctx.lang.t("oidc-not-enabled"),
        );
    }
    let form = if method == Method::POST {
        // A POST from the app's page is cross-site: the session cookie
        // (SameSite=Lax) is not sent with it. The same request as a GET
        // carries it.
        if !super::is_form(&headers) {
            return refused(
                &cfg,
                &headers,
                &ctx,
                "invalid_request",
                &ctx.lang.t("oidc-not-a-form"),
            );
        }
        match super::read_form(body).await {
            Ok(f) => {
                return crate::page::see_other(&continuation(&cfg, f.pairs()));
            }
            Err(e) => {
                return refused(
                    &cfg,
                    &headers,
                    &ctx,
                    e.code(),
                    &ctx.lang.t("oidc-unreadable"),
                );
            }
        }
    } else {
        Form::parse(uri.query().unwrap_or(""))
    };
    run(&app, &cfg, &ctx, &headers, &form).await
}

/// Where errors go once the client and redirect URI are known.
struct Back<'a> {
    redirect_uri: &'a str,
    state: Option<&'a str>,
    issuer: &'a str,
}

impl Back<'_> {
    fn to(&self, params: &[(&str, &str)]) -> Response<Body> {
        let mut url = match url::Url::parse(self.redirect_uri) {
            Ok(u) => u,
            // Registered URIs were parsed at load time.
            Err(_) => return crate::page::plain(StatusCode::BAD_REQUEST, "bad redirect_uri"),
        };
        {
            let mut q = url.query_pairs_mut();
            for (k, v) in params {
                q.append_pair(k, v);
            }
            if let Some(s) = self.state {
                q.append_pair("state", s);
            }
            q.append_pair("iss", self.issuer);
        }
        crate::page::see_other(url.as_str())
    }

    fn error(&self, error: &str, description: &str) -> Response<Body> {
        self.to(&[("error", error), ("error_description", description)])
    }
}

async fn run(
    app: &App,
    cfg: &Config,
    ctx: &Ctx,
    headers: &HeaderMap,
    form: &Form,
) -> Response<Body> {
    let ip = ctx.client_ip();
    let ua = crate::page::user_agent(headers);
    let refuse_page = |code: &'static str, client: &str, message: &str| {
        let e = super::audit_event("oidc.refused", false, client, code).from(&ip, &ua);
        (e, refused(cfg, headers, ctx, code, message))
    };
    let client_id = match form.one("client_id") {
        Ok(Some(c)) => c,
        Ok(None) => {
            let (e, r) = refuse_page("invalid_request", "-", &ctx.lang.t("oidc-no-client-id"));
            app.audit(e).await;
            return r;
        }
        Err(_) => {
            let (e, r) = refuse_page("invalid_request", "-", &ctx.lang.t("oidc-client-twice"));
            app.audit(e).await;
            return r;
        }
    };
    let Some(client) = cfg.oidc.client(client_id) else {
        let (e, r) = refuse_page(
            "unknown_client",
            client_id,
            &ctx.lang.t("oidc-unknown-client"),
        );
        app.audit(e).await;
        return r;
    };
    let redirect_uri = match form.one("redirect_uri") {
        Ok(Some(u)) if client.redirect_uris.iter().any(|r| r == u) => u,
        Ok(_) | Err(_) => {
            let (e, r) = refuse_page(
                "redirect_uri_not_registered",
                &client.id,
                &ctx.lang
                    .t_with("oidc-redirect-not-registered", &[("app", &client.name)]),
            );
            app.audit(e).await;
            return r;
        }
    };
    let state = match form.one("state") {
        Ok(s) => s,
        Err(_) => {
            let back = Back {
                redirect_uri,
                state: None,
                issuer: issuer(cfg),
            };
            return back.error("invalid_request", "state is given more than once");
        }
    };
    let back = Back {
        redirect_uri,
        state,
        issuer: issuer(cfg),
    };
    let refused_back = |error: &'static str, description: &str| {
        (
            super::audit_event("oidc.refused", false, &client.id, error).from(&ip, &ua),
            back.error(error, description),
        )
    };
    let request = match Request::read(client, form) {
        Ok(r) => r,
        Err((error, description)) => {
            let (e, r) = refused_back(error, &description);
            app.audit(e).await;
            return r;
        }
    };
    let session = match crate::ui::current_session(app, cfg, headers).await {
        Ok(s) => s,
        Err(e) => return PageError::from(e).respond(cfg, headers, ctx),
    };
    let Some(session) = session else {
        if request.prompt_none {
            return back.error("login_required", "nobody is signed in to passgate");
        }
        let mut login = format!(
            "{}?rd={}",
            cfg.login_url(),
            crate::page::enc(&continuation(cfg, &without_prompt_login(form.pairs())))
        );
        if let Some(hint) = request
            .login_hint
            .filter(|h| h.contains('@') && h.len() <= 254)
        {
            login.push_str("&email=");
            login.push_str(&crate::page::enc(hint));
        }
        return crate::page::see_other(&login);
    };
    if !client.admits(&session.principal.groups) {
        app.audit(
            super::audit_event("oidc.refused", false, &client.id, "not_in_groups")
                .user_id(&session.principal.user_id, &session.principal.email)
                .from(&ip, &ua),
        )
        .await;
        return PageError::refused(
            StatusCode::FORBIDDEN,
            "not_allowed",
            ctx.lang
                .t_with("oidc-not-for-you-title", &[("app", &client.name)]),
            ctx.lang.t_with(
                "oidc-not-for-you-message",
                &[
                    ("who", &session.principal.email),
                    ("app", &client.name),
                    ("groups", &client.groups.join(", ")),
                ],
            ),
        )
        .next(ctx.lang.t("oidc-not-for-you-next"))
        .respond(cfg, headers, ctx);
    }
    let now = app.clock.now();
    let stale = request
        .max_age
        .is_some_and(|max| now - session.auth_time() > max);
    let weak = client.require_passkey && session.record.auth_method != crate::authz::PASSKEY_AMR;
    if request.prompt_login || stale || weak {
        if request.prompt_none {
            return back.error(
                "login_required",
                if weak {
                    "this application needs a passkey sign-in"
                } else {
                    "the sign-in is older than the application accepts"
                },
            );
        }
        let mut pairs = without_prompt_login(form.pairs());
        if request.prompt_login {
            let max = request
                .max_age
                .map_or(FRESH_SIGN_IN, |m| m.min(FRESH_SIGN_IN));
            pairs.retain(|(k, _)| k != "max_age");
            pairs.push(("max_age".into(), max.to_string()));
        }
        return crate::page::see_other(&cfg.step_up_url(&continuation(cfg, &pairs)));
    }
    let (code, hash) = crate::session::new_token();
    let record = CodeRecord {
        client_id: client.id.clone(),
        redirect_uri: redirect_uri.to_string(),
        challenge: request.challenge.map(str::to_string),
        nonce: request.nonce.map(str::to_string),
        scope: request.scope,
        session_id: session.record.id.clone(),
        user_id: session.principal.user_id.clone(),
        auth_time: session.auth_time(),
        amr: session.record.auth_method.clone(),
    };
    let stored = match serde_json::to_vec(&record) {
        Ok(bytes) => app.eph.put(&code_key(&hash), &bytes, super::CODE_TTL).await,
        Err(e) => Err(crate::store::StoreError::Corrupt(e.to_string())),
    };
    if let Err(e) = stored {
        return PageError::from(e).respond(cfg, headers, ctx);
    }
    app.audit(
        super::audit_event("oidc.authorize", true, &client.id, "")
            .user_id(&session.principal.user_id, &session.principal.email)
            .from(&ip, &ua),
    )
    .await;
    back.to(&[("code", &code)])
}

/// The checked parameters of an authorization request.
struct Request<'f> {
    scope: String,
    nonce: Option<&'f str>,
    challenge: Option<&'f str>,
    prompt_none: bool,
    prompt_login: bool,
    /// The stricter of the request's and the client's, in seconds.
    max_age: Option<i64>,
    login_hint: Option<&'f str>,
}

type Refusal = (&'static str, String);

impl<'f> Request<'f> {
    fn read(client: &OidcClient, form: &'f Form) -> Result<Self, Refusal> {
        let one = |name: &str| {
            form.one(name)
                .map_err(|e| ("invalid_request", e.description_text()))
        };
        if one("request")?.is_some() {
            return Err((
                "request_not_supported",
                "request objects are not supported".into(),
            ));
        }
        if one("request_uri")?.is_some() {
            return Err((
                "request_uri_not_supported",
                "request_uri is not supported".into(),
            ));
        }
        match one("response_type")? {
            Some("code") => {}
            Some(_) => {
                return Err((
                    "unsupported_response_type",
                    "only response_type=code is supported".into(),
                ));
            }
            None => return Err(("invalid_request", "response_type is missing".into())),
        }
        match one("response_mode")? {
            None | Some("query") => {}
            Some(_) => {
                return Err((
                    "invalid_request",
                    "only response_mode=query is supported".into(),
                ));
            }
        }
        let asked: Vec<&str> = one("scope")?.unwrap_or("").split(' ').collect();
        if !asked.contains(&"openid") {
            return Err(("invalid_scope", "scope must include openid".into()));
        }
        // Scopes the client may not have, or passgate does not know, are
        // left out of what is granted (OIDC Core §3.1.2.1).
        let scope = crate::config::OIDC_SCOPES
            .iter()
            .filter(|s| asked.contains(s) && client.allows_scope(s))
            .copied()
            .collect::<Vec<_>>()
            .join(" ");
        let nonce = one("nonce")?;
        if nonce.is_some_and(|n| n.len() > 512) {
            return Err(("invalid_request", "nonce is too long".into()));
        }
        let challenge = one("code_challenge")?;
        match (challenge, one("code_challenge_method")?) {
            (None, None) if client.is_public() => {
                return Err((
                    "invalid_request",
                    "a public client must use PKCE (code_challenge with code_challenge_method=S256)"
                        .into(),
                ));
            }
            (None, None) => {}
            (Some(c), Some("S256")) if is_s256_challenge(c) => {}
            (Some(_), Some("S256")) => {
                return Err((
                    "invalid_request",
                    "code_challenge is not a base64url SHA-256 (43 characters)".into(),
                ));
            }
            (Some(_), _) => {
                return Err((
                    "invalid_request",
                    "code_challenge_method must be S256".into(),
                ));
            }
            (None, Some(_)) => {
                return Err((
                    "invalid_request",
                    "code_challenge_method without code_challenge".into(),
                ));
            }
        }
        let mut prompt_none = false;
        let mut prompt_login = false;
        let prompts: Vec<&str> = one("prompt")?
            .unwrap_or("")
            .split(' ')
            .filter(|p| !p.is_empty())
            .collect();
        for p in &prompts {
            match *p {
                "none" => prompt_none = true,
                "login" => prompt_login = true,
                // No consent screen for clients the operator configured;
                // one account per browser.
                "consent" | "select_account" => {}
                _ => {
                    return Err(("invalid_request", "prompt has an unknown value".into()));
                }
            }
        }
        if prompt_none && prompts.len() > 1 {
            return Err((
                "invalid_request",
                "prompt=none cannot be combined with other values".into(),
            ));
        }
        let asked_max_age = match one("max_age")? {
            None => None,
            Some(m) => match m.parse::<u32>() {
                Ok(v) => Some(i64::from(v)),
                Err(_) => {
                    return Err((
                        "invalid_request",
                        "max_age is not a number of seconds".into(),
                    ));
                }
            },
        };
        let client_max_age = client.max_age.map(|d| d.as_secs() as i64);
        let max_age = match (asked_max_age, client_max_age) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        Ok(Request {
            scope,
            nonce,
            challenge,
            prompt_none,
            prompt_login,
            max_age,
            login_hint: one("login_hint")?,
        })
    }
}

/// A PKCE S256 challenge: base64url of a SHA-256, no padding.
fn is_s256_challenge(c: &str) -> bool {
    c.len() == 43
        && c.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// This endpoint with these parameters (where sign-in returns to).
fn continuation(cfg: &Config, pairs: &[(String, String)]) -> String {
    let query: String = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs.iter())
        .finish();
    format!("{}?{query}", endpoint(cfg, "authorize"))
}

/// The parameters without `prompt=login` (kept, it would send the person
/// to sign in again after signing in).
fn without_prompt_login(pairs: &[(String, String)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .filter_map(|(k, v)| {
            if k != "prompt" {
                return Some((k.clone(), v.clone()));
            }
            let rest: Vec<&str> = v.split(' ').filter(|p| *p != "login").collect();
            (!rest.iter().all(|p| p.is_empty())).then(|| (k.clone(), rest.join(" ")))
        })
        .collect()
}

/// A page refusing a request that cannot go back to the app.
fn refused(
    cfg: &Config,
    headers: &HeaderMap,
    ctx: &Ctx,
    code: &'static str,
    message: &str,
) -> Response<Body> {
    PageError::refused(
        StatusCode::BAD_REQUEST,
        code,
        ctx.lang.t("oidc-request-unusable"),
        message.to_string(),
    )
    .next(ctx.lang.t("oidc-request-unusable-next"))
    .respond(cfg, headers, ctx)
}
