//! regionkit-aws: AWS regions, live, under the pinned image-region policy.
//!
//! Discovery calls EC2 `DescribeRegions` with `AllRegions=true` (SigV4-signed Query API),
//! which lists every region of the caller's partition with the account's opt-in state:
//! `opt-in-not-required` and `opted-in` regions are `available`, `not-opted-in` ones are
//! `not-enabled`. Region ids are EC2's names (`us-east-1`), the strings dstack configs use.
//!
//! Policy: pinned. dstack's OS images are published in 11 regions only, so the usable set is
//! live ∩ pinned; a pinned region the account has not enabled is still out. Setting
//! `os_images` (your own AMIs) lifts the pin. With `default_vpcs: false`, a usable region
//! without a `vpc_ids` entry is excluded as `missing-region-config`.
//!
//! ```yaml
//! backends:
//!   - type: aws
//!     creds: { type: access_key, access_key: "AKIA...", secret_key: "..." }
//!     # or: creds: { type: default }   # environment, ~/.aws files and profiles, SSO, IMDS
//!     regions: [us-east-1, "eu-west-*"]   # optional
//!     vpc_ids: { us-east-1: vpc-0123456789abcdef0 }   # optional
//!     default_vpcs: false                 # optional: only regions in `vpc_ids`
//!     os_images:                          # optional: lifts the pin
//!       nvidia: { name: my-gpu-ami, owner: self, user: ubuntu }
//!     endpoint: https://ec2.cn-north-1.amazonaws.com.cn   # optional: another partition
//! ```
//!
//! Requests are signed for the region the endpoint's host names (`cn-north-1` above), so
//! China, GovCloud and the European Sovereign Cloud work by setting `endpoint`; the default
//! is EC2 in `us-east-1`.

pub mod client;
pub mod config;
pub mod credential;
#[cfg(feature = "emulator")]
pub mod emulator;
pub mod generated;
pub mod provider;

use std::sync::Arc;

use regionkit_core::{
    BackendConfig, BackendDescriptor, BackendRegistration, RegionProvider, Result,
};

pub use config::AwsConfig;
pub use credential::AwsCredentials;
pub use provider::AwsProvider;

pub const BACKEND: &str = generated::ID;

pub static DESCRIPTOR: BackendDescriptor = generated::descriptor(build);

fn build(section: &BackendConfig) -> Result<Arc<dyn RegionProvider>> {
    Ok(Arc::new(AwsProvider::new(AwsConfig::from_section(
        section,
    )?)))
}

inventory::submit! { BackendRegistration::new(&DESCRIPTOR) }
