//! TensorDock discovery through real HTTP against the emulator: the conformance suite, then
//! what is TensorDock's own.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use regionkit_core::{
    DiscoveryContext, Error, HttpClient, ProviderError, ProviderErrorKind, Region, RegionStatus,
    ResolveOptions, Source,
};
use regionkit_emulator::{
    EmuRequest, EmuResponse, EmulatedApi, Emulator, EmulatorRegistration, Fault, FaultKind,
};
use regionkit_tensordock::emulator::{TensorDockEmulator, EMULATOR_API_TOKEN};
use regionkit_testkit::{
    fast_policy, find, kept_ids, section_at, section_from_yaml, BackendHarness, BackendSpec, Case,
    EmptyAnswer, Text,
};
use serde_json::Value;

/// TensorDock's v2 credentials: an API token.
fn token_creds(token: &str) -> String {
    format!("{{type: api_key, api_token: {token}}}")
}

/// TensorDock as the conformance suite sees it. TensorDock drops sold-out locations from its
/// listing, so an empty listing is a normal state: every known location is unavailable.
fn spec() -> BackendSpec {
    let canary = "canary-a41d07-tensordock-token";
    BackendSpec::new(&regionkit_tensordock::DESCRIPTOR)
        .creds(token_creds(EMULATOR_API_TOKEN))
        .wrong_creds(token_creds("wrong-token"))
        .canary_creds(
            format!("{{type: api_key, api_key: {canary}-key, api_token: {canary}}}"),
            [canary],
        )
        .calls([("GET /api/v2/locations", 1), ("GET /api/v2/hostnodes", 1)])
        .regions(["us-texas-austin", "ca-manitoba-winnipeg"])
        .misspelling("us-texas-austn", "us-texas-austin")
        .empty_answer(EmptyAnswer::KnownRegionsUnavailable)
        .says(Case::WrongCredentials, Text::Is("Unauthorized"))
        .says(Case::Forbidden, Text::Is("Access denied (injected)"))
        .says(
            Case::ServerError,
            Text::Is("Internal server error (injected)"),
        )
        .says(Case::MalformedBody, Text::Contains("data"))
        .says(Case::MissingCreds, Text::Contains("api_token"))
}

regionkit_testkit::conformance_tests!(spec);

/// TensorDock behind its emulator, with the v2 token the emulator accepts.
async fn tensordock() -> BackendHarness {
    spec().start().await
}

#[tokio::test]
async fn a_listed_location_with_deployable_gpus_is_available() {
    let tensordock = tensordock().await;
    let regions = tensordock.discover(&tensordock.section("")).await.unwrap();
    let austin = find(&regions, "us-texas-austin");
    assert_eq!(austin.status, RegionStatus::Available);
    assert_eq!(austin.display_name, "Austin, Texas, United States");
    assert_eq!(austin.zones, ["3f1c2a7e-8b4d-4e2a-9c11-5d6e7f8a9b01"]);
    let location = austin.location.as_ref().unwrap();
    assert_eq!(location.country.as_deref(), Some("US"));
    assert_eq!(location.city.as_deref(), Some("Austin"));
    assert_eq!(
        location.raw.as_deref(),
        Some("Austin, Texas, United States")
    );
}

#[tokio::test]
async fn a_location_known_only_through_a_sold_out_host_is_limited() {
    let tensordock = tensordock().await;
    let regions = tensordock.discover(&tensordock.section("")).await.unwrap();
    let winnipeg = find(&regions, "ca-manitoba-winnipeg");
    assert_eq!(winnipeg.status, RegionStatus::Limited);
    assert_eq!(winnipeg.zones, ["9a0b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d"]);
    assert_eq!(
        winnipeg
            .location
            .as_ref()
            .and_then(|l| l.country.as_deref()),
        Some("CA")
    );
}

#[tokio::test]
async fn dstacks_country_names_are_unknown_and_point_at_the_new_ids() {
    let tensordock = tensordock().await;
    let report = tensordock
        .resolve(
            tensordock.section("    regions: [unitedstates]\n"),
            &ResolveOptions::default(),
        )
        .await;
    match report.error {
        Some(Error::UnknownRegion { known, .. }) => {
            assert!(known.iter().any(|k| k == "us-texas-austin"), "{known:?}")
        }
        other => panic!("expected an unknown-region error, got {other:?}"),
    }
}

#[tokio::test]
async fn dstacks_creds_without_type_and_with_api_key_work() {
    let tensordock = tensordock().await;
    let section = tensordock.section_with_creds(
        &format!("{{api_key: v0-key-id, api_token: {EMULATOR_API_TOKEN}}}"),
        "",
    );
    let regions = tensordock.discover(&section).await.unwrap();
    assert_eq!(
        find(&regions, "us-texas-austin").status,
        RegionStatus::Available
    );
}

#[tokio::test]
async fn an_api_key_without_a_token_asks_for_the_v2_token() {
    let message = (regionkit_tensordock::DESCRIPTOR.build)(&section_from_yaml(
        "backends: [{type: tensordock, creds: {type: api_key, api_key: abc}}]",
    ))
    .unwrap_err()
    .to_string();
    assert!(
        message.contains("tensordock") && message.contains("creds.api_token"),
        "{message}"
    );
    assert!(!message.contains("abc"), "{message}");
}
// ---------------------------------------------------------------------------------------
// The capacity call is secondary. `/hostnodes` failing leaves the live answer of
// `/locations`, with a warning; rejected credentials still fail, and so does `/locations`
// failing.
// ---------------------------------------------------------------------------------------

const LOCATIONS: &str = "GET /api/v2/locations";
const HOSTNODES: &str = "GET /api/v2/hostnodes";

/// One discovery through the provider, with the warnings it attached.
async fn discover_with_warnings(
    tensordock: &BackendHarness,
) -> (Result<Vec<Region>, ProviderError>, Vec<String>) {
    let provider = tensordock.provider(&tensordock.section(""));
    let ctx = tensordock.context();
    let result = provider.discover(&ctx).await;
    (result, ctx.warnings())
}

/// Hosts unknown: Austin keeps the `available` the location list gives it, Winnipeg (known,
/// left out of the list, seen only through its host) is `limited`, and one warning says so.
fn assert_live_without_hosts(regions: &[Region], warnings: &[String], because: &str) {
    let ids: Vec<_> = regions.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["ca-manitoba-winnipeg", "us-texas-austin"]);
    let austin = find(regions, "us-texas-austin");
    assert_eq!(austin.status, RegionStatus::Available);
    assert_eq!(austin.display_name, "Austin, Texas, United States");
    assert_eq!(
        find(regions, "ca-manitoba-winnipeg").status,
        RegionStatus::Limited,
        "unknown hosts do not make a known location unavailable"
    );
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    let warning = &warnings[0];
    assert!(
        warning.contains("capacity unknown")
            && warning.contains("/api/v2/hostnodes")
            && warning.contains(because),
        "{warning}"
    );
    assert!(!warning.contains(EMULATOR_API_TOKEN), "{warning}");
}

#[tokio::test]
async fn a_failing_capacity_call_leaves_a_live_answer_with_a_warning() {
    let tensordock = tensordock().await;
    let emulator = tensordock.emulator();
    emulator.set_fault(Fault::always("tensordock", FaultKind::Http500).on_path(HOSTNODES));
    let (regions, warnings) = discover_with_warnings(&tensordock).await;
    assert_live_without_hosts(&regions.unwrap(), &warnings, "HTTP 500");
    assert_eq!(emulator.path_count("tensordock", HOSTNODES), 3, "retried");
    assert_eq!(emulator.path_count("tensordock", LOCATIONS), 1);
}

#[tokio::test]
async fn a_failing_capacity_call_still_resolves_live_with_the_warning() {
    let tensordock = tensordock().await;
    tensordock
        .emulator()
        .set_fault(Fault::always("tensordock", FaultKind::Http503).on_path(HOSTNODES));
    let report = tensordock
        .resolve(tensordock.section(""), &ResolveOptions::default())
        .await;
    assert!(report.error.is_none(), "{:?}", report.error);
    let resolution = report.resolution.unwrap();
    assert_eq!(resolution.source, Source::Live);
    assert_eq!(
        kept_ids(&resolution),
        ["ca-manitoba-winnipeg", "us-texas-austin"]
    );
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
    let tensordock = tensordock().await;
    tensordock
        .emulator()
        .set_fault(Fault::always("tensordock", FaultKind::Malformed).on_path(HOSTNODES));
    let (regions, warnings) = discover_with_warnings(&tensordock).await;
    assert_live_without_hosts(&regions.unwrap(), &warnings, "bad-response");
}

#[tokio::test]
async fn a_cut_off_capacity_answer_leaves_a_live_answer_with_a_warning() {
    let tensordock = tensordock().await;
    tensordock
        .emulator()
        .set_fault(Fault::always("tensordock", FaultKind::Truncated).on_path(HOSTNODES));
    let (regions, warnings) = discover_with_warnings(&tensordock).await;
    assert_live_without_hosts(&regions.unwrap(), &warnings, "cut off");
}

#[tokio::test]
async fn rejected_credentials_on_the_capacity_call_fail_the_discovery() {
    let tensordock = tensordock().await;
    let emulator = tensordock.emulator();
    emulator.set_fault(Fault::always("tensordock", FaultKind::Unauthorized).on_path(HOSTNODES));
    let err = tensordock
        .discover(&tensordock.section(""))
        .await
        .unwrap_err();
    assert_eq!(err.kind, ProviderErrorKind::Auth);
    assert_eq!(err.status, Some(401));
    let report = tensordock
        .resolve(tensordock.section(""), &ResolveOptions::default())
        .await;
    assert!(
        report.resolution.is_none(),
        "no fallback for rejected credentials"
    );
    let message = report.error.unwrap().to_string();
    assert!(message.starts_with("tensordock: auth"), "{message}");

    emulator.set_fault(Fault::always("tensordock", FaultKind::Forbidden).on_path(HOSTNODES));
    let err = tensordock
        .discover(&tensordock.section(""))
        .await
        .unwrap_err();
    assert_eq!(err.kind, ProviderErrorKind::Auth, "{err}");
    assert_eq!(err.status, Some(403));
}

#[tokio::test]
async fn a_failing_location_list_fails_the_discovery_as_before() {
    let tensordock = tensordock().await;
    let emulator = tensordock.emulator();
    emulator.set_fault(Fault::always("tensordock", FaultKind::Http500).on_path(LOCATIONS));
    let err = tensordock
        .discover(&tensordock.section(""))
        .await
        .unwrap_err();
    assert_eq!(err.kind, ProviderErrorKind::Unavailable);
    assert_eq!(err.status, Some(500));
    assert_eq!(
        emulator.path_count("tensordock", LOCATIONS),
        3,
        "three attempts"
    );

    emulator.set_fault(Fault::always("tensordock", FaultKind::Malformed).on_path(LOCATIONS));
    let err = tensordock
        .discover(&tensordock.section(""))
        .await
        .unwrap_err();
    assert_eq!(err.kind, ProviderErrorKind::BadResponse);
    assert!(err.message.contains("data"), "{err}");
}

/// TensorDock's emulator without what regionkit does not read: GPU names, prices, specs,
/// uptime and host ids.
struct WithoutUnusedFields;

impl EmulatedApi for WithoutUnusedFields {
    fn handle(&self, request: &EmuRequest) -> EmuResponse {
        let mut response = TensorDockEmulator.handle(request);
        let Ok(mut body) = serde_json::from_slice::<Value>(&response.body) else {
            return response;
        };
        let data = &mut body["data"];
        for location in data["locations"].as_array_mut().into_iter().flatten() {
            let gpus = location["gpus"].as_array_mut().into_iter().flatten();
            for gpu in gpus.filter_map(Value::as_object_mut) {
                gpu.retain(|key, _| key == "max_count");
            }
        }
        for host in data["hostnodes"]
            .as_array_mut()
            .into_iter()
            .flatten()
            .filter_map(Value::as_object_mut)
        {
            host.retain(|key, _| {
                ["location_id", "available_resources", "location"].contains(&key.as_str())
            });
            let gpus = host
                .get_mut("available_resources")
                .and_then(|r| r.get_mut("gpus"))
                .and_then(Value::as_array_mut);
            for gpu in gpus.into_iter().flatten().filter_map(Value::as_object_mut) {
                gpu.retain(|key, _| key == "availableCount");
            }
        }
        response.body = serde_json::to_vec(&body).unwrap().into();
        response
    }

    fn config_section(&self) -> serde_yaml::Mapping {
        TensorDockEmulator.config_section()
    }
}

regionkit_emulator::inventory::submit! {
    EmulatorRegistration::new("tensordock-without-unused-fields", || Box::new(WithoutUnusedFields))
}

#[tokio::test]
async fn answers_without_the_fields_regionkit_does_not_read_still_parse() {
    let emulator = Emulator::new()
        .only(["tensordock-without-unused-fields"])
        .start()
        .await
        .unwrap();
    let section = section_at(
        "tensordock",
        &emulator.endpoint("tensordock-without-unused-fields"),
        &format!("{{type: api_key, api_token: {EMULATOR_API_TOKEN}}}"),
        "",
    );
    let provider = (regionkit_tensordock::DESCRIPTOR.build)(&section).unwrap();
    let http = HttpClient::new(fast_policy()).unwrap();
    let ctx = DiscoveryContext::new("tensordock", http, Instant::now() + Duration::from_secs(5));
    let regions = provider.discover(&ctx).await.unwrap();
    assert!(ctx.warnings().is_empty(), "{:?}", ctx.warnings());
    assert_eq!(
        find(&regions, "us-texas-austin").status,
        RegionStatus::Available
    );
    let winnipeg = find(&regions, "ca-manitoba-winnipeg");
    assert_eq!(winnipeg.status, RegionStatus::Limited);
    assert_eq!(winnipeg.zones, ["9a0b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d"]);
}
