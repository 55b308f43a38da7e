//! Lambda discovery through real HTTP against the emulator.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use regionkit_core::{
    DiscoveryContext, Error, HttpClient, ProviderError, ProviderErrorKind, Region, RegionStatus,
    ResolveOptions, Source,
};
use regionkit_emulator::{
    EmuRequest, EmuResponse, EmulatedApi, Emulator, EmulatorRegistration, Fault, FaultKind,
};
use regionkit_lambda::emulator::{LambdaEmulator, EMULATOR_API_KEY};
use regionkit_testkit::{
    api_key_creds, fast_policy, kept_ids, section_at, section_from_yaml, BackendHarness,
};
use serde_json::Value;

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

// ---------------------------------------------------------------------------------------
// The capacity call is secondary. `/instance-types` failing leaves the live answer of
// `/regions`, every region `available`, with a warning; rejected credentials still fail, and
// so does `/regions` failing.
// ---------------------------------------------------------------------------------------

const REGIONS: &str = "GET /api/v1/regions";
const INSTANCE_TYPES: &str = "GET /api/v1/instance-types";

/// One discovery through the provider, with the warnings it attached.
async fn discover_with_warnings(
    lambda: &BackendHarness,
) -> (Result<Vec<Region>, ProviderError>, Vec<String>) {
    let provider = lambda.provider(&lambda.section(""));
    let ctx = lambda.context();
    let result = provider.discover(&ctx).await;
    (result, ctx.warnings())
}

fn ids(regions: &[Region]) -> Vec<&str> {
    let mut ids: Vec<&str> = regions.iter().map(|r| r.id.as_str()).collect();
    ids.sort_unstable();
    ids
}

/// The ids a discovery without faults finds.
async fn every_listed_id(lambda: &BackendHarness) -> Vec<String> {
    let regions = lambda.discover(&lambda.section("")).await.unwrap();
    ids(&regions).into_iter().map(str::to_owned).collect()
}

/// Capacity unknown: every listed region is there and `available`, and one warning says so.
fn assert_live_without_capacity(
    regions: &[Region],
    warnings: &[String],
    listed: &[String],
    because: &str,
) {
    assert_eq!(ids(regions), listed);
    assert!(
        regions.iter().all(|r| r.status == RegionStatus::Available),
        "unknown capacity is not limited capacity: {regions:?}"
    );
    let virginia = regions
        .iter()
        .find(|r| r.id.as_str() == "us-east-1")
        .unwrap();
    assert_eq!(virginia.display_name, "Virginia, USA");
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    let warning = &warnings[0];
    assert!(
        warning.contains("capacity unknown")
            && warning.contains("/api/v1/instance-types")
            && warning.contains(because),
        "{warning}"
    );
    assert!(!warning.contains(EMULATOR_API_KEY), "{warning}");
}

#[tokio::test]
async fn a_failing_capacity_call_leaves_a_live_answer_with_a_warning() {
    let lambda = lambda().await;
    let emulator = lambda.emulator();
    let listed = every_listed_id(&lambda).await;
    emulator.reset_counts();
    emulator.set_fault(Fault::always("lambda", FaultKind::Http500).on_path(INSTANCE_TYPES));
    let (regions, warnings) = discover_with_warnings(&lambda).await;
    assert_live_without_capacity(&regions.unwrap(), &warnings, &listed, "HTTP 500");
    assert_eq!(emulator.path_count("lambda", INSTANCE_TYPES), 3, "retried");
    assert_eq!(emulator.path_count("lambda", REGIONS), 1);
}

#[tokio::test]
async fn a_failing_capacity_call_still_resolves_live_with_the_warning() {
    let lambda = lambda().await;
    let emulator = lambda.emulator();
    emulator.set_fault(Fault::always("lambda", FaultKind::Http503).on_path(INSTANCE_TYPES));
    let report = lambda
        .resolve(lambda.section(""), &ResolveOptions::default())
        .await;
    assert!(report.error.is_none(), "{:?}", report.error);
    let resolution = report.resolution.unwrap();
    assert_eq!(resolution.source, Source::Live);
    assert!(resolution.live_error.is_none());
    assert!(kept_ids(&resolution).contains(&"me-west-1"));
    assert!(
        resolution
            .warnings
            .iter()
            .any(|w| w.contains("capacity unknown") && w.contains("HTTP 503")),
        "{:?}",
        resolution.warnings
    );
}

#[tokio::test]
async fn a_malformed_capacity_answer_leaves_a_live_answer_with_a_warning() {
    let lambda = lambda().await;
    let listed = every_listed_id(&lambda).await;
    lambda
        .emulator()
        .set_fault(Fault::always("lambda", FaultKind::Malformed).on_path(INSTANCE_TYPES));
    let (regions, warnings) = discover_with_warnings(&lambda).await;
    assert_live_without_capacity(&regions.unwrap(), &warnings, &listed, "bad-response");
}

#[tokio::test]
async fn a_cut_off_capacity_answer_leaves_a_live_answer_with_a_warning() {
    let lambda = lambda().await;
    let listed = every_listed_id(&lambda).await;
    lambda
        .emulator()
        .set_fault(Fault::always("lambda", FaultKind::Truncated).on_path(INSTANCE_TYPES));
    let (regions, warnings) = discover_with_warnings(&lambda).await;
    assert_live_without_capacity(&regions.unwrap(), &warnings, &listed, "cut off");
}

#[tokio::test]
async fn a_capacity_call_that_never_answers_gives_up_before_the_deadline() {
    let lambda = lambda().await;
    lambda
        .emulator()
        .set_fault(Fault::always("lambda", FaultKind::Timeout).on_path(INSTANCE_TYPES));
    let deadline = Duration::from_secs(3);
    let started = Instant::now();
    let report = lambda
        .resolve(
            lambda.section(""),
            &ResolveOptions::default().with_deadline(deadline),
        )
        .await;
    assert!(started.elapsed() < deadline, "{:?}", started.elapsed());
    let resolution = report.resolution.expect("a live answer");
    assert_eq!(
        resolution.source,
        Source::Live,
        "{:?}",
        resolution.live_error
    );
    assert!(
        resolution
            .warnings
            .iter()
            .any(|w| w.contains("capacity unknown") && w.contains("unavailable")),
        "{:?}",
        resolution.warnings
    );
}

#[tokio::test]
async fn rejected_credentials_on_the_capacity_call_fail_the_discovery() {
    let lambda = lambda().await;
    let emulator = lambda.emulator();
    emulator.set_fault(Fault::always("lambda", FaultKind::Unauthorized).on_path(INSTANCE_TYPES));
    let err = lambda.discover(&lambda.section("")).await.unwrap_err();
    assert_eq!(err.kind, ProviderErrorKind::Auth);
    assert_eq!(err.status, Some(401));
    assert!(err.message.contains("global/invalid-api-key"), "{err}");
    let report = lambda
        .resolve(lambda.section(""), &ResolveOptions::default())
        .await;
    assert!(
        report.resolution.is_none(),
        "no fallback for rejected credentials"
    );
    let message = report.error.unwrap().to_string();
    assert!(message.starts_with("lambda: auth"), "{message}");
}

#[tokio::test]
async fn a_failing_region_list_fails_the_discovery_as_before() {
    let lambda = lambda().await;
    let emulator = lambda.emulator();
    emulator.set_fault(Fault::always("lambda", FaultKind::Http500).on_path(REGIONS));
    let err = lambda.discover(&lambda.section("")).await.unwrap_err();
    assert_eq!(err.kind, ProviderErrorKind::Unavailable);
    assert_eq!(err.status, Some(500));
    assert_eq!(emulator.path_count("lambda", REGIONS), 3, "three attempts");

    emulator.set_fault(Fault::always("lambda", FaultKind::Malformed).on_path(REGIONS));
    let err = lambda.discover(&lambda.section("")).await.unwrap_err();
    assert_eq!(err.kind, ProviderErrorKind::BadResponse);
    assert!(err.message.contains("data"), "{err}");
}

/// Lambda's emulator with what regionkit does not read taken out of its answers: the
/// `instance_type` details of `/instance-types` and every region's `description`.
struct WithoutUnusedFields;

impl EmulatedApi for WithoutUnusedFields {
    fn handle(&self, request: &EmuRequest) -> EmuResponse {
        let mut response = LambdaEmulator.handle(request);
        let Ok(mut body) = serde_json::from_slice::<Value>(&response.body) else {
            return response;
        };
        fn drop_descriptions(regions: &mut Value) {
            for region in regions.as_array_mut().into_iter().flatten() {
                if let Some(region) = region.as_object_mut() {
                    region.remove("description");
                }
            }
        }
        match body.get_mut("data") {
            Some(Value::Array(_)) => drop_descriptions(&mut body["data"]),
            Some(Value::Object(types)) => {
                for entry in types.values_mut().filter_map(Value::as_object_mut) {
                    entry.remove("instance_type");
                    if let Some(regions) = entry.get_mut("regions_with_capacity_available") {
                        drop_descriptions(regions);
                    }
                }
            }
            _ => {}
        }
        response.body = serde_json::to_vec(&body).unwrap().into();
        response
    }

    fn config_section(&self) -> serde_yaml::Mapping {
        LambdaEmulator.config_section()
    }
}

regionkit_emulator::inventory::submit! {
    EmulatorRegistration::new("lambda-without-unused-fields", || Box::new(WithoutUnusedFields))
}

#[tokio::test]
async fn answers_without_the_fields_regionkit_does_not_read_still_parse() {
    let emulator = Emulator::new()
        .only(["lambda-without-unused-fields"])
        .start()
        .await
        .unwrap();
    let section = section_at(
        "lambda",
        &emulator.endpoint("lambda-without-unused-fields"),
        &api_key_creds(EMULATOR_API_KEY),
        "",
    );
    let provider = (regionkit_lambda::DESCRIPTOR.build)(&section).unwrap();
    let http = HttpClient::new(fast_policy()).unwrap();
    let ctx = DiscoveryContext::new("lambda", http, Instant::now() + Duration::from_secs(5));
    let regions = provider.discover(&ctx).await.unwrap();
    assert!(ctx.warnings().is_empty(), "{:?}", ctx.warnings());
    let virginia = regions
        .iter()
        .find(|r| r.id.as_str() == "us-east-1")
        .unwrap();
    assert_eq!(
        virginia.status,
        RegionStatus::Available,
        "capacity was read"
    );
    assert_eq!(virginia.display_name, "us-east-1", "the name stands in");
    assert!(virginia.location.is_none());
    let israel = regions
        .iter()
        .find(|r| r.id.as_str() == "me-west-1")
        .unwrap();
    assert_eq!(israel.status, RegionStatus::Limited);
}
