//! The History panel's widget: a lane per client, an operation bar from invoke to return, the checker's verdict.
//! (Placeholder until the widget lands: renders nothing.)

use leptos::prelude::*;

use crate::session::Session;

/// Renders the session's `Panel::History` when the run shows one.
#[component]
pub fn HistoryPanel(session: Session) -> impl IntoView {
    let _ = session;
}
