//! RunPod discovery through real HTTP against the emulator: the conformance suite, then what
//! is RunPod's own.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use regionkit_core::{ProviderErrorKind, RegionStatus, ResolveOptions};
use regionkit_runpod::emulator::{EMULATOR_API_KEY, EMULATOR_RESTRICTED_API_KEY};
use regionkit_testkit::{
    api_key_creds, find, kept_ids, BackendHarness, BackendSpec, Case, EmptyAnswer, Text,
};

/// RunPod as the conformance suite sees it: one GraphQL query per discovery.
fn spec() -> BackendSpec {
    BackendSpec::api_key(&regionkit_runpod::DESCRIPTOR, EMULATOR_API_KEY)
        .calls([("POST /graphql", 1)])
        .regions(["US-TX-3", "EU-RO-1", "US-KS-2"])
        .misspelling("US-TX-30", "US-TX-3")
        .new_regions(["US-WA-2"])
        .empty_answer(EmptyAnswer::FallsBack)
        .says(Case::WrongCredentials, Text::Contains("UNAUTHENTICATED"))
        .says(Case::RateLimited, Text::StartsWith("Too Many Requests: "))
        .says(Case::ServerError, Text::Contains("INTERNAL_SERVER_ERROR"))
        .says(Case::MalformedBody, Text::Contains("`data`"))
}

regionkit_testkit::conformance_tests!(spec);

/// RunPod behind its emulator, with the key the emulator accepts.
async fn runpod() -> BackendHarness {
    spec().start().await
}

#[tokio::test]
async fn data_centers_get_their_status_from_listing_and_gpu_stock() {
    let runpod = runpod().await;
    let regions = runpod.discover(&runpod.section("")).await.unwrap();
    assert_eq!(find(&regions, "US-TX-3").status, RegionStatus::Available);
    assert_eq!(find(&regions, "EU-RO-1").status, RegionStatus::Available);
    assert_eq!(find(&regions, "CA-MTL-3").status, RegionStatus::Limited);
    assert_eq!(
        find(&regions, "EU-SE-1").status,
        RegionStatus::Limited,
        "a GPU type listed with null stock is not stock"
    );
    assert_eq!(find(&regions, "US-TX-1").status, RegionStatus::Unavailable);
}

#[tokio::test]
async fn a_data_centers_location_text_is_kept_and_read() {
    let runpod = runpod().await;
    let regions = runpod.discover(&runpod.section("")).await.unwrap();
    let texas = find(&regions, "US-TX-3");
    assert_eq!(texas.display_name, "US-TX-3, United States");
    let location = texas.location.as_ref().unwrap();
    assert_eq!(location.country.as_deref(), Some("US"));
    assert_eq!(location.raw.as_deref(), Some("United States"));
    let romania = find(&regions, "EU-RO-1").location.as_ref().unwrap();
    assert_eq!(romania.country, None);
    assert_eq!(romania.continent.as_deref(), Some("Europe"));
}

#[tokio::test]
async fn community_countries_are_not_enabled_without_community_cloud() {
    let runpod = runpod().await;
    let regions = runpod.discover(&runpod.section("")).await.unwrap();
    let countries: Vec<_> = regions
        .iter()
        .filter(|r| !r.id.as_str().contains('-'))
        .collect();
    assert_eq!(countries.len(), 7, "the null country code is skipped");
    assert!(countries
        .iter()
        .all(|r| r.status == RegionStatus::NotEnabled));
}

#[tokio::test]
async fn community_cloud_makes_countries_available() {
    let runpod = runpod().await;
    let regions = runpod
        .discover(&runpod.section("    community_cloud: true\n"))
        .await
        .unwrap();
    let canada = find(&regions, "CA");
    assert_eq!(canada.status, RegionStatus::Available);
    assert_eq!(
        canada.location.as_ref().unwrap().continent.as_deref(),
        Some("North America")
    );
}

#[tokio::test]
async fn graphql_errors_in_a_200_answer_are_an_error_not_an_empty_list() {
    let runpod = runpod().await;
    let err = runpod
        .discover(&runpod.section_with_creds(&api_key_creds(EMULATOR_RESTRICTED_API_KEY), ""))
        .await
        .unwrap_err();
    assert_eq!(err.kind, ProviderErrorKind::Auth);
    assert_eq!(err.status, Some(200));
    assert!(
        err.message
            .contains("GraphQL errors: Unauthorized (at dataCenters)"),
        "{err}"
    );
}

#[tokio::test]
async fn a_community_country_named_without_community_cloud_is_explained() {
    let runpod = runpod().await;
    let report = runpod
        .resolve(
            runpod.section("    regions: [US, US-TX-3]\n"),
            &ResolveOptions::default(),
        )
        .await;
    let resolution = report.resolution.unwrap();
    let ids = kept_ids(&resolution);
    assert_eq!(ids, ["US-TX-3"]);
    assert!(
        resolution
            .warnings
            .iter()
            .any(|w| w.contains("`US`") && w.contains("not-enabled")),
        "{:?}",
        resolution.warnings
    );
}
