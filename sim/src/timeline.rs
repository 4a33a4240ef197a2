//! Rewind: seek a run to any moment, backwards as well as forwards.
//!
//! While a run moves forward, the timeline keeps a clone of it every `interval_events` processed events
//! (replay cost is proportional to events, not to virtual time). Seeking back restores the latest snapshot
//! at or before the target and replays from there, which is exact because runs are deterministic. Memory is
//! bounded: past `max_snapshots`, every other snapshot is dropped and the interval doubles, so a long run
//! keeps at most `max_snapshots` clones and a seek replays at most one interval of events.
//!
//! Editing the fault script (a click on a node, a slider moved mid-run) restores the last snapshot before
//! the first changed action, installs the new script and replays to where the reader was.
//!
//! ```
//! use faultline_sim::{scene_by_id, kernel::SimTime, timeline::Timeline};
//! let scene = scene_by_id("circuit-breaker").unwrap();
//! let mut tl = Timeline::new(scene.build(scene.default_params(), 1, vec![]));
//! tl.seek(SimTime::from_secs(20));
//! let hash_at_10 = { let mut t2 = Timeline::new(scene.build(scene.default_params(), 1, vec![])); t2.seek(SimTime::from_secs(10)); t2.run().trace_hash() };
//! tl.seek(SimTime::from_secs(10));
//! assert_eq!(tl.run().trace_hash(), hash_at_10);
//! ```

use crate::kernel::SimTime;
use crate::scene::{Action, Run};

pub struct Timeline {
    live: Box<dyn Run>,
    /// `snapshots[0]` is the freshly built run (nothing processed); the rest are sorted by time.
    snapshots: Vec<Box<dyn Run>>,
    interval_events: u64,
    max_snapshots: usize,
}

/// Forward seeks advance in slices of this much virtual time, checking after each whether a snapshot is due.
const SLICE_US: u64 = 100_000;

impl Timeline {
    pub fn new(run: Box<dyn Run>) -> Self {
        Timeline::with_limits(run, 10_000, 128)
    }

    pub fn with_limits(run: Box<dyn Run>, interval_events: u64, max_snapshots: usize) -> Self {
        Timeline {
            snapshots: vec![run.clone_box()],
            live: run,
            interval_events: interval_events.max(1),
            max_snapshots: max_snapshots.max(4),
        }
    }

    pub fn run(&self) -> &dyn Run {
        self.live.as_ref()
    }
    pub fn now(&self) -> SimTime {
        self.live.now()
    }
    pub fn n_snapshots(&self) -> usize {
        self.snapshots.len()
    }

    fn restore_before_or_at(&mut self, t: SimTime) {
        let idx = self.snapshots.partition_point(|s| s.now() <= t).max(1) - 1;
        self.live = self.snapshots[idx].clone_box();
    }

    fn push_snapshot(&mut self) {
        self.snapshots.push(self.live.clone_box());
        if self.snapshots.len() > self.max_snapshots {
            // Keep the pristine build and every other snapshot after it.
            let mut i = 0;
            self.snapshots.retain(|_| {
                let keep = i == 0 || i % 2 == 0;
                i += 1;
                keep
            });
            self.interval_events *= 2;
        }
    }

    /// Restores the nearest snapshot at or before `t` when that is behind the run (a rewind) or ahead of it
    /// (a jump inside the explored part of the run). Afterwards at most one interval remains to replay —
    /// unless `t` lies beyond everything explored so far. Callers that replay in bounded slices call this
    /// first, so a long jump costs one clone, not a replay.
    pub fn jump_towards(&mut self, t: SimTime) {
        let idx = self.snapshots.partition_point(|s| s.now() <= t).max(1) - 1;
        let nearest = self.snapshots[idx].now();
        if t < self.live.now() || nearest > self.live.now() {
            self.live = self.snapshots[idx].clone_box();
        }
    }

    /// A copy of the run at `t` (from the nearest snapshot at or before it, or the live run when that is
    /// nearer), leaving the live run where it is: a measurement over a past window costs one replay of at
    /// most one snapshot interval.
    pub fn run_at(&self, t: SimTime) -> Box<dyn Run> {
        let idx = self.snapshots.partition_point(|s| s.now() <= t).max(1) - 1;
        let live_nearer = self.live.now() <= t && self.live.now() >= self.snapshots[idx].now();
        let mut r = if live_nearer { self.live.clone_box() } else { self.snapshots[idx].clone_box() };
        r.advance_to(t);
        r
    }

    /// Moves the run to `t`, forwards or backwards.
    pub fn seek(&mut self, t: SimTime) {
        self.jump_towards(t);
        // Whatever is due at exactly `t` runs too (an action scripted at the current moment, e.g. at t = 0).
        if self.live.now() == t {
            self.live.advance_to(t);
        }
        while self.live.now() < t {
            let slice_end = SimTime(((self.live.now().0 / SLICE_US) + 1) * SLICE_US).min(t);
            self.live.advance_to(slice_end);
            let last_events = self.snapshots.last().map(|s| s.n_events()).unwrap_or(0);
            if self.live.n_events() >= last_events + self.interval_events {
                self.push_snapshot();
            }
        }
    }

    /// Processes the next moment at which anything happens (the transport's "step").
    pub fn step(&mut self) -> Option<SimTime> {
        let t = self.live.next_time()?;
        self.seek(t);
        Some(t)
    }

    /// Replaces the fault script and brings the run back to the moment it was at, as if the new script had
    /// been there from the start.
    pub fn set_script(&mut self, script: Vec<Action>) {
        if let Some(t) = self.replace_script(script) {
            self.seek(t);
        }
    }

    /// Replaces the fault script and rewinds to the last snapshot before the first changed entry; returns
    /// the moment the run was at, for the caller to seek back to (the page does it within a frame budget,
    /// so an edit far back in a long run never freezes it). `None`: the scripts were the same.
    pub fn replace_script(&mut self, script: Vec<Action>) -> Option<SimTime> {
        let mut sorted = script;
        crate::kernel::sort_by_time(&mut sorted);
        let old = self.live.script();
        let first_diff = old.iter().zip(&sorted).position(|(a, b)| a != b).unwrap_or(old.len().min(sorted.len()));
        let changed_at = [old.get(first_diff), sorted.get(first_diff)].into_iter().flatten().map(|a| a.at).min();
        let changed_at = changed_at?; // identical scripts
        let t = self.live.now();
        // Snapshots that already ran anything at or after the change are no longer valid.
        self.snapshots.retain({
            let mut first = true;
            move |s| std::mem::replace(&mut first, false) || s.now() < changed_at
        });
        self.restore_before_or_at(changed_at);
        let ok = self.live.set_script(sorted.clone());
        debug_assert!(ok, "a snapshot before the first change accepts the new script");
        if !ok {
            self.live = self.snapshots[0].clone_box();
            self.snapshots.truncate(1);
            self.live.set_script(sorted);
        }
        // The pristine snapshot must carry the new script too, for later rewinds to zero.
        let mut pristine = self.snapshots[0].clone_box();
        pristine.set_script(self.live.script().to_vec());
        self.snapshots[0] = pristine;
        for s in self.snapshots.iter_mut().skip(1) {
            let mut c = s.clone_box();
            c.set_script(self.live.script().to_vec());
            *s = c;
        }
        Some(t)
    }
}
