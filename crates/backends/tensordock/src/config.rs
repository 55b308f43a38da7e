//! The `tensordock` section of the config.

use regionkit_core::{required_creds, BackendConfig, Endpoint, Error, Result, Secret};

use crate::credential::{TensorDockCredentials, CREDS_HELP};
use crate::BACKEND;

/// TensorDock's dashboard host; the v2 API lives below `/api/v2/`.
pub const DEFAULT_ENDPOINT: &str = "https://dashboard.tensordock.com";

/// What the TensorDock backend reads from its section.
#[derive(Clone, Debug)]
pub struct TensorDockConfig {
    pub api_token: Secret,
    pub endpoint: Endpoint,
}

impl TensorDockConfig {
    pub fn from_section(section: &BackendConfig) -> Result<Self> {
        let creds: TensorDockCredentials = required_creds(section, &CREDS_HELP)?;
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
