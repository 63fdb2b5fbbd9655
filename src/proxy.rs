//! Reverse proxy: forward an allowed request to its upstream and stream the
//! answer back.
//!
//! Owns header hygiene on the way through (hop-by-hop headers, passgate's own
//! cookies, `X-Forwarded-*`), upgrade pass-through (WebSocket and any other
//! `Upgrade`), and upstream timeouts. Bodies are never buffered: the client's
//! body is handed to the pooled client as is, and the upstream's body is
//! returned as is. Identity headers are set by the caller (`server.rs`)
//! before [`Proxy::forward`], after every client-sent copy was removed.

use std::time::Duration;

use axum::body::Body;
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::{Request, Response, StatusCode, Uri, Version};
use hyper::body::Incoming;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio_util::task::TaskTracker;

use crate::authz::Upstream;

pub mod alarm;
pub mod h1;
pub mod idle;
pub mod local;

type Connector = hyper_rustls::HttpsConnector<HttpConnector>;

/// Why forwarding failed; rendered by `error.rs`.
#[derive(Debug, thiserror::Error)]
pub enum ProxyError {
    /// The upstream could not be reached (refused, DNS, TLS).
    #[error("the upstream {upstream} cannot be reached: {detail}")]
    Unreachable { upstream: String, detail: String },
    /// The upstream did not answer in time.
    #[error("the upstream {upstream} did not answer within {secs} s")]
    Timeout { upstream: String, secs: u64 },
    /// The upstream broke the exchange after connecting.
    #[error("the upstream {upstream} failed: {detail}")]
    Failed { upstream: String, detail: String },
    /// The request could not be turned into an upstream request.
    #[error("the request cannot be forwarded: {0}")]
    BadRequest(String),
}

/// The pooled upstream client and its limits.
pub struct Proxy {
    client: Client<Connector, Incoming>,
    connect_timeout: Duration,
    response_timeout: Duration,
    /// Where upgraded tunnels are tracked, so shutdown can wait for them.
    tunnels: TaskTracker,
}

/// What the proxy needs to know about the client connection.
pub struct ClientInfo {
    /// The peer's IP address, as a header value.
    pub peer: HeaderValue,
    /// The peer is one of `trusted_proxies`.
    pub trusted: bool,
    /// "http" or "https" as the client used (after a trusted proxy's say).
    pub proto: &'static str,
    /// The host the client asked for (authority), for `X-Forwarded-Host`;
    /// `None` when it cannot be a header value.
    pub host: Option<HeaderValue>,
}

static X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");
static X_FORWARDED_PROTO: HeaderName = HeaderName::from_static("x-forwarded-proto");
static X_FORWARDED_HOST: HeaderName = HeaderName::from_static("x-forwarded-host");
static X_REAL_IP: HeaderName = HeaderName::from_static("x-real-ip");
static FORWARDED: HeaderName = HeaderName::from_static("forwarded");

impl Proxy {
    /// How long connecting to an upstream may take.
    pub fn connect_timeout(&self) -> Duration {
        self.connect_timeout
    }

    /// How long an upstream may take to begin its answer.
    pub fn response_timeout(&self) -> Duration {
        self.response_timeout
    }

    pub fn new(
        connect_timeout: Duration,
        response_timeout: Duration,
        tunnels: TaskTracker,
    ) -> Self {
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_nodelay(true);
        http.set_connect_timeout(Some(connect_timeout));
        http.set_keepalive(Some(Duration::from_secs(60)));
        let builder = hyper_rustls::HttpsConnectorBuilder::new();
        let builder = match builder.with_native_roots() {
            Ok(b) => b,
            Err(e) => {
                tracing::warn!(error = %e, "no system CA certificates found; https upstreams will fail to verify");
                hyper_rustls::HttpsConnectorBuilder::new().with_tls_config(
                    rustls::ClientConfig::builder()
                        .with_root_certificates(rustls::RootCertStore::empty())
                        .with_no_client_auth(),
                )
            }
        };
        let connector = builder
            .https_or_http()
            .enable_http1()
            .enable_http2()
            .wrap_connector(http);
        let client = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(90))
            .pool_max_idle_per_host(256)
            .build(connector);
        Self {
            client,
            connect_timeout,
            response_timeout,
            tunnels,
        }
    }

    /// Forward `req` to `upstream`. The request's identity headers must be
    /// set already; this adds the forwarding headers and removes the rest.
    pub async fn forward(
        &self,
        mut req: Request<Incoming>,
        upstream: &Upstream,
        client: &ClientInfo,
        own_cookies: &[&str],
    ) -> Result<Response<Body>, ProxyError> {
        let upgrade = wants_upgrade(req.headers());
        // HTTP/1 to a plain upstream, no upgrade: the client connection's
        // task drives the upstream connection (`local.rs`).
        let driver = (!upgrade
            && upstream.scheme == http::uri::Scheme::HTTP
            && req.version() <= Version::HTTP_11)
            .then(local::current)
            .flatten();
        let client_upgrade = upgrade.then(|| hyper::upgrade::on(&mut req));

        // The original path and query, unchanged (cheap to clone).
        let path_and_query = req
            .uri()
            .path_and_query()
            .cloned()
            .unwrap_or_else(|| http::uri::PathAndQuery::from_static("/"));
        let uri = if driver.is_some() {
            // Sent as is on the connection: origin form.
            Uri::from(path_and_query)
        } else {
            Uri::builder()
                .scheme(upstream.scheme.clone())
                .authority(upstream.authority.clone())
                .path_and_query(path_and_query)
                .build()
                .map_err(|e| ProxyError::BadRequest(e.to_string()))?
        };
        // The client's Host header goes on as it is; without one, the
        // request's own authority (or the upstream's) becomes one.
        let host = if req.headers().contains_key(header::HOST) {
            None
        } else {
            req.uri()
                .authority()
                .or(Some(&upstream.authority))
                .and_then(|a| HeaderValue::from_str(a.as_str()).ok())
        };
        *req.uri_mut() = uri;
        *req.version_mut() = Version::HTTP_11;
        let headers = req.headers_mut();
        let upgrade_value = if upgrade {
            headers.get(header::UPGRADE).cloned()
        } else {
            None
        };
        tidy_request_headers(headers, client, own_cookies);
        if let Some(u) = upgrade_value {
            headers.insert(header::CONNECTION, HeaderValue::from_static("upgrade"));
            headers.insert(header::UPGRADE, u);
        }
        if let Some(h) = host {
            headers.insert(header::HOST, h);
        }

        let started = tracing::enabled!(tracing::Level::TRACE).then(std::time::Instant::now);
        let mut resp = match driver {
            Some(driver) => self.send_local(&driver, req, upstream).await?,
            None => self.send_pooled(req, upstream).await?,
        };
        if let Some(started) = started {
            tracing::trace!(
                elapsed_ms = started.elapsed().as_millis() as u64,
                status = resp.status().as_u16(),
                "upstream answered"
            );
        }

        if resp.status() == StatusCode::SWITCHING_PROTOCOLS {
            let Some(client_upgrade) = client_upgrade else {
                return Err(ProxyError::Failed {
                    upstream: upstream.url.clone(),
                    detail: "answered 101 to a request that did not ask to upgrade".into(),
                });
            };
            let upstream_upgrade = hyper::upgrade::on(&mut resp);
            let name = upstream.url.clone();
            self.tunnels.spawn(async move {
                match tokio::try_join!(client_upgrade, upstream_upgrade) {
                    Ok((c, u)) => {
                        let mut c = TokioIo::new(c);
                        let mut u = TokioIo::new(u);
                        if let Err(e) = tokio::io::copy_bidirectional(&mut c, &mut u).await {
                            tracing::debug!(upstream = %name, error = %e, "upgraded connection ended with an error");
                        }
                    }
                    Err(e) => tracing::warn!(upstream = %name, error = %e, "upgrade failed"),
                }
            });
            let (parts, _) = resp.into_parts();
            return Ok(Response::from_parts(parts, Body::empty()));
        }
        remove_hop_by_hop(resp.headers_mut());
        Ok(resp.map(Body::new))
    }
}

impl Proxy {
    /// Send through hyper-util's pooled client (HTTP/2 streams, TLS
    /// upstreams, upgrades).
    async fn send_pooled(
        &self,
        req: Request<Incoming>,
        upstream: &Upstream,
    ) -> Result<Response<Incoming>, ProxyError> {
        match tokio::time::timeout(self.response_timeout, self.client.request(req)).await {
            Err(_) => Err(ProxyError::Timeout {
                upstream: upstream.url.clone(),
                secs: self.response_timeout.as_secs(),
            }),
            Ok(Err(e)) => {
                let detail = error_chain(&e);
                Err(if e.is_connect() {
                    ProxyError::Unreachable {
                        upstream: upstream.url.clone(),
                        detail,
                    }
                } else {
                    ProxyError::Failed {
                        upstream: upstream.url.clone(),
                        detail,
                    }
                })
            }
            Ok(Ok(r)) => Ok(r),
        }
    }

    /// Send on an idle connection of this thread, or a new one, driven by
    /// the client connection's task. A request that an idle connection
    /// could not take (it closed meanwhile) is sent again on a new one.
    async fn send_local(
        &self,
        driver: &local::Driver,
        mut req: Request<Incoming>,
        upstream: &Upstream,
    ) -> Result<Response<Incoming>, ProxyError> {
        // Boxed: connecting is rare (idle connections are reused) and its
        // state is large; every request's future would carry room for it.
        let connect = || {
            Box::pin(async {
                local::Upstream::connect(&upstream.authority, self.connect_timeout)
                    .await
                    .map_err(|e| ProxyError::Unreachable {
                        upstream: upstream.url.clone(),
                        detail: error_chain(&e),
                    })
            })
        };
        let (mut conn, mut fresh) = match local::take(&upstream.authority) {
            Some(c) => (c, false),
            None => (connect().await?, true),
        };
        // The driver keeps the deadline (one timer per client connection,
        // not one per request).
        let deadline = std::time::Instant::now() + self.response_timeout;
        loop {
            let answer = conn.send(req);
            driver.hold(conn, deadline);
            let answer = answer.await;
            if driver.answered() {
                return Err(ProxyError::Timeout {
                    upstream: upstream.url.clone(),
                    secs: self.response_timeout.as_secs(),
                });
            }
            match answer {
                Ok(resp) => return Ok(resp),
                Err(mut e) => match e.take_message() {
                    Some(unsent) if !fresh => {
                        req = unsent;
                        conn = connect().await?;
                        fresh = true;
                    }
                    _ => {
                        return Err(ProxyError::Failed {
                            upstream: upstream.url.clone(),
                            detail: error_chain(e.error()),
                        });
                    }
                },
            }
        }
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(inner) = src {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        src = inner.source();
    }
    s
}

/// Does the request ask for a protocol upgrade (WebSocket and others)?
pub fn wants_upgrade(h: &HeaderMap) -> bool {
    h.contains_key(header::UPGRADE)
        && h.get_all(header::CONNECTION)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .any(|t| t.trim().eq_ignore_ascii_case("upgrade"))
}

/// The hop-by-hop headers (besides those `Connection` names): the one list
/// for header maps here and for names read as text (`h1.rs`).
pub static HOP_BY_HOP: [HeaderName; 9] = [
    header::CONNECTION,
    HeaderName::from_static("keep-alive"),
    HeaderName::from_static("proxy-connection"),
    header::PROXY_AUTHENTICATE,
    header::PROXY_AUTHORIZATION,
    header::TE,
    header::TRAILER,
    header::TRANSFER_ENCODING,
    header::UPGRADE,
];

/// Is `n` one of [`HOP_BY_HOP`]? Spelled out rather than searched for:
/// comparisons with known names fold into a few instructions, and this
/// runs for every header of every request (a test holds it to the list).
fn is_hop_by_hop(n: &HeaderName) -> bool {
    n == header::CONNECTION
        || n == header::PROXY_AUTHENTICATE
        || n == header::PROXY_AUTHORIZATION
        || n == header::TE
        || n == header::TRAILER
        || n == header::TRANSFER_ENCODING
        || n == header::UPGRADE
        || n == "keep-alive"
        || n == "proxy-connection"
}

/// A request's headers as an upstream may see them: hop-by-hop headers
/// out, passgate's cookies out, and the forwarding headers set. Both ways
/// of serving (hyper's and `server/h1.rs`) go through here.
pub fn tidy_request_headers(h: &mut HeaderMap, client: &ClientInfo, own_cookies: &[&str]) {
    remove_hop_by_hop(h);
    strip_own_cookies(h, own_cookies);
    set_forwarding_headers(h, client);
}

/// Remove hop-by-hop headers, including those named in `Connection`.
pub fn remove_hop_by_hop(h: &mut HeaderMap) {
    // Most messages have none: one pass over the names to find out.
    if !h.keys().any(is_hop_by_hop) {
        return;
    }
    let named: Vec<HeaderName> = h
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|t| HeaderName::from_bytes(t.trim().as_bytes()).ok())
        // Host names the target, it never belongs to one hop: a request
        // naming it in Connection keeps it.
        .filter(|n| n != header::HOST)
        .collect();
    for n in named.iter().chain(&HOP_BY_HOP) {
        h.remove(n);
    }
}

/// Remove passgate's cookies from every `Cookie` header; drop the header
/// when nothing is left.
pub fn strip_own_cookies(h: &mut HeaderMap, own: &[&str]) {
    let mut values = h.get_all(header::COOKIE).iter();
    match (values.next(), values.next()) {
        (None, _) => return,
        // The common cases, one Cookie header holding none of ours (left
        // alone) or only ours (removed), are told apart in one scan.
        (Some(first), None) => match first.to_str().map(|s| own_and_other_cookies(s, own)) {
            Ok((false, _)) => return,
            Ok((true, false)) => {
                h.remove(header::COOKIE);
                return;
            }
            _ => {}
        },
        _ => {}
    }
    match kept_cookies(h, own) {
        Some(v) => {
            h.insert(header::COOKIE, v);
        }
        None => {
            h.remove(header::COOKIE);
        }
    }
}

/// The request's cookies without passgate's, as one `Cookie` value; `None`
/// when nothing is left. Cookies that are not text are dropped too: they
/// cannot be parsed safely, so they might hide one of ours.
pub fn cookies_without_own(h: &HeaderMap, own: &[&str]) -> Option<HeaderValue> {
    let mut values = h.get_all(header::COOKIE).iter();
    let first = values.next()?;
    if values.next().is_none() {
        // One header: one scan tells the common cases apart.
        match first.to_str().map(|s| own_and_other_cookies(s, own)) {
            Ok((false, _)) => return Some(first.clone()),
            Ok((true, false)) => return None,
            _ => {}
        }
    }
    kept_cookies(h, own)
}

/// Every `Cookie` header merged into one value without `own` (and without
/// values that are not text); `None` when nothing is left.
fn kept_cookies(h: &HeaderMap, own: &[&str]) -> Option<HeaderValue> {
    let mut kept = String::new();
    for v in h.get_all(header::COOKIE) {
        let Ok(s) = v.to_str() else { continue };
        for pair in s.split(';') {
            let pair = pair.trim_ascii();
            if pair.is_empty() || own.contains(&cookie_name(pair)) {
                continue;
            }
            if !kept.is_empty() {
                kept.push_str("; ");
            }
            kept.push_str(pair);
        }
    }
    if kept.is_empty() {
        return None;
    }
    HeaderValue::try_from(kept).ok()
}

/// Does this `Cookie` value hold one of `own`, and does it hold anything
/// else (that [`kept_cookies`] would keep)?
fn own_and_other_cookies(s: &str, own: &[&str]) -> (bool, bool) {
    let (mut ours, mut others) = (false, false);
    for pair in s.split(';') {
        let pair = pair.trim_ascii();
        if pair.is_empty() {
            continue;
        }
        if own.contains(&cookie_name(pair)) {
            ours = true;
        } else {
            others = true;
        }
    }
    (ours, others)
}

fn cookie_name(pair: &str) -> &str {
    // Header text is visible ASCII, spaces and tabs: a byte scan and an
    // ASCII trim say the same as their Unicode forms, for less.
    match pair.bytes().position(|b| b == b'=') {
        Some(i) => &pair[..i],
        None => pair,
    }
    .trim_ascii()
}

/// Set `X-Forwarded-For/Proto/Host` and `X-Real-IP`. From a trusted proxy the
/// existing chain is extended; from anyone else what they sent is replaced.
pub fn set_forwarding_headers(h: &mut HeaderMap, c: &ClientInfo) {
    let xff = {
        let prior: Vec<&str> = if c.trusted {
            h.get_all(&X_FORWARDED_FOR)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .filter(|v| !v.is_empty())
                .collect()
        } else {
            Vec::new()
        };
        if prior.is_empty() {
            c.peer.clone()
        } else {
            let chain = format!(
                "{}, {}",
                prior.join(", "),
                c.peer.to_str().unwrap_or_default()
            );
            HeaderValue::try_from(chain).unwrap_or_else(|_| c.peer.clone())
        }
    };
    h.insert(X_FORWARDED_FOR.clone(), xff);
    if !c.trusted || !h.contains_key(&X_FORWARDED_PROTO) {
        h.insert(X_FORWARDED_PROTO.clone(), HeaderValue::from_static(c.proto));
    }
    if !c.trusted || !h.contains_key(&X_FORWARDED_HOST) {
        match &c.host {
            Some(v) => {
                h.insert(X_FORWARDED_HOST.clone(), v.clone());
            }
            None => {
                h.remove(&X_FORWARDED_HOST);
            }
        }
    }
    if !c.trusted {
        h.remove(&FORWARDED);
        h.insert(X_REAL_IP.clone(), c.peer.clone());
    } else if !h.contains_key(&X_REAL_IP) {
        h.insert(X_REAL_IP.clone(), c.peer.clone());
    }
}

#[cfg(test)]
mod tests;
