//! Google Cloud discovery through real HTTP against the emulator: the conformance suite, then
//! what is Google's own: the token grants, paging, DOWN and deprecated regions, GPU quotas
//! and the default regions.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use regionkit_core::{
    ExclusionReason, ProviderErrorKind, Region, RegionProvider, RegionStatus, ResolveOptions,
};
use regionkit_gcp::emulator::{
    authorized_user_json, service_account_json, EMULATOR_CLIENT_EMAIL, EMULATOR_PRIVATE_KEY,
    EMULATOR_PROJECT,
};
use regionkit_gcp::{GcpConfig, GcpProvider};
use regionkit_testkit::{find, kept_ids, BackendHarness, BackendSpec, Case, EmptyAnswer, Text};

const TOKEN: &str = "POST /oauth2/v4/token";
const REGIONS: &str = "GET /compute/v1/projects/regionkit-emulator/regions";

/// `creds` holding the emulator's service-account key for `client_email`.
fn creds(client_email: &str) -> String {
    format!(
        "{{type: service_account, data: '{}'}}",
        service_account_json(client_email)
    )
}

/// A piece of the test key's PEM body: it must never be shown.
fn key_fragment() -> String {
    EMULATOR_PRIVATE_KEY
        .lines()
        .nth(3)
        .unwrap_or_default()
        .to_owned()
}

/// GCP as the conformance suite sees it: a token exchange, then three pages of regions.
fn spec() -> BackendSpec {
    BackendSpec::new(&regionkit_gcp::DESCRIPTOR)
        .creds(creds(EMULATOR_CLIENT_EMAIL))
        .wrong_creds(creds("stranger@regionkit-emulator.iam.gserviceaccount.com"))
        .canary_creds(
            creds("canary-4f2a@regionkit-emulator.iam.gserviceaccount.com"),
            [key_fragment()],
        )
        .extra_keys(format!("    project_id: {EMULATOR_PROJECT}\n"))
        .calls([(TOKEN, 1), (REGIONS, 3)])
        .regions(["us-central1", "us-east1", "europe-west1"])
        .misspelling("us-centrl1", "us-central1")
        .new_regions(["asia-southeast3"])
        .empty_answer(EmptyAnswer::FallsBack)
        .says(Case::WrongCredentials, Text::Contains("token exchange"))
        .says(Case::WrongCredentials, Text::Contains("invalid_client"))
        .says(Case::Forbidden, Text::Contains("PERMISSION_DENIED"))
        .says(Case::ServiceUnavailable, Text::Contains("UNAVAILABLE"))
        .says(Case::EmptyAnswer, Text::Contains("items"))
        .says(Case::MissingCreds, Text::Contains("service_account"))
}

regionkit_testkit::conformance_tests!(spec);

fn status_of(regions: &[Region], id: &str) -> RegionStatus {
    find(regions, id).status
}

#[tokio::test]
async fn regions_are_read_across_pages_with_status_zones_and_warnings() {
    let gcp = spec().start().await;
    let provider = gcp.provider(&spec().section(&gcp, ""));
    let ctx = gcp.context();
    let regions = provider.discover(&ctx).await.unwrap();
    assert_eq!(regions.len(), 9, "every page read");
    assert_eq!(status_of(&regions, "us-central1"), RegionStatus::Available);
    assert_eq!(
        status_of(&regions, "africa-south1"),
        RegionStatus::Unavailable
    );
    assert_eq!(status_of(&regions, "asia-east2"), RegionStatus::Available);
    assert_eq!(
        find(&regions, "us-central1").zones,
        [
            "us-central1-a",
            "us-central1-b",
            "us-central1-c",
            "us-central1-f"
        ]
    );
    let warnings = ctx.warnings();
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("asia-east2 is deprecated") && w.contains("asia-east1")),
        "{warnings:?}"
    );
}

#[tokio::test]
async fn a_region_where_every_nvidia_gpu_quota_is_zero_is_limited_and_names_the_quotas() {
    let gcp = spec().start().await;
    let provider = gcp.provider(&spec().section(&gcp, ""));
    let ctx = gcp.context();
    let regions = provider.discover(&ctx).await.unwrap();
    assert_eq!(status_of(&regions, "europe-west4"), RegionStatus::Limited);
    // One GPU quota above 0 is enough for the region to stay available.
    assert_eq!(status_of(&regions, "us-central1"), RegionStatus::Available);
    let warning = ctx
        .warnings()
        .into_iter()
        .find(|w| w.starts_with("europe-west4"))
        .expect("a quota warning for europe-west4");
    assert!(warning.contains("NVIDIA_H100_GPUS"), "{warning}");
    assert!(
        warning.contains("PREEMPTIBLE_NVIDIA_H100_GPUS"),
        "{warning}"
    );
    assert!(warning.contains("raise"), "{warning}");
}

#[tokio::test]
async fn without_named_regions_only_dstacks_defaults_are_kept() {
    let gcp = spec().start().await;
    let report = gcp
        .resolve(spec().section(&gcp, ""), &ResolveOptions::default())
        .await;
    let resolution = report.resolution.expect("a live answer");
    assert_eq!(
        resolution.exclusion_of("me-central2"),
        Some(ExclusionReason::NotInDefaults)
    );
    assert_eq!(
        resolution.exclusion_of("africa-south1"),
        Some(ExclusionReason::Unavailable)
    );
    assert!(kept_ids(&resolution).contains(&"us-central1"));
}

#[tokio::test]
async fn a_named_region_outside_the_defaults_is_accepted() {
    let gcp = spec().start().await;
    let report = gcp
        .resolve(
            spec().section(&gcp, "    regions: [me-central2, us-east1]\n"),
            &ResolveOptions::default(),
        )
        .await;
    let resolution = report.resolution.expect("a live answer");
    assert_eq!(kept_ids(&resolution), ["me-central2", "us-east1"]);
}

#[tokio::test]
async fn one_token_serves_discoveries_until_it_expires() {
    let gcp = spec().start().await;
    let section = spec().section(&gcp, "");
    let provider = GcpProvider::new(GcpConfig::from_section(&section).unwrap());
    provider.discover(&gcp.context()).await.unwrap();
    provider.discover(&gcp.context()).await.unwrap();
    assert_eq!(provider.token_exchanges(), 1);
    assert_eq!(gcp.emulator().path_count("gcp", TOKEN), 1);
    assert_eq!(gcp.emulator().path_count("gcp", REGIONS), 6);
}

#[tokio::test]
async fn an_unknown_project_is_a_rejection_naming_it() {
    let gcp = spec().start().await;
    let section = gcp.section_with_creds(
        &creds(EMULATOR_CLIENT_EMAIL),
        "    project_id: someone-elses-project\n",
    );
    let error = gcp.discover(&section).await.unwrap_err();
    assert_eq!(error.kind, ProviderErrorKind::Rejected, "{error}");
    assert_eq!(error.status, Some(404));
    assert!(error.message.contains("someone-elses-project"), "{error}");
}

/// `{type: default}` with `GOOGLE_APPLICATION_CREDENTIALS` naming gcloud's user credentials:
/// the refresh-token grant, and the project from the file's `quota_project_id`.
#[tokio::test]
async fn default_credentials_use_the_refresh_token_of_the_adc_file() {
    let gcp = BackendHarness::start(&regionkit_gcp::DESCRIPTOR).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("application_default_credentials.json");
    std::fs::write(&path, authorized_user_json()).unwrap();
    let section = gcp.section_with_creds("{type: default}", "");
    let env_path = path.display().to_string();
    let env =
        move |name: &str| (name == "GOOGLE_APPLICATION_CREDENTIALS").then(|| env_path.clone());
    let provider = GcpProvider::new(GcpConfig::from_section_with_env(&section, &env).unwrap());
    let regions = provider.discover(&gcp.context()).await.unwrap();
    assert_eq!(status_of(&regions, "us-east1"), RegionStatus::Available);
    assert_eq!(gcp.emulator().path_count("gcp", TOKEN), 1);
}

#[tokio::test]
async fn default_credentials_without_any_adc_file_are_a_config_error_with_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().display().to_string();
    let env = move |name: &str| (name == "HOME" || name == "APPDATA").then(|| home.clone());
    let section = regionkit_testkit::section_from_yaml(
        "backends:\n  - type: gcp\n    project_id: p\n    creds: {type: default}\n",
    );
    let error = GcpConfig::from_section_with_env(&section, &env).unwrap_err();
    let text = error.to_string();
    assert_eq!(error.kind(), "config", "{text}");
    assert!(text.contains("GOOGLE_APPLICATION_CREDENTIALS"), "{text}");
    assert!(
        text.contains("gcloud auth application-default login"),
        "{text}"
    );
}

/// An assertion signed by a key the account does not have is refused by the token endpoint:
/// the emulator checks the RS256 signature, so the signing is tested end to end.
#[tokio::test]
async fn an_assertion_signed_with_another_key_is_refused() {
    let gcp = spec().start().await;
    let other_key = include_str!("../testdata/unrelated-test-key.pem");
    let mut value: serde_json::Value =
        serde_json::from_str(&service_account_json(EMULATOR_CLIENT_EMAIL)).unwrap();
    value["private_key"] = serde_json::Value::String(other_key.to_owned());
    let creds = format!("{{type: service_account, data: '{value}'}}");
    let error = gcp
        .discover(&gcp.section_with_creds(&creds, &format!("    project_id: {EMULATOR_PROJECT}\n")))
        .await
        .unwrap_err();
    assert_eq!(error.kind, ProviderErrorKind::Auth, "{error}");
    assert!(error.message.contains("Invalid JWT Signature"), "{error}");
}
