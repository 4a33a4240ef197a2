//! Guided tours: a few steps per scene, each a run state (preset, parameters, faults, seed, moment) with a
//! few sentences and, optionally, a prediction the reader answers before pressing play.
//!
//! A prediction is checked against what the run then measures, never against a stored answer: it names
//! what to measure ([`Measure`]), the window of virtual time it is measured over and what counts as right
//! ([`Answer`]: a tolerance for a number, bands of the measured value for a choice). [`Prediction::measure`]
//! and [`Prediction::score`] are pure; `sim/tests/tours.rs` runs every step natively and checks that the
//! author's answer ([`Prediction::expected`], never shown to readers) is right for the measured value and
//! that a wrong one is scored wrong, so a tour cannot ship a question the simulation contradicts.
//!
//! ```
//! use faultline_sim::scene::tour::{Answer, Verdict, Tolerance};
//! let a = Answer::Numeric { unit: "recomputes", tolerance: Tolerance { abs: 1.0, rel: 0.0 } };
//! assert_eq!(a.score(9.0, 9.4), Verdict::Right);
//! assert_eq!(a.score(1.0, 9.4), Verdict::Wrong);
//! ```

use crate::kernel::{Action, Params, SimTime};
use crate::scene::{Run, Scene};

/// One step of a tour: where the run starts and what the reader reads (and maybe predicts) there.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TourStep {
    pub title: &'static str,
    /// Two to four sentences in the product's own words.
    pub text: &'static str,
    /// The preset the step starts from (its parameters and faults); `None` = the scene's defaults, no faults.
    pub preset: Option<&'static str>,
    /// Parameter overrides (name, value text) over the preset's.
    pub params: &'static [(&'static str, &'static str)],
    /// Fault script entries added to the preset's, in the `T:verb:args` text form of URLs and the runner.
    pub faults: &'static [&'static str],
    pub seed: u64,
    /// The moment the step opens at, paused (milliseconds of virtual time).
    pub at_ms: u64,
    pub prediction: Option<Prediction>,
}

/// A question about what happens next, scored from the run.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Prediction {
    pub question: &'static str,
    pub answer: Answer,
    pub measure: Measure,
    /// The window measured over, (from, to) in milliseconds of virtual time; `from` ≥ the step's moment.
    pub window_ms: (u64, u64),
    /// The author's answer (a number, or an option's index). Only the tests read it: the page scores the
    /// reader's answer from the measured value.
    pub expected: f64,
}

/// What a prediction measures. Metrics and series are the run's own (`Run::metrics`, `Run::series`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Measure {
    /// A metric's increase over the window (counters: requests, recomputes, compensations…).
    Increase(&'static str),
    /// A metric's value at the window's end.
    AtEnd(&'static str),
    /// One metric's increase over another's (both counters): the share of site b's operations that
    /// succeeded within the window, say.
    Share(&'static str, &'static str),
    /// Log entries of this kind within the window (`from < t ≤ to`).
    LogCount(&'static str),
    /// The largest value of a series over the points inside the window.
    SeriesMax(&'static str),
    /// The mean of a series over the points inside the window.
    SeriesMean(&'static str),
}

/// What counts as right for a numeric answer: within `max(abs, rel × |measured|)` of the measured value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Tolerance {
    pub abs: f64,
    pub rel: f64,
}

/// One multiple-choice option: right when the measured value is below `below` (and at or above the
/// previous option's bound). Options are listed with increasing bounds, the last one `f64::INFINITY`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Band {
    pub label: &'static str,
    pub below: f64,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Answer {
    Numeric { unit: &'static str, tolerance: Tolerance },
    Choice { options: &'static [Band] },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Right,
    Wrong,
}

impl Tolerance {
    /// How far from the measured value an answer may be.
    pub fn allowed(&self, measured: f64) -> f64 {
        self.abs.max(self.rel * measured.abs())
    }

    /// "±1", "±20%", "±2 or ±10%".
    pub fn describe(&self, unit: &str) -> String {
        let abs = format!("±{}{}", self.abs, if unit.is_empty() { "" } else { " " });
        let abs = format!("{abs}{unit}").trim_end().to_string();
        let rel = format!("±{:.0}%", self.rel * 100.0);
        match (self.abs > 0.0, self.rel > 0.0) {
            (true, true) => format!("{abs} or {rel}, whichever is larger"),
            (false, true) => rel,
            _ => abs,
        }
    }
}

impl Answer {
    /// The index of the option the measured value falls in (a choice), `None` for numeric answers.
    pub fn right_option(&self, measured: f64) -> Option<usize> {
        match self {
            Answer::Choice { options } => {
                Some(options.iter().position(|b| measured < b.below).unwrap_or(options.len().saturating_sub(1)))
            }
            Answer::Numeric { .. } => None,
        }
    }

    /// Scores an answer (a number, or an option's index) against the measured value.
    pub fn score(&self, answer: f64, measured: f64) -> Verdict {
        let right = match self {
            Answer::Numeric { tolerance, .. } => {
                answer.is_finite() && (answer - measured).abs() <= tolerance.allowed(measured) + 1e-9
            }
            Answer::Choice { .. } => self.right_option(measured) == Some(answer as usize) && answer >= 0.0,
        };
        if right { Verdict::Right } else { Verdict::Wrong }
    }

    /// What counts as right, in words ("within ±1 recomputes", "the option whose range holds it").
    pub fn rule(&self) -> String {
        match self {
            Answer::Numeric { unit, tolerance } => format!("within {}", tolerance.describe(unit)),
            Answer::Choice { .. } => "the option whose range holds the measured value".to_string(),
        }
    }
}

impl Measure {
    /// The metric or series measured.
    pub fn name(&self) -> &'static str {
        match *self {
            Measure::Increase(n) | Measure::AtEnd(n) | Measure::LogCount(n) | Measure::SeriesMax(n) => n,
            Measure::SeriesMean(n) | Measure::Share(n, _) => n,
        }
    }

    /// How the value is measured, in words.
    pub fn describe(&self) -> String {
        match self {
            Measure::Increase(n) => format!("increase of {n}"),
            Measure::AtEnd(n) => format!("{n} at the window's end"),
            Measure::Share(n, d) => format!("increase of {n} ÷ increase of {d}"),
            Measure::LogCount(k) => format!("'{k}' events in the narration"),
            Measure::SeriesMax(n) => format!("highest {n}"),
            Measure::SeriesMean(n) => format!("mean {n}"),
        }
    }
}

fn metric(run: &dyn Run, name: &str) -> Option<f64> {
    run.metrics().into_iter().find(|(n, _)| *n == name).map(|(_, v)| v)
}

impl Prediction {
    pub fn window(&self) -> (SimTime, SimTime) {
        (SimTime::from_millis(self.window_ms.0), SimTime::from_millis(self.window_ms.1))
    }

    /// The measured value: `start` is the run at the window's start, `end` the same run at its end.
    /// `None` when the run lacks the metric or series, or the window holds no point of it.
    pub fn measure(&self, start: &dyn Run, end: &dyn Run) -> Option<f64> {
        let (from, to) = self.window();
        let in_window = |x: f64| x >= from.as_micros() as f64 / 1e6 - 1e-9 && x <= to.as_micros() as f64 / 1e6 + 1e-9;
        match self.measure {
            Measure::Increase(n) => Some(metric(end, n)? - metric(start, n)?),
            Measure::AtEnd(n) => metric(end, n),
            Measure::Share(n, d) => {
                let den = metric(end, d)? - metric(start, d)?;
                (den > 0.0).then_some(())?;
                Some((metric(end, n)? - metric(start, n)?) / den)
            }
            Measure::LogCount(k) => {
                Some(end.log().iter().filter(|e| e.kind == k && e.t > from && e.t <= to).count() as f64)
            }
            Measure::SeriesMax(n) => end.series(n).into_iter().filter(|p| in_window(p.0)).map(|p| p.1).reduce(f64::max),
            Measure::SeriesMean(n) => {
                let ys: Vec<f64> = end.series(n).into_iter().filter(|p| in_window(p.0)).map(|p| p.1).collect();
                (!ys.is_empty()).then(|| ys.iter().sum::<f64>() / ys.len() as f64)
            }
        }
    }

    /// The measured value for a freshly built run (what the tests do; the page reads its own run).
    pub fn measure_run(&self, run: Box<dyn Run>) -> Option<f64> {
        let (from, to) = self.window();
        let mut run = run;
        run.advance_to(from);
        let start = run.clone_box();
        run.advance_to(to);
        self.measure(start.as_ref(), run.as_ref())
    }

    pub fn score(&self, answer: f64, measured: f64) -> Verdict {
        self.answer.score(answer, measured)
    }
}

impl TourStep {
    pub fn at(&self) -> SimTime {
        SimTime::from_millis(self.at_ms)
    }

    /// The step's starting parameters and fault script. Tours are part of the scene and tested, so a bad
    /// entry is reported, not clamped.
    pub fn inputs(&self, scene: &dyn Scene) -> Result<(Params, Vec<Action>), String> {
        let (mut params, mut script) = match self.preset {
            Some(id) => scene.preset_inputs(id)?,
            None => (scene.default_params(), Vec::new()),
        };
        for (name, value) in self.params {
            params.set(name, value)?;
        }
        for f in self.faults {
            let a: Action = f.parse()?;
            scene.validate_action(&a)?;
            script.push(a);
        }
        crate::kernel::sort_by_time(&mut script);
        Ok((params, script))
    }
}
