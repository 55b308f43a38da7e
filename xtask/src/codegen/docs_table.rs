//! `docs/backends.md`: one row per backend (id, aliases, policy, API called, sizes of the
//! curated lists, config keys, credential shapes), then every curated list's provenance.

use std::fmt::Write as _;

use super::{Codegen, Kind};
use crate::error::Result;
use crate::project::{Backend, Workspace, DOCS_TABLE, REGIONS_DIR};

pub fn generate(check: bool) -> Result<()> {
    super::run_one(check, generate_in)
}

pub fn generate_in(codegen: &mut Codegen, workspace: &Workspace) -> Result<()> {
    codegen.ensure_generated(
        DOCS_TABLE,
        Kind::Markdown,
        &format!("{REGIONS_DIR}/*.toml"),
        &render(workspace),
    )
}

fn render(workspace: &Workspace) -> String {
    let mut out = String::from(
        "# Backends\n\n\
         Every backend crate under `crates/backends/`, with its curated lists from\n\
         `data/regions/<id>.toml`. A policy says how those lists narrow the live regions:\n\
         `dynamic` keeps every live region; `pinned` keeps only live regions where the\n\
         orchestrator's image is published; `defaults` is the vetted subset used only when no\n\
         regions are named; `cluster` takes the regions a cluster reports. `known` is the last\n\
         full list seen, used offline and as the fallback of last resort.\n\n\
         | id | aliases | policy | API called | pinned | defaults | known | config keys | credential shapes |\n\
         | --- | --- | --- | --- | ---: | ---: | ---: | --- | --- |\n",
    );
    for backend in &workspace.backends {
        let meta = &backend.data.backend;
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} | {} | {} | {} | {} | {} |",
            meta.id,
            code_list(&meta.aliases),
            backend.policy(),
            cell(&meta.api),
            size(backend.data.pinned.as_ref().map(|l| l.regions.len())),
            size(backend.data.defaults.as_ref().map(|l| l.regions.len())),
            size(backend.data.known.as_ref().map(|l| l.regions.len())),
            code_list(&meta.config_keys),
            code_list(&meta.credential_shapes),
        );
    }
    out.push_str(
        "\n## Keys of the orchestrator's config\n\n\
         A backend section may also hold these keys of dstack's own `config.yml`, which regionkit\n\
         accepts and does not read, so an existing config loads unchanged. Any other key is a\n\
         config error that names the nearest valid key.\n\n\
         | backend | accepted, not read |\n\
         | --- | --- |\n",
    );
    for backend in &workspace.backends {
        let _ = writeln!(
            out,
            "| `{}` | {} |",
            backend.id(),
            code_list(&backend.data.backend.orchestrator_keys)
        );
    }
    out.push_str(
        "\n## Curated lists\n\n\
         Where each list comes from and when it was last checked against its source.\n\n\
         | backend | list | regions | as of | reason | source |\n\
         | --- | --- | ---: | --- | --- | --- |\n",
    );
    for backend in &workspace.backends {
        provenance_rows(&mut out, backend);
    }
    out
}

fn provenance_rows(out: &mut String, backend: &Backend) {
    for (name, list) in backend.data.lists() {
        let mut reason = cell(&list.reason);
        if let Some(hint) = list.hint.as_deref().filter(|h| !h.trim().is_empty()) {
            let _ = write!(reason, " ({})", cell(hint));
        }
        let _ = writeln!(
            out,
            "| `{}` | {name} | {} | {} | {reason} | {} |",
            backend.id(),
            list.regions.len(),
            list.as_of,
            cell(&list.source),
        );
    }
}

fn size(len: Option<usize>) -> String {
    len.map_or_else(|| "–".to_owned(), |n| n.to_string())
}

fn code_list(items: &[String]) -> String {
    if items.is_empty() {
        return "–".to_owned();
    }
    let coded: Vec<String> = items.iter().map(|i| format!("`{}`", cell(i))).collect();
    coded.join(", ")
}

/// Text safe inside a table cell: no pipes, no line breaks.
fn cell(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace('|', "\\|")
}

#[cfg(test)]
mod tests {
    #[test]
    fn docs_table_is_fresh() -> Result<(), crate::error::Error> {
        super::generate(true)
    }

    #[test]
    fn cells_escape_pipes_and_fold_lines() {
        assert_eq!(super::cell("a | b\n c"), "a \\| b c");
    }
}
