//! RunPod discovery through real HTTP against the emulator.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use regionkit_core::{Error, ProviderErrorKind, RegionStatus, ResolveOptions, Source};
use regionkit_emulator::{Fault, FaultKind};
use regionkit_runpod::emulator::{EMULATOR_API_KEY, EMULATOR_RESTRICTED_API_KEY};
use regionkit_testkit::{
    api_key_creds, fast_policy, find, kept_ids, section_from_yaml, BackendHarness,
};

const GRAPHQL: &str = "POST /graphql";

/// RunPod behind its emulator, with the key the emulator accepts.
async fn runpod() -> BackendHarness {
    BackendHarness::start(&regionkit_runpod::DESCRIPTOR)
        .await
        .with_creds(api_key_creds(EMULATOR_API_KEY))
}

#[tokio::test]
async fn data_centers_get_their_status_from_listing_and_gpu_stock() {
    let runpod = runpod().await;
    let emulator = runpod.emulator();
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
    assert_eq!(emulator.path_count("runpod", GRAPHQL), 1);
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
async fn an_unknown_key_is_an_auth_error() {
    let runpod = runpod().await;
    let err = runpod
        .discover(&runpod.section_with_creds(&api_key_creds("rpa_wrong"), ""))
        .await
        .unwrap_err();
    assert_eq!(err.kind, ProviderErrorKind::Auth);
    assert_eq!(err.status, Some(401));
    assert!(err.message.contains("UNAUTHENTICATED"), "{err}");
}

#[tokio::test]
async fn forbidden_is_an_auth_error() {
    let runpod = runpod().await;
    let emulator = runpod.emulator();
    emulator.set_fault(Fault::always("runpod", FaultKind::Forbidden));
    let err = runpod.discover(&runpod.section("")).await.unwrap_err();
    assert_eq!(err.kind, ProviderErrorKind::Auth);
    assert_eq!(err.status, Some(403));
}

#[tokio::test]
async fn rate_limit_with_retry_after_is_waited_out_then_succeeds() {
    let runpod = runpod().await;
    let emulator = runpod.emulator();
    emulator.set_fault(Fault::times(
        "runpod",
        FaultKind::Http429 {
            retry_after_secs: 1,
        },
        1,
    ));
    let started = Instant::now();
    let regions = runpod.discover(&runpod.section("")).await.unwrap();
    assert!(!regions.is_empty());
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "Retry-After was not honoured"
    );
    assert_eq!(emulator.path_count("runpod", GRAPHQL), 2);
}

#[tokio::test]
async fn a_rate_limit_past_the_deadline_reports_runpods_problem_body() {
    let runpod = runpod().await;
    let emulator = runpod.emulator();
    emulator.set_fault(Fault::always(
        "runpod",
        FaultKind::Http429 {
            retry_after_secs: 60,
        },
    ));
    let started = Instant::now();
    let err = runpod.discover(&runpod.section("")).await.unwrap_err();
    assert_eq!(err.kind, ProviderErrorKind::RateLimited);
    assert_eq!(err.retry_after, Some(Duration::from_secs(60)));
    assert!(err.message.starts_with("Too Many Requests: "), "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "waited past the deadline"
    );
}

#[tokio::test]
async fn server_errors_are_retried_then_reported_as_unavailable() {
    let runpod = runpod().await;
    let emulator = runpod.emulator();
    emulator.set_fault(Fault::always("runpod", FaultKind::Http500));
    let err = runpod.discover(&runpod.section("")).await.unwrap_err();
    assert_eq!(err.kind, ProviderErrorKind::Unavailable);
    assert_eq!(err.status, Some(500));
    assert!(err.message.contains("INTERNAL_SERVER_ERROR"), "{err}");
    assert_eq!(emulator.path_count("runpod", GRAPHQL), 3, "three attempts");
}

#[tokio::test]
async fn malformed_body_names_the_missing_data() {
    let runpod = runpod().await;
    let emulator = runpod.emulator();
    emulator.set_fault(Fault::always("runpod", FaultKind::Malformed));
    let err = runpod.discover(&runpod.section("")).await.unwrap_err();
    assert_eq!(err.kind, ProviderErrorKind::BadResponse);
    assert!(err.message.contains("`data`"), "{err}");
}

#[tokio::test]
async fn truncated_body_is_reported_as_cut_off() {
    let runpod = runpod().await;
    let emulator = runpod.emulator();
    emulator.set_fault(Fault::always("runpod", FaultKind::Truncated));
    let err = runpod.discover(&runpod.section("")).await.unwrap_err();
    assert!(
        err.message.contains("cut off") || err.message.contains("truncated"),
        "{err}"
    );
}

#[tokio::test]
async fn oversized_body_is_refused() {
    let runpod = runpod().await;
    let emulator = runpod.emulator();
    emulator.set_fault(Fault::always(
        "runpod",
        FaultKind::Oversized { bytes: 64 * 1024 },
    ));
    let policy = fast_policy().with_max_body_bytes(16 * 1024);
    let err = runpod
        .discover_with(&runpod.section(""), policy)
        .await
        .unwrap_err();
    assert_eq!(err.kind, ProviderErrorKind::BadResponse);
    assert!(err.message.contains("limit"), "{err}");
}

#[tokio::test]
async fn resolution_keeps_named_regions_in_order_and_reports_new_ones() {
    let runpod = runpod().await;
    let report = runpod
        .resolve(
            runpod.section("    regions: [\"US-*\", EU-RO-1]\n"),
            &ResolveOptions::default()
                .with_run_regions("--region", vec!["eu-ro-1".into(), "US-KS-2".into()]),
        )
        .await;
    assert!(report.error.is_none(), "{:?}", report.error);
    let resolution = report.resolution.unwrap();
    let ids = kept_ids(&resolution);
    assert_eq!(ids, ["EU-RO-1", "US-KS-2"]);
    assert_eq!(resolution.source, Source::Live);
    assert!(resolution.new.iter().any(|id| id.as_str() == "US-WA-2"));
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

#[tokio::test]
async fn unknown_backend_region_suggests_the_nearest_real_one() {
    let runpod = runpod().await;
    let report = runpod
        .resolve(
            runpod.section("    regions: [US-TX-30]\n"),
            &ResolveOptions::default(),
        )
        .await;
    match report.error {
        Some(Error::UnknownRegion { suggestions, .. }) => assert_eq!(suggestions[0], "US-TX-3"),
        other => panic!("expected an unknown-region error, got {other:?}"),
    }
}

#[tokio::test]
async fn provider_outage_falls_back_to_the_builtin_list_labelled() {
    let runpod = runpod().await;
    let emulator = runpod.emulator();
    emulator.set_fault(Fault::always("runpod", FaultKind::Http503));
    let report = runpod
        .resolve(runpod.section(""), &ResolveOptions::default())
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
async fn an_empty_catalog_is_never_an_empty_success() {
    let runpod = runpod().await;
    let emulator = runpod.emulator();
    emulator.set_fault(Fault::always("runpod", FaultKind::Empty));
    let report = runpod
        .resolve(runpod.section(""), &ResolveOptions::default())
        .await;
    let resolution = report.resolution.expect("a fallback answer");
    assert_eq!(resolution.source, Source::Builtin);
    assert!(!resolution.regions.is_empty());
}

#[tokio::test]
async fn rejected_credentials_get_no_fallback() {
    let runpod = runpod().await;
    let emulator = runpod.emulator();
    emulator.set_fault(Fault::always("runpod", FaultKind::Unauthorized));
    let report = runpod
        .resolve(runpod.section(""), &ResolveOptions::default())
        .await;
    assert!(report.resolution.is_none());
    let message = report.error.unwrap().to_string();
    assert!(message.starts_with("runpod: auth"), "{message}");
}

#[tokio::test]
async fn the_api_key_never_appears_in_debug_or_errors() {
    let canary = "canary-0b77e2-runpod-key";
    let runpod = runpod().await;
    let section = runpod.section_with_creds(&api_key_creds(canary), "");
    let provider = runpod.provider(&section);
    assert!(!format!("{section:?}").contains(canary));
    assert!(!format!("{provider:?}").contains(canary));
    let report = runpod.resolve(section, &ResolveOptions::default()).await;
    let error = report.error.unwrap();
    assert!(!error.to_string().contains(canary));
    assert!(!format!("{error:?}").contains(canary));
}

#[tokio::test]
async fn missing_creds_name_the_field_and_the_fix() {
    let section = section_from_yaml("backends: [{type: runpod}]");
    let message = (regionkit_runpod::DESCRIPTOR.build)(&section)
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("runpod") && message.contains("creds") && message.contains("api_key"),
        "{message}"
    );
}
