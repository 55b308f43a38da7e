//! EC2's Query API: `DescribeRegions` with `AllRegions=true`, signed with SigV4.
//!
//! The request is a form-encoded `POST /` (`Action=DescribeRegions&Version=2016-11-15&
//! AllRegions=true`), the way the AWS SDKs send it. Answers are XML:
//! `DescribeRegionsResponse/regionInfo/item/{regionName, regionEndpoint, optInStatus,
//! geographySet/item/name}`; errors are `Response/Errors/Error/{Code, Message}` with
//! `RequestID`, classified by `Code`. The call does not page.

use std::time::SystemTime;

use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4;
use quick_xml::events::Event;
use regionkit_core::{DiscoveryContext, Endpoint, HttpResponse, ProviderError, ProviderErrorKind};
use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::credential::CredentialSource;
use crate::BACKEND;

/// The EC2 API version every Query request names.
pub const API_VERSION: &str = "2016-11-15";

/// SigV4 signing name of EC2.
const SIGNING_NAME: &str = "ec2";

const FORM_CONTENT_TYPE: &str = "application/x-www-form-urlencoded; charset=utf-8";

/// `DescribeRegionsResponse`.
#[derive(Debug, Deserialize)]
pub struct DescribeRegionsResponse {
    #[serde(rename = "requestId", default)]
    pub request_id: Option<String>,
    #[serde(rename = "regionInfo")]
    pub region_info: RegionInfo,
}

/// `regionInfo`: a list of `item`s, empty when the account sees no region.
#[derive(Debug, Default, Deserialize)]
pub struct RegionInfo {
    #[serde(rename = "item", default)]
    pub items: Vec<ApiRegion>,
}

/// `Region` of the EC2 model.
#[derive(Clone, Debug, Deserialize)]
pub struct ApiRegion {
    #[serde(rename = "regionName")]
    pub region_name: String,
    #[serde(rename = "regionEndpoint", default)]
    pub region_endpoint: Option<String>,
    /// `opt-in-not-required`, `opted-in` or `not-opted-in`.
    #[serde(rename = "optInStatus", default)]
    pub opt_in_status: Option<String>,
    #[serde(rename = "geographySet", default)]
    pub geography_set: Option<GeographySet>,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct GeographySet {
    #[serde(rename = "item", default)]
    pub items: Vec<Geography>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Geography {
    pub name: String,
}

/// The EC2 error body: `Response/Errors/Error` and `RequestID` (capital ID).
#[derive(Debug, Deserialize)]
struct ErrorResponse {
    #[serde(rename = "Errors")]
    errors: Errors,
    #[serde(rename = "RequestID", default)]
    request_id: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Errors {
    #[serde(rename = "Error", default)]
    errors: Vec<ApiError>,
}

#[derive(Debug, Deserialize)]
struct ApiError {
    #[serde(rename = "Code")]
    code: String,
    #[serde(rename = "Message", default)]
    message: Option<String>,
}

/// A signing client for one EC2 endpoint.
#[derive(Debug)]
pub struct Ec2Client {
    endpoint: Endpoint,
    signing_region: String,
    credentials: CredentialSource,
}

impl Ec2Client {
    pub fn new(endpoint: Endpoint, signing_region: String, credentials: CredentialSource) -> Self {
        Self {
            endpoint,
            signing_region,
            credentials,
        }
    }

    /// Every region of the caller's partition, enabled or not.
    pub async fn describe_regions(
        &self,
        ctx: &DiscoveryContext,
    ) -> Result<Vec<ApiRegion>, ProviderError> {
        let response = self
            .call(
                ctx,
                &[
                    ("Action", "DescribeRegions"),
                    ("Version", API_VERSION),
                    ("AllRegions", "true"),
                ],
            )
            .await?;
        let parsed: DescribeRegionsResponse =
            decode_xml(&response.body, "DescribeRegionsResponse")?;
        for (index, region) in parsed.region_info.items.iter().enumerate() {
            if region.region_name.trim().is_empty() {
                return Err(ProviderError::bad_response(
                    BACKEND,
                    format!("`regionInfo.item[{index}].regionName` is empty"),
                ));
            }
        }
        Ok(parsed.region_info.items)
    }

    /// One signed Query call: a form-encoded `POST /`.
    async fn call(
        &self,
        ctx: &DiscoveryContext,
        params: &[(&str, &str)],
    ) -> Result<HttpResponse, ProviderError> {
        let url = self.endpoint.join("");
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(params)
            .finish();
        let credentials = self.credentials.credentials(ctx.deadline()).await?;
        let identity = credentials.into();
        let signing_params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.signing_region)
            .name(SIGNING_NAME)
            .time(SystemTime::now())
            .settings(SigningSettings::default())
            .build()
            .map_err(|e| signing_error(&e))?
            .into();
        let headers = [("content-type", FORM_CONTENT_TYPE)];
        let signable = SignableRequest::new(
            "POST",
            url.as_str(),
            headers.iter().copied(),
            SignableBody::Bytes(body.as_bytes()),
        )
        .map_err(|e| signing_error(&e))?;
        let (instructions, _signature) = sign(signable, &signing_params)
            .map_err(|e| signing_error(&e))?
            .into_parts();
        let mut request = ctx
            .client()
            .post(url.as_str())
            .header(reqwest::header::CONTENT_TYPE, FORM_CONTENT_TYPE);
        for (name, value) in instructions.headers() {
            request = request.header(name, value);
        }
        ctx.send(request.body(body), &classify).await
    }
}

fn signing_error(error: &dyn std::fmt::Display) -> ProviderError {
    ProviderError::new(
        BACKEND,
        ProviderErrorKind::Rejected,
        format!("cannot sign the request with SigV4: {error}"),
    )
}

/// Turn an error response into a classified error, by EC2's `Code` where it gave one.
pub fn classify(response: &HttpResponse) -> ProviderError {
    let Some(ErrorResponse { errors, request_id }) = decode_error(&response.body) else {
        return ProviderError::from_status(
            BACKEND,
            response.status,
            format!("unexpected error body: {}", response.snippet()),
        );
    };
    let Some(first) = errors.errors.first() else {
        return ProviderError::from_status(
            BACKEND,
            response.status,
            format!("an error body with no `Error`: {}", response.snippet()),
        );
    };
    let mut message = first.code.clone();
    if let Some(text) = first.message.as_deref().filter(|m| !m.trim().is_empty()) {
        message.push_str(": ");
        message.push_str(text.trim());
    }
    if let Some(advice) = advice(&first.code) {
        message.push_str(" (");
        message.push_str(advice);
        message.push(')');
    }
    if let Some(id) = request_id.filter(|id| !id.trim().is_empty()) {
        message.push_str(&format!(" [RequestID {}]", id.trim()));
    }
    let kind = kind_of_code(&first.code)
        .unwrap_or_else(|| ProviderErrorKind::from_status(response.status));
    ProviderError::from_status(BACKEND, response.status, message).with_kind(kind)
}

/// The kind an EC2 error code means, where the code is one the API documents.
pub fn kind_of_code(code: &str) -> Option<ProviderErrorKind> {
    Some(match code {
        "AuthFailure"
        | "UnauthorizedOperation"
        | "OptInRequired"
        | "MissingAuthenticationToken"
        | "InvalidClientTokenId" => ProviderErrorKind::Auth,
        "RequestLimitExceeded" => ProviderErrorKind::RateLimited,
        "InternalError" | "Unavailable" => ProviderErrorKind::Unavailable,
        "InvalidParameterValue" => ProviderErrorKind::Rejected,
        _ => return None,
    })
}

/// What the user can do about an error code.
fn advice(code: &str) -> Option<&'static str> {
    Some(match code {
        "AuthFailure" | "InvalidClientTokenId" => {
            "check `creds.access_key` and `creds.secret_key`, and that the endpoint's region is enabled for the account"
        }
        "UnauthorizedOperation" => "the IAM identity needs permission for `ec2:DescribeRegions`",
        "OptInRequired" => "the account is not subscribed to EC2",
        "MissingAuthenticationToken" => "the request was not signed; check `endpoint` points at EC2",
        "RequestLimitExceeded" => "EC2 is throttling this account's API calls",
        _ => return None,
    })
}

/// Decode an XML document whose root element must be `root`. Errors are `bad-response`
/// errors naming the field path (`regionInfo.item[3].regionName`) or the cut-off body.
pub fn decode_xml<T: DeserializeOwned>(body: &[u8], root: &str) -> Result<T, ProviderError> {
    let text = std::str::from_utf8(body).map_err(|e| {
        ProviderError::bad_response(BACKEND, format!("the response is not UTF-8 text ({e})"))
    })?;
    match root_element(text) {
        Ok(found) if found == root => {}
        Ok(found) => {
            return Err(ProviderError::bad_response(
                BACKEND,
                format!("expected an XML <{root}> document, got <{found}>"),
            ))
        }
        Err(what) => {
            return Err(ProviderError::bad_response(
                BACKEND,
                format!(
                    "expected an XML <{root}> document, but {what}: {}",
                    snippet(text)
                ),
            ))
        }
    }
    let mut deserializer = quick_xml::de::Deserializer::from_str(text);
    serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
        let path = e.path().to_string();
        let what = match e.into_inner() {
            quick_xml::DeError::UnexpectedEof => {
                "the response ends early (truncated XML)".to_owned()
            }
            quick_xml::DeError::InvalidXml(inner) => {
                format!("the response is not well-formed XML ({inner}); it may be cut off")
            }
            other if path == "." => format!("unexpected <{root}> shape: {other}"),
            other => format!("unexpected <{root}> shape at `{path}`: {other}"),
        };
        ProviderError::bad_response(BACKEND, what)
    })
}

fn decode_error(body: &[u8]) -> Option<ErrorResponse> {
    let text = std::str::from_utf8(body).ok()?;
    if root_element(text).ok()? != "Response" {
        return None;
    }
    quick_xml::de::from_str(text).ok()
}

/// The name of the document's root element, or what the text is instead.
fn root_element(text: &str) -> Result<String, &'static str> {
    let mut reader = quick_xml::Reader::from_str(text);
    reader.config_mut().trim_text(true);
    loop {
        match reader.read_event() {
            Ok(Event::Start(element) | Event::Empty(element)) => {
                return Ok(element.local_name().as_ref().to_owned())
            }
            Ok(Event::Decl(_) | Event::Comment(_) | Event::PI(_) | Event::DocType(_)) => {}
            Ok(Event::Text(t)) if t.trim().is_empty() => {}
            Ok(Event::Eof) => return Err("the body is empty"),
            Ok(_) => return Err("the body is not XML"),
            Err(_) => return Err("the body is not well-formed XML"),
        }
    }
}

fn snippet(text: &str) -> String {
    let text = text.trim();
    match text.char_indices().nth(120) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_error_code_has_a_kind() {
        let expected = [
            ("AuthFailure", ProviderErrorKind::Auth),
            ("UnauthorizedOperation", ProviderErrorKind::Auth),
            ("OptInRequired", ProviderErrorKind::Auth),
            ("MissingAuthenticationToken", ProviderErrorKind::Auth),
            ("InvalidClientTokenId", ProviderErrorKind::Auth),
            ("InvalidParameterValue", ProviderErrorKind::Rejected),
            ("RequestLimitExceeded", ProviderErrorKind::RateLimited),
            ("InternalError", ProviderErrorKind::Unavailable),
            ("Unavailable", ProviderErrorKind::Unavailable),
        ];
        for (code, kind) in expected {
            assert_eq!(kind_of_code(code), Some(kind), "{code}");
        }
        assert_eq!(kind_of_code("SomethingNew"), None);
    }

    #[test]
    fn the_documented_sample_parses_with_its_opt_in_states() {
        let body = br#"<?xml version="1.0" encoding="UTF-8"?>
<DescribeRegionsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>3b2c8f1e-0000-4000-8000-000000000001</requestId>
  <regionInfo>
    <item><regionName>us-east-1</regionName><regionEndpoint>ec2.us-east-1.amazonaws.com</regionEndpoint><optInStatus>opt-in-not-required</optInStatus>
      <geographySet><item><name>United States of America</name></item></geographySet></item>
    <item><regionName>ap-southeast-7</regionName><regionEndpoint>ec2.ap-southeast-7.amazonaws.com</regionEndpoint><optInStatus>not-opted-in</optInStatus></item>
  </regionInfo>
</DescribeRegionsResponse>"#;
        let parsed: DescribeRegionsResponse = decode_xml(body, "DescribeRegionsResponse").unwrap();
        let items = parsed.region_info.items;
        assert_eq!(items.len(), 2);
        assert_eq!(items[1].region_name, "ap-southeast-7");
        assert_eq!(items[1].opt_in_status.as_deref(), Some("not-opted-in"));
        assert_eq!(
            items[0].geography_set.as_ref().unwrap().items[0].name,
            "United States of America"
        );
    }

    #[test]
    fn a_missing_region_name_is_named_by_its_path() {
        let body = b"<DescribeRegionsResponse><regionInfo><item><regionName>us-east-1</regionName></item><item><optInStatus>opted-in</optInStatus></item></regionInfo></DescribeRegionsResponse>";
        let err =
            decode_xml::<DescribeRegionsResponse>(body, "DescribeRegionsResponse").unwrap_err();
        assert_eq!(err.kind, ProviderErrorKind::BadResponse);
        assert!(err.message.contains("regionName"), "{}", err.message);
    }
}
