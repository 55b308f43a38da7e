//! The workspace as xtask sees it: the backend crates under `crates/backends/`, each paired
//! with its curated data in `data/regions/<id>.toml`.
//!
//! These two are the only sources codegen reads. A crate folder may be named differently from
//! its backend id (the id always comes from the data file); the pairing accepts the folder
//! name or the package name `regionkit-<name>` where `<name>` is the id or one of its aliases.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{bail, Error, Result};

pub const BACKENDS_DIR: &str = "crates/backends";
pub const REGIONS_DIR: &str = "data/regions";
pub const FACADE_DIR: &str = "crates/regionkit";
pub const DOCS_TABLE: &str = "docs/backends.md";

/// Names a backend may not take: facade features, and packages that already exist.
const RESERVED_NAMES: &[&str] = &[
    "all",
    "cli",
    "core",
    "default",
    "e2e",
    "emulator",
    "full",
    "regionkit",
    "std",
    "testkit",
    "xtask",
];

/// Rust keywords: a backend's id becomes a module name in the facade.
const RUST_KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate",
    "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl",
    "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref",
    "return", "self", "static", "struct", "super", "trait", "true", "try", "type", "typeof",
    "union", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// The root of the repository this xtask belongs to.
pub fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

pub fn read(path: &Path) -> Result<String> {
    fs::read_to_string(path).map_err(|e| Error::new(format!("cannot read {}: {e}", path.display())))
}

pub fn write(path: &Path, contents: &str) -> Result<()> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)
            .map_err(|e| Error::new(format!("cannot create {}: {e}", parent.display())))?;
    }
    fs::write(path, contents)
        .map_err(|e| Error::new(format!("cannot write {}: {e}", path.display())))
}

/// Whether `name` can be a backend id: lowercase ASCII letters, digits and single dashes,
/// starting with a letter, not a Rust keyword nor a name the workspace already uses.
pub fn check_backend_name(name: &str) -> Result<()> {
    let well_formed = name.len() <= 40
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && !name.ends_with('-')
        && !name.contains("--")
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !well_formed {
        bail!(
            "`{name}` is not a valid backend name: use lowercase ASCII letters, digits and \
             single dashes, starting with a letter (at most 40 characters), like `acme` or `acme-cloud`"
        );
    }
    if RESERVED_NAMES.contains(&name) || RUST_KEYWORDS.contains(&name) {
        bail!("`{name}` is reserved in this workspace (a facade feature, a package or a Rust keyword); pick another name");
    }
    Ok(())
}

/// The workspace: its shared package settings and every backend, sorted by id.
#[derive(Debug)]
pub struct Workspace {
    pub root: PathBuf,
    pub edition: String,
    pub backends: Vec<Backend>,
}

/// One backend: its crate folder and its curated data.
#[derive(Debug)]
pub struct Backend {
    pub data: RegionsFile,
    /// `data/regions/<id>.toml`, relative to the root.
    pub data_file: String,
    /// The crate folder's name under `crates/backends/`.
    pub dir_name: String,
    pub package: String,
    /// The crate's Rust name (`regionkit_lambda`).
    pub lib_name: String,
    pub version: String,
    /// Whether the crate has an `emulator` feature for the facade to forward.
    pub has_emulator: bool,
}

impl Backend {
    pub fn id(&self) -> &str {
        &self.data.backend.id
    }

    /// The crate folder, relative to the root.
    pub fn crate_dir(&self) -> String {
        format!("{BACKENDS_DIR}/{}", self.dir_name)
    }

    /// The name the facade re-exports the crate under.
    pub fn module_name(&self) -> String {
        self.id().replace('-', "_")
    }

    /// The policy as `regionkit backends` shows it.
    pub fn policy(&self) -> &'static str {
        let data = &self.data;
        match (
            data.backend.scope,
            data.pinned.is_some(),
            data.defaults.is_some(),
        ) {
            (Scope::Cluster, _, _) => "cluster",
            (_, true, true) => "pinned+defaults",
            (_, true, false) => "pinned",
            (_, false, true) => "defaults",
            (_, false, false) => "dynamic",
        }
    }
}

/// `data/regions/<id>.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegionsFile {
    pub backend: BackendMeta,
    pub known: Option<CuratedList>,
    pub pinned: Option<CuratedList>,
    pub defaults: Option<CuratedList>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackendMeta {
    pub id: String,
    pub display_name: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    pub api: String,
    pub scope: Scope,
    #[serde(default)]
    pub config_keys: Vec<String>,
    /// Keys the orchestrator's own config defines for this backend that regionkit does not
    /// read; a section may hold them, any other key is a config error.
    #[serde(default)]
    pub orchestrator_keys: Vec<String>,
    #[serde(default)]
    pub credential_shapes: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    Provider,
    Cluster,
}

/// A curated list with its provenance.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CuratedList {
    pub reason: String,
    pub source: String,
    pub as_of: String,
    pub regions: Vec<String>,
    #[serde(default)]
    pub hint: Option<String>,
}

impl RegionsFile {
    /// Parse and check one data file; `file` is its path relative to the root, for messages.
    pub fn parse(text: &str, file: &str) -> Result<Self> {
        let parsed: Self = toml::from_str(text).map_err(|e| {
            Error::new(format!(
                "{file}: {}\n(the format is data/regions/lambda.toml's: [backend], [known], optional [pinned] and [defaults])",
                e.to_string().trim_end()
            ))
        })?;
        parsed.check(file)?;
        Ok(parsed)
    }

    /// The lists present, in the order `generated.rs` declares them.
    pub fn lists(&self) -> Vec<(&'static str, &CuratedList)> {
        [
            ("known", self.known.as_ref()),
            ("pinned", self.pinned.as_ref()),
            ("defaults", self.defaults.as_ref()),
        ]
        .into_iter()
        .filter_map(|(name, list)| list.map(|list| (name, list)))
        .collect()
    }

    fn check(&self, file: &str) -> Result<()> {
        let meta = &self.backend;
        check_backend_name(&meta.id)
            .map_err(|e| Error::new(format!("{file}: [backend] id: {e}")))?;
        for alias in &meta.aliases {
            check_backend_name(alias)
                .map_err(|e| Error::new(format!("{file}: [backend] aliases: {e}")))?;
            if alias == &meta.id {
                bail!("{file}: [backend] aliases repeats the id `{alias}`; remove it");
            }
        }
        for (key, value) in [("display_name", &meta.display_name), ("api", &meta.api)] {
            if value.trim().is_empty() {
                bail!("{file}: [backend] {key} is empty; say it in a few words");
            }
        }
        match meta.scope {
            Scope::Provider if self.known.is_none() => bail!(
                "{file}: a provider-scoped backend needs a [known] table: the last full list of regions seen, with reason, source and as_of"
            ),
            Scope::Cluster if self.pinned.is_some() || self.defaults.is_some() => bail!(
                "{file}: a cluster-scoped backend has no [pinned] or [defaults]: its regions are whatever the cluster reports"
            ),
            _ => {}
        }
        for (name, list) in self.lists() {
            list.check(file, name, meta.scope)?;
        }
        Ok(())
    }
}

impl CuratedList {
    fn check(&self, file: &str, name: &str, scope: Scope) -> Result<()> {
        for (key, value) in [("reason", &self.reason), ("source", &self.source)] {
            if value.trim().is_empty() {
                bail!("{file}: [{name}] {key} is empty; a curated list exists only with a stated {key}");
            }
        }
        if !is_iso_date(&self.as_of) {
            bail!(
                "{file}: [{name}] as_of `{}` is not a date in the form YYYY-MM-DD (write it quoted: as_of = \"2026-01-31\")",
                self.as_of
            );
        }
        if self.regions.is_empty() && !(name == "known" && scope == Scope::Cluster) {
            bail!("{file}: [{name}] regions is empty; list the region ids, or remove the table");
        }
        let mut seen = BTreeSet::new();
        for region in &self.regions {
            if region.trim().is_empty() || region.trim() != region {
                bail!("{file}: [{name}] regions has `{region:?}`: region ids have no surrounding spaces and are not empty");
            }
            if !seen.insert(region.to_ascii_lowercase()) {
                bail!("{file}: [{name}] regions lists `{region}` twice");
            }
        }
        Ok(())
    }
}

fn is_iso_date(text: &str) -> bool {
    let bytes = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| bytes[range].iter().all(u8::is_ascii_digit);
    bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && digits(0..4)
        && digits(5..7)
        && digits(8..10)
        && ("01"..="12").contains(&&text[5..7])
        && ("01"..="31").contains(&&text[8..10])
}

/// The settings every package inherits from the root manifest's `[workspace.package]`.
#[derive(Debug)]
pub struct SharedPackage {
    pub version: Option<String>,
    /// The edition rustfmt formats with; 2021 when the root does not say.
    pub edition: String,
}

pub fn shared_package(root: &Path) -> Result<SharedPackage> {
    let manifest = parse_manifest(&root.join("Cargo.toml"), "Cargo.toml")?;
    let package = manifest.workspace.and_then(|w| w.package);
    Ok(SharedPackage {
        version: package.as_ref().and_then(|p| p.version.clone()),
        edition: package
            .and_then(|p| p.edition)
            .unwrap_or_else(|| "2021".to_owned()),
    })
}

/// The parts of a crate manifest xtask reads.
#[derive(Debug, Deserialize)]
struct Manifest {
    package: Option<ManifestPackage>,
    lib: Option<ManifestLib>,
    #[serde(default)]
    features: BTreeMap<String, Vec<String>>,
    workspace: Option<ManifestWorkspace>,
}

#[derive(Debug, Deserialize)]
struct ManifestPackage {
    name: String,
    version: Option<ManifestValue>,
}

/// A package field given literally or inherited with `field.workspace = true`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum ManifestValue {
    Literal(String),
    Inherited { workspace: bool },
}

#[derive(Debug, Deserialize)]
struct ManifestLib {
    name: Option<String>,
}

#[derive(Debug, Deserialize)]
struct ManifestWorkspace {
    package: Option<WorkspacePackage>,
}

#[derive(Debug, Deserialize)]
struct WorkspacePackage {
    version: Option<String>,
    edition: Option<String>,
}

fn parse_manifest(path: &Path, file: &str) -> Result<Manifest> {
    toml::from_str(&read(path)?)
        .map_err(|e| Error::new(format!("{file}: {}", e.to_string().trim_end())))
}

/// A crate folder under `crates/backends/`, before pairing with its data file.
#[derive(Debug)]
struct BackendCrate {
    dir_name: String,
    package: String,
    lib_name: String,
    version: String,
    has_emulator: bool,
}

impl Workspace {
    /// Read every backend crate and data file, pair them, and check the pairing is complete
    /// and ids and aliases are unique.
    pub fn load(root: &Path) -> Result<Self> {
        let shared = shared_package(root)?;
        let edition = shared.edition;
        let crates = backend_crates(root, shared.version.as_deref())?;
        let mut data = data_files(root)?;

        let mut backends = Vec::new();
        for krate in crates {
            let names_of = |file: &RegionsFile| {
                let meta = &file.backend;
                std::iter::once(meta.id.as_str())
                    .chain(meta.aliases.iter().map(String::as_str))
                    .any(|name| {
                        krate.dir_name == name || krate.package == format!("regionkit-{name}")
                    })
            };
            let matching: Vec<String> = data
                .iter()
                .filter(|(_, file)| names_of(file))
                .map(|(path, _)| path.clone())
                .collect();
            let data_file = match matching.as_slice() {
                [one] => one.clone(),
                [] => bail!(
                    "{BACKENDS_DIR}/{dir} (package `{package}`) has no curated data: create {REGIONS_DIR}/<id>.toml \
                     in the format of {REGIONS_DIR}/lambda.toml, with the backend's id (or an alias) matching the \
                     folder name `{dir}`",
                    dir = krate.dir_name,
                    package = krate.package
                ),
                many => bail!(
                    "{BACKENDS_DIR}/{} matches several data files ({}); give each backend one id",
                    krate.dir_name,
                    many.join(", ")
                ),
            };
            let Some(file) = data.remove(&data_file) else {
                bail!("{data_file} is paired with two crate folders; one of them is {BACKENDS_DIR}/{}", krate.dir_name);
            };
            backends.push(Backend {
                data: file,
                data_file,
                dir_name: krate.dir_name,
                package: krate.package,
                lib_name: krate.lib_name,
                version: krate.version,
                has_emulator: krate.has_emulator,
            });
        }
        if let Some(orphan) = data.keys().next() {
            bail!(
                "{orphan} has no crate under {BACKENDS_DIR}/ (looked for a folder named after its id or an alias); \
                 create it with `cargo xtask new-backend <id>` or remove the data file"
            );
        }

        backends.sort_by(|a, b| a.id().cmp(b.id()));
        let mut owners: BTreeMap<&str, &str> = BTreeMap::new();
        for backend in &backends {
            let meta = &backend.data.backend;
            for name in std::iter::once(&meta.id).chain(&meta.aliases) {
                if let Some(other) = owners.insert(name, &meta.id) {
                    bail!(
                        "`{name}` names two backends, `{other}` and `{}`; ids and aliases must be unique",
                        meta.id
                    );
                }
            }
        }
        Ok(Self {
            root: root.to_path_buf(),
            edition,
            backends,
        })
    }
}

/// Every folder under `crates/backends/` that holds a `Cargo.toml`, sorted by name.
fn backend_crates(root: &Path, workspace_version: Option<&str>) -> Result<Vec<BackendCrate>> {
    let mut crates = Vec::new();
    for dir_name in sorted_entries(&root.join(BACKENDS_DIR))? {
        let manifest_path = root.join(BACKENDS_DIR).join(&dir_name).join("Cargo.toml");
        if !manifest_path.is_file() {
            continue;
        }
        let file = format!("{BACKENDS_DIR}/{dir_name}/Cargo.toml");
        let manifest = parse_manifest(&manifest_path, &file)?;
        let Some(package) = manifest.package else {
            bail!("{file} has no [package]; a backend folder holds one crate");
        };
        let version = match (&package.version, workspace_version) {
            (Some(ManifestValue::Literal(v)), _) => v.clone(),
            (Some(ManifestValue::Inherited { workspace: true }), Some(v)) => v.to_owned(),
            (Some(ManifestValue::Inherited { .. }), _) => {
                bail!("{file}: `version` must be a string, or `version.workspace = true` with a [workspace.package] version in the root Cargo.toml")
            }
            (None, _) => "0.0.0".to_owned(),
        };
        let lib_name = manifest
            .lib
            .and_then(|lib| lib.name)
            .unwrap_or_else(|| package.name.replace('-', "_"));
        crates.push(BackendCrate {
            dir_name,
            lib_name,
            version,
            has_emulator: manifest.features.contains_key("emulator"),
            package: package.name,
        });
    }
    Ok(crates)
}

/// Every `data/regions/*.toml`, by path relative to the root.
pub fn data_files(root: &Path) -> Result<BTreeMap<String, RegionsFile>> {
    let mut files = BTreeMap::new();
    for name in sorted_entries(&root.join(REGIONS_DIR))? {
        let Some(stem) = name.strip_suffix(".toml") else {
            continue;
        };
        let file = format!("{REGIONS_DIR}/{name}");
        let parsed = RegionsFile::parse(&read(&root.join(&file))?, &file)?;
        if parsed.backend.id != stem {
            bail!(
                "{file} declares id `{}`; a data file is named after its backend's id: rename it to {REGIONS_DIR}/{}.toml",
                parsed.backend.id,
                parsed.backend.id
            );
        }
        files.insert(file, parsed);
    }
    Ok(files)
}

/// The names in a folder, sorted, skipping hidden ones; a missing folder is empty.
fn sorted_entries(dir: &Path) -> Result<Vec<String>> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => bail!("cannot list {}: {e}", dir.display()),
    };
    let mut names = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| Error::new(format!("cannot list {}: {e}", dir.display())))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.starts_with('.') {
            names.push(name);
        }
    }
    names.sort();
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LAMBDA_LIKE: &str = r#"
[backend]
id = "acme"
display_name = "Acme"
aliases = ["acme-old"]
api = "GET /v1/regions"
scope = "provider"

[known]
reason = "r"
source = "s"
as_of = "2026-01-31"
regions = ["us-east-1"]
"#;

    #[test]
    fn backend_names_are_lowercase_words_joined_by_single_dashes() {
        for good in ["acme", "acme-cloud", "a100", "k8s"] {
            assert_eq!(check_backend_name(good), Ok(()), "{good}");
        }
        for bad in [
            "Acme",
            "1cloud",
            "acme_cloud",
            "acme-",
            "-acme",
            "ac--me",
            "",
            "full",
            "type",
        ] {
            assert!(check_backend_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_valid_data_file_parses() {
        let parsed = RegionsFile::parse(LAMBDA_LIKE, "data/regions/acme.toml");
        assert!(parsed.is_ok(), "{parsed:?}");
    }

    #[test]
    fn a_misspelt_key_names_the_file_and_the_key() {
        let text = LAMBDA_LIKE.replace("as_of", "as-of");
        let message = RegionsFile::parse(&text, "data/regions/acme.toml")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            message.contains("data/regions/acme.toml") && message.contains("as-of"),
            "{message}"
        );
    }

    #[test]
    fn dates_must_be_iso() {
        assert!(is_iso_date("2026-08-21"));
        for bad in [
            "2026-8-21",
            "2026-13-01",
            "2026-00-10",
            "21-08-2026",
            "2026-08-32",
        ] {
            assert!(!is_iso_date(bad), "{bad}");
        }
    }

    #[test]
    fn a_provider_backend_without_known_is_refused() {
        let text = LAMBDA_LIKE.split("[known]").next().unwrap_or_default();
        let message = RegionsFile::parse(text, "data/regions/acme.toml")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(message.contains("[known]"), "{message}");
    }

    #[test]
    fn a_list_naming_a_region_twice_is_refused() {
        let text = LAMBDA_LIKE.replace(r#"["us-east-1"]"#, r#"["us-east-1", "US-EAST-1"]"#);
        assert!(RegionsFile::parse(&text, "data/regions/acme.toml").is_err());
    }
}
