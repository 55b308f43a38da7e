//! The `runpod` section of the config.

use regionkit_core::{BackendConfig, Endpoint, Result};
use serde::Deserialize;

use crate::credential::{RunpodCredentials, CREDS_HELP};
use crate::BACKEND;

/// RunPod's API host; the GraphQL endpoint is `/graphql` below it.
pub const DEFAULT_ENDPOINT: &str = "https://api.runpod.io";

/// What the RunPod backend reads from its section.
#[derive(Clone, Debug)]
pub struct RunpodConfig {
    pub creds: RunpodCredentials,
    /// dstack's `community_cloud`: whether Community Cloud countries may be used. Off by
    /// default, as in dstack.
    pub community_cloud: bool,
    pub endpoint: Endpoint,
}

/// The backend's own keys besides `creds`.
#[derive(Deserialize)]
struct Section {
    #[serde(default)]
    community_cloud: Option<bool>,
}

impl RunpodConfig {
    pub fn from_section(section: &BackendConfig) -> Result<Self> {
        let creds = RunpodCredentials::from_section(section, &CREDS_HELP)?;
        let parsed: Section = section.parse(BACKEND)?;
        Ok(Self {
            creds,
            community_cloud: parsed.community_cloud.unwrap_or(false),
            endpoint: section.endpoint_or(BACKEND, DEFAULT_ENDPOINT)?,
        })
    }
}
