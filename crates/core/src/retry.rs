//! The one retry loop every provider call goes through, whatever its transport.
//!
//! An HTTP request ([`crate::HttpClient::send`]) and a gRPC call
//! ([`crate::DiscoveryContext::call`]) both run here: each attempt is bounded by the request
//! timeout and by what is left of the overall deadline; only temporary errors
//! ([`ProviderError::is_temporary`]) are tried again, after the provider's own wait
//! (`Retry-After`, gRPC `RetryInfo`) or a jittered exponential backoff, and never past the
//! deadline. Backends classify errors; they never retry by themselves.

use std::future::Future;
use std::time::{Duration, Instant};

use crate::error::ProviderError;
use crate::http::HttpPolicy;

/// Run `attempt` under `policy` until it succeeds, fails for good, or `deadline` comes.
///
/// `attempt` gets the attempt number, from 1. A wait the provider asks for that would end
/// past the deadline is not waited: the last error is returned at once.
pub async fn with_retries<T, F, Fut>(
    backend: &str,
    policy: &HttpPolicy,
    deadline: Instant,
    mut attempt: F,
) -> Result<T, ProviderError>
where
    F: FnMut(u32) -> Fut,
    Fut: Future<Output = Result<T, ProviderError>>,
{
    let mut number = 0;
    loop {
        number += 1;
        let remaining = deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            return Err(ProviderError::unavailable(
                backend,
                "the deadline passed before the request could be sent",
            ));
        }
        let timeout = policy.request_timeout.min(remaining);
        let error = match tokio::time::timeout(timeout, attempt(number)).await {
            Ok(Ok(value)) => return Ok(value),
            Ok(Err(error)) => error,
            Err(_) => ProviderError::unavailable(
                backend,
                format!("no complete answer within {} ms", timeout.as_millis()),
            ),
        };
        if !error.is_temporary() || number >= policy.max_attempts {
            return Err(error);
        }
        let wait = error.retry_after.unwrap_or_else(|| policy.backoff(number));
        // A wait from a provider can be any size: compare it with what is left instead of
        // adding it to a clock.
        if wait >= deadline.saturating_duration_since(Instant::now()) {
            tracing::debug!(
                backend,
                wait_ms = millis(wait),
                "not retrying: the wait would pass the deadline"
            );
            return Err(error);
        }
        tracing::debug!(backend, attempt = number, wait_ms = millis(wait), error = %error.message, "retrying");
        tokio::time::sleep(wait).await;
    }
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;
    use crate::error::ProviderErrorKind;

    fn quick() -> HttpPolicy {
        HttpPolicy::default().with_backoff(Duration::from_millis(1), Duration::from_millis(2))
    }

    #[tokio::test]
    async fn temporary_errors_are_retried_until_success() {
        let calls = AtomicU32::new(0);
        let result = with_retries(
            "nebius",
            &quick(),
            Instant::now() + Duration::from_secs(5),
            |n| {
                calls.fetch_add(1, Ordering::SeqCst);
                async move {
                    if n < 3 {
                        Err(ProviderError::unavailable("nebius", "UNAVAILABLE"))
                    } else {
                        Ok(n)
                    }
                }
            },
        )
        .await;
        assert_eq!(result, Ok(3));
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn permanent_errors_are_not_retried() {
        let calls = AtomicU32::new(0);
        let result: Result<(), _> = with_retries(
            "nebius",
            &quick(),
            Instant::now() + Duration::from_secs(5),
            |_| {
                calls.fetch_add(1, Ordering::SeqCst);
                async { Err(ProviderError::auth("nebius", "UNAUTHENTICATED")) }
            },
        )
        .await;
        assert_eq!(result.unwrap_err().kind, ProviderErrorKind::Auth);
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_huge_provider_wait_ends_the_loop_instead_of_overflowing_the_clock() {
        let calls = AtomicU32::new(0);
        let result: Result<(), _> = with_retries(
            "nebius",
            &quick(),
            Instant::now() + Duration::from_secs(5),
            |_| {
                calls.fetch_add(1, Ordering::SeqCst);
                async {
                    Err(ProviderError::new(
                        "nebius",
                        ProviderErrorKind::RateLimited,
                        "RESOURCE_EXHAUSTED",
                    )
                    .with_retry_after(Some(Duration::MAX)))
                }
            },
        )
        .await;
        assert_eq!(result.unwrap_err().kind, ProviderErrorKind::RateLimited);
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn an_attempt_that_hangs_is_cut_at_the_request_timeout() {
        let policy = quick()
            .with_request_timeout(Duration::from_millis(20))
            .with_max_attempts(2);
        let started = Instant::now();
        let result: Result<(), _> = with_retries(
            "nebius",
            &policy,
            Instant::now() + Duration::from_secs(5),
            |_| std::future::pending(),
        )
        .await;
        let error = result.unwrap_err();
        assert_eq!(error.kind, ProviderErrorKind::Unavailable);
        assert!(error.message.contains("20 ms"), "{}", error.message);
        assert!(started.elapsed() < Duration::from_secs(2));
    }
}
