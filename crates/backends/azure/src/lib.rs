//! regionkit-azure: Azure regions, live.
//!
//! SAMPLE: scaffolded by `cargo xtask new-backend azure`. The crate talks to a sample API
//! that its own emulator serves; every item marked `SAMPLE` is to be replaced with the
//! provider's real API, keeping this file layout.
//!
//! Discovery calls `GET /v1/regions` page by page; each region's `state` gives its status.
//! Policy: dynamic, every live region is usable.
//!
//! ```yaml
//! backends:
//!   - type: azure
//!     creds: { type: api_key, api_key: "..." }
//!     regions: [us-east-1, "eu-*"]   # optional
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

pub use config::AzureConfig;
pub use credential::AzureCredentials;
pub use provider::AzureProvider;

/// The backend id, as configs name it.
pub const BACKEND: &str = generated::ID;

/// What core needs to know about this backend; the lists come from `generated.rs`.
pub static DESCRIPTOR: BackendDescriptor = generated::descriptor(build);

fn build(section: &BackendConfig) -> Result<Arc<dyn RegionProvider>> {
    Ok(Arc::new(AzureProvider::new(AzureConfig::from_section(
        section,
    )?)))
}

inventory::submit! { BackendRegistration::new(&DESCRIPTOR) }
