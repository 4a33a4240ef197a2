//! How the sharding scene is shown: the topology (the router and its shards, each with its load against
//! capacity), per-shard load bars, the ring (or the keyspace drawn as a circle) with moved keys lit, the
//! load heatmap, and the charts' series and the runner's metrics — all read from the model.

use crate::kernel::{ActionKind, Kernel, SimTime};
use crate::scene::{
    Anomaly, BarView, BarsView, LegendItem, LinkView, NodeAction, NodeView, Panel, Present, RingKey, RingOwner,
    RingPoint, RingView, Tone, TopologyView, WorkGroup, WorkView,
};

use super::heatmap::thousands;
use super::model::{SECOND_US, ShardingModel};
use super::protocol::{KeyRef, Msg, Op, ROUTER, Strategy, Timer, shard_name, shard_node};
use super::{CHARTS, SPREAD_HASH, SPREAD_RANGE, SPREAD_RING};

/// Up to this many shards are drawn one box each; more are drawn as one group box, `shards`.
pub const MAX_DRAWN_SHARDS: usize = 12;
/// Keys drawn on the ring panel at most (a sample; the counts are over every key).
pub const RING_KEY_SAMPLE: usize = 512;
/// Ring points drawn at most; past it, ownership is drawn at this resolution.
pub const MAX_RING_POINTS: usize = 2_048;

const ANOMALIES: &[Anomaly] = &[
    Anomaly {
        metric: "keys_moved_between_survivors",
        label: "keys moved between shards that both stayed",
        help: "Keys a reshard moved from one surviving shard to another. Hash mod N moves most keys this way \
               when N changes; a consistent-hash ring (and range placement) moves none: only the new \
               shard's keys, or the removed shard's.",
    },
    Anomaly {
        metric: "refused",
        label: "requests refused by a full shard queue",
        help: "A shard queues at most 5,000 requests; past that it refuses new ones at once. A hot shard \
               far past its capacity refuses; the others serve.",
    },
];

fn ordinal(r: usize) -> &'static str {
    ["hottest", "2nd hottest", "3rd hottest", "4th hottest"].get(r).copied().unwrap_or("hot")
}

impl ShardingModel {
    /// Requests per second shard `id` was sent over the last full second (before the first second ends:
    /// so far this second, per second).
    pub fn shard_rate(&self, id: u16, now: SimTime) -> f64 {
        let s = &self.shards[id as usize];
        if now.0 >= SECOND_US {
            s.last_second_routed as f64
        } else {
            s.second_routed as f64 / (now.0.max(1) as f64 / 1e6)
        }
    }

    fn mean_rate(&self, now: SimTime) -> f64 {
        let live = self.live();
        live.iter().map(|&id| self.shard_rate(id, now)).sum::<f64>() / live.len().max(1) as f64
    }

    /// The busiest live shard now, if it stands out (more than 1.5× the mean) or is over capacity.
    fn hot_shard(&self, now: SimTime) -> Option<u16> {
        let mean = self.mean_rate(now);
        let (id, rate) = self
            .live()
            .iter()
            .map(|&id| (id, self.shard_rate(id, now)))
            .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)))?;
        (rate > self.cfg.capacity || (self.live().len() > 1 && rate > 1.5 * mean && rate > 0.0)).then_some(id)
    }

    fn shard_tone(&self, id: u16, now: SimTime, hot: Option<u16>) -> Tone {
        let s = &self.shards[id as usize];
        if s.alarm.is_raised() || self.shard_rate(id, now) > self.cfg.capacity {
            Tone::Bad
        } else if hot == Some(id) {
            Tone::Warn
        } else {
            Tone::Good
        }
    }

    fn placement_line(&self) -> String {
        let n = self.live().len();
        match self.placement.strategy() {
            Strategy::Ring => format!("ring: {n} shards × {} virtual nodes", self.placement.vnodes()),
            Strategy::HashMod => format!("hash mod {n}"),
            Strategy::Range => format!("range: {n} key ranges"),
        }
    }

    fn last_reshard_line(&self) -> Option<String> {
        let r = self.last_reshard.as_ref()?;
        let theory = r.theory.map(|t| format!("; theory {:.1}%", t * 100.0)).unwrap_or_default();
        Some(format!(
            "at {:.2} s, {} → {} shards: {} of {} keys moved ({:.1}%{theory})",
            r.at.as_secs_f64(),
            r.from,
            r.to,
            thousands(r.moved),
            thousands(r.keys),
            r.fraction() * 100.0
        ))
    }

    fn topology(&self, k: &Kernel<Msg, Timer>) -> TopologyView {
        let now = k.now();
        let hot = self.hot_shard(now);
        let mut router_lines = vec![
            self.placement_line(),
            format!("{} keys · {} moved so far", thousands(self.directory.n_keys()), thousands(self.keys_moved)),
        ];
        if let Some(line) = self.last_reshard_line() {
            router_lines.push(format!("last reshard {line}"));
        }
        let salt = self.directory.salting();
        if self.cfg.celebrity_share > 0.0 || salt.k > 1 {
            let salted = if salt.k > 1 { format!(", salted ×{}", salt.k) } else { String::new() };
            router_lines.push(format!(
                "celebrity key {}: {:.0}% of requests{salted}",
                thousands(self.popularity.celebrity()),
                self.celebrity_share_theory() * 100.0
            ));
        }
        let mut actions = vec![
            NodeAction { label: "Add a shard", kind: ActionKind::Trigger { name: "add_shard".into() } },
            NodeAction {
                label: "Remove the highest-numbered shard",
                kind: ActionKind::Trigger { name: "remove_shard".into() },
            },
        ];
        if self.placement.strategy() == Strategy::Range {
            actions.push(NodeAction {
                label: "Split the hottest range",
                kind: ActionKind::Trigger { name: "split_hot_range".into() },
            });
        }
        let router = NodeView {
            name: "router".into(),
            label: "Clients → router".into(),
            column: 0,
            members: vec![ROUTER],
            tone: Tone::Neutral,
            badge: Some(format!("{} req/s", thousands(self.cfg.request_rate.round() as u64))),
            lines: router_lines,
            work: None,
            actions,
        };
        let mut nodes = vec![router];
        let mut links = Vec::new();
        let live = self.live();
        let cap = self.cfg.capacity;
        if live.len() <= MAX_DRAWN_SHARDS {
            for &id in live {
                let s = &self.shards[id as usize];
                let rate = self.shard_rate(id, now);
                let tone = self.shard_tone(id, now, hot);
                let keys = self.directory.count(id);
                let badge = match tone {
                    Tone::Bad => "OVERLOADED".to_string(),
                    Tone::Warn => "HOT".to_string(),
                    _ => format!("{:.0}%", rate / cap * 100.0),
                };
                let p99_ms = s.latency.quantile(0.99) as f64 / 1e3;
                let p99 = if p99_ms >= 1e3 { format!("{:.1} s", p99_ms / 1e3) } else { format!("{p99_ms:.1} ms") };
                nodes.push(NodeView {
                    name: shard_name(id),
                    label: format!("Shard {id}"),
                    column: 1,
                    members: vec![shard_node(id)],
                    tone,
                    badge: Some(badge),
                    lines: vec![
                        format!("{} of {} req/s", thousands(rate.round() as u64), thousands(cap.round() as u64)),
                        format!(
                            "{} keys ({:.1}%)",
                            thousands(keys as u64),
                            keys as f64 / self.directory.n_keys().max(1) as f64 * 100.0
                        ),
                        format!("queue {} · p99 {p99}", thousands(s.queued() as u64)),
                    ],
                    work: Some(queue_pile(s.queued(), tone)),
                    actions: vec![NodeAction {
                        label: "Remove this shard",
                        kind: ActionKind::Crash { node: shard_name(id) },
                    }],
                });
                links.push(LinkView {
                    a: "router".into(),
                    b: shard_name(id),
                    cut: k.net.is_cut(ROUTER, shard_node(id)),
                    gate: None,
                });
            }
        } else {
            let over = live.iter().filter(|&&id| self.shard_tone(id, now, hot) == Tone::Bad).count();
            let mut lines = vec![format!("{} shards, {} over capacity", live.len(), over)];
            if let Some(id) = hot {
                lines.push(format!(
                    "busiest: {} at {} of {} req/s",
                    shard_name(id),
                    thousands(self.shard_rate(id, now).round() as u64),
                    thousands(cap.round() as u64)
                ));
            }
            nodes.push(NodeView {
                name: "shards".into(),
                label: format!("{} shards", live.len()),
                column: 1,
                members: live.iter().map(|&id| shard_node(id)).collect(),
                tone: if over > 0 {
                    Tone::Bad
                } else if hot.is_some() {
                    Tone::Warn
                } else {
                    Tone::Good
                },
                badge: Some(if over > 0 { format!("{over} OVERLOADED") } else { format!("{} live", live.len()) }),
                lines,
                work: Some(queue_pile(
                    live.iter().map(|&id| self.shards[id as usize].queued()).sum(),
                    if over > 0 { Tone::Bad } else { Tone::Warn },
                )),
                actions: Vec::new(),
            });
            links.push(LinkView {
                a: "router".into(),
                b: "shards".into(),
                cut: live.iter().all(|&id| k.net.is_cut(ROUTER, shard_node(id))),
                gate: None,
            });
        }
        let legend = [
            (Tone::Neutral, "read"),
            (Tone::Info, "write"),
            (Tone::Warn, "salted read (fan-out)"),
            (Tone::Good, "answer"),
            (Tone::Bad, "refused: queue full"),
        ];
        TopologyView {
            nodes,
            links,
            legend: legend.iter().map(|(tone, label)| LegendItem { tone: *tone, label: label.to_string() }).collect(),
        }
    }

    fn bars(&self, now: SimTime) -> BarsView {
        let hot = self.hot_shard(now);
        let bars = self
            .live()
            .iter()
            .map(|&id| {
                let rate = self.shard_rate(id, now);
                BarView {
                    label: shard_name(id),
                    value: rate,
                    detail: Some(self.directory.count(id) as f64),
                    hot: hot == Some(id) || rate > self.cfg.capacity,
                    tone: self.shard_tone(id, now, hot),
                }
            })
            .collect();
        BarsView {
            title: "Load per shard (last full second) against capacity".into(),
            unit: "req/s".into(),
            bars,
            capacity: Some(self.cfg.capacity),
            detail_label: Some("keys owned".into()),
        }
    }

    /// The keys drawn on the ring: an even sample of the keyspace, and the celebrity with its sub-keys.
    fn ring_key_refs(&self) -> Vec<KeyRef> {
        let n = self.directory.n_base();
        let step = n.div_ceil(RING_KEY_SAMPLE as u64).max(1);
        let salt = self.directory.salting();
        let mut keys: Vec<KeyRef> = (0..n).step_by(step as usize).map(KeyRef::Base).collect();
        keys.push(KeyRef::Base(self.popularity.celebrity()));
        keys.extend((1..salt.k).map(KeyRef::Sub));
        keys
    }

    fn ring(&self) -> RingView {
        let live = self.live();
        let owner_index = |id: u16| live.iter().position(|&s| s == id).unwrap_or(0);
        let owners: Vec<RingOwner> = live
            .iter()
            .map(|&id| RingOwner {
                name: shard_name(id),
                tone: if self.shards[id as usize].alarm.is_raised() { Tone::Bad } else { Tone::Neutral },
            })
            .collect();
        let strategy = self.placement.strategy();
        let span = self.directory.n_base().max(1) as f64;
        let position = |key: KeyRef| -> f32 {
            let at = self.directory.place_of(key);
            match strategy {
                Strategy::Range => ((at.pos as f64 / span) % 1.0) as f32,
                _ => (at.hash as f64 / 18_446_744_073_709_551_616.0) as f32,
            }
        };
        let points: Vec<RingPoint> = match strategy {
            Strategy::Ring => {
                let pts = self.placement.ring_points();
                let at = |p: u64| (p as f64 / 18_446_744_073_709_551_616.0) as f32;
                if pts.len() <= MAX_RING_POINTS {
                    pts.iter().map(|&(p, id)| RingPoint { position: at(p), owner: owner_index(id) }).collect()
                } else {
                    // Too many to draw: the owner at evenly spaced positions, which still draws the arcs.
                    (1..=MAX_RING_POINTS as u64)
                        .map(|i| {
                            let p = (i as u128 * (1u128 << 64) / MAX_RING_POINTS as u128 - 1) as u64;
                            let owner = self.placement.owner(super::placement::KeyPlace { hash: p, pos: 0 });
                            RingPoint { position: at(p), owner: owner_index(owner) }
                        })
                        .collect()
                }
            }
            // A range ends where the next begins: its point sits at its upper bound, owning the arc below.
            Strategy::Range => {
                let ranges = self.placement.ranges();
                ranges
                    .iter()
                    .enumerate()
                    .map(|(i, &(_, id))| {
                        let upper = ranges.get(i + 1).map_or(span, |r| r.0 as f64);
                        RingPoint { position: ((upper / span) % 1.0) as f32, owner: owner_index(id) }
                    })
                    .collect()
            }
            Strategy::HashMod => Vec::new(),
        };
        let keys: Vec<RingKey> = self
            .ring_key_refs()
            .into_iter()
            .map(|key| RingKey {
                position: position(key),
                owner: owner_index(self.directory.owner_of(key)),
                moved: self.directory.moved_at_last_reshard(key),
            })
            .collect();
        let how = match strategy {
            Strategy::Ring => format!(
                "ring: {} shards × {} virtual nodes; a key belongs to the first point clockwise",
                live.len(),
                self.placement.vnodes()
            ),
            Strategy::HashMod => format!(
                "hash mod {}: keys at their hash, coloured by shard; no arcs — changing N changes most keys' shard",
                live.len()
            ),
            Strategy::Range => format!("range: the keyspace around the circle, {} ranges", live.len()),
        };
        let last = match self.last_reshard_line() {
            Some(line) => format!("last reshard {line}"),
            None => "no reshard yet".to_string(),
        };
        let caption = format!("{how} · {last} · {} of {} keys drawn", keys.len(), thousands(self.directory.n_keys()));
        RingView { title: "Keys and their shards".into(), owners, points, keys, caption }
    }

    fn hot_labels(&self) -> Vec<String> {
        let salt = self.directory.salting();
        (0..super::heatmap::HOT_ROWS)
            .map(|r| {
                let id = self.popularity.rank_key(r);
                if r == 0 {
                    let what = if self.cfg.celebrity_share > 0.0 { "celebrity" } else { ordinal(0) };
                    let salted = if salt.k > 1 { format!(", salted ×{}", salt.k) } else { String::new() };
                    format!("key {} · {what}{salted}", thousands(id))
                } else {
                    format!("key {} · {}", thousands(id), ordinal(r))
                }
            })
            .collect()
    }
}

impl Present for ShardingModel {
    const ANOMALIES: &'static [Anomaly] = ANOMALIES;

    fn panels(&self, k: &Kernel<Msg, Timer>) -> Vec<Panel> {
        let now = k.now();
        let mut panels = vec![
            Panel::Topology(self.topology(k)),
            Panel::Bars(self.bars(now)),
            Panel::Ring(self.ring()),
            Panel::Heatmap(self.heatmap.view(now, self.directory.n_base(), self.cfg.capacity, &self.hot_labels())),
        ];
        panels.extend(CHARTS.iter().map(Panel::Chart));
        panels.push(Panel::Chart(match self.placement.strategy() {
            Strategy::Ring => &SPREAD_RING,
            Strategy::HashMod => &SPREAD_HASH,
            Strategy::Range => &SPREAD_RANGE,
        }));
        panels
    }

    fn message_tone(&self, msg: &Msg) -> Tone {
        match msg {
            Msg::Request { op: Op::Read, .. } => Tone::Neutral,
            Msg::Request { op: Op::Write, .. } => Tone::Info,
            Msg::Request { op: Op::FanOutRead, .. } => Tone::Warn,
            Msg::Reply { served: true, .. } => Tone::Good,
            Msg::Reply { served: false, .. } => Tone::Bad,
        }
    }

    fn series(&self, k: &Kernel<Msg, Timer>, name: &str) -> Vec<(f64, f64)> {
        let now = k.now();
        match name {
            "requests_per_s" => self.requests_series.points(now),
            "shard_requests_per_s" => self.shard_requests_series.points(now),
            "refused_per_s" => self.refused_series.points(now),
            "busiest_shard_p99_ms" => self.busiest_p99_series.points(now),
            "other_shards_p99_ms" => self.others_p99_series.points(now),
            "latency_p99_ms" => self.latency_series.p99_points(now),
            "busiest_share" => self.busiest_share_series.points(now),
            "even_share" => self.even_share_line.points(now),
            "hot_key_share" => self.hot_share_line.points(now),
            "imbalance" => self.imbalance_series.points(now),
            "key_share_cv" => self.cv_series.points(now),
            "key_share_cv_theory" => self.cv_theory_series.points(now),
            _ => Vec::new(),
        }
    }

    fn metrics(&self, k: &Kernel<Msg, Timer>) -> Vec<(&'static str, f64)> {
        let now = k.now();
        let per = |a: u64, b: u64| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        let busiest = self.busiest_shard();
        let max_writes = self.shards.iter().map(|s| s.n_routed_writes).max().unwrap_or(0);
        let total_writes: u64 = self.shards.iter().map(|s| s.n_routed_writes).sum();
        // Per-shard p99s: at the busiest shard since the start, and over every other shard's requests.
        let hot_id = busiest.map_or(0, |b| b.0);
        let mut others = crate::kernel::Histogram::default();
        for s in self.shards.iter().skip(1).filter(|s| s.id != hot_id) {
            others.merge(&s.latency);
        }
        let hot_p99 = self.shards.get(hot_id as usize).map_or(0, |s| s.latency.quantile(0.99));
        let mut m = vec![
            ("requests", self.n_requests as f64),
            ("answered", self.n_answered as f64),
            ("refused", self.n_refused as f64),
            ("reads", self.n_reads as f64),
            ("writes", self.n_writes as f64),
            ("shard_requests", self.n_shard_requests as f64),
            ("fanout_requests", self.n_fanout_parts as f64),
            ("max_shard_share", per(busiest.map_or(0, |b| b.1), self.n_shard_requests)),
            ("max_shard_write_share", per(max_writes, total_writes)),
            ("imbalance", self.imbalance(now)),
            ("hottest_shard", hot_id as f64),
            ("key_share_cv", self.key_share_cv()),
        ];
        if let Some(t) = self.key_share_cv_theory() {
            m.push(("key_share_cv_theory", t));
        }
        m.extend([
            ("shards", self.live().len() as f64),
            ("keys", self.directory.n_keys() as f64),
            ("keys_created", self.n_keys_created as f64),
            ("reshards", self.n_reshards as f64),
            ("keys_moved", self.keys_moved as f64),
            ("keys_moved_between_survivors", self.keys_moved_between_survivors as f64),
        ]);
        if let Some(r) = &self.last_reshard {
            m.push(("last_moved_fraction", r.fraction()));
            if let Some(t) = r.theory {
                m.push(("last_moved_theory", t));
            }
        }
        m.extend([
            ("celebrity_key", self.popularity.celebrity() as f64),
            ("celebrity_traffic_share", per(self.n_celebrity_requests, self.n_requests)),
            ("celebrity_traffic_share_theory", self.celebrity_share_theory()),
            ("celebrity_shard_request_share", per(self.n_celebrity_shard_requests, self.n_shard_requests)),
            ("latency_p50_ms", self.latency.quantile(0.5) as f64 / 1e3),
            ("latency_p99_ms", self.latency.quantile(0.99) as f64 / 1e3),
            ("hottest_shard_latency_p99_ms", hot_p99 as f64 / 1e3),
            ("other_shards_latency_p99_ms", others.quantile(0.99) as f64 / 1e3),
            ("events", k.n_events() as f64),
        ]);
        m
    }
}

/// A shard's queue drawn as a pile inside its box: requests waiting for the shard's one server, so the hot
/// shard is seen filling up while the others stay empty.
fn queue_pile(queued: u32, tone: Tone) -> WorkView {
    let tone = if tone == Tone::Bad { Tone::Bad } else { Tone::Warn };
    WorkView {
        unit: "request".into(),
        capacity: None,
        groups: vec![WorkGroup { count: queued, tone, label: "queued".into() }],
    }
}
