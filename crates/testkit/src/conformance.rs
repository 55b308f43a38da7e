//! The conformance suite: what every backend must make of its provider's API, right or wrong.
//!
//! Every backend answers the same faults the same way: a wrong key is an `auth` error that no
//! fallback hides, a `Retry-After` inside the deadline is waited out and one past it is not,
//! server errors are retried then reported as `unavailable`, a body that is malformed, cut off
//! or too large is never read as an answer, an empty answer is never an empty success, an
//! outage falls back to the labelled builtin list, and no secret reaches `Debug` output or an
//! error. The cases live here once; a backend describes itself in a [`BackendSpec`] and runs
//! them all with [`conformance_tests!`](crate::conformance_tests):
//!
//! ```text
//! fn spec() -> BackendSpec {
//!     BackendSpec::api_key(&regionkit_lambda::DESCRIPTOR, EMULATOR_API_KEY)
//!         .calls([("GET /api/v1/regions", 1), ("GET /api/v1/instance-types", 1)])
//!         .regions(["us-east-1", "europe-central-1", "me-west-1"])
//!         .misspelling("us-east-7", "us-east-1")
//!         .new_regions(["us-midwest-2"])
//!         .empty_answer(EmptyAnswer::FallsBack)
//!         .says(Case::WrongCredentials, Text::Contains("global/invalid-api-key"))
//! }
//!
//! regionkit_testkit::conformance_tests!(spec);
//! ```
//!
//! Each case is a public function named after the behaviour it pins, so a failing test names
//! its case (`conformance::truncated_body_is_reported_as_cut_off`). The cases assert on error
//! kinds, statuses, emulator request counts and sources; what a provider says in its own words
//! is checked only where its spec asks, with [`BackendSpec::says`].

use std::collections::BTreeSet;
use std::fmt;
use std::time::{Duration, Instant};

use regionkit_core::{
    BackendConfig, BackendDescriptor, BackendReport, Error, ExclusionReason, PolicyScope,
    ProviderError, ProviderErrorKind, RegionStatus, ResolveOptions, Source,
};
use regionkit_emulator::{Fault, FaultKind};

use crate::{
    api_key_creds, fast_policy, kept_ids, section_at_key, section_from_yaml, BackendHarness,
};

/// An endpoint where nothing listens: port 1 of loopback.
const UNREACHABLE_ENDPOINT: &str = "http://127.0.0.1:1/";

/// The `Retry-After` that [`rate_limit_with_retry_after_is_waited_out_then_succeeds`] waits.
const SHORT_RETRY_AFTER: Duration = Duration::from_secs(1);

/// A `Retry-After` far past the harness's 5 s discovery deadline.
const LONG_RETRY_AFTER: Duration = Duration::from_secs(60);

/// The body size [`oversized_body_is_refused`] allows, and the size the emulator sends.
const BODY_LIMIT: usize = 16 * 1024;
const OVERSIZED_BODY: usize = 64 * 1024;

/// What a backend makes of an answer that lists nothing (the emulator's `empty` fault).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum EmptyAnswer {
    /// An empty list is a broken answer: the live discovery fails as `bad-response` and the
    /// labelled builtin list answers instead.
    FallsBack,
    /// An empty listing is a normal state of the provider: discovery succeeds with every
    /// region of the builtin `known` list `unavailable`, and resolution ends in a typed "no
    /// usable region left" error from the live answer.
    KnownRegionsUnavailable,
    /// A cluster-scoped backend: an empty listing leaves each configured region (the spec's
    /// `regions`) `unavailable`, and resolution ends in a typed "no usable region left" error.
    ListedRegionsUnavailable,
}

/// A conformance case whose error a backend may describe in its own words with
/// [`BackendSpec::says`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Case {
    /// [`wrong_credentials_are_an_auth_error`]: the provider error's message.
    WrongCredentials,
    /// [`forbidden_is_an_auth_error`]: the provider error's message.
    Forbidden,
    /// [`rejected_credentials_get_no_fallback`]: the reported provider error's message.
    RejectedCredentials,
    /// [`retry_after_past_the_deadline_is_not_waited_for`]: the provider error's message.
    RateLimited,
    /// [`server_errors_are_retried_then_reported_as_unavailable`]: the provider error's message.
    ServerError,
    /// [`service_unavailable_is_a_temporary_error`]: the provider error's message.
    ServiceUnavailable,
    /// [`malformed_body_is_a_bad_response`]: the provider error's message.
    MalformedBody,
    /// [`an_empty_answer_is_never_an_empty_success`]: the live error's message when the
    /// backend falls back, the "no usable region" error's text otherwise.
    EmptyAnswer,
    /// [`missing_creds_name_the_field_and_the_fix`]: the config error's text.
    MissingCreds,
}

/// Text an error must hold, in the provider's or the backend's words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Text {
    /// The text begins with this, as an error code in front of its message does.
    StartsWith(&'static str),
    /// The text holds this somewhere.
    Contains(&'static str),
    /// The text is exactly this.
    Is(&'static str),
}

impl Text {
    fn matches(self, text: &str) -> bool {
        match self {
            Self::StartsWith(start) => text.starts_with(start),
            Self::Contains(part) => text.contains(part),
            Self::Is(whole) => text == whole,
        }
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::StartsWith(start) => write!(f, "start with {start:?}"),
            Self::Contains(part) => write!(f, "contain {part:?}"),
            Self::Is(whole) => write!(f, "be {whole:?}"),
        }
    }
}

/// One backend as the conformance suite sees it: how to reach its emulator, what one
/// discovery asks, which regions the emulator serves, and what the backend says where its
/// words are part of the contract.
///
/// Build it with [`BackendSpec::new`] (or [`BackendSpec::api_key`]) and the setters; a case
/// that needs a value its spec lacks fails, naming the setter.
#[derive(Clone, Debug)]
pub struct BackendSpec {
    descriptor: &'static BackendDescriptor,
    creds: Option<String>,
    creds_key: &'static str,
    wrong_creds: Option<String>,
    canary_creds: Option<String>,
    secrets: Vec<String>,
    extra_keys: String,
    calls: Vec<(&'static str, u64)>,
    regions: Vec<&'static str>,
    misspelling: Option<(&'static str, &'static str)>,
    new_regions: Vec<&'static str>,
    empty_answer: Option<EmptyAnswer>,
    says: Vec<(Case, Text)>,
}

impl BackendSpec {
    /// The spec of `descriptor`'s backend, with nothing described yet.
    pub fn new(descriptor: &'static BackendDescriptor) -> Self {
        Self {
            descriptor,
            creds: None,
            creds_key: "creds",
            wrong_creds: None,
            canary_creds: None,
            secrets: Vec::new(),
            extra_keys: String::new(),
            calls: Vec::new(),
            regions: Vec::new(),
            misspelling: None,
            new_regions: Vec::new(),
            empty_answer: None,
            says: Vec::new(),
        }
    }

    /// The spec of a backend that takes dstack's `creds: {type: api_key, api_key: ...}`:
    /// `key` is the one its emulator accepts, `wrong-key` is rejected, a canary key must
    /// never leak, and the missing-creds error must name `api_key`.
    pub fn api_key(descriptor: &'static BackendDescriptor, key: &str) -> Self {
        let canary = format!("canary-5e1d7b-{}-key", descriptor.id);
        Self::new(descriptor)
            .creds(api_key_creds(key))
            .wrong_creds(api_key_creds("wrong-key"))
            .canary_creds(api_key_creds(&canary), [canary])
            .says(Case::MissingCreds, Text::Contains("api_key"))
    }

    /// The `creds` the emulator accepts: one YAML value, as for [`section_at`].
    pub fn creds(mut self, creds: impl Into<String>) -> Self {
        self.creds = Some(creds.into());
        self
    }

    /// The section key the credentials go under, for a backend without `creds` (Kubernetes'
    /// `kubeconfig`); the missing-credentials case then expects this key to be named.
    pub fn creds_key(mut self, key: &'static str) -> Self {
        self.creds_key = key;
        self
    }

    /// `creds` of the right shape that the emulator rejects with HTTP 401.
    pub fn wrong_creds(mut self, creds: impl Into<String>) -> Self {
        self.wrong_creds = Some(creds.into());
        self
    }

    /// `creds` the provider builds from but the emulator rejects, holding `secrets`: strings
    /// that must never appear in `Debug` output or in an error.
    pub fn canary_creds<S: Into<String>>(
        mut self,
        creds: impl Into<String>,
        secrets: impl IntoIterator<Item = S>,
    ) -> Self {
        self.canary_creds = Some(creds.into());
        self.secrets = secrets.into_iter().map(Into::into).collect();
        self
    }

    /// More section keys every section needs (a project id), each a line indented by four
    /// spaces, as for [`section_at`].
    pub fn extra_keys(mut self, keys: impl Into<String>) -> Self {
        self.extra_keys = keys.into();
        self
    }

    /// The requests one discovery makes, as the emulator counts them (`"GET /api/v1/regions"`),
    /// each with how many times one discovery sends it. The first is the request every
    /// discovery starts with: the one a fault on the next request hits.
    pub fn calls(mut self, calls: impl IntoIterator<Item = (&'static str, u64)>) -> Self {
        self.calls = calls.into_iter().collect();
        self
    }

    /// Two or three real region ids the emulator serves as usable, which a resolution with
    /// no restriction keeps.
    pub fn regions(mut self, regions: impl IntoIterator<Item = &'static str>) -> Self {
        self.regions = regions.into_iter().collect();
        self
    }

    /// A misspelt region name and the real region it must suggest.
    pub fn misspelling(mut self, misspelt: &'static str, suggested: &'static str) -> Self {
        self.misspelling = Some((misspelt, suggested));
        self
    }

    /// The regions the emulator serves that the builtin list does not know: exactly these
    /// are reported as new. None by default.
    pub fn new_regions(mut self, regions: impl IntoIterator<Item = &'static str>) -> Self {
        self.new_regions = regions.into_iter().collect();
        self
    }

    /// What the backend makes of an answer that lists nothing.
    pub fn empty_answer(mut self, verdict: EmptyAnswer) -> Self {
        self.empty_answer = Some(verdict);
        self
    }

    /// In `case`, the error must also hold `text`: the provider's error code or the backend's
    /// hint. Several texts for one case must all hold.
    pub fn says(mut self, case: Case, text: Text) -> Self {
        self.says.push((case, text));
        self
    }

    /// The backend's id.
    pub fn id(&self) -> &'static str {
        self.descriptor.id
    }

    /// The backend behind a fresh emulator, with the accepted credentials.
    pub async fn start(&self) -> BackendHarness {
        BackendHarness::start(self.descriptor)
            .await
            .with_creds(self.required(&self.creds, "creds"))
            .with_creds_key(self.creds_key)
    }

    /// A section calling `harness` with the accepted credentials, the spec's extra keys, then
    /// `extra`.
    pub fn section(&self, harness: &BackendHarness, extra: &str) -> BackendConfig {
        harness.section(&format!("{}{extra}", self.extra_keys))
    }

    /// A section calling `harness` with other credentials, the spec's extra keys, then `extra`.
    pub fn section_with_creds(
        &self,
        harness: &BackendHarness,
        creds: &str,
        extra: &str,
    ) -> BackendConfig {
        harness.section_with_creds(creds, &format!("{}{extra}", self.extra_keys))
    }

    /// Checks every text the spec gives for `case` against `text`.
    fn check_says(&self, case: Case, text: &str) {
        for (_, expected) in self.says.iter().filter(|(c, _)| *c == case) {
            assert!(
                expected.matches(text),
                "{}: in {case:?} the error must {expected}; it is: {text}",
                self.id()
            );
        }
    }

    fn required<T: Clone>(&self, value: &Option<T>, setter: &str) -> T {
        match value {
            Some(value) => value.clone(),
            None => panic!(
                "the conformance spec of {} has no `{setter}`; set it with `BackendSpec::{setter}`",
                self.id()
            ),
        }
    }

    /// The requests one discovery makes, at least one.
    fn listed_calls(&self) -> &[(&'static str, u64)] {
        if self.calls.is_empty() {
            panic!("the conformance spec of {} lists no `calls`", self.id());
        }
        &self.calls
    }

    /// The request every discovery starts with.
    fn first_call(&self) -> &'static str {
        self.listed_calls()[0].0
    }

    /// How many requests one discovery sends.
    fn requests_per_discovery(&self) -> u64 {
        self.listed_calls().iter().map(|(_, times)| times).sum()
    }

    /// The spec's real regions, at least two.
    fn real_regions(&self) -> &[&'static str] {
        if self.regions.len() < 2 {
            panic!(
                "the conformance spec of {} needs at least two `regions`",
                self.id()
            );
        }
        &self.regions
    }

    fn fault(&self, kind: FaultKind) -> Fault {
        Fault::always(self.id(), kind)
    }
}

/// The discovery's error; a discovery that succeeds fails the case.
async fn discovery_error(harness: &BackendHarness, section: &BackendConfig) -> ProviderError {
    match harness.discover(section).await {
        Ok(regions) => panic!(
            "expected discovery to fail; it found {} regions",
            regions.len()
        ),
        Err(error) => error,
    }
}

/// A fresh backend whose emulator answers every request with `fault`, and the error its
/// discovery ends in.
async fn failed_discovery(spec: &BackendSpec, fault: FaultKind) -> (BackendHarness, ProviderError) {
    let harness = spec.start().await;
    harness.emulator().set_fault(spec.fault(fault));
    let err = discovery_error(&harness, &spec.section(&harness, "")).await;
    (harness, err)
}

/// Under `fault`, the first request is sent as often as the policy allows, and discovery ends
/// in a temporary `unavailable` error.
async fn retried_then_unavailable(spec: &BackendSpec, fault: FaultKind) -> ProviderError {
    let (harness, err) = failed_discovery(spec, fault).await;
    assert_eq!(err.kind, ProviderErrorKind::Unavailable, "{err}");
    assert!(err.is_temporary(), "{err}");
    assert_eq!(
        harness.emulator().path_count(spec.id(), spec.first_call()),
        u64::from(fast_policy().max_attempts),
        "every attempt the policy allows"
    );
    err
}

/// A name in the other case (`us-east-1` → `US-EAST-1`, `FIN-01` → `fin-01`): region names
/// match whatever their case.
fn other_case(id: &str) -> String {
    if id.chars().any(|c| c.is_ascii_lowercase()) {
        id.to_ascii_uppercase()
    } else {
        id.to_ascii_lowercase()
    }
}

fn yaml_list(ids: &[&str]) -> String {
    let quoted: Vec<String> = ids.iter().map(|id| format!("\"{id}\"")).collect();
    format!("    regions: [{}]\n", quoted.join(", "))
}

fn folded<'a>(ids: impl IntoIterator<Item = &'a str>) -> BTreeSet<String> {
    ids.into_iter().map(str::to_ascii_lowercase).collect()
}

/// One discovery sends each listed request as often as the spec says, and nothing else.
pub async fn one_discovery_makes_the_listed_calls(spec: &BackendSpec) {
    let harness = spec.start().await;
    let emulator = harness.emulator();
    let regions = harness
        .discover(&spec.section(&harness, ""))
        .await
        .unwrap_or_else(|e| panic!("discovery failed: {e}"));
    assert!(!regions.is_empty(), "discovery found no region");
    for (path, times) in spec.listed_calls() {
        assert_eq!(emulator.path_count(spec.id(), path), *times, "{path}");
    }
    assert_eq!(
        emulator.request_count(spec.id()),
        spec.requests_per_discovery(),
        "requests besides the listed calls"
    );
}

/// Credentials the provider rejects are an `auth` error with HTTP 401.
pub async fn wrong_credentials_are_an_auth_error(spec: &BackendSpec) {
    let harness = spec.start().await;
    let wrong = spec.required(&spec.wrong_creds, "wrong_creds");
    let err = discovery_error(&harness, &spec.section_with_creds(&harness, &wrong, "")).await;
    assert_eq!(err.kind, ProviderErrorKind::Auth, "{err}");
    assert_eq!(err.status, Some(401), "{err}");
    spec.check_says(Case::WrongCredentials, &err.message);
}

/// HTTP 403 is an `auth` error too: the key lacks a permission.
pub async fn forbidden_is_an_auth_error(spec: &BackendSpec) {
    let (_, err) = failed_discovery(spec, FaultKind::Forbidden).await;
    assert_eq!(err.kind, ProviderErrorKind::Auth, "{err}");
    assert_eq!(err.status, Some(403), "{err}");
    assert!(!err.is_temporary(), "{err}");
    spec.check_says(Case::Forbidden, &err.message);
}

/// Rejected credentials are the user's to fix: resolution reports the `auth` error and no
/// fallback answers in its place.
pub async fn rejected_credentials_get_no_fallback(spec: &BackendSpec) {
    let harness = spec.start().await;
    harness
        .emulator()
        .set_fault(spec.fault(FaultKind::Unauthorized));
    let report = harness
        .resolve(spec.section(&harness, ""), &ResolveOptions::default())
        .await;
    assert!(
        report.resolution.is_none(),
        "a fallback answered: {:?}",
        report.resolution
    );
    match report.error {
        Some(Error::Provider(err)) => {
            assert_eq!(err.kind, ProviderErrorKind::Auth, "{err}");
            assert_eq!(err.status, Some(401), "{err}");
            let shown = err.to_string();
            assert!(
                shown.starts_with(&format!("{}: auth", spec.id())),
                "{shown}"
            );
            spec.check_says(Case::RejectedCredentials, &err.message);
        }
        other => panic!("expected the provider's auth error, got {other:?}"),
    }
}

/// A 429 whose `Retry-After` ends inside the deadline is waited out, and the throttled request
/// is sent once more.
pub async fn rate_limit_with_retry_after_is_waited_out_then_succeeds(spec: &BackendSpec) {
    let harness = spec.start().await;
    let emulator = harness.emulator();
    emulator.set_fault(Fault::times(
        spec.id(),
        FaultKind::Http429 {
            retry_after_secs: SHORT_RETRY_AFTER.as_secs(),
        },
        1,
    ));
    let started = Instant::now();
    let regions = harness
        .discover(&spec.section(&harness, ""))
        .await
        .unwrap_or_else(|e| panic!("the throttled discovery failed: {e}"));
    assert!(!regions.is_empty(), "discovery found no region");
    assert!(
        started.elapsed() >= SHORT_RETRY_AFTER - Duration::from_millis(100),
        "Retry-After was not honoured"
    );
    assert_eq!(
        emulator.request_count(spec.id()),
        spec.requests_per_discovery() + 1,
        "one discovery, plus the throttled request sent again"
    );
}

/// A 429 whose `Retry-After` ends past the deadline is reported at once as `rate-limited`,
/// with the wait the provider asked for.
pub async fn retry_after_past_the_deadline_is_not_waited_for(spec: &BackendSpec) {
    let started = Instant::now();
    let (harness, err) = failed_discovery(
        spec,
        FaultKind::Http429 {
            retry_after_secs: LONG_RETRY_AFTER.as_secs(),
        },
    )
    .await;
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "waited past the deadline"
    );
    assert_eq!(err.kind, ProviderErrorKind::RateLimited, "{err}");
    assert_eq!(err.status, Some(429), "{err}");
    assert_eq!(err.retry_after, Some(LONG_RETRY_AFTER), "{err}");
    assert_eq!(
        harness.emulator().path_count(spec.id(), spec.first_call()),
        1,
        "sent again although the wait passes the deadline"
    );
    spec.check_says(Case::RateLimited, &err.message);
}

/// HTTP 500 is retried as often as the policy allows, then reported as a temporary
/// `unavailable` error.
pub async fn server_errors_are_retried_then_reported_as_unavailable(spec: &BackendSpec) {
    let err = retried_then_unavailable(spec, FaultKind::Http500).await;
    assert_eq!(err.status, Some(500), "{err}");
    spec.check_says(Case::ServerError, &err.message);
}

/// HTTP 503 is a temporary `unavailable` error, retried like a 500.
pub async fn service_unavailable_is_a_temporary_error(spec: &BackendSpec) {
    let err = retried_then_unavailable(spec, FaultKind::Http503).await;
    assert_eq!(err.status, Some(503), "{err}");
    spec.check_says(Case::ServiceUnavailable, &err.message);
}

/// A body of the wrong shape is a `bad-response` error, and asking again would not help.
pub async fn malformed_body_is_a_bad_response(spec: &BackendSpec) {
    let (harness, err) = failed_discovery(spec, FaultKind::Malformed).await;
    assert_eq!(err.kind, ProviderErrorKind::BadResponse, "{err}");
    assert!(!err.is_temporary(), "{err}");
    assert_eq!(
        harness.emulator().path_count(spec.id(), spec.first_call()),
        1,
        "a bad response was retried"
    );
    spec.check_says(Case::MalformedBody, &err.message);
}

/// A body that stops half way is reported as cut off, never read as a shorter answer; like a
/// dropped connection it may pass, so it is retried as a temporary `unavailable` error.
pub async fn truncated_body_is_reported_as_cut_off(spec: &BackendSpec) {
    let err = retried_then_unavailable(spec, FaultKind::Truncated).await;
    assert_eq!(err.status, None, "{err}");
    assert!(
        err.message.contains("cut off") || err.message.contains("truncated"),
        "{err}"
    );
}

/// A body over the policy's size limit is refused as a `bad-response` error.
pub async fn oversized_body_is_refused(spec: &BackendSpec) {
    let harness = spec.start().await;
    harness
        .emulator()
        .set_fault(spec.fault(FaultKind::Oversized {
            bytes: OVERSIZED_BODY,
        }));
    let policy = fast_policy().with_max_body_bytes(BODY_LIMIT);
    let err = match harness
        .discover_with(&spec.section(&harness, ""), policy)
        .await
    {
        Ok(regions) => panic!("read an oversized body: {} regions", regions.len()),
        Err(err) => err,
    };
    assert_eq!(err.kind, ProviderErrorKind::BadResponse, "{err}");
    assert!(err.message.contains("limit"), "{err}");
}

/// An answer that lists nothing never resolves to an empty success: the backend either falls
/// back to its builtin list or reports every known region unavailable, as its spec says.
pub async fn an_empty_answer_is_never_an_empty_success(spec: &BackendSpec) {
    let harness = spec.start().await;
    harness.emulator().set_fault(spec.fault(FaultKind::Empty));
    let section = spec.section(&harness, "");
    match spec.required(&spec.empty_answer, "empty_answer") {
        EmptyAnswer::FallsBack => {
            let report = harness.resolve(section, &ResolveOptions::default()).await;
            let live_error = builtin_fallback(spec, report);
            assert_eq!(
                live_error.kind,
                ProviderErrorKind::BadResponse,
                "{live_error}"
            );
            spec.check_says(Case::EmptyAnswer, &live_error.message);
        }
        verdict
        @ (EmptyAnswer::KnownRegionsUnavailable | EmptyAnswer::ListedRegionsUnavailable) => {
            let regions = harness
                .discover(&section)
                .await
                .unwrap_or_else(|e| panic!("an empty listing is a normal state, not {e}"));
            let found = folded(regions.iter().map(|r| r.id.as_str()));
            if verdict == EmptyAnswer::KnownRegionsUnavailable {
                let known = folded(spec.descriptor.policy.known.regions.iter().copied());
                assert!(!known.is_empty(), "no builtin list to mark unavailable");
                assert_eq!(found, known);
            } else {
                let listed = folded(spec.real_regions().iter().copied());
                assert!(found.is_superset(&listed), "{found:?}");
            }
            assert!(
                regions
                    .iter()
                    .all(|r| r.status == RegionStatus::Unavailable),
                "{regions:?}"
            );
            let report = harness.resolve(section, &ResolveOptions::default()).await;
            let resolution = report
                .resolution
                .unwrap_or_else(|| panic!("no live answer: {:?}", report.error));
            assert_eq!(resolution.source, Source::Live);
            assert!(resolution.regions.is_empty(), "{:?}", resolution.regions);
            for id in spec.real_regions() {
                assert_eq!(
                    resolution.exclusion_of(id),
                    Some(ExclusionReason::Unavailable),
                    "{id}"
                );
            }
            match &report.error {
                Some(error @ Error::EmptyResult { chain, .. }) => {
                    assert!(chain.iter().any(|c| c.contains("unavailable")), "{chain:?}");
                    spec.check_says(Case::EmptyAnswer, &error.to_string());
                }
                other => panic!("expected a no-usable-region error, got {other:?}"),
            }
        }
    }
}

/// The labelled builtin fallback a report must hold after a live failure: the builtin `known`
/// list (with a pinned list applied), a warning that says so, and the live error, returned.
///
/// A cluster-scoped backend has no builtin list: there the live error is reported and nothing
/// answers in its place.
fn builtin_fallback(spec: &BackendSpec, report: BackendReport) -> ProviderError {
    if spec.descriptor.policy.scope == PolicyScope::Cluster {
        assert!(
            report.resolution.is_none(),
            "a cluster-scoped backend answered without its clusters: {:?}",
            report.resolution
        );
        return match report.error {
            Some(Error::Provider(error)) => error,
            other => panic!("expected the live error, got {other:?}"),
        };
    }
    let resolution = report
        .resolution
        .unwrap_or_else(|| panic!("no fallback answer: {:?}", report.error));
    assert_eq!(resolution.source, Source::Builtin);
    assert!(!resolution.regions.is_empty(), "an empty fallback");
    assert!(
        resolution.warnings.iter().any(|w| w.contains("builtin")),
        "{:?}",
        resolution.warnings
    );
    let policy = &spec.descriptor.policy;
    let known = folded(policy.known.regions.iter().copied());
    let kept = folded(resolution.regions.iter().map(|r| r.id.as_str()));
    let excluded = folded(resolution.excluded.iter().map(|e| e.id.as_str()));
    let listed: BTreeSet<String> = kept.union(&excluded).cloned().collect();
    assert_eq!(listed, known, "the fallback is not the builtin list");
    if let Some(pinned) = policy.pinned {
        // No regions are named here, so a backend with defaults keeps only those.
        let usable: BTreeSet<String> = known
            .iter()
            .filter(|id| pinned.contains(id))
            .filter(|id| policy.defaults.is_none_or(|d| d.contains(id)))
            .cloned()
            .collect();
        assert_eq!(
            kept, usable,
            "the fallback keeps other than pinned ∩ defaults ∩ known"
        );
    }
    resolution
        .live_error
        .clone()
        .unwrap_or_else(|| panic!("the fallback names no live error"))
}

/// When the provider is down, resolution answers from the builtin list, says so in a warning
/// and keeps the live error.
pub async fn provider_outage_falls_back_to_the_builtin_list_labelled(spec: &BackendSpec) {
    let harness = spec.start().await;
    harness.emulator().set_fault(spec.fault(FaultKind::Http503));
    let report = harness
        .resolve(spec.section(&harness, ""), &ResolveOptions::default())
        .await;
    let live_error = builtin_fallback(spec, report);
    assert_eq!(
        live_error.kind,
        ProviderErrorKind::Unavailable,
        "{live_error}"
    );
    assert_eq!(live_error.status, Some(503), "{live_error}");
}

/// An API nothing answers at is an outage like any other: the labelled builtin list answers.
pub async fn an_unreachable_api_falls_back_to_the_builtin_list_labelled(spec: &BackendSpec) {
    let creds = spec.required(&spec.creds, "creds");
    let section = section_at_key(
        spec.id(),
        UNREACHABLE_ENDPOINT,
        spec.creds_key,
        &creds,
        &spec.extra_keys,
    );
    let report = crate::kit(spec.descriptor)
        .resolve_sections(vec![section], &ResolveOptions::default())
        .await
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("no report for the section"));
    let live_error = builtin_fallback(spec, report);
    assert_eq!(
        live_error.kind,
        ProviderErrorKind::Unavailable,
        "{live_error}"
    );
    assert_eq!(live_error.status, None, "no HTTP answer: {live_error}");
}

/// Named regions are kept in the order the run names them, whatever their case; a region the
/// backend's `regions` leaves out is explained as such.
pub async fn resolution_keeps_named_regions_in_run_order(spec: &BackendSpec) {
    let harness = spec.start().await;
    let (first, second) = (spec.real_regions()[0], spec.real_regions()[1]);
    let report = harness
        .resolve(
            spec.section(&harness, &yaml_list(&[first, second])),
            &ResolveOptions::default()
                .with_run_regions("--region", vec![other_case(second), first.to_owned()]),
        )
        .await;
    assert!(report.error.is_none(), "{:?}", report.error);
    let resolution = report.resolution.unwrap_or_else(|| panic!("no resolution"));
    assert_eq!(resolution.source, Source::Live);
    assert_eq!(kept_ids(&resolution), [second, first]);
    if let Some(third) = spec.regions.get(2) {
        assert_eq!(
            resolution.exclusion_of(third),
            Some(ExclusionReason::NotInBackendConfig),
            "{third}"
        );
    }
}

/// The run's `regions` narrow the backend's: a region the run does not name is explained as
/// such.
pub async fn run_regions_narrow_the_backend_regions(spec: &BackendSpec) {
    let harness = spec.start().await;
    let regions = spec.real_regions();
    let (last, others) = regions.split_last().unwrap_or_else(|| panic!("no regions"));
    let report = harness
        .resolve(
            spec.section(&harness, &yaml_list(regions)),
            &ResolveOptions::default().with_run_regions("--region", vec![other_case(last)]),
        )
        .await;
    assert!(report.error.is_none(), "{:?}", report.error);
    let resolution = report.resolution.unwrap_or_else(|| panic!("no resolution"));
    assert_eq!(kept_ids(&resolution), [*last]);
    for other in others {
        assert_eq!(
            resolution.exclusion_of(other),
            Some(ExclusionReason::NotInRunConfig),
            "{other}"
        );
    }
}

/// A region the provider does not have is a config error that suggests the nearest real one.
pub async fn unknown_backend_region_suggests_the_nearest_real_one(spec: &BackendSpec) {
    let (misspelt, suggested) = spec.required(&spec.misspelling, "misspelling");
    let harness = spec.start().await;
    let report = harness
        .resolve(
            spec.section(&harness, &yaml_list(&[misspelt])),
            &ResolveOptions::default(),
        )
        .await;
    match report.error {
        Some(Error::UnknownRegion {
            name, suggestions, ..
        }) => {
            assert_eq!(name, misspelt);
            assert_eq!(
                suggestions.first().map(String::as_str),
                Some(suggested),
                "{suggestions:?}"
            );
        }
        other => panic!("expected an unknown-region error, got {other:?}"),
    }
}

/// Exactly the live regions the builtin list lacks are reported as new.
pub async fn live_regions_missing_from_the_builtin_list_are_reported_as_new(spec: &BackendSpec) {
    let harness = spec.start().await;
    let report = harness
        .resolve(spec.section(&harness, ""), &ResolveOptions::default())
        .await;
    let resolution = report
        .resolution
        .unwrap_or_else(|| panic!("no resolution: {:?}", report.error));
    assert_eq!(resolution.source, Source::Live);
    assert_eq!(
        folded(resolution.new.iter().map(|id| id.as_str())),
        folded(spec.new_regions.iter().copied())
    );
}

/// No secret of the credentials appears in the section's or the provider's `Debug` output,
/// nor in the error the provider's rejection ends in.
pub async fn secrets_never_appear_in_debug_or_errors(spec: &BackendSpec) {
    let creds = spec.required(&spec.canary_creds, "canary_creds");
    assert!(
        !spec.secrets.is_empty(),
        "the conformance spec of {} names no secrets to look for",
        spec.id()
    );
    let harness = spec.start().await;
    let section = spec.section_with_creds(&harness, &creds, "");
    let provider = harness.provider(&section);
    let report = harness
        .resolve(section.clone(), &ResolveOptions::default())
        .await;
    let error = report
        .error
        .unwrap_or_else(|| panic!("the emulator accepted the canary credentials"));
    let shown = [
        ("the section's Debug", format!("{section:?}")),
        ("the provider's Debug", format!("{provider:?}")),
        ("the error", error.to_string()),
        ("the error's Debug", format!("{error:?}")),
    ];
    for secret in &spec.secrets {
        for (what, text) in &shown {
            assert!(
                !text.contains(secret.as_str()),
                "{what} shows a secret: {text}"
            );
        }
    }
}

/// A section without `creds` (or the spec's `creds_key`) is a config error naming the backend, the field and what to add.
pub async fn missing_creds_name_the_field_and_the_fix(spec: &BackendSpec) {
    let section = section_from_yaml(&format!(
        "backends:\n  - type: {}\n{}",
        spec.id(),
        spec.extra_keys
    ));
    let error = match (spec.descriptor.build)(&section) {
        Ok(provider) => panic!("built {provider:?} without creds"),
        Err(error) => error,
    };
    assert_eq!(error.kind(), "config", "{error}");
    let message = error.to_string();
    assert!(
        message.contains(spec.id()) && message.contains(spec.creds_key),
        "{message}"
    );
    spec.check_says(Case::MissingCreds, &message);
}

/// Expands into one `#[tokio::test]` per conformance case, in a module `conformance`, each
/// running the case on the [`BackendSpec`] that the named function returns:
/// `regionkit_testkit::conformance_tests!(spec);` beside `fn spec() -> BackendSpec`.
///
/// The test file's crate needs `tokio` (with `macros` and `rt`) among its dev-dependencies.
#[macro_export]
macro_rules! conformance_tests {
    ($spec:ident) => {
        $crate::__conformance_cases!(
            $spec;
            one_discovery_makes_the_listed_calls,
            wrong_credentials_are_an_auth_error,
            forbidden_is_an_auth_error,
            rejected_credentials_get_no_fallback,
            rate_limit_with_retry_after_is_waited_out_then_succeeds,
            retry_after_past_the_deadline_is_not_waited_for,
            server_errors_are_retried_then_reported_as_unavailable,
            service_unavailable_is_a_temporary_error,
            malformed_body_is_a_bad_response,
            truncated_body_is_reported_as_cut_off,
            oversized_body_is_refused,
            an_empty_answer_is_never_an_empty_success,
            provider_outage_falls_back_to_the_builtin_list_labelled,
            an_unreachable_api_falls_back_to_the_builtin_list_labelled,
            resolution_keeps_named_regions_in_run_order,
            run_regions_narrow_the_backend_regions,
            unknown_backend_region_suggests_the_nearest_real_one,
            live_regions_missing_from_the_builtin_list_are_reported_as_new,
            secrets_never_appear_in_debug_or_errors,
            missing_creds_name_the_field_and_the_fix,
        );
    };
}

/// The expansion of [`conformance_tests!`]: one test per case name.
#[doc(hidden)]
#[macro_export]
macro_rules! __conformance_cases {
    ($spec:ident; $($case:ident),* $(,)?) => {
        mod conformance {
            $(
                #[tokio::test]
                async fn $case() {
                    $crate::conformance::$case(&super::$spec()).await;
                }
            )*
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_match_as_they_say() {
        let message = "RESOURCE_EXHAUSTED: quota exceeded";
        assert!(Text::StartsWith("RESOURCE_EXHAUSTED: ").matches(message));
        assert!(!Text::StartsWith("quota").matches(message));
        assert!(Text::Contains("quota").matches(message));
        assert!(!Text::Contains("QUOTA").matches(message));
        assert!(Text::Is(message).matches(message));
        assert!(!Text::Is("RESOURCE_EXHAUSTED").matches(message));
    }

    #[test]
    fn region_names_flip_to_the_other_case() {
        assert_eq!(other_case("us-east-1"), "US-EAST-1");
        assert_eq!(other_case("FIN-01"), "fin-01");
        assert_eq!(other_case("EU-ro-1"), "EU-RO-1");
    }

    #[test]
    fn region_lists_are_written_as_one_quoted_yaml_line() {
        assert_eq!(
            yaml_list(&["us-east-1", "FIN-01"]),
            "    regions: [\"us-east-1\", \"FIN-01\"]\n"
        );
    }
}
