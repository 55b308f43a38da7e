//! Curated region lists and the reasons a region is left out.
//!
//! A curated list exists only with a stated reason (DESIGN §1): `pinned` regions are the only
//! ones where the orchestrator's OS image is published, `defaults` is a vetted subset used
//! when the user names no regions, and `known` is the last full list seen, used offline and as
//! the fallback of last resort. The lists are data (`data/regions/<backend>.toml`), compiled
//! into each backend crate by `cargo xtask codegen`.

use std::fmt;
use std::time::{Duration, SystemTime};

use serde::Serialize;

/// A curated list of region ids with its provenance.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct CuratedList {
    pub regions: &'static [&'static str],
    /// Why the list exists, in one sentence.
    pub reason: &'static str,
    /// Where the list was taken from.
    pub source: &'static str,
    /// When it was last checked against its source (ISO date).
    pub as_of: &'static str,
    /// What the user can do to get past the list (for `pinned`: how to bring an image).
    pub hint: &'static str,
}

impl CuratedList {
    pub const fn new(
        regions: &'static [&'static str],
        reason: &'static str,
        source: &'static str,
        as_of: &'static str,
    ) -> Self {
        Self {
            regions,
            reason,
            source,
            as_of,
            hint: "",
        }
    }

    pub const fn with_hint(mut self, hint: &'static str) -> Self {
        self.hint = hint;
        self
    }

    pub const EMPTY: Self = Self::new(&[], "", "", "");

    /// `as_of` as a point in time (midnight UTC), when it is a `YYYY-MM-DD` date.
    pub fn as_of_time(&self) -> Option<SystemTime> {
        let mut parts = self.as_of.splitn(3, '-').map(|p| p.parse::<i64>().ok());
        let (year, month, day) = (parts.next()??, parts.next()??, parts.next()??);
        if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
            return None;
        }
        // Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
        let y = if month <= 2 { year - 1 } else { year };
        let era = y.div_euclid(400);
        let year_of_era = y - era * 400;
        let shifted_month = (month + 9) % 12;
        let day_of_year = (153 * shifted_month + 2) / 5 + day - 1;
        let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
        let days = era * 146_097 + day_of_era - 719_468;
        let seconds = u64::try_from(days.checked_mul(86_400)?).ok()?;
        SystemTime::UNIX_EPOCH.checked_add(Duration::from_secs(seconds))
    }

    pub fn contains(&self, id: &str) -> bool {
        self.regions.iter().any(|r| r.eq_ignore_ascii_case(id))
    }

    pub fn len(&self) -> usize {
        self.regions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.regions.is_empty()
    }
}

/// What a backend's regions are: the provider's, or a cluster's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PolicyScope {
    /// Regions are the provider's, discovered through its API.
    Provider,
    /// Regions are whatever one cluster reports; no builtin list can know them.
    Cluster,
}

/// The region policy of one backend.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RegionPolicy {
    pub pinned: Option<CuratedList>,
    pub defaults: Option<CuratedList>,
    pub known: CuratedList,
    pub scope: PolicyScope,
}

impl RegionPolicy {
    /// A provider-scoped policy with no pinned or default list.
    pub const fn dynamic(known: CuratedList) -> Self {
        Self {
            pinned: None,
            defaults: None,
            known,
            scope: PolicyScope::Provider,
        }
    }

    /// A cluster-scoped policy: regions come only from the cluster.
    pub const fn cluster() -> Self {
        Self {
            pinned: None,
            defaults: None,
            known: CuratedList::EMPTY,
            scope: PolicyScope::Cluster,
        }
    }

    pub const fn with_pinned(mut self, pinned: CuratedList) -> Self {
        self.pinned = Some(pinned);
        self
    }

    pub const fn with_defaults(mut self, defaults: CuratedList) -> Self {
        self.defaults = Some(defaults);
        self
    }

    pub fn kind(&self) -> PolicyKind {
        match (self.scope, self.pinned.is_some(), self.defaults.is_some()) {
            (PolicyScope::Cluster, _, _) => PolicyKind::Cluster,
            (_, true, true) => PolicyKind::PinnedAndDefaults,
            (_, true, false) => PolicyKind::Pinned,
            (_, false, true) => PolicyKind::Defaults,
            (_, false, false) => PolicyKind::Dynamic,
        }
    }
}

/// The policy as users see it in `regionkit backends` and JSON output.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[non_exhaustive]
pub enum PolicyKind {
    #[serde(rename = "dynamic")]
    Dynamic,
    #[serde(rename = "pinned")]
    Pinned,
    #[serde(rename = "defaults")]
    Defaults,
    #[serde(rename = "pinned+defaults")]
    PinnedAndDefaults,
    #[serde(rename = "cluster")]
    Cluster,
}

impl PolicyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Dynamic => "dynamic",
            Self::Pinned => "pinned",
            Self::Defaults => "defaults",
            Self::PinnedAndDefaults => "pinned+defaults",
            Self::Cluster => "cluster",
        }
    }
}

impl fmt::Display for PolicyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a discovered region is not in the answer. Each excluded region carries exactly one,
/// the first that applies in the order of the flow: status, policy, per-region settings,
/// backend config, run config. The variants are declared, and so ordered, in that order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum ExclusionReason {
    NotEnabled,
    Unavailable,
    NoImage,
    NotInDefaults,
    MissingRegionConfig,
    NotInBackendConfig,
    NotInRunConfig,
}

impl ExclusionReason {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotEnabled => "not-enabled",
            Self::Unavailable => "unavailable",
            Self::NoImage => "no-image",
            Self::NotInDefaults => "not-in-defaults",
            Self::MissingRegionConfig => "missing-region-config",
            Self::NotInBackendConfig => "not-in-backend-config",
            Self::NotInRunConfig => "not-in-run-config",
        }
    }

    /// One sentence for `regionkit explain`.
    pub fn explanation(self) -> &'static str {
        match self {
            Self::NotEnabled => "the account has not enabled this region",
            Self::Unavailable => "the provider reports the region as unavailable",
            Self::NoImage => "the orchestrator's OS image is not published in this region",
            Self::NotInDefaults => {
                "not in the vetted default list, used because no regions were named"
            }
            Self::MissingRegionConfig => {
                "the backend config has no per-region settings for this region"
            }
            Self::NotInBackendConfig => "not named by `regions` in the backend config",
            Self::NotInRunConfig => "not named by the run's `regions` or `--region`",
        }
    }
}

impl fmt::Display for ExclusionReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIST: CuratedList = CuratedList::new(&["us-east-1", "eu-west-1"], "r", "s", "2026-01-01");

    #[test]
    fn policy_kind_follows_the_lists_present() {
        assert_eq!(RegionPolicy::dynamic(LIST).kind(), PolicyKind::Dynamic);
        assert_eq!(
            RegionPolicy::dynamic(LIST).with_pinned(LIST).kind(),
            PolicyKind::Pinned
        );
        assert_eq!(
            RegionPolicy::dynamic(LIST).with_defaults(LIST).kind(),
            PolicyKind::Defaults
        );
        assert_eq!(
            RegionPolicy::dynamic(LIST)
                .with_pinned(LIST)
                .with_defaults(LIST)
                .kind(),
            PolicyKind::PinnedAndDefaults
        );
        assert_eq!(RegionPolicy::cluster().kind(), PolicyKind::Cluster);
    }

    #[test]
    fn as_of_dates_become_midnight_utc() {
        let list = CuratedList::new(&[], "r", "s", "2026-08-21");
        let since_epoch = list
            .as_of_time()
            .unwrap()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap();
        assert_eq!(since_epoch.as_secs(), 1_787_270_400);
        assert_eq!(
            CuratedList::new(&[], "r", "s", "1970-01-01").as_of_time(),
            Some(SystemTime::UNIX_EPOCH)
        );
        assert_eq!(
            CuratedList::new(&[], "r", "s", "someday").as_of_time(),
            None
        );
        assert_eq!(
            CuratedList::new(&[], "r", "s", "2026-13-01").as_of_time(),
            None
        );
    }

    #[test]
    fn curated_lists_match_case_insensitively() {
        assert!(LIST.contains("US-EAST-1"));
        assert!(!LIST.contains("us-east-2"));
    }
}
