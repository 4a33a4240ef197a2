//! The cache-stampede topology: clients → S app servers → a shared cache → a processor-sharing database,
//! and the five ways an app server can react to a miss (`none`, `single_flight`, `global_lock`, `xfetch`,
//! `swr`).
//!
//! A request's life, as messages the stage animates:
//!
//! ```text
//! clients ─Request─▶ app server ─Get─▶ cache ─Reply─▶ app server ──────────────────────────▶ Response ─▶ clients
//!                                                        │ miss: ─Query─▶ database ─QueryReply─▶
//!                                                        │       ─Set(value, TTL)─▶ cache ─SetAck─▶ answer the waiters
//! ```
//!
//! The cache classifies every request's *first* read as a hit or a miss (so hits + misses = requests holds
//! at every event). What the server then does with a miss is the strategy. Each recompute's result gets a
//! version number, and every cache write carries the id of the recompute that made it, so a lock waiter can
//! check that the value it finally reads is the one its lock holder wrote.
//!
//! **Expiry cycles.** The cache numbers each key's cycles (`cycle`): a read reports the key's current cycle,
//! a recompute is attributed to the cycle of the read that started it, and the first write attributed to the
//! current cycle closes it. Once a closed cycle has no read replies still in flight (which could yet start a
//! recompute), the model emits one `expiry` event with the number of recomputes that cycle started — the
//! quantity the theory 1 + λ·(R + round trips) predicts for `none`, S for `single_flight`, 1 for
//! `global_lock`.

use std::collections::BTreeMap;

use crate::kernel::{
    Envelope, Field, Histogram, Kernel, LinkSpec, NodeId, PartitionMode, PoissonArrivals, QuantileSeries, RngStream,
    Series, SeriesKind, SimTime,
};
use crate::scene::{
    ActionKind, ChartSpec, CounterView, LinkView, MachineView, MessageView, NodeAction, NodeRole, NodeView, Params,
    StageView, Tone,
};

use super::CHARTS;
use super::db::Database;
use super::zipf::Zipf;

pub const CLIENTS: NodeId = NodeId(0);
pub const CACHE: NodeId = NodeId(1);
pub const DATABASE: NodeId = NodeId(2);
/// Servers are nodes 3.. (`server_node(0)` = "app1").
const FIRST_SERVER: u16 = 3;
/// Up to this many servers are drawn one node each; more are drawn as one group node ("apps").
pub const MAX_DRAWN_SERVERS: usize = 8;
pub const NODE_NAMES: [&str; 12] =
    ["clients", "cache", "database", "app1", "app2", "app3", "app4", "app5", "app6", "app7", "app8", "apps"];

/// One-way link latencies (fixed, so the theory's round trips are exact).
pub const CLIENT_LINK_US: u64 = 5_000;
pub const CACHE_LINK_US: u64 = 1_000;
pub const DB_LINK_US: u64 = 2_000;
/// Width of the database and hit-ratio chart buckets: a 100 ms spike must not vanish in a 1 s average.
const BUCKET_US: u64 = 100_000;

/// The hottest key's life, drawn with the live state lit. Without stale-while-revalidate a stampede is the
/// time spent in RECOMPUTING with many recomputes at once; with it, the key serves its stale value while one
/// refresh runs. (Laid out like the breaker's triangle: state 0 bottom left, 1 on top, 2 bottom right.)
pub const KEY_STATES: &[(&str, Tone)] = &[("FRESH", Tone::Good), ("RECOMPUTING", Tone::Warn), ("EXPIRED", Tone::Bad)];
pub const KEY_EDGES: &[(usize, usize, &str)] =
    &[(0, 2, "TTL elapsed"), (2, 1, "a read misses"), (1, 0, "value written")];
pub const SWR_KEY_STATES: &[(&str, Tone)] =
    &[("FRESH", Tone::Good), ("EXPIRED", Tone::Bad), ("SERVING STALE", Tone::Info)];
pub const SWR_KEY_EDGES: &[(usize, usize, &str)] =
    &[(0, 2, "TTL elapsed"), (2, 0, "refresh written"), (2, 1, "grace over"), (1, 0, "recomputed")];

pub fn server_node(idx: usize) -> NodeId {
    NodeId(FIRST_SERVER + idx as u16)
}

/// Expected recomputes per expiry of a key with no protection, the database under capacity: the first
/// request after the expiry misses, and so does every request reaching the cache before the new value is
/// written — `R` of database time plus the round trips server↔cache (reply, write) and server↔database.
/// With Poisson arrivals that window holds Poisson(λ·window) more misses.
pub fn expected_recomputes_per_expiry(lambda_per_s: f64, recompute_us: u64) -> f64 {
    let window_us = recompute_us + 2 * CACHE_LINK_US + 2 * DB_LINK_US;
    1.0 + lambda_per_s * window_us as f64 / 1e6
}

/// Expected database concurrency of one unprotected stampede just before its first recompute returns:
/// the queries started within R of the first, 1 + λ·R (the theory line on the chart).
pub fn expected_peak_db_concurrency(lambda_per_s: f64, recompute_us: u64) -> f64 {
    1.0 + lambda_per_s * recompute_us as f64 / 1e6
}

/// What an app server does on a miss.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Strategy {
    None,
    SingleFlight,
    GlobalLock,
    XFetch,
    Swr,
}

impl Strategy {
    pub fn from_name(s: &str) -> Self {
        match s {
            "single_flight" => Strategy::SingleFlight,
            "global_lock" => Strategy::GlobalLock,
            "xfetch" => Strategy::XFetch,
            "swr" => Strategy::Swr,
            _ => Strategy::None,
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Strategy::None => "no protection",
            Strategy::SingleFlight => "single-flight",
            Strategy::GlobalLock => "global lock",
            Strategy::XFetch => "XFetch",
            Strategy::Swr => "stale-while-revalidate",
        }
    }
}

/// Why a key's cycle needed a recompute.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Cause {
    /// The value's TTL ran out.
    Ttl,
    /// Expired by hand ("expire hot key").
    ExpireHot,
    /// The cache was flushed.
    Flush,
    /// The key had never been loaded (it was added by raising `hot_keys`).
    Cold,
    /// XFetch refreshed a still-fresh value.
    Early,
}

impl Cause {
    pub fn as_str(self) -> &'static str {
        match self {
            Cause::Ttl => "ttl",
            Cause::ExpireHot => "expire_hot",
            Cause::Flush => "flush",
            Cause::Cold => "cold",
            Cause::Early => "early",
        }
    }
}

/// A lock waiter's poll: whose recompute it waits for, and whether its key was warm at its first read.
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq)]
pub struct Poll {
    pub awaited: u64,
    pub warm: bool,
}

/// The global lock's answer on a miss.
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq)]
pub enum Lock {
    NotUsed,
    /// This reader holds the lock; the token is its recompute id.
    Granted(u64),
    /// Another recompute holds it.
    HeldBy(u64),
}

/// What a cache read found.
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq)]
pub enum Read {
    Fresh {
        version: u64,
        writer: u64,
        by_lock: bool,
        expires_at: SimTime,
        delta_us: u64,
    },
    /// swr: expired but within the grace window; `refresh` is a refresh lease if this reader got it.
    Stale {
        version: u64,
        writer: u64,
        refresh: Option<u64>,
    },
    Miss {
        lock: Lock,
    },
}

/// How a request was answered.
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq)]
pub enum Outcome {
    Hit,
    Stale,
    /// It waited on the database (a user-visible miss).
    Waited,
    /// Its recompute was refused by the database.
    Error,
}

#[derive(Clone, Debug, Hash)]
pub enum Msg {
    Request {
        req: u64,
        key: u32,
        created: SimTime,
    },
    Get {
        req: u64,
        key: u32,
        created: SimTime,
        poll: Option<Poll>,
    },
    Reply {
        req: u64,
        key: u32,
        created: SimTime,
        poll: Option<Poll>,
        read: Read,
        cycle: u64,
        warm: bool,
        cause: Cause,
        at: SimTime,
        tracked: bool,
    },
    Query {
        rc: u64,
        key: u32,
    },
    QueryReply {
        rc: u64,
        key: u32,
        version: u64,
        ok: bool,
    },
    Set {
        rc: u64,
        key: u32,
        version: u64,
        ttl_us: u64,
        delta_us: u64,
        cycle: u64,
    },
    SetAck {
        rc: u64,
    },
    Unlock {
        rc: u64,
        key: u32,
    },
    Response {
        req: u64,
        created: SimTime,
        outcome: Outcome,
    },
}

#[derive(Clone, Debug, Hash)]
pub enum Timer {
    Arrival,
    DbDone { epoch: u64 },
    Poll { server: u16, req: u64, key: u32, created: SimTime, poll: Poll },
}

#[derive(Clone, Debug)]
struct Config {
    request_rate: f64,
    hot_keys: usize,
    zipf_s: f64,
    ttl_us: u64,
    ttl_jitter: f64,
    recompute_us: u64,
    db_capacity: u32,
    db_max_connections: u32,
    servers: usize,
    strategy: Strategy,
    xfetch_beta: f64,
    swr_grace_us: u64,
    lock_poll_us: u64,
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
            servers: (p.num("servers") as usize).clamp(1, 64),
            strategy: Strategy::from_name(p.choice("strategy")),
            xfetch_beta: p.num("xfetch_beta"),
            swr_grace_us: (p.num("swr_grace_s") * 1e6) as u64,
            lock_poll_us: ((p.num("lock_poll_ms") * 1e3) as u64).max(1),
        }
    }
}

/// A value in the cache.
#[derive(Clone, Copy, Debug)]
struct Value {
    version: u64,
    /// Id of the recompute that wrote it (0 = loaded before the run).
    writer: u64,
    expires_at: SimTime,
    /// Duration of the recompute that produced it (XFetch's δ).
    delta_us: u64,
    /// Expired by hand.
    forced: bool,
    /// Written by a global-lock holder (not by a recompute started before a switch to `global_lock`).
    by_lock: bool,
}

/// One key's slot in the cache.
#[derive(Clone, Debug)]
struct Entry {
    value: Option<Value>,
    /// Holder of the global lock (a recompute id).
    lock: Option<u64>,
    /// Holder of the swr refresh lease.
    refreshing: Option<u64>,
    /// Written at least once since the last flush (or loaded at start).
    warm: bool,
    flushed: bool,
    cold_since: SimTime,
    /// Current cycle number; the first write attributed to it closes it.
    cycle: u64,
}

impl Entry {
    fn cold(now: SimTime) -> Self {
        Entry { value: None, lock: None, refreshing: None, warm: false, flushed: false, cold_since: now, cycle: 0 }
    }
}

/// A request waiting on a recompute.
#[derive(Clone, Copy, Debug)]
struct Waiter {
    req: u64,
    created: SimTime,
    /// Its key was warm at its first read (for the swr after-warm counter).
    warm: bool,
    /// It joined another request's single-flight (counted as waiting on its server).
    joined: bool,
}

/// A recompute in progress: a database query, then a cache write.
#[derive(Clone, Debug)]
struct Recompute {
    key: u32,
    server: u16,
    cycle: u64,
    started: SimTime,
    waiters: Vec<Waiter>,
    /// XFetch: the value the request already read, answered if the refresh fails.
    early: bool,
    /// Started by the holder of the global lock.
    locked: bool,
    version: u64,
}

/// Bookkeeping of one key's cycle (the model's, not the simulated system's).
#[derive(Clone, Debug)]
struct Cycle {
    recomputes: u32,
    first_start: Option<SimTime>,
    cause: Cause,
    at: SimTime,
    /// Read replies of this cycle still in flight to servers (each may yet start a recompute).
    pending: u32,
    closed: bool,
}

#[derive(Clone, Debug, Default)]
struct Server {
    /// single_flight: key → the recompute in flight for it on this server.
    flights: BTreeMap<u32, u64>,
    n_waiting: u32,
    n_recomputing: u32,
}

/// A correctness counter and when it first went non-zero.
#[derive(Clone, Copy, Debug, Default)]
struct Violations {
    count: u64,
    first_at: Option<SimTime>,
}

impl Violations {
    fn hit(&mut self, now: SimTime) {
        self.count += 1;
        self.first_at.get_or_insert(now);
    }
}

/// An integer level whose per-bucket *peak* is kept (a stampede lasting 100 ms must show its height).
#[derive(Clone, Debug)]
struct PeakLevel {
    level: i64,
    since: SimTime,
    series: Series,
}

impl PeakLevel {
    fn new() -> Self {
        PeakLevel { level: 0, since: SimTime::ZERO, series: Series::with_width(SeriesKind::Max, BUCKET_US, 1024) }
    }
    fn set(&mut self, now: SimTime, level: i64) {
        if self.level > 0 {
            // The old level held in every bucket from `since` to `now`.
            let mut t = self.since;
            while t <= now {
                self.series.max(t, self.level as f64);
                let w = self.series.width_us();
                t = SimTime((t.0 / w + 1) * w);
            }
        }
        self.series.max(now, level as f64);
        self.level = level;
        self.since = now;
    }
    fn points(&self, now: SimTime) -> Vec<(f64, f64)> {
        let mut me = self.clone();
        me.set(now, self.level);
        me.series.points(now)
    }
}

#[derive(Clone, Debug)]
pub struct StampedeModel {
    cfg: Config,
    zipf: Zipf,
    entries: Vec<Entry>,
    servers: Vec<Server>,
    db: Database,
    db_timer_epoch: u64,
    db_timer_at: Option<SimTime>,
    /// Latest version computed by the database, per key.
    db_version: Vec<u64>,
    recomputes: BTreeMap<u64, Recompute>,
    /// Database queries in flight per key (query sent → reply received) started by a global-lock holder.
    /// Queries started before a switch to `global_lock` are not the lock's business.
    key_queries: Vec<u32>,
    n_keys_multi_query: u32,
    cycles: BTreeMap<(u32, u64), Cycle>,
    next_req: u64,
    next_rc: u64,
    arrivals: PoissonArrivals,
    key_rng: RngStream,
    lb_rng: RngStream,
    xfetch_rng: RngStream,
    jitter_rng: RngStream,
    db_overloaded: bool,
    /// False while the database is down (a crash by click or script): every query fails at once.
    db_up: bool,
    // Counts.
    pub n_client_requests: u64,
    pub n_requests: u64,
    pub n_hits: u64,
    pub n_misses: u64,
    pub n_stale_served: u64,
    pub n_user_visible_misses: u64,
    pub n_errors: u64,
    pub n_responses: u64,
    pub n_cache_reads: u64,
    pub n_lock_polls: u64,
    pub n_waiters: u64,
    pub n_recomputes: u64,
    pub n_db_queries: u64,
    pub n_db_refused: u64,
    pub n_early_refreshes: u64,
    pub n_expiries: u64,
    pub n_expiry_recomputes: u64,
    /// Hottest key, TTL-caused cycles only: the quantity the theory predicts.
    n_hot_ttl_expiries: u64,
    n_hot_ttl_recomputes: u64,
    db_peak: i64,
    overloaded_us: u64,
    overloaded_since: Option<SimTime>,
    latency: Histogram,
    latency_series: QuantileSeries,
    db_level: PeakLevel,
    db_qps: Series,
    db_refused: Series,
    hits_series: Series,
    stale_series: Series,
    requests_series: Series,
    /// (time, value) whenever the parameters behind a constant line change.
    theory_changes: Vec<(SimTime, f64)>,
    capacity_changes: Vec<(SimTime, f64)>,
    // Invariants and anomalies.
    hits_plus_misses_mismatch: Violations,
    global_lock_concurrent: Violations,
    waiters_other_version: Violations,
    uvm_after_warm: Violations,
    older_version_writes: Violations,
}

impl StampedeModel {
    pub fn new(params: &Params, k: &mut Kernel<Msg, Timer>) -> Self {
        let cfg = Config::from_params(params);
        k.net.mode = PartitionMode::Hold;
        k.net.set_default_link(LinkSpec::fixed_ms(1));
        for i in 0..64 {
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
                    forced: false,
                    by_lock: false,
                }),
                warm: true,
                ..Entry::cold(SimTime::ZERO)
            })
            .collect();
        let mut m = StampedeModel {
            zipf: Zipf::new(cfg.hot_keys, cfg.zipf_s),
            entries,
            servers: vec![Server::default(); cfg.servers],
            db: Database::new(cfg.db_capacity, cfg.db_max_connections),
            db_timer_epoch: 0,
            db_timer_at: None,
            db_version: vec![0; cfg.hot_keys],
            recomputes: BTreeMap::new(),
            key_queries: vec![0; cfg.hot_keys],
            n_keys_multi_query: 0,
            cycles: BTreeMap::new(),
            next_req: 0,
            next_rc: 1,
            arrivals: PoissonArrivals::new(k.seed()),
            key_rng: k.rng("clients.keys"),
            lb_rng: k.rng("load_balancer"),
            xfetch_rng: k.rng("xfetch"),
            jitter_rng: k.rng("ttl_jitter"),
            db_overloaded: false,
            db_up: true,
            n_client_requests: 0,
            n_requests: 0,
            n_hits: 0,
            n_misses: 0,
            n_stale_served: 0,
            n_user_visible_misses: 0,
            n_errors: 0,
            n_responses: 0,
            n_cache_reads: 0,
            n_lock_polls: 0,
            n_waiters: 0,
            n_recomputes: 0,
            n_db_queries: 0,
            n_db_refused: 0,
            n_early_refreshes: 0,
            n_expiries: 0,
            n_expiry_recomputes: 0,
            n_hot_ttl_expiries: 0,
            n_hot_ttl_recomputes: 0,
            db_peak: 0,
            overloaded_us: 0,
            overloaded_since: None,
            latency: Histogram::default(),
            latency_series: QuantileSeries::default(),
            db_level: PeakLevel::new(),
            db_qps: Series::with_width(SeriesKind::Rate, BUCKET_US, 1024),
            db_refused: Series::with_width(SeriesKind::Rate, BUCKET_US, 1024),
            hits_series: Series::with_width(SeriesKind::Rate, BUCKET_US, 1024),
            stale_series: Series::with_width(SeriesKind::Rate, BUCKET_US, 1024),
            requests_series: Series::with_width(SeriesKind::Rate, BUCKET_US, 1024),
            theory_changes: Vec::new(),
            capacity_changes: Vec::new(),
            hits_plus_misses_mismatch: Violations::default(),
            global_lock_concurrent: Violations::default(),
            waiters_other_version: Violations::default(),
            uvm_after_warm: Violations::default(),
            older_version_writes: Violations::default(),
            cfg,
        };
        m.note_lines(SimTime::ZERO);
        m
    }

    /// Request rate of key `key` (λᵢ = request_rate × its Zipf share).
    pub fn key_rate(&self, key: usize) -> f64 {
        self.cfg.request_rate * self.zipf.share(key)
    }

    /// The theory line's value: 1 + λ·R for the hottest key.
    pub fn theory_peak(&self) -> f64 {
        expected_peak_db_concurrency(self.key_rate(0), self.cfg.recompute_us)
    }

    fn note_lines(&mut self, now: SimTime) {
        let theory = self.theory_peak();
        if self.theory_changes.last().is_none_or(|(_, v)| *v != theory) {
            self.theory_changes.push((now, theory));
        }
        let cap = self.cfg.db_capacity as f64;
        if self.capacity_changes.last().is_none_or(|(_, v)| *v != cap) {
            self.capacity_changes.push((now, cap));
        }
    }

    fn schedule_arrival(&mut self, k: &mut Kernel<Msg, Timer>) {
        if let Some(gap) = self.arrivals.next_gap_us(self.cfg.request_rate) {
            k.schedule_in(gap, Timer::Arrival);
        }
    }

    fn server_idx(node: NodeId) -> usize {
        (node.0 - FIRST_SERVER) as usize
    }

    fn ensure_key(&mut self, key: usize, now: SimTime) {
        while self.entries.len() <= key {
            self.entries.push(Entry::cold(now));
            self.db_version.push(0);
            self.key_queries.push(0);
        }
    }

    fn apply_config(&mut self, params: &Params, now: SimTime) {
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
        self.note_lines(now);
    }

    // ---- the cache ------------------------------------------------------------------------------------

    fn cache_get(
        &mut self,
        k: &mut Kernel<Msg, Timer>,
        from: NodeId,
        req: u64,
        key: u32,
        created: SimTime,
        poll: Option<Poll>,
    ) {
        let now = k.now();
        self.ensure_key(key as usize, now);
        self.n_cache_reads += 1;
        let strategy = self.cfg.strategy;
        let grace = self.cfg.swr_grace_us;
        let mut next_rc = self.next_rc;
        let e = &mut self.entries[key as usize];
        let mut take_token = || {
            let t = next_rc;
            next_rc += 1;
            t
        };
        let read = match e.value {
            Some(v) if now < v.expires_at => Read::Fresh {
                version: v.version,
                writer: v.writer,
                by_lock: v.by_lock,
                expires_at: v.expires_at,
                delta_us: v.delta_us,
            },
            Some(v) if strategy == Strategy::Swr && now < v.expires_at + grace => {
                let refresh = if e.refreshing.is_none() {
                    let t = take_token();
                    e.refreshing = Some(t);
                    Some(t)
                } else {
                    None
                };
                Read::Stale { version: v.version, writer: v.writer, refresh }
            }
            _ => {
                let lock = if strategy == Strategy::GlobalLock {
                    match e.lock {
                        Some(holder) => Lock::HeldBy(holder),
                        None => {
                            let t = take_token();
                            e.lock = Some(t);
                            Lock::Granted(t)
                        }
                    }
                } else {
                    Lock::NotUsed
                };
                Read::Miss { lock }
            }
        };
        let (cause, at) = match (e.value, read) {
            (Some(v), Read::Fresh { .. }) => (Cause::Early, v.expires_at),
            (Some(v), _) => (if v.forced { Cause::ExpireHot } else { Cause::Ttl }, v.expires_at),
            (None, _) => (if e.flushed { Cause::Flush } else { Cause::Cold }, e.cold_since),
        };
        // Warm: written since the last flush, and its value expired less than a grace window ago (or its
        // refresh is already running). A key nobody asked for during TTL + grace has gone cold again.
        let warm = e.warm && (e.refreshing.is_some() || e.value.is_some_and(|v| now < v.expires_at + grace));
        let cycle = e.cycle;
        self.next_rc = next_rc;
        if poll.is_none() {
            self.n_requests += 1;
            self.requests_series.add(now, 1.0);
            match read {
                Read::Fresh { .. } => {
                    self.n_hits += 1;
                    self.hits_series.add(now, 1.0);
                }
                Read::Stale { .. } => {
                    self.n_hits += 1;
                    self.n_stale_served += 1;
                    self.hits_series.add(now, 1.0);
                    self.stale_series.add(now, 1.0);
                }
                Read::Miss { .. } => self.n_misses += 1,
            }
        } else {
            self.n_lock_polls += 1;
        }
        // Replies that may start a recompute keep their cycle open until the server has decided.
        let tracked = match read {
            Read::Miss { .. } => true,
            Read::Stale { refresh, .. } => refresh.is_some(),
            Read::Fresh { .. } => strategy == Strategy::XFetch && poll.is_none(),
        };
        if tracked {
            self.cycles
                .entry((key, cycle))
                .or_insert(Cycle { recomputes: 0, first_start: None, cause, at, pending: 0, closed: false })
                .pending += 1;
        }
        k.send(CACHE, from, Msg::Reply { req, key, created, poll, read, cycle, warm, cause, at, tracked });
    }

    #[allow(clippy::too_many_arguments)]
    fn cache_set(
        &mut self,
        k: &mut Kernel<Msg, Timer>,
        from: NodeId,
        rc: u64,
        key: u32,
        version: u64,
        ttl_us: u64,
        delta_us: u64,
        cycle: u64,
    ) {
        let now = k.now();
        self.ensure_key(key as usize, now);
        let e = &mut self.entries[key as usize];
        if e.value.is_some_and(|v| v.version > version) {
            self.older_version_writes.hit(now);
        }
        let by_lock = e.lock == Some(rc);
        e.value = Some(Value { version, writer: rc, expires_at: now + ttl_us, delta_us, forced: false, by_lock });
        e.warm = true;
        e.flushed = false;
        if e.lock == Some(rc) {
            e.lock = None;
        }
        if e.refreshing == Some(rc) {
            e.refreshing = None;
        }
        if cycle == e.cycle {
            e.cycle += 1;
            if let Some(c) = self.cycles.get_mut(&(key, cycle)) {
                c.closed = true;
            }
            self.try_emit(k, key, cycle);
        }
        k.send(CACHE, from, Msg::SetAck { rc });
    }

    // ---- cycles -----------------------------------------------------------------------------------------

    /// A tracked reply was handled; `started` says whether it started a recompute.
    fn resolve_reply(
        &mut self,
        k: &mut Kernel<Msg, Timer>,
        key: u32,
        cycle: u64,
        started: bool,
        cause: Cause,
        at: SimTime,
    ) {
        let now = k.now();
        if let Some(c) = self.cycles.get_mut(&(key, cycle)) {
            c.pending = c.pending.saturating_sub(1);
            if started {
                if c.recomputes == 0 {
                    c.cause = cause;
                    c.at = at;
                    c.first_start = Some(now);
                }
                c.recomputes += 1;
            }
        }
        self.try_emit(k, key, cycle);
    }

    fn try_emit(&mut self, k: &mut Kernel<Msg, Timer>, key: u32, cycle: u64) {
        let Some(c) = self.cycles.get(&(key, cycle)) else { return };
        if c.pending > 0 || (!c.closed && c.recomputes > 0) {
            return;
        }
        let c = self.cycles.remove(&(key, cycle)).expect("looked up above");
        if !c.closed || c.recomputes == 0 {
            return; // Reads that started nothing (XFetch hits that did not refresh).
        }
        self.n_expiries += 1;
        self.n_expiry_recomputes += c.recomputes as u64;
        if key == 0 && c.cause == Cause::Ttl {
            self.n_hot_ttl_expiries += 1;
            self.n_hot_ttl_recomputes += c.recomputes as u64;
        }
        let first = c.first_start.unwrap_or(c.at);
        let lead_ms = (c.at.0 as f64 - first.0 as f64) / 1e3;
        let n = c.recomputes;
        let what = match c.cause {
            Cause::Ttl => format!("expired at {:.3} s", c.at.as_secs_f64()),
            Cause::ExpireHot => format!("was expired by hand at {:.3} s", c.at.as_secs_f64()),
            Cause::Flush => format!("was flushed at {:.3} s", c.at.as_secs_f64()),
            Cause::Cold => "was loaded for the first time".to_string(),
            Cause::Early => {
                format!("was refreshed early, {lead_ms:.0} ms before its expiry at {:.3} s", c.at.as_secs_f64())
            }
        };
        let mut text = format!("key #{} {what}: {n} recompute{} started", key + 1, if n == 1 { "" } else { "s" });
        if self.cfg.strategy == Strategy::None && matches!(c.cause, Cause::Ttl | Cause::ExpireHot) {
            let expected = expected_recomputes_per_expiry(self.key_rate(key as usize), self.cfg.recompute_us);
            text.push_str(&format!(
                " (1 + λ·R ≈ {expected:.1} expected: λ = {:.1} req/s)",
                self.key_rate(key as usize)
            ));
        } else if self.cfg.strategy == Strategy::SingleFlight {
            text.push_str(&format!(" (single-flight: at most one per app server, S = {})", self.cfg.servers));
        }
        k.emit(
            "expiry",
            text,
            vec![
                ("key", Field::from(key as u64)),
                ("at_s", Field::from(c.at.as_secs_f64())),
                ("recomputes", Field::from(n as u64)),
                ("cause", Field::from(c.cause.as_str())),
                ("first_recompute_s", Field::from(first.as_secs_f64())),
                ("lead_ms", Field::from(lead_ms)),
            ],
        );
    }

    // ---- app servers ------------------------------------------------------------------------------------

    fn respond(
        &mut self,
        k: &mut Kernel<Msg, Timer>,
        server: u16,
        req: u64,
        created: SimTime,
        outcome: Outcome,
        warm: bool,
    ) {
        if matches!(outcome, Outcome::Waited | Outcome::Error) {
            self.n_user_visible_misses += 1;
            if warm {
                self.uvm_after_warm.hit(k.now());
            }
        }
        if outcome == Outcome::Error {
            self.n_errors += 1;
        }
        k.send(server_node(server as usize), CLIENTS, Msg::Response { req, created, outcome });
    }

    #[allow(clippy::too_many_arguments)]
    fn start_recompute(
        &mut self,
        k: &mut Kernel<Msg, Timer>,
        server: u16,
        rc: u64,
        key: u32,
        cycle: u64,
        waiters: Vec<Waiter>,
        early: bool,
        locked: bool,
    ) {
        self.n_recomputes += 1;
        if locked {
            let q = &mut self.key_queries[key as usize];
            *q += 1;
            if *q == 2 {
                self.n_keys_multi_query += 1;
            }
        }
        self.servers[server as usize].n_recomputing += 1;
        self.recomputes
            .insert(rc, Recompute { key, server, cycle, started: k.now(), waiters, early, locked, version: 0 });
        k.send(server_node(server as usize), DATABASE, Msg::Query { rc, key });
    }

    fn new_rc(&mut self) -> u64 {
        let rc = self.next_rc;
        self.next_rc += 1;
        rc
    }

    #[allow(clippy::too_many_arguments)]
    fn on_reply(
        &mut self,
        k: &mut Kernel<Msg, Timer>,
        server: u16,
        req: u64,
        key: u32,
        created: SimTime,
        poll: Option<Poll>,
        read: Read,
        cycle: u64,
        warm: bool,
        cause: Cause,
        at: SimTime,
        tracked: bool,
    ) {
        let now = k.now();
        let s = server as usize;
        let waiter = Waiter { req, created, warm: poll.map_or(warm, |p| p.warm), joined: false };
        let mut started = false;
        let mut cause = cause;
        match read {
            Read::Fresh { writer, by_lock, expires_at, delta_us, .. } => {
                if let Some(p) = poll {
                    // A lock waiter finally reads the value: if a lock holder wrote it, it must be the holder
                    // it waited for. (Only a recompute started before a switch to `global_lock` writes without
                    // the lock.)
                    if by_lock && writer != p.awaited {
                        self.waiters_other_version.hit(now);
                    }
                    self.servers[s].n_waiting = self.servers[s].n_waiting.saturating_sub(1);
                    self.respond(k, server, req, created, Outcome::Waited, p.warm);
                } else if self.cfg.strategy == Strategy::XFetch && self.xfetch_refresh_now(now, expires_at, delta_us) {
                    self.n_early_refreshes += 1;
                    let rc = self.new_rc();
                    self.start_recompute(k, server, rc, key, cycle, vec![waiter], true, false);
                    started = true;
                    cause = Cause::Early;
                } else {
                    self.respond(k, server, req, created, Outcome::Hit, warm);
                }
            }
            Read::Stale { refresh, .. } => {
                self.respond(k, server, req, created, Outcome::Stale, warm);
                if let Some(rc) = refresh {
                    self.start_recompute(k, server, rc, key, cycle, Vec::new(), false, false);
                    started = true;
                }
            }
            Read::Miss { lock } => {
                if poll.is_some() && !matches!(lock, Lock::HeldBy(_)) {
                    self.servers[s].n_waiting = self.servers[s].n_waiting.saturating_sub(1);
                }
                match lock {
                    Lock::Granted(rc) => {
                        self.start_recompute(k, server, rc, key, cycle, vec![waiter], false, true);
                        started = true;
                    }
                    Lock::HeldBy(holder) => {
                        if poll.is_none() {
                            self.n_waiters += 1;
                            self.servers[s].n_waiting += 1;
                        }
                        let p = Poll { awaited: holder, warm: waiter.warm };
                        k.schedule_in(self.cfg.lock_poll_us, Timer::Poll { server, req, key, created, poll: p });
                    }
                    Lock::NotUsed => {
                        let flight = (self.cfg.strategy == Strategy::SingleFlight)
                            .then(|| self.servers[s].flights.get(&key).copied())
                            .flatten();
                        match flight.and_then(|rc| self.recomputes.get_mut(&rc)) {
                            Some(r) => {
                                r.waiters.push(Waiter { joined: true, ..waiter });
                                self.n_waiters += 1;
                                self.servers[s].n_waiting += 1;
                            }
                            None => {
                                let rc = self.new_rc();
                                if self.cfg.strategy == Strategy::SingleFlight {
                                    self.servers[s].flights.insert(key, rc);
                                }
                                self.start_recompute(k, server, rc, key, cycle, vec![waiter], false, false);
                                started = true;
                            }
                        }
                    }
                }
            }
        }
        if tracked {
            self.resolve_reply(k, key, cycle, started, cause, at);
        }
    }

    /// XFetch (Vattani et al.): refresh if now − δ·β·ln(u) ≥ expiry, u uniform in (0, 1).
    fn xfetch_refresh_now(&mut self, now: SimTime, expires_at: SimTime, delta_us: u64) -> bool {
        let u = self.xfetch_rng.unit_open();
        let gap_us = -(delta_us as f64) * self.cfg.xfetch_beta * libm::log(u);
        now.0 as f64 + gap_us >= expires_at.0 as f64
    }

    /// TTL of one write: TTL × (1 ± jitter/2), uniform, in whole microseconds.
    fn draw_ttl(&mut self) -> u64 {
        let ttl = self.cfg.ttl_us;
        let span = (ttl as f64 * self.cfg.ttl_jitter) as u64;
        if span == 0 {
            return ttl;
        }
        (ttl - span / 2 + self.jitter_rng.below(span + 1)).max(1)
    }

    fn on_query_reply(&mut self, k: &mut Kernel<Msg, Timer>, rc: u64, key: u32, version: u64, ok: bool) {
        let now = k.now();
        let Some(r) = self.recomputes.get_mut(&rc) else { return };
        if r.locked {
            let q = &mut self.key_queries[key as usize];
            if *q == 2 {
                self.n_keys_multi_query -= 1;
            }
            *q = q.saturating_sub(1);
        }
        let server = r.server;
        if ok {
            r.version = version;
            let (cycle, started) = (r.cycle, r.started);
            let ttl_us = self.draw_ttl();
            k.send(
                server_node(server as usize),
                CACHE,
                Msg::Set { rc, key, version, ttl_us, delta_us: now - started, cycle },
            );
        } else {
            if matches!(self.cfg.strategy, Strategy::GlobalLock | Strategy::Swr) {
                k.send(server_node(server as usize), CACHE, Msg::Unlock { rc, key });
            }
            self.finish_recompute(k, rc, false);
        }
    }

    /// The write is acknowledged (or the query failed): answer everyone waiting on this recompute.
    fn finish_recompute(&mut self, k: &mut Kernel<Msg, Timer>, rc: u64, ok: bool) {
        let Some(r) = self.recomputes.remove(&rc) else { return };
        let srv = &mut self.servers[r.server as usize];
        srv.n_recomputing = srv.n_recomputing.saturating_sub(1);
        if srv.flights.get(&r.key) == Some(&rc) {
            srv.flights.remove(&r.key);
        }
        for w in &r.waiters {
            if w.joined {
                let srv = &mut self.servers[r.server as usize];
                srv.n_waiting = srv.n_waiting.saturating_sub(1);
            }
            // A failed XFetch refresh still has the value it read; other failures are errors.
            let outcome = if ok || r.early { Outcome::Waited } else { Outcome::Error };
            self.respond(k, r.server, w.req, w.created, outcome, w.warm);
        }
    }

    // ---- the database -----------------------------------------------------------------------------------

    fn db_changed(&mut self, k: &mut Kernel<Msg, Timer>) {
        let now = k.now();
        let n = self.db.n_running() as i64;
        self.db_level.set(now, n);
        self.db_peak = self.db_peak.max(n);
        if let Some(t) = self.db.next_finish()
            && self.db_timer_at != Some(t)
        {
            self.db_timer_epoch += 1;
            self.db_timer_at = Some(t);
            k.schedule_at(t, Timer::DbDone { epoch: self.db_timer_epoch });
        }
        let cap = self.cfg.db_capacity as i64;
        if !self.db_overloaded && n > cap {
            self.db_overloaded = true;
            self.overloaded_since = Some(now);
            k.emit(
                "overload",
                format!(
                    "database OVERLOADED: {n} queries running on capacity {cap}; each now runs {:.1}× slower, so the values it recomputes come back later and more requests miss",
                    n as f64 / cap as f64
                ),
                vec![("running", Field::from(n)), ("capacity", Field::from(cap))],
            );
        } else if self.db_overloaded && n * 2 <= cap {
            self.db_overloaded = false;
            if let Some(since) = self.overloaded_since.take() {
                self.overloaded_us += now - since;
                k.emit(
                    "overload",
                    format!(
                        "database recovered: {n} queries running (capacity {cap}) after {:.2} s overloaded",
                        (now - since) as f64 / 1e6
                    ),
                    vec![("running", Field::from(n)), ("capacity", Field::from(cap))],
                );
            }
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

    fn stage_index(&self, node: NodeId) -> usize {
        if node.0 < FIRST_SERVER || self.cfg.servers <= MAX_DRAWN_SERVERS {
            node.0 as usize
        } else {
            FIRST_SERVER as usize
        }
    }

    /// Where the hottest key is in its life: an index into [`KEY_STATES`] or, under `swr`, [`SWR_KEY_STATES`].
    fn hot_key_state(&self, now: SimTime) -> usize {
        let swr = self.cfg.strategy == Strategy::Swr;
        let Some(e) = self.entries.first() else { return if swr { 1 } else { 2 } };
        let recomputing = self.recomputes.values().any(|r| r.key == 0);
        match e.value {
            Some(v) if now < v.expires_at => 0,
            Some(v) if swr && now < v.expires_at + self.cfg.swr_grace_us => 2,
            _ if swr => 1,
            _ if recomputing => 1,
            _ => 2,
        }
    }

    fn hot_key_line(&self, now: SimTime) -> (String, Tone) {
        let Some(e) = self.entries.first() else { return ("no keys".into(), Tone::Neutral) };
        match e.value {
            Some(v) if now < v.expires_at => {
                (format!("key #1 fresh for {:.1} s", (v.expires_at - now) as f64 / 1e6), Tone::Good)
            }
            Some(v) if self.cfg.strategy == Strategy::Swr && now < v.expires_at + self.cfg.swr_grace_us => {
                ("key #1 STALE, refreshing".into(), Tone::Warn)
            }
            _ => ("key #1 MISSING".into(), Tone::Bad),
        }
    }
}

impl crate::kernel::Model for StampedeModel {
    type Msg = Msg;
    type Timer = Timer;

    fn start(&mut self, k: &mut Kernel<Msg, Timer>) {
        self.schedule_arrival(k);
    }

    fn on_message(&mut self, k: &mut Kernel<Msg, Timer>, env: Envelope<Msg>) {
        let from = env.from;
        match env.payload {
            Msg::Request { req, key, created } => {
                k.send(env.to, CACHE, Msg::Get { req, key, created, poll: None });
            }
            Msg::Get { req, key, created, poll } => self.cache_get(k, from, req, key, created, poll),
            Msg::Reply { req, key, created, poll, read, cycle, warm, cause, at, tracked } => {
                let server = Self::server_idx(env.to) as u16;
                self.on_reply(k, server, req, key, created, poll, read, cycle, warm, cause, at, tracked);
            }
            Msg::Query { rc, key } => self.on_query(k, from, rc, key),
            Msg::QueryReply { rc, key, version, ok } => self.on_query_reply(k, rc, key, version, ok),
            Msg::Set { rc, key, version, ttl_us, delta_us, cycle } => {
                self.cache_set(k, from, rc, key, version, ttl_us, delta_us, cycle)
            }
            Msg::SetAck { rc } => self.finish_recompute(k, rc, true),
            Msg::Unlock { rc, key } => {
                if let Some(e) = self.entries.get_mut(key as usize) {
                    if e.lock == Some(rc) {
                        e.lock = None;
                    }
                    if e.refreshing == Some(rc) {
                        e.refreshing = None;
                    }
                }
            }
            Msg::Response { created, outcome, .. } => {
                let now = k.now();
                self.n_responses += 1;
                let latency = now - created;
                self.latency.record(latency);
                self.latency_series.record(now, latency);
                let _ = outcome;
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
                self.schedule_arrival(k);
            }
            Timer::DbDone { epoch } => self.on_db_done(k, epoch),
            Timer::Poll { server, req, key, created, poll } => {
                k.send(server_node(server as usize), CACHE, Msg::Get { req, key, created, poll: Some(poll) });
            }
        }
    }

    fn on_action(&mut self, k: &mut Kernel<Msg, Timer>, action: &ActionKind, params: &Params) {
        let now = k.now();
        match action {
            ActionKind::Trigger { name } if name == "flush" => {
                let mut n_dropped = 0u64;
                for e in &mut self.entries {
                    n_dropped += e.value.is_some() as u64;
                    e.value = None;
                    e.warm = false;
                    e.flushed = true;
                    e.cold_since = now;
                }
                k.emit(
                    "action",
                    format!("cache FLUSHED: {n_dropped} values dropped; every key now misses until it is recomputed"),
                    vec![("action", Field::from("flush")), ("dropped", Field::from(n_dropped))],
                );
            }
            ActionKind::Trigger { name } if name == "expire_hot" => {
                let rate = self.key_rate(0);
                if let Some(v) = self.entries.first_mut().and_then(|e| e.value.as_mut()) {
                    v.expires_at = v.expires_at.min(now);
                    v.forced = true;
                }
                k.emit(
                    "action",
                    format!("hot key #1 expired by hand ({rate:.0} req/s ask for it)"),
                    vec![("action", Field::from("expire_hot")), ("key", Field::from(0u64))],
                );
            }
            ActionKind::Set { param, value } => {
                let was_rate = self.cfg.request_rate;
                self.apply_config(params, now);
                if was_rate <= 0.0 && self.cfg.request_rate > 0.0 {
                    self.schedule_arrival(k);
                }
                self.db_changed(k);
                k.emit(
                    "param",
                    format!("{param} set to {value}"),
                    vec![("param", Field::from(param.as_str())), ("value", Field::from(value.as_str()))],
                );
            }
            ActionKind::Cut { a, b } => {
                k.emit("fault", format!("link {a}–{b} cut: messages on it wait until it heals"), vec![]);
            }
            ActionKind::Heal { a, b } => {
                k.emit("fault", format!("link {a}–{b} healed"), vec![]);
            }
            ActionKind::Crash { node } if node == "database" && self.db_up => {
                self.db_up = false;
                let lost = self.db.abort_all(now);
                for &rc in &lost {
                    if let Some(r) = self.recomputes.get(&rc) {
                        let (key, server) = (r.key, r.server);
                        k.send(
                            DATABASE,
                            server_node(server as usize),
                            Msg::QueryReply { rc, key, version: 0, ok: false },
                        );
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
            ActionKind::Restart { node } if node == "database" && !self.db_up => {
                self.db_up = true;
                k.emit(
                    "fault",
                    "database back UP: every key that expired meanwhile is recomputed at once".into(),
                    vec![("node", Field::from("database"))],
                );
            }
            ActionKind::Crash { node } | ActionKind::Restart { node } => {
                k.emit(
                    "fault",
                    format!(
                        "{node}: only the database can crash in this scene (or flush the cache, expire the hot key)"
                    ),
                    vec![],
                );
            }
            ActionKind::Trigger { name } => {
                k.emit("fault", format!("unknown trigger '{name}' ignored"), vec![]);
            }
        }
    }

    fn check_invariants(&mut self, k: &Kernel<Msg, Timer>) {
        let now = k.now();
        if self.n_hits + self.n_misses != self.n_requests {
            self.hits_plus_misses_mismatch.hit(now);
        }
        if self.cfg.strategy == Strategy::GlobalLock && self.n_keys_multi_query > 0 {
            self.global_lock_concurrent.hit(now);
        }
    }

    fn node_id(&self, name: &str) -> Option<NodeId> {
        match name {
            "clients" => Some(CLIENTS),
            "cache" => Some(CACHE),
            "database" => Some(DATABASE),
            _ => name
                .strip_prefix("app")
                .and_then(|n| n.parse::<usize>().ok())
                .filter(|n| (1..=MAX_DRAWN_SERVERS).contains(n))
                .map(|n| server_node(n - 1)),
        }
    }

    fn stage(&self, k: &Kernel<Msg, Timer>) -> StageView {
        let now = k.now();
        let n_db = self.db.n_running();
        let cap = self.cfg.db_capacity as usize;
        let overloaded = n_db > cap;
        let (hot_line, hot_tone) = self.hot_key_line(now);
        let n_cached = self.entries.iter().filter(|e| e.value.is_some_and(|v| now < v.expires_at)).count();
        let mut nodes = vec![
            NodeView {
                name: "clients",
                label: "Clients".into(),
                role: NodeRole::Clients,
                x: 0.07,
                y: 0.5,
                tone: Tone::Neutral,
                badge: Some(format!("{:.0} req/s", self.cfg.request_rate)),
                lines: vec![
                    format!("{} requests sent", self.n_client_requests),
                    format!("{} answered", self.n_responses),
                ],
                load: None,
                actions: vec![],
            },
            NodeView {
                name: "cache",
                label: "Cache".into(),
                role: NodeRole::Cache,
                x: 0.68,
                y: 0.22,
                tone: hot_tone,
                badge: Some(match hot_tone {
                    Tone::Good => "FRESH".into(),
                    Tone::Warn => "STALE".into(),
                    _ => "MISS".into(),
                }),
                lines: vec![
                    hot_line,
                    format!("{n_cached}/{} keys fresh", self.cfg.hot_keys),
                    format!("{} hits, {} misses", self.n_hits, self.n_misses),
                ],
                load: None,
                actions: vec![
                    NodeAction { label: "Flush cache", kind: ActionKind::Trigger { name: "flush".into() } },
                    NodeAction { label: "Expire hot key", kind: ActionKind::Trigger { name: "expire_hot".into() } },
                ],
            },
            NodeView {
                name: "database",
                label: "Database".into(),
                role: NodeRole::Database,
                x: 0.9,
                y: 0.72,
                tone: if overloaded || !self.db_up {
                    Tone::Bad
                } else if n_db * 4 >= cap * 3 {
                    Tone::Warn
                } else {
                    Tone::Good
                },
                badge: Some(if !self.db_up {
                    "DOWN".into()
                } else if overloaded {
                    "OVERLOADED".into()
                } else {
                    format!("{n_db}/{cap}")
                }),
                lines: vec![
                    format!("{n_db} queries running, C = {cap}"),
                    format!(
                        "each query {:.0} ms ({:.1}× R)",
                        self.cfg.recompute_us as f64 / 1e3 * self.db.slowdown(),
                        self.db.slowdown()
                    ),
                ],
                load: Some((n_db as f32 / cap.max(1) as f32).min(1.0)),
                actions: vec![if self.db_up {
                    NodeAction { label: "Take down", kind: ActionKind::Crash { node: "database".into() } }
                } else {
                    NodeAction { label: "Bring back up", kind: ActionKind::Restart { node: "database".into() } }
                }],
            },
        ];
        let drawn = self.cfg.servers.min(MAX_DRAWN_SERVERS);
        let grouped = self.cfg.servers > MAX_DRAWN_SERVERS;
        let n_groups = if grouped { 1 } else { drawn };
        for i in 0..n_groups {
            let y = if n_groups == 1 { 0.5 } else { 0.12 + 0.76 * i as f32 / (n_groups - 1) as f32 };
            let (flights, waiting, recomputing) = if grouped {
                self.servers
                    .iter()
                    .take(self.cfg.servers)
                    .fold((0, 0, 0), |(a, b, c), s| (a + s.flights.len(), b + s.n_waiting, c + s.n_recomputing))
            } else {
                let s = &self.servers[i];
                (s.flights.len(), s.n_waiting, s.n_recomputing)
            };
            let mut lines = vec![format!("{recomputing} recomputing, {waiting} waiting")];
            if self.cfg.strategy == Strategy::SingleFlight {
                lines.push(format!("{flights} single-flights open"));
            }
            nodes.push(NodeView {
                name: if grouped { NODE_NAMES[11] } else { NODE_NAMES[3 + i] },
                label: if grouped {
                    format!("{} app servers", self.cfg.servers)
                } else {
                    format!("App server {}", i + 1)
                },
                role: NodeRole::Service,
                x: 0.36,
                y,
                tone: if recomputing > 0 { Tone::Warn } else { Tone::Good },
                badge: Some(self.cfg.strategy.label().to_string()),
                lines,
                load: None,
                actions: vec![],
            });
        }
        let mut links = Vec::new();
        for i in 0..n_groups {
            let idx = 3 + i;
            let node = server_node(i);
            links.push(LinkView { a: 0, b: idx, cut: k.net.is_cut(CLIENTS, node) });
            links.push(LinkView { a: idx, b: 1, cut: k.net.is_cut(node, CACHE) });
            links.push(LinkView { a: idx, b: 2, cut: k.net.is_cut(node, DATABASE) });
        }
        let messages = k
            .net
            .messages_in_flight()
            .take(2_000)
            .map(|e| MessageView {
                from: self.stage_index(e.from),
                to: self.stage_index(e.to),
                sent: e.sent_at,
                deliver: e.deliver_at,
                tone: match &e.payload {
                    Msg::Request { .. } | Msg::Get { poll: None, .. } => Tone::Neutral,
                    Msg::Get { poll: Some(_), .. } => Tone::Info,
                    Msg::Reply { read: Read::Fresh { .. }, .. } => Tone::Good,
                    Msg::Reply { read: Read::Stale { .. }, .. } => Tone::Warn,
                    Msg::Reply { read: Read::Miss { .. }, .. } => Tone::Bad,
                    Msg::Query { .. } => Tone::Warn,
                    Msg::QueryReply { ok: true, .. } | Msg::Set { .. } | Msg::SetAck { .. } | Msg::Unlock { .. } => {
                        Tone::Info
                    }
                    Msg::QueryReply { ok: false, .. } => Tone::Bad,
                    Msg::Response { outcome: Outcome::Hit, .. } => Tone::Good,
                    Msg::Response { outcome: Outcome::Stale, .. } => Tone::Warn,
                    Msg::Response { outcome: Outcome::Waited, .. } => Tone::Warn,
                    Msg::Response { outcome: Outcome::Error, .. } => Tone::Bad,
                },
            })
            .collect();
        let (states, edges) =
            if self.cfg.strategy == Strategy::Swr { (SWR_KEY_STATES, SWR_KEY_EDGES) } else { (KEY_STATES, KEY_EDGES) };
        let machine = Some(MachineView { title: "Hot key #1", states, current: self.hot_key_state(now), edges });
        StageView { nodes, links, messages, machine }
    }

    fn charts(&self) -> &'static [ChartSpec] {
        CHARTS
    }

    fn series(&self, k: &Kernel<Msg, Timer>, name: &str) -> Vec<(f64, f64)> {
        let now = k.now();
        let steps = |changes: &[(SimTime, f64)]| -> Vec<(f64, f64)> {
            let mut pts = Vec::with_capacity(changes.len() * 2 + 1);
            for (i, (t, v)) in changes.iter().enumerate() {
                if *t > now {
                    break;
                }
                if i > 0 {
                    pts.push((t.as_secs_f64(), changes[i - 1].1));
                }
                pts.push((t.as_secs_f64(), *v));
            }
            if let Some(&(_, v)) = pts.last() {
                pts.push((now.as_secs_f64(), v));
            }
            pts
        };
        let ratio = |num: &Series| -> Vec<(f64, f64)> {
            num.points(now)
                .into_iter()
                .zip(self.requests_series.points(now))
                .filter(|(_, (_, d))| *d > 0.0)
                .map(|((t, n), (_, d))| (t, n / d))
                .collect()
        };
        match name {
            "db_concurrency" => self.db_level.points(now),
            "db_concurrency_theory" => steps(&self.theory_changes),
            "db_capacity" => steps(&self.capacity_changes),
            "db_qps" => self.db_qps.points(now),
            "db_refused_qps" => self.db_refused.points(now),
            "hit_ratio" => ratio(&self.hits_series),
            "stale_ratio" => ratio(&self.stale_series),
            "client_latency_p50" => self.latency_series.p50_points(now),
            "client_latency_p99" => self.latency_series.p99_points(now),
            _ => Vec::new(),
        }
    }

    fn metrics(&self, k: &Kernel<Msg, Timer>) -> Vec<(&'static str, f64)> {
        let now = k.now();
        let per = |a: u64, b: u64| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        let overloaded_s = (self.overloaded_us + self.overloaded_since.map_or(0, |s| now - s)) as f64 / 1e6;
        let hot_rate = self.key_rate(0);
        vec![
            ("client_requests", self.n_client_requests as f64),
            ("requests", self.n_requests as f64),
            ("hits", self.n_hits as f64),
            ("misses", self.n_misses as f64),
            ("hit_ratio", per(self.n_hits, self.n_requests)),
            ("stale_served", self.n_stale_served as f64),
            ("user_visible_misses", self.n_user_visible_misses as f64),
            ("errors", self.n_errors as f64),
            ("responses", self.n_responses as f64),
            ("waiters", self.n_waiters as f64),
            ("cache_reads", self.n_cache_reads as f64),
            ("lock_polls", self.n_lock_polls as f64),
            ("recomputes", self.n_recomputes as f64),
            ("early_refreshes", self.n_early_refreshes as f64),
            ("db_queries", self.n_db_queries as f64),
            ("db_refused", self.n_db_refused as f64),
            ("max_db_concurrency", self.db_peak as f64),
            ("db_concurrency_now", self.db.n_running() as f64),
            ("db_overloaded_s", overloaded_s),
            ("expiries", self.n_expiries as f64),
            ("recomputes_per_expiry", per(self.n_expiry_recomputes, self.n_expiries)),
            ("hot_key_rate", hot_rate),
            ("hot_key_ttl_expiries", self.n_hot_ttl_expiries as f64),
            ("hot_key_recomputes_per_expiry", per(self.n_hot_ttl_recomputes, self.n_hot_ttl_expiries)),
            ("theory_recomputes_per_expiry", expected_recomputes_per_expiry(hot_rate, self.cfg.recompute_us)),
            ("theory_peak_db_concurrency", self.theory_peak()),
            ("client_latency_p50_ms", self.latency.quantile(0.5) as f64 / 1000.0),
            ("client_latency_p99_ms", self.latency.quantile(0.99) as f64 / 1000.0),
            ("events", k.n_events() as f64),
        ]
    }

    fn counters(&self) -> Vec<CounterView> {
        let c = |name, label, v: &Violations, must_be_zero, help| CounterView {
            name,
            label,
            value: v.count,
            must_be_zero,
            first_at: v.first_at,
            help,
        };
        vec![
            c(
                "hits_plus_misses_mismatch",
                "events where hits + misses ≠ requests",
                &self.hits_plus_misses_mismatch,
                true,
                "Every request's first cache read is exactly one hit or one miss.",
            ),
            c(
                "global_lock_concurrent_recomputes",
                "events with two recomputes of one key under the global lock",
                &self.global_lock_concurrent,
                true,
                "With the global lock at most one database query per key runs at a time.",
            ),
            c(
                "waiters_got_other_version",
                "lock waiters given another recompute's value",
                &self.waiters_other_version,
                true,
                "Every request that waited on a lock gets the value its lock holder wrote.",
            ),
            c(
                "user_visible_misses_after_warm",
                "user-visible misses on a warm key",
                &self.uvm_after_warm,
                self.cfg.strategy == Strategy::Swr,
                "Requests that waited on the database for a key that had a cached value (not flushed). Stale-while-revalidate must keep this at 0; the other strategies show how often users pay for an expiry.",
            ),
            c(
                "older_version_writes",
                "writes that replaced a newer value with an older one",
                &self.older_version_writes,
                false,
                "Concurrent recomputes racing to write: a slower, older result overwrote a newer one.",
            ),
        ]
    }
}
