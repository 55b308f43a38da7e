//! Single-flight through real HTTP: ten thousand concurrent resolves of every linked backend
//! on a cold cache cause exactly one discovery per backend at the emulator.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use regionkit::{ResolveOptions, Source};
use regionkit_e2e::{emulator, fast_policy, kit_with, linked_backends, sections};

const RESOLVES: usize = 10_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_concurrent_resolves_on_a_cold_cache_discover_once_per_backend() {
    let backends = linked_backends();
    let emulator = emulator().await;
    let sections = sections(&emulator);
    // Generous: the one discovery runs while ten thousand tasks compete for two cores.
    let policy = fast_policy().with_request_timeout(Duration::from_secs(120));
    let options = ResolveOptions::default().with_deadline(Duration::from_secs(300));

    // What one discovery of each backend costs in requests, measured on a separate kit.
    let reports = kit_with(policy.clone())
        .resolve_sections(sections.clone(), &options)
        .await;
    for report in &reports {
        assert_eq!(
            report.resolution.as_ref().map(|r| r.source),
            Some(Source::Live),
            "{}: {:?}",
            report.backend,
            report.error
        );
    }
    let per_discovery: BTreeMap<&str, u64> = backends
        .iter()
        .map(|b| (*b, emulator.request_count(b)))
        .collect();
    assert!(per_discovery.values().all(|n| *n > 0), "{per_discovery:?}");
    emulator.reset_counts();

    let kit = kit_with(policy);
    let sections = Arc::new(sections);
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..RESOLVES {
        let (kit, sections, options) = (kit.clone(), Arc::clone(&sections), options.clone());
        tasks.spawn(async move {
            let reports = kit
                .resolve_sections(sections.as_ref().clone(), &options)
                .await;
            let mut sources = Vec::with_capacity(reports.len());
            for report in reports {
                match (report.resolution, report.error) {
                    (Some(resolution), None) => sources.push(resolution.source),
                    (_, error) => return Err(format!("{}: {error:?}", report.backend)),
                }
            }
            Ok(sources)
        });
    }
    let mut live = 0usize;
    let mut cached = 0usize;
    while let Some(joined) = tasks.join_next().await {
        for source in joined
            .unwrap()
            .unwrap_or_else(|e| panic!("a resolve failed: {e}"))
        {
            match source {
                Source::Live => live += 1,
                Source::Cache => cached += 1,
                other => panic!("a resolve answered from {other}"),
            }
        }
    }
    assert_eq!(live + cached, RESOLVES * backends.len());

    let counted: BTreeMap<&str, u64> = backends
        .iter()
        .map(|b| (*b, emulator.request_count(b)))
        .collect();
    assert_eq!(
        counted, per_discovery,
        "requests after {RESOLVES} concurrent resolves vs one discovery"
    );
    println!(
        "{RESOLVES} resolves × {} backends: {live} joined the one live discovery, {cached} from the cache",
        backends.len()
    );
}

/// Builds Verda's provider as its descriptor does, counting each build.
fn counted_build(
    section: &regionkit::BackendConfig,
) -> regionkit::Result<Arc<dyn regionkit::RegionProvider>> {
    BUILDS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    (regionkit::datacrunch::DESCRIPTOR.build)(section)
}

static BUILDS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_account_builds_its_provider_once_and_exchanges_its_token_once() {
    let mut descriptor = regionkit::datacrunch::DESCRIPTOR;
    descriptor.build = counted_build;
    let descriptor: &'static regionkit::BackendDescriptor = Box::leak(Box::new(descriptor));
    let registry = regionkit::Registry::from_descriptors([descriptor]).unwrap();
    let kit = regionkit::RegionKit::new(registry, fast_policy()).unwrap();
    let emulator = emulator().await;
    let section: Vec<_> = sections(&emulator)
        .into_iter()
        .filter(|s| s.backend() == "datacrunch")
        .collect();
    assert_eq!(section.len(), 1);

    // Every resolve goes to the provider: `refresh` skips the cached answers.
    let options = ResolveOptions::default().with_refresh(true);
    for _ in 0..3 {
        let report = kit.resolve_sections(&section, &options).await.remove(0);
        assert_eq!(
            report.resolution.as_ref().map(|r| r.source),
            Some(Source::Live),
            "{:?}",
            report.error
        );
    }
    assert_eq!(
        emulator.path_count("datacrunch", "GET /locations"),
        3,
        "three live discoveries"
    );
    assert_eq!(
        BUILDS.load(std::sync::atomic::Ordering::SeqCst),
        1,
        "the provider is built once per account and kept"
    );
    assert_eq!(
        emulator.path_count("datacrunch", "POST /oauth2/token"),
        1,
        "the token is exchanged once and reused"
    );

    // A warm call answers from the finished answer: nothing is built or asked.
    let warm = kit
        .resolve_sections(&section, &ResolveOptions::default())
        .await
        .remove(0);
    assert_eq!(warm.resolution.map(|r| r.source), Some(Source::Cache));
    assert_eq!(emulator.path_count("datacrunch", "GET /locations"), 3);
    assert_eq!(BUILDS.load(std::sync::atomic::Ordering::SeqCst), 1);
}
