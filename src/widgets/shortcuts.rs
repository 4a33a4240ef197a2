//! Keyboard shortcuts (space play/pause, → step, + / − speed, r reset, ? help) and their help dialog.
//! Keys typed into a field are never taken as shortcuts.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::session::Session;

fn typing_or_pressing(e: &web_sys::KeyboardEvent) -> (bool, bool) {
    let Some(el) = e.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) else { return (false, false) };
    let tag = el.tag_name().to_ascii_lowercase();
    let typing = matches!(tag.as_str(), "input" | "textarea" | "select") || el.has_attribute("contenteditable");
    // Space on a focused button or link activates it natively; don't also toggle play.
    let pressing =
        matches!(tag.as_str(), "button" | "a" | "summary") || el.get_attribute("role").as_deref() == Some("button");
    (typing, pressing)
}

#[component]
pub fn Shortcuts(session: Session) -> impl IntoView {
    let open = RwSignal::new(false);
    let handle = window_event_listener(leptos::ev::keydown, move |e| {
        if e.ctrl_key() || e.meta_key() || e.alt_key() {
            return;
        }
        let (typing, pressing) = typing_or_pressing(&e);
        let key = e.key();
        if key == "Escape" && open.get_untracked() {
            open.set(false);
            return;
        }
        if typing {
            return;
        }
        match key.as_str() {
            " " | "k" if !pressing => session.toggle_play(),
            "ArrowRight" => session.step(),
            "+" | "=" => session.nudge_speed(1),
            "-" | "_" => session.nudge_speed(-1),
            "r" | "R" => session.reset(),
            "?" => open.update(|o| *o = !*o),
            _ => return,
        }
        e.prevent_default();
    });
    on_cleanup(move || handle.remove());
    view! {
        <button class="shortcut-button" on:click=move |_| open.update(|o| *o = !*o) aria-haspopup="dialog"
            title="Keyboard shortcuts (?)">"Keys ?"</button>
        <Show when=move || open.get()>
            <div class="dialog-backdrop" on:click=move |_| open.set(false)>
                <div class="dialog" role="dialog" aria-modal="true" aria-labelledby="shortcuts-title" data-testid="shortcuts"
                    on:click=|e| e.stop_propagation()>
                    <h2 id="shortcuts-title">"Keyboard shortcuts"</h2>
                    <dl class="keys">
                        <dt><kbd>"Space"</kbd></dt><dd>"play / pause"</dd>
                        <dt><kbd>"→"</kbd></dt><dd>"step to the next event"</dd>
                        <dt><kbd>"+"</kbd>" "<kbd>"−"</kbd></dt><dd>"faster / slower"</dd>
                        <dt><kbd>"r"</kbd></dt><dd>"reset to t = 0"</dd>
                        <dt><kbd>"?"</kbd></dt><dd>"show / hide this help"</dd>
                        <dt><kbd>"Tab"</kbd></dt><dd>"move between controls; Enter on a node or link injects its fault"</dd>
                    </dl>
                    <button class="primary" on:click=move |_| open.set(false) autofocus>"Close"</button>
                </div>
            </div>
        </Show>
    }
}
