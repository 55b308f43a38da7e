//! An emulator of the SAMPLE Azure API, for tests and `regionkit demo`.
//!
//! SAMPLE: replace with the provider's real API: its paths, its payload shapes (take them from
//! the provider's API reference), real region ids, and its documented error bodies.

use regionkit_emulator::{EmuRequest, EmuResponse, EmulatedApi};
use serde_json::{json, Value};

/// The API key the emulator accepts.
pub const EMULATOR_API_KEY: &str = "secret_emulator_azure_0123456789abcdef";

/// The most regions the emulator puts on one page, small so that discovery pages.
pub const MAX_PAGE_SIZE: usize = 2;

/// SAMPLE regions: (slug, display name, country, city, state). `ap-northeast-1` is not in the
/// builtin `known` list, so resolution reports it as new.
pub const REGIONS: &[(&str, &str, &str, &str, &str)] = &[
    ("us-east-1", "US East (Virginia)", "US", "Ashburn", "active"),
    ("us-west-1", "US West (Oregon)", "US", "Portland", "limited"),
    (
        "eu-central-1",
        "Europe Central (Frankfurt)",
        "DE",
        "Frankfurt",
        "active",
    ),
    (
        "eu-north-1",
        "Europe North (Stockholm)",
        "SE",
        "Stockholm",
        "maintenance",
    ),
    (
        "ap-northeast-1",
        "Asia Pacific (Tokyo)",
        "JP",
        "Tokyo",
        "active",
    ),
];

#[derive(Debug, Default)]
pub struct AzureEmulator;

fn error(status: u16, code: &str, message: &str) -> EmuResponse {
    EmuResponse::json(
        status,
        &json!({ "error": { "code": code, "message": message } }),
    )
}

fn region((slug, display_name, country, city, state): &(&str, &str, &str, &str, &str)) -> Value {
    json!({
        "slug": slug,
        "display_name": display_name,
        "country_code": country,
        "city": city,
        "state": state
    })
}

impl EmulatedApi for AzureEmulator {
    fn handle(&self, request: &EmuRequest) -> EmuResponse {
        if request.bearer() != Some(EMULATOR_API_KEY) {
            return error(401, "unauthenticated", "The API key is missing or invalid.");
        }
        if !request.is("GET", "/v1/regions") {
            return error(
                404,
                "not_found",
                &format!("No route for {} {}", request.method, request.path),
            );
        }
        let page_size = match request.query("page_size").map(str::parse::<usize>) {
            None => MAX_PAGE_SIZE,
            Some(Ok(size)) if size > 0 => size.min(MAX_PAGE_SIZE),
            Some(_) => {
                return error(
                    400,
                    "invalid_argument",
                    "page_size must be a positive integer",
                )
            }
        };
        let listed: &[(&str, &str, &str, &str, &str)] = if request.empty { &[] } else { REGIONS };
        let start = match request.query("page_token") {
            None => 0,
            Some(token) => match token
                .strip_prefix("page-")
                .and_then(|n| n.parse::<usize>().ok())
            {
                Some(start) if start < listed.len() => start,
                _ => {
                    return error(
                        400,
                        "invalid_argument",
                        &format!("page_token `{token}` was not issued by this API"),
                    )
                }
            },
        };
        let end = (start + page_size).min(listed.len());
        let page: Vec<Value> = listed
            .get(start..end)
            .unwrap_or_default()
            .iter()
            .map(region)
            .collect();
        let next = (end < listed.len()).then(|| format!("page-{end}"));
        EmuResponse::json(200, &json!({ "regions": page, "next_page_token": next }))
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
            401 => "unauthenticated",
            403 => "permission_denied",
            429 => "rate_limited",
            503 => "unavailable",
            500..=599 => "internal",
            _ => "invalid_argument",
        };
        error(status, code, message)
    }
}

regionkit_emulator::inventory::submit! {
    regionkit_emulator::EmulatorRegistration::new(crate::BACKEND, || Box::new(AzureEmulator))
}
