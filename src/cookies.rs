//! passgate's cookies on the way through: reading one cookie's value from a
//! request, removing passgate's own cookies from what reaches an upstream,
//! and recognising an upstream's `Set-Cookie` for one of passgate's names.
//!
//! Owns the list of passgate's cookie names ([`OWN`]). The cookies are made
//! by the pages (`ui.rs`) and the session (`config.rs` picks the session
//! cookie's name from these constants). Does not own building `Set-Cookie`
//! values.
//!
//! Every function here reads a `Cookie` value the same way, as browsers
//! send it: split on `;`, each piece at its first `=`, names and values
//! trimmed of spaces and tabs. So the reader that finds the session and the
//! stripper that keeps it from the upstream cannot disagree.

use http::header::{self, HeaderMap, HeaderValue};

/// The session cookie on an https portal without `cookie_domain`.
pub const SESSION_HOST: &str = "__Host-passgate";
/// The session cookie otherwise.
pub const SESSION: &str = "passgate_session";
/// The CSRF cookie on an https portal, and otherwise.
pub const CSRF_HOST: &str = "__Host-passgate-csrf";
pub const CSRF: &str = "passgate_csrf";
/// The cookie binding an email link to the browser that asked for it.
pub const EMAIL_HOST: &str = "__Host-passgate-email";
pub const EMAIL: &str = "passgate_email";

/// Every cookie name passgate sets, on http and https portals alike: none
/// of them reaches an upstream, and no upstream may set one.
pub const OWN: [&str; 6] = [SESSION_HOST, SESSION, CSRF_HOST, CSRF, EMAIL_HOST, EMAIL];

/// Is `name` (exactly, as browsers send it back) one of passgate's?
pub fn is_own(name: &str) -> bool {
    OWN.contains(&name)
}

/// A cookie's value from the request's `Cookie` field(s): the first pair
/// with that name.
pub fn value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| pairs(v).find_map(|(n, v)| (n == name).then_some(v)))
}

/// The `name=value` pairs of one `Cookie` value, names and values trimmed
/// of spaces and tabs, values of one pair of surrounding quotes (RFC 6265's
/// quoted cookie-value); pieces without `=` are skipped. Scans bytes: the
/// text of a field value is visible ASCII, spaces and tabs, so nothing else
/// needs trimming. The `cookie` crate reads a field the same way (held to
/// it by `fuzz::cookies`).
fn pairs(s: &str) -> impl Iterator<Item = (&str, &str)> {
    s.split(';').filter_map(|pair| {
        let eq = pair.bytes().position(|b| b == b'=')?;
        let name = pair[..eq].trim_ascii();
        let value = pair[eq + 1..].trim_ascii();
        let value = match value.as_bytes() {
            [b'"', .., b'"'] => &value[1..value.len() - 1],
            _ => value,
        };
        Some((name, value))
    })
}

/// The name of a `Cookie` piece (`name=value`, or a bare name).
fn name_of(pair: &str) -> &str {
    match pair.bytes().position(|b| b == b'=') {
        Some(i) => &pair[..i],
        None => pair,
    }
    .trim_ascii()
}

/// Remove passgate's cookies from every `Cookie` field; drop the field
/// when nothing is left.
pub fn strip_own(h: &mut HeaderMap) {
    let mut values = h.get_all(header::COOKIE).iter();
    match (values.next(), values.next()) {
        (None, _) => return,
        // The common cases, one Cookie field holding none of ours (left
        // alone) or only ours (removed), are told apart in one scan.
        (Some(first), None) => match first.to_str().map(own_and_other) {
            Ok((false, _)) => return,
            Ok((true, false)) => {
                h.remove(header::COOKIE);
                return;
            }
            _ => {}
        },
        _ => {}
    }
    match kept(h) {
        Some(v) => {
            h.insert(header::COOKIE, v);
        }
        None => {
            h.remove(header::COOKIE);
        }
    }
}

/// The request's cookies without passgate's, as one `Cookie` value (what
/// forward auth answers for the proxy to send on); `None` when nothing is
/// left. Cookies that are not text are dropped too: they cannot be parsed
/// safely, so they might hide one of ours.
pub fn without_own(h: &HeaderMap) -> Option<HeaderValue> {
    let mut values = h.get_all(header::COOKIE).iter();
    let first = values.next()?;
    if values.next().is_none() {
        // One field: one scan tells the common cases apart.
        match first.to_str().map(own_and_other) {
            Ok((false, _)) => return Some(first.clone()),
            Ok((true, false)) => return None,
            _ => {}
        }
    }
    kept(h)
}

/// Every `Cookie` field merged into one value without passgate's (and
/// without values that are not text); `None` when nothing is left.
fn kept(h: &HeaderMap) -> Option<HeaderValue> {
    let mut kept = String::new();
    for v in h.get_all(header::COOKIE) {
        let Ok(s) = v.to_str() else { continue };
        for pair in s.split(';') {
            let pair = pair.trim_ascii();
            if pair.is_empty() || is_own(name_of(pair)) {
                continue;
            }
            if !kept.is_empty() {
                kept.push_str("; ");
            }
            kept.push_str(pair);
        }
    }
    if kept.is_empty() {
        return None;
    }
    HeaderValue::try_from(kept).ok()
}

/// Does this `Cookie` value hold one of passgate's, and anything else (that
/// [`kept`] would keep)?
fn own_and_other(s: &str) -> (bool, bool) {
    let (mut ours, mut others) = (false, false);
    for pair in s.split(';') {
        let pair = pair.trim_ascii();
        if pair.is_empty() {
            continue;
        }
        if is_own(name_of(pair)) {
            ours = true;
        } else {
            others = true;
        }
    }
    (ours, others)
}

/// Does a `Set-Cookie` value set one of passgate's cookies? Its name is
/// what comes before the first `=` of the part before the first `;`,
/// trimmed (RFC 6265bis §5.6); names are compared without regard to case,
/// since browsers treat the `__Host-` prefix that way. A cookie with an
/// empty name (`=passgate_session=X`, or no `=` at all) is one too when its
/// value begins with one of passgate's names and `=`: browsers send a
/// nameless cookie back as its bare value, which reads as that name.
pub fn sets_own(set_cookie: &[u8]) -> bool {
    let pair = set_cookie.split(|b| *b == b';').next().unwrap_or_default();
    let Some(eq) = pair.iter().position(|b| *b == b'=') else {
        // No `=`: the whole piece is a value with an empty name, sent back
        // as `NAME` without a value, which no reader takes for a cookie.
        return false;
    };
    let name = pair[..eq].trim_ascii();
    if name.is_empty() {
        return sets_own(pair[eq + 1..].trim_ascii());
    }
    OWN.iter()
        .any(|own| name.eq_ignore_ascii_case(own.as_bytes()))
}

#[cfg(test)]
mod tests;
