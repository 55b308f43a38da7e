//! regionkit: which regions of each cloud backend may an orchestrator provision in right now,
//! and why is every other region left out.
//!
//! This facade re-exports [`regionkit_core`] and links the backends enabled by Cargo
//! features, one per backend (`lambda`, `aws`, ...) or `full` for all; none by default.
//!
//! ```no_run
//! # async fn run() -> regionkit::Result<()> {
//! let kit = regionkit::RegionKit::new(regionkit::registry()?, regionkit::HttpPolicy::default())?;
//! let config = regionkit::Config::from_file("regionkit.yml".as_ref(), None)?;
//! for report in kit.resolve_all(&config, &regionkit::ResolveOptions::default()).await {
//!     if let Some(resolution) = &report.resolution {
//!         println!("{}: {:?}", report.backend, resolution.regions.iter().map(|r| r.id.as_str()).collect::<Vec<_>>());
//!     }
//! }
//! # Ok(())
//! # }
//! ```

mod linked;

pub use linked::*;
pub use regionkit_core::*;

#[cfg(feature = "emulator")]
pub use regionkit_emulator as emulator;

/// Every backend linked into this program, collected at link time.
///
/// The enabled backends' descriptors are referenced first so their crates are linked even
/// when nothing else in the program names them.
pub fn registry() -> Result<Registry> {
    std::hint::black_box(descriptors());
    Registry::linked()
}

/// The README's examples, compiled as doc tests so they stay true to the API.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeExamples;
