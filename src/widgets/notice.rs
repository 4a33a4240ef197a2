//! Notices: what the page changed or ignored (a clamped value, a bad fault in a link), visible until
//! dismissed.

use crate::widgets::cb;
use crate::widgets::dynamic;
use leptos::prelude::*;

#[component]
pub fn Notices(notices: RwSignal<Vec<String>>) -> impl IntoView {
    dynamic(move || {
        let list = notices.get();
        (!list.is_empty()).then(|| {
            view! {
                <div class="notice" data-testid="notice" role="status">
                    <div>
                        <strong>"Some values were changed or ignored:"</strong>
                        <ul>{list.into_iter().map(|n| view! { <li>{n}</li> }.into_any()).collect::<Vec<_>>()}</ul>
                    </div>
                    <button class="dismiss" data-testid="notice-dismiss" aria-label="Dismiss notice"
                        on:click=cb(move |_| notices.set(Vec::new()))>"✕"</button>
                </div>
            }
            .into_any()
        })
    })
}
