//! Header hygiene: what of a client's request reaches an upstream, and
//! what of an upstream's answer reaches the client. Both serving paths (the
//! HTTP/1.1 loop and hyper) call these functions and nothing else for it.
//!
//! A request's fields ([`upstream_request`]), in this order:
//! 1. what a trusted proxy said (its `X-Forwarded-*` chain) is remembered
//!    before anything is removed;
//! 2. the client's fields that must not pass go: hop-by-hop fields and
//!    those its `Connection` names (never the framing or `Host`,
//!    `http1.rs`), the framing itself (the relay states its own from the
//!    body it sends), the identity and assertion fields in every spelling,
//!    the `_` and `.` spellings of the forwarding fields and of
//!    `X-Request-Id`, the
//!    forwarding fields themselves from anyone but a trusted proxy, and
//!    passgate's cookies;
//! 3. passgate's own fields are written **last**: identity, assertion,
//!    request id, forwarding, and the upgrade when one is allowed. Nothing
//!    a client sends can remove or replace them.
//!
//! An answer's fields ([`drops_answer_field`], [`tidy_answer`]): hop-by-hop
//! fields and the upstream's `Set-Cookie` for passgate's cookie names (a
//! hostile app must not fix a victim's session); the request id is
//! passgate's (`http1.rs` and `server.rs` write it).

use http::header::{self, HeaderMap, HeaderName, HeaderValue};

use crate::config::HeaderStyle;
use crate::cookies;
use crate::http1;
use crate::identity;
use crate::session::Principal;

/// What passgate knows about the client connection, for the forwarding
/// fields.
#[derive(Debug, Clone)]
pub struct ClientInfo {
    /// The peer's IP address, as a field value.
    pub peer: HeaderValue,
    /// The peer is one of `trusted_proxies`.
    pub trusted: bool,
    /// "http" or "https" as the client used (after a trusted proxy's say).
    pub proto: &'static str,
    /// The host the client asked for (authority), for `X-Forwarded-Host`;
    /// `None` when it cannot be a field value.
    pub host: Option<HeaderValue>,
}

/// passgate's own fields for one upstream request.
pub struct Own<'a> {
    pub client: &'a ClientInfo,
    pub style: HeaderStyle,
    /// Who is signed in (identity fields are sent empty otherwise).
    pub principal: Option<&'a Principal>,
    /// The assertion field's name (configured), and its value when signed in.
    pub assertion_name: &'a HeaderName,
    pub assertion: Option<&'a HeaderValue>,
    pub request_id: &'a HeaderValue,
    /// The upgrade this request may ask for (the client's `Upgrade`
    /// value), if any: see [`allowed_upgrade`].
    pub upgrade: Option<HeaderValue>,
}

static X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");
static X_FORWARDED_PROTO: HeaderName = HeaderName::from_static("x-forwarded-proto");
static X_FORWARDED_HOST: HeaderName = HeaderName::from_static("x-forwarded-host");
static X_REAL_IP: HeaderName = HeaderName::from_static("x-real-ip");
static X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Turn the client's request fields `h` into the upstream request's
/// (steps 1–3 of the module's doc).
pub fn upstream_request(h: &mut HeaderMap, own: &Own<'_>) {
    let trusted = own.client.trusted;
    // 1. A trusted proxy's word, before a `Connection` option can take it.
    let said = trusted.then(|| Said::read(h));
    // 2. Out with what must not pass.
    if h.keys().any(|n| removed(n, trusted, own.assertion_name)) {
        let named: Vec<HeaderName> = http1::connection_options(h)
            .filter(|t| http1::may_be_connection_option(t))
            .filter_map(|t| HeaderName::from_bytes(t).ok())
            .collect();
        let doomed: Vec<HeaderName> = h
            .keys()
            .filter(|n| removed(n, trusted, own.assertion_name))
            .cloned()
            .chain(named)
            .collect();
        for n in &doomed {
            h.remove(n);
        }
    }
    cookies::strip_own(h);
    // 3. passgate's own, last.
    identity::set_identity_headers(h, own.style, own.principal);
    if let Some(a) = own.assertion {
        h.insert(own.assertion_name.clone(), a.clone());
    }
    h.insert(X_REQUEST_ID.clone(), own.request_id.clone());
    set_forwarding(h, own.client, said);
    if let Some(u) = &own.upgrade {
        h.insert(header::CONNECTION, HeaderValue::from_static("upgrade"));
        h.insert(header::UPGRADE, u.clone());
    }
}

/// What a trusted proxy said about the client, read before any removal.
#[derive(Default)]
struct Said {
    /// Its `X-Forwarded-For` chain, every field joined.
    chain: Option<HeaderValue>,
    proto: Option<HeaderValue>,
    host: Option<HeaderValue>,
    real_ip: Option<HeaderValue>,
}

impl Said {
    fn read(h: &HeaderMap) -> Said {
        let mut values = h
            .get_all(&X_FORWARDED_FOR)
            .iter()
            .filter(|v| !v.as_bytes().trim_ascii().is_empty());
        let chain = match (values.next(), values.next()) {
            (None, _) => None,
            (Some(one), None) => Some(one.clone()),
            (Some(first), Some(second)) => {
                let mut joined = first.as_bytes().to_vec();
                for v in std::iter::once(second).chain(values) {
                    joined.extend_from_slice(b", ");
                    joined.extend_from_slice(v.as_bytes());
                }
                HeaderValue::from_bytes(&joined).ok()
            }
        };
        Said {
            chain,
            proto: h.get(&X_FORWARDED_PROTO).cloned(),
            host: h.get(&X_FORWARDED_HOST).cloned(),
            real_ip: h.get(&X_REAL_IP).cloned(),
        }
    }
}

/// `X-Forwarded-For/Proto/Host` and `X-Real-IP`: a trusted proxy's chain
/// is extended and what it said is kept; anyone else's is replaced.
fn set_forwarding(h: &mut HeaderMap, c: &ClientInfo, said: Option<Said>) {
    let said = said.unwrap_or_default();
    let xff = match said.chain {
        Some(chain) => {
            let mut v = Vec::with_capacity(chain.len() + 2 + c.peer.len());
            v.extend_from_slice(chain.as_bytes());
            v.extend_from_slice(b", ");
            v.extend_from_slice(c.peer.as_bytes());
            HeaderValue::from_bytes(&v).unwrap_or_else(|_| c.peer.clone())
        }
        None => c.peer.clone(),
    };
    h.insert(X_FORWARDED_FOR.clone(), xff);
    h.insert(
        X_FORWARDED_PROTO.clone(),
        said.proto
            .unwrap_or_else(|| HeaderValue::from_static(c.proto)),
    );
    match said.host.or_else(|| c.host.clone()) {
        Some(v) => {
            h.insert(X_FORWARDED_HOST.clone(), v);
        }
        None => {
            h.remove(&X_FORWARDED_HOST);
        }
    }
    h.insert(
        X_REAL_IP.clone(),
        said.real_ip.unwrap_or_else(|| c.peer.clone()),
    );
}

/// Is the client's field `name` removed before forwarding (step 2, but
/// for passgate's cookies and what `Connection` names)?
fn removed(name: &HeaderName, trusted: bool, assertion: &HeaderName) -> bool {
    if http1::is_hop_by_hop(name)
        || name == header::CONTENT_LENGTH
        || name == header::TRANSFER_ENCODING
    {
        return true;
    }
    let n = name.as_str().as_bytes();
    let a = assertion.as_str().as_bytes();
    // Every family starts with one of these letters: most fields (host,
    // accept, user-agent, …) are let through on their first byte.
    if !matches!(n.first(), Some(b'r' | b'x' | b'f' | b't' | b'c')) && n.first() != a.first() {
        return false;
    }
    if is_identity(n) || same_spelling(n, a) {
        return true;
    }
    if is_forwarding(n) {
        return !trusted || other_spelling(n);
    }
    other_spelling(n) && same_spelling(n, b"x-request-id")
}

/// Names only passgate may send upstream, in any spelling: the identity
/// fields (and the whole `Remote-*` and `X-Auth-Request-*` families, so an
/// app that reads one passgate does not send, such as oauth2-proxy's
/// `X-Auth-Request-Preferred-Username`, cannot be fed by a client) and
/// passgate's own `X-Passgate-*`.
fn is_identity(n: &[u8]) -> bool {
    (n.len() > 7 && same_spelling(&n[..7], b"remote-"))
        || (n.len() > 15 && same_spelling(&n[..15], b"x-auth-request-"))
        || (n.len() > 11 && same_spelling(&n[..11], b"x-passgate-"))
}

/// The fields that say where a request came from or went: believed only
/// from trusted proxies, and never in a `_` spelling.
fn is_forwarding(n: &[u8]) -> bool {
    const EXACT: [&[u8]; 9] = [
        b"forwarded",
        b"x-real-ip",
        b"x-rewrite-url",
        b"x-client-ip",
        b"true-client-ip",
        b"x-cluster-client-ip",
        b"cf-connecting-ip",
        b"fastly-client-ip",
        b"x-host",
    ];
    (n.len() > 12 && same_spelling(&n[..12], b"x-forwarded-"))
        || (n.len() > 11 && same_spelling(&n[..11], b"x-original-"))
        || EXACT.iter().any(|e| same_spelling(n, e))
}

/// Is `a` (a field name in lower case, as `HeaderName` keeps it) the name
/// `b` (lower case, with `-`), reading `_` and `.` as `-`? CGI-style
/// servers merge those spellings into one variable (`HTTP_REMOTE_USER`;
/// PHP turns `.` into `_` as well), so they are one name here.
pub(crate) fn same_spelling(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| x == y || ((*x == b'_' || *x == b'.') && *y == b'-'))
}

/// Is `n` spelled with `_` or `.` where a name would have `-`?
fn other_spelling(n: &[u8]) -> bool {
    n.iter().any(|c| *c == b'_' || *c == b'.')
}

/// Why a forward-auth question cannot be answered: its request carries a
/// field the asking proxy will pass on to the app and that passgate would
/// have removed had it proxied the request itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unanswerable {
    /// An identity field passgate's answer does not carry (so the proxy
    /// does not replace it: `X-Auth-Request-Preferred-Username`,
    /// `Remote-Login`), or any identity, forwarding or request-id field in
    /// a `_` spelling (a proxy replaces `Remote-User` with passgate's
    /// answer, but passes `Remote_User` on beside it, and a CGI-style app
    /// reads both as one).
    Smuggled(HeaderName),
    /// A field some apps serve instead of the path passgate was asked
    /// about (Symfony, Zend and IIS honour `X-Original-URL` and
    /// `X-Rewrite-URL`). From nginx, whose config sets `X-Original-URL`
    /// itself, only the others can be the client's.
    OverridesPath(HeaderName),
}

/// The first field of a forward-auth request that makes it
/// [`Unanswerable`], in one pass over the names. `style` and `assertion`:
/// the identity fields passgate's answer carries; `nginx`: the question
/// came from nginx.
pub fn unanswerable(
    h: &HeaderMap,
    style: HeaderStyle,
    assertion: &HeaderName,
    nginx: bool,
) -> Option<Unanswerable> {
    let a = assertion.as_str().as_bytes();
    for name in h.keys() {
        let n = name.as_str().as_bytes();
        if other_spelling(n) {
            if is_identity(n)
                || same_spelling(n, a)
                || is_forwarding(n)
                || same_spelling(n, b"x-request-id")
            {
                return Some(Unanswerable::Smuggled(name.clone()));
            }
        } else if matches!(n.first(), Some(b'r' | b'x'))
            && is_identity(n)
            && n != a
            && name != crate::token::X_PASSGATE_TOKEN
            && !identity::answers_with(style, name)
        {
            return Some(Unanswerable::Smuggled(name.clone()));
        } else if n.len() >= 13
            && n.starts_with(b"x-")
            && (n == b"x-rewrite-url"
                || n == b"x-original-uri"
                || (!nginx && n == b"x-original-url"))
        {
            return Some(Unanswerable::OverridesPath(name.clone()));
        }
    }
    None
}

/// The upgrade a request may pass on, if it asks for one: the client's
/// `Upgrade` value when it names exactly one protocol that `allowed` lists
/// (a route's `upgrades`, WebSocket by default). `h2c` is never allowed:
/// an upgraded connection is a tunnel passgate no longer looks into, and
/// HTTP/2 inside it would carry requests no rule has seen.
pub fn allowed_upgrade(h: &HeaderMap, allowed: &[String]) -> Option<HeaderValue> {
    if !http1::wants_upgrade(h) {
        return None;
    }
    let mut values = h.get_all(header::UPGRADE).iter();
    let (value, None) = (values.next()?, values.next()) else {
        return None;
    };
    let mut protocols = http1::tokens(value.as_bytes());
    let (protocol, None) = (protocols.next()?, protocols.next()) else {
        return None;
    };
    // A protocol may carry a version: "websocket", "TLS/1.2".
    let name = protocol.split(|b| *b == b'/').next().unwrap_or_default();
    if name.eq_ignore_ascii_case(b"h2c") {
        return None;
    }
    allowed
        .iter()
        .any(|a| name.eq_ignore_ascii_case(a.as_bytes()))
        .then(|| value.clone())
}

/// Does an upstream's answer field stay with passgate? (The codec drops
/// hop-by-hop fields and the upstream's request id itself.)
pub fn drops_answer_field(name: &[u8], value: &[u8]) -> bool {
    name.eq_ignore_ascii_case(b"set-cookie") && cookies::sets_own(value)
}

/// An upstream's answer fields as the client may see them (hyper's path):
/// hop-by-hop fields out unless the answer is a 101 that upgrades (then
/// `Connection` and `Upgrade` are the point), and `Set-Cookie` for
/// passgate's cookies out.
pub fn tidy_answer(h: &mut HeaderMap, upgraded: bool) {
    if !upgraded {
        http1::remove_hop_by_hop(h);
    }
    let mut cookies = h.get_all(header::SET_COOKIE).iter();
    if !cookies.any(|v| cookies::sets_own(v.as_bytes())) {
        return;
    }
    let kept: Vec<HeaderValue> = h
        .get_all(header::SET_COOKIE)
        .iter()
        .filter(|v| !cookies::sets_own(v.as_bytes()))
        .cloned()
        .collect();
    h.remove(header::SET_COOKIE);
    for v in kept {
        h.append(header::SET_COOKIE, v);
    }
}

#[cfg(test)]
mod tests;
