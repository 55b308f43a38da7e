//! The `tensordock` section of the config.

use regionkit_core::{BackendConfig, Endpoint, Error, Result, Secret};
use serde::Deserialize;

use crate::credential::TensorDockCredentials;
use crate::BACKEND;

/// TensorDock's dashboard host; the v2 API lives below `/api/v2/`.
pub const DEFAULT_ENDPOINT: &str = "https://dashboard.tensordock.com";

/// What the TensorDock backend reads from its section.
#[derive(Clone, Debug)]
pub struct TensorDockConfig {
    pub api_token: Secret,
    pub endpoint: Endpoint,
}

#[derive(Deserialize)]
struct Section {
    creds: Option<TensorDockCredentials>,
}

impl TensorDockConfig {
    pub fn from_section(section: &BackendConfig) -> Result<Self> {
        let parsed: Section = section.parse(BACKEND)?;
        let creds = parsed.creds.ok_or_else(|| {
            Error::backend_config(
                BACKEND,
                "creds",
                "missing; add `creds: {type: api_key, api_token: <your TensorDock API token>}`",
            )
        })?;
        let api_token =
            match creds.api_token() {
                Some(token) => token.clone(),
                None if creds.has_api_key() => {
                    return Err(Error::backend_config(
                        BACKEND,
                        "creds.api_token",
                        "missing; TensorDock's v2 API authenticates with an API token, not the v0 \
                     `api_key`: create one on the dashboard's API page and set `api_token`",
                    ))
                }
                None => return Err(Error::backend_config(
                    BACKEND,
                    "creds.api_token",
                    "missing or empty; create an API token on TensorDock's dashboard (API page)",
                )),
            };
        Ok(Self {
            api_token,
            endpoint: section.endpoint_or(BACKEND, DEFAULT_ENDPOINT)?,
        })
    }
}
