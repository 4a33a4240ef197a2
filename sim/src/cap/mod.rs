//! CAP partitions: N replicas of one register in two sites; cut the network between them and the system
//! must choose. Under **cp** (majority quorums, reads write back: ABD) the side without a majority refuses
//! and the history stays linearizable; under **ap** (write locally, exchange by anti-entropy) both sides
//! answer, the minority reads go stale, and on heal the versions are reconciled — last-writer-wins losing
//! acknowledged writes, or a multi-value register keeping them as siblings. **quorum** (tunable R and W)
//! shows the other half of PACELC: without any partition, R + W > N buys fresh reads with latency.
//!
//! This file declares the scene: parameters with units and ranges, presets, charts and explain text. The
//! system, by actor: [`protocol`] (nodes, sites, versions, messages), [`replica`] (storage and merge rules),
//! `coordinator.rs` (the three protocols), `clients.rs` (closed-loop clients) and `model.rs` (configuration,
//! invariants, anti-entropy, faults). `observer.rs` measures the history (stale reads, lost writes,
//! convergence) and feeds the [linearizability checker](crate::checker); `view.rs` is how it is shown,
//! [`theory`] the closed form C(N−W, R) / C(N, R).
//!
//! ```
//! use faultline_sim::{scene_by_id, kernel::SimTime};
//! let scene = scene_by_id("cap").unwrap();
//! let (params, script) = scene.preset_inputs("cp-minority-refuses").unwrap();
//! let mut run = scene.build(params, 1, script);
//! run.advance_to(SimTime::from_secs(8));
//! let failed_on_b = run.log().iter().any(|e| {
//!     e.kind == "op" && e.text.contains("site b") && (e.text.contains("FAILED") || e.text.contains("UNKNOWN"))
//! });
//! assert!(failed_on_b, "the minority refuses");
//! assert_eq!(run.metrics().iter().find(|m| m.0 == "linearizability_violations").unwrap().1, 0.0);
//! ```

mod challenges;
mod clients;
mod coordinator;
pub mod history;
pub mod idmap;
pub mod model;
mod observer;
pub mod protocol;
pub mod replica;
pub mod theory;
mod tour;
mod view;

pub use model::CapModel;
pub use observer::CHECK_BUDGET;
pub use theory::stale_read_probability;

use crate::kernel::{Kernel, World};
use crate::scene::{
    Action, BandSpec, BenchLoad, ChartSpec, Explain, LineSpec, LineStyle, Names, ParamSpec, Params, Preset, Run, Scene,
    Tone,
};

const NAMES: Names = Names {
    nodes: &["r{1..5}", "c{1..10}", "site_a", "site_b"],
    links: &[("r{1..5}", "r{1..5}"), ("c{1..10}", "r{1..5}"), ("site_a", "site_b")],
    triggers: &["partition", "heal"],
};

pub const MODES: &[&str] = &["cp", "quorum", "ap"];
pub const CONFLICTS: &[&str] = &["lww", "mv_register"];

const SPECS: &[ParamSpec] = &[
    ParamSpec::choice(
        "mode",
        "Mode",
        MODES,
        0,
        "cp: majority quorums, reads write back (ABD) · quorum: tunable R and W, the rest updated later · ap: write locally, answer at once, exchange by anti-entropy.",
    ),
    ParamSpec::number(
        "replicas",
        "Replicas (N)",
        "replicas",
        3.0,
        5.0,
        3.0,
        2.0,
        "3 or 5 copies of the register; site a holds the majority. Fixed for a run: a change applies when it restarts.",
    ),
    ParamSpec::number(
        "read_quorum",
        "Read quorum (R)",
        "replicas",
        1.0,
        5.0,
        2.0,
        1.0,
        "quorum mode: a read asks R random replicas and returns the newest version among their answers (capped at N).",
    ),
    ParamSpec::number(
        "write_quorum",
        "Write quorum (W)",
        "replicas",
        1.0,
        5.0,
        2.0,
        1.0,
        "quorum mode: a write is acknowledged once W random replicas stored it; the others get it after the replication delay (capped at N).",
    ),
    ParamSpec::choice(
        "conflict",
        "Conflict resolution (ap)",
        CONFLICTS,
        0,
        "ap mode: lww keeps the version with the later timestamp and drops the other · mv_register keeps concurrent versions as siblings (vector clocks).",
    ),
    ParamSpec::number(
        "clients",
        "Clients",
        "clients",
        2.0,
        10.0,
        4.0,
        1.0,
        "Closed-loop clients, alternately on site a and site b (c1 on a, c2 on b, …), each talking to a replica of its own site.",
    ),
    ParamSpec::number(
        "op_rate",
        "Operation rate per client",
        "ops/s",
        0.1,
        200.0,
        4.0,
        0.1,
        "After each answer a client thinks for an exponential time of mean 1/rate before its next operation.",
    ),
    ParamSpec::number(
        "write_share",
        "Write share",
        "",
        0.0,
        1.0,
        0.5,
        0.05,
        "Probability that an operation is a write (of the next value 1, 2, 3, …) rather than a read.",
    ),
    ParamSpec::number(
        "replication_delay_ms",
        "Replication delay",
        "ms",
        1.0,
        10000.0,
        200.0,
        1.0,
        "quorum: when a write reaches the replicas outside its write quorum · ap: the period of anti-entropy rounds.",
    ),
    ParamSpec::number(
        "clock_skew_ms",
        "Clock skew",
        "ms",
        0.0,
        5000.0,
        0.0,
        1.0,
        "r1's clock runs this far behind, the last replica's this far ahead, the others evenly between; quorum and ap stamp versions with these clocks.",
    ),
    ParamSpec::number(
        "op_timeout_ms",
        "Operation timeout",
        "ms",
        10.0,
        10000.0,
        1000.0,
        10.0,
        "A coordinator's deadline: past it, it answers fail (no replica was sent the value) or unknown (some may have stored it).",
    ),
];

const PARTITION_3_13: &[&str] = &["3:trigger:partition", "13:trigger:heal"];
const PARTITION_3_9: &[&str] = &["3:trigger:partition", "9:trigger:heal"];

/// One client per site, mostly reading, so that a read right after the heal shows what was kept.
const LWW_SPLIT: &[(&str, &str)] = &[
    ("mode", "ap"),
    ("conflict", "lww"),
    ("clients", "2"),
    ("op_rate", "10"),
    ("write_share", "0.1"),
    ("replication_delay_ms", "50"),
];
const MV_SPLIT: &[(&str, &str)] = &[
    ("mode", "ap"),
    ("conflict", "mv_register"),
    ("clients", "2"),
    ("op_rate", "10"),
    ("write_share", "0.1"),
    ("replication_delay_ms", "50"),
];

const PRESETS: &[Preset] = &[
    Preset {
        id: "cp-minority-refuses",
        title: "CP: the minority refuses",
        description: "Majority quorums, 3 replicas. At 3 s site b (r3, with c2 and c4) is cut off: it cannot reach a majority, so every operation there fails or times out, while site a keeps answering. The checker finds the history linearizable. Healed at 13 s.",
        watch: "Watch site b at 3 s: its operations turn to failures in the history lanes while site a keeps answering.",
        params: &[("mode", "cp")],
        faults: PARTITION_3_13,
    },
    Preset {
        id: "ap-both-answer",
        title: "AP: both sides answer, then diverge",
        description: "The same partition under ap: no operation fails, but site b's reads return its own, older value (stale) while site a moves on, and the checker finds the history not linearizable. Last-writer-wins drops acknowledged writes that cross within an anti-entropy round, and at the heal. After the heal at 13 s the replicas converge within a few rounds.",
        watch: "Watch the history lanes during the cut: site b keeps answering with stale values, and the checker marks a violation.",
        params: &[("mode", "ap")],
        faults: PARTITION_3_13,
    },
    Preset {
        id: "lww-loses-a-write",
        title: "LWW loses a write",
        description: "One client per site (mostly reading, sometimes writing), ap with last-writer-wins. During the split (3–9 s) each side's writes stay on its side; at the heal the later timestamp wins everywhere and the other side's last acknowledged write is dropped: lost_writes counts it. Writes that cross within one anti-entropy round are lost the same way.",
        watch: "Watch the replicas at the heal: one side's last acknowledged write disappears, and lost writes counts it.",
        params: LWW_SPLIT,
        faults: PARTITION_3_9,
    },
    Preset {
        id: "siblings-keep-both",
        title: "Siblings keep both",
        description: "The same split with a multi-value register: at the heal neither side's write is dropped; the replicas keep both as siblings (their vector clocks show neither saw the other), a read in between returns both values, and the next write, having seen both, replaces them. No acknowledged write is lost.",
        watch: "Watch the replicas at the heal: they hold both values as siblings until the next write replaces them.",
        params: MV_SPLIT,
        faults: PARTITION_3_9,
    },
    Preset {
        id: "quorum-no-partition",
        title: "Quorum R + W > N, no partition",
        description: "quorum mode with R = W = 2 of N = 3 and no partition: every read quorum overlaps every write quorum, so no read is stale — but five quorums in six include a replica across the sites, so most operations wait for a 30 ms round trip (mean about 30 ms; compare R = W = 1).",
        watch: "Watch the latency chart and the stale counter: no stale read, but most operations wait for the cross-site round trip.",
        params: &[("mode", "quorum"), ("read_quorum", "2"), ("write_quorum", "2")],
        faults: &[],
    },
    Preset {
        id: "fast-and-stale",
        title: "R = W = 1: fast and stale",
        description: "quorum mode with R = W = 1 of N = 3 and a 2 s replication delay: each operation asks one random replica, so half of them stay within their site (mean about 20 ms), but a read misses the latest write as often as that replica lacks it: C(2,1)/C(3,1) = 2/3 (the dashed line) — a little less when a newer write happens to be in flight.",
        watch: "Watch the stale fraction settle near the dashed 2/3 line while operations stay fast.",
        params: &[("mode", "quorum"), ("read_quorum", "1"), ("write_quorum", "1"), ("replication_delay_ms", "2000")],
        faults: &[],
    },
    Preset {
        id: "clock-skew-lww",
        title: "Clock skew: LWW drops a newer write",
        description: "ap with last-writer-wins and no partition, but r1's clock runs 500 ms behind r3's: a write through r1 gets an older timestamp than a write through r3 made just before it, so last-writer-wins drops the newer one — acknowledged writes vanish without any partition.",
        watch: "Watch the replicas: a newer write through r1 is overwritten by an older one from r3, without any partition.",
        params: &[
            ("mode", "ap"),
            ("conflict", "lww"),
            ("clients", "2"),
            ("clock_skew_ms", "250"),
            ("write_share", "0.7"),
        ],
        faults: &[],
    },
];

const EXPLAIN: Explain = Explain {
    what: "A replicated register lives on N replicas in two sites. While the network is whole every design can \
           look correct; cut the link between the sites and each must choose. A CP design (majority quorums with \
           read write-back, ABD) keeps the history linearizable — every operation appears to happen at one \
           instant between its call and its answer — by refusing on the side that cannot reach a majority: \
           there, operations fail or time out. An AP design answers everywhere from local replicas: nothing \
           fails, but the minority reads old values, the sides diverge, and on heal the versions are \
           reconciled — last-writer-wins silently drops one side's acknowledged write, a multi-value register \
           (a CRDT) keeps both as siblings for the application to merge. Tunable quorums show PACELC's other \
           half: even without a partition, R + W > N buys fresh reads with latency, and R = W = 1 is fast but \
           stale about C(N−W, R)/C(N, R) of the time. The History panel is the evidence: every client \
           operation as a bar from invoke to return, and a linearizability checker (a Wing & Gong / Lowe \
           search) that places each one or finds the first read no order can explain.",
    try_steps: &[
        "Play “CP: the minority refuses”: at 3 s the partition band appears, site b's bars turn failed or unknown, site a keeps answering, and the checker still says linearizable. Then compare mode = ap on the same seed.",
        "Load “AP: both sides answer, then diverge”: nothing fails, site b's reads are marked stale, the checker shows the first read no order explains; after the heal watch the divergence chart drop to 0 and converge_ms appear.",
        "Load “LWW loses a write”, then “Siblings keep both”: the same split loses an acknowledged write under last-writer-wins, and returns both values as siblings under the multi-value register.",
        "Load “Quorum R + W > N, no partition”, then “R = W = 1: fast and stale”: latency falls from a cross-site round trip to a local one, and the stale-read fraction rises to the dashed C(N−W, R)/C(N, R) line.",
    ],
    model_card: &[
        "One register. Written values are 1, 2, 3, … in the order writes are invoked; a read before any write returns the empty value. Each client waits for an answer, then thinks for an exponential time of mean 1/op_rate.",
        "Sites: site a holds a majority of the replicas (r1, r2 of 3; r1–r3 of 5). Clients alternate sites (c1 on a, c2 on b, …) and always use the same replica of their own site as coordinator, with no failover.",
        "Links: 2 ms client–replica and 1 ms replica–replica within a site, 15 ms between the sites (medians, log-normal σ 0.2). A cut link drops its messages; nobody is told about the partition.",
        "cp is multi-writer ABD: phase one reads versions from a majority; a write then stores (largest counter + 1, value), a read stores back the newest version it saw (skipped when the majority holds nothing); phase two waits for a majority of acks. Past op_timeout_ms the coordinator answers fail if it never reached phase two, else unknown.",
        "quorum: a write is stamped with its coordinator's clock and stored at W random replicas (acknowledged after W acks); the other N − W get it after replication_delay_ms, or never if a partition drops it (no read repair, hinted handoff or anti-entropy). A read asks R random replicas and returns the newest of their R answers.",
        "ap: the coordinator stores the write itself and answers at once; reads answer from it. Every replication_delay_ms each replica sends its versions to every other. lww keeps the larger (timestamp, value); mv_register keeps versions whose vector clocks are concurrent as siblings until a write that saw them.",
        "A client that gets no answer within op_timeout_ms + 100 ms gives up: its write is unknown, its read failed (a read has no effect). A crashed replica answers nothing and keeps its stored versions; a crashed client's operation ends unknown.",
        "Stale read: an ok read that does not reflect — by tag, or by vector clock under mv_register — a write acknowledged before it was invoked. Lost write (ap only): an acknowledged write its own replica dropped for a version whose writer never saw it.",
        "The checker places every ok operation between its invoke and return and every unknown write anywhere after its invoke (or nowhere), in chunks carried forward, with a budget of 50,000 search steps per chunk past which it is undecided. A change of mode starts a new segment in which every earlier write may still take effect, once.",
        "converge_ms: from the moment no replica link is cut until every replica reflects every write acknowledged before it (−1 before). replicas_diverged: replicas lacking a write acknowledged more than 2 × replication_delay_ms + op_timeout_ms ago.",
    ],
};

const AVAILABILITY_LINES: &[LineSpec] = &[
    LineSpec { series: "availability_a", label: "site a: ok / completed", tone: Tone::Good, style: LineStyle::Solid },
    LineSpec { series: "availability_b", label: "site b: ok / completed", tone: Tone::Info, style: LineStyle::Solid },
];
pub const NETWORK_STATES: &[(&str, Tone)] = &[("network whole", Tone::Good), ("partitioned", Tone::Bad)];

const STALE_LINE: LineSpec =
    LineSpec { series: "stale_fraction", label: "stale reads / ok reads", tone: Tone::Warn, style: LineStyle::Solid };
const THEORY_LINE: LineSpec = LineSpec {
    series: "stale_theory",
    label: "theory: C(N−W, R)/C(N, R), a read quorum misses the last write",
    tone: Tone::Info,
    style: LineStyle::Theory,
};

const fn chart(id: &'static str, title: &'static str, unit: &'static str, lines: &'static [LineSpec]) -> ChartSpec {
    ChartSpec { id, title, unit, lines, band: None, y_max: None }
}

pub const AVAILABILITY_CHART: ChartSpec = ChartSpec {
    id: "availability",
    title: "Availability per site",
    unit: "fraction ok",
    lines: AVAILABILITY_LINES,
    band: Some(BandSpec { series: "network", states: NETWORK_STATES }),
    y_max: Some(1.0),
};
pub const STALE_CHART: ChartSpec =
    ChartSpec { y_max: Some(1.0), ..chart("stale", "Stale reads", "fraction", &[STALE_LINE]) };
pub const STALE_CHART_THEORY: ChartSpec =
    ChartSpec { y_max: Some(1.0), ..chart("stale", "Stale reads", "fraction", &[STALE_LINE, THEORY_LINE]) };
pub const LATENCY_CHART: ChartSpec = chart(
    "latency",
    "Operation latency (ok operations)",
    "ms",
    &[
        LineSpec { series: "latency_mean_ms", label: "mean", tone: Tone::Neutral, style: LineStyle::Solid },
        LineSpec { series: "latency_p50_ms", label: "p50", tone: Tone::Info, style: LineStyle::Solid },
        LineSpec { series: "latency_p99_ms", label: "p99", tone: Tone::Bad, style: LineStyle::Solid },
    ],
);
pub const DIVERGENCE_CHART: ChartSpec = chart(
    "divergence",
    "Divergence",
    "replicas",
    &[
        LineSpec {
            series: "replicas_lagging",
            label: "replicas missing a write acknowledged > 2 × delay + timeout ago",
            tone: Tone::Bad,
            style: LineStyle::Solid,
        },
        LineSpec {
            series: "distinct_states",
            label: "distinct states held by the replicas",
            tone: Tone::Warn,
            style: LineStyle::Solid,
        },
    ],
);

/// The scene's registry entry.
pub struct CapScene;

impl Scene for CapScene {
    fn tour(&self) -> &'static [crate::scene::tour::TourStep] {
        tour::TOUR
    }
    fn id(&self) -> &'static str {
        "cap"
    }
    fn title(&self) -> &'static str {
        "CAP partitions"
    }
    fn teaches(&self) -> &'static str {
        "Cut the network between two sites and choose: refuse on the minority side and stay linearizable (CP), or answer everywhere and let the sides diverge (AP) — with a live linearizability checker on every client operation."
    }
    fn params(&self) -> &'static [ParamSpec] {
        SPECS
    }
    fn key_params(&self) -> &'static [&'static str] {
        &["mode", "read_quorum", "write_quorum", "conflict"]
    }
    fn presets(&self) -> &'static [Preset] {
        PRESETS
    }
    fn default_preset(&self) -> Option<&'static str> {
        Some("cp-minority-refuses")
    }
    fn explain(&self) -> &'static Explain {
        &EXPLAIN
    }
    fn compare_params(&self) -> &'static [&'static str] {
        &["mode", "conflict"]
    }
    fn challenges(&self) -> &'static [crate::scene::Challenge] {
        challenges::CHALLENGES
    }
    fn names(&self) -> &'static Names {
        &NAMES
    }
    fn notable(&self) -> &'static [&'static str] {
        &["partition", "fault", "availability", "converged", "violation", "lost_write", "siblings", "checker", "param"]
    }
    fn bench_params(&self, load: BenchLoad) -> &'static [(&'static str, &'static str)] {
        match load {
            BenchLoad::Busy => &[("clients", "10"), ("op_rate", "200")],
            BenchLoad::Crowded => &[
                ("clients", "10"),
                ("op_rate", "200"),
                ("mode", "ap"),
                ("replicas", "5"),
                ("replication_delay_ms", "1"),
            ],
        }
    }
    #[cfg(feature = "scene-cap")]
    fn build(&self, params: Params, seed: u64, script: Vec<Action>) -> Box<dyn Run> {
        let mut kernel = Kernel::new(seed);
        let model = CapModel::new(&params, &mut kernel);
        Box::new(World::new(self.id(), kernel, model, params, script))
    }
    #[cfg(not(feature = "scene-cap"))]
    fn build(&self, _: Params, _: u64, _: Vec<Action>) -> Box<dyn Run> {
        crate::scene::not_in_this_build(self.id())
    }
}
