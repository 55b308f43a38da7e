//! Lambda Cloud's public API: `GET /api/v1/regions` and `GET /api/v1/instance-types`.
//!
//! Success bodies are `{"data": ...}`; errors are `{"error": {"code", "message", "suggestion"}}`
//! and are classified by `code`. Neither endpoint pages. Lambda documents a limit of one
//! request per second, so an account's requests leave at least a second apart.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use regionkit_core::{
    DiscoveryContext, Endpoint, HttpResponse, Pacer, ProviderError, ProviderErrorKind, Secret,
};
use serde::Deserialize;

use crate::BACKEND;

#[derive(Debug, Deserialize)]
pub struct Envelope<T> {
    pub data: T,
}

/// `Region` of the API. The spec requires both fields, but only `name` is needed: a region
/// without a `description` is shown by its name.
#[derive(Clone, Debug, Deserialize)]
pub struct ApiRegion {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
}

/// One entry of `/instance-types`. Only where the type has capacity is read; the
/// `instance_type` details (price, specs) are not needed and may be missing.
#[derive(Debug, Deserialize)]
pub struct InstanceTypeEntry {
    pub regions_with_capacity_available: Vec<ApiRegion>,
}

#[derive(Debug, Deserialize)]
struct ErrorEnvelope {
    error: ApiError,
}

#[derive(Debug, Deserialize)]
struct ApiError {
    code: String,
    message: String,
    #[serde(default)]
    suggestion: Option<String>,
}

/// An authenticated client for one Lambda account.
#[derive(Clone, Debug)]
pub struct LambdaClient {
    endpoint: Endpoint,
    api_key: Secret,
    /// Lambda documents a limit of one request per second; the account's calls keep to it.
    pacer: Arc<Pacer>,
}

/// Lambda's documented request rate: "generally limited to one request per second".
pub const REQUEST_INTERVAL: Duration = Duration::from_secs(1);

impl LambdaClient {
    pub fn new(endpoint: Endpoint, api_key: Secret) -> Self {
        Self {
            endpoint,
            api_key,
            pacer: Arc::new(Pacer::new(REQUEST_INTERVAL)),
        }
    }

    pub async fn regions(&self, ctx: &DiscoveryContext) -> Result<Vec<ApiRegion>, ProviderError> {
        let response = self.get(ctx, "api/v1/regions").await?;
        Ok(response.json::<Envelope<Vec<ApiRegion>>>(BACKEND)?.data)
    }

    /// Instance types by name, each with the regions that have capacity for it now.
    pub async fn instance_types(
        &self,
        ctx: &DiscoveryContext,
    ) -> Result<BTreeMap<String, InstanceTypeEntry>, ProviderError> {
        let response = self.get(ctx, "api/v1/instance-types").await?;
        Ok(response
            .json::<Envelope<BTreeMap<String, InstanceTypeEntry>>>(BACKEND)?
            .data)
    }

    async fn get(&self, ctx: &DiscoveryContext, path: &str) -> Result<HttpResponse, ProviderError> {
        self.pacer.wait(BACKEND, ctx.deadline()).await?;
        let request = ctx
            .client()
            .get(self.endpoint.join(path))
            .bearer_auth(self.api_key.expose());
        ctx.send(request, &classify).await
    }
}

/// Turn an error response into a classified error, by Lambda's `code` where it gave one.
fn classify(response: &HttpResponse) -> ProviderError {
    let Ok(ErrorEnvelope { error }) = serde_json::from_slice::<ErrorEnvelope>(&response.body)
    else {
        return ProviderError::from_status(
            BACKEND,
            response.status,
            format!("unexpected error body: {}", response.snippet()),
        );
    };
    let mut message = format!("{}: {}", error.code, error.message);
    if let Some(suggestion) = error.suggestion.filter(|s| !s.is_empty()) {
        message.push_str(&format!(" ({suggestion})"));
    }
    let kind = match error.code.as_str() {
        "global/invalid-api-key" | "global/account-inactive" | "global/forbidden" => {
            ProviderErrorKind::Auth
        }
        code if code.starts_with("provider/") => ProviderErrorKind::Unavailable,
        _ => ProviderErrorKind::from_status(response.status),
    };
    ProviderError::from_status(BACKEND, response.status, message).with_kind(kind)
}
