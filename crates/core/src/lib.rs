//! regionkit-core: the provider contract, region policy, resolver and shared HTTP policy.
//!
//! The flow for one backend is discover → policy → restrict → explain:
//! a backend crate's [`RegionProvider`] discovers the provider's regions through the shared
//! [`HttpClient`]; [`resolve()`] applies the backend's [`RegionPolicy`], its per-region settings
//! and the user's `regions`, and returns a [`Resolution`] that keeps some regions and gives
//! every other one an [`ExclusionReason`]. [`RegionKit`] runs that for many backends at once
//! under one deadline, with a per-account [`RegionCache`] (single-flight, stale answers,
//! negative caching), last-known-good snapshots in a [`SnapshotStore`], and the labelled
//! fallback chain (cache → snapshot → builtin) when a provider fails.

pub mod cache;
pub mod config;
pub mod credential;
pub mod engine;
pub mod error;
pub mod files;
pub mod geo;
pub mod grpc;
pub mod http;
pub mod model;
pub mod pacing;
pub mod policy;
pub mod provider;
pub mod registry;
pub mod report;
pub mod resolve;
pub mod retry;
pub mod secret;
pub mod snapshot;
pub mod token;

pub use async_trait::async_trait;
pub use inventory;

pub use cache::{AccountKey, CachePolicy, RegionCache};
pub use config::{BackendConfig, Config, Endpoint, RunConfig};
pub use credential::{required_creds, ApiKeyCredentials, CredentialType, CredsHelp};
pub use engine::{BackendReport, RegionKit, ResolveOptions};
pub use error::{ConfigLocation, Error, ProviderError, ProviderErrorKind, Result};
pub use http::{HttpClient, HttpPolicy, HttpResponse};
pub use model::{Location, Region, RegionId, RegionStatus};
pub use pacing::Pacer;
pub use policy::{CuratedList, ExclusionReason, PolicyKind, PolicyScope, RegionPolicy};
pub use provider::{DiscoveryContext, ProviderSettings, Refined, RegionConfig, RegionProvider};
pub use registry::{BackendDescriptor, BackendRegistration, BackendTuning, Registry};
pub use report::{ErrorReport, Report};
pub use resolve::{resolve, Exclusion, Resolution, ResolveInput, Restriction, Source};
pub use retry::with_retries;
pub use secret::Secret;
pub use snapshot::{
    FileSnapshotStore, MemorySnapshotStore, Snapshot, SnapshotError, SnapshotStore,
};
pub use token::{IssuedToken, TokenCache};
