//! `regionkit serve` as a process, against the bundled emulator: the endpoints, the token
//! check off loopback, SIGHUP with a good and a bad config, and a clean SIGTERM.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::Stdio;

use regionkit::emulator::{Emulator, EmulatorHandle};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};

async fn emulator() -> EmulatorHandle {
    std::hint::black_box(regionkit::descriptors());
    Emulator::new()
        .only(["lambda"])
        .start()
        .await
        .expect("emulator starts")
}

/// Start `regionkit serve` and return it with the address it announced on stdout.
async fn start(args: &[&str], env: &[(&str, &str)], cache: &Path) -> (Child, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_regionkit"));
    command
        .arg("serve")
        .args(args)
        .env_remove("REGIONKIT_CONFIG")
        .env_remove("REGIONKIT_SERVE_TOKEN")
        .env_remove("RUST_LOG")
        .env("REGIONKIT_CACHE_DIR", cache)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true);
    for (key, value) in env {
        command.env(key, value);
    }
    let mut child = command.spawn().expect("regionkit serve starts");
    let stdout = child.stdout.take().expect("stdout piped");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .await
        .expect("announcement read");
    let addr = line
        .trim()
        .strip_prefix("regionkit serve listening on http://")
        .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
        .to_owned();
    (child, addr)
}

/// One HTTP/1.1 GET over a fresh connection: (status, body).
async fn get(addr: &str, path: &str, token: Option<&str>) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).await.expect("connects");
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n{auth}Connection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.expect("sent");
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .await
        .expect("response read");
    let (head, body) = response.split_once("\r\n\r\n").expect("head and body");
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status code");
    (status, body.to_owned())
}

fn signal(child: &Child, name: &str) {
    let pid = child.id().expect("still running").to_string();
    let status = std::process::Command::new("kill")
        .args([&format!("-{name}"), &pid])
        .status()
        .expect("kill runs");
    assert!(status.success());
}

/// A report with each `fetched_at` value blanked, so two live answers compare byte for byte.
fn without_times(report: &str) -> String {
    let mut out = String::new();
    let mut rest = report.trim_end();
    while let Some(at) = rest.find("\"fetched_at\":\"") {
        let start = at + "\"fetched_at\":\"".len();
        out.push_str(&rest[..start]);
        let end = rest[start..].find('"').expect("closing quote");
        rest = &rest[start + end..];
    }
    out.push_str(rest);
    out
}

fn metric(text: &str, name: &str) -> u64 {
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {name} in {text}"))
}

/// Wait (by polling /metrics a bounded number of times) until `name` reaches `want`.
async fn wait_for_metric(addr: &str, name: &str, want: u64) {
    for _ in 0..500 {
        let (_, text) = get(addr, "/metrics", None).await;
        if metric(&text, name) >= want {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("{name} never reached {want}");
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_answers_like_the_cli_reloads_on_sighup_and_stops_on_sigterm() {
    let emulator = emulator().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("regionkit.yml");
    std::fs::write(&config, emulator.native_config()).expect("config written");
    let config_arg = config.to_str().expect("utf-8 path");

    // What the CLI prints, from its own empty snapshot directory.
    let cli_cache = tempfile::tempdir().expect("cache dir");
    let cli = Command::new(env!("CARGO_BIN_EXE_regionkit"))
        .args(["regions", "--config", config_arg, "--format", "json"])
        .args(["--region", "us-*"])
        .env_remove("REGIONKIT_CONFIG")
        .env("REGIONKIT_CACHE_DIR", cli_cache.path())
        .output()
        .await
        .expect("regionkit regions runs");
    assert_eq!(cli.status.code(), Some(0));
    let cli_json = String::from_utf8(cli.stdout).expect("utf-8");

    let cache = tempfile::tempdir().expect("cache dir");
    let (mut child, addr) = start(
        &["--config", config_arg, "--listen", "127.0.0.1:0"],
        &[],
        cache.path(),
    )
    .await;

    assert_eq!(get(&addr, "/healthz", None).await.0, 200);
    assert_eq!(get(&addr, "/readyz", None).await.0, 200);

    let (status, body) = get(&addr, "/v1/regions?region=us-*", None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(without_times(&body), without_times(&cli_json));

    let (status, body) = get(&addr, "/v1/explain/lambda", None).await;
    assert_eq!(status, 200, "{body}");
    let report: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(report["backends"][0]["backend"], "lambda");
    assert_eq!(report["backends"][0]["source"], "cache");

    // A usage error: 400 with the CLI's message, in the report's shape.
    let (status, body) = get(&addr, "/v1/regions?backend=aws", None).await;
    assert_eq!(status, 400, "{body}");
    let report: Value = serde_json::from_str(&body).expect("json");
    assert!(report["error"]["message"]
        .as_str()
        .is_some_and(|m| m.contains("backend `aws` has no section in the config")));
    let (status, _) = get(&addr, "/v1/regions?region=atlantis-9", None).await;
    assert_eq!(status, 400);

    // A bad config on SIGHUP is refused; the old one keeps serving.
    std::fs::write(&config, "backends: [").expect("bad config written");
    signal(&child, "HUP");
    wait_for_metric(
        &addr,
        "regionkit_config_reloads_total{outcome=\"refused\"}",
        1,
    )
    .await;
    assert_eq!(get(&addr, "/v1/regions", None).await.0, 200);

    // A good one is taken: now only us-* regions are kept.
    std::fs::write(
        &config,
        format!("{}  regions: [\"us-*\"]\n", emulator.native_config()),
    )
    .expect("good config written");
    signal(&child, "HUP");
    wait_for_metric(&addr, "regionkit_config_reloads_total{outcome=\"ok\"}", 1).await;
    let (status, body) = get(&addr, "/v1/regions", None).await;
    assert_eq!(status, 200, "{body}");
    let report: Value = serde_json::from_str(&body).expect("json");
    let kept = report["backends"][0]["regions"]
        .as_array()
        .expect("regions");
    assert!(!kept.is_empty());
    assert!(kept
        .iter()
        .all(|r| r["id"].as_str().is_some_and(|id| id.starts_with("us-"))));

    let (_, text) = get(&addr, "/metrics", None).await;
    assert!(metric(&text, "regionkit_answers_total{source=\"live\"}") >= 1);
    assert!(metric(&text, "regionkit_answers_total{source=\"cache\"}") >= 1);

    signal(&child, "TERM");
    let status = child.wait().await.expect("exits");
    assert_eq!(status.code(), Some(0));
}

#[tokio::test(flavor = "multi_thread")]
async fn off_loopback_every_request_needs_the_token() {
    let emulator = emulator().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("regionkit.yml");
    std::fs::write(&config, emulator.native_config()).expect("config written");
    let config_arg = config.to_str().expect("utf-8 path");
    let cache = tempfile::tempdir().expect("cache dir");

    // Without a token a non-loopback bind is refused, naming the fix.
    let refused = Command::new(env!("CARGO_BIN_EXE_regionkit"))
        .args(["serve", "--config", config_arg, "--listen", "0.0.0.0:0"])
        .env_remove("REGIONKIT_SERVE_TOKEN")
        .env("REGIONKIT_CACHE_DIR", cache.path())
        .output()
        .await
        .expect("runs");
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("REGIONKIT_SERVE_TOKEN"));

    let token_file = dir.path().join("token");
    std::fs::write(&token_file, "s3cret-token\n").expect("token written");
    let (mut child, addr) = start(
        &[
            "--config",
            config_arg,
            "--listen",
            "0.0.0.0:0",
            "--token-file",
            token_file.to_str().expect("utf-8 path"),
        ],
        &[],
        cache.path(),
    )
    .await;
    let port = addr.rsplit(':').next().expect("port");
    let local = format!("127.0.0.1:{port}");

    for path in ["/healthz", "/metrics", "/v1/regions"] {
        assert_eq!(get(&local, path, None).await.0, 401, "{path}");
        assert_eq!(
            get(&local, path, Some("s3cret-toke")).await.0,
            401,
            "{path}"
        );
        assert_eq!(
            get(&local, path, Some("s3cret-token")).await.0,
            200,
            "{path}"
        );
    }

    signal(&child, "TERM");
    assert_eq!(child.wait().await.expect("exits").code(), Some(0));
}
