//! The correctness panel: the scene's invariants and anomaly counters, live. A violated invariant shows
//! ✕ with a link that jumps to the moment it first happened.

use faultline_sim::scene::CounterView;
use leptos::prelude::*;

use crate::core::format::secs;
use crate::session::Session;

#[component]
pub fn Counters(session: Session) -> impl IntoView {
    view! {
        <section class="panel" aria-labelledby="counters-title">
            <h2 id="counters-title">"Correctness"</h2>
            <ul class="counters" data-testid="counters">
                <For each=move || session.counters.get() key=|c| (c.name, c.value, c.first_at) let:c>
                    {counter_row(session, c)}
                </For>
            </ul>
        </section>
    }
}

fn counter_row(session: Session, c: CounterView) -> impl IntoView {
    let ok = !c.must_be_zero || c.value == 0;
    let mark = if !c.must_be_zero {
        "•"
    } else if ok {
        "✓"
    } else {
        "✕"
    };
    let jump = (c.must_be_zero && c.value > 0).then_some(c.first_at).flatten().map(|at| {
        view! {
            " "
            <button class="link" data-testid=format!("counter-{}-jump", c.name)
                on:click=move |_| { session.playing.set(false); session.seek(at); }>
                {format!("first at t={} (jump)", secs(at))}
            </button>
        }
    });
    view! {
        <li class="counter" class:bad=!ok title=c.help>
            <span class="mark" aria-hidden="true">{mark}</span>
            <span data-testid=format!("counter-{}", c.name)>{format!("{}: {}", c.label, c.value)}</span>
            <span class="sr-only">{if ok { " (as it must be)" } else { " (violated)" }}</span>
            {jump}
        </li>
    }
}
