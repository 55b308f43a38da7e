//! TensorDock credentials in dstack's shape:
//! `creds: {type: api_key, api_key: "...", api_token: "..."}`.
//!
//! TensorDock's v2 API authenticates with one API token (`Authorization: Bearer`), created
//! on the dashboard's API page; it goes in `api_token`. dstack's v0-era configs also carry an
//! `api_key`; it is accepted and not sent. As in dstack, `type` may be omitted.

use regionkit_core::Secret;
use serde::Deserialize;

/// The kinds of credentials TensorDock accepts; an API token is the only one.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum CredentialKind {
    #[default]
    ApiKey,
}

/// How regionkit authenticates to TensorDock. `Debug` shows secrets as `***`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TensorDockCredentials {
    #[serde(rename = "type", default)]
    kind: CredentialKind,
    /// dstack's v0 key id; v2 does not use it.
    #[serde(default)]
    api_key: Option<Secret>,
    #[serde(default)]
    api_token: Option<Secret>,
}

impl TensorDockCredentials {
    pub fn kind(&self) -> CredentialKind {
        self.kind
    }

    /// The v2 API token, sent as `Authorization: Bearer`.
    pub fn api_token(&self) -> Option<&Secret> {
        self.api_token.as_ref().filter(|t| !t.is_empty())
    }

    /// Whether dstack's v0 `api_key` is present.
    pub fn has_api_key(&self) -> bool {
        self.api_key.as_ref().is_some_and(|k| !k.is_empty())
    }
}
