//! `[signup]`: who may create an account (by invitation, by domain, or
//! anyone) and who becomes an administrator.

use super::raw::RawSignup;
use super::validate::Validator;
use crate::authz;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignupMode {
    Invite,
    Domains,
    Open,
}

#[derive(Debug, Clone)]
pub struct SignupConfig {
    pub mode: SignupMode,
    pub allowed_domains: Vec<String>,
    /// Lower-case addresses.
    pub admins: Vec<String>,
}

pub(super) fn check(su: &RawSignup, v: &mut Validator) -> Option<SignupConfig> {
    let mode = v.check("signup.mode", || match su.mode.as_str() {
        "invite" => Ok(SignupMode::Invite),
        "domains" => Ok(SignupMode::Domains),
        "open" => Ok(SignupMode::Open),
        other => Err(format!(
            "{other:?} is not one of \"invite\", \"domains\", \"open\""
        )),
    });
    let allowed_domains: Vec<String> = su
        .allowed_domains
        .iter()
        .enumerate()
        .filter_map(|(i, d)| {
            let d = d
                .trim()
                .trim_start_matches("*@")
                .trim_start_matches('@')
                .to_ascii_lowercase();
            if authz::split_host_port(&d).is_none_or(|(h, p)| h != d || p.is_some()) {
                v.problem(
                    &format!("signup.allowed_domains[{i}]"),
                    format!("{d:?} is not a domain name"),
                );
                None
            } else {
                Some(d)
            }
        })
        .collect();
    if mode == Some(SignupMode::Domains)
        && allowed_domains.is_empty()
        && su.allowed_domains.is_empty()
    {
        v.problem(
            "signup.allowed_domains",
            "must list at least one domain when signup.mode = \"domains\"",
        );
    }
    let admins: Vec<String> = su
        .admins
        .iter()
        .enumerate()
        .filter_map(|(i, a)| {
            let a = a.trim().to_lowercase();
            if crate::names::looks_like_email(&a) {
                Some(a)
            } else {
                v.problem(
                    &format!("signup.admins[{i}]"),
                    format!("{a:?} is not an email address"),
                );
                None
            }
        })
        .collect();

    Some(SignupConfig {
        mode: mode?,
        allowed_domains,
        admins,
    })
}
