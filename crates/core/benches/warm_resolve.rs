//! How fast regionkit answers: the resolver alone (cold), a `RegionKit` resolve served from a
//! warm cache for one backend and for twelve, and many concurrent warm callers. Run with
//! `cargo bench -p regionkit-core`; needs no network. `docs/performance.md` records the
//! figures, the machine and the targets.
//!
//! Numbers, not assertions: speed is read here, never asserted in timed tests.

#![allow(clippy::panic, reason = "set-up that fails must stop the benchmark")]

use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock};
use std::task::{Context, Poll, Waker};
use std::time::SystemTime;

use divan::Bencher;
use regionkit_core::{
    async_trait, resolve, BackendConfig, BackendDescriptor, Config, CuratedList, DiscoveryContext,
    HttpPolicy, ProviderError, Region, RegionKit, RegionPolicy, RegionProvider, RegionStatus,
    Registry, ResolveInput, ResolveOptions, Restriction, Result, Source,
};

fn main() {
    divan::main();
}

/// A provider that answers from memory and counts its discoveries.
#[derive(Debug)]
struct InMemory;

static DISCOVERIES: AtomicUsize = AtomicUsize::new(0);

/// `count` regions named like a hyperscaler's (`us-east-0`, `eu-west-1`, `ap-east-2`, ...),
/// every seventh not enabled.
fn regions(count: usize) -> Vec<Region> {
    (0..count)
        .map(|i| {
            let id = format!(
                "{}-{}-{}",
                ["us", "eu", "ap"][i % 3],
                ["east", "west"][i % 2],
                i
            );
            let status = if i % 7 == 0 {
                RegionStatus::NotEnabled
            } else {
                RegionStatus::Available
            };
            Region::new(id).with_status(status)
        })
        .collect()
}

#[async_trait]
impl RegionProvider for InMemory {
    async fn discover(&self, _ctx: &DiscoveryContext) -> Result<Vec<Region>, ProviderError> {
        DISCOVERIES.fetch_add(1, Ordering::Relaxed);
        Ok(regions(60))
    }
}

fn build(_: &BackendConfig) -> Result<Arc<dyn RegionProvider>> {
    Ok(Arc::new(InMemory))
}

const KNOWN: CuratedList = CuratedList::new(&["us-east-0"], "bench", "bench", "2026-01-01");
static BENCH: BackendDescriptor = BackendDescriptor::new(
    "bench",
    "Bench",
    "memory",
    RegionPolicy::dynamic(KNOWN),
    build,
)
.with_config_keys(&["account"]);

/// The filter an orchestrator runs on every offer query: backend globs, then a run glob.
fn restrictions() -> (Restriction, Restriction) {
    (
        Restriction::new("regions", vec!["us-*".into(), "eu-west-*".into()]),
        Restriction::new("run regions", vec!["US-EAST-*".into()]),
    )
}

fn resolve_once(live: &[Region], backend: &Restriction, run: &Restriction) -> usize {
    resolve(ResolveInput {
        backend: "bench",
        policy: &BENCH.policy,
        settings: &Default::default(),
        regions: live,
        source: Source::Live,
        fetched_at: SystemTime::UNIX_EPOCH,
        backend_regions: Some(backend),
        run_regions: Some(run),
    })
    .map(|r| r.regions.len())
    .unwrap_or(0)
}

/// `resolve()` of 60 regions with three globs (two in the backend config, one in the run).
#[divan::bench]
fn cold_resolve_60_regions_3_globs(bencher: Bencher<'_, '_>) {
    let live = regions(60);
    let (backend, run) = restrictions();
    bencher.bench_local(|| resolve_once(divan::black_box(&live), &backend, &run));
}

/// `resolve()` of 100,000 regions with the same globs: linear, not quadratic.
#[divan::bench(sample_count = 10, sample_size = 1)]
fn cold_resolve_100k_regions_3_globs(bencher: Bencher<'_, '_>) {
    let live = regions(100_000);
    let (backend, run) = restrictions();
    bencher.bench_local(|| resolve_once(divan::black_box(&live), &backend, &run));
}

static RUNTIME: LazyLock<tokio::runtime::Runtime> = LazyLock::new(|| {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("no runtime: {e}"))
});

/// `count` sections of the bench backend, each its own account.
fn sections(count: usize) -> Vec<BackendConfig> {
    let yaml: String = (0..count)
        .map(|i| {
            format!("  - type: bench\n    account: a{i}\n    regions: [\"us-*\", \"eu-west-*\"]\n")
        })
        .collect();
    Config::from_yaml(&format!("backends:\n{yaml}"), None, None)
        .map(|c| c.backends)
        .unwrap_or_else(|e| panic!("bench config: {e}"))
}

fn warm_kit(sections: &[BackendConfig], options: &ResolveOptions) -> RegionKit {
    let kit = Registry::from_descriptors([&BENCH])
        .and_then(|registry| RegionKit::new(registry, HttpPolicy::default()))
        .unwrap_or_else(|e| panic!("bench kit: {e}"));
    let reports = RUNTIME.block_on(kit.resolve_sections(sections, options));
    assert!(reports.iter().all(|r| r.error.is_none()), "{reports:?}");
    kit
}

/// Poll a future once, as an async caller's `.await` does when it is ready at once; a future
/// that is not (a miss) is driven on the runtime.
fn now_or_block<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    match future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(output) => output,
        Poll::Pending => RUNTIME.block_on(future),
    }
}

/// A warm `RegionKit::resolve_sections` of one backend section with a run restriction.
#[divan::bench]
fn warm_resolve_sections_1_backend(bencher: Bencher<'_, '_>) {
    let sections = sections(1);
    let options = ResolveOptions::default().with_run_regions("--region", vec!["US-EAST-*".into()]);
    let kit = warm_kit(&sections, &options);
    bencher.bench_local(|| now_or_block(kit.resolve_sections(&sections, &options)).len());
}

/// A warm `RegionKit::resolve_sections` of twelve sections, as a config with every backend.
#[divan::bench]
fn warm_resolve_sections_12_backends(bencher: Bencher<'_, '_>) {
    let sections = sections(12);
    let options = ResolveOptions::default().with_run_regions("--region", vec!["US-EAST-*".into()]);
    let kit = warm_kit(&sections, &options);
    bencher.bench_local(|| now_or_block(kit.resolve_sections(&sections, &options)).len());
}

/// Ten thousand concurrent warm callers on a two-thread runtime; divan's time is for all of
/// them, so throughput is 10,000 over it. Discoveries stay at one per account.
#[divan::bench(sample_count = 20, sample_size = 1)]
fn warm_10000_concurrent_callers(bencher: Bencher<'_, '_>) {
    let sections = Arc::new(sections(1));
    let options = ResolveOptions::default();
    let kit = warm_kit(&sections, &options);
    let before = DISCOVERIES.load(Ordering::Relaxed);
    bencher.bench_local(|| {
        RUNTIME.block_on(async {
            let mut tasks = tokio::task::JoinSet::new();
            for _ in 0..10_000 {
                let (kit, sections, options) = (kit.clone(), sections.clone(), options.clone());
                tasks.spawn(async move {
                    kit.resolve_sections(sections.as_slice(), &options)
                        .await
                        .len()
                });
            }
            let mut answered = 0;
            while let Some(joined) = tasks.join_next().await {
                answered += joined.unwrap_or(0);
            }
            answered
        })
    });
    let after = DISCOVERIES.load(Ordering::Relaxed);
    assert_eq!(
        after,
        before,
        "warm callers caused {} discoveries",
        after - before
    );
}
