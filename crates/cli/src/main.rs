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

/// Exit codes of the contract (DESIGN §5).
const EXIT_USAGE: u8 = 2;
const EXIT_BACKEND_FAILED: u8 = 3;

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
            eprintln!("error: cannot start the async runtime: {e}");
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
            match failure.format {
                Format::Json => println!("{}", render::fatal_json(&failure.error)),
                Format::Table => eprintln!("error: {}", failure.error),
            }
            ExitCode::from(if failure.error.is_usage() {
                EXIT_USAGE
            } else {
                EXIT_BACKEND_FAILED
            })
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
    match format {
        Format::Json => println!("{}", render::backends_json(&registry)),
        Format::Table => print!("{}", render::backends_table(&registry)),
    }
    Ok(ExitCode::SUCCESS)
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
    match (format, explain) {
        (Format::Json, _) => println!("{}", render::reports_json(&reports)),
        (Format::Table, false) => print!("{}", render::reports_table(&reports)),
        (Format::Table, true) => {
            for report in &reports {
                print!("{}", render::explain_table(report, kit.registry()));
            }
        }
    }
    Ok(exit_code(&reports))
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
            registry.ids().collect()
        } else {
            wanted
        };
        return Ok(ids.into_iter().map(BackendConfig::bare).collect());
    };
    let config = Config::from_file(path, args.project.as_deref())?;
    if wanted.is_empty() {
        if config.backends.is_empty() {
            return Err(usage_error(format!(
                "{}: the config lists no backends",
                path.display()
            )));
        }
        return Ok(config.backends);
    }
    let mut chosen = Vec::new();
    for id in wanted {
        let matching: Vec<_> = config
            .backends
            .iter()
            .filter(|s| registry.get(s.backend()).is_ok_and(|d| d.id == id))
            .cloned()
            .collect();
        if matching.is_empty() {
            if args.offline {
                chosen.push(BackendConfig::bare(id));
                continue;
            }
            return Err(usage_error(format!(
                "{}: backend `{id}` has no section in the config; add one with its `creds`",
                path.display()
            )));
        }
        chosen.extend(matching);
    }
    Ok(chosen)
}

fn options(args: &ResolveArgs) -> Result<ResolveOptions, Error> {
    let mut options = ResolveOptions::default()
        .with_offline(args.offline)
        .with_refresh(args.refresh)
        .with_deadline(Duration::from_secs(args.deadline.max(1)));
    if !args.regions.is_empty() {
        options = options.with_run_regions("--region", args.regions.clone());
    } else if let Some(path) = &args.run {
        let run = RunConfig::from_file(path)?;
        for warning in &run.warnings {
            eprintln!("warning: {warning}");
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
fn exit_code(reports: &[BackendReport]) -> ExitCode {
    let errors: Vec<&Error> = reports.iter().filter_map(|r| r.error.as_ref()).collect();
    let builtin_after_failure = reports.iter().any(|r| {
        r.resolution
            .as_ref()
            .is_some_and(|res| res.source == Source::Builtin && res.live_error.is_some())
    });
    if errors.iter().any(|e| e.is_usage()) {
        ExitCode::from(EXIT_USAGE)
    } else if !errors.is_empty() || builtin_after_failure {
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
            eprint!("\r{frame} resolving {backends} backend(s)…");
            let _ = std::io::stderr().flush();
            tokio::time::sleep(Duration::from_millis(120)).await;
        }
    });
    let result = work.await;
    spinner.abort();
    eprint!("\r\x1b[2K");
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
    println!("regionkit emulator listening on http://{}", handle.addr());
    for backend in handle.backends() {
        println!("  {backend:<12} {}", handle.endpoint(backend));
    }
    if let Some(path) = &write_config {
        handle.write_config(path).map_err(|e| Failure {
            error: usage_error(e.to_string()),
            format: Format::Table,
        })?;
        println!("config written to {}", path.display());
    }
    println!("control: GET /_emulator/requests, POST|DELETE /_emulator/faults; Ctrl-C stops");
    let _ = std::io::stdout().flush();
    if let Err(e) = tokio::signal::ctrl_c().await {
        eprintln!("error: cannot wait for Ctrl-C: {e}");
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
    match format {
        Format::Json => println!("{}", render::reports_json(&reports)),
        Format::Table => {
            println!(
                "regionkit demo: {} backend(s) resolved live against the bundled emulator at http://{}\n",
                reports.len(),
                handle.addr()
            );
            print!("{}", render::reports_table(&reports));
            println!("\nNext: `regionkit emulate --write-config regionkit.yml`, then `regionkit explain lambda --config regionkit.yml`.");
        }
    }
    Ok(exit_code(&reports))
}
