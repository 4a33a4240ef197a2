//! The transport: play/pause, "next notable moment", single-event step, speed, reset, seed, the scrubber
//! over virtual time with the run's notable moments as ticks on it, the time readout, and (full page) the
//! chaos timeline on the scrubber's time axis; the slow-motion toggle and, while it slows playback, its
//! indicator ("0.1× — key #1 expired at 0.703 s").

use faultline_sim::kernel::SimTime;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::core::format::{speed as speed_text, time_readout};
use crate::session::Session;
use crate::url_state::SPEEDS;
use crate::widgets::cb;
use crate::widgets::chaos::ChaosTrack;
use crate::widgets::{RowKey, keyed, memo};

/// The scrubber reaches at least this far, so a fresh run has room to drag into.
const MIN_SCRUB_S: f64 = 30.0;

/// The scrubber's span (s) once the run has reached `reached_s`: at least [`MIN_SCRUB_S`], then growing in
/// steps of ×1.5 and ×4/3 (30, 45, 60, 90, 120, 180, 240 s …) that keep the reached moment in the right
/// part of the track. A span that followed the run would move the axis, its notable ticks and the fault
/// markers on every frame of play (a restyle of all of them per frame); this one moves them at a step.
pub fn scrub_span(reached_s: f64) -> f64 {
    let mut span = MIN_SCRUB_S;
    if reached_s.is_nan() {
        return span;
    }
    let mut half_step = true;
    // Bounded: a run is at most days of virtual time, and 200 steps pass 1e30 s.
    for _ in 0..200 {
        if span >= reached_s {
            break;
        }
        span *= if half_step { 1.5 } else { 4.0 / 3.0 };
        half_step = !half_step;
    }
    span
}

fn target_value(e: &web_sys::Event) -> String {
    e.target()
        .and_then(|t| {
            t.clone()
                .dyn_into::<web_sys::HtmlInputElement>()
                .map(|i| i.value())
                .ok()
                .or_else(|| t.dyn_into::<web_sys::HtmlSelectElement>().ok().map(|s| s.value()))
        })
        .unwrap_or_default()
}

/// The transport; `compact` (embeds) keeps play, next, reset and the scrubber, and leaves out single-event
/// step, speed and seed.
#[component]
pub fn Transport(session: Session, compact: bool) -> impl IntoView {
    let playing = session.playing;
    let scrub_max_m = memo(move |_| scrub_span(session.reached.get().as_secs_f64()));
    let scrub_max = move || scrub_max_m.get();
    let now_s = move || session.now.get().as_secs_f64();
    let on_scrub = move |e: web_sys::Event| {
        if let Ok(v) = target_value(&e).parse::<f64>() {
            session.seek(SimTime::from_secs_f64(v));
        }
    };
    // Notable moments as ticks under the scrubber (the ones the run has reached so far). Each tick's place is
    // its time in seconds (`--t`) and the track's span one variable (`--max`), so the track growing every
    // frame costs one style change, not one per tick. A busy run's thousands of moments are thinned to one
    // tick per kind per 1/400 of a span that only changes when the run doubles in length, and ticks are
    // keyed, so a new moment adds one element instead of redrawing the rest.
    let span = memo(move |_| scrub_max().log2().ceil().exp2());
    let ticks = memo(move |_| {
        let bucket = span.get() / 400.0;
        let mut seen = std::collections::HashSet::new();
        session.notable.with(|ns| {
            ns.iter()
                .filter_map(|n| {
                    let b = (n.t.as_secs_f64() / bucket) as u32;
                    seen.insert((n.kind, b)).then(|| (n.kind, b, n.t, n.text.clone()))
                })
                .collect::<Vec<_>>()
        })
    });
    let on_speed = move |e: web_sys::Event| {
        if let Ok(v) = target_value(&e).parse::<f64>() {
            session.set_speed(v);
        }
    };
    let on_seed = move |e: web_sys::Event| {
        let text = target_value(&e);
        match text.trim().parse::<u64>() {
            Ok(s) => session.set_seed(s),
            Err(_) => {
                session.notice(format!(
                    "seed '{text}' is not a whole number from 0 to {}; kept {}",
                    u64::MAX,
                    session.seed.get_untracked()
                ));
                if let Some(i) = e.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) {
                    i.set_value(&session.seed.get_untracked().to_string());
                }
            }
        }
    };
    view! {
        <div class="transport" role="group" aria-label="Transport">
            <button class="primary play" data-testid="play" aria-pressed=move || if playing.get() { "true" } else { "false" }
                on:click=cb(move |_| session.toggle_play()) title="Play / pause (space)">
                <span aria-hidden="true">{move || if playing.get() { "❚❚ " } else { "▶ " }}</span>
                {move || if playing.get() { "Pause" } else { "Play" }}
            </button>
            <button data-testid="next-notable" on:click=cb(move |_| session.next_notable())
                title="Jump to the next notable moment: a transition, an expiry, a fault (→)">"Next »"</button>
            {(!compact).then(|| view! {
                <button data-testid="step" on:click=cb(move |_| session.step()) title="Process the next single event (.)">"Step"</button>
            }.into_any())}
            <button data-testid="reset" on:click=cb(move |_| session.reset()) title="Back to t = 0 (r)">"Reset"</button>
            <button class="slow-toggle" data-testid="slow-toggle" on:click=cb(move |_| session.set_slow(!session.slow.get_untracked()))
                aria-pressed=move || if session.slow.get() { "true" } else { "false" }
                title="Slow motion: ease down around each notable moment, then back up (s)">"Slow motion"</button>
            {(!compact).then(|| view! {
                <label class="inline">"Speed "
                    <select data-testid="speed" on:change=cb(on_speed) prop:value=move || session.speed.get().to_string()>
                        {SPEEDS.iter().map(|s| {
                            let s = *s;
                            view! { <option value=s.to_string() selected=move || (session.speed.get() - s).abs() < 1e-9>{speed_text(s)}</option> }.into_any()
                        }).collect::<Vec<_>>()}
                    </select>
                </label>
                <label class="inline">"Seed "
                    <input class="seed" type="text" inputmode="numeric" data-testid="seed" size="8"
                        prop:value=move || session.seed.get().to_string() on:change=cb(on_seed)
                        title="Same seed, same run: every random draw comes from it" />
                </label>
            }.into_any())}
            <div class="scrub">
                <div class="scrub-track">
                    <input type="range" data-testid="scrubber" aria-label="Time" min="0" step="0.01"
                        max=move || format!("{:.2}", scrub_max()) prop:value=move || format!("{:.2}", now_s())
                        on:input=cb(on_scrub) />
                    <div class="ticks" aria-hidden="true" style:--max=move || format!("{:.3}", scrub_max())>
                        {keyed(move || ticks.with(|ts| ts.iter().map(tick_key).collect()), move |k| {
                            ticks.with_untracked(|ts| ts.iter().find(|x| tick_key(x) == k).cloned()).map(|(kind, _, t, text)| view! {
                                <span class=format!("tick tick-{kind}") data-testid="tick" style=format!("--t:{:.3}", t.as_secs_f64())
                                    title=format!("{}: {}", crate::core::format::secs(t), text)></span>
                            }.into_any()).into_any()
                        })}
                    </div>
                    {(!compact).then(|| view! { <ChaosTrack session max_s=Signal::derive(scrub_max) /> }.into_any())}
                </div>
                <output class="time" data-testid="time" aria-live="off">{move || time_readout(session.now.get())}</output>
                <SlowIndicator session />
                {move || session.fast_forward.get().map(|f| view! {
                    <span class="fast-forward" data-testid="fast-forward" role="status">
                        {format!("fast-forwarding to the link's moment… {:.0}%", f * 100.0)}
                    </span>
                }.into_any())}
            </div>
        </div>
    }
}

/// A tick's row key: its kind and its bucket (one tick per kind per bucket).
fn tick_key((kind, b, _, _): &(&'static str, u32, SimTime, String)) -> RowKey {
    (faultline_sim::kernel::fnv1a(kind.as_bytes()), *b as u64)
}

/// A playback rate in a few characters: "0.1×", "0.37×", "2×".
fn rate_text(r: f64) -> String {
    if r >= 1.0 {
        return speed_text((r * 10.0).round() / 10.0);
    }
    let s = format!("{r:.2}");
    format!("{}×", s.trim_end_matches('0').trim_end_matches('.'))
}

/// While slow motion slows playback: the rate and the moment it slows for. With reduced motion: the moment
/// playback stopped at. A polite status says the moment once (not the rate changing every frame).
#[component]
fn SlowIndicator(session: Session) -> impl IntoView {
    let label = memo(move |_| {
        if let Some(m) = session.stopped_at.get() {
            return Some(format!("Paused at {}: {} — press play to go on", crate::core::format::secs(m.t), m.label));
        }
        session.pacing.with(|p| p.mark.as_ref().map(|m| m.label.clone()))
    });
    let visible = move || {
        if let Some(m) = session.stopped_at.get() {
            return Some((String::from("⏸"), format!("{} — press play to go on", m.label)));
        }
        session.pacing.with(|p| p.mark.as_ref().map(|m| (rate_text(p.factor * session.speed.get()), m.label.clone())))
    };
    view! {
        {move || visible().map(|(rate, label)| view! {
            <span class="slowmo" data-testid="slowmo" aria-hidden="true">
                <strong class="slowmo-rate">{rate}</strong>" — "{label}
            </span>
        }.into_any())}
        <span class="sr-only" role="status" data-testid="slowmo-status">
            {move || label.get().map(|l| format!("Slow motion: {l}")).unwrap_or_default()}
        </span>
    }
}

#[cfg(test)]
mod tests {
    use super::scrub_span;

    #[test]
    fn the_scrubber_grows_in_steps_that_hold_the_reached_moment() {
        assert_eq!(scrub_span(0.0), 30.0);
        assert_eq!(scrub_span(30.0), 30.0);
        assert_eq!(scrub_span(30.01), 45.0);
        assert_eq!(scrub_span(50.0), 60.0);
        assert_eq!(scrub_span(61.0), 90.0);
        assert_eq!(scrub_span(100.0), 120.0);
        assert_eq!(scrub_span(121.0), 180.0);
        let mut last = 0.0;
        for k in 0..5_000 {
            let reached = k as f64 * 0.37;
            let span = scrub_span(reached);
            assert!(span >= reached && span >= last, "reached {reached}: span {span} (was {last})");
            // The reached moment sits in the right part of the track once past the minimum.
            assert!(reached <= 30.0 || reached / span > 0.66, "reached {reached}: span {span}");
            last = span;
        }
        assert!(scrub_span(f64::INFINITY).is_finite());
        assert_eq!(scrub_span(f64::NAN), 30.0);
    }
}
