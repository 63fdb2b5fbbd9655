//! `[oidc]` and `[[oidc.client]]`: passgate as an OpenID Connect provider
//! for apps with their own OIDC login. Each client is checked whole (every
//! problem named by its key), and the table for clashes (two clients with
//! one id).

use std::path::Path;
use std::time::Duration;

use super::raw::{RawOidc, RawOidcClient};
use super::validate::Validator;
use crate::secret::Secret;

/// Scopes passgate knows; a client may be limited to some of them.
pub const SCOPES: [&str; 5] = ["openid", "profile", "email", "groups", "offline_access"];

/// The path of the discovery document, on the portal's host.
pub const DISCOVERY_PATH: &str = "/.well-known/openid-configuration";

/// Shortest client secret accepted (characters): `openssl rand -base64 32`
/// makes 44.
pub const MIN_SECRET_LEN: usize = 32;

/// How ID tokens for a client are signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdTokenAlg {
    Rs256,
    Es256,
}

impl IdTokenAlg {
    pub fn as_str(self) -> &'static str {
        match self {
            IdTokenAlg::Rs256 => "RS256",
            IdTokenAlg::Es256 => "ES256",
        }
    }
}

/// One relying party.
#[derive(Debug, Clone)]
pub struct OidcClient {
    pub id: String,
    /// Shown on pages ("Sign in to Grafana").
    pub name: String,
    /// Confidential clients authenticate with it; public clients have none
    /// (and must use PKCE).
    pub secret: Option<Secret>,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    /// Who may use the client; empty: everyone signed in.
    pub groups: Vec<String>,
    /// The scopes it may be granted (always with `openid`).
    pub scopes: Vec<String>,
    pub id_token_alg: IdTokenAlg,
    /// Only passkey sign-ins.
    pub require_passkey: bool,
    /// A sign-in no older than this.
    pub max_age: Option<Duration>,
}

impl OidcClient {
    pub fn is_public(&self) -> bool {
        self.secret.is_none()
    }

    pub fn allows_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }

    /// May a member of `groups` use this client?
    pub fn admits(&self, groups: &[String]) -> bool {
        self.groups.is_empty() || self.groups.iter().any(|g| groups.contains(g))
    }
}

#[derive(Debug, Clone)]
pub struct OidcConfig {
    pub access_token_ttl: Duration,
    pub id_token_ttl: Duration,
    pub clients: Vec<OidcClient>,
}

impl OidcConfig {
    pub fn client(&self, id: &str) -> Option<&OidcClient> {
        self.clients.iter().find(|c| c.id == id)
    }

    /// Is passgate an OpenID provider at all (any client configured)?
    pub fn enabled(&self) -> bool {
        !self.clients.is_empty()
    }
}

pub(super) fn check(raw: &RawOidc, base: &Path, v: &mut Validator) -> Option<OidcConfig> {
    let ttl = |v: &mut Validator, key: &str, s: &str| {
        let d = v.duration(key, s)?;
        if d < Duration::from_secs(30) || d > Duration::from_secs(3600) {
            v.problem(key, "must be between \"30s\" and \"1h\"");
            return None;
        }
        Some(d)
    };
    let access_token_ttl = ttl(v, "oidc.access_token_ttl", &raw.access_token_ttl);
    let id_token_ttl = ttl(v, "oidc.id_token_ttl", &raw.id_token_ttl);
    let mut clients = Vec::new();
    let mut whole = true;
    for (i, c) in raw.client.iter().enumerate() {
        match client(i, c, base, v) {
            Some(c) => {
                if let Some(j) = clients.iter().position(|o: &OidcClient| o.id == c.id) {
                    v.problem(
                        &format!("oidc.client[{i}].id"),
                        format!("{:?} is already the id of oidc.client[{j}]", c.id),
                    );
                }
                clients.push(c);
            }
            None => whole = false,
        }
    }
    Some(OidcConfig {
        access_token_ttl: access_token_ttl?,
        id_token_ttl: id_token_ttl?,
        clients: whole.then_some(clients)?,
    })
}

fn client(i: usize, c: &RawOidcClient, base: &Path, v: &mut Validator) -> Option<OidcClient> {
    let k = |f: &str| format!("oidc.client[{i}].{f}");
    let before = v.problems.len();
    let id = c.id.trim();
    if id.is_empty() {
        v.problem(
            &k("id"),
            "required: the client_id the app is configured with",
        );
    } else if id.len() > 128
        || !id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    {
        v.problem(
            &k("id"),
            "letters, digits, '-', '_' and '.' only, at most 128 characters",
        );
    }
    let secret = match (c.public, c.secret_file.trim().is_empty()) {
        (true, true) => None,
        (true, false) => {
            v.problem(
                &k("secret_file"),
                "a public client has no secret; remove secret_file or public = true",
            );
            None
        }
        (false, true) => {
            v.problem(
                &k("secret_file"),
                "required for a confidential client (a file holding the client secret, e.g. from `openssl rand -base64 32`); set public = true for an app that cannot keep a secret (it must then use PKCE)",
            );
            None
        }
        (false, false) => {
            let path = base.join(c.secret_file.trim());
            match std::fs::read_to_string(&path) {
                Ok(s) if s.trim().chars().count() < MIN_SECRET_LEN => {
                    v.problem(
                        &k("secret_file"),
                        format!(
                            "the secret in {} is shorter than {MIN_SECRET_LEN} characters (make one with `openssl rand -base64 32`)",
                            path.display()
                        ),
                    );
                    None
                }
                Ok(s) => Some(Secret::new(s.trim())),
                Err(e) => {
                    v.problem(
                        &k("secret_file"),
                        format!("cannot read {}: {e}", path.display()),
                    );
                    None
                }
            }
        }
    };
    let uris = |v: &mut Validator, key: &str, list: &[String], required: bool| -> Vec<String> {
        if required && list.is_empty() {
            v.problem(
                key,
                "required: the app's callback URL(s), matched exactly (e.g. \"https://grafana.example.com/login/generic_oauth\")",
            );
        }
        let mut out = Vec::new();
        for (j, u) in list.iter().enumerate() {
            match redirect_uri(u) {
                Ok(()) => out.push(u.clone()),
                Err(m) => v.problem(&format!("{key}[{j}]"), m),
            }
        }
        out
    };
    let redirect_uris = uris(v, &k("redirect_uris"), &c.redirect_uris, true);
    let post_logout_redirect_uris = uris(
        v,
        &k("post_logout_redirect_uris"),
        &c.post_logout_redirect_uris,
        false,
    );
    let mut groups = Vec::new();
    for (j, g) in c.groups.iter().enumerate() {
        let g = g.trim();
        if crate::names::valid_group_name(g) {
            groups.push(g.to_string());
        } else {
            v.problem(
                &format!("{}[{j}]", k("groups")),
                format!("{g:?} is not a group name (letters, digits, '-', '_', '.')"),
            );
        }
    }
    let mut scopes = Vec::new();
    for (j, s) in c.scopes.iter().enumerate() {
        if SCOPES.contains(&s.as_str()) {
            if !scopes.contains(s) {
                scopes.push(s.clone());
            }
        } else {
            v.problem(
                &format!("{}[{j}]", k("scopes")),
                format!(
                    "{s:?} is not one of {}",
                    SCOPES.map(|s| format!("{s:?}")).join(", ")
                ),
            );
        }
    }
    if !scopes.iter().any(|s| s == "openid") {
        v.problem(&k("scopes"), "must include \"openid\"");
    }
    let id_token_alg = v.check(&k("id_token_alg"), || match c.id_token_alg.as_str() {
        "RS256" => Ok(IdTokenAlg::Rs256),
        "ES256" => Ok(IdTokenAlg::Es256),
        other => Err(format!("{other:?} is not one of \"RS256\", \"ES256\"")),
    });
    let mut require_passkey = false;
    for (j, r) in c.require.iter().enumerate() {
        if r == "passkey" {
            require_passkey = true;
        } else {
            v.problem(
                &format!("{}[{j}]", k("require")),
                format!("{r:?} is not \"passkey\""),
            );
        }
    }
    let max_age = if c.max_age.trim().is_empty() {
        None
    } else {
        v.duration(&k("max_age"), &c.max_age)
    };
    if v.problems.len() != before {
        return None;
    }
    Some(OidcClient {
        id: id.to_string(),
        name: if c.name.trim().is_empty() {
            id.to_string()
        } else {
            c.name.trim().to_string()
        },
        secret,
        redirect_uris,
        post_logout_redirect_uris,
        groups,
        scopes,
        id_token_alg: id_token_alg?,
        require_passkey,
        max_age,
    })
}

/// A redirect URI as registered: absolute, `https://` (or `http://` to this
/// machine), no fragment, no user info. Compared with what clients send
/// byte for byte, so it is kept as written.
fn redirect_uri(u: &str) -> Result<(), String> {
    let parsed = url::Url::parse(u).map_err(|e| format!("{u:?} is not an absolute URL ({e})"))?;
    if parsed.fragment().is_some() {
        return Err(format!(
            "{u:?} has a fragment (#…), which redirects may not carry"
        ));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(format!(
            "{u:?} has user info (user@), which a redirect must not carry"
        ));
    }
    let loopback = matches!(
        parsed.host(),
        Some(url::Host::Domain("localhost"))
            | Some(url::Host::Ipv4(std::net::Ipv4Addr::LOCALHOST))
            | Some(url::Host::Ipv6(std::net::Ipv6Addr::LOCALHOST))
    );
    match parsed.scheme() {
        "https" => Ok(()),
        "http" if loopback => Ok(()),
        "http" => Err(format!(
            "{u:?} must be https:// (http:// only to localhost): codes sent over plain HTTP can be read on the way"
        )),
        other => Err(format!("{u:?}: scheme {other:?} is not http(s)")),
    }
}
