//! Phase 1 of the gate: where a request is going.
//!
//! In proxy mode from the request itself (`Host`/authority, the
//! connection's scheme or a trusted proxy's `X-Forwarded-Proto`); in
//! forward-auth mode from `X-Forwarded-*` (Traefik, Caddy, HAProxy) or
//! `X-Original-*` (nginx), which the caller believes only from
//! `trusted_proxies`. Garbage is a 400, never a guess.

use std::borrow::Cow;

use http::Method;
use http::header::{self, HeaderMap, HeaderName};

use crate::authz;
use crate::error::GateError;

/// Where a request is going. Borrows from the request where it can: the
/// proxy path builds one per request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target<'a> {
    pub https: bool,
    /// Lower-case, without port.
    pub host: Cow<'a, str>,
    pub port: u16,
    /// As received (not normalised), without the query.
    pub path: Cow<'a, str>,
    /// With the leading `?`, or empty.
    pub query: Cow<'a, str>,
    pub method: Method,
}

impl<'a> Target<'a> {
    pub fn scheme(&self) -> &'static str {
        if self.https { "https" } else { "http" }
    }

    /// Whether the port is the scheme's default.
    fn default_port(&self) -> bool {
        self.port == if self.https { 443 } else { 80 }
    }

    /// `host[:port]`, the port only when not the default.
    pub fn authority(&self) -> String {
        let mut s = String::with_capacity(self.host.len() + 6);
        self.push_authority(&mut s);
        s
    }

    fn push_authority(&self, s: &mut String) {
        s.push_str(&self.host);
        if !self.default_port() {
            s.push(':');
            push_u16(s, self.port);
        }
    }

    /// `https://host[:port]`, the port only when not the default.
    pub fn origin(&self) -> String {
        let mut s = String::with_capacity(self.host.len() + 14);
        s.push_str(self.scheme());
        s.push_str("://");
        self.push_authority(&mut s);
        s
    }

    pub fn url(&self) -> String {
        let mut s = self.origin();
        s.push_str(&self.path);
        s.push_str(&self.query);
        s
    }

    /// The target of a request passgate proxies itself.
    pub fn from_request(
        req_uri: &'a http::Uri,
        headers: &'a HeaderMap,
        method: &Method,
        tls: bool,
        trusted: bool,
    ) -> Result<Target<'a>, GateError> {
        let host_header = headers
            .get(header::HOST)
            .map(|h| h.to_str().map_err(|_| bad("the Host header is not text")));
        let authority = match (req_uri.authority(), host_header) {
            (Some(a), Some(Ok(h))) if !a.as_str().eq_ignore_ascii_case(h) => {
                return Err(bad("the request names two different hosts"));
            }
            (Some(a), _) => a.as_str(),
            (None, Some(h)) => h?,
            (None, None) => return Err(bad("the request has no Host header")),
        };
        if headers.get_all(header::HOST).iter().nth(1).is_some() {
            return Err(bad("the request has more than one Host header"));
        }
        let https = if tls {
            true
        } else if trusted {
            match headers.get(&X_FORWARDED_PROTO).map(|v| v.to_str()) {
                Some(Ok(p)) => parse_proto(p)?,
                Some(Err(_)) => return Err(bad("X-Forwarded-Proto is not text")),
                None => false,
            }
        } else {
            false
        };
        let (host, port) = authz::split_host_port_cow(authority)
            .ok_or_else(|| bad("the Host header is not a valid host"))?;
        let path = req_uri.path();
        // The query with its `?`, straight from the request line.
        let query = match req_uri.path_and_query() {
            Some(pq) if pq.query().is_some() => pq.as_str().get(path.len()..).unwrap_or(""),
            _ => "",
        };
        Ok(Target {
            https,
            port: port.unwrap_or(if https { 443 } else { 80 }),
            host,
            path: Cow::Borrowed(path),
            query: Cow::Borrowed(query),
            method: method.clone(),
        })
    }

    /// The target a proxy asks about: `X-Forwarded-Method/Proto/Host/Uri`.
    pub fn from_forwarded(h: &'a HeaderMap) -> Result<Target<'a>, GateError> {
        // Static names: a name given as text is parsed on every lookup.
        static HOST: HeaderName = HeaderName::from_static("x-forwarded-host");
        static PORT: HeaderName = HeaderName::from_static("x-forwarded-port");
        static URI: HeaderName = HeaderName::from_static("x-forwarded-uri");
        static METHOD: HeaderName = HeaderName::from_static("x-forwarded-method");
        let get = |name: &HeaderName| one(h, name);
        let proto = get(&X_FORWARDED_PROTO)?.ok_or_else(|| bad("X-Forwarded-Proto is missing"))?;
        let https = parse_proto(proto)?;
        // A proxy chain may list several hosts; the first is the client's.
        let host = get(&HOST)?.ok_or_else(|| bad("X-Forwarded-Host is missing"))?;
        let host = host.split(',').next().unwrap_or_default().trim();
        let (host, port) = authz::split_host_port_cow(host)
            .ok_or_else(|| bad("X-Forwarded-Host is not a valid host"))?;
        let port = match get(&PORT)? {
            Some(p) if port.is_none() => Some(
                p.parse::<u16>()
                    .map_err(|_| bad("X-Forwarded-Port is not a port"))?,
            ),
            _ => port,
        };
        let uri = get(&URI)?.unwrap_or("/");
        let (path, query) = split_uri(uri)?;
        let (path, query) = (Cow::Borrowed(path), Cow::Borrowed(query));
        let method = match get(&METHOD)? {
            Some(m) => Method::from_bytes(m.as_bytes())
                .map_err(|_| bad("X-Forwarded-Method is not a method"))?,
            None => Method::GET,
        };
        Ok(Target {
            https,
            port: port.unwrap_or(if https { 443 } else { 80 }),
            host,
            path,
            query,
            method,
        })
    }

    /// The target nginx asks about: `X-Original-URL`, `X-Original-Method`.
    pub fn from_original(h: &'a HeaderMap) -> Result<Target<'a>, GateError> {
        static ORIGINAL_URL: HeaderName = HeaderName::from_static("x-original-url");
        // Once only: a proxy that appends its own after the client's must
        // not leave passgate reading the client's.
        let url = one(h, &ORIGINAL_URL)?.ok_or_else(|| {
            bad("X-Original-URL is missing (set it with proxy_set_header in the auth location)")
        })?;
        let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
        let (https, rest) = if lower.starts_with("https://") {
            (true, &url[8..])
        } else if lower.starts_with("http://") {
            (false, &url[7..])
        } else {
            return Err(bad("X-Original-URL must be an absolute http(s) URL"));
        };
        let cut = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, uri) = rest.split_at(cut);
        if authority.contains('@') {
            return Err(bad("X-Original-URL must not carry user info"));
        }
        let (host, port) = authz::split_host_port_cow(authority)
            .ok_or_else(|| bad("X-Original-URL has no valid host"))?;
        // nginx's `$request_uri` always starts with `/`. A URL whose path
        // does not is one a `?` or `#` in the Host field cut short
        // (`Host: a?` makes `http://a?/admin`): its real path is hidden.
        if !uri.starts_with('/') {
            return Err(bad(
                "X-Original-URL has no path after its host (a ? or # in the Host field?)",
            ));
        }
        let (path, query) = split_uri(uri)?;
        let (path, query) = (Cow::Borrowed(path), Cow::Borrowed(query));
        static ORIGINAL_METHOD: HeaderName = HeaderName::from_static("x-original-method");
        let method = match one(h, &ORIGINAL_METHOD)? {
            Some(m) => Method::from_bytes(m.as_bytes())
                .map_err(|_| bad("X-Original-Method is not a method"))?,
            None => Method::GET,
        };
        Ok(Target {
            https,
            port: port.unwrap_or(if https { 443 } else { 80 }),
            host,
            path,
            query,
            method,
        })
    }
}

/// The one value of `name` as trimmed text; a field sent more than once
/// or not text is refused.
fn one<'a>(h: &'a HeaderMap, name: &HeaderName) -> Result<Option<&'a str>, GateError> {
    let mut all = h.get_all(name).iter();
    let first = all.next();
    if all.next().is_some() {
        return Err(bad(&format!("{name} is sent more than once")));
    }
    first
        .map(|v| {
            v.to_str()
                .map(|s| s.trim())
                .map_err(|_| bad(&format!("{name} is not text")))
        })
        .transpose()
}

/// Append `n` in decimal (the hot path's ports; no formatting machinery).
fn push_u16(s: &mut String, n: u16) {
    let mut digits = [0u8; 5];
    let mut i = digits.len();
    let mut n = n;
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for d in &digits[i..] {
        s.push(*d as char);
    }
}

static X_FORWARDED_PROTO: HeaderName = HeaderName::from_static("x-forwarded-proto");

pub(super) fn bad(msg: &str) -> GateError {
    GateError::BadRequest(msg.to_string())
}

fn parse_proto(p: &str) -> Result<bool, GateError> {
    // A chain may list several; the first is what the client used.
    let first = p.split(',').next().unwrap_or_default().trim();
    let is = |name: &str| first.eq_ignore_ascii_case(name);
    match () {
        _ if is("https") || is("wss") => Ok(true),
        _ if is("http") || is("ws") => Ok(false),
        _ => Err(bad("X-Forwarded-Proto must be http or https")),
    }
}

/// Path and query (with its `?`) of an origin-form URI.
fn split_uri(uri: &str) -> Result<(&str, &str), GateError> {
    if !uri.starts_with('/') {
        return Err(bad("the forwarded URI must start with /"));
    }
    if uri.len() > 8192
        || uri
            .bytes()
            .any(|b| b < 0x20 || b == 0x7f || b == b' ' || b == b'#')
    {
        return Err(bad("the forwarded URI is malformed"));
    }
    Ok(match uri.find('?') {
        Some(i) => uri.split_at(i),
        None => (uri, ""),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_protos_are_read_from_the_first_of_a_chain_in_any_case() {
        for (p, https) in [
            ("https", true),
            ("HTTPS", true),
            (" wss ", true),
            ("https, http", true),
            ("http", false),
            ("Http", false),
            ("ws", false),
            ("http ,https", false),
        ] {
            assert_eq!(parse_proto(p).ok(), Some(https), "{p:?}");
        }
        for p in ["", "ftp", "httpx", "https2", ",https", "h ttp", "httpѕ"] {
            assert!(parse_proto(p).is_err(), "{p:?}");
        }
    }
}
