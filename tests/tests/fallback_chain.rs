//! The fallback chain and the deadline through real HTTP, for every linked backend:
//! snapshots written by live answers and used when the provider fails, `--offline` with and
//! without a config, `Retry-After` within the deadline, and a slow provider cut off at it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use regionkit::emulator::{Emulator, Fault, FaultKind};
use regionkit::{
    BackendConfig, BackendReport, CachePolicy, Error, ExclusionReason, FileSnapshotStore,
    PolicyScope, ProviderErrorKind, ResolveOptions, Source,
};
use regionkit_e2e::{emulator, fast_policy, kit, kit_with, linked_backends, sections};

fn kept(report: &BackendReport) -> Vec<String> {
    report
        .resolution
        .as_ref()
        .map(|r| r.regions.iter().map(|r| r.id.to_string()).collect())
        .unwrap_or_default()
}

fn by_backend(reports: Vec<BackendReport>) -> BTreeMap<String, BackendReport> {
    reports
        .into_iter()
        .map(|r| (r.backend.to_string(), r))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_provider_falls_back_to_the_snapshot_its_last_live_answer_left() {
    let backends = linked_backends();
    let emulator = emulator().await;
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(FileSnapshotStore::new(dir.path()));
    let options = ResolveOptions::default();

    let live = by_backend(
        kit()
            .with_snapshot_store(store.clone())
            .resolve_sections(sections(&emulator), &options)
            .await,
    );
    for backend in &backends {
        let report = &live[*backend];
        assert_eq!(
            report.resolution.as_ref().map(|r| r.source),
            Some(Source::Live),
            "{backend}: {:?}",
            report.error
        );
        assert!(
            dir.path().join(backend).is_dir(),
            "{backend}: no snapshot written"
        );
    }

    for backend in &backends {
        emulator.set_fault(Fault::always(*backend, FaultKind::Http500));
    }
    // A new kit: nothing in memory, so the answer must come from disk.
    let failed = by_backend(
        kit()
            .with_snapshot_store(store)
            .resolve_sections(sections(&emulator), &options)
            .await,
    );
    for backend in &backends {
        let report = &failed[*backend];
        let resolution = report
            .resolution
            .as_ref()
            .unwrap_or_else(|| panic!("{backend}: no fallback: {:?}", report.error));
        assert_eq!(resolution.source, Source::Snapshot, "{backend}");
        assert_eq!(
            resolution.live_error.as_ref().map(|e| e.kind),
            Some(ProviderErrorKind::Unavailable),
            "{backend}"
        );
        // A fallback answer is not refined (Azure's SKUs), and says so: the regions only a
        // refinement excluded live (`not-enabled`) are kept; the rest resolves the same.
        let unrefined = resolution
            .warnings
            .iter()
            .any(|w| w.contains("not checked more closely"));
        let live_resolution = live[*backend].resolution.as_ref().unwrap();
        let live_kept = kept(&live[*backend]);
        let snapshot_kept: Vec<String> = kept(report)
            .into_iter()
            .filter(|id| {
                !unrefined || live_resolution.exclusion_of(id) != Some(ExclusionReason::NotEnabled)
            })
            .collect();
        assert_eq!(
            snapshot_kept, live_kept,
            "{backend}: the snapshot resolves to what the live answer did"
        );
    }
}

/// Every string in a section that is long enough to be a credential.
fn long_strings(value: &serde_yaml::Value, out: &mut Vec<String>) {
    match value {
        serde_yaml::Value::String(s) if s.len() >= 16 => out.push(s.clone()),
        serde_yaml::Value::Sequence(items) => items.iter().for_each(|v| long_strings(v, out)),
        serde_yaml::Value::Mapping(map) => map.values().for_each(|v| long_strings(v, out)),
        _ => {}
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshot_files_and_their_names_never_hold_credentials() {
    let emulator = emulator().await;
    let dir = tempfile::tempdir().unwrap();
    kit()
        .with_snapshot_store(Arc::new(FileSnapshotStore::new(dir.path())))
        .resolve_sections(sections(&emulator), &ResolveOptions::default())
        .await;
    let config: serde_yaml::Value = serde_yaml::from_str(&emulator.native_config()).unwrap();
    let mut secrets = Vec::new();
    for section in config["backends"].as_sequence().unwrap() {
        if let serde_yaml::Value::Mapping(map) = section {
            for (key, value) in map {
                if key.as_str() != Some("endpoint") {
                    long_strings(value, &mut secrets);
                }
            }
        }
    }
    assert!(
        !secrets.is_empty(),
        "the emulator configs carry credentials"
    );
    let mut files = 0;
    for backend in std::fs::read_dir(dir.path()).unwrap() {
        for file in std::fs::read_dir(backend.unwrap().path()).unwrap() {
            let file = file.unwrap();
            let name = file.file_name().to_string_lossy().into_owned();
            let text = std::fs::read_to_string(file.path()).unwrap();
            for secret in &secrets {
                assert!(
                    !name.contains(secret.as_str()) && !text.contains(secret.as_str()),
                    "{name}"
                );
            }
            files += 1;
        }
    }
    assert_eq!(files, linked_backends().len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_without_a_config_answers_every_backend_from_its_snapshot() {
    let backends = linked_backends();
    let emulator = emulator().await;
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(FileSnapshotStore::new(dir.path()));
    kit()
        .with_snapshot_store(store.clone())
        .resolve_sections(sections(&emulator), &ResolveOptions::default())
        .await;
    drop(emulator);

    let bare: Vec<BackendConfig> = backends.iter().map(|b| BackendConfig::bare(b)).collect();
    let offline = kit()
        .with_snapshot_store(store)
        .resolve_sections(bare, &ResolveOptions::default().with_offline(true))
        .await;
    for report in &offline {
        assert_eq!(
            report.resolution.as_ref().map(|r| r.source),
            Some(Source::Snapshot),
            "{}: {:?}",
            report.backend,
            report.error
        );
    }
}

#[tokio::test]
async fn offline_without_a_config_or_snapshots_uses_the_builtin_lists_labelled() {
    let backends = linked_backends();
    let registry = regionkit::registry().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let bare: Vec<BackendConfig> = backends.iter().map(|b| BackendConfig::bare(b)).collect();
    let reports = kit()
        .with_snapshot_store(Arc::new(FileSnapshotStore::new(dir.path())))
        .resolve_sections(bare, &ResolveOptions::default().with_offline(true))
        .await;
    for report in &reports {
        let descriptor = registry.get(&report.backend).unwrap();
        if descriptor.policy.scope == PolicyScope::Cluster {
            assert!(
                matches!(&report.error, Some(Error::Provider(e)) if e.message.contains("offline")),
                "{}: {:?}",
                report.backend,
                report.error
            );
            continue;
        }
        let resolution = report
            .resolution
            .as_ref()
            .unwrap_or_else(|| panic!("{}: {:?}", report.backend, report.error));
        assert_eq!(resolution.source, Source::Builtin, "{}", report.backend);
        assert!(
            resolution.warnings.iter().any(|w| w.contains("offline")),
            "{}: {:?}",
            report.backend,
            resolution.warnings
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_provider_is_cut_off_at_the_deadline_while_the_others_answer() {
    let fast = emulator().await;
    let slow = Emulator::new()
        .latency(Duration::from_secs(30))
        .start()
        .await
        .unwrap();
    let mut all = sections(&fast);
    let fast_count = all.len();
    all.extend(sections(&slow));
    // The request timeout is longer than the deadline: only the deadline can cut it.
    let kit = kit_with(fast_policy().with_request_timeout(Duration::from_secs(60)))
        .with_cache_policy(CachePolicy::disabled());
    let options = ResolveOptions::default().with_deadline(Duration::from_secs(4));
    let reports =
        tokio::time::timeout(Duration::from_secs(25), kit.resolve_sections(all, &options))
            .await
            .expect("the resolve ends at its deadline, long before the slow answers");
    for report in &reports[..fast_count] {
        assert_eq!(
            report.resolution.as_ref().map(|r| r.source),
            Some(Source::Live),
            "{}: {:?}",
            report.backend,
            report.error
        );
    }
    for report in &reports[fast_count..] {
        let live_error = match (&report.resolution, &report.error) {
            (Some(resolution), _) => {
                assert_ne!(resolution.source, Source::Live, "{}", report.backend);
                resolution.live_error.clone()
            }
            (None, Some(Error::Provider(e))) => Some(e.clone()),
            (None, other) => panic!("{}: {other:?}", report.backend),
        };
        let live_error = live_error.unwrap();
        assert_eq!(
            live_error.kind,
            ProviderErrorKind::Unavailable,
            "{live_error}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_after_is_waited_out_when_it_fits_the_deadline() {
    let backends = linked_backends();
    let emulator = emulator().await;
    for backend in &backends {
        emulator.set_fault(Fault::times(
            *backend,
            FaultKind::Http429 {
                retry_after_secs: 1,
            },
            1,
        ));
    }
    let mut tasks = tokio::task::JoinSet::new();
    for section in sections(&emulator) {
        tasks.spawn(async move {
            let started = Instant::now();
            let report = kit()
                .resolve_sections(
                    vec![section],
                    &ResolveOptions::default().with_deadline(Duration::from_secs(30)),
                )
                .await
                .remove(0);
            (report, started.elapsed())
        });
    }
    while let Some(joined) = tasks.join_next().await {
        let (report, elapsed) = joined.unwrap();
        assert_eq!(
            report.resolution.as_ref().map(|r| r.source),
            Some(Source::Live),
            "{}: {:?}",
            report.backend,
            report.error
        );
        assert!(
            elapsed >= Duration::from_millis(900),
            "{}: answered after {elapsed:?}, before the 1 s Retry-After",
            report.backend
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_after_past_the_deadline_is_not_waited_for() {
    let backends = linked_backends();
    let emulator = emulator().await;
    for backend in &backends {
        emulator.set_fault(Fault::always(
            *backend,
            FaultKind::Http429 {
                retry_after_secs: 120,
            },
        ));
    }
    let options = ResolveOptions::default().with_deadline(Duration::from_secs(5));
    let reports = tokio::time::timeout(
        Duration::from_secs(60),
        kit().resolve_sections(sections(&emulator), &options),
    )
    .await
    .expect("nobody waits out a two-minute Retry-After past a five-second deadline");
    for report in &reports {
        let live_error = match (&report.resolution, &report.error) {
            (Some(resolution), _) => resolution.live_error.clone(),
            (None, Some(Error::Provider(e))) => Some(e.clone()),
            (None, other) => panic!("{}: {other:?}", report.backend),
        };
        let live_error = live_error.unwrap_or_else(|| panic!("{}: answered live", report.backend));
        assert_eq!(
            live_error.kind,
            ProviderErrorKind::RateLimited,
            "{live_error}"
        );
        assert_eq!(
            live_error.retry_after,
            Some(Duration::from_secs(120)),
            "{live_error}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_answer_with_no_usable_region_never_replaces_the_snapshot() {
    // TensorDock's empty listing is a normal state that leaves every known place
    // unavailable: a live answer, but nothing in it to fall back to later.
    let emulator = Emulator::new().only(["tensordock"]).start().await.unwrap();
    let section = sections(&emulator).remove(0);
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(FileSnapshotStore::new(dir.path()));
    let kit = kit().with_snapshot_store(store.clone());
    let key = regionkit::AccountKey::for_section("tensordock", &section);

    let first = kit
        .resolve_sections(std::slice::from_ref(&section), &ResolveOptions::default())
        .await
        .remove(0);
    assert_eq!(
        first.resolution.as_ref().map(|r| r.source),
        Some(Source::Live)
    );
    let saved = regionkit::SnapshotStore::load(store.as_ref(), &key)
        .unwrap()
        .expect("a live answer leaves a snapshot");

    emulator.set_fault(Fault::always("tensordock", FaultKind::Empty));
    let empty = kit
        .resolve_sections(
            std::slice::from_ref(&section),
            &ResolveOptions::default().with_refresh(true),
        )
        .await
        .remove(0);
    let resolution = empty.resolution.as_ref().expect("resolved");
    assert_eq!(resolution.source, Source::Live);
    assert!(resolution.regions.is_empty(), "{:?}", resolution.regions);
    let after = regionkit::SnapshotStore::load(store.as_ref(), &key)
        .unwrap()
        .expect("the snapshot is still there");
    assert_eq!(
        after.regions, saved.regions,
        "the last-known-good snapshot survives"
    );
    assert_eq!(after.fetched_at, saved.fetched_at);
}
