//! The in-process cache of discovered regions, one entry per backend account: a TTL,
//! single-flight (concurrent callers on a cold entry share one discovery),
//! stale-while-revalidate, stale-if-error and a short negative cache after failures.
//!
//! Where it sits: [`crate::RegionKit`] asks the cache before discovering and records every
//! discovery in it. Entries hold the raw discovered regions, so the resolver re-applies the
//! current config (policy, `regions`, run `regions`) to a cached answer exactly as to a live one.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use futures_util::future::{BoxFuture, FutureExt, Shared};
use serde_yaml::{Mapping, Value};
use sha2::{Digest, Sha256};
use tokio::time::Instant;

use crate::config::BackendConfig;
use crate::error::ProviderError;
use crate::model::Region;

/// How long one backend's discovered regions are reused. The windows follow HTTP caching
/// (RFC 5861): an answer is fresh for `ttl`; for `stale_while_revalidate` after that it is
/// still served while one background discovery refreshes it; for `stale_if_error` after `ttl`
/// it stands in for a failed discovery. After a failure, no discovery is tried again for
/// `negative_ttl`: callers get the fallback chain at once instead of hammering a failing API.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct CachePolicy {
    pub ttl: Duration,
    pub stale_while_revalidate: Duration,
    pub stale_if_error: Duration,
    pub negative_ttl: Duration,
}

impl Default for CachePolicy {
    /// Three minutes fresh (as dstack caches offers), a quarter of an hour served stale while
    /// refreshing, a day as a stand-in on errors, twenty seconds of rest after a failure.
    fn default() -> Self {
        Self {
            ttl: Duration::from_secs(180),
            stale_while_revalidate: Duration::from_secs(15 * 60),
            stale_if_error: Duration::from_secs(24 * 60 * 60),
            negative_ttl: Duration::from_secs(20),
        }
    }
}

impl CachePolicy {
    /// Nothing is reused once a discovery has finished. Callers that arrive while one runs
    /// still share it: single-flight cannot be turned off.
    pub const fn disabled() -> Self {
        Self {
            ttl: Duration::ZERO,
            stale_while_revalidate: Duration::ZERO,
            stale_if_error: Duration::ZERO,
            negative_ttl: Duration::ZERO,
        }
    }

    pub fn with_ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    pub fn with_stale_while_revalidate(mut self, window: Duration) -> Self {
        self.stale_while_revalidate = window;
        self
    }

    pub fn with_stale_if_error(mut self, window: Duration) -> Self {
        self.stale_if_error = window;
        self
    }

    pub fn with_negative_ttl(mut self, ttl: Duration) -> Self {
        self.negative_ttl = ttl;
        self
    }
}

/// Whose regions: a backend id and a fingerprint of the account's config section.
///
/// Two sections with other credentials or another `endpoint` see other regions, so they get
/// other keys; `regions` is left out of the fingerprint, since the resolver applies it to the
/// same discovered list. The fingerprint is a truncated SHA-256: it names a file on disk
/// without revealing the section's secrets.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AccountKey {
    pub backend: String,
    pub account: String,
}

impl AccountKey {
    pub fn new(backend: impl Into<String>, account: impl Into<String>) -> Self {
        Self {
            backend: backend.into(),
            account: account.into(),
        }
    }

    /// The key of a backend section; `backend` is the canonical id (the section may use an
    /// alias).
    pub fn for_section(backend: &str, section: &BackendConfig) -> Self {
        Self::for_keys(backend, &account_keys(section))
    }

    fn for_keys(backend: &str, keys: &Mapping) -> Self {
        Self::new(backend, account_fingerprint(backend, keys))
    }
}

impl fmt::Display for AccountKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.backend, self.account)
    }
}

/// Whether a section says nothing about an account: only `type` (and maybe `regions`), as the
/// CLI builds for `--offline` without a config. Such a section may use any account's snapshot.
pub fn is_bare(section: &BackendConfig) -> bool {
    account_keys(section).is_empty()
}

/// The section's account key, and whether the section is bare, from one read of it.
pub(crate) fn account_of(backend: &str, section: &BackendConfig) -> (AccountKey, bool) {
    let keys = account_keys(section);
    (AccountKey::for_keys(backend, &keys), keys.is_empty())
}

/// The section's keys that identify an account: all but `type` and `regions`.
fn account_keys(section: &BackendConfig) -> Mapping {
    let mut keys = section
        .parse::<Mapping>(section.backend())
        .unwrap_or_default();
    keys.remove("type");
    keys.remove("regions");
    keys
}

fn account_fingerprint(backend: &str, keys: &Mapping) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"regionkit account v1\n");
    hasher.update(backend.as_bytes());
    hash_mapping(&mut hasher, keys);
    hasher
        .finalize()
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Feed a YAML value to the hasher unambiguously (every item tagged and length-prefixed),
/// with mapping keys in a stable order, so key order in the file does not change the key.
fn hash_value(hasher: &mut Sha256, value: &Value) {
    let text = |hasher: &mut Sha256, tag: &[u8], text: &str| {
        hasher.update(tag);
        hasher.update((text.len() as u64).to_le_bytes());
        hasher.update(text.as_bytes());
    };
    match value {
        Value::Null => hasher.update(b"n"),
        Value::Bool(b) => hasher.update(if *b { b"t" } else { b"f" }),
        Value::Number(n) => text(hasher, b"#", &n.to_string()),
        Value::String(s) => text(hasher, b"s", s),
        Value::Sequence(items) => {
            hasher.update(b"[");
            hasher.update((items.len() as u64).to_le_bytes());
            for item in items {
                hash_value(hasher, item);
            }
        }
        Value::Mapping(mapping) => hash_mapping(hasher, mapping),
        Value::Tagged(tagged) => {
            text(hasher, b"!", &tagged.tag.to_string());
            hash_value(hasher, &tagged.value);
        }
    }
}

fn hash_mapping(hasher: &mut Sha256, mapping: &Mapping) {
    let mut entries: Vec<(String, &Value, &Value)> = mapping
        .iter()
        .map(|(k, v)| {
            let order = match k {
                Value::String(s) => s.clone(),
                other => format!("{other:?}"),
            };
            (order, k, v)
        })
        .collect();
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    hasher.update(b"{");
    hasher.update((entries.len() as u64).to_le_bytes());
    for (_, key, value) in entries {
        hash_value(hasher, key);
        hash_value(hasher, value);
    }
}

/// A successful live discovery, as the cache keeps it.
#[derive(Clone, Debug)]
pub(crate) struct Fetched {
    pub regions: Arc<Vec<Region>>,
    /// What the provider warned about while answering; repeated with every use of the answer.
    pub warnings: Arc<Vec<String>>,
    /// Wall-clock time of the discovery, for labels.
    pub fetched_at: SystemTime,
    /// Monotonic time of the discovery, for ages.
    stored: Instant,
}

impl Fetched {
    pub fn new((regions, warnings): (Vec<Region>, Vec<String>)) -> Self {
        Self {
            regions: Arc::new(regions),
            warnings: Arc::new(warnings),
            fetched_at: SystemTime::now(),
            stored: Instant::now(),
        }
    }

    pub fn age(&self) -> Duration {
        self.stored.elapsed()
    }

    /// When this answer stops being fresh under a lifetime of `ttl`; `None` when that is
    /// beyond what the clock can say (any lifetime is accepted, none may overflow it).
    pub fn fresh_until(&self, ttl: Duration) -> Option<std::time::Instant> {
        self.stored.into_std().checked_add(ttl)
    }
}

/// What every caller of one discovery receives.
pub(crate) type FlightResult = Result<Fetched, ProviderError>;

/// A discovery in progress that any number of callers can await.
pub(crate) type Flight = Shared<BoxFuture<'static, FlightResult>>;

/// What the cache can answer without discovering.
#[derive(Debug)]
pub(crate) enum Lookup {
    /// A fresh answer.
    Fresh(Fetched),
    /// A stale answer that may still be served; `revalidate` says whether the caller should
    /// start the background refresh (none runs yet and the last one did not just fail).
    Stale { value: Fetched, revalidate: bool },
    /// The last discovery failed less than `negative_ttl` ago.
    Failed { error: ProviderError, age: Duration },
    /// Nothing usable: discover.
    Miss,
}

#[derive(Default)]
struct Entry {
    good: Option<Fetched>,
    failure: Option<(ProviderError, Instant)>,
    flight: Option<(u64, Flight)>,
    /// How long anything in the entry can serve a caller, by the policy it was fetched under.
    horizon: Duration,
}

impl Entry {
    /// Whether nothing in the entry can serve a caller any more.
    fn is_spent(&self) -> bool {
        self.flight.is_none()
            && self
                .good
                .as_ref()
                .is_none_or(|good| good.age() > self.horizon)
            && self
                .failure
                .as_ref()
                .is_none_or(|(_, at)| at.elapsed() > self.horizon)
    }
}

impl CachePolicy {
    /// The longest any answer or failure is used under this policy.
    fn horizon(&self) -> Duration {
        self.ttl
            .saturating_add(self.stale_while_revalidate.max(self.stale_if_error))
            .max(self.negative_ttl)
    }
}

/// Entries beyond this count trigger a sweep of spent ones.
const SWEEP_ABOVE: usize = 256;

/// Discovered regions per backend account, shared by every clone of a [`crate::RegionKit`].
#[derive(Default)]
pub struct RegionCache {
    entries: Mutex<HashMap<AccountKey, Entry>>,
    next_flight: AtomicU64,
}

impl fmt::Debug for RegionCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RegionCache")
            .field("entries", &self.len())
            .finish_non_exhaustive()
    }
}

impl RegionCache {
    pub fn new() -> Self {
        Self::default()
    }

    /// Accounts with an entry.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Forget every answer and failure; discoveries in progress finish and are recorded.
    pub fn clear(&self) {
        let mut entries = self.lock();
        entries.retain(|_, entry| entry.flight.is_some());
        for entry in entries.values_mut() {
            entry.good = None;
            entry.failure = None;
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<AccountKey, Entry>> {
        self.entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub(crate) fn lookup(&self, key: &AccountKey, policy: &CachePolicy) -> Lookup {
        let entries = self.lock();
        let Some(entry) = entries.get(key) else {
            return Lookup::Miss;
        };
        let recent_failure = entry
            .failure
            .as_ref()
            .filter(|(_, at)| at.elapsed() < policy.negative_ttl);
        if let Some(good) = &entry.good {
            let age = good.age();
            if age < policy.ttl {
                return Lookup::Fresh(good.clone());
            }
            if age < policy.ttl.saturating_add(policy.stale_while_revalidate) {
                return Lookup::Stale {
                    value: good.clone(),
                    revalidate: entry.flight.is_none() && recent_failure.is_none(),
                };
            }
        }
        match recent_failure {
            // A discovery already running is better than repeating the last failure.
            Some((error, at)) if entry.flight.is_none() => Lookup::Failed {
                error: error.clone(),
                age: at.elapsed(),
            },
            _ => Lookup::Miss,
        }
    }

    /// The last good answer if it may stand in for a failed discovery.
    pub(crate) fn usable_after_error(
        &self,
        key: &AccountKey,
        policy: &CachePolicy,
    ) -> Option<Fetched> {
        let entries = self.lock();
        let good = entries.get(key)?.good.as_ref()?;
        (good.age() < policy.ttl.saturating_add(policy.stale_if_error)).then(|| good.clone())
    }

    /// Join the discovery in progress for `key`, or start one with `discover`.
    ///
    /// The discovery runs as its own task: it finishes and is recorded even when every caller
    /// has stopped waiting (a caller's deadline passed, or a stale answer was served while it
    /// refreshes). Must be called within a Tokio runtime.
    pub(crate) fn flight<F>(
        self: &Arc<Self>,
        key: &AccountKey,
        policy: &CachePolicy,
        discover: impl FnOnce() -> F,
    ) -> Flight
    where
        F: Future<Output = Result<(Vec<Region>, Vec<String>), ProviderError>> + Send + 'static,
    {
        let mut entries = self.lock();
        if entries.len() > SWEEP_ABOVE {
            entries.retain(|_, entry| !entry.is_spent());
        }
        let entry = entries.entry(key.clone()).or_default();
        if let Some((_, flight)) = &entry.flight {
            return flight.clone();
        }
        entry.horizon = policy.horizon();
        let id = self.next_flight.fetch_add(1, Ordering::Relaxed);
        let discovery = discover();
        let recorder = Recorder {
            cache: Arc::clone(self),
            key: key.clone(),
            id,
            done: false,
        };
        // The entry is locked until the flight is stored in it, so the task cannot record
        // (and clear the flight) before it is there.
        let task = tokio::spawn(async move {
            let mut recorder = recorder;
            let result = discovery.await;
            recorder.record(result)
        });
        let backend = key.backend.clone();
        let flight = async move {
            task.await.unwrap_or_else(|e| {
                Err(ProviderError::unavailable(
                    backend,
                    format!("internal error: the discovery task failed ({e})"),
                ))
            })
        }
        .boxed()
        .shared();
        entry.flight = Some((id, flight.clone()));
        flight
    }
}

/// Records a flight's outcome in its entry, and clears the flight even if discovery panicked.
struct Recorder {
    cache: Arc<RegionCache>,
    key: AccountKey,
    id: u64,
    done: bool,
}

impl Recorder {
    fn record(
        &mut self,
        result: Result<(Vec<Region>, Vec<String>), ProviderError>,
    ) -> FlightResult {
        self.done = true;
        let outcome = result.map(Fetched::new);
        let mut entries = self.cache.lock();
        let entry = entries.entry(self.key.clone()).or_default();
        if entry.flight.as_ref().is_some_and(|(id, _)| *id == self.id) {
            entry.flight = None;
        }
        match &outcome {
            Ok(fetched) => {
                entry.good = Some(fetched.clone());
                entry.failure = None;
            }
            Err(error) => entry.failure = Some((error.clone(), Instant::now())),
        }
        outcome
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        let mut entries = self.cache.lock();
        if let Some(entry) = entries.get_mut(&self.key) {
            if entry.flight.as_ref().is_some_and(|(id, _)| *id == self.id) {
                entry.flight = None;
                entry.failure = Some((
                    ProviderError::unavailable(
                        self.key.backend.clone(),
                        "internal error: discovery stopped before it finished",
                    ),
                    Instant::now(),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn section(yaml: &str) -> BackendConfig {
        Config::from_yaml(yaml, None, None)
            .map(|mut c| c.backends.remove(0))
            .unwrap_or_else(|e| panic!("test config: {e}"))
    }

    #[test]
    fn account_key_ignores_regions_and_key_order() {
        let a = section("backends:\n  - type: lambda\n    creds: {type: api_key, api_key: k1}\n    regions: [us-east-1]\n");
        let b = section("backends:\n  - creds: {api_key: k1, type: api_key}\n    type: lambda\n");
        assert_eq!(
            AccountKey::for_section("lambda", &a),
            AccountKey::for_section("lambda", &b)
        );
    }

    #[test]
    fn account_key_differs_by_credentials_and_never_contains_them() {
        let a = section(
            "backends:\n  - type: lambda\n    creds: {type: api_key, api_key: canary-key-1}\n",
        );
        let b = section(
            "backends:\n  - type: lambda\n    creds: {type: api_key, api_key: canary-key-2}\n",
        );
        let (ka, kb) = (
            AccountKey::for_section("lambda", &a),
            AccountKey::for_section("lambda", &b),
        );
        assert_ne!(ka, kb);
        assert!(!ka.to_string().contains("canary"), "{ka}");
        assert_eq!(ka.account.len(), 32);
    }

    #[test]
    fn a_section_with_only_type_and_regions_is_bare() {
        assert!(is_bare(&BackendConfig::bare("lambda")));
        assert!(is_bare(&section(
            "backends:\n  - type: lambda\n    regions: [us-east-1]\n"
        )));
        assert!(!is_bare(&section(
            "backends:\n  - type: lambda\n    endpoint: http://127.0.0.1:9\n"
        )));
    }

    fn good() -> Result<(Vec<Region>, Vec<String>), ProviderError> {
        Ok((vec![Region::new("us-east-1")], Vec::new()))
    }

    fn failed() -> Result<(Vec<Region>, Vec<String>), ProviderError> {
        Err(ProviderError::unavailable("lambda", "scripted outage"))
    }

    /// Ten seconds fresh, ten more stale-while-revalidate, thirty stale-if-error, five of rest.
    fn timed() -> CachePolicy {
        CachePolicy::default()
            .with_ttl(Duration::from_secs(10))
            .with_stale_while_revalidate(Duration::from_secs(10))
            .with_stale_if_error(Duration::from_secs(30))
            .with_negative_ttl(Duration::from_secs(5))
    }

    fn kind(lookup: &Lookup) -> &'static str {
        match lookup {
            Lookup::Fresh(_) => "fresh",
            Lookup::Stale {
                revalidate: true, ..
            } => "stale+revalidate",
            Lookup::Stale {
                revalidate: false, ..
            } => "stale",
            Lookup::Failed { .. } => "failed",
            Lookup::Miss => "miss",
        }
    }

    #[tokio::test(start_paused = true)]
    async fn an_answer_is_fresh_then_stale_then_gone_exactly_at_its_boundaries() {
        let cache = Arc::new(RegionCache::new());
        let key = AccountKey::new("lambda", "acct");
        let policy = timed();
        assert!(cache
            .flight(&key, &policy, || async { good() })
            .await
            .is_ok());
        let at = |secs: u64| Duration::from_secs(secs);
        tokio::time::advance(at(5)).await;
        assert_eq!(kind(&cache.lookup(&key, &policy)), "fresh");
        tokio::time::advance(at(5)).await;
        assert_eq!(
            kind(&cache.lookup(&key, &policy)),
            "stale+revalidate",
            "at the TTL"
        );
        tokio::time::advance(at(10)).await;
        assert_eq!(
            kind(&cache.lookup(&key, &policy)),
            "miss",
            "at TTL + revalidate"
        );
        // Stale-if-error reaches further, and ends exactly at TTL + stale-if-error.
        assert!(cache.usable_after_error(&key, &policy).is_some());
        tokio::time::advance(at(20)).await;
        assert!(cache.usable_after_error(&key, &policy).is_none());
        let until = cache
            .usable_after_error(&key, &CachePolicy::default())
            .and_then(|f| f.fresh_until(Duration::from_secs(60)));
        assert!(until.is_some());
    }

    #[tokio::test(start_paused = true)]
    async fn a_failure_is_remembered_for_the_negative_ttl_and_no_longer() {
        let cache = Arc::new(RegionCache::new());
        let key = AccountKey::new("lambda", "acct");
        let policy = timed();
        assert!(cache
            .flight(&key, &policy, || async { failed() })
            .await
            .is_err());
        tokio::time::advance(Duration::from_secs(4)).await;
        assert_eq!(kind(&cache.lookup(&key, &policy)), "failed");
        tokio::time::advance(Duration::from_secs(1)).await;
        assert_eq!(
            kind(&cache.lookup(&key, &policy)),
            "miss",
            "at the negative TTL"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_stale_answer_after_a_failure_is_served_without_asking_again() {
        let cache = Arc::new(RegionCache::new());
        let key = AccountKey::new("lambda", "acct");
        let policy = timed();
        assert!(cache
            .flight(&key, &policy, || async { good() })
            .await
            .is_ok());
        tokio::time::advance(Duration::from_secs(12)).await;
        assert!(cache
            .flight(&key, &policy, || async { failed() })
            .await
            .is_err());
        assert_eq!(kind(&cache.lookup(&key, &policy)), "stale");
    }

    #[tokio::test(start_paused = true)]
    async fn a_discovery_under_way_is_better_than_repeating_the_last_failure() {
        let cache = Arc::new(RegionCache::new());
        let key = AccountKey::new("lambda", "acct");
        let policy = timed();
        assert!(cache
            .flight(&key, &policy, || async { failed() })
            .await
            .is_err());
        let _pending = cache.flight(&key, &policy, std::future::pending);
        assert_eq!(kind(&cache.lookup(&key, &policy)), "miss");
    }

    #[tokio::test]
    async fn a_discovery_that_panics_leaves_a_failure_not_a_stuck_flight() {
        let cache = Arc::new(RegionCache::new());
        let key = AccountKey::new("lambda", "acct");
        let policy = timed();
        let result = cache
            .flight(&key, &policy, || async {
                // `black_box` keeps the answer after the panic reachable, so the types hold.
                if std::hint::black_box(true) {
                    panic!("scripted panic in discovery");
                }
                good()
            })
            .await;
        assert!(result.is_err());
        match cache.lookup(&key, &policy) {
            Lookup::Failed { error, .. } => {
                assert!(error.message.contains("internal error"), "{error}")
            }
            other => panic!("expected the failure, got {}", kind(&other)),
        }
    }

    #[tokio::test]
    async fn the_cache_counts_clears_and_describes_itself() {
        let cache = Arc::new(RegionCache::new());
        assert!(cache.is_empty());
        let key = AccountKey::new("lambda", "acct");
        assert!(cache
            .flight(&key, &CachePolicy::default(), || async { good() })
            .await
            .is_ok());
        assert_eq!(cache.len(), 1);
        assert!(!cache.is_empty());
        assert!(format!("{cache:?}").contains("entries: 1"), "{cache:?}");
        cache.clear();
        assert_eq!(cache.len(), 0);
        assert_eq!(kind(&cache.lookup(&key, &CachePolicy::default())), "miss");
        assert_eq!(key.to_string(), "lambda/acct");
        let policy = CachePolicy::default().with_negative_ttl(Duration::from_secs(7));
        assert_eq!(policy.negative_ttl, Duration::from_secs(7));
        assert_eq!(
            timed().horizon(),
            Duration::from_secs(40),
            "TTL plus the longer stale window"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_failure_is_swept_once_past_its_horizon_and_kept_while_recent() {
        let cache = Arc::new(RegionCache::new());
        let policy = timed();
        let old = AccountKey::new("lambda", "old-failure");
        assert!(cache
            .flight(&old, &policy, || async { failed() })
            .await
            .is_err());
        tokio::time::advance(policy.horizon() + Duration::from_secs(1)).await;
        let recent = AccountKey::new("lambda", "recent-failure");
        assert!(cache
            .flight(&recent, &policy, || async { failed() })
            .await
            .is_err());
        // Two entries, then spent ones until the count passes the threshold: the last insert
        // sweeps.
        for i in 0..SWEEP_ABOVE {
            let key = AccountKey::new("lambda", format!("spent-{i}"));
            assert!(cache
                .flight(&key, &CachePolicy::disabled(), || async { good() })
                .await
                .is_ok());
            tokio::time::advance(Duration::from_millis(1)).await;
        }
        // The sweep took the old failure and the spent answers, and kept the recent failure.
        assert_eq!(cache.len(), 2);
        assert_eq!(kind(&cache.lookup(&recent, &policy)), "failed");
    }

    #[tokio::test]
    async fn spent_entries_are_swept_only_past_the_threshold_and_live_ones_never() {
        let cache = Arc::new(RegionCache::new());
        let live = AccountKey::new("lambda", "live");
        assert!(cache
            .flight(&live, &CachePolicy::default(), || async { good() })
            .await
            .is_ok());
        // Spent entries (nothing can serve a caller) pile up to the threshold untouched...
        for i in 0..SWEEP_ABOVE {
            let key = AccountKey::new("lambda", format!("spent-{i}"));
            assert!(cache
                .flight(&key, &CachePolicy::disabled(), || async { good() })
                .await
                .is_ok());
        }
        assert_eq!(cache.len(), SWEEP_ABOVE + 1);
        // ...and the next one past it sweeps them, keeping the live entry.
        let last = AccountKey::new("lambda", "last");
        assert!(cache
            .flight(&last, &CachePolicy::disabled(), || async { good() })
            .await
            .is_ok());
        assert_eq!(cache.len(), 2);
        assert_eq!(kind(&cache.lookup(&live, &CachePolicy::default())), "fresh");
    }

    #[tokio::test]
    async fn spent_entries_are_swept_once_the_cache_grows() {
        let cache = Arc::new(RegionCache::new());
        let policy = CachePolicy::disabled();
        for i in 0..(SWEEP_ABOVE * 2) {
            let key = AccountKey::new("lambda", format!("account-{i}"));
            let fetched = cache
                .flight(&key, &policy, || async {
                    Ok((vec![Region::new("us-east-1")], Vec::new()))
                })
                .await;
            assert!(fetched.is_ok());
        }
        assert!(cache.len() <= SWEEP_ABOVE + 1, "{} entries", cache.len());
    }

    #[tokio::test]
    async fn concurrent_flights_of_one_key_run_one_discovery() {
        let cache = Arc::new(RegionCache::new());
        let key = AccountKey::new("lambda", "account");
        let runs = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let flights: Vec<_> = (0..50)
            .map(|_| {
                let runs = Arc::clone(&runs);
                cache.flight(&key, &CachePolicy::default(), move || async move {
                    runs.fetch_add(1, Ordering::SeqCst);
                    tokio::task::yield_now().await;
                    Ok((vec![Region::new("us-east-1")], Vec::new()))
                })
            })
            .collect();
        for flight in flights {
            assert!(flight.await.is_ok());
        }
        assert_eq!(runs.load(Ordering::SeqCst), 1);
    }
}
