//! Challenges: a goal measured on a run, with constraints on what the reader may change.
//!
//! A [`Challenge`] is plain data a scene ships beside its presets: a starting point (parameters over the
//! defaults, a fault script, a seed), the parameters the reader may change (everything else is locked), and
//! [`Goal`]s over the first `duration_s` seconds of virtual time. Nothing here knows any scene's words: a goal
//! names one of the run's metrics.
//!
//! **A verdict is measured, never canned**: [`judge`] builds the run through the [`Scene`], advances it to the
//! end of the challenge and reads the metrics there; [`progress`] reads a live run at its current moment, so
//! a page can show "so far" numbers and decide early what can no longer change (a count that never decreases
//! and is already over its bound has failed).
//!
//! ```
//! use faultline_sim::{scene_by_id, scene::challenge};
//! let scene = scene_by_id("circuit-breaker").unwrap();
//! let ch = &scene.challenges()[0];
//! let setup = challenge::judge_setup(scene, ch).unwrap();
//! assert!(!setup.pass);
//! let solved = challenge::judge_known_good(scene, ch).unwrap();
//! assert!(solved.pass, "{solved:?}");
//! ```

use crate::kernel::{Action, ActionKind, Params, SimTime};

use super::{Run, Scene};

/// What a goal reads from the run. Every metric a run keeps is counted from t = 0, so a goal is measured over
/// the challenge's window `[0, duration_s]` by reading the metric at its end.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Measure {
    /// A count or a peak: it never decreases, so a bound can be decided before the end.
    Count(&'static str),
    /// A value that can move either way (a ratio, a percentile): decided at the end.
    Value(&'static str),
    /// One count over another (keys moved / keys), decided at the end; 0 when the second is 0.
    Ratio(&'static str, &'static str),
}

impl Measure {
    /// The metric names it reads.
    pub fn metrics(&self) -> Vec<&'static str> {
        match *self {
            Measure::Count(m) | Measure::Value(m) => vec![m],
            Measure::Ratio(a, b) => vec![a, b],
        }
    }

    /// Reads it from a run's metrics; `None` when a metric is missing.
    pub fn read(&self, metrics: &[(&'static str, f64)]) -> Option<f64> {
        let get = |name: &str| metrics.iter().find(|(n, _)| *n == name).map(|(_, v)| *v);
        match *self {
            Measure::Count(m) | Measure::Value(m) => get(m),
            Measure::Ratio(a, b) => {
                let (a, b) = (get(a)?, get(b)?);
                Some(if b == 0.0 { 0.0 } else { a / b })
            }
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    AtMost,
    AtLeast,
}

impl Op {
    pub fn holds(self, measured: f64, target: f64) -> bool {
        match self {
            Op::AtMost => measured <= target,
            Op::AtLeast => measured >= target,
        }
    }
    pub fn symbol(self) -> &'static str {
        match self {
            Op::AtMost => "≤",
            Op::AtLeast => "≥",
        }
    }
}

/// How a goal's number is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// A whole number.
    Count,
    /// A fraction 0..1, written as a percentage.
    Percent,
    Ms,
    /// A plain number with two decimals (an imbalance factor).
    Factor,
}

impl Unit {
    pub fn format(self, v: f64) -> String {
        if !v.is_finite() {
            return "—".to_string();
        }
        match self {
            Unit::Count => format!("{}", v.round() as i64),
            Unit::Percent => format!("{:.1}%", v * 100.0),
            Unit::Ms => format!("{v:.0} ms"),
            Unit::Factor => format!("{v:.2}"),
        }
    }
}

/// One measured condition of a challenge.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Goal {
    pub measure: Measure,
    pub op: Op,
    pub target: f64,
    /// What is measured, in words ("requests that needed no dependency, succeeded").
    pub label: &'static str,
    pub unit: Unit,
}

impl Goal {
    /// "≥ 90.0%".
    pub fn target_text(&self) -> String {
        format!("{} {}", self.op.symbol(), self.unit.format(self.target))
    }
}

/// A goal measured on a run, with what the reader may change to reach it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Challenge {
    /// kebab-case id, unique within its scene (`?challenge=ID`).
    pub id: &'static str,
    pub title: &'static str,
    /// The story: what is happening and what to achieve, a few sentences.
    pub brief: &'static str,
    /// Starting parameters over the scene's defaults (name, value text).
    pub params: &'static [(&'static str, &'static str)],
    /// The fault script, in the `T:verb:args` text form.
    pub faults: &'static [&'static str],
    pub seed: u64,
    /// The goals are measured over `[0, duration_s]` of virtual time.
    pub duration_s: u32,
    /// Parameters the reader may change (at the start, or mid-run as `set` actions); all others are locked.
    pub may_change: &'static [&'static str],
    pub goals: &'static [Goal],
    /// Overrides of `may_change` parameters that solve it (tested natively).
    pub known_good: &'static [(&'static str, &'static str)],
    /// Why the known-good setting works, for after the verdict.
    pub solution_note: &'static str,
}

impl Challenge {
    pub fn end(&self) -> SimTime {
        SimTime::from_secs(self.duration_s as u64)
    }
}

/// The challenge's starting parameters and fault script. Challenges are tested, so a bad entry is reported.
pub fn setup_inputs(scene: &dyn Scene, ch: &Challenge) -> Result<(Params, Vec<Action>), String> {
    let mut params = scene.default_params();
    for (name, value) in ch.params {
        params.set(name, value).map_err(|e| format!("challenge {}: {e}", ch.id))?;
    }
    let script = ch.faults.iter().map(|f| f.parse()).collect::<Result<Vec<Action>, String>>()?;
    for a in &script {
        scene.validate_action(a).map_err(|e| format!("challenge {}: {e}", ch.id))?;
    }
    Ok((params, script))
}

/// The setup with the known-good overrides applied.
pub fn known_good_params(scene: &dyn Scene, ch: &Challenge) -> Result<Params, String> {
    let (mut params, _) = setup_inputs(scene, ch)?;
    for (name, value) in ch.known_good {
        params.set(name, value).map_err(|e| format!("challenge {} known-good: {e}", ch.id))?;
    }
    Ok(params)
}

/// What takes a run off the challenge: a locked parameter changed, another seed, a fault added or removed.
/// Empty when the run is a fair attempt. Each entry is a sentence for the reader.
pub fn off_challenge(scene: &dyn Scene, ch: &Challenge, params: &Params, seed: u64, script: &[Action]) -> Vec<String> {
    let mut out = Vec::new();
    let Ok((setup, setup_script)) = setup_inputs(scene, ch) else {
        return vec![format!("challenge {} has a bad setup", ch.id)];
    };
    for (spec, v) in params.iter() {
        if !ch.may_change.contains(&spec.name) && setup.get(spec.name) != Some(v) {
            let want = setup.get(spec.name).map(|w| spec.format(&w)).unwrap_or_default();
            out.push(format!("{} is locked at {want} (now {})", spec.label, spec.format(&v)));
        }
    }
    if seed != ch.seed {
        out.push(format!("the seed is locked at {} (now {seed})", ch.seed));
    }
    // The setup's faults must all be there; anything else must be a change of a parameter the reader may change.
    let mut rest: Vec<&Action> = script.iter().collect();
    for a in &setup_script {
        match rest.iter().position(|b| *b == a) {
            Some(i) => {
                rest.remove(i);
            }
            None => out.push(format!("the challenge's fault {a} is missing")),
        }
    }
    for a in rest {
        let allowed = matches!(&a.kind, ActionKind::Set { param, .. } if ch.may_change.contains(&param.as_str()));
        if !allowed {
            out.push(format!("{a} is not part of the challenge"));
        }
    }
    out
}

/// Where a goal stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Still open: the run has not reached the end, and the number can still move either way.
    Open,
    Pass,
    Fail,
}

impl Status {
    pub fn word(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::Pass => "pass",
            Status::Fail => "fail",
        }
    }
}

/// A goal's number at a moment and what it says.
#[derive(Clone, Debug, PartialEq)]
pub struct GoalResult {
    /// NaN when the run lacks the metric (a bug the native test catches).
    pub measured: f64,
    pub status: Status,
}

/// A challenge's goals read at one moment of a run.
#[derive(Clone, Debug, PartialEq)]
pub struct Verdict {
    /// The moment read (the end of the challenge for a final verdict).
    pub at: SimTime,
    pub goals: Vec<GoalResult>,
    /// Every goal passed at the end (false while any is open).
    pub pass: bool,
    /// At the end of the challenge (or later): nothing is open any more.
    pub done: bool,
}

/// Reads the goals on a run at its current moment. Before the end a count past an upper bound has failed and a
/// count past a lower bound has passed (counts never decrease); everything else stays open. At or after the end
/// every goal is decided — but a run past the end has moved on: judge the end with [`judge`] or read a run
/// advanced exactly to [`Challenge::end`].
pub fn progress(ch: &Challenge, run: &dyn Run) -> Verdict {
    let metrics = run.metrics();
    let at = run.now();
    let done = at >= ch.end();
    let goals: Vec<GoalResult> = ch
        .goals
        .iter()
        .map(|g| {
            let measured = g.measure.read(&metrics).unwrap_or(f64::NAN);
            let holds = g.op.holds(measured, g.target);
            let status = if measured.is_nan() {
                Status::Fail
            } else if done {
                if holds { Status::Pass } else { Status::Fail }
            } else {
                match (g.measure, g.op, holds) {
                    (Measure::Count(_), Op::AtMost, false) => Status::Fail,
                    (Measure::Count(_), Op::AtLeast, true) => Status::Pass,
                    _ => Status::Open,
                }
            };
            GoalResult { measured, status }
        })
        .collect();
    let pass = done && goals.iter().all(|g| g.status == Status::Pass);
    Verdict { at, goals, pass, done }
}

/// Builds the run (parameters, seed, script), advances it to the end of the challenge and measures the goals.
pub fn judge(scene: &dyn Scene, ch: &Challenge, params: Params, seed: u64, script: Vec<Action>) -> Verdict {
    let mut run = scene.build(params, seed, script);
    run.advance_to(ch.end());
    progress(ch, run.as_ref())
}

/// The challenge as set: what a reader who changes nothing gets.
pub fn judge_setup(scene: &dyn Scene, ch: &Challenge) -> Result<Verdict, String> {
    let (params, script) = setup_inputs(scene, ch)?;
    Ok(judge(scene, ch, params, ch.seed, script))
}

/// The challenge with its known-good setting.
pub fn judge_known_good(scene: &dyn Scene, ch: &Challenge) -> Result<Verdict, String> {
    let (_, script) = setup_inputs(scene, ch)?;
    Ok(judge(scene, ch, known_good_params(scene, ch)?, ch.seed, script))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measures_read_metrics() {
        let m = [("a", 3.0), ("b", 4.0), ("z", 0.0)];
        assert_eq!(Measure::Count("a").read(&m), Some(3.0));
        assert_eq!(Measure::Ratio("a", "b").read(&m), Some(0.75));
        assert_eq!(Measure::Ratio("a", "z").read(&m), Some(0.0));
        assert_eq!(Measure::Value("missing").read(&m), None);
    }

    #[test]
    fn units_and_targets_read_as_text() {
        let g = Goal { measure: Measure::Value("x"), op: Op::AtLeast, target: 0.9, label: "x", unit: Unit::Percent };
        assert_eq!(g.target_text(), "≥ 90.0%");
        assert_eq!(Unit::Count.format(12.4), "12");
        assert_eq!(Unit::Ms.format(f64::NAN), "—");
    }
}
