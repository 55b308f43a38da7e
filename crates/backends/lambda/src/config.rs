//! The `lambda` section of the config.

use regionkit_core::{BackendConfig, Endpoint, Result};

use crate::credential::{LambdaCredentials, CREDS_HELP};
use crate::BACKEND;

/// Lambda's production API; `cloud.lambdalabs.com` is its deprecated alias.
pub const DEFAULT_ENDPOINT: &str = "https://cloud.lambda.ai";

/// What the Lambda backend reads from its section.
#[derive(Clone, Debug)]
pub struct LambdaConfig {
    pub creds: LambdaCredentials,
    pub endpoint: Endpoint,
}

impl LambdaConfig {
    pub fn from_section(section: &BackendConfig) -> Result<Self> {
        Ok(Self {
            creds: LambdaCredentials::from_section(section, &CREDS_HELP)?,
            endpoint: section.endpoint_or(BACKEND, DEFAULT_ENDPOINT)?,
        })
    }
}
