//! Vast.ai discovery through real HTTP against the emulator: the conformance suite, then what
//! is Vast.ai's own, chiefly regions derived from offer geolocations.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use regionkit_core::{Config, RegionStatus, ResolveOptions};
use regionkit_testkit::{
    find, kept_ids, section_from_yaml, BackendHarness, BackendSpec, Case, EmptyAnswer, Text,
};
use regionkit_vastai::emulator::EMULATOR_API_KEY;

/// Vast.ai as the conformance suite sees it: one offer search per discovery. A search with no
/// offer at all is a broken answer (Vast.ai always lists thousands).
fn spec() -> BackendSpec {
    BackendSpec::api_key(&regionkit_vastai::DESCRIPTOR, EMULATOR_API_KEY)
        .calls([("POST /api/v0/bundles/", 1)])
        .regions(["us-texas", "ca-quebec", "se-sweden"])
        .misspelling("us-texs", "us-texas")
        .new_regions(["hu-bács-kiskun"])
        .empty_answer(EmptyAnswer::FallsBack)
        .says(
            Case::WrongCredentials,
            Text::Contains("auth_error: Invalid or expired API key"),
        )
        .says(Case::Forbidden, Text::Is("Access denied (injected)"))
        .says(Case::RateLimited, Text::Contains("too frequent"))
        .says(
            Case::ServerError,
            Text::Is("Internal server error (injected)"),
        )
        .says(
            Case::ServiceUnavailable,
            Text::Contains("service_unavailable"),
        )
        .says(Case::MalformedBody, Text::Contains("`offers`"))
}

regionkit_testkit::conformance_tests!(spec);

/// Vast.ai behind its emulator, with the key the emulator accepts.
async fn vastai() -> BackendHarness {
    spec().start().await
}

#[tokio::test]
async fn offer_geolocations_become_dstack_region_ids() {
    let vastai = vastai().await;
    let regions = vastai.discover(&vastai.section("")).await.unwrap();
    for id in [
        "us-texas",
        "ca-quebec",
        "se-sweden",
        "jp-japan",
        "ca-britishcolumbia",
        "is-hafnarfjarðarkaupstaður",
        "us",
    ] {
        assert_eq!(find(&regions, id).status, RegionStatus::Available, "{id}");
    }
    let texas = find(&regions, "us-texas");
    assert_eq!(texas.display_name, "Texas, US");
    let location = texas.location.as_ref().unwrap();
    assert_eq!(location.country.as_deref(), Some("US"));
    assert_eq!(location.raw.as_deref(), Some("Texas, US"));
}

#[tokio::test]
async fn offers_without_a_geolocation_are_counted_in_a_warning_not_invented() {
    let vastai = vastai().await;
    let report = vastai
        .resolve(vastai.section(""), &ResolveOptions::default())
        .await;
    let resolution = report.resolution.expect("resolved");
    let ids = resolution
        .regions
        .iter()
        .map(|r| &r.id)
        .chain(resolution.excluded.iter().map(|e| &e.id));
    for id in ids {
        assert!(
            !id.as_str().trim().is_empty() && id.as_str() != "null",
            "{id}"
        );
    }
    assert!(
        resolution
            .warnings
            .iter()
            .any(|w| w.contains("2 of 14 Vast.ai offers have no geolocation")),
        "{:?}",
        resolution.warnings
    );
}

#[tokio::test]
async fn a_known_region_without_offers_is_unavailable_not_dropped() {
    let vastai = vastai().await;
    let regions = vastai.discover(&vastai.section("")).await.unwrap();
    // Oregon's only host is rented, and no host in New York has an offer now.
    for id in ["us-oregon", "us-newyork"] {
        assert_eq!(find(&regions, id).status, RegionStatus::Unavailable, "{id}");
    }
    assert_eq!(
        find(&regions, "us-oregon")
            .location
            .as_ref()
            .and_then(|l| l.country.as_deref()),
        Some("US")
    );
}

#[tokio::test]
async fn without_community_cloud_only_datacenter_hosts_count() {
    let vastai = vastai().await;
    let regions = vastai
        .discover(&vastai.section("    community_cloud: false\n"))
        .await
        .unwrap();
    assert_eq!(find(&regions, "us-texas").status, RegionStatus::Available);
    assert_eq!(find(&regions, "fr-france").status, RegionStatus::Available);
    assert_eq!(
        find(&regions, "ca-quebec").status,
        RegionStatus::Unavailable
    );
    assert!(!regions.iter().any(|r| r.id.as_str() == "hu-bács-kiskun"));
}

#[tokio::test]
async fn naming_a_known_region_without_offers_warns_instead_of_failing_as_unknown() {
    let vastai = vastai().await;
    let report = vastai
        .resolve(
            vastai.section("    regions: [us-texas, us-oregon]\n"),
            &ResolveOptions::default(),
        )
        .await;
    assert!(report.error.is_none(), "{:?}", report.error);
    let resolution = report.resolution.unwrap();
    let ids = kept_ids(&resolution);
    assert_eq!(ids, ["us-texas"]);
    assert!(
        resolution.warnings.iter().any(|w| w.contains("us-oregon")),
        "{:?}",
        resolution.warnings
    );
}

#[tokio::test]
async fn a_dstack_server_config_without_creds_type_works() {
    let vastai = vastai().await;
    let yaml = format!(
        "projects:\n  - name: main\n    backends:\n      - type: vastai\n        creds:\n          api_key: {EMULATOR_API_KEY}\n        regions: [us-texas]\n        endpoint: {}\n",
        vastai.endpoint()
    );
    let report = vastai
        .kit()
        .resolve_sections(
            Config::from_yaml(&yaml, None, None).unwrap().backends,
            &ResolveOptions::default(),
        )
        .await
        .remove(0);
    assert!(report.error.is_none(), "{:?}", report.error);
    let ids: Vec<_> = report
        .resolution
        .unwrap()
        .regions
        .iter()
        .map(|r| r.id.to_string())
        .collect();
    assert_eq!(ids, ["us-texas"]);
}

#[tokio::test]
async fn a_misspelt_creds_key_is_named() {
    let message = (regionkit_vastai::DESCRIPTOR.build)(&section_from_yaml(
        "backends: [{type: vastai, creds: {type: api_key, apikey: abc}}]",
    ))
    .unwrap_err()
    .to_string();
    assert!(
        message.contains("creds") && message.contains("apikey"),
        "{message}"
    );
    assert!(!message.contains("abc"), "{message}");
}
