//! The fault matrix: every linked backend × every way a provider API fails. Each cell must
//! end in a typed error or a labelled fallback: never a panic, a hang, or a silently empty
//! success. And each cell is pinned: the column says what every backend must answer, and
//! [`EXCEPTIONS`] lists, with the reason, the few cells where a provider makes another
//! answer right; removing a fallback or changing a classification turns the test red. The
//! matrix is printed (`cargo test -p regionkit-e2e --test fault_matrix -- --nocapture`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::time::Duration;

use regionkit::emulator::{EmulatorHandle, Fault, FaultKind};
use regionkit::{
    BackendConfig, BackendReport, Error, ProviderError, ProviderErrorKind, ResolveOptions, Source,
};
use regionkit_e2e::{
    emulator, fast_policy, kit_with, linked_backends, sections, sections_from_yaml,
};

const REQUEST_TIMEOUT: Duration = Duration::from_secs(1);
const DEADLINE: Duration = Duration::from_secs(8);
/// Past this, a column has hung.
const HANG: Duration = Duration::from_secs(60);
const BODY_CAP: usize = 1024 * 1024;

/// One way of failing, the error kinds it may end in, and the outcome every backend must
/// give unless [`EXCEPTIONS`] says otherwise.
struct Column {
    name: &'static str,
    /// `None`: nothing listens at the endpoint (connection refused).
    fault: Option<FaultKind>,
    kinds: &'static [ProviderErrorKind],
    expect: &'static str,
}

/// The backends whose every cell is pinned. A linked backend missing here fails the test:
/// a new backend joins the matrix by adding its row (and its exceptions, with reasons).
const PINNED: &[&str] = &[
    "aws",
    "azure",
    "cudo",
    "datacrunch",
    "gcp",
    "kubernetes",
    "lambda",
    "oci",
    "runpod",
    "tensordock",
    "vastai",
];

/// (backend, column, outcome, why): the cells where the provider makes another answer right.
const EXCEPTIONS: &[(&str, &str, &str, &str)] = &[
    (
        "tensordock",
        "empty",
        "live:empty-result",
        "an empty listing is TensorDock's normal state (no host has capacity): every known place is unavailable",
    ),
    (
        "kubernetes",
        "empty",
        "live:empty-result",
        "clusters that answer with no node are listed, each unavailable: the contexts are still the regions",
    ),
];

/// Backends whose regions are whatever their clusters report: no builtin list can know them,
/// so where another backend falls back to its builtin list, these report the live error.
const CLUSTER_SCOPED: &[&str] = &["kubernetes"];

/// What `backend` must answer in `column`.
fn pinned(backend: &str, column: &Column) -> String {
    if let Some((_, _, outcome, _)) = EXCEPTIONS
        .iter()
        .find(|(b, c, _, _)| *b == backend && *c == column.name)
    {
        return (*outcome).to_owned();
    }
    if CLUSTER_SCOPED.contains(&backend) {
        return column.expect.replace("builtin<", "error:");
    }
    column.expect.to_owned()
}

fn columns() -> Vec<Column> {
    use ProviderErrorKind::*;
    vec![
        Column {
            name: "latency",
            fault: Some(FaultKind::Latency(
                REQUEST_TIMEOUT + Duration::from_millis(1500),
            )),
            kinds: &[Unavailable],
            expect: "builtin<unavailable",
        },
        Column {
            name: "refused",
            fault: None,
            kinds: &[Unavailable],
            expect: "builtin<unavailable",
        },
        Column {
            name: "http-500",
            fault: Some(FaultKind::Http500),
            kinds: &[Unavailable],
            expect: "builtin<unavailable",
        },
        Column {
            name: "http-503",
            fault: Some(FaultKind::Http503),
            kinds: &[Unavailable],
            expect: "builtin<unavailable",
        },
        Column {
            name: "http-429",
            fault: Some(FaultKind::Http429 {
                retry_after_secs: 1,
            }),
            kinds: &[RateLimited],
            expect: "builtin<rate-limited",
        },
        Column {
            name: "401",
            fault: Some(FaultKind::Unauthorized),
            kinds: &[Auth],
            expect: "error:auth",
        },
        Column {
            name: "403",
            fault: Some(FaultKind::Forbidden),
            kinds: &[Auth],
            expect: "error:auth",
        },
        Column {
            name: "malformed",
            fault: Some(FaultKind::Malformed),
            kinds: &[BadResponse],
            expect: "builtin<bad-response",
        },
        Column {
            name: "truncated",
            fault: Some(FaultKind::Truncated),
            kinds: &[BadResponse, Unavailable],
            expect: "builtin<unavailable",
        },
        Column {
            name: "oversized",
            fault: Some(FaultKind::Oversized {
                bytes: 4 * BODY_CAP,
            }),
            kinds: &[BadResponse],
            expect: "builtin<bad-response",
        },
        Column {
            name: "empty",
            fault: Some(FaultKind::Empty),
            kinds: &[BadResponse],
            expect: "builtin<bad-response",
        },
    ]
}

/// A cell's outcome in a few characters, and what is wrong with it, if anything.
fn judge(column: &Column, report: &BackendReport) -> (String, Option<String>) {
    let kind_ok = |e: &ProviderError| column.kinds.contains(&e.kind);
    match (&report.resolution, &report.error) {
        (Some(resolution), error) if resolution.source != Source::Live => {
            let label = resolution.source.as_str();
            let Some(live) = &resolution.live_error else {
                return (
                    format!("{label}?"),
                    Some("a fallback without its live error".into()),
                );
            };
            let cell = format!("{label}<{}", live.kind.as_str());
            if live.kind == ProviderErrorKind::Auth {
                return (
                    cell,
                    Some("rejected credentials were hidden by a fallback".into()),
                );
            }
            if !kind_ok(live) {
                return (cell, Some(format!("unexpected live error: {live}")));
            }
            if resolution.warnings.is_empty() {
                return (cell, Some("a fallback with no warning".into()));
            }
            match error {
                None if resolution.regions.is_empty() => {
                    (cell, Some("an empty answer with no error".into()))
                }
                None | Some(Error::EmptyResult { .. }) => (cell, None),
                Some(other) => (cell, Some(format!("fallback plus an error: {other}"))),
            }
        }
        // A live answer that keeps nothing is reported as such, with its reason chain.
        (Some(resolution), Some(Error::EmptyResult { .. })) if resolution.regions.is_empty() => {
            ("live:empty-result".into(), None)
        }
        (Some(resolution), _) => (
            "live".into(),
            Some(format!(
                "a live success despite the fault ({} regions)",
                resolution.regions.len()
            )),
        ),
        (None, Some(Error::Provider(e))) => {
            let cell = format!("error:{}", e.kind.as_str());
            if !kind_ok(e) {
                return (cell, Some(format!("unexpected error: {e}")));
            }
            if e.message.contains("internal error") {
                return (cell, Some(format!("a panic or lost task: {e}")));
            }
            // Without credentials at fault, an error is right only where no fallback exists.
            (cell, None)
        }
        (None, Some(other)) => (
            "error:other".into(),
            Some(format!("not a provider error: {other}")),
        ),
        (None, None) => ("nothing".into(), Some("no answer and no error".into())),
    }
}

/// The sections with every endpoint pointing at a port where nothing listens.
fn refused_sections(emulator: &EmulatorHandle) -> Vec<BackendConfig> {
    let dead = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap();
    sections_from_yaml(
        &emulator
            .native_config()
            .replace(&emulator.addr().to_string(), &dead.to_string()),
    )
}

/// A latency fault longer than the backend's own request timeout where its descriptor sets a
/// longer one than the matrix's (Azure's slow SKU calls), so the request still times out.
fn slower_than_its_timeout(backend: &str, kind: FaultKind) -> FaultKind {
    let FaultKind::Latency(latency) = kind else {
        return kind;
    };
    let own = regionkit::descriptors()
        .into_iter()
        .find(|d| d.id == backend)
        .and_then(|d| d.tuning.request_timeout)
        .filter(|timeout| *timeout > REQUEST_TIMEOUT);
    match own {
        Some(timeout) => FaultKind::Latency(latency - REQUEST_TIMEOUT + timeout),
        None => kind,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_backend_fails_into_a_typed_error_or_a_labelled_fallback() {
    let backends = linked_backends();
    for backend in &backends {
        assert!(
            PINNED.contains(backend),
            "`{backend}` has no pinned row in the fault matrix: add it to PINNED, with any exception and its reason"
        );
    }
    let emulator = emulator().await;
    let policy = fast_policy()
        .with_request_timeout(REQUEST_TIMEOUT)
        .with_max_attempts(2)
        .with_max_body_bytes(BODY_CAP);
    let options = ResolveOptions::default().with_deadline(DEADLINE);
    let columns = columns();
    let mut matrix: BTreeMap<&str, Vec<String>> =
        backends.iter().map(|b| (*b, Vec::new())).collect();
    let mut problems = Vec::new();
    for column in &columns {
        emulator.clear_faults();
        let sections = match column.fault {
            Some(kind) => {
                for backend in &backends {
                    emulator.set_fault(Fault::always(
                        *backend,
                        slower_than_its_timeout(backend, kind),
                    ));
                }
                sections(&emulator)
            }
            None => refused_sections(&emulator),
        };
        let expected: Vec<String> = sections.iter().map(|s| s.backend().to_owned()).collect();
        // A fresh kit per column: no cache or snapshot carries over between faults.
        let kit = kit_with(policy.clone());
        let reports =
            match tokio::time::timeout(HANG, kit.resolve_sections(sections, &options)).await {
                Ok(reports) => reports,
                Err(_) => {
                    problems.push(format!("{}: the resolve hung past {HANG:?}", column.name));
                    for cells in matrix.values_mut() {
                        cells.push("HANG".into());
                    }
                    continue;
                }
            };
        let got: Vec<String> = reports.iter().map(|r| r.backend.to_string()).collect();
        assert_eq!(
            got, expected,
            "{}: a report per section, in order",
            column.name
        );
        for report in &reports {
            let (cell, problem) = judge(column, report);
            if let Some(problem) = problem {
                problems.push(format!("{} × {}: {problem}", report.backend, column.name));
            }
            let want = pinned(&report.backend, column);
            if cell != want {
                problems.push(format!(
                    "{} × {}: answered `{cell}`, pinned `{want}`",
                    report.backend, column.name
                ));
            }
            if let Some(cells) = matrix.get_mut(report.backend.as_ref()) {
                cells.push(cell);
            }
        }
    }
    emulator.clear_faults();

    let width = columns
        .iter()
        .map(|c| c.name.len())
        .chain(matrix.values().flatten().map(String::len))
        .max()
        .unwrap_or(8)
        + 2;
    let mut printed = format!("{:<12}", "backend");
    for column in &columns {
        printed.push_str(&format!("{:<width$}", column.name));
    }
    for (backend, cells) in &matrix {
        printed.push_str(&format!("\n{backend:<12}"));
        for cell in cells {
            printed.push_str(&format!("{cell:<width$}"));
        }
    }
    println!("{printed}");
    assert!(problems.is_empty(), "{}\n{}", printed, problems.join("\n"));
}
