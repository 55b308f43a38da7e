//! Hostile input, end to end: a provider of our own on loopback that answers with escape
//! codes, forged lines, huge and blank ids and echoed secrets; tampered files; closed pipes,
//! full disks and absurd flags. Each test pins one class of defect closed: no panic, no raw
//! provider text on a terminal, no secret let out, no unbounded work, nothing lost.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::{Duration, SystemTime};

use regionkit::{AccountKey, FileSnapshotStore, Region, Snapshot, SnapshotStore};
use serde_json::{json, Value};

/// Lambda's API as a hostile provider would serve it.
async fn hostile_lambda(regions: Vec<Value>, error_body: Option<&'static str>) -> String {
    let listing = json!({ "data": regions });
    let app = axum::Router::new()
        .route(
            "/api/v1/regions",
            axum::routing::get(move || {
                let listing = listing.clone();
                async move {
                    match error_body {
                        Some(body) => (axum::http::StatusCode::BAD_REQUEST, body.to_owned()),
                        None => (axum::http::StatusCode::OK, listing.to_string()),
                    }
                }
            }),
        )
        .route(
            "/api/v1/instance-types",
            axum::routing::get(|| async { json!({ "data": {} }).to_string() }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}")
}

fn region(name: &str, description: &str) -> Value {
    json!({ "name": name, "description": description })
}

const KEY: &str = "secret_canary_hostile_0123456789";

fn config(dir: &Path, endpoint: &str) -> PathBuf {
    let path = dir.join("hostile.yml");
    std::fs::write(
        &path,
        format!("backends:\n  - type: lambda\n    creds: {{type: api_key, api_key: {KEY}}}\n    endpoint: {endpoint}\n"),
    )
    .unwrap();
    path
}

/// Run the binary with its own snapshot directory under `cache`.
async fn regionkit(args: &[&str], cache: &Path) -> Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_regionkit"))
        .args(args)
        .env_remove("REGIONKIT_CONFIG")
        .env_remove("RUST_LOG")
        .env("REGIONKIT_CACHE_DIR", cache)
        .output()
        .await
        .expect("regionkit runs")
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn assert_no_panic(output: &Output) {
    assert_ne!(output.status.code(), Some(101), "{}", text(output));
    assert!(!text(output).contains("panicked"), "{}", text(output));
}

/// The terminal-changing characters a table must never carry raw.
fn raw_controls(text: &str) -> Vec<char> {
    text.chars()
        .filter(|c| {
            (c.is_control() && *c != '\n')
                || matches!(*c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn provider_text_reaches_a_terminal_escaped_and_json_keeps_it_exact() {
    let long = "x".repeat(70_000);
    let endpoint = hostile_lambda(
        vec![
            region("us-east-1", "Virginia\u{1b}[2J\u{1b}]0;owned\u{7}, USA"),
            region("evil\u{202e}1-tsae-su", "bidi"),
            region("us-west-1\nus-fake-1", "an id with a line break"),
            region("us-west-2", "Oregon\n  us-fake-1  available    forged"),
            region(&long, "a very long id"),
            region("", "empty id"),
            region("   ", "blank id"),
            region("  eu-west-9  ", "padded id"),
            region("us-east-1", "duplicate"),
        ],
        None,
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), &endpoint);

    let table = regionkit(
        &["explain", "lambda", "--config", config.to_str().unwrap()],
        dir.path(),
    )
    .await;
    assert_no_panic(&table);
    assert_eq!(table.status.code(), Some(0), "{}", text(&table));
    let shown = String::from_utf8_lossy(&table.stdout).into_owned();
    assert!(
        raw_controls(&shown).is_empty(),
        "{:?}",
        raw_controls(&shown)
    );
    assert!(
        !shown
            .lines()
            .any(|l| l.trim_start().starts_with("us-fake-1")),
        "{shown}"
    );
    assert!(
        shown.contains("\\u{1b}[2J"),
        "the escape is shown, not run:\n{shown}"
    );
    assert!(shown.contains("xxx…"), "a long id is cut with an ellipsis");
    assert!(
        shown.contains("eu-west-9 "),
        "a padded id is trimmed:\n{shown}"
    );
    assert!(
        shown.contains("3 region(s) with an empty id or control characters"),
        "{shown}"
    );

    let json = regionkit(
        &[
            "regions",
            "--config",
            config.to_str().unwrap(),
            "--format",
            "json",
        ],
        dir.path(),
    )
    .await;
    assert_eq!(json.status.code(), Some(0), "{}", text(&json));
    let value: Value = serde_json::from_slice(&json.stdout).unwrap();
    let ids: Vec<&str> = value["backends"][0]["regions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["id"].as_str())
        .collect();
    assert!(ids.contains(&long.as_str()), "JSON keeps the long id whole");
    assert!(
        ids.contains(&"evil\u{202e}1-tsae-su"),
        "JSON keeps the exact id"
    );
    assert_eq!(ids.iter().filter(|id| **id == "us-east-1").count(), 1);

    // The saved answer renders offline too, long id and all.
    let offline = regionkit(
        &[
            "regions",
            "lambda",
            "--config",
            config.to_str().unwrap(),
            "--offline",
        ],
        dir.path(),
    )
    .await;
    assert_no_panic(&offline);
    assert_eq!(offline.status.code(), Some(0), "{}", text(&offline));
    assert!(String::from_utf8_lossy(&offline.stdout).contains("source: snapshot"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_secret_the_provider_echoes_never_reaches_the_output() {
    let endpoint = hostile_lambda(
        Vec::new(),
        Some(
            r#"{"error": {"code": "global/invalid-parameters", "message": "bad key secret_canary_hostile_0123456789 \u001b[31m"}}"#,
        ),
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), &endpoint);
    let output = regionkit(
        &["regions", "--config", config.to_str().unwrap()],
        dir.path(),
    )
    .await;
    assert_no_panic(&output);
    assert!(!text(&output).contains(KEY), "{}", text(&output));
    assert!(raw_controls(&String::from_utf8_lossy(&output.stdout)).is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn absurd_deadlines_are_clamped_or_refused_never_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let huge = regionkit(
        &[
            "regions",
            "lambda",
            "--offline",
            "--deadline",
            "18446744073709551615",
        ],
        dir.path(),
    )
    .await;
    assert_no_panic(&huge);
    assert_eq!(huge.status.code(), Some(0), "{}", text(&huge));
    let zero = regionkit(
        &["regions", "lambda", "--offline", "--deadline", "0"],
        dir.path(),
    )
    .await;
    assert_eq!(zero.status.code(), Some(2), "{}", text(&zero));
    assert!(text(&zero).contains("--deadline"), "{}", text(&zero));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_closed_pipe_or_a_full_disk_ends_quietly_with_a_proper_code() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_regionkit"))
        .args(["regions", "--offline"])
        .env("REGIONKIT_CACHE_DIR", dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The reader goes away before anything is written, as `| head -c0` would.
    drop(child.stdout.take());
    let closed = child.wait_with_output().await.unwrap();
    assert_no_panic(&closed);
    assert_eq!(closed.status.code(), Some(0), "{}", text(&closed));

    let full = std::process::Command::new(env!("CARGO_BIN_EXE_regionkit"))
        .args(["regions", "--offline"])
        .env("REGIONKIT_CACHE_DIR", dir.path())
        .stdout(std::fs::File::create("/dev/full").unwrap())
        .output()
        .unwrap();
    assert_no_panic(&full);
    assert_eq!(full.status.code(), Some(1), "{}", text(&full));
    assert!(
        text(&full).contains("cannot write the output"),
        "{}",
        text(&full)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_device_or_a_fifo_is_never_read_without_bounds() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        vec!["regions", "--config", "/dev/zero"],
        vec!["regions", "--offline", "--run", "/dev/zero"],
    ] {
        let output = regionkit(&args, dir.path()).await;
        assert_no_panic(&output);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {}", text(&output));
        assert!(
            text(&output).contains("not a regular file"),
            "{}",
            text(&output)
        );
    }
    // A FIFO planted where snapshots are read: the answer falls back instead of hanging.
    let lambda = dir.path().join("snapshots").join("lambda");
    std::fs::create_dir_all(&lambda).unwrap();
    let made = std::process::Command::new("mkfifo")
        .arg(lambda.join("planted.json"))
        .status()
        .unwrap();
    assert!(made.success());
    let output = tokio::time::timeout(
        Duration::from_secs(60),
        regionkit(&["regions", "lambda", "--offline"], dir.path()),
    )
    .await
    .expect("a FIFO never makes the read wait");
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    assert!(
        text(&output).contains("source: builtin"),
        "{}",
        text(&output)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_configs_get_a_config_error_that_quotes_no_secret() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("key-in-place-of-creds.yml", format!("backends:\n  - type: lambda\n    creds: \"{KEY}\"\n"), "creds"),
        (
            "numeric-secret.yml",
            "backends:\n  - type: datacrunch\n    creds: {type: api_key, client_id: abc, client_secret: 987654321098765}\n".to_owned(),
            "creds",
        ),
        (
            "password-in-endpoint.yml",
            format!("backends:\n  - type: lambda\n    creds: {{api_key: k-1}}\n    endpoint: http://user:{KEY}@example.com/\n"),
            "endpoint",
        ),
        (
            "line-break-in-key.yml",
            format!("backends:\n  - type: lambda\n    creds: {{api_key: \"{KEY}\\r\\nX-Injected: 1\"}}\n"),
            "line break",
        ),
        (
            "both-shapes.yml",
            "backends: [{type: lambda}]\nprojects: [{name: main, backends: []}]\n".to_owned(),
            "keep one",
        ),
        ("deep.yml", format!("backends: {}", "{a: ".repeat(125_000)), "nested deeper"),
    ];
    for (name, yaml, says) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, yaml).unwrap();
        let output = regionkit(&["regions", "--config", path.to_str().unwrap()], dir.path()).await;
        assert_no_panic(&output);
        assert_eq!(output.status.code(), Some(2), "{name}: {}", text(&output));
        assert!(text(&output).contains(says), "{name}: {}", text(&output));
        for secret in [KEY, "987654321098765"] {
            assert!(!text(&output).contains(secret), "{name}: {}", text(&output));
        }
    }
    // A byte-order mark is not a problem.
    let bom = dir.path().join("bom.yml");
    std::fs::write(&bom, "\u{feff}backends:\n  - type: lambda\n").unwrap();
    let output = regionkit(
        &["regions", "--config", bom.to_str().unwrap(), "--offline"],
        dir.path(),
    )
    .await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_snapshot_past_its_maximum_age_is_shown_but_exits_3() {
    // A provider that fails, and an eight-day-old snapshot of this very account.
    let endpoint = hostile_lambda(Vec::new(), Some("down")).await;
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), &endpoint);
    let section = regionkit::Config::from_file(&config, None)
        .unwrap()
        .backends
        .remove(0);
    let store = FileSnapshotStore::new(dir.path().join("snapshots"));
    let key = AccountKey::for_section("lambda", &section);
    let old = SystemTime::now() - Duration::from_secs(8 * 24 * 60 * 60);
    store
        .save(&Snapshot::new(&key, old, vec![Region::new("us-east-1")]))
        .unwrap();

    let stale = regionkit(
        &["regions", "--config", config.to_str().unwrap()],
        dir.path(),
    )
    .await;
    assert_eq!(stale.status.code(), Some(3), "{}", text(&stale));
    assert!(
        text(&stale).contains("source: snapshot"),
        "{}",
        text(&stale)
    );
    let allowed = regionkit(
        &[
            "regions",
            "--config",
            config.to_str().unwrap(),
            "--max-snapshot-age",
            "30d",
        ],
        dir.path(),
    )
    .await;
    assert_eq!(allowed.status.code(), Some(0), "{}", text(&allowed));
}
