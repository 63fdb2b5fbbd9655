//! Passkeys: the registration and sign-in ceremonies.
//!
//! Built on webauthn-rs-core with passgate's invariants fixed here, in one
//! place, rather than left to callers:
//! - credentials are discoverable (resident key required), so sign-in needs
//!   no username; a registration that comes back non-discoverable is refused;
//! - user verification follows `webauthn.user_verification` (required by
//!   default) at registration and at sign-in;
//! - attestation is not requested (`none`): passkeys are judged by who holds
//!   them, not by their make; the AAGUID is kept only to label them;
//! - ceremony state lives in the ephemeral store under a random id for five
//!   minutes and is taken (single use) when the ceremony finishes, so a
//!   response cannot be replayed; registration state is bound to the session
//!   (or sign-up) that started it, sign-in state to the browser that started
//!   it (a hash of its CSRF cookie), so neither can be finished elsewhere;
//! - a sign-in response made in a page embedded in another origin
//!   (`crossOrigin: true` in its client data) is refused: passgate's pages
//!   cannot be framed, so such a response was not made on them;
//! - the signature counter going backwards is reported as [`PasskeyError::Cloned`].

use std::time::Duration;

use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;
use uuid::Uuid;
use webauthn_rs_core::WebauthnCore;
use webauthn_rs_core::error::WebauthnError;
use webauthn_rs_core::proto::{
    AttestationConveyancePreference, AuthenticationResult, AuthenticationState, COSEAlgorithm,
    Credential, PublicKeyCredential, RegisterPublicKeyCredential, RegistrationState,
    RequestAuthenticationExtensions, RequestRegistrationExtensions, UserVerificationPolicy,
};

use crate::config::{Config, UserVerification};
use crate::store::ephemeral::SharedEphemeral;
use crate::store::{StoreError, User};

/// How long a ceremony may take.
const CEREMONY_TTL: Duration = Duration::from_secs(300);

/// Why a ceremony failed. The message is safe to show.
#[derive(Debug, thiserror::Error)]
pub enum PasskeyError {
    #[error("this passkey request has expired or was already used; please try again")]
    NoCeremony,
    #[error("this passkey is not registered here")]
    UnknownCredential { credential_id: Vec<u8> },
    #[error("the passkey did not match its account")]
    UserMismatch,
    #[error(
        "this passkey's signature counter went backwards, which suggests a cloned authenticator; it has been refused"
    )]
    Cloned,
    #[error("your authenticator did not verify you (PIN or biometrics); this site requires it")]
    NotVerified,
    #[error(
        "the passkey must be stored on the authenticator (a discoverable credential) so you can sign in without a username"
    )]
    NotDiscoverable,
    /// What was wrong (a library's words) is for the log: [`Self::detail`].
    #[error("the passkey response was not valid")]
    Invalid(String),
    #[error(
        "this passkey response was made in a page embedded in another site; sign in on the sign-in page itself"
    )]
    CrossOrigin,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl PasskeyError {
    /// What the library said, for the log only (never shown to a client).
    pub fn detail(&self) -> Option<&str> {
        match self {
            PasskeyError::Invalid(d) => Some(d),
            _ => None,
        }
    }

    /// A short machine-readable code for JSON answers and audit events.
    pub fn code(&self) -> &'static str {
        match self {
            PasskeyError::NoCeremony => "ceremony_expired",
            PasskeyError::UnknownCredential { .. } => "unknown_credential",
            PasskeyError::UserMismatch => "user_mismatch",
            PasskeyError::Cloned => "cloned_authenticator",
            PasskeyError::NotVerified => "user_not_verified",
            PasskeyError::NotDiscoverable => "not_discoverable",
            PasskeyError::Invalid(_) => "invalid_response",
            PasskeyError::CrossOrigin => "cross_origin",
            PasskeyError::Store(_) => "unavailable",
        }
    }
}

fn from_core(e: WebauthnError) -> PasskeyError {
    match e {
        WebauthnError::CredentialPossibleCompromise => PasskeyError::Cloned,
        WebauthnError::UserNotVerified => PasskeyError::NotVerified,
        other => PasskeyError::Invalid(format!("{other:?}")),
    }
}

#[derive(Serialize, Deserialize)]
struct AuthenticationRecord {
    /// Which browser may finish the ceremony.
    bound_to: String,
    state: AuthenticationState,
}

#[derive(Serialize, Deserialize)]
struct RegistrationRecord {
    bound_to: String,
    user_id: String,
    state: RegistrationState,
}

/// A new passkey, verified and ready to store.
#[derive(Debug)]
pub struct NewPasskey {
    pub credential: Credential,
    pub aaguid: Option<String>,
}

/// The ceremonies, configured for this gateway.
pub struct Passkeys {
    core: WebauthnCore,
    uv: UserVerificationPolicy,
    eph: SharedEphemeral,
    pub rp_id: String,
}

impl Passkeys {
    pub fn new(cfg: &Config, eph: SharedEphemeral) -> Result<Self, String> {
        let origin = url::Url::parse(&cfg.server.portal.origin).map_err(|e| e.to_string())?;
        let core = WebauthnCore::new_unsafe_experts_only(
            &cfg.webauthn.rp_name,
            &cfg.webauthn.rp_id,
            vec![origin],
            CEREMONY_TTL,
            Some(false),
            Some(false),
        );
        let uv = match cfg.webauthn.user_verification {
            UserVerification::Required => UserVerificationPolicy::Required,
            UserVerification::Preferred => UserVerificationPolicy::Preferred,
        };
        Ok(Self {
            core,
            uv,
            eph,
            rp_id: cfg.webauthn.rp_id.clone(),
        })
    }

    /// Start adding a passkey for `user`. `bound_to` names the session (or
    /// sign-up) that may finish it. Returns the ceremony id and the options
    /// for `navigator.credentials.create()`.
    pub async fn start_registration(
        &self,
        user: &User,
        existing: &[Vec<u8>],
        bound_to: &str,
    ) -> Result<(String, serde_json::Value), PasskeyError> {
        let uid = Uuid::parse_str(&user.id).map_err(|e| PasskeyError::Invalid(e.to_string()))?;
        let display = if user.display_name.trim().is_empty() {
            user.email.as_str()
        } else {
            user.display_name.as_str()
        };
        let builder = self
            .core
            .new_challenge_register_builder(uid.as_bytes(), &user.email, display)
            .map_err(from_core)?
            .attestation(AttestationConveyancePreference::None)
            .credential_algorithms(COSEAlgorithm::secure_algs())
            .require_resident_key(true)
            .user_verification_policy(self.uv)
            .exclude_credentials(Some(existing.to_vec()))
            .extensions(Some(RequestRegistrationExtensions {
                cred_protect: None,
                uvm: Some(true),
                cred_props: Some(true),
                min_pin_length: None,
                hmac_create_secret: None,
            }));
        let (options, state) = self
            .core
            .generate_challenge_register(builder)
            .map_err(from_core)?;
        let id = crate::session::random_id(16);
        let record = RegistrationRecord {
            bound_to: bound_to.to_string(),
            user_id: user.id.clone(),
            state,
        };
        let bytes =
            serde_json::to_vec(&record).map_err(|e| PasskeyError::Invalid(e.to_string()))?;
        self.eph
            .put(&format!("wa:reg:{id}"), &bytes, CEREMONY_TTL)
            .await?;
        let options =
            serde_json::to_value(&options).map_err(|e| PasskeyError::Invalid(e.to_string()))?;
        Ok((id, options))
    }

    /// Finish adding a passkey: verifies the response against the ceremony
    /// (taken, so it cannot be used twice) and returns the credential.
    pub async fn finish_registration(
        &self,
        ceremony: &str,
        bound_to: &str,
        user_id: &str,
        reg: &RegisterPublicKeyCredential,
    ) -> Result<NewPasskey, PasskeyError> {
        let raw = self
            .eph
            .take(&format!("wa:reg:{}", sanitize(ceremony)))
            .await?
            .ok_or(PasskeyError::NoCeremony)?;
        let record: RegistrationRecord =
            serde_json::from_slice(&raw).map_err(|_| PasskeyError::NoCeremony)?;
        if record.bound_to != bound_to || record.user_id != user_id {
            return Err(PasskeyError::NoCeremony);
        }
        if let Some(props) = reg.extensions.cred_props.as_ref()
            && props.rk == Some(false)
        {
            return Err(PasskeyError::NotDiscoverable);
        }
        let credential = self
            .core
            .register_credential(reg, &record.state, None)
            .map_err(from_core)?;
        Ok(NewPasskey {
            aaguid: aaguid_of(reg),
            credential,
        })
    }

    /// Start a discoverable sign-in (no username) that only the browser
    /// `bound_to` names may finish. Returns the ceremony id and the options
    /// for `navigator.credentials.get()`.
    pub async fn start_authentication(
        &self,
        bound_to: &str,
    ) -> Result<(String, serde_json::Value), PasskeyError> {
        let builder = self
            .core
            .new_challenge_authenticate_builder(Vec::new(), Some(self.uv))
            .map_err(from_core)?
            .extensions(Some(RequestAuthenticationExtensions {
                appid: None,
                uvm: Some(true),
                hmac_get_secret: None,
            }));
        let (options, state) = self
            .core
            .generate_challenge_authenticate(builder)
            .map_err(from_core)?;
        let id = crate::session::random_id(16);
        let record = AuthenticationRecord {
            bound_to: bound_to.to_string(),
            state,
        };
        let bytes =
            serde_json::to_vec(&record).map_err(|e| PasskeyError::Invalid(e.to_string()))?;
        self.eph
            .put(&format!("wa:auth:{id}"), &bytes, CEREMONY_TTL)
            .await?;
        let options =
            serde_json::to_value(&options).map_err(|e| PasskeyError::Invalid(e.to_string()))?;
        Ok((id, options))
    }

    /// The ceremony's state, taken (single use: spent even when another
    /// browser than `bound_to` brings it, which is then refused).
    pub async fn take_authentication(
        &self,
        ceremony: &str,
        bound_to: &str,
    ) -> Result<AuthenticationState, PasskeyError> {
        let raw = self
            .eph
            .take(&format!("wa:auth:{}", sanitize(ceremony)))
            .await?
            .ok_or(PasskeyError::NoCeremony)?;
        let record: AuthenticationRecord =
            serde_json::from_slice(&raw).map_err(|_| PasskeyError::NoCeremony)?;
        if bound_to.is_empty() || !bool::from(record.bound_to.as_bytes().ct_eq(bound_to.as_bytes()))
        {
            return Err(PasskeyError::NoCeremony);
        }
        Ok(record.state)
    }

    /// Which user and credential a sign-in response claims to be.
    pub fn identify(cred: &PublicKeyCredential) -> Result<(String, Vec<u8>), PasskeyError> {
        let handle = cred.response.user_handle.as_ref().ok_or_else(|| {
            PasskeyError::Invalid("no user handle: the passkey is not discoverable".into())
        })?;
        let uid = Uuid::from_slice(handle.as_ref()).map_err(|_| PasskeyError::UserMismatch)?;
        Ok((uid.to_string(), cred.raw_id.to_vec()))
    }

    /// Verify a sign-in response against the stored credential.
    pub fn verify_authentication(
        &self,
        cred: &PublicKeyCredential,
        state: &AuthenticationState,
        stored: &Credential,
    ) -> Result<AuthenticationResult, PasskeyError> {
        if made_cross_origin(&cred.response.client_data_json) {
            return Err(PasskeyError::CrossOrigin);
        }
        self.core
            .authenticate_single_credential(cred, state, stored)
            .map_err(from_core)
    }
}

/// Does this client data say it was made in a frame of another origin
/// (`crossOrigin: true`, or a `topOrigin`)? webauthn-rs looks at this only
/// at registration. Client data that does not parse is left to the library,
/// which refuses it.
fn made_cross_origin(client_data_json: &[u8]) -> bool {
    #[derive(Deserialize)]
    struct ClientData {
        #[serde(rename = "crossOrigin", default)]
        cross_origin: Option<bool>,
        #[serde(rename = "topOrigin", default)]
        top_origin: Option<serde_json::Value>,
    }
    serde_json::from_slice::<ClientData>(client_data_json)
        .is_ok_and(|c| c.cross_origin == Some(true) || c.top_origin.is_some())
}

fn sanitize(id: &str) -> String {
    id.chars()
        .filter(|c| c.is_ascii_hexdigit())
        .take(64)
        .collect()
}

/// Apply a successful sign-in to the stored credential (counter, backup state).
pub fn update_credential(c: &mut Credential, r: &AuthenticationResult) {
    if r.counter() > c.counter {
        c.counter = r.counter();
    }
    c.backup_state = r.backup_state();
    if r.backup_eligible() {
        c.backup_eligible = true;
    }
}

/// The authenticator's AAGUID from a registration response, for labels.
fn aaguid_of(reg: &RegisterPublicKeyCredential) -> Option<String> {
    let obj: serde_cbor_2::Value =
        serde_cbor_2::from_slice(reg.response.attestation_object.as_ref()).ok()?;
    let serde_cbor_2::Value::Map(map) = obj else {
        return None;
    };
    let auth = map.iter().find_map(|(k, v)| match (k, v) {
        (serde_cbor_2::Value::Text(t), serde_cbor_2::Value::Bytes(b)) if t == "authData" => Some(b),
        _ => None,
    })?;
    // rpIdHash (32) | flags (1) | signCount (4) | AAGUID (16) | …, when AT is set.
    if auth.len() < 53 || auth[32] & 0x40 == 0 {
        return None;
    }
    let id = Uuid::from_slice(&auth[37..53]).ok()?;
    (!id.is_nil()).then(|| id.to_string())
}

/// A label for a passkey's provider from its AAGUID (never a security decision).
pub fn provider_name(aaguid: Option<&str>) -> Option<&'static str> {
    static PROVIDERS: std::sync::LazyLock<std::collections::HashMap<String, String>> =
        std::sync::LazyLock::new(|| {
            let v: serde_json::Value =
                serde_json::from_str(include_str!("../login-ui/passkey-providers.json"))
                    .unwrap_or_default();
            v["providers"]
                .as_object()
                .map(|m| {
                    m.iter()
                        .filter_map(|(k, v)| {
                            Some((k.to_ascii_lowercase(), v.as_str()?.to_string()))
                        })
                        .collect()
                })
                .unwrap_or_default()
        });
    let a = aaguid?.to_ascii_lowercase();
    PROVIDERS.get(&a).map(|s| s.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_data_made_in_a_frame_of_another_origin_is_spotted() {
        for (json, cross) in [
            (
                r#"{"type":"webauthn.get","challenge":"x","origin":"https://a","crossOrigin":false}"#,
                false,
            ),
            (
                r#"{"type":"webauthn.get","challenge":"x","origin":"https://a"}"#,
                false,
            ),
            (
                r#"{"type":"webauthn.get","challenge":"x","origin":"https://a","crossOrigin":true}"#,
                true,
            ),
            (
                r#"{"type":"webauthn.get","challenge":"x","origin":"https://a","crossOrigin":true,"topOrigin":"https://evil"}"#,
                true,
            ),
            (
                r#"{"type":"webauthn.get","challenge":"x","origin":"https://a","topOrigin":"https://evil"}"#,
                true,
            ),
            ("not json", false),
        ] {
            assert_eq!(made_cross_origin(json.as_bytes()), cross, "{json}");
        }
    }
}
