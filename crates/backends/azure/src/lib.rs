//! regionkit-azure: Azure locations, live, under the image pin and dstack's defaults.
//!
//! Discovery trades a service principal's client secret for an Entra ID token, then lists
//! the subscription's locations (`ListLocations`, Physical regions only). For each location
//! that survives policy and restrictions, the Compute Resource SKUs of that location show
//! whether the subscription may create GPU VMs there: a location where every NC, ND and NV
//! size is `NotAvailableForSubscription` is `not-enabled`. Region ids are ARM's location
//! names (`eastus`), as dstack's.
//!
//! Policy: pinned + defaults. dstack's image is replicated to 25 locations, so the usable set
//! is live ∩ pinned; of those, dstack's 16 are used when no `regions` are named, and any
//! image location the user names is accepted. With `vpc_ids` or `subnet_ids` set, or
//! `public_ips: false`, a location needs an entry in one of the two keys.
//!
//! ```yaml
//! backends:
//!   - type: azure
//!     tenant_id: 11111111-2222-3333-4444-555555555555
//!     subscription_id: 00000000-0000-0000-0000-000000000000
//!     creds: { type: client, client_id: "...", client_secret: "..." }
//!     # or: creds: { type: default }   # AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET
//!     regions: [eastus, japaneast]     # optional; japaneast is an image location outside the defaults
//!     vpc_ids: { eastus: my-rg/my-vnet }                  # optional
//!     subnet_ids: { japaneast: my-rg/my-vnet/my-subnet }  # optional
//!     # China: endpoint: https://management.chinacloudapi.cn (the login host follows)
//!     # authority: https://login.microsoftonline.com       # optional override
//! ```

pub mod client;
pub mod config;
pub mod credential;
#[cfg(feature = "emulator")]
pub mod emulator;
pub mod generated;
pub mod provider;

use std::sync::Arc;
use std::time::Duration;

use regionkit_core::{
    BackendConfig, BackendDescriptor, BackendRegistration, RegionProvider, Result,
};

pub use config::AzureConfig;
pub use credential::AzureCredentials;
pub use provider::AzureProvider;

/// The backend id, as configs name it.
pub const BACKEND: &str = generated::ID;

/// What core needs to know about this backend; the lists come from `generated.rs`.
///
/// A Resource SKUs call has been seen to take 20-30 s for one location, so requests get a
/// longer timeout, and the per-location answers (which change when support enables a
/// family, not by the minute) are kept an hour, the listing core's default three minutes.
pub static DESCRIPTOR: BackendDescriptor = generated::descriptor(build)
    .with_request_timeout(Duration::from_secs(40))
    .with_max_body_bytes(32 * 1024 * 1024)
    .with_refinement(Duration::from_secs(60 * 60), 8);

fn build(section: &BackendConfig) -> Result<Arc<dyn RegionProvider>> {
    Ok(Arc::new(AzureProvider::new(AzureConfig::from_section(
        section,
    )?)))
}

inventory::submit! { BackendRegistration::new(&DESCRIPTOR) }
