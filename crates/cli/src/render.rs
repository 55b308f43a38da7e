//! Output: the JSON contract (DESIGN §5) and tables for people.
//!
//! JSON keeps every value exactly as the provider gave it. Tables are read in a terminal, so
//! text that came from a provider or a snapshot (ids, names, zones, warnings, errors) goes
//! through [`shown`] first: control characters, escape sequences, bidirectional overrides and
//! line breaks become visible escapes, and long text is cut with an ellipsis.

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
                        Some((_, ids)) => ids.push(id(exclusion.id.as_str())),
                        None => reasons.push((reason, vec![id(exclusion.id.as_str())])),
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
        let _ = writeln!(out, "  error: {}", shown(&error.to_string(), MESSAGE_CHARS));
    } else if let Some(error) = report
        .resolution
        .as_ref()
        .and_then(|r| r.live_error.as_ref())
    {
        let source = report
            .resolution
            .as_ref()
            .map_or("fallback", |r| r.source.as_str());
        let _ = writeln!(
            out,
            "  error: {} (answered from {source})",
            shown(&error.to_string(), MESSAGE_CHARS)
        );
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
                shown(&report.backend, ID_CHARS),
                r.source,
                timestamp(r.fetched_at),
                r.regions.len()
            );
        }
        None => {
            let _ = writeln!(
                out,
                "{} ({policy} policy): not resolved",
                shown(&report.backend, ID_CHARS)
            );
        }
    }
}

fn kept_table(out: &mut String, resolution: &Resolution) {
    if resolution.regions.is_empty() {
        return;
    }
    let rows: Vec<(String, &str, String)> = resolution
        .regions
        .iter()
        .map(|r| {
            (
                id(r.id.as_str()),
                r.status.as_str(),
                shown(&r.display_name, NAME_CHARS).into_owned(),
            )
        })
        .collect();
    let width = column_width(rows.iter().map(|(id, _, _)| id.as_str()));
    let _ = writeln!(out, "  {:<width$}  {:<11}  NAME", "REGION", "STATUS");
    for (id, status, name) in rows {
        let _ = writeln!(out, "  {}  {status:<11}  {name}", padded(&id, width));
    }
}

fn trailer(out: &mut String, resolution: &Resolution) {
    if !resolution.new.is_empty() {
        let ids: Vec<String> = resolution.new.iter().map(|r| id(r.as_str())).collect();
        let _ = writeln!(out, "  new (not in the builtin list): {}", ids.join(", "));
    }
    for warning in &resolution.warnings {
        let _ = writeln!(out, "  warning: {}", shown(warning, MESSAGE_CHARS));
    }
}

/// Every region of one backend with its verdict, and the curated lists behind any
/// `no-image` or `not-in-defaults` verdict with their reason, date and way out.
pub fn explain_table(report: &BackendReport, registry: &Registry) -> String {
    let mut out = String::new();
    header(&mut out, report);
    if let Some(resolution) = &report.resolution {
        let all: Vec<(String, &str, String)> = resolution
            .regions
            .iter()
            .map(|r| {
                let mut why = format!("{} ({})", shown(&r.display_name, NAME_CHARS), r.status);
                if let Some(place) = place(r) {
                    why.push_str("; ");
                    why.push_str(&place);
                }
                (id(r.id.as_str()), "kept", why)
            })
            .chain(resolution.excluded.iter().map(|e| {
                (
                    id(e.id.as_str()),
                    e.reason.as_str(),
                    shown(e.explanation(), MESSAGE_CHARS).into_owned(),
                )
            }))
            .collect();
        let width = column_width(all.iter().map(|(id, _, _)| id.as_str()));
        let _ = writeln!(out, "  {:<width$}  {:<21}  WHY", "REGION", "VERDICT");
        for (id, verdict, why) in all {
            let _ = writeln!(out, "  {}  {verdict:<21}  {why}", padded(&id, width));
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

/// Longest id shown in a table; longer ones are cut with an ellipsis (JSON keeps them whole).
const ID_CHARS: usize = 64;
/// Longest display name shown in a table.
const NAME_CHARS: usize = 80;
/// Longest warning or error shown in a table.
const MESSAGE_CHARS: usize = 600;

/// Provider text made safe for a terminal: control characters (escape sequences included),
/// bidirectional overrides and isolates, and line breaks become visible `\u{..}`-style escapes;
/// text longer than `max` characters is cut with an ellipsis. Plain text is borrowed as is.
pub fn shown(text: &str, max: usize) -> std::borrow::Cow<'_, str> {
    let unsafe_char = |c: char| c.is_control() || is_bidi_control(c);
    if text.chars().count() <= max && !text.chars().any(unsafe_char) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::new();
    let mut count = 0;
    for c in text.chars() {
        let piece = match c {
            '\n' => "\\n".to_owned(),
            '\r' => "\\r".to_owned(),
            '\t' => "\\t".to_owned(),
            c if unsafe_char(c) => format!("\\u{{{:x}}}", u32::from(c)),
            c => c.to_string(),
        };
        let len = piece.chars().count();
        if count + len > max.saturating_sub(1) {
            out.push('…');
            return std::borrow::Cow::Owned(out);
        }
        count += len;
        out.push_str(&piece);
    }
    std::borrow::Cow::Owned(out)
}

/// Marks that reorder text on screen: embeddings, overrides, isolates and direction marks.
fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
    )
}

/// A region id as a table shows it.
fn id(text: &str) -> String {
    shown(text, ID_CHARS).into_owned()
}

/// Where a region is, as its location and zones say: "US, Virginia; zones a, b".
fn place(region: &regionkit::Region) -> Option<String> {
    let mut parts = Vec::new();
    if let Some(location) = &region.location {
        let text: Vec<&str> = [location.country.as_deref(), location.city.as_deref()]
            .into_iter()
            .flatten()
            .collect();
        if !text.is_empty() {
            parts.push(shown(&text.join(", "), NAME_CHARS).into_owned());
        } else if let Some(raw) = &location.raw {
            parts.push(shown(raw, NAME_CHARS).into_owned());
        }
    }
    if !region.zones.is_empty() {
        let zones: Vec<String> = region.zones.iter().map(|z| id(z)).collect();
        parts.push(shown(&format!("zones {}", zones.join(", ")), MESSAGE_CHARS).into_owned());
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}

/// The width of a column of shown ids (characters, not bytes), at least the header's.
fn column_width<'a>(ids: impl Iterator<Item = &'a str>) -> usize {
    ids.map(|id| id.chars().count()).max().unwrap_or(0).max(6)
}

/// `text` padded with spaces to `width` characters.
fn padded(text: &str, width: usize) -> String {
    let pad = width.saturating_sub(text.chars().count());
    format!("{text}{}", " ".repeat(pad))
}

/// An error that stopped the command before any backend was resolved, as JSON.
pub fn fatal_json(error: &Error) -> String {
    Report::failed(error).to_json()
}
