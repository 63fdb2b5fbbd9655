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
//!
//! This file: the listener, the accept loop and its hand-over to worker
//! threads, TLS and protocol sniffing, signals. `server/request.rs`: one
//! request through the pipeline, and hyper serving a connection.
//! `server/shutdown.rs`: how a connection finishes when passgate stops.
//! `server/h1.rs`: passgate's own HTTP/1.1 loop.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use hyper::server::conn::{http1, http2};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use tokio::net::TcpListener;

use crate::app::App;
use crate::metrics::{self};

pub use crate::gate::ReqCtx;

pub(crate) mod h1;
mod request;
mod shutdown;
mod tls;

pub use request::{AccessLog, Answer, ConnCtx, handle, live, record, refused};
use request::{serve_connection, serve_with_hyper};
use shutdown::ShutdownWatch;

/// A bound listener, ready to serve.
pub struct Server {
    app: Arc<App>,
    listener: TcpListener,
    tls: Option<Arc<rustls::ServerConfig>>,
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
    tls: Option<Arc<rustls::ServerConfig>>,
    router: Router,
    builders: Arc<ConnBuilders>,
    mut me: Worker,
) {
    let shutdown = app.shutdown.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(crate::proxy::idle::SWEEP_EVERY);
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
            Some(config) => {
                tasks.spawn(async move {
                    match tokio::time::timeout(Duration::from_secs(10), tls::accept(stream, config))
                        .await
                    {
                        // Served by a task of its own, sized for serving: a
                        // task that went on after the handshake would keep
                        // room for the handshake's state in every idle
                        // connection (~4 KB each).
                        Ok(Ok(s)) => {
                            let tasks = app.tasks.clone();
                            let s = Box::new(s);
                            tasks.spawn(serve_tls(app, router, builders, s, peer, serving));
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

/// Serve a TLS connection once its handshake is done.
async fn serve_tls(
    app: Arc<App>,
    router: Router,
    builders: Arc<ConnBuilders>,
    s: Box<tls::TlsConn>,
    peer: SocketAddr,
    serving: Serving,
) {
    let _serving = serving;
    // The hyper stages are boxed, each in a statement of its own: a
    // temporary lives to the end of its statement, so in
    // `Box::pin(f()).await` the task would keep room for `f()` unboxed.
    // This task's size is then the loop's.
    // HTTP/2 over TLS only when ALPN chose it, as browsers and nginx do.
    if s.alpn_protocol() == Some(b"h2") {
        let io = TokioIo::new(s);
        let h2 = Box::pin(serve_connection(
            app,
            router,
            builders,
            io,
            peer,
            true,
            Proto::Http2,
        ));
        h2.await;
        return;
    }
    // HTTP/1.1 over TLS: the same loop as plain connections, with the same
    // hand-over rules.
    let conn = ConnCtx::new(app, router, peer, true);
    let rest = if conn.app.config().server.http1_loop {
        match h1::serve(&conn, s).await {
            Some(rest) => rest.into_io(peer),
            None => return,
        }
    } else {
        let h1 = Box::pin(serve_with_hyper(
            conn,
            &builders,
            TokioIo::new(s),
            Proto::Http1,
        ));
        h1.await;
        return;
    };
    let h1 = Box::pin(serve_with_hyper(conn, &builders, rest, Proto::Http1));
    h1.await;
}

fn tls_acceptor(
    cert: &std::path::Path,
    key: &std::path::Path,
) -> Result<Arc<rustls::ServerConfig>, String> {
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
    // Resumption without a full handshake: stateless tickets (their keys
    // rotate every 6 hours), so resuming clients cost no server memory.
    config.ticketer =
        rustls::crypto::ring::Ticketer::new().map_err(|e| format!("TLS session tickets: {e}"))?;
    Ok(Arc::new(config))
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
mod tests;
