//! Upstream HTTP/1.1 exchanges for passgate's own HTTP/1 serving
//! (`server/h1.rs`): one request, fully in memory, sent on a plain TCP
//! connection to an `http://` upstream, and the answer relayed to the
//! client as it arrives.
//!
//! Owns: the per-thread list of idle upstream connections and buffers,
//! sending the request, reading the answer's head, and relaying the body in
//! each framing an upstream may use — `Content-Length` (copied as it
//! comes), chunked (decoded strictly and re-encoded, trailers dropped), or
//! until the upstream closes (re-encoded as chunked, so the client
//! connection lives on). Parsing and writing HTTP/1 is the codec's
//! (`http1.rs`); header hygiene is the gate's (`hygiene.rs`), the same
//! functions hyper's path runs; answers passgate makes itself are not here.
//!
//! The request is written once; if a connection taken from the idle list
//! turns out closed before any byte of an answer came, an idempotent
//! request is sent again on a new connection (a request whose write failed
//! is sent again whatever its method: it was never taken).

use std::cell::RefCell;
use std::future::poll_fn;
use std::pin::Pin;
use std::task::Poll;
use std::time::{Duration, Instant};

use bytes::{Buf, BytesMut};
use http::uri::Authority;
use http::{HeaderValue, StatusCode};
use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

use super::ProxyError;
pub use super::alarm::Alarm;
use super::idle::IdleLists;
use crate::http1::{AnswerHead, Chunked, Framing, Rewrite, put_chunk, rewrite_answer_head};

/// What a pooled buffer holds to start with: a read of a typical request or
/// answer head, and its body when small.
const BUF_SIZE: usize = 8 * 1024;
/// Longest answer head taken from an upstream (hyper's client allows
/// about as much).
const MAX_ANSWER_HEAD: usize = 256 * 1024;
/// Spare buffers kept per thread.
const MAX_SPARE: usize = 64;

thread_local! {
    /// Buffers not in use on this thread: a connection holds one only
    /// while it has a request in hand, so idle keep-alive connections cost
    /// no buffer.
    static SPARE: RefCell<Vec<BytesMut>> = const { RefCell::new(Vec::new()) };
    /// This thread's idle upstream connections.
    static IDLE: RefCell<IdleLists<Conn>> = const { RefCell::new(IdleLists::new()) };
}

/// A buffer of at least [`BUF_SIZE`], from this thread's spares.
pub fn buffer() -> BytesMut {
    SPARE
        .with_borrow_mut(|s| s.pop())
        .unwrap_or_else(|| BytesMut::with_capacity(BUF_SIZE))
}

/// Give a buffer back. It is kept if nothing else shares its storage any
/// more (a request's head and header values are views of it) and it has
/// not grown large; otherwise it is let go.
pub fn recycle(mut b: BytesMut) {
    b.clear();
    if b.try_reclaim(BUF_SIZE) && b.capacity() <= 2 * BUF_SIZE {
        SPARE.with_borrow_mut(|s| {
            if s.len() < MAX_SPARE {
                s.push(b);
            }
        });
    }
}

/// A plain TCP connection to an upstream, with its read buffer.
struct Conn {
    key: Authority,
    stream: TcpStream,
    buf: BytesMut,
}

impl Conn {
    /// Open a connection to `authority`.
    async fn connect(authority: &Authority, timeout: Duration) -> std::io::Result<Conn> {
        let stream = super::local::connect_tcp(authority, timeout).await?;
        Ok(Conn {
            key: authority.clone(),
            stream,
            buf: BytesMut::with_capacity(BUF_SIZE),
        })
    }

    /// Read what the upstream sends next into `buf`; `Ok(0)` at its end.
    async fn read(&mut self) -> std::io::Result<usize> {
        self.buf.reserve(BUF_SIZE);
        poll_fn(|cx| tokio_util::io::poll_read_buf(Pin::new(&mut self.stream), cx, &mut self.buf))
            .await
    }

    /// [`Conn::read`] for more of a body that has not ended.
    async fn read_body(&mut self) -> Result<(), BodyEnd> {
        match self.read().await {
            Ok(0) => Err(BodyEnd::UpstreamBroke(
                "closed the connection mid-body".into(),
            )),
            Ok(_) => Ok(()),
            Err(e) => Err(BodyEnd::UpstreamBroke(e.to_string())),
        }
    }

    /// Still open, with nothing unasked-for in it? Looks only at what the
    /// runtime already knows: no system call unless the socket is readable.
    fn is_usable(&mut self) -> bool {
        if !self.buf.is_empty() {
            return false;
        }
        let mut probe = [0u8; 1];
        matches!(self.stream.try_read(&mut probe), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock)
    }
}

/// Take an idle connection to `key` from this thread's list, if one is
/// still open (a close that arrived while it was idle ends it here rather
/// than failing the request).
fn take(key: &Authority) -> Option<Conn> {
    IDLE.with_borrow_mut(|l| l.take(key, Conn::is_usable))
}

/// Put a connection whose exchange is complete back on this thread's list.
fn give_back(conn: Conn) {
    IDLE.with_borrow_mut(|l| l.give_back(&conn.key.clone(), conn));
}

/// Drop this thread's idle connections that are closed or too old.
pub fn purge() {
    IDLE.with_borrow_mut(|l| l.purge(Conn::is_usable));
}

/// Drop every idle connection of this thread (at shutdown).
pub fn clear() {
    IDLE.with_borrow_mut(|l| l.clear());
}

/// Write `bytes` to a client whole, and flush them: a no-op on TCP; over
/// TLS it sends what rustls holds, so a streamed body is not held back.
pub async fn send<W: AsyncWrite + Unpin + ?Sized>(w: &mut W, bytes: &[u8]) -> std::io::Result<()> {
    w.write_all(bytes).await?;
    w.flush().await
}

/// One exchange for [`relay`].
pub struct Exchange<'a> {
    /// The request's bytes (`http1::write_request`).
    pub request: &'a [u8],
    /// The request is HEAD: its answer has no body whatever it says.
    pub head: bool,
    /// The request may be sent twice (its method is idempotent).
    pub idempotent: bool,
    /// Set on the answer (the upstream's own is replaced, as hyper's path
    /// does).
    pub request_id: &'a HeaderValue,
    /// The client connection closes after this answer (`Connection: close`
    /// is added); asked when the answer's head is written.
    pub close: &'a (dyn Fn() -> bool + Sync),
    /// `Strict-Transport-Security` for the answer, unless it has its own.
    pub hsts: Option<&'a HeaderValue>,
    pub connect_timeout: Duration,
    /// For the answer's head.
    pub response_timeout: Duration,
}

/// How a relayed answer ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relayed {
    /// Sent whole: the client connection may carry another request.
    Whole(StatusCode),
    /// Begun but not finished (the upstream broke off, its framing was
    /// bad, or the client went away): the client connection must close.
    Cut(StatusCode),
}

/// Why the answer's head did not come.
enum HeadError {
    /// The connection closed (or was reset) before any byte of an answer.
    Closed(String),
    Timeout,
    Failed(String),
}

/// Send `x` to `upstream` and relay the answer to `client`. An error means
/// nothing was written to the client, which can be given an error page.
pub async fn relay<C: AsyncWrite + Unpin>(
    upstream: &crate::authz::Upstream,
    alarm: &mut Alarm,
    client: &mut C,
    out: &mut BytesMut,
    x: Exchange<'_>,
) -> Result<Relayed, ProxyError> {
    let unreachable = |e: std::io::Error| ProxyError::Unreachable {
        upstream: upstream.url.clone(),
        detail: super::error_chain(&e),
    };
    let failed = |detail: String| ProxyError::Failed {
        upstream: upstream.url.clone(),
        detail,
    };
    // Boxed: connecting is rare (idle connections are reused), and its
    // state would otherwise be room in every request's future.
    let connect = || async {
        Box::pin(Conn::connect(&upstream.authority, x.connect_timeout))
            .await
            .map_err(unreachable)
    };
    let (mut conn, mut fresh) = match take(&upstream.authority) {
        Some(c) => (c, false),
        None => (connect().await?, true),
    };
    let head = loop {
        let written = conn.stream.write_all(x.request).await;
        // Read even when the write failed: an upstream that refused the
        // request before reading all of it (413, say) may have said so.
        let answer = read_head(&mut conn, alarm, x.response_timeout, &x, out).await;
        let unsent = written.is_err();
        let answer = match (answer, written) {
            (Ok(mut head), written) => {
                head.reusable &= written.is_ok();
                Ok(head)
            }
            (Err(HeadError::Closed(_)), Err(e)) if fresh => Err(HeadError::Failed(e.to_string())),
            (Err(e), _) => Err(e),
        };
        match answer {
            Ok(head) => break head,
            // A kept-alive connection the upstream had closed: once more
            // on a new one, if the request allows it.
            Err(HeadError::Closed(_)) if !fresh && (x.idempotent || unsent) => {
                out.clear();
                conn = connect().await?;
                fresh = true;
            }
            Err(HeadError::Closed(why)) => {
                return Err(failed(format!(
                    "closed the connection without answering ({why})"
                )));
            }
            Err(HeadError::Failed(why)) => return Err(failed(why)),
            Err(HeadError::Timeout) => {
                return Err(ProxyError::Timeout {
                    upstream: upstream.url.clone(),
                    secs: x.response_timeout.as_secs(),
                });
            }
        }
    };
    conn.buf.advance(head.len);
    let status = head.status;
    match relay_body(&mut conn, client, out, head.framing).await {
        BodyEnd::Whole => {
            if head.reusable && conn.buf.is_empty() {
                give_back(conn);
            }
            Ok(Relayed::Whole(status))
        }
        BodyEnd::ClientGone { upstream_done } => {
            if upstream_done && head.reusable && conn.buf.is_empty() {
                give_back(conn);
            }
            Ok(Relayed::Cut(status))
        }
        BodyEnd::UpstreamBroke(why) => {
            tracing::warn!(upstream = %upstream.url, error = %why, "upstream answer cut off");
            Ok(Relayed::Cut(status))
        }
    }
}

/// Read the answer's head (skipping 1xx interim answers) into `conn.buf`,
/// with its rewritten form for the client in `out`.
async fn read_head(
    conn: &mut Conn,
    alarm: &mut Alarm,
    timeout: Duration,
    x: &Exchange<'_>,
    out: &mut BytesMut,
) -> Result<AnswerHead, HeadError> {
    let deadline = Instant::now() + timeout;
    // Bytes of an answer seen: after that a close is no longer "closed
    // before answering".
    let mut seen = false;
    loop {
        if !conn.buf.is_empty() {
            seen = true;
            out.clear();
            let how = Rewrite {
                head_request: x.head,
                request_id: x.request_id,
                close: (x.close)(),
                drop: crate::hygiene::drops_answer_field,
                hsts: x.hsts,
            };
            match rewrite_answer_head(&conn.buf, &how, out)
                .map_err(|e| HeadError::Failed(e.into()))?
            {
                Some(head) if head.len > MAX_ANSWER_HEAD => {
                    return Err(HeadError::Failed("its answer's head is too large".into()));
                }
                Some(head) if head.status.is_informational() => {
                    conn.buf.advance(head.len);
                    continue;
                }
                Some(head) => return Ok(head),
                None if conn.buf.len() > MAX_ANSWER_HEAD => {
                    return Err(HeadError::Failed("its answer's head is too large".into()));
                }
                None => {}
            }
        }
        conn.buf.reserve(BUF_SIZE / 2);
        let read = poll_fn(|cx| {
            match tokio_util::io::poll_read_buf(Pin::new(&mut conn.stream), cx, &mut conn.buf) {
                Poll::Ready(r) => Poll::Ready(Some(r)),
                Poll::Pending => alarm.poll(cx, deadline).map(|()| None),
            }
        })
        .await;
        match read {
            None => return Err(HeadError::Timeout),
            Some(Ok(0)) if !seen => return Err(HeadError::Closed("end of stream".into())),
            Some(Ok(0)) => {
                return Err(HeadError::Failed("closed the connection mid-answer".into()));
            }
            Some(Ok(_)) => {}
            Some(Err(e)) if !seen => return Err(HeadError::Closed(e.to_string())),
            Some(Err(e)) => return Err(HeadError::Failed(e.to_string())),
        }
    }
}

/// How relaying a body ended.
enum BodyEnd {
    Whole,
    /// The client stopped taking it; `upstream_done`: the upstream's answer
    /// was read whole all the same.
    ClientGone {
        upstream_done: bool,
    },
    UpstreamBroke(String),
}

/// Relay the body after the head in `out` (which goes first, in the same
/// write as the body's first bytes).
async fn relay_body<C: AsyncWrite + Unpin>(
    conn: &mut Conn,
    client: &mut C,
    out: &mut BytesMut,
    framing: Framing,
) -> BodyEnd {
    match framing {
        Framing::Empty => match send(client, out).await {
            Ok(()) => BodyEnd::Whole,
            Err(_) => BodyEnd::ClientGone {
                upstream_done: true,
            },
        },
        Framing::Length(n) => {
            let first = (conn.buf.len() as u64).min(n) as usize;
            out.extend_from_slice(&conn.buf[..first]);
            conn.buf.advance(first);
            let mut left = n - first as u64;
            if send(client, out).await.is_err() {
                return BodyEnd::ClientGone {
                    upstream_done: left == 0,
                };
            }
            while left > 0 {
                conn.buf.clear();
                if let Err(broke) = conn.read_body().await {
                    return broke;
                }
                let take = (conn.buf.len() as u64).min(left) as usize;
                if send(client, &conn.buf[..take]).await.is_err() {
                    return BodyEnd::ClientGone {
                        upstream_done: false,
                    };
                }
                conn.buf.advance(take);
                left -= take as u64;
            }
            BodyEnd::Whole
        }
        Framing::Chunked => {
            let mut decoder = Chunked::default();
            loop {
                let done = match decoder.decode(&mut conn.buf, out) {
                    Ok(done) => done,
                    Err(why) => {
                        // What was decoded so far still goes out; the
                        // client then sees the body end unfinished.
                        let _ = send(client, out).await;
                        return BodyEnd::UpstreamBroke(why.into());
                    }
                };
                if !out.is_empty() {
                    if send(client, out).await.is_err() {
                        return BodyEnd::ClientGone {
                            upstream_done: done,
                        };
                    }
                    out.clear();
                }
                if done {
                    return BodyEnd::Whole;
                }
                if let Err(broke) = conn.read_body().await {
                    return broke;
                }
            }
        }
        Framing::Close => loop {
            // The head goes at once, with whatever came along with it.
            put_chunk(out, &conn.buf);
            conn.buf.clear();
            if !out.is_empty() {
                if send(client, out).await.is_err() {
                    return BodyEnd::ClientGone {
                        upstream_done: false,
                    };
                }
                out.clear();
            }
            match conn.read().await {
                Ok(0) => {
                    return match send(client, b"0\r\n\r\n").await {
                        Ok(()) => BodyEnd::Whole,
                        Err(_) => BodyEnd::ClientGone {
                            upstream_done: true,
                        },
                    };
                }
                Ok(_) => {}
                Err(e) => return BodyEnd::UpstreamBroke(e.to_string()),
            }
        },
    }
}
