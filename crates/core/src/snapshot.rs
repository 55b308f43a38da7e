//! Last-known-good discoveries that outlive the process: the second step of the fallback
//! chain (cache → snapshot → builtin `known`) and the first one of `--offline`.
//!
//! Only live answers are stored, as the raw discovered regions of one backend account, so
//! the resolver re-applies the current config to a snapshot exactly as to a live answer.
//! The file store writes each snapshot atomically (temp file, fsync, rename) in a versioned
//! envelope with a SHA-256 checksum; a corrupt, foreign or newer file is reported and
//! ignored, never trusted and never a crash.

use std::ffi::OsString;
use std::fmt;
use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};

use crate::cache::AccountKey;
use crate::model::Region;

/// The `format` marker of a snapshot file.
pub const SNAPSHOT_FORMAT: &str = "regionkit-snapshot";
/// The envelope version this build writes and reads.
pub const SNAPSHOT_VERSION: u32 = 1;
/// Files larger than this are not snapshots this program wrote.
const MAX_SNAPSHOT_BYTES: u64 = 64 * 1024 * 1024;
/// Temp files older than this were left by a writer that died; they are removed.
const STALE_TEMP_AGE: Duration = Duration::from_secs(10 * 60);

/// One backend account's regions as a live discovery returned them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Snapshot {
    pub backend: String,
    /// The account fingerprint ([`AccountKey::account`]).
    pub account: String,
    pub fetched_at: SystemTime,
    pub regions: Vec<Region>,
}

impl Snapshot {
    pub fn new(key: &AccountKey, fetched_at: SystemTime, regions: Vec<Region>) -> Self {
        Self {
            backend: key.backend.clone(),
            account: key.account.clone(),
            fetched_at,
            regions,
        }
    }

    pub fn key(&self) -> AccountKey {
        AccountKey::new(&self.backend, &self.account)
    }

    /// How long ago the regions were discovered (zero if the clock went backwards).
    pub fn age(&self) -> Duration {
        SystemTime::now()
            .duration_since(self.fetched_at)
            .unwrap_or(Duration::ZERO)
    }
}

/// Why a snapshot could not be stored or used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SnapshotError {
    #[error("snapshot {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The file exists but is not a usable snapshot: corrupt, foreign, or from a newer format.
    #[error("ignoring snapshot {}: {detail}", path.display())]
    Invalid { path: PathBuf, detail: String },
    #[error("refusing to store a snapshot of {backend} with no regions")]
    Empty { backend: String },
    #[error("no cache directory: set REGIONKIT_CACHE_DIR, XDG_CACHE_HOME or HOME")]
    NoCacheDir,
}

impl SnapshotError {
    fn io(path: &Path, source: std::io::Error) -> Self {
        Self::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    fn invalid(path: &Path, detail: impl Into<String>) -> Self {
        Self::Invalid {
            path: path.to_path_buf(),
            detail: detail.into(),
        }
    }
}

/// Where last-known-good discoveries are kept.
pub trait SnapshotStore: Send + Sync + fmt::Debug {
    /// The snapshot of exactly this account, if one is stored.
    fn load(&self, key: &AccountKey) -> Result<Option<Snapshot>, SnapshotError>;

    /// The most recent snapshot of any account of `backend`, for callers with no account
    /// (`--offline` without a config).
    fn load_latest(&self, backend: &str) -> Result<Option<Snapshot>, SnapshotError>;

    /// Store a snapshot, replacing the account's previous one as a whole.
    fn save(&self, snapshot: &Snapshot) -> Result<(), SnapshotError>;
}

/// Snapshots as files: `<dir>/<backend>/<account>.json`.
#[derive(Clone, Debug)]
pub struct FileSnapshotStore {
    dir: PathBuf,
}

impl FileSnapshotStore {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// The store under the user's cache directory (see [`FileSnapshotStore::default_dir`]).
    pub fn at_default_location() -> Result<Self, SnapshotError> {
        Self::default_dir()
            .map(Self::new)
            .ok_or(SnapshotError::NoCacheDir)
    }

    /// `$REGIONKIT_CACHE_DIR/snapshots`, else `$XDG_CACHE_HOME/regionkit/snapshots`, else
    /// `~/.cache/regionkit/snapshots` (on Windows `%LOCALAPPDATA%\regionkit\snapshots`).
    pub fn default_dir() -> Option<PathBuf> {
        cache_dir_from(|name| std::env::var_os(name)).map(|dir| dir.join("snapshots"))
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file holding an account's snapshot.
    pub fn path_of(&self, key: &AccountKey) -> PathBuf {
        self.backend_dir(&key.backend)
            .join(format!("{}.json", file_safe(&key.account)))
    }

    fn backend_dir(&self, backend: &str) -> PathBuf {
        self.dir.join(file_safe(backend))
    }

    fn read(&self, path: &Path) -> Result<Option<Snapshot>, SnapshotError> {
        // Only a regular file of bounded size is read: a FIFO or device planted in the
        // directory never blocks or floods the reader.
        let bytes = match crate::files::read_capped(path, MAX_SNAPSHOT_BYTES) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) if e.kind() == std::io::ErrorKind::InvalidInput => {
                return Err(SnapshotError::invalid(path, e.to_string()))
            }
            Err(e) => return Err(SnapshotError::io(path, e)),
        };
        decode(&bytes)
            .map(Some)
            .map_err(|detail| SnapshotError::invalid(path, detail))
    }

    /// Remove temp files that a writer killed mid-write left behind: only files named as
    /// [`FileSnapshotStore::save`] names them, only regular files, and never through a
    /// symlinked directory.
    fn sweep_temp_files(dir: &Path) {
        if fs::symlink_metadata(dir).map_or(true, |m| !m.is_dir()) {
            return;
        }
        let Ok(listing) = fs::read_dir(dir) else {
            return;
        };
        for item in listing.flatten() {
            let name = item.file_name();
            let name = name.to_string_lossy();
            if !is_own_temp_name(&name) || !item.file_type().is_ok_and(|t| t.is_file()) {
                continue;
            }
            let old = item
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|modified| modified.elapsed().ok())
                .is_some_and(|age| age > STALE_TEMP_AGE);
            if old {
                let _ = fs::remove_file(item.path());
            }
        }
    }
}

impl SnapshotStore for FileSnapshotStore {
    fn load(&self, key: &AccountKey) -> Result<Option<Snapshot>, SnapshotError> {
        let path = self.path_of(key);
        let Some(snapshot) = self.read(&path)? else {
            return Ok(None);
        };
        if snapshot.backend != key.backend || snapshot.account != key.account {
            return Err(SnapshotError::invalid(
                &path,
                format!(
                    "it holds {}/{}, not {key}",
                    snapshot.backend, snapshot.account
                ),
            ));
        }
        Ok(Some(snapshot))
    }

    fn load_latest(&self, backend: &str) -> Result<Option<Snapshot>, SnapshotError> {
        let dir = self.backend_dir(backend);
        let listing = match fs::read_dir(&dir) {
            Ok(listing) => listing,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(SnapshotError::io(&dir, e)),
        };
        let mut newest: Option<Snapshot> = None;
        let mut first_problem = None;
        for item in listing.flatten() {
            let path = item.path();
            let name = item.file_name();
            let name = name.to_string_lossy();
            if name.starts_with('.') || !name.ends_with(".json") {
                continue;
            }
            match self.read(&path) {
                Ok(Some(snapshot)) if snapshot.backend == backend => {
                    if newest
                        .as_ref()
                        .is_none_or(|n| snapshot.fetched_at > n.fetched_at)
                    {
                        newest = Some(snapshot);
                    }
                }
                Ok(Some(snapshot)) => {
                    let problem = SnapshotError::invalid(
                        &path,
                        format!("it holds backend `{}`", snapshot.backend),
                    );
                    tracing::warn!(error = %problem, "snapshot ignored");
                    first_problem.get_or_insert(problem);
                }
                Ok(None) => {}
                Err(problem) => {
                    tracing::warn!(error = %problem, "snapshot ignored");
                    first_problem.get_or_insert(problem);
                }
            }
        }
        match (newest, first_problem) {
            (Some(snapshot), _) => Ok(Some(snapshot)),
            (None, Some(problem)) => Err(problem),
            (None, None) => Ok(None),
        }
    }

    fn save(&self, snapshot: &Snapshot) -> Result<(), SnapshotError> {
        if snapshot.regions.is_empty() {
            return Err(SnapshotError::Empty {
                backend: snapshot.backend.clone(),
            });
        }
        let target = self.path_of(&snapshot.key());
        let dir = self.backend_dir(&snapshot.backend);
        fs::create_dir_all(&dir).map_err(|e| SnapshotError::io(&dir, e))?;
        let bytes = encode(snapshot).map_err(|e| SnapshotError::invalid(&target, e))?;
        let temp = dir.join(format!(
            ".{}.{}-{:016x}.tmp",
            file_safe(&snapshot.account),
            std::process::id(),
            fastrand::u64(..)
        ));
        let written = write_synced(&temp, &bytes).and_then(|()| fs::rename(&temp, &target));
        if let Err(e) = written {
            let _ = fs::remove_file(&temp);
            return Err(SnapshotError::io(&target, e));
        }
        // The rename is durable once the directory entry is; not every platform can open a
        // directory to sync it, and the file itself is complete either way.
        if let Ok(handle) = File::open(&dir) {
            let _ = handle.sync_all();
        }
        Self::sweep_temp_files(&dir);
        Ok(())
    }
}

/// Whether `name` is a temp file as `save` names it: `.{account}.{pid}-{16 hex digits}.tmp`.
fn is_own_temp_name(name: &str) -> bool {
    let Some(stem) = name.strip_prefix('.').and_then(|n| n.strip_suffix(".tmp")) else {
        return false;
    };
    let Some((front, random)) = stem.rsplit_once('-') else {
        return false;
    };
    let Some((account, pid)) = front.rsplit_once('.') else {
        return false;
    };
    !account.is_empty()
        && !pid.is_empty()
        && pid.bytes().all(|b| b.is_ascii_digit())
        && random.len() == 16
        && random.bytes().all(|b| b.is_ascii_hexdigit())
}

fn write_synced(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut file = File::options().write(true).create_new(true).open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// Snapshots in memory, for embedding hosts that keep no files, and for tests.
#[derive(Debug, Default)]
pub struct MemorySnapshotStore {
    snapshots: Mutex<Vec<Snapshot>>,
}

impl MemorySnapshotStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// Every stored snapshot.
    pub fn all(&self) -> Vec<Snapshot> {
        self.lock().clone()
    }

    fn lock(&self) -> MutexGuard<'_, Vec<Snapshot>> {
        self.snapshots
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl SnapshotStore for MemorySnapshotStore {
    fn load(&self, key: &AccountKey) -> Result<Option<Snapshot>, SnapshotError> {
        Ok(self
            .lock()
            .iter()
            .find(|s| s.backend == key.backend && s.account == key.account)
            .cloned())
    }

    fn load_latest(&self, backend: &str) -> Result<Option<Snapshot>, SnapshotError> {
        Ok(self
            .lock()
            .iter()
            .filter(|s| s.backend == backend)
            .max_by_key(|s| s.fetched_at)
            .cloned())
    }

    fn save(&self, snapshot: &Snapshot) -> Result<(), SnapshotError> {
        if snapshot.regions.is_empty() {
            return Err(SnapshotError::Empty {
                backend: snapshot.backend.clone(),
            });
        }
        let mut snapshots = self.lock();
        snapshots.retain(|s| s.backend != snapshot.backend || s.account != snapshot.account);
        snapshots.push(snapshot.clone());
        Ok(())
    }
}

/// The envelope on disk. The payload is kept as the exact bytes written, so the checksum is
/// checked over what was hashed.
#[derive(Serialize)]
struct EnvelopeOut<'a> {
    format: &'static str,
    version: u32,
    sha256: String,
    snapshot: &'a RawValue,
}

#[derive(Deserialize)]
struct EnvelopeIn<'a> {
    format: Option<String>,
    version: Option<u32>,
    sha256: Option<String>,
    #[serde(borrow)]
    snapshot: Option<&'a RawValue>,
}

/// The bytes of a snapshot file.
pub fn encode(snapshot: &Snapshot) -> Result<Vec<u8>, String> {
    let payload = serde_json::to_string(snapshot).map_err(|e| e.to_string())?;
    let raw = RawValue::from_string(payload).map_err(|e| e.to_string())?;
    let envelope = EnvelopeOut {
        format: SNAPSHOT_FORMAT,
        version: SNAPSHOT_VERSION,
        sha256: sha256_hex(raw.get().as_bytes()),
        snapshot: &raw,
    };
    let mut bytes = serde_json::to_vec(&envelope).map_err(|e| e.to_string())?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// Read a snapshot file; the error says why it cannot be trusted.
pub fn decode(bytes: &[u8]) -> Result<Snapshot, String> {
    let envelope: EnvelopeIn<'_> = serde_json::from_slice(bytes).map_err(|e| {
        if e.is_eof() {
            "the file ends early (an interrupted write?)".to_owned()
        } else {
            format!("not a regionkit snapshot ({e})")
        }
    })?;
    match envelope.format.as_deref() {
        Some(SNAPSHOT_FORMAT) => {}
        Some(other) => return Err(format!("foreign file (format `{other}`)")),
        None => return Err("foreign file (no `format` marker)".to_owned()),
    }
    match envelope.version {
        Some(SNAPSHOT_VERSION) => {}
        Some(other) => {
            return Err(format!(
                "format version {other}; this build reads version {SNAPSHOT_VERSION}"
            ))
        }
        None => return Err("no format version".to_owned()),
    }
    let payload = envelope.snapshot.ok_or("no `snapshot` payload")?;
    let expected = envelope.sha256.ok_or("no checksum")?;
    if sha256_hex(payload.get().as_bytes()) != expected.to_ascii_lowercase() {
        return Err("checksum mismatch (the file is corrupt)".to_owned());
    }
    let snapshot: Snapshot = serde_json::from_str(payload.get())
        .map_err(|e| format!("the payload does not read as a snapshot ({e})"))?;
    if snapshot.regions.is_empty() {
        return Err("it holds no regions".to_owned());
    }
    Ok(snapshot)
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A path component from an id: letters, digits, `-` and `_`, anything else as `_`.
fn file_safe(text: &str) -> String {
    let safe: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if safe.is_empty() {
        "_".to_owned()
    } else {
        safe
    }
}

/// regionkit's cache directory from the environment, looked up through `var`.
fn cache_dir_from(var: impl Fn(&str) -> Option<OsString>) -> Option<PathBuf> {
    let set = |name: &str| var(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    if let Some(dir) = set("REGIONKIT_CACHE_DIR") {
        return Some(dir);
    }
    // The XDG spec ignores relative paths.
    if let Some(xdg) = set("XDG_CACHE_HOME").filter(|p| p.is_absolute()) {
        return Some(xdg.join("regionkit"));
    }
    if let Some(home) = set("HOME") {
        return Some(home.join(".cache").join("regionkit"));
    }
    set("LOCALAPPDATA").map(|local| local.join("regionkit"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::RegionStatus;
    use proptest::prelude::*;

    fn snapshot(account: &str, age_secs: u64) -> Snapshot {
        Snapshot::new(
            &AccountKey::new("lambda", account),
            SystemTime::now() - Duration::from_secs(age_secs),
            vec![
                Region::new("us-east-1").with_display_name("Virginia, USA"),
                Region::new("europe-central-1").with_status(RegionStatus::Limited),
            ],
        )
    }

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<OsString> {
        let pairs: Vec<(String, OsString)> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), OsString::from(v)))
            .collect();
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        }
    }

    #[test]
    fn a_saved_snapshot_loads_back_equal_and_leaves_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileSnapshotStore::new(dir.path());
        let saved = snapshot("acct1", 60);
        store.save(&saved).unwrap();
        assert_eq!(store.load(&saved.key()).unwrap(), Some(saved.clone()));
        let names: Vec<_> = fs::read_dir(dir.path().join("lambda"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["acct1.json"]);
    }

    #[test]
    fn a_missing_snapshot_is_none_not_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileSnapshotStore::new(dir.path());
        assert!(store
            .load(&AccountKey::new("lambda", "nobody"))
            .unwrap()
            .is_none());
        assert!(store.load_latest("lambda").unwrap().is_none());
    }

    #[test]
    fn a_corrupted_byte_is_caught_by_the_checksum() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileSnapshotStore::new(dir.path());
        let saved = snapshot("acct1", 0);
        store.save(&saved).unwrap();
        let path = store.path_of(&saved.key());
        let text = fs::read_to_string(&path).unwrap();
        fs::write(&path, text.replace("us-east-1", "us-east-2")).unwrap();
        let err = store.load(&saved.key()).unwrap_err().to_string();
        assert!(err.contains("checksum"), "{err}");
    }

    #[test]
    fn a_truncated_file_is_reported_as_an_interrupted_write() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileSnapshotStore::new(dir.path());
        let saved = snapshot("acct1", 0);
        store.save(&saved).unwrap();
        let path = store.path_of(&saved.key());
        let bytes = fs::read(&path).unwrap();
        fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
        let err = store.load(&saved.key()).unwrap_err().to_string();
        assert!(err.contains("ends early"), "{err}");
    }

    #[test]
    fn a_foreign_file_is_ignored_with_the_reason() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileSnapshotStore::new(dir.path());
        let key = AccountKey::new("lambda", "acct1");
        fs::create_dir_all(dir.path().join("lambda")).unwrap();
        fs::write(store.path_of(&key), br#"{"data": [{"name": "us-east-1"}]}"#).unwrap();
        let err = store.load(&key).unwrap_err().to_string();
        assert!(err.contains("foreign"), "{err}");
    }

    #[test]
    fn a_newer_format_version_is_not_read() {
        let bytes = encode(&snapshot("acct1", 0)).unwrap();
        let text = String::from_utf8(bytes)
            .unwrap()
            .replace("\"version\":1", "\"version\":2");
        let err = decode(text.as_bytes()).unwrap_err();
        assert!(err.contains("version 2"), "{err}");
    }

    #[test]
    fn a_file_holding_another_account_is_not_used_for_this_one() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileSnapshotStore::new(dir.path());
        let other = snapshot("acct2", 0);
        store.save(&other).unwrap();
        let mine = AccountKey::new("lambda", "acct1");
        fs::copy(store.path_of(&other.key()), store.path_of(&mine)).unwrap();
        let err = store.load(&mine).unwrap_err().to_string();
        assert!(err.contains("acct2"), "{err}");
    }

    #[test]
    fn the_latest_snapshot_of_a_backend_is_the_most_recent_valid_one() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileSnapshotStore::new(dir.path());
        store.save(&snapshot("old", 3600)).unwrap();
        store.save(&snapshot("new", 10)).unwrap();
        fs::write(dir.path().join("lambda").join("broken.json"), b"{").unwrap();
        assert_eq!(store.load_latest("lambda").unwrap().unwrap().account, "new");
    }

    #[test]
    fn an_empty_region_list_is_never_stored() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileSnapshotStore::new(dir.path());
        let empty = Snapshot::new(
            &AccountKey::new("lambda", "a"),
            SystemTime::now(),
            Vec::new(),
        );
        assert!(matches!(
            store.save(&empty),
            Err(SnapshotError::Empty { .. })
        ));
    }

    #[test]
    fn stale_temp_files_of_killed_writers_are_swept_and_fresh_ones_kept() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileSnapshotStore::new(dir.path());
        let backend_dir = dir.path().join("lambda");
        fs::create_dir_all(&backend_dir).unwrap();
        let old = backend_dir.join(".acct1.1-00000000000000aa.tmp");
        let fresh = backend_dir.join(".acct1.2-00000000000000bb.tmp");
        // Old too, but not named as regionkit names its temp files: a user's own.
        let users = backend_dir.join(".notes.tmp");
        for path in [&old, &fresh, &users] {
            fs::write(path, b"{\"form").unwrap();
        }
        let long_ago = SystemTime::now() - Duration::from_secs(3600);
        for path in [&old, &users] {
            File::options()
                .write(true)
                .open(path)
                .unwrap()
                .set_modified(long_ago)
                .unwrap();
        }
        store.save(&snapshot("acct1", 0)).unwrap();
        assert!(!old.exists());
        assert!(fresh.exists());
        assert!(
            users.exists(),
            "a file regionkit did not name is never removed"
        );
    }

    #[cfg(unix)]
    #[test]
    fn nothing_is_swept_through_a_symlinked_directory() {
        let dir = tempfile::tempdir().unwrap();
        let elsewhere = tempfile::tempdir().unwrap();
        let victim = elsewhere.path().join(".acct1.1-00000000000000aa.tmp");
        fs::write(&victim, b"theirs").unwrap();
        File::options()
            .write(true)
            .open(&victim)
            .unwrap()
            .set_modified(SystemTime::now() - Duration::from_secs(3600))
            .unwrap();
        std::os::unix::fs::symlink(elsewhere.path(), dir.path().join("lambda")).unwrap();
        FileSnapshotStore::sweep_temp_files(&dir.path().join("lambda"));
        assert!(victim.exists());
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_in_place_of_a_snapshot_is_reported_not_waited_on() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileSnapshotStore::new(dir.path());
        let key = AccountKey::new("lambda", "acct1");
        let path = store.path_of(&key);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        let made = std::process::Command::new("mkfifo").arg(&path).status();
        assert!(made.is_ok_and(|s| s.success()));
        let error = store.load(&key).unwrap_err();
        assert!(error.to_string().contains("not a regular file"), "{error}");
    }

    #[test]
    fn cache_dir_prefers_regionkit_then_xdg_then_home() {
        assert_eq!(
            cache_dir_from(env(&[
                ("REGIONKIT_CACHE_DIR", "/rk"),
                ("XDG_CACHE_HOME", "/xdg"),
                ("HOME", "/home/u")
            ])),
            Some(PathBuf::from("/rk"))
        );
        assert_eq!(
            cache_dir_from(env(&[("XDG_CACHE_HOME", "/xdg"), ("HOME", "/home/u")])),
            Some(PathBuf::from("/xdg/regionkit"))
        );
        assert_eq!(
            cache_dir_from(env(&[("XDG_CACHE_HOME", "relative"), ("HOME", "/home/u")])),
            Some(PathBuf::from("/home/u/.cache/regionkit"))
        );
        assert_eq!(cache_dir_from(env(&[])), None);
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn arbitrary_bytes_never_panic_the_snapshot_reader(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = decode(&bytes);
        }

        #[test]
        fn a_mutated_snapshot_file_is_rejected_or_reads_back_unchanged(
            edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
            cut in proptest::option::of(any::<prop::sample::Index>()),
        ) {
            let original = snapshot("acct1", 5);
            let mut bytes = encode(&original).unwrap();
            for (at, byte) in edits {
                let i = at.index(bytes.len());
                bytes[i] = byte;
            }
            if let Some(cut) = cut {
                bytes.truncate(cut.index(bytes.len()));
            }
            if let Ok(read) = decode(&bytes) {
                prop_assert_eq!(read, original);
            }
        }
    }
}
