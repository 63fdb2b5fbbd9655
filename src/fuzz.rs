//! Fuzz targets for every hand-written parser on the request path: each
//! takes arbitrary bytes, must never panic, and checks what its parser
//! promises against a reference (a failed check panics, which is what a
//! fuzzer reports). cargo-fuzz runs them from `fuzz/` (nightly, with
//! coverage); on stable `tests/it/fuzz.rs` runs them over seeded random and
//! mutated inputs, briefly in CI and as long as asked on demand.
//!
//! Not part of passgate's interface: hidden from its documentation, and
//! free to change with the parsers it checks.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use bytes::BytesMut;
use http::header::{self, HeaderMap, HeaderName, HeaderValue};

use crate::authz::path;
use crate::http1::{self, Chunked, Framing, Rewrite};
use crate::server::h1::{Take, take_request};

/// The request head parser of passgate's HTTP/1.1 loop: a request it takes
/// is exactly what httparse (hyper's parser, with hyper's settings) reads,
/// followed by the body its length says; anything else leaves the bytes
/// untouched for hyper.
pub fn request_head(data: &[u8]) {
    let mut buf = BytesMut::from(data);
    match take_request(&mut buf) {
        Take::Request(t) => {
            let head = t.head.clone();
            let body = t.body.clone();
            let mut again = head.to_vec();
            again.extend_from_slice(&body);
            again.extend_from_slice(&buf);
            assert_eq!(again, data, "taken bytes are the input, in order");
            let mut fields = [httparse::EMPTY_HEADER; 100];
            let mut r = httparse::Request::new(&mut fields);
            let parsed = r.parse(data).expect("httparse reads what the loop took");
            assert_eq!(parsed, httparse::Status::Complete(head.len()));
            assert_eq!(r.version, Some(1));
            let mut framing = http1::RequestFraming::default();
            for f in r.headers.iter() {
                framing
                    .field(f.name.as_bytes(), f.value)
                    .expect("a request the loop took has no field for hyper");
            }
            assert_eq!(
                framing.body_len,
                body.len() as u64,
                "the body is its length"
            );
            assert_eq!(framing.close, t.close);
            assert_eq!(Some(t.req.method().as_str()), r.method);
            assert_eq!(t.req.uri().path_and_query().map(|p| p.as_str()), {
                // The http crate drops a fragment.
                r.path.map(|p| p.split('#').next().unwrap_or(p))
            });
            assert_eq!(t.req.headers().len(), r.headers.len());
        }
        Take::Hyper(_) | Take::More | Take::MoreBody(_) => {
            assert_eq!(&buf[..], data, "nothing consumed for hyper or for more");
        }
    }
}

/// A reference decoder of the chunked coding, written from RFC 9112 §7.1
/// as plainly as possible: the data, and the bytes it consumed, or `None`
/// for a malformed or unfinished body.
fn dechunk_reference(mut s: &[u8]) -> Option<(Vec<u8>, usize)> {
    let start = s.len();
    let mut data = Vec::new();
    let line = |s: &[u8]| -> Option<usize> { s.windows(2).position(|w| w == b"\r\n") };
    loop {
        let nl = line(s)?;
        let l = &s[..nl];
        // The size line with its CR is at most 4096 bytes, as passgate's.
        if l.contains(&b'\n') || nl + 1 > 4096 {
            return None;
        }
        let digits = l.iter().take_while(|b| b.is_ascii_hexdigit()).count();
        if digits == 0 || digits > 15 {
            return None;
        }
        let mut rest = &l[digits..];
        while let [b' ' | b'\t', tail @ ..] = rest {
            rest = tail;
        }
        if !rest.is_empty() && rest[0] != b';' {
            return None;
        }
        let size = usize::from_str_radix(std::str::from_utf8(&l[..digits]).ok()?, 16).ok()?;
        s = &s[nl + 2..];
        if size == 0 {
            // Trailer lines until an empty one.
            let mut trailers = 0;
            loop {
                let nl = line(s)?;
                if s[..nl].contains(&b'\n') {
                    return None;
                }
                trailers += nl + 2;
                if trailers > 16 * 1024 {
                    return None;
                }
                s = &s[nl + 2..];
                if nl == 0 {
                    return Some((data, start - s.len()));
                }
            }
        }
        if s.len() < size + 2 || &s[size..size + 2] != b"\r\n" {
            return None;
        }
        data.extend_from_slice(&s[..size]);
        s = &s[size + 2..];
    }
}

/// Undo passgate's own re-chunking (trusted input): the data, and whether
/// the end was written. Also used by the codec's unit tests.
pub(crate) fn unchunk_own(mut s: &[u8]) -> (Vec<u8>, bool) {
    let mut data = Vec::new();
    loop {
        let Some(nl) = s.windows(2).position(|w| w == b"\r\n") else {
            return (data, false);
        };
        let size = usize::from_str_radix(std::str::from_utf8(&s[..nl]).unwrap(), 16).unwrap();
        s = &s[nl + 2..];
        if size == 0 {
            assert_eq!(s, b"\r\n", "the end is exactly 0 CRLF CRLF");
            return (data, true);
        }
        data.extend_from_slice(&s[..size]);
        assert_eq!(&s[size..size + 2], b"\r\n");
        s = &s[size + 2..];
    }
}

/// The strict chunked decoder of upstream answers: the same verdict and
/// data as the reference, whatever pieces the body arrives in, and a
/// re-encoding that decodes to the same data.
pub fn chunked(data: &[u8]) {
    let Some((&step, body)) = data.split_first() else {
        return;
    };
    let step = usize::from(step % 17) + 1;
    let mut d = Chunked::default();
    let mut input = BytesMut::new();
    let mut out = BytesMut::new();
    let mut verdict: Option<Result<usize, ()>> = None;
    let mut fed = 0;
    for piece in body.chunks(step) {
        input.extend_from_slice(piece);
        fed += piece.len();
        match d.decode(&mut input, &mut out) {
            Ok(true) => {
                verdict = Some(Ok(fed - input.len()));
                break;
            }
            Ok(false) => {}
            Err(_) => {
                verdict = Some(Err(()));
                break;
            }
        }
    }
    let (decoded, ended) = unchunk_own(&out);
    match (verdict, dechunk_reference(body)) {
        (Some(Ok(consumed)), Some((want, want_consumed))) => {
            assert!(ended);
            assert_eq!(decoded, want, "the same data");
            assert_eq!(consumed, want_consumed, "the same end");
        }
        // Unfinished for both.
        (None, None) => assert!(!ended),
        // Refused by passgate: the reference refuses too, or had not
        // seen enough to say (passgate refuses a line as soon as it can
        // no longer be valid, the reference only once it has ended).
        (Some(Err(())), reference) => assert!(
            reference.is_none(),
            "passgate refused a body the reference reads: {:?}",
            String::from_utf8_lossy(body)
        ),
        (mine, reference) => panic!(
            "passgate {mine:?}, the reference {:?}, for {:?}",
            reference.map(|r| r.1),
            String::from_utf8_lossy(body)
        ),
    }
}

fn never(_: &[u8], _: &[u8]) -> bool {
    false
}

/// The answer-head rewrite: what the client gets parses, carries no
/// hop-by-hop field and none of passgate's cookies, states exactly the
/// framing that is relayed, and the request id once.
pub fn answer_head(data: &[u8]) {
    let Some((&flags, raw)) = data.split_first() else {
        return;
    };
    let id = HeaderValue::from_static("req-1");
    let hsts = HeaderValue::from_static("max-age=1");
    let how = Rewrite {
        head_request: flags & 1 != 0,
        request_id: &id,
        close: flags & 2 != 0,
        drop: if flags & 4 != 0 {
            crate::hygiene::drops_answer_field
        } else {
            never
        },
        hsts: (flags & 8 != 0).then_some(&hsts),
    };
    let mut out = BytesMut::new();
    let Ok(Some(h)) = http1::rewrite_answer_head(raw, &how, &mut out) else {
        return;
    };
    let mut fields = [httparse::EMPTY_HEADER; 100];
    let mut r = httparse::Response::new(&mut fields);
    assert_eq!(r.parse(raw), Ok(httparse::Status::Complete(h.len)));
    if h.status.is_informational() {
        return;
    }
    let mut fields = [httparse::EMPTY_HEADER; 128];
    let mut c = httparse::Response::new(&mut fields);
    let parsed = c.parse(&out).expect("the client's head parses");
    assert_eq!(parsed, httparse::Status::Complete(out.len()));
    assert_eq!(c.code, Some(h.status.as_u16()));
    let count = |name: &str| {
        c.headers
            .iter()
            .filter(|f| f.name.eq_ignore_ascii_case(name))
            .count()
    };
    for hop in &http1::HOP_BY_HOP {
        let n = hop.as_str();
        let allowed = usize::from(n == "transfer-encoding" || (n == "connection" && how.close));
        assert!(
            count(n) <= allowed,
            "{n} in {:?}",
            String::from_utf8_lossy(&out)
        );
    }
    assert_eq!(count("x-request-id"), 1);
    if flags & 4 != 0 {
        assert!(
            c.headers
                .iter()
                .filter(|f| f.name.eq_ignore_ascii_case("set-cookie"))
                .all(|f| !crate::cookies::sets_own(f.value)),
            "one of passgate's cookies reached the client"
        );
    }
    let (cl, te) = (count("content-length"), count("transfer-encoding"));
    match h.framing {
        Framing::Length(n) => {
            assert_eq!((cl, te), (1, 0));
            let v = c
                .headers
                .iter()
                .find(|f| f.name == "content-length")
                .unwrap();
            assert_eq!(http1::parse_length(v.value), Some(n));
        }
        Framing::Chunked | Framing::Close => assert_eq!((cl, te), (0, 1)),
        Framing::Empty => assert_eq!(te, 0),
    }
}

/// Path readings: never a panic; every reading is a path, the strict one
/// with its dot segments resolved; the canonical form is a fixed point;
/// the rule lookup and the prefix test agree with the readings.
pub fn path(data: &[u8]) {
    let Ok(raw) = std::str::from_utf8(data) else {
        return;
    };
    let readings = path::readings(raw);
    if let Ok(all) = &readings {
        assert!(!all.is_empty());
        for p in all {
            assert!(p.starts_with('/'), "{raw:?} -> {p:?}");
        }
        // Dot segments are resolved in the strict reading (other readings
        // keep them, as frameworks that route on the raw path do).
        assert!(
            all[0].split('/').all(|s| s != "." && s != ".."),
            "{raw:?} -> {:?}",
            all[0]
        );
        match path::under_prefix(raw, "/.passgate") {
            Ok(true) => assert!(all.iter().all(|p| path::under(p, "/.passgate"))),
            Ok(false) => assert!(!all.iter().any(|p| path::under(p, "/.passgate"))),
            Err(_) => {}
        }
    }
    if let Ok(c) = path::canonical(raw) {
        assert_eq!(path::canonical(&c).as_deref(), Ok(c.as_str()), "{raw:?}");
        // A path the strict reading takes is never taken differently by
        // the lookup: it is the first reading.
        if let Ok(all) = &readings {
            assert!(
                path::is_plain(raw) || all[0] == c,
                "{raw:?}: {all:?} vs {c:?}"
            );
        }
    }
    let _ = path::is_plain(raw);
}

/// Cookie parsing: passgate reads a `Cookie` field as the `cookie` crate
/// does; after passgate's cookies are stripped, none is found;
/// what forward auth answers equals what proxy mode forwards; other
/// cookies that were found are still found.
pub fn cookies(data: &[u8]) {
    let mut h = HeaderMap::new();
    for piece in data.split(|b| *b == b'\n') {
        if let Ok(v) = HeaderValue::from_bytes(piece) {
            h.append(header::COOKIE, v);
        }
    }
    let answered = crate::cookies::without_own(&h);
    let before: Vec<(String, Option<String>)> = ["app", "a", "theme", "x"]
        .iter()
        .map(|n| {
            (
                n.to_string(),
                crate::cookies::value(&h, n).map(str::to_string),
            )
        })
        .collect();
    // The same reading as the `cookie` crate's: the first pair with the
    // name, over the fields that are text, one pair of quotes trimmed.
    for name in ["app", "a", "theme", "x"]
        .iter()
        .chain(crate::cookies::OWN.iter())
    {
        let theirs = h
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|v| {
                cookie::Cookie::split_parse(v)
                    .filter_map(Result::ok)
                    .find(|c| c.name() == *name)
                    .map(|c| c.value_trimmed().to_string())
            });
        assert_eq!(
            crate::cookies::value(&h, name).map(str::to_string),
            theirs,
            "{name} in {h:?}"
        );
    }
    let mut stripped = h.clone();
    crate::cookies::strip_own(&mut stripped);
    for own in crate::cookies::OWN {
        assert_eq!(crate::cookies::value(&stripped, own), None, "{own}");
    }
    let forwarded: Vec<&HeaderValue> = stripped.get_all(header::COOKIE).iter().collect();
    assert_eq!(
        forwarded,
        answered.iter().collect::<Vec<_>>(),
        "forward auth and proxy mode agree"
    );
    // Only text values are parsed: a cookie found before is found after,
    // unless its value was in a field that is not text.
    if h.get_all(header::COOKIE).iter().all(|v| v.to_str().is_ok()) {
        for (name, value) in before {
            assert_eq!(
                crate::cookies::value(&stripped, &name).map(str::to_string),
                value,
                "{name}"
            );
        }
    }
    let _ = crate::cookies::sets_own(data);
}

/// The forwarded-header parsers: a target is always a plain absolute URL
/// whose path starts with `/`; the client address is the peer or one of
/// the chain's.
pub fn forwarded(data: &[u8]) {
    let mut parts = data.split(|b| *b == b'\n');
    let mut h = HeaderMap::new();
    for name in [
        "x-forwarded-proto",
        "x-forwarded-host",
        "x-forwarded-uri",
        "x-forwarded-method",
        "x-forwarded-port",
        "x-original-url",
        "x-original-method",
        "x-forwarded-for",
    ] {
        if let Some(v) = parts.next()
            && let Ok(v) = HeaderValue::from_bytes(v)
        {
            h.append(HeaderName::from_static(name), v);
        }
    }
    for t in [
        crate::gate::Target::from_forwarded(&h),
        crate::gate::Target::from_original(&h),
    ]
    .into_iter()
    .flatten()
    {
        assert!(t.path.starts_with('/'), "{:?}", t.path);
        assert!(!t.host.is_empty());
        assert_eq!(t.host.to_ascii_lowercase(), t.host);
        let url = t.url();
        let parsed = url::Url::parse(&url);
        assert!(parsed.is_ok(), "{url:?}");
    }
    let entries: Vec<std::net::IpAddr> = h
        .get_all("x-forwarded-for")
        .iter()
        .flat_map(|v| v.as_bytes().split(|b| *b == b','))
        .filter_map(|e| crate::gate::forwarded_addr(e.trim_ascii()))
        .collect();
    let cfg = fuzz_config();
    for peer in ["10.0.0.1:1", "203.0.113.1:1"] {
        let peer: std::net::SocketAddr = peer.parse().unwrap();
        let ip = crate::gate::client_ip(cfg, peer, &h);
        assert!(ip == peer.ip() || entries.contains(&ip), "{ip}");
    }
}

/// A config trusting 10.0.0.0/8, made once.
fn fuzz_config() -> &'static crate::Config {
    static CFG: std::sync::OnceLock<crate::Config> = std::sync::OnceLock::new();
    CFG.get_or_init(|| {
        crate::Config::from_toml(
            "[server]\ntrusted_proxies = [\"10.0.0.0/8\"]\n",
            "fuzz",
            std::iter::empty(),
            &std::env::temp_dir(),
        )
        .expect("the fuzz config is valid")
    })
}

/// The config loader: any text is a config or a list of problems, never a
/// panic, and the problems can be shown.
pub fn config(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let env = [
        ("PASSGATE_SERVER_WORKERS".to_string(), "2".to_string()),
        ("PASSGATE_NOT_A_SECTION_X".to_string(), "1".to_string()),
    ];
    match crate::Config::from_toml(text, "fuzz.toml", env, &std::env::temp_dir()) {
        Ok(c) => {
            let _ = c.routes.shadowed();
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
}

/// A fuzz target.
pub type Target = fn(&[u8]);

/// Every target by name (for `tests/it/fuzz.rs`).
pub const TARGETS: [(&str, Target); 7] = [
    ("request_head", request_head),
    ("chunked", chunked),
    ("answer_head", answer_head),
    ("path", path),
    ("cookies", cookies),
    ("forwarded", forwarded),
    ("config", config),
];
