//! The Topology panel's widget: boxes with their work piled inside (one token per unit of work against the
//! capacity), links with any gate sitting on them (a breaker drawn as a switch with its window of outcomes),
//! a one-line legend, and a `<canvas>` laid over it all for the messages in flight (see `canvas.rs`).
//! Generic: every word on it comes from the scene's [`TopologyView`].
//!
//! SVG and canvas share one coordinate system — one viewBox unit per CSS pixel of the stage's width — so a
//! box and the dots that leave it line up, and text keeps its size in an embed or on a phone. The layout is
//! recomputed when the topology's shape changes (a server added mid-run) or the stage's width does; the run
//! itself is untouched. Data hooks for tests: `data-tokens`/`data-capacity` on piles, `data-state` on gates.

mod canvas;
pub mod layout;

use std::rc::Rc;

use faultline_sim::scene::{
    ActionKind, GateState, GateView, LegendItem, NodeView, Panel, Tone, TopologyView, WorkView,
};
use leptos::html::{Canvas, Div};
use leptos::prelude::*;

use crate::core::palette::{colour, marker, marker_path, tint};
use crate::session::Session;
use layout::{
    BADGE_H, BADGE_PX, BADGE_Y, COMPACT_LABEL_Y, COMPACT_PILE_TOP, GATE_SLOT_PITCH, LABEL_PX, LABEL_Y, LINE_PX,
    LINE_STEP, LINE_Y, Pile, Rect, StageLayout, TEXT_INSET, TEXT_X, fit_px, full_pile, hint_on_own_row, hint_width,
    pile, pile_top, text_width, token_at,
};

/// The topology among a set of panels.
pub fn topology_of(panels: RwSignal<Vec<Panel>>) -> Memo<TopologyView> {
    Memo::new(move |_| {
        panels.with(|ps| {
            ps.iter()
                .find_map(|p| match p {
                    Panel::Topology(t) => Some(t.clone()),
                    _ => None,
                })
                .unwrap_or_default()
        })
    })
}

/// Stage widths that differ by less than this are laid out alike (no re-layout on a one-pixel wobble).
const WIDTH_STEP: f64 = 16.0;

fn quantize(px: f64) -> f64 {
    (px / WIDTH_STEP).floor() * WIDTH_STEP
}

/// The stage of a session's run A.
#[component]
pub fn Stage(session: Session) -> impl IntoView {
    let topo = topology_of(session.panels);
    view! { <StageOf session topo which=PainterSlot::A /> }
}

/// Which run a stage draws (its painter slot in the session).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PainterSlot {
    A,
    B,
}

/// A stage drawing `topo`, with the messages the session paints into `slot`.
#[component]
pub fn StageOf(session: Session, topo: Memo<TopologyView>, which: PainterSlot) -> impl IntoView {
    let slot = which;
    let wrap_ref = NodeRef::<Div>::new();
    let width = RwSignal::new(quantize(
        window().inner_width().ok().and_then(|w| w.as_f64()).map(|w| (w - 40.0).min(1320.0)).unwrap_or(1200.0),
    ));
    let measure = move || {
        if let Some(el) = wrap_ref.get_untracked() {
            let w = quantize(el.client_width() as f64);
            if w > 0.0 && (w - width.get_untracked()).abs() >= WIDTH_STEP {
                width.set(w);
            }
        }
    };
    Effect::new(move |_| {
        if wrap_ref.get().is_some() {
            measure();
        }
    });
    let resize = window_event_listener(leptos::ev::resize, move |_| measure());
    on_cleanup(move || resize.remove());
    let key = Memo::new(move |_| topo.with(|t| t.layout_key()));
    let laid_out = move || {
        // Read, not only tracked: a memo recomputes (and notifies) when it is read.
        let _ = key.get();
        let px = width.get();
        let layout = topo.with_untracked(|t| StageLayout::new(px, t));
        view! { <StageLaidOut session topo layout which=slot /> }
    };
    let legend = move || topo.with(|t| t.legend.clone()).into_iter().map(legend_item).collect::<Vec<_>>();
    view! {
        <div class="stage-measure" node_ref=wrap_ref>{laid_out}</div>
        <ul class="legend stage-legend" aria-label="What the dots and tokens mean">{legend}</ul>
    }
}

fn legend_item(item: LegendItem) -> impl IntoView {
    view! {
        <li>
            <svg class="legend-token" viewBox="-7 -7 14 14" aria-hidden="true">
                <path d=marker_path(marker(item.tone), 5.0) fill=colour(item.tone)></path>
            </svg>
            {item.label}
        </li>
    }
}

#[component]
fn StageLaidOut(session: Session, topo: Memo<TopologyView>, layout: StageLayout, which: PainterSlot) -> impl IntoView {
    let slot = which;
    let canvas_ref = NodeRef::<Canvas>::new();
    let reduced = canvas::prefers_reduced_motion();
    let (n_nodes, n_links) = topo.with_untracked(|t| (t.nodes.len(), t.links.len()));
    let (vb_w, vb_h, vertical) = (layout.vb_w, layout.vb_h, layout.vertical);
    let layout = Rc::new(layout);
    let names: Rc<Vec<String>> = Rc::new(topo.with_untracked(|t| t.nodes.iter().map(|n| n.name.clone()).collect()));
    Effect::new({
        let layout = layout.clone();
        move |_| {
            if let Some(canvas) = canvas_ref.get() {
                let (layout, names) = (layout.clone(), names.clone());
                let canvas: web_sys::HtmlCanvasElement = canvas;
                let painter: crate::session::Painter =
                    Box::new(move |msgs, now| canvas::paint(&layout, &names, &canvas, msgs, now, reduced));
                match slot {
                    PainterSlot::A => session.set_painter(Some(painter)),
                    PainterSlot::B => session.set_painter_b(Some(painter)),
                }
            }
        }
    });
    on_cleanup(move || match slot {
        PainterSlot::A => session.painter_off(),
        PainterSlot::B => session.painter_b_off(),
    });
    let links = (0..n_links).map(|i| link_view(session, topo, layout.clone(), i, slot)).collect::<Vec<_>>();
    let nodes =
        (0..n_nodes).map(|i| node_view(session, topo, layout.boxes[i], layout.compact[i], i, slot)).collect::<Vec<_>>();
    view! {
        <div class="stage-wrap" class:vertical=vertical style:aspect-ratio=format!("{vb_w} / {vb_h}")
            style:max-width=format!("{vb_w}px")>
            <svg class="stage" data-testid=if slot == PainterSlot::A { "stage" } else { "stage-b" }
                viewBox=format!("0 0 {vb_w} {vb_h}") role="group"
                aria-label="Topology: click a node or a link to inject a fault">
                <g class="links">{links}</g>
                <g class="nodes">{nodes}</g>
            </svg>
            <canvas class="messages" node_ref=canvas_ref aria-hidden="true"
                data-motion=if reduced { "reduced" } else { "full" }></canvas>
        </div>
    }
}

fn link_view(
    session: Session,
    topo: Memo<TopologyView>,
    l: Rc<StageLayout>,
    i: usize,
    slot: PainterSlot,
) -> impl IntoView {
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
    let gate = Memo::new(move |_| link.with(|l| l.as_ref().and_then(|l| l.gate.clone())));
    // The visible text (a gate's label and caption) comes first in the accessible name, in order.
    let label = move || -> String {
        let g = gate.with(|g| g.as_ref().map(|g| format!("{} {} {}. ", g.label, g.state_label, g.caption)));
        let g = g.unwrap_or_default();
        if cut() {
            format!("{g}Link {la} – {lb}: cut. Activate to heal it.")
        } else {
            format!("{g}Link {la} – {lb}: connected. Activate to cut it.")
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
    let link_id = format!("link-{na}-{nb}");
    let (mx, my) = ((x1 + x2) / 2.0, (y1 + y2) / 2.0);
    // A band around the line is the click target (a bare line has no area to hit or to measure).
    let len = ((x2 - x1).powi(2) + (y2 - y1).powi(2)).sqrt().max(1e-9);
    let (ux, uy) = ((x2 - x1) / len, (y2 - y1) / len);
    let (nx, ny) = (-uy * 14.0, ux * 14.0);
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
    let interactive = slot == PainterSlot::A;
    let gate_id = format!("gate-{na}-{nb}");
    let gate_view = move || {
        gate.get().map(|g| {
            let at = g.at as f64;
            let centre = (x1 + (x2 - x1) * at, y1 + (y2 - y1) * at);
            gate_drawing(g, centre, (ux, uy), gate_id.clone())
        })
    };
    view! {
        <g class="link" class:cut=cut class:gated=move || gate.with(|g| g.is_some())
            tabindex=if interactive { Some("0") } else { None } role=if interactive { "button" } else { "img" }
            aria-label=label
            style:display=if ends.is_some() { "" } else { "none" }
            data-testid=link_id
            on:click=move |_| if interactive { toggle() }
            on:keydown=move |e: web_sys::KeyboardEvent| {
                if interactive && (e.key() == "Enter" || e.key() == " ") { e.prevent_default(); e.stop_propagation(); toggle2(); }
            }>
            <polygon class="link-hit" points=hit></polygon>
            <line class="link-line" x1=x1 y1=y1 x2=x2 y2=y2></line>
            {gate_view}
            <g class="cut-mark" style:display=move || if cut() { "" } else { "none" }>
                <circle cx=mx cy=my r="11"></circle>
                <path d=format!("M{:.1},{:.1}l10,10m0,-10l-10,10", mx - 5.0, my - 5.0)></path>
            </g>
        </g>
    }
}

/// A gate on a link at `c`, the link running along `u`: a switch (closed: the bar lies on the line;
/// open: raised, breaking it; half-open: ajar and dashed), its state in words above, and its window of
/// outcomes as a strip of slots below with a caption.
fn gate_drawing(g: GateView, c: (f64, f64), u: (f64, f64), testid: String) -> impl IntoView {
    const HALF: f64 = 15.0;
    let (a, b) = ((c.0 - u.0 * HALF, c.1 - u.1 * HALF), (c.0 + u.0 * HALF, c.1 + u.1 * HALF));
    let angle: f64 = match g.state {
        GateState::Closed => 0.0,
        GateState::HalfOpen => -22.0,
        GateState::Open => -48.0,
    };
    let (s, co) = angle.to_radians().sin_cos();
    // The lever pivots at `a` and rotates away from the line, towards "up" of the link's direction.
    let lever = (a.0 + 2.0 * HALF * (u.0 * co - u.1 * s), a.1 + 2.0 * HALF * (u.0 * s + u.1 * co));
    let tone = match g.state {
        GateState::Closed => Tone::Good,
        GateState::HalfOpen => Tone::Warn,
        GateState::Open => Tone::Bad,
    };
    let state = match g.state {
        GateState::Closed => "closed",
        GateState::HalfOpen => "half_open",
        GateState::Open => "open",
    };
    let slots = g.window_slots.map(|n| n as usize).unwrap_or(g.window.len()).clamp(g.window.len(), 40);
    let pitch = GATE_SLOT_PITCH;
    let strip_w = slots as f64 * pitch;
    let strip = (0..slots)
        .map(|k| {
            let x = c.0 - strip_w / 2.0 + pitch / 2.0 + k as f64 * pitch;
            let y = c.1 + 24.0;
            match g.window.get(k) {
                Some(t) => view! {
                    <path class="slot" d=marker_path(marker(*t), 3.3) fill=colour(*t)
                        transform=format!("translate({x:.1},{y:.1})")></path>
                }
                .into_any(),
                None => view! { <circle class="slot empty" cx=x cy=y r="2.7"></circle> }.into_any(),
            }
        })
        .collect::<Vec<_>>();
    view! {
        <g class="gate" data-testid=testid data-state=state>
            <rect class="gate-back" x=c.0 - HALF - 4.0 y=c.1 - HALF - 4.0 width=2.0 * HALF + 8.0 height=2.0 * HALF + 8.0 rx="6"></rect>
            <circle class="gate-pin" cx=a.0 cy=a.1 r="3.5" fill=colour(tone)></circle>
            <circle class="gate-pin" cx=b.0 cy=b.1 r="3.5" fill=colour(tone)></circle>
            <line class="gate-lever" x1=a.0 y1=a.1 x2=lever.0 y2=lever.1 stroke=colour(tone)
                stroke-dasharray=if g.state == GateState::HalfOpen { "5 3" } else { "" }></line>
            <text class="gate-label" x=c.0 + 6.0 y=c.1 - HALF - 8.0 text-anchor="middle">
                {format!("{} {} ", g.label, g.state_label)}
            </text>
            <path class="gate-mark" d=marker_path(marker(tone), 4.0) fill=colour(tone)
                transform=format!("translate({:.1},{:.1})", c.0 - 6.0 - crate::widgets::stage::layout::text_width(&format!("{} {}", g.label, g.state_label), 12.5, true) / 2.0, c.1 - HALF - 12.5)></path>
            <g class="gate-window">{strip}</g>
            <text class="gate-caption" x=c.0 y=c.1 + 42.0 text-anchor="middle">{format!("{} ", g.caption)}</text>
        </g>
    }
}

/// Tokens of a pile: one per unit of work (group by group, in their tones and shapes), then empty slots up
/// to the capacity; tokens past the capacity are ringed; work beyond what fits is counted ("+N").
fn pile_view(work: &WorkView, p: Pile, x0: f64, top: f64) -> impl IntoView + use<> {
    let cap = work.capacity.unwrap_or(0) as usize;
    let mut tones = Vec::with_capacity(p.slots);
    for g in &work.groups {
        for _ in 0..g.count {
            tones.push(Some(g.tone));
        }
    }
    let tokens = (0..p.slots)
        .map(|i| {
            let (x, y) = token_at(&p, x0, top, i);
            let over = cap > 0 && i >= cap;
            match tones.get(i).copied().flatten() {
                Some(t) => view! {
                    <path class="token" class:over=over d=marker_path(marker(t), p.radius) fill=colour(t)
                        transform=format!("translate({x:.1},{y:.1})")></path>
                }
                .into_any(),
                None => view! { <circle class="slot empty" cx=x cy=y r=p.radius - 0.9></circle> }.into_any(),
            }
        })
        .collect::<Vec<_>>();
    let more = (p.hidden > 0).then(|| {
        let (x, y) = token_at(&p, x0, top, p.slots);
        view! { <text class="pile-more" x=x - 4.0 y=y + 4.5>{format!("+{} ", p.hidden)}</text> }
    });
    view! {
        <g class="pile" data-tokens=work.total() data-capacity=work.capacity.map(|c| c.to_string())>
            {tokens}{more}
        </g>
    }
}

fn node_view(
    session: Session,
    topo: Memo<TopologyView>,
    r: Rect,
    compact: bool,
    i: usize,
    slot: PainterSlot,
) -> impl IntoView {
    let (node_w, node_h) = (r.w, r.h);
    let node = Memo::new(move |_| topo.with(|t| t.nodes.get(i).cloned()));
    let name = topo.with_untracked(|t| t.nodes[i].name.clone());
    let (x0, y0) = (r.x, r.y);
    let clip_id = format!("node-clip-{}-{name}", if slot == PainterSlot::A { "a" } else { "b" });
    let get = move |f: fn(&NodeView) -> Option<String>| node.with(|n| n.as_ref().and_then(f));
    let tone = move || node.with(|n| n.as_ref().map(|n| n.tone).unwrap_or(Tone::Neutral));
    let interactive = slot == PainterSlot::A;
    let first_action =
        move || node.with(|n| n.as_ref().and_then(|n| n.actions.first().cloned())).filter(|_| interactive);
    let actionable = move || first_action().is_some();
    let label = move || get(|n| Some(n.label.clone())).unwrap_or_default();
    let badge = move || get(|n| n.badge.clone()).unwrap_or_default();
    // The badge's word; its tone's marker shape is drawn before it (a shape, not a character, so the visible
    // text is the words a screen reader also reads).
    let badge_text = badge;
    let act = move || {
        if let Some(a) = first_action() {
            session.apply(a.kind);
        }
    };
    let avail = node_w - TEXT_INSET;
    let badge_w = move |px: f64, t: &str| text_width(t, px, true) + 0.02 * px * t.chars().count() as f64;
    let action_hint = move || first_action().map(|a| a.label.to_string()).unwrap_or_default();
    // The hint sits inside the box, top right on the label's row, or on a row of its own at the bottom when
    // that row is too narrow for both (the layout left room for it).
    let hint_below =
        interactive && topo.with_untracked(|t| t.nodes.get(i).is_some_and(|n| hint_on_own_row(n, node_w, compact)));
    let hint_w = move || {
        let h = action_hint();
        if h.is_empty() || hint_below { 0.0 } else { hint_width(&h) }
    };
    // A compact box draws its badge beside the label only when both fit (the accessible name follows suit).
    let compact_badge_shown = move || {
        let full_bw = badge_w(12.0, &badge_text()) + 26.0;
        text_width(&label(), 14.0, true) + full_bw + hint_w() + 10.0 <= avail
    };
    // The accessible name starts with the visible text, in order (axe: label-content-name-mismatch; every
    // text element ends with a space so its words do not run into the next one's), then says what the
    // tokens show.
    let aria = move || {
        let mut parts = vec![label(), if !compact || compact_badge_shown() { badge() } else { String::new() }];
        let mut extra = Vec::new();
        node.with(|n| {
            if let Some(n) = n {
                if !compact {
                    parts.extend(n.lines.iter().cloned());
                }
                if let Some(w) = &n.work {
                    let p = if compact { pile(w, node_w, 1) } else { full_pile(w, node_w) };
                    if p.hidden > 0 {
                        parts.push(format!("+{}", p.hidden));
                    }
                    let doing = w
                        .groups
                        .iter()
                        .filter(|g| g.count > 0)
                        .map(|g| format!("{} {}", g.count, g.label))
                        .collect::<Vec<_>>()
                        .join(", ");
                    let cap = w.capacity.map(|c| format!(" (capacity {c})")).unwrap_or_default();
                    extra.push(if doing.is_empty() { format!("no {}s{cap}", w.unit) } else { format!("{doing}{cap}") });
                }
            }
        });
        if let Some(a) = first_action() {
            parts.push(a.label.to_string());
            extra.push(format!("activate to {}", a.label.to_lowercase()));
        }
        parts.retain(|p| !p.is_empty());
        format!("{}. {}", parts.join(" "), extra.join(", "))
    };
    let work = Memo::new(move |_| node.with(|n| n.as_ref().and_then(|n| n.work.clone())));
    let content = move || {
        if compact {
            // Label on the left, badge on the right of one row (when both fit); a strip of tokens under them.
            let badge_px = 12.0;
            let full_bw = badge_w(badge_px, &badge_text()) + 26.0;
            let label_w = text_width(&label(), 14.0, true);
            let show_badge = compact_badge_shown();
            let bw = if show_badge { full_bw } else { 0.0 };
            let label_px = fit_px(avail - bw - hint_w(), 14.0, [label_w]);
            let pile = work.get().map(|w| {
                let p = pile(&w, node_w, 1);
                pile_view(&w, p, x0, y0 + COMPACT_PILE_TOP)
            });
            view! {
                <text class="node-label" x=x0 + TEXT_X y=y0 + COMPACT_LABEL_Y style:font-size=format!("{label_px:.1}px")>{label()}" "</text>
                {show_badge.then(|| view! {
                    <g class="badge">
                        <rect x=x0 + node_w - 6.0 - bw y=y0 + 5.0 height="19" rx="9.5" fill="#fff" stroke=colour(tone()) width=bw></rect>
                        <path class="badge-mark" d=marker_path(marker(tone()), 4.2) fill=colour(tone())
                            transform=format!("translate({:.1},{:.1})", x0 + node_w - 6.0 - bw + 11.0, y0 + 14.5)></path>
                        <text class="badge-text" data-testid=format!("node-{}-badge", topo.with_untracked(|t| t.nodes.get(i).map(|n| n.name.clone()).unwrap_or_default()))
                            x=x0 + node_w - 6.0 - bw + 19.0 y=y0 + 18.5 style:font-size=format!("{badge_px:.1}px")>{badge_text()}" "</text>
                    </g>
                })}
                {pile}
            }
            .into_any()
        } else {
            let label_px = fit_px(avail - hint_w(), LABEL_PX, [text_width(&label(), LABEL_PX, true)]);
            let badge_px = fit_px(avail - 30.0, BADGE_PX, [badge_w(BADGE_PX, &badge_text())]);
            let n = node.get();
            let lines = n.as_ref().map(|n| n.lines.clone()).unwrap_or_default();
            let lines_px = fit_px(avail, LINE_PX, lines.iter().map(|l| text_width(l, LINE_PX, false)));
            let pile = n
                .as_ref()
                .and_then(|n| n.work.as_ref().map(|w| pile_view(w, full_pile(w, node_w), x0, y0 + pile_top(n))));
            let lines = lines
                .into_iter()
                .enumerate()
                .map(|(k, l)| {
                    view! {
                        <text class="node-line" x=x0 + TEXT_X y=y0 + LINE_Y + k as f64 * LINE_STEP
                            style:font-size=format!("{lines_px:.1}px")>{l}" "</text>
                    }
                })
                .collect::<Vec<_>>();
            let name = n.map(|n| n.name).unwrap_or_default();
            view! {
                <text class="node-label" x=x0 + TEXT_X y=y0 + LABEL_Y style:font-size=format!("{label_px:.1}px")>{label()}" "</text>
                <g class="badge">
                    <rect x=x0 + 8.0 y=y0 + BADGE_Y height=BADGE_H rx=BADGE_H / 2.0 fill="#fff" stroke=colour(tone())
                        width=format!("{:.1}", 28.0 + badge_w(badge_px, &badge_text()))></rect>
                    <path class="badge-mark" d=marker_path(marker(tone()), 4.6) fill=colour(tone())
                        transform=format!("translate({:.1},{:.1})", x0 + 19.0, y0 + BADGE_Y + BADGE_H / 2.0)></path>
                    <text class="badge-text" data-testid=format!("node-{name}-badge") x=x0 + 28.0 y=y0 + BADGE_Y + 15.5
                        style:font-size=format!("{badge_px:.1}px")>{badge_text()}" "</text>
                </g>
                {lines}
                {pile}
            }
            .into_any()
        }
    };
    view! {
        <g class="node" class:actionable=actionable class:compact=compact data-testid=format!("node-{name}")
            tabindex=move || if actionable() { Some("0") } else { None }
            role=move || if actionable() { Some("button") } else { Some("img") }
            aria-label=aria
            on:click=move |_| act()
            on:keydown=move |e: web_sys::KeyboardEvent| {
                if e.key() == "Enter" || e.key() == " " { e.prevent_default(); e.stop_propagation(); act(); }
            }>
            <clipPath id=clip_id.clone()><rect x=x0 y=y0 width=node_w - 3.0 height=node_h></rect></clipPath>
            <rect class="node-box" x=x0 y=y0 width=node_w height=node_h rx="10"
                fill=move || tint(tone()) stroke=move || colour(tone())></rect>
            <g clip-path=format!("url(#{clip_id})")>{content}</g>
            {move || first_action().map(|_| {
                let y = y0 + if hint_below { node_h - 7.0 } else if compact { 19.0 } else { 20.0 };
                let x = x0 + node_w - 8.0;
                view! {
                    <text class="node-hint" x=x - 10.0 y=y text-anchor="end">{action_hint}" "</text>
                    <path class="node-hint-mark" d=format!("M{:.1},{:.1}l6,4l-6,4z", x - 6.0, y - 8.5)></path>
                }
            })}
        </g>
    }
}
