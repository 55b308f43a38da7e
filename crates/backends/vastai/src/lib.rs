//! regionkit-vastai: Vast.ai regions, derived from the live marketplace.
//!
//! Vast.ai has no list of regions: it is a marketplace of hosts, and every offer carries the
//! host's `geolocation` (`"Texas, US"`, `"Quebec, CA"`). Discovery runs one offer search
//! (`POST /api/v0/bundles/`, rentable, unrented, verified offers with at least one GPU) and
//! turns the geolocations into regions. Policy: dynamic, every region with an offer now is
//! usable.
//!
//! ## Region ids
//!
//! Ids are the strings dstack (through gpuhunt) has always used for Vast.ai, so the `regions`
//! of existing dstack configs keep working: a geolocation `"<place>, <CC>"` becomes
//! `"<cc>-<place>"`, lower case, with spaces removed.
//!
//! | geolocation | region id |
//! |---|---|
//! | `Texas, US` | `us-texas` |
//! | `New York, US` | `us-newyork` |
//! | `British Columbia, CA` | `ca-britishcolumbia` |
//! | `Sweden, SE` | `se-sweden` |
//! | `Sweden` (no comma) | `sweden` |
//! | `Ashburn, VA, US` (two commas) | `ashburn,va,us` |
//! | `, US` (no place) | `us` |
//! | missing, `null` or blank | no region: the offer is counted in a warning |
//!
//! The last two rows depart from gpuhunt, which would produce `us-` and `""`: a place-less
//! geolocation names the country alone, and an offer without a geolocation is never invented
//! into a region. The provider's text is kept verbatim in `location.raw` and as the display
//! name; the country code goes to `location.country`.
//!
//! ## Status
//!
//! A region with a rentable offer is `available`; one whose offers are all taken is
//! `limited`; a region of the curated `known` list with no offer at all right now is
//! `unavailable`, so it is explained rather than dropped, and a config naming it gets a
//! warning instead of an unknown-region error. A search that returns no offer at all is an
//! error (Vast.ai always lists thousands), so the labelled fallback answers instead.
//!
//! ```yaml
//! backends:
//!   - type: vastai
//!     creds: { type: api_key, api_key: "..." }   # `type` may be omitted, as in dstack
//!     regions: ["us-*", ca-quebec]                # optional
//!     community_cloud: false                      # optional: datacenter hosts only
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

pub use config::VastConfig;
pub use credential::VastCredentials;
pub use provider::VastProvider;

pub const BACKEND: &str = generated::ID;

pub static DESCRIPTOR: BackendDescriptor = generated::descriptor(build);

fn build(section: &BackendConfig) -> Result<Arc<dyn RegionProvider>> {
    Ok(Arc::new(VastProvider::new(VastConfig::from_section(
        section,
    )?)))
}

inventory::submit! { BackendRegistration::new(&DESCRIPTOR) }
