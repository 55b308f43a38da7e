//! An emulator of EC2's Query API for tests and `regionkit demo`.
//!
//! It answers `Action=DescribeRegions&Version=2016-11-15` (form-encoded `POST /` or
//! `GET /?...`) in EC2's XML shape, with the commercial partition's real region names and a
//! mix of opt-in states, and EC2's XML error body. It checks the SigV4 `Authorization`
//! header: the access key must be one of the emulator's, and the signature must be the one
//! the emulator's secret key gives for the request as received, on the path as sent (with
//! the emulator's `/aws` prefix, and with or without a trailing `/`, as EC2 would see it).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use quick_xml::escape::escape;
use regionkit_emulator::{EmuRequest, EmuResponse, EmulatedApi};

use crate::client::API_VERSION;

/// The access key of the emulated account that may call everything. Obviously not real.
pub const EMULATOR_ACCESS_KEY: &str = "AKIAEMULATOREXAMPLE1";
/// The secret key of every emulated access key. Obviously not real.
pub const EMULATOR_SECRET_KEY: &str = "emulator/SECRET/key/not-a-real-aws-key00";
/// An identity whose IAM policy lacks `ec2:DescribeRegions`.
pub const NO_PERMISSION_ACCESS_KEY: &str = "AKIAEMULATORNOPERMS1";
/// An account that is not subscribed to EC2.
pub const NOT_SUBSCRIBED_ACCESS_KEY: &str = "AKIAEMULATOROPTOUT01";
/// An account whose API calls EC2 throttles (`RequestLimitExceeded`, no `Retry-After`).
pub const THROTTLED_ACCESS_KEY: &str = "AKIAEMULATORTHROTTLE";

/// The VPC ids of the config the emulator writes: every pinned region but `eu-north-1`,
/// which `default_vpcs: false` then excludes as `missing-region-config`.
const CONFIGURED_VPCS: &[(&str, &str)] = &[
    ("us-east-1", "vpc-0e1a000000000e001"),
    ("us-east-2", "vpc-0e1a000000000e002"),
    ("us-west-1", "vpc-0e1a000000000e003"),
    ("us-west-2", "vpc-0e1a000000000e004"),
    ("ap-southeast-1", "vpc-0e1a000000000e005"),
    ("ca-central-1", "vpc-0e1a000000000e006"),
    ("eu-central-1", "vpc-0e1a000000000e007"),
    ("eu-west-1", "vpc-0e1a000000000e008"),
    ("eu-west-2", "vpc-0e1a000000000e009"),
    ("eu-west-3", "vpc-0e1a000000000e00a"),
];

const ENABLED: &str = "opt-in-not-required";
const OPTED_IN: &str = "opted-in";
const NOT_OPTED_IN: &str = "not-opted-in";
/// No `optInStatus` element at all: some answers leave it out for regions older than opt-in.
const OMITTED: &str = "";

/// The emulated account's regions: name, opt-in state, geography when EC2 gives one. They are
/// listed in no particular order, as EC2 documents ("the order of items is unspecified"), so
/// that nothing downstream can lean on an alphabetical one.
///
/// `ap-northeast-4` stands for a region AWS opens after the builtin list was taken; the name
/// is hypothetical (it follows the partition's naming rule) so that it shows up as `new`.
const REGIONS: &[(&str, &str, Option<&str>)] = &[
    ("us-east-1", ENABLED, Some("United States of America")),
    ("us-east-2", ENABLED, Some("United States of America")),
    ("us-west-1", OMITTED, Some("United States of America")),
    ("us-west-2", ENABLED, Some("United States of America")),
    ("ca-central-1", ENABLED, Some("Canada")),
    ("ca-west-1", NOT_OPTED_IN, Some("Canada")),
    ("sa-east-1", ENABLED, Some("Brazil")),
    ("eu-central-1", ENABLED, Some("Germany")),
    ("eu-central-2", OPTED_IN, Some("Switzerland")),
    ("eu-north-1", ENABLED, Some("Sweden")),
    ("eu-south-1", NOT_OPTED_IN, Some("Italy")),
    ("eu-south-2", NOT_OPTED_IN, Some("Spain")),
    ("eu-west-1", ENABLED, None),
    ("eu-west-2", ENABLED, Some("United Kingdom")),
    ("eu-west-3", ENABLED, Some("France")),
    ("me-central-1", OPTED_IN, Some("United Arab Emirates")),
    ("me-south-1", NOT_OPTED_IN, Some("Bahrain")),
    ("il-central-1", NOT_OPTED_IN, Some("Israel")),
    ("af-south-1", NOT_OPTED_IN, Some("South Africa")),
    ("ap-east-1", NOT_OPTED_IN, Some("Hong Kong")),
    ("ap-east-2", NOT_OPTED_IN, Some("Taiwan")),
    ("ap-northeast-1", ENABLED, Some("Japan")),
    ("ap-northeast-2", ENABLED, Some("South Korea")),
    ("ap-northeast-3", ENABLED, Some("Japan")),
    ("ap-northeast-4", OPTED_IN, None),
    ("ap-south-1", ENABLED, Some("India")),
    ("ap-south-2", OPTED_IN, Some("India")),
    ("ap-southeast-1", ENABLED, Some("Singapore")),
    ("ap-southeast-2", ENABLED, Some("Australia")),
    ("ap-southeast-3", NOT_OPTED_IN, Some("Indonesia")),
    ("ap-southeast-4", NOT_OPTED_IN, Some("Australia")),
    ("ap-southeast-5", NOT_OPTED_IN, Some("Malaysia")),
    ("ap-southeast-6", NOT_OPTED_IN, Some("New Zealand")),
    ("ap-southeast-7", NOT_OPTED_IN, Some("Thailand")),
    ("mx-central-1", NOT_OPTED_IN, Some("Mexico")),
];

const REQUEST_ID: &str = "3b2c8f1e-0000-4000-8000-00000000e001";

#[derive(Debug, Default)]
pub struct AwsEmulator;

/// What an emulated access key may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Account {
    Full,
    NoPermission,
    NotSubscribed,
    Throttled,
}

fn account_of(access_key: &str) -> Option<Account> {
    match access_key {
        EMULATOR_ACCESS_KEY => Some(Account::Full),
        NO_PERMISSION_ACCESS_KEY => Some(Account::NoPermission),
        NOT_SUBSCRIBED_ACCESS_KEY => Some(Account::NotSubscribed),
        THROTTLED_ACCESS_KEY => Some(Account::Throttled),
        _ => None,
    }
}

/// EC2's error body.
fn error(status: u16, code: &str, message: &str) -> EmuResponse {
    EmuResponse::xml(
        status,
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>{}</Code><Message>{}</Message></Error></Errors><RequestID>{REQUEST_ID}</RequestID></Response>",
            escape(code),
            escape(message)
        ),
    )
}

fn auth_failure() -> EmuResponse {
    error(
        401,
        "AuthFailure",
        "AWS was not able to validate the provided access credentials",
    )
}

/// The parts of an `Authorization: AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…,
/// Signature=…` header.
#[derive(Debug)]
struct Authorization<'a> {
    access_key: &'a str,
    date: &'a str,
    region: &'a str,
    service: &'a str,
    signed_headers: Vec<&'a str>,
    signature: &'a str,
}

fn parse_authorization(value: &str) -> Option<Authorization<'_>> {
    let rest = value.strip_prefix("AWS4-HMAC-SHA256 ")?;
    let (mut credential, mut signed_headers, mut signature) = (None, None, None);
    for part in rest.split(',') {
        let (key, value) = part.trim().split_once('=')?;
        match key {
            "Credential" => credential = Some(value),
            "SignedHeaders" => signed_headers = Some(value),
            "Signature" => signature = Some(value),
            _ => return None,
        }
    }
    let scope: Vec<&str> = credential?.split('/').collect();
    let [access_key, date, region, service, "aws4_request"] = scope[..] else {
        return None;
    };
    Some(Authorization {
        access_key,
        date,
        region,
        service,
        signed_headers: signed_headers?.split(';').collect(),
        signature: signature?,
    })
}

/// `20260807T120000Z` as a time.
fn parse_amz_date(text: &str) -> Option<SystemTime> {
    let digits = |range: std::ops::Range<usize>| -> Option<u64> {
        let part = text.get(range)?;
        part.chars()
            .all(|c| c.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    if text.len() != 16 || text.get(8..9) != Some("T") || text.get(15..16) != Some("Z") {
        return None;
    }
    let (year, month, day) = (digits(0..4)?, digits(4..6)?, digits(6..8)?);
    let (hour, minute, second) = (digits(9..11)?, digits(11..13)?, digits(13..15)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 {
        return None;
    }
    // Days since 1970-01-01 of a proleptic Gregorian date (March-based years).
    let (y, m) = if month <= 2 {
        (year.checked_sub(1)?, month + 9)
    } else {
        (year, month - 3)
    };
    let era = y / 400;
    let year_of_era = y % 400;
    let day_of_year = (153 * m + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    let days = (era * 146_097 + day_of_era).checked_sub(719_468)?;
    let seconds = days * 86_400 + hour * 3_600 + minute * 60 + second;
    Some(UNIX_EPOCH + Duration::from_secs(seconds))
}

/// Recompute the signature of the request as received and compare. The check is written
/// here from AWS's Signature Version 4 documentation, sharing no code with the client's signer
/// (the `aws-sigv4` crate), and tested against AWS's published test suite, so a mistake in
/// one cannot pass the other.
fn signature_matches(request: &EmuRequest, auth: &Authorization<'_>) -> bool {
    let Some(amz_date) = request.header("x-amz-date") else {
        return false;
    };
    if parse_amz_date(amz_date).is_none() || !amz_date.starts_with(auth.date) {
        return false;
    }
    let mut headers = Vec::new();
    for name in &auth.signed_headers {
        let Some(value) = request.header(name) else {
            return false;
        };
        headers.push((*name, value));
    }
    let payload = match request.header("x-amz-content-sha256") {
        Some(hash) => hash.to_owned(),
        None => hex_sha256(&request.body),
    };
    let canonical = CanonicalRequest {
        method: &request.method,
        // The path exactly as the client sent it: `/aws` and `/aws/` are different paths,
        // and a client whose endpoint is `http://HOST/aws` signs the first.
        path: &request.raw_path,
        query: &request.query,
        headers: &headers,
        payload_hash: &payload,
    };
    let scope = Scope {
        date: auth.date,
        region: auth.region,
        service: auth.service,
    };
    sigv4_signature(EMULATOR_SECRET_KEY, amz_date, &scope, &canonical) == auth.signature
}

/// What SigV4 signs of a request.
struct CanonicalRequest<'a> {
    method: &'a str,
    /// As sent, already percent-encoded once.
    path: &'a str,
    query: &'a [(String, String)],
    /// Signed headers: lowercase names and their values.
    headers: &'a [(&'a str, &'a str)],
    payload_hash: &'a str,
}

/// `<date>/<region>/<service>/aws4_request`.
struct Scope<'a> {
    date: &'a str,
    region: &'a str,
    service: &'a str,
}

impl CanonicalRequest<'_> {
    /// The canonical request: method, URI, query, headers, signed header names, payload hash.
    fn text(&self) -> String {
        // Every service but S3 encodes each path segment once more.
        let uri: Vec<String> = self.path.split('/').map(uri_encode).collect();
        let uri = if uri.join("/").is_empty() {
            "/".to_owned()
        } else {
            uri.join("/")
        };
        let mut query: Vec<(String, String)> = self
            .query
            .iter()
            .map(|(k, v)| (uri_encode(k), uri_encode(v)))
            .collect();
        query.sort();
        let query: Vec<String> = query.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let mut headers: Vec<(String, String)> = self
            .headers
            .iter()
            .map(|(name, value)| {
                let value = value.split_whitespace().collect::<Vec<_>>().join(" ");
                (name.to_ascii_lowercase(), value)
            })
            .collect();
        headers.sort();
        let canonical_headers: String = headers
            .iter()
            .map(|(name, value)| format!("{name}:{value}\n"))
            .collect();
        let signed: Vec<&str> = headers.iter().map(|(name, _)| name.as_str()).collect();
        format!(
            "{}\n{uri}\n{}\n{canonical_headers}\n{}\n{}",
            self.method.to_ascii_uppercase(),
            query.join("&"),
            signed.join(";"),
            self.payload_hash
        )
    }
}

/// The hex signature SigV4 gives `request` with `secret` at `amz_date` for `scope`.
fn sigv4_signature(
    secret: &str,
    amz_date: &str,
    scope: &Scope<'_>,
    request: &CanonicalRequest<'_>,
) -> String {
    let string_to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{}/{}/{}/aws4_request\n{}",
        scope.date,
        scope.region,
        scope.service,
        hex_sha256(request.text().as_bytes())
    );
    let key = [scope.date, scope.region, scope.service, "aws4_request"]
        .iter()
        .fold(format!("AWS4{secret}").into_bytes(), |key, part| {
            hmac_sha256(&key, part.as_bytes())
        });
    hex(&hmac_sha256(&key, string_to_sign.as_bytes()))
}

fn hmac_sha256(key: &[u8], data: &[u8]) -> Vec<u8> {
    use hmac::{KeyInit, Mac};
    match hmac::Hmac::<sha2::Sha256>::new_from_slice(key) {
        Ok(mut mac) => {
            mac.update(data);
            mac.finalize().into_bytes().to_vec()
        }
        // HMAC takes a key of any length; this arm is never taken.
        Err(_) => Vec::new(),
    }
}

fn hex_sha256(data: &[u8]) -> String {
    use sha2::Digest;
    hex(&sha2::Sha256::digest(data))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// URI encoding as SigV4 defines it: every byte but the unreserved `A-Z a-z 0-9 - _ . ~`
/// becomes `%XY` with upper-case hex.
fn uri_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The Query parameters: the form body of a POST, the query string of a GET.
fn parameters(request: &EmuRequest) -> Vec<(String, String)> {
    if request.method.eq_ignore_ascii_case("POST") {
        url::form_urlencoded::parse(&request.body)
            .into_owned()
            .collect()
    } else {
        request.query.clone()
    }
}

fn describe_regions(all_regions: bool, empty: bool) -> EmuResponse {
    let mut items = String::new();
    let listed = if empty { &[][..] } else { REGIONS };
    for (name, opt_in, geography) in listed {
        if !all_regions && *opt_in == NOT_OPTED_IN {
            continue;
        }
        items.push_str(&format!(
            "\n        <item>\n            <regionName>{name}</regionName>\n            <regionEndpoint>ec2.{name}.amazonaws.com</regionEndpoint>"
        ));
        if !opt_in.is_empty() {
            items.push_str(&format!(
                "\n            <optInStatus>{opt_in}</optInStatus>"
            ));
        }
        if let Some(geography) = geography {
            items.push_str(&format!(
                "\n            <geographySet>\n                <item><name>{}</name></item>\n            </geographySet>",
                escape(*geography)
            ));
        }
        items.push_str("\n        </item>");
    }
    EmuResponse::xml(
        200,
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<DescribeRegionsResponse xmlns=\"http://ec2.amazonaws.com/doc/{API_VERSION}/\">\n    <requestId>{REQUEST_ID}</requestId>\n    <regionInfo>{items}\n    </regionInfo>\n</DescribeRegionsResponse>\n"
        ),
    )
}

impl EmulatedApi for AwsEmulator {
    fn handle(&self, request: &EmuRequest) -> EmuResponse {
        if !(request.is("POST", "/") || request.is("GET", "/")) {
            return error(
                400,
                "InvalidParameterValue",
                &format!(
                    "EC2's Query API is served at `/`, not {} {}",
                    request.method, request.path
                ),
            );
        }
        let Some(header) = request.header("authorization") else {
            return error(
                401,
                "MissingAuthenticationToken",
                "Request is missing Authentication Token",
            );
        };
        let Some(auth) = parse_authorization(header) else {
            return auth_failure();
        };
        let Some(account) = account_of(auth.access_key) else {
            return auth_failure();
        };
        if auth.service != "ec2" || !signature_matches(request, &auth) {
            return auth_failure();
        }
        match account {
            Account::Full => {}
            Account::NoPermission => {
                return error(
                    403,
                    "UnauthorizedOperation",
                    "You are not authorized to perform this operation.",
                )
            }
            Account::NotSubscribed => {
                return error(
                    403,
                    "OptInRequired",
                    "You are not subscribed to this service. Please go to http://aws.amazon.com to subscribe.",
                )
            }
            Account::Throttled => {
                return error(503, "RequestLimitExceeded", "Request limit exceeded.")
            }
        }
        let params = parameters(request);
        let param = |key: &str| {
            params
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.as_str())
        };
        match param("Action") {
            Some("DescribeRegions") => {}
            Some(other) => {
                return error(
                    400,
                    "InvalidParameterValue",
                    &format!("The action {other} is not valid for this web service."),
                )
            }
            None => {
                return error(
                    400,
                    "InvalidParameterValue",
                    "The request must contain the parameter Action",
                )
            }
        }
        if param("Version") != Some(API_VERSION) {
            return error(
                400,
                "InvalidParameterValue",
                "The request must contain the parameter Version with value 2016-11-15",
            );
        }
        let all_regions = match param("AllRegions") {
            None | Some("false") => false,
            Some("true") => true,
            Some(other) => {
                return error(
                    400,
                    "InvalidParameterValue",
                    &format!("Value ({other}) for parameter AllRegions is invalid."),
                )
            }
        };
        describe_regions(all_regions, request.empty)
    }

    fn config_section(&self) -> serde_yaml::Mapping {
        let mut creds = serde_yaml::Mapping::new();
        creds.insert("type".into(), "access_key".into());
        creds.insert("access_key".into(), EMULATOR_ACCESS_KEY.into());
        creds.insert("secret_key".into(), EMULATOR_SECRET_KEY.into());
        let mut vpc_ids = serde_yaml::Mapping::new();
        for (region, vpc) in CONFIGURED_VPCS {
            vpc_ids.insert((*region).into(), (*vpc).into());
        }
        let mut section = serde_yaml::Mapping::new();
        section.insert("creds".into(), serde_yaml::Value::Mapping(creds));
        section.insert("default_vpcs".into(), false.into());
        section.insert("vpc_ids".into(), serde_yaml::Value::Mapping(vpc_ids));
        section
    }

    fn error_response(&self, status: u16, message: &str) -> EmuResponse {
        let code = match status {
            401 => "AuthFailure",
            403 => "UnauthorizedOperation",
            429 => "RequestLimitExceeded",
            503 => "Unavailable",
            500..=599 => "InternalError",
            _ => "InvalidParameterValue",
        };
        error(status, code, message)
    }
}

regionkit_emulator::inventory::submit! {
    regionkit_emulator::EmulatorRegistration::new(crate::BACKEND, || Box::new(AwsEmulator))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// AWS's published Signature Version 4 test suite (`aws-sig-v4-test-suite`): its
    /// credentials, scope and the expected signatures of two of its requests.
    const SUITE_SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    const SUITE_SCOPE: Scope<'static> = Scope {
        date: "20150830",
        region: "us-east-1",
        service: "service",
    };

    fn suite_signature(query: &[(String, String)]) -> String {
        let payload = hex_sha256(b"");
        let request = CanonicalRequest {
            method: "GET",
            path: "/",
            query,
            headers: &[
                ("host", "example.amazonaws.com"),
                ("x-amz-date", "20150830T123600Z"),
            ],
            payload_hash: &payload,
        };
        sigv4_signature(SUITE_SECRET, "20150830T123600Z", &SUITE_SCOPE, &request)
    }

    #[test]
    fn the_emulators_sigv4_check_reproduces_the_published_test_suite() {
        // get-vanilla
        assert_eq!(
            suite_signature(&[]),
            "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
        );
        // get-vanilla-query-order-key-case: the query is sorted before signing.
        let query = [
            ("Param2".to_owned(), "value2".to_owned()),
            ("Param1".to_owned(), "value1".to_owned()),
        ];
        assert_eq!(
            suite_signature(&query),
            "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"
        );
    }

    #[test]
    fn amz_dates_are_read_as_utc() {
        let time = parse_amz_date("20260807T120000Z").unwrap();
        let seconds = time.duration_since(UNIX_EPOCH).unwrap().as_secs();
        assert_eq!(seconds, 1_786_104_000);
        assert!(parse_amz_date("2026-08-07T12:00:00Z").is_none());
        assert!(parse_amz_date("20261307T120000Z").is_none());
    }
}
