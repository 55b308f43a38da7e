//! One cluster's API server: `GET /api/v1/nodes?limit=N[&continue=T]`.
//!
//! Each context gets its own `reqwest` client (from core's builder, so the connect timeout,
//! redirect limit and user agent are the shared ones) carrying the context's CA and client
//! certificate; requests go through [`DiscoveryContext::send`], so retries, `Retry-After`
//! (API Priority and Fairness answers 429), the size cap and the deadline are core's. Errors
//! are Kubernetes `Status` objects, classified by `code` and `reason`. An expired continue
//! token (410, reason `Expired`) restarts the list once.

use std::collections::BTreeMap;

use regionkit_core::{
    DiscoveryContext, Endpoint, HttpClient, HttpResponse, ProviderError, ProviderErrorKind,
};
use serde::Deserialize;

use crate::credential::ClusterAccess;
use crate::BACKEND;

/// Nodes asked for per page.
pub const PAGE_SIZE: usize = 500;

/// Stops a server that keeps handing out continue tokens from keeping discovery busy forever.
pub const MAX_PAGES: usize = 200;

/// One page of `GET /api/v1/nodes`: only the fields discovery reads.
#[derive(Debug, Deserialize)]
pub struct NodeList {
    pub items: Vec<Node>,
    #[serde(default)]
    pub metadata: ListMeta,
}

#[derive(Debug, Default, Deserialize)]
pub struct ListMeta {
    #[serde(default, rename = "continue")]
    pub continue_token: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct Node {
    #[serde(default)]
    pub metadata: NodeMeta,
    #[serde(default)]
    pub spec: NodeSpec,
    #[serde(default)]
    pub status: NodeStatus,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct NodeMeta {
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct NodeSpec {
    #[serde(default)]
    pub unschedulable: bool,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct NodeStatus {
    #[serde(default)]
    pub conditions: Vec<NodeCondition>,
    #[serde(default)]
    pub allocatable: BTreeMap<String, String>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct NodeCondition {
    #[serde(rename = "type")]
    pub kind: String,
    pub status: String,
}

/// A Kubernetes `Status` error body.
#[derive(Debug, Deserialize)]
struct StatusBody {
    kind: String,
    #[serde(default)]
    message: String,
    #[serde(default)]
    reason: String,
}

/// A client for one context's API server.
#[derive(Clone, Debug)]
pub struct ClusterClient {
    context: String,
    nodes_url: String,
    client: reqwest::Client,
    token: Option<regionkit_core::Secret>,
    insecure: bool,
}

impl ClusterClient {
    /// Builds the context's client: its CA, client certificate and key, and token. `endpoint`
    /// replaces the server's scheme, host and port when set.
    pub fn new(
        access: &ClusterAccess,
        endpoint: Option<&Endpoint>,
        policy: &regionkit_core::HttpPolicy,
    ) -> Result<Self, String> {
        let context = &access.context;
        let server = url::Url::parse(&access.server).map_err(|e| {
            format!("context `{context}`: the cluster's `server` is not a URL ({e})")
        })?;
        let base = match endpoint {
            Some(endpoint) => endpoint.join(server.path()),
            None => server.as_str().to_owned(),
        };
        let nodes_url = format!("{}/api/v1/nodes", base.trim_end_matches('/'));
        let mut builder = HttpClient::client_builder(policy);
        if let Some(ca) = &access.ca_pem {
            let certs = reqwest::Certificate::from_pem_bundle(ca).map_err(|e| {
                format!("context `{context}`: the certificate authority is not PEM ({e})")
            })?;
            for cert in certs {
                builder = builder.add_root_certificate(cert);
            }
        }
        if let Some(pem) = &access.identity_pem {
            let identity = reqwest::Identity::from_pem(pem.expose().as_bytes()).map_err(|_| {
                format!("context `{context}`: the client certificate or key is not valid PEM")
            })?;
            builder = builder.identity(identity);
        }
        if access.insecure {
            builder = builder.danger_accept_invalid_certs(true);
        }
        let client = builder
            .build()
            .map_err(|e| format!("context `{context}`: cannot build its HTTP client ({e})"))?;
        Ok(Self {
            context: context.clone(),
            nodes_url,
            client,
            token: access.token.clone(),
            insecure: access.insecure,
        })
    }

    pub fn context(&self) -> &str {
        &self.context
    }

    pub fn insecure(&self) -> bool {
        self.insecure
    }

    /// Every node, following `continue`; an expired token restarts the list once.
    pub async fn nodes(&self, ctx: &DiscoveryContext) -> Result<Vec<Node>, ProviderError> {
        match self.list(ctx).await {
            Err(e) if e.status == Some(410) => {
                ctx.warn(format!(
                    "context `{}`: the node list's continue token expired; listed again from the start",
                    self.context
                ));
                self.list(ctx).await
            }
            other => other,
        }
    }

    async fn list(&self, ctx: &DiscoveryContext) -> Result<Vec<Node>, ProviderError> {
        let mut nodes = Vec::new();
        let mut token: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let mut request = self
                .client
                .get(&self.nodes_url)
                .header("accept", "application/json")
                .query(&[("limit", PAGE_SIZE.to_string())]);
            if let Some(token) = &self.token {
                request = request.bearer_auth(token.expose());
            }
            if let Some(token) = &token {
                request = request.query(&[("continue", token)]);
            }
            let page: NodeList = ctx.send(request, &classify).await?.json(BACKEND)?;
            nodes.extend(page.items);
            match page.metadata.continue_token.filter(|next| !next.is_empty()) {
                None => return Ok(nodes),
                Some(next) if token.as_ref() == Some(&next) => {
                    return Err(ProviderError::bad_response(
                        BACKEND,
                        format!(
                            "context `{}`: the API server handed out the same continue token twice",
                            self.context
                        ),
                    ))
                }
                Some(next) => token = Some(next),
            }
        }
        Err(ProviderError::bad_response(
            BACKEND,
            format!(
                "context `{}`: the node list did not end after {MAX_PAGES} pages",
                self.context
            ),
        ))
    }
}

/// A `Status` body's `reason` and `message`; 401 and 403 are auth errors (a 403 is missing
/// RBAC: `list` on `nodes` needs a ClusterRole), 410 `Expired` is left to [`ClusterClient::nodes`].
fn classify(response: &HttpResponse) -> ProviderError {
    let status: Option<StatusBody> = serde_json::from_slice::<StatusBody>(&response.body)
        .ok()
        .filter(|s| s.kind == "Status");
    let Some(body) = status else {
        return ProviderError::from_status(
            BACKEND,
            response.status,
            format!("unexpected error body: {}", response.snippet()),
        );
    };
    let kind = match (response.status, body.reason.as_str()) {
        (401 | 403, _) | (_, "Unauthorized" | "Forbidden") => ProviderErrorKind::Auth,
        (429, _) | (_, "TooManyRequests") => ProviderErrorKind::RateLimited,
        (_, "ServiceUnavailable" | "InternalError" | "Timeout") => ProviderErrorKind::Unavailable,
        _ => ProviderErrorKind::from_status(response.status),
    };
    let mut message = format!("{}: {}", body.reason, body.message);
    if response.status == 403 {
        message.push_str("; grant `list` on `nodes` with a ClusterRole");
    }
    ProviderError::from_status(BACKEND, response.status, message).with_kind(kind)
}
