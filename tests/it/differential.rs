//! Differential test of the two serving paths: generated requests — framing
//! combinations, `Connection` options, encodings, spoofed and odd fields,
//! signed in or not, from a trusted proxy or not — are sent through
//! passgate's own HTTP/1.1 loop and through hyper (the same config with
//! `server.http1_loop = false`), and must get the same decision and put the
//! same request in front of the upstream: method, target, fields (ignoring
//! order and case; the framing is compared as the body it carries), body.
//! No request may reach an upstream that no case sent.
//!
//! The same runs over TLS (HTTP/1.1 chosen by ALPN), where both paths sit
//! behind passgate's TLS acceptor: `PASSGATE_DIFF_TLS_CASES` (default
//! 10,000) cases.
//!
//! `PASSGATE_DIFF_CASES` (default 100,000) and `PASSGATE_DIFF_SEED`
//! (default: from the clock, printed) say how many and which; a failure
//! prints the seed and the case's bytes, to run again with
//! `PASSGATE_DIFF_SEED=<seed>`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::result_large_err
)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::common::gateway::{Gateway, Setup};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

/// What an upstream saw of one request, normalised for comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Seen {
    method: String,
    target: String,
    /// Lower-case names, values as sent, sorted; framing fields left out
    /// and passgate's per-request values (request id, assertion) reduced
    /// to their presence.
    fields: Vec<(String, String)>,
    body: Vec<u8>,
}

/// A recording upstream: what each case put in front of it.
struct Recorder {
    addr: SocketAddr,
    seen: Arc<Mutex<HashMap<u64, Vec<Seen>>>>,
    /// Requests that carried no case id a test sent: smuggled.
    orphans: Arc<Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Recorder {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Recorder {
    async fn start() -> Recorder {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let seen: Arc<Mutex<HashMap<u64, Vec<Seen>>>> = Arc::default();
        let orphans: Arc<Mutex<Vec<String>>> = Arc::default();
        let (s, o) = (seen.clone(), orphans.clone());
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                tokio::spawn(record(stream, s.clone(), o.clone()));
            }
        });
        Recorder {
            addr,
            seen,
            orphans,
            task,
        }
    }

    fn take(&self, case: u64) -> Vec<Seen> {
        self.seen.lock().unwrap().remove(&case).unwrap_or_default()
    }
}

/// Serve one upstream connection: read requests (by their framing), note
/// them, answer 200.
async fn record(
    mut s: TcpStream,
    seen: Arc<Mutex<HashMap<u64, Vec<Seen>>>>,
    orphans: Arc<Mutex<Vec<String>>>,
) {
    let mut buf: Vec<u8> = Vec::new();
    loop {
        let (head_len, req) = loop {
            let mut fields = [httparse::EMPTY_HEADER; 128];
            let mut r = httparse::Request::new(&mut fields);
            match r.parse(&buf) {
                Ok(httparse::Status::Complete(n)) => {
                    let method = r.method.unwrap_or("").to_string();
                    let target = r.path.unwrap_or("").to_string();
                    let fields: Vec<(String, Vec<u8>)> = r
                        .headers
                        .iter()
                        .map(|h| (h.name.to_ascii_lowercase(), h.value.to_vec()))
                        .collect();
                    break (n, (method, target, fields));
                }
                Ok(httparse::Status::Partial) => {}
                Err(e) => {
                    orphans
                        .lock()
                        .unwrap()
                        .push(format!("unparseable request at the upstream: {e}"));
                    return;
                }
            }
            if fill(&mut s, &mut buf).await.is_none() {
                return;
            }
        };
        buf.drain(..head_len);
        let (method, target, raw_fields) = req;
        let get = |n: &str| {
            raw_fields
                .iter()
                .filter(|(k, _)| k == n)
                .map(|(_, v)| String::from_utf8_lossy(v).to_string())
                .collect::<Vec<_>>()
        };
        let mut body = Vec::new();
        if get("transfer-encoding")
            .iter()
            .any(|v| v.eq_ignore_ascii_case("chunked"))
        {
            loop {
                let nl = loop {
                    if let Some(i) = buf.windows(2).position(|w| w == b"\r\n") {
                        break i;
                    }
                    if fill(&mut s, &mut buf).await.is_none() {
                        return;
                    }
                };
                let size = std::str::from_utf8(&buf[..nl]).ok().and_then(|l| {
                    usize::from_str_radix(l.split(';').next().unwrap_or("").trim(), 16).ok()
                });
                let Some(size) = size else {
                    orphans
                        .lock()
                        .unwrap()
                        .push("a bad chunk at the upstream".into());
                    return;
                };
                buf.drain(..nl + 2);
                if size == 0 {
                    // Trailers until the blank line.
                    loop {
                        let nl = loop {
                            if let Some(i) = buf.windows(2).position(|w| w == b"\r\n") {
                                break i;
                            }
                            if fill(&mut s, &mut buf).await.is_none() {
                                return;
                            }
                        };
                        buf.drain(..nl + 2);
                        if nl == 0 {
                            break;
                        }
                    }
                    break;
                }
                while buf.len() < size + 2 {
                    if fill(&mut s, &mut buf).await.is_none() {
                        return;
                    }
                }
                body.extend(buf.drain(..size));
                buf.drain(..2);
            }
        } else if let Some(n) = get("content-length")
            .first()
            .and_then(|v| v.trim().parse::<usize>().ok())
        {
            while buf.len() < n {
                if fill(&mut s, &mut buf).await.is_none() {
                    return;
                }
            }
            body = buf.drain(..n).collect();
        }
        let case = get("x-case").first().and_then(|v| v.parse::<u64>().ok());
        let mut fields: Vec<(String, String)> = raw_fields
            .iter()
            .filter(|(k, _)| k != "content-length" && k != "transfer-encoding")
            .map(|(k, v)| {
                let v = if k == "x-request-id" || k == "x-passgate-assertion" {
                    "<present>".to_string()
                } else {
                    String::from_utf8_lossy(v).to_string()
                };
                (k.clone(), v)
            })
            .collect();
        fields.sort();
        let s_ = Seen {
            method,
            target,
            fields,
            body,
        };
        match case {
            Some(c) => seen.lock().unwrap().entry(c).or_default().push(s_),
            None => orphans
                .lock()
                .unwrap()
                .push(format!("a request without a case id: {s_:?}")),
        }
        if s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            .await
            .is_err()
        {
            return;
        }
    }
}

async fn fill<S: AsyncRead + Unpin>(s: &mut S, buf: &mut Vec<u8>) -> Option<()> {
    let mut chunk = [0u8; 16 * 1024];
    match s.read(&mut chunk).await {
        Ok(0) | Err(_) => None,
        Ok(n) => {
            buf.extend_from_slice(&chunk[..n]);
            Some(())
        }
    }
}

fn config(s: &Setup, up: &str, hyper: bool, tls: Option<&Tls>) -> String {
    s.config(
        &format!(
            "trusted_proxies = [\"127.0.0.1/32\"]\n{}\n{}",
            if hyper { "http1_loop = false" } else { "" },
            tls.map(|t| t.server_lines()).unwrap_or_default()
        ),
        &format!(
            r#"[log]
level = "warn"

[[route]]
host = "localhost"
path = "/pub"
upstream = "{up}"
policy = "public"

[[route]]
host = "localhost"
path = "/admin"
policy = "deny"

[[route]]
host = "localhost"
path = "/fa"

[[route]]
host = "localhost"
path = "/ci"
groups = ["ci"]
tokens = true
upstream = "{up}"

[[route]]
host = "other.test"
upstream = "{up}"
policy = "public"

[[route]]
host = "localhost"
upstream = "{up}"
"#
        ),
    )
    .replacen("[log]\nlevel = \"passgate=debug,info\"\n", "", 1)
}

/// Added to a case's id for the request pipelined after it.
const FOLLOW: u64 = 1 << 40;

/// One generated request (and sometimes a second, pipelined after it).
struct Case {
    bytes: Vec<u8>,
    head_request: bool,
    /// How many answers to read (2: a request follows on the connection).
    answers: usize,
    /// Sent from 127.0.0.2, which is not a trusted proxy.
    untrusted: bool,
}

fn pick<T: Copy>(rng: &mut StdRng, items: &[T]) -> T {
    items[rng.gen_range(0..items.len())]
}

fn maybe_case(rng: &mut StdRng, s: &str) -> String {
    match rng.gen_range(0..6) {
        0 => s.to_ascii_uppercase(),
        1 => s.to_ascii_lowercase(),
        2 => s
            .chars()
            .enumerate()
            .map(|(i, c)| {
                if i % 2 == 0 {
                    c.to_ascii_uppercase()
                } else {
                    c
                }
            })
            .collect(),
        _ => s.to_string(),
    }
}

const SEGMENTS: &[&str] = &[
    "pub",
    "pub",
    "ci",
    "secret",
    "admin",
    "fa",
    "x",
    "y",
    ".passgate",
    "login",
    "authz",
    "forward-auth",
    "auth-request",
    "health",
    "live",
    "..",
    ".",
    "%2e%2e",
    "%2E.",
    "%2F",
    "a%2Fb",
    "%5C",
    "a\\b",
    ";x=1",
    "a;b",
    "%3B",
    "%25",
    "%252e%252e",
    "%25%32%65",
    "ADMIN",
    "Pub",
    "%c0%ae",
    "%ff",
    "caf%C3%A9",
    "café",
    "%00",
    "%20",
    "",
    "%3F",
    "%23",
    "ａｄｍｉｎ",
    "~u",
    "%7e",
    "-",
    "a.b",
    "%2525252e",
];

fn target(rng: &mut StdRng, port: u16) -> String {
    match rng.gen_range(0..40) {
        0 => return "*".into(),
        1 => return format!("http://localhost:{port}/pub/abs"),
        2 => return "http://other.test/x".to_string(),
        _ => {}
    }
    let n = rng.gen_range(1..=4);
    let mut p = String::new();
    for _ in 0..n {
        p.push('/');
        p.push_str(pick(rng, SEGMENTS));
    }
    if rng.gen_bool(0.1) {
        p.push('/');
    }
    if rng.gen_bool(0.15) {
        p.push_str(pick(
            rng,
            &["?a=1", "?/../admin", "?x=%2F..", "?", "?a=b&c"],
        ));
    }
    if rng.gen_bool(0.02) {
        p.push_str("#frag");
    }
    p
}

const NAMES: &[&str] = &[
    "Remote-User",
    "remote_user",
    "REMOTE-EMAIL",
    "Remote-Groups",
    "X-Auth-Request-User",
    "X-Auth-Request-Preferred-Username",
    "X-Passgate-Assertion",
    "x_passgate_assertion",
    "X-Forwarded-For",
    "X_Forwarded_For",
    "X-Forwarded-Host",
    "X-Forwarded-Proto",
    "X-Forwarded-Port",
    "X-Forwarded-Prefix",
    "X-Forwarded-Uri",
    "X-Original-URL",
    "X_Original_URL",
    "X-Rewrite-URL",
    "X-Real-IP",
    "Forwarded",
    "X-Request-Id",
    "x_request_id",
    "Keep-Alive",
    "Proxy-Connection",
    "TE",
    "Trailer",
    "Upgrade",
    "HTTP2-Settings",
    "Proxy-Authorization",
    "Accept",
    "Accept",
    "X-Requested-With",
    "User-Agent",
    "X-Custom",
    "Content-Type",
    "Expect",
    "Cookie",
    "Authorization",
];

const CONNECTION_TOKENS: &[&str] = &[
    "close",
    "keep-alive",
    "upgrade",
    "content-length",
    "transfer-encoding",
    "host",
    "remote-user",
    "Remote_User",
    "x-forwarded-for",
    "x-request-id",
    "x-passgate-assertion",
    "cookie",
    "x-custom",
    "te",
    "HTTP2-Settings",
    "x-real-ip",
];

fn value_for(rng: &mut StdRng, name: &str) -> Vec<u8> {
    let lower = name.to_ascii_lowercase();
    let v: String = match lower.as_str() {
        "x-forwarded-for" | "x_forwarded_for" | "x-real-ip" => pick(
            rng,
            &[
                "6.6.6.6",
                "10.0.0.1, 6.6.6.6",
                "garbage",
                "",
                "[::1]:80",
                "6.6.6.6, unknown",
            ],
        )
        .to_string(),
        "x-forwarded-proto" => {
            pick(rng, &["https", "http", "HTTPS", "ftp", "", "https, http"]).to_string()
        }
        "x-forwarded-host" => pick(rng, &["evil.example", "localhost", "", "a b"]).to_string(),
        "upgrade" => pick(
            rng,
            &["websocket", "h2c", "WebSocket", "websocket, h2c", "foo"],
        )
        .to_string(),
        "expect" => pick(rng, &["100-continue", "something"]).to_string(),
        "accept" => pick(
            rng,
            &[
                "text/html",
                "text/html,application/xhtml+xml",
                "application/json",
                "*/*",
            ],
        )
        .to_string(),
        "x-requested-with" => pick(rng, &["XMLHttpRequest", "x"]).to_string(),
        "te" => pick(rng, &["trailers", "gzip"]).to_string(),
        "cookie" => pick(
            rng,
            &[
                "app=1",
                "app=1; passgate_csrf=x",
                "__Host-passgate-csrf=x; b=2",
                "passgate_email=e",
                "a=\"q; passgate_session=z\"",
                ";;",
            ],
        )
        .to_string(),
        "x-request-id" | "x_request_id" => {
            pick(rng, &["client-id", "abc.def_1", "", "x y"]).to_string()
        }
        _ => pick(
            rng,
            &[
                "admin",
                "1",
                "",
                " spaced ",
                "a,b",
                "\tx\t",
                "admin@example.com",
            ],
        )
        .to_string(),
    };
    let mut v = v.into_bytes();
    if rng.gen_bool(0.02) {
        v.extend_from_slice(b"\xe9\xff");
    }
    v
}

fn generate(rng: &mut StdRng, id: u64, port: u16, token: &str, service: &str) -> Case {
    let method = match rng.gen_range(0..100) {
        0..40 => "GET",
        40..65 => "POST",
        65..70 => "HEAD",
        70..74 => "PUT",
        74..77 => "DELETE",
        77..80 => "OPTIONS",
        80..84 => "PATCH",
        84..86 => "get",
        86..88 => "FOO",
        88..89 => "CONNECT",
        89..90 => "TRACE",
        _ => "GET",
    };
    let version = match rng.gen_range(0..100) {
        0..3 => "HTTP/1.0",
        3..4 => "HTTP/1.2",
        _ => "HTTP/1.1",
    };
    let eol: &[u8] = if rng.gen_bool(0.02) { b"\n" } else { b"\r\n" };
    let mut head: Vec<u8> = Vec::new();
    head.extend_from_slice(format!("{method} {} {version}", target(rng, port)).as_bytes());
    head.extend_from_slice(b"\r\n");
    let line = |name: &str, value: &[u8], head: &mut Vec<u8>| {
        head.extend_from_slice(name.as_bytes());
        head.extend_from_slice(b": ");
        head.extend_from_slice(value);
        head.extend_from_slice(eol);
    };
    match rng.gen_range(0..100) {
        0..80 => line("Host", format!("localhost:{port}").as_bytes(), &mut head),
        80..84 => line("Host", format!("LOCALHOST:{port}").as_bytes(), &mut head),
        84..87 => line("Host", format!("localhost.:{port}").as_bytes(), &mut head),
        87..90 => line("Host", b"other.test", &mut head),
        90..92 => {}
        92..94 => {
            line("Host", format!("localhost:{port}").as_bytes(), &mut head);
            line("Host", format!("localhost:{port}").as_bytes(), &mut head);
        }
        94..96 => line("Host", b"", &mut head),
        96..98 => line("Host", b"bad host", &mut head),
        _ => line("Host", b"localhost", &mut head),
    }
    line("X-Case", id.to_string().as_bytes(), &mut head);
    let mut cookies: Vec<String> = Vec::new();
    if rng.gen_bool(0.4) {
        cookies.push(format!("passgate_session={token}"));
    } else if rng.gen_bool(0.1) {
        cookies.push("passgate_session=garbage".into());
    }
    for _ in 0..rng.gen_range(0..7) {
        let name = pick(rng, NAMES);
        let name = maybe_case(rng, name);
        if name.eq_ignore_ascii_case("cookie") {
            cookies.push(String::from_utf8_lossy(&value_for(rng, &name)).to_string());
            continue;
        }
        let value = value_for(rng, &name);
        line(&name, &value, &mut head);
    }
    if rng.gen_bool(0.3) {
        let n = rng.gen_range(1..=4);
        let tokens: Vec<String> = (0..n)
            .map(|_| {
                let t = pick(rng, CONNECTION_TOKENS);
                maybe_case(rng, t)
            })
            .collect();
        let sep = if rng.gen_bool(0.5) { ", " } else { "," };
        line(
            maybe_case(rng, "Connection").as_str(),
            tokens.join(sep).as_bytes(),
            &mut head,
        );
    }
    if !cookies.is_empty() {
        line("Cookie", cookies.join("; ").as_bytes(), &mut head);
    }
    // A service token: valid, or malformed, or sent twice; never a
    // well-formed unknown one, which counts against the address's failures
    // and would make the answers depend on the order cases arrive in.
    match rng.gen_range(0..100) {
        0..8 => {
            let scheme = pick(rng, &["Bearer", "bearer", "BEARER"]);
            line(
                &maybe_case(rng, "Authorization"),
                format!("{scheme} {service}").as_bytes(),
                &mut head,
            );
        }
        8..14 => line(
            &maybe_case(rng, "X-Passgate-Token"),
            service.as_bytes(),
            &mut head,
        ),
        14..16 => line(
            "Authorization",
            format!("Bearer\t{service}").as_bytes(),
            &mut head,
        ),
        16 => {
            line("X-Passgate-Token", service.as_bytes(), &mut head);
            line(
                "Authorization",
                format!("Bearer {service}").as_bytes(),
                &mut head,
            );
        }
        17 => line("X_Passgate_Token", service.as_bytes(), &mut head),
        _ => {}
    }
    // The body and its framing, always complete.
    let body: Vec<u8> = match rng.gen_range(0..10) {
        0 => format!(
            "GET /secret/smuggled HTTP/1.1\r\nHost: localhost:{port}\r\nRemote-User: admin\r\n\r\n"
        )
        .into_bytes(),
        1..4 => (0..rng.gen_range(0..300))
            .map(|_| rng.gen_range(b' '..=b'~'))
            .collect(),
        _ => Vec::new(),
    };
    let framing = if body.is_empty() && matches!(method, "GET" | "HEAD" | "get") {
        rng.gen_range(0..10)
    } else {
        rng.gen_range(2..10)
    };
    let mut payload: Vec<u8> = Vec::new();
    match framing {
        0 | 1 => {}
        2..6 => {
            line(
                "Content-Length",
                body.len().to_string().as_bytes(),
                &mut head,
            );
            payload = body;
        }
        6 => {
            // Repeated, equal or written oddly.
            let n = body.len().to_string();
            match rng.gen_range(0..3) {
                0 => {
                    line("Content-Length", n.as_bytes(), &mut head);
                    line("Content-Length", n.as_bytes(), &mut head);
                }
                1 => line("Content-Length", format!("{n}, {n}").as_bytes(), &mut head),
                _ => line("Content-Length", format!("0{n}").as_bytes(), &mut head),
            }
            payload = body;
        }
        _ => {
            let te: &[u8] = pick(
                rng,
                &[&b"chunked"[..], b"Chunked", b"gzip, chunked", b"chunked"],
            );
            line("Transfer-Encoding", te, &mut head);
            if rng.gen_bool(0.2) {
                line(
                    "Content-Length",
                    body.len().to_string().as_bytes(),
                    &mut head,
                );
            }
            for piece in body.chunks(rng.gen_range(1..=64)) {
                payload.extend_from_slice(format!("{:x}", piece.len()).as_bytes());
                if rng.gen_bool(0.1) {
                    payload.extend_from_slice(b";ext=1");
                }
                payload.extend_from_slice(b"\r\n");
                payload.extend_from_slice(piece);
                payload.extend_from_slice(b"\r\n");
            }
            payload.extend_from_slice(b"0\r\n");
            if rng.gen_bool(0.1) {
                payload.extend_from_slice(b"X-Trailer: 1\r\n");
            }
            payload.extend_from_slice(b"\r\n");
        }
    }
    head.extend_from_slice(eol);
    head.extend_from_slice(&payload);
    // Sometimes a second request on the connection right behind it: what
    // the first's framing leaves of the bytes must be exactly that one.
    let follow = rng.gen_bool(0.15);
    if follow {
        head.extend_from_slice(
            format!(
                "GET /pub/next HTTP/1.1\r\nHost: localhost:{port}\r\nX-Case: {}\r\n\r\n",
                id + FOLLOW
            )
            .as_bytes(),
        );
    }
    Case {
        bytes: head,
        head_request: method == "HEAD",
        answers: if follow { 2 } else { 1 },
        untrusted: rng.gen_bool(0.5),
    }
}

/// A certificate for the gateways and a client that trusts it (offering
/// only HTTP/1.1 in ALPN).
struct Tls {
    dir: tempfile::TempDir,
    connector: tokio_rustls::TlsConnector,
}

impl Tls {
    fn new() -> Tls {
        let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("c.pem"), cert.cert.pem()).unwrap();
        std::fs::write(dir.path().join("k.pem"), cert.signing_key.serialize_pem()).unwrap();
        let mut roots = rustls::RootCertStore::empty();
        roots.add(cert.cert.der().clone()).unwrap();
        let mut client = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
        client.alpn_protocols = vec![b"http/1.1".to_vec()];
        Tls {
            dir,
            connector: tokio_rustls::TlsConnector::from(Arc::new(client)),
        }
    }

    fn server_lines(&self) -> String {
        format!(
            "tls_cert_file = \"{}\"\ntls_key_file = \"{}\"",
            self.dir.path().join("c.pem").display(),
            self.dir.path().join("k.pem").display()
        )
    }
}

/// What the client got: the status, or how it failed.
async fn send_case(
    addr: SocketAddr,
    case: &Case,
    tls: Option<&tokio_rustls::TlsConnector>,
) -> String {
    let socket = TcpSocket::new_v4().unwrap();
    if case.untrusted {
        socket.bind("127.0.0.2:0".parse().unwrap()).unwrap();
    }
    let s = match socket.connect(addr).await {
        Ok(s) => s,
        Err(e) => return format!("connect failed: {e}"),
    };
    let _ = s.set_nodelay(true);
    // Closed with a reset: a hundred thousand connections from one address
    // would otherwise leave more sockets waiting out TIME_WAIT than there
    // are ports to connect from.
    let _ = s.set_zero_linger();
    match tls {
        None => exchange(s, case).await,
        Some(c) => {
            let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
            match tokio::time::timeout(Duration::from_secs(10), c.connect(name, s)).await {
                Ok(Ok(t)) => exchange(t, case).await,
                Ok(Err(e)) => format!("TLS handshake failed: {e}"),
                Err(_) => "TLS handshake timed out".into(),
            }
        }
    }
}

/// Send a case's bytes on `s` and read its answers.
async fn exchange<S: AsyncRead + AsyncWrite + Unpin>(mut s: S, case: &Case) -> String {
    if s.write_all(&case.bytes).await.is_err() || s.flush().await.is_err() {
        return "write failed".into();
    }
    let read = async {
        let mut buf: Vec<u8> = Vec::new();
        let mut got: Vec<String> = Vec::new();
        for n in 0..case.answers {
            let head_request = n == 0 && case.head_request;
            match read_answer(&mut s, &mut buf, head_request).await {
                Ok((code, reusable)) => {
                    got.push(code.to_string());
                    if !reusable {
                        break;
                    }
                }
                Err(e) => {
                    got.push(e);
                    break;
                }
            }
        }
        got.join(" / ")
    };
    tokio::time::timeout(Duration::from_secs(10), read)
        .await
        .unwrap_or_else(|_| "no answer in 10 s".into())
}

/// Read one answer (skipping interim ones) and its body; the status, and
/// whether another answer may follow on the connection.
async fn read_answer<S: AsyncRead + Unpin>(
    s: &mut S,
    buf: &mut Vec<u8>,
    head_request: bool,
) -> Result<(u16, bool), String> {
    loop {
        let mut fields = [httparse::EMPTY_HEADER; 128];
        let mut r = httparse::Response::new(&mut fields);
        let parsed = r.parse(buf).map_err(|e| format!("bad answer: {e}"))?;
        let httparse::Status::Complete(len) = parsed else {
            if fill(s, buf).await.is_none() {
                return Err(if buf.is_empty() {
                    "closed without an answer".into()
                } else {
                    "closed mid-answer".into()
                });
            }
            continue;
        };
        let code = r.code.unwrap_or(0);
        let field = |name: &str| {
            r.headers
                .iter()
                .find(|h| h.name.eq_ignore_ascii_case(name))
                .map(|h| String::from_utf8_lossy(h.value).to_ascii_lowercase())
        };
        let close = field("connection").is_some_and(|v| v.contains("close"));
        let chunked = field("transfer-encoding").is_some_and(|v| v.contains("chunked"));
        let length = field("content-length").and_then(|v| v.trim().parse::<usize>().ok());
        buf.drain(..len);
        if (100..200).contains(&code) {
            continue;
        }
        if head_request || code == 204 || code == 304 {
            return Ok((code, !close));
        }
        if chunked {
            loop {
                let nl = loop {
                    if let Some(i) = buf.windows(2).position(|w| w == b"\r\n") {
                        break i;
                    }
                    if fill(s, buf).await.is_none() {
                        return Err("closed mid-body".into());
                    }
                };
                let size =
                    usize::from_str_radix(std::str::from_utf8(&buf[..nl]).unwrap_or("").trim(), 16)
                        .map_err(|_| "a bad chunk".to_string())?;
                buf.drain(..nl + 2);
                while buf.len() < size + 2 {
                    if fill(s, buf).await.is_none() {
                        return Err("closed mid-body".into());
                    }
                }
                buf.drain(..size + 2);
                if size == 0 {
                    return Ok((code, !close));
                }
            }
        }
        match length {
            Some(n) => {
                while buf.len() < n {
                    if fill(s, buf).await.is_none() {
                        return Err("closed mid-body".into());
                    }
                }
                buf.drain(..n);
                return Ok((code, !close));
            }
            None => {
                while fill(s, buf).await.is_some() {}
                return Ok((code, false));
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_serving_paths_decide_and_forward_alike() {
    let cases = crate::common::env_number("PASSGATE_DIFF_CASES", 100_000);
    differential(cases, None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_serving_paths_decide_and_forward_alike_over_tls() {
    let cases = crate::common::env_number("PASSGATE_DIFF_TLS_CASES", 10_000);
    differential(cases, Some(Tls::new())).await;
}

async fn differential(cases: u64, tls: Option<Tls>) {
    let seed = crate::common::env_seed("PASSGATE_DIFF_SEED");
    eprintln!(
        "differential{}: {cases} cases, PASSGATE_DIFF_SEED={seed}",
        if tls.is_some() { " over TLS" } else { "" }
    );
    let up_loop = Recorder::start().await;
    let up_hyper = Recorder::start().await;
    let (ul, uh) = (up_loop.addr, up_hyper.addr);
    let gw_loop = Gateway::start(|s| config(s, &format!("http://{ul}"), false, tls.as_ref())).await;
    let gw_hyper = Gateway::start(|s| config(s, &format!("http://{uh}"), true, tls.as_ref())).await;
    let connector = tls.as_ref().map(|t| t.connector.clone());
    let token_loop = gw_loop.session_for("alice@example.com", &["staff"]).await;
    let token_hyper = gw_hyper.session_for("alice@example.com", &["staff"]).await;
    let service = |gw: &Gateway| {
        gw.cli_json(&["token", "create", "deployer", "--group", "ci"])["token"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let (service_loop, service_hyper) = (service(&gw_loop), service(&gw_hyper));
    let (a_loop, a_hyper) = (gw_loop.addr(), gw_hyper.addr());
    let (p_loop, p_hyper) = (gw_loop.port, gw_hyper.port);

    let next = Arc::new(AtomicUsize::new(0));
    let failures: Arc<Mutex<Vec<String>>> = Arc::default();
    // How the cases ended (the loop's status, and whether an upstream saw
    // the request), to show they reached both outcomes.
    let outcomes: Arc<Mutex<HashMap<String, u64>>> = Arc::default();
    let workers = 16;
    let mut tasks = Vec::new();
    let up_loop = Arc::new(up_loop);
    let up_hyper = Arc::new(up_hyper);
    for _ in 0..workers {
        let (next, failures, outcomes) = (next.clone(), failures.clone(), outcomes.clone());
        let (up_loop, up_hyper) = (up_loop.clone(), up_hyper.clone());
        let (token_loop, token_hyper) = (token_loop.clone(), token_hyper.clone());
        let (service_loop, service_hyper) = (service_loop.clone(), service_hyper.clone());
        let connector = connector.clone();
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed) as u64;
                if i >= cases || failures.lock().unwrap().len() >= 5 {
                    return;
                }
                // The same case for both, but for the port and the session
                // token, which each gateway has its own of.
                let mut rng = StdRng::seed_from_u64(seed ^ i.wrapping_mul(0x9E37_79B9_7F4A_7C15));
                let looped = generate(&mut rng, i, p_loop, &token_loop, &service_loop);
                let mut rng = StdRng::seed_from_u64(seed ^ i.wrapping_mul(0x9E37_79B9_7F4A_7C15));
                let hyped = generate(&mut rng, i, p_hyper, &token_hyper, &service_hyper);
                let (s_loop, s_hyper) =
                    tokio::join!(
                        send_case(a_loop, &looped, connector.as_ref()),
                        send_case(a_hyper, &hyped, connector.as_ref())
                    );
                // What reached the upstreams, with the ports and tokens
                // made the same again.
                // (`:port`, so that a case number that happens to be
                // a port is left alone).
                let norm = |mut seen: Vec<Seen>, port: u16| {
                    let port = format!(":{port}");
                    for s in &mut seen {
                        for (_, v) in &mut s.fields {
                            *v = v.replace(&port, ":PORT");
                        }
                        s.target = s.target.replace(&port, ":PORT");
                        s.body = String::from_utf8_lossy(&s.body)
                            .replace(&port, ":PORT")
                            .into_bytes();
                    }
                    seen
                };
                // Give a request the upstream is still reading a moment.
                let mut seen_loop = up_loop.take(i);
                let mut seen_hyper = up_hyper.take(i);
                if seen_loop.len() != seen_hyper.len() {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    seen_loop.extend(up_loop.take(i));
                    seen_hyper.extend(up_hyper.take(i));
                }
                // The pipelined request's, when there was one.
                let follow_loop = norm(up_loop.take(i + FOLLOW), p_loop);
                let follow_hyper = norm(up_hyper.take(i + FOLLOW), p_hyper);
                let seen_loop = norm(seen_loop, p_loop);
                let seen_hyper = norm(seen_hyper, p_hyper);
                if follow_loop.len() > 1 || follow_loop != follow_hyper {
                    failures.lock().unwrap().push(format!(
                        "case {i} (seed {seed}), the request after it:\n{}\n  loop:  {s_loop} {follow_loop:#?}\n  hyper: {s_hyper} {follow_hyper:#?}",
                        String::from_utf8_lossy(&looped.bytes).escape_debug()
                    ));
                }
                let outcome = format!(
                    "{s_loop}{}",
                    if seen_loop.is_empty() { "" } else { " (forwarded)" }
                );
                if std::env::var("PASSGATE_DIFF_SHOW").is_ok_and(|o| o == outcome) {
                    eprintln!(
                        "case {i} -> {outcome}:\n{}",
                        String::from_utf8_lossy(&looped.bytes).escape_debug()
                    );
                }
                *outcomes.lock().unwrap().entry(outcome).or_default() += 1;
                // A service token never reaches an upstream, in any field.
                let leaked = |seen: &[Seen], t: &str| {
                    seen.iter().any(|s| {
                        s.fields.iter().any(|(_, v)| v.contains(t))
                            || String::from_utf8_lossy(&s.body).contains(t)
                    })
                };
                if leaked(&seen_loop, &service_loop) || leaked(&seen_hyper, &service_hyper) {
                    failures.lock().unwrap().push(format!(
                        "case {i} (seed {seed}): a service token reached the upstream:\n{}\n  loop:  {seen_loop:#?}\n  hyper: {seen_hyper:#?}",
                        String::from_utf8_lossy(&looped.bytes).escape_debug()
                    ));
                }
                if s_loop != s_hyper || seen_loop != seen_hyper || seen_loop.len() > 1 {
                    failures.lock().unwrap().push(format!(
                        "case {i} (seed {seed}, {}):\n{}\n  loop:  {s_loop} {seen_loop:#?}\n  hyper: {s_hyper} {seen_hyper:#?}",
                        if looped.untrusted { "from an untrusted peer" } else { "from a trusted proxy" },
                        String::from_utf8_lossy(&looped.bytes).escape_debug()
                    ));
                }
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let failures = failures.lock().unwrap().clone();
    let orphans_loop = up_loop.orphans.lock().unwrap().clone();
    let orphans_hyper = up_hyper.orphans.lock().unwrap().clone();
    assert!(
        failures.is_empty(),
        "{} of the cases differ (PASSGATE_DIFF_SEED={seed}):\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    assert!(
        orphans_loop.is_empty() && orphans_hyper.is_empty(),
        "requests no case sent reached an upstream (PASSGATE_DIFF_SEED={seed}):\n loop: {orphans_loop:#?}\n hyper: {orphans_hyper:#?}"
    );
    // The cases did exercise both: many reached an upstream, many were
    // refused by passgate.
    let outcomes = outcomes.lock().unwrap().clone();
    let mut sorted: Vec<_> = outcomes.iter().collect();
    sorted.sort_by(|a, b| b.1.cmp(a.1));
    eprintln!("differential outcomes: {sorted:?}");
    let forwarded: u64 = outcomes
        .iter()
        .filter(|(k, _)| k.ends_with("(forwarded)"))
        .map(|(_, n)| n)
        .sum();
    let refused: u64 = outcomes
        .iter()
        .filter(|(k, _)| k.starts_with('4'))
        .map(|(_, n)| n)
        .sum();
    // (The generator's mix forwards about a fifth of the cases — 19,971
    // and 20,146 of 100,000 in two runs — so the bound sits below that.)
    assert!(
        forwarded * 6 >= cases,
        "only {forwarded} of {cases} cases reached an upstream"
    );
    assert!(
        refused * 10 >= cases,
        "only {refused} of {cases} cases were refused"
    );
    drop((gw_loop, gw_hyper));
}
