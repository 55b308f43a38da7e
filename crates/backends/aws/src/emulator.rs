//! An emulator of EC2's Query API for tests and `regionkit demo`.
//!
//! It answers `Action=DescribeRegions&Version=2016-11-15` (form-encoded `POST /` or
//! `GET /?...`) in EC2's XML shape, with the commercial partition's real region names and a
//! mix of opt-in states, and EC2's XML error body. It checks the SigV4 `Authorization`
//! header: the access key must be one of the emulator's, and the signature must be the one
//! the emulator's secret key gives for the request as received, on the path as sent (with
//! the emulator's `/aws` prefix, and with or without a trailing `/`, as EC2 would see it).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4;
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

/// Recompute the signature of the request as received and compare.
fn signature_matches(request: &EmuRequest, auth: &Authorization<'_>) -> bool {
    let Some(amz_date) = request.header("x-amz-date") else {
        return false;
    };
    let Some(time) = parse_amz_date(amz_date) else {
        return false;
    };
    if !amz_date.starts_with(auth.date) {
        return false;
    }
    let Some(host) = request.header("host") else {
        return false;
    };
    // The signer adds these two itself, from the time and the credentials.
    let mut headers = Vec::new();
    for name in &auth.signed_headers {
        if matches!(*name, "x-amz-date" | "x-amz-security-token") {
            continue;
        }
        let Some(value) = request.header(name) else {
            return false;
        };
        headers.push((*name, value));
    }
    // The canonical URI is the path exactly as the client sent it: `/aws` and `/aws/` are
    // different paths, and a client whose endpoint is `http://HOST/aws` signs the first.
    let mut url = format!("http://{host}{}", request.raw_path);
    if !request.query.is_empty() {
        let query = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(&request.query)
            .finish();
        url.push('?');
        url.push_str(&query);
    }
    let identity = Credentials::new(
        auth.access_key,
        EMULATOR_SECRET_KEY,
        request.header("x-amz-security-token").map(str::to_owned),
        None,
        "regionkit-emulator",
    )
    .into();
    let Ok(params) = v4::SigningParams::builder()
        .identity(&identity)
        .region(auth.region)
        .name(auth.service)
        .time(time)
        .settings(SigningSettings::default())
        .build()
    else {
        return false;
    };
    let params = params.into();
    let Ok(signable) = SignableRequest::new(
        request.method.as_str(),
        url,
        headers.into_iter(),
        SignableBody::Bytes(&request.body),
    ) else {
        return false;
    };
    sign(signable, &params)
        .map(|output| output.signature() == auth.signature)
        .unwrap_or(false)
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

    #[test]
    fn amz_dates_are_read_as_utc() {
        let time = parse_amz_date("20260807T120000Z").unwrap();
        let seconds = time.duration_since(UNIX_EPOCH).unwrap().as_secs();
        assert_eq!(seconds, 1_786_104_000);
        assert!(parse_amz_date("2026-08-07T12:00:00Z").is_none());
        assert!(parse_amz_date("20261307T120000Z").is_none());
    }
}
