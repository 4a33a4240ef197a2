//! The saga system: orders arriving (Poisson) at the orchestrator or, in choreography, at the order
//! service; the four services (`services.rs`), the orchestrator (`orchestrator.rs`) and the bus
//! (`bus.rs`); its configuration, its invariants, and the dispatch of messages, timers and faults to them.
//! What a reader sees is `view.rs`; what the correctness panel and `saga_end` report is kept by the
//! observer (`observer.rs`).

use crate::kernel::{
    ActionKind, Duplication, Envelope, Field, InvariantSpec, Kernel, LinkSpec, Model, NodeId, Params, PartitionMode,
    PoissonArrivals, RngStream, SharedVec, ppm,
};

use super::bus::Bus;
use super::observer::{Observer, Repeat};
use super::orchestrator::{Inbound, Orchestrator};
use super::protocol::{BUS, LINK_LATENCY_US, LINK_SIGMA, Mode, Msg, ORCHESTRATOR, SagaRef, Step, Timer, subscribers};
use super::services::{Job, Service, StepRecord};
use super::theory::committed_fraction;

/// The scene's invariants, in the order of [`INVARIANTS`].
#[derive(Clone, Copy)]
pub(super) enum Inv {
    SagasUnaccounted,
    NotAllOrNothing,
    CompensatedNeverRan,
    CompensationsOutOfOrder,
    CompensatedPastPivot,
    SagasLostInRecovery,
    DuplicateEffectsWhenIdempotent,
}

pub const INVARIANTS: &[InvariantSpec] = &[
    InvariantSpec::always(
        "sagas_unaccounted",
        "sagas lost or ended twice",
        "Every saga that started is committed, compensated or still in flight, exactly one of them: \
         started = committed + compensated + in flight, and each saga ends once.",
    ),
    InvariantSpec::always(
        "not_all_or_nothing",
        "sagas that ended neither all committed nor all compensated",
        "When a saga ends, either all four local transactions committed and none was undone, or the steps \
         before the failed one all ran and were all undone and the failed step and those after it never ran.",
    ),
    InvariantSpec::always(
        "compensated_never_ran",
        "compensations of a step that never ran",
        "Only a local transaction that committed is ever compensated (no refund without a charge).",
    ),
    InvariantSpec::always(
        "compensations_out_of_order",
        "compensations out of reverse order",
        "A step is undone only after every later step that ran has been undone: compensations run in \
         reverse order.",
    ),
    InvariantSpec::always(
        "compensated_past_pivot",
        "compensations after the pivot committed",
        "Once the pivot's local transaction has committed the saga only goes forward: nothing is undone.",
    ),
    InvariantSpec::always(
        "sagas_lost_in_recovery",
        "unfinished sagas missing after the orchestrator's recovery",
        "Every saga the orchestrator had started and not finished is rebuilt from its log when it restarts.",
    ),
    InvariantSpec::when(
        "duplicate_effects_when_idempotent",
        "second effects with idempotent handlers",
        "With idempotent handlers a repeated message never charges, refunds, reserves, releases, books or \
         cancels a second time: each step's transaction and compensation take effect at most once.",
        "idempotency",
        "on",
    ),
];

/// The model's configuration, re-read whenever a parameter changes.
#[derive(Clone, Debug)]
pub(super) struct Config {
    pub mode: Mode,
    pub order_rate: f64,
    /// Failure probability of one attempt of each step's transaction (the order's is 0).
    pub fail_ppm: [u32; 4],
    pub comp_fail_ppm: u32,
    pub step_latency_us: u64,
    pub backoff_us: u64,
    pub duplicate_ppm: u32,
    pub idempotent: bool,
    pub pivot: Option<Step>,
}

impl Config {
    fn from_params(p: &Params) -> Self {
        Config {
            mode: Mode::from_name(p.choice("mode")),
            order_rate: p.num("order_rate"),
            fail_ppm: [0, ppm(p.num("fail_payment")), ppm(p.num("fail_inventory")), ppm(p.num("fail_shipping"))],
            comp_fail_ppm: ppm(p.num("compensation_failure_rate").min(0.95)),
            step_latency_us: ((p.num("step_latency_ms") * 1e3) as u64).max(1),
            backoff_us: ((p.num("retry_backoff_ms") * 1e3) as u64).max(1),
            duplicate_ppm: ppm(p.num("duplicate_rate")),
            idempotent: p.choice("idempotency") == "on",
            pivot: Step::from_name(p.choice("pivot")),
        }
    }

    /// At-least-once delivery: copies trail their original by about two local transactions.
    fn duplication(&self) -> Duplication {
        Duplication { rate_ppm: self.duplicate_ppm, extra_delay_mean_us: 2 * self.step_latency_us }
    }

    pub fn theory_committed_fraction(&self) -> f64 {
        let p = |s: Step| self.fail_ppm[s.index()] as f64 / 1e6;
        committed_fraction(p(Step::Payment), p(Step::Inventory), p(Step::Shipping), self.pivot)
    }
}

#[derive(Clone, Debug)]
pub struct SagaModel {
    pub(super) cfg: Config,
    pub(super) seed: u64,
    /// The services' databases: one row per saga, one column per service.
    pub(super) records: SharedVec<[StepRecord; 4]>,
    pub(super) services: [Service; 4],
    pub(super) orchestrator: Orchestrator,
    pub(super) bus: Bus,
    pub(super) observer: Observer,
    arrivals: PoissonArrivals,
    orders_rng: RngStream,
    next_saga: u64,
    // Counts.
    pub n_messages_delivered: u64,
    pub n_duplicate_deliveries: u64,
    pub n_network_copies: u64,
    pub n_duplicate_effects: u64,
    pub n_compensations: u64,
    pub n_forward_retries: u64,
    pub n_compensation_retries: u64,
    /// Commands an orchestrator without idempotency sent again for a repeated reply.
    pub n_resent_commands: u64,
    /// Dollars the customers paid: as the ledger has it, and as it would with each effect once.
    pub paid_actual: i64,
    pub paid_expected: i64,
}

impl SagaModel {
    pub fn new(params: &Params, k: &mut Kernel<Msg, Timer>) -> Self {
        let cfg = Config::from_params(params);
        // A cut link holds its messages (a broker keeps them), so no saga waits forever on a lost one.
        k.net.mode = PartitionMode::Hold;
        k.net.set_default_link(LinkSpec { latency_median_us: LINK_LATENCY_US, latency_sigma: LINK_SIGMA, loss_ppm: 0 });
        k.net.set_duplication(cfg.duplication());
        let services = Step::ALL.map(|s| Service::new(s, k.rng(&format!("{}.latency", s.name()))));
        let mut observer = Observer::default();
        observer.theory_line.set(k.now(), cfg.theory_committed_fraction());
        SagaModel {
            seed: k.seed(),
            records: SharedVec::new(),
            services,
            orchestrator: Orchestrator::new(),
            bus: Bus::default(),
            observer,
            arrivals: PoissonArrivals::new(k.seed(), cfg.order_rate),
            orders_rng: k.rng("clients.orders"),
            next_saga: 0,
            n_messages_delivered: 0,
            n_duplicate_deliveries: 0,
            n_network_copies: 0,
            n_duplicate_effects: 0,
            n_compensations: 0,
            n_forward_retries: 0,
            n_compensation_retries: 0,
            n_resent_commands: 0,
            paid_actual: 0,
            paid_expected: 0,
            cfg,
        }
    }

    fn apply_config(&mut self, k: &mut Kernel<Msg, Timer>, params: &Params) {
        self.cfg = Config::from_params(params);
        k.net.set_duplication(self.cfg.duplication());
        self.arrivals.set_rate(k, self.cfg.order_rate, Timer::Arrival);
        self.observer.theory_line.set(k.now(), self.cfg.theory_committed_fraction());
    }

    fn arrival(&mut self, k: &mut Kernel<Msg, Timer>) {
        let id = self.next_saga;
        self.next_saga += 1;
        let amount = 10 + self.orders_rng.below(90) as u32;
        let qty = 1 + self.orders_rng.below(3) as u8;
        let saga = SagaRef { id, amount, qty, pivot: self.cfg.pivot };
        self.records.push([StepRecord::default(); 4]);
        let mode = self.cfg.mode;
        self.observer.started(saga, mode, k.now());
        match mode {
            Mode::Orchestration => self.orch_inbound(k, Inbound::Order(saga)),
            Mode::Choreography => {
                self.service_job(k, Step::Order, Job::Forward { saga, attempt: 0, via: Mode::Choreography })
            }
        }
    }

    /// The protocol decided the saga is over (the orchestrator's last log decision, or in choreography the
    /// last step booked / the order cancelled): check it is all-or-nothing, count it, narrate it.
    pub(super) fn saga_ended(&mut self, k: &mut Kernel<Msg, Timer>, saga: &SagaRef, committed: bool) {
        let now = k.now();
        let Some(o) = self.observer.end(saga.id, committed, now) else { return };
        let recs = self.records[saga.id as usize];
        let all_or_nothing = if committed {
            recs.iter().all(|r| r.committed() && !r.undone())
        } else {
            o.failed.is_some_and(|f| {
                Step::ALL.iter().all(|s| {
                    let r = recs[s.index()];
                    if *s < f { r.committed() && r.undone() } else { !r.committed() && !r.undone() }
                })
            })
        };
        k.check(Inv::NotAllOrNothing as usize, all_or_nothing);
        let took = (now - o.started) as f64 / 1e6;
        let text = if committed {
            let retries = if o.forward_retries > 0 {
                format!(" after {} forward retries past the pivot", o.forward_retries)
            } else {
                String::new()
            };
            format!(
                "saga #{} committed in {took:.2} s{retries}: order, payment, inventory and shipping all ran",
                saga.id
            )
        } else {
            let f = o.failed.unwrap_or(Step::Payment);
            let undone: Vec<String> = o
                .compensated
                .iter()
                .map(|s| match s {
                    Step::Payment => format!("refund ${}", saga.amount),
                    Step::Inventory => format!("release {} units", saga.qty),
                    _ => s.undo().to_string(),
                })
                .collect();
            let undo_text = match undone.len() {
                0 => "nothing to undo".to_string(),
                1 => format!("undone: {}", undone[0]),
                _ => format!("undone in reverse: {}", undone.join(", then ")),
            };
            format!("saga #{} compensated in {took:.2} s: {} at {}; {undo_text}", saga.id, f.failure(), f.name())
        };
        k.emit(
            "saga_end",
            text,
            vec![
                ("saga", Field::from(saga.id)),
                ("outcome", Field::from(if committed { "committed" } else { "compensated" })),
                ("failed_step", Field::from(if committed { "" } else { o.failed.map_or("", Step::name) })),
                ("ran", Field::from(o.ran.joined())),
                ("compensated", Field::from(o.compensated.joined())),
                ("mode", Field::from(o.mode.name())),
                ("duration_ms", Field::from(took * 1e3)),
                ("consistency_ms", Field::from((o.last_effect - o.started) as f64 / 1e3)),
            ],
        );
    }

    /// Whether a delivery repeats one its receiver already had (any handler; the bus only relays).
    fn is_repeat(&mut self, env: &Envelope<Msg>) -> bool {
        let to = env.to;
        match &env.payload {
            Msg::Reply { saga, step, attempt, .. } | Msg::CompReply { saga, step, attempt, .. } => {
                let slot = step.index() + if matches!(env.payload, Msg::CompReply { .. }) { 4 } else { 0 };
                match self.observer.open.get_mut(&saga.id) {
                    Some(o) => {
                        let seen = &mut o.orchestrator_seen[slot];
                        let repeat = *attempt < *seen;
                        *seen = (*seen).max(attempt + 1);
                        repeat
                    }
                    // The saga has ended: the orchestrator already had every reply it will act on.
                    None => true,
                }
            }
            Msg::Command { saga, attempt, .. } | Msg::Compensate { saga, attempt, .. } => {
                let Some(step) = Step::of_node(to) else { return false };
                let r = &mut self.records[saga.id as usize][step.index()];
                let seen = if matches!(env.payload, Msg::Command { .. }) { &mut r.fwd_seen } else { &mut r.comp_seen };
                let repeat = *attempt < *seen;
                *seen = (*seen).max(attempt + 1);
                repeat
            }
            Msg::Deliver { saga, event } => {
                let Some(step) = Step::of_node(to) else { return false };
                let compensation = subscribers(*event).is_some_and(|(_, c)| c);
                let r = &mut self.records[saga.id as usize][step.index()];
                let seen = if compensation { &mut r.comp_seen } else { &mut r.fwd_seen };
                let repeat = *seen > 0;
                *seen = 1;
                repeat
            }
            Msg::Publish { .. } => false,
        }
    }
}

impl Model for SagaModel {
    type Msg = Msg;
    type Timer = Timer;
    const INVARIANTS: &'static [InvariantSpec] = INVARIANTS;

    fn start(&mut self, k: &mut Kernel<Msg, Timer>) {
        self.arrivals.start(k, Timer::Arrival);
    }

    fn on_message(&mut self, k: &mut Kernel<Msg, Timer>, env: Envelope<Msg>) {
        let now = k.now();
        self.n_messages_delivered += 1;
        if env.copy {
            self.n_network_copies += 1;
        }
        let repeat = self.is_repeat(&env);
        if repeat {
            self.n_duplicate_deliveries += 1;
            self.observer.cumulative_duplicate_deliveries.max(now, self.n_duplicate_deliveries as f64);
        }
        let kind = if env.copy {
            Repeat::Copy
        } else if repeat {
            Repeat::Again
        } else {
            Repeat::First
        };
        self.observer.flows.arrow(&env, kind);
        let to = env.to;
        match env.payload {
            msg @ (Msg::Reply { .. } | Msg::CompReply { .. }) if to == ORCHESTRATOR => {
                self.orch_inbound(k, Inbound::Msg(msg))
            }
            Msg::Publish { saga, event } if to == BUS => self.bus_publish(k, saga, event),
            Msg::Command { saga, step, attempt } => {
                self.service_job(k, step, Job::Forward { saga, attempt, via: Mode::Orchestration })
            }
            Msg::Compensate { saga, step, attempt } => {
                self.service_job(k, step, Job::Compensate { saga, attempt, via: Mode::Orchestration })
            }
            Msg::Deliver { saga, event } => {
                let Some((step, compensation)) = subscribers(event) else { return };
                let via = Mode::Choreography;
                let job = if compensation {
                    Job::Compensate { saga, attempt: 0, via }
                } else {
                    Job::Forward { saga, attempt: 0, via }
                };
                self.service_job(k, step, job);
            }
            _ => {}
        }
    }

    fn on_timer(&mut self, k: &mut Kernel<Msg, Timer>, timer: Timer) {
        match timer {
            Timer::Arrival => {
                self.arrival(k);
                self.arrivals.fired(k, Timer::Arrival);
            }
            Timer::TxDone { service, work, epoch } => self.tx_done(k, service, work, epoch),
            Timer::ServiceRetry { service, saga, compensation, attempt } => {
                self.service_retry(k, service, saga, compensation, attempt)
            }
            Timer::OrchestratorRetry { saga, incarnation } => self.orch_retry_due(k, saga, incarnation),
        }
    }

    fn on_action(&mut self, k: &mut Kernel<Msg, Timer>, action: &ActionKind, params: &Params) {
        match action {
            ActionKind::Set { .. } => self.apply_config(k, params),
            ActionKind::Crash { node } | ActionKind::Restart { node } => {
                let crash = matches!(action, ActionKind::Crash { .. });
                match (node.as_str(), Step::from_name(node)) {
                    ("orchestrator", _) if crash => self.orch_crash(k),
                    ("orchestrator", _) => self.orch_restart(k),
                    ("bus", _) if crash => self.bus_down(k),
                    ("bus", _) => self.bus_up(k),
                    (_, Some(step)) if crash => self.service_down(k, step),
                    (_, Some(step)) => self.service_up(k, step),
                    _ => {}
                }
            }
            ActionKind::Cut { .. } | ActionKind::Heal { .. } | ActionKind::Trigger { .. } => {}
        }
    }

    fn check_invariants(&self, k: &mut Kernel<Msg, Timer>) {
        let o = &self.observer;
        k.check(
            Inv::SagasUnaccounted as usize,
            o.n_started == o.n_committed + o.n_compensated + o.open.len() as u64
                && o.n_started == self.next_saga
                && o.n_open_by_mode.iter().sum::<u64>() == o.open.len() as u64,
        );
    }

    fn node_ids(&self, name: &str) -> Vec<NodeId> {
        match name {
            // A coordinator exists while its protocol is in use, while sagas it coordinates are in flight,
            // or while it is down (so it can always be brought back).
            "orchestrator" => {
                let exists = self.cfg.mode == Mode::Orchestration
                    || !self.orchestrator.up
                    || self.orchestrator.has_work()
                    || self.observer.n_open_by_mode[Mode::Orchestration as usize] > 0;
                if exists { vec![ORCHESTRATOR] } else { vec![] }
            }
            "bus" => {
                let exists = self.cfg.mode == Mode::Choreography
                    || !self.bus.up
                    || !self.bus.queue.is_empty()
                    || self.observer.n_open_by_mode[Mode::Choreography as usize] > 0;
                if exists { vec![BUS] } else { vec![] }
            }
            _ => Step::from_name(name).map(Step::node).into_iter().collect(),
        }
    }
}
