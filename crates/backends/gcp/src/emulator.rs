//! An emulator of Compute Engine's `regions.list` and Google's OAuth2 token endpoint, for
//! tests and `regionkit demo`.
//!
//! `POST /oauth2/v4/token` takes the JWT bearer grant (the assertion's RS256 signature is
//! checked against the emulator's test service account) and the refresh-token grant (the
//! emulator's gcloud user). `GET /compute/v1/projects/{project}/regions` answers a few regions
//! per page with `nextPageToken`, in Compute's shape: real region names, one `DOWN`, one
//! deprecated, one where every NVIDIA GPU quota is 0, and one the builtin list does not know.
//! The service-account key is a test-only key generated for these tests.

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use regionkit_emulator::{EmuRequest, EmuResponse, EmulatedApi};
use rsa::pkcs1v15::{Signature, VerifyingKey};
use rsa::pkcs8::DecodePrivateKey;
use rsa::signature::Verifier;
use rsa::PrivateKey;
use serde::Deserialize;
use serde_json::{json, Value};
use sha2::Sha256;

/// The project the emulator serves.
pub const EMULATOR_PROJECT: &str = "regionkit-emulator";

/// The emulator's service account and its test-only private key.
pub const EMULATOR_CLIENT_EMAIL: &str = "regionkit@regionkit-emulator.iam.gserviceaccount.com";
pub const EMULATOR_PRIVATE_KEY: &str = include_str!("../testdata/emulator-service-account-key.pem");

/// The emulator's gcloud user (the `authorized_user` of application default credentials).
pub const EMULATOR_USER_CLIENT_ID: &str = "764086051850-emulator.apps.googleusercontent.com";
pub const EMULATOR_USER_CLIENT_SECRET: &str = "emulator-gcloud-client-secret";
pub const EMULATOR_REFRESH_TOKEN: &str = "1//emulator-refresh-token";

/// The most regions on one page, small so that discovery pages.
pub const MAX_PAGE_SIZE: usize = 4;

/// Lifetime of issued tokens, as Google's.
const TOKEN_LIFETIME_SECS: u64 = 3599;

/// One emulated region: name, status, zone letters, deprecation state and replacement,
/// GPU quotas (metric, limit).
struct EmuRegion {
    name: &'static str,
    status: &'static str,
    zones: &'static [&'static str],
    deprecated: Option<(&'static str, &'static str)>,
    quotas: &'static [(&'static str, f64)],
}

/// `africa-south1` is DOWN; `asia-east2` is deprecated; every GPU quota of `europe-west4` is
/// 0; `me-central2` and `africa-south1` are outside dstack's defaults; `asia-southeast3` is
/// missing from the builtin list.
const REGIONS: &[EmuRegion] = &[
    EmuRegion {
        name: "us-central1",
        status: "UP",
        zones: &["a", "b", "c", "f"],
        deprecated: None,
        quotas: &[
            ("CPUS", 24.0),
            ("NVIDIA_H100_GPUS", 0.0),
            ("NVIDIA_L4_GPUS", 8.0),
        ],
    },
    EmuRegion {
        name: "us-east1",
        status: "UP",
        zones: &["b", "c", "d"],
        deprecated: None,
        quotas: &[("CPUS", 24.0), ("NVIDIA_T4_GPUS", 4.0)],
    },
    EmuRegion {
        name: "europe-west4",
        status: "UP",
        zones: &["a", "b", "c"],
        deprecated: None,
        quotas: &[
            ("CPUS", 24.0),
            ("NVIDIA_A100_GPUS", 0.0),
            ("NVIDIA_H100_GPUS", 0.0),
            ("PREEMPTIBLE_NVIDIA_H100_GPUS", 0.0),
        ],
    },
    EmuRegion {
        name: "europe-west1",
        status: "UP",
        zones: &["b", "c", "d"],
        deprecated: None,
        quotas: &[],
    },
    EmuRegion {
        name: "asia-east2",
        status: "UP",
        zones: &["a", "b", "c"],
        deprecated: Some(("DEPRECATED", "asia-east1")),
        quotas: &[],
    },
    EmuRegion {
        name: "asia-northeast1",
        status: "UP",
        zones: &["a", "b", "c"],
        deprecated: None,
        quotas: &[("NVIDIA_L4_GPUS", 4.0)],
    },
    EmuRegion {
        name: "me-central2",
        status: "UP",
        zones: &["a", "c"],
        deprecated: None,
        quotas: &[],
    },
    EmuRegion {
        name: "africa-south1",
        status: "DOWN",
        zones: &["a", "b", "c"],
        deprecated: None,
        quotas: &[],
    },
    EmuRegion {
        name: "asia-southeast3",
        status: "UP",
        zones: &["a"],
        deprecated: None,
        quotas: &[],
    },
];

/// Compute Engine's and Google OAuth2's emulated APIs; they remember the tokens issued.
#[derive(Debug)]
pub struct GcpEmulator {
    verifying_key: Option<VerifyingKey<Sha256>>,
    issued: Mutex<HashSet<String>>,
    counter: AtomicU64,
}

impl Default for GcpEmulator {
    fn default() -> Self {
        let verifying_key = PrivateKey::from_pkcs8_pem(EMULATOR_PRIVATE_KEY.trim())
            .ok()
            .map(|key| VerifyingKey::new(key.to_public_key()));
        Self {
            verifying_key,
            issued: Mutex::default(),
            counter: AtomicU64::new(0),
        }
    }
}

/// The emulator's service-account key file, as the Google Cloud console downloads it, for
/// `client_email`.
pub fn service_account_json(client_email: &str) -> String {
    json!({
        "type": "service_account",
        "project_id": EMULATOR_PROJECT,
        "private_key_id": "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c",
        "private_key": EMULATOR_PRIVATE_KEY,
        "client_email": client_email,
        "client_id": "104729148150893274628",
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": "https://oauth2.googleapis.com/token",
    })
    .to_string()
}

/// gcloud's application-default-credentials file for the emulator's user.
pub fn authorized_user_json() -> String {
    json!({
        "type": "authorized_user",
        "client_id": EMULATOR_USER_CLIENT_ID,
        "client_secret": EMULATOR_USER_CLIENT_SECRET,
        "refresh_token": EMULATOR_REFRESH_TOKEN,
        "quota_project_id": EMULATOR_PROJECT,
    })
    .to_string()
}

/// Google's JSON error envelope.
fn error(status: u16, name: &str, message: &str) -> EmuResponse {
    EmuResponse::json(
        status,
        &json!({ "error": { "code": status, "message": message, "status": name } }),
    )
}

/// OAuth2's error body, as the token endpoint answers.
fn oauth_error(status: u16, code: &str, description: &str) -> EmuResponse {
    EmuResponse::json(
        status,
        &json!({ "error": code, "error_description": description }),
    )
}

#[derive(Deserialize)]
struct Claims {
    iss: String,
    aud: String,
    scope: String,
    exp: u64,
}

fn region_json(region: &EmuRegion, project: &str) -> Value {
    let base = format!("https://www.googleapis.com/compute/v1/projects/{project}");
    let zones: Vec<String> = region
        .zones
        .iter()
        .map(|z| format!("{base}/zones/{}-{z}", region.name))
        .collect();
    let quotas: Vec<Value> = region
        .quotas
        .iter()
        .map(|(metric, limit)| json!({ "metric": metric, "limit": limit, "usage": 0.0 }))
        .collect();
    let mut value = json!({
        "kind": "compute#region",
        "name": region.name,
        "description": region.name,
        "status": region.status,
        "zones": zones,
        "quotas": quotas,
        "selfLink": format!("{base}/regions/{}", region.name),
    });
    if let Some((state, replacement)) = region.deprecated {
        value["deprecated"] = json!({
            "state": state,
            "replacement": format!("{base}/regions/{replacement}"),
        });
    }
    value
}

impl GcpEmulator {
    fn issued(&self) -> MutexGuard<'_, HashSet<String>> {
        self.issued
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn issue(&self) -> EmuResponse {
        let n = self.counter.fetch_add(1, Ordering::Relaxed) + 1;
        let token = format!("ya29.emulator-gcp-access-{n:04}");
        self.issued().insert(token.clone());
        EmuResponse::json(
            200,
            &json!({
                "access_token": token,
                "expires_in": TOKEN_LIFETIME_SECS,
                "token_type": "Bearer",
            }),
        )
    }

    fn token(&self, request: &EmuRequest) -> EmuResponse {
        let form: Vec<(String, String)> = url::form_urlencoded::parse(&request.body)
            .into_owned()
            .collect();
        let field = |key: &str| form.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
        match field("grant_type") {
            Some("urn:ietf:params:oauth:grant-type:jwt-bearer") => {
                self.jwt_grant(request, field("assertion").unwrap_or_default())
            }
            Some("refresh_token") => {
                let known = field("client_id") == Some(EMULATOR_USER_CLIENT_ID)
                    && field("client_secret") == Some(EMULATOR_USER_CLIENT_SECRET);
                if !known {
                    return oauth_error(401, "invalid_client", "The OAuth client was not found.");
                }
                if field("refresh_token") != Some(EMULATOR_REFRESH_TOKEN) {
                    return oauth_error(400, "invalid_grant", "Bad Request");
                }
                self.issue()
            }
            other => oauth_error(
                400,
                "unsupported_grant_type",
                &format!("Invalid grant_type: {}", other.unwrap_or("")),
            ),
        }
    }

    fn jwt_grant(&self, request: &EmuRequest, assertion: &str) -> EmuResponse {
        let parts: Vec<&str> = assertion.split('.').collect();
        let [header, claims, signature] = parts.as_slice() else {
            return oauth_error(400, "invalid_grant", "Invalid JWT: not three segments.");
        };
        let decoded = |segment: &str| URL_SAFE_NO_PAD.decode(segment).ok();
        let header: Option<Value> = decoded(header).and_then(|h| serde_json::from_slice(&h).ok());
        if header
            .as_ref()
            .and_then(|h| h.get("alg"))
            .and_then(Value::as_str)
            != Some("RS256")
        {
            return oauth_error(400, "invalid_grant", "Invalid JWT: alg must be RS256.");
        }
        let Some(claims) = decoded(claims).and_then(|c| serde_json::from_slice::<Claims>(&c).ok())
        else {
            return oauth_error(400, "invalid_grant", "Invalid JWT: claims cannot be read.");
        };
        if claims.iss != EMULATOR_CLIENT_EMAIL {
            return oauth_error(401, "invalid_client", "The OAuth client was not found.");
        }
        if !claims.aud.ends_with(&request.raw_path) {
            return oauth_error(
                400,
                "invalid_grant",
                "Invalid JWT: Token must be a short-lived token and in a reasonable timeframe. Check your iat and exp values and use a clock with skew to account for clock differences between systems.",
            );
        }
        if !claims
            .scope
            .split(' ')
            .any(|s| s.starts_with("https://www.googleapis.com/auth/compute"))
        {
            return oauth_error(400, "invalid_scope", "Invalid OAuth scope.");
        }
        let signed = assertion.rsplit_once('.').map_or("", |(input, _)| input);
        let verified = match (&self.verifying_key, decoded(signature)) {
            (Some(key), Some(bytes)) => Signature::try_from(bytes.as_slice())
                .is_ok_and(|s| key.verify(signed.as_bytes(), &s).is_ok()),
            _ => false,
        };
        if !verified || claims.exp == 0 {
            return oauth_error(400, "invalid_grant", "Invalid JWT Signature.");
        }
        self.issue()
    }

    fn regions(&self, request: &EmuRequest, project: &str) -> EmuResponse {
        let authorized = request.bearer().is_some_and(|t| self.issued().contains(t));
        if !authorized {
            return error(
                401,
                "UNAUTHENTICATED",
                "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.",
            );
        }
        if project != EMULATOR_PROJECT {
            return error(
                404,
                "NOT_FOUND",
                &format!("The resource 'projects/{project}' was not found"),
            );
        }
        let page_size = match request.query("maxResults").map(str::parse::<usize>) {
            None => MAX_PAGE_SIZE,
            Some(Ok(size)) if size <= 500 => size.clamp(1, MAX_PAGE_SIZE),
            Some(_) => {
                return error(
                    400,
                    "INVALID_ARGUMENT",
                    "Invalid value for field 'maxResults': must be between 0 and 500.",
                )
            }
        };
        let listed: &[EmuRegion] = if request.empty { &[] } else { REGIONS };
        let start = match request.query("pageToken") {
            None => 0,
            Some(token) => match token.strip_prefix("page-").and_then(|n| n.parse().ok()) {
                Some(start) if start < listed.len() => start,
                _ => {
                    return error(
                        400,
                        "INVALID_ARGUMENT",
                        &format!("Invalid value for field 'pageToken': '{token}'."),
                    )
                }
            },
        };
        let end = (start + page_size).min(listed.len());
        let items: Vec<Value> = listed
            .get(start..end)
            .unwrap_or_default()
            .iter()
            .map(|r| region_json(r, project))
            .collect();
        let mut body = json!({
            "kind": "compute#regionList",
            "id": format!("projects/{project}/regions"),
            "items": items,
            "selfLink": format!("https://www.googleapis.com/compute/v1/projects/{project}/regions"),
        });
        if end < listed.len() {
            body["nextPageToken"] = Value::String(format!("page-{end}"));
        }
        EmuResponse::json(200, &body)
    }
}

impl EmulatedApi for GcpEmulator {
    fn handle(&self, request: &EmuRequest) -> EmuResponse {
        if request.is("POST", "/oauth2/v4/token") {
            return self.token(request);
        }
        let project = request
            .path
            .strip_prefix("/compute/v1/projects/")
            .and_then(|rest| rest.trim_end_matches('/').strip_suffix("/regions"));
        match project {
            Some(project)
                if request.method.eq_ignore_ascii_case("GET") && !project.contains('/') =>
            {
                self.regions(request, project)
            }
            _ => error(
                404,
                "NOT_FOUND",
                &format!("No route for {} {}", request.method, request.path),
            ),
        }
    }

    fn config_section(&self) -> serde_yaml::Mapping {
        let mut creds = serde_yaml::Mapping::new();
        creds.insert("type".into(), "service_account".into());
        creds.insert(
            "data".into(),
            service_account_json(EMULATOR_CLIENT_EMAIL).into(),
        );
        let mut section = serde_yaml::Mapping::new();
        section.insert("project_id".into(), EMULATOR_PROJECT.into());
        section.insert("creds".into(), serde_yaml::Value::Mapping(creds));
        section
    }

    fn error_response(&self, status: u16, message: &str) -> EmuResponse {
        let name = match status {
            401 => "UNAUTHENTICATED",
            403 => "PERMISSION_DENIED",
            404 => "NOT_FOUND",
            429 => "RESOURCE_EXHAUSTED",
            503 => "UNAVAILABLE",
            500..=599 => "INTERNAL",
            _ => "INVALID_ARGUMENT",
        };
        error(status, name, message)
    }
}

regionkit_emulator::inventory::submit! {
    regionkit_emulator::EmulatorRegistration::new(crate::BACKEND, || Box::new(GcpEmulator::default()))
}
