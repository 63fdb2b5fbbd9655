//! Reverse proxy: forward an allowed request to its upstream and stream the
//! answer back (hyper's path; passgate's own HTTP/1 relay is `h1.rs`).
//!
//! Owns the upstream clients, the request's framing on the way out (stated
//! from the body that is sent, never from the client's fields), upgrade
//! pass-through (the tunnel after a 101) and upstream timeouts. Bodies are
//! never buffered: the client's body is handed to the client as is, and the
//! upstream's body is returned as is. Does not own header hygiene: the
//! request's fields come tidied, with passgate's own fields written last,
//! from the gate (`hygiene.rs`), which also tidies the answer.

use std::time::Duration;

use axum::body::Body;
use http::header::{self, HeaderValue};
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

type Pooled = Client<Connector, Incoming>;

thread_local! {
    /// Each worker thread's pooled clients, by [`Proxy::id`]: a connection
    /// is driven by a task on the thread that opened it, so a request from
    /// another thread's stream would hop to that thread and back.
    static CLIENTS: std::cell::RefCell<Vec<(u64, Pooled)>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The pooled upstream client and its limits.
pub struct Proxy {
    /// Set up once; each thread builds its own client from it.
    connector: Connector,
    /// Tells this proxy's clients from another's (tests run several).
    id: u64,
    connect_timeout: Duration,
    response_timeout: Duration,
    /// Where upgraded tunnels are tracked, so shutdown can wait for them.
    tunnels: TaskTracker,
}

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
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        Self {
            connector,
            id: NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            connect_timeout,
            response_timeout,
            tunnels,
        }
    }

    /// Forward `req` to `upstream`. Its fields must be the upstream
    /// request's already (`gate::Admitted::upstream_headers`); `upgrade`:
    /// the request asks for an upgrade the gate allows, and its fields say
    /// so.
    pub async fn forward(
        &self,
        mut req: Request<Incoming>,
        upstream: &Upstream,
        upgrade: bool,
    ) -> Result<Response<Body>, ProxyError> {
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
        // The client's Host header goes on as it is; without one (HTTP/2),
        // the request's own authority (or the upstream's) becomes one.
        if !req.headers().contains_key(header::HOST)
            && let Some(h) = req
                .uri()
                .authority()
                .or(Some(&upstream.authority))
                .and_then(|a| HeaderValue::from_str(a.as_str()).ok())
        {
            req.headers_mut().insert(header::HOST, h);
        }
        *req.uri_mut() = uri;
        *req.version_mut() = Version::HTTP_11;
        state_framing(&mut req);

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
            let (mut parts, _) = resp.into_parts();
            crate::hygiene::tidy_answer(&mut parts.headers, true);
            return Ok(Response::from_parts(parts, Body::empty()));
        }
        crate::hygiene::tidy_answer(resp.headers_mut(), false);
        Ok(resp.map(Body::new))
    }
}

/// The request's framing, from its body: a length when the body's is
/// known (stated as `http1::states_length` says, as the loop does),
/// chunks otherwise. hyper's client keeps a length it is given and would
/// otherwise send a body of unknown length with a GET as no body at all.
fn state_framing(req: &mut Request<Incoming>) {
    use hyper::body::Body as _;
    let exact = req.body().size_hint().exact();
    let headers = req.headers_mut();
    headers.remove(header::CONTENT_LENGTH);
    headers.remove(header::TRANSFER_ENCODING);
    match exact {
        Some(n) if crate::http1::states_length(req.method(), n) => {
            req.headers_mut()
                .insert(header::CONTENT_LENGTH, HeaderValue::from(n));
        }
        Some(_) => {}
        None => {
            req.headers_mut().insert(
                header::TRANSFER_ENCODING,
                HeaderValue::from_static("chunked"),
            );
        }
    }
}

impl Proxy {
    /// Send through hyper-util's pooled client (HTTP/2 streams, TLS
    /// upstreams, upgrades).
    /// This thread's pooled client (HTTP/2 streams, `https://` upstreams,
    /// upgrades): its connections stay on the thread that uses them.
    fn client(&self) -> Pooled {
        CLIENTS.with_borrow_mut(|clients| {
            if let Some((_, c)) = clients.iter().find(|(id, _)| *id == self.id) {
                return c.clone();
            }
            let c = Client::builder(TokioExecutor::new())
                .pool_idle_timeout(Duration::from_secs(90))
                .pool_max_idle_per_host(256)
                .build(self.connector.clone());
            clients.push((self.id, c.clone()));
            c
        })
    }

    async fn send_pooled(
        &self,
        req: Request<Incoming>,
        upstream: &Upstream,
    ) -> Result<Response<Incoming>, ProxyError> {
        let client = self.client();
        match tokio::time::timeout(self.response_timeout, client.request(req)).await {
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
    /// could not take (it closed meanwhile) is sent again on a new one, and
    /// so is an idempotent request without a body that an idle connection
    /// took but dropped unanswered (the upstream's keep-alive timeout
    /// closing it as the request went out), as the HTTP/1 loop does.
    async fn send_local(
        &self,
        driver: &local::Driver,
        req: Request<Incoming>,
        upstream: &Upstream,
    ) -> Result<Response<Incoming>, ProxyError> {
        use hyper::body::Body as _;
        let mut req = req.map(http_body_util::Either::Left);
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
            // Its head, when it may go again on a new connection.
            let again = (!fresh && req.method().is_idempotent() && req.body().is_end_stream())
                .then(|| head_of(&req));
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
                Err(mut e) => match (e.take_message(), again) {
                    (Some(unsent), _) if !fresh => {
                        req = unsent;
                        conn = connect().await?;
                        fresh = true;
                    }
                    (None, Some(head)) if dropped_unanswered(e.error()) => {
                        req = head;
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

/// A body-less copy of `req` to send again.
fn head_of(req: &Request<local::UpBody>) -> Request<local::UpBody> {
    let mut again = Request::new(http_body_util::Either::Right(http_body_util::Empty::new()));
    *again.method_mut() = req.method().clone();
    *again.uri_mut() = req.uri().clone();
    *again.version_mut() = req.version();
    *again.headers_mut() = req.headers().clone();
    again
}

/// Did the connection close (or reset) before the answer came?
fn dropped_unanswered(e: &hyper::Error) -> bool {
    if e.is_incomplete_message() {
        return true;
    }
    let mut src = std::error::Error::source(e);
    while let Some(inner) = src {
        if let Some(io) = inner.downcast_ref::<std::io::Error>() {
            return matches!(
                io.kind(),
                std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::ConnectionAborted
            );
        }
        src = inner.source();
    }
    false
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
