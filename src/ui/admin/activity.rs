//! Activity: sign-ins per day by method, failures and lockouts, over the
//! last 7, 30 or 90 days, drawn on the server as an SVG bar chart (no
//! script, no chart library), with the numbers in a table beside it.
//!
//! Counted from the audit log: `signin.webauthn` (passkey), other
//! successful `signin.*` (email), `signin.failed`, and lockouts
//! (`signin.lockout`: email codes paused for an address;
//! `email.rate_limited`: too many emails asked for).

use std::collections::HashMap;
use std::sync::Arc;

use askama::Template;
use axum::Extension;
use axum::extract::{Query, State};
use http::header::HeaderMap;

use super::{Answer, Desk};
use crate::app::App;
use crate::page::{Chrome, Ctx};
use crate::store::DayCount;

const DAY: i64 = 86_400;
/// The chart's drawing area in SVG units, and the room for the axes.
const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 220.0;
const LEFT: f64 = 56.0;
const BOTTOM: f64 = 32.0;
const TOP: f64 = 20.0;

/// One day's numbers.
#[derive(Default, Clone)]
struct Day {
    date: String,
    passkey: i64,
    email: i64,
    failed: i64,
    lockouts: i64,
}

impl Day {
    fn signins(&self) -> i64 {
        self.passkey + self.email
    }
    fn trouble(&self) -> i64 {
        self.failed + self.lockouts
    }
}

/// A bar (or part of one) of the chart.
struct Bar {
    x: String,
    y: String,
    w: String,
    h: String,
    class: &'static str,
    title: String,
}

/// A label on an axis.
struct Tick {
    x: String,
    y: String,
    text: String,
}

#[derive(Template)]
#[template(path = "admin_activity.html")]
struct ActivityPage {
    chrome: Chrome,
    section: &'static str,
    choices: Vec<(i64, bool)>,
    summary: String,
    bars: Vec<Bar>,
    y_ticks: Vec<Tick>,
    x_ticks: Vec<Tick>,
    grid: Vec<String>,
    table: Vec<Day>,
    width: String,
    height: String,
    left: String,
    baseline: String,
}

/// Sort the day counts into one [`Day`] per day from `first` to `last`.
fn days(counts: &[DayCount], first: i64, last: i64) -> Vec<Day> {
    let mut out: Vec<Day> = (first..=last)
        .map(|d| Day {
            date: crate::page::date(d * DAY),
            ..Default::default()
        })
        .collect();
    for c in counts {
        let Some(day) = usize::try_from(c.day - first)
            .ok()
            .and_then(|i| out.get_mut(i))
        else {
            continue;
        };
        match (c.kind.as_str(), c.success) {
            ("signin.webauthn", true) => day.passkey += c.count,
            ("signin.failed", _) => day.failed += c.count,
            ("signin.lockout", _) | ("email.rate_limited", _) => day.lockouts += c.count,
            (k, true) if k.starts_with("signin.") => day.email += c.count,
            _ => {}
        }
    }
    out
}

/// A round top for the scale: 1, 2, 5 × 10ⁿ at or above `max`.
fn scale_top(max: i64) -> i64 {
    let mut unit = 1;
    loop {
        for m in [1, 2, 5] {
            if m * unit >= max.max(1) {
                return m * unit;
            }
        }
        unit *= 10;
    }
}

fn n(v: f64) -> String {
    format!("{v:.1}")
}

/// `GET P/admin/activity?days=7|30|90`.
pub async fn page(
    State(app): State<Arc<App>>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Answer {
    let d = Desk::look(app, ctx, headers, "/activity").await?;
    let span: i64 = match q.get("days").map(String::as_str) {
        None | Some("30") => 30,
        Some("7") => 7,
        Some("90") => 90,
        Some(_) => return Err(d.bad(d.lang().t("admin-bad-days-choice"), "/activity")),
    };
    let last = d.now().div_euclid(DAY);
    let first = last - span + 1;
    let counts = d.ok(d
        .app
        .store
        .audit_by_day(first * DAY, &["signin.", "email.rate_limited"])
        .await)?;
    let table = days(&counts, first, last);
    let l = d.lang();
    let top = scale_top(
        table
            .iter()
            .map(|d| d.signins().max(d.trouble()))
            .max()
            .unwrap_or(0),
    );
    let plot_h = HEIGHT - BOTTOM - TOP;
    let band = (WIDTH - LEFT) / table.len() as f64;
    let y = |v: i64| HEIGHT - BOTTOM - plot_h * v as f64 / top as f64;
    let mut bars = Vec::new();
    for (i, day) in table.iter().enumerate() {
        let x0 = LEFT + band * i as f64 + band * 0.1;
        let w = band * 0.38;
        // Sign-ins: passkey below, email above; trouble beside them.
        for (x, parts) in [
            (
                x0,
                [
                    (day.passkey, "bar-passkey", "admin-activity-passkey"),
                    (day.email, "bar-email", "admin-activity-email"),
                ],
            ),
            (
                x0 + w,
                [
                    (day.failed, "bar-failed", "admin-activity-failed"),
                    (day.lockouts, "bar-lockout", "admin-activity-lockouts"),
                ],
            ),
        ] {
            let mut base = 0;
            for (v, class, key) in parts {
                if v == 0 {
                    continue;
                }
                bars.push(Bar {
                    x: n(x),
                    y: n(y(base + v)),
                    w: n(w),
                    h: n(y(base) - y(base + v)),
                    class,
                    title: format!("{} · {}: {v}", day.date, l.t(key)),
                });
                base += v;
            }
        }
    }
    let y_ticks = [0, top / 2, top]
        .iter()
        .map(|&v| Tick {
            x: n(LEFT - 6.0),
            y: n(y(v)),
            text: v.to_string(),
        })
        .collect();
    let grid = [top / 2, top].iter().map(|&v| n(y(v))).collect();
    let every = (table.len() / 6).max(1);
    let x_ticks = table
        .iter()
        .enumerate()
        .filter(|(i, _)| i % every == 0)
        .map(|(i, day)| Tick {
            x: n(LEFT + band * (i as f64 + 0.5)),
            y: n(HEIGHT - 4.0),
            // MM-DD (the whole date should it ever be shorter).
            text: day.date.get(5..).unwrap_or(&day.date).to_string(),
        })
        .collect();
    let sum = |f: fn(&Day) -> i64| table.iter().map(f).sum::<i64>();
    let span_s = span.to_string();
    let summary = l.t_with(
        "admin-activity-summary",
        &[
            ("days", span_s.as_str()),
            ("signins", &sum(Day::signins).to_string()),
            ("passkey", &sum(|d| d.passkey).to_string()),
            ("email", &sum(|d| d.email).to_string()),
            ("failed", &sum(|d| d.failed).to_string()),
            ("lockouts", &sum(|d| d.lockouts).to_string()),
        ],
    );
    let mut table = table;
    table.reverse();
    Ok(d.html(&ActivityPage {
        chrome: d.chrome(),
        section: "activity",
        choices: [7, 30, 90].iter().map(|&c| (c, c == span)).collect(),
        summary,
        bars,
        y_ticks,
        x_ticks,
        grid,
        table,
        width: n(WIDTH),
        height: n(HEIGHT),
        left: n(LEFT),
        baseline: n(HEIGHT - BOTTOM),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_fall_on_their_day_and_method() {
        let c = |day, kind: &str, success, count| DayCount {
            day,
            kind: kind.into(),
            success,
            count,
        };
        let t = days(
            &[
                c(10, "signin.webauthn", true, 3),
                c(10, "signin.email", true, 2),
                c(11, "signin.failed", false, 4),
                c(11, "email.rate_limited", false, 1),
                c(11, "signin.lockout", false, 1),
                c(12, "signin.webauthn", true, 9),
                c(9, "signin.webauthn", true, 9),
            ],
            10,
            11,
        );
        assert_eq!(t.len(), 2);
        assert_eq!((t[0].passkey, t[0].email, t[0].trouble()), (3, 2, 0));
        assert_eq!((t[1].failed, t[1].lockouts, t[1].signins()), (4, 2, 0));
        assert_eq!(t[0].date, "1970-01-11");
    }

    #[test]
    fn the_scale_tops_out_at_a_round_number() {
        for (max, top) in [
            (0, 1),
            (1, 1),
            (3, 5),
            (7, 10),
            (11, 20),
            (480, 500),
            (501, 1000),
        ] {
            assert_eq!(scale_top(max), top, "{max}");
        }
    }
}
