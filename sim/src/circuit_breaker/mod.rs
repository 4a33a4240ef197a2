//! Circuit breaker: a caller protects itself from a failing or slow dependency by failing fast.
//!
//! [`breaker`] is the state machine (Resilience4j semantics); [`model`] is the topology it lives in
//! (clients → caller with a thread pool → dependency) and its invariants; `view` is how it is shown. This
//! file declares the scene: its parameters with units and ranges, presets, charts and explain text.
//!
//! ```
//! use faultline_sim::{scene_by_id, kernel::SimTime, scene::Action};
//! let scene = scene_by_id("circuit-breaker").unwrap();
//! let mut run = scene.build(scene.default_params(), 1, vec!["2:crash:dependency".parse::<Action>().unwrap()]);
//! run.advance_to(SimTime::from_secs(6));
//! assert!(run.log().iter().any(|e| e.kind == "transition" && e.text.starts_with("breaker OPEN")));
//! ```

pub mod breaker;
mod challenges;
pub mod model;
mod tour;
mod view;

pub use breaker::{Breaker, BreakerConfig, BreakerState, Transition, WindowKind, WindowStats};
pub use model::{BreakerModel, ClientOutcome};

use crate::kernel::{Kernel, World};
use crate::scene::{
    Action, BandSpec, BenchLoad, ChartSpec, Explain, LineSpec, LineStyle, Names, ParamSpec, Params, Preset, Run, Scene,
    Tone,
};

pub const MACHINE_STATES: &[(&str, Tone)] = &[("CLOSED", Tone::Good), ("HALF_OPEN", Tone::Warn), ("OPEN", Tone::Bad)];
pub const MACHINE_EDGES: &[(usize, usize, &str)] = &[
    (0, 2, "failure or slow rate ≥ threshold"),
    (2, 1, "open wait elapsed"),
    (1, 0, "probes healthy"),
    (1, 2, "probes failing"),
];

const SPECS: &[ParamSpec] = &[
    ParamSpec::number(
        "request_rate",
        "Request rate",
        "req/s",
        0.0,
        5000.0,
        40.0,
        1.0,
        "Client requests per second (Poisson arrivals).",
    ),
    ParamSpec::number(
        "client_latency_ms",
        "Client network latency",
        "ms",
        1.0,
        1000.0,
        40.0,
        1.0,
        "One-way network latency between the clients and the caller.",
    ),
    ParamSpec::number(
        "local_share",
        "Requests not needing the dependency",
        "",
        0.0,
        1.0,
        0.3,
        0.05,
        "Share of requests the caller answers by itself (its other endpoints); they need only a free thread.",
    ),
    ParamSpec::number(
        "failure_rate",
        "Dependency error rate",
        "",
        0.0,
        1.0,
        0.02,
        0.01,
        "Probability that a call to the dependency returns an error.",
    ),
    ParamSpec::number(
        "dependency_latency_ms",
        "Dependency latency (median)",
        "ms",
        1.0,
        10000.0,
        80.0,
        1.0,
        "Median service time of the dependency; the distribution has a log-normal tail.",
    ),
    ParamSpec::number(
        "dependency_capacity",
        "Dependency capacity",
        "calls",
        1.0,
        1000.0,
        40.0,
        1.0,
        "Concurrent calls the dependency serves at full speed; beyond it, latency grows with concurrency.",
    ),
    ParamSpec::number(
        "timeout_ms",
        "Call timeout",
        "ms",
        10.0,
        30000.0,
        1000.0,
        10.0,
        "The caller gives up on a call after this long (the thread is freed).",
    ),
    ParamSpec::number(
        "pool_size",
        "Caller thread pool",
        "threads",
        1.0,
        1000.0,
        20.0,
        1.0,
        "Requests the caller can work on at once; a request that finds no free thread fails at once.",
    ),
    ParamSpec::choice_labelled(
        "breaker",
        "Circuit breaker",
        &["on", "off"],
        &["breaker on", "no breaker"],
        0,
        "Without a breaker the caller keeps calling whatever happens.",
    ),
    ParamSpec::choice_labelled(
        "window_type",
        "Window type",
        &["count", "time"],
        &["last N calls", "last N seconds"],
        0,
        "Count: the last N calls. Time: the calls of the last N seconds.",
    ),
    ParamSpec::number(
        "window_size",
        "Window size",
        "calls or s",
        1.0,
        200.0,
        20.0,
        1.0,
        "N calls for a count window, N seconds for a time window.",
    ),
    ParamSpec::number(
        "min_calls",
        "Minimum calls",
        "calls",
        1.0,
        200.0,
        10.0,
        1.0,
        "No verdict before the window holds this many calls.",
    ),
    ParamSpec::number(
        "failure_threshold",
        "Failure-rate threshold",
        "",
        0.01,
        1.0,
        0.5,
        0.01,
        "Open when the window's failure rate reaches this.",
    ),
    ParamSpec::number(
        "slow_call_ms",
        "Slow-call duration",
        "ms",
        1.0,
        30000.0,
        800.0,
        1.0,
        "A call taking at least this long counts as slow.",
    ),
    ParamSpec::number(
        "slow_call_threshold",
        "Slow-call-rate threshold",
        "",
        0.01,
        1.0,
        1.0,
        0.01,
        "Open when the window's slow-call rate reaches this.",
    ),
    ParamSpec::number(
        "open_wait_ms",
        "Wait in OPEN",
        "ms",
        100.0,
        60000.0,
        4000.0,
        100.0,
        "How long the breaker stays OPEN before letting probes through.",
    ),
    ParamSpec::number(
        "half_open_calls",
        "Probe calls in HALF_OPEN",
        "calls",
        1.0,
        50.0,
        3.0,
        1.0,
        "Calls admitted in HALF_OPEN; their outcome decides CLOSED or OPEN.",
    ),
    ParamSpec::number(
        "half_open_max_wait_ms",
        "Max wait in HALF_OPEN",
        "ms",
        0.0,
        60000.0,
        0.0,
        100.0,
        "Go back to OPEN if the probes have not all reported by then (0 = no limit).",
    ),
    ParamSpec::number(
        "retries",
        "Retries",
        "",
        0.0,
        5.0,
        0.0,
        1.0,
        "Immediate retries of a failed or timed-out call, on the same thread.",
    ),
];

const NAMES: Names =
    Names { nodes: &model::NODE_NAMES, links: &[("clients", "caller"), ("caller", "dependency")], triggers: &[] };

const PRESETS: &[Preset] = &[
    Preset {
        id: "healthy",
        title: "Healthy",
        description: "2% errors, fast dependency: the breaker stays CLOSED and nearly every request succeeds.",
        watch: "Watch the breaker on the caller → dependency link: its window fills with good calls and the odd \
                failure; it stays closed.",
        params: &[],
        faults: &[],
    },
    Preset {
        id: "dependency-down",
        title: "Dependency down",
        description: "The dependency goes down at 3 s and comes back at 15 s: the breaker opens within a second, its \
                      probes fail while the dependency is down, and it closes again within seconds of the recovery.",
        watch: "Watch the breaker on the caller → dependency link: at 3 s the dependency goes down, failures fill the \
                window and the breaker opens; calls turn back at it until the dependency returns at 15 s.",
        params: &[],
        faults: &["3:crash:dependency", "15:restart:dependency"],
    },
    Preset {
        id: "slow-cascade-no-breaker",
        title: "Slow dependency cascades (no breaker)",
        description: "At 3 s the dependency slows to 3 s per call: every call waits out the 2 s timeout, the caller's \
                      pool is exhausted within a second, and even requests that never needed the dependency fail.",
        watch: "Watch the caller's threads: from 3 s each call waits 2 s on the slow dependency, the pool fills, and \
                requests that need no dependency fail too.",
        params: &[("breaker", "off"), ("timeout_ms", "2000")],
        faults: &["3:set:dependency_latency_ms=3000", "25:set:dependency_latency_ms=80"],
    },
    Preset {
        id: "slow-cascade-with-breaker",
        title: "Same with breaker",
        description: "The same slowdown with a breaker that counts slow calls: the pool still fills while the window \
                      gathers enough slow calls, then the breaker opens, rejects calls at once, the pool drains, and \
                      the requests that need no dependency keep succeeding.",
        watch: "Watch the caller's threads and the breaker: the pool fills while the window gathers slow calls, then \
                the breaker opens at about 5.5 s and the threads drain.",
        params: &[("breaker", "on"), ("timeout_ms", "2000"), ("slow_call_ms", "1000"), ("slow_call_threshold", "0.5")],
        faults: &["3:set:dependency_latency_ms=3000", "25:set:dependency_latency_ms=80"],
    },
    Preset {
        id: "flapping",
        title: "Flapping (too-sensitive thresholds)",
        description: "15% errors against a 20% threshold over 5 calls with a single probe: the breaker opens and \
                      closes over and over, more than ten times in 30 s.",
        watch: "Watch the breaker: one failure in five calls opens it, one good probe closes it — over and over.",
        params: &[
            ("failure_rate", "0.15"),
            ("window_size", "5"),
            ("min_calls", "5"),
            ("failure_threshold", "0.2"),
            ("open_wait_ms", "1000"),
            ("half_open_calls", "1"),
        ],
        faults: &[],
    },
];

const EXPLAIN: Explain = Explain {
    what: "A circuit breaker sits in the caller, in front of a dependency. While calls succeed it is CLOSED and \
           lets them through, counting outcomes in a sliding window. When enough calls have been seen and too \
           many failed (or were too slow) it OPENS: calls are rejected at once, without waiting on a dependency \
           that is not answering, so the caller's threads stay free for work that can succeed. After a wait it \
           goes HALF_OPEN and lets a few probe calls through; they decide whether it closes again or reopens.",
    try_steps: &[
        "Press play on “Dependency down”: watch the window fill with failures, the breaker open at the minimum call count, and the probes close it once the dependency is back.",
        "Load “Slow dependency cascades (no breaker)”: every thread ends up waiting on the dependency, the pool fills and even requests that could succeed fail. Then load “Same with breaker” and compare the pool and latency charts.",
        "Load “Flapping”: thresholds too tight for a 15% error rate make the breaker open and close over and over. Raise the window size and minimum calls until it settles.",
        "Click the dependency to take it down yourself, or drag the error rate up while it plays.",
    ],
    model_card: &[
        "Clients send Poisson arrivals; each request holds a caller thread until answered; no queue in front of the pool.",
        "A share of requests (local_share) needs no dependency: about 5 ms of the caller's own work. They fail only when no thread is free — the cascade.",
        "Dependency service time is log-normal (σ = 0.35) around the median, stretched by concurrency over capacity.",
        "A dependency that is down refuses calls at once (an error one round trip later); calls in progress when it goes down never return.",
        "Breaker semantics follow Resilience4j: count or time windows, minimum calls, failure and slow-call thresholds, automatic OPEN→HALF_OPEN after the wait; outcomes of calls admitted before a transition are ignored.",
        "Retries are immediate and reuse the same thread; a retry is also subject to the breaker.",
        "Network links have log-normal latency with a small jitter (σ = 0.1) around their medians: client_latency_ms to the clients, 15 ms to the dependency; no loss unless cut.",
    ],
};

const OUTCOME_LINES: &[LineSpec] = &[
    LineSpec { series: "rate_succeeded", label: "succeeded", tone: Tone::Good, style: LineStyle::Solid },
    LineSpec { series: "rate_failed", label: "failed", tone: Tone::Bad, style: LineStyle::Solid },
    LineSpec { series: "rate_timed_out", label: "timed out", tone: Tone::Warn, style: LineStyle::Solid },
    LineSpec { series: "rate_rejected", label: "rejected (breaker)", tone: Tone::Info, style: LineStyle::Solid },
    LineSpec { series: "rate_pool_full", label: "pool full", tone: Tone::Neutral, style: LineStyle::Solid },
];

const STATE_BAND: BandSpec = BandSpec { series: "breaker_state", states: MACHINE_STATES };

pub const CHARTS: &[ChartSpec] = &[
    ChartSpec {
        id: "outcomes",
        title: "Client requests by outcome",
        unit: "req/s",
        lines: OUTCOME_LINES,
        band: Some(STATE_BAND),
        y_max: None,
    },
    ChartSpec {
        id: "latency",
        title: "Client latency",
        unit: "ms",
        lines: &[
            LineSpec { series: "latency_p50_ms", label: "p50", tone: Tone::Info, style: LineStyle::Solid },
            LineSpec { series: "latency_p99_ms", label: "p99", tone: Tone::Bad, style: LineStyle::Solid },
        ],
        band: None,
        y_max: None,
    },
    ChartSpec {
        id: "pool",
        title: "Caller pool utilisation and window failure rate",
        unit: "fraction",
        lines: &[
            LineSpec { series: "pool_utilisation", label: "pool busy", tone: Tone::Warn, style: LineStyle::Solid },
            LineSpec {
                series: "window_failure_rate",
                label: "window failure rate",
                tone: Tone::Bad,
                style: LineStyle::Solid,
            },
        ],
        band: Some(STATE_BAND),
        y_max: Some(1.0),
    },
];

/// The same charts without the state band: with no breaker there is no state to paint.
pub const CHARTS_NO_BREAKER: &[ChartSpec] = &[
    ChartSpec {
        id: "outcomes",
        title: "Client requests by outcome",
        unit: "req/s",
        lines: OUTCOME_LINES,
        band: None,
        y_max: None,
    },
    ChartSpec {
        id: "latency",
        title: "Client latency",
        unit: "ms",
        lines: &[
            LineSpec { series: "latency_p50_ms", label: "p50", tone: Tone::Info, style: LineStyle::Solid },
            LineSpec { series: "latency_p99_ms", label: "p99", tone: Tone::Bad, style: LineStyle::Solid },
        ],
        band: None,
        y_max: None,
    },
    ChartSpec {
        id: "pool",
        title: "Caller pool utilisation and window failure rate",
        unit: "fraction",
        lines: &[
            LineSpec { series: "pool_utilisation", label: "pool busy", tone: Tone::Warn, style: LineStyle::Solid },
            LineSpec {
                series: "window_failure_rate",
                label: "window failure rate",
                tone: Tone::Bad,
                style: LineStyle::Solid,
            },
        ],
        band: None,
        y_max: Some(1.0),
    },
];

/// The scene's registry entry.
pub struct CircuitBreakerScene;

impl Scene for CircuitBreakerScene {
    fn tour(&self) -> &'static [crate::scene::tour::TourStep] {
        tour::TOUR
    }
    fn id(&self) -> &'static str {
        "circuit-breaker"
    }
    fn title(&self) -> &'static str {
        "Circuit breaker"
    }
    fn teaches(&self) -> &'static str {
        "Why failing fast keeps a caller alive when its dependency dies or slows down — and how thresholds make a breaker flap."
    }
    fn params(&self) -> &'static [ParamSpec] {
        SPECS
    }
    fn key_params(&self) -> &'static [&'static str] {
        &["request_rate", "failure_rate", "dependency_latency_ms", "breaker"]
    }
    fn presets(&self) -> &'static [Preset] {
        PRESETS
    }
    fn default_preset(&self) -> Option<&'static str> {
        Some("dependency-down")
    }
    fn explain(&self) -> &'static Explain {
        &EXPLAIN
    }
    fn compare_params(&self) -> &'static [&'static str] {
        &["breaker", "window_type"]
    }
    fn challenges(&self) -> &'static [crate::scene::Challenge] {
        challenges::CHALLENGES
    }
    fn names(&self) -> &'static Names {
        &NAMES
    }
    fn notable(&self) -> &'static [&'static str] {
        &["transition", "fault", "pool", "param"]
    }
    fn bench_params(&self, load: BenchLoad) -> &'static [(&'static str, &'static str)] {
        match load {
            BenchLoad::Busy => &[("request_rate", "2000"), ("pool_size", "500")],
            // 5,000 req/s, each on the client link for 2 × 200 ms: about 2,000 messages in flight.
            BenchLoad::Crowded => &[
                ("request_rate", "5000"),
                ("client_latency_ms", "200"),
                ("pool_size", "1000"),
                ("dependency_capacity", "1000"),
            ],
        }
    }
    #[cfg(feature = "scene-circuit-breaker")]
    fn build(&self, params: Params, seed: u64, script: Vec<Action>) -> Box<dyn Run> {
        let mut kernel = Kernel::new(seed);
        let model = BreakerModel::new(&params, &mut kernel);
        Box::new(World::new(self.id(), kernel, model, params, script))
    }
    #[cfg(not(feature = "scene-circuit-breaker"))]
    fn build(&self, _: Params, _: u64, _: Vec<Action>) -> Box<dyn Run> {
        crate::scene::not_in_this_build(self.id())
    }
}
