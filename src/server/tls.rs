//! TLS for client connections, on rustls' unbuffered API: the connection
//! holds ciphertext and plaintext only while it has some, so an idle
//! keep-alive connection keeps rustls' state and keys and no buffer (the
//! buffered API keeps a 4 KB record buffer for the life of a connection).
//!
//! rustls does all of TLS: records, handshake, alerts, key updates and
//! tickets. This module only moves bytes: from the socket into `inbuf`
//! for rustls, what rustls decrypts out to the reader, what rustls
//! encodes or encrypts into `out` and from there to the socket, in order.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use rustls::ServerConfig;
use rustls::server::UnbufferedServerConnection;
use rustls::unbuffered::{ConnectionState, EncodeError, EncryptError};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;

/// The largest record on the wire (TLS 1.2: 2^14 bytes of plaintext plus
/// 2048 of expansion, and the 5-byte header).
const MAX_RECORD: usize = 16_384 + 2_048 + 5;

/// Most ciphertext held unprocessed during the handshake: a handshake
/// message may span records up to 64 KB (rustls' own limit for its
/// buffered API), plus a record.
const MAX_IN_HANDSHAKE: usize = 0xffff + MAX_RECORD;

/// After it: application data is taken a record at a time, and what a
/// client may send of the handshake then (a key update) fits in one, so a
/// partial record and a read's worth. A handshake message spread over
/// more would otherwise be held as long as the connection lives.
const MAX_IN: usize = 2 * MAX_RECORD;

/// Room made for reading from the socket once less than `MIN_ROOM` is
/// left: a whole record.
const READ_ROOM: usize = MAX_RECORD;
const MIN_ROOM: usize = 4096;

/// Ciphertext queued to send before a write waits for the socket.
const HIGH_WATER: usize = 64 * 1024;

/// Most plaintext taken by one write (the rest is the caller's to retry).
const MAX_WRITE: usize = 64 * 1024;

/// A TLS connection of a client, once its handshake is done.
pub(crate) struct TlsConn {
    tcp: TcpStream,
    tls: UnbufferedServerConnection,
    /// Ciphertext read and not yet processed by rustls.
    inbuf: Vec<u8>,
    /// Plaintext decrypted and not yet read: `plain[plain_at..]`.
    plain: Vec<u8>,
    plain_at: usize,
    /// Ciphertext to send: `out[sent..]`.
    out: Vec<u8>,
    sent: usize,
    /// The client's close_notify has come: reads see the end.
    peer_closed: bool,
    close_queued: bool,
    /// A TLS error ended the connection (its alert is queued in `out`).
    failed: bool,
}

/// What the connection waits for, once rustls has done what it can.
enum Turn {
    /// Plaintext is in `plain`.
    Plain,
    /// The data was encrypted into `out`.
    Wrote,
    /// rustls needs more bytes from the client.
    NeedData,
    /// Closed both ways: nothing more can be sent.
    Closed,
}

/// What a turn is for.
#[derive(Clone, Copy)]
enum Want<'a> {
    /// Handshake messages (and whatever rustls has to send).
    Progress,
    Read,
    Write(&'a [u8]),
    CloseNotify,
}

/// Complete the handshake of a client connection. What rustls has to say
/// (its flight, tickets, an alert) is sent before this returns.
pub(crate) async fn accept(tcp: TcpStream, config: Arc<ServerConfig>) -> io::Result<TlsConn> {
    let tls = UnbufferedServerConnection::new(config).map_err(tls_error)?;
    let mut c = TlsConn {
        tcp,
        tls,
        inbuf: Vec::new(),
        plain: Vec::new(),
        plain_at: 0,
        out: Vec::new(),
        sent: 0,
        peer_closed: false,
        close_queued: false,
        failed: false,
    };
    loop {
        let turned = c.turn(Want::Progress, None);
        // Whatever rustls queued goes out, its alert after a failure too.
        c.send_all().await?;
        let turn = turned?;
        if !c.tls.is_handshaking() {
            if c.inbuf.is_empty() {
                c.inbuf = Vec::new();
            }
            return Ok(c);
        }
        match turn {
            Turn::NeedData => {}
            Turn::Closed => return Err(io::ErrorKind::UnexpectedEof.into()),
            // No plaintext comes before the client's Finished, which ends
            // the handshake.
            Turn::Plain | Turn::Wrote => return Err(io::Error::other("TLS: data mid-handshake")),
        }
        if c.peer_closed {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        if c.read_more().await? == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
    }
}

impl TlsConn {
    /// The protocol ALPN chose, if any.
    pub(crate) fn alpn_protocol(&self) -> Option<&[u8]> {
        self.tls.alpn_protocol()
    }

    /// Ready when a read may find bytes (a spurious wake-up at worst).
    pub(crate) fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.plain_at < self.plain.len()
            || !self.inbuf.is_empty()
            || self.peer_closed
            || self.failed
        {
            return Poll::Ready(Ok(()));
        }
        self.tcp.poll_read_ready(cx)
    }

    /// Let rustls process what `inbuf` holds until it waits for something.
    /// Plaintext goes into `dst` as far as it has room, the rest to `plain`.
    fn turn(&mut self, want: Want<'_>, mut dst: Option<&mut ReadBuf<'_>>) -> io::Result<Turn> {
        if self.failed {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "TLS connection failed",
            ));
        }
        let Self {
            tls,
            inbuf,
            plain,
            out,
            peer_closed,
            ..
        } = self;
        loop {
            let status = tls.process_tls_records(inbuf);
            let discard = status.discard;
            let turn = match status.state {
                Ok(ConnectionState::ReadTraffic(mut traffic)) => {
                    while let Some(record) = traffic.next_record() {
                        match record {
                            Ok(record) => {
                                let mut payload = record.payload;
                                if let Some(dst) = dst.as_deref_mut()
                                    && plain.is_empty()
                                {
                                    let n = dst.remaining().min(payload.len());
                                    dst.put_slice(&payload[..n]);
                                    payload = &payload[n..];
                                }
                                plain.extend_from_slice(payload);
                            }
                            Err(e) => {
                                drop(traffic);
                                return Err(self.fail(e));
                            }
                        }
                    }
                    if matches!(want, Want::Read | Want::Progress) {
                        Some(Turn::Plain)
                    } else {
                        None
                    }
                }
                Ok(ConnectionState::EncodeTlsData(mut data)) => {
                    append(out, 512, |o| data.encode(o), encode_room)?;
                    None
                }
                // Sent in order from `out`, after what is already there.
                Ok(ConnectionState::TransmitTlsData(data)) => {
                    data.done();
                    None
                }
                Ok(ConnectionState::WriteTraffic(mut traffic)) => match want {
                    Want::Write(data) => {
                        // A record's header, tag and padding take under
                        // 64 bytes.
                        let room = data.len() + 64 * (data.len() / 16_384 + 1);
                        append(out, room, |o| traffic.encrypt(data, o), encrypt_room)?;
                        Some(Turn::Wrote)
                    }
                    Want::CloseNotify => {
                        append(out, 64, |o| traffic.queue_close_notify(o), encrypt_room)?;
                        Some(Turn::Wrote)
                    }
                    Want::Progress | Want::Read => Some(Turn::NeedData),
                },
                Ok(ConnectionState::BlockedHandshake) => Some(Turn::NeedData),
                Ok(ConnectionState::PeerClosed) => {
                    *peer_closed = true;
                    None
                }
                Ok(ConnectionState::Closed) => {
                    *peer_closed = true;
                    Some(Turn::Closed)
                }
                // Early data is not enabled; rustls does not offer it.
                Ok(_) => {
                    return Err(
                        self.fail(rustls::Error::General("unexpected connection state".into()))
                    );
                }
                // `fail` lets go of the input, discard and all.
                Err(e) => return Err(self.fail(e)),
            };
            discard_front(inbuf, discard);
            if let Some(turn) = turn {
                return Ok(turn);
            }
            if *peer_closed && matches!(want, Want::Read) {
                return Ok(Turn::Closed);
            }
        }
    }

    /// After rustls reported `e`: queue the alert it has for the client
    /// (sent by the next flush or read), and refuse everything from now.
    fn fail(&mut self, e: rustls::Error) -> io::Error {
        self.failed = true;
        self.inbuf = Vec::new();
        // What rustls queued is taken before it would look at any input
        // again (which would make it fail a second time), so nothing is
        // passed in.
        while self.tls.wants_write() {
            let status = self.tls.process_tls_records(&mut []);
            match status.state {
                Ok(ConnectionState::EncodeTlsData(mut data)) => {
                    let appended = append(&mut self.out, 512, |o| data.encode(o), encode_room);
                    if appended.is_err() {
                        break;
                    }
                }
                // Plaintext that came before the failure: not for anyone.
                Ok(ConnectionState::ReadTraffic(mut traffic)) => {
                    while let Some(Ok(_)) = traffic.next_record() {}
                }
                _ => break,
            }
        }
        tls_error(e)
    }

    /// Read from the socket into `inbuf`: how many bytes came (0 at its end).
    async fn read_more(&mut self) -> io::Result<usize> {
        std::future::poll_fn(|cx| self.poll_read_more(cx)).await
    }

    fn poll_read_more(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let max = if self.tls.is_handshaking() {
            MAX_IN_HANDSHAKE
        } else {
            MAX_IN
        };
        if self.inbuf.len() >= max {
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "TLS: message too large",
            )));
        }
        if self.inbuf.capacity() - self.inbuf.len() < MIN_ROOM {
            self.inbuf.reserve_exact(READ_ROOM);
        }
        match tokio_util::io::poll_read_buf(Pin::new(&mut self.tcp), cx, &mut self.inbuf) {
            Poll::Pending => {
                // Nothing held while waiting.
                if self.inbuf.is_empty() {
                    self.inbuf = Vec::new();
                }
                Poll::Pending
            }
            ready => ready,
        }
    }

    /// Send what `out` holds, as far as the socket takes it now.
    fn poll_send(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.sent < self.out.len() {
            let n = ready!(Pin::new(&mut self.tcp).poll_write(cx, &self.out[self.sent..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.sent += n;
        }
        // All sent: nothing held while idle.
        self.out = Vec::new();
        self.sent = 0;
        Poll::Ready(Ok(()))
    }

    async fn send_all(&mut self) -> io::Result<()> {
        std::future::poll_fn(|cx| self.poll_send(cx)).await?;
        self.tcp.flush().await
    }
}

/// Append to `out` what `f` writes, with `room` bytes made for it first,
/// or as many as `needed` says it asked for.
fn append<E: std::fmt::Display>(
    out: &mut Vec<u8>,
    room: usize,
    mut f: impl FnMut(&mut [u8]) -> Result<usize, E>,
    needed: impl Fn(&E) -> Option<usize>,
) -> io::Result<()> {
    let at = out.len();
    out.resize(at + room, 0);
    let written = match f(&mut out[at..]) {
        Err(e) => match needed(&e) {
            Some(n) => {
                out.resize(at + n, 0);
                f(&mut out[at..])
            }
            None => Err(e),
        },
        ok => ok,
    };
    match written {
        Ok(n) => {
            out.truncate(at + n);
            Ok(())
        }
        Err(e) => {
            out.truncate(at);
            Err(io::Error::other(format!("TLS: {e}")))
        }
    }
}

fn encode_room(e: &EncodeError) -> Option<usize> {
    match e {
        EncodeError::InsufficientSize(n) => Some(n.required_size),
        _ => None,
    }
}

fn encrypt_room(e: &EncryptError) -> Option<usize> {
    match e {
        EncryptError::InsufficientSize(n) => Some(n.required_size),
        _ => None,
    }
}

/// Remove what rustls is done with from the front of `inbuf`.
fn discard_front(inbuf: &mut Vec<u8>, discard: usize) {
    inbuf.drain(..discard.min(inbuf.len()));
}

fn tls_error(e: rustls::Error) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, e)
}

impl AsyncRead for TlsConn {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        loop {
            if this.plain_at < this.plain.len() {
                let n = buf.remaining().min(this.plain.len() - this.plain_at);
                buf.put_slice(&this.plain[this.plain_at..this.plain_at + n]);
                this.plain_at += n;
                if this.plain_at == this.plain.len() {
                    this.plain = Vec::new();
                    this.plain_at = 0;
                }
                return Poll::Ready(Ok(()));
            }
            if this.peer_closed {
                return Poll::Ready(Ok(()));
            }
            let before = buf.filled().len();
            match this.turn(Want::Read, Some(buf)) {
                Ok(Turn::Plain) if buf.filled().len() > before => {
                    // Nothing held between reads that does not need to be.
                    if this.inbuf.is_empty() {
                        this.inbuf = Vec::new();
                    }
                    return Poll::Ready(Ok(()));
                }
                Ok(Turn::Plain | Turn::Closed) => continue,
                Ok(Turn::NeedData | Turn::Wrote) => {}
                Err(e) => {
                    // The alert rustls has for this goes out if it can.
                    let _ = this.poll_send(cx);
                    return Poll::Ready(Err(e));
                }
            }
            // What rustls has to say meanwhile (a key update, an alert)
            // goes out now; a failure shows on the next write. A client
            // that makes rustls answer without reading the answers is
            // read from again only once they are taken.
            if this.sent < this.out.len() {
                let sent = this.poll_send(cx);
                if this.out.len() - this.sent >= HIGH_WATER {
                    ready!(sent)?;
                }
            }
            if ready!(this.poll_read_more(cx))? == 0 {
                // The end without a close_notify: a truncation, unless
                // nothing was under way.
                if this.inbuf.is_empty() {
                    this.peer_closed = true;
                    return Poll::Ready(Ok(()));
                }
                return Poll::Ready(Err(io::ErrorKind::UnexpectedEof.into()));
            }
        }
    }
}

impl AsyncWrite for TlsConn {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.out.len() - this.sent >= HIGH_WATER {
            ready!(this.poll_send(cx))?;
        }
        let n = data.len().min(MAX_WRITE);
        match this.turn(Want::Write(&data[..n]), None)? {
            Turn::Wrote => Poll::Ready(Ok(n)),
            Turn::Closed => Poll::Ready(Err(io::ErrorKind::BrokenPipe.into())),
            Turn::NeedData | Turn::Plain => Poll::Ready(Err(io::Error::other(
                "TLS: cannot send application data now",
            ))),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_send(cx))?;
        Pin::new(&mut this.tcp).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if !this.close_queued && !this.failed {
            this.close_queued = true;
            // Closed both ways already: nothing to say.
            let _ = this.turn(Want::CloseNotify, None);
        }
        ready!(this.poll_send(cx))?;
        Pin::new(&mut this.tcp).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests;
