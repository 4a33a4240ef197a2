//! The explain panel: what the concept is, what to try (steps that use the presets), and the model card
//! listing what the model simplifies.

use faultline_sim::scene::Scene;
use leptos::prelude::*;

#[component]
pub fn ExplainPanel(scene: &'static dyn Scene) -> impl IntoView {
    let e = scene.explain();
    view! {
        <section class="panel explain" data-testid="explain" aria-labelledby="explain-title">
            <h2 id="explain-title">"What is a "{scene.title().to_ascii_lowercase()}"?"</h2>
            <p>{e.what}</p>
            <h3>"What to try"</h3>
            <ol>{e.try_steps.iter().map(|s| view! { <li>{*s}</li> }.into_any()).collect::<Vec<_>>()}</ol>
            <details>
                <summary>"Model card: what this simulation simplifies"</summary>
                <ul>{e.model_card.iter().map(|s| view! { <li>{*s}</li> }.into_any()).collect::<Vec<_>>()}</ul>
            </details>
        </section>
    }
}
