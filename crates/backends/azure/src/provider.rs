//! Azure locations: the subscription's Physical regions, then a closer look at candidates.
//!
//! `ListLocations` also lists Logical entries (geographies such as `europe`) and, on request,
//! edge zones; neither is a region, so only `metadata.regionType == "Physical"` becomes one,
//! `available`. Core applies the image pin, dstack's defaults, the networking settings and
//! the user's restrictions, and then calls [`AzureProvider::refine`] for each location left:
//! its Resource SKUs show whether the subscription may create GPU VMs there. When every GPU
//! size (NC, ND and NV families) carries a `NotAvailableForSubscription` restriction for the
//! whole location, the location is `not-enabled`; a restriction to some zones leaves the
//! location usable. That call takes seconds per location, so it runs only for candidates,
//! eight at a time, and core caches its answer longer than the listing.

use regionkit_core::{
    async_trait, geo, DiscoveryContext, Location, ProviderError, ProviderSettings, Refined, Region,
    RegionProvider, RegionStatus,
};

use crate::client::{ApiLocation, ApiSku, ArmClient};
use crate::config::AzureConfig;
use crate::BACKEND;

#[derive(Debug)]
pub struct AzureProvider {
    client: ArmClient,
    settings: ProviderSettings,
}

impl AzureProvider {
    pub fn new(config: AzureConfig) -> Self {
        let mut settings = ProviderSettings::default();
        for region_config in config.network.region_configs() {
            settings = settings.with_region_config(region_config);
        }
        Self {
            client: ArmClient::new(
                config.endpoint,
                config.authority,
                config.tenant_id,
                config.subscription_id,
                config.principal,
            ),
            settings,
        }
    }

    /// How many token exchanges this provider has made.
    pub fn token_exchanges(&self) -> u64 {
        self.client.token_exchanges()
    }
}

#[async_trait]
impl RegionProvider for AzureProvider {
    async fn discover(&self, ctx: &DiscoveryContext) -> Result<Vec<Region>, ProviderError> {
        let listed = self.client.locations(ctx).await?;
        if listed.unreadable > 0 {
            ctx.warn(format!(
                "{} entries of ListLocations could not be read and were skipped",
                listed.unreadable
            ));
        }
        let mut regions: Vec<Region> = Vec::new();
        for location in &listed.items {
            let physical = location
                .metadata
                .as_ref()
                .and_then(|m| m.region_type.as_deref())
                .is_some_and(|t| t.eq_ignore_ascii_case("Physical"));
            let name = location.name.trim();
            if !physical || name.is_empty() || regions.iter().any(|r| r.id.as_str() == name) {
                continue;
            }
            regions.push(to_region(location));
        }
        if regions.is_empty() {
            return Err(ProviderError::bad_response(
                BACKEND,
                "ListLocations returned no Physical location; every subscription has some",
            ));
        }
        Ok(regions)
    }

    fn settings(&self) -> ProviderSettings {
        self.settings.clone()
    }

    fn refines(&self) -> bool {
        true
    }

    async fn refine(
        &self,
        ctx: &DiscoveryContext,
        region: &Region,
    ) -> Result<Refined, ProviderError> {
        let location = region.id.as_str();
        let skus = self.client.skus(ctx, location).await?;
        if skus.unreadable > 0 {
            ctx.warn(format!(
                "{location}: {} Resource SKUs could not be read and were skipped",
                skus.unreadable
            ));
        }
        Ok(gpu_verdict(location, &skus.items, region.status))
    }
}

/// `not-enabled` when every GPU VM size of the location is restricted for the subscription in
/// the whole location; otherwise the status stays.
pub fn gpu_verdict(location: &str, skus: &[ApiSku], status: RegionStatus) -> Refined {
    let gpu_sizes: Vec<&ApiSku> = skus.iter().filter(|s| is_gpu_size(s)).collect();
    if gpu_sizes.is_empty() {
        return Refined::status(status);
    }
    if gpu_sizes
        .iter()
        .all(|s| restricted_in_location(s, location))
    {
        return Refined::because(
            RegionStatus::NotEnabled,
            format!(
                "all {} GPU VM sizes (NC, ND, NV) are NotAvailableForSubscription in {location}; request access for the subscription (Azure support, quota and region access request)",
                gpu_sizes.len()
            ),
        );
    }
    Refined::status(status)
}

/// A virtual-machine size of the NC, ND or NV families (`Standard_NC24ads_A100_v4`).
fn is_gpu_size(sku: &ApiSku) -> bool {
    let vm = sku
        .resource_type
        .as_deref()
        .is_some_and(|t| t.eq_ignore_ascii_case("virtualMachines"));
    let Some(name) = sku.name.as_deref() else {
        return false;
    };
    let size = name
        .split_once('_')
        .map_or(name, |(_, size)| size)
        .to_ascii_uppercase();
    vm && ["NC", "ND", "NV"]
        .iter()
        .any(|family| size.starts_with(family))
}

/// Whether the size carries a `NotAvailableForSubscription` restriction of type `Location`
/// for `location`. `Zone` restrictions and unknown values do not count.
fn restricted_in_location(sku: &ApiSku, location: &str) -> bool {
    sku.restrictions.iter().any(|r| {
        let location_wide = r
            .kind
            .as_deref()
            .is_some_and(|k| k.eq_ignore_ascii_case("Location"));
        let not_available = r
            .reason_code
            .as_deref()
            .is_some_and(|c| c.eq_ignore_ascii_case("NotAvailableForSubscription"));
        let here = r.values.is_empty() || r.values.iter().any(|v| v.eq_ignore_ascii_case(location));
        location_wide && not_available && here
    })
}

fn to_region(api: &ApiLocation) -> Region {
    let name = api.name.trim();
    let mut region = Region::new(name).with_status(RegionStatus::Available);
    if let Some(display) = api
        .display_name
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
    {
        region = region.with_display_name(display);
    }
    let zones: Vec<String> = api
        .zone_mappings
        .iter()
        .filter_map(|z| z.logical_zone.as_deref())
        .map(|z| format!("{name}-{}", z.trim()))
        .collect();
    if !zones.is_empty() {
        region = region.with_zones(zones);
    }
    let Some(metadata) = &api.metadata else {
        return region;
    };
    let Some(geography) = metadata
        .geography
        .as_deref()
        .map(str::trim)
        .filter(|g| !g.is_empty())
    else {
        return region;
    };
    let mut location = match geo::country_code(geography) {
        Some(code) => Location::in_country(code).with_raw(geography),
        None => Location::raw_only(geography),
    };
    if let Some(city) = metadata
        .physical_location
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        location = location.with_city(city);
    }
    let coordinates = metadata
        .latitude
        .as_deref()
        .and_then(|l| l.trim().parse::<f64>().ok())
        .zip(
            metadata
                .longitude
                .as_deref()
                .and_then(|l| l.trim().parse::<f64>().ok()),
        )
        .filter(|(lat, lon)| lat.abs() <= 90.0 && lon.abs() <= 180.0);
    if let Some((lat, lon)) = coordinates {
        location = location.with_coordinates(lat, lon);
    }
    region.with_location(location)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::client::ApiRestriction;

    fn sku(name: &str, restrictions: Vec<ApiRestriction>) -> ApiSku {
        ApiSku {
            resource_type: Some("virtualMachines".to_owned()),
            name: Some(name.to_owned()),
            restrictions,
        }
    }

    fn restriction(kind: &str, reason: &str) -> ApiRestriction {
        ApiRestriction {
            kind: Some(kind.to_owned()),
            values: vec!["eastus".to_owned()],
            reason_code: Some(reason.to_owned()),
        }
    }

    #[test]
    fn zone_restrictions_and_unknown_reasons_leave_a_location_usable() {
        let skus = [
            sku(
                "Standard_NC24ads_A100_v4",
                vec![restriction("Zone", "NotAvailableForSubscription")],
            ),
            sku(
                "Standard_ND96isr_H100_v5",
                vec![restriction("Location", "SomethingNew")],
            ),
        ];
        assert_eq!(
            gpu_verdict("eastus", &skus, RegionStatus::Available).status,
            RegionStatus::Available
        );
    }

    #[test]
    fn cpu_sizes_do_not_count_as_gpu_sizes() {
        assert!(!is_gpu_size(&sku("Standard_D2s_v5", Vec::new())));
        assert!(is_gpu_size(&sku("Standard_NV36ads_A10_v5", Vec::new())));
    }
}
