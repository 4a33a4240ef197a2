//! `?bench=1`: in-browser figures for `cargo xtask bench` — simulation throughput in wasm of every
//! registered scene under its busy load, and the cost of rewinding a long run through the timeline. The
//! result is JSON in `[data-testid=bench-result]`:
//! `{"scenes": {"<id>": {"events", "events_per_s", "trace_hash"}, …}, "seek": {…}}`.

use std::time::Duration;

use faultline_sim::kernel::SimTime;
use faultline_sim::scene::{BenchLoad, Run, Scene};
use faultline_sim::timeline::Timeline;
use leptos::prelude::*;

use crate::core::format::hash_hex;
use crate::session::wall_ms;

/// Targets of the timed seeks, in seconds: spread over the run, in no particular order, always the same.
const SEEK_TARGETS_S: [f64; 20] = [
    12.5, 431.0, 77.25, 598.0, 250.0, 3.0, 333.3, 120.0, 515.5, 45.0, 401.0, 199.9, 560.0, 0.5, 288.0, 150.75, 470.0,
    30.0, 366.6, 90.0,
];

fn run_bench() -> String {
    let scenes: Vec<String> = faultline_sim::scenes()
        .iter()
        .map(|s| {
            let (events, eps, hash) = throughput(*s);
            format!("\"{}\":{{\"events\":{events},\"events_per_s\":{eps:.0},\"trace_hash\":\"{hash}\"}}", s.id())
        })
        .collect();
    // Rewind: a 10-minute run of the first scene, as a reader first sees it and under its busy load.
    let scene = faultline_sim::scenes()[0];
    let (params, script) = scene.default_inputs();
    let (max, p50, build_ms, snapshots) = seek_figures(scene.build(params, 1, script));
    let (b_max, b_p50, b_build_ms, b_snapshots) =
        seek_figures(scene.build(scene.bench_inputs(BenchLoad::Busy), 1, vec![]));
    format!(
        "{{\"scenes\":{{{}}},\"seek\":{{\"scene\":\"{}\",\"run_s\":600,\
         \"default\":{{\"seek_ms_max\":{max:.2},\"seek_ms_p50\":{p50:.2},\"build_ms\":{build_ms:.1},\"snapshots\":{snapshots}}},\
         \"busy\":{{\"seek_ms_max\":{b_max:.2},\"seek_ms_p50\":{b_p50:.2},\"build_ms\":{b_build_ms:.1},\"snapshots\":{b_snapshots}}}}}}}",
        scenes.join(","),
        scene.id()
    )
}

/// Events per second of a scene under its busy load over 60 s of virtual time: (events, events/s, trace
/// hash) — the same run as the native `faultline bench SCENE`. A warm-up run comes first: the engine
/// compiles hot wasm functions with its optimising tier only after they ran a while, and the figure is
/// meant to be the steady state of a long run.
fn throughput(scene: &dyn Scene) -> (u64, f64, String) {
    let params = scene.bench_inputs(BenchLoad::Busy);
    let mut warm_up = scene.build(params.clone(), 2, Vec::new());
    warm_up.advance_to(SimTime::from_secs(20));
    let mut run = scene.build(params, 1, Vec::new());
    let t0 = wall_ms();
    run.advance_to(SimTime::from_secs(60));
    let wall = (wall_ms() - t0).max(1e-3);
    (run.n_events(), run.n_events() as f64 / (wall / 1000.0), hash_hex(run.trace_hash()))
}

/// Plays `run` through a timeline to 10 minutes, then times seeks to earlier moments:
/// (max ms, p50 ms, ms to play the 10 minutes, snapshots kept).
fn seek_figures(run: Box<dyn Run>) -> (f64, f64, f64, usize) {
    let mut tl = Timeline::new(run);
    let end = SimTime::from_secs(600);
    let b0 = wall_ms();
    tl.seek(end);
    let build_ms = wall_ms() - b0;
    let mut seeks = Vec::with_capacity(SEEK_TARGETS_S.len());
    for t in SEEK_TARGETS_S {
        let s0 = wall_ms();
        tl.seek(SimTime::from_secs_f64(t));
        seeks.push(wall_ms() - s0);
        tl.seek(end);
    }
    faultline_sim::kernel::sort_stable_by(&mut seeks, |a, b| a.total_cmp(b));
    (seeks.last().copied().unwrap_or(0.0), seeks[seeks.len() / 2], build_ms, tl.n_snapshots())
}

#[component]
pub fn BenchPage() -> impl IntoView {
    let result = RwSignal::new(String::new());
    // Let the page paint "running" before the benchmark takes the main thread.
    set_timeout(move || result.set(run_bench()), Duration::from_millis(50));
    view! {
        <header class="site"><a class="brand" href="?">"Faultline"</a><span class="crumb">"/"</span><h1>"Benchmark"</h1></header>
        <main class="home">
            <p>{move || if result.with(|r| r.is_empty()) { "Running… (60 s of virtual time per scene under load, then 20 rewinds of a 10-minute run)" } else { "Done." }}</p>
            <pre data-testid="bench-result">{move || result.get()}</pre>
        </main>
    }
}
