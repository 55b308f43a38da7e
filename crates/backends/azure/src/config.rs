//! The `azure` section of the config, in dstack's shape.
//!
//! The backend reads `creds`, `tenant_id`, `subscription_id` and the networking keys that
//! decide whether a location is usable: `vpc_ids` (location → `resource-group/network`),
//! `subnet_ids` (location → `resource-group/network/subnet`) and `public_ips`. dstack's
//! other keys (`resource_group`, `tags`, ...) are accepted and not read.
//!
//! Endpoints: `endpoint` is the Resource Manager (default `https://management.azure.com`)
//! and `authority` the Entra ID host tokens come from. Without `authority`, the public,
//! China and US Government clouds' management hosts get their own login host; any other
//! `endpoint` (a proxy, the emulator) serves the token endpoint too.

use std::collections::BTreeMap;

use regionkit_core::{
    required_creds, BackendConfig, Endpoint, Error, RegionConfig, RegionId, Result,
};
use serde::Deserialize;

use crate::credential::{AzureCredentials, ClientSecret, CREDS_HELP};
use crate::BACKEND;

/// Azure Resource Manager of the public cloud.
pub const DEFAULT_ENDPOINT: &str = "https://management.azure.com";

/// The login host of each sovereign cloud's Resource Manager.
const CLOUDS: &[(&str, &str)] = &[
    ("management.azure.com", "https://login.microsoftonline.com"),
    (
        "management.chinacloudapi.cn",
        "https://login.chinacloudapi.cn",
    ),
    (
        "management.usgovcloudapi.net",
        "https://login.microsoftonline.us",
    ),
];

/// What the Azure backend reads from its section.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct AzureConfig {
    pub principal: ClientSecret,
    pub tenant_id: String,
    pub subscription_id: String,
    pub endpoint: Endpoint,
    pub authority: Endpoint,
    pub network: NetworkSettings,
}

/// The networking settings that decide whether a location is usable.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NetworkSettings {
    pub vpc_ids: BTreeMap<String, String>,
    pub subnet_ids: BTreeMap<String, String>,
    pub public_ips: bool,
}

impl NetworkSettings {
    /// The per-region settings core applies. When either key is set, or `public_ips: false`,
    /// each usable location needs an entry in one of the two; a location in either counts
    /// as configured for both, so a location in neither is explained naming both keys.
    pub fn region_configs(&self) -> Vec<RegionConfig> {
        let required = !self.vpc_ids.is_empty() || !self.subnet_ids.is_empty() || !self.public_ips;
        if !required {
            return Vec::new();
        }
        let configured: Vec<RegionId> = self
            .vpc_ids
            .keys()
            .chain(self.subnet_ids.keys())
            .map(|l| RegionId::new(l.as_str()))
            .collect();
        vec![
            RegionConfig::new("vpc_ids", configured.clone(), true),
            RegionConfig::new("subnet_ids", configured, true),
        ]
    }
}

#[derive(Deserialize)]
struct Section {
    #[serde(default)]
    tenant_id: Option<String>,
    #[serde(default)]
    subscription_id: Option<String>,
    #[serde(default)]
    vpc_ids: Option<BTreeMap<String, String>>,
    #[serde(default)]
    subnet_ids: Option<BTreeMap<String, String>>,
    #[serde(default)]
    public_ips: Option<bool>,
    #[serde(default)]
    authority: Option<String>,
}

impl AzureConfig {
    pub fn from_section(section: &BackendConfig) -> Result<Self> {
        Self::from_section_with_env(section, &|name| std::env::var(name).ok())
    }

    /// As [`from_section`](Self::from_section), looking environment variables up with `env`.
    pub fn from_section_with_env(
        section: &BackendConfig,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Self> {
        let creds: AzureCredentials = required_creds(section, &CREDS_HELP)?;
        let parsed: Section = section.parse(BACKEND)?;
        let principal = creds.client_secret(env)?;
        let tenant_id = tenant(parsed.tenant_id, principal.tenant_id.as_deref())?;
        let subscription_id = match parsed.subscription_id.map(|s| s.trim().to_owned()) {
            Some(id) if is_guid(&id) => id,
            Some(id) => {
                return Err(Error::backend_config(
                    BACKEND,
                    "subscription_id",
                    format!("`{id}` is not a subscription id; it is a GUID such as `00000000-0000-0000-0000-000000000000` (Subscriptions in the Azure portal)"),
                ))
            }
            None => {
                return Err(Error::backend_config(
                    BACKEND,
                    "subscription_id",
                    "missing; add `subscription_id: <GUID>` (Subscriptions in the Azure portal)",
                ))
            }
        };
        let endpoint = section.endpoint_or(BACKEND, DEFAULT_ENDPOINT)?;
        let authority = match parsed.authority {
            Some(raw) => Endpoint::parse(BACKEND, &raw, section.allow_http()).map_err(|_| {
                Error::backend_config(
                    BACKEND,
                    "authority",
                    format!("`{raw}` is not an https URL; use the Entra ID host, such as `https://login.microsoftonline.com`"),
                )
            })?,
            None => {
                let login = endpoint.host().and_then(|host| {
                    CLOUDS
                        .iter()
                        .find(|(management, _)| host.eq_ignore_ascii_case(management))
                        .map(|(_, login)| *login)
                });
                match login {
                    Some(login) => Endpoint::parse(BACKEND, login, false)?,
                    None => endpoint.clone(),
                }
            }
        };
        let network = network(parsed.vpc_ids, parsed.subnet_ids, parsed.public_ips)?;
        Ok(Self {
            principal,
            tenant_id,
            subscription_id,
            endpoint,
            authority,
            network,
        })
    }
}

/// The tenant: the section's `tenant_id`, or the one in `creds`; both must agree.
fn tenant(section: Option<String>, creds: Option<&str>) -> Result<String> {
    let section = section
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty());
    let tenant = match (section, creds) {
        (Some(a), Some(b)) if !a.eq_ignore_ascii_case(b) => {
            return Err(Error::backend_config(
                BACKEND,
                "tenant_id",
                "differs from `creds.tenant_id`; keep one, or make them the same tenant",
            ))
        }
        (Some(t), _) => t,
        (None, Some(t)) => t.to_owned(),
        (None, None) => {
            return Err(Error::backend_config(
                BACKEND,
                "tenant_id",
                "missing; add `tenant_id: <directory (tenant) id>` (Entra ID > Overview)",
            ))
        }
    };
    let valid = !tenant.is_empty()
        && tenant
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.'));
    if !valid {
        return Err(Error::backend_config(
            BACKEND,
            "tenant_id",
            format!("`{tenant}` is not a tenant id; use the directory (tenant) GUID or a domain such as `contoso.onmicrosoft.com`"),
        ));
    }
    Ok(tenant)
}

fn is_guid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, len)| g.len() == len && g.chars().all(|c| c.is_ascii_hexdigit()))
}

fn network(
    vpc_ids: Option<BTreeMap<String, String>>,
    subnet_ids: Option<BTreeMap<String, String>>,
    public_ips: Option<bool>,
) -> Result<NetworkSettings> {
    let vpc_ids = checked_ids(
        "vpc_ids",
        vpc_ids.unwrap_or_default(),
        2,
        "resource-group/network",
    )?;
    let subnet_ids = checked_ids(
        "subnet_ids",
        subnet_ids.unwrap_or_default(),
        3,
        "resource-group/network/subnet",
    )?;
    if let Some(both) = vpc_ids
        .keys()
        .find(|l| subnet_ids.keys().any(|s| s.eq_ignore_ascii_case(l)))
    {
        return Err(Error::backend_config(
            BACKEND,
            &format!("subnet_ids.{both}"),
            format!(
                "location `{both}` is in both `vpc_ids` and `subnet_ids`; keep it in one of them"
            ),
        ));
    }
    Ok(NetworkSettings {
        vpc_ids,
        subnet_ids,
        public_ips: public_ips.unwrap_or(true),
    })
}

/// Entries of `vpc_ids` or `subnet_ids`: a location and `parts` slash-separated names.
fn checked_ids(
    key: &str,
    ids: BTreeMap<String, String>,
    parts: usize,
    shape: &str,
) -> Result<BTreeMap<String, String>> {
    let mut checked = BTreeMap::new();
    for (location, id) in ids {
        let location = location.trim().to_ascii_lowercase();
        if location.is_empty() {
            return Err(Error::backend_config(
                BACKEND,
                key,
                "has an entry with an empty location name",
            ));
        }
        let id = id.trim().to_owned();
        let names: Vec<&str> = id.split('/').collect();
        if names.len() != parts || names.iter().any(|n| n.trim().is_empty()) {
            return Err(Error::backend_config(
                BACKEND,
                &format!("{key}.{location}"),
                format!("`{id}` is not of the form `{shape}`"),
            ));
        }
        checked.insert(location, id);
    }
    Ok(checked)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn network_ids_are_checked_for_shape_and_a_location_in_both_keys_is_refused() {
        let map = |pairs: &[(&str, &str)]| {
            Some(
                pairs
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                    .collect::<BTreeMap<_, _>>(),
            )
        };
        assert!(network(
            map(&[("eastus", "rg/net")]),
            map(&[("westus2", "rg/net/sub")]),
            None
        )
        .is_ok());
        let shape = network(map(&[("eastus", "rg")]), None, None).unwrap_err();
        assert!(shape.to_string().contains("vpc_ids.eastus"), "{shape}");
        let both = network(
            map(&[("eastus", "rg/net")]),
            map(&[("eastus", "rg/net/sub")]),
            None,
        )
        .unwrap_err();
        assert!(both.to_string().contains("both"), "{both}");
    }

    #[test]
    fn subscription_ids_are_guids() {
        assert!(is_guid("00000000-0000-0000-0000-000000000000"));
        assert!(!is_guid("my-subscription"));
    }
}
