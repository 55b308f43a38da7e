//! Lambda regions: existence from `/regions`, capacity from `/instance-types`.
//!
//! A region that has capacity for at least one instance type is `available`; one with
//! capacity for none is `limited`, not dropped (capacity comes and goes within minutes).
//! Region ids are Lambda's `name` verbatim, as dstack uses them.
//!
//! The two calls run concurrently, and only `/regions` is needed for an answer. When
//! `/instance-types` fails (an error after retries, a timeout, a cut-off or unreadable body),
//! capacity is unknown: the answer is still the live region list, every region `available`
//! as the list alone shows it, with a warning that says capacity is unknown and why. Marking
//! them all `limited` would claim that nothing has capacity, which nobody said. Rejected
//! credentials on either call fail the discovery.

use std::collections::HashSet;

use regionkit_core::{
    async_trait, geo, DiscoveryContext, Location, ProviderError, ProviderErrorKind, Region,
    RegionProvider, RegionStatus,
};

use crate::client::{ApiRegion, LambdaClient};
use crate::config::LambdaConfig;

#[derive(Debug)]
pub struct LambdaProvider {
    client: LambdaClient,
}

impl LambdaProvider {
    pub fn new(config: LambdaConfig) -> Self {
        Self {
            client: LambdaClient::new(config.endpoint, config.creds.api_key().clone()),
        }
    }
}

#[async_trait]
impl RegionProvider for LambdaProvider {
    async fn discover(&self, ctx: &DiscoveryContext) -> Result<Vec<Region>, ProviderError> {
        let capacity_ctx = ctx.secondary();
        let (regions, types) = tokio::join!(
            self.client.regions(ctx),
            self.client.instance_types(&capacity_ctx)
        );
        let mut listed = regions?;
        let types = match types {
            Ok(types) => types,
            Err(error) if error.kind == ProviderErrorKind::Auth => return Err(error),
            Err(error) => {
                ctx.warn(format!(
                    "capacity unknown: GET /api/v1/instance-types failed ({}); every listed \
                     region is reported `available`, as the region list shows it, without \
                     knowing which have capacity now",
                    error.summary()
                ));
                return Ok(listed
                    .into_iter()
                    .map(|api| to_region(api, RegionStatus::Available))
                    .collect());
            }
        };

        let with_capacity: HashSet<String> = types
            .values()
            .flat_map(|entry| {
                entry
                    .regions_with_capacity_available
                    .iter()
                    .map(|r| r.name.clone())
            })
            .collect();
        // A region with capacity is a region, even if `/regions` has not caught up with it.
        let mut seen: HashSet<String> = listed.iter().map(|l| l.name.clone()).collect();
        for entry in types.values() {
            for region in &entry.regions_with_capacity_available {
                if seen.insert(region.name.clone()) {
                    listed.push(region.clone());
                }
            }
        }
        Ok(listed
            .into_iter()
            .map(|api| {
                let status = if with_capacity.contains(&api.name) {
                    RegionStatus::Available
                } else {
                    RegionStatus::Limited
                };
                to_region(api, status)
            })
            .collect())
    }
}

fn to_region(api: ApiRegion, status: RegionStatus) -> Region {
    let description = api
        .description
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty());
    let location = description.and_then(location_of);
    let display = description.unwrap_or(&api.name).to_owned();
    let region = Region::new(api.name)
        .with_display_name(display)
        .with_status(status);
    match location {
        Some(location) => region.with_location(location),
        None => region,
    }
}

/// "Virginia, USA" → US, city "Virginia"; "Germany" → DE. The text is kept verbatim in `raw`.
fn location_of(description: &str) -> Option<Location> {
    let description = description.trim();
    if description.is_empty() {
        return None;
    }
    let (place, country) = match description.rsplit_once(',') {
        Some((place, country)) => (Some(place.trim()), country.trim()),
        None => (None, description),
    };
    let location = match geo::country_code(country) {
        Some(code) => Location::in_country(code),
        None => return Some(Location::raw_only(description)),
    };
    let location = match place.filter(|p| !p.is_empty()) {
        Some(place) => location.with_city(place),
        None => location,
    };
    Some(location.with_raw(description))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_become_locations() {
        let virginia = location_of("Virginia, USA").unwrap();
        assert_eq!(virginia.country.as_deref(), Some("US"));
        assert_eq!(virginia.city.as_deref(), Some("Virginia"));
        assert_eq!(virginia.raw.as_deref(), Some("Virginia, USA"));
        assert_eq!(
            location_of("Germany").unwrap().country.as_deref(),
            Some("DE")
        );
        assert_eq!(location_of("Somewhere new").unwrap().country, None);
        assert!(location_of("  ").is_none());
    }
}
