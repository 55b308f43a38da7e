//! The backends linked into this program.
//!
//! Each backend crate registers a [`BackendDescriptor`] with `inventory::submit!`; core
//! collects them at link time. Hosts where link-time collection does not run build a
//! [`Registry`] from descriptors explicitly.

use std::fmt;
use std::sync::Arc;

use crate::config::BackendConfig;
use crate::error::{Error, Result};
use crate::policy::RegionPolicy;
use crate::provider::RegionProvider;

/// Builds a backend's provider from its config section.
pub type BuildProvider = fn(&BackendConfig) -> Result<Arc<dyn RegionProvider>>;

/// Everything core needs to know about one backend.
#[derive(Clone, Copy)]
pub struct BackendDescriptor {
    pub id: &'static str,
    pub aliases: &'static [&'static str],
    pub display_name: &'static str,
    /// One line on the API called ("GET /api/v1/regions + /api/v1/instance-types").
    pub api: &'static str,
    pub policy: RegionPolicy,
    /// Config keys the backend reads besides the shared ones, for the docs.
    pub config_keys: &'static [&'static str],
    /// Credential shapes accepted (`api_key`, `access_key`, `default`), for the docs.
    pub credential_shapes: &'static [&'static str],
    pub build: BuildProvider,
}

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
            credential_shapes: &[],
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

    pub const fn with_credential_shapes(mut self, shapes: &'static [&'static str]) -> Self {
        self.credential_shapes = shapes;
        self
    }

    /// Whether `name` is this backend's id or one of its aliases, ignoring case.
    pub fn answers_to(&self, name: &str) -> bool {
        self.id.eq_ignore_ascii_case(name)
            || self.aliases.iter().any(|a| a.eq_ignore_ascii_case(name))
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
