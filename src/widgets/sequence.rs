//! The Sequence panel's widget: one lane per participant, an arrow per delivered message of the followed flow.
//! (Placeholder until the widget lands: renders nothing.)

use leptos::prelude::*;

use crate::session::Session;

/// Renders the session's `Panel::Sequence` when the run shows one.
#[component]
pub fn SequencePanel(session: Session) -> impl IntoView {
    let _ = session;
}
