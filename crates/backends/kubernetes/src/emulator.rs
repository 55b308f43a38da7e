//! An emulator of Kubernetes API servers, for tests and `regionkit demo`.
//!
//! Each emulated cluster lives below `/clusters/<context>` on the emulator's host and answers
//! `GET /api/v1/nodes?limit=N[&continue=T]` with a `NodeList`, errors as `Status` objects. The
//! generated kubeconfig ([`kubeconfig`]) has one context per cluster; its servers are plain
//! http on loopback, which is for the emulator only: a production API server is `https`.
//!
//! - `gpu-east`: an EKS-like cluster (`us-east-1`, zones `us-east-1a` and `us-east-1b`), five
//!   nodes over three pages, two of them Ready with allocatable `nvidia.com/gpu`.
//! - `cpu-west`: a GKE-like cluster labelled only with the deprecated
//!   `failure-domain.beta.kubernetes.io/*` labels (`us-central1`), Ready, no GPUs.
//! - `rbac-denied`: answers 403 `Forbidden`, as a service account without `list` on `nodes`.
//! - `cold-north`: an AKS-like cluster (`swedencentral`) whose only node is not Ready.
//! - `churn`: a labelless cluster (bare metal) whose first continue token has expired (410).

use std::sync::atomic::{AtomicBool, Ordering};

use regionkit_emulator::{EmuRequest, EmuResponse, EmulatedApi};
use serde_json::{json, Value};

/// The bearer token every emulated cluster accepts.
pub const EMULATOR_TOKEN: &str = "emulator-kubernetes-token-0123456789abcdef";

/// The most nodes the emulator puts on one page, small so that discovery pages.
pub const MAX_PAGE_SIZE: usize = 2;

/// Every emulated cluster, by context name.
pub const CLUSTERS: &[&str] = &["gpu-east", "cpu-west", "rbac-denied", "cold-north", "churn"];

/// The contexts the emulator's config section lists (`regionkit demo`, the conformance suite).
pub const DEFAULT_CONTEXTS: &[&str] = &["gpu-east", "cpu-west", "rbac-denied"];

/// One node: labels (region, zone; GA or beta), Ready, allocatable GPUs.
struct EmuNode {
    name: &'static str,
    region: Option<(&'static str, &'static str)>,
    zone: Option<(&'static str, &'static str)>,
    ready: bool,
    gpus: Option<(&'static str, &'static str)>,
}

const GA_REGION: &str = "topology.kubernetes.io/region";
const GA_ZONE: &str = "topology.kubernetes.io/zone";
const BETA_REGION: &str = "failure-domain.beta.kubernetes.io/region";
const BETA_ZONE: &str = "failure-domain.beta.kubernetes.io/zone";

const GPU_EAST: &[EmuNode] = &[
    EmuNode {
        name: "ip-10-0-1-23.ec2.internal",
        region: Some((GA_REGION, "us-east-1")),
        zone: Some((GA_ZONE, "us-east-1a")),
        ready: true,
        gpus: Some(("nvidia.com/gpu", "8")),
    },
    EmuNode {
        name: "ip-10-0-1-24.ec2.internal",
        region: Some((GA_REGION, "us-east-1")),
        zone: Some((GA_ZONE, "us-east-1a")),
        ready: true,
        gpus: None,
    },
    EmuNode {
        name: "ip-10-0-2-11.ec2.internal",
        region: Some((GA_REGION, "us-east-1")),
        zone: Some((GA_ZONE, "us-east-1b")),
        ready: false,
        gpus: Some(("nvidia.com/gpu", "8")),
    },
    EmuNode {
        name: "ip-10-0-2-12.ec2.internal",
        region: Some((GA_REGION, "us-east-1")),
        zone: Some((GA_ZONE, "us-east-1b")),
        ready: true,
        gpus: Some(("nvidia.com/gpu", "4")),
    },
    EmuNode {
        name: "ip-10-0-2-13.ec2.internal",
        region: Some((GA_REGION, "us-east-1")),
        zone: Some((GA_ZONE, "us-east-1b")),
        ready: true,
        gpus: None,
    },
];

const CPU_WEST: &[EmuNode] = &[
    EmuNode {
        name: "gke-pool-a-1234",
        region: Some((BETA_REGION, "us-central1")),
        zone: Some((BETA_ZONE, "us-central1-a")),
        ready: true,
        gpus: None,
    },
    EmuNode {
        name: "gke-pool-a-5678",
        region: Some((BETA_REGION, "us-central1")),
        zone: Some((BETA_ZONE, "us-central1-b")),
        ready: true,
        gpus: Some(("nvidia.com/gpu", "0")),
    },
];

const COLD_NORTH: &[EmuNode] = &[EmuNode {
    name: "aks-nodepool1-0",
    region: Some((GA_REGION, "swedencentral")),
    zone: Some((GA_ZONE, "swedencentral-1")),
    ready: false,
    gpus: Some(("nvidia.com/gpu", "1")),
}];

const CHURN: &[EmuNode] = &[
    EmuNode {
        name: "metal-01",
        region: None,
        zone: None,
        ready: true,
        gpus: Some(("amd.com/gpu", "8")),
    },
    EmuNode {
        name: "metal-02",
        region: None,
        zone: None,
        ready: true,
        gpus: None,
    },
    EmuNode {
        name: "metal-03",
        region: None,
        zone: None,
        ready: true,
        gpus: None,
    },
];

/// The emulated API servers. `churn`'s first continue token is answered with 410 once.
#[derive(Debug, Default)]
pub struct KubernetesEmulator {
    churn_expired: AtomicBool,
}

/// A Kubernetes `Status` error body.
fn status(code: u16, reason: &str, message: &str) -> EmuResponse {
    EmuResponse::json(
        code,
        &json!({
            "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": message, "reason": reason, "details": { "kind": "nodes" }, "code": code
        }),
    )
}

fn node(n: &EmuNode) -> Value {
    let mut labels = serde_json::Map::new();
    labels.insert("kubernetes.io/hostname".into(), n.name.into());
    for (key, value) in [n.region, n.zone].into_iter().flatten() {
        labels.insert(key.into(), value.into());
    }
    let mut allocatable = serde_json::Map::new();
    allocatable.insert("cpu".into(), "96".into());
    if let Some((resource, count)) = n.gpus {
        allocatable.insert(resource.into(), count.into());
    }
    json!({
        "metadata": { "name": n.name, "labels": labels },
        "spec": {},
        "status": {
            "conditions": [
                { "type": "MemoryPressure", "status": "False" },
                { "type": "Ready", "status": if n.ready { "True" } else { "False" } }
            ],
            "allocatable": allocatable
        }
    })
}

impl KubernetesEmulator {
    fn nodes(&self, cluster: &str, request: &EmuRequest) -> EmuResponse {
        let listed: &[EmuNode] = match cluster {
            "gpu-east" => GPU_EAST,
            "cpu-west" => CPU_WEST,
            "cold-north" => COLD_NORTH,
            "churn" => CHURN,
            "rbac-denied" => {
                return status(
                    403,
                    "Forbidden",
                    "nodes is forbidden: User \"system:serviceaccount:default:provisioner\" cannot list resource \"nodes\" in API group \"\" at the cluster scope",
                )
            }
            other => return status(404, "NotFound", &format!("no cluster `{other}` here")),
        };
        let listed = if request.empty { &[] } else { listed };
        let limit = match request.query("limit").map(str::parse::<usize>) {
            None => MAX_PAGE_SIZE,
            Some(Ok(limit)) if limit > 0 => limit.min(MAX_PAGE_SIZE),
            Some(_) => return status(400, "BadRequest", "limit must be a positive integer"),
        };
        let start = match request.query("continue") {
            None => 0,
            Some(token) => {
                if cluster == "churn" && !self.churn_expired.swap(true, Ordering::SeqCst) {
                    return status(
                        410,
                        "Expired",
                        "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.",
                    );
                }
                match token
                    .strip_prefix("node-")
                    .and_then(|n| n.parse::<usize>().ok())
                {
                    Some(start) if start < listed.len() => start,
                    _ => {
                        return status(
                            400,
                            "BadRequest",
                            "the continue token was not issued by this server",
                        )
                    }
                }
            }
        };
        let end = (start + limit).min(listed.len());
        let items: Vec<Value> = listed
            .get(start..end)
            .unwrap_or_default()
            .iter()
            .map(node)
            .collect();
        let mut metadata = json!({ "resourceVersion": "123456789" });
        if end < listed.len() {
            metadata["continue"] = format!("node-{end}").into();
        }
        EmuResponse::json(
            200,
            &json!({ "kind": "NodeList", "apiVersion": "v1", "metadata": metadata, "items": items }),
        )
    }
}

impl EmulatedApi for KubernetesEmulator {
    fn handle(&self, request: &EmuRequest) -> EmuResponse {
        let Some((cluster, path)) = request
            .path
            .strip_prefix("/clusters/")
            .and_then(|rest| rest.split_once('/'))
        else {
            return status(404, "NotFound", &format!("no route for {}", request.path));
        };
        if request.bearer() != Some(EMULATOR_TOKEN) {
            return status(401, "Unauthorized", "Unauthorized");
        }
        if !request.method.eq_ignore_ascii_case("GET")
            || path.trim_end_matches('/') != "api/v1/nodes"
        {
            return status(
                404,
                "NotFound",
                &format!("no route for {} {}", request.method, request.path),
            );
        }
        self.nodes(cluster, request)
    }

    fn config_section(&self) -> serde_yaml::Mapping {
        let mut source = serde_yaml::Mapping::new();
        source.insert(
            "data".into(),
            kubeconfig(CLUSTER_HOST, EMULATOR_TOKEN).into(),
        );
        let mut section = serde_yaml::Mapping::new();
        section.insert("kubeconfig".into(), serde_yaml::Value::Mapping(source));
        section.insert(
            "contexts".into(),
            serde_yaml::Value::Sequence(DEFAULT_CONTEXTS.iter().map(|c| (*c).into()).collect()),
        );
        section
    }

    fn error_response(&self, code: u16, message: &str) -> EmuResponse {
        let reason = match code {
            401 => "Unauthorized",
            403 => "Forbidden",
            429 => "TooManyRequests",
            503 => "ServiceUnavailable",
            500..=599 => "InternalError",
            _ => "BadRequest",
        };
        status(code, reason, message)
    }
}

/// The placeholder host of the config section's servers: `endpoint` replaces it with the
/// emulator's address and keeps each server's `/clusters/<context>` path.
pub const CLUSTER_HOST: &str = "https://kubernetes.invalid";

/// A kubeconfig with one context per emulated cluster, each server at
/// `<base>/clusters/<context>`, the user holding `token`; current context `gpu-east`.
pub fn kubeconfig(base: &str, token: &str) -> String {
    kubeconfig_with(
        CLUSTERS
            .iter()
            .map(|c| (*c, format!("{}/clusters/{c}", base.trim_end_matches('/')))),
        token,
    )
}

/// A kubeconfig of the given (context, server) pairs, the user holding `token`; the first
/// context is the current one.
pub fn kubeconfig_with<'a>(
    servers: impl IntoIterator<Item = (&'a str, String)>,
    token: &str,
) -> String {
    let servers: Vec<(&str, String)> = servers.into_iter().collect();
    let clusters: Vec<Value> = servers
        .iter()
        .map(|(name, server)| json!({ "name": name, "cluster": { "server": server } }))
        .collect();
    let contexts: Vec<Value> = servers.iter().map(|(name, _)| json!({ "name": name, "context": { "cluster": name, "user": "provisioner" } })).collect();
    let config = json!({
        "apiVersion": "v1",
        "kind": "Config",
        "current-context": servers.first().map(|(name, _)| *name).unwrap_or_default(),
        "clusters": clusters,
        "contexts": contexts,
        "users": [{ "name": "provisioner", "user": { "token": token } }]
    });
    serde_yaml::to_string(&config).unwrap_or_default()
}

regionkit_emulator::inventory::submit! {
    regionkit_emulator::EmulatorRegistration::new(crate::BACKEND, || Box::new(KubernetesEmulator::default()))
}
