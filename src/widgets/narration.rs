//! Narration: the run's event log, newest first, each line saying why with the numbers; a burst of one kind
//! (hundreds of keys expiring within a second) is one line the reader can open. The box has a fixed height
//! and scrolls, so nothing below it moves while the run plays. A polite aria-live region reads out at most
//! one new line a second (the session throttles it).

use leptos::prelude::*;

use crate::core::format::secs;
use faultline_sim::kernel::SimTime;

use crate::session::{BURST_KEPT, LogLine, Session};
use crate::widgets::{RowKey, cb, keyed, memo};

#[component]
pub fn Narration(session: Session) -> impl IntoView {
    view! {
        <section class="panel narration-panel" aria-labelledby="narration-title">
            <h2 id="narration-title">"What happened"</h2>
            // Focusable, so a keyboard reader can scroll the history (it has no controls of its own).
            <div class="narration-box" tabindex="0" role="region" aria-label="Narration, newest first">
                <ol class="narration" data-testid="narration" reversed>
                    // Keyed by where a line starts, not by its size: the newest burst grows every frame of a
                    // busy run, and rebuilding it (up to 100 entries) each time was most of the narration's cost.
                    {keyed(
                        move || session.log.with(|ls| ls.iter().map(|l| row_key(key(l))).collect()),
                        move |k| line_view(session, line_key(k)).into_any(),
                    )}
                </ol>
                {move || session.log.with(|l| l.is_empty()).then(|| view! {
                    <p class="muted narration-empty">{move || if session.playing.get() { "Nothing notable yet." } else { "Nothing notable yet. Press play." }}</p>
                }.into_any())}
            </div>
            <div class="sr-only" aria-live="polite" data-testid="announcer">{move || session.announcement.get()}</div>
        </section>
    }
}

/// A line's identity: its first entry, and whether it is a burst (a line becomes one at its third entry).
type LineKey = (u64, SimTime, bool);

fn key(l: &LogLine) -> LineKey {
    (l.idx, l.t, l.burst_len > 0)
}

/// A line's key as a [`keyed`] row's: the time and the burst flag share the second number.
fn row_key((idx, t, burst): LineKey) -> RowKey {
    (idx, t.as_micros() << 1 | burst as u64)
}

fn line_key((idx, tb): RowKey) -> LineKey {
    (idx, SimTime::from_micros(tb >> 1), tb & 1 == 1)
}

fn line_view(session: Session, k: LineKey) -> impl IntoView {
    let Some(line) = session.log.with_untracked(|ls| ls.iter().find(|l| key(l) == k).cloned()) else {
        return ().into_any();
    };
    let class = format!("log-{}", line.kind);
    if line.burst_len == 0 {
        return view! {
            <li class=class>
                <span class="log-t">{format!("t={}", secs(line.t))}</span>" "{line.text}
            </li>
        }
        .into_any();
    }
    // A burst grows in place: its summary and count follow the log, its entries (oldest first, so the
    // ones shown never change) are appended.
    let now =
        memo(move |_| session.log.with(|ls| ls.iter().find(|l| key(l) == k).map(|l| (l.text.clone(), l.burst_len))));
    let n = move || now.with(|x| x.as_ref().map_or(0, |x| x.1));
    let text = move || now.with(|x| x.as_ref().map(|x| x.0.clone()).unwrap_or_default());
    let entry = move |i: usize| {
        let (t, text) = session
            .log
            .with_untracked(|ls| ls.iter().find(|l| key(l) == k).and_then(|l| l.burst.get(i).cloned()))
            .unwrap_or_default();
        view! { <li><span class="log-t">{format!("t={}", secs(t))}</span>" "{text}</li> }
    };
    // Its entries exist only while it is open: a closed burst of a busy run would otherwise add an element
    // every frame that nobody sees.
    let open = RwSignal::new(false);
    let on_toggle = move |e: web_sys::Event| {
        use wasm_bindgen::JsCast;
        if let Some(d) = e.target().and_then(|t| t.dyn_into::<web_sys::HtmlDetailsElement>().ok()) {
            open.set(d.open());
        }
    };
    let shown = move || if open.get() { n().min(BURST_KEPT) } else { 0 };
    let more = move || if open.get() { n().saturating_sub(BURST_KEPT) } else { 0 };
    view! {
        <li class=format!("{class} log-burst") data-burst=move || n()>
            <details on:toggle=cb(on_toggle)>
                <summary><span class="log-t">{format!("t={}", secs(line.t))}</span>" "{move || text()}</summary>
                <ol class="burst-lines">
                    {keyed(move || (0..shown() as u64).map(|i| (i, 0)).collect(), move |(i, _)| entry(i as usize).into_any())}
                    <li class="muted" hidden=move || more() == 0>{move || format!("… and {} more", more())}</li>
                </ol>
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
