//! regionkit-gcp: Google Cloud (Compute Engine) regions, live, under dstack's defaults.
//!
//! Discovery trades the credentials for an OAuth2 access token (a signed JWT for a
//! service-account key, a refresh token for gcloud's user credentials), then reads
//! `regions.list` of the project page by page: `UP` regions are `available`, `DOWN` ones
//! `unavailable`, deprecated ones kept with a warning, and a region where every NVIDIA GPU
//! quota is 0 is `limited`. Region ids are Compute's names (`us-central1`), as dstack's.
//!
//! Policy: defaults. dstack's 35 regions are used when no `regions` are named; any live
//! region the user names is accepted.
//!
//! ```yaml
//! backends:
//!   - type: gcp
//!     project_id: my-project
//!     creds: { type: service_account, filename: ~/keys/regionkit.json }
//!     # or: creds: { type: default }   # GOOGLE_APPLICATION_CREDENTIALS or gcloud's ADC file
//!     regions: [us-central1, "europe-*"]   # optional
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

pub use config::GcpConfig;
pub use credential::GcpCredentials;
pub use provider::GcpProvider;

/// The backend id, as configs name it.
pub const BACKEND: &str = generated::ID;

/// What core needs to know about this backend; the lists come from `generated.rs`.
pub static DESCRIPTOR: BackendDescriptor = generated::descriptor(build);

fn build(section: &BackendConfig) -> Result<Arc<dyn RegionProvider>> {
    Ok(Arc::new(GcpProvider::new(GcpConfig::from_section(
        section,
    )?)))
}

inventory::submit! { BackendRegistration::new(&DESCRIPTOR) }
