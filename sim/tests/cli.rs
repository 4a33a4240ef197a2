//! The headless runner as a user calls it: `list`, `run` with presets, parameters and faults, `bench`, and
//! bad input of every kind (exit code 2, a one-line message naming the problem, never a panic).

use std::process::Command;

use serde_json::Value;

fn faultline(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_faultline")).args(args).output().expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

fn json(args: &[&str]) -> Value {
    let (code, out, err) = faultline(args);
    assert_eq!(code, 0, "{args:?}: {err}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?}: not JSON ({e}): {out}"))
}

#[test]
fn list_describes_every_scene_and_parameter() {
    let v = json(&["list"]);
    let scenes = v.as_array().unwrap();
    let cb = scenes.iter().find(|s| s["scene"] == "circuit-breaker").expect("circuit-breaker listed");
    assert!(cb["title"].is_string());
    let names: Vec<&str> = cb["params"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
    for n in [
        "request_rate",
        "failure_rate",
        "dependency_latency_ms",
        "timeout_ms",
        "pool_size",
        "breaker",
        "window_type",
        "window_size",
        "min_calls",
        "failure_threshold",
        "slow_call_ms",
        "slow_call_threshold",
        "open_wait_ms",
        "half_open_calls",
        "retries",
    ] {
        assert!(names.contains(&n), "missing parameter {n}");
    }
    for p in cb["params"].as_array().unwrap() {
        for key in ["name", "unit", "min", "max", "default", "step", "help"] {
            assert!(p.get(key).is_some(), "{} lacks {key}", p["name"]);
        }
    }
    let breaker = cb["params"].as_array().unwrap().iter().find(|p| p["name"] == "breaker").unwrap();
    assert_eq!(breaker["choices"], serde_json::json!(["on", "off"]));
    let presets: Vec<&str> = cb["presets"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
    for id in ["healthy", "dependency-down", "slow-cascade-no-breaker", "slow-cascade-with-breaker", "flapping"] {
        assert!(presets.contains(&id), "missing preset {id}");
    }
}

#[test]
fn run_reports_metrics_counters_series_and_transition_events() {
    let v = json(&[
        "run",
        "circuit-breaker",
        "--seed",
        "7",
        "--duration",
        "20",
        "--set",
        "request_rate=80",
        "--fault",
        "2:crash:dependency",
        "--fault",
        "12:restart:dependency",
    ]);
    assert_eq!(v["scene"], "circuit-breaker");
    assert_eq!(v["seed"], 7);
    assert_eq!(v["duration_s"], 20);
    assert_eq!(v["params"]["request_rate"], 80);
    assert_eq!(v["params"]["breaker"], "on");
    assert_eq!(v["trace_hash"].as_str().unwrap().len(), 16);
    for m in ["client_requests", "dependency_calls", "succeeded", "failed", "timed_out", "rejected"] {
        assert!(v["metrics"][m].is_number(), "metric {m}");
    }
    assert_eq!(v["counters"]["calls_while_open"], 0);
    assert_eq!(v["counters"]["half_open_over_admitted"], 0);
    let series = v["series"]["rate_succeeded"].as_array().unwrap();
    assert!(series.len() >= 19 && series[0].as_array().unwrap().len() == 2);
    let events = v["events"].as_array().unwrap();
    let t = events.iter().find(|e| e["kind"] == "transition").expect("a transition");
    assert_eq!(t["from"], "closed");
    assert_eq!(t["to"], "open");
    assert!(t["t_s"].as_f64().unwrap() > 2.0);
    assert!(t["text"].as_str().unwrap().contains("breaker OPEN"));
    // Same inputs, same hash.
    let again = json(&[
        "run",
        "circuit-breaker",
        "--seed",
        "7",
        "--duration",
        "20",
        "--set",
        "request_rate=80",
        "--fault",
        "2:crash:dependency",
        "--fault",
        "12:restart:dependency",
    ]);
    assert_eq!(v["trace_hash"], again["trace_hash"]);
}

#[test]
fn presets_apply() {
    let v = json(&["run", "circuit_breaker", "--preset", "slow-cascade-no-breaker", "--duration", "10"]);
    assert_eq!(v["params"]["breaker"], "off");
    assert_eq!(v["faults"], "3:set:dependency_latency_ms=3000,25:set:dependency_latency_ms=80");
}

#[test]
fn bad_input_exits_2_with_a_one_line_message() {
    for (args, needle) in [
        (vec!["run", "nope"], "unknown scene 'nope'"),
        (vec!["run"], "missing SCENE"),
        (vec!["run", "circuit-breaker", "--set", "bogus=1"], "unknown parameter 'bogus'"),
        (vec!["run", "circuit-breaker", "--set", "failure_rate=1.5"], "allowed: 0.00 to 1.00"),
        (vec!["run", "circuit-breaker", "--set", "pool_size=abc"], "not a number"),
        (vec!["run", "circuit-breaker", "--set", "breaker=maybe"], "one of on, off"),
        (vec!["run", "circuit-breaker", "--set", "failure_rate"], "NAME=VALUE"),
        (vec!["run", "circuit-breaker", "--seed", "-1"], "--seed"),
        (vec!["run", "circuit-breaker", "--duration", "0"], "--duration"),
        (vec!["run", "circuit-breaker", "--duration", "inf"], "--duration"),
        (vec!["run", "circuit-breaker", "--preset", "nope"], "unknown preset 'nope'"),
        (vec!["run", "circuit-breaker", "--fault", "garbage"], "fault 'garbage'"),
        (vec!["run", "circuit-breaker", "--fault", "3:crash:database"], "unknown node 'database'"),
        (vec!["run", "circuit-breaker", "--fault", "3:set:failure_rate=7"], "out of range"),
        (vec!["run", "circuit-breaker", "--fault", "3:trigger:flush"], "unknown trigger"),
        (vec!["run", "circuit-breaker", "--fault", "3:cut:clients-dependency"], "no link clients-dependency"),
        (vec!["run", "cache-stampede", "--fault", "3:cut:cache-database"], "no link cache-database"),
        (vec!["run", "cache-stampede", "--fault", "3:crash:app65"], "unknown node 'app65'"),
        (vec!["run", "circuit-breaker", "--frobnicate"], "unknown option"),
        (vec!["run", "circuit-breaker", "--seed"], "needs a value"),
        (vec!["wat"], "usage"),
    ] {
        let (code, out, err) = faultline(&args);
        assert_eq!(code, 2, "{args:?} → {code}: {out}{err}");
        assert!(out.is_empty(), "{args:?} printed to stdout: {out}");
        assert_eq!(err.trim().lines().count(), 1, "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: expected '{needle}' in {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
}

#[test]
fn bench_prints_throughput() {
    let (code, out, err) = faultline(&["bench", "--duration", "5"]);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert!(v["events_per_s"].as_f64().unwrap() > 0.0);
}

#[test]
fn challenge_lists_and_judges() {
    let list = json(&["challenge", "saga"]);
    assert!(list.as_array().unwrap().len() >= 2, "{list}");
    let setup = json(&["challenge", "saga", "no-double-charges"]);
    assert_eq!(setup["pass"], false, "{setup}");
    assert!(setup["goals"][0]["measured"].as_f64().unwrap() > 0.0, "{setup}");
    let good = json(&["challenge", "saga", "no-double-charges", "--known-good"]);
    assert_eq!(good["pass"], true, "{good}");
    let typed = json(&["challenge", "saga", "no-double-charges", "--set", "idempotency=on"]);
    assert_eq!(typed["goals"], good["goals"]);
    let (code, _, err) = faultline(&["challenge", "saga", "no-double-charges", "--set", "order_rate=10"]);
    assert_eq!(code, 2);
    assert!(err.contains("locked"), "{err}");
    let (code, _, err) = faultline(&["challenge", "saga", "nope"]);
    assert_eq!(code, 2);
    assert!(err.contains("unknown challenge 'nope'") && err.contains("no-double-charges"), "{err}");
}
