//! Email: composing the sign-in message (link and code) and sending it.
//!
//! Transports: `smtp` (lettre; `smtps://` for TLS, `smtp://` for STARTTLS,
//! which is required unless the server is on this machine) and `outbox`
//! (each message written as an `.eml` file, and the link printed — for the
//! demo and tests; never use it in production, where the link must not
//! reach a log). Sending happens in the background with retries, so the
//! page a person sees does not depend on (or reveal) whether a message
//! was sent.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use askama::Template;
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::{Config, EmailTransport};
use crate::i18n::Lang;

/// A message to send.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// The link in the message (printed by the outbox transport only).
    pub link: Option<String>,
    /// The code in the message (likewise).
    pub code: Option<String>,
}

enum Transport {
    Outbox(PathBuf),
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
}

/// Sends email through the configured transport.
pub struct Mailer {
    from: Mailbox,
    transport: Transport,
}

/// Why a message could not be sent.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("the message could not be built: {0}")]
    Build(String),
    #[error("the outbox folder cannot be written: {0}")]
    Outbox(String),
    #[error("the SMTP server refused or could not be reached: {0}")]
    Smtp(String),
}

impl Mailer {
    pub fn new(cfg: &Config) -> Result<Arc<Self>, String> {
        let from: Mailbox = cfg
            .email
            .from
            .parse()
            .map_err(|e| format!("email.from: {e}"))?;
        let transport = match &cfg.email.transport {
            EmailTransport::Outbox(dir) => Transport::Outbox(dir.clone()),
            EmailTransport::Smtp(url) => Transport::Smtp(smtp_transport(url.expose())?),
        };
        Ok(Arc::new(Self { from, transport }))
    }

    /// Send now; errors are returned.
    pub async fn send(&self, msg: &Outgoing) -> Result<(), MailError> {
        let to: Mailbox = msg
            .to
            .parse()
            .map_err(|e| MailError::Build(format!("{e}")))?;
        let email = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(&msg.subject)
            .multipart(MultiPart::alternative_plain_html(
                msg.text.clone(),
                msg.html.clone(),
            ))
            .map_err(|e| MailError::Build(e.to_string()))?;
        match &self.transport {
            Transport::Outbox(dir) => {
                tokio::fs::create_dir_all(dir)
                    .await
                    .map_err(|e| MailError::Outbox(format!("{}: {e}", dir.display())))?;
                let name = format!(
                    "{}-{}.eml",
                    crate::clock::Clock::now(&crate::clock::SystemClock),
                    crate::session::random_id(6)
                );
                let path = dir.join(name);
                tokio::fs::write(&path, email.formatted())
                    .await
                    .map_err(|e| MailError::Outbox(format!("{}: {e}", path.display())))?;
                // The outbox is for demos and tests: printing the link is its purpose.
                match (&msg.link, &msg.code) {
                    (Some(link), Some(code)) => eprintln!(
                        "outbox: mail to {} ({}): {link}  code {code}",
                        msg.to, msg.subject
                    ),
                    (Some(link), None) => {
                        eprintln!("outbox: mail to {} ({}): {link}", msg.to, msg.subject)
                    }
                    _ => eprintln!(
                        "outbox: mail to {} ({}) in {}",
                        msg.to,
                        msg.subject,
                        path.display()
                    ),
                }
                tracing::info!(to = %msg.to, file = %path.display(), "email written to the outbox");
                Ok(())
            }
            Transport::Smtp(t) => t
                .send(email)
                .await
                .map(|_| ())
                .map_err(|e| MailError::Smtp(e.to_string())),
        }
    }

    /// Send in the background, retrying for about a minute; failures are logged.
    pub fn send_later(self: &Arc<Self>, msg: Outgoing) {
        let me = self.clone();
        tokio::spawn(async move {
            let mut delay = Duration::from_secs(2);
            for attempt in 1..=5 {
                match me.send(&msg).await {
                    Ok(()) => return,
                    Err(e) if attempt < 5 => {
                        tracing::warn!(to = %msg.to, attempt, error = %e, "sending email failed; retrying");
                        tokio::time::sleep(delay).await;
                        delay *= 2;
                    }
                    Err(e) => {
                        tracing::error!(to = %msg.to, error = %e, "sending email failed; giving up")
                    }
                }
            }
        });
    }
}

fn smtp_transport(url: &str) -> Result<AsyncSmtpTransport<Tokio1Executor>, String> {
    let u = url::Url::parse(url).map_err(|e| format!("email.smtp_url: {e}"))?;
    let host = u
        .host_str()
        .ok_or("email.smtp_url has no host")?
        .to_string();
    let local = matches!(host.as_str(), "localhost" | "127.0.0.1" | "::1" | "[::1]");
    let explicit_tls = u
        .query_pairs()
        .find(|(k, _)| k == "tls")
        .map(|(_, v)| v.to_string());
    let mut builder = match u.scheme() {
        "smtps" => AsyncSmtpTransport::<Tokio1Executor>::relay(&host)
            .map_err(|e| format!("email.smtp_url: {e}"))?,
        _ => {
            let params =
                TlsParameters::new(host.clone()).map_err(|e| format!("email.smtp_url: {e}"))?;
            let tls = match explicit_tls.as_deref() {
                Some("none") => Tls::None,
                Some("opportunistic") => Tls::Opportunistic(params),
                Some("required") => Tls::Required(params),
                Some(other) => {
                    return Err(format!(
                        "email.smtp_url: tls={other} is not one of none, opportunistic, required"
                    ));
                }
                None if local => Tls::None,
                None => Tls::Required(params),
            };
            AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&host).tls(tls)
        }
    };
    if let Some(port) = u.port() {
        builder = builder.port(port);
    } else if u.scheme() == "smtp" {
        builder = builder.port(587);
    }
    if !u.username().is_empty() {
        let user = percent_encoding::percent_decode_str(u.username())
            .decode_utf8_lossy()
            .to_string();
        let pass = percent_encoding::percent_decode_str(u.password().unwrap_or(""))
            .decode_utf8_lossy()
            .to_string();
        builder = builder.credentials(lettre::transport::smtp::authentication::Credentials::new(
            user, pass,
        ));
    }
    Ok(builder.timeout(Some(Duration::from_secs(15))).build())
}

/// The sign-in message's text and HTML (`login-ui/templates/email/`).
#[derive(Template)]
#[template(path = "email/signin.txt")]
struct SigninText<'a> {
    lang: Lang,
    lead: &'a str,
    action: &'a str,
    link: &'a str,
    code: Option<&'a str>,
    minutes: i64,
}

#[derive(Template)]
#[template(path = "email/signin.html")]
struct SigninHtml<'a> {
    lang: Lang,
    lead: &'a str,
    action: &'a str,
    link: &'a str,
    code: Option<&'a str>,
    minutes: i64,
    accent: &'a str,
}

#[derive(Template)]
#[template(path = "email/invite.txt")]
struct InviteText<'a> {
    lang: Lang,
    lead: &'a str,
    link: &'a str,
    days: i64,
}

#[derive(Template)]
#[template(path = "email/invite.html")]
struct InviteHtml<'a> {
    lang: Lang,
    lead: &'a str,
    link: &'a str,
    days: i64,
    accent: &'a str,
}

/// A template's text, ending in one newline. Rendering only formats
/// strings and numbers; should it fail, the message still carries `fallback`
/// (the link, and the code when there is one).
fn render(t: &impl Template, fallback: &str) -> String {
    let mut out = t.render().unwrap_or_else(|e| {
        tracing::error!(error = %e, "an email template failed to render");
        fallback.to_string()
    });
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

/// The sign-in message: a link and a code, in `lang` (the language of
/// the page it was asked for on).
pub fn signin_message(
    cfg: &Config,
    lang: Lang,
    to: &str,
    link: &str,
    code: Option<&str>,
    new_account: bool,
    minutes: u64,
) -> Outgoing {
    let brand = cfg.branding.name.as_str();
    let minutes = minutes as i64;
    let (subject, lead, action) = if new_account {
        (
            lang.t_with("email-msg-signup-subject", &[("brand", brand)]),
            lang.t_with("email-msg-signup-lead", &[("brand", brand)]),
            lang.t("email-msg-signup-action"),
        )
    } else {
        (
            lang.t_with("email-msg-signin-subject", &[("brand", brand)]),
            lang.t_with("email-msg-signin-lead", &[("brand", brand)]),
            lang.t("login-title"),
        )
    };
    let action = action.as_str();
    let fallback = format!("{action}: {link}\n{}", code.unwrap_or_default());
    let text = render(
        &SigninText {
            lang,
            lead: &lead,
            action,
            link,
            code,
            minutes,
        },
        &fallback,
    );
    let html = render(
        &SigninHtml {
            lang,
            lead: &lead,
            action,
            link,
            code,
            minutes,
            accent: &cfg.branding.accent_color,
        },
        &fallback,
    );
    Outgoing {
        to: to.to_string(),
        subject,
        text,
        html,
        link: Some(link.to_string()),
        code: code.map(str::to_string),
    }
}

/// The invitation message, in `lang`.
pub fn invite_message(cfg: &Config, lang: Lang, to: &str, link: &str, days: u64) -> Outgoing {
    let brand = cfg.branding.name.as_str();
    let days = days as i64;
    let lead = lang.t_with("email-invite-lead", &[("brand", brand)]);
    let fallback = format!("{}: {link}\n", lang.t("email-invite-action"));
    let text = render(
        &InviteText {
            lang,
            lead: &lead,
            link,
            days,
        },
        &fallback,
    );
    let html = render(
        &InviteHtml {
            lang,
            lead: &lead,
            link,
            days,
            accent: &cfg.branding.accent_color,
        },
        &fallback,
    );
    Outgoing {
        to: to.to_string(),
        subject: lang.t_with("email-invite-subject", &[("brand", brand)]),
        text,
        html,
        link: Some(link.to_string()),
        code: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The texts read as they did when they were built with `format!`,
    /// and the HTML escapes what it carries.
    #[test]
    fn messages_read_as_before_and_html_escapes() {
        let link = "https://auth.example.com/p/email/verify?t=abc&x=<y>";
        let t = |code| {
            render(
                &SigninText {
                    lang: Lang::En,
                    lead: "Use this link to sign in to Acme.",
                    action: "Sign in",
                    link,
                    code,
                    minutes: 15,
                },
                "",
            )
        };
        assert_eq!(
            t(Some("123456")),
            format!(
                "Use this link to sign in to Acme.\n\nSign in: {link}\n\nOr enter this code on the sign-in page: 123456\n\nThe link and the code work once and expire in 15 minutes. The link works in the browser where you asked for it; the code works anywhere.\n\nIf you did not ask for this, you can ignore this message.\n"
            )
        );
        assert_eq!(
            t(None),
            format!(
                "Use this link to sign in to Acme.\n\nSign in: {link}\n\nThe link works once, in the browser where you asked for it, and expires in 15 minutes. Sign-in codes are paused for this address for a day, because several wrong codes were entered for it.\n\nIf you did not ask for this, you can ignore this message.\n"
            )
        );
        let invite = render(
            &InviteText {
                lang: Lang::En,
                lead: "You have been invited to Acme.",
                link,
                days: 7,
            },
            "",
        );
        assert_eq!(
            invite,
            format!(
                "You have been invited to Acme.\n\nAccept the invitation: {link}\n\nThe link works once and expires in 7 days. You will then be asked to create a passkey.\n"
            )
        );
        let html = render(
            &SigninHtml {
                lang: Lang::En,
                lead: "Use this link to sign in to <b>Acme</b>.",
                action: "Sign in",
                link,
                code: Some("123456"),
                minutes: 15,
                accent: "#2f6fde",
            },
            "",
        );
        assert!(!html.contains("<b>"), "{html}");
        assert!(
            html.contains("&#60;b&#62;Acme") || html.contains("&lt;b&gt;Acme"),
            "{html}"
        );
        assert!(
            html.contains("t=abc&#38;x=&#60;y&#62;") || html.contains("t=abc&amp;x=&lt;y&gt;"),
            "{html}"
        );
        assert!(html.contains("<strong>123456</strong>"), "{html}");
        assert!(!html.contains("paused"), "{html}");
        let html = render(
            &InviteHtml {
                lang: Lang::En,
                lead: "You have been invited to A&B.",
                link,
                days: 7,
                accent: "#2f6fde",
            },
            "",
        );
        assert!(
            html.contains("A&#38;B") || html.contains("A&amp;B"),
            "{html}"
        );
        // In another language, the message is that language's, the
        // address and code as they are.
        let cfg = crate::Config::defaults().expect("defaults");
        let de = signin_message(
            &cfg,
            Lang::De,
            "a@example.com",
            link,
            Some("123456"),
            false,
            15,
        );
        assert_eq!(de.subject, "Ihr Anmeldelink für passgate");
        assert!(
            de.text
                .contains("Oder geben Sie diesen Code auf der Anmeldeseite ein: 123456"),
            "{}",
            de.text
        );
        assert!(de.text.contains("in 15 Minuten"), "{}", de.text);
        assert!(de.html.contains("<html lang=\"de\">"));
        let invite = invite_message(&cfg, Lang::Es, "a@example.com", link, 1);
        assert_eq!(invite.subject, "Te han invitado a passgate");
        assert!(invite.text.contains("caduca en 1 día"), "{}", invite.text);
    }
}
