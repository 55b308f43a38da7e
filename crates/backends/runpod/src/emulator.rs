//! An emulator of RunPod's GraphQL API for tests and `regionkit demo`.
//!
//! It answers `POST /graphql` for the `countryCodes` / `dataCenters { ... gpuAvailability }`
//! query in the documented shape, with real data center ids and GPU type ids. The key goes in
//! `Authorization: Bearer` or, as older clients send it, `?api_key=`. An unknown key gets
//! HTTP 401; the restricted key gets what RunPod sends a key that may not read: HTTP 200 with
//! `errors: [{"message": "Unauthorized"}]`. Throttling answers with RunPod's REST problem
//! body; other injected failures with a GraphQL `errors[]` body.

use regionkit_emulator::{EmuRequest, EmuResponse, EmulatedApi};
use serde::Deserialize;
use serde_json::{json, Value};

/// The API key the emulator accepts.
pub const EMULATOR_API_KEY: &str = "rpa_EMULATOR0123456789ABCDEFGHIJKLMNOPQRSTUV";
/// A key the emulator knows but that may not read the catalog.
pub const EMULATOR_RESTRICTED_API_KEY: &str = "rpa_EMULATORRESTRICTED0123456789ABCDEFGHIJ";

/// (gpuTypeId, displayName, stockStatus); a null stock means none, and `available: false`.
type Stock = (&'static str, &'static str, Option<&'static str>);

/// (id, location, listed, GPU stock). `US-WA-2` is a real id from third-party lists that the
/// builtin table lacks, so it shows up as `new`.
const DATA_CENTERS: &[(&str, &str, bool, &[Stock])] = &[
    (
        "US-TX-3",
        "United States",
        true,
        &[
            ("NVIDIA H100 80GB HBM3", "H100 SXM", Some("Medium")),
            ("NVIDIA GeForce RTX 4090", "RTX 4090", None),
        ],
    ),
    (
        "US-KS-2",
        "United States",
        true,
        &[("NVIDIA H100 NVL", "H100 NVL", Some("High"))],
    ),
    (
        "US-WA-2",
        "United States",
        true,
        &[("NVIDIA L40S", "L40S", Some("Low"))],
    ),
    (
        "EU-RO-1",
        "Europe",
        true,
        &[("NVIDIA GeForce RTX 4090", "RTX 4090", Some("High"))],
    ),
    (
        "EUR-IS-1",
        "Europe",
        true,
        &[("NVIDIA A40", "A40", Some("Low"))],
    ),
    (
        "EU-SE-1",
        "Europe",
        true,
        &[("NVIDIA GeForce RTX 4090", "RTX 4090", None)],
    ),
    ("CA-MTL-3", "Canada", true, &[]),
    ("US-TX-1", "United States", false, &[]),
];

/// Community Cloud countries, with the `null` RunPod includes.
const COUNTRY_CODES: &[Option<&str>] = &[
    Some("CA"),
    Some("CZ"),
    Some("IS"),
    Some("NO"),
    Some("RO"),
    Some("SE"),
    Some("US"),
    None,
];

#[derive(Debug, Default)]
pub struct RunpodEmulator;

#[derive(Deserialize)]
struct GraphqlRequest {
    query: String,
}

fn graphql_error(status: u16, message: &str, code: &str) -> EmuResponse {
    EmuResponse::json(
        status,
        &json!({ "errors": [{ "message": message, "extensions": { "code": code } }] }),
    )
}

fn data_center(id: &str, location: &str, listed: bool, stock: &[Stock]) -> Value {
    let availability: Vec<Value> = stock
        .iter()
        .map(|(gpu, display, status)| {
            json!({
                "gpuTypeId": gpu,
                "displayName": display,
                "stockStatus": status,
                "available": status.is_some(),
            })
        })
        .collect();
    json!({
        "id": id,
        "name": id,
        "location": location,
        "listed": listed,
        "storageSupport": listed,
        "gpuAvailability": availability,
    })
}

impl EmulatedApi for RunpodEmulator {
    fn handle(&self, request: &EmuRequest) -> EmuResponse {
        if !request.is("POST", "/graphql") {
            return EmuResponse::json(
                404,
                &json!({ "title": "Not Found", "status": 404, "detail": format!("No route for {} {}", request.method, request.path), "errors": [] }),
            );
        }
        let key = request.bearer().or_else(|| request.query("api_key"));
        if key == Some(EMULATOR_RESTRICTED_API_KEY) {
            return EmuResponse::json(
                200,
                &json!({
                    "errors": [{ "message": "Unauthorized", "path": ["dataCenters"] }],
                    "data": null
                }),
            );
        }
        if key != Some(EMULATOR_API_KEY) {
            return graphql_error(401, "Unauthorized", "UNAUTHENTICATED");
        }
        let Ok(body) = request.json::<GraphqlRequest>() else {
            return graphql_error(
                400,
                "The body must be JSON with a `query`",
                "GRAPHQL_PARSE_FAILED",
            );
        };
        if !body.query.contains("dataCenters") && !body.query.contains("countryCodes") {
            return graphql_error(
                400,
                "The emulator answers only `countryCodes` and `dataCenters`",
                "GRAPHQL_VALIDATION_FAILED",
            );
        }
        let mut data = serde_json::Map::new();
        if body.query.contains("countryCodes") {
            let codes: &[Option<&str>] = if request.empty { &[] } else { COUNTRY_CODES };
            data.insert("countryCodes".to_owned(), json!(codes));
        }
        if body.query.contains("dataCenters") {
            let centers: Vec<Value> = DATA_CENTERS
                .iter()
                .filter(|_| !request.empty)
                .map(|(id, location, listed, stock)| data_center(id, location, *listed, stock))
                .collect();
            data.insert("dataCenters".to_owned(), Value::Array(centers));
        }
        EmuResponse::json(200, &json!({ "data": data }))
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
            429 => EmuResponse::json(
                429,
                &json!({ "title": "Too Many Requests", "status": 429, "detail": message, "errors": [] }),
            ),
            401 => graphql_error(status, message, "UNAUTHENTICATED"),
            403 => graphql_error(status, message, "FORBIDDEN"),
            _ => graphql_error(status, message, "INTERNAL_SERVER_ERROR"),
        }
    }
}

regionkit_emulator::inventory::submit! {
    regionkit_emulator::EmulatorRegistration::new(crate::BACKEND, || Box::new(RunpodEmulator))
}
