//! `cargo xtask`: workspace automation for regionkit.
//!
//! - `cargo xtask codegen [NAME] [--check]` regenerates every list kept in two places from its one
//!   source: each backend's `generated.rs` from `data/regions/<id>.toml`, the facade's
//!   features and link file from the folders under `crates/backends/`, and
//!   `docs/backends.md` from both. `--check` changes nothing and fails on stale output.
//! - `cargo xtask new-backend NAME` scaffolds a backend crate that already works end to end
//!   against its own emulator, then reruns codegen.
//! - `cargo xtask check-features [--build]` lists the facade's dependencies with each backend
//!   feature alone, with `full` and with none, and fails when one backend pulls another's.

mod check_features;
mod codegen;
mod error;
mod new_backend;
mod project;

use std::process::ExitCode;

use crate::error::Error;

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  codegen [NAME] [--check] regenerate generated files (all, or one generator: backend-tables,
                           facade, docs); --check writes nothing and fails if any is stale
  new-backend NAME         scaffold crates/backends/NAME and data/regions/NAME.toml
  check-features [--build] dependency sets of the facade per backend feature; --build also
                           runs `cargo check` for each";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(message)) => {
            eprintln!("error: {message}\n\n{USAGE}");
            ExitCode::from(2)
        }
        Err(Failure::Failed(error)) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Why a command did not succeed: it was called wrongly, or it ran and failed.
enum Failure {
    Usage(String),
    Failed(Error),
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Self::Failed(error)
    }
}

fn run(args: &[&str]) -> Result<(), Failure> {
    match args {
        [] | ["help" | "--help" | "-h"] => {
            println!("{USAGE}");
            Ok(())
        }
        ["codegen"] => Ok(codegen::run(None, false)?),
        ["codegen", "--check"] => Ok(codegen::run(None, true)?),
        ["codegen", name] => Ok(codegen::run(Some(name), false)?),
        ["codegen", name, "--check"] | ["codegen", "--check", name] => {
            Ok(codegen::run(Some(name), true)?)
        }
        ["new-backend", name] if !name.starts_with('-') => Ok(new_backend::run(name)?),
        ["new-backend", ..] => Err(Failure::Usage(
            "new-backend takes exactly one NAME (lowercase letters, digits and dashes)".into(),
        )),
        ["check-features"] => Ok(check_features::run(false)?),
        ["check-features", "--build"] => Ok(check_features::run(true)?),
        _ => Err(Failure::Usage(format!(
            "unknown command or arguments: `{}`",
            args.join(" ")
        ))),
    }
}
