//! The contract between core and a backend crate: discovery, an optional refinement of the
//! candidates, and per-account settings that shape the policy.
//!
//! Flow: a backend's [`RegionProvider::discover`] returns the provider's full current view;
//! core applies the policy, the per-region settings and the user's restrictions; then, for a
//! provider that can tell more about a region only at a cost (Azure's per-location SKUs),
//! [`RegionProvider::refine`] looks at each region that survived, a few at a time. Core
//! explains every region it leaves out.

use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;

use crate::error::ProviderError;
use crate::http::{HttpClient, HttpResponse};
use crate::model::{Region, RegionId, RegionStatus};
use crate::retry::with_retries;

/// What a provider call needs: the shared HTTP client and the time by which to be done.
#[derive(Clone, Debug)]
pub struct DiscoveryContext {
    backend: String,
    http: HttpClient,
    deadline: Instant,
    warnings: Arc<Mutex<Vec<String>>>,
}

impl DiscoveryContext {
    pub fn new(backend: impl Into<String>, http: HttpClient, deadline: Instant) -> Self {
        Self {
            backend: backend.into(),
            http,
            deadline,
            warnings: Arc::default(),
        }
    }

    /// The context of a secondary call (capacity, availability) whose failure the answer can
    /// survive: it gives up a little before this deadline (a tenth of the time left, at most a
    /// second), so that when it hangs the main listing is still answered in time. Warnings
    /// attached through it join this discovery's.
    pub fn secondary(&self) -> Self {
        let left = self.deadline.saturating_duration_since(Instant::now());
        let margin = (left / 10).min(Duration::from_secs(1));
        Self {
            backend: self.backend.clone(),
            http: self.http.clone(),
            deadline: self.deadline.checked_sub(margin).unwrap_or(self.deadline),
            warnings: self.warnings.clone(),
        }
    }

    /// The backend id, for error messages.
    pub fn backend(&self) -> &str {
        &self.backend
    }

    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// The client to build requests with; send them with [`DiscoveryContext::send`].
    pub fn client(&self) -> &reqwest::Client {
        self.http.client()
    }

    pub fn http(&self) -> &HttpClient {
        &self.http
    }

    /// Attach a warning to this discovery's answer (entries the provider listed but that could
    /// not become regions, a result cut at a cap). It travels with the regions into the cache
    /// and the resolution's `warnings`.
    pub fn warn(&self, message: impl Into<String>) {
        let message = message.into();
        tracing::warn!(backend = %self.backend, "{message}");
        self.warnings
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(message);
    }

    /// The warnings attached so far.
    pub fn warnings(&self) -> Vec<String> {
        self.warnings
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Run a call of any transport (a gRPC call) under the shared retry policy and this
    /// discovery's deadline. `call` gets the attempt number and classifies its own errors.
    pub async fn call<T, F, Fut>(&self, call: F) -> Result<T, ProviderError>
    where
        F: FnMut(u32) -> Fut,
        Fut: Future<Output = Result<T, ProviderError>>,
    {
        with_retries(&self.backend, self.http.policy(), self.deadline, call).await
    }

    /// Send under the shared policy (retries, `Retry-After`, size cap, deadline).
    pub async fn send(
        &self,
        request: reqwest::RequestBuilder,
        classify: &(dyn Fn(&HttpResponse) -> ProviderError + Sync),
    ) -> Result<HttpResponse, ProviderError> {
        self.http
            .send(&self.backend, request, self.deadline, classify)
            .await
    }
}

/// Discovers one backend's regions.
#[async_trait]
pub trait RegionProvider: Send + Sync + fmt::Debug {
    /// The provider's full current view of its regions, each with a status. Pagination and
    /// auth happen here; retries and timeouts in the shared retry policy.
    async fn discover(&self, ctx: &DiscoveryContext) -> Result<Vec<Region>, ProviderError>;

    /// Settings of this account's config that shape the policy.
    fn settings(&self) -> ProviderSettings {
        ProviderSettings::default()
    }

    /// The settings for the regions discovery found, for a backend whose per-region settings
    /// depend on them (Nebius: which project serves each region, known only after listing
    /// projects). Core asks after every discovery, fallbacks included; by default the
    /// config's own [`settings`](Self::settings).
    fn settings_for(&self, _discovered: &[Region]) -> ProviderSettings {
        self.settings()
    }

    /// Whether [`refine`](Self::refine) has anything to say; core calls it only then.
    fn refines(&self) -> bool {
        false
    }

    /// A closer look at one region that survived policy and restrictions, when that look is
    /// too slow to take for every region (one request per region). Returns the region's
    /// status for this account: `not-enabled` or `unavailable` excludes it. Core runs a few at
    /// a time under the deadline and caches the answers; a failure keeps the region, with a
    /// warning.
    async fn refine(
        &self,
        _ctx: &DiscoveryContext,
        region: &Region,
    ) -> Result<Refined, ProviderError> {
        Ok(Refined::status(region.status))
    }
}

/// What a refinement found out about one region.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Refined {
    pub status: RegionStatus,
    /// Why, in a few words, when the status changed ("every GPU size is restricted").
    pub why: Option<String>,
}

impl Refined {
    pub fn status(status: RegionStatus) -> Self {
        Self { status, why: None }
    }

    pub fn because(status: RegionStatus, why: impl Into<String>) -> Self {
        Self {
            status,
            why: Some(why.into()),
        }
    }
}

/// Config-dependent adjustments to a backend's policy.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProviderSettings {
    /// Set when the user brings their own image, so `pinned` does not apply; says why.
    pub pin_lifted: Option<String>,
    /// Per-region settings the backend config holds, one per config key (AWS `vpc_ids`,
    /// Azure `vpc_ids` and `subnet_ids`, Nebius `projects`).
    pub region_configs: Vec<RegionConfig>,
}

impl ProviderSettings {
    pub fn with_pin_lifted(mut self, why: impl Into<String>) -> Self {
        self.pin_lifted = Some(why.into());
        self
    }

    /// Add the per-region settings of one config key.
    pub fn with_region_config(mut self, config: RegionConfig) -> Self {
        self.region_configs.push(config);
        self
    }

    /// The required per-region settings that have no entry for `id`: the keys to name when
    /// the region is excluded as `missing-region-config`.
    pub fn missing_for(&self, id: &RegionId) -> Vec<&str> {
        self.region_configs
            .iter()
            .filter(|c| c.required && !c.has(id))
            .map(|c| c.field.as_str())
            .collect()
    }
}

/// Regions that have per-region settings under one key of the backend config.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RegionConfig {
    /// The config key holding the settings (`vpc_ids`).
    pub field: String,
    pub configured: Vec<RegionId>,
    /// When true, a usable region without settings is excluded (`missing-region-config`).
    pub required: bool,
}

impl RegionConfig {
    pub fn new(field: impl Into<String>, configured: Vec<RegionId>, required: bool) -> Self {
        Self {
            field: field.into(),
            configured,
            required,
        }
    }

    pub fn has(&self, id: &RegionId) -> bool {
        self.configured.iter().any(|c| id.matches(c.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_for_names_every_required_key_without_the_region() {
        let settings = ProviderSettings::default()
            .with_region_config(RegionConfig::new(
                "vpc_ids",
                vec![RegionId::new("eastus")],
                true,
            ))
            .with_region_config(RegionConfig::new(
                "subnet_ids",
                vec![RegionId::new("westeurope")],
                true,
            ))
            .with_region_config(RegionConfig::new("tags", Vec::new(), false));
        assert_eq!(
            settings.missing_for(&RegionId::new("northeurope")),
            ["vpc_ids", "subnet_ids"]
        );
        assert_eq!(
            settings.missing_for(&RegionId::new("EastUS")),
            ["subnet_ids"]
        );
    }
}
