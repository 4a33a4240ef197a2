//! How a simulated system is shown: the presentation half of a scene, apart from the kernel's [`Model`].
//!
//! A model says what a system *is* (messages, timers, faults, invariants); its `Present` impl says what a
//! reader sees of it: the panels (from the closed set in [`super::view`]), the tone of each message in
//! flight, the named time series the charts draw, the metrics the runner prints, and which metrics are
//! anomalies worth showing on the correctness panel. Views only read; nothing here changes the run.

use crate::kernel::{Kernel, Model};

use super::{Anomaly, MessageView, Panel, Tone};

pub trait Present: Model {
    /// Metrics shown on the correctness panel as anomalies (they may legitimately rise).
    const ANOMALIES: &'static [Anomaly] = &[];

    /// The panels in the order the page shows them; the topology first.
    fn panels(&self, k: &Kernel<Self::Msg, Self::Timer>) -> Vec<Panel>;
    /// How a message in flight is drawn.
    fn message_tone(&self, msg: &Self::Msg) -> Tone;
    /// Calls that never went on the wire but are drawn travelling to where they were stopped and back (a
    /// call the breaker rejected, turning back at its gate), each at the real moment it was stopped.
    fn stopped_messages(&self, k: &Kernel<Self::Msg, Self::Timer>) -> Vec<MessageView> {
        let _ = k;
        Vec::new()
    }
    /// A named time series as (seconds, value) points up to now; empty for an unknown name.
    fn series(&self, k: &Kernel<Self::Msg, Self::Timer>, name: &str) -> Vec<(f64, f64)>;
    /// Every metric the runner prints, in a stable order.
    fn metrics(&self, k: &Kernel<Self::Msg, Self::Timer>) -> Vec<(&'static str, f64)>;
}
