//! Keyboard shortcuts (Space play/pause, → next notable moment, . single event, + / − speed, r reset, s slow
//! motion, p presenter mode, ? help, Ctrl+Z / Ctrl+Shift+Z undo and redo over the fault script) and their help
//! dialog. Each shortcut taken is named in `Session::key_cue` ("Space — play"), which presenter mode shows
//! so a room sees what the presenter pressed.
//!
//! Space plays or pauses unless focus is where Space has its own meaning: a text field or a select, or a
//! button reached with the keyboard (Tab). A button merely clicked with the mouse keeps focus but not
//! Space: pressing Space then plays, instead of clicking that button again (re-applying a preset, reopening
//! a dialog). Keys typed into a field are never taken as shortcuts. The same listener runs in embeds, where
//! it works once the frame has focus.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::session::Session;
use crate::widgets::cb;
use crate::widgets::effect;
use crate::widgets::show;

/// (typing in a field, keyboard focus on something Space activates).
fn focus_context(e: &web_sys::KeyboardEvent) -> (bool, bool) {
    let Some(el) = e.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) else { return (false, false) };
    let tag = el.tag_name().to_ascii_lowercase();
    let typing = matches!(tag.as_str(), "input" | "textarea" | "select") || el.has_attribute("contenteditable");
    let activatable =
        matches!(tag.as_str(), "button" | "a" | "summary") || el.get_attribute("role").as_deref() == Some("button");
    // Reached with the keyboard: the browser shows a focus ring (`:focus-visible`); after a mouse click it
    // does not, and Space goes back to playing.
    let keyboard_focus = activatable && el.matches(":focus-visible").unwrap_or(true);
    (typing, keyboard_focus)
}

/// Gives focus back to the page: closing a dialog must not leave it on the button that opened it (Space
/// would click that button again instead of playing).
fn release_focus() {
    if let Some(el) = document().active_element().and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()) {
        let _ = el.blur();
    }
}

/// The keyboard listener alone (embeds mount it without the help button).
pub fn listen(session: Session, help_open: Option<RwSignal<bool>>) {
    let handle = window_event_listener(leptos::ev::keydown, move |e| {
        let (typing, keyboard_focus) = focus_context(&e);
        if (e.ctrl_key() || e.meta_key()) && !e.alt_key() && !typing && !session.embed {
            // Undo / redo over the fault script (a field keeps its own undo).
            match e.key().as_str() {
                "z" | "Z" if e.shift_key() => session.redo(),
                "z" | "Z" => session.undo(),
                "y" | "Y" => session.redo(),
                _ => return,
            }
            e.prevent_default();
            return;
        }
        if e.ctrl_key() || e.meta_key() || e.alt_key() {
            return;
        }
        let key = e.key();
        if key == "Escape"
            && let Some(open) = help_open
            && open.get_untracked()
        {
            open.set(false);
            release_focus();
            e.prevent_default();
            return;
        }
        if typing {
            return;
        }
        let cue = match key.as_str() {
            " " | "k" if !keyboard_focus => {
                session.toggle_play();
                if session.playing.get_untracked() { "play" } else { "pause" }
            }
            "ArrowRight" if e.shift_key() => {
                session.step();
                "one event"
            }
            "ArrowRight" => {
                session.next_notable();
                "next notable moment"
            }
            "." => {
                session.step();
                "one event"
            }
            "+" | "=" => {
                session.nudge_speed(1);
                "faster"
            }
            "-" | "_" => {
                session.nudge_speed(-1);
                "slower"
            }
            "r" | "R" => {
                session.reset();
                "reset"
            }
            "s" | "S" => {
                session.set_slow(!session.slow.get_untracked());
                if session.slow.get_untracked() { "slow motion on" } else { "slow motion off" }
            }
            "p" | "P" => {
                session.set_present(!session.present.get_untracked());
                if session.present.get_untracked() { "presenter mode" } else { "presenter mode off" }
            }
            "?" => match help_open {
                Some(open) => {
                    open.update(|o| *o = !*o);
                    "help"
                }
                None => return,
            },
            _ => return,
        };
        let name = match key.as_str() {
            " " => "Space".to_string(),
            "ArrowRight" if e.shift_key() => "Shift →".to_string(),
            "ArrowRight" => "→".to_string(),
            k => k.to_string(),
        };
        session.key_cue.update(|c| {
            let n = c.as_ref().map_or(0, |c| c.0) + 1;
            *c = Some((n, format!("{name} — {cue}")));
        });
        e.prevent_default();
    });
    on_cleanup(move || handle.remove());
}

#[component]
pub fn Shortcuts(session: Session) -> impl IntoView {
    let open = RwSignal::new(false);
    listen(session, Some(open));
    // Closing the dialog hands focus back to the page, not to the button that opened it, so Space plays.
    let close = move || {
        open.set(false);
        release_focus();
    };
    // Opening it moves focus into it (a dialog added to the page does not take `autofocus`).
    let close_ref = NodeRef::<leptos::html::Button>::new();
    effect(move || {
        if open.get()
            && let Some(b) = close_ref.get()
        {
            let _ = b.focus();
        }
    });
    view! {
        <button class="shortcut-button" data-testid="keys-button" on:click=cb(move |_| open.update(|o| *o = !*o))
            aria-haspopup="dialog" title="Keyboard shortcuts (?)">"Keys ?"</button>
        {show(move || open.get(), move || view! {
            <div class="dialog-backdrop" on:click=cb(move |_| close())>
                <div class="dialog" role="dialog" aria-modal="true" aria-labelledby="shortcuts-title" data-testid="shortcuts"
                    on:click=cb(|e: web_sys::MouseEvent| e.stop_propagation())>
                    <h2 id="shortcuts-title">"Keyboard shortcuts"</h2>
                    <dl class="keys">
                        <dt><kbd>"Space"</kbd></dt><dd>"play / pause"</dd>
                        <dt><kbd>"→"</kbd></dt><dd>"jump to the next notable moment (a transition, an expiry, a fault)"</dd>
                        <dt><kbd>"."</kbd>" "<kbd>"Shift →"</kbd></dt><dd>"step to the next single event"</dd>
                        <dt><kbd>"+"</kbd>" "<kbd>"−"</kbd></dt><dd>"faster / slower"</dd>
                        <dt><kbd>"r"</kbd></dt><dd>"reset to t = 0"</dd>
                        <dt><kbd>"s"</kbd></dt><dd>"slow motion around notable moments on / off"</dd>
                        <dt><kbd>"p"</kbd></dt><dd>"presenter mode on / off (big type, stage, one chart, narration)"</dd>
                        <dt><kbd>"Ctrl Z"</kbd>" "<kbd>"Ctrl Shift Z"</kbd></dt><dd>"undo / redo a change to the fault script"</dd>
                        <dt>"On a fault marker"</dt><dd>"← → move it 0.1 s (Shift: 1 s), Delete removes it, Enter edits it"</dd>
                        <dt><kbd>"["</kbd>" "<kbd>"]"</kbd></dt><dd>"on a guided tour: previous / next step"</dd>
                        <dt><kbd>"?"</kbd></dt><dd>"show / hide this help"</dd>
                        <dt><kbd>"Tab"</kbd></dt><dd>"move between controls; Enter on a node or link injects its fault"</dd>
                    </dl>
                    <button class="primary" node_ref=close_ref on:click=cb(move |_| close())>"Close"</button>
                </div>
            </div>
        }.into_any())}
    }
}
