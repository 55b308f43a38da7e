//! OCI's Identity API: `ListRegions` and `ListRegionSubscriptions`, each request signed.
//!
//! Both answers are bare JSON arrays and neither call pages (the API takes no `limit` or
//! `page` for them). Errors are `{"code", "message"}` and are classified by `code`; the
//! `opc-request-id` of a failed call is kept in the message, as Oracle asks for it in support
//! requests.

use std::time::SystemTime;

use regionkit_core::{DiscoveryContext, Endpoint, HttpResponse, ProviderError, ProviderErrorKind};
use serde::Deserialize;
use url::Url;

use crate::credential::ApiKey;
use crate::BACKEND;

/// The Identity API version in every path.
pub const API_VERSION: &str = "20160918";

/// `Region` of ListRegions: every region of the realm, subscribed or not.
#[derive(Clone, Debug, Deserialize)]
pub struct ApiRegion {
    /// Upper-case short key (`IAD`).
    pub key: String,
    /// Region name (`us-ashburn-1`).
    pub name: String,
}

/// `RegionSubscription` of ListRegionSubscriptions.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegionSubscription {
    pub region_key: String,
    pub region_name: String,
    /// `READY` or `IN_PROGRESS`.
    pub status: String,
    pub is_home_region: bool,
}

impl RegionSubscription {
    pub fn is_ready(&self) -> bool {
        self.status.eq_ignore_ascii_case("READY")
    }
}

#[derive(Debug, Deserialize)]
struct ApiError {
    code: String,
    message: String,
}

/// A client for one tenancy's Identity API, signing with its API key.
#[derive(Clone, Debug)]
pub struct OciClient {
    endpoint: Endpoint,
    key: ApiKey,
}

impl OciClient {
    pub fn new(endpoint: Endpoint, key: ApiKey) -> Self {
        Self { endpoint, key }
    }

    /// ListRegions: `GET /20160918/regions`.
    pub async fn regions(&self, ctx: &DiscoveryContext) -> Result<Vec<ApiRegion>, ProviderError> {
        let url = self.url(&[API_VERSION, "regions"])?;
        self.get(ctx, url).await?.json(BACKEND)
    }

    /// ListRegionSubscriptions: `GET /20160918/tenancies/{tenancyId}/regionSubscriptions`.
    pub async fn region_subscriptions(
        &self,
        ctx: &DiscoveryContext,
    ) -> Result<Vec<RegionSubscription>, ProviderError> {
        let url = self.url(&[
            API_VERSION,
            "tenancies",
            &self.key.tenancy,
            "regionSubscriptions",
        ])?;
        self.get(ctx, url).await?.json(BACKEND)
    }

    /// The endpoint with `segments` appended, each percent-encoded as a path segment.
    fn url(&self, segments: &[&str]) -> Result<Url, ProviderError> {
        let invalid = |what: String| ProviderError::new(BACKEND, ProviderErrorKind::Rejected, what);
        let mut url = Url::parse(self.endpoint.as_str())
            .map_err(|e| invalid(format!("the endpoint is not a URL: {e}")))?;
        url.path_segments_mut()
            .map_err(|()| invalid("the endpoint cannot take a path".to_owned()))?
            .pop_if_empty()
            .extend(segments);
        Ok(url)
    }

    async fn get(&self, ctx: &DiscoveryContext, url: Url) -> Result<HttpResponse, ProviderError> {
        let date = httpdate::fmt_http_date(SystemTime::now());
        let signed = self
            .key
            .signer
            .sign("GET", &url, &date, None)
            .map_err(|e| {
                ProviderError::new(
                    BACKEND,
                    ProviderErrorKind::Rejected,
                    format!("cannot sign the request: {e}"),
                )
            })?;
        let mut request = ctx
            .client()
            .get(url)
            .header(reqwest::header::ACCEPT, "application/json");
        for (name, value) in signed.iter() {
            request = request.header(name, value);
        }
        ctx.send(request, &classify).await
    }
}

/// Turn an error response into a classified error, by OCI's `code` where it gave one.
pub fn classify(response: &HttpResponse) -> ProviderError {
    let request_id = response
        .headers
        .get("opc-request-id")
        .and_then(|v| v.to_str().ok())
        .map(|id| format!(" (opc-request-id {id})"))
        .unwrap_or_default();
    let Ok(error) = serde_json::from_slice::<ApiError>(&response.body) else {
        return ProviderError::from_status(
            BACKEND,
            response.status,
            format!("unexpected error body: {}{request_id}", response.snippet()),
        );
    };
    let (kind, advice) = match error.code.as_str() {
        "NotAuthenticated" => (
            ProviderErrorKind::Auth,
            " (check user, tenancy, fingerprint and key, and that the clock is within 5 minutes)",
        ),
        "NotAuthorizedOrNotFound" => (
            ProviderErrorKind::Auth,
            " (check the tenancy OCID and that the user may inspect the tenancy's regions)",
        ),
        "NotAllowed" | "SignUpRequired" => (ProviderErrorKind::Auth, ""),
        "TooManyRequests" => (ProviderErrorKind::RateLimited, ""),
        "IncorrectState" | "InternalServerError" | "ServiceUnavailable" => {
            (ProviderErrorKind::Unavailable, "")
        }
        "InvalidParameter" | "LimitExceeded" | "QuotaExceeded" => (ProviderErrorKind::Rejected, ""),
        _ => (ProviderErrorKind::from_status(response.status), ""),
    };
    ProviderError::from_status(
        BACKEND,
        response.status,
        format!("{}: {}{advice}{request_id}", error.code, error.message),
    )
    .with_kind(kind)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests fail loudly")]
mod tests {
    use super::*;

    fn response(status: u16, body: &str) -> HttpResponse {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("opc-request-id", "req-1234".parse().unwrap());
        HttpResponse {
            status,
            headers,
            body: body.as_bytes().to_vec().into(),
        }
    }

    #[test]
    fn incorrect_state_is_temporary() {
        let err = classify(&response(
            409,
            r#"{"code":"IncorrectState","message":"The resource is in a conflicting state."}"#,
        ));
        assert_eq!(err.kind, ProviderErrorKind::Unavailable);
        assert!(err.is_temporary());
    }

    #[test]
    fn invalid_parameter_is_a_rejection_with_the_request_id() {
        let err = classify(&response(
            400,
            r#"{"code":"InvalidParameter","message":"Invalid tenancyId"}"#,
        ));
        assert_eq!(err.kind, ProviderErrorKind::Rejected);
        assert!(err.message.contains("InvalidParameter: Invalid tenancyId"));
        assert!(err.message.contains("opc-request-id req-1234"));
    }

    #[test]
    fn limit_and_quota_codes_are_rejections() {
        for code in ["LimitExceeded", "QuotaExceeded"] {
            let body = format!(r#"{{"code":"{code}","message":"over"}}"#);
            assert_eq!(
                classify(&response(400, &body)).kind,
                ProviderErrorKind::Rejected
            );
        }
    }

    #[test]
    fn not_authorized_or_not_found_is_an_auth_error_with_advice() {
        let err = classify(&response(
            404,
            r#"{"code":"NotAuthorizedOrNotFound","message":"Authorization failed or requested resource not found."}"#,
        ));
        assert_eq!(err.kind, ProviderErrorKind::Auth);
        assert!(err.message.contains("tenancy OCID"), "{}", err.message);
    }

    #[test]
    fn sign_up_required_is_an_auth_error() {
        let err = classify(&response(
            403,
            r#"{"code":"SignUpRequired","message":"This operation requires the tenancy to be signed up."}"#,
        ));
        assert_eq!(err.kind, ProviderErrorKind::Auth);
    }

    #[test]
    fn a_body_that_is_not_oci_shaped_falls_back_to_the_status() {
        let err = classify(&response(502, "<html>Bad Gateway</html>"));
        assert_eq!(err.kind, ProviderErrorKind::Unavailable);
        assert!(err.message.contains("Bad Gateway"));
    }
}
