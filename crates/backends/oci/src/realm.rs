//! OCI realms and the regions of the commercial realm, as geography.
//!
//! Used before and after discovery: to turn a region key from the credentials (`IAD`) into a
//! name, to pick the realm's domain for the default Identity endpoint, and to give discovered
//! regions a place. Which regions exist is never decided here: that is the live API's answer.

/// One region of the commercial realm (oc1): its name, its key and where it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RegionFacts {
    pub name: &'static str,
    /// The upper-case short key some OCI APIs use instead of the name.
    pub key: &'static str,
    pub city: &'static str,
    /// ISO 3166-1 alpha-2.
    pub country: &'static str,
}

const fn facts(
    name: &'static str,
    key: &'static str,
    city: &'static str,
    country: &'static str,
) -> RegionFacts {
    RegionFacts {
        name,
        key,
        city,
        country,
    }
}

/// oc1, from the OCI SDK's region definitions.
pub const COMMERCIAL: &[RegionFacts] = &[
    facts("af-casablanca-1", "LEJ", "Casablanca", "MA"),
    facts("af-johannesburg-1", "JNB", "Johannesburg", "ZA"),
    facts("ap-batam-1", "HSG", "Batam", "ID"),
    facts("ap-chuncheon-1", "YNY", "Chuncheon", "KR"),
    facts("ap-delhi-1", "ONM", "Delhi", "IN"),
    facts("ap-hyderabad-1", "HYD", "Hyderabad", "IN"),
    facts("ap-kulai-2", "JBP", "Kulai", "MY"),
    facts("ap-melbourne-1", "MEL", "Melbourne", "AU"),
    facts("ap-mumbai-1", "BOM", "Mumbai", "IN"),
    facts("ap-osaka-1", "KIX", "Osaka", "JP"),
    facts("ap-seoul-1", "ICN", "Seoul", "KR"),
    facts("ap-singapore-1", "SIN", "Singapore", "SG"),
    facts("ap-singapore-2", "XSP", "Singapore", "SG"),
    facts("ap-sydney-1", "SYD", "Sydney", "AU"),
    facts("ap-tokyo-1", "NRT", "Tokyo", "JP"),
    facts("ca-montreal-1", "YUL", "Montreal", "CA"),
    facts("ca-toronto-1", "YYZ", "Toronto", "CA"),
    facts("eu-amsterdam-1", "AMS", "Amsterdam", "NL"),
    facts("eu-frankfurt-1", "FRA", "Frankfurt", "DE"),
    facts("eu-madrid-1", "MAD", "Madrid", "ES"),
    facts("eu-madrid-3", "ORF", "Madrid", "ES"),
    facts("eu-marseille-1", "MRS", "Marseille", "FR"),
    facts("eu-milan-1", "LIN", "Milan", "IT"),
    facts("eu-paris-1", "CDG", "Paris", "FR"),
    facts("eu-stockholm-1", "ARN", "Stockholm", "SE"),
    facts("eu-turin-1", "NRQ", "Turin", "IT"),
    facts("eu-zurich-1", "ZRH", "Zurich", "CH"),
    facts("il-jerusalem-1", "MTZ", "Jerusalem", "IL"),
    facts("me-abudhabi-1", "AUH", "Abu Dhabi", "AE"),
    facts("me-dubai-1", "DXB", "Dubai", "AE"),
    facts("me-jeddah-1", "JED", "Jeddah", "SA"),
    facts("me-riyadh-1", "RUH", "Riyadh", "SA"),
    facts("mx-monterrey-1", "MTY", "Monterrey", "MX"),
    facts("mx-queretaro-1", "QRO", "Queretaro", "MX"),
    facts("sa-bogota-1", "BOG", "Bogota", "CO"),
    facts("sa-santiago-1", "SCL", "Santiago", "CL"),
    facts("sa-saopaulo-1", "GRU", "Sao Paulo", "BR"),
    facts("sa-valparaiso-1", "VAP", "Valparaiso", "CL"),
    facts("sa-vinhedo-1", "VCP", "Vinhedo", "BR"),
    facts("uk-cardiff-1", "CWL", "Cardiff", "GB"),
    facts("uk-london-1", "LHR", "London", "GB"),
    facts("us-ashburn-1", "IAD", "Ashburn", "US"),
    facts("us-chicago-1", "ORD", "Chicago", "US"),
    facts("us-phoenix-1", "PHX", "Phoenix", "US"),
    facts("us-saltlake-2", "AGA", "Salt Lake City", "US"),
    facts("us-sanjose-1", "SJC", "San Jose", "US"),
];

/// The domain of the commercial realm.
pub const COMMERCIAL_DOMAIN: &str = "oraclecloud.com";

/// Regions of the government and sovereign realms named in the reference, with their realm's
/// domain. Any other region is taken to be in the commercial realm; `endpoint` covers the rest.
const OTHER_REALMS: &[(&str, &[&str])] = &[
    // oc2 and oc3 (US government)
    (
        "oraclegovcloud.com",
        &[
            "us-langley-1",
            "us-luke-1",
            "us-gov-ashburn-1",
            "us-gov-chicago-1",
            "us-gov-phoenix-1",
        ],
    ),
    // oc4 (UK government)
    (
        "oraclegovcloud.uk",
        &["uk-gov-london-1", "uk-gov-cardiff-1"],
    ),
    // oc8 (Japan)
    ("oraclecloud8.com", &["ap-chiyoda-1", "ap-ibaraki-1"]),
    // oc19 (EU sovereign)
    ("oraclecloud.eu", &["eu-frankfurt-2", "eu-madrid-2"]),
];

/// Facts of a commercial region, by name (case-insensitive).
pub fn by_name(name: &str) -> Option<&'static RegionFacts> {
    COMMERCIAL
        .iter()
        .find(|r| r.name.eq_ignore_ascii_case(name.trim()))
}

/// The region name of a commercial region key (`IAD` → `us-ashburn-1`), case-insensitive.
pub fn name_of_key(key: &str) -> Option<&'static str> {
    COMMERCIAL
        .iter()
        .find(|r| r.key.eq_ignore_ascii_case(key.trim()))
        .map(|r| r.name)
}

/// The second-level domain of the realm `region` belongs to.
pub fn domain_of(region: &str) -> &'static str {
    OTHER_REALMS
        .iter()
        .find(|(_, regions)| regions.iter().any(|r| r.eq_ignore_ascii_case(region)))
        .map_or(COMMERCIAL_DOMAIN, |(domain, _)| *domain)
}

/// The Identity service's base URL in `region` (`https://identity.us-ashburn-1.oci.oraclecloud.com`).
pub fn identity_endpoint(region: &str) -> String {
    format!("https://identity.{region}.oci.{}", domain_of(region))
}

/// The country a region name starts with, for regions this table does not list yet.
pub fn country_of_prefix(name: &str) -> Option<&'static str> {
    match name.split('-').next()? {
        "us" => Some("US"),
        "uk" => Some("GB"),
        "ca" => Some("CA"),
        "mx" => Some("MX"),
        "il" => Some("IL"),
        _ => None,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests fail loudly")]
mod tests {
    use super::*;

    #[test]
    fn keys_turn_into_names() {
        assert_eq!(name_of_key("iad"), Some("us-ashburn-1"));
        assert_eq!(name_of_key("FRA"), Some("eu-frankfurt-1"));
        assert_eq!(name_of_key("XXX"), None);
    }

    #[test]
    fn the_realm_decides_the_identity_domain() {
        assert_eq!(
            identity_endpoint("us-ashburn-1"),
            "https://identity.us-ashburn-1.oci.oraclecloud.com"
        );
        assert_eq!(
            identity_endpoint("eu-frankfurt-2"),
            "https://identity.eu-frankfurt-2.oci.oraclecloud.eu"
        );
        assert_eq!(domain_of("us-gov-ashburn-1"), "oraclegovcloud.com");
    }

    #[test]
    fn every_commercial_name_and_key_is_unique() {
        for (i, a) in COMMERCIAL.iter().enumerate() {
            for b in &COMMERCIAL[i + 1..] {
                assert_ne!(a.name, b.name);
                assert_ne!(a.key, b.key);
            }
        }
    }

    #[test]
    fn every_builtin_region_has_a_place() {
        for name in crate::generated::KNOWN.regions {
            assert!(by_name(name).is_some(), "{name} has no facts");
        }
    }
}
