//! The `oci` section of the config.

use regionkit_core::{required_creds, BackendConfig, Endpoint, Result};

use crate::credential::{ApiKey, OciCredentials, CREDS_HELP};
use crate::{realm, BACKEND};

/// What the OCI backend reads from its section.
#[derive(Clone, Debug)]
pub struct OciConfig {
    pub key: ApiKey,
    /// The Identity service: `endpoint` when set, else `identity.<region>.oci.<realm domain>`.
    pub endpoint: Endpoint,
}

impl OciConfig {
    pub fn from_section(section: &BackendConfig) -> Result<Self> {
        let creds: OciCredentials = required_creds(section, &CREDS_HELP)?;
        let key = creds.load()?;
        let endpoint = section.endpoint_or(BACKEND, &realm::identity_endpoint(&key.region))?;
        Ok(Self { key, endpoint })
    }
}
