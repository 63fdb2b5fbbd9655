//! One request through passgate, whichever serving path read it: the
//! connection's context, request ids, passgate's own endpoints or the
//! gate's pipeline, the answer's stamp, the access log and the metrics. And
//! hyper serving a connection (HTTP/2, TLS, and what the HTTP/1.1 loop hands
//! over), which calls [`handle`] for each request.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::body::Body;
use http::header::{self, HeaderMap, HeaderValue};
use http::{Request, Response, StatusCode};
use hyper::body::Incoming;
use tower::ServiceExt;

use super::shutdown::{Idle, until_shutdown};
use super::{ConnBuilders, Proto, ReqCtx};
use crate::app::App;
use crate::authz;
use crate::config::Config;
use crate::error::GateError;
use crate::gate::{self, Answered, Destination};
use crate::metrics::{self, Outcome};
use crate::page::plain;

static X_REQUEST_ID: http::HeaderName = http::HeaderName::from_static("x-request-id");

/// passgate's pages (under the prefix) that belong on the portal host.
const PORTAL_PAGES: [&str; 12] = [
    "/login",
    "/step-up",
    "/admin",
    "/lang",
    "/oidc/authorize",
    "/oidc/end-session",
    "/logout",
    "/email",
    "/invite",
    "/webauthn",
    "/passkey",
    "/account",
];

/// Serve a connection with hyper.
pub(super) async fn serve_connection<I>(
    app: Arc<App>,
    router: Router,
    builders: Arc<ConnBuilders>,
    io: I,
    peer: SocketAddr,
    tls: bool,
    proto: Proto,
) where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    // What every request of the connection needs, behind one reference
    // count of this connection's own: cloning the app's and the router's
    // for each request would write cache lines every worker writes.
    let conn = ConnCtx::new(app, router, peer, tls);
    serve_with_hyper(conn, &builders, io, proto).await
}

/// Serve the rest of a connection with hyper's HTTP/1 or HTTP/2 server.
pub(super) async fn serve_with_hyper<I>(
    conn: Arc<ConnCtx>,
    builders: &ConnBuilders,
    io: I,
    proto: Proto,
) where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let shutdown = conn.app.shutdown.clone();
    let peer = conn.peer;
    // HTTP/2 has no idle limit of its own: the connection watches when
    // its last request started (`shutdown::Idle`).
    let idle = matches!(proto, Proto::Http2).then(Idle::new);
    let touch = idle.clone();
    // The request future is boxed so an idle keep-alive connection holds a
    // pointer rather than room for the largest request state.
    let svc = hyper::service::service_fn(move |req: Request<Incoming>| {
        if let Some(idle) = &touch {
            idle.touch();
        }
        let answer = handle(conn.clone(), req);
        async move { Ok::<_, Infallible>(answer.await) }
    });
    // The connections are boxed: the task then holds a pointer, not copies
    // of the connection state in each of the futures wrapped around it
    // (an idle plain connection's task went from 9 KB to under 1 KB).
    match proto {
        Proto::Http1 => {
            let conn = Box::pin(builders.http1.serve_connection(io, svc).with_upgrades());
            // The upstream connections this connection's requests use are
            // polled by this task too (`proxy/local.rs`).
            crate::proxy::local::drive(until_shutdown(
                conn,
                shutdown,
                peer,
                |c| c.graceful_shutdown(),
                None,
            ))
            .await;
        }
        Proto::Http2 => {
            // Streams run as tasks of their own; upstream requests take
            // the pooled client.
            let conn = Box::pin(builders.http2.serve_connection(io, svc));
            until_shutdown(
                conn,
                shutdown,
                peer,
                |c| c.graceful_shutdown(),
                idle.as_deref(),
            )
            .await;
        }
    }
}

fn request_id(h: &HeaderMap, trusted: bool) -> String {
    if trusted
        && let Some(v) = h.get(&X_REQUEST_ID).and_then(|v| v.to_str().ok())
        && !v.is_empty()
        && v.len() <= 64
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
    {
        return v.to_string();
    }
    next_request_id()
}

/// A request id: a random per-process prefix and a counter — unique,
/// and cheap enough for every request (no system call).
pub(super) fn next_request_id() -> String {
    use std::sync::LazyLock;
    use std::sync::atomic::{AtomicU64, Ordering};
    static PREFIX: LazyLock<String> = LazyLock::new(|| crate::session::random_id(3));
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    /// Numbers a thread takes from `COUNTER` at a time: one shared write
    /// per block instead of one per request.
    const BLOCK: u64 = 1024;
    thread_local! {
        /// This thread's next number and the end of its block.
        static MINE: std::cell::Cell<(u64, u64)> = const { std::cell::Cell::new((0, 0)) };
    }
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let n = MINE.with(|m| {
        let (mut next, mut end) = m.get();
        if next == end {
            next = COUNTER.fetch_add(BLOCK, Ordering::Relaxed);
            end = next + BLOCK;
        }
        m.set((next + 1, end));
        next
    });
    let mut id = String::with_capacity(PREFIX.len() + 10);
    id.push_str(&PREFIX);
    for shift in (0..10).rev() {
        id.push(HEX[((n >> (shift * 4)) & 0xf) as usize] as char);
    }
    id
}

/// A client connection, as each of its requests sees it.
pub struct ConnCtx {
    pub app: Arc<App>,
    pub router: Router,
    pub peer: SocketAddr,
    /// The peer's address as a header value.
    pub peer_ip: HeaderValue,
    pub tls: bool,
}

impl ConnCtx {
    pub(super) fn new(app: Arc<App>, router: Router, peer: SocketAddr, tls: bool) -> Arc<ConnCtx> {
        // Written into X-Forwarded-For / X-Real-IP of every proxied request.
        let peer_ip = HeaderValue::try_from(peer.ip().to_string())
            .unwrap_or_else(|_| HeaderValue::from_static("unknown"));
        Arc::new(ConnCtx {
            app,
            router,
            peer,
            peer_ip,
            tls,
        })
    }

    /// The facts one request of this connection needs.
    pub fn req_ctx(&self, cfg: &Config, uri: &http::Uri, headers: &HeaderMap) -> ReqCtx {
        let trusted = gate::is_trusted(cfg, self.peer.ip());
        // The String becomes the header value's storage, uncopied.
        let request_id_header =
            HeaderValue::from_maybe_shared(bytes::Bytes::from(request_id(headers, trusted)))
                .unwrap_or_else(|_| HeaderValue::from_static("-"));
        ReqCtx {
            peer: self.peer,
            peer_ip: self.peer_ip.clone(),
            tls: self.tls,
            trusted,
            request_id_header,
            hsts: gate::hsts_applies(cfg, uri, headers),
        }
    }
}

/// A request's answer, boxed: hyper keeps one in-flight slot per
/// connection, and a pointer there keeps idle connections small.
pub type Answer = std::pin::Pin<Box<dyn Future<Output = Response<Body>> + Send>>;

/// Handle one request of `conn`.
///
/// The prelude runs here, synchronously; only the branch the request takes
/// becomes the boxed future. One `async fn` around both branches was an
/// 8 KB state machine, allocated and copied for every request.
pub fn handle(conn: Arc<ConnCtx>, req: Request<Incoming>) -> Answer {
    let started = Instant::now();
    let cfg = conn.app.config();
    let ctx = conn.req_ctx(&cfg, req.uri(), req.headers());
    let access_log = AccessLog::new(&req);
    match gate::destination(&cfg, req.method(), req.uri(), req.headers()) {
        // Forward auth, the other hot path, gets a future of its own size
        // rather than one with room for the whole portal's.
        Ok(Destination::ForwardAuth { nginx }) => Box::pin(async move {
            let answer = gate::forward_auth(&conn.app, &cfg, req.headers(), &ctx, nginx).await;
            finish(answer, &cfg, &ctx, started, access_log)
        }),
        Ok(Destination::Userinfo) => Box::pin(async move {
            let answer = crate::ui::oidc::userinfo::answer(&conn.app, &cfg, req.headers()).await;
            finish((answer, Outcome::PAGE), &cfg, &ctx, started, access_log)
        }),
        Ok(Destination::Live) => {
            let answer = finish(live(), &cfg, &ctx, started, access_log);
            Box::pin(std::future::ready(answer))
        }
        Ok(Destination::Page) => Box::pin(async move {
            let answer = own_endpoint(&cfg, conn.router.clone(), req, &ctx).await;
            finish(answer, &cfg, &ctx, started, access_log)
        }),
        Ok(Destination::Gate) => Box::pin(async move {
            let answer = proxied(&conn.app, &cfg, req, &ctx).await;
            finish(answer, &cfg, &ctx, started, access_log)
        }),
        Err(e) => {
            let answer = finish(
                refused(e, &cfg, req.headers(), &ctx),
                &cfg,
                &ctx,
                started,
                access_log,
            );
            Box::pin(std::future::ready(answer))
        }
    }
}

/// `P/health/live`.
pub fn live() -> Answered {
    (plain(StatusCode::OK, "ok\n"), Outcome::PAGE)
}

/// A request refused before the gate (a path that reads both ways).
pub fn refused(e: GateError, cfg: &Config, headers: &HeaderMap, ctx: &ReqCtx) -> Answered {
    (
        e.respond(cfg, headers, ctx.request_id()),
        Outcome {
            route: "none",
            decision: "bad_request",
        },
    )
}

/// What every answer gets: passgate's own fields, metrics, the access log.
fn finish(
    (mut resp, outcome): Answered,
    cfg: &Config,
    ctx: &ReqCtx,
    started: Instant,
    access_log: AccessLog,
) -> Response<Body> {
    gate::stamp_answer(resp.headers_mut(), cfg, ctx);
    record(&outcome, resp.status(), ctx, started, access_log);
    resp
}

/// Count a request in the metrics and write its access log line.
pub fn record(
    outcome: &Outcome,
    status: StatusCode,
    ctx: &ReqCtx,
    started: Instant,
    access_log: AccessLog,
) {
    metrics::request(outcome, started.elapsed());
    if let AccessLog(Some((method, path))) = access_log {
        tracing::debug!(
            request_id = %ctx.request_id(),
            %method,
            path = %path,
            status = status.as_u16(),
            ms = started.elapsed().as_secs_f64() * 1000.0,
            "request"
        );
    }
}

/// What the access log says of a request, kept only when it is written
/// (DEBUG), so the hot path spends no allocation on it otherwise.
pub struct AccessLog(Option<(http::Method, String)>);

impl AccessLog {
    pub fn new<B>(req: &Request<B>) -> AccessLog {
        AccessLog(tracing::enabled!(tracing::Level::DEBUG).then(|| {
            let path = req.uri().path();
            // A service token in the path (refused, but logged first)
            // never reaches the log.
            let path = if crate::token::in_url(path) {
                "[a path holding a service token]".to_string()
            } else {
                truncate_for_log(path)
            };
            (req.method().clone(), path)
        }))
    }
}

fn truncate_for_log(p: &str) -> String {
    if p.len() > 200 {
        format!("{}…", &p[..p.floor_char_boundary(200)])
    } else {
        p.to_string()
    }
}

/// passgate's own pages (under the prefix, on any host).
async fn own_endpoint(
    cfg: &Config,
    router: Router,
    mut req: Request<Incoming>,
    ctx: &ReqCtx,
) -> Answered {
    let rest = req
        .uri()
        .path()
        .get(cfg.server.prefix.len()..)
        .unwrap_or("");
    // Sign-in pages set cookies and check Origin: they live on the portal
    // host only. Elsewhere a GET goes there; anything else is refused.
    let is_page = PORTAL_PAGES
        .iter()
        .any(|p| rest == *p || rest.starts_with(&format!("{p}/")));
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| req.uri().authority().map(|a| a.as_str()))
        .and_then(authz::split_host_port)
        .map(|(h, _)| h);
    if is_page && host.as_deref() != Some(cfg.server.portal.host.as_str()) {
        if matches!(*req.method(), http::Method::GET | http::Method::HEAD) {
            let pq = req
                .uri()
                .path_and_query()
                .map(|p| p.as_str())
                .unwrap_or("/");
            return (
                crate::page::see_other(&format!("{}{pq}", cfg.server.portal.origin)),
                Outcome::PAGE,
            );
        }
        return (
            plain(
                StatusCode::FORBIDDEN,
                &format!(
                    "403 Forbidden: sign-in pages are served at {}\n",
                    cfg.server.portal.origin
                ),
            ),
            Outcome::PAGE,
        );
    }
    let client_ip = gate::client_ip(cfg, ctx.peer, req.headers());
    let lang = crate::i18n::negotiate(req.headers(), cfg.branding.language);
    let here = req
        .uri()
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_string();
    req.extensions_mut().insert(crate::page::Ctx::new(
        ctx.request_id(),
        client_ip,
        lang,
        &here,
    ));
    match router.oneshot(req.map(Body::new)).await {
        Ok(r) => (r, Outcome::PAGE),
        Err(never) => match never {},
    }
}

/// Reverse-proxy mode, through hyper (the connections `h1.rs` does not
/// serve itself: HTTP/2, TLS, upgrades, streamed request bodies): the
/// gate's phases, then the pooled client.
async fn proxied(app: &App, cfg: &Config, mut req: Request<Incoming>, ctx: &ReqCtx) -> Answered {
    let admitted = {
        let routed = match gate::route(cfg, req.uri(), req.headers(), req.method(), ctx) {
            Ok(r) => r,
            Err(a) => return a,
        };
        match gate::admit(app, cfg, &routed, req.headers(), ctx).await {
            Ok(a) => a,
            Err(a) => return a,
        }
    };
    admitted.upstream_headers(req.headers_mut(), cfg, ctx);
    match app
        .proxy
        .forward(req, admitted.upstream, admitted.upgrade.is_some())
        .await
    {
        Ok(r) => (r, admitted.outcome("allow")),
        Err(e) => admitted.failed(cfg, e, ctx),
    }
}
