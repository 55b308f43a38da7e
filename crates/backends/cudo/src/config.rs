//! The `cudo` section of the config.

use regionkit_core::{BackendConfig, Endpoint, Error, Result};
use serde::Deserialize;

use crate::credential::{CudoCredentials, CREDS_HELP};
use crate::BACKEND;

/// CUDO's REST API base, as its OpenAPI `servers` gives it; paths are joined below it.
pub const DEFAULT_ENDPOINT: &str = "https://rest.compute.cudo.org/v1";

/// What the CUDO backend reads from its section.
#[derive(Clone, Debug)]
pub struct CudoConfig {
    /// The CUDO project whose view of machine types and free capacity is asked for.
    pub project_id: String,
    pub creds: CudoCredentials,
    pub endpoint: Endpoint,
}

/// The backend's own keys besides `creds`.
#[derive(Deserialize)]
struct Section {
    project_id: Option<String>,
}

impl CudoConfig {
    pub fn from_section(section: &BackendConfig) -> Result<Self> {
        let parsed: Section = section.parse(BACKEND)?;
        let project_id = parsed
            .project_id
            .map(|p| p.trim().to_owned())
            .filter(|p| !p.is_empty())
            .ok_or_else(|| {
                Error::backend_config(
                    BACKEND,
                    "project_id",
                    "missing or empty; add `project_id: <your CUDO project id>`",
                )
            })?;
        let creds = CudoCredentials::from_section(section, &CREDS_HELP)?;
        Ok(Self {
            project_id,
            creds,
            endpoint: section.endpoint_or(BACKEND, DEFAULT_ENDPOINT)?,
        })
    }
}
