//! The home page: what Faultline is, and one card per registered scene with links to its presets, its guided
//! tour and its challenges.

use leptos::prelude::*;

use crate::app::navigate;
use crate::widgets::cb;
use crate::widgets::notice::Notices;

/// A link's click handler: in-app navigation for a plain click; a click with a modifier (new tab, new window)
/// is left to the browser.
fn follow(href: &str) -> impl Fn(web_sys::MouseEvent) + 'static + use<> {
    let href = href.to_owned();
    move |e: web_sys::MouseEvent| {
        if !(e.ctrl_key() || e.meta_key() || e.shift_key() || e.button() != 0) {
            e.prevent_default();
            navigate(&href);
        }
    }
}

#[component]
pub fn HomePage(notices: Vec<String>) -> impl IntoView {
    let notices = RwSignal::new(notices);
    let cards = faultline_sim::scenes()
        .iter()
        .map(|s| {
            let href = format!("?scene={}", s.id());
            let go = follow(&href);
            view! {
                <li class="card" data-testid=format!("scene-card-{}", s.id())>
                    <h2><a href=href on:click=cb(go)>{s.title()}</a></h2>
                    <p>{s.teaches()}</p>
                    <p class="card-presets">
                        <span class="muted">{format!("{} presets: ", s.presets().len())}</span>
                        {s.presets().iter().enumerate().map(|(i, p)| {
                            let href = format!("?scene={}&preset={}", s.id(), p.id);
                            let go = follow(&href);
                            view! {
                                {(i > 0).then_some(" · ")}
                                <a href=href on:click=cb(go) data-testid=format!("home-preset-{}-{}", s.id(), p.id)>{p.title}</a>
                            }
                        }).collect::<Vec<_>>()}
                    </p>
                    {(!s.tour().is_empty()).then(|| {
                        let href = crate::tour::step_href(s.id(), 1);
                        let go = follow(&href);
                        let n = s.tour().len();
                        let q = s.tour().iter().filter(|t| t.prediction.is_some()).count();
                        view! {
                            <p class="card-tour">
                                <a href=href on:click=cb(go) data-testid=format!("home-tour-{}", s.id())>"Guided tour"</a>
                                <span class="muted">{format!(" · {n} steps, {q} predictions")}</span>
                            </p>
                        }
                    })}
                    <p class="card-challenges">
                        <span class="muted">"Challenges: "</span>
                        {s.challenges().iter().enumerate().map(|(i, c)| {
                            let href = format!("?scene={}&challenge={}", s.id(), c.id);
                            let go = follow(&href);
                            view! {
                                {(i > 0).then_some(" · ")}
                                <a href=href on:click=cb(go) data-testid=format!("home-challenge-{}-{}", s.id(), c.id)>{c.title}</a>
                            }
                        }).collect::<Vec<_>>()}
                    </p>
                </li>
            }
        })
        .collect::<Vec<_>>();
    view! {
        <header class="site home-header"><h1 class="brand">"Faultline"</h1></header>
        <Notices notices />
        <main class="home">
            <p class="intro">
                "Faultline animates how backend systems fail. Each scene is a small, deterministic simulation: \
                 every dot is a real message of the model, every chart is measured from it, and every slider \
                 changes the outcome for a reason you can see. Take a dependency down, cut a link, drag a \
                 threshold — then share the exact moment with a link. New here? Each scene has a guided tour \
                 that asks you to predict what happens next, then measures it."
            </p>
            <ul class="cards">{cards}</ul>
        </main>
    }
}
