//! Resolving many backends at once: the cache, discovery under an overall deadline, the
//! labelled fallback chain when a provider fails (cache → snapshot → builtin `known`), then
//! the resolver for each backend.
//!
//! Per backend section the flow is: a fresh cached answer if there is one (`--refresh` skips
//! it); else one shared live discovery (single-flight), whose result is cached and, when
//! live, stored as the account's snapshot; if that fails with anything but rejected
//! credentials, a recent cached answer, then the snapshot, then the builtin `known` list, each
//! labelled with its [`Source`] and the live error. `--offline` uses only the snapshot and the
//! builtin list.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant, SystemTime};

use futures_util::stream::{self, StreamExt};
use tokio::task::JoinSet;

use crate::cache::{account_of, AccountKey, CachePolicy, Fetched, Flight, Lookup, RegionCache};
use crate::config::{BackendConfig, Config, SectionFingerprint};
use crate::error::{Error, ProviderError, ProviderErrorKind, Result};
use crate::http::{HttpClient, HttpPolicy};
use crate::model::{Region, RegionStatus};
use crate::policy::{ExclusionReason, PolicyKind};
use crate::provider::{DiscoveryContext, ProviderSettings, Refined, RegionProvider};
use crate::registry::{BackendDescriptor, Registry};
use crate::resolve::{
    dedup_regions, resolve, Exclusion, Resolution, ResolveInput, Restriction, Source,
};
use crate::snapshot::{FileSnapshotStore, Snapshot, SnapshotError, SnapshotStore};

/// How to resolve.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ResolveOptions {
    /// The run's `regions` (run config or `--region`), applied after the backend's.
    pub run_regions: Option<Restriction>,
    /// Use no network: the account's snapshot, else the builtin `known` list.
    pub offline: bool,
    /// Bypass cached answers (and the negative cache) and ask every provider again.
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

    /// Time for the whole resolve, at most [`MAX_DEADLINE`].
    pub fn with_deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline.min(MAX_DEADLINE);
        self
    }

    /// The deadline of a resolve starting now. Whatever the options hold, the sum never
    /// overflows the clock.
    fn deadline_from_now(&self) -> Instant {
        let now = Instant::now();
        now.checked_add(self.deadline.min(MAX_DEADLINE))
            .unwrap_or(now)
    }
}

/// The longest a resolve may be given: an hour is far beyond any provider's answer.
pub const MAX_DEADLINE: Duration = Duration::from_secs(60 * 60);

/// The outcome for one backend of the config. Cheap to clone: the resolution is shared.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct BackendReport {
    /// The backend id, or the `type` as written when no linked backend has it.
    pub backend: Cow<'static, str>,
    pub policy: Option<PolicyKind>,
    /// Present whenever regions could be resolved, even if none were kept.
    pub resolution: Option<Arc<Resolution>>,
    pub error: Option<Error>,
}

impl BackendReport {
    fn failed(backend: Cow<'static, str>, policy: Option<PolicyKind>, error: Error) -> Self {
        Self {
            backend,
            policy,
            resolution: None,
            error: Some(error),
        }
    }
}

/// Resolves the regions of many backends concurrently.
///
/// Clones share one cache, so an embedding host keeps one `RegionKit` (or clones of it) for
/// its lifetime. Snapshots are kept only when a store is set: the CLI sets the file store in
/// the user's cache directory ([`RegionKit::with_default_snapshot_store`]); a library host
/// chooses its own, or none.
#[derive(Clone, Debug)]
pub struct RegionKit {
    registry: Registry,
    http: HttpClient,
    cache: Arc<RegionCache>,
    cache_policy: CachePolicy,
    /// Per-backend policies, keyed by the name given (an id or alias).
    backend_cache_policies: Arc<HashMap<String, CachePolicy>>,
    snapshots: Option<Arc<dyn SnapshotStore>>,
    refinements: Arc<RefinementCache>,
    refining: Arc<RefinementFlights>,
    /// One provider per account, built on its first cache miss and kept, so its credentials
    /// and tokens live as long as the kit.
    providers: Arc<Mutex<HashMap<AccountKey, Arc<dyn RegionProvider>>>>,
    /// Finished answers by (section, run restriction), each valid while its discovery is
    /// fresh: a warm call is one lookup.
    answers: Arc<RwLock<HashMap<AnswerKey, Answer>>>,
}

/// Refinements of single regions, per account, each with the time it was made.
type RefinementCache = Mutex<HashMap<(AccountKey, String), (Instant, Refined)>>;

/// Refinements under way, per account and region: concurrent resolves share one call, as they
/// share one discovery.
type RefinementFlights = Mutex<HashMap<(AccountKey, String), Arc<RefinementFlight>>>;
type RefinementFlight = tokio::sync::OnceCell<std::result::Result<Refined, ProviderError>>;

/// What a finished answer depends on besides the provider: the whole backend section and the
/// run's restriction.
type AnswerKey = (SectionFingerprint, Option<u64>);

/// A finished answer and the moment it stops being fresh.
#[derive(Debug)]
struct Answer {
    report: BackendReport,
    fresh_until: Instant,
}

/// Finished answers beyond this count trigger a sweep of the expired ones.
const SWEEP_ANSWERS_ABOVE: usize = 1024;

impl RegionKit {
    /// A kit with the default cache policy and no snapshot store.
    pub fn new(registry: Registry, policy: HttpPolicy) -> Result<Self> {
        Ok(Self {
            registry,
            http: HttpClient::new(policy)?,
            cache: Arc::new(RegionCache::new()),
            cache_policy: CachePolicy::default(),
            backend_cache_policies: Arc::new(HashMap::new()),
            snapshots: None,
            refinements: Arc::default(),
            refining: Arc::default(),
            providers: Arc::default(),
            answers: Arc::default(),
        })
    }

    /// The cache policy of every backend without one of its own.
    pub fn with_cache_policy(mut self, policy: CachePolicy) -> Self {
        self.cache_policy = policy;
        self
    }

    /// The cache policy of one backend (by id or alias), e.g. a longer TTL for a slow API.
    pub fn with_backend_cache_policy(mut self, backend: &str, policy: CachePolicy) -> Self {
        Arc::make_mut(&mut self.backend_cache_policies)
            .insert(backend.to_ascii_lowercase(), policy);
        self
    }

    /// Keep last-known-good answers in `store`, and fall back to them.
    pub fn with_snapshot_store(mut self, store: Arc<dyn SnapshotStore>) -> Self {
        self.snapshots = Some(store);
        self
    }

    /// Keep snapshots as files under the user's cache directory
    /// ([`FileSnapshotStore::default_dir`]).
    pub fn with_default_snapshot_store(self) -> Result<Self, SnapshotError> {
        Ok(self.with_snapshot_store(Arc::new(FileSnapshotStore::at_default_location()?)))
    }

    /// Keep no snapshots.
    pub fn without_snapshots(mut self) -> Self {
        self.snapshots = None;
        self
    }

    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    pub fn cache(&self) -> &RegionCache {
        &self.cache
    }

    pub fn snapshot_store(&self) -> Option<&Arc<dyn SnapshotStore>> {
        self.snapshots.as_ref()
    }

    /// The cache policy that applies to a backend: the kit's setting for it, else the
    /// kit's default with the backend's own lifetime where its descriptor sets one.
    pub fn cache_policy_for(&self, descriptor: &BackendDescriptor) -> CachePolicy {
        if let Some((_, policy)) = self
            .backend_cache_policies
            .iter()
            .find(|(name, _)| descriptor.answers_to(name))
        {
            return *policy;
        }
        match descriptor.tuning.cache_ttl {
            Some(ttl) => self.cache_policy.with_ttl(ttl),
            None => self.cache_policy,
        }
    }

    /// The HTTP client for a backend: the kit's, with the backend's own request timeout and
    /// body cap where its descriptor sets them.
    pub fn http_for(&self, descriptor: &BackendDescriptor) -> HttpClient {
        let tuning = descriptor.tuning;
        if tuning.request_timeout.is_none() && tuning.max_body_bytes.is_none() {
            return self.http.clone();
        }
        let mut policy = self.http.policy().clone();
        if let Some(timeout) = tuning.request_timeout {
            policy = policy.with_request_timeout(timeout);
        }
        if let Some(bytes) = tuning.max_body_bytes {
            policy = policy.with_max_body_bytes(bytes);
        }
        self.http.with_policy(policy)
    }

    /// Resolve every backend of `config` concurrently, in config order.
    pub async fn resolve_all(
        &self,
        config: &Config,
        options: &ResolveOptions,
    ) -> Vec<BackendReport> {
        self.resolve_sections(&config.backends, options).await
    }

    /// Resolve the given backend sections concurrently, reporting in the order given. Every
    /// section gets a report by `options.deadline`: its answer, its fallback, or its error.
    pub async fn resolve_sections(
        &self,
        sections: impl AsRef<[BackendConfig]>,
        options: &ResolveOptions,
    ) -> Vec<BackendReport> {
        let sections = sections.as_ref();
        let mut reports: Vec<Option<BackendReport>> =
            sections.iter().map(|s| self.answered(s, options)).collect();
        if reports.iter().all(Option::is_some) {
            return reports.into_iter().flatten().collect();
        }
        // Real work to overlap: each section that missed resolves as its own task.
        let deadline = options.deadline_from_now();
        let mut tasks = JoinSet::new();
        for (index, section) in sections.iter().enumerate() {
            if reports[index].is_some() {
                continue;
            }
            let kit = self.clone();
            let options = options.clone();
            let section = section.clone();
            tasks.spawn(async move {
                (
                    index,
                    kit.resolve_section(&section, &options, deadline).await,
                )
            });
        }
        while let Some(joined) = tasks.join_next().await {
            match joined {
                Ok((index, report)) => {
                    if let Some(slot) = reports.get_mut(index) {
                        *slot = Some(report);
                    }
                }
                Err(e) => tracing::error!(error = %e, "a resolve task failed"),
            }
        }
        // A task that panicked still gets a report: no backend silently disappears.
        reports
            .into_iter()
            .zip(sections)
            .map(|(report, section)| {
                report.unwrap_or_else(|| {
                    let name = section.backend().to_owned();
                    let error = ProviderError::unavailable(
                        &name,
                        "internal error: resolving this backend failed unexpectedly",
                    );
                    BackendReport::failed(Cow::Owned(name), None, error.into())
                })
            })
            .collect()
    }

    /// The finished answer for this section and run restriction, if one is still fresh.
    fn answered(&self, section: &BackendConfig, options: &ResolveOptions) -> Option<BackendReport> {
        if options.offline || options.refresh {
            return None;
        }
        let key = answer_key(section, options);
        let answers = self.answers.read().unwrap_or_else(|p| p.into_inner());
        let answer = answers.get(&key)?;
        (Instant::now() < answer.fresh_until).then(|| answer.report.clone())
    }

    /// Keep a finished answer until `fresh_until`.
    fn remember(
        &self,
        section: &BackendConfig,
        options: &ResolveOptions,
        report: &BackendReport,
        fresh_until: Instant,
    ) {
        // Served again, a live answer comes from the cache: label it so once, here.
        let mut report = report.clone();
        if let Some(resolution) = report.resolution.as_mut() {
            if resolution.source == Source::Live {
                Arc::make_mut(resolution).source = Source::Cache;
            }
        }
        let mut answers = self.answers.write().unwrap_or_else(|p| p.into_inner());
        if answers.len() > SWEEP_ANSWERS_ABOVE {
            let now = Instant::now();
            answers.retain(|_, answer| answer.fresh_until > now);
        }
        answers.insert(
            answer_key(section, options),
            Answer {
                report,
                fresh_until,
            },
        );
    }

    /// The account's provider: the one built before, else a new one, kept.
    fn provider_for(
        &self,
        descriptor: &'static BackendDescriptor,
        account: &Account,
        section: &BackendConfig,
    ) -> Result<Arc<dyn RegionProvider>> {
        if let Some(provider) = self
            .providers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&account.key)
        {
            return Ok(provider.clone());
        }
        let built = (descriptor.build)(section)?;
        let mut providers = self.providers.lock().unwrap_or_else(|p| p.into_inner());
        // Another caller may have built one meanwhile: keep the first, so there is one.
        Ok(providers
            .entry(account.key.clone())
            .or_insert(built)
            .clone())
    }

    /// Resolve one backend section by `deadline`.
    pub async fn resolve_section(
        &self,
        section: &BackendConfig,
        options: &ResolveOptions,
        deadline: Instant,
    ) -> BackendReport {
        let descriptor = match self.registry.get(section.backend()) {
            Ok(descriptor) => descriptor,
            Err(error) => {
                return BackendReport::failed(Cow::Owned(section.backend().to_owned()), None, error)
            }
        };
        let id = Cow::Borrowed(descriptor.id);
        let policy = descriptor.policy.kind();
        if let Err(error) = check_keys(descriptor, section) {
            return BackendReport::failed(id, Some(policy), error);
        }
        let (key, bare) = account_of(descriptor.id, section);
        let account = Account { key, bare };
        let provider = self.provider_for(descriptor, &account, section);
        let (discovered, provider) = match (provider, options.offline) {
            (Ok(provider), false) => (
                self.discover(descriptor, provider.clone(), &account, options, deadline)
                    .await,
                Some(provider),
            ),
            (Ok(provider), true) => (self.offline(descriptor, &account).await, Some(provider)),
            // Offline needs no credentials: a section that cannot build a client still resolves.
            (Err(_), true) => (self.offline(descriptor, &account).await, None),
            (Err(error), false) => return BackendReport::failed(id, Some(policy), error),
        };
        let discovered = match discovered {
            Ok(discovered) => discovered,
            Err(error) => return BackendReport::failed(id, Some(policy), error.into()),
        };
        // Settings may depend on what was found (Nebius: the project serving each region).
        let settings = provider
            .as_ref()
            .map_or_else(ProviderSettings::default, |p| {
                p.settings_for(&discovered.regions)
            });
        let refiner = provider.filter(|p| !options.offline && p.refines());
        let resolved = resolve(ResolveInput {
            backend: descriptor.id,
            policy: &descriptor.policy,
            settings: &settings,
            regions: &discovered.regions,
            source: discovered.source,
            fetched_at: discovered.fetched_at,
            backend_regions: section.restriction(),
            run_regions: options.run_regions.as_ref(),
        });
        let mut fresh_until = discovered.fresh_until;
        match resolved {
            Ok(mut resolution) => {
                resolution.warnings.splice(0..0, discovered.warnings);
                resolution.live_error = discovered.live_error;
                // Only the account's current view is worth a closer look: a fallback answer
                // came about because the provider is failing.
                if refiner.is_some() && !resolution.source.is_current() {
                    resolution.warnings.push(format!(
                        "the regions of this {} answer were not checked more closely; some may be unusable for the account",
                        resolution.source
                    ));
                }
                if let Some(provider) = refiner.filter(|_| resolution.source.is_current()) {
                    let refined_until = self
                        .refine(
                            descriptor,
                            provider,
                            &account,
                            &mut resolution,
                            options,
                            deadline,
                        )
                        .await;
                    fresh_until = fresh_until.zip(refined_until).map(|(a, b)| a.min(b));
                }
                let error = resolution.empty_error();
                let report = BackendReport {
                    backend: id,
                    policy: Some(policy),
                    resolution: Some(Arc::new(resolution)),
                    error,
                };
                if let (Some(until), None) = (fresh_until, &report.error) {
                    self.remember(section, options, &report, until);
                }
                report
            }
            Err(error) => {
                let error = match section.file() {
                    Some(file) => error.in_file(file),
                    None => error,
                };
                BackendReport::failed(id, Some(policy), error)
            }
        }
    }

    /// Ask the provider about each kept region, a few at a time and under the deadline;
    /// move the ones it reports not enabled or unavailable to the excluded. A refinement that
    /// fails or runs out of time keeps its region, with a warning. Returns until when every
    /// refinement used stays fresh; `None` when one failed, so the answer is not kept.
    async fn refine(
        &self,
        descriptor: &'static BackendDescriptor,
        provider: Arc<dyn RegionProvider>,
        account: &Account,
        resolution: &mut Resolution,
        options: &ResolveOptions,
        deadline: Instant,
    ) -> Option<Instant> {
        let ttl = descriptor
            .tuning
            .refine_ttl
            .unwrap_or_else(|| self.cache_policy_for(descriptor).ttl);
        let key_of =
            |region: &Region| (account.key.clone(), region.id.as_str().to_ascii_lowercase());
        let mut known: HashMap<String, Refined> = HashMap::new();
        let mut todo = Vec::new();
        let mut fresh_until = Instant::now().checked_add(ttl);
        {
            // Both locks, in the order answers are stored under: a refinement is either
            // cached or under way, never neither.
            let cache = self.refinements.lock().unwrap_or_else(|p| p.into_inner());
            let mut flights = self.refining.lock().unwrap_or_else(|p| p.into_inner());
            for region in &resolution.regions {
                match cache.get(&key_of(region)) {
                    Some((at, refined)) if !options.refresh && at.elapsed() < ttl => {
                        fresh_until = fresh_until
                            .zip(at.checked_add(ttl))
                            .map(|(until, this)| until.min(this));
                        known.insert(region.id.as_str().to_owned(), refined.clone());
                    }
                    _ => {
                        let flight = flights.entry(key_of(region)).or_default().clone();
                        todo.push((region.clone(), flight));
                    }
                }
            }
        }
        let ctx = DiscoveryContext::new(descriptor.id, self.http_for(descriptor), deadline);
        let looked: Vec<(
            Region,
            Arc<RefinementFlight>,
            Result<Refined, ProviderError>,
        )> = stream::iter(todo)
            .map(|(region, flight)| {
                let provider = provider.clone();
                let ctx = &ctx;
                async move {
                    let budget = deadline.saturating_duration_since(Instant::now());
                    let shared = flight.get_or_init(|| provider.refine(ctx, &region));
                    let result = match tokio::time::timeout(budget, shared).await {
                        Ok(result) => result.clone(),
                        Err(_) => Err(ProviderError::unavailable(
                            descriptor.id,
                            "no answer before the deadline",
                        )),
                    };
                    (region, flight, result)
                }
            })
            .buffer_unordered(descriptor.tuning.refine_concurrency.max(1))
            .collect()
            .await;
        resolution.warnings.extend(ctx.warnings());
        {
            let mut cache = self.refinements.lock().unwrap_or_else(|p| p.into_inner());
            let mut flights = self.refining.lock().unwrap_or_else(|p| p.into_inner());
            for (region, flight, result) in looked {
                // Once answered (into the cache) or failed, the next resolve starts afresh.
                if flights
                    .get(&key_of(&region))
                    .is_some_and(|f| Arc::ptr_eq(f, &flight) && f.initialized())
                {
                    flights.remove(&key_of(&region));
                }
                match result {
                    Ok(refined) => {
                        cache.insert(key_of(&region), (Instant::now(), refined.clone()));
                        known.insert(region.id.as_str().to_owned(), refined);
                    }
                    Err(error) => {
                        fresh_until = None;
                        resolution.warnings.push(format!(
                            "could not check region `{}` more closely ({}); kept as listed",
                            region.id, error.message
                        ));
                    }
                }
            }
        }
        apply_refinements(resolution, &known);
        fresh_until
    }

    /// The cached answer, else one shared live discovery, else the fallback chain.
    async fn discover(
        &self,
        descriptor: &'static BackendDescriptor,
        provider: Arc<dyn RegionProvider>,
        account: &Account,
        options: &ResolveOptions,
        deadline: Instant,
    ) -> Result<Discovered, ProviderError> {
        let policy = self.cache_policy_for(descriptor);
        if !options.refresh {
            match self.cache.lookup(&account.key, &policy) {
                Lookup::Fresh(hit) => {
                    let fresh_until = hit.fresh_until(policy.ttl);
                    return Ok(Discovered::cached(hit, Vec::new(), None, fresh_until));
                }
                Lookup::Stale { value, revalidate } => {
                    if revalidate {
                        // The refresh runs on by itself; its result lands in the cache.
                        let refresh_by = options.deadline_from_now();
                        drop(self.flight(descriptor, provider, account, &policy, refresh_by));
                    }
                    return Ok(Discovered::cached(value, Vec::new(), None, None));
                }
                Lookup::Failed { mut error, age } => {
                    error.message = format!(
                        "{} (failed {} ago; not retried for {})",
                        error.message,
                        describe_age(age),
                        describe_age(policy.negative_ttl)
                    );
                    return self.fall_back(descriptor, account, &policy, error).await;
                }
                Lookup::Miss => {}
            }
        }
        let flight = self.flight(descriptor, provider, account, &policy, deadline);
        let budget = deadline.saturating_duration_since(Instant::now());
        let live = match tokio::time::timeout(budget, flight).await {
            Ok(result) => result,
            Err(_) => Err(ProviderError::unavailable(
                descriptor.id,
                format!(
                    "no answer within the {} ms deadline",
                    options.deadline.as_millis()
                ),
            )),
        };
        match live {
            Ok(fetched) => Ok(Discovered::live(fetched, policy.ttl)),
            Err(error) => self.fall_back(descriptor, account, &policy, error).await,
        }
    }

    /// Start (or join) the one live discovery of this account. A success is stored as its
    /// snapshot before the flight completes, so a resolve that went live has left one.
    fn flight(
        &self,
        descriptor: &'static BackendDescriptor,
        provider: Arc<dyn RegionProvider>,
        account: &Account,
        policy: &CachePolicy,
        deadline: Instant,
    ) -> Flight {
        let http = self.http_for(descriptor);
        let snapshots = self.snapshots.clone();
        let key = account.key.clone();
        self.cache.flight(&account.key, policy, move || async move {
            let ctx = DiscoveryContext::new(descriptor.id, http, deadline);
            let budget = deadline.saturating_duration_since(Instant::now());
            let regions = match tokio::time::timeout(budget, provider.discover(&ctx)).await {
                Ok(result) => result?,
                Err(_) => {
                    return Err(ProviderError::unavailable(
                        descriptor.id,
                        format!("no answer within the {} ms deadline", budget.as_millis()),
                    ))
                }
            };
            let regions = dedup_regions(non_empty(descriptor.id, usable_ids(&ctx, regions))?);
            let warnings = ctx.warnings();
            // An answer with no usable region never replaces the last-known-good one.
            let usable = regions
                .iter()
                .any(|r| matches!(r.status, RegionStatus::Available | RegionStatus::Limited));
            if !usable {
                tracing::warn!(
                    backend = descriptor.id,
                    "no usable region in the answer; the snapshot is left as it was"
                );
            }
            if let Some(store) = snapshots.filter(|_| usable) {
                let snapshot = Snapshot::new(&key, SystemTime::now(), regions.clone());
                let saved = tokio::task::spawn_blocking(move || store.save(&snapshot)).await;
                match saved {
                    Ok(Ok(())) => {}
                    Ok(Err(error)) => {
                        tracing::warn!(backend = descriptor.id, %error, "snapshot not saved")
                    }
                    Err(error) => {
                        tracing::warn!(backend = descriptor.id, %error, "snapshot not saved")
                    }
                }
            }
            Ok((regions, warnings))
        })
    }

    /// After a live failure: a recent cached answer, the snapshot, the builtin list. Rejected
    /// credentials are the user's to fix: no fallback hides them.
    async fn fall_back(
        &self,
        descriptor: &'static BackendDescriptor,
        account: &Account,
        policy: &CachePolicy,
        error: ProviderError,
    ) -> Result<Discovered, ProviderError> {
        tracing::warn!(backend = descriptor.id, error = %error, "live discovery failed");
        if !falls_back(&error) {
            return Err(error);
        }
        if let Some(hit) = self.cache.usable_after_error(&account.key, policy) {
            let warning = format!(
                "live discovery failed ({}); using the answer cached {} ago",
                error.message,
                describe_age(hit.age())
            );
            return Ok(Discovered::cached(hit, vec![warning], Some(error), None));
        }
        let mut warnings = Vec::new();
        match self.load_snapshot(descriptor, account).await {
            Ok(Some(snapshot)) => {
                let warning = format!(
                    "live discovery failed ({}); using the last-known-good snapshot from {} ago",
                    error.message,
                    describe_age(snapshot.age())
                );
                return Ok(Discovered::snapshot(snapshot, vec![warning], Some(error)));
            }
            Ok(None) => {}
            Err(problem) => warnings.push(problem.to_string()),
        }
        if descriptor.policy.known.is_empty() {
            return Err(error);
        }
        warnings.push(format!(
            "live discovery failed ({}); using the builtin list of {} regions (as of {}), which cannot tell which are enabled for this account",
            error.message,
            descriptor.policy.known.len(),
            descriptor.policy.known.as_of
        ));
        Ok(builtin(descriptor, warnings, Some(error)))
    }

    /// `--offline`: the snapshot, else the builtin list; nothing goes over the network.
    async fn offline(
        &self,
        descriptor: &'static BackendDescriptor,
        account: &Account,
    ) -> Result<Discovered, ProviderError> {
        let mut warnings = Vec::new();
        match self.load_snapshot(descriptor, account).await {
            Ok(Some(snapshot)) => {
                let warning = format!(
                    "offline: using the last-known-good snapshot from {} ago",
                    describe_age(snapshot.age())
                );
                return Ok(Discovered::snapshot(snapshot, vec![warning], None));
            }
            Ok(None) => {}
            Err(problem) => warnings.push(problem.to_string()),
        }
        if descriptor.policy.known.is_empty() {
            return Err(ProviderError::unavailable(
                descriptor.id,
                "offline, with no snapshot of this backend and no builtin region list (its regions come only from the provider)",
            ));
        }
        warnings.push(format!(
            "offline: using the builtin list of {} regions (as of {}), which cannot tell which are enabled for this account",
            descriptor.policy.known.len(),
            descriptor.policy.known.as_of
        ));
        Ok(builtin(descriptor, warnings, None))
    }

    /// The account's snapshot; for a bare section, the newest of any account of the backend.
    async fn load_snapshot(
        &self,
        descriptor: &'static BackendDescriptor,
        account: &Account,
    ) -> Result<Option<Snapshot>, SnapshotError> {
        let Some(store) = self.snapshots.clone() else {
            return Ok(None);
        };
        let key = account.key.clone();
        let bare = account.bare;
        let loaded = tokio::task::spawn_blocking(move || match store.load(&key) {
            Ok(None) if bare => store.load_latest(&key.backend),
            other => other,
        })
        .await;
        match loaded {
            Ok(Err(problem)) => {
                tracing::warn!(backend = descriptor.id, error = %problem, "snapshot ignored");
                Err(problem)
            }
            Ok(found) => found,
            Err(error) => {
                tracing::warn!(backend = descriptor.id, %error, "snapshot not read");
                Ok(None)
            }
        }
    }
}

/// Move the regions a refinement found not enabled or unavailable to the excluded, and take
/// its status for the rest.
fn apply_refinements(resolution: &mut Resolution, known: &HashMap<String, Refined>) {
    if known.is_empty() {
        return;
    }
    let mut kept = Vec::with_capacity(resolution.regions.len());
    for mut region in std::mem::take(&mut resolution.regions) {
        let Some(refined) = known.get(region.id.as_str()) else {
            kept.push(region);
            continue;
        };
        let reason = match refined.status {
            RegionStatus::NotEnabled => ExclusionReason::NotEnabled,
            RegionStatus::Unavailable => ExclusionReason::Unavailable,
            status => {
                region.status = status;
                kept.push(region);
                continue;
            }
        };
        let mut exclusion = Exclusion::new(region.id.clone(), reason);
        if let Some(why) = &refined.why {
            exclusion = exclusion.with_detail(why.clone());
        }
        resolution.excluded.push(exclusion);
    }
    resolution.regions = kept;
}

/// A key in a backend section that no one defines is a mistake, not something to ignore
/// (`regoins: [...]` would otherwise resolve every region).
fn check_keys(descriptor: &BackendDescriptor, section: &BackendConfig) -> Result<()> {
    let Some(key) = section.keys().find(|k| !descriptor.accepts_key(k)) else {
        return Ok(());
    };
    let hint = match descriptor.nearest_key(key) {
        Some(near) => format!(" (did you mean `{near}`?)"),
        None => String::new(),
    };
    let mut keys: Vec<&str> = crate::registry::SHARED_KEYS
        .iter()
        .chain(descriptor.config_keys)
        .copied()
        .collect();
    keys.dedup();
    let error = Error::backend_config(
        descriptor.id,
        key,
        format!(
            "unknown key{hint}; this backend reads {}",
            keys.iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    );
    Err(match section.file() {
        Some(file) => error.in_file(file),
        None => error,
    })
}

/// The section's account, as the cache and the snapshot store know it.
#[derive(Debug)]
struct Account {
    key: AccountKey,
    /// No account keys at all: any account's snapshot will do.
    bare: bool,
}

/// Region ids as a provider sent them, made fit to show and match: trimmed; empty, blank
/// or control-character ids dropped, with a warning that says how many.
fn usable_ids(ctx: &DiscoveryContext, regions: Vec<Region>) -> Vec<Region> {
    let (kept, dropped) = clean_region_ids(regions);
    if dropped > 0 {
        ctx.warn(format!(
            "{dropped} region(s) with an empty id or control characters in it were left out"
        ));
    }
    kept
}

/// See [`usable_ids`]; also used for regions read back from a snapshot.
fn clean_region_ids(regions: Vec<Region>) -> (Vec<Region>, usize) {
    let total = regions.len();
    let kept: Vec<Region> = regions
        .into_iter()
        .filter_map(|mut region| {
            let id = region.id.as_str();
            let trimmed = id.trim();
            if trimmed.is_empty() || trimmed.chars().any(char::is_control) {
                return None;
            }
            if trimmed.len() != id.len() {
                region.id = trimmed.into();
            }
            Some(region)
        })
        .collect();
    let dropped = total - kept.len();
    (kept, dropped)
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

/// "45 s", "12 min", "3 h", "2 days".
fn describe_age(age: Duration) -> String {
    let secs = age.as_secs();
    match secs {
        0..=119 => format!("{secs} s"),
        120..=7199 => format!("{} min", secs / 60),
        7200..=172_799 => format!("{} h", secs / 3600),
        _ => format!("{} days", secs / 86_400),
    }
}

/// What discovery produced, and from where.
#[derive(Debug)]
struct Discovered {
    regions: Arc<Vec<Region>>,
    source: Source,
    fetched_at: SystemTime,
    warnings: Vec<String>,
    live_error: Option<ProviderError>,
    /// Until when this is the account's fresh view: set for a live answer and a fresh cached
    /// one, the only answers worth keeping finished.
    fresh_until: Option<Instant>,
}

impl Discovered {
    fn live(fetched: Fetched, ttl: Duration) -> Self {
        Self {
            fresh_until: fetched.fresh_until(ttl),
            warnings: fetched.warnings.to_vec(),
            regions: fetched.regions,
            source: Source::Live,
            fetched_at: fetched.fetched_at,
            live_error: None,
        }
    }

    fn cached(
        fetched: Fetched,
        mut warnings: Vec<String>,
        live_error: Option<ProviderError>,
        fresh_until: Option<Instant>,
    ) -> Self {
        warnings.extend(fetched.warnings.iter().cloned());
        Self {
            regions: fetched.regions,
            source: Source::Cache,
            fetched_at: fetched.fetched_at,
            warnings,
            live_error,
            fresh_until,
        }
    }

    fn snapshot(
        snapshot: Snapshot,
        mut warnings: Vec<String>,
        live_error: Option<ProviderError>,
    ) -> Self {
        let (regions, dropped) = clean_region_ids(snapshot.regions);
        if dropped > 0 {
            warnings.push(format!(
                "{dropped} region(s) of the snapshot with an empty id or control characters in it were left out"
            ));
        }
        Self {
            regions: Arc::new(dedup_regions(regions)),
            source: Source::Snapshot,
            fetched_at: snapshot.fetched_at,
            warnings,
            live_error,
            fresh_until: None,
        }
    }
}

fn builtin(
    descriptor: &BackendDescriptor,
    warnings: Vec<String>,
    live_error: Option<ProviderError>,
) -> Discovered {
    let known = descriptor.policy.known;
    Discovered {
        regions: Arc::new(dedup_regions(
            known.regions.iter().map(|id| Region::new(*id)).collect(),
        )),
        source: Source::Builtin,
        // The list is as old as its last check against its source, not as the call.
        fetched_at: known.as_of_time().unwrap_or(SystemTime::UNIX_EPOCH),
        warnings,
        live_error,
        fresh_until: None,
    }
}

/// The key of a finished answer: the section as loaded and the run's restriction.
fn answer_key(section: &BackendConfig, options: &ResolveOptions) -> AnswerKey {
    (
        section.fingerprint(),
        options.run_regions.as_ref().map(Restriction::fingerprint),
    )
}
