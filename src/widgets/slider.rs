//! One control per parameter: a range slider with a numeric field and its unit for numbers, a select for
//! choices. Typed values out of range are clamped onto the spec's grid and a notice says so. On a challenge,
//! the parameters it does not let the reader change are disabled and say so.

use faultline_sim::scene::{ParamKind, ParamSpec, ParamValue, format_number};
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::session::Session;
use crate::widgets::cb;
use crate::widgets::memo;

fn input_value(e: &web_sys::Event) -> String {
    e.target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        .map(|i| i.value())
        .or_else(|| e.target().and_then(|t| t.dyn_into::<web_sys::HtmlSelectElement>().ok()).map(|s| s.value()))
        .unwrap_or_default()
}

#[component]
pub fn ParamControl(session: Session, spec: &'static ParamSpec) -> impl IntoView {
    let name = spec.name;
    let help_id = format!("help-{name}");
    let value = memo(move |_| session.params.with(|p| p.get(name)));
    let locked = session.challenge.is_some_and(|c| !c.may_change.contains(&name));
    let locked_note = move || {
        locked.then(
            || view! { <span class="locked" data-testid=format!("locked-{name}")>" · locked by the challenge"</span> },
        )
    };
    match spec.kind {
        ParamKind::Number { min, max, step, .. } => {
            let num = move || match value.get() {
                Some(ParamValue::Number(v)) => v,
                _ => min,
            };
            let text = move || format_number(num(), step);
            let field_id = format!("field-{name}");
            let on_slide = move |e: web_sys::Event| {
                if let Ok(v) = input_value(&e).parse::<f64>() {
                    session.set_param(name, ParamValue::Number(spec.clamp_number(v)));
                }
            };
            let on_field = move |e: web_sys::Event| {
                let typed = input_value(&e);
                let (v, notice) = spec.parse_clamped(&typed);
                if let Some(n) = notice {
                    session.notice(format!("{}: {n}", spec.label));
                }
                session.set_param(name, v);
                // Show the value actually used, even when it did not change (e.g. "abc" typed over 0.02).
                if let Some(input) = e.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) {
                    input.set_value(&text());
                }
            };
            view! {
                <div class="param">
                    <label class="param-label" for=field_id.clone() title=spec.help>{spec.label}{move || locked_note()}</label>
                    <div class="param-row">
                        <input type="range" data-testid=format!("param-{name}") aria-label=spec.label
                            aria-describedby=help_id.clone() disabled=locked
                            min=min max=max step=step prop:value=move || num().to_string() on:input=cb(on_slide) />
                        <input type="number" class="param-field" id=field_id data-testid=format!("param-{name}-field")
                            aria-describedby=help_id.clone() disabled=locked min=min max=max step=step inputmode="decimal"
                            prop:value=move || text() on:change=cb(on_field) />
                        <span class="unit">{spec.unit}</span>
                    </div>
                    <p class="help" id=help_id>{spec.help}" "<span class="muted">{format!("({})", spec.allowed())}</span></p>
                </div>
            }
            .into_any()
        }
        ParamKind::Choice { choices, .. } => {
            let current = move || match value.get() {
                Some(ParamValue::Choice(i)) => choices.get(i).copied().unwrap_or(""),
                _ => "",
            };
            let on_change = move |e: web_sys::Event| {
                let v = input_value(&e);
                if let Some(i) = choices.iter().position(|c| *c == v) {
                    session.set_param(name, ParamValue::Choice(i));
                }
            };
            let select_id = format!("select-{name}");
            view! {
                <div class="param">
                    <label class="param-label" for=select_id.clone() title=spec.help>{spec.label}{move || locked_note()}</label>
                    <div class="param-row">
                        <select id=select_id data-testid=format!("param-{name}") aria-describedby=help_id.clone() disabled=locked
                            prop:value=move || current() on:change=cb(on_change)>
                            {choices.iter().enumerate().map(|(i, c)| view! { <option value=*c selected=move || current() == *c>{spec.choice_label(i)}</option> }.into_any()).collect::<Vec<_>>()}
                        </select>
                    </div>
                    <p class="help" id=help_id>{spec.help}</p>
                </div>
            }
            .into_any()
        }
    }
}
