//! "Embed": a dialog that builds an `<iframe>` snippet for a blog post. The author chooses the preset (or
//! the run as it is now), the moment it opens at, whether it plays once a reader scrolls to it, and which
//! parts show beside the stage (key chart, narration line, preset chips, key sliders); the snippet follows
//! every choice and reproduces that exact run.

use faultline_sim::kernel::SimTime;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::session::Session;
use crate::url_state::{self, EmbedOptions, SceneUrl};
use crate::widgets::cb;
use crate::widgets::memo;
use crate::widgets::show;

/// The absolute URL of this page with `query`, wherever the app is hosted.
pub fn absolute_url(query: &str) -> String {
    let loc = window().location();
    format!("{}{}{}", loc.origin().unwrap_or_default(), loc.pathname().unwrap_or_default(), query)
}

/// What the author picked.
#[derive(Clone, Debug, PartialEq)]
struct Choice {
    /// A preset id, or `None` for the run as it is now.
    preset: Option<&'static str>,
    /// Open at the current moment (else at t = 0).
    at_now: bool,
    options: EmbedOptions,
}

fn snippet(session: Session, c: &Choice) -> String {
    let scene = session.scene;
    let mut state: SceneUrl = session.url_state(true);
    if let Some(id) = c.preset
        && let Ok((params, script)) = scene.preset_inputs(id)
    {
        state.params = params;
        state.script = script;
    }
    if !c.at_now {
        state.t = SimTime::ZERO;
    }
    state.embed_options = c.options;
    let height = if c.options.chart || c.options.presets || c.options.params { 520 } else { 400 };
    format!(
        "<iframe src=\"{}\" width=\"100%\" height=\"{height}\" style=\"border:0\" title=\"Faultline: {}\" loading=\"lazy\"></iframe>",
        absolute_url(&url_state::encode(&state)),
        scene.title()
    )
}

fn checked(e: &web_sys::Event) -> bool {
    e.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()).is_some_and(|i| i.checked())
}

#[component]
pub fn EmbedButton(session: Session) -> impl IntoView {
    let open = RwSignal::new(false);
    let copied = RwSignal::new(false);
    let choice = RwSignal::new(Choice { preset: None, at_now: true, options: EmbedOptions::default() });
    let text = memo(move |_| {
        session.now.track();
        session.script.track();
        choice.with(|c| snippet(session, c))
    });
    let toggle = move |_| {
        let preset = session.active_preset().map(|p| p.id);
        choice.update(|c| c.preset = preset);
        copied.set(false);
        open.update(|o| *o = !*o);
    };
    let copy = move |_| {
        let _ = window().navigator().clipboard().write_text(&text.get_untracked());
        copied.set(true);
    };
    let presets = move || {
        session
            .scene
            .presets()
            .iter()
            .map(|p| {
                view! { <option value=p.id selected=move || choice.with(|c| c.preset == Some(p.id))>{p.title}</option> }
                    .into_any()
            })
            .collect::<Vec<_>>()
    };
    let on_preset = move |e: web_sys::Event| {
        let v = e
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlSelectElement>().ok())
            .map(|s| s.value())
            .unwrap_or_default();
        let preset = session.scene.preset(&v).map(|p| p.id);
        choice.update(|c| c.preset = preset);
        copied.set(false);
    };
    let part = move |name: &'static str, label: &'static str| {
        let on = move || {
            choice.with(|c| match name {
                "chart" => c.options.chart,
                "narration" => c.options.narration,
                "presets" => c.options.presets,
                _ => c.options.params,
            })
        };
        view! {
            <label class="check"><input type="checkbox" data-testid=format!("embed-show-{name}") prop:checked=move || on()
                on:change=cb(move |e| { let v = checked(&e); choice.update(|c| c.options.set(name, v)); copied.set(false); }) />
                {label}</label>
        }
    };
    view! {
        <div class="embed">
            <button data-testid="embed-button" aria-expanded=move || open.get().to_string() on:click=cb(toggle)>"Embed"</button>
            {show(move || open.get(), move || view! {
                <div class="embed-box" role="dialog" aria-label="Embed this scene">
                    <label class="row">"Start from "
                        <select data-testid="embed-preset" on:change=cb(on_preset)>
                            <option value="" selected=move || choice.with(|c| c.preset.is_none())>"this run, as it is now"</option>
                            {move || presets()}
                        </select>
                    </label>
                    <label class="check"><input type="checkbox" data-testid="embed-at-now" prop:checked=move || choice.with(|c| c.at_now)
                        on:change=cb(move |e| { let v = checked(&e); choice.update(|c| c.at_now = v); copied.set(false); }) />
                        {move || format!("open at this moment ({}), not at 0 s", crate::core::format::secs(session.now.get()))}</label>
                    <label class="check"><input type="checkbox" data-testid="embed-autoplay" prop:checked=move || choice.with(|c| c.options.autoplay)
                        on:change=cb(move |e| { let v = checked(&e); choice.update(|c| c.options.autoplay = v); copied.set(false); }) />
                        "play when a reader scrolls to it"</label>
                    <fieldset class="embed-parts"><legend>"Show beside the stage"</legend>
                        {part("chart", "key chart")}{part("narration", "latest narration line")}
                        {part("presets", "preset chips")}{part("params", "key sliders")}
                    </fieldset>
                    <label for="embed-snippet">"Paste this where the scene should appear:"</label>
                    <textarea id="embed-snippet" data-testid="embed-snippet" readonly rows="4"
                        prop:value=move || text.get()
                        on:focus=cb(move |e: web_sys::FocusEvent| {
                            if let Some(t) = e.target().and_then(|t| t.dyn_into::<web_sys::HtmlTextAreaElement>().ok()) { t.select(); }
                        })></textarea>
                    <button on:click=cb(copy)>{move || if copied.get() { "Copied ✓" } else { "Copy" }}</button>
                </div>
            }.into_any())}
        </div>
    }
}
