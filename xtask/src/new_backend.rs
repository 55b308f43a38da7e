//! `cargo xtask new-backend NAME`: a backend crate that already works end to end.
//!
//! Creates `crates/backends/NAME/` with the standard files (modelled on the lambda crate)
//! talking to a sample API that its own emulator serves, with passing tests, and
//! `data/regions/NAME.toml`; then reruns codegen, which writes `generated.rs`, the facade's
//! feature and link line, and the docs row. Every sample part is marked `SAMPLE`.
//!
//! Idempotent: files already equal to the scaffold are left alone, and a backend that exists
//! in any other form is refused rather than overwritten.

use std::path::Path;

use crate::codegen;
use crate::error::{bail, Result};
use crate::project::{self, check_backend_name, project_root, BACKENDS_DIR, REGIONS_DIR};

/// The crate's files: path below the crate folder, template.
const CRATE_TEMPLATES: &[(&str, &str)] = &[
    (
        "Cargo.toml",
        include_str!("../templates/new-backend/Cargo.toml.in"),
    ),
    (
        "src/lib.rs",
        include_str!("../templates/new-backend/src/lib.rs.in"),
    ),
    (
        "src/config.rs",
        include_str!("../templates/new-backend/src/config.rs.in"),
    ),
    (
        "src/credential.rs",
        include_str!("../templates/new-backend/src/credential.rs.in"),
    ),
    (
        "src/client.rs",
        include_str!("../templates/new-backend/src/client.rs.in"),
    ),
    (
        "src/provider.rs",
        include_str!("../templates/new-backend/src/provider.rs.in"),
    ),
    (
        "src/emulator.rs",
        include_str!("../templates/new-backend/src/emulator.rs.in"),
    ),
    (
        "tests/discovery.rs",
        include_str!("../templates/new-backend/tests/discovery.rs.in"),
    ),
];

const DATA_TEMPLATE: &str = include_str!("../templates/new-backend/regions.toml.in");

/// What a scaffold run did.
#[derive(Debug)]
pub struct Scaffold {
    /// Files written, relative to the root; empty when everything was already there.
    pub created: Vec<String>,
    /// The summary line(s) of the codegen run that followed.
    pub codegen: String,
    pub checklist: String,
}

pub fn run(name: &str) -> Result<()> {
    let scaffold = scaffold(&project_root(), name)?;
    if scaffold.created.is_empty() {
        println!("{BACKENDS_DIR}/{name} is already scaffolded and untouched; nothing to create");
    } else {
        println!("created:\n  {}", scaffold.created.join("\n  "));
    }
    println!("{}\n\n{}", scaffold.codegen, scaffold.checklist);
    Ok(())
}

/// Scaffold backend `name` in the repository at `root`, then run codegen there.
pub fn scaffold(root: &Path, name: &str) -> Result<Scaffold> {
    check_backend_name(name)?;
    refuse_taken_name(root, name)?;
    let names = Names::new(name);
    let edition = project::shared_package(root)?.edition;

    let mut files = Vec::new();
    for (path, template) in CRATE_TEMPLATES {
        let file = format!("{BACKENDS_DIR}/{name}/{path}");
        let mut contents = names.fill(template);
        if path.ends_with(".rs") {
            contents = codegen::rustfmt(root, &edition, &file, &contents)?;
        }
        files.push((file, contents));
    }
    files.push((
        format!("{REGIONS_DIR}/{name}.toml"),
        names.fill(DATA_TEMPLATE),
    ));

    let mut missing = Vec::new();
    let mut differing = Vec::new();
    for (file, contents) in &files {
        match std::fs::read_to_string(root.join(file)) {
            Ok(current) if current == *contents => {}
            Ok(_) => differing.push(file.as_str()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => missing.push((file, contents)),
            Err(e) => bail!("cannot read {file}: {e}"),
        }
    }
    if let [first, rest @ ..] = differing.as_slice() {
        let more = match rest.len() {
            0 => String::new(),
            1 => format!(" and {}", rest[0]),
            n => format!(" and {n} more files"),
        };
        bail!(
            "backend `{name}` already exists ({first}{more} differ from the scaffold); \
             new-backend never overwrites a backend: pick another name, or edit the existing one"
        );
    }
    let mut created = Vec::new();
    for (file, contents) in missing {
        project::write(&root.join(file), contents)?;
        created.push(file.clone());
    }
    let codegen = codegen::run_in(root, false)?;
    Ok(Scaffold {
        created,
        codegen,
        checklist: checklist(name),
    })
}

/// Refuse a name that is another backend's id or alias.
fn refuse_taken_name(root: &Path, name: &str) -> Result<()> {
    for (file, data) in project::data_files(root)? {
        let meta = &data.backend;
        if meta.aliases.iter().any(|alias| alias == name) {
            bail!(
                "`{name}` is an alias of backend `{}` ({file}); pick another name",
                meta.id
            );
        }
    }
    Ok(())
}

/// The spellings of a backend's name the templates use.
#[derive(Debug)]
struct Names {
    /// `acme-cloud`: the id, feature and folder name.
    id: String,
    /// `acme_cloud`.
    module: String,
    /// `regionkit_acme_cloud`.
    krate: String,
    /// `AcmeCloud`: the prefix of type names.
    type_prefix: String,
    /// `Acme Cloud`.
    display: String,
}

impl Names {
    fn new(id: &str) -> Self {
        let words: Vec<String> = id
            .split('-')
            .map(|word| {
                let mut chars = word.chars();
                chars
                    .next()
                    .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
                    .unwrap_or_default()
            })
            .collect();
        let module = id.replace('-', "_");
        Self {
            id: id.to_owned(),
            krate: format!("regionkit_{module}"),
            module,
            type_prefix: words.concat(),
            display: words.join(" "),
        }
    }

    fn fill(&self, template: &str) -> String {
        template
            .replace("__CRATE__", &self.krate)
            .replace("__MODULE__", &self.module)
            .replace("__TYPE__", &self.type_prefix)
            .replace("__DISPLAY__", &self.display)
            .replace("__ID__", &self.id)
    }
}

fn checklist(name: &str) -> String {
    let dir = format!("{BACKENDS_DIR}/{name}");
    format!(
        "\
The facade feature `{name}`, its link line and its docs row are generated. What is left is to
replace the SAMPLE API with the provider's; `grep -rn SAMPLE {dir} {REGIONS_DIR}/{name}.toml`
lists every place.
  1. {REGIONS_DIR}/{name}.toml
     display_name, api, config_keys, orchestrator_keys (the orchestrator's keys for this backend,
     accepted and not read), credential_shapes, and [known] with the provider's region
     ids, its source and as_of; [pinned] or [defaults] only with a stated reason. Then run
     `cargo xtask codegen` (src/generated.rs is never edited by hand).
  2. {dir}/src/config.rs
     DEFAULT_ENDPOINT and the section's own keys.
  3. {dir}/src/credential.rs
     the credential shapes dstack accepts for this backend, secrets in `Secret`, and
     CREDS_HELP: where the provider shows its keys.
  4. {dir}/src/client.rs
     the real requests, auth and pagination, and `classify` of the documented error body
     (no retry loop: core's HTTP policy retries).
  5. {dir}/src/provider.rs
     the API's regions to `Region`s with status and location.
  6. {dir}/src/emulator.rs
     the real paths and payloads (from the provider's API reference), real region ids, and the documented
     error body for each status.
  7. {dir}/tests/discovery.rs
     the conformance spec (real region ids, the calls one discovery makes, the provider's
     error codes), and a test for each behaviour of the provider's own.
  8. Check: `cargo test -p regionkit-{name}`, `cargo xtask codegen --check`,
     `cargo xtask check-features`; commit Cargo.lock with the new crate."
    )
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::fs;
    use std::path::{Path, PathBuf};

    use super::*;
    use crate::project::{DOCS_TABLE, FACADE_DIR};

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    /// A temporary directory laid out like the repository: the workspace manifest, the
    /// facade's manifest and the lambda backend's manifest and data.
    fn repo_copy() -> Result<tempfile::TempDir, Box<dyn std::error::Error>> {
        let real = project_root();
        let copy = tempfile::tempdir()?;
        for file in [
            "Cargo.toml".to_owned(),
            format!("{FACADE_DIR}/Cargo.toml"),
            format!("{BACKENDS_DIR}/lambda/Cargo.toml"),
            format!("{REGIONS_DIR}/lambda.toml"),
        ] {
            let target = copy.path().join(&file);
            if let Some(parent) = target.parent() {
                fs::create_dir_all(parent)?;
            }
            fs::copy(real.join(&file), target)?;
        }
        Ok(copy)
    }

    /// Every file under `root`, with its contents.
    fn snapshot(root: &Path) -> Result<BTreeMap<PathBuf, String>, Box<dyn std::error::Error>> {
        let mut files = BTreeMap::new();
        let mut pending = vec![root.to_path_buf()];
        while let Some(dir) = pending.pop() {
            for entry in fs::read_dir(&dir)? {
                let path = entry?.path();
                if path.is_dir() {
                    pending.push(path);
                } else {
                    files.insert(path.clone(), fs::read_to_string(&path)?);
                }
            }
        }
        Ok(files)
    }

    #[test]
    fn scaffold_creates_the_standard_files_and_wires_the_facade() -> TestResult {
        let repo = repo_copy()?;
        let root = repo.path();
        let scaffold = scaffold(root, "acme-cloud")?;
        for path in [
            "Cargo.toml",
            "src/lib.rs",
            "src/config.rs",
            "src/credential.rs",
            "src/client.rs",
            "src/provider.rs",
            "src/generated.rs",
            "src/emulator.rs",
            "tests/discovery.rs",
        ] {
            let file = root.join(BACKENDS_DIR).join("acme-cloud").join(path);
            assert!(file.is_file(), "{path} missing");
            let text = fs::read_to_string(&file)?;
            assert!(!text.contains("__"), "{path} has an unfilled placeholder");
        }
        let lib = fs::read_to_string(root.join(BACKENDS_DIR).join("acme-cloud/src/lib.rs"))?;
        assert!(
            lib.contains("AcmeCloudProvider::new(")
                && lib.contains("AcmeCloudConfig::from_section(")
        );
        let tests = fs::read_to_string(
            root.join(BACKENDS_DIR)
                .join("acme-cloud/tests/discovery.rs"),
        )?;
        assert!(tests.contains("regionkit_testkit::conformance_tests!(spec);"));
        let config = fs::read_to_string(root.join(BACKENDS_DIR).join("acme-cloud/src/config.rs"))?;
        assert!(config.contains("AcmeCloudCredentials::from_section(section, &CREDS_HELP)"));
        let generated =
            fs::read_to_string(root.join(BACKENDS_DIR).join("acme-cloud/src/generated.rs"))?;
        assert!(generated.contains("pub const ID: &str = \"acme-cloud\";"));
        assert!(generated.contains("\"eu-north-1\""));

        let manifest = fs::read_to_string(root.join(FACADE_DIR).join("Cargo.toml"))?;
        assert!(manifest.contains("acme-cloud = [\"dep:regionkit-acme-cloud\"]"));
        assert!(manifest.contains("full = [\"acme-cloud\", \"lambda\"]"));
        assert!(manifest.contains("\"regionkit-acme-cloud?/emulator\""));
        let linked = fs::read_to_string(root.join(FACADE_DIR).join("src/linked.rs"))?;
        assert!(linked.contains("pub use regionkit_acme_cloud as acme_cloud;"));
        assert!(linked.contains("&regionkit_acme_cloud::DESCRIPTOR,"));
        let docs = fs::read_to_string(root.join(DOCS_TABLE))?;
        assert!(docs.contains("| `acme-cloud` |"));

        assert!(scaffold
            .checklist
            .contains("crates/backends/acme-cloud/src/client.rs"));
        assert_eq!(scaffold.created.len(), CRATE_TEMPLATES.len() + 1);
        assert_eq!(
            codegen::run_in(root, true)?,
            "codegen: 5 generated files are up to date"
        );
        Ok(())
    }

    #[test]
    fn a_second_run_changes_nothing() -> TestResult {
        let repo = repo_copy()?;
        scaffold(repo.path(), "acme")?;
        let before = snapshot(repo.path())?;
        let again = scaffold(repo.path(), "acme")?;
        assert!(again.created.is_empty(), "{:?}", again.created);
        assert_eq!(snapshot(repo.path())?, before);
        Ok(())
    }

    #[test]
    fn a_run_after_an_interruption_creates_only_what_is_missing() -> TestResult {
        let repo = repo_copy()?;
        scaffold(repo.path(), "acme")?;
        fs::remove_file(repo.path().join(BACKENDS_DIR).join("acme/src/emulator.rs"))?;
        let again = scaffold(repo.path(), "acme")?;
        assert_eq!(
            again.created,
            [format!("{BACKENDS_DIR}/acme/src/emulator.rs")]
        );
        Ok(())
    }

    #[test]
    fn an_existing_backend_is_never_overwritten() -> TestResult {
        let repo = repo_copy()?;
        let before = snapshot(repo.path())?;
        let message = match scaffold(repo.path(), "lambda") {
            Ok(done) => return Err(format!("scaffolded over lambda: {done:?}").into()),
            Err(error) => error.to_string(),
        };
        assert!(message.contains("already exists"), "{message}");
        assert_eq!(snapshot(repo.path())?, before);
        Ok(())
    }

    #[test]
    fn an_edited_scaffold_is_not_reset() -> TestResult {
        let repo = repo_copy()?;
        scaffold(repo.path(), "acme")?;
        let client = repo.path().join(BACKENDS_DIR).join("acme/src/client.rs");
        fs::write(&client, "// the real client\n")?;
        let message = scaffold(repo.path(), "acme")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(message.contains("src/client.rs"), "{message}");
        assert_eq!(fs::read_to_string(&client)?, "// the real client\n");
        Ok(())
    }

    #[test]
    fn invalid_names_are_refused_before_anything_is_written() -> TestResult {
        let repo = repo_copy()?;
        let before = snapshot(repo.path())?;
        for name in ["Acme", "acme_cloud", "-acme", "full", "9cloud", "../acme"] {
            assert!(scaffold(repo.path(), name).is_err(), "{name}");
        }
        assert_eq!(snapshot(repo.path())?, before);
        Ok(())
    }

    #[test]
    fn names_are_spelt_for_each_use() {
        let names = Names::new("acme-cloud");
        assert_eq!(names.krate, "regionkit_acme_cloud");
        assert_eq!(names.module, "acme_cloud");
        assert_eq!(names.type_prefix, "AcmeCloud");
        assert_eq!(names.display, "Acme Cloud");
    }
}
