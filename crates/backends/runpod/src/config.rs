//! The `runpod` section of the config.

use regionkit_core::{BackendConfig, Endpoint, Error, Result};
use serde::Deserialize;

use crate::credential::RunpodCredentials;
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

#[derive(Deserialize)]
struct Section {
    creds: Option<RunpodCredentials>,
    #[serde(default)]
    community_cloud: Option<bool>,
}

impl RunpodConfig {
    pub fn from_section(section: &BackendConfig) -> Result<Self> {
        let parsed: Section = section.parse(BACKEND)?;
        let creds = parsed.creds.ok_or_else(|| {
            Error::backend_config(
                BACKEND,
                "creds",
                "missing; add `creds: {type: api_key, api_key: <your RunPod API key>}`",
            )
        })?;
        if creds.api_key().is_empty() {
            return Err(Error::backend_config(
                BACKEND,
                "creds.api_key",
                "is empty; paste an API key from the RunPod console",
            ));
        }
        Ok(Self {
            creds,
            community_cloud: parsed.community_cloud.unwrap_or(false),
            endpoint: section.endpoint_or(BACKEND, DEFAULT_ENDPOINT)?,
        })
    }
}
