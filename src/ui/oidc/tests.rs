use super::*;

#[test]
fn a_parameter_given_twice_is_refused_and_an_empty_one_is_absent() {
    let f = Form::parse("a=1&b=&c=x%20y&a=2");
    assert_eq!(
        f.one("a").map_err(|e| e.code()).unwrap_err(),
        "invalid_request"
    );
    assert_eq!(f.one("b").ok().flatten(), None);
    assert_eq!(f.one("c").ok().flatten(), Some("x y"));
    assert_eq!(f.one("d").ok().flatten(), None);
}

#[test]
fn basic_credentials_are_form_decoded_and_compared_in_constant_time() {
    assert_eq!(form_decode("a%3Ab+c").as_deref(), Some("a:b c"));
    assert_eq!(form_decode("%ff"), None);
    assert!(secret_matches("s3cret", "s3cret"));
    assert!(!secret_matches("s3cret", "s3cret "));
    assert!(!secret_matches("s3cret", ""));
}
