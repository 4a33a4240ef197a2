//! `cargo xtask bench`: performance figures of the release build, compared with the budgets.
//!
//! Generic over scenes: the scene ids come from `faultline list` (the headless runner's JSON scene list) and,
//! in the browser script, from the keys of the `?bench=1` JSON; nothing here names a scene.
//!
//! - sizes of dist/ (raw, gzip, brotli; `tests/bench/sizes.mjs`), budget: whole app ≤ 350 KB brotli
//! - per scene, native simulation throughput and trace hash of its busy load:
//!   `cargo run --release -p faultline-sim --bin faultline -- bench <scene>`
//! - browser figures (`tests/bench/bench.mjs`, headless Chromium on the served dist/): per scene wasm
//!   throughput and trace hash (`?bench=1`) and frame work p50/p95 under the crowded load
//!   (`?scene=<id>&bench_frames=1`, p95 ≤ 8 ms of wall time; the p95 of main-thread CPU time is printed
//!   beside it, the figure that does not move with what else the machine runs); navigation → first interactive frame of the first scene
//!   (≤ 400 ms); worst seek in a long run, default and busy load (≤ 50 ms).
//! - per scene, wasm throughput must reach ≥ 40 % of native, and the native and wasm trace hashes should agree
//!   (same run timed in both; printed, not a budget).
//!
//! Scripts report machine-readable figures as lines `RESULT key=value` (per-scene keys `key.<scene-id>`); the
//! native bench prints one JSON line with `events_per_s` and `trace_hash`. Missing figures print as n/a.
//! `--strict`: exit non-zero when a measured figure misses its budget.

use crate::cmd::{self, Result, step};
use crate::setup::{self, Needs};
use crate::web;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

pub const BUDGET_BROTLI_KB: f64 = 350.0;
const BUDGET_FIRST_FRAME_MS: f64 = 400.0;
const BUDGET_FRAME_P95_MS: f64 = 8.0;
const BUDGET_WASM_VS_NATIVE: f64 = 0.40;
const BUDGET_SEEK_MS: f64 = 50.0;

/// Native figures of one scene's busy load.
struct Native {
    events_per_s: Option<f64>,
    trace_hash: Option<String>,
}

pub fn run(strict: bool) -> Result {
    setup::ensure(Needs::ALL)?;
    web::build_dist()?;

    step("sizes of dist/ (raw, gzip, brotli)");
    let (_, sizes) = run_tee(cmd::command("node").args(["tests/bench/sizes.mjs"]).arg(web::dist_dir()));
    let total_br = result_value(&sizes, "total_br_bytes");

    step("scenes: cargo run --release -p faultline-sim --bin faultline -- list");
    let listed = match cmd::output(cmd::cargo().args(faultline_args("list"))) {
        Ok((true, out)) => scene_ids(&out),
        Ok((false, out)) => {
            println!("{}", out.trim_end());
            Vec::new()
        }
        Err(e) => {
            println!("{e}");
            Vec::new()
        }
    };
    if listed.is_empty() {
        println!("(no scenes: `faultline list` failed or listed none; native figures will be missing)");
    } else {
        println!("{}", listed.join(", "));
    }

    let mut natives = Vec::new();
    for id in &listed {
        step(&format!("native simulation throughput, {id}: faultline bench {id} (busy load)"));
        let (ok, out) = run_tee(cmd::cargo().args(faultline_args("bench")).arg(id));
        if !ok {
            println!("(native bench of {id} failed)");
        }
        let native = Native {
            events_per_s: if ok { events_per_sec(&out) } else { None },
            trace_hash: if ok { string_after(&out, "trace_hash") } else { None },
        };
        if ok && native.events_per_s.is_none() {
            println!("(native bench of {id} printed no `events_per_s` figure to compare with the browser)");
        }
        natives.push((id.clone(), native));
    }

    step("browser figures: node tests/bench/bench.mjs (headless Chromium, dist/ served under a sub-path)");
    let (ok, browser) =
        run_tee(cmd::command("node").args(["tests/bench/bench.mjs"]).env("FAULTLINE_DIST", web::dist_dir()));
    if !ok {
        println!("(browser bench script failed; figures below may be missing)");
    }

    step("budgets");
    let missed = report(total_br, &listed, &natives, &browser);
    if strict && missed > 0 {
        return Err(format!("{missed} budget(s) missed"));
    }
    Ok(())
}

/// Prints the budget table (global rows, then two rows per scene) and, per scene, whether the trace hashes
/// agree plus the raw figures; returns how many budgets were missed. `total_br`: bytes of the whole app,
/// brotli; `listed`: scene ids from `faultline list`; `browser`: output of bench.mjs.
fn report(total_br: Option<f64>, listed: &[String], natives: &[(String, Native)], browser: &str) -> usize {
    // Scenes listed natively first, then any only the browser reported.
    let mut scenes = listed.to_vec();
    for id in result_scenes(browser) {
        if !scenes.contains(&id) {
            scenes.push(id);
        }
    }
    let native_of = |id: &str| natives.iter().find(|(n, _)| n == id).map(|(_, native)| native);
    let first_frame = result_value(browser, "first_frame_ms");
    let seek = result_value(browser, "seek_ms_max");
    let seek_label = match (result_text(browser, "seek_scene"), result_value(browser, "seek_run_s")) {
        (Some(scene), Some(run_s)) => format!("seek, worst ({scene}, {:.0}-minute run)", run_s / 60.0),
        _ => "seek, worst (default and busy load)".to_owned(),
    };
    let mut rows = vec![
        Row::at_most("whole app, brotli", total_br.map(|b| b / 1024.0), BUDGET_BROTLI_KB, "KB"),
        Row::at_most("navigation → first interactive frame", first_frame, BUDGET_FIRST_FRAME_MS, "ms"),
        Row::at_most(seek_label, seek, BUDGET_SEEK_MS, "ms"),
    ];
    for id in &scenes {
        let wasm = result_value(browser, &format!("wasm_events_per_sec.{id}"));
        let native = native_of(id).and_then(|n| n.events_per_s);
        let ratio = match (wasm, native) {
            (Some(w), Some(n)) if n > 0.0 => Some(w / n * 100.0),
            _ => None,
        };
        rows.push(Row::at_least(format!("wasm / native, {id}"), ratio, BUDGET_WASM_VS_NATIVE * 100.0, "%"));
        let p95 = result_value(browser, &format!("frame_p95_ms.{id}"));
        rows.push(Row::at_most(format!("frame work p95, {id}"), p95, BUDGET_FRAME_P95_MS, "ms"));
    }
    rows.push(Row::at_most(
        "frame work p95, 50 fault markers on the track",
        result_value(browser, "frame_p95_ms_chaos50"),
        BUDGET_FRAME_P95_MS,
        "ms",
    ));
    let width = rows.iter().map(|r| r.name.chars().count()).max().unwrap_or(0).max(40);
    println!("  {:<width$} {:>12} {:>12}  verdict", "figure", "measured", "budget");
    let mut missed = 0;
    for row in &rows {
        let verdict = row.verdict();
        if verdict == "MISS" {
            missed += 1;
        }
        println!("  {:<width$} {:>12} {:>12}  {verdict}", row.name, row.measured(), row.budget());
    }
    for id in &scenes {
        let native = native_of(id);
        let native_hash = native.and_then(|n| n.trace_hash.clone());
        let wasm_hash = result_text(browser, &format!("wasm_trace_hash.{id}"));
        let same = match (&native_hash, &wasm_hash) {
            (Some(n), Some(w)) if n == w => format!("yes ({n})"),
            (Some(n), Some(w)) => format!("NO (native {n}, wasm {w}: the two runs differ)"),
            _ => format!(
                "n/a (native {}, wasm {})",
                native_hash.as_deref().unwrap_or("n/a"),
                wasm_hash.as_deref().unwrap_or("n/a")
            ),
        };
        println!("  {id}: same trace hash: {same}");
        println!(
            "  {id}: native {} events/s, wasm {} events/s; frame work p50 {}, p95 of main-thread CPU {}; {} \
             messages in flight",
            fmt(native.and_then(|n| n.events_per_s), ""),
            fmt(result_value(browser, &format!("wasm_events_per_sec.{id}")), ""),
            fmt(result_value(browser, &format!("frame_p50_ms.{id}")), "ms"),
            fmt(result_value(browser, &format!("frame_cpu_p95_ms.{id}")), "ms"),
            result_text(browser, &format!("frame_messages_in_flight.{id}")).unwrap_or_else(|| "n/a".to_owned())
        );
    }
    missed
}

/// `cargo run` arguments for `faultline SUBCOMMAND` from the release build of the headless runner.
fn faultline_args(subcommand: &str) -> [&str; 9] {
    ["run", "--release", "--quiet", "-p", "faultline-sim", "--bin", "faultline", "--", subcommand]
}

/// Scene ids in `faultline list` output (a JSON array of objects with a `"scene": "<id>"` field), in order,
/// each once.
pub fn scene_ids(list: &str) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    let mut rest = list;
    while let Some(at) = rest.find("\"scene\"") {
        rest = &rest[at + "\"scene\"".len()..];
        let Some(value) = rest.trim_start().strip_prefix(':').map(str::trim_start) else {
            continue;
        };
        let Some(value) = value.strip_prefix('"') else {
            continue;
        };
        let id = value.split('"').next().unwrap_or("");
        if !id.is_empty() && !ids.iter().any(|known| known == id) {
            ids.push(id.to_owned());
        }
    }
    ids
}

/// Scene ids named in per-scene `RESULT key.<id>=…` lines, in order, each once.
fn result_scenes(out: &str) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    for line in out.lines().filter_map(|l| l.trim().strip_prefix("RESULT ")) {
        let Some((key, _)) = line.split_once('=') else {
            continue;
        };
        if let Some((_, id)) = key.trim().split_once('.')
            && !id.is_empty()
            && !ids.iter().any(|known| known == id)
        {
            ids.push(id.to_owned());
        }
    }
    ids
}

struct Row {
    name: String,
    value: Option<f64>,
    limit: f64,
    unit: &'static str,
    at_most: bool,
}

impl Row {
    fn at_most(name: impl Into<String>, value: Option<f64>, limit: f64, unit: &'static str) -> Row {
        Row { name: name.into(), value, limit, unit, at_most: true }
    }
    fn at_least(name: impl Into<String>, value: Option<f64>, limit: f64, unit: &'static str) -> Row {
        Row { name: name.into(), value, limit, unit, at_most: false }
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

/// Numeric value of the last `RESULT key=value` line for `key` (keys may hold dots: `frame_p95_ms.<scene>`).
pub fn result_value(out: &str, key: &str) -> Option<f64> {
    result_text(out, key)?.parse().ok()
}

/// Text of the last `RESULT key=value` line for `key` (trimmed, non-empty).
pub fn result_text(out: &str, key: &str) -> Option<String> {
    out.lines()
        .filter_map(|l| l.trim().strip_prefix("RESULT "))
        .filter_map(|l| l.split_once('='))
        .filter(|(k, v)| k.trim() == key && !v.trim().is_empty())
        .map(|(_, v)| v.trim().to_owned())
        .next_back()
}

/// The string value after `"key"` in JSON text (`"trace_hash":"6d1"` → `6d1`).
pub fn string_after(text: &str, key: &str) -> Option<String> {
    let quoted = format!("\"{key}\"");
    let at = text.find(&quoted)? + quoted.len();
    let value = text[at..].trim_start().strip_prefix(':')?.trim_start().strip_prefix('"')?;
    Some(value.split('"').next()?.to_owned())
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
        let browser = "RESULT wasm_events_per_sec.circuit-breaker=1500000\nRESULT wasm_trace_hash.cache-stampede=cdac52\n\
                       RESULT frame_p95_ms.cache-stampede=3.250\nRESULT frame_messages_in_flight.circuit-breaker=n/a\n";
        assert_eq!(result_value(browser, "wasm_events_per_sec.circuit-breaker"), Some(1.5e6));
        assert_eq!(result_value(browser, "frame_p95_ms.cache-stampede"), Some(3.25));
        assert_eq!(result_value(browser, "wasm_trace_hash.cache-stampede"), None);
        assert_eq!(result_text(browser, "wasm_trace_hash.cache-stampede").as_deref(), Some("cdac52"));
        assert_eq!(result_value(browser, "frame_messages_in_flight.circuit-breaker"), None);
        assert_eq!(result_scenes(browser), vec!["circuit-breaker", "cache-stampede"]);
    }

    #[test]
    fn parses_scene_ids_from_the_list() {
        let list = r#"[{"scene":"circuit-breaker","title":"Circuit breaker","params":[{"name":"request_rate"}],
            "presets":[{"name":"slow"}]},{"scene":"cache-stampede","title":"Cache stampede","params":[]}]"#;
        assert_eq!(scene_ids(list), vec!["circuit-breaker", "cache-stampede"]);
        assert_eq!(scene_ids(r#"[ { "scene" : "a" }, {"scene": "b"}, {"scene":"a"} ]"#), vec!["a", "b"]);
        assert!(scene_ids("[]").is_empty());
        assert!(scene_ids("error: no such command").is_empty());
    }

    #[test]
    fn reads_the_native_bench_line() {
        let native = r#"{"events":649967,"events_per_s":2227879.0,"scene":"cache-stampede","trace_hash":"cdac525646e3fbe1","virtual_s":60.0,"wall_s":0.2917}"#;
        assert_eq!(string_after(native, "trace_hash").as_deref(), Some("cdac525646e3fbe1"));
        assert_eq!(events_per_sec(native), Some(2227879.0));
        assert_eq!(string_after(native, "missing"), None);
        assert_eq!(string_after(native, "events"), None);
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
    fn reports_per_scene_budgets() {
        let browser = "RESULT wasm_events_per_sec.a=1000\nRESULT wasm_trace_hash.a=h1\nRESULT frame_p95_ms.a=3.5\n\
                       RESULT wasm_events_per_sec.b=100\nRESULT frame_p95_ms.b=9\nRESULT first_frame_ms=200\n\
                       RESULT seek_ms_max=11.5\nRESULT frame_p95_ms.c=1\n";
        let natives = vec![
            ("a".to_owned(), Native { events_per_s: Some(2000.0), trace_hash: Some("h1".into()) }),
            ("b".to_owned(), Native { events_per_s: Some(1000.0), trace_hash: Some("h2".into()) }),
        ];
        // Misses: b at 10 % of native, b's frame p95 over 8 ms, the app over 350 KB.
        assert_eq!(report(Some(400.0 * 1024.0), &["a".into(), "b".into()], &natives, browser), 3);
        assert_eq!(report(None, &[], &[], ""), 0);
    }

    #[test]
    fn verdicts() {
        assert_eq!(Row::at_most("a", Some(1.0), 2.0, "ms").verdict(), "ok");
        assert_eq!(Row::at_most("a", Some(3.0), 2.0, "ms").verdict(), "MISS");
        assert_eq!(Row::at_least("a", Some(50.0), 40.0, "%").verdict(), "ok");
        assert_eq!(Row::at_least("a", None, 40.0, "%").verdict(), "n/a");
    }
}
