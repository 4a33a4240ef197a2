//! The A/B comparison: the "Compare with" select (the compare parameter's other choices, or off) and the
//! table of both runs' metrics and invariants at the current moment. Generic over scenes: everything comes
//! from [`Scene::compare_param`](faultline_sim::scene::Scene::compare_param), `run.metrics()` and
//! `run.counters()`.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::compare::{self, differs};
use crate::core::format::{compact_number, secs};
use crate::session::Session;

/// "Compare with: strategy = [off ▾]". Renders nothing for scenes without a compare parameter.
#[component]
pub fn CompareSelect(session: Session) -> impl IntoView {
    let Some((param, choices)) = compare::spec(session.scene) else { return ().into_any() };
    let a_choice = Memo::new(move |_| session.params.with(|p| compare::current_choice(session.scene, p)));
    // "off" would be ambiguous where a choice is itself called "off" (the breaker).
    let off_label = if choices.contains(&"off") { "no comparison" } else { "off" };
    let on_change = move |e: web_sys::Event| {
        let v = e
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlSelectElement>().ok())
            .map(|s| s.value())
            .unwrap_or_default();
        session.set_compare(choices.iter().position(|c| *c == v));
    };
    let current = move || session.compare.get().and_then(|i| choices.get(i).copied()).unwrap_or("");
    let options = move || {
        let a = a_choice.get();
        let b = session.compare.get();
        choices
            .iter()
            .enumerate()
            .filter(|(i, _)| Some(*i) != a || Some(*i) == b)
            .map(|(i, c)| view! { <option value=*c selected=move || session.compare.get() == Some(i)>{*c}</option> })
            .collect::<Vec<_>>()
    };
    view! {
        <div class="compare-bar">
            <label class="inline" title=format!("Runs a second simulation B with the same seed, faults and parameters, except {param}, and overlays it on the charts")>
                "Compare with "<span class="muted">{format!("{param} =")}</span>" "
                <select data-testid="compare" prop:value=current on:change=on_change>
                    <option value="" selected=move || session.compare.get().is_none()>{off_label}</option>
                    {options}
                </select>
            </label>
            <span class="muted compare-hint">
                {move || match session.compare_names() {
                    Some((a, b)) => format!("A: {a} · B: {b} — same seed, same faults; B is dash-dotted on the charts."),
                    None => "Same seed and faults, another choice: see what the choice alone changes.".to_string(),
                }}
            </span>
        </div>
    }
    .into_any()
}

/// Metrics and invariants of A and B side by side (only while comparing).
#[component]
pub fn CompareTable(session: Session) -> impl IntoView {
    move || {
        let (a, b) = session.compare_names()?;
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
                    <tbody>{rows}</tbody>
                    <tbody class="compare-invariants">
                        <tr><th scope="rowgroup" colspan="3">"Invariants (must stay 0)"</th></tr>
                        {counters}
                    </tbody>
                </table>
                </div>
            </section>
        })
    }
}
