//! Azure discovery through real HTTP against the emulator: the conformance suite, then
//! what is Azure's own.
//!
//! SAMPLE: when the real API is in, give the spec real region ids, the calls one discovery
//! really makes and the provider's documented error codes; keep one test below for each
//! behaviour of the provider's own (its paging, its auth scheme, its error-body shapes).

use std::error::Error;

use regionkit_azure::emulator::EMULATOR_API_KEY;
use regionkit_core::RegionStatus;
use regionkit_testkit::{BackendSpec, Case, EmptyAnswer, Text};

type TestResult = Result<(), Box<dyn Error>>;

/// Azure as the conformance suite sees it. SAMPLE: the sample API lists five regions,
/// two to a page, so one discovery reads three pages.
fn spec() -> BackendSpec {
    BackendSpec::api_key(&regionkit_azure::DESCRIPTOR, EMULATOR_API_KEY)
        .calls([("GET /v1/regions", 3)])
        .regions(["us-east-1", "eu-central-1", "us-west-1"])
        .misspelling("us-east-7", "us-east-1")
        .new_regions(["ap-northeast-1"])
        .empty_answer(EmptyAnswer::FallsBack)
        .says(
            Case::WrongCredentials,
            Text::StartsWith("unauthenticated: "),
        )
        .says(Case::Forbidden, Text::StartsWith("permission_denied: "))
        .says(Case::RateLimited, Text::StartsWith("rate_limited: "))
        .says(Case::ServerError, Text::StartsWith("internal: "))
        .says(Case::ServiceUnavailable, Text::StartsWith("unavailable: "))
        .says(Case::MalformedBody, Text::Contains("regions"))
}

regionkit_testkit::conformance_tests!(spec);

#[tokio::test]
async fn regions_are_discovered_across_pages_with_their_status() -> TestResult {
    let azure = spec().start().await;
    let regions = azure.discover(&azure.section("")).await?;
    let status = |id: &str| {
        regions
            .iter()
            .find(|r| r.id.as_str() == id)
            .map(|r| r.status)
    };
    assert_eq!(regions.len(), 5, "every page read");
    assert_eq!(status("us-east-1"), Some(RegionStatus::Available));
    assert_eq!(status("us-west-1"), Some(RegionStatus::Limited));
    assert_eq!(status("eu-north-1"), Some(RegionStatus::Unavailable));
    let frankfurt = regions.iter().find(|r| r.id.as_str() == "eu-central-1");
    let country = frankfurt
        .and_then(|r| r.location.as_ref())
        .and_then(|l| l.country.as_deref());
    assert_eq!(country, Some("DE"));
    Ok(())
}
