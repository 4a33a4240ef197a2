//! `cargo xtask test`: installs what the tests need, then runs every suite and fails if any fails.
//!
//! Suites, in order (all run even after a failure; e2e needs the release build): native sim + xtask tests,
//! the app crate's unit tests run natively (`cargo test -p faultline --lib`), tidy, wasm-bindgen tests in
//! headless Chromium, release build, e2e (node --test).
//!
//! The browser is `$CHROMIUM_PATH` / `$CHROMEDRIVER_PATH` when set (else Debian's /usr/bin/chromium and
//! /usr/bin/chromedriver): the wasm runner then reads a copy of webdriver.json with that binary
//! (target/webdriver.json), and the e2e tests inherit `CHROMIUM_PATH`.

use crate::cmd::{self, Result, step};
use crate::setup::{self, Needs};
use crate::{tidy, web};
use std::path::{Path, PathBuf};
use std::time::Instant;

pub fn run() -> Result {
    setup::ensure(Needs::ALL)?;
    let mut outcomes: Vec<(&str, Result, f64)> = Vec::new();
    let mut record = |name, f: &dyn Fn() -> Result| {
        let start = Instant::now();
        let result = f();
        if let Err(e) = &result {
            eprintln!("FAILED: {name}: {e}");
        }
        let ok = result.is_ok();
        outcomes.push((name, result, start.elapsed().as_secs_f64()));
        ok
    };

    record("native tests (faultline-sim, xtask)", &native);
    record("app unit tests, native (faultline --lib)", &app_unit);
    record("tidy", &tidy::run);
    record("wasm tests in headless Chromium", &wasm);
    let built = record("release build (dist/)", &web::build_dist);
    if built {
        record("e2e tests (node --test tests/e2e/)", &e2e);
    } else {
        outcomes.push(("e2e tests (node --test tests/e2e/)", Err("skipped: no release build".into()), 0.0));
    }

    step("test summary");
    let mut failed = 0;
    for (name, result, secs) in &outcomes {
        match result {
            Ok(()) => println!("  ok     {name} ({secs:.0} s)"),
            Err(e) => {
                failed += 1;
                println!("  FAILED {name} ({secs:.0} s): {e}");
            }
        }
    }
    if failed == 0 {
        println!("all {} suites passed", outcomes.len());
        Ok(())
    } else {
        Err(format!("{failed} of {} suites failed", outcomes.len()))
    }
}

fn native() -> Result {
    step("native tests: cargo test -p faultline-sim -p xtask");
    cmd::run(cmd::cargo().args(["test", "--no-fail-fast", "-p", "faultline-sim", "-p", "xtask"]))
}

/// The app crate's pure unit tests (formatting, URL state, …), compiled for the host.
fn app_unit() -> Result {
    step("app unit tests, native: cargo test -p faultline --lib");
    cmd::run(cmd::cargo().args(["test", "--no-fail-fast", "-p", "faultline", "--lib"]))
}

/// Integration tests of the app crate (`tests/*.rs`), compiled to wasm and run by
/// `wasm-bindgen-test-runner` (the wasm32 runner in .cargo/config.toml) through chromedriver.
fn wasm() -> Result {
    step("wasm tests: cargo test --target wasm32-unknown-unknown -p faultline --test '*' (headless Chromium)");
    let root = cmd::root();
    let has_tests = std::fs::read_dir(root.join("tests"))
        .map(|d| d.filter_map(|e| e.ok()).any(|e| e.path().extension().is_some_and(|x| x == "rs")))
        .unwrap_or(false);
    if !has_tests {
        println!("no tests/*.rs in the app crate: nothing to run");
        return Ok(());
    }
    cmd::run(
        cmd::cargo()
            .args(["test", "--target", setup::WASM_TARGET, "-p", "faultline", "--test", "*"])
            .env("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER", "wasm-bindgen-test-runner")
            .env("CHROMEDRIVER", setup::chromedriver_path())
            // Browser mode for test binaries that do not say `wasm_bindgen_test_configure!(run_in_browser)`.
            .env("WASM_BINDGEN_USE_BROWSER", "1")
            // Chromium binary + flags; the runner itself adds headless, no-sandbox, disable-dev-shm-usage.
            .env("WASM_BINDGEN_TEST_WEBDRIVER_JSON", webdriver_json(&root)?)
            .env("WASM_BINDGEN_TEST_DRIVER_TIMEOUT", "60")
            .env("WASM_BINDGEN_TEST_TIMEOUT", "120")
            .env_remove("NO_HEADLESS"),
    )
}

/// webdriver.json as is, or with `$CHROMIUM_PATH` as the browser binary: a copy in target/webdriver.json.
fn webdriver_json(root: &Path) -> Result<PathBuf> {
    let original = root.join("webdriver.json");
    let Some(binary) = std::env::var_os(setup::CHROMIUM_ENV).filter(|v| !v.is_empty()) else {
        return Ok(original);
    };
    let binary = binary.to_string_lossy();
    let text = std::fs::read_to_string(&original).map_err(|e| format!("cannot read {}: {e}", original.display()))?;
    let adjusted = with_chrome_binary(&text, &binary)
        .ok_or_else(|| format!("{} has no \"binary\": \"…\" entry to replace", original.display()))?;
    let dir = root.join("target");
    let copy = dir.join("webdriver.json");
    std::fs::create_dir_all(&dir)
        .and_then(|()| std::fs::write(&copy, adjusted))
        .map_err(|e| format!("cannot write {}: {e}", copy.display()))?;
    println!("browser for the wasm tests: {binary} ({})", copy.display());
    Ok(copy)
}

/// `json` with the string value of its first `"binary"` key replaced by `binary` (JSON-escaped).
pub fn with_chrome_binary(json: &str, binary: &str) -> Option<String> {
    let key = json.find("\"binary\"")? + "\"binary\"".len();
    let after_key = &json[key..];
    let colon = after_key.find(':')?;
    if !after_key[..colon].trim().is_empty() {
        return None;
    }
    let open = key + colon + 1 + json[key + colon + 1..].find('"')?;
    if !json[key + colon + 1..open].trim().is_empty() {
        return None;
    }
    let mut close = open + 1;
    let bytes = json.as_bytes();
    while close < bytes.len() && bytes[close] != b'"' {
        close += if bytes[close] == b'\\' { 2 } else { 1 };
    }
    if close >= bytes.len() {
        return None;
    }
    let mut escaped = String::new();
    for c in binary.chars() {
        match c {
            '"' => escaped.push_str("\\\""),
            '\\' => escaped.push_str("\\\\"),
            c if (c as u32) < 0x20 => escaped.push_str(&format!("\\u{:04x}", c as u32)),
            c => escaped.push(c),
        }
    }
    Some(format!("{}\"{escaped}\"{}", &json[..open], &json[close + 1..]))
}

fn e2e() -> Result {
    step("e2e tests: node --test tests/e2e/ (Chromium via playwright-core, dist/ served under a sub-path)");
    cmd::run(
        cmd::command("node")
            .args(["--test", "--test-reporter=spec", "tests/e2e/"])
            .env("FAULTLINE_DIST", web::dist_dir()),
    )
}

#[cfg(test)]
mod tests {
    use super::with_chrome_binary;

    #[test]
    fn replaces_the_chrome_binary() {
        let json =
            "{\n  \"goog:chromeOptions\": {\n    \"binary\": \"/usr/bin/chromium\",\n    \"args\": [\"--x\"]\n  }\n}";
        assert_eq!(
            with_chrome_binary(json, "/opt/chrome/chrome").unwrap(),
            "{\n  \"goog:chromeOptions\": {\n    \"binary\": \"/opt/chrome/chrome\",\n    \"args\": [\"--x\"]\n  }\n}"
        );
        assert_eq!(with_chrome_binary(r#"{"binary":"a\"b"}"#, r#"C:\x "y""#).unwrap(), r#"{"binary":"C:\\x \"y\""}"#);
        assert_eq!(with_chrome_binary(r#"{"args": []}"#, "/x"), None);
        assert_eq!(with_chrome_binary(r#"{"binary": 3}"#, "/x"), None);
    }
}
