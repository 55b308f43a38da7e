//! The `gcp` section of the config, in dstack's shape.
//!
//! The backend reads `creds` and `project_id`. dstack's networking and VM keys (`vpc_name`,
//! `public_ips`, `tags`, ...) are accepted and not read: they do not decide which regions
//! exist. `endpoint`, when set, is one Google APIs root serving both calls, below it
//! `compute/v1/...` and the token endpoint `oauth2/v4/token`, as `https://www.googleapis.com`
//! does (and the emulator). Unset, regions come from `https://compute.googleapis.com` and
//! tokens from the key file's `token_uri` (else `https://oauth2.googleapis.com/token`).

use regionkit_core::{required_creds, BackendConfig, Endpoint, Error, Result};
use serde::Deserialize;

use crate::credential::{GcpCredentials, KeyFile, CREDS_HELP, DEFAULT_TOKEN_URI};
use crate::BACKEND;

/// Compute Engine's API root.
pub const DEFAULT_ENDPOINT: &str = "https://compute.googleapis.com";

/// Where the token endpoint sits below an `endpoint` override.
pub const TOKEN_PATH: &str = "oauth2/v4/token";

/// What the GCP backend reads from its section.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct GcpConfig {
    pub key: KeyFile,
    pub project_id: String,
    /// The root below which `compute/v1/projects/{project}/regions` is called.
    pub endpoint: Endpoint,
    /// Where tokens are obtained.
    pub token_endpoint: Endpoint,
}

#[derive(Deserialize)]
struct Section {
    #[serde(default)]
    project_id: Option<String>,
}

impl GcpConfig {
    pub fn from_section(section: &BackendConfig) -> Result<Self> {
        Self::from_section_with_env(section, &|name| std::env::var(name).ok())
    }

    /// As [`from_section`](Self::from_section), looking environment variables up with `env`.
    pub fn from_section_with_env(
        section: &BackendConfig,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Self> {
        let creds: GcpCredentials = required_creds(section, &CREDS_HELP)?;
        let parsed: Section = section.parse(BACKEND)?;
        let endpoint = section.endpoint_or(BACKEND, DEFAULT_ENDPOINT)?;
        let key = creds.key_file(env)?;
        let from_key = match &key {
            KeyFile::ServiceAccount(account) => account.project_id.clone(),
            KeyFile::AuthorizedUser(user) => user.quota_project_id.clone(),
        };
        let project_id = match parsed.project_id.map(|p| p.trim().to_owned()) {
            Some(p) if p.is_empty() => {
                return Err(Error::backend_config(
                    BACKEND,
                    "project_id",
                    "is empty; give the id of the project whose regions to list",
                ))
            }
            Some(p) => p,
            None => from_key.ok_or_else(|| {
                Error::backend_config(
                    BACKEND,
                    "project_id",
                    "missing; add `project_id: <your project id>` (shown on the Google Cloud console's dashboard)",
                )
            })?,
        };
        if !project_id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | ':' | '.'))
        {
            return Err(Error::backend_config(
                BACKEND,
                "project_id",
                format!("`{project_id}` is not a project id: lowercase letters, digits and hyphens (`my-project-123`)"),
            ));
        }
        let token_endpoint = if section.endpoint().is_some() {
            Endpoint::parse(BACKEND, &endpoint.join(TOKEN_PATH), section.allow_http())?
        } else {
            let uri = match &key {
                KeyFile::ServiceAccount(account) => account.token_uri.as_deref(),
                KeyFile::AuthorizedUser(_) => None,
            };
            Endpoint::parse(BACKEND, uri.unwrap_or(DEFAULT_TOKEN_URI), false).map_err(|_| {
                Error::backend_config(
                    BACKEND,
                    "creds",
                    "the key file's `token_uri` is not an https URL; use the key file as downloaded",
                )
            })?
        };
        Ok(Self {
            key,
            project_id,
            endpoint,
            token_endpoint,
        })
    }
}
