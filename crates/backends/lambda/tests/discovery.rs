//! Lambda discovery through real HTTP against the emulator: the conformance suite, then what
//! is Lambda's own.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use regionkit_core::RegionStatus;
use regionkit_lambda::emulator::EMULATOR_API_KEY;
use regionkit_testkit::{find, BackendHarness, BackendSpec, Case, EmptyAnswer, Text};

/// Lambda as the conformance suite sees it.
fn spec() -> BackendSpec {
    BackendSpec::api_key(&regionkit_lambda::DESCRIPTOR, EMULATOR_API_KEY)
        .calls([
            ("GET /api/v1/regions", 1),
            ("GET /api/v1/instance-types", 1),
        ])
        .regions(["us-east-1", "europe-central-1", "me-west-1"])
        .misspelling("us-east-7", "us-east-1")
        .new_regions(["us-midwest-2"])
        .empty_answer(EmptyAnswer::FallsBack)
        .says(
            Case::WrongCredentials,
            Text::Contains("global/invalid-api-key"),
        )
        .says(Case::MalformedBody, Text::Contains("data"))
}

regionkit_testkit::conformance_tests!(spec);

/// Lambda behind its emulator, with the key the emulator accepts.
async fn lambda() -> BackendHarness {
    spec().start().await
}

#[tokio::test]
async fn regions_with_capacity_are_available_and_the_rest_limited() {
    let lambda = lambda().await;
    let regions = lambda.discover(&lambda.section("")).await.unwrap();
    assert_eq!(find(&regions, "us-east-1").status, RegionStatus::Available);
    assert_eq!(
        find(&regions, "europe-central-1").status,
        RegionStatus::Available
    );
    assert_eq!(find(&regions, "me-west-1").status, RegionStatus::Limited);
    let virginia = find(&regions, "us-east-1");
    assert_eq!(virginia.display_name, "Virginia, USA");
    assert_eq!(
        virginia
            .location
            .as_ref()
            .and_then(|l| l.country.as_deref()),
        Some("US")
    );
}
