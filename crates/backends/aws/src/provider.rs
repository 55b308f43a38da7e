//! AWS regions: every region of the caller's partition from `DescribeRegions`, each with the
//! account's opt-in state.
//!
//! `opt-in-not-required` and `opted-in` regions are `available`; `not-opted-in` regions
//! exist but are `not-enabled` for this account. Region ids are EC2's `regionName` verbatim
//! (`us-east-1`, `cn-north-1`), the strings dstack configs use. Core then applies the pin to
//! dstack's image regions (lifted by `os_images`) and the `vpc_ids` settings.

use regionkit_core::{
    async_trait, geo, DiscoveryContext, Location, ProviderError, ProviderSettings, Region,
    RegionProvider, RegionStatus,
};

use crate::client::{ApiRegion, Ec2Client};
use crate::config::AwsConfig;
use crate::credential::CredentialSource;

#[derive(Debug)]
pub struct AwsProvider {
    client: Ec2Client,
    settings: ProviderSettings,
}

impl AwsProvider {
    pub fn new(config: AwsConfig) -> Self {
        let mut settings = ProviderSettings::default();
        if let Some(images) = &config.os_images {
            settings = settings.with_pin_lifted(images.pin_lifted_reason());
        }
        if let Some(region_config) = config.vpc.region_config() {
            settings = settings.with_region_config(region_config);
        }
        let credentials = CredentialSource::new(&config.creds, &config.signing_region);
        Self {
            client: Ec2Client::new(config.endpoint, config.signing_region, credentials),
            settings,
        }
    }
}

#[async_trait]
impl RegionProvider for AwsProvider {
    async fn discover(&self, ctx: &DiscoveryContext) -> Result<Vec<Region>, ProviderError> {
        let regions = self.client.describe_regions(ctx).await?;
        Ok(regions.into_iter().map(to_region).collect())
    }

    fn settings(&self) -> ProviderSettings {
        self.settings.clone()
    }
}

/// The account's view of a region from its opt-in state.
fn status_of(opt_in_status: Option<&str>, region: &str) -> RegionStatus {
    match opt_in_status.map(str::trim) {
        // Regions older than opt-in omit the field in some answers: they are enabled.
        None | Some("opt-in-not-required" | "opted-in") => RegionStatus::Available,
        Some("not-opted-in") => RegionStatus::NotEnabled,
        Some(other) => {
            // A state EC2 did not document when this was written: not usable until known.
            tracing::warn!(
                backend = crate::BACKEND,
                region,
                opt_in_status = other,
                "unknown opt-in status; treating the region as not enabled"
            );
            RegionStatus::NotEnabled
        }
    }
}

fn to_region(api: ApiRegion) -> Region {
    let status = status_of(api.opt_in_status.as_deref(), &api.region_name);
    let geography = api
        .geography_set
        .as_ref()
        .and_then(|set| set.items.first())
        .map(|g| g.name.trim().to_owned())
        .filter(|name| !name.is_empty());
    let region = Region::new(api.region_name.trim()).with_status(status);
    match geography {
        Some(name) => {
            let location = match geo::country_code(&name) {
                Some(code) => Location::in_country(code).with_raw(name),
                None => Location::raw_only(name),
            };
            region.with_location(location)
        }
        None => region,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn opt_in_states_map_to_statuses() {
        assert_eq!(
            status_of(Some("opt-in-not-required"), "us-east-1"),
            RegionStatus::Available
        );
        assert_eq!(
            status_of(Some("opted-in"), "me-central-1"),
            RegionStatus::Available
        );
        assert_eq!(
            status_of(Some("not-opted-in"), "ap-southeast-7"),
            RegionStatus::NotEnabled
        );
        assert_eq!(status_of(None, "eu-west-1"), RegionStatus::Available);
        assert_eq!(
            status_of(Some("opting-in-someday"), "af-south-1"),
            RegionStatus::NotEnabled
        );
    }
}
