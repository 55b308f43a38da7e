//! The `datacrunch` (or `verda`) section of the config.

use regionkit_core::{required_creds, BackendConfig, Endpoint, Error, Result};

use crate::credential::{DatacrunchCredentials, CREDS_HELP};
use crate::BACKEND;

/// Verda's public API since the rename; `https://api.datacrunch.io/v1` serves the same API.
pub const DEFAULT_ENDPOINT: &str = "https://api.verda.com/v1";

/// What the DataCrunch backend reads from its section.
#[derive(Clone, Debug)]
pub struct DatacrunchConfig {
    pub creds: DatacrunchCredentials,
    /// The API base including its version (`.../v1`); paths are joined below it.
    pub endpoint: Endpoint,
}

impl DatacrunchConfig {
    pub fn from_section(section: &BackendConfig) -> Result<Self> {
        let creds: DatacrunchCredentials = required_creds(section, &CREDS_HELP)?;
        if creds.client_id().trim().is_empty() {
            return Err(Error::backend_config(
                BACKEND,
                "creds.client_id",
                "is empty; paste the client id of the Verda OAuth2 client",
            ));
        }
        if creds.client_secret().is_empty() {
            return Err(Error::backend_config(
                BACKEND,
                "creds.client_secret",
                "is empty; paste the client secret of the Verda OAuth2 client",
            ));
        }
        let client_id = regionkit_core::Secret::new(creds.client_id());
        CREDS_HELP.check_single_line("creds.client_id", &client_id)?;
        CREDS_HELP.check_single_line("creds.client_secret", creds.client_secret())?;
        Ok(Self {
            creds,
            endpoint: section.endpoint_or(BACKEND, DEFAULT_ENDPOINT)?,
        })
    }
}
