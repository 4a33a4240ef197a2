//! The correctness panel: the scene's invariants and anomaly counters, live. A violated invariant shows
//! ✕ with a link that jumps to the moment it first happened.

use faultline_sim::scene::CounterView;
use leptos::prelude::*;

use crate::core::format::secs;
use crate::session::Session;
use crate::widgets::cb;
use crate::widgets::{keyed, memo};

#[component]
pub fn Counters(session: Session) -> impl IntoView {
    // Rows are keyed by counter and update in place: a busy run's counts change every frame, and a row
    // rebuilt per change cost three list items a frame.
    view! {
        <section class="panel" aria-labelledby="counters-title">
            <h2 id="counters-title">"Correctness"</h2>
            <ul class="counters" data-testid="counters">
                {keyed(move || session.counters.with(|cs| cs.iter().map(|c| (name_key(c.name), 0)).collect()), move |(k, _)| {
                    let name = session.counters.with_untracked(|cs| cs.iter().find(|c| name_key(c.name) == k).map(|c| c.name));
                    name.map(|name| counter_row(session, name)).into_any()
                })}
            </ul>
        </section>
    }
}

/// A counter's row key: its name, hashed.
fn name_key(name: &str) -> u64 {
    faultline_sim::kernel::fnv1a(name.as_bytes())
}

fn counter_row(session: Session, name: &'static str) -> impl IntoView {
    let c = memo(move |_| session.counters.with(|cs| cs.iter().find(|c| c.name == name).cloned()));
    let field = move |f: fn(&CounterView) -> String| c.with(|c| c.as_ref().map(f).unwrap_or_default());
    let ok = memo(move |_| c.with(|c| c.as_ref().is_none_or(|c| !c.must_be_zero || c.value == 0)));
    let must_be_zero = memo(move |_| c.with(|c| c.as_ref().is_some_and(|c| c.must_be_zero)));
    let mark = move || {
        if !must_be_zero.get() {
            "•"
        } else if ok.get() {
            "✓"
        } else {
            "✕"
        }
    };
    let first_at = memo(move |_| {
        c.with(|c| c.as_ref().and_then(|c| (c.must_be_zero && c.value > 0).then_some(c.first_at).flatten()))
    });
    let jump = move || {
        first_at.get().map(|at| {
            view! {
                " "
                <button class="link" data-testid=format!("counter-{name}-jump")
                    on:click=cb(move |_| { session.playing.set(false); session.seek(at); })>
                    {format!("first at t={} (jump)", secs(at))}
                </button>
            }
        })
    };
    view! {
        <li class="counter" class:bad=move || !ok.get() title=move || field(|c| c.help.to_string())>
            <span class="mark" aria-hidden="true">{move || mark()}</span>
            <span data-testid=format!("counter-{name}")>{move || field(|c| format!("{}: {}", c.label, c.value))}</span>
            <span class="sr-only">{move || if ok.get() { " (as it must be)" } else { " (violated)" }}</span>
            {move || jump()}
        </li>
    }
}
