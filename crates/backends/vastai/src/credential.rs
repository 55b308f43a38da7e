//! Vast.ai credentials in dstack's shape: `creds: {type: api_key, api_key: "..."}`.
//!
//! dstack lets `type` default to `api_key`, so a `creds` block without it is accepted too.

use regionkit_core::{ApiKeyCredentials, CredsHelp};

use crate::BACKEND;

/// How regionkit authenticates to Vast.ai: an API key from the Vast.ai console, sent as
/// `Authorization: Bearer`. `Debug` shows the key as `***`.
pub type VastCredentials = ApiKeyCredentials;

/// What a section without a usable Vast.ai key is told.
pub const CREDS_HELP: CredsHelp = CredsHelp {
    backend: BACKEND,
    shape: "{type: api_key, api_key: <your Vast.ai API key>}",
    source: "paste an API key from the Vast.ai console (Account → API Keys)",
};
