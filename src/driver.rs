//! The animation driver: a requestAnimationFrame loop that turns wall-clock time into virtual time.
//!
//! This is the only place a wall-clock delta exists: virtual time += delta × speed (eased down around notable
//! moments while slow motion is on: `Session::advance`, `crate::director`), with the delta capped
//! at 100 ms (a background tab or a debugger pause returns a huge one). The loop does nothing while the
//! document is hidden or the stage is scrolled off-screen. Each frame's work (sim + canvas + the DOM
//! updates it causes) is recorded in `window.__faultlineFrames` (last 600, in ms) for the frame bench, and
//! its playback in `window.__faultlinePlayback` (last 3,600 `{t, rate, speed}`: virtual time reached in s,
//! virtual seconds per wall second played, the chosen speed; a minute at 60 fps, so a whole slow stretch and
//! its ramps fit) — slow motion shows there as `rate < speed`.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;

use crate::session::{Session, Warm, wall_ms};

const MAX_DELTA_MS: f64 = 100.0;
/// The frame callback re-schedules itself, so it holds a handle to its own slot.
type FrameCallback = Closure<dyn FnMut(f64)>;
const FRAMES_KEPT: u32 = 600;
/// A slow stretch at 0.1× is seconds of frames; the test reads the ramp down before it and up after it.
const PLAYBACK_KEPT: u32 = 3_600;

/// Handle of a running loop; [`Driver::stop`] ends it and disconnects the visibility observer.
pub struct Driver {
    stopped: Rc<Cell<bool>>,
    observer: Option<web_sys::IntersectionObserver>,
    _on_intersect: Option<Closure<dyn FnMut(js_sys::Array)>>,
}

impl Driver {
    pub fn stop(&self) {
        self.stopped.set(true);
        if let Some(o) = &self.observer {
            o.disconnect();
        }
    }
}

/// Appends `value` to the array `window[key]` (created on first use), keeping its last `kept` entries.
fn record(key: &str, value: &wasm_bindgen::JsValue, kept: u32) {
    let w = window();
    let key = wasm_bindgen::JsValue::from_str(key);
    let arr = match js_sys::Reflect::get(&w, &key).ok().and_then(|v| v.dyn_into::<js_sys::Array>().ok()) {
        Some(a) => a,
        None => {
            let a = js_sys::Array::new();
            let _ = js_sys::Reflect::set(&w, &key, &a);
            a
        }
    };
    arr.push(value);
    if arr.length() > kept {
        arr.shift();
    }
}

fn record_frame(ms: f64) {
    record("__faultlineFrames", &wasm_bindgen::JsValue::from_f64(ms), FRAMES_KEPT);
}

/// One played frame's pacing, for tests: where it got to and how fast it went.
fn record_playback(t_s: f64, rate: f64, speed: f64) {
    record_fields("__faultlinePlayback", &[("t", t_s), ("rate", rate), ("speed", speed)], PLAYBACK_KEPT);
}

/// Appends an object of number fields to the array `window[key]` ([`record`]).
fn record_fields(key: &str, fields: &[(&str, f64)], kept: u32) {
    let o = js_sys::Object::new();
    for (k, v) in fields {
        let _ = js_sys::Reflect::set(&o, &wasm_bindgen::JsValue::from_str(k), &wasm_bindgen::JsValue::from_f64(*v));
    }
    record(key, &o, kept);
}

/// A finished warm-up, for tests (`session/warm.rs`): its steps, the wall time it spent and whether the
/// reader's play (or a catch-up) ended it.
pub fn record_warm(steps: u32, ms: f64, interrupted: bool) {
    record_fields(
        "__faultlineWarm",
        &[("steps", steps as f64), ("ms", ms), ("interrupted", interrupted as u8 as f64)],
        4,
    );
}

/// Starts the loop for `session`; `stage` is the element whose visibility gates it. `warm` is the warm-up
/// its first frames run (`session/warm.rs`).
pub fn start(session: Session, stage: Option<web_sys::Element>, warm: Warm) -> Driver {
    let stopped = Rc::new(Cell::new(false));
    let visible = Rc::new(Cell::new(true));
    let (observer, on_intersect) = match stage {
        Some(el) => {
            let visible = visible.clone();
            let cb = Closure::<dyn FnMut(js_sys::Array)>::new(move |entries: js_sys::Array| {
                if let Some(e) =
                    entries.iter().last().and_then(|e| e.dyn_into::<web_sys::IntersectionObserverEntry>().ok())
                {
                    visible.set(e.is_intersecting());
                }
            });
            let obs = web_sys::IntersectionObserver::new(cb.as_ref().unchecked_ref()).ok();
            if let Some(o) = &obs {
                o.observe(&el);
            }
            (obs, Some(cb))
        }
        None => (None, None),
    };

    let last: Rc<Cell<Option<f64>>> = Rc::new(Cell::new(None));
    let frame: Rc<RefCell<Option<FrameCallback>>> = Rc::new(RefCell::new(None));
    let frame2 = frame.clone();
    let mut warm = Some(warm);
    let stop2 = stopped.clone();
    *frame.borrow_mut() = Some(Closure::new(move |ts: f64| {
        if stop2.get() || !session.is_alive() {
            // Break the Rc cycle so the closure is freed.
            frame2.borrow_mut().take();
            return;
        }
        let hidden = document().hidden();
        // The warm-up, like playback, waits while the stage is off screen or the tab hidden.
        if !hidden && visible.get() && warm.as_mut().is_some_and(|w| session.warm_slice(w)) {
            warm = None;
        }
        if session.catching_up() {
            // Still reaching a link's moment: spend this frame on that, play afterwards.
            session.catch_up_step();
            last.set(None);
        } else if session.playing.get_untracked() && !hidden && visible.get() {
            let dt = last.get().map(|l| (ts - l).clamp(0.0, MAX_DELTA_MS)).unwrap_or(0.0);
            let t0 = wall_ms();
            session.advance(dt);
            if dt > 0.0 {
                record_playback(
                    session.now.get_untracked().as_secs_f64(),
                    session.playback_rate(),
                    session.speed.get_untracked(),
                );
            }
            // Leptos applies the DOM updates in microtasks right after this callback; count them too.
            leptos::task::spawn_local(async move {
                leptos::task::tick().await;
                leptos::task::tick().await;
                record_frame(wall_ms() - t0);
            });
            last.set(Some(ts));
        } else {
            if last.get().is_some() {
                // Playback just stopped (paused, the page hidden): frames refresh parts of the page by turns,
                // so the moment it stopped at is published whole.
                session.settle();
            }
            last.set(None);
        }
        if let Some(cb) = frame2.borrow().as_ref() {
            let _ = window().request_animation_frame(cb.as_ref().unchecked_ref());
        }
    }));
    if let Some(cb) = frame.borrow().as_ref() {
        let _ = window().request_animation_frame(cb.as_ref().unchecked_ref());
    }
    Driver { stopped, observer, _on_intersect: on_intersect }
}
