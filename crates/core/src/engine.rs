//! Resolving many backends at once: discovery with a deadline, the labelled fallback when a
//! provider fails, then the resolver for each backend.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use tokio::task::JoinSet;

use crate::config::{BackendConfig, Config};
use crate::error::{Error, ProviderError, ProviderErrorKind, Result};
use crate::http::{HttpClient, HttpPolicy};
use crate::model::Region;
use crate::policy::PolicyKind;
use crate::provider::{DiscoveryContext, ProviderSettings, RegionProvider};
use crate::registry::{BackendDescriptor, Registry};
use crate::resolve::{resolve, Resolution, ResolveInput, Restriction, Source};

/// How to resolve.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ResolveOptions {
    /// The run's `regions` (run config or `--region`), applied after the backend's.
    pub run_regions: Option<Restriction>,
    /// Use no network: builtin tables only.
    pub offline: bool,
    /// Bypass cached answers and ask every provider again.
    pub refresh: bool,
    /// Time for the whole resolve; a slower backend gets its fallback or error.
    pub deadline: Duration,
}

impl Default for ResolveOptions {
    fn default() -> Self {
        Self {
            run_regions: None,
            offline: false,
            refresh: false,
            deadline: Duration::from_secs(30),
        }
    }
}

impl ResolveOptions {
    pub fn with_run_regions(mut self, field: impl Into<String>, names: Vec<String>) -> Self {
        self.run_regions = Some(Restriction::new(field, names));
        self
    }

    pub fn with_offline(mut self, offline: bool) -> Self {
        self.offline = offline;
        self
    }

    pub fn with_refresh(mut self, refresh: bool) -> Self {
        self.refresh = refresh;
        self
    }

    pub fn with_deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }
}

/// The outcome for one backend of the config.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct BackendReport {
    /// The backend id, or the `type` as written when no linked backend has it.
    pub backend: String,
    pub policy: Option<PolicyKind>,
    /// Present whenever regions could be resolved, even if none were kept.
    pub resolution: Option<Resolution>,
    pub error: Option<Error>,
}

impl BackendReport {
    fn failed(backend: impl Into<String>, policy: Option<PolicyKind>, error: Error) -> Self {
        Self {
            backend: backend.into(),
            policy,
            resolution: None,
            error: Some(error),
        }
    }
}

/// Resolves the regions of many backends concurrently.
#[derive(Clone, Debug)]
pub struct RegionKit {
    registry: Registry,
    http: HttpClient,
}

impl RegionKit {
    pub fn new(registry: Registry, policy: HttpPolicy) -> Result<Self> {
        Ok(Self {
            registry,
            http: HttpClient::new(policy)?,
        })
    }

    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// Resolve every backend of `config` concurrently, in config order.
    pub async fn resolve_all(
        &self,
        config: &Config,
        options: &ResolveOptions,
    ) -> Vec<BackendReport> {
        self.resolve_sections(config.backends.clone(), options)
            .await
    }

    /// Resolve the given backend sections concurrently, reporting in the order given.
    pub async fn resolve_sections(
        &self,
        sections: Vec<BackendConfig>,
        options: &ResolveOptions,
    ) -> Vec<BackendReport> {
        let deadline = Instant::now() + options.deadline;
        let mut tasks = JoinSet::new();
        for (index, section) in sections.into_iter().enumerate() {
            let kit = self.clone();
            let options = options.clone();
            tasks.spawn(async move {
                (
                    index,
                    kit.resolve_section(&section, &options, deadline).await,
                )
            });
        }
        let mut reports = Vec::new();
        while let Some(joined) = tasks.join_next().await {
            match joined {
                Ok(report) => reports.push(report),
                Err(e) => tracing::error!(error = %e, "a resolve task failed"),
            }
        }
        reports.sort_by_key(|(index, _)| *index);
        reports.into_iter().map(|(_, report)| report).collect()
    }

    /// Resolve one backend section.
    pub async fn resolve_section(
        &self,
        section: &BackendConfig,
        options: &ResolveOptions,
        deadline: Instant,
    ) -> BackendReport {
        let descriptor = match self.registry.get(&section.backend) {
            Ok(descriptor) => descriptor,
            Err(error) => return BackendReport::failed(&section.backend, None, error),
        };
        let policy = descriptor.policy.kind();
        let provider = (descriptor.build)(section);
        let (discovered, settings) = match (&provider, options.offline) {
            (Ok(provider), false) => (
                self.discover(descriptor, provider.as_ref(), deadline).await,
                provider.settings(),
            ),
            (Ok(provider), true) => (Ok(builtin(descriptor, None)), provider.settings()),
            // Offline needs no credentials: a section that cannot build a client still resolves.
            (Err(_), true) => (Ok(builtin(descriptor, None)), ProviderSettings::default()),
            (Err(error), false) => {
                return BackendReport::failed(descriptor.id, Some(policy), error.clone())
            }
        };
        let discovered = match discovered {
            Ok(discovered) => discovered,
            Err(error) => return BackendReport::failed(descriptor.id, Some(policy), error.into()),
        };
        let backend_regions = section
            .regions
            .clone()
            .map(|names| Restriction::new("regions", names));
        let resolved = resolve(ResolveInput {
            backend: descriptor.id,
            policy: &descriptor.policy,
            settings: &settings,
            regions: discovered.regions,
            source: discovered.source,
            fetched_at: discovered.fetched_at,
            backend_regions: backend_regions.as_ref(),
            run_regions: options.run_regions.as_ref(),
        });
        match resolved {
            Ok(mut resolution) => {
                resolution.warnings.splice(0..0, discovered.warnings);
                resolution.live_error = discovered.live_error;
                let error = resolution.empty_error();
                BackendReport {
                    backend: descriptor.id.to_owned(),
                    policy: Some(policy),
                    resolution: Some(resolution),
                    error,
                }
            }
            Err(error) => BackendReport::failed(descriptor.id, Some(policy), error),
        }
    }

    /// Live discovery, and the fallback when it fails.
    async fn discover(
        &self,
        descriptor: &'static BackendDescriptor,
        provider: &dyn RegionProvider,
        deadline: Instant,
    ) -> Result<Discovered, ProviderError> {
        let ctx = DiscoveryContext::new(descriptor.id, self.http.clone(), deadline);
        let budget = deadline.saturating_duration_since(Instant::now());
        let live = match tokio::time::timeout(budget, provider.discover(&ctx)).await {
            Ok(result) => result,
            Err(_) => Err(ProviderError::unavailable(
                descriptor.id,
                format!("no answer within the {} ms deadline", budget.as_millis()),
            )),
        };
        let error = match live.and_then(|regions| non_empty(descriptor.id, regions)) {
            Ok(regions) => {
                return Ok(Discovered {
                    regions,
                    source: Source::Live,
                    fetched_at: SystemTime::now(),
                    warnings: Vec::new(),
                    live_error: None,
                })
            }
            Err(error) => error,
        };
        tracing::warn!(backend = descriptor.id, error = %error, "live discovery failed");
        if !falls_back(&error) || descriptor.policy.known.is_empty() {
            return Err(error);
        }
        Ok(builtin(descriptor, Some(error)))
    }
}

/// An empty region list from a provider is a broken answer, never "no regions".
fn non_empty(backend: &str, regions: Vec<Region>) -> Result<Vec<Region>, ProviderError> {
    if regions.is_empty() {
        return Err(ProviderError::bad_response(
            backend,
            "the provider listed no regions at all",
        ));
    }
    Ok(regions)
}

/// Credentials the provider rejected are the user's to fix: no fallback hides them.
fn falls_back(error: &ProviderError) -> bool {
    error.kind != ProviderErrorKind::Auth
}

/// What discovery produced, and from where.
#[derive(Debug)]
struct Discovered {
    regions: Vec<Region>,
    source: Source,
    fetched_at: SystemTime,
    warnings: Vec<String>,
    live_error: Option<ProviderError>,
}

fn builtin(descriptor: &BackendDescriptor, live_error: Option<ProviderError>) -> Discovered {
    let known = descriptor.policy.known;
    let mut warnings = Vec::new();
    if let Some(error) = &live_error {
        warnings.push(format!(
            "live discovery failed ({}); using the builtin list of {} regions (as of {}), which cannot tell which are enabled for this account",
            error.message,
            known.len(),
            known.as_of
        ));
    }
    Discovered {
        regions: known.regions.iter().map(|id| Region::new(*id)).collect(),
        source: Source::Builtin,
        fetched_at: SystemTime::now(),
        warnings,
        live_error,
    }
}

/// The provider of a backend section, for callers that drive discovery themselves.
pub fn build_provider(
    registry: &Registry,
    section: &BackendConfig,
) -> Result<Arc<dyn RegionProvider>> {
    let descriptor = registry.get(&section.backend)?;
    (descriptor.build)(section)
}
