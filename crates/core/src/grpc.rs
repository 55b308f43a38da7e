//! gRPC status codes and what they mean for the retry loop.
//!
//! Providers speak gRPC directly (Nebius) or through a gateway that puts the gRPC status in a
//! JSON error body (CUDO's grpc-gateway `Status`, Google's AIP-193 errors). Either way the
//! backend reads the code or its name, and this module turns it into a [`ProviderErrorKind`]
//! and, where the status carries a `google.rpc.RetryInfo`, into the wait it asks for.

use std::time::Duration;

use serde_json::Value;

use crate::error::ProviderErrorKind;

/// The canonical gRPC status names, indexed by code.
const NAMES: [&str; 17] = [
    "OK",
    "CANCELLED",
    "UNKNOWN",
    "INVALID_ARGUMENT",
    "DEADLINE_EXCEEDED",
    "NOT_FOUND",
    "ALREADY_EXISTS",
    "PERMISSION_DENIED",
    "RESOURCE_EXHAUSTED",
    "FAILED_PRECONDITION",
    "ABORTED",
    "OUT_OF_RANGE",
    "UNIMPLEMENTED",
    "INTERNAL",
    "UNAVAILABLE",
    "DATA_LOSS",
    "UNAUTHENTICATED",
];

/// The canonical name of a gRPC status code (`14` → `UNAVAILABLE`), if it is one.
pub fn code_name(code: i64) -> Option<&'static str> {
    usize::try_from(code)
        .ok()
        .and_then(|i| NAMES.get(i))
        .copied()
}

/// The kind of error a gRPC status name stands for. Unknown names are `Rejected`: a status
/// nobody can classify is not worth retrying.
pub fn kind_of_name(name: &str) -> ProviderErrorKind {
    match name.trim() {
        "UNAUTHENTICATED" | "PERMISSION_DENIED" => ProviderErrorKind::Auth,
        "RESOURCE_EXHAUSTED" => ProviderErrorKind::RateLimited,
        "UNAVAILABLE" | "INTERNAL" | "UNKNOWN" | "DEADLINE_EXCEEDED" | "ABORTED" => {
            ProviderErrorKind::Unavailable
        }
        "DATA_LOSS" => ProviderErrorKind::BadResponse,
        _ => ProviderErrorKind::Rejected,
    }
}

/// The kind of error a gRPC status code stands for.
pub fn kind_of_code(code: i64) -> ProviderErrorKind {
    code_name(code).map_or(ProviderErrorKind::Rejected, kind_of_name)
}

/// Longest wait a `RetryInfo` may ask for; anything longer is taken as this (the deadline
/// cuts it shorter still).
const MAX_RETRY_DELAY: Duration = Duration::from_secs(24 * 60 * 60);

/// The wait of a `google.rpc.RetryInfo` detail in a JSON status (`"retryDelay": "2.5s"`).
pub fn retry_info_delay(details: &[Value]) -> Option<Duration> {
    let delay = details
        .iter()
        .find(|d| {
            d.get("@type")
                .and_then(Value::as_str)
                .is_some_and(|t| t.ends_with("google.rpc.RetryInfo"))
        })?
        .get("retryDelay")?
        .as_str()?;
    parse_delay(delay)
}

/// A protobuf JSON `Duration` (`"3s"`, `"0.250s"`), clamped to a day; negative or not a
/// number is no delay at all.
pub fn parse_delay(text: &str) -> Option<Duration> {
    let seconds: f64 = text.trim().strip_suffix('s')?.trim().parse().ok()?;
    if !seconds.is_finite() || seconds < 0.0 {
        return None;
    }
    Some(Duration::try_from_secs_f64(seconds).map_or(MAX_RETRY_DELAY, |d| d.min(MAX_RETRY_DELAY)))
}

/// A `RetryInfo` delay given as protobuf `Duration` fields, clamped the same way.
pub fn delay_from_parts(seconds: i64, nanos: i32) -> Option<Duration> {
    if seconds < 0 || nanos < 0 {
        return None;
    }
    let whole = Duration::from_secs(seconds.unsigned_abs());
    let part = Duration::from_nanos(u64::from(nanos.unsigned_abs()));
    Some(whole.saturating_add(part).min(MAX_RETRY_DELAY))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_map_to_kinds_that_decide_retries() {
        assert_eq!(code_name(14), Some("UNAVAILABLE"));
        assert_eq!(kind_of_code(14), ProviderErrorKind::Unavailable);
        assert_eq!(kind_of_code(16), ProviderErrorKind::Auth);
        assert_eq!(kind_of_code(7), ProviderErrorKind::Auth);
        assert_eq!(kind_of_code(8), ProviderErrorKind::RateLimited);
        assert_eq!(kind_of_code(4), ProviderErrorKind::Unavailable);
        assert_eq!(kind_of_code(5), ProviderErrorKind::Rejected);
        assert_eq!(kind_of_code(-1), ProviderErrorKind::Rejected);
        assert_eq!(kind_of_code(99), ProviderErrorKind::Rejected);
        assert_eq!(
            kind_of_name(" RESOURCE_EXHAUSTED"),
            ProviderErrorKind::RateLimited
        );
    }

    #[test]
    fn retry_info_gives_the_delay_clamped() {
        let details: Vec<Value> = serde_json::from_str(
            r#"[{"@type": "type.googleapis.com/google.rpc.ErrorInfo"},
                {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "2.5s"}]"#,
        )
        .unwrap_or_default();
        assert_eq!(
            retry_info_delay(&details),
            Some(Duration::from_millis(2500))
        );
        assert_eq!(parse_delay("1e300s"), Some(MAX_RETRY_DELAY));
        assert_eq!(parse_delay("-3s"), None);
        assert_eq!(parse_delay("NaNs"), None);
        assert_eq!(parse_delay("soon"), None);
        assert_eq!(
            delay_from_parts(i64::MAX, 999_999_999),
            Some(MAX_RETRY_DELAY)
        );
        assert_eq!(
            delay_from_parts(1, 500_000_000),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(delay_from_parts(-1, 0), None);
    }
}
