//! CUDO discovery through real HTTP against the emulator: the conformance suite, then what is
//! CUDO's own.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use regionkit_core::{ProviderErrorKind, RegionStatus};
use regionkit_cudo::emulator::{EMULATOR_API_KEY, EMULATOR_PROJECT_ID};
use regionkit_testkit::{
    find, section_from_yaml, BackendHarness, BackendSpec, Case, EmptyAnswer, Text,
};

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
