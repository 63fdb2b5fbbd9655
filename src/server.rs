//! Listening and the request path.
//!
//! One listener (plain or TLS with HTTP/1.1 and HTTP/2 by ALPN; h2c by prior
//! knowledge on plain) serves everything. Plain HTTP/1.1 goes through
//! passgate's own loop (`server/h1.rs`), which hands what it does not serve
//! to hyper; both run the gate's one pipeline (`gate.rs`):
//! 1. passgate's own endpoints (by the normalised path): forward auth on a
//!    fast path, everything else through the axum router (`ui.rs`);
//! 2. otherwise the gate: target, rule, session, decision;
//! 3. allowed → header hygiene, passgate's own fields last, and the request
//!    streamed to the rule's upstream (`proxy.rs`, `proxy/h1.rs`);
//! 4. every failure → `error.rs`.
//!
//! SIGTERM/SIGINT stop accepting, let in-flight requests and upgraded
//! connections finish for up to `server.shutdown_timeout`, then exit. SIGHUP
//! reloads the config file; a broken file is refused and the old one kept.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use http::header::{self, HeaderMap, HeaderValue};
use http::{Request, Response, StatusCode};
use hyper::body::Incoming;
use hyper::server::conn::{http1, http2};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tower::ServiceExt;

use crate::app::App;
use crate::authz;
use crate::config::Config;
use crate::error::GateError;
use crate::gate::{self, Answered, Destination};
use crate::metrics::{self, Outcome};
use crate::page::plain;

pub use crate::gate::ReqCtx;

pub(crate) mod h1;

static X_REQUEST_ID: http::HeaderName = http::HeaderName::from_static("x-request-id");

/// passgate's pages (under the prefix) that belong on the portal host.
const PORTAL_PAGES: [&str; 7] = [
    "/login",
    "/logout",
    "/email",
    "/invite",
    "/webauthn",
    "/passkey",
    "/account",
];

/// A bound listener, ready to serve.
pub struct Server {
    app: Arc<App>,
    listener: TcpListener,
    tls: Option<tokio_rustls::TlsAcceptor>,
    router: Router,
}

impl Server {
    /// Bind the configured address.
    pub async fn bind(app: Arc<App>) -> Result<Server, String> {
        let cfg = app.config();
        let addr = cfg.server.listen;
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|e| format!("cannot listen on {addr} (server.listen): {e}"))?;
        let tls = match &cfg.server.tls {
            Some(files) => Some(tls_acceptor(&files.cert, &files.key)?),
            None => None,
        };
        let router = crate::ui::router(app.clone(), &cfg.server.prefix);
        Ok(Server {
            app,
            listener,
            tls,
            router,
        })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serve until shutdown, then drain.
    ///
    /// `server.workers` threads accept from the one listening socket, each
    /// running its own single-threaded runtime (this one is the first): a
    /// connection, the upstream connections it uses and their wake-ups stay
    /// on one thread. Whichever thread is free takes the next connection,
    /// and hands it to a worker with clearly fewer connections when there
    /// is one ([`Balance`]).
    pub async fn run(self) {
        let Server {
            app,
            listener,
            tls,
            router,
        } = self;
        app.spawn_background();
        let builders = Arc::new(conn_builders());
        let count = app.config().server.workers.max(1);
        let (balance, mut inboxes) = Balance::new(count);
        let mut workers = Vec::new();
        for (i, inbox) in inboxes.iter_mut().enumerate().skip(1) {
            let socket = match socket2::SockRef::from(&listener).try_clone() {
                Ok(s) => std::net::TcpListener::from(s),
                Err(e) => {
                    tracing::error!(error = %e, "cannot share the listening socket; serving with fewer workers");
                    break;
                }
            };
            let (app, router, builders, tls) =
                (app.clone(), router.clone(), builders.clone(), tls.clone());
            let (balance, inbox) = (balance.clone(), inbox.take());
            let worker = std::thread::Builder::new()
                .name(format!("passgate-worker-{i}"))
                .spawn(move || {
                    let rt = match tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                    {
                        Ok(rt) => rt,
                        Err(e) => {
                            tracing::error!(error = %e, "cannot start a worker runtime");
                            return;
                        }
                    };
                    rt.block_on(async move {
                        match TcpListener::from_std(socket) {
                            Ok(listener) => {
                                let me = Worker {
                                    index: i,
                                    balance,
                                    inbox,
                                };
                                accept_loop(&app, listener, tls, router, builders, me).await;
                            }
                            Err(e) => tracing::error!(error = %e, "worker cannot listen"),
                        }
                        // Keep this runtime's connections going until they
                        // are done (the first runtime closes the tracker).
                        let grace = app.config().server.shutdown_timeout;
                        let _ = tokio::time::timeout(grace, app.tasks.wait()).await;
                    });
                });
            match worker {
                Ok(w) => workers.push(w),
                Err(e) => {
                    tracing::error!(error = %e, "cannot start a worker thread; serving with fewer workers");
                    break;
                }
            }
        }
        let me = Worker {
            index: 0,
            balance,
            inbox: inboxes[0].take(),
        };
        accept_loop(&app, listener, tls, router, builders, me).await;
        let grace = app.config().server.shutdown_timeout;
        tracing::info!(
            grace_secs = grace.as_secs(),
            "shutting down: draining connections"
        );
        app.tasks.close();
        if tokio::time::timeout(grace, app.tasks.wait()).await.is_err() {
            tracing::warn!("shutdown grace period over; closing the remaining connections");
        }
        let joined = tokio::task::spawn_blocking(move || {
            for w in workers {
                let _ = w.join();
            }
        });
        let _ = tokio::time::timeout(Duration::from_secs(5), joined).await;
        if let Err(e) = app.sessions.flush().await {
            tracing::warn!(error = %e, "could not write session activity at shutdown");
        }
    }
}

/// The HTTP/1 and HTTP/2 connection settings, shared by every connection.
pub struct ConnBuilders {
    http1: http1::Builder,
    http2: http2::Builder<TokioExecutor>,
}

fn conn_builders() -> ConnBuilders {
    let mut h1 = http1::Builder::new();
    h1.timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT)
        // A request head over 64 KiB is refused with 431. The buffer limit
        // alone is not exact: one read can fill the buffer past it.
        .max_header_size(64 * 1024)
        .max_buf_size(64 * 1024);
    let mut h2 = http2::Builder::new(TokioExecutor::new());
    h2.timer(TokioTimer::new()).max_header_list_size(64 * 1024);
    ConnBuilders {
        http1: h1,
        http2: h2,
    }
}

/// How long a client has to send a request head (and, on a new plain
/// connection, the first bytes that tell HTTP/1 from HTTP/2).
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// The protocol a client connection speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Proto {
    Http1,
    Http2,
}

/// The HTTP/2 connection preface (RFC 9113 §3.4).
const H2_PREFACE: &[u8; 24] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// HTTP/1 or HTTP/2 with prior knowledge (h2c), from the first bytes of a
/// plain connection, looked at without consuming them. `None`: the client
/// closed or sent nothing in time.
///
/// hyper-util's `auto` builder does this by reading the bytes and handing
/// them back in front of the stream; each HTTP/1 connection then carried a
/// read buffer twice the usual size (the 24 bytes plus a full 8 KiB
/// reservation) and every read went through the extra layer.
async fn sniff(stream: &tokio::net::TcpStream) -> Option<Proto> {
    let look = async {
        let mut buf = [0u8; 24];
        loop {
            let n = stream.peek(&mut buf).await.ok()?;
            if n == 0 {
                return None;
            }
            if buf[..n] != H2_PREFACE[..n] {
                return Some(Proto::Http1);
            }
            if n == H2_PREFACE.len() {
                return Some(Proto::Http2);
            }
            // A partial preface (or an HTTP/1 method starting with "P"
            // split across packets): the socket stays readable, so wait a
            // little for the rest instead of peeking in a loop.
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    };
    tokio::time::timeout(HEADER_READ_TIMEOUT, look)
        .await
        .ok()
        .flatten()
}

/// A connection handed from one worker to another, already counted
/// against the receiving worker (so a burst of connections is spread before
/// the receiver has woken up to take them).
type Handoff = (std::net::TcpStream, SocketAddr, Serving);

/// How many connections each worker serves, and where to hand one over.
///
/// All workers accept from one socket, and which one the kernel wakes is
/// not fair: a client that opens 32 keep-alive connections at once can land
/// them all on one thread and leave the other cores idle for as long as
/// they live (seen with wrk: 40k req/s instead of 50k, in half the runs).
/// So a worker that accepts a connection while another serves at least two
/// fewer passes it on.
pub struct Balance {
    load: Vec<AtomicUsize>,
    inbox: Vec<tokio::sync::mpsc::UnboundedSender<Handoff>>,
}

impl Balance {
    fn new(
        workers: usize,
    ) -> (
        Arc<Balance>,
        Vec<Option<tokio::sync::mpsc::UnboundedReceiver<Handoff>>>,
    ) {
        let (senders, receivers): (Vec<_>, Vec<_>) = (0..workers)
            .map(|_| {
                let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
                (tx, Some(rx))
            })
            .unzip();
        let balance = Balance {
            load: (0..workers).map(|_| AtomicUsize::new(0)).collect(),
            inbox: senders,
        };
        (Arc::new(balance), receivers)
    }

    /// The worker that should serve a connection `me` just accepted.
    fn pick(&self, me: usize) -> usize {
        let mine = self.load[me].load(Ordering::Relaxed);
        let (least, load) = self
            .load
            .iter()
            .enumerate()
            .map(|(i, l)| (i, l.load(Ordering::Relaxed)))
            .min_by_key(|(_, l)| *l)
            .unwrap_or((me, mine));
        if load + 2 <= mine { least } else { me }
    }
}

/// One worker's place in the [`Balance`].
struct Worker {
    index: usize,
    balance: Arc<Balance>,
    inbox: Option<tokio::sync::mpsc::UnboundedReceiver<Handoff>>,
}

/// The next connection handed to this worker; never, when it has no inbox.
async fn recv_handoff(
    inbox: &mut Option<tokio::sync::mpsc::UnboundedReceiver<Handoff>>,
) -> Option<Handoff> {
    match inbox {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

/// Counts a connection against its worker while it is served.
struct Serving(Arc<Balance>, usize);

impl Serving {
    fn new(balance: &Arc<Balance>, worker: usize) -> Serving {
        balance.load[worker].fetch_add(1, Ordering::Relaxed);
        Serving(balance.clone(), worker)
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        self.0.load[self.1].fetch_sub(1, Ordering::Relaxed);
    }
}

/// Accept connections until shutdown; each is served by a task of this
/// thread's runtime (or handed to a less busy worker). Also keeps this
/// thread's idle upstream connections tidy.
async fn accept_loop(
    app: &Arc<App>,
    listener: TcpListener,
    tls: Option<tokio_rustls::TlsAcceptor>,
    router: Router,
    builders: Arc<ConnBuilders>,
    mut me: Worker,
) {
    let shutdown = app.shutdown.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(crate::proxy::idle::IDLE_TIMEOUT / 4);
        loop {
            tokio::select! {
                _ = tick.tick() => {
                    crate::proxy::local::purge();
                    crate::proxy::h1::purge();
                }
                _ = shutdown.cancelled() => break,
            }
        }
        crate::proxy::local::clear();
        crate::proxy::h1::clear();
    });
    let mut inbox = me.inbox.take();
    loop {
        let (stream, peer, serving) = tokio::select! {
            r = listener.accept() => match r {
                Ok((stream, peer)) => {
                    let to = me.balance.pick(me.index);
                    let serving = Serving::new(&me.balance, to);
                    if to == me.index {
                        (stream, peer, serving)
                    } else {
                        match stream.into_std() {
                            Ok(std) => match me.balance.inbox[to].send((std, peer, serving)) {
                                Ok(()) => continue,
                                // That worker has stopped: serve it here.
                                Err(e) => {
                                    let (std, peer, _) = e.0;
                                    match tokio::net::TcpStream::from_std(std) {
                                        Ok(s) => (s, peer, Serving::new(&me.balance, me.index)),
                                        Err(_) => continue,
                                    }
                                }
                            },
                            Err(e) => {
                                tracing::debug!(%peer, error = %e, "cannot hand over a connection");
                                continue;
                            }
                        }
                    }
                }
                Err(e) => {
                    tracing::error!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            Some((std, peer, serving)) = recv_handoff(&mut inbox) => {
                match tokio::net::TcpStream::from_std(std) {
                    Ok(s) => (s, peer, serving),
                    Err(e) => {
                        tracing::debug!(%peer, error = %e, "cannot take over a connection");
                        continue;
                    }
                }
            }
            _ = app.shutdown.cancelled() => break,
        };
        let _ = stream.set_nodelay(true);
        let (app, router, builders, tls) =
            (app.clone(), router.clone(), builders.clone(), tls.clone());
        // Separate tasks for TLS and plain connections: one task type for
        // both would reserve room for the TLS state in every plain
        // connection (~4 KB each).
        let tasks = app.tasks.clone();
        match tls {
            Some(acceptor) => {
                tasks.spawn(async move {
                    let _serving = serving;
                    match tokio::time::timeout(Duration::from_secs(10), acceptor.accept(stream))
                        .await
                    {
                        Ok(Ok(s)) => {
                            // HTTP/2 over TLS only when ALPN chose it, as
                            // browsers and nginx do.
                            let proto = if s.get_ref().1.alpn_protocol() == Some(b"h2") {
                                Proto::Http2
                            } else {
                                Proto::Http1
                            };
                            serve_connection(
                                app,
                                router,
                                builders,
                                TokioIo::new(s),
                                peer,
                                true,
                                proto,
                            )
                            .await
                        }
                        Ok(Err(e)) => {
                            tracing::debug!(%peer, error = %e, "TLS handshake failed")
                        }
                        Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
                    }
                });
            }
            None => {
                tasks.spawn(async move {
                    let _serving = serving;
                    match sniff(&stream).await {
                        // HTTP/1 is served by passgate's own loop, which
                        // hands the connection to hyper for what it does
                        // not do itself (`h1.rs`).
                        Some(Proto::Http1) => {
                            let conn = ConnCtx::new(app, router, peer, false);
                            if !conn.app.config().server.http1_loop {
                                serve_with_hyper(
                                    conn,
                                    &builders,
                                    TokioIo::new(stream),
                                    Proto::Http1,
                                )
                                .await;
                            } else if let Some(rest) = h1::serve(&conn, stream).await {
                                let io = rest.into_io(peer);
                                serve_with_hyper(conn, &builders, io, Proto::Http1).await;
                            }
                        }
                        Some(Proto::Http2) => {
                            serve_connection(
                                app,
                                router,
                                builders,
                                TokioIo::new(stream),
                                peer,
                                false,
                                Proto::Http2,
                            )
                            .await;
                        }
                        None => {}
                    }
                });
            }
        }
    }
}

/// Serve a connection with hyper.
async fn serve_connection<I>(
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
async fn serve_with_hyper<I>(conn: Arc<ConnCtx>, builders: &ConnBuilders, io: I, proto: Proto)
where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let shutdown = conn.app.shutdown.clone();
    let peer = conn.peer;
    // The request future is boxed so an idle keep-alive connection holds a
    // pointer rather than room for the largest request state.
    let svc = hyper::service::service_fn(move |req: Request<Incoming>| {
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
            crate::proxy::local::drive(until_shutdown(conn, shutdown, peer, |c| {
                c.graceful_shutdown()
            }))
            .await;
        }
        Proto::Http2 => {
            // Streams run as tasks of their own; upstream requests take
            // the pooled client.
            let conn = Box::pin(builders.http2.serve_connection(io, svc));
            until_shutdown(conn, shutdown, peer, |c| c.graceful_shutdown()).await;
        }
    }
}

/// Run a connection; on shutdown, let it finish what is in flight.
async fn until_shutdown<C>(
    mut conn: std::pin::Pin<Box<C>>,
    shutdown: tokio_util::sync::CancellationToken,
    peer: SocketAddr,
    graceful: fn(std::pin::Pin<&mut C>),
) where
    C: Future<Output = Result<(), hyper::Error>>,
{
    let cancelled = std::pin::pin!(shutdown.cancelled());
    let mut watch = ShutdownWatch::new(cancelled);
    let ended = std::future::poll_fn(|cx| {
        if watch.poll(cx).is_ready() {
            return std::task::Poll::Ready(None);
        }
        conn.as_mut().poll(cx).map(Some)
    })
    .await;
    let r = match ended {
        Some(r) => r,
        None => {
            graceful(conn.as_mut());
            conn.await
        }
    };
    if let Err(e) = r {
        tracing::debug!(%peer, error = %e, "connection ended with an error");
    }
}

/// Waits for shutdown on behalf of a connection without costing every wake
/// of that connection a lock.
///
/// `CancellationToken::cancelled()` takes the token's mutex and the waiter
/// list's mutex each time it is polled. Both are shared by every connection
/// on every worker thread, and a connection's task is polled several times
/// per request. Here the token is polled only when it has woken this
/// connection: the waker it holds sets a flag that belongs to this
/// connection alone, and every other poll reads just that flag.
struct ShutdownWatch<'p, 't> {
    cancelled: std::pin::Pin<&'p mut tokio_util::sync::WaitForCancellationFuture<'t>>,
    /// What the token's waker sets; `None` until the first poll.
    flag: Option<Arc<WokenFlag>>,
}

struct WokenFlag {
    woken: std::sync::atomic::AtomicBool,
    task: std::task::Waker,
}

impl std::task::Wake for WokenFlag {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::Release);
        self.task.wake_by_ref();
    }
}

impl<'p, 't> ShutdownWatch<'p, 't> {
    fn new(
        cancelled: std::pin::Pin<&'p mut tokio_util::sync::WaitForCancellationFuture<'t>>,
    ) -> Self {
        ShutdownWatch {
            cancelled,
            flag: None,
        }
    }

    /// Shutdown has woken this connection since it was last polled: a
    /// look that needs no context (the connection is busy, and its answer
    /// should say it is the last).
    fn woken(&self) -> bool {
        self.flag
            .as_ref()
            .is_some_and(|f| f.woken.load(Ordering::Acquire))
    }

    /// Ready once shutdown has begun.
    fn poll(&mut self, cx: &mut std::task::Context<'_>) -> std::task::Poll<()> {
        let flag = match &self.flag {
            Some(flag) if flag.task.will_wake(cx.waker()) => {
                if !flag.woken.load(Ordering::Acquire) {
                    return std::task::Poll::Pending;
                }
                flag.woken.store(false, Ordering::Relaxed);
                flag.clone()
            }
            // The first poll, or the task's waker changed (it does not for
            // a tokio task, but nothing promises that): give the token a
            // waker that wakes this task.
            _ => self
                .flag
                .insert(Arc::new(WokenFlag {
                    woken: std::sync::atomic::AtomicBool::new(false),
                    task: cx.waker().clone(),
                }))
                .clone(),
        };
        let waker = std::task::Waker::from(flag);
        self.cancelled
            .as_mut()
            .poll(&mut std::task::Context::from_waker(&waker))
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
fn next_request_id() -> String {
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
    fn new(app: Arc<App>, router: Router, peer: SocketAddr, tls: bool) -> Arc<ConnCtx> {
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
    match gate::destination(&cfg, req.uri().path()) {
        // Forward auth, the other hot path, gets a future of its own size
        // rather than one with room for the whole portal's.
        Ok(Destination::ForwardAuth { nginx }) => Box::pin(async move {
            let answer = gate::forward_auth(&conn.app, &cfg, req.headers(), &ctx, nginx).await;
            finish(answer, &cfg, &ctx, started, access_log)
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
        AccessLog(
            tracing::enabled!(tracing::Level::DEBUG)
                .then(|| (req.method().clone(), truncate_for_log(req.uri().path()))),
        )
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
    req.extensions_mut()
        .insert(crate::page::Ctx::new(ctx.request_id(), client_ip));
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

fn tls_acceptor(
    cert: &std::path::Path,
    key: &std::path::Path,
) -> Result<tokio_rustls::TlsAcceptor, String> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .map_err(|e| format!("server.tls_cert_file {}: {e}", cert.display()))?
        .collect::<Result<_, _>>()
        .map_err(|e| format!("server.tls_cert_file {}: {e}", cert.display()))?;
    if certs.is_empty() {
        return Err(format!(
            "server.tls_cert_file {}: no certificate found",
            cert.display()
        ));
    }
    let key = PrivateKeyDer::from_pem_file(key)
        .map_err(|e| format!("server.tls_key_file {}: {e}", key.display()))?;
    let mut config = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| {
            format!("server.tls_cert_file / tls_key_file do not form a usable pair: {e}")
        })?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(tokio_rustls::TlsAcceptor::from(Arc::new(config)))
}

/// Run the gateway until SIGTERM/SIGINT, reloading on SIGHUP.
pub async fn serve(app: Arc<App>) -> Result<(), String> {
    let server = Server::bind(app.clone()).await?;
    let addr = server.local_addr().map_err(|e| e.to_string())?;
    let cfg = app.config();
    let scheme = if cfg.server.tls.is_some() {
        "https"
    } else {
        "http"
    };
    println!("passgate listening on {scheme}://{addr}");
    println!("sign in at {}", cfg.login_url());
    for w in &cfg.warnings {
        tracing::warn!("{w}");
    }
    tracing::info!(%addr, database = app.store.backend(), ephemeral = app.eph.backend(), routes = cfg.routes.routes.len(), "ready");
    if let Some(m) = cfg.server.metrics_listen {
        let listener = TcpListener::bind(m)
            .await
            .map_err(|e| format!("cannot listen on {m} (server.metrics_listen): {e}"))?;
        println!("metrics on http://{m}/metrics");
        tokio::spawn(metrics::serve(listener, app.shutdown.clone()));
    }
    let signals = app.clone();
    tokio::spawn(async move { watch_signals(signals).await });
    server.run().await;
    Ok(())
}

async fn watch_signals(app: Arc<App>) {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut term), Ok(mut int), Ok(mut hup)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
        signal(SignalKind::hangup()),
    ) else {
        tracing::error!("cannot install signal handlers");
        return;
    };
    loop {
        tokio::select! {
            _ = term.recv() => break,
            _ = int.recv() => break,
            _ = hup.recv() => {
                if let Err(e) = app.reload() {
                    tracing::error!("configuration reload refused; keeping the running configuration:\n{e}");
                }
            }
        }
    }
    app.shutdown.cancel();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_made_on_many_threads_are_all_different() {
        // More than a block per thread, so threads come back for more.
        let per_thread = 2_500;
        let ids: Vec<String> = std::thread::scope(|s| {
            let threads: Vec<_> = (0..4)
                .map(|_| {
                    s.spawn(|| {
                        (0..per_thread)
                            .map(|_| next_request_id())
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            threads
                .into_iter()
                .flat_map(|t| t.join().unwrap_or_default())
                .collect()
        });
        assert_eq!(ids.len(), 4 * per_thread);
        let distinct: std::collections::HashSet<&String> = ids.iter().collect();
        assert_eq!(distinct.len(), ids.len(), "every id is unique");
        let len = ids[0].len();
        assert!(
            ids.iter()
                .all(|id| id.len() == len && id.bytes().all(|b| b.is_ascii_hexdigit())),
            "{:?}",
            &ids[..3]
        );
    }

    #[test]
    fn a_connection_goes_to_a_worker_with_two_fewer() {
        let (b, _inboxes) = Balance::new(3);
        // All idle: whoever accepted serves.
        assert_eq!(b.pick(1), 1);
        let _a = Serving::new(&b, 0);
        assert_eq!(b.pick(0), 0, "one more than the others is fine");
        let _c = Serving::new(&b, 0);
        assert_eq!(b.pick(0), 1, "two more: the first least busy takes it");
        let _d = Serving::new(&b, 1);
        let _e = Serving::new(&b, 2);
        assert_eq!(b.pick(0), 0, "loads 2/1/1: close enough");
        {
            let _f = Serving::new(&b, 0);
            assert_eq!(b.pick(0), 1, "loads 3/1/1");
        }
        assert_eq!(b.pick(0), 0, "a finished connection no longer counts");
    }

    /// Counts the wake-ups of a pretend task.
    struct CountingWaker(std::sync::atomic::AtomicUsize);
    impl std::task::Wake for CountingWaker {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn a_connection_sees_shutdown_and_is_woken_for_it() {
        let token = tokio_util::sync::CancellationToken::new();
        let counter = Arc::new(CountingWaker(AtomicUsize::new(0)));
        let waker = std::task::Waker::from(counter.clone());
        let mut cx = std::task::Context::from_waker(&waker);
        let cancelled = std::pin::pin!(token.cancelled());
        let mut watch = ShutdownWatch::new(cancelled);
        for _ in 0..3 {
            assert!(watch.poll(&mut cx).is_pending());
        }
        assert_eq!(counter.0.load(Ordering::SeqCst), 0);
        token.cancel();
        assert_eq!(
            counter.0.load(Ordering::SeqCst),
            1,
            "shutdown wakes the connection's task"
        );
        assert!(watch.poll(&mut cx).is_ready());

        // Already shut down before the first look.
        let cancelled = std::pin::pin!(token.cancelled());
        assert!(ShutdownWatch::new(cancelled).poll(&mut cx).is_ready());
    }

    #[test]
    fn a_connection_polled_with_a_new_waker_is_still_woken() {
        let token = tokio_util::sync::CancellationToken::new();
        let first = Arc::new(CountingWaker(AtomicUsize::new(0)));
        let second = Arc::new(CountingWaker(AtomicUsize::new(0)));
        let cancelled = std::pin::pin!(token.cancelled());
        let mut watch = ShutdownWatch::new(cancelled);
        let w1 = std::task::Waker::from(first.clone());
        assert!(
            watch
                .poll(&mut std::task::Context::from_waker(&w1))
                .is_pending()
        );
        let w2 = std::task::Waker::from(second.clone());
        assert!(
            watch
                .poll(&mut std::task::Context::from_waker(&w2))
                .is_pending()
        );
        token.cancel();
        assert_eq!(
            second.0.load(Ordering::SeqCst),
            1,
            "the newest waker is woken"
        );
        assert!(
            watch
                .poll(&mut std::task::Context::from_waker(&w2))
                .is_ready()
        );
    }
}
