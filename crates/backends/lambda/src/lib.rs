//! regionkit-lambda: Lambda Cloud regions, live.
//!
//! Discovery calls `GET /api/v1/regions` for the regions that exist and
//! `GET /api/v1/instance-types` for where capacity is now; a region with no capacity for any
//! type is `limited`. Region ids are Lambda's names (`us-east-1`, `europe-central-1`), the
//! same strings dstack configs use. Policy: dynamic, every live region is usable.
//!
//! ```yaml
//! backends:
//!   - type: lambda
//!     creds: { type: api_key, api_key: "..." }
//!     regions: [us-east-1, "us-west-*"]   # optional
//! ```

pub mod client;
pub mod config;
pub mod credential;
#[cfg(feature = "emulator")]
pub mod emulator;
pub mod generated;
pub mod provider;

use std::sync::Arc;

use regionkit_core::{
    BackendConfig, BackendDescriptor, BackendRegistration, RegionProvider, Result,
};

pub use config::LambdaConfig;
pub use credential::LambdaCredentials;
pub use provider::LambdaProvider;

pub const BACKEND: &str = generated::ID;

pub static DESCRIPTOR: BackendDescriptor = generated::descriptor(build);

fn build(section: &BackendConfig) -> Result<Arc<dyn RegionProvider>> {
    Ok(Arc::new(LambdaProvider::new(LambdaConfig::from_section(
        section,
    )?)))
}

inventory::submit! { BackendRegistration::new(&DESCRIPTOR) }
