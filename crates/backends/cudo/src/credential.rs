//! CUDO credentials in dstack's shape: `creds: {type: api_key, api_key: "..."}`.

use regionkit_core::Secret;
use serde::Deserialize;

/// How regionkit authenticates to CUDO Compute.
#[derive(Clone, Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum CudoCredentials {
    /// An API key from the CUDO Compute web console, sent as `Authorization: Bearer`.
    ApiKey { api_key: Secret },
}

impl CudoCredentials {
    pub fn api_key(&self) -> &Secret {
        match self {
            Self::ApiKey { api_key } => api_key,
        }
    }
}
