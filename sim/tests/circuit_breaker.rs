//! The circuit-breaker scene against its specification: invariants over random seeds and parameters,
//! closed-form cases, and the cascade with and without a breaker. Every assertion names its seed.

use faultline_sim::kernel::{RngStream, SimTime};
use faultline_sim::scene::{Action, ParamKind, Params, Run, Scene};
use faultline_sim::scene_by_id;
use faultline_sim::testing::{self, metric, num, text};

fn scene() -> &'static dyn Scene {
    scene_by_id("circuit-breaker").unwrap()
}

fn params(overrides: &[(&str, &str)]) -> Params {
    testing::params(scene(), overrides)
}

fn preset(id: &str) -> (Params, Vec<Action>) {
    testing::preset(scene(), id)
}

fn run(p: Params, seed: u64, script: Vec<Action>, secs: u64) -> Box<dyn Run> {
    testing::run(scene(), p, seed, script, secs)
}

fn transitions(r: &dyn Run) -> Vec<(SimTime, String, String, i64)> {
    testing::events(r, "transition")
        .iter()
        .map(|e| (e.t, text(e, "from"), text(e, "to"), num(e, "calls") as i64))
        .collect()
}

/// Draws a random value for every parameter within its spec, deterministically from `seed`.
fn random_params(seed: u64) -> Params {
    let mut rng = RngStream::new(seed, "test.params");
    let mut p = scene().default_params();
    for spec in scene().params() {
        let text = match spec.kind {
            ParamKind::Number { min, max, step, .. } => {
                // Keep runs fast and meaningful: cap the rate and the long waits.
                let max = match spec.name {
                    "request_rate" => 300.0,
                    "timeout_ms" | "slow_call_ms" | "open_wait_ms" | "half_open_max_wait_ms" => max.min(5000.0),
                    "dependency_latency_ms" => 2000.0,
                    _ => max,
                };
                let n = ((max - min) / step).floor() as u64;
                format!("{}", min + rng.below(n + 1) as f64 * step)
            }
            ParamKind::Choice { choices, .. } => choices[rng.below(choices.len() as u64) as usize].to_string(),
        };
        p.set(spec.name, &text).unwrap_or_else(|e| panic!("seed={seed}: {e}"));
    }
    p
}

#[test]
fn invariants_hold_over_random_seeds_and_parameters() {
    for seed in 0..60u64 {
        let p = random_params(seed);
        let node_faults =
            ["2:crash:dependency", "9:restart:dependency", "12:set:failure_rate=0.9", "20:set:failure_rate=0"];
        let script: Vec<Action> =
            if seed % 2 == 0 { node_faults.iter().map(|f| f.parse().unwrap()).collect() } else { vec![] };
        let r = run(p.clone(), seed, script, 30);
        let ctx = format!("seed={seed} params={:?}", p.formatted());
        testing::assert_invariants(r.as_ref(), seed, &ctx);
        // Transitions chain (each starts where the last ended) and are legal.
        let ts = transitions(r.as_ref());
        let mut state = "closed".to_string();
        let half_open_calls = p.num("half_open_calls") as i64;
        for (t, from, to, calls) in &ts {
            assert_eq!(from, &state, "at {t}: {ctx}");
            assert!(
                matches!(
                    (from.as_str(), to.as_str()),
                    ("closed", "open") | ("open", "half_open") | ("half_open", "closed") | ("half_open", "open")
                ),
                "illegal {from}→{to} at {t}; {ctx}"
            );
            if from == "half_open" {
                assert!(*calls <= half_open_calls, "verdict on {calls} probes > {half_open_calls}; {ctx}");
            }
            if from == "closed" {
                let min = match p.choice("window_type") {
                    "count" => p.num("min_calls").min(p.num("window_size")),
                    _ => p.num("min_calls"),
                } as i64;
                assert!(*calls >= min, "opened on {calls} < {min} calls at {t}; {ctx}");
            }
            state = to.clone();
        }
        if p.choice("breaker") == "off" {
            assert!(ts.is_empty(), "{ctx}");
            assert_eq!(metric(r.as_ref(), "rejected"), 0.0, "{ctx}");
        }
        // Every client request is accounted for: answered, or still in flight at the end.
        let answered: f64 =
            ["succeeded", "failed", "timed_out", "rejected", "pool_full"].iter().map(|m| metric(r.as_ref(), m)).sum();
        assert!(answered <= metric(r.as_ref(), "client_requests"), "{ctx}");
    }
}

#[test]
fn open_breaker_sends_nothing_to_the_dependency() {
    // Between an OPEN transition and the next HALF_OPEN, the dependency-call count must not move.
    for seed in 1..6 {
        let (p, script) = preset("dependency-down");
        let mut r = scene().build(p, seed, script);
        let mut open = false;
        let mut calls_at_open = 0.0;
        let mut t = 0;
        while t < 25_000_000 {
            t += 10_000;
            r.advance_to(SimTime(t));
            let state = testing::machine(r.as_ref()).unwrap().current;
            let calls = metric(r.as_ref(), "dependency_calls");
            if state == 2 {
                if !open {
                    calls_at_open = calls;
                    open = true;
                }
                assert_eq!(calls, calls_at_open, "seed={seed}: a call was made while OPEN at t={}", SimTime(t));
            } else {
                open = false;
            }
        }
    }
}

#[test]
fn zero_failure_rate_never_opens() {
    for seed in 0..10 {
        let p = params(&[
            ("failure_rate", "0"),
            ("request_rate", "200"),
            ("min_calls", "1"),
            ("failure_threshold", "0.01"),
        ]);
        let r = run(p, seed, vec![], 60);
        assert!(transitions(r.as_ref()).is_empty(), "seed={seed}");
        assert_eq!(metric(r.as_ref(), "failed"), 0.0, "seed={seed}");
    }
}

#[test]
fn full_failure_rate_opens_exactly_at_min_calls() {
    for (seed, window, window_size, min_calls) in
        [(1, "count", 20, 10), (2, "count", 5, 5), (3, "count", 50, 7), (4, "time", 10, 12), (5, "count", 8, 30)]
    {
        let p = params(&[
            ("failure_rate", "1"),
            ("window_type", window),
            ("window_size", &window_size.to_string()),
            ("min_calls", &min_calls.to_string()),
            ("local_share", "0"),
        ]);
        let r = run(p, seed, vec![], 10);
        let ts = transitions(r.as_ref());
        let (t, from, to, calls) = ts.first().unwrap_or_else(|| panic!("seed={seed}: never opened"));
        let expected = if window == "count" { min_calls.min(window_size) } else { min_calls };
        assert_eq!((from.as_str(), to.as_str()), ("closed", "open"), "seed={seed}");
        assert_eq!(*calls, expected as i64, "seed={seed}: opened at {t} after {calls} calls");
        // And the outcome that tipped it was the min_calls-th one: failures == calls.
        let e = &testing::events(r.as_ref(), "transition")[0];
        assert_eq!(num(e, "failures"), expected as f64, "seed={seed}");
    }
}

#[test]
fn probes_close_the_breaker_once_the_dependency_is_back() {
    for seed in 0..8 {
        let (p, script) = preset("dependency-down");
        let r = run(p, seed, script, 30);
        let ts = transitions(r.as_ref());
        let last = ts.last().unwrap_or_else(|| panic!("seed={seed}: no transitions"));
        assert_eq!(last.2, "closed", "seed={seed}: {ts:?}");
        assert!(last.0 > SimTime::from_secs(15), "seed={seed}");
        assert!(ts.iter().any(|t| t.1 == "closed" && t.2 == "open" && t.0 < SimTime::from_secs(5)), "seed={seed}");
    }
}

#[test]
fn slow_dependency_cascades_without_breaker_and_not_with_it() {
    for seed in 0..5 {
        let (p_off, s_off) = preset("slow-cascade-no-breaker");
        let (p_on, s_on) = preset("slow-cascade-with-breaker");
        let off = run(p_off, seed, s_off, 24);
        let on = run(p_on, seed, s_on, 24);
        let local_off = metric(off.as_ref(), "local_success_ratio");
        let local_on = metric(on.as_ref(), "local_success_ratio");
        // Without a breaker the pool is full of threads waiting on the dependency: even requests that do not
        // need it fail. With a breaker they keep succeeding.
        assert!(local_off < 0.6, "seed={seed}: local success without breaker {local_off}");
        assert!(local_on > 0.9, "seed={seed}: local success with breaker {local_on}");
        assert!(metric(off.as_ref(), "pool_full") > 5.0 * metric(on.as_ref(), "pool_full"), "seed={seed}");
        assert!(metric(on.as_ref(), "rejected") > 0.0, "seed={seed}");
    }
}

#[test]
fn flapping_preset_flaps() {
    for seed in 0..5 {
        let (p, s) = preset("flapping");
        let r = run(p, seed, s, 30);
        assert!(transitions(r.as_ref()).len() >= 10, "seed={seed}: {} transitions", transitions(r.as_ref()).len());
    }
}

#[test]
fn narration_says_why_with_numbers() {
    let (p, s) = preset("dependency-down");
    let r = run(p, 3, s, 10);
    let e = r.log().iter().find(|e| e.kind == "transition").unwrap();
    assert!(e.text.starts_with("breaker OPEN: "), "{}", e.text);
    assert!(e.text.contains("% ≥ 50% threshold"), "{}", e.text);
}

// ---- Each preset's description (and its "watch this" line) is a claim about its run: checked here.

fn pool_events(r: &dyn Run) -> Vec<(f64, String)> {
    testing::events(r, "pool").iter().map(|e| (e.t.as_secs_f64(), e.text.clone())).collect()
}

#[test]
fn preset_healthy_stays_closed() {
    for seed in 1..=5 {
        let (p, s) = preset("healthy");
        let r = run(p, seed, s, 30);
        assert!(transitions(r.as_ref()).is_empty(), "seed={seed}");
        assert!(metric(r.as_ref(), "success_ratio") >= 0.95, "seed={seed}: nearly every request succeeds");
    }
}

#[test]
fn preset_dependency_down_opens_within_a_second_and_closes_after_the_recovery() {
    for seed in 1..=5 {
        let (p, s) = preset("dependency-down");
        let r = run(p, seed, s, 30);
        let ts = transitions(r.as_ref());
        let open = ts.iter().find(|t| t.2 == "open").expect("opens");
        assert!(open.0 > SimTime::from_secs(3) && open.0 <= SimTime::from_secs(4), "seed={seed}: opened at {}", open.0);
        let closed: Vec<_> = ts.iter().filter(|t| t.2 == "closed").collect();
        assert_eq!(closed.len(), 1, "seed={seed}: probes fail while it is down, close once after: {ts:?}");
        assert!(closed[0].0 > SimTime::from_secs(15) && closed[0].0 <= SimTime::from_secs(20), "seed={seed}");
    }
}

#[test]
fn preset_slow_cascade_without_breaker_exhausts_the_pool_within_a_second() {
    for seed in 1..=5 {
        let (p, s) = preset("slow-cascade-no-breaker");
        let r = run(p, seed, s, 24);
        let pool = pool_events(r.as_ref());
        let (t, text) = pool.first().expect("the pool is exhausted");
        assert!(text.contains("exhausted") && *t > 3.0 && *t <= 4.0, "seed={seed}: {pool:?}");
        assert!(metric(r.as_ref(), "local_success_ratio") < 0.7, "seed={seed}: requests needing no dependency fail");
    }
}

#[test]
fn preset_slow_cascade_with_breaker_fills_the_pool_then_opens_and_drains_it() {
    for seed in 1..=5 {
        let (p, s) = preset("slow-cascade-with-breaker");
        let r = run(p, seed, s, 24);
        let pool = pool_events(r.as_ref());
        let exhausted = pool.iter().find(|p| p.1.contains("exhausted")).expect("the pool still fills");
        assert!(exhausted.0 > 3.0 && exhausted.0 <= 4.0, "seed={seed}: {pool:?}");
        let open = transitions(r.as_ref()).into_iter().find(|t| t.2 == "open").expect("opens");
        let open_s = open.0.as_secs_f64();
        assert!((4.5..6.5).contains(&open_s), "seed={seed}: opened at {open_s:.2} s, not about 5.5 s");
        let drained = pool.iter().find(|p| p.1.contains("recovered") && p.0 >= open_s).expect("the pool drains");
        assert!(drained.0 - open_s < 0.5, "seed={seed}: drained {:.2} s after opening", drained.0 - open_s);
        assert!(metric(r.as_ref(), "local_success_ratio") > 0.9, "seed={seed}: local requests keep succeeding");
    }
}

#[test]
fn preset_flapping_flaps_more_than_ten_times_in_30_s() {
    for seed in 1..=5 {
        let (p, s) = preset("flapping");
        let r = run(p, seed, s, 30);
        assert!(transitions(r.as_ref()).len() > 10, "seed={seed}");
    }
}
