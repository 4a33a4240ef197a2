//! How the circuit breaker is shown: the topology (clients → caller → dependency), the breaker's state
//! machine, and the charts' series and the runner's metrics, all read from the model.

use crate::kernel::{ActionKind, Kernel, NodeId};
use crate::scene::{LinkView, MachineView, NodeAction, NodeView, Panel, Present, Tone, TopologyView};

use super::model::{BreakerModel, CALLER, CLIENTS, ClientOutcome, DEPENDENCY, Msg, Timer};
use super::{CHARTS, CHARTS_NO_BREAKER, MACHINE_EDGES, MACHINE_STATES};

fn node(name: &str, label: &str, column: u8, id: NodeId, tone: Tone) -> NodeView {
    NodeView {
        name: name.to_string(),
        label: label.to_string(),
        column,
        members: vec![id],
        tone,
        badge: None,
        lines: Vec::new(),
        load: None,
        actions: Vec::new(),
    }
}

impl BreakerModel {
    fn topology(&self, k: &Kernel<Msg, Timer>) -> TopologyView {
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
        let clients = NodeView {
            badge: Some(format!("{:.0} req/s", self.cfg.request_rate)),
            lines: vec![format!("{} sent", self.n_client_requests)],
            ..node("clients", "Clients", 0, CLIENTS, Tone::Neutral)
        };
        let caller = NodeView {
            badge: Some(if busy >= pool { "POOL FULL".into() } else { format!("{busy}/{pool} busy") }),
            lines: vec![format!("pool {busy}/{pool} threads busy"), breaker_line],
            load: Some(busy as f32 / pool.max(1) as f32),
            ..node("caller", "Caller service", 1, CALLER, caller_tone)
        };
        let dependency_tone = if !self.dependency_up {
            Tone::Bad
        } else if active as u32 > self.cfg.dependency_capacity {
            Tone::Warn
        } else {
            Tone::Good
        };
        let dependency = NodeView {
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
            ..node("dependency", "Dependency", 2, DEPENDENCY, dependency_tone)
        };
        let link = |a: &str, b: &str, x, y| LinkView { a: a.into(), b: b.into(), cut: k.net.is_cut(x, y) };
        TopologyView {
            nodes: vec![clients, caller, dependency],
            links: vec![link("clients", "caller", CLIENTS, CALLER), link("caller", "dependency", CALLER, DEPENDENCY)],
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
    use crate::circuit_breaker::BreakerState;

    #[test]
    fn breaker_states_index_the_machine() {
        for s in [BreakerState::Closed, BreakerState::HalfOpen, BreakerState::Open] {
            assert_eq!(MACHINE_STATES[s.index()].0, s.shout());
        }
    }
}
