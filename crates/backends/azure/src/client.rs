//! The SAMPLE API of Azure: replace with the provider's real API.
//!
//! `GET /v1/regions?page_size=N[&page_token=T]` with `Authorization: Bearer <api key>` answers
//! `{"regions": [...], "next_page_token": "..."}`; the last page has no token. Errors are
//! `{"error": {"code", "message"}}` and are classified by `code`. Retries, `Retry-After`,
//! timeouts and the size cap are core's; this client only builds requests and classifies.

use regionkit_core::{
    DiscoveryContext, Endpoint, HttpResponse, ProviderError, ProviderErrorKind, Secret,
};
use serde::Deserialize;

use crate::BACKEND;

/// Regions asked for per page.
pub const PAGE_SIZE: usize = 100;

/// Stops an API that keeps handing out page tokens from keeping discovery busy forever.
pub const MAX_PAGES: usize = 100;

/// SAMPLE: one page of `GET /v1/regions`.
#[derive(Debug, Deserialize)]
pub struct RegionPage {
    pub regions: Vec<ApiRegion>,
    #[serde(default)]
    pub next_page_token: Option<String>,
}

/// SAMPLE: a region as the API describes it.
#[derive(Clone, Debug, Deserialize)]
pub struct ApiRegion {
    pub slug: String,
    #[serde(default)]
    pub display_name: String,
    /// ISO 3166-1 alpha-2.
    #[serde(default)]
    pub country_code: Option<String>,
    #[serde(default)]
    pub city: Option<String>,
    /// `active`, `limited`, `maintenance` or `disabled`.
    pub state: String,
}

#[derive(Debug, Deserialize)]
struct ErrorEnvelope {
    error: ApiError,
}

#[derive(Debug, Deserialize)]
struct ApiError {
    code: String,
    message: String,
}

/// An authenticated client for one Azure account.
#[derive(Clone, Debug)]
pub struct AzureClient {
    endpoint: Endpoint,
    api_key: Secret,
}

impl AzureClient {
    pub fn new(endpoint: Endpoint, api_key: Secret) -> Self {
        Self { endpoint, api_key }
    }

    /// Every region, following `next_page_token` to the last page.
    pub async fn regions(&self, ctx: &DiscoveryContext) -> Result<Vec<ApiRegion>, ProviderError> {
        let mut regions = Vec::new();
        let mut token: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let mut request = ctx
                .client()
                .get(self.endpoint.join("v1/regions"))
                .bearer_auth(self.api_key.expose())
                .query(&[("page_size", PAGE_SIZE.to_string())]);
            if let Some(token) = &token {
                request = request.query(&[("page_token", token)]);
            }
            let page: RegionPage = ctx.send(request, &classify).await?.json(BACKEND)?;
            regions.extend(page.regions);
            match page.next_page_token.filter(|next| !next.is_empty()) {
                None => return Ok(regions),
                Some(next) if token.as_ref() == Some(&next) => {
                    return Err(ProviderError::bad_response(
                        BACKEND,
                        format!("the API handed out page token `{next}` twice in a row"),
                    ))
                }
                Some(next) => token = Some(next),
            }
        }
        Err(ProviderError::bad_response(
            BACKEND,
            format!("the region list did not end after {MAX_PAGES} pages"),
        ))
    }
}

/// SAMPLE: turn an error response into a classified error, by the API's `code` where it gave
/// one. Replace the codes with the ones the provider documents.
fn classify(response: &HttpResponse) -> ProviderError {
    let Ok(ErrorEnvelope { error }) = serde_json::from_slice::<ErrorEnvelope>(&response.body)
    else {
        return ProviderError::from_status(
            BACKEND,
            response.status,
            format!("unexpected error body: {}", response.snippet()),
        );
    };
    let kind = match error.code.as_str() {
        "unauthenticated" | "permission_denied" => ProviderErrorKind::Auth,
        "rate_limited" => ProviderErrorKind::RateLimited,
        "internal" | "unavailable" => ProviderErrorKind::Unavailable,
        _ => ProviderErrorKind::from_status(response.status),
    };
    ProviderError::from_status(
        BACKEND,
        response.status,
        format!("{}: {}", error.code, error.message),
    )
    .with_kind(kind)
}
