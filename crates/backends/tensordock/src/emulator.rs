//! An emulator of TensorDock's API for tests and `regionkit demo`.
//!
//! It serves the v2 `GET /api/v2/locations`, `GET /api/v2/hostnodes` and
//! `GET /api/v2/hostnodes/{id}` in the documented shapes, checking the Bearer token, and the
//! deprecated, unauthenticated v0 `GET /api/v0/client/deploy/hostnodes`.
//!
//! The marketplace it shows: Austin is listed with H100s deployable; Winnipeg has dropped
//! out of the location listing and is known only through its host, which has no GPU free.
//!
//! Error bodies: v2 answers `{"error": "<text>"}` (documented for 401); the v0 API added
//! `"success": false`. The reference gives no body for 403, so a 403 uses the v0 shape, to
//! exercise both.

use regionkit_emulator::{EmuRequest, EmuResponse, EmulatedApi};
use serde_json::{json, Value};

/// The API token the emulator accepts.
pub const EMULATOR_API_TOKEN: &str = "emulator-tensordock-token-4c1f9e2a7b6d";

const AUSTIN: &str = "3f1c2a7e-8b4d-4e2a-9c11-5d6e7f8a9b01";
const WINNIPEG: &str = "9a0b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d";

#[derive(Debug, Default)]
pub struct TensorDockEmulator;

fn locations() -> Vec<Value> {
    vec![json!({
        "id": AUSTIN,
        "city": "Austin",
        "stateprovince": "Texas",
        "country": "United States",
        "tier": 3,
        "gpus": [{
            "v0Name": "h100-sxm5-80gb",
            "displayName": "H100 SXM5 80GB",
            "max_count": 8,
            "price_per_hr": 2.2,
            "resources": { "max_vcpus": 128, "max_ram_gb": 300, "max_storage_gb": 1000 },
            "pricing": { "per_vcpu_hr": 0.003, "per_gb_ram_hr": 0.002, "per_gb_storage_hr": 0.00005 },
            "network_features": {
                "dedicated_ip_available": true,
                "port_forwarding_available": true,
                "network_storage_available": false
            }
        }]
    })]
}

fn hostnode(id: &str, location_id: &str, place: (&str, &str, &str), gpu: (&str, u32)) -> Value {
    let (city, stateprovince, country) = place;
    let (v0_name, available) = gpu;
    json!({
        "id": id,
        "location_id": location_id,
        "uptime_percentage": 99.6,
        "available_resources": {
            "gpus": [{ "v0Name": v0_name, "availableCount": available, "price_per_hr": 0.5 }],
            "vcpu_count": 30,
            "ram_gb": 120,
            "storage_gb": 1800,
            "has_public_ip_available": available > 0
        },
        "pricing": { "per_vcpu_hr": 0.003, "per_gb_ram_hr": 0.002, "per_gb_storage_hr": 0.00005 },
        "location": {
            "city": city,
            "stateprovince": stateprovince,
            "country": country,
            "network_speed_gbps": 1,
            "network_speed_upload_gbps": 1,
            "tier": 3
        }
    })
}

fn hostnodes() -> Vec<Value> {
    vec![
        hostnode(
            "6b2f0c1e-7d3a-4e8b-9f10-2a3b4c5d6e7f",
            AUSTIN,
            ("Austin", "Texas", "United States"),
            ("h100-sxm5-80gb", 8),
        ),
        hostnode(
            "1d2e3f4a-5b6c-4d7e-8f9a-0b1c2d3e4f5a",
            WINNIPEG,
            ("Winnipeg", "Manitoba", "Canada"),
            ("geforcertx4090-pcie-24gb", 0),
        ),
    ]
}

/// The v0 listing: a map keyed by host id, with the location nested in each host.
fn v0_hostnodes() -> Value {
    json!({
        "success": true,
        "hostnodes": {
            "02c65d45-6da5-4232-a8db-ee0e5bc76110": {
                "location": {
                    "id": "50cf200c-be1b-4983-a316-369d2eea10ec",
                    "city": "Winnipeg",
                    "region": "Manitoba",
                    "country": "Canada",
                    "dc": null
                },
                "networking": { "ports": [20013, 20012, 20011], "receive": 1000, "send": 1000 },
                "specs": {
                    "cpu": { "amount": 26, "price": 0.003, "type": "AMD Ryzen 9 5950X" },
                    "gpu": {
                        "geforcertx4090-pcie-24gb": { "amount": 0, "price": 0.5, "vram": 24, "pcie": true, "rtx": true, "gtx": false }
                    },
                    "ram": { "amount": 100, "price": 0.002 },
                    "storage": { "amount": 580, "price": 0.00005 }
                },
                "status": { "listed": true, "online": true }
            }
        }
    })
}

fn error(status: u16, message: &str) -> EmuResponse {
    EmuResponse::json(status, &json!({ "error": message }))
}

impl EmulatedApi for TensorDockEmulator {
    fn handle(&self, request: &EmuRequest) -> EmuResponse {
        if request.is("GET", "/api/v0/client/deploy/hostnodes") {
            return EmuResponse::json(200, &v0_hostnodes());
        }
        if request.bearer() != Some(EMULATOR_API_TOKEN) {
            return error(401, "Unauthorized");
        }
        if request.is("GET", "/api/v2/locations") {
            let locations = if request.empty {
                Vec::new()
            } else {
                locations()
            };
            return EmuResponse::json(200, &json!({ "data": { "locations": locations } }));
        }
        if request.is("GET", "/api/v2/hostnodes") {
            let hostnodes = if request.empty {
                Vec::new()
            } else {
                hostnodes()
            };
            return EmuResponse::json(200, &json!({ "data": { "hostnodes": hostnodes } }));
        }
        if let Some(id) = request.path.strip_prefix("/api/v2/hostnodes/") {
            if request.method.eq_ignore_ascii_case("GET") {
                return match hostnodes().into_iter().find(|h| h["id"] == id) {
                    Some(host) => EmuResponse::json(200, &json!({ "data": host })),
                    None => error(404, &format!("Hostnode {id} not found")),
                };
            }
        }
        error(
            404,
            &format!("No route for {} {}", request.method, request.path),
        )
    }

    fn config_section(&self) -> serde_yaml::Mapping {
        let mut creds = serde_yaml::Mapping::new();
        creds.insert("type".into(), "api_key".into());
        creds.insert("api_token".into(), EMULATOR_API_TOKEN.into());
        let mut section = serde_yaml::Mapping::new();
        section.insert("creds".into(), serde_yaml::Value::Mapping(creds));
        section
    }

    fn error_response(&self, status: u16, message: &str) -> EmuResponse {
        match status {
            403 => EmuResponse::json(403, &json!({ "success": false, "error": message })),
            _ => error(status, message),
        }
    }
}

regionkit_emulator::inventory::submit! {
    regionkit_emulator::EmulatorRegistration::new(crate::BACKEND, || Box::new(TensorDockEmulator))
}
