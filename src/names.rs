//! What passgate accepts as an email address and as a group name, and how
//! addresses compare. Config (rules), the store (records) and sessions all
//! ask here, so a rule and a record cannot disagree on what an address is.
//! A leaf: depends on nothing else in the crate.

/// Name of the group whose members are administrators.
pub const ADMIN_GROUP: &str = "admins";

/// A plausible email address: one `@`, something on each side, a dot or
/// `localhost` in the domain, no spaces or control characters. Deliverability
/// is proven by the email itself, not by this check.
pub fn looks_like_email(s: &str) -> bool {
    let Some((local, domain)) = s.rsplit_once('@') else {
        return false;
    };
    !local.is_empty()
        && local.len() <= 64
        && !domain.is_empty()
        && domain.len() <= 253
        && (domain.contains('.') || domain == "localhost")
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '<' || c == '>' || c == ',')
        && !local.contains('@')
}

/// Normalise an address for lookups and uniqueness.
pub fn normalise_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// Group names: 1–64 of letters, digits, `-`, `_`, `.`.
pub fn valid_group_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        // `.` and `..` would read as path segments in the admin pages' URLs.
        && name.bytes().any(|b| b != b'.')
}

/// The longest display name (characters).
pub const MAX_DISPLAY_NAME: usize = 100;

/// A display name as people type it, made safe to keep and to send on
/// (`Remote-Name`, assertions): trimmed, without control characters (no
/// line breaks into a header), at most [`MAX_DISPLAY_NAME`] characters.
pub fn display_name(raw: &str) -> String {
    raw.trim()
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_DISPLAY_NAME)
        .collect()
}

/// Usernames (`Remote-User`): 1–64 of letters, digits, `-`, `_`, `.`, so
/// the header carries them unchanged, and never with `@`: a person without
/// a username is known by their address, and no username may read as
/// someone's address.
pub fn valid_username(name: &str) -> bool {
    valid_group_name(name) && name.bytes().any(|b| b.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_plausibility() {
        for ok in [
            "a@example.com",
            "first.last+tag@sub.example.org",
            "admin@localhost",
        ] {
            assert!(looks_like_email(ok), "{ok}");
        }
        for bad in [
            "",
            "a",
            "@example.com",
            "a@",
            "a@b",
            "a b@example.com",
            "a@example.com.",
            "<a@example.com>",
            "a@@example.com",
        ] {
            assert!(!looks_like_email(bad), "{bad}");
        }
    }

    #[test]
    fn names_that_read_as_something_else_are_refused() {
        for ok in ["ops", "team.a", "a-b_c", "x"] {
            assert!(valid_group_name(ok) && valid_username(ok), "{ok}");
        }
        // Path segments in the admin pages' URLs; an address; header bytes.
        for bad in [".", "..", "...", "", "a b", "a/b", "a@b.example", "a\r\nb"] {
            assert!(!valid_username(bad), "{bad:?}");
        }
        for bad in [".", "..", "a/b", "a b", &"x".repeat(65)] {
            assert!(!valid_group_name(bad), "{bad:?}");
        }
        assert!(!valid_username("-_."), "a username has a letter or digit");
    }
}
