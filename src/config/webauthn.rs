//! `[webauthn]`: the relying party passkeys are made for.

use super::raw::RawWebauthn;
use super::validate::Validator;
use crate::authz;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserVerification {
    Required,
    Preferred,
}

#[derive(Debug, Clone)]
pub struct WebauthnConfig {
    pub rp_id: String,
    pub rp_name: String,
    pub user_verification: UserVerification,
}

/// `webauthn.rp_id` as written (for the portal's check, even when wrong),
/// and the section when it has no problem.
pub(super) fn check(w: &RawWebauthn, v: &mut Validator) -> (String, Option<WebauthnConfig>) {
    let rp_id = w.rp_id.trim().trim_end_matches('.').to_ascii_lowercase();
    if rp_id.is_empty()
        || authz::split_host_port(&rp_id).is_none_or(|(h, p)| h != rp_id || p.is_some())
    {
        v.problem(
            "webauthn.rp_id",
            "must be a host name without scheme or port, e.g. \"example.com\"",
        );
    }
    if w.rp_name.trim().is_empty() {
        v.problem(
            "webauthn.rp_name",
            "must not be empty (browsers show it when creating a passkey)",
        );
    }
    let user_verification = v.check("webauthn.user_verification", || {
        match w.user_verification.as_str() {
            "required" => Ok(UserVerification::Required),
            "preferred" => Ok(UserVerification::Preferred),
            other => Err(format!(
                "{other:?} is not one of \"required\", \"preferred\""
            )),
        }
    });

    let config = user_verification.map(|user_verification| WebauthnConfig {
        rp_id: rp_id.clone(),
        rp_name: w.rp_name.trim().to_string(),
        user_verification,
    });
    (rp_id, config)
}
