//! `passgate oidc`: the OpenID Connect clients of the configuration and
//! how they are used (live grants, people, last use).

use clap::Subcommand;
use serde_json::json;

use super::Failure;
use super::admin::{Admin, fmt_time, table};

#[derive(Subcommand, Debug)]
pub enum OidcCmd {
    /// List the configured clients and their recent use.
    Clients,
}

impl Admin {
    pub async fn oidc_cmd(&self, cmd: OidcCmd) -> Result<(), Failure> {
        match cmd {
            OidcCmd::Clients => {
                let used = self.store.grant_use().await?;
                let mut rows = Vec::new();
                let mut list = Vec::new();
                for c in &self.cfg.oidc.clients {
                    let u = used.iter().find(|u| u.client_id == c.id);
                    let kind = if c.is_public() {
                        "public"
                    } else {
                        "confidential"
                    };
                    rows.push(vec![
                        c.id.clone(),
                        c.name.clone(),
                        kind.into(),
                        if c.groups.is_empty() {
                            "(everyone)".into()
                        } else {
                            c.groups.join(",")
                        },
                        u.map_or(0, |u| u.grants).to_string(),
                        u.map_or(0, |u| u.users).to_string(),
                        u.map_or_else(|| "never".into(), |u| fmt_time(u.last_used_at)),
                    ]);
                    list.push(json!({
                        "id": c.id, "name": c.name, "type": kind,
                        "redirect_uris": c.redirect_uris,
                        "post_logout_redirect_uris": c.post_logout_redirect_uris,
                        "groups": c.groups, "scopes": c.scopes,
                        "id_token_alg": c.id_token_alg.as_str(),
                        "require": if c.require_passkey { vec!["passkey"] } else { Vec::new() },
                        "max_age": c.max_age.map(|d| d.as_secs()),
                        "grants": u.map_or(0, |u| u.grants),
                        "users": u.map_or(0, |u| u.users),
                        "last_used_at": u.map(|u| u.last_used_at),
                    }));
                }
                if list.is_empty() && !self.json {
                    println!(
                        "No OpenID Connect clients are configured (add an [[oidc.client]] to {}).",
                        self.cfg.source
                    );
                    return Ok(());
                }
                self.out(json!(list), || {
                    table(
                        &[
                            "ID",
                            "NAME",
                            "TYPE",
                            "GROUPS",
                            "GRANTS",
                            "PEOPLE",
                            "LAST USED",
                        ],
                        &rows,
                    )
                });
            }
        }
        Ok(())
    }
}
