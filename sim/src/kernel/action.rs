//! Faults and user actions as data: what happens, and when, on the run's timeline.
//!
//! A run is fully described by (scene, parameters, seed, fault script). The script is a list of [`Action`]s
//! with one text form shared by the URL and the headless runner: `T:verb[:args]`, `T` in seconds.
//!
//! | text                        | meaning                                     |
//! |-----------------------------|---------------------------------------------|
//! | `12.5:crash:dependency`     | take node `dependency` down                 |
//! | `30:restart:dependency`     | bring it back                               |
//! | `4:cut:caller-dependency`   | partition the link between two nodes        |
//! | `9:heal:caller-dependency`  | heal it                                     |
//! | `3:set:failure_rate=0.5`    | change a parameter mid-run                  |
//! | `5:trigger:flush`           | a scene's one-shot action (flush the cache) |
//!
//! ```
//! use faultline_sim::kernel::Action;
//! let a: Action = "12.5:crash:dependency".parse().unwrap();
//! assert_eq!(a.to_string(), "12.5:crash:dependency");
//! assert!("x:crash:dependency".parse::<Action>().is_err());
//! ```

use std::fmt;
use std::str::FromStr;

use super::SimTime;

/// What an action does.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ActionKind {
    Crash { node: String },
    Restart { node: String },
    Cut { a: String, b: String },
    Heal { a: String, b: String },
    Set { param: String, value: String },
    Trigger { name: String },
}

/// An action at a moment of virtual time.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Action {
    pub at: SimTime,
    pub kind: ActionKind,
}

fn is_name(s: &str) -> bool {
    !s.is_empty() && s.len() <= 64 && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

impl FromStr for Action {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        let bad = |why: &str| format!("fault '{s}': {why} (expected T:verb[:args], e.g. 10:crash:dependency)");
        let mut parts = s.splitn(3, ':');
        let t = parts.next().unwrap_or("");
        let verb = parts.next().ok_or_else(|| bad("missing verb"))?;
        let args = parts.next().unwrap_or("");
        let secs: f64 = t.parse().map_err(|_| bad("time is not a number of seconds"))?;
        if !secs.is_finite() || !(0.0..=86_400.0).contains(&secs) {
            return Err(bad("time must be between 0 and 86400 seconds"));
        }
        let at = SimTime::from_secs_f64(secs);
        let node = |what: &str| -> Result<String, String> {
            if is_name(args) { Ok(args.to_string()) } else { Err(bad(&format!("'{args}' is not a {what} name"))) }
        };
        let link = || -> Result<(String, String), String> {
            match args.split_once('-') {
                Some((a, b)) if is_name(a) && is_name(b) && a != b => Ok((a.to_string(), b.to_string())),
                _ => Err(bad("a link is written node-node")),
            }
        };
        let kind = match verb {
            "crash" => ActionKind::Crash { node: node("node")? },
            "restart" => ActionKind::Restart { node: node("node")? },
            "cut" => {
                let (a, b) = link()?;
                ActionKind::Cut { a, b }
            }
            "heal" => {
                let (a, b) = link()?;
                ActionKind::Heal { a, b }
            }
            "set" => match args.split_once('=') {
                Some((p, v)) if is_name(p) && !v.is_empty() && v.len() <= 32 => {
                    ActionKind::Set { param: p.to_string(), value: v.to_string() }
                }
                _ => return Err(bad("set is written set:name=value")),
            },
            "trigger" => ActionKind::Trigger { name: node("trigger")? },
            other => return Err(bad(&format!("unknown verb '{other}' (crash, restart, cut, heal, set, trigger)"))),
        };
        Ok(Action { at, kind })
    }
}

impl fmt::Display for ActionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ActionKind::Crash { node } => write!(f, "crash:{node}"),
            ActionKind::Restart { node } => write!(f, "restart:{node}"),
            ActionKind::Cut { a, b } => write!(f, "cut:{a}-{b}"),
            ActionKind::Heal { a, b } => write!(f, "heal:{a}-{b}"),
            ActionKind::Set { param, value } => write!(f, "set:{param}={value}"),
            ActionKind::Trigger { name } => write!(f, "trigger:{name}"),
        }
    }
}

impl Action {
    /// The action without its moment (`crash:dependency`).
    pub fn kind_text(&self) -> String {
        self.kind.to_string()
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.at.exact_secs(), self.kind)
    }
}

/// Parses a comma-separated script; returns the valid actions sorted by time and one message per bad entry.
pub fn parse_script_lenient(text: &str) -> (Vec<Action>, Vec<String>) {
    let mut actions = Vec::new();
    let mut errors = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()).take(500) {
        match part.parse::<Action>() {
            Ok(a) => actions.push(a),
            Err(e) => errors.push(e),
        }
    }
    sort_by_time(&mut actions);
    (actions, errors)
}

/// The canonical comma-separated text of a script.
pub fn format_script(script: &[Action]) -> String {
    script.iter().map(|a| a.to_string()).collect::<Vec<_>>().join(",")
}

/// Sorts a fault script by time; same-time actions keep their written order (a stable sort). One
/// non-generic function on purpose: called from code generic over the model, a `sort_by_key` closure
/// would be compiled once per scene (≈ 4.5 KB of wasm each); it sorts through the kernel's one stable sort.
#[inline(never)]
pub fn sort_by_time(actions: &mut [Action]) {
    super::sort_stable_by(actions, |a, b| a.at.cmp(&b.at));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        for s in [
            "0:crash:dependency",
            "12.5:restart:dependency",
            "0.000125:cut:caller-dependency",
            "9:heal:a-b",
            "3:set:failure_rate=0.5",
            "5:trigger:flush",
        ] {
            let a: Action = s.parse().unwrap();
            assert_eq!(a.to_string(), s);
        }
    }

    #[test]
    fn rejects_malformed() {
        for s in [
            "",
            "5",
            "5:",
            "x:crash:a",
            "-1:crash:a",
            "5:explode:a",
            "5:cut:a",
            "5:cut:a-a",
            "5:set:x",
            "nan:crash:a",
            "5:crash:a b",
        ] {
            assert!(s.parse::<Action>().is_err(), "{s:?} should be rejected");
        }
    }

    #[test]
    fn lenient_script_keeps_good_entries_sorted() {
        let (a, e) = parse_script_lenient("9:crash:x, bogus ,1:restart:x");
        assert_eq!(a.len(), 2);
        assert_eq!(a[0].at, SimTime::from_secs(1));
        assert_eq!(e.len(), 1);
    }
}
