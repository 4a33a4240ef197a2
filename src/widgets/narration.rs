//! Narration: the run's event log, newest first, each line saying why with the numbers; plus a polite
//! aria-live region that reads out at most one new line a second (the session throttles it).

use leptos::prelude::*;

use crate::core::format::secs;
use crate::session::Session;

#[component]
pub fn Narration(session: Session) -> impl IntoView {
    view! {
        <section class="panel narration-panel" aria-labelledby="narration-title">
            <h2 id="narration-title">"What happened"</h2>
            <ol class="narration" data-testid="narration" reversed>
                <For each=move || session.log.get() key=|l| (l.idx, l.t) let:line>
                    <li class=format!("log-{}", line.kind)>
                        <span class="log-t">{format!("t={}", secs(line.t))}</span>" "{line.text}
                    </li>
                </For>
            </ol>
            {move || session.log.with(|l| l.is_empty()).then(|| view! {
                <p class="muted">{move || if session.playing.get() { "Nothing notable yet." } else { "Nothing notable yet. Press play." }}</p>
            })}
            <div class="sr-only" aria-live="polite" data-testid="announcer">{move || session.announcement.get()}</div>
        </section>
    }
}
