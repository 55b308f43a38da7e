//! The `lambda` section of the config.

use regionkit_core::{BackendConfig, Endpoint, Error, Result};
use serde::Deserialize;

use crate::credential::LambdaCredentials;
use crate::BACKEND;

/// Lambda's production API; `cloud.lambdalabs.com` is its deprecated alias.
pub const DEFAULT_ENDPOINT: &str = "https://cloud.lambda.ai";

/// What the Lambda backend reads from its section.
#[derive(Clone, Debug)]
pub struct LambdaConfig {
    pub creds: LambdaCredentials,
    pub endpoint: Endpoint,
}

#[derive(Deserialize)]
struct Section {
    creds: Option<LambdaCredentials>,
}

impl LambdaConfig {
    pub fn from_section(section: &BackendConfig) -> Result<Self> {
        let parsed: Section = section.parse(BACKEND)?;
        let creds = parsed.creds.ok_or_else(|| {
            Error::backend_config(
                BACKEND,
                "creds",
                "missing; add `creds: {type: api_key, api_key: <your Lambda API key>}`",
            )
        })?;
        if creds.api_key().is_empty() {
            return Err(Error::backend_config(
                BACKEND,
                "creds.api_key",
                "is empty; paste the API key from the Lambda Cloud dashboard",
            ));
        }
        Ok(Self {
            creds,
            endpoint: section.endpoint_or(BACKEND, DEFAULT_ENDPOINT)?,
        })
    }
}
