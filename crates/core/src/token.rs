//! One token cache for every backend that trades credentials for a short-lived access token
//! (Verda's OAuth2 exchange, GCP and Azure access tokens, Nebius' token exchange).
//!
//! Where it sits: a backend's client holds a [`TokenCache`] for its account, and the kit keeps
//! that client's provider for as long as it lives, so a token is exchanged once and reused
//! until shortly before it expires. Concurrent callers wait for one exchange instead of each
//! starting their own; a call the provider answers 401 gets one fresh token and one more try.

use std::fmt;
use std::future::Future;
use std::time::{Duration, Instant};

use tokio::sync::Mutex;

use crate::error::{ProviderError, ProviderErrorKind};
use crate::secret::Secret;

/// The longest a token is trusted, whatever lifetime the provider gives it.
const MAX_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);

/// A token as the provider issued it.
#[derive(Clone, Debug)]
pub struct IssuedToken {
    pub value: Secret,
    /// The lifetime the provider stated (`expires_in`); `None` when it stated none.
    pub expires_in: Option<Duration>,
}

impl IssuedToken {
    pub fn new(value: Secret, expires_in: Option<Duration>) -> Self {
        Self { value, expires_in }
    }
}

/// An OAuth2 token endpoint's answer (RFC 6749 §5.1), the fields a client uses.
#[derive(serde::Deserialize)]
struct TokenAnswer {
    #[serde(default)]
    access_token: Option<Secret>,
    #[serde(default)]
    token_type: Option<String>,
    /// Seconds; some endpoints send it as a string.
    #[serde(default)]
    expires_in: Option<serde_json::Value>,
}

impl IssuedToken {
    /// Read an OAuth2 token endpoint's answer: `access_token` must be there and not blank,
    /// `token_type` (when given) must be `Bearer`, and `expires_in` is its lifetime (a
    /// number or a numeric string; anything else is no stated lifetime).
    pub fn from_oauth2_answer(
        backend: &str,
        response: &crate::http::HttpResponse,
    ) -> Result<Self, ProviderError> {
        let answer: TokenAnswer = response.json(backend)?;
        let value = answer
            .access_token
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                ProviderError::bad_response(backend, "the answer has no `access_token`")
            })?;
        if let Some(kind) = answer
            .token_type
            .as_deref()
            .filter(|t| !t.eq_ignore_ascii_case("bearer"))
        {
            return Err(ProviderError::bad_response(
                backend,
                format!("`token_type` is `{kind}`, not `Bearer`"),
            ));
        }
        let seconds = match answer.expires_in {
            Some(serde_json::Value::Number(n)) => n.as_u64(),
            Some(serde_json::Value::String(s)) => s.trim().parse().ok(),
            _ => None,
        };
        Ok(Self::new(value, seconds.map(Duration::from_secs)))
    }
}

/// A token in use, and the moment to stop using it.
#[derive(Clone)]
struct CachedToken {
    value: Secret,
    use_until: Instant,
}

#[derive(Default)]
struct State {
    token: Option<CachedToken>,
    /// The last failed exchange and when it ended: callers that waited for it get its error
    /// instead of starting another straight away.
    failure: Option<(Instant, ProviderError)>,
}

/// The access token of one account.
pub struct TokenCache {
    state: Mutex<State>,
    /// How long before its stated expiry a token is given up (at most half its lifetime).
    skew: Duration,
    /// The lifetime of a token whose issuer stated none.
    default_lifetime: Duration,
    exchanges: std::sync::atomic::AtomicU64,
}

impl fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenCache")
            .field("skew", &self.skew)
            .field("exchanges", &self.exchanges())
            .finish_non_exhaustive()
    }
}

impl Default for TokenCache {
    fn default() -> Self {
        Self::new()
    }
}

impl TokenCache {
    /// Tokens are given up a minute before they expire; one without a stated lifetime is
    /// used for five minutes.
    pub fn new() -> Self {
        Self::with_skew(Duration::from_secs(60))
    }

    pub fn with_skew(skew: Duration) -> Self {
        Self {
            state: Mutex::new(State::default()),
            skew,
            default_lifetime: Duration::from_secs(300),
            exchanges: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// How many exchanges this cache has started.
    pub fn exchanges(&self) -> u64 {
        self.exchanges.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// A token that is still good, else one from `exchange`. The lock is held across the
    /// exchange, so concurrent callers wait for one; those that waited for one that failed
    /// get its error.
    pub async fn get<F, Fut>(&self, exchange: F) -> Result<Secret, ProviderError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<IssuedToken, ProviderError>>,
    {
        let asked_at = Instant::now();
        let mut state = self.state.lock().await;
        if let Some(token) = state
            .token
            .as_ref()
            .filter(|t| Instant::now() < t.use_until)
        {
            return Ok(token.value.clone());
        }
        if let Some((_, error)) = state.failure.as_ref().filter(|(at, _)| *at >= asked_at) {
            return Err(error.clone());
        }
        self.exchanges
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let issued_at = Instant::now();
        match exchange().await {
            Ok(issued) => {
                let value = issued.value.clone();
                state.token = Some(CachedToken {
                    use_until: self.use_until(issued_at, issued.expires_in),
                    value: issued.value,
                });
                state.failure = None;
                Ok(value)
            }
            Err(error) => {
                state.token = None;
                state.failure = Some((Instant::now(), error.clone()));
                Err(error)
            }
        }
    }

    /// Run `call` with a token; when the provider refuses it (HTTP 401), drop that token,
    /// exchange once more and try once more.
    pub async fn with_token<T, E, EFut, C, CFut>(
        &self,
        exchange: E,
        mut call: C,
    ) -> Result<T, ProviderError>
    where
        E: Fn() -> EFut,
        EFut: Future<Output = Result<IssuedToken, ProviderError>>,
        C: FnMut(Secret) -> CFut,
        CFut: Future<Output = Result<T, ProviderError>>,
    {
        let token = self.get(&exchange).await?;
        match call(token.clone()).await {
            Err(error) if refused(&error) => {
                self.forget(&token).await;
                let fresh = self.get(&exchange).await?;
                call(fresh).await
            }
            other => other,
        }
    }

    /// Drop the cached token if it is still `refused`: another caller may already have
    /// replaced it, and that newer token stays.
    pub async fn forget(&self, refused: &Secret) {
        let mut state = self.state.lock().await;
        if state.token.as_ref().is_some_and(|t| t.value == *refused) {
            state.token = None;
        }
    }

    /// The moment to stop using a token issued at `issued_at`: its lifetime (clamped to a
    /// day) less the skew, or less half the lifetime when that is shorter.
    fn use_until(&self, issued_at: Instant, expires_in: Option<Duration>) -> Instant {
        let lifetime = expires_in
            .unwrap_or(self.default_lifetime)
            .min(MAX_LIFETIME);
        let margin = self.skew.min(lifetime / 2);
        issued_at
            .checked_add(lifetime.saturating_sub(margin))
            .unwrap_or(issued_at)
    }
}

/// Whether the provider refused the token itself (not a permission it lacks).
fn refused(error: &ProviderError) -> bool {
    error.kind == ProviderErrorKind::Auth && error.status == Some(401)
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::sync::Arc;

    use super::*;

    fn issued(value: &str, secs: u64) -> IssuedToken {
        IssuedToken::new(Secret::new(value), Some(Duration::from_secs(secs)))
    }

    fn answer(body: &str) -> crate::http::HttpResponse {
        crate::http::HttpResponse {
            status: 200,
            headers: Default::default(),
            body: body.to_owned().into(),
        }
    }

    #[test]
    fn an_oauth2_answer_is_read_and_checked() {
        let token = IssuedToken::from_oauth2_answer(
            "azure",
            &answer(r#"{"access_token": "t-1", "token_type": "Bearer", "expires_in": 3599}"#),
        )
        .unwrap();
        assert_eq!(token.value.expose(), "t-1");
        assert_eq!(token.expires_in, Some(Duration::from_secs(3599)));
        let quoted = IssuedToken::from_oauth2_answer(
            "azure",
            &answer(r#"{"access_token": "t-1", "expires_in": "3599"}"#),
        )
        .unwrap();
        assert_eq!(quoted.expires_in, Some(Duration::from_secs(3599)));
        for (body, says) in [
            (r#"{"token_type": "Bearer"}"#, "access_token"),
            (r#"{"access_token": ""}"#, "access_token"),
            (r#"{"access_token": "t", "token_type": "mac"}"#, "`mac`"),
        ] {
            let error = IssuedToken::from_oauth2_answer("gcp", &answer(body)).unwrap_err();
            assert_eq!(error.kind, ProviderErrorKind::BadResponse);
            assert!(error.message.contains(says), "{}", error.message);
        }
    }

    #[tokio::test]
    async fn a_good_token_is_exchanged_once_and_reused() {
        let cache = TokenCache::new();
        for _ in 0..3 {
            let token = cache
                .get(|| async { Ok(issued("t1", 3600)) })
                .await
                .unwrap();
            assert_eq!(token.expose(), "t1");
        }
        assert_eq!(cache.exchanges(), 1);
    }

    #[tokio::test]
    async fn concurrent_callers_share_one_exchange() {
        let cache = Arc::new(TokenCache::new());
        let calls = Arc::new(AtomicU32::new(0));
        let tasks: Vec<_> = (0..16)
            .map(|_| {
                let cache = cache.clone();
                let calls = calls.clone();
                tokio::spawn(async move {
                    cache
                        .get(|| async move {
                            calls.fetch_add(1, Ordering::SeqCst);
                            tokio::time::sleep(Duration::from_millis(20)).await;
                            Ok(issued("t", 3600))
                        })
                        .await
                })
            })
            .collect();
        for task in tasks {
            assert!(task.await.unwrap().is_ok());
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn lifetimes_are_clamped_and_never_overflow_the_clock() {
        let cache = TokenCache::new();
        let now = Instant::now();
        assert_eq!(
            cache.use_until(now, Some(Duration::from_secs(3600))),
            now + Duration::from_secs(3540)
        );
        assert_eq!(
            cache.use_until(now, Some(Duration::from_secs(10))),
            now + Duration::from_secs(5)
        );
        assert_eq!(
            cache.use_until(now, Some(Duration::MAX)),
            now + MAX_LIFETIME - Duration::from_secs(60)
        );
        assert_eq!(cache.use_until(now, Some(Duration::ZERO)), now);
        assert_eq!(cache.use_until(now, None), now + Duration::from_secs(240));
    }

    #[tokio::test]
    async fn a_refused_token_is_exchanged_again_once() {
        let cache = TokenCache::new();
        let generation = AtomicU32::new(0);
        let exchange = || {
            let n = generation.fetch_add(1, Ordering::SeqCst);
            async move { Ok(issued(&format!("t{n}"), 3600)) }
        };
        let seen = std::sync::Mutex::new(Vec::new());
        let result = cache
            .with_token(exchange, |token: Secret| {
                seen.lock().unwrap().push(token.expose().to_owned());
                let stale = token.expose() == "t0";
                async move {
                    if stale {
                        Err(ProviderError::auth("verda", "invalid token").with_status(401))
                    } else {
                        Ok(())
                    }
                }
            })
            .await;
        assert!(result.is_ok());
        assert_eq!(*seen.lock().unwrap(), ["t0", "t1"]);
        assert_eq!(cache.exchanges(), 2);
    }

    #[tokio::test]
    async fn a_forbidden_call_is_not_retried_with_a_new_token() {
        let cache = TokenCache::new();
        let calls = AtomicU32::new(0);
        let result: Result<(), _> = cache
            .with_token(
                || async { Ok(issued("t", 3600)) },
                |_| {
                    calls.fetch_add(1, Ordering::SeqCst);
                    async { Err(ProviderError::auth("verda", "forbidden").with_status(403)) }
                },
            )
            .await;
        assert_eq!(result.unwrap_err().status, Some(403));
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        assert_eq!(cache.exchanges(), 1);
    }
}
