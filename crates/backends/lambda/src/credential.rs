//! Lambda credentials in dstack's shape: `creds: {type: api_key, api_key: "..."}`.

use regionkit_core::Secret;
use serde::Deserialize;

/// How regionkit authenticates to Lambda Cloud.
#[derive(Clone, Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum LambdaCredentials {
    /// An API key from the Lambda Cloud dashboard, sent as `Authorization: Bearer`.
    ApiKey { api_key: Secret },
}

impl LambdaCredentials {
    pub fn api_key(&self) -> &Secret {
        match self {
            Self::ApiKey { api_key } => api_key,
        }
    }
}
