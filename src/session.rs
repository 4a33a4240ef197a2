//! A scene page's live state: the [`Timeline`] (which owns the `Box<dyn Run>`), the reader's intents
//! (play, seek, click a node, move a slider) and the snapshots that views read.
//!
//! Data flows one way. Intents change the fault script, parameters or time and call [`Session::publish`],
//! which reads the run once and sets plain-data signals (`stage`, `counters`, `log`, `charts`…). Views
//! only read those signals; they never touch the run, so nothing in the DOM can make the simulation
//! diverge from the URL that describes it.
//!
//! With an A/B comparison on, the session also owns run B's timeline (see [`crate::compare`]): built from
//! the same seed, script and parameters but the compared choice, and moved to A's moment at every publish.

use std::time::Duration;

use faultline_sim::kernel::SimTime;
use faultline_sim::scene::{Action, ActionKind, CounterView, MessageView, ParamValue, Params, Run, Scene, StageView};
use faultline_sim::timeline::Timeline;
use leptos::leptos_dom::helpers::TimeoutHandle;
use leptos::prelude::*;

use crate::compare::{self, CompareTable};
use crate::url_state::{self, SPEEDS, SceneUrl};
use crate::widgets::chart::{self, ChartData};

/// One narration line.
#[derive(Clone, Debug, PartialEq)]
pub struct LogLine {
    /// Position in the run's log (stable key while the run moves forward).
    pub idx: usize,
    pub t: SimTime,
    pub kind: &'static str,
    pub text: String,
}

/// Draws the messages in flight (the stage's canvas registers one).
pub type Painter = Box<dyn Fn(&[MessageView], SimTime)>;

/// Narration keeps this many lines; older ones stay in the run's log.
const LOG_LINES: usize = 200;
/// Charts rebuild their paths at most this often while playing (ms of wall time).
const CHART_INTERVAL_MS: f64 = 200.0;
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
    url_timer: StoredValue<Option<TimeoutHandle>, LocalStorage>,
    chart_wall_ms: StoredValue<f64, LocalStorage>,
    /// (wall ms of the last announcement, log length announced up to).
    announced: StoredValue<(f64, usize), LocalStorage>,
    pub embed: bool,
    /// Parameters the run was built with (t = 0); later changes live in the script as `set` actions.
    pub base_params: RwSignal<Params>,
    pub seed: RwSignal<u64>,
    pub playing: RwSignal<bool>,
    pub speed: RwSignal<f64>,
    // Snapshots published from the run.
    pub now: RwSignal<SimTime>,
    /// Furthest moment reached since the run was built: the scrubber's and charts' extent.
    pub reached: RwSignal<SimTime>,
    pub stage: RwSignal<StageView>,
    pub n_in_flight: RwSignal<usize>,
    pub params: RwSignal<Params>,
    pub script: RwSignal<Vec<Action>>,
    pub counters: RwSignal<Vec<CounterView>>,
    pub log: RwSignal<Vec<LogLine>>,
    pub charts: RwSignal<Vec<ChartData>>,
    pub trace_hash: RwSignal<u64>,
    /// Run B's choice of the scene's compare parameter; `None` = no comparison.
    pub compare: RwSignal<Option<usize>>,
    /// A and B side by side (refreshed with the charts); `None` when not comparing.
    pub compare_table: RwSignal<Option<CompareTable>>,
    pub trace_hash_b: RwSignal<u64>,
    pub n_events: RwSignal<u64>,
    pub notices: RwSignal<Vec<String>>,
    /// Text of the aria-live region (throttled to one change per second).
    pub announcement: RwSignal<String>,
    /// A link's moment still being reached (see [`Session::catch_up_step`]), and how far along, 0..1.
    catch_up_to: StoredValue<Option<SimTime>, LocalStorage>,
    pub fast_forward: RwSignal<Option<f64>>,
}

/// Wall-clock budget of work on opening a link before the page shows up (the rest continues per frame).
const OPEN_BUDGET_MS: f64 = 150.0;
/// Wall-clock budget per animation frame while fast-forwarding to a link's moment.
const CATCH_UP_FRAME_MS: f64 = 25.0;
/// Fast-forward advances in slices of this much virtual time, checking the budget between them.
const CATCH_UP_SLICE_US: u64 = 250_000;

/// Seeks towards `target` in slices until it is reached or `budget_ms` of wall time is spent; true when
/// reached. A link to the end of a long, busy run (an hour at thousands of requests per second) is many
/// seconds of simulation: it must never freeze the page.
fn seek_within(tl: &mut Timeline, target: SimTime, budget_ms: f64) -> bool {
    tl.jump_towards(target);
    if target <= tl.now() {
        tl.seek(target);
        return true;
    }
    let deadline = wall_ms() + budget_ms;
    while tl.now() < target {
        if wall_ms() >= deadline {
            return false;
        }
        tl.seek((tl.now() + CATCH_UP_SLICE_US).min(target));
    }
    true
}

fn set_if_changed<T: PartialEq + Send + Sync + 'static>(sig: RwSignal<T>, v: T) {
    sig.maybe_update(move |old| {
        if *old != v {
            *old = v;
            true
        } else {
            false
        }
    });
}

pub fn wall_ms() -> f64 {
    window().performance().map(|p| p.now()).unwrap_or(0.0)
}

impl Session {
    pub fn new(scene: &'static dyn Scene, state: SceneUrl, notices: Vec<String>) -> Session {
        let mut tl = Timeline::new(scene.build(state.params.clone(), state.seed, state.script.clone()));
        let reached_link_moment = seek_within(&mut tl, state.t, OPEN_BUDGET_MS);
        let now = tl.now();
        // Embeds show one run; a comparison needs the charts and table they leave out.
        let compare = state.compare.filter(|_| !state.embed).and_then(|c| compare::choice_index(scene, c));
        let s = Session {
            scene,
            timeline: StoredValue::new_local(tl),
            timeline_b: StoredValue::new_local(None),
            messages: StoredValue::new_local(Vec::new()),
            painter: StoredValue::new_local(None),
            url_timer: StoredValue::new_local(None),
            chart_wall_ms: StoredValue::new_local(f64::NEG_INFINITY),
            announced: StoredValue::new_local((f64::NEG_INFINITY, 0)),
            embed: state.embed,
            base_params: RwSignal::new(state.params.clone()),
            seed: RwSignal::new(state.seed),
            playing: RwSignal::new(false),
            speed: RwSignal::new(state.speed),
            now: RwSignal::new(now),
            reached: RwSignal::new(now),
            stage: RwSignal::new(StageView::default()),
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
            catch_up_to: StoredValue::new_local((!reached_link_moment).then_some(state.t)),
            fast_forward: RwSignal::new(
                (!reached_link_moment).then(|| now.as_micros() as f64 / state.t.as_micros().max(1) as f64),
            ),
        };
        // Opening a link must not read out the whole history that led to its moment.
        s.announced.set_value((f64::NEG_INFINITY, s.with_run(|r| r.log().len())));
        s.build_b();
        s.publish(true);
        s
    }

    /// Reads the live run. `None` once the page that owned the session is gone.
    pub fn with_run<R>(&self, f: impl FnOnce(&dyn Run) -> R) -> R {
        self.timeline.with_value(|tl| f(tl.run()))
    }

    pub fn is_alive(&self) -> bool {
        self.timeline.try_with_value(|_| ()).is_some()
    }

    pub fn set_painter(&self, p: Option<Painter>) {
        self.painter.set_value(p);
        self.repaint();
    }

    /// Forgets the painter (its canvas is leaving the page).
    pub fn painter_off(&self) {
        self.painter.try_update_value(|p| *p = None);
    }

    /// Redraws the messages of the last publish (after a resize, or once the canvas exists).
    pub fn repaint(&self) {
        let now = self.now.get_untracked();
        self.messages.with_value(|m| {
            self.painter.with_value(|p| {
                if let Some(p) = p {
                    p(m, now)
                }
            })
        });
    }

    /// Reads the run once and publishes everything views show. Charts are rebuilt at most 5×/s unless
    /// `charts_now` (paused edits and seeks want them at once).
    pub fn publish(&self, charts_now: bool) {
        self.sync_b();
        let wall = wall_ms();
        let rebuild_charts = charts_now || wall - self.chart_wall_ms.get_value() >= CHART_INTERVAL_MS;
        let reached = self.reached.get_untracked();
        self.timeline.with_value(|tl| {
            let run = tl.run();
            let now = run.now();
            let mut stage = run.stage();
            let messages = std::mem::take(&mut stage.messages);
            self.painter.with_value(|p| {
                if let Some(p) = p {
                    p(&messages, now)
                }
            });
            self.n_in_flight.set(messages.len());
            self.messages.set_value(messages);
            set_if_changed(self.stage, stage);
            self.now.set(now);
            let reached = reached.max(now);
            set_if_changed(self.reached, reached);
            self.params.maybe_update(|p| {
                if p != run.params() {
                    *p = run.params().clone();
                    true
                } else {
                    false
                }
            });
            self.script.maybe_update(|s| {
                if s.as_slice() != run.script() {
                    *s = run.script().to_vec();
                    true
                } else {
                    false
                }
            });
            set_if_changed(self.counters, run.counters());
            set_if_changed(self.trace_hash, run.trace_hash());
            set_if_changed(self.n_events, run.n_events());
            self.publish_log(run, wall);
            if rebuild_charts {
                self.chart_wall_ms.set_value(wall);
                self.timeline_b.with_value(|b| {
                    let run_b = b.as_ref().map(|tl| tl.run());
                    self.charts.set(chart::compute(run, run_b, reached));
                    set_if_changed(self.compare_table, run_b.map(|rb| compare::table(run, rb)));
                    set_if_changed(self.trace_hash_b, run_b.map_or(0, |rb| rb.trace_hash()));
                });
            }
        });
    }

    // ----- A/B comparison -----

    /// Builds run B afresh for the current comparison choice (or drops it), at A's moment.
    fn build_b(&self) {
        let tl = self.compare.get_untracked().and_then(|choice| {
            let (param, _) = compare::spec(self.scene)?;
            let params = compare::b_params(self.scene, &self.base_params.get_untracked(), choice);
            let (script, now) = self.with_run(|r| (compare::b_script(param, r.script()), r.now()));
            let mut tl = Timeline::new(self.scene.build(params, self.seed.get_untracked(), script));
            // The rest, if any, is caught up a frame's budget at a time by `sync_b`.
            seek_within(&mut tl, now, OPEN_BUDGET_MS);
            Some(tl)
        });
        if tl.is_none() {
            self.compare_table.set(None);
            self.trace_hash_b.set(0);
        }
        self.timeline_b.set_value(tl);
    }

    /// Brings run B to A's script (minus changes of the compared parameter) and A's moment. Cheap when
    /// nothing changed: a script comparison and, while playing, one forward seek per frame.
    fn sync_b(&self) {
        let Some((param, _)) = compare::spec(self.scene) else { return };
        self.timeline_b.update_value(|b| {
            let Some(b) = b else { return };
            self.timeline.with_value(|a| {
                let a = a.run();
                let same = b.run().script().iter().eq(a.script().iter().filter(|x| compare::applies_to_b(param, x)));
                if !same {
                    b.set_script(compare::b_script(param, a.script()));
                }
                if b.now() != a.now() {
                    // Bounded: B, built late in a long run, catches up over a few frames.
                    seek_within(b, a.now(), CATCH_UP_FRAME_MS);
                }
            });
        });
    }

    /// (A's current choice, B's choice) of the compared parameter while comparing; reactive.
    pub fn compare_names(&self) -> Option<(&'static str, &'static str)> {
        let b = self.compare.get()?;
        let (name, choices) = compare::spec(self.scene)?;
        let a = self.params.with(|p| p.get(name));
        let a = match a {
            Some(ParamValue::Choice(i)) => choices.get(i).copied().unwrap_or("?"),
            _ => "?",
        };
        Some((a, choices.get(b).copied()?))
    }

    /// The reader picked "Compare with: …" (`None` = off).
    pub fn set_compare(&self, choice: Option<usize>) {
        let choice = choice.filter(|c| Some(*c) != compare::current_choice(self.scene, &self.params.get_untracked()));
        if self.compare.get_untracked() == choice {
            return;
        }
        self.compare.set(choice);
        self.build_b();
        self.publish(true);
        self.request_url_write();
    }

    /// Run A now uses B's choice itself: nothing left to compare.
    fn drop_compare_if_equal(&self, a_choice: Option<usize>) {
        let b = self.compare.get_untracked();
        if b.is_some() && b == a_choice {
            if let Some((param, choices)) = compare::spec(self.scene) {
                let name = b.and_then(|i| choices.get(i)).copied().unwrap_or("");
                self.notice(format!("comparison turned off: run A now uses {param} = {name} too"));
            }
            self.compare.set(None);
            self.timeline_b.set_value(None);
            self.compare_table.set(None);
        }
    }

    fn publish_log(&self, run: &dyn Run, wall: f64) {
        let entries = run.log();
        let unchanged = self.log.with_untracked(|lines| match (lines.first(), entries.last()) {
            (Some(l), Some(e)) => l.idx + 1 == entries.len() && l.t == e.t && l.text == e.text,
            (None, None) => true,
            _ => false,
        });
        if !unchanged {
            let start = entries.len().saturating_sub(LOG_LINES);
            let lines = entries[start..]
                .iter()
                .enumerate()
                .rev()
                .map(|(i, e)| LogLine { idx: start + i, t: e.t, kind: e.kind, text: e.text.clone() })
                .collect();
            self.log.set(lines);
        }
        let (last_wall, upto) = self.announced.get_value();
        if entries.len() < upto {
            self.announced.set_value((last_wall, entries.len()));
        } else if entries.len() > upto && wall - last_wall >= 1000.0 {
            if let Some(e) = entries.last() {
                self.announcement.set(format!("t={} {}", crate::core::format::secs(e.t), e.text));
            }
            self.announced.set_value((wall, entries.len()));
        }
    }

    // ----- intents -----

    /// The driver's frame: move virtual time forward by `wall_dt_ms` × speed.
    pub fn advance(&self, wall_dt_ms: f64) {
        let dt_us = (wall_dt_ms * self.speed.get_untracked() * 1000.0).round().max(0.0) as u64;
        if dt_us == 0 {
            return;
        }
        self.timeline.update_value(|tl| {
            let t = tl.now() + dt_us;
            tl.seek(t);
        });
        self.publish(false);
        self.request_url_write();
    }

    /// True while the page is still fast-forwarding to the moment a link named, or run B (of a comparison
    /// started late in a long run) is still catching up with run A.
    pub fn catching_up(&self) -> bool {
        if self.catch_up_to.with_value(|t| t.is_some()) {
            return true;
        }
        let a_now = self.with_run(|r| r.now());
        self.timeline_b.with_value(|b| b.as_ref().is_some_and(|b| b.now() != a_now))
    }

    /// One frame's worth of fast-forward (the driver calls it instead of playing); `publish` moves B.
    pub fn catch_up_step(&self) {
        if let Some(target) = self.catch_up_to.get_value() {
            let mut done = true;
            self.timeline.update_value(|tl| done = seek_within(tl, target, CATCH_UP_FRAME_MS));
            if done {
                self.cancel_catch_up();
            } else {
                let now = self.with_run(|r| r.now());
                self.fast_forward.set(Some(now.as_micros() as f64 / target.as_micros().max(1) as f64));
            }
        }
        self.publish(true);
    }

    /// Any intent of the reader (seek, step, edit) replaces the pending fast-forward.
    fn cancel_catch_up(&self) {
        if self.catch_up_to.with_value(|t| t.is_some()) {
            self.catch_up_to.set_value(None);
            self.fast_forward.set(None);
        }
    }

    pub fn seek(&self, t: SimTime) {
        self.cancel_catch_up();
        // Forward past the explored part of the run (after an edit dropped later snapshots) can be long.
        self.timeline.update_value(|tl| {
            if !seek_within(tl, t, OPEN_BUDGET_MS) {
                self.catch_up_to.set_value(Some(t));
                self.fast_forward.set(Some(tl.now().as_micros() as f64 / t.as_micros().max(1) as f64));
            }
        });
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
        if !seek_within(&mut tl, t, OPEN_BUDGET_MS) {
            self.catch_up_to.set_value(Some(t));
            self.fast_forward.set(Some(tl.now().as_micros() as f64 / t.as_micros().max(1) as f64));
        }
        self.timeline.set_value(tl);
        self.drop_compare_if_equal(compare::current_choice(self.scene, &self.base_params.get_untracked()));
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
        if self.scene.compare_param() == Some(name)
            && let ParamValue::Choice(i) = value
        {
            self.drop_compare_if_equal(Some(i));
        }
        let mut script = self.with_run(|r| r.script().to_vec());
        // Dragging a slider fires many inputs: fold the recent ones of this parameter into one.
        script.retain(|a| {
            !(matches!(&a.kind, ActionKind::Set { param, .. } if param == name)
                && a.at <= now
                && now - a.at <= COALESCE_US)
        });
        script.push(Action { at: now, kind: ActionKind::Set { param: name.to_string(), value: spec.format(&value) } });
        self.set_script(script);
    }

    /// A click on a node or link: the action happens now, and is kept in the script (and the URL).
    pub fn apply(&self, kind: ActionKind) {
        let now = self.now.get_untracked();
        let mut script = self.with_run(|r| r.script().to_vec());
        script.push(Action { at: now, kind });
        self.set_script(script);
    }

    fn set_script(&self, script: Vec<Action>) {
        self.cancel_catch_up();
        // The timeline replays to the current moment, running whatever the new script puts at exactly now.
        self.timeline.update_value(|tl| tl.set_script(script));
        self.publish(true);
        self.request_url_write();
    }

    /// Loads a preset's parameters and faults and goes back to t = 0.
    pub fn load_preset(&self, id: &str) {
        let Ok((params, script)) = self.scene.preset_inputs(id) else { return };
        self.base_params.set(params);
        self.rebuild_with(script, SimTime::ZERO);
    }

    pub fn notice(&self, text: String) {
        self.notices.update(|n| {
            n.retain(|x| *x != text);
            n.push(text);
        });
    }

    // ----- URL -----

    /// The state a link must carry to reproduce this moment.
    pub fn url_state(&self, embed: bool) -> SceneUrl {
        SceneUrl {
            scene_id: self.scene.id(),
            params: self.base_params.get_untracked(),
            seed: self.seed.get_untracked(),
            script: self.with_run(|r| r.script().to_vec()),
            t: self.now.get_untracked(),
            speed: self.speed.get_untracked(),
            compare: if embed {
                None
            } else {
                self.compare
                    .get_untracked()
                    .and_then(|i| compare::spec(self.scene).and_then(|(_, c)| c.get(i).copied()))
            },
            embed,
            bench_frames: false,
        }
    }

    /// Writes the URL within ~300 ms; while playing this keeps it a few times a second behind the run.
    pub fn request_url_write(&self) {
        if self.url_timer.with_value(|t| t.is_some()) {
            return;
        }
        let me = *self;
        let handle = set_timeout_with_handle(
            move || {
                if !me.is_alive() {
                    return;
                }
                me.url_timer.set_value(None);
                me.write_url();
            },
            Duration::from_millis(300),
        );
        self.url_timer.set_value(handle.ok());
    }

    pub fn write_url(&self) {
        let q = url_state::encode(&self.url_state(self.embed));
        if let Ok(h) = window().history() {
            let _ = h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&q));
        }
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
