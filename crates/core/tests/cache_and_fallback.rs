//! The cache, single-flight, snapshots and the fallback chain, driven through `RegionKit`
//! with a scripted provider whose every discovery is counted.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use regionkit_core::{
    async_trait, AccountKey, BackendConfig, BackendDescriptor, BackendReport, CachePolicy, Config,
    CuratedList, DiscoveryContext, Error, ExclusionReason, FileSnapshotStore, HttpPolicy,
    MemorySnapshotStore, ProviderError, ProviderErrorKind, Refined, Region, RegionKit,
    RegionPolicy, RegionProvider, RegionStatus, Registry, ResolveOptions, Snapshot, SnapshotStore,
    Source,
};

/// What one discovery does.
#[derive(Clone, Debug)]
enum Outcome {
    Regions(&'static [&'static str]),
    Fail(ProviderErrorKind),
    Panic,
}

/// A provider's script: outcomes in order, the last one repeated, each after `delay`.
#[derive(Debug)]
struct Scenario {
    calls: AtomicUsize,
    outcomes: Mutex<VecDeque<Outcome>>,
    delay: Duration,
}

impl Scenario {
    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    fn next(&self) -> Outcome {
        let mut outcomes = self.outcomes.lock().unwrap();
        if outcomes.len() > 1 {
            outcomes.pop_front().unwrap()
        } else {
            outcomes.front().cloned().unwrap()
        }
    }
}

static SCENARIOS: Mutex<Vec<(String, Arc<Scenario>)>> = Mutex::new(Vec::new());

#[derive(Debug)]
struct ScriptedProvider {
    backend: &'static str,
    scenario: Arc<Scenario>,
}

#[async_trait]
impl RegionProvider for ScriptedProvider {
    async fn discover(&self, _ctx: &DiscoveryContext) -> Result<Vec<Region>, ProviderError> {
        self.scenario.calls.fetch_add(1, Ordering::SeqCst);
        if !self.scenario.delay.is_zero() {
            tokio::time::sleep(self.scenario.delay).await;
        }
        match self.scenario.next() {
            Outcome::Regions(ids) => Ok(ids.iter().map(|id| Region::new(*id)).collect()),
            Outcome::Fail(kind) => Err(ProviderError::new(
                self.backend,
                kind,
                format!("scripted {}", kind.as_str()),
            )),
            Outcome::Panic => panic!("scripted panic in discovery"),
        }
    }
}

#[derive(serde::Deserialize)]
struct ScenarioSection {
    scenario: String,
}

fn build_scripted(section: &BackendConfig) -> regionkit_core::Result<Arc<dyn RegionProvider>> {
    build(SCRIPTED.id, section)
}

fn build_clustered(section: &BackendConfig) -> regionkit_core::Result<Arc<dyn RegionProvider>> {
    build(CLUSTERED.id, section)
}

fn build(
    backend: &'static str,
    section: &BackendConfig,
) -> regionkit_core::Result<Arc<dyn RegionProvider>> {
    let wanted: ScenarioSection = section.parse(backend)?;
    let scenario = SCENARIOS
        .lock()
        .unwrap()
        .iter()
        .find(|(name, _)| *name == wanted.scenario)
        .map(|(_, s)| Arc::clone(s))
        .ok_or_else(|| Error::backend_config(backend, "scenario", "no such scenario"))?;
    Ok(Arc::new(ScriptedProvider { backend, scenario }))
}

const KNOWN: &[&str] = &["alpha-1", "beta-1", "gamma-1"];

static SCRIPTED: BackendDescriptor = BackendDescriptor::new(
    "scripted",
    "Scripted",
    "none",
    RegionPolicy::dynamic(CuratedList::new(
        KNOWN,
        "test list",
        "this test",
        "2026-01-01",
    )),
    build_scripted,
)
.with_config_keys(&["scenario"])
.with_orchestrator_keys(&["tags"]);

static CLUSTERED: BackendDescriptor = BackendDescriptor::new(
    "clustered",
    "Clustered",
    "none",
    RegionPolicy::cluster(),
    build_clustered,
)
.with_config_keys(&["scenario"]);

/// A scenario registered under `name`, and a section of `backend` that uses it.
fn scenario(
    backend: &str,
    name: &str,
    outcomes: &[Outcome],
    delay: Duration,
) -> (Arc<Scenario>, BackendConfig) {
    let scenario = Arc::new(Scenario {
        calls: AtomicUsize::new(0),
        outcomes: Mutex::new(outcomes.iter().cloned().collect()),
        delay,
    });
    SCENARIOS
        .lock()
        .unwrap()
        .push((name.to_owned(), Arc::clone(&scenario)));
    (scenario, section(backend, name, ""))
}

fn section(backend: &str, name: &str, extra: &str) -> BackendConfig {
    let yaml = format!("backends:\n  - type: {backend}\n    scenario: {name}\n{extra}");
    Config::from_yaml(&yaml, None, None)
        .unwrap()
        .backends
        .remove(0)
}

fn kit(policy: CachePolicy) -> RegionKit {
    RegionKit::new(
        Registry::from_descriptors([&SCRIPTED, &CLUSTERED, &REFINING]).unwrap(),
        HttpPolicy::default(),
    )
    .unwrap()
    .with_cache_policy(policy)
}

async fn resolve_one(
    kit: &RegionKit,
    section: &BackendConfig,
    options: &ResolveOptions,
) -> BackendReport {
    kit.resolve_sections(vec![section.clone()], options)
        .await
        .remove(0)
}

fn ids(report: &BackendReport) -> Vec<String> {
    report
        .resolution
        .as_ref()
        .map(|r| r.regions.iter().map(|r| r.id.to_string()).collect())
        .unwrap_or_default()
}

fn source(report: &BackendReport) -> Option<Source> {
    report.resolution.as_ref().map(|r| r.source)
}

const AB: Outcome = Outcome::Regions(&["alpha-1", "beta-1"]);
const ABN: Outcome = Outcome::Regions(&["alpha-1", "beta-1", "new-1"]);
const LONG: Duration = Duration::from_secs(3600);

#[tokio::test]
async fn a_fresh_answer_is_served_from_the_cache_without_discovering_again() {
    let (scenario, section) = scenario("scripted", "fresh", &[AB], Duration::ZERO);
    let kit = kit(CachePolicy::default());
    let options = ResolveOptions::default();
    let first = resolve_one(&kit, &section, &options).await;
    let second = resolve_one(&kit, &section, &options).await;
    assert_eq!(source(&first), Some(Source::Live));
    assert_eq!(source(&second), Some(Source::Cache));
    assert_eq!(ids(&second), ["alpha-1", "beta-1"]);
    assert_eq!(scenario.calls(), 1);
}

#[tokio::test]
async fn a_backend_policy_overrides_the_default_for_that_backend_only() {
    let (scenario, section) = scenario("scripted", "per-backend", &[AB], Duration::ZERO);
    let kit =
        kit(CachePolicy::disabled()).with_backend_cache_policy("SCRIPTED", CachePolicy::default());
    resolve_one(&kit, &section, &ResolveOptions::default()).await;
    let second = resolve_one(&kit, &section, &ResolveOptions::default()).await;
    assert_eq!(source(&second), Some(Source::Cache));
    assert_eq!(scenario.calls(), 1);
    assert_eq!(kit.cache_policy_for(&CLUSTERED), CachePolicy::disabled());
}

#[tokio::test]
async fn refresh_bypasses_a_fresh_cache() {
    let (scenario, section) = scenario("scripted", "refresh", &[AB], Duration::ZERO);
    let kit = kit(CachePolicy::default());
    resolve_one(&kit, &section, &ResolveOptions::default()).await;
    let refreshed = resolve_one(
        &kit,
        &section,
        &ResolveOptions::default().with_refresh(true),
    )
    .await;
    assert_eq!(source(&refreshed), Some(Source::Live));
    assert_eq!(scenario.calls(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_resolves_of_a_cold_account_share_one_discovery() {
    let (scenario, section) = scenario(
        "scripted",
        "single-flight",
        &[AB],
        Duration::from_millis(300),
    );
    let kit = kit(CachePolicy::default());
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..200 {
        let (kit, section) = (kit.clone(), section.clone());
        tasks.spawn(async move { resolve_one(&kit, &section, &ResolveOptions::default()).await });
    }
    while let Some(report) = tasks.join_next().await {
        let report = report.unwrap();
        assert!(report.error.is_none(), "{:?}", report.error);
        assert!(matches!(
            source(&report),
            Some(Source::Live | Source::Cache)
        ));
    }
    assert_eq!(scenario.calls(), 1);
}

#[tokio::test]
async fn the_cache_is_kept_per_account() {
    let (first, a) = scenario("scripted", "account-a", &[AB], Duration::ZERO);
    let (second, b) = scenario("scripted", "account-b", &[AB], Duration::ZERO);
    let kit = kit(CachePolicy::default());
    let reports = kit
        .resolve_sections(vec![a.clone(), b.clone(), a, b], &ResolveOptions::default())
        .await;
    assert!(reports.iter().all(|r| r.error.is_none()));
    assert_eq!((first.calls(), second.calls()), (1, 1));
}

#[tokio::test]
async fn a_stale_answer_is_served_while_one_background_refresh_runs() {
    let (scenario, section) = scenario("scripted", "swr", &[AB, ABN], Duration::ZERO);
    let kit = kit(CachePolicy::default()
        .with_ttl(Duration::ZERO)
        .with_stale_while_revalidate(LONG));
    let options = ResolveOptions::default();
    assert_eq!(
        source(&resolve_one(&kit, &section, &options).await),
        Some(Source::Live)
    );
    let stale = resolve_one(&kit, &section, &options).await;
    assert_eq!(source(&stale), Some(Source::Cache));
    assert_eq!(
        ids(&stale),
        ["alpha-1", "beta-1"],
        "the stale answer, at once"
    );
    let mut refreshed = Vec::new();
    for _ in 0..200 {
        refreshed = ids(&resolve_one(&kit, &section, &options).await);
        if refreshed.len() == 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        refreshed,
        ["alpha-1", "beta-1", "new-1"],
        "the refreshed answer"
    );
    assert!(scenario.calls() >= 2);
}

#[tokio::test]
async fn a_recent_answer_stands_in_for_a_failed_discovery() {
    let (scenario, section) = scenario(
        "scripted",
        "stale-if-error",
        &[AB, Outcome::Fail(ProviderErrorKind::Unavailable)],
        Duration::ZERO,
    );
    let kit = kit(CachePolicy::disabled().with_stale_if_error(LONG));
    resolve_one(&kit, &section, &ResolveOptions::default()).await;
    let report = resolve_one(&kit, &section, &ResolveOptions::default()).await;
    let resolution = report.resolution.as_ref().unwrap();
    assert_eq!(resolution.source, Source::Cache);
    assert_eq!(ids(&report), ["alpha-1", "beta-1"]);
    assert_eq!(
        resolution.live_error.as_ref().map(|e| e.kind),
        Some(ProviderErrorKind::Unavailable)
    );
    assert!(
        resolution.warnings.iter().any(|w| w.contains("cached")),
        "{:?}",
        resolution.warnings
    );
    assert_eq!(scenario.calls(), 2);
}

#[tokio::test]
async fn after_a_failure_the_provider_is_left_alone_for_the_negative_ttl() {
    let (scenario, section) = scenario(
        "scripted",
        "negative",
        &[Outcome::Fail(ProviderErrorKind::Unavailable)],
        Duration::ZERO,
    );
    let kit = kit(CachePolicy::default().with_negative_ttl(LONG));
    let first = resolve_one(&kit, &section, &ResolveOptions::default()).await;
    let second = resolve_one(&kit, &section, &ResolveOptions::default()).await;
    assert_eq!(source(&first), Some(Source::Builtin));
    assert_eq!(source(&second), Some(Source::Builtin));
    let cached = second.resolution.unwrap().live_error.clone().unwrap();
    assert!(cached.message.contains("not retried"), "{cached}");
    assert_eq!(scenario.calls(), 1);
}

#[tokio::test]
async fn without_a_negative_ttl_every_resolve_tries_again() {
    let (scenario, section) = scenario(
        "scripted",
        "no-negative",
        &[Outcome::Fail(ProviderErrorKind::Unavailable)],
        Duration::ZERO,
    );
    let kit = kit(CachePolicy::disabled());
    resolve_one(&kit, &section, &ResolveOptions::default()).await;
    resolve_one(&kit, &section, &ResolveOptions::default()).await;
    assert_eq!(scenario.calls(), 2);
}

#[tokio::test]
async fn refresh_ignores_the_negative_cache() {
    let (scenario, section) = scenario(
        "scripted",
        "negative-refresh",
        &[Outcome::Fail(ProviderErrorKind::Unavailable), AB],
        Duration::ZERO,
    );
    let kit = kit(CachePolicy::default().with_negative_ttl(LONG));
    resolve_one(&kit, &section, &ResolveOptions::default()).await;
    let refreshed = resolve_one(
        &kit,
        &section,
        &ResolveOptions::default().with_refresh(true),
    )
    .await;
    assert_eq!(source(&refreshed), Some(Source::Live));
    assert_eq!(scenario.calls(), 2);
}

#[tokio::test]
async fn rejected_credentials_are_never_hidden_by_the_cache_or_a_snapshot() {
    let (_, section) = scenario(
        "scripted",
        "auth",
        &[AB, Outcome::Fail(ProviderErrorKind::Auth)],
        Duration::ZERO,
    );
    let store = Arc::new(MemorySnapshotStore::new());
    let kit =
        kit(CachePolicy::disabled().with_stale_if_error(LONG)).with_snapshot_store(store.clone());
    resolve_one(&kit, &section, &ResolveOptions::default()).await;
    assert_eq!(store.all().len(), 1);
    let report = resolve_one(&kit, &section, &ResolveOptions::default()).await;
    assert!(report.resolution.is_none());
    match report.error {
        Some(Error::Provider(e)) => assert_eq!(e.kind, ProviderErrorKind::Auth),
        other => panic!("expected an auth error, got {other:?}"),
    }
}

#[tokio::test]
async fn the_snapshot_answers_when_the_cache_has_nothing() {
    let (_, section) = scenario(
        "scripted",
        "snapshot-fallback",
        &[Outcome::Fail(ProviderErrorKind::Unavailable)],
        Duration::ZERO,
    );
    let store = Arc::new(MemorySnapshotStore::new());
    let fetched_at = SystemTime::now() - Duration::from_secs(7200);
    store
        .save(&Snapshot::new(
            &AccountKey::for_section("scripted", &section),
            fetched_at,
            vec![Region::new("gamma-1"), Region::new("new-1")],
        ))
        .unwrap();
    let kit = kit(CachePolicy::default()).with_snapshot_store(store);
    let report = resolve_one(&kit, &section, &ResolveOptions::default()).await;
    let resolution = report.resolution.as_ref().unwrap();
    assert_eq!(resolution.source, Source::Snapshot);
    assert_eq!(resolution.fetched_at, fetched_at);
    assert_eq!(ids(&report), ["gamma-1", "new-1"]);
    assert!(resolution.live_error.is_some());
    assert!(
        resolution.warnings.iter().any(|w| w.contains("snapshot")),
        "{:?}",
        resolution.warnings
    );
}

#[tokio::test]
async fn a_live_answer_is_stored_raw_and_a_fallback_never_is() {
    let (_, _) = scenario("scripted", "store-raw", &[ABN], Duration::ZERO);
    let restricted = section("scripted", "store-raw", "    regions: [alpha-1]\n");
    let store = Arc::new(MemorySnapshotStore::new());
    let kit = kit(CachePolicy::default()).with_snapshot_store(store.clone());
    let report = resolve_one(&kit, &restricted, &ResolveOptions::default()).await;
    assert_eq!(ids(&report), ["alpha-1"]);
    let stored = store.all();
    assert_eq!(stored.len(), 1);
    let stored_ids: Vec<_> = stored[0].regions.iter().map(|r| r.id.to_string()).collect();
    assert_eq!(
        stored_ids,
        ["alpha-1", "beta-1", "new-1"],
        "the raw discovery, not the resolution"
    );

    let (_, failing) = scenario(
        "scripted",
        "store-nothing",
        &[Outcome::Fail(ProviderErrorKind::Unavailable)],
        Duration::ZERO,
    );
    let report = resolve_one(&kit, &failing, &ResolveOptions::default()).await;
    assert_eq!(source(&report), Some(Source::Builtin));
    assert_eq!(store.all().len(), 1, "a builtin fallback is not a snapshot");
}

#[tokio::test]
async fn offline_uses_the_snapshot_without_calling_the_provider() {
    let (scenario, section) = scenario("scripted", "offline-snapshot", &[ABN], Duration::ZERO);
    let store = Arc::new(MemorySnapshotStore::new());
    let kit = kit(CachePolicy::default()).with_snapshot_store(store.clone());
    resolve_one(&kit, &section, &ResolveOptions::default()).await;
    let fresh_kit = self::kit(CachePolicy::default()).with_snapshot_store(store);
    let report = resolve_one(
        &fresh_kit,
        &section,
        &ResolveOptions::default().with_offline(true),
    )
    .await;
    assert_eq!(source(&report), Some(Source::Snapshot));
    assert_eq!(ids(&report), ["alpha-1", "beta-1", "new-1"]);
    assert_eq!(
        scenario.calls(),
        1,
        "only the first, online resolve discovered"
    );
}

#[tokio::test]
async fn offline_without_a_snapshot_uses_the_builtin_list_labelled() {
    let (scenario, section) = scenario("scripted", "offline-builtin", &[AB], Duration::ZERO);
    let kit = kit(CachePolicy::default()).with_snapshot_store(Arc::new(MemorySnapshotStore::new()));
    let report = resolve_one(
        &kit,
        &section,
        &ResolveOptions::default().with_offline(true),
    )
    .await;
    let resolution = report.resolution.as_ref().unwrap();
    assert_eq!(resolution.source, Source::Builtin);
    assert_eq!(ids(&report), KNOWN);
    assert!(
        resolution.warnings.iter().any(|w| w.contains("offline")),
        "{:?}",
        resolution.warnings
    );
    assert_eq!(scenario.calls(), 0);
}

#[tokio::test]
async fn offline_with_a_bare_section_uses_the_newest_snapshot_of_any_account() {
    let store = Arc::new(MemorySnapshotStore::new());
    let now = SystemTime::now();
    for (account, age, region) in [("older", 7200, "alpha-1"), ("newer", 60, "beta-1")] {
        store
            .save(&Snapshot::new(
                &AccountKey::new("scripted", account),
                now - Duration::from_secs(age),
                vec![Region::new(region)],
            ))
            .unwrap();
    }
    let kit = kit(CachePolicy::default()).with_snapshot_store(store);
    let report = resolve_one(
        &kit,
        &BackendConfig::bare("scripted"),
        &ResolveOptions::default().with_offline(true),
    )
    .await;
    assert_eq!(source(&report), Some(Source::Snapshot));
    assert_eq!(ids(&report), ["beta-1"]);
}

#[tokio::test]
async fn offline_cluster_backend_without_a_snapshot_is_an_error_not_an_empty_answer() {
    let kit = kit(CachePolicy::default());
    let report = resolve_one(
        &kit,
        &BackendConfig::bare("clustered"),
        &ResolveOptions::default().with_offline(true),
    )
    .await;
    assert!(report.resolution.is_none());
    match report.error {
        Some(Error::Provider(e)) => {
            assert_eq!(e.kind, ProviderErrorKind::Unavailable);
            assert!(e.message.contains("offline"), "{e}");
        }
        other => panic!("expected a provider error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_corrupt_snapshot_is_ignored_with_a_warning() {
    let (_, section) = scenario(
        "scripted",
        "corrupt-snapshot",
        &[Outcome::Fail(ProviderErrorKind::Unavailable)],
        Duration::ZERO,
    );
    let dir = tempfile::tempdir().unwrap();
    let store = FileSnapshotStore::new(dir.path());
    let path = store.path_of(&AccountKey::for_section("scripted", &section));
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(
        &path,
        b"{\"format\":\"regionkit-snapshot\",\"version\":1,\"sha256\":\"00\",\"snap",
    )
    .unwrap();
    let kit = kit(CachePolicy::default()).with_snapshot_store(Arc::new(store));
    let report = resolve_one(&kit, &section, &ResolveOptions::default()).await;
    let resolution = report.resolution.as_ref().unwrap();
    assert_eq!(resolution.source, Source::Builtin);
    assert!(
        resolution
            .warnings
            .iter()
            .any(|w| w.contains("ignoring snapshot")),
        "{:?}",
        resolution.warnings
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_backend_yields_its_fallback_at_the_deadline_while_others_answer() {
    let (_, slow) = scenario("scripted", "slow", &[AB], Duration::from_secs(120));
    let (_, fast) = scenario("scripted", "fast", &[AB], Duration::ZERO);
    let kit = kit(CachePolicy::default());
    let options = ResolveOptions::default().with_deadline(Duration::from_millis(500));
    let reports = tokio::time::timeout(
        Duration::from_secs(60),
        kit.resolve_sections(vec![slow, fast], &options),
    )
    .await
    .expect("the resolve ends at its deadline, not when the slow provider answers");
    let slow = reports[0].resolution.as_ref().unwrap();
    assert_eq!(slow.source, Source::Builtin);
    assert!(
        slow.live_error
            .as_ref()
            .unwrap()
            .message
            .contains("deadline"),
        "{:?}",
        slow.live_error
    );
    assert_eq!(source(&reports[1]), Some(Source::Live));
}

#[tokio::test]
async fn a_panicking_provider_yields_a_labelled_fallback_not_a_missing_report() {
    let (_, section) = scenario("scripted", "panics", &[Outcome::Panic], Duration::ZERO);
    let kit = kit(CachePolicy::default());
    let reports = kit
        .resolve_sections(vec![section], &ResolveOptions::default())
        .await;
    assert_eq!(reports.len(), 1);
    let resolution = reports[0].resolution.as_ref().unwrap();
    assert_eq!(resolution.source, Source::Builtin);
    let error = resolution.live_error.as_ref().unwrap();
    assert!(error.message.contains("internal error"), "{error}");
}

#[tokio::test]
async fn an_unknown_key_in_a_backend_section_is_a_config_error_naming_the_nearest_key() {
    let (scenario, _) = scenario("scripted", "typo", &[AB], Duration::ZERO);
    let typo = section("scripted", "typo", "    regoins: [alpha-1]\n");
    let report = resolve_one(
        &kit(CachePolicy::default()),
        &typo,
        &ResolveOptions::default(),
    )
    .await;
    let error = report.error.expect("a misspelt key is an error");
    assert!(matches!(error, Error::Config { .. }), "{error:?}");
    assert!(error.is_usage());
    let message = error.to_string();
    assert!(
        message.contains("`regoins`") && message.contains("did you mean `regions`"),
        "{message}"
    );
    assert!(report.resolution.is_none());
    assert_eq!(
        scenario.calls(),
        0,
        "nothing is asked of a misconfigured backend"
    );
}

#[tokio::test]
async fn keys_of_the_orchestrators_config_are_accepted() {
    let (_, _) = scenario("scripted", "dstack-keys", &[AB], Duration::ZERO);
    let with_tags = section("scripted", "dstack-keys", "    tags: {team: ml}\n");
    let report = resolve_one(
        &kit(CachePolicy::default()),
        &with_tags,
        &ResolveOptions::default(),
    )
    .await;
    assert!(report.error.is_none(), "{:?}", report.error);
    assert_eq!(ids(&report), ["alpha-1", "beta-1"]);
}

/// Refinement calls per region, for the refining provider below.
static REFINED: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Lists every known region; a closer look finds `alpha-1` not enabled, `beta-1` limited,
/// fails for `gamma-1`, and hangs for `delta-1`.
#[derive(Debug)]
struct RefiningProvider;

#[async_trait]
impl RegionProvider for RefiningProvider {
    async fn discover(&self, _ctx: &DiscoveryContext) -> Result<Vec<Region>, ProviderError> {
        Ok(["alpha-1", "beta-1", "gamma-1", "delta-1", "omega-1"]
            .into_iter()
            .map(Region::new)
            .collect())
    }

    fn refines(&self) -> bool {
        true
    }

    async fn refine(
        &self,
        _ctx: &DiscoveryContext,
        region: &Region,
    ) -> Result<Refined, ProviderError> {
        REFINED.lock().unwrap().push(region.id.to_string());
        match region.id.as_str() {
            "alpha-1" => Ok(Refined::because(
                RegionStatus::NotEnabled,
                "every GPU size is restricted for this subscription",
            )),
            "beta-1" => Ok(Refined::status(RegionStatus::Limited)),
            "gamma-1" => Err(ProviderError::unavailable("refining", "SKU listing failed")),
            "delta-1" => std::future::pending().await,
            _ => Ok(Refined::status(region.status)),
        }
    }
}

fn build_refining(_: &BackendConfig) -> regionkit_core::Result<Arc<dyn RegionProvider>> {
    Ok(Arc::new(RefiningProvider))
}

static REFINING: BackendDescriptor = BackendDescriptor::new(
    "refining",
    "Refining",
    "none",
    RegionPolicy::dynamic(CuratedList::EMPTY),
    build_refining,
)
.with_refinement(Duration::from_secs(3600), 2);

fn refined_calls(id: &str) -> usize {
    REFINED.lock().unwrap().iter().filter(|r| *r == id).count()
}

#[tokio::test]
async fn refinement_looks_only_at_candidates_and_a_failure_keeps_the_region() {
    let kit = kit(CachePolicy::default());
    let section = Config::from_yaml(
        "backends:\n  - type: refining\n    regions: [alpha-1, beta-1, gamma-1, delta-1]\n",
        None,
        None,
    )
    .unwrap()
    .backends
    .remove(0);
    let options = ResolveOptions::default().with_deadline(Duration::from_millis(700));
    let started = Instant::now();
    let report = resolve_one(&kit, &section, &options).await;
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "the deadline bounds refinement"
    );
    let resolution = report.resolution.expect("resolved");
    assert_eq!(
        ids_of(&resolution.regions),
        ["beta-1", "gamma-1", "delta-1"]
    );
    assert_eq!(resolution.regions[0].status, RegionStatus::Limited);
    let alpha = resolution
        .excluded
        .iter()
        .find(|e| e.id.as_str() == "alpha-1")
        .unwrap();
    assert_eq!(alpha.reason, ExclusionReason::NotEnabled);
    assert_eq!(
        alpha.detail.as_deref(),
        Some("every GPU size is restricted for this subscription")
    );
    assert_eq!(
        resolution.exclusion_of("omega-1"),
        Some(ExclusionReason::NotInBackendConfig)
    );
    assert_eq!(refined_calls("omega-1"), 0, "only candidates are refined");
    for id in ["gamma-1", "delta-1"] {
        assert!(
            resolution.warnings.iter().any(|w| w.contains(id)),
            "{id}: {:?}",
            resolution.warnings
        );
    }

    // A second resolve takes the cached refinements and asks again only where none was kept.
    let again = resolve_one(&kit, &section, &options).await;
    assert_eq!(
        again.resolution.map(|r| ids_of(&r.regions)),
        Some(vec![
            "beta-1".to_owned(),
            "gamma-1".to_owned(),
            "delta-1".to_owned()
        ])
    );
    assert_eq!(refined_calls("alpha-1"), 1);
    assert_eq!(refined_calls("beta-1"), 1);
    assert_eq!(refined_calls("gamma-1"), 2);
}

#[test]
fn a_backends_own_cache_lifetime_applies_unless_the_kit_overrides_it() {
    static SLOW: BackendDescriptor = BackendDescriptor::new(
        "slow",
        "Slow",
        "none",
        RegionPolicy::dynamic(CuratedList::EMPTY),
        build_refining,
    )
    .with_cache_ttl(Duration::from_secs(3600))
    .with_request_timeout(Duration::from_secs(90))
    .with_max_body_bytes(64 << 20);
    let kit = RegionKit::new(
        Registry::from_descriptors([&SLOW]).unwrap(),
        HttpPolicy::default(),
    )
    .unwrap();
    assert_eq!(kit.cache_policy_for(&SLOW).ttl, Duration::from_secs(3600));
    assert_eq!(
        kit.cache_policy_for(&SLOW).negative_ttl,
        CachePolicy::default().negative_ttl
    );
    let http = kit.http_for(&SLOW);
    assert_eq!(http.policy().request_timeout, Duration::from_secs(90));
    assert_eq!(http.policy().max_body_bytes, 64 << 20);
    let kit = kit.with_backend_cache_policy("slow", CachePolicy::disabled());
    assert_eq!(kit.cache_policy_for(&SLOW).ttl, Duration::ZERO);
}

fn ids_of(regions: &[Region]) -> Vec<String> {
    regions.iter().map(|r| r.id.to_string()).collect()
}

/// Lists two regions; only one of them has a project serving it, which discovery found out.
#[derive(Debug)]
struct ProjectsProvider;

#[async_trait]
impl RegionProvider for ProjectsProvider {
    async fn discover(&self, _ctx: &DiscoveryContext) -> Result<Vec<Region>, ProviderError> {
        Ok(vec![Region::new("alpha-1"), Region::new("beta-1")])
    }

    fn settings_for(&self, discovered: &[Region]) -> regionkit_core::ProviderSettings {
        let served = discovered
            .iter()
            .filter(|r| r.id.as_str().starts_with("alpha"))
            .map(|r| r.id.clone())
            .collect();
        regionkit_core::ProviderSettings::default()
            .with_region_config(regionkit_core::RegionConfig::new("projects", served, true))
    }
}

fn build_projects(_: &BackendConfig) -> regionkit_core::Result<Arc<dyn RegionProvider>> {
    Ok(Arc::new(ProjectsProvider))
}

static PROJECTS: BackendDescriptor = BackendDescriptor::new(
    "projects",
    "Projects",
    "none",
    RegionPolicy::dynamic(CuratedList::EMPTY),
    build_projects,
);

#[tokio::test]
async fn settings_can_follow_what_discovery_found() {
    let kit = RegionKit::new(
        Registry::from_descriptors([&PROJECTS]).unwrap(),
        HttpPolicy::default(),
    )
    .unwrap();
    let report = resolve_one(
        &kit,
        &BackendConfig::bare("projects"),
        &ResolveOptions::default(),
    )
    .await;
    let resolution = report.resolution.expect("resolved");
    assert_eq!(ids_of(&resolution.regions), ["alpha-1"]);
    let beta = resolution
        .excluded
        .iter()
        .find(|e| e.id.as_str() == "beta-1")
        .unwrap();
    assert_eq!(beta.reason, ExclusionReason::MissingRegionConfig);
    assert_eq!(
        beta.detail.as_deref(),
        Some("`projects` has no entry for beta-1")
    );
}
