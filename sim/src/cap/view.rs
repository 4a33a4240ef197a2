//! How the CAP scene is shown: the two sites side by side (clients of site a, its replicas, site b's
//! replicas, its clients), each replica with the value and version it holds; a box per site whose link is
//! the partition to click; the client history with the checker's verdict; and the charts' series and the
//! runner's metrics, all read from the model.

use crate::kernel::{ActionKind, Kernel, NodeId, SimTime, ratio_points};
use crate::scene::{
    Anomaly, HistoryView, LegendItem, LinkView, NodeAction, NodeView, OpResult, OpView, Panel, Present, SpanView, Tone,
    TopologyView,
};

use super::model::CapModel;
use super::observer::HistOp;
use super::protocol::{
    Answer, MAX_CLIENTS, Mode, Msg, Request, Site, Timer, client_node, client_site, coordinator_of, majority,
    replica_node, replica_site, site_replicas,
};
use super::{AVAILABILITY_CHART, DIVERGENCE_CHART, LATENCY_CHART, STALE_CHART, STALE_CHART_THEORY};

/// Operations the History panel is given at most (the most recent).
pub const MAX_HISTORY_OPS: usize = 300;
/// …and only those of the last this many seconds (or still pending).
const HISTORY_WINDOW_US: u64 = 30_000_000;

const ANOMALIES: &[Anomaly] = &[
    Anomaly {
        metric: "stale_reads",
        label: "stale reads",
        help: "Reads that returned ok without reflecting a write acknowledged before they began. Expected under ap during a partition and in quorum mode with R + W ≤ N; never under cp.",
    },
    Anomaly {
        metric: "lost_writes",
        label: "acknowledged writes lost",
        help: "ap with last-writer-wins: writes acknowledged to their client, then dropped for a version whose writer never saw them. The multi-value register keeps them as siblings instead.",
    },
    Anomaly {
        metric: "linearizability_violations",
        label: "linearizability violations",
        help: "Moments the checker found no order of the overlapping operations that a single register could produce. Under cp this must stay 0; under ap and weak quorums it is the price of availability.",
    },
    Anomaly {
        metric: "checks_undecided",
        label: "checks undecided",
        help: "Chunks of history whose search passed the checker's step budget: it says undecided rather than stall the page.",
    },
    Anomaly {
        metric: "replicas_diverged",
        label: "replicas diverged",
        help: "Replicas that lack a write acknowledged more than 2 × replication delay + timeout ago (a partitioned or crashed replica, or one no write has reached since).",
    },
];

fn plain(name: String, label: String, column: u8, members: Vec<NodeId>, tone: Tone) -> NodeView {
    NodeView { name, label, column, members, tone, badge: None, lines: Vec::new(), work: None, actions: Vec::new() }
}

fn values_text(values: &[u64], sep: &str) -> String {
    if values.is_empty() { "∅".into() } else { values.iter().map(|v| v.to_string()).collect::<Vec<_>>().join(sep) }
}

fn op_label(h: &HistOp) -> String {
    match h.req {
        Request::Write(v) => format!("w {v}"),
        Request::Read if h.ret.is_none() || matches!(h.result, OpResult::Fail) => "r".into(),
        Request::Read => format!("r {}", values_text(&h.read, ",")),
    }
}

impl CapModel {
    fn version_text(&self, r: usize) -> String {
        let replica = &self.replicas[r];
        match replica.versions.as_slice() {
            [] => "holds nothing yet".into(),
            [v] if self.obs.segment_mode == Mode::Cp => format!("holds {} (version {})", v.value(), v.tag.ts),
            [v] => format!("holds {} (stamped {:.3} s)", v.value(), v.tag.ts as f64 / 1e6),
            vs => format!("holds {} (siblings)", values_text(&vs.iter().map(|v| v.value()).collect::<Vec<_>>(), " | ")),
        }
    }

    fn topology(&self, k: &Kernel<Msg, Timer>) -> TopologyView {
        let n = self.n();
        let acked = self.obs.acked;
        let mut nodes = Vec::new();
        let client_box = |c: usize, column: u8| {
            let client = &self.clients[c];
            let (ok, not_ok, last) = self.obs.per_client[c];
            let (badge, tone) = if !client.up {
                ("DOWN".to_string(), Tone::Bad)
            } else if client.pending.is_some() {
                ("WAITING".to_string(), Tone::Info)
            } else {
                match last {
                    Some(OpResult::Ok) => ("OK".into(), Tone::Good),
                    Some(OpResult::Stale) => ("STALE".into(), Tone::Warn),
                    Some(OpResult::Fail) => ("FAILED".into(), Tone::Bad),
                    Some(OpResult::Unknown) => ("UNKNOWN".into(), Tone::Warn),
                    _ => ("THINKING".into(), Tone::Neutral),
                }
            };
            let site = client_site(c);
            NodeView {
                badge: Some(badge),
                lines: vec![
                    format!("talks to r{}", coordinator_of(c, n) + 1),
                    format!("{ok} ok, {not_ok} failed or unknown"),
                ],
                actions: vec![if client.up {
                    NodeAction { label: "Take down", kind: ActionKind::Crash { node: format!("c{}", c + 1) } }
                } else {
                    NodeAction { label: "Bring back up", kind: ActionKind::Restart { node: format!("c{}", c + 1) } }
                }],
                ..plain(
                    format!("c{}", c + 1),
                    format!("c{} · site {}", c + 1, site.name()),
                    column,
                    vec![client_node(c)],
                    tone,
                )
            }
        };
        for c in (0..self.cfg.clients).filter(|&c| client_site(c) == Site::A) {
            nodes.push(client_box(c, 0));
        }
        for r in 0..n {
            let replica = &self.replicas[r];
            let current = self.reflects(r, &acked);
            let tone = if !replica.up {
                Tone::Bad
            } else if current {
                Tone::Good
            } else {
                Tone::Warn
            };
            let mut lines = vec![
                self.version_text(r),
                match (self.merge_rule() == super::replica::MergeRule::ByClock, current) {
                    (true, true) => "has seen every acknowledged write".into(),
                    (true, false) => "has not seen every acknowledged write".into(),
                    (false, true) if acked.max_tag.value == 0 => "up to date".into(),
                    (false, true) => format!("up to date: the newest acknowledged is {}", acked.max_tag.value),
                    (false, false) => format!("behind: the newest acknowledged is {}", acked.max_tag.value),
                },
            ];
            let offset = self.clock_offset_us(r);
            if offset != 0 {
                lines.push(format!("clock {:+.0} ms", offset as f64 / 1e3));
            }
            let site = replica_site(r, n);
            nodes.push(NodeView {
                badge: Some(if replica.up { values_text(&replica.values(), " | ") } else { "DOWN".into() }),
                lines,
                actions: vec![if replica.up {
                    NodeAction { label: "Take down", kind: ActionKind::Crash { node: format!("r{}", r + 1) } }
                } else {
                    NodeAction { label: "Bring back up", kind: ActionKind::Restart { node: format!("r{}", r + 1) } }
                }],
                ..plain(
                    format!("r{}", r + 1),
                    format!("r{} · site {}", r + 1, site.name()),
                    if site == Site::A { 1 } else { 2 },
                    vec![replica_node(r)],
                    tone,
                )
            });
        }
        for c in (0..self.cfg.clients).filter(|&c| client_site(c) == Site::B) {
            nodes.push(client_box(c, 3));
        }
        let whole = self.split_since.is_none();
        for site in [Site::A, Site::B] {
            let own = site_replicas(site, n);
            let idx = site.index();
            let unavailable = self.obs.unavailable[idx].is_raised();
            let (done, ok) = (self.obs.n_ops_by_site[idx], self.obs.n_ok_by_site[idx]);
            let share = if done == 0 { 1.0 } else { ok as f64 / done as f64 };
            let names = own.iter().map(|r| format!("r{}", r + 1)).collect::<Vec<_>>().join(", ");
            nodes.push(NodeView {
                badge: Some(if unavailable { "UNAVAILABLE".into() } else { "AVAILABLE".into() }),
                lines: vec![
                    format!(
                        "{names}: {} of {n} replicas ({})",
                        own.len(),
                        if own.len() >= majority(n) { "a majority" } else { "a minority" }
                    ),
                    format!("{ok} of {done} operations ok ({:.0}%)", share * 100.0),
                ],
                work: None,
                actions: vec![if whole {
                    NodeAction { label: "Partition the sites", kind: ActionKind::Trigger { name: "partition".into() } }
                } else {
                    NodeAction { label: "Heal the partition", kind: ActionKind::Trigger { name: "heal".into() } }
                }],
                ..plain(
                    format!("site_{}", site.name()),
                    format!("Site {}", site.name()),
                    if site == Site::A { 1 } else { 2 },
                    self.site_nodes(site),
                    if unavailable { Tone::Bad } else { Tone::Good },
                )
            });
        }
        let cut = |a: NodeId, b: NodeId| k.net.is_cut(a, b);
        let mut links = Vec::new();
        for c in 0..self.cfg.clients {
            let r = coordinator_of(c, n);
            links.push(LinkView {
                a: format!("c{}", c + 1),
                b: format!("r{}", r + 1),
                cut: cut(client_node(c), replica_node(r)),
                gate: None,
            });
        }
        let (a, b) = (site_replicas(Site::A, n), site_replicas(Site::B, n));
        for &i in &a {
            for &j in &b {
                links.push(LinkView {
                    a: format!("r{}", i + 1),
                    b: format!("r{}", j + 1),
                    cut: cut(replica_node(i), replica_node(j)),
                    gate: None,
                });
            }
        }
        let sites_cut = a.iter().all(|&i| b.iter().all(|&j| cut(replica_node(i), replica_node(j))));
        links.push(LinkView { a: "site_a".into(), b: "site_b".into(), cut: sites_cut, gate: None });
        let legend = [
            (Tone::Neutral, "request, write"),
            (Tone::Info, "read query, anti-entropy"),
            (Tone::Good, "ok"),
            (Tone::Bad, "failed"),
            (Tone::Warn, "unknown (timed out)"),
        ];
        TopologyView {
            nodes,
            links,
            legend: legend.iter().map(|(tone, label)| LegendItem { tone: *tone, label: label.to_string() }).collect(),
        }
    }

    fn history(&self, now: SimTime) -> HistoryView {
        let n_lanes = self
            .obs
            .history
            .iter()
            .map(|h| h.client as usize + 1)
            .max()
            .unwrap_or(0)
            .max(self.cfg.clients)
            .min(MAX_CLIENTS);
        let lanes = (0..n_lanes).map(|c| format!("c{} · site {}", c + 1, client_site(c).name())).collect();
        let from = now.0.saturating_sub(HISTORY_WINDOW_US);
        let recent: Vec<&HistOp> =
            self.obs.history.iter().rev().filter(|h| h.ret.is_none_or(|t| t.0 >= from)).take(MAX_HISTORY_OPS).collect();
        let ops = recent
            .into_iter()
            .rev()
            .map(|h| OpView {
                lane: h.client as usize,
                invoke: h.invoke,
                ret: h.ret,
                label: op_label(h),
                result: h.result,
                linearized_at: h.linearized_at,
                violation: h.violation,
            })
            .collect();
        let spans = self
            .obs
            .spans
            .iter()
            .filter(|s| s.1.is_none_or(|t| t.0 >= from))
            .map(|(f, t, label)| SpanView { from: *f, to: *t, label: format!("partition: {label}") })
            .collect();
        let stats = self.obs.checker.stats();
        let undecided = if stats.undecided > 0 {
            format!("; {} checks undecided (search budget)", stats.undecided)
        } else {
            String::new()
        };
        let (verdict, verdict_tone) = match &self.obs.first_violation {
            Some(v) => (
                format!(
                    "NOT linearizable: {} ({} violation{} in {} operations checked{undecided})",
                    v.text,
                    stats.violations,
                    if stats.violations == 1 { "" } else { "s" },
                    stats.ops_checked
                ),
                Tone::Bad,
            ),
            None if stats.undecided > 0 => {
                (format!("no violation found in {} operations checked{undecided}", stats.ops_checked), Tone::Warn)
            }
            None => (format!("linearizable so far ({} operations checked)", stats.ops_checked), Tone::Good),
        };
        HistoryView {
            title: "Client history and linearizability".into(),
            lanes,
            ops,
            spans,
            verdict,
            verdict_tone,
            violation_at: self.obs.first_violation.as_ref().map(|v| v.found_at),
        }
    }

    fn theory_points(&self, now: SimTime) -> Vec<(f64, f64)> {
        let mut pts = Vec::new();
        let segs = &self.obs.theory;
        for (i, &(t, v)) in segs.iter().enumerate() {
            if t > now {
                break;
            }
            let end = segs.get(i + 1).map_or(now, |s| s.0.min(now));
            if let Some(v) = v {
                pts.push((t.as_secs_f64(), v));
                pts.push((end.as_secs_f64(), v));
            }
        }
        pts
    }
}

impl Present for CapModel {
    const ANOMALIES: &'static [Anomaly] = ANOMALIES;

    fn panels(&self, k: &Kernel<Msg, Timer>) -> Vec<Panel> {
        let stale = if self.cfg.mode == Mode::Quorum { &STALE_CHART_THEORY } else { &STALE_CHART };
        vec![
            Panel::Topology(self.topology(k)),
            Panel::History(self.history(k.now())),
            Panel::Chart(&AVAILABILITY_CHART),
            Panel::Chart(stale),
            Panel::Chart(&LATENCY_CHART),
            Panel::Chart(&DIVERGENCE_CHART),
        ]
    }

    fn message_tone(&self, msg: &Msg) -> Tone {
        match msg {
            Msg::Request { .. } | Msg::Store { .. } | Msg::Replicate { .. } => Tone::Neutral,
            Msg::Query { .. } | Msg::QueryReply { .. } | Msg::Gossip { .. } => Tone::Info,
            Msg::StoreAck { .. } | Msg::Response { answer: Answer::Ok(_), .. } => Tone::Good,
            Msg::Response { answer: Answer::Fail(_), .. } => Tone::Bad,
            Msg::Response { answer: Answer::Unknown(_), .. } => Tone::Warn,
        }
    }

    fn series(&self, k: &Kernel<Msg, Timer>, name: &str) -> Vec<(f64, f64)> {
        let now = k.now();
        let o = &self.obs;
        match name {
            "availability_a" => ratio_points(&o.ok_series[0], &o.done_series[0], now),
            "availability_b" => ratio_points(&o.ok_series[1], &o.done_series[1], now),
            "network" => o.network.points(now),
            "stale_fraction" => ratio_points(&o.stale_series, &o.reads_ok_series, now),
            "stale_theory" => self.theory_points(now),
            "latency_p50_ms" => o.latency_series.p50_points(now),
            "latency_mean_ms" => ratio_points(&o.latency_sum_series, &o.ok_total_series, now),
            "latency_p99_ms" => o.latency_series.p99_points(now),
            "replicas_lagging" => o.lagging.points(now),
            "distinct_states" => o.distinct.points(now),
            _ => Vec::new(),
        }
    }

    fn metrics(&self, k: &Kernel<Msg, Timer>) -> Vec<(&'static str, f64)> {
        let now = k.now();
        let o = &self.obs;
        let stats = o.checker.stats();
        let per = |a: u64, b: u64| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        let theory = self.obs.theory.last().and_then(|t| t.1).unwrap_or(-1.0);
        vec![
            ("ops", o.n_ops as f64),
            ("writes_ok", o.n_writes_ok as f64),
            ("writes_failed", o.n_writes_failed as f64),
            ("writes_unknown", o.n_writes_unknown as f64),
            ("reads_ok", o.n_reads_ok as f64),
            ("reads_failed", o.n_reads_failed as f64),
            ("stale_reads", o.n_stale as f64),
            ("lost_writes", o.n_lost as f64),
            ("linearizability_violations", stats.violations as f64),
            ("checks_undecided", stats.undecided as f64),
            ("converge_ms", o.converge_ms.map_or(-1.0, |ms| ms as f64)),
            ("replicas_diverged", self.replicas_diverged(now) as f64),
            ("sibling_reads", o.n_sibling_reads as f64),
            ("ops_in_progress", o.pending.len() as f64),
            ("stale_fraction", per(o.n_stale, o.n_reads_ok)),
            ("stale_fraction_theory", theory),
            ("availability_a", per(o.n_ok_by_site[0], o.n_ops_by_site[0])),
            ("availability_b", per(o.n_ok_by_site[1], o.n_ops_by_site[1])),
            // Counts behind the two availabilities, so a window's share can be measured (the tour's "which
            // side keeps answering?").
            ("ops_a", o.n_ops_by_site[0] as f64),
            ("ops_ok_a", o.n_ok_by_site[0] as f64),
            ("ops_b", o.n_ops_by_site[1] as f64),
            ("ops_ok_b", o.n_ok_by_site[1] as f64),
            ("latency_p50_ms", o.latency.quantile(0.5) as f64 / 1e3),
            ("latency_mean_ms", o.latency.mean() / 1e3),
            ("latency_p99_ms", o.latency.quantile(0.99) as f64 / 1e3),
            ("checks", stats.checks as f64),
            ("ops_checked", stats.ops_checked as f64),
            ("checker_max_steps", stats.max_steps as f64),
            ("checker_steps", stats.total_steps as f64),
            ("last_heal_s", o.last_heal.map_or(-1.0, |t| t.as_secs_f64())),
            ("events", k.n_events() as f64),
        ]
    }
}
