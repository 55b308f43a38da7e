//! OCI credentials in dstack's shapes, and the API key they come down to.
//!
//! `creds: {type: client, user, tenancy, key_file | key_content, fingerprint, region}` gives
//! everything inline; `creds: {type: default, file, profile}` reads the same keys from an
//! OCI CLI config file (`~/.oci/config`, profile `DEFAULT`). Either way the result is an
//! [`ApiKey`]: the tenancy, the region, and a [`RequestSigner`] for `tenancy/user/fingerprint`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use regionkit_core::{CredsHelp, Error, Result, Secret};
use serde::Deserialize;

use crate::signing::RequestSigner;
use crate::{realm, BACKEND};

/// What a section without OCI credentials is told.
pub const CREDS_HELP: CredsHelp = CredsHelp {
    backend: BACKEND,
    shape: "{type: client, user: <user OCID>, tenancy: <tenancy OCID>, key_file: <PEM path>, fingerprint: <key fingerprint>, region: <region>}",
    source: "or `creds: {type: default}` to read ~/.oci/config",
};

/// The OCI CLI's config file, read by `creds: {type: default}`.
pub const DEFAULT_CONFIG_FILE: &str = "~/.oci/config";
pub const DEFAULT_PROFILE: &str = "DEFAULT";

/// How regionkit authenticates to OCI.
#[derive(Clone, Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum OciCredentials {
    /// An API signing key given in the config.
    Client {
        /// User OCID (`ocid1.user.oc1..…`).
        user: String,
        /// Tenancy OCID (`ocid1.tenancy.oc1..…`).
        tenancy: String,
        /// Path to the private key in PEM; exactly one of this and `key_content`.
        #[serde(default)]
        key_file: Option<String>,
        /// The private key in PEM.
        #[serde(default)]
        key_content: Option<Secret>,
        /// Passphrase of an encrypted key (encrypted keys are refused with the fix).
        #[serde(default)]
        pass_phrase: Option<Secret>,
        /// The key's fingerprint as the OCI console shows it (`aa:bb:…`, 16 bytes).
        fingerprint: String,
        /// Name or key of any region the tenancy is subscribed to.
        region: String,
    },
    /// A profile of an OCI CLI config file.
    Default {
        #[serde(default = "default_file")]
        file: String,
        #[serde(default = "default_profile")]
        profile: String,
    },
}

fn default_file() -> String {
    DEFAULT_CONFIG_FILE.to_owned()
}

fn default_profile() -> String {
    DEFAULT_PROFILE.to_owned()
}

/// A usable API key: who signs, for which tenancy, starting from which region.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ApiKey {
    pub tenancy: String,
    pub user: String,
    pub fingerprint: String,
    /// The region name (a key such as `IAD` is turned into its name).
    pub region: String,
    pub signer: RequestSigner,
}

/// Where the key's fields were read from, to name them in errors.
enum Origin<'a> {
    Inline,
    File { path: &'a Path, profile: &'a str },
}

impl Origin<'_> {
    fn error(&self, key: &str, message: impl std::fmt::Display) -> Error {
        match self {
            Self::Inline => Error::backend_config(BACKEND, &format!("creds.{key}"), message),
            Self::File { path, profile } => Error::backend_config(
                BACKEND,
                "creds.file",
                format!(
                    "`{key}` of profile [{profile}] in {}: {message}",
                    path.display()
                ),
            ),
        }
    }
}

/// The fields of an API key before they are checked.
struct Fields<'a> {
    user: Option<&'a str>,
    tenancy: Option<&'a str>,
    key_file: Option<&'a str>,
    key_content: Option<&'a str>,
    pass_phrase: Option<&'a str>,
    fingerprint: Option<&'a str>,
    region: Option<&'a str>,
}

impl OciCredentials {
    /// Check the fields, read the key, and build the signer.
    pub fn load(&self) -> Result<ApiKey> {
        match self {
            Self::Client {
                user,
                tenancy,
                key_file,
                key_content,
                pass_phrase,
                fingerprint,
                region,
            } => api_key(
                &Origin::Inline,
                Fields {
                    user: Some(user),
                    tenancy: Some(tenancy),
                    key_file: key_file.as_deref(),
                    key_content: key_content.as_ref().map(Secret::expose),
                    pass_phrase: pass_phrase.as_ref().map(Secret::expose),
                    fingerprint: Some(fingerprint),
                    region: Some(region),
                },
            ),
            Self::Default { file, profile } => {
                let path = expand_home(file)
                    .map_err(|message| Error::backend_config(BACKEND, "creds.file", message))?;
                let text = regionkit_core::files::read_text_capped(&path, regionkit_core::files::MAX_KEY_FILE_BYTES).map_err(|e| {
                    Error::backend_config(
                        BACKEND,
                        "creds.file",
                        format!(
                            "cannot read the OCI config file {}: {e}; create it with `oci setup config` or use `creds: {{type: client, ...}}`",
                            path.display()
                        ),
                    )
                })?;
                let profiles = parse_config_file(&text);
                let values = profile_values(&profiles, profile).ok_or_else(|| {
                    let names: Vec<&str> = profiles.keys().map(String::as_str).collect();
                    Error::backend_config(
                        BACKEND,
                        "creds.profile",
                        format!(
                            "no profile [{profile}] in {}; profiles there: {}",
                            path.display(),
                            if names.is_empty() {
                                "none".to_owned()
                            } else {
                                names.join(", ")
                            }
                        ),
                    )
                })?;
                let origin = Origin::File {
                    path: &path,
                    profile,
                };
                if values.contains_key("security_token_file") {
                    return Err(origin.error(
                        "security_token_file",
                        "session-token profiles (`oci session authenticate`) are not supported; use a profile with an API signing key",
                    ));
                }
                let get = |key: &str| values.get(key).map(String::as_str);
                api_key(
                    &origin,
                    Fields {
                        user: get("user"),
                        tenancy: get("tenancy"),
                        key_file: get("key_file"),
                        key_content: get("key_content"),
                        pass_phrase: get("pass_phrase"),
                        fingerprint: get("fingerprint"),
                        region: get("region"),
                    },
                )
            }
        }
    }
}

fn api_key(origin: &Origin<'_>, fields: Fields<'_>) -> Result<ApiKey> {
    let required = |key: &str, value: Option<&str>| -> Result<String> {
        match value.map(str::trim) {
            Some(value) if !value.is_empty() => Ok(value.to_owned()),
            _ => Err(origin.error(key, "is missing or empty")),
        }
    };
    let user = required("user", fields.user)?;
    if !user.starts_with("ocid1.user.") {
        return Err(origin.error(
            "user",
            format!("`{user}` is not a user OCID (`ocid1.user.oc1..…`); copy it from the user's page in the OCI console"),
        ));
    }
    let tenancy = required("tenancy", fields.tenancy)?;
    if !tenancy.starts_with("ocid1.tenancy.") {
        return Err(origin.error(
            "tenancy",
            format!("`{tenancy}` is not a tenancy OCID (`ocid1.tenancy.oc1..…`); copy it from Tenancy details in the OCI console"),
        ));
    }
    let fingerprint = required("fingerprint", fields.fingerprint)?.to_ascii_lowercase();
    if !is_fingerprint(&fingerprint) {
        return Err(origin.error(
            "fingerprint",
            format!("`{fingerprint}` is not a key fingerprint (16 hex bytes separated by `:`, as the OCI console shows under API keys)"),
        ));
    }
    let region = region_name(&required("region", fields.region)?)
        .map_err(|message| origin.error("region", message))?;

    let pem = match (
        fields.key_file.filter(|f| !f.trim().is_empty()),
        fields.key_content.filter(|c| !c.trim().is_empty()),
    ) {
        (Some(_), Some(_)) => {
            return Err(origin.error(
                "key_file",
                "`key_file` and `key_content` are both set; keep only one",
            ))
        }
        (None, None) => {
            return Err(origin.error(
                "key_file",
                "missing; set `key_file` to the path of the API signing key (PEM), or `key_content` to the key itself",
            ))
        }
        (Some(file), None) => {
            let path = expand_home(file.trim()).map_err(|message| origin.error("key_file", message))?;
            regionkit_core::files::read_text_capped(&path, regionkit_core::files::MAX_KEY_FILE_BYTES).map_err(|e| {
                origin.error(
                    "key_file",
                    format!("cannot read the private key {}: {e}", path.display()),
                )
            })?
        }
        (None, Some(content)) => content.to_owned(),
    };
    let key_field = if fields.key_content.is_some() {
        "key_content"
    } else {
        "key_file"
    };
    let key_id = format!("{tenancy}/{user}/{fingerprint}");
    let signer = RequestSigner::from_pem(key_id, &pem).map_err(|e| {
        let hint = if fields.pass_phrase.is_some() {
            " (`pass_phrase` is set, but only unencrypted keys are read)"
        } else {
            ""
        };
        origin.error(key_field, format!("{e}{hint}"))
    })?;
    Ok(ApiKey {
        tenancy,
        user,
        fingerprint,
        region,
        signer,
    })
}

/// `aa:bb:…`: 16 bytes in hex, colon-separated.
fn is_fingerprint(text: &str) -> bool {
    let parts: Vec<&str> = text.split(':').collect();
    parts.len() == 16
        && parts
            .iter()
            .all(|p| p.len() == 2 && p.chars().all(|c| c.is_ascii_hexdigit()))
}

/// A region name as given, or the name of a region key (`IAD` → `us-ashburn-1`).
pub fn region_name(given: &str) -> std::result::Result<String, String> {
    let given = given.trim();
    let looks_like_key = given.len() == 3 && given.chars().all(|c| c.is_ascii_alphabetic());
    if looks_like_key {
        return realm::name_of_key(given).map(str::to_owned).ok_or_else(|| {
            format!("`{given}` is not a known region key; use the region name (`us-ashburn-1`)")
        });
    }
    let valid = !given.is_empty()
        && given.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !given.starts_with('-')
        && !given.ends_with('-');
    if !valid {
        return Err(format!(
            "`{given}` is not an OCI region name (such as `us-ashburn-1`) or key (such as `IAD`)"
        ));
    }
    Ok(given.to_ascii_lowercase())
}

/// `~/…` below the home directory; other paths as given.
fn expand_home(path: &str) -> std::result::Result<PathBuf, String> {
    let Some(rest) = path
        .strip_prefix("~/")
        .or(if path == "~" { Some("") } else { None })
    else {
        return Ok(PathBuf::from(path));
    };
    let home = std::env::var_os("HOME")
        .or_else(|| std::env::var_os("USERPROFILE"))
        .filter(|h| !h.is_empty())
        .ok_or_else(|| {
            format!("`{path}` starts with `~`, but HOME is not set; give a full path")
        })?;
    Ok(PathBuf::from(home).join(rest))
}

/// An OCI CLI config file: `[PROFILE]` sections of `key = value` lines, `#` and `;` comments.
/// Keys are case-insensitive, as the CLI reads them.
pub fn parse_config_file(text: &str) -> BTreeMap<String, BTreeMap<String, String>> {
    let mut profiles: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            let name = name.trim().to_owned();
            profiles.entry(name.clone()).or_default();
            current = Some(name);
            continue;
        }
        let (Some(profile), Some((key, value))) = (&current, line.split_once('=')) else {
            continue;
        };
        profiles
            .entry(profile.clone())
            .or_default()
            .insert(key.trim().to_ascii_lowercase(), value.trim().to_owned());
    }
    profiles
}

/// The values of `profile`, over those of `[DEFAULT]`, which every profile inherits.
fn profile_values(
    profiles: &BTreeMap<String, BTreeMap<String, String>>,
    profile: &str,
) -> Option<BTreeMap<String, String>> {
    let own = profiles.get(profile)?;
    let mut values = profiles.get(DEFAULT_PROFILE).cloned().unwrap_or_default();
    values.extend(own.iter().map(|(k, v)| (k.clone(), v.clone())));
    Some(values)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests fail loudly")]
mod tests {
    use super::*;

    #[test]
    fn region_keys_become_names_and_names_stay() {
        assert_eq!(region_name("IAD").unwrap(), "us-ashburn-1");
        assert_eq!(region_name("fra").unwrap(), "eu-frankfurt-1");
        assert_eq!(region_name("us-phoenix-1").unwrap(), "us-phoenix-1");
        assert!(region_name("ZZZ").unwrap_err().contains("region key"));
        assert!(region_name("us ashburn").is_err());
    }

    #[test]
    fn profiles_inherit_default_values() {
        let profiles = parse_config_file(
            "# comment\n[DEFAULT]\nregion = us-ashburn-1\nTenancy=ocid1.tenancy.oc1..a\n\n[other]\nregion=eu-frankfurt-1\n; note\n",
        );
        let other = profile_values(&profiles, "other").unwrap();
        assert_eq!(other["region"], "eu-frankfurt-1");
        assert_eq!(other["tenancy"], "ocid1.tenancy.oc1..a");
        assert!(profile_values(&profiles, "missing").is_none());
    }

    #[test]
    fn fingerprints_are_sixteen_hex_bytes() {
        assert!(is_fingerprint(
            "73:61:a2:21:67:e0:df:be:7e:4b:93:1e:15:98:a5:b7"
        ));
        assert!(!is_fingerprint("73:61:a2"));
        assert!(!is_fingerprint("ocid1.user.oc1..aaaa"));
    }
}
