//! `cargo xtask tidy`: repository rules checked mechanically.
//!
//! 1. The simulation crate `faultline-sim` stays web-free: its normal dependency tree (all targets)
//!    contains no leptos, web-sys, js-sys, wasm-bindgen or gloo crate.
//! 2. Every `.rs` file under `sim/src`, `src` and `xtask/src` starts with a `//!` module doc.
//! 3. The kernel does not import the scene layer: no code line under `sim/src/kernel/` mentions
//!    `crate::scene` (comments may; each offending file:line is reported).
//! 4. `cargo fmt --all --check` passes.
//! 5. clippy is clean with `-D warnings`: the whole workspace natively (`--all-targets`), and the app crate
//!    for `wasm32-unknown-unknown` (`--all-targets`).
//!
//! Every check runs and prints an `ok:` line or its problems (fmt and clippy with the tool's own output);
//! tidy fails at the end, listing them all. Installs the rustfmt / clippy components and the wasm target
//! if missing.

use crate::cmd::{self, Result, step};
use crate::setup;
use std::path::{Path, PathBuf};

/// Crate-name prefixes that must not appear in the simulation crate's dependencies.
const WEB_CRATES: &[&str] = &["leptos", "web-sys", "wasm-bindgen", "js-sys", "gloo"];

/// Source roots whose files need a `//!` module doc.
const DOC_ROOTS: &[&str] = &["sim/src", "src", "xtask/src"];

/// The kernel's directory and the layer it must not import.
const KERNEL_DIR: &str = "sim/src/kernel";
const SCENE_PATH: &str = "crate::scene";

/// Most lines of a tool's output shown per failing check (the rest is counted, not printed).
const MAX_TOOL_LINES: usize = 150;

pub fn run() -> Result {
    let mut problems = Vec::new();
    let root = cmd::root();

    step("tidy: faultline-sim has no web dependency");
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
    .map(|tree| web_crates(&tree));
    match tree {
        None => problems.push("`cargo tree -p faultline-sim -e normal` failed".to_owned()),
        Some(web) if web.is_empty() => println!("ok: no {} in faultline-sim's dependencies", WEB_CRATES.join("/")),
        Some(web) => {
            problems.push(format!("faultline-sim depends on web crates (keep it pure Rust): {}", web.join(", ")))
        }
    }

    step("tidy: every .rs file starts with a `//!` module doc");
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

    step(&format!("tidy: the kernel ({KERNEL_DIR}/) does not import `{SCENE_PATH}`"));
    let mut kernel_files = Vec::new();
    collect_rs(&root.join(KERNEL_DIR), &mut kernel_files);
    let mut offending = 0;
    for file in &kernel_files {
        let text = std::fs::read_to_string(file).unwrap_or_default();
        for line in lines_mentioning(&text, SCENE_PATH) {
            offending += 1;
            problems.push(format!(
                "{}:{line}: the kernel uses `{SCENE_PATH}` (the kernel must not import the scene layer)",
                file.strip_prefix(&root).unwrap_or(file).display()
            ));
        }
    }
    if kernel_files.is_empty() {
        problems.push(format!("{KERNEL_DIR}/ has no .rs files (moved? update xtask/src/tidy.rs)"));
    } else if offending == 0 {
        println!("ok: {} kernel files, none uses `{SCENE_PATH}`", kernel_files.len());
    }

    if let Err(e) = setup::ensure_lint_tools() {
        problems.push(format!("cannot run fmt/clippy: {e}"));
    } else {
        step("tidy: formatting (cargo fmt --all --check)");
        tool_check(
            &mut problems,
            cmd::cargo().args(["fmt", "--all", "--check", "--", "--color", "never"]),
            "ok: cargo fmt --all --check (every file formatted)",
            "code is not formatted (diff above): run cargo fmt --all",
        );

        step("tidy: clippy, native (cargo clippy --workspace --all-targets -- -D warnings)");
        tool_check(
            &mut problems,
            cmd::cargo().args(["clippy", "--color", "never", "--workspace", "--all-targets", "--", "-D", "warnings"]),
            "ok: clippy clean, native (workspace, all targets)",
            "clippy (native) reports problems (output above): fix them, \
             then `cargo clippy --workspace --all-targets -- -D warnings`",
        );

        step(
            "tidy: clippy, wasm (cargo clippy -p faultline --target wasm32-unknown-unknown --all-targets -- -D warnings)",
        );
        tool_check(
            &mut problems,
            cmd::cargo().args([
                "clippy",
                "--color",
                "never",
                "-p",
                "faultline",
                "--target",
                setup::WASM_TARGET,
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ]),
            "ok: clippy clean, app crate for wasm32 (all targets)",
            "clippy (app for wasm32) reports problems (output above): fix them, \
             then `cargo clippy -p faultline --target wasm32-unknown-unknown --all-targets -- -D warnings`",
        );
    }

    if problems.is_empty() {
        Ok(())
    } else {
        step("tidy: problems");
        for p in &problems {
            eprintln!("tidy: {p}");
        }
        Err(format!("{} tidy problem(s)", problems.len()))
    }
}

/// Runs a checking tool quietly (its output is captured, so asked for without colour); on failure prints
/// that output (capped) and records `problem`.
fn tool_check(problems: &mut Vec<String>, command: &mut std::process::Command, ok: &str, problem: &str) {
    match cmd::output(command) {
        Ok((true, _)) => println!("{ok}"),
        Ok((false, out)) => {
            eprintln!("{}", capped(&out, MAX_TOOL_LINES));
            problems.push(problem.to_owned());
        }
        Err(e) => problems.push(e),
    }
}

/// The first `max` lines of `text` (minus cargo's progress lines), plus a count of the lines left out.
pub fn capped(text: &str, max: usize) -> String {
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| {
            let t = l.trim_start();
            !(t.starts_with("Checking ") || t.starts_with("Compiling ") || t.starts_with("Blocking "))
        })
        .collect();
    let mut shown = lines[..lines.len().min(max)].join("\n");
    if lines.len() > max {
        shown.push_str(&format!("\n… ({} more lines)", lines.len() - max));
    }
    shown
}

/// 1-based numbers of the lines whose code (the part before any `//` comment) contains `needle`.
pub fn lines_mentioning(text: &str, needle: &str) -> Vec<usize> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| line.split("//").next().unwrap_or("").contains(needle))
        .map(|(i, _)| i + 1)
        .collect()
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
    fn finds_scene_imports_in_code_not_comments() {
        let text = "//! The kernel never imports `crate::scene`.\nuse crate::scene::Scene;\n\
                    use crate::kernel::World; // not crate::scene\n    let s = crate::scene::id();\n";
        assert_eq!(lines_mentioning(text, "crate::scene"), vec![2, 4]);
        assert!(lines_mentioning("use crate::kernel::time;\n", "crate::scene").is_empty());
    }

    #[test]
    fn caps_tool_output() {
        let out = "    Checking a v1\nerror: one\nerror: two\nerror: three\n";
        assert_eq!(capped(out, 5), "error: one\nerror: two\nerror: three");
        assert_eq!(capped(out, 2), "error: one\nerror: two\n… (1 more lines)");
    }

    #[test]
    fn module_doc_must_come_first() {
        assert!(starts_with_module_doc("//! The kernel.\nuse x;"));
        assert!(!starts_with_module_doc("/// Item doc.\nfn f() {}"));
        assert!(!starts_with_module_doc("\n//! Late.\n"));
        assert!(!starts_with_module_doc("use x;\n//! Late.\n"));
    }
}
