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

    fn publish_log(&self, run: &dyn Run, wall: f64) {
        let log = run.log();
        let total = log.total();
        let unchanged = self.log.with_untracked(|lines| match (lines.first(), log.last()) {
            (Some(l), Some(e)) => {
                l.burst.is_empty() && l.idx + 1 == total && l.t == e.t && l.text == e.text
                    || l.burst
                        .last()
                        .is_some_and(|b| b.0 == e.t && b.1 == e.text && l.idx + l.burst.len() as u64 == total)
            }
            (None, None) => true,
            _ => false,
        });
        if !unchanged {
            self.log.set(self.narration_lines(run));
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

/// Entries of one kind within the same span of virtual time (whole seconds) are read as one burst.
const BURST_SPAN_US: u64 = 1_000_000;
/// A burst is at least this many entries.
const BURST_MIN: usize = 3;
/// Entries read back from the end of the log to build the narration.
const LOG_SCAN: usize = 4_000;

impl Session {
    /// The narration, newest first: the log's last entries, a run of three or more entries of one kind
    /// within the same second folded into one line the scene words ("214 keys expired within 0.9 s: 214 recomputes").
    /// Reads backwards from the newest entry and stops at [`LOG_LINES`] lines.
    fn narration_lines(&self, run: &dyn Run) -> Vec<LogLine> {
        let log = run.log();
        let total = log.total();
        let tail: Vec<_> = log.iter().rev().take(LOG_SCAN).collect();
        let mut lines: Vec<LogLine> = Vec::with_capacity(LOG_LINES);
        // Whole seconds of virtual time, newest first. Within one, the entries of a kind that occurs
        // BURST_MIN times or more are one line (even when other kinds interleave, as a busy run's do), the
        // rest are a line each. The groups' bounds never move as newer entries arrive, so lines already
        // shown keep their keys and only the newest burst grows.
        let mut i = 0;
        while i < tail.len() && lines.len() < LOG_LINES {
            let bucket = tail[i].t.as_micros() / BURST_SPAN_US;
            let mut j = i;
            while j < tail.len() && tail[j].t.as_micros() / BURST_SPAN_US == bucket {
                j += 1;
            }
            // (position in `tail` of the newest entry of the line, the line)
            let mut second: Vec<(usize, LogLine)> = Vec::new();
            let mut kinds: Vec<&'static str> = Vec::new();
            for e in &tail[i..j] {
                if !kinds.contains(&e.kind) {
                    kinds.push(e.kind);
                }
            }
            for kind in kinds {
                let of_kind: Vec<usize> = (i..j).filter(|&k| tail[k].kind == kind).collect();
                if of_kind.len() >= BURST_MIN {
                    let entries: Vec<_> = of_kind.iter().rev().map(|&k| tail[k].as_ref()).collect();
                    let oldest = *of_kind.last().expect("non-empty");
                    second.push((
                        of_kind[0],
                        LogLine {
                            idx: total - 1 - oldest as u64,
                            t: entries[0].t,
                            kind,
                            text: self.scene.summarize_burst(kind, &entries),
                            burst: entries.iter().map(|e| (e.t, e.text.clone())).collect(),
                        },
                    ));
                } else {
                    for &k in &of_kind {
                        let e = tail[k];
                        second.push((
                            k,
                            LogLine {
                                idx: total - 1 - k as u64,
                                t: e.t,
                                kind,
                                text: e.text.clone(),
                                burst: Vec::new(),
                            },
                        ));
                    }
                }
            }
            // Newest first, by each line's newest entry.
            faultline_sim::kernel::sort_stable_by(&mut second, |a, b| a.0.cmp(&b.0));
            lines.extend(second.into_iter().map(|(_, l)| l).take(LOG_LINES - lines.len()));
            i = j;
        }
        lines
    }

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
