//! Measuring a guided-tour prediction on the session's own run: once the run has reached the end of the
//! prediction's window, copies of the run at the window's start and end (from the timeline's snapshots; the
//! live run stays where it is) give the measured value. Pure simulation reads, no RNG, no view state.

use faultline_sim::scene::tour::Prediction;
use leptos::prelude::*;

use super::Session;

impl Session {
    /// The prediction's measured value, once the run is at or past the window's end (`None` before, or
    /// when the run does not have what it measures).
    pub fn measure_prediction(&self, p: &Prediction) -> Option<f64> {
        let (from, to) = p.window();
        if self.now.get_untracked() < to {
            return None;
        }
        self.timeline.with_value(|tl| {
            let start = tl.run_at(from);
            let end = tl.run_at(to);
            p.measure(start.as_ref(), end.as_ref())
        })
    }
}
