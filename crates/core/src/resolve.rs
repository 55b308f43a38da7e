//! The resolver: live regions → policy → per-region settings → backend `regions` → run
//! `regions`, giving a [`Resolution`] that keeps some regions and explains every other one.

use std::collections::HashSet;
use std::fmt;
use std::time::SystemTime;

use serde::Serialize;

use crate::error::{Error, ProviderError, Result};
use crate::model::{Region, RegionId, RegionStatus};
use crate::policy::{ExclusionReason, PolicyKind, PolicyScope, RegionPolicy};
use crate::provider::ProviderSettings;

/// Where the regions of a resolution came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Source {
    /// Asked the provider just now.
    Live,
    /// A recent live answer, from the in-process cache.
    Cache,
    /// The last-known-good answer stored on disk.
    Snapshot,
    /// The `known` list compiled into the backend crate.
    Builtin,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Live => "live",
            Self::Cache => "cache",
            Self::Snapshot => "snapshot",
            Self::Builtin => "builtin",
        }
    }

    /// Whether the regions are this account's current view, strict enough to reject names.
    pub fn is_current(self) -> bool {
        matches!(self, Self::Live | Self::Cache)
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A user's list of region names or glob patterns, and the config field it came from,
/// compiled once: names trimmed and lowercased, patterns parsed. Matching allocates nothing
/// for ASCII names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Restriction {
    field: String,
    names: Vec<String>,
    matchers: Vec<Matcher>,
    fingerprint: u64,
}

/// One entry of a restriction, ready to match.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Matcher {
    /// A blank entry: an error to report, not a name.
    Blank,
    /// An exact name, as written (trimmed).
    Name(String),
    /// A glob, lowercased.
    Glob(Glob),
}

impl Restriction {
    pub fn new(field: impl Into<String>, names: Vec<String>) -> Self {
        let field = field.into();
        let matchers = names
            .iter()
            .map(|raw| {
                let name = raw.trim();
                if name.is_empty() {
                    Matcher::Blank
                } else if is_pattern(name) {
                    Matcher::Glob(Glob::new(name))
                } else {
                    Matcher::Name(name.to_owned())
                }
            })
            .collect();
        let fingerprint = {
            use std::hash::{Hash, Hasher};
            let mut hasher = std::collections::hash_map::DefaultHasher::new();
            field.hash(&mut hasher);
            names.hash(&mut hasher);
            hasher.finish()
        };
        Self {
            field,
            names,
            matchers,
            fingerprint,
        }
    }

    /// The config field the names came from (`regions`, `--region`).
    pub fn field(&self) -> &str {
        &self.field
    }

    /// The names and patterns as written.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// A hash of the field and the names, to key answers by restriction without comparing
    /// lists.
    pub fn fingerprint(&self) -> u64 {
        self.fingerprint
    }
}

/// A case-insensitive glob, parsed once.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Glob {
    /// The pattern as written, for messages.
    text: String,
    /// Lowercased; compared byte by byte when both sides are ASCII.
    lower: String,
}

impl Glob {
    fn new(text: &str) -> Self {
        Self {
            text: text.to_owned(),
            lower: text.to_lowercase(),
        }
    }

    fn matches(&self, id: &str) -> bool {
        if self.lower.is_ascii() && id.is_ascii() {
            return glob_match_by(self.lower.as_bytes(), id.as_bytes(), |p, t| {
                p == t.to_ascii_lowercase()
            });
        }
        let pattern: Vec<char> = self.lower.chars().collect();
        let text: Vec<char> = id.to_lowercase().chars().collect();
        glob_match_by(&pattern, &text, |p, t| p == t)
    }
}

/// The discovered regions and everything that narrows them.
#[derive(Clone, Debug)]
pub struct ResolveInput<'a> {
    pub backend: &'a str,
    pub policy: &'a RegionPolicy,
    pub settings: &'a ProviderSettings,
    /// The discovered regions, ids unique (case-insensitively): de-duplicated once when they
    /// were stored ([`dedup_regions`]), not on every resolve.
    pub regions: &'a [Region],
    pub source: Source,
    pub fetched_at: SystemTime,
    pub backend_regions: Option<&'a Restriction>,
    pub run_regions: Option<&'a Restriction>,
}

/// One region left out, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Exclusion {
    pub id: RegionId,
    pub reason: ExclusionReason,
    /// What exactly, where the reason alone does not say it: the config keys without an entry
    /// for the region, or what a refinement found.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl Exclusion {
    pub fn new(id: RegionId, reason: ExclusionReason) -> Self {
        Self {
            id,
            reason,
            detail: None,
        }
    }

    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    /// The detail, else the reason's general explanation.
    pub fn explanation(&self) -> &str {
        self.detail
            .as_deref()
            .unwrap_or_else(|| self.reason.explanation())
    }
}

/// The answer for one backend.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Resolution {
    pub backend: String,
    pub policy: PolicyKind,
    pub source: Source,
    pub fetched_at: SystemTime,
    /// Usable regions, in run-config order, else backend-config order, else provider order.
    pub regions: Vec<Region>,
    pub excluded: Vec<Exclusion>,
    /// Live regions absent from the builtin `known` list.
    pub new: Vec<RegionId>,
    pub warnings: Vec<String>,
    /// The live failure when a fallback answered instead.
    pub live_error: Option<ProviderError>,
}

impl Resolution {
    /// The error to report when nothing is left, with the chain of reasons.
    pub fn empty_error(&self) -> Option<Error> {
        if !self.regions.is_empty() {
            return None;
        }
        let mut chain = vec![format!(
            "{} region(s) from {}",
            self.regions.len() + self.excluded.len(),
            self.source
        )];
        let mut counted: Vec<(ExclusionReason, Vec<&str>)> = Vec::new();
        for exclusion in &self.excluded {
            match counted.iter_mut().find(|(r, _)| *r == exclusion.reason) {
                Some((_, ids)) => ids.push(exclusion.id.as_str()),
                None => counted.push((exclusion.reason, vec![exclusion.id.as_str()])),
            }
        }
        counted.sort_by_key(|(reason, _)| *reason);
        for (reason, ids) in counted {
            let shown: Vec<_> = ids.iter().take(5).copied().collect();
            let more = if ids.len() > 5 { ", …" } else { "" };
            chain.push(format!(
                "{} {reason} ({}{more})",
                ids.len(),
                shown.join(", ")
            ));
        }
        Some(Error::EmptyResult {
            backend: self.backend.clone(),
            chain,
        })
    }

    /// How long ago the provider gave these regions (zero for a time in the future).
    pub fn age(&self) -> std::time::Duration {
        self.fetched_at.elapsed().unwrap_or_default()
    }

    /// The reason a region is out, if it is.
    pub fn exclusion_of(&self, id: &str) -> Option<ExclusionReason> {
        self.excluded
            .iter()
            .find(|e| e.id.matches(id))
            .map(|e| e.reason)
    }
}

/// Apply the policy and the restrictions. Errors are the user's to fix: an unknown name, an
/// empty list, a pattern that matches nothing, or a named region with no image.
///
/// Linear in the regions times the entries of each restriction; nothing is copied but the
/// regions kept and the ids excluded.
pub fn resolve(input: ResolveInput<'_>) -> Result<Resolution> {
    let ResolveInput {
        backend,
        policy,
        settings,
        regions,
        source,
        fetched_at,
        backend_regions,
        run_regions,
    } = input;
    let mut warnings = Vec::new();
    // Names kept without live data to check them join the discovered regions.
    let mut extra = Vec::new();

    let backend_sel = backend_regions
        .map(|r| select(backend, r, regions, &mut extra, source, &mut warnings))
        .transpose()?;
    let run_sel = run_regions
        .map(|r| select(backend, r, regions, &mut extra, source, &mut warnings))
        .transpose()?;
    let universe = || regions.iter().chain(extra.iter());

    let needs_region_config = settings.region_configs.iter().any(|c| c.required);
    let pinned = policy.pinned.filter(|_| settings.pin_lifted.is_none());
    let defaults = policy
        .defaults
        .filter(|_| backend_sel.is_none() && run_sel.is_none());

    let mut kept: Vec<(usize, &Region)> = Vec::with_capacity(regions.len());
    let mut excluded = Vec::with_capacity(regions.len());
    // The reason of each region by index, for the explicit names checked below.
    let mut reasons: Vec<Option<ExclusionReason>> = Vec::with_capacity(regions.len());
    for (index, region) in universe().enumerate() {
        let reason = match region.status {
            RegionStatus::NotEnabled => Some(ExclusionReason::NotEnabled),
            RegionStatus::Unavailable => Some(ExclusionReason::Unavailable),
            _ if pinned.is_some_and(|p| !p.contains(region.id.as_str())) => {
                Some(ExclusionReason::NoImage)
            }
            _ if defaults.is_some_and(|d| !d.contains(region.id.as_str())) => {
                Some(ExclusionReason::NotInDefaults)
            }
            _ if needs_region_config && !settings.missing_for(&region.id).is_empty() => {
                Some(ExclusionReason::MissingRegionConfig)
            }
            _ if backend_sel.as_ref().is_some_and(|s| !s.contains(index)) => {
                Some(ExclusionReason::NotInBackendConfig)
            }
            _ if run_sel.as_ref().is_some_and(|s| !s.contains(index)) => {
                Some(ExclusionReason::NotInRunConfig)
            }
            _ => None,
        };
        reasons.push(reason);
        match reason {
            Some(ExclusionReason::MissingRegionConfig) => excluded.push(
                Exclusion::new(region.id.clone(), ExclusionReason::MissingRegionConfig)
                    .with_detail(missing_detail(
                        &settings.missing_for(&region.id),
                        &region.id,
                    )),
            ),
            Some(reason) => excluded.push(Exclusion::new(region.id.clone(), reason)),
            None => kept.push((index, region)),
        }
    }

    // A region the user named explicitly but that policy or status keeps out.
    for (restriction, selection) in [(backend_regions, &backend_sel), (run_regions, &run_sel)] {
        let (Some(restriction), Some(selection)) = (restriction, selection) else {
            continue;
        };
        let all: Vec<&Region> = universe().collect();
        for index in selection.explicit_in_order() {
            let (Some(region), Some(Some(reason))) = (all.get(index), reasons.get(index).copied())
            else {
                continue;
            };
            let id = &region.id;
            match reason {
                ExclusionReason::NoImage => {
                    let pin = policy.pinned.unwrap_or(crate::policy::CuratedList::EMPTY);
                    let mut detail = format!(
                        "no OS image of the orchestrator is published there ({}); image regions: {}",
                        pin.reason,
                        pin.regions.join(", ")
                    );
                    if !pin.hint.is_empty() {
                        detail.push_str("; ");
                        detail.push_str(pin.hint);
                    }
                    return Err(Error::RegionExcluded {
                        backend: backend.to_owned(),
                        field: restriction.field.clone(),
                        region: id.to_string(),
                        detail,
                    });
                }
                ExclusionReason::NotEnabled
                | ExclusionReason::Unavailable
                | ExclusionReason::MissingRegionConfig => {
                    warnings.push(format!(
                        "region `{id}` named in `{}` is excluded: {} ({reason})",
                        restriction.field,
                        reason.explanation()
                    ));
                }
                _ => {}
            }
        }
    }

    for config in &settings.region_configs {
        for id in &config.configured {
            if !kept.iter().any(|(_, r)| r.id.matches(id.as_str())) {
                warnings.push(format!(
                    "`{}` has settings for region `{id}`, which is not in the resolved set",
                    config.field
                ));
            }
        }
    }

    if let Some(selection) = run_sel.as_ref().or(backend_sel.as_ref()) {
        kept.sort_by_key(|(index, _)| selection.rank(*index));
    }

    let new = if source.is_current() && policy.scope == PolicyScope::Provider {
        universe()
            .filter(|r| !policy.known.contains(r.id.as_str()))
            .map(|r| r.id.clone())
            .collect()
    } else {
        Vec::new()
    };

    Ok(Resolution {
        backend: backend.to_owned(),
        policy: policy.kind(),
        source,
        fetched_at,
        regions: kept.into_iter().map(|(_, r)| r.clone()).collect(),
        excluded,
        new,
        warnings,
        live_error: None,
    })
}

/// "`vpc_ids` has no entry for eu-north-1", naming every key that lacks the region.
fn missing_detail(keys: &[&str], id: &RegionId) -> String {
    let named: Vec<String> = keys.iter().map(|k| format!("`{k}`")).collect();
    let verb = if named.len() == 1 { "has" } else { "have" };
    format!("{} {verb} no entry for {id}", named.join(" and "))
}

/// Regions by id, first occurrence wins, ids compared case-insensitively. Done once when an
/// answer is stored, so [`resolve`] can trust its input.
pub fn dedup_regions(regions: Vec<Region>) -> Vec<Region> {
    let mut seen = HashSet::with_capacity(regions.len());
    regions
        .into_iter()
        .filter(|r| seen.insert(r.id.as_str().to_ascii_lowercase()))
        .collect()
}

/// The regions a restriction selects, by their index among the discovered regions (then the
/// names kept without live data), with the rank the user gave each.
#[derive(Debug)]
struct Selection {
    /// Rank by region index: the position of the entry that first named the region.
    rank: Vec<Option<usize>>,
    /// Regions named exactly rather than by a pattern.
    explicit: Vec<bool>,
}

impl Selection {
    fn contains(&self, index: usize) -> bool {
        self.rank.get(index).is_some_and(Option::is_some)
    }

    fn rank(&self, index: usize) -> usize {
        self.rank
            .get(index)
            .copied()
            .flatten()
            .unwrap_or(usize::MAX)
    }

    /// The regions named exactly, in the order the user named them.
    fn explicit_in_order(&self) -> Vec<usize> {
        let mut named: Vec<usize> = (0..self.explicit.len())
            .filter(|&i| self.explicit[i])
            .collect();
        named.sort_by_key(|&i| self.rank(i));
        named
    }

    fn mark(&mut self, index: usize, rank: usize, explicit: bool) {
        if self.rank.len() <= index {
            self.rank.resize(index + 1, None);
            self.explicit.resize(index + 1, false);
        }
        if self.rank[index].is_none() {
            self.rank[index] = Some(rank);
        }
        self.explicit[index] |= explicit;
    }
}

fn select(
    backend: &str,
    restriction: &Restriction,
    regions: &[Region],
    extra: &mut Vec<Region>,
    source: Source,
    warnings: &mut Vec<String>,
) -> Result<Selection> {
    if restriction.names.is_empty() {
        return Err(Error::backend_config(
            backend,
            &restriction.field,
            "is an empty list, which would allow no region; omit it to allow all regions, or name at least one",
        ));
    }
    let mut selection = Selection {
        rank: vec![None; regions.len() + extra.len()],
        explicit: vec![false; regions.len() + extra.len()],
    };
    for (rank, matcher) in restriction.matchers.iter().enumerate() {
        match matcher {
            Matcher::Blank => {
                return Err(Error::backend_config(
                    backend,
                    &restriction.field,
                    "contains an empty region name",
                ))
            }
            Matcher::Glob(glob) => {
                let mut matched = false;
                for (index, region) in regions.iter().chain(extra.iter()).enumerate() {
                    if glob.matches(region.id.as_str()) {
                        selection.mark(index, rank, false);
                        matched = true;
                    }
                }
                if matched {
                    continue;
                }
                if !source.is_current() {
                    warnings.push(format!(
                        "pattern `{}` in `{}` matches no region of the {source} list; live data is unavailable",
                        glob.text, restriction.field
                    ));
                    continue;
                }
                return Err(unknown_region(
                    backend,
                    restriction,
                    &glob.text,
                    regions,
                    source,
                ));
            }
            Matcher::Name(name) => {
                if let Some(index) = regions
                    .iter()
                    .chain(extra.iter())
                    .position(|r| r.id.matches(name))
                {
                    selection.mark(index, rank, true);
                } else if source.is_current() {
                    return Err(unknown_region(backend, restriction, name, regions, source));
                } else {
                    warnings.push(format!(
                        "region `{name}` in `{}` is not in the {source} list; kept because live data is unavailable to check it",
                        restriction.field
                    ));
                    extra.push(Region::new(name.as_str()));
                    selection.mark(regions.len() + extra.len() - 1, rank, true);
                }
            }
        }
    }
    Ok(selection)
}

fn unknown_region(
    backend: &str,
    restriction: &Restriction,
    name: &str,
    universe: &[Region],
    source: Source,
) -> Error {
    let known: Vec<String> = universe.iter().map(|r| r.id.to_string()).collect();
    Error::UnknownRegion {
        backend: backend.to_owned(),
        field: restriction.field.clone(),
        name: name.to_owned(),
        suggestions: suggestions(name, &known),
        known,
        source_label: source.as_str().to_owned(),
    }
}

/// Up to three known names closest to `name`, nearest first.
pub fn suggestions(name: &str, known: &[String]) -> Vec<String> {
    let wanted = name.to_ascii_lowercase().replace(['*', '?'], "");
    let mut scored: Vec<(f64, &String)> = known
        .iter()
        .map(|k| {
            (
                strsim::normalized_damerau_levenshtein(&wanted, &k.to_ascii_lowercase()),
                k,
            )
        })
        .filter(|(score, _)| *score >= 0.5)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    scored.into_iter().take(3).map(|(_, k)| k.clone()).collect()
}

fn is_pattern(name: &str) -> bool {
    name.contains(['*', '?'])
}

/// Case-insensitive glob: `*` matches any run of characters, `?` exactly one.
pub fn glob_matches(pattern: &str, text: &str) -> bool {
    Glob::new(pattern).matches(text)
}

/// Glob matching over any symbols, with `*` and `?` as wildcards and `same` comparing a
/// pattern symbol with a text symbol. Linear backtracking to the last star: O(p·t) at worst,
/// no allocation.
fn glob_match_by<T: Copy + GlobSymbol>(
    pattern: &[T],
    text: &[T],
    same: impl Fn(T, T) -> bool,
) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut backtrack: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some(&c) if c.is_star() => {
                backtrack = Some((p, t));
                p += 1;
            }
            Some(&c) if c.is_question() || same(c, text[t]) => {
                p += 1;
                t += 1;
            }
            _ => match backtrack {
                Some((star, matched)) => {
                    p = star + 1;
                    t = matched + 1;
                    backtrack = Some((star, matched + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|c| c.is_star())
}

/// A pattern symbol: a byte of an ASCII pattern, or a char of any other.
trait GlobSymbol {
    fn is_star(&self) -> bool;
    fn is_question(&self) -> bool;
}

impl GlobSymbol for u8 {
    fn is_star(&self) -> bool {
        *self == b'*'
    }
    fn is_question(&self) -> bool {
        *self == b'?'
    }
}

impl GlobSymbol for char {
    fn is_star(&self) -> bool {
        *self == '*'
    }
    fn is_question(&self) -> bool {
        *self == '?'
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::CuratedList;
    use crate::provider::RegionConfig;

    const KNOWN: CuratedList = CuratedList::new(
        &[
            "us-east-1",
            "us-west-1",
            "us-south-1",
            "europe-central-1",
            "me-west-1",
            "asia-south-1",
        ],
        "last full list",
        "test",
        "2026-11-01",
    );
    const PINNED: CuratedList = CuratedList::new(
        &["us-east-1", "europe-central-1"],
        "images",
        "test",
        "2026-11-01",
    )
    .with_hint("set `os_images` to bring your own image");
    const DEFAULTS: CuratedList =
        CuratedList::new(&["us-east-1", "us-west-1"], "vetted", "test", "2026-11-01");

    fn live() -> Vec<Region> {
        vec![
            Region::new("us-east-1"),
            Region::new("us-west-1"),
            Region::new("us-south-1").with_status(RegionStatus::Limited),
            Region::new("europe-central-1"),
            Region::new("me-west-1").with_status(RegionStatus::NotEnabled),
            Region::new("asia-south-1").with_status(RegionStatus::Unavailable),
            Region::new("us-midwest-9"),
        ]
    }

    fn run(
        policy: &RegionPolicy,
        settings: &ProviderSettings,
        source: Source,
        backend: Option<&[&str]>,
        run: Option<&[&str]>,
    ) -> Result<Resolution> {
        let to = |field: &str, names: &[&str]| {
            Restriction::new(field, names.iter().map(|s| s.to_string()).collect())
        };
        let backend = backend.map(|n| to("regions", n));
        let run = run.map(|n| to("run regions", n));
        resolve(ResolveInput {
            backend: "test",
            policy,
            settings,
            regions: &dedup_regions(live()),
            source,
            fetched_at: SystemTime::now(),
            backend_regions: backend.as_ref(),
            run_regions: run.as_ref(),
        })
    }

    fn ids(resolution: &Resolution) -> Vec<&str> {
        resolution.regions.iter().map(|r| r.id.as_str()).collect()
    }

    #[test]
    fn dynamic_policy_keeps_every_enabled_region_in_provider_order() {
        let r = run(
            &RegionPolicy::dynamic(KNOWN),
            &Default::default(),
            Source::Live,
            None,
            None,
        )
        .unwrap();
        assert_eq!(
            ids(&r),
            [
                "us-east-1",
                "us-west-1",
                "us-south-1",
                "europe-central-1",
                "us-midwest-9"
            ]
        );
        assert_eq!(
            r.exclusion_of("me-west-1"),
            Some(ExclusionReason::NotEnabled)
        );
        assert_eq!(
            r.exclusion_of("asia-south-1"),
            Some(ExclusionReason::Unavailable)
        );
    }

    #[test]
    fn limited_regions_are_kept() {
        let r = run(
            &RegionPolicy::dynamic(KNOWN),
            &Default::default(),
            Source::Live,
            None,
            None,
        )
        .unwrap();
        assert!(r
            .regions
            .iter()
            .any(|x| x.id.as_str() == "us-south-1" && x.status == RegionStatus::Limited));
    }

    #[test]
    fn live_regions_missing_from_known_are_new() {
        let r = run(
            &RegionPolicy::dynamic(KNOWN),
            &Default::default(),
            Source::Live,
            None,
            None,
        )
        .unwrap();
        assert_eq!(r.new, vec![RegionId::new("us-midwest-9")]);
    }

    #[test]
    fn pinned_policy_keeps_live_intersect_pinned() {
        let policy = RegionPolicy::dynamic(KNOWN).with_pinned(PINNED);
        let r = run(&policy, &Default::default(), Source::Live, None, None).unwrap();
        assert_eq!(ids(&r), ["us-east-1", "europe-central-1"]);
        assert_eq!(r.exclusion_of("us-west-1"), Some(ExclusionReason::NoImage));
    }

    #[test]
    fn pinned_region_not_enabled_stays_excluded() {
        let policy = RegionPolicy::dynamic(KNOWN).with_pinned(CuratedList::new(
            &["us-east-1", "me-west-1"],
            "images",
            "test",
            "2026-11-01",
        ));
        let r = run(&policy, &Default::default(), Source::Live, None, None).unwrap();
        assert_eq!(
            r.exclusion_of("me-west-1"),
            Some(ExclusionReason::NotEnabled)
        );
    }

    #[test]
    fn own_image_lifts_the_pin() {
        let policy = RegionPolicy::dynamic(KNOWN).with_pinned(PINNED);
        let settings = ProviderSettings::default().with_pin_lifted("os_images is set");
        let r = run(&policy, &settings, Source::Live, None, None).unwrap();
        assert!(ids(&r).contains(&"us-west-1"));
    }

    #[test]
    fn naming_an_unpinned_region_explains_how_to_bring_an_image() {
        let policy = RegionPolicy::dynamic(KNOWN).with_pinned(PINNED);
        let err = run(
            &policy,
            &Default::default(),
            Source::Live,
            Some(&["us-west-1"]),
            None,
        )
        .unwrap_err();
        let message = err.to_string();
        assert!(matches!(err, Error::RegionExcluded { .. }));
        assert!(
            message.contains("us-west-1") && message.contains("os_images"),
            "{message}"
        );
    }

    #[test]
    fn defaults_apply_only_when_no_regions_are_named() {
        let policy = RegionPolicy::dynamic(KNOWN).with_defaults(DEFAULTS);
        let r = run(&policy, &Default::default(), Source::Live, None, None).unwrap();
        assert_eq!(ids(&r), ["us-east-1", "us-west-1"]);
        assert_eq!(
            r.exclusion_of("europe-central-1"),
            Some(ExclusionReason::NotInDefaults)
        );
        let named = run(
            &policy,
            &Default::default(),
            Source::Live,
            Some(&["europe-central-1"]),
            None,
        )
        .unwrap();
        assert_eq!(ids(&named), ["europe-central-1"]);
        let run_named = run(
            &policy,
            &Default::default(),
            Source::Live,
            None,
            Some(&["us-south-1"]),
        )
        .unwrap();
        assert_eq!(ids(&run_named), ["us-south-1"]);
    }

    #[test]
    fn pinned_and_defaults_combine() {
        let policy = RegionPolicy::dynamic(KNOWN)
            .with_pinned(PINNED)
            .with_defaults(DEFAULTS);
        let r = run(&policy, &Default::default(), Source::Live, None, None).unwrap();
        assert_eq!(ids(&r), ["us-east-1"]);
        assert_eq!(r.exclusion_of("us-west-1"), Some(ExclusionReason::NoImage));
        assert_eq!(
            r.exclusion_of("europe-central-1"),
            Some(ExclusionReason::NotInDefaults)
        );
    }

    #[test]
    fn cluster_policy_reports_no_new_regions() {
        let r = run(
            &RegionPolicy::cluster(),
            &Default::default(),
            Source::Live,
            None,
            None,
        )
        .unwrap();
        assert!(r.new.is_empty());
        assert_eq!(r.policy, PolicyKind::Cluster);
    }

    #[test]
    fn required_region_settings_exclude_regions_without_them() {
        let settings = ProviderSettings::default().with_region_config(RegionConfig::new(
            "vpc_ids",
            vec!["us-east-1".into(), "ap-south-9".into()],
            true,
        ));
        let r = run(
            &RegionPolicy::dynamic(KNOWN),
            &settings,
            Source::Live,
            None,
            None,
        )
        .unwrap();
        assert_eq!(ids(&r), ["us-east-1"]);
        assert_eq!(
            r.exclusion_of("us-west-1"),
            Some(ExclusionReason::MissingRegionConfig)
        );
        let us_west = r
            .excluded
            .iter()
            .find(|e| e.id.as_str() == "us-west-1")
            .unwrap();
        assert_eq!(
            us_west.detail.as_deref(),
            Some("`vpc_ids` has no entry for us-west-1")
        );
        assert!(
            r.warnings.iter().any(|w| w.contains("ap-south-9")),
            "{:?}",
            r.warnings
        );
    }

    #[test]
    fn backend_then_run_regions_narrow_in_run_order() {
        let r = run(
            &RegionPolicy::dynamic(KNOWN),
            &Default::default(),
            Source::Live,
            Some(&["us-*", "europe-central-1"]),
            Some(&["europe-central-1", "US-WEST-1"]),
        )
        .unwrap();
        assert_eq!(ids(&r), ["europe-central-1", "us-west-1"]);
        assert_eq!(
            r.exclusion_of("us-east-1"),
            Some(ExclusionReason::NotInRunConfig)
        );
        let r = run(
            &RegionPolicy::dynamic(KNOWN),
            &Default::default(),
            Source::Live,
            Some(&["us-west-1"]),
            None,
        )
        .unwrap();
        assert_eq!(
            r.exclusion_of("us-east-1"),
            Some(ExclusionReason::NotInBackendConfig)
        );
    }

    #[test]
    fn backend_config_order_is_kept_when_no_run_regions() {
        let r = run(
            &RegionPolicy::dynamic(KNOWN),
            &Default::default(),
            Source::Live,
            Some(&["europe-central-1", "us-east-1"]),
            None,
        )
        .unwrap();
        assert_eq!(ids(&r), ["europe-central-1", "us-east-1"]);
    }

    #[test]
    fn matching_is_case_insensitive_and_keeps_provider_spelling() {
        let r = run(
            &RegionPolicy::dynamic(KNOWN),
            &Default::default(),
            Source::Live,
            None,
            Some(&["US-EAST-1"]),
        )
        .unwrap();
        assert_eq!(ids(&r), ["us-east-1"]);
    }

    #[test]
    fn unknown_region_suggests_nearest_name() {
        let err = run(
            &RegionPolicy::dynamic(KNOWN),
            &Default::default(),
            Source::Live,
            Some(&["us-east-7"]),
            None,
        )
        .unwrap_err();
        match &err {
            Error::UnknownRegion {
                suggestions, field, ..
            } => {
                assert_eq!(suggestions.first().map(String::as_str), Some("us-east-1"));
                assert_eq!(field, "regions");
            }
            other => panic!("unexpected {other:?}"),
        }
        assert!(err.to_string().contains("did you mean"), "{err}");
    }

    #[test]
    fn pattern_matching_nothing_is_an_error() {
        let err = run(
            &RegionPolicy::dynamic(KNOWN),
            &Default::default(),
            Source::Live,
            None,
            Some(&["ap-*"]),
        )
        .unwrap_err();
        assert!(matches!(err, Error::UnknownRegion { .. }), "{err:?}");
    }

    #[test]
    fn empty_list_is_an_error_not_all() {
        let err = run(
            &RegionPolicy::dynamic(KNOWN),
            &Default::default(),
            Source::Live,
            Some(&[]),
            None,
        )
        .unwrap_err();
        assert!(err.to_string().contains("empty list"), "{err}");
    }

    #[test]
    fn unrecognised_name_is_kept_with_a_warning_when_live_data_is_unavailable() {
        let r = run(
            &RegionPolicy::dynamic(KNOWN),
            &Default::default(),
            Source::Builtin,
            None,
            Some(&["us-east-9"]),
        )
        .unwrap();
        assert_eq!(ids(&r), ["us-east-9"]);
        assert!(r.warnings.iter().any(|w| w.contains("us-east-9")));
        assert!(
            r.new.is_empty(),
            "builtin data says nothing about new regions"
        );
    }

    #[test]
    fn empty_result_reports_the_reason_chain() {
        let r = run(
            &RegionPolicy::dynamic(KNOWN),
            &Default::default(),
            Source::Live,
            None,
            Some(&["me-west-1"]),
        )
        .unwrap();
        assert!(r.regions.is_empty());
        let message = r.empty_error().unwrap().to_string();
        assert!(
            message.contains("not-enabled") && message.contains("not-in-run-config"),
            "{message}"
        );
        assert!(r.warnings.iter().any(|w| w.contains("me-west-1")));
    }

    #[test]
    fn globs_match_star_and_question_mark() {
        assert!(glob_matches("us-*", "us-east-1"));
        assert!(glob_matches("eu-west-?", "EU-WEST-3"));
        assert!(!glob_matches("eu-west-?", "eu-west-10"));
        assert!(glob_matches("*-1", "me-west-1"));
        assert!(!glob_matches("us-*", "europe-central-1"));
    }

    #[test]
    fn a_glob_matches_exactly_what_it_says_and_no_more() {
        assert!(glob_matches("us-*-1", "us-east-1"));
        assert!(
            !glob_matches("us-*-1", "us-east-2"),
            "the end of the pattern must match"
        );
        assert!(!glob_matches("us-*-1", "us-east-12"));
        assert!(glob_matches("us-*-1*", "us-east-12"));
        assert!(glob_matches("*", "anything"));
        assert!(glob_matches("**", ""));
        assert!(!glob_matches("?", ""));
        assert!(
            glob_matches("a*b*c", "aXbYbZc"),
            "backtracks past a false start"
        );
        assert!(!glob_matches("a*b*c", "aXbYbZ"));
        // Non-ASCII names take the other path and match case-insensitively too.
        assert!(glob_matches("zürich-*", "ZÜRICH-1"));
        assert!(glob_matches("zürich-?", "ZÜRICH-1"));
        assert!(!glob_matches("zürich-?", "zürich-12"));
        assert!(!glob_matches("zürich-1", "zürich-2"));
        // `?` is one character, not one byte, even when only the name is non-ASCII.
        assert!(glob_matches("?-1", "ü-1"));
    }

    #[test]
    fn a_restriction_keeps_what_it_was_given_and_its_fingerprint_tells_lists_apart() {
        let names = vec!["us-*".to_owned(), "eu-west-1".to_owned()];
        let restriction = Restriction::new("regions", names.clone());
        assert_eq!(restriction.field(), "regions");
        assert_eq!(restriction.names(), names.as_slice());
        let same = Restriction::new("regions", names.clone());
        assert_eq!(restriction.fingerprint(), same.fingerprint());
        let other_names = Restriction::new("regions", vec!["us-*".to_owned()]);
        let other_field = Restriction::new("--region", names);
        assert_ne!(restriction.fingerprint(), other_names.fingerprint());
        assert_ne!(restriction.fingerprint(), other_field.fingerprint());
    }

    #[test]
    fn an_exclusion_explains_itself_by_its_detail_else_its_reason() {
        let plain = Exclusion::new(RegionId::new("us-west-1"), ExclusionReason::NoImage);
        assert_eq!(plain.explanation(), ExclusionReason::NoImage.explanation());
        let detailed = plain.with_detail("`vpc_ids` has no entry for us-west-1");
        assert_eq!(
            detailed.explanation(),
            "`vpc_ids` has no entry for us-west-1"
        );
    }

    #[test]
    fn a_resolutions_age_counts_from_when_the_provider_answered() {
        let mut r = run(
            &RegionPolicy::dynamic(KNOWN),
            &Default::default(),
            Source::Snapshot,
            None,
            None,
        )
        .unwrap();
        r.fetched_at = SystemTime::now() - std::time::Duration::from_secs(3 * 86_400);
        assert!(r.age() >= std::time::Duration::from_secs(3 * 86_400));
        assert!(r.age() < std::time::Duration::from_secs(4 * 86_400));
        r.fetched_at = SystemTime::now() + std::time::Duration::from_secs(60);
        assert_eq!(
            r.age(),
            std::time::Duration::ZERO,
            "a future time is no age"
        );
    }

    #[test]
    fn a_glob_longer_than_the_text_matches_nothing() {
        assert!(!glob_matches("us-east-1-extra*", "us-east-1"));
        assert!(!glob_matches("us-east-1?", "us-east-1"));
        assert!(!glob_matches("us-east-1*x", "us-east-1"));
        assert!(glob_matches("us-east-1*", "us-east-1"));
    }

    #[test]
    fn a_region_left_out_by_both_restrictions_is_not_in_the_backend_config() {
        let r = run(
            &RegionPolicy::dynamic(KNOWN),
            &Default::default(),
            Source::Live,
            Some(&["us-east-1"]),
            Some(&["us-east-1"]),
        )
        .unwrap();
        assert_eq!(
            r.exclusion_of("us-west-1"),
            Some(ExclusionReason::NotInBackendConfig)
        );
    }

    #[test]
    fn backend_and_run_restrictions_are_told_apart() {
        let r = run(
            &RegionPolicy::dynamic(KNOWN),
            &Default::default(),
            Source::Live,
            Some(&["us-east-1", "us-west-1"]),
            Some(&["us-west-1", "europe-central-1"]),
        );
        // europe-central-1 is named by the run only: the backend config leaves it out first,
        // and the run cannot add it back; it is an explicit name the backend excluded.
        let r = r.unwrap();
        assert_eq!(ids(&r), ["us-west-1"]);
        assert_eq!(
            r.exclusion_of("europe-central-1"),
            Some(ExclusionReason::NotInBackendConfig)
        );
        assert_eq!(
            r.exclusion_of("us-east-1"),
            Some(ExclusionReason::NotInRunConfig)
        );
    }

    #[test]
    fn an_unpinned_region_that_is_not_enabled_is_not_enabled_first() {
        let r = run(
            &RegionPolicy::dynamic(KNOWN).with_pinned(PINNED),
            &Default::default(),
            Source::Live,
            None,
            None,
        )
        .unwrap();
        assert_eq!(
            r.exclusion_of("me-west-1"),
            Some(ExclusionReason::NotEnabled)
        );
        assert_eq!(
            r.exclusion_of("asia-south-1"),
            Some(ExclusionReason::Unavailable)
        );
        assert_eq!(r.exclusion_of("us-west-1"), Some(ExclusionReason::NoImage));
    }

    #[test]
    fn the_documented_exclusion_order_holds_for_a_region_that_fails_every_check() {
        // One region per step, each failing that step and every later one.
        let live = [
            Region::new("a-1").with_status(RegionStatus::NotEnabled),
            Region::new("b-1").with_status(RegionStatus::Unavailable),
            Region::new("c-1"),
            Region::new("d-1"),
            Region::new("e-1"),
            Region::new("f-1"),
            Region::new("g-1"),
        ];
        const PIN: CuratedList = CuratedList::new(
            &["d-1", "e-1", "f-1", "g-1"],
            "images",
            "test",
            "2026-11-01",
        );
        const DEFAULT: CuratedList =
            CuratedList::new(&["e-1", "f-1", "g-1"], "vetted", "test", "2026-11-01");
        let policy = RegionPolicy::dynamic(KNOWN)
            .with_pinned(PIN)
            .with_defaults(DEFAULT);
        let settings = ProviderSettings::default().with_region_config(RegionConfig::new(
            "vpc_ids",
            vec!["f-1".into(), "g-1".into()],
            true,
        ));
        let resolve_with = |backend: Option<&Restriction>, run: Option<&Restriction>| {
            resolve(ResolveInput {
                backend: "test",
                policy: &policy,
                settings: &settings,
                regions: &live,
                source: Source::Live,
                fetched_at: SystemTime::now(),
                backend_regions: backend,
                run_regions: run,
            })
            .unwrap()
        };
        // No regions named: defaults apply.
        let r = resolve_with(None, None);
        let reasons: Vec<_> = ["a-1", "b-1", "c-1", "d-1", "e-1"]
            .iter()
            .map(|id| r.exclusion_of(id))
            .collect();
        use ExclusionReason::*;
        assert_eq!(
            reasons,
            [
                Some(NotEnabled),
                Some(Unavailable),
                Some(NoImage),
                Some(NotInDefaults),
                Some(MissingRegionConfig),
            ]
        );
        // Named regions: the restrictions come last, backend before run.
        let backend = Restriction::new("regions", vec!["g-1".into(), "*-1".into()]);
        let run = Restriction::new("run regions", vec!["g-1".into()]);
        let r = resolve_with(Some(&backend), Some(&run));
        assert_eq!(ids(&r), ["g-1"]);
        assert_eq!(r.exclusion_of("f-1"), Some(NotInRunConfig));
        let narrow = Restriction::new("regions", vec!["g-1".into()]);
        let r = resolve_with(Some(&narrow), None);
        assert_eq!(r.exclusion_of("f-1"), Some(NotInBackendConfig));
    }

    #[test]
    fn the_empty_result_error_counts_each_reason() {
        let r = run(
            &RegionPolicy::dynamic(KNOWN),
            &Default::default(),
            Source::Live,
            None,
            Some(&["me-west-1"]),
        )
        .unwrap();
        match r.empty_error() {
            Some(Error::EmptyResult { backend, chain }) => {
                assert_eq!(backend, "test");
                assert_eq!(
                    chain,
                    [
                        "7 region(s) from live",
                        "1 not-enabled (me-west-1)",
                        "1 unavailable (asia-south-1)",
                        "5 not-in-run-config (us-east-1, us-west-1, us-south-1, europe-central-1, us-midwest-9)",
                    ]
                );
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}
