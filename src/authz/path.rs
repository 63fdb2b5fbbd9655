//! Request-path normalisation for rule matching.
//!
//! A rule like `path = "/admin"` must hold whatever spelling of that path a
//! client sends, and whatever way the upstream later reads it. Servers disagree
//! on the details (is `%2F` a separator? `\`? does `;jsessionid=…` belong to the
//! segment? are `//` merged?), so passgate does not guess one reading: it
//! computes the path under every combination of those four choices and, when
//! they would select different rules, refuses the request as ambiguous (400).
//! The raw path is forwarded unchanged; only the rule choice depends on this.
//!
//! In every reading:
//! - the path must be origin-form (start with `/`);
//! - percent escapes must be well formed, and may not decode to NUL or other
//!   control characters;
//! - escapes are decoded once; a result that still holds an escaped dot, slash
//!   or backslash (`%252e` → `%2e`) is refused as double encoding;
//! - `.` segments are removed and `..` removes the previous segment (never
//!   climbing above `/`), after decoding (so `%2e%2e` is `..`);
//! - matching is case-sensitive and the query string plays no part.
//!
//! The four choices that vary: `%2F`/`%5C` as separators; `\` as a separator;
//! `;…` stripped from each segment (Tomcat/Jetty path parameters); runs of `/`
//! merged into one.

use std::fmt;

/// Why a path cannot be matched at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathError {
    /// Not origin-form: does not start with `/`.
    NotAbsolute,
    /// `%` not followed by two hex digits.
    BadEscape,
    /// Decodes to NUL or another control character.
    ControlChar,
    /// Still holds an escaped `.`, `/` or `\` after decoding once.
    DoubleEncoded,
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
            PathError::DoubleEncoded => "the request path is percent-encoded twice",
            PathError::Ambiguous => {
                "the request path reads differently on different servers and would fall under different rules"
            }
        })
    }
}

impl std::error::Error for PathError {}

/// One way a server may read a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reading {
    pub decode_slashes: bool,
    pub backslash_separates: bool,
    pub strip_params: bool,
    pub merge_slashes: bool,
}

impl Reading {
    /// The reading that treats everything that might separate segments as a
    /// separator; the canonical form shown to people (`check-config --explain`).
    pub const STRICT: Reading = Reading {
        decode_slashes: true,
        backslash_separates: true,
        strip_params: true,
        merge_slashes: true,
    };

    /// All sixteen readings.
    pub fn all() -> impl Iterator<Item = Reading> {
        (0u8..16).map(|bits| Reading {
            decode_slashes: bits & 1 != 0,
            backslash_separates: bits & 2 != 0,
            strip_params: bits & 4 != 0,
            merge_slashes: bits & 8 != 0,
        })
    }
}

/// True when every reading gives the same path, so one normalisation is enough.
/// This is the hot path: most real paths have none of these characters.
pub fn is_plain(raw: &str) -> bool {
    let b = raw.as_bytes();
    if b.first() != Some(&b'/') {
        return false;
    }
    let mut prev = 0u8;
    for (i, &c) in b.iter().enumerate() {
        match c {
            b'%' | b'\\' | b';' => return false,
            b'/' if prev == b'/' => return false,
            b'.' if prev == b'/' => {
                // "/." starts a dot segment only if followed by "/", "." or end.
                match b.get(i + 1) {
                    None | Some(b'/') | Some(b'.') => return false,
                    _ => {}
                }
            }
            c if c < 0x20 || c == 0x7f => return false,
            _ => {}
        }
        prev = c;
    }
    true
}

/// Normalise `raw` (path only, no query) under one reading.
pub fn normalise(raw: &str, how: Reading) -> Result<String, PathError> {
    let bytes = raw.as_bytes();
    if bytes.first() != Some(&b'/') {
        return Err(PathError::NotAbsolute);
    }
    let mut segments: Vec<Vec<u8>> = Vec::new();
    let mut current: Vec<u8> = Vec::new();
    // Inside a `;params` run that is being stripped: skip until the next separator.
    let mut in_params = false;
    let mut i = 1;

    let finish = |seg: &mut Vec<u8>, segments: &mut Vec<Vec<u8>>| -> Result<(), PathError> {
        let s = std::mem::take(seg);
        match s.as_slice() {
            b"." => {}
            b".." => {
                segments.pop();
            }
            b"" if how.merge_slashes => {}
            _ => segments.push(s),
        }
        Ok(())
    };

    while i < bytes.len() {
        let c = bytes[i];
        match c {
            b'/' => {
                finish(&mut current, &mut segments)?;
                in_params = false;
                i += 1;
            }
            b'\\' if how.backslash_separates => {
                finish(&mut current, &mut segments)?;
                in_params = false;
                i += 1;
            }
            b'%' => {
                let hi = bytes.get(i + 1).and_then(|h| hex(*h));
                let lo = bytes.get(i + 2).and_then(|h| hex(*h));
                let (Some(hi), Some(lo)) = (hi, lo) else {
                    return Err(PathError::BadEscape);
                };
                let v = hi * 16 + lo;
                i += 3;
                if v < 0x20 || v == 0x7f {
                    return Err(PathError::ControlChar);
                }
                if v == b'%' {
                    // "%252e": one decode leaves "%2e", which a second decode
                    // (some frameworks do one) turns into a dot segment.
                    let next = bytes.get(i).and_then(|h| hex(*h));
                    let after = bytes.get(i + 1).and_then(|h| hex(*h));
                    if let (Some(h), Some(l)) = (next, after)
                        && matches!(h * 16 + l, b'.' | b'/' | b'\\')
                    {
                        return Err(PathError::DoubleEncoded);
                    }
                }
                let separates = match v {
                    b'/' => how.decode_slashes,
                    b'\\' => how.decode_slashes && how.backslash_separates,
                    _ => false,
                };
                if separates {
                    finish(&mut current, &mut segments)?;
                    in_params = false;
                } else if in_params {
                    // Part of a stripped `;params` run.
                    continue;
                } else if v == b'/' || v == b'\\' {
                    // Kept as an escape: it is data inside the segment.
                    current.extend_from_slice(if v == b'/' { b"%2F" } else { b"%5C" });
                } else {
                    current.push(v);
                }
            }
            b';' if how.strip_params => {
                in_params = true;
                i += 1;
            }
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
        finish(&mut current, &mut segments)?;
    }
    let mut out = String::with_capacity(raw.len());
    for seg in &segments {
        out.push('/');
        out.push_str(&String::from_utf8_lossy(seg));
    }
    if out.is_empty() {
        out.push('/');
    }
    Ok(out)
}

/// Every distinct normalised form of `raw`, strict reading first.
pub fn readings(raw: &str) -> Result<Vec<String>, PathError> {
    let mut out: Vec<String> = Vec::with_capacity(4);
    out.push(normalise(raw, Reading::STRICT)?);
    for how in Reading::all() {
        let p = normalise(raw, how)?;
        if !out.contains(&p) {
            out.push(p);
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

fn hex(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}
