//! Faultline's developer task runner (`cargo xtask <task>`): owns the command line and dispatch.
//!
//! Plain Rust std only. Every task first installs the tools it needs (see `setup`), so each one
//! works on a fresh Debian machine: `serve`, `test`, `dist`, `bench`, `tidy`, `setup`. Browser tasks use
//! `$CHROMIUM_PATH` / `$CHROMEDRIVER_PATH` when set (else Debian's chromium, apt-installed if missing).

mod bench;
mod bundles;
mod cmd;
mod setup;
mod test;
mod tidy;
mod web;

use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <task>

tasks:
  serve          install missing tools, then `trunk serve` on http://127.0.0.1:8080 (live reload)
  test           install missing tools (incl. Chromium), then run every test; non-zero exit if any fails
                 (CHROMIUM_PATH / CHROMEDRIVER_PATH: use these browser binaries instead of /usr/bin's)
  dist [--site-url URL]  release build into dist/ (relative asset URLs: works from any sub-path); prints its
                 brotli size. --site-url (or FAULTLINE_SITE_URL): the site's address, so link previews
                 (og:image, twitter:image, og:url) are absolute
  bench          per scene: native + wasm throughput, same trace hash, frame p50/p95; sizes, first-frame
                 time, seek vs budgets (`bench --strict`: exit non-zero when a figure misses its budget)
  tidy           repository rules: web-free simulation crate, `//!` module docs, kernel never imports
                 crate::scene, cargo fmt --check, clippy -D warnings (native workspace + app for wasm)
  setup [--browser]  only install the tools (Rust wasm target, trunk, wasm-bindgen, npm packages[, Chromium])
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let task = args.first().map(String::as_str).unwrap_or("help");
    let rest = &args[args.len().min(1)..];
    let result = match task {
        "serve" => web::serve(),
        "dist" => web::dist(rest),
        "test" => test::run(),
        "bench" => bench::run(rest.iter().any(|a| a == "--strict")),
        "tidy" => tidy::run(),
        "setup" => {
            setup::ensure(if rest.iter().any(|a| a == "--browser") { setup::Needs::ALL } else { setup::Needs::BUILD })
        }
        "help" | "-h" | "--help" => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        other => {
            eprint!("xtask: unknown task `{other}`\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("xtask {task}: error: {err}");
            ExitCode::FAILURE
        }
    }
}
