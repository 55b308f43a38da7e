//! Vast.ai's offer search: `POST /api/v0/bundles/`.
//!
//! The search takes its filters at the top level of a JSON body and answers
//! `{"offers": [...]}`. It does not page: `limit` caps the answer, so one request asks for
//! up to [`OFFER_LIMIT`] offers. Errors are `{"success": false, "error", "msg"}`, sometimes
//! only `{"msg"}` or `{"message"}`, and throttling (HTTP 429) often answers plain text.

use std::time::Duration;

use regionkit_core::{
    DiscoveryContext, Endpoint, HttpResponse, ProviderError, ProviderErrorKind, Secret,
};
use reqwest::header::{CONTENT_TYPE, RETRY_AFTER};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::BACKEND;

/// Most offers one search asks for. Vast.ai lists a few thousand offers at a time; gpuhunt
/// uses the same ceiling when it cannot narrow the search.
pub const OFFER_LIMIT: usize = 3000;

/// The parts of an offer discovery reads. Every field is optional: hosts fill them in.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Offer {
    /// Free text, usually `"<state or province>, <ISO country>"`; may be null or odd.
    #[serde(default)]
    pub geolocation: Option<Value>,
    /// 1 for datacenter hosts, 0 for community hosts.
    #[serde(default)]
    pub hosting_type: Option<i64>,
    #[serde(default)]
    pub rentable: Option<bool>,
    #[serde(default)]
    pub rented: Option<bool>,
}

impl Offer {
    /// The geolocation text, when the offer has a non-blank one.
    pub fn geolocation(&self) -> Option<&str> {
        match &self.geolocation {
            Some(Value::String(text)) if !text.trim().is_empty() => Some(text),
            _ => None,
        }
    }

    /// Whether the offer can be rented now. The search asks only for such offers; this
    /// guards against a search that ignored the filter.
    pub fn is_rentable(&self) -> bool {
        self.rentable != Some(false) && self.rented != Some(true)
    }
}

#[derive(Debug, Deserialize)]
struct SearchResponse {
    #[serde(default)]
    success: Option<bool>,
    #[serde(default)]
    offers: Option<Vec<Offer>>,
}

/// Vast.ai's error body. Which fields are present varies by endpoint.
#[derive(Debug, Default, Deserialize)]
struct ErrorBody {
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    msg: Option<String>,
    #[serde(default)]
    message: Option<String>,
}

impl ErrorBody {
    /// `"<error>: <msg>"`, or whichever part is present.
    fn describe(self) -> Option<String> {
        let text = self.msg.or(self.message).filter(|t| !t.trim().is_empty());
        match (self.error.filter(|e| !e.trim().is_empty()), text) {
            (Some(code), Some(text)) => Some(format!("{code}: {text}")),
            (Some(only), None) | (None, Some(only)) => Some(only),
            (None, None) => None,
        }
    }
}

/// An authenticated client for one Vast.ai account.
#[derive(Clone, Debug)]
pub struct VastClient {
    endpoint: Endpoint,
    api_key: Secret,
    community_cloud: bool,
}

impl VastClient {
    pub fn new(endpoint: Endpoint, api_key: Secret, community_cloud: bool) -> Self {
        Self {
            endpoint,
            api_key,
            community_cloud,
        }
    }

    /// The filters of the search: what dstack would consider renting, in any location.
    pub fn search_body(&self) -> Value {
        let mut body = json!({
            "rentable": { "eq": true },
            "rented": { "eq": false },
            "verified": { "eq": true },
            "num_gpus": { "gte": 1 },
            "order": [["score", "desc"]],
            "limit": OFFER_LIMIT,
            "type": "on-demand",
        });
        if !self.community_cloud {
            body["datacenter"] = json!({ "eq": true });
        }
        body
    }

    /// Rentable offers in every location, best score first.
    pub async fn search_offers(&self, ctx: &DiscoveryContext) -> Result<Vec<Offer>, ProviderError> {
        let body = serde_json::to_vec(&self.search_body()).map_err(|e| {
            ProviderError::new(
                BACKEND,
                ProviderErrorKind::Rejected,
                format!("cannot encode the search: {e}"),
            )
        })?;
        let request = ctx
            .client()
            .post(self.endpoint.join("api/v0/bundles/"))
            .bearer_auth(self.api_key.expose())
            .header(CONTENT_TYPE, "application/json")
            .body(body);
        let response = ctx.send(request, &classify).await?;
        let parsed: SearchResponse = response.json(BACKEND)?;
        if parsed.success == Some(false) {
            let detail = serde_json::from_slice::<ErrorBody>(&response.body)
                .ok()
                .and_then(ErrorBody::describe)
                .unwrap_or_else(|| "the search answered `success: false` without a reason".into());
            return Err(
                ProviderError::new(BACKEND, ProviderErrorKind::Rejected, detail)
                    .with_status(response.status),
            );
        }
        parsed.offers.ok_or_else(|| {
            ProviderError::bad_response(
                BACKEND,
                format!(
                    "the search answer has no `offers` list: {}",
                    response.snippet()
                ),
            )
        })
    }
}

/// Turn an error response into a classified error. The status decides the kind; the body,
/// JSON or plain text, gives the message.
fn classify(response: &HttpResponse) -> ProviderError {
    let described = serde_json::from_slice::<ErrorBody>(&response.body)
        .ok()
        .and_then(ErrorBody::describe);
    let message = match described {
        Some(message) => message,
        None if response.body.iter().all(u8::is_ascii_whitespace) => "no error body".to_owned(),
        None if response.status == 429 => response.snippet(),
        None => format!("unexpected error body: {}", response.snippet()),
    };
    let error = ProviderError::from_status(BACKEND, response.status, message);
    if error.kind == ProviderErrorKind::RateLimited && !response.headers.contains_key(RETRY_AFTER) {
        // Vast.ai enforces a minimum interval per endpoint and rarely sends `Retry-After`;
        // its throttle text names the interval, which is the wait worth honouring.
        return error.with_retry_after(throttle_interval(&String::from_utf8_lossy(&response.body)));
    }
    error
}

/// The `threshold=<seconds>` of a throttle message, bounded to something sensible.
fn throttle_interval(text: &str) -> Option<Duration> {
    let (_, rest) = text.split_once("threshold=")?;
    let number: String = rest
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let seconds: f64 = number.parse().ok()?;
    (seconds.is_finite() && seconds > 0.0)
        .then(|| Duration::from_secs_f64(seconds.clamp(0.1, 60.0)))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn throttle_text_gives_the_interval_to_wait() {
        assert_eq!(
            throttle_interval("API requests too frequent endpoint threshold=1.0"),
            Some(Duration::from_secs(1))
        );
        assert_eq!(
            throttle_interval("too frequent threshold=2.5 per user"),
            Some(Duration::from_millis(2500))
        );
        assert_eq!(throttle_interval("API requests too frequent"), None);
        assert_eq!(throttle_interval("threshold=-3"), None);
    }

    #[test]
    fn error_bodies_of_every_documented_shape_are_described() {
        let describe = |body: &str| {
            serde_json::from_slice::<ErrorBody>(body.as_bytes())
                .ok()
                .and_then(ErrorBody::describe)
        };
        assert_eq!(
            describe(r#"{"success": false, "error": "invalid_args", "msg": "Invalid query"}"#)
                .as_deref(),
            Some("invalid_args: Invalid query")
        );
        assert_eq!(describe(r#"{"msg": "no"}"#).as_deref(), Some("no"));
        assert_eq!(describe(r#"{"message": "down"}"#).as_deref(), Some("down"));
        assert_eq!(describe(r#"{"success": false}"#), None);
    }
}
