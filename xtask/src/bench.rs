//! `cargo xtask bench`: performance figures of the release build, compared with the budgets.
//!
//! - sizes of dist/ (raw, gzip, brotli; `tests/bench/sizes.mjs`), budget: whole app ≤ 350 KB brotli
//! - native simulation throughput: `cargo run --release -p faultline-sim --bin faultline -- bench`
//! - browser figures (`tests/bench/bench.mjs`, headless Chromium on the served dist/): wasm sim
//!   throughput (`?bench=1`), navigation → first interactive frame (≤ 400 ms), frame work p50/p95
//!   (p95 ≤ 8 ms), worst seek in a 10-minute run (≤ 50 ms); wasm throughput must reach ≥ 40 % of native.
//!
//! Scripts report machine-readable figures as lines `RESULT key=value`; the native bench and the
//! in-page bench JSON are searched for an `events_per_sec` (or `events_per_s`) figure. Missing figures print as n/a.

use crate::cmd::{self, Result, step};
use crate::setup::{self, Needs};
use crate::web;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

const BUDGET_BROTLI_KB: f64 = 350.0;
const BUDGET_FIRST_FRAME_MS: f64 = 400.0;
const BUDGET_FRAME_P95_MS: f64 = 8.0;
const BUDGET_WASM_VS_NATIVE: f64 = 0.40;
const BUDGET_SEEK_MS: f64 = 50.0;

pub fn run(strict: bool) -> Result {
    setup::ensure(Needs::ALL)?;
    web::build_dist()?;

    step("sizes of dist/ (raw, gzip, brotli)");
    let (_, sizes) = run_tee(cmd::command("node").args(["tests/bench/sizes.mjs"]).arg(web::dist_dir()));
    let total_br = result_value(&sizes, "total_br_bytes");

    step("native simulation throughput: cargo run --release -p faultline-sim --bin faultline -- bench");
    let (ok, native_out) = native_bench(&[]);
    if !ok {
        println!(
            "(native bench unavailable: the `bench` subcommand of the faultline binary failed or does not exist yet)"
        );
    }
    let native = if ok { events_per_sec(&native_out) } else { None };
    if ok && native.is_none() {
        println!(
            "(native bench ran but printed no `events_per_sec`/`events_per_s` figure to compare with the browser)"
        );
    }

    let (_, stampede_out) = native_bench(&["cache-stampede", "--set", "request_rate=2000"]);
    let native_stampede = events_per_sec(&stampede_out);

    step("browser figures: node tests/bench/bench.mjs (headless Chromium, dist/ served under a sub-path)");
    let (ok, browser) =
        run_tee(cmd::command("node").args(["tests/bench/bench.mjs"]).env("FAULTLINE_DIST", web::dist_dir()));
    if !ok {
        println!("(browser bench script failed; figures below may be missing)");
    }
    let wasm = result_value(&browser, "wasm_events_per_sec");
    let first_frame = result_value(&browser, "first_frame_ms");
    let p50 = result_value(&browser, "frame_p50_ms");
    let p95 = result_value(&browser, "frame_p95_ms");
    let seek = result_value(&browser, "seek_ms_max");
    let wasm_stampede = result_value(&browser, "wasm_stampede_events_per_sec");
    let stampede_p95 = result_value(&browser, "stampede_frame_p95_ms");
    let stampede_ratio = match (wasm_stampede, native_stampede) {
        (Some(w), Some(n)) if n > 0.0 => Some(w / n * 100.0),
        _ => None,
    };

    step("budgets");
    let ratio = match (wasm, native) {
        (Some(w), Some(n)) if n > 0.0 => Some(w / n),
        _ => None,
    };
    let rows = [
        Row::at_most("whole app, brotli", total_br.map(|b| b / 1024.0), BUDGET_BROTLI_KB, "KB"),
        Row::at_most("navigation → first interactive frame", first_frame, BUDGET_FIRST_FRAME_MS, "ms"),
        Row::at_most("frame work p95", p95, BUDGET_FRAME_P95_MS, "ms"),
        Row::at_most("seek in a 10-minute run (worst of 40)", seek, BUDGET_SEEK_MS, "ms"),
        Row::at_most("frame work p95, cache stampede", stampede_p95, BUDGET_FRAME_P95_MS, "ms"),
        Row::at_least("wasm / native, cache stampede", stampede_ratio, BUDGET_WASM_VS_NATIVE * 100.0, "%"),
        Row::at_least("wasm sim throughput / native", ratio.map(|r| r * 100.0), BUDGET_WASM_VS_NATIVE * 100.0, "%"),
    ];
    println!("  {:<40} {:>12} {:>12}  verdict", "figure", "measured", "budget");
    let mut missed = 0;
    for row in &rows {
        let verdict = row.verdict();
        if verdict == "MISS" {
            missed += 1;
        }
        println!("  {:<40} {:>12} {:>12}  {verdict}", row.name, row.measured(), row.budget());
    }
    println!(
        "  (frame work p50: {}; native: {} events/s; wasm: {} events/s)",
        fmt(p50, "ms"),
        fmt(native, ""),
        fmt(wasm, "")
    );
    if strict && missed > 0 {
        return Err(format!("{missed} budget(s) missed"));
    }
    Ok(())
}

struct Row {
    name: &'static str,
    value: Option<f64>,
    limit: f64,
    unit: &'static str,
    at_most: bool,
}

impl Row {
    fn at_most(name: &'static str, value: Option<f64>, limit: f64, unit: &'static str) -> Row {
        Row { name, value, limit, unit, at_most: true }
    }
    fn at_least(name: &'static str, value: Option<f64>, limit: f64, unit: &'static str) -> Row {
        Row { name, value, limit, unit, at_most: false }
    }
    fn measured(&self) -> String {
        fmt(self.value, self.unit)
    }
    fn budget(&self) -> String {
        format!("{} {}", if self.at_most { "≤" } else { "≥" }, fmt(Some(self.limit), self.unit))
    }
    fn verdict(&self) -> &'static str {
        match self.value {
            None => "n/a",
            Some(v) if (self.at_most && v <= self.limit) || (!self.at_most && v >= self.limit) => "ok",
            Some(_) => "MISS",
        }
    }
}

fn fmt(value: Option<f64>, unit: &str) -> String {
    match value {
        None => "n/a".to_owned(),
        Some(v) if v >= 100.0 => format!("{v:.0} {unit}").trim_end().to_owned(),
        Some(v) => format!("{v:.1} {unit}").trim_end().to_owned(),
    }
}

/// Runs `cmd`, echoing its stdout line by line (stderr passes through); returns success and stdout.
/// `faultline bench ARGS…` from the release build of the headless runner.
fn native_bench(args: &[&str]) -> (bool, String) {
    let base = ["run", "--release", "--quiet", "-p", "faultline-sim", "--bin", "faultline", "--", "bench"];
    run_tee(cmd::cargo().args(base).args(args))
}

fn run_tee(cmd: &mut Command) -> (bool, String) {
    let mut child = match cmd.stdin(Stdio::null()).stdout(Stdio::piped()).spawn() {
        Ok(child) => child,
        Err(e) => {
            println!("could not start {:?}: {e}", cmd.get_program());
            return (false, String::new());
        }
    };
    let mut out = String::new();
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines().map_while(std::result::Result::ok) {
            println!("{line}");
            out.push_str(&line);
            out.push('\n');
        }
    }
    let ok = child.wait().is_ok_and(|s| s.success());
    (ok, out)
}

/// Value of the last `RESULT key=value` line for `key`.
pub fn result_value(out: &str, key: &str) -> Option<f64> {
    out.lines()
        .filter_map(|l| l.trim().strip_prefix("RESULT "))
        .filter_map(|l| l.split_once('='))
        .filter(|(k, _)| k.trim() == key)
        .filter_map(|(_, v)| v.trim().parse().ok())
        .next_back()
}

/// Simulation throughput in free text: the number after `events_per_sec` or `events_per_s`.
pub fn events_per_sec(text: &str) -> Option<f64> {
    number_after(text, "events_per_sec").or_else(|| number_after(text, "events_per_s"))
}

/// The first number after `key` in free text (`key=1.5`, `key: 1.5`, `"key": 1.5e6`, `key 1_500`).
pub fn number_after(text: &str, key: &str) -> Option<f64> {
    let at = text.find(key)? + key.len();
    let rest = text[at..].trim_start_matches(|c: char| c == '"' || c == ':' || c == '=' || c.is_whitespace());
    let number: String = rest
        .chars()
        .take_while(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-' | '_'))
        .filter(|c| *c != '_')
        .collect();
    number.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_result_lines() {
        let out = "size table\nRESULT total_br_bytes=12345\nRESULT first_frame_ms=87.5\nnoise=1\n";
        assert_eq!(result_value(out, "total_br_bytes"), Some(12345.0));
        assert_eq!(result_value(out, "first_frame_ms"), Some(87.5));
        assert_eq!(result_value(out, "noise"), None);
    }

    #[test]
    fn finds_numbers_after_keys() {
        assert_eq!(number_after("events_per_sec=1.5e6", "events_per_sec"), Some(1.5e6));
        assert_eq!(number_after("{\"events_per_sec\": 2500000}", "events_per_sec"), Some(2.5e6));
        assert_eq!(number_after("events_per_sec: 1_000", "events_per_sec"), Some(1000.0));
        assert_eq!(number_after("nothing here", "events_per_sec"), None);
        let native = r#"{"scene":"circuit-breaker","events":404697,"events_per_s":4584572,"trace_hash":"6d1"}"#;
        assert_eq!(events_per_sec(native), Some(4584572.0));
        assert_eq!(events_per_sec("events_per_sec=7"), Some(7.0));
    }

    #[test]
    fn verdicts() {
        assert_eq!(Row::at_most("a", Some(1.0), 2.0, "ms").verdict(), "ok");
        assert_eq!(Row::at_most("a", Some(3.0), 2.0, "ms").verdict(), "MISS");
        assert_eq!(Row::at_least("a", Some(50.0), 40.0, "%").verdict(), "ok");
        assert_eq!(Row::at_least("a", None, 40.0, "%").verdict(), "n/a");
    }
}
