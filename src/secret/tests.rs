use super::*;

#[test]
fn debug_and_display_hide_the_value() {
    let s = Secret::new("postgres://u:hunter2@db/x");
    assert_eq!(format!("{s:?}"), "[redacted]");
    assert_eq!(format!("{s}"), "[redacted]");
    assert_eq!(s.expose(), "postgres://u:hunter2@db/x");
}

#[test]
fn redact_url_hides_only_the_password() {
    assert_eq!(
        redact_url("postgres://u:hunter2@db:5432/x"),
        "postgres://u:***@db:5432/x"
    );
    assert_eq!(
        redact_url("redis://127.0.0.1:6379"),
        "redis://127.0.0.1:6379"
    );
    assert!(!redact_url("smtps://a:b c@d").contains("b c"));
}
