//! DataCrunch (Verda) discovery through real HTTP against the emulator: the conformance
//! suite, then what is Verda's own, chiefly its OAuth2 token.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use regionkit_core::{
    DiscoveryContext, HttpClient, ProviderError, ProviderErrorKind, Region, RegionStatus,
    ResolveOptions, Source,
};
use regionkit_datacrunch::emulator::{
    DatacrunchEmulator, EMULATOR_CLIENT_ID, EMULATOR_CLIENT_SECRET,
};
use regionkit_emulator::{
    EmuRequest, EmuResponse, EmulatedApi, Emulator, EmulatorRegistration, Fault, FaultKind,
};
use regionkit_testkit::{
    fast_policy, kept_ids, section_at, BackendHarness, BackendSpec, Case, EmptyAnswer, Text,
};
use serde_json::{json, Value};

const TOKEN: &str = "POST /oauth2/token";
const LOCATIONS: &str = "GET /locations";
const AVAILABILITY: &str = "GET /instance-availability";

/// Verda's client credentials: the emulator's client id with `secret`.
fn creds(secret: &str) -> String {
    format!("{{type: api_key, client_id: {EMULATOR_CLIENT_ID}, client_secret: {secret}}}")
}

/// DataCrunch as the conformance suite sees it: every discovery starts with the token
/// exchange, so the suite's faults hit that first.
fn spec() -> BackendSpec {
    let canary = "canary-5d21e8-verda-secret";
    BackendSpec::new(&regionkit_datacrunch::DESCRIPTOR)
        .creds(creds(EMULATOR_CLIENT_SECRET))
        .wrong_creds(creds("wrong-secret"))
        .canary_creds(creds(canary), [canary])
        .calls([(TOKEN, 1), (LOCATIONS, 1), (AVAILABILITY, 2)])
        .regions(["FIN-01", "ICE-01", "FIN-02"])
        .misspelling("FIN-3", "FIN-03")
        .empty_answer(EmptyAnswer::FallsBack)
        .says(Case::WrongCredentials, Text::Contains("token exchange"))
        .says(
            Case::WrongCredentials,
            Text::Contains("unauthorized_request"),
        )
        .says(Case::Forbidden, Text::Contains("forbidden_action"))
        .says(Case::ServerError, Text::Contains("server_error"))
        .says(Case::MalformedBody, Text::Contains("access_token"))
        .says(Case::MissingCreds, Text::Contains("client_secret"))
}

regionkit_testkit::conformance_tests!(spec);

/// DataCrunch behind its emulator, with the client credentials the emulator accepts.
async fn datacrunch() -> BackendHarness {
    spec().start().await
}

fn status_of(regions: &[Region], id: &str) -> Option<RegionStatus> {
    regions
        .iter()
        .find(|r| r.id.as_str() == id)
        .map(|r| r.status)
}

/// A discovery with `fault` injected after a first one has cached the token, so that the
/// fault hits the listing rather than the token exchange.
async fn fault_after_the_token(kind: FaultKind) -> ProviderError {
    let datacrunch = datacrunch().await;
    let provider = datacrunch.provider(&datacrunch.section(""));
    provider.discover(&datacrunch.context()).await.unwrap();
    datacrunch
        .emulator()
        .set_fault(Fault::always("datacrunch", kind));
    provider.discover(&datacrunch.context()).await.unwrap_err()
}

#[tokio::test]
async fn locations_with_capacity_are_available_and_the_rest_limited() {
    let datacrunch = datacrunch().await;
    let regions = datacrunch.discover(&datacrunch.section("")).await.unwrap();
    let ids: Vec<_> = regions.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["FIN-01", "FIN-02", "FIN-03", "ICE-01"]);
    assert_eq!(status_of(&regions, "FIN-01"), Some(RegionStatus::Available));
    assert_eq!(status_of(&regions, "FIN-03"), Some(RegionStatus::Available));
    assert_eq!(status_of(&regions, "FIN-02"), Some(RegionStatus::Limited));
    let iceland = regions.iter().find(|r| r.id.as_str() == "ICE-01").unwrap();
    assert_eq!(iceland.display_name, "Iceland 1");
    let location = iceland.location.as_ref().unwrap();
    assert_eq!(location.country.as_deref(), Some("IS"));
    assert_eq!(location.continent.as_deref(), Some("Europe"));
}

#[tokio::test]
async fn spot_only_capacity_makes_a_location_available() {
    let datacrunch = datacrunch().await;
    let regions = datacrunch.discover(&datacrunch.section("")).await.unwrap();
    // ICE-01 is absent from the on-demand answer and has CPU instances as spot.
    assert_eq!(status_of(&regions, "ICE-01"), Some(RegionStatus::Available));
}

#[tokio::test]
async fn one_token_exchange_serves_concurrent_calls_and_later_discoveries() {
    let datacrunch = datacrunch().await;
    let emulator = datacrunch.emulator();
    let provider = datacrunch.provider(&datacrunch.section(""));
    provider.discover(&datacrunch.context()).await.unwrap();
    provider.discover(&datacrunch.context()).await.unwrap();
    assert_eq!(emulator.path_count("datacrunch", TOKEN), 1);
    assert_eq!(emulator.path_count("datacrunch", LOCATIONS), 2);
}

#[tokio::test]
async fn a_token_refused_with_401_is_replaced_once_and_the_call_repeated() {
    let datacrunch = datacrunch().await;
    let emulator = datacrunch.emulator();
    let provider = datacrunch.provider(&datacrunch.section(""));
    provider.discover(&datacrunch.context()).await.unwrap();
    emulator.set_fault(Fault::times("datacrunch", FaultKind::Unauthorized, 1));
    let regions = provider.discover(&datacrunch.context()).await.unwrap();
    assert_eq!(regions.len(), 4);
    assert_eq!(emulator.path_count("datacrunch", TOKEN), 2);
}

#[tokio::test]
async fn a_401_that_outlives_a_new_token_is_an_auth_error_not_a_loop() {
    let datacrunch = datacrunch().await;
    let emulator = datacrunch.emulator();
    let provider = datacrunch.provider(&datacrunch.section(""));
    provider.discover(&datacrunch.context()).await.unwrap();
    emulator.set_fault(Fault::always("datacrunch", FaultKind::Unauthorized));
    let err = provider.discover(&datacrunch.context()).await.unwrap_err();
    assert_eq!(err.kind, ProviderErrorKind::Auth);
    assert_eq!(err.status, Some(401));
    assert!(
        emulator.path_count("datacrunch", TOKEN) <= 4,
        "at most one new token per call of the three"
    );
}

#[tokio::test]
async fn a_wrong_client_secret_stops_at_the_token_exchange() {
    let datacrunch = datacrunch().await;
    let emulator = datacrunch.emulator();
    let wrong = datacrunch.section_with_creds(&creds("wrong-secret"), "");
    datacrunch.discover(&wrong).await.unwrap_err();
    assert_eq!(emulator.path_count("datacrunch", TOKEN), 1);
    assert_eq!(emulator.path_count("datacrunch", LOCATIONS), 0);
}

#[tokio::test]
async fn service_unavailable_after_the_token_is_a_temporary_error_with_verdas_code() {
    let err = fault_after_the_token(FaultKind::Http503).await;
    assert_eq!(err.kind, ProviderErrorKind::Unavailable);
    assert_eq!(err.status, Some(503));
    assert!(err.is_temporary());
    assert!(err.message.contains("service_unavailable"), "{err}");
}

#[tokio::test]
async fn a_malformed_location_list_is_a_bad_response() {
    let err = fault_after_the_token(FaultKind::Malformed).await;
    assert_eq!(err.kind, ProviderErrorKind::BadResponse);
    assert!(err.message.contains("expected a sequence"), "{err}");
}

#[tokio::test]
async fn a_location_list_cut_off_after_the_token_is_reported_as_such() {
    let err = fault_after_the_token(FaultKind::Truncated).await;
    assert!(
        err.message.contains("cut off") || err.message.contains("truncated"),
        "{err}"
    );
}

#[tokio::test]
async fn a_wrong_endpoint_path_is_rejected_as_not_found() {
    let datacrunch = datacrunch().await;
    let endpoint = format!("{}/v2", datacrunch.endpoint());
    let section = section_at("datacrunch", &endpoint, &creds(EMULATOR_CLIENT_SECRET), "");
    let err = datacrunch.discover(&section).await.unwrap_err();
    assert_eq!(err.kind, ProviderErrorKind::Rejected);
    assert_eq!(err.status, Some(404));
    assert!(err.message.contains("not_found"), "{err}");
}

#[tokio::test]
async fn the_verda_alias_resolves_through_the_same_backend() {
    let datacrunch = datacrunch().await;
    let report = datacrunch
        .resolve(
            section_at(
                "verda",
                &datacrunch.endpoint(),
                &creds(EMULATOR_CLIENT_SECRET),
                "    regions: [FIN-01]\n",
            ),
            &ResolveOptions::default(),
        )
        .await;
    assert_eq!(report.backend, "datacrunch");
    let resolution = report.resolution.unwrap();
    assert_eq!(resolution.source, Source::Live);
    assert_eq!(resolution.regions.len(), 1);
}
// ---------------------------------------------------------------------------------------
// The capacity calls are secondary. `/instance-availability` failing leaves the live answer
// of `/locations`, every location `available`, with a warning; rejected credentials still
// fail, and so does `/locations` failing.
// ---------------------------------------------------------------------------------------

/// One discovery through the provider, with the warnings it attached.
async fn discover_with_warnings(
    datacrunch: &BackendHarness,
) -> (Result<Vec<Region>, ProviderError>, Vec<String>) {
    let provider = datacrunch.provider(&datacrunch.section(""));
    let ctx = datacrunch.context();
    let result = provider.discover(&ctx).await;
    (result, ctx.warnings())
}

/// Capacity unknown: every listed location is there and `available`, and one warning says
/// so.
fn assert_live_without_capacity(regions: &[Region], warnings: &[String], because: &str) {
    let ids: Vec<_> = regions.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["FIN-01", "FIN-02", "FIN-03", "ICE-01"]);
    assert!(
        regions.iter().all(|r| r.status == RegionStatus::Available),
        "unknown capacity is not limited capacity: {regions:?}"
    );
    assert_eq!(regions[3].display_name, "Iceland 1");
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    let warning = &warnings[0];
    assert!(
        warning.contains("capacity unknown")
            && warning.contains("/instance-availability")
            && warning.contains(because),
        "{warning}"
    );
    assert!(!warning.contains(EMULATOR_CLIENT_SECRET), "{warning}");
    assert!(!warning.contains("emulator-verda-access"), "{warning}");
}

#[tokio::test]
async fn a_failing_capacity_call_leaves_a_live_answer_with_a_warning() {
    let datacrunch = datacrunch().await;
    let emulator = datacrunch.emulator();
    emulator.set_fault(Fault::always("datacrunch", FaultKind::Http500).on_path(AVAILABILITY));
    let (regions, warnings) = discover_with_warnings(&datacrunch).await;
    assert_live_without_capacity(&regions.unwrap(), &warnings, "HTTP 500");
    assert!(
        warnings[0].contains("(on demand)") && warnings[0].contains("(spot)"),
        "{warnings:?}"
    );
    assert_eq!(
        emulator.path_count("datacrunch", AVAILABILITY),
        6,
        "on demand and spot, three attempts each"
    );
    assert_eq!(emulator.path_count("datacrunch", LOCATIONS), 1);
}

#[tokio::test]
async fn a_failing_capacity_call_still_resolves_live_with_the_warning() {
    let datacrunch = datacrunch().await;
    datacrunch
        .emulator()
        .set_fault(Fault::always("datacrunch", FaultKind::Http503).on_path(AVAILABILITY));
    let report = datacrunch
        .resolve(datacrunch.section(""), &ResolveOptions::default())
        .await;
    assert!(report.error.is_none(), "{:?}", report.error);
    let resolution = report.resolution.unwrap();
    assert_eq!(resolution.source, Source::Live);
    assert!(kept_ids(&resolution).contains(&"FIN-02"));
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
    let datacrunch = datacrunch().await;
    datacrunch
        .emulator()
        .set_fault(Fault::always("datacrunch", FaultKind::Malformed).on_path(AVAILABILITY));
    let (regions, warnings) = discover_with_warnings(&datacrunch).await;
    assert_live_without_capacity(&regions.unwrap(), &warnings, "bad-response");
}

#[tokio::test]
async fn half_an_availability_answer_is_no_capacity_answer() {
    let datacrunch = datacrunch().await;
    datacrunch
        .emulator()
        .set_fault(Fault::times("datacrunch", FaultKind::Malformed, 1).on_path(AVAILABILITY));
    let (regions, warnings) = discover_with_warnings(&datacrunch).await;
    assert_live_without_capacity(&regions.unwrap(), &warnings, "bad-response");
    let named = ["(on demand)", "(spot)"]
        .iter()
        .filter(|which| warnings[0].contains(*which))
        .count();
    assert_eq!(named, 1, "only the call that failed is named: {warnings:?}");
}

#[tokio::test]
async fn a_cut_off_capacity_answer_leaves_a_live_answer_with_a_warning() {
    let datacrunch = datacrunch().await;
    datacrunch
        .emulator()
        .set_fault(Fault::always("datacrunch", FaultKind::Truncated).on_path(AVAILABILITY));
    let (regions, warnings) = discover_with_warnings(&datacrunch).await;
    assert_live_without_capacity(&regions.unwrap(), &warnings, "cut off");
}

#[tokio::test]
async fn rejected_credentials_on_the_capacity_call_fail_the_discovery() {
    let datacrunch = datacrunch().await;
    let emulator = datacrunch.emulator();
    emulator.set_fault(Fault::always("datacrunch", FaultKind::Unauthorized).on_path(AVAILABILITY));
    let err = datacrunch
        .discover(&datacrunch.section(""))
        .await
        .unwrap_err();
    assert_eq!(err.kind, ProviderErrorKind::Auth);
    assert_eq!(err.status, Some(401));
    assert!(err.message.starts_with("unauthorized_request: "), "{err}");
    let report = datacrunch
        .resolve(datacrunch.section(""), &ResolveOptions::default())
        .await;
    assert!(
        report.resolution.is_none(),
        "no fallback for rejected credentials"
    );
    let message = report.error.unwrap().to_string();
    assert!(message.starts_with("datacrunch: auth"), "{message}");
}

#[tokio::test]
async fn a_failing_location_list_fails_the_discovery_as_before() {
    let datacrunch = datacrunch().await;
    let emulator = datacrunch.emulator();
    emulator.set_fault(Fault::always("datacrunch", FaultKind::Http500).on_path(LOCATIONS));
    let err = datacrunch
        .discover(&datacrunch.section(""))
        .await
        .unwrap_err();
    assert_eq!(err.kind, ProviderErrorKind::Unavailable);
    assert_eq!(err.status, Some(500));
    assert_eq!(
        emulator.path_count("datacrunch", LOCATIONS),
        3,
        "three attempts"
    );

    emulator.set_fault(Fault::always("datacrunch", FaultKind::Malformed).on_path(LOCATIONS));
    let err = datacrunch
        .discover(&datacrunch.section(""))
        .await
        .unwrap_err();
    assert_eq!(err.kind, ProviderErrorKind::BadResponse);
    assert!(err.message.contains("expected a sequence"), "{err}");
}

/// Verda's emulator without what regionkit can do without: locations without `name` and
/// `country_code`, and availability entries without an empty `availabilities`.
struct Sparse(DatacrunchEmulator);

impl EmulatedApi for Sparse {
    fn handle(&self, request: &EmuRequest) -> EmuResponse {
        let mut response = self.0.handle(request);
        if request.is("POST", "/oauth2/token") {
            return response;
        }
        let Ok(mut body) = serde_json::from_slice::<Value>(&response.body) else {
            return response;
        };
        for entry in body
            .as_array_mut()
            .into_iter()
            .flatten()
            .filter_map(Value::as_object_mut)
        {
            entry.remove("name");
            entry.remove("country_code");
            if entry.get("availabilities") == Some(&json!([])) {
                entry.remove("availabilities");
            }
        }
        response.body = serde_json::to_vec(&body).unwrap().into();
        response
    }

    fn config_section(&self) -> serde_yaml::Mapping {
        self.0.config_section()
    }
}

regionkit_emulator::inventory::submit! {
    EmulatorRegistration::new("datacrunch-sparse", || Box::new(Sparse(DatacrunchEmulator::default())))
}

#[tokio::test]
async fn answers_without_the_fields_regionkit_can_do_without_still_parse() {
    let emulator = Emulator::new()
        .only(["datacrunch-sparse"])
        .start()
        .await
        .unwrap();
    let sparse = section_at(
        "datacrunch",
        &emulator.endpoint("datacrunch-sparse"),
        &creds(EMULATOR_CLIENT_SECRET),
        "",
    );
    let provider = (regionkit_datacrunch::DESCRIPTOR.build)(&sparse).unwrap();
    let http = HttpClient::new(fast_policy()).unwrap();
    let ctx = DiscoveryContext::new("datacrunch", http, Instant::now() + Duration::from_secs(5));
    let regions = provider.discover(&ctx).await.unwrap();
    assert!(ctx.warnings().is_empty(), "{:?}", ctx.warnings());
    assert_eq!(status_of(&regions, "FIN-01"), Some(RegionStatus::Available));
    assert_eq!(status_of(&regions, "FIN-02"), Some(RegionStatus::Limited));
    assert_eq!(status_of(&regions, "ICE-01"), Some(RegionStatus::Available));
    let fin2 = regions.iter().find(|r| r.id.as_str() == "FIN-02").unwrap();
    assert_eq!(
        fin2.display_name, "FIN-02",
        "the code stands in for the name"
    );
    assert!(fin2.location.is_none());
}
