//! Azure discovery through real HTTP against the emulator: the conformance suite, then what
//! is Azure's own: Physical locations only, the SKU refinement of candidates, the image pin
//! with dstack's defaults, and the networking keys.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use regionkit_azure::emulator::{
    EMULATOR_CLIENT_ID, EMULATOR_CLIENT_SECRET, EMULATOR_SUBSCRIPTION_ID, EMULATOR_TENANT_ID,
};
use regionkit_azure::{AzureConfig, AzureProvider};
use regionkit_core::{ExclusionReason, RegionProvider, RegionStatus, ResolveOptions};
use regionkit_emulator::{Fault, FaultKind};
use regionkit_testkit::{find, kept_ids, BackendSpec, Case, EmptyAnswer, Text};

const LOCATIONS: &str = "GET /subscriptions/00000000-0000-0000-0000-000000000000/locations";
const SKUS: &str =
    "GET /subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Compute/skus";

fn token_call() -> &'static str {
    "POST /72f988bf-86f1-41af-91ab-2d7cd011db47/oauth2/v2.0/token"
}

fn creds(secret: &str) -> String {
    format!("{{type: client, client_id: {EMULATOR_CLIENT_ID}, client_secret: '{secret}'}}")
}

/// Azure as the conformance suite sees it: a token exchange, then two pages of locations.
fn spec() -> BackendSpec {
    let canary = "canary-81c3~azure~secret";
    BackendSpec::new(&regionkit_azure::DESCRIPTOR)
        .creds(creds(EMULATOR_CLIENT_SECRET))
        .wrong_creds(creds("wrong~secret"))
        .canary_creds(creds(canary), [canary])
        .extra_keys(format!(
            "    tenant_id: {EMULATOR_TENANT_ID}\n    subscription_id: {EMULATOR_SUBSCRIPTION_ID}\n"
        ))
        .calls([(token_call(), 1), (LOCATIONS, 2)])
        .regions(["eastus", "swedencentral", "uksouth"])
        .misspelling("eastus3", "eastus")
        .new_regions(["swedensouth"])
        .empty_answer(EmptyAnswer::FallsBack)
        .says(Case::WrongCredentials, Text::Contains("token exchange"))
        .says(Case::WrongCredentials, Text::Contains("invalid_client"))
        .says(Case::Forbidden, Text::Contains("AuthorizationFailed"))
        .says(Case::EmptyAnswer, Text::Contains("Physical"))
        .says(Case::MissingCreds, Text::Contains("client_secret"))
}

regionkit_testkit::conformance_tests!(spec);

#[tokio::test]
async fn only_physical_locations_become_regions() {
    let azure = spec().start().await;
    let regions = azure.discover(&spec().section(&azure, "")).await.unwrap();
    let ids: Vec<&str> = regions.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids.len(), 13, "{ids:?}");
    for logical in ["europe", "unitedstates", "global"] {
        assert!(!ids.contains(&logical), "{logical} is a geography: {ids:?}");
    }
    let eastus = find(&regions, "eastus");
    assert_eq!(eastus.zones, ["eastus-1", "eastus-2", "eastus-3"]);
    assert_eq!(
        eastus.location.as_ref().and_then(|l| l.country.as_deref()),
        Some("US")
    );
}

#[tokio::test]
async fn a_location_where_every_gpu_size_is_unavailable_to_the_subscription_is_not_enabled() {
    let azure = spec().start().await;
    let report = azure
        .resolve(spec().section(&azure, ""), &ResolveOptions::default())
        .await;
    let resolution = report.resolution.expect("a live answer");
    assert_eq!(
        resolution.exclusion_of("westeurope"),
        Some(ExclusionReason::NotEnabled)
    );
    // Zone-only restrictions, one open GPU size, an undocumented restriction: all usable.
    let kept = kept_ids(&resolution);
    for usable in ["westus2", "eastus", "northeurope"] {
        assert!(kept.contains(&usable), "{usable} kept: {kept:?}");
    }
    // The refinement asked only for the live image locations among the defaults (8 here),
    // and eastus's SKUs came on two pages.
    assert_eq!(azure.emulator().path_count("azure", SKUS), 9);
}

#[tokio::test]
async fn the_image_pin_and_the_defaults_explain_the_other_locations() {
    let azure = spec().start().await;
    let report = azure
        .resolve(spec().section(&azure, ""), &ResolveOptions::default())
        .await;
    let resolution = report.resolution.expect("a live answer");
    assert_eq!(
        resolution.exclusion_of("westus"),
        Some(ExclusionReason::NoImage)
    );
    assert_eq!(
        resolution.exclusion_of("japaneast"),
        Some(ExclusionReason::NotInDefaults)
    );
    assert!(resolution.new.iter().any(|r| r.as_str() == "swedensouth"));
}

#[tokio::test]
async fn naming_an_image_location_outside_the_defaults_keeps_it() {
    let azure = spec().start().await;
    let report = azure
        .resolve(
            spec().section(&azure, "    regions: [japaneast, koreacentral, eastus]\n"),
            &ResolveOptions::default(),
        )
        .await;
    let resolution = report.resolution.expect("a live answer");
    assert_eq!(
        kept_ids(&resolution),
        ["japaneast", "koreacentral", "eastus"]
    );
}

#[tokio::test]
async fn with_networking_set_a_location_without_an_entry_names_both_keys() {
    let azure = spec().start().await;
    let extra = "    regions: [eastus, uksouth, swedencentral]\n    vpc_ids: { eastus: rg/vnet }\n    subnet_ids: { uksouth: rg/vnet/default }\n";
    let report = azure
        .resolve(spec().section(&azure, extra), &ResolveOptions::default())
        .await;
    let resolution = report.resolution.expect("a live answer");
    assert_eq!(kept_ids(&resolution), ["eastus", "uksouth"]);
    let missing = resolution
        .excluded
        .iter()
        .find(|e| e.id.as_str() == "swedencentral")
        .expect("swedencentral excluded");
    assert_eq!(missing.reason, ExclusionReason::MissingRegionConfig);
    let detail = missing.detail.clone().unwrap_or_default();
    assert!(
        detail.contains("vpc_ids") && detail.contains("subnet_ids"),
        "{detail}"
    );
}

#[tokio::test]
async fn without_public_ips_every_location_needs_a_network() {
    let azure = spec().start().await;
    let report = azure
        .resolve(
            spec().section(&azure, "    regions: [eastus]\n    public_ips: false\n"),
            &ResolveOptions::default(),
        )
        .await;
    let resolution = report.resolution;
    let excluded = resolution.as_ref().and_then(|r| r.exclusion_of("eastus"));
    assert_eq!(excluded, Some(ExclusionReason::MissingRegionConfig));
}

#[tokio::test]
async fn a_location_in_both_network_keys_is_a_config_error() {
    let azure = spec().start().await;
    let section = spec().section(
        &azure,
        "    vpc_ids: { eastus: rg/vnet }\n    subnet_ids: { eastus: rg/vnet/default }\n",
    );
    let error = AzureConfig::from_section(&section).unwrap_err();
    assert_eq!(error.kind(), "config");
    assert!(error.to_string().contains("both"), "{error}");
}

#[tokio::test]
async fn a_slow_sku_answer_keeps_the_location_with_a_warning() {
    let azure = spec().start().await;
    azure.emulator().set_fault(
        Fault::always("azure", FaultKind::Latency(Duration::from_secs(30))).on_path(SKUS),
    );
    let options = ResolveOptions::default().with_deadline(Duration::from_secs(2));
    let report = azure
        .resolve(
            spec().section(&azure, "    regions: [westeurope]\n"),
            &options,
        )
        .await;
    let resolution = report.resolution.expect("the listing answered");
    assert_eq!(kept_ids(&resolution), ["westeurope"]);
    assert!(
        resolution
            .warnings
            .iter()
            .any(|w| w.contains("westeurope") && w.contains("kept")),
        "{:?}",
        resolution.warnings
    );
}

#[tokio::test]
async fn one_token_serves_the_listing_and_every_sku_call() {
    let azure = spec().start().await;
    let section = spec().section(&azure, "");
    let provider = AzureProvider::new(AzureConfig::from_section(&section).unwrap());
    let ctx = azure.context();
    let regions = provider.discover(&ctx).await.unwrap();
    let refined = provider
        .refine(&ctx, find(&regions, "westeurope"))
        .await
        .unwrap();
    assert_eq!(refined.status, RegionStatus::NotEnabled);
    assert!(refined
        .why
        .unwrap_or_default()
        .contains("NotAvailableForSubscription"));
    assert_eq!(provider.token_exchanges(), 1);
}

#[tokio::test]
async fn default_credentials_come_from_the_environment() {
    let azure = spec().start().await;
    let section = spec().section_with_creds(&azure, "{type: default}", "");
    let env = |name: &str| match name {
        "AZURE_CLIENT_ID" => Some(EMULATOR_CLIENT_ID.to_owned()),
        "AZURE_CLIENT_SECRET" => Some(EMULATOR_CLIENT_SECRET.to_owned()),
        "AZURE_TENANT_ID" => Some(EMULATOR_TENANT_ID.to_owned()),
        _ => None,
    };
    let provider = AzureProvider::new(AzureConfig::from_section_with_env(&section, &env).unwrap());
    let regions = provider.discover(&azure.context()).await.unwrap();
    assert_eq!(find(&regions, "eastus").status, RegionStatus::Available);

    let nothing = |_: &str| None;
    let error = AzureConfig::from_section_with_env(&section, &nothing).unwrap_err();
    assert!(error.to_string().contains("AZURE_CLIENT_SECRET"), "{error}");
}
