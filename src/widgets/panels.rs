//! The scene's own pictures beyond the stage and the charts — the Sequence, Ring, Bars, Heatmap and History
//! panels — in the order the scene lists them, each by its widget. A scene that shows none gets nothing.

use faultline_sim::scene::Panel;
use leptos::prelude::*;

use crate::session::Session;
use crate::widgets::bars::BarsPanel;
use crate::widgets::dynamic;
use crate::widgets::heatmap::HeatmapPanel;
use crate::widgets::history::HistoryPanel;
use crate::widgets::memo;
use crate::widgets::ring::RingPanel;
use crate::widgets::sequence::SequencePanel;

/// Every widget panel of the run, by the order of [`Run::panels`](faultline_sim::scene::Run::panels). The list
/// is re-rendered only when which panels exist changes, not at every frame: each widget reads its own data.
#[component]
pub fn ScenePanels(session: Session) -> impl IntoView {
    let kinds = memo(move |_| {
        session.panels.with(|ps| {
            ps.iter()
                .filter_map(|p| match p {
                    Panel::Sequence(_) | Panel::Ring(_) | Panel::Bars(_) | Panel::Heatmap(_) | Panel::History(_) => {
                        Some(p.id())
                    }
                    _ => None,
                })
                .collect::<Vec<_>>()
        })
    });
    dynamic(move || {
        kinds
            .get()
            .into_iter()
            // A one-scene bundle compiles only the widgets its scene can show (docs/ARCHITECTURE.md, "Bundles").
            .map(|id| match id {
                #[cfg(feature = "scene-saga")]
                "sequence" => view! { <SequencePanel session /> }.into_any(),
                #[cfg(feature = "scene-sharding")]
                "ring" => view! { <RingPanel session /> }.into_any(),
                #[cfg(feature = "scene-sharding")]
                "bars" => view! { <BarsPanel session /> }.into_any(),
                #[cfg(feature = "scene-sharding")]
                "heatmap" => view! { <HeatmapPanel session /> }.into_any(),
                #[cfg(feature = "scene-cap")]
                "history" => view! { <HistoryPanel session /> }.into_any(),
                _ => ().into_any(),
            })
            .collect::<Vec<_>>()
    })
}
