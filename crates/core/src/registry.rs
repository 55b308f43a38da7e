//! The backends linked into this program.
//!
//! Each backend crate registers a [`BackendDescriptor`] with `inventory::submit!`; core
//! collects them at link time. Hosts where link-time collection does not run build a
//! [`Registry`] from descriptors explicitly.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::config::BackendConfig;
use crate::error::{Error, Result};
use crate::policy::RegionPolicy;
use crate::provider::RegionProvider;

/// Builds a backend's provider from its config section.
pub type BuildProvider = fn(&BackendConfig) -> Result<Arc<dyn RegionProvider>>;

/// Everything core needs to know about one backend.
#[derive(Clone, Copy)]
#[non_exhaustive]
pub struct BackendDescriptor {
    pub id: &'static str,
    pub aliases: &'static [&'static str],
    pub display_name: &'static str,
    /// One line on the API called ("GET /api/v1/regions + /api/v1/instance-types").
    pub api: &'static str,
    pub policy: RegionPolicy,
    /// Config keys the backend reads besides the shared ones, for the docs.
    pub config_keys: &'static [&'static str],
    /// Keys the orchestrator's own config defines for this backend that regionkit does not
    /// read (dstack's `tags`, `public_ips`): accepted, so a real `config.yml` loads unchanged.
    pub orchestrator_keys: &'static [&'static str],
    /// Credential shapes accepted (`api_key`, `access_key`, `default`), for the docs.
    pub credential_shapes: &'static [&'static str],
    /// Limits of this backend's requests where the shared policy does not fit a slow API.
    pub tuning: BackendTuning,
    pub build: BuildProvider,
}

/// Per-backend overrides of the shared HTTP and cache policy; `None` keeps the kit's own.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct BackendTuning {
    /// Longest wait for one request.
    pub request_timeout: Option<Duration>,
    /// Largest response body read.
    pub max_body_bytes: Option<usize>,
    /// How long a discovery stays fresh.
    pub cache_ttl: Option<Duration>,
    /// How long a refinement of one region stays fresh (it is often slower and changes less
    /// than the listing); the discovery's lifetime when unset.
    pub refine_ttl: Option<Duration>,
    /// Refinements in flight at once for one resolve.
    pub refine_concurrency: usize,
}

impl BackendTuning {
    /// The shared policy everywhere, and eight refinements in flight.
    pub const DEFAULT: Self = Self {
        request_timeout: None,
        max_body_bytes: None,
        cache_ttl: None,
        refine_ttl: None,
        refine_concurrency: 8,
    };
}

/// The keys core reads in every backend section.
pub const SHARED_KEYS: &[&str] = &["type", "regions", "endpoint", "allow_http"];

impl BackendDescriptor {
    pub const fn new(
        id: &'static str,
        display_name: &'static str,
        api: &'static str,
        policy: RegionPolicy,
        build: BuildProvider,
    ) -> Self {
        Self {
            id,
            aliases: &[],
            display_name,
            api,
            policy,
            config_keys: &[],
            orchestrator_keys: &[],
            credential_shapes: &[],
            tuning: BackendTuning::DEFAULT,
            build,
        }
    }

    pub const fn with_aliases(mut self, aliases: &'static [&'static str]) -> Self {
        self.aliases = aliases;
        self
    }

    pub const fn with_config_keys(mut self, keys: &'static [&'static str]) -> Self {
        self.config_keys = keys;
        self
    }

    pub const fn with_orchestrator_keys(mut self, keys: &'static [&'static str]) -> Self {
        self.orchestrator_keys = keys;
        self
    }

    pub const fn with_credential_shapes(mut self, shapes: &'static [&'static str]) -> Self {
        self.credential_shapes = shapes;
        self
    }

    pub const fn with_request_timeout(mut self, timeout: Duration) -> Self {
        self.tuning.request_timeout = Some(timeout);
        self
    }

    pub const fn with_max_body_bytes(mut self, bytes: usize) -> Self {
        self.tuning.max_body_bytes = Some(bytes);
        self
    }

    pub const fn with_cache_ttl(mut self, ttl: Duration) -> Self {
        self.tuning.cache_ttl = Some(ttl);
        self
    }

    /// How long refinements stay fresh, and how many run at once (at least one).
    pub const fn with_refinement(mut self, ttl: Duration, concurrency: usize) -> Self {
        self.tuning.refine_ttl = Some(ttl);
        self.tuning.refine_concurrency = if concurrency == 0 { 1 } else { concurrency };
        self
    }

    /// Whether `name` is this backend's id or one of its aliases, ignoring case.
    pub fn answers_to(&self, name: &str) -> bool {
        self.id.eq_ignore_ascii_case(name)
            || self.aliases.iter().any(|a| a.eq_ignore_ascii_case(name))
    }

    /// Every key a section of this backend may hold: the shared ones, the backend's own and
    /// the orchestrator's.
    pub fn accepts_key(&self, key: &str) -> bool {
        SHARED_KEYS.contains(&key)
            || self.config_keys.contains(&key)
            || self.orchestrator_keys.contains(&key)
    }

    /// The accepted key nearest to a misspelt one, when one is close enough to be meant.
    pub fn nearest_key(&self, key: &str) -> Option<&'static str> {
        SHARED_KEYS
            .iter()
            .chain(self.config_keys)
            .chain(self.orchestrator_keys)
            .map(|k| (strsim::damerau_levenshtein(key, k), *k))
            .filter(|(distance, k)| *distance <= (k.len() / 3).max(2))
            .min()
            .map(|(_, k)| k)
    }
}

impl fmt::Debug for BackendDescriptor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BackendDescriptor")
            .field("id", &self.id)
            .field("aliases", &self.aliases)
            .field("policy", &self.policy.kind())
            .finish_non_exhaustive()
    }
}

/// A link-time registration; submit one per backend crate with `inventory::submit!`.
#[derive(Debug)]
pub struct BackendRegistration {
    pub descriptor: &'static BackendDescriptor,
}

impl BackendRegistration {
    pub const fn new(descriptor: &'static BackendDescriptor) -> Self {
        Self { descriptor }
    }
}

inventory::collect!(BackendRegistration);

/// The backends available to this program, sorted by id.
#[derive(Clone, Debug)]
pub struct Registry {
    backends: Vec<&'static BackendDescriptor>,
}

impl Registry {
    /// Every backend registered at link time.
    pub fn linked() -> Result<Self> {
        Self::from_descriptors(
            inventory::iter::<BackendRegistration>
                .into_iter()
                .map(|r| r.descriptor),
        )
    }

    /// An explicit set of backends, for hosts without link-time collection.
    pub fn from_descriptors(
        descriptors: impl IntoIterator<Item = &'static BackendDescriptor>,
    ) -> Result<Self> {
        let mut backends: Vec<_> = descriptors.into_iter().collect();
        backends.sort_by_key(|d| d.id);
        for pair in backends.windows(2) {
            if pair[0].id == pair[1].id {
                return Err(Error::DuplicateBackend {
                    backend: pair[0].id.to_owned(),
                });
            }
        }
        for (i, d) in backends.iter().enumerate() {
            for alias in d.aliases {
                if backends
                    .iter()
                    .enumerate()
                    .any(|(j, other)| j != i && other.answers_to(alias))
                {
                    return Err(Error::DuplicateBackend {
                        backend: (*alias).to_owned(),
                    });
                }
            }
        }
        Ok(Self { backends })
    }

    /// The backend with this id or alias.
    pub fn get(&self, name: &str) -> Result<&'static BackendDescriptor> {
        self.backends
            .iter()
            .copied()
            .find(|d| d.answers_to(name))
            .ok_or_else(|| Error::UnknownBackend {
                name: name.to_owned(),
                linked: self.ids().map(str::to_owned).collect(),
            })
    }

    pub fn iter(&self) -> impl Iterator<Item = &'static BackendDescriptor> + '_ {
        self.backends.iter().copied()
    }

    pub fn ids(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.backends.iter().map(|d| d.id)
    }

    pub fn is_empty(&self) -> bool {
        self.backends.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::CuratedList;

    fn never(_: &BackendConfig) -> Result<Arc<dyn RegionProvider>> {
        Err(Error::config(
            Default::default(),
            "not buildable in this test",
        ))
    }

    static ALPHA: BackendDescriptor = BackendDescriptor::new(
        "alpha",
        "Alpha",
        "none",
        RegionPolicy::dynamic(CuratedList::EMPTY),
        never,
    )
    .with_aliases(&["first"]);
    static BETA: BackendDescriptor = BackendDescriptor::new(
        "beta",
        "Beta",
        "none",
        RegionPolicy::dynamic(CuratedList::EMPTY),
        never,
    );

    #[test]
    fn registry_is_sorted_and_finds_aliases_case_insensitively() {
        let registry = Registry::from_descriptors([&BETA, &ALPHA]).unwrap();
        assert_eq!(registry.ids().collect::<Vec<_>>(), ["alpha", "beta"]);
        assert_eq!(registry.get("FIRST").unwrap().id, "alpha");
    }

    #[test]
    fn keys_are_the_shared_the_backends_and_the_orchestrators() {
        static GAMMA: BackendDescriptor = BackendDescriptor::new(
            "gamma",
            "Gamma",
            "none",
            RegionPolicy::dynamic(CuratedList::EMPTY),
            never,
        )
        .with_config_keys(&["creds", "vpc_ids"])
        .with_orchestrator_keys(&["public_ips", "tags"]);
        for key in ["type", "regions", "creds", "vpc_ids", "public_ips"] {
            assert!(GAMMA.accepts_key(key), "{key}");
        }
        assert!(!GAMMA.accepts_key("regoins"));
        assert_eq!(GAMMA.nearest_key("regoins"), Some("regions"));
        assert_eq!(GAMMA.nearest_key("vpc_id"), Some("vpc_ids"));
        assert_eq!(GAMMA.nearest_key("publicips"), Some("public_ips"));
        assert_eq!(GAMMA.nearest_key("kubeconfig"), None);
    }

    #[test]
    fn duplicate_ids_are_rejected() {
        let err = Registry::from_descriptors([&ALPHA, &ALPHA]).unwrap_err();
        assert!(matches!(err, Error::DuplicateBackend { .. }));
    }

    #[test]
    fn unknown_backend_names_the_linked_ones() {
        let registry = Registry::from_descriptors([&ALPHA, &BETA]).unwrap();
        let message = registry.get("gamma").unwrap_err().to_string();
        assert!(
            message.contains("gamma") && message.contains("alpha, beta"),
            "{message}"
        );
    }
}
