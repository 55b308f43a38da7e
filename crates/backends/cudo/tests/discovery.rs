//! CUDO discovery through real HTTP against the emulator.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use regionkit_core::{
    BackendConfig, DiscoveryContext, Error, HttpClient, ProviderError, ProviderErrorKind, Region,
    RegionStatus, ResolveOptions, Source,
};
use regionkit_cudo::emulator::{CudoEmulator, EMULATOR_API_KEY, EMULATOR_PROJECT_ID};
use regionkit_emulator::{
    EmuRequest, EmuResponse, EmulatedApi, Emulator, EmulatorRegistration, Fault, FaultKind,
};
use regionkit_testkit::{fast_policy, find, kept_ids, kit, section_from_yaml, BackendHarness};
use serde_json::{json, Value};

const DATA_CENTERS: &str = "GET /vms/data-centers";
const MACHINE_TYPES: &str = "GET /vms/machine-types";

/// CUDO behind its emulator. Its sections are written here: a CUDO section names a project
/// beside the key.
async fn cudo() -> BackendHarness {
    BackendHarness::start(&regionkit_cudo::DESCRIPTOR).await
}

fn section_at(endpoint: &str, key: &str, project: &str, extra: &str) -> BackendConfig {
    section_from_yaml(&format!(
        "backends:\n  - type: cudo\n    project_id: {project}\n    creds: {{type: api_key, api_key: {key}}}\n    endpoint: {endpoint}\n{extra}"
    ))
}

/// A section with the key and project the emulator accepts.
fn section(cudo: &BackendHarness, extra: &str) -> BackendConfig {
    section_at(
        &cudo.endpoint(),
        EMULATOR_API_KEY,
        EMULATOR_PROJECT_ID,
        extra,
    )
}

#[tokio::test]
async fn data_centers_where_a_vm_fits_are_available_and_the_rest_limited() {
    let cudo = cudo().await;
    let emulator = cudo.emulator();
    let regions = cudo.discover(&section(&cudo, "")).await.unwrap();
    assert_eq!(
        find(&regions, "no-luster-1").status,
        RegionStatus::Available
    );
    assert_eq!(
        find(&regions, "us-carlsbad-1").status,
        RegionStatus::Available
    );
    assert_eq!(
        find(&regions, "us-newyork-1").status,
        RegionStatus::Available,
        "free vCPUs count for a CPU-only machine type"
    );
    assert_eq!(
        find(&regions, "se-stockholm-1").status,
        RegionStatus::Limited
    );
    assert_eq!(
        find(&regions, "ca-montreal-3").status,
        RegionStatus::Limited,
        "no machine types at all"
    );
    assert_eq!(emulator.path_count("cudo", DATA_CENTERS), 1);
    assert_eq!(emulator.path_count("cudo", MACHINE_TYPES), 1);
}

#[tokio::test]
async fn free_gpus_spread_over_hosts_do_not_make_a_data_center_available() {
    let cudo = cudo().await;
    let regions = cudo.discover(&section(&cudo, "")).await.unwrap();
    assert_eq!(
        find(&regions, "gb-bournemouth-1").status,
        RegionStatus::Limited
    );
}

#[tokio::test]
async fn a_data_center_only_the_machine_types_name_is_still_a_region() {
    let cudo = cudo().await;
    let regions = cudo.discover(&section(&cudo, "")).await.unwrap();
    let kristiansand = find(&regions, "no-kristiansand-1");
    assert_eq!(kristiansand.status, RegionStatus::Available);
    let location = kristiansand.location.as_ref().unwrap();
    assert_eq!(location.country.as_deref(), Some("NO"));
    assert_eq!(location.latitude, None);
}

#[tokio::test]
async fn the_id_prefix_gives_the_country_and_the_api_the_coordinates() {
    let cudo = cudo().await;
    let regions = cudo.discover(&section(&cudo, "")).await.unwrap();
    let bournemouth = find(&regions, "gb-bournemouth-1");
    assert_eq!(
        bournemouth.display_name,
        "gb-bournemouth-1 (Example Supplier Ltd)"
    );
    let location = bournemouth.location.as_ref().unwrap();
    assert_eq!(location.country.as_deref(), Some("GB"));
    assert_eq!(location.continent.as_deref(), Some("Europe"));
    assert_eq!(location.latitude, Some(50.72));
    assert_eq!(location.longitude, Some(-1.88));
}

#[tokio::test]
async fn an_unknown_project_is_rejected_in_the_aip193_form() {
    let cudo = cudo().await;
    let other = section_at(
        &cudo.endpoint(),
        EMULATOR_API_KEY,
        "someone-elses-project",
        "",
    );
    let err = cudo.discover(&other).await.unwrap_err();
    assert_eq!(err.kind, ProviderErrorKind::Rejected);
    assert_eq!(err.status, Some(404));
    assert_eq!(
        err.message,
        "NOT_FOUND: project 'someone-elses-project' was not found"
    );
}

#[tokio::test]
async fn a_wrong_key_is_an_auth_error_named_by_its_grpc_code() {
    let cudo = cudo().await;
    let wrong = section_at(&cudo.endpoint(), "wrong-key", EMULATOR_PROJECT_ID, "");
    let err = cudo.discover(&wrong).await.unwrap_err();
    assert_eq!(err.kind, ProviderErrorKind::Auth);
    assert_eq!(err.status, Some(401));
    assert!(err.message.starts_with("UNAUTHENTICATED: "), "{err}");
}

#[tokio::test]
async fn forbidden_is_an_auth_error() {
    let cudo = cudo().await;
    let emulator = cudo.emulator();
    emulator.set_fault(Fault::always("cudo", FaultKind::Forbidden));
    let err = cudo.discover(&section(&cudo, "")).await.unwrap_err();
    assert_eq!(err.kind, ProviderErrorKind::Auth);
    assert!(err.message.starts_with("PERMISSION_DENIED: "), "{err}");
}

#[tokio::test]
async fn rate_limit_with_retry_after_is_waited_out_then_succeeds() {
    let cudo = cudo().await;
    let emulator = cudo.emulator();
    emulator.set_fault(Fault::times(
        "cudo",
        FaultKind::Http429 {
            retry_after_secs: 1,
        },
        1,
    ));
    let started = Instant::now();
    let regions = cudo.discover(&section(&cudo, "")).await.unwrap();
    assert!(!regions.is_empty());
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "Retry-After was not honoured"
    );
    assert_eq!(
        emulator.request_count("cudo"),
        3,
        "one throttled request retried once, plus the other call"
    );
}

#[tokio::test]
async fn a_rate_limit_past_the_deadline_reads_the_aip193_body() {
    let cudo = cudo().await;
    let emulator = cudo.emulator();
    emulator.set_fault(Fault::always(
        "cudo",
        FaultKind::Http429 {
            retry_after_secs: 60,
        },
    ));
    let started = Instant::now();
    let err = cudo.discover(&section(&cudo, "")).await.unwrap_err();
    assert_eq!(err.kind, ProviderErrorKind::RateLimited);
    assert_eq!(err.retry_after, Some(Duration::from_secs(60)));
    assert!(err.message.starts_with("RESOURCE_EXHAUSTED: "), "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "waited past the deadline"
    );
}

#[tokio::test]
async fn server_errors_are_retried_then_reported_as_unavailable() {
    let cudo = cudo().await;
    let emulator = cudo.emulator();
    emulator.set_fault(Fault::always("cudo", FaultKind::Http500));
    let err = cudo.discover(&section(&cudo, "")).await.unwrap_err();
    assert_eq!(err.kind, ProviderErrorKind::Unavailable);
    assert_eq!(err.status, Some(500));
    assert!(err.message.starts_with("INTERNAL: "), "{err}");
    assert_eq!(
        emulator.path_count("cudo", DATA_CENTERS),
        3,
        "three attempts"
    );
}

#[tokio::test]
async fn service_unavailable_is_temporary() {
    let cudo = cudo().await;
    let emulator = cudo.emulator();
    emulator.set_fault(Fault::always("cudo", FaultKind::Http503));
    let err = cudo.discover(&section(&cudo, "")).await.unwrap_err();
    assert!(err.is_temporary());
    assert!(err.message.starts_with("UNAVAILABLE: "), "{err}");
}

#[tokio::test]
async fn malformed_body_is_a_bad_response_naming_the_field() {
    let cudo = cudo().await;
    let emulator = cudo.emulator();
    emulator.set_fault(Fault::always("cudo", FaultKind::Malformed));
    let err = cudo.discover(&section(&cudo, "")).await.unwrap_err();
    assert_eq!(err.kind, ProviderErrorKind::BadResponse);
    assert!(err.message.contains("dataCenters"), "{err}");
}

#[tokio::test]
async fn truncated_body_is_reported_as_cut_off() {
    let cudo = cudo().await;
    let emulator = cudo.emulator();
    emulator.set_fault(Fault::always("cudo", FaultKind::Truncated));
    let err = cudo.discover(&section(&cudo, "")).await.unwrap_err();
    assert!(
        err.message.contains("cut off") || err.message.contains("truncated"),
        "{err}"
    );
}

#[tokio::test]
async fn oversized_body_is_refused() {
    let cudo = cudo().await;
    let emulator = cudo.emulator();
    emulator.set_fault(Fault::always(
        "cudo",
        FaultKind::Oversized { bytes: 64 * 1024 },
    ));
    let policy = fast_policy().with_max_body_bytes(16 * 1024);
    let err = cudo
        .discover_with(&section(&cudo, ""), policy)
        .await
        .unwrap_err();
    assert_eq!(err.kind, ProviderErrorKind::BadResponse);
    assert!(err.message.contains("limit"), "{err}");
}

#[tokio::test]
async fn resolution_keeps_named_regions_in_run_order() {
    let cudo = cudo().await;
    let report = cudo
        .resolve(
            section(&cudo, "    regions: [\"no-*\", \"gb-*\", us-carlsbad-1]\n"),
            &ResolveOptions::default().with_run_regions(
                "--region",
                vec!["US-CARLSBAD-1".into(), "no-luster-1".into()],
            ),
        )
        .await;
    assert!(report.error.is_none(), "{:?}", report.error);
    let resolution = report.resolution.unwrap();
    let ids = kept_ids(&resolution);
    assert_eq!(ids, ["us-carlsbad-1", "no-luster-1"]);
    assert_eq!(resolution.source, Source::Live);
    assert!(resolution.new.is_empty(), "{:?}", resolution.new);
}

#[tokio::test]
async fn unknown_backend_region_suggests_the_nearest_real_one() {
    let cudo = cudo().await;
    let report = cudo
        .resolve(
            section(&cudo, "    regions: [no-luster-2]\n"),
            &ResolveOptions::default(),
        )
        .await;
    match report.error {
        Some(Error::UnknownRegion { suggestions, .. }) => {
            assert_eq!(suggestions[0], "no-luster-1")
        }
        other => panic!("expected an unknown-region error, got {other:?}"),
    }
}

#[tokio::test]
async fn an_unreachable_api_degrades_to_the_labelled_fallback() {
    // Nothing listens on port 1 of loopback: the API is gone, as CUDO's public cloud is.
    let section = section_at(
        "http://127.0.0.1:1/v1",
        EMULATOR_API_KEY,
        EMULATOR_PROJECT_ID,
        "",
    );
    let report = kit(&regionkit_cudo::DESCRIPTOR)
        .resolve_sections(vec![section], &ResolveOptions::default())
        .await
        .remove(0);
    let resolution = report.resolution.expect("a fallback answer");
    assert_eq!(resolution.source, Source::Builtin);
    assert_eq!(
        resolution.live_error.as_ref().map(|e| e.kind),
        Some(ProviderErrorKind::Unavailable)
    );
    assert!(
        resolution.warnings.iter().any(|w| w.contains("builtin")),
        "{:?}",
        resolution.warnings
    );
    assert!(resolution
        .regions
        .iter()
        .any(|r| r.id.as_str() == "no-luster-1"));
}

#[tokio::test]
async fn provider_outage_falls_back_to_the_builtin_list_labelled() {
    let cudo = cudo().await;
    let emulator = cudo.emulator();
    emulator.set_fault(Fault::always("cudo", FaultKind::Http503));
    let report = cudo
        .resolve(section(&cudo, ""), &ResolveOptions::default())
        .await;
    let resolution = report.resolution.expect("a fallback answer");
    assert_eq!(resolution.source, Source::Builtin);
    assert!(resolution.live_error.is_some());
}

#[tokio::test]
async fn an_empty_data_center_list_is_never_an_empty_success() {
    let cudo = cudo().await;
    let emulator = cudo.emulator();
    emulator.set_fault(Fault::always("cudo", FaultKind::Empty));
    let report = cudo
        .resolve(section(&cudo, ""), &ResolveOptions::default())
        .await;
    let resolution = report.resolution.expect("a fallback answer");
    assert_eq!(resolution.source, Source::Builtin);
    assert!(!resolution.regions.is_empty());
}

#[tokio::test]
async fn rejected_credentials_get_no_fallback() {
    let cudo = cudo().await;
    let emulator = cudo.emulator();
    emulator.set_fault(Fault::always("cudo", FaultKind::Unauthorized));
    let report = cudo
        .resolve(section(&cudo, ""), &ResolveOptions::default())
        .await;
    assert!(report.resolution.is_none());
    let message = report.error.unwrap().to_string();
    assert!(message.starts_with("cudo: auth"), "{message}");
}

#[tokio::test]
async fn the_api_key_never_appears_in_debug_or_errors() {
    let canary = "canary-93ac4f-cudo-key";
    let cudo = cudo().await;
    let section = section_at(&cudo.endpoint(), canary, EMULATOR_PROJECT_ID, "");
    let provider = cudo.provider(&section);
    assert!(!format!("{section:?}").contains(canary));
    assert!(!format!("{provider:?}").contains(canary));
    let report = cudo.resolve(section, &ResolveOptions::default()).await;
    let error = report.error.unwrap();
    assert!(!error.to_string().contains(canary));
    assert!(!format!("{error:?}").contains(canary));
}

#[tokio::test]
async fn a_missing_project_id_names_the_field_and_the_fix() {
    let section = section_from_yaml("backends: [{type: cudo, creds: {type: api_key, api_key: k}}]");
    let message = (regionkit_cudo::DESCRIPTOR.build)(&section)
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("cudo") && message.contains("`project_id`"),
        "{message}"
    );
}

#[tokio::test]
async fn missing_creds_name_the_field_and_the_fix() {
    let section = section_from_yaml("backends: [{type: cudo, project_id: p}]");
    let message = (regionkit_cudo::DESCRIPTOR.build)(&section)
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("cudo") && message.contains("creds") && message.contains("api_key"),
        "{message}"
    );
}

// ---------------------------------------------------------------------------------------
// The capacity call is secondary. `/vms/machine-types` failing leaves the live answer of
// `/vms/data-centers`, every data center `available`, with a warning; rejected credentials
// still fail, and so does `/vms/data-centers` failing.
// ---------------------------------------------------------------------------------------

/// One discovery through the provider, with the warnings it attached.
async fn discover_with_warnings(
    cudo: &BackendHarness,
) -> (Result<Vec<Region>, ProviderError>, Vec<String>) {
    let provider = cudo.provider(&section(cudo, ""));
    let ctx = cudo.context();
    let result = provider.discover(&ctx).await;
    (result, ctx.warnings())
}

fn ids(regions: &[Region]) -> Vec<&str> {
    let mut ids: Vec<&str> = regions.iter().map(|r| r.id.as_str()).collect();
    ids.sort_unstable();
    ids
}

/// The data centers the emulator lists.
const LISTED: [&str; 6] = [
    "ca-montreal-3",
    "gb-bournemouth-1",
    "no-luster-1",
    "se-stockholm-1",
    "us-carlsbad-1",
    "us-newyork-1",
];

/// Capacity unknown: every listed data center is there and `available`, and one warning
/// says so.
fn assert_live_without_capacity(regions: &[Region], warnings: &[String], because: &str) {
    assert_eq!(ids(regions), LISTED);
    assert!(
        regions.iter().all(|r| r.status == RegionStatus::Available),
        "unknown capacity is not limited capacity: {regions:?}"
    );
    assert_eq!(
        find(regions, "gb-bournemouth-1").display_name,
        "gb-bournemouth-1 (Example Supplier Ltd)"
    );
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    let warning = &warnings[0];
    assert!(
        warning.contains("capacity unknown")
            && warning.contains("/vms/machine-types")
            && warning.contains(because),
        "{warning}"
    );
    assert!(!warning.contains(EMULATOR_API_KEY), "{warning}");
}

#[tokio::test]
async fn a_failing_capacity_call_leaves_a_live_answer_with_a_warning() {
    let cudo = cudo().await;
    let emulator = cudo.emulator();
    emulator.set_fault(Fault::always("cudo", FaultKind::Http500).on_path(MACHINE_TYPES));
    let (regions, warnings) = discover_with_warnings(&cudo).await;
    assert_live_without_capacity(&regions.unwrap(), &warnings, "HTTP 500");
    assert!(warnings[0].contains("INTERNAL"), "{warnings:?}");
    assert_eq!(emulator.path_count("cudo", MACHINE_TYPES), 3, "retried");
    assert_eq!(emulator.path_count("cudo", DATA_CENTERS), 1);
}

#[tokio::test]
async fn a_failing_capacity_call_still_resolves_live_with_the_warning() {
    let cudo = cudo().await;
    cudo.emulator()
        .set_fault(Fault::always("cudo", FaultKind::Http503).on_path(MACHINE_TYPES));
    let report = cudo
        .resolve(section(&cudo, ""), &ResolveOptions::default())
        .await;
    assert!(report.error.is_none(), "{:?}", report.error);
    let resolution = report.resolution.unwrap();
    assert_eq!(resolution.source, Source::Live);
    assert!(kept_ids(&resolution).contains(&"se-stockholm-1"));
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
    let cudo = cudo().await;
    cudo.emulator()
        .set_fault(Fault::always("cudo", FaultKind::Malformed).on_path(MACHINE_TYPES));
    let (regions, warnings) = discover_with_warnings(&cudo).await;
    assert_live_without_capacity(&regions.unwrap(), &warnings, "machineTypes");
}

#[tokio::test]
async fn a_cut_off_capacity_answer_leaves_a_live_answer_with_a_warning() {
    let cudo = cudo().await;
    cudo.emulator()
        .set_fault(Fault::always("cudo", FaultKind::Truncated).on_path(MACHINE_TYPES));
    let (regions, warnings) = discover_with_warnings(&cudo).await;
    assert_live_without_capacity(&regions.unwrap(), &warnings, "cut off");
}

#[tokio::test]
async fn rejected_credentials_on_the_capacity_call_fail_the_discovery() {
    let cudo = cudo().await;
    cudo.emulator()
        .set_fault(Fault::always("cudo", FaultKind::Unauthorized).on_path(MACHINE_TYPES));
    let err = cudo.discover(&section(&cudo, "")).await.unwrap_err();
    assert_eq!(err.kind, ProviderErrorKind::Auth);
    assert_eq!(err.status, Some(401));
    assert!(err.message.starts_with("UNAUTHENTICATED: "), "{err}");
    let report = cudo
        .resolve(section(&cudo, ""), &ResolveOptions::default())
        .await;
    assert!(
        report.resolution.is_none(),
        "no fallback for rejected credentials"
    );
    let message = report.error.unwrap().to_string();
    assert!(message.starts_with("cudo: auth"), "{message}");
}

#[tokio::test]
async fn a_failing_data_center_list_fails_the_discovery_as_before() {
    let cudo = cudo().await;
    let emulator = cudo.emulator();
    emulator.set_fault(Fault::always("cudo", FaultKind::Http500).on_path(DATA_CENTERS));
    let err = cudo.discover(&section(&cudo, "")).await.unwrap_err();
    assert_eq!(err.kind, ProviderErrorKind::Unavailable);
    assert_eq!(err.status, Some(500));
    assert_eq!(
        emulator.path_count("cudo", DATA_CENTERS),
        3,
        "three attempts"
    );

    emulator.set_fault(Fault::always("cudo", FaultKind::Malformed).on_path(DATA_CENTERS));
    let err = cudo.discover(&section(&cudo, "")).await.unwrap_err();
    assert_eq!(err.kind, ProviderErrorKind::BadResponse);
    assert!(err.message.contains("dataCenters"), "{err}");
}

/// CUDO's emulator answering machine types as protobuf's JSON mapping may: only the four
/// fields regionkit reads, and those left out where they hold zero or an empty string.
struct SparseMachineTypes;

impl EmulatedApi for SparseMachineTypes {
    fn handle(&self, request: &EmuRequest) -> EmuResponse {
        let mut response = CudoEmulator.handle(request);
        if !request.is("GET", "/vms/machine-types") {
            return response;
        }
        let Ok(mut body) = serde_json::from_slice::<Value>(&response.body) else {
            return response;
        };
        let rows = body.get_mut("machineTypes").and_then(Value::as_array_mut);
        for row in rows.into_iter().flatten().filter_map(Value::as_object_mut) {
            row.retain(|key, value| {
                let read = ["dataCenterId", "gpuModelId", "maxGpuFree", "maxVcpuFree"];
                let zero = *value == json!(0) || *value == json!("");
                read.contains(&key.as_str()) && !zero
            });
        }
        response.body = serde_json::to_vec(&body).unwrap().into();
        response
    }

    fn config_section(&self) -> serde_yaml::Mapping {
        CudoEmulator.config_section()
    }
}

regionkit_emulator::inventory::submit! {
    EmulatorRegistration::new("cudo-sparse-machine-types", || Box::new(SparseMachineTypes))
}

#[tokio::test]
async fn machine_types_without_unread_or_zero_fields_still_parse() {
    let emulator = Emulator::new()
        .only(["cudo-sparse-machine-types"])
        .start()
        .await
        .unwrap();
    let sparse = section_at(
        &emulator.endpoint("cudo-sparse-machine-types"),
        EMULATOR_API_KEY,
        EMULATOR_PROJECT_ID,
        "",
    );
    let provider = (regionkit_cudo::DESCRIPTOR.build)(&sparse).unwrap();
    let http = HttpClient::new(fast_policy()).unwrap();
    let ctx = DiscoveryContext::new("cudo", http, Instant::now() + Duration::from_secs(5));
    let regions = provider.discover(&ctx).await.unwrap();
    assert!(ctx.warnings().is_empty(), "{:?}", ctx.warnings());
    let status = |id: &str| find(&regions, id).status;
    assert_eq!(status("no-luster-1"), RegionStatus::Available);
    assert_eq!(
        status("us-newyork-1"),
        RegionStatus::Available,
        "no gpuModelId: a CPU type, judged by its free vCPUs"
    );
    assert_eq!(
        status("se-stockholm-1"),
        RegionStatus::Limited,
        "no maxGpuFree: none free"
    );
    assert_eq!(status("gb-bournemouth-1"), RegionStatus::Limited);
    assert_eq!(status("no-kristiansand-1"), RegionStatus::Available);
}
