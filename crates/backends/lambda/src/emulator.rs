//! An emulator of Lambda Cloud's API for tests and `regionkit demo`.
//!
//! It serves `/api/v1/regions`, `/api/v1/instance-types` and `/api/v1/images` in the shapes
//! of Lambda's OpenAPI 1.10.0, with real region names, and checks the Bearer key.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use regionkit_emulator::{EmuRequest, EmuResponse, EmulatedApi};
use serde_json::{json, Value};

/// The API key the emulator accepts.
pub const EMULATOR_API_KEY: &str = "secret_emulator_lambda_0123456789abcdef";

/// A second key the emulator accepts, for which it enforces Lambda's documented rate of one
/// request per second: a request sooner than that after the last one is answered 429.
pub const EMULATOR_PACED_API_KEY: &str = "secret_emulator_lambda_paced_fedcba9876";

/// Requests of the paced key closer together than this are refused (a little under a second,
/// so that a client keeping to the rate is never refused for timer jitter).
const PACED_MIN_GAP: Duration = Duration::from_millis(900);

/// Regions the emulated account sees. `us-midwest-2` is a real id from Lambda's older
/// `PublicRegionCode` list that the builtin table lacks, so it shows up as `new`.
const REGIONS: &[(&str, &str)] = &[
    ("us-east-1", "Virginia, USA"),
    ("us-east-2", "Washington DC, USA"),
    ("us-east-3", "Washington DC, USA"),
    ("us-west-1", "California, USA"),
    ("us-west-2", "Arizona, USA"),
    ("us-west-3", "Utah, USA"),
    ("us-midwest-1", "Illinois, USA"),
    ("us-midwest-2", "USA"),
    ("us-south-1", "Texas, USA"),
    ("us-south-2", "North Texas, USA"),
    ("us-south-3", "Central Texas, USA"),
    ("europe-central-1", "Germany"),
    ("europe-south-1", "Italy"),
    ("me-west-1", "Israel"),
    ("asia-south-1", "India"),
    ("asia-northeast-1", "Japan"),
    ("asia-northeast-2", "Japan"),
    ("australia-east-1", "Sydney, Australia"),
];

/// Instance types and where each has capacity now.
const CAPACITY: &[(&str, &str, &[&str])] = &[
    (
        "gpu_1x_h100_sxm5",
        "1x H100 (80 GB SXM5)",
        &["us-east-1", "us-south-1"],
    ),
    ("gpu_8x_a100_80gb_sxm4", "8x A100 (80 GB SXM4)", &[]),
    (
        "gpu_1x_gh200",
        "1x GH200 (96 GB)",
        &["us-east-3", "asia-northeast-2"],
    ),
    (
        "gpu_1x_a10",
        "1x A10 (24 GB PCIe)",
        &["us-west-1", "asia-south-1", "europe-central-1"],
    ),
];

/// `asia-northeast-2` has capacity but `/regions` does not list it: Lambda's capacity list can
/// run ahead of its region list, and a region with capacity is still a region.
const UNLISTED_WITH_CAPACITY: &str = "asia-northeast-2";

#[derive(Debug, Default)]
pub struct LambdaEmulator {
    /// When the paced key last made a request.
    paced_last: Mutex<Option<Instant>>,
}

fn region(name: &str) -> Value {
    let description = REGIONS
        .iter()
        .find(|(n, _)| *n == name)
        .map_or(name, |(_, d)| *d);
    json!({ "name": name, "description": description })
}

fn error(status: u16, code: &str, message: &str, suggestion: &str) -> EmuResponse {
    EmuResponse::json(
        status,
        &json!({ "error": { "code": code, "message": message, "suggestion": suggestion } }),
    )
}

impl EmulatedApi for LambdaEmulator {
    fn handle(&self, request: &EmuRequest) -> EmuResponse {
        if request.bearer() == Some(EMULATOR_PACED_API_KEY) {
            let mut last = self.paced_last.lock().unwrap_or_else(|p| p.into_inner());
            let now = Instant::now();
            let too_soon = last.is_some_and(|at| now.duration_since(at) < PACED_MIN_GAP);
            *last = Some(now);
            if too_soon {
                return error(
                    429,
                    "global/rate-limited",
                    "Requests are limited to one per second.",
                    "Wait a second between requests.",
                );
            }
        } else if request.bearer() != Some(EMULATOR_API_KEY) {
            return error(
                401,
                "global/invalid-api-key",
                "API key was invalid, expired, or deleted.",
                "Check your API key or create a new one, then try again.",
            );
        }
        let listed: &[(&str, &str)] = if request.empty { &[] } else { REGIONS };
        if request.is("GET", "/api/v1/regions") {
            let data: Vec<Value> = listed
                .iter()
                .filter(|(name, _)| *name != UNLISTED_WITH_CAPACITY)
                .map(|(name, _)| region(name))
                .collect();
            return EmuResponse::json(200, &json!({ "data": data }));
        }
        if request.is("GET", "/api/v1/instance-types") {
            let mut data = serde_json::Map::new();
            for (name, description, regions) in CAPACITY {
                let with_capacity: Vec<Value> = if request.empty {
                    Vec::new()
                } else {
                    regions.iter().map(|r| region(r)).collect()
                };
                data.insert(
                    (*name).to_owned(),
                    json!({
                        "instance_type": {
                            "name": name,
                            "description": description,
                            "gpu_description": description.split_once(' ').map_or(*description, |(_, rest)| rest),
                            "price_cents_per_hour": 329,
                            "specs": { "vcpus": 26, "memory_gib": 225, "storage_gib": 2816, "gpus": 1 }
                        },
                        "regions_with_capacity_available": with_capacity
                    }),
                );
            }
            return EmuResponse::json(200, &json!({ "data": data }));
        }
        if request.is("GET", "/api/v1/images") {
            let data: Vec<Value> = listed
                .iter()
                .enumerate()
                .map(|(i, (name, _))| {
                    json!({
                        "id": format!("0b4a1c9e-5d57-4d39-9a61-{i:012}"),
                        "created_time": "2025-11-03T17:22:05+00:00",
                        "updated_time": "2025-11-03T17:22:05+00:00",
                        "name": "ubuntu-24.04.1",
                        "description": "Ubuntu LTS",
                        "family": "ubuntu-lts",
                        "version": "24.04.1",
                        "architecture": "x86_64",
                        "region": region(name)
                    })
                })
                .collect();
            return EmuResponse::json(200, &json!({ "data": data }));
        }
        error(
            404,
            "global/not-found",
            &format!("No route for {} {}", request.method, request.path),
            "",
        )
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
        let code = match status {
            401 => "global/invalid-api-key",
            403 => "global/account-inactive",
            429 => "global/rate-limited",
            503 => "provider/internal-unavailable",
            _ => "global/internal-error",
        };
        error(status, code, message, "Try again shortly")
    }
}

regionkit_emulator::inventory::submit! {
    regionkit_emulator::EmulatorRegistration::new(crate::BACKEND, || {
        Box::new(LambdaEmulator::default())
    })
}
