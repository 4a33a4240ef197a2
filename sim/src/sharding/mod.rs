//! Sharding hot spots: why one shard burns while the others idle, and which keys move when you add one.
//!
//! A keyspace of K keys is spread over N shards by one of three placements — contiguous key **ranges**,
//! **hash mod N**, or a **consistent-hash ring** with V virtual nodes per shard. Clients read keys by
//! popularity (Zipf, plus an optional celebrity key with a chosen share of all traffic) and write random
//! keys or sequential IDs. Each shard is a FIFO server with a capacity: past it, its queue and latency grow.
//! Adding or removing a shard, splitting a range or changing the placement reshards: every existing key
//! is asked for its new owner and every move is counted, beside the theory (N/(N+1) of the keys under hash
//! mod N, 1/(N+1) on the ring).
//!
//! The system, by concern: [`protocol`] (nodes, messages, strategies), [`placement`] (who owns a key),
//! [`directory`] (the owner of every key, and the counted, audited reshard), [`shard`] (the M/M/1 server),
//! [`workload`] (which key a request asks for), [`model`] (configuration, invariants, dispatch), and
//! `reshard.rs` (every change of placement and the reshard itself, start to finish, with its narration).
//! [`heatmap`] keeps the load per key range over time; [`theory`] holds the closed forms; `view.rs` is how it
//! is shown. This file declares the scene: parameters, presets, charts and explain text.
//!
//! ```
//! use faultline_sim::{scene_by_id, kernel::SimTime, testing};
//! let scene = scene_by_id("sharding").unwrap();
//! let p = testing::params(scene, &[("strategy", "hash_mod")]);
//! let r = testing::run(scene, p, 1, testing::script(&["2:trigger:add_shard"]), 3);
//! let reshard = &testing::events(r.as_ref(), "reshard")[0];
//! // hash mod 4 → 5 moves about 4/5 of the keys.
//! assert!((testing::num(reshard, "moved_fraction") - 0.8).abs() < 0.02);
//! assert_eq!(testing::num(reshard, "theory"), 0.8);
//! ```

mod challenges;
pub mod directory;
pub mod heatmap;
pub mod model;
pub mod placement;
pub mod protocol;
mod reshard;
pub mod shard;
pub mod theory;
mod tour;
mod view;
pub mod workload;

pub use model::{Cause, INVARIANTS, MAX_KEYS, ShardingModel};
pub use protocol::{MAX_SHARDS, STRATEGIES, Strategy};
pub use view::{MAX_DRAWN_SHARDS, MAX_RING_POINTS, RING_KEY_SAMPLE};

use crate::kernel::{Kernel, World};
use crate::scene::{
    Action, BenchLoad, ChartSpec, Explain, LineSpec, LineStyle, Names, ParamSpec, Params, Preset, Run, Scene, Tone,
};

const NAMES: Names = Names {
    nodes: &["router", "shard{1..64}", "shards"],
    links: &[("router", "shard{1..64}"), ("router", "shards")],
    triggers: &["add_shard", "remove_shard", "split_hot_range"],
};

const SPECS: &[ParamSpec] = &[
    ParamSpec::choice(
        "strategy",
        "Placement",
        STRATEGIES,
        2,
        "range: contiguous key ranges · hash_mod: hash(key) mod N · ring: consistent hashing with virtual nodes.",
    ),
    ParamSpec::number(
        "shards",
        "Shards (N)",
        "shards",
        1.0,
        64.0,
        4.0,
        1.0,
        "How many shards; changing it mid-run reshards (the highest-numbered shards leave first).",
    ),
    ParamSpec::number(
        "vnodes",
        "Virtual nodes per shard (V)",
        "points",
        1.0,
        500.0,
        100.0,
        1.0,
        "Points each shard has on the ring; more points, more even shares. Only the ring uses them.",
    ),
    ParamSpec::number(
        "keys",
        "Keys (K)",
        "keys",
        100.0,
        100_000.0,
        10_000.0,
        100.0,
        "Keys in the keyspace at the start (sequential writes add more at the end).",
    ),
    ParamSpec::number(
        "zipf_s",
        "Popularity skew (Zipf s)",
        "",
        0.0,
        2.0,
        0.8,
        0.05,
        "Reads ask for the key of rank r with weight 1/r^s: 0 = every key equally popular. Ranks are scattered over the keyspace.",
    ),
    ParamSpec::number(
        "celebrity_share",
        "Celebrity key's share",
        "of requests",
        0.0,
        0.9,
        0.0,
        0.01,
        "A share of all requests (reads and writes) that go to one key, the hottest.",
    ),
    ParamSpec::choice(
        "write_pattern",
        "Write pattern",
        &["random", "sequential"],
        0,
        "random: writes update a uniformly random existing key · sequential: each write creates the next ID (K, K+1, …).",
    ),
    ParamSpec::number(
        "write_share",
        "Writes",
        "of requests",
        0.0,
        1.0,
        0.5,
        0.05,
        "The share of requests that are writes; the rest are reads.",
    ),
    ParamSpec::number(
        "request_rate",
        "Request rate",
        "req/s",
        0.0,
        20_000.0,
        1_000.0,
        10.0,
        "Client requests per second (Poisson arrivals).",
    ),
    ParamSpec::number(
        "shard_capacity",
        "Shard capacity",
        "req/s",
        10.0,
        10_000.0,
        400.0,
        10.0,
        "Requests per second a shard serves (exponential service times, FIFO); past it the queue grows.",
    ),
    ParamSpec::number(
        "salt",
        "Salt the celebrity key (k)",
        "sub-keys",
        1.0,
        16.0,
        1.0,
        1.0,
        "1 = off. k > 1 splits the hottest key into k sub-keys: a write goes to one of them, a read asks all k.",
    ),
];

const PRESETS: &[Preset] = &[
    Preset {
        id: "ring-add-shard",
        title: "Ring: add one shard",
        description: "Four shards on a consistent-hash ring with 100 virtual nodes each. At 5 s a fifth shard joins: about 1/5 of the keys move, every one of them to the new shard, taken from its ring neighbours; none moves between the four that stayed.",
        watch: "Watch the ring at 5 s: the new shard's points appear and only the keys just before them light up as moved.",
        params: &[("strategy", "ring")],
        faults: &["5:trigger:add_shard"],
    },
    Preset {
        id: "hash-mod-add-shard",
        title: "Hash mod N: add one shard",
        description: "The same workload placed by hash mod 4. At 5 s a fifth shard joins: about 4/5 of the keys move (theory 1 − 4/20 = 80%), most of them between shards that were there all along.",
        watch: "Watch the ring at 5 s: almost every key lights up as moved, most of them between shards that were already there.",
        params: &[("strategy", "hash_mod")],
        faults: &["5:trigger:add_shard"],
    },
    Preset {
        id: "ring-remove-shard",
        title: "Ring: remove a shard",
        description: "Shard 2 is removed by click at 5 s: only its own keys move (about a quarter), to the shards after its points on the ring; the other keys stay where they are.",
        watch: "Watch the ring at 5 s: only shard 2's keys light up, each moving to the next point clockwise.",
        params: &[("strategy", "ring")],
        faults: &["5:crash:shard2"],
    },
    Preset {
        id: "one-vnode-vs-two-hundred",
        title: "One virtual node vs two hundred",
        description: "Eight shards with one point each on the ring own very unequal arcs: the spread of keys per shard (CV, std ÷ mean) is about 0.9 on average over seeds, the load follows, and the busiest shard runs past its capacity. At 10 s each shard gets 200 points: the spread falls to about 0.07 (theory √((N−1)/(N·V+1) + (N−1)/K)) and the load evens out.",
        watch: "Watch the bars: with one point per shard they are very uneven; at 10 s, with 200 points each, they level out.",
        params: &[
            ("strategy", "ring"),
            ("shards", "8"),
            ("vnodes", "1"),
            ("zipf_s", "0"),
            ("request_rate", "2400"),
            ("shard_capacity", "500"),
        ],
        faults: &["10:set:vnodes=200"],
    },
    Preset {
        id: "sequential-ids-on-range-shards",
        title: "Sequential IDs on range shards",
        description: "Half the requests create keys with increasing IDs. Range placement sends every one of those writes to the last shard, the one holding the open end of the keyspace: it takes over 60% of the load, past its capacity, while the other three serve a third of theirs — the bright diagonal of the heatmap. Compare with hash_mod: the same writes spread evenly.",
        watch: "Watch the last shard's bar and queue, and the bright diagonal in the heatmap: every new ID lands on the open end.",
        params: &[("strategy", "range"), ("write_pattern", "sequential"), ("zipf_s", "0")],
        faults: &[],
    },
    Preset {
        id: "split-the-hot-range",
        title: "Split the hot range",
        description: "Sequential IDs on range shards, and at 10 s the hottest range is split at the median of its recent requests' keys: the new shard takes the upper part, and with it the open end of the keyspace — so it receives every new write from then on, and the hot spot simply moves to it.",
        watch: "Watch the bars at 10 s: the hot range is split, and the new shard becomes the hot one.",
        params: &[("strategy", "range"), ("write_pattern", "sequential"), ("zipf_s", "0")],
        faults: &["10:trigger:split_hot_range"],
    },
    Preset {
        id: "celebrity-key",
        title: "Celebrity key",
        description: "One key receives 25% of all requests. Whatever the placement, the shard that owns it carries at least that share — more than twice an even share of eight shards — and it runs past its capacity with a growing p99, while the other seven stay fast.",
        watch: "Watch the one tall bar and its queue: the shard holding the celebrity key burns while seven idle.",
        params: &[("shards", "8"), ("celebrity_share", "0.25"), ("request_rate", "2000"), ("shard_capacity", "400")],
        faults: &[],
    },
    Preset {
        id: "salted-celebrity",
        title: "Salted celebrity",
        description: "A write-hot celebrity key (25% of requests, 90% of them writes, like a counter) overloads its shard, one of sixteen. At 6 s it is salted across 8 sub-keys: its writes spread over the shards holding them, the busiest shard's share drops below the celebrity's share of traffic and its load under its capacity, so the hot queue starts to drain, and every read of the key now costs 8 shard requests (the fan-out, counted).",
        watch: "Watch the tall bar at 6 s: salting spreads the key's writes, the hot queue drains, and fan-out reads appear.",
        params: &[
            ("shards", "16"),
            ("celebrity_share", "0.25"),
            ("write_share", "0.9"),
            ("request_rate", "2000"),
            ("shard_capacity", "500"),
        ],
        faults: &["6:set:salt=8"],
    },
];

const EXPLAIN: Explain = Explain {
    what: "Sharding splits one keyspace over several servers, and the choice of *how* decides two things: \
           whether the load spreads evenly, and how many keys have to move when a shard is added or removed. \
           Range placement keeps neighbouring keys together — until keys are created in order (sequential IDs, \
           timestamps) and every new write lands on the last shard. Hash mod N spreads keys evenly, but \
           changing N changes almost every key's remainder: going from N to N+1 shards moves N/(N+1) of \
           them. A consistent-hash ring moves only about 1/(N+1), all to the new shard; its virtual nodes \
           (V points per shard) make the shares even — the spread of keys per shard shrinks like \
           √((N−1)/(N·V+1)). No placement helps with one hot key: its shard carries at least that key's \
           share of the traffic. Salting splits the key into k sub-keys; writes spread, and each read pays a \
           k-way fan-out.",
    try_steps: &[
        "Play “Ring: add one shard”, then “Hash mod N: add one shard”: the ring panel lights the keys that moved — a fifth of them on the ring, four fifths with hash mod N — and the narration puts the measured fraction beside the theory.",
        "Load “One virtual node vs two hundred”: with one point per shard the bars are ragged and one shard is overloaded; at 10 s two hundred points per shard even them out. Watch the spread chart follow its theory line.",
        "Load “Sequential IDs on range shards”: the last shard burns and the heatmap draws a bright diagonal. Compare the strategy with hash_mod; then try “Split the hot range” and see the hot spot move rather than go away.",
        "Load “Celebrity key”, compare ring with hash_mod (same seed): the celebrity's shard is hot under both. Then “Salted celebrity”: the hot shard cools and the fan-out appears in the shard requests.",
    ],
    model_card: &[
        "Clients send Poisson arrivals to a router, which sends each request to the shard owning its key (1 ms each way) and answers when every shard asked has replied. Latency is measured at the router.",
        "A shard is one FIFO server with exponential service times of mean 1/capacity (an M/M/1 queue): below capacity its p99 is ln(100)/(capacity − load); past it the queue grows. It queues at most 5,000 requests and refuses more at once.",
        "Reads pick a key by Zipf popularity over the K initial keys; ranks map to key ids by a seeded permutation, so popular keys are scattered over the keyspace. The celebrity is the rank-1 key; celebrity_share of all requests go to it on top of its Zipf share.",
        "Writes update a uniformly random existing key, or (sequential) create the next ID at the end of the keyspace; past 1,000,000 keys a sequential write updates the newest key instead.",
        "Hashes are a fixed 64-bit mix (SplitMix64) of the key id with a salt drawn from the seed. Ring points are drawn per shard from the shard's own stream, so a new shard never moves the others' points.",
        "Range placement starts with even ranges; adding a shard splits the range with the most keys at its median key (the new shard takes the upper part); split_hot_range splits the busiest range at the median of its recent requests' keys; removing a shard merges its range into its lower neighbour.",
        "A reshard changes ownership at once and counts every key whose owner changed; the data copy itself is not simulated. A removed shard serves what it already received, then idles. Requests in flight keep their shard.",
        "Salting splits the celebrity into k sub-keys placed like any key (as prefixes, so range placement spreads them too): a write goes to one at random, a read asks all k and waits for the slowest.",
        "Shard ids are reused: adding a shard takes the lowest free id, so removing and re-adding a shard restores its ring points exactly.",
        "Measured since the start: max_shard_share is the busiest shard's share of all shard requests (a salted read counts once per sub-key); imbalance is the busiest shard's requests per second it was live ÷ the mean per shard-second (= max_shard_share × N when no shard joined or left). The charts show the same per second.",
    ],
};

pub const CHARTS: &[ChartSpec] = &[
    ChartSpec {
        id: "share",
        title: "Busiest shard's share of shard requests",
        unit: "fraction",
        lines: &[
            LineSpec {
                series: "busiest_share",
                label: "busiest shard (per second)",
                tone: Tone::Warn,
                style: LineStyle::Solid,
            },
            LineSpec { series: "even_share", label: "even share 1/N", tone: Tone::Neutral, style: LineStyle::Theory },
            LineSpec {
                series: "hot_key_share",
                label: "hottest key's share of requests (theory)",
                tone: Tone::Bad,
                style: LineStyle::Theory,
            },
        ],
        band: None,
        y_max: Some(1.0),
    },
    ChartSpec {
        id: "imbalance",
        title: "Imbalance: busiest shard ÷ mean shard",
        unit: "×",
        lines: &[LineSpec { series: "imbalance", label: "per second", tone: Tone::Warn, style: LineStyle::Solid }],
        band: None,
        y_max: None,
    },
    ChartSpec {
        id: "latency",
        title: "Latency p99 per second",
        unit: "ms",
        lines: &[
            LineSpec {
                series: "busiest_shard_p99_ms",
                label: "at the busiest shard",
                tone: Tone::Bad,
                style: LineStyle::Solid,
            },
            LineSpec {
                series: "other_shards_p99_ms",
                label: "at the other shards",
                tone: Tone::Good,
                style: LineStyle::Solid,
            },
            LineSpec { series: "latency_p99_ms", label: "client requests", tone: Tone::Info, style: LineStyle::Solid },
        ],
        band: None,
        y_max: None,
    },
    ChartSpec {
        id: "requests",
        title: "Requests",
        unit: "req/s",
        lines: &[
            LineSpec {
                series: "requests_per_s",
                label: "client requests",
                tone: Tone::Neutral,
                style: LineStyle::Solid,
            },
            LineSpec {
                series: "shard_requests_per_s",
                label: "shard requests (a salted read counts once per sub-key)",
                tone: Tone::Info,
                style: LineStyle::Solid,
            },
            LineSpec {
                series: "refused_per_s",
                label: "refused (queue full)",
                tone: Tone::Bad,
                style: LineStyle::Solid,
            },
        ],
        band: None,
        y_max: None,
    },
];

const CV_MEASURED: LineSpec =
    LineSpec { series: "key_share_cv", label: "measured", tone: Tone::Info, style: LineStyle::Solid };

/// The spread of keys per shard with the ring's theory line.
pub const SPREAD_RING: ChartSpec = ChartSpec {
    id: "key_spread",
    title: "Spread of keys per shard (CV = std ÷ mean)",
    unit: "",
    lines: &[
        CV_MEASURED,
        LineSpec {
            series: "key_share_cv_theory",
            label: "theory √((N−1)/(N·V+1) + (N−1)/K)",
            tone: Tone::Neutral,
            style: LineStyle::Theory,
        },
    ],
    band: None,
    y_max: None,
};

/// The spread of keys per shard with hash mod N's theory line.
pub const SPREAD_HASH: ChartSpec = ChartSpec {
    id: "key_spread",
    title: "Spread of keys per shard (CV = std ÷ mean)",
    unit: "",
    lines: &[
        CV_MEASURED,
        LineSpec {
            series: "key_share_cv_theory",
            label: "theory √((N−1)/K)",
            tone: Tone::Neutral,
            style: LineStyle::Theory,
        },
    ],
    band: None,
    y_max: None,
};

/// The spread of keys per shard under range placement (no closed form: ranges are split by key count).
pub const SPREAD_RANGE: ChartSpec = ChartSpec {
    id: "key_spread",
    title: "Spread of keys per shard (CV = std ÷ mean)",
    unit: "",
    lines: &[CV_MEASURED],
    band: None,
    y_max: None,
};

/// The scene's registry entry.
pub struct ShardingScene;

impl Scene for ShardingScene {
    fn tour(&self) -> &'static [crate::scene::tour::TourStep] {
        tour::TOUR
    }
    fn id(&self) -> &'static str {
        "sharding"
    }
    fn title(&self) -> &'static str {
        "Sharding hot spots"
    }
    fn teaches(&self) -> &'static str {
        "Why one shard burns while the others idle — sequential IDs, celebrity keys, uneven rings — and which keys move when you add a shard: N/(N+1) under hash mod N, 1/(N+1) on a ring."
    }
    fn params(&self) -> &'static [ParamSpec] {
        SPECS
    }
    fn key_params(&self) -> &'static [&'static str] {
        &["strategy", "shards", "vnodes", "celebrity_share"]
    }
    fn presets(&self) -> &'static [Preset] {
        PRESETS
    }
    fn default_preset(&self) -> Option<&'static str> {
        Some("ring-add-shard")
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
        &["reshard", "overload", "hotspot", "salt", "keyspace", "fault", "param"]
    }
    fn bench_params(&self, load: BenchLoad) -> &'static [(&'static str, &'static str)] {
        match load {
            BenchLoad::Busy => &[("request_rate", "2000"), ("shard_capacity", "1000")],
            // Messages here live 1 ms (a hop inside a datacenter), so the heaviest sane load — 20,000 req/s
            // over 64 shards — keeps about 40 in flight; this scene's crowd is in its queues, not its links.
            BenchLoad::Crowded => &[("request_rate", "20000"), ("shards", "64"), ("shard_capacity", "1000")],
        }
    }
    #[cfg(feature = "scene-sharding")]
    fn build(&self, params: Params, seed: u64, script: Vec<Action>) -> Box<dyn Run> {
        let mut kernel = Kernel::new(seed);
        let model = ShardingModel::new(&params, &mut kernel);
        Box::new(World::new(self.id(), kernel, model, params, script))
    }
    #[cfg(not(feature = "scene-sharding"))]
    fn build(&self, _: Params, _: u64, _: Vec<Action>) -> Box<dyn Run> {
        crate::scene::not_in_this_build(self.id())
    }
}
