//! The runner: a model plus its kernel plus the fault script, advanced in virtual time.
//!
//! [`World::advance_to`] takes events in (time, sequence) order; an action of the script at time `t` runs
//! before any event at `t`. Each processed event and action is folded into the trace hash, and the model's
//! invariants are checked after every one of them. `World` is `Clone`: a clone is a rewind snapshot.

use std::fmt::Debug;
use std::hash::Hash;

use super::{Envelope, Event, Kernel, NodeId, SimTime};
use crate::scene::{Action, ActionKind, ChartSpec, CounterView, Params, StageView};

/// A scene's domain model. It reacts to events through the kernel and describes itself for views.
pub trait Model: Clone + 'static {
    type Msg: Clone + Debug + Hash + 'static;
    type Timer: Clone + Debug + Hash + 'static;

    /// Schedules the first events (client arrivals, periodic ticks).
    fn start(&mut self, k: &mut Kernel<Self::Msg, Self::Timer>);
    fn on_message(&mut self, k: &mut Kernel<Self::Msg, Self::Timer>, env: Envelope<Self::Msg>);
    fn on_timer(&mut self, k: &mut Kernel<Self::Msg, Self::Timer>, timer: Self::Timer);
    /// A scripted action. Links are already cut/healed by the runner and `params` already holds a `Set`
    /// value (clamped); the model reacts (re-reads its configuration, crashes a node, flushes a cache…).
    fn on_action(&mut self, k: &mut Kernel<Self::Msg, Self::Timer>, action: &ActionKind, params: &Params);
    /// Checks the scene's invariants after every event, counting violations.
    fn check_invariants(&mut self, k: &Kernel<Self::Msg, Self::Timer>);
    fn node_id(&self, name: &str) -> Option<NodeId>;

    fn stage(&self, k: &Kernel<Self::Msg, Self::Timer>) -> StageView;
    fn charts(&self) -> &'static [ChartSpec];
    fn series(&self, k: &Kernel<Self::Msg, Self::Timer>, name: &str) -> Vec<(f64, f64)>;
    fn metrics(&self, k: &Kernel<Self::Msg, Self::Timer>) -> Vec<(&'static str, f64)>;
    fn counters(&self) -> Vec<CounterView>;
}

/// A model, its kernel, its current parameters and its fault script.
#[derive(Clone, Debug)]
pub struct World<M: Model> {
    pub scene_id: &'static str,
    pub kernel: Kernel<M::Msg, M::Timer>,
    pub model: M,
    pub params: Params,
    script: Vec<Action>,
    /// How many script entries have run.
    applied: usize,
}

impl<M: Model> World<M> {
    pub fn new(
        scene_id: &'static str,
        mut kernel: Kernel<M::Msg, M::Timer>,
        mut model: M,
        params: Params,
        mut script: Vec<Action>,
    ) -> Self {
        script.sort_by_key(|a| a.at);
        model.start(&mut kernel);
        World { scene_id, kernel, model, params, script, applied: 0 }
    }

    pub fn script(&self) -> &[Action] {
        &self.script
    }

    /// Replaces the script. Possible only if the entries that already ran are unchanged; otherwise returns
    /// false and the caller must restore an earlier snapshot first.
    pub fn set_script(&mut self, mut script: Vec<Action>) -> bool {
        script.sort_by_key(|a| a.at);
        if script.len() < self.applied || script[..self.applied] != self.script[..self.applied] {
            return false;
        }
        // An entry not yet run must not lie in the past, or the run would no longer be reproducible.
        if script[self.applied..].iter().any(|a| a.at < self.kernel.now()) {
            return false;
        }
        self.script = script;
        true
    }

    fn next_action_time(&self) -> Option<SimTime> {
        self.script.get(self.applied).map(|a| a.at)
    }

    /// The time of whatever happens next (event or scripted action).
    pub fn next_time(&self) -> Option<SimTime> {
        match (self.next_action_time(), self.kernel.next_event_time()) {
            (Some(a), Some(e)) => Some(a.min(e)),
            (a, e) => a.or(e),
        }
    }

    /// Processes one event or action if its time is ≤ `limit`. Returns false when nothing is due.
    fn process_next(&mut self, limit: SimTime) -> bool {
        let action_due = self.next_action_time().filter(|&a| a <= limit);
        let event_due = self.kernel.next_event_time().filter(|&e| e <= limit);
        match (action_due, event_due) {
            (Some(a), e) if e.is_none_or(|e| a <= e) => {
                let action = self.script[self.applied].clone();
                self.applied += 1;
                self.kernel.set_now(action.at);
                self.apply(&action);
            }
            (_, Some(_)) => {
                let (at, event) = self.kernel.pop().expect("peeked above");
                match event {
                    Event::Deliver(id) => {
                        if let Some(env) = self.kernel.net.deliver(id) {
                            self.kernel.record(&(at.0, 0u8, &env));
                            self.model.on_message(&mut self.kernel, env);
                        } else {
                            self.kernel.record(&(at.0, 1u8, id.0));
                        }
                    }
                    Event::Timer(timer) => {
                        self.kernel.record(&(at.0, 2u8, &timer));
                        self.model.on_timer(&mut self.kernel, timer);
                    }
                }
            }
            _ => return false,
        }
        self.model.check_invariants(&self.kernel);
        true
    }

    fn apply(&mut self, action: &Action) {
        self.kernel.record(&(action.at.0, 3u8, action.to_string()));
        let mut kind = action.kind.clone();
        match &kind {
            ActionKind::Cut { a, b } | ActionKind::Heal { a, b } => {
                if let (Some(x), Some(y)) = (self.model.node_id(a), self.model.node_id(b)) {
                    if matches!(kind, ActionKind::Cut { .. }) {
                        self.kernel.cut(x, y);
                    } else {
                        self.kernel.heal(x, y);
                    }
                }
            }
            ActionKind::Set { param, value } => {
                // Clamped, so a hand-edited URL cannot push a model outside its validated ranges.
                let _notice = self.params.set_clamped(param, value);
                if let Some(v) = self.params.get(param) {
                    let spec = self.params.spec(param).expect("known: get succeeded");
                    kind = ActionKind::Set { param: param.clone(), value: spec.format(&v) };
                }
            }
            _ => {}
        }
        self.model.on_action(&mut self.kernel, &kind, &self.params);
    }

    /// Runs everything due up to and including `t`, then sets the clock to `t`.
    pub fn advance_to(&mut self, t: SimTime) {
        while self.process_next(t) {}
        self.kernel.set_now(t);
    }

    /// Runs everything at the next moment anything happens; returns that moment.
    pub fn step(&mut self) -> Option<SimTime> {
        let t = self.next_time()?;
        self.advance_to(t);
        Some(t)
    }
}
