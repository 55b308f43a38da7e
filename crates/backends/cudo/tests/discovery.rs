//! CUDO discovery through real HTTP against the emulator: the conformance suite, then what is
//! CUDO's own.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use regionkit_core::{
    DiscoveryContext, HttpClient, ProviderError, ProviderErrorKind, Region, RegionStatus,
    ResolveOptions, Source,
};
use regionkit_cudo::emulator::{CudoEmulator, EMULATOR_API_KEY, EMULATOR_PROJECT_ID};
use regionkit_emulator::{
    EmuRequest, EmuResponse, EmulatedApi, Emulator, EmulatorRegistration, Fault, FaultKind,
};
use regionkit_testkit::{
    fast_policy, find, kept_ids, section_from_yaml, BackendHarness, BackendSpec, Case, EmptyAnswer,
    Text,
};
use serde_json::{json, Value};

/// CUDO as the conformance suite sees it: a CUDO section names a project beside the key, and
/// errors come in the AIP-193 form, the gRPC code first.
fn spec() -> BackendSpec {
    BackendSpec::api_key(&regionkit_cudo::DESCRIPTOR, EMULATOR_API_KEY)
        .extra_keys(format!("    project_id: {EMULATOR_PROJECT_ID}\n"))
        .calls([("GET /vms/data-centers", 1), ("GET /vms/machine-types", 1)])
        .regions(["no-luster-1", "us-carlsbad-1", "gb-bournemouth-1"])
        .misspelling("no-luster-2", "no-luster-1")
        .empty_answer(EmptyAnswer::FallsBack)
        .says(
            Case::WrongCredentials,
            Text::StartsWith("UNAUTHENTICATED: "),
        )
        .says(Case::Forbidden, Text::StartsWith("PERMISSION_DENIED: "))
        .says(Case::RateLimited, Text::StartsWith("RESOURCE_EXHAUSTED: "))
        .says(Case::ServerError, Text::StartsWith("INTERNAL: "))
        .says(Case::ServiceUnavailable, Text::StartsWith("UNAVAILABLE: "))
        .says(Case::MalformedBody, Text::Contains("dataCenters"))
}

regionkit_testkit::conformance_tests!(spec);

/// CUDO behind its emulator, with the key and project the emulator accepts.
async fn cudo() -> BackendHarness {
    spec().start().await
}

#[tokio::test]
async fn data_centers_where_a_vm_fits_are_available_and_the_rest_limited() {
    let cudo = cudo().await;
    let regions = cudo.discover(&spec().section(&cudo, "")).await.unwrap();
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
}

#[tokio::test]
async fn free_gpus_spread_over_hosts_do_not_make_a_data_center_available() {
    let cudo = cudo().await;
    let regions = cudo.discover(&spec().section(&cudo, "")).await.unwrap();
    assert_eq!(
        find(&regions, "gb-bournemouth-1").status,
        RegionStatus::Limited
    );
}

#[tokio::test]
async fn a_data_center_only_the_machine_types_name_is_still_a_region() {
    let cudo = cudo().await;
    let regions = cudo.discover(&spec().section(&cudo, "")).await.unwrap();
    let kristiansand = find(&regions, "no-kristiansand-1");
    assert_eq!(kristiansand.status, RegionStatus::Available);
    let location = kristiansand.location.as_ref().unwrap();
    assert_eq!(location.country.as_deref(), Some("NO"));
    assert_eq!(location.latitude, None);
}

#[tokio::test]
async fn the_id_prefix_gives_the_country_and_the_api_the_coordinates() {
    let cudo = cudo().await;
    let regions = cudo.discover(&spec().section(&cudo, "")).await.unwrap();
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
    let other = cudo.section("    project_id: someone-elses-project\n");
    let err = cudo.discover(&other).await.unwrap_err();
    assert_eq!(err.kind, ProviderErrorKind::Rejected);
    assert_eq!(err.status, Some(404));
    assert_eq!(
        err.message,
        "NOT_FOUND: project 'someone-elses-project' was not found"
    );
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
// ---------------------------------------------------------------------------------------
// The capacity call is secondary. `/vms/machine-types` failing leaves the live answer of
// `/vms/data-centers`, every data center `available`, with a warning; rejected credentials
// still fail, and so does `/vms/data-centers` failing.
// ---------------------------------------------------------------------------------------

const DATA_CENTERS: &str = "GET /vms/data-centers";
const MACHINE_TYPES: &str = "GET /vms/machine-types";

/// One discovery through the provider, with the warnings it attached.
async fn discover_with_warnings(
    cudo: &BackendHarness,
) -> (Result<Vec<Region>, ProviderError>, Vec<String>) {
    let provider = cudo.provider(&spec().section(cudo, ""));
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
        .resolve(spec().section(&cudo, ""), &ResolveOptions::default())
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
    let err = cudo.discover(&spec().section(&cudo, "")).await.unwrap_err();
    assert_eq!(err.kind, ProviderErrorKind::Auth);
    assert_eq!(err.status, Some(401));
    assert!(err.message.starts_with("UNAUTHENTICATED: "), "{err}");
    let report = cudo
        .resolve(spec().section(&cudo, ""), &ResolveOptions::default())
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
    let err = cudo.discover(&spec().section(&cudo, "")).await.unwrap_err();
    assert_eq!(err.kind, ProviderErrorKind::Unavailable);
    assert_eq!(err.status, Some(500));
    assert_eq!(
        emulator.path_count("cudo", DATA_CENTERS),
        3,
        "three attempts"
    );

    emulator.set_fault(Fault::always("cudo", FaultKind::Malformed).on_path(DATA_CENTERS));
    let err = cudo.discover(&spec().section(&cudo, "")).await.unwrap_err();
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
    let sparse = section_from_yaml(&format!(
        "backends:\n  - type: cudo\n    project_id: {EMULATOR_PROJECT_ID}\n    creds: {{type: api_key, api_key: {EMULATOR_API_KEY}}}\n    endpoint: {}\n",
        emulator.endpoint("cudo-sparse-machine-types")
    ));
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
