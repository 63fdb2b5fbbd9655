//! Request-path normalisation for rule matching.
//!
//! A rule like `path = "/admin"` must hold whatever spelling of that path a
//! client sends, and whatever way the upstream later reads it. Servers
//! disagree on the details, so passgate does not guess one reading: it
//! computes the path under every reading that could differ for this path
//! and, when they would select different rules, refuses the request as
//! ambiguous (400). The raw path is forwarded unchanged; only the rule
//! choice depends on this.
//!
//! In every reading:
//! - the path must be origin-form (start with `/`);
//! - percent escapes must be well formed (`%` and two hex digits), and may
//!   not decode to NUL or other control characters; what they decode to
//!   must be UTF-8 (an overlong `%c0%ae` is not);
//!
//! The choices that vary (each only when the path has what it concerns):
//! - dot segments: `.` removed and `..` removing the previous segment
//!   (never climbing above `/`), after decoding (so `%2e%2e` is `..`), as
//!   RFC 3986 says; or kept as they are, as many application frameworks
//!   route (Flask, Express, Starlette: `/admin/../public` reaches their
//!   `/admin` handler; found by an adversarial review);
//! - how many times the path is decoded: once, or again as long as that
//!   changes it (some frameworks decode twice), up to [`MAX_DECODES`];
//!   a path that would still change after that is refused;
//! - `%2F`, `%5C` and `%3B` as the separators and parameters they encode,
//!   or as data;
//! - `\` as a separator;
//! - `;…` stripped from each segment (Tomcat/Jetty path parameters);
//! - runs of `/` merged into one;
//! - a path starting with two separators read as scheme-relative
//!   (`//host/rest`: WHATWG URL parsers and Python's `urlsplit` read host
//!   `host` and path `/rest`);
//! - a decoded `?` or `#` ending the path (servers that decode, then parse
//!   the result as a URL);
//! - Unicode compatibility forms read as what they stand for, raw or
//!   percent-encoded (NFKC: fullwidth `／` and `ａ`, `‥` for `..`, `ª` for
//!   `a`), for servers that apply compatibility normalisation;
//! - ASCII case: rules are also matched without regard to case
//!   ([`super::RouteTable::lookup`]), for case-insensitive servers.
//!
//! The query string never plays a part.

use std::borrow::Cow;
use std::fmt;

/// How many times a path is decoded at most; one that would still change
/// is refused.
pub const MAX_DECODES: usize = 3;

/// Why a path cannot be matched at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathError {
    /// Not origin-form: does not start with `/`.
    NotAbsolute,
    /// `%` not followed by two hex digits.
    BadEscape,
    /// Decodes to NUL or another control character.
    ControlChar,
    /// Would still change if decoded once more after [`MAX_DECODES`].
    DoubleEncoded,
    /// Decodes to bytes that are not UTF-8 (overlong forms included).
    InvalidUtf8,
    /// Servers would read this path differently and the readings fall under
    /// different rules.
    Ambiguous,
}

impl fmt::Display for PathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PathError::NotAbsolute => "the request path must start with /",
            PathError::BadEscape => "the request path has a malformed percent escape",
            PathError::ControlChar => "the request path decodes to a control character",
            PathError::DoubleEncoded => "the request path is percent-encoded too many times",
            PathError::InvalidUtf8 => "the request path decodes to something that is not UTF-8",
            PathError::Ambiguous => {
                "the request path reads differently on different servers and would fall under different rules"
            }
        })
    }
}

impl std::error::Error for PathError {}

/// One way a server may read a path (after decoding it some number of
/// times).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reading {
    /// `%2F` and `%5C` separate segments (the latter with
    /// `backslash_separates`), and `%3B` starts parameters (with
    /// `strip_params`); otherwise they are data.
    pub decode_slashes: bool,
    pub backslash_separates: bool,
    pub strip_params: bool,
    pub merge_slashes: bool,
    /// `//host/rest` is host `host`, path `/rest`.
    pub scheme_relative: bool,
    /// A decoded `?` or `#` ends the path.
    pub cut_at_delims: bool,
    /// Text is read in Unicode compatibility form (NFKC), percent-encoded
    /// text included.
    pub compatibility: bool,
    /// `.` and `..` segments are resolved (RFC 3986), or kept as segments.
    pub resolve_dots: bool,
}

impl Reading {
    /// The reading that treats everything that might separate segments as a
    /// separator; the canonical form shown to people (`check-config --explain`).
    pub const STRICT: Reading = Reading {
        decode_slashes: true,
        backslash_separates: true,
        strip_params: true,
        merge_slashes: true,
        scheme_relative: false,
        cut_at_delims: false,
        compatibility: false,
        resolve_dots: true,
    };

    /// Every combination of the choices `dims` says may matter (the others
    /// as in [`Reading::STRICT`]).
    fn all(dims: Dims) -> impl Iterator<Item = Reading> {
        let flags = [
            dims.delims,
            dims.backslash,
            dims.params,
            dims.slashes,
            dims.scheme_relative,
            dims.cut,
            dims.compat,
            dims.dots,
        ];
        let varying: Vec<usize> = (0..flags.len()).filter(|i| flags[*i]).collect();
        (0u32..1 << varying.len()).map(move |bits| {
            let mut v = [true, true, true, true, false, false, false, true];
            for (k, i) in varying.iter().enumerate() {
                v[*i] = bits & (1 << k) != 0;
            }
            Reading {
                decode_slashes: v[0],
                backslash_separates: v[1],
                strip_params: v[2],
                merge_slashes: v[3],
                scheme_relative: v[4],
                cut_at_delims: v[5],
                compatibility: v[6],
                resolve_dots: v[7],
            }
        })
    }
}

/// Which of a reading's choices can change the result for one input.
#[derive(Debug, Default, Clone, Copy)]
struct Dims {
    delims: bool,
    backslash: bool,
    params: bool,
    slashes: bool,
    scheme_relative: bool,
    cut: bool,
    compat: bool,
    dots: bool,
}

impl Dims {
    fn of(input: &str) -> Dims {
        let b = input.as_bytes();
        let has = |needle: &[u8]| {
            b.windows(needle.len())
                .any(|w| w.eq_ignore_ascii_case(needle))
        };
        let sep_escape = has(b"%2f") || has(b"%5c");
        let backslash = b.contains(&b'\\') || has(b"%5c");
        // Two separators in a row at the start, in any spelling.
        let two_seps = ["//", "/\\", "/%2f", "/%5c"]
            .iter()
            .any(|p| b.len() >= p.len() && b[..p.len()].eq_ignore_ascii_case(p.as_bytes()));
        // Text that is not ASCII, raw or percent-encoded (`%EF%BC%8E`).
        let compat = !input.is_ascii() || non_ascii_escape(b);
        Dims {
            delims: sep_escape || has(b"%3b"),
            backslash,
            params: b.contains(&b';') || has(b"%3b"),
            slashes: b.windows(2).any(|w| w == b"//") || sep_escape || backslash,
            scheme_relative: two_seps,
            cut: has(b"%3f") || has(b"%23") || b.contains(&b'?') || b.contains(&b'#'),
            compat,
            // A segment that may start with a dot, in any spelling (a
            // compatibility form may hold one: `．`, `‥`).
            dots: ["/.", "\\.", "%2e", "%2f.", "%5c."]
                .iter()
                .any(|d| has(d.as_bytes()))
                || compat,
        }
    }
}

/// Does `b` hold an escape of a byte that is not ASCII (`%80`–`%FF`)?
fn non_ascii_escape(b: &[u8]) -> bool {
    b.windows(3).any(|w| {
        w[0] == b'%'
            && matches!(w[1], b'8'..=b'9' | b'a'..=b'f' | b'A'..=b'F')
            && hex(w[2]).is_some()
    })
}

/// `input` in Unicode compatibility form (NFKC): escapes of bytes that are
/// not ASCII are decoded first (they are UTF-8 text), ASCII escapes stay
/// as they are. `None` when the decoded text is not UTF-8 (another reading
/// refuses it).
fn compatibility_form(input: &str) -> Option<String> {
    use unicode_normalization::UnicodeNormalization;
    let b = input.as_bytes();
    let mut bytes = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let escaped = (b[i] == b'%')
            .then(|| Some(hex(*b.get(i + 1)?)? * 16 + hex(*b.get(i + 2)?)?))
            .flatten()
            .filter(|v| *v >= 0x80);
        match escaped {
            Some(v) => {
                bytes.push(v);
                i += 3;
            }
            None => {
                bytes.push(b[i]);
                i += 1;
            }
        }
    }
    let text = String::from_utf8(bytes).ok()?;
    Some(text.nfkc().collect())
}

/// What one look at a path says: every reading gives the same path
/// (`plain`), and whether it has an ASCII upper-case letter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scan {
    pub plain: bool,
    pub upper: bool,
}

/// Bytes that make a path other than plain wherever they are: escapes,
/// `\`, `;`, `?` and `#` (never in a path as received, but a path from
/// elsewhere is read fully), controls, and 0xEF (a UTF-8 lead byte of the
/// fullwidth forms). `/` and `.` matter only together, and are looked at
/// apart.
const SPECIAL: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 0x20 {
        t[i] = true;
        i += 1;
    }
    let mut i = 0x7f;
    while i < 256 {
        t[i] = true;
        i += 1;
    }
    t[b'%' as usize] = true;
    t[b'\\' as usize] = true;
    t[b';' as usize] = true;
    t[b'?' as usize] = true;
    t[b'#' as usize] = true;
    t
};

/// Look at `raw` once: is it plain (see [`is_plain`]), does it have an
/// upper-case letter. This is the hot path: one pass, a table look per byte.
pub fn scan(raw: &str) -> Scan {
    let b = raw.as_bytes();
    let mut upper = false;
    if b.first() != Some(&b'/') {
        return Scan {
            plain: false,
            upper,
        };
    }
    let mut prev = 0u8;
    for (i, &c) in b.iter().enumerate() {
        if SPECIAL[usize::from(c)] {
            return Scan {
                plain: false,
                upper,
            };
        }
        if prev == b'/' {
            // "//", and "/." that starts a dot segment (followed by "/",
            // "." or the end).
            let dot_segment = c == b'.' && matches!(b.get(i + 1), None | Some(b'/') | Some(b'.'));
            if c == b'/' || dot_segment {
                return Scan {
                    plain: false,
                    upper,
                };
            }
        }
        upper |= c.is_ascii_uppercase();
        prev = c;
    }
    Scan { plain: true, upper }
}

/// True when every reading gives the same path, so one normalisation is
/// enough (case aside, which the rule lookup handles).
pub fn is_plain(raw: &str) -> bool {
    scan(raw).plain
}

/// Normalise `raw` (path only, no query) under one reading, decoding it
/// once.
pub fn normalise(raw: &str, how: Reading) -> Result<String, PathError> {
    normalise_with(raw, how, false)
}

/// Normalise `input` under one reading. `lenient`: a `%` that does not
/// start an escape is data (the input was decoded before, and a `%` in it
/// came from `%25`).
fn normalise_with(input: &str, how: Reading, lenient: bool) -> Result<String, PathError> {
    let compatible: String;
    let (input, lenient) = if how.compatibility {
        compatible = match compatibility_form(input) {
            Some(c) => c,
            // Not UTF-8 once decoded: the plain reading says so.
            None => {
                return normalise_with(
                    input,
                    Reading {
                        compatibility: false,
                        ..how
                    },
                    lenient,
                );
            }
        };
        // The compatibility form may hold a `%` (of a fullwidth `％`): data,
        // like any `%` that does not start an escape after a decode.
        (compatible.as_str(), true)
    } else {
        (input, lenient)
    };
    let bytes = input.as_bytes();
    if bytes.first() != Some(&b'/') {
        return Err(PathError::NotAbsolute);
    }
    let mut segments: Vec<Vec<u8>> = Vec::new();
    let mut current: Vec<u8> = Vec::new();
    // Inside a `;params` run that is being stripped: skip until the next separator.
    let mut in_params = false;
    // Separators seen before the first segment with something in it (two
    // or more: a scheme-relative reading takes that segment as a host).
    let mut leading_separators = 1usize;
    let mut host_dropped = !how.scheme_relative;
    let mut i = 1;

    let finish = |seg: &mut Vec<u8>,
                  segments: &mut Vec<Vec<u8>>,
                  leading: &mut usize,
                  host_dropped: &mut bool| {
        let s = std::mem::take(seg);
        if segments.is_empty() && s.is_empty() && !*host_dropped {
            *leading += 1;
            return;
        }
        if !*host_dropped {
            *host_dropped = true;
            if *leading >= 2 {
                // "//host/rest": the host is not part of the path.
                return;
            }
        }
        match s.as_slice() {
            b"." if how.resolve_dots => {}
            b".." if how.resolve_dots => {
                segments.pop();
            }
            b"" if how.merge_slashes => {}
            _ => segments.push(s),
        }
    };

    while i < bytes.len() {
        let c = bytes[i];
        match c {
            b'/' => {
                finish(
                    &mut current,
                    &mut segments,
                    &mut leading_separators,
                    &mut host_dropped,
                );
                in_params = false;
                i += 1;
            }
            b'\\' if how.backslash_separates => {
                finish(
                    &mut current,
                    &mut segments,
                    &mut leading_separators,
                    &mut host_dropped,
                );
                in_params = false;
                i += 1;
            }
            b'%' => {
                let hi = bytes.get(i + 1).and_then(|h| hex(*h));
                let lo = bytes.get(i + 2).and_then(|h| hex(*h));
                let (Some(hi), Some(lo)) = (hi, lo) else {
                    if lenient {
                        if !in_params {
                            current.push(b'%');
                        }
                        i += 1;
                        continue;
                    }
                    return Err(PathError::BadEscape);
                };
                let v = hi * 16 + lo;
                i += 3;
                if v < 0x20 || v == 0x7f {
                    return Err(PathError::ControlChar);
                }
                if how.cut_at_delims && (v == b'?' || v == b'#') {
                    break;
                }
                let separates = match v {
                    b'/' => how.decode_slashes,
                    b'\\' => how.decode_slashes && how.backslash_separates,
                    _ => false,
                };
                if separates {
                    finish(
                        &mut current,
                        &mut segments,
                        &mut leading_separators,
                        &mut host_dropped,
                    );
                    in_params = false;
                } else if v == b';' && how.decode_slashes && how.strip_params {
                    in_params = true;
                } else if in_params {
                    // Part of a stripped `;params` run.
                    continue;
                } else if v == b'/' || v == b'\\' || v == b';' || v == b'%' {
                    // Kept as an escape: it is data inside the segment (and
                    // a decoded `%` must not start another escape here).
                    current.extend_from_slice(match v {
                        b'/' => b"%2F",
                        b'\\' => b"%5C",
                        b';' => b"%3B",
                        _ => b"%25",
                    });
                } else {
                    current.push(v);
                }
            }
            b';' if how.strip_params => {
                in_params = true;
                i += 1;
            }
            // Only in an input decoded before: a decoded `?` or `#`.
            b'?' | b'#' if how.cut_at_delims => break,
            c if c < 0x20 || c == 0x7f => return Err(PathError::ControlChar),
            _ => {
                if !in_params {
                    current.push(c);
                }
                i += 1;
            }
        }
    }
    // A trailing separator leaves an empty last segment: it adds nothing to
    // prefix matching, so it is dropped rather than kept as "//".
    if !current.is_empty() {
        finish(
            &mut current,
            &mut segments,
            &mut leading_separators,
            &mut host_dropped,
        );
    }
    let mut out = String::with_capacity(input.len());
    for seg in segments {
        out.push('/');
        out.push_str(&String::from_utf8(seg).map_err(|_| PathError::InvalidUtf8)?);
    }
    if out.is_empty() {
        out.push('/');
    }
    Ok(out)
}

/// `input` percent-decoded once (escapes that do not parse are kept as
/// they are); `None` when nothing changed.
fn decode_once(input: &str) -> Result<Option<String>, PathError> {
    let b = input.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut changed = false;
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && let (Some(hi), Some(lo)) = (
                b.get(i + 1).and_then(|h| hex(*h)),
                b.get(i + 2).and_then(|h| hex(*h)),
            )
        {
            let v = hi * 16 + lo;
            if v < 0x20 || v == 0x7f {
                return Err(PathError::ControlChar);
            }
            out.push(v);
            changed = true;
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    if !changed {
        return Ok(None);
    }
    String::from_utf8(out)
        .map(Some)
        .map_err(|_| PathError::InvalidUtf8)
}

/// What a server that decodes the path `k` times before reading it sees,
/// for each `k` that changes it: `raw` itself first, then each decoded form
/// that still holds an escape (read as [`normalise_with`] does, decoding
/// once more). More than [`MAX_DECODES`] decodes that change it: refused.
fn decoded_forms(raw: &str) -> Result<Vec<Cow<'_, str>>, PathError> {
    let mut forms = vec![Cow::Borrowed(raw)];
    let mut current = Cow::Borrowed(raw);
    for decodes in 1..=MAX_DECODES {
        let Some(next) = decode_once(&current)? else {
            return Ok(forms);
        };
        // The once-decoded form is what the first reading already reads;
        // a further form matters only if decoding it changes it again.
        if decode_once(&next)?.is_none() {
            return Ok(forms);
        }
        if decodes == MAX_DECODES {
            break;
        }
        forms.push(Cow::Owned(next.clone()));
        current = Cow::Owned(next);
    }
    Err(PathError::DoubleEncoded)
}

/// Every distinct normalised form of `raw`, strict reading first.
pub fn readings(raw: &str) -> Result<Vec<String>, PathError> {
    let mut out: Vec<String> = Vec::with_capacity(4);
    out.push(normalise(raw, Reading::STRICT)?);
    for (depth, input) in decoded_forms(raw)?.iter().enumerate() {
        for how in Reading::all(Dims::of(input)) {
            let p = normalise_with(input, how, depth > 0)?;
            if !out.contains(&p) {
                out.push(p);
            }
        }
    }
    Ok(out)
}

/// The canonical (strict) form of `raw`.
pub fn canonical(raw: &str) -> Result<String, PathError> {
    if is_plain(raw) {
        return Ok(trim_trailing_slash(raw));
    }
    normalise(raw, Reading::STRICT)
}

fn trim_trailing_slash(p: &str) -> String {
    if p.len() > 1 && p.ends_with('/') {
        p.trim_end_matches('/').to_string()
    } else {
        p.to_string()
    }
}

/// Is `raw` (as received) under `prefix` (normalised) in every reading?
/// `Ok(false)` when in none; refused when the readings disagree.
pub fn under_prefix(raw: &str, prefix: &str) -> Result<bool, PathError> {
    if is_plain(raw) {
        return Ok(under(raw, prefix));
    }
    let all = readings(raw)?;
    let inside = all.iter().filter(|p| under(p, prefix)).count();
    match inside {
        0 => Ok(false),
        n if n == all.len() => Ok(true),
        _ => Err(PathError::Ambiguous),
    }
}

/// Does `path` (normalised) fall under the rule prefix `prefix` (normalised,
/// no trailing slash)? Prefixes match whole segments: `/app` covers `/app`
/// and `/app/x`, not `/apple`.
pub fn under(path: &str, prefix: &str) -> bool {
    if prefix == "/" {
        return true;
    }
    match path.strip_prefix(prefix) {
        Some(rest) => rest.is_empty() || rest.starts_with('/'),
        None => false,
    }
}

/// [`under`] without regard to ASCII case.
pub fn under_ignoring_case(path: &str, prefix: &str) -> bool {
    if prefix == "/" {
        return true;
    }
    let (p, x) = (path.as_bytes(), prefix.as_bytes());
    p.len() >= x.len()
        && p[..x.len()].eq_ignore_ascii_case(x)
        && (p.len() == x.len() || p[x.len()] == b'/')
}

fn hex(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}
