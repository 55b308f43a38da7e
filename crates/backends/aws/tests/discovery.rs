//! AWS discovery through real HTTP against the emulator: SigV4-signed DescribeRegions, EC2's
//! XML answers and errors, and resolution under the pinned policy.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant, SystemTime};

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
use regionkit_emulator::{Fault, FaultKind};
use regionkit_testkit::{fast_policy, kept_ids, section_from_yaml, BackendHarness};

/// An access key pair as `creds`.
fn keys(access_key: &str, secret_key: &str) -> String {
    format!("{{type: access_key, access_key: {access_key}, secret_key: \"{secret_key}\"}}")
}

/// AWS behind its emulator, with the key pair the emulator accepts.
async fn aws() -> BackendHarness {
    BackendHarness::start(&regionkit_aws::DESCRIPTOR)
        .await
        .with_creds(keys(EMULATOR_ACCESS_KEY, EMULATOR_SECRET_KEY))
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

const PINNED: [&str; 11] = [
    "ap-southeast-1",
    "ca-central-1",
    "eu-central-1",
    "eu-north-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
];

#[tokio::test]
async fn opt_in_states_become_statuses_and_geography_a_location() {
    let aws = aws().await;
    let emulator = aws.emulator();
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
    assert_eq!(emulator.path_count("aws", "POST /"), 1, "one signed POST");
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
async fn a_region_missing_from_the_builtin_list_is_reported_as_new() {
    let aws = aws().await;
    let resolution = resolved(&aws, aws.section(""), &ResolveOptions::default()).await;
    let new: Vec<_> = resolution.new.iter().map(|id| id.as_str()).collect();
    assert_eq!(new, ["ap-northeast-4"]);
}

#[tokio::test]
async fn default_vpcs_false_excludes_regions_without_vpc_ids_as_missing_region_config() {
    let aws = aws().await;
    let extra = "    default_vpcs: false\n    vpc_ids: {us-east-1: vpc-0123456789abcdef0, eu-west-1: vpc-1a2b3c4d}\n";
    let resolution = resolved(&aws, aws.section(extra), &ResolveOptions::default()).await;
    assert_eq!(kept_ids(&resolution), ["eu-west-1", "us-east-1"]);
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
async fn run_regions_narrow_backend_regions_in_run_order() {
    let aws = aws().await;
    let resolution = resolved(
        &aws,
        aws.section("    regions: [\"us-*\", eu-west-1]\n"),
        &ResolveOptions::default()
            .with_run_regions("--region", vec!["EU-WEST-1".into(), "us-east-2".into()]),
    )
    .await;
    assert_eq!(kept_ids(&resolution), ["eu-west-1", "us-east-2"]);
    assert_eq!(
        resolution.exclusion_of("us-west-2"),
        Some(ExclusionReason::NotInRunConfig)
    );
    assert_eq!(
        resolution.exclusion_of("eu-central-1"),
        Some(ExclusionReason::NotInBackendConfig)
    );
}

#[tokio::test]
async fn unknown_backend_region_suggests_the_nearest_real_one() {
    let aws = aws().await;
    let report = aws
        .resolve(
            aws.section("    regions: [us-east-7]\n"),
            &ResolveOptions::default(),
        )
        .await;
    match report.error {
        Some(Error::UnknownRegion { suggestions, .. }) => assert_eq!(suggestions[0], "us-east-1"),
        other => panic!("expected an unknown-region error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_wrong_secret_key_fails_the_signature_check_as_auth_failure() {
    let aws = aws().await;
    let wrong = aws.section_with_creds(&keys(EMULATOR_ACCESS_KEY, "not-the-secret-key"), "");
    let err = aws.discover(&wrong).await.unwrap_err();
    assert_eq!(err.kind, ProviderErrorKind::Auth);
    assert_eq!(err.status, Some(401));
    assert!(err.message.starts_with("AuthFailure: "), "{err}");
    assert!(err.message.contains("creds.secret_key"), "{err}");
    assert!(err.message.contains("RequestID"), "{err}");
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
async fn rate_limit_with_retry_after_is_waited_out_then_succeeds() {
    let aws = aws().await;
    let emulator = aws.emulator();
    emulator.set_fault(Fault::times(
        "aws",
        FaultKind::Http429 {
            retry_after_secs: 1,
        },
        1,
    ));
    let started = Instant::now();
    let regions = aws.discover(&aws.section("")).await.unwrap();
    assert!(!regions.is_empty());
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "Retry-After was not honoured"
    );
    assert_eq!(emulator.path_count("aws", "POST /"), 2);
}

#[tokio::test]
async fn retry_after_past_the_deadline_is_not_waited_for() {
    let aws = aws().await;
    let emulator = aws.emulator();
    emulator.set_fault(Fault::always(
        "aws",
        FaultKind::Http429 {
            retry_after_secs: 60,
        },
    ));
    let started = Instant::now();
    let err = aws.discover(&aws.section("")).await.unwrap_err();
    assert_eq!(err.kind, ProviderErrorKind::RateLimited);
    assert_eq!(err.retry_after, Some(Duration::from_secs(60)));
    assert!(err.message.starts_with("RequestLimitExceeded"), "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "waited past the deadline"
    );
}

#[tokio::test]
async fn internal_errors_are_retried_then_reported_as_unavailable() {
    let aws = aws().await;
    let emulator = aws.emulator();
    emulator.set_fault(Fault::always("aws", FaultKind::Http500));
    let err = aws.discover(&aws.section("")).await.unwrap_err();
    assert_eq!(err.kind, ProviderErrorKind::Unavailable);
    assert_eq!(err.status, Some(500));
    assert!(err.is_temporary());
    assert!(err.message.starts_with("InternalError"), "{err}");
    assert_eq!(emulator.path_count("aws", "POST /"), 3, "three attempts");
}

#[tokio::test]
async fn service_unavailable_is_a_temporary_error_with_ec2s_code() {
    let aws = aws().await;
    let emulator = aws.emulator();
    emulator.set_fault(Fault::always("aws", FaultKind::Http503));
    let err = aws.discover(&aws.section("")).await.unwrap_err();
    assert_eq!(err.kind, ProviderErrorKind::Unavailable);
    assert_eq!(err.status, Some(503));
    assert!(err.message.starts_with("Unavailable"), "{err}");
}

#[tokio::test]
async fn forbidden_is_an_auth_error_with_ec2s_code() {
    let aws = aws().await;
    let emulator = aws.emulator();
    emulator.set_fault(Fault::always("aws", FaultKind::Forbidden));
    let err = aws.discover(&aws.section("")).await.unwrap_err();
    assert_eq!(err.kind, ProviderErrorKind::Auth);
    assert_eq!(err.status, Some(403));
    assert!(err.message.starts_with("UnauthorizedOperation"), "{err}");
}

#[tokio::test]
async fn rejected_credentials_get_no_fallback() {
    let aws = aws().await;
    let emulator = aws.emulator();
    emulator.set_fault(Fault::always("aws", FaultKind::Unauthorized));
    let report = aws
        .resolve(aws.section(""), &ResolveOptions::default())
        .await;
    assert!(report.resolution.is_none());
    let message = report.error.unwrap().to_string();
    assert!(message.starts_with("aws: auth"), "{message}");
    assert!(message.contains("AuthFailure"), "{message}");
}

#[tokio::test]
async fn malformed_body_is_a_bad_response_naming_the_expected_document() {
    let aws = aws().await;
    let emulator = aws.emulator();
    emulator.set_fault(Fault::always("aws", FaultKind::Malformed));
    let err = aws.discover(&aws.section("")).await.unwrap_err();
    assert_eq!(err.kind, ProviderErrorKind::BadResponse);
    assert!(
        err.message.contains("DescribeRegionsResponse") && err.message.contains("not XML"),
        "{err}"
    );
}

#[tokio::test]
async fn truncated_body_is_reported_as_cut_off() {
    let aws = aws().await;
    let emulator = aws.emulator();
    emulator.set_fault(Fault::always("aws", FaultKind::Truncated));
    let err = aws.discover(&aws.section("")).await.unwrap_err();
    assert!(
        err.message.contains("cut off") || err.message.contains("truncated"),
        "{err}"
    );
}

#[tokio::test]
async fn oversized_body_is_refused() {
    let aws = aws().await;
    let emulator = aws.emulator();
    emulator.set_fault(Fault::always(
        "aws",
        FaultKind::Oversized { bytes: 64 * 1024 },
    ));
    let policy = fast_policy().with_max_body_bytes(16 * 1024);
    let err = aws
        .discover_with(&aws.section(""), policy)
        .await
        .unwrap_err();
    assert_eq!(err.kind, ProviderErrorKind::BadResponse);
    assert!(err.message.contains("limit"), "{err}");
}

#[tokio::test]
async fn provider_outage_falls_back_to_the_builtin_list_labelled() {
    let aws = aws().await;
    let emulator = aws.emulator();
    emulator.set_fault(Fault::always("aws", FaultKind::Http503));
    let resolution = resolved(&aws, aws.section(""), &ResolveOptions::default()).await;
    assert_eq!(resolution.source, Source::Builtin);
    assert!(resolution.live_error.is_some());
    assert_eq!(kept_ids(&resolution).len(), PINNED.len(), "pinned ∩ known");
    assert!(
        resolution.warnings.iter().any(|w| w.contains("builtin")),
        "{:?}",
        resolution.warnings
    );
}

#[tokio::test]
async fn an_empty_region_list_is_never_an_empty_success() {
    let aws = aws().await;
    let emulator = aws.emulator();
    emulator.set_fault(Fault::always("aws", FaultKind::Empty));
    let resolution = resolved(&aws, aws.section(""), &ResolveOptions::default()).await;
    assert_eq!(resolution.source, Source::Builtin);
    assert!(!resolution.regions.is_empty());
}

#[tokio::test]
async fn the_secret_key_never_appears_in_debug_or_errors() {
    let canary = "canary/7f3a9c/aws/secret/key/0123456789";
    let aws = aws().await;
    let section = aws.section_with_creds(&keys(EMULATOR_ACCESS_KEY, canary), "");
    let provider = aws.provider(&section);
    assert!(!format!("{section:?}").contains(canary));
    assert!(!format!("{provider:?}").contains(canary));
    assert!(!format!("{provider:?}").contains(EMULATOR_ACCESS_KEY));
    let report = aws.resolve(section, &ResolveOptions::default()).await;
    let error = report.error.expect("the emulator rejects the signature");
    assert!(!error.to_string().contains(canary));
    assert!(!format!("{error:?}").contains(canary));
}

#[tokio::test]
async fn missing_creds_name_the_field_and_both_shapes() {
    let section = section_from_yaml("backends: [{type: aws}]");
    let message = (regionkit_aws::DESCRIPTOR.build)(&section)
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("aws") && message.contains("creds") && message.contains("access_key"),
        "{message}"
    );
    assert!(message.contains("type: default"), "{message}");
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
