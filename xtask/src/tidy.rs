//! `cargo xtask tidy`: repository rules checked mechanically.
//!
//! 1. The simulation crate `faultline-sim` stays web-free: its normal dependency tree (all targets)
//!    contains no leptos, web-sys, js-sys, wasm-bindgen or gloo crate.
//! 2. Every `.rs` file under `sim/src`, `src` and `xtask/src` starts with a `//!` module doc.

use crate::cmd::{self, Result, step};
use std::path::{Path, PathBuf};

/// Crate-name prefixes that must not appear in the simulation crate's dependencies.
const WEB_CRATES: &[&str] = &["leptos", "web-sys", "wasm-bindgen", "js-sys", "gloo"];

/// Source roots whose files need a `//!` module doc.
const DOC_ROOTS: &[&str] = &["sim/src", "src", "xtask/src"];

pub fn run() -> Result {
    step("tidy: faultline-sim has no web dependency");
    let mut problems = Vec::new();
    let tree = cmd::capture(cmd::cargo().args([
        "tree",
        "-p",
        "faultline-sim",
        "-e",
        "normal",
        "--target",
        "all",
        "--prefix",
        "none",
    ]))
    .ok_or("`cargo tree -p faultline-sim -e normal` failed")?;
    let web = web_crates(&tree);
    if web.is_empty() {
        println!("ok: no {} in faultline-sim's dependencies", WEB_CRATES.join("/"));
    } else {
        problems.push(format!("faultline-sim depends on web crates (keep it pure Rust): {}", web.join(", ")));
    }

    step("tidy: every .rs file starts with a `//!` module doc");
    let root = cmd::root();
    let mut files = Vec::new();
    for dir in DOC_ROOTS {
        collect_rs(&root.join(dir), &mut files);
    }
    let mut undocumented = 0;
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap_or_default();
        if !starts_with_module_doc(&text) {
            undocumented += 1;
            problems.push(format!(
                "{} does not start with a `//!` module doc saying what it owns",
                file.strip_prefix(&root).unwrap_or(file).display()
            ));
        }
    }
    if undocumented == 0 {
        println!("ok: {} .rs files, all with a `//!` module doc", files.len());
    }

    if problems.is_empty() {
        Ok(())
    } else {
        for p in &problems {
            eprintln!("tidy: {p}");
        }
        Err(format!("{} tidy problem(s)", problems.len()))
    }
}

/// Distinct web crates (`name vX.Y.Z`) in `cargo tree --prefix none` output.
pub fn web_crates(tree: &str) -> Vec<String> {
    let mut found: Vec<String> = tree
        .lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            let name = words.next()?;
            let version = words.next().unwrap_or("");
            WEB_CRATES
                .iter()
                .any(|w| name == *w || name.starts_with(&format!("{w}-")) || name.starts_with(&format!("{w}_")))
                .then(|| format!("{name} {version}"))
        })
        .collect();
    found.sort();
    found.dedup();
    found
}

/// True if the first line (after an optional BOM) is a `//!` doc comment.
pub fn starts_with_module_doc(text: &str) -> bool {
    text.trim_start_matches('\u{feff}').starts_with("//!")
}

fn collect_rs(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.filter_map(|e| e.ok()).map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            collect_rs(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_web_crates_in_a_tree() {
        let tree = "faultline-sim v0.1.0 (/x/sim)\nlibm v0.2.15\nwasm-bindgen v0.2.130\n\
                    wasm-bindgen-shared v0.2.130\ngloo-timers v0.3.0\nrand v0.10.0\nleptos v0.8.2\n\
                    wasm-bindgen v0.2.130\n";
        assert_eq!(
            web_crates(tree),
            vec!["gloo-timers v0.3.0", "leptos v0.8.2", "wasm-bindgen v0.2.130", "wasm-bindgen-shared v0.2.130"]
        );
        assert!(web_crates("faultline-sim v0.1.0\nrand_pcg v0.10.0\nlibm v0.2.15\n").is_empty());
    }

    #[test]
    fn module_doc_must_come_first() {
        assert!(starts_with_module_doc("//! The kernel.\nuse x;"));
        assert!(!starts_with_module_doc("/// Item doc.\nfn f() {}"));
        assert!(!starts_with_module_doc("\n//! Late.\n"));
        assert!(!starts_with_module_doc("use x;\n//! Late.\n"));
    }
}
