//! regionkit-tensordock: TensorDock deployment locations, live.
//!
//! Discovery calls TensorDock's v2 API: `GET /api/v2/locations` for the locations a VM can
//! be deployed to by location, with the most of each GPU deployable there, and
//! `GET /api/v2/hostnodes` for the hosts and the GPUs free on each. Policy: dynamic, every
//! location with capacity now is usable.
//!
//! ## Region ids
//!
//! TensorDock names locations by UUID and describes them as city, state or province and
//! country, with no short code. regionkit's region id is built from the description, so it
//! means something and stays the same as long as TensorDock does not rename the place:
//! `<cc>-<stateprovince>-<city>`, lower case, every run of characters other than letters and
//! digits turned into one `-`, the country as its ISO code.
//!
//! | location (city, stateprovince, country) | region id |
//! |---|---|
//! | Austin, Texas, United States | `us-texas-austin` |
//! | Winnipeg, Manitoba, Canada | `ca-manitoba-winnipeg` |
//! | a city equal to its state (`Dubai, Dubai, …`) | the name once (`ae-dubai`) |
//! | a part missing | left out (`<cc>-<city>`) |
//! | a country without an ISO code in regionkit's table | the country name, slugged |
//! | no description at all | the location's UUID |
//!
//! The location UUIDs of a region (what `POST /api/v2/instances` takes as `location_id`)
//! are its `zones`; the description is kept verbatim in `location.raw`.
//!
//! dstack's retired TensorDock backend used the lowercased country (`unitedstates`) as its
//! region, through the v0 marketplace API, and never applied the backend's `regions`. Those
//! names are not region ids here: `us-*` selects the same hosts.
//!
//! ## Status
//!
//! A location with a deployable GPU, or with a host that has a free GPU, is `available`;
//! a listed location without either is `limited`. A location of the curated `known` list
//! that neither endpoint lists now is `unavailable`: TensorDock drops sold-out locations
//! from its listing, so an empty listing is a normal state, reported as every known location
//! being unavailable, never as an empty success.
//!
//! ```yaml
//! backends:
//!   - type: tensordock
//!     creds: { type: api_key, api_token: "..." }   # dstack's `api_key` is accepted too
//!     regions: ["us-*"]                            # optional
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

pub use config::TensorDockConfig;
pub use credential::TensorDockCredentials;
pub use provider::TensorDockProvider;

pub const BACKEND: &str = generated::ID;

pub static DESCRIPTOR: BackendDescriptor = generated::descriptor(build);

fn build(section: &BackendConfig) -> Result<Arc<dyn RegionProvider>> {
    Ok(Arc::new(TensorDockProvider::new(
        TensorDockConfig::from_section(section)?,
    )))
}

inventory::submit! { BackendRegistration::new(&DESCRIPTOR) }
