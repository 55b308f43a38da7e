//! An emulator of Entra ID's token endpoint and the two Resource Manager lists the Azure
//! backend reads, for tests and `regionkit demo`.
//!
//! - `POST /{tenant}/oauth2/v2.0/token`: the client-credentials grant for the emulator's
//!   service principal.
//! - `GET /subscriptions/{id}/locations?api-version=2022-12-01`: Physical regions and Logical
//!   geographies, on two pages joined by `nextLink`.
//! - `GET /subscriptions/{id}/providers/Microsoft.Compute/skus?api-version=2021-07-01&$filter=location eq '<loc>'`:
//!   each location's VM sizes with its restrictions: every GPU size of `westeurope` is
//!   `NotAvailableForSubscription`, `westus2` restricts only zones, `northeurope` carries a
//!   restriction value Azure has not documented. `eastus` answers on two pages.
//!
//! A slow location is injected with a latency fault on the SKUs path (`regionkit emulate
//! --fault azure:latency=...`, or `Fault::on_path` in tests).

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

use regionkit_emulator::{EmuRequest, EmuResponse, EmulatedApi};
use serde_json::{json, Value};

pub const EMULATOR_TENANT_ID: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";
pub const EMULATOR_SUBSCRIPTION_ID: &str = "00000000-0000-0000-0000-000000000000";
pub const EMULATOR_CLIENT_ID: &str = "11111111-2222-3333-4444-555555555555";
pub const EMULATOR_CLIENT_SECRET: &str = "emulator~azure~client~secret~0123456789";

const LOCATIONS_API_VERSION: &str = "2022-12-01";
const SKUS_API_VERSION: &str = "2021-07-01";

/// Lifetime of issued tokens, as Entra ID's.
const TOKEN_LIFETIME_SECS: u64 = 3599;

/// (name, display name, geography, physical location, latitude, longitude, zones).
/// `swedensouth` is missing from the builtin list; `westus`, `polandcentral` and
/// `swedensouth` have no image; `japaneast` and `koreacentral` have one outside the defaults.
type EmuLocation = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    u8,
);

const PHYSICAL: &[EmuLocation] = &[
    (
        "eastus",
        "East US",
        "United States",
        "Virginia",
        "37.3719",
        "-79.8164",
        3,
    ),
    (
        "eastus2",
        "East US 2",
        "United States",
        "Virginia",
        "36.6681",
        "-78.3889",
        3,
    ),
    (
        "centralus",
        "Central US",
        "United States",
        "Iowa",
        "41.5908",
        "-93.6208",
        3,
    ),
    (
        "westus2",
        "West US 2",
        "United States",
        "Washington",
        "47.233",
        "-119.852",
        3,
    ),
    (
        "westus",
        "West US",
        "United States",
        "California",
        "37.783",
        "-122.417",
        0,
    ),
    (
        "westeurope",
        "West Europe",
        "Netherlands",
        "Netherlands",
        "52.3667",
        "4.9",
        3,
    ),
    (
        "northeurope",
        "North Europe",
        "Ireland",
        "Ireland",
        "53.3478",
        "-6.2597",
        3,
    ),
    (
        "swedencentral",
        "Sweden Central",
        "Sweden",
        "Gävle",
        "60.67488",
        "17.14127",
        3,
    ),
    (
        "uksouth",
        "UK South",
        "United Kingdom",
        "London",
        "50.941",
        "-0.799",
        3,
    ),
    (
        "japaneast",
        "Japan East",
        "Japan",
        "Tokyo, Saitama",
        "35.68",
        "139.77",
        3,
    ),
    (
        "koreacentral",
        "Korea Central",
        "Korea",
        "Seoul",
        "37.5665",
        "126.978",
        3,
    ),
    (
        "polandcentral",
        "Poland Central",
        "Poland",
        "Warsaw",
        "52.23334",
        "21.01666",
        3,
    ),
    (
        "swedensouth",
        "Sweden South",
        "Sweden",
        "Malmo",
        "55.60587",
        "13.00073",
        0,
    ),
];

/// Logical geographies ListLocations mixes in: not regions.
const LOGICAL: &[(&str, &str)] = &[
    ("europe", "Europe"),
    ("unitedstates", "United States"),
    ("global", "Global"),
];

/// The networks the emulator's config names: `eastus2`, `centralus` and `northeurope` have
/// none, so they are `missing-region-config`.
pub const CONFIGURED_VNETS: &[(&str, &str)] = &[
    ("eastus", "regionkit-rg/regionkit-vnet-eastus"),
    ("westus2", "regionkit-rg/regionkit-vnet-westus2"),
];
pub const CONFIGURED_SUBNETS: &[(&str, &str)] = &[
    (
        "westeurope",
        "regionkit-rg/regionkit-vnet-westeurope/default",
    ),
    (
        "swedencentral",
        "regionkit-rg/regionkit-vnet-swedencentral/default",
    ),
    ("uksouth", "regionkit-rg/regionkit-vnet-uksouth/default"),
];

/// Locations on the first page of ListLocations; the rest follow through `nextLink`.
const FIRST_PAGE: usize = 8;

/// One VM size: name, restrictions (type, reason code), as Resource SKUs shows them.
type EmuSku = (&'static str, &'static [(&'static str, &'static str)]);

const OPEN: &[(&str, &str)] = &[];
const LOCATION_CLOSED: &[(&str, &str)] = &[("Location", "NotAvailableForSubscription")];
const ZONE_CLOSED: &[(&str, &str)] = &[("Zone", "NotAvailableForSubscription")];
const UNDOCUMENTED: &[(&str, &str)] = &[("Location", "NotYetDocumentedReason")];

/// The VM sizes of a location.
fn skus_of(location: &str) -> &'static [EmuSku] {
    match location {
        "eastus" => &[
            ("Standard_D2s_v5", ZONE_CLOSED),
            ("Standard_NC24ads_A100_v4", LOCATION_CLOSED),
            ("Standard_ND96isr_H100_v5", OPEN),
            ("Standard_NV36ads_A10_v5", OPEN),
        ],
        "westeurope" => &[
            ("Standard_D2s_v5", OPEN),
            ("Standard_NC24ads_A100_v4", LOCATION_CLOSED),
            ("Standard_ND96isr_H100_v5", LOCATION_CLOSED),
            ("Standard_NV36ads_A10_v5", LOCATION_CLOSED),
        ],
        "westus2" => &[
            ("Standard_D2s_v5", OPEN),
            ("Standard_NC24ads_A100_v4", ZONE_CLOSED),
            ("Standard_ND96isr_H100_v5", ZONE_CLOSED),
        ],
        "northeurope" => &[
            ("Standard_D2s_v5", OPEN),
            ("Standard_NC24ads_A100_v4", UNDOCUMENTED),
        ],
        _ => &[("Standard_D2s_v5", OPEN), ("Standard_NC4as_T4_v3", OPEN)],
    }
}

/// Entra ID's and Resource Manager's emulated APIs; they remember the tokens issued.
#[derive(Debug, Default)]
pub struct AzureEmulator {
    issued: Mutex<HashSet<String>>,
    counter: AtomicU64,
}

/// ARM's error envelope.
fn error(status: u16, code: &str, message: &str) -> EmuResponse {
    EmuResponse::json(
        status,
        &json!({ "error": { "code": code, "message": message } }),
    )
}

/// Entra ID's OAuth2 error body.
fn oauth_error(status: u16, code: &str, description: &str) -> EmuResponse {
    EmuResponse::json(
        status,
        &json!({
            "error": code,
            "error_description": description,
            "error_codes": [7000215],
            "trace_id": "00000000-0000-0000-0000-000000000001",
        }),
    )
}

fn location_json(location: &EmuLocation) -> Value {
    let (name, display, geography, physical, latitude, longitude, zones) = *location;
    let mut value = json!({
        "id": format!("/subscriptions/{EMULATOR_SUBSCRIPTION_ID}/locations/{name}"),
        "name": name,
        "type": "Region",
        "displayName": display,
        "regionalDisplayName": format!("({geography}) {display}"),
        "metadata": {
            "regionType": "Physical",
            "regionCategory": "Recommended",
            "geography": geography,
            "longitude": longitude,
            "latitude": latitude,
            "physicalLocation": physical,
        },
    });
    if zones > 0 {
        let mappings: Vec<Value> = (1..=zones)
            .map(|z| json!({ "logicalZone": z.to_string(), "physicalZone": format!("{name}-az{z}") }))
            .collect();
        value["availabilityZoneMappings"] = Value::Array(mappings);
    }
    value
}

fn logical_json((name, display): &(&str, &str)) -> Value {
    json!({
        "id": format!("/subscriptions/{EMULATOR_SUBSCRIPTION_ID}/locations/{name}"),
        "name": name,
        "type": "Region",
        "displayName": display,
        "metadata": { "regionType": "Logical", "regionCategory": "Other" },
    })
}

fn sku_json(location: &str, (name, restrictions): &EmuSku) -> Value {
    let size = name.trim_start_matches("Standard_");
    let restrictions: Vec<Value> = restrictions
        .iter()
        .map(|(kind, reason)| {
            let info = if *kind == "Zone" {
                json!({ "locations": [location], "zones": ["3"] })
            } else {
                json!({ "locations": [location] })
            };
            json!({ "type": kind, "values": [location], "restrictionInfo": info, "reasonCode": reason })
        })
        .collect();
    json!({
        "resourceType": "virtualMachines",
        "name": name,
        "tier": "Standard",
        "size": size,
        "locations": [location],
        "locationInfo": [{ "location": location, "zones": ["1", "2", "3"] }],
        "restrictions": restrictions,
    })
}

impl AzureEmulator {
    fn issued(&self) -> MutexGuard<'_, HashSet<String>> {
        self.issued
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn token(&self, request: &EmuRequest, tenant: &str) -> EmuResponse {
        if tenant != EMULATOR_TENANT_ID {
            return oauth_error(
                400,
                "invalid_request",
                &format!("AADSTS90002: Tenant '{tenant}' not found."),
            );
        }
        let form: Vec<(String, String)> = url::form_urlencoded::parse(&request.body)
            .into_owned()
            .collect();
        let field = |key: &str| form.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
        if field("grant_type") != Some("client_credentials") {
            return oauth_error(
                400,
                "unsupported_grant_type",
                "AADSTS70003: The app requested an unsupported grant type.",
            );
        }
        if !field("scope").is_some_and(|s| s.ends_with("/.default")) {
            return oauth_error(
                400,
                "invalid_scope",
                "AADSTS1002012: The provided value for scope is not valid.",
            );
        }
        if field("client_id") != Some(EMULATOR_CLIENT_ID)
            || field("client_secret") != Some(EMULATOR_CLIENT_SECRET)
        {
            return oauth_error(
                401,
                "invalid_client",
                "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.",
            );
        }
        let n = self.counter.fetch_add(1, Ordering::Relaxed) + 1;
        let token = format!("eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.emulator-azure-{n:04}");
        self.issued().insert(token.clone());
        EmuResponse::json(
            200,
            &json!({
                "token_type": "Bearer",
                "expires_in": TOKEN_LIFETIME_SECS,
                "ext_expires_in": TOKEN_LIFETIME_SECS,
                "access_token": token,
            }),
        )
    }

    /// The absolute URL of this request's path with `query`, as ARM writes `nextLink`.
    fn link(request: &EmuRequest, query: &str) -> String {
        let host = request.header("host").unwrap_or("127.0.0.1");
        format!("http://{host}{}?{query}", request.raw_path)
    }

    fn locations(&self, request: &EmuRequest) -> EmuResponse {
        let all: Vec<Value> = if request.empty {
            Vec::new()
        } else {
            let mut all: Vec<Value> = PHYSICAL.iter().map(location_json).collect();
            all.splice(2..2, LOGICAL.iter().map(logical_json));
            all
        };
        let second = request.query("$skiptoken") == Some("page-2");
        let (page, next) = if second {
            (all.get(FIRST_PAGE..).unwrap_or_default().to_vec(), None)
        } else if all.len() > FIRST_PAGE {
            (
                all.get(..FIRST_PAGE).unwrap_or_default().to_vec(),
                Some(Self::link(
                    request,
                    &format!("api-version={LOCATIONS_API_VERSION}&%24skiptoken=page-2"),
                )),
            )
        } else {
            (all, None)
        };
        let mut body = json!({ "value": page });
        if let Some(next) = next {
            body["nextLink"] = Value::String(next);
        }
        EmuResponse::json(200, &body)
    }

    fn skus(&self, request: &EmuRequest) -> EmuResponse {
        let filter = request.query("$filter").unwrap_or_default();
        let location = filter
            .trim()
            .strip_prefix("location eq '")
            .and_then(|rest| rest.strip_suffix('\''));
        let Some(location) = location else {
            return error(
                400,
                "InvalidFilterInQueryString",
                &format!(
                    "The filter '{filter}' is not supported; only location eq '<location>' is."
                ),
            );
        };
        let known = PHYSICAL.iter().any(|(name, ..)| *name == location);
        let skus: Vec<Value> = if request.empty || !known {
            Vec::new()
        } else {
            skus_of(location)
                .iter()
                .map(|s| sku_json(location, s))
                .collect()
        };
        // `eastus` answers on two pages, as large answers do.
        if location == "eastus" && skus.len() > 2 {
            let second = request.query("$skiptoken") == Some("page-2");
            let (page, next) = if second {
                (skus.get(2..).unwrap_or_default().to_vec(), Value::Null)
            } else {
                (
                    skus.get(..2).unwrap_or_default().to_vec(),
                    Value::String(Self::link(
                        request,
                        &format!(
                            "api-version={SKUS_API_VERSION}&%24filter=location%20eq%20%27eastus%27&%24skiptoken=page-2"
                        ),
                    )),
                )
            };
            return EmuResponse::json(200, &json!({ "value": page, "nextLink": next }));
        }
        EmuResponse::json(200, &json!({ "value": skus, "nextLink": null }))
    }
}

impl EmulatedApi for AzureEmulator {
    fn handle(&self, request: &EmuRequest) -> EmuResponse {
        let path = request.path.trim_end_matches('/');
        if request.method.eq_ignore_ascii_case("POST") {
            if let Some(tenant) = path
                .strip_prefix('/')
                .and_then(|p| p.strip_suffix("/oauth2/v2.0/token"))
            {
                return self.token(request, tenant);
            }
        }
        let Some(rest) = path.strip_prefix("/subscriptions/") else {
            return error(
                404,
                "NotFound",
                &format!("No route for {} {}", request.method, request.path),
            );
        };
        let (subscription, resource) = rest.split_once('/').unwrap_or((rest, ""));
        let authorized = request.bearer().is_some_and(|t| self.issued().contains(t));
        if !authorized {
            return error(
                401,
                "InvalidAuthenticationToken",
                "The access token is invalid.",
            );
        }
        if subscription != EMULATOR_SUBSCRIPTION_ID {
            return error(
                404,
                "SubscriptionNotFound",
                &format!("The subscription '{subscription}' could not be found."),
            );
        }
        let version = request.query("api-version");
        match resource {
            "locations" if version == Some(LOCATIONS_API_VERSION) => self.locations(request),
            "providers/Microsoft.Compute/skus" if version == Some(SKUS_API_VERSION) => {
                self.skus(request)
            }
            "locations" | "providers/Microsoft.Compute/skus" => error(
                400,
                "InvalidApiVersionParameter",
                &format!("The api-version '{}' is invalid.", version.unwrap_or("")),
            ),
            _ => error(
                404,
                "NotFound",
                &format!("No route for {} {}", request.method, request.path),
            ),
        }
    }

    fn config_section(&self) -> serde_yaml::Mapping {
        let mut creds = serde_yaml::Mapping::new();
        creds.insert("type".into(), "client".into());
        creds.insert("client_id".into(), EMULATOR_CLIENT_ID.into());
        creds.insert("client_secret".into(), EMULATOR_CLIENT_SECRET.into());
        let mut vpc_ids = serde_yaml::Mapping::new();
        for (location, network) in CONFIGURED_VNETS {
            vpc_ids.insert((*location).into(), (*network).into());
        }
        let mut subnet_ids = serde_yaml::Mapping::new();
        for (location, subnet) in CONFIGURED_SUBNETS {
            subnet_ids.insert((*location).into(), (*subnet).into());
        }
        let mut section = serde_yaml::Mapping::new();
        section.insert("vpc_ids".into(), serde_yaml::Value::Mapping(vpc_ids));
        section.insert("subnet_ids".into(), serde_yaml::Value::Mapping(subnet_ids));
        section.insert("tenant_id".into(), EMULATOR_TENANT_ID.into());
        section.insert("subscription_id".into(), EMULATOR_SUBSCRIPTION_ID.into());
        section.insert("creds".into(), serde_yaml::Value::Mapping(creds));
        section
    }

    fn error_response(&self, status: u16, message: &str) -> EmuResponse {
        let code = match status {
            401 => "InvalidAuthenticationToken",
            403 => "AuthorizationFailed",
            404 => "NotFound",
            429 => "SubscriptionRequestsThrottled",
            503 => "ServiceUnavailable",
            500..=599 => "InternalServerError",
            _ => "BadRequest",
        };
        error(status, code, message)
    }
}

regionkit_emulator::inventory::submit! {
    regionkit_emulator::EmulatorRegistration::new(crate::BACKEND, || Box::new(AzureEmulator::default()))
}
