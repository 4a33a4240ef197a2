//! The cache-stampede system: clients → S app servers → a shared cache and a processor-sharing database
//! (cache-aside), its configuration, its invariants, and the dispatch of messages, timers and faults to
//! the actors (`cache.rs`, `servers.rs`, the database glue below). What the stage shows is `view.rs`;
//! the expiry-cycle bookkeeping is the observer's (`observer.rs`).

use std::collections::BTreeMap;

use crate::kernel::{
    ActionKind, Alarm, AlarmEdge, Envelope, Field, Histogram, InvariantSpec, Kernel, LinkSpec, NodeId, Params,
    PartitionMode, PeakGauge, PoissonArrivals, QuantileSeries, RngStream, Series, SeriesKind, SharedVec, SimTime,
    StepSeries,
};

use super::cache::{Entry, Value};
use super::db::Database;
use super::observer::{Context, Observer};
use super::protocol::{
    CACHE, CACHE_LINK_US, CLIENT_LINK_US, CLIENTS, DATABASE, DB_LINK_US, FIRST_SERVER, MAX_SERVERS, Msg, Strategy,
    Timer, server_node,
};
use super::servers::{Recompute, Server};
use super::theory;
use super::zipf::Zipf;

/// Width of the database and hit-ratio chart buckets: a 100 ms spike must not vanish in a 1 s average.
pub(super) const BUCKET_US: u64 = 100_000;
/// "Overloaded" is said once the database has stayed over its capacity this long (one query over it for a
/// moment is not an overload), and "recovered" once it has stayed at or under its capacity this long.
const OVERLOAD_HOLD_US: u64 = 200_000;
const RECOVERY_HOLD_US: u64 = 1_000_000;

/// The scene's invariants, in the order of [`INVARIANTS`].
#[derive(Clone, Copy)]
pub(super) enum Inv {
    HitsPlusMissesMismatch,
    GlobalLockConcurrentRecomputes,
    WaitersGotOtherVersion,
    UserVisibleMissesAfterWarm,
}

pub const INVARIANTS: &[InvariantSpec] = &[
    InvariantSpec::always(
        "hits_plus_misses_mismatch",
        "events where hits + misses ≠ requests",
        "Every request's first cache read is exactly one hit or one miss.",
    ),
    InvariantSpec::when(
        "global_lock_concurrent_recomputes",
        "events with two recomputes of one key under the global lock",
        "With the global lock at most one database query per key runs at a time.",
        "strategy",
        "global_lock",
    ),
    InvariantSpec::always(
        "waiters_got_other_version",
        "lock waiters given another recompute's value",
        "Every request that waited on a lock gets the value its lock holder wrote.",
    ),
    InvariantSpec::when(
        "user_visible_misses_after_warm",
        "user-visible misses on a warm key under swr",
        "Stale-while-revalidate serves a key that had a cached value (not flushed) from the cache, never \
         from the database: no request for it waits.",
        "strategy",
        "swr",
    ),
];

#[derive(Clone, Debug)]
pub(super) struct Config {
    pub request_rate: f64,
    pub hot_keys: usize,
    pub zipf_s: f64,
    pub ttl_us: u64,
    pub ttl_jitter: f64,
    pub recompute_us: u64,
    pub db_capacity: u32,
    pub db_max_connections: u32,
    pub servers: usize,
    pub strategy: Strategy,
    pub xfetch_beta: f64,
    pub swr_grace_us: u64,
    pub lock_poll_us: u64,
}

impl Config {
    fn from_params(p: &Params) -> Self {
        Config {
            request_rate: p.num("request_rate"),
            hot_keys: (p.num("hot_keys") as usize).max(1),
            zipf_s: p.num("zipf_s"),
            ttl_us: ((p.num("ttl_s") * 1e6) as u64).max(1),
            ttl_jitter: p.num("ttl_jitter").clamp(0.0, 1.0),
            recompute_us: ((p.num("recompute_ms") * 1e3) as u64).max(1),
            db_capacity: (p.num("db_capacity") as u32).max(1),
            db_max_connections: (p.num("db_max_connections") as u32).max(1),
            servers: (p.num("servers") as usize).clamp(1, MAX_SERVERS),
            strategy: Strategy::from_name(p.choice("strategy")),
            xfetch_beta: p.num("xfetch_beta"),
            swr_grace_us: (p.num("swr_grace_s") * 1e6) as u64,
            lock_poll_us: ((p.num("lock_poll_ms") * 1e3) as u64).max(1),
        }
    }
}

#[derive(Clone, Debug)]
pub struct StampedeModel {
    pub(super) cfg: Config,
    pub(super) zipf: Zipf,
    pub(super) entries: SharedVec<Entry>,
    pub(super) servers: Vec<Server>,
    pub(super) db: Database,
    db_timer_epoch: u64,
    db_timer_at: Option<SimTime>,
    /// Latest version computed by the database, per key.
    db_version: SharedVec<u64>,
    pub(super) recomputes: BTreeMap<u64, Recompute>,
    /// Database queries in flight per key (query sent → reply received) started by a global-lock holder.
    /// Queries started before a switch to `global_lock` are not the lock's business.
    pub(super) key_queries: SharedVec<u32>,
    pub(super) n_keys_multi_query: u32,
    pub(super) observer: Observer,
    next_req: u64,
    pub(super) next_rc: u64,
    arrivals: PoissonArrivals,
    key_rng: RngStream,
    lb_rng: RngStream,
    pub(super) xfetch_rng: RngStream,
    pub(super) jitter_rng: RngStream,
    /// "Overloaded / recovered" narration, and the check scheduled for its pending decision.
    pub(super) db_alarm: Alarm,
    alarm_check: (u64, Option<SimTime>),
    /// False while the database is down (a crash by click or script): every query fails at once.
    pub(super) db_up: bool,
    // Counts.
    pub n_client_requests: u64,
    pub n_requests: u64,
    pub n_hits: u64,
    pub n_misses: u64,
    pub n_stale_served: u64,
    pub n_user_visible_misses: u64,
    /// User-visible misses of requests whose key was warm at their first read (any strategy).
    pub n_uvm_on_warm_keys: u64,
    pub n_errors: u64,
    pub n_responses: u64,
    pub n_cache_reads: u64,
    pub n_lock_polls: u64,
    pub n_waiters: u64,
    pub n_recomputes: u64,
    pub n_db_queries: u64,
    pub n_db_refused: u64,
    pub n_early_refreshes: u64,
    /// Concurrent recomputes racing to write: a slower, older result overwrote a newer one.
    pub n_older_version_writes: u64,
    pub(super) latency: Histogram,
    pub(super) latency_series: QuantileSeries,
    pub(super) db_level: PeakGauge,
    pub(super) db_qps: Series,
    pub(super) db_refused: Series,
    pub(super) hits_series: Series,
    pub(super) stale_series: Series,
    pub(super) requests_series: Series,
    pub(super) theory_line: StepSeries,
    pub(super) capacity_line: StepSeries,
}

impl StampedeModel {
    pub fn new(params: &Params, k: &mut Kernel<Msg, Timer>) -> Self {
        let cfg = Config::from_params(params);
        k.net.mode = PartitionMode::Hold;
        k.net.set_default_link(LinkSpec::fixed_ms(1));
        for i in 0..MAX_SERVERS {
            let s = server_node(i);
            k.net.set_link(CLIENTS, s, LinkSpec { latency_median_us: CLIENT_LINK_US, latency_sigma: 0.0, loss_ppm: 0 });
            k.net.set_link(s, CACHE, LinkSpec { latency_median_us: CACHE_LINK_US, latency_sigma: 0.0, loss_ppm: 0 });
            k.net.set_link(s, DATABASE, LinkSpec { latency_median_us: DB_LINK_US, latency_sigma: 0.0, loss_ppm: 0 });
        }
        // The cache starts warm, as if the system had been running: each key's first expiry falls uniformly
        // within one TTL, and its last recompute took R.
        let mut warm = k.rng("cache.warm_start");
        let entries = (0..cfg.hot_keys)
            .map(|_| Entry {
                value: Some(Value {
                    version: 0,
                    writer: 0,
                    expires_at: SimTime(1 + warm.below(cfg.ttl_us)),
                    delta_us: cfg.recompute_us,
                    by_lock: false,
                }),
                ..Entry::default()
            })
            .collect();
        let cap = cfg.db_capacity as f64;
        let mut m = StampedeModel {
            zipf: Zipf::new(cfg.hot_keys, cfg.zipf_s),
            entries,
            servers: vec![Server::default(); cfg.servers],
            db: Database::new(cfg.db_capacity, cfg.db_max_connections),
            db_timer_epoch: 0,
            db_timer_at: None,
            db_version: (0..cfg.hot_keys).map(|_| 0).collect(),
            recomputes: BTreeMap::new(),
            key_queries: (0..cfg.hot_keys).map(|_| 0).collect(),
            n_keys_multi_query: 0,
            observer: Observer::warm_start(cfg.hot_keys),
            next_req: 0,
            next_rc: 1,
            arrivals: PoissonArrivals::new(k.seed(), cfg.request_rate),
            key_rng: k.rng("clients.keys"),
            lb_rng: k.rng("load_balancer"),
            xfetch_rng: k.rng("xfetch"),
            jitter_rng: k.rng("ttl_jitter"),
            db_alarm: Alarm::new(cap, cap).raise_after(OVERLOAD_HOLD_US).clear_after(RECOVERY_HOLD_US),
            alarm_check: (0, None),
            db_up: true,
            n_client_requests: 0,
            n_requests: 0,
            n_hits: 0,
            n_misses: 0,
            n_stale_served: 0,
            n_user_visible_misses: 0,
            n_uvm_on_warm_keys: 0,
            n_errors: 0,
            n_responses: 0,
            n_cache_reads: 0,
            n_lock_polls: 0,
            n_waiters: 0,
            n_recomputes: 0,
            n_db_queries: 0,
            n_db_refused: 0,
            n_early_refreshes: 0,
            n_older_version_writes: 0,
            latency: Histogram::default(),
            latency_series: QuantileSeries::default(),
            db_level: PeakGauge::new(BUCKET_US),
            db_qps: Series::with_width(SeriesKind::Rate, BUCKET_US, 1024),
            db_refused: Series::with_width(SeriesKind::Rate, BUCKET_US, 1024),
            hits_series: Series::with_width(SeriesKind::Rate, BUCKET_US, 1024),
            stale_series: Series::with_width(SeriesKind::Rate, BUCKET_US, 1024),
            requests_series: Series::with_width(SeriesKind::Rate, BUCKET_US, 1024),
            theory_line: StepSeries::default(),
            capacity_line: StepSeries::default(),
            cfg,
        };
        m.note_lines(SimTime::ZERO);
        m
    }

    /// Request rate of key `key` (λᵢ = request_rate × its Zipf share).
    pub fn key_rate(&self, key: usize) -> f64 {
        self.cfg.request_rate * self.zipf.share(key)
    }

    /// The theory line's value for the hottest key under the current strategy (1 + λ·R with none).
    pub fn theory_peak(&self) -> f64 {
        let c = &self.cfg;
        theory::theory_peak(c.strategy, self.key_rate(0), c.recompute_us, c.servers, c.xfetch_beta)
    }

    /// Expected recomputes per expiry of the hottest key under the current strategy.
    pub fn theory_recomputes(&self) -> f64 {
        let c = &self.cfg;
        theory::theory_recomputes(c.strategy, self.key_rate(0), c.recompute_us, c.servers, c.xfetch_beta)
    }

    fn note_lines(&mut self, now: SimTime) {
        self.theory_line.set(now, self.theory_peak());
        self.capacity_line.set(now, self.cfg.db_capacity as f64);
    }

    pub(super) fn narration_context(&self, key: u32) -> Context {
        Context {
            strategy: self.cfg.strategy,
            servers: self.cfg.servers,
            recompute_us: self.cfg.recompute_us,
            key_rate: self.key_rate(key as usize),
        }
    }

    pub(super) fn server_idx(node: NodeId) -> usize {
        (node.0 - FIRST_SERVER) as usize
    }

    pub(super) fn ensure_key(&mut self, key: usize, now: SimTime) {
        while self.entries.len() <= key {
            self.entries.push(Entry::default());
            self.db_version.push(0);
            self.key_queries.push(0);
        }
        self.observer.ensure_key(key, now);
    }

    fn apply_config(&mut self, k: &mut Kernel<Msg, Timer>, params: &Params) {
        let now = k.now();
        let old = self.cfg.clone();
        self.cfg = Config::from_params(params);
        if old.hot_keys != self.cfg.hot_keys || old.zipf_s != self.cfg.zipf_s {
            self.zipf = Zipf::new(self.cfg.hot_keys, self.cfg.zipf_s);
            self.ensure_key(self.cfg.hot_keys - 1, now);
        }
        while self.servers.len() < self.cfg.servers {
            self.servers.push(Server::default());
        }
        self.db.reconfigure(now, self.cfg.db_capacity, self.cfg.db_max_connections);
        let cap = self.cfg.db_capacity as f64;
        self.db_alarm.set_thresholds(cap, cap);
        self.arrivals.set_rate(k, self.cfg.request_rate, Timer::Arrival);
        self.note_lines(now);
        self.db_changed(k);
    }

    // ---- the database -----------------------------------------------------------------------------------

    pub(super) fn db_changed(&mut self, k: &mut Kernel<Msg, Timer>) {
        let now = k.now();
        let n = self.db.n_running() as i64;
        self.db_level.set(now, n);
        if let Some(t) = self.db.next_finish()
            && self.db_timer_at != Some(t)
        {
            self.db_timer_epoch += 1;
            self.db_timer_at = Some(t);
            k.schedule_at(t, Timer::DbDone { epoch: self.db_timer_epoch });
        }
        let cap = self.cfg.db_capacity as i64;
        let fields = || vec![("running", Field::from(n)), ("capacity", Field::from(cap))];
        let with_state = |state: &str| {
            let mut f = fields();
            f.insert(0, ("state", Field::from(state)));
            f
        };
        match self.db_alarm.update(now, n as f64) {
            Some(AlarmEdge::Raised { since }) => {
                // `state` tells the two lines of this kind apart for programs reading the events.
                let r_ms = self.cfg.recompute_us as f64 / 1e3;
                k.emit(
                    "overload",
                    format!(
                        "database OVERLOADED: {n} queries share a capacity of {cap} (over it for {:.0} ms), so each \
                         query takes {:.0} ms instead of {r_ms:.0} ms: values come back later and more requests miss",
                        (now - since) as f64 / 1e3,
                        r_ms * n as f64 / cap as f64
                    ),
                    with_state("overloaded"),
                )
            }
            Some(AlarmEdge::Cleared { since, quiet_from }) => {
                let overloaded_s = (quiet_from - since) as f64 / 1e6;
                let mut fields = with_state("recovered");
                fields.push(("overloaded_s", Field::from(overloaded_s)));
                k.emit(
                    "overload",
                    format!(
                        "database recovered: {n} queries running (capacity {cap}) after {overloaded_s:.1} s overloaded"
                    ),
                    fields,
                )
            }
            None => {}
        }
        if let Some(at) = self.db_alarm.pending_until()
            && self.alarm_check.1 != Some(at)
        {
            self.alarm_check = (self.alarm_check.0 + 1, Some(at));
            k.schedule_at(at, Timer::OverloadCheck { epoch: self.alarm_check.0 });
        }
    }

    fn on_query(&mut self, k: &mut Kernel<Msg, Timer>, from: NodeId, rc: u64, key: u32) {
        let now = k.now();
        self.n_db_queries += 1;
        self.db_qps.add(now, 1.0);
        if self.db_up && self.db.start(now, rc, self.cfg.recompute_us) {
            self.db_changed(k);
        } else {
            self.n_db_refused += 1;
            self.db_refused.add(now, 1.0);
            k.send(DATABASE, from, Msg::QueryReply { rc, key, version: 0, ok: false });
        }
    }

    fn on_db_done(&mut self, k: &mut Kernel<Msg, Timer>, epoch: u64) {
        if epoch != self.db_timer_epoch {
            return; // Superseded: the finishing time moved when the number of queries did.
        }
        self.db_timer_at = None;
        for rc in self.db.finish_due(k.now()) {
            let Some(r) = self.recomputes.get(&rc) else { continue };
            let (key, server) = (r.key, r.server);
            let v = &mut self.db_version[key as usize];
            *v += 1;
            let version = *v;
            k.send(DATABASE, server_node(server as usize), Msg::QueryReply { rc, key, version, ok: true });
        }
        self.db_changed(k);
    }

    fn crash_database(&mut self, k: &mut Kernel<Msg, Timer>) {
        self.db_up = false;
        let lost = self.db.abort_all(k.now());
        for &rc in &lost {
            if let Some(r) = self.recomputes.get(&rc) {
                let (key, server) = (r.key, r.server);
                k.send(DATABASE, server_node(server as usize), Msg::QueryReply { rc, key, version: 0, ok: false });
            }
        }
        self.db_changed(k);
        k.emit(
            "fault",
            format!(
                "database DOWN: {} queries in progress fail, and every recompute fails until it is back; hits still work",
                lost.len()
            ),
            vec![("node", Field::from("database")), ("lost_queries", Field::from(lost.len()))],
        );
    }
}

impl crate::kernel::Model for StampedeModel {
    type Msg = Msg;
    type Timer = Timer;
    const INVARIANTS: &'static [InvariantSpec] = INVARIANTS;

    fn start(&mut self, k: &mut Kernel<Msg, Timer>) {
        self.arrivals.start(k, Timer::Arrival);
    }

    fn on_message(&mut self, k: &mut Kernel<Msg, Timer>, env: Envelope<Msg>) {
        let from = env.from;
        match env.payload {
            Msg::Request { req, key, created } => {
                k.send(env.to, CACHE, Msg::Get { req, key, created, poll: None });
            }
            Msg::Get { req, key, created, poll } => self.cache_get(k, from, req, key, created, poll),
            Msg::Reply { req, key, created, poll, read } => {
                let server = Self::server_idx(env.to) as u16;
                self.on_reply(k, server, req, key, created, poll, read);
            }
            Msg::Query { rc, key } => self.on_query(k, from, rc, key),
            Msg::QueryReply { rc, key, version, ok } => self.on_query_reply(k, rc, key, version, ok),
            Msg::Set { rc, key, version, ttl_us, delta_us } => {
                self.cache_set(k, from, rc, key, version, ttl_us, delta_us)
            }
            Msg::SetAck { rc } => self.finish_recompute(k, rc, true),
            Msg::Unlock { rc, key } => self.cache_unlock(rc, key),
            Msg::Response { created, .. } => {
                let now = k.now();
                self.n_responses += 1;
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
                let key = self.zipf.pick(&mut self.key_rng) as u32;
                let server = self.lb_rng.below(self.cfg.servers as u64) as usize;
                k.send(CLIENTS, server_node(server), Msg::Request { req, key, created: k.now() });
                self.arrivals.fired(k, Timer::Arrival);
            }
            Timer::DbDone { epoch } => self.on_db_done(k, epoch),
            Timer::OverloadCheck { epoch } if epoch == self.alarm_check.0 => {
                self.alarm_check.1 = None;
                self.db_changed(k);
            }
            Timer::OverloadCheck { .. } => {}
            Timer::Poll { server, req, key, created, poll } => {
                k.send(server_node(server as usize), CACHE, Msg::Get { req, key, created, poll: Some(poll) });
            }
        }
    }

    fn on_action(&mut self, k: &mut Kernel<Msg, Timer>, action: &ActionKind, params: &Params) {
        let now = k.now();
        match action {
            ActionKind::Trigger { name } if name == "flush" => {
                let n_dropped = self.cache_flush(now);
                k.emit(
                    "action",
                    format!("cache FLUSHED: {n_dropped} values dropped; every key now misses until it is recomputed"),
                    vec![("action", Field::from("flush")), ("dropped", Field::from(n_dropped))],
                );
            }
            ActionKind::Trigger { name } if name == "expire_hot" => {
                let rate = self.key_rate(0);
                if let Some(v) = self.entries.get_mut(0).and_then(|e| e.value.as_mut()) {
                    v.expires_at = v.expires_at.min(now);
                }
                self.observer.on_expire_hot();
                k.emit(
                    "action",
                    format!("hot key #1 expired by hand ({rate:.0} req/s ask for it)"),
                    vec![("action", Field::from("expire_hot")), ("key", Field::from(0u64))],
                );
            }
            ActionKind::Set { .. } => self.apply_config(k, params),
            ActionKind::Crash { node } if node == "database" && self.db_up => self.crash_database(k),
            ActionKind::Restart { node } if node == "database" && !self.db_up => {
                self.db_up = true;
                k.emit(
                    "fault",
                    "database back UP: every key that expired meanwhile is recomputed at once".into(),
                    vec![("node", Field::from("database"))],
                );
            }
            ActionKind::Crash { node } | ActionKind::Restart { node } if node == "database" => {}
            ActionKind::Crash { node } | ActionKind::Restart { node } => {
                k.emit(
                    "fault",
                    format!(
                        "{node}: only the database can crash in this scene (or flush the cache, expire the hot key, cut a link)"
                    ),
                    vec![("node", Field::from(node.as_str()))],
                );
            }
            ActionKind::Trigger { name } => {
                k.emit("fault", format!("unknown trigger '{name}' ignored"), vec![]);
            }
            ActionKind::Cut { .. } | ActionKind::Heal { .. } => {}
        }
    }

    fn check_invariants(&self, k: &mut Kernel<Msg, Timer>) {
        k.check(Inv::HitsPlusMissesMismatch as usize, self.n_hits + self.n_misses == self.n_requests);
        k.check(Inv::GlobalLockConcurrentRecomputes as usize, self.n_keys_multi_query == 0);
    }

    fn node_ids(&self, name: &str) -> Vec<NodeId> {
        match name {
            "clients" => vec![CLIENTS],
            "cache" => vec![CACHE],
            "database" => vec![DATABASE],
            "apps" => (0..self.cfg.servers).map(server_node).collect(),
            _ => name
                .strip_prefix("app")
                .and_then(|n| n.parse::<usize>().ok())
                .filter(|n| (1..=self.cfg.servers).contains(n))
                .map(|n| server_node(n - 1))
                .into_iter()
                .collect(),
        }
    }
}
