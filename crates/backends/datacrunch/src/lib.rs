//! regionkit-datacrunch: DataCrunch, renamed Verda, locations, live.
//!
//! Discovery exchanges the OAuth2 client for an access token (`POST /v1/oauth2/token`), then
//! calls `GET /v1/locations` for the locations that exist and `GET /v1/instance-availability`
//! (on demand and spot) for where instance types are deployable now; a location with nothing
//! deployable is `limited`. Region ids are Verda's location codes (`FIN-01`, `ICE-01`), the
//! same strings dstack configs use. Policy: dynamic, every live location is usable.
//!
//! The backend answers to `type: datacrunch` and to `type: verda`, like dstack. The API base
//! defaults to `https://api.verda.com/v1`; `endpoint` overrides it (the older
//! `https://api.datacrunch.io/v1` serves the same API).
//!
//! ```yaml
//! backends:
//!   - type: verda            # or datacrunch
//!     creds: { type: api_key, client_id: "...", client_secret: "..." }
//!     regions: ["FIN-*"]     # optional
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

pub use config::DatacrunchConfig;
pub use credential::DatacrunchCredentials;
pub use provider::DatacrunchProvider;

pub const BACKEND: &str = generated::ID;

pub static DESCRIPTOR: BackendDescriptor = generated::descriptor(build);

fn build(section: &BackendConfig) -> Result<Arc<dyn RegionProvider>> {
    Ok(Arc::new(DatacrunchProvider::new(
        DatacrunchConfig::from_section(section)?,
    )))
}

inventory::submit! { BackendRegistration::new(&DESCRIPTOR) }
