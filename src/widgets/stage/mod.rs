//! The Topology panel's widget: the boxes and links in SVG (few elements, focusable, crisp text) with a
//! `<canvas>` laid over it for the messages in flight (see `canvas.rs`). Generic: every word on it comes
//! from the scene's [`TopologyView`].
//!
//! Both layers share one coordinate system (the [`StageLayout`]'s viewBox), and the wrapper keeps its
//! aspect ratio, so a node's SVG box and the canvas dots that leave it line up at any width. The layout is
//! recomputed when the topology's shape changes (a server added mid-run, a shard removed) or the viewport
//! crosses the phone breakpoint; the run itself is untouched.

mod canvas;
pub mod layout;

use faultline_sim::scene::{ActionKind, NodeView, Panel, Tone, TopologyView};
use leptos::html::Canvas;
use leptos::prelude::*;

use crate::core::palette::{colour, symbol, tint};
use crate::session::Session;
use layout::{
    BADGE_PX, BADGE_Y, LABEL_PX, LABEL_Y, LINE_PX, LINE_STEP, LINE_Y, PHONE_MAX_PX, Rect, StageLayout, TEXT_INSET,
    TEXT_X, fit_scale, text_width,
};

/// The topology among a session's panels.
fn topology(session: Session) -> Memo<TopologyView> {
    Memo::new(move |_| {
        session.panels.with(|ps| {
            ps.iter()
                .find_map(|p| match p {
                    Panel::Topology(t) => Some(t.clone()),
                    _ => None,
                })
                .unwrap_or_default()
        })
    })
}

fn viewport_width() -> f64 {
    window().inner_width().ok().and_then(|w| w.as_f64()).unwrap_or(1280.0)
}

/// The stage, laid out for the viewport and the current topology.
#[component]
pub fn Stage(session: Session) -> impl IntoView {
    let narrow = RwSignal::new(viewport_width() < PHONE_MAX_PX);
    let resize = window_event_listener(leptos::ev::resize, move |_| {
        let now_narrow = viewport_width() < PHONE_MAX_PX;
        if now_narrow != narrow.get_untracked() {
            narrow.set(now_narrow);
        }
    });
    on_cleanup(move || resize.remove());
    let topo = topology(session);
    let key = Memo::new(move |_| topo.with(|t| t.layout_key()));
    move || {
        // Read, not only tracked: a memo recomputes (and notifies) when it is read.
        let _ = key.get();
        let px = if narrow.get() { PHONE_MAX_PX - 1.0 } else { viewport_width().max(PHONE_MAX_PX) };
        let layout = topo.with_untracked(|t| StageLayout::new(px, t));
        view! { <StageLaidOut session topo layout /> }
    }
}

#[component]
fn StageLaidOut(session: Session, topo: Memo<TopologyView>, layout: StageLayout) -> impl IntoView {
    let canvas_ref = NodeRef::<Canvas>::new();
    let reduced = canvas::prefers_reduced_motion();
    let (n_nodes, n_links) = topo.with_untracked(|t| (t.nodes.len(), t.links.len()));
    let (vb_w, vb_h, vertical) = (layout.vb_w, layout.vb_h, layout.vertical);
    let layout = std::rc::Rc::new(layout);

    let names: std::rc::Rc<Vec<String>> =
        std::rc::Rc::new(topo.with_untracked(|t| t.nodes.iter().map(|n| n.name.clone()).collect()));
    Effect::new({
        let layout = layout.clone();
        move |_| {
            if let Some(canvas) = canvas_ref.get() {
                let (layout, names) = (layout.clone(), names.clone());
                let canvas: web_sys::HtmlCanvasElement = canvas;
                session.set_painter(Some(Box::new(move |msgs, now| {
                    canvas::paint(&layout, &names, &canvas, msgs, now, reduced)
                })));
            }
        }
    });
    on_cleanup(move || session.painter_off());
    // A resize changes the canvas's pixel size: repaint at once rather than at the next frame.
    let resize = window_event_listener(leptos::ev::resize, move |_| session.repaint());
    on_cleanup(move || resize.remove());

    let links = (0..n_links).map(|i| link_view(session, topo, layout.clone(), i)).collect::<Vec<_>>();
    let nodes =
        (0..n_nodes).map(|i| node_view(session, topo, layout.boxes[i], layout.compact[i], i)).collect::<Vec<_>>();

    view! {
        <div class="stage-wrap" class:vertical=vertical style:aspect-ratio=format!("{vb_w} / {vb_h}")>
            <svg class="stage" data-testid="stage" viewBox=format!("0 0 {vb_w} {vb_h}")
                role="group" aria-label="Topology: click a node or a link to inject a fault">
                <g class="links">{links}</g>
                <g class="nodes">{nodes}</g>
            </svg>
            <canvas class="messages" node_ref=canvas_ref aria-hidden="true"
                data-motion=if reduced { "reduced" } else { "full" }></canvas>
        </div>
    }
}

fn link_view(session: Session, topo: Memo<TopologyView>, l: std::rc::Rc<StageLayout>, i: usize) -> impl IntoView {
    let link = Memo::new(move |_| topo.with(|t| t.links.get(i).cloned()));
    let (na, nb, la, lb, ends) = topo.with_untracked(|t| {
        let link = &t.links[i];
        let pos = |name: &str| t.nodes.iter().position(|n| n.name == name);
        let label = |name: &str| pos(name).map(|k| t.nodes[k].label.clone()).unwrap_or_else(|| name.to_string());
        let ends = pos(&link.a).zip(pos(&link.b)).map(|(a, b)| l.link_ends(a, b));
        (link.a.clone(), link.b.clone(), label(&link.a), label(&link.b), ends)
    });
    // A link to a box this layout does not have is not drawn (the topology is being re-laid out).
    let ((x1, y1), (x2, y2)) = ends.unwrap_or(((0.0, 0.0), (0.0, 0.0)));
    let cut = move || link.with(|l| l.as_ref().map(|l| l.cut).unwrap_or(false));
    let label = move || -> String {
        if cut() {
            format!("Link {la} – {lb}: cut. Activate to heal it.")
        } else {
            format!("Link {la} – {lb}: connected. Activate to cut it.")
        }
    };
    let toggle = {
        let (na, nb) = (na.clone(), nb.clone());
        move || {
            let (a, b) = (na.clone(), nb.clone());
            session.apply(if cut() { ActionKind::Heal { a, b } } else { ActionKind::Cut { a, b } });
        }
    };
    let toggle2 = toggle.clone();
    let label2 = label.clone();
    let (mx, my) = ((x1 + x2) / 2.0, (y1 + y2) / 2.0);
    // A band around the line is the click target (a bare line has no area to hit or to measure).
    let len = ((x2 - x1).powi(2) + (y2 - y1).powi(2)).sqrt().max(1e-9);
    let (nx, ny) = (-(y2 - y1) / len * 17.0, (x2 - x1) / len * 17.0);
    let hit = format!(
        "{:.1},{:.1} {:.1},{:.1} {:.1},{:.1} {:.1},{:.1}",
        x1 + nx,
        y1 + ny,
        x2 + nx,
        y2 + ny,
        x2 - nx,
        y2 - ny,
        x1 - nx,
        y1 - ny
    );
    view! {
        <g class="link" class:cut=cut tabindex="0" role="button" aria-label=label
            style:display=if ends.is_some() { "" } else { "none" }
            data-testid=format!("link-{na}-{nb}")
            on:click=move |_| toggle()
            on:keydown=move |e: web_sys::KeyboardEvent| {
                if e.key() == "Enter" || e.key() == " " { e.prevent_default(); e.stop_propagation(); toggle2(); }
            }>
            <title>{label2}</title>
            <polygon class="link-hit" points=hit></polygon>
            <line class="link-line" x1=x1 y1=y1 x2=x2 y2=y2></line>
            <g class="cut-mark" style:display=move || if cut() { "" } else { "none" }>
                <circle cx=mx cy=my r="13"></circle>
                <text x=mx y=my + 6.0 text-anchor="middle">"✕"</text>
            </g>
        </g>
    }
}

fn node_view(session: Session, topo: Memo<TopologyView>, r: Rect, compact: bool, i: usize) -> impl IntoView {
    let (node_w, node_h) = (r.w, r.h);
    let node = Memo::new(move |_| topo.with(|t| t.nodes.get(i).cloned()));
    let name = topo.with_untracked(|t| t.nodes[i].name.clone());
    let (x0, y0) = (r.x, r.y);
    let clip_id = format!("node-clip-{name}");
    let get = move |f: fn(&NodeView) -> Option<String>| node.with(|n| n.as_ref().and_then(f));
    let tone = move || node.with(|n| n.as_ref().map(|n| n.tone).unwrap_or(Tone::Neutral));
    let first_action = move || node.with(|n| n.as_ref().and_then(|n| n.actions.first().cloned()));
    let actionable = move || first_action().is_some();
    let label = move || get(|n| Some(n.label.clone())).unwrap_or_default();
    let badge = move || get(|n| n.badge.clone()).unwrap_or_default();
    let badge_text = move || {
        let b = badge();
        if b.is_empty() { b } else { format!("{} {}", symbol(tone()), b) }
    };
    let aria = move || {
        let mut s = format!("{}: {}", label(), badge());
        node.with(|n| {
            if let Some(n) = n {
                for l in &n.lines {
                    s.push_str(". ");
                    s.push_str(l);
                }
            }
        });
        if let Some(a) = first_action() {
            s.push_str(&format!(". Activate to {}.", a.label.to_lowercase()));
        }
        s
    };
    let act = move || {
        if let Some(a) = first_action() {
            session.apply(a.kind);
        }
    };
    // Text that would overflow the box shrinks (label, badge and detail lines each on their own), so
    // growing numbers ("12345 sent") stay inside it.
    let avail = node_w - TEXT_INSET;
    let label_px = Memo::new(move |_| LABEL_PX * fit_scale(avail, [text_width(&label(), LABEL_PX, true)]));
    let badge_w = move |px: f64, t: &str| text_width(t, px, true) + 0.02 * px * t.chars().count() as f64;
    let badge_px = Memo::new(move |_| BADGE_PX * fit_scale(avail - 22.0, [badge_w(BADGE_PX, &badge_text())]));
    let lines_px = Memo::new(move |_| {
        LINE_PX
            * node
                .with(|n| n.as_ref().map(|n| fit_scale(avail, n.lines.iter().map(|l| text_width(l, LINE_PX, false)))))
                .unwrap_or(1.0)
    });
    let lines = move || {
        if compact {
            return Vec::new();
        }
        let px = lines_px.get();
        node.with(|n| n.as_ref().map(|n| n.lines.clone()).unwrap_or_default())
            .into_iter()
            .enumerate()
            .map(|(k, l)| {
                view! {
                    <text class="node-line" x=x0 + TEXT_X y=y0 + LINE_Y + k as f64 * LINE_STEP
                        style:font-size=format!("{px:.2}px")>{l}</text>
                }
            })
            .collect::<Vec<_>>()
    };
    let load = move || node.with(|n| n.as_ref().and_then(|n| n.load));
    let has_load = !compact && topo.with_untracked(|t| t.nodes[i].load.is_some());
    let action_hint = move || first_action().map(|a| format!("{} ▸", a.label)).unwrap_or_default();
    view! {
        <g class="node" class:actionable=actionable class:compact=compact data-testid=format!("node-{name}")
            tabindex=move || if actionable() { Some("0") } else { None }
            role=move || if actionable() { Some("button") } else { Some("img") }
            aria-label=aria
            on:click=move |_| act()
            on:keydown=move |e: web_sys::KeyboardEvent| {
                if e.key() == "Enter" || e.key() == " " { e.prevent_default(); e.stop_propagation(); act(); }
            }>
            <title>{aria}</title>
            <clipPath id=clip_id.clone()><rect x=x0 y=y0 width=node_w - 6.0 height=node_h></rect></clipPath>
            <rect class="node-box" x=x0 y=y0 width=node_w height=node_h rx="12"
                fill=move || tint(tone()) stroke=move || colour(tone())></rect>
            <text class="node-hint" x=x0 + node_w - 4.0 y=y0 - 9.0 text-anchor="end">{action_hint}</text>
            <g clip-path=format!("url(#{clip_id})")>
            <text class="node-label" x=x0 + TEXT_X y=y0 + LABEL_Y style:font-size=move || format!("{:.2}px", label_px.get())>{label}</text>
            <g class="badge">
                <rect x=x0 + 12.0 y=y0 + BADGE_Y height="27" rx="13.5" fill="#fff" stroke=move || colour(tone())
                    width=move || format!("{:.1}", 22.0 + badge_w(badge_px.get(), &badge_text()))></rect>
                <text class="badge-text" data-testid=format!("node-{name}-badge") x=x0 + 23.0 y=y0 + BADGE_Y + 19.0
                    style:font-size=move || format!("{:.2}px", badge_px.get())>{badge_text}</text>
            </g>
            {lines}
            </g>
            {has_load.then(|| view! {
                <rect class="load-track" x=x0 + 14.0 y=y0 + node_h - 16.0 width=node_w - 28.0 height="6" rx="3"></rect>
                <rect class="load-fill" x=x0 + 14.0 y=y0 + node_h - 16.0
                    width=move || format!("{:.1}", (node_w - 28.0) * (load().unwrap_or(0.0) as f64).clamp(0.0, 1.0))
                    height="6" rx="3" fill=move || colour(tone())></rect>
            })}
        </g>
    }
}
