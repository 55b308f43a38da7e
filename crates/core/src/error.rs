//! Errors: one enum for callers, and the classified error every backend returns.
//!
//! Backends classify what went wrong (`ProviderErrorKind`); the shared HTTP policy and the
//! fallback chain act on that classification (`ProviderError::is_temporary`).

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

/// What went wrong while talking to a provider.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ProviderErrorKind {
    /// Credentials missing, wrong, expired or without permission (HTTP 401/403).
    Auth,
    /// The provider throttled us (HTTP 429 or its own throttling code).
    RateLimited,
    /// The provider is down, overloaded, unreachable or too slow.
    Unavailable,
    /// The provider answered something we cannot read: malformed, truncated, too large.
    BadResponse,
    /// The provider refused the request as invalid (other 4xx).
    Rejected,
}

impl ProviderErrorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Auth => "auth",
            Self::RateLimited => "rate-limited",
            Self::Unavailable => "unavailable",
            Self::BadResponse => "bad-response",
            Self::Rejected => "rejected",
        }
    }

    /// The kind an HTTP status implies, before the backend reads the body.
    pub fn from_status(status: u16) -> Self {
        match status {
            401 | 403 => Self::Auth,
            429 => Self::RateLimited,
            408 | 500..=599 => Self::Unavailable,
            _ => Self::Rejected,
        }
    }
}

/// A classified failure of one backend's provider API.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProviderError {
    pub backend: String,
    pub kind: ProviderErrorKind,
    /// What happened, in the provider's words where it gave any. Never contains secrets.
    pub message: String,
    /// HTTP status, when the failure came with one.
    pub status: Option<u16>,
    /// How long the provider asked us to wait (`Retry-After`).
    pub retry_after: Option<Duration>,
}

impl ProviderError {
    pub fn new(
        backend: impl Into<String>,
        kind: ProviderErrorKind,
        message: impl Into<String>,
    ) -> Self {
        Self {
            backend: backend.into(),
            kind,
            message: message.into(),
            status: None,
            retry_after: None,
        }
    }

    pub fn auth(backend: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(backend, ProviderErrorKind::Auth, message)
    }

    pub fn unavailable(backend: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(backend, ProviderErrorKind::Unavailable, message)
    }

    pub fn bad_response(backend: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(backend, ProviderErrorKind::BadResponse, message)
    }

    /// An error for a non-success HTTP status, classified by the status alone.
    pub fn from_status(
        backend: impl Into<String>,
        status: u16,
        message: impl Into<String>,
    ) -> Self {
        Self::new(backend, ProviderErrorKind::from_status(status), message).with_status(status)
    }

    pub fn with_status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }

    pub fn with_kind(mut self, kind: ProviderErrorKind) -> Self {
        self.kind = kind;
        self
    }

    pub fn with_retry_after(mut self, retry_after: Option<Duration>) -> Self {
        self.retry_after = retry_after;
        self
    }

    /// The error without the backend and the hint, for a warning that quotes it: its kind,
    /// its status and what happened (`unavailable, HTTP 500: ...`).
    pub fn summary(&self) -> String {
        match self.status {
            Some(status) => format!("{}, HTTP {status}: {}", self.kind.as_str(), self.message),
            None => format!("{}: {}", self.kind.as_str(), self.message),
        }
    }

    /// Whether trying again later may succeed. Only temporary errors are retried.
    pub fn is_temporary(&self) -> bool {
        matches!(
            self.kind,
            ProviderErrorKind::RateLimited | ProviderErrorKind::Unavailable
        )
    }

    /// What the user can do about it, in one sentence.
    pub fn hint(&self) -> &'static str {
        match self.kind {
            ProviderErrorKind::Auth => "check the backend's `creds` in the config and that the key has permission to list regions",
            ProviderErrorKind::RateLimited => "the provider is throttling requests; retry later",
            ProviderErrorKind::Unavailable => "the provider's API is unreachable or failing; retry later or check `endpoint`",
            ProviderErrorKind::BadResponse => "the provider answered in an unexpected shape; check `endpoint` points at the provider's API",
            ProviderErrorKind::Rejected => "the provider rejected the request; check the backend's config",
        }
    }
}

impl fmt::Display for ProviderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.backend, self.kind.as_str())?;
        if let Some(status) = self.status {
            write!(f, " (HTTP {status})")?;
        }
        write!(f, ": {}", self.message)?;
        if let Some(wait) = self.retry_after {
            write!(f, " (retry after {}s)", wait.as_secs())?;
        }
        write!(f, "; {}", self.hint())
    }
}

impl std::error::Error for ProviderError {}

/// Where a problem in a config file is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConfigLocation {
    pub file: Option<PathBuf>,
    pub line: Option<usize>,
    pub column: Option<usize>,
}

impl fmt::Display for ConfigLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.file {
            Some(file) => write!(f, "{}", file.display())?,
            None => f.write_str("config")?,
        }
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        Ok(())
    }
}

/// Everything that can go wrong for a caller of regionkit.
#[derive(Clone, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("unknown backend `{name}`; linked backends: {}", linked.join(", "))]
    UnknownBackend { name: String, linked: Vec<String> },

    #[error("backend `{backend}` is registered twice")]
    DuplicateBackend { backend: String },

    #[error(
        "{backend}: {field}: unknown region `{name}`{}; known regions ({source_label}): {}",
        suggest(suggestions),
        preview(known)
    )]
    UnknownRegion {
        backend: String,
        /// The config field the name came from (`regions` of the backend config, run `regions`).
        field: String,
        name: String,
        suggestions: Vec<String>,
        known: Vec<String>,
        source_label: String,
    },

    #[error("{backend}: {field}: region `{region}` cannot be used: {detail}")]
    RegionExcluded {
        backend: String,
        field: String,
        region: String,
        detail: String,
    },

    #[error("{backend}: no usable region left: {}", chain.join("; "))]
    EmptyResult { backend: String, chain: Vec<String> },

    #[error("{location}: {message}")]
    Config {
        location: ConfigLocation,
        message: String,
    },

    #[error(transparent)]
    Provider(#[from] ProviderError),
}

impl Error {
    pub fn config(location: ConfigLocation, message: impl Into<String>) -> Self {
        Self::Config {
            location,
            message: message.into(),
        }
    }

    /// A config error in a backend's section, naming the backend and the field.
    pub fn backend_config(backend: &str, field: &str, message: impl fmt::Display) -> Self {
        Self::Config {
            location: ConfigLocation::default(),
            message: format!("backend `{backend}`: `{field}`: {message}"),
        }
    }

    /// Short machine-readable kind for the JSON contract.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::UnknownBackend { .. } => "unknown-backend",
            Self::DuplicateBackend { .. } => "duplicate-backend",
            Self::UnknownRegion { .. } => "unknown-region",
            Self::RegionExcluded { .. } => "region-excluded",
            Self::EmptyResult { .. } => "empty-result",
            Self::Config { .. } => "config",
            Self::Provider(e) => e.kind.as_str(),
        }
    }

    /// Errors the user fixes in their config or command line (CLI exit code 2).
    pub fn is_usage(&self) -> bool {
        !matches!(self, Self::Provider(_))
    }

    /// Attach the file name to a config error that was found without one.
    pub fn in_file(self, file: &std::path::Path) -> Self {
        match self {
            Self::Config {
                mut location,
                message,
            } => {
                if location.file.is_none() {
                    location.file = Some(file.to_path_buf());
                }
                Self::Config { location, message }
            }
            other => other,
        }
    }
}

fn suggest(suggestions: &[String]) -> String {
    match suggestions {
        [] => String::new(),
        [one] => format!(" (did you mean `{one}`?)"),
        many => format!(
            " (did you mean one of {}?)",
            many.iter()
                .map(|s| format!("`{s}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn preview(known: &[String]) -> String {
    const SHOWN: usize = 12;
    if known.len() <= SHOWN {
        known.join(", ")
    } else {
        format!("{}, … ({} in all)", known[..SHOWN].join(", "), known.len())
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
