//! AWS credentials in dstack's shapes, and where signing keys come from at discovery time.
//!
//! `creds: {type: access_key, access_key, secret_key}` signs with the given key pair;
//! `creds: {type: default}` asks the standard AWS chain (environment, shared config and
//! credentials files with profiles, SSO, web identity, ECS and EC2 instance metadata), the
//! same chain boto3 and the AWS CLI use.

use std::fmt;
use std::time::{Duration, Instant, SystemTime};

use aws_config::BehaviorVersion;
use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_credential_types::Credentials;
use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider as TlsProvider};
use regionkit_core::{CredsHelp, ProviderError, Secret};
use serde::Deserialize;
use tokio::sync::{Mutex, OnceCell};

use crate::BACKEND;

/// What a section without AWS credentials is told.
pub const CREDS_HELP: CredsHelp = CredsHelp {
    backend: BACKEND,
    shape: "{type: access_key, access_key: <AKIA...>, secret_key: <...>}",
    source: "or `creds: {type: default}` to use the standard AWS credential chain",
};

/// How regionkit authenticates to AWS, as written in the config.
#[derive(Clone, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum AwsCredentials {
    /// An IAM access key pair.
    AccessKey {
        access_key: Secret,
        secret_key: Secret,
    },
    /// The standard AWS credential chain of the machine regionkit runs on.
    Default,
}

impl fmt::Debug for AwsCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Neither half of a key pair is shown, not even the access key id.
        match self {
            Self::AccessKey { .. } => f.write_str("AwsCredentials::AccessKey(***)"),
            Self::Default => f.write_str("AwsCredentials::Default"),
        }
    }
}

impl AwsCredentials {
    /// The shape's name as written after `type:`.
    pub fn shape(&self) -> &'static str {
        match self {
            Self::AccessKey { .. } => "access_key",
            Self::Default => "default",
        }
    }
}

/// Credentials from the chain are reused until this close to their expiry.
const REFRESH_BEFORE_EXPIRY: Duration = Duration::from_secs(5 * 60);

/// Where the signing credentials come from, resolved when discovery runs.
pub struct CredentialSource {
    kind: SourceKind,
}

enum SourceKind {
    Static(Credentials),
    Chain {
        /// The region the chain's own calls (STS, SSO) use: the signing region.
        region: String,
        provider: OnceCell<SharedCredentialsProvider>,
        cached: Mutex<Option<Credentials>>,
    },
}

impl fmt::Debug for CredentialSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            SourceKind::Static(_) => f.write_str("CredentialSource::AccessKey(***)"),
            SourceKind::Chain { region, .. } => f
                .debug_struct("CredentialSource::DefaultChain")
                .field("region", region)
                .finish_non_exhaustive(),
        }
    }
}

impl CredentialSource {
    pub fn new(creds: &AwsCredentials, signing_region: &str) -> Self {
        let kind = match creds {
            AwsCredentials::AccessKey {
                access_key,
                secret_key,
            } => SourceKind::Static(Credentials::new(
                access_key.expose().trim(),
                secret_key.expose().trim(),
                None,
                None,
                "regionkit-config",
            )),
            AwsCredentials::Default => SourceKind::Chain {
                region: signing_region.to_owned(),
                provider: OnceCell::new(),
                cached: Mutex::new(None),
            },
        };
        Self { kind }
    }

    /// Credentials to sign one request with, resolved before `deadline`.
    pub async fn credentials(&self, deadline: Instant) -> Result<Credentials, ProviderError> {
        match &self.kind {
            SourceKind::Static(credentials) => Ok(credentials.clone()),
            SourceKind::Chain {
                region,
                provider,
                cached,
            } => from_chain(region, provider, cached, deadline).await,
        }
    }
}

/// Ask the chain, or reuse its last answer while that is not about to expire.
async fn from_chain(
    region: &str,
    provider: &OnceCell<SharedCredentialsProvider>,
    cached: &Mutex<Option<Credentials>>,
    deadline: Instant,
) -> Result<Credentials, ProviderError> {
    let mut cached = cached.lock().await;
    if let Some(credentials) = cached.as_ref().filter(|c| still_fresh(c)) {
        return Ok(credentials.clone());
    }
    let budget = deadline.saturating_duration_since(Instant::now());
    let resolved = tokio::time::timeout(budget, async {
        let provider = provider
            .get_or_init(|| default_chain(region.to_owned()))
            .await;
        provider.provide_credentials().await
    })
    .await
    .map_err(|_| {
        ProviderError::unavailable(
            BACKEND,
            "the AWS credential chain (`creds: {type: default}`) gave no answer before the deadline",
        )
    })?
    .map_err(chain_error)?;
    *cached = Some(resolved.clone());
    Ok(resolved)
}

fn still_fresh(credentials: &Credentials) -> bool {
    credentials
        .expiry()
        .is_none_or(|expiry| expiry > SystemTime::now() + REFRESH_BEFORE_EXPIRY)
}

/// The standard chain, with an HTTPS client (rustls on ring) for its SSO, STS, ECS and
/// instance-metadata calls.
async fn default_chain(region: String) -> SharedCredentialsProvider {
    let https = aws_smithy_http_client::Builder::new()
        .tls_provider(TlsProvider::Rustls(CryptoMode::Ring))
        .build_https();
    let config = aws_config::defaults(BehaviorVersion::latest())
        .region(aws_config::Region::new(region))
        .http_client(https)
        .load()
        .await;
    match config.credentials_provider() {
        Some(provider) => provider,
        None => SharedCredentialsProvider::new(NoCredentials),
    }
}

/// Stands in when the loaded config has no credentials provider at all.
#[derive(Debug)]
struct NoCredentials;

impl ProvideCredentials for NoCredentials {
    fn provide_credentials<'a>(
        &'a self,
    ) -> aws_credential_types::provider::future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        aws_credential_types::provider::future::ProvideCredentials::ready(Err(
            CredentialsError::not_loaded("the AWS config has no credentials provider"),
        ))
    }
}

/// A chain failure, with what the user can do about it.
fn chain_error(error: CredentialsError) -> ProviderError {
    let detail = error_chain(&error);
    match error {
        CredentialsError::ProviderTimedOut(_) => ProviderError::unavailable(
            BACKEND,
            format!("the AWS credential chain timed out: {detail}"),
        ),
        CredentialsError::CredentialsNotLoaded(_) => ProviderError::auth(
            BACKEND,
            format!(
                "`creds: {{type: default}}` found no AWS credentials ({detail}); set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, configure a profile in ~/.aws/credentials (AWS_PROFILE selects one), or use `creds: {{type: access_key, access_key, secret_key}}`"
            ),
        ),
        _ => ProviderError::auth(
            BACKEND,
            format!("the AWS credential chain failed: {detail}"),
        ),
    }
}

/// An error and its causes on one line.
fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    // The chain lists every provider it tried on its own line.
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join("; ")
}
