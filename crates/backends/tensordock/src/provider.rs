//! TensorDock regions: listed locations and the hosts behind them, one region per place.
//!
//! `/locations` says where a VM can be deployed by location and how many of each GPU fit;
//! `/hostnodes` says which hosts have GPUs free. Both are grouped by place into regions
//! with stable ids (see the crate docs). A place with capacity on either endpoint is
//! `available`, a listed place without any `limited`, and a `known` place neither lists now
//! `unavailable`.
//!
//! The two calls run concurrently, and only `/locations` is needed for an answer. When
//! `/hostnodes` fails (an error after retries, a timeout, a cut-off or unreadable body), the
//! hosts are unknown: the answer is still the live location list, each listed place with
//! the status the list gives it (`available` with a deployable GPU, `limited` without), with
//! a warning that says capacity is unknown and why. A `known` place the list leaves out is
//! then `limited`, not `unavailable`: TensorDock drops sold-out locations from the list, and
//! whether such a place still has hosts is what could not be read. Rejected credentials on
//! either call fail the discovery.

use std::collections::BTreeMap;

use regionkit_core::{
    async_trait, geo, DiscoveryContext, Location, ProviderError, ProviderErrorKind, Region,
    RegionProvider, RegionStatus,
};

use crate::client::{ApiHostnode, ApiLocation, TensorDockClient};
use crate::config::TensorDockConfig;
use crate::{generated, BACKEND};

#[derive(Debug)]
pub struct TensorDockProvider {
    client: TensorDockClient,
}

impl TensorDockProvider {
    pub fn new(config: TensorDockConfig) -> Self {
        Self {
            client: TensorDockClient::new(config.endpoint, config.api_token),
        }
    }
}

#[async_trait]
impl RegionProvider for TensorDockProvider {
    async fn discover(&self, ctx: &DiscoveryContext) -> Result<Vec<Region>, ProviderError> {
        let capacity_ctx = ctx.secondary();
        let (locations, hostnodes) = tokio::join!(
            self.client.locations(ctx),
            self.client.hostnodes(&capacity_ctx)
        );
        let locations = locations?;
        match hostnodes {
            Ok(hostnodes) => Ok(regions_from(&locations, Some(&hostnodes))),
            Err(error) if error.kind == ProviderErrorKind::Auth => Err(error),
            Err(error) => {
                ctx.warn(format!(
                    "capacity unknown: GET /api/v2/hostnodes failed ({}); listed locations \
                     keep the status the location list gives them, and known locations it \
                     leaves out are reported `limited`, since whether they have hosts is unknown",
                    error.summary()
                ));
                Ok(regions_from(&locations, None))
            }
        }
    }
}

/// A place's description: city, state or province, country.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Place {
    pub city: Option<String>,
    pub stateprovince: Option<String>,
    pub country: Option<String>,
}

impl Place {
    fn new(
        city: &Option<String>,
        stateprovince: &Option<String>,
        country: &Option<String>,
    ) -> Self {
        let clean = |part: &Option<String>| {
            part.as_deref()
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(str::to_owned)
        };
        Self {
            city: clean(city),
            stateprovince: clean(stateprovince),
            country: clean(country),
        }
    }

    fn is_empty(&self) -> bool {
        self.city.is_none() && self.stateprovince.is_none() && self.country.is_none()
    }

    fn country_code(&self) -> Option<&'static str> {
        self.country.as_deref().and_then(geo::country_code)
    }

    /// `<cc>-<stateprovince>-<city>`, slugged; `None` when the place has no description.
    pub fn region_id(&self) -> Option<String> {
        let country = match (self.country_code(), &self.country) {
            (Some(code), _) => Some(code.to_ascii_lowercase()),
            (None, Some(name)) => Some(slug(name)),
            (None, None) => None,
        };
        let state = self.stateprovince.as_deref().map(slug);
        let city = self.city.as_deref().map(slug);
        // "Dubai, Dubai" names the place once.
        let state = state.filter(|s| city.as_ref() != Some(s));
        let parts: Vec<String> = [country, state, city]
            .into_iter()
            .flatten()
            .filter(|p| !p.is_empty())
            .collect();
        (!parts.is_empty()).then(|| parts.join("-"))
    }

    /// "Austin, Texas, United States".
    pub fn label(&self) -> String {
        [&self.city, &self.stateprovince, &self.country]
            .into_iter()
            .flatten()
            .cloned()
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn location(&self) -> Location {
        let location = match self.country_code() {
            Some(code) => Location::in_country(code),
            None => Location::default(),
        };
        let location = match &self.city {
            Some(city) => location.with_city(city.clone()),
            None => location,
        };
        location.with_raw(self.label())
    }
}

/// Lower case; every run of characters other than letters and digits becomes one `-`.
fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.trim().chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_owned()
}

/// One region being assembled from locations and hosts.
struct Assembled {
    place: Place,
    location_ids: Vec<String>,
    capacity: bool,
}

/// Group locations and hosts by place into regions; known places missing from both are
/// reported as unavailable. `None` for the hosts means they could not be read: known places
/// the locations leave out are then `limited`, as nothing says they are gone.
pub fn regions_from(locations: &[ApiLocation], hostnodes: Option<&[ApiHostnode]>) -> Vec<Region> {
    let mut regions: BTreeMap<String, Assembled> = BTreeMap::new();
    let mut id_of_location: BTreeMap<&str, String> = BTreeMap::new();

    for location in locations {
        let place = Place::new(&location.city, &location.stateprovince, &location.country);
        let id = place.region_id().unwrap_or_else(|| location.id.clone());
        let capacity = location.gpus.iter().any(|g| g.max_count > 0);
        let entry = regions.entry(id.clone()).or_insert_with(|| Assembled {
            place,
            location_ids: Vec::new(),
            capacity: false,
        });
        entry.capacity |= capacity;
        if !entry.location_ids.contains(&location.id) {
            entry.location_ids.push(location.id.clone());
        }
        id_of_location.insert(location.id.as_str(), id);
    }

    let mut unplaced = 0usize;
    for host in hostnodes.unwrap_or_default() {
        let id = match id_of_location.get(host.location_id.as_str()) {
            Some(id) => id.clone(),
            None => {
                let place = host
                    .location
                    .as_ref()
                    .map(|l| Place::new(&l.city, &l.stateprovince, &l.country))
                    .unwrap_or_default();
                if place.is_empty() {
                    unplaced += 1;
                    continue;
                }
                let Some(id) = place.region_id() else {
                    unplaced += 1;
                    continue;
                };
                regions.entry(id.clone()).or_insert_with(|| Assembled {
                    place,
                    location_ids: Vec::new(),
                    capacity: false,
                });
                id
            }
        };
        if let Some(entry) = regions.get_mut(&id) {
            entry.capacity |= host.has_free_gpu();
            if !entry.location_ids.contains(&host.location_id) {
                entry.location_ids.push(host.location_id.clone());
            }
        }
    }
    if unplaced > 0 {
        tracing::warn!(
            backend = BACKEND,
            unplaced,
            "{unplaced} TensorDock hosts name a location that is neither listed nor described; they are not counted in any region"
        );
    }

    let mut out: Vec<Region> = regions
        .into_iter()
        .map(|(id, assembled)| {
            let status = if assembled.capacity {
                RegionStatus::Available
            } else {
                RegionStatus::Limited
            };
            let mut zones = assembled.location_ids;
            zones.sort();
            let label = assembled.place.label();
            let region = Region::new(id.as_str())
                .with_status(status)
                .with_zones(zones);
            if assembled.place.is_empty() {
                region
            } else {
                region
                    .with_display_name(label)
                    .with_location(assembled.place.location())
            }
        })
        .collect();
    let unlisted = if hostnodes.is_some() {
        RegionStatus::Unavailable
    } else {
        RegionStatus::Limited
    };
    for id in generated::KNOWN.regions {
        if !out.iter().any(|r| r.id.matches(id)) {
            let region = Region::new(*id).with_status(unlisted);
            out.push(match known_country(id) {
                Some(code) => region.with_location(Location::in_country(&code)),
                None => region,
            });
        }
    }
    out.sort_by(|a, b| a.id.cmp(&b.id));
    out
}

/// The country of a known id, from its `cc-` prefix.
fn known_country(id: &str) -> Option<String> {
    let prefix = id.split('-').next()?;
    (prefix.len() == 2 && prefix.chars().all(|c| c.is_ascii_alphabetic()))
        .then(|| prefix.to_ascii_uppercase())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::client::{HostGpu, HostLocation, HostResources};

    fn place(city: &str, state: &str, country: &str) -> Place {
        let part = |s: &str| (!s.is_empty()).then(|| s.to_owned());
        Place::new(&part(city), &part(state), &part(country))
    }

    #[test]
    fn places_become_stable_readable_ids() {
        assert_eq!(
            place("Austin", "Texas", "United States")
                .region_id()
                .as_deref(),
            Some("us-texas-austin")
        );
        assert_eq!(
            place("Winnipeg", "Manitoba", "Canada")
                .region_id()
                .as_deref(),
            Some("ca-manitoba-winnipeg")
        );
        assert_eq!(
            place("Dubai", "Dubai", "United Arab Emirates")
                .region_id()
                .as_deref(),
            Some("ae-dubai")
        );
        assert_eq!(
            place("St. Louis", "", "United States")
                .region_id()
                .as_deref(),
            Some("us-st-louis")
        );
        assert_eq!(
            place("Reykjavík", "", "Atlantis").region_id().as_deref(),
            Some("atlantis-reykjavík")
        );
        assert_eq!(place("", "", "").region_id(), None);
    }

    #[test]
    fn a_host_outside_the_listed_locations_still_makes_a_region() {
        let host = ApiHostnode {
            location_id: "9a0b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d".into(),
            available_resources: Some(HostResources {
                gpus: vec![HostGpu { available_count: 2 }],
            }),
            location: Some(HostLocation {
                city: Some("Winnipeg".into()),
                stateprovince: Some("Manitoba".into()),
                country: Some("Canada".into()),
            }),
        };
        let regions = regions_from(&[], Some(&[host]));
        let winnipeg = regions
            .iter()
            .find(|r| r.id.as_str() == "ca-manitoba-winnipeg")
            .unwrap();
        assert_eq!(winnipeg.status, RegionStatus::Available);
        assert_eq!(winnipeg.zones, ["9a0b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d"]);
    }

    #[test]
    fn every_known_id_is_a_slug_with_a_country() {
        for id in generated::KNOWN.regions {
            assert_eq!(slug(id), *id, "{id}");
            assert!(known_country(id).is_some(), "{id}");
        }
    }
}
