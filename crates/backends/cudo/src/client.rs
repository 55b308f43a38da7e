//! CUDO Compute's REST API: `GET /vms/data-centers` and `GET /vms/machine-types?projectId=`.
//!
//! CUDO documents two error bodies and does not say which one its API sends today, so both are
//! read: the OpenAPI `Status` of grpc-gateway, `{"code": <gRPC code>, "message", "details"}`,
//! and the AIP-193 body of its error docs, `{"code": <HTTP status>, "status": "<gRPC name>",
//! "message", "details"}`. A gRPC code is 0 to 16 and an HTTP status is at least 100, so the
//! number alone tells them apart. A throttled answer may carry its wait as a `RetryInfo`
//! detail instead of `Retry-After`. Neither endpoint pages.
//!
//! Only the fields discovery uses are read. Protobuf's JSON mapping leaves out fields that
//! hold their zero value, so a missing count or coordinate is zero and a missing string is
//! empty, never an error.

use regionkit_core::{
    grpc, http::retry_after, DiscoveryContext, Endpoint, HttpResponse, ProviderError,
    ProviderErrorKind, Secret,
};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use crate::BACKEND;

/// `GET /vms/data-centers`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DataCenters {
    pub data_centers: Vec<ApiDataCenter>,
}

/// A `VMDataCenter`.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiDataCenter {
    pub id: String,
    #[serde(default)]
    pub supplier_name: Option<String>,
    #[serde(default)]
    pub location: Option<Coordinates>,
}

/// `location` of a data center. A coordinate left out is zero (see the module docs); a
/// location with neither says nothing.
#[derive(Clone, Copy, Debug, Deserialize)]
pub struct Coordinates {
    #[serde(default)]
    pub latitude: Option<f64>,
    #[serde(default)]
    pub longitude: Option<f64>,
}

impl Coordinates {
    /// (latitude, longitude), when the location gives at least one of them.
    pub fn lat_lon(&self) -> Option<(f64, f64)> {
        match (self.latitude, self.longitude) {
            (None, None) => None,
            (latitude, longitude) => Some((latitude.unwrap_or(0.0), longitude.unwrap_or(0.0))),
        }
    }
}

/// `GET /vms/machine-types`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MachineTypes {
    pub machine_types: Vec<ApiMachineType>,
}

/// A `VMMachineType`: one machine type in one data center, with what is free there now.
/// Of its many fields only these four are read; the counts are zero when left out.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiMachineType {
    pub data_center_id: String,
    /// Empty for CPU-only machine types.
    #[serde(default)]
    pub gpu_model_id: String,
    /// GPUs free on the emptiest host: what one VM can get.
    #[serde(default, deserialize_with = "count")]
    pub max_gpu_free: i64,
    /// vCPUs free on the emptiest host.
    #[serde(default, deserialize_with = "count")]
    pub max_vcpu_free: i64,
}

impl ApiMachineType {
    /// Whether one VM of this type fits on a host now: a GPU for GPU types, a vCPU otherwise.
    pub fn has_capacity(&self) -> bool {
        if self.gpu_model_id.trim().is_empty() {
            self.max_vcpu_free > 0
        } else {
            self.max_gpu_free > 0
        }
    }
}

/// A count as JSON writes it: a number, or a string where protobuf's JSON mapping turns a
/// 64-bit integer into one.
fn count<'de, D: Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Count {
        Number(i64),
        Text(String),
    }
    match Count::deserialize(deserializer)? {
        Count::Number(n) => Ok(n),
        Count::Text(text) => text
            .trim()
            .parse()
            .map_err(|_| serde::de::Error::custom(format!("`{text}` is not a count"))),
    }
}

/// Either documented error body.
#[derive(Debug, Deserialize)]
struct ApiStatus {
    code: i64,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    message: String,
    #[serde(default)]
    details: Vec<Value>,
}

/// An authenticated client for one CUDO project.
#[derive(Clone, Debug)]
pub struct CudoClient {
    endpoint: Endpoint,
    api_key: Secret,
    project_id: String,
}

impl CudoClient {
    pub fn new(endpoint: Endpoint, api_key: Secret, project_id: String) -> Self {
        Self {
            endpoint,
            api_key,
            project_id,
        }
    }

    pub async fn data_centers(
        &self,
        ctx: &DiscoveryContext,
    ) -> Result<Vec<ApiDataCenter>, ProviderError> {
        let response = self.get(ctx, "vms/data-centers", &[]).await?;
        Ok(response.json::<DataCenters>(BACKEND)?.data_centers)
    }

    /// Machine types of every data center with their free capacity, as the project sees them.
    pub async fn machine_types(
        &self,
        ctx: &DiscoveryContext,
    ) -> Result<Vec<ApiMachineType>, ProviderError> {
        let query = [("projectId", self.project_id.as_str())];
        let response = self.get(ctx, "vms/machine-types", &query).await?;
        Ok(response.json::<MachineTypes>(BACKEND)?.machine_types)
    }

    async fn get(
        &self,
        ctx: &DiscoveryContext,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<HttpResponse, ProviderError> {
        let request = ctx
            .client()
            .get(self.endpoint.join(path))
            .query(query)
            .bearer_auth(self.api_key.expose());
        ctx.send(request, &classify).await
    }
}

/// Turn an error response into a classified error, by the gRPC status it names.
fn classify(response: &HttpResponse) -> ProviderError {
    let Ok(body) = serde_json::from_slice::<ApiStatus>(&response.body) else {
        return ProviderError::from_status(
            BACKEND,
            response.status,
            format!("unexpected error body: {}", response.snippet()),
        );
    };
    let name = body
        .status
        .as_deref()
        .map(str::trim)
        .or_else(|| grpc::code_name(body.code));
    let kind = name.map_or_else(
        || ProviderErrorKind::from_status(response.status),
        grpc::kind_of_name,
    );
    let message = match name {
        Some(name) => format!("{name}: {}", body.message),
        None => body.message.clone(),
    };
    let wait = match retry_after(&response.headers) {
        Some(_) => None,
        None => grpc::retry_info_delay(&body.details),
    };
    ProviderError::from_status(BACKEND, response.status, message)
        .with_kind(kind)
        .with_retry_after(wait)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn response(status: u16, body: &str) -> HttpResponse {
        HttpResponse {
            status,
            headers: Default::default(),
            body: body.to_owned().into(),
        }
    }

    #[test]
    fn a_retry_info_detail_gives_the_wait_when_no_header_does() {
        let body = r#"{"code": 429, "status": "RESOURCE_EXHAUSTED", "message": "slow down",
            "details": [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "2.5s"}]}"#;
        let error = classify(&response(429, body));
        assert_eq!(error.kind, ProviderErrorKind::RateLimited);
        assert_eq!(error.retry_after, Some(Duration::from_millis(2500)));
    }
}
