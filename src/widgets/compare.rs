//! The A/B comparison: the "Compare with" select (every other choice of each comparable parameter, or
//! off) and the table of both runs' metrics and invariants at the current moment. Generic over scenes:
//! everything comes from [`Scene::compare_params`](faultline_sim::scene::Scene::compare_params),
//! `run.metrics()` and `run.counters()`.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::compare::{self, Comparison, differs};
use crate::core::format::{compact_number, secs};
use crate::session::Session;
use crate::widgets::cb;
use crate::widgets::dynamic;
use crate::widgets::memo;
use crate::widgets::stage::{PainterSlot, Stage, StageOf, topology_of};

/// "Compare with: [strategy = none ▾]": every other choice of every comparable parameter, or off. Renders
/// nothing for scenes without comparable parameters.
#[component]
pub fn CompareSelect(session: Session) -> impl IntoView {
    let opts = compare::options(session.scene);
    if opts.is_empty() {
        return ().into_any();
    }
    let params_label = opts.iter().map(|(p, _)| *p).collect::<Vec<_>>().join(" or ");
    let on_change = move |e: web_sys::Event| {
        let v = e
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlSelectElement>().ok())
            .map(|s| s.value())
            .unwrap_or_default();
        session.set_compare(if v.is_empty() { None } else { Comparison::parse(session.scene, &v).ok() });
    };
    let current = move || session.compare.get().map(|c| c.text(session.scene)).unwrap_or_default();
    let groups = move || {
        let b = session.compare.get();
        compare::options(session.scene)
            .into_iter()
            .map(|(param, choices)| {
                let a = session.params.with(|p| compare::current_choice(p, param));
                let options = choices
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| Some(*i) != a || b == Some(Comparison { param, choice: *i }))
                    .map(|(i, _)| {
                        let cmp = Comparison { param, choice: i };
                        view! { <option value=cmp.text(session.scene) selected=move || session.compare.get() == Some(cmp)>{cmp.label(session.scene)}</option> }.into_any()
                    })
                    .collect::<Vec<_>>();
                let group = session.scene.params().iter().find(|s| s.name == param).map_or(param, |s| s.label);
                view! { <optgroup label=group>{options}</optgroup> }.into_any()
            })
            .collect::<Vec<_>>()
    };
    view! {
        <div class="compare-bar">
            <label class="inline" title=format!("Runs a second simulation B with the same seed, faults and parameters, except {params_label}, and overlays it on the charts")>
                "Compare with "
                <select data-testid="compare" prop:value=move || current() on:change=cb(on_change)>
                    <option value="" selected=move || session.compare.get().is_none()>"no comparison"</option>
                    {move || groups()}
                </select>
            </label>
            <span class="muted compare-hint">
                {move || match session.compare_names() {
                    Some((_, a, b)) => format!("A: {a} · B: {b} — same seed, same faults; only that choice differs."),
                    None => "Same seed and faults, one choice changed: see what that choice alone changes.".to_string(),
                }}
            </span>
        </div>
    }
    .into_any()
}

/// Metrics and invariants of A and B side by side (only while comparing).
#[component]
pub fn CompareTable(session: Session) -> impl IntoView {
    dynamic(move || {
        let (_, a, b) = session.compare_names()?;
        let rows = move || {
            session.compare_table.with(|t| {
                t.as_ref()
                    .map(|t| {
                        t.metrics
                            .iter()
                            .map(|m| {
                                let d = differs(m.a, m.b);
                                view! {
                                    <tr class:differs=d data-testid=format!("compare-row-{}", m.name)>
                                        <th scope="row">{m.name.replace('_', " ")}{d.then_some(" ◆")}</th>
                                        <td>{compact_number(m.a)}</td>
                                        <td>{compact_number(m.b)}</td>
                                    </tr>
                                }
                                .into_any()
                            })
                            .collect::<Vec<_>>()
                    })
                    .unwrap_or_default()
            })
        };
        let counters = move || {
            session.compare_table.with(|t| {
                t.as_ref()
                    .map(|t| {
                        t.counters
                            .iter()
                            .map(|c| {
                                let mark = |v: u64| if v == 0 { format!("✓ {v}") } else { format!("✕ {v}") };
                                let bad = c.a > 0 || c.b > 0;
                                view! {
                                    <tr class:bad=bad data-testid=format!("compare-counter-{}", c.name)>
                                        <th scope="row">{c.label}</th>
                                        <td>{mark(c.a)}</td>
                                        <td>{mark(c.b)}</td>
                                    </tr>
                                }
                                .into_any()
                            })
                            .collect::<Vec<_>>()
                    })
                    .unwrap_or_default()
            })
        };
        Some(view! {
            <section class="panel compare-panel" aria-labelledby="compare-title">
                <h2 id="compare-title">"A / B at "{move || secs(session.now.get())}</h2>
                <div class="compare-scroll">
                <table class="compare-table" data-testid="compare-table">
                    <caption class="muted">"Same seed, faults and parameters; only the compared choice differs. ◆ = differs by more than 10 %."</caption>
                    <thead><tr><th scope="col">"Metric"</th><th scope="col">{format!("A · {a}")}</th><th scope="col">{format!("B · {b}")}</th></tr></thead>
                    <tbody>{move || rows()}</tbody>
                    <tbody class="compare-invariants">
                        <tr><th scope="rowgroup" colspan="3">"Invariants (must stay 0)"</th></tr>
                        {move || counters()}
                    </tbody>
                </table>
                </div>
            </section>
        }
        .into_any())
    })
}

/// Below this viewport width the two runs' stages do not fit side by side: only A's is drawn (B's effect
/// shows on the charts and in the table).
const SIDE_BY_SIDE_MIN_PX: f64 = 1100.0;

/// The stage: A's alone, or, while comparing on a wide screen, A's and B's side by side under one clock
/// (the one transport drives both runs).
#[component]
pub fn CompareStages(session: Session) -> impl IntoView {
    let width = || window().inner_width().ok().and_then(|w| w.as_f64()).unwrap_or(1280.0);
    let wide = RwSignal::new(width() >= SIDE_BY_SIDE_MIN_PX);
    let resize = window_event_listener(leptos::ev::resize, move |_| {
        let w = width() >= SIDE_BY_SIDE_MIN_PX;
        if w != wide.get_untracked() {
            wide.set(w);
        }
    });
    on_cleanup(move || resize.remove());
    let both = memo(move |_| wide.get() && session.compare.get().is_some());
    dynamic(move || {
        if !both.get() {
            return view! { <Stage session /> }.into_any();
        }
        let topo_b = topology_of(session.panels_b);
        let names = move || session.compare_names().map(|(_, a, b)| (a, b)).unwrap_or_default();
        view! {
            <div class="ab-stages" data-testid="ab-stages">
                <figure class="ab-stage ab-a">
                    <figcaption><span class="ab-tag">"A"</span>" "{move || names().0}</figcaption>
                    <Stage session />
                </figure>
                <figure class="ab-stage ab-b">
                    <figcaption><span class="ab-tag">"B"</span>" "{move || names().1}</figcaption>
                    <StageOf session topo=topo_b which=PainterSlot::B />
                </figure>
            </div>
        }
        .into_any()
    })
}
