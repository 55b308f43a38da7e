//! Lambda discovery through real HTTP against the emulator.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use regionkit_core::{Error, ProviderErrorKind, RegionStatus, ResolveOptions, Source};
use regionkit_emulator::{Fault, FaultKind};
use regionkit_lambda::emulator::EMULATOR_API_KEY;
use regionkit_testkit::{api_key_creds, fast_policy, kept_ids, section_from_yaml, BackendHarness};

/// Lambda behind its emulator, with the key the emulator accepts.
async fn lambda() -> BackendHarness {
    BackendHarness::start(&regionkit_lambda::DESCRIPTOR)
        .await
        .with_creds(api_key_creds(EMULATOR_API_KEY))
}

#[tokio::test]
async fn regions_with_capacity_are_available_and_the_rest_limited() {
    let lambda = lambda().await;
    let emulator = lambda.emulator();
    let regions = lambda.discover(&lambda.section("")).await.unwrap();
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
    let lambda = lambda().await;
    let wrong = lambda.section_with_creds(&api_key_creds("wrong-key"), "");
    let err = lambda.discover(&wrong).await.unwrap_err();
    assert_eq!(err.kind, ProviderErrorKind::Auth);
    assert_eq!(err.status, Some(401));
    assert!(err.message.contains("global/invalid-api-key"), "{err}");
}

#[tokio::test]
async fn rate_limit_with_retry_after_is_waited_out_then_succeeds() {
    let lambda = lambda().await;
    let emulator = lambda.emulator();
    emulator.set_fault(Fault::times(
        "lambda",
        FaultKind::Http429 {
            retry_after_secs: 1,
        },
        1,
    ));
    let started = Instant::now();
    let regions = lambda.discover(&lambda.section("")).await.unwrap();
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
    let lambda = lambda().await;
    let emulator = lambda.emulator();
    emulator.set_fault(Fault::always(
        "lambda",
        FaultKind::Http429 {
            retry_after_secs: 60,
        },
    ));
    let started = Instant::now();
    let err = lambda.discover(&lambda.section("")).await.unwrap_err();
    assert_eq!(err.kind, ProviderErrorKind::RateLimited);
    assert_eq!(err.retry_after, Some(Duration::from_secs(60)));
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "waited past the deadline"
    );
}

#[tokio::test]
async fn server_errors_are_retried_then_reported_as_unavailable() {
    let lambda = lambda().await;
    let emulator = lambda.emulator();
    emulator.set_fault(Fault::always("lambda", FaultKind::Http500));
    let err = lambda.discover(&lambda.section("")).await.unwrap_err();
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
    let lambda = lambda().await;
    let emulator = lambda.emulator();
    emulator.set_fault(Fault::always("lambda", FaultKind::Malformed));
    let err = lambda.discover(&lambda.section("")).await.unwrap_err();
    assert_eq!(err.kind, ProviderErrorKind::BadResponse);
    assert!(
        err.message.contains("data"),
        "names the missing field: {err}"
    );
}

#[tokio::test]
async fn truncated_body_is_reported_as_cut_off() {
    let lambda = lambda().await;
    let emulator = lambda.emulator();
    emulator.set_fault(Fault::always("lambda", FaultKind::Truncated));
    let err = lambda.discover(&lambda.section("")).await.unwrap_err();
    assert!(
        err.message.contains("cut off") || err.message.contains("truncated"),
        "{err}"
    );
}

#[tokio::test]
async fn oversized_body_is_refused() {
    let lambda = lambda().await;
    let emulator = lambda.emulator();
    emulator.set_fault(Fault::always(
        "lambda",
        FaultKind::Oversized { bytes: 64 * 1024 },
    ));
    let policy = fast_policy().with_max_body_bytes(16 * 1024);
    let err = lambda
        .discover_with(&lambda.section(""), policy)
        .await
        .unwrap_err();
    assert_eq!(err.kind, ProviderErrorKind::BadResponse);
    assert!(err.message.contains("limit"), "{err}");
}

#[tokio::test]
async fn resolution_keeps_named_regions_in_order_and_reports_new_ones() {
    let lambda = lambda().await;
    let report = lambda
        .resolve(
            lambda.section("    regions: [\"us-*\", europe-central-1]\n"),
            &ResolveOptions::default().with_run_regions(
                "--region",
                vec!["EUROPE-CENTRAL-1".into(), "us-east-1".into()],
            ),
        )
        .await;
    assert!(report.error.is_none(), "{:?}", report.error);
    let resolution = report.resolution.unwrap();
    let ids = kept_ids(&resolution);
    assert_eq!(ids, ["europe-central-1", "us-east-1"]);
    assert_eq!(resolution.source, Source::Live);
    assert!(resolution
        .new
        .iter()
        .any(|id| id.as_str() == "us-midwest-2"));
}

#[tokio::test]
async fn unknown_backend_region_suggests_the_nearest_real_one() {
    let lambda = lambda().await;
    let report = lambda
        .resolve(
            lambda.section("    regions: [us-east-7]\n"),
            &ResolveOptions::default(),
        )
        .await;
    match report.error {
        Some(Error::UnknownRegion { suggestions, .. }) => assert_eq!(suggestions[0], "us-east-1"),
        other => panic!("expected an unknown-region error, got {other:?}"),
    }
}

#[tokio::test]
async fn provider_outage_falls_back_to_the_builtin_list_labelled() {
    let lambda = lambda().await;
    let emulator = lambda.emulator();
    emulator.set_fault(Fault::always("lambda", FaultKind::Http503));
    let report = lambda
        .resolve(lambda.section(""), &ResolveOptions::default())
        .await;
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
    let lambda = lambda().await;
    let emulator = lambda.emulator();
    emulator.set_fault(Fault::always("lambda", FaultKind::Empty));
    let report = lambda
        .resolve(lambda.section(""), &ResolveOptions::default())
        .await;
    let resolution = report.resolution.expect("a fallback answer");
    assert_eq!(resolution.source, Source::Builtin);
    assert!(!resolution.regions.is_empty());
}

#[tokio::test]
async fn rejected_credentials_get_no_fallback() {
    let lambda = lambda().await;
    let emulator = lambda.emulator();
    emulator.set_fault(Fault::always("lambda", FaultKind::Unauthorized));
    let report = lambda
        .resolve(lambda.section(""), &ResolveOptions::default())
        .await;
    assert!(report.resolution.is_none());
    let message = report.error.unwrap().to_string();
    assert!(message.starts_with("lambda: auth"), "{message}");
}

#[tokio::test]
async fn the_api_key_never_appears_in_debug_or_errors() {
    let canary = "canary-7f3a9c-lambda-key";
    let lambda = lambda().await;
    let section = lambda.section_with_creds(&api_key_creds(canary), "");
    let provider = lambda.provider(&section);
    assert!(!format!("{section:?}").contains(canary));
    assert!(!format!("{provider:?}").contains(canary));
    let report = lambda.resolve(section, &ResolveOptions::default()).await;
    let error = report.error.unwrap();
    assert!(!error.to_string().contains(canary));
    assert!(!format!("{error:?}").contains(canary));
}

#[tokio::test]
async fn missing_creds_name_the_field_and_the_fix() {
    let section = section_from_yaml("backends: [{type: lambda}]");
    let message = (regionkit_lambda::DESCRIPTOR.build)(&section)
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("lambda") && message.contains("creds") && message.contains("api_key"),
        "{message}"
    );
}
