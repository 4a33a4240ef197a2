//! A scene's page: stage, transport, controls, charts, narration, correctness and explain panels — or, with
//! `embed=1`, only the stage, transport and the scene's key sliders, filling its iframe.

use faultline_sim::scene::{BenchLoad, Panel, Scene};
use leptos::html::Div;
use leptos::prelude::*;

use crate::app::navigate;
use crate::driver::{self, Driver};
use crate::session::Session;
use crate::url_state::{self, parse_query};
use crate::widgets::chart::Chart;
use crate::widgets::compare::{CompareSelect, CompareTable};
use crate::widgets::counters::Counters;
use crate::widgets::embed::EmbedButton;
use crate::widgets::explain::ExplainPanel;
use crate::widgets::machine::Machines;
use crate::widgets::narration::Narration;
use crate::widgets::notice::Notices;
use crate::widgets::shortcuts::Shortcuts;
use crate::widgets::slider::ParamControl;
use crate::widgets::stage::Stage;
use crate::widgets::transport::Transport;

#[component]
pub fn ScenePage(scene: &'static dyn Scene, query: String) -> impl IntoView {
    let pairs = parse_query(&query);
    let (mut state, notices) = url_state::resolve(scene, &pairs);
    let bench_frames = state.bench_frames;
    if bench_frames {
        // The frame benchmark: the scene's crowded load (about 2,000 messages in flight), auto-playing.
        state.params = scene.bench_inputs(BenchLoad::Crowded);
        state.script.clear();
    }
    let embed = state.embed;
    let session = Session::new(scene, state, notices);
    if bench_frames {
        session.playing.set(true);
    }

    let stage_ref = NodeRef::<Div>::new();
    let driver: StoredValue<Option<Driver>, LocalStorage> = StoredValue::new_local(None);
    Effect::new(move |_| {
        if let Some(el) = stage_ref.get()
            && driver.with_value(|d| d.is_none())
        {
            let el: web_sys::Element = el.into();
            driver.set_value(Some(driver::start(session, Some(el))));
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
            .map(|spec| view! { <ParamControl session spec /> })
            .collect::<Vec<_>>()
    };

    if embed {
        return view! {
            <div class="embed-root" data-testid="embed-root">
                <Notices notices=session.notices />
                <div class="embed-stage" node_ref=stage_ref>
                    <Stage session />
                    <p class="stage-foot muted">{in_flight}" · "
                        {move || session.panels.with(|ps| ps.iter().find_map(|p| match p {
                            Panel::Machines { machines } => machines.first().map(|m| format!("{}: {}", m.title, m.states[m.current].0)),
                            _ => None,
                        })).unwrap_or_default()}
                        " · "<a href=move || { session.now.get(); crate::widgets::embed::absolute_url(&url_state::encode(&session.url_state(false))) }
                            target="_blank" rel="noopener">"Open in Faultline ↗"</a>
                    </p>
                </div>
                <Transport session />
                <div class="embed-params">{key_params}</div>
                {hidden_state}
            </div>
        }
        .into_any();
    }

    // The default preset's story describes the run only when the link named no parameters or faults.
    let uses_default = url_state::get(&pairs, "p").is_none() && url_state::get(&pairs, "f").is_none() && !bench_frames;
    let (last_preset, set_last_preset) =
        signal(scene.default_preset().filter(|_| uses_default).and_then(|id| scene.preset(id)).map(|p| p.description));
    let presets = scene
        .presets()
        .iter()
        .map(|p| {
            view! {
                <button class="preset" data-testid=format!("preset-{}", p.id) title=p.description
                    on:click=move |_| { session.load_preset(p.id); set_last_preset.set(Some(p.description)); }>
                    {p.title}
                </button>
            }
        })
        .collect::<Vec<_>>();
    let other_params = scene
        .params()
        .iter()
        .filter(|s| !scene.key_params().contains(&s.name))
        .map(|spec| view! { <ParamControl session spec /> })
        .collect::<Vec<_>>();
    // Which charts the run shows may change with its parameters (no state band without a breaker).
    let chart_specs =
        Memo::new(move |_| session.panels.with(|ps| faultline_sim::scene::charts(ps).collect::<Vec<_>>()));
    let charts = move || {
        chart_specs
            .get()
            .into_iter()
            .enumerate()
            .map(|(idx, spec)| view! { <Chart session idx spec /> })
            .collect::<Vec<_>>()
    };
    let has_machines = move || session.panels.with(|ps| ps.iter().any(|p| matches!(p, Panel::Machines { .. })));
    let home = move |e: web_sys::MouseEvent| {
        if !(e.ctrl_key() || e.meta_key() || e.shift_key() || e.button() != 0) {
            e.prevent_default();
            navigate("?");
        }
    };

    view! {
        <header class="site">
            <a class="brand" href="?" on:click=home>"Faultline"</a>
            <span class="crumb" aria-hidden="true">"/"</span>
            <h1>{scene.title()}</h1>
            <div class="header-tools">
                <EmbedButton session />
                <Shortcuts session />
            </div>
        </header>
        <Notices notices=session.notices />
        <section class="stage-card" aria-label="Simulation">
            <div node_ref=stage_ref><Stage session /></div>
            <p class="stage-foot muted">
                <span data-testid="in-flight">{in_flight}</span>
                " · click a node or a link to inject a fault"
            </p>
            <Transport session />
        </section>
        <main class="scene-layout">
            <div class="col-main">
                <div class="row-2">
                    <Show when=has_machines>
                        <section class="panel machine-panel" aria-label="State machine"><Machines session /></section>
                    </Show>
                    <Narration session />
                </div>
                <CompareSelect session />
                <section class="charts" aria-label="Charts">{charts}</section>
                <CompareTable session />
            </div>
            <aside class="col-side">
                <section class="panel" aria-labelledby="presets-title">
                    <h2 id="presets-title">"Presets"</h2>
                    <div class="presets">{presets}</div>
                    <p class="muted preset-desc">{move || last_preset.get()}</p>
                </section>
                <section class="panel" aria-labelledby="params-title">
                    <h2 id="params-title">"Parameters"</h2>
                    {key_params}
                    <details class="more-params">
                        <summary>"More parameters"</summary>
                        {other_params}
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
        {hidden_state}
    }
    .into_any()
}
