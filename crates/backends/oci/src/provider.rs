//! OCI regions: the realm's regions from ListRegions, the tenancy's from
//! ListRegionSubscriptions.
//!
//! A region with a `READY` subscription is `available`; one whose subscription is
//! `IN_PROGRESS`, or that the tenancy has not subscribed to, is `not-enabled`. The home region
//! is marked in its display name. Region ids are OCI's region names (`us-ashburn-1`), as dstack
//! uses them. Core then applies the image-region pin.

use std::collections::{HashMap, HashSet};

use regionkit_core::{
    async_trait, DiscoveryContext, Location, ProviderError, Region, RegionProvider, RegionStatus,
};

use crate::client::{ApiRegion, OciClient, RegionSubscription};
use crate::config::OciConfig;
use crate::{realm, BACKEND};

#[derive(Debug)]
pub struct OciProvider {
    client: OciClient,
}

impl OciProvider {
    pub fn new(config: OciConfig) -> Self {
        Self {
            client: OciClient::new(config.endpoint, config.key),
        }
    }
}

#[async_trait]
impl RegionProvider for OciProvider {
    async fn discover(&self, ctx: &DiscoveryContext) -> Result<Vec<Region>, ProviderError> {
        let (listed, subscriptions) = tokio::join!(
            self.client.regions(ctx),
            self.client.region_subscriptions(ctx)
        );
        let (listed, subscriptions) = (listed?, subscriptions?);
        if subscriptions.is_empty() {
            // Every tenancy is subscribed to its home region: an empty list is a broken answer.
            return Err(ProviderError::bad_response(
                BACKEND,
                "ListRegionSubscriptions returned no subscriptions, not even the home region",
            ));
        }
        Ok(merge(listed, &subscriptions))
    }
}

/// The realm's regions in the API's order, each with the tenancy's subscription state, then
/// any subscribed region ListRegions did not list.
fn merge(listed: Vec<ApiRegion>, subscriptions: &[RegionSubscription]) -> Vec<Region> {
    // Both sides indexed by lowercase name and key: linear, however long the lists.
    let mut by_name_or_key: HashMap<String, &RegionSubscription> = HashMap::new();
    for s in subscriptions {
        by_name_or_key
            .entry(s.region_key.to_ascii_lowercase())
            .or_insert(s);
        by_name_or_key
            .entry(s.region_name.to_ascii_lowercase())
            .or_insert(s);
    }
    let subscription_of = |region: &ApiRegion| {
        by_name_or_key
            .get(&region.name.to_ascii_lowercase())
            .or_else(|| by_name_or_key.get(&region.key.to_ascii_lowercase()))
            .copied()
    };
    let listed_names: HashSet<String> = listed
        .iter()
        .flat_map(|r| [r.name.to_ascii_lowercase(), r.key.to_ascii_lowercase()])
        .collect();
    let mut regions: Vec<Region> = listed
        .iter()
        .map(|region| to_region(&region.name, subscription_of(region)))
        .collect();
    for subscription in subscriptions {
        let listed_already = listed_names.contains(&subscription.region_name.to_ascii_lowercase())
            || listed_names.contains(&subscription.region_key.to_ascii_lowercase());
        if !listed_already {
            regions.push(to_region(&subscription.region_name, Some(subscription)));
        }
    }
    regions
}

fn to_region(name: &str, subscription: Option<&RegionSubscription>) -> Region {
    let status = match subscription {
        Some(s) if s.is_ready() => RegionStatus::Available,
        _ => RegionStatus::NotEnabled,
    };
    let home = subscription.is_some_and(|s| s.is_home_region);
    let place = realm::by_name(name).map(|f| format!("{}, {}", f.city, f.country));
    let mut display = place.unwrap_or_else(|| name.to_owned());
    if home {
        display.push_str(" (home region)");
    }
    let region = Region::new(name)
        .with_display_name(display)
        .with_status(status);
    match location_of(name) {
        Some(location) => region.with_location(location),
        None => region,
    }
}

/// Where a region is: from the commercial realm's table, else from a country prefix.
fn location_of(name: &str) -> Option<Location> {
    if let Some(facts) = realm::by_name(name) {
        return Some(Location::in_country(facts.country).with_city(facts.city));
    }
    realm::country_of_prefix(name).map(Location::in_country)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests fail loudly")]
mod tests {
    use super::*;

    fn subscription(name: &str, key: &str, status: &str, home: bool) -> RegionSubscription {
        RegionSubscription {
            region_key: key.to_owned(),
            region_name: name.to_owned(),
            status: status.to_owned(),
            is_home_region: home,
        }
    }

    #[test]
    fn a_subscribed_region_missing_from_list_regions_is_still_reported() {
        let listed = vec![ApiRegion {
            key: "IAD".into(),
            name: "us-ashburn-1".into(),
        }];
        let regions = merge(
            listed,
            &[
                subscription("us-ashburn-1", "IAD", "READY", true),
                subscription("us-gov-phoenix-1", "TUS", "READY", false),
            ],
        );
        let ids: Vec<_> = regions.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["us-ashburn-1", "us-gov-phoenix-1"]);
        assert_eq!(
            regions[1]
                .location
                .as_ref()
                .and_then(|l| l.country.as_deref()),
            Some("US")
        );
    }

    #[test]
    fn an_unknown_subscription_status_is_not_enabled() {
        let listed = vec![ApiRegion {
            key: "FRA".into(),
            name: "eu-frankfurt-1".into(),
        }];
        let regions = merge(
            listed,
            &[subscription("eu-frankfurt-1", "FRA", "SUSPENDED", false)],
        );
        assert_eq!(regions[0].status, RegionStatus::NotEnabled);
    }
}
