#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::{TlsConn, accept};

struct Certs {
    cert: CertificateDer<'static>,
    key: PrivateKeyDer<'static>,
}

fn certs() -> Certs {
    let c = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    Certs {
        cert: c.cert.der().clone(),
        key: PrivatePkcs8KeyDer::from(c.signing_key.serialize_der()).into(),
    }
}

fn server_config(c: &Certs) -> Arc<rustls::ServerConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![c.cert.clone()], c.key.clone_key())
        .unwrap();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Arc::new(config)
}

fn client_config(
    c: &Certs,
    version: &'static rustls::SupportedProtocolVersion,
    alpn: &[u8],
) -> Arc<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(c.cert.clone()).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[version])
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![alpn.to_vec()];
    Arc::new(config)
}

/// A served connection and a rustls client of it.
async fn pair(
    version: &'static rustls::SupportedProtocolVersion,
    alpn: &[u8],
) -> (TlsConn, tokio_rustls::client::TlsStream<TcpStream>) {
    let c = certs();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let config = server_config(&c);
    let server = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        accept(tcp, config).await.unwrap()
    });
    let connector = tokio_rustls::TlsConnector::from(client_config(&c, version, alpn));
    let tcp = TcpStream::connect(addr).await.unwrap();
    let name = ServerName::try_from("localhost").unwrap();
    let client = connector.connect(name, tcp).await.unwrap();
    (server.await.unwrap(), client)
}

/// Echo what comes until the end, reading into a buffer of `chunk` bytes.
async fn echo(mut s: TlsConn, chunk: usize) -> TlsConn {
    let mut buf = vec![0u8; chunk];
    loop {
        let n = s.read(&mut buf).await.unwrap();
        if n == 0 {
            s.shutdown().await.unwrap();
            return s;
        }
        s.write_all(&buf[..n]).await.unwrap();
        s.flush().await.unwrap();
    }
}

fn pattern(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

#[tokio::test]
async fn bytes_come_back_whole_in_any_sizes_on_both_versions() {
    for version in [&rustls::version::TLS13, &rustls::version::TLS12] {
        // Read buffers smaller and larger than a record: what does not fit
        // waits for the next read.
        for chunk in [7, 1000, 70_000] {
            let (server, client) = pair(version, b"http/1.1").await;
            let echoed = tokio::spawn(echo(server, chunk));
            let (mut rd, mut wr) = tokio::io::split(client);
            let sizes = [1usize, 100, 16_384, 16_385, 100_000, 1_000_000];
            let sent: Vec<u8> = sizes
                .iter()
                .enumerate()
                .flat_map(|(i, n)| pattern(*n, i as u64 + 1))
                .collect();
            let to_send = sent.clone();
            let writer = tokio::spawn(async move {
                let mut at = 0;
                for n in sizes {
                    wr.write_all(&to_send[at..at + n]).await.unwrap();
                    wr.flush().await.unwrap();
                    at += n;
                }
                wr.shutdown().await.unwrap();
            });
            let mut got = Vec::new();
            rd.read_to_end(&mut got).await.unwrap();
            writer.await.unwrap();
            assert_eq!(got.len(), sent.len(), "{version:?} chunk {chunk}");
            assert!(got == sent, "{version:?} chunk {chunk}: bytes differ");
            let server = echoed.await.unwrap();
            assert!(server.peer_closed);
        }
    }
}

#[tokio::test]
async fn alpn_is_what_the_client_chose() {
    let (server, _client) = pair(&rustls::version::TLS13, b"h2").await;
    assert_eq!(server.alpn_protocol(), Some(&b"h2"[..]));
    let (server, _client) = pair(&rustls::version::TLS12, b"http/1.1").await;
    assert_eq!(server.alpn_protocol(), Some(&b"http/1.1"[..]));
}

#[tokio::test]
async fn an_idle_connection_holds_no_buffers() {
    let (mut server, mut client) = pair(&rustls::version::TLS13, b"http/1.1").await;
    let idle = |s: &TlsConn| (s.inbuf.capacity(), s.plain.capacity(), s.out.capacity());
    assert_eq!(idle(&server), (0, 0, 0), "after the handshake");
    for round in 0..3 {
        client.write_all(&pattern(5000, round)).await.unwrap();
        client.flush().await.unwrap();
        let mut got = vec![0u8; 5000];
        server.read_exact(&mut got).await.unwrap();
        assert_eq!(got, pattern(5000, round));
        server.write_all(b"answer").await.unwrap();
        server.flush().await.unwrap();
        let mut answer = [0u8; 6];
        client.read_exact(&mut answer).await.unwrap();
        assert_eq!(idle(&server), (0, 0, 0), "after round {round}");
    }
}

#[tokio::test]
async fn a_key_update_from_the_client_is_taken_and_answered() {
    let (server, mut client) = pair(&rustls::version::TLS13, b"http/1.1").await;
    let echoed = tokio::spawn(echo(server, 4096));
    for round in 0..5u64 {
        client.get_mut().1.refresh_traffic_keys().unwrap();
        let msg = pattern(3000, round);
        client.write_all(&msg).await.unwrap();
        client.flush().await.unwrap();
        let mut got = vec![0u8; msg.len()];
        client.read_exact(&mut got).await.unwrap();
        assert_eq!(got, msg, "round {round}");
    }
    client.shutdown().await.unwrap();
    let mut rest = Vec::new();
    client.read_to_end(&mut rest).await.unwrap();
    assert!(rest.is_empty());
    echoed.await.unwrap();
}

/// The client's raw socket, after a handshake done by a rustls client in
/// memory: what it sends is written as it is, in whatever pieces.
struct RawClient {
    tcp: TcpStream,
    tls: rustls::ClientConnection,
    /// Plaintext received.
    got: Vec<u8>,
}

impl RawClient {
    async fn connect(addr: std::net::SocketAddr, config: Arc<rustls::ClientConfig>) -> RawClient {
        let name = ServerName::try_from("localhost").unwrap();
        let tls = rustls::ClientConnection::new(config, name).unwrap();
        let mut c = RawClient {
            tcp: TcpStream::connect(addr).await.unwrap(),
            tls,
            got: Vec::new(),
        };
        while c.tls.is_handshaking() {
            c.send_pending(usize::MAX).await;
            if c.tls.is_handshaking() {
                c.receive().await;
            }
        }
        c.send_pending(usize::MAX).await;
        c
    }

    /// Send what rustls queued, in pieces of `piece` bytes.
    async fn send_pending(&mut self, piece: usize) {
        let mut wire = Vec::new();
        while self.tls.wants_write() {
            self.tls.write_tls(&mut wire).unwrap();
        }
        for part in wire.chunks(piece.max(1)) {
            self.tcp.write_all(part).await.unwrap();
            self.tcp.flush().await.unwrap();
            if piece < 64 {
                tokio::task::yield_now().await;
            }
        }
    }

    async fn receive(&mut self) -> usize {
        let mut buf = vec![0u8; 32 * 1024];
        let n = self.tcp.read(&mut buf).await.unwrap();
        // rustls takes at most 4 KB at a time.
        let mut rd = &buf[..n];
        while !rd.is_empty() {
            self.tls.read_tls(&mut rd).unwrap();
            self.tls.process_new_packets().unwrap();
            let mut plain = vec![0u8; 64 * 1024];
            loop {
                match std::io::Read::read(&mut self.tls.reader(), &mut plain) {
                    Ok(0) => break,
                    Ok(n) => self.got.extend_from_slice(&plain[..n]),
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                    Err(e) => panic!("{e}"),
                }
            }
        }
        n
    }
}

async fn served(
    config: Arc<rustls::ServerConfig>,
) -> (
    std::net::SocketAddr,
    tokio::task::JoinHandle<std::io::Result<TlsConn>>,
) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        accept(tcp, config).await
    });
    (addr, task)
}

/// A served connection and a raw TLS 1.3 client of it.
async fn raw_pair(c: &Certs) -> (RawClient, TlsConn) {
    let (addr, server) = served(server_config(c)).await;
    let client =
        RawClient::connect(addr, client_config(c, &rustls::version::TLS13, b"http/1.1")).await;
    (client, server.await.unwrap().unwrap())
}

#[tokio::test]
async fn records_split_at_any_byte_and_packed_together_read_alike() {
    let c = certs();
    for (i, piece) in [1usize, 2, 3, 5, 17, 4096, 100_000].into_iter().enumerate() {
        let (addr, server) = served(server_config(&c)).await;
        let mut client = RawClient::connect(
            addr,
            client_config(&c, &rustls::version::TLS13, b"http/1.1"),
        )
        .await;
        let server = server.await.unwrap().unwrap();
        let echoed = tokio::spawn(echo(server, 1500));
        // Many small records and a few large ones, sent as one stream cut
        // into pieces of `piece` bytes.
        let mut sent = Vec::new();
        for (j, n) in [3usize, 1, 40, 16_384, 2, 20_000, 9]
            .into_iter()
            .enumerate()
        {
            let msg = pattern(n, (i * 10 + j) as u64 + 1);
            std::io::Write::write_all(&mut client.tls.writer(), &msg).unwrap();
            sent.extend(msg);
        }
        client.send_pending(piece).await;
        while client.got.len() < sent.len() {
            let n = client.receive().await;
            assert!(n > 0, "piece {piece}: the end came early");
        }
        assert!(client.got == sent, "piece {piece}: bytes differ");
        client.tls.send_close_notify();
        client.send_pending(piece).await;
        echoed.await.unwrap();
    }
}

#[tokio::test]
async fn the_end_mid_record_is_an_error_and_at_a_boundary_is_the_end() {
    let c = certs();
    let (mut client, mut server) = raw_pair(&c).await;
    std::io::Write::write_all(&mut client.tls.writer(), b"hello").unwrap();
    let mut wire = Vec::new();
    client.tls.write_tls(&mut wire).unwrap();
    // All but the last byte of the record, then the end of the stream.
    client.tcp.write_all(&wire[..wire.len() - 1]).await.unwrap();
    client.tcp.shutdown().await.unwrap();
    let mut buf = [0u8; 64];
    let e = server.read(&mut buf).await.unwrap_err();
    assert_eq!(e.kind(), std::io::ErrorKind::UnexpectedEof);

    // A whole record then the end of the stream (no close_notify): the
    // data, then the end.
    let (mut client, mut server) = raw_pair(&c).await;
    std::io::Write::write_all(&mut client.tls.writer(), b"hello").unwrap();
    client.send_pending(usize::MAX).await;
    client.tcp.shutdown().await.unwrap();
    let mut got = Vec::new();
    server.read_to_end(&mut got).await.unwrap();
    assert_eq!(got, b"hello");
}

#[tokio::test]
async fn garbage_gets_an_alert_and_the_end() {
    let c = certs();
    // Not TLS at all, and a ClientHello of a bad version.
    for bytes in [
        &b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"[..],
        &[0x16, 0x03, 0x01, 0x00, 0x05, 0x01, 0x00, 0x00, 0x01, 0x00][..],
    ] {
        let (addr, server) = served(server_config(&c)).await;
        let mut tcp = TcpStream::connect(addr).await.unwrap();
        tcp.write_all(bytes).await.unwrap();
        let mut answer = Vec::new();
        tokio::time::timeout(Duration::from_secs(5), tcp.read_to_end(&mut answer))
            .await
            .expect("the server closes")
            .unwrap();
        assert_eq!(answer.first(), Some(&0x15), "an alert record: {answer:?}");
        assert!(server.await.unwrap().is_err());
    }
}

#[tokio::test]
async fn an_alert_after_the_handshake_ends_reading_with_an_error() {
    let c = certs();
    let (mut client, mut server) = raw_pair(&c).await;
    // A record that does not decrypt: its bytes flipped on the wire.
    std::io::Write::write_all(&mut client.tls.writer(), b"hello").unwrap();
    let mut wire = Vec::new();
    client.tls.write_tls(&mut wire).unwrap();
    let last = wire.len() - 1;
    wire[last] ^= 0xff;
    client.tcp.write_all(&wire).await.unwrap();
    let mut buf = [0u8; 64];
    let e = server.read(&mut buf).await.unwrap_err();
    assert_eq!(e.kind(), std::io::ErrorKind::InvalidData);
    // The client is told (bad_record_mac), and nothing more is taken.
    assert!(server.write_all(b"more").await.is_err());
    drop(server);
    let mut answer = Vec::new();
    client.tcp.read_to_end(&mut answer).await.unwrap();
    let mut rd = &answer[..];
    let e = loop {
        assert!(!rd.is_empty(), "the client is told");
        client.tls.read_tls(&mut rd).unwrap();
        if let Err(e) = client.tls.process_new_packets() {
            break e;
        }
    };
    assert!(
        matches!(
            e,
            rustls::Error::AlertReceived(rustls::AlertDescription::BadRecordMac)
        ),
        "{e:?}"
    );
}
