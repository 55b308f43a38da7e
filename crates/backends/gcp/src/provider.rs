//! Google Cloud regions: every region `regions.list` gives the project, with its status.
//!
//! `UP` is `available` and `DOWN` is `unavailable`. A `DEPRECATED` region still works and is
//! kept, with a warning naming its replacement; `OBSOLETE` and `DELETED` ones are
//! `unavailable`. The same answer carries the project's quotas per region: where every
//! NVIDIA GPU quota (`NVIDIA_H100_GPUS`, `PREEMPTIBLE_NVIDIA_T4_GPUS`, ...) has a limit of 0,
//! no GPU VM can start, so the region is `limited`, with a warning naming the quotas to
//! raise. Core then keeps dstack's 35 default regions unless the user names regions.

use regionkit_core::{
    async_trait, DiscoveryContext, ProviderError, Region, RegionProvider, RegionStatus,
};

use crate::client::{ApiRegion, ComputeClient};
use crate::config::GcpConfig;
use crate::BACKEND;

#[derive(Debug)]
pub struct GcpProvider {
    client: ComputeClient,
}

impl GcpProvider {
    pub fn new(config: GcpConfig) -> Self {
        Self {
            client: ComputeClient::new(
                config.endpoint,
                config.token_endpoint,
                config.project_id,
                config.key,
            ),
        }
    }

    /// How many token exchanges this provider has made.
    pub fn token_exchanges(&self) -> u64 {
        self.client.token_exchanges()
    }
}

#[async_trait]
impl RegionProvider for GcpProvider {
    async fn discover(&self, ctx: &DiscoveryContext) -> Result<Vec<Region>, ProviderError> {
        let listed = self.client.regions(ctx).await?;
        if listed.is_empty() {
            return Err(ProviderError::bad_response(
                BACKEND,
                "regions.list returned no `items`; every project sees every public region",
            ));
        }
        let mut regions: Vec<Region> = Vec::with_capacity(listed.len());
        for (index, api) in listed.into_iter().enumerate() {
            let name = api.name.trim();
            if name.is_empty() {
                ctx.warn(format!(
                    "regions.list item {index} has an empty `name`; skipped"
                ));
                continue;
            }
            if regions.iter().any(|r| r.id.as_str() == name) {
                continue;
            }
            regions.push(to_region(ctx, &api));
        }
        Ok(regions)
    }
}

fn to_region(ctx: &DiscoveryContext, api: &ApiRegion) -> Region {
    let name = api.name.trim();
    let mut status = match api.status.as_deref().map(str::trim) {
        Some("UP") => RegionStatus::Available,
        Some("DOWN") => RegionStatus::Unavailable,
        other => {
            ctx.warn(format!(
                "{name}: unknown status `{}`; treated as `limited`",
                other.unwrap_or("")
            ));
            RegionStatus::Limited
        }
    };
    if let Some(deprecation) = &api.deprecated {
        let replacement = deprecation
            .replacement
            .as_deref()
            .and_then(last_segment)
            .map(|r| format!("; its replacement is {r}"))
            .unwrap_or_default();
        match deprecation.state.as_deref().map(str::trim) {
            Some("DEPRECATED") => ctx.warn(format!(
                "{name} is deprecated: it still works but may be retired{replacement}"
            )),
            Some(state @ ("OBSOLETE" | "DELETED")) => {
                ctx.warn(format!(
                    "{name} is {}{replacement}",
                    state.to_ascii_lowercase()
                ));
                status = RegionStatus::Unavailable;
            }
            _ => {}
        }
    }
    if status == RegionStatus::Available {
        let gpu_quotas: Vec<_> = api
            .quotas
            .iter()
            .filter(|q| q.metric.contains("NVIDIA") && q.metric.contains("GPUS"))
            .collect();
        if !gpu_quotas.is_empty() && gpu_quotas.iter().all(|q| q.limit <= 0.0) {
            let metrics: Vec<&str> = gpu_quotas.iter().map(|q| q.metric.as_str()).collect();
            ctx.warn(format!(
                "{name}: every NVIDIA GPU quota is 0 ({}); no GPU VM can start there until one is raised (IAM & Admin > Quotas, filtered by that metric and region {name})",
                metrics.join(", ")
            ));
            status = RegionStatus::Limited;
        }
    }
    let zones: Vec<String> = api
        .zones
        .iter()
        .filter_map(|z| last_segment(z))
        .map(str::to_owned)
        .collect();
    Region::new(name).with_status(status).with_zones(zones)
}

/// The last path segment of a resource URL (`.../zones/us-central1-a` → `us-central1-a`).
fn last_segment(url: &str) -> Option<&str> {
    url.trim()
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .filter(|s| !s.is_empty())
}
