//! The `regionkit` binary as a user runs it, against the bundled emulator.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Output;

use regionkit::emulator::{Emulator, EmulatorHandle, Fault, FaultKind};
use serde_json::Value;
use tempfile::TempDir;

struct Setup {
    emulator: EmulatorHandle,
    dir: TempDir,
}

impl Setup {
    async fn new() -> Self {
        std::hint::black_box(regionkit::descriptors());
        let emulator = Emulator::new()
            .only(["lambda"])
            .start()
            .await
            .expect("emulator starts");
        Self {
            emulator,
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    /// Write the emulator's config with `extra` lines appended to the lambda section.
    fn config(&self, extra: &str) -> PathBuf {
        let path = self.dir.path().join("regionkit.yml");
        std::fs::write(&path, format!("{}{extra}", self.emulator.native_config()))
            .expect("config written");
        path
    }

    fn file(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).expect("file written");
        path
    }
}

/// Run the binary. Unless `env` names one, each run gets its own empty snapshot directory,
/// so tests never see each other's snapshots.
async fn regionkit(args: &[&str], env: &[(&str, &str)]) -> Output {
    let cache = tempfile::tempdir().expect("cache dir");
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_regionkit"));
    command
        .args(args)
        .env_remove("REGIONKIT_CONFIG")
        .env_remove("RUST_LOG")
        .env("REGIONKIT_CACHE_DIR", cache.path());
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().await.expect("regionkit runs")
}

fn path(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

fn json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}",
            String::from_utf8_lossy(&output.stdout)
        )
    })
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn kept(value: &Value) -> Vec<String> {
    value["backends"][0]["regions"]
        .as_array()
        .expect("regions array")
        .iter()
        .map(|r| r["id"].as_str().expect("id").to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn json_output_follows_the_contract() {
    let setup = Setup::new().await;
    let config = setup.config("");
    let output = regionkit(
        &[
            "regions",
            "lambda",
            "--config",
            path(&config),
            "--format",
            "json",
        ],
        &[],
    )
    .await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let value = json(&output);
    let backend = &value["backends"][0];
    for key in [
        "backend",
        "policy",
        "source",
        "fetched_at",
        "regions",
        "excluded",
        "new",
        "warnings",
        "error",
    ] {
        assert!(backend.get(key).is_some(), "missing `{key}` in {backend}");
    }
    assert_eq!(backend["backend"], "lambda");
    assert_eq!(backend["policy"], "dynamic");
    assert_eq!(backend["source"], "live");
    assert!(backend["error"].is_null());
    let region = &backend["regions"][0];
    for key in ["id", "display_name", "status", "zones", "location"] {
        assert!(region.get(key).is_some(), "missing `{key}` in {region}");
    }
    assert_eq!(region["id"], "us-east-1");
    assert_eq!(region["location"]["country"], "US");
    assert!(backend["new"]
        .as_array()
        .unwrap()
        .iter()
        .any(|id| id == "us-midwest-2"));
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_region_in_backend_config_exits_2_naming_the_nearest_real_one() {
    let setup = Setup::new().await;
    let config = setup.config("  regions: [us-east-7]\n");
    let output = regionkit(&["regions", "--config", path(&config)], &[]).await;
    assert_eq!(output.status.code(), Some(2));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.contains("us-east-7") && text.contains("did you mean") && text.contains("us-east-1"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn empty_regions_list_exits_2() {
    let setup = Setup::new().await;
    let config = setup.config("  regions: []\n");
    let output = regionkit(
        &["regions", "--config", path(&config), "--format", "json"],
        &[],
    )
    .await;
    assert_eq!(output.status.code(), Some(2));
    let message = json(&output)["backends"][0]["error"]["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        message.contains("regions") && message.contains("empty"),
        "{message}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn region_flag_matches_case_insensitively() {
    let setup = Setup::new().await;
    let config = setup.config("");
    let output = regionkit(
        &[
            "regions",
            "--config",
            path(&config),
            "--region",
            "US-EAST-1",
            "--format",
            "json",
        ],
        &[],
    )
    .await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(kept(&json(&output)), ["us-east-1"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn glob_keeps_only_matching_regions() {
    let setup = Setup::new().await;
    let config = setup.config("  regions: [\"us-*\"]\n");
    let output = regionkit(
        &["regions", "--config", path(&config), "--format", "json"],
        &[],
    )
    .await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let value = json(&output);
    let ids = kept(&value);
    assert!(ids.len() >= 10, "{ids:?}");
    assert!(ids.iter().all(|id| id.starts_with("us-")), "{ids:?}");
    let excluded = value["backends"][0]["excluded"].as_array().unwrap();
    assert!(excluded
        .iter()
        .any(|e| e["id"] == "europe-central-1" && e["reason"] == "not-in-backend-config"));
}

#[tokio::test(flavor = "multi_thread")]
async fn run_file_regions_narrow_the_backend_regions() {
    let setup = Setup::new().await;
    let config = setup.config("  regions: [\"us-*\", europe-central-1]\n");
    let run = setup.file(
        "run.dstack.yml",
        "type: task\nregions: [europe-central-1, us-west-1]\ncommands: [nvidia-smi]\n",
    );
    let output = regionkit(
        &[
            "regions",
            "--config",
            path(&config),
            "--run",
            path(&run),
            "--format",
            "json",
        ],
        &[],
    )
    .await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(kept(&json(&output)), ["europe-central-1", "us-west-1"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn rejected_credentials_exit_3_naming_the_backend_and_the_cause() {
    let setup = Setup::new().await;
    setup
        .emulator
        .set_fault(Fault::always("lambda", FaultKind::Unauthorized));
    let config = setup.config("");
    let output = regionkit(&["regions", "--config", path(&config)], &[]).await;
    assert_eq!(output.status.code(), Some(3));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.contains("lambda") && text.contains("HTTP 401") && text.contains("creds"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn provider_outage_without_snapshot_exits_3_showing_the_builtin_list_labelled() {
    let setup = Setup::new().await;
    setup
        .emulator
        .set_fault(Fault::always("lambda", FaultKind::Http500));
    let config = setup.config("");
    let output = regionkit(
        &["regions", "--config", path(&config), "--format", "json"],
        &[],
    )
    .await;
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    let backend = &json(&output)["backends"][0];
    assert_eq!(backend["source"], "builtin");
    assert_eq!(backend["error"]["kind"], "unavailable");
    assert!(backend["warnings"][0].as_str().unwrap().contains("builtin"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_canary_key_never_appears_in_any_output() {
    let canary = "canary-d41d8cd98f00-lambda";
    let setup = Setup::new().await;
    let config = setup.config("").to_path_buf();
    let text = std::fs::read_to_string(&config)
        .unwrap()
        .replace(regionkit::lambda::emulator::EMULATOR_API_KEY, canary);
    std::fs::write(&config, text).unwrap();
    let trace = [("RUST_LOG", "trace")];
    // An error path (the emulator rejects the canary), then a success path, at trace level.
    let failed = regionkit(
        &["regions", "--config", path(&config), "--format", "json"],
        &trace,
    )
    .await;
    assert_eq!(failed.status.code(), Some(3));
    let explained = regionkit(&["explain", "lambda", "--config", path(&config)], &trace).await;
    setup
        .emulator
        .set_fault(Fault::always("lambda", FaultKind::Http500));
    let fallback = regionkit(&["regions", "--config", path(&config)], &trace).await;
    assert_eq!(fallback.status.code(), Some(3));
    for output in [&failed, &explained, &fallback] {
        assert!(!stderr(output).is_empty(), "trace logging produced nothing");
        for stream in [&output.stdout, &output.stderr] {
            assert!(
                !String::from_utf8_lossy(stream).contains(canary),
                "the key leaked"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_yaml_reports_file_line_and_column() {
    let setup = Setup::new().await;
    let config = setup.file(
        "bad.yml",
        "backends:\n  - type: lambda\n    regions: [us-east-1\n",
    );
    let output = regionkit(&["regions", "--config", path(&config)], &[]).await;
    assert_eq!(output.status.code(), Some(2));
    let text = stderr(&output);
    assert!(text.contains("bad.yml:"), "{text}");
    let location = text.split("bad.yml:").nth(1).unwrap();
    let numbers: Vec<usize> = location
        .split(':')
        .take(2)
        .map(|n| n.trim().parse::<usize>().unwrap())
        .collect();
    // The unclosed `[` of line 3 is found missing where the file ends: line 4, column 1.
    assert_eq!(numbers, [4, 1], "{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_backend_type_names_the_linked_ones() {
    let setup = Setup::new().await;
    let config = setup.file("c.yml", "backends:\n  - type: lambdda\n");
    let output = regionkit(&["regions", "--config", path(&config)], &[]).await;
    assert_eq!(output.status.code(), Some(2));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.contains("lambdda") && text.contains("linked backends") && text.contains("lambda"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn dstack_server_config_is_read_with_project_selection() {
    let setup = Setup::new().await;
    let yaml = format!(
        "projects:\n  - name: main\n    backends: []\n  - name: gpu\n    backends:\n      - type: lambda\n        creds:\n          type: api_key\n          api_key: {}\n        endpoint: {}\n        regions: [us-east-1]\n",
        regionkit::lambda::emulator::EMULATOR_API_KEY,
        setup.emulator.endpoint("lambda")
    );
    let config = setup.file("config.yml", &yaml);
    let output = regionkit(
        &[
            "regions",
            "--config",
            path(&config),
            "--project",
            "gpu",
            "--format",
            "json",
        ],
        &[],
    )
    .await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(kept(&json(&output)), ["us-east-1"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn explain_gives_every_excluded_region_its_reason() {
    let setup = Setup::new().await;
    let config = setup.config("  regions: [\"us-east-*\"]\n");
    let output = regionkit(&["explain", "lambda", "--config", path(&config)], &[]).await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.contains("us-east-1") && text.contains("kept"),
        "{text}"
    );
    assert!(
        text.contains("europe-central-1") && text.contains("not-in-backend-config"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn offline_without_config_answers_from_builtin_tables() {
    let output = regionkit(&["regions", "--offline", "--format", "json"], &[]).await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let value = json(&output);
    let backends = value["backends"].as_array().unwrap();
    assert!(!backends.is_empty());
    assert!(
        backends
            .iter()
            .all(|b| b["source"] == "builtin" || b["source"] == "snapshot"),
        "{value}"
    );
    // The fresh cache dir holds no snapshot, so lambda answers from its builtin list, dated
    // by the list's as-of date rather than by the call.
    let lambda = backends.iter().find(|b| b["backend"] == "lambda").unwrap();
    assert_eq!(lambda["source"], "builtin");
    assert_eq!(lambda["fetched_at"], "2026-08-21T00:00:00Z");
}

#[tokio::test(flavor = "multi_thread")]
async fn no_config_and_not_offline_is_a_usage_error() {
    let output = regionkit(&["regions"], &[]).await;
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("--config"));
}

#[tokio::test(flavor = "multi_thread")]
async fn backends_lists_the_linked_backends_with_policy_and_api() {
    let output = regionkit(&["backends", "--format", "json"], &[]).await;
    assert_eq!(output.status.code(), Some(0));
    let value = json(&output);
    let lambda = value["backends"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["id"] == "lambda")
        .cloned()
        .unwrap();
    assert_eq!(lambda["policy"], "dynamic");
    assert!(lambda["api"].as_str().unwrap().contains("/api/v1/regions"));
}

#[tokio::test(flavor = "multi_thread")]
async fn provider_outage_after_a_live_answer_falls_back_to_the_snapshot() {
    let setup = Setup::new().await;
    let config = setup.config("");
    let cache = setup.dir.path().join("cache");
    let env = [("REGIONKIT_CACHE_DIR", path(&cache))];
    let live = regionkit(
        &["regions", "--config", path(&config), "--format", "json"],
        &env,
    )
    .await;
    assert_eq!(json(&live)["backends"][0]["source"], "live");
    setup
        .emulator
        .set_fault(Fault::always("lambda", FaultKind::Http503));
    let output = regionkit(
        &["regions", "--config", path(&config), "--format", "json"],
        &env,
    )
    .await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let backend = &json(&output)["backends"][0];
    assert_eq!(backend["source"], "snapshot");
    assert_eq!(backend["error"]["kind"], "unavailable");
    assert!(kept(&json(&output)).contains(&"us-east-1".to_owned()));
}

#[tokio::test(flavor = "multi_thread")]
async fn provider_outage_in_table_output_names_the_backend_and_the_cause() {
    let setup = Setup::new().await;
    setup
        .emulator
        .set_fault(Fault::always("lambda", FaultKind::Http500));
    let config = setup.config("");
    let output = regionkit(&["regions", "--config", path(&config)], &[]).await;
    assert_eq!(output.status.code(), Some(3));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("source: builtin"), "{text}");
    assert!(
        text.contains("error: lambda: unavailable (HTTP 500)"),
        "{text}"
    );
    assert!(text.contains("answered from builtin"), "{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn emulate_writes_a_config_the_regions_command_can_use() {
    use tokio::io::{AsyncBufReadExt, BufReader};
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("emulated.yml");
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_regionkit"))
        .args(["emulate", "--port", "0", "--write-config", path(&config)])
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("emulate starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let ready = tokio::time::timeout(std::time::Duration::from_secs(60), async {
        while let Ok(Some(line)) = lines.next_line().await {
            if line.starts_with("config written") {
                return true;
            }
        }
        false
    })
    .await;
    assert_eq!(
        ready.ok(),
        Some(true),
        "the emulator did not report its config"
    );
    let output = regionkit(
        &[
            "regions",
            "lambda",
            "--config",
            path(&config),
            "--format",
            "json",
        ],
        &[],
    )
    .await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(json(&output)["backends"][0]["source"], "live");
    child.kill().await.expect("emulator stops");
}

#[tokio::test(flavor = "multi_thread")]
async fn demo_resolves_every_linked_backend_live() {
    let output = regionkit(&["demo", "--format", "json"], &[]).await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let value = json(&output);
    let resolved: Vec<&str> = value["backends"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|b| b["backend"].as_str())
        .collect();
    assert_eq!(
        resolved,
        regionkit::ENABLED,
        "every linked backend, once each"
    );
    for backend in value["backends"].as_array().unwrap() {
        assert_eq!(backend["source"], "live", "{backend}");
        assert!(
            !backend["regions"].as_array().unwrap().is_empty(),
            "{backend}"
        );
    }
}

/// Run `explain BACKEND` against an emulator hosting only that backend.
async fn explain(backend: &str) -> (Option<i32>, String) {
    std::hint::black_box(regionkit::descriptors());
    let emulator = Emulator::new().only([backend]).start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("regionkit.yml");
    emulator.write_config(&config).unwrap();
    let output = regionkit(&["explain", backend, "--config", path(&config)], &[]).await;
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

fn verdict<'a>(text: &'a str, region: &str) -> &'a str {
    text.lines()
        .find(|line| line.split_whitespace().next() == Some(region))
        .and_then(|line| line.split_whitespace().nth(1))
        .unwrap_or_else(|| panic!("no row for {region} in:\n{text}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn explain_aws_shows_the_pin_opt_in_vpc_settings_and_new_regions() {
    let (code, text) = explain("aws").await;
    assert_eq!(code, Some(0), "{text}");
    assert_eq!(verdict(&text, "us-east-1"), "kept");
    assert_eq!(verdict(&text, "ap-northeast-1"), "no-image");
    assert_eq!(verdict(&text, "af-south-1"), "not-enabled");
    assert_eq!(verdict(&text, "eu-north-1"), "missing-region-config");
    assert!(
        text.contains("`vpc_ids` has no entry for eu-north-1"),
        "explain names the key that lacks the region:\n{text}"
    );
    assert!(
        text.contains("new (not in the builtin list): ap-northeast-4"),
        "{text}"
    );
    assert!(text.contains("the pinned list (11 regions"), "{text}");
    assert!(text.contains("os_images"), "{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn explain_oci_shows_in_progress_subscriptions_and_unpinned_regions() {
    let (code, text) = explain("oci").await;
    assert_eq!(code, Some(0), "{text}");
    assert_eq!(verdict(&text, "us-ashburn-1"), "kept");
    assert_eq!(verdict(&text, "us-chicago-1"), "not-enabled");
    assert_eq!(verdict(&text, "eu-amsterdam-1"), "no-image");
    assert!(text.contains("the pinned list (7 regions"), "{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn explain_gives_every_region_of_every_backend_a_verdict() {
    const VERDICTS: &[&str] = &[
        "kept",
        "not-enabled",
        "unavailable",
        "no-image",
        "not-in-defaults",
        "missing-region-config",
        "not-in-backend-config",
        "not-in-run-config",
    ];
    for backend in regionkit::ENABLED {
        let (code, text) = explain(backend).await;
        assert_eq!(code, Some(0), "{backend}:\n{text}");
        let rows: Vec<&str> = text
            .lines()
            .skip_while(|line| !line.trim_start().starts_with("REGION"))
            .skip(1)
            .take_while(|line| line.starts_with("  ") && !line.starts_with("   "))
            .filter(|line| !line.contains(':'))
            .collect();
        assert!(!rows.is_empty(), "{backend} explained no region:\n{text}");
        for row in rows {
            let verdict = row.split_whitespace().nth(1).unwrap_or_default();
            assert!(VERDICTS.contains(&verdict), "{backend}: `{row}`");
        }
    }
}

/// The committed JSON Schema of the report.
fn report_schema() -> jsonschema::Validator {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/report.schema.json");
    let text = std::fs::read_to_string(&path).expect("docs/report.schema.json is readable");
    let schema: Value = serde_json::from_str(&text).expect("the schema is JSON");
    jsonschema::validator_for(&schema).expect("the schema is a valid JSON Schema")
}

fn assert_valid(validator: &jsonschema::Validator, output: &Output, what: &str) {
    let value = json(output);
    let errors: Vec<String> = validator
        .iter_errors(&value)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{what}: {errors:#?}\n{value}");
}

#[tokio::test(flavor = "multi_thread")]
async fn json_output_validates_against_the_committed_schema() {
    let validator = report_schema();

    // Every linked backend, live, with locations, zones, exclusions, details and new regions.
    let demo = regionkit(&["demo", "--format", "json"], &[]).await;
    assert_eq!(demo.status.code(), Some(0), "{}", stderr(&demo));
    assert_valid(&validator, &demo, "demo");
    let excluded: Vec<Value> = json(&demo)["backends"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|b| b["excluded"].as_array().cloned().unwrap_or_default())
        .collect();
    assert!(
        excluded.iter().any(|e| e.get("detail").is_some()),
        "some exclusion carries a detail: {excluded:?}"
    );

    // A live failure answered from the builtin list: `error` is set.
    let setup = Setup::new().await;
    setup
        .emulator
        .set_fault(Fault::always("lambda", FaultKind::Http500));
    let config = setup.config("");
    let outage = regionkit(
        &["regions", "--config", path(&config), "--format", "json"],
        &[],
    )
    .await;
    assert_eq!(outage.status.code(), Some(3), "{}", stderr(&outage));
    assert_valid(&validator, &outage, "outage");
    assert_eq!(json(&outage)["backends"][0]["error"]["kind"], "unavailable");

    // A command that fails before any backend is resolved.
    let missing = setup.dir.path().join("missing.yml");
    let fatal = regionkit(
        &["regions", "--config", path(&missing), "--format", "json"],
        &[],
    )
    .await;
    assert_eq!(fatal.status.code(), Some(2));
    assert_valid(&validator, &fatal, "fatal");
    assert_eq!(json(&fatal)["error"]["kind"], "config");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_misspelt_backend_key_exits_2_naming_the_key_and_the_nearest_valid_one() {
    let setup = Setup::new().await;
    let config = setup.config("  regoins: [us-east-1]\n");
    let output = regionkit(&["regions", "--config", path(&config)], &[]).await;
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        stderr(&output)
    );
    assert!(
        text.contains("`regoins`") && text.contains("did you mean `regions`"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_near_miss_of_regions_in_the_run_config_is_warned_about() {
    let setup = Setup::new().await;
    let config = setup.config("");
    let run = setup.file(
        ".dstack.yml",
        "type: task\nregion: us-east-1\ncommands: [nvidia-smi]\n",
    );
    let output = regionkit(
        &["regions", "--config", path(&config), "--run", path(&run)],
        &[],
    )
    .await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("warning:") && stderr(&output).contains("did you mean `regions`"),
        "{}",
        stderr(&output)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dstack_config_with_dstacks_own_aws_keys_loads_unchanged() {
    std::hint::black_box(regionkit::descriptors());
    let emulator = Emulator::new().only(["aws"]).start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    // As dstack's server config reference writes an AWS backend, keys regionkit does not read
    // (`public_ips`, `iam_instance_profile`, `tags`) included.
    let yaml = format!(
        "projects:\n- name: main\n  backends:\n  - type: aws\n    creds:\n      type: access_key\n      access_key: {}\n      secret_key: {}\n    regions: [us-east-1, eu-west-1]\n    public_ips: false\n    iam_instance_profile: dstack-instance\n    tags:\n      team: ml\n    endpoint: {}\n",
        regionkit::aws::emulator::EMULATOR_ACCESS_KEY,
        regionkit::aws::emulator::EMULATOR_SECRET_KEY,
        emulator.endpoint("aws")
    );
    let config = dir.path().join("config.yml");
    std::fs::write(&config, yaml).unwrap();
    let output = regionkit(
        &["regions", "--config", path(&config), "--format", "json"],
        &[],
    )
    .await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(kept(&json(&output)), ["us-east-1", "eu-west-1"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn explain_azure_shows_the_pin_the_defaults_sku_restrictions_and_both_network_keys() {
    let (code, text) = explain("azure").await;
    assert_eq!(code, Some(0), "{text}");
    assert_eq!(verdict(&text, "eastus"), "kept");
    assert_eq!(verdict(&text, "westus"), "no-image");
    assert_eq!(verdict(&text, "japaneast"), "not-in-defaults");
    assert_eq!(verdict(&text, "westeurope"), "not-enabled");
    assert_eq!(verdict(&text, "eastus2"), "missing-region-config");
    assert!(
        text.contains("`vpc_ids` and `subnet_ids` have no entry for eastus2"),
        "explain names both keys that lack the location:\n{text}"
    );
    assert!(
        text.contains("NotAvailableForSubscription"),
        "explain says why the SKUs exclude westeurope:\n{text}"
    );
    assert!(
        !text.contains("unitedstates"),
        "a geography is not a region:\n{text}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn explain_gcp_shows_the_defaults_and_a_down_region() {
    let (code, text) = explain("gcp").await;
    assert_eq!(code, Some(0), "{text}");
    assert_eq!(verdict(&text, "us-central1"), "kept");
    assert_eq!(verdict(&text, "me-central2"), "not-in-defaults");
    assert_eq!(verdict(&text, "africa-south1"), "unavailable");
    assert!(
        text.contains("NVIDIA_H100_GPUS"),
        "the zero GPU quota is named:\n{text}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn naming_an_azure_image_region_outside_the_defaults_keeps_it() {
    std::hint::black_box(regionkit::descriptors());
    let emulator = Emulator::new().only(["azure"]).start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("regionkit.yml");
    // The emulator's service principal, without the networking keys of its own config.
    std::fs::write(
        &config,
        format!(
            "backends:\n  - type: azure\n    endpoint: {}\n    tenant_id: 72f988bf-86f1-41af-91ab-2d7cd011db47\n    subscription_id: 00000000-0000-0000-0000-000000000000\n    creds: {{type: client, client_id: 11111111-2222-3333-4444-555555555555, client_secret: emulator~azure~client~secret~0123456789}}\n    regions: [koreacentral, eastus]\n",
            emulator.endpoint("azure")
        ),
    )
    .unwrap();
    let output = regionkit(
        &[
            "regions",
            "azure",
            "--config",
            path(&config),
            "--format",
            "json",
        ],
        &[],
    )
    .await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let value = json(&output);
    let kept: Vec<&str> = value["backends"][0]["regions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["id"].as_str())
        .collect();
    assert_eq!(kept, ["koreacentral", "eastus"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn explain_kubernetes_shows_gpu_cpu_and_unreachable_clusters_with_their_cloud_regions() {
    std::hint::black_box(regionkit::descriptors());
    let emulator = Emulator::new().only(["kubernetes"]).start().await.unwrap();
    let base = emulator.endpoint("kubernetes");
    let kubeconfig = format!(
        "apiVersion: v1\nkind: Config\ncurrent-context: gpu-east\nclusters:\n\
         - {{name: gpu-east, cluster: {{server: '{base}/clusters/gpu-east'}}}}\n\
         - {{name: cpu-west, cluster: {{server: '{base}/clusters/cpu-west'}}}}\n\
         - {{name: offline, cluster: {{server: 'http://127.0.0.1:1'}}}}\n\
         contexts:\n\
         - {{name: gpu-east, context: {{cluster: gpu-east, user: ci}}}}\n\
         - {{name: cpu-west, context: {{cluster: cpu-west, user: ci}}}}\n\
         - {{name: offline, context: {{cluster: offline, user: ci}}}}\n\
         users:\n- {{name: ci, user: {{token: emulator-kubernetes-token-0123456789abcdef}}}}\n"
    );
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig_path = dir.path().join("kubeconfig");
    std::fs::write(&kubeconfig_path, kubeconfig).unwrap();
    let config = dir.path().join("regionkit.yml");
    std::fs::write(
        &config,
        format!(
            "backends:\n  - type: kubernetes\n    kubeconfig: {{filename: '{}'}}\n    contexts: [gpu-east, cpu-west, offline]\n",
            path(&kubeconfig_path)
        ),
    )
    .unwrap();
    let output = regionkit(&["explain", "kubernetes", "--config", path(&config)], &[]).await;
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    assert_eq!(output.status.code(), Some(0), "{text}{}", stderr(&output));
    assert_eq!(verdict(&text, "gpu-east"), "kept");
    assert_eq!(verdict(&text, "cpu-west"), "kept");
    assert_eq!(verdict(&text, "offline"), "unavailable");
    assert!(
        text.contains("us-east-1 (us-east-1a, us-east-1b) (available)"),
        "{text}"
    );
    assert!(
        text.contains("us-central1 (us-central1-a, us-central1-b) (limited)"),
        "{text}"
    );
    assert!(text.contains("context `offline` is unavailable"), "{text}");
}
