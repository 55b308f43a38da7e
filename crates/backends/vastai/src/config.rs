//! The `vastai` section of the config.

use regionkit_core::{BackendConfig, Endpoint, Error, Result};
use serde::Deserialize;

use crate::credential::VastCredentials;
use crate::BACKEND;

/// Vast.ai's console host; the API lives below `/api/v0/`.
pub const DEFAULT_ENDPOINT: &str = "https://console.vast.ai";

/// What the Vast.ai backend reads from its section.
#[derive(Clone, Debug)]
pub struct VastConfig {
    pub creds: VastCredentials,
    /// When false, only offers from datacenter hosts count (dstack's `community_cloud`).
    pub community_cloud: bool,
    pub endpoint: Endpoint,
}

#[derive(Deserialize)]
struct Section {
    creds: Option<VastCredentials>,
    #[serde(default)]
    community_cloud: Option<bool>,
}

impl VastConfig {
    pub fn from_section(section: &BackendConfig) -> Result<Self> {
        let parsed: Section = section.parse(BACKEND)?;
        let creds = parsed.creds.ok_or_else(|| {
            Error::backend_config(
                BACKEND,
                "creds",
                "missing; add `creds: {type: api_key, api_key: <your Vast.ai API key>}`",
            )
        })?;
        if creds.api_key().is_empty() {
            return Err(Error::backend_config(
                BACKEND,
                "creds.api_key",
                "is empty; paste an API key from the Vast.ai console (Account → API Keys)",
            ));
        }
        Ok(Self {
            creds,
            community_cloud: parsed.community_cloud.unwrap_or(true),
            endpoint: section.endpoint_or(BACKEND, DEFAULT_ENDPOINT)?,
        })
    }
}
