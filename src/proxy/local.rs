//! Upstream HTTP/1 connections driven by the client connection's own task.
//!
//! hyper-util's pooled client runs every upstream connection as a task of
//! its own, so each request hops between two tasks (often two threads) on
//! the way out and again on the way back. Here the task that serves a client
//! connection also polls the upstream connection carrying its current
//! request: request, answer and body move without a task switch.
//!
//! Between requests an upstream connection goes back to an idle list kept
//! per thread (each worker thread runs its own runtime, see `server.rs`;
//! the list is `idle.rs`), so an idle client connection holds no upstream
//! connection.
//!
//! Used for HTTP/1 client requests to `http://` upstreams that do not ask
//! for an upgrade; everything else (HTTP/2 streams, which hyper serves from
//! tasks of their own, `https://` upstreams, WebSocket) takes the pooled
//! client in `proxy.rs`.

use std::cell::RefCell;
use std::future::Future;
use std::pin::{Pin, pin};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use http::uri::Authority;
use hyper::body::Incoming;
use hyper::client::conn::http1::{Connection, SendRequest};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use super::alarm::Alarm;
use super::idle::IdleLists;

/// What goes up: the client's body, or none (a body-less request sent
/// again after a reused connection dropped it, see `proxy.rs`).
pub type UpBody = http_body_util::Either<Incoming, http_body_util::Empty<bytes::Bytes>>;

type UpConn = Connection<TokioIo<TcpStream>, UpBody>;

/// One upstream connection: the handle that sends requests and the
/// connection future that does the I/O.
pub struct Upstream {
    key: Authority,
    send: SendRequest<UpBody>,
    conn: Pin<Box<UpConn>>,
}

impl Upstream {
    /// Open a connection to `authority` (plain HTTP/1.1).
    pub async fn connect(
        authority: &Authority,
        connect_timeout: Duration,
    ) -> Result<Upstream, std::io::Error> {
        let tcp = connect_tcp(authority, connect_timeout).await?;
        let (send, conn) = hyper::client::conn::http1::Builder::new()
            .handshake(TokioIo::new(tcp))
            .await
            .map_err(std::io::Error::other)?;
        Ok(Upstream {
            key: authority.clone(),
            send,
            conn: Box::pin(conn),
        })
    }

    /// Send a request; the answer arrives once the owning [`Driver`] polls
    /// the connection (hand the connection to it with [`Driver::hold`]).
    pub fn send(
        &mut self,
        req: http::Request<UpBody>,
    ) -> impl Future<
        Output = Result<
            http::Response<Incoming>,
            hyper::client::conn::TrySendError<http::Request<UpBody>>,
        >,
    > + Send
    + use<> {
        self.send.try_send_request(req)
    }

    /// Poll the connection; `true` while it is open.
    fn poll_open(&mut self, cx: &mut Context<'_>) -> bool {
        match self.conn.as_mut().poll(cx) {
            Poll::Ready(_) => false,
            Poll::Pending => !self.send.is_closed(),
        }
    }
}

/// A TCP connection to `authority` (port 80 unless it says), with
/// `TCP_NODELAY` and keep-alive probes.
pub async fn connect_tcp(
    authority: &Authority,
    connect_timeout: Duration,
) -> Result<TcpStream, std::io::Error> {
    let host = authority.host();
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    let port = authority.port_u16().unwrap_or(80);
    let tcp = tokio::time::timeout(connect_timeout, TcpStream::connect((host, port)))
        .await
        .map_err(|_| {
            std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                format!("connect timed out after {} s", connect_timeout.as_secs()),
            )
        })??;
    let _ = tcp.set_nodelay(true);
    let _ = socket2::SockRef::from(&tcp)
        .set_tcp_keepalive(&socket2::TcpKeepalive::new().with_time(Duration::from_secs(60)));
    Ok(tcp)
}

thread_local! {
    /// This thread's idle upstream connections.
    static IDLE: RefCell<IdleLists<Upstream>> = const { RefCell::new(IdleLists::new()) };
}

/// A close (or anything else) that arrived while the connection was idle
/// ends it here rather than failing a request.
fn usable(conn: &mut Upstream) -> bool {
    let mut cx = Context::from_waker(Waker::noop());
    conn.poll_open(&mut cx) && conn.send.is_ready()
}

/// Take an idle connection to `key` from this thread's list, if one is
/// still open.
pub fn take(key: &Authority) -> Option<Upstream> {
    IDLE.with_borrow_mut(|l| l.take(key, usable))
}

/// Put an idle connection back on this thread's list.
fn give_back(conn: Upstream) {
    IDLE.with_borrow_mut(|l| l.give_back(&conn.key.clone(), conn));
}

/// Drop this thread's idle connections that are closed or too old.
pub fn purge() {
    let mut cx = Context::from_waker(Waker::noop());
    IDLE.with_borrow_mut(|l| l.purge(|c| c.poll_open(&mut cx)));
}

/// Drop every idle connection of this thread (at shutdown).
pub fn clear() {
    IDLE.with_borrow_mut(|l| l.clear());
}

/// The upstream connections in use by one client connection, polled by
/// that connection's task (see [`drive`]), and the deadline of the request
/// in flight.
///
/// The response timeout is kept here rather than as a timer per request:
/// an HTTP/1 client connection has at most one request in flight, so one
/// timer per connection, re-armed only when it fires, covers every request
/// on it. A request then costs a clock read instead of a timer wheel
/// insertion and removal.
#[derive(Default)]
pub struct Driver {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    busy: Vec<Upstream>,
    /// When the request in flight must have its answer's head.
    deadline: Option<Instant>,
    /// The request in flight ran out of time, and its upstream connection
    /// was dropped.
    timed_out: bool,
    /// Wakes the task no later than `deadline`.
    alarm: Alarm,
}

tokio::task_local! {
    static DRIVER: Arc<Driver>;
}

/// The driver of the current task's client connection, when the request is
/// being served by that task (HTTP/1; not HTTP/2 streams).
pub fn current() -> Option<Arc<Driver>> {
    DRIVER.try_with(Arc::clone).ok()
}

impl Driver {
    /// Hand a connection with a request in flight to the driver, which
    /// polls it until the exchange is over and then returns it to the idle
    /// list. If the answer's head has not come by `deadline` (and
    /// [`Driver::answered`] was not called), the connection is dropped,
    /// which ends the request with an error.
    pub fn hold(&self, conn: Upstream, deadline: Instant) {
        let mut state = self.lock();
        state.busy.push(conn);
        state.deadline = Some(deadline);
        state.timed_out = false;
    }

    /// The request in flight has its answer (or its error): its deadline
    /// no longer applies. `true` if it ran out of time.
    pub fn answered(&self) -> bool {
        let mut state = self.lock();
        state.deadline = None;
        std::mem::take(&mut state.timed_out)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Poll every held connection: closed ones are dropped, finished ones
    /// go back to the idle list. Then keep the deadline.
    fn poll(&self, cx: &mut Context<'_>) {
        let mut state = self.lock();
        let busy = &mut state.busy;
        let mut i = 0;
        while i < busy.len() {
            if !busy[i].poll_open(cx) {
                busy.swap_remove(i);
            } else if busy[i].send.is_ready() {
                give_back(busy.swap_remove(i));
            } else {
                i += 1;
            }
        }
        state.keep_deadline(cx);
    }
}

impl State {
    fn keep_deadline(&mut self, cx: &mut Context<'_>) {
        let Some(deadline) = self.deadline else {
            self.alarm.rest();
            return;
        };
        if self.alarm.poll(cx, deadline).is_ready() {
            self.busy.clear();
            self.deadline = None;
            self.timed_out = true;
        }
    }
}

/// Serve a client connection (`conn`) and, in the same task, the upstream
/// connections its requests use.
pub async fn drive<F: Future>(conn: F) -> F::Output {
    let driver = Arc::new(Driver::default());
    let d = driver.clone();
    let mut conn = pin!(conn);
    DRIVER
        .scope(
            driver,
            std::future::poll_fn(move |cx| {
                let r = conn.as_mut().poll(cx);
                d.poll(cx);
                r
            }),
        )
        .await
}
