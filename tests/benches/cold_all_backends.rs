//! A cold resolve of every linked backend at once against the bundled emulator, beside each
//! backend's own cold resolve: resolving all of them together should cost little more than
//! the slowest one alone, since they run concurrently (Azure's per-location refinement and
//! Lambda's one-request-per-second pacing included). Run with
//! `cargo bench -p regionkit-e2e --bench cold_all_backends`; `docs/performance.md` records
//! the figures.

#![allow(clippy::panic, reason = "set-up that fails must stop the benchmark")]

use std::sync::LazyLock;

use divan::Bencher;
use regionkit::{BackendConfig, ResolveOptions};
use regionkit_e2e::{emulator, kit, linked_backends, sections};

fn main() {
    divan::main();
}

struct Setup {
    runtime: tokio::runtime::Runtime,
    _emulator: regionkit::emulator::EmulatorHandle,
    sections: Vec<BackendConfig>,
}

static SETUP: LazyLock<Setup> = LazyLock::new(|| {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("no runtime: {e}"));
    let emulator = runtime.block_on(emulator());
    let sections = sections(&emulator);
    Setup {
        runtime,
        _emulator: emulator,
        sections,
    }
});

/// Resolve `sections` on a new kit (nothing cached) and check every one answered live.
fn cold(sections: &[BackendConfig]) -> usize {
    let reports = SETUP
        .runtime
        .block_on(kit().resolve_sections(sections, &ResolveOptions::default()));
    for report in &reports {
        let live = report
            .resolution
            .as_ref()
            .is_some_and(|r| r.source == regionkit::Source::Live);
        assert!(live, "{}: {:?}", report.backend, report.error);
    }
    reports.len()
}

#[divan::bench(sample_count = 5, sample_size = 1)]
fn every_backend_at_once(bencher: Bencher<'_, '_>) {
    bencher.bench(|| cold(&SETUP.sections));
}

#[divan::bench(args = linked_backends(), sample_count = 5, sample_size = 1)]
fn one_backend(bencher: Bencher<'_, '_>, backend: &str) {
    let section: Vec<BackendConfig> = SETUP
        .sections
        .iter()
        .filter(|s| s.backend() == backend)
        .cloned()
        .collect();
    bencher.bench(|| cold(&section));
}
