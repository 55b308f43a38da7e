//! Verda credentials in dstack's shape:
//! `creds: {type: api_key, client_id: "...", client_secret: "..."}`.

use regionkit_core::{CredsHelp, Secret};
use serde::Deserialize;

use crate::BACKEND;

/// What a section without Verda credentials is told.
pub const CREDS_HELP: CredsHelp = CredsHelp {
    backend: BACKEND,
    shape: "{type: api_key, client_id: <id>, client_secret: <secret>}",
    source: "use an OAuth2 client from the Verda console",
};

/// How regionkit authenticates to Verda's public API.
#[derive(Clone, Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum DatacrunchCredentials {
    /// An OAuth2 client of the Verda console. The id and secret are exchanged for a
    /// short-lived access token (client-credentials grant), sent as `Authorization: Bearer`.
    ApiKey {
        client_id: String,
        client_secret: Secret,
    },
}

impl DatacrunchCredentials {
    pub fn client_id(&self) -> &str {
        match self {
            Self::ApiKey { client_id, .. } => client_id,
        }
    }

    pub fn client_secret(&self) -> &Secret {
        match self {
            Self::ApiKey { client_secret, .. } => client_secret,
        }
    }
}
