//! Each backend's `src/generated.rs` from its `data/regions/<id>.toml`: the descriptor's
//! constants and the curated lists with their provenance, then the policy built from them.

use std::fmt::Write as _;

use super::{rust_string, Codegen, Kind};
use crate::error::Result;
use crate::project::{Backend, CuratedList, Scope, Workspace};

pub fn generate(check: bool) -> Result<()> {
    super::run_one(check, generate_in)
}

pub fn generate_in(codegen: &mut Codegen, workspace: &Workspace) -> Result<()> {
    for backend in &workspace.backends {
        let file = format!("{}/src/generated.rs", backend.crate_dir());
        codegen.ensure_generated(&file, Kind::Rust, &backend.data_file, &render(backend))?;
    }
    Ok(())
}

/// The body of `generated.rs`, before the header and rustfmt.
pub fn render(backend: &Backend) -> String {
    let data = &backend.data;
    let meta = &data.backend;
    let lists = data.lists();
    let mut out = String::new();
    if lists.is_empty() {
        out.push_str("use regionkit_core::registry::BuildProvider;\n");
        out.push_str("use regionkit_core::{BackendDescriptor, RegionPolicy};\n\n");
    } else {
        out.push_str("use regionkit_core::registry::BuildProvider;\n");
        out.push_str("use regionkit_core::{BackendDescriptor, CuratedList, RegionPolicy};\n\n");
    }
    let _ = writeln!(out, "pub const ID: &str = {};", rust_string(&meta.id));
    let _ = writeln!(
        out,
        "pub const DISPLAY_NAME: &str = {};",
        rust_string(&meta.display_name)
    );
    let _ = writeln!(
        out,
        "pub const ALIASES: &[&str] = {};",
        string_slice(&meta.aliases)
    );
    let _ = writeln!(out, "pub const API: &str = {};", rust_string(&meta.api));
    let _ = writeln!(
        out,
        "pub const CONFIG_KEYS: &[&str] = {};",
        string_slice(&meta.config_keys)
    );
    let _ = writeln!(
        out,
        "pub const ORCHESTRATOR_KEYS: &[&str] = {};",
        string_slice(&meta.orchestrator_keys)
    );
    let _ = writeln!(
        out,
        "pub const CREDENTIAL_SHAPES: &[&str] = {};",
        string_slice(&meta.credential_shapes)
    );
    for (name, list) in &lists {
        let _ = write!(
            out,
            "\npub const {}: CuratedList = {};\n",
            name.to_ascii_uppercase(),
            curated_list(list)
        );
    }
    let policy = match meta.scope {
        Scope::Cluster => "RegionPolicy::cluster()".to_owned(),
        Scope::Provider => {
            let mut policy = "RegionPolicy::dynamic(KNOWN)".to_owned();
            if data.pinned.is_some() {
                policy.push_str(".with_pinned(PINNED)");
            }
            if data.defaults.is_some() {
                policy.push_str(".with_defaults(DEFAULTS)");
            }
            policy
        }
    };
    let _ = writeln!(out, "\npub const POLICY: RegionPolicy = {policy};");
    out.push_str(
        "\n/// The backend's descriptor: everything above, and how to build its provider.\n\
         pub const fn descriptor(build: BuildProvider) -> BackendDescriptor {\n\
         BackendDescriptor::new(ID, DISPLAY_NAME, API, POLICY, build)\n\
         .with_aliases(ALIASES)\n\
         .with_config_keys(CONFIG_KEYS)\n\
         .with_orchestrator_keys(ORCHESTRATOR_KEYS)\n\
         .with_credential_shapes(CREDENTIAL_SHAPES)\n\
         }\n",
    );
    out
}

fn string_slice(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| rust_string(s)).collect();
    format!("&[{}]", quoted.join(", "))
}

/// `CuratedList::new(...)` laid out one argument and one region per line, the layout rustfmt
/// gives it and keeps when a long `reason` or `source` stops it from reformatting the call.
fn curated_list(list: &CuratedList) -> String {
    let mut text = String::from("CuratedList::new(\n    &[\n");
    for region in &list.regions {
        let _ = writeln!(text, "        {},", rust_string(region));
    }
    text.push_str("    ],\n");
    for argument in [&list.reason, &list.source, &list.as_of] {
        let _ = writeln!(text, "    {},", rust_string(argument));
    }
    text.push(')');
    if let Some(hint) = list.hint.as_deref().filter(|h| !h.trim().is_empty()) {
        let _ = write!(text, "\n.with_hint({})", rust_string(hint));
    }
    text
}
#[cfg(test)]
mod tests {
    #[test]
    fn backend_tables_are_fresh() -> Result<(), crate::error::Error> {
        super::generate(true)
    }
}
