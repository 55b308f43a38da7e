//! Verda's public API: an OAuth2 token, then `GET /locations` and `GET /instance-availability`.
//!
//! The client id and secret are exchanged at `POST /oauth2/token` (client-credentials grant)
//! for an access token, kept in core's `TokenCache` until shortly before it expires and shared by
//! concurrent calls: one exchange serves them all, and a failed exchange fails every call that
//! was waiting for it instead of being repeated by each. A call answered 401 gets a fresh token and
//! is sent once more; a second 401 is the user's credentials problem. A new client-credentials
//! exchange is used rather than the refresh-token grant: the secret is at hand, and it is one
//! request either way.
//!
//! Errors are `{"code", "message"}` and are classified by `code`. None of these endpoints
//! pages.

use std::fmt;
use std::sync::Arc;

use regionkit_core::{
    DiscoveryContext, Endpoint, HttpResponse, IssuedToken, ProviderError, ProviderErrorKind,
    Secret, TokenCache,
};
use reqwest::header::CONTENT_TYPE;
use serde::Deserialize;

use crate::BACKEND;

/// A location of `GET /locations`.
#[derive(Clone, Debug, Deserialize)]
pub struct ApiLocation {
    pub code: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub country_code: Option<String>,
}

/// One location's entry of `GET /instance-availability`: the instance types deployable there
/// now. A location with nothing free may be listed with an empty list or left out.
#[derive(Clone, Debug, Deserialize)]
pub struct ApiAvailability {
    pub location_code: String,
    #[serde(default)]
    pub availabilities: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct ApiError {
    code: String,
    message: String,
}

/// An authenticated client for one Verda OAuth2 client.
#[derive(Clone)]
pub struct DatacrunchClient {
    endpoint: Endpoint,
    client_id: String,
    client_secret: Secret,
    tokens: Arc<TokenCache>,
}

impl fmt::Debug for DatacrunchClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DatacrunchClient")
            .field("endpoint", &self.endpoint.as_str())
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

impl DatacrunchClient {
    pub fn new(endpoint: Endpoint, client_id: String, client_secret: Secret) -> Self {
        Self {
            endpoint,
            client_id,
            client_secret,
            tokens: Arc::new(TokenCache::new()),
        }
    }

    /// How many token exchanges this client has made.
    pub fn token_exchanges(&self) -> u64 {
        self.tokens.exchanges()
    }

    /// Every location of the cloud.
    pub async fn locations(
        &self,
        ctx: &DiscoveryContext,
    ) -> Result<Vec<ApiLocation>, ProviderError> {
        let response = self.get(ctx, "locations", &[]).await?;
        response.json(BACKEND)
    }

    /// Instance types deployable now, per location, on demand or as spot.
    pub async fn availability(
        &self,
        ctx: &DiscoveryContext,
        spot: bool,
    ) -> Result<Vec<ApiAvailability>, ProviderError> {
        let is_spot = if spot { "true" } else { "false" };
        let response = self
            .get(ctx, "instance-availability", &[("is_spot", is_spot)])
            .await?;
        response.json(BACKEND)
    }

    async fn get(
        &self,
        ctx: &DiscoveryContext,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<HttpResponse, ProviderError> {
        self.tokens
            .with_token(
                || self.exchange(ctx),
                |token| async move { self.send_get(ctx, path, query, &token).await },
            )
            .await
    }

    async fn send_get(
        &self,
        ctx: &DiscoveryContext,
        path: &str,
        query: &[(&str, &str)],
        token: &Secret,
    ) -> Result<HttpResponse, ProviderError> {
        let request = ctx
            .client()
            .get(self.endpoint.join(path))
            .query(query)
            .bearer_auth(token.expose());
        ctx.send(request, &classify).await
    }

    /// Trade the client id and secret for an access token (client-credentials grant).
    async fn exchange(&self, ctx: &DiscoveryContext) -> Result<IssuedToken, ProviderError> {
        let body = serde_json::json!({
            "grant_type": "client_credentials",
            "client_id": self.client_id,
            "client_secret": self.client_secret.expose(),
        })
        .to_string();
        let request = ctx
            .client()
            .post(self.endpoint.join("oauth2/token"))
            .header(CONTENT_TYPE, "application/json")
            .body(body);
        let response = ctx.send(request, &classify).await.map_err(|mut error| {
            error.message = format!("token exchange (POST /oauth2/token): {}", error.message);
            error
        })?;
        IssuedToken::from_oauth2_answer(BACKEND, &response).map_err(|mut error| {
            error.message = format!("token exchange (POST /oauth2/token): {}", error.message);
            error
        })
    }
}

/// Turn an error response into a classified error, by Verda's `code` where it gave one.
fn classify(response: &HttpResponse) -> ProviderError {
    let Ok(error) = serde_json::from_slice::<ApiError>(&response.body) else {
        return ProviderError::from_status(
            BACKEND,
            response.status,
            format!("unexpected error body: {}", response.snippet()),
        );
    };
    let kind = match (response.status, error.code.as_str()) {
        (429, _) => ProviderErrorKind::RateLimited,
        (_, "unauthorized_request" | "forbidden_action") => ProviderErrorKind::Auth,
        (_, "server_error" | "service_unavailable") => ProviderErrorKind::Unavailable,
        (_, "invalid_request" | "insufficient_funds" | "not_found") => ProviderErrorKind::Rejected,
        (status, _) => ProviderErrorKind::from_status(status),
    };
    ProviderError::from_status(
        BACKEND,
        response.status,
        format!("{}: {}", error.code, error.message),
    )
    .with_kind(kind)
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
    fn invalid_request_is_a_permanent_rejection_with_verdas_words() {
        let body = r#"{"code": "invalid_request", "message": "Invalid instance type"}"#;
        let error = classify(&response(400, body));
        assert_eq!(error.kind, ProviderErrorKind::Rejected);
        assert!(!error.is_temporary());
        assert_eq!(error.message, "invalid_request: Invalid instance type");
    }
}
