//! `cargo xtask test`: installs what the tests need, then runs every suite and fails if any fails.
//!
//! Suites, in order (all run even after a failure; e2e needs the release build):
//! native sim + xtask tests, tidy, wasm-bindgen tests in headless Chromium, release build, e2e (node --test).

use crate::cmd::{self, Result, step};
use crate::setup::{self, CHROMEDRIVER, Needs};
use crate::{tidy, web};
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
            .env("CHROMEDRIVER", CHROMEDRIVER)
            // Browser mode for test binaries that do not say `wasm_bindgen_test_configure!(run_in_browser)`.
            .env("WASM_BINDGEN_USE_BROWSER", "1")
            // Chromium binary + flags; the runner itself adds headless, no-sandbox, disable-dev-shm-usage.
            .env("WASM_BINDGEN_TEST_WEBDRIVER_JSON", root.join("webdriver.json"))
            .env("WASM_BINDGEN_TEST_DRIVER_TIMEOUT", "60")
            .env("WASM_BINDGEN_TEST_TIMEOUT", "120")
            .env_remove("NO_HEADLESS"),
    )
}

fn e2e() -> Result {
    step("e2e tests: node --test tests/e2e/ (Chromium via playwright-core, dist/ served under a sub-path)");
    cmd::run(
        cmd::command("node")
            .args(["--test", "--test-reporter=spec", "tests/e2e/"])
            .env("FAULTLINE_DIST", web::dist_dir()),
    )
}
