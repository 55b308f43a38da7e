//! Kubernetes discovery through real HTTP against the emulated API servers: the conformance
//! suite, then what is Kubernetes' own (contexts as regions, node labels, Ready and GPUs,
//! paging with an expired continue token, RBAC, kubeconfig auth).

use std::error::Error;

use regionkit_core::{ProviderErrorKind, Region, RegionStatus};
use regionkit_kubernetes::emulator::{kubeconfig, CLUSTER_HOST, EMULATOR_TOKEN};
use regionkit_testkit::{BackendSpec, Case, EmptyAnswer, Text};

type TestResult = Result<(), Box<dyn Error>>;

/// A `kubeconfig: {data: ...}` value whose user holds `token`, servers below the placeholder
/// host that the section's `endpoint` replaces.
fn kubeconfig_creds(token: &str) -> String {
    let data = kubeconfig(CLUSTER_HOST, token);
    format!("{{data: {}}}", serde_json::Value::String(data))
}

/// Kubernetes as the conformance suite sees it: three contexts, `gpu-east` read over three
/// pages, `cpu-west` over one, `rbac-denied` refused once with 403.
fn spec() -> BackendSpec {
    let canary = "canary-5e1d7b-kubernetes-token";
    BackendSpec::new(&regionkit_kubernetes::DESCRIPTOR)
        .creds_key("kubeconfig")
        .creds(kubeconfig_creds(EMULATOR_TOKEN))
        .wrong_creds(kubeconfig_creds("wrong-token"))
        .canary_creds(kubeconfig_creds(canary), [canary])
        .extra_keys("    contexts: [gpu-east, cpu-west, rbac-denied]\n")
        .calls([
            ("GET /clusters/gpu-east/api/v1/nodes", 3),
            ("GET /clusters/cpu-west/api/v1/nodes", 1),
            ("GET /clusters/rbac-denied/api/v1/nodes", 1),
        ])
        .regions(["gpu-east", "cpu-west"])
        .misspelling("gpu-eats", "gpu-east")
        .new_regions([])
        .empty_answer(EmptyAnswer::ListedRegionsUnavailable)
        .says(Case::WrongCredentials, Text::StartsWith("Unauthorized: "))
        .says(Case::Forbidden, Text::StartsWith("Forbidden: "))
        .says(Case::RateLimited, Text::StartsWith("TooManyRequests: "))
        .says(Case::ServerError, Text::StartsWith("InternalError: "))
        .says(
            Case::ServiceUnavailable,
            Text::StartsWith("ServiceUnavailable: "),
        )
        .says(Case::MalformedBody, Text::Contains("items"))
        .says(Case::MissingCreds, Text::Contains("kubeconfig: {filename"))
}

regionkit_testkit::conformance_tests!(spec);

fn find<'a>(regions: &'a [Region], id: &str) -> Option<&'a Region> {
    regions.iter().find(|r| r.id.as_str() == id)
}

fn raw_location(region: Option<&Region>) -> Option<&str> {
    region
        .and_then(|r| r.location.as_ref())
        .and_then(|l| l.raw.as_deref())
}

#[tokio::test]
async fn a_gpu_cluster_is_available_with_its_cloud_region_and_zones() -> TestResult {
    let kubernetes = spec().start().await;
    let regions = kubernetes
        .discover(&spec().section(&kubernetes, ""))
        .await?;
    let east = find(&regions, "gpu-east");
    assert_eq!(east.map(|r| r.status), Some(RegionStatus::Available));
    assert_eq!(raw_location(east), Some("us-east-1"));
    assert_eq!(
        east.map(|r| r.zones.clone()),
        Some(vec!["us-east-1a".to_owned(), "us-east-1b".to_owned()])
    );
    Ok(())
}

#[tokio::test]
async fn a_cpu_only_cluster_is_limited_and_read_through_the_beta_labels() -> TestResult {
    let kubernetes = spec().start().await;
    let regions = kubernetes
        .discover(&spec().section(&kubernetes, ""))
        .await?;
    let west = find(&regions, "cpu-west");
    assert_eq!(west.map(|r| r.status), Some(RegionStatus::Limited));
    assert_eq!(raw_location(west), Some("us-central1"));
    assert_eq!(
        west.map(|r| r.zones.clone()),
        Some(vec!["us-central1-a".to_owned(), "us-central1-b".to_owned()])
    );
    Ok(())
}

#[tokio::test]
async fn missing_rbac_leaves_that_cluster_unavailable_with_a_warning_and_the_others_listed(
) -> TestResult {
    let kubernetes = spec().start().await;
    let report = kubernetes
        .resolve(spec().section(&kubernetes, ""), &Default::default())
        .await;
    let resolution = report.resolution.ok_or("no resolution")?;
    let kept: Vec<&str> = resolution.regions.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(kept, ["gpu-east", "cpu-west"]);
    assert!(
        resolution
            .warnings
            .iter()
            .any(|w| w.contains("rbac-denied") && w.contains("Forbidden")),
        "{:?}",
        resolution.warnings
    );
    Ok(())
}

#[tokio::test]
async fn a_cluster_without_a_ready_node_is_unavailable() -> TestResult {
    let kubernetes = spec().start().await;
    let section = kubernetes.section("    contexts: [cold-north, gpu-east]\n");
    let regions = kubernetes.discover(&section).await?;
    let cold = find(&regions, "cold-north");
    assert_eq!(cold.map(|r| r.status), Some(RegionStatus::Unavailable));
    assert_eq!(raw_location(cold), Some("swedencentral"));
    Ok(())
}

#[tokio::test]
async fn an_expired_continue_token_restarts_the_list_once() -> TestResult {
    let kubernetes = spec().start().await;
    let section = kubernetes.section("    contexts: [churn]\n");
    let regions = kubernetes.discover(&section).await?;
    let churn = find(&regions, "churn");
    assert_eq!(churn.map(|r| r.status), Some(RegionStatus::Available));
    assert_eq!(churn.and_then(|r| r.location.as_ref()), None, "no labels");
    // First list: page one, then 410 on the continue token; second list: two pages.
    assert_eq!(
        kubernetes
            .emulator()
            .path_count("kubernetes", "GET /clusters/churn/api/v1/nodes"),
        4
    );
    Ok(())
}

#[tokio::test]
async fn without_contexts_the_current_context_is_the_only_region() -> TestResult {
    let kubernetes = spec().start().await;
    let section = kubernetes.section_with_creds(&kubeconfig_creds(EMULATOR_TOKEN), "");
    let regions = kubernetes.discover(&section).await?;
    let ids: Vec<&str> = regions.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["gpu-east"]);
    Ok(())
}

#[tokio::test]
async fn one_unreachable_cluster_never_hides_the_others() -> TestResult {
    let kubernetes = spec().start().await;
    let base = kubernetes.endpoint();
    let data = regionkit_kubernetes::emulator::kubeconfig_with(
        [
            ("gpu-east", format!("{base}/clusters/gpu-east")),
            ("offline", "http://127.0.0.1:1/".to_owned()),
        ],
        EMULATOR_TOKEN,
    );
    let section = regionkit_testkit::section_from_yaml(&format!(
        "backends:\n  - type: kubernetes\n    kubeconfig: {{data: {}}}\n    contexts: [gpu-east, offline]\n",
        serde_json::Value::String(data)
    ));
    let regions = kubernetes.discover(&section).await?;
    assert_eq!(
        find(&regions, "gpu-east").map(|r| r.status),
        Some(RegionStatus::Available)
    );
    assert_eq!(
        find(&regions, "offline").map(|r| r.status),
        Some(RegionStatus::Unavailable)
    );
    Ok(())
}

#[tokio::test]
async fn an_exec_plugin_is_refused_naming_the_context() -> TestResult {
    let data = "apiVersion: v1\nkind: Config\ncurrent-context: eks\nclusters:\n- name: eks\n  cluster: {server: 'https://eks.example'}\ncontexts:\n- name: eks\n  context: {cluster: eks, user: aws}\nusers:\n- name: aws\n  user:\n    exec: {command: aws, args: [eks, get-token]}\n";
    let section = regionkit_testkit::section_from_yaml(&format!(
        "backends:\n  - type: kubernetes\n    kubeconfig: {{data: {}}}\n",
        serde_json::Value::String(data.to_owned())
    ));
    let error = match (regionkit_kubernetes::DESCRIPTOR.build)(&section) {
        Ok(provider) => return Err(format!("built {provider:?}").into()),
        Err(error) => error.to_string(),
    };
    assert!(
        error.contains("kubernetes") && error.contains("`eks`") && error.contains("exec"),
        "{error}"
    );
    Ok(())
}

#[tokio::test]
async fn a_context_missing_from_the_kubeconfig_is_a_config_error_listing_the_real_ones(
) -> TestResult {
    let kubernetes = spec().start().await;
    let section = kubernetes.section("    contexts: [gpu-esat]\n");
    let error = match (regionkit_kubernetes::DESCRIPTOR.build)(&section) {
        Ok(provider) => return Err(format!("built {provider:?}").into()),
        Err(error) => error.to_string(),
    };
    assert!(
        error.contains("gpu-esat") && error.contains("gpu-east"),
        "{error}"
    );
    Ok(())
}

#[tokio::test]
async fn every_cluster_rejecting_the_token_is_one_auth_error() -> TestResult {
    let kubernetes = spec().start().await;
    let section = spec().section_with_creds(&kubernetes, &kubeconfig_creds("stale"), "");
    match kubernetes.discover(&section).await {
        Ok(regions) => Err(format!("found {regions:?}").into()),
        Err(error) => {
            assert_eq!(error.kind, ProviderErrorKind::Auth, "{error}");
            assert!(!error.to_string().contains("stale"), "{error}");
            Ok(())
        }
    }
}

/// A section for `kubeconfig` (YAML text) with no `endpoint`.
fn section_for(kubeconfig: &str, contexts: &str) -> regionkit_core::BackendConfig {
    regionkit_testkit::section_from_yaml(&format!(
        "backends:\n  - type: kubernetes\n    kubeconfig: {{data: {}}}\n{contexts}",
        serde_json::Value::String(kubeconfig.to_owned())
    ))
}

#[tokio::test]
async fn insecure_skip_tls_verify_is_honoured_with_a_warning() -> TestResult {
    let kubernetes = spec().start().await;
    let data = format!(
        "apiVersion: v1\nkind: Config\ncurrent-context: gpu-east\nclusters:\n- name: gpu-east\n  cluster: {{server: '{}/clusters/gpu-east', insecure-skip-tls-verify: true}}\ncontexts:\n- name: gpu-east\n  context: {{cluster: gpu-east, user: ci}}\nusers:\n- name: ci\n  user: {{token: {EMULATOR_TOKEN}}}\n",
        kubernetes.endpoint()
    );
    let report = kubernetes
        .resolve(section_for(&data, ""), &Default::default())
        .await;
    let resolution = report.resolution.ok_or("no resolution")?;
    assert!(
        resolution
            .warnings
            .iter()
            .any(|w| w.contains("gpu-east") && w.contains("insecure-skip-tls-verify")),
        "{:?}",
        resolution.warnings
    );
    Ok(())
}

#[test]
fn a_certificate_authority_that_is_not_pem_is_a_config_error_naming_the_context() {
    let data = "apiVersion: v1\nkind: Config\ncurrent-context: eks\nclusters:\n- name: eks\n  cluster: {server: 'https://eks.example', certificate-authority-data: bm90IGEgY2VydGlmaWNhdGU=}\ncontexts:\n- name: eks\n  context: {cluster: eks, user: ci}\nusers:\n- name: ci\n  user: {token: abc}\n";
    match (regionkit_kubernetes::DESCRIPTOR.build)(&section_for(data, "")) {
        Ok(provider) => panic!("built {provider:?}"),
        Err(error) => {
            let text = error.to_string();
            assert!(
                text.contains("`eks`") && text.contains("certificate authority"),
                "{text}"
            );
        }
    }
}

#[test]
fn a_client_key_without_its_certificate_is_a_config_error_that_never_shows_the_key() {
    let data = "apiVersion: v1\nkind: Config\ncurrent-context: eks\nclusters:\n- name: eks\n  cluster: {server: 'https://eks.example'}\ncontexts:\n- name: eks\n  context: {cluster: eks, user: ci}\nusers:\n- name: ci\n  user: {client-key-data: c2VjcmV0LWtleS1ieXRlcw==}\n";
    match (regionkit_kubernetes::DESCRIPTOR.build)(&section_for(data, "")) {
        Ok(provider) => panic!("built {provider:?}"),
        Err(error) => {
            let text = error.to_string();
            assert!(
                text.contains("`eks`") && text.contains("certificate"),
                "{text}"
            );
            assert!(!text.contains("c2VjcmV0LWtleS1ieXRlcw"), "{text}");
        }
    }
}

#[tokio::test]
async fn a_context_with_a_ca_and_a_client_certificate_from_files_is_listed() -> TestResult {
    // A throwaway self-signed certificate and key made for these tests only.
    let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
    let kubernetes = spec().start().await;
    let data = format!(
        "apiVersion: v1\nkind: Config\ncurrent-context: gpu-east\nclusters:\n- name: gpu-east\n  cluster: {{server: '{}/clusters/gpu-east', certificate-authority: '{fixtures}/test-client.crt'}}\ncontexts:\n- name: gpu-east\n  context: {{cluster: gpu-east, user: ci}}\nusers:\n- name: ci\n  user: {{token: {EMULATOR_TOKEN}, client-certificate: '{fixtures}/test-client.crt', client-key: '{fixtures}/test-client.key'}}\n",
        kubernetes.endpoint()
    );
    let section = section_for(&data, "");
    let shown = format!("{:?}", kubernetes.provider(&section));
    assert!(!shown.contains("PRIVATE KEY"), "{shown}");
    let regions = kubernetes.discover(&section).await?;
    assert_eq!(
        find(&regions, "gpu-east").map(|r| r.status),
        Some(RegionStatus::Available)
    );
    Ok(())
}
