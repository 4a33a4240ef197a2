//! Warming the code playback runs before playback needs it.
//!
//! The browser compiles the app's wasm lazily: each function first by a quick baseline compiler when it is
//! first called, then again, optimised, on another thread once it has run enough. Until the hot functions
//! are optimised a frame of playback takes two to four times as long: on the CAP scene's crowded load the
//! first second of playback measured 10–25 ms a frame, against 4–6 ms after it. So once the stage is
//! painted, a scratch copy of the run plays ahead of the reader in a slice of each frame, stepping the
//! simulation and reading what a frame reads (panels, messages, counters, charts), and the optimised code
//! is ready by the time the reader presses play.
//!
//! The scratch copy is a clone of the run at that moment (its own world: the reader's run, its clock and
//! its trace are not touched) and is dropped at the end. Playback that starts by itself (an autoplaying
//! embed, the frame bench) starts when the warm-up ends, about half a second after the stage is painted;
//! a reader who presses play sooner ends the warm-up at once. Like playback, it waits while the stage is
//! off screen (an embed far down a post warms when it is scrolled to). The driver holds the warm-up and runs a
//! slice of it per frame ([`Session::warm_slice`]), so it needs no timer or stored state of its own.

use faultline_sim::kernel::SimTime;
use faultline_sim::scene::Run;
use leptos::prelude::*;

use super::{Session, wall_ms};
use crate::widgets::chart;

/// Wall time the warm-up may spend in all, ms.
const WARM_MS: f64 = 250.0;
/// Wall time it may take of one frame, ms.
const SLICE_MS: f64 = 9.0;
/// Virtual time the scratch run plays ahead at most: a light run reaches it long before `WARM_MS`.
const AHEAD_US: u64 = 3_000_000;
/// Virtual time per step: a frame's worth at 1× speed.
const STEP_US: u64 = 16_667;
/// Steps between two chart reads (charts are rebuilt a few times a second while playing).
const CHART_EVERY: u32 = 12;
/// Frames the warm-up waits before its first slice: the stage is painted first.
const WAIT_FRAMES: u8 = 2;

/// A warm-up under way: the scratch run (made at the first slice) with the moment it plays to, and what it
/// has spent.
pub struct Warm {
    /// Start playback when it ends.
    autoplay: bool,
    wait: u8,
    run: Option<(Box<dyn Run>, SimTime)>,
    spent_ms: f64,
    steps: u32,
}

impl Warm {
    /// A warm-up of the hot code on a scratch copy of the run, from the frame after the stage is painted;
    /// playback starts after it when `autoplay`.
    pub fn new(autoplay: bool) -> Warm {
        Warm { autoplay, wait: WAIT_FRAMES, run: None, spent_ms: 0.0, steps: 0 }
    }
}

impl Session {
    /// The driver's frame: one slice of the warm-up `w`. Returns whether it has ended (then playback has
    /// started if it autoplays). The reader's play ends it early.
    pub fn warm_slice(&self, w: &mut Warm) -> bool {
        // The reader pressed play (or a catch-up is reaching a link's moment): real frames warm the code.
        if self.playing.get_untracked() || self.catching_up() {
            self.warm_end(w, true);
            return true;
        }
        if w.wait > 0 {
            w.wait -= 1;
            return false;
        }
        let start = wall_ms();
        let (run, until) = w.run.get_or_insert_with(|| {
            let run = self.with_run(|r| r.clone_box());
            let until = SimTime::from_micros(run.now().as_micros().saturating_add(AHEAD_US));
            (run, until)
        });
        let until = *until;
        while run.now() < until && wall_ms() - start < SLICE_MS {
            let t = SimTime::from_micros(run.now().as_micros() + STEP_US);
            run.advance_to(t);
            let panels = run.panels();
            std::hint::black_box((run.messages(), run.counters(), run.trace_hash()));
            if w.steps.is_multiple_of(CHART_EVERY) {
                std::hint::black_box(chart::compute(run.as_ref(), &panels, None, &[], t));
            }
            w.steps += 1;
        }
        w.spent_ms += wall_ms() - start;
        let done = run.now() >= until || w.spent_ms >= WARM_MS;
        if done {
            self.warm_end(w, false);
        }
        done
    }

    /// Ends the warm-up `w`: drops its scratch run and starts playback if it autoplays.
    fn warm_end(&self, w: &mut Warm, interrupted: bool) {
        w.run = None;
        crate::driver::record_warm(w.steps, w.spent_ms, interrupted);
        if w.autoplay {
            self.playing.set(true);
        }
    }
}
