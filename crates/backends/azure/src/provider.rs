//! Azure regions: every region the API lists, with the status its `state` gives.
//!
//! SAMPLE: map the real API's fields here. `active` is available, `limited` is limited,
//! `maintenance` is unavailable and `disabled` is not enabled for the account; a state this
//! code does not know yet is kept as `limited` rather than dropped.

use regionkit_core::{
    async_trait, DiscoveryContext, Location, ProviderError, Region, RegionProvider, RegionStatus,
};

use crate::client::{ApiRegion, AzureClient};
use crate::config::AzureConfig;

#[derive(Debug)]
pub struct AzureProvider {
    client: AzureClient,
}

impl AzureProvider {
    pub fn new(config: AzureConfig) -> Self {
        Self {
            client: AzureClient::new(config.endpoint, config.creds.api_key().clone()),
        }
    }
}

#[async_trait]
impl RegionProvider for AzureProvider {
    async fn discover(&self, ctx: &DiscoveryContext) -> Result<Vec<Region>, ProviderError> {
        let listed = self.client.regions(ctx).await?;
        Ok(listed.into_iter().map(to_region).collect())
    }
}

fn status_of(state: &str) -> RegionStatus {
    match state.to_ascii_lowercase().as_str() {
        "active" => RegionStatus::Available,
        "maintenance" => RegionStatus::Unavailable,
        "disabled" => RegionStatus::NotEnabled,
        _ => RegionStatus::Limited,
    }
}

fn to_region(api: ApiRegion) -> Region {
    let status = status_of(&api.state);
    let mut region = Region::new(api.slug).with_status(status);
    if !api.display_name.trim().is_empty() {
        region = region.with_display_name(api.display_name);
    }
    let country = api.country_code.filter(|code| code.trim().len() == 2);
    match country {
        Some(country) => {
            let location = Location::in_country(&country);
            region.with_location(match api.city.filter(|c| !c.trim().is_empty()) {
                Some(city) => location.with_city(city),
                None => location,
            })
        }
        None => region,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_map_to_statuses_and_unknown_ones_are_kept_as_limited() {
        assert_eq!(status_of("active"), RegionStatus::Available);
        assert_eq!(status_of("LIMITED"), RegionStatus::Limited);
        assert_eq!(status_of("maintenance"), RegionStatus::Unavailable);
        assert_eq!(status_of("disabled"), RegionStatus::NotEnabled);
        assert_eq!(status_of("draining"), RegionStatus::Limited);
    }
}
