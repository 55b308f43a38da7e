//! Azure credentials: `creds: {type: api_key, api_key: "..."}`.
//!
//! SAMPLE: replace with the credential shapes dstack accepts for this backend. A single API
//! key is core's [`ApiKeyCredentials`]; another shape is this crate's own type, read with
//! `regionkit_core::required_creds`, with every secret in a `Secret` so it never appears in
//! `Debug` output or errors.

use regionkit_core::{ApiKeyCredentials, CredsHelp};

use crate::BACKEND;

/// How regionkit authenticates to Azure: an API key, sent as `Authorization: Bearer`.
pub type AzureCredentials = ApiKeyCredentials;

/// What a section without a usable Azure key is told. SAMPLE: say where the provider
/// shows its keys.
pub const CREDS_HELP: CredsHelp = CredsHelp {
    backend: BACKEND,
    shape: "{type: api_key, api_key: <your Azure API key>}",
    source: "paste the API key from the Azure console",
};
