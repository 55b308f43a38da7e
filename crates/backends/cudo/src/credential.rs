//! CUDO credentials in dstack's shape: `creds: {type: api_key, api_key: "..."}`.

use regionkit_core::{ApiKeyCredentials, CredsHelp};

use crate::BACKEND;

/// How regionkit authenticates to CUDO Compute: an API key from the CUDO Compute web console,
/// sent as `Authorization: Bearer`.
pub type CudoCredentials = ApiKeyCredentials;

/// What a section without a usable CUDO key is told.
pub const CREDS_HELP: CredsHelp = CredsHelp {
    backend: BACKEND,
    shape: "{type: api_key, api_key: <your CUDO API key>}",
    source: "paste an API key from the CUDO Compute web console",
};
