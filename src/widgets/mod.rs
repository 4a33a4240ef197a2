//! The scene page's widgets, one file each. Every widget reads the [`Session`](crate::session::Session)'s
//! published snapshots and sends intents back through its methods; none holds simulation state.

pub mod bars;
pub mod challenge;
pub mod chaos;
pub mod chart;
pub mod compare;
pub mod counters;
pub mod embed;
pub mod error_panel;
pub mod explain;
pub mod export;
pub mod heatmap;
pub mod history;
pub mod machine;
pub mod narration;
pub mod notice;
pub mod panels;
pub mod plot;
pub mod presenter;
pub mod ring;
pub mod sequence;
pub mod shortcuts;
pub mod slider;
pub mod stage;
pub mod tour;
pub mod transport;

/// An event handler behind one boxed type per event argument: `on:click=cb(move |_| …)`. With
/// `erase_components` each distinct handler type compiles its own listener and attribute code; boxed, the
/// element's side is compiled once per event kind and each handler keeps only its own body.
pub fn cb<E: 'static>(f: impl FnMut(E) + 'static) -> Box<dyn FnMut(E)> {
    Box::new(f)
}

/// `Effect::new` behind one boxed closure type. An effect's runner (an async task waiting for changes) is
/// otherwise compiled once per closure, about 1.5 KB of wasm each; boxed, it is compiled once and each effect
/// keeps only its own body. Same effect otherwise: it runs after the current work and again on every change.
pub fn effect(f: impl FnMut() + 'static) {
    effect_boxed(Box::new(f));
}

fn effect_boxed(mut f: Box<dyn FnMut()>) {
    leptos::prelude::Effect::new(move |_| f());
}

/// `Memo::new` with its closure boxed: a memo's code is otherwise compiled once per closure; boxed, once per
/// value type. Same memo: it recomputes when what it reads changes and notifies only when its value does.
pub fn memo<T: PartialEq + Send + Sync + 'static>(
    f: impl Fn(Option<&T>) -> T + Send + Sync + 'static,
) -> leptos::prelude::Memo<T> {
    leptos::prelude::Memo::new(Box::new(f) as Box<dyn Fn(Option<&T>) -> T + Send + Sync>)
}

/// `<Show when=…>` compiled once for every use: `view` is built while `when` holds, through a memo, so it is
/// rebuilt only when the condition flips (a `<Show>` is compiled once per condition and children type).
pub fn show(
    when: impl Fn() -> bool + Send + Sync + 'static,
    view: impl Fn() -> leptos::prelude::AnyView + Send + Sync + 'static,
) -> leptos::prelude::AnyView {
    show_boxed(memo(move |_| when()), Box::new(view))
}

fn show_boxed(
    when: leptos::prelude::Memo<bool>,
    view: Box<dyn Fn() -> leptos::prelude::AnyView + Send + Sync>,
) -> leptos::prelude::AnyView {
    use leptos::prelude::{Get, IntoAny};
    (move || when.get().then(|| view())).into_any()
}
