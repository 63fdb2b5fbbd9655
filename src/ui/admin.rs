//! `P/admin`: the admin pages, for members of `admins` whose sign-in meets
//! `[admin]` (recent, and a passkey's by default; otherwise the step-up
//! page first). What the CLI can do, in the browser: people, groups,
//! invitations, service tokens, the audit log, sign-in activity, the
//! OpenID Connect apps (read-only) and the signing keys.
//!
//! Every action is a POST through [`super::Posted`] (Origin and CSRF), one
//! store transaction, audited with the acting admin, and announced to every
//! replica like the CLI's. Nothing here can leave nobody able to
//! administer: an admin cannot disable, delete or demote themselves here,
//! and a change that would leave no enabled admin is refused in the same
//! transaction ([`crate::store::Users::change_keeping_an_admin`]).
//!
//! This file: who may come in ([`Desk`]) and what the pages share; one
//! file per page in `admin/`.

pub mod activity;
pub mod audit;
pub mod groups;
pub mod invites;
pub mod people;
pub mod system;
pub mod tokens;

use std::collections::HashMap;
use std::sync::Arc;

use askama::Template;
use axum::body::Body;
use http::header::HeaderMap;
use http::{Response, StatusCode};

use crate::app::App;
use crate::audit::Event;
use crate::config::Config;
use crate::i18n::Lang;
use crate::page::{Action, Chrome, Ctx, PageError};
use crate::session::ActiveSession;
use crate::store::StoreError;

/// What an admin handler answers: `Err` carries a refusal or a failure
/// page, so a handler can stop at the first with `?`.
pub type Answer = Result<Response<Body>, Response<Body>>;

/// The longest search or name accepted (characters).
const MAX_TEXT: usize = 200;

fn admin_url(cfg: &Config, rest: &str) -> String {
    format!(
        "{}{}/admin{rest}",
        cfg.server.portal.origin, cfg.server.prefix
    )
}

/// An admin at work: who they are, and what answering them needs.
pub struct Desk {
    pub app: Arc<App>,
    pub cfg: Arc<Config>,
    pub headers: HeaderMap,
    pub ctx: Ctx,
    pub me: Arc<ActiveSession>,
}

impl Desk {
    /// The admin looking at the page at `rest` (under `P/admin`), or the
    /// answer that sends them on: to sign in, to a "not for you" page, or to
    /// confirm it's them (step-up) and come back. A refused look is logged.
    pub async fn look(
        app: Arc<App>,
        ctx: Ctx,
        headers: HeaderMap,
        rest: &str,
    ) -> Result<Desk, Response<Body>> {
        Self::open(app, ctx, headers, rest, false).await
    }

    /// [`Desk::look`] for an action: a non-admin's attempt is audited
    /// (`admin.refused`), and a stale sign-in comes back to the page at
    /// `rest`, where the action was.
    pub async fn act(
        app: Arc<App>,
        ctx: Ctx,
        headers: HeaderMap,
        rest: &str,
    ) -> Result<Desk, Response<Body>> {
        Self::open(app, ctx, headers, rest, true).await
    }

    async fn open(
        app: Arc<App>,
        ctx: Ctx,
        headers: HeaderMap,
        rest: &str,
        acting: bool,
    ) -> Result<Desk, Response<Body>> {
        let cfg = app.config();
        let here = admin_url(&cfg, rest);
        if !super::navigated(&headers, acting) {
            return Err(super::not_navigated(&cfg, &headers, &ctx));
        }
        let session = match super::current_session(&app, &cfg, &headers).await {
            Ok(Some(s)) => s,
            Ok(None) => {
                return Err(crate::page::see_other(&format!(
                    "{}?rd={}",
                    cfg.login_url(),
                    crate::page::enc(&here)
                )));
            }
            Err(e) => return Err(PageError::from(e).respond(&cfg, &headers, &ctx)),
        };
        if !session.principal.is_admin() {
            if acting {
                app.audit(
                    Event::failed("admin.refused")
                        .user_id(&session.principal.user_id, &session.principal.email)
                        .from(&ctx.client_ip(), &crate::page::user_agent(&headers))
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
            .respond(&cfg, &headers, &ctx));
        }
        if admin_step_up(&cfg)
            .unmet_by(
                &session.record.auth_method,
                session.auth_time(),
                app.clock.now(),
            )
            .is_some()
        {
            return Err(crate::page::see_other(&cfg.step_up_url(&here)));
        }
        Ok(Desk {
            app,
            cfg,
            headers,
            ctx,
            me: session,
        })
    }

    pub fn lang(&self) -> Lang {
        self.ctx.lang
    }

    pub fn now(&self) -> i64 {
        self.app.clock.now()
    }

    pub fn chrome(&self) -> Chrome {
        self.ctx.chrome(&self.cfg)
    }

    /// The full address of the admin page at `rest`.
    pub fn url(&self, rest: &str) -> String {
        admin_url(&self.cfg, rest)
    }

    pub fn is_me(&self, user_id: &str) -> bool {
        self.me.principal.user_id == user_id
    }

    /// Record an event, with the admin as its actor and where they are.
    pub async fn audit(&self, e: Event) {
        self.app
            .audit(e.actor(&self.me.principal.email).from(
                &self.ctx.client_ip(),
                &crate::page::user_agent(&self.headers),
            ))
            .await;
    }

    /// A store result, or the page for its failure.
    pub fn ok<T>(&self, r: Result<T, StoreError>) -> Result<T, Response<Body>> {
        r.map_err(|e| self.fail(e))
    }

    /// A store failure: 503 while the store is out, else 500.
    pub fn fail(&self, e: StoreError) -> Response<Body> {
        PageError::from(e).respond(&self.cfg, &self.headers, &self.ctx)
    }

    /// A refusal page that offers the way back to `back` (under `P/admin`).
    pub fn refuse(
        &self,
        status: StatusCode,
        code: &'static str,
        title: String,
        message: String,
        back: &str,
    ) -> Response<Body> {
        PageError::refused(status, code, title, message)
            .action(Action::link(&self.lang().t("admin-back"), self.url(back)))
            .respond(&self.cfg, &self.headers, &self.ctx)
    }

    /// 400: the request cannot be handled as it is.
    pub fn bad(&self, message: String, back: &str) -> Response<Body> {
        let title = self.lang().t("admin-bad-request-title");
        self.refuse(StatusCode::BAD_REQUEST, "bad_request", title, message, back)
    }

    /// 404 for what is not there.
    pub fn missing(&self, what: Missing, back: &str) -> Response<Body> {
        let l = self.lang();
        let (title, message) = match what {
            Missing::Person => (
                l.t("admin-no-such-person-title"),
                l.t("admin-no-such-person-message"),
            ),
            Missing::Group => (
                l.t("admin-no-such-group-title"),
                l.t("admin-no-such-group-message"),
            ),
            Missing::Invite => (
                l.t("admin-no-such-invite-title"),
                l.t("admin-no-such-invite-message"),
            ),
            Missing::Account => (
                l.t("admin-no-such-account-title"),
                l.t("admin-no-such-account-message"),
            ),
            Missing::Item => (
                l.t("admin-no-such-item-title"),
                l.t("admin-no-such-item-message"),
            ),
        };
        self.refuse(StatusCode::NOT_FOUND, "not_found", title, message, back)
    }

    /// 409: refused because it would leave nobody able to administer, or
    /// lock the admin out.
    pub fn guarded(&self, why: Guard, back: &str) -> Response<Body> {
        let l = self.lang();
        let (code, title, message) = match why {
            Guard::LastAdmin => (
                "last_admin",
                l.t("admin-last-admin-title"),
                l.t("admin-last-admin-message"),
            ),
            Guard::NotYourself => (
                "not_yourself",
                l.t("admin-not-yourself-title"),
                l.t("admin-not-yourself-message"),
            ),
            Guard::LastPasskey => (
                "last_passkey",
                l.t("admin-last-passkey-title"),
                l.t("admin-last-passkey-message"),
            ),
            Guard::AdminsGroup => (
                "admins_group",
                l.t("admin-admins-group-title"),
                l.t("admin-admins-group-message"),
            ),
        };
        self.refuse(StatusCode::CONFLICT, code, title, message, back)
    }

    /// A store failure that may be the admin guard's refusal.
    pub fn fail_or_guarded(&self, e: StoreError, back: &str) -> Response<Body> {
        match e {
            StoreError::LastAdmin => self.guarded(Guard::LastAdmin, back),
            other => self.fail(other),
        }
    }

    /// A page of forms (with this browser's CSRF token).
    pub fn page<T: Template>(&self, build: impl FnOnce(String) -> T) -> Response<Body> {
        super::page(&self.cfg, &self.headers, StatusCode::OK, build)
    }

    /// A page without forms.
    pub fn html(&self, page: &impl Template) -> Response<Body> {
        crate::page::html(StatusCode::OK, page, &self.cfg)
    }

    /// Done: back to the page at `rest`, which says `notice`.
    pub fn done(&self, rest: &str, notice: &str) -> Response<Body> {
        let sep = if rest.contains('?') { '&' } else { '?' };
        crate::page::see_other(&format!("{}{sep}notice={notice}", self.url(rest)))
    }
}

/// What an admin page could not find.
pub enum Missing {
    Person,
    Group,
    Invite,
    Account,
    /// A passkey or session of a person.
    Item,
}

/// Why an admin action is refused with 409.
pub enum Guard {
    /// No enabled member of `admins` would be left.
    LastAdmin,
    /// The admin would disable, delete or demote themselves, or remove
    /// their own passkey (that is the account page's).
    NotYourself,
    /// `admins` cannot be renamed or deleted here.
    AdminsGroup,
    /// Email sign-in is off, and this is their last passkey.
    LastPasskey,
}

/// A field of a form, trimmed ("" when missing).
fn field(f: &HashMap<String, String>, name: &str) -> String {
    f.get(name)
        .map(|s| s.trim().to_string())
        .unwrap_or_default()
}

/// Group names from a field: separated by commas or spaces, deduplicated.
fn group_list(s: &str) -> Vec<String> {
    let mut v: Vec<String> = s
        .split([',', ' '])
        .map(str::trim)
        .filter(|g| !g.is_empty())
        .map(str::to_string)
        .collect();
    v.sort();
    v.dedup();
    v
}

/// A `page=` number within `1..=max`; None when it is not one.
fn page_number(q: &HashMap<String, String>, max: usize) -> Option<usize> {
    match q.get("page").map(|p| p.parse::<usize>()) {
        None => Some(1),
        Some(Ok(p)) if (1..=max).contains(&p) => Some(p),
        Some(_) => None,
    }
}

/// What the step-up page asks of a sign-in returning to `url` when it is
/// an admin page.
pub fn step_up_for(cfg: &Config, url: &url::Url) -> Option<crate::authz::StepUp> {
    let on_portal = url.origin().ascii_serialization() == cfg.server.portal.origin;
    let admin_path = format!("{}/admin", cfg.server.prefix);
    (on_portal && crate::authz::path::under(url.path(), &admin_path)).then(|| admin_step_up(cfg))
}

/// What `[admin]` asks of an admin's sign-in.
fn admin_step_up(cfg: &Config) -> crate::authz::StepUp {
    crate::authz::StepUp {
        max_age: Some(cfg.admin.max_age.as_secs() as i64),
        passkey: cfg.admin.require_passkey,
    }
}
