//! `creds: {type: default}` through the standard AWS credential chain, against the emulator.
//!
//! The chain reads the process environment, so these tests live in their own test binary
//! and take turns. Instance metadata is switched off and the shared files point nowhere, so
//! the chain never leaves this machine and never reads the developer's own AWS files.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use regionkit_aws::emulator::{EMULATOR_ACCESS_KEY, EMULATOR_SECRET_KEY};
use regionkit_core::{
    DiscoveryContext, HttpClient, HttpPolicy, ProviderError, ProviderErrorKind, Region,
    RegionStatus,
};
use regionkit_testkit::BackendHarness;
use tokio::sync::Mutex;

/// Held by each test while it sets and reads the environment.
static ENVIRONMENT: Mutex<()> = Mutex::const_new(());

const CHAIN_VARIABLES: &[&str] = &[
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
];

/// An environment in which the chain finds only what the test puts there.
fn isolate_the_chain() {
    for name in CHAIN_VARIABLES {
        std::env::remove_var(name);
    }
    let nowhere = std::env::temp_dir().join("regionkit-aws-test-no-such-dir");
    std::env::set_var("AWS_CONFIG_FILE", nowhere.join("config"));
    std::env::set_var("AWS_SHARED_CREDENTIALS_FILE", nowhere.join("credentials"));
    std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");
}

async fn aws() -> BackendHarness {
    BackendHarness::start(&regionkit_aws::DESCRIPTOR).await
}

/// Discovery with `creds: {type: default}`, under the default backoff and a 10 s deadline.
async fn discover_with_default_creds(aws: &BackendHarness) -> Result<Vec<Region>, ProviderError> {
    let provider = aws.provider(&aws.section_with_creds("{type: default}", ""));
    let policy = HttpPolicy::default().with_request_timeout(Duration::from_secs(2));
    let ctx = DiscoveryContext::new(
        "aws",
        HttpClient::new(policy).unwrap(),
        Instant::now() + Duration::from_secs(10),
    );
    provider.discover(&ctx).await
}

#[tokio::test]
async fn keys_in_the_environment_sign_discovery() {
    let _turn = ENVIRONMENT.lock().await;
    isolate_the_chain();
    std::env::set_var("AWS_ACCESS_KEY_ID", EMULATOR_ACCESS_KEY);
    std::env::set_var("AWS_SECRET_ACCESS_KEY", EMULATOR_SECRET_KEY);
    let aws = aws().await;
    let regions = discover_with_default_creds(&aws).await;
    for name in CHAIN_VARIABLES {
        std::env::remove_var(name);
    }
    let regions = regions.unwrap();
    let us_east_1 = regions.iter().find(|r| r.id.as_str() == "us-east-1");
    assert_eq!(us_east_1.map(|r| r.status), Some(RegionStatus::Available));
}

#[tokio::test]
async fn an_empty_chain_is_an_auth_error_that_says_where_credentials_are_looked_for() {
    let _turn = ENVIRONMENT.lock().await;
    isolate_the_chain();
    let aws = aws().await;
    let emulator = aws.emulator();
    let err = discover_with_default_creds(&aws).await.unwrap_err();
    assert_eq!(err.kind, ProviderErrorKind::Auth);
    assert!(
        err.message.contains("AWS_ACCESS_KEY_ID") && err.message.contains("type: access_key"),
        "{err}"
    );
    assert_eq!(
        emulator.request_count("aws"),
        0,
        "nothing unsigned was sent"
    );
}
