//! Upstream HTTP/1.1 exchanges for passgate's own HTTP/1 serving
//! (`server/h1.rs`): one request, fully in memory, sent on a plain TCP
//! connection to an `http://` upstream, and the answer relayed to the
//! client as it arrives.
//!
//! Owns: the per-thread list of idle upstream connections, writing the
//! request, reading the answer's head and rewriting it for the client
//! (hop-by-hop headers out, the request id in, framing re-stated), and the
//! body in each framing an upstream may use — `Content-Length` (copied as
//! it comes), chunked (decoded strictly and re-encoded, trailers dropped),
//! or until the upstream closes (re-encoded as chunked, so the client
//! connection lives on). Does not own header hygiene of the request (the
//! caller runs the same functions as hyper's path, in `proxy.rs`), nor
//! answers passgate makes itself.
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

use bytes::{Buf, BufMut, BytesMut};
use http::uri::Authority;
use http::{HeaderValue, Request, StatusCode};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

pub use super::alarm::Alarm;
use super::idle::IdleLists;
use super::{HOP_BY_HOP, ProxyError};

/// What a pooled buffer holds to start with: a read of a typical request or
/// answer head, and its body when small.
const BUF_SIZE: usize = 8 * 1024;
/// Longest answer head taken from an upstream (hyper's client allows
/// about as much).
const MAX_ANSWER_HEAD: usize = 256 * 1024;
/// Most header fields in a head (as hyper).
pub const MAX_HEADERS: usize = 100;
/// Longest chunk-size line (with extensions), and trailer section.
const MAX_CHUNK_LINE: usize = 4096;
const MAX_TRAILERS: usize = 16 * 1024;
/// Spare buffers kept per thread.
const MAX_SPARE: usize = 64;

thread_local! {
    /// Buffers not in use on this thread: a connection holds one only
    /// while it has a request in hand, so idle keep-alive connections cost
    /// no buffer.
    static SPARE: RefCell<Vec<BytesMut>> = const { RefCell::new(Vec::new()) };
    /// This thread's idle upstream connections.
    static IDLE: RefCell<IdleLists<Conn>> = const { RefCell::new(IdleLists::new()) };
    /// The `Date` value of the current second.
    static DATE: RefCell<(u64, HeaderValue)> = const { RefCell::new((0, HeaderValue::from_static(""))) };
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

/// The `Date` header value for now (formatted once a second per thread).
pub fn date() -> HeaderValue {
    let now = std::time::SystemTime::now();
    let secs = now
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    DATE.with_borrow_mut(|(at, value)| {
        if *at != secs || value.is_empty() {
            *at = secs;
            *value = HeaderValue::try_from(httpdate::fmt_http_date(now))
                .unwrap_or_else(|_| HeaderValue::from_static(""));
        }
        value.clone()
    })
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

/// Write `req` (origin form, HTTP/1.1) and its `body` into `out`. The
/// headers go as they are: the caller has tidied them.
pub fn write_request(out: &mut BytesMut, req: &Request<()>, body: &[u8]) {
    out.extend_from_slice(req.method().as_str().as_bytes());
    out.put_u8(b' ');
    let target = req.uri().path_and_query().map_or("/", |p| p.as_str());
    out.extend_from_slice(target.as_bytes());
    out.extend_from_slice(b" HTTP/1.1\r\n");
    for (name, value) in req.headers() {
        out.extend_from_slice(name.as_str().as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body);
}

/// One exchange for [`relay`].
pub struct Exchange<'a> {
    /// The request's bytes, from [`write_request`].
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

/// How the answer's body is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Framing {
    /// No body (HEAD, 1xx, 204, 304).
    Empty,
    Length(u64),
    Chunked,
    /// Until the upstream closes.
    Close,
}

/// An answer head, parsed and rewritten for the client.
#[derive(Debug)]
struct Head {
    /// Bytes of the head in the upstream's buffer.
    len: usize,
    status: StatusCode,
    framing: Framing,
    /// The upstream connection may carry another request afterwards.
    reusable: bool,
}

/// Send `x` to `upstream` and relay the answer to `client`. An error means
/// nothing was written to the client, which can be given an error page.
pub async fn relay(
    upstream: &crate::authz::Upstream,
    alarm: &mut Alarm,
    client: &mut TcpStream,
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
) -> Result<Head, HeadError> {
    let deadline = Instant::now() + timeout;
    // Bytes of an answer seen: after that a close is no longer "closed
    // before answering".
    let mut seen = false;
    loop {
        if !conn.buf.is_empty() {
            seen = true;
            out.clear();
            match parse_head(&conn.buf, x, out).map_err(|e| HeadError::Failed(e.into()))? {
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

/// Is `name` (any case) a hop-by-hop header?
fn is_hop_by_hop(name: &[u8]) -> bool {
    HOP_BY_HOP
        .iter()
        .any(|n| name.eq_ignore_ascii_case(n.as_str().as_bytes()))
}

/// The comma-separated tokens of a header value, trimmed, empty ones skipped.
fn tokens(v: &[u8]) -> impl Iterator<Item = &[u8]> {
    v.split(|b| *b == b',')
        .map(|t| t.trim_ascii())
        .filter(|t| !t.is_empty())
}

/// A `Content-Length` value: digits only (no sign, no spaces inside).
pub fn parse_length(v: &[u8]) -> Option<u64> {
    let v = v.trim_ascii();
    if v.is_empty() || v.len() > 19 || !v.iter().all(u8::is_ascii_digit) {
        return None;
    }
    v.iter().try_fold(0u64, |n, d| {
        n.checked_mul(10)?.checked_add(u64::from(d - b'0'))
    })
}

/// Parse an answer head from `buf`; `None` while incomplete. A complete
/// head (other than 1xx) is written into `out` as the client gets it.
fn parse_head(
    buf: &[u8],
    x: &Exchange<'_>,
    out: &mut BytesMut,
) -> Result<Option<Head>, &'static str> {
    // Uninitialised: zeroing room for 100 fields cost more than parsing a
    // typical head.
    let mut raw = [const { std::mem::MaybeUninit::<httparse::Header<'_>>::uninit() }; MAX_HEADERS];
    let mut r = httparse::Response::new(&mut []);
    let parsed =
        httparse::ParserConfig::default().parse_response_with_uninit_headers(&mut r, buf, &mut raw);
    let len = match parsed {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(httparse::Error::TooManyHeaders) => {
            return Err("its answer has too many header fields");
        }
        Err(_) => return Err("its answer's head is malformed"),
    };
    let code = r.code.unwrap_or(0);
    let status = StatusCode::from_u16(code).map_err(|_| "its answer's status is invalid")?;
    if status == StatusCode::SWITCHING_PROTOCOLS {
        return Err("answered 101 to a request that did not ask to upgrade");
    }
    if status.is_informational() {
        return Ok(Some(Head {
            len,
            status,
            framing: Framing::Empty,
            reusable: false,
        }));
    }
    // First look: framing, Connection and Date.
    let (mut length, mut te, mut te_chunked) = (None, false, false);
    let (mut close, mut keep_alive, mut has_date) = (false, false, false);
    let mut named = false;
    for h in r.headers.iter() {
        let name = h.name.as_bytes();
        if name.eq_ignore_ascii_case(b"content-length") {
            let n = parse_length(h.value).ok_or("its answer's Content-Length is invalid")?;
            if length.is_some_and(|l| l != n) {
                return Err("its answer has conflicting Content-Length values");
            }
            length = Some(n);
        } else if name.eq_ignore_ascii_case(b"transfer-encoding") {
            te = true;
            // The last coding of the last field decides (RFC 9112 §6.3).
            te_chunked = tokens(h.value)
                .last()
                .is_some_and(|t| t.eq_ignore_ascii_case(b"chunked"));
        } else if name.eq_ignore_ascii_case(b"connection") {
            for t in tokens(h.value) {
                if t.eq_ignore_ascii_case(b"close") {
                    close = true;
                } else if t.eq_ignore_ascii_case(b"keep-alive") {
                    keep_alive = true;
                } else {
                    named = true;
                }
            }
        } else if name.eq_ignore_ascii_case(b"date") {
            has_date = true;
        }
    }
    let framing = if x.head || code == 204 || code == 304 {
        Framing::Empty
    } else if te {
        if te_chunked {
            Framing::Chunked
        } else {
            Framing::Close
        }
    } else {
        match length {
            Some(n) => Framing::Length(n),
            None => Framing::Close,
        }
    };
    let http11 = r.version == Some(1);
    let reusable = !close
        && (http11 || keep_alive)
        // Both framings at once: answered by Transfer-Encoding, but the
        // connection is not trusted with another request (RFC 9112 §6.3).
        && !(te && length.is_some())
        && framing != Framing::Close;

    // Fields named in Connection belong to the hop too.
    let connection_names: Vec<&[u8]> = if named {
        r.headers
            .iter()
            .filter(|h| h.name.eq_ignore_ascii_case("connection"))
            .flat_map(|h| tokens(h.value))
            .collect()
    } else {
        Vec::new()
    };
    put_status_line(out, status, r.reason);
    for h in r.headers.iter() {
        let name = h.name.as_bytes();
        if is_hop_by_hop(name)
            || name.eq_ignore_ascii_case(b"content-length")
            || name.eq_ignore_ascii_case(b"x-request-id")
            || connection_names
                .iter()
                .any(|n| name.eq_ignore_ascii_case(n))
        {
            continue;
        }
        out.extend_from_slice(name);
        out.extend_from_slice(b": ");
        out.extend_from_slice(h.value);
        out.extend_from_slice(b"\r\n");
    }
    match framing {
        Framing::Length(n) => put_length(out, n),
        // HEAD and 304 say what the body would have been.
        Framing::Empty if code != 204 => {
            if let Some(n) = length {
                put_length(out, n);
            }
        }
        Framing::Empty => {}
        Framing::Chunked | Framing::Close => {
            out.extend_from_slice(b"transfer-encoding: chunked\r\n")
        }
    }
    out.extend_from_slice(b"x-request-id: ");
    out.extend_from_slice(x.request_id.as_bytes());
    out.extend_from_slice(b"\r\n");
    end_answer_head(out, has_date, (x.close)());
    Ok(Some(Head {
        len,
        status,
        framing,
        reusable,
    }))
}

/// `HTTP/1.1 <code> <reason>`: the reason given, or the usual one when
/// none is.
pub fn put_status_line(out: &mut BytesMut, status: StatusCode, reason: Option<&str>) {
    out.extend_from_slice(b"HTTP/1.1 ");
    out.extend_from_slice(status.as_str().as_bytes());
    out.put_u8(b' ');
    let reason = reason
        .filter(|r| !r.is_empty())
        .or(status.canonical_reason())
        .unwrap_or("");
    out.extend_from_slice(reason.as_bytes());
    out.extend_from_slice(b"\r\n");
}

/// How every answer head passgate writes ends: a `Date` when it has none,
/// `Connection: close` when the connection ends after it, the blank line.
pub fn end_answer_head(out: &mut BytesMut, has_date: bool, close: bool) {
    if !has_date {
        out.extend_from_slice(b"date: ");
        out.extend_from_slice(date().as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    if close {
        out.extend_from_slice(b"connection: close\r\n");
    }
    out.extend_from_slice(b"\r\n");
}

pub fn put_length(out: &mut BytesMut, n: u64) {
    out.extend_from_slice(b"content-length: ");
    out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
    out.extend_from_slice(b"\r\n");
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
async fn relay_body(
    conn: &mut Conn,
    client: &mut TcpStream,
    out: &mut BytesMut,
    framing: Framing,
) -> BodyEnd {
    match framing {
        Framing::Empty => match client.write_all(out).await {
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
            if client.write_all(out).await.is_err() {
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
                if client.write_all(&conn.buf[..take]).await.is_err() {
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
                        let _ = client.write_all(out).await;
                        return BodyEnd::UpstreamBroke(why.into());
                    }
                };
                if !out.is_empty() {
                    if client.write_all(out).await.is_err() {
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
                if client.write_all(out).await.is_err() {
                    return BodyEnd::ClientGone {
                        upstream_done: false,
                    };
                }
                out.clear();
            }
            match conn.read().await {
                Ok(0) => {
                    return match client.write_all(b"0\r\n\r\n").await {
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

/// Append `data` as one chunk (nothing for no data: an empty chunk would
/// end the body).
fn put_chunk(out: &mut BytesMut, data: &[u8]) {
    if data.is_empty() {
        return;
    }
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let n = data.len();
    let digits = (usize::BITS - n.leading_zeros()).div_ceil(4);
    for i in (0..digits).rev() {
        out.put_u8(HEX[(n >> (i * 4)) & 0xf]);
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(data);
    out.extend_from_slice(b"\r\n");
}

/// A strict decoder of the chunked coding (RFC 9112 §7.1), re-encoding the
/// data as chunks of its own as it goes; extensions and trailers are
/// dropped.
#[derive(Debug, Default)]
struct Chunked {
    state: ChunkState,
    trailer_bytes: usize,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum ChunkState {
    #[default]
    Size,
    Data(u64),
    /// The CRLF after a chunk's data.
    DataEnd,
    Trailers,
    Done,
}

impl Chunked {
    /// Decode what `input` holds (consuming it) into `out`; `Ok(true)` once
    /// the body has ended (the last chunk and trailers are consumed, and
    /// the end written to `out`).
    fn decode(&mut self, input: &mut BytesMut, out: &mut BytesMut) -> Result<bool, &'static str> {
        loop {
            match self.state {
                ChunkState::Size => {
                    let Some(nl) = input.iter().position(|b| *b == b'\n') else {
                        if input.len() > MAX_CHUNK_LINE {
                            return Err("a chunk size line is too long");
                        }
                        return Ok(false);
                    };
                    if nl > MAX_CHUNK_LINE {
                        return Err("a chunk size line is too long");
                    }
                    let line = input[..nl]
                        .strip_suffix(b"\r")
                        .ok_or("a chunk size line does not end in CRLF")?;
                    let digits = line.iter().take_while(|b| b.is_ascii_hexdigit()).count();
                    if digits == 0 || digits > 15 {
                        return Err("a chunk size is missing or too large");
                    }
                    // After the size: nothing, or (after optional blanks)
                    // extensions, which are dropped.
                    let rest = line[digits..].trim_ascii_start();
                    if !rest.is_empty() && rest[0] != b';' {
                        return Err("a chunk size is malformed");
                    }
                    let size = line[..digits].iter().fold(0u64, |n, d| {
                        (n << 4) | u64::from((*d as char).to_digit(16).unwrap_or(0))
                    });
                    input.advance(nl + 1);
                    self.state = if size == 0 {
                        ChunkState::Trailers
                    } else {
                        ChunkState::Data(size)
                    };
                }
                ChunkState::Data(left) => {
                    if input.is_empty() {
                        return Ok(false);
                    }
                    let n = (input.len() as u64).min(left) as usize;
                    put_chunk(out, &input[..n]);
                    input.advance(n);
                    self.state = if n as u64 == left {
                        ChunkState::DataEnd
                    } else {
                        ChunkState::Data(left - n as u64)
                    };
                }
                ChunkState::DataEnd => {
                    if input.len() < 2 {
                        return Ok(false);
                    }
                    if &input[..2] != b"\r\n" {
                        return Err("a chunk's data is not followed by CRLF");
                    }
                    input.advance(2);
                    self.state = ChunkState::Size;
                }
                ChunkState::Trailers => {
                    let Some(nl) = input.iter().position(|b| *b == b'\n') else {
                        if self.trailer_bytes + input.len() > MAX_TRAILERS {
                            return Err("the trailer section is too large");
                        }
                        return Ok(false);
                    };
                    let line = input[..nl]
                        .strip_suffix(b"\r")
                        .ok_or("a trailer line does not end in CRLF")?;
                    let empty = line.is_empty();
                    self.trailer_bytes += nl + 1;
                    if self.trailer_bytes > MAX_TRAILERS {
                        return Err("the trailer section is too large");
                    }
                    input.advance(nl + 1);
                    if empty {
                        out.extend_from_slice(b"0\r\n\r\n");
                        self.state = ChunkState::Done;
                        return Ok(true);
                    }
                }
                ChunkState::Done => return Ok(true),
            }
        }
    }
}

#[cfg(test)]
mod tests;
