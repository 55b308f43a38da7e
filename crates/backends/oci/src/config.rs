//! The `oci` section of the config.

use regionkit_core::{BackendConfig, Endpoint, Error, Result};
use serde::Deserialize;

use crate::credential::{ApiKey, OciCredentials};
use crate::{realm, BACKEND};

/// What the OCI backend reads from its section.
#[derive(Clone, Debug)]
pub struct OciConfig {
    pub key: ApiKey,
    /// The Identity service: `endpoint` when set, else `identity.<region>.oci.<realm domain>`.
    pub endpoint: Endpoint,
}

#[derive(Deserialize)]
struct Section {
    creds: Option<OciCredentials>,
}

impl OciConfig {
    pub fn from_section(section: &BackendConfig) -> Result<Self> {
        let parsed: Section = section.parse(BACKEND)?;
        let creds = parsed.creds.ok_or_else(|| {
            Error::backend_config(
                BACKEND,
                "creds",
                "missing; add `creds: {type: client, user: <user OCID>, tenancy: <tenancy OCID>, key_file: <PEM path>, fingerprint: <key fingerprint>, region: <region>}`, or `creds: {type: default}` to read ~/.oci/config",
            )
        })?;
        let key = creds.load()?;
        let endpoint = section.endpoint_or(BACKEND, &realm::identity_endpoint(&key.region))?;
        Ok(Self { key, endpoint })
    }
}
