//! Presenter mode (`present=1`, the "Present" button, `p`): the page keeps only the stage, one chart chosen by
//! the scene (its key chart, the first), the narration and the transport, in type legible from the back of a
//! room (every text ≥ 20 CSS px at 1280×720; the stage is drawn zoomed, see `stage::PRESENT_ZOOM`, and the latest
//! narration line sits right under the transport), with large
//! hit targets and a cue naming the last key pressed. The layout is CSS on a `presenting` class on `<body>`,
//! so entering or leaving keeps the run, its moment and whether it plays.

use std::time::Duration;

use leptos::prelude::*;

use crate::session::Session;
use crate::widgets::cb;
use crate::widgets::effect;
use crate::widgets::show;

/// How long the last-key cue stays up.
const CUE_MS: u64 = 1800;

/// Keeps `<body class="presenting">` in step with the session's presenter mode (removed when the page goes).
pub fn body_class(session: Session) {
    effect(move || {
        let on = session.present.get();
        if let Some(body) = document().body() {
            let _ = body.class_list().toggle_with_force("presenting", on);
        }
    });
    on_cleanup(|| {
        if let Some(body) = document().body() {
            let _ = body.class_list().remove_1("presenting");
        }
    });
}

/// The button that enters and leaves presenter mode.
#[component]
pub fn PresentButton(session: Session) -> impl IntoView {
    view! {
        <button class="present-toggle" data-testid="present-toggle"
            aria-pressed=move || if session.present.get() { "true" } else { "false" }
            on:click=cb(move |_| session.set_present(!session.present.get_untracked()))
            title="Presenter mode: stage, one chart, narration and transport in big type (p)">
            {move || if session.present.get() { "Leave presenter mode" } else { "Present" }}
        </button>
    }
}

/// In presenter mode, the last shortcut pressed ("Space — play") for a moment, so the room sees what
/// happened. Fades out (disappears without fading under reduced motion). The key's own effect is announced
/// by the control it changes, so the cue is hidden from assistive technology.
#[component]
pub fn KeyCue(session: Session) -> impl IntoView {
    let shown = RwSignal::new(None::<(u32, String)>);
    effect(move || {
        let cue = session.key_cue.get();
        if let Some((n, _)) = &cue {
            let n = *n;
            shown.set(cue.clone());
            set_timeout(
                move || {
                    if shown.try_with_untracked(|s| s.as_ref().is_some_and(|s| s.0 == n)).unwrap_or(false) {
                        shown.set(None);
                    }
                },
                Duration::from_millis(CUE_MS),
            );
        }
    });
    view! {
        {show(move || session.present.get(), move || view! {
            {move || shown.get().map(|(n, text)| view! {
                <div class="key-cue" data-testid="key-cue" data-n=n aria-hidden="true"><kbd>{text}</kbd></div>
            }.into_any())}
        }.into_any())}
    }
}
