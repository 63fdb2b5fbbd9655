//! `[email]`: sign-in by email — the sender, the transport (an outbox
//! directory or SMTP) and how long links and codes live.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::raw::RawEmail;
use super::validate::Validator;
use crate::secret::Secret;

#[derive(Debug, Clone)]
pub enum EmailTransport {
    Outbox(PathBuf),
    Smtp(Secret),
}

#[derive(Debug, Clone)]
pub struct EmailConfig {
    pub sign_in: bool,
    pub from: String,
    pub transport: EmailTransport,
    pub token_ttl: Duration,
}

pub(super) fn check(e: &RawEmail, base: &Path, v: &mut Validator) -> Option<EmailConfig> {
    if let Err(err) = e.from.parse::<lettre::message::Mailbox>() {
        v.problem(
            "email.from",
            format!(
                "{:?} is not a mailbox like \"passgate <passgate@example.com>\": {err}",
                e.from
            ),
        );
    }
    let transport = match e.transport.as_str() {
        "outbox" => {
            if e.outbox_dir.trim().is_empty() {
                v.problem(
                    "email.outbox_dir",
                    "must be set when email.transport = \"outbox\"",
                );
            }
            Some(EmailTransport::Outbox(base.join(&e.outbox_dir)))
        }
        "smtp" => match v.secret("email.smtp_url", base, &e.smtp_url, &e.smtp_url_file, "") {
            Some(u) if u.is_empty() => {
                v.problem("email.smtp_url", "must be set when email.transport = \"smtp\" (smtp://host:587 or smtps://user:pass@host:465)");
                None
            }
            Some(u) => {
                match url::Url::parse(u.expose()) {
                        Ok(p) if matches!(p.scheme(), "smtp" | "smtps") && p.host_str().is_some() => {}
                        _ => v.problem("email.smtp_url", "must look like smtp://host:587 (STARTTLS) or smtps://user:pass@host:465 (TLS)"),
                    }
                Some(EmailTransport::Smtp(u))
            }
            None => None,
        },
        other => {
            v.problem(
                "email.transport",
                format!("{other:?} is not one of \"outbox\", \"smtp\""),
            );
            None
        }
    };
    let token_ttl = v.duration("email.token_ttl", &e.token_ttl);

    Some(EmailConfig {
        sign_in: e.sign_in,
        from: e.from.clone(),
        transport: transport?,
        token_ttl: token_ttl?,
    })
}
