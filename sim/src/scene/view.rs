//! What a view may read of a run: the stage (nodes, links, messages in flight, a state machine), chart
//! specs, correctness counters. Plain data, rebuilt from the model on request; the view never holds model
//! state.
//!
//! Node positions are in a unit square (0..1 on both axes); the view scales them. A [`MessageView`] names
//! its endpoints by index into [`StageView::nodes`] and carries send and delivery times, so the view places
//! it at `(now − sent) / (deliver − sent)` along the link.

use crate::kernel::SimTime;

use super::ActionKind;

/// Meaning of a colour. The view maps each tone to a colour-blind-safe colour *and* a shape or label, so
/// colour is never the only signal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Tone {
    Neutral,
    Good,
    Warn,
    Bad,
    Info,
}

/// The kind of box a node is drawn as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeRole {
    Clients,
    Service,
    Dependency,
    Cache,
    Database,
}

/// Something the reader can do to a node by clicking it.
#[derive(Clone, Debug, PartialEq)]
pub struct NodeAction {
    pub label: &'static str,
    pub kind: ActionKind,
}

#[derive(Clone, Debug, PartialEq)]
pub struct NodeView {
    /// Stable name, used in fault scripts (`crash:dependency`).
    pub name: &'static str,
    pub label: String,
    pub role: NodeRole,
    pub x: f32,
    pub y: f32,
    pub tone: Tone,
    /// Short state word drawn on the node ("OPEN", "DOWN").
    pub badge: Option<String>,
    /// Detail lines ("pool 8/10 busy").
    pub lines: Vec<String>,
    /// 0..1 load gauge drawn as a bar, if meaningful.
    pub load: Option<f32>,
    pub actions: Vec<NodeAction>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct LinkView {
    pub a: usize,
    pub b: usize,
    pub cut: bool,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MessageView {
    pub from: usize,
    pub to: usize,
    pub sent: SimTime,
    pub deliver: SimTime,
    pub tone: Tone,
}

/// A state machine diagram with the live state lit (e.g. the breaker's CLOSED / OPEN / HALF_OPEN).
#[derive(Clone, Debug, PartialEq)]
pub struct MachineView {
    pub title: &'static str,
    pub states: &'static [(&'static str, Tone)],
    pub current: usize,
    pub edges: &'static [(usize, usize, &'static str)],
}

#[derive(Clone, Debug, PartialEq, Default)]
pub struct StageView {
    pub nodes: Vec<NodeView>,
    pub links: Vec<LinkView>,
    pub messages: Vec<MessageView>,
    pub machine: Option<MachineView>,
}

/// How a line is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineStyle {
    Solid,
    /// Theory (an analytic expectation drawn over measured data), labelled as such.
    Theory,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LineSpec {
    pub series: &'static str,
    pub label: &'static str,
    pub tone: Tone,
    pub style: LineStyle,
}

/// A background band showing a discrete state over time (the breaker state band).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BandSpec {
    /// Series whose value is the index of the state in `states`.
    pub series: &'static str,
    pub states: &'static [(&'static str, Tone)],
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ChartSpec {
    pub id: &'static str,
    pub title: &'static str,
    pub unit: &'static str,
    pub lines: &'static [LineSpec],
    pub band: Option<BandSpec>,
    /// Fixed upper bound of the y axis (e.g. 1.0 for ratios); `None` = fit the data.
    pub y_max: Option<f64>,
}

/// A correctness counter: an invariant that must stay at zero, or an anomaly the scene counts.
#[derive(Clone, Debug, PartialEq)]
pub struct CounterView {
    pub name: &'static str,
    pub label: &'static str,
    pub value: u64,
    /// An invariant: any non-zero value is a bug in the modelled system (or in the model).
    pub must_be_zero: bool,
    /// When the counter first became non-zero, to link to that moment.
    pub first_at: Option<SimTime>,
    pub help: &'static str,
}
