//! DataCrunch (Verda) discovery through real HTTP against the emulator: the conformance
//! suite, then what is Verda's own, chiefly its OAuth2 token.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use regionkit_core::{
    ProviderError, ProviderErrorKind, Region, RegionStatus, ResolveOptions, Source,
};
use regionkit_datacrunch::emulator::{EMULATOR_CLIENT_ID, EMULATOR_CLIENT_SECRET};
use regionkit_emulator::{Fault, FaultKind};
use regionkit_testkit::{section_at, BackendHarness, BackendSpec, Case, EmptyAnswer, Text};

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
