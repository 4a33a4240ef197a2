//! Run B of a same-seed comparison, owned next to run A and kept at A's moment (the pure parts — what a
//! comparison is, B's parameters and script, the table — are in [`crate::compare`]).

use faultline_sim::timeline::Timeline;
use leptos::prelude::*;

use super::catch_up::{CATCH_UP_FRAME_MS, OPEN_BUDGET_MS};
use super::{Session, seek_within};
use crate::compare::{self, Comparison};

impl Session {
    /// Builds run B afresh for the current comparison (or drops it), at A's moment.
    pub(super) fn build_b(&self) {
        let tl = self.compare.get_untracked().map(|c| {
            let params = compare::b_params(&self.base_params.get_untracked(), c);
            let (script, now) = self.with_run(|r| (compare::b_script(c.param, r.script()), r.now()));
            let mut tl = Timeline::new(self.scene.build(params, self.seed.get_untracked(), script));
            // The rest, if any, is caught up a frame's budget at a time by `sync_b`.
            seek_within(&mut tl, now, OPEN_BUDGET_MS);
            tl
        });
        if tl.is_none() {
            self.compare_table.set(None);
            self.trace_hash_b.set(0);
        }
        self.timeline_b.set_value(tl);
    }

    /// Brings run B to A's script (minus changes of the compared parameter) and A's moment. Cheap when
    /// nothing changed: a script comparison and, while playing, one forward seek per frame.
    pub(super) fn sync_b(&self) {
        let Some(c) = self.compare.get_untracked() else { return };
        self.timeline_b.update_value(|b| {
            let Some(b) = b else { return };
            self.timeline.with_value(|a| {
                let a = a.run();
                let same = b.run().script().iter().eq(a.script().iter().filter(|x| compare::applies_to_b(c.param, x)));
                if !same {
                    // Rewinds only; the bounded seek below brings B back to A's moment.
                    b.replace_script(compare::b_script(c.param, a.script()));
                }
                if b.now() != a.now() {
                    // Bounded: B, built late in a long run, catches up over a few frames.
                    seek_within(b, a.now(), CATCH_UP_FRAME_MS);
                }
            });
        });
    }

    /// (the compared parameter, A's choice in words, B's choice in words) while comparing; reactive.
    pub fn compare_names(&self) -> Option<(&'static str, String, String)> {
        let c = self.compare.get()?;
        let a = self.params.with(|p| {
            compare::current_choice(p, c.param).map(|i| Comparison { param: c.param, choice: i }.label(self.scene))
        });
        Some((c.param, a.unwrap_or_default(), c.label(self.scene)))
    }

    /// The reader picked "Compare with: …" (`None` = off).
    pub fn set_compare(&self, c: Option<Comparison>) {
        let c = c.filter(|c| compare::current_choice(&self.params.get_untracked(), c.param) != Some(c.choice));
        if self.compare.get_untracked() == c {
            return;
        }
        self.compare.set(c);
        self.build_b();
        self.publish(true);
        self.request_url_write();
    }

    /// Run A now uses B's choice itself: nothing left to compare. True when the comparison was dropped.
    pub(super) fn drop_compare_if_equal(&self) -> bool {
        let Some(c) = self.compare.get_untracked() else { return false };
        let a = compare::current_choice(&self.with_run(|r| r.params().clone()), c.param);
        if a != Some(c.choice) {
            return false;
        }
        self.notice(format!("comparison turned off: run A now uses {} = {} too", c.param, c.value(self.scene)));
        self.compare.set(None);
        self.timeline_b.set_value(None);
        self.compare_table.set(None);
        self.trace_hash_b.set(0);
        true
    }
}
