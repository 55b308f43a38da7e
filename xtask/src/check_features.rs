//! `cargo xtask check-features [--build]`: the facade with no backend, with each backend
//! feature alone, and with `full`.
//!
//! For each configuration `cargo tree` (no build) lists the normal and build dependencies; the
//! count is printed, and a single-backend configuration fails when it pulls another backend's
//! crate or an SDK crate that belongs to another backend (`--features lambda` must not bring
//! any `aws-*`). `--build` also runs `cargo check` for each configuration.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use crate::codegen;
use crate::error::{bail, Error, Result};
use crate::project::{project_root, Backend, Workspace};

/// Crates of a cloud SDK, and the backends (by id or alias) allowed to pull them.
#[derive(Debug)]
struct SdkFamily {
    /// Package-name prefixes of the family.
    prefixes: &'static [&'static str],
    owners: &'static [&'static str],
}

const SDK_FAMILIES: &[SdkFamily] = &[
    SdkFamily {
        prefixes: &["aws-"],
        owners: &["aws"],
    },
    SdkFamily {
        prefixes: &["azure_", "azure-"],
        owners: &["azure"],
    },
    SdkFamily {
        prefixes: &["google-cloud-", "gcp_auth", "gcp-auth"],
        owners: &["gcp"],
    },
    SdkFamily {
        prefixes: &["kube", "k8s-openapi"],
        owners: &["kubernetes", "k8s"],
    },
    SdkFamily {
        prefixes: &["tonic"],
        owners: &["nebius"],
    },
];

/// One way to build the facade.
#[derive(Debug)]
struct Configuration<'a> {
    label: String,
    /// `--features` value; `None` builds with no features.
    features: Option<String>,
    /// The backend enabled alone, when it is a single-backend configuration.
    alone: Option<&'a Backend>,
    /// Whether this configuration may pull every backend's crates.
    all: bool,
}

pub fn run(build: bool) -> Result<()> {
    let root = project_root();
    let workspace = Workspace::load(&root)?;
    if let Err(stale) = codegen::run_in(&root, true) {
        bail!("the facade's features must be current before they are checked:\n{stale}");
    }
    let mut configurations = vec![Configuration {
        label: "(none)".to_owned(),
        features: None,
        alone: None,
        all: false,
    }];
    for backend in &workspace.backends {
        configurations.push(Configuration {
            label: backend.id().to_owned(),
            features: Some(backend.id().to_owned()),
            alone: Some(backend),
            all: false,
        });
    }
    configurations.push(Configuration {
        label: "full".to_owned(),
        features: Some("full".to_owned()),
        alone: None,
        all: true,
    });

    let mut baseline = None;
    let mut problems = Vec::new();
    println!("{:<24} {:>12}", "configuration", "dependencies");
    for configuration in &configurations {
        let dependencies = dependency_set(&root, configuration)?;
        let count = dependencies.len();
        let growth = match baseline {
            Some(base) if configuration.features.is_some() => {
                format!("  ({:+} over none)", count as i64 - base as i64)
            }
            _ => String::new(),
        };
        baseline.get_or_insert(count);
        println!("{:<24} {:>12}{growth}", configuration.label, count);
        if !configuration.all {
            problems.extend(foreign_crates(&workspace, configuration, &dependencies));
        }
    }
    if !problems.is_empty() {
        bail!(
            "a configuration pulls crates of another backend:\n  {}\n\
             find who pulls one with `cargo tree -p regionkit --no-default-features --features <feature> -e normal,build -i <crate>`",
            problems.join("\n  ")
        );
    }
    if build {
        for configuration in &configurations {
            println!("cargo check, {}", configuration.label);
            let mut command = cargo(&root);
            command.args(["check", "-p", "regionkit", "--no-default-features"]);
            if let Some(features) = &configuration.features {
                command.args(["--features", features]);
            }
            let status = command
                .status()
                .map_err(|e| Error::new(format!("cannot run cargo check: {e}")))?;
            if !status.success() {
                bail!(
                    "`cargo check -p regionkit` with {} failed (see above)",
                    configuration.label
                );
            }
        }
    }
    println!(
        "check-features: {} configurations, no backend pulls another backend's crates{}",
        configurations.len(),
        if build { ", each builds" } else { "" }
    );
    Ok(())
}

fn cargo(root: &Path) -> Command {
    let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    command.current_dir(root);
    command
}

/// The packages the facade depends on (normal and build edges, host target) in one
/// configuration, the facade itself left out.
fn dependency_set(root: &Path, configuration: &Configuration<'_>) -> Result<BTreeSet<String>> {
    let mut command = cargo(root);
    command.args([
        "tree",
        "-p",
        "regionkit",
        "--no-default-features",
        "-e",
        "normal,build",
        "--prefix",
        "none",
        "--format",
        "{p}",
    ]);
    if let Some(features) = &configuration.features {
        command.args(["--features", features]);
    }
    let output = command
        .output()
        .map_err(|e| Error::new(format!("cannot run cargo tree: {e}")))?;
    if !output.status.success() {
        bail!(
            "`cargo tree` for {} failed:\n{}",
            configuration.label,
            String::from_utf8_lossy(&output.stderr).trim_end()
        );
    }
    Ok(package_names(&String::from_utf8_lossy(&output.stdout))
        .into_iter()
        .filter(|name| name != "regionkit")
        .collect())
}

/// The package names in `cargo tree --prefix none --format {p}` output.
fn package_names(tree: &str) -> BTreeSet<String> {
    tree.lines()
        .filter_map(|line| line.split_whitespace().next())
        .map(str::to_owned)
        .collect()
}

/// Crates in `dependencies` that belong to a backend other than the one enabled alone.
fn foreign_crates(
    workspace: &Workspace,
    configuration: &Configuration<'_>,
    dependencies: &BTreeSet<String>,
) -> Vec<String> {
    let answers_to = |name: &str| {
        configuration.alone.is_some_and(|backend| {
            backend.id() == name || backend.data.backend.aliases.iter().any(|a| a == name)
        })
    };
    let mut problems = Vec::new();
    for dependency in dependencies {
        if let Some(other) = workspace.backends.iter().find(|b| &b.package == dependency) {
            if configuration
                .alone
                .is_none_or(|alone| alone.package != other.package)
            {
                problems.push(format!(
                    "{} pulls `{dependency}`, the crate of backend `{}`",
                    configuration.label,
                    other.id()
                ));
            }
            continue;
        }
        let family = SDK_FAMILIES
            .iter()
            .find(|family| family.prefixes.iter().any(|p| dependency.starts_with(p)));
        if let Some(family) = family {
            if !family.owners.iter().any(|owner| answers_to(owner)) {
                problems.push(format!(
                    "{} pulls `{dependency}`, an SDK crate of backend `{}`",
                    configuration.label,
                    family.owners.join("`/`")
                ));
            }
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tree_lines_give_package_names_once() {
        let tree = "regionkit v0.1.0 (/x/crates/regionkit)\nregionkit-core v0.1.0 (/x/crates/core)\nserde v1.0.0\nserde v1.0.0 (*)\nserde_derive v1.0.0 (proc-macro)\n";
        let names: Vec<String> = package_names(tree).into_iter().collect();
        assert_eq!(
            names,
            ["regionkit", "regionkit-core", "serde", "serde_derive"]
        );
    }

    fn backend(id: &str) -> Result<Backend> {
        let text = format!(
            "[backend]\nid = \"{id}\"\ndisplay_name = \"{id}\"\napi = \"GET /\"\nscope = \"provider\"\n\n\
             [known]\nreason = \"r\"\nsource = \"s\"\nas_of = \"2026-01-31\"\nregions = [\"r-1\"]\n"
        );
        Ok(Backend {
            data: crate::project::RegionsFile::parse(&text, "test.toml")?,
            data_file: format!("data/regions/{id}.toml"),
            dir_name: id.to_owned(),
            package: format!("regionkit-{id}"),
            lib_name: format!("regionkit_{id}"),
            version: "0.1.0".to_owned(),
            has_emulator: true,
        })
    }

    fn problems(alone: Option<&str>, dependencies: &[&str]) -> Result<Vec<String>> {
        let workspace = Workspace {
            root: ".".into(),
            edition: "2021".to_owned(),
            backends: vec![backend("aws")?, backend("lambda")?],
        };
        let configuration = Configuration {
            label: alone.unwrap_or("(none)").to_owned(),
            features: alone.map(str::to_owned),
            alone: alone.and_then(|id| workspace.backends.iter().find(|b| b.id() == id)),
            all: false,
        };
        let dependencies = dependencies.iter().map(|d| (*d).to_owned()).collect();
        Ok(foreign_crates(&workspace, &configuration, &dependencies))
    }

    #[test]
    fn a_backend_may_pull_its_own_sdk_but_not_anothers() -> Result<()> {
        assert!(problems(Some("aws"), &["regionkit-aws", "aws-sigv4", "reqwest"])?.is_empty());
        let lambda = problems(
            Some("lambda"),
            &["regionkit-lambda", "aws-sigv4", "reqwest"],
        )?;
        assert_eq!(
            lambda,
            ["lambda pulls `aws-sigv4`, an SDK crate of backend `aws`"]
        );
        Ok(())
    }

    #[test]
    fn a_backend_may_not_pull_another_backend_crate() -> Result<()> {
        let lambda = problems(Some("lambda"), &["regionkit-lambda", "regionkit-aws"])?;
        assert_eq!(
            lambda,
            ["lambda pulls `regionkit-aws`, the crate of backend `aws`"]
        );
        Ok(())
    }

    #[test]
    fn no_backend_means_no_backend_crates_at_all() -> Result<()> {
        assert_eq!(problems(None, &["regionkit-core", "kube-client"])?.len(), 1);
        Ok(())
    }

    #[test]
    fn sdk_families_match_their_crates_only() {
        let family_of = |name: &str| {
            SDK_FAMILIES
                .iter()
                .find(|f| f.prefixes.iter().any(|p| name.starts_with(p)))
                .map(|f| f.owners[0])
        };
        assert_eq!(family_of("aws-sdk-ec2"), Some("aws"));
        assert_eq!(family_of("aws-lc-rs"), Some("aws"));
        assert_eq!(family_of("azure_core"), Some("azure"));
        assert_eq!(family_of("google-cloud-auth"), Some("gcp"));
        assert_eq!(family_of("kube-client"), Some("kubernetes"));
        assert_eq!(family_of("tonic"), Some("nebius"));
        assert_eq!(family_of("reqwest"), None);
        assert_eq!(family_of("rustls"), None);
    }
}
