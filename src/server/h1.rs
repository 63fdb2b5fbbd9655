//! passgate's own HTTP/1.1 serving of plain connections, for the requests
//! that make up nearly all of its traffic: signed-in requests it proxies to
//! `http://` upstreams, its own answers in proxy mode (login redirects,
//! refusals, error pages), forward-auth checks, and liveness.
//!
//! Why: through hyper, a proxied request crossed hyper's server dispatch
//! and its client dispatch (channels, a oneshot, a boxed header timer, a
//! fresh 8 KiB read buffer on each side, a boxed body), about 25k of the
//! 46k instructions it cost. Here the connection's task reads the head
//! into a buffer, the request's header map takes views of that buffer, the
//! request goes upstream in one write, and the answer's head is rewritten
//! from the upstream's bytes straight into the write to the client.
//!
//! The request path is the gate's (`gate.rs`), exactly as hyper's path
//! (`server.rs`) runs it: destination, route, admit, upstream fields. Only
//! reading and writing HTTP/1.1 differ, and those are the codec's
//! (`http1.rs`).
//!
//! The loop serves plain connections and HTTP/1.1 over TLS alike: it is
//! generic over the connection ([`ClientIo`]), and every answer it writes
//! is flushed (a no-op on TCP; over TLS it sends what rustls holds).
//!
//! What this loop does not serve it leaves to hyper before it has consumed
//! anything: the connection, with the bytes read so far in front, is served
//! by hyper's HTTP/1 server from then on. That is a head hyper would refuse
//! (malformed, over 64 KiB or 100 fields: hyper answers 400/431), HTTP/1.0,
//! targets not in origin form, CONNECT, `Transfer-Encoding`, `Expect` or
//! `Upgrade` in a request, a request body over 64 KiB, passgate's pages
//! other than forward auth and liveness, and routes to `https://`
//! upstreams.

use std::future::poll_fn;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use axum::body::Body;
use bytes::{Buf, Bytes, BytesMut};
use http::header::{HeaderMap, HeaderName, HeaderValue};
use http::{Method, Request, StatusCode, Uri};
use http_body_util::BodyExt;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

use super::tls::TlsConn;
use super::{ConnCtx, HEADER_READ_TIMEOUT, ShutdownWatch, record};
use crate::gate::{self, Answered, Destination};
use crate::http1::{self, MAX_HEADERS, RequestFraming};
use crate::metrics::Outcome;
use crate::proxy::h1::{self as upstream, Alarm, Relayed, buffer, recycle, send};

/// Largest request head (hyper's limit, which answers 431 beyond it).
const MAX_HEAD: usize = 64 * 1024;
/// Largest request body read into memory; larger ones stream through
/// hyper.
const MAX_BODY: u64 = 64 * 1024;

/// A client connection the loop serves: plain TCP, or TLS over it.
pub(crate) trait ClientIo: AsyncRead + AsyncWrite + Unpin + Send + 'static {
    /// Ready when a read may find bytes (a spurious wake-up at worst), so
    /// that an idle connection holds no read buffer.
    fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<std::io::Result<()>>;
}

impl ClientIo for TcpStream {
    fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        TcpStream::poll_read_ready(self, cx)
    }
}

/// Boxed, so the connection's task holds a pointer to the TLS state (1.2
/// KB) instead of room for it in each of the states it passes through.
impl ClientIo for Box<TlsConn> {
    fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        TlsConn::poll_read_ready(self, cx)
    }
}

/// A request taken off the connection.
pub(crate) struct Taken {
    pub(crate) req: Request<()>,
    /// The head's bytes (the header values are views of them).
    pub(crate) head: Bytes,
    pub(crate) body: Bytes,
    /// The client asked to close after this answer.
    pub(crate) close: bool,
}

/// What the buffer holds.
// Moved once per request; boxing the request would cost an allocation.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Take {
    /// Not a whole head yet.
    More,
    /// A whole head, but not yet all of its body: how many bytes the
    /// request needs in all.
    MoreBody(usize),
    /// Something for hyper (see the module's doc), and what.
    Hyper(&'static str),
    Request(Taken),
}

/// What is next for the connection.
#[allow(clippy::large_enum_variant)]
enum Next {
    Request(Taken),
    Hyper(&'static str),
    /// Closed by the client, idle past the header limit, or shut down.
    Closed,
}

/// After a request.
enum Served {
    KeepAlive,
    Close,
    /// Hand the connection to hyper with these bytes in front.
    Hyper(BytesMut, &'static str),
}

/// A connection for hyper to serve from now on: the bytes already read
/// from it come first.
pub(super) struct Handover<S> {
    io: Rewind<S>,
    reason: &'static str,
}

impl<S> Handover<S> {
    pub(super) fn into_io(self, peer: std::net::SocketAddr) -> TokioIo<Rewind<S>> {
        tracing::debug!(%peer, reason = self.reason, "HTTP/1 connection handed to hyper");
        TokioIo::new(self.io)
    }
}

/// Serve a plain HTTP/1 connection until it ends, or until it holds
/// something for hyper. Everything this loop held (buffers, timers) is let
/// go before hyper takes over.
pub(super) async fn serve<S: ClientIo>(conn: &ConnCtx, mut stream: S) -> Option<Handover<S>> {
    let shutdown = conn.app.shutdown.clone();
    let cancelled = std::pin::pin!(shutdown.cancelled());
    let mut watch = ShutdownWatch::new(cancelled);
    // Empty while the connection is idle: it holds a buffer only while a
    // request is in hand.
    let mut rbuf = BytesMut::new();
    let mut head_alarm = Alarm::default();
    let mut upstream_alarm = Alarm::default();
    let (rest, reason) = loop {
        let deadline = Instant::now() + HEADER_READ_TIMEOUT;
        let taken = match next_request(
            &mut stream,
            &mut rbuf,
            &mut head_alarm,
            &mut watch,
            deadline,
        )
        .await
        {
            Next::Request(t) => t,
            Next::Hyper(why) => break (rbuf, why),
            Next::Closed => {
                recycle(rbuf);
                close(stream).await;
                return None;
            }
        };
        // Once shutdown has begun, an answer is the connection's last and
        // says so (looked at when its head is written).
        let shutting_down = || watch.woken();
        // Boxed: an idle connection then holds a pointer, not room for the
        // largest request state (in a statement of its own: a temporary
        // lives to the end of its statement, across the await).
        let one = Box::pin(serve_one(
            conn,
            &mut stream,
            &mut rbuf,
            &mut upstream_alarm,
            taken,
            &shutting_down,
        ));
        let served = one.await;
        match served {
            Served::KeepAlive => {
                if rbuf.is_empty() {
                    recycle(std::mem::take(&mut rbuf));
                }
            }
            Served::Close => {
                recycle(rbuf);
                close(stream).await;
                return None;
            }
            Served::Hyper(bytes, why) => {
                recycle(std::mem::take(&mut rbuf));
                break (bytes, why);
            }
        }
    };
    Some(Handover {
        io: Rewind {
            pre: rest.freeze(),
            io: stream,
        },
        reason,
    })
}

/// End a connection: over TLS with a close_notify, by which the client
/// tells the end of an answer delimited by the close from a truncation
/// (TCP: a FIN). A client that takes nothing more is not waited for long.
async fn close<S: ClientIo>(mut stream: S) {
    use tokio::io::AsyncWriteExt;
    let _ = tokio::time::timeout(CLOSE_WAIT, stream.shutdown()).await;
}

/// How long [`close`] waits for the client to take the last bytes.
const CLOSE_WAIT: std::time::Duration = std::time::Duration::from_secs(1);

/// Read until `rbuf` holds a whole request (or something for hyper).
async fn next_request<S: ClientIo>(
    stream: &mut S,
    rbuf: &mut BytesMut,
    alarm: &mut Alarm,
    watch: &mut ShutdownWatch<'_, '_>,
    deadline: Instant,
) -> Next {
    // Parsed again only when that can change the answer: a head not yet
    // whole once new bytes hold a line end that may close it (or the
    // head limit is passed), a body still coming once it has all arrived.
    // A head sent a byte at a time would otherwise be parsed whole for
    // every byte.
    let mut scanned = 0;
    let mut need = 0;
    loop {
        // A head is in, its body still coming: past the header limit the
        // rest goes to hyper, which streams a body however slowly it comes.
        let mut body_coming = need > 0;
        let worth_parsing = if need > 0 {
            rbuf.len() >= need
        } else {
            head_may_end(rbuf, &mut scanned) || rbuf.len() > MAX_HEAD
        };
        if !rbuf.is_empty() && worth_parsing {
            match take_request(rbuf) {
                Take::Request(t) => return Next::Request(t),
                Take::Hyper(why) => return Next::Hyper(why),
                Take::More => {}
                Take::MoreBody(n) => {
                    need = n;
                    body_coming = true;
                }
            }
        }
        let idle = rbuf.is_empty();
        let read = poll_fn(|cx| {
            // Between requests, shutdown closes the connection.
            if idle && watch.poll(cx).is_ready() {
                return Poll::Ready(None);
            }
            match ClientIo::poll_read_ready(&*stream, cx) {
                Poll::Ready(Ok(())) => {
                    // Only now a buffer: an idle connection holds none.
                    if rbuf.capacity() == 0 {
                        *rbuf = buffer();
                    }
                    rbuf.reserve(1024);
                    if let Poll::Ready(r) =
                        tokio_util::io::poll_read_buf(Pin::new(&mut *stream), cx, rbuf)
                    {
                        return Poll::Ready(Some(r));
                    }
                }
                Poll::Ready(Err(e)) => return Poll::Ready(Some(Err(e))),
                Poll::Pending => {}
            }
            // What the TLS layer has to say meanwhile (an alert, a key
            // update) goes out now, not with the next answer. A no-op on TCP;
            // a failure shows on the next read.
            let _ = Pin::new(&mut *stream).poll_flush(cx);
            alarm.poll(cx, deadline).map(|()| None)
        })
        .await;
        match read {
            Some(Ok(n)) if n > 0 => {}
            None if body_coming && !idle => return Next::Hyper("a slow request body"),
            // End of stream, an error, the header limit, or shutdown.
            _ => return Next::Closed,
        }
    }
}

/// Do the bytes of `rbuf` after `scanned` (and the three before, where a
/// line end may have begun) hold an empty line, which may end a head (a
/// line feed, then a line feed or a carriage return and a line feed; the
/// parser takes bare line feeds)? The first bytes are always worth a
/// parse: a head malformed from its first line is answered at once.
fn head_may_end(rbuf: &[u8], scanned: &mut usize) -> bool {
    let from = scanned.saturating_sub(3);
    let first = *scanned == 0;
    *scanned = rbuf.len();
    first
        || rbuf[from.min(rbuf.len())..]
            .windows(2)
            .enumerate()
            .any(|(i, w)| {
                w[0] == b'\n'
                    && (w[1] == b'\n' || (w[1] == b'\r' && rbuf.get(from + i + 2) == Some(&b'\n')))
            })
}

/// Take a whole request off the front of `rbuf`, or say why not.
pub(crate) fn take_request(rbuf: &mut BytesMut) -> Take {
    // Where the pieces are, as offsets into `rbuf` (the parser's borrow of
    // it must end before the head is split off). A head is at most
    // `MAX_HEAD` (64 KiB) long, so offsets and lengths fit in 16 bits.
    let mut spans = [Span::default(); MAX_HEADERS];
    let (len, count, method, path, body_len, close) = {
        // Uninitialised: zeroing room for 100 fields cost more than
        // parsing a typical head.
        let mut raw =
            [const { std::mem::MaybeUninit::<httparse::Header<'_>>::uninit() }; MAX_HEADERS];
        let mut r = httparse::Request::new(&mut []);
        let parsed = httparse::ParserConfig::default()
            .parse_request_with_uninit_headers(&mut r, rbuf, &mut raw);
        let len = match parsed {
            Ok(httparse::Status::Complete(n)) if n <= MAX_HEAD => n,
            Ok(httparse::Status::Partial) if rbuf.len() <= MAX_HEAD => return Take::More,
            // Too large, too many fields, or malformed: hyper says so.
            Ok(_) | Err(httparse::Error::TooManyHeaders) => return Take::Hyper("a large head"),
            Err(_) => return Take::Hyper("a malformed head"),
        };
        if r.version != Some(1) {
            return Take::Hyper("HTTP/1.0");
        }
        let (Some(method), Some(path)) = (r.method, r.path) else {
            return Take::Hyper("a malformed head");
        };
        if method == "CONNECT" || !path.starts_with('/') {
            return Take::Hyper("a target not in origin form");
        }
        let base = rbuf.as_ptr() as usize;
        let at = |s: &[u8]| Piece((s.as_ptr() as usize - base) as u16, s.len() as u16);
        let mut framing = RequestFraming::default();
        for (i, h) in r.headers.iter().enumerate() {
            let name = h.name.as_bytes();
            if let Err(why) = framing.field(name, h.value) {
                return Take::Hyper(why);
            }
            spans[i] = Span {
                name: at(name),
                value: at(h.value),
            };
        }
        (
            len,
            r.headers.len(),
            at(method.as_bytes()),
            at(path.as_bytes()),
            framing.body_len,
            framing.close,
        )
    };
    if body_len > MAX_BODY {
        return Take::Hyper("a large request body");
    }
    if ((rbuf.len() - len) as u64) < body_len {
        return Take::MoreBody(len + body_len as usize);
    }
    let head = rbuf.split_to(len).freeze();
    let body = rbuf.split_to(body_len as usize).freeze();
    match build_request(&head, method, path, &spans[..count]) {
        Some(req) => Take::Request(Taken {
            req,
            head,
            body,
            close,
        }),
        // Something the parser let through that http's types refuse: put
        // the bytes back for hyper.
        None => {
            *rbuf = restore(&head, &body, rbuf);
            Take::Hyper("a head http's types refuse")
        }
    }
}

/// Where a piece of a head is: offset and length.
#[derive(Debug, Default, Clone, Copy)]
struct Piece(u16, u16);

impl Piece {
    fn range(self) -> std::ops::Range<usize> {
        let start = usize::from(self.0);
        start..start + usize::from(self.1)
    }
}

/// Where a header field's name and value are.
#[derive(Debug, Default, Clone, Copy)]
struct Span {
    name: Piece,
    value: Piece,
}

/// The request from its head's pieces; header values are views of `head`.
fn build_request(head: &Bytes, method: Piece, path: Piece, spans: &[Span]) -> Option<Request<()>> {
    let method = Method::from_bytes(&head[method.range()]).ok()?;
    let uri = Uri::from_maybe_shared(head.slice(path.range())).ok()?;
    // Room for what the request path adds (identity, assertion, request
    // id, forwarding headers) without growing the map.
    let mut headers = header_map(spans.len() + 16);
    for span in spans {
        let name = header_name(&head[span.name.range()])?;
        let value = HeaderValue::from_maybe_shared(head.slice(span.value.range())).ok()?;
        headers.append(name, value);
    }
    let mut req = Request::new(());
    *req.method_mut() = method;
    *req.uri_mut() = uri;
    *req.headers_mut() = headers;
    Some(req)
}

/// The names passgate reads that are not standard ones: parsed as text,
/// each would be lower-cased into an allocation of its own per request.
static KNOWN_NAMES: [HeaderName; 11] = [
    HeaderName::from_static("x-forwarded-for"),
    HeaderName::from_static("x-forwarded-proto"),
    HeaderName::from_static("x-forwarded-host"),
    HeaderName::from_static("x-forwarded-uri"),
    HeaderName::from_static("x-forwarded-method"),
    HeaderName::from_static("x-forwarded-port"),
    HeaderName::from_static("x-original-url"),
    HeaderName::from_static("x-original-method"),
    HeaderName::from_static("x-real-ip"),
    HeaderName::from_static("x-request-id"),
    HeaderName::from_static("x-requested-with"),
];

/// A field name as a `HeaderName` (any case in, lower case out).
fn header_name(raw: &[u8]) -> Option<HeaderName> {
    if raw.first().is_some_and(|b| b.eq_ignore_ascii_case(&b'x'))
        && let Some(known) = KNOWN_NAMES.iter().find(|k| {
            k.as_str().len() == raw.len() && raw.eq_ignore_ascii_case(k.as_str().as_bytes())
        })
    {
        return Some(known.clone());
    }
    HeaderName::from_bytes(raw).ok()
}

thread_local! {
    /// Header maps not in use on this thread, emptied: a map for a request
    /// is two allocations, too large for the allocator's per-thread cache.
    static MAPS: std::cell::RefCell<Vec<HeaderMap>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// An empty header map with room for `n` fields.
fn header_map(n: usize) -> HeaderMap {
    match MAPS.with_borrow_mut(|m| m.pop()) {
        Some(mut map) => {
            map.reserve(n);
            map
        }
        None => HeaderMap::with_capacity(n),
    }
}

/// Done with a request: its header map is kept for another one (emptied,
/// so the head's storage it pointed into is free).
fn recycle_request(mut req: Request<()>) {
    let mut map = std::mem::take(req.headers_mut());
    if map.capacity() <= 128 {
        map.clear();
        MAPS.with_borrow_mut(|m| {
            if m.len() < 64 {
                m.push(map);
            }
        });
    }
}

/// The request's bytes again, in front of what followed it.
fn restore(head: &[u8], body: &[u8], rest: &[u8]) -> BytesMut {
    let mut all = BytesMut::with_capacity(head.len() + body.len() + rest.len());
    all.extend_from_slice(head);
    all.extend_from_slice(body);
    all.extend_from_slice(rest);
    all
}

/// Serve one request: the gate's phases, as `server::handle` runs them.
async fn serve_one<S: ClientIo>(
    conn: &ConnCtx,
    stream: &mut S,
    rbuf: &mut BytesMut,
    upstream_alarm: &mut Alarm,
    taken: Taken,
    shutting_down: &(dyn Fn() -> bool + Sync),
) -> Served {
    let started = Instant::now();
    let cfg = conn.app.config();
    let Taken {
        mut req,
        head,
        body,
        close,
    } = taken;
    let closing = || close || shutting_down();
    let ctx = conn.req_ctx(&cfg, req.uri(), req.headers());
    let log = super::AccessLog::new(&req);
    let reply = Reply {
        stream,
        head_only: req.method() == Method::HEAD,
        closing: &closing,
        cfg: &cfg,
        ctx: &ctx,
        started,
        log,
    };
    match gate::destination(&cfg, req.method(), req.uri(), req.headers()) {
        Ok(Destination::Gate) => {}
        Ok(Destination::ForwardAuth { nginx }) => {
            let decided =
                gate::decide_forward_auth(&conn.app, &cfg, req.headers(), &ctx, nginx).await;
            recycle_request(req);
            return match decided {
                gate::Decided::Allow(allowed) => reply.allow(allowed).await,
                gate::Decided::Other(answer) => reply.answer(answer).await,
            };
        }
        Ok(Destination::Live) => {
            recycle_request(req);
            return reply.answer(super::live()).await;
        }
        Ok(Destination::Userinfo) => {
            let answer = crate::ui::oidc::userinfo::answer(&conn.app, &cfg, req.headers()).await;
            recycle_request(req);
            return reply.answer((answer, Outcome::PAGE)).await;
        }
        Ok(Destination::Page) => {
            return Served::Hyper(restore(&head, &body, rbuf), "one of passgate's pages");
        }
        Err(e) => {
            let answer = super::refused(e, &cfg, req.headers(), &ctx);
            recycle_request(req);
            return reply.answer(answer).await;
        }
    }
    let admitted = {
        let routed = match gate::route(&cfg, req.uri(), req.headers(), req.method(), &ctx) {
            Ok(r) => r,
            Err(a) => return reply.answer(a).await,
        };
        if routed
            .route
            .and_then(|r| r.upstream.as_ref())
            .is_some_and(|u| u.scheme != http::uri::Scheme::HTTP)
        {
            return Served::Hyper(restore(&head, &body, rbuf), "an https upstream");
        }
        match gate::admit(&conn.app, &cfg, &routed, req.headers(), &ctx).await {
            Ok(a) => a,
            Err(a) => return reply.answer(a).await,
        }
    };
    let idempotent = req.method().is_idempotent();
    admitted.upstream_headers(req.headers_mut(), &cfg, &ctx);
    let mut request = buffer();
    let target = req.uri().path_and_query().map_or("/", |p| p.as_str());
    http1::write_request(&mut request, req.method(), target, req.headers(), &body);
    // The head's storage is free again once the request is written (its
    // buffer is reclaimed whole for the next one).
    recycle_request(req);
    drop((head, body));
    let mut out = buffer();
    let relayed = upstream::relay(
        admitted.upstream,
        upstream_alarm,
        reply.stream,
        &mut out,
        upstream::Exchange {
            request: &request,
            head: reply.head_only,
            idempotent,
            request_id: &ctx.request_id_header,
            close: &closing,
            hsts: gate::hsts(&cfg, &ctx),
            connect_timeout: conn.app.proxy.connect_timeout(),
            response_timeout: conn.app.proxy.response_timeout(),
        },
    )
    .await;
    recycle(request);
    recycle(out);
    match relayed {
        Ok(Relayed::Whole(status)) => {
            reply.record(&admitted.outcome("allow"), status);
            if closing() {
                Served::Close
            } else {
                Served::KeepAlive
            }
        }
        Ok(Relayed::Cut(status)) => {
            reply.record(&admitted.outcome("allow"), status);
            Served::Close
        }
        Err(e) => {
            let answer = admitted.failed(&cfg, e, &ctx);
            reply.answer(answer).await
        }
    }
}

/// Where and how a request's answer goes.
struct Reply<'a, S> {
    stream: &'a mut S,
    head_only: bool,
    /// This answer is the connection's last.
    closing: &'a (dyn Fn() -> bool + Sync),
    cfg: &'a crate::config::Config,
    ctx: &'a super::ReqCtx,
    started: Instant,
    log: super::AccessLog,
}

impl<S: ClientIo> Reply<'_, S> {
    fn record(self, outcome: &Outcome, status: StatusCode) {
        record(outcome, status, self.ctx, self.started, self.log);
    }

    /// Send forward auth's 200, written straight into bytes (no response
    /// and header map to build and take apart again).
    async fn allow(self, allowed: gate::Allowed) -> Served {
        let close = (self.closing)();
        let mut out = buffer();
        allowed.write(&mut out, self.cfg, self.ctx, close);
        let sent = send(self.stream, &out).await;
        recycle(out);
        self.record(&allowed.outcome, StatusCode::OK);
        if sent.is_ok() && !close {
            Served::KeepAlive
        } else {
            Served::Close
        }
    }

    /// Send one of passgate's own answers (its body is in memory).
    async fn answer(self, (mut resp, outcome): Answered) -> Served {
        gate::stamp_answer(resp.headers_mut(), self.cfg, self.ctx);
        let status = resp.status();
        let close = (self.closing)();
        let (parts, body) = resp.into_parts();
        let body = collect(body).await;
        let mut out = buffer();
        http1::write_answer_head(&mut out, status, &parts.headers, body.len(), close);
        let no_body = self.head_only
            || status == StatusCode::NO_CONTENT
            || status == StatusCode::NOT_MODIFIED;
        if !no_body {
            out.extend_from_slice(&body);
        }
        let sent = send(self.stream, &out).await;
        recycle(out);
        self.record(&outcome, status);
        if sent.is_ok() && !close {
            Served::KeepAlive
        } else {
            Served::Close
        }
    }
}

/// The body of one of passgate's own answers (always in memory).
async fn collect(body: Body) -> Bytes {
    match body.collect().await {
        Ok(c) => c.to_bytes(),
        Err(e) => {
            tracing::error!(error = %e, "an answer's body could not be read");
            Bytes::new()
        }
    }
}

/// A connection with bytes already read from it in front, for hyper.
pub(super) struct Rewind<S> {
    pre: Bytes,
    io: S,
}

impl<S: AsyncRead + Unpin> AsyncRead for Rewind<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let me = self.get_mut();
        if !me.pre.is_empty() {
            let n = me.pre.len().min(buf.remaining());
            buf.put_slice(&me.pre[..n]);
            me.pre.advance(n);
            if me.pre.is_empty() {
                // Let the storage go.
                me.pre = Bytes::new();
            }
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut me.io).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Rewind<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests;
