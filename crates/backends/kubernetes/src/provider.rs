//! Kubernetes regions: one per context, each cluster's nodes giving its status, cloud region
//! and zones.
//!
//! A cluster with a Ready, schedulable node that has allocatable GPUs (`nvidia.com/gpu`,
//! `amd.com/gpu`) is `available`; Ready nodes without GPUs make it `limited`; no Ready node,
//! or an API server that cannot be listed (unreachable, 401, 403 for missing RBAC), make it
//! `unavailable` with the reason as a warning. Clusters are listed concurrently under the
//! discovery's deadline and one failing never hides the others. When every cluster fails,
//! nothing live is known: discovery fails with the first cluster's error, so a rejected token
//! is an `auth` error and an outage falls back like any other backend's.

use std::collections::BTreeSet;

use futures_util::future::join_all;
use regionkit_core::{
    async_trait, DiscoveryContext, Location, ProviderError, Region, RegionProvider, RegionStatus,
};

use crate::client::{ClusterClient, Node};
use crate::config::KubernetesConfig;
use crate::credential::ClusterAccess;
use crate::BACKEND;

/// The region labels, GA first, then the deprecated beta ones.
const REGION_LABELS: [&str; 2] = [
    "topology.kubernetes.io/region",
    "failure-domain.beta.kubernetes.io/region",
];
const ZONE_LABELS: [&str; 2] = [
    "topology.kubernetes.io/zone",
    "failure-domain.beta.kubernetes.io/zone",
];
const GPU_RESOURCES: [&str; 2] = ["nvidia.com/gpu", "amd.com/gpu"];

#[derive(Debug)]
pub struct KubernetesProvider {
    config: KubernetesConfig,
    access: Vec<ClusterAccess>,
}

impl KubernetesProvider {
    /// Resolves every context's access up front, so a kubeconfig problem is a config error.
    pub fn new(config: KubernetesConfig) -> Result<Self, String> {
        let access = config
            .contexts
            .iter()
            .map(|name| config.kubeconfig.access(name))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self { config, access })
    }

    async fn discover_cluster(
        &self,
        ctx: &DiscoveryContext,
        access: &ClusterAccess,
    ) -> Result<Region, ProviderError> {
        let client = ClusterClient::new(access, self.config.endpoint.as_ref(), ctx.http().policy())
            .map_err(|message| ProviderError::bad_response(BACKEND, message))?;
        if client.insecure() {
            ctx.warn(format!(
                "context `{}`: `insecure-skip-tls-verify` is set, so the API server's certificate is not checked",
                client.context()
            ));
        }
        let nodes = client.nodes(ctx).await?;
        Ok(to_region(ctx, &access.context, &nodes))
    }
}

#[async_trait]
impl RegionProvider for KubernetesProvider {
    async fn discover(&self, ctx: &DiscoveryContext) -> Result<Vec<Region>, ProviderError> {
        let results = join_all(
            self.access
                .iter()
                .map(|access| self.discover_cluster(ctx, access)),
        )
        .await;
        if let Some(Err(first)) = results.first() {
            if results.iter().all(Result::is_err) {
                return Err(first.clone());
            }
        }
        Ok(results
            .into_iter()
            .zip(&self.access)
            .map(|(result, access)| match result {
                Ok(region) => region,
                Err(error) => {
                    ctx.warn(format!(
                        "context `{}` is unavailable: {}",
                        access.context, error.message
                    ));
                    Region::new(access.context.clone()).with_status(RegionStatus::Unavailable)
                }
            })
            .collect())
    }
}

fn label<'a>(node: &'a Node, names: &[&str]) -> Option<&'a str> {
    names
        .iter()
        .find_map(|name| node.metadata.labels.get(*name))
        .map(|value| value.trim())
        .filter(|value| !value.is_empty())
}

fn is_ready(node: &Node) -> bool {
    node.status
        .conditions
        .iter()
        .any(|c| c.kind == "Ready" && c.status == "True")
}

fn has_gpus(node: &Node) -> bool {
    GPU_RESOURCES.iter().any(|resource| {
        node.status
            .allocatable
            .get(*resource)
            .and_then(|count| count.trim().parse::<u64>().ok())
            .is_some_and(|count| count > 0)
    })
}

fn to_region(ctx: &DiscoveryContext, context: &str, nodes: &[Node]) -> Region {
    let ready: Vec<&Node> = nodes.iter().filter(|n| is_ready(n)).collect();
    let status = if ready.iter().any(|n| !n.spec.unschedulable && has_gpus(n)) {
        RegionStatus::Available
    } else if !ready.is_empty() {
        RegionStatus::Limited
    } else {
        ctx.warn(format!(
            "context `{context}` has no Ready node ({} listed)",
            nodes.len()
        ));
        RegionStatus::Unavailable
    };
    let regions: BTreeSet<&str> = nodes
        .iter()
        .filter_map(|n| label(n, &REGION_LABELS))
        .collect();
    let zones: BTreeSet<&str> = nodes
        .iter()
        .filter_map(|n| label(n, &ZONE_LABELS))
        .collect();
    let zones: Vec<String> = zones.into_iter().map(str::to_owned).collect();
    let mut region = Region::new(context.to_owned()).with_status(status);
    if !regions.is_empty() {
        let raw = regions.into_iter().collect::<Vec<_>>().join(", ");
        // The display name carries the cloud region and zones, so tables show them.
        let name = match zones.is_empty() {
            true => raw.clone(),
            false => format!("{raw} ({})", zones.join(", ")),
        };
        region = region
            .with_display_name(name)
            .with_location(Location::raw_only(raw));
    }
    region.with_zones(zones)
}
