//! TensorDock's v2 API: `GET /api/v2/locations` and `GET /api/v2/hostnodes`.
//!
//! Success bodies are `{"data": {"locations": [...]}}` and `{"data": {"hostnodes": [...]}}`;
//! neither endpoint pages. Errors are `{"error": "<text>"}` (the v0 API added
//! `"success": false`, which is read too).
//!
//! Only the fields discovery uses are read: where a location or host is, and how many GPUs
//! fit or are free there. GPU names, prices, specs and host ids are not needed, so their
//! absence is never an error.

use regionkit_core::{
    DiscoveryContext, Endpoint, HttpResponse, ProviderError, ProviderErrorKind, Secret,
};
use serde::Deserialize;

use crate::BACKEND;

#[derive(Debug, Deserialize)]
struct Envelope<T> {
    data: T,
}

#[derive(Debug, Deserialize)]
struct LocationList {
    locations: Vec<ApiLocation>,
}

#[derive(Debug, Deserialize)]
struct HostnodeList {
    hostnodes: Vec<ApiHostnode>,
}

/// A deployment location. `id` is required; the description fields may be missing.
#[derive(Clone, Debug, Deserialize)]
pub struct ApiLocation {
    pub id: String,
    #[serde(default)]
    pub city: Option<String>,
    #[serde(default)]
    pub stateprovince: Option<String>,
    #[serde(default)]
    pub country: Option<String>,
    #[serde(default)]
    pub gpus: Vec<LocationGpu>,
}

/// A GPU model deployable at a location: the most that fit in one VM now.
#[derive(Clone, Debug, Deserialize)]
pub struct LocationGpu {
    #[serde(default)]
    pub max_count: u32,
}

/// A host: the location it belongs to, and what it has free and where it is as far as
/// TensorDock reports them.
#[derive(Clone, Debug, Deserialize)]
pub struct ApiHostnode {
    pub location_id: String,
    #[serde(default)]
    pub available_resources: Option<HostResources>,
    #[serde(default)]
    pub location: Option<HostLocation>,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct HostResources {
    #[serde(default)]
    pub gpus: Vec<HostGpu>,
}

/// A GPU model on a host: how many are free now.
#[derive(Clone, Debug, Deserialize)]
pub struct HostGpu {
    #[serde(default, rename = "availableCount")]
    pub available_count: u32,
}

/// Where a host is, as its listing describes it.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct HostLocation {
    #[serde(default)]
    pub city: Option<String>,
    #[serde(default)]
    pub stateprovince: Option<String>,
    #[serde(default)]
    pub country: Option<String>,
}

impl ApiHostnode {
    /// Whether the host has at least one GPU free now.
    pub fn has_free_gpu(&self) -> bool {
        self.available_resources
            .as_ref()
            .is_some_and(|r| r.gpus.iter().any(|g| g.available_count > 0))
    }
}

#[derive(Debug, Deserialize)]
struct ErrorBody {
    error: String,
    #[serde(default)]
    success: Option<bool>,
}

/// An authenticated client for one TensorDock organization.
#[derive(Clone, Debug)]
pub struct TensorDockClient {
    endpoint: Endpoint,
    api_token: Secret,
}

impl TensorDockClient {
    pub fn new(endpoint: Endpoint, api_token: Secret) -> Self {
        Self {
            endpoint,
            api_token,
        }
    }

    pub async fn locations(
        &self,
        ctx: &DiscoveryContext,
    ) -> Result<Vec<ApiLocation>, ProviderError> {
        let response = self.get(ctx, "api/v2/locations").await?;
        Ok(response
            .json::<Envelope<LocationList>>(BACKEND)?
            .data
            .locations)
    }

    pub async fn hostnodes(
        &self,
        ctx: &DiscoveryContext,
    ) -> Result<Vec<ApiHostnode>, ProviderError> {
        let response = self.get(ctx, "api/v2/hostnodes").await?;
        Ok(response
            .json::<Envelope<HostnodeList>>(BACKEND)?
            .data
            .hostnodes)
    }

    async fn get(&self, ctx: &DiscoveryContext, path: &str) -> Result<HttpResponse, ProviderError> {
        let request = ctx
            .client()
            .get(self.endpoint.join(path))
            .bearer_auth(self.api_token.expose());
        let response = ctx.send(request, &classify).await?;
        // The v0 API reported failures as `success: false` inside a 200; refuse those too.
        if let Ok(ErrorBody {
            error,
            success: Some(false),
        }) = serde_json::from_slice::<ErrorBody>(&response.body)
        {
            return Err(classify_text(response.status, error));
        }
        Ok(response)
    }
}

/// Turn an error response into a classified error, with TensorDock's `error` text.
fn classify(response: &HttpResponse) -> ProviderError {
    match serde_json::from_slice::<ErrorBody>(&response.body) {
        Ok(body) => classify_text(response.status, body.error),
        Err(_) if response.body.iter().all(u8::is_ascii_whitespace) => {
            ProviderError::from_status(BACKEND, response.status, "no error body")
        }
        Err(_) => ProviderError::from_status(
            BACKEND,
            response.status,
            format!("unexpected error body: {}", response.snippet()),
        ),
    }
}

/// The kind comes from the status; a failure inside a 200 is judged by its text.
fn classify_text(status: u16, error: String) -> ProviderError {
    let kind = if (200..300).contains(&status) {
        let lower = error.to_ascii_lowercase();
        if lower.contains("authoriz") || lower.contains("token") || lower.contains("api key") {
            ProviderErrorKind::Auth
        } else {
            ProviderErrorKind::Rejected
        }
    } else {
        ProviderErrorKind::from_status(status)
    };
    let message = if error.trim().is_empty() {
        "no reason given".to_owned()
    } else {
        error
    };
    ProviderError::new(BACKEND, kind, message).with_status(status)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_v0_failure_inside_a_200_is_classified_by_its_text() {
        let auth = classify_text(200, "Invalid authorization".into());
        assert_eq!(auth.kind, ProviderErrorKind::Auth);
        assert_eq!(auth.message, "Invalid authorization");
        let other = classify_text(200, "Hostnode not found".into());
        assert_eq!(other.kind, ProviderErrorKind::Rejected);
    }
}
