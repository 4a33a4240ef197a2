//! The runner: a model plus its kernel plus the fault script, advanced in virtual time.
//!
//! [`World::advance_to`] takes events in (time, sequence) order; an action of the script at time `t` runs
//! before any event at `t`. Each processed event and action is folded into the trace hash, and the model's
//! invariants are checked after every one of them. `World` is `Clone`: a clone is a rewind snapshot.
//!
//! The runner, not each model, carries out and narrates what every scene shares: a `cut`/`heal` of a link
//! (between every member of a grouped node and every member of the other), a `set` of a parameter (clamped,
//! then the model re-reads its configuration), and an action naming a node that does not exist at that
//! moment (a shard removed earlier), which has no effect and says so.

use std::fmt::Debug;
use std::hash::Hash;

use super::{
    Action, ActionKind, Envelope, Event, Field, InvariantSpec, Invariants, Kernel, NodeId, Params, PartitionMode,
    SimTime,
};

/// A simulated system: how it reacts to messages, timers and faults, and what must always hold in it.
/// How a reader sees it is a separate trait in the scene layer.
pub trait Model: Clone + 'static {
    type Msg: Clone + Debug + Hash + 'static;
    type Timer: Clone + Debug + Hash + 'static;

    /// The invariants the model reports (`Kernel::check`, `Kernel::violation`), indexed in this order.
    const INVARIANTS: &'static [InvariantSpec];

    /// Schedules the first events (client arrivals, periodic ticks).
    fn start(&mut self, k: &mut Kernel<Self::Msg, Self::Timer>);
    fn on_message(&mut self, k: &mut Kernel<Self::Msg, Self::Timer>, env: Envelope<Self::Msg>);
    fn on_timer(&mut self, k: &mut Kernel<Self::Msg, Self::Timer>, timer: Self::Timer);
    /// A scripted action. Links are already cut/healed and narrated by the runner, and `params` already
    /// holds a `Set` value (clamped); the model reacts (re-reads its configuration, crashes a node, flushes a
    /// cache…) and narrates what only it knows. Crash, restart and trigger reach it only for names that
    /// [`Model::node_ids`] (or the scene's triggers) know at this moment.
    fn on_action(&mut self, k: &mut Kernel<Self::Msg, Self::Timer>, action: &ActionKind, params: &Params);
    /// Checks the state invariants after every event (`k.check(idx, holds)`).
    fn check_invariants(&self, k: &mut Kernel<Self::Msg, Self::Timer>);
    /// The kernel nodes a script name stands for at this moment: one for a plain node, every member for a
    /// grouped node (`apps`), none for a name that does not exist now.
    fn node_ids(&self, name: &str) -> Vec<NodeId>;
}

/// A model, its kernel, its current parameters and its fault script.
#[derive(Clone, Debug)]
pub struct World<M: Model> {
    pub scene_id: &'static str,
    pub kernel: Kernel<M::Msg, M::Timer>,
    pub model: M,
    pub params: Params,
    /// The parameters the run was built with (before any `set` action): with the seed and the script, what
    /// reproduces it.
    pub start_params: Params,
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
        crate::kernel::sort_by_time(&mut script);
        kernel.invariants = Invariants::new(M::INVARIANTS, &params);
        model.start(&mut kernel);
        World { scene_id, kernel, model, start_params: params.clone(), params, script, applied: 0 }
    }

    pub fn script(&self) -> &[Action] {
        &self.script
    }

    /// Replaces the script. Possible only if the entries that already ran are unchanged; otherwise returns
    /// false and the caller must restore an earlier snapshot first.
    pub fn set_script(&mut self, mut script: Vec<Action>) -> bool {
        crate::kernel::sort_by_time(&mut script);
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
                        if let Some(env) = self.kernel.deliver(id) {
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
        self.model.check_invariants(&mut self.kernel);
        true
    }

    fn apply(&mut self, action: &Action) {
        self.kernel.record(&(action.at.0, 3u8, action.to_string()));
        let mut kind = action.kind.clone();
        match &kind {
            ActionKind::Cut { a, b } | ActionKind::Heal { a, b } => {
                let cut = matches!(kind, ActionKind::Cut { .. });
                let (xs, ys) = (self.model.node_ids(a), self.model.node_ids(b));
                if xs.is_empty() || ys.is_empty() {
                    let missing = if xs.is_empty() { a } else { b };
                    self.no_effect(action, missing);
                    return;
                }
                for &x in &xs {
                    for &y in &ys {
                        if cut {
                            self.kernel.cut(x, y);
                        } else {
                            self.kernel.heal(x, y);
                        }
                    }
                }
                let text = match (cut, self.kernel.net.mode) {
                    (true, PartitionMode::Drop) => format!("link {a}–{b} cut: messages on it are lost until it heals"),
                    (true, PartitionMode::Hold) => {
                        format!("link {a}–{b} cut: messages on it wait until it heals")
                    }
                    (false, _) => format!("link {a}–{b} healed"),
                };
                let fields = vec![("a", Field::from(a.as_str())), ("b", Field::from(b.as_str()))];
                self.kernel.emit("fault", text, fields);
            }
            ActionKind::Set { param, value } => {
                // Clamped, so a hand-edited URL cannot push a model outside its validated ranges.
                let _notice = self.params.set_clamped(param, value);
                if let Some(v) = self.params.get(param) {
                    let spec = self.params.spec(param).expect("known: get succeeded");
                    kind = ActionKind::Set { param: param.clone(), value: spec.format(&v) };
                }
                self.kernel.invariants.refresh(&self.params);
                if let ActionKind::Set { param, value } = &kind {
                    let fields = vec![("param", Field::from(param.as_str())), ("value", Field::from(value.as_str()))];
                    self.kernel.emit("param", format!("{param} set to {value}"), fields);
                }
            }
            ActionKind::Crash { node } | ActionKind::Restart { node } => {
                if self.model.node_ids(node).is_empty() {
                    self.no_effect(action, node);
                    return;
                }
            }
            ActionKind::Trigger { .. } => {}
        }
        self.model.on_action(&mut self.kernel, &kind, &self.params);
    }

    /// An action naming a node that the scene can have, but not at this moment.
    fn no_effect(&mut self, action: &Action, node: &str) {
        let text = format!("{} has no effect: there is no node {node} at this moment", action.kind_text());
        self.kernel.emit("fault", text, vec![("node", Field::from(node))]);
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
