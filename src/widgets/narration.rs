//! Narration: the run's event log, newest first, each line saying why with the numbers; a burst of one kind
//! (hundreds of keys expiring within a second) is one line the reader can open. The box has a fixed height
//! and scrolls, so nothing below it moves while the run plays. A polite aria-live region reads out at most
//! one new line a second (the session throttles it).

use leptos::prelude::*;

use crate::core::format::secs;
use crate::session::{LogLine, Session};

#[component]
pub fn Narration(session: Session) -> impl IntoView {
    view! {
        <section class="panel narration-panel" aria-labelledby="narration-title">
            <h2 id="narration-title">"What happened"</h2>
            // Focusable, so a keyboard reader can scroll the history (it has no controls of its own).
            <div class="narration-box" tabindex="0" role="region" aria-label="Narration, newest first">
                <ol class="narration" data-testid="narration" reversed>
                    <For each=move || session.log.get() key=|l| (l.idx, l.t, l.burst.len()) let:line>
                        {line_view(line)}
                    </For>
                </ol>
                {move || session.log.with(|l| l.is_empty()).then(|| view! {
                    <p class="muted narration-empty">{move || if session.playing.get() { "Nothing notable yet." } else { "Nothing notable yet. Press play." }}</p>
                })}
            </div>
            <div class="sr-only" aria-live="polite" data-testid="announcer">{move || session.announcement.get()}</div>
        </section>
    }
}

fn line_view(line: LogLine) -> impl IntoView {
    let class = format!("log-{}", line.kind);
    if line.burst.is_empty() {
        return view! {
            <li class=class>
                <span class="log-t">{format!("t={}", secs(line.t))}</span>" "{line.text}
            </li>
        }
        .into_any();
    }
    let n = line.burst.len();
    let entries = line
        .burst
        .into_iter()
        .take(100)
        .map(|(t, text)| view! { <li><span class="log-t">{format!("t={}", secs(t))}</span>" "{text}</li> })
        .collect::<Vec<_>>();
    view! {
        <li class=format!("{class} log-burst") data-burst=n>
            <details>
                <summary><span class="log-t">{format!("t={}", secs(line.t))}</span>" "{line.text}</summary>
                <ol class="burst-lines">{entries}{(n > 100).then(|| view! { <li class="muted">{format!("… and {} more", n - 100)}</li> })}</ol>
            </details>
        </li>
    }
    .into_any()
}

/// The latest narration line alone (embeds show it under the stage).
#[component]
pub fn LatestLine(session: Session) -> impl IntoView {
    view! {
        <p class="latest-line" data-testid="latest-line" aria-live="off">
            {move || session.log.with(|l| l.first().map(|l| view! {
                <span class="log-t">{format!("t={}", secs(l.t))}</span>" "{l.text.clone()}
            }.into_any()).unwrap_or_else(|| view! { <span class="muted">"Press play: the story starts within seconds."</span> }.into_any()))}
        </p>
    }
}
