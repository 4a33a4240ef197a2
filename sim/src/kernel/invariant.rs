//! Invariants declared once and counted in one place.
//!
//! A scene declares its invariants as a static table of [`InvariantSpec`]s (name, label, help, and
//! [`When`] it must hold: always, or only under a parameter choice such as `strategy=swr`). The kernel
//! keeps one [`Violations`] count per entry in [`Invariants`]; the model reports through the kernel while it
//! handles events (`k.violation(idx)`) or after each one (`Model::check_invariants`, `k.check(idx, holds)`).
//! A violation counts only while the invariant's condition holds, so "must be 0" is exact: any non-zero
//! count is a bug in the modelled system or in the model, found at the moment it first happened.
//!
//! Anomalies a system may legitimately show (stale reads, double charges) are not invariants: they are
//! metrics, and the scene's presentation lists them for the correctness panel.
//!
//! ```
//! use faultline_sim::kernel::{InvariantSpec, Invariants, Params, ParamSpec, SimTime};
//! const SPECS: &[ParamSpec] = &[ParamSpec::choice("mode", "Mode", &["cp", "ap"], 0, "")];
//! const INV: &[InvariantSpec] = &[
//!     InvariantSpec::always("lost", "requests lost", "Every request is answered."),
//!     InvariantSpec::when("stale", "stale reads", "CP never reads stale.", "mode", "cp"),
//! ];
//! let mut params = Params::defaults(SPECS);
//! let mut inv = Invariants::new(INV, &params);
//! inv.check(1, false, SimTime::from_secs(3)); // violated while mode = cp: counted
//! params.set("mode", "ap").unwrap();
//! inv.refresh(&params);
//! inv.check(1, false, SimTime::from_secs(4)); // under ap a stale read is allowed: not counted
//! assert_eq!(inv.count(1), 1);
//! assert_eq!(inv.violations(1).first_at, Some(SimTime::from_secs(3)));
//! ```

use super::{ParamKind, ParamValue, Params, SimTime};

/// When an invariant must hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum When {
    Always,
    /// Only while the choice parameter `.0` is `.1` (e.g. `("mode", "cp")`).
    ParamIs(&'static str, &'static str),
}

impl When {
    pub fn holds(&self, params: &Params) -> bool {
        match *self {
            When::Always => true,
            When::ParamIs(name, value) => match (params.spec(name).map(|s| s.kind), params.get(name)) {
                (Some(ParamKind::Choice { choices, .. }), Some(ParamValue::Choice(i))) => choices[i] == value,
                _ => false,
            },
        }
    }

    /// "always", or "when mode = cp".
    pub fn describe(&self) -> String {
        match self {
            When::Always => "always".to_string(),
            When::ParamIs(name, value) => format!("when {name} = {value}"),
        }
    }
}

/// One invariant of a scene: it must stay at zero violations whenever `when` holds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct InvariantSpec {
    /// snake_case, the runner's `counters` key.
    pub name: &'static str,
    /// What a violation is, for the correctness panel ("calls reaching the dependency while OPEN").
    pub label: &'static str,
    pub help: &'static str,
    pub when: When,
}

impl InvariantSpec {
    pub const fn always(name: &'static str, label: &'static str, help: &'static str) -> Self {
        InvariantSpec { name, label, help, when: When::Always }
    }
    pub const fn when(
        name: &'static str,
        label: &'static str,
        help: &'static str,
        param: &'static str,
        value: &'static str,
    ) -> Self {
        InvariantSpec { name, label, help, when: When::ParamIs(param, value) }
    }
}

/// A violation count and the moment it first went non-zero (the correctness panel links there).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Violations {
    pub count: u64,
    pub first_at: Option<SimTime>,
}

impl Violations {
    pub fn hit(&mut self, now: SimTime) {
        self.count += 1;
        self.first_at.get_or_insert(now);
    }
}

/// The counts of a scene's invariants, in the order of its table.
#[derive(Clone, Debug, Default)]
pub struct Invariants {
    specs: &'static [InvariantSpec],
    counts: Vec<Violations>,
    active: Vec<bool>,
}

impl Invariants {
    pub fn new(specs: &'static [InvariantSpec], params: &Params) -> Self {
        let mut me = Invariants { specs, counts: vec![Violations::default(); specs.len()], active: Vec::new() };
        me.refresh(params);
        me
    }

    /// Re-evaluates every condition (the runner calls it after a parameter changed).
    pub fn refresh(&mut self, params: &Params) {
        self.active = self.specs.iter().map(|s| s.when.holds(params)).collect();
    }

    /// Counts a violation of invariant `idx` at `now` unless `holds` (models call it through
    /// [`Kernel::check`](super::Kernel::check), which stamps the current moment).
    #[inline]
    pub fn check(&mut self, idx: usize, holds: bool, now: SimTime) {
        if !holds && self.active.get(idx).copied().unwrap_or(false) {
            self.counts[idx].hit(now);
        }
    }

    pub fn count(&self, idx: usize) -> u64 {
        self.counts.get(idx).map_or(0, |v| v.count)
    }
    pub fn violations(&self, idx: usize) -> Violations {
        self.counts.get(idx).copied().unwrap_or_default()
    }
    pub fn specs(&self) -> &'static [InvariantSpec] {
        self.specs
    }
    /// Whether invariant `idx` must be zero under the current parameters.
    pub fn is_active(&self, idx: usize) -> bool {
        self.active.get(idx).copied().unwrap_or(false)
    }
    /// (spec, count, active) for every invariant, in table order.
    pub fn iter(&self) -> impl Iterator<Item = (&'static InvariantSpec, Violations, bool)> + '_ {
        self.specs.iter().zip(&self.counts).zip(&self.active).map(|((s, v), a)| (s, *v, *a))
    }
}
