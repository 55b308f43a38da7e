//! Property tests: arbitrary and mutated bytes never panic the config parser, any backend's
//! config section, or any backend's response parsing.
//!
//! Responses are mutated on the wire: a loopback server answers each request with what the
//! backend's own emulator would answer, then edits the body (bytes, JSON nodes, or an error
//! status with the provider's error body), so every backend is fed through real HTTP and its
//! real client, auth and pagination included.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::Response;
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config as ProptestConfig, TestCaseError, TestRunner};
use regionkit::emulator::{inventory, EmuRequest, EmulatedApi, EmulatorRegistration};
use regionkit::{Config, DiscoveryContext, HttpClient, RunConfig};
use regionkit_e2e::{fast_policy, linked_backends};
use serde_json::Value;

/// JSON and YAML fragments worth splicing into bodies.
const TOKENS: &[&str] = &[
    "null",
    "\"",
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "-1",
    "1e999",
    "0.5",
    "\"\\u0000\"",
    "[]",
    "{}",
    "true",
    "\"\u{1F600}\"",
    "<",
    "</",
    "&amp;",
    "\n- ",
    ": ",
    "'",
    "~",
    "*a",
    "&a ",
    "!!binary ",
];

/// One byte-level edit, positioned relative to the body length.
#[derive(Clone, Debug)]
enum Edit {
    Set(Index, u8),
    Delete(Index, usize),
    Insert(Index, Vec<u8>),
    Truncate(Index),
}

/// One structural edit of a JSON (or YAML) document: a node chosen among all nodes.
#[derive(Clone, Debug)]
enum NodeEdit {
    Replace(Index, Value),
    Remove(Index),
}

/// What the server does to a response.
#[derive(Clone, Debug)]
enum Mutation {
    /// Answer 200 with these bytes instead.
    Replace(Vec<u8>),
    /// Edit the real body's bytes.
    Bytes(Vec<Edit>),
    /// Edit the real body's JSON nodes (bodies that are not JSON pass unchanged).
    Nodes(Vec<NodeEdit>),
    /// Answer this error status with the provider's error body, its bytes edited.
    Error(u16, Vec<Edit>),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<Index>(), any::<u8>()).prop_map(|(i, b)| Edit::Set(i, b)),
        (any::<Index>(), 1usize..24).prop_map(|(i, n)| Edit::Delete(i, n)),
        (any::<Index>(), proptest::collection::vec(any::<u8>(), 1..8))
            .prop_map(|(i, b)| Edit::Insert(i, b)),
        (any::<Index>(), proptest::sample::select(TOKENS))
            .prop_map(|(i, t)| Edit::Insert(i, t.as_bytes().to_vec())),
        any::<Index>().prop_map(Edit::Truncate),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        proptest::num::f64::NORMAL.prop_map(Value::from),
        ".{0,16}".prop_map(Value::String),
        Just(Value::Array(Vec::new())),
        Just(Value::Object(serde_json::Map::new())),
        proptest::collection::vec(".{0,6}", 0..3)
            .prop_map(|items| Value::Array(items.into_iter().map(Value::String).collect())),
    ]
}

fn node_edit() -> impl Strategy<Value = NodeEdit> {
    prop_oneof![
        (any::<Index>(), json_value()).prop_map(|(i, v)| NodeEdit::Replace(i, v)),
        any::<Index>().prop_map(NodeEdit::Remove),
    ]
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..256).prop_map(Mutation::Replace),
        proptest::collection::vec(edit(), 1..6).prop_map(Mutation::Bytes),
        proptest::collection::vec(node_edit(), 1..4).prop_map(Mutation::Nodes),
        (
            proptest::sample::select(&[400u16, 401, 403, 404, 409, 429, 500, 502, 503][..]),
            proptest::collection::vec(edit(), 0..4),
        )
            .prop_map(|(status, edits)| Mutation::Error(status, edits)),
    ]
}

fn apply_edits(mut bytes: Vec<u8>, edits: &[Edit]) -> Vec<u8> {
    for edit in edits {
        let len = bytes.len();
        match edit {
            Edit::Set(at, byte) if len > 0 => bytes[at.index(len)] = *byte,
            Edit::Delete(at, n) if len > 0 => {
                let start = at.index(len);
                bytes.drain(start..(start + n).min(len));
            }
            Edit::Insert(at, inserted) => {
                let at = if len == 0 { 0 } else { at.index(len + 1) };
                bytes.splice(at..at, inserted.iter().copied());
            }
            Edit::Truncate(at) if len > 0 => bytes.truncate(at.index(len)),
            _ => {}
        }
    }
    bytes
}

/// JSON pointers of every node below the root.
fn pointers(value: &Value, at: String, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let escaped = key.replace('~', "~0").replace('/', "~1");
                let path = format!("{at}/{escaped}");
                out.push(path.clone());
                pointers(child, path, out);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                let path = format!("{at}/{i}");
                out.push(path.clone());
                pointers(child, path, out);
            }
        }
        _ => {}
    }
}

fn apply_node_edits(mut document: Value, edits: &[NodeEdit]) -> Value {
    for edit in edits {
        let mut all = Vec::new();
        pointers(&document, String::new(), &mut all);
        if all.is_empty() {
            if let NodeEdit::Replace(_, value) = edit {
                document = value.clone();
            }
            continue;
        }
        match edit {
            NodeEdit::Replace(at, value) => {
                if let Some(node) = document.pointer_mut(&all[at.index(all.len())]) {
                    *node = value.clone();
                }
            }
            NodeEdit::Remove(at) => {
                let path = &all[at.index(all.len())];
                let Some((parent, last)) = path.rsplit_once('/') else {
                    continue;
                };
                let key = last.replace("~1", "/").replace("~0", "~");
                match document.pointer_mut(parent) {
                    Some(Value::Object(map)) => {
                        map.remove(&key);
                    }
                    Some(Value::Array(items)) => {
                        if let Ok(i) = key.parse::<usize>() {
                            if i < items.len() {
                                items.remove(i);
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    document
}

/// Serves every linked backend's emulated API, with the current mutation applied.
struct Mutator {
    apis: BTreeMap<String, Box<dyn EmulatedApi>>,
    mutation: Mutex<Option<Mutation>>,
}

async fn serve_mutated(State(state): State<Arc<Mutator>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, 16 * 1024 * 1024)
        .await
        .unwrap_or_default();
    let trimmed = parts.uri.path().trim_start_matches('/');
    let (backend, rest) = trimmed.split_once('/').unwrap_or((trimmed, ""));
    let Some(api) = state.apis.get(backend) else {
        return respond(404, Vec::new(), Bytes::from_static(b"no such backend"));
    };
    let query = parts
        .uri
        .query()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default();
    let emu_request = EmuRequest {
        method: parts.method.to_string(),
        path: format!("/{rest}"),
        raw_path: parts.uri.path().to_owned(),
        query,
        headers: parts.headers,
        body,
        empty: false,
    };
    let mutation = state.mutation.lock().unwrap().clone();
    let answer = match &mutation {
        Some(Mutation::Error(status, _)) => api.error_response(*status, "mutated error"),
        _ => api.handle(&emu_request),
    };
    let status = match mutation {
        Some(Mutation::Replace(_)) => 200,
        _ => answer.status,
    };
    let body = match mutation {
        None => answer.body.to_vec(),
        Some(Mutation::Replace(bytes)) => bytes,
        Some(Mutation::Bytes(edits) | Mutation::Error(_, edits)) => {
            apply_edits(answer.body.to_vec(), &edits)
        }
        Some(Mutation::Nodes(edits)) => match serde_json::from_slice::<Value>(&answer.body) {
            Ok(document) => serde_json::to_vec(&apply_node_edits(document, &edits))
                .unwrap_or_else(|_| answer.body.to_vec()),
            Err(_) => answer.body.to_vec(),
        },
    };
    respond(status, answer.headers, Bytes::from(body))
}

fn respond(status: u16, headers: Vec<(String, String)>, body: Bytes) -> Response {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    for (name, value) in headers {
        if name.eq_ignore_ascii_case("content-length") {
            continue;
        }
        if let (Ok(name), Ok(value)) = (HeaderName::try_from(name), HeaderValue::try_from(value)) {
            response.headers_mut().append(name, value);
        }
    }
    response
}

/// A native config for every linked backend, with endpoints under `base`.
fn native_config(base: &str, backends: &[&str]) -> String {
    let mut sections = Vec::new();
    for registration in inventory::iter::<EmulatorRegistration> {
        if !backends.contains(&registration.backend) {
            continue;
        }
        let api = (registration.build)();
        let mut section = serde_yaml::Mapping::new();
        section.insert("type".into(), registration.backend.into());
        for (key, value) in api.config_section() {
            section.insert(key, value);
        }
        section.insert(
            "endpoint".into(),
            format!("{base}/{}", registration.backend).into(),
        );
        sections.push(serde_yaml::Value::Mapping(section));
    }
    let mut top = serde_yaml::Mapping::new();
    top.insert("backends".into(), serde_yaml::Value::Sequence(sections));
    serde_yaml::to_string(&top).unwrap()
}

fn runner(cases: u32) -> TestRunner {
    TestRunner::new(ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    })
}

#[test]
fn mutated_provider_responses_never_panic_any_backend() {
    let backends = linked_backends();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let apis = inventory::iter::<EmulatorRegistration>
        .into_iter()
        .filter(|r| backends.contains(&r.backend))
        .map(|r| (r.backend.to_owned(), (r.build)()))
        .collect();
    let state = Arc::new(Mutator {
        apis,
        mutation: Mutex::new(None),
    });
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum::Router::new()
        .fallback(serve_mutated)
        .with_state(state.clone());
    runtime.spawn(async move { axum::serve(listener, app).await });
    let registry = regionkit::registry().unwrap();
    let config = Config::from_yaml(
        &native_config(&format!("http://{addr}"), &backends),
        None,
        None,
    )
    .unwrap();
    let http = HttpClient::new(
        fast_policy()
            .with_max_attempts(1)
            .with_request_timeout(Duration::from_secs(5)),
    )
    .unwrap();

    // Unmutated, every backend discovers through this server: the cases below reach the
    // parsers, not a routing error.
    runtime.block_on(async {
        for section in &config.backends {
            let descriptor = registry.get(section.backend()).unwrap();
            let provider = (descriptor.build)(section).unwrap();
            let ctx = DiscoveryContext::new(
                descriptor.id,
                http.clone(),
                Instant::now() + Duration::from_secs(30),
            );
            let regions = provider
                .discover(&ctx)
                .await
                .unwrap_or_else(|e| panic!("{}: unmutated discovery failed: {e}", descriptor.id));
            assert!(!regions.is_empty(), "{}", descriptor.id);
        }
    });

    let result = runner(128).run(&mutation(), |mutation| {
        *state.mutation.lock().unwrap() = Some(mutation);
        runtime.block_on(async {
            for section in &config.backends {
                let descriptor = registry.get(section.backend()).unwrap();
                let provider = (descriptor.build)(section)
                    .map_err(|e| TestCaseError::fail(format!("{}: {e}", descriptor.id)))?;
                let ctx = DiscoveryContext::new(
                    descriptor.id,
                    http.clone(),
                    Instant::now() + Duration::from_secs(10),
                );
                let outcome =
                    tokio::time::timeout(Duration::from_secs(30), provider.discover(&ctx))
                        .await
                        .map_err(|_| {
                            TestCaseError::fail(format!("{}: discovery hung", descriptor.id))
                        })?;
                if let Err(error) = outcome {
                    prop_assert_eq!(&error.backend, descriptor.id);
                    prop_assert!(
                        !error.message.is_empty(),
                        "{}: an empty message",
                        descriptor.id
                    );
                }
            }
            Ok(())
        })
    });
    if let Err(failure) = result {
        panic!("{failure}");
    }
}

#[test]
fn arbitrary_text_never_panics_the_config_parsers() {
    let result = runner(512).run(&".{0,400}", |text| {
        let _ = Config::from_yaml(&text, None, None);
        let _ = RunConfig::from_yaml(&text, None);
        Ok(())
    });
    if let Err(failure) = result {
        panic!("{failure}");
    }
}

#[test]
fn mutated_configs_never_panic_any_backends_config_section() {
    let backends = linked_backends();
    let registry = regionkit::registry().unwrap();
    let valid = native_config("http://127.0.0.1:9", &backends);
    let document: Value = serde_yaml::from_str(&valid).unwrap();
    for section in Config::from_yaml(&valid, None, None).unwrap().backends {
        let descriptor = registry.get(section.backend()).unwrap();
        if let Err(e) = (descriptor.build)(&section) {
            panic!(
                "{}: the unmutated section does not build: {e}",
                descriptor.id
            );
        }
    }
    let strategy = prop_oneof![
        proptest::collection::vec(edit(), 1..6).prop_map(Mutation::Bytes),
        proptest::collection::vec(node_edit(), 1..5).prop_map(Mutation::Nodes),
    ];
    let result = runner(384).run(&strategy, |mutation| {
        let text = match mutation {
            Mutation::Nodes(edits) => {
                serde_yaml::to_string(&apply_node_edits(document.clone(), &edits)).unwrap()
            }
            Mutation::Bytes(edits) => {
                String::from_utf8_lossy(&apply_edits(valid.clone().into_bytes(), &edits))
                    .into_owned()
            }
            _ => valid.clone(),
        };
        let Ok(config) = Config::from_yaml(&text, None, None) else {
            return Ok(());
        };
        for section in &config.backends {
            if let Ok(descriptor) = registry.get(section.backend()) {
                if let Err(error) = (descriptor.build)(section) {
                    prop_assert!(
                        !error.to_string().is_empty(),
                        "{}: an empty error",
                        descriptor.id
                    );
                }
            }
        }
        Ok(())
    });
    if let Err(failure) = result {
        panic!("{failure}");
    }
}
