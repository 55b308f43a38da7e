//! `regionkit`: resolve, explain and emulate cloud regions from the command line.

mod args;
mod render;

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use regionkit::emulator::{Emulator, Fault};
use regionkit::{
    BackendConfig, BackendReport, Config, Error, HttpPolicy, RegionKit, ResolveOptions, RunConfig,
    Source,
};
use tracing_subscriber::EnvFilter;

use crate::args::{Cli, Command, Format, ResolveArgs};

/// Exit codes of the contract (DESIGN §5), and 1 when the output itself cannot be written.
const EXIT_OUTPUT: u8 = 1;
const EXIT_USAGE: u8 = 2;
const EXIT_BACKEND_FAILED: u8 = 3;

/// A snapshot older than this is still shown, but exits like the builtin table.
const DEFAULT_MAX_SNAPSHOT_AGE: Duration = Duration::from_secs(7 * 24 * 60 * 60);

/// Write the command's output to stdout and end with `code`. A reader that went away (a
/// closed pipe, as under `| head`) ends the program quietly with the same code; any other
/// write failure (a full disk) is reported on stderr with exit 1.
fn emit(text: &str, code: ExitCode) -> ExitCode {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Ok(()) => code,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => code,
        Err(e) => {
            say(&format!("error: cannot write the output: {e}\n"));
            ExitCode::from(EXIT_OUTPUT)
        }
    }
}

/// Write a message to stderr; when stderr itself is gone there is no one left to tell.
fn say(text: &str) {
    let mut stderr = std::io::stderr().lock();
    let _ = stderr.write_all(text.as_bytes());
    let _ = stderr.flush();
}

/// `--deadline` in seconds: at least one, at most an hour.
fn deadline(seconds: u64) -> Result<Duration, Error> {
    if seconds == 0 {
        return Err(usage_error(
            "--deadline 0 leaves no time to ask any provider; give at least 1 second",
        ));
    }
    let max = regionkit::engine::MAX_DEADLINE;
    Ok(Duration::from_secs(seconds).min(max))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("error")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            say(&format!("error: cannot start the async runtime: {e}\n"));
            return ExitCode::from(1);
        }
    };
    runtime.block_on(run(cli.command))
}

async fn run(command: Command) -> ExitCode {
    let result = match command {
        Command::Backends { format } => backends(format),
        Command::Regions {
            backends,
            resolve,
            format,
        } => regions(&backends, &resolve, format, false).await,
        Command::Explain {
            backend,
            resolve,
            format,
        } => regions(std::slice::from_ref(&backend), &resolve, format, true).await,
        Command::Emulate {
            port,
            write_config,
            fault,
            latency,
        } => emulate(port, write_config, &fault, latency).await,
        Command::Demo { format } => demo(format).await,
        Command::Serve {
            config,
            listen,
            store,
            token_file,
        } => regionkit_serve::serve(config, listen, store.as_deref(), token_file.as_deref())
            .await
            .map(|()| ExitCode::SUCCESS)
            .or_fail(Format::Table),
    };
    match result {
        Ok(code) => code,
        Err(failure) => {
            let code = ExitCode::from(if failure.error.is_usage() {
                EXIT_USAGE
            } else {
                EXIT_BACKEND_FAILED
            });
            match failure.format {
                Format::Json => emit(&format!("{}\n", render::fatal_json(&failure.error)), code),
                Format::Table => {
                    let message = failure.error.to_string();
                    say(&format!("error: {}\n", render::shown(&message, 2000)));
                    code
                }
            }
        }
    }
}

/// An error that ends the command before any backend is resolved.
struct Failure {
    error: Error,
    format: Format,
}

trait OrFail<T> {
    fn or_fail(self, format: Format) -> Result<T, Failure>;
}

impl<T> OrFail<T> for Result<T, Error> {
    fn or_fail(self, format: Format) -> Result<T, Failure> {
        self.map_err(|error| Failure { error, format })
    }
}

fn usage_error(message: impl Into<String>) -> Error {
    Error::config(Default::default(), message)
}

fn backends(format: Format) -> Result<ExitCode, Failure> {
    let registry = regionkit::registry().or_fail(format)?;
    let text = match format {
        Format::Json => format!("{}\n", render::backends_json(&registry)),
        Format::Table => render::backends_table(&registry),
    };
    Ok(emit(&text, ExitCode::SUCCESS))
}

/// The kit the commands resolve with: link-time registry, default HTTP policy, and the
/// snapshot store under the user's cache directory (without it when that cannot be set up).
fn region_kit() -> Result<RegionKit, Error> {
    let kit = RegionKit::new(regionkit::registry()?, HttpPolicy::default())?;
    match kit.clone().with_default_snapshot_store() {
        Ok(kit) => Ok(kit),
        Err(error) => {
            tracing::warn!(%error, "snapshots disabled: the snapshot directory cannot be used");
            Ok(kit)
        }
    }
}

async fn regions(
    names: &[String],
    args: &ResolveArgs,
    format: Format,
    explain: bool,
) -> Result<ExitCode, Failure> {
    let kit = region_kit().or_fail(format)?;
    let sections = sections(&kit, names, args).or_fail(format)?;
    let options = options(args).or_fail(format)?;
    let reports = with_progress(
        sections.len(),
        format,
        kit.resolve_sections(sections, &options),
    )
    .await;
    let text = match (format, explain) {
        (Format::Json, _) => format!("{}\n", render::reports_json(&reports)),
        (Format::Table, false) => render::reports_table(&reports),
        (Format::Table, true) => reports
            .iter()
            .map(|report| render::explain_table(report, kit.registry()))
            .collect(),
    };
    Ok(emit(&text, exit_code(&reports, args.max_snapshot_age)))
}

/// The config sections to resolve: the config's (all, or the named backends), or with
/// `--offline` and no config, a bare section per named or linked backend.
fn sections(
    kit: &RegionKit,
    names: &[String],
    args: &ResolveArgs,
) -> Result<Vec<BackendConfig>, Error> {
    let registry = kit.registry();
    let wanted = names
        .iter()
        .map(|n| registry.get(n).map(|d| d.id))
        .collect::<Result<Vec<_>, _>>()?;
    let Some(path) = &args.config else {
        if !args.offline {
            return Err(usage_error(
                "no config given: pass --config FILE (or set REGIONKIT_CONFIG), or use --offline for the builtin tables",
            ));
        }
        let ids: Vec<&str> = if wanted.is_empty() {
            // A cluster-scoped backend has no builtin table: without a config naming its
            // clusters there is nothing to answer offline.
            registry
                .ids()
                .filter(|id| {
                    registry
                        .get(id)
                        .is_ok_and(|d| d.policy.scope != regionkit::PolicyScope::Cluster)
                })
                .collect()
        } else {
            wanted
        };
        return Ok(ids.into_iter().map(BackendConfig::bare).collect());
    };
    let config = Config::from_file(path, args.project.as_deref())?;
    config.sections_of(registry, names, args.offline)
}

fn options(args: &ResolveArgs) -> Result<ResolveOptions, Error> {
    let mut options = ResolveOptions::default()
        .with_offline(args.offline)
        .with_refresh(args.refresh)
        .with_deadline(deadline(args.deadline)?);
    if !args.regions.is_empty() {
        options = options.with_run_regions("--region", args.regions.clone());
    } else if let Some(path) = &args.run {
        let run = RunConfig::from_file(path)?;
        for warning in &run.warnings {
            say(&format!("warning: {}\n", render::shown(warning, 2000)));
        }
        if let Some(regions) = run.regions {
            options = options.with_run_regions(format!("{}: regions", path.display()), regions);
        }
    }
    Ok(options)
}

/// 0 when every backend resolved from live data or this account's own cache or snapshot;
/// 2 when the user must fix something; 3 when a backend failed with no usable fallback. A
/// live failure answered only from the builtin table counts as failed: the table cannot tell
/// which regions this account may use (its regions are still printed, labelled `builtin`).
///
/// A snapshot older than `max_snapshot_age` that answered for a live failure is shown too,
/// but counts as failed like the builtin table: it is too old to say what the account may
/// use now.
fn exit_code(reports: &[BackendReport], max_snapshot_age: Duration) -> ExitCode {
    let errors: Vec<&Error> = reports.iter().filter_map(|r| r.error.as_ref()).collect();
    let builtin_after_failure = reports.iter().any(|r| {
        r.resolution
            .as_ref()
            .is_some_and(|res| res.source == Source::Builtin && res.live_error.is_some())
    });
    let stale_snapshot = reports.iter().any(|r| {
        r.resolution.as_ref().is_some_and(|res| {
            res.source == Source::Snapshot
                && res.live_error.is_some()
                && res.age() > max_snapshot_age
        })
    });
    if errors.iter().any(|e| e.is_usage()) {
        ExitCode::from(EXIT_USAGE)
    } else if !errors.is_empty() || builtin_after_failure || stale_snapshot {
        ExitCode::from(EXIT_BACKEND_FAILED)
    } else {
        ExitCode::SUCCESS
    }
}

/// Run `work` with a spinner on stderr, only when stderr is a terminal and output is a table.
async fn with_progress<T>(
    backends: usize,
    format: Format,
    work: impl std::future::Future<Output = T>,
) -> T {
    if format != Format::Table || !std::io::stderr().is_terminal() {
        return work.await;
    }
    let spinner = tokio::spawn(async move {
        const FRAMES: &[char] = &['|', '/', '-', '\\'];
        for frame in FRAMES.iter().cycle() {
            say(&format!("\r{frame} resolving {backends} backend(s)…"));
            tokio::time::sleep(Duration::from_millis(120)).await;
        }
    });
    let result = work.await;
    spinner.abort();
    say("\r\x1b[2K");
    result
}

async fn emulate(
    port: u16,
    write_config: Option<std::path::PathBuf>,
    faults: &[String],
    latency: Option<u64>,
) -> Result<ExitCode, Failure> {
    let mut emulator = Emulator::new().port(port);
    for fault in faults {
        let fault: Fault = fault.parse().map_err(|e| Failure {
            error: usage_error(format!(
                "--fault {fault}: {e}; the form is BACKEND:KIND[:VALUE]"
            )),
            format: Format::Table,
        })?;
        emulator = emulator.fault(fault);
    }
    if let Some(ms) = latency {
        emulator = emulator.latency(Duration::from_millis(ms));
    }
    // Link every backend so its emulator registers.
    std::hint::black_box(regionkit::descriptors());
    let handle = emulator.start().await.map_err(|e| Failure {
        error: usage_error(e.to_string()),
        format: Format::Table,
    })?;
    let mut text = format!("regionkit emulator listening on http://{}\n", handle.addr());
    for backend in handle.backends() {
        text.push_str(&format!("  {backend:<12} {}\n", handle.endpoint(backend)));
    }
    if let Some(path) = &write_config {
        handle.write_config(path).map_err(|e| Failure {
            error: usage_error(e.to_string()),
            format: Format::Table,
        })?;
        text.push_str(&format!("config written to {}\n", path.display()));
    }
    text.push_str(
        "control: GET /_emulator/requests, POST|DELETE /_emulator/faults; Ctrl-C stops\n",
    );
    // The emulator serves on whether or not anyone reads what it printed.
    let _ = emit(&text, ExitCode::SUCCESS);
    if let Err(e) = tokio::signal::ctrl_c().await {
        say(&format!("error: cannot wait for Ctrl-C: {e}\n"));
    }
    Ok(ExitCode::SUCCESS)
}

async fn demo(format: Format) -> Result<ExitCode, Failure> {
    std::hint::black_box(regionkit::descriptors());
    let handle = Emulator::new().port(0).start().await.map_err(|e| Failure {
        error: usage_error(e.to_string()),
        format,
    })?;
    let config = Config::from_yaml(&handle.native_config(), None, None).or_fail(format)?;
    // No snapshot store: a throwaway emulator's answers do not belong in the user's cache.
    let kit = RegionKit::new(
        regionkit::registry().or_fail(format)?,
        HttpPolicy::default(),
    )
    .or_fail(format)?;
    let reports = with_progress(
        config.backends.len(),
        format,
        kit.resolve_all(&config, &ResolveOptions::default()),
    )
    .await;
    let text = match format {
        Format::Json => format!("{}\n", render::reports_json(&reports)),
        Format::Table => format!(
            "regionkit demo: {} backend(s) resolved live against the bundled emulator at http://{}\n\n{}\nNext: `regionkit emulate --write-config regionkit.yml`, then `regionkit explain lambda --config regionkit.yml`.\n",
            reports.len(),
            handle.addr(),
            render::reports_table(&reports)
        ),
    };
    Ok(emit(&text, exit_code(&reports, DEFAULT_MAX_SNAPSHOT_AGE)))
}
