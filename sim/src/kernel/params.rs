//! Typed scene parameters: their specs (name, unit, range, step, help) and resolved values.
//!
//! Two parsers share one spec: [`ParamSpec::parse`] is strict (the headless runner rejects a bad value with a
//! message naming the allowed range) and [`ParamSpec::parse_clamped`] never fails (a URL value out of range is
//! clamped and a notice says what changed).
//!
//! ```
//! use faultline_sim::kernel::{ParamKind, ParamSpec};
//! const RATE: ParamSpec = ParamSpec::number("request_rate", "Request rate", "req/s", 1.0, 2000.0, 50.0, 1.0, "Client arrivals per second");
//! assert!(RATE.parse("5000").unwrap_err().contains("1 to 2000"));
//! let (v, notice) = RATE.parse_clamped("5000");
//! assert_eq!(RATE.format(&v), "2000");
//! assert!(notice.is_some());
//! ```

use std::fmt::Write;

/// The domain of a parameter.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ParamKind {
    Number {
        min: f64,
        max: f64,
        default: f64,
        step: f64,
    },
    /// `labels` are the choices in words for a reader ("single-flight" for `single_flight`); empty = the
    /// choices themselves.
    Choice {
        choices: &'static [&'static str],
        labels: &'static [&'static str],
        default: usize,
    },
}

/// What a parameter is, for the slider, the URL and the headless runner.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ParamSpec {
    /// snake_case name used in the URL and on the command line.
    pub name: &'static str,
    pub label: &'static str,
    pub unit: &'static str,
    pub help: &'static str,
    pub kind: ParamKind,
}

/// A resolved value: a number, or the index of a choice.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ParamValue {
    Number(f64),
    Choice(usize),
}

impl ParamSpec {
    #[allow(clippy::too_many_arguments)]
    pub const fn number(
        name: &'static str,
        label: &'static str,
        unit: &'static str,
        min: f64,
        max: f64,
        default: f64,
        step: f64,
        help: &'static str,
    ) -> Self {
        ParamSpec { name, label, unit, help, kind: ParamKind::Number { min, max, default, step } }
    }
    pub const fn choice(
        name: &'static str,
        label: &'static str,
        choices: &'static [&'static str],
        default: usize,
        help: &'static str,
    ) -> Self {
        ParamSpec { name, label, unit: "", help, kind: ParamKind::Choice { choices, labels: &[], default } }
    }
    /// A choice whose values read differently for a reader than in a URL: `labels[i]` names `choices[i]`.
    pub const fn choice_labelled(
        name: &'static str,
        label: &'static str,
        choices: &'static [&'static str],
        labels: &'static [&'static str],
        default: usize,
        help: &'static str,
    ) -> Self {
        ParamSpec { name, label, unit: "", help, kind: ParamKind::Choice { choices, labels, default } }
    }

    /// Choice `i` in words (its label, or the choice itself).
    pub fn choice_label(&self, i: usize) -> &'static str {
        match self.kind {
            ParamKind::Choice { choices, labels, .. } => labels.get(i).or(choices.get(i)).copied().unwrap_or("?"),
            ParamKind::Number { .. } => "?",
        }
    }

    pub fn default_value(&self) -> ParamValue {
        match self.kind {
            ParamKind::Number { default, .. } => ParamValue::Number(default),
            ParamKind::Choice { default, .. } => ParamValue::Choice(default),
        }
    }

    /// "1 to 2000" or "one of on, off".
    pub fn allowed(&self) -> String {
        match self.kind {
            ParamKind::Number { min, max, step, .. } => {
                format!("{} to {}", format_number(min, step), format_number(max, step))
            }
            ParamKind::Choice { choices, .. } => format!("one of {}", choices.join(", ")),
        }
    }

    /// Strict parse: an error names the parameter and the allowed range.
    pub fn parse(&self, text: &str) -> Result<ParamValue, String> {
        let text = text.trim();
        match self.kind {
            ParamKind::Number { min, max, step, .. } => {
                let v: f64 = text.parse().ok().filter(|v: &f64| v.is_finite()).ok_or_else(|| {
                    format!("{}: '{}' is not a number (allowed: {})", self.name, text, self.allowed())
                })?;
                if v < min || v > max {
                    return Err(format!("{}: {} is out of range (allowed: {})", self.name, text, self.allowed()));
                }
                Ok(ParamValue::Number(snap(v, min, max, step)))
            }
            ParamKind::Choice { choices, .. } => choices
                .iter()
                .position(|c| *c == text)
                .map(ParamValue::Choice)
                .ok_or_else(|| format!("{}: '{}' is not allowed ({})", self.name, text, self.allowed())),
        }
    }

    /// Lenient parse: never fails; returns the nearest valid value and, if it differs from what was asked,
    /// a notice saying what was changed.
    pub fn parse_clamped(&self, text: &str) -> (ParamValue, Option<String>) {
        let text = text.trim();
        match self.kind {
            ParamKind::Number { min, max, default, step } => match text.parse::<f64>() {
                Ok(v) if v.is_finite() => {
                    let c = snap(v.clamp(min, max), min, max, step);
                    let notice = (v < min || v > max).then(|| {
                        format!(
                            "{} = {} is out of range; using {} (allowed: {})",
                            self.name,
                            text,
                            format_number(c, step),
                            self.allowed()
                        )
                    });
                    (ParamValue::Number(c), notice)
                }
                _ => (
                    ParamValue::Number(default),
                    Some(format!(
                        "{} = '{}' is not a number; using the default {}",
                        self.name,
                        text,
                        format_number(default, step)
                    )),
                ),
            },
            ParamKind::Choice { choices, default, .. } => match choices.iter().position(|c| *c == text) {
                Some(i) => (ParamValue::Choice(i), None),
                None => (
                    ParamValue::Choice(default),
                    Some(format!(
                        "{} = '{}' is not one of {}; using {}",
                        self.name,
                        text,
                        choices.join(", "),
                        choices[default]
                    )),
                ),
            },
        }
    }

    /// Clamps an already-numeric value (from a slider or a typed field) into range and onto the step grid.
    pub fn clamp_number(&self, v: f64) -> f64 {
        match self.kind {
            ParamKind::Number { min, max, default, step } => {
                if v.is_finite() {
                    snap(v.clamp(min, max), min, max, step)
                } else {
                    default
                }
            }
            ParamKind::Choice { .. } => v,
        }
    }

    /// The canonical text of a value, as it appears in URLs and on the command line.
    pub fn format(&self, v: &ParamValue) -> String {
        match (self.kind, v) {
            (ParamKind::Number { step, .. }, ParamValue::Number(x)) => format_number(*x, step),
            (ParamKind::Choice { choices, .. }, ParamValue::Choice(i)) => choices.get(*i).unwrap_or(&"?").to_string(),
            _ => "?".into(),
        }
    }
}

/// Rounds onto the step grid anchored at `min` (so 0.05 steps stay tidy), staying within range.
fn snap(v: f64, min: f64, max: f64, step: f64) -> f64 {
    if step <= 0.0 {
        return v;
    }
    let n = ((v - min) / step).round();
    let snapped = min + n * step;
    // Remove binary noise (0.30000000000000004) by rounding to the step's decimals.
    let d = decimals(step) as i32;
    let f = 10f64.powi(d);
    ((snapped * f).round() / f).clamp(min, max)
}

fn decimals(step: f64) -> usize {
    let mut d = 0;
    let mut s = step;
    while d < 6 && (s - s.round()).abs() > 1e-9 {
        s *= 10.0;
        d += 1;
    }
    d
}

/// Formats a number with as many decimals as its step has.
pub fn format_number(v: f64, step: f64) -> String {
    let d = decimals(step);
    let mut s = String::new();
    let _ = write!(s, "{:.*}", d, v);
    s
}

/// A full set of values, one per spec, in spec order.
#[derive(Clone, Debug, PartialEq)]
pub struct Params {
    specs: &'static [ParamSpec],
    values: Vec<ParamValue>,
}

impl Params {
    pub fn defaults(specs: &'static [ParamSpec]) -> Self {
        Params { specs, values: specs.iter().map(|s| s.default_value()).collect() }
    }
    pub fn specs(&self) -> &'static [ParamSpec] {
        self.specs
    }
    pub fn spec(&self, name: &str) -> Option<&'static ParamSpec> {
        self.specs.iter().find(|s| s.name == name)
    }
    fn index(&self, name: &str) -> Option<usize> {
        self.specs.iter().position(|s| s.name == name)
    }
    pub fn get(&self, name: &str) -> Option<ParamValue> {
        self.index(name).map(|i| self.values[i])
    }
    /// A numeric parameter's value. Names are compile-time constants of a scene; an unknown one is a bug
    /// caught by the scene's tests, and reads as 0 rather than panicking in a reader's browser.
    pub fn num(&self, name: &str) -> f64 {
        match self.get(name) {
            Some(ParamValue::Number(v)) => v,
            _ => {
                debug_assert!(false, "unknown numeric parameter {name}");
                0.0
            }
        }
    }
    /// A choice parameter's current choice.
    pub fn choice(&self, name: &str) -> &'static str {
        match (self.spec(name).map(|s| s.kind), self.get(name)) {
            (Some(ParamKind::Choice { choices, .. }), Some(ParamValue::Choice(i))) => choices[i],
            _ => {
                debug_assert!(false, "unknown choice parameter {name}");
                ""
            }
        }
    }
    pub fn set_value(&mut self, name: &str, v: ParamValue) -> bool {
        match self.index(name) {
            Some(i) => {
                self.values[i] = v;
                true
            }
            None => false,
        }
    }
    /// Strict: unknown name or bad value → error message.
    pub fn set(&mut self, name: &str, text: &str) -> Result<(), String> {
        let spec = self.spec(name).ok_or_else(|| {
            format!(
                "unknown parameter '{}' (known: {})",
                name,
                self.specs.iter().map(|s| s.name).collect::<Vec<_>>().join(", ")
            )
        })?;
        let v = spec.parse(text)?;
        self.set_value(name, v);
        Ok(())
    }
    /// Lenient: returns a notice for anything that was changed or ignored.
    pub fn set_clamped(&mut self, name: &str, text: &str) -> Option<String> {
        let Some(spec) = self.spec(name) else {
            return Some(format!("unknown parameter '{name}' ignored"));
        };
        let (v, notice) = spec.parse_clamped(text);
        self.set_value(name, v);
        notice
    }
    pub fn iter(&self) -> impl Iterator<Item = (&'static ParamSpec, ParamValue)> + '_ {
        self.specs.iter().zip(self.values.iter().copied())
    }
    /// `name → canonical text` for every parameter.
    pub fn formatted(&self) -> Vec<(&'static str, String)> {
        self.iter().map(|(s, v)| (s.name, s.format(&v))).collect()
    }
}
