//! Shared set-up for the workspace-level end-to-end tests: every linked backend, its
//! emulator, and kits with a fast HTTP policy.
//!
//! The tests iterate over what is linked (`regionkit::registry()` and the emulator's
//! registrations), never over a hand-written list, so a backend that lands is covered by the
//! fault matrix, the concurrency test and the property tests without edits here.

use std::time::Duration;

use regionkit::emulator::{Emulator, EmulatorHandle};
use regionkit::{BackendConfig, HttpPolicy, RegionKit};
pub use regionkit_testkit::sections_from_yaml;

/// Retries and timeouts short enough for tests, long enough for a loaded 2-core machine.
pub fn fast_policy() -> HttpPolicy {
    HttpPolicy::default()
        .with_request_timeout(Duration::from_secs(5))
        .with_backoff(Duration::from_millis(5), Duration::from_millis(40))
}

/// The ids of every linked backend, after checking each has an emulator to test against.
///
/// # Panics
/// When the registry is inconsistent or a backend links no emulator: such a backend could
/// not be tested through HTTP, which the end-to-end suite exists to do.
#[allow(clippy::panic)]
pub fn linked_backends() -> Vec<&'static str> {
    let registry = match regionkit::registry() {
        Ok(registry) => registry,
        Err(e) => panic!("the link-time registry is inconsistent: {e}"),
    };
    let ids: Vec<&'static str> = registry.ids().collect();
    let emulated = Emulator::linked();
    let missing: Vec<_> = ids.iter().filter(|id| !emulated.contains(id)).collect();
    assert!(
        missing.is_empty(),
        "linked backends without an emulator: {missing:?}"
    );
    assert!(!ids.is_empty(), "no backend is linked");
    ids
}

/// An emulator hosting every linked backend.
///
/// # Panics
/// When it cannot start.
#[allow(clippy::panic)]
pub async fn emulator() -> EmulatorHandle {
    match Emulator::new().start().await {
        Ok(handle) => handle,
        Err(e) => panic!("the emulator does not start: {e}"),
    }
}

/// One config section per backend hosted by `emulator`, in backend order.
pub fn sections(emulator: &EmulatorHandle) -> Vec<BackendConfig> {
    sections_from_yaml(&emulator.native_config())
}

/// A kit over every linked backend with [`fast_policy`].
///
/// # Panics
/// When the registry or the HTTP client cannot be built.
#[allow(clippy::panic)]
pub fn kit_with(policy: HttpPolicy) -> RegionKit {
    let registry = match regionkit::registry() {
        Ok(registry) => registry,
        Err(e) => panic!("the link-time registry is inconsistent: {e}"),
    };
    match RegionKit::new(registry, policy) {
        Ok(kit) => kit,
        Err(e) => panic!("the kit does not build: {e}"),
    }
}

/// A kit over every linked backend with [`fast_policy`].
pub fn kit() -> RegionKit {
    kit_with(fast_policy())
}

/// The snapshots the crash-safety test's child writes and its parent checks.
pub mod crash {
    use std::time::SystemTime;

    use regionkit::{AccountKey, Region, Snapshot};

    /// Regions per snapshot: enough that one write takes a while and kills land inside writes.
    pub const REGIONS: usize = 2000;

    /// The one account the child writes.
    pub fn key() -> AccountKey {
        AccountKey::new("crash-test", "account")
    }

    /// A complete snapshot of one generation: every region id carries the generation.
    pub fn snapshot_of_generation(generation: u64, fetched_at: SystemTime) -> Snapshot {
        let regions = (0..REGIONS)
            .map(|i| {
                Region::new(format!("gen-{generation}-region-{i:04}")).with_display_name(format!(
                    "Region {i} of generation {generation}, written to be killed mid-write"
                ))
            })
            .collect();
        Snapshot::new(&key(), fetched_at, regions)
    }

    /// The generation of a complete snapshot, or `None` if it is torn or mixed.
    pub fn generation_of(snapshot: &Snapshot) -> Option<u64> {
        let first = snapshot.regions.first()?.id.as_str();
        let generation: u64 = first
            .strip_prefix("gen-")?
            .split('-')
            .next()?
            .parse()
            .ok()?;
        let complete = snapshot.regions.len() == REGIONS
            && snapshot
                .regions
                .iter()
                .enumerate()
                .all(|(i, r)| r.id.as_str() == format!("gen-{generation}-region-{i:04}"));
        complete.then_some(generation)
    }
}
