//! An emulator of Verda's public API for tests and `regionkit demo`.
//!
//! It serves `POST /oauth2/token` (client-credentials grant), `GET /locations` and
//! `GET /instance-availability[?is_spot=&location_code=]` below the versioned base, in the
//! shapes of Verda's API and SDKs, with Verda's real location codes. Data calls need a token
//! the emulator issued.

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

use regionkit_emulator::{EmuRequest, EmuResponse, EmulatedApi};
use serde::Deserialize;
use serde_json::{json, Value};

/// The OAuth2 client the emulator accepts.
pub const EMULATOR_CLIENT_ID: &str = "emulator-verda-client";
pub const EMULATOR_CLIENT_SECRET: &str = "secret_emulator_verda_0123456789abcdef";

/// Lifetime of issued tokens, as in Verda's documented example.
const TOKEN_LIFETIME_SECS: u64 = 3600;

/// (code, name, country code) of every location.
const LOCATIONS: &[(&str, &str, &str)] = &[
    ("FIN-01", "Finland 1", "FI"),
    ("FIN-02", "Finland 2", "FI"),
    ("FIN-03", "Finland 3", "FI"),
    ("ICE-01", "Iceland 1", "IS"),
];

/// On-demand availability: FIN-02 is listed with nothing free, ICE-01 is left out.
const ON_DEMAND: &[(&str, &[&str])] = &[
    (
        "FIN-01",
        &[
            "1V100.6V",
            "2V100.10V",
            "1A100.22V",
            "8RTX6000ADA.80V",
            "CPU.4V.16G",
            "CPU.8V.32G",
        ],
    ),
    ("FIN-02", &[]),
    (
        "FIN-03",
        &[
            "1H100.80S.30V",
            "8H200.141S.176V",
            "1B200.30V",
            "CPU.4V.16G",
        ],
    ),
];

/// Spot availability: ICE-01 has capacity only here.
const SPOT: &[(&str, &[&str])] = &[
    ("FIN-01", &["1V100.6V"]),
    ("ICE-01", &["CPU.4V.16G", "CPU.8V.32G"]),
];

/// Verda's emulated API; it remembers the access tokens it issued.
#[derive(Debug, Default)]
pub struct DatacrunchEmulator {
    issued: Mutex<HashSet<String>>,
    counter: AtomicU64,
}

#[derive(Deserialize)]
struct TokenRequest {
    grant_type: String,
    #[serde(default)]
    client_id: String,
    #[serde(default)]
    client_secret: String,
}

fn error(status: u16, code: &str, message: &str) -> EmuResponse {
    EmuResponse::json(status, &json!({ "code": code, "message": message }))
}

impl DatacrunchEmulator {
    fn issued(&self) -> MutexGuard<'_, HashSet<String>> {
        self.issued
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn token(&self, request: &EmuRequest) -> EmuResponse {
        let Ok(body) = request.json::<TokenRequest>() else {
            return error(
                400,
                "invalid_request",
                "Request body must be JSON with grant_type",
            );
        };
        if body.grant_type != "client_credentials" {
            return error(
                400,
                "invalid_request",
                &format!("Unsupported grant_type `{}`", body.grant_type),
            );
        }
        if body.client_id != EMULATOR_CLIENT_ID || body.client_secret != EMULATOR_CLIENT_SECRET {
            return error(401, "unauthorized_request", "Invalid client credentials");
        }
        let n = self.counter.fetch_add(1, Ordering::Relaxed) + 1;
        let access = format!("emulator-verda-access-{n:04}");
        self.issued().insert(access.clone());
        EmuResponse::json(
            200,
            &json!({
                "access_token": access,
                "refresh_token": format!("emulator-verda-refresh-{n:04}"),
                "scope": "cloud-api-v1",
                "token_type": "Bearer",
                "expires_in": TOKEN_LIFETIME_SECS,
            }),
        )
    }

    fn availability(request: &EmuRequest) -> EmuResponse {
        let table = match request.query("is_spot") {
            None | Some("false") => ON_DEMAND,
            Some("true") => SPOT,
            Some(other) => {
                return error(
                    400,
                    "invalid_request",
                    &format!("is_spot must be true or false, not `{other}`"),
                )
            }
        };
        let wanted = request.query("location_code");
        let rows: Vec<Value> = table
            .iter()
            .filter(|_| !request.empty)
            .filter(|(code, _)| wanted.is_none_or(|w| w == *code))
            .map(|(code, types)| json!({ "location_code": code, "availabilities": types }))
            .collect();
        EmuResponse::json(200, &rows)
    }
}

impl EmulatedApi for DatacrunchEmulator {
    fn handle(&self, request: &EmuRequest) -> EmuResponse {
        if request.is("POST", "/oauth2/token") {
            return self.token(request);
        }
        let known = request.is("GET", "/locations") || request.is("GET", "/instance-availability");
        if !known {
            return error(
                404,
                "not_found",
                &format!("No route for {} {}", request.method, request.path),
            );
        }
        let authorized = request
            .bearer()
            .is_some_and(|token| self.issued().contains(token));
        if !authorized {
            return error(
                401,
                "unauthorized_request",
                "Access token is missing, invalid or expired",
            );
        }
        if request.is("GET", "/instance-availability") {
            return Self::availability(request);
        }
        let rows: Vec<Value> = LOCATIONS
            .iter()
            .filter(|_| !request.empty)
            .map(|(code, name, country)| {
                json!({ "code": code, "name": name, "country_code": country })
            })
            .collect();
        EmuResponse::json(200, &rows)
    }

    fn config_section(&self) -> serde_yaml::Mapping {
        let mut creds = serde_yaml::Mapping::new();
        creds.insert("type".into(), "api_key".into());
        creds.insert("client_id".into(), EMULATOR_CLIENT_ID.into());
        creds.insert("client_secret".into(), EMULATOR_CLIENT_SECRET.into());
        let mut section = serde_yaml::Mapping::new();
        section.insert("creds".into(), serde_yaml::Value::Mapping(creds));
        section
    }

    /// Verda's `{"code", "message"}` body. Verda documents no code for throttling, so a 429
    /// carries the nearest documented one and the status tells it apart.
    fn error_response(&self, status: u16, message: &str) -> EmuResponse {
        let code = match status {
            401 => "unauthorized_request",
            403 => "forbidden_action",
            404 => "not_found",
            429 | 503 => "service_unavailable",
            400..=499 => "invalid_request",
            _ => "server_error",
        };
        error(status, code, message)
    }
}

regionkit_emulator::inventory::submit! {
    regionkit_emulator::EmulatorRegistration::new(crate::BACKEND, || Box::new(DatacrunchEmulator::default()))
}
