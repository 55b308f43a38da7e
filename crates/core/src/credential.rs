//! A section's `creds`: read once, with the same errors in every backend.
//!
//! This is the first step of building a provider (config → provider → discover): a backend's
//! `config.rs` reads its `creds` with [`required_creds`], or with
//! [`ApiKeyCredentials::from_section`] when the backend takes dstack's single API key. A
//! section without `creds`, or with an empty key, is a config error that names the backend,
//! the field and the fix, in the backend's own words ([`CredsHelp`]).

use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::config::BackendConfig;
use crate::error::{Error, Result};
use crate::secret::Secret;

/// What a user who left out a backend's `creds`, or left a key empty, is told to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CredsHelp {
    /// The backend's id, as its errors name it.
    pub backend: &'static str,
    /// The value to write under `creds`: `{type: api_key, api_key: <your Lambda API key>}`.
    pub shape: &'static str,
    /// Where the secret comes from, or what else `creds` may be, in one clause:
    /// "paste the API key from the Lambda Cloud dashboard".
    pub source: &'static str,
}

impl CredsHelp {
    /// `creds` is absent.
    fn missing(&self) -> Error {
        Error::backend_config(
            self.backend,
            "creds",
            format!("missing; add `creds: {}`; {}", self.shape, self.source),
        )
    }

    /// `field` is present but blank.
    fn empty(&self, field: &str) -> Error {
        Error::backend_config(self.backend, field, format!("is empty; {}", self.source))
    }

    /// A credential that must travel in a header is blank, or holds a line break or another
    /// control character: the error names the field, never the value.
    pub fn check_single_line(&self, field: &str, secret: &Secret) -> Result<()> {
        if secret.is_empty() {
            return Err(self.empty(field));
        }
        if !secret.is_single_line() {
            return Err(Error::backend_config(
                self.backend,
                field,
                "contains a line break or another control character; paste the value again without it",
            ));
        }
        Ok(())
    }
}

/// The only key of the section this module reads.
#[derive(Deserialize)]
struct CredsKey<C> {
    creds: Option<C>,
}

/// The section's `creds` as the backend's credential type `C`. Missing `creds` is a config
/// error showing the shape to add; a `creds` of the wrong shape is one naming the field
/// (`creds.api_key`), without its value.
pub fn required_creds<C: DeserializeOwned>(section: &BackendConfig, help: &CredsHelp) -> Result<C> {
    let key: CredsKey<C> = section.parse(help.backend)?;
    key.creds.ok_or_else(|| help.missing())
}

/// The `type` of dstack's API-key credentials. dstack lets it be left out, meaning `api_key`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum CredentialType {
    /// One secret key, usually sent as `Authorization: Bearer`.
    #[default]
    ApiKey,
}

/// dstack's single-key credentials: `creds: {type: api_key, api_key: "..."}`, where `type`
/// may be left out. Unknown keys are refused, so a misspelt `apikey` is named rather than
/// read as a missing key. `Debug` shows the key as `***`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiKeyCredentials {
    #[serde(rename = "type", default)]
    kind: CredentialType,
    api_key: Secret,
}

impl ApiKeyCredentials {
    /// Credentials holding `api_key`, for building a config in code.
    pub fn new(api_key: Secret) -> Self {
        Self {
            kind: CredentialType::ApiKey,
            api_key,
        }
    }

    /// The section's `creds`, present and with a key that is not blank.
    pub fn from_section(section: &BackendConfig, help: &CredsHelp) -> Result<Self> {
        let creds: Self = required_creds(section, help)?;
        help.check_single_line("creds.api_key", &creds.api_key)?;
        Ok(creds)
    }

    pub fn kind(&self) -> CredentialType {
        self.kind
    }

    /// The key, to send with each request.
    pub fn api_key(&self) -> &Secret {
        &self.api_key
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    const HELP: CredsHelp = CredsHelp {
        backend: "acme",
        shape: "{type: api_key, api_key: <your Acme API key>}",
        source: "paste the API key from the Acme console",
    };

    fn section(yaml: &str) -> BackendConfig {
        let mut config = Config::from_yaml(yaml, None, None).expect("the test config parses");
        config.backends.remove(0)
    }

    fn error(yaml: &str) -> String {
        match ApiKeyCredentials::from_section(&section(yaml), &HELP) {
            Ok(creds) => panic!("read {creds:?}"),
            Err(error) => error.to_string(),
        }
    }

    #[test]
    fn the_dstack_shape_is_read_with_or_without_its_type() {
        for yaml in [
            "backends: [{type: acme, creds: {type: api_key, api_key: k-1}}]",
            "backends: [{type: acme, creds: {api_key: k-1}}]",
        ] {
            let creds = ApiKeyCredentials::from_section(&section(yaml), &HELP).expect(yaml);
            assert_eq!(creds.api_key().expose(), "k-1");
            assert_eq!(creds.kind(), CredentialType::ApiKey);
        }
    }

    #[test]
    fn a_key_with_a_line_break_is_a_config_error_without_the_key() {
        let message =
            error("backends: [{type: acme, creds: {api_key: \"k-canary\\r\\nX-Injected: 1\"}}]");
        assert!(
            message.contains("creds.api_key") && message.contains("line break"),
            "{message}"
        );
        assert!(!message.contains("k-canary"), "{message}");
    }

    #[test]
    fn missing_creds_name_the_backend_the_field_the_shape_and_the_source() {
        assert_eq!(
            error("backends: [{type: acme}]"),
            "config: backend `acme`: `creds`: missing; add `creds: {type: api_key, api_key: <your Acme API key>}`; paste the API key from the Acme console"
        );
    }

    #[test]
    fn a_blank_key_is_named_with_where_to_find_one() {
        assert_eq!(
            error("backends: [{type: acme, creds: {type: api_key, api_key: \"  \"}}]"),
            "config: backend `acme`: `creds.api_key`: is empty; paste the API key from the Acme console"
        );
    }

    #[test]
    fn another_type_or_a_misspelt_key_is_named_without_the_value() {
        let message = error("backends: [{type: acme, creds: {type: access_key, api_key: k-1}}]");
        assert!(
            message.contains("creds.type") && message.contains("access_key"),
            "{message}"
        );
        let message = error("backends: [{type: acme, creds: {apikey: k-secret}}]");
        assert!(
            message.contains("creds") && message.contains("apikey"),
            "{message}"
        );
        assert!(!message.contains("k-secret"), "{message}");
    }

    #[test]
    fn other_shapes_share_the_missing_creds_error() {
        #[derive(Debug, Deserialize)]
        struct ClientCreds {
            #[allow(dead_code)]
            client_id: String,
        }
        let missing = required_creds::<ClientCreds>(&section("backends: [{type: acme}]"), &HELP);
        assert!(matches!(missing, Err(Error::Config { .. })), "{missing:?}");
        let read = required_creds::<ClientCreds>(
            &section("backends: [{type: acme, creds: {client_id: c-1}}]"),
            &HELP,
        );
        assert!(read.is_ok(), "{read:?}");
    }

    #[test]
    fn debug_never_shows_the_key() {
        let creds = ApiKeyCredentials::new(Secret::new("canary-31d9"));
        assert!(!format!("{creds:?}").contains("canary"));
    }
}
