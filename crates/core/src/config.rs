//! Configuration: which backends to resolve, their credentials and their `regions`.
//!
//! Two shapes are accepted (DESIGN §4): the native one (`backends: [...]`) and dstack's server
//! `config.yml` (`projects: [{name, backends: [...]}]`). Core reads the keys every backend
//! shares (`type`, `regions`, `endpoint`, `allow_http`); each backend deserializes the rest of
//! its section into its own config type with [`BackendConfig::parse`].

use std::fmt;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_yaml::{Mapping, Value};

use crate::error::{ConfigLocation, Error, Result};
use crate::files;
use crate::resolve::Restriction;

/// One backend's section of the config, read once: the shared keys, the restriction compiled
/// from `regions`, and a fingerprint of the whole section that keys finished answers. Cheap to
/// clone (shared).
#[derive(Clone)]
pub struct BackendConfig(Arc<Section>);

struct Section {
    /// The `type` as written (an id or an alias).
    backend: String,
    /// `regions` of the backend config; `None` when the key is absent.
    regions: Option<Vec<String>>,
    restriction: Option<Restriction>,
    endpoint: Option<String>,
    allow_http: bool,
    /// The whole section (a mapping), for the backend's own keys.
    section: Value,
    /// The file the section came from, for error messages.
    file: Option<PathBuf>,
    fingerprint: SectionFingerprint,
}

/// A digest of a whole backend section, credentials and `regions` included: two sections with
/// the same fingerprint get the same answer. Kept in memory only.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SectionFingerprint(u128);

impl fmt::Debug for BackendConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The section holds credentials: only the shared, non-secret keys are shown.
        f.debug_struct("BackendConfig")
            .field("backend", &self.0.backend)
            .field("regions", &self.0.regions)
            .field("endpoint", &self.0.endpoint)
            .field("allow_http", &self.0.allow_http)
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct SharedKeys {
    #[serde(rename = "type")]
    backend: String,
    #[serde(default)]
    regions: Option<Vec<String>>,
    #[serde(default)]
    endpoint: Option<String>,
    #[serde(default)]
    allow_http: bool,
}

impl BackendConfig {
    /// A section built in code, for embedding without a file.
    pub fn from_mapping(section: Mapping) -> Result<Self> {
        Self::from_section(Value::Mapping(section), None, "backends[0]")
    }

    /// A section with only a `type`, for backends that need no credentials (offline use).
    pub fn bare(backend: &str) -> Self {
        let mut section = Mapping::new();
        section.insert("type".into(), backend.into());
        Self::assemble(
            SharedKeys {
                backend: backend.to_owned(),
                regions: None,
                endpoint: None,
                allow_http: false,
            },
            section,
            None,
        )
    }

    fn from_section(value: Value, file: Option<&Path>, path: &str) -> Result<Self> {
        let location = ConfigLocation {
            file: file.map(Path::to_path_buf),
            ..ConfigLocation::default()
        };
        let Value::Mapping(section) = value else {
            return Err(Error::config(
                location,
                format!("`{path}` must be a mapping with a `type` key"),
            ));
        };
        let shared: SharedKeys = serde_path_to_error::deserialize(Value::Mapping(section.clone()))
            .map_err(|e| {
                Error::config(
                    location.clone(),
                    format!(
                        "`{path}.{}`: {}",
                        e.path(),
                        without_values(&e.inner().to_string())
                    ),
                )
            })?;
        Ok(Self::assemble(shared, section, file))
    }

    fn assemble(shared: SharedKeys, section: Mapping, file: Option<&Path>) -> Self {
        let fingerprint = SectionFingerprint::of(&section);
        Self(Arc::new(Section {
            restriction: shared
                .regions
                .clone()
                .map(|names| Restriction::new("regions", names)),
            backend: shared.backend,
            regions: shared.regions,
            endpoint: shared.endpoint,
            allow_http: shared.allow_http,
            section: Value::Mapping(section),
            file: file.map(Path::to_path_buf),
            fingerprint,
        }))
    }

    /// The `type` as written (an id or an alias).
    pub fn backend(&self) -> &str {
        &self.0.backend
    }

    /// `regions` of the backend config as written; `None` when the key is absent.
    pub fn regions(&self) -> Option<&[String]> {
        self.0.regions.as_deref()
    }

    /// `regions`, compiled for the resolver.
    pub fn restriction(&self) -> Option<&Restriction> {
        self.0.restriction.as_ref()
    }

    /// `endpoint` as written.
    pub fn endpoint(&self) -> Option<&str> {
        self.0.endpoint.as_deref()
    }

    pub fn allow_http(&self) -> bool {
        self.0.allow_http
    }

    /// The digest that keys this section's finished answers.
    pub fn fingerprint(&self) -> SectionFingerprint {
        self.0.fingerprint
    }

    /// The keys written in the section, as strings (non-string keys are left out).
    pub fn keys(&self) -> impl Iterator<Item = &str> + '_ {
        self.0
            .section
            .as_mapping()
            .into_iter()
            .flat_map(Mapping::keys)
            .filter_map(Value::as_str)
    }

    /// The file the section came from, if it came from one.
    pub fn file(&self) -> Option<&Path> {
        self.0.file.as_deref()
    }

    /// Deserialize the section into the backend's own config type. Errors name the backend
    /// and the field path (`creds.api_key`).
    pub fn parse<T: DeserializeOwned>(&self, backend: &str) -> Result<T> {
        serde_path_to_error::deserialize(&self.0.section).map_err(|e| {
            let field = e.path().to_string();
            let error =
                Error::backend_config(backend, &field, without_values(&e.into_inner().to_string()));
            match &self.0.file {
                Some(file) => error.in_file(file),
                None => error,
            }
        })
    }

    /// The base URL to call: `endpoint` when set, else the provider's default. A plain-http
    /// endpoint is refused unless it is loopback or `allow_http: true`.
    pub fn endpoint_or(&self, backend: &str, default: &str) -> Result<Endpoint> {
        match &self.0.endpoint {
            Some(raw) => Endpoint::parse(backend, raw, self.0.allow_http),
            None => Endpoint::parse(backend, default, false),
        }
    }
}

impl SectionFingerprint {
    fn of(section: &Mapping) -> Self {
        use sha2::{Digest, Sha256};
        // YAML text of the parsed section: the same section always gives the same text.
        let text = serde_yaml::to_string(section).unwrap_or_default();
        let digest = Sha256::new()
            .chain_update(b"regionkit section v1\n")
            .chain_update(text.as_bytes())
            .finalize();
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(&digest[..16]);
        Self(u128::from_le_bytes(bytes))
    }
}

/// A deserialization message without the value it quotes: `invalid type: string "sk-…",
/// expected a mapping` becomes `invalid type: string, expected a mapping`. The value may be a
/// credential written in the wrong place; the field path already says where to look.
fn without_values(message: &str) -> String {
    for prefix in ["invalid type: ", "invalid value: ", "invalid length "] {
        let Some(rest) = message.strip_prefix(prefix) else {
            continue;
        };
        let (what, expected) = match rest.find(", expected") {
            Some(at) => rest.split_at(at),
            None => (rest, ""),
        };
        // The kind of value is its first word (`string`, `integer`, `map`); the rest is it.
        let kind = what.split([' ', '`', '"']).next().unwrap_or("value");
        return format!("{prefix}{kind}{expected}");
    }
    message.to_owned()
}

/// A URL as an error may show it: without a user or password, or not at all when it cannot
/// be read and may hold one.
fn shown_url(raw: &str) -> String {
    match url::Url::parse(raw.trim()) {
        Ok(mut url) => {
            let _ = url.set_username("");
            let _ = url.set_password(None);
            url.to_string()
        }
        Err(_) if raw.contains('@') => "(hidden: it may hold credentials)".to_owned(),
        Err(_) => raw.chars().take(200).collect(),
    }
}

/// A validated base URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint(url::Url);

impl Endpoint {
    pub fn parse(backend: &str, raw: &str, allow_http: bool) -> Result<Self> {
        let url = url::Url::parse(raw.trim()).map_err(|e| {
            Error::backend_config(
                backend,
                "endpoint",
                format!("`{}` is not a URL: {e}", shown_url(raw)),
            )
        })?;
        match url.scheme() {
            "https" => {}
            "http" if allow_http || is_loopback(&url) => {}
            "http" => {
                return Err(Error::backend_config(
                    backend,
                    "endpoint",
                    format!(
                        "`{}` is plain http and not loopback; use https, or set `allow_http: true`",
                        shown_url(raw)
                    ),
                ))
            }
            other => {
                return Err(Error::backend_config(
                    backend,
                    "endpoint",
                    format!("scheme `{other}` is not supported; use https"),
                ))
            }
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(Error::backend_config(
                backend,
                "endpoint",
                "credentials in the URL are not accepted; use `creds`",
            ));
        }
        Ok(Self(url))
    }

    /// The URL of `path` below this base (`https://host/v1` + `locations` → `https://host/v1/locations`).
    pub fn join(&self, path: &str) -> String {
        format!(
            "{}/{}",
            self.0.as_str().trim_end_matches('/'),
            path.trim_start_matches('/')
        )
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    pub fn host(&self) -> Option<&str> {
        self.0.host_str()
    }
}

fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(host)) => host.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

/// The backends of one config file (one project of a dstack config).
#[derive(Clone, Debug, Default)]
pub struct Config {
    pub backends: Vec<BackendConfig>,
    pub file: Option<PathBuf>,
}

impl Config {
    pub fn from_file(path: &Path, project: Option<&str>) -> Result<Self> {
        let text = read_config_file(path, "config")?;
        Self::from_yaml(&text, Some(path), project)
    }

    /// Parse either shape. `project` selects a dstack project; by default the only or first.
    pub fn from_yaml(text: &str, file: Option<&Path>, project: Option<&str>) -> Result<Self> {
        let document = parse_document(text, file)?;
        let location = ConfigLocation {
            file: file.map(Path::to_path_buf),
            ..ConfigLocation::default()
        };
        let Value::Mapping(top) = document else {
            return Err(Error::config(
                location,
                "expected a mapping with `backends` or `projects`",
            ));
        };
        if top.contains_key("projects") && top.contains_key("backends") {
            return Err(Error::config(
                location,
                "both `backends` (native shape) and `projects` (dstack's config.yml) are set; keep one: move the backends into a project, or drop `projects`",
            ));
        }
        let (backends, prefix) = if let Some(projects) = top.get("projects") {
            select_project(projects, project, &location)?
        } else if let Some(backends) = top.get("backends") {
            if let Some(name) = project {
                return Err(Error::config(
                    location,
                    format!("`--project {name}` was given, but the config has no `projects`"),
                ));
            }
            (backends.clone(), "backends".to_owned())
        } else {
            return Err(Error::config(
                location,
                "no `backends` list (native shape) or `projects` list (dstack's config.yml) found",
            ));
        };
        let Value::Sequence(items) = backends else {
            return Err(Error::config(
                location,
                format!("`{prefix}` must be a list"),
            ));
        };
        let backends = items
            .into_iter()
            .enumerate()
            .map(|(i, item)| BackendConfig::from_section(item, file, &format!("{prefix}[{i}]")))
            .collect::<Result<Vec<_>>>()?;
        Ok(Self {
            backends,
            file: file.map(Path::to_path_buf),
        })
    }
}

impl Config {
    /// The sections of the backends `names` (ids or aliases), in the order named, each with
    /// every section it has; all sections when none is named. A named backend without a
    /// section is a config error, or with `bare_when_missing` (offline use, where no
    /// credentials are needed) a section with only its `type`.
    pub fn sections_of(
        &self,
        registry: &crate::registry::Registry,
        names: &[String],
        bare_when_missing: bool,
    ) -> Result<Vec<BackendConfig>> {
        let wanted = names
            .iter()
            .map(|n| registry.get(n).map(|d| d.id))
            .collect::<Result<Vec<_>>>()?;
        let location = ConfigLocation {
            file: self.file.clone(),
            ..ConfigLocation::default()
        };
        if wanted.is_empty() {
            if self.backends.is_empty() {
                return Err(Error::config(location, "the config lists no backends"));
            }
            return Ok(self.backends.clone());
        }
        let mut chosen = Vec::new();
        for id in wanted {
            let before = chosen.len();
            chosen.extend(
                self.backends
                    .iter()
                    .filter(|s| registry.get(s.backend()).is_ok_and(|d| d.id == id))
                    .cloned(),
            );
            if chosen.len() > before {
                continue;
            }
            if !bare_when_missing {
                return Err(Error::config(
                    location,
                    format!(
                        "backend `{id}` has no section in the config; add one with its `creds`"
                    ),
                ));
            }
            chosen.push(BackendConfig::bare(id));
        }
        Ok(chosen)
    }
}

fn select_project(
    projects: &Value,
    wanted: Option<&str>,
    location: &ConfigLocation,
) -> Result<(Value, String)> {
    let Value::Sequence(projects) = projects else {
        return Err(Error::config(location.clone(), "`projects` must be a list"));
    };
    let name_of = |p: &Value| p.get("name").and_then(Value::as_str).map(str::to_owned);
    let index = match wanted {
        Some(wanted) => projects
            .iter()
            .position(|p| name_of(p).as_deref() == Some(wanted))
            .ok_or_else(|| {
                let names: Vec<_> = projects.iter().filter_map(name_of).collect();
                Error::config(
                    location.clone(),
                    format!(
                        "no project named `{wanted}`; projects: {}",
                        names.join(", ")
                    ),
                )
            })?,
        None if projects.is_empty() => {
            return Err(Error::config(location.clone(), "`projects` is empty"));
        }
        None => 0,
    };
    let backends = projects[index]
        .get("backends")
        .cloned()
        .unwrap_or(Value::Sequence(Vec::new()));
    Ok((backends, format!("projects[{index}].backends")))
}

/// Deepest nesting of flow collections (`{`, `[`) a config may have; real ones stay under ten.
const MAX_NESTING: usize = 64;

fn parse_document(text: &str, file: Option<&Path>) -> Result<Value> {
    check_nesting(text, file)?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    serde_yaml::from_str(text).map_err(|e| yaml_error(&e, file))
}

/// Refuse a document nested deeper than [`MAX_NESTING`] before parsing it, so a hostile one
/// fails at once instead of after the parser has worked through it. Quoted text and comments
/// are skipped; block nesting is bounded by the file size cap.
fn check_nesting(text: &str, file: Option<&Path>) -> Result<()> {
    let (mut depth, mut line, mut quote, mut comment) = (0usize, 1usize, None, false);
    let mut previous = '\n';
    for c in text.chars() {
        match (quote, c) {
            (_, '\n') => {
                line += 1;
                comment = false;
            }
            _ if comment => {}
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            // A quote opens a quoted scalar only where a scalar can start (`it's` does not).
            (None, '"' | '\'')
                if previous.is_whitespace() || matches!(previous, ':' | ',' | '[' | '{' | '-') =>
            {
                quote = Some(c)
            }
            (None, '#') if previous.is_whitespace() => comment = true,
            (None, '{' | '[') => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Err(Error::config(
                        ConfigLocation {
                            file: file.map(Path::to_path_buf),
                            line: Some(line),
                            column: None,
                        },
                        format!(
                            "nested deeper than {MAX_NESTING} levels; a config is never that deep"
                        ),
                    ));
                }
            }
            (None, '}' | ']') => depth = depth.saturating_sub(1),
            _ => {}
        }
        previous = c;
    }
    Ok(())
}

/// Read a config or run config: a regular file of at most [`files::MAX_CONFIG_BYTES`].
fn read_config_file(path: &Path, what: &str) -> Result<String> {
    files::read_text_capped(path, files::MAX_CONFIG_BYTES).map_err(|e| {
        Error::config(
            ConfigLocation {
                file: Some(path.to_path_buf()),
                ..ConfigLocation::default()
            },
            format!("cannot read the {what}: {e}"),
        )
    })
}

fn yaml_error(e: &serde_yaml::Error, file: Option<&Path>) -> Error {
    let location = ConfigLocation {
        file: file.map(Path::to_path_buf),
        line: e.location().map(|l| l.line()),
        column: e.location().map(|l| l.column()),
    };
    Error::config(location, format!("invalid YAML: {e}"))
}

/// The `regions` of a run configuration (dstack's `.dstack.yml` shape). A run configuration
/// holds many other keys, so they are not checked, except that a near miss of `regions`
/// (`region`, `regoins`) gets a warning: it would otherwise narrow nothing, silently.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RunConfig {
    pub regions: Option<Vec<String>>,
    pub warnings: Vec<String>,
}

impl RunConfig {
    pub fn from_file(path: &Path) -> Result<Self> {
        let text = read_config_file(path, "run config")?;
        Self::from_yaml(&text, Some(path))
    }

    pub fn from_yaml(text: &str, file: Option<&Path>) -> Result<Self> {
        #[derive(Deserialize)]
        struct Shape {
            #[serde(default)]
            regions: Option<Vec<String>>,
        }
        if text.trim().is_empty() {
            return Ok(Self::default());
        }
        let document = parse_document(text, file)?;
        let warnings = match &document {
            Value::Mapping(top) => top
                .keys()
                .filter_map(Value::as_str)
                .filter(|key| {
                    *key != "regions" && strsim::damerau_levenshtein(key, "regions") <= 2
                })
                .map(|key| {
                    format!(
                        "{}: `{key}` is not a run configuration key; did you mean `regions`? It narrows nothing as written",
                        file.map_or_else(|| "run config".to_owned(), |f| f.display().to_string())
                    )
                })
                .collect(),
            _ => Vec::new(),
        };
        let shape: Shape = serde_yaml::from_value(document).map_err(|e| yaml_error(&e, file))?;
        Ok(Self {
            regions: shape.regions,
            warnings,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn native_shape_reads_shared_keys() {
        let config = Config::from_yaml(
            "backends:\n  - type: lambda\n    regions: [us-east-1]\n    endpoint: http://127.0.0.1:9/lambda\n",
            None,
            None,
        )
        .unwrap();
        assert_eq!(config.backends.len(), 1);
        assert_eq!(config.backends[0].backend(), "lambda");
        assert_eq!(
            config.backends[0].regions(),
            Some(&["us-east-1".to_owned()][..])
        );
    }

    #[test]
    fn dstack_shape_selects_first_project_by_default_and_named_on_request() {
        let yaml = "projects:\n  - name: main\n    backends: [{type: lambda}]\n  - name: other\n    backends: [{type: runpod}, {type: vastai}]\n";
        assert_eq!(
            Config::from_yaml(yaml, None, None).unwrap().backends[0].backend(),
            "lambda"
        );
        assert_eq!(
            Config::from_yaml(yaml, None, Some("other"))
                .unwrap()
                .backends
                .len(),
            2
        );
        let err = Config::from_yaml(yaml, None, Some("nope"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("main, other"), "{err}");
    }

    #[test]
    fn a_deep_nest_fails_at_once_naming_the_line() {
        let text = format!("backends: {}", "{a: ".repeat(100_000));
        let started = std::time::Instant::now();
        let err = Config::from_yaml(&text, Some(Path::new("deep.yml")), None).unwrap_err();
        assert!(err.to_string().contains("nested deeper than 64"), "{err}");
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
        // Brackets inside quotes and comments do not count; an apostrophe in a word opens no quote.
        let fine = format!(
            "# {}\nbackends:\n  - type: lambda # it's {}\n    regions: [\"{}\"]\n",
            "[".repeat(200),
            "{".repeat(200),
            "[".repeat(200)
        );
        assert!(Config::from_yaml(&fine, None, None).is_ok());
    }

    #[test]
    fn a_credential_in_the_wrong_place_is_never_quoted_back() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Creds {
            client_secret: String,
        }
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Section {
            creds: Creds,
        }
        for yaml in [
            "backends:\n  - type: verda\n    creds: \"sk-canary-1234567890\"\n",
            "backends:\n  - type: verda\n    creds: {client_secret: 987654321012}\n",
        ] {
            let section = Config::from_yaml(yaml, None, None)
                .unwrap()
                .backends
                .remove(0);
            let err = section.parse::<Section>("verda").unwrap_err().to_string();
            assert!(
                !err.contains("canary") && !err.contains("987654321012"),
                "{err}"
            );
            assert!(err.contains("creds"), "{err}");
        }
        assert_eq!(
            without_values("invalid type: string \"secret\", expected a mapping"),
            "invalid type: string, expected a mapping"
        );
        assert_eq!(
            without_values("unknown field `apikey`, expected `api_key`"),
            "unknown field `apikey`, expected `api_key`"
        );
    }

    #[test]
    fn an_endpoint_with_a_password_is_never_printed_whole() {
        for raw in [
            "http://user:hunter2-canary@example.com/v1",
            "ftp://user:hunter2-canary@example.com",
            "not a url user:hunter2-canary@",
        ] {
            let err = Endpoint::parse("lambda", raw, false)
                .unwrap_err()
                .to_string();
            assert!(!err.contains("hunter2-canary"), "{err}");
            assert!(err.contains("endpoint"), "{err}");
        }
    }

    #[test]
    fn both_shapes_at_once_is_a_config_error() {
        let err = Config::from_yaml(
            "backends: [{type: lambda}]\nprojects: [{name: main, backends: []}]\n",
            None,
            None,
        )
        .unwrap_err();
        assert!(err.is_usage());
        assert!(err.to_string().contains("keep one"), "{err}");
    }

    #[test]
    fn a_byte_order_mark_is_skipped() {
        let config = Config::from_yaml("\u{feff}backends: [{type: lambda}]\n", None, None).unwrap();
        assert_eq!(config.backends.len(), 1);
    }

    #[test]
    fn malformed_yaml_reports_file_line_and_column() {
        let err = Config::from_yaml(
            "backends:\n  - type: lambda\n    regions: [us-east-1\n",
            Some(Path::new("c.yml")),
            None,
        )
        .unwrap_err();
        match err {
            Error::Config { location, .. } => {
                assert_eq!(location.file.as_deref(), Some(Path::new("c.yml")));
                assert!(location.line.is_some() && location.column.is_some());
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn plain_http_endpoint_needs_loopback_or_allow_http() {
        assert!(Endpoint::parse("lambda", "http://127.0.0.1:8080", false).is_ok());
        assert!(Endpoint::parse("lambda", "http://localhost:8080", false).is_ok());
        let err = Endpoint::parse("lambda", "http://example.com", false)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("lambda") && err.contains("endpoint") && err.contains("allow_http"),
            "{err}"
        );
        assert!(Endpoint::parse("lambda", "http://example.com", true).is_ok());
    }

    #[test]
    fn endpoint_join_keeps_base_path() {
        let endpoint = Endpoint::parse("verda", "https://api.verda.com/v1/", false).unwrap();
        assert_eq!(
            endpoint.join("/locations"),
            "https://api.verda.com/v1/locations"
        );
    }

    #[test]
    fn a_near_miss_of_regions_in_a_run_config_is_a_warning() {
        let run = RunConfig::from_yaml(
            "type: task\nregoins: [us-east-1]\nresources: {gpu: 24GB}\n",
            Some(Path::new(".dstack.yml")),
        )
        .unwrap();
        assert_eq!(run.regions, None);
        assert_eq!(run.warnings.len(), 1, "{:?}", run.warnings);
        assert!(
            run.warnings[0].contains("`regoins`") && run.warnings[0].contains(".dstack.yml"),
            "{:?}",
            run.warnings
        );
        let region = RunConfig::from_yaml("region: us-east-1\n", None).unwrap();
        assert_eq!(region.warnings.len(), 1);
        let fine = RunConfig::from_yaml("type: task\nregions: [us-east-1]\n", None).unwrap();
        assert!(fine.warnings.is_empty());
    }

    #[test]
    fn run_config_reads_regions_and_ignores_other_keys() {
        let run = RunConfig::from_yaml(
            "type: task\nregions: [us-east-1]\ncommands: [nvidia-smi]\n",
            None,
        )
        .unwrap();
        assert_eq!(run.regions, Some(vec!["us-east-1".to_owned()]));
    }
}
