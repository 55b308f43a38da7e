//! regionkit-runpod: RunPod regions, live.
//!
//! Discovery sends one GraphQL query to `POST /graphql` for `dataCenters` (with GPU stock) and
//! `countryCodes`. Region ids keep existing dstack configs working:
//! - Secure Cloud: the data center id, verbatim (`US-TX-3`, `EU-RO-1`, `CA-MTL-1`);
//! - Community Cloud: the ISO country code (`US`, `CA`), usable only with
//!   `community_cloud: true` and shown as `not-enabled` otherwise, as in dstack where
//!   `community_cloud` defaults to off.
//!
//! A listed data center with no GPU type in stock is `limited`, an unlisted one `unavailable`.
//! The data center's own `location` text ("United States", "Europe") is kept in
//! `location.raw`. An HTTP 200 that carries GraphQL `errors[]` is an error, never an empty
//! list. Policy: dynamic, every live region is usable.
//!
//! ```yaml
//! backends:
//!   - type: runpod
//!     creds: { type: api_key, api_key: "..." }
//!     community_cloud: true             # optional, default false
//!     regions: ["US-*", EU-RO-1, CA]    # optional
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

pub use config::RunpodConfig;
pub use credential::RunpodCredentials;
pub use provider::RunpodProvider;

pub const BACKEND: &str = generated::ID;

pub static DESCRIPTOR: BackendDescriptor = generated::descriptor(build);

fn build(section: &BackendConfig) -> Result<Arc<dyn RegionProvider>> {
    Ok(Arc::new(RunpodProvider::new(RunpodConfig::from_section(
        section,
    )?)))
}

inventory::submit! { BackendRegistration::new(&DESCRIPTOR) }
