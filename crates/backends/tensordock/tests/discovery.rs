//! TensorDock discovery through real HTTP against the emulator: the conformance suite, then
//! what is TensorDock's own.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use regionkit_core::{Error, RegionStatus, ResolveOptions};
use regionkit_tensordock::emulator::EMULATOR_API_TOKEN;
use regionkit_testkit::{
    find, section_from_yaml, BackendHarness, BackendSpec, Case, EmptyAnswer, Text,
};

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
