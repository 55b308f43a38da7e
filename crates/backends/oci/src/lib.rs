//! regionkit-oci: Oracle Cloud Infrastructure regions, live, under the image-region pin.
//!
//! Discovery calls the Identity API's ListRegions for the realm's regions and
//! ListRegionSubscriptions for the tenancy's: a `READY` subscription is `available`, an
//! `IN_PROGRESS` one or none at all is `not-enabled`, and the home region is marked. Every
//! request is signed with the user's API key (OCI "Signature version 1", rsa-sha256; see
//! [`signing`]). Region ids are OCI's region names (`us-ashburn-1`), the strings dstack
//! configs use.
//!
//! Policy: pinned. dstack's OCI images are published only in some regions, so the usable set
//! is the subscribed regions inside that list; a subscribed region outside it is `no-image`.
//!
//! ```yaml
//! backends:
//!   - type: oci
//!     creds:
//!       type: client
//!       user: ocid1.user.oc1..aaaa...
//!       tenancy: ocid1.tenancy.oc1..aaaa...
//!       key_file: ~/.oci/oci_api_key.pem      # or key_content: |  -----BEGIN ...
//!       fingerprint: "12:34:56:78:9a:bc:de:f0:12:34:56:78:9a:bc:de:f0"
//!       region: us-ashburn-1                  # a name or a key (IAD)
//!     regions: [us-ashburn-1, "eu-*"]         # optional
//!   - type: oci
//!     creds: { type: default, file: ~/.oci/config, profile: DEFAULT }
//! ```
//!
//! Without `endpoint`, requests go to `https://identity.<region>.oci.<realm domain>`.

pub mod client;
pub mod config;
pub mod credential;
#[cfg(feature = "emulator")]
pub mod emulator;
pub mod generated;
pub mod provider;
pub mod realm;
pub mod signing;

use std::sync::Arc;

use regionkit_core::{
    BackendConfig, BackendDescriptor, BackendRegistration, RegionProvider, Result,
};

pub use config::OciConfig;
pub use credential::{ApiKey, OciCredentials};
pub use provider::OciProvider;
pub use signing::RequestSigner;

pub const BACKEND: &str = generated::ID;

pub static DESCRIPTOR: BackendDescriptor = generated::descriptor(build);

fn build(section: &BackendConfig) -> Result<Arc<dyn RegionProvider>> {
    Ok(Arc::new(OciProvider::new(OciConfig::from_section(
        section,
    )?)))
}

inventory::submit! { BackendRegistration::new(&DESCRIPTOR) }
