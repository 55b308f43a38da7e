//! Azure credentials in dstack's shapes.
//!
//! - `creds: {type: client, tenant_id, client_id, client_secret}`: a service principal
//!   (an app registration's client secret), traded for an Entra ID token with the
//!   client-credentials grant.
//! - `creds: {type: default}`: the same service principal from the environment variables
//!   `AZURE_TENANT_ID`, `AZURE_CLIENT_ID` and `AZURE_CLIENT_SECRET`, as the Azure SDKs'
//!   environment credential reads them. Managed identity, workload identity, certificates and
//!   the Azure CLI's login are not consulted.

use regionkit_core::{CredsHelp, Error, Result, Secret};
use serde::Deserialize;

use crate::BACKEND;

/// What a section without Azure credentials is told.
pub const CREDS_HELP: CredsHelp = CredsHelp {
    backend: BACKEND,
    shape: "{type: client, tenant_id: <tenant>, client_id: <app id>, client_secret: <secret>}, or {type: default}",
    source: "create an app registration with a client secret (Entra ID > App registrations) and give it the Reader role on the subscription; {type: default} reads AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET",
};

/// `creds` as written in the section.
#[derive(Clone, Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum AzureCredentials {
    Client {
        #[serde(default)]
        tenant_id: Option<String>,
        client_id: String,
        client_secret: Secret,
    },
    Default,
}

/// A service principal with a client secret: what a token is made from.
#[derive(Clone, Debug)]
pub struct ClientSecret {
    /// The tenant named in `creds` (or `AZURE_TENANT_ID`), if any.
    pub tenant_id: Option<String>,
    pub client_id: String,
    pub client_secret: Secret,
}

impl AzureCredentials {
    /// The service principal these credentials stand for; `env` looks up environment
    /// variables.
    pub fn client_secret(&self, env: &dyn Fn(&str) -> Option<String>) -> Result<ClientSecret> {
        match self {
            Self::Client {
                tenant_id,
                client_id,
                client_secret,
            } => {
                if client_id.trim().is_empty() {
                    return Err(Error::backend_config(
                        BACKEND,
                        "creds.client_id",
                        "is empty; use the application (client) id of the app registration",
                    ));
                }
                if client_secret.is_empty() {
                    return Err(Error::backend_config(
                        BACKEND,
                        "creds.client_secret",
                        "is empty; use a client secret's value from the app registration's Certificates & secrets",
                    ));
                }
                Ok(ClientSecret {
                    tenant_id: tenant_id
                        .as_deref()
                        .map(str::trim)
                        .filter(|t| !t.is_empty())
                        .map(str::to_owned),
                    client_id: client_id.trim().to_owned(),
                    client_secret: client_secret.clone(),
                })
            }
            Self::Default => {
                let var = |name: &str| {
                    env(name)
                        .map(|v| v.trim().to_owned())
                        .filter(|v| !v.is_empty())
                };
                let missing: Vec<&str> = ["AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET"]
                    .into_iter()
                    .filter(|name| var(name).is_none())
                    .collect();
                match (var("AZURE_CLIENT_ID"), var("AZURE_CLIENT_SECRET")) {
                    (Some(client_id), Some(secret)) => Ok(ClientSecret {
                        tenant_id: var("AZURE_TENANT_ID"),
                        client_id,
                        client_secret: Secret::new(secret),
                    }),
                    _ => Err(Error::backend_config(
                        BACKEND,
                        "creds",
                        format!(
                            "{{type: default}} reads a service principal from the environment, and {} is not set; set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET, or use {{type: client, ...}} (managed identity and the Azure CLI login are not supported)",
                            missing.join(" and ")
                        ),
                    )),
                }
            }
        }
    }
}
