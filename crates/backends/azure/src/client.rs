//! Azure Resource Manager behind an Entra ID token: the subscription's locations and the
//! Compute Resource SKUs of one location.
//!
//! The token comes from `POST {authority}/{tenant}/oauth2/v2.0/token` (client-credentials
//! grant, scope `{endpoint}/.default`) and is kept in core's `TokenCache`. Both lists page
//! with `nextLink`, an absolute URL that is followed only on the endpoint's own origin, so the
//! token is never sent elsewhere.
//!
//! Errors: ARM answers `{"error": {"code", "message"}}`, Entra ID answers OAuth2's
//! `{"error", "error_description"}`; both are classified by their code. Retries are core's.

use std::fmt;
use std::sync::Arc;

use regionkit_core::{
    DiscoveryContext, Endpoint, HttpResponse, IssuedToken, ProviderError, ProviderErrorKind,
    TokenCache,
};
use reqwest::header::CONTENT_TYPE;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;

use crate::credential::ClientSecret;
use crate::BACKEND;

pub const LOCATIONS_API_VERSION: &str = "2022-12-01";
pub const SKUS_API_VERSION: &str = "2021-07-01";

/// Stops an API that keeps handing out `nextLink`s from keeping discovery busy forever.
pub const MAX_PAGES: usize = 50;

/// A location of `Subscriptions - List Locations`.
#[derive(Clone, Debug, Deserialize)]
pub struct ApiLocation {
    #[serde(default)]
    pub name: String,
    #[serde(default, rename = "displayName")]
    pub display_name: Option<String>,
    #[serde(default)]
    pub metadata: Option<LocationMetadata>,
    #[serde(default, rename = "availabilityZoneMappings")]
    pub zone_mappings: Vec<ZoneMapping>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct LocationMetadata {
    /// `Physical` or `Logical`.
    #[serde(default, rename = "regionType")]
    pub region_type: Option<String>,
    #[serde(default)]
    pub geography: Option<String>,
    #[serde(default)]
    pub latitude: Option<String>,
    #[serde(default)]
    pub longitude: Option<String>,
    #[serde(default, rename = "physicalLocation")]
    pub physical_location: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct ZoneMapping {
    #[serde(default, rename = "logicalZone")]
    pub logical_zone: Option<String>,
}

/// A Resource SKU: only what decides whether a VM size can be used in a location.
#[derive(Clone, Debug, Deserialize)]
pub struct ApiSku {
    #[serde(default, rename = "resourceType")]
    pub resource_type: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub restrictions: Vec<ApiRestriction>,
}

/// A restriction of a SKU. `type` is `Location` or `Zone`, `reasonCode` `QuotaId` or
/// `NotAvailableForSubscription`; other values may come and are simply not matched.
#[derive(Clone, Debug, Deserialize)]
pub struct ApiRestriction {
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub values: Vec<String>,
    #[serde(default, rename = "reasonCode")]
    pub reason_code: Option<String>,
}

/// One page of a list: entries are read one by one, so one odd entry does not fail the page.
#[derive(Deserialize)]
struct Page {
    #[serde(default)]
    value: Option<Vec<Value>>,
    #[serde(default, rename = "nextLink")]
    next_link: Option<String>,
}

/// A list's entries, and how many of them could not be read.
#[derive(Debug)]
pub struct Listed<T> {
    pub items: Vec<T>,
    pub unreadable: usize,
}

/// An authenticated client for one subscription.
#[derive(Clone)]
pub struct ArmClient {
    endpoint: Endpoint,
    authority: Endpoint,
    tenant_id: String,
    subscription_id: String,
    principal: ClientSecret,
    tokens: Arc<TokenCache>,
}

impl fmt::Debug for ArmClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ArmClient")
            .field("endpoint", &self.endpoint.as_str())
            .field("authority", &self.authority.as_str())
            .field("tenant_id", &self.tenant_id)
            .field("subscription_id", &self.subscription_id)
            .field("client_id", &self.principal.client_id)
            .finish_non_exhaustive()
    }
}

impl ArmClient {
    pub fn new(
        endpoint: Endpoint,
        authority: Endpoint,
        tenant_id: String,
        subscription_id: String,
        principal: ClientSecret,
    ) -> Self {
        Self {
            endpoint,
            authority,
            tenant_id,
            subscription_id,
            principal,
            tokens: Arc::new(TokenCache::new()),
        }
    }

    /// How many token exchanges this client has made.
    pub fn token_exchanges(&self) -> u64 {
        self.tokens.exchanges()
    }

    /// Every location of the subscription, Physical and Logical alike.
    pub async fn locations(
        &self,
        ctx: &DiscoveryContext,
    ) -> Result<Listed<ApiLocation>, ProviderError> {
        let url = self.endpoint.join(&format!(
            "subscriptions/{}/locations?api-version={LOCATIONS_API_VERSION}",
            self.subscription_id
        ));
        self.list(ctx, url, "GET /locations").await
    }

    /// The Compute Resource SKUs of one location.
    pub async fn skus(
        &self,
        ctx: &DiscoveryContext,
        location: &str,
    ) -> Result<Listed<ApiSku>, ProviderError> {
        if location.is_empty() || !location.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(ProviderError::bad_response(
                BACKEND,
                format!("`{location}` is not an Azure location name; its SKUs are not asked for"),
            ));
        }
        // `$filter=location eq '<location>'`, encoded as the Azure SDKs send it.
        let url = self.endpoint.join(&format!(
            "subscriptions/{}/providers/Microsoft.Compute/skus?api-version={SKUS_API_VERSION}&%24filter=location%20eq%20%27{location}%27",
            self.subscription_id
        ));
        self.list(ctx, url, "GET /providers/Microsoft.Compute/skus")
            .await
    }

    /// Every page of a list, from `url` through each `nextLink`.
    async fn list<T: DeserializeOwned>(
        &self,
        ctx: &DiscoveryContext,
        mut url: String,
        what: &str,
    ) -> Result<Listed<T>, ProviderError> {
        let mut listed = Listed {
            items: Vec::new(),
            unreadable: 0,
        };
        for _ in 0..MAX_PAGES {
            let response = self
                .tokens
                .with_token(
                    || self.exchange(ctx),
                    |token| {
                        let request = ctx.client().get(&url).bearer_auth(token.expose());
                        async move { ctx.send(request, &classify).await }
                    },
                )
                .await?;
            let page: Page = response.json(BACKEND)?;
            let Some(values) = page.value else {
                return Err(ProviderError::bad_response(
                    BACKEND,
                    format!("{what}: the answer has no `value` list"),
                ));
            };
            for value in values {
                match serde_json::from_value::<T>(value) {
                    Ok(item) => listed.items.push(item),
                    Err(_) => listed.unreadable += 1,
                }
            }
            match page.next_link.filter(|l| !l.trim().is_empty()) {
                None => return Ok(listed),
                Some(next) if next == url => {
                    return Err(ProviderError::bad_response(
                        BACKEND,
                        format!("{what}: `nextLink` points at the page it came from"),
                    ))
                }
                Some(next) => {
                    if !self.same_origin(&next) {
                        return Err(ProviderError::bad_response(
                            BACKEND,
                            format!(
                                "{what}: `nextLink` leads away from {}; not followed",
                                self.endpoint.as_str()
                            ),
                        ));
                    }
                    url = next;
                }
            }
        }
        Err(ProviderError::bad_response(
            BACKEND,
            format!("{what}: the list did not end after {MAX_PAGES} pages"),
        ))
    }

    fn same_origin(&self, link: &str) -> bool {
        let (Ok(link), Ok(base)) = (
            url::Url::parse(link),
            url::Url::parse(self.endpoint.as_str()),
        ) else {
            return false;
        };
        link.origin() == base.origin()
    }

    /// Trade the client secret for a token (client-credentials grant).
    async fn exchange(&self, ctx: &DiscoveryContext) -> Result<IssuedToken, ProviderError> {
        let url = self
            .authority
            .join(&format!("{}/oauth2/v2.0/token", self.tenant_id));
        let scope = format!("{}/.default", self.endpoint.as_str().trim_end_matches('/'));
        let form = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("grant_type", "client_credentials")
            .append_pair("client_id", &self.principal.client_id)
            .append_pair("client_secret", self.principal.client_secret.expose())
            .append_pair("scope", &scope)
            .finish();
        let request = ctx
            .client()
            .post(&url)
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(form);
        let in_exchange = |mut error: ProviderError| {
            error.message = format!(
                "token exchange (POST /{}/oauth2/v2.0/token): {}",
                self.tenant_id, error.message
            );
            error
        };
        let response = ctx.send(request, &classify).await.map_err(in_exchange)?;
        IssuedToken::from_oauth2_answer(BACKEND, &response).map_err(in_exchange)
    }
}

#[derive(Deserialize)]
struct ErrorBody {
    error: Value,
    #[serde(default)]
    error_description: Option<String>,
}

/// Turn an error response into a classified error, by ARM's `error.code` or Entra ID's
/// OAuth2 `error`.
fn classify(response: &HttpResponse) -> ProviderError {
    let parsed = serde_json::from_slice::<ErrorBody>(&response.body).ok();
    let (code, message) = match parsed {
        Some(ErrorBody {
            error: Value::Object(error),
            ..
        }) => (
            error
                .get("code")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            error
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
        ),
        Some(ErrorBody {
            error: Value::String(code),
            error_description,
        }) => (code, error_description.unwrap_or_default()),
        _ => {
            return ProviderError::from_status(
                BACKEND,
                response.status,
                format!("unexpected error body: {}", response.snippet()),
            )
        }
    };
    let kind = match (response.status, code.as_str()) {
        (429, _) | (_, "SubscriptionRequestsThrottled" | "TooManyRequests") => {
            ProviderErrorKind::RateLimited
        }
        (
            _,
            "InvalidAuthenticationToken"
            | "ExpiredAuthenticationToken"
            | "AuthenticationFailed"
            | "InvalidAuthenticationTokenTenant"
            | "AuthorizationFailed"
            | "invalid_client"
            | "unauthorized_client"
            | "invalid_grant",
        ) => ProviderErrorKind::Auth,
        (_, "SubscriptionNotFound" | "InvalidApiVersionParameter" | "InvalidSubscriptionId") => {
            ProviderErrorKind::Rejected
        }
        (status, _) => ProviderErrorKind::from_status(status),
    };
    // Entra ID puts a long trace and correlation id after the first line.
    let message = message.lines().next().unwrap_or_default().trim();
    ProviderError::from_status(BACKEND, response.status, format!("{code}: {message}"))
        .with_kind(kind)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use regionkit_core::Secret;

    use super::*;

    fn response(status: u16, body: &str) -> HttpResponse {
        HttpResponse {
            status,
            headers: Default::default(),
            body: body.to_owned().into(),
        }
    }

    #[test]
    fn a_missing_permission_is_an_auth_error_in_arms_words() {
        let body = r#"{"error": {"code": "AuthorizationFailed", "message": "The client does not have authorization to perform action 'Microsoft.Compute/skus/read'."}}"#;
        let error = classify(&response(403, body));
        assert_eq!(error.kind, ProviderErrorKind::Auth);
        assert!(
            error.message.starts_with("AuthorizationFailed: "),
            "{}",
            error.message
        );
    }

    #[test]
    fn next_links_are_followed_only_on_the_endpoints_own_origin() {
        let endpoint = Endpoint::parse(BACKEND, "https://management.azure.com", false).unwrap();
        let client = ArmClient::new(
            endpoint.clone(),
            endpoint,
            "tenant".to_owned(),
            "00000000-0000-0000-0000-000000000000".to_owned(),
            ClientSecret {
                tenant_id: None,
                client_id: "app".to_owned(),
                client_secret: Secret::new("secret"),
            },
        );
        assert!(client.same_origin(
            "https://management.azure.com/subscriptions/x/locations?api-version=2022-12-01&$skiptoken=2"
        ));
        assert!(!client.same_origin("https://collector.example/steal?token"));
        assert!(!client.same_origin("http://management.azure.com/subscriptions/x/locations"));
        assert!(!client.same_origin("not a url"));
    }

    #[test]
    fn an_unknown_subscription_is_a_permanent_rejection() {
        let body = r#"{"error": {"code": "SubscriptionNotFound", "message": "The subscription could not be found."}}"#;
        let error = classify(&response(404, body));
        assert_eq!(error.kind, ProviderErrorKind::Rejected);
        assert!(!error.is_temporary());
    }
}
