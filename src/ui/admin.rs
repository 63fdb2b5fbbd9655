//! `P/admin`: the admin pages, for members of `admins` whose sign-in meets
//! `[admin]` (recent, and a passkey's by default; otherwise the step-up
//! page first). What the CLI can do, in the browser: people (search, their
//! passkeys and sessions, disable, enable, sign out everywhere).
//!
//! Every action is a POST through [`super::Posted`] (Origin and CSRF), one
//! store transaction, audited with the acting admin, and announced to every
//! replica like the CLI's. An admin cannot disable themselves here.

use std::collections::HashMap;
use std::sync::Arc;

use askama::Template;
use axum::Extension;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use http::header::HeaderMap;
use http::{Response, StatusCode};

use crate::app::App;
use crate::audit::Event;
use crate::config::Config;
use crate::page::{Chrome, Ctx, PageError};
use crate::session::ActiveSession;
use crate::store::{Broadcast, User};

/// People per page of the list.
const PER_PAGE: usize = 50;
/// The longest search accepted (characters).
const MAX_SEARCH: usize = 200;
/// The last page number accepted.
const MAX_PAGE: usize = 10_000;

fn admin_url(cfg: &Config, rest: &str) -> String {
    format!(
        "{}{}/admin{rest}",
        cfg.server.portal.origin, cfg.server.prefix
    )
}

/// The admin behind this request, or the answer that sends them on: to
/// sign in, to a "not for you" page, or to confirm it's them (step-up)
/// and come back to `here`.
async fn admin(
    app: &App,
    cfg: &Config,
    headers: &HeaderMap,
    ctx: &Ctx,
    here: &str,
) -> Result<Arc<ActiveSession>, Response<Body>> {
    admin_for(app, cfg, headers, ctx, here, false).await
}

/// [`admin`], auditing a non-admin's attempt (for actions: a refused
/// look at a page is only logged).
async fn admin_for(
    app: &App,
    cfg: &Config,
    headers: &HeaderMap,
    ctx: &Ctx,
    here: &str,
    audit_refusal: bool,
) -> Result<Arc<ActiveSession>, Response<Body>> {
    let session = match super::current_session(app, cfg, headers).await {
        Ok(Some(s)) => s,
        Ok(None) => {
            return Err(crate::page::see_other(&format!(
                "{}?rd={}",
                cfg.login_url(),
                crate::page::enc(here)
            )));
        }
        Err(e) => return Err(PageError::from(e).respond(cfg, headers, ctx)),
    };
    if !session.principal.is_admin() {
        if audit_refusal {
            app.audit(
                Event::failed("admin.refused")
                    .user_id(&session.principal.user_id, &session.principal.email)
                    .from(&ctx.client_ip(), &crate::page::user_agent(headers))
                    .detail("not an admin"),
            )
            .await;
        }
        return Err(PageError::refused(
            StatusCode::FORBIDDEN,
            "not_admin",
            ctx.lang.t("admin-not-admin-title"),
            ctx.lang.t("admin-not-admin-message"),
        )
        .respond(cfg, headers, ctx));
    }
    let now = app.clock.now();
    let stale = now - session.auth_time() > cfg.admin.max_age.as_secs() as i64;
    let weak = cfg.admin.require_passkey && session.record.auth_method != crate::authz::PASSKEY_AMR;
    if stale || weak {
        return Err(crate::page::see_other(&cfg.step_up_url(here)));
    }
    Ok(session)
}

/// What the step-up page asks of a sign-in returning to `url` when it is
/// an admin page.
pub fn step_up_for(cfg: &Config, url: &url::Url) -> Option<crate::authz::StepUp> {
    let on_portal = url.origin().ascii_serialization() == cfg.server.portal.origin;
    let admin_path = format!("{}/admin", cfg.server.prefix);
    (on_portal && crate::authz::path::under(url.path(), &admin_path)).then_some(
        crate::authz::StepUp {
            max_age: Some(cfg.admin.max_age.as_secs() as i64),
            passkey: cfg.admin.require_passkey,
        },
    )
}

struct PersonRow {
    id: String,
    email: String,
    name: String,
    groups: String,
    disabled: bool,
}

#[derive(Template)]
#[template(path = "admin_people.html")]
struct PeoplePage {
    chrome: Chrome,
    q: String,
    people: Vec<PersonRow>,
    total: i64,
    prev: Option<String>,
    next: Option<String>,
}

/// `GET P/admin?q=&page=`: people, searched by address or name.
pub async fn people(
    State(app): State<Arc<App>>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response<Body> {
    let cfg = app.config();
    let here = admin_url(&cfg, "");
    if let Err(r) = admin(&app, &cfg, &headers, &ctx, &here).await {
        return r;
    }
    let search = q.get("q").map(|s| s.trim().to_string()).unwrap_or_default();
    let page: usize = match q.get("page").map(|p| p.parse::<usize>()) {
        None => 1,
        Some(Ok(p)) if (1..=MAX_PAGE).contains(&p) => p,
        Some(_) => return bad(&cfg, &headers, &ctx, ctx.lang.t("admin-bad-page")),
    };
    if search.chars().count() > MAX_SEARCH {
        return bad(&cfg, &headers, &ctx, ctx.lang.t("admin-bad-search"));
    }
    let users = match app.store.list_users().await {
        Ok(u) => u,
        Err(e) => return PageError::from(e).respond(&cfg, &headers, &ctx),
    };
    let needle = search.to_lowercase();
    let matching: Vec<&User> = users
        .iter()
        .filter(|u| {
            needle.is_empty()
                || u.email.to_lowercase().contains(&needle)
                || u.display_name.to_lowercase().contains(&needle)
                || u.username
                    .as_deref()
                    .is_some_and(|n| n.to_lowercase().contains(&needle))
        })
        .collect();
    let total = matching.len();
    let mut people = Vec::new();
    for u in matching.iter().skip((page - 1) * PER_PAGE).take(PER_PAGE) {
        let groups = match app.store.user_groups(&u.id).await {
            Ok(g) => g,
            Err(e) => return PageError::from(e).respond(&cfg, &headers, &ctx),
        };
        people.push(PersonRow {
            id: u.id.clone(),
            email: u.email.clone(),
            name: u.display_name.clone(),
            groups: groups.join(", "),
            disabled: u.disabled,
        });
    }
    let link = |p: usize| {
        format!(
            "{}?q={}&page={p}",
            admin_url(&cfg, ""),
            crate::page::enc(&search)
        )
    };
    let prev = (page > 1).then(|| link(page - 1));
    let next = (page * PER_PAGE < total).then(|| link(page + 1));
    let chrome = ctx.chrome(&cfg);
    crate::page::html(
        StatusCode::OK,
        &PeoplePage {
            chrome,
            q: search,
            people,
            total: total as i64,
            prev,
            next,
        },
        &cfg,
    )
}

struct PasskeyRow {
    name: String,
    provider: String,
    synced: bool,
    last_used: Option<String>,
}

struct SessionRow {
    device: String,
    ip: String,
    method: String,
    last_seen: String,
}

#[derive(Template)]
#[template(path = "admin_person.html")]
struct PersonPage {
    chrome: Chrome,
    csrf: String,
    id: String,
    email: String,
    name: String,
    groups: String,
    disabled: bool,
    is_self: bool,
    passkeys: Vec<PasskeyRow>,
    sessions: Vec<SessionRow>,
    notice: String,
}

/// `GET P/admin/people/{id}`.
pub async fn person(
    State(app): State<Arc<App>>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response<Body> {
    let cfg = app.config();
    let here = admin_url(&cfg, &format!("/people/{}", crate::page::enc(&id)));
    let me = match admin(&app, &cfg, &headers, &ctx, &here).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let user = match app.store.get_user(&id).await {
        Ok(Some(u)) => u,
        Ok(None) => return not_found(&cfg, &headers, &ctx),
        Err(e) => return PageError::from(e).respond(&cfg, &headers, &ctx),
    };
    let (groups, passkeys, sessions) = match tokio::try_join!(
        app.store.user_groups(&user.id),
        app.store.passkeys_for_user(&user.id),
        app.store.list_sessions(Some(&user.id))
    ) {
        Ok(x) => x,
        Err(e) => return PageError::from(e).respond(&cfg, &headers, &ctx),
    };
    let lang = ctx.lang;
    let now = app.clock.now();
    let notice = match q.get("notice").map(String::as_str) {
        Some("disabled") => lang.t("admin-notice-disabled"),
        Some("enabled") => lang.t("admin-notice-enabled"),
        Some("signed_out") => lang.t("admin-notice-signed-out"),
        _ => String::new(),
    };
    let passkeys = passkeys
        .iter()
        .map(|k| PasskeyRow {
            name: k.name.clone(),
            provider: crate::webauthn::provider_name(k.aaguid.as_deref())
                .unwrap_or("")
                .to_string(),
            synced: k.backup_eligible,
            last_used: k.last_used_at.map(|t| crate::page::ago(lang, now, t)),
        })
        .collect();
    let sessions = sessions
        .iter()
        .filter(|s| s.expires_at > now)
        .map(|s| SessionRow {
            device: crate::page::device_name(&s.user_agent),
            ip: s.ip.clone(),
            method: if s.auth_method == crate::authz::PASSKEY_AMR {
                lang.t("account-method-passkey")
            } else {
                lang.t("account-method-email")
            },
            last_seen: crate::page::ago(lang, now, s.last_seen_at),
        })
        .collect();
    let is_self = me.principal.user_id == user.id;
    super::page(&cfg, &headers, StatusCode::OK, |csrf| PersonPage {
        chrome: ctx.chrome(&cfg),
        csrf,
        id: user.id.clone(),
        email: user.email.clone(),
        name: user.display_name.clone(),
        groups: groups.join(", "),
        disabled: user.disabled,
        is_self,
        passkeys,
        sessions,
        notice,
    })
}

/// `POST P/admin/people/{id}/{disable,enable,sign-out}`.
pub async fn act(
    State(app): State<Arc<App>>,
    Extension(ctx): Extension<Ctx>,
    Path((id, action)): Path<(String, String)>,
    headers: HeaderMap,
    super::Posted(_): super::Posted,
) -> Response<Body> {
    let cfg = app.config();
    let here = admin_url(&cfg, &format!("/people/{}", crate::page::enc(&id)));
    let me = match admin_for(&app, &cfg, &headers, &ctx, &here, true).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let user = match app.store.get_user(&id).await {
        Ok(Some(u)) => u,
        Ok(None) => return not_found(&cfg, &headers, &ctx),
        Err(e) => return PageError::from(e).respond(&cfg, &headers, &ctx),
    };
    let now = app.clock.now();
    let by = format!("by {}", me.principal.email);
    let ua = crate::page::user_agent(&headers);
    let (event, notice) = match action.as_str() {
        "disable" => {
            if user.id == me.principal.user_id {
                return PageError::refused(
                    StatusCode::CONFLICT,
                    "not_yourself",
                    ctx.lang.t("admin-not-yourself-title"),
                    ctx.lang.t("admin-not-yourself-message"),
                )
                .respond(&cfg, &headers, &ctx);
            }
            let ended = match app.store.set_user_disabled(&user.id, true, now).await {
                Ok(e) => e,
                Err(e) => return PageError::from(e).respond(&cfg, &headers, &ctx),
            };
            app.sessions
                .announce(Broadcast::UserRevoked {
                    user_id: user.id.clone(),
                })
                .await;
            // Never the last admin: checked after the change, so two admins
            // disabling each other at once both find none left and both
            // undo (they sign in again) rather than lock everyone out.
            match enabled_admins(&app).await {
                Ok(0) => {
                    if let Err(e) = app.store.set_user_disabled(&user.id, false, now).await {
                        return PageError::from(e).respond(&cfg, &headers, &ctx);
                    }
                    return PageError::refused(
                        StatusCode::CONFLICT,
                        "last_admin",
                        ctx.lang.t("admin-last-admin-title"),
                        ctx.lang.t("admin-last-admin-message"),
                    )
                    .respond(&cfg, &headers, &ctx);
                }
                Ok(_) => {}
                Err(e) => return PageError::from(e).respond(&cfg, &headers, &ctx),
            }
            (
                Event::ok("admin.user.disable")
                    .user(&user)
                    .detail(format!("{by}; ended {} session(s)", ended.len())),
                "disabled",
            )
        }
        "enable" => {
            if let Err(e) = app.store.set_user_disabled(&user.id, false, now).await {
                return PageError::from(e).respond(&cfg, &headers, &ctx);
            }
            (
                Event::ok("admin.user.enable").user(&user).detail(&by),
                "enabled",
            )
        }
        "sign-out" => {
            let ended = match app.sessions.revoke_user(&user.id).await {
                Ok(n) => n,
                Err(e) => return PageError::from(e).respond(&cfg, &headers, &ctx),
            };
            (
                Event::ok("admin.session.revoke")
                    .user(&user)
                    .detail(format!("{by}; ended {ended} session(s)")),
                "signed_out",
            )
        }
        _ => return not_found(&cfg, &headers, &ctx),
    };
    app.audit(event.from(&ctx.client_ip(), &ua)).await;
    crate::page::see_other(&format!("{here}?notice={notice}"))
}

/// How many members of `admins` are enabled.
async fn enabled_admins(app: &App) -> Result<usize, crate::store::StoreError> {
    let mut n = 0;
    for u in app.store.list_users().await?.iter().filter(|u| !u.disabled) {
        if app
            .store
            .user_groups(&u.id)
            .await?
            .iter()
            .any(|g| g == crate::names::ADMIN_GROUP)
        {
            n += 1;
        }
    }
    Ok(n)
}

fn not_found(cfg: &Config, headers: &HeaderMap, ctx: &Ctx) -> Response<Body> {
    PageError::refused(
        StatusCode::NOT_FOUND,
        "no_such_person",
        ctx.lang.t("admin-no-such-person-title"),
        ctx.lang.t("admin-no-such-person-message"),
    )
    .action(crate::page::Action::link(
        &ctx.lang.t("admin-people"),
        admin_url(cfg, ""),
    ))
    .respond(cfg, headers, ctx)
}

fn bad(cfg: &Config, headers: &HeaderMap, ctx: &Ctx, message: String) -> Response<Body> {
    PageError::refused(
        StatusCode::BAD_REQUEST,
        "bad_request",
        ctx.lang.t("admin-bad-request-title"),
        message,
    )
    .action(crate::page::Action::link(
        &ctx.lang.t("admin-people"),
        admin_url(cfg, ""),
    ))
    .respond(cfg, headers, ctx)
}

struct ClientRow {
    id: String,
    name: String,
    public: bool,
    groups: String,
    grants: i64,
    last_used: Option<String>,
}

struct KeyRow {
    kid: String,
    algorithm: String,
    created: String,
    current: bool,
}

#[derive(Template)]
#[template(path = "admin_system.html")]
struct SystemPage {
    chrome: Chrome,
    csrf: String,
    clients: Vec<ClientRow>,
    keys: Vec<KeyRow>,
    notice: String,
}

/// `GET P/admin/system`: the OpenID Connect clients of the configuration
/// (read-only, with their use) and the signing keys.
pub async fn system(
    State(app): State<Arc<App>>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response<Body> {
    let cfg = app.config();
    let here = admin_url(&cfg, "/system");
    if let Err(r) = admin(&app, &cfg, &headers, &ctx, &here).await {
        return r;
    }
    let (used, keys) = match tokio::try_join!(app.store.grant_use(), app.store.signing_keys()) {
        Ok(x) => x,
        Err(e) => return PageError::from(e).respond(&cfg, &headers, &ctx),
    };
    let lang = ctx.lang;
    let now = app.clock.now();
    let clients = cfg
        .oidc
        .clients
        .iter()
        .map(|c| {
            let u = used.iter().find(|u| u.client_id == c.id);
            ClientRow {
                id: c.id.clone(),
                name: c.name.clone(),
                public: c.is_public(),
                groups: c.groups.join(", "),
                grants: u.map_or(0, |u| u.grants),
                last_used: u.map(|u| crate::page::ago(lang, now, u.last_used_at)),
            }
        })
        .collect();
    let keys = keys
        .iter()
        .map(|k| KeyRow {
            kid: k.kid.clone(),
            algorithm: k.algorithm.clone(),
            created: crate::page::ago(lang, now, k.created_at),
            current: k.retired_at.is_none(),
        })
        .collect();
    let notice = match q.get("notice").map(String::as_str) {
        Some("rotated") => lang.t("admin-notice-rotated"),
        _ => String::new(),
    };
    super::page(&cfg, &headers, StatusCode::OK, |csrf| SystemPage {
        chrome: ctx.chrome(&cfg),
        csrf,
        clients,
        keys,
        notice,
    })
}

/// `POST P/admin/keys/rotate`: new signing keys, as `passgate keys rotate`.
pub async fn rotate_keys(
    State(app): State<Arc<App>>,
    Extension(ctx): Extension<Ctx>,
    headers: HeaderMap,
    super::Posted(_): super::Posted,
) -> Response<Body> {
    let cfg = app.config();
    let here = admin_url(&cfg, "/system");
    let me = match admin_for(&app, &cfg, &headers, &ctx, &here, true).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let kid = match crate::identity::KeyRing::rotate(&app.store, app.clock.now()).await {
        Ok(k) => k,
        Err(e) => return PageError::from(e).respond(&cfg, &headers, &ctx),
    };
    app.sessions.announce(Broadcast::KeysRotated).await;
    app.audit(
        Event::ok("admin.keys.rotate")
            .user_id(&me.principal.user_id, &me.principal.email)
            .from(&ctx.client_ip(), &crate::page::user_agent(&headers))
            .detail(format!("kid={kid} by {}", me.principal.email)),
    )
    .await;
    crate::page::see_other(&format!("{here}?notice=rotated"))
}

/// Events per page of the audit log; the export holds at most `MAX_EXPORT`.
const AUDIT_PER_PAGE: usize = 100;
const MAX_AUDIT_PAGE: usize = 100;
const MAX_EXPORT: i64 = 10_000;

struct AuditRow {
    when: String,
    kind: String,
    ok: bool,
    who: String,
    ip: String,
    detail: String,
}

#[derive(Template)]
#[template(path = "admin_audit.html")]
struct AuditPage {
    chrome: Chrome,
    email: String,
    kind: String,
    rows: Vec<AuditRow>,
    prev: Option<String>,
    next: Option<String>,
    export_jsonl: String,
    export_csv: String,
}

/// `GET P/admin/audit?email=&kind=&page=&format=`: the audit log, newest
/// first, filtered by person and kind; `format=jsonl` or `csv` exports
/// what the filter selects (at most 10,000 events).
pub async fn audit(
    State(app): State<Arc<App>>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response<Body> {
    let cfg = app.config();
    let here = admin_url(&cfg, "/audit");
    if let Err(r) = admin(&app, &cfg, &headers, &ctx, &here).await {
        return r;
    }
    let email = q
        .get("email")
        .map(|s| s.trim().to_string())
        .unwrap_or_default();
    let kind = q
        .get("kind")
        .map(|s| s.trim().to_string())
        .unwrap_or_default();
    if email.chars().count() > MAX_SEARCH || kind.chars().count() > MAX_SEARCH {
        return bad(&cfg, &headers, &ctx, ctx.lang.t("admin-bad-search"));
    }
    let page: usize = match q.get("page").map(|p| p.parse::<usize>()) {
        None => 1,
        Some(Ok(p)) if (1..=MAX_AUDIT_PAGE).contains(&p) => p,
        Some(_) => return bad(&cfg, &headers, &ctx, ctx.lang.t("admin-bad-page")),
    };
    let user_id = if email.is_empty() {
        None
    } else {
        match app.store.find_user_by_email(&email).await {
            Ok(Some(u)) => Some(u.id),
            // Nobody with that address: no events, rather than all of them.
            Ok(None) => Some(String::new()),
            Err(e) => return PageError::from(e).respond(&cfg, &headers, &ctx),
        }
    };
    let format = q.get("format").map(String::as_str).unwrap_or("");
    let limit = match format {
        "jsonl" | "csv" => MAX_EXPORT,
        "" => (page * AUDIT_PER_PAGE + 1) as i64,
        _ => return bad(&cfg, &headers, &ctx, ctx.lang.t("admin-bad-format")),
    };
    let filter = crate::store::AuditFilter {
        user_id,
        since: None,
        kind_prefix: (!kind.is_empty()).then(|| kind.clone()),
        limit,
    };
    let events = match app.store.list_audit(&filter).await {
        Ok(e) => e,
        Err(e) => return PageError::from(e).respond(&cfg, &headers, &ctx),
    };
    match format {
        "jsonl" => {
            let mut out = String::new();
            for e in &events {
                out.push_str(&serde_json::to_string(e).unwrap_or_default());
                out.push('\n');
            }
            return download(out, "application/x-ndjson", "passgate-audit.jsonl");
        }
        "csv" => {
            let mut out = String::from("id,at,kind,success,email,ip,detail\n");
            for e in &events {
                let v = &e.event;
                let cells = [
                    e.id.to_string(),
                    v.at.to_string(),
                    v.kind.clone(),
                    v.success.to_string(),
                    v.email.clone().unwrap_or_default(),
                    v.ip.clone().unwrap_or_default(),
                    v.detail.clone(),
                ];
                out.push_str(&cells.map(|c| csv_cell(&c)).join(","));
                out.push('\n');
            }
            return download(out, "text/csv; charset=utf-8", "passgate-audit.csv");
        }
        _ => {}
    }
    let lang = ctx.lang;
    let now = app.clock.now();
    let more = events.len() > page * AUDIT_PER_PAGE;
    let rows = events
        .iter()
        .skip((page - 1) * AUDIT_PER_PAGE)
        .take(AUDIT_PER_PAGE)
        .map(|e| AuditRow {
            when: crate::page::ago(lang, now, e.event.at),
            kind: e.event.kind.clone(),
            ok: e.event.success,
            who: e.event.email.clone().unwrap_or_default(),
            ip: e.event.ip.clone().unwrap_or_default(),
            detail: e.event.detail.clone(),
        })
        .collect();
    let query = |extra: &str| {
        format!(
            "{here}?email={}&kind={}{extra}",
            crate::page::enc(&email),
            crate::page::enc(&kind)
        )
    };
    let prev = (page > 1).then(|| query(&format!("&page={}", page - 1)));
    let next = more.then(|| query(&format!("&page={}", page + 1)));
    let page = AuditPage {
        chrome: ctx.chrome(&cfg),
        export_jsonl: query("&format=jsonl"),
        export_csv: query("&format=csv"),
        email,
        kind,
        rows,
        prev,
        next,
    };
    crate::page::html(StatusCode::OK, &page, &cfg)
}

/// A CSV cell: quoted, and never read as a formula by a spreadsheet.
fn csv_cell(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    format!("\"{}\"", s.replace('"', "\"\""))
}

fn download(body: String, content_type: &'static str, name: &str) -> Response<Body> {
    let mut r = Response::new(Body::from(body));
    let h = r.headers_mut();
    h.insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static(content_type),
    );
    if let Ok(v) = http::HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(http::header::CONTENT_DISPOSITION, v);
    }
    h.insert(
        http::header::CACHE_CONTROL,
        http::HeaderValue::from_static("no-store"),
    );
    r
}
