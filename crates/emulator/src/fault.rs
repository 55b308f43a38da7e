//! Faults the emulator injects, per backend or per path of one backend.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// Something going wrong with a provider's API.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FaultKind {
    /// Answer normally, after a delay.
    Latency(Duration),
    /// HTTP 500 with the provider's error body.
    Http500,
    /// HTTP 503 with the provider's error body.
    Http503,
    /// HTTP 429 with `Retry-After` in seconds.
    Http429 { retry_after_secs: u64 },
    /// HTTP 401 with the provider's error body.
    Unauthorized,
    /// HTTP 403 with the provider's error body.
    Forbidden,
    /// Accept the request and never answer.
    Timeout,
    /// HTTP 200 with a body of the wrong shape.
    Malformed,
    /// HTTP 200 whose body stops half way, the connection closed under a full `Content-Length`.
    Truncated,
    /// HTTP 200 with a body of this many bytes.
    Oversized { bytes: usize },
    /// HTTP 200 with empty lists.
    Empty,
}

impl FaultKind {
    pub const NAMES: &'static [&'static str] = &[
        "latency:MS",
        "http-500",
        "http-503",
        "http-429[:SECONDS]",
        "unauthorized",
        "forbidden",
        "timeout",
        "malformed",
        "truncated",
        "oversized[:BYTES]",
        "empty",
    ];
}

impl fmt::Display for FaultKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Latency(d) => write!(f, "latency:{}", d.as_millis()),
            Self::Http500 => f.write_str("http-500"),
            Self::Http503 => f.write_str("http-503"),
            Self::Http429 { retry_after_secs } => write!(f, "http-429:{retry_after_secs}"),
            Self::Unauthorized => f.write_str("unauthorized"),
            Self::Forbidden => f.write_str("forbidden"),
            Self::Timeout => f.write_str("timeout"),
            Self::Malformed => f.write_str("malformed"),
            Self::Truncated => f.write_str("truncated"),
            Self::Oversized { bytes } => write!(f, "oversized:{bytes}"),
            Self::Empty => f.write_str("empty"),
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("unknown fault `{0}`; faults: {names}", names = FaultKind::NAMES.join(", "))]
pub struct UnknownFault(String);

impl FromStr for FaultKind {
    type Err = UnknownFault;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (name, value) = match s.split_once(':') {
            Some((name, value)) => (name, Some(value)),
            None => (s, None),
        };
        let number = |default: u64| -> Result<u64, UnknownFault> {
            value.map_or(Ok(default), |v| {
                v.parse().map_err(|_| UnknownFault(s.to_owned()))
            })
        };
        Ok(match name.trim().to_ascii_lowercase().as_str() {
            "latency" => Self::Latency(Duration::from_millis(number(1000)?)),
            "http-500" | "500" => Self::Http500,
            "http-503" | "503" => Self::Http503,
            "http-429" | "429" => Self::Http429 {
                retry_after_secs: number(1)?,
            },
            "unauthorized" | "http-401" | "401" => Self::Unauthorized,
            "forbidden" | "http-403" | "403" => Self::Forbidden,
            "timeout" => Self::Timeout,
            "malformed" => Self::Malformed,
            "truncated" => Self::Truncated,
            "oversized" => Self::Oversized {
                bytes: usize::try_from(number(20 * 1024 * 1024)?)
                    .map_err(|_| UnknownFault(s.to_owned()))?,
            },
            "empty" => Self::Empty,
            _ => return Err(UnknownFault(s.to_owned())),
        })
    }
}

/// A fault for one backend, for every request or for the next `times` requests, on every
/// path or on one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fault {
    pub backend: String,
    pub kind: FaultKind,
    pub times: Option<u32>,
    /// The requests it applies to, keyed as [`path_count`](crate::EmulatorHandle::path_count)
    /// keys them: `GET /api/v1/instance-types` (method and path below the backend prefix,
    /// without the query), or a path alone for every method. `None`: every request of the
    /// backend.
    pub path: Option<String>,
}

impl Fault {
    pub fn always(backend: impl Into<String>, kind: FaultKind) -> Self {
        Self {
            backend: backend.into(),
            kind,
            times: None,
            path: None,
        }
    }

    pub fn times(backend: impl Into<String>, kind: FaultKind, times: u32) -> Self {
        Self {
            backend: backend.into(),
            kind,
            times: Some(times),
            path: None,
        }
    }

    /// Apply only to requests on this path: `GET /api/v1/instance-types`, or
    /// `/api/v1/instance-types` for any method. A trailing `/` does not matter.
    pub fn on_path(mut self, method_and_path: impl Into<String>) -> Self {
        self.path = Some(method_and_path.into().trim().to_owned());
        self
    }

    /// Whether the fault applies to a request of `backend` with `method` on `path`, the path
    /// below the backend prefix.
    pub fn applies_to(&self, backend: &str, method: &str, path: &str) -> bool {
        if self.backend != backend {
            return false;
        }
        let Some(scope) = self.path.as_deref() else {
            return true;
        };
        let (scope_method, scope_path) = match scope.split_once(' ') {
            Some((method, path)) => (Some(method), path.trim()),
            None => (None, scope),
        };
        scope_method.is_none_or(|m| m.eq_ignore_ascii_case(method))
            && scope_path.trim_end_matches('/') == path.trim_end_matches('/')
    }
}

impl FromStr for Fault {
    type Err = UnknownFault;

    /// `BACKEND:KIND[:VALUE]`, as `--fault lambda:http-429:5` takes it.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (backend, kind) = s
            .split_once(':')
            .ok_or_else(|| UnknownFault(s.to_owned()))?;
        Ok(Self::always(backend.trim(), kind.parse()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_parse_from_the_command_line_form() {
        let fault: Fault = "lambda:http-429:5".parse().unwrap();
        assert_eq!(fault.backend, "lambda");
        assert_eq!(
            fault.kind,
            FaultKind::Http429 {
                retry_after_secs: 5
            }
        );
        assert_eq!(
            "latency:250".parse::<FaultKind>().unwrap(),
            FaultKind::Latency(Duration::from_millis(250))
        );
        let err = "lambda:explode".parse::<Fault>().unwrap_err().to_string();
        assert!(err.contains("http-500"), "{err}");
    }

    #[test]
    fn a_fault_on_a_path_applies_to_that_path_alone() {
        let fault =
            Fault::always("lambda", FaultKind::Http500).on_path("GET /api/v1/instance-types");
        assert!(fault.applies_to("lambda", "GET", "/api/v1/instance-types"));
        assert!(fault.applies_to("lambda", "get", "/api/v1/instance-types/"));
        assert!(!fault.applies_to("lambda", "GET", "/api/v1/regions"));
        assert!(!fault.applies_to("lambda", "POST", "/api/v1/instance-types"));
        assert!(!fault.applies_to("cudo", "GET", "/api/v1/instance-types"));
        let any_method = Fault::always("aws", FaultKind::Http500).on_path("/");
        assert!(any_method.applies_to("aws", "POST", "/"));
        assert!(any_method.applies_to("aws", "GET", "/"));
        let everywhere = Fault::always("lambda", FaultKind::Http500);
        assert!(everywhere.applies_to("lambda", "GET", "/api/v1/regions"));
    }
}
