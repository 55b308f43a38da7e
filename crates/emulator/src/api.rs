//! The contract a backend's emulator implements: a request in, a response out.

use bytes::Bytes;
use serde::de::DeserializeOwned;
use serde::Serialize;

pub use axum::http::HeaderMap;

/// A request to one backend's emulator, with the backend's path prefix removed.
#[derive(Debug, Clone)]
pub struct EmuRequest {
    pub method: String,
    /// The path below the backend prefix, starting with `/` (`/api/v1/regions`).
    pub path: String,
    /// The path exactly as the client sent it, backend prefix included and still
    /// percent-encoded (`/aws` or `/aws/`, `/lambda/api/v1/regions`): what a request
    /// signature covers.
    pub raw_path: String,
    pub query: Vec<(String, String)>,
    pub headers: HeaderMap,
    pub body: Bytes,
    /// Set by the `empty` fault: answer with empty lists where the API has lists.
    pub empty: bool,
}

impl EmuRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn query(&self, key: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The token of an `Authorization: Bearer` header.
    pub fn bearer(&self) -> Option<&str> {
        let value = self.header("authorization")?;
        let (scheme, token) = value.split_once(' ')?;
        scheme
            .eq_ignore_ascii_case("bearer")
            .then_some(token.trim())
    }

    pub fn json<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_slice(&self.body)
    }

    pub fn is(&self, method: &str, path: &str) -> bool {
        self.method.eq_ignore_ascii_case(method)
            && self.path.trim_end_matches('/') == path.trim_end_matches('/')
    }
}

/// A response from an emulator.
#[derive(Debug, Clone)]
pub struct EmuResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
}

impl EmuResponse {
    pub fn new(status: u16, content_type: &str, body: impl Into<Bytes>) -> Self {
        Self {
            status,
            headers: vec![("content-type".to_owned(), content_type.to_owned())],
            body: body.into(),
        }
    }

    pub fn json(status: u16, value: &impl Serialize) -> Self {
        let body = serde_json::to_vec(value)
            .unwrap_or_else(|e| format!("{{\"emulator_error\":\"{e}\"}}").into_bytes());
        Self::new(status, "application/json", body)
    }

    pub fn text(status: u16, text: impl Into<String>) -> Self {
        Self::new(status, "text/plain", text.into())
    }

    pub fn xml(status: u16, text: impl Into<String>) -> Self {
        Self::new(status, "text/xml", text.into())
    }

    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }
}

/// One backend's emulated API.
pub trait EmulatedApi: Send + Sync + 'static {
    /// Answer a request the way the provider documents it, with real region ids.
    fn handle(&self, request: &EmuRequest) -> EmuResponse;

    /// The backend's config section (without `type` and `endpoint`) carrying credentials
    /// this emulator accepts.
    fn config_section(&self) -> serde_yaml::Mapping;

    /// The provider's error body for an HTTP status, for injected faults.
    fn error_response(&self, status: u16, message: &str) -> EmuResponse {
        EmuResponse::json(
            status,
            &serde_json::json!({ "error": { "message": message } }),
        )
    }
}

/// A link-time registration of a backend's emulator.
#[derive(Debug)]
pub struct EmulatorRegistration {
    pub backend: &'static str,
    pub build: fn() -> Box<dyn EmulatedApi>,
}

impl EmulatorRegistration {
    pub const fn new(backend: &'static str, build: fn() -> Box<dyn EmulatedApi>) -> Self {
        Self { backend, build }
    }
}

inventory::collect!(EmulatorRegistration);
