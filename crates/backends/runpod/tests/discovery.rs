//! RunPod discovery through real HTTP against the emulator.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use regionkit_core::{
    BackendConfig, Config, DiscoveryContext, Error, HttpClient, HttpPolicy, ProviderError,
    ProviderErrorKind, Region, RegionKit, RegionStatus, Registry, ResolveOptions, Source,
};
use regionkit_emulator::{Emulator, EmulatorHandle, Fault, FaultKind};
use regionkit_runpod::emulator::{EMULATOR_API_KEY, EMULATOR_RESTRICTED_API_KEY};

const GRAPHQL: &str = "POST /graphql";

fn fast_policy() -> HttpPolicy {
    HttpPolicy::default()
        .with_request_timeout(Duration::from_secs(2))
        .with_backoff(Duration::from_millis(5), Duration::from_millis(20))
}

async fn emulator() -> EmulatorHandle {
    Emulator::new()
        .only(["runpod"])
        .start()
        .await
        .expect("emulator starts")
}

fn section_with(emulator: &EmulatorHandle, key: &str, extra: &str) -> BackendConfig {
    let yaml = format!(
        "backends:\n  - type: runpod\n    creds: {{type: api_key, api_key: {key}}}\n    endpoint: {}\n{extra}",
        emulator.endpoint("runpod")
    );
    Config::from_yaml(&yaml, None, None)
        .expect("config parses")
        .backends
        .remove(0)
}

fn section(emulator: &EmulatorHandle, extra: &str) -> BackendConfig {
    section_with(emulator, EMULATOR_API_KEY, extra)
}

fn kit() -> RegionKit {
    RegionKit::new(
        Registry::from_descriptors([&regionkit_runpod::DESCRIPTOR]).unwrap(),
        fast_policy(),
    )
    .unwrap()
}

fn context(policy: HttpPolicy) -> DiscoveryContext {
    DiscoveryContext::new(
        "runpod",
        HttpClient::new(policy).unwrap(),
        Instant::now() + Duration::from_secs(5),
    )
}

async fn discover(section: &BackendConfig) -> Result<Vec<Region>, ProviderError> {
    let provider = (regionkit_runpod::DESCRIPTOR.build)(section).expect("provider builds");
    provider.discover(&context(fast_policy())).await
}

fn find<'a>(regions: &'a [Region], id: &str) -> &'a Region {
    regions
        .iter()
        .find(|r| r.id.as_str() == id)
        .unwrap_or_else(|| panic!("{id} was not discovered"))
}

#[tokio::test]
async fn data_centers_get_their_status_from_listing_and_gpu_stock() {
    let emulator = emulator().await;
    let regions = discover(&section(&emulator, "")).await.unwrap();
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
    let emulator = emulator().await;
    let regions = discover(&section(&emulator, "")).await.unwrap();
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
    let emulator = emulator().await;
    let regions = discover(&section(&emulator, "")).await.unwrap();
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
    let emulator = emulator().await;
    let regions = discover(&section(&emulator, "    community_cloud: true\n"))
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
    let emulator = emulator().await;
    let err = discover(&section_with(&emulator, EMULATOR_RESTRICTED_API_KEY, ""))
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
    let emulator = emulator().await;
    let err = discover(&section_with(&emulator, "rpa_wrong", ""))
        .await
        .unwrap_err();
    assert_eq!(err.kind, ProviderErrorKind::Auth);
    assert_eq!(err.status, Some(401));
    assert!(err.message.contains("UNAUTHENTICATED"), "{err}");
}

#[tokio::test]
async fn forbidden_is_an_auth_error() {
    let emulator = emulator().await;
    emulator.set_fault(Fault::always("runpod", FaultKind::Forbidden));
    let err = discover(&section(&emulator, "")).await.unwrap_err();
    assert_eq!(err.kind, ProviderErrorKind::Auth);
    assert_eq!(err.status, Some(403));
}

#[tokio::test]
async fn rate_limit_with_retry_after_is_waited_out_then_succeeds() {
    let emulator = emulator().await;
    emulator.set_fault(Fault::times(
        "runpod",
        FaultKind::Http429 {
            retry_after_secs: 1,
        },
        1,
    ));
    let started = Instant::now();
    let regions = discover(&section(&emulator, "")).await.unwrap();
    assert!(!regions.is_empty());
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "Retry-After was not honoured"
    );
    assert_eq!(emulator.path_count("runpod", GRAPHQL), 2);
}

#[tokio::test]
async fn a_rate_limit_past_the_deadline_reports_runpods_problem_body() {
    let emulator = emulator().await;
    emulator.set_fault(Fault::always(
        "runpod",
        FaultKind::Http429 {
            retry_after_secs: 60,
        },
    ));
    let started = Instant::now();
    let err = discover(&section(&emulator, "")).await.unwrap_err();
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
    let emulator = emulator().await;
    emulator.set_fault(Fault::always("runpod", FaultKind::Http500));
    let err = discover(&section(&emulator, "")).await.unwrap_err();
    assert_eq!(err.kind, ProviderErrorKind::Unavailable);
    assert_eq!(err.status, Some(500));
    assert!(err.message.contains("INTERNAL_SERVER_ERROR"), "{err}");
    assert_eq!(emulator.path_count("runpod", GRAPHQL), 3, "three attempts");
}

#[tokio::test]
async fn malformed_body_names_the_missing_data() {
    let emulator = emulator().await;
    emulator.set_fault(Fault::always("runpod", FaultKind::Malformed));
    let err = discover(&section(&emulator, "")).await.unwrap_err();
    assert_eq!(err.kind, ProviderErrorKind::BadResponse);
    assert!(err.message.contains("`data`"), "{err}");
}

#[tokio::test]
async fn truncated_body_is_reported_as_cut_off() {
    let emulator = emulator().await;
    emulator.set_fault(Fault::always("runpod", FaultKind::Truncated));
    let err = discover(&section(&emulator, "")).await.unwrap_err();
    assert!(
        err.message.contains("cut off") || err.message.contains("truncated"),
        "{err}"
    );
}

#[tokio::test]
async fn oversized_body_is_refused() {
    let emulator = emulator().await;
    emulator.set_fault(Fault::always(
        "runpod",
        FaultKind::Oversized { bytes: 64 * 1024 },
    ));
    let provider = (regionkit_runpod::DESCRIPTOR.build)(&section(&emulator, "")).unwrap();
    let err = provider
        .discover(&context(fast_policy().with_max_body_bytes(16 * 1024)))
        .await
        .unwrap_err();
    assert_eq!(err.kind, ProviderErrorKind::BadResponse);
    assert!(err.message.contains("limit"), "{err}");
}

#[tokio::test]
async fn resolution_keeps_named_regions_in_order_and_reports_new_ones() {
    let emulator = emulator().await;
    let report = kit()
        .resolve_sections(
            vec![section(&emulator, "    regions: [\"US-*\", EU-RO-1]\n")],
            &ResolveOptions::default()
                .with_run_regions("--region", vec!["eu-ro-1".into(), "US-KS-2".into()]),
        )
        .await
        .remove(0);
    assert!(report.error.is_none(), "{:?}", report.error);
    let resolution = report.resolution.unwrap();
    let ids: Vec<_> = resolution.regions.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["EU-RO-1", "US-KS-2"]);
    assert_eq!(resolution.source, Source::Live);
    assert!(resolution.new.iter().any(|id| id.as_str() == "US-WA-2"));
}

#[tokio::test]
async fn a_community_country_named_without_community_cloud_is_explained() {
    let emulator = emulator().await;
    let report = kit()
        .resolve_sections(
            vec![section(&emulator, "    regions: [US, US-TX-3]\n")],
            &ResolveOptions::default(),
        )
        .await
        .remove(0);
    let resolution = report.resolution.unwrap();
    let ids: Vec<_> = resolution.regions.iter().map(|r| r.id.as_str()).collect();
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
    let emulator = emulator().await;
    let report = kit()
        .resolve_sections(
            vec![section(&emulator, "    regions: [US-TX-30]\n")],
            &ResolveOptions::default(),
        )
        .await
        .remove(0);
    match report.error {
        Some(Error::UnknownRegion { suggestions, .. }) => assert_eq!(suggestions[0], "US-TX-3"),
        other => panic!("expected an unknown-region error, got {other:?}"),
    }
}

#[tokio::test]
async fn provider_outage_falls_back_to_the_builtin_list_labelled() {
    let emulator = emulator().await;
    emulator.set_fault(Fault::always("runpod", FaultKind::Http503));
    let report = kit()
        .resolve_sections(vec![section(&emulator, "")], &ResolveOptions::default())
        .await
        .remove(0);
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
    let emulator = emulator().await;
    emulator.set_fault(Fault::always("runpod", FaultKind::Empty));
    let report = kit()
        .resolve_sections(vec![section(&emulator, "")], &ResolveOptions::default())
        .await
        .remove(0);
    let resolution = report.resolution.expect("a fallback answer");
    assert_eq!(resolution.source, Source::Builtin);
    assert!(!resolution.regions.is_empty());
}

#[tokio::test]
async fn rejected_credentials_get_no_fallback() {
    let emulator = emulator().await;
    emulator.set_fault(Fault::always("runpod", FaultKind::Unauthorized));
    let report = kit()
        .resolve_sections(vec![section(&emulator, "")], &ResolveOptions::default())
        .await
        .remove(0);
    assert!(report.resolution.is_none());
    let message = report.error.unwrap().to_string();
    assert!(message.starts_with("runpod: auth"), "{message}");
}

#[tokio::test]
async fn the_api_key_never_appears_in_debug_or_errors() {
    let canary = "canary-0b77e2-runpod-key";
    let emulator = emulator().await;
    let section = section_with(&emulator, canary, "");
    let provider = (regionkit_runpod::DESCRIPTOR.build)(&section).unwrap();
    assert!(!format!("{section:?}").contains(canary));
    assert!(!format!("{provider:?}").contains(canary));
    let report = kit()
        .resolve_sections(vec![section], &ResolveOptions::default())
        .await
        .remove(0);
    let error = report.error.unwrap();
    assert!(!error.to_string().contains(canary));
    assert!(!format!("{error:?}").contains(canary));
}

#[tokio::test]
async fn missing_creds_name_the_field_and_the_fix() {
    let section = Config::from_yaml("backends: [{type: runpod}]", None, None)
        .unwrap()
        .backends
        .remove(0);
    let message = (regionkit_runpod::DESCRIPTOR.build)(&section)
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("runpod") && message.contains("creds") && message.contains("api_key"),
        "{message}"
    );
}
