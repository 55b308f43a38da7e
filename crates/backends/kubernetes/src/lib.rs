//! regionkit-kubernetes: Kubernetes clusters as regions, live.
//!
//! As in dstack, each kubeconfig context is one cluster and its name is the region id, so
//! dstack configs and run configs keep their meaning. Discovery lists every context's nodes
//! (`GET /api/v1/nodes`, paged by `limit` and `continue`) concurrently; the nodes' topology
//! labels give the cluster's cloud region (as the location) and zones, and Ready nodes with
//! allocatable GPUs make it `available`. Policy: cluster, no builtin list.
//!
//! ```yaml
//! backends:
//!   - type: kubernetes
//!     kubeconfig: { filename: ~/.kube/config }
//!     contexts: [gpu-east, cpu-west]   # optional: default the current context
//!     regions: ["gpu-*"]               # optional, context names
//! ```
//!
//! The client is `reqwest` on rustls with ring (core's builder plus the context's CA and
//! client certificate), not the `kube` crate: requests then run under core's retry policy
//! like every other backend's, and no exec plugin can run. Production servers are `https`;
//! a plain-http server is for the loopback emulator.

pub mod client;
pub mod config;
pub mod credential;
#[cfg(feature = "emulator")]
pub mod emulator;
pub mod generated;
pub mod provider;

use std::sync::Arc;

use regionkit_core::{
    BackendConfig, BackendDescriptor, BackendRegistration, Error, RegionProvider, Result,
};

pub use config::KubernetesConfig;
pub use credential::{ClusterAccess, Kubeconfig};
pub use provider::KubernetesProvider;

/// The backend id, as configs name it.
pub const BACKEND: &str = generated::ID;

/// What core needs to know about this backend; the lists come from `generated.rs`.
pub static DESCRIPTOR: BackendDescriptor = generated::descriptor(build);

fn build(section: &BackendConfig) -> Result<Arc<dyn RegionProvider>> {
    let config = KubernetesConfig::from_section(section)?;
    let provider = KubernetesProvider::new(config).map_err(|message| {
        let error = Error::backend_config(BACKEND, "kubeconfig", message);
        match section.file() {
            Some(file) => error.in_file(file),
            None => error,
        }
    })?;
    Ok(Arc::new(provider))
}

inventory::submit! { BackendRegistration::new(&DESCRIPTOR) }
