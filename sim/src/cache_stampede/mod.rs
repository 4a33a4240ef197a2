//! Cache stampede: when a hot key's cached value expires, every request that arrives before the new value
//! is back in the cache misses and recomputes it — about 1 + λ·R of them (λ the key's request rate, R the
//! recompute time) — and a database pushed past its capacity by that burst gets slower, which lengthens the
//! burst. This file declares the scene: parameters with units and ranges, presets, charts and explain text.
//!
//! The system, by actor: [`protocol`] (nodes and messages), `cache.rs` (the shared cache and its leases),
//! `servers.rs` (what an app server does on a miss under each of the five strategies), [`db`] (the
//! processor-sharing database) and [`model`] (configuration, invariants, dispatch). [`zipf`] is key
//! popularity, [`theory`] the closed forms. `observer.rs` keeps the expiry-cycle bookkeeping off the wire;
//! `view.rs` is how it is shown.
//!
//! ```
//! use faultline_sim::{scene_by_id, kernel::SimTime};
//! let scene = scene_by_id("cache-stampede").unwrap();
//! let params = scene.default_params();
//! // One hot key at 200 req/s, recompute 100 ms: a stampede of about 21 recomputes per expiry.
//! let mut run = scene.build(params, 1, vec![]);
//! run.advance_to(SimTime::from_secs(12));
//! let expiry = run.log().iter().find(|e| e.kind == "expiry").expect("the hot key expired");
//! assert!(expiry.text.contains("recomputes"));
//! ```

mod cache;
mod challenges;
pub mod db;
pub mod model;
mod observer;
pub mod protocol;
mod servers;
pub mod theory;
mod tour;
mod view;
pub mod zipf;

pub use model::StampedeModel;
pub use protocol::{CACHE_LINK_US, CLIENT_LINK_US, DB_LINK_US, Strategy};
pub use theory::{expected_peak_db_concurrency, expected_recomputes_per_expiry};
pub use view::MAX_DRAWN_SERVERS;

use crate::kernel::{Field, Kernel, LogEntry, World};
use crate::scene::{
    Action, BenchLoad, ChartSpec, Explain, LineSpec, LineStyle, Names, ParamSpec, Params, Preset, Run, Scene, Tone,
};

/// The hottest key's life, drawn with the live state lit. Without stale-while-revalidate a stampede is the
/// time spent in RECOMPUTING with many recomputes at once; with it, the key serves its stale value while one
/// refresh runs.
pub const KEY_STATES: &[(&str, Tone)] = &[("FRESH", Tone::Good), ("RECOMPUTING", Tone::Warn), ("EXPIRED", Tone::Bad)];
pub const KEY_EDGES: &[(usize, usize, &str)] =
    &[(0, 2, "TTL elapsed"), (2, 1, "a read misses"), (1, 0, "value written")];
pub const SWR_KEY_STATES: &[(&str, Tone)] =
    &[("FRESH", Tone::Good), ("EXPIRED", Tone::Bad), ("SERVING STALE", Tone::Info)];
pub const SWR_KEY_EDGES: &[(usize, usize, &str)] =
    &[(0, 2, "TTL elapsed"), (2, 0, "refresh written"), (2, 1, "grace over"), (1, 0, "recomputed")];

const NAMES: Names = Names {
    nodes: &["clients", "cache", "database", "app{1..64}", "apps"],
    links: &[
        ("clients", "app{1..64}"),
        ("app{1..64}", "cache"),
        ("app{1..64}", "database"),
        ("clients", "apps"),
        ("apps", "cache"),
        ("apps", "database"),
    ],
    triggers: &["flush", "expire_hot"],
};

pub const STRATEGIES: &[&str] = &["none", "single_flight", "global_lock", "xfetch", "swr"];
/// The strategies in words, as readers know them (selects and comparisons show these).
pub const STRATEGY_LABELS: &[&str] =
    &["no protection", "single-flight", "global lock", "XFetch (early refresh)", "stale-while-revalidate"];

const SPECS: &[ParamSpec] = &[
    ParamSpec::number(
        "request_rate",
        "Request rate",
        "req/s",
        0.0,
        20000.0,
        200.0,
        1.0,
        "Client requests per second (Poisson arrivals), spread over the hot keys by popularity.",
    ),
    ParamSpec::number("hot_keys", "Hot keys", "keys", 1.0, 10000.0, 1.0, 1.0, "How many keys the requests ask for."),
    ParamSpec::number(
        "zipf_s",
        "Popularity skew (Zipf s)",
        "",
        0.0,
        3.0,
        1.0,
        0.05,
        "Key i gets a share proportional to 1/i^s: 0 = all keys equally popular, larger = a few very hot keys.",
    ),
    ParamSpec::number(
        "ttl_s",
        "TTL",
        "s",
        0.1,
        600.0,
        5.0,
        0.1,
        "How long a recomputed value stays fresh in the cache.",
    ),
    ParamSpec::number(
        "ttl_jitter",
        "TTL jitter",
        "× TTL",
        0.0,
        1.0,
        0.0,
        0.01,
        "Each write's TTL is drawn uniformly from TTL × (1 ± jitter/2): 0.5 spreads expiries over half a TTL.",
    ),
    ParamSpec::number(
        "recompute_ms",
        "Recompute time (R)",
        "ms",
        1.0,
        10000.0,
        100.0,
        1.0,
        "Database time of one recomputation when the database is under capacity.",
    ),
    ParamSpec::number(
        "db_capacity",
        "Database capacity (C)",
        "queries",
        1.0,
        10000.0,
        50.0,
        1.0,
        "Queries the database runs at full speed; beyond it they share it and each slows by running/C.",
    ),
    ParamSpec::number(
        "db_max_connections",
        "Database connection limit",
        "queries",
        1.0,
        100000.0,
        1000.0,
        1.0,
        "Queries beyond this many running are refused at once (\"too many connections\") and the request fails.",
    ),
    ParamSpec::number(
        "servers",
        "App servers (S)",
        "servers",
        1.0,
        64.0,
        4.0,
        1.0,
        "Application servers; each request goes to one at random.",
    ),
    ParamSpec::choice_labelled(
        "strategy",
        "Protection",
        STRATEGIES,
        STRATEGY_LABELS,
        0,
        "What an app server does on a miss: nothing (every miss recomputes), single-flight (one recompute per \
         server), a global lock (one recompute in the fleet, the others poll), XFetch (refresh early, at random) \
         or stale-while-revalidate (serve the old value while one refresh runs).",
    ),
    ParamSpec::number(
        "xfetch_beta",
        "XFetch β",
        "",
        0.1,
        10.0,
        1.0,
        0.1,
        "XFetch refreshes early when now − δ·β·ln(rand) ≥ expiry; larger β refreshes earlier.",
    ),
    ParamSpec::number(
        "swr_grace_s",
        "Stale grace (swr)",
        "s",
        0.1,
        600.0,
        30.0,
        0.1,
        "With swr, an expired value may still be served for this long while one background refresh runs.",
    ),
    ParamSpec::number(
        "lock_poll_ms",
        "Lock poll interval",
        "ms",
        1.0,
        1000.0,
        20.0,
        1.0,
        "With global_lock, a request that finds the key locked reads the cache again after this long.",
    ),
];

const PRESETS: &[Preset] = &[
    Preset {
        id: "textbook-stampede",
        title: "Textbook stampede",
        description: "One hot key at 200 req/s, recompute 100 ms, no protection: each time it expires, about \
                      1 + λ·R ≈ 22 requests miss and all recompute it at once (λ·R = 20, plus the round trips).",
        watch: "Watch the database: every 5 s the hot key expires and about 22 requests recompute it at once.",
        params: &[],
        faults: &[],
    },
    Preset {
        id: "stampede-that-never-recovers",
        title: "Stampede that never recovers",
        description: "200 keys at 2,000 req/s on a database of capacity 25 with no connection limit. The cache is \
                      flushed at 10 s: every key stampedes, the queries share the database so each one takes longer, \
                      values come back later, more requests miss, and the pile of queries only grows.",
        watch: "Watch the database after the flush at 10 s: its pile of queries grows and never drains.",
        params: &[
            ("request_rate", "2000"),
            ("hot_keys", "200"),
            ("zipf_s", "0.8"),
            ("recompute_ms", "100"),
            ("db_capacity", "25"),
            ("db_max_connections", "100000"),
        ],
        faults: &["10:trigger:flush"],
    },
    Preset {
        id: "global-lock-recovers",
        title: "Same flush, global lock",
        description: "A flush of 200 hot keys with a global lock: one recompute per key, so the database is \
                      overloaded for under a second and recovers; the keys rewritten together expire together 5 s \
                      later, in short waves it also absorbs.",
        watch: "Watch the database after the flush at 10 s: one query per key, a short pile-up, and it drains.",
        params: &[
            ("request_rate", "2000"),
            ("hot_keys", "200"),
            ("zipf_s", "0.8"),
            ("recompute_ms", "100"),
            ("db_capacity", "25"),
            ("strategy", "global_lock"),
        ],
        faults: &["10:trigger:flush"],
    },
    Preset {
        id: "single-flight",
        title: "Single-flight",
        description: "The textbook key with per-server single-flight: exactly one recompute per app server \
                      (S = 4) per expiry; the other requests wait on their server's recompute.",
        watch: "Watch the app servers and the database: at each expiry each server sends one query — four in all.",
        params: &[("strategy", "single_flight")],
        faults: &[],
    },
    Preset {
        id: "global-lock",
        title: "Global lock",
        description: "The textbook key with a lock in the cache: exactly one recompute per expiry; the other \
                      requests poll and all get that value.",
        watch: "Watch the database: at each expiry exactly one query runs while the other requests wait and poll.",
        params: &[("strategy", "global_lock")],
        faults: &[],
    },
    Preset {
        id: "probabilistic-early-expiration",
        title: "Probabilistic early expiration (XFetch)",
        description: "The textbook key with XFetch, β = 1: the value is refreshed before it expires, so almost no \
                      request meets an expired key; while the first refresh runs other readers may draw early too, \
                      about e^(1/β) ≈ 2.7 recomputes per cycle instead of 22.",
        watch: "Watch the database: just before each expiry a few requests refresh the key early — a handful of \
                queries, not a herd.",
        params: &[("strategy", "xfetch"), ("xfetch_beta", "1")],
        faults: &[],
    },
    Preset {
        id: "stale-while-revalidate",
        title: "Stale-while-revalidate",
        description: "The textbook key with swr: past its TTL the old value is served while one background refresh \
                      runs, so no request waits. The hot key is also expired by hand at 12 s.",
        watch: "Watch the cache: when the key expires it serves the stale value while a single refresh runs.",
        params: &[("strategy", "swr")],
        faults: &["12:trigger:expire_hot"],
    },
    Preset {
        id: "ttl-jitter-1000-keys",
        title: "TTL jitter across 1,000 keys",
        description: "1,000 keys flushed at 2 s are all rewritten within about a second; with TTL jitter 0.5 their \
                      next expiries spread over about 2.5 s instead of arriving within a second. Set jitter to 0 to \
                      see the synchronized wave.",
        watch: "Watch the database around 7 s: the keys rewritten after the flush expire spread out, not at once.",
        params: &[
            ("request_rate", "3000"),
            ("hot_keys", "1000"),
            ("zipf_s", "0.3"),
            ("recompute_ms", "50"),
            ("db_capacity", "100"),
            ("ttl_jitter", "0.5"),
        ],
        faults: &["2:trigger:flush"],
    },
];

const EXPLAIN: Explain = Explain {
    what: "A cache in front of a database is only as good as the moment a hot value expires. Every request for \
           that key that arrives before the recomputed value is back in the cache misses, and with no \
           protection each of them recomputes it: about 1 + λ·R recomputations (λ the key's request rate, R \
           the recompute time), all hitting the database at once. If that burst passes the database's \
           capacity, every query slows down, the value takes longer to come back, and more requests miss — \
           overload feeds itself. Protections bound the burst: single-flight lets one request per app server \
           recompute (S per expiry), a lock in the cache lets one request in the whole fleet recompute while \
           the others wait for its value, XFetch refreshes probabilistically before the expiry, and \
           stale-while-revalidate keeps serving the old value while one background refresh runs. TTL jitter \
           keeps many keys written together from expiring together. The dashed line on the database chart is \
           1 + λ·R for the hottest key: how many of its recomputations run at once just before the first one \
           returns, with no protection and the database under capacity.",
    try_steps: &[
        "Play “Textbook stampede”: every ~5 s the database concurrency spikes to about the dashed 1 + λ·R line and p99 latency jumps; the narration counts the recomputes of each expiry.",
        "Load “Single-flight”, then “Global lock”: the spike drops to S = 4, then to 1. Try “Stale-while-revalidate”: no request waits at all, even when the hot key is expired by hand.",
        "Load “Stampede that never recovers”: the flush at 10 s sends the database past capacity and it never comes back. Then “Same flush, global lock”: a short overload, then recovery.",
        "Load “TTL jitter across 1,000 keys”, then drag TTL jitter to 0: the second wave of expiries arrives all at once and the database peak rises.",
    ],
    model_card: &[
        "Clients send Poisson arrivals; each request picks a key by Zipf popularity and an app server uniformly at random.",
        "Hit = the request's first cache read returned a value it could answer with (fresh, or, under swr, stale within the grace window). Miss = it returned nothing usable (absent, expired, flushed). Every request is exactly one of the two: hits + misses = requests.",
        "User-visible miss = a request that waited on the database: its own recompute, a single-flight it joined, a lock holder it polled for, or an XFetch early refresh it performed. Stale served = a hit answered with an expired value (swr). A key is warm when it was written since the last flush and its value expired less than the stale grace window ago; user-visible misses on warm keys are counted separately and must be 0 under swr (a refresh slower than the grace window leaves the key cold: past the window even swr must recompute).",
        "Recompute = one database query followed by a cache write (SET with TTL × jitter) and its acknowledgement; waiters are answered after the write. Each recompute's result gets a new version number.",
        "The database is processor-sharing: up to C queries run at full speed R; with n > C running each runs n/C times slower; beyond the connection limit queries are refused and the request fails.",
        "single_flight coalesces concurrent misses of one key on one server until the write is acknowledged. global_lock is a lease taken atomically by the cache on a miss (memcache-style): the holder recomputes, the others re-read every poll interval and get the holder's value. The lock is released by the holder's write and survives a flush; no lease timeout (servers never crash here).",
        "xfetch follows Vattani et al.: a request reading a fresh value recomputes it (and waits) if now − δ·β·ln(u) ≥ expiry, δ the last recompute's duration stored with the value. Misses recompute as with none. Because the early refresh is synchronous, other readers may also draw early while it runs: a refresh cycle averages about e^(1/β) recomputes (2.7 at β = 1, 1.6 at β = 2), still one cycle per value lifetime.",
        "swr keeps an expired value for the grace window; the first stale read takes a refresh lease and refreshes in the background. A flushed (cold) key has no stale value: its misses recompute as with none.",
        "The cache starts warm: each key's first expiry is spread uniformly over one TTL. Flush drops every value; “expire hot key” makes key #1 expire now.",
        "Taking the database down fails its running queries and refuses new ones (each recompute fails and its waiters get an error; hits still work); when it comes back, every key that expired meanwhile is recomputed at once.",
        "Links have fixed latencies: 5 ms client↔server, 1 ms server↔cache, 2 ms server↔database, so a miss keeps the key absent for R + 6 ms and recomputes per expiry are 1 + λ·(R + 6 ms). A cut link holds its messages until healed.",
    ],
};

/// The database chart's lines; the theory line's label names the strategy's expectation.
const fn db_lines(theory: &'static str) -> [LineSpec; 3] {
    [
        LineSpec {
            series: "db_concurrency",
            label: "queries running (peak per 100 ms)",
            tone: Tone::Warn,
            style: LineStyle::Solid,
        },
        LineSpec { series: "db_capacity", label: "capacity C", tone: Tone::Neutral, style: LineStyle::Solid },
        LineSpec { series: "db_concurrency_theory", label: theory, tone: Tone::Info, style: LineStyle::Theory },
    ]
}

const fn db_chart(lines: &'static [LineSpec]) -> ChartSpec {
    ChartSpec { id: "db_concurrency", title: "Database concurrency", unit: "queries", lines, band: None, y_max: None }
}

/// The database chart per strategy, in the order of [`STRATEGIES`].
pub const DB_CHARTS: [ChartSpec; 5] = [
    db_chart(&db_lines("theory: 1 + λ·R per expiry")),
    db_chart(&db_lines("theory: one per server that sees a miss (≈ S)")),
    db_chart(&db_lines("theory: 1 (the lock holder)")),
    db_chart(&db_lines("theory: ≈ e^(1/β) refreshes per cycle")),
    db_chart(&db_lines("theory: 1 (one background refresh)")),
];

/// The charts after the database's (the same under every strategy).
pub const CHARTS: &[ChartSpec] = &[
    ChartSpec {
        id: "db_qps",
        title: "Database queries",
        unit: "queries/s",
        lines: &[
            LineSpec { series: "db_qps", label: "queries/s", tone: Tone::Warn, style: LineStyle::Solid },
            LineSpec { series: "db_refused_qps", label: "refused/s", tone: Tone::Bad, style: LineStyle::Solid },
        ],
        band: None,
        y_max: None,
    },
    ChartSpec {
        id: "hit_ratio",
        title: "Cache hit ratio",
        unit: "fraction",
        lines: &[
            LineSpec { series: "hit_ratio", label: "hits / requests", tone: Tone::Good, style: LineStyle::Solid },
            LineSpec {
                series: "stale_ratio",
                label: "stale served / requests",
                tone: Tone::Warn,
                style: LineStyle::Solid,
            },
        ],
        band: None,
        y_max: Some(1.0),
    },
    ChartSpec {
        id: "latency",
        title: "Client latency",
        unit: "ms",
        lines: &[
            LineSpec { series: "client_latency_p50", label: "p50", tone: Tone::Info, style: LineStyle::Solid },
            LineSpec { series: "client_latency_p99", label: "p99", tone: Tone::Bad, style: LineStyle::Solid },
        ],
        band: None,
        y_max: None,
    },
];

/// The scene's registry entry.
pub struct CacheStampedeScene;

impl Scene for CacheStampedeScene {
    fn tour(&self) -> &'static [crate::scene::tour::TourStep] {
        tour::TOUR
    }
    fn id(&self) -> &'static str {
        "cache-stampede"
    }
    fn title(&self) -> &'static str {
        "Cache stampede"
    }
    fn teaches(&self) -> &'static str {
        "Why one expiring hot key can send 1 + λ·R recomputations to the database at once — and how single-flight, locks, early expiration, stale-while-revalidate and jitter tame it."
    }
    fn params(&self) -> &'static [ParamSpec] {
        SPECS
    }
    fn key_params(&self) -> &'static [&'static str] {
        &["request_rate", "ttl_s", "recompute_ms", "strategy"]
    }
    fn presets(&self) -> &'static [Preset] {
        PRESETS
    }
    fn default_preset(&self) -> Option<&'static str> {
        Some("textbook-stampede")
    }
    fn explain(&self) -> &'static Explain {
        &EXPLAIN
    }
    fn compare_params(&self) -> &'static [&'static str] {
        &["strategy"]
    }
    fn challenges(&self) -> &'static [crate::scene::Challenge] {
        challenges::CHALLENGES
    }
    fn names(&self) -> &'static Names {
        &NAMES
    }
    fn notable(&self) -> &'static [&'static str] {
        &["expiry", "overload", "action", "fault", "param"]
    }
    fn summarize_burst(&self, kind: &str, entries: &[&LogEntry]) -> String {
        let span = entries.last().map_or(0, |e| e.t - entries[0].t) as f64 / 1e6;
        let num = |e: &LogEntry, k: &str| match e.fields.iter().find(|f| f.0 == k).map(|f| &f.1) {
            Some(Field::Int(x)) => *x as f64,
            Some(Field::Num(x)) => *x,
            _ => 0.0,
        };
        if kind == "expiry" {
            let recomputes: f64 = entries.iter().map(|e| num(e, "recomputes")).sum();
            let most = entries.iter().max_by(|a, b| num(a, "recomputes").total_cmp(&num(b, "recomputes")));
            let most = most.map_or(String::new(), |e| {
                format!(" (most: {:.0} for key #{:.0})", num(e, "recomputes"), num(e, "key") + 1.0)
            });
            return format!(
                "{} keys expired or refreshed within {span:.1} s: {recomputes:.0} recomputes{most}",
                entries.len()
            );
        }
        let first = entries.first().map_or("", |e| e.text.as_str());
        format!("{} {kind} events within {span:.1} s, the first: {first}", entries.len())
    }
    fn bench_params(&self, load: BenchLoad) -> &'static [(&'static str, &'static str)] {
        match load {
            BenchLoad::Busy => &[("request_rate", "2000")],
            BenchLoad::Crowded => &[("request_rate", "20000"), ("hot_keys", "1000"), ("db_capacity", "1000")],
        }
    }
    #[cfg(feature = "scene-cache-stampede")]
    fn build(&self, params: Params, seed: u64, script: Vec<Action>) -> Box<dyn Run> {
        let mut kernel = Kernel::new(seed);
        let model = StampedeModel::new(&params, &mut kernel);
        Box::new(World::new(self.id(), kernel, model, params, script))
    }
    #[cfg(not(feature = "scene-cache-stampede"))]
    fn build(&self, _: Params, _: u64, _: Vec<Action>) -> Box<dyn Run> {
        crate::scene::not_in_this_build(self.id())
    }
}
