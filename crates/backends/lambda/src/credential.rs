//! Lambda credentials in dstack's shape: `creds: {type: api_key, api_key: "..."}`.

use regionkit_core::{ApiKeyCredentials, CredsHelp};

use crate::BACKEND;

/// How regionkit authenticates to Lambda Cloud: an API key from the Lambda Cloud dashboard,
/// sent as `Authorization: Bearer`.
pub type LambdaCredentials = ApiKeyCredentials;

/// What a section without a usable Lambda key is told.
pub const CREDS_HELP: CredsHelp = CredsHelp {
    backend: BACKEND,
    shape: "{type: api_key, api_key: <your Lambda API key>}",
    source: "paste the API key from the Lambda Cloud dashboard",
};
