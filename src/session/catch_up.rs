//! Bounded replay. Opening a link to the end of a long, busy run, a new seed late in a run, a comparison
//! started late, a scrub past the explored part — each is up to seconds of simulation. **No intent runs
//! unbounded simulation on the main thread:** the first 150 ms are spent at once, the rest a frame's budget
//! (25 ms) at a time, with a visible progress status; any new intent replaces the pending catch-up.

use faultline_sim::kernel::SimTime;
use faultline_sim::timeline::Timeline;
use leptos::prelude::*;

use super::{Session, wall_ms};

/// Wall-clock budget of work on opening a link before the page shows up (the rest continues per frame).
pub(super) const OPEN_BUDGET_MS: f64 = 150.0;
/// Wall-clock budget per animation frame while fast-forwarding.
pub(super) const CATCH_UP_FRAME_MS: f64 = 25.0;
/// Fast-forward advances in slices of this much virtual time, checking the budget between them.
const CATCH_UP_SLICE_US: u64 = 250_000;

/// Seeks towards `target` in slices until it is reached or `budget_ms` of wall time is spent; true when
/// reached. Restores the nearest snapshot first, so a jump inside the explored run costs one clone.
pub fn seek_within(tl: &mut Timeline, target: SimTime, budget_ms: f64) -> bool {
    tl.jump_towards(target);
    if target <= tl.now() {
        tl.seek(target);
        return true;
    }
    let deadline = wall_ms() + budget_ms;
    while tl.now() < target {
        if wall_ms() >= deadline {
            return false;
        }
        tl.seek((tl.now() + CATCH_UP_SLICE_US).min(target));
    }
    true
}

fn progress(now: SimTime, target: SimTime) -> f64 {
    now.as_micros() as f64 / target.as_micros().max(1) as f64
}

impl Session {
    /// Seeks run A towards `t` within the opening budget; what is left continues frame by frame.
    pub(super) fn seek_bounded(&self, t: SimTime) {
        let mut pending = None;
        self.timeline.update_value(|tl| {
            if !seek_within(tl, t, OPEN_BUDGET_MS) {
                pending = Some(tl.now());
            }
        });
        if let Some(now) = pending {
            self.start_catch_up(t, now);
        }
    }

    pub(super) fn start_catch_up(&self, target: SimTime, now: SimTime) {
        self.catch_up_to.set_value(Some(target));
        self.fast_forward.set(Some(progress(now, target)));
    }

    /// True while the page is still fast-forwarding to a moment, or run B (of a comparison started late in
    /// a long run) is still catching up with run A.
    pub fn catching_up(&self) -> bool {
        if self.catch_up_to.with_value(|t| t.is_some()) {
            return true;
        }
        let a_now = self.with_run(|r| r.now());
        self.timeline_b.with_value(|b| b.as_ref().is_some_and(|b| b.now() != a_now))
    }

    /// One frame's worth of fast-forward (the driver calls it instead of playing); `publish` moves B.
    pub fn catch_up_step(&self) {
        if let Some(target) = self.catch_up_to.get_value() {
            let mut done = true;
            self.timeline.update_value(|tl| done = seek_within(tl, target, CATCH_UP_FRAME_MS));
            if done {
                self.cancel_catch_up();
            } else {
                let now = self.with_run(|r| r.now());
                self.fast_forward.set(Some(progress(now, target)));
            }
        }
        self.publish(true);
    }

    /// Any intent of the reader (seek, step, edit) replaces the pending fast-forward.
    pub(super) fn cancel_catch_up(&self) {
        if self.catch_up_to.with_value(|t| t.is_some()) {
            self.catch_up_to.set_value(None);
            self.fast_forward.set(None);
        }
    }
}
