//! `[server]`: where passgate listens and how it is reached — the portal
//! (`public_url` and `prefix`), trusted proxies, TLS, timeouts, workers,
//! HSTS.

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use ipnet::IpNet;

use super::raw::RawServer;
use super::validate::Validator;
use crate::authz::{self, Portal};

/// How the gateway talks to its listener and upstreams.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub listen: SocketAddr,
    pub portal: Portal,
    pub trusted_proxies: Vec<IpNet>,
    pub prefix: String,
    pub tls: Option<TlsFiles>,
    pub metrics_listen: Option<SocketAddr>,
    pub upstream_connect_timeout: Duration,
    pub upstream_timeout: Duration,
    pub shutdown_timeout: Duration,
    /// Worker threads serving connections, each with its own runtime.
    pub workers: usize,
    /// `Strict-Transport-Security` for answers on the portal host (only
    /// when the portal is https).
    pub hsts: Option<http::HeaderValue>,
    /// Serve plain HTTP/1.1 with passgate's own loop (`server/h1.rs`);
    /// `false` leaves every connection to hyper.
    pub http1_loop: bool,
}

#[derive(Debug, Clone)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// `[server]` as checked, before the portal (which needs `webauthn.rp_id`)
/// is known. `None`: a problem was recorded.
pub(super) struct Checked {
    listen: Option<SocketAddr>,
    prefix: Option<String>,
    portal_url: Option<url::Url>,
    pub(super) trusted_proxies: Vec<IpNet>,
    tls: Option<TlsFiles>,
    metrics_listen: Option<SocketAddr>,
    upstream_connect_timeout: Option<Duration>,
    upstream_timeout: Option<Duration>,
    shutdown_timeout: Option<Duration>,
    workers: Option<usize>,
    hsts: Option<http::HeaderValue>,
    http1_loop: bool,
}

pub(super) fn check(s: &RawServer, base: &Path, v: &mut Validator) -> Checked {
    let listen = v.socket("server.listen", &s.listen);
    let prefix = v.check("server.prefix", || {
        let p = s.prefix.trim_end_matches('/');
        if !p.starts_with('/') || p.len() < 2 {
            return Err("must start with / and name a path, e.g. \"/.passgate\"".into());
        }
        if authz::path::canonical(p).ok().as_deref() != Some(p) || p.contains(['?', '#', '%', ';'])
        {
            return Err("must be a plain path (no //, ., .., %, ;, ?, #)".into());
        }
        Ok(p.to_string())
    });
    let portal_url = v.check("server.public_url", || {
            let u = url::Url::parse(&s.public_url).map_err(|e| format!("{:?} is not a URL: {e}", s.public_url))?;
            if !matches!(u.scheme(), "http" | "https") {
                return Err("must be an http:// or https:// URL".into());
            }
            if !u.username().is_empty() || u.password().is_some() || u.query().is_some() || u.fragment().is_some() {
                return Err("must be an origin only (scheme, host, port), without user, query or fragment".into());
            }
            if u.path() != "/" {
                return Err(format!(
                    "must be an origin without a path (got path {:?}); the portal lives under server.prefix",
                    u.path()
                ));
            }
            Ok(u)
        });
    let trusted_proxies: Vec<IpNet> = s
        .trusted_proxies
        .iter()
        .enumerate()
        .filter_map(|(i, t)| v.check(&format!("server.trusted_proxies[{i}]"), || parse_net(t)))
        .collect();
    let tls = match (s.tls_cert_file.is_empty(), s.tls_key_file.is_empty()) {
        (true, true) => None,
        (false, false) => {
            let cert = v.readable_file("server.tls_cert_file", base, &s.tls_cert_file);
            let key = v.readable_file("server.tls_key_file", base, &s.tls_key_file);
            match (cert, key) {
                (Some(cert), Some(key)) => Some(TlsFiles { cert, key }),
                _ => None,
            }
        }
        (true, false) => {
            v.problem(
                "server.tls_cert_file",
                "tls_key_file is set but tls_cert_file is not; set both or neither",
            );
            None
        }
        (false, true) => {
            v.problem(
                "server.tls_key_file",
                "tls_cert_file is set but tls_key_file is not; set both or neither",
            );
            None
        }
    };
    let metrics_listen = if s.metrics_listen.trim().is_empty() {
        None
    } else {
        let m = v.socket("server.metrics_listen", &s.metrics_listen);
        if m.is_some() && m == listen {
            v.problem(
                "server.metrics_listen",
                "must differ from server.listen (metrics are not served on the public listener)",
            );
        }
        m
    };
    let upstream_connect_timeout = v.duration(
        "server.upstream_connect_timeout",
        &s.upstream_connect_timeout,
    );
    let upstream_timeout = v.duration("server.upstream_timeout", &s.upstream_timeout);
    let shutdown_timeout = v.duration("server.shutdown_timeout", &s.shutdown_timeout);
    let workers = v.check("server.workers", || match s.workers.trim() {
        "auto" => Ok(std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)),
        n => match n.parse::<usize>() {
            Ok(n) if (1..=1024).contains(&n) => Ok(n),
            _ => Err(format!(
                "must be \"auto\" or a number from 1 to 1024, found {n:?}"
            )),
        },
    });
    let hsts = v.check("server.hsts", || {
            let h = s.hsts.trim();
            if h.is_empty() {
                return Ok(None);
            }
            let max_age = h
                .split(';')
                .next()
                .and_then(|d| d.trim().strip_prefix("max-age="))
                .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
            if !max_age {
                return Err(format!(
                    "{h:?} must start with max-age=SECONDS (e.g. \"max-age=31536000; includeSubDomains\"), or be empty to send none"
                ));
            }
            http::HeaderValue::from_str(h)
                .map(Some)
                .map_err(|_| format!("{h:?} is not a valid header value"))
        })
        .flatten();

    Checked {
        listen,
        prefix,
        portal_url,
        trusted_proxies,
        tls,
        metrics_listen,
        upstream_connect_timeout,
        upstream_timeout,
        shutdown_timeout,
        workers,
        hsts,
        http1_loop: s.http1_loop,
    }
}

impl Checked {
    /// The portal, checked against `webauthn.rp_id`.
    pub(super) fn portal(
        &self,
        rp_id: &str,
        v: &mut Validator,
        warnings: &mut Vec<String>,
    ) -> Option<Portal> {
        let (portal_url, prefix) = (&self.portal_url, &self.prefix);
        match (portal_url, prefix) {
            (Some(u), Some(prefix)) => {
                let host = u.host_str().unwrap_or_default().to_ascii_lowercase();
                let https = u.scheme() == "https";
                if !rp_id.is_empty() && host != rp_id && !host.ends_with(&format!(".{rp_id}")) {
                    v.problem(
                        "server.public_url",
                        format!(
                            "host {host:?} is neither webauthn.rp_id ({rp_id:?}) nor a subdomain of it; passkeys would fail. Set webauthn.rp_id to {host:?} or a parent domain"
                        ),
                    );
                }
                if !https && !is_loopback_host(&host) {
                    warnings.push(format!(
                        "server.public_url is http:// on {host:?}: browsers only allow passkeys on https:// or localhost, and the session cookie cannot be Secure"
                    ));
                }
                let port = u
                    .port_or_known_default()
                    .unwrap_or(if https { 443 } else { 80 });
                let origin = u.origin().ascii_serialization();
                Some(Portal {
                    https,
                    host,
                    port,
                    origin,
                    prefix: prefix.clone(),
                })
            }
            _ => None,
        }
    }

    pub(super) fn finish(self, portal: Option<Portal>) -> Option<ServerConfig> {
        // Never on http: browsers ignore it there, and a portal that is
        // http has no https to insist on.
        let https = self
            .portal_url
            .as_ref()
            .is_some_and(|u| u.scheme() == "https");
        Some(ServerConfig {
            listen: self.listen?,
            portal: portal?,
            trusted_proxies: self.trusted_proxies,
            prefix: self.prefix?,
            tls: self.tls,
            metrics_listen: self.metrics_listen,
            upstream_connect_timeout: self.upstream_connect_timeout?,
            upstream_timeout: self.upstream_timeout?,
            shutdown_timeout: self.shutdown_timeout?,
            workers: self.workers?,
            hsts: self.hsts.filter(|_| https),
            http1_loop: self.http1_loop,
        })
    }
}

pub(super) fn parse_net(s: &str) -> Result<IpNet, String> {
    let t = s.trim();
    if let Ok(n) = t.parse::<IpNet>() {
        return Ok(plain_net(n.trunc()));
    }
    if let Ok(ip) = t.parse::<IpAddr>() {
        return Ok(plain_net(IpNet::from(ip)));
    }
    Err(format!(
        "{s:?} is not an IP address or CIDR range like \"10.0.0.0/8\""
    ))
}

/// An IPv4 range written as IPv4-mapped IPv6 (`::ffff:10.0.0.0/104`, as
/// a dual-stack socket reports IPv4 peers) as the IPv4 range it is: client
/// addresses are compared in their IPv4 form, so the mapped form would
/// never match (and a `deny` rule written so would let everyone past).
fn plain_net(n: IpNet) -> IpNet {
    if let IpNet::V6(v6) = n
        && v6.prefix_len() >= 96
        && let Some(v4) = v6.addr().to_ipv4_mapped()
        && let Ok(net) = ipnet::Ipv4Net::new(v4, v6.prefix_len() - 96)
    {
        return IpNet::V4(net);
    }
    n
}

fn is_loopback_host(h: &str) -> bool {
    h == "localhost" || h.ends_with(".localhost") || h == "127.0.0.1" || h == "[::1]"
}
