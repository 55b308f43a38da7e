//! The `vastai` section of the config.

use regionkit_core::{BackendConfig, Endpoint, Result};
use serde::Deserialize;

use crate::credential::{VastCredentials, CREDS_HELP};
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

/// The backend's own keys besides `creds`.
#[derive(Deserialize)]
struct Section {
    #[serde(default)]
    community_cloud: Option<bool>,
}

impl VastConfig {
    pub fn from_section(section: &BackendConfig) -> Result<Self> {
        let creds = VastCredentials::from_section(section, &CREDS_HELP)?;
        let parsed: Section = section.parse(BACKEND)?;
        Ok(Self {
            creds,
            community_cloud: parsed.community_cloud.unwrap_or(true),
            endpoint: section.endpoint_or(BACKEND, DEFAULT_ENDPOINT)?,
        })
    }
}
