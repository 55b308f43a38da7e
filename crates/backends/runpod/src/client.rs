//! RunPod's GraphQL API: one query for `countryCodes` and `dataCenters` with their GPU stock.
//!
//! GraphQL reports failures inside a successful answer: an HTTP 200 whose body carries
//! `errors[]` is an error here, never an empty list, even when partial `data` comes with it.
//! Failures outside GraphQL (401, 429, 5xx) carry either a GraphQL `errors[]` body or RunPod's
//! REST problem body `{"title", "status", "detail"}`; both are read. The query does not page.

use regionkit_core::{
    DiscoveryContext, Endpoint, HttpResponse, ProviderError, ProviderErrorKind, Secret,
};
use reqwest::header::CONTENT_TYPE;
use serde::Deserialize;
use serde_json::json;

use crate::BACKEND;

/// The query, with GPU stock counted for one GPU on Secure Cloud, as gpuhunt and dstack ask.
const DATA_CENTERS_QUERY: &str = "query DataCenters($input: GpuAvailabilityInput) { countryCodes dataCenters { id name location listed storageSupport gpuAvailability(input: $input) { gpuTypeId displayName stockStatus available } } }";

#[derive(Debug, Deserialize)]
struct Envelope<T> {
    data: T,
}

/// `data` of the query.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DataCentersData {
    /// Community Cloud locations, ISO 3166-1 alpha-2; RunPod includes `null`.
    pub country_codes: Vec<Option<String>>,
    pub data_centers: Vec<ApiDataCenter>,
}

/// A Secure Cloud data center.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiDataCenter {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    /// Free text: a country ("United States") or a continent ("Europe").
    #[serde(default)]
    pub location: Option<String>,
    /// Whether RunPod offers the data center to customers; only `true` counts.
    #[serde(default)]
    pub listed: Option<bool>,
    #[serde(default)]
    pub gpu_availability: Option<Vec<ApiGpuAvailability>>,
}

/// Stock of one GPU type in one data center.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiGpuAvailability {
    #[serde(default)]
    pub gpu_type_id: Option<String>,
    /// `High`, `Medium`, `Low`, or null when there is none.
    #[serde(default)]
    pub stock_status: Option<String>,
    #[serde(default)]
    pub available: Option<bool>,
}

impl ApiGpuAvailability {
    pub fn in_stock(&self) -> bool {
        let status = self.stock_status.as_deref().map(str::trim);
        self.available == Some(true)
            || status.is_some_and(|s| !s.is_empty() && !s.eq_ignore_ascii_case("none"))
    }
}

/// Only the `errors` of a GraphQL answer, read before its `data`.
#[derive(Debug, Deserialize)]
struct ErrorsOnly {
    #[serde(default)]
    errors: Option<Vec<GraphqlError>>,
}

#[derive(Debug, Deserialize)]
struct GraphqlError {
    message: String,
    #[serde(default)]
    path: Option<Vec<serde_json::Value>>,
    #[serde(default)]
    extensions: Option<Extensions>,
}

#[derive(Debug, Deserialize)]
struct Extensions {
    #[serde(default)]
    code: Option<String>,
}

/// RunPod's REST problem body.
#[derive(Debug, Deserialize)]
struct Problem {
    title: String,
    #[serde(default)]
    detail: Option<String>,
}

/// An authenticated client for one RunPod account.
#[derive(Clone, Debug)]
pub struct RunpodClient {
    endpoint: Endpoint,
    api_key: Secret,
}

impl RunpodClient {
    pub fn new(endpoint: Endpoint, api_key: Secret) -> Self {
        Self { endpoint, api_key }
    }

    /// Community Cloud countries and Secure Cloud data centers with their GPU stock.
    pub async fn data_centers(
        &self,
        ctx: &DiscoveryContext,
    ) -> Result<DataCentersData, ProviderError> {
        let body = json!({
            "query": DATA_CENTERS_QUERY,
            "variables": { "input": { "gpuCount": 1, "secureCloud": true } },
        })
        .to_string();
        let request = ctx
            .client()
            .post(self.endpoint.join("graphql"))
            .header(CONTENT_TYPE, "application/json")
            .bearer_auth(self.api_key.expose())
            .body(body);
        let response = ctx.send(request, &classify).await?;
        let ErrorsOnly { errors } = response.json(BACKEND)?;
        if let Some(errors) = errors.filter(|e| !e.is_empty()) {
            return Err(graphql_error(&errors).with_status(response.status));
        }
        Ok(response.json::<Envelope<DataCentersData>>(BACKEND)?.data)
    }
}

/// The error a GraphQL `errors[]` stands for, named by its first entries.
fn graphql_error(errors: &[GraphqlError]) -> ProviderError {
    ProviderError::new(BACKEND, kind_of(errors), summary(errors))
}

fn summary(errors: &[GraphqlError]) -> String {
    const SHOWN: usize = 3;
    let described: Vec<String> = errors.iter().take(SHOWN).map(describe).collect();
    let mut message = format!("GraphQL errors: {}", described.join("; "));
    if errors.len() > SHOWN {
        message.push_str(&format!(" (and {} more)", errors.len() - SHOWN));
    }
    message
}

fn describe(error: &GraphqlError) -> String {
    let mut text = error.message.trim().to_owned();
    if let Some(code) = error.extensions.as_ref().and_then(|e| e.code.as_deref()) {
        text = format!("{code}: {text}");
    }
    let path: Vec<String> = error
        .path
        .iter()
        .flatten()
        .map(|p| match p {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        })
        .collect();
    if !path.is_empty() {
        text.push_str(&format!(" (at {})", path.join(".")));
    }
    text
}

/// The most telling kind among the errors: the user's credentials first, then the request,
/// and anything else as a failure of the provider.
fn kind_of(errors: &[GraphqlError]) -> ProviderErrorKind {
    let kinds: Vec<ProviderErrorKind> = errors.iter().map(kind_of_one).collect();
    [ProviderErrorKind::Auth, ProviderErrorKind::Rejected]
        .into_iter()
        .find(|k| kinds.contains(k))
        .unwrap_or(ProviderErrorKind::Unavailable)
}

fn kind_of_one(error: &GraphqlError) -> ProviderErrorKind {
    let code = error.extensions.as_ref().and_then(|e| e.code.as_deref());
    match code {
        Some("UNAUTHENTICATED" | "FORBIDDEN") => ProviderErrorKind::Auth,
        Some("GRAPHQL_PARSE_FAILED" | "GRAPHQL_VALIDATION_FAILED" | "BAD_USER_INPUT") => {
            ProviderErrorKind::Rejected
        }
        // RunPod answers a key it knows but that may not read with a bare `Unauthorized`.
        _ if error.message.trim().eq_ignore_ascii_case("unauthorized") => ProviderErrorKind::Auth,
        _ => ProviderErrorKind::Unavailable,
    }
}

/// Turn an error response into a classified error. The HTTP status decides the kind; the
/// body, GraphQL or REST problem, gives the words.
fn classify(response: &HttpResponse) -> ProviderError {
    let graphql = serde_json::from_slice::<ErrorsOnly>(&response.body)
        .ok()
        .and_then(|body| body.errors)
        .filter(|errors| !errors.is_empty());
    let message = if let Ok(problem) = serde_json::from_slice::<Problem>(&response.body) {
        match problem.detail.filter(|d| !d.trim().is_empty()) {
            Some(detail) => format!("{}: {detail}", problem.title),
            None => problem.title,
        }
    } else if let Some(errors) = graphql {
        summary(&errors)
    } else {
        format!("unexpected error body: {}", response.snippet())
    };
    ProviderError::from_status(BACKEND, response.status, message)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_deploy_failure_with_internal_server_error_code_is_temporary() {
        let body = r#"{"errors": [{"message": "There are no longer any instances available with the requested specifications. Please refresh and try again.", "path": ["podFindAndDeployOnDemand"], "extensions": {"code": "INTERNAL_SERVER_ERROR"}}], "data": {"podFindAndDeployOnDemand": null}}"#;
        let ErrorsOnly { errors } = serde_json::from_str(body).unwrap();
        let error = graphql_error(&errors.unwrap());
        assert_eq!(error.kind, ProviderErrorKind::Unavailable);
        assert!(
            error.message.contains("INTERNAL_SERVER_ERROR")
                && error.message.contains("at podFindAndDeployOnDemand"),
            "{}",
            error.message
        );
    }
}
