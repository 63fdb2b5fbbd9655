//! The audit log: newest first, filtered by person, kind and time, paged,
//! and exported as JSON Lines or CSV.

use std::collections::HashMap;
use std::sync::Arc;

use askama::Template;
use axum::Extension;
use axum::body::Body;
use axum::extract::{Query, State};
use http::Response;
use http::header::HeaderMap;

use super::{Answer, Desk, MAX_TEXT, page_number};
use crate::app::App;
use crate::page::{Chrome, Ctx};

/// Events per page; the last page number; the most an export holds.
const PER_PAGE: usize = 100;
const MAX_PAGE: usize = 100;
const MAX_EXPORT: i64 = 10_000;

struct AuditRow {
    when: String,
    kind: String,
    ok: bool,
    who: String,
    actor: Option<String>,
    ip: String,
    detail: String,
}

#[derive(Template)]
#[template(path = "admin_audit.html")]
struct AuditPage {
    chrome: Chrome,
    section: &'static str,
    email: String,
    kind: String,
    since: String,
    rows: Vec<AuditRow>,
    prev: Option<String>,
    next: Option<String>,
    export_jsonl: String,
    export_csv: String,
}

/// `GET P/admin/audit?email=&kind=&since=&page=&format=`: `since` is a
/// duration ago ("24h", "7d") or a UTC date ("2026-11-01"); `format=jsonl`
/// or `csv` exports what the filter selects (at most 10,000 events).
pub async fn page(
    State(app): State<Arc<App>>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Answer {
    let d = Desk::look(app, ctx, headers, "/audit").await?;
    let get = |k: &str| q.get(k).map(|s| s.trim().to_string()).unwrap_or_default();
    let (email, kind, since) = (get("email"), get("kind"), get("since"));
    if [&email, &kind, &since]
        .iter()
        .any(|s| s.chars().count() > MAX_TEXT)
    {
        return Err(d.bad(d.lang().t("admin-bad-search"), "/audit"));
    }
    let Some(page) = page_number(&q, MAX_PAGE) else {
        return Err(d.bad(d.lang().t("admin-bad-page"), "/audit"));
    };
    let since_at = if since.is_empty() {
        None
    } else {
        match crate::clock::parse_since(&since, d.now()) {
            Some(t) => Some(t),
            None => return Err(d.bad(d.lang().t("admin-bad-since"), "/audit")),
        }
    };
    // A person's events: their account's, and those naming their address
    // (invitations; and after they were deleted).
    let user_id = if email.is_empty() {
        None
    } else {
        d.ok(d.app.store.find_user_by_email(&email).await)?
            .map(|u| u.id)
    };
    let format = q.get("format").map(String::as_str).unwrap_or("");
    let limit = match format {
        "jsonl" | "csv" => MAX_EXPORT,
        "" => (page * PER_PAGE + 1) as i64,
        _ => return Err(d.bad(d.lang().t("admin-bad-format"), "/audit")),
    };
    let filter = crate::store::AuditFilter {
        user_id,
        email: (!email.is_empty()).then(|| email.clone()),
        since: since_at,
        kind_prefix: (!kind.is_empty()).then(|| kind.clone()),
        limit,
    };
    let events = d.ok(d.app.store.list_audit(&filter).await)?;
    match format {
        "jsonl" => {
            let mut out = String::new();
            for e in &events {
                out.push_str(&serde_json::to_string(e).unwrap_or_default());
                out.push('\n');
            }
            return Ok(download(
                out,
                "application/x-ndjson",
                "passgate-audit.jsonl",
            ));
        }
        "csv" => {
            let mut out = String::from("id,at,kind,success,email,ip,detail,actor\n");
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
                    v.actor.clone().unwrap_or_default(),
                ];
                out.push_str(&cells.map(|c| csv_cell(&c)).join(","));
                out.push('\n');
            }
            return Ok(download(
                out,
                "text/csv; charset=utf-8",
                "passgate-audit.csv",
            ));
        }
        _ => {}
    }
    let lang = d.lang();
    let now = d.now();
    let more = events.len() > page * PER_PAGE;
    let rows = events
        .iter()
        .skip((page - 1) * PER_PAGE)
        .take(PER_PAGE)
        .map(|e| AuditRow {
            when: crate::page::ago(lang, now, e.event.at),
            kind: e.event.kind.clone(),
            ok: e.event.success,
            who: e.event.email.clone().unwrap_or_default(),
            actor: e.event.actor.clone(),
            ip: e.event.ip.clone().unwrap_or_default(),
            detail: e.event.detail.clone(),
        })
        .collect();
    let here = d.url("/audit");
    let query = |extra: &str| {
        format!(
            "{here}?email={}&kind={}&since={}{extra}",
            crate::page::enc(&email),
            crate::page::enc(&kind),
            crate::page::enc(&since)
        )
    };
    let prev = (page > 1).then(|| query(&format!("&page={}", page - 1)));
    let next = more.then(|| query(&format!("&page={}", page + 1)));
    let page = AuditPage {
        chrome: d.chrome(),
        section: "audit",
        export_jsonl: query("&format=jsonl"),
        export_csv: query("&format=csv"),
        email,
        kind,
        since,
        rows,
        prev,
        next,
    };
    Ok(d.html(&page))
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
    // Data, never a page: not sniffed, run or framed.
    h.insert(
        http::header::X_CONTENT_TYPE_OPTIONS,
        http::HeaderValue::from_static("nosniff"),
    );
    h.insert(
        http::header::CONTENT_SECURITY_POLICY,
        http::HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'; sandbox"),
    );
    r
}
