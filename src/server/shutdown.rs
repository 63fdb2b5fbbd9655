//! How a connection finishes when passgate stops: in-flight requests and
//! upgraded connections run on for up to `server.shutdown_timeout`, idle
//! keep-alive connections close at once.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;

/// How long an HTTP/2 connection may go without starting a request
/// before it is closed, as an HTTP/1 connection is between requests.
pub(super) const H2_IDLE: std::time::Duration = super::HEADER_READ_TIMEOUT;

/// When a connection last started a request.
pub(super) struct Idle {
    since: std::time::Instant,
    /// Milliseconds after `since`.
    last: std::sync::atomic::AtomicU64,
}

impl Idle {
    pub(super) fn new() -> Arc<Idle> {
        Arc::new(Idle {
            since: std::time::Instant::now(),
            last: std::sync::atomic::AtomicU64::new(0),
        })
    }

    /// A request starts now.
    pub(super) fn touch(&self) {
        let ms = u64::try_from(self.since.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last.store(ms, Ordering::Relaxed);
    }

    fn deadline(&self, after: std::time::Duration) -> std::time::Instant {
        self.since + std::time::Duration::from_millis(self.last.load(Ordering::Relaxed)) + after
    }
}

/// Run a connection; on shutdown, let it finish what is in flight. With
/// `idle`, the same once no request has started for [`H2_IDLE`]: the
/// client is told to go (an HTTP/2 GOAWAY), the streams it has open run
/// to their end, and it opens a new connection for more.
pub(super) async fn until_shutdown<C>(
    mut conn: std::pin::Pin<Box<C>>,
    shutdown: tokio_util::sync::CancellationToken,
    peer: SocketAddr,
    graceful: fn(std::pin::Pin<&mut C>),
    idle: Option<&Idle>,
) where
    C: Future<Output = Result<(), hyper::Error>>,
{
    let cancelled = std::pin::pin!(shutdown.cancelled());
    let mut watch = ShutdownWatch::new(cancelled);
    let mut alarm = crate::proxy::h1::Alarm::default();
    let ended = std::future::poll_fn(|cx| {
        if watch.poll(cx).is_ready() {
            return std::task::Poll::Ready(None);
        }
        if let Some(idle) = idle
            && alarm.poll(cx, idle.deadline(H2_IDLE)).is_ready()
        {
            tracing::debug!(%peer, "idle HTTP/2 connection told to go");
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
pub(crate) struct ShutdownWatch<'p, 't> {
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
    pub(crate) fn new(
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
    pub(crate) fn woken(&self) -> bool {
        self.flag
            .as_ref()
            .is_some_and(|f| f.woken.load(Ordering::Acquire))
    }

    /// Ready once shutdown has begun.
    pub(crate) fn poll(&mut self, cx: &mut std::task::Context<'_>) -> std::task::Poll<()> {
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
