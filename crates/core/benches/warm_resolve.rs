//! How fast regionkit answers once warm: the resolver alone, and a full `RegionKit` resolve
//! served from the cache. Run with `cargo bench -p regionkit-core`; it prints time per
//! operation (median of several rounds) and needs no network.
//!
//! Numbers, not assertions: speed is read here, never asserted in timed tests.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use regionkit_core::{
    async_trait, resolve, BackendConfig, BackendDescriptor, CuratedList, DiscoveryContext,
    HttpPolicy, ProviderError, Region, RegionKit, RegionPolicy, RegionProvider, RegionStatus,
    Registry, ResolveInput, ResolveOptions, Restriction, Result, Source,
};

/// A provider with 60 regions that answers from memory and counts its discoveries.
#[derive(Debug)]
struct InMemory;

static DISCOVERIES: AtomicUsize = AtomicUsize::new(0);

fn regions() -> Vec<Region> {
    (0..60)
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
        Ok(regions())
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
);

/// Median time per operation over `rounds` rounds of `per_round` operations.
fn measure(name: &str, rounds: usize, per_round: usize, mut op: impl FnMut()) {
    let mut samples: Vec<Duration> = (0..rounds)
        .map(|_| {
            let started = Instant::now();
            for _ in 0..per_round {
                op();
            }
            started.elapsed() / per_round as u32
        })
        .collect();
    samples.sort();
    println!(
        "{name:<52} {:>10.2?} per op (median of {rounds} rounds)",
        samples[rounds / 2]
    );
}

fn main() {
    let live = regions();
    let backend_regions = Restriction::new("regions", vec!["us-*".into(), "eu-west-*".into()]);
    let run_regions = Restriction::new("run regions", vec!["US-EAST-*".into()]);
    measure(
        "resolve: 60 regions, backend + run globs",
        15,
        2_000,
        || {
            let resolution = resolve(ResolveInput {
                backend: "bench",
                policy: &BENCH.policy,
                settings: &Default::default(),
                regions: &live,
                source: Source::Live,
                fetched_at: SystemTime::now(),
                backend_regions: Some(&backend_regions),
                run_regions: Some(&run_regions),
            });
            std::hint::black_box(resolution.map(|r| r.regions.len()).unwrap_or(0));
        },
    );

    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("cannot start a runtime: {e}");
            return;
        }
    };
    let kit = match Registry::from_descriptors([&BENCH])
        .and_then(|registry| RegionKit::new(registry, HttpPolicy::default()))
    {
        Ok(kit) => kit,
        Err(e) => {
            eprintln!("cannot build the kit: {e}");
            return;
        }
    };
    let sections = vec![BackendConfig::bare("bench")];
    let options = ResolveOptions::default();
    runtime.block_on(async {
        // Warm the cache with one live discovery.
        kit.resolve_sections(sections.clone(), &options).await;
    });
    measure(
        "RegionKit::resolve_sections, warm cache, 1 backend",
        15,
        500,
        || {
            let reports = runtime.block_on(kit.resolve_sections(sections.clone(), &options));
            std::hint::black_box(reports.len());
        },
    );
    println!(
        "discoveries during the warm runs: {} (1 expected: every other answer came from the cache)",
        DISCOVERIES.load(Ordering::Relaxed)
    );
}
