//! The scene abstraction: what every concept plugs into, so a new scene needs no kernel change.
//!
//! A [`Scene`] is the static description (parameters with units and ranges, presets, explain text, the
//! names a fault script may use) and a factory: `build(params, seed, script)` returns a [`Run`]. A `Run` is
//! a live, clonable simulation that can be advanced in virtual time and read by views (panels, messages,
//! series, counters, log). Every `World<M>` whose model also implements [`Present`] is a `Run`: the kernel's
//! [`Model`](crate::kernel::Model) is the system, `Present` is how it is shown.
//!
//! ```
//! use faultline_sim::{scene_by_id, kernel::SimTime};
//! let scene = scene_by_id("circuit-breaker").unwrap();
//! let mut run = scene.build(scene.default_params(), 7, vec![]);
//! run.advance_to(SimTime::from_secs(5));
//! assert!(run.metrics().iter().any(|(name, v)| *name == "client_requests" && *v > 0.0));
//! ```

pub mod challenge;
mod names;
mod present;
pub mod tour;
mod view;

pub use crate::kernel::{Action, ActionKind, ParamKind, ParamSpec, ParamValue, Params, format_number};
pub use crate::kernel::{format_script, parse_script_lenient};
pub use challenge::{Challenge, Goal, Measure, Op, Unit};
pub use names::Names;
pub use present::Present;
pub use view::{
    Anomaly, ArrowKind, ArrowView, BandSpec, BarView, BarsView, ChartSpec, CounterView, FlowView, GateState, GateView,
    HeatmapView, HistoryView, LaneMark, LegendItem, LineSpec, LineStyle, LinkView, MachineView, MessageView,
    NodeAction, NodeView, OpResult, OpView, Panel, RingKey, RingOwner, RingPoint, RingView, RuleView, SequenceView,
    SpanView, Tone, TopologyView, WorkGroup, WorkView, charts,
};

use crate::kernel::{EventLog, Invariants, LogEntry, SimTime, World};

/// Most messages a view is given at once (the canvas draws them all every frame).
pub const MAX_MESSAGES_DRAWN: usize = 4_000;

/// A named starting point that shows a textbook phenomenon in one click.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Preset {
    /// kebab-case id, used on the command line (`--preset dependency-down`) and in the URL.
    pub id: &'static str,
    pub title: &'static str,
    /// What the preset shows, as a claim about its run (a test per preset checks it).
    pub description: &'static str,
    /// "Watch this": where to look in the first seconds, one sentence shown above the stage.
    pub watch: &'static str,
    /// Parameter overrides (name, value text); the rest keep their defaults.
    pub params: &'static [(&'static str, &'static str)],
    /// Fault script entries, in the `T:verb:args` text form.
    pub faults: &'static [&'static str],
}

/// How hard a benchmark loads a scene.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BenchLoad {
    /// About 2,000 client requests per second: simulation throughput and rewind figures.
    Busy,
    /// About 2,000 messages in flight at once: the frame-time figure.
    Crowded,
}

/// The explain panel's text.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Explain {
    pub what: &'static str,
    pub try_steps: &'static [&'static str],
    pub model_card: &'static [&'static str],
}

/// What a listed scene's `build` does in a bundle compiled without its model (see [`crate::runs_scene`]): the
/// page never asks for it, since each scene page loads the bundle that runs it.
#[cold]
pub fn not_in_this_build(id: &str) -> ! {
    panic!("scene {id} is listed but not compiled into this build (features of faultline-sim)")
}

/// A concept: its parameters, presets, text, and how to build a run of it.
pub trait Scene: Sync {
    /// kebab-case id (`circuit-breaker`), used in URLs and by the headless runner.
    fn id(&self) -> &'static str;
    fn title(&self) -> &'static str;
    /// One line on the home page card: what the scene teaches.
    fn teaches(&self) -> &'static str;
    fn params(&self) -> &'static [ParamSpec];
    /// Parameters shown in embeds (the few that tell the story).
    fn key_params(&self) -> &'static [&'static str];
    fn presets(&self) -> &'static [Preset];
    /// The preset a reader sees when the URL names none (so the phenomenon shows within seconds).
    fn default_preset(&self) -> Option<&'static str> {
        None
    }
    fn explain(&self) -> &'static Explain;
    /// The choice parameters a same-seed A/B comparison may vary (the breaker on/off, the stampede
    /// strategy; a saga's mode or idempotency): two runs with identical seed, script and other parameters
    /// differ only by the chosen one, event for event. The first is offered first.
    fn compare_params(&self) -> &'static [&'static str] {
        &[]
    }
    /// The nodes, links and triggers a fault script may name.
    fn names(&self) -> &'static Names;
    /// Event kinds the narration marks as notable moments (transitions, expiries, partitions): the
    /// scrubber's ticks and the "next notable event" step. Never per-operation records.
    fn notable(&self) -> &'static [&'static str] {
        &[]
    }
    /// One line for a burst of narration entries of one kind (hundreds of keys expiring within a second): the
    /// narration panel shows it instead of one line per entry. The runner's events keep every entry.
    fn summarize_burst(&self, kind: &str, entries: &[&LogEntry]) -> String {
        let span = entries.last().map_or(0, |e| e.t - entries[0].t) as f64 / 1e6;
        let first = entries.first().map_or("", |e| e.text.as_str());
        format!("{} {kind} events within {span:.1} s, the first: {first}", entries.len())
    }

    /// Parameter overrides that load the scene for a benchmark (see [`BenchLoad`]).
    fn bench_params(&self, load: BenchLoad) -> &'static [(&'static str, &'static str)] {
        let _ = load;
        &[]
    }
    fn build(&self, params: Params, seed: u64, script: Vec<Action>) -> Box<dyn Run>;

    /// The scene's guided tour (3–6 steps, see [`tour`]); `?tour=ID&step=N` opens step N.
    fn tour(&self) -> &'static [tour::TourStep] {
        &[]
    }

    /// The default preset's parameters with [`Scene::bench_params`] applied (overrides the scene lacks
    /// are reported, not ignored: they are the scene's own).
    fn bench_inputs(&self, load: BenchLoad) -> Params {
        let mut p = self.default_inputs().0;
        for (name, value) in self.bench_params(load) {
            if let Err(e) = p.set(name, value) {
                debug_assert!(false, "{}: bench parameter {e}", self.id());
            }
        }
        p
    }

    fn default_params(&self) -> Params {
        Params::defaults(self.params())
    }

    /// Goals measured on a run, with what the reader may change (see [`challenge`]); each scene ships at least
    /// two, tested natively with their known-good setting and their setup.
    fn challenges(&self) -> &'static [Challenge] {
        &[]
    }

    fn challenge(&self, id: &str) -> Option<&'static Challenge> {
        self.challenges().iter().find(|c| c.id == id)
    }

    fn preset(&self, id: &str) -> Option<&'static Preset> {
        self.presets().iter().find(|p| p.id == id)
    }

    /// A preset's parameters (over the defaults) and fault script. Presets are part of the scene and
    /// tested, so a bad entry is reported, not clamped.
    fn preset_inputs(&self, id: &str) -> Result<(Params, Vec<Action>), String> {
        let preset = self.preset(id).ok_or_else(|| {
            let ids: Vec<_> = self.presets().iter().map(|p| p.id).collect();
            format!("unknown preset '{id}' for {} (one of {})", self.id(), ids.join(", "))
        })?;
        let mut params = self.default_params();
        for (name, value) in preset.params {
            params.set(name, value)?;
        }
        let script = preset.faults.iter().map(|f| f.parse()).collect::<Result<Vec<Action>, String>>()?;
        for a in &script {
            self.validate_action(a)?;
        }
        Ok((params, script))
    }

    /// What a reader sees first: the default preset's inputs, or the defaults with no faults.
    fn default_inputs(&self) -> (Params, Vec<Action>) {
        self.default_preset()
            .and_then(|id| self.preset_inputs(id).ok())
            .unwrap_or_else(|| (self.default_params(), Vec::new()))
    }

    /// Checks that an action names things this scene can ever have; the message says what is allowed.
    /// (A node the scene can have but does not have at that moment is not an error: the run narrates
    /// that the action had no effect.)
    fn validate_action(&self, action: &Action) -> Result<(), String> {
        self.names().validate(action, self.params())
    }
}

/// A live simulation as views and drivers see it.
pub trait Run {
    fn scene_id(&self) -> &'static str;
    fn now(&self) -> SimTime;
    /// Processes everything due up to `t` and sets the clock to `t` (no-op if `t` is in the past).
    fn advance_to(&mut self, t: SimTime);
    /// Processes everything at the next moment something happens; returns that moment.
    fn step(&mut self) -> Option<SimTime>;
    fn next_time(&self) -> Option<SimTime>;
    fn script(&self) -> &[Action];
    /// See [`World::set_script`]: false when a rewind is needed first.
    fn set_script(&mut self, script: Vec<Action>) -> bool;
    /// Current parameters (after any `set` actions that have run).
    fn params(&self) -> &Params;
    /// The parameters the run was built with: with the seed and the script, what reproduces it.
    fn start_params(&self) -> &Params;
    /// What a reader sees now, panel by panel.
    fn panels(&self) -> Vec<Panel>;
    /// Messages in flight now (at most [`MAX_MESSAGES_DRAWN`]).
    fn messages(&self) -> Vec<MessageView>;
    fn series(&self, name: &str) -> Vec<(f64, f64)>;
    fn metrics(&self) -> Vec<(&'static str, f64)>;
    /// Invariants (in table order), then anomalies.
    fn counters(&self) -> Vec<CounterView>;
    fn invariants(&self) -> &Invariants;
    fn log(&self) -> &EventLog;
    fn trace_hash(&self) -> u64;
    fn n_events(&self) -> u64;
    fn n_in_flight(&self) -> usize;
    /// Whether `name` is a node of the run at this moment (a group counts).
    fn has_node(&self, name: &str) -> bool;
    fn clone_box(&self) -> Box<dyn Run>;
}

impl<M: Present> Run for World<M> {
    fn scene_id(&self) -> &'static str {
        self.scene_id
    }
    fn now(&self) -> SimTime {
        self.kernel.now()
    }
    fn advance_to(&mut self, t: SimTime) {
        World::advance_to(self, t)
    }
    fn step(&mut self) -> Option<SimTime> {
        World::step(self)
    }
    fn next_time(&self) -> Option<SimTime> {
        World::next_time(self)
    }
    fn script(&self) -> &[Action] {
        World::script(self)
    }
    fn set_script(&mut self, script: Vec<Action>) -> bool {
        World::set_script(self, script)
    }
    fn params(&self) -> &Params {
        &self.params
    }
    fn start_params(&self) -> &Params {
        &self.start_params
    }
    fn panels(&self) -> Vec<Panel> {
        self.model.panels(&self.kernel)
    }
    fn messages(&self) -> Vec<MessageView> {
        self.kernel
            .net
            .messages_in_flight()
            .take(MAX_MESSAGES_DRAWN)
            .map(|e| MessageView {
                from: e.from,
                to: e.to,
                sent: e.sent_at,
                deliver: e.deliver_at,
                tone: self.model.message_tone(&e.payload),
                turn_back_at: None,
            })
            .chain(self.model.stopped_messages(&self.kernel))
            .collect()
    }
    fn series(&self, name: &str) -> Vec<(f64, f64)> {
        self.model.series(&self.kernel, name)
    }
    fn metrics(&self) -> Vec<(&'static str, f64)> {
        self.model.metrics(&self.kernel)
    }
    fn counters(&self) -> Vec<CounterView> {
        let mut out: Vec<CounterView> = self
            .kernel
            .invariants
            .iter()
            .map(|(spec, v, active)| CounterView {
                name: spec.name,
                label: spec.label,
                value: v.count,
                must_be_zero: active || v.count > 0,
                condition: spec.when.describe(),
                first_at: v.first_at,
                help: spec.help,
            })
            .collect();
        if !M::ANOMALIES.is_empty() {
            let metrics = self.metrics();
            for a in M::ANOMALIES {
                let value = metrics.iter().find(|m| m.0 == a.metric).map_or(0.0, |m| m.1);
                out.push(CounterView {
                    name: a.metric,
                    label: a.label,
                    value: value.max(0.0).round() as u64,
                    must_be_zero: false,
                    condition: String::new(),
                    first_at: None,
                    help: a.help,
                });
            }
        }
        out
    }
    fn invariants(&self) -> &Invariants {
        &self.kernel.invariants
    }
    fn log(&self) -> &EventLog {
        &self.kernel.log
    }
    fn trace_hash(&self) -> u64 {
        self.kernel.trace_hash()
    }
    fn n_events(&self) -> u64 {
        self.kernel.n_events()
    }
    fn n_in_flight(&self) -> usize {
        self.kernel.net.n_in_flight()
    }
    fn has_node(&self, name: &str) -> bool {
        !self.model.node_ids(name).is_empty()
    }
    fn clone_box(&self) -> Box<dyn Run> {
        Box::new(self.clone())
    }
}
