//! How the circuit breaker is shown: the topology (clients → caller → dependency), the breaker's state
//! machine, and the charts' series and the runner's metrics, all read from the model.

use crate::kernel::{ActionKind, Kernel, NodeId, SimTime};
use crate::scene::{
    GateState, GateView, LegendItem, LinkView, MachineView, MessageView, NodeAction, NodeView, Panel, Present, Tone,
    TopologyView, WorkGroup, WorkView,
};

use super::breaker::{BreakerState, WindowKind};

use super::model::{BreakerModel, CALLER, CLIENTS, ClientOutcome, DEPENDENCY, Msg, Timer};
use super::{CHARTS, CHARTS_NO_BREAKER, MACHINE_EDGES, MACHINE_STATES};

/// How long a rejected call is drawn turning back at the gate.
const TURN_BACK_US: u64 = 300_000;
/// Where the breaker is drawn on the caller → dependency link (in the gap; it lives in the caller).
const GATE_AT: f32 = 0.5;

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

fn group(count: u32, tone: Tone, label: &str) -> WorkGroup {
    WorkGroup { count, tone, label: label.to_string() }
}

impl BreakerModel {
    fn gate(&self, now: SimTime) -> GateView {
        let state = self.breaker.state;
        let s = self.breaker.stats(now);
        let c = &self.cfg.breaker;
        let window = self
            .breaker
            .window_outcomes(now, 40)
            .into_iter()
            .map(|(failed, slow)| {
                if failed {
                    Tone::Bad
                } else if slow {
                    Tone::Warn
                } else {
                    Tone::Good
                }
            })
            .collect();
        let threshold = c.failure_threshold_ppm as f64 / 1e4;
        let (window_slots, caption) = match (state, c.window) {
            (BreakerState::HalfOpen, _) => (
                Some(c.half_open_calls),
                format!("probes: {} of {} back, {} failed", s.calls, c.half_open_calls, s.failures),
            ),
            (_, WindowKind::Count(n)) => {
                (Some(n), format!("{}/{} failed · opens at {threshold:.0}%", s.failures, s.calls))
            }
            (_, WindowKind::Time(secs)) => {
                (None, format!("{}/{} failed in {secs} s · opens at {threshold:.0}%", s.failures, s.calls))
            }
        };
        GateView {
            label: "breaker".into(),
            state: match state {
                BreakerState::Closed => GateState::Closed,
                BreakerState::Open => GateState::Open,
                BreakerState::HalfOpen => GateState::HalfOpen,
            },
            state_label: state.shout().into(),
            at: GATE_AT,
            window,
            window_slots,
            caption,
        }
    }

    fn topology(&self, k: &Kernel<Msg, Timer>) -> TopologyView {
        let now = k.now();
        let busy = self.busy.level().max(0) as u32;
        let pool = self.cfg.pool_size;
        let on_calls = self.n_busy_on_calls.min(busy);
        let active = self.dependency_active.level().max(0) as u32;
        let cap = self.cfg.dependency_capacity;
        let caller_tone = if busy >= pool {
            Tone::Bad
        } else if busy * 4 >= pool * 3 {
            Tone::Warn
        } else {
            Tone::Good
        };
        let clients = NodeView {
            badge: Some(format!("{:.0} req/s", self.cfg.request_rate)),
            lines: vec![format!("{} sent", self.n_client_requests)],
            ..node("clients", "Clients", 0, CLIENTS, Tone::Neutral)
        };
        let caller = NodeView {
            badge: Some(if busy >= pool { "POOL FULL".into() } else { format!("{busy}/{pool} busy") }),
            work: Some(WorkView {
                unit: "thread".into(),
                capacity: Some(pool),
                groups: vec![
                    group(on_calls, Tone::Warn, "waiting on the dependency"),
                    group(busy - on_calls, Tone::Good, "doing local work"),
                ],
            }),
            ..node("caller", "Caller service", 1, CALLER, caller_tone)
        };
        let latency_ms = self.cfg.dependency_latency_us / 1000.0;
        // Slow means calls take as long as the caller's patience: its timeout, or what the breaker counts slow.
        let slow_ms = (self.cfg.timeout_us as f64 / 1000.0).min(self.cfg.breaker.slow_call_us as f64 / 1000.0);
        let (dependency_tone, state) = if !self.dependency_up {
            (Tone::Bad, "DOWN".to_string())
        } else if latency_ms >= slow_ms {
            (Tone::Warn, format!("SLOW · {latency_ms:.0} ms"))
        } else if active > cap {
            (Tone::Warn, "OVERLOADED".to_string())
        } else {
            (Tone::Good, "UP".to_string())
        };
        let dependency = NodeView {
            badge: Some(state),
            lines: vec![
                format!("{latency_ms:.0} ms median"),
                format!("{:.0}% errors", self.cfg.failure_ppm as f64 / 1e4),
            ],
            work: Some(WorkView {
                unit: "call".into(),
                capacity: Some(cap),
                groups: vec![group(active, Tone::Info, "calls in progress")],
            }),
            actions: vec![if self.dependency_up {
                NodeAction { label: "Take down", kind: ActionKind::Crash { node: "dependency".into() } }
            } else {
                NodeAction { label: "Bring back up", kind: ActionKind::Restart { node: "dependency".into() } }
            }],
            ..node("dependency", "Dependency", 2, DEPENDENCY, dependency_tone)
        };
        let link = |a: &str, b: &str, x, y| LinkView { a: a.into(), b: b.into(), cut: k.net.is_cut(x, y), gate: None };
        let mut to_dependency = link("caller", "dependency", CALLER, DEPENDENCY);
        if self.cfg.breaker_on {
            to_dependency.gate = Some(self.gate(now));
        }
        let legend = [
            (Tone::Neutral, "request / call"),
            (Tone::Good, "succeeded"),
            (Tone::Bad, "failed"),
            (Tone::Warn, "timed out · pool full · waiting"),
            (Tone::Info, "rejected by the breaker"),
        ];
        TopologyView {
            nodes: vec![clients, caller, dependency],
            links: vec![link("clients", "caller", CLIENTS, CALLER), to_dependency],
            legend: legend.iter().map(|(tone, label)| LegendItem { tone: *tone, label: label.to_string() }).collect(),
        }
    }
}

impl Present for BreakerModel {
    fn panels(&self, k: &Kernel<Msg, Timer>) -> Vec<Panel> {
        let mut panels = vec![Panel::Topology(self.topology(k))];
        if self.cfg.breaker_on {
            panels.push(Panel::Machines {
                machines: vec![MachineView {
                    title: "Breaker state".into(),
                    states: MACHINE_STATES,
                    current: self.breaker.state.index(),
                    edges: MACHINE_EDGES,
                }],
            });
        }
        let charts = if self.cfg.breaker_on { CHARTS } else { CHARTS_NO_BREAKER };
        panels.extend(charts.iter().map(Panel::Chart));
        panels
    }

    fn stopped_messages(&self, k: &Kernel<Msg, Timer>) -> Vec<MessageView> {
        let now = k.now();
        self.recent_rejections
            .iter()
            .rev()
            .take_while(|t| now - **t < TURN_BACK_US)
            .map(|&t| MessageView {
                from: CALLER,
                to: DEPENDENCY,
                sent: t,
                deliver: t + TURN_BACK_US,
                tone: Tone::Info,
                turn_back_at: Some(GATE_AT),
            })
            .collect()
    }

    fn message_tone(&self, msg: &Msg) -> Tone {
        match msg {
            Msg::Request { .. } | Msg::Call { .. } => Tone::Neutral,
            Msg::CallReply { ok: true, .. } => Tone::Good,
            Msg::CallReply { ok: false, .. } => Tone::Bad,
            Msg::Response { outcome: ClientOutcome::Succeeded, .. } => Tone::Good,
            Msg::Response { outcome: ClientOutcome::Rejected, .. } => Tone::Info,
            Msg::Response { outcome: ClientOutcome::TimedOut | ClientOutcome::PoolFull, .. } => Tone::Warn,
            Msg::Response { .. } => Tone::Bad,
        }
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn breaker_states_index_the_machine() {
        for s in [BreakerState::Closed, BreakerState::HalfOpen, BreakerState::Open] {
            assert_eq!(MACHINE_STATES[s.index()].0, s.shout());
        }
    }
}
