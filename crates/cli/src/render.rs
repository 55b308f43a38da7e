//! Output: the JSON contract (DESIGN §5) and tables for people.

use std::fmt::Write as _;

use regionkit::report::timestamp;
use regionkit::{
    BackendReport, Error, ExclusionReason, RegionPolicy, Registry, Report, Resolution, Source,
};
use serde::Serialize;
use serde_json::{json, Value};

/// `{"backends": [...]}` exactly as the contract gives it: the library's own report.
pub fn reports_json(reports: &[BackendReport]) -> String {
    Report::new(reports).to_json()
}

/// One block per backend: kept regions, then what was left out, new regions and warnings.
pub fn reports_table(reports: &[BackendReport]) -> String {
    let mut out = String::new();
    for (i, report) in reports.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        header(&mut out, report);
        if let Some(resolution) = &report.resolution {
            kept_table(&mut out, resolution);
            if !resolution.excluded.is_empty() {
                let mut reasons: Vec<(String, Vec<String>)> = Vec::new();
                for exclusion in &resolution.excluded {
                    let reason = exclusion.reason.to_string();
                    match reasons.iter_mut().find(|(r, _)| *r == reason) {
                        Some((_, ids)) => ids.push(exclusion.id.to_string()),
                        None => reasons.push((reason, vec![exclusion.id.to_string()])),
                    }
                }
                let _ = writeln!(out, "  excluded ({}):", resolution.excluded.len());
                for (reason, ids) in reasons {
                    let _ = writeln!(out, "    {reason}: {}", ids.join(", "));
                }
            }
            trailer(&mut out, resolution);
        }
        live_error(&mut out, report);
    }
    out
}

/// The error that stopped a backend, or the live failure a fallback answered for.
fn live_error(out: &mut String, report: &BackendReport) {
    if let Some(error) = &report.error {
        let _ = writeln!(out, "  error: {error}");
    } else if let Some(error) = report
        .resolution
        .as_ref()
        .and_then(|r| r.live_error.as_ref())
    {
        let source = report
            .resolution
            .as_ref()
            .map_or("fallback", |r| r.source.as_str());
        let _ = writeln!(out, "  error: {error} (answered from {source})");
    }
}

fn header(out: &mut String, report: &BackendReport) {
    let policy = report.policy.map_or("?", |p| p.as_str());
    match &report.resolution {
        Some(r) => {
            // Builtin data is as old as the list's last check, not fetched by this call.
            let when = if r.source == Source::Builtin {
                "as of"
            } else {
                "fetched"
            };
            let _ = writeln!(
                out,
                "{} ({policy} policy, source: {}, {when} {}): {} usable region(s)",
                report.backend,
                r.source,
                timestamp(r.fetched_at),
                r.regions.len()
            );
        }
        None => {
            let _ = writeln!(out, "{} ({policy} policy): not resolved", report.backend);
        }
    }
}

fn kept_table(out: &mut String, resolution: &Resolution) {
    if resolution.regions.is_empty() {
        return;
    }
    let width = resolution
        .regions
        .iter()
        .map(|r| r.id.as_str().len())
        .max()
        .unwrap_or(6)
        .max(6);
    let _ = writeln!(out, "  {:<width$}  {:<11}  NAME", "REGION", "STATUS");
    for region in &resolution.regions {
        let _ = writeln!(
            out,
            "  {:<width$}  {:<11}  {}",
            region.id.as_str(),
            region.status.as_str(),
            region.display_name
        );
    }
}

fn trailer(out: &mut String, resolution: &Resolution) {
    if !resolution.new.is_empty() {
        let ids: Vec<_> = resolution.new.iter().map(|id| id.as_str()).collect();
        let _ = writeln!(out, "  new (not in the builtin list): {}", ids.join(", "));
    }
    for warning in &resolution.warnings {
        let _ = writeln!(out, "  warning: {warning}");
    }
}

/// Every region of one backend with its verdict, and the curated lists behind any
/// `no-image` or `not-in-defaults` verdict with their reason, date and way out.
pub fn explain_table(report: &BackendReport, registry: &Registry) -> String {
    let mut out = String::new();
    header(&mut out, report);
    if let Some(resolution) = &report.resolution {
        let all: Vec<(&str, &str, String)> = resolution
            .regions
            .iter()
            .map(|r| {
                (
                    r.id.as_str(),
                    "kept",
                    format!("{} ({})", r.display_name, r.status),
                )
            })
            .chain(
                resolution
                    .excluded
                    .iter()
                    .map(|e| (e.id.as_str(), e.reason.as_str(), e.explanation().to_owned())),
            )
            .collect();
        let width = all
            .iter()
            .map(|(id, _, _)| id.len())
            .max()
            .unwrap_or(6)
            .max(6);
        let _ = writeln!(out, "  {:<width$}  {:<21}  WHY", "REGION", "VERDICT");
        for (id, verdict, why) in all {
            let _ = writeln!(out, "  {id:<width$}  {verdict:<21}  {why}");
        }
        trailer(&mut out, resolution);
        if let Ok(descriptor) = registry.get(&report.backend) {
            curated_lists(&mut out, resolution, &descriptor.policy);
        }
    }
    live_error(&mut out, report);
    out
}

fn curated_lists(out: &mut String, resolution: &Resolution, policy: &RegionPolicy) {
    let lists = [
        (ExclusionReason::NoImage, "pinned", policy.pinned),
        (ExclusionReason::NotInDefaults, "defaults", policy.defaults),
    ];
    for (reason, name, list) in lists {
        let Some(list) = list else { continue };
        if !resolution.excluded.iter().any(|e| e.reason == reason) {
            continue;
        }
        let _ = writeln!(
            out,
            "  {reason}: the {name} list ({} regions, as of {}): {}",
            list.len(),
            list.as_of,
            list.reason
        );
        if !list.hint.is_empty() {
            let _ = writeln!(out, "    {}", list.hint);
        }
    }
}

#[derive(Serialize)]
struct BackendRow {
    id: &'static str,
    aliases: &'static [&'static str],
    display_name: &'static str,
    policy: &'static str,
    pinned: usize,
    defaults: usize,
    known: usize,
    api: &'static str,
}

fn backend_rows(registry: &Registry) -> Vec<BackendRow> {
    registry
        .iter()
        .map(|d| BackendRow {
            id: d.id,
            aliases: d.aliases,
            display_name: d.display_name,
            policy: d.policy.kind().as_str(),
            pinned: d.policy.pinned.map_or(0, |l| l.len()),
            defaults: d.policy.defaults.map_or(0, |l| l.len()),
            known: d.policy.known.len(),
            api: d.api,
        })
        .collect()
}

pub fn backends_json(registry: &Registry) -> Value {
    json!({ "backends": backend_rows(registry) })
}

pub fn backends_table(registry: &Registry) -> String {
    let rows = backend_rows(registry);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<12} {:<10} {:<16} {:>6} {:>8} {:>5}  API",
        "BACKEND", "ALIASES", "POLICY", "PINNED", "DEFAULTS", "KNOWN"
    );
    for row in rows {
        let _ = writeln!(
            out,
            "{:<12} {:<10} {:<16} {:>6} {:>8} {:>5}  {}",
            row.id,
            if row.aliases.is_empty() {
                "-".to_owned()
            } else {
                row.aliases.join(",")
            },
            row.policy,
            row.pinned,
            row.defaults,
            row.known,
            row.api
        );
    }
    out
}

/// An error that stopped the command before any backend was resolved, as JSON.
pub fn fatal_json(error: &Error) -> String {
    Report::failed(error).to_json()
}
