//! CUDO regions: data centers from `/vms/data-centers`, capacity from `/vms/machine-types`.
//!
//! A data center where at least one machine type fits a VM now (a free GPU on one host for GPU
//! types, a free vCPU for CPU types; CUDO's `max*Free`, not the `total*Free` spread over hosts)
//! is `available`; one with nothing free is `limited`. A data center that only the machine
//! types name is a data center all the same.
//!
//! The two calls run concurrently, and only `/vms/data-centers` is needed for an answer.
//! When `/vms/machine-types` fails (an error after retries, a timeout, a cut-off or
//! unreadable body), capacity is unknown: the answer is still the live data center list,
//! every data center `available` as the list alone shows it, with a warning that says
//! capacity is unknown and why. Marking them all `limited` would claim that nothing is free,
//! which nobody said. Two failures of the machine types call still fail the discovery:
//! rejected credentials, and a request CUDO refuses as invalid (a `project_id` the key cannot
//! see), since both are the config's to fix and only that call carries the project.

use std::collections::{HashMap, HashSet};

use regionkit_core::{
    async_trait, geo, DiscoveryContext, Location, ProviderError, ProviderErrorKind, Region,
    RegionProvider, RegionStatus,
};

use crate::client::{ApiDataCenter, CudoClient};
use crate::config::CudoConfig;
use crate::BACKEND;

/// Discovers the data centers one CUDO project can use.
#[derive(Debug)]
pub struct CudoProvider {
    client: CudoClient,
}

impl CudoProvider {
    pub fn new(config: CudoConfig) -> Self {
        Self {
            client: CudoClient::new(
                config.endpoint,
                config.creds.api_key().clone(),
                config.project_id,
            ),
        }
    }
}

#[async_trait]
impl RegionProvider for CudoProvider {
    async fn discover(&self, ctx: &DiscoveryContext) -> Result<Vec<Region>, ProviderError> {
        let capacity_ctx = ctx.secondary();
        let (data_centers, machine_types) = tokio::join!(
            self.client.data_centers(ctx),
            self.client.machine_types(&capacity_ctx)
        );
        let mut data_centers = data_centers?;
        let (machine_types, capacity_known) = match machine_types {
            Ok(machine_types) => (machine_types, true),
            Err(error)
                if matches!(
                    error.kind,
                    ProviderErrorKind::Auth | ProviderErrorKind::Rejected
                ) =>
            {
                return Err(error)
            }
            Err(error) => {
                ctx.warn(format!(
                    "capacity unknown: GET /vms/machine-types failed ({}); every listed data \
                     center is reported `available`, as the data center list shows it, without \
                     knowing where a VM fits now",
                    error.summary()
                ));
                (Vec::new(), false)
            }
        };

        let mut capacity: HashMap<&str, bool> = HashMap::new();
        for machine in &machine_types {
            *capacity.entry(machine.data_center_id.as_str()).or_default() |= machine.has_capacity();
        }
        let mut seen: std::collections::HashSet<String> =
            data_centers.iter().map(|dc| dc.id.clone()).collect();
        for machine in &machine_types {
            let id = &machine.data_center_id;
            if seen.insert(id.clone()) {
                data_centers.push(ApiDataCenter {
                    id: id.clone(),
                    supplier_name: None,
                    location: None,
                });
            }
        }

        let mut seen = HashSet::new();
        let mut regions = Vec::with_capacity(data_centers.len());
        for (index, dc) in data_centers.iter().enumerate() {
            if dc.id.trim().is_empty() {
                return Err(ProviderError::bad_response(
                    BACKEND,
                    format!("`dataCenters[{index}].id` of GET /vms/data-centers is empty"),
                ));
            }
            if !seen.insert(dc.id.as_str()) {
                continue;
            }
            let status =
                if !capacity_known || capacity.get(dc.id.as_str()).copied().unwrap_or(false) {
                    RegionStatus::Available
                } else {
                    RegionStatus::Limited
                };
            regions.push(to_region(dc, status));
        }
        Ok(regions)
    }
}

fn to_region(dc: &ApiDataCenter, status: RegionStatus) -> Region {
    let region = Region::new(dc.id.as_str()).with_status(status);
    let region = match dc
        .supplier_name
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(supplier) => region.with_display_name(format!("{} ({supplier})", dc.id)),
        None => region,
    };
    match location_of(dc) {
        Some(location) => region.with_location(location),
        None => region,
    }
}

/// Ids follow `<iso2>-<city>-<n>` (`gb-bournemouth-1`): the country comes from the prefix
/// when it is a country, the coordinates from the API.
fn location_of(dc: &ApiDataCenter) -> Option<Location> {
    let country = dc
        .id
        .split('-')
        .next()
        .filter(|prefix| prefix.len() == 2)
        .and_then(geo::country_code);
    let coordinates = dc.location.and_then(|at| at.lat_lon());
    let location = match (country, coordinates) {
        (None, None) => return None,
        (Some(code), _) => Location::in_country(code),
        (None, Some(_)) => Location::default(),
    };
    Some(match coordinates {
        Some((latitude, longitude)) => location.with_coordinates(latitude, longitude),
        None => location,
    })
}
