//! The `aws` section of the config, in dstack's shape.
//!
//! Besides `creds`, the section holds the per-region settings that shape the policy:
//! `vpc_ids` (region → VPC id) with `default_vpcs`, or one `vpc_name` for every region; and
//! `os_images`, the user's own AMIs, which lift the pin to dstack's image regions.

use std::collections::BTreeMap;

use regionkit_core::{
    required_creds, BackendConfig, Endpoint, Error, RegionConfig, RegionId, Result,
};
use serde::Deserialize;

use crate::credential::{AwsCredentials, CREDS_HELP};
use crate::BACKEND;

/// EC2 in `us-east-1`, a region every commercial account has enabled.
pub const DEFAULT_ENDPOINT: &str = "https://ec2.us-east-1.amazonaws.com";

/// The region requests are signed for when the endpoint's host does not name one.
pub const DEFAULT_SIGNING_REGION: &str = "us-east-1";

/// What the AWS backend reads from its section.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct AwsConfig {
    pub creds: AwsCredentials,
    pub endpoint: Endpoint,
    /// The region of the endpoint, which SigV4 signs for (`cn-north-1` for China).
    pub signing_region: String,
    pub vpc: VpcSettings,
    pub os_images: Option<OsImages>,
}

/// Which VPC each region would use, as far as it decides whether a region is usable.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VpcSettings {
    /// `vpc_name`: a VPC of this name is looked up in every region.
    pub vpc_name: Option<String>,
    /// `vpc_ids`: region → VPC id.
    pub vpc_ids: BTreeMap<String, String>,
    /// `default_vpcs`: regions missing from `vpc_ids` use their default VPC (dstack's default).
    pub default_vpcs: bool,
}

impl VpcSettings {
    /// The per-region settings core applies: with `default_vpcs: false` and no `vpc_name`,
    /// a region without a `vpc_ids` entry is `missing-region-config`.
    pub fn region_config(&self) -> Option<RegionConfig> {
        if self.vpc_ids.is_empty() && (self.default_vpcs || self.vpc_name.is_some()) {
            return None;
        }
        let configured = self
            .vpc_ids
            .keys()
            .map(|r| RegionId::new(r.as_str()))
            .collect();
        let required = !self.default_vpcs && self.vpc_name.is_none();
        Some(RegionConfig::new("vpc_ids", configured, required))
    }
}

/// `os_images`: the user's own AMIs for CPU and NVIDIA instances (dstack's shape).
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[non_exhaustive]
pub struct OsImages {
    #[serde(default)]
    pub cpu: Option<OsImage>,
    #[serde(default)]
    pub nvidia: Option<OsImage>,
}

/// One AMI, found by name and owner in each region.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[non_exhaustive]
pub struct OsImage {
    pub name: String,
    /// The AMI owner: an account id, `self` (the default), or an alias such as `amazon`.
    #[serde(default)]
    pub owner: Option<String>,
    /// The SSH user of the image.
    #[serde(default)]
    pub user: Option<String>,
}

impl OsImages {
    /// Why the pin is lifted, for `explain`: which images the user brings.
    pub fn pin_lifted_reason(&self) -> String {
        let named: Vec<String> = [("cpu", &self.cpu), ("nvidia", &self.nvidia)]
            .into_iter()
            .filter_map(|(kind, image)| image.as_ref().map(|i| format!("{kind}: {}", i.name)))
            .collect();
        format!(
            "`os_images` is set ({}): your own AMIs are used, so the regions where dstack publishes its images do not limit the choice",
            named.join(", ")
        )
    }
}

/// The backend's own keys besides `creds`.
#[derive(Deserialize)]
struct Section {
    #[serde(default)]
    vpc_name: Option<String>,
    #[serde(default)]
    vpc_ids: Option<BTreeMap<String, String>>,
    #[serde(default)]
    default_vpcs: Option<bool>,
    #[serde(default)]
    os_images: Option<OsImages>,
}

impl AwsConfig {
    pub fn from_section(section: &BackendConfig) -> Result<Self> {
        let creds: AwsCredentials = required_creds(section, &CREDS_HELP)?;
        let parsed: Section = section.parse(BACKEND)?;
        check_creds(&creds)?;
        let vpc = vpc_settings(parsed.vpc_name, parsed.vpc_ids, parsed.default_vpcs)?;
        let os_images = parsed.os_images.map(check_os_images).transpose()?;
        let endpoint = section.endpoint_or(BACKEND, DEFAULT_ENDPOINT)?;
        let signing_region = endpoint
            .host()
            .and_then(region_of_host)
            .unwrap_or_else(|| DEFAULT_SIGNING_REGION.to_owned());
        Ok(Self {
            creds,
            endpoint,
            signing_region,
            vpc,
            os_images,
        })
    }
}

fn check_creds(creds: &AwsCredentials) -> Result<()> {
    if let AwsCredentials::AccessKey {
        access_key,
        secret_key,
    } = creds
    {
        if access_key.is_empty() {
            return Err(Error::backend_config(
                BACKEND,
                "creds.access_key",
                "is empty; use the access key id of an IAM user (it starts with AKIA)",
            ));
        }
        if secret_key.is_empty() {
            return Err(Error::backend_config(
                BACKEND,
                "creds.secret_key",
                "is empty; use the secret access key shown when the access key was created",
            ));
        }
        CREDS_HELP.check_single_line("creds.access_key", access_key)?;
        CREDS_HELP.check_single_line("creds.secret_key", secret_key)?;
    }
    Ok(())
}

fn vpc_settings(
    vpc_name: Option<String>,
    vpc_ids: Option<BTreeMap<String, String>>,
    default_vpcs: Option<bool>,
) -> Result<VpcSettings> {
    let vpc_name = vpc_name.map(|n| n.trim().to_owned());
    if vpc_name.as_deref() == Some("") {
        return Err(Error::backend_config(
            BACKEND,
            "vpc_name",
            "is empty; name the VPC to use in every region, or remove the key",
        ));
    }
    let vpc_ids = vpc_ids.unwrap_or_default();
    if vpc_name.is_some() && !vpc_ids.is_empty() {
        return Err(Error::backend_config(
            BACKEND,
            "vpc_ids",
            "cannot be combined with `vpc_name`; use one of them",
        ));
    }
    let mut checked = BTreeMap::new();
    for (region, vpc_id) in vpc_ids {
        let region = region.trim().to_owned();
        let vpc_id = vpc_id.trim().to_owned();
        if region.is_empty() {
            return Err(Error::backend_config(
                BACKEND,
                "vpc_ids",
                "has an entry with an empty region name",
            ));
        }
        if !looks_like_vpc_id(&vpc_id) {
            return Err(Error::backend_config(
                BACKEND,
                &format!("vpc_ids.{region}"),
                format!("`{vpc_id}` is not a VPC id; VPC ids look like `vpc-0123456789abcdef0`"),
            ));
        }
        checked.insert(region, vpc_id);
    }
    Ok(VpcSettings {
        vpc_name,
        vpc_ids: checked,
        default_vpcs: default_vpcs.unwrap_or(true),
    })
}

/// `vpc-` and 8 or 17 hex digits.
fn looks_like_vpc_id(id: &str) -> bool {
    id.strip_prefix("vpc-").is_some_and(|hex| {
        matches!(hex.len(), 8 | 17) && hex.chars().all(|c| c.is_ascii_hexdigit())
    })
}

fn check_os_images(images: OsImages) -> Result<OsImages> {
    if images.cpu.is_none() && images.nvidia.is_none() {
        return Err(Error::backend_config(
            BACKEND,
            "os_images",
            "sets neither `cpu` nor `nvidia`; give at least one image as {name, owner, user}, or remove the key",
        ));
    }
    for (kind, image) in [("cpu", &images.cpu), ("nvidia", &images.nvidia)] {
        if image.as_ref().is_some_and(|i| i.name.trim().is_empty()) {
            return Err(Error::backend_config(
                BACKEND,
                &format!("os_images.{kind}.name"),
                "is empty; give the AMI name to look up in each region",
            ));
        }
    }
    Ok(images)
}

/// The region an EC2 endpoint's host names: `ec2.cn-north-1.amazonaws.com.cn` →
/// `cn-north-1`, `ec2.us-gov-west-1.amazonaws.com` → `us-gov-west-1`. VPC endpoint hosts
/// (`vpce-….ec2.eu-west-1.vpce.amazonaws.com`) work the same way.
pub fn region_of_host(host: &str) -> Option<String> {
    host.split('.')
        .find(|label| is_region_name(label))
        .map(str::to_owned)
}

/// `us-east-1`, `us-gov-west-1`, `eusc-de-east-1`: letters, one or more `-word`s, a number.
fn is_region_name(label: &str) -> bool {
    let parts: Vec<&str> = label.split('-').collect();
    let Some((number, words)) = parts.split_last() else {
        return false;
    };
    words.len() >= 2
        && words
            .iter()
            .all(|w| !w.is_empty() && w.chars().all(|c| c.is_ascii_lowercase()))
        && !number.is_empty()
        && number.chars().all(|c| c.is_ascii_digit())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_hosts_of_every_partition_name_their_region() {
        let cases = [
            ("ec2.us-east-1.amazonaws.com", Some("us-east-1")),
            ("ec2.cn-north-1.amazonaws.com.cn", Some("cn-north-1")),
            ("ec2.us-gov-west-1.amazonaws.com", Some("us-gov-west-1")),
            ("ec2.eusc-de-east-1.amazonaws.eu", Some("eusc-de-east-1")),
            (
                "vpce-0a1b2c3d-4e5f6a7b.ec2.eu-west-1.vpce.amazonaws.com",
                Some("eu-west-1"),
            ),
            ("127.0.0.1", None),
            ("localhost", None),
        ];
        for (host, region) in cases {
            assert_eq!(region_of_host(host).as_deref(), region, "{host}");
        }
    }

    #[test]
    fn vpc_ids_are_checked_for_shape() {
        assert!(looks_like_vpc_id("vpc-0123456789abcdef0"));
        assert!(looks_like_vpc_id("vpc-1a2b3c4d"));
        assert!(!looks_like_vpc_id("subnet-1a2b3c4d"));
        assert!(!looks_like_vpc_id("vpc-xyz"));
    }
}
