//! The contract between core and a backend crate: discovery, and per-account settings that
//! shape the policy.
//!
//! Flow: a backend's [`RegionProvider::discover`] returns the provider's full current view;
//! core applies the policy, the per-region settings and the user's restrictions, and explains
//! every region it leaves out.

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use async_trait::async_trait;

use crate::error::ProviderError;
use crate::http::{HttpClient, HttpResponse};
use crate::model::{Region, RegionId};

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
    /// auth happen here; retries and timeouts in the shared HTTP policy.
    async fn discover(&self, ctx: &DiscoveryContext) -> Result<Vec<Region>, ProviderError>;

    /// Settings of this account's config that shape the policy.
    fn settings(&self) -> ProviderSettings {
        ProviderSettings::default()
    }
}

/// Config-dependent adjustments to a backend's policy.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProviderSettings {
    /// Set when the user brings their own image, so `pinned` does not apply; says why.
    pub pin_lifted: Option<String>,
    /// Per-region settings the backend config holds (AWS `vpc_ids`, Nebius projects).
    pub region_config: Option<RegionConfig>,
}

impl ProviderSettings {
    pub fn with_pin_lifted(mut self, why: impl Into<String>) -> Self {
        self.pin_lifted = Some(why.into());
        self
    }

    pub fn with_region_config(mut self, config: RegionConfig) -> Self {
        self.region_config = Some(config);
        self
    }
}

/// Regions that have per-region settings in the backend config.
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
