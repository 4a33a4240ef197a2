//! What a reader sees of a run, as plain data: a closed vocabulary of panels, each drawn by one generic
//! widget of the app (`src/widgets/`) that carries no scene's words. A scene describes its picture as a list
//! of [`Panel`]s; a new kind of picture is added here once, for every later scene.
//!
//! | panel | what it draws | reused by |
//! |---|---|---|
//! | [`Panel::Topology`] | nodes in columns, links, messages in flight between them | every scene |
//! | [`Panel::Machines`] | state machines with the live state lit | breaker, hot key, saga, leader |
//! | [`Panel::Chart`] | time series of measured values, theory lines, a state band | every scene |
//! | [`Panel::Sequence`] | swimlanes of delivered messages of one flow (a saga, a request) | saga, outbox, idempotency |
//! | [`Panel::Ring`] | owners and their points on a hash ring, keys as dots, moved keys lit | sharding, consistent LB |
//! | [`Panel::Bars`] | one bar per entity against a capacity, hot ones marked | sharding, load balancing, queues |
//! | [`Panel::Heatmap`] | load per key range × time, brightness fixed to capacity | sharding, hot partitions |
//! | [`Panel::History`] | client operations from invoke to return, the checker's verdict | CAP, replication lag |
//!
//! Messages are not part of a panel: they change every frame, so a run lists them on their own
//! ([`MessageView`]), named by kernel node; the topology widget draws each one on the box that holds its
//! endpoints ([`NodeView::members`]).
//!
//! ```
//! use faultline_sim::{scene_by_id, kernel::SimTime, scene::Panel};
//! let scene = scene_by_id("circuit-breaker").unwrap();
//! let mut run = scene.build(scene.default_params(), 1, vec![]);
//! run.advance_to(SimTime::from_secs(2));
//! let panels = run.panels();
//! assert!(matches!(panels[0], Panel::Topology(_)));
//! assert!(panels.iter().any(|p| p.id() == "outcomes"));
//! ```

use serde::Serialize;

use crate::kernel::{ActionKind, NodeId, SimTime, fnv1a};

/// Meaning of a colour. The view maps each tone to a colour-blind-safe colour *and* a shape or label, so
/// colour is never the only signal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Tone {
    Neutral,
    Good,
    Warn,
    Bad,
    Info,
}

/// Something the reader can do to a node by clicking it. What it does must be what its label says: the
/// runner narrates the action's effect, and a node that cannot do it does not offer it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NodeAction {
    pub label: &'static str,
    #[serde(serialize_with = "as_text")]
    pub kind: ActionKind,
}

fn as_text<S: serde::Serializer>(kind: &ActionKind, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&kind.to_string())
}

/// One kind of work at a node (queries running, threads waiting on a call, requests waiting on a lock).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WorkGroup {
    pub count: u32,
    pub tone: Tone,
    /// What these tokens are doing, in plain words ("waiting on the dependency").
    pub label: String,
}

/// Work in progress at a node, drawn as one token per unit inside its box against its capacity, so a pile-up
/// is seen where it happens (a database full of queries, a caller full of stuck threads), not read off a
/// number.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WorkView {
    /// What one token stands for ("query", "thread").
    pub unit: String,
    /// How many units the node serves at full speed or holds at most (a capacity, a pool size); `None` when
    /// it has no limit.
    pub capacity: Option<u32>,
    /// Token groups in drawing order.
    pub groups: Vec<WorkGroup>,
}

impl WorkView {
    pub fn total(&self) -> u32 {
        self.groups.iter().map(|g| g.count).sum()
    }
}

/// One box of the topology.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NodeView {
    /// The name fault scripts use (`dependency`, `app3`, the group `apps`).
    pub name: String,
    pub label: String,
    /// Left to right: clients first. Nodes of one column stack top to bottom in list order.
    pub column: u8,
    /// The kernel nodes this box stands for: itself, or every member of a group. Messages to or from a
    /// member are drawn on this box.
    pub members: Vec<NodeId>,
    pub tone: Tone,
    /// Short state word drawn on the node ("OPEN", "DOWN").
    pub badge: Option<String>,
    /// Detail lines ("80 ms median, 2% errors").
    pub lines: Vec<String>,
    /// Work in progress, drawn as tokens against the capacity.
    pub work: Option<WorkView>,
    pub actions: Vec<NodeAction>,
}

/// How a gate on a link stands. Drawn as a switch: closed lets calls through, open breaks the line,
/// half-open is ajar (shape and word, never colour alone).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GateState {
    Closed,
    Open,
    HalfOpen,
}

/// A gate sitting on a link (a circuit breaker in front of a dependency), with the window of recent
/// outcomes it decides on.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GateView {
    pub label: String,
    pub state: GateState,
    /// The state in words ("OPEN").
    pub state_label: String,
    /// Where on the link it sits, from `a` (0) to `b` (1).
    pub at: f32,
    /// The window's outcomes, oldest first: `Good` ok, `Bad` failed, `Warn` slow.
    pub window: Vec<Tone>,
    /// Slots the window has (the strip's length); `None` for a window of time.
    pub window_slots: Option<u32>,
    /// "window 6 of 10 failed · opens at 50 %".
    pub caption: String,
}

/// A link between two boxes, named by their script names (cutting it cuts every member pair).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LinkView {
    pub a: String,
    pub b: String,
    pub cut: bool,
    pub gate: Option<GateView>,
}

/// One entry of the stage's legend: what a token or dot of a tone means in this scene.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LegendItem {
    pub tone: Tone,
    pub label: String,
}

/// The system's boxes and links. Which boxes exist may change mid-run (a server added, a shard removed):
/// [`TopologyView::layout_key`] changes with them, and the widget lays the stage out again.
#[derive(Clone, Debug, PartialEq, Default, Serialize)]
pub struct TopologyView {
    pub nodes: Vec<NodeView>,
    pub links: Vec<LinkView>,
    /// One line under the stage: what each tone of token and dot means here.
    pub legend: Vec<LegendItem>,
}

impl TopologyView {
    /// A digest of what the layout depends on (names, columns, links), so a view knows when to re-lay out.
    pub fn layout_key(&self) -> u64 {
        let mut text = String::new();
        for n in &self.nodes {
            text.push_str(&n.name);
            text.push(char::from(b'0' + n.column.min(70)));
            // A pile's size class changes the box's height (rows of tokens).
            let cap = n.work.as_ref().map_or(0, |w| w.capacity.unwrap_or(0).min(200));
            text.push_str(&format!("w{cap}"));
            text.push(char::from(b'0' + n.lines.len().min(70) as u8));
            text.push('|');
        }
        for l in &self.links {
            text.push_str(&l.a);
            text.push('-');
            text.push_str(&l.b);
            text.push(if l.gate.is_some() { 'g' } else { '|' });
        }
        fnv1a(text.as_bytes())
    }

    /// Index of the box that holds kernel node `id`.
    pub fn box_of(&self, id: NodeId) -> Option<usize> {
        self.nodes.iter().position(|n| n.members.contains(&id))
    }

    pub fn node(&self, name: &str) -> Option<&NodeView> {
        self.nodes.iter().find(|n| n.name == name)
    }
}

/// A message in flight, between two kernel nodes, with its send and delivery times (the view places it at
/// `(now − sent) / (deliver − sent)` along the link).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct MessageView {
    pub from: NodeId,
    pub to: NodeId,
    pub sent: SimTime,
    pub deliver: SimTime,
    pub tone: Tone,
    /// A call stopped on its way (rejected at a gate): it travels this fraction of the link and comes back.
    pub turn_back_at: Option<f32>,
}

/// A state machine diagram with the live state lit (the breaker's CLOSED / OPEN / HALF_OPEN, a key's life).
/// States are laid out generically (around an ellipse, the first at the left), whatever their number.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MachineView {
    pub title: String,
    pub states: &'static [(&'static str, Tone)],
    pub current: usize,
    /// (from, to, why) between state indices.
    pub edges: &'static [(usize, usize, &'static str)],
}

/// How a line is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LineStyle {
    Solid,
    /// Theory (an analytic expectation drawn over measured data), labelled as such.
    Theory,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct LineSpec {
    pub series: &'static str,
    pub label: &'static str,
    pub tone: Tone,
    pub style: LineStyle,
}

/// A background band showing a discrete state over time (the breaker state band).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct BandSpec {
    /// Series whose value is the index of the state in `states`.
    pub series: &'static str,
    pub states: &'static [(&'static str, Tone)],
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct ChartSpec {
    pub id: &'static str,
    pub title: &'static str,
    pub unit: &'static str,
    pub lines: &'static [LineSpec],
    pub band: Option<BandSpec>,
    /// Fixed upper bound of the y axis (e.g. 1.0 for ratios); `None` = fit the data.
    pub y_max: Option<f64>,
}

/// What kind of message an arrow of a sequence is (drawn apart by line style and head, not colour alone).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ArrowKind {
    /// A step forward (a command, an event that moves the flow on).
    Forward,
    /// A reply or acknowledgement.
    Reply,
    /// A failure travelling back (a declined charge, a failure event).
    Failure,
    /// Undoing a step (a refund, a release).
    Compensation,
    /// A second delivery of a message already delivered (at-least-once): drawn as a ghost.
    Duplicate,
}

/// One delivered message of a flow, from its sender's lane at send time to its receiver's at delivery.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ArrowView {
    pub from: usize,
    pub to: usize,
    pub sent: SimTime,
    pub received: SimTime,
    pub label: String,
    pub kind: ArrowKind,
    pub tone: Tone,
}

/// A moment marked on one lane (a crash, a restart, a recovery from the log).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LaneMark {
    pub lane: usize,
    pub at: SimTime,
    pub label: String,
    pub tone: Tone,
}

/// A moment marked across every lane (the pivot: past it, the flow only goes forward).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RuleView {
    pub at: SimTime,
    pub label: String,
}

/// One flow of a sequence panel (one saga).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FlowView {
    pub id: u64,
    /// "Saga #12 · compensated".
    pub label: String,
    pub tone: Tone,
    /// The flow ended badly (so "the latest failed one" can be picked).
    pub failed: bool,
    pub finished: bool,
    pub arrows: Vec<ArrowView>,
    pub marks: Vec<LaneMark>,
    pub rules: Vec<RuleView>,
}

/// Swimlanes of delivered messages: one lane per participant, time downwards. The panel carries the most
/// recent flows (bounded); the reader picks which one to follow.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SequenceView {
    pub title: String,
    pub lanes: Vec<String>,
    pub flows: Vec<FlowView>,
}

/// An owner of ring positions (a shard).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RingOwner {
    pub name: String,
    pub tone: Tone,
}

/// A point on a ring at `position` (0..1, clockwise from the top) owned by `owners[owner]`. A point owns the
/// arc from the previous point (counter-clockwise) up to itself: a key belongs to the first point at or
/// after it, clockwise, wrapping past the top.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct RingPoint {
    pub position: f32,
    pub owner: usize,
}

/// A key on the ring (a sample, not every key), and whether it moved at the last reshard.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct RingKey {
    pub position: f32,
    pub owner: usize,
    pub moved: bool,
}

/// A hash ring: owners' points (virtual nodes) and the arcs they own, keys as dots.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RingView {
    pub title: String,
    pub owners: Vec<RingOwner>,
    pub points: Vec<RingPoint>,
    pub keys: Vec<RingKey>,
    /// "2,514 of 10,000 keys moved (25.1 %; theory 25.0 %)".
    pub caption: String,
}

/// One bar: a value against an optional capacity; `hot` is marked by shape and text, not colour alone.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BarView {
    pub label: String,
    pub value: f64,
    /// A second quantity drawn beside the bar (keys owned, queue length).
    pub detail: Option<f64>,
    pub hot: bool,
    pub tone: Tone,
}

/// A bar per entity (shard, server, partition) against a capacity line.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BarsView {
    pub title: String,
    pub unit: String,
    pub bars: Vec<BarView>,
    pub capacity: Option<f64>,
    /// What `detail` measures ("keys owned"), if used.
    pub detail_label: Option<String>,
}

/// Load per row (a key range) per time bucket, as a fraction of capacity: 1.0 is "at capacity", whatever
/// the view's maximum, so "bright" means "over capacity".
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HeatmapView {
    pub title: String,
    /// Row labels, top to bottom (key ranges; a hot key may have a row of its own).
    pub rows: Vec<String>,
    /// Start of the first column and the width of each.
    pub t0: SimTime,
    pub dt_us: u64,
    pub n_cols: usize,
    /// Row-major: `cells[row * n_cols + col]`, fractions of capacity.
    pub cells: Vec<f32>,
}

/// How a client operation ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OpResult {
    Ok,
    /// Certainly not applied.
    Fail,
    /// Timed out: may or may not have taken effect.
    Unknown,
    /// Answered, but not reflecting a write acknowledged before it was invoked.
    Stale,
    /// Not returned yet.
    Pending,
}

/// One client operation, from invoke to return.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OpView {
    pub lane: usize,
    pub invoke: SimTime,
    pub ret: Option<SimTime>,
    /// "w 3", "r 2", "r 2,3".
    pub label: String,
    pub result: OpResult,
    /// Where the checker linearized it, if it did.
    pub linearized_at: Option<SimTime>,
    /// Part of the first violation the checker found.
    pub violation: bool,
}

/// A span across every lane (a partition).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SpanView {
    pub from: SimTime,
    pub to: Option<SimTime>,
    pub label: String,
}

/// A client history: one lane per client, operation bars, the checker's verdict.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HistoryView {
    pub title: String,
    pub lanes: Vec<String>,
    pub ops: Vec<OpView>,
    pub spans: Vec<SpanView>,
    /// "linearizable (412 operations)" or "NOT linearizable: read of 2 at 7.310 s after write 3 returned".
    pub verdict: String,
    pub verdict_tone: Tone,
    /// The moment of the first violation, to jump to.
    pub violation_at: Option<SimTime>,
}

/// One picture of a run.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Panel {
    Topology(TopologyView),
    Machines {
        machines: Vec<MachineView>,
    },
    /// The chart's data comes from `Run::series`, on the chart's own schedule.
    Chart(&'static ChartSpec),
    Sequence(SequenceView),
    Ring(RingView),
    Bars(BarsView),
    Heatmap(HeatmapView),
    History(HistoryView),
}

impl Panel {
    /// Stable id, for tests (`data-testid`) and for choosing panels in an embed.
    pub fn id(&self) -> &'static str {
        match self {
            Panel::Topology(_) => "topology",
            Panel::Machines { .. } => "machines",
            Panel::Chart(spec) => spec.id,
            Panel::Sequence(_) => "sequence",
            Panel::Ring(_) => "ring",
            Panel::Bars(_) => "bars",
            Panel::Heatmap(_) => "heatmap",
            Panel::History(_) => "history",
        }
    }
}

/// The chart specs among `panels`.
pub fn charts(panels: &[Panel]) -> impl Iterator<Item = &'static ChartSpec> + '_ {
    panels.iter().filter_map(|p| match p {
        Panel::Chart(spec) => Some(*spec),
        _ => None,
    })
}

/// A correctness counter: an invariant that must stay at zero, or an anomaly the scene counts.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CounterView {
    pub name: &'static str,
    pub label: &'static str,
    pub value: u64,
    /// An invariant whose condition holds (or that was violated while it held): any non-zero value is a bug
    /// in the modelled system (or in the model). False for anomalies a system may legitimately show.
    pub must_be_zero: bool,
    /// When it must be zero ("always", "when strategy = swr"); empty for anomalies.
    pub condition: String,
    /// When the counter first became non-zero, to link to that moment.
    pub first_at: Option<SimTime>,
    pub help: &'static str,
}

/// An anomaly the correctness panel shows next to the invariants: a metric a system may legitimately
/// raise (stale reads, double charges), with what it means.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Anomaly {
    pub metric: &'static str,
    pub label: &'static str,
    pub help: &'static str,
}
