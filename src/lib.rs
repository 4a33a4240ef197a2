//! Faultline's browser app (Leptos, client-side rendered): pages, widgets and the animation driver on top
//! of the `faultline-sim` core. The simulation never sees the DOM or a clock; this crate never owns
//! simulation state beyond the [`timeline::Timeline`](faultline_sim::timeline::Timeline) it drives.
//!
//! * [`app`] — shell and query-string router; [`pages`] — home, scene, bench.
//! * [`session`] — a scene page's timeline, intents and published snapshots.
//! * [`compare`] — same-seed A/B comparison: run B's parameters and script, the comparison table.
//! * [`driver`] — requestAnimationFrame loop (the only wall-clock code); [`director`] — slow motion at notable
//!   moments (pure pacing).
//! * [`widgets`] — one file per widget; [`core`] — palette and formatting.
//! * [`url_state`] — the URL ⇄ scene state, pure and unit-tested.
//! * [`export`] — run JSON, series CSV and file names out; a run JSON back in as the query that opens it.
//! * [`tour`] — guided tours: the step a link opens, measured values and verdicts in words.
//! * [`narration`] — the narration's lines from the run's log, kept from frame to frame, pure and tested.
//! * [`chaos`] — the fault script as markers, spans and edits (the chaos timeline), pure and unit-tested.

// A one-scene bundle compiles widgets its scene never shows without calling them (LTO drops them).
#![cfg_attr(not(feature = "all-scenes"), allow(dead_code, unused_imports))]
// In `view!`, `{move || f()}` and `attr=move || f()` are not redundant: the macro shares render code only
// for closures written out (one instance per output type, not per closure type; docs/ARCHITECTURE.md).
#![allow(clippy::redundant_closure)]

pub mod app;
pub mod chaos;
pub mod compare;
pub mod core;
pub mod director;
pub mod driver;
pub mod export;
pub mod narration;
pub mod pages;
pub mod session;
pub mod tour;
pub mod url_state;
pub mod widgets;

/// Installs the panic panel and mounts the app on `<body>`.
pub fn start() {
    widgets::error_panel::install();
    leptos::mount::mount_to_body(app::App);
}
