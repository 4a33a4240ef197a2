//! The Ring panel's widget: owners' points on a circle, the arcs they own, keys as dots, moved keys lit.
//! (Placeholder until the widget lands: renders nothing.)

use leptos::prelude::*;

use crate::session::Session;

/// Renders the session's `Panel::Ring` when the run shows one.
#[component]
pub fn RingPanel(session: Session) -> impl IntoView {
    let _ = session;
}
