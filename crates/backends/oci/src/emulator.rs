//! An emulator of OCI's Identity API for tests and `regionkit demo`.
//!
//! It serves ListRegions (every region of the commercial realm) and ListRegionSubscriptions
//! for one tenancy, in the documented bare-array shapes with real region names, and answers
//! errors as `{"code", "message"}` with an `opc-request-id` header. Each request must carry a
//! "Signature version 1" `Authorization` header with the emulator's key id, a date within
//! five minutes, and a signature that verifies with the emulator's public key.
//!
//! The emulated tenancy: home region `us-ashburn-1`; `eu-frankfurt-1` and `us-phoenix-1`
//! ready; `us-chicago-1` (an image region) and `ap-tokyo-1` still `IN_PROGRESS`;
//! `eu-amsterdam-1` and `ap-osaka-1` ready but outside the image regions.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use regionkit_emulator::{EmuRequest, EmuResponse, EmulatedApi};
use rsa::pkcs1v15::{Signature, VerifyingKey};
use rsa::signature::Verifier;
use serde_json::{json, Value};
use sha2::Sha256;

use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs8::DecodePrivateKey;

use crate::client::API_VERSION;

/// The tenancy the emulator serves.
pub const EMULATOR_TENANCY: &str =
    "ocid1.tenancy.oc1..aaaaaaaaemu4regionkit7tenancy2q5x3v6n8b4m1k9j7h5g3f2d4s6a8z";
/// The user whose API key the emulator accepts.
pub const EMULATOR_USER: &str =
    "ocid1.user.oc1..aaaaaaaaemu4regionkit7user9w2e4r6t8y1u3i5o7p9a2s4d6f8g0h2j";
/// The region the emulator's credentials name.
pub const EMULATOR_REGION: &str = "us-ashburn-1";
/// The MD5 fingerprint of [`EMULATOR_KEY_PEM`]'s public key.
pub const EMULATOR_FINGERPRINT: &str = "73:61:a2:21:67:e0:df:be:7e:4b:93:1e:15:98:a5:b7";
/// The emulator's API signing key: the 1024-bit example key of Oracle's request-signing
/// documentation, public test material that signs nothing real.
pub const EMULATOR_KEY_PEM: &str = "-----BEGIN RSA PRIVATE KEY-----
MIICXgIBAAKBgQDCFENGw33yGihy92pDjZQhl0C36rPJj+CvfSC8+q28hxA161QF
NUd13wuCTUcq0Qd2qsBe/2hFyc2DCJJg0h1L78+6Z4UMR7EOcpfdUE9Hf3m/hs+F
UR45uBJeDK1HSFHD8bHKD6kv8FPGfJTotc+2xjJwoYi+1hqp1fIekaxsyQIDAQAB
AoGBAJR8ZkCUvx5kzv+utdl7T5MnordT1TvoXXJGXK7ZZ+UuvMNUCdN2QPc4sBiA
QWvLw1cSKt5DsKZ8UETpYPy8pPYnnDEz2dDYiaew9+xEpubyeW2oH4Zx71wqBtOK
kqwrXa/pzdpiucRRjk6vE6YY7EBBs/g7uanVpGibOVAEsqH1AkEA7DkjVH28WDUg
f1nqvfn2Kj6CT7nIcE3jGJsZZ7zlZmBmHFDONMLUrXR/Zm3pR5m0tCmBqa5RK95u
412jt1dPIwJBANJT3v8pnkth48bQo/fKel6uEYyboRtA5/uHuHkZ6FQF7OUkGogc
mSJluOdc5t6hI1VsLn0QZEjQZMEOWr+wKSMCQQCC4kXJEsHAve77oP6HtG/IiEn7
kpyUXRNvFsDE0czpJJBvL/aRFUJxuRK91jhjC68sA7NsKMGg5OXb5I5Jj36xAkEA
gIT7aFOYBFwGgQAQkWNKLvySgKbAZRTeLBacpHMuQdl1DfdntvAyqpAZ0lY0RKmW
G6aFKaqQfOXKCyWoUiVknQJAXrlgySFci/2ueKlIE1QqIiLSZ8V8OlpFLRnb1pzI
7U1yQXnTAEFYM560yJlzUpOb1V4cScGd365tiSMvxLOvTA==
-----END RSA PRIVATE KEY-----
";

/// The tenancy's subscriptions: (region name, region key, status, home).
const SUBSCRIPTIONS: &[(&str, &str, &str, bool)] = &[
    ("us-ashburn-1", "IAD", "READY", true),
    ("eu-frankfurt-1", "FRA", "READY", false),
    ("us-phoenix-1", "PHX", "READY", false),
    ("us-chicago-1", "ORD", "IN_PROGRESS", false),
    ("ap-tokyo-1", "NRT", "IN_PROGRESS", false),
    ("eu-amsterdam-1", "AMS", "READY", false),
    ("ap-osaka-1", "KIX", "READY", false),
];

/// Largest clock difference OCI accepts on a signed request.
const MAX_SKEW: Duration = Duration::from_secs(5 * 60);

/// `<tenancy>/<user>/<fingerprint>`, the key id the emulator accepts.
pub fn emulator_key_id() -> String {
    format!("{EMULATOR_TENANCY}/{EMULATOR_USER}/{EMULATOR_FINGERPRINT}")
}

/// A second tenancy whose API key is valid but whose policies let the user inspect nothing:
/// OCI answers its region subscriptions with the deliberately ambiguous 404
/// `NotAuthorizedOrNotFound`, exactly as for a tenancy that does not exist.
pub const NO_POLICY_TENANCY: &str =
    "ocid1.tenancy.oc1..aaaaaaaanopolicy4regionkit7tenancy2q5x3v6n8b4m1k9j7h5g3f2d";

fn no_policy_key_id() -> String {
    format!("{NO_POLICY_TENANCY}/{EMULATOR_USER}/{EMULATOR_FINGERPRINT}")
}

#[derive(Debug)]
pub struct OciEmulator {
    verifying_key: Option<VerifyingKey<Sha256>>,
    requests: AtomicU64,
}

impl Default for OciEmulator {
    fn default() -> Self {
        // Read with the `rsa` crate directly: the emulator shares no code with the client's
        // signer, so a mistake there cannot pass here too.
        let verifying_key = rsa::PrivateKey::from_pkcs1_pem(EMULATOR_KEY_PEM)
            .or_else(|_| rsa::PrivateKey::from_pkcs8_pem(EMULATOR_KEY_PEM))
            .ok()
            .map(|key| VerifyingKey::new(key.to_public_key()));
        Self {
            verifying_key,
            requests: AtomicU64::new(0),
        }
    }
}

impl OciEmulator {
    fn error(&self, status: u16, code: &str, message: &str) -> EmuResponse {
        self.tagged(EmuResponse::json(
            status,
            &json!({ "code": code, "message": message }),
        ))
    }

    /// Every OCI response carries an `opc-request-id`.
    fn tagged(&self, response: EmuResponse) -> EmuResponse {
        let n = self.requests.fetch_add(1, Ordering::Relaxed);
        response.with_header(
            "opc-request-id",
            &format!(
                "EMU{n:012X}/REGIONKIT/{:08X}",
                n.wrapping_mul(2_654_435_761)
            ),
        )
    }

    /// Check the `Authorization` header as OCI does; the error says what is wrong.
    fn authenticate(&self, request: &EmuRequest) -> Result<(), String> {
        let header = request
            .header("authorization")
            .ok_or("the request has no Authorization header")?;
        let params = header
            .strip_prefix("Signature ")
            .map(parse_signature_params)
            .ok_or("the Authorization header is not an HTTP signature")?;
        let param = |name: &str| {
            params
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        if param("version") != Some("1") {
            return Err("the signature version must be \"1\"".to_owned());
        }
        if param("algorithm") != Some("rsa-sha256") {
            return Err("the signature algorithm must be rsa-sha256".to_owned());
        }
        let key_id = param("keyId");
        if key_id != Some(emulator_key_id().as_str()) && key_id != Some(no_policy_key_id().as_str())
        {
            return Err("the keyId is not tenancy/user/fingerprint of a known API key".to_owned());
        }
        let signed: Vec<&str> = param("headers")
            .unwrap_or("date")
            .split_whitespace()
            .collect();
        for required in ["(request-target)", "host"] {
            if !signed.contains(&required) {
                return Err(format!("the signature must cover `{required}`"));
            }
        }
        let date_header = ["date", "x-date"]
            .into_iter()
            .find(|h| signed.contains(h))
            .ok_or("the signature must cover `date` or `x-date`")?;
        let date = request
            .header(date_header)
            .and_then(|d| httpdate::parse_http_date(d).ok())
            .ok_or("the signed date is missing or not an HTTP date")?;
        let skew = match date.duration_since(SystemTime::now()) {
            Ok(ahead) => ahead,
            Err(behind) => behind.duration(),
        };
        if skew > MAX_SKEW {
            return Err(
                "the date differs from the server's clock by more than 5 minutes".to_owned(),
            );
        }
        let target = request_target(request);
        let mut lines = Vec::new();
        for name in &signed {
            let value = if *name == "(request-target)" {
                target.as_str()
            } else {
                request
                    .header(name)
                    .ok_or_else(|| format!("the signed header `{name}` is not on the request"))?
            };
            lines.push((*name, value));
        }
        let signature = param("signature")
            .and_then(|s| BASE64.decode(s).ok())
            .and_then(|bytes| Signature::try_from(bytes.as_slice()).ok())
            .ok_or("the signature is not base64 of an RSA signature")?;
        let key = self
            .verifying_key
            .as_ref()
            .ok_or("the emulator cannot read its own key")?;
        key.verify(signed_text(&lines).as_bytes(), &signature)
            .map_err(|_| "the signature does not match the request".to_owned())
    }
}

/// The text an OCI signature covers, as Oracle's request-signing documentation defines it:
/// each signed header as `name: value`, in the order of the `headers` parameter, joined by
/// newlines, with no newline after the last.
fn signed_text(lines: &[(&str, &str)]) -> String {
    let mut text = String::new();
    for (i, (name, value)) in lines.iter().enumerate() {
        if i > 0 {
            text.push('\n');
        }
        text.push_str(name);
        text.push_str(": ");
        text.push_str(value);
    }
    text
}

/// `(request-target)` as the client saw it: the emulator host mounts this API under `/oci`.
fn request_target(request: &EmuRequest) -> String {
    let mut target = format!(
        "{} /{}{}",
        request.method.to_ascii_lowercase(),
        crate::BACKEND,
        request.path
    );
    if !request.query.is_empty() {
        let query: Vec<String> = request
            .query
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        target.push('?');
        target.push_str(&query.join("&"));
    }
    target
}

/// `k="v",k="v"` pairs of a signature header.
fn parse_signature_params(text: &str) -> Vec<(String, String)> {
    let mut params = Vec::new();
    let mut rest = text;
    while let Some((key, after)) = rest.split_once('=') {
        let Some(after) = after.strip_prefix('"') else {
            break;
        };
        let Some((value, tail)) = after.split_once('"') else {
            break;
        };
        params.push((
            key.trim_matches(|c: char| c == ',' || c.is_whitespace())
                .to_owned(),
            value.to_owned(),
        ));
        rest = tail;
    }
    params
}

/// The commercial realm's regions as ListRegions names them (key, name), from Oracle's
/// published region list (oci-python-sdk `regions_definitions.py`, 2026-07-21), in its own
/// copy: the emulator shares no table with the client.
const COMMERCIAL_REGIONS: &[(&str, &str)] = &[
    ("LEJ", "af-casablanca-1"),
    ("JNB", "af-johannesburg-1"),
    ("HSG", "ap-batam-1"),
    ("YNY", "ap-chuncheon-1"),
    ("ONM", "ap-delhi-1"),
    ("HYD", "ap-hyderabad-1"),
    ("JBP", "ap-kulai-2"),
    ("MEL", "ap-melbourne-1"),
    ("BOM", "ap-mumbai-1"),
    ("KIX", "ap-osaka-1"),
    ("ICN", "ap-seoul-1"),
    ("SIN", "ap-singapore-1"),
    ("XSP", "ap-singapore-2"),
    ("SYD", "ap-sydney-1"),
    ("NRT", "ap-tokyo-1"),
    ("YUL", "ca-montreal-1"),
    ("YYZ", "ca-toronto-1"),
    ("AMS", "eu-amsterdam-1"),
    ("FRA", "eu-frankfurt-1"),
    ("MAD", "eu-madrid-1"),
    ("ORF", "eu-madrid-3"),
    ("MRS", "eu-marseille-1"),
    ("LIN", "eu-milan-1"),
    ("CDG", "eu-paris-1"),
    ("ARN", "eu-stockholm-1"),
    ("NRQ", "eu-turin-1"),
    ("ZRH", "eu-zurich-1"),
    ("MTZ", "il-jerusalem-1"),
    ("AUH", "me-abudhabi-1"),
    ("DXB", "me-dubai-1"),
    ("JED", "me-jeddah-1"),
    ("RUH", "me-riyadh-1"),
    ("MTY", "mx-monterrey-1"),
    ("QRO", "mx-queretaro-1"),
    ("BOG", "sa-bogota-1"),
    ("SCL", "sa-santiago-1"),
    ("GRU", "sa-saopaulo-1"),
    ("VAP", "sa-valparaiso-1"),
    ("VCP", "sa-vinhedo-1"),
    ("CWL", "uk-cardiff-1"),
    ("LHR", "uk-london-1"),
    ("IAD", "us-ashburn-1"),
    ("ORD", "us-chicago-1"),
    ("PHX", "us-phoenix-1"),
    ("AGA", "us-saltlake-2"),
    ("SJC", "us-sanjose-1"),
];

fn regions(empty: bool) -> Value {
    let listed = if empty { &[][..] } else { COMMERCIAL_REGIONS };
    Value::Array(
        listed
            .iter()
            .map(|(key, name)| json!({ "key": key, "name": name }))
            .collect(),
    )
}

fn subscriptions(empty: bool) -> Value {
    let listed = if empty { &[][..] } else { SUBSCRIPTIONS };
    Value::Array(
        listed
            .iter()
            .map(|(name, key, status, home)| {
                json!({ "regionKey": key, "regionName": name, "status": status, "isHomeRegion": home })
            })
            .collect(),
    )
}

impl EmulatedApi for OciEmulator {
    fn handle(&self, request: &EmuRequest) -> EmuResponse {
        if let Err(why) = self.authenticate(request) {
            return self.error(
                401,
                "NotAuthenticated",
                &format!("The required information to complete authentication was not provided or was incorrect: {why}."),
            );
        }
        let segments: Vec<&str> = request.path.trim_matches('/').split('/').collect();
        let get = request.method.eq_ignore_ascii_case("GET");
        match segments.as_slice() {
            [version, "regions"] if get && *version == API_VERSION => {
                self.tagged(EmuResponse::json(200, &regions(request.empty)))
            }
            [version, "tenancies", tenancy, "regionSubscriptions"]
                if get && *version == API_VERSION =>
            {
                if *tenancy == EMULATOR_TENANCY {
                    self.tagged(EmuResponse::json(200, &subscriptions(request.empty)))
                } else {
                    self.error(
                        404,
                        "NotAuthorizedOrNotFound",
                        "Authorization failed or requested resource not found.",
                    )
                }
            }
            _ => self.error(
                404,
                "NotAuthorizedOrNotFound",
                &format!(
                    "Authorization failed or requested resource not found ({} {}).",
                    request.method, request.path
                ),
            ),
        }
    }

    fn config_section(&self) -> serde_yaml::Mapping {
        let mut creds = serde_yaml::Mapping::new();
        creds.insert("type".into(), "client".into());
        creds.insert("user".into(), EMULATOR_USER.into());
        creds.insert("tenancy".into(), EMULATOR_TENANCY.into());
        creds.insert("key_content".into(), EMULATOR_KEY_PEM.into());
        creds.insert("fingerprint".into(), EMULATOR_FINGERPRINT.into());
        creds.insert("region".into(), EMULATOR_REGION.into());
        let mut section = serde_yaml::Mapping::new();
        section.insert("creds".into(), serde_yaml::Value::Mapping(creds));
        section
    }

    fn error_response(&self, status: u16, message: &str) -> EmuResponse {
        let code = match status {
            400 => "InvalidParameter",
            401 => "NotAuthenticated",
            403 => "NotAllowed",
            404 => "NotAuthorizedOrNotFound",
            409 => "IncorrectState",
            429 => "TooManyRequests",
            503 => "ServiceUnavailable",
            _ => "InternalServerError",
        };
        self.error(status, code, message)
    }
}

regionkit_emulator::inventory::submit! {
    regionkit_emulator::EmulatorRegistration::new(crate::BACKEND, || Box::new(OciEmulator::default()))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests fail loudly")]
mod tests {
    use super::*;

    /// Oracle's published example ("Request Signatures"): key, headers, signing string and
    /// signature of its GET request.
    const ORACLE_KEY_PEM: &str = "-----BEGIN RSA PRIVATE KEY-----
MIICXgIBAAKBgQDCFENGw33yGihy92pDjZQhl0C36rPJj+CvfSC8+q28hxA161QF
NUd13wuCTUcq0Qd2qsBe/2hFyc2DCJJg0h1L78+6Z4UMR7EOcpfdUE9Hf3m/hs+F
UR45uBJeDK1HSFHD8bHKD6kv8FPGfJTotc+2xjJwoYi+1hqp1fIekaxsyQIDAQAB
AoGBAJR8ZkCUvx5kzv+utdl7T5MnordT1TvoXXJGXK7ZZ+UuvMNUCdN2QPc4sBiA
QWvLw1cSKt5DsKZ8UETpYPy8pPYnnDEz2dDYiaew9+xEpubyeW2oH4Zx71wqBtOK
kqwrXa/pzdpiucRRjk6vE6YY7EBBs/g7uanVpGibOVAEsqH1AkEA7DkjVH28WDUg
f1nqvfn2Kj6CT7nIcE3jGJsZZ7zlZmBmHFDONMLUrXR/Zm3pR5m0tCmBqa5RK95u
412jt1dPIwJBANJT3v8pnkth48bQo/fKel6uEYyboRtA5/uHuHkZ6FQF7OUkGogc
mSJluOdc5t6hI1VsLn0QZEjQZMEOWr+wKSMCQQCC4kXJEsHAve77oP6HtG/IiEn7
kpyUXRNvFsDE0czpJJBvL/aRFUJxuRK91jhjC68sA7NsKMGg5OXb5I5Jj36xAkEA
gIT7aFOYBFwGgQAQkWNKLvySgKbAZRTeLBacpHMuQdl1DfdntvAyqpAZ0lY0RKmW
G6aFKaqQfOXKCyWoUiVknQJAXrlgySFci/2ueKlIE1QqIiLSZ8V8OlpFLRnb1pzI
7U1yQXnTAEFYM560yJlzUpOb1V4cScGd365tiSMvxLOvTA==
-----END RSA PRIVATE KEY-----
";
    const ORACLE_TARGET: &str = "get /20160918/instances?availabilityDomain=Pjwf%3A%20PHX-AD-1&compartmentId=ocid1.compartment.oc1..aaaaaaaam3we6vgnherjq5q2idnccdflvjsnog7mlr6rtdb25gilchfeyjxa&displayName=TeamXInstances&volumeId=ocid1.volume.oc1.phx.abyhqljrgvttnlx73nmrwfaux7kcvzfs3s66izvxf2h4lgvyndsdsnoiwr5q";
    const ORACLE_SIGNATURE: &str = "GBas7grhyrhSKHP6AVIj/h5/Vp8bd/peM79H9Wv8kjoaCivujVXlpbKLjMPeDUhxkFIWtTtLBj3sUzaFj34XE6YZAHc9r2DmE4pMwOAy/kiITcZxa1oHPOeRheC0jP2dqbTll8fmTZVwKZOKHYPtrLJIJQHJjNvxFWeHQjMaR7M=";

    #[test]
    fn the_emulators_check_accepts_oracles_published_example_and_nothing_else() {
        let lines = [
            ("date", "Thu, 05 Jan 2014 21:31:40 GMT"),
            ("(request-target)", ORACLE_TARGET),
            ("host", "iaas.us-phoenix-1.oraclecloud.com"),
        ];
        let text = signed_text(&lines);
        assert_eq!(
            text,
            format!("date: Thu, 05 Jan 2014 21:31:40 GMT\n(request-target): {ORACLE_TARGET}\nhost: iaas.us-phoenix-1.oraclecloud.com")
        );
        let key = VerifyingKey::<Sha256>::new(
            rsa::PrivateKey::from_pkcs1_pem(ORACLE_KEY_PEM)
                .unwrap()
                .to_public_key(),
        );
        let signature =
            Signature::try_from(BASE64.decode(ORACLE_SIGNATURE).unwrap().as_slice()).unwrap();
        assert!(key.verify(text.as_bytes(), &signature).is_ok());
        let tampered = text.replace("21:31:40", "21:31:41");
        assert!(key.verify(tampered.as_bytes(), &signature).is_err());
    }

    #[test]
    fn signature_parameters_parse_in_any_order() {
        let params = parse_signature_params(
            r#"version="1",headers="date (request-target) host",keyId="a/b/c:d",algorithm="rsa-sha256",signature="x+y/z==""#,
        );
        let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        assert_eq!(get("headers"), Some("date (request-target) host"));
        assert_eq!(get("keyId"), Some("a/b/c:d"));
        assert_eq!(get("signature"), Some("x+y/z=="));
    }

    #[test]
    fn the_emulator_reads_its_own_key() {
        assert!(OciEmulator::default().verifying_key.is_some());
    }
}
