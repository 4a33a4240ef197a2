//! The circuit-breaker topology: clients → caller service (thread pool, per-call timeout, breaker, retries)
//! → dependency (error rate, log-normal latency with a tail, capacity, can be taken down).
//!
//! Every request is a simulated message; every call holds one of the caller's `pool_size` threads from the
//! moment the request arrives until it is answered. A request that finds no free thread fails at once
//! (`pool_full`). That is the cascade: when the dependency is slow, threads wait on it until the timeout,
//! the pool fills, and the caller fails requests it could have answered. With the breaker open, calls are
//! rejected in microseconds and the threads stay free.

use std::collections::BTreeMap;

use crate::kernel::{
    Envelope, Field, Gauge, Histogram, Kernel, LinkSpec, NodeId, PoissonArrivals, QuantileSeries, RngStream, Series,
    SeriesKind, SimTime, Violations, ppm,
};
use crate::scene::{
    ActionKind, ChartSpec, CounterView, LinkView, MachineView, MessageView, NodeAction, NodeRole, NodeView, Params,
    StageView, Tone,
};

use super::breaker::{Breaker, BreakerConfig, BreakerState, Transition, WindowKind};
use super::{CHARTS, MACHINE_EDGES, MACHINE_STATES};

pub const CLIENTS: NodeId = NodeId(0);
pub const CALLER: NodeId = NodeId(1);
pub const DEPENDENCY: NodeId = NodeId(2);
/// Median time the caller spends on a request it answers by itself.
const LOCAL_WORK_MEDIAN_US: f64 = 5_000.0;

pub const NODE_NAMES: [&str; 3] = ["clients", "caller", "dependency"];

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
struct Config {
    request_rate: f64,
    client_latency_us: u64,
    local_ppm: u32,
    failure_ppm: u32,
    dependency_latency_us: f64,
    dependency_capacity: u32,
    timeout_us: u64,
    pool_size: u32,
    breaker_on: bool,
    breaker: BreakerConfig,
    retries: u32,
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
    cfg: Config,
    pub breaker: Breaker,
    dependency_up: bool,
    arrivals: PoissonArrivals,
    request_mix: RngStream,
    local_work: RngStream,
    dependency_rng: RngStream,
    next_req: u64,
    next_call: u64,
    pending: BTreeMap<u64, PendingCall>,
    busy: Gauge,
    dependency_active: Gauge,
    window_failure: Gauge,
    pool_exhausted: bool,
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
    latency: Histogram,
    latency_series: QuantileSeries,
    outcome_series: [Series; 5],
    /// (time, state index) at the start and at every transition.
    state_changes: Vec<(SimTime, usize)>,
    pub transitions: Vec<(SimTime, Transition)>,
    // Invariants.
    calls_while_open: Violations,
    half_open_over_admitted: Violations,
    illegal_transitions: Violations,
    window_not_reset: Violations,
    pool_over_capacity: Violations,
    requests_unaccounted: Violations,
}

impl BreakerModel {
    pub fn new(params: &Params, k: &mut Kernel<Msg, Timer>) -> Self {
        let cfg = Config::from_params(params);
        // Clients are 40 ms away by default, the dependency 15 ms: long enough to see each message fly.
        k.net.set_link(CLIENTS, CALLER, Self::client_link(&cfg));
        k.net.set_link(CALLER, DEPENDENCY, LinkSpec { latency_median_us: 15_000, latency_sigma: 0.1, loss_ppm: 0 });
        BreakerModel {
            breaker: Breaker::new(cfg.breaker),
            cfg,
            dependency_up: true,
            arrivals: PoissonArrivals::new(k.seed()),
            request_mix: k.rng("clients.mix"),
            local_work: k.rng("caller.local_work"),
            dependency_rng: k.rng("dependency"),
            next_req: 0,
            next_call: 0,
            pending: BTreeMap::new(),
            busy: Gauge::default(),
            dependency_active: Gauge::default(),
            window_failure: Gauge::default(),
            pool_exhausted: false,
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
            calls_while_open: Violations::default(),
            half_open_over_admitted: Violations::default(),
            illegal_transitions: Violations::default(),
            window_not_reset: Violations::default(),
            pool_over_capacity: Violations::default(),
            requests_unaccounted: Violations::default(),
        }
    }

    fn schedule_arrival(&mut self, k: &mut Kernel<Msg, Timer>) {
        if let Some(gap) = self.arrivals.next_gap_us(self.cfg.request_rate) {
            k.schedule_in(gap, Timer::Arrival);
        }
    }

    fn note_transition(&mut self, k: &mut Kernel<Msg, Timer>, t: Transition) {
        let now = k.now();
        if !BreakerState::is_legal_transition(t.from, t.to) {
            self.illegal_transitions.hit(now);
        }
        if self.breaker.stats(now).calls != 0 && t.to != BreakerState::HalfOpen {
            self.window_not_reset.hit(now);
        }
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
        if !self.pool_exhausted && busy >= pool {
            self.pool_exhausted = true;
            k.emit(
                "pool",
                format!("caller's pool exhausted: {busy}/{pool} threads busy waiting on the dependency; new requests fail at once"),
                vec![("busy", Field::from(busy as u64)), ("pool_size", Field::from(pool as u64))],
            );
        } else if self.pool_exhausted && busy * 2 <= pool {
            self.pool_exhausted = false;
            k.emit(
                "pool",
                format!("caller's pool recovered: {busy}/{pool} threads busy"),
                vec![("busy", Field::from(busy as u64)), ("pool_size", Field::from(pool as u64))],
            );
        }
    }

    /// Starts (or retries) the call for a request that holds a thread.
    fn start_attempt(&mut self, k: &mut Kernel<Msg, Timer>, req: u64, created: SimTime, attempt: u32) {
        let now = k.now();
        let epoch = if self.cfg.breaker_on {
            match self.breaker.try_acquire() {
                Some(e) => Some(e),
                None => {
                    self.finish(k, req, created, false, ClientOutcome::Rejected);
                    return;
                }
            }
        } else {
            None
        };
        if self.cfg.breaker_on {
            if self.breaker.state == BreakerState::Open {
                self.calls_while_open.hit(now);
            }
            if self.breaker.state == BreakerState::HalfOpen
                && self.breaker.half_open_admitted() > self.cfg.breaker.half_open_calls
            {
                self.half_open_over_admitted.hit(now);
            }
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
    }

    fn outcome_index(o: ClientOutcome) -> usize {
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

    fn start(&mut self, k: &mut Kernel<Msg, Timer>) {
        self.schedule_arrival(k);
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
                    self.set_busy(k, 1);
                    let work = self.local_work.lognormal_micros(LOCAL_WORK_MEDIAN_US, 0.3).max(1);
                    k.schedule_in(work, Timer::LocalWorkDone { req, created });
                } else {
                    self.set_busy(k, 1);
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
                self.schedule_arrival(k);
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
            ActionKind::Cut { a, b } => {
                k.emit("fault", format!("link {a}–{b} cut: messages on it are lost"), vec![]);
            }
            ActionKind::Heal { a, b } => {
                k.emit("fault", format!("link {a}–{b} healed"), vec![]);
            }
            ActionKind::Set { param, value } => {
                let was_rate = self.cfg.request_rate;
                self.apply_config(k, params);
                if was_rate <= 0.0 && self.cfg.request_rate > 0.0 {
                    self.schedule_arrival(k);
                }
                k.emit(
                    "param",
                    format!("{} set to {}", param, value),
                    vec![("param", Field::from(param.as_str())), ("value", Field::from(value.as_str()))],
                );
            }
            _ => {}
        }
    }

    fn check_invariants(&mut self, k: &Kernel<Msg, Timer>) {
        let now = k.now();
        if self.busy.level() > self.cfg.pool_size as i64 {
            self.pool_over_capacity.hit(now);
        }
        if self.breaker.n_illegal_transitions > self.illegal_transitions.count {
            self.illegal_transitions.hit(now);
        }
        if self.breaker.n_window_not_reset > self.window_not_reset.count {
            self.window_not_reset.hit(now);
        }
        // Every request the caller received is either answered or holding a thread: never both, never neither.
        if self.n_answered_by_caller + self.busy.level() as u64 != self.n_received_by_caller {
            self.requests_unaccounted.hit(now);
        }
    }

    fn node_id(&self, name: &str) -> Option<NodeId> {
        NODE_NAMES.iter().position(|n| *n == name).map(|i| NodeId(i as u16))
    }

    fn stage(&self, k: &Kernel<Msg, Timer>) -> StageView {
        let now = k.now();
        let busy = self.busy.level().max(0) as u32;
        let pool = self.cfg.pool_size;
        let active = self.dependency_active.level().max(0);
        let state = self.breaker.state;
        let caller_tone = if busy >= pool {
            Tone::Bad
        } else if busy * 4 >= pool * 3 {
            Tone::Warn
        } else {
            Tone::Good
        };
        let breaker_line = if self.cfg.breaker_on {
            let s = self.breaker.stats(now);
            format!("breaker {} · window {}/{} failed", state.shout(), s.failures, s.calls)
        } else {
            "no breaker".to_string()
        };
        let nodes = vec![
            NodeView {
                name: "clients",
                label: "Clients".into(),
                role: NodeRole::Clients,
                x: 0.08,
                y: 0.5,
                tone: Tone::Neutral,
                badge: Some(format!("{:.0} req/s", self.cfg.request_rate)),
                lines: vec![format!("{} sent", self.n_client_requests)],
                load: None,
                actions: vec![],
            },
            NodeView {
                name: "caller",
                label: "Caller service".into(),
                role: NodeRole::Service,
                x: 0.45,
                y: 0.5,
                tone: caller_tone,
                badge: Some(if busy >= pool { "POOL FULL".into() } else { format!("{busy}/{pool} busy") }),
                lines: vec![format!("pool {busy}/{pool} threads busy"), breaker_line],
                load: Some(busy as f32 / pool.max(1) as f32),
                actions: vec![],
            },
            NodeView {
                name: "dependency",
                label: "Dependency".into(),
                role: NodeRole::Dependency,
                x: 0.85,
                y: 0.5,
                tone: if !self.dependency_up {
                    Tone::Bad
                } else if active as u32 > self.cfg.dependency_capacity {
                    Tone::Warn
                } else {
                    Tone::Good
                },
                badge: Some(if self.dependency_up { "UP".into() } else { "DOWN".into() }),
                lines: vec![
                    format!("{active} calls in progress (capacity {})", self.cfg.dependency_capacity),
                    format!(
                        "{:.0} ms median, {:.0}% errors",
                        self.cfg.dependency_latency_us / 1000.0,
                        self.cfg.failure_ppm as f64 / 1e4
                    ),
                ],
                load: Some(active as f32 / self.cfg.dependency_capacity.max(1) as f32),
                actions: vec![if self.dependency_up {
                    NodeAction { label: "Take down", kind: ActionKind::Crash { node: "dependency".into() } }
                } else {
                    NodeAction { label: "Bring back up", kind: ActionKind::Restart { node: "dependency".into() } }
                }],
            },
        ];
        let links = vec![
            LinkView { a: 0, b: 1, cut: k.net.is_cut(CLIENTS, CALLER) },
            LinkView { a: 1, b: 2, cut: k.net.is_cut(CALLER, DEPENDENCY) },
        ];
        let messages = k
            .net
            .messages_in_flight()
            .map(|e| MessageView {
                from: e.from.0 as usize,
                to: e.to.0 as usize,
                sent: e.sent_at,
                deliver: e.deliver_at,
                tone: match &e.payload {
                    Msg::Request { .. } | Msg::Call { .. } => Tone::Neutral,
                    Msg::CallReply { ok: true, .. } => Tone::Good,
                    Msg::CallReply { ok: false, .. } => Tone::Bad,
                    Msg::Response { outcome: ClientOutcome::Succeeded, .. } => Tone::Good,
                    Msg::Response { outcome: ClientOutcome::Rejected, .. } => Tone::Info,
                    Msg::Response { outcome: ClientOutcome::TimedOut | ClientOutcome::PoolFull, .. } => Tone::Warn,
                    Msg::Response { .. } => Tone::Bad,
                },
            })
            .collect();
        let machine = self.cfg.breaker_on.then_some(MachineView {
            title: "Breaker state",
            states: MACHINE_STATES,
            current: state.index(),
            edges: MACHINE_EDGES,
        });
        StageView { nodes, links, messages, machine }
    }

    fn charts(&self) -> &'static [ChartSpec] {
        CHARTS
    }

    fn series(&self, k: &Kernel<Msg, Timer>, name: &str) -> Vec<(f64, f64)> {
        let now = k.now();
        let pool = self.cfg.pool_size.max(1) as f64;
        match name {
            "rate_succeeded" => self.outcome_series[0].points(now),
            "rate_failed" => self.outcome_series[1].points(now),
            "rate_timed_out" => self.outcome_series[2].points(now),
            "rate_rejected" => self.outcome_series[3].points(now),
            "rate_pool_full" => self.outcome_series[4].points(now),
            "latency_p50_ms" => self.latency_series.p50_points(now),
            "latency_p99_ms" => self.latency_series.p99_points(now),
            "pool_utilisation" => self.busy.points(now).into_iter().map(|(t, v)| (t, v / pool)).collect(),
            "dependency_concurrency" => self.dependency_active.points(now),
            "window_failure_rate" => self.window_failure.points(now).into_iter().map(|(t, v)| (t, v / 1e6)).collect(),
            "breaker_state" => {
                let mut pts: Vec<(f64, f64)> = self
                    .state_changes
                    .iter()
                    .filter(|(t, _)| *t <= now)
                    .map(|(t, s)| (t.as_secs_f64(), *s as f64))
                    .collect();
                if let Some(&(_, last)) = pts.last() {
                    pts.push((now.as_secs_f64(), last));
                }
                pts
            }
            _ => Vec::new(),
        }
    }

    fn metrics(&self, k: &Kernel<Msg, Timer>) -> Vec<(&'static str, f64)> {
        let completed = self.n_completed().max(1) as f64;
        vec![
            ("client_requests", self.n_client_requests as f64),
            ("dependency_calls", self.n_dependency_calls as f64),
            ("succeeded", self.n_succeeded as f64),
            ("failed", self.n_failed as f64),
            ("timed_out", self.n_timed_out as f64),
            ("rejected", self.n_rejected as f64),
            ("pool_full", self.n_pool_full as f64),
            ("retries", self.n_retries as f64),
            ("late_replies", self.n_late_replies as f64),
            ("success_ratio", self.n_succeeded as f64 / completed),
            ("local_requests", self.n_local_requests as f64),
            ("local_succeeded", self.n_local_succeeded as f64),
            ("local_success_ratio", self.n_local_succeeded as f64 / (self.n_local_requests.max(1) as f64)),
            ("latency_p50_ms", self.latency.quantile(0.5) as f64 / 1000.0),
            ("latency_p99_ms", self.latency.quantile(0.99) as f64 / 1000.0),
            ("transitions", self.breaker.n_transitions as f64),
            ("pool_busy_peak", self.busy.peak as f64),
            ("dependency_concurrency_peak", self.dependency_active.peak as f64),
            ("events", k.n_events() as f64),
        ]
    }

    fn counters(&self) -> Vec<CounterView> {
        let c = |name, label, v: &Violations, help| v.view(name, label, true, help);
        vec![
            c(
                "calls_while_open",
                "calls reaching the dependency while OPEN",
                &self.calls_while_open,
                "An open breaker must reject every call without touching the dependency.",
            ),
            c(
                "half_open_over_admitted",
                "probes beyond the half-open limit",
                &self.half_open_over_admitted,
                "HALF_OPEN admits at most the permitted number of probe calls.",
            ),
            c(
                "illegal_transitions",
                "illegal state transitions",
                &self.illegal_transitions,
                "Only CLOSED→OPEN, OPEN→HALF_OPEN, HALF_OPEN→CLOSED and HALF_OPEN→OPEN exist.",
            ),
            c(
                "window_not_reset",
                "windows not reset on transition",
                &self.window_not_reset,
                "Every transition starts an empty window.",
            ),
            c(
                "pool_over_capacity",
                "threads used beyond the pool size",
                &self.pool_over_capacity,
                "The caller never runs more calls than it has threads.",
            ),
            c(
                "requests_unaccounted",
                "requests answered twice or lost",
                &self.requests_unaccounted,
                "Every request is answered exactly once or still in progress.",
            ),
        ]
    }
}
