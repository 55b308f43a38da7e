//! The facade's per-backend pieces, from the crates under `crates/backends/`: one optional
//! dependency and one feature per backend (plus `full` and the `emulator` forwarding) between
//! the marker comments of its `Cargo.toml`, and its link file `src/linked.rs`, which names
//! every enabled backend crate so its `inventory` registration is linked.

use std::fmt::Write as _;

use super::{rust_string, Codegen, Kind};
use crate::error::Result;
use crate::project::{Workspace, BACKENDS_DIR, FACADE_DIR};

/// Arrays longer than this on one line are written one item per line.
const MAX_LINE: usize = 100;

pub fn generate(check: bool) -> Result<()> {
    super::run_one(check, generate_in)
}

pub fn generate_in(codegen: &mut Codegen, workspace: &Workspace) -> Result<()> {
    let manifest_file = format!("{FACADE_DIR}/Cargo.toml");
    let manifest = codegen.read(&manifest_file)?;
    let manifest = super::replace_marked_block(
        &manifest,
        &manifest_file,
        "dependencies",
        &dependencies(workspace),
    )?;
    let manifest =
        super::replace_marked_block(&manifest, &manifest_file, "features", &features(workspace))?;
    codegen.ensure_file_contents(&manifest_file, &manifest)?;

    codegen.ensure_generated(
        &format!("{FACADE_DIR}/src/linked.rs"),
        Kind::Rust,
        &format!("{BACKENDS_DIR}/*"),
        &linked(workspace),
    )
}

fn dependencies(workspace: &Workspace) -> String {
    let mut out = String::new();
    for backend in &workspace.backends {
        let _ = writeln!(
            out,
            "{} = {{ path = \"../backends/{}\", version = \"{}\", optional = true }}",
            backend.package, backend.dir_name, backend.version
        );
    }
    out
}

fn features(workspace: &Workspace) -> String {
    let ids: Vec<String> = workspace
        .backends
        .iter()
        .map(|b| b.id().to_owned())
        .collect();
    let mut emulator = vec!["dep:regionkit-emulator".to_owned()];
    emulator.extend(
        workspace
            .backends
            .iter()
            .filter(|b| b.has_emulator)
            .map(|b| format!("{}?/emulator", b.package)),
    );
    let mut out = String::new();
    out.push_str(&feature("full", &ids));
    out.push_str(&feature("emulator", &emulator));
    for backend in &workspace.backends {
        out.push_str(&feature(
            backend.id(),
            &[format!("dep:{}", backend.package)],
        ));
    }
    out
}

/// `name = ["a", "b"]`, one item per line when it would not fit on one.
fn feature(name: &str, items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|i| format!("\"{i}\"")).collect();
    let line = format!("{name} = [{}]\n", quoted.join(", "));
    if line.len() <= MAX_LINE + 1 {
        return line;
    }
    let mut out = format!("{name} = [\n");
    for item in quoted {
        let _ = writeln!(out, "    {item},");
    }
    out.push_str("]\n");
    out
}

fn linked(workspace: &Workspace) -> String {
    let backends = &workspace.backends;
    let mut out = String::from("use regionkit_core::BackendDescriptor;\n\n");
    for backend in backends {
        let _ = writeln!(
            out,
            "#[cfg(feature = {})]\npub use {} as {};",
            rust_string(backend.id()),
            backend.lib_name,
            backend.module_name()
        );
    }
    out.push_str(
        "\n/// The ids of the backends enabled by Cargo features.\npub const ENABLED: &[&str] = &[\n",
    );
    for backend in backends {
        let id = rust_string(backend.id());
        let _ = writeln!(out, "#[cfg(feature = {id})]\n{id},");
    }
    out.push_str(
        "];\n\n\
         /// The descriptors of the enabled backends. Referencing them is also what makes sure each\n\
         /// backend crate is linked, so its `inventory` registration is collected.\n\
         pub fn descriptors() -> Vec<&'static BackendDescriptor> {\nvec![\n",
    );
    for backend in backends {
        let _ = writeln!(
            out,
            "#[cfg(feature = {})]\n&{}::DESCRIPTOR,",
            rust_string(backend.id()),
            backend.lib_name
        );
    }
    out.push_str("]\n}\n");
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn facade_features_and_link_file_are_fresh() -> Result<(), crate::error::Error> {
        super::generate(true)
    }

    #[test]
    fn long_feature_lists_go_one_item_per_line() {
        let items: Vec<String> = (0..12).map(|i| format!("backend-number-{i}")).collect();
        let text = super::feature("full", &items);
        assert!(
            text.starts_with("full = [\n    \"backend-number-0\",\n"),
            "{text}"
        );
        assert!(text.ends_with("    \"backend-number-11\",\n]\n"), "{text}");
        assert_eq!(
            super::feature("full", &items[..1]),
            "full = [\"backend-number-0\"]\n"
        );
    }
}
