//! A scene page's live state: the [`Timeline`] (which owns the `Box<dyn Run>`), the reader's intents
//! (play, seek, click a node, move a slider) and the snapshots that views read.
//!
//! Data flows one way. Intents change the fault script, parameters or time and call [`Session::publish`],
//! which reads the run once and sets plain-data signals (`panels`, `counters`, `log`, `charts`…). Views
//! only read those signals; they never touch the run, so nothing in the DOM can make the simulation
//! diverge from the URL that describes it.
//!
//! The parts, one file each: `publish.rs` (reading the run into signals), `catch_up.rs` (bounded replay:
//! no intent runs unbounded simulation on the main thread), `compare.rs` (run B of a same-seed comparison,
//! kept at A's moment), `director.rs` (slow motion at notable moments: a lookahead finds them, the pure
//! `crate::director` paces playback), `url.rs` (writing the address bar) and `tour.rs` (measuring a tour step's
//! prediction).

mod catch_up;
mod compare;
mod director;
mod publish;
mod tour;
pub mod turns;
mod url;
mod warm;

pub use warm::Warm;

use faultline_sim::kernel::SimTime;
use faultline_sim::scene::{Action, ActionKind, CounterView, MessageView, Panel, ParamValue, Params, Run, Scene};
use faultline_sim::timeline::Timeline;
use leptos::leptos_dom::helpers::TimeoutHandle;
use leptos::prelude::*;

use crate::chaos::UndoStack;
use crate::compare::{CompareTable, Comparison};
use crate::director::{Mark, Pacing};
use crate::url_state::{self, SPEEDS, SceneUrl};
use crate::widgets::chart::ChartData;

pub use catch_up::seek_within;

pub use crate::narration::{BURST_KEPT, LogLine};

/// A notable moment of the run (a transition, an expiry, a fault): a tick on the scrubber and a stop for
/// "next notable event".
#[derive(Clone, Debug, PartialEq)]
pub struct Notable {
    pub t: SimTime,
    pub kind: &'static str,
    pub text: String,
}

/// Draws the messages in flight (the stage's canvas registers one).
pub type Painter = Box<dyn Fn(&[MessageView], SimTime)>;

/// Slider moves closer together than this (virtual time) edit one `set` action instead of adding many.
const COALESCE_US: u64 = 250_000;

#[derive(Clone, Copy)]
pub struct Session {
    pub scene: &'static dyn Scene,
    timeline: StoredValue<Timeline, LocalStorage>,
    /// Run B of an A/B comparison (`None` when off), kept at A's moment.
    timeline_b: StoredValue<Option<Timeline>, LocalStorage>,
    messages: StoredValue<Vec<MessageView>, LocalStorage>,
    painter: StoredValue<Option<Painter>, LocalStorage>,
    /// Run B's stage, drawn beside A's while comparing.
    painter_b: StoredValue<Option<Painter>, LocalStorage>,
    url_timer: StoredValue<Option<TimeoutHandle>, LocalStorage>,
    chart_wall_ms: StoredValue<f64, LocalStorage>,
    /// The last publish's turn (`turns`; `All` when it was whole): a playing frame takes the next one.
    publish_turn: StoredValue<turns::Turn, LocalStorage>,
    /// (wall ms of the last announcement, log total announced up to).
    announced: StoredValue<(f64, u64), LocalStorage>,
    pub embed: bool,
    /// The guided-tour step (1-based) the page was opened at, if any (kept in the URL).
    pub tour_step: Option<usize>,
    /// The challenge the run is judged against (`?challenge=`), if any.
    pub challenge: Option<&'static faultline_sim::scene::Challenge>,
    pub embed_options: crate::url_state::EmbedOptions,
    /// Parameters the run was built with (t = 0); later changes live in the script as `set` actions.
    pub base_params: RwSignal<Params>,
    pub seed: RwSignal<u64>,
    pub playing: RwSignal<bool>,
    pub speed: RwSignal<f64>,
    // Snapshots published from the run.
    pub now: RwSignal<SimTime>,
    /// Furthest moment reached since the run was built: the scrubber's and charts' extent.
    pub reached: RwSignal<SimTime>,
    /// What the reader sees, panel by panel (messages in flight go to the painter instead).
    pub panels: RwSignal<Vec<Panel>>,
    /// Run B's panels while comparing (empty otherwise).
    pub panels_b: RwSignal<Vec<Panel>>,
    pub n_in_flight: RwSignal<usize>,
    pub params: RwSignal<Params>,
    pub script: RwSignal<Vec<Action>>,
    pub counters: RwSignal<Vec<CounterView>>,
    pub log: RwSignal<Vec<LogLine>>,
    pub charts: RwSignal<Vec<ChartData>>,
    pub trace_hash: RwSignal<u64>,
    /// Run B's parameter and choice; `None` = no comparison.
    pub compare: RwSignal<Option<Comparison>>,
    /// A and B side by side (refreshed with the charts); `None` when not comparing.
    pub compare_table: RwSignal<Option<CompareTable>>,
    pub trace_hash_b: RwSignal<u64>,
    pub n_events: RwSignal<u64>,
    pub notices: RwSignal<Vec<String>>,
    /// Text of the aria-live region (throttled to one change per second).
    pub announcement: RwSignal<String>,
    /// Notable moments of the run seen so far, by absolute log index (valid while the script is unchanged).
    notable_seen: StoredValue<std::collections::BTreeMap<u64, Notable>, LocalStorage>,
    /// Log entries already scanned for notable moments (a log total).
    notable_scanned: StoredValue<u64, LocalStorage>,
    /// Builds the narration from the run's log, keeping the seconds already past (`crate::narration`).
    narrator: StoredValue<crate::narration::Narrator, LocalStorage>,
    pub notable: RwSignal<Vec<Notable>>,
    /// A moment still being reached a frame's budget at a time (see `catch_up.rs`), and how far along, 0..1.
    catch_up_to: StoredValue<Option<SimTime>, LocalStorage>,
    pub fast_forward: RwSignal<Option<f64>>,
    /// Earlier and undone versions of the script (clicks, mid-run parameter changes, chaos-track edits).
    history: StoredValue<UndoStack, LocalStorage>,
    /// (can undo, can redo), for the buttons.
    pub undo_state: RwSignal<(bool, bool)>,
    /// Presenter mode (`present=1`): stage, one chart, narration and transport, in big type.
    pub present: RwSignal<bool>,
    /// Slow motion at notable moments (`slow=`), and whether the link or the reader chose it explicitly.
    pub slow: RwSignal<bool>,
    slow_chosen: StoredValue<bool, LocalStorage>,
    director: StoredValue<director::DirectorState, LocalStorage>,
    /// How fast playback runs now relative to the chosen speed, and why (the slow-motion indicator).
    pub pacing: RwSignal<Pacing>,
    /// With reduced motion: the notable moment playback stopped at (cleared on play).
    pub stopped_at: RwSignal<Option<Mark>>,
    /// Virtual seconds per wall second of the last frame (recorded by the driver).
    last_rate: StoredValue<f64, LocalStorage>,
    /// The last shortcut pressed, said in presenter mode ("Space — play"), with a count so a repeat shows again.
    pub key_cue: RwSignal<Option<(u32, String)>>,
    /// `prefers-reduced-motion`: slow motion pauses at a notable moment instead of easing.
    reduced_motion: bool,
}

pub fn wall_ms() -> f64 {
    window().performance().map(|p| p.now()).unwrap_or(0.0)
}

impl Session {
    pub fn new(scene: &'static dyn Scene, state: SceneUrl, notices: Vec<String>) -> Session {
        let mut tl = Timeline::new(scene.build(state.params.clone(), state.seed, state.script.clone()));
        let reached_link_moment = seek_within(&mut tl, state.t, catch_up::OPEN_BUDGET_MS);
        let now = tl.now();
        // Embeds show one run; a comparison needs the charts and table they leave out.
        let compare = state.compare.filter(|_| !state.embed);
        let slow = url_state::director_on(&state);
        let reduced_motion =
            window().match_media("(prefers-reduced-motion: reduce)").ok().flatten().is_some_and(|m| m.matches());
        let s = Session {
            scene,
            timeline: StoredValue::new_local(tl),
            timeline_b: StoredValue::new_local(None),
            messages: StoredValue::new_local(Vec::new()),
            painter: StoredValue::new_local(None),
            painter_b: StoredValue::new_local(None),
            url_timer: StoredValue::new_local(None),
            chart_wall_ms: StoredValue::new_local(f64::NEG_INFINITY),
            publish_turn: StoredValue::new_local(turns::Turn::All),
            announced: StoredValue::new_local((f64::NEG_INFINITY, 0)),
            embed: state.embed,
            tour_step: state.tour_step,
            challenge: state.challenge.and_then(|id| scene.challenge(id)),
            embed_options: state.embed_options,
            base_params: RwSignal::new(state.params.clone()),
            seed: RwSignal::new(state.seed),
            playing: RwSignal::new(false),
            speed: RwSignal::new(state.speed),
            now: RwSignal::new(now),
            reached: RwSignal::new(now),
            panels: RwSignal::new(Vec::new()),
            panels_b: RwSignal::new(Vec::new()),
            n_in_flight: RwSignal::new(0),
            params: RwSignal::new(state.params),
            script: RwSignal::new(state.script),
            counters: RwSignal::new(Vec::new()),
            log: RwSignal::new(Vec::new()),
            charts: RwSignal::new(Vec::new()),
            trace_hash: RwSignal::new(0),
            compare: RwSignal::new(compare),
            compare_table: RwSignal::new(None),
            trace_hash_b: RwSignal::new(0),
            n_events: RwSignal::new(0),
            notices: RwSignal::new(notices),
            announcement: RwSignal::new(String::new()),
            notable_seen: StoredValue::new_local(Default::default()),
            notable_scanned: StoredValue::new_local(0),
            narrator: StoredValue::new_local(Default::default()),
            notable: RwSignal::new(Vec::new()),
            catch_up_to: StoredValue::new_local((!reached_link_moment).then_some(state.t)),
            fast_forward: RwSignal::new(
                (!reached_link_moment).then(|| now.as_micros() as f64 / state.t.as_micros().max(1) as f64),
            ),
            history: StoredValue::new_local(UndoStack::default()),
            undo_state: RwSignal::new((false, false)),
            present: RwSignal::new(state.present),
            slow: RwSignal::new(slow),
            slow_chosen: StoredValue::new_local(state.slow.is_some()),
            director: StoredValue::new_local(Default::default()),
            pacing: RwSignal::new(Pacing::NORMAL),
            stopped_at: RwSignal::new(None),
            last_rate: StoredValue::new_local(state.speed),
            key_cue: RwSignal::new(None),
            reduced_motion,
        };
        // Opening a link must not read out the whole history that led to its moment.
        s.announced.set_value((f64::NEG_INFINITY, s.with_run(|r| r.log().total())));
        s.build_b();
        s.publish(true);
        s
    }

    /// Reads the live run.
    pub fn with_run<R>(&self, f: impl FnOnce(&dyn Run) -> R) -> R {
        self.timeline.with_value(|tl| f(tl.run()))
    }

    /// False once the page that owned the session is gone.
    pub fn is_alive(&self) -> bool {
        self.timeline.try_with_value(|_| ()).is_some()
    }

    // ----- intents -----

    /// The driver's frame: move virtual time forward by `wall_dt_ms` × speed — eased down around notable
    /// moments while slow motion is on (see `director.rs`), or stopping at one with reduced motion.
    pub fn advance(&self, wall_dt_ms: f64) {
        let speed = self.speed.get_untracked();
        let full_us = (wall_dt_ms * speed * 1000.0).round().max(0.0) as u64;
        let (rate, stop) = self.direct(speed, full_us);
        self.last_rate.set_value(rate);
        let dt_us = (wall_dt_ms * rate * 1000.0).round().max(0.0) as u64;
        if dt_us == 0 && stop.is_none() {
            return;
        }
        self.timeline.update_value(|tl| {
            let t = stop.unwrap_or(tl.now() + dt_us);
            tl.seek(t);
        });
        if let Some(t) = stop {
            self.playing.set(false);
            self.stopped_at.set(self.director.with_value(|d| d.director.mark_at(t).cloned()));
        }
        // A stop at a moment is published whole at once (`turns`).
        self.publish(stop.is_some());
        self.request_url_write();
    }

    /// Virtual seconds per wall second of the last frame played (the driver records it per frame).
    pub fn playback_rate(&self) -> f64 {
        self.last_rate.get_value()
    }

    pub fn seek(&self, t: SimTime) {
        self.cancel_catch_up();
        if self.stopped_at.with_untracked(|s| s.is_some()) {
            self.stopped_at.set(None);
        }
        self.seek_bounded(t);
        self.repace();
        self.publish(true);
        self.request_url_write();
    }

    pub fn step(&self) {
        self.cancel_catch_up();
        self.playing.set(false);
        self.timeline.update_value(|tl| {
            tl.step();
        });
        self.publish(true);
        self.request_url_write();
    }

    pub fn reset(&self) {
        self.playing.set(false);
        self.seek(SimTime::ZERO);
    }

    pub fn toggle_play(&self) {
        self.playing.update(|p| *p = !*p);
        self.stopped_at.set(None);
        self.request_url_write();
    }

    pub fn set_speed(&self, v: f64) {
        self.speed.set(url_state::nearest_speed(v));
        self.request_url_write();
    }

    /// One step along [`SPEEDS`] (`+1` faster, `-1` slower).
    pub fn nudge_speed(&self, dir: i32) {
        let cur = self.speed.get_untracked();
        let i = SPEEDS.iter().position(|s| (s - cur).abs() < 1e-9).unwrap_or(3) as i32;
        let j = (i + dir).clamp(0, SPEEDS.len() as i32 - 1) as usize;
        self.set_speed(SPEEDS[j]);
    }

    pub fn set_seed(&self, seed: u64) {
        self.seed.set(seed);
        let t = self.now.get_untracked();
        self.rebuild(t);
    }

    /// Builds the run afresh from base parameters, seed and the current script, and goes to `t`.
    fn rebuild(&self, t: SimTime) {
        let script = self.with_run(|r| r.script().to_vec());
        self.rebuild_with(script, t);
    }

    fn rebuild_with(&self, script: Vec<Action>, t: SimTime) {
        self.cancel_catch_up();
        let run = self.scene.build(self.base_params.get_untracked(), self.seed.get_untracked(), script);
        let mut tl = Timeline::new(run);
        // A new seed late in a busy run replays all of it: bounded like opening a link.
        if !seek_within(&mut tl, t, catch_up::OPEN_BUDGET_MS) {
            self.start_catch_up(t, tl.now());
        }
        self.timeline.set_value(tl);
        // A new run (preset, seed, starting parameters): earlier scripts belong to another run.
        self.history.set_value(UndoStack::default());
        self.undo_state.set((false, false));
        self.forget_notable();
        self.drop_compare_if_equal();
        self.build_b();
        self.reached.set(t);
        self.announced.update_value(|a| a.1 = 0);
        self.publish(true);
        self.request_url_write();
    }

    /// A slider or field changed a parameter. Before anything has run this changes the run's starting
    /// parameters; mid-run it becomes a `set` action at the current moment, so the run stays a pure
    /// function of (parameters, seed, script) and the URL can reproduce it.
    pub fn set_param(&self, name: &'static str, value: ParamValue) {
        let Some(spec) = self.scene.params().iter().find(|s| s.name == name) else { return };
        if self.params.with_untracked(|p| p.get(name)) == Some(value) {
            return;
        }
        let now = self.now.get_untracked();
        if now == SimTime::ZERO {
            self.base_params.update(|p| {
                p.set_value(name, value);
            });
            self.rebuild(SimTime::ZERO);
            return;
        }
        let mut script = self.with_run(|r| r.script().to_vec());
        // Dragging a slider fires many inputs: fold the recent ones of this parameter into one (one undo step).
        let before = script.len();
        script.retain(|a| {
            !(matches!(&a.kind, ActionKind::Set { param, .. } if param == name)
                && a.at <= now
                && now - a.at <= COALESCE_US)
        });
        let folded = script.len() < before;
        script.push(Action { at: now, kind: ActionKind::Set { param: name.to_string(), value: spec.format(&value) } });
        if folded {
            self.replace_script(script);
        } else {
            self.set_script(script);
        }
        if self.drop_compare_if_equal() {
            self.publish(true);
        }
    }

    /// A click on a node or link: the action happens now, and is kept in the script (and the URL).
    pub fn apply(&self, kind: ActionKind) {
        let now = self.now.get_untracked();
        let mut script = self.with_run(|r| r.script().to_vec());
        script.push(Action { at: now, kind });
        self.set_script(script);
    }

    /// An edit of the fault script (a click, a mid-run parameter change, the chaos track): undoable.
    pub fn set_script(&self, script: Vec<Action>) {
        let before = self.with_run(|r| r.script().to_vec());
        if before == script {
            return;
        }
        self.history.update_value(|h| h.record(before));
        self.replace_script(script);
    }

    /// Goes back to the script before the last edit (Ctrl+Z).
    pub fn undo(&self) {
        let current = self.with_run(|r| r.script().to_vec());
        if let Some(s) = self.history.try_update_value(|h| h.undo(current)).flatten() {
            self.replace_script(s);
        }
    }

    /// Redoes the last undone edit (Ctrl+Shift+Z).
    pub fn redo(&self) {
        let current = self.with_run(|r| r.script().to_vec());
        if let Some(s) = self.history.try_update_value(|h| h.redo(current)).flatten() {
            self.replace_script(s);
        }
    }

    fn replace_script(&self, script: Vec<Action>) {
        self.undo_state.set(self.history.with_value(|h| (h.can_undo(), h.can_redo())));
        // A link still fast-forwarding keeps its destination.
        let pending = self.catch_up_to.get_value();
        self.cancel_catch_up();
        // What lies ahead changes with the script: the notable moments seen beyond now no longer hold.
        self.forget_notable();
        // The timeline rewinds to before the first change, then replays to the moment it was at (running
        // whatever the new script puts at exactly now) within a frame budget: an edit far back in a long run
        // continues over the next frames instead of freezing the page.
        let mut back_to = None;
        self.timeline.update_value(|tl| back_to = tl.replace_script(script));
        if let Some(t) = pending.or(back_to) {
            self.seek_bounded(t);
        }
        self.publish(true);
        self.request_url_write();
    }

    /// Loads a preset's parameters and faults and goes back to t = 0.
    pub fn load_preset(&self, id: &str) {
        let Ok((params, script)) = self.scene.preset_inputs(id) else { return };
        self.base_params.set(params);
        self.rebuild_with(script, SimTime::ZERO);
    }

    /// Starts over from these parameters, seed and script at t = 0 (a challenge's setup).
    pub fn load_inputs(&self, params: Params, seed: u64, script: Vec<Action>) {
        self.playing.set(false);
        self.seed.set(seed);
        self.base_params.set(params);
        self.rebuild_with(script, SimTime::ZERO);
    }

    /// The preset whose parameters and faults the run has exactly, if any (reactive).
    pub fn active_preset(&self) -> Option<&'static faultline_sim::scene::Preset> {
        let id = self.base_params.with(|p| self.script.with(|s| url_state::preset_of(self.scene, p, s)))?;
        self.scene.preset(id)
    }

    /// Jumps to the next notable moment after now: one already seen, or the first one found by running on
    /// (within the opening budget, then a frame's budget at a time; at most ten minutes ahead).
    pub fn next_notable(&self) {
        self.cancel_catch_up();
        self.playing.set(false);
        let now = self.now.get_untracked();
        let known = self.notable_seen.with_value(|m| m.values().map(|n| n.t).filter(|t| *t > now).min());
        let target = match known {
            Some(t) => Ok(t),
            None => self.find_next_notable(now),
        };
        match target {
            Ok(t) => self.seek(t),
            Err(searched) => self.notice(format!(
                "nothing notable happens in the next {:.0} s of this run",
                (searched - now) as f64 / 1e6
            )),
        }
    }

    /// Runs ahead (on a copy, within 400 ms of work, at most ten minutes of virtual time) to the first
    /// notable entry after `now`; `Err(t)`: none up to `t`.
    fn find_next_notable(&self, now: SimTime) -> Result<SimTime, SimTime> {
        const HORIZON_US: u64 = 600_000_000;
        let kinds = self.scene.notable();
        let deadline = wall_ms() + 400.0;
        self.with_run(|run| {
            let mut r = run.clone_box();
            let start = r.log().total();
            while r.now() < now + HORIZON_US && wall_ms() < deadline {
                let t = r.now() + 250_000;
                r.advance_to(t);
                let total = r.log().total();
                if total > start {
                    let found = r
                        .log()
                        .iter()
                        .rev()
                        .take((total - start) as usize)
                        .filter(|e| kinds.contains(&e.kind) && e.t > now)
                        .map(|e| e.t)
                        .min();
                    if let Some(t) = found {
                        return Ok(t);
                    }
                }
            }
            Err(r.now())
        })
    }

    fn forget_notable(&self) {
        self.notable_seen.update_value(|m| m.clear());
        self.notable_scanned.set_value(0);
        self.notable.set(Vec::new());
        self.forget_director();
    }

    pub fn notice(&self, text: String) {
        self.notices.update(|n| {
            n.retain(|x| *x != text);
            n.push(text);
        });
    }

    /// Stops pending work when the page goes away.
    pub fn dispose(&self) {
        self.url_timer.try_update_value(|t| {
            if let Some(h) = t.take() {
                h.clear();
            }
        });
    }
}
