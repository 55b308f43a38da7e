//! RunPod credentials in dstack's shape: `creds: {type: api_key, api_key: "..."}`.

use regionkit_core::{ApiKeyCredentials, CredsHelp};

use crate::BACKEND;

/// How regionkit authenticates to RunPod: an API key from the RunPod console, sent as
/// `Authorization: Bearer`.
pub type RunpodCredentials = ApiKeyCredentials;

/// What a section without a usable RunPod key is told.
pub const CREDS_HELP: CredsHelp = CredsHelp {
    backend: BACKEND,
    shape: "{type: api_key, api_key: <your RunPod API key>}",
    source: "paste an API key from the RunPod console",
};
