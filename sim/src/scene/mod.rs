//! The scene abstraction: what every concept plugs into, so a new scene needs no kernel change.
//!
//! A [`Scene`] is the static description (parameters with units and ranges, presets, explain text, node
//! names) and a factory: `build(params, seed, script)` returns a [`Run`]. A `Run` is a live, clonable
//! simulation that can be advanced in virtual time and read by views (stage, charts, counters, log).
//! Every `World<M>` of a [`Model`](crate::kernel::Model) is a `Run`.
//!
//! ```
//! use faultline_sim::{scene_by_id, kernel::SimTime};
//! let scene = scene_by_id("circuit-breaker").unwrap();
//! let mut run = scene.build(scene.default_params(), 7, vec![]);
//! run.advance_to(SimTime::from_secs(5));
//! assert!(run.metrics().iter().any(|(name, v)| *name == "client_requests" && *v > 0.0));
//! ```

mod action;
mod params;
mod view;

use std::rc::Rc;

pub use action::{Action, ActionKind, format_script, parse_script_lenient};
pub use params::{ParamKind, ParamSpec, ParamValue, Params, format_number};
pub use view::{
    BandSpec, ChartSpec, CounterView, LineSpec, LineStyle, LinkView, MachineView, MessageView, NodeAction, NodeRole,
    NodeView, StageView, Tone,
};

use crate::kernel::{LogEntry, Model, SimTime, World};

/// A named starting point that shows a textbook phenomenon in one click.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Preset {
    /// kebab-case id, used on the command line (`--preset dependency-down`) and in the URL.
    pub id: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    /// Parameter overrides (name, value text); the rest keep their defaults.
    pub params: &'static [(&'static str, &'static str)],
    /// Fault script entries, in the `T:verb:args` text form.
    pub faults: &'static [&'static str],
}

/// The explain panel's text.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Explain {
    pub what: &'static str,
    pub try_steps: &'static [&'static str],
    pub model_card: &'static [&'static str],
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
    /// The choice parameter a same-seed A/B comparison varies (the breaker on/off, the stampede strategy):
    /// two runs with identical seed, script and other parameters differ only by it, event for event.
    fn compare_param(&self) -> Option<&'static str> {
        None
    }
    /// Node names that `crash`/`restart`/`cut`/`heal` may name.
    fn node_names(&self) -> &'static [&'static str];
    /// Names that `trigger` may name.
    fn triggers(&self) -> &'static [&'static str] {
        &[]
    }
    fn build(&self, params: Params, seed: u64, script: Vec<Action>) -> Box<dyn Run>;

    fn default_params(&self) -> Params {
        Params::defaults(self.params())
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
        Ok((params, script))
    }

    /// What a reader sees first: the default preset's inputs, or the defaults with no faults.
    fn default_inputs(&self) -> (Params, Vec<Action>) {
        self.default_preset()
            .and_then(|id| self.preset_inputs(id).ok())
            .unwrap_or_else(|| (self.default_params(), Vec::new()))
    }

    /// Checks that an action names things this scene has; the message says what is allowed.
    fn validate_action(&self, action: &Action) -> Result<(), String> {
        let node_ok = |n: &str| -> Result<(), String> {
            if self.node_names().contains(&n) {
                Ok(())
            } else {
                Err(format!("fault '{action}': unknown node '{n}' (nodes: {})", self.node_names().join(", ")))
            }
        };
        match &action.kind {
            ActionKind::Crash { node } | ActionKind::Restart { node } => node_ok(node),
            ActionKind::Cut { a, b } | ActionKind::Heal { a, b } => node_ok(a).and_then(|_| node_ok(b)),
            ActionKind::Set { param, value } => {
                let spec = self
                    .params()
                    .iter()
                    .find(|s| s.name == param)
                    .ok_or_else(|| format!("fault '{action}': unknown parameter '{param}'"))?;
                spec.parse(value).map(|_| ()).map_err(|e| format!("fault '{action}': {e}"))
            }
            ActionKind::Trigger { name } => {
                if self.triggers().contains(&name.as_str()) {
                    Ok(())
                } else {
                    Err(format!(
                        "fault '{action}': unknown trigger '{name}' (triggers: {})",
                        self.triggers().join(", ")
                    ))
                }
            }
        }
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
    fn stage(&self) -> StageView;
    fn charts(&self) -> &'static [ChartSpec];
    fn series(&self, name: &str) -> Vec<(f64, f64)>;
    fn metrics(&self) -> Vec<(&'static str, f64)>;
    fn counters(&self) -> Vec<CounterView>;
    fn log(&self) -> &[Rc<LogEntry>];
    fn trace_hash(&self) -> u64;
    fn n_events(&self) -> u64;
    fn n_in_flight(&self) -> usize;
    fn clone_box(&self) -> Box<dyn Run>;
}

impl<M: Model> Run for World<M> {
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
    fn stage(&self) -> StageView {
        self.model.stage(&self.kernel)
    }
    fn charts(&self) -> &'static [ChartSpec] {
        self.model.charts()
    }
    fn series(&self, name: &str) -> Vec<(f64, f64)> {
        self.model.series(&self.kernel, name)
    }
    fn metrics(&self) -> Vec<(&'static str, f64)> {
        self.model.metrics(&self.kernel)
    }
    fn counters(&self) -> Vec<CounterView> {
        self.model.counters()
    }
    fn log(&self) -> &[Rc<LogEntry>] {
        self.kernel.log.entries()
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
    fn clone_box(&self) -> Box<dyn Run> {
        Box::new(self.clone())
    }
}
