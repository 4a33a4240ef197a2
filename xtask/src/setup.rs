//! Idempotent installation of every external tool the tasks need; each check is fast when the tool is present.
//!
//! - Rust target `wasm32-unknown-unknown` (rustup)
//! - `trunk` 0.21.14 (`cargo install --locked`; 0.22 needs a newer rustc)
//! - `wasm-bindgen` CLI at exactly the `wasm-bindgen` version in Cargo.lock (Trunk and
//!   `wasm-bindgen-test-runner` both insist on the match; without `--locked`, which fails here)
//! - npm dev packages via `npm ci`: binaryen 132 (`wasm-opt`), playwright-core and axe-core
//! - Debian `chromium` + `chromium-driver` for the browser tests (apt), unless `CHROMIUM_PATH` /
//!   `CHROMEDRIVER_PATH` name other binaries (then those are used and Chromium is never apt-installed)
//! - for `tidy` only: the rustfmt and clippy components and the wasm target (`ensure_lint_tools`)
//!
//! apt runs as root, or through `sudo -n` (never a password prompt; stdin is /dev/null): without root or
//! passwordless sudo the step fails with the exact command to run by hand.
//!
//! Trunk would download wasm-bindgen / wasm-opt from GitHub when the local ones are missing or of
//! another version; installing the exact versions here means it never needs to.

use crate::cmd::{self, Result, step};
use std::path::{Path, PathBuf};
use std::process::Stdio;

pub const TRUNK_VERSION: &str = "0.21.14";
pub const WASM_OPT_VERSION: &str = "132";
pub const WASM_TARGET: &str = "wasm32-unknown-unknown";
/// Default browser binaries (Debian's `chromium` and `chromium-driver` packages).
pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// Environment variables that override them (the e2e helpers read `CHROMIUM_PATH` too).
pub const CHROMIUM_ENV: &str = "CHROMIUM_PATH";
pub const CHROMEDRIVER_ENV: &str = "CHROMEDRIVER_PATH";

/// The non-empty value of environment variable `name`, as a path.
fn env_path(name: &str) -> Option<PathBuf> {
    std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from)
}

/// `$CHROMIUM_PATH` if set, else /usr/bin/chromium.
pub fn chromium_path() -> PathBuf {
    env_path(CHROMIUM_ENV).unwrap_or_else(|| PathBuf::from(CHROMIUM))
}

/// `$CHROMEDRIVER_PATH` if set, else /usr/bin/chromedriver.
pub fn chromedriver_path() -> PathBuf {
    env_path(CHROMEDRIVER_ENV).unwrap_or_else(|| PathBuf::from(CHROMEDRIVER))
}

/// Which groups of tools a task needs.
#[derive(Clone, Copy)]
pub struct Needs {
    /// wasm target, trunk, wasm-bindgen, npm packages.
    pub build: bool,
    /// Chromium and chromedriver.
    pub browser: bool,
}

impl Needs {
    pub const BUILD: Needs = Needs { build: true, browser: false };
    pub const ALL: Needs = Needs { build: true, browser: true };
}

/// Installs whatever in `needs` is missing or of the wrong version.
pub fn ensure(needs: Needs) -> Result {
    step("checking tools");
    if needs.build {
        ensure_wasm_target()?;
        ensure_lockfile()?;
        ensure_trunk()?;
        ensure_wasm_bindgen()?;
        ensure_npm_packages()?;
    }
    if needs.browser {
        ensure_chromium()?;
    }
    Ok(())
}

fn ensure_wasm_target() -> Result {
    let installed = cmd::capture(cmd::command("rustup").args(["target", "list", "--installed"]));
    if installed.is_some_and(|list| list.lines().any(|l| l.trim() == WASM_TARGET)) {
        println!("ok: Rust target {WASM_TARGET}");
        return Ok(());
    }
    println!("installing Rust target {WASM_TARGET}…");
    cmd::run(cmd::command("rustup").args(["target", "add", WASM_TARGET]))
}

/// `cargo fetch` creates Cargo.lock if needed (its wasm-bindgen version decides the CLI version)
/// and downloads all crates, so later builds may run offline. Quick when nothing is missing.
fn ensure_lockfile() -> Result {
    cmd::run(cmd::cargo().args(["fetch", "--quiet"]))
}

/// Second word of a `name x.y.z` version line, e.g. `trunk 0.21.14` → `0.21.14`.
pub fn second_word(text: &str) -> Option<&str> {
    text.split_whitespace().nth(1)
}

fn ensure_trunk() -> Result {
    let found = cmd::version_of("trunk");
    if found.as_deref().and_then(second_word) == Some(TRUNK_VERSION) {
        println!("ok: trunk {TRUNK_VERSION}");
        return Ok(());
    }
    println!("installing trunk {TRUNK_VERSION} (about 7 minutes; found: {})…", found.as_deref().unwrap_or("none"));
    let mut install = cmd::cargo();
    install.args(["install", "trunk", "--version", TRUNK_VERSION, "--locked"]);
    if found.is_some() {
        install.arg("--force");
    }
    cmd::run(&mut install)
}

/// Version of the first `[[package]]` called `name` in a Cargo.lock text.
pub fn lock_version(lock: &str, name: &str) -> Option<String> {
    lock.split("[[package]]").skip(1).find_map(|block| {
        let field = |key: &str| {
            block.lines().find_map(|line| {
                let (k, v) = line.split_once('=')?;
                (k.trim() == key).then(|| v.trim().trim_matches('"').to_owned())
            })
        };
        (field("name")? == name).then(|| field("version")).flatten()
    })
}

/// The `wasm-bindgen` version pinned by Cargo.lock.
pub fn wasm_bindgen_version() -> Result<String> {
    let path = cmd::root().join("Cargo.lock");
    let lock = std::fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    lock_version(&lock, "wasm-bindgen").ok_or_else(|| "Cargo.lock has no `wasm-bindgen` package".to_owned())
}

fn ensure_wasm_bindgen() -> Result {
    let wanted = wasm_bindgen_version()?;
    let found = cmd::version_of("wasm-bindgen");
    let runner = cmd::version_of("wasm-bindgen-test-runner");
    let runner_ok = runner.as_deref().and_then(second_word) == Some(wanted.as_str());
    if found.as_deref().and_then(second_word) == Some(wanted.as_str()) && runner_ok {
        println!("ok: wasm-bindgen {wanted} (matches Cargo.lock)");
        return Ok(());
    }
    println!(
        "installing wasm-bindgen-cli {wanted} to match Cargo.lock (a few minutes; found: {})…",
        found.as_deref().unwrap_or("none")
    );
    // No `--locked`: the CLI's own lockfile fails to build with this toolchain.
    let mut install = cmd::cargo();
    install.args(["install", "wasm-bindgen-cli", "--version", &wanted]);
    if found.is_some() || runner.is_some() {
        install.arg("--force");
    }
    cmd::run(&mut install)
}

/// Installs Debian packages after `apt-get update`: directly as root, else through `sudo -n`. Never waits on a
/// prompt (stdin is /dev/null); without passwordless sudo it fails naming the command to run by hand.
fn apt_install(packages: &[&str]) -> Result {
    let by_hand = manual_apt_command(packages);
    if cmd::which("apt-get").is_none() {
        return Err(format!(
            "apt-get not found: install {} yourself (this tooling targets Debian)",
            packages.join(" ")
        ));
    }
    let is_root = cmd::capture(cmd::command("id").arg("-u")).is_some_and(|id| id.trim() == "0");
    if !is_root {
        if cmd::which("sudo").is_none() {
            return Err(format!("not root and no sudo to install {}: run `{by_hand}` yourself", packages.join(" ")));
        }
        let passwordless = cmd::command("sudo")
            .args(["-n", "true"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !passwordless {
            return Err(format!(
                "installing {} needs root and sudo asks for a password: run `{by_hand}` yourself",
                packages.join(" ")
            ));
        }
    }
    let apt = |args: &[&str]| {
        let mut c = if is_root {
            cmd::command("apt-get")
        } else {
            let mut c = cmd::command("sudo");
            c.args(["-n", "apt-get"]);
            c
        };
        c.args(args).env("DEBIAN_FRONTEND", "noninteractive").stdin(Stdio::null());
        c
    };
    let hint = |e: String| format!("{e}; to install by hand: `{by_hand}`");
    cmd::run(&mut apt(&["update", "-qq"])).map_err(hint)?;
    let mut install = apt(&["install", "-y", "-qq"]);
    install.args(packages);
    cmd::run(&mut install).map_err(hint)
}

/// What a user without root or passwordless sudo runs to install `packages`.
pub fn manual_apt_command(packages: &[&str]) -> String {
    format!("sudo apt-get update && sudo apt-get install -y {}", packages.join(" "))
}

fn ensure_npm_packages() -> Result {
    if cmd::which("node").is_none() || cmd::which("npm").is_none() {
        println!("installing Node.js and npm (apt)…");
        apt_install(&["nodejs", "npm"])?;
    }
    let root = cmd::root();
    let lock = root.join("package-lock.json");
    let installed = root.join("node_modules").join(".package-lock.json");
    let fresh = modified(&installed).is_some_and(|i| modified(&lock).is_some_and(|l| i >= l))
        && root.join("node_modules/playwright-core/package.json").is_file()
        && root.join("node_modules/axe-core/axe.min.js").is_file()
        && wasm_opt_ok();
    if fresh {
        println!("ok: npm packages (binaryen {WASM_OPT_VERSION} wasm-opt, playwright-core)");
        return Ok(());
    }
    println!("installing npm dev packages (npm ci: binaryen {WASM_OPT_VERSION}, playwright-core)…");
    cmd::run(cmd::command("npm").args(["ci", "--no-audit", "--no-fund", "--no-progress", "--loglevel=error"]))?;
    if !wasm_opt_ok() {
        return Err(format!(
            "after npm ci, `wasm-opt --version` on PATH is not binaryen {WASM_OPT_VERSION} from node_modules/.bin"
        ));
    }
    Ok(())
}

/// `wasm-opt` resolves to node_modules/.bin (never Debian's binaryen 108) and reports the pinned version.
fn wasm_opt_ok() -> bool {
    let Some(path) = cmd::which("wasm-opt") else {
        return false;
    };
    path.starts_with(cmd::node_bin_dir())
        && cmd::capture(cmd::command(&path).arg("--version"))
            .is_some_and(|v| v.split_whitespace().nth(2) == Some(WASM_OPT_VERSION))
}

fn modified(path: &Path) -> Option<std::time::SystemTime> {
    path.metadata().ok()?.modified().ok()
}

fn ensure_chromium() -> Result {
    let (chromium, driver) = (chromium_path(), chromedriver_path());
    let chromium_custom = env_path(CHROMIUM_ENV).is_some();
    let driver_custom = env_path(CHROMEDRIVER_ENV).is_some();
    for (path, custom, var) in [(&chromium, chromium_custom, CHROMIUM_ENV), (&driver, driver_custom, CHROMEDRIVER_ENV)]
    {
        if custom && !path.is_file() {
            return Err(format!("{var}={} is not a file", path.display()));
        }
    }
    if chromium.is_file() && driver.is_file() {
        println!("ok: {}, {}", chromium.display(), driver.display());
        return Ok(());
    }
    if chromium_custom {
        // A custom browser needs its own matching driver; Debian's chromium-driver pulls in Debian's chromium.
        return Err(format!(
            "{CHROMIUM_ENV} is set but {} does not exist: set {CHROMEDRIVER_ENV} to a chromedriver matching {}",
            driver.display(),
            chromium.display()
        ));
    }
    let mut packages = vec!["chromium"];
    if !driver_custom {
        packages.push("chromium-driver");
    }
    println!("installing Debian {} (apt, a few minutes)…", packages.join(" + "));
    apt_install(&packages)?;
    if !chromium.is_file() || !driver.is_file() {
        return Err(format!("apt finished but {} or {} is still missing", chromium.display(), driver.display()));
    }
    Ok(())
}

/// What `tidy` needs: `cargo fmt`, `cargo clippy` and the wasm target (to lint the app as wasm).
pub fn ensure_lint_tools() -> Result {
    let answers = |sub: &str| cmd::capture(cmd::cargo().args([sub, "--version"])).is_some();
    let missing: Vec<&str> = [("fmt", "rustfmt"), ("clippy", "clippy")]
        .into_iter()
        .filter(|(sub, _)| !answers(sub))
        .map(|(_, c)| c)
        .collect();
    if missing.is_empty() {
        println!("ok: cargo fmt, cargo clippy");
    } else {
        println!("installing Rust components {}…", missing.join(", "));
        cmd::run(cmd::command("rustup").args(["component", "add"]).args(&missing))?;
    }
    ensure_wasm_target()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_versions_from_a_lockfile() {
        let lock = r#"
version = 4

[[package]]
name = "wasm-bindgen-macro"
version = "0.2.130"

[[package]]
name = "wasm-bindgen"
version = "0.2.130"
source = "registry+https://github.com/rust-lang/crates.io-index"
"#;
        assert_eq!(lock_version(lock, "wasm-bindgen").as_deref(), Some("0.2.130"));
        assert_eq!(lock_version(lock, "leptos"), None);
    }

    #[test]
    fn parses_version_lines() {
        assert_eq!(second_word("trunk 0.21.14"), Some("0.21.14"));
        assert_eq!(second_word("wasm-bindgen 0.2.130\n"), Some("0.2.130"));
        assert_eq!(second_word(""), None);
    }

    #[test]
    fn names_the_manual_install_command() {
        assert_eq!(
            manual_apt_command(&["chromium", "chromium-driver"]),
            "sudo apt-get update && sudo apt-get install -y chromium chromium-driver"
        );
    }
}
