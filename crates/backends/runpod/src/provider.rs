//! RunPod regions: Secure Cloud data centers and Community Cloud countries, from one query.
//!
//! Region ids are those dstack uses: a Secure Cloud data center id (`US-TX-3`, `EU-RO-1`) or a
//! Community Cloud country code (`US`, `CA`); dstack tells them apart by the dash, and so can
//! users. Statuses:
//! - a listed data center with a GPU type in stock is `available`; listed with none in stock,
//!   `limited`; not listed (`listed: false` or null), `unavailable`;
//! - a Community Cloud country is `available` with `community_cloud: true` and `not-enabled`
//!   without it, so it is explained rather than unknown. RunPod gives no per-country stock in
//!   this query, so a country is never `limited`.

use std::collections::HashSet;

use regionkit_core::{
    async_trait, geo, DiscoveryContext, Location, ProviderError, Region, RegionProvider,
    RegionStatus,
};

use crate::client::{ApiDataCenter, RunpodClient};
use crate::config::RunpodConfig;
use crate::BACKEND;

/// Continents as RunPod writes them in a data center's `location`, named as in `Location`.
const CONTINENTS: &[&str] = &[
    "Africa",
    "Asia",
    "Europe",
    "North America",
    "Oceania",
    "South America",
];

/// Discovers the regions of one RunPod account.
#[derive(Debug)]
pub struct RunpodProvider {
    client: RunpodClient,
    community_cloud: bool,
}

impl RunpodProvider {
    pub fn new(config: RunpodConfig) -> Self {
        Self {
            client: RunpodClient::new(config.endpoint, config.creds.api_key().clone()),
            community_cloud: config.community_cloud,
        }
    }
}

#[async_trait]
impl RegionProvider for RunpodProvider {
    async fn discover(&self, ctx: &DiscoveryContext) -> Result<Vec<Region>, ProviderError> {
        let data = self.client.data_centers(ctx).await?;
        let mut regions = Vec::new();
        for (index, dc) in data.data_centers.iter().enumerate() {
            if dc.id.trim().is_empty() {
                return Err(ProviderError::bad_response(
                    BACKEND,
                    format!("`data.dataCenters[{index}].id` is empty"),
                ));
            }
            regions.push(data_center(dc));
        }
        let community_status = if self.community_cloud {
            RegionStatus::Available
        } else {
            RegionStatus::NotEnabled
        };
        let mut countries = HashSet::new();
        for code in data.country_codes.iter().flatten() {
            let code = code.trim().to_ascii_uppercase();
            if !code.is_empty() && countries.insert(code.clone()) {
                regions.push(country(&code, community_status));
            }
        }
        Ok(regions)
    }
}

fn data_center(dc: &ApiDataCenter) -> Region {
    let in_stock = dc.gpu_availability.iter().flatten().any(|g| g.in_stock());
    let status = match (dc.listed, in_stock) {
        (Some(true), true) => RegionStatus::Available,
        (Some(true), false) => RegionStatus::Limited,
        (_, _) => RegionStatus::Unavailable,
    };
    let place = dc
        .location
        .as_deref()
        .map(str::trim)
        .filter(|l| !l.is_empty());
    let name = dc
        .name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty() && *n != dc.id);
    let display = match (name, place) {
        (Some(name), _) => name.to_owned(),
        (None, Some(place)) => format!("{}, {place}", dc.id),
        (None, None) => dc.id.clone(),
    };
    let region = Region::new(dc.id.as_str())
        .with_display_name(display)
        .with_status(status);
    match place {
        Some(place) => region.with_location(location_of(place)),
        None => region,
    }
}

fn country(code: &str, status: RegionStatus) -> Region {
    Region::new(code)
        .with_display_name(format!("Community Cloud, {code}"))
        .with_status(status)
        .with_location(Location::in_country(code).with_raw(code))
}

/// "United States" → US; "Europe" → only the continent. The text is kept in `raw`.
fn location_of(place: &str) -> Location {
    if let Some(code) = geo::country_code(place) {
        return Location::in_country(code).with_raw(place);
    }
    let mut location = Location::raw_only(place);
    location.continent = CONTINENTS
        .iter()
        .find(|c| c.eq_ignore_ascii_case(place))
        .map(|c| (*c).to_owned());
    location
}
