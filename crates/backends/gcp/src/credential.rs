//! Google Cloud credentials in dstack's shapes, and how each becomes an access token.
//!
//! - `creds: {type: service_account, filename: key.json}` or `{type: service_account, data:
//!   "<the key file's JSON>"}`: a service-account key. Discovery signs a JWT with its private
//!   key (RS256) and trades it at the token endpoint (the JWT bearer grant, RFC 7523).
//! - `creds: {type: default}`: application default credentials, the file named by
//!   `GOOGLE_APPLICATION_CREDENTIALS`, else the one `gcloud auth application-default login`
//!   writes. That file holds either a service-account key or an `authorized_user` refresh
//!   token, which is traded with the refresh-token grant.
//!
//! The key file is read once, when the provider is built; the token it yields is kept in
//! core's `TokenCache`. Private keys, client secrets and refresh tokens stay in `Secret`s.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use regionkit_core::{CredsHelp, Error, Result, Secret};
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs1v15::SigningKey;
use rsa::pkcs8::DecodePrivateKey;
use rsa::signature::{SignatureEncoding, Signer};
use rsa::PrivateKey;
use serde::Deserialize;
use sha2::Sha256;

use crate::BACKEND;

/// What a section without Google Cloud credentials is told.
pub const CREDS_HELP: CredsHelp = CredsHelp {
    backend: BACKEND,
    shape: "{type: service_account, filename: <key.json>} (or `data: <the key JSON>`), or {type: default}",
    source: "create a service-account key (IAM & Admin > Service accounts > Keys) with the Compute Viewer role, or run `gcloud auth application-default login` and use {type: default}",
};

/// The scope of the tokens discovery asks for: reading Compute Engine is all it does.
pub const SCOPE: &str = "https://www.googleapis.com/auth/compute.readonly";

/// The token endpoint Google documents for both grants.
pub const DEFAULT_TOKEN_URI: &str = "https://oauth2.googleapis.com/token";

/// The environment variable naming an application-default-credentials file.
pub const ADC_VARIABLE: &str = "GOOGLE_APPLICATION_CREDENTIALS";

/// Lifetime asked for a signed assertion, the longest Google accepts.
const ASSERTION_LIFETIME_SECS: u64 = 3600;

/// `creds` as written in the section.
#[derive(Clone, Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum GcpCredentials {
    /// A service-account key, from a file or inline.
    ServiceAccount {
        #[serde(default)]
        filename: Option<PathBuf>,
        #[serde(default)]
        data: Option<Secret>,
    },
    /// Application default credentials.
    Default,
}

/// The credential a token is made from, read from a key file.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum KeyFile {
    ServiceAccount(Box<ServiceAccountKey>),
    AuthorizedUser(AuthorizedUser),
}

/// A service-account key: the account's email and its RSA private key.
#[derive(Clone)]
pub struct ServiceAccountKey {
    pub client_email: String,
    pub project_id: Option<String>,
    /// `token_uri` of the key file, where assertions are traded by default.
    pub token_uri: Option<String>,
    key_id: Option<String>,
    signer: SigningKey<Sha256>,
}

impl fmt::Debug for ServiceAccountKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServiceAccountKey")
            .field("client_email", &self.client_email)
            .field("project_id", &self.project_id)
            .field("private_key", &"***")
            .finish_non_exhaustive()
    }
}

/// A user's refresh token, as `gcloud auth application-default login` stores it.
#[derive(Clone, Debug)]
pub struct AuthorizedUser {
    pub client_id: String,
    pub client_secret: Secret,
    pub refresh_token: Secret,
    pub quota_project_id: Option<String>,
}

/// The fields of a key file this backend reads; which ones depends on `type`.
#[derive(Deserialize)]
struct RawKeyFile {
    #[serde(rename = "type", default)]
    kind: Option<String>,
    #[serde(default)]
    project_id: Option<String>,
    #[serde(default)]
    private_key_id: Option<String>,
    #[serde(default)]
    private_key: Option<Secret>,
    #[serde(default)]
    client_email: Option<String>,
    #[serde(default)]
    token_uri: Option<String>,
    #[serde(default)]
    client_id: Option<String>,
    #[serde(default)]
    client_secret: Option<Secret>,
    #[serde(default)]
    refresh_token: Option<Secret>,
    #[serde(default)]
    quota_project_id: Option<String>,
}

impl GcpCredentials {
    /// The key file these credentials stand for. `env` looks up environment variables (the
    /// process environment outside tests).
    pub fn key_file(&self, env: &dyn Fn(&str) -> Option<String>) -> Result<KeyFile> {
        match self {
            Self::ServiceAccount {
                filename: Some(_),
                data: Some(_),
            } => Err(Error::backend_config(
                BACKEND,
                "creds",
                "sets both `filename` and `data`; keep one of them",
            )),
            Self::ServiceAccount {
                filename: Some(path),
                data: None,
            } => {
                let text = read_key_file(path, "creds.filename")?;
                let key = parse_key_file(&text, "creds.filename")?;
                match key {
                    KeyFile::ServiceAccount(_) => Ok(key),
                    KeyFile::AuthorizedUser(_) => Err(not_a_service_account("creds.filename")),
                }
            }
            Self::ServiceAccount {
                filename: None,
                data: Some(data),
            } => match parse_key_file(data.expose(), "creds.data")? {
                key @ KeyFile::ServiceAccount(_) => Ok(key),
                KeyFile::AuthorizedUser(_) => Err(not_a_service_account("creds.data")),
            },
            Self::ServiceAccount {
                filename: None,
                data: None,
            } => Err(Error::backend_config(
                BACKEND,
                "creds",
                "a service_account needs `filename` (the path of the key JSON) or `data` (its content)",
            )),
            Self::Default => {
                let (path, field) = adc_path(env)?;
                let text = read_key_file(&path, &field)?;
                parse_key_file(&text, &field)
            }
        }
    }
}

fn not_a_service_account(field: &str) -> Error {
    Error::backend_config(
        BACKEND,
        field,
        "holds an `authorized_user` credential, not a service-account key; use {type: default} for it",
    )
}

/// The application-default-credentials file: `GOOGLE_APPLICATION_CREDENTIALS`, else gcloud's.
fn adc_path(env: &dyn Fn(&str) -> Option<String>) -> Result<(PathBuf, String)> {
    if let Some(path) = env(ADC_VARIABLE).filter(|p| !p.trim().is_empty()) {
        return Ok((PathBuf::from(path.trim()), ADC_VARIABLE.to_owned()));
    }
    let gcloud_dir = if cfg!(windows) {
        env("APPDATA").map(|d| PathBuf::from(d).join("gcloud"))
    } else {
        env("HOME").map(|h| PathBuf::from(h).join(".config").join("gcloud"))
    };
    let candidate = gcloud_dir.map(|d| d.join("application_default_credentials.json"));
    match candidate {
        Some(path) if path.is_file() => Ok((path, "creds (application default credentials)".to_owned())),
        _ => Err(Error::backend_config(
            BACKEND,
            "creds",
            format!(
                "{{type: default}} found no application default credentials: set {ADC_VARIABLE} to a key file, or run `gcloud auth application-default login` (the metadata server of a Compute Engine VM is not consulted)"
            ),
        )),
    }
}

fn read_key_file(path: &Path, field: &str) -> Result<String> {
    regionkit_core::files::read_text_capped(path, regionkit_core::files::MAX_KEY_FILE_BYTES).map_err(|e| {
        Error::backend_config(
            BACKEND,
            field,
            format!("cannot read `{}` ({e}); point it at the key JSON downloaded from the Google Cloud console", path.display()),
        )
    })
}

/// A key file's JSON. The error names the field and the key that is wrong, never a value.
pub fn parse_key_file(text: &str, field: &str) -> Result<KeyFile> {
    let raw: RawKeyFile = serde_json::from_str(text).map_err(|e| {
        Error::backend_config(
            BACKEND,
            field,
            format!(
                "is not a Google credentials JSON (line {}, column {}); use the key file as downloaded",
                e.line(),
                e.column()
            ),
        )
    })?;
    let missing = |key: &str| {
        Error::backend_config(
            BACKEND,
            field,
            format!("the key JSON has no `{key}`; use the key file as downloaded"),
        )
    };
    match raw.kind.as_deref() {
        Some("service_account") => {
            let client_email = raw
                .client_email
                .filter(|e| !e.trim().is_empty())
                .ok_or_else(|| missing("client_email"))?;
            let pem = raw
                .private_key
                .filter(|k| !k.is_empty())
                .ok_or_else(|| missing("private_key"))?;
            let key = parse_private_key(pem.expose()).map_err(|why| {
                Error::backend_config(BACKEND, field, format!("`private_key` {why}"))
            })?;
            Ok(KeyFile::ServiceAccount(Box::new(ServiceAccountKey {
                client_email: client_email.trim().to_owned(),
                project_id: raw.project_id.filter(|p| !p.trim().is_empty()),
                token_uri: raw.token_uri.filter(|u| !u.trim().is_empty()),
                key_id: raw.private_key_id.filter(|k| !k.trim().is_empty()),
                signer: SigningKey::new(key),
            })))
        }
        Some("authorized_user") => Ok(KeyFile::AuthorizedUser(AuthorizedUser {
            client_id: raw
                .client_id
                .filter(|c| !c.trim().is_empty())
                .ok_or_else(|| missing("client_id"))?,
            client_secret: raw
                .client_secret
                .filter(|s| !s.is_empty())
                .ok_or_else(|| missing("client_secret"))?,
            refresh_token: raw
                .refresh_token
                .filter(|s| !s.is_empty())
                .ok_or_else(|| missing("refresh_token"))?,
            quota_project_id: raw.quota_project_id.filter(|p| !p.trim().is_empty()),
        })),
        Some(other) => Err(Error::backend_config(
            BACKEND,
            field,
            format!(
                "credentials of type `{other}` are not supported; use a service-account key (`service_account`) or gcloud's `authorized_user` file"
            ),
        )),
        None => Err(missing("type")),
    }
}

/// An RSA private key in PEM, PKCS#8 (as Google issues them) or PKCS#1.
fn parse_private_key(pem: &str) -> std::result::Result<PrivateKey, String> {
    let pem = pem.trim();
    if pem.starts_with("-----BEGIN PRIVATE KEY-----") {
        return PrivateKey::from_pkcs8_pem(pem)
            .map_err(|e| format!("cannot be read as a PKCS#8 RSA key ({e})"));
    }
    if pem.starts_with("-----BEGIN RSA PRIVATE KEY-----") {
        return PrivateKey::from_pkcs1_pem(pem)
            .map_err(|e| format!("cannot be read as a PKCS#1 RSA key ({e})"));
    }
    Err("is not a PEM private key (`-----BEGIN PRIVATE KEY-----`)".to_owned())
}

impl ServiceAccountKey {
    /// A signed JWT asserting this account for `scope`, addressed to `audience` (the token
    /// endpoint), valid from now for an hour.
    pub fn assertion(&self, audience: &str, scope: &str) -> String {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let mut header = serde_json::json!({ "alg": "RS256", "typ": "JWT" });
        if let Some(kid) = &self.key_id {
            header["kid"] = serde_json::Value::String(kid.clone());
        }
        let claims = serde_json::json!({
            "iss": self.client_email,
            "scope": scope,
            "aud": audience,
            "iat": now,
            "exp": now + ASSERTION_LIFETIME_SECS,
        });
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let signature = self.signer.sign(signing_input.as_bytes());
        format!(
            "{signing_input}.{}",
            URL_SAFE_NO_PAD.encode(signature.to_bytes())
        )
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_key_file_of_another_type_is_named_in_the_error() {
        let error = parse_key_file(r#"{"type": "external_account"}"#, "creds.data").unwrap_err();
        let text = error.to_string();
        assert!(text.contains("external_account"), "{text}");
        assert!(text.contains("creds.data"), "{text}");
    }

    #[test]
    fn a_private_key_that_is_not_pem_is_refused_without_showing_it() {
        let json = r#"{"type": "service_account", "client_email": "a@b.iam.gserviceaccount.com", "private_key": "not-a-key-canary"}"#;
        let text = parse_key_file(json, "creds.data").unwrap_err().to_string();
        assert!(text.contains("private_key"), "{text}");
        assert!(!text.contains("not-a-key-canary"), "{text}");
    }
}
