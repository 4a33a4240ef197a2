//! How the saga is shown: the topology (the coordinator — orchestrator or bus — beside the four services,
//! each with the local state a reader can see: pending orders, what customers paid, stock reserved,
//! couriers booked, including what belongs to sagas not decided yet), the sequence panel following the
//! most recent sagas message by message, and the charts' series and runner metrics — all read from the
//! model.

use crate::kernel::{ActionKind, Kernel, NodeId};
use crate::scene::{
    Anomaly, ArrowKind, ArrowView, FlowView, LaneMark, LegendItem, LinkView, NodeAction, NodeView, Panel, Present,
    RuleView, SequenceView, Tone, TopologyView,
};

use super::CHARTS;
use super::model::SagaModel;
use super::observer::{Arrow, Flow, Lane, Observer, Repeat};
use super::protocol::{BUS, EventKind, Mode, Msg, ORCHESTRATOR, Step, Timer};

const ANOMALIES: &[Anomaly] = &[
    Anomaly {
        metric: "duplicate_effects",
        label: "second charges, refunds, reservations or releases",
        help: "A step's transaction or compensation that took effect a second time for one saga, because a \
               repeated message reached a handler that is not idempotent. With idempotency on this stays 0 \
               whatever the duplicate rate.",
    },
    Anomaly {
        metric: "duplicate_deliveries",
        label: "messages delivered more than once",
        help: "Deliveries of a command, reply or event its receiver already had: at-least-once copies made by \
               the network, and commands an orchestrator without idempotency sent again.",
    },
];

fn node(name: &str, label: &str, column: u8, id: NodeId, tone: Tone) -> NodeView {
    NodeView {
        name: name.to_string(),
        label: label.to_string(),
        column,
        members: vec![id],
        tone,
        badge: None,
        lines: Vec::new(),
        work: None,
        actions: Vec::new(),
    }
}

/// "1 saga", "3 sagas".
fn count(n: impl Into<u64>, one: &str, many: &str) -> String {
    let n = n.into();
    format!("{n} {}", if n == 1 { one } else { many })
}

fn dollars(v: i64) -> String {
    if v < 0 { format!("−${}", -v) } else { format!("${v}") }
}

fn down_up(name: &str, up: bool, down_label: &'static str, up_label: &'static str) -> NodeAction {
    if up {
        NodeAction { label: down_label, kind: ActionKind::Crash { node: name.into() } }
    } else {
        NodeAction { label: up_label, kind: ActionKind::Restart { node: name.into() } }
    }
}

impl SagaModel {
    /// Units of `step`'s sagas in flight whose transaction took effect and is not undone: what an observer
    /// reads at the service before the saga has decided (no isolation).
    fn undecided(&self, step: Step) -> (u64, u64) {
        let s = &self.services[step.index()];
        self.observer.open.values().fold((0, 0), |(n, units), o| {
            let r = self.records[o.saga.id as usize][step.index()];
            if r.committed() && !r.undone() { (n + 1, units + s.units(&o.saga)) } else { (n, units) }
        })
    }

    fn shows(&self, k: &Kernel<Msg, Timer>, coordinator: NodeId, name: &str) -> bool {
        use crate::kernel::Model;
        !self.node_ids(name).is_empty()
            || k.net.messages_in_flight().any(|e| e.from == coordinator || e.to == coordinator)
    }

    fn topology(&self, k: &Kernel<Msg, Timer>) -> TopologyView {
        let now = k.now();
        let mut nodes = Vec::new();
        let mut links = Vec::new();
        let mut coordinators = Vec::new();
        if self.shows(k, ORCHESTRATOR, "orchestrator") {
            let o = &self.orchestrator;
            let mut lines = Vec::new();
            if o.up {
                lines.push(format!("memory: {} in flight", count(o.memory.len() as u64, "saga", "sagas")));
            } else {
                let down_s = o.down_since.map_or(0.0, |t| (now - t) as f64 / 1e6);
                lines.push(format!("memory lost (down {down_s:.1} s)"));
            }
            lines.push(format!(
                "saga log: {}, {} (durable)",
                count(o.n_log_records as u64, "record", "records"),
                count(o.n_open_in_log() as u64, "saga", "sagas")
            ));
            if !o.queue.is_empty() {
                lines.push(format!(
                    "{} waiting in its queue",
                    count(o.queue.len() as u64, "order or reply", "orders and replies")
                ));
            }
            nodes.push(NodeView {
                badge: Some(if o.up { "UP".into() } else { "DOWN".into() }),
                lines,
                actions: vec![down_up(
                    "orchestrator",
                    o.up,
                    "Crash (loses its memory)",
                    "Restart (recover from the log)",
                )],
                ..node("orchestrator", "Orchestrator", 0, ORCHESTRATOR, if o.up { Tone::Good } else { Tone::Bad })
            });
            coordinators.push(("orchestrator", ORCHESTRATOR));
        }
        if self.shows(k, BUS, "bus") {
            let b = &self.bus;
            let mut lines = vec![format!("{} routed", count(b.n_routed, "event", "events"))];
            if !b.queue.is_empty() {
                lines.push(format!("{} waiting", count(b.queue.len() as u64, "event", "events")));
            }
            nodes.push(NodeView {
                badge: Some(if b.up { "UP".into() } else { "DOWN".into() }),
                lines,
                actions: vec![down_up("bus", b.up, "Take down", "Bring back up")],
                ..node("bus", "Event bus", 0, BUS, if b.up { Tone::Good } else { Tone::Bad })
            });
            coordinators.push(("bus", BUS));
        }
        for step in Step::ALL {
            let s = &self.services[step.index()];
            let (n_undecided, units_undecided) = self.undecided(step);
            let mut lines = match step {
                Step::Order => vec![
                    format!("{} pending (saga undecided)", count(n_undecided, "order", "orders")),
                    format!("{} created · {} cancelled", s.n_effects, s.n_undos),
                ],
                Step::Payment => {
                    let error = self.paid_actual - self.paid_expected;
                    let mut l = vec![
                        format!("customers paid {} in all", dollars(self.paid_actual)),
                        format!(
                            "{} of it on {}",
                            dollars(units_undecided as i64),
                            count(n_undecided, "undecided order", "undecided orders")
                        ),
                    ];
                    // What went wrong comes first: a crowded stage draws a box's first line only.
                    if error != 0 || s.n_double_effects + s.n_double_undos > 0 {
                        l.insert(
                            0,
                            format!(
                                "off by {}: {} double charges, {} double refunds",
                                dollars(error),
                                s.n_double_effects,
                                s.n_double_undos
                            ),
                        );
                    } else {
                        l.push(format!(
                            "charged {} · refunded {}",
                            dollars(s.units_done as i64),
                            dollars(s.units_undone as i64)
                        ));
                    }
                    l
                }
                Step::Inventory => vec![
                    format!(
                        "{} units reserved ({units_undecided} for undecided orders)",
                        s.units_done as i64 - s.units_undone as i64
                    ),
                    format!(
                        "{} · {}",
                        count(s.n_effects, "reservation", "reservations"),
                        count(s.n_undos, "release", "releases")
                    ),
                ],
                Step::Shipping => vec![
                    format!("{} couriers booked ({n_undecided} undecided)", s.n_effects as i64 - s.n_undos as i64),
                    format!("{} · {} cancelled", count(s.n_effects, "booking", "bookings"), s.n_undos),
                ],
            };
            let doubles = s.n_double_effects + s.n_double_undos;
            if doubles > 0 && step != Step::Payment {
                lines.insert(0, format!("{} applied twice", count(doubles, "effect", "effects")));
            }
            let tone = if !s.up {
                Tone::Bad
            } else if doubles > 0 {
                Tone::Warn
            } else {
                Tone::Good
            };
            let badge = if s.up {
                if s.running == 0 { "UP".to_string() } else { format!("UP · {} running", s.running) }
            } else {
                format!("DOWN · {} waiting", s.queue.len())
            };
            let label = match step {
                Step::Order => "Order service",
                Step::Payment => "Payment service",
                Step::Inventory => "Inventory service",
                Step::Shipping => "Shipping service",
            };
            nodes.push(NodeView {
                badge: Some(badge),
                lines,
                actions: vec![down_up(step.name(), s.up, "Take down", "Bring back up")],
                ..node(step.name(), label, 1, step.node(), tone)
            });
            for (name, id) in &coordinators {
                links.push(LinkView {
                    a: name.to_string(),
                    b: step.name().into(),
                    cut: k.net.is_cut(*id, step.node()),
                    gate: None,
                });
            }
        }
        let legend = [
            (Tone::Neutral, "command"),
            (Tone::Good, "done"),
            (Tone::Bad, "failed"),
            (Tone::Warn, "compensate (undo)"),
            (Tone::Info, "undone"),
        ];
        TopologyView {
            nodes,
            links,
            legend: legend.iter().map(|(tone, label)| LegendItem { tone: *tone, label: label.to_string() }).collect(),
        }
    }

    fn sequence(&self) -> SequenceView {
        let flows = &self.observer.flows.list;
        let has = |m: Mode| flows.iter().any(|f| f.mode == m) || (flows.is_empty() && self.cfg.mode == m);
        let mut lanes: Vec<(Lane, &str)> = Vec::new();
        if has(Mode::Orchestration) {
            lanes.push((Lane::Orchestrator, "Orchestrator"));
        }
        if has(Mode::Choreography) {
            lanes.push((Lane::Bus, "Event bus"));
        }
        lanes.extend([
            (Lane::Service(Step::Order), "Order"),
            (Lane::Service(Step::Payment), "Payment"),
            (Lane::Service(Step::Inventory), "Inventory"),
            (Lane::Service(Step::Shipping), "Shipping"),
        ]);
        let lane_of = |l: Lane| lanes.iter().position(|(x, _)| *x == l).unwrap_or(0);
        let flows = flows.iter().map(|f| flow_view(f, &lane_of)).collect();
        SequenceView {
            title: "Messages of one saga".into(),
            lanes: lanes.iter().map(|l| l.1.to_string()).collect(),
            flows,
        }
    }
}

fn arrow_view(a: &Arrow, lane_of: &impl Fn(Lane) -> usize) -> ArrowView {
    let retry = |attempt: u16| if attempt > 0 { format!(" (attempt {})", attempt + 1) } else { String::new() };
    let (mut label, kind, tone) = match a.msg {
        Msg::Command { step, attempt, .. } => {
            (format!("{}{}", step.command(), retry(attempt)), ArrowKind::Forward, Tone::Neutral)
        }
        Msg::Reply { step, ok: true, .. } => (step.done().to_string(), ArrowKind::Reply, Tone::Good),
        Msg::Reply { step, ok: false, .. } => (step.failure().to_string(), ArrowKind::Failure, Tone::Bad),
        Msg::Compensate { step, attempt, .. } => {
            (format!("{}{}", step.undo(), retry(attempt)), ArrowKind::Compensation, Tone::Warn)
        }
        Msg::CompReply { step, ok: true, .. } => (step.undone().to_string(), ArrowKind::Reply, Tone::Info),
        Msg::CompReply { step, ok: false, .. } => {
            (format!("{} failed, will retry", step.undo()), ArrowKind::Failure, Tone::Bad)
        }
        Msg::Publish { event, .. } | Msg::Deliver { event, .. } => {
            let (kind, tone) = match event {
                EventKind::Done(_) => (ArrowKind::Forward, Tone::Good),
                EventKind::Failed(_) => (ArrowKind::Failure, Tone::Bad),
                EventKind::Compensated(_) => (ArrowKind::Compensation, Tone::Warn),
            };
            (event.label(), kind, tone)
        }
    };
    let (kind, tone) = match a.repeat {
        Repeat::First => (kind, tone),
        Repeat::Copy => {
            label.push_str(" (duplicate copy)");
            (ArrowKind::Duplicate, Tone::Neutral)
        }
        Repeat::Again => {
            label.push_str(" (again)");
            (ArrowKind::Duplicate, Tone::Neutral)
        }
    };
    ArrowView { from: lane_of(a.from), to: lane_of(a.to), sent: a.sent, received: a.received, label, kind, tone }
}

fn flow_view(f: &Flow, lane_of: &impl Fn(Lane) -> usize) -> FlowView {
    let mut label = format!("Saga #{} · ${}", f.saga.id, f.saga.amount);
    let tone = match (f.ended, f.failed) {
        (Some((_, true)), _) => {
            label.push_str(" · committed");
            Tone::Good
        }
        (Some((_, false)), failed) => {
            let f = failed.unwrap_or(Step::Payment);
            label.push_str(&format!(" · compensated ({} at {})", f.failure(), f.name()));
            Tone::Warn
        }
        (None, _) => {
            label.push_str(" · in flight");
            Tone::Info
        }
    };
    if f.mode == Mode::Choreography {
        label.push_str(" · choreography");
    }
    if f.n_arrows_dropped > 0 {
        label.push_str(&format!(" · {} messages in the middle not drawn", f.n_arrows_dropped));
    }
    let rules = f
        .pivot_at
        .map(|at| RuleView {
            at,
            label: format!(
                "pivot: {} committed — from here the saga only goes forward",
                f.saga.pivot.map_or("", Step::name)
            ),
        })
        .into_iter()
        .collect();
    FlowView {
        id: f.saga.id,
        label,
        tone,
        failed: matches!(f.ended, Some((_, false))),
        finished: f.ended.is_some(),
        arrows: f.arrows.iter().map(|a| arrow_view(a, lane_of)).collect(),
        marks: f
            .marks
            .iter()
            .map(|m| LaneMark { lane: lane_of(m.lane), at: m.at, label: m.label.clone(), tone: m.tone })
            .collect(),
        rules,
    }
}

impl Present for SagaModel {
    const ANOMALIES: &'static [Anomaly] = ANOMALIES;

    fn panels(&self, k: &Kernel<Msg, Timer>) -> Vec<Panel> {
        let mut panels = vec![Panel::Topology(self.topology(k)), Panel::Sequence(self.sequence())];
        panels.extend(CHARTS.iter().map(Panel::Chart));
        panels
    }

    fn message_tone(&self, msg: &Msg) -> Tone {
        match msg {
            Msg::Command { .. } => Tone::Neutral,
            Msg::Reply { ok: true, .. } => Tone::Good,
            Msg::Reply { ok: false, .. } | Msg::CompReply { ok: false, .. } => Tone::Bad,
            Msg::Compensate { .. } => Tone::Warn,
            Msg::CompReply { ok: true, .. } => Tone::Info,
            Msg::Publish { event, .. } | Msg::Deliver { event, .. } => match event {
                EventKind::Done(_) => Tone::Good,
                EventKind::Failed(_) => Tone::Bad,
                EventKind::Compensated(_) => Tone::Warn,
            },
        }
    }

    fn series(&self, k: &Kernel<Msg, Timer>, name: &str) -> Vec<(f64, f64)> {
        let now = k.now();
        let o = &self.observer;
        match name {
            "started_rate" => o.started_rate.points(now),
            "committed_rate" => o.committed_rate.points(now),
            "compensated_rate" => o.compensated_rate.points(now),
            "sagas_in_flight" => o.in_flight.points(now),
            "consistency_p50_ms" => o.consistency_series.p50_points(now),
            "consistency_p99_ms" => o.consistency_series.p99_points(now),
            "duplicate_deliveries" => Observer::cumulative_points(&o.cumulative_duplicate_deliveries, now),
            "duplicate_effects" => Observer::cumulative_points(&o.cumulative_duplicate_effects, now),
            "committed_fraction" => o.committed_fraction_points(now),
            "committed_fraction_theory" => o.theory_line.points(now),
            _ => Vec::new(),
        }
    }

    fn metrics(&self, k: &Kernel<Msg, Timer>) -> Vec<(&'static str, f64)> {
        let o = &self.observer;
        let ended = o.n_committed + o.n_compensated;
        let stock = &self.services[Step::Inventory.index()];
        let shipping = &self.services[Step::Shipping.index()];
        vec![
            ("sagas_started", o.n_started as f64),
            ("sagas_committed", o.n_committed as f64),
            ("sagas_compensated", o.n_compensated as f64),
            ("sagas_in_flight", o.open.len() as f64),
            ("compensations", self.n_compensations as f64),
            ("duplicate_deliveries", self.n_duplicate_deliveries as f64),
            ("duplicate_effects", self.n_duplicate_effects as f64),
            ("committed_fraction", if ended == 0 { 0.0 } else { o.n_committed as f64 / ended as f64 }),
            ("theory_committed_fraction", self.cfg.theory_committed_fraction()),
            ("forward_retries", self.n_forward_retries as f64),
            ("compensation_retries", self.n_compensation_retries as f64),
            ("network_copies", self.n_network_copies as f64),
            ("resent_commands", self.n_resent_commands as f64),
            ("messages_delivered", self.n_messages_delivered as f64),
            ("time_to_consistency_p50_ms", o.consistency.quantile(0.5) as f64 / 1e3),
            ("time_to_consistency_p99_ms", o.consistency.quantile(0.99) as f64 / 1e3),
            ("customers_paid", self.paid_actual as f64),
            ("customers_paid_expected", self.paid_expected as f64),
            ("balance_error", (self.paid_actual - self.paid_expected) as f64),
            ("stock_reserved", stock.units_done as f64 - stock.units_undone as f64),
            ("couriers_booked", shipping.n_effects as f64 - shipping.n_undos as f64),
            ("orders_waiting", self.orchestrator.queue.len() as f64),
            ("orchestrator_log_records", self.orchestrator.n_log_records as f64),
            ("orchestrator_sagas_in_memory", self.orchestrator.memory.len() as f64),
            ("orchestrator_recoveries", self.orchestrator.n_recoveries as f64),
            ("events", k.n_events() as f64),
        ]
    }
}
