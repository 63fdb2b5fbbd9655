//! `POST P/oidc/token` (code exchange, refresh) and `POST P/oidc/revoke`.
//!
//! A code is spent by the exchange whatever its outcome (`take`: of two
//! racing exchanges one wins); a spent code is remembered for ten minutes
//! with the grant it gave, so a second exchange revokes that grant (RFC
//! 6749 §4.1.2). A refresh token is replaced on every use; one used before
//! coming back means a copy, and its grant ends (RFC 9700 §4.14.2).

use std::sync::Arc;

use axum::Extension;
use axum::body::Body;
use axum::extract::State;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::header::HeaderMap;
use http::{Response, StatusCode};
use sha2::{Digest, Sha256};

use super::{CodeRecord, Form, OAuthError, code_key, spent_key};
use crate::app::App;
use crate::config::{Config, OidcClient};
use crate::page::Ctx;
use crate::store::{Grant, RefreshUse, StoreError};

pub async fn token(
    State(app): State<Arc<App>>,
    Extension(ctx): Extension<Ctx>,
    headers: HeaderMap,
    body: Body,
) -> Response<Body> {
    let cfg = app.config();
    match exchange(&app, &cfg, &ctx, &headers, body).await {
        Ok(r) => r,
        Err(e) => e.respond(),
    }
}

/// Where client-authentication failures are counted: per client address
/// and claimed client, so guessing one client's secret from an address
/// never locks out the other clients behind it.
fn failure_key(ctx: &Ctx, client_id: &str) -> Option<String> {
    let ip = ctx.client_ip().parse().ok()?;
    Some(format!(
        "oidc:fail:{}:{}",
        crate::token::failure_scope(ip),
        hex::encode(Sha256::digest(client_id.as_bytes()))
    ))
}

/// Refuse an address that failed to authenticate as this client too often.
async fn limited(app: &App, ctx: &Ctx, client_id: &str) -> Result<(), OAuthError> {
    let Some(key) = failure_key(ctx, client_id) else {
        return Ok(());
    };
    if let Ok(Some(_)) = app.eph.get(&format!("{key}:blocked")).await {
        return Err(OAuthError::new(
            "slow_down",
            "too many failed client authentications from this address; wait a minute",
        ));
    }
    Ok(())
}

/// Count a failure; past the allowance the address is refused until the
/// window ends.
async fn count_failure(app: &App, ctx: &Ctx, client_id: &str) {
    let Some(key) = failure_key(ctx, client_id) else {
        return;
    };
    if let Ok(c) = app.eph.hit(&key, crate::token::FAILURE_WINDOW).await
        && c.count >= crate::token::FAILURES_ALLOWED
    {
        let _ = app
            .eph
            .put(
                &format!("{key}:blocked"),
                b"1",
                std::time::Duration::from_secs(c.reset_in),
            )
            .await;
    }
}

/// The client of this request, counting failures per address.
async fn client<'c>(
    app: &App,
    cfg: &'c Config,
    ctx: &Ctx,
    headers: &HeaderMap,
    form: &Form,
) -> Result<&'c OidcClient, OAuthError> {
    let claimed = super::claimed_client_id(headers, form).unwrap_or_default();
    limited(app, ctx, &claimed).await?;
    match super::authenticate_client(cfg, headers, form) {
        Ok(c) => Ok(c),
        Err(e) => {
            if e.code() == "invalid_client" {
                count_failure(app, ctx, &claimed).await;
                app.audit(
                    super::audit_event(
                        "oidc.refused",
                        false,
                        if claimed.is_empty() { "-" } else { &claimed },
                        "invalid_client",
                    )
                    .from(&ctx.client_ip(), &crate::page::user_agent(headers)),
                )
                .await;
            }
            Err(e)
        }
    }
}

async fn body_form(headers: &HeaderMap, body: Body) -> Result<Form, OAuthError> {
    if !super::is_form(headers) {
        return Err(OAuthError::new(
            "invalid_request",
            "the body must be application/x-www-form-urlencoded",
        ));
    }
    super::read_form(body).await
}

async fn exchange(
    app: &App,
    cfg: &Config,
    ctx: &Ctx,
    headers: &HeaderMap,
    body: Body,
) -> Result<Response<Body>, OAuthError> {
    if !cfg.oidc.enabled() {
        return Err(OAuthError::new("invalid_client", "no client is configured"));
    }
    let form = body_form(headers, body).await?;
    let client = client(app, cfg, ctx, headers, &form).await?;
    match form.one("grant_type")? {
        Some("authorization_code") => code_grant(app, cfg, ctx, headers, client, &form).await,
        Some("refresh_token") => refresh_grant(app, cfg, ctx, headers, client, &form).await,
        Some(_) => Err(OAuthError::new(
            "unsupported_grant_type",
            "grant_type is authorization_code or refresh_token",
        )),
        None => Err(OAuthError::new("invalid_request", "grant_type is missing")),
    }
}

async fn code_grant(
    app: &App,
    cfg: &Config,
    ctx: &Ctx,
    headers: &HeaderMap,
    client: &OidcClient,
    form: &Form,
) -> Result<Response<Body>, OAuthError> {
    let refused = |why: &'static str, description: &str| {
        (
            super::audit_event("oidc.token", false, &client.id, why)
                .from(&ctx.client_ip(), &crate::page::user_agent(headers)),
            OAuthError::new("invalid_grant", description.to_string()),
        )
    };
    let code = form
        .one("code")?
        .ok_or_else(|| OAuthError::new("invalid_request", "code is missing"))?;
    let Some(hash) = crate::session::token_hash(code) else {
        let (e, err) = refused("unknown_code", "the code is not valid");
        app.audit(e).await;
        return Err(err);
    };
    // Another client's code is refused without spending it: a code seen
    // in a log or a Referer must not let anyone end the app's sign-in.
    let peeked = app
        .eph
        .get(&code_key(&hash))
        .await
        .map_err(|e| OAuthError::unavailable(&e))?;
    if let Some(bytes) = &peeked
        && serde_json::from_slice::<CodeRecord>(bytes).is_ok_and(|r| r.client_id != client.id)
    {
        let (e, err) = refused("wrong_client", "the code was issued to another client");
        app.audit(e).await;
        return Err(err);
    }
    let taken = app
        .eph
        .take(&code_key(&hash))
        .await
        .map_err(|e| OAuthError::unavailable(&e))?;
    let Some(bytes) = taken else {
        // Spent before, by this client? Then whatever it gave is revoked:
        // someone else holds a copy of the code. (Spent by or for another
        // client: only refused.)
        let spent = app
            .eph
            .get(&spent_key(&hash))
            .await
            .map_err(|e| OAuthError::unavailable(&e))?;
        let spent = spent.and_then(|g| String::from_utf8(g).ok()).and_then(|g| {
            let (owner, grant) = g.split_once(' ')?;
            (owner == client.id).then(|| grant.to_string())
        });
        if let Some(grant) = spent {
            let _ = app.eph.delete(&spent_key(&hash)).await;
            super::revoke_grant(app, &grant)
                .await
                .map_err(|e| OAuthError::unavailable(&e))?;
            let (e, err) = refused(
                "code_reused",
                "the code was already used; what it gave has been revoked",
            );
            app.audit(e.detail(format!("client={} code_reused grant_revoked", client.id)))
                .await;
            return Err(err);
        }
        let (e, err) = refused("unknown_code", "the code is not valid or has expired");
        app.audit(e).await;
        return Err(err);
    };
    let record: CodeRecord = serde_json::from_slice(&bytes)
        .map_err(|_| OAuthError::new("invalid_grant", "the code is not valid"))?;
    if record.client_id != client.id {
        let (e, err) = refused("wrong_client", "the code was issued to another client");
        app.audit(e).await;
        return Err(err);
    }
    if form.one("redirect_uri")? != Some(record.redirect_uri.as_str()) {
        let (e, err) = refused(
            "redirect_uri_mismatch",
            "redirect_uri differs from the authorization request's",
        );
        app.audit(e).await;
        return Err(err);
    }
    let verifier = form.one("code_verifier")?;
    match (&record.challenge, verifier) {
        (None, None) => {}
        (Some(challenge), Some(v)) if is_verifier(v) && s256(v) == *challenge => {}
        (Some(_), _) => {
            let (e, err) = refused("pkce_mismatch", "code_verifier does not match");
            app.audit(e).await;
            return Err(err);
        }
        (None, Some(_)) => {
            let (e, err) = refused(
                "pkce_mismatch",
                "code_verifier without a code_challenge in the authorization request",
            );
            app.audit(e).await;
            return Err(err);
        }
    }
    let session = match app.sessions.by_id(&record.session_id).await {
        Ok(Some(s)) if s.principal.user_id == record.user_id => s,
        Ok(_) => {
            let (e, err) = refused("session_ended", "the sign-in behind the code has ended");
            app.audit(e).await;
            return Err(err);
        }
        Err(e) => return Err(OAuthError::unavailable(&e)),
    };
    if !client.admits(&session.principal.groups) {
        let (e, err) = refused("not_in_groups", "the person may not use this client");
        app.audit(e).await;
        return Err(err);
    }
    let now = app.clock.now();
    let grant = Grant {
        id: crate::session::random_id(16),
        client_id: client.id.clone(),
        user_id: record.user_id.clone(),
        session_id: record.session_id.clone(),
        scope: record.scope.clone(),
        auth_time: record.auth_time,
        amr: record.amr.clone(),
        created_at: now,
        last_used_at: now,
    };
    let refresh = grant
        .scope
        .split(' ')
        .any(|s| s == "offline_access")
        .then(crate::session::new_token);
    match app
        .store
        .create_grant(&grant, refresh.as_ref().map(|(_, h)| h.as_slice()))
        .await
    {
        Ok(()) => {}
        Err(StoreError::NotFound(_)) => {
            let (e, err) = refused("session_ended", "the sign-in behind the code has ended");
            app.audit(e).await;
            return Err(err);
        }
        Err(e) => return Err(OAuthError::unavailable(&e)),
    }
    if let Err(e) = app
        .eph
        .put(
            &spent_key(&hash),
            format!("{} {}", client.id, grant.id).as_bytes(),
            super::SPENT_TTL,
        )
        .await
    {
        tracing::warn!(error = %e, "could not remember a spent code; its reuse will not revoke its grant");
    }
    let issued = super::issue(
        app,
        cfg,
        client,
        &grant,
        &session,
        record.nonce.as_deref(),
        refresh.map(|(t, _)| t),
    )?;
    app.audit(
        super::audit_event("oidc.token", true, &client.id, "authorization_code")
            .user_id(&session.principal.user_id, &session.principal.email)
            .from(&ctx.client_ip(), &crate::page::user_agent(headers)),
    )
    .await;
    Ok(issued.respond())
}

async fn refresh_grant(
    app: &App,
    cfg: &Config,
    ctx: &Ctx,
    headers: &HeaderMap,
    client: &OidcClient,
    form: &Form,
) -> Result<Response<Body>, OAuthError> {
    let ip = ctx.client_ip();
    let ua = crate::page::user_agent(headers);
    let refused = |why: &'static str| {
        super::audit_event("oidc.refresh", false, &client.id, why).from(&ip, &ua)
    };
    let invalid = || OAuthError::new("invalid_grant", "the refresh token is not valid");
    let token = form
        .one("refresh_token")?
        .ok_or_else(|| OAuthError::new("invalid_request", "refresh_token is missing"))?;
    let Some(old) = crate::session::token_hash(token) else {
        app.audit(refused("unknown_token")).await;
        return Err(invalid());
    };
    // The client first: another client's token is not spent by trying it.
    match app.store.grant_by_refresh_token(&old).await {
        Ok(Some(g)) if g.client_id == client.id => {}
        Ok(_) => {
            app.audit(refused("unknown_token")).await;
            return Err(invalid());
        }
        Err(e) => return Err(OAuthError::unavailable(&e)),
    }
    let (new, new_hash) = crate::session::new_token();
    let now = app.clock.now();
    let grant = match app.store.rotate_refresh_token(&old, &new_hash, now).await {
        Ok(RefreshUse::Rotated(g)) => g,
        Ok(RefreshUse::Reused(g)) => {
            app.sessions
                .announce(crate::store::Broadcast::GrantRevoked { id: g.id.clone() })
                .await;
            app.audit(
                refused("token_reused")
                    .user_id(&g.user_id, "")
                    .detail(format!("client={} token_reused grant_revoked", client.id)),
            )
            .await;
            return Err(OAuthError::new(
                "invalid_grant",
                "the refresh token was already used; the grant has been revoked",
            ));
        }
        Ok(RefreshUse::Unknown) => {
            app.audit(refused("unknown_token")).await;
            return Err(invalid());
        }
        Err(e) => return Err(OAuthError::unavailable(&e)),
    };
    let session = match app.sessions.by_id(&grant.session_id).await {
        Ok(Some(s)) if s.principal.user_id == grant.user_id => s,
        Ok(_) => {
            app.audit(refused("session_ended")).await;
            return Err(OAuthError::new(
                "invalid_grant",
                "the sign-in behind the refresh token has ended",
            ));
        }
        Err(e) => return Err(OAuthError::unavailable(&e)),
    };
    if !client.admits(&session.principal.groups) {
        app.audit(refused("not_in_groups")).await;
        return Err(OAuthError::new(
            "invalid_grant",
            "the person may no longer use this client",
        ));
    }
    // A narrower scope may be asked for (RFC 6749 §6), never a wider one.
    let mut grant = grant;
    if let Some(asked) = form.one("scope")? {
        let had: Vec<&str> = grant.scope.split(' ').collect();
        if !asked.split(' ').all(|s| had.contains(&s)) {
            return Err(OAuthError::new(
                "invalid_scope",
                "scope asks for more than was granted",
            ));
        }
        let narrowed: Vec<&str> = had
            .iter()
            .filter(|s| asked.split(' ').any(|a| a == **s))
            .copied()
            .collect();
        grant.scope = narrowed.join(" ");
    }
    let issued = super::issue(app, cfg, client, &grant, &session, None, Some(new))?;
    app.audit(
        super::audit_event("oidc.refresh", true, &client.id, "")
            .user_id(&session.principal.user_id, &session.principal.email)
            .from(&ip, &ua),
    )
    .await;
    Ok(issued.respond())
}

/// RFC 7636 §4.1: 43 to 128 unreserved characters.
fn is_verifier(v: &str) -> bool {
    (43..=128).contains(&v.len())
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

fn s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// `POST P/oidc/revoke` (RFC 7009): a refresh token ends its grant; an
/// access token ends its grant too (and so its refresh token). The answer
/// is 200 whether or not the token was known, or the client's.
pub async fn revoke(
    State(app): State<Arc<App>>,
    Extension(ctx): Extension<Ctx>,
    headers: HeaderMap,
    body: Body,
) -> Response<Body> {
    let cfg = app.config();
    match revoke_inner(&app, &cfg, &ctx, &headers, body).await {
        Ok(()) => {
            let mut r = crate::page::plain(StatusCode::OK, "");
            r.headers_mut().remove(http::header::CONTENT_TYPE);
            r
        }
        Err(e) => e.respond(),
    }
}

async fn revoke_inner(
    app: &App,
    cfg: &Config,
    ctx: &Ctx,
    headers: &HeaderMap,
    body: Body,
) -> Result<(), OAuthError> {
    if !cfg.oidc.enabled() {
        return Err(OAuthError::new("invalid_client", "no client is configured"));
    }
    let form = body_form(headers, body).await?;
    let client = client(app, cfg, ctx, headers, &form).await?;
    let token = form
        .one("token")?
        .ok_or_else(|| OAuthError::new("invalid_request", "token is missing"))?;
    let grant = if let Some(hash) = crate::session::token_hash(token) {
        app.store
            .grant_by_refresh_token(&hash)
            .await
            .map_err(|e| OAuthError::unavailable(&e))?
            .map(|g| (g.id, g.client_id, g.user_id))
    } else {
        let keys = app.asserter.keys().current();
        match keys.verify_any(token) {
            Ok((header, claims)) if header["typ"] == "at+jwt" => {
                match serde_json::from_value::<crate::session::grants::AccessClaims>(claims) {
                    Ok(c) => Some((c.gid, c.client_id, c.sub)),
                    Err(_) => None,
                }
            }
            _ => None,
        }
    };
    if let Some((id, owner, user)) = grant
        && owner == client.id
    {
        super::revoke_grant(app, &id)
            .await
            .map_err(|e| OAuthError::unavailable(&e))?;
        app.audit(
            super::audit_event("oidc.revoke", true, &client.id, "")
                .user_id(&user, "")
                .from(&ctx.client_ip(), &crate::page::user_agent(headers)),
        )
        .await;
    }
    Ok(())
}
