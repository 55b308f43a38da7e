//! `cargo xtask`: workspace automation for regionkit.

fn main() {
    eprintln!("usage: cargo xtask <codegen [--check] | new-backend NAME | check-features>");
    std::process::exit(2);
}
