//! regionkit-testkit: the set-up every backend's tests share.
//!
//! A backend is tested through real HTTP against its own emulator: [`BackendHarness`] starts
//! an emulator serving that one backend, writes config sections pointing at it, and drives
//! the backend either through its provider (`discover`) or through a [`RegionKit`] holding
//! only that backend (`resolve`). Retries and timeouts follow [`fast_policy`], so a test of a
//! failing provider ends in milliseconds, not minutes.
//!
//! The behaviour every backend shares (faults, fallback, resolution order, secrets kept out of
//! output) is pinned once, in the [`conformance`] suite, which each backend runs on its own
//! [`BackendSpec`] with [`conformance_tests!`]; a backend's own tests keep only what is
//! particular to its provider.
//!
//! Set-up that fails is a failed test: the functions here panic, naming what did not work,
//! rather than hand an error to every test to unwrap.

#![allow(
    clippy::expect_used,
    clippy::panic,
    reason = "set-up that fails must fail the test that asked for it"
)]

pub mod conformance;

use std::sync::Arc;
use std::time::{Duration, Instant};

use regionkit_core::{
    BackendConfig, BackendDescriptor, BackendReport, Config, DiscoveryContext, HttpClient,
    HttpPolicy, ProviderError, Region, RegionKit, RegionProvider, Registry, Resolution,
    ResolveOptions,
};
use regionkit_emulator::{Emulator, EmulatorHandle};

pub use conformance::{BackendSpec, Case, EmptyAnswer, Text};

/// How long one discovery started here may run before its deadline.
const DISCOVERY_DEADLINE: Duration = Duration::from_secs(5);

/// Retries and timeouts short enough that fault tests end quickly: a 2 s request timeout and
/// a backoff of 5 ms growing to 20 ms.
pub fn fast_policy() -> HttpPolicy {
    HttpPolicy::default()
        .with_request_timeout(Duration::from_secs(2))
        .with_backoff(Duration::from_millis(5), Duration::from_millis(20))
}

/// Every backend section of a native config, in the order written.
pub fn sections_from_yaml(yaml: &str) -> Vec<BackendConfig> {
    match Config::from_yaml(yaml, None, None) {
        Ok(config) => config.backends,
        Err(e) => panic!("the config does not parse: {e}\n{yaml}"),
    }
}

/// The first backend section of a native config.
pub fn section_from_yaml(yaml: &str) -> BackendConfig {
    sections_from_yaml(yaml)
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("the config has no backend section:\n{yaml}"))
}

/// A section of type `backend_type` (an id or an alias) calling `endpoint` with `creds`, one
/// YAML value such as `{type: api_key, api_key: KEY}`. `extra` is more section keys, each a
/// line indented by four spaces (`"    regions: [us-east-1]\n"`).
pub fn section_at(backend_type: &str, endpoint: &str, creds: &str, extra: &str) -> BackendConfig {
    section_at_key(backend_type, endpoint, "creds", creds, extra)
}

/// As [`section_at`], with the credentials under `creds_key` for a backend whose credentials
/// live under another key (Kubernetes' `kubeconfig`).
pub fn section_at_key(
    backend_type: &str,
    endpoint: &str,
    creds_key: &str,
    creds: &str,
    extra: &str,
) -> BackendConfig {
    section_from_yaml(&format!(
        "backends:\n  - type: {backend_type}\n    {creds_key}: {creds}\n    endpoint: {endpoint}\n{extra}"
    ))
}

/// The `creds` value of a backend that takes a single API key.
pub fn api_key_creds(key: &str) -> String {
    format!("{{type: api_key, api_key: {key}}}")
}

/// A kit that knows only `descriptor`'s backend, with [`fast_policy`] and no snapshots.
pub fn kit(descriptor: &'static BackendDescriptor) -> RegionKit {
    let registry = Registry::from_descriptors([descriptor])
        .unwrap_or_else(|e| panic!("no registry of {} alone: {e}", descriptor.id));
    RegionKit::new(registry, fast_policy())
        .unwrap_or_else(|e| panic!("the kit does not build: {e}"))
}

/// The discovered region with this id.
pub fn find<'a>(regions: &'a [Region], id: &str) -> &'a Region {
    regions
        .iter()
        .find(|r| r.id.as_str() == id)
        .unwrap_or_else(|| {
            let ids: Vec<_> = regions.iter().map(|r| r.id.as_str()).collect();
            panic!("{id} was not discovered; the regions are {ids:?}")
        })
}

/// The ids a resolution keeps, in its order.
pub fn kept_ids(resolution: &Resolution) -> Vec<&str> {
    resolution.regions.iter().map(|r| r.id.as_str()).collect()
}

/// One backend behind an emulator that serves only it. The emulator stops when the harness
/// is dropped.
#[derive(Debug)]
pub struct BackendHarness {
    descriptor: &'static BackendDescriptor,
    emulator: EmulatorHandle,
    /// What [`BackendHarness::section`] writes under `creds_key`.
    creds: Option<String>,
    /// The key credentials go under: `creds`, unless the backend's config says otherwise.
    creds_key: &'static str,
}

impl BackendHarness {
    /// Starts an emulator of `descriptor`'s backend alone, on a free loopback port.
    pub async fn start(descriptor: &'static BackendDescriptor) -> Self {
        let emulator = Emulator::new()
            .only([descriptor.id])
            .start()
            .await
            .unwrap_or_else(|e| panic!("the {} emulator does not start: {e}", descriptor.id));
        Self {
            descriptor,
            emulator,
            creds: None,
            creds_key: "creds",
        }
    }

    /// The credentials [`section`](Self::section) writes, usually the ones the emulator
    /// accepts: one YAML value, as for [`section_at`].
    pub fn with_creds(mut self, creds: impl Into<String>) -> Self {
        self.creds = Some(creds.into());
        self
    }

    /// The key [`section`](Self::section) writes the credentials under (default `creds`).
    pub fn with_creds_key(mut self, key: &'static str) -> Self {
        self.creds_key = key;
        self
    }

    /// The running emulator: its fault injection and its request counters.
    pub fn emulator(&self) -> &EmulatorHandle {
        &self.emulator
    }

    /// The emulated API's base URL, to use as a section's `endpoint`.
    pub fn endpoint(&self) -> String {
        self.emulator.endpoint(self.descriptor.id)
    }

    /// A section calling the emulator with the credentials given to
    /// [`with_creds`](Self::with_creds), then `extra` keys (see [`section_at`]).
    pub fn section(&self, extra: &str) -> BackendConfig {
        let Some(creds) = &self.creds else {
            panic!(
                "the {} harness has no credentials: set them with `with_creds`",
                self.descriptor.id
            )
        };
        self.section_with_creds(creds, extra)
    }

    /// A section calling the emulator with other credentials, then `extra` keys.
    pub fn section_with_creds(&self, creds: &str, extra: &str) -> BackendConfig {
        section_at_key(
            self.descriptor.id,
            &self.endpoint(),
            self.creds_key,
            creds,
            extra,
        )
    }

    /// A kit that knows only this backend; see [`kit`].
    pub fn kit(&self) -> RegionKit {
        kit(self.descriptor)
    }

    /// The backend's provider for `section`.
    pub fn provider(&self, section: &BackendConfig) -> Arc<dyn RegionProvider> {
        (self.descriptor.build)(section)
            .unwrap_or_else(|e| panic!("the {} provider does not build: {e}", self.descriptor.id))
    }

    /// A discovery context with [`fast_policy`] and a 5 s deadline from now.
    pub fn context(&self) -> DiscoveryContext {
        self.context_with(fast_policy())
    }

    /// One discovery through the provider for `section`, with [`fast_policy`].
    pub async fn discover(&self, section: &BackendConfig) -> Result<Vec<Region>, ProviderError> {
        self.discover_with(section, fast_policy()).await
    }

    /// One discovery through the provider for `section`, with `policy` instead.
    pub async fn discover_with(
        &self,
        section: &BackendConfig,
        policy: HttpPolicy,
    ) -> Result<Vec<Region>, ProviderError> {
        let provider = self.provider(section);
        provider.discover(&self.context_with(policy)).await
    }

    /// Resolves `section` through a fresh [`kit`](Self::kit): nothing cached from earlier
    /// calls. The report holds the resolution, the error, or both.
    pub async fn resolve(&self, section: BackendConfig, options: &ResolveOptions) -> BackendReport {
        self.kit()
            .resolve_sections(vec![section], options)
            .await
            .into_iter()
            .next()
            .expect("a report for every section resolved")
    }

    fn context_with(&self, policy: HttpPolicy) -> DiscoveryContext {
        let http = HttpClient::new(policy)
            .unwrap_or_else(|e| panic!("the HTTP client does not build: {e}"));
        DiscoveryContext::new(
            self.descriptor.id,
            http,
            Instant::now() + DISCOVERY_DEADLINE,
        )
    }
}
