//! Kubernetes credentials: whatever each context's user holds in the kubeconfig.
//!
//! A context names a cluster (`server`, `certificate-authority[-data]`,
//! `insecure-skip-tls-verify`) and a user (`token`, `client-certificate[-data]` with
//! `client-key[-data]`). `exec` and `auth-provider` plugins run programs or cloud SDK logins
//! that regionkit does not run; a context that needs one is refused, naming the context.
//! Tokens and keys are kept in [`Secret`] and never appear in `Debug` output or errors.

use std::collections::BTreeMap;
use std::fmt;

use base64::Engine as _;
use regionkit_core::Secret;
use serde::Deserialize;

/// A parsed kubeconfig: contexts, clusters and users by name.
#[derive(Clone)]
pub struct Kubeconfig {
    current_context: Option<String>,
    contexts: BTreeMap<String, RawContext>,
    clusters: BTreeMap<String, RawCluster>,
    users: BTreeMap<String, RawUser>,
}

impl fmt::Debug for Kubeconfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Kubeconfig")
            .field("current_context", &self.current_context)
            .field("contexts", &self.contexts.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct RawKubeconfig {
    #[serde(default, rename = "current-context")]
    current_context: Option<String>,
    #[serde(default)]
    contexts: Vec<Named<RawContext>>,
    #[serde(default)]
    clusters: Vec<Named<RawCluster>>,
    #[serde(default)]
    users: Vec<Named<RawUser>>,
}

#[derive(Deserialize)]
struct Named<T> {
    name: String,
    #[serde(alias = "context", alias = "cluster", alias = "user")]
    value: Option<T>,
}

#[derive(Clone, Deserialize)]
struct RawContext {
    cluster: String,
    #[serde(default)]
    user: Option<String>,
}

#[derive(Clone, Deserialize)]
struct RawCluster {
    server: String,
    #[serde(default, rename = "certificate-authority")]
    certificate_authority: Option<String>,
    #[serde(default, rename = "certificate-authority-data")]
    certificate_authority_data: Option<String>,
    #[serde(default, rename = "insecure-skip-tls-verify")]
    insecure_skip_tls_verify: bool,
}

#[derive(Clone, Default, Deserialize)]
struct RawUser {
    #[serde(default)]
    token: Option<Secret>,
    #[serde(default, rename = "client-certificate")]
    client_certificate: Option<String>,
    #[serde(default, rename = "client-certificate-data")]
    client_certificate_data: Option<Secret>,
    #[serde(default, rename = "client-key")]
    client_key: Option<String>,
    #[serde(default, rename = "client-key-data")]
    client_key_data: Option<Secret>,
    #[serde(default)]
    exec: Option<serde_yaml::Value>,
    #[serde(default, rename = "auth-provider")]
    auth_provider: Option<serde_yaml::Value>,
}

/// How to reach and authenticate to one context's cluster.
#[derive(Clone)]
pub struct ClusterAccess {
    /// The context name: the region id.
    pub context: String,
    /// The API server's base URL.
    pub server: String,
    /// The cluster's CA certificate, PEM.
    pub ca_pem: Option<Vec<u8>>,
    /// Client certificate and key, PEM, concatenated as `reqwest::Identity` takes them.
    pub identity_pem: Option<Secret>,
    /// A bearer token.
    pub token: Option<Secret>,
    /// `insecure-skip-tls-verify: true`: honoured, with a warning at every discovery.
    pub insecure: bool,
}

impl fmt::Debug for ClusterAccess {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClusterAccess")
            .field("context", &self.context)
            .field("server", &self.server)
            .field("ca", &self.ca_pem.is_some())
            .field("client_certificate", &self.identity_pem.is_some())
            .field("token", &self.token.is_some())
            .field("insecure", &self.insecure)
            .finish()
    }
}

fn decode(field: &str, value: &str) -> Result<Vec<u8>, String> {
    base64::engine::general_purpose::STANDARD
        .decode(value.trim())
        .map_err(|e| format!("`{field}` is not base64 ({e})"))
}

fn read_file(field: &str, path: &str) -> Result<Vec<u8>, String> {
    regionkit_core::files::read_capped(
        std::path::Path::new(path),
        regionkit_core::files::MAX_KEY_FILE_BYTES,
    )
    .map_err(|e| format!("cannot read `{field}` {path}: {e}"))
}

fn by_name<T>(list: Vec<Named<T>>) -> BTreeMap<String, T> {
    list.into_iter()
        .filter_map(|n| n.value.map(|v| (n.name, v)))
        .collect()
}

impl Kubeconfig {
    /// Parses kubeconfig YAML; the error says what is wrong without quoting values.
    pub fn parse(text: &str) -> Result<Self, String> {
        let raw: RawKubeconfig = serde_yaml::from_str(text).map_err(|e| {
            format!("is not a kubeconfig ({e}); give a file `kubectl config view --raw` accepts")
        })?;
        Ok(Self {
            current_context: raw.current_context.filter(|c| !c.is_empty()),
            contexts: by_name(raw.contexts),
            clusters: by_name(raw.clusters),
            users: by_name(raw.users),
        })
    }

    pub fn current_context(&self) -> Option<&str> {
        self.current_context.as_deref()
    }

    pub fn has_context(&self, name: &str) -> bool {
        self.contexts.contains_key(name)
    }

    pub fn context_names(&self) -> Vec<&str> {
        self.contexts.keys().map(String::as_str).collect()
    }

    /// The server, CA and credentials of context `name`. Errors name the context and what to
    /// change; they never hold a secret.
    pub fn access(&self, name: &str) -> Result<ClusterAccess, String> {
        let context = self
            .contexts
            .get(name)
            .ok_or_else(|| format!("context `{name}` is not in the kubeconfig"))?;
        let cluster = self.clusters.get(&context.cluster).ok_or_else(|| {
            format!(
                "context `{name}` names cluster `{}`, which the kubeconfig does not define",
                context.cluster
            )
        })?;
        let user = match &context.user {
            Some(user) => self.users.get(user).cloned().ok_or_else(|| {
                format!(
                    "context `{name}` names user `{user}`, which the kubeconfig does not define"
                )
            })?,
            None => RawUser::default(),
        };
        if user.exec.is_some() || user.auth_provider.is_some() {
            return Err(format!(
                "context `{name}` authenticates through an exec or auth-provider plugin, which regionkit does not run; give its user a `token` or a client certificate and key instead"
            ));
        }
        let ca_pem = match (
            &cluster.certificate_authority_data,
            &cluster.certificate_authority,
        ) {
            (Some(data), _) => Some(
                decode("certificate-authority-data", data)
                    .map_err(|e| format!("context `{name}`: {e}"))?,
            ),
            (None, Some(path)) => Some(
                read_file("certificate-authority", path)
                    .map_err(|e| format!("context `{name}`: {e}"))?,
            ),
            (None, None) => None,
        };
        let cert = match (&user.client_certificate_data, &user.client_certificate) {
            (Some(data), _) => Some(decode("client-certificate-data", data.expose())),
            (None, Some(path)) => Some(read_file("client-certificate", path)),
            (None, None) => None,
        }
        .transpose()
        .map_err(|e| format!("context `{name}`: {e}"))?;
        let key = match (&user.client_key_data, &user.client_key) {
            (Some(data), _) => Some(decode("client-key-data", data.expose())),
            (None, Some(path)) => Some(read_file("client-key", path)),
            (None, None) => None,
        }
        .transpose()
        .map_err(|e| format!("context `{name}`: {e}"))?;
        let identity_pem = match (cert, key) {
            (Some(mut cert), Some(key)) => {
                cert.push(b'\n');
                cert.extend_from_slice(&key);
                Some(Secret::new(String::from_utf8(cert).map_err(|_| {
                    format!("context `{name}`: the client certificate and key are not PEM text")
                })?))
            }
            (None, None) => None,
            _ => {
                return Err(format!(
                    "context `{name}`: a client certificate needs its key and a key its certificate; give both"
                ))
            }
        };
        // Checked here so that a bad certificate is a config error when the section is read,
        // not a failure at every discovery.
        if let Some(ca) = &ca_pem {
            let certs = reqwest::Certificate::from_pem_bundle(ca).unwrap_or_default();
            if certs.is_empty() {
                return Err(format!(
                    "context `{name}`: the certificate authority is not a PEM certificate; give `certificate-authority-data` as base64 of the PEM file"
                ));
            }
        }
        if let Some(pem) = &identity_pem {
            reqwest::Identity::from_pem(pem.expose().as_bytes()).map_err(|_| {
                format!(
                    "context `{name}`: the client certificate and key are not a PEM certificate and private key"
                )
            })?;
        }
        Ok(ClusterAccess {
            context: name.to_owned(),
            server: cluster.server.clone(),
            ca_pem,
            identity_pem,
            token: user.token.filter(|t| !t.is_empty()),
            insecure: cluster.insecure_skip_tls_verify,
        })
    }
}
