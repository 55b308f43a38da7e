//! Vast.ai regions: offer geolocations → dstack's region ids, with a status each.
//!
//! Discovery is one offer search. Each offer's geolocation maps to a region id the way
//! gpuhunt maps it for dstack (see the crate docs); a region with a rentable offer is
//! `available`, one whose offers are all taken `limited`, and a `known` region with no offer
//! now `unavailable`. Offers without a geolocation are counted in a warning, never turned
//! into a region.

use std::collections::BTreeMap;

use regionkit_core::{
    async_trait, geo, DiscoveryContext, Location, ProviderError, Region, RegionProvider,
    RegionStatus,
};

use crate::client::{VastClient, OFFER_LIMIT};
use crate::config::VastConfig;
use crate::{generated, BACKEND};

#[derive(Debug)]
pub struct VastProvider {
    client: VastClient,
}

impl VastProvider {
    pub fn new(config: VastConfig) -> Self {
        Self {
            client: VastClient::new(
                config.endpoint,
                config.creds.api_key().clone(),
                config.community_cloud,
            ),
        }
    }
}

/// One region as the offers describe it.
struct Seen {
    /// The first geolocation text seen for the region, kept verbatim.
    raw: String,
    rentable: bool,
}

#[async_trait]
impl RegionProvider for VastProvider {
    async fn discover(&self, ctx: &DiscoveryContext) -> Result<Vec<Region>, ProviderError> {
        let offers = self.client.search_offers(ctx).await?;
        if offers.is_empty() {
            return Err(ProviderError::bad_response(
                BACKEND,
                "the offer search returned no offers at all, so no host location is known; \
                 the marketplace always lists offers, so the search or the API is at fault",
            ));
        }
        let mut seen: BTreeMap<String, Seen> = BTreeMap::new();
        let mut without_location = 0usize;
        for offer in &offers {
            let Some((raw, id)) = offer
                .geolocation()
                .and_then(|raw| region_id(raw).map(|id| (raw, id)))
            else {
                without_location += 1;
                continue;
            };
            let entry = seen.entry(id).or_insert_with(|| Seen {
                raw: raw.trim().to_owned(),
                rentable: false,
            });
            entry.rentable |= offer.is_rentable();
        }
        if without_location > 0 {
            ctx.warn(format!(
                "{without_location} of {} Vast.ai offers have no geolocation; they are not counted in any region",
                offers.len()
            ));
        }
        if offers.len() >= OFFER_LIMIT {
            ctx.warn(format!(
                "the offer search returned its maximum of {OFFER_LIMIT} offers; locations with few offers may be missing and show as unavailable"
            ));
        }
        if seen.is_empty() {
            return Err(ProviderError::bad_response(
                BACKEND,
                format!(
                    "none of the {} offers has a geolocation, so no region can be derived",
                    offers.len()
                ),
            ));
        }

        let mut regions: Vec<Region> = seen
            .iter()
            .map(|(id, seen)| {
                let status = if seen.rentable {
                    RegionStatus::Available
                } else {
                    RegionStatus::Limited
                };
                let region = Region::new(id.as_str())
                    .with_display_name(seen.raw.clone())
                    .with_status(status);
                match location_of(&seen.raw) {
                    Some(location) => region.with_location(location),
                    None => region.with_location(Location::raw_only(seen.raw.clone())),
                }
            })
            .collect();
        // A known region without any offer now is reported, not dropped.
        for id in generated::KNOWN.regions {
            if !seen.keys().any(|s| s.eq_ignore_ascii_case(id)) {
                let region = Region::new(*id).with_status(RegionStatus::Unavailable);
                regions.push(match country_of_id(id) {
                    Some(code) => region.with_location(Location::in_country(&code)),
                    None => region,
                });
            }
        }
        regions.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(regions)
    }
}

/// The region id dstack uses for a geolocation: `"Texas, US"` → `us-texas`.
///
/// gpuhunt's rule: join `", "` into `","`; two parts `(place, country)` give
/// `"{country}-{place}"`, anything else stays as it is; then lower case without spaces. A
/// part that is blank leaves the other alone (`", US"` → `us`), and a blank text gives none.
pub fn region_id(geolocation: &str) -> Option<String> {
    let joined = geolocation.trim().replace(", ", ",");
    let id = match joined.split(',').collect::<Vec<_>>().as_slice() {
        [place, country] => match (place.trim(), country.trim()) {
            ("", "") => return None,
            (place, "") => place.to_owned(),
            ("", country) => country.to_owned(),
            (place, country) => format!("{country}-{place}"),
        },
        _ => joined.clone(),
    };
    let id: String = id.to_lowercase().chars().filter(|c| *c != ' ').collect();
    let meaningful = id.chars().any(|c| c != ',' && c != '-');
    meaningful.then_some(id)
}

/// The country of a geolocation: the last comma-separated part, as an ISO code or a name.
fn location_of(raw: &str) -> Option<Location> {
    let country = raw.rsplit(',').next()?.trim();
    let code = iso_code(country)?;
    Some(Location::in_country(&code).with_raw(raw))
}

/// `US` → `US`, `Sweden` → `SE`. Two ASCII letters are taken as an ISO code even when the
/// geography table lacks them, since Vast.ai filters locations by ISO code.
fn iso_code(text: &str) -> Option<String> {
    if let Some(code) = geo::country_code(text) {
        return Some(code.to_owned());
    }
    (text.len() == 2 && text.chars().all(|c| c.is_ascii_alphabetic()))
        .then(|| text.to_ascii_uppercase())
}

/// The country of a region id from the `known` list: its `cc-` prefix, or all of a bare `cc`.
fn country_of_id(id: &str) -> Option<String> {
    let prefix = id.split('-').next()?;
    (prefix.len() == 2 && prefix.chars().all(|c| c.is_ascii_alphabetic()))
        .then(|| prefix.to_ascii_uppercase())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn geolocations_map_to_dstack_region_ids() {
        let cases = [
            ("Texas, US", Some("us-texas")),
            ("Quebec, CA", Some("ca-quebec")),
            ("New York, US", Some("us-newyork")),
            ("British Columbia, CA", Some("ca-britishcolumbia")),
            ("Sweden, SE", Some("se-sweden")),
            ("Sweden", Some("sweden")),
            ("Ashburn, VA, US", Some("ashburn,va,us")),
            ("Bács-Kiskun, HU", Some("hu-bács-kiskun")),
            (", US", Some("us")),
            ("Texas,US", Some("us-texas")),
            ("  ", None),
            (",", None),
        ];
        for (geolocation, expected) in cases {
            assert_eq!(
                region_id(geolocation).as_deref(),
                expected,
                "{geolocation:?}"
            );
        }
    }

    #[test]
    fn every_known_id_is_what_the_mapping_produces() {
        for id in generated::KNOWN.regions {
            assert_eq!(id.to_lowercase(), *id, "known ids are lower case: {id}");
            assert!(!id.contains(' '), "known ids have no spaces: {id}");
            assert!(
                country_of_id(id).is_some(),
                "known ids start with a country: {id}"
            );
        }
    }

    #[test]
    fn countries_come_from_codes_or_names() {
        let texas = location_of("Texas, US").unwrap();
        assert_eq!(texas.country.as_deref(), Some("US"));
        assert_eq!(texas.continent.as_deref(), Some("North America"));
        assert_eq!(texas.raw.as_deref(), Some("Texas, US"));
        assert_eq!(
            location_of("Sweden").unwrap().country.as_deref(),
            Some("SE")
        );
        assert_eq!(location_of("Somewhere").map(|l| l.country), None);
    }
}
