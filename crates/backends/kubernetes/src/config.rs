//! The `kubernetes` section of the config, in dstack's shape.
//!
//! ```yaml
//! - type: kubernetes
//!   kubeconfig: { filename: ~/.kube/config }   # or { data: "<kubeconfig YAML>" }
//!   contexts: [gpu-east, { name: cpu-west }]     # optional; default the current context
//! ```
//!
//! Each context is one cluster and its name is the region id. `endpoint`, when set, replaces
//! the scheme, host and port of every context's server URL and keeps its path, so that one
//! proxy (or the emulator) can stand for every cluster. dstack's `proxy_jump`, `namespace` and
//! `networking` are accepted and not read.

use std::path::PathBuf;

use regionkit_core::{BackendConfig, Endpoint, Error, Result};
use serde::Deserialize;

use crate::credential::Kubeconfig;
use crate::BACKEND;

/// What the Kubernetes backend reads from its section.
#[derive(Clone, Debug)]
pub struct KubernetesConfig {
    /// The kubeconfig, parsed; secrets inside stay redacted in `Debug`.
    pub kubeconfig: Kubeconfig,
    /// The contexts to list, in config order; each is one region.
    pub contexts: Vec<String>,
    /// Replaces the scheme, host and port of every context's server when set.
    pub endpoint: Option<Endpoint>,
}

#[derive(Deserialize)]
struct Section {
    kubeconfig: Option<KubeconfigSource>,
    #[serde(default)]
    contexts: Option<Vec<ContextEntry>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KubeconfigSource {
    filename: Option<String>,
    data: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum ContextEntry {
    Name(String),
    Named {
        name: String,
        #[serde(default, rename = "proxy_jump")]
        _proxy_jump: Option<serde_yaml::Value>,
    },
}

impl ContextEntry {
    fn name(&self) -> &str {
        match self {
            Self::Name(name) | Self::Named { name, .. } => name,
        }
    }
}

fn config_error(section: &BackendConfig, field: &str, message: impl std::fmt::Display) -> Error {
    let error = Error::backend_config(BACKEND, field, message);
    match section.file() {
        Some(file) => error.in_file(file),
        None => error,
    }
}

fn expand_home(path: &str) -> PathBuf {
    match path.strip_prefix("~/") {
        Some(rest) => match std::env::var_os("HOME") {
            Some(home) => PathBuf::from(home).join(rest),
            None => PathBuf::from(path),
        },
        None => PathBuf::from(path),
    }
}

impl KubernetesConfig {
    pub fn from_section(section: &BackendConfig) -> Result<Self> {
        let parsed: Section = section.parse(BACKEND)?;
        let source = parsed.kubeconfig.ok_or_else(|| {
            config_error(
                section,
                "kubeconfig",
                "missing; add `kubeconfig: {filename: ~/.kube/config}` or `kubeconfig: {data: <kubeconfig YAML>}`",
            )
        })?;
        let (text, field) =
            match (source.filename, source.data) {
                (Some(_), Some(_)) => {
                    return Err(config_error(
                        section,
                        "kubeconfig",
                        "give either `filename` or `data`, not both",
                    ))
                }
                (None, None) => return Err(config_error(
                    section,
                    "kubeconfig",
                    "empty; add `filename: <path of a kubeconfig>` or `data: <kubeconfig YAML>`",
                )),
                (Some(filename), None) => {
                    let path = expand_home(&filename);
                    let text = regionkit_core::files::read_text_capped(
                        &path,
                        regionkit_core::files::MAX_CONFIG_BYTES,
                    )
                    .map_err(|e| {
                        config_error(
                            section,
                            "kubeconfig.filename",
                            format!(
                                "cannot read {}: {e}; point it at a readable kubeconfig",
                                path.display()
                            ),
                        )
                    })?;
                    (text, "kubeconfig.filename")
                }
                (None, Some(data)) => (data, "kubeconfig.data"),
            };
        let kubeconfig =
            Kubeconfig::parse(&text).map_err(|message| config_error(section, field, message))?;
        let contexts = match parsed.contexts {
            Some(entries) if entries.is_empty() => {
                return Err(config_error(
                    section,
                    "contexts",
                    "is empty; list the kubeconfig contexts to use, or leave `contexts` out for the current context",
                ))
            }
            Some(entries) => entries.iter().map(|e| e.name().to_owned()).collect(),
            None => match kubeconfig.current_context() {
                Some(current) => vec![current.to_owned()],
                None => {
                    return Err(config_error(
                        section,
                        "contexts",
                        "missing and the kubeconfig has no `current-context`; list the contexts to use",
                    ))
                }
            },
        };
        for name in &contexts {
            if !kubeconfig.has_context(name) {
                return Err(config_error(
                    section,
                    "contexts",
                    format!(
                        "context `{name}` is not in the kubeconfig; its contexts are: {}",
                        kubeconfig.context_names().join(", ")
                    ),
                ));
            }
        }
        let endpoint = match section.endpoint() {
            Some(_) => Some(section.endpoint_or(BACKEND, "https://kubernetes.invalid")?),
            None => None,
        };
        Ok(Self {
            kubeconfig,
            contexts,
            endpoint,
        })
    }
}
