//! regionkit-cudo: CUDO Compute data centers, live.
//!
//! Discovery calls `GET /v1/vms/data-centers` for the data centers that exist and
//! `GET /v1/vms/machine-types?projectId=` for what is free in each now; a data center where no
//! machine type fits a VM is `limited`. Region ids are CUDO's data center ids
//! (`no-luster-1`, `gb-bournemouth-1`), the same strings dstack configs used; the country is
//! read from the id's prefix and the coordinates from the API. Policy: dynamic, every live
//! data center is usable.
//!
//! dstack dropped its CUDO backend in 2026, when CUDO closed its public cloud. This backend
//! stays for endpoints that still answer; an API that does not is an outage like any other,
//! answered by the labelled fallback (builtin list) rather than by anything special here.
//!
//! ```yaml
//! backends:
//!   - type: cudo
//!     project_id: my-project
//!     creds: { type: api_key, api_key: "..." }
//!     regions: ["no-*", se-stockholm-1]   # optional
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

pub use config::CudoConfig;
pub use credential::CudoCredentials;
pub use provider::CudoProvider;

pub const BACKEND: &str = generated::ID;

pub static DESCRIPTOR: BackendDescriptor = generated::descriptor(build);

fn build(section: &BackendConfig) -> Result<Arc<dyn RegionProvider>> {
    Ok(Arc::new(CudoProvider::new(CudoConfig::from_section(
        section,
    )?)))
}

inventory::submit! { BackendRegistration::new(&DESCRIPTOR) }
