//! How the cache stampede is shown: the topology drawn as cache-aside (the app servers read the cache and,
//! on a miss, query the database and write the value back; the cache never talks to the database), the hot
//! key's life as a state machine, and the charts' series and runner metrics, all read from the model.

use crate::kernel::{ActionKind, Kernel, NodeId, SimTime, ratio_points};
use crate::scene::{
    Anomaly, LegendItem, LinkView, MachineView, NodeAction, NodeView, Panel, Present, Tone, TopologyView, WorkGroup,
    WorkView,
};

use super::model::StampedeModel;
use super::protocol::{CACHE, CLIENTS, DATABASE, Msg, Outcome, Read, Strategy, Timer, server_name, server_node};
use super::{CHARTS, DB_CHARTS, KEY_EDGES, KEY_STATES, STRATEGIES, SWR_KEY_EDGES, SWR_KEY_STATES};

/// Up to this many servers are drawn one box each; more are drawn as one group box, `apps`.
pub const MAX_DRAWN_SERVERS: usize = 8;

const ANOMALIES: &[Anomaly] = &[
    Anomaly {
        metric: "user_visible_misses_on_warm_keys",
        label: "user-visible misses on a warm key",
        help: "Requests that waited on the database for a key that had a cached value (not flushed). \
               Stale-while-revalidate keeps this at 0; the other strategies show how often users pay for an expiry.",
    },
    Anomaly {
        metric: "older_version_writes",
        label: "writes that replaced a newer value with an older one",
        help: "Concurrent recomputes racing to write: a slower, older result overwrote a newer one.",
    },
];

fn node(name: String, label: String, column: u8, members: Vec<NodeId>, tone: Tone) -> NodeView {
    NodeView { name, label, column, members, tone, badge: None, lines: Vec::new(), work: None, actions: Vec::new() }
}

impl StampedeModel {
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

    fn topology(&self, k: &Kernel<Msg, Timer>) -> TopologyView {
        let now = k.now();
        let n_db = self.db.n_running();
        let cap = self.cfg.db_capacity as usize;
        let overloaded = n_db > cap;
        let (hot_line, hot_tone) = self.hot_key_line(now);
        let n_cached = self.entries.iter().filter(|e| e.value.is_some_and(|v| now < v.expires_at)).count();
        let clients = NodeView {
            badge: Some(format!("{:.0} req/s", self.cfg.request_rate)),
            lines: vec![format!("{} sent · {} answered", self.n_client_requests, self.n_responses)],
            ..node("clients".into(), "Clients".into(), 0, vec![CLIENTS], Tone::Neutral)
        };
        let cache = NodeView {
            badge: Some(match hot_tone {
                Tone::Good => "FRESH".into(),
                Tone::Warn => "STALE".into(),
                _ => "MISS".into(),
            }),
            lines: vec![
                if self.cfg.hot_keys == 1 {
                    hot_line
                } else {
                    format!("{hot_line} · {n_cached}/{} fresh", self.cfg.hot_keys)
                },
                format!("{} hits, {} misses", self.n_hits, self.n_misses),
            ],
            actions: vec![
                NodeAction { label: "Flush cache", kind: ActionKind::Trigger { name: "flush".into() } },
                NodeAction { label: "Expire hot key", kind: ActionKind::Trigger { name: "expire_hot".into() } },
            ],
            ..node("cache".into(), "Cache".into(), 2, vec![CACHE], hot_tone)
        };
        let db_tone = if overloaded || !self.db_up {
            Tone::Bad
        } else if n_db * 4 >= cap * 3 {
            Tone::Warn
        } else {
            Tone::Good
        };
        let database = NodeView {
            badge: Some(if !self.db_up {
                "DOWN".into()
            } else if overloaded {
                "OVERLOADED".into()
            } else {
                format!("{n_db}/{cap}")
            }),
            lines: vec![{
                let r_ms = self.cfg.recompute_us as f64 / 1e3;
                let q_ms = r_ms * self.db.slowdown();
                if q_ms > r_ms * 1.005 {
                    format!("{q_ms:.0} ms per query (R = {r_ms:.0})")
                } else {
                    format!("{r_ms:.0} ms per query")
                }
            }],
            work: Some(WorkView {
                unit: "query".into(),
                capacity: Some(cap as u32),
                groups: vec![WorkGroup { count: n_db as u32, tone: Tone::Warn, label: "queries running".into() }],
            }),
            actions: vec![if self.db_up {
                NodeAction { label: "Take down", kind: ActionKind::Crash { node: "database".into() } }
            } else {
                NodeAction { label: "Bring back up", kind: ActionKind::Restart { node: "database".into() } }
            }],
            ..node("database".into(), "Database".into(), 2, vec![DATABASE], db_tone)
        };
        let mut nodes = vec![clients];
        let n = self.cfg.servers;
        let grouped = n > MAX_DRAWN_SERVERS;
        let groups: Vec<(String, String, Vec<usize>)> = if grouped {
            vec![("apps".into(), format!("{n} app servers"), (0..n).collect())]
        } else {
            (0..n).map(|i| (server_name(i), format!("App server {}", i + 1), vec![i])).collect()
        };
        for (name, label, idx) in &groups {
            let (flights, waiting, recomputing) = idx
                .iter()
                .filter_map(|&i| self.servers.get(i))
                .fold((0, 0, 0), |(a, b, c), s| (a + s.flights.len(), b + s.n_waiting, c + s.n_recomputing));
            let mut lines = vec![format!("{recomputing} recomputing, {waiting} waiting")];
            if self.cfg.strategy == Strategy::SingleFlight {
                lines.push(format!("{flights} single-flights open"));
            }
            nodes.push(NodeView {
                badge: Some(self.cfg.strategy.label().to_string()),
                lines,
                work: Some(WorkView {
                    unit: "request".into(),
                    capacity: None,
                    groups: vec![
                        WorkGroup { count: recomputing, tone: Tone::Warn, label: "recomputing".into() },
                        WorkGroup { count: waiting, tone: Tone::Info, label: "waiting for a recompute".into() },
                    ],
                }),
                ..node(
                    name.clone(),
                    label.clone(),
                    1,
                    idx.iter().map(|&i| server_node(i)).collect(),
                    if recomputing > 0 { Tone::Warn } else { Tone::Good },
                )
            });
        }
        nodes.push(cache);
        nodes.push(database);
        let cut = |a: NodeId, b: NodeId| k.net.is_cut(a, b);
        let mut links = Vec::new();
        for (name, _, idx) in &groups {
            // A group's link counts as cut when every member's is.
            let all = |other: NodeId| idx.iter().all(|&i| cut(other, server_node(i)));
            let link = |a: &str, b: &str, cut| LinkView { a: a.into(), b: b.into(), cut, gate: None };
            links.push(link("clients", name, all(CLIENTS)));
            links.push(link(name, "cache", all(CACHE)));
            links.push(link(name, "database", all(DATABASE)));
        }
        let legend = [
            (Tone::Neutral, "request / cache read"),
            (Tone::Good, "hit"),
            (Tone::Bad, "miss · error"),
            (Tone::Warn, "query · stale · waited"),
            (Tone::Info, "write · lock poll"),
        ];
        let legend = legend.iter().map(|(tone, label)| LegendItem { tone: *tone, label: label.to_string() }).collect();
        TopologyView { nodes, links, legend }
    }
}

impl Present for StampedeModel {
    const ANOMALIES: &'static [Anomaly] = ANOMALIES;

    fn panels(&self, k: &Kernel<Msg, Timer>) -> Vec<Panel> {
        let (states, edges) =
            if self.cfg.strategy == Strategy::Swr { (SWR_KEY_STATES, SWR_KEY_EDGES) } else { (KEY_STATES, KEY_EDGES) };
        let machine = MachineView { title: "Hot key #1".into(), states, current: self.hot_key_state(k.now()), edges };
        let mut panels = vec![Panel::Topology(self.topology(k)), Panel::Machines { machines: vec![machine] }];
        let strategy = STRATEGIES.iter().position(|s| Strategy::from_name(s) == self.cfg.strategy).unwrap_or(0);
        panels.push(Panel::Chart(&DB_CHARTS[strategy]));
        panels.extend(CHARTS.iter().map(Panel::Chart));
        panels
    }

    fn message_tone(&self, msg: &Msg) -> Tone {
        match msg {
            Msg::Request { .. } | Msg::Get { poll: None, .. } => Tone::Neutral,
            Msg::Get { poll: Some(_), .. } => Tone::Info,
            Msg::Reply { read: Read::Fresh { .. }, .. } => Tone::Good,
            Msg::Reply { read: Read::Stale { .. }, .. } => Tone::Warn,
            Msg::Reply { read: Read::Miss { .. }, .. } => Tone::Bad,
            Msg::Query { .. } => Tone::Warn,
            Msg::QueryReply { ok: true, .. } | Msg::Set { .. } | Msg::SetAck { .. } | Msg::Unlock { .. } => Tone::Info,
            Msg::QueryReply { ok: false, .. } => Tone::Bad,
            Msg::Response { outcome: Outcome::Hit, .. } => Tone::Good,
            Msg::Response { outcome: Outcome::Stale, .. } => Tone::Warn,
            Msg::Response { outcome: Outcome::Waited, .. } => Tone::Warn,
            Msg::Response { outcome: Outcome::Error, .. } => Tone::Bad,
        }
    }

    fn series(&self, k: &Kernel<Msg, Timer>, name: &str) -> Vec<(f64, f64)> {
        let now = k.now();
        match name {
            "db_concurrency" => self.db_level.points(now),
            "db_concurrency_theory" => self.theory_line.points(now),
            "db_capacity" => self.capacity_line.points(now),
            "db_qps" => self.db_qps.points(now),
            "db_refused_qps" => self.db_refused.points(now),
            "hit_ratio" => ratio_points(&self.hits_series, &self.requests_series, now),
            "stale_ratio" => ratio_points(&self.stale_series, &self.requests_series, now),
            "client_latency_p50" => self.latency_series.p50_points(now),
            "client_latency_p99" => self.latency_series.p99_points(now),
            _ => Vec::new(),
        }
    }

    fn metrics(&self, k: &Kernel<Msg, Timer>) -> Vec<(&'static str, f64)> {
        let now = k.now();
        let per = |a: u64, b: u64| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        let hot_rate = self.key_rate(0);
        let o = &self.observer;
        vec![
            ("client_requests", self.n_client_requests as f64),
            ("requests", self.n_requests as f64),
            ("hits", self.n_hits as f64),
            ("misses", self.n_misses as f64),
            ("hit_ratio", per(self.n_hits, self.n_requests)),
            ("stale_served", self.n_stale_served as f64),
            ("user_visible_misses", self.n_user_visible_misses as f64),
            ("user_visible_misses_on_warm_keys", self.n_uvm_on_warm_keys as f64),
            ("older_version_writes", self.n_older_version_writes as f64),
            ("errors", self.n_errors as f64),
            ("responses", self.n_responses as f64),
            ("waiters", self.n_waiters as f64),
            ("cache_reads", self.n_cache_reads as f64),
            ("lock_polls", self.n_lock_polls as f64),
            ("recomputes", self.n_recomputes as f64),
            ("early_refreshes", self.n_early_refreshes as f64),
            ("db_queries", self.n_db_queries as f64),
            ("db_refused", self.n_db_refused as f64),
            ("max_db_concurrency", self.db_level.peak as f64),
            ("db_concurrency_now", self.db.n_running() as f64),
            ("db_overloaded_s", self.db_alarm.raised_us(now) as f64 / 1e6),
            ("expiries", o.n_expiries as f64),
            ("recomputes_per_expiry", per(o.n_expiry_recomputes, o.n_expiries)),
            ("hot_key_rate", hot_rate),
            ("hot_key_ttl_expiries", o.n_hot_ttl_expiries as f64),
            ("hot_key_recomputes_per_expiry", per(o.n_hot_ttl_recomputes, o.n_hot_ttl_expiries)),
            ("theory_recomputes_per_expiry", self.theory_recomputes()),
            ("theory_peak_db_concurrency", self.theory_peak()),
            ("client_latency_p50_ms", self.latency.quantile(0.5) as f64 / 1000.0),
            ("client_latency_p99_ms", self.latency.quantile(0.99) as f64 / 1000.0),
            ("client_latency_max_ms", self.latency.max() as f64 / 1000.0),
            ("events", k.n_events() as f64),
        ]
    }
}
