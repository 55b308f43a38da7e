//! Compute Engine's `regions.list` behind an OAuth2 access token.
//!
//! The token comes from the token endpoint, by the JWT bearer grant for a service-account key
//! or the refresh-token grant for gcloud's user credentials, and is kept in core's
//! `TokenCache` until shortly before it expires. `GET compute/v1/projects/{project}/regions`
//! is then read page by page, following `nextPageToken`.
//!
//! Errors: Compute answers Google's JSON envelope `{"error": {"code", "message", "status",
//! "errors": [{"reason"}], "details"}}`, classified by its status name through core's gRPC
//! table; a 403 with reason `rateLimitExceeded` is a rate limit, not a permission. The token
//! endpoint answers OAuth2's `{"error", "error_description"}`. Retries are core's.

use std::fmt;
use std::sync::Arc;

use regionkit_core::http::retry_after;
use regionkit_core::{
    grpc, DiscoveryContext, Endpoint, HttpResponse, IssuedToken, ProviderError, ProviderErrorKind,
    TokenCache,
};
use reqwest::header::CONTENT_TYPE;
use serde::Deserialize;
use serde_json::Value;

use crate::credential::{KeyFile, SCOPE};
use crate::BACKEND;

/// Regions asked for per page, the most Compute allows.
pub const PAGE_SIZE: u32 = 500;

/// Stops an API that keeps handing out page tokens from keeping discovery busy forever.
pub const MAX_PAGES: usize = 50;

/// The fields of each region discovery reads; the rest of the (heavy) answer is left out.
const FIELDS: &str =
    "items(name,status,zones,deprecated(state,replacement),quotas(metric,limit)),nextPageToken";

/// One page of `regions.list`.
#[derive(Debug, Deserialize)]
pub struct RegionList {
    #[serde(default)]
    pub items: Vec<ApiRegion>,
    #[serde(default, rename = "nextPageToken")]
    pub next_page_token: Option<String>,
}

/// A region as `regions.list` describes it.
#[derive(Clone, Debug, Deserialize)]
pub struct ApiRegion {
    pub name: String,
    /// `UP` or `DOWN`.
    #[serde(default)]
    pub status: Option<String>,
    /// Zone URLs; the zone name is the last path segment.
    #[serde(default)]
    pub zones: Vec<String>,
    #[serde(default)]
    pub deprecated: Option<ApiDeprecation>,
    #[serde(default)]
    pub quotas: Vec<ApiQuota>,
}

/// `deprecated`: `state` is `ACTIVE`, `DEPRECATED`, `OBSOLETE` or `DELETED`.
#[derive(Clone, Debug, Deserialize)]
pub struct ApiDeprecation {
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub replacement: Option<String>,
}

/// One quota of a region (`NVIDIA_H100_GPUS`, limit 8).
#[derive(Clone, Debug, Deserialize)]
pub struct ApiQuota {
    #[serde(default)]
    pub metric: String,
    #[serde(default)]
    pub limit: f64,
}

/// An authenticated client for one project.
#[derive(Clone)]
pub struct ComputeClient {
    endpoint: Endpoint,
    token_endpoint: Endpoint,
    project: String,
    key: KeyFile,
    tokens: Arc<TokenCache>,
}

impl fmt::Debug for ComputeClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ComputeClient")
            .field("endpoint", &self.endpoint.as_str())
            .field("token_endpoint", &self.token_endpoint.as_str())
            .field("project", &self.project)
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

impl ComputeClient {
    pub fn new(
        endpoint: Endpoint,
        token_endpoint: Endpoint,
        project: String,
        key: KeyFile,
    ) -> Self {
        Self {
            endpoint,
            token_endpoint,
            project,
            key,
            tokens: Arc::new(TokenCache::new()),
        }
    }

    /// How many token exchanges this client has made.
    pub fn token_exchanges(&self) -> u64 {
        self.tokens.exchanges()
    }

    /// Every region of the project, following `nextPageToken` to the last page.
    pub async fn regions(&self, ctx: &DiscoveryContext) -> Result<Vec<ApiRegion>, ProviderError> {
        let url = self
            .endpoint
            .join(&format!("compute/v1/projects/{}/regions", self.project));
        let mut regions = Vec::new();
        let mut page_token: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let response = self
                .tokens
                .with_token(
                    || self.exchange(ctx),
                    |token| {
                        let mut request = ctx
                            .client()
                            .get(&url)
                            .bearer_auth(token.expose())
                            .query(&[("maxResults", PAGE_SIZE.to_string())])
                            .query(&[("fields", FIELDS)]);
                        if let Some(page_token) = &page_token {
                            request = request.query(&[("pageToken", page_token)]);
                        }
                        async move { ctx.send(request, &classify).await }
                    },
                )
                .await?;
            let page: RegionList = response.json(BACKEND)?;
            regions.extend(page.items);
            match page.next_page_token.filter(|next| !next.is_empty()) {
                None => return Ok(regions),
                Some(next) if page_token.as_ref() == Some(&next) => {
                    return Err(ProviderError::bad_response(
                        BACKEND,
                        format!("regions.list handed out `nextPageToken` `{next}` twice in a row"),
                    ))
                }
                Some(next) => page_token = Some(next),
            }
        }
        Err(ProviderError::bad_response(
            BACKEND,
            format!("regions.list did not end after {MAX_PAGES} pages"),
        ))
    }

    /// Trade the credential for an access token.
    async fn exchange(&self, ctx: &DiscoveryContext) -> Result<IssuedToken, ProviderError> {
        let url = self.token_endpoint.as_str();
        let form: String = match &self.key {
            KeyFile::ServiceAccount(account) => {
                url::form_urlencoded::Serializer::new(String::new())
                    .append_pair("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer")
                    .append_pair("assertion", &account.assertion(url, SCOPE))
                    .finish()
            }
            KeyFile::AuthorizedUser(user) => url::form_urlencoded::Serializer::new(String::new())
                .append_pair("grant_type", "refresh_token")
                .append_pair("client_id", &user.client_id)
                .append_pair("client_secret", user.client_secret.expose())
                .append_pair("refresh_token", user.refresh_token.expose())
                .finish(),
        };
        let request = ctx
            .client()
            .post(url)
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(form);
        let in_exchange = |mut error: ProviderError| {
            error.message = format!("token exchange (POST {url}): {}", error.message);
            error
        };
        let response = ctx.send(request, &classify).await.map_err(in_exchange)?;
        IssuedToken::from_oauth2_answer(BACKEND, &response).map_err(in_exchange)
    }
}

/// Google's error envelope, and OAuth2's, both under `error`.
#[derive(Deserialize)]
struct ErrorBody {
    error: Value,
    #[serde(default)]
    error_description: Option<String>,
}

/// Turn an error response into a classified error: by the status name of Google's envelope,
/// or by the OAuth2 error code of the token endpoint.
fn classify(response: &HttpResponse) -> ProviderError {
    let Ok(body) = serde_json::from_slice::<ErrorBody>(&response.body) else {
        return ProviderError::from_status(
            BACKEND,
            response.status,
            format!("unexpected error body: {}", response.snippet()),
        );
    };
    match body.error {
        Value::String(code) => {
            let kind = match code.as_str() {
                "invalid_grant" | "invalid_client" | "unauthorized_client" | "access_denied" => {
                    ProviderErrorKind::Auth
                }
                _ => ProviderErrorKind::from_status(response.status),
            };
            let message = match body.error_description.filter(|d| !d.trim().is_empty()) {
                Some(description) => format!("{code}: {description}"),
                None => code,
            };
            ProviderError::from_status(BACKEND, response.status, message).with_kind(kind)
        }
        Value::Object(envelope) => {
            let text = |key: &str| envelope.get(key).and_then(Value::as_str).map(str::trim);
            let status = text("status").filter(|s| !s.is_empty());
            let message = text("message").unwrap_or_default();
            let reason = envelope
                .get("errors")
                .and_then(Value::as_array)
                .and_then(|errors| errors.first())
                .and_then(|e| e.get("reason"))
                .and_then(Value::as_str);
            let kind = match (reason, status) {
                (Some("rateLimitExceeded" | "userRateLimitExceeded"), _) => {
                    ProviderErrorKind::RateLimited
                }
                (_, Some(name)) => grpc::kind_of_name(name),
                (_, None) => ProviderErrorKind::from_status(response.status),
            };
            let mut words = String::new();
            if let Some(name) = status {
                words.push_str(name);
                words.push_str(": ");
            }
            words.push_str(message);
            if let Some(reason) = reason {
                words.push_str(&format!(" (reason {reason})"));
            }
            let details: Vec<Value> = envelope
                .get("details")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let wait = match retry_after(&response.headers) {
                Some(_) => None,
                None => grpc::retry_info_delay(&details),
            };
            ProviderError::from_status(BACKEND, response.status, words)
                .with_kind(kind)
                .with_retry_after(wait)
        }
        _ => ProviderError::from_status(
            BACKEND,
            response.status,
            format!("unexpected error body: {}", response.snippet()),
        ),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn response(status: u16, body: &str) -> HttpResponse {
        HttpResponse {
            status,
            headers: Default::default(),
            body: body.to_owned().into(),
        }
    }

    #[test]
    fn a_rate_quota_hit_is_a_rate_limit_despite_its_permission_denied_status() {
        let body = include_str!("../testdata/gcp-error.json");
        let error = classify(&response(403, body));
        assert_eq!(error.kind, ProviderErrorKind::RateLimited);
        assert!(
            error
                .message
                .starts_with("PERMISSION_DENIED: Quota exceeded"),
            "{}",
            error.message
        );
        assert!(
            error.message.contains("rateLimitExceeded"),
            "{}",
            error.message
        );
    }

    #[test]
    fn a_disabled_compute_api_is_an_auth_error() {
        let body = r#"{"error": {"code": 403, "message": "Compute Engine API has not been used in project 1 before or it is disabled.", "errors": [{"reason": "accessNotConfigured"}], "status": "PERMISSION_DENIED"}}"#;
        let error = classify(&response(403, body));
        assert_eq!(error.kind, ProviderErrorKind::Auth);
        assert!(
            error.message.contains("accessNotConfigured"),
            "{}",
            error.message
        );
    }

    #[test]
    fn an_oauth_error_names_its_code() {
        let body = r#"{"error": "invalid_grant", "error_description": "Invalid JWT Signature."}"#;
        let error = classify(&response(400, body));
        assert_eq!(error.kind, ProviderErrorKind::Auth);
        assert_eq!(error.message, "invalid_grant: Invalid JWT Signature.");
    }
}
