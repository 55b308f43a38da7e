//! OCI discovery through real, signed HTTP against the emulator: the conformance suite, then
//! what is OCI's own: request signing, the realm's regions and their subscriptions, and the
//! pinned image regions.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

use std::time::{Duration, SystemTime};

use regionkit_core::{BackendConfig, Error, ExclusionReason, RegionStatus, ResolveOptions, Source};
use regionkit_oci::emulator::{
    emulator_key_id, EMULATOR_FINGERPRINT, EMULATOR_KEY_PEM, EMULATOR_TENANCY, EMULATOR_USER,
};
use regionkit_oci::RequestSigner;
use regionkit_testkit::{
    find, kept_ids, section_from_yaml, BackendHarness, BackendSpec, Case, EmptyAnswer, Text,
};

const REGIONS_PATH: &str = "GET /20160918/regions";
const SUBSCRIPTIONS_PATH: &str = "GET /20160918/tenancies/ocid1.tenancy.oc1..aaaaaaaaemu4regionkit7tenancy2q5x3v6n8b4m1k9j7h5g3f2d4s6a8z/regionSubscriptions";

/// A fingerprint the emulator's tenancy does not know.
const UNKNOWN_FINGERPRINT: &str = "00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff";

/// OCI's API-key credentials on one line, the key in a quoted string.
fn client_creds(fingerprint: &str, key_content: &str) -> String {
    format!(
        "{{type: client, user: {EMULATOR_USER}, tenancy: {EMULATOR_TENANCY}, fingerprint: \"{fingerprint}\", region: us-ashburn-1, key_content: \"{}\"}}",
        key_content.replace('\n', "\\n")
    )
}

/// OCI as the conformance suite sees it: a discovery lists the realm's regions, then the
/// tenancy's subscriptions. Every tenancy is subscribed to its home region, so no
/// subscription at all is a broken answer.
fn spec() -> BackendSpec {
    let key_lines = EMULATOR_KEY_PEM
        .lines()
        .filter(|line| !line.starts_with("-----") && line.len() >= 32);
    BackendSpec::new(&regionkit_oci::DESCRIPTOR)
        .creds(client_creds(EMULATOR_FINGERPRINT, EMULATOR_KEY_PEM))
        .wrong_creds(client_creds(UNKNOWN_FINGERPRINT, EMULATOR_KEY_PEM))
        .canary_creds(
            client_creds(UNKNOWN_FINGERPRINT, EMULATOR_KEY_PEM),
            key_lines,
        )
        .calls([(REGIONS_PATH, 1), (SUBSCRIPTIONS_PATH, 1)])
        .regions(["us-ashburn-1", "us-phoenix-1", "eu-frankfurt-1"])
        .misspelling("us-ashburn-2", "us-ashburn-1")
        .empty_answer(EmptyAnswer::FallsBack)
        .says(Case::WrongCredentials, Text::Contains("NotAuthenticated"))
        .says(Case::WrongCredentials, Text::Contains("opc-request-id"))
        .says(
            Case::RejectedCredentials,
            Text::StartsWith("NotAuthenticated:"),
        )
        .says(Case::Forbidden, Text::StartsWith("NotAllowed:"))
        .says(Case::RateLimited, Text::StartsWith("TooManyRequests:"))
        .says(Case::ServerError, Text::StartsWith("InternalServerError:"))
        .says(
            Case::ServiceUnavailable,
            Text::StartsWith("ServiceUnavailable:"),
        )
        .says(Case::MalformedBody, Text::Contains("sequence"))
        .says(Case::EmptyAnswer, Text::Contains("home region"))
        .says(Case::MissingCreds, Text::Contains("fingerprint"))
}

regionkit_testkit::conformance_tests!(spec);

/// OCI behind its emulator. Its own tests write their sections here, with the key as a
/// block scalar, as OCI configs usually hold it.
async fn oci() -> BackendHarness {
    BackendHarness::start(&regionkit_oci::DESCRIPTOR).await
}

/// The key as a YAML block scalar, indented under `creds`.
fn key_block(pem: &str) -> String {
    pem.lines()
        .map(|line| format!("        {line}\n"))
        .collect()
}

fn section_with(
    oci: &BackendHarness,
    tenancy: &str,
    fingerprint: &str,
    key_content: &str,
    extra: &str,
) -> BackendConfig {
    section_from_yaml(&format!(
        "backends:\n  - type: oci\n    creds:\n      type: client\n      user: {EMULATOR_USER}\n      tenancy: {tenancy}\n      fingerprint: \"{fingerprint}\"\n      region: us-ashburn-1\n      key_content: |\n{}    endpoint: {}\n{extra}",
        key_block(key_content),
        oci.endpoint()
    ))
}

/// A section with the user, tenancy and key the emulator accepts.
fn section(oci: &BackendHarness, extra: &str) -> BackendConfig {
    section_with(
        oci,
        EMULATOR_TENANCY,
        EMULATOR_FINGERPRINT,
        EMULATOR_KEY_PEM,
        extra,
    )
}

#[tokio::test]
async fn ready_subscriptions_are_available_and_in_progress_ones_not_enabled() {
    let oci = oci().await;
    let regions = oci.discover(&section(&oci, "")).await.unwrap();
    assert_eq!(
        find(&regions, "us-ashburn-1").status,
        RegionStatus::Available
    );
    assert_eq!(
        find(&regions, "eu-amsterdam-1").status,
        RegionStatus::Available
    );
    assert_eq!(
        find(&regions, "ap-tokyo-1").status,
        RegionStatus::NotEnabled
    );
    assert_eq!(
        find(&regions, "us-chicago-1").status,
        RegionStatus::NotEnabled
    );
}

#[tokio::test]
async fn realm_regions_without_a_subscription_are_not_enabled() {
    let oci = oci().await;
    let regions = oci.discover(&section(&oci, "")).await.unwrap();
    assert_eq!(regions.len(), 46, "every region of the commercial realm");
    assert_eq!(
        find(&regions, "eu-milan-1").status,
        RegionStatus::NotEnabled
    );
    assert_eq!(
        find(&regions, "sa-saopaulo-1").status,
        RegionStatus::NotEnabled
    );
}

#[tokio::test]
async fn the_home_region_is_marked_in_its_display_name() {
    let oci = oci().await;
    let regions = oci.discover(&section(&oci, "")).await.unwrap();
    assert_eq!(
        find(&regions, "us-ashburn-1").display_name,
        "Ashburn, US (home region)"
    );
    assert_eq!(
        find(&regions, "eu-frankfurt-1").display_name,
        "Frankfurt, DE"
    );
}

#[tokio::test]
async fn regions_carry_country_city_and_continent() {
    let oci = oci().await;
    let regions = oci.discover(&section(&oci, "")).await.unwrap();
    let frankfurt = find(&regions, "eu-frankfurt-1").location.clone().unwrap();
    assert_eq!(frankfurt.country.as_deref(), Some("DE"));
    assert_eq!(frankfurt.city.as_deref(), Some("Frankfurt"));
    assert_eq!(frankfurt.continent.as_deref(), Some("Europe"));
}

#[tokio::test]
async fn a_tenancy_whose_user_may_inspect_nothing_is_an_auth_error_naming_the_ambiguity() {
    // OCI answers 404 `NotAuthorizedOrNotFound` both for a missing tenancy and for one the
    // user may not inspect; either way the credentials are the user's to fix.
    let oci = oci().await;
    let section = section_with(
        &oci,
        regionkit_oci::emulator::NO_POLICY_TENANCY,
        EMULATOR_FINGERPRINT,
        EMULATOR_KEY_PEM,
        "",
    );
    let err = oci.discover(&section).await.unwrap_err();
    assert_eq!(err.kind, regionkit_core::ProviderErrorKind::Auth);
    assert_eq!(err.status, Some(404));
    assert!(err.message.contains("NotAuthorizedOrNotFound"), "{err}");
    assert!(err.message.contains("tenancy OCID"), "{err}");
    let report = oci.resolve(section, &ResolveOptions::default()).await;
    assert!(report.resolution.is_none(), "no fallback hides it");
}

#[tokio::test]
async fn a_signed_request_for_another_tenancy_is_not_authorized_or_not_found() {
    let oci = oci().await;
    let base = oci.endpoint();
    let url = url::Url::parse(&format!(
        "{base}/20160918/tenancies/ocid1.tenancy.oc1..aaaaaaaaotherothertenancy/regionSubscriptions"
    ))
    .unwrap();
    let response = send_signed(&url, None).await;
    assert_eq!(response.status().as_u16(), 404);
    assert!(response.headers().contains_key("opc-request-id"));
    let body: serde_json::Value = serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
    assert_eq!(body["code"], "NotAuthorizedOrNotFound");
    assert_eq!(
        body["message"],
        "Authorization failed or requested resource not found."
    );
}

/// Sign a GET for `url` with the emulator's key; `tamper` changes the date after signing.
async fn send_signed(url: &url::Url, tamper: Option<&str>) -> reqwest::Response {
    let signer = RequestSigner::from_pem(emulator_key_id(), EMULATOR_KEY_PEM).unwrap();
    let date = httpdate::fmt_http_date(SystemTime::now());
    let signed = signer.sign("GET", url, &date, None).unwrap();
    let mut request = reqwest::Client::new().get(url.clone());
    for (name, value) in signed.iter() {
        let value = match (name, tamper) {
            ("date", Some(other)) => other,
            _ => value,
        };
        request = request.header(name, value);
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn the_emulator_accepts_a_correct_signature() {
    let oci = oci().await;
    let url = url::Url::parse(&format!("{}/20160918/regions", oci.endpoint())).unwrap();
    assert_eq!(send_signed(&url, None).await.status().as_u16(), 200);
}

#[tokio::test]
async fn the_emulator_rejects_a_signature_that_does_not_match_the_request() {
    let oci = oci().await;
    let url = url::Url::parse(&format!("{}/20160918/regions", oci.endpoint())).unwrap();
    let later = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(1));
    let response = send_signed(&url, Some(&later)).await;
    assert_eq!(response.status().as_u16(), 401);
    let body: serde_json::Value = serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
    assert_eq!(body["code"], "NotAuthenticated");
    assert!(
        body["message"].as_str().unwrap().contains("does not match"),
        "{body}"
    );
}

#[tokio::test]
async fn the_emulator_rejects_an_unsigned_request() {
    let oci = oci().await;
    let response = reqwest::Client::new()
        .get(format!("{}/20160918/regions", oci.endpoint()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 401);
}

#[tokio::test]
async fn resolution_keeps_subscribed_image_regions_and_explains_the_rest() {
    let oci = oci().await;
    let report = oci
        .resolve(section(&oci, ""), &ResolveOptions::default())
        .await;
    assert!(report.error.is_none(), "{:?}", report.error);
    let resolution = report.resolution.unwrap();
    assert_eq!(resolution.source, Source::Live);
    let kept = kept_ids(&resolution);
    assert_eq!(kept, ["eu-frankfurt-1", "us-ashburn-1", "us-phoenix-1"]);
    assert_eq!(
        resolution.exclusion_of("us-chicago-1"),
        Some(ExclusionReason::NotEnabled),
        "an image region still in progress"
    );
    assert_eq!(
        resolution.exclusion_of("ap-tokyo-1"),
        Some(ExclusionReason::NotEnabled)
    );
    assert_eq!(
        resolution.exclusion_of("eu-amsterdam-1"),
        Some(ExclusionReason::NoImage),
        "subscribed, but no image there"
    );
    assert_eq!(
        resolution.exclusion_of("eu-milan-1"),
        Some(ExclusionReason::NotEnabled),
        "an image region the tenancy never subscribed to"
    );
    assert!(resolution.new.is_empty(), "{:?}", resolution.new);
}

#[tokio::test]
async fn naming_a_subscribed_region_without_an_image_says_why_and_what_to_do() {
    let oci = oci().await;
    let report = oci
        .resolve(
            section(&oci, "    regions: [eu-amsterdam-1]\n"),
            &ResolveOptions::default(),
        )
        .await;
    match report.error {
        Some(Error::RegionExcluded {
            region,
            field,
            detail,
            ..
        }) => {
            assert_eq!(region, "eu-amsterdam-1");
            assert_eq!(field, "regions");
            assert!(detail.contains("no OS image"), "{detail}");
            assert!(
                detail.contains("us-ashburn-1"),
                "lists the image regions: {detail}"
            );
            assert!(detail.contains("ask the dstack maintainers"), "{detail}");
        }
        other => panic!("expected a region-excluded error, got {other:?}"),
    }
}

#[tokio::test]
async fn naming_a_not_yet_ready_image_region_warns() {
    let oci = oci().await;
    let report = oci
        .resolve(
            section(&oci, "    regions: [us-chicago-1, us-ashburn-1]\n"),
            &ResolveOptions::default(),
        )
        .await;
    let resolution = report.resolution.unwrap();
    let ids = kept_ids(&resolution);
    assert_eq!(ids, ["us-ashburn-1"]);
    assert!(
        resolution
            .warnings
            .iter()
            .any(|w| w.contains("us-chicago-1") && w.contains("not-enabled")),
        "{:?}",
        resolution.warnings
    );
}

#[tokio::test]
async fn default_creds_read_a_profile_of_the_oci_config_file() {
    let oci = oci().await;
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("oci_api_key.pem");
    std::fs::write(&key, EMULATOR_KEY_PEM).unwrap();
    let file = dir.path().join("config");
    std::fs::write(
        &file,
        format!(
            "[DEFAULT]\nregion=us-phoenix-1\ntenancy={EMULATOR_TENANCY}\n\n[EMULATOR]\nuser={EMULATOR_USER}\nfingerprint={EMULATOR_FINGERPRINT}\nkey_file={}\n",
            key.display()
        ),
    )
    .unwrap();
    let yaml = format!(
        "backends:\n  - type: oci\n    creds: {{type: default, file: \"{}\", profile: EMULATOR}}\n    endpoint: {}\n",
        file.display(),
        oci.endpoint()
    );
    let section = section_from_yaml(&yaml);
    let regions = oci.discover(&section).await.unwrap();
    assert_eq!(
        find(&regions, "us-phoenix-1").status,
        RegionStatus::Available
    );
}

#[tokio::test]
async fn a_missing_profile_lists_the_ones_there() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("config");
    std::fs::write(&file, "[DEFAULT]\nregion=us-ashburn-1\n[work]\n").unwrap();
    let yaml = format!(
        "backends:\n  - type: oci\n    creds: {{type: default, file: \"{}\", profile: home}}\n",
        file.display()
    );
    let section = section_from_yaml(&yaml);
    let message = (regionkit_oci::DESCRIPTOR.build)(&section)
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("creds.profile") && message.contains("DEFAULT, work"),
        "{message}"
    );
}

#[tokio::test]
async fn an_unreadable_key_is_named_but_never_echoed() {
    let canary = "canary-9d2b-oci-key";
    let oci = oci().await;
    let broken =
        format!("-----BEGIN RSA PRIVATE KEY-----\n{canary}\n-----END RSA PRIVATE KEY-----");
    let bad = section_with(&oci, EMULATOR_TENANCY, EMULATOR_FINGERPRINT, &broken, "");
    assert!(!format!("{bad:?}").contains(canary));
    let error = (regionkit_oci::DESCRIPTOR.build)(&bad).unwrap_err();
    assert!(error.to_string().contains("creds.key_content"), "{error}");
    assert!(!error.to_string().contains(canary));
    assert!(!format!("{error:?}").contains(canary));
}

#[tokio::test]
async fn key_file_and_key_content_together_are_refused() {
    let yaml = format!(
        "backends:\n  - type: oci\n    creds:\n      type: client\n      user: {EMULATOR_USER}\n      tenancy: {EMULATOR_TENANCY}\n      fingerprint: \"{EMULATOR_FINGERPRINT}\"\n      region: IAD\n      key_file: /nonexistent/key.pem\n      key_content: |\n{}",
        key_block(EMULATOR_KEY_PEM)
    );
    let section = section_from_yaml(&yaml);
    let message = (regionkit_oci::DESCRIPTOR.build)(&section)
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("key_file") && message.contains("keep only one"),
        "{message}"
    );
}

#[tokio::test]
async fn without_endpoint_a_region_key_picks_that_regions_identity_service() {
    let yaml = format!(
        "backends:\n  - type: oci\n    creds:\n      type: client\n      user: {EMULATOR_USER}\n      tenancy: {EMULATOR_TENANCY}\n      fingerprint: \"{EMULATOR_FINGERPRINT}\"\n      region: FRA\n      key_content: |\n{}",
        key_block(EMULATOR_KEY_PEM)
    );
    let section = section_from_yaml(&yaml);
    let config = regionkit_oci::OciConfig::from_section(&section).unwrap();
    assert_eq!(config.key.region, "eu-frankfurt-1");
    assert_eq!(
        config.endpoint.as_str(),
        "https://identity.eu-frankfurt-1.oci.oraclecloud.com/"
    );
}

#[tokio::test]
async fn a_plain_http_endpoint_off_loopback_is_refused() {
    let yaml = format!(
        "backends:\n  - type: oci\n    endpoint: http://identity.example.invalid\n    creds:\n      type: client\n      user: {EMULATOR_USER}\n      tenancy: {EMULATOR_TENANCY}\n      fingerprint: \"{EMULATOR_FINGERPRINT}\"\n      region: us-ashburn-1\n      key_content: |\n{}",
        key_block(EMULATOR_KEY_PEM)
    );
    let section = section_from_yaml(&yaml);
    let message = (regionkit_oci::DESCRIPTOR.build)(&section)
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("endpoint") && message.contains("allow_http"),
        "{message}"
    );
}
