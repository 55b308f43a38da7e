//! Command-line arguments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Which regions of each cloud backend may be used right now, and why not the others.
///
/// regionkit asks each provider's API for its regions when you run it, applies the backend's
/// region policy (image regions, vetted defaults) and your `regions:` restrictions, and
/// explains every region it leaves out. When a provider is down it answers from the last
/// good snapshot or the builtin list, and says so.
#[derive(Debug, Parser)]
#[command(name = "regionkit", version, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the linked backends, their region policy and the API each calls.
    Backends {
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Resolve the usable regions of the configured backends.
    ///
    /// Exit codes: 0 resolved; 2 bad usage or config (unknown region, bad YAML, empty
    /// result); 3 a backend failed with no usable fallback.
    Regions {
        /// Backends to resolve (ids or aliases); default: every backend in the config.
        backends: Vec<String>,
        #[command(flatten)]
        resolve: ResolveArgs,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Show every region of one backend, kept or excluded, and why.
    Explain {
        /// The backend to explain (id or alias).
        backend: String,
        #[command(flatten)]
        resolve: ResolveArgs,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Serve the bundled emulator of every linked backend's API until interrupted.
    Emulate {
        /// Port on 127.0.0.1; 0 picks a free one.
        #[arg(long, default_value_t = 8080)]
        port: u16,
        /// Write a native config pointing every backend at the emulator.
        #[arg(long, value_name = "FILE")]
        write_config: Option<PathBuf>,
        /// Inject a fault: BACKEND:KIND[:VALUE], e.g. `lambda:http-429:5`, `aws:timeout`.
        /// Kinds: latency:MS, http-500, http-503, http-429[:SECONDS], unauthorized, forbidden,
        /// timeout, malformed, truncated, oversized[:BYTES], empty.
        #[arg(long, value_name = "BACKEND:KIND")]
        fault: Vec<String>,
        /// Delay every answer by this many milliseconds.
        #[arg(long, value_name = "MS")]
        latency: Option<u64>,
    },
    /// Serve `regions` and `explain` as JSON over HTTP from one long-lived kit.
    ///
    /// GET /v1/regions, /v1/explain/{backend}, /healthz, /readyz, /metrics. SIGHUP reloads
    /// the config; SIGTERM drains in-flight requests and exits 0.
    Serve {
        /// Config file, re-read on SIGHUP.
        #[arg(long, short = 'c', env = "REGIONKIT_CONFIG", value_name = "FILE")]
        config: PathBuf,
        /// Address to listen on; anything but loopback needs a bearer token.
        #[arg(long, default_value = "127.0.0.1:8787", value_name = "ADDR")]
        listen: std::net::SocketAddr,
        /// Shared snapshot store URL (postgres://...); default: in-memory cache and file snapshots.
        #[arg(long, value_name = "URL")]
        store: Option<String>,
        /// File holding the bearer token (else the REGIONKIT_SERVE_TOKEN environment variable).
        #[arg(long, value_name = "FILE")]
        token_file: Option<PathBuf>,
    },
    /// Start the emulator in-process and resolve every linked backend against it.
    Demo {
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

#[derive(Debug, Args)]
pub struct ResolveArgs {
    /// Config file: native (`backends: [...]`) or dstack's server config.yml (`projects:`).
    #[arg(long, short = 'c', env = "REGIONKIT_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The dstack project to use; default: the only or first one.
    #[arg(long, value_name = "NAME")]
    pub project: Option<String>,
    /// A run configuration whose `regions:` narrows the result further.
    #[arg(long, value_name = "FILE")]
    pub run: Option<PathBuf>,
    /// Regions for this run (repeatable; globs like `us-*` allowed). Overrides the run file's.
    #[arg(long = "region", short = 'r', value_name = "REGION")]
    pub regions: Vec<String>,
    /// Use no network: last snapshot, then the builtin tables. Needs no config.
    #[arg(long)]
    pub offline: bool,
    /// Ask every provider again instead of using cached answers.
    #[arg(long, conflicts_with = "offline")]
    pub refresh: bool,
    /// Seconds for the whole resolve (1 to 3600); a slower backend gets its fallback or an
    /// error.
    #[arg(long, default_value_t = 30, value_name = "SECONDS")]
    pub deadline: u64,
    /// A snapshot older than this (e.g. `7d`, `36h`) is still shown, but exits 3 like the
    /// builtin table: too old to say what the account may use now.
    #[arg(long, default_value = "7d", value_name = "AGE", value_parser = humantime::parse_duration)]
    pub max_snapshot_age: std::time::Duration,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
}
