//! The chaos timeline's model: the fault script as markers and spans on a time axis, the edits a reader makes
//! to it (move, remove, add, replace), the palette of actions a scene offers, and undo/redo. Pure functions
//! over `Vec<Action>`, tested natively; the widget (`widgets::chaos`) only draws them and sends the edited
//! script to the session, which replays it deterministically.
//!
//! ```
//! use faultline::chaos::{markers, spans, moved};
//! use faultline_sim::scene::parse_script_lenient;
//! let (script, _) = parse_script_lenient("2:crash:dependency,5:restart:dependency,7:trigger:flush");
//! assert_eq!(markers(&script)[0].label, "crash dependency");
//! assert_eq!(spans(&script), vec![(0, 1)]); // the crash and its restart read as one band
//! let (script, at) = moved(&script, 2, 1.0);
//! assert_eq!((script[0].to_string(), at), ("1:trigger:flush".to_string(), 0));
//! ```

use faultline_sim::kernel::SimTime;
use faultline_sim::scene::{Action, ActionKind, Scene, TopologyView};

/// Markers move in steps of this much virtual time by keyboard (Shift: ten times more).
pub const KEY_STEP_S: f64 = 0.1;
/// Undo keeps this many script versions.
pub const UNDO_DEPTH: usize = 100;
/// At most this many entries in a script (the URL parser's own limit).
pub const MAX_ACTIONS: usize = 500;

/// What a marker looks like: a symbol, a short label and a tone class, so its kind reads without colour.
#[derive(Clone, Debug, PartialEq)]
pub struct Marker {
    pub at: SimTime,
    /// "✕" breaks something, "↺" repairs it, "⚡" triggers, "⚙" changes a parameter.
    pub symbol: &'static str,
    /// "crash dependency", "set failure_rate = 0.5".
    pub label: String,
    /// `break`, `repair`, `trigger`, `set`: a CSS class.
    pub class: &'static str,
    /// The exact text form (`12.5:crash:dependency`), for the tooltip and the editor.
    pub text: String,
}

pub fn marker(a: &Action) -> Marker {
    let (symbol, class, label) = match &a.kind {
        ActionKind::Crash { node } => ("✕", "break", format!("crash {node}")),
        ActionKind::Restart { node } => ("↺", "repair", format!("restart {node}")),
        ActionKind::Cut { a, b } => ("✂", "break", format!("cut {a}–{b}")),
        ActionKind::Heal { a, b } => ("↺", "repair", format!("heal {a}–{b}")),
        ActionKind::Trigger { name } => ("⚡", "trigger", name.replace('_', " ")),
        ActionKind::Set { param, value } => ("⚙", "set", format!("{param} = {value}")),
    };
    Marker { at: a.at, symbol, label, class, text: a.to_string() }
}

pub fn markers(script: &[Action]) -> Vec<Marker> {
    script.iter().map(marker).collect()
}

/// The pair a breaking action is undone by: a crash by a restart of the same node, a cut by a heal of the
/// same link (either order of its ends).
fn repairs(broken: &ActionKind, fix: &ActionKind) -> bool {
    match (broken, fix) {
        (ActionKind::Crash { node }, ActionKind::Restart { node: n }) => node == n,
        (ActionKind::Cut { a, b }, ActionKind::Heal { a: x, b: y }) => (a == x && b == y) || (a == y && b == x),
        _ => false,
    }
}

/// (start, end) indices of paired actions — each crash with the next restart of its node, each cut with the
/// next heal of its link — drawn as one band that either end stretches.
pub fn spans(script: &[Action]) -> Vec<(usize, usize)> {
    let mut used = vec![false; script.len()];
    let mut out = Vec::new();
    for (i, a) in script.iter().enumerate() {
        if !matches!(a.kind, ActionKind::Crash { .. } | ActionKind::Cut { .. }) {
            continue;
        }
        if let Some(j) = (i + 1..script.len()).find(|&j| !used[j] && repairs(&a.kind, &script[j].kind)) {
            used[j] = true;
            out.push((i, j));
        }
    }
    out
}

/// Index the action lands at in the sorted script (the last of equal times, as a stable sort puts it).
fn sorted_with(mut script: Vec<Action>, action: Action) -> (Vec<Action>, usize) {
    let at = action.at;
    let idx = script.iter().position(|a| a.at > at).unwrap_or(script.len());
    script.insert(idx, action);
    (script, idx)
}

/// Clamps a time in seconds to what a script may hold.
pub fn clamp_secs(t: f64) -> SimTime {
    SimTime::from_secs_f64(if t.is_finite() { t.clamp(0.0, crate::url_state::MAX_T_SECS) } else { 0.0 })
}

/// The script with entry `idx` moved to `t` seconds (clamped to the run's range), and its new index.
pub fn moved(script: &[Action], idx: usize, t: f64) -> (Vec<Action>, usize) {
    let mut rest = script.to_vec();
    if idx >= rest.len() {
        return (rest, idx);
    }
    let mut a = rest.remove(idx);
    a.at = clamp_secs(t);
    sorted_with(rest, a)
}

/// The script without entry `idx`.
pub fn removed(script: &[Action], idx: usize) -> Vec<Action> {
    let mut s = script.to_vec();
    if idx < s.len() {
        s.remove(idx);
    }
    s
}

/// The script with `action` added (at its time), and its index; `None` when the script is full.
pub fn added(script: &[Action], action: Action) -> Option<(Vec<Action>, usize)> {
    (script.len() < MAX_ACTIONS).then(|| sorted_with(script.to_vec(), action))
}

/// The script with entry `idx` replaced by the text form `text` (the editor), checked against the scene's
/// names; the error says what is wrong, as a bad link would.
pub fn replaced(scene: &dyn Scene, script: &[Action], idx: usize, text: &str) -> Result<(Vec<Action>, usize), String> {
    let action: Action = text.trim().parse()?;
    scene.validate_action(&action)?;
    let mut action = action;
    action.at = clamp_secs(action.at.as_secs_f64());
    Ok(sorted_with(removed(script, idx), action))
}

/// The names of the boxes and links on the stage now (what the palette offers when there is a stage).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StageNames {
    pub nodes: Vec<String>,
    pub links: Vec<(String, String)>,
}

impl StageNames {
    pub fn of(t: &TopologyView) -> Self {
        StageNames {
            nodes: t.nodes.iter().map(|n| n.name.clone()).collect(),
            links: t.links.iter().map(|l| (l.a.clone(), l.b.clone())).collect(),
        }
    }
}

/// One entry of the "Add" palette: its label and the action it places (at the cursor).
#[derive(Clone, Debug, PartialEq)]
pub struct PaletteEntry {
    pub label: String,
    pub kind: ActionKind,
}

/// What a reader can add to this scene's script, from the scene's own description: crash and restart of
/// every node on the stage now (the scene's own names when there is no stage), cut and heal of every link,
/// the triggers, and a change of every parameter (to its current value, to be edited).
pub fn palette(scene: &dyn Scene, stage: Option<&StageNames>, current: impl Fn(&str) -> String) -> Vec<PaletteEntry> {
    let names = scene.names();
    let nodes: Vec<String> = match stage {
        Some(s) => s.nodes.iter().filter(|n| names.node_ok(n)).cloned().collect(),
        None => names.sample_nodes(),
    };
    let links: Vec<(String, String)> = match stage {
        Some(s) => s.links.iter().filter(|(a, b)| names.link_ok(a, b)).cloned().collect(),
        None => names.sample_links(),
    };
    let mut out = Vec::new();
    for n in &nodes {
        out.push(PaletteEntry { label: format!("Crash {n}"), kind: ActionKind::Crash { node: n.clone() } });
        out.push(PaletteEntry { label: format!("Restart {n}"), kind: ActionKind::Restart { node: n.clone() } });
    }
    for (a, b) in &links {
        out.push(PaletteEntry {
            label: format!("Cut {a}–{b}"), kind: ActionKind::Cut { a: a.clone(), b: b.clone() }
        });
        out.push(PaletteEntry {
            label: format!("Heal {a}–{b}"),
            kind: ActionKind::Heal { a: a.clone(), b: b.clone() },
        });
    }
    for t in names.triggers {
        out.push(PaletteEntry {
            label: format!("Trigger: {}", t.replace('_', " ")),
            kind: ActionKind::Trigger { name: t.to_string() },
        });
    }
    for p in scene.params() {
        out.push(PaletteEntry {
            label: format!("Set {} …", p.label),
            kind: ActionKind::Set { param: p.name.to_string(), value: current(p.name) },
        });
    }
    out
}

/// Script versions to go back and forth through. A new edit clears what could be redone.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct UndoStack {
    undo: Vec<Vec<Action>>,
    redo: Vec<Vec<Action>>,
}

impl UndoStack {
    /// Records the script as it was before an edit.
    pub fn record(&mut self, before: Vec<Action>) {
        if self.undo.last() != Some(&before) {
            self.undo.push(before);
            if self.undo.len() > UNDO_DEPTH {
                self.undo.remove(0);
            }
        }
        self.redo.clear();
    }

    /// The script to go back to, given the current one (kept for redo).
    pub fn undo(&mut self, current: Vec<Action>) -> Option<Vec<Action>> {
        let prev = self.undo.pop()?;
        self.redo.push(current);
        Some(prev)
    }

    pub fn redo(&mut self, current: Vec<Action>) -> Option<Vec<Action>> {
        let next = self.redo.pop()?;
        self.undo.push(current);
        Some(next)
    }

    pub fn can_undo(&self) -> bool {
        !self.undo.is_empty()
    }

    pub fn can_redo(&self) -> bool {
        !self.redo.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use faultline_sim::scene::parse_script_lenient;

    fn script(text: &str) -> Vec<Action> {
        parse_script_lenient(text).0
    }

    #[test]
    fn spans_pair_each_break_with_the_next_repair_of_the_same_thing() {
        let s = script("1:crash:a,2:cut:x-y,3:crash:b,4:restart:a,5:heal:y-x,6:restart:a");
        assert_eq!(spans(&s), vec![(0, 3), (1, 4)], "crash b has no restart; the second restart a pairs nothing");
    }

    #[test]
    fn moving_keeps_the_script_sorted_and_says_where_the_entry_went() {
        let s = script("1:crash:a,2:restart:a,3:trigger:t");
        let (m, at) = moved(&s, 0, 2.5);
        assert_eq!(faultline_sim::scene::format_script(&m), "2:restart:a,2.5:crash:a,3:trigger:t");
        assert_eq!(at, 1);
        let (m, at) = moved(&s, 2, -4.0);
        assert_eq!((m[0].to_string(), at), ("0:trigger:t".to_string(), 0), "clamped at zero");
        let (m, _) = moved(&s, 1, f64::NAN);
        assert_eq!(m[0].to_string(), "0:restart:a");
        assert_eq!(moved(&s, 9, 1.0).0, s, "an index past the end changes nothing");
    }

    #[test]
    fn same_time_entries_keep_their_order_after_an_insert() {
        let s = script("1:crash:a,1:crash:b");
        let (m, at) = added(&s, "1:crash:c".parse().unwrap()).unwrap();
        assert_eq!(at, 2);
        assert_eq!(faultline_sim::scene::format_script(&m), "1:crash:a,1:crash:b,1:crash:c");
    }

    #[test]
    fn editing_validates_against_the_scene() {
        let scene = faultline_sim::scene_by_id("circuit-breaker").unwrap();
        let s = script("1:crash:dependency");
        let (m, _) = replaced(scene, &s, 0, "4.5:crash:dependency").unwrap();
        assert_eq!(m[0].to_string(), "4.5:crash:dependency");
        assert!(replaced(scene, &s, 0, "4.5:crash:nowhere").unwrap_err().contains("unknown node"));
        assert!(replaced(scene, &s, 0, "soon:crash:dependency").is_err());
    }

    #[test]
    fn the_palette_offers_every_kind_of_action_of_every_scene() {
        for scene in faultline_sim::scenes() {
            let entries = palette(*scene, None, |_| "1".into());
            assert!(entries.iter().any(|e| matches!(e.kind, ActionKind::Crash { .. })), "{}", scene.id());
            assert!(entries.iter().any(|e| matches!(e.kind, ActionKind::Set { .. })), "{}", scene.id());
            for e in entries.iter().filter(|e| !matches!(e.kind, ActionKind::Set { .. })) {
                let a = Action { at: SimTime::from_secs(1), kind: e.kind.clone() };
                assert!(scene.validate_action(&a).is_ok(), "{}: {a}", scene.id());
            }
        }
    }

    #[test]
    fn undo_and_redo_walk_the_versions() {
        let (a, b, c) = (script("1:crash:a"), script("2:crash:a"), script("3:crash:a"));
        let mut u = UndoStack::default();
        u.record(a.clone());
        u.record(b.clone());
        assert_eq!(u.undo(c.clone()), Some(b.clone()));
        assert_eq!(u.undo(b.clone()), Some(a.clone()));
        assert_eq!(u.undo(a.clone()), None);
        assert_eq!(u.redo(a.clone()), Some(b.clone()));
        assert!(u.can_redo());
        u.record(b);
        assert!(!u.can_redo(), "a new edit clears the redo list");
    }
}
