//! Same-seed A/B comparison, for any scene with a [`Scene::compare_param`]: run B is built from the same
//! seed, the same fault script and the same parameters as run A except that one choice, and is kept at A's
//! moment. Because every component draws from its own RNG stream, the two runs see the same arrivals and
//! faults and differ only by what the choice changes.
//!
//! This module holds the pure parts (B's parameters and script, the comparison table); the
//! [`Session`](crate::session::Session) owns B's timeline next to A's and keeps it in step.

use faultline_sim::scene::{Action, ActionKind, CounterView, ParamKind, ParamValue, Params, Run, Scene};

/// The compared parameter's name and choices, if the scene offers a comparison.
pub fn spec(scene: &dyn Scene) -> Option<(&'static str, &'static [&'static str])> {
    let name = scene.compare_param()?;
    scene.params().iter().find(|s| s.name == name).and_then(|s| match s.kind {
        ParamKind::Choice { choices, .. } => Some((name, choices)),
        ParamKind::Number { .. } => None,
    })
}

/// Index of choice `text` of the compared parameter.
pub fn choice_index(scene: &dyn Scene, text: &str) -> Option<usize> {
    spec(scene).and_then(|(_, choices)| choices.iter().position(|c| *c == text))
}

/// The compared parameter's value in `params`, as a choice index.
pub fn current_choice(scene: &dyn Scene, params: &Params) -> Option<usize> {
    let (name, _) = spec(scene)?;
    match params.get(name) {
        Some(ParamValue::Choice(i)) => Some(i),
        _ => None,
    }
}

/// Run B's starting parameters: A's with the compared parameter set to `choice`.
pub fn b_params(scene: &dyn Scene, base: &Params, choice: usize) -> Params {
    let mut p = base.clone();
    if let Some((name, _)) = spec(scene) {
        p.set_value(name, ParamValue::Choice(choice));
    }
    p
}

/// Whether A's scripted action also applies to B: everything but a change of the compared parameter
/// (B keeps its own choice for the whole run).
pub fn applies_to_b(param: &str, action: &Action) -> bool {
    !matches!(&action.kind, ActionKind::Set { param: p, .. } if p == param)
}

/// Run B's script: A's without changes of the compared parameter.
pub fn b_script(param: &str, script: &[Action]) -> Vec<Action> {
    script.iter().filter(|a| applies_to_b(param, a)).cloned().collect()
}

/// One row of the comparison table.
#[derive(Clone, Debug, PartialEq)]
pub struct MetricRow {
    pub name: &'static str,
    pub a: f64,
    pub b: f64,
}

/// An invariant of both runs (it must be 0 in each).
#[derive(Clone, Debug, PartialEq)]
pub struct CounterRow {
    pub name: &'static str,
    pub label: &'static str,
    pub a: u64,
    pub b: u64,
}

/// A and B side by side at the same moment.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct CompareTable {
    pub metrics: Vec<MetricRow>,
    pub counters: Vec<CounterRow>,
}

/// Reads both runs' metrics and must-be-zero counters (matched by name; a metric only one run reports is
/// shown with a blank for the other).
pub fn table(a: &dyn Run, b: &dyn Run) -> CompareTable {
    let mb = b.metrics();
    let metrics = a
        .metrics()
        .into_iter()
        .map(|(name, va)| MetricRow { name, a: va, b: mb.iter().find(|m| m.0 == name).map_or(f64::NAN, |m| m.1) })
        .collect();
    let cb = b.counters();
    let counters = a
        .counters()
        .into_iter()
        .filter(|c| c.must_be_zero)
        .map(|c: CounterView| CounterRow {
            name: c.name,
            label: c.label,
            a: c.value,
            b: cb.iter().find(|x| x.name == c.name).map_or(0, |x| x.value),
        })
        .collect();
    CompareTable { metrics, counters }
}

/// Whether two values differ enough to point out (more than 10 % of the larger, and not both ≈ 0).
pub fn differs(a: f64, b: f64) -> bool {
    if !a.is_finite() || !b.is_finite() {
        return false;
    }
    let m = a.abs().max(b.abs());
    m > 1e-9 && (a - b).abs() > 0.1 * m
}
