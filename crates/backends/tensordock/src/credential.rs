//! TensorDock credentials in dstack's shape:
//! `creds: {type: api_key, api_key: "...", api_token: "..."}`.
//!
//! TensorDock's v2 API authenticates with one API token (`Authorization: Bearer`), created
//! on the dashboard's API page; it goes in `api_token`. dstack's v0-era configs also carry an
//! `api_key`; it is accepted and not sent. As in dstack, `type` may be omitted.

use regionkit_core::{CredentialType, CredsHelp, Secret};
use serde::Deserialize;

use crate::BACKEND;

/// What a section without TensorDock credentials is told.
pub const CREDS_HELP: CredsHelp = CredsHelp {
    backend: BACKEND,
    shape: "{type: api_key, api_token: <your TensorDock API token>}",
    source: "create an API token on TensorDock's dashboard (API page)",
};

/// How regionkit authenticates to TensorDock. `Debug` shows secrets as `***`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TensorDockCredentials {
    #[serde(rename = "type", default)]
    kind: CredentialType,
    /// dstack's v0 key id; v2 does not use it.
    #[serde(default)]
    api_key: Option<Secret>,
    #[serde(default)]
    api_token: Option<Secret>,
}

impl TensorDockCredentials {
    pub fn kind(&self) -> CredentialType {
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
