//! The JSON contract (DESIGN §5), owned by the library so every host prints the same thing.
//!
//! Flow: the kit's [`BackendReport`]s → [`Report`] → `serde_json`. The CLI prints exactly
//! this; a program that embeds regionkit serializes the same types. The schema of the output
//! is committed as `docs/report.schema.json`, and a test validates real output against it.

use std::time::SystemTime;

use serde::ser::{SerializeStruct, Serializer};
use serde::Serialize;

use crate::engine::BackendReport;
use crate::error::{Error, ProviderError};

/// `{"backends": [...]}`, with `error` when something stopped every backend at once.
#[derive(Debug, Serialize)]
pub struct Report<'a> {
    pub backends: &'a [BackendReport],
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorReport>,
}

impl<'a> Report<'a> {
    pub fn new(backends: &'a [BackendReport]) -> Self {
        Self {
            backends,
            error: None,
        }
    }

    /// The report of a command that failed before any backend was resolved.
    pub fn failed(error: &Error) -> Self {
        Self {
            backends: &[],
            error: Some(ErrorReport::from(error)),
        }
    }

    /// The report as one line of JSON.
    pub fn to_json(&self) -> String {
        // Every field is a string, number, list or map with string keys: this cannot fail.
        serde_json::to_string(self).unwrap_or_else(|e| {
            serde_json::json!({
                "backends": [],
                "error": { "kind": "internal", "message": e.to_string() },
            })
            .to_string()
        })
    }
}

/// An error as the contract gives it: a short kind and the full message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ErrorReport {
    pub kind: &'static str,
    pub message: String,
}

impl From<&Error> for ErrorReport {
    fn from(error: &Error) -> Self {
        Self {
            kind: error.kind(),
            message: error.to_string(),
        }
    }
}

impl From<&ProviderError> for ErrorReport {
    fn from(error: &ProviderError) -> Self {
        Self {
            kind: error.kind.as_str(),
            message: error.to_string(),
        }
    }
}

/// A point in time as the contract writes it: RFC 3339, UTC, whole seconds.
pub fn timestamp(time: SystemTime) -> String {
    humantime::format_rfc3339_seconds(time).to_string()
}

impl BackendReport {
    /// The error to show: what stopped the backend, else the live failure a fallback
    /// answered for.
    pub fn shown_error(&self) -> Option<ErrorReport> {
        self.error.as_ref().map(ErrorReport::from).or_else(|| {
            self.resolution
                .as_ref()
                .and_then(|r| r.live_error.as_ref())
                .map(ErrorReport::from)
        })
    }
}

impl Serialize for BackendReport {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        const EMPTY: &[()] = &[];
        let resolution = self.resolution.as_ref();
        let mut out = serializer.serialize_struct("BackendReport", 10)?;
        out.serialize_field("backend", &self.backend)?;
        out.serialize_field("policy", &self.policy)?;
        out.serialize_field("source", &resolution.map(|r| r.source))?;
        out.serialize_field("fetched_at", &resolution.map(|r| timestamp(r.fetched_at)))?;
        match resolution {
            Some(r) => {
                out.serialize_field("regions", &r.regions)?;
                out.serialize_field("excluded", &r.excluded)?;
                out.serialize_field("new", &r.new)?;
                out.serialize_field("warnings", &r.warnings)?;
            }
            None => {
                out.serialize_field("regions", EMPTY)?;
                out.serialize_field("excluded", EMPTY)?;
                out.serialize_field("new", EMPTY)?;
                out.serialize_field("warnings", EMPTY)?;
            }
        }
        out.serialize_field("error", &self.shown_error())?;
        out.end()
    }
}
