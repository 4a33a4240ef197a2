//! The Bars panel's widget: a bar per entity against a capacity line, hot bars marked by shape and text.
//! (Placeholder until the widget lands: renders nothing.)

use leptos::prelude::*;

use crate::session::Session;

/// Renders the session's `Panel::Bars` when the run shows one.
#[component]
pub fn BarsPanel(session: Session) -> impl IntoView {
    let _ = session;
}
