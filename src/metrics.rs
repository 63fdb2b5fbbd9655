//! Prometheus metrics, served on `server.metrics_listen` (never on the
//! public listener).
//!
//! A small registry of our own: counters and histograms keyed by label
//! values, each series a set of atomics behind an `Arc`. The per-request
//! series are sharded by thread: each worker records into series of its
//! own, found through a thread-local cache, so a request costs no lock and
//! no cache line shared with the other workers. The exposition adds the
//! shards up.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, RwLock};
use std::time::Duration;

/// Bucket upper bounds in seconds.
const BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

#[derive(Default)]
struct Histogram {
    buckets: [AtomicU64; BUCKETS.len()],
    count: AtomicU64,
    /// Sum in nanoseconds.
    sum_ns: AtomicU64,
}

impl Histogram {
    /// Record into a shard only this thread writes: plain loads and stores
    /// (readers still see whole values), no locked read-modify-write.
    fn observe_single_writer(&self, d: Duration) {
        let add = |a: &AtomicU64, n: u64| a.store(a.load(Ordering::Relaxed) + n, Ordering::Relaxed);
        let secs = d.as_secs_f64();
        if let Some(i) = BUCKETS.iter().position(|b| secs <= *b) {
            add(&self.buckets[i], 1);
        }
        add(&self.count, 1);
        add(&self.sum_ns, d.as_nanos() as u64);
    }

    /// Add `other`'s counts to these plain totals.
    fn add_to(&self, buckets: &mut [u64; BUCKETS.len()], count: &mut u64, sum_ns: &mut u64) {
        for (t, b) in buckets.iter_mut().zip(&self.buckets) {
            *t += b.load(Ordering::Relaxed);
        }
        *count += self.count.load(Ordering::Relaxed);
        *sum_ns += self.sum_ns.load(Ordering::Relaxed);
    }

    fn observe(&self, d: Duration) {
        // One bucket per observation; the exposition sums them up.
        let secs = d.as_secs_f64();
        if let Some(i) = BUCKETS.iter().position(|b| secs <= *b) {
            self.buckets[i].fetch_add(1, Ordering::Relaxed);
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        self.sum_ns
            .fetch_add(d.as_nanos() as u64, Ordering::Relaxed);
    }
}

type Labels = Vec<(&'static str, String)>;
/// Series by a hash of their label values (colliding series share a bucket
/// and are told apart by their labels).
type Series<T> = HashMap<u64, Vec<(Labels, Arc<T>)>, rustc_hash::FxBuildHasher>;

struct Family<T> {
    name: &'static str,
    help: &'static str,
    series: RwLock<Series<T>>,
}

impl<T: Default> Family<T> {
    fn new(name: &'static str, help: &'static str) -> Self {
        Self {
            name,
            help,
            series: RwLock::new(HashMap::default()),
        }
    }

    /// The series for these label values; no allocation once it exists
    /// (this runs for every request).
    fn get(&self, labels: &[(&'static str, &str)]) -> Arc<T> {
        let key = series_key(labels);
        let same = |stored: &Labels| {
            stored.len() == labels.len() && stored.iter().zip(labels).all(|((_, a), (_, b))| a == b)
        };
        if let Ok(s) = self.series.read()
            && let Some(bucket) = s.get(&key)
            && let Some((_, v)) = bucket.iter().find(|(l, _)| same(l))
        {
            return v.clone();
        }
        let mut s = match self.series.write() {
            Ok(s) => s,
            Err(p) => p.into_inner(),
        };
        let bucket = s.entry(key).or_default();
        if let Some((_, v)) = bucket.iter().find(|(l, _)| same(l)) {
            return v.clone();
        }
        let v = Arc::new(T::default());
        bucket.push((
            labels.iter().map(|(k, v)| (*k, v.to_string())).collect(),
            v.clone(),
        ));
        v
    }
}

impl<T: Default> Family<T> {
    /// A new series for these label values, for one thread to record into
    /// (several series may carry the same labels; they are added up when
    /// rendered).
    fn shard(&self, labels: &[(&'static str, &str)]) -> Arc<T> {
        let v = Arc::new(T::default());
        let mut s = match self.series.write() {
            Ok(s) => s,
            Err(p) => p.into_inner(),
        };
        s.entry(series_key(labels)).or_default().push((
            labels.iter().map(|(k, v)| (*k, v.to_string())).collect(),
            v.clone(),
        ));
        v
    }

    /// Every series sorted by labels, those with the same labels (shards)
    /// grouped together.
    fn grouped(&self, mut each: impl FnMut(&Labels, &[&Arc<T>])) {
        let Ok(s) = self.series.read() else { return };
        let mut rows: Vec<_> = s.values().flatten().collect();
        rows.sort_by(|a, b| a.0.cmp(&b.0));
        for group in rows.chunk_by(|a, b| a.0 == b.0) {
            let values: Vec<&Arc<T>> = group.iter().map(|(_, v)| v).collect();
            each(&group[0].0, &values);
        }
    }
}

/// Where a series with these label values is kept in a family's map.
fn series_key(labels: &[(&'static str, &str)]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = rustc_hash::FxHasher::default();
    for (_, v) in labels {
        v.hash(&mut h);
    }
    h.finish()
}

fn label_text(labels: &Labels, extra: Option<(&str, String)>) -> String {
    let mut parts: Vec<String> = labels
        .iter()
        .map(|(k, v)| format!("{k}=\"{}\"", escape(v)))
        .collect();
    if let Some((k, v)) = extra {
        parts.push(format!("{k}=\"{v}\""));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("{{{}}}", parts.join(","))
    }
}

fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

impl Family<AtomicU64> {
    fn render(&self, out: &mut String, kind: &str) {
        let _ = writeln!(
            out,
            "# HELP {} {}\n# TYPE {} {kind}",
            self.name, self.help, self.name
        );
        self.grouped(|labels, shards| {
            let total: u64 = shards.iter().map(|v| v.load(Ordering::Relaxed)).sum();
            let _ = writeln!(out, "{}{} {total}", self.name, label_text(labels, None));
        });
    }
}

impl Family<Histogram> {
    fn render(&self, out: &mut String) {
        let _ = writeln!(
            out,
            "# HELP {} {}\n# TYPE {} histogram",
            self.name, self.help, self.name
        );
        self.grouped(|labels, shards| {
            let (mut buckets, mut count, mut sum_ns) = ([0u64; BUCKETS.len()], 0, 0);
            for h in shards {
                h.add_to(&mut buckets, &mut count, &mut sum_ns);
            }
            let mut cumulative = 0;
            for (b, n) in BUCKETS.iter().zip(buckets) {
                cumulative += n;
                let _ = writeln!(
                    out,
                    "{}_bucket{} {cumulative}",
                    self.name,
                    label_text(labels, Some(("le", b.to_string())))
                );
            }
            let _ = writeln!(
                out,
                "{}_bucket{} {count}",
                self.name,
                label_text(labels, Some(("le", "+Inf".into())))
            );
            let _ = writeln!(
                out,
                "{}_sum{} {}",
                self.name,
                label_text(labels, None),
                sum_ns as f64 / 1e9
            );
            let _ = writeln!(
                out,
                "{}_count{} {count}",
                self.name,
                label_text(labels, None)
            );
        });
    }
}

static REQUESTS: LazyLock<Family<AtomicU64>> =
    LazyLock::new(|| Family::new("passgate_requests_total", "Requests by route and decision."));
static DURATION: LazyLock<Family<Histogram>> = LazyLock::new(|| {
    Family::new(
        "passgate_request_duration_seconds",
        "Request latency by route and decision (for proxied requests, until the upstream's headers).",
    )
});
static SIGNINS: LazyLock<Family<AtomicU64>> = LazyLock::new(|| {
    Family::new(
        "passgate_signins_total",
        "Sign-in attempts by method and result.",
    )
});
static UPSTREAM_ERRORS: LazyLock<Family<AtomicU64>> = LazyLock::new(|| {
    Family::new(
        "passgate_upstream_errors_total",
        "Failed upstream requests by route and kind.",
    )
});
static STORE: LazyLock<Family<Histogram>> = LazyLock::new(|| {
    Family::new(
        "passgate_store_operation_seconds",
        "Latency of store operations by store and operation.",
    )
});
static STORE_ERRORS: LazyLock<Family<AtomicU64>> = LazyLock::new(|| {
    Family::new(
        "passgate_store_errors_total",
        "Failed store operations by store and operation.",
    )
});
static ACTIVE: LazyLock<AtomicU64> = LazyLock::new(|| AtomicU64::new(0));
static ACTIVE_DB: LazyLock<AtomicU64> = LazyLock::new(|| AtomicU64::new(0));

/// What happened to a request, for the request metrics (put in the
/// response's extensions by whoever decided).
#[derive(Debug, Clone)]
pub struct Outcome {
    /// `route[N]`, `portal`, or `none`.
    pub route: &'static str,
    /// allow, login, forbid, bad_request, unavailable, upstream_error, page.
    pub decision: &'static str,
}

impl Outcome {
    /// One of passgate's own pages.
    pub const PAGE: Outcome = Outcome {
        route: "portal",
        decision: "page",
    };
}

/// `route[N]` for the rule at index N (made once per index), or `none`.
pub fn route_label(index: Option<usize>) -> &'static str {
    static LABELS: RwLock<Vec<&'static str>> = RwLock::new(Vec::new());
    thread_local! {
        /// This thread's copy of `LABELS`, so the hot path takes no lock.
        static SEEN: std::cell::RefCell<Vec<Option<&'static str>>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    let Some(index) = index else { return "none" };
    if let Some(s) = SEEN.with_borrow(|l| l.get(index).copied().flatten()) {
        return s;
    }
    let label = shared_route_label(&LABELS, index);
    SEEN.with_borrow_mut(|l| {
        if l.len() <= index {
            l.resize(index + 1, None);
        }
        l[index] = Some(label);
    });
    label
}

fn shared_route_label(labels: &RwLock<Vec<&'static str>>, index: usize) -> &'static str {
    if let Ok(l) = labels.read()
        && let Some(s) = l.get(index)
    {
        return s;
    }
    let mut l = match labels.write() {
        Ok(l) => l,
        Err(p) => p.into_inner(),
    };
    while l.len() <= index {
        let i = l.len();
        // Leaked once per rule index: bounded by the number of rules.
        l.push(Box::leak(format!("route[{i}]").into_boxed_str()));
    }
    l[index]
}

pub fn request(o: &Outcome, took: Duration) {
    type Shards = (Arc<AtomicU64>, Arc<Histogram>);
    thread_local! {
        /// This thread's request series, by route and decision.
        static MINE: std::cell::RefCell<HashMap<(&'static str, &'static str), Shards, rustc_hash::FxBuildHasher>> =
            std::cell::RefCell::new(HashMap::default());
    }
    MINE.with_borrow_mut(|mine| {
        let (count, duration) = mine.entry((o.route, o.decision)).or_insert_with(|| {
            let labels = [("route", o.route), ("decision", o.decision)];
            (REQUESTS.shard(&labels), DURATION.shard(&labels))
        });
        count.store(count.load(Ordering::Relaxed) + 1, Ordering::Relaxed);
        duration.observe_single_writer(took);
    });
}

pub fn signin(method: &str, ok: bool) {
    SIGNINS
        .get(&[
            ("method", method),
            ("result", if ok { "success" } else { "failure" }),
        ])
        .fetch_add(1, Ordering::Relaxed);
}

pub fn upstream_error(route: &str, kind: &str) {
    UPSTREAM_ERRORS
        .get(&[("route", route), ("kind", kind)])
        .fetch_add(1, Ordering::Relaxed);
}

pub fn store_op(store: &str, op: &str, took: Duration, ok: bool) {
    STORE.get(&[("store", store), ("op", op)]).observe(took);
    if !ok {
        STORE_ERRORS
            .get(&[("store", store), ("op", op)])
            .fetch_add(1, Ordering::Relaxed);
    }
}

/// 1 while a store's circuit breaker is open (the store is down and
/// answered without).
static BREAKER_DATABASE: AtomicU64 = AtomicU64::new(0);
static BREAKER_EPHEMERAL: AtomicU64 = AtomicU64::new(0);

/// A store's circuit breaker opened or closed.
pub fn set_breaker(store: &str, open: bool) {
    match store {
        "database" => BREAKER_DATABASE.store(u64::from(open), Ordering::Relaxed),
        "ephemeral" => BREAKER_EPHEMERAL.store(u64::from(open), Ordering::Relaxed),
        _ => {}
    }
}

/// Sessions cached by this replica; sessions in the database.
pub fn set_active(cached: usize, in_db: Option<u64>) {
    ACTIVE.store(cached as u64, Ordering::Relaxed);
    if let Some(n) = in_db {
        ACTIVE_DB.store(n, Ordering::Relaxed);
    }
}

/// The text exposition.
pub fn render() -> String {
    let mut out = String::with_capacity(8192);
    REQUESTS.render(&mut out, "counter");
    DURATION.render(&mut out);
    SIGNINS.render(&mut out, "counter");
    UPSTREAM_ERRORS.render(&mut out, "counter");
    STORE.render(&mut out);
    STORE_ERRORS.render(&mut out, "counter");
    let _ = writeln!(
        out,
        "# HELP passgate_active_sessions Live sessions in the database (all replicas).\n# TYPE passgate_active_sessions gauge\npassgate_active_sessions {}",
        ACTIVE_DB.load(Ordering::Relaxed)
    );
    let _ = writeln!(
        out,
        "# HELP passgate_store_breaker_open 1 while the store is down and requests are answered without waiting for it.\n# TYPE passgate_store_breaker_open gauge\npassgate_store_breaker_open{{store=\"database\"}} {}\npassgate_store_breaker_open{{store=\"ephemeral\"}} {}",
        BREAKER_DATABASE.load(Ordering::Relaxed),
        BREAKER_EPHEMERAL.load(Ordering::Relaxed)
    );
    let _ = writeln!(
        out,
        "# HELP passgate_cached_sessions Sessions in this replica's cache.\n# TYPE passgate_cached_sessions gauge\npassgate_cached_sessions {}",
        ACTIVE.load(Ordering::Relaxed)
    );
    out
}

/// Serve `/metrics` on `addr` until `shutdown`.
pub async fn serve(
    listener: tokio::net::TcpListener,
    shutdown: tokio_util::sync::CancellationToken,
) {
    use hyper_util::rt::{TokioExecutor, TokioIo};
    let builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
    loop {
        let (stream, _) = tokio::select! {
            r = listener.accept() => match r { Ok(x) => x, Err(_) => continue },
            _ = shutdown.cancelled() => return,
        };
        let builder = builder.clone();
        tokio::spawn(async move {
            let svc = hyper::service::service_fn(
                |req: http::Request<hyper::body::Incoming>| async move {
                    let resp = if req.uri().path() == "/metrics" {
                        let mut r = http::Response::new(http_body_util::Full::new(
                            bytes::Bytes::from(render()),
                        ));
                        r.headers_mut().insert(
                            http::header::CONTENT_TYPE,
                            http::HeaderValue::from_static(
                                "text/plain; version=0.0.4; charset=utf-8",
                            ),
                        );
                        r
                    } else {
                        let mut r = http::Response::new(http_body_util::Full::new(
                            bytes::Bytes::from_static(b"see /metrics\n"),
                        ));
                        *r.status_mut() = http::StatusCode::NOT_FOUND;
                        r
                    };
                    Ok::<_, std::convert::Infallible>(resp)
                },
            );
            let _ = builder.serve_connection(TokioIo::new(stream), svc).await;
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The exposition line of `series` (`name{labels}`), parsed.
    fn value(text: &str, series: &str) -> f64 {
        let lines: Vec<&str> = text
            .lines()
            .filter(|l| l.starts_with(series) && l[series.len()..].starts_with(' '))
            .collect();
        assert_eq!(lines.len(), 1, "one line for {series} in:\n{text}");
        lines[0][series.len() + 1..].parse().expect("a number")
    }

    #[test]
    fn route_labels_name_their_own_rule_whatever_the_order_seen() {
        // A fresh thread, so its cache starts empty: a high index first,
        // then lower ones that the cache has room for but has not seen.
        std::thread::spawn(move || {
            assert_eq!(route_label(Some(7)), "route[7]");
            assert_eq!(route_label(Some(2)), "route[2]");
            assert_eq!(route_label(Some(7)), "route[7]");
            assert_eq!(route_label(Some(0)), "route[0]");
            assert_eq!(route_label(None), "none");
        })
        .join()
        .expect("no panic");
    }

    #[test]
    fn requests_recorded_on_several_threads_are_one_series() {
        // Labels of this test's own, so other tests' requests do not count.
        let o = Outcome {
            route: "route[9999]",
            decision: "metrics_test",
        };
        std::thread::scope(|s| {
            for ms in [1, 3, 700] {
                let o = o.clone();
                s.spawn(move || {
                    request(&o, Duration::from_millis(ms));
                    request(&o, Duration::from_millis(ms));
                });
            }
        });
        request(&o, Duration::from_millis(20));
        let text = render();
        let labels = r#"{route="route[9999]",decision="metrics_test"}"#;
        assert_eq!(
            value(&text, &format!("passgate_requests_total{labels}")),
            7.0
        );
        let hist = "passgate_request_duration_seconds";
        assert_eq!(value(&text, &format!("{hist}_count{labels}")), 7.0);
        let sum = value(&text, &format!("{hist}_sum{labels}"));
        assert!((sum - 1.428).abs() < 1e-9, "sum {sum}");
        let le = |b: &str| {
            value(
                &text,
                &format!(
                    r#"{hist}_bucket{{route="route[9999]",decision="metrics_test",le="{b}"}}"#
                ),
            )
        };
        assert_eq!(le("0.001"), 2.0);
        assert_eq!(le("0.005"), 4.0);
        assert_eq!(le("0.025"), 5.0);
        assert_eq!(le("1"), 7.0);
        assert_eq!(le("+Inf"), 7.0);
    }
}
