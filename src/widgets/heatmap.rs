//! The Heatmap panel's widget: load per row (key range) over time, brightness fixed to capacity.
//! (Placeholder until the widget lands: renders nothing.)

use leptos::prelude::*;

use crate::session::Session;

/// Renders the session's `Panel::Heatmap` when the run shows one.
#[component]
pub fn HeatmapPanel(session: Session) -> impl IntoView {
    let _ = session;
}
