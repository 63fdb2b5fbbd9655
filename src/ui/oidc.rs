//! passgate as an OpenID Connect provider, for apps with an OIDC login of
//! their own (Grafana, GitLab, Nextcloud, Apache's mod_auth_openidc, …):
//! the same people, groups, passkeys, sessions and sign-out as the gate.
//!
//! - `authorize.rs`: the authorization endpoint (code flow, PKCE), which
//!   sends people through the existing sign-in and step-up pages;
//! - `token.rs`: the token endpoint (code exchange, refresh rotation) and
//!   revocation (RFC 7009);
//! - `userinfo.rs`: the userinfo endpoint;
//! - `logout.rs`: RP-initiated logout.
//!
//! This file holds what they share: the discovery document, the codes'
//! records, client authentication, the OAuth error answer, and the tokens
//! themselves.
//!
//! Every token hangs off a passgate session: a code names the session that
//! signed in, a grant (the durable record of what a code gave) lives no
//! longer than that session (`store::Grants`), and an access token is
//! honoured only while its grant and session are (`session/grants.rs`). So
//! signing out, revoking a session, disabling or deleting a user ends an
//! app's tokens with everything else, on every replica within a second.

pub mod authorize;
pub mod logout;
pub mod token;
pub mod userinfo;

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::State;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use http::header::{self, HeaderMap, HeaderValue};
use http::{Response, StatusCode};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::app::App;
use crate::config::{Config, IdTokenAlg, OidcClient};
use crate::session::ActiveSession;
use crate::session::grants::AccessClaims;
use crate::store::Grant;

/// How long an authorization code may be exchanged.
pub const CODE_TTL: Duration = Duration::from_secs(60);
/// How long a spent code is remembered, so that its reuse revokes what it
/// gave.
const SPENT_TTL: Duration = Duration::from_secs(600);

/// The issuer: `server.public_url`.
pub fn issuer(cfg: &Config) -> &str {
    &cfg.server.portal.origin
}

/// The URL of one of the provider's endpoints (`authorize`, `token`, …).
pub fn endpoint(cfg: &Config, name: &str) -> String {
    format!(
        "{}{}/oidc/{name}",
        cfg.server.portal.origin, cfg.server.prefix
    )
}

pub use crate::config::OIDC_DISCOVERY_PATH as DISCOVERY_PATH;

/// `GET {public_url}/.well-known/openid-configuration`.
pub async fn discovery(State(app): State<Arc<App>>) -> Response<Body> {
    let cfg = app.config();
    if !cfg.oidc.enabled() {
        return crate::page::plain(
            StatusCode::NOT_FOUND,
            "passgate is not an OpenID provider here: no [[oidc.client]] is configured.",
        );
    }
    let mut scopes: Vec<&str> = Vec::new();
    for c in &cfg.oidc.clients {
        for s in &c.scopes {
            if !scopes.contains(&s.as_str()) {
                scopes.push(s);
            }
        }
    }
    let doc = serde_json::json!({
        "issuer": issuer(&cfg),
        "authorization_endpoint": endpoint(&cfg, "authorize"),
        "token_endpoint": endpoint(&cfg, "token"),
        "userinfo_endpoint": endpoint(&cfg, "userinfo"),
        "revocation_endpoint": endpoint(&cfg, "revoke"),
        "end_session_endpoint": endpoint(&cfg, "end-session"),
        "jwks_uri": format!("{}{}/jwks.json", cfg.server.portal.origin, cfg.server.prefix),
        "scopes_supported": scopes,
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256", "ES256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "code_challenge_methods_supported": ["S256"],
        "prompt_values_supported": ["none", "login", "consent", "select_account"],
        "claims_supported": [
            "iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "amr", "sid", "azp", "at_hash",
            "email", "email_verified", "name", "preferred_username", "groups"
        ],
        "claims_parameter_supported": false,
        "request_parameter_supported": false,
        "request_uri_parameter_supported": false,
        "authorization_response_iss_parameter_supported": true,
        "frontchannel_logout_supported": false,
        "backchannel_logout_supported": false,
    });
    let mut r = crate::page::json(StatusCode::OK, &doc);
    public_document(r.headers_mut());
    r
}

/// A document any page may read: cacheable briefly, any origin.
fn public_document(h: &mut HeaderMap) {
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    h.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
}

/// An authorization code's record (in the ephemeral store, keyed by the
/// code's hash).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct CodeRecord {
    client_id: String,
    redirect_uri: String,
    /// PKCE S256 challenge.
    challenge: Option<String>,
    nonce: Option<String>,
    scope: String,
    session_id: String,
    user_id: String,
    auth_time: i64,
    amr: String,
}

fn code_key(hash: &[u8; 32]) -> String {
    format!("oidc:code:{}", hex::encode(hash))
}

fn spent_key(hash: &[u8; 32]) -> String {
    format!("oidc:spent:{}", hex::encode(hash))
}

/// An error answer of the token, revocation or userinfo endpoints
/// (RFC 6749 §5.2 / RFC 6750 §3): JSON with `error` and a description
/// that never holds a secret, a code or a token.
#[derive(Debug)]
pub struct OAuthError {
    status: StatusCode,
    error: &'static str,
    description: String,
    /// `WWW-Authenticate` to send (401s).
    challenge: Option<String>,
}

impl OAuthError {
    pub fn new(error: &'static str, description: impl Into<String>) -> Self {
        let status = match error {
            "invalid_client" | "invalid_token" => StatusCode::UNAUTHORIZED,
            "temporarily_unavailable" => StatusCode::SERVICE_UNAVAILABLE,
            "server_error" => StatusCode::INTERNAL_SERVER_ERROR,
            "slow_down" => StatusCode::TOO_MANY_REQUESTS,
            _ => StatusCode::BAD_REQUEST,
        };
        Self {
            status,
            error,
            description: description.into(),
            challenge: None,
        }
    }

    fn with_status(mut self, s: StatusCode) -> Self {
        self.status = s;
        self
    }

    fn challenge(mut self, c: String) -> Self {
        self.challenge = Some(c);
        self
    }

    /// The store is down.
    fn unavailable(e: &crate::store::StoreError) -> Self {
        tracing::warn!(error = %e, "OpenID Connect request failed: a store is unavailable");
        Self::new(
            "temporarily_unavailable",
            "passgate cannot reach its store right now; try again shortly",
        )
    }

    pub fn code(&self) -> &'static str {
        self.error
    }

    pub fn description_text(&self) -> String {
        self.description.clone()
    }

    pub fn respond(self) -> Response<Body> {
        let mut r = crate::page::json(
            self.status,
            &serde_json::json!({ "error": self.error, "error_description": self.description }),
        );
        r.headers_mut()
            .insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
        if let Some(c) = self.challenge.and_then(|c| HeaderValue::from_str(&c).ok()) {
            r.headers_mut().insert(header::WWW_AUTHENTICATE, c);
        }
        r
    }
}

/// Check the client of a token or revocation request:
/// `client_secret_basic`, `client_secret_post`, or a public client's bare
/// `client_id` — exactly one of them.
fn authenticate_client<'c>(
    cfg: &'c Config,
    headers: &HeaderMap,
    form: &Form,
) -> Result<&'c OidcClient, OAuthError> {
    let basic_challenge = || "Basic realm=\"passgate\", charset=\"UTF-8\"".to_string();
    let mut auth = headers.get_all(header::AUTHORIZATION).iter();
    let (basic, more) = (auth.next(), auth.next());
    if more.is_some() {
        return Err(OAuthError::new(
            "invalid_request",
            "more than one Authorization field",
        ));
    }
    let basic = match basic {
        None => None,
        Some(v) => {
            let v = v.to_str().unwrap_or("");
            let Some((scheme, rest)) = v.split_once(' ') else {
                return Err(OAuthError::new("invalid_client", "malformed Authorization")
                    .challenge(basic_challenge()));
            };
            if !scheme.eq_ignore_ascii_case("basic") {
                return Err(OAuthError::new(
                    "invalid_client",
                    "client authentication is client_secret_basic, client_secret_post or none",
                )
                .challenge(basic_challenge()));
            }
            let decoded = STANDARD
                .decode(rest.trim())
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .and_then(|s| {
                    let (id, secret) = s.split_once(':')?;
                    // RFC 6749 §2.3.1: both parts are form-urlencoded.
                    Some((form_decode(id)?, form_decode(secret)?))
                });
            match decoded {
                Some(pair) => Some(pair),
                None => {
                    return Err(
                        OAuthError::new("invalid_client", "malformed Basic credentials")
                            .challenge(basic_challenge()),
                    );
                }
            }
        }
    };
    let form_id = form.one("client_id")?;
    let form_secret = form.one("client_secret")?;
    let (id, secret, by_basic) = match (basic, form_secret) {
        (Some(_), Some(_)) => {
            return Err(OAuthError::new(
                "invalid_request",
                "client credentials in both the Authorization field and the body; use one",
            ));
        }
        (Some((id, secret)), None) => {
            if form_id.is_some_and(|f| f != id) {
                return Err(OAuthError::new(
                    "invalid_request",
                    "client_id in the body differs from the Authorization field's",
                ));
            }
            (id, Some(secret), true)
        }
        (None, secret) => match form_id {
            Some(id) => (id.to_string(), secret.map(str::to_string), false),
            None => {
                return Err(
                    OAuthError::new("invalid_client", "no client authentication")
                        .challenge(basic_challenge()),
                );
            }
        },
    };
    let refuse = |why: &str| {
        let e = OAuthError::new("invalid_client", why.to_string());
        if by_basic {
            e.challenge(basic_challenge())
        } else {
            e
        }
    };
    let Some(client) = cfg.oidc.client(&id) else {
        return Err(refuse("unknown client or wrong secret"));
    };
    match (&client.secret, secret) {
        (Some(expected), Some(given)) if secret_matches(expected.expose(), &given) => Ok(client),
        (Some(_), _) => Err(refuse("unknown client or wrong secret")),
        (None, None) => Ok(client),
        (None, Some(_)) => Err(refuse("this is a public client: it has no secret to send")),
    }
}

/// The client a token or revocation request says it is (Basic user name,
/// or the body's `client_id`), before any check: for counting failures and
/// the audit log.
fn claimed_client_id(headers: &HeaderMap, form: &Form) -> Option<String> {
    let from_basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("basic"))
        .and_then(|(_, rest)| STANDARD.decode(rest.trim()).ok())
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| form_decode(s.split_once(':')?.0));
    from_basic.or_else(|| form.one("client_id").ok().flatten().map(str::to_string))
}

/// Constant-time comparison (of hashes, so lengths leak nothing either).
fn secret_matches(expected: &str, given: &str) -> bool {
    use subtle::ConstantTimeEq;
    let a = Sha256::digest(expected.as_bytes());
    let b = Sha256::digest(given.as_bytes());
    a.ct_eq(&b).into()
}

/// `application/x-www-form-urlencoded` decoding of one part.
fn form_decode(s: &str) -> Option<String> {
    let spaced = s.replace('+', " ");
    percent_encoding::percent_decode_str(&spaced)
        .decode_utf8()
        .ok()
        .map(|c| c.into_owned())
}

/// The parameters of a request (query or form body): each may appear at
/// most once (RFC 6749 §3.1).
#[derive(Debug, Default, Clone)]
pub struct Form(Vec<(String, String)>);

impl Form {
    pub fn parse(s: &str) -> Self {
        Form(
            url::form_urlencoded::parse(s.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    /// The value of `name`: None when absent or empty, an error when given
    /// twice.
    pub fn one(&self, name: &str) -> Result<Option<&str>, OAuthError> {
        let mut it = self.0.iter().filter(|(k, _)| k == name);
        match (it.next(), it.next()) {
            (Some(_), Some(_)) => Err(OAuthError::new(
                "invalid_request",
                format!("{name} is given more than once"),
            )),
            (Some((_, v)), None) if !v.is_empty() => Ok(Some(v.as_str())),
            _ => Ok(None),
        }
    }

    pub fn pairs(&self) -> &[(String, String)] {
        &self.0
    }
}

/// A request body as a form, with a size cap (these bodies are small).
async fn read_form(body: Body) -> Result<Form, OAuthError> {
    let bytes = axum::body::to_bytes(body, 64 * 1024)
        .await
        .map_err(|_| OAuthError::new("invalid_request", "the body is too large or unreadable"))?;
    let text = std::str::from_utf8(&bytes)
        .map_err(|_| OAuthError::new("invalid_request", "the body is not UTF-8"))?;
    Ok(Form::parse(text))
}

/// Is the request body a form (`application/x-www-form-urlencoded`)?
fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| {
            v.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
}

/// The claims about the person that `scope` allows.
fn person_claims(
    session: &ActiveSession,
    scope: &str,
) -> serde_json::Map<String, serde_json::Value> {
    let p = &session.principal;
    let mut m = serde_json::Map::new();
    m.insert("sub".into(), p.user_id.clone().into());
    for s in scope.split(' ') {
        match s {
            "email" => {
                m.insert("email".into(), p.email.clone().into());
                // Every passgate address was proved by email at sign-up or
                // invitation, or vouched for by the admin who added it.
                m.insert("email_verified".into(), true.into());
            }
            "profile" => {
                let name = if p.name.is_empty() {
                    p.login.clone()
                } else {
                    p.name.clone()
                };
                m.insert("name".into(), name.into());
                m.insert("preferred_username".into(), p.login.clone().into());
            }
            "groups" => {
                m.insert("groups".into(), p.groups.clone().into());
            }
            _ => {}
        }
    }
    m
}

/// What the token endpoint answers with.
struct Issued {
    access_token: String,
    id_token: String,
    refresh_token: Option<String>,
    scope: String,
    expires_in: i64,
}

impl Issued {
    fn respond(self) -> Response<Body> {
        let mut body = serde_json::json!({
            "access_token": self.access_token,
            "token_type": "Bearer",
            "expires_in": self.expires_in,
            "id_token": self.id_token,
            "scope": self.scope,
        });
        if let Some(r) = self.refresh_token {
            body["refresh_token"] = r.into();
        }
        let mut r = crate::page::json(StatusCode::OK, &body);
        r.headers_mut()
            .insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
        r
    }
}

/// Sign an access token and an ID token for `grant`.
fn issue(
    app: &App,
    cfg: &Config,
    client: &OidcClient,
    grant: &Grant,
    session: &ActiveSession,
    nonce: Option<&str>,
    refresh_token: Option<String>,
) -> Result<Issued, OAuthError> {
    let now = app.clock.now();
    let keys = app.asserter.keys().current();
    let ttl = cfg.oidc.access_token_ttl.as_secs() as i64;
    let access = AccessClaims {
        iss: issuer(cfg).to_string(),
        sub: session.principal.user_id.clone(),
        aud: client.id.clone(),
        client_id: client.id.clone(),
        exp: now + ttl,
        iat: now,
        jti: crate::session::random_id(16),
        scope: grant.scope.clone(),
        sid: grant.session_id.clone(),
        gid: grant.id.clone(),
        auth_time: grant.auth_time,
    };
    let access_token = keys.sign_typed("at+jwt", &access);
    let digest = Sha256::digest(access_token.as_bytes());
    let mut id = person_claims(session, &grant.scope);
    id.insert("iss".into(), issuer(cfg).into());
    id.insert("aud".into(), client.id.clone().into());
    id.insert("azp".into(), client.id.clone().into());
    id.insert("iat".into(), now.into());
    id.insert(
        "exp".into(),
        (now + cfg.oidc.id_token_ttl.as_secs() as i64).into(),
    );
    id.insert("auth_time".into(), grant.auth_time.into());
    id.insert("amr".into(), vec![grant.amr.clone()].into());
    id.insert("sid".into(), grant.session_id.clone().into());
    id.insert(
        "at_hash".into(),
        URL_SAFE_NO_PAD.encode(&digest[..16]).into(),
    );
    if let Some(n) = nonce {
        id.insert("nonce".into(), n.into());
    }
    let id_token = match client.id_token_alg {
        IdTokenAlg::Es256 => keys.sign_typed("JWT", &id),
        IdTokenAlg::Rs256 => keys.sign_rs256(&id).map_err(|e| {
            tracing::error!(error = %e, "could not sign an ID token");
            OAuthError::new("server_error", "could not sign the ID token")
        })?,
    };
    Ok(Issued {
        access_token,
        id_token,
        refresh_token,
        scope: grant.scope.clone(),
        expires_in: ttl,
    })
}

/// End a grant everywhere: its refresh tokens at once, its access tokens
/// on every replica within a second.
async fn revoke_grant(app: &App, id: &str) -> Result<(), crate::store::StoreError> {
    app.store.delete_grant(id).await?;
    app.sessions
        .announce(crate::store::Broadcast::GrantRevoked { id: id.to_string() })
        .await;
    Ok(())
}

/// The client an authorize URL on the portal is for (the step-up page
/// words its reason after it and applies its `require`).
pub fn client_for_continuation<'c>(cfg: &'c Config, url: &url::Url) -> Option<&'c OidcClient> {
    let origin = url.origin().ascii_serialization();
    if origin != cfg.server.portal.origin
        || url.path() != format!("{}/oidc/authorize", cfg.server.prefix)
    {
        return None;
    }
    let id = url
        .query_pairs()
        .find(|(k, _)| k == "client_id")
        .map(|(_, v)| v.into_owned())?;
    cfg.oidc.client(&id)
}

/// An audit event about a client. The client id may come from anyone (an
/// unknown `client_id`, a Basic user name): it is cut to 64 printable
/// characters here, for every caller.
fn audit_event(kind: &str, ok: bool, client: &str, detail: &str) -> crate::audit::Event {
    let e = if ok {
        crate::audit::Event::ok(kind)
    } else {
        crate::audit::Event::failed(kind)
    };
    let client: String = client
        .chars()
        .take(64)
        .map(|c| if c.is_ascii_graphic() { c } else { '?' })
        .collect();
    if detail.is_empty() {
        e.detail(format!("client={client}"))
    } else {
        e.detail(format!("client={client} {detail}"))
    }
}

#[cfg(test)]
mod tests;
