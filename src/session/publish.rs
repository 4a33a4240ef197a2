//! Reading the run into the signals views show: once per frame for what moves (time, panels, counters,
//! the narration, the messages handed to the canvas painter), at most 5×/s for the charts unless asked.

use faultline_sim::scene::Run;
use leptos::prelude::*;

use super::{LogLine, Painter, Session, wall_ms};
use crate::compare;
use crate::widgets::chart;

/// Narration keeps this many lines; older ones stay in the run's log.
const LOG_LINES: usize = 200;
/// Charts rebuild their paths at most this often while playing (ms of wall time).
const CHART_INTERVAL_MS: f64 = 200.0;

fn set_if_changed<T: PartialEq + Send + Sync + 'static>(sig: RwSignal<T>, v: T) {
    sig.maybe_update(move |old| {
        if *old != v {
            *old = v;
            true
        } else {
            false
        }
    });
}

impl Session {
    pub fn set_painter(&self, p: Option<Painter>) {
        self.painter.set_value(p);
        self.repaint();
    }

    /// Forgets the painter (its canvas is leaving the page).
    pub fn painter_off(&self) {
        self.painter.try_update_value(|p| *p = None);
    }

    /// Redraws the messages of the last publish (after a resize, or once the canvas exists).
    pub fn repaint(&self) {
        let now = self.now.get_untracked();
        self.messages.with_value(|m| {
            self.painter.with_value(|p| {
                if let Some(p) = p {
                    p(m, now)
                }
            })
        });
    }

    /// Reads the run once and publishes everything views show. Charts are rebuilt at most 5×/s unless
    /// `charts_now` (paused edits and seeks want them at once).
    pub fn publish(&self, charts_now: bool) {
        self.sync_b();
        let wall = wall_ms();
        let rebuild_charts = charts_now || wall - self.chart_wall_ms.get_value() >= CHART_INTERVAL_MS;
        let reached = self.reached.get_untracked();
        self.timeline.with_value(|tl| {
            let run = tl.run();
            let now = run.now();
            let messages = run.messages();
            self.painter.with_value(|p| {
                if let Some(p) = p {
                    p(&messages, now)
                }
            });
            self.n_in_flight.set(run.n_in_flight());
            self.messages.set_value(messages);
            set_if_changed(self.panels, run.panels());
            self.now.set(now);
            let reached = reached.max(now);
            set_if_changed(self.reached, reached);
            self.params.maybe_update(|p| {
                if p != run.params() {
                    *p = run.params().clone();
                    true
                } else {
                    false
                }
            });
            self.script.maybe_update(|s| {
                if s.as_slice() != run.script() {
                    *s = run.script().to_vec();
                    true
                } else {
                    false
                }
            });
            set_if_changed(self.counters, run.counters());
            set_if_changed(self.trace_hash, run.trace_hash());
            set_if_changed(self.n_events, run.n_events());
            self.publish_log(run, wall);
            if rebuild_charts {
                self.chart_wall_ms.set_value(wall);
                self.timeline_b.with_value(|b| {
                    let run_b = b.as_ref().map(|tl| tl.run());
                    self.charts.set(chart::compute(run, run_b, reached));
                    set_if_changed(self.compare_table, run_b.map(|rb| compare::table(run, rb)));
                    set_if_changed(self.trace_hash_b, run_b.map_or(0, |rb| rb.trace_hash()));
                });
            }
        });
    }

    fn publish_log(&self, run: &dyn Run, wall: f64) {
        let log = run.log();
        let total = log.total();
        let unchanged = self.log.with_untracked(|lines| match (lines.first(), log.last()) {
            (Some(l), Some(e)) => l.idx + 1 == total && l.t == e.t && l.text == e.text,
            (None, None) => true,
            _ => false,
        });
        if !unchanged {
            let skip = log.len().saturating_sub(LOG_LINES);
            let first_idx = total - log.len() as u64;
            let tail: Vec<_> = log.iter().skip(skip).collect();
            let lines = tail
                .iter()
                .enumerate()
                .rev()
                .map(|(i, e)| LogLine {
                    idx: first_idx + (skip + i) as u64,
                    t: e.t,
                    kind: e.kind,
                    text: e.text.clone(),
                })
                .collect();
            self.log.set(lines);
        }
        let (last_wall, upto) = self.announced.get_value();
        if total < upto {
            self.announced.set_value((last_wall, total));
        } else if total > upto && wall - last_wall >= 1000.0 {
            if let Some(e) = log.last() {
                self.announcement.set(format!("t={} {}", crate::core::format::secs(e.t), e.text));
            }
            self.announced.set_value((wall, total));
        }
    }
}
