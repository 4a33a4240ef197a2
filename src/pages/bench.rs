//! `?bench=1`: in-browser figures for `cargo xtask bench` — simulation throughput in wasm and the cost of
//! rewinding a long run through the timeline. The result is JSON in `[data-testid=bench-result]`.

use std::time::Duration;

use faultline_sim::kernel::SimTime;
use faultline_sim::scene::ParamValue;
use faultline_sim::timeline::Timeline;
use leptos::prelude::*;

use crate::core::format::hash_hex;
use crate::session::wall_ms;
use crate::url_state::SceneUrl;

/// Targets of the timed seeks, in seconds: spread over the run, in no particular order, always the same.
const SEEK_TARGETS_S: [f64; 20] = [
    12.5, 431.0, 77.25, 598.0, 250.0, 3.0, 333.3, 120.0, 515.5, 45.0, 401.0, 199.9, 560.0, 0.5, 288.0, 150.75, 470.0,
    30.0, 366.6, 90.0,
];

fn run_bench() -> String {
    let Some(scene) = faultline_sim::scene_by_id("circuit-breaker") else { return "{}".into() };
    // (a) raw throughput at 2000 req/s over 60 s, the same runs as the native `faultline bench [SCENE]`.
    let (events, eps, hash) = throughput("circuit-breaker");
    let (stampede_events, stampede_eps, stampede_hash) = throughput("cache-stampede");

    // (b) rewind: a 10-minute run of the default preset, then seeks from its end to earlier moments.
    let initial = SceneUrl::initial(scene);
    let default_run = scene.build(initial.params, initial.seed, initial.script);
    let (max, p50, build_ms, snapshots) = seek_figures(default_run);
    // (c) the same at 1000 req/s (~2 million events in 10 minutes), where replay cost matters.
    let mut busy = scene.default_params();
    busy.set_value("request_rate", ParamValue::Number(1000.0));
    busy.set_value("pool_size", ParamValue::Number(500.0));
    let (hi_max, hi_p50, hi_build_ms, hi_snapshots) = seek_figures(scene.build(busy, 1, Vec::new()));
    format!(
        "{{\"events\":{events},\"events_per_s\":{eps:.0},\"trace_hash\":\"{hash}\",\
         \"seek_ms_max\":{max:.2},\"seek_ms_p50\":{p50:.2},\"seek_run_s\":600,\"seek_build_ms\":{build_ms:.1},\"snapshots\":{snapshots},\
         \"seek_1000rps_ms_max\":{hi_max:.2},\"seek_1000rps_ms_p50\":{hi_p50:.2},\"seek_1000rps_build_ms\":{hi_build_ms:.1},\"seek_1000rps_snapshots\":{hi_snapshots},\
         \"stampede_events\":{stampede_events},\"stampede_events_per_s\":{stampede_eps:.0},\"stampede_trace_hash\":\"{stampede_hash}\"}}",
    )
}

/// Events per second of a scene's default parameters at 2000 req/s over 60 s of virtual time: (events,
/// events/s, trace hash). A warm-up run comes first: the engine compiles hot wasm functions with its
/// optimising tier only after they ran a while, and the figure is meant to be the steady state of a long run.
fn throughput(scene_id: &str) -> (u64, f64, String) {
    let Some(scene) = faultline_sim::scene_by_id(scene_id) else { return (0, 0.0, String::new()) };
    let (mut params, _) = scene.default_inputs();
    params.set_value("request_rate", ParamValue::Number(2000.0));
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
fn seek_figures(run: Box<dyn faultline_sim::scene::Run>) -> (f64, f64, f64, usize) {
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
    seeks.sort_by(|a, b| a.total_cmp(b));
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
            <p>{move || if result.with(|r| r.is_empty()) { "Running… (60 s of virtual time at 2000 req/s, then 20 rewinds of a 10-minute run)" } else { "Done." }}</p>
            <pre data-testid="bench-result">{move || result.get()}</pre>
        </main>
    }
}
