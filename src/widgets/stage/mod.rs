//! The Topology panel's widget: boxes with their work piled inside (one token per unit of work against the
//! capacity), links with any gate sitting on them (a breaker drawn as a switch with its window of outcomes),
//! a one-line legend, and a `<canvas>` laid over it all for the messages in flight (see `canvas.rs`).
//! Generic: every word on it comes from the scene's [`TopologyView`].
//!
//! SVG and canvas share one coordinate system — one viewBox unit per CSS pixel of the stage's width — so a
//! box and the dots that leave it line up, and text keeps its size in an embed or on a phone. The layout is
//! recomputed when the topology's shape changes (a server added mid-run) or the stage's width does; the run
//! itself is untouched. In presenter mode the stage is laid out for a width [`PRESENT_ZOOM`] times narrower
//! and drawn at full width, so every text and token is that much bigger (12 px text renders at 20.2 px). Data hooks for tests: `data-tokens`/`data-capacity` on piles, `data-state` on gates.

mod canvas;
pub mod layout;

use std::rc::Rc;

use faultline_sim::scene::{
    ActionKind, GateState, GateView, LegendItem, LinkView, NodeAction, NodeView, Panel, Tone, TopologyView, WorkView,
};
use leptos::html::{Canvas, Div};
use leptos::prelude::*;

use crate::core::palette::{Marker, TONES, colour, marker, marker_path, markers_path, tint};
use crate::session::Session;
use crate::widgets::cb;
use crate::widgets::dynamic;
use crate::widgets::effect;
use crate::widgets::memo;
use crate::widgets::show;
use layout::{
    BADGE_H, BADGE_PX, BADGE_Y, COMPACT_LABEL_Y, COMPACT_PILE_TOP, GATE_SLOT_PITCH, LABEL_PX, LABEL_Y, LINE_PX,
    LINE_STEP, LINE_Y, Pile, Rect, StageLayout, TEXT_INSET, TEXT_X, fit_px, full_pile, hint_on_own_row, hint_width,
    pile, pile_top, text_width, token_at,
};

/// The topology among a set of panels.
pub fn topology_of(panels: RwSignal<Vec<Panel>>) -> Memo<TopologyView> {
    memo(move |_| {
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

/// How much bigger presenter mode draws the stage (its smallest text, 12 px, renders at 20.2 px).
pub const PRESENT_ZOOM: f64 = 1.68;

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
        // Also called from a timer: a stage replaced in the meantime (a comparison started, the topology
        // re-laid out) has nothing left to measure.
        if width.is_disposed() {
            return;
        }
        if let Some(el) = wrap_ref.get_untracked() {
            let w = quantize(el.client_width() as f64);
            if w > 0.0 && (w - width.get_untracked()).abs() >= WIDTH_STEP {
                width.set(w);
            }
        }
    };
    effect(move || {
        if wrap_ref.get().is_some() {
            measure();
        }
    });
    let resize = window_event_listener(leptos::ev::resize, move |_| measure());
    // Entering or leaving presenter mode changes the stage's width without a resize.
    effect(move || {
        session.present.track();
        set_timeout(measure, std::time::Duration::from_millis(30));
    });
    let zoom = memo(move |_| if session.present.get() { PRESENT_ZOOM } else { 1.0 });
    on_cleanup(move || resize.remove());
    let key = memo(move |_| topo.with(|t| t.layout_key()));
    let laid_out = move || {
        // Read, not only tracked: a memo recomputes (and notifies) when it is read.
        let _ = key.get();
        let zoom = zoom.get();
        let px = (width.get() / zoom).floor();
        let layout = topo.with_untracked(|t| StageLayout::new(px, t));
        view! { <StageLaidOut session topo layout which=slot zoom /> }
    };
    // Rebuilt only when the legend's items change, not with every frame's topology.
    let legend_items = memo(move |_| topo.with(|t| t.legend.clone()));
    let legend = move || legend_items.get().into_iter().map(legend_item).collect::<Vec<_>>();
    view! {
        <div class="stage-measure" node_ref=wrap_ref>{move || laid_out()}</div>
        <ul class="legend stage-legend" aria-label="What the dots and tokens mean">{move || legend()}</ul>
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
fn StageLaidOut(
    session: Session,
    topo: Memo<TopologyView>,
    layout: StageLayout,
    which: PainterSlot,
    zoom: f64,
) -> impl IntoView {
    let slot = which;
    let canvas_ref = NodeRef::<Canvas>::new();
    let reduced = canvas::prefers_reduced_motion();
    let (n_nodes, n_links) = topo.with_untracked(|t| (t.nodes.len(), t.links.len()));
    let (vb_w, vb_h, vertical) = (layout.vb_w, layout.vb_h, layout.vertical);
    let layout = Rc::new(layout);
    let names: Rc<Vec<String>> = Rc::new(topo.with_untracked(|t| t.nodes.iter().map(|n| n.name.clone()).collect()));
    effect({
        let layout = layout.clone();
        move || {
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
    // Each box and link reads its own signal, set by one effect only when its data changed: a frame that
    // changes a few boxes runs those boxes' memos, not a memo per box and per link that clones and compares
    // its part of the topology (that fan-out was a busy stage's largest cost).
    let node_data: Vec<RwSignal<Option<NodeView>>> =
        (0..n_nodes).map(|i| RwSignal::new(topo.with_untracked(|t| t.nodes.get(i).cloned()))).collect();
    let link_data: Vec<RwSignal<Option<LinkView>>> =
        (0..n_links).map(|i| RwSignal::new(topo.with_untracked(|t| t.links.get(i).cloned()))).collect();
    effect({
        let (node_data, link_data) = (node_data.clone(), link_data.clone());
        move || {
            topo.with(|t| {
                set_changed(&node_data, &t.nodes);
                set_changed(&link_data, &t.links);
            })
        }
    });
    let links = link_data.iter().map(|&d| link_view(session, topo, d, layout.clone(), slot)).collect::<Vec<_>>();
    let nodes = node_data
        .iter()
        .enumerate()
        .map(|(i, &d)| node_view(session, d, layout.boxes[i], layout.compact[i], slot))
        .collect::<Vec<_>>();
    view! {
        <div class="stage-wrap" class:vertical=vertical style:aspect-ratio=format!("{vb_w} / {vb_h}")
            style:max-width=format!("{:.0}px", vb_w * zoom)>
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

/// The heading of a stage box: what changes rarely, apart from its lines and tokens.
#[derive(Clone, Debug, PartialEq)]
struct Head {
    label: String,
    badge: String,
    tone: Tone,
    action: Option<NodeAction>,
}

/// Sets each signal of `data` to the item at its index in `fresh` (`None` past its end), only where it differs.
fn set_changed<T: Clone + PartialEq + Send + Sync + 'static>(data: &[RwSignal<Option<T>>], fresh: &[T]) {
    for (i, d) in data.iter().enumerate() {
        let item = fresh.get(i);
        if d.with_untracked(|cur| cur.as_ref() != item) {
            d.set(item.cloned());
        }
    }
}

fn link_view(
    session: Session,
    topo: Memo<TopologyView>,
    link: RwSignal<Option<LinkView>>,
    l: Rc<StageLayout>,
    slot: PainterSlot,
) -> impl IntoView {
    let (na, nb, la, lb, ends) = topo.with_untracked(|t| {
        let Some(link) = link.get_untracked() else { return Default::default() };
        let pos = |name: &str| t.nodes.iter().position(|n| n.name == name);
        let label = |name: &str| pos(name).map(|k| t.nodes[k].label.clone()).unwrap_or_else(|| name.to_string());
        let ends = pos(&link.a).zip(pos(&link.b)).map(|(a, b)| l.link_ends(a, b));
        (link.a.clone(), link.b.clone(), label(&link.a), label(&link.b), ends)
    });
    // A link to a box this layout does not have is not drawn (the topology is being re-laid out).
    let ((x1, y1), (x2, y2)) = ends.unwrap_or(((0.0, 0.0), (0.0, 0.0)));
    let cut = move || link.with(|l| l.as_ref().map(|l| l.cut).unwrap_or(false));
    let gate = memo(move |_| link.with(|l| l.as_ref().and_then(|l| l.gate.clone())));
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
    // Built once while the link has a gate (and where it sits); its parts then follow the gate's data.
    let gate_at = memo(move |_| gate.with(|g| g.as_ref().map(|g| (g.at * 1000.0).round() as i32)));
    let gate_view = move || {
        gate_at.get().map(|at| {
            let at = at as f64 / 1000.0;
            let centre = (x1 + (x2 - x1) * at, y1 + (y2 - y1) * at);
            gate_drawing(gate, centre, (ux, uy), gate_id.clone())
        })
    };
    view! {
        <g class="link" class:cut=move || cut() class:gated=move || gate.with(|g| g.is_some())
            tabindex=if interactive { Some("0") } else { None } role=if interactive { "button" } else { "img" }
            aria-label=move || label()
            style:display=if ends.is_some() { "" } else { "none" }
            data-testid=link_id
            on:click=cb(move |_| if interactive { toggle() })
            on:keydown=cb(move |e: web_sys::KeyboardEvent| {
                if interactive && (e.key() == "Enter" || e.key() == " ") { e.prevent_default(); e.stop_propagation(); toggle2(); }
            })>
            <polygon class="link-hit" points=hit></polygon>
            <line class="link-line" x1=x1 y1=y1 x2=x2 y2=y2></line>
            {move || gate_view()}
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
fn gate_drawing(gate: Memo<Option<GateView>>, c: (f64, f64), u: (f64, f64), testid: String) -> impl IntoView {
    const HALF: f64 = 15.0;
    let (a, b) = ((c.0 - u.0 * HALF, c.1 - u.1 * HALF), (c.0 + u.0 * HALF, c.1 + u.1 * HALF));
    let state = memo(move |_| gate.with(|g| g.as_ref().map_or(GateState::Closed, |g| g.state)));
    let tone = move || match state.get() {
        GateState::Closed => Tone::Good,
        GateState::HalfOpen => Tone::Warn,
        GateState::Open => Tone::Bad,
    };
    let state_word = move || match state.get() {
        GateState::Closed => "closed",
        GateState::HalfOpen => "half_open",
        GateState::Open => "open",
    };
    // The lever pivots at `a` and rotates away from the line, towards "up" of the link's direction.
    let lever = move || {
        let angle: f64 = match state.get() {
            GateState::Closed => 0.0,
            GateState::HalfOpen => -22.0,
            GateState::Open => -48.0,
        };
        let (s, co) = crate::core::sin_cos(angle.to_radians());
        (a.0 + 2.0 * HALF * (u.0 * co - u.1 * s), a.1 + 2.0 * HALF * (u.0 * s + u.1 * co))
    };
    let heading = memo(move |_| gate.with(|g| g.as_ref().map(|g| format!("{} {}", g.label, g.state_label))));
    let caption = memo(move |_| gate.with(|g| g.as_ref().map(|g| g.caption.clone()).unwrap_or_default()));
    // The window of outcomes: a strip of slots, drawn as one path per tone (and one for the empty slots),
    // so a window sliding by one outcome changes a few attributes, not every slot's.
    let strip = memo(move |_| {
        gate.with(|g| {
            let Some(g) = g else { return Vec::new() };
            let slots = g.window_slots.map(|n| n as usize).unwrap_or(g.window.len()).clamp(g.window.len(), 40);
            let pitch = GATE_SLOT_PITCH;
            let at = |k: usize| (c.0 - slots as f64 * pitch / 2.0 + pitch / 2.0 + k as f64 * pitch, c.1 + 24.0);
            let mut out: Vec<(Option<Tone>, String)> = TONES
                .iter()
                .filter_map(|&t| {
                    let pts = g.window.iter().enumerate().filter(|(_, w)| **w == t).map(|(k, _)| at(k));
                    let d = markers_path(marker(t), 3.3, pts);
                    (!d.is_empty()).then_some((Some(t), d))
                })
                .collect();
            out.push((None, markers_path(Marker::Circle, 2.7, (g.window.len()..slots).map(at))));
            out
        })
    });
    let strip_paths = move || {
        strip.with(|paths| {
            paths
                .iter()
                .map(|(t, d)| match t {
                    Some(t) => view! { <path class="slot" d=d.clone() fill=colour(*t)></path> }.into_any(),
                    None => view! { <path class="slot empty" d=d.clone()></path> }.into_any(),
                })
                .collect::<Vec<_>>()
        })
    };
    view! {
        <g class="gate" data-testid=testid data-state=state_word>
            <rect class="gate-back" x=c.0 - HALF - 4.0 y=c.1 - HALF - 4.0 width=2.0 * HALF + 8.0 height=2.0 * HALF + 8.0 rx="6"></rect>
            <circle class="gate-pin" cx=a.0 cy=a.1 r="3.5" fill=move || colour(tone())></circle>
            <circle class="gate-pin" cx=b.0 cy=b.1 r="3.5" fill=move || colour(tone())></circle>
            <line class="gate-lever" x1=a.0 y1=a.1 x2=move || lever().0 y2=move || lever().1 stroke=move || colour(tone())
                stroke-dasharray=move || if state.get() == GateState::HalfOpen { "5 3" } else { "" }></line>
            <text class="gate-label" x=c.0 + 6.0 y=c.1 - HALF - 8.0 text-anchor="middle">
                {move || format!("{} ", heading.get().unwrap_or_default())}
            </text>
            <path class="gate-mark" d=move || marker_path(marker(tone()), 4.0) fill=move || colour(tone())
                transform=move || format!("translate({:.1},{:.1})", c.0 - 6.0 - crate::widgets::stage::layout::text_width(&heading.get().unwrap_or_default(), 12.5, true) / 2.0, c.1 - HALF - 12.5)></path>
            <g class="gate-window">{strip_paths}</g>
            <text class="gate-caption" x=c.0 y=c.1 + 42.0 text-anchor="middle">{move || format!("{} ", caption.get())}</text>
        </g>
    }
}

/// Tokens of a pile: one per unit of work (group by group, in their tones and shapes), then empty slots up
/// to the capacity; tokens past the capacity are ringed; work beyond what fits is counted ("+N").
///
/// Drawn as one path per tone (and one for the empty slots): a busy pile changes a few path strings per
/// frame, not the attributes of dozens of token elements each with its own reactive state (that fan-out was
/// most of a busy stage's frame). `data-drawn` counts the tokens drawn, for tests.
/// `geometry` is boxed so that the compact and the full box share one compiled pile.
fn pile_view(
    work: Memo<Option<WorkView>>,
    geometry: Box<dyn Fn(&WorkView) -> Pile + Send + Sync>,
    x0: f64,
    top: Memo<f64>,
) -> AnyView {
    let layout = memo(move |_| work.with(|w| w.as_ref().map(&geometry)));
    let hidden = memo(move |_| layout.with(|p| p.map_or(0, |p| p.hidden)));
    let capacity = memo(move |_| work.with(|w| w.as_ref().and_then(|w| w.capacity)));
    // (class, fill, path, tokens in it), tones in a fixed order so the elements are rebuilt in place.
    let paths = memo(move |_| {
        let Some(p) = layout.get() else { return Vec::new() };
        let top = top.get();
        work.with(|w| {
            let Some(w) = w else { return Vec::new() };
            let cap = capacity.get().filter(|c| *c > 0).map(|c| c as usize);
            let tones: Vec<Tone> =
                w.groups.iter().flat_map(|g| std::iter::repeat_n(g.tone, g.count as usize)).take(p.slots).collect();
            let mut out = Vec::new();
            for over in [false, true] {
                for t in TONES {
                    let pts: Vec<(f64, f64)> = tones
                        .iter()
                        .enumerate()
                        .filter(|&(i, tone)| *tone == t && cap.is_some_and(|c| i >= c) == over)
                        .map(|(i, _)| token_at(&p, x0, top, i))
                        .collect();
                    if !pts.is_empty() {
                        let class = if over { "token over" } else { "token" };
                        out.push((class, colour(t), markers_path(marker(t), p.radius, pts.iter().copied()), pts.len()));
                    }
                }
            }
            let empty =
                markers_path(Marker::Circle, p.radius - 0.9, (tones.len()..p.slots).map(|i| token_at(&p, x0, top, i)));
            out.push(("slot empty", "none", empty, 0));
            out
        })
    });
    let drawn = move || paths.with(|ps| ps.iter().map(|p| p.3).sum::<usize>());
    let more_at = move || layout.with(|p| p.map_or((0.0, 0.0), |p| token_at(&p, x0, top.get(), p.slots)));
    let present = memo(move |_| work.with(|w| w.is_some()));
    dynamic(move || {
        present.get().then(|| {
            view! {
                <g class="pile" data-tokens=move || work.with(|w| w.as_ref().map(|w| w.total()).unwrap_or(0))
                    data-capacity=move || capacity.get().map(|c| c.to_string()) data-drawn=move || drawn()>
                    {move || paths.with(|ps| ps.iter().map(|(class, fill, d, _)| view! {
                        <path class=*class fill=*fill d=d.clone()></path>
                    }.into_any()).collect::<Vec<_>>())}
                    <text class="pile-more" display=move || (hidden.get() == 0).then_some("none")
                        x=move || more_at().0 - 4.0 y=move || more_at().1 + 4.5>{move || format!("+{} ", hidden.get())}</text>
                </g>
            }
            .into_any()
        })
    })
    .into_any()
}

fn node_view(
    session: Session,
    node: RwSignal<Option<NodeView>>,
    r: Rect,
    compact: bool,
    slot: PainterSlot,
) -> impl IntoView {
    let (node_w, node_h) = (r.w, r.h);
    let name = node.with_untracked(|n| n.as_ref().map(|n| n.name.clone()).unwrap_or_default());
    let (x0, y0) = (r.x, r.y);
    let clip_id = format!("node-clip-{}-{name}", if slot == PainterSlot::A { "a" } else { "b" });
    // What the box's heading shows (label, state word, tone, what a click does): a memo of its own, so a
    // frame that changes only the box's lines or tokens stops here instead of re-running every memo below.
    let head = memo(move |_| {
        node.with(|n| {
            n.as_ref().map(|n| Head {
                label: n.label.clone(),
                badge: n.badge.clone().unwrap_or_default(),
                tone: n.tone,
                action: n.actions.first().cloned(),
            })
        })
    });
    let tone = move || head.with(|h| h.as_ref().map_or(Tone::Neutral, |h| h.tone));
    let interactive = slot == PainterSlot::A;
    let first_action = move || head.with(|h| h.as_ref().and_then(|h| h.action.clone())).filter(|_| interactive);
    // Memos, so the attributes and the hint that read them update when the answer changes, not every time
    // the node's data does (its lines change every frame in a busy run).
    let actionable_m = memo(move |_| first_action().is_some());
    let actionable = move || actionable_m.get();
    let label = move || head.with(|h| h.as_ref().map(|h| h.label.clone()).unwrap_or_default());
    let badge = move || head.with(|h| h.as_ref().map(|h| h.badge.clone()).unwrap_or_default());
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
    let action_hint_m = memo(move |_| first_action().map(|a| a.label.to_string()).unwrap_or_default());
    let action_hint = move || action_hint_m.get();
    let has_hint = memo(move |_| action_hint_m.with(|h| !h.is_empty()));
    // The hint sits inside the box, top right on the label's row, or on a row of its own at the bottom when
    // that row is too narrow for both (the layout left room for it).
    let hint_below =
        interactive && node.with_untracked(|n| n.as_ref().is_some_and(|n| hint_on_own_row(n, node_w, compact)));
    let hint_w = move || {
        let h = action_hint();
        if h.is_empty() || hint_below { 0.0 } else { hint_width(&h) }
    };
    // A compact box draws its badge beside the label only when both fit (the accessible name follows suit).
    let compact_badge_shown = move || {
        let full_bw = badge_w(12.0, &badge_text()) + 26.0;
        text_width(&label(), 14.0, true) + full_bw + 10.0 <= avail
    };
    // The state word comes before the action hint: on a compact box the hint is drawn only if it fits too
    // (the box stays clickable and its name says what clicking does).
    let hint_drawn_m = memo(move |_| {
        !compact || {
            let bw = if compact_badge_shown() { badge_w(12.0, &badge_text()) + 26.0 } else { 0.0 };
            text_width(&label(), 14.0, true) + bw + hint_w() + 10.0 <= avail
        }
    });
    let hint_drawn = move || hint_drawn_m.get();
    // The accessible name starts with the visible text, in order (axe: label-content-name-mismatch; every
    // text element ends with a space so its words do not run into the next one's), then says what the
    // tokens show.
    let aria = move || {
        let badge_drawn = !compact || compact_badge_shown();
        let mut parts = vec![label(), if badge_drawn { badge() } else { String::new() }];
        let mut extra = Vec::new();
        // A state word the box has no room to draw is still said, after the visible text.
        if !badge_drawn && !badge().is_empty() {
            extra.push(format!("{} now", badge()));
        }
        node.with(|n| {
            if let Some(n) = n {
                if !compact {
                    parts.extend(n.lines.iter().cloned());
                } else if n.work.is_none() {
                    parts.extend(n.lines.first().cloned());
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
            if hint_drawn() {
                parts.push(a.label.to_string());
            }
            extra.push(format!("activate to {}", a.label.to_ascii_lowercase()));
        }
        parts.retain(|p| !p.is_empty());
        format!("{}. {}", parts.join(" "), extra.join(", "))
    };
    let work = memo(move |_| node.with(|n| n.as_ref().and_then(|n| n.work.clone())));
    // What changes from frame to frame (texts, the pile's tokens) updates in place: the content's elements
    // are built once per box, and each reads its own memo.
    let label_m = memo(move |_| label());
    let badge_m = memo(move |_| badge());
    let tone_m = memo(move |_| tone());
    let lines_m = memo(move |_| node.with(|n| n.as_ref().map(|n| n.lines.clone()).unwrap_or_default()));
    let n_lines = memo(move |_| lines_m.with(Vec::len));
    let content = if compact {
        // Label on the left, badge on the right of one row (when both fit); a strip of tokens under them.
        let badge_px = 12.0;
        let full_bw = move || badge_w(badge_px, &badge_m.get()) + 26.0;
        let show_badge = memo(move |_| compact_badge_shown());
        let bw = move || if show_badge.get() { full_bw() } else { 0.0 };
        // Room the hint takes at the row's right end when it is drawn; the badge sits left of it.
        let hint_room = move || if hint_drawn() && hint_w() > 0.0 { hint_w() + 6.0 } else { 0.0 };
        let badge_x = move || x0 + node_w - 6.0 - bw() - hint_room();
        let label_px = move || fit_px(avail - bw() - hint_room(), 14.0, [text_width(&label_m.get(), 14.0, true)]);
        // A box without work uses the strip's row for its first line (its state in words).
        let first_line = move || lines_m.with(|l| l.first().cloned());
        let line_px = move || fit_px(avail, LINE_PX, first_line().map(|l| text_width(&l, LINE_PX, false)));
        let has_work = memo(move |_| work.with(|w| w.is_some()));
        let top = memo(move |_| y0 + COMPACT_PILE_TOP);
        let testid = format!("node-{name}-badge");
        view! {
            <text class="node-label" x=x0 + TEXT_X y=y0 + COMPACT_LABEL_Y style:font-size=move || format!("{:.1}px", label_px())>{move || label_m.get()}" "</text>
            {show(move || show_badge.get(), move || view! {
                <g class="badge">
                    <rect x=move || badge_x() y=y0 + 5.0 height="19" rx="9.5" fill="#fff" stroke=move || colour(tone_m.get()) width=move || bw()></rect>
                    <path class="badge-mark" d=move || marker_path(marker(tone_m.get()), 4.2) fill=move || colour(tone_m.get())
                        transform=move || format!("translate({:.1},{:.1})", badge_x() + 11.0, y0 + 14.5)></path>
                    <text class="badge-text" data-testid=testid.clone()
                        x=move || badge_x() + 19.0 y=y0 + 18.5 style:font-size=format!("{badge_px:.1}px")>{move || badge_m.get()}" "</text>
                </g>
            }.into_any())}
            {show(move || !has_work.get() && first_line().is_some(), move || view! {
                <text class="node-line" x=x0 + TEXT_X y=y0 + COMPACT_PILE_TOP + 4.5
                    style:font-size=move || format!("{:.1}px", line_px())>{move || first_line().unwrap_or_default()}" "</text>
            }.into_any())}
            {pile_view(work, Box::new(move |w| pile(w, node_w, 1)), x0, top)}
        }
        .into_any()
    } else {
        let label_px = move || fit_px(avail - hint_w(), LABEL_PX, [text_width(&label_m.get(), LABEL_PX, true)]);
        let badge_px = memo(move |_| fit_px(avail - 30.0, BADGE_PX, [badge_w(BADGE_PX, &badge_m.get())]));
        let lines_px =
            memo(move |_| lines_m.with(|ls| fit_px(avail, LINE_PX, ls.iter().map(|l| text_width(l, LINE_PX, false)))));
        let lines = move || {
            (0..n_lines.get())
                .map(|k| {
                    view! {
                        <text class="node-line" x=x0 + TEXT_X y=y0 + LINE_Y + k as f64 * LINE_STEP
                            style:font-size=move || format!("{:.1}px", lines_px.get())>
                            {move || lines_m.with(|l| l.get(k).cloned().unwrap_or_default())}" "
                        </text>
                    }
                    .into_any()
                })
                .collect::<Vec<_>>()
        };
        let top = memo(move |_| y0 + node.with(|n| n.as_ref().map(pile_top).unwrap_or(0.0)));
        view! {
            <text class="node-label" x=x0 + TEXT_X y=y0 + LABEL_Y style:font-size=move || format!("{:.1}px", label_px())>{move || label_m.get()}" "</text>
            <g class="badge">
                <rect x=x0 + 8.0 y=y0 + BADGE_Y height=BADGE_H rx=BADGE_H / 2.0 fill="#fff" stroke=move || colour(tone_m.get())
                    width=move || format!("{:.1}", 28.0 + badge_w(badge_px.get(), &badge_m.get()))></rect>
                <path class="badge-mark" d=move || marker_path(marker(tone_m.get()), 4.6) fill=move || colour(tone_m.get())
                    transform=format!("translate({:.1},{:.1})", x0 + 19.0, y0 + BADGE_Y + BADGE_H / 2.0)></path>
                <text class="badge-text" data-testid=format!("node-{name}-badge") x=x0 + 28.0 y=y0 + BADGE_Y + 15.5
                    style:font-size=move || format!("{:.1}px", badge_px.get())>{move || badge_m.get()}" "</text>
            </g>
            {move || lines()}
            {pile_view(work, Box::new(move |w| full_pile(w, node_w)), x0, top)}
        }
        .into_any()
    };
    view! {
        <g class="node" class:actionable=move || actionable() class:compact=compact data-testid=format!("node-{name}")
            tabindex=move || if actionable() { Some("0") } else { None }
            role=move || if actionable() { Some("button") } else { Some("img") }
            aria-label=move || aria()
            on:click=cb(move |_| act())
            on:keydown=cb(move |e: web_sys::KeyboardEvent| {
                if e.key() == "Enter" || e.key() == " " { e.prevent_default(); e.stop_propagation(); act(); }
            })>
            <clipPath id=clip_id.clone()><rect x=x0 y=y0 width=node_w - 3.0 height=node_h></rect></clipPath>
            <rect class="node-box" x=x0 y=y0 width=node_w height=node_h rx="10"
                fill=move || tint(tone_m.get()) stroke=move || colour(tone_m.get())></rect>
            <g clip-path=format!("url(#{clip_id})")>{content}</g>
            {move || (has_hint.get() && hint_drawn()).then(|| {
                let y = y0 + if hint_below { node_h - 7.0 } else if compact { 19.0 } else { 20.0 };
                let x = x0 + node_w - 8.0;
                view! {
                    <text class="node-hint" x=x - 10.0 y=y text-anchor="end">{move || action_hint()}" "</text>
                    <path class="node-hint-mark" d=format!("M{:.1},{:.1}l6,4l-6,4z", x - 6.0, y - 8.5)></path>
                }
            })}
        </g>
    }
}
