//! Verda regions: existence from `/locations`, capacity from `/instance-availability`.
//!
//! A location where at least one instance type is deployable now, on demand or as spot, is
//! `available`; a listed location with nothing deployable is `limited`. The location code
//! (`FIN-01`) is the region id, exactly as dstack's `regions` spell it.

use std::collections::HashSet;

use regionkit_core::{
    async_trait, DiscoveryContext, Location, ProviderError, Region, RegionProvider, RegionStatus,
};

use crate::client::{ApiAvailability, ApiLocation, DatacrunchClient};
use crate::config::DatacrunchConfig;
use crate::BACKEND;

/// Discovers the locations of one Verda account.
#[derive(Debug)]
pub struct DatacrunchProvider {
    client: DatacrunchClient,
}

impl DatacrunchProvider {
    pub fn new(config: DatacrunchConfig) -> Self {
        let client = DatacrunchClient::new(
            config.endpoint,
            config.creds.client_id().to_owned(),
            config.creds.client_secret().clone(),
        );
        Self { client }
    }
}

#[async_trait]
impl RegionProvider for DatacrunchProvider {
    async fn discover(&self, ctx: &DiscoveryContext) -> Result<Vec<Region>, ProviderError> {
        let (locations, on_demand, spot) = tokio::join!(
            self.client.locations(ctx),
            self.client.availability(ctx, false),
            self.client.availability(ctx, true),
        );
        let (mut locations, on_demand, spot) = (locations?, on_demand?, spot?);

        let with_capacity: HashSet<&str> = on_demand
            .iter()
            .chain(&spot)
            .filter(|entry| !entry.availabilities.is_empty())
            .map(|entry| entry.location_code.as_str())
            .collect();
        // A location the availability answer names is a location, even if `/locations` has not
        // caught up with it.
        let unlisted: Vec<ApiLocation> = unlisted_locations(&locations, &on_demand, &spot);
        locations.extend(unlisted);

        let mut seen = HashSet::new();
        let mut regions = Vec::with_capacity(locations.len());
        for (index, location) in locations.iter().enumerate() {
            if location.code.trim().is_empty() {
                return Err(ProviderError::bad_response(
                    BACKEND,
                    format!("`[{index}].code` of GET /locations is empty"),
                ));
            }
            if !seen.insert(location.code.as_str()) {
                continue;
            }
            let status = if with_capacity.contains(location.code.as_str()) {
                RegionStatus::Available
            } else {
                RegionStatus::Limited
            };
            regions.push(to_region(location, status));
        }
        Ok(regions)
    }
}

fn unlisted_locations(
    listed: &[ApiLocation],
    on_demand: &[ApiAvailability],
    spot: &[ApiAvailability],
) -> Vec<ApiLocation> {
    let mut unlisted: Vec<ApiLocation> = Vec::new();
    for entry in on_demand.iter().chain(spot) {
        let code = &entry.location_code;
        let known = listed.iter().chain(&unlisted).any(|l| &l.code == code);
        if !known {
            unlisted.push(ApiLocation {
                code: code.clone(),
                name: None,
                country_code: None,
            });
        }
    }
    unlisted
}

fn to_region(api: &ApiLocation, status: RegionStatus) -> Region {
    let display = api
        .name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .unwrap_or(&api.code);
    let region = Region::new(api.code.as_str())
        .with_display_name(display)
        .with_status(status);
    match api
        .country_code
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        Some(country) => region.with_location(Location::in_country(country).with_raw(country)),
        None => region,
    }
}
