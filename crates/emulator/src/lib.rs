//! regionkit-emulator: the provider APIs regionkit calls, served on loopback.
//!
//! Each backend crate implements [`EmulatedApi`] behind its `emulator` feature and registers
//! it with `inventory::submit!`. The [`Emulator`] hosts every linked backend on one port under
//! a path prefix (`http://127.0.0.1:PORT/<backend>/...`), injects faults per backend or per
//! path of a backend, counts requests, and writes a native config whose `endpoint`s point at
//! it.
//!
//! Control endpoints, for tools driving a running emulator:
//! `GET /_emulator/requests`, `POST /_emulator/faults` (`{"backend","fault","times","path"}`,
//! `times` and `path` optional; `path` as [`Fault::on_path`] takes it) and
//! `DELETE /_emulator/faults`.

mod api;
mod fault;

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::Response;
use axum::Router;
use tokio::sync::oneshot;

pub use api::{EmuRequest, EmuResponse, EmulatedApi, EmulatorRegistration, HeaderMap};
pub use fault::{Fault, FaultKind, UnknownFault};
pub use inventory;

/// Errors starting or controlling the emulator.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EmulatorError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("no emulator is linked for backend `{0}`")]
    UnknownBackend(String),
    #[error("cannot write the config to {path}: {source}")]
    WriteConfig {
        path: String,
        source: std::io::Error,
    },
}

/// Builds and starts an emulator.
#[derive(Debug, Default)]
pub struct Emulator {
    port: u16,
    only: Option<Vec<String>>,
    latency: Option<Duration>,
    faults: Vec<Fault>,
}

impl Emulator {
    pub fn new() -> Self {
        Self::default()
    }

    /// Listen on this port of 127.0.0.1; 0 (the default) picks a free one.
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Host only these backends (default: every linked one).
    pub fn only<I, S>(mut self, backends: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.only = Some(backends.into_iter().map(Into::into).collect());
        self
    }

    /// Delay every answer of every backend.
    pub fn latency(mut self, latency: Duration) -> Self {
        self.latency = Some(latency);
        self
    }

    pub fn fault(mut self, fault: Fault) -> Self {
        self.faults.push(fault);
        self
    }

    /// The ids of every backend whose emulator is linked.
    pub fn linked() -> Vec<&'static str> {
        let mut ids: Vec<_> = inventory::iter::<EmulatorRegistration>
            .into_iter()
            .map(|r| r.backend)
            .collect();
        ids.sort_unstable();
        ids
    }

    pub async fn start(self) -> Result<EmulatorHandle, EmulatorError> {
        let mut apis: BTreeMap<String, Arc<dyn EmulatedApi>> = BTreeMap::new();
        for registration in inventory::iter::<EmulatorRegistration> {
            if self
                .only
                .as_ref()
                .is_none_or(|only| only.iter().any(|o| o == registration.backend))
            {
                apis.insert(
                    registration.backend.to_owned(),
                    Arc::from((registration.build)()),
                );
            }
        }
        if let Some(only) = &self.only {
            if let Some(missing) = only.iter().find(|o| !apis.contains_key(o.as_str())) {
                return Err(EmulatorError::UnknownBackend(missing.clone()));
            }
        }
        for fault in &self.faults {
            if !apis.contains_key(&fault.backend) {
                return Err(EmulatorError::UnknownBackend(fault.backend.clone()));
            }
        }
        let state = Arc::new(Shared {
            apis,
            latency: self.latency,
            faults: Mutex::new(self.faults),
            requests: Mutex::new(HashMap::new()),
        });
        let addr = SocketAddr::from(([127, 0, 0, 1], self.port));
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|source| EmulatorError::Bind { addr, source })?;
        let addr = listener
            .local_addr()
            .map_err(|source| EmulatorError::Bind { addr, source })?;
        let app = Router::new().fallback(dispatch).with_state(state.clone());
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let serve = axum::serve(listener, app).with_graceful_shutdown(async {
                let _ = stopped.await;
            });
            if let Err(e) = serve.await {
                tracing::error!(error = %e, "the emulator stopped");
            }
        });
        tracing::info!(%addr, backends = ?state.apis.keys().collect::<Vec<_>>(), "emulator listening");
        Ok(EmulatorHandle {
            addr,
            state,
            _stop: stop,
        })
    }
}

struct Shared {
    apis: BTreeMap<String, Arc<dyn EmulatedApi>>,
    latency: Option<Duration>,
    faults: Mutex<Vec<Fault>>,
    /// (backend, method and path) → count.
    requests: Mutex<HashMap<(String, String), u64>>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Shared {
    /// The fault to apply to this request of `backend`, consuming one use of it. A fault
    /// scoped to the request's path comes before one for the whole backend.
    fn take_fault(&self, backend: &str, method: &str, path: &str) -> Option<FaultKind> {
        let mut faults = lock(&self.faults);
        let applies = |f: &Fault| f.applies_to(backend, method, path);
        let index = faults
            .iter()
            .position(|f| f.path.is_some() && applies(f))
            .or_else(|| faults.iter().position(|f| f.path.is_none() && applies(f)))?;
        let fault = &mut faults[index];
        let kind = fault.kind;
        if let Some(times) = &mut fault.times {
            *times = times.saturating_sub(1);
            if *times == 0 {
                faults.remove(index);
            }
        }
        Some(kind)
    }

    /// Set a fault in place of the one of the same backend and path scope.
    fn set_fault(&self, fault: Fault) {
        let mut faults = lock(&self.faults);
        faults.retain(|f| f.backend != fault.backend || f.path != fault.path);
        faults.push(fault);
    }
}

/// A running emulator; it stops when the handle is dropped.
pub struct EmulatorHandle {
    addr: SocketAddr,
    state: Arc<Shared>,
    _stop: oneshot::Sender<()>,
}

impl std::fmt::Debug for EmulatorHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmulatorHandle")
            .field("addr", &self.addr)
            .field("backends", &self.backends())
            .finish()
    }
}

impl EmulatorHandle {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn backends(&self) -> Vec<&str> {
        self.state.apis.keys().map(String::as_str).collect()
    }

    /// The base URL of one backend's emulated API, to use as its `endpoint`.
    pub fn endpoint(&self, backend: &str) -> String {
        format!("http://{}/{backend}", self.addr)
    }

    /// Requests `backend` received so far, all paths together.
    pub fn request_count(&self, backend: &str) -> u64 {
        lock(&self.state.requests)
            .iter()
            .filter(|((b, _), _)| b == backend)
            .map(|(_, n)| n)
            .sum()
    }

    /// Requests `backend` received on one path (`GET /api/v1/regions`).
    pub fn path_count(&self, backend: &str, method_and_path: &str) -> u64 {
        lock(&self.state.requests)
            .get(&(backend.to_owned(), method_and_path.to_owned()))
            .copied()
            .unwrap_or(0)
    }

    pub fn reset_counts(&self) {
        lock(&self.state.requests).clear();
    }

    /// Set a fault, replacing the one set before for the same backend and the same path
    /// scope ([`Fault::on_path`]); faults of that backend on other paths stay.
    pub fn set_fault(&self, fault: Fault) {
        self.state.set_fault(fault);
    }

    pub fn clear_faults(&self) {
        lock(&self.state.faults).clear();
    }

    /// A native config with one section per hosted backend, pointing at this emulator.
    pub fn native_config(&self) -> String {
        let sections: Vec<serde_yaml::Value> = self
            .state
            .apis
            .iter()
            .map(|(backend, api)| {
                let mut section = serde_yaml::Mapping::new();
                section.insert("type".into(), backend.as_str().into());
                for (key, value) in api.config_section() {
                    section.insert(key, value);
                }
                section.insert("endpoint".into(), self.endpoint(backend).into());
                serde_yaml::Value::Mapping(section)
            })
            .collect();
        let mut top = serde_yaml::Mapping::new();
        top.insert("backends".into(), serde_yaml::Value::Sequence(sections));
        let body = serde_yaml::to_string(&top).unwrap_or_default();
        format!(
            "# regionkit config for the emulator at http://{}\n{body}",
            self.addr
        )
    }

    pub fn write_config(&self, path: &Path) -> Result<(), EmulatorError> {
        std::fs::write(path, self.native_config()).map_err(|source| EmulatorError::WriteConfig {
            path: path.display().to_string(),
            source,
        })
    }
}

async fn dispatch(State(state): State<Arc<Shared>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let full_path = parts.uri.path().to_owned();
    let body = axum::body::to_bytes(body, 64 * 1024 * 1024)
        .await
        .unwrap_or_default();
    if let Some(control) = full_path.strip_prefix("/_emulator/") {
        return control_endpoint(&state, parts.method.as_str(), control, &body);
    }
    let trimmed = full_path.trim_start_matches('/');
    let (backend, rest) = trimmed.split_once('/').unwrap_or((trimmed, ""));
    let Some(api) = state.apis.get(backend).cloned() else {
        let known: Vec<_> = state.apis.keys().cloned().collect();
        return plain(
            404,
            &format!(
                "no emulated backend `{backend}`; hosted: {}",
                known.join(", ")
            ),
        );
    };
    let path = format!("/{rest}");
    *lock(&state.requests)
        .entry((backend.to_owned(), format!("{} {path}", parts.method)))
        .or_insert(0) += 1;

    let fault = state.take_fault(backend, parts.method.as_str(), &path);
    if let Some(latency) = state.latency {
        tokio::time::sleep(latency).await;
    }
    let query = parts
        .uri
        .query()
        .map(|q| {
            q.split('&')
                .filter(|p| !p.is_empty())
                .map(|pair| {
                    let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                    (percent_decode(k), percent_decode(v))
                })
                .collect()
        })
        .unwrap_or_default();
    let emu_request = EmuRequest {
        method: parts.method.to_string(),
        path,
        raw_path: full_path,
        query,
        headers: parts.headers,
        body,
        empty: fault == Some(FaultKind::Empty),
    };
    match fault {
        None | Some(FaultKind::Empty) => into_response(api.handle(&emu_request)),
        Some(FaultKind::Latency(delay)) => {
            tokio::time::sleep(delay).await;
            into_response(api.handle(&emu_request))
        }
        Some(FaultKind::Http500) => {
            into_response(api.error_response(500, "Internal server error (injected)"))
        }
        Some(FaultKind::Http503) => {
            into_response(api.error_response(503, "Service unavailable (injected)"))
        }
        Some(FaultKind::Http429 { retry_after_secs }) => into_response(
            api.error_response(429, "Too many requests (injected)")
                .with_header("retry-after", &retry_after_secs.to_string()),
        ),
        Some(FaultKind::Unauthorized) => {
            into_response(api.error_response(401, "Invalid credentials (injected)"))
        }
        Some(FaultKind::Forbidden) => {
            into_response(api.error_response(403, "Access denied (injected)"))
        }
        Some(FaultKind::Timeout) => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            plain(504, "the emulator gave up waiting")
        }
        Some(FaultKind::Malformed) => into_response(EmuResponse::json(
            200,
            &serde_json::json!({ "unexpected": "this is not the documented shape", "count": 7 }),
        )),
        Some(FaultKind::Truncated) => truncated(api.handle(&emu_request)),
        Some(FaultKind::Oversized { bytes }) => oversized(bytes),
    }
}

fn control_endpoint(state: &Shared, method: &str, path: &str, body: &[u8]) -> Response {
    match (method, path.trim_end_matches('/')) {
        ("GET", "requests") => {
            let counts: BTreeMap<String, u64> = lock(&state.requests)
                .iter()
                .map(|((backend, path), n)| (format!("{backend} {path}"), *n))
                .collect();
            into_response(EmuResponse::json(200, &counts))
        }
        ("POST", "faults") => {
            #[derive(serde::Deserialize)]
            struct Body {
                backend: String,
                fault: String,
                times: Option<u32>,
                path: Option<String>,
            }
            let parsed = serde_json::from_slice::<Body>(body)
                .map_err(|e| e.to_string())
                .and_then(|b| {
                    let kind = b.fault.parse::<FaultKind>().map_err(|e| e.to_string())?;
                    let fault = Fault {
                        backend: b.backend,
                        kind,
                        times: b.times,
                        path: None,
                    };
                    Ok(match b.path {
                        Some(path) => fault.on_path(path),
                        None => fault,
                    })
                });
            match parsed {
                Ok(fault) if !state.apis.contains_key(&fault.backend) => {
                    plain(404, &format!("no emulated backend `{}`", fault.backend))
                }
                Ok(fault) => {
                    state.set_fault(fault);
                    plain(204, "")
                }
                Err(e) => plain(400, &e),
            }
        }
        ("DELETE", "faults") => {
            lock(&state.faults).clear();
            plain(204, "")
        }
        _ => plain(
            404,
            "control endpoints: GET /_emulator/requests, POST|DELETE /_emulator/faults",
        ),
    }
}

fn plain(status: u16, text: &str) -> Response {
    into_response(EmuResponse::text(status, text.to_owned()))
}

fn into_response(response: EmuResponse) -> Response {
    let mut built = Response::new(Body::from(response.body));
    *built.status_mut() =
        StatusCode::from_u16(response.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    for (name, value) in response.headers {
        if let (Ok(name), Ok(value)) = (HeaderName::try_from(name), HeaderValue::try_from(value)) {
            built.headers_mut().append(name, value);
        }
    }
    built
}

/// The normal answer cut in half: the full `Content-Length` is announced, half the bytes are
/// sent, then the connection is dropped.
fn truncated(response: EmuResponse) -> Response {
    let full = response.body.len();
    let half = response.body.slice(..full / 2);
    // The pause lets the headers and the first half reach the client before the abort.
    let stream = futures_util::stream::unfold(Some(half), |pending| async move {
        match pending {
            Some(half) => Some((Ok(half), None)),
            None => {
                tokio::time::sleep(Duration::from_millis(20)).await;
                let cut = std::io::Error::new(
                    std::io::ErrorKind::ConnectionReset,
                    "truncated by the emulator",
                );
                Some((Err(cut), None))
            }
        }
    });
    let mut built = Response::new(Body::from_stream(stream));
    *built.status_mut() = StatusCode::OK;
    for (name, value) in response.headers {
        if let (Ok(name), Ok(value)) = (HeaderName::try_from(name), HeaderValue::try_from(value)) {
            built.headers_mut().append(name, value);
        }
    }
    if let Ok(length) = HeaderValue::try_from(full.to_string()) {
        built
            .headers_mut()
            .insert(axum::http::header::CONTENT_LENGTH, length);
    }
    built
}

/// A syntactically open JSON array of `bytes` bytes, streamed.
fn oversized(bytes: usize) -> Response {
    const CHUNK: usize = 64 * 1024;
    let chunk = Bytes::from(vec![b' '; CHUNK]);
    let count = bytes.div_ceil(CHUNK);
    let stream = futures_util::stream::iter(
        std::iter::once(Ok::<_, std::io::Error>(Bytes::from_static(b"[")))
            .chain(std::iter::repeat_n(chunk, count).map(Ok)),
    );
    let mut built = Response::new(Body::from_stream(stream));
    built.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    built
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(byte) => {
                        out.push(byte);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            other => out.push(other),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Echo;

    impl EmulatedApi for Echo {
        fn handle(&self, request: &EmuRequest) -> EmuResponse {
            if request.empty {
                return EmuResponse::json(200, &serde_json::json!({ "data": [] }));
            }
            EmuResponse::json(
                200,
                &serde_json::json!({ "path": request.path, "q": request.query("q") }),
            )
        }

        fn config_section(&self) -> serde_yaml::Mapping {
            let mut m = serde_yaml::Mapping::new();
            m.insert("token".into(), "emulator-token".into());
            m
        }
    }

    inventory::submit! { EmulatorRegistration::new("echo", || Box::new(Echo)) }

    async fn get(url: &str) -> (u16, String) {
        let response = reqwest::get(url).await.unwrap();
        (
            response.status().as_u16(),
            response.text().await.unwrap_or_default(),
        )
    }

    #[tokio::test]
    async fn requests_reach_the_backend_below_its_prefix_and_are_counted() {
        let emulator = Emulator::new().only(["echo"]).start().await.unwrap();
        let (status, body) = get(&format!(
            "{}/api/v1/regions?q=a%20b",
            emulator.endpoint("echo")
        ))
        .await;
        assert_eq!(status, 200);
        assert!(
            body.contains("/api/v1/regions") && body.contains("a b"),
            "{body}"
        );
        assert_eq!(emulator.request_count("echo"), 1);
        assert_eq!(emulator.path_count("echo", "GET /api/v1/regions"), 1);
    }

    #[tokio::test]
    async fn a_fault_for_n_times_then_normal_answers() {
        let emulator = Emulator::new().only(["echo"]).start().await.unwrap();
        emulator.set_fault(Fault::times(
            "echo",
            FaultKind::Http429 {
                retry_after_secs: 3,
            },
            1,
        ));
        let response = reqwest::get(emulator.endpoint("echo")).await.unwrap();
        assert_eq!(response.status().as_u16(), 429);
        assert_eq!(response.headers()["retry-after"], "3");
        assert_eq!(get(&emulator.endpoint("echo")).await.0, 200);
    }

    #[tokio::test]
    async fn truncated_bodies_fail_to_read() {
        let emulator = Emulator::new()
            .only(["echo"])
            .fault(Fault::always("echo", FaultKind::Truncated))
            .start()
            .await
            .unwrap();
        let response = reqwest::get(format!(
            "{}/some/long/path/to/make/a/body",
            emulator.endpoint("echo")
        ))
        .await
        .unwrap();
        assert!(response.bytes().await.is_err());
    }

    #[tokio::test]
    async fn faults_can_be_set_over_http() {
        let emulator = Emulator::new().only(["echo"]).start().await.unwrap();
        let client = reqwest::Client::new();
        let status = client
            .post(format!("http://{}/_emulator/faults", emulator.addr()))
            .body(r#"{"backend":"echo","fault":"http-500"}"#)
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status.as_u16(), 204);
        assert_eq!(get(&emulator.endpoint("echo")).await.0, 500);
    }

    #[tokio::test]
    async fn a_fault_on_one_path_leaves_the_other_paths_alone() {
        let emulator = Emulator::new().only(["echo"]).start().await.unwrap();
        emulator.set_fault(Fault::always("echo", FaultKind::Http503).on_path("GET /capacity"));
        let base = emulator.endpoint("echo");
        assert_eq!(get(&format!("{base}/capacity")).await.0, 503);
        assert_eq!(get(&format!("{base}/capacity?x=1")).await.0, 503);
        assert_eq!(get(&format!("{base}/regions")).await.0, 200);
        let posted = reqwest::Client::new()
            .post(format!("{base}/capacity"))
            .send()
            .await
            .unwrap();
        assert_eq!(
            posted.status().as_u16(),
            200,
            "another method is another path"
        );
        assert_eq!(emulator.path_count("echo", "GET /capacity"), 2);
    }

    #[tokio::test]
    async fn a_path_fault_comes_before_a_backend_fault_and_both_can_be_set() {
        let emulator = Emulator::new().only(["echo"]).start().await.unwrap();
        emulator.set_fault(Fault::always("echo", FaultKind::Http503));
        emulator.set_fault(Fault::times("echo", FaultKind::Unauthorized, 1).on_path("/capacity"));
        let base = emulator.endpoint("echo");
        assert_eq!(get(&format!("{base}/capacity")).await.0, 401);
        assert_eq!(
            get(&format!("{base}/capacity")).await.0,
            503,
            "the path fault is used up; the backend fault remains"
        );
        assert_eq!(get(&format!("{base}/regions")).await.0, 503);
        emulator.set_fault(Fault::times("echo", FaultKind::Http500, 1));
        assert_eq!(
            get(&format!("{base}/regions")).await.0,
            500,
            "a new backend fault replaces the old one"
        );
        assert_eq!(get(&format!("{base}/regions")).await.0, 200);
    }

    #[tokio::test]
    async fn a_path_fault_can_be_set_over_http() {
        let emulator = Emulator::new().only(["echo"]).start().await.unwrap();
        let status = reqwest::Client::new()
            .post(format!("http://{}/_emulator/faults", emulator.addr()))
            .body(r#"{"backend":"echo","fault":"malformed","times":1,"path":"GET /capacity"}"#)
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status.as_u16(), 204);
        let base = emulator.endpoint("echo");
        assert!(!get(&format!("{base}/regions"))
            .await
            .1
            .contains("unexpected"));
        let (status, body) = get(&format!("{base}/capacity")).await;
        assert_eq!(status, 200);
        assert!(body.contains("unexpected"), "{body}");
        assert!(!get(&format!("{base}/capacity"))
            .await
            .1
            .contains("unexpected"));
    }

    struct Raw;

    impl EmulatedApi for Raw {
        fn handle(&self, request: &EmuRequest) -> EmuResponse {
            EmuResponse::json(
                200,
                &serde_json::json!({ "path": request.path, "raw": request.raw_path }),
            )
        }

        fn config_section(&self) -> serde_yaml::Mapping {
            serde_yaml::Mapping::new()
        }
    }

    inventory::submit! { EmulatorRegistration::new("raw", || Box::new(Raw)) }

    #[tokio::test]
    async fn the_raw_path_keeps_the_prefix_the_trailing_slash_and_the_encoding() {
        let emulator = Emulator::new().only(["raw"]).start().await.unwrap();
        let base = emulator.endpoint("raw");
        let field = |body: &str, key: &str| -> String {
            let value: serde_json::Value = serde_json::from_str(body).unwrap();
            value[key].as_str().unwrap().to_owned()
        };
        let (_, bare) = get(&base).await;
        assert_eq!(field(&bare, "path"), "/");
        assert_eq!(field(&bare, "raw"), "/raw");
        let (_, slash) = get(&format!("{base}/")).await;
        assert_eq!(field(&slash, "path"), "/");
        assert_eq!(field(&slash, "raw"), "/raw/");
        let (_, encoded) = get(&format!("{base}/a%20b")).await;
        assert_eq!(field(&encoded, "raw"), "/raw/a%20b");
    }

    #[tokio::test]
    async fn native_config_points_every_backend_at_the_emulator() {
        let emulator = Emulator::new().only(["echo"]).start().await.unwrap();
        let config = emulator.native_config();
        assert!(
            config.contains("type: echo") && config.contains(&emulator.endpoint("echo")),
            "{config}"
        );
        assert!(config.contains("emulator-token"));
    }

    #[tokio::test]
    async fn unknown_backend_is_refused_at_start() {
        let err = Emulator::new().only(["nope"]).start().await.unwrap_err();
        assert!(err.to_string().contains("nope"));
    }
}
