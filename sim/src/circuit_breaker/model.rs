//! The circuit-breaker topology: clients → caller service (thread pool, per-call timeout, breaker, retries)
//! → dependency (error rate, log-normal latency with a tail, capacity, can be taken down).
//!
//! Every request is a simulated message; every call holds one of the caller's `pool_size` threads from the
//! moment the request arrives until it is answered. A request that finds no free thread fails at once
//! (`pool_full`). That is the cascade: when the dependency is slow, threads wait on it until the timeout,
//! the pool fills, and the caller fails requests it could have answered. With the breaker open, calls are
//! rejected in microseconds and the threads stay free.

use std::collections::{BTreeMap, VecDeque};

use crate::kernel::{
    ActionKind, Alarm, AlarmEdge, Envelope, Field, Gauge, Histogram, InvariantSpec, Kernel, LinkSpec, NodeId, Params,
    PoissonArrivals, QuantileSeries, RngStream, Series, SeriesKind, SimTime, ppm,
};

use super::breaker::{Breaker, BreakerConfig, BreakerState, Transition, WindowKind};

pub const CLIENTS: NodeId = NodeId(0);
pub const CALLER: NodeId = NodeId(1);
pub const DEPENDENCY: NodeId = NodeId(2);
/// Rejections remembered for the stage (each is drawn for a few hundred ms).
const MAX_RECENT_REJECTIONS: usize = 256;
/// Median time the caller spends on a request it answers by itself.
const LOCAL_WORK_MEDIAN_US: f64 = 5_000.0;

pub const NODE_NAMES: [&str; 3] = ["clients", "caller", "dependency"];

/// The scene's invariants, in the order of [`INVARIANTS`].
#[derive(Clone, Copy)]
pub(super) enum Inv {
    CallsWhileOpen,
    HalfOpenOverAdmitted,
    IllegalTransitions,
    WindowNotReset,
    PoolOverCapacity,
    RequestsUnaccounted,
}

pub const INVARIANTS: &[InvariantSpec] = &[
    InvariantSpec::always(
        "calls_while_open",
        "calls reaching the dependency while OPEN",
        "An open breaker must reject every call without touching the dependency.",
    ),
    InvariantSpec::always(
        "half_open_over_admitted",
        "probes beyond the half-open limit",
        "HALF_OPEN admits at most the permitted number of probe calls.",
    ),
    InvariantSpec::always(
        "illegal_transitions",
        "illegal state transitions",
        "Only CLOSED→OPEN, OPEN→HALF_OPEN, HALF_OPEN→CLOSED and HALF_OPEN→OPEN exist.",
    ),
    InvariantSpec::always(
        "window_not_reset",
        "windows not reset on transition",
        "Every transition starts an empty window.",
    ),
    InvariantSpec::always(
        "pool_over_capacity",
        "requests admitted beyond the pool size",
        "The caller never takes a request when all its threads are busy (a pool shrunk mid-run keeps its busy threads until they finish).",
    ),
    InvariantSpec::always(
        "requests_unaccounted",
        "requests answered twice or lost",
        "Every request is answered exactly once or still in progress.",
    ),
];

/// How a client request ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ClientOutcome {
    Succeeded,
    Failed,
    TimedOut,
    /// The breaker short-circuited the call (fast fallback).
    Rejected,
    /// The caller had no free thread.
    PoolFull,
}

#[derive(Clone, Debug, Hash)]
pub enum Msg {
    /// `local`: the caller can answer it without the dependency (its other endpoints).
    Request {
        req: u64,
        created: SimTime,
        local: bool,
    },
    Call {
        call: u64,
    },
    CallReply {
        call: u64,
        ok: bool,
    },
    Response {
        req: u64,
        created: SimTime,
        local: bool,
        outcome: ClientOutcome,
    },
}

#[derive(Clone, Debug, Hash)]
pub enum Timer {
    Arrival,
    LocalWorkDone { req: u64, created: SimTime },
    DependencyDone { call: u64, ok: bool },
    CallTimeout { call: u64 },
    OpenWaitElapsed { epoch: u64 },
    HalfOpenExpired { epoch: u64 },
}

/// The model's configuration, re-derived from parameters whenever one changes.
#[derive(Clone, Debug)]
pub(super) struct Config {
    pub request_rate: f64,
    pub client_latency_us: u64,
    pub local_ppm: u32,
    pub failure_ppm: u32,
    pub dependency_latency_us: f64,
    pub dependency_capacity: u32,
    pub timeout_us: u64,
    pub pool_size: u32,
    pub breaker_on: bool,
    pub breaker: BreakerConfig,
    pub retries: u32,
}

impl Config {
    fn from_params(p: &Params) -> Self {
        let window = if p.choice("window_type") == "time" {
            WindowKind::Time(p.num("window_size") as u32)
        } else {
            WindowKind::Count(p.num("window_size") as u32)
        };
        Config {
            request_rate: p.num("request_rate"),
            local_ppm: ppm(p.num("local_share")),
            client_latency_us: (p.num("client_latency_ms") * 1000.0) as u64,
            failure_ppm: ppm(p.num("failure_rate")),
            dependency_latency_us: p.num("dependency_latency_ms") * 1000.0,
            dependency_capacity: p.num("dependency_capacity") as u32,
            timeout_us: (p.num("timeout_ms") * 1000.0) as u64,
            pool_size: p.num("pool_size") as u32,
            breaker_on: p.choice("breaker") == "on",
            breaker: BreakerConfig {
                window,
                min_calls: p.num("min_calls") as u32,
                failure_threshold_ppm: ppm(p.num("failure_threshold")),
                slow_call_us: (p.num("slow_call_ms") * 1000.0) as u64,
                slow_threshold_ppm: ppm(p.num("slow_call_threshold")),
                open_wait_us: (p.num("open_wait_ms") * 1000.0) as u64,
                half_open_calls: p.num("half_open_calls") as u32,
                half_open_max_wait_us: (p.num("half_open_max_wait_ms") * 1000.0) as u64,
            },
            retries: p.num("retries") as u32,
        }
    }
}

/// A call the caller is waiting on.
#[derive(Clone, Debug)]
struct PendingCall {
    req: u64,
    created: SimTime,
    started: SimTime,
    attempt: u32,
    /// Breaker epoch of the permission, if a breaker is on.
    epoch: Option<u64>,
}

#[derive(Clone, Debug)]
pub struct BreakerModel {
    pub(super) cfg: Config,
    pub breaker: Breaker,
    pub(super) dependency_up: bool,
    arrivals: PoissonArrivals,
    request_mix: RngStream,
    local_work: RngStream,
    dependency_rng: RngStream,
    next_req: u64,
    next_call: u64,
    pending: BTreeMap<u64, PendingCall>,
    pub(super) busy: Gauge,
    pub(super) dependency_active: Gauge,
    pub(super) window_failure: Gauge,
    /// "Pool exhausted" narration: raised when every thread is busy, cleared at half.
    pool_alarm: Alarm,
    /// Threads busy on requests that need the dependency (the rest do local work).
    pub(super) n_busy_on_calls: u32,
    /// When the breaker rejected its most recent calls (the stage draws each turning back at the gate).
    pub(super) recent_rejections: VecDeque<SimTime>,
    // Counts.
    pub n_client_requests: u64,
    pub n_dependency_calls: u64,
    pub n_succeeded: u64,
    pub n_failed: u64,
    pub n_timed_out: u64,
    pub n_rejected: u64,
    pub n_pool_full: u64,
    pub n_retries: u64,
    pub n_late_replies: u64,
    pub n_call_failures: u64,
    pub n_call_timeouts: u64,
    pub n_local_requests: u64,
    pub n_local_succeeded: u64,
    n_answered_by_caller: u64,
    n_received_by_caller: u64,
    pub(super) latency: Histogram,
    pub(super) latency_series: QuantileSeries,
    pub(super) outcome_series: [Series; 5],
    /// (time, state index) at the start and at every transition.
    pub(super) state_changes: Vec<(SimTime, usize)>,
    pub transitions: Vec<(SimTime, Transition)>,
}

impl BreakerModel {
    pub fn new(params: &Params, k: &mut Kernel<Msg, Timer>) -> Self {
        let cfg = Config::from_params(params);
        let (pool_size, request_rate) = (cfg.pool_size, cfg.request_rate);
        // Clients are 40 ms away by default, the dependency 15 ms: long enough to see each message fly.
        k.net.set_link(CLIENTS, CALLER, Self::client_link(&cfg));
        k.net.set_link(CALLER, DEPENDENCY, LinkSpec { latency_median_us: 15_000, latency_sigma: 0.1, loss_ppm: 0 });
        BreakerModel {
            breaker: Breaker::new(cfg.breaker),
            cfg,
            dependency_up: true,
            arrivals: PoissonArrivals::new(k.seed(), request_rate),
            request_mix: k.rng("clients.mix"),
            local_work: k.rng("caller.local_work"),
            dependency_rng: k.rng("dependency"),
            next_req: 0,
            next_call: 0,
            pending: BTreeMap::new(),
            busy: Gauge::default(),
            dependency_active: Gauge::default(),
            window_failure: Gauge::default(),
            pool_alarm: Self::pool_alarm(pool_size),
            n_busy_on_calls: 0,
            recent_rejections: VecDeque::new(),
            n_client_requests: 0,
            n_dependency_calls: 0,
            n_succeeded: 0,
            n_failed: 0,
            n_timed_out: 0,
            n_rejected: 0,
            n_pool_full: 0,
            n_retries: 0,
            n_late_replies: 0,
            n_call_failures: 0,
            n_call_timeouts: 0,
            n_local_requests: 0,
            n_local_succeeded: 0,
            n_answered_by_caller: 0,
            n_received_by_caller: 0,
            latency: Histogram::default(),
            latency_series: QuantileSeries::default(),
            outcome_series: std::array::from_fn(|_| Series::new(SeriesKind::Rate)),
            state_changes: vec![(SimTime::ZERO, BreakerState::Closed.index())],
            transitions: Vec::new(),
        }
    }

    fn pool_alarm(pool: u32) -> Alarm {
        Alarm::new(pool as f64 - 0.5, pool as f64 / 2.0)
    }

    fn note_transition(&mut self, k: &mut Kernel<Msg, Timer>, t: Transition) {
        let now = k.now();
        k.check(Inv::IllegalTransitions as usize, BreakerState::is_legal_transition(t.from, t.to));
        k.check(Inv::WindowNotReset as usize, self.breaker.stats(now).calls == 0 || t.to == BreakerState::HalfOpen);
        match t.to {
            BreakerState::Open => {
                k.schedule_in(self.cfg.breaker.open_wait_us, Timer::OpenWaitElapsed { epoch: self.breaker.epoch })
            }
            BreakerState::HalfOpen if self.cfg.breaker.half_open_max_wait_us > 0 => k.schedule_in(
                self.cfg.breaker.half_open_max_wait_us,
                Timer::HalfOpenExpired { epoch: self.breaker.epoch },
            ),
            _ => {}
        }
        let text = format!("breaker {}: {}", t.to.shout(), t.reason);
        k.emit(
            "transition",
            text,
            vec![
                ("from", Field::from(t.from.as_str())),
                ("to", Field::from(t.to.as_str())),
                ("calls", Field::from(t.stats.calls as u64)),
                ("failures", Field::from(t.stats.failures as u64)),
                ("slow", Field::from(t.stats.slow as u64)),
                ("failure_rate", Field::from(t.stats.failure_ppm() as f64 / 1e6)),
                ("slow_rate", Field::from(t.stats.slow_ppm() as f64 / 1e6)),
            ],
        );
        self.state_changes.push((now, t.to.index()));
        self.transitions.push((now, t));
        self.window_failure.set(now, 0);
    }

    fn set_busy(&mut self, k: &mut Kernel<Msg, Timer>, delta: i64) {
        let now = k.now();
        self.busy.add(now, delta);
        let busy = self.busy.level() as u32;
        let pool = self.cfg.pool_size;
        let fields = vec![("busy", Field::from(busy as u64)), ("pool_size", Field::from(pool as u64))];
        match self.pool_alarm.update(now, busy as f64) {
            Some(AlarmEdge::Raised { .. }) => k.emit(
                "pool",
                format!("caller's pool exhausted: {busy}/{pool} threads busy waiting on the dependency; new requests fail at once"),
                fields,
            ),
            Some(AlarmEdge::Cleared { .. }) => {
                k.emit("pool", format!("caller's pool recovered: {busy}/{pool} threads busy"), fields)
            }
            None => {}
        }
    }

    /// A request takes a thread. (A pool shrunk mid-run may hold more busy threads than its new size until
    /// they finish; what must never happen is admitting a request past the size.)
    fn admit(&mut self, k: &mut Kernel<Msg, Timer>) {
        self.set_busy(k, 1);
        k.check(Inv::PoolOverCapacity as usize, self.busy.level() <= self.cfg.pool_size as i64);
    }

    /// Starts (or retries) the call for a request that holds a thread.
    fn start_attempt(&mut self, k: &mut Kernel<Msg, Timer>, req: u64, created: SimTime, attempt: u32) {
        let now = k.now();
        let epoch = if self.cfg.breaker_on {
            match self.breaker.try_acquire() {
                Some(e) => Some(e),
                None => {
                    if self.recent_rejections.len() >= MAX_RECENT_REJECTIONS {
                        self.recent_rejections.pop_front();
                    }
                    self.recent_rejections.push_back(now);
                    self.finish(k, req, created, false, ClientOutcome::Rejected);
                    return;
                }
            }
        } else {
            None
        };
        if self.cfg.breaker_on {
            k.check(Inv::CallsWhileOpen as usize, self.breaker.state != BreakerState::Open);
            k.check(
                Inv::HalfOpenOverAdmitted as usize,
                self.breaker.state != BreakerState::HalfOpen
                    || self.breaker.half_open_admitted() <= self.cfg.breaker.half_open_calls,
            );
        }
        let call = self.next_call;
        self.next_call += 1;
        self.n_dependency_calls += 1;
        if attempt > 0 {
            self.n_retries += 1;
        }
        self.pending.insert(call, PendingCall { req, created, started: now, attempt, epoch });
        k.send(CALLER, DEPENDENCY, Msg::Call { call });
        k.schedule_in(self.cfg.timeout_us, Timer::CallTimeout { call });
    }

    /// A call ended (reply or timeout): tell the breaker, then retry or answer the client.
    fn call_ended(&mut self, k: &mut Kernel<Msg, Timer>, call: u64, ok: bool, timed_out: bool) {
        let Some(p) = self.pending.remove(&call) else {
            self.n_late_replies += 1;
            return;
        };
        let now = k.now();
        if !ok {
            if timed_out { self.n_call_timeouts += 1 } else { self.n_call_failures += 1 }
        }
        if let Some(epoch) = p.epoch {
            if let Some(t) = self.breaker.on_result(now, epoch, !ok, now - p.started) {
                self.note_transition(k, t);
            } else {
                let s = self.breaker.stats(now);
                self.window_failure.set(now, s.failure_ppm() as i64);
            }
        }
        if ok {
            self.finish(k, p.req, p.created, false, ClientOutcome::Succeeded);
        } else if p.attempt < self.cfg.retries {
            self.start_attempt(k, p.req, p.created, p.attempt + 1);
        } else {
            let outcome = if timed_out { ClientOutcome::TimedOut } else { ClientOutcome::Failed };
            self.finish(k, p.req, p.created, false, outcome);
        }
    }

    fn finish(&mut self, k: &mut Kernel<Msg, Timer>, req: u64, created: SimTime, local: bool, outcome: ClientOutcome) {
        if !local {
            self.n_busy_on_calls = self.n_busy_on_calls.saturating_sub(1);
        }
        self.set_busy(k, -1);
        self.n_answered_by_caller += 1;
        k.send(CALLER, CLIENTS, Msg::Response { req, created, local, outcome });
    }

    fn client_link(cfg: &Config) -> LinkSpec {
        LinkSpec { latency_median_us: cfg.client_latency_us, latency_sigma: 0.1, loss_ppm: 0 }
    }

    fn apply_config(&mut self, k: &mut Kernel<Msg, Timer>, params: &Params) {
        self.cfg = Config::from_params(params);
        k.net.set_link(CLIENTS, CALLER, Self::client_link(&self.cfg));
        self.breaker.reconfigure(self.cfg.breaker);
        self.pool_alarm.set_thresholds(self.cfg.pool_size as f64 - 0.5, self.cfg.pool_size as f64 / 2.0);
        self.arrivals.set_rate(k, self.cfg.request_rate, Timer::Arrival);
    }

    pub(super) fn outcome_index(o: ClientOutcome) -> usize {
        match o {
            ClientOutcome::Succeeded => 0,
            ClientOutcome::Failed => 1,
            ClientOutcome::TimedOut => 2,
            ClientOutcome::Rejected => 3,
            ClientOutcome::PoolFull => 4,
        }
    }

    pub fn n_completed(&self) -> u64 {
        self.n_succeeded + self.n_failed + self.n_timed_out + self.n_rejected + self.n_pool_full
    }
}

impl crate::kernel::Model for BreakerModel {
    type Msg = Msg;
    type Timer = Timer;
    const INVARIANTS: &'static [InvariantSpec] = INVARIANTS;

    fn start(&mut self, k: &mut Kernel<Msg, Timer>) {
        self.arrivals.start(k, Timer::Arrival);
    }

    fn on_message(&mut self, k: &mut Kernel<Msg, Timer>, env: Envelope<Msg>) {
        let now = k.now();
        match env.payload {
            Msg::Request { req, created, local } => {
                self.n_received_by_caller += 1;
                if self.busy.level() as u32 >= self.cfg.pool_size {
                    self.n_answered_by_caller += 1;
                    k.send(CALLER, CLIENTS, Msg::Response { req, created, local, outcome: ClientOutcome::PoolFull });
                } else if local {
                    self.admit(k);
                    let work = self.local_work.lognormal_micros(LOCAL_WORK_MEDIAN_US, 0.3).max(1);
                    k.schedule_in(work, Timer::LocalWorkDone { req, created });
                } else {
                    self.admit(k);
                    self.n_busy_on_calls += 1;
                    self.start_attempt(k, req, created, 0);
                }
            }
            Msg::Call { call } => {
                if !self.dependency_up {
                    // Connection refused: the error comes straight back.
                    k.send(DEPENDENCY, CALLER, Msg::CallReply { call, ok: false });
                    return;
                }
                self.dependency_active.add(now, 1);
                let active = self.dependency_active.level() as f64;
                let cap = self.cfg.dependency_capacity.max(1) as f64;
                // Over capacity, each call shares the dependency: latency grows with concurrency.
                let slowdown = (active / cap).max(1.0);
                let service = self.dependency_rng.lognormal_micros(self.cfg.dependency_latency_us * slowdown, 0.35);
                let ok = !self.dependency_rng.chance_ppm(self.cfg.failure_ppm);
                k.schedule_in(service.max(1), Timer::DependencyDone { call, ok });
            }
            Msg::CallReply { call, ok } => self.call_ended(k, call, ok, false),
            Msg::Response { created, local, outcome, .. } => {
                if local && outcome == ClientOutcome::Succeeded {
                    self.n_local_succeeded += 1;
                }
                match outcome {
                    ClientOutcome::Succeeded => self.n_succeeded += 1,
                    ClientOutcome::Failed => self.n_failed += 1,
                    ClientOutcome::TimedOut => self.n_timed_out += 1,
                    ClientOutcome::Rejected => self.n_rejected += 1,
                    ClientOutcome::PoolFull => self.n_pool_full += 1,
                }
                self.outcome_series[Self::outcome_index(outcome)].add(now, 1.0);
                let latency = now - created;
                self.latency.record(latency);
                self.latency_series.record(now, latency);
            }
        }
    }

    fn on_timer(&mut self, k: &mut Kernel<Msg, Timer>, timer: Timer) {
        match timer {
            Timer::Arrival => {
                let req = self.next_req;
                self.next_req += 1;
                self.n_client_requests += 1;
                let local = self.request_mix.chance_ppm(self.cfg.local_ppm);
                self.n_local_requests += local as u64;
                k.send(CLIENTS, CALLER, Msg::Request { req, created: k.now(), local });
                self.arrivals.fired(k, Timer::Arrival);
            }
            Timer::LocalWorkDone { req, created } => {
                self.finish(k, req, created, true, ClientOutcome::Succeeded);
            }
            Timer::DependencyDone { call, ok } => {
                self.dependency_active.add(k.now(), -1);
                // A dependency that went down mid-call drops it: the reply never comes.
                if self.dependency_up {
                    k.send(DEPENDENCY, CALLER, Msg::CallReply { call, ok });
                }
            }
            Timer::CallTimeout { call } => {
                if self.pending.contains_key(&call) {
                    self.call_ended(k, call, false, true);
                }
            }
            Timer::OpenWaitElapsed { epoch } => {
                if let Some(t) = self.breaker.on_open_wait_elapsed(epoch) {
                    self.note_transition(k, t);
                }
            }
            Timer::HalfOpenExpired { epoch } => {
                if let Some(t) = self.breaker.on_half_open_expired(epoch) {
                    self.note_transition(k, t);
                }
            }
        }
    }

    fn on_action(&mut self, k: &mut Kernel<Msg, Timer>, action: &ActionKind, params: &Params) {
        match action {
            ActionKind::Crash { node } if node == "dependency" => {
                self.dependency_up = false;
                k.emit(
                    "fault",
                    "dependency DOWN: it refuses every call".into(),
                    vec![("node", Field::from("dependency"))],
                );
            }
            ActionKind::Restart { node } if node == "dependency" => {
                self.dependency_up = true;
                k.emit("fault", "dependency back UP".into(), vec![("node", Field::from("dependency"))]);
            }
            ActionKind::Crash { node } | ActionKind::Restart { node } => {
                k.emit(
                    "fault",
                    format!("{node}: only the dependency can be taken down in this scene (or cut a link)"),
                    vec![("node", Field::from(node.as_str()))],
                );
            }
            ActionKind::Set { .. } => self.apply_config(k, params),
            ActionKind::Cut { .. } | ActionKind::Heal { .. } | ActionKind::Trigger { .. } => {}
        }
    }

    fn check_invariants(&self, k: &mut Kernel<Msg, Timer>) {
        if self.breaker.n_illegal_transitions > k.invariants.count(Inv::IllegalTransitions as usize) {
            k.violation(Inv::IllegalTransitions as usize);
        }
        if self.breaker.n_window_not_reset > k.invariants.count(Inv::WindowNotReset as usize) {
            k.violation(Inv::WindowNotReset as usize);
        }
        // Every request the caller received is either answered or holding a thread: never both, never neither.
        k.check(
            Inv::RequestsUnaccounted as usize,
            self.n_answered_by_caller + self.busy.level() as u64 == self.n_received_by_caller,
        );
    }

    fn node_ids(&self, name: &str) -> Vec<NodeId> {
        NODE_NAMES.iter().position(|n| *n == name).map(|i| NodeId(i as u16)).into_iter().collect()
    }
}
