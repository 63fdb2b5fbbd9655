use super::*;

#[test]
fn tokens_are_256_bit_and_hash_round_trips() {
    let (t, h) = new_token();
    assert_eq!(t.len(), 43);
    assert_eq!(token_hash(&t), Some(h));
    let (t2, _) = new_token();
    assert_ne!(t, t2);
}

#[test]
fn malformed_tokens_have_no_hash() {
    for bad in ["", "abc", "!".repeat(43).as_str(), &"A".repeat(44)] {
        assert_eq!(token_hash(bad), None, "{bad:?}");
    }
}

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
