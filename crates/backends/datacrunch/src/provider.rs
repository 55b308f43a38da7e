//! Verda regions: existence from `/locations`, capacity from `/instance-availability`.
//!
//! A location where at least one instance type is deployable now, on demand or as spot, is
//! `available`; a listed location with nothing deployable is `limited`. The location code
//! (`FIN-01`) is the region id, exactly as dstack's `regions` spell it.
//!
//! The three calls run concurrently, and only `/locations` is needed for an answer. When
//! either availability call fails (an error after retries, a timeout, a cut-off or
//! unreadable body), capacity is unknown: the answer is still the live location list, every
//! location `available` as the list alone shows it, with a warning that says capacity is
//! unknown and why. Half an answer does not help: a location missing from the on-demand
//! answer may have spot capacity, and the other way round. Marking them all `limited` would
//! claim that nothing is deployable, which nobody said. Rejected credentials on any call fail
//! the discovery.

use std::collections::HashSet;

use regionkit_core::{
    async_trait, DiscoveryContext, Location, ProviderError, ProviderErrorKind, Region,
    RegionProvider, RegionStatus,
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
        let capacity_ctx = ctx.secondary();
        let (locations, on_demand, spot) = tokio::join!(
            self.client.locations(ctx),
            self.client.availability(&capacity_ctx, false),
            self.client.availability(&capacity_ctx, true),
        );
        let mut locations = locations?;
        let (on_demand, spot) = match (on_demand, spot) {
            (Ok(on_demand), Ok(spot)) => (on_demand, spot),
            (on_demand, spot) => {
                let failed = [("on demand", on_demand.err()), ("spot", spot.err())];
                let failed: Vec<(&str, ProviderError)> = failed
                    .into_iter()
                    .filter_map(|(which, error)| error.map(|e| (which, e)))
                    .collect();
                if let Some((_, auth)) = failed
                    .iter()
                    .find(|(_, e)| e.kind == ProviderErrorKind::Auth)
                {
                    return Err(auth.clone());
                }
                let why: Vec<String> = failed
                    .iter()
                    .map(|(which, error)| {
                        format!(
                            "GET /instance-availability ({which}) failed ({})",
                            error.summary()
                        )
                    })
                    .collect();
                ctx.warn(format!(
                    "capacity unknown: {}; every listed location is reported `available`, as \
                     the location list shows it, without knowing where an instance type is \
                     deployable now",
                    why.join("; ")
                ));
                return without_capacity(&locations);
            }
        };

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
            check_code(index, location)?;
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

/// The listed locations, every one `available`: what `/locations` alone says.
fn without_capacity(locations: &[ApiLocation]) -> Result<Vec<Region>, ProviderError> {
    let mut seen = HashSet::new();
    let mut regions = Vec::with_capacity(locations.len());
    for (index, location) in locations.iter().enumerate() {
        check_code(index, location)?;
        if seen.insert(location.code.as_str()) {
            regions.push(to_region(location, RegionStatus::Available));
        }
    }
    Ok(regions)
}

fn check_code(index: usize, location: &ApiLocation) -> Result<(), ProviderError> {
    if location.code.trim().is_empty() {
        return Err(ProviderError::bad_response(
            BACKEND,
            format!("`[{index}].code` of GET /locations is empty"),
        ));
    }
    Ok(())
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
