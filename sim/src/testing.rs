//! What every scene's tests need, written once: building runs from overrides and presets, reading metrics,
//! counters and log fields, asserting invariants with the seed in the message, and drawing random valid
//! parameters and fault scripts for property tests (`sim/tests/properties.rs` walks the registry with them,
//! so a new scene gets its property test for free).
//!
//! ```
//! use faultline_sim::{scene_by_id, testing};
//! let scene = scene_by_id("circuit-breaker").unwrap();
//! let r = testing::run(scene, testing::params(scene, &[("failure_rate", "1")]), 7, testing::script(&["2:crash:dependency"]), 5);
//! testing::assert_invariants(r.as_ref(), 7, "failing dependency");
//! assert!(testing::metric(r.as_ref(), "failed") > 0.0);
//! ```

use std::rc::Rc;

use crate::kernel::{Action, ActionKind, Field, LogEntry, ParamKind, Params, RngStream, SimTime};
use crate::scene::{MachineView, Panel, Run, Scene, TopologyView};

/// The scene's defaults with `overrides` applied (panics with the error on a bad override).
pub fn params(scene: &dyn Scene, overrides: &[(&str, &str)]) -> Params {
    let mut p = scene.default_params();
    for (k, v) in overrides {
        p.set(k, v).unwrap_or_else(|e| panic!("{}: {e}", scene.id()));
    }
    p
}

/// A preset's parameters and script.
pub fn preset(scene: &dyn Scene, id: &str) -> (Params, Vec<Action>) {
    scene.preset_inputs(id).unwrap_or_else(|e| panic!("{e}"))
}

/// Parses fault-script entries.
pub fn script(entries: &[&str]) -> Vec<Action> {
    entries.iter().map(|f| f.parse().unwrap_or_else(|e| panic!("{e}"))).collect()
}

/// A run of `scene` advanced to `secs` seconds.
pub fn run(scene: &dyn Scene, p: Params, seed: u64, script: Vec<Action>, secs: u64) -> Box<dyn Run> {
    let mut r = scene.build(p, seed, script);
    r.advance_to(SimTime::from_secs(secs));
    r
}

pub fn metric(r: &dyn Run, name: &str) -> f64 {
    r.metrics().into_iter().find(|(n, _)| *n == name).unwrap_or_else(|| panic!("no metric {name}")).1
}

/// An invariant's or anomaly's count.
pub fn counter(r: &dyn Run, name: &str) -> u64 {
    r.counters().into_iter().find(|c| c.name == name).unwrap_or_else(|| panic!("no counter {name}")).value
}

/// The log entries of one kind.
pub fn events(r: &dyn Run, kind: &str) -> Vec<Rc<LogEntry>> {
    r.log().iter().filter(|e| e.kind == kind).cloned().collect()
}

pub fn field<'a>(e: &'a LogEntry, name: &str) -> &'a Field {
    &e.fields.iter().find(|(k, _)| *k == name).unwrap_or_else(|| panic!("no field {name} in {e:?}")).1
}

/// A numeric field (integer or not) as f64.
pub fn num(e: &LogEntry, name: &str) -> f64 {
    match field(e, name) {
        Field::Num(x) => *x,
        Field::Int(x) => *x as f64,
        other => panic!("field {name} of {e:?} is not a number: {other:?}"),
    }
}

pub fn text(e: &LogEntry, name: &str) -> String {
    match field(e, name) {
        Field::Str(s) => s.clone(),
        other => panic!("field {name} of {e:?} is not text: {other:?}"),
    }
}

/// A true/false field.
pub fn flag(e: &LogEntry, name: &str) -> bool {
    match field(e, name) {
        Field::Bool(b) => *b,
        other => panic!("field {name} of {e:?} is not true/false: {other:?}"),
    }
}

/// The run's topology panel now.
pub fn topology(r: &dyn Run) -> TopologyView {
    r.panels()
        .into_iter()
        .find_map(|p| match p {
            Panel::Topology(t) => Some(t),
            _ => None,
        })
        .expect("every scene shows a topology")
}

/// The run's first state machine now, if it shows one.
pub fn machine(r: &dyn Run) -> Option<MachineView> {
    r.panels().into_iter().find_map(|p| match p {
        Panel::Machines { machines } => machines.into_iter().next(),
        _ => None,
    })
}

/// Every invariant stayed at 0 (violations count only while their condition held, so any count is one).
pub fn assert_invariants(r: &dyn Run, seed: u64, what: &str) {
    for (spec, v, _) in r.invariants().iter() {
        assert_eq!(
            v.count, 0,
            "seed={seed} {what}: invariant {} ({}) violated {} times, first at {:?}",
            spec.name, spec.label, v.count, v.first_at
        );
    }
}

/// A value drawn for a number range: log-uniform when it spans more than two decades (most runs stay
/// light, some reach the top), else uniform; snapped to the step.
fn draw_number(rng: &mut RngStream, min: f64, max: f64, step: f64) -> f64 {
    let lo = min.max(step).max(1e-9);
    let v = if max / lo > 100.0 {
        let u = rng.below(1_000_000) as f64 / 1e6;
        (lo.ln() + u * (max.ln() - lo.ln())).exp()
    } else {
        min + rng.below(1_000_000) as f64 / 1e6 * (max - min)
    };
    (min + ((v - min) / step).round() * step).clamp(min, max)
}

/// Random valid parameters for `scene`.
pub fn random_params(scene: &dyn Scene, rng: &mut RngStream) -> Params {
    let mut p = scene.default_params();
    for spec in scene.params() {
        let text = match spec.kind {
            ParamKind::Number { min, max, step, .. } => {
                spec.format(&crate::kernel::ParamValue::Number(draw_number(rng, min, max, step)))
            }
            ParamKind::Choice { choices, .. } => choices[rng.below(choices.len() as u64) as usize].to_string(),
        };
        p.set_clamped(spec.name, &text);
    }
    p
}

/// A random valid fault script of up to `max_len` actions within the first `within_s` seconds, from the
/// scene's own names: crashes and restarts of its nodes, cuts and heals of its links, its triggers, and
/// parameter changes.
pub fn random_script(scene: &dyn Scene, rng: &mut RngStream, within_s: f64, max_len: u64) -> Vec<Action> {
    let names = scene.names();
    let nodes = names.sample_nodes();
    let links = names.sample_links();
    let mut out = Vec::new();
    for _ in 0..rng.below(max_len + 1) {
        let at = SimTime::from_micros(rng.below((within_s * 1e6) as u64 + 1));
        let kind = match rng.below(5) {
            0 | 1 if !nodes.is_empty() => {
                let node = nodes[rng.below(nodes.len() as u64) as usize].clone();
                if rng.below(2) == 0 { ActionKind::Crash { node } } else { ActionKind::Restart { node } }
            }
            2 if !links.is_empty() => {
                let (a, b) = links[rng.below(links.len() as u64) as usize].clone();
                if rng.below(2) == 0 { ActionKind::Cut { a, b } } else { ActionKind::Heal { a, b } }
            }
            3 if !names.triggers.is_empty() => ActionKind::Trigger {
                name: names.triggers[rng.below(names.triggers.len() as u64) as usize].to_string(),
            },
            _ => {
                let specs = scene.params();
                let spec = &specs[rng.below(specs.len() as u64) as usize];
                let value = match spec.kind {
                    ParamKind::Number { min, max, step, .. } => {
                        spec.format(&crate::kernel::ParamValue::Number(draw_number(rng, min, max, step)))
                    }
                    ParamKind::Choice { choices, .. } => choices[rng.below(choices.len() as u64) as usize].to_string(),
                };
                ActionKind::Set { param: spec.name.to_string(), value }
            }
        };
        let action = Action { at, kind };
        debug_assert!(scene.validate_action(&action).is_ok(), "{}: {action}", scene.id());
        out.push(action);
    }
    crate::kernel::sort_by_time(&mut out);
    out
}
