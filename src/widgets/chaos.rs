//! The chaos timeline: the fault script as markers on a track under the scrubber, on the scrubber's time
//! axis. Drag a marker to move it; select it and press Delete to remove it; arrow keys move it (0.1 s, with
//! Shift 1 s); Enter edits its text form; "Add" places one of the scene's actions at the cursor; Ctrl+Z /
//! Ctrl+Shift+Z undo and redo (buttons too). A crash and its restart, a cut and its heal, read as one band.
//! Every edit goes to the session as a whole new script, which replays it deterministically (bounded).
//!
//! The widget holds only what is being dragged or edited; the script itself is the session's.

use faultline_sim::scene::{Action, Panel};
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::chaos::{self, KEY_STEP_S};
use crate::session::Session;
use crate::widgets::cb;
use crate::widgets::effect;
use crate::widgets::memo;

/// Markers carry their label on the track when there are at most this many (otherwise on focus or hover).
const LABELLED_MAX: usize = 8;

/// Fraction of the track's width (0..1) under a pointer.
fn fraction_at(lane: &web_sys::HtmlElement, client_x: f64) -> f64 {
    let r = lane.get_bounding_client_rect();
    if r.width() <= 0.0 { 0.0 } else { ((client_x - r.left()) / r.width()).clamp(0.0, 1.0) }
}

/// Focuses marker `idx` once the track has been redrawn (an edit re-renders the markers).
fn focus_marker_later(lane: NodeRef<leptos::html::Div>, idx: usize) {
    request_animation_frame(move || {
        if let Some(el) = lane
            .get_untracked()
            .and_then(|l| l.query_selector(&format!("[data-idx=\"{idx}\"]")).ok().flatten())
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = el.focus();
        }
    });
}

#[component]
pub fn ChaosTrack(session: Session, #[prop(into)] max_s: Signal<f64>) -> impl IntoView {
    let lane = NodeRef::<leptos::html::Div>::new();
    let selected = RwSignal::new(None::<usize>);
    // (index, seconds) of the marker being dragged, drawn there until the pointer is released.
    let dragging = RwSignal::new(None::<(usize, f64)>);
    let editing = RwSignal::new(None::<(usize, String)>);
    let script = session.script;

    let commit = move |new: Vec<Action>, focus: Option<usize>| {
        session.set_script(new);
        selected.set(focus);
        if let Some(i) = focus {
            focus_marker_later(lane, i);
        }
    };
    let move_to = move |idx: usize, t: f64| {
        let (new, at) = chaos::moved(&script.get_untracked(), idx, t);
        commit(new, Some(at));
    };
    let remove = move |idx: usize| {
        let new = chaos::removed(&script.get_untracked(), idx);
        commit(new, None);
        editing.set(None);
    };

    let marker_view = move |idx: usize, m: chaos::Marker, n: usize, next_t: Option<f64>| {
        let t = m.at.as_secs_f64();
        // Positions are CSS variables over the lane's `--max`, so the track growing every frame restyles
        // nothing here. A label never runs over the next marker: it gets the track's width up to there
        // (container units), less the symbol; the rest shows on hover, focus or selection.
        let next = next_t.map_or("var(--max)".to_string(), |u| format!("{u:.3}"));
        let shown_t = move || dragging.get().filter(|d| d.0 == idx).map_or(t, |d| d.1);
        let on_down = move |e: web_sys::PointerEvent| {
            if e.button() != 0 {
                return;
            }
            selected.set(Some(idx));
            if let Some(el) = e.current_target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) {
                let _ = el.set_pointer_capture(e.pointer_id());
            }
            dragging.set(Some((idx, t)));
        };
        let on_move = move |e: web_sys::PointerEvent| {
            if dragging.get_untracked().is_some_and(|d| d.0 == idx)
                && let Some(l) = lane.get_untracked()
            {
                let x = fraction_at(&l, e.client_x() as f64) * max_s.get_untracked();
                dragging.set(Some((idx, (x * 100.0).round() / 100.0)));
            }
        };
        let on_up = move |_e: web_sys::PointerEvent| {
            if let Some((i, to)) = dragging.get_untracked().filter(|d| d.0 == idx) {
                dragging.set(None);
                if (to - t).abs() >= 0.005 {
                    move_to(i, to);
                }
            }
        };
        let on_key = move |e: web_sys::KeyboardEvent| {
            let step = if e.shift_key() { 10.0 * KEY_STEP_S } else { KEY_STEP_S };
            match e.key().as_str() {
                "ArrowRight" | "ArrowUp" => move_to(idx, ((t + step) * 10.0).round() / 10.0),
                "ArrowLeft" | "ArrowDown" => move_to(idx, ((t - step) * 10.0).round() / 10.0),
                "Delete" | "Backspace" => remove(idx),
                "Enter" => editing
                    .set(Some((idx, script.with_untracked(|s| s.get(idx).map(|a| a.to_string()).unwrap_or_default())))),
                "Escape" => selected.set(None),
                _ => return,
            }
            e.prevent_default();
            e.stop_propagation();
        };
        let name = format!("{} at {:.2} s", m.label, t);
        view! {
            <button type="button" class=format!("marker marker-{}", m.class) class:labelled=move || n <= LABELLED_MAX || selected.get() == Some(idx)
                class:selected=move || selected.get() == Some(idx)
                data-testid="marker" data-idx=idx data-t=format!("{t}") data-text=m.text.clone()
                style:--t=move || format!("{:.3}", shown_t()) style:--next=next title=format!("{} — drag, arrows or Enter to edit, Delete to remove", m.text)
                aria-label=name aria-pressed=move || if selected.get() == Some(idx) { "true" } else { "false" }
                on:pointerdown=cb(on_down) on:pointermove=cb(on_move) on:pointerup=cb(on_up) on:pointercancel=cb(move |_| dragging.set(None))
                on:keydown=cb(on_key) on:focus=cb(move |_| selected.set(Some(idx)))>
                <span class="marker-symbol" aria-hidden="true">{m.symbol}</span>
                <span class="marker-label">{m.label.clone()}</span>
            </button>
        }
    };

    let track = move || {
        let s = script.get();
        let ms = chaos::markers(&s);
        let n = ms.len();
        let spans = chaos::spans(&s)
            .into_iter()
            .map(|(i, j)| {
                let (a, b) = (s[i].at.as_secs_f64(), s[j].at.as_secs_f64());
                let at = move |k: usize, t: f64| dragging.get().filter(|d| d.0 == k).map_or(t, |d| d.1);
                view! {
                    <div class="chaos-span" aria-hidden="true"
                        style:--a=move || format!("{:.3}", at(i, a).min(at(j, b)))
                        style:--b=move || format!("{:.3}", at(i, a).max(at(j, b)))></div>
                }
                .into_any()
            })
            .collect::<Vec<_>>();
        let times: Vec<f64> = ms.iter().map(|m| m.at.as_secs_f64()).collect();
        let markers = ms
            .into_iter()
            .enumerate()
            .map(|(i, m)| {
                let next = times[i + 1..].iter().copied().find(|&u| u > times[i]);
                marker_view(i, m, n, next)
            })
            .collect::<Vec<_>>();
        (spans, markers)
    };

    // The "Add" palette: the scene's actions, placed at the cursor. A parameter change opens the editor on
    // the new entry, to type its value.
    let stage = memo(move |_| {
        session.panels.with(|ps| {
            ps.iter().find_map(|p| match p {
                Panel::Topology(t) => Some(chaos::StageNames::of(t)),
                _ => None,
            })
        })
    });
    let palette = memo(move |_| {
        let params = session.params.get_untracked();
        stage.with(|st| {
            chaos::palette(session.scene, st.as_ref(), |name| {
                let spec = session.scene.params().iter().find(|s| s.name == name);
                spec.zip(params.get(name)).map(|(s, v)| s.format(&v)).unwrap_or_default()
            })
        })
    });
    let on_add = move |e: web_sys::Event| {
        let Some(sel) = e.target().and_then(|t| t.dyn_into::<web_sys::HtmlSelectElement>().ok()) else { return };
        let choice = sel.value().parse::<usize>().ok();
        sel.set_value("");
        let Some(entry) = choice.and_then(|i| palette.with_untracked(|p| p.get(i).cloned())) else { return };
        let action = Action { at: session.now.get_untracked(), kind: entry.kind };
        let is_set = matches!(action.kind, faultline_sim::scene::ActionKind::Set { .. });
        match chaos::added(&script.get_untracked(), action) {
            Some((new, at)) => {
                let text = new[at].to_string();
                commit(new, Some(at));
                if is_set {
                    editing.set(Some((at, text)));
                }
            }
            None => {
                session.notice(format!("the fault script is full ({} entries): remove one first", chaos::MAX_ACTIONS))
            }
        }
    };

    let editor = move || {
        editing.get().map(|(idx, text)| {
            let input = NodeRef::<leptos::html::Input>::new();
            effect(move || {
                if let Some(i) = input.get() {
                    let _ = i.focus();
                    i.select();
                }
            });
            let apply = move || {
                let Some(i) = input.get_untracked() else { return };
                match chaos::replaced(session.scene, &script.get_untracked(), idx, &i.value()) {
                    Ok((new, at)) => {
                        editing.set(None);
                        commit(new, Some(at));
                    }
                    Err(e) => session.notice(e),
                }
            };
            view! {
                <div class="chaos-editor">
                    <label>"Edit entry "
                        <input type="text" data-testid="chaos-edit" node_ref=input value=text spellcheck="false" size="28"
                            on:keydown=cb(move |e: web_sys::KeyboardEvent| match e.key().as_str() {
                                "Enter" => { e.prevent_default(); apply() }
                                "Escape" => { e.prevent_default(); editing.set(None); focus_marker_later(lane, idx) }
                                _ => {}
                            }) />
                    </label>
                    <button type="button" on:click=cb(move |_| apply())>"Apply"</button>
                    <button type="button" on:click=cb(move |_| remove(idx))>"Remove"</button>
                    <button type="button" on:click=cb(move |_| editing.set(None))>"Cancel"</button>
                    <span class="muted">"time:verb:args, e.g. 12.5:crash:dependency"</span>
                </div>
            }
        })
    };

    let (can_undo, can_redo) = (move || session.undo_state.get().0, move || session.undo_state.get().1);
    view! {
        <div class="chaos" data-testid="chaos-track" role="group" aria-label="Fault script">
            <div class="chaos-lane" node_ref=lane style:--max=move || format!("{:.3}", max_s.get().max(1e-3))>{move || track()}</div>
            <div class="chaos-bar">
                <span class="chaos-title">"Faults"</span>
                <select data-testid="chaos-add" aria-label="Add a fault at the cursor" on:change=cb(on_add)>
                    <option value="" selected>"Add at the cursor …"</option>
                    {move || palette.get().into_iter().enumerate().map(|(i, p)| view! { <option value=i.to_string()>{p.label}</option> }.into_any()).collect::<Vec<_>>()}
                </select>
                <button type="button" data-testid="undo" disabled=move || !can_undo() on:click=cb(move |_| session.undo())
                    title="Undo the last change to the fault script (Ctrl+Z)">"Undo"</button>
                <button type="button" data-testid="redo" disabled=move || !can_redo() on:click=cb(move |_| session.redo())
                    title="Redo (Ctrl+Shift+Z)">"Redo"</button>
                <span class="muted chaos-count" data-testid="chaos-count">{move || match script.with(|s| s.len()) {
                    0 => "no faults yet: click the stage or add one".to_string(),
                    1 => "1 entry".to_string(),
                    n => format!("{n} entries"),
                }}</span>
            </div>
            {move || editor()}
        </div>
    }
}
