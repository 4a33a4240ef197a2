//! Saga: an order that spans four services either fully happens or is fully undone — each step's local
//! transaction committed, or every one that committed compensated, in reverse — even when messages arrive
//! twice and the orchestrator crashes. This file declares the scene: parameters with units and ranges,
//! presets, charts and explain text.
//!
//! The system, by actor: [`protocol`] (steps, messages, the bus's subscriptions), `services.rs` (the four
//! services: local transactions, compensations, idempotency records, down and back up), [`orchestrator`]
//! (the coordinator with a durable saga log that rebuilds its memory from it after a crash), `bus.rs` (the
//! event bus of choreography) and `model.rs` (configuration, invariants, dispatch). [`theory`] is the
//! closed form of the committed fraction; `observer.rs` keeps what the reader and the correctness panel
//! know of each saga; `view.rs` is how it is shown.
//!
//! ```
//! use faultline_sim::{scene_by_id, kernel::SimTime};
//! let scene = scene_by_id("saga").unwrap();
//! let (params, script) = scene.preset_inputs("out-of-stock-after-charging").unwrap();
//! let mut run = scene.build(params, 1, script);
//! run.advance_to(SimTime::from_secs(10));
//! let end = run.log().iter().find(|e| e.kind == "saga_end" && e.text.contains("compensated")).unwrap();
//! assert!(end.text.contains("undone in reverse: refund $") && end.text.ends_with(", then cancel order"));
//! ```

mod bus;
mod challenges;
mod model;
mod observer;
pub mod orchestrator;
pub mod protocol;
mod services;
pub mod theory;
mod tour;
mod view;

pub use model::SagaModel;
pub use protocol::{Mode, Step};
pub use theory::committed_fraction;

use crate::kernel::{Kernel, World};
use crate::scene::{
    Action, BenchLoad, ChartSpec, Explain, LineSpec, LineStyle, Names, ParamSpec, Params, Preset, Run, Scene, Tone,
};

const SPECS: &[ParamSpec] = &[
    ParamSpec::choice(
        "mode",
        "Coordination",
        &["orchestration", "choreography"],
        0,
        "orchestration: an orchestrator sends each service its command and keeps a saga log · choreography: \
         each service reacts to the previous one's event on a bus.",
    ),
    ParamSpec::number(
        "order_rate",
        "Order rate",
        "sagas/s",
        0.0,
        2000.0,
        2.0,
        0.1,
        "New orders per second (Poisson arrivals); each starts a saga.",
    ),
    ParamSpec::number(
        "fail_payment",
        "Payment failure",
        "",
        0.0,
        1.0,
        0.1,
        0.01,
        "Probability that charging the customer fails (card declined).",
    ),
    ParamSpec::number(
        "fail_inventory",
        "Inventory failure",
        "",
        0.0,
        1.0,
        0.1,
        0.01,
        "Probability that reserving the stock fails (out of stock).",
    ),
    ParamSpec::number(
        "fail_shipping",
        "Shipping failure",
        "",
        0.0,
        1.0,
        0.05,
        0.01,
        "Probability that booking a courier fails. Past the pivot a failure is per attempt (at most 0.95) \
         and the step is retried.",
    ),
    ParamSpec::number(
        "compensation_failure_rate",
        "Compensation failure",
        "",
        0.0,
        0.95,
        0.1,
        0.01,
        "Probability that one attempt of a compensation fails; it is retried with backoff until it succeeds.",
    ),
    ParamSpec::number(
        "step_latency_ms",
        "Local transaction time",
        "ms",
        1.0,
        5000.0,
        120.0,
        1.0,
        "Median time of one local transaction or compensation (log-normal spread).",
    ),
    ParamSpec::number(
        "retry_backoff_ms",
        "Retry backoff",
        "ms",
        1.0,
        10000.0,
        200.0,
        1.0,
        "Base of the exponential backoff before every retry: base × 2^(attempt − 1), at most base × 32.",
    ),
    ParamSpec::number(
        "duplicate_rate",
        "Duplicate delivery",
        "",
        0.0,
        1.0,
        0.0,
        0.01,
        "Probability that a command, event or reply is delivered a second time, a random moment later.",
    ),
    ParamSpec::choice(
        "idempotency",
        "Idempotent handlers",
        &["on", "off"],
        0,
        "on: every handler remembers what it handled and a repeated message has no second effect · off: a \
         repeated message charges, refunds, reserves or releases again.",
    ),
    ParamSpec::choice(
        "pivot",
        "Pivot step",
        &["none", "payment", "inventory", "shipping"],
        0,
        "After the pivot commits the saga only goes forward: later steps are retried until they succeed, \
         never compensated.",
    ),
];

const NAMES: Names = Names {
    nodes: &["orchestrator", "bus", "order", "payment", "inventory", "shipping"],
    links: &[
        ("orchestrator", "order"),
        ("orchestrator", "payment"),
        ("orchestrator", "inventory"),
        ("orchestrator", "shipping"),
        ("bus", "order"),
        ("bus", "payment"),
        ("bus", "inventory"),
        ("bus", "shipping"),
    ],
    triggers: &[],
};

const OUT_OF_STOCK: &[(&str, &str)] = &[("fail_payment", "0"), ("fail_inventory", "0.5"), ("fail_shipping", "0")];

const PRESETS: &[Preset] = &[
    Preset {
        id: "happy-path",
        title: "Happy path",
        description: "Nothing fails: every saga runs order → payment → inventory → shipping and commits; nothing is compensated.",
        watch: "Watch the arrows in the sequence panel: each saga runs down the four lanes and back, and none turns into an undo.",
        params: &[("fail_payment", "0"), ("fail_inventory", "0"), ("fail_shipping", "0")],
        faults: &[],
    },
    Preset {
        id: "payment-declined",
        title: "Payment declined: compensate in reverse",
        description: "Half the cards are declined. The payment never ran, so nothing is refunded: the only step to undo is the order, which is cancelled.",
        watch: "Watch a failed saga's flow: a red reply from payment, then one compensation arrow to the order service — nothing to refund.",
        params: &[("fail_payment", "0.5"), ("fail_inventory", "0"), ("fail_shipping", "0")],
        faults: &[],
    },
    Preset {
        id: "out-of-stock-after-charging",
        title: "Out of stock after charging",
        description: "Half the orders find no stock after the customer was charged: the payment is refunded, then the order cancelled — in reverse order, each once.",
        watch: "Watch the latest failed flow: inventory answers out of stock, then refund at payment, then cancel at the order service — undone in reverse.",
        params: OUT_OF_STOCK,
        faults: &[],
    },
    Preset {
        id: "orchestrator-crashes-mid-saga",
        title: "Orchestrator crashes mid-saga",
        description: "At 5 s the orchestrator crashes and loses its memory; new orders and replies wait in its queue. At 9 s it replays its saga log, rebuilds every unfinished saga and resumes it: none is lost.",
        watch: "Watch the orchestrator's box at 5 s: its memory empties while its log stays, orders pile up, and at 9 s the open sagas resume.",
        params: &[("order_rate", "4")],
        faults: &["5:crash:orchestrator", "9:restart:orchestrator"],
    },
    Preset {
        id: "duplicates-without-idempotency",
        title: "Duplicates without idempotency",
        description: "One message in ten is delivered twice and no handler is idempotent: customers are charged and refunded twice, stock reserved and released twice, and what customers paid is off. With idempotency on: none, whatever the duplicate rate.",
        watch: "Watch the payment box's balance line and the ghost arrows: each duplicate that is not detected charges or refunds twice.",
        params: &[
            ("fail_payment", "0"),
            ("fail_inventory", "0.3"),
            ("fail_shipping", "0"),
            ("duplicate_rate", "0.1"),
            ("idempotency", "off"),
        ],
        faults: &[],
    },
    Preset {
        id: "pivot-ship-no-matter-what",
        title: "Pivot: ship no matter what",
        description: "Once paid, the order ships: inventory and shipping failures past the payment pivot are retried with backoff until they succeed, never compensated. Only declined cards compensate: 80% commit.",
        watch: "Watch the pivot rule in the flows: failures below it are retried forward, only a declined card above it is undone.",
        params: &[("pivot", "payment"), ("fail_payment", "0.2"), ("fail_inventory", "0.3"), ("fail_shipping", "0.3")],
        faults: &[],
    },
    Preset {
        id: "choreography-same-order",
        title: "Choreography: the same order",
        description: "The orders of “Out of stock after charging” without an orchestrator: each service reacts to the previous one's event on the bus, and the failure event travels back — inventory failed → refund → order cancelled.",
        watch: "Watch the bus lane: no orchestrator, each service reacts to the previous event, and the failure event travels back up.",
        params: &[("mode", "choreography"), ("fail_payment", "0"), ("fail_inventory", "0.5"), ("fail_shipping", "0")],
        faults: &[],
    },
    Preset {
        id: "payment-service-down",
        title: "Payment service down",
        description: "The payment service is down from 4 s to 8 s: commands to it wait in its queue and every saga stalls at payment, then all resume when it is back.",
        watch: "Watch the payment lane at 4 s: arrows stop there and sagas pile up in flight, then all move again at 8 s.",
        params: &[("order_rate", "4")],
        faults: &["4:crash:payment", "8:restart:payment"],
    },
];

const EXPLAIN: Explain = Explain {
    what: "A saga replaces one distributed transaction by a sequence of local ones — create the order, charge \
           the customer, reserve the stock, book a courier — each committed at once in its own service. If a \
           step fails, the steps that already committed are undone by compensations, in reverse order: refund, \
           then cancel the order. The result is all-or-nothing in meaning, not in isolation: while a saga runs, \
           anyone can see the charge it made before it has decided. An orchestrator can drive the steps and \
           write each decision to a durable saga log, so a crash loses only its memory; or the services can \
           choreograph themselves through events on a bus. Messages may arrive twice, so handlers must be \
           idempotent, or a retried refund refunds twice. A pivot step marks the point of no return: after it, \
           failures are retried forward instead of compensated.",
    try_steps: &[
        "Play “Out of stock after charging” and follow the latest failed saga in the sequence panel: charged, out of stock, then refund, then cancel order — in reverse. Then load “Payment declined”: nothing to refund.",
        "Load “Orchestrator crashes mid-saga”: at 5 s its memory is gone and orders queue; at 9 s it replays the log and every saga in flight finishes. Click a service to take it down yourself and watch its lane stall.",
        "Load “Duplicates without idempotency”: double charges and double refunds pile up and the payment balance is off. Switch idempotency on (or compare the two): 0, whatever the duplicate rate.",
        "Load “Pivot: ship no matter what”, then compare orchestration with “Choreography: the same order”: the same sagas fail, a different protocol undoes them.",
    ],
    model_card: &[
        "Orders arrive as Poisson arrivals, each with an amount ($10–$99) and a quantity (1–3 units). The order step never fails; a step's failure (declined, out of stock, no courier) is a fact about that saga and attempt, decided by the service the first time it runs it: a duplicate meets the same fact.",
        "Each local transaction and compensation takes a log-normal time (σ = 0.3) around the median; links take 25 ms (log-normal, σ = 0.2), lose nothing, and a cut link holds its messages until healed.",
        "Orchestration: the orchestrator appends every decision to a durable log before acting, and waits for each reply. A crash empties its memory and its retry timers; messages wait in its queue; on restart it replays the log, re-arms due retries and resumes. It does not resend commands on restart (its queue kept the replies).",
        "Choreography: services publish events to a durable bus that delivers each to its subscriber; a failure event goes back to the previous service, whose compensation event goes on back. Retries past the pivot and compensation retries are each service's own, with the same backoff.",
        "At-least-once: with probability duplicate_rate a delivered message is delivered again after an exponential delay (mean two local transactions), as an identical copy. The bus detects duplicate publications by (saga, event) and routes each event once; what it delivers may still arrive twice.",
        "Idempotent handlers keep, per saga, what they ran and how it ended, answer repeats from that record (the orchestrator ignores replies it is not waiting for), and check it inside the transaction. Without idempotency every delivery runs the transaction again; the orchestrator sends the next command again for a repeated success reply, but ignores failure replies it is not waiting for (one retry timer per saga).",
        "A service taken down aborts its transactions in progress (no effect) and queues them again with everything that arrives; the bus and the orchestrator queue what arrives for them too. Nothing is lost, so every saga ends once everything is back.",
        "The pivot belongs to a saga's workflow: a saga keeps the pivot it started with. Past it, one attempt fails with the step's probability, at most 0.95. Backoff before attempt n is base × 2^(n−1), at most base × 32, without jitter.",
        "A saga ends when its protocol decides it has (the orchestrator's last log decision; in choreography, the courier booked or the order cancelled). Time to consistency runs from its order to its last effect.",
    ],
};

pub const CHARTS: &[ChartSpec] = &[
    ChartSpec {
        id: "outcomes",
        title: "Sagas by outcome",
        unit: "sagas/s",
        lines: &[
            LineSpec { series: "committed_rate", label: "committed", tone: Tone::Good, style: LineStyle::Solid },
            LineSpec { series: "compensated_rate", label: "compensated", tone: Tone::Warn, style: LineStyle::Solid },
            LineSpec { series: "started_rate", label: "started", tone: Tone::Neutral, style: LineStyle::Solid },
        ],
        band: None,
        y_max: None,
    },
    ChartSpec {
        id: "in_flight",
        title: "Sagas in flight",
        unit: "sagas",
        lines: &[LineSpec { series: "sagas_in_flight", label: "in flight", tone: Tone::Info, style: LineStyle::Solid }],
        band: None,
        y_max: None,
    },
    ChartSpec {
        id: "consistency",
        title: "Time to consistency (order → last effect)",
        unit: "ms",
        lines: &[
            LineSpec { series: "consistency_p50_ms", label: "p50", tone: Tone::Info, style: LineStyle::Solid },
            LineSpec { series: "consistency_p99_ms", label: "p99", tone: Tone::Bad, style: LineStyle::Solid },
        ],
        band: None,
        y_max: None,
    },
    ChartSpec {
        id: "duplicates",
        title: "Duplicates so far",
        unit: "count",
        lines: &[
            LineSpec {
                series: "duplicate_deliveries",
                label: "messages delivered twice",
                tone: Tone::Info,
                style: LineStyle::Solid,
            },
            LineSpec {
                series: "duplicate_effects",
                label: "effects applied twice",
                tone: Tone::Bad,
                style: LineStyle::Solid,
            },
        ],
        band: None,
        y_max: None,
    },
    ChartSpec {
        id: "committed_fraction",
        title: "Committed fraction",
        unit: "fraction",
        lines: &[
            LineSpec {
                series: "committed_fraction",
                label: "committed / ended so far",
                tone: Tone::Good,
                style: LineStyle::Solid,
            },
            LineSpec {
                series: "committed_fraction_theory",
                label: "theory: Π (1 − p) up to the pivot",
                tone: Tone::Info,
                style: LineStyle::Theory,
            },
        ],
        band: None,
        y_max: Some(1.0),
    },
];

/// The scene's registry entry.
pub struct SagaScene;

impl Scene for SagaScene {
    fn tour(&self) -> &'static [crate::scene::tour::TourStep] {
        tour::TOUR
    }
    fn id(&self) -> &'static str {
        "saga"
    }
    fn title(&self) -> &'static str {
        "Saga compensation"
    }
    fn teaches(&self) -> &'static str {
        "How an order across four services is all done or all undone — compensations in reverse, a durable log that survives the orchestrator's crash, idempotent handlers for messages that arrive twice, and a pivot past which it only goes forward."
    }
    fn params(&self) -> &'static [ParamSpec] {
        SPECS
    }
    fn key_params(&self) -> &'static [&'static str] {
        &["mode", "fail_inventory", "duplicate_rate", "idempotency"]
    }
    fn presets(&self) -> &'static [Preset] {
        PRESETS
    }
    fn default_preset(&self) -> Option<&'static str> {
        Some("out-of-stock-after-charging")
    }
    fn explain(&self) -> &'static Explain {
        &EXPLAIN
    }
    fn compare_params(&self) -> &'static [&'static str] {
        &["mode", "idempotency"]
    }
    fn challenges(&self) -> &'static [crate::scene::Challenge] {
        challenges::CHALLENGES
    }
    fn names(&self) -> &'static Names {
        &NAMES
    }
    fn notable(&self) -> &'static [&'static str] {
        &["fault", "recovery", "param"]
    }
    fn bench_params(&self, load: BenchLoad) -> &'static [(&'static str, &'static str)] {
        match load {
            // About 2,000 messages a second: 250 sagas/s of about 8 messages each.
            BenchLoad::Busy => &[("order_rate", "250")],
            // About 2,000 messages in flight (measured): originals fly 25 ms, copies ~240 ms after theirs.
            BenchLoad::Crowded => &[("order_rate", "1300"), ("duplicate_rate", "0.5")],
        }
    }
    #[cfg(feature = "scene-saga")]
    fn build(&self, params: Params, seed: u64, script: Vec<Action>) -> Box<dyn Run> {
        let mut kernel = Kernel::new(seed);
        let model = SagaModel::new(&params, &mut kernel);
        Box::new(World::new(self.id(), kernel, model, params, script))
    }
    #[cfg(not(feature = "scene-saga"))]
    fn build(&self, _: Params, _: u64, _: Vec<Action>) -> Box<dyn Run> {
        crate::scene::not_in_this_build(self.id())
    }
}
