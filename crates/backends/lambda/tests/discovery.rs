//! Lambda discovery through real HTTP against the emulator.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use regionkit_core::{
    BackendConfig, Config, DiscoveryContext, Error, HttpClient, HttpPolicy, ProviderErrorKind,
    RegionKit, RegionStatus, Registry, ResolveOptions, Source,
};
use regionkit_emulator::{Emulator, EmulatorHandle, Fault, FaultKind};
use regionkit_lambda::emulator::EMULATOR_API_KEY;

fn fast_policy() -> HttpPolicy {
    HttpPolicy::default()
        .with_request_timeout(Duration::from_secs(2))
        .with_backoff(Duration::from_millis(5), Duration::from_millis(20))
}

async fn emulator() -> EmulatorHandle {
    Emulator::new()
        .only(["lambda"])
        .start()
        .await
        .expect("emulator starts")
}

fn section(emulator: &EmulatorHandle, extra: &str) -> BackendConfig {
    let yaml = format!(
        "backends:\n  - type: lambda\n    creds: {{type: api_key, api_key: {EMULATOR_API_KEY}}}\n    endpoint: {}\n{extra}",
        emulator.endpoint("lambda")
    );
    Config::from_yaml(&yaml, None, None)
        .expect("config parses")
        .backends
        .remove(0)
}

fn kit() -> RegionKit {
    RegionKit::new(
        Registry::from_descriptors([&regionkit_lambda::DESCRIPTOR]).unwrap(),
        fast_policy(),
    )
    .unwrap()
}

async fn discover(
    section: &BackendConfig,
) -> Result<Vec<regionkit_core::Region>, regionkit_core::ProviderError> {
    let provider = (regionkit_lambda::DESCRIPTOR.build)(section).expect("provider builds");
    let ctx = DiscoveryContext::new(
        "lambda",
        HttpClient::new(fast_policy()).unwrap(),
        Instant::now() + Duration::from_secs(5),
    );
    provider.discover(&ctx).await
}

#[tokio::test]
async fn regions_with_capacity_are_available_and_the_rest_limited() {
    let emulator = emulator().await;
    let regions = discover(&section(&emulator, "")).await.unwrap();
    let status = |id: &str| {
        regions
            .iter()
            .find(|r| r.id.as_str() == id)
            .map(|r| r.status)
    };
    assert_eq!(status("us-east-1"), Some(RegionStatus::Available));
    assert_eq!(status("europe-central-1"), Some(RegionStatus::Available));
    assert_eq!(status("me-west-1"), Some(RegionStatus::Limited));
    let virginia = regions
        .iter()
        .find(|r| r.id.as_str() == "us-east-1")
        .unwrap();
    assert_eq!(virginia.display_name, "Virginia, USA");
    assert_eq!(
        virginia
            .location
            .as_ref()
            .and_then(|l| l.country.as_deref()),
        Some("US")
    );
    assert_eq!(emulator.path_count("lambda", "GET /api/v1/regions"), 1);
    assert_eq!(
        emulator.path_count("lambda", "GET /api/v1/instance-types"),
        1
    );
}

#[tokio::test]
async fn a_wrong_key_is_an_auth_error_with_lambdas_code() {
    let emulator = emulator().await;
    let yaml = format!(
        "backends:\n  - type: lambda\n    creds: {{type: api_key, api_key: wrong-key}}\n    endpoint: {}\n",
        emulator.endpoint("lambda")
    );
    let wrong = Config::from_yaml(&yaml, None, None)
        .unwrap()
        .backends
        .remove(0);
    let err = discover(&wrong).await.unwrap_err();
    assert_eq!(err.kind, ProviderErrorKind::Auth);
    assert_eq!(err.status, Some(401));
    assert!(err.message.contains("global/invalid-api-key"), "{err}");
}

#[tokio::test]
async fn rate_limit_with_retry_after_is_waited_out_then_succeeds() {
    let emulator = emulator().await;
    emulator.set_fault(Fault::times(
        "lambda",
        FaultKind::Http429 {
            retry_after_secs: 1,
        },
        1,
    ));
    let started = Instant::now();
    let regions = discover(&section(&emulator, "")).await.unwrap();
    assert!(!regions.is_empty());
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "Retry-After was not honoured"
    );
    assert_eq!(
        emulator.request_count("lambda"),
        3,
        "one throttled request retried once, plus the other call"
    );
}

#[tokio::test]
async fn retry_after_past_the_deadline_is_not_waited_for() {
    let emulator = emulator().await;
    emulator.set_fault(Fault::always(
        "lambda",
        FaultKind::Http429 {
            retry_after_secs: 60,
        },
    ));
    let started = Instant::now();
    let err = discover(&section(&emulator, "")).await.unwrap_err();
    assert_eq!(err.kind, ProviderErrorKind::RateLimited);
    assert_eq!(err.retry_after, Some(Duration::from_secs(60)));
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "waited past the deadline"
    );
}

#[tokio::test]
async fn server_errors_are_retried_then_reported_as_unavailable() {
    let emulator = emulator().await;
    emulator.set_fault(Fault::always("lambda", FaultKind::Http500));
    let err = discover(&section(&emulator, "")).await.unwrap_err();
    assert_eq!(err.kind, ProviderErrorKind::Unavailable);
    assert_eq!(err.status, Some(500));
    assert!(err.is_temporary());
    assert_eq!(
        emulator.path_count("lambda", "GET /api/v1/regions"),
        3,
        "three attempts"
    );
}

#[tokio::test]
async fn malformed_body_is_a_bad_response() {
    let emulator = emulator().await;
    emulator.set_fault(Fault::always("lambda", FaultKind::Malformed));
    let err = discover(&section(&emulator, "")).await.unwrap_err();
    assert_eq!(err.kind, ProviderErrorKind::BadResponse);
    assert!(
        err.message.contains("data"),
        "names the missing field: {err}"
    );
}

#[tokio::test]
async fn truncated_body_is_reported_as_cut_off() {
    let emulator = emulator().await;
    emulator.set_fault(Fault::always("lambda", FaultKind::Truncated));
    let err = discover(&section(&emulator, "")).await.unwrap_err();
    assert!(
        err.message.contains("cut off") || err.message.contains("truncated"),
        "{err}"
    );
}

#[tokio::test]
async fn oversized_body_is_refused() {
    let emulator = emulator().await;
    emulator.set_fault(Fault::always(
        "lambda",
        FaultKind::Oversized { bytes: 64 * 1024 },
    ));
    let provider = (regionkit_lambda::DESCRIPTOR.build)(&section(&emulator, "")).unwrap();
    let http = HttpClient::new(fast_policy().with_max_body_bytes(16 * 1024)).unwrap();
    let ctx = DiscoveryContext::new("lambda", http, Instant::now() + Duration::from_secs(5));
    let err = provider.discover(&ctx).await.unwrap_err();
    assert_eq!(err.kind, ProviderErrorKind::BadResponse);
    assert!(err.message.contains("limit"), "{err}");
}

#[tokio::test]
async fn resolution_keeps_named_regions_in_order_and_reports_new_ones() {
    let emulator = emulator().await;
    let report = kit()
        .resolve_sections(
            vec![section(
                &emulator,
                "    regions: [\"us-*\", europe-central-1]\n",
            )],
            &ResolveOptions::default().with_run_regions(
                "--region",
                vec!["EUROPE-CENTRAL-1".into(), "us-east-1".into()],
            ),
        )
        .await
        .remove(0);
    assert!(report.error.is_none(), "{:?}", report.error);
    let resolution = report.resolution.unwrap();
    let ids: Vec<_> = resolution.regions.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["europe-central-1", "us-east-1"]);
    assert_eq!(resolution.source, Source::Live);
    assert!(resolution
        .new
        .iter()
        .any(|id| id.as_str() == "us-midwest-2"));
}

#[tokio::test]
async fn unknown_backend_region_suggests_the_nearest_real_one() {
    let emulator = emulator().await;
    let report = kit()
        .resolve_sections(
            vec![section(&emulator, "    regions: [us-east-7]\n")],
            &ResolveOptions::default(),
        )
        .await
        .remove(0);
    match report.error {
        Some(Error::UnknownRegion { suggestions, .. }) => assert_eq!(suggestions[0], "us-east-1"),
        other => panic!("expected an unknown-region error, got {other:?}"),
    }
}

#[tokio::test]
async fn provider_outage_falls_back_to_the_builtin_list_labelled() {
    let emulator = emulator().await;
    emulator.set_fault(Fault::always("lambda", FaultKind::Http503));
    let report = kit()
        .resolve_sections(vec![section(&emulator, "")], &ResolveOptions::default())
        .await
        .remove(0);
    let resolution = report.resolution.expect("a fallback answer");
    assert_eq!(resolution.source, Source::Builtin);
    assert!(resolution.live_error.is_some());
    assert!(
        resolution.warnings.iter().any(|w| w.contains("builtin")),
        "{:?}",
        resolution.warnings
    );
}

#[tokio::test]
async fn an_empty_region_list_is_never_an_empty_success() {
    let emulator = emulator().await;
    emulator.set_fault(Fault::always("lambda", FaultKind::Empty));
    let report = kit()
        .resolve_sections(vec![section(&emulator, "")], &ResolveOptions::default())
        .await
        .remove(0);
    let resolution = report.resolution.expect("a fallback answer");
    assert_eq!(resolution.source, Source::Builtin);
    assert!(!resolution.regions.is_empty());
}

#[tokio::test]
async fn rejected_credentials_get_no_fallback() {
    let emulator = emulator().await;
    emulator.set_fault(Fault::always("lambda", FaultKind::Unauthorized));
    let report = kit()
        .resolve_sections(vec![section(&emulator, "")], &ResolveOptions::default())
        .await
        .remove(0);
    assert!(report.resolution.is_none());
    let message = report.error.unwrap().to_string();
    assert!(message.starts_with("lambda: auth"), "{message}");
}

#[tokio::test]
async fn the_api_key_never_appears_in_debug_or_errors() {
    let canary = "canary-7f3a9c-lambda-key";
    let emulator = emulator().await;
    let yaml = format!(
        "backends:\n  - type: lambda\n    creds: {{type: api_key, api_key: {canary}}}\n    endpoint: {}\n",
        emulator.endpoint("lambda")
    );
    let section = Config::from_yaml(&yaml, None, None)
        .unwrap()
        .backends
        .remove(0);
    let provider = (regionkit_lambda::DESCRIPTOR.build)(&section).unwrap();
    assert!(!format!("{section:?}").contains(canary));
    assert!(!format!("{provider:?}").contains(canary));
    let report = kit()
        .resolve_sections(vec![section], &ResolveOptions::default())
        .await
        .remove(0);
    let error = report.error.unwrap();
    assert!(!error.to_string().contains(canary));
    assert!(!format!("{error:?}").contains(canary));
}

#[tokio::test]
async fn missing_creds_name_the_field_and_the_fix() {
    let section = Config::from_yaml("backends: [{type: lambda}]", None, None)
        .unwrap()
        .backends
        .remove(0);
    let message = (regionkit_lambda::DESCRIPTOR.build)(&section)
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("lambda") && message.contains("creds") && message.contains("api_key"),
        "{message}"
    );
}
