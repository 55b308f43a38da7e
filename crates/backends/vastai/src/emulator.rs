//! An emulator of Vast.ai's offer search for tests and `regionkit demo`.
//!
//! It serves `POST /api/v0/bundles/` (filters at the top level) and `PUT /api/v0/search/asks/`
//! (filters under `q`) with offers in the documented shape, at real host geolocations, and
//! applies the documented operators (`eq`, `neq`, `gt`, `lt`, `gte`, `lte`, `in`, `notin`)
//! plus `limit`. A filter on an unknown field is refused the way Vast.ai refuses it.
//!
//! Error bodies: Vast.ai answers `{"success": false, "error", "msg"}` on most endpoints,
//! only `{"msg"}` or `{"message"}` on some, and often plain text on 429. The reference does
//! not say which endpoint uses which, so the injected faults spread the shapes across
//! statuses to exercise each one: 401, 503 and others the full body, 403 `{"msg"}`, 500
//! `{"message"}`, 429 the plain-text throttle message.

use regionkit_emulator::{EmuRequest, EmuResponse, EmulatedApi};
use serde_json::{json, Map, Value};

/// The API key the emulator accepts.
pub const EMULATOR_API_KEY: &str = "emulator0vastai0key0b7e1d3f9a2c4e6b8d0f1a3c5e7b9d1f3a5c";

/// The documented throttle text (`payloads/vastai-error-429-illustrative.txt`).
pub const THROTTLE_TEXT: &str = "API requests too frequent endpoint threshold=1.0";

/// One host's offer: (id, geolocation, hosting type, GPU, GPU count, rented).
type OfferRow = (u64, Option<&'static str>, i64, &'static str, u32, bool);

/// The marketplace. Geolocations are real ones seen on Vast.ai. `Bács-Kiskun, HU` is not in
/// the builtin table, so it shows up as `new`; Oregon's only host is rented, so `us-oregon`
/// is unavailable; two offers have no geolocation at all.
const OFFERS: &[OfferRow] = &[
    (30125871, Some("Texas, US"), 1, "H100 SXM", 8, false),
    (30125902, Some("Texas, US"), 0, "RTX 5090", 2, false),
    (28840112, Some("Quebec, CA"), 0, "RTX 4090", 1, false),
    (27011955, Some("Sweden, SE"), 0, "RTX A6000", 2, false),
    (31002417, Some("Michigan, US"), 1, "H200", 2, false),
    (31002533, Some("France, FR"), 1, "H200", 8, false),
    (29950218, Some("Taiwan, TW"), 0, "RTX 5090", 4, false),
    (29871140, Some("Japan, JP"), 0, "RTX 6000Ada", 1, false),
    (
        30550871,
        Some("Hafnarfjarðarkaupstaður, IS"),
        0,
        "RTX 5090",
        2,
        false,
    ),
    (30611093, Some("Bács-Kiskun, HU"), 0, "RTX 5090", 1, false),
    (
        31120044,
        Some("British Columbia, CA"),
        0,
        "RTX 4090",
        2,
        false,
    ),
    (31208817, Some(", US"), 1, "B200", 4, false),
    (30777310, Some("Oregon, US"), 1, "L40S", 2, true),
    (30912285, None, 0, "RTX 3090", 1, false),
    (30912291, None, 0, "RTX 3060", 1, false),
];

/// Fields the search accepts as filters, besides `order`, `limit` and `type`.
const FILTER_FIELDS: &[&str] = &[
    "rentable",
    "rented",
    "verified",
    "external",
    "datacenter",
    "geolocation",
    "num_gpus",
    "gpu_name",
    "gpu_ram",
    "cpu_cores",
    "cpu_ram",
    "disk_space",
    "dph_base",
    "dph_total",
    "reliability2",
    "inet_down",
    "inet_up",
    "direct_port_count",
    "cuda_max_good",
    "compute_cap",
    "score",
    "hosting_type",
    "machine_id",
    "host_id",
];

#[derive(Debug, Default)]
pub struct VastEmulator;

fn offer(row: &OfferRow) -> Value {
    let (id, geolocation, hosting_type, gpu_name, num_gpus, rented) = *row;
    let gpu_ram = if gpu_name.starts_with('H') || gpu_name.starts_with('B') {
        81559
    } else {
        24564
    };
    json!({
        "id": id,
        "ask_contract_id": id,
        "machine_id": id % 100_000,
        "host_id": id % 1_000_000 / 10,
        "hosting_type": hosting_type,
        "geolocation": geolocation,
        "geolocode": if geolocation.is_some() { json!(id % 4000) } else { Value::Null },
        "gpu_name": gpu_name,
        "num_gpus": num_gpus,
        "gpu_ram": gpu_ram,
        "gpu_total_ram": gpu_ram * u64::from(num_gpus),
        "cpu_cores": 32,
        "cpu_cores_effective": 8 * num_gpus,
        "cpu_ram": 128000,
        "disk_space": 500.0,
        "dph_base": 0.35 * f64::from(num_gpus),
        "dph_total": 0.37 * f64::from(num_gpus),
        "storage_cost": 0.1,
        "min_bid": 0.2 * f64::from(num_gpus),
        "reliability2": 0.99,
        "verification": "verified",
        "rentable": true,
        "rented": rented,
        "cuda_max_good": 12.8,
        "compute_cap": 890,
        "inet_down": 1200.0,
        "inet_up": 900.0,
        "direct_port_count": 20,
        "score": 100.0 + (id % 700) as f64,
    })
}

fn error(status: u16, code: &str, msg: &str) -> EmuResponse {
    EmuResponse::json(
        status,
        &json!({ "success": false, "error": code, "msg": msg }),
    )
}

/// The value a filter on `field` compares against.
fn field_value(offer: &Value, field: &str) -> Value {
    match field {
        // `verified` filters on the `verification` text.
        "verified" => json!(offer["verification"] == "verified"),
        // `datacenter` selects datacenter hosts (`hosting_type` 1).
        "datacenter" => json!(offer["hosting_type"] == 1),
        // `external` is false for every host listed on the marketplace itself.
        "external" => json!(false),
        // The geolocation filter matches the ISO country code.
        "geolocation" => offer["geolocation"]
            .as_str()
            .and_then(|g| g.rsplit(',').next())
            .map_or(Value::Null, |cc| json!(cc.trim())),
        other => offer[other].clone(),
    }
}

fn compare(left: &Value, right: &Value) -> Option<std::cmp::Ordering> {
    match (left, right) {
        (Value::Number(a), Value::Number(b)) => a.as_f64()?.partial_cmp(&b.as_f64()?),
        (Value::String(a), Value::String(b)) => Some(a.cmp(b)),
        _ => None,
    }
}

fn matches(offer: &Value, field: &str, condition: &Value) -> Result<bool, String> {
    let Value::Object(operators) = condition else {
        return Err(format!(
            "Invalid query: field '{field}' needs an operator object"
        ));
    };
    let value = field_value(offer, field);
    for (operator, operand) in operators {
        let ok = match operator.as_str() {
            "eq" => value == *operand,
            "neq" => value != *operand,
            "gt" => compare(&value, operand).is_some_and(|o| o.is_gt()),
            "lt" => compare(&value, operand).is_some_and(|o| o.is_lt()),
            "gte" => compare(&value, operand).is_some_and(|o| o.is_ge()),
            "lte" => compare(&value, operand).is_some_and(|o| o.is_le()),
            "in" | "notin" => {
                let Value::Array(list) = operand else {
                    return Err(format!(
                        "Invalid query: '{operator}' on '{field}' needs a list"
                    ));
                };
                list.contains(&value) == (operator == "in")
            }
            other => {
                return Err(format!(
                    "Invalid query: unknown operator '{other}' on '{field}'"
                ))
            }
        };
        if !ok {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Apply a query's filters, order and limit to the marketplace.
fn search(query: &Map<String, Value>, empty: bool) -> Result<Vec<Value>, String> {
    for field in query.keys() {
        if !matches!(field.as_str(), "order" | "limit" | "type")
            && !FILTER_FIELDS.contains(&field.as_str())
        {
            return Err(format!("Invalid query: unknown field '{field}'"));
        }
    }
    let mut found = Vec::new();
    if !empty {
        for row in OFFERS {
            let offer = offer(row);
            let mut keep = true;
            for (field, condition) in query {
                if FILTER_FIELDS.contains(&field.as_str()) && !matches(&offer, field, condition)? {
                    keep = false;
                    break;
                }
            }
            if keep {
                found.push(offer);
            }
        }
    }
    if let Some(Value::Array(order)) = query.get("order") {
        for key in order.iter().rev() {
            let (Some(field), direction) = (key[0].as_str(), key[1].as_str()) else {
                return Err("Invalid query: 'order' takes [field, direction] pairs".into());
            };
            found.sort_by(|a, b| {
                let ordering = compare(&a[field], &b[field]).unwrap_or(std::cmp::Ordering::Equal);
                if direction == Some("desc") {
                    ordering.reverse()
                } else {
                    ordering
                }
            });
        }
    }
    if let Some(limit) = query.get("limit") {
        let limit = limit
            .as_u64()
            .ok_or("Invalid query: 'limit' must be a positive integer")?;
        found.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    }
    Ok(found)
}

impl EmulatedApi for VastEmulator {
    fn handle(&self, request: &EmuRequest) -> EmuResponse {
        if request.bearer() != Some(EMULATOR_API_KEY) {
            return error(401, "auth_error", "Invalid or expired API key.");
        }
        let (query, wrapped) = if request.is("POST", "/api/v0/bundles") {
            (request.json::<Map<String, Value>>(), false)
        } else if request.is("PUT", "/api/v0/search/asks") {
            let body = request.json::<Map<String, Value>>();
            let query = body.map(|mut body| match body.remove("q") {
                Some(Value::Object(q)) => q,
                _ => Map::new(),
            });
            (query, true)
        } else {
            return error(
                404,
                "not_found",
                &format!("No route for {} {}", request.method, request.path),
            );
        };
        let Ok(query) = query else {
            return error(
                400,
                "invalid_args",
                "Invalid query: the body is not a JSON object",
            );
        };
        match search(&query, request.empty) {
            Ok(offers) if wrapped => {
                EmuResponse::json(200, &json!({ "success": true, "offers": offers }))
            }
            Ok(offers) => EmuResponse::json(200, &json!({ "offers": offers })),
            Err(msg) => error(400, "invalid_args", &msg),
        }
    }

    fn config_section(&self) -> serde_yaml::Mapping {
        let mut creds = serde_yaml::Mapping::new();
        creds.insert("type".into(), "api_key".into());
        creds.insert("api_key".into(), EMULATOR_API_KEY.into());
        let mut section = serde_yaml::Mapping::new();
        section.insert("creds".into(), serde_yaml::Value::Mapping(creds));
        section
    }

    fn error_response(&self, status: u16, message: &str) -> EmuResponse {
        match status {
            429 => EmuResponse::text(429, THROTTLE_TEXT),
            403 => EmuResponse::json(403, &json!({ "msg": message })),
            500 => EmuResponse::json(500, &json!({ "message": message })),
            401 => error(401, "auth_error", message),
            503 => error(503, "service_unavailable", message),
            _ => error(status, "server_error", message),
        }
    }
}

regionkit_emulator::inventory::submit! {
    regionkit_emulator::EmulatorRegistration::new(crate::BACKEND, || Box::new(VastEmulator))
}
