//! The `azure` section of the config.

use regionkit_core::{BackendConfig, Endpoint, Result};

use crate::credential::{AzureCredentials, CREDS_HELP};
use crate::BACKEND;

/// SAMPLE: the base URL of the provider's production API.
pub const DEFAULT_ENDPOINT: &str = "https://api.azure.example";

/// What the Azure backend reads from its section. `type`, `regions`, `endpoint` and
/// `allow_http` are read by core; the backend's own keys go here, parsed with
/// `section.parse` into a struct of those keys.
#[derive(Clone, Debug)]
pub struct AzureConfig {
    pub creds: AzureCredentials,
    pub endpoint: Endpoint,
}

impl AzureConfig {
    pub fn from_section(section: &BackendConfig) -> Result<Self> {
        Ok(Self {
            creds: AzureCredentials::from_section(section, &CREDS_HELP)?,
            endpoint: section.endpoint_or(BACKEND, DEFAULT_ENDPOINT)?,
        })
    }
}
