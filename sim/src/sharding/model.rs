//! The sharding system: a router in front of N shards, its configuration, its invariants, and the dispatch
//! of requests, timers and actions. The placement is [`super::placement`], the key directory
//! [`super::directory`], the servers [`super::shard`], the clients' keys [`super::workload`]; shards added,
//! removed or split, and the reshard each causes, are `reshard.rs`. What the stage shows is `view.rs`.
//!
//! A request is born at the router (Poisson arrivals), picks its key (celebrity, popularity or write
//! pattern), and goes to the key's owner in the directory — to every sub-key's owner for a salted read.
//! Each shard queues it FIFO behind its capacity and replies; the request is answered when every part is.
//! The router keeps no per-request table: a request carries its birth time and the shard echoes it back;
//! only salted reads, which wait for several replies, are remembered until their last reply.

use std::collections::VecDeque;

use crate::kernel::{
    ActionKind, Alarm, AlarmEdge, Envelope, Field, Histogram, InvariantSpec, Kernel, LinkSpec, NodeId, Params,
    PartitionMode, PoissonArrivals, QuantileSeries, RngStream, Series, SeriesKind, SimTime, StepSeries, ppm,
};

use super::directory::{Directory, Salting};
use super::heatmap::{HOT_ROWS, LoadHeatmap, thousands};
use super::placement::Placement;
use super::protocol::{KeyRef, LINK_US, MAX_SHARDS, Msg, Op, ROUTER, Strategy, Timer, shard_name, shard_node};
use super::shard::Shard;
use super::theory::{hash_key_share_cv, ring_key_share_cv};
use super::workload::{Popularity, celebrity_traffic_share};

/// The keyspace grows with sequential writes up to this many keys; past it a sequential write updates the
/// newest key instead of creating one (and the narration says so, once).
pub const MAX_KEYS: u64 = 1_000_000;
/// Width of the per-second figures (shares, imbalance, per-shard p99, key spread).
pub(super) const SECOND_US: u64 = 1_000_000;
/// Width of the request-rate chart buckets.
pub(super) const RATE_BUCKET_US: u64 = 250_000;

/// The scene's invariants, in the order of [`INVARIANTS`].
#[derive(Clone, Copy)]
pub(super) enum Inv {
    KeysWithoutOwner,
    KeysWithTwoOwners,
    KeysLostOrDuplicatedByReshard,
    RingMovesBetweenSurvivors,
    RequestsUnaccounted,
}

pub const INVARIANTS: &[InvariantSpec] = &[
    InvariantSpec::always(
        "keys_without_owner",
        "keys with no owner",
        "Every key is owned by a live shard. Checked whenever ownership changes — at every created key and \
         salting (the shards' counts add up to the keys that exist), at every reshard (a full audit: each \
         key's new owner is live, none is left on a removed shard) — and at every routed request.",
    ),
    InvariantSpec::always(
        "keys_with_two_owners",
        "keys with two owners",
        "No key is counted on two shards: the shards' counts never add up to more than the keys that exist, \
         and at every reshard a recount from the directory matches the counts kept shard by shard.",
    ),
    InvariantSpec::always(
        "keys_lost_or_duplicated_by_reshard",
        "keys lost or duplicated by a reshard",
        "A reshard moves keys, never creates or drops them: as many keys exist after it as before, and as \
         many left shards as arrived on shards.",
    ),
    InvariantSpec::when(
        "ring_moves_between_survivors",
        "keys the ring moved between two shards that both stayed",
        "Consistent hashing's promise: adding shards moves keys only to the new shards, removing shards moves \
         only the removed shards' keys. (Changing the virtual nodes or the strategy is not such a change.)",
        "strategy",
        "ring",
    ),
    InvariantSpec::always(
        "requests_unaccounted",
        "events where a request was neither answered nor in progress",
        "Every request the router received is answered or still waiting for its shards (checked after every \
         event).",
    ),
];

/// Counts `n` violations of `inv` (one per key found in the wrong state).
pub(super) fn violations(k: &mut Kernel<Msg, Timer>, inv: Inv, n: u64) {
    for _ in 0..n {
        k.violation(inv as usize);
    }
}

#[derive(Clone, Debug)]
pub(super) struct Config {
    pub strategy: Strategy,
    pub shards: usize,
    pub vnodes: u32,
    pub keys: u64,
    pub zipf_s: f64,
    pub celebrity_share: f64,
    pub sequential: bool,
    pub write_share: f64,
    pub request_rate: f64,
    pub capacity: f64,
    pub salt: u8,
}

impl Config {
    fn from_params(p: &Params) -> Self {
        Config {
            strategy: Strategy::from_name(p.choice("strategy")),
            shards: (p.num("shards") as usize).clamp(1, MAX_SHARDS),
            vnodes: (p.num("vnodes") as u32).max(1),
            keys: (p.num("keys") as u64).max(1),
            zipf_s: p.num("zipf_s").max(0.0),
            celebrity_share: p.num("celebrity_share").clamp(0.0, 1.0),
            sequential: p.choice("write_pattern") == "sequential",
            write_share: p.num("write_share").clamp(0.0, 1.0),
            request_rate: p.num("request_rate").max(0.0),
            capacity: p.num("shard_capacity").max(1.0),
            salt: (p.num("salt") as u8).clamp(1, 16),
        }
    }
}

/// Why the placement changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cause {
    AddShard,
    RemoveShard,
    SetShards,
    SplitHotRange,
    Vnodes,
    Strategy,
}

impl Cause {
    pub fn as_str(self) -> &'static str {
        match self {
            Cause::AddShard => "add_shard",
            Cause::RemoveShard => "remove_shard",
            Cause::SetShards => "shards",
            Cause::SplitHotRange => "split_hot_range",
            Cause::Vnodes => "vnodes",
            Cause::Strategy => "strategy",
        }
    }
    /// Only shards joined or left (the placement's rules did not change).
    pub fn is_membership(self) -> bool {
        matches!(self, Cause::AddShard | Cause::RemoveShard | Cause::SetShards)
    }
}

/// The latest reshard, as the ring panel's caption and the topology show it.
#[derive(Clone, Debug, PartialEq)]
pub struct ReshardNote {
    pub at: SimTime,
    pub cause: Cause,
    pub from: usize,
    pub to: usize,
    pub keys: u64,
    pub moved: u64,
    pub theory: Option<f64>,
}

impl ReshardNote {
    pub fn fraction(&self) -> f64 {
        if self.keys == 0 { 0.0 } else { self.moved as f64 / self.keys as f64 }
    }
}

/// A salted read waiting for its sub-keys' shards: replies still to come, and whether one was a refusal.
#[derive(Clone, Debug)]
struct FanOut {
    req: u64,
    left: u8,
    refused: bool,
}

#[derive(Clone, Debug)]
pub struct ShardingModel {
    pub(super) cfg: Config,
    pub(super) popularity: Popularity,
    pub(super) placement: Placement,
    pub(super) directory: Directory,
    /// Indexed by shard id (index 0 is unused: node 0 is the router).
    pub(super) shards: Vec<Shard>,
    /// Salted reads in request order (ids ascending, so a reply finds its entry by binary search); answered
    /// ones leave from the front.
    fanouts: VecDeque<FanOut>,
    n_fanouts_open: u64,
    /// Single-shard requests sent and not yet answered.
    n_single_in_flight: u64,
    next_req: u64,
    arrivals: PoissonArrivals,
    op_rng: RngStream,
    celebrity_rng: RngStream,
    read_rng: RngStream,
    write_rng: RngStream,
    salt_rng: RngStream,
    pub(super) hotspot: Alarm,
    keyspace_full_said: bool,
    // Counts.
    pub n_requests: u64,
    pub n_answered: u64,
    pub n_refused: u64,
    pub n_reads: u64,
    pub n_writes: u64,
    pub n_shard_requests: u64,
    pub n_fanout_parts: u64,
    pub n_celebrity_requests: u64,
    pub n_celebrity_shard_requests: u64,
    pub n_keys_created: u64,
    pub keys_moved: u64,
    pub keys_moved_between_survivors: u64,
    pub n_reshards: u64,
    pub(super) last_reshard: Option<ReshardNote>,
    // Measurements.
    pub(super) latency: Histogram,
    pub(super) latency_series: QuantileSeries,
    pub(super) requests_series: Series,
    pub(super) shard_requests_series: Series,
    pub(super) refused_series: Series,
    pub(super) busiest_share_series: Series,
    pub(super) imbalance_series: Series,
    pub(super) busiest_p99_series: Series,
    pub(super) others_p99_series: Series,
    pub(super) cv_series: Series,
    pub(super) cv_theory_series: Series,
    pub(super) even_share_line: StepSeries,
    pub(super) hot_share_line: StepSeries,
    pub(super) heatmap: LoadHeatmap,
}

fn per_second(kind: SeriesKind) -> Series {
    Series::with_width(kind, SECOND_US, 1024)
}

impl ShardingModel {
    pub fn new(params: &Params, k: &mut Kernel<Msg, Timer>) -> Self {
        let cfg = Config::from_params(params);
        let seed = k.seed();
        k.net.mode = PartitionMode::Hold;
        k.net.set_default_link(LinkSpec::fixed_ms(LINK_US / 1_000));
        let live: Vec<u16> = (1..=cfg.shards as u16).collect();
        let placement = Placement::new(cfg.strategy, live.clone(), cfg.vnodes, seed, cfg.keys);
        let popularity = Popularity::new(seed, cfg.keys, cfg.zipf_s);
        let hash_salt = k.rng("placement.hash").below(u64::MAX);
        let salting = Salting { key: popularity.celebrity(), k: cfg.salt, span: cfg.keys };
        let directory = Directory::build(&placement, cfg.keys, hash_salt, salting);
        let mut shards: Vec<Shard> = (0..=MAX_SHARDS as u16).map(|id| Shard::new(id, seed, cfg.capacity)).collect();
        for &id in &live {
            shards[id as usize].go_live(SimTime::ZERO);
        }
        let mut m = ShardingModel {
            heatmap: LoadHeatmap::new(cfg.keys),
            popularity,
            placement,
            directory,
            shards,
            fanouts: VecDeque::new(),
            n_fanouts_open: 0,
            n_single_in_flight: 0,
            next_req: 0,
            arrivals: PoissonArrivals::new(seed, cfg.request_rate),
            op_rng: k.rng("clients.op"),
            celebrity_rng: k.rng("clients.celebrity"),
            read_rng: k.rng("clients.reads"),
            write_rng: k.rng("clients.writes"),
            salt_rng: k.rng("celebrity.salt"),
            hotspot: Alarm::new(1.5, 1.25).clear_after(3 * SECOND_US),
            keyspace_full_said: false,
            n_requests: 0,
            n_answered: 0,
            n_refused: 0,
            n_reads: 0,
            n_writes: 0,
            n_shard_requests: 0,
            n_fanout_parts: 0,
            n_celebrity_requests: 0,
            n_celebrity_shard_requests: 0,
            n_keys_created: 0,
            keys_moved: 0,
            keys_moved_between_survivors: 0,
            n_reshards: 0,
            last_reshard: None,
            latency: Histogram::default(),
            latency_series: QuantileSeries::default(),
            requests_series: Series::with_width(SeriesKind::Rate, RATE_BUCKET_US, 1024),
            shard_requests_series: Series::with_width(SeriesKind::Rate, RATE_BUCKET_US, 1024),
            refused_series: Series::with_width(SeriesKind::Rate, RATE_BUCKET_US, 1024),
            busiest_share_series: per_second(SeriesKind::Max),
            imbalance_series: per_second(SeriesKind::Max),
            busiest_p99_series: per_second(SeriesKind::Max),
            others_p99_series: per_second(SeriesKind::Max),
            cv_series: per_second(SeriesKind::Max),
            cv_theory_series: per_second(SeriesKind::Max),
            even_share_line: StepSeries::default(),
            hot_share_line: StepSeries::default(),
            cfg,
        };
        m.note_hot_rows();
        m.note_lines(SimTime::ZERO);
        m
    }

    // ---- what the model knows of itself --------------------------------------------------------------------

    pub fn live(&self) -> &[u16] {
        self.placement.live()
    }

    /// Population standard deviation ÷ mean of the keys each live shard owns.
    pub fn key_share_cv(&self) -> f64 {
        let counts: Vec<f64> = self.live().iter().map(|&id| self.directory.count(id) as f64).collect();
        let n = counts.len() as f64;
        let mean = counts.iter().sum::<f64>() / n;
        if mean <= 0.0 {
            return 0.0;
        }
        let var = counts.iter().map(|c| (c - mean) * (c - mean)).sum::<f64>() / n;
        libm::sqrt(var) / mean
    }

    /// The closed form for [`Self::key_share_cv`] under the current strategy (none for range placement).
    pub fn key_share_cv_theory(&self) -> Option<f64> {
        let (n, keys) = (self.live().len(), self.directory.n_keys());
        match self.placement.strategy() {
            Strategy::Ring => Some(ring_key_share_cv(n, self.placement.vnodes(), keys)),
            Strategy::HashMod => Some(hash_key_share_cv(n, keys)),
            Strategy::Range => None,
        }
    }

    /// The celebrity key's expected share of client requests (the bound its shard's share cannot go under
    /// while it is not salted).
    pub fn celebrity_share_theory(&self) -> f64 {
        celebrity_traffic_share(
            self.cfg.celebrity_share,
            self.cfg.write_share,
            self.popularity.rank_share(0),
            !self.cfg.sequential,
            self.directory.n_base(),
        )
    }

    /// The shard sent the most requests since the start, and how many (the lowest id on a tie).
    pub fn busiest_shard(&self) -> Option<(u16, u64)> {
        self.shards
            .iter()
            .skip(1)
            .filter(|s| s.n_routed > 0)
            .map(|s| (s.id, s.n_routed))
            .max_by_key(|&(id, n)| (n, u16::MAX - id))
    }

    /// Busiest shard's request rate while live ÷ the mean rate per live shard-second, since the start.
    pub fn imbalance(&self, now: SimTime) -> f64 {
        let total_us: u64 = self.shards.iter().skip(1).map(|s| s.live_us(now)).sum();
        if total_us == 0 || self.n_shard_requests == 0 {
            return 0.0;
        }
        let mean = self.n_shard_requests as f64 / total_us as f64;
        // A shard live for less than a second (and less than the run) has no meaningful rate yet.
        let min_us = SECOND_US.min(now.0).max(1);
        let busiest = self
            .shards
            .iter()
            .skip(1)
            .filter(|s| s.live_us(now) >= min_us)
            .map(|s| s.n_routed as f64 / s.live_us(now) as f64)
            .fold(0.0, f64::max);
        busiest / mean
    }

    pub(super) fn note_lines(&mut self, now: SimTime) {
        self.even_share_line.set(now, 1.0 / self.live().len().max(1) as f64);
        self.hot_share_line.set(now, self.celebrity_share_theory());
    }

    /// The hottest keys get rows of their own on the heatmap: the celebrity when it has a share (or is
    /// salted), and with a Zipf skew the next three as well.
    fn note_hot_rows(&mut self) {
        let ids: Vec<u64> = (0..HOT_ROWS).map(|r| self.popularity.rank_key(r)).collect();
        let n = if self.cfg.zipf_s > 0.0 {
            HOT_ROWS
        } else if self.cfg.celebrity_share > 0.0 || self.cfg.salt > 1 {
            1
        } else {
            0
        };
        self.heatmap.set_hot(&ids, n.min(self.popularity.n_keys() as usize));
    }

    fn salting(&self) -> Salting {
        Salting { key: self.popularity.celebrity(), k: self.cfg.salt, span: self.cfg.keys }
    }

    // ---- requests ------------------------------------------------------------------------------------------

    /// A sequential write: the next key at the open end of the keyspace (or the newest, once it is full).
    fn create_key(&mut self, k: &mut Kernel<Msg, Timer>) -> u64 {
        if self.directory.n_base() >= MAX_KEYS {
            if !self.keyspace_full_said {
                self.keyspace_full_said = true;
                k.emit(
                    "keyspace",
                    format!(
                        "the keyspace is full at {} keys: sequential writes now update the newest key instead of creating one",
                        thousands(MAX_KEYS)
                    ),
                    vec![("keys", Field::from(MAX_KEYS))],
                );
            }
            return self.directory.n_base() - 1;
        }
        self.n_keys_created += 1;
        let id = self.directory.push_key(&self.placement).0;
        self.audit_counts(k);
        id
    }

    /// The shards' counts against the keys that exist, after ownership changed: a shortfall is keys with no
    /// owner, an excess keys counted on two shards.
    pub(super) fn audit_counts(&self, k: &mut Kernel<Msg, Timer>) {
        let (counted, keys) = (self.directory.n_counted(), self.directory.n_keys());
        violations(k, Inv::KeysWithoutOwner, keys.saturating_sub(counted));
        violations(k, Inv::KeysWithTwoOwners, counted.saturating_sub(keys));
    }

    fn on_arrival(&mut self, k: &mut Kernel<Msg, Timer>) {
        self.arrivals.fired(k, Timer::Arrival);
        let now = k.now();
        let req = self.next_req;
        self.next_req += 1;
        self.n_requests += 1;
        self.requests_series.add(now, 1.0);
        let write = self.op_rng.chance_ppm(ppm(self.cfg.write_share));
        let celebrity = self.popularity.celebrity();
        let key = if self.celebrity_rng.chance_ppm(ppm(self.cfg.celebrity_share)) {
            celebrity
        } else if write && self.cfg.sequential {
            self.create_key(k)
        } else if write {
            self.write_rng.below(self.directory.n_base())
        } else {
            self.popularity.pick_read(&mut self.read_rng)
        };
        if write {
            self.n_writes += 1;
        } else {
            self.n_reads += 1;
        }
        let is_celebrity = key == celebrity;
        if is_celebrity {
            self.n_celebrity_requests += 1;
        }
        let salting = self.directory.salting();
        let salted = is_celebrity && salting.k > 1 && salting.key == key;
        let part = |j: u8| if j == 0 { KeyRef::Base(key) } else { KeyRef::Sub(j) };
        let (parts, op): (Vec<KeyRef>, Op) = match (salted, write) {
            (true, true) => (vec![part(self.salt_rng.below(salting.k as u64) as u8)], Op::Write),
            (true, false) => ((0..salting.k).map(part).collect(), Op::FanOutRead),
            (false, true) => (vec![KeyRef::Base(key)], Op::Write),
            (false, false) => (vec![KeyRef::Base(key)], Op::Read),
        };
        self.n_fanout_parts += parts.len() as u64 - 1;
        let (mut sent, mut refused) = (0u8, false);
        for key_ref in parts {
            let mut owner = self.directory.owner_of(key_ref);
            let place = self.directory.place_of(key_ref);
            let live = self.placement.is_live(owner);
            k.check(Inv::KeysWithoutOwner as usize, live);
            if !live {
                owner = self.placement.owner(place);
            }
            self.shards[owner as usize].note_routed(place.pos, write);
            self.n_shard_requests += 1;
            self.shard_requests_series.add(now, 1.0);
            if is_celebrity {
                self.n_celebrity_shard_requests += 1;
            }
            self.heatmap.add(now, key);
            let msg = Msg::Request { req, key: key_ref, op, created: now.0 };
            if k.send(ROUTER, shard_node(owner), msg).is_some() {
                sent += 1;
            } else {
                refused = true;
            }
        }
        match (sent, op) {
            (0, _) => self.answer(now, now, true),
            (_, Op::FanOutRead) => {
                self.fanouts.push_back(FanOut { req, left: sent, refused });
                self.n_fanouts_open += 1;
            }
            _ => self.n_single_in_flight += 1,
        }
    }

    fn answer(&mut self, now: SimTime, created: SimTime, refused: bool) {
        self.n_answered += 1;
        if refused {
            self.n_refused += 1;
            self.refused_series.add(now, 1.0);
        } else {
            let us = now - created;
            self.latency.record(us);
            self.latency_series.record(now, us);
        }
    }

    fn on_request(&mut self, k: &mut Kernel<Msg, Timer>, at: NodeId, req: u64, op: Op, created: u64) {
        let now = k.now();
        let id = at.0;
        match self.shards[id as usize].accept(now) {
            Some(done) => k.schedule_at(done, Timer::Served { shard: id, req, op, created, arrived: now.0 }),
            None => {
                k.send(at, ROUTER, Msg::Reply { req, op, served: false, created });
            }
        }
        self.shard_alarm(k, id);
    }

    fn on_served(&mut self, k: &mut Kernel<Msg, Timer>, id: u16, req: u64, op: Op, created: u64, arrived: SimTime) {
        self.shards[id as usize].served(k.now(), arrived);
        k.send(shard_node(id), ROUTER, Msg::Reply { req, op, served: true, created });
        self.shard_alarm(k, id);
    }

    fn on_reply(&mut self, now: SimTime, req: u64, op: Op, served: bool, created: SimTime) {
        if op != Op::FanOutRead {
            self.n_single_in_flight = self.n_single_in_flight.saturating_sub(1);
            self.answer(now, created, !served);
            return;
        }
        let i = self.fanouts.partition_point(|f| f.req < req);
        let Some(f) = self.fanouts.get_mut(i).filter(|f| f.req == req && f.left > 0) else { return };
        f.left -= 1;
        f.refused |= !served;
        if f.left == 0 {
            let refused = f.refused;
            self.n_fanouts_open -= 1;
            self.answer(now, created, refused);
            while self.fanouts.front().is_some_and(|f| f.left == 0) {
                self.fanouts.pop_front();
            }
        }
    }

    fn shard_alarm(&mut self, k: &mut Kernel<Msg, Timer>, id: u16) {
        let now = k.now();
        let rate = self.shard_rate(id, now);
        let s = &mut self.shards[id as usize];
        let queued = s.queued();
        let cap = s.capacity();
        let edge = s.alarm.update(now, queued as f64);
        let fields = || {
            vec![
                ("shard", Field::from(shard_name(id))),
                ("queued", Field::from(queued as u64)),
                ("capacity", Field::from(cap)),
            ]
        };
        match edge {
            Some(AlarmEdge::Raised { .. }) => k.emit(
                "overload",
                format!(
                    "{} OVERLOADED: it is sent about {} req/s against a capacity of {}; {} requests queued, {:.2} s of work",
                    shard_name(id),
                    thousands(rate.round() as u64),
                    thousands(cap.round() as u64),
                    thousands(queued as u64),
                    queued as f64 / cap,
                ),
                fields(),
            ),
            Some(AlarmEdge::Cleared { since, quiet_from }) => k.emit(
                "overload",
                format!(
                    "{} recovered: its queue drained ({} waiting) after {:.2} s overloaded",
                    shard_name(id),
                    queued,
                    (quiet_from - since) as f64 / 1e6
                ),
                fields(),
            ),
            None => {}
        }
    }

    // ---- once a second -------------------------------------------------------------------------------------

    fn on_tick(&mut self, k: &mut Kernel<Msg, Timer>) {
        let now = k.now();
        k.schedule_in(SECOND_US, Timer::Tick);
        let second = SimTime(now.0.saturating_sub(SECOND_US));
        let live = self.live().to_vec();
        let total: u64 = self.shards.iter().map(|s| s.second_routed as u64).sum();
        let busiest =
            live.iter().copied().max_by_key(|&id| (self.shards[id as usize].second_routed, u16::MAX - id)).unwrap_or(1);
        let top = self.shards[busiest as usize].second_routed as f64;
        if total > 0 {
            let share = top / total as f64;
            let imbalance = top / (total as f64 / live.len() as f64);
            self.busiest_share_series.max(second, share);
            self.imbalance_series.max(second, imbalance);
            // Too few requests in a second make its shares noise: judge hot spots on at least 20 per shard.
            if live.len() > 1 && total >= 20 * live.len() as u64 {
                self.hotspot_alarm(k, busiest, share, imbalance, total);
            }
        }
        let mut others = Histogram::default();
        for s in self.shards.iter().skip(1).filter(|s| s.id != busiest) {
            others.merge(&s.second_latency);
        }
        let hot = &self.shards[busiest as usize].second_latency;
        if hot.count() > 0 {
            self.busiest_p99_series.max(second, hot.quantile(0.99) as f64 / 1e3);
        }
        if others.count() > 0 {
            self.others_p99_series.max(second, others.quantile(0.99) as f64 / 1e3);
        }
        self.cv_series.max(second, self.key_share_cv());
        if let Some(t) = self.key_share_cv_theory() {
            self.cv_theory_series.max(second, t);
        }
        for s in self.shards.iter_mut() {
            s.close_second();
        }
    }

    fn hotspot_alarm(&mut self, k: &mut Kernel<Msg, Timer>, busiest: u16, share: f64, imbalance: f64, total: u64) {
        let now = k.now();
        let even = 1.0 / self.live().len() as f64;
        let fields = || {
            vec![
                ("shard", Field::from(shard_name(busiest))),
                ("share", Field::from(share)),
                ("imbalance", Field::from(imbalance)),
            ]
        };
        match self.hotspot.update(now, imbalance) {
            Some(AlarmEdge::Raised { .. }) => k.emit(
                "hotspot",
                format!(
                    "hot spot: {} took {:.0}% of the last second's {} shard requests (an even share is {:.1}%): {:.1}× the mean",
                    shard_name(busiest),
                    share * 100.0,
                    thousands(total),
                    even * 100.0,
                    imbalance
                ),
                fields(),
            ),
            Some(AlarmEdge::Cleared { since, quiet_from }) => k.emit(
                "hotspot",
                format!(
                    "load evened out: the busiest shard, {}, took {:.0}% of the last second's requests ({:.1}× the mean) after {:.0} s of hot spot",
                    shard_name(busiest),
                    share * 100.0,
                    imbalance,
                    (quiet_from - since) as f64 / 1e6
                ),
                fields(),
            ),
            None => {}
        }
    }

    // ---- parameters ----------------------------------------------------------------------------------------

    fn apply_config(&mut self, k: &mut Kernel<Msg, Timer>, param: &str, params: &Params) {
        let now = k.now();
        let old = self.cfg.clone();
        self.cfg = Config::from_params(params);
        match param {
            "strategy" if self.cfg.strategy != self.placement.strategy() => {
                let p = self.placement.with_strategy(self.cfg.strategy, self.directory.n_base());
                let what = format!("placement {} → {}", old.strategy.label(), self.cfg.strategy.label());
                self.reshard(k, Cause::Strategy, p, what);
            }
            "shards" => self.set_shards(k),
            "vnodes" if self.cfg.vnodes != self.placement.vnodes() => {
                let p = self.placement.with_vnodes(self.cfg.vnodes);
                if p.strategy() == Strategy::Ring {
                    let what = format!("virtual nodes per shard {} → {}", self.placement.vnodes(), self.cfg.vnodes);
                    self.reshard(k, Cause::Vnodes, p, what);
                } else {
                    self.placement = p; // kept for a later switch to the ring
                }
            }
            "keys" | "zipf_s" => {
                self.popularity = self.popularity.reconfigured(self.cfg.keys, self.cfg.zipf_s);
                let created = self.directory.ensure_keys(&self.placement, self.cfg.keys);
                if created > 0 {
                    k.emit(
                        "keyspace",
                        format!(
                            "{} new keys created (ids up to {}), each placed on its owner",
                            thousands(created),
                            thousands(self.cfg.keys - 1)
                        ),
                        vec![("keys", Field::from(self.directory.n_keys()))],
                    );
                }
                if self.salting() != self.directory.salting() {
                    self.directory.set_salting(&self.placement, self.salting());
                }
                self.audit_counts(k);
            }
            "salt" if self.salting() != self.directory.salting() => self.salt(k, old.salt),
            "request_rate" => self.arrivals.set_rate(k, self.cfg.request_rate, Timer::Arrival),
            "shard_capacity" => {
                for s in self.shards.iter_mut() {
                    s.set_capacity(self.cfg.capacity);
                }
            }
            _ => {}
        }
        self.note_hot_rows();
        self.note_lines(now);
    }

    fn salt(&mut self, k: &mut Kernel<Msg, Timer>, old_k: u8) {
        let s = self.salting();
        self.directory.set_salting(&self.placement, s);
        self.audit_counts(k);
        let key = thousands(s.key);
        let owners = |d: &Directory| {
            let mask = (0..s.k)
                .map(|j| d.owner_of(if j == 0 { KeyRef::Base(s.key) } else { KeyRef::Sub(j) }))
                .fold(0u128, |m, id| m | 1u128 << id);
            (1..=MAX_SHARDS as u16).filter(|id| mask & (1u128 << id) != 0).map(shard_name).collect::<Vec<_>>()
        };
        let text = if s.k > 1 {
            let on = owners(&self.directory);
            format!(
                "key {key} ({}) salted across {} sub-keys on {} shards ({}): each write goes to one sub-key, each read asks all {} and waits for the slowest",
                if self.cfg.celebrity_share > 0.0 { "the celebrity" } else { "the hottest" },
                s.k,
                on.len(),
                on.join(", "),
                s.k
            )
        } else {
            format!("salting removed: key {key}'s {} sub-keys merge back into it; reads ask one shard again", old_k - 1)
        };
        k.emit(
            "salt",
            text,
            vec![
                ("key", Field::from(s.key)),
                ("salt", Field::from(s.k as u64)),
                ("keys", Field::from(self.directory.n_keys())),
            ],
        );
    }
}

impl crate::kernel::Model for ShardingModel {
    type Msg = Msg;
    type Timer = Timer;
    const INVARIANTS: &'static [InvariantSpec] = INVARIANTS;

    fn start(&mut self, k: &mut Kernel<Msg, Timer>) {
        self.arrivals.start(k, Timer::Arrival);
        k.schedule_at(SimTime(SECOND_US), Timer::Tick);
        let live = self.live().len();
        let counts: Vec<u32> = self.live().iter().map(|&id| self.directory.count(id)).collect();
        let (lo, hi) = (counts.iter().min().copied().unwrap_or(0), counts.iter().max().copied().unwrap_or(0));
        let theory = self.key_share_cv_theory().map(|t| format!("; theory {t:.3}")).unwrap_or_default();
        let how = match self.placement.strategy() {
            Strategy::Ring => format!("a ring with {}", super::reshard::vnodes_text(self.placement.vnodes())),
            s => s.label().to_string(),
        };
        k.emit(
            "layout",
            format!(
                "{} keys on {live} shards by {how}: {}–{} keys per shard (CV {:.3}{theory})",
                thousands(self.directory.n_keys()),
                thousands(lo as u64),
                thousands(hi as u64),
                self.key_share_cv()
            ),
            vec![
                ("shards", Field::from(live)),
                ("keys", Field::from(self.directory.n_keys())),
                ("key_share_cv", Field::from(self.key_share_cv())),
            ],
        );
    }

    fn on_message(&mut self, k: &mut Kernel<Msg, Timer>, env: Envelope<Msg>) {
        match env.payload {
            Msg::Request { req, op, created, .. } => self.on_request(k, env.to, req, op, created),
            Msg::Reply { req, op, served, created } => self.on_reply(k.now(), req, op, served, SimTime(created)),
        }
    }

    fn on_timer(&mut self, k: &mut Kernel<Msg, Timer>, timer: Timer) {
        match timer {
            Timer::Arrival => self.on_arrival(k),
            Timer::Served { shard, req, op, created, arrived } => {
                self.on_served(k, shard, req, op, created, SimTime(arrived))
            }
            Timer::Tick => self.on_tick(k),
        }
    }

    fn on_action(&mut self, k: &mut Kernel<Msg, Timer>, action: &ActionKind, params: &Params) {
        match action {
            ActionKind::Trigger { name } => match name.as_str() {
                "add_shard" => self.add_shard(k),
                "remove_shard" => {
                    let highest = *self.live().last().expect("at least one shard");
                    self.remove_shard(k, highest, "remove_shard");
                }
                "split_hot_range" => self.split_hot_range(k),
                other => k.emit("fault", format!("unknown trigger '{other}' ignored"), vec![]),
            },
            ActionKind::Crash { node } => match node.strip_prefix("shard").and_then(|n| n.parse::<u16>().ok()) {
                Some(id) if self.placement.is_live(id) => self.remove_shard(k, id, &format!("removing {node}")),
                _ => k.emit(
                    "fault",
                    format!("crash:{node} has no effect: shards are removed one at a time (click one), and the router stays up"),
                    vec![("node", Field::from(node.as_str()))],
                ),
            },
            ActionKind::Restart { node } => k.emit(
                "fault",
                format!("restart:{node} has no effect: it is already serving (add a shard with add_shard)"),
                vec![("node", Field::from(node.as_str()))],
            ),
            ActionKind::Set { param, .. } => self.apply_config(k, param, params),
            ActionKind::Cut { .. } | ActionKind::Heal { .. } => {}
        }
    }

    fn check_invariants(&self, k: &mut Kernel<Msg, Timer>) {
        // Key ownership changes only inside the directory's calls, and is audited right there.
        let in_progress = self.n_single_in_flight + self.n_fanouts_open;
        k.check(Inv::RequestsUnaccounted as usize, self.n_requests == self.n_answered + in_progress);
    }

    fn node_ids(&self, name: &str) -> Vec<NodeId> {
        match name {
            "router" => vec![ROUTER],
            "shards" => self.live().iter().map(|&id| shard_node(id)).collect(),
            _ => name
                .strip_prefix("shard")
                .filter(|n| !n.starts_with('0'))
                .and_then(|n| n.parse::<u16>().ok())
                .filter(|&id| self.placement.is_live(id))
                .map(shard_node)
                .into_iter()
                .collect(),
        }
    }
}
