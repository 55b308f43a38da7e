//! Keeping to a provider's documented request rate: a [`Pacer`] spaces one account's
//! requests at least an interval apart, instead of sending them at once and hoping.
//!
//! Where it sits: a backend's client holds one per account (the kit keeps the provider, so
//! the pacing holds across discoveries) and waits on it before each call. The wait is bounded
//! by the discovery's deadline: a call that could not start in time fails at once as
//! unavailable, and the fallback chain answers.

use std::time::{Duration, Instant};

use tokio::sync::Mutex;

use crate::error::ProviderError;

/// Spaces requests at least `interval` apart.
#[derive(Debug)]
pub struct Pacer {
    interval: Duration,
    /// When the next request may leave.
    next: Mutex<Option<Instant>>,
}

impl Pacer {
    pub fn new(interval: Duration) -> Self {
        Self {
            interval,
            next: Mutex::new(None),
        }
    }

    pub fn interval(&self) -> Duration {
        self.interval
    }

    /// Wait for this request's turn. Callers queue in order; a turn that would come after
    /// `deadline` is not waited for.
    pub async fn wait(&self, backend: &str, deadline: Instant) -> Result<(), ProviderError> {
        let mut next = self.next.lock().await;
        let now = Instant::now();
        let turn = next.filter(|at| *at > now).unwrap_or(now);
        if turn >= deadline {
            return Err(ProviderError::unavailable(
                backend,
                format!(
                    "the provider allows one request per {} ms, and the next turn comes after the deadline",
                    self.interval.as_millis()
                ),
            ));
        }
        *next = Some(turn.checked_add(self.interval).unwrap_or(turn));
        drop(next);
        tokio::time::sleep_until(turn.into()).await;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn requests_are_spaced_by_the_interval() {
        let pacer = Pacer::new(Duration::from_millis(50));
        let deadline = Instant::now() + Duration::from_secs(5);
        let started = Instant::now();
        for _ in 0..3 {
            pacer.wait("lambda", deadline).await.unwrap();
        }
        // Three turns: now, +50 ms, +100 ms.
        assert!(started.elapsed() >= Duration::from_millis(100));
    }

    #[tokio::test]
    async fn a_turn_past_the_deadline_fails_at_once() {
        let pacer = Pacer::new(Duration::from_secs(3600));
        let deadline = Instant::now() + Duration::from_secs(5);
        pacer.wait("lambda", deadline).await.unwrap();
        let started = Instant::now();
        let error = pacer.wait("lambda", deadline).await.unwrap_err();
        assert!(
            error.message.contains("one request per"),
            "{}",
            error.message
        );
        assert!(started.elapsed() < Duration::from_secs(1));
    }
}
