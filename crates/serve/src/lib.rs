//! `regionkit serve`: the CLI's JSON report over HTTP, from one long-lived kit.
//!
//! Flow: a request → the config sections it names ([`select_sections`]) and its options
//! ([`options_from_query`]) → the shared [`RegionKit`] → [`Report`] JSON, the same bytes
//! `regionkit regions --format json` prints. The kit stays warm across requests (providers
//! per account, cached answers); `SIGHUP` swaps the config, `SIGTERM` drains and stops.
//!
//! Status codes: 200 when every backend answered from live data or this account's own cache
//! or snapshot (CLI exit 0); 400 for usage errors (CLI exit 2); 502 when a backend failed
//! with no usable fallback (CLI exit 3). The body is the report in every case.

#[cfg(feature = "postgres")]
pub mod store;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use axum::extract::{Path as UrlPath, RawQuery, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use regionkit::{
    BackendConfig, BackendReport, Config, Error, HttpPolicy, RegionKit, Report, ResolveOptions,
    Source,
};

/// How the service is started.
#[derive(Clone, Debug)]
pub struct ServeOptions {
    /// The config file, re-read on `SIGHUP`.
    pub config: PathBuf,
    /// Where to listen; loopback unless a token is given.
    pub listen: SocketAddr,
    /// The bearer token every request must carry; required off loopback.
    pub token: Option<Token>,
    /// A shared snapshot store URL (`postgres://...`); `None`: the file snapshots.
    pub store: Option<String>,
}

/// A bearer token. Its `Debug` form never shows the value.
#[derive(Clone)]
pub struct Token(String);

impl Token {
    /// A token from its text, trimmed; `None` when empty.
    pub fn new(text: &str) -> Option<Self> {
        let text = text.trim();
        (!text.is_empty()).then(|| Self(text.to_owned()))
    }

    /// Whether `presented` is this token, in time that does not depend on where they differ.
    fn matches(&self, presented: &[u8]) -> bool {
        let expected = self.0.as_bytes();
        let mut diff = (expected.len() ^ presented.len()) as u64;
        for (i, byte) in expected.iter().enumerate() {
            let other = presented.get(i).copied().unwrap_or(0);
            diff |= u64::from(byte ^ other);
        }
        diff == 0
    }
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

/// Counters behind `GET /metrics`.
#[derive(Debug, Default)]
struct Metrics {
    requests_ok: AtomicU64,
    requests_usage: AtomicU64,
    requests_failed: AtomicU64,
    unauthorized: AtomicU64,
    answers_live: AtomicU64,
    answers_cache: AtomicU64,
    answers_snapshot: AtomicU64,
    answers_builtin: AtomicU64,
    backend_errors: AtomicU64,
    reloads_ok: AtomicU64,
    reloads_refused: AtomicU64,
}

/// The shared state of one service.
#[derive(Debug)]
struct Service {
    kit: RegionKit,
    config_path: PathBuf,
    config: RwLock<Arc<Config>>,
    ready: Arc<AtomicBool>,
    token: Option<Token>,
    metrics: Metrics,
}

fn usage_error(message: impl Into<String>) -> Error {
    Error::config(Default::default(), message)
}

/// The config sections to resolve: every section of `config`, or those of the named
/// backends (ids or aliases). The messages are the CLI's.
pub fn select_sections(
    kit: &RegionKit,
    config: &Config,
    names: &[String],
) -> Result<Vec<BackendConfig>, Error> {
    config.sections_of(kit.registry(), names, false)
}

/// The parts of a request's query string: `backend`, `region` (both repeatable), `project`.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Query {
    pub backends: Vec<String>,
    pub regions: Vec<String>,
    pub project: Option<String>,
}

impl Query {
    /// Parse a raw query string; an unknown parameter is a usage error naming the known ones.
    pub fn parse(raw: Option<&str>) -> Result<Self, Error> {
        let mut query = Self::default();
        for (key, value) in url::form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
            match &*key {
                "backend" => query.backends.push(value.into_owned()),
                "region" => query.regions.push(value.into_owned()),
                "project" => query.project = Some(value.into_owned()),
                other => {
                    return Err(usage_error(format!(
                        "unknown query parameter `{other}`; use `backend`, `region` or `project`"
                    )))
                }
            }
        }
        Ok(query)
    }

    /// The resolve options: `region` narrows the result as the CLI's `--region` does.
    pub fn options(&self) -> ResolveOptions {
        let options = ResolveOptions::default().with_deadline(Duration::from_secs(30));
        if self.regions.is_empty() {
            options
        } else {
            options.with_run_regions("--region", self.regions.clone())
        }
    }
}

/// The HTTP status for a finished resolve, following the CLI's exit codes.
pub fn status_of(reports: &[BackendReport]) -> StatusCode {
    let usage = reports
        .iter()
        .filter_map(|r| r.error.as_ref())
        .any(Error::is_usage);
    let failed = reports.iter().any(|r| {
        r.error.is_some()
            || r.resolution
                .as_ref()
                .is_some_and(|res| res.source == Source::Builtin && res.live_error.is_some())
    });
    if usage {
        StatusCode::BAD_REQUEST
    } else if failed {
        StatusCode::BAD_GATEWAY
    } else {
        StatusCode::OK
    }
}

fn json(status: StatusCode, body: String) -> Response {
    let mut response = (status, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

fn failed(service: &Service, error: &Error) -> Response {
    let status = if error.is_usage() {
        service
            .metrics
            .requests_usage
            .fetch_add(1, Ordering::Relaxed);
        StatusCode::BAD_REQUEST
    } else {
        service
            .metrics
            .requests_failed
            .fetch_add(1, Ordering::Relaxed);
        StatusCode::BAD_GATEWAY
    };
    json(status, Report::failed(error).to_json())
}

impl Service {
    fn config_for(&self, project: Option<&str>) -> Result<Arc<Config>, Error> {
        match project {
            None => Ok(self
                .config
                .read()
                .unwrap_or_else(|e| e.into_inner())
                .clone()),
            Some(project) => Config::from_file(&self.config_path, Some(project)).map(Arc::new),
        }
    }

    async fn resolve(&self, query: Query) -> Response {
        let config = match self.config_for(query.project.as_deref()) {
            Ok(config) => config,
            Err(error) => return failed(self, &error),
        };
        let sections = match select_sections(&self.kit, &config, &query.backends) {
            Ok(sections) => sections,
            Err(error) => return failed(self, &error),
        };
        let reports = self.kit.resolve_sections(sections, &query.options()).await;
        self.count(&reports);
        let status = status_of(&reports);
        let counter = match status {
            StatusCode::OK => &self.metrics.requests_ok,
            StatusCode::BAD_REQUEST => &self.metrics.requests_usage,
            _ => &self.metrics.requests_failed,
        };
        counter.fetch_add(1, Ordering::Relaxed);
        json(status, Report::new(&reports).to_json())
    }

    fn count(&self, reports: &[BackendReport]) {
        for report in reports {
            if report.error.is_some() {
                self.metrics.backend_errors.fetch_add(1, Ordering::Relaxed);
            }
            let Some(resolution) = &report.resolution else {
                continue;
            };
            let counter = match resolution.source {
                Source::Live => &self.metrics.answers_live,
                Source::Cache => &self.metrics.answers_cache,
                Source::Snapshot => &self.metrics.answers_snapshot,
                Source::Builtin => &self.metrics.answers_builtin,
                _ => continue,
            };
            counter.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Re-read the config; a bad one is refused and the old one keeps serving.
    fn reload(&self) {
        match Config::from_file(&self.config_path, None) {
            Ok(config) => {
                *self.config.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(config);
                self.metrics.reloads_ok.fetch_add(1, Ordering::Relaxed);
                tracing::info!(config = %self.config_path.display(), "config reloaded");
            }
            Err(error) => {
                self.metrics.reloads_refused.fetch_add(1, Ordering::Relaxed);
                tracing::error!(%error, "config reload refused; the previous config keeps serving");
            }
        }
    }

    fn metrics_text(&self) -> String {
        let m = &self.metrics;
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        let mut out = String::new();
        out.push_str("# HELP regionkit_requests_total Resolve requests by outcome.\n");
        out.push_str("# TYPE regionkit_requests_total counter\n");
        for (outcome, c) in [
            ("ok", &m.requests_ok),
            ("usage", &m.requests_usage),
            ("backend_failed", &m.requests_failed),
            ("unauthorized", &m.unauthorized),
        ] {
            out.push_str(&format!(
                "regionkit_requests_total{{outcome=\"{outcome}\"}} {}\n",
                get(c)
            ));
        }
        out.push_str("# HELP regionkit_answers_total Backend answers by source.\n");
        out.push_str("# TYPE regionkit_answers_total counter\n");
        for (source, c) in [
            ("live", &m.answers_live),
            ("cache", &m.answers_cache),
            ("snapshot", &m.answers_snapshot),
            ("builtin", &m.answers_builtin),
        ] {
            out.push_str(&format!(
                "regionkit_answers_total{{source=\"{source}\"}} {}\n",
                get(c)
            ));
        }
        out.push_str("# HELP regionkit_backend_errors_total Backend reports carrying an error.\n");
        out.push_str("# TYPE regionkit_backend_errors_total counter\n");
        out.push_str(&format!(
            "regionkit_backend_errors_total {}\n",
            get(&m.backend_errors)
        ));
        out.push_str("# HELP regionkit_config_reloads_total Config reloads by outcome.\n");
        out.push_str("# TYPE regionkit_config_reloads_total counter\n");
        out.push_str(&format!(
            "regionkit_config_reloads_total{{outcome=\"ok\"}} {}\n",
            get(&m.reloads_ok)
        ));
        out.push_str(&format!(
            "regionkit_config_reloads_total{{outcome=\"refused\"}} {}\n",
            get(&m.reloads_refused)
        ));
        out
    }
}

async fn regions(State(service): State<Arc<Service>>, RawQuery(raw): RawQuery) -> Response {
    match Query::parse(raw.as_deref()) {
        Ok(query) => service.resolve(query).await,
        Err(error) => failed(&service, &error),
    }
}

async fn explain(
    State(service): State<Arc<Service>>,
    UrlPath(backend): UrlPath<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    match Query::parse(raw.as_deref()) {
        Ok(mut query) => {
            query.backends = vec![backend];
            service.resolve(query).await
        }
        Err(error) => failed(&service, &error),
    }
}

async fn healthz() -> &'static str {
    "ok\n"
}

async fn readyz(State(service): State<Arc<Service>>) -> Response {
    if service.ready.load(Ordering::Acquire) {
        (StatusCode::OK, "ready\n").into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "not ready\n").into_response()
    }
}

async fn metrics(State(service): State<Arc<Service>>) -> Response {
    let mut response = service.metrics_text().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4"),
    );
    response
}

async fn authorize(State(service): State<Arc<Service>>, request: Request, next: Next) -> Response {
    if let Some(token) = &service.token {
        let presented = request
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.as_bytes().strip_prefix(b"Bearer "));
        if !presented.is_some_and(|p| token.matches(p)) {
            service.metrics.unauthorized.fetch_add(1, Ordering::Relaxed);
            let error = usage_error(
                "missing or wrong bearer token: send `Authorization: Bearer TOKEN` with the service's token",
            );
            return json(StatusCode::UNAUTHORIZED, Report::failed(&error).to_json());
        }
    }
    next.run(request).await
}

fn router(service: Arc<Service>) -> Router {
    Router::new()
        .route("/v1/regions", get(regions))
        .route("/v1/explain/{backend}", get(explain))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .layer(middleware::from_fn_with_state(service.clone(), authorize))
        .with_state(service)
}

/// The kit with the shared store at `url`. Ready once the store answers; until then (and
/// whenever the database is away) the kit serves from memory and its own provider calls.
#[cfg(feature = "postgres")]
async fn shared_store(
    kit: RegionKit,
    url: &str,
    ready: &Arc<AtomicBool>,
) -> Result<RegionKit, Error> {
    let store =
        store::PgSnapshotStore::new(url, tokio::runtime::Handle::current()).map_err(usage_error)?;
    if let Err(error) = store.ping().await {
        tracing::error!(%error, "the snapshot store does not answer yet; not ready until it does");
        ready.store(false, Ordering::Release);
        let (store, ready) = (store.clone(), ready.clone());
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_secs(2)).await;
                if store.ping().await.is_ok() {
                    tracing::info!("the snapshot store answers; ready");
                    ready.store(true, Ordering::Release);
                    return;
                }
            }
        });
    }
    Ok(kit.with_snapshot_store(Arc::new(store)))
}

#[cfg(not(feature = "postgres"))]
async fn shared_store(
    _kit: RegionKit,
    url: &str,
    _ready: &Arc<AtomicBool>,
) -> Result<RegionKit, Error> {
    let scheme = url.split(':').next().unwrap_or_default();
    Err(usage_error(format!(
        "--store {scheme}:...: this build has no shared store (feature `postgres`); leave out --store to use the in-memory cache and file snapshots"
    )))
}

/// A service that is listening but not yet serving: its address is known.
#[derive(Debug)]
pub struct Bound {
    listener: tokio::net::TcpListener,
    service: Arc<Service>,
}

/// Load the config, build the kit and bind. Fails, naming the fix, when the config is bad,
/// the address is taken, or a non-loopback address is given without a token.
pub async fn bind(options: ServeOptions) -> Result<Bound, Error> {
    if !options.listen.ip().is_loopback() && options.token.is_none() {
        return Err(usage_error(format!(
            "--listen {}: a non-loopback address needs a bearer token; pass --token-file FILE or set REGIONKIT_SERVE_TOKEN",
            options.listen
        )));
    }
    let config = Config::from_file(&options.config, None)?;
    let kit = RegionKit::new(regionkit::registry()?, HttpPolicy::default())?;
    let ready = Arc::new(AtomicBool::new(true));
    let kit = match &options.store {
        None => match kit.clone().with_default_snapshot_store() {
            Ok(kit) => kit,
            Err(error) => {
                tracing::warn!(%error, "snapshots disabled: the snapshot directory cannot be used");
                kit
            }
        },
        Some(url) => shared_store(kit, url, &ready).await?,
    };
    let listener = tokio::net::TcpListener::bind(options.listen)
        .await
        .map_err(|e| {
            usage_error(format!(
                "--listen {}: cannot listen ({e}); pick a free address",
                options.listen
            ))
        })?;
    let service = Arc::new(Service {
        kit,
        config_path: options.config,
        config: RwLock::new(Arc::new(config)),
        ready,
        token: options.token,
        metrics: Metrics::default(),
    });
    Ok(Bound { listener, service })
}

impl Bound {
    /// The address actually bound (useful with port 0).
    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.listener.local_addr().ok()
    }

    /// Serve until `SIGTERM` or Ctrl-C, reloading the config on `SIGHUP`; in-flight requests
    /// finish before this returns.
    pub async fn run(self) -> Result<(), Error> {
        let service = self.service.clone();
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            let reload_service = service.clone();
            match signal(SignalKind::hangup()) {
                Ok(mut hangups) => {
                    tokio::spawn(async move {
                        while hangups.recv().await.is_some() {
                            reload_service.reload();
                        }
                    });
                }
                Err(e) => tracing::warn!(error = %e, "SIGHUP reload unavailable"),
            }
        }
        let shutdown = async {
            #[cfg(unix)]
            {
                use tokio::signal::unix::{signal, SignalKind};
                match signal(SignalKind::terminate()) {
                    Ok(mut terms) => {
                        tokio::select! {
                            _ = terms.recv() => {}
                            _ = tokio::signal::ctrl_c() => {}
                        }
                    }
                    Err(_) => {
                        let _ = tokio::signal::ctrl_c().await;
                    }
                }
            }
            #[cfg(not(unix))]
            {
                let _ = tokio::signal::ctrl_c().await;
            }
            tracing::info!("shutting down: draining in-flight requests");
        };
        axum::serve(self.listener, router(service))
            .with_graceful_shutdown(shutdown)
            .await
            .map_err(|e| usage_error(format!("the server stopped: {e}")))
    }
}

/// The environment variable read for the bearer token when no `--token-file` is given.
pub const TOKEN_ENV: &str = "REGIONKIT_SERVE_TOKEN";

/// The token from `token_file`, else from [`TOKEN_ENV`]; `None` when neither gives one.
pub fn read_token(token_file: Option<&Path>) -> Result<Option<Token>, Error> {
    match token_file {
        Some(path) => {
            let text =
                regionkit::files::read_text_capped(path, regionkit::files::MAX_KEY_FILE_BYTES)
                    .map_err(|e| {
                        usage_error(format!(
                    "--token-file {}: cannot read it ({e}); give a readable file holding the token",
                    path.display()
                ))
                    })?;
            match Token::new(&text) {
                Some(token) => Ok(Some(token)),
                None => Err(usage_error(format!(
                    "--token-file {}: the file is empty; put the bearer token in it",
                    path.display()
                ))),
            }
        }
        None => Ok(std::env::var(TOKEN_ENV).ok().and_then(|t| Token::new(&t))),
    }
}

/// `regionkit serve`: bind, announce the address on stdout, serve until `SIGTERM`.
pub async fn serve(
    config: PathBuf,
    listen: SocketAddr,
    store: Option<&str>,
    token_file: Option<&Path>,
) -> Result<(), Error> {
    let token = read_token(token_file)?;
    let bound = bind(ServeOptions {
        config,
        listen,
        token,
        store: store.map(str::to_owned),
    })
    .await?;
    if let Some(addr) = bound.local_addr() {
        println!("regionkit serve listening on http://{addr}");
    }
    bound.run().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_compare_needs_every_byte_and_the_length() {
        let token = Token::new(" secret \n").unwrap_or_else(|| Token(String::new()));
        assert!(token.matches(b"secret"));
        assert!(!token.matches(b"secreT"));
        assert!(!token.matches(b"secret2"));
        assert!(!token.matches(b"secre"));
        assert!(!token.matches(b""));
        assert!(Token::new("  \n").is_none());
        assert_eq!(format!("{token:?}"), "Token(<redacted>)");
    }

    #[test]
    fn query_reads_repeated_regions_and_refuses_unknown_keys() {
        let query = Query::parse(Some("backend=aws&region=us-*&region=eu-west-1&project=p"))
            .unwrap_or_default();
        assert_eq!(query.backends, ["aws"]);
        assert_eq!(query.regions, ["us-*", "eu-west-1"]);
        assert_eq!(query.project.as_deref(), Some("p"));
        let error = Query::parse(Some("regoin=x")).err().map(|e| e.to_string());
        assert!(error.is_some_and(|m| m.contains("unknown query parameter `regoin`")));
    }
}
