//! Helpers for `bench/run` (not part of passgate itself):
//!
//! - `bench-tool upstream ADDR` — the demo upstream (same code as the
//!   `passgate demo` app) as a small Rust server for load tests;
//! - `bench-tool session DATABASE_URL EMAIL` — create a user and a session
//!   in passgate's database and print the cookie token;
//! - `bench-tool idle-conns ADDR N HOST` — open N keep-alive connections,
//!   send one request on each, and hold them until stdin closes.
//! - `bench-tool idle-tls-conns ADDR N HOST CERT` — the same over TLS
//!   (HTTP/1.1 by ALPN), trusting the certificate in the PEM file CERT.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("upstream") => {
            let addr = args.get(1).ok_or("upstream ADDR")?;
            let listener = tokio::net::TcpListener::bind(addr).await?;
            let stop = tokio_util::sync::CancellationToken::new();
            passgate::demo::serve(
                listener,
                passgate::demo::Echo::new(None, "x-passgate-assertion"),
                stop,
            )
            .await;
        }
        Some("session") => {
            let url = args.get(1).ok_or("session DATABASE_URL EMAIL")?;
            let email = args.get(2).ok_or("session DATABASE_URL EMAIL")?;
            let store = passgate::store::open(&passgate::secret::Secret::new(url.as_str())).await?;
            let now = passgate::clock::Clock::now(&passgate::clock::SystemClock);
            let user = match store.find_user_by_email(email).await? {
                Some(u) => u,
                None => {
                    store
                        .create_user(
                            &passgate::store::NewUser {
                                email: email.clone(),
                                display_name: "Bench User".into(),
                                groups: vec!["bench".into()],
                                ..Default::default()
                            },
                            now,
                        )
                        .await?
                }
            };
            let clock = passgate::clock::system();
            let sessions = passgate::session::SessionManager::new(
                store,
                passgate::store::ephemeral::MemoryEphemeral::new(clock.clone()),
                clock,
                passgate::session::SessionSettings {
                    idle_timeout: Duration::from_secs(86400),
                    absolute_timeout: Duration::from_secs(86400),
                    cache_ttl: Duration::from_secs(60),
                },
            );
            let (token, _) = sessions
                .create(&user, "webauthn", "bench", "127.0.0.1")
                .await?;
            println!("{token}");
        }
        Some("idle-conns") => {
            let addr = args.get(1).ok_or("idle-conns ADDR N HOST")?.clone();
            let n: usize = args.get(2).ok_or("idle-conns ADDR N HOST")?.parse()?;
            let host = args.get(3).cloned().unwrap_or_else(|| "localhost".into());
            let mut conns = Vec::with_capacity(n);
            for _ in 0..n {
                let s = tokio::net::TcpStream::connect(&addr).await?;
                conns.push(one_request(s, &host).await?);
            }
            hold(conns).await;
        }
        Some("idle-tls-conns") => {
            use rustls::pki_types::pem::PemObject;
            let usage = "idle-tls-conns ADDR N HOST CERT";
            let addr = args.get(1).ok_or(usage)?.clone();
            let n: usize = args.get(2).ok_or(usage)?.parse()?;
            let host = args.get(3).ok_or(usage)?.clone();
            let cert = args.get(4).ok_or(usage)?;
            let mut roots = rustls::RootCertStore::empty();
            for c in rustls::pki_types::CertificateDer::pem_file_iter(cert)? {
                roots.add(c?)?;
            }
            let mut config = rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
                rustls::crypto::ring::default_provider(),
            ))
            .with_safe_default_protocol_versions()?
            .with_root_certificates(roots)
            .with_no_client_auth();
            config.alpn_protocols = vec![b"http/1.1".to_vec()];
            let connector = tokio_rustls::TlsConnector::from(std::sync::Arc::new(config));
            let mut conns = Vec::with_capacity(n);
            for _ in 0..n {
                let tcp = tokio::net::TcpStream::connect(&addr).await?;
                let name = rustls::pki_types::ServerName::try_from(host.clone())?;
                let s = connector.connect(name, tcp).await?;
                conns.push(one_request(s, &host).await?);
            }
            hold(conns).await;
        }
        _ => {
            eprintln!(
                "usage: bench-tool upstream ADDR | session DATABASE_URL EMAIL | idle-conns ADDR N HOST | idle-tls-conns ADDR N HOST CERT"
            );
            std::process::exit(2);
        }
    }
    Ok(())
}

/// Send one liveness request on `s` and read its answer; the connection
/// then stays open, idle.
async fn one_request<S>(mut s: S, host: &str) -> std::io::Result<S>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let req = format!("GET /.passgate/health/live HTTP/1.1\r\nHost: {host}\r\n\r\n");
    s.write_all(req.as_bytes()).await?;
    let mut buf = [0u8; 512];
    let _ = s.read(&mut buf).await?;
    Ok(s)
}

/// Say how many are open, and keep them until stdin closes.
async fn hold<C>(conns: Vec<C>) {
    println!("open {}", conns.len());
    let mut line = String::new();
    let _ = tokio::io::AsyncBufReadExt::read_line(
        &mut tokio::io::BufReader::new(tokio::io::stdin()),
        &mut line,
    )
    .await;
    drop(conns);
}
