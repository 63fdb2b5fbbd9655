//! HTTP/1.1 on the wire: the one codec that passgate's own serving loop
//! (`server/h1.rs`) and upstream relay (`proxy/h1.rs`) share, and the
//! hop-by-hop rules the hyper path applies to header maps.
//!
//! Owns: `Connection` parsing and the hop-by-hop list (and which fields a
//! `Connection` option may never remove); `Content-Length` parsing; what a
//! request head's fields say about its framing (what the loop serves and
//! what it leaves to hyper); an answer head's framing (RFC 9112 §6.3) and
//! its rewriting for the client; the strict chunked decoder; writing
//! request heads, answer heads and chunks.
//!
//! Does not own which fields passgate adds or removes for security
//! (`hygiene.rs`, which hands its answer-field rule in as a function),
//! sockets, or buffers' lifetimes.
//!
//! Framing is never taken from what survived a cleanup: a request's
//! `Content-Length` is written here from the body actually sent
//! ([`write_request`]), an answer's from the framing actually relayed.

use std::cell::RefCell;

use bytes::{Buf, BufMut, BytesMut};
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::{Method, StatusCode};

/// Most header fields in a head (as hyper).
pub const MAX_HEADERS: usize = 100;
/// Longest chunk-size line (with extensions), and trailer section.
const MAX_CHUNK_LINE: usize = 4096;
const MAX_TRAILERS: usize = 16 * 1024;

/// The hop-by-hop fields (besides those `Connection` names): the one list
/// for header maps and for names read as text. `HTTP2-Settings` belongs to
/// an `h2c` upgrade, which is never forwarded.
pub static HOP_BY_HOP: [HeaderName; 10] = [
    header::CONNECTION,
    HeaderName::from_static("keep-alive"),
    HeaderName::from_static("proxy-connection"),
    header::PROXY_AUTHENTICATE,
    header::PROXY_AUTHORIZATION,
    header::TE,
    header::TRAILER,
    header::TRANSFER_ENCODING,
    header::UPGRADE,
    HeaderName::from_static("http2-settings"),
];

/// Is `n` one of [`HOP_BY_HOP`]? Spelled out rather than searched for:
/// comparisons with known names fold into a few instructions, and this
/// runs for every field of every request (a test holds it to the list).
pub fn is_hop_by_hop(n: &HeaderName) -> bool {
    n == header::CONNECTION
        || n == header::PROXY_AUTHENTICATE
        || n == header::PROXY_AUTHORIZATION
        || n == header::TE
        || n == header::TRAILER
        || n == header::TRANSFER_ENCODING
        || n == header::UPGRADE
        || n == "keep-alive"
        || n == "proxy-connection"
        || n == "http2-settings"
}

/// Is `name` (as received, any case) one of [`HOP_BY_HOP`]? By length
/// first: every field of every answer passes here (a test holds it to the
/// list).
pub fn is_hop_by_hop_name(name: &[u8]) -> bool {
    let candidates: &[&[u8]] = match name.len() {
        2 => &[b"te"],
        7 => &[b"trailer", b"upgrade"],
        10 => &[b"connection", b"keep-alive"],
        14 => &[b"http2-settings"],
        16 => &[b"proxy-connection"],
        17 => &[b"transfer-encoding"],
        18 => &[b"proxy-authenticate"],
        19 => &[b"proxy-authorization"],
        _ => return false,
    };
    candidates.iter().any(|c| name.eq_ignore_ascii_case(c))
}

/// May a `Connection` option remove the field `name` (any case)? Never
/// the framing (which passgate states itself from what it sends) nor
/// `Host` (which names the target, not a hop).
pub fn may_be_connection_option(name: &[u8]) -> bool {
    !(name.eq_ignore_ascii_case(b"content-length")
        || name.eq_ignore_ascii_case(b"transfer-encoding")
        || name.eq_ignore_ascii_case(b"host"))
}

/// The comma-separated tokens of a field value (`Connection`,
/// `Transfer-Encoding`), trimmed, empty ones skipped: the one reading of
/// such lists.
pub fn tokens(v: &[u8]) -> impl Iterator<Item = &[u8]> {
    v.split(|b| *b == b',')
        .map(|t| t.trim_ascii())
        .filter(|t| !t.is_empty())
}

/// Every token of every `Connection` field of `h`.
pub fn connection_options(h: &HeaderMap) -> impl Iterator<Item = &[u8]> {
    h.get_all(header::CONNECTION)
        .iter()
        .flat_map(|v| tokens(v.as_bytes()))
}

/// Does the message ask for a protocol upgrade (an `Upgrade` field, and
/// `upgrade` among the `Connection` options)?
pub fn wants_upgrade(h: &HeaderMap) -> bool {
    h.contains_key(header::UPGRADE)
        && connection_options(h).any(|t| t.eq_ignore_ascii_case(b"upgrade"))
}

/// Remove the hop-by-hop fields, and those `Connection` names (except the
/// ones [`may_be_connection_option`] protects).
pub fn remove_hop_by_hop(h: &mut HeaderMap) {
    // Most messages have none: one pass over the names to find out.
    if !h.keys().any(is_hop_by_hop) {
        return;
    }
    let named: Vec<HeaderName> = connection_options(h)
        .filter(|t| may_be_connection_option(t))
        .filter_map(|t| HeaderName::from_bytes(t).ok())
        .collect();
    for n in named.iter().chain(&HOP_BY_HOP) {
        h.remove(n);
    }
}

/// A `Content-Length` value: digits only (no sign, no spaces inside, no
/// list).
pub fn parse_length(v: &[u8]) -> Option<u64> {
    let v = v.trim_ascii();
    if v.is_empty() || v.len() > 19 || !v.iter().all(u8::is_ascii_digit) {
        return None;
    }
    v.iter().try_fold(0u64, |n, d| {
        n.checked_mul(10)?.checked_add(u64::from(d - b'0'))
    })
}

/// What a request head's fields say about its framing and its connection,
/// gathered field by field as passgate's loop reads them. A request the
/// loop does not serve is named by the reason it goes to hyper.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct RequestFraming {
    /// The body's length (0 when there is none).
    pub body_len: u64,
    has_length: bool,
    /// The client asked to close after this answer.
    pub close: bool,
}

impl RequestFraming {
    /// Look at one field of the head; `Err(reason)`: the request is for
    /// hyper (chunked or other codings, `Expect`, an upgrade, or a length
    /// that is repeated or not plain digits, which hyper refuses).
    pub fn field(&mut self, name: &[u8], value: &[u8]) -> Result<(), &'static str> {
        let is = |target: &[u8]| name.eq_ignore_ascii_case(target);
        if is(b"content-length") {
            match (self.has_length, parse_length(value)) {
                (false, Some(n)) => self.body_len = n,
                _ => return Err("a bad Content-Length"),
            }
            self.has_length = true;
        } else if is(b"connection") {
            for t in tokens(value) {
                if t.eq_ignore_ascii_case(b"close") {
                    self.close = true;
                } else if t.eq_ignore_ascii_case(b"upgrade") {
                    return Err("an upgrade");
                }
            }
        } else if is(b"transfer-encoding") {
            return Err("a request body in chunks");
        } else if is(b"expect") {
            return Err("Expect");
        } else if is(b"upgrade") {
            return Err("an upgrade");
        }
        Ok(())
    }
}

/// Does a request with this method and a body of `len` bytes state its
/// length? Always when there is a body; without one only for the methods
/// that are defined to carry one (as clients send them), so an upstream
/// never waits for a body that is not coming.
pub fn states_length(method: &Method, len: u64) -> bool {
    len > 0 || *method == Method::POST || *method == Method::PUT || *method == Method::PATCH
}

/// Write a request in origin form: the request line, `headers` as they are
/// except any framing or `Connection` field (passgate states the framing
/// itself, from `body`, which is sent whole), then the body.
pub fn write_request(
    out: &mut BytesMut,
    method: &Method,
    target: &str,
    headers: &HeaderMap,
    body: &[u8],
) {
    out.extend_from_slice(method.as_str().as_bytes());
    out.put_u8(b' ');
    out.extend_from_slice(target.as_bytes());
    out.extend_from_slice(b" HTTP/1.1\r\n");
    put_fields_but_framing(out, headers);
    if states_length(method, body.len() as u64) {
        put_length(out, body.len() as u64);
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body);
}

/// Write `headers` except the framing and `Connection`, which the writer
/// states itself from what it sends.
fn put_fields_but_framing(out: &mut BytesMut, headers: &HeaderMap) {
    for (name, value) in headers {
        if name == header::CONTENT_LENGTH
            || name == header::TRANSFER_ENCODING
            || name == header::CONNECTION
        {
            continue;
        }
        put_field(out, name.as_str().as_bytes(), value.as_bytes());
    }
}

#[inline]
pub fn put_field(out: &mut BytesMut, name: &[u8], value: &[u8]) {
    out.extend_from_slice(name);
    out.extend_from_slice(b": ");
    out.extend_from_slice(value);
    out.extend_from_slice(b"\r\n");
}

/// How an answer's body is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// No body (HEAD, 1xx, 204, 304).
    Empty,
    Length(u64),
    Chunked,
    /// Until the upstream closes.
    Close,
}

/// An answer head, parsed and rewritten for the client.
#[derive(Debug)]
pub struct AnswerHead {
    /// Bytes of the head in the upstream's buffer.
    pub len: usize,
    pub status: StatusCode,
    pub framing: Framing,
    /// The upstream connection may carry another request afterwards.
    pub reusable: bool,
}

/// How an answer head is rewritten for the client.
pub struct Rewrite<'a> {
    /// The request was HEAD: the answer has no body whatever it says.
    pub head_request: bool,
    /// Set on the answer (the upstream's own is dropped).
    pub request_id: &'a HeaderValue,
    /// The client connection closes after this answer.
    pub close: bool,
    /// Further fields (name, value) the client must not get.
    pub drop: fn(&[u8], &[u8]) -> bool,
    /// `Strict-Transport-Security` to add when the answer has none.
    pub hsts: Option<&'a HeaderValue>,
}

/// Parse an answer head from `buf`; `None` while incomplete. A complete
/// head (other than an interim 1xx) is written into `out` as the client
/// gets it: hop-by-hop fields and those `Connection` names out, the
/// framing re-stated for what is relayed, the request id, a `Date`.
pub fn rewrite_answer_head(
    buf: &[u8],
    how: &Rewrite<'_>,
    out: &mut BytesMut,
) -> Result<Option<AnswerHead>, &'static str> {
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
        return Ok(Some(AnswerHead {
            len,
            status,
            framing: Framing::Empty,
            reusable: false,
        }));
    }
    // First look: framing, Connection and Date.
    let (mut length, mut te, mut te_chunked) = (None, false, false);
    let (mut close, mut keep_alive, mut has_date) = (false, false, false);
    let (mut named, mut has_sts) = (false, false);
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
        } else if name.eq_ignore_ascii_case(b"strict-transport-security") {
            has_sts = true;
        }
    }
    let framing = if how.head_request || code == 204 || code == 304 {
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
        if is_hop_by_hop_name(name)
            || name.eq_ignore_ascii_case(b"content-length")
            || name.eq_ignore_ascii_case(b"x-request-id")
            || connection_names
                .iter()
                .any(|n| name.eq_ignore_ascii_case(n))
            || (how.drop)(name, h.value)
        {
            continue;
        }
        put_field(out, name, h.value);
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
    put_field(out, b"x-request-id", how.request_id.as_bytes());
    if let Some(v) = how.hsts.filter(|_| !has_sts) {
        put_field(out, b"strict-transport-security", v.as_bytes());
    }
    end_answer_head(out, has_date, how.close);
    Ok(Some(AnswerHead {
        len,
        status,
        framing,
        reusable,
    }))
}

/// The head of one of passgate's own answers (its body is in memory).
pub fn write_answer_head(
    out: &mut BytesMut,
    status: StatusCode,
    headers: &HeaderMap,
    body_len: usize,
    close: bool,
) {
    put_status_line(out, status, None);
    put_fields_but_framing(out, headers);
    if status != StatusCode::NO_CONTENT && status != StatusCode::NOT_MODIFIED {
        put_length(out, body_len as u64);
    }
    end_answer_head(out, headers.contains_key(header::DATE), close);
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
        put_field(out, b"date", date().as_bytes());
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

thread_local! {
    /// The `Date` value of the current second.
    static DATE: RefCell<(u64, HeaderValue)> = const { RefCell::new((0, HeaderValue::from_static(""))) };
}

/// The `Date` field value for now (formatted once a second per thread).
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

/// Append `data` as one chunk (nothing for no data: an empty chunk would
/// end the body).
pub fn put_chunk(out: &mut BytesMut, data: &[u8]) {
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
pub struct Chunked {
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
    pub fn decode(
        &mut self,
        input: &mut BytesMut,
        out: &mut BytesMut,
    ) -> Result<bool, &'static str> {
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
                    // After the size: nothing, or (after optional spaces
                    // and tabs) extensions, which are dropped.
                    let blanks = line[digits..]
                        .iter()
                        .take_while(|b| **b == b' ' || **b == b'\t')
                        .count();
                    let rest = &line[digits + blanks..];
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
