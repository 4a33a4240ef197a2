//! "Embed": a copyable `<iframe>` snippet that reproduces the current state in a minimal view
//! (stage, transport and the scene's key sliders).

use leptos::prelude::*;

use crate::session::Session;
use crate::url_state;

/// The absolute URL of this page with `query`, wherever the app is hosted.
pub fn absolute_url(query: &str) -> String {
    let loc = window().location();
    format!("{}{}{}", loc.origin().unwrap_or_default(), loc.pathname().unwrap_or_default(), query)
}

#[component]
pub fn EmbedButton(session: Session) -> impl IntoView {
    let open = RwSignal::new(false);
    let snippet = RwSignal::new(String::new());
    let copied = RwSignal::new(false);
    let toggle = move |_| {
        let q = url_state::encode(&session.url_state(true));
        snippet.set(format!(
            "<iframe src=\"{}\" width=\"100%\" height=\"520\" style=\"border:0\" title=\"Faultline: {}\" loading=\"lazy\"></iframe>",
            absolute_url(&q),
            session.scene.title()
        ));
        copied.set(false);
        open.update(|o| *o = !*o);
    };
    let copy = move |_| {
        let text = snippet.get_untracked();
        let _ = window().navigator().clipboard().write_text(&text);
        copied.set(true);
    };
    view! {
        <div class="embed">
            <button data-testid="embed-button" aria-expanded=move || open.get().to_string() on:click=toggle>"Embed"</button>
            <Show when=move || open.get()>
                <div class="embed-box">
                    <label for="embed-snippet">"Paste this where the scene should appear (it opens at this exact moment):"</label>
                    <textarea id="embed-snippet" data-testid="embed-snippet" readonly rows="3"
                        prop:value=move || snippet.get()
                        on:focus=move |e| {
                            use wasm_bindgen::JsCast;
                            if let Some(t) = e.target().and_then(|t| t.dyn_into::<web_sys::HtmlTextAreaElement>().ok()) { t.select(); }
                        }></textarea>
                    <button on:click=copy>{move || if copied.get() { "Copied ✓" } else { "Copy" }}</button>
                </div>
            </Show>
        </div>
    }
}
