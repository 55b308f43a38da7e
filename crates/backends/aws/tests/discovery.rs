//! AWS discovery through real HTTP against the emulator: the conformance suite, then what is
//! AWS's own: SigV4-signed DescribeRegions, EC2's XML answers and errors, and resolution
//! under the pinned policy.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::SystemTime;

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4;
use regionkit_aws::emulator::{
    EMULATOR_ACCESS_KEY, EMULATOR_SECRET_KEY, NOT_SUBSCRIBED_ACCESS_KEY, NO_PERMISSION_ACCESS_KEY,
    THROTTLED_ACCESS_KEY,
};
use regionkit_core::{
    BackendConfig, Error, ExclusionReason, PolicyKind, ProviderErrorKind, RegionStatus, Resolution,
    ResolveOptions, Source,
};
use regionkit_testkit::{
    kept_ids, section_from_yaml, BackendHarness, BackendSpec, Case, EmptyAnswer, Text,
};

/// An access key pair as `creds`.
fn keys(access_key: &str, secret_key: &str) -> String {
    format!("{{type: access_key, access_key: {access_key}, secret_key: \"{secret_key}\"}}")
}

/// AWS as the conformance suite sees it: one signed DescribeRegions per discovery, and EC2's
/// error codes in front of its messages.
fn spec() -> BackendSpec {
    let canary = "canary/7f3a9c/aws/secret/key/0123456789";
    BackendSpec::new(&regionkit_aws::DESCRIPTOR)
        .creds(keys(EMULATOR_ACCESS_KEY, EMULATOR_SECRET_KEY))
        .wrong_creds(keys(EMULATOR_ACCESS_KEY, "not-the-secret-key"))
        .canary_creds(
            keys(EMULATOR_ACCESS_KEY, canary),
            [canary, EMULATOR_ACCESS_KEY],
        )
        .calls([("POST /", 1)])
        .regions(["us-east-1", "eu-west-1", "us-east-2"])
        .misspelling("us-east-7", "us-east-1")
        .new_regions(["ap-northeast-4"])
        .empty_answer(EmptyAnswer::FallsBack)
        .says(Case::WrongCredentials, Text::StartsWith("AuthFailure: "))
        .says(Case::WrongCredentials, Text::Contains("creds.secret_key"))
        .says(Case::WrongCredentials, Text::Contains("RequestID"))
        .says(Case::Forbidden, Text::StartsWith("UnauthorizedOperation"))
        .says(Case::RejectedCredentials, Text::Contains("AuthFailure"))
        .says(Case::RateLimited, Text::StartsWith("RequestLimitExceeded"))
        .says(Case::ServerError, Text::StartsWith("InternalError"))
        .says(Case::ServiceUnavailable, Text::StartsWith("Unavailable"))
        .says(
            Case::MalformedBody,
            Text::Contains("DescribeRegionsResponse"),
        )
        .says(Case::MalformedBody, Text::Contains("not XML"))
        .says(Case::MissingCreds, Text::Contains("access_key"))
        .says(Case::MissingCreds, Text::Contains("type: default"))
}

regionkit_testkit::conformance_tests!(spec);

/// AWS behind its emulator, with the key pair the emulator accepts.
async fn aws() -> BackendHarness {
    spec().start().await
}

/// Resolve one section and return its resolution, failing the test on an error.
async fn resolved(
    aws: &BackendHarness,
    section: BackendConfig,
    options: &ResolveOptions,
) -> std::sync::Arc<Resolution> {
    let report = aws.resolve(section, options).await;
    assert!(report.error.is_none(), "{:?}", report.error);
    report.resolution.expect("a resolution")
}

/// The pinned regions the emulated account has enabled, in the order EC2 listed them (the
/// emulator's order is not alphabetical: a resolution keeps the provider's).
const PINNED: [&str; 11] = [
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "ca-central-1",
    "eu-central-1",
    "eu-north-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "ap-southeast-1",
];

#[tokio::test]
async fn opt_in_states_become_statuses_and_geography_a_location() {
    let aws = aws().await;
    let regions = aws.discover(&aws.section("")).await.unwrap();
    let status = |id: &str| {
        regions
            .iter()
            .find(|r| r.id.as_str() == id)
            .map(|r| r.status)
    };
    assert_eq!(status("us-east-1"), Some(RegionStatus::Available));
    assert_eq!(status("me-central-1"), Some(RegionStatus::Available));
    assert_eq!(status("ap-southeast-7"), Some(RegionStatus::NotEnabled));
    assert_eq!(status("af-south-1"), Some(RegionStatus::NotEnabled));
    let virginia = regions
        .iter()
        .find(|r| r.id.as_str() == "us-east-1")
        .unwrap();
    let location = virginia.location.as_ref().unwrap();
    assert_eq!(location.country.as_deref(), Some("US"));
    assert_eq!(location.raw.as_deref(), Some("United States of America"));
}

#[tokio::test]
async fn a_region_without_an_opt_in_status_is_enabled() {
    // Regions older than opt-in can come without the element: they are open to every account.
    let aws = aws().await;
    let regions = aws.discover(&aws.section("")).await.unwrap();
    let region = regions
        .iter()
        .find(|r| r.id.as_str() == "us-west-1")
        .unwrap();
    assert_eq!(region.status, RegionStatus::Available);
}

#[tokio::test]
async fn explain_keeps_pinned_regions_and_says_why_every_other_is_out() {
    let aws = aws().await;
    let resolution = resolved(&aws, aws.section(""), &ResolveOptions::default()).await;
    assert_eq!(resolution.policy, PolicyKind::Pinned);
    assert_eq!(resolution.source, Source::Live);
    assert_eq!(kept_ids(&resolution), PINNED);
    assert_eq!(
        resolution.exclusion_of("sa-east-1"),
        Some(ExclusionReason::NoImage)
    );
    assert_eq!(
        resolution.exclusion_of("me-central-1"),
        Some(ExclusionReason::NoImage),
        "opted in, but no image"
    );
    assert_eq!(
        resolution.exclusion_of("ap-southeast-7"),
        Some(ExclusionReason::NotEnabled)
    );
}

#[tokio::test]
async fn default_vpcs_false_excludes_regions_without_vpc_ids_as_missing_region_config() {
    let aws = aws().await;
    let extra = "    default_vpcs: false\n    vpc_ids: {us-east-1: vpc-0123456789abcdef0, eu-west-1: vpc-1a2b3c4d}\n";
    let resolution = resolved(&aws, aws.section(extra), &ResolveOptions::default()).await;
    assert_eq!(
        kept_ids(&resolution),
        ["us-east-1", "eu-west-1"],
        "the provider's order"
    );
    assert_eq!(
        resolution.exclusion_of("eu-north-1"),
        Some(ExclusionReason::MissingRegionConfig)
    );
    assert_eq!(
        resolution.exclusion_of("sa-east-1"),
        Some(ExclusionReason::NoImage),
        "the pin is checked before per-region settings"
    );
}

#[tokio::test]
async fn the_emulators_own_config_shows_a_region_without_a_vpc() {
    let aws = aws().await;
    let emulator = aws.emulator();
    let yaml = emulator.native_config();
    let resolution = resolved(&aws, section_from_yaml(&yaml), &ResolveOptions::default()).await;
    assert_eq!(
        resolution.exclusion_of("eu-north-1"),
        Some(ExclusionReason::MissingRegionConfig)
    );
    assert_eq!(resolution.regions.len(), PINNED.len() - 1);
}

#[tokio::test]
async fn vpc_ids_for_regions_outside_the_result_are_a_warning() {
    let aws = aws().await;
    let extra = "    vpc_ids: {us-east-1: vpc-0123456789abcdef0, sa-east-1: vpc-1a2b3c4d}\n";
    let resolution = resolved(&aws, aws.section(extra), &ResolveOptions::default()).await;
    assert_eq!(
        kept_ids(&resolution),
        PINNED,
        "default VPCs serve the others"
    );
    assert!(
        resolution
            .warnings
            .iter()
            .any(|w| w.contains("vpc_ids") && w.contains("sa-east-1")),
        "{:?}",
        resolution.warnings
    );
}

#[tokio::test]
async fn os_images_lift_the_pin_but_not_the_opt_in() {
    let aws = aws().await;
    let extra = "    os_images:\n      nvidia: {name: my-gpu-ami, owner: self, user: ubuntu}\n";
    let resolution = resolved(&aws, aws.section(extra), &ResolveOptions::default()).await;
    let ids = kept_ids(&resolution);
    assert!(
        ids.contains(&"sa-east-1") && ids.contains(&"me-central-1"),
        "{ids:?}"
    );
    assert_eq!(
        resolution.exclusion_of("ap-southeast-7"),
        Some(ExclusionReason::NotEnabled)
    );
    assert_eq!(resolution.exclusion_of("sa-east-1"), None);
}

#[tokio::test]
async fn naming_a_live_unpinned_region_says_no_image_is_published_and_how_to_bring_one() {
    let aws = aws().await;
    let report = aws
        .resolve(
            aws.section("    regions: [us-east-1, sa-east-1]\n"),
            &ResolveOptions::default(),
        )
        .await;
    match report.error {
        Some(Error::RegionExcluded { region, detail, .. }) => {
            assert_eq!(region, "sa-east-1");
            assert!(
                detail.contains("image") && detail.contains("os_images"),
                "{detail}"
            );
        }
        other => panic!("expected a region-excluded error, got {other:?}"),
    }
}

#[tokio::test]
async fn an_unknown_access_key_is_an_auth_failure() {
    let aws = aws().await;
    let unknown = aws.section_with_creds(&keys("AKIAUNKNOWNEXAMPLE00", EMULATOR_SECRET_KEY), "");
    let err = aws.discover(&unknown).await.unwrap_err();
    assert_eq!(err.kind, ProviderErrorKind::Auth);
    assert!(err.message.starts_with("AuthFailure"), "{err}");
}

#[tokio::test]
async fn missing_permission_is_unauthorized_operation_naming_the_iam_action() {
    let aws = aws().await;
    let limited = aws.section_with_creds(&keys(NO_PERMISSION_ACCESS_KEY, EMULATOR_SECRET_KEY), "");
    let err = aws.discover(&limited).await.unwrap_err();
    assert_eq!(err.kind, ProviderErrorKind::Auth);
    assert_eq!(err.status, Some(403));
    assert!(err.message.starts_with("UnauthorizedOperation"), "{err}");
    assert!(err.message.contains("ec2:DescribeRegions"), "{err}");
}

#[tokio::test]
async fn an_account_not_subscribed_to_ec2_is_opt_in_required() {
    let aws = aws().await;
    let unsubscribed =
        aws.section_with_creds(&keys(NOT_SUBSCRIBED_ACCESS_KEY, EMULATOR_SECRET_KEY), "");
    let err = aws.discover(&unsubscribed).await.unwrap_err();
    assert_eq!(err.kind, ProviderErrorKind::Auth);
    assert!(err.message.starts_with("OptInRequired"), "{err}");
}

#[tokio::test]
async fn request_limit_exceeded_is_rate_limited_and_retried_with_backoff() {
    let aws = aws().await;
    let emulator = aws.emulator();
    let throttled = aws.section_with_creds(&keys(THROTTLED_ACCESS_KEY, EMULATOR_SECRET_KEY), "");
    let err = aws.discover(&throttled).await.unwrap_err();
    assert_eq!(err.kind, ProviderErrorKind::RateLimited);
    assert_eq!(err.status, Some(503));
    assert_eq!(err.retry_after, None, "EC2 sends no Retry-After");
    assert!(err.message.starts_with("RequestLimitExceeded"), "{err}");
    assert_eq!(emulator.path_count("aws", "POST /"), 3, "three attempts");
}

#[tokio::test]
async fn vpc_ids_and_vpc_name_together_are_a_config_error() {
    let section = section_from_yaml(
        "backends:\n  - type: aws\n    creds: {type: default}\n    vpc_name: main\n    vpc_ids: {us-east-1: vpc-1a2b3c4d}\n",
    );
    let message = (regionkit_aws::DESCRIPTOR.build)(&section)
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("vpc_ids") && message.contains("vpc_name"),
        "{message}"
    );
}

#[tokio::test]
async fn a_malformed_vpc_id_names_its_region_entry() {
    let section = section_from_yaml(
        "backends:\n  - type: aws\n    creds: {type: default}\n    vpc_ids: {eu-west-1: subnet-1a2b3c4d}\n",
    );
    let message = (regionkit_aws::DESCRIPTOR.build)(&section)
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("vpc_ids.eu-west-1") && message.contains("subnet-1a2b3c4d"),
        "{message}"
    );
}

#[tokio::test]
async fn an_unknown_credential_shape_names_the_field() {
    let section =
        section_from_yaml("backends:\n  - type: aws\n    creds: {type: api_key, api_key: abc}\n");
    let message = (regionkit_aws::DESCRIPTOR.build)(&section)
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("creds") && message.contains("access_key"),
        "{message}"
    );
}

#[test]
fn an_endpoint_in_another_partition_is_signed_for_its_region() {
    for (endpoint, region) in [
        ("https://ec2.cn-north-1.amazonaws.com.cn", "cn-north-1"),
        ("https://ec2.us-gov-west-1.amazonaws.com", "us-gov-west-1"),
        ("https://ec2.eusc-de-east-1.amazonaws.eu", "eusc-de-east-1"),
    ] {
        let section = section_from_yaml(&format!(
            "backends:\n  - type: aws\n    creds: {{type: default}}\n    endpoint: {endpoint}\n"
        ));
        let config = regionkit_aws::AwsConfig::from_section(&section).unwrap();
        assert_eq!(config.signing_region, region);
        assert_eq!(config.endpoint.host(), endpoint.strip_prefix("https://"));
    }
}

#[test]
fn without_an_endpoint_ec2_in_us_east_1_is_called() {
    let section = section_from_yaml("backends:\n  - type: aws\n    creds: {type: default}\n");
    let config = regionkit_aws::AwsConfig::from_section(&section).unwrap();
    assert_eq!(
        config.endpoint.as_str(),
        "https://ec2.us-east-1.amazonaws.com/"
    );
    assert_eq!(config.signing_region, "us-east-1");
}

// ---------------------------------------------------------------------------------------
// The emulator checks signatures over the path exactly as the client sent it, as EC2 does:
// a client whose endpoint is `http://HOST/aws` (no trailing `/`) signs `/aws`.
// ---------------------------------------------------------------------------------------

const FORM: &str = "application/x-www-form-urlencoded; charset=utf-8";
const DESCRIBE_REGIONS: &str = "Action=DescribeRegions&Version=2016-11-15&AllRegions=true";

/// A request to `send_to`, signed with SigV4 for EC2 in us-east-1 by the emulator's key pair
/// as an SDK whose request URL is `signed_for` signs it; `tamper` changes the last digit of
/// the signature.
fn signed(
    method: &str,
    signed_for: &str,
    send_to: &str,
    body: &'static str,
    tamper: bool,
) -> reqwest::RequestBuilder {
    let identity =
        Credentials::new(EMULATOR_ACCESS_KEY, EMULATOR_SECRET_KEY, None, None, "test").into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region("us-east-1")
        .name("ec2")
        .time(SystemTime::now())
        .settings(SigningSettings::default())
        .build()
        .unwrap()
        .into();
    let headers = [("content-type", FORM)];
    let signable = SignableRequest::new(
        method,
        signed_for,
        headers.iter().copied(),
        SignableBody::Bytes(body.as_bytes()),
    )
    .unwrap();
    let (instructions, _) = sign(signable, &params).unwrap().into_parts();
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut request = reqwest::Client::new()
        .request(method, send_to)
        .header("content-type", FORM);
    for (name, value) in instructions.headers() {
        let value = if tamper && name.eq_ignore_ascii_case("authorization") {
            let last = if value.ends_with('0') { "1" } else { "0" };
            format!("{}{last}", &value[..value.len() - 1])
        } else {
            value.to_owned()
        };
        request = request.header(name, value);
    }
    request.body(body)
}

async fn status_and_body(request: reqwest::RequestBuilder) -> (u16, String) {
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

#[tokio::test]
async fn a_request_signed_for_the_endpoint_path_as_sent_is_accepted() {
    let aws = aws().await;
    let endpoint = aws.endpoint();
    assert!(endpoint.ends_with("/aws"), "{endpoint}");
    let with_slash = format!("{endpoint}/");
    let with_query = format!("{endpoint}?{DESCRIBE_REGIONS}");
    let requests = [
        ("POST", endpoint.as_str(), DESCRIBE_REGIONS),
        ("POST", with_slash.as_str(), DESCRIBE_REGIONS),
        ("GET", with_query.as_str(), ""),
    ];
    for (method, url, body) in requests {
        let (status, text) = status_and_body(signed(method, url, url, body, false)).await;
        assert_eq!(status, 200, "{method} {url}: {text}");
        assert!(
            text.contains("<DescribeRegionsResponse") && text.contains("us-east-1"),
            "{method} {url}: {text}"
        );
    }
}

#[tokio::test]
async fn a_tampered_signature_is_still_refused_on_either_path() {
    let aws = aws().await;
    let endpoint = aws.endpoint();
    for url in [endpoint.clone(), format!("{endpoint}/")] {
        let request = signed("POST", &url, &url, DESCRIBE_REGIONS, true);
        let (status, text) = status_and_body(request).await;
        assert_eq!(status, 401, "{url}: {text}");
        assert!(text.contains("<Code>AuthFailure</Code>"), "{url}: {text}");
    }
}

#[tokio::test]
async fn a_signature_for_another_path_is_refused() {
    let aws = aws().await;
    let endpoint = aws.endpoint();
    let with_slash = format!("{endpoint}/");
    // Each signed for the other path: EC2 would see another canonical URI.
    for (signed_for, send_to) in [(&with_slash, &endpoint), (&endpoint, &with_slash)] {
        let request = signed("POST", signed_for, send_to, DESCRIBE_REGIONS, false);
        let (status, text) = status_and_body(request).await;
        assert_eq!(
            status, 401,
            "signed for {signed_for}, sent to {send_to}: {text}"
        );
        assert!(text.contains("<Code>AuthFailure</Code>"), "{text}");
    }
}
