//! The scene page's widgets, one file each. Every widget reads the [`Session`](crate::session::Session)'s
//! published snapshots and sends intents back through its methods; none holds simulation state.

use std::sync::Arc;

use leptos::prelude::*;

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
    Effect::new(move |_| f());
}

/// `Memo::new` with its closure boxed: a memo's code is otherwise compiled once per closure; boxed, once per
/// value type. Same memo: it recomputes when what it reads changes and notifies only when its value does.
pub fn memo<T: PartialEq + Send + Sync + 'static>(f: impl Fn(Option<&T>) -> T + Send + Sync + 'static) -> Memo<T> {
    Memo::new(Box::new(f) as Box<dyn Fn(Option<&T>) -> T + Send + Sync>)
}

/// `<Show when=…>` compiled once for every use: `view` is built while `when` holds, through a memo, so it is
/// rebuilt only when the condition flips (a `<Show>` is compiled once per condition and children type).
pub fn show(
    when: impl Fn() -> bool + Send + Sync + 'static,
    view: impl Fn() -> AnyView + Send + Sync + 'static,
) -> AnyView {
    show_boxed(memo(move |_| when()), Box::new(view))
}

fn show_boxed(when: Memo<bool>, view: Box<dyn Fn() -> AnyView + Send + Sync>) -> AnyView {
    (move || when.get().then(|| view())).into_any()
}

/// A row's key in a [`keyed`] list: two numbers, whatever identifies the row at the call site.
pub type RowKey = (u64, u64);

/// A keyed list (`<For>`) compiled once for every use: `keys` gives each row's key, in order, and `row`
/// builds the row of a key. A row is built when its key appears, moved when it moves and dropped when it
/// goes; rows keep their elements in between (each `<For>` of its own is ≈ 6 KB of wasm).
pub fn keyed(
    keys: impl Fn() -> Vec<RowKey> + Send + Sync + 'static,
    row: impl Fn(RowKey) -> AnyView + Send + Sync + 'static,
) -> AnyView {
    keyed_boxed(Box::new(keys), Arc::new(row))
}

fn keyed_boxed(
    keys: Box<dyn Fn() -> Vec<RowKey> + Send + Sync>,
    row: Arc<dyn Fn(RowKey) -> AnyView + Send + Sync>,
) -> AnyView {
    view! { <For each=move || keys() key=|k| *k children=move |k| row(k) /> }.into_any()
}

/// A component's body that follows signals (`dynamic(move || …)` as its return value), behind the type the
/// view macro gives a `{move || …}` child: one render instance per output type instead of per closure.
pub fn dynamic<T: 'static>(
    f: impl FnMut() -> T + Send + 'static,
) -> leptos::tachys::reactive_graph::SharedReactiveFunction<T> {
    Arc::new(std::sync::Mutex::new(f))
}
