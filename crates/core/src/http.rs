//! The one HTTP policy every backend uses: timeouts, the overall deadline, retries with
//! jittered backoff for temporary errors only, `Retry-After`, a response size cap and a
//! redirect limit.
//!
//! Backends build requests and classify error bodies; they never retry by themselves.

use std::time::{Duration, Instant, SystemTime};

use bytes::{Bytes, BytesMut};
use reqwest::header::{HeaderMap, RETRY_AFTER};
use serde::de::DeserializeOwned;

use crate::error::{Error, ProviderError, ProviderErrorKind};
use crate::retry::with_retries;

/// Limits and retry settings shared by every backend.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct HttpPolicy {
    /// Longest wait for one request, headers and body.
    pub request_timeout: Duration,
    pub connect_timeout: Duration,
    /// Attempts per request, the first included.
    pub max_attempts: u32,
    /// First backoff; doubled each attempt, with full jitter.
    pub backoff_base: Duration,
    pub backoff_max: Duration,
    /// Largest response body read; a larger one is a `bad-response` error.
    pub max_body_bytes: usize,
    pub max_redirects: usize,
}

impl Default for HttpPolicy {
    fn default() -> Self {
        Self {
            request_timeout: Duration::from_secs(15),
            connect_timeout: Duration::from_secs(5),
            max_attempts: 3,
            backoff_base: Duration::from_millis(200),
            backoff_max: Duration::from_secs(5),
            max_body_bytes: 16 * 1024 * 1024,
            max_redirects: 3,
        }
    }
}

impl HttpPolicy {
    pub fn with_request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    pub fn with_max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    pub fn with_backoff(mut self, base: Duration, max: Duration) -> Self {
        self.backoff_base = base;
        self.backoff_max = max;
        self
    }

    pub fn with_max_body_bytes(mut self, bytes: usize) -> Self {
        self.max_body_bytes = bytes;
        self
    }

    /// Backoff before attempt `attempt + 1`: full jitter over an exponential ceiling.
    pub(crate) fn backoff(&self, attempt: u32) -> Duration {
        let ceiling = self
            .backoff_base
            .saturating_mul(2u32.saturating_pow(attempt.saturating_sub(1)))
            .min(self.backoff_max);
        let millis = u64::try_from(ceiling.as_millis()).unwrap_or(u64::MAX);
        Duration::from_millis(fastrand::u64(millis / 2..=millis.max(1)))
    }
}

/// An HTTP client with the shared policy. Cheap to clone.
#[derive(Clone, Debug)]
pub struct HttpClient {
    client: reqwest::Client,
    policy: HttpPolicy,
}

impl HttpClient {
    pub fn new(policy: HttpPolicy) -> Result<Self, Error> {
        let client = Self::client_builder(&policy).build().map_err(|e| {
            Error::config(
                Default::default(),
                format!("cannot build the HTTP client: {e}"),
            )
        })?;
        Ok(Self { client, policy })
    }

    /// A `reqwest` client builder with the policy's connect timeout, redirect limit and user
    /// agent, for a backend that needs a client of its own (a cluster's CA and client
    /// certificate). Requests built from the finished client still go through
    /// [`HttpClient::send`] and its retries.
    pub fn client_builder(policy: &HttpPolicy) -> reqwest::ClientBuilder {
        reqwest::Client::builder()
            .connect_timeout(policy.connect_timeout)
            .redirect(same_origin_redirects(policy.max_redirects))
            .user_agent(concat!("regionkit/", env!("CARGO_PKG_VERSION")))
    }

    /// The same client under another policy (a backend's own timeout or body cap).
    pub fn with_policy(&self, policy: HttpPolicy) -> Self {
        Self {
            client: self.client.clone(),
            policy,
        }
    }

    pub fn policy(&self) -> &HttpPolicy {
        &self.policy
    }

    /// The underlying client, to build requests with.
    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// Send a request under the policy, retrying temporary failures until `deadline`.
    ///
    /// `classify` turns a non-success response into the backend's error (it reads the
    /// provider's error body); the status and `Retry-After` are filled in when it leaves them.
    /// The request may come from any `reqwest::Client`, the backend's own included
    /// ([`HttpClient::client_builder`]): the retry rules are the same.
    pub async fn send(
        &self,
        backend: &str,
        request: reqwest::RequestBuilder,
        deadline: Instant,
        classify: &(dyn Fn(&HttpResponse) -> ProviderError + Sync),
    ) -> Result<HttpResponse, ProviderError> {
        let secrets = secrets_of(&request);
        self.send_unredacted(backend, request, deadline, classify)
            .await
            .map_err(|mut error| {
                // A provider may echo what it was sent; what was a secret there stays one here.
                for secret in &secrets {
                    if error.message.contains(secret.as_str()) {
                        error.message = error.message.replace(secret.as_str(), "***");
                    }
                }
                error
            })
    }

    async fn send_unredacted(
        &self,
        backend: &str,
        request: reqwest::RequestBuilder,
        deadline: Instant,
        classify: &(dyn Fn(&HttpResponse) -> ProviderError + Sync),
    ) -> Result<HttpResponse, ProviderError> {
        with_retries(backend, &self.policy, deadline, |_| {
            let this_try = request.try_clone();
            async move {
                let Some(this_try) = this_try else {
                    return Err(ProviderError::new(
                        backend,
                        ProviderErrorKind::Rejected,
                        "the request body cannot be replayed",
                    ));
                };
                let response = self.attempt(backend, this_try).await?;
                if response.is_success() {
                    return Ok(response);
                }
                let mut error = classify(&response);
                error.status.get_or_insert(response.status);
                if error.retry_after.is_none() {
                    error.retry_after = retry_after(&response.headers);
                }
                Err(error)
            }
        })
        .await
    }

    async fn attempt(
        &self,
        backend: &str,
        request: reqwest::RequestBuilder,
    ) -> Result<HttpResponse, ProviderError> {
        let mut response = request
            .send()
            .await
            .map_err(|e| transport_error(backend, e))?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let cap = self.policy.max_body_bytes;
        if response
            .content_length()
            .is_some_and(|len| len > cap as u64)
        {
            return Err(too_large(backend, cap));
        }
        let mut body = BytesMut::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| transport_error(backend, e))?
        {
            if body.len() + chunk.len() > cap {
                return Err(too_large(backend, cap));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(HttpResponse {
            status,
            headers,
            body: body.freeze(),
        })
    }
}

/// Redirects are followed only within the origin first asked (same scheme, host and port),
/// at most `max` of them: a credential in a header or a body never follows a redirect to
/// another origin, and a plain-http target elsewhere is never reached.
fn same_origin_redirects(max: usize) -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(move |attempt| {
        let Some(first) = attempt.previous().first() else {
            return attempt.stop();
        };
        if attempt.previous().len() > max {
            return attempt.error(format!("more than {max} redirects"));
        }
        let next = attempt.url();
        let same = next.scheme() == first.scheme()
            && next.host_str() == first.host_str()
            && next.port_or_known_default() == first.port_or_known_default();
        if same {
            attempt.follow()
        } else {
            let to = format!(
                "{}://{}",
                next.scheme(),
                next.host_str().unwrap_or("(no host)")
            );
            attempt.error(format!(
                "a redirect to another origin ({to}) was refused: credentials are sent only to the endpoint configured"
            ))
        }
    })
}

/// Values in a request that are secrets: the credential of the `Authorization` header and
/// of any header named like a key or token, and the fields of a JSON or form body named like
/// a secret (an OAuth2 form's `client_secret`, `refresh_token`, `assertion`). Short values are left alone: redacting them would garble ordinary text.
fn secrets_of(request: &reqwest::RequestBuilder) -> Vec<String> {
    const SECRET_WORDS: [&str; 6] = ["secret", "password", "token", "key", "auth", "assertion"];
    let Some(built) = request.try_clone().and_then(|r| r.build().ok()) else {
        return Vec::new();
    };
    let secret_name = |name: &str| {
        let name = name.to_ascii_lowercase();
        SECRET_WORDS.iter().any(|w| name.contains(w))
    };
    let mut secrets = Vec::new();
    for (name, value) in built.headers() {
        if !secret_name(name.as_str()) {
            continue;
        }
        if let Ok(value) = value.to_str() {
            // `Bearer abc`: the credential is the last word.
            let credential = value.rsplit(' ').next().unwrap_or(value);
            secrets.push(credential.trim_end_matches(',').to_owned());
        }
    }
    if let Some(body) = built.body().and_then(reqwest::Body::as_bytes) {
        if let Ok(serde_json::Value::Object(fields)) = serde_json::from_slice(body) {
            for (name, value) in fields {
                if let (true, serde_json::Value::String(value)) = (secret_name(&name), value) {
                    secrets.push(value);
                }
            }
        } else {
            // An OAuth2 token request is a form: `client_secret=…&refresh_token=…`.
            for (name, value) in url::form_urlencoded::parse(body) {
                if secret_name(&name) {
                    secrets.push(value.into_owned());
                }
            }
        }
    }
    secrets.retain(|s| s.len() >= 8);
    secrets
}

fn too_large(backend: &str, cap: usize) -> ProviderError {
    ProviderError::bad_response(
        backend,
        format!("the response is larger than the {cap}-byte limit"),
    )
}

/// Describe a transport failure without the URL, which may carry credentials in its query.
fn transport_error(backend: &str, error: reqwest::Error) -> ProviderError {
    let what = if error.is_timeout() {
        "the request timed out"
    } else if error.is_connect() {
        "cannot connect to the API"
    } else if error.is_redirect() {
        "a redirect was not followed"
    } else if error.is_body() || error.is_decode() {
        "the response body was cut off"
    } else {
        "the request failed"
    };
    let mut detail = String::new();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        detail = cause.to_string();
        source = cause.source();
    }
    let message = if detail.is_empty() {
        what.to_owned()
    } else {
        format!("{what}: {detail}")
    };
    let kind = if error.is_redirect() {
        ProviderErrorKind::BadResponse
    } else {
        ProviderErrorKind::Unavailable
    };
    ProviderError::new(backend, kind, message)
}

/// `Retry-After` as delta-seconds or an HTTP date.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        // Any size may arrive; the retry loop compares it with the time left, never adds it.
        return Some(Duration::from_secs(seconds));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(
        date.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

/// A response read whole under the size cap.
#[derive(Clone, Debug)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl HttpResponse {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// Decode the body as JSON; a failure is a `bad-response` error naming the field.
    pub fn json<T: DeserializeOwned>(&self, backend: &str) -> Result<T, ProviderError> {
        decode_json(backend, &self.body)
    }

    /// The start of the body as text, for error messages.
    pub fn snippet(&self) -> String {
        let text = String::from_utf8_lossy(&self.body);
        let text = text.trim();
        match text.char_indices().nth(200) {
            Some((cut, _)) => format!("{}…", &text[..cut]),
            None => text.to_owned(),
        }
    }
}

/// Decode JSON, naming where it went wrong: `data[2].name: invalid type` or a cut-off body.
pub fn decode_json<T: DeserializeOwned>(backend: &str, body: &[u8]) -> Result<T, ProviderError> {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let what = if inner.is_eof() {
            "the response ends early (truncated JSON)".to_owned()
        } else if inner.is_syntax() {
            format!("the response is not valid JSON ({inner})")
        } else if path == "." {
            format!("unexpected response shape: {inner}")
        } else {
            format!("unexpected response shape at `{path}`: {inner}")
        };
        ProviderError::bad_response(backend, what)
    })?;
    deserializer.end().map_err(|e| {
        ProviderError::bad_response(
            backend,
            format!("trailing data after the JSON response ({e})"),
        )
    })?;
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, "7".parse().unwrap());
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(7)));
        let later = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(120));
        headers.insert(RETRY_AFTER, later.parse().unwrap());
        let wait = retry_after(&headers).unwrap();
        assert!(
            wait > Duration::from_secs(100) && wait <= Duration::from_secs(120),
            "{wait:?}"
        );
        headers.insert(RETRY_AFTER, "soon".parse().unwrap());
        assert_eq!(retry_after(&headers), None);
    }

    #[test]
    fn backoff_stays_under_its_ceiling() {
        let policy = HttpPolicy::default()
            .with_backoff(Duration::from_millis(100), Duration::from_millis(300));
        for attempt in 1..10 {
            assert!(policy.backoff(attempt) <= Duration::from_millis(300));
        }
    }

    #[tokio::test]
    async fn a_backends_own_client_is_retried_under_the_shared_policy() {
        use std::sync::atomic::{AtomicU32, Ordering};
        use std::sync::Arc;

        let hits = Arc::new(AtomicU32::new(0));
        let counted = hits.clone();
        let app = axum::Router::new().route(
            "/nodes",
            axum::routing::get(move |headers: axum::http::HeaderMap| {
                let counted = counted.clone();
                async move {
                    let n = counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    let ours = headers
                        .get("x-cluster")
                        .is_some_and(|v| v.as_bytes() == b"gpu-east");
                    match (ours, n) {
                        (false, _) => (axum::http::StatusCode::FORBIDDEN, "not our client"),
                        (true, 0 | 1) => (axum::http::StatusCode::SERVICE_UNAVAILABLE, "busy"),
                        (true, _) => (axum::http::StatusCode::OK, "{}"),
                    }
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });

        let policy =
            HttpPolicy::default().with_backoff(Duration::from_millis(1), Duration::from_millis(2));
        let mut headers = HeaderMap::new();
        headers.insert("x-cluster", "gpu-east".parse().unwrap());
        let own = HttpClient::client_builder(&policy)
            .default_headers(headers)
            .build()
            .unwrap();
        let shared = HttpClient::new(policy).unwrap();
        let response = shared
            .send(
                "kubernetes",
                own.get(format!("http://{addr}/nodes")),
                Instant::now() + Duration::from_secs(5),
                &|r| ProviderError::from_status("kubernetes", r.status, r.snippet()),
            )
            .await
            .unwrap();
        assert_eq!(response.status, 200);
        assert_eq!(
            hits.load(Ordering::SeqCst),
            3,
            "two 503s retried, then success"
        );
    }

    /// A loopback server answering every request with `status`, `location` and `body`,
    /// counting the requests.
    async fn server(
        status: u16,
        location: Option<String>,
        body: &'static str,
    ) -> (
        std::net::SocketAddr,
        std::sync::Arc<std::sync::atomic::AtomicU32>,
    ) {
        use std::sync::atomic::{AtomicU32, Ordering};
        let hits = std::sync::Arc::new(AtomicU32::new(0));
        let counted = hits.clone();
        let app = axum::Router::new().fallback(move || {
            let counted = counted.clone();
            let location = location.clone();
            async move {
                counted.fetch_add(1, Ordering::SeqCst);
                let mut response = axum::response::Response::new(axum::body::Body::from(body));
                *response.status_mut() = axum::http::StatusCode::from_u16(status).unwrap();
                if let Some(location) = location {
                    response
                        .headers_mut()
                        .insert("location", location.parse().unwrap());
                }
                response
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        (addr, hits)
    }

    fn classify_by_status(r: &HttpResponse) -> ProviderError {
        ProviderError::from_status("verda", r.status, r.snippet())
    }

    #[tokio::test]
    async fn a_redirect_to_another_origin_is_refused_and_nothing_reaches_it() {
        let (elsewhere, reached) = server(200, None, "{}").await;
        let (first, _) = server(307, Some(format!("http://{elsewhere}/oauth2/token")), "").await;
        let http = HttpClient::new(HttpPolicy::default()).unwrap();
        let request = http
            .client()
            .post(format!("http://{first}/oauth2/token"))
            .body(r#"{"client_secret": "very-secret-value"}"#);
        let error = http
            .send(
                "verda",
                request,
                Instant::now() + Duration::from_secs(5),
                &classify_by_status,
            )
            .await
            .unwrap_err();
        assert_eq!(error.kind, ProviderErrorKind::BadResponse);
        assert!(
            error.message.contains("another origin"),
            "{}",
            error.message
        );
        assert_eq!(reached.load(std::sync::atomic::Ordering::SeqCst), 0);
    }

    #[tokio::test]
    async fn a_secret_the_provider_echoes_is_redacted_from_the_error() {
        let (addr, _) = server(
            400,
            None,
            r#"{"error": "bad key sk-live-0123456789abcdef and client secret very-secret-value"}"#,
        )
        .await;
        let http = HttpClient::new(HttpPolicy::default()).unwrap();
        let request = http
            .client()
            .post(format!("http://{addr}/"))
            .bearer_auth("sk-live-0123456789abcdef")
            .body(r#"{"client_secret": "very-secret-value", "grant_type": "client_credentials"}"#);
        let error = http
            .send(
                "verda",
                request,
                Instant::now() + Duration::from_secs(5),
                &classify_by_status,
            )
            .await
            .unwrap_err();
        assert!(
            !error.message.contains("sk-live-0123456789abcdef"),
            "{}",
            error.message
        );
        assert!(
            !error.message.contains("very-secret-value"),
            "{}",
            error.message
        );
        assert!(error.message.contains("***"), "{}", error.message);
    }

    #[test]
    fn backoff_waits_at_least_half_its_ceiling() {
        let policy =
            HttpPolicy::default().with_backoff(Duration::from_millis(100), Duration::from_secs(5));
        for _ in 0..100 {
            let wait = policy.backoff(1);
            assert!(
                wait >= Duration::from_millis(50) && wait <= Duration::from_millis(100),
                "{wait:?}"
            );
        }
        assert!(
            policy.backoff(3) >= Duration::from_millis(200),
            "doubles each attempt"
        );
    }

    /// A loopback server that writes `raw` as its whole answer to every connection, then
    /// closes it.
    async fn raw_server(raw: &'static [u8]) -> std::net::SocketAddr {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let mut request = [0u8; 4096];
                let _ = socket.read(&mut request).await;
                let _ = socket.write_all(raw).await;
                let _ = socket.shutdown().await;
            }
        });
        addr
    }

    async fn get_with_cap(
        addr: std::net::SocketAddr,
        cap: usize,
    ) -> Result<HttpResponse, ProviderError> {
        let http = HttpClient::new(
            HttpPolicy::default()
                .with_max_attempts(1)
                .with_max_body_bytes(cap),
        )
        .unwrap();
        let request = http.client().get(format!("http://{addr}/"));
        http.send(
            "lambda",
            request,
            Instant::now() + Duration::from_secs(5),
            &classify_by_status,
        )
        .await
    }

    #[tokio::test]
    async fn a_body_of_exactly_the_cap_is_read_and_one_byte_more_is_refused() {
        let exact = raw_server(b"HTTP/1.1 200 OK\r\ncontent-length: 4\r\n\r\nabcd").await;
        assert_eq!(get_with_cap(exact, 4).await.unwrap().body.as_ref(), b"abcd");
        let over = get_with_cap(exact, 3).await.unwrap_err();
        assert!(over.message.contains("3-byte limit"), "{}", over.message);
        // Without a length up front, the cap is counted as the body arrives.
        let chunked = raw_server(
            b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n6\r\nabcdef\r\n0\r\n\r\n",
        )
        .await;
        assert_eq!(
            get_with_cap(chunked, 6).await.unwrap().body.as_ref(),
            b"abcdef"
        );
        let over = get_with_cap(chunked, 5).await.unwrap_err();
        assert!(over.message.contains("5-byte limit"), "{}", over.message);
    }

    #[tokio::test]
    async fn a_body_cut_off_mid_way_is_named_as_such() {
        let addr = raw_server(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nabc").await;
        let error = get_with_cap(addr, 1000).await.unwrap_err();
        assert_eq!(error.kind, ProviderErrorKind::Unavailable);
        assert!(error.message.contains("cut off"), "{}", error.message);
    }

    #[tokio::test]
    async fn redirects_within_the_origin_are_followed_up_to_the_limit() {
        let (end, reached) = server(200, None, "{}").await;
        let (one_hop, _) = server(307, Some(format!("http://{end}/final")), "").await;
        // A redirect to another port is another origin; within one server it is followed.
        let app = axum::Router::new()
            .route(
                "/a",
                axum::routing::get(|| async { axum::response::Redirect::temporary("/b") }),
            )
            .route(
                "/b",
                axum::routing::get(|| async { axum::response::Redirect::temporary("/c") }),
            )
            .route("/c", axum::routing::get(|| async { "{}" }));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        let send = |max: usize, url: String| async move {
            let policy = HttpPolicy {
                max_redirects: max,
                ..HttpPolicy::default()
            };
            let http = HttpClient::new(policy.with_max_attempts(1)).unwrap();
            let request = http.client().get(url);
            http.send(
                "lambda",
                request,
                Instant::now() + Duration::from_secs(5),
                &classify_by_status,
            )
            .await
        };
        assert_eq!(
            send(2, format!("http://{addr}/a")).await.unwrap().status,
            200
        );
        let error = send(1, format!("http://{addr}/a")).await.unwrap_err();
        assert!(
            error.message.contains("more than 1 redirects"),
            "{}",
            error.message
        );
        assert!(send(3, format!("http://{one_hop}/")).await.is_err());
        assert_eq!(reached.load(std::sync::atomic::Ordering::SeqCst), 0);
    }

    #[tokio::test]
    async fn a_secret_sent_in_a_form_and_echoed_back_is_redacted() {
        let (addr, _) = server(
            400,
            None,
            r#"{"error": "invalid_client", "error_description": "bad secret form-secret-0123456789 for refresh 1//refresh-canary-abcdef"}"#,
        )
        .await;
        let http = HttpClient::new(HttpPolicy::default()).unwrap();
        let request = http
            .client()
            .post(format!("http://{addr}/token"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body("grant_type=refresh_token&client_secret=form-secret-0123456789&refresh_token=1%2F%2Frefresh-canary-abcdef");
        let error = http
            .send(
                "gcp",
                request,
                Instant::now() + Duration::from_secs(5),
                &classify_by_status,
            )
            .await
            .unwrap_err();
        assert!(
            !error.message.contains("form-secret-0123456789"),
            "{}",
            error.message
        );
        assert!(
            !error.message.contains("refresh-canary-abcdef"),
            "{}",
            error.message
        );
    }

    #[test]
    fn truncated_json_is_named_as_such() {
        let err = decode_json::<serde_json::Value>("lambda", br#"{"data": [{"name": "us-ea"#)
            .unwrap_err();
        assert_eq!(err.kind, ProviderErrorKind::BadResponse);
        assert!(err.message.contains("truncated"), "{}", err.message);
    }

    #[test]
    fn shape_errors_name_the_field() {
        #[derive(serde::Deserialize, Debug)]
        struct Item {
            #[allow(dead_code)]
            name: String,
        }
        let err =
            decode_json::<Vec<Item>>("lambda", br#"[{"name": "a"}, {"name": 5}]"#).unwrap_err();
        assert!(err.message.contains("[1].name"), "{}", err.message);
    }
}
