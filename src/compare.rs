//! Same-seed A/B comparison, for any scene that declares comparable parameters
//! ([`Scene::compare_params`]): run B is built from the same seed, the same fault script and the same
//! parameters as run A except the one the reader chose, and is kept at A's moment. Because every component
//! draws from its own RNG stream, the two runs see the same arrivals and faults and differ only by what that
//! choice changes.
//!
//! This module holds the pure parts (what a comparison is, B's parameters and script, the table); the
//! [`Session`](crate::session::Session) owns B's timeline next to A's and keeps it in step.

use faultline_sim::scene::{Action, ActionKind, CounterView, ParamKind, ParamValue, Params, Run, Scene};

/// A comparison: the parameter run B varies and B's choice of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Comparison {
    pub param: &'static str,
    pub choice: usize,
}

/// The scene's comparable parameters with their choices, in the scene's order.
pub fn options(scene: &dyn Scene) -> Vec<(&'static str, &'static [&'static str])> {
    scene
        .compare_params()
        .iter()
        .filter_map(|name| {
            scene.params().iter().find(|s| s.name == *name).and_then(|s| match s.kind {
                ParamKind::Choice { choices, .. } => Some((s.name, choices)),
                ParamKind::Number { .. } => None,
            })
        })
        .collect()
}

impl Comparison {
    /// B's choice as text (`none`).
    pub fn value(&self, scene: &dyn Scene) -> &'static str {
        options(scene)
            .into_iter()
            .find(|(p, _)| *p == self.param)
            .and_then(|(_, c)| c.get(self.choice).copied())
            .unwrap_or("?")
    }

    /// B's choice in words, with its parameter: "Protection: single-flight".
    pub fn label(&self, scene: &dyn Scene) -> String {
        match scene.params().iter().find(|s| s.name == self.param) {
            Some(spec) => format!("{}: {}", spec.label, spec.choice_label(self.choice)),
            None => self.text(scene),
        }
    }

    /// The URL's `cmp=` text: `param:value`.
    pub fn text(&self, scene: &dyn Scene) -> String {
        format!("{}:{}", self.param, self.value(scene))
    }

    /// Reads `param:value`, or a bare `value` of any comparable parameter (the older, one-parameter form).
    pub fn parse(scene: &dyn Scene, text: &str) -> Result<Comparison, String> {
        let opts = options(scene);
        if opts.is_empty() {
            return Err(format!("comparison '{text}' ignored: this scene has no A/B comparison"));
        }
        let describe = || opts.iter().map(|(p, c)| format!("{p}: {}", c.join(", "))).collect::<Vec<_>>().join("; ");
        let (param, value) = match text.split_once(':') {
            Some((p, v)) => (Some(p.trim()), v.trim()),
            None => (None, text.trim()),
        };
        opts.iter()
            .filter(|(p, _)| param.is_none_or(|want| want == *p))
            .find_map(|(p, choices)| {
                choices.iter().position(|c| *c == value).map(|i| Comparison { param: p, choice: i })
            })
            .ok_or_else(|| format!("comparison '{text}' ignored: compare one of {}", describe()))
    }
}

/// The value of choice parameter `param` in `params`, as a choice index.
pub fn current_choice(params: &Params, param: &str) -> Option<usize> {
    match params.get(param) {
        Some(ParamValue::Choice(i)) => Some(i),
        _ => None,
    }
}

/// Run B's starting parameters: A's with the compared parameter set to B's choice.
pub fn b_params(base: &Params, c: Comparison) -> Params {
    let mut p = base.clone();
    p.set_value(c.param, ParamValue::Choice(c.choice));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_forms_and_names_what_is_allowed() {
        let scene = faultline_sim::scene_by_id("circuit-breaker").unwrap();
        let c = Comparison::parse(scene, "breaker:off").unwrap();
        assert_eq!((c.param, c.value(scene)), ("breaker", "off"));
        assert_eq!(Comparison::parse(scene, "time").unwrap().param, "window_type");
        let err = Comparison::parse(scene, "breaker:maybe").unwrap_err();
        assert!(err.contains("breaker: on, off") && err.contains("window_type: count, time"), "{err}");
        assert_eq!(c.text(scene), "breaker:off");
    }
}
