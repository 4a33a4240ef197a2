//! A scene's page. Full: a "watch this" line, the stage with its legend beside the key chart and the
//! narration, and the transport (at 1280×720 all of it is above the fold), then the other panels, charts and
//! the comparison, with presets, parameters and the correctness panel aside, and the explain panel. With `embed=1`: the stage, the latest narration line, the transport, the key chart and a row of
//! preset chips, sized for a blog post's iframe (`show=` and `autoplay=1` choose what an embed shows).
//! Presenter mode (`present=1`, full or embed) keeps the stage, the key chart, the narration and the
//! transport, in big type (see `widgets/presenter.rs`).

use faultline_sim::scene::{BenchLoad, Panel, Scene};
use leptos::html::Div;
use leptos::prelude::*;

use crate::app::navigate;
use crate::driver::{self, Driver};
use crate::session::{Session, Warm};
use crate::url_state::{self, parse_query};
use crate::widgets::cb;
use crate::widgets::challenge::ChallengeCard;
use crate::widgets::chart::Chart;
use crate::widgets::compare::{CompareSelect, CompareStages, CompareTable};
use crate::widgets::counters::Counters;
use crate::widgets::effect;
use crate::widgets::embed::EmbedButton;
use crate::widgets::explain::ExplainPanel;
use crate::widgets::export::ExportMenu;
use crate::widgets::machine::Machines;
use crate::widgets::memo;
use crate::widgets::narration::{LatestLine, Narration};
use crate::widgets::notice::Notices;
use crate::widgets::panels::ScenePanels;
use crate::widgets::presenter::{self, KeyCue, PresentButton};
use crate::widgets::shortcuts::{self, Shortcuts};
use crate::widgets::show;
use crate::widgets::slider::ParamControl;
use crate::widgets::stage::Stage;
use crate::widgets::tour::TourCard;
use crate::widgets::transport::Transport;

/// The preset buttons, the active one pressed (`aria-pressed`). A click loads the preset and gives focus
/// back to the page, so Space plays rather than loading it again.
fn preset_buttons(session: Session, chips: bool) -> impl IntoView {
    let active = memo(move |_| session.active_preset().map(|p| p.id));
    session
        .scene
        .presets()
        .iter()
        .map(|p| {
            let pressed = move || active.get() == Some(p.id);
            view! {
                <button class="preset" class:chip=chips data-testid=format!("preset-{}", p.id) title=p.description
                    aria-pressed=move || if pressed() { "true" } else { "false" }
                    on:click=cb(move |e: web_sys::MouseEvent| {
                        session.load_preset(p.id);
                        // A mouse click leaves focus on the button; Space must not load it again.
                        if e.detail() > 0 {
                            use wasm_bindgen::JsCast;
                            if let Some(b) = e.current_target().and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok()) {
                                let _ = b.blur();
                            }
                        }
                    })>
                    {p.title}
                </button>
            }.into_any()
        })
        .collect::<Vec<_>>()
}

#[component]
pub fn ScenePage(scene: &'static dyn Scene, query: String) -> impl IntoView {
    let pairs = parse_query(&query);
    let (mut state, notices) = url_state::resolve(scene, &pairs);
    let bench_frames = state.bench_frames;
    if bench_frames {
        // The frame benchmark: the scene's crowded load (about 2,000 messages in flight), auto-playing.
        state.params = scene.bench_inputs(BenchLoad::Crowded);
        // The preset's faults go; faults the link gives stay (the bench's "50 markers on the chaos track").
        if url_state::get(&pairs, "f").is_none() {
            state.script.clear();
        }
    }
    let embed = state.embed;
    let options = state.embed_options;
    let tour_step = state.tour_step.filter(|_| !embed);
    let session = Session::new(scene, state, notices);
    // The driver warms the code playback runs on a scratch copy once the stage is painted
    // (`session/warm.rs`); playback that starts by itself starts after it. The driver only advances while
    // the stage is on screen: an autoplaying embed plays when seen.
    let autoplay = bench_frames || (embed && options.autoplay);

    let stage_ref = NodeRef::<Div>::new();
    let driver: StoredValue<Option<Driver>, LocalStorage> = StoredValue::new_local(None);
    effect(move || {
        if let Some(el) = stage_ref.get()
            && driver.with_value(|d| d.is_none())
        {
            let el: web_sys::Element = el.into();
            driver.set_value(Some(driver::start(session, Some(el), Warm::new(autoplay))));
        }
    });
    on_cleanup(move || {
        driver.try_with_value(|d| {
            if let Some(d) = d {
                d.stop()
            }
        });
        session.dispose();
    });

    presenter::body_class(session);
    let in_flight = move || {
        let n = session.n_in_flight.get();
        format!("{n} message{} in flight", if n == 1 { "" } else { "s" })
    };
    let hidden_state = view! {
        <div class="sr-only" aria-hidden="true">
            <span data-testid="trace-hash">{move || crate::core::format::hash_hex(session.trace_hash.get())}</span>
            <span data-testid="events">{move || session.n_events.get().to_string()}</span>
            <span data-testid="trace-hash-b">{move || {
                let h = session.trace_hash_b.get();
                if h == 0 { String::new() } else { crate::core::format::hash_hex(h) }
            }}</span>
        </div>
    };
    let key_params = move || {
        scene
            .key_params()
            .iter()
            .filter_map(|n| scene.params().iter().find(|s| s.name == *n))
            .map(|spec| view! { <ParamControl session spec /> }.into_any())
            .collect::<Vec<_>>()
    };
    // Which charts the run shows may change with its parameters (no state band without a breaker); the
    // first is the scene's key chart.
    let chart_specs = memo(move |_| session.panels.with(|ps| faultline_sim::scene::charts(ps).collect::<Vec<_>>()));
    let key_chart =
        move || chart_specs.get().first().copied().map(|spec| view! { <Chart session idx=0 spec /> }.into_any());
    let other_charts = move || {
        chart_specs
            .get()
            .into_iter()
            .enumerate()
            .skip(1)
            .map(|(idx, spec)| view! { <Chart session idx spec /> }.into_any())
            .collect::<Vec<_>>()
    };
    let has_machines = move || session.panels.with(|ps| ps.iter().any(|p| matches!(p, Panel::Machines { .. })));
    let watch = move || {
        session.active_preset().map(|p| p.watch).unwrap_or(
            "Press play (Space), then click a node or a link to break it; → jumps to the next notable moment.",
        )
    };

    if embed {
        shortcuts::listen(session, None);
        let open_url = move || {
            session.now.get();
            crate::widgets::embed::absolute_url(&url_state::encode(&session.url_state(false)))
        };
        return view! {
            <div class="embed-root" data-testid="embed-root">
                <Notices notices=session.notices />
                <div class="embed-stage" node_ref=stage_ref>
                    <Stage session />
                </div>
                <Transport session compact=true />
                <div class="embed-lower">
                    {options.chart.then(|| view! { <div class="embed-chart">{move || key_chart()}</div> }.into_any())}
                    <div class="embed-side">
                        {move || (options.narration || session.present.get()).then(|| view! { <LatestLine session /> }.into_any())}
                        {options.presets.then(|| view! {
                            <div class="presets chips" role="group" aria-label="Presets">{preset_buttons(session, true)}</div>
                        }.into_any())}
                        {options.params.then(|| view! { <div class="embed-params">{move || key_params()}</div> }.into_any())}
                        <p class="embed-foot muted">{move || in_flight()}" · "
                            <a href=move || open_url() target="_blank" rel="noopener">"Open in Faultline ↗"</a>
                        </p>
                    </div>
                </div>
                <KeyCue session />
                {hidden_state}
            </div>
        }
        .into_any();
    }

    let other_params = move || {
        scene
            .params()
            .iter()
            .filter(|s| !scene.key_params().contains(&s.name))
            .map(|spec| view! { <ParamControl session spec /> }.into_any())
            .collect::<Vec<_>>()
    };
    let home = move |e: web_sys::MouseEvent| {
        if !(e.ctrl_key() || e.meta_key() || e.shift_key() || e.button() != 0) {
            e.prevent_default();
            navigate("?");
        }
    };
    let preset_desc = move || session.active_preset().map(|p| p.description);
    // Everything below the stage mounts one frame after the stage has been painted: a reader sees the stage
    // (and can press play) one mount, one style pass and one layout sooner, and nothing above moves when the
    // rest arrives. Measured on the circuit breaker's cold load: see the commit.
    let below_stage = RwSignal::new(false);
    request_animation_frame(move || {
        request_animation_frame(move || {
            below_stage.try_set(true);
        })
    });

    view! {
        <header class="site">
            <a class="brand" href="?" on:click=cb(home)>"Faultline"</a>
            <span class="crumb" aria-hidden="true">"/"</span>
            <h1>{scene.title()}</h1>
            <div class="header-tools">
                <ExportMenu session />
                <EmbedButton session />
                <PresentButton session />
                <Shortcuts session />
            </div>
        </header>
        <Notices notices=session.notices />
        {tour_step.map(|n| view! { <TourCard session scene n /> }.into_any())}
        <ChallengeCard session />
        <section class="stage-card" aria-label="Simulation">
            <p class="watch" data-testid="watch"><strong>"Watch: "</strong>{move || watch().trim_start_matches("Watch ").to_string()}</p>
            <div class="stage-grid" class:comparing=move || session.compare.get().is_some()>
                <div class="stage-col" node_ref=stage_ref>
                    <CompareStages session />
                    <p class="stage-foot muted">
                        <span data-testid="in-flight">{move || in_flight()}</span>
                        " · click a node or a link to inject a fault"
                    </p>
                    <Transport session compact=false />
                    {move || session.present.get().then(|| view! { <div class="present-latest"><LatestLine session /></div> }.into_any())}
                </div>
                <div class="story-col">
                    <div class="key-chart">{move || key_chart()}</div>
                    <Narration session />
                </div>
            </div>
        </section>
        {show(move || below_stage.get(), move || view! {
            <div class="scene-panels"><ScenePanels session /></div>
            <main class="scene-layout">
                <div class="col-main">
                    {show(has_machines, move || view! {
                        <section class="panel machine-panel" aria-label="State machine"><Machines session /></section>
                    }.into_any())}
                    <CompareSelect session />
                    <section class="charts" aria-label="Charts">{move || other_charts()}</section>
                    <CompareTable session />
                </div>
                <aside class="col-side">
                    <section class="panel" aria-labelledby="presets-title">
                        <h2 id="presets-title">"Presets"</h2>
                        <div class="presets" role="group" aria-label="Presets">{preset_buttons(session, false)}</div>
                        <p class="muted preset-desc" data-testid="preset-desc">{move || preset_desc()}</p>
                    </section>
                    <section class="panel" aria-labelledby="params-title">
                        <h2 id="params-title">"Parameters"</h2>
                        {move || key_params()}
                        <details class="more-params">
                            <summary>"More parameters"</summary>
                            {other_params()}
                        </details>
                    </section>
                    <Counters session />
                </aside>
            </main>
            <ExplainPanel scene />
            <footer class="site-foot muted">
                "Every dot is a message of a deterministic simulation; the same seed, parameters and faults always give the same run. "
                <span>"Trace "{move || crate::core::format::hash_hex(session.trace_hash.get())}" · "{move || session.n_events.get()}" events"</span>
            </footer>
        }.into_any())}
        <KeyCue session />
        {hidden_state}
    }
    .into_any()
}
