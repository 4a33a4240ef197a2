//! Reading the run into the signals views show: every frame the messages handed to the canvas painter and
//! the time, the rest by turns (`super::turns`), the charts at most 5×/s while playing. A seek, a step or
//! an edit (`whole`) publishes everything at once.

use faultline_sim::scene::Run;
use leptos::prelude::*;

use super::turns::{self, Turn};
use super::{Painter, Session, wall_ms};
use crate::compare;
use crate::widgets::chart;

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

    pub fn set_painter_b(&self, p: Option<Painter>) {
        self.painter_b.set_value(p);
    }

    pub fn painter_b_off(&self) {
        self.painter_b.try_update_value(|p| *p = None);
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

    /// Reads the run once and publishes what views show: everything when `whole` (paused edits, seeks, the
    /// moment playback stops), else this frame's turn (`turns`), with the charts at most 5×/s.
    pub fn publish(&self, whole: bool) {
        self.sync_b();
        let wall = wall_ms();
        let turn = if whole { Turn::All } else { self.publish_turn.get_value().next() };
        self.publish_turn.set_value(turn);
        let rebuild_charts = whole || (turn.readouts() && wall - self.chart_wall_ms.get_value() >= CHART_INTERVAL_MS);
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
            let fresh = run.panels();
            self.panels.maybe_update(move |published| turns::merge_panels(published, fresh, turn));
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
            if turn.readouts() {
                // The footer's trace digest and event count: a readout like the counters (a stop publishes
                // them whole).
                set_if_changed(self.trace_hash, run.trace_hash());
                set_if_changed(self.n_events, run.n_events());
                set_if_changed(self.counters, run.counters());
                self.publish_log(run, wall, whole);
            }
            // Run B's stage, when one is drawn: its panels and its messages at the same moment.
            self.timeline_b.with_value(|b| match b {
                Some(tl) => {
                    let run_b = tl.run();
                    set_if_changed(self.panels_b, run_b.panels());
                    self.painter_b.with_value(|p| {
                        if let Some(p) = p {
                            p(&run_b.messages(), run_b.now())
                        }
                    });
                }
                None => {
                    if self.panels_b.with_untracked(|p| !p.is_empty()) {
                        self.panels_b.set(Vec::new());
                    }
                }
            });
            if rebuild_charts {
                self.chart_wall_ms.set_value(wall);
                self.timeline_b.with_value(|b| {
                    let run_b = b.as_ref().map(|tl| tl.run());
                    let data = self.panels.with_untracked(|pa| {
                        self.panels_b.with_untracked(|pb| chart::compute(run, pa, run_b, pb, reached))
                    });
                    self.charts.set(data);
                    set_if_changed(self.compare_table, run_b.map(|rb| compare::table(run, rb)));
                    set_if_changed(self.trace_hash_b, run_b.map_or(0, |rb| rb.trace_hash()));
                });
            }
        });
    }

    /// Publishes the moment whole unless the last publish already did (playback just stopped: the frames
    /// before refreshed the page by turns).
    pub fn settle(&self) {
        if self.publish_turn.get_value() != Turn::All {
            self.publish(true);
        }
    }

    fn publish_log(&self, run: &dyn Run, wall: f64, full: bool) {
        let log = run.log();
        let total = log.total();
        let unchanged = !full && self.narrator.with_value(|n| n.is_at(total));
        if !unchanged {
            let lines = self.narrator.try_update_value(|n| n.lines(self.scene, run.log(), full)).unwrap_or_default();
            self.log.set(lines);
        }
        self.scan_notable(run);
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

impl Session {
    /// Adds the run's new notable entries to the moments seen so far (scrubber ticks, "next notable event").
    fn scan_notable(&self, run: &dyn Run) {
        let log = run.log();
        let total = log.total();
        let scanned = self.notable_scanned.get_value();
        if total <= scanned {
            if total < scanned {
                // Rewound: the entries up to `total` are the ones already seen.
                self.notable_scanned.set_value(total);
            }
            return;
        }
        let kinds = self.scene.notable();
        let fresh = (total - scanned).min(log.len() as u64) as usize;
        let mut added = false;
        self.notable_seen.update_value(|seen| {
            for (k, e) in log.iter().rev().take(fresh).enumerate() {
                if kinds.contains(&e.kind) {
                    let idx = total - 1 - k as u64;
                    added |= seen.insert(idx, super::Notable { t: e.t, kind: e.kind, text: e.text.clone() }).is_none();
                }
            }
        });
        self.notable_scanned.set_value(total);
        if added {
            self.notable.set(self.notable_seen.with_value(|m| m.values().cloned().collect()));
        }
    }
}
