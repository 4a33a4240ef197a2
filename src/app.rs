//! The app shell and its tiny query-string router: no `?scene` → home, `?scene=ID` → that scene,
//! `?bench=1` → the benchmark. Navigation uses `history.pushState` and `popstate`, so the static build
//! works at any sub-path with no server rewrite rules.

use leptos::prelude::*;

use crate::pages::bench::BenchPage;
use crate::pages::home::HomePage;
use crate::pages::scene_page::ScenePage;
use crate::url_state::{Route, bundle_for, parse_query, route, serves};
use crate::widgets::cb;

/// Bumped on every navigation, so the page remounts even when only the query's details changed.
#[derive(Clone, Copy)]
struct Nav(RwSignal<u64>);

fn current_query() -> String {
    window().location().search().unwrap_or_default()
}

/// Goes to `query` (e.g. `?scene=circuit-breaker`) as a new history entry; a page this bundle does not serve
/// is a full page load, so index.html's loader fetches the bundle that does.
pub fn navigate(query: &str) {
    if !serves(bundle_for(&parse_query(query))) {
        let _ = window().location().set_href(if query.is_empty() { "?" } else { query });
        return;
    }
    if let Ok(h) = window().history() {
        let q = if query == "?" || query.is_empty() {
            window().location().pathname().unwrap_or_default()
        } else {
            query.to_string()
        };
        let _ = h.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&q));
    }
    window().scroll_to_with_x_and_y(0.0, 0.0);
    if let Some(Nav(n)) = use_context::<Nav>().or_else(|| NAV.with(|n| n.get())) {
        n.update(|v| *v += 1);
    }
}

thread_local! {
    // Event handlers run outside the reactive owner; they find the router here.
    static NAV: std::cell::Cell<Option<Nav>> = const { std::cell::Cell::new(None) };
}

#[component]
pub fn App() -> impl IntoView {
    let nav = Nav(RwSignal::new(0));
    NAV.with(|n| n.set(Some(nav)));
    provide_context(nav);
    let pop = window_event_listener(leptos::ev::popstate, move |_| nav.0.update(|v| *v += 1));
    on_cleanup(move || pop.remove());
    // A run JSON dropped anywhere opens that run; a file that is not one says why, on any page.
    let drop_notice = RwSignal::new(None::<String>);
    crate::widgets::export::install_drop_import(move |m| drop_notice.set(Some(m)));
    let drop_notice_view = move || {
        drop_notice.get().map(|m| {
            view! {
                <div class="notice global-notice" role="alert" data-testid="import-notice">
                    <span>{m}</span>
                    <button type="button" on:click=cb(move |_| drop_notice.set(None)) aria-label="Dismiss">"×"</button>
                </div>
            }
        })
    };

    let page = move || {
        nav.0.track();
        let query = current_query();
        let pairs = parse_query(&query);
        let embed = pairs.iter().any(|(k, v)| k == "embed" && v == "1");
        let class = if embed { "embedded" } else { "" };
        if let Some(body) = document().body() {
            body.set_class_name(class);
        }
        // `panic_test=1` exercises the panic panel end to end (tests/e2e/lifecycle.test.mjs): a real panic
        // after the page has mounted, the same path any bug would take.
        if pairs.iter().any(|(k, v)| k == "panic_test" && v == "1") {
            set_timeout(
                || panic!("panic_test=1: a deliberate panic to show the error panel"),
                std::time::Duration::from_millis(300),
            );
        }
        if !serves(bundle_for(&pairs)) {
            return reload_for_bundle(&query).into_any();
        }
        // Each arm is compiled only into the bundles that serve it (docs/ARCHITECTURE.md, "Bundles"): a scene's
        // bundle carries no home or bench page, the home page's no scene page.
        #[allow(unreachable_patterns)]
        match route(&pairs) {
            #[cfg(any(feature = "all-scenes", feature = "catalog"))]
            Route::Home => view! { <HomePage notices=Vec::new() /> }.into_any(),
            #[cfg(feature = "all-scenes")]
            Route::Bench => view! { <BenchPage /> }.into_any(),
            #[cfg(any(feature = "all-scenes", feature = "catalog"))]
            Route::UnknownScene(id) => {
                let known = faultline_sim::scenes().iter().map(|s| s.id()).collect::<Vec<_>>().join(", ");
                view! { <HomePage notices=vec![format!("there is no scene '{id}' (scenes: {known}); showing all scenes")] /> }.into_any()
            }
            #[cfg(any(feature = "all-scenes", feature = "catalog"))]
            Route::UnknownTour(id) => {
                let known = faultline_sim::scenes().iter().map(|s| s.id()).collect::<Vec<_>>().join(", ");
                view! { <HomePage notices=vec![format!("there is no tour '{id}' (tours: {known}); showing all tours")] /> }.into_any()
            }
            #[cfg(feature = "scene-page")]
            Route::Scene(id) => match faultline_sim::scene_by_id(id) {
                Some(scene) => view! { <ScenePage scene query=query.clone() /> }.into_any(),
                None => reload_for_bundle(&query).into_any(),
            },
            _ => reload_for_bundle(&query).into_any(),
        }
    };
    view! { {move || drop_notice_view()}{move || page()} }
}

/// This bundle does not run the page the address asks for (a link edited in place, or history crossing
/// bundles): load it again so index.html picks the right bundle. Once per address, so a loader that
/// disagrees with [`bundle_for`] shows a message instead of reloading forever.
fn reload_for_bundle(query: &str) -> impl IntoView + use<> {
    let key = "faultline-bundle-reload";
    let storage = window().session_storage().ok().flatten();
    let tried = storage.as_ref().and_then(|s| s.get_item(key).ok().flatten()).is_some_and(|q| q == query);
    if !tried {
        if let Some(s) = &storage {
            let _ = s.set_item(key, query);
        }
        let _ = window().location().reload();
    }
    view! {
        <p class="notice" role="status">
            {if tried { "This page could not load the code for this address. " } else { "Loading… " }}
            <a href="?">"All scenes"</a>
        </p>
    }
}
