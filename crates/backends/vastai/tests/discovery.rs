//! Vast.ai discovery through real HTTP against the emulator.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use regionkit_core::{
    Config, Error, ExclusionReason, ProviderErrorKind, RegionStatus, ResolveOptions, Source,
};
use regionkit_emulator::{Fault, FaultKind};
use regionkit_testkit::{
    api_key_creds, fast_policy, find, kept_ids, section_from_yaml, BackendHarness,
};
use regionkit_vastai::emulator::EMULATOR_API_KEY;

/// Vast.ai behind its emulator, with the key the emulator accepts.
async fn vastai() -> BackendHarness {
    BackendHarness::start(&regionkit_vastai::DESCRIPTOR)
        .await
        .with_creds(api_key_creds(EMULATOR_API_KEY))
}

#[tokio::test]
async fn offer_geolocations_become_dstack_region_ids() {
    let vastai = vastai().await;
    let emulator = vastai.emulator();
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
    assert_eq!(emulator.path_count("vastai", "POST /api/v0/bundles/"), 1);
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
async fn a_wrong_key_is_an_auth_error_with_vasts_message() {
    let vastai = vastai().await;
    let err = vastai
        .discover(&vastai.section_with_creds(&api_key_creds("wrong-key"), ""))
        .await
        .unwrap_err();
    assert_eq!(err.kind, ProviderErrorKind::Auth);
    assert_eq!(err.status, Some(401));
    assert!(
        err.message
            .contains("auth_error: Invalid or expired API key"),
        "{err}"
    );
}

#[tokio::test]
async fn a_forbidden_answer_with_only_msg_is_an_auth_error() {
    let vastai = vastai().await;
    let emulator = vastai.emulator();
    emulator.set_fault(Fault::always("vastai", FaultKind::Forbidden));
    let err = vastai.discover(&vastai.section("")).await.unwrap_err();
    assert_eq!(err.kind, ProviderErrorKind::Auth);
    assert_eq!(err.status, Some(403));
    assert_eq!(err.message, "Access denied (injected)");
}

#[tokio::test]
async fn server_errors_with_only_message_are_retried_then_unavailable() {
    let vastai = vastai().await;
    let emulator = vastai.emulator();
    emulator.set_fault(Fault::always("vastai", FaultKind::Http500));
    let err = vastai.discover(&vastai.section("")).await.unwrap_err();
    assert_eq!(err.kind, ProviderErrorKind::Unavailable);
    assert_eq!(err.status, Some(500));
    assert_eq!(err.message, "Internal server error (injected)");
    assert!(err.is_temporary());
    assert_eq!(
        emulator.path_count("vastai", "POST /api/v0/bundles/"),
        3,
        "three attempts"
    );
}

#[tokio::test]
async fn a_plain_text_429_is_rate_limited() {
    let vastai = vastai().await;
    let emulator = vastai.emulator();
    emulator.set_fault(Fault::always(
        "vastai",
        FaultKind::Http429 {
            retry_after_secs: 60,
        },
    ));
    let started = Instant::now();
    let err = vastai.discover(&vastai.section("")).await.unwrap_err();
    assert_eq!(err.kind, ProviderErrorKind::RateLimited);
    assert_eq!(err.status, Some(429));
    assert!(err.message.contains("too frequent"), "{err}");
    assert_eq!(err.retry_after, Some(Duration::from_secs(60)));
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "waited past the deadline"
    );
}

#[tokio::test]
async fn rate_limit_with_retry_after_is_waited_out_then_succeeds() {
    let vastai = vastai().await;
    let emulator = vastai.emulator();
    emulator.set_fault(Fault::times(
        "vastai",
        FaultKind::Http429 {
            retry_after_secs: 1,
        },
        1,
    ));
    let started = Instant::now();
    let regions = vastai.discover(&vastai.section("")).await.unwrap();
    assert!(!regions.is_empty());
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "Retry-After was not honoured"
    );
    assert_eq!(emulator.request_count("vastai"), 2);
}

#[tokio::test]
async fn an_outage_falls_back_to_the_builtin_list_labelled() {
    let vastai = vastai().await;
    let emulator = vastai.emulator();
    emulator.set_fault(Fault::always("vastai", FaultKind::Http503));
    let report = vastai
        .resolve(vastai.section(""), &ResolveOptions::default())
        .await;
    let resolution = report.resolution.expect("a fallback answer");
    assert_eq!(resolution.source, Source::Builtin);
    let live_error = resolution.live_error.as_ref().unwrap();
    assert!(
        live_error.message.contains("service_unavailable"),
        "{live_error}"
    );
    assert!(
        resolution.warnings.iter().any(|w| w.contains("builtin")),
        "{:?}",
        resolution.warnings
    );
}

#[tokio::test]
async fn malformed_body_is_a_bad_response_naming_offers() {
    let vastai = vastai().await;
    let emulator = vastai.emulator();
    emulator.set_fault(Fault::always("vastai", FaultKind::Malformed));
    let err = vastai.discover(&vastai.section("")).await.unwrap_err();
    assert_eq!(err.kind, ProviderErrorKind::BadResponse);
    assert!(err.message.contains("`offers`"), "{err}");
}

#[tokio::test]
async fn truncated_body_is_reported_as_cut_off() {
    let vastai = vastai().await;
    let emulator = vastai.emulator();
    emulator.set_fault(Fault::always("vastai", FaultKind::Truncated));
    let err = vastai.discover(&vastai.section("")).await.unwrap_err();
    assert!(
        err.message.contains("cut off") || err.message.contains("truncated"),
        "{err}"
    );
}

#[tokio::test]
async fn oversized_body_is_refused() {
    let vastai = vastai().await;
    let emulator = vastai.emulator();
    emulator.set_fault(Fault::always(
        "vastai",
        FaultKind::Oversized { bytes: 64 * 1024 },
    ));
    let policy = fast_policy().with_max_body_bytes(16 * 1024);
    let err = vastai
        .discover_with(&vastai.section(""), policy)
        .await
        .unwrap_err();
    assert_eq!(err.kind, ProviderErrorKind::BadResponse);
    assert!(err.message.contains("limit"), "{err}");
}

#[tokio::test]
async fn a_search_with_no_offers_is_never_an_empty_success() {
    let vastai = vastai().await;
    let emulator = vastai.emulator();
    emulator.set_fault(Fault::always("vastai", FaultKind::Empty));
    let err = vastai.discover(&vastai.section("")).await.unwrap_err();
    assert_eq!(err.kind, ProviderErrorKind::BadResponse);
    let report = vastai
        .resolve(vastai.section(""), &ResolveOptions::default())
        .await;
    let resolution = report.resolution.expect("a fallback answer");
    assert_eq!(resolution.source, Source::Builtin);
    assert!(!resolution.regions.is_empty());
}

#[tokio::test]
async fn resolution_applies_backend_then_run_regions_in_run_order() {
    let vastai = vastai().await;
    let report = vastai
        .resolve(
            vastai.section("    regions: [\"us-*\", ca-quebec]\n"),
            &ResolveOptions::default().with_run_regions(
                "--region",
                vec!["CA-QUEBEC".into(), "us-texas".into(), "us-michigan".into()],
            ),
        )
        .await;
    assert!(report.error.is_none(), "{:?}", report.error);
    let resolution = report.resolution.unwrap();
    assert_eq!(resolution.source, Source::Live);
    let ids = kept_ids(&resolution);
    assert_eq!(ids, ["ca-quebec", "us-texas", "us-michigan"]);
    assert_eq!(
        resolution.exclusion_of("se-sweden"),
        Some(ExclusionReason::NotInBackendConfig)
    );
    assert_eq!(
        resolution.exclusion_of("us-oregon"),
        Some(ExclusionReason::Unavailable)
    );
    assert!(resolution
        .new
        .iter()
        .any(|id| id.as_str() == "hu-bács-kiskun"));
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
async fn an_unknown_region_suggests_the_nearest_real_one() {
    let vastai = vastai().await;
    let report = vastai
        .resolve(
            vastai.section("    regions: [us-texs]\n"),
            &ResolveOptions::default(),
        )
        .await;
    match report.error {
        Some(Error::UnknownRegion { suggestions, .. }) => assert_eq!(suggestions[0], "us-texas"),
        other => panic!("expected an unknown-region error, got {other:?}"),
    }
}

#[tokio::test]
async fn rejected_credentials_get_no_fallback() {
    let vastai = vastai().await;
    let emulator = vastai.emulator();
    emulator.set_fault(Fault::always("vastai", FaultKind::Unauthorized));
    let report = vastai
        .resolve(vastai.section(""), &ResolveOptions::default())
        .await;
    assert!(report.resolution.is_none());
    let message = report.error.unwrap().to_string();
    assert!(message.starts_with("vastai: auth"), "{message}");
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
async fn the_api_key_never_appears_in_debug_or_errors() {
    let canary = "canary-5e2b71-vastai-key";
    let vastai = vastai().await;
    let section = vastai.section_with_creds(&api_key_creds(canary), "");
    let provider = vastai.provider(&section);
    assert!(!format!("{section:?}").contains(canary));
    assert!(!format!("{provider:?}").contains(canary));
    let report = vastai.resolve(section, &ResolveOptions::default()).await;
    let error = report.error.unwrap();
    assert!(!error.to_string().contains(canary));
    assert!(!format!("{error:?}").contains(canary));
}

#[tokio::test]
async fn missing_creds_name_the_field_and_the_fix() {
    let message =
        (regionkit_vastai::DESCRIPTOR.build)(&section_from_yaml("backends: [{type: vastai}]"))
            .unwrap_err()
            .to_string();
    assert!(
        message.contains("vastai") && message.contains("creds") && message.contains("api_key"),
        "{message}"
    );
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
