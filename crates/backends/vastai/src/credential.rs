//! Vast.ai credentials in dstack's shape: `creds: {type: api_key, api_key: "..."}`.
//!
//! dstack lets `type` default to `api_key`, so a `creds` block without it is accepted too.

use regionkit_core::Secret;
use serde::Deserialize;

/// The kinds of credentials Vast.ai accepts; an API key is the only one.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum CredentialKind {
    /// An API key from the Vast.ai console, sent as `Authorization: Bearer`.
    #[default]
    ApiKey,
}

/// How regionkit authenticates to Vast.ai. `Debug` shows the key as `***`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VastCredentials {
    #[serde(rename = "type", default)]
    kind: CredentialKind,
    api_key: Secret,
}

impl VastCredentials {
    pub fn kind(&self) -> CredentialKind {
        self.kind
    }

    pub fn api_key(&self) -> &Secret {
        &self.api_key
    }
}
