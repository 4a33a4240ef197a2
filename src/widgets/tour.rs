//! The tour card: step k of n of a scene's guided tour, its text, and its prediction — radio buttons or a
//! number field with its unit, locked once the run moves past the step's moment — then, when the run has
//! simulated the prediction's window, the measured value and whether the answer was right. Back / next are
//! links (`?tour=ID&step=N`) and the `[` / `]` keys. Generic: every word shown comes from the tour's data.
//!
//! The card never touches the run: it asks the session for the measured value a few times a second at
//! most (only while the run is at or past the window's end) and reads published signals otherwise.

use faultline_sim::scene::Scene;
use faultline_sim::scene::tour::{Answer, Prediction, Verdict};
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::app::navigate;
use crate::session::{Session, wall_ms};
use crate::tour;
use crate::widgets::cb;
use crate::widgets::effect;
use crate::widgets::memo;

/// How often (wall ms) the card may ask for the measured value while the run is past the window's end.
const MEASURE_INTERVAL_MS: f64 = 250.0;

fn go(href: String) -> impl Fn(web_sys::MouseEvent) + Clone {
    move |e: web_sys::MouseEvent| {
        if !(e.ctrl_key() || e.meta_key() || e.shift_key() || e.button() != 0) {
            e.prevent_default();
            navigate(&href);
        }
    }
}

#[component]
pub fn TourCard(session: Session, scene: &'static dyn Scene, n: usize) -> impl IntoView {
    let steps = scene.tour();
    let Some(step) = tour::step(scene, n) else { return ().into_any() };
    let total = steps.len();
    // The state the step opened in: the prediction is scored only on that run (same parameters, seed, script).
    let inputs = step.inputs(scene).ok();
    let matches = memo(move |_| {
        let Some((p, s)) = &inputs else { return false };
        session.seed.get() == step.seed && session.base_params.with(|b| b == p) && session.script.with(|x| x == s)
    });

    // `[` back, `]` next (not while typing in a field).
    let key = window_event_listener(leptos::ev::keydown, move |e| {
        if e.ctrl_key() || e.meta_key() || e.alt_key() {
            return;
        }
        let typing = e.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()).is_some_and(|el| {
            matches!(el.tag_name().to_ascii_lowercase().as_str(), "input" | "textarea" | "select")
                && el.get_attribute("type").as_deref() != Some("radio")
        });
        if typing {
            return;
        }
        let target = match e.key().as_str() {
            "[" if n > 1 => n - 1,
            "]" if n < total => n + 1,
            _ => return,
        };
        e.prevent_default();
        navigate(&tour::step_href(scene.id(), target));
    });
    on_cleanup(move || key.remove());

    let back = (n > 1).then(|| {
        let href = tour::step_href(scene.id(), n - 1);
        view! { <a class="button" href=href.clone() on:click=cb(go(href)) data-testid="tour-back" aria-keyshortcuts="[">"← Back"</a> }
    });
    let next = if n < total {
        let href = tour::step_href(scene.id(), n + 1);
        view! { <a class="button primary" href=href.clone() on:click=cb(go(href)) data-testid="tour-next" aria-keyshortcuts="]">"Next →"</a> }
            .into_any()
    } else {
        view! { <a class="button" href="?" on:click=cb(go("?".to_string())) data-testid="tour-done">"All tours"</a> }
            .into_any()
    };

    let prediction =
        step.prediction.map(|p| view! { <PredictionForm session p step_at=step.at() matches /> }.into_any());

    view! {
        <section class="panel tour-card" aria-labelledby="tour-title" data-testid="tour-card"
            data-step=n.to_string() data-steps=total.to_string()>
            <p class="tour-kicker muted">{format!("Guided tour · step {n} of {total}")}</p>
            <h2 id="tour-title">{step.title}</h2>
            <p class="tour-text">{step.text}</p>
            {prediction}
            <nav class="tour-nav" aria-label="Tour steps">
                {back}
                {next}
                <span class="muted tour-keys">"Keys: "<kbd>"["</kbd>" back · "<kbd>"]"</kbd>" next"</span>
            </nav>
        </section>
    }
    .into_any()
}

#[component]
fn PredictionForm(
    session: Session,
    p: Prediction,
    step_at: faultline_sim::kernel::SimTime,
    matches: Memo<bool>,
) -> impl IntoView {
    let answer = RwSignal::new(None::<f64>);
    // Locked once the reader has pressed play or moved past the step's moment.
    let started = RwSignal::new(false);
    effect(move || {
        if !started.get_untracked() && (session.playing.get() || session.now.get() > step_at) {
            started.set(true);
        }
    });
    let locked = move || started.get();
    // The measured value, for the run the step opened (cleared when the reader changes that run).
    let measured = RwSignal::new(None::<f64>);
    let asked_at = StoredValue::new(f64::NEG_INFINITY);
    let paused_once = StoredValue::new(false);
    let (_, to) = p.window();
    effect(move || {
        let now = session.now.get();
        if !matches.get() {
            measured.set(None);
            return;
        }
        if measured.get_untracked().is_some() || now < to {
            return;
        }
        let wall = wall_ms();
        if wall - asked_at.get_value() < MEASURE_INTERVAL_MS && session.playing.get_untracked() {
            return;
        }
        asked_at.set_value(wall);
        if let Some(v) = session.measure_prediction(&p) {
            measured.set(Some(v));
            if !paused_once.get_value() {
                // Stop at the end of the window once, so the reader sees the moment that was measured.
                paused_once.set_value(true);
                session.playing.set(false);
            }
        }
    });

    let input = match p.answer {
        Answer::Numeric { unit, .. } => view! {
            <div class="tour-number">
                <label for="tour-answer">"Your answer"</label>
                <input id="tour-answer" type="number" step="any" inputmode="decimal" data-testid="tour-answer"
                    prop:disabled=move || locked()
                    on:input=cb(move |e| {
                        let v = event_target_value(&e).trim().parse::<f64>().ok().filter(|v| v.is_finite());
                        answer.set(v);
                    }) />
                <span class="unit">{unit}</span>
            </div>
        }
        .into_any(),
        Answer::Choice { options } => view! {
            <div class="tour-options" role="radiogroup" aria-labelledby="tour-question">
                {options.iter().enumerate().map(|(i, b)| view! {
                    <label class="tour-option">
                        <input type="radio" name="tour-answer" value=i.to_string()
                            data-testid=format!("tour-option-{i}") prop:disabled=move || locked()
                            on:change=cb(move |_| answer.set(Some(i as f64))) />
                        " "{b.label}
                    </label>
                }.into_any()).collect::<Vec<_>>()}
            </div>
        }
        .into_any(),
    };

    let verdict = move || {
        measured.get().map(|m| {
            let a = answer.get();
            let v = a.map(|a| p.score(a, m));
            let (class, mark, word) = match v {
                Some(Verdict::Right) => ("tour-result right", "✓", "right"),
                Some(Verdict::Wrong) => ("tour-result wrong", "✗", "wrong"),
                None => ("tour-result", "·", "none"),
            };
            view! {
                <div class=class data-testid="tour-result" data-verdict=word data-measured=m.to_string()>
                    <span class="tour-mark" aria-hidden="true">{mark}</span>
                    <div>
                        <p data-testid="tour-measured"><strong>{tour::measured_text(&p, m)}</strong></p>
                        <p data-testid="tour-verdict">{tour::verdict_text(&p, a, m)}</p>
                    </div>
                </div>
            }
        })
    };
    let status = move || {
        if measured.get().is_some() {
            None
        } else if !matches.get() {
            Some("The run no longer matches this step; reopen the step to check your answer.".to_string())
        } else if locked() {
            let secs = faultline_sim::scene::format_number(p.window_ms.1 as f64 / 1000.0, 0.001);
            Some(format!("Measuring until t = {secs} s…"))
        } else {
            None
        }
    };

    view! {
        <fieldset class="tour-prediction" data-testid="tour-prediction" data-locked=move || locked().to_string()>
            <legend id="tour-question">{p.question}</legend>
            {input}
            <div class="tour-play">
                <button class="primary" data-testid="tour-play" prop:disabled=move || locked()
                    on:click=cb(move |_| session.playing.set(true))>"▶ Play to see"</button>
                <span class="muted" data-testid="tour-status" aria-live="polite">{move || status()}</span>
            </div>
            <div aria-live="polite">{move || verdict()}</div>
        </fieldset>
    }
}
