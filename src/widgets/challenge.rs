//! The challenge card (`?challenge=ID`): the brief, each goal with its number so far, what the reader may change,
//! then pass or fail with the measured numbers and, on a pass, a link that reproduces the solution.
//!
//! The card never holds simulation state. While the run is before the challenge's end it reads the live run at
//! most four times a second while playing (`challenge::progress`); at or past the end it judges the reader's
//! inputs with `challenge::judge` — the same function the native test uses — once per distinct input.

use faultline_sim::scene::challenge::{self, Challenge, Goal, GoalResult, Status, Verdict};
use faultline_sim::scene::{Action, Params, Scene};
use leptos::prelude::*;

use crate::session::{Session, wall_ms};
use crate::url_state;
use crate::widgets::cb;
use crate::widgets::effect;
use crate::widgets::memo;
use crate::widgets::show;

/// While playing, the live numbers refresh at most this often (ms of wall time).
const REFRESH_MS: f64 = 250.0;

/// The page-level verdict: `off` when the run is not a fair attempt, else the goals' state.
pub fn verdict_word(v: &Verdict, off: bool) -> &'static str {
    if off {
        "off"
    } else if v.pass {
        "pass"
    } else if v.done || v.goals.iter().any(|g| g.status == Status::Fail) {
        "fail"
    } else {
        "open"
    }
}

/// One goal's line: "peak database concurrency so far: 8 — goal ≤ 10".
pub fn goal_text(g: &Goal, r: &GoalResult, done: bool) -> String {
    let when = if done { "" } else { " so far" };
    format!("{}{when}: {} — goal {}", g.label, g.unit.format(r.measured), g.target_text())
}

/// The verdict line: what the reader needs to know now.
pub fn verdict_text(ch: &Challenge, v: &Verdict, off: bool) -> String {
    let end = ch.duration_s;
    match verdict_word(v, off) {
        "off" => "Off the challenge: this run changes what the challenge locks, so it is not judged.".to_string(),
        "pass" => format!("Passed: every goal holds over the first {end} s."),
        "fail" if v.done => format!("Failed: {} of {} goals missed over the first {end} s.", missed(v), v.goals.len()),
        "fail" => format!("Failing: a goal is already missed before {end} s."),
        _ => format!("In progress: the verdict comes at {end} s of the run."),
    }
}

fn missed(v: &Verdict) -> usize {
    v.goals.iter().filter(|g| g.status == Status::Fail).count()
}

fn mark(s: Status) -> &'static str {
    match s {
        Status::Open => "…",
        Status::Pass => "✓",
        Status::Fail => "✕",
    }
}

/// "breaker settings: Circuit breaker, Window type, …" — the labels of what the reader may change.
fn may_change_text(scene: &dyn Scene, ch: &Challenge) -> String {
    ch.may_change
        .iter()
        .map(|n| scene.params().iter().find(|s| s.name == *n).map_or(*n, |s| s.label))
        .collect::<Vec<_>>()
        .join(", ")
}

type Inputs = (Params, u64, Vec<Action>);

#[component]
pub fn ChallengeCard(session: Session) -> impl IntoView {
    let Some(ch) = session.challenge else { return ().into_any() };
    let scene = session.scene;
    let verdict: RwSignal<Option<Verdict>> = RwSignal::new(None);
    let judged: StoredValue<Option<(Inputs, Verdict)>, LocalStorage> = StoredValue::new_local(None);
    let last_wall = StoredValue::new_local(f64::NEG_INFINITY);
    let before_end = StoredValue::new_local(true);
    let off = memo(move |_| {
        let params = session.base_params.get();
        let seed = session.seed.get();
        session.script.with(|s| challenge::off_challenge(scene, ch, &params, seed, s))
    });
    effect(move || {
        let now = session.now.get();
        let playing = session.playing.get();
        let inputs: Inputs = (session.base_params.get(), session.seed.get(), session.script.get());
        let v = if now >= ch.end() {
            let cached = judged.with_value(|j| j.as_ref().filter(|(k, _)| *k == inputs).map(|(_, v)| v.clone()));
            let v = cached.unwrap_or_else(|| {
                let (p, seed, script) = inputs.clone();
                let v = challenge::judge(scene, ch, p, seed, script);
                judged.set_value(Some((inputs, v.clone())));
                v
            });
            // Time's up: stop at the verdict once, the moment the run crosses the end.
            if playing && before_end.get_value() {
                session.playing.set(false);
            }
            before_end.set_value(false);
            v
        } else {
            before_end.set_value(true);
            let wall = wall_ms();
            if playing && wall - last_wall.get_value() < REFRESH_MS && verdict.with_untracked(|v| v.is_some()) {
                return;
            }
            last_wall.set_value(wall);
            session.with_run(|r| challenge::progress(ch, r))
        };
        if verdict.with_untracked(|old| old.as_ref() != Some(&v)) {
            verdict.set(Some(v));
        }
    });

    let word = move || verdict.with(|v| v.as_ref().map_or("open", |v| verdict_word(v, !off.with(Vec::is_empty))));
    let goals = move || {
        let v = verdict.get()?;
        Some(
            ch.goals
                .iter()
                .zip(v.goals.clone())
                .enumerate()
                .map(|(i, (g, r))| {
                    let text = goal_text(g, &r, v.done);
                    view! {
                        <li class="challenge-goal" class:pass=r.status == Status::Pass class:fail=r.status == Status::Fail
                            data-testid=format!("challenge-goal-{i}") data-status=r.status.word()
                            data-measured=r.measured.to_string()>
                            <span class="mark" aria-hidden="true">{mark(r.status)}</span>
                            <span>{text}</span>
                            <strong class="goal-status">{r.status.word()}</strong>
                        </li>
                    }.into_any()
                })
                .collect::<Vec<_>>(),
        )
    };
    let verdict_line = move || {
        let is_off = !off.with(Vec::is_empty);
        verdict.with(|v| v.as_ref().map(|v| verdict_text(ch, v, is_off)).unwrap_or_default())
    };
    let reasons = move || off.get().into_iter().map(|r| view! { <li>{r}</li> }.into_any()).collect::<Vec<_>>();
    let reset = move |_| {
        if let Ok((params, script)) = challenge::setup_inputs(scene, ch) {
            session.load_inputs(params, ch.seed, script);
        }
    };
    let solution_url = move || {
        session.now.track();
        let mut state = session.url_state(false);
        // Opened, the link replays to the end of the challenge and shows its verdict at once.
        state.t = ch.end();
        crate::widgets::embed::absolute_url(&url_state::encode(&state))
    };
    let copied = RwSignal::new(false);
    let copy = move |_| {
        let _ = window().navigator().clipboard().write_text(&solution_url());
        copied.set(true);
    };
    let end_text = format!("{} s", ch.duration_s);

    view! {
        <section class="panel challenge" aria-labelledby="challenge-title" data-testid="challenge"
            data-challenge=ch.id data-verdict=move || word()>
            <h2 id="challenge-title">"Challenge: "{ch.title}</h2>
            <p class="challenge-brief">{ch.brief}</p>
            <p class="challenge-rules muted">
                {format!("Measured over the first {end_text} of the run. You may change: {}. Everything else is locked.",
                    may_change_text(scene, ch))}
            </p>
            <ul class="challenge-goals">{move || goals()}</ul>
            <p class="challenge-verdict" data-testid="challenge-verdict" role="status">
                <strong>{move || verdict_line()}</strong>
            </p>
            {show(move || word() == "off", move || view! {
                <ul class="challenge-off" data-testid="challenge-off">{move || reasons()}</ul>
            }.into_any())}
            {show(move || word() == "pass", move || view! {
                <div class="challenge-solution">
                    <label for="challenge-solution-url">"Link to your solution (your parameters and seed):"</label>
                    <div class="challenge-solution-row">
                        <input id="challenge-solution-url" type="text" readonly data-testid="challenge-solution-url"
                            prop:value=move || solution_url() />
                        <button data-testid="challenge-copy" on:click=cb(copy)>
                            {move || if copied.get() { "Copied" } else { "Copy" }}
                        </button>
                        <a href=move || solution_url() data-testid="challenge-solution">"Open"</a>
                    </div>
                    <p class="muted">{ch.solution_note}</p>
                </div>
            }.into_any())}
            <div class="challenge-actions">
                {show(move || word() == "fail", move || view! {
                    <details class="challenge-hint"><summary>"Hint"</summary><p>{ch.solution_note}</p></details>
                }.into_any())}
                <button data-testid="challenge-reset" on:click=cb(reset)>"Start the challenge over"</button>
            </div>
        </section>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;
    use faultline_sim::scene_by_id;

    #[test]
    fn texts_follow_the_verdict() {
        let scene = scene_by_id("cache-stampede").unwrap();
        let ch = scene.challenge("survive-a-flush").unwrap();
        let setup = challenge::judge_setup(scene, ch).unwrap();
        assert_eq!(verdict_word(&setup, false), "fail");
        assert_eq!(verdict_word(&setup, true), "off");
        assert!(verdict_text(ch, &setup, false).starts_with("Failed: 1 of 1"));
        assert!(
            goal_text(&ch.goals[0], &setup.goals[0], true).starts_with("peak database concurrency: 22 — goal ≤ 10")
        );
        let good = challenge::judge_known_good(scene, ch).unwrap();
        assert_eq!(verdict_word(&good, false), "pass");
        assert!(may_change_text(scene, ch).contains("Protection"));
    }
}
