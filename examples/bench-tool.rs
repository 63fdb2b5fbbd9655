//! Helpers for `bench/run` (not part of passgate itself):
//!
//! - `bench-tool upstream ADDR` — the demo upstream (same code as the
//!   `passgate demo` app) as a small Rust server for load tests;
//! - `bench-tool session DATABASE_URL EMAIL` — create a user and a session
//!   in passgate's database and print the cookie token;
//! - `bench-tool oidc ORIGIN COOKIE CLIENT SECRET REDIRECT` — sign in to
//!   an OIDC client through passgate (authorize with the session cookie,
//!   then the code exchange) and print the access token;
//!   `… REDIRECT N CONCURRENCY`: do that N times, CONCURRENCY at once, and
//!   print the code exchanges' "req/s p50_ms p99_ms" (the token endpoint's
//!   answers alone; the authorize calls are not timed);
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
        Some("oidc") => {
            let usage = "oidc ORIGIN COOKIE CLIENT SECRET REDIRECT [N CONCURRENCY]";
            let arg = |i: usize| args.get(i).cloned().ok_or(usage);
            let (origin, cookie, client_id, secret, redirect) =
                (arg(1)?, arg(2)?, arg(3)?, arg(4)?, arg(5)?);
            let client = reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .pool_max_idle_per_host(256)
                .build()?;
            // One sign-in: the code exchange's time, and the access token.
            let once = {
                let (client, origin, cookie, client_id, secret, redirect) = (
                    client.clone(),
                    origin.clone(),
                    cookie.clone(),
                    client_id.clone(),
                    secret.clone(),
                    redirect.clone(),
                );
                move || {
                    let (client, origin, cookie, client_id, secret, redirect) = (
                        client.clone(),
                        origin.clone(),
                        cookie.clone(),
                        client_id.clone(),
                        secret.clone(),
                        redirect.clone(),
                    );
                    async move {
                        let r = client
                            .get(format!("{origin}/.passgate/oidc/authorize"))
                            .query(&[
                                ("response_type", "code"),
                                ("client_id", client_id.as_str()),
                                ("redirect_uri", redirect.as_str()),
                                ("scope", "openid email profile groups"),
                                ("state", "bench"),
                            ])
                            .header("cookie", format!("passgate_session={cookie}"))
                            .send()
                            .await?;
                        let location = r
                            .headers()
                            .get("location")
                            .and_then(|v| v.to_str().ok())
                            .ok_or("authorize gave no redirect")?
                            .to_string();
                        let code = url::Url::parse(&location)?
                            .query_pairs()
                            .find(|(k, _)| k == "code")
                            .map(|(_, v)| v.into_owned())
                            .ok_or("no code in the redirect")?;
                        let started = std::time::Instant::now();
                        let r = client
                            .post(format!("{origin}/.passgate/oidc/token"))
                            .basic_auth(&client_id, Some(&secret))
                            .form(&[
                                ("grant_type", "authorization_code"),
                                ("code", code.as_str()),
                                ("redirect_uri", redirect.as_str()),
                            ])
                            .send()
                            .await?;
                        let status = r.status();
                        let body: serde_json::Value = r.json().await?;
                        let took = started.elapsed();
                        if !status.is_success() {
                            return Err(format!("token endpoint: {status} {body}").into());
                        }
                        let token = body["access_token"].as_str().unwrap_or("").to_string();
                        Ok::<_, Box<dyn std::error::Error + Send + Sync>>((took, token))
                    }
                }
            };
            let Some(n) = args.get(6) else {
                let (_, token) = once().await.map_err(|e| e.to_string())?;
                println!("{token}");
                return Ok(());
            };
            let n: usize = n.parse()?;
            let c: usize = args.get(7).ok_or(usage)?.parse()?;
            let next = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
            let started = std::time::Instant::now();
            let mut workers = Vec::new();
            for _ in 0..c {
                let once = once.clone();
                let next = next.clone();
                workers.push(tokio::spawn(async move {
                    let mut times = Vec::new();
                    while next.fetch_add(1, std::sync::atomic::Ordering::Relaxed) < n {
                        match once().await {
                            Ok((took, _)) => times.push(took),
                            Err(e) => eprintln!("exchange failed: {e}"),
                        }
                    }
                    times
                }));
            }
            let mut times = Vec::new();
            for w in workers {
                times.extend(w.await?);
            }
            let wall = started.elapsed();
            times.sort();
            let q = |p: f64| {
                times
                    .get(((times.len() as f64 * p) as usize).min(times.len().saturating_sub(1)))
                    .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
            };
            // Exchanges per second of the whole loop (each also made its
            // code), and the token endpoint's own latency.
            println!(
                "{:.0} {:.3} {:.3}",
                times.len() as f64 / wall.as_secs_f64(),
                q(0.5),
                q(0.99)
            );
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
