//! The headless runner's JSON, as plain report types serialised by serde: one run ([`RunReport`]) and the
//! scene list ([`SceneListing`]). Other programs read these field names; the browser's export reuses the
//! same types, so a run exported from the page and the runner's output for the same inputs are one format.
//!
//! Maps keep the order the scene declares (parameters, metrics, counters, series), and numbers are written
//! the way a reader expects them: whole numbers without a fraction, others rounded to 6 decimals,
//! non-finite ones as `null`.
//!
//! ```
//! use faultline_sim::{scene_by_id, kernel::SimTime, report::RunReport};
//! let scene = scene_by_id("circuit-breaker").unwrap();
//! let mut run = scene.build(scene.default_params(), 3, vec![]);
//! run.advance_to(SimTime::from_secs(2));
//! let json: serde_json::Value = serde_json::from_str(&RunReport::of(run.as_ref(), 3).to_json()).unwrap();
//! assert_eq!(json["scene"], "circuit-breaker");
//! assert_eq!(json["duration_s"], 2);
//! ```

use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};

use crate::kernel::{Field, ParamKind, SimTime, format_script};
use crate::scene::{Run, Scene, charts};

/// A JSON number: whole numbers without a fraction, others rounded to 6 decimals, non-finite as null.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Num(pub f64);

impl Serialize for Num {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let v = self.0;
        if !v.is_finite() {
            s.serialize_none()
        } else if v == v.trunc() && v.abs() < 1e15 {
            s.serialize_i64(v as i64)
        } else {
            s.serialize_f64((v * 1e6).round() / 1e6)
        }
    }
}

/// A JSON object whose keys keep their order.
#[derive(Clone, Debug, PartialEq)]
pub struct Ordered<V>(pub Vec<(String, V)>);

impl<V: Serialize> Serialize for Ordered<V> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

/// A parameter's value: a number, or a choice's text.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum ParamJson {
    Num(Num),
    Text(String),
}

/// One event of the log: `t_s`, `kind`, `text`, then its structured fields, flat.
#[derive(Clone, Debug, PartialEq)]
pub struct EventReport {
    pub t_s: f64,
    pub kind: String,
    pub text: String,
    pub fields: Vec<(String, Field)>,
}

impl Serialize for EventReport {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(3 + self.fields.len()))?;
        m.serialize_entry("t_s", &Num(self.t_s))?;
        m.serialize_entry("kind", &self.kind)?;
        m.serialize_entry("text", &self.text)?;
        for (k, v) in &self.fields {
            match v {
                Field::Str(x) => m.serialize_entry(k, x)?,
                Field::Num(x) => m.serialize_entry(k, &Num(*x))?,
                Field::Int(x) => m.serialize_entry(k, x)?,
                Field::Bool(x) => m.serialize_entry(k, x)?,
            }
        }
        m.end()
    }
}

/// A run at its current moment, as the runner prints it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RunReport {
    pub scene: String,
    pub seed: u64,
    pub duration_s: Num,
    /// The parameters the run started with (a mid-run change is a `set` entry of `faults`): with `seed`,
    /// `faults` and `duration_s`, the inputs that reproduce the run.
    pub params: Ordered<ParamJson>,
    pub faults: String,
    pub trace_hash: String,
    pub metrics: Ordered<Num>,
    /// Invariants (must stay 0 where their condition holds).
    pub counters: Ordered<u64>,
    pub series: Ordered<Vec<[Num; 2]>>,
    pub events: Vec<EventReport>,
}

impl RunReport {
    pub fn of(run: &dyn Run, seed: u64) -> Self {
        let params = run
            .start_params()
            .iter()
            .map(|(spec, v)| {
                let text = spec.format(&v);
                let value = match spec.kind {
                    ParamKind::Number { .. } => {
                        text.parse::<f64>().map(|x| ParamJson::Num(Num(x))).unwrap_or(ParamJson::Text(text))
                    }
                    ParamKind::Choice { .. } => ParamJson::Text(text),
                };
                (spec.name.to_string(), value)
            })
            .collect();
        let metrics = run.metrics().into_iter().map(|(k, v)| (k.to_string(), Num(v))).collect();
        let counters = run.invariants().iter().map(|(spec, v, _)| (spec.name.to_string(), v.count)).collect();
        let mut series: Vec<(String, Vec<[Num; 2]>)> = Vec::new();
        let panels = run.panels();
        for chart in charts(&panels) {
            for name in chart.lines.iter().map(|l| l.series).chain(chart.band.map(|b| b.series)) {
                if series.iter().any(|(n, _)| n == name) {
                    continue;
                }
                let pts = run.series(name).into_iter().map(|(t, v)| [Num(t), Num(v)]).collect();
                series.push((name.to_string(), pts));
            }
        }
        let events = run
            .log()
            .iter()
            .map(|e| EventReport {
                t_s: e.t.as_secs_f64(),
                kind: e.kind.to_string(),
                text: e.text.clone(),
                fields: e.fields.iter().map(|(k, v)| (k.to_string(), v.clone())).collect(),
            })
            .collect();
        RunReport {
            scene: run.scene_id().to_string(),
            seed,
            duration_s: Num(run.now().as_secs_f64()),
            params: Ordered(params),
            faults: format_script(run.script()),
            trace_hash: format!("{:016x}", run.trace_hash()),
            metrics: Ordered(metrics),
            counters: Ordered(counters),
            series: Ordered(series),
            events,
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a report serialises")
    }
}

/// A parameter as `faultline list` describes it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ParamListing {
    pub name: &'static str,
    pub label: &'static str,
    pub unit: &'static str,
    pub min: Option<Num>,
    pub max: Option<Num>,
    pub default: ParamJson,
    pub step: Option<Num>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub choices: Option<&'static [&'static str]>,
    pub help: &'static str,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PresetListing {
    pub name: &'static str,
    pub title: &'static str,
    pub description: &'static str,
}

/// A scene as `faultline list` describes it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SceneListing {
    pub scene: &'static str,
    pub title: &'static str,
    pub teaches: &'static str,
    pub params: Vec<ParamListing>,
    pub presets: Vec<PresetListing>,
}

impl SceneListing {
    pub fn of(s: &dyn Scene) -> Self {
        let params = s
            .params()
            .iter()
            .map(|p| match p.kind {
                ParamKind::Number { min, max, default, step } => ParamListing {
                    name: p.name,
                    label: p.label,
                    unit: p.unit,
                    min: Some(Num(min)),
                    max: Some(Num(max)),
                    default: ParamJson::Num(Num(default)),
                    step: Some(Num(step)),
                    choices: None,
                    help: p.help,
                },
                ParamKind::Choice { choices, default, .. } => ParamListing {
                    name: p.name,
                    label: p.label,
                    unit: p.unit,
                    min: None,
                    max: None,
                    default: ParamJson::Text(choices[default].to_string()),
                    step: None,
                    choices: Some(choices),
                    help: p.help,
                },
            })
            .collect();
        let presets = s
            .presets()
            .iter()
            .map(|p| PresetListing { name: p.id, title: p.title, description: p.description })
            .collect();
        SceneListing { scene: s.id(), title: s.title(), teaches: s.teaches(), params, presets }
    }
}

/// What reproduces a run, read back from a run JSON (the runner's or the page's export): the rest of the
/// report (metrics, series, events) is ignored. Values are kept as text, to be validated like a link's
/// values are (clamped or dropped with a notice), never trusted.
#[derive(Clone, Debug, PartialEq)]
pub struct RunInputs {
    pub scene: String,
    pub seed: u64,
    pub duration_s: f64,
    /// (name, value as text), sorted by name.
    pub params: Vec<(String, String)>,
    pub faults: String,
}

#[derive(Deserialize)]
struct InputsJson {
    scene: String,
    seed: u64,
    #[serde(default)]
    duration_s: Option<f64>,
    #[serde(default)]
    params: std::collections::BTreeMap<String, ParamIn>,
    #[serde(default)]
    faults: String,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum ParamIn {
    Num(f64),
    Text(String),
}

impl RunInputs {
    /// Reads the inputs of a run JSON; a file that is not one says what is missing.
    ///
    /// ```
    /// use faultline_sim::report::RunInputs;
    /// let i = RunInputs::from_json(r#"{"scene":"saga","seed":7,"duration_s":12.5,"params":{"mode":"choreography","order_rate":20},"faults":"3:crash:payment"}"#).unwrap();
    /// assert_eq!((i.scene.as_str(), i.seed, i.duration_s), ("saga", 7, 12.5));
    /// assert_eq!(i.params, vec![("mode".to_string(), "choreography".to_string()), ("order_rate".to_string(), "20".to_string())]);
    /// assert!(RunInputs::from_json("[1, 2]").unwrap_err().contains("not a Faultline run"));
    /// ```
    pub fn from_json(text: &str) -> Result<RunInputs, String> {
        let j: InputsJson = serde_json::from_str(text).map_err(|e| {
            format!("this file is not a Faultline run (a run JSON has scene, seed, duration_s, params and faults): {e}")
        })?;
        let params = j
            .params
            .into_iter()
            .map(|(k, v)| {
                let text = match v {
                    ParamIn::Num(x) => format!("{x}"),
                    ParamIn::Text(t) => t,
                };
                (k, text)
            })
            .collect();
        Ok(RunInputs {
            scene: j.scene,
            seed: j.seed,
            duration_s: j.duration_s.filter(|d| d.is_finite() && *d >= 0.0).unwrap_or(0.0),
            params,
            faults: j.faults,
        })
    }
}

/// Formats a time as seconds with two decimals, for narration.
pub fn secs(t: SimTime) -> String {
    format!("{:.2}", t.as_secs_f64())
}
