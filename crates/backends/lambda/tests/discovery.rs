//! Lambda discovery through real HTTP against the emulator: the conformance suite, then what
//! is Lambda's own.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use regionkit_core::{
    DiscoveryContext, HttpClient, ProviderError, ProviderErrorKind, Region, RegionStatus,
    ResolveOptions, Source,
};
use regionkit_emulator::{
    EmuRequest, EmuResponse, EmulatedApi, Emulator, EmulatorRegistration, Fault, FaultKind,
};
use regionkit_lambda::emulator::{LambdaEmulator, EMULATOR_API_KEY, EMULATOR_PACED_API_KEY};
use regionkit_testkit::{
    api_key_creds, fast_policy, find, kept_ids, section_at, BackendHarness, BackendSpec, Case,
    EmptyAnswer, Text,
};
use serde_json::Value;

/// Lambda as the conformance suite sees it.
fn spec() -> BackendSpec {
    BackendSpec::api_key(&regionkit_lambda::DESCRIPTOR, EMULATOR_API_KEY)
        .calls([
            ("GET /api/v1/regions", 1),
            ("GET /api/v1/instance-types", 1),
        ])
        .regions(["us-east-1", "europe-central-1", "me-west-1"])
        .misspelling("us-east-7", "us-east-1")
        .new_regions(["us-midwest-2"])
        .empty_answer(EmptyAnswer::FallsBack)
        .says(
            Case::WrongCredentials,
            Text::Contains("global/invalid-api-key"),
        )
        .says(Case::MalformedBody, Text::Contains("data"))
}

regionkit_testkit::conformance_tests!(spec);

/// Lambda behind its emulator, with the key the emulator accepts.
async fn lambda() -> BackendHarness {
    spec().start().await
}

#[tokio::test]
async fn a_region_with_capacity_missing_from_the_region_list_is_still_a_region() {
    let lambda = lambda().await;
    let regions = lambda.discover(&spec().section(&lambda, "")).await.unwrap();
    let region = find(&regions, "asia-northeast-2");
    assert_eq!(region.status, RegionStatus::Available);
    assert_eq!(region.display_name, "Japan");
}

#[tokio::test]
async fn requests_keep_to_lambdas_one_request_per_second() {
    let lambda = lambda().await;
    let section = spec().section_with_creds(&lambda, &api_key_creds(EMULATOR_PACED_API_KEY), "");
    // One provider, as the kit keeps one per account: its pacing holds across discoveries.
    let provider = lambda.provider(&section);
    let started = Instant::now();
    for _ in 0..2 {
        provider.discover(&lambda.context()).await.unwrap();
    }
    let emulator = lambda.emulator();
    // Four requests, each answered at once: none was refused for coming too soon.
    assert_eq!(emulator.path_count("lambda", "GET /api/v1/regions"), 2);
    assert_eq!(
        emulator.path_count("lambda", "GET /api/v1/instance-types"),
        2
    );
    assert!(
        started.elapsed() >= Duration::from_secs(3),
        "four requests a second apart"
    );
}

#[tokio::test]
async fn regions_with_capacity_are_available_and_the_rest_limited() {
    let lambda = lambda().await;
    let regions = lambda.discover(&lambda.section("")).await.unwrap();
    assert_eq!(find(&regions, "us-east-1").status, RegionStatus::Available);
    assert_eq!(
        find(&regions, "europe-central-1").status,
        RegionStatus::Available
    );
    assert_eq!(find(&regions, "me-west-1").status, RegionStatus::Limited);
    let virginia = find(&regions, "us-east-1");
    assert_eq!(virginia.display_name, "Virginia, USA");
    assert_eq!(
        virginia
            .location
            .as_ref()
            .and_then(|l| l.country.as_deref()),
        Some("US")
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

/// The ids `/regions` lists: what a discovery without faults finds, less the region only the
/// capacity call names (without capacity, nothing names it).
async fn every_listed_id(lambda: &BackendHarness) -> Vec<String> {
    let regions = lambda.discover(&lambda.section("")).await.unwrap();
    ids(&regions)
        .into_iter()
        .filter(|id| *id != "asia-northeast-2")
        .map(str::to_owned)
        .collect()
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
        let mut response = LambdaEmulator::default().handle(request);
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
        LambdaEmulator::default().config_section()
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
