//! The stage: the topology in SVG (nodes, links — few elements, focusable, crisp text) with a `<canvas>`
//! laid over it for the messages in flight (thousands of dots a frame are far cheaper as canvas paths than
//! as DOM nodes).
//!
//! Both layers share one coordinate system (the [`Layout`]'s viewBox), and the wrapper keeps its aspect ratio, so
//! a node's SVG box and the canvas dots that leave it line up at any width.

use std::rc::Rc;

use faultline_sim::kernel::SimTime;
use faultline_sim::scene::{ActionKind, MessageView, NodeView};
use leptos::html::{Canvas, Div};
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::CanvasRenderingContext2d;

use crate::core::palette::{self, Marker, TONES, colour, marker, symbol, tint, tone_index};
use crate::session::Session;

/// Node size and viewBox, chosen once when the stage mounts: a wide row for desktops and projectors, a
/// column on phones (where a 1200-unit-wide row would shrink text to a few pixels).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Layout {
    pub vb_w: f64,
    pub vb_h: f64,
    pub node_w: f64,
    pub node_h: f64,
    pub vertical: bool,
}

const WIDE_W: f64 = 1200.0;
const TALL_W: f64 = 420.0;
/// Widest node box; boxes narrow when a row has more columns.
const MAX_NODE_W: f64 = 300.0;
/// Shortest gap between neighbouring boxes (room for the messages flying between them).
const MIN_GAP_WIDE: f64 = 64.0;
const MIN_GAP_TALL: f64 = 46.0;
/// Phones: the column is at least this tall, so a three-node scene keeps long links.
const MIN_TALL_H: f64 = 640.0;
/// Room above the first box for its action hint ("Take down ▸").
const HINT_ROOM: f64 = 22.0;
const MIN_NODE_H: f64 = 136.0;
const MARGIN: f64 = 10.0;
/// Requests fly on one side of the link's centre line, replies on the other, so the two directions read apart.
const LANE: f64 = 9.0;

/// Node text: sizes (viewBox units) and where it sits in the box.
const LABEL_PX: f64 = 20.0;
const BADGE_PX: f64 = 15.5;
const LINE_PX: f64 = 15.0;
const LINE_Y: f64 = 88.0;
const LINE_STEP: f64 = 19.0;
const TEXT_X: f64 = 14.0;
/// Text may use the box's width minus this (left inset, and the clip's inset on the right with slack).
const TEXT_INSET: f64 = 28.0;
/// Text shrinks down to this fraction of its size to fit; past that it would be too small to read.
const MIN_TEXT_SCALE: f64 = 0.7;

/// The scene's columns: distinct x positions (within 0.02), left to right.
fn columns(nodes: &[NodeView]) -> Vec<f32> {
    let mut xs: Vec<f32> = nodes.iter().map(|n| n.x).collect();
    xs.sort_by(|a, b| a.total_cmp(b));
    xs.dedup_by(|a, b| (*a - *b).abs() < 0.02);
    xs
}

fn column_of(cols: &[f32], x: f32) -> usize {
    cols.iter().position(|c| (c - x).abs() < 0.02 + 1e-6).unwrap_or(0)
}

/// Box height that fits a node's detail lines (and its load bar under them).
fn node_height(n: &NodeView) -> f64 {
    let last = LINE_Y + LINE_STEP * n.lines.len().saturating_sub(1) as f64;
    if n.load.is_some() { last + 24.0 } else { last + 12.0 }
}

/// Width of `text` at `px` in a generic sans-serif, estimated from character classes (wide fonts like
/// DejaVu Sans, so narrower system fonts only leave more room). Used to fit text into boxes.
pub fn text_width(text: &str, px: f64, bold: bool) -> f64 {
    let em: f64 = text
        .chars()
        .map(|c| match c {
            ' ' => 0.32,
            'i' | 'j' | 'l' | 'I' | '.' | ',' | ':' | ';' | '\'' | '!' | '|' => 0.3,
            'f' | 't' | 'r' | '(' | ')' | '[' | ']' | '/' | '-' | '·' => 0.42,
            'm' | 'w' | 'M' | 'W' | '%' | '#' | '@' | '×' | '—' => 0.98,
            'A'..='Z' => 0.7,
            '0'..='9' => 0.64,
            'a'..='z' => 0.6,
            c if c.is_ascii() => 0.64,
            _ => 0.9,
        })
        .sum();
    em * px * if bold { 1.1 } else { 1.0 }
}

/// Font scale (≤ 1, in steps of 0.05) that fits the widest of `widths` (at scale 1) into `avail`.
fn fit_scale(avail: f64, widths: impl IntoIterator<Item = f64>) -> f64 {
    let w = widths.into_iter().fold(0.0, f64::max);
    if w <= avail {
        return 1.0;
    }
    ((avail / w * 20.0).floor() / 20.0).max(MIN_TEXT_SCALE)
}

/// Below this viewport width the stage is a column (phone); at or above it, a row.
const PHONE_MAX_PX: f64 = 640.0;

/// The layout for a viewport `px` wide. Columns are spaced evenly; a row of many columns gets narrower
/// boxes (text that would not fit shrinks a little, see [`fit_scale`]), and boxes are as tall as the
/// node with the most detail lines.
pub fn layout_for(px: f64, nodes: &[NodeView]) -> Layout {
    let n_cols = columns(nodes).len().max(1);
    let node_h = nodes.iter().map(node_height).fold(MIN_NODE_H, f64::max);
    if px < PHONE_MAX_PX {
        let node_w = TALL_W - 2.0 * MARGIN;
        let fixed = 2.0 * MARGIN + HINT_ROOM + node_h;
        let pitch =
            if n_cols > 1 { (node_h + MIN_GAP_TALL).max((MIN_TALL_H - fixed) / (n_cols - 1) as f64) } else { 0.0 };
        return Layout { vb_w: TALL_W, vb_h: fixed + pitch * (n_cols - 1) as f64, node_w, node_h, vertical: true };
    }
    let node_w = ((WIDE_W - 2.0 * MARGIN - MIN_GAP_WIDE * (n_cols - 1) as f64) / n_cols as f64).min(MAX_NODE_W);
    Layout { vb_w: WIDE_W, vb_h: node_h + 60.0, node_w, node_h, vertical: false }
}

/// Node centres in viewBox units: columns evenly spaced along the row (or down the column on a phone),
/// outermost boxes touching the margins; the scene's y spreads nodes of one column a little across.
fn centres(l: &Layout, nodes: &[NodeView]) -> Vec<(f64, f64)> {
    let cols = columns(nodes);
    let (ylo, yhi) = nodes.iter().fold((f64::MAX, f64::MIN), |(lo, hi), n| (lo.min(n.y as f64), hi.max(n.y as f64)));
    let norm = |v: f64, lo: f64, hi: f64| if hi - lo > 1e-6 { (v - lo) / (hi - lo) } else { 0.5 };
    nodes
        .iter()
        .map(|n| {
            let along = if cols.len() > 1 { column_of(&cols, n.x) as f64 / (cols.len() - 1) as f64 } else { 0.5 };
            let across = norm(n.y as f64, ylo, yhi);
            if l.vertical {
                let top = MARGIN + HINT_ROOM + l.node_h / 2.0;
                (
                    l.vb_w / 2.0 + (across - 0.5) * (l.vb_w - l.node_w),
                    top + along * (l.vb_h - top - MARGIN - l.node_h / 2.0),
                )
            } else {
                let left = MARGIN + l.node_w / 2.0;
                (
                    left + along * (l.vb_w - 2.0 * left),
                    l.vb_h / 2.0 + 10.0 + (across - 0.5) * (l.vb_h - l.node_h - 40.0),
                )
            }
        })
        .collect()
}

/// Where the segment from `a`'s centre towards `b`'s centre leaves `a`'s box.
fn box_exit(l: &Layout, a: (f64, f64), b: (f64, f64)) -> (f64, f64) {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let tx = if dx.abs() > 1e-9 { (l.node_w / 2.0 + 4.0) / dx.abs() } else { f64::INFINITY };
    let ty = if dy.abs() > 1e-9 { (l.node_h / 2.0 + 4.0) / dy.abs() } else { f64::INFINITY };
    let t = tx.min(ty).min(1.0);
    (a.0 + dx * t, a.1 + dy * t)
}

/// Start and end of the lane a message from `from` to `to` flies along.
fn lane(l: &Layout, centres: &[(f64, f64)], from: usize, to: usize) -> Option<((f64, f64), (f64, f64))> {
    let (a, b) = (*centres.get(from)?, *centres.get(to)?);
    let (p, q) = (box_exit(l, a, b), box_exit(l, b, a));
    let len = ((q.0 - p.0).powi(2) + (q.1 - p.1).powi(2)).sqrt().max(1e-9);
    // Left-hand side of the direction of travel: opposite directions get opposite lanes.
    let (nx, ny) = ((q.1 - p.1) / len * LANE, -(q.0 - p.0) / len * LANE);
    Some(((p.0 + nx, p.1 + ny), (q.0 + nx, q.1 + ny)))
}

fn prefers_reduced_motion() -> bool {
    window().match_media("(prefers-reduced-motion: reduce)").ok().flatten().map(|m| m.matches()).unwrap_or(false)
}

/// Draws messages on the canvas: one path per tone (five fills a frame, whatever the count).
fn paint(
    l: &Layout,
    canvas: &web_sys::HtmlCanvasElement,
    centres: &[(f64, f64)],
    msgs: &[MessageView],
    now: SimTime,
    reduced: bool,
) {
    let dpr = window().device_pixel_ratio().max(1.0);
    let (cw, ch) = (canvas.client_width() as f64, canvas.client_height() as f64);
    if cw <= 0.0 || ch <= 0.0 {
        return;
    }
    let (pw, ph) = ((cw * dpr).round() as u32, (ch * dpr).round() as u32);
    if canvas.width() != pw || canvas.height() != ph {
        canvas.set_width(pw);
        canvas.set_height(ph);
    }
    let Some(ctx) = canvas.get_context("2d").ok().flatten().and_then(|c| c.dyn_into::<CanvasRenderingContext2d>().ok())
    else {
        return;
    };
    let s = pw as f64 / l.vb_w;
    ctx.set_transform(1.0, 0.0, 0.0, 1.0, 0.0, 0.0).ok();
    ctx.clear_rect(0.0, 0.0, pw as f64, ph as f64);
    ctx.scale(s, s).ok();
    if reduced {
        paint_counts(l, &ctx, centres, msgs);
        return;
    }
    let now_us = now.as_micros() as f64;
    let r = 4.2;
    // Bucket once, then one path and one fill per tone.
    let mut buckets: [Vec<(f64, f64)>; 5] = Default::default();
    for m in msgs {
        let Some((p, q)) = lane(l, centres, m.from, m.to) else { continue };
        let span = (m.deliver.as_micros() as f64 - m.sent.as_micros() as f64).max(1.0);
        let f = ((now_us - m.sent.as_micros() as f64) / span).clamp(0.0, 1.0);
        buckets[tone_index(m.tone)].push((p.0 + (q.0 - p.0) * f, p.1 + (q.1 - p.1) * f));
    }
    for tone in TONES {
        let pts = &buckets[tone_index(tone)];
        if pts.is_empty() {
            continue;
        }
        ctx.begin_path();
        let mk = marker(tone);
        for &(x, y) in pts {
            match mk {
                Marker::Circle | Marker::Dot => {
                    let rr = if mk == Marker::Dot { r * 0.8 } else { r };
                    ctx.move_to(x + rr, y);
                    let _ = ctx.arc(x, y, rr, 0.0, std::f64::consts::TAU);
                }
                Marker::Square => ctx.rect(x - r * 0.85, y - r * 0.85, r * 1.7, r * 1.7),
                Marker::Triangle => {
                    ctx.move_to(x, y - r * 1.1);
                    ctx.line_to(x + r, y + r * 0.8);
                    ctx.line_to(x - r, y + r * 0.8);
                    ctx.close_path();
                }
                Marker::Diamond => {
                    ctx.move_to(x, y - r * 1.1);
                    ctx.line_to(x + r * 1.1, y);
                    ctx.line_to(x, y + r * 1.1);
                    ctx.line_to(x - r * 1.1, y);
                    ctx.close_path();
                }
            }
        }
        ctx.set_fill_style_str(palette::colour(tone));
        ctx.fill();
    }
}

/// Reduced motion: a still count per lane instead of moving dots.
fn paint_counts(l: &Layout, ctx: &CanvasRenderingContext2d, centres: &[(f64, f64)], msgs: &[MessageView]) {
    let n = centres.len();
    let mut counts = vec![0u32; n * n];
    for m in msgs {
        if m.from < n && m.to < n {
            counts[m.from * n + m.to] += 1;
        }
    }
    ctx.set_font("600 15px system-ui, sans-serif");
    ctx.set_text_align("center");
    ctx.set_fill_style_str("#1f2937");
    for from in 0..n {
        for to in 0..n {
            let c = counts[from * n + to];
            if c == 0 {
                continue;
            }
            if let Some((p, q)) = lane(l, centres, from, to) {
                let forward = if l.vertical { q.1 >= p.1 } else { q.0 >= p.0 };
                let arrow = match (l.vertical, forward) {
                    (false, true) => "→",
                    (false, false) => "←",
                    (true, true) => "↓",
                    (true, false) => "↑",
                };
                let dy = if l.vertical {
                    5.0
                } else if forward {
                    -6.0
                } else {
                    18.0
                };
                let dx = if l.vertical { if forward { -34.0 } else { 34.0 } } else { 0.0 };
                let _ = ctx.fill_text(&format!("{c} {arrow}"), (p.0 + q.0) / 2.0 + dx, (p.1 + q.1) / 2.0 + dy);
            }
        }
    }
}

fn viewport_width() -> f64 {
    window().inner_width().ok().and_then(|w| w.as_f64()).unwrap_or(1280.0)
}

/// The stage, laid out for the viewport: a resize across the phone breakpoint (a rotated phone, a narrowed
/// window) rebuilds it with the other layout; the run itself is untouched.
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
    move || {
        let px = if narrow.get() { PHONE_MAX_PX - 1.0 } else { viewport_width().max(PHONE_MAX_PX) };
        view! { <StageLaidOut session px /> }
    }
}

#[component]
fn StageLaidOut(session: Session, px: f64) -> impl IntoView {
    let canvas_ref = NodeRef::<Canvas>::new();
    let wrap_ref = NodeRef::<Div>::new();
    let reduced = prefers_reduced_motion();
    // Node positions are fixed by the scene; read them once per layout.
    let initial = session.stage.get_untracked();
    let layout = layout_for(px, &initial.nodes);
    let centres: Rc<Vec<(f64, f64)>> = Rc::new(centres(&layout, &initial.nodes));
    let n_nodes = initial.nodes.len();
    let n_links = initial.links.len();

    Effect::new({
        let centres = centres.clone();
        move |_| {
            if let Some(canvas) = canvas_ref.get() {
                let centres = centres.clone();
                let canvas: web_sys::HtmlCanvasElement = canvas;
                session.set_painter(Some(Box::new(move |msgs, now| {
                    paint(&layout, &canvas, &centres, msgs, now, reduced)
                })));
            }
        }
    });
    on_cleanup(move || {
        session.painter_off();
    });
    // A resize changes the canvas's pixel size: repaint at once rather than at the next frame.
    let resize = window_event_listener(leptos::ev::resize, move |_| session.repaint());
    on_cleanup(move || resize.remove());

    let links = (0..n_links).map(|i| link_view(session, layout, i, centres.clone())).collect::<Vec<_>>();
    let nodes = (0..n_nodes).map(|i| node_view(session, layout, i, centres[i])).collect::<Vec<_>>();

    view! {
        <div class="stage-wrap" class:vertical=layout.vertical node_ref=wrap_ref
            style:aspect-ratio=format!("{} / {}", layout.vb_w, layout.vb_h)>
            <svg class="stage" data-testid="stage" viewBox=format!("0 0 {} {}", layout.vb_w, layout.vb_h)
                role="group" aria-label="Topology: click a node or a link to inject a fault">
                <g class="links">{links}</g>
                <g class="nodes">{nodes}</g>
            </svg>
            <canvas class="messages" node_ref=canvas_ref aria-hidden="true"
                data-motion=if reduced { "reduced" } else { "full" }></canvas>
        </div>
    }
}

fn link_view(session: Session, l: Layout, i: usize, centres: Rc<Vec<(f64, f64)>>) -> impl IntoView {
    let link = Memo::new(move |_| session.stage.with(|s| s.links.get(i).cloned()));
    let names = session.stage.with_untracked(|s| {
        let l = &s.links[i];
        (s.nodes[l.a].name, s.nodes[l.a].label.clone(), s.nodes[l.b].name, s.nodes[l.b].label.clone())
    });
    let (a, b) = session.stage.with_untracked(|s| (s.links[i].a, s.links[i].b));
    let p = box_exit(&l, centres[a], centres[b]);
    let q = box_exit(&l, centres[b], centres[a]);
    let cut = move || link.with(|l| l.as_ref().map(|l| l.cut).unwrap_or(false));
    let (na, la, nb, lb) = names;
    let label = {
        let (la, lb) = (la.clone(), lb.clone());
        move || {
            if cut() {
                format!("Link {la} – {lb}: cut. Activate to heal it.")
            } else {
                format!("Link {la} – {lb}: connected. Activate to cut it (messages on it are lost).")
            }
        }
    };
    let toggle = move || {
        let kind = if cut() {
            ActionKind::Heal { a: na.to_string(), b: nb.to_string() }
        } else {
            ActionKind::Cut { a: na.to_string(), b: nb.to_string() }
        };
        session.apply(kind);
    };
    let (mx, my) = ((p.0 + q.0) / 2.0, (p.1 + q.1) / 2.0);
    // A band around the line is the click target (a bare line has no area to hit or to measure).
    let len = ((q.0 - p.0).powi(2) + (q.1 - p.1).powi(2)).sqrt().max(1e-9);
    let (nx, ny) = (-(q.1 - p.1) / len * 17.0, (q.0 - p.0) / len * 17.0);
    let hit = format!(
        "{:.1},{:.1} {:.1},{:.1} {:.1},{:.1} {:.1},{:.1}",
        p.0 + nx,
        p.1 + ny,
        q.0 + nx,
        q.1 + ny,
        q.0 - nx,
        q.1 - ny,
        p.0 - nx,
        p.1 - ny
    );
    view! {
        <g class="link" class:cut=cut tabindex="0" role="button" aria-label=label
            data-testid=format!("link-{na}-{nb}")
            on:click=move |_| toggle()
            on:keydown=move |e: web_sys::KeyboardEvent| {
                if e.key() == "Enter" || e.key() == " " { e.prevent_default(); e.stop_propagation(); toggle(); }
            }>
            <title>{label.clone()}</title>
            <polygon class="link-hit" points=hit></polygon>
            <line class="link-line" x1=p.0 y1=p.1 x2=q.0 y2=q.1></line>
            <g class="cut-mark" style:display=move || if cut() { "" } else { "none" }>
                <circle cx=mx cy=my r="13"></circle>
                <text x=mx y=my + 6.0 text-anchor="middle">"✕"</text>
            </g>
        </g>
    }
}

fn node_view(session: Session, l: Layout, i: usize, c: (f64, f64)) -> impl IntoView {
    let (node_w, node_h) = (l.node_w, l.node_h);
    let node = Memo::new(move |_| session.stage.with(|s| s.nodes.get(i).cloned()));
    let name = session.stage.with_untracked(|s| s.nodes[i].name);
    let (x0, y0) = (c.0 - node_w / 2.0, c.1 - node_h / 2.0);
    let clip_id = format!("node-clip-{name}");
    let tone = move || node.with(|n| n.as_ref().map(|n| n.tone).unwrap_or(faultline_sim::scene::Tone::Neutral));
    let first_action = move || node.with(|n| n.as_ref().and_then(|n| n.actions.first().cloned()));
    let actionable = move || first_action().is_some();
    let label = move || node.with(|n| n.as_ref().map(|n| n.label.clone()).unwrap_or_default());
    let badge = move || node.with(|n| n.as_ref().and_then(|n| n.badge.clone()).unwrap_or_default());
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
    let badge_px = Memo::new(move |_| {
        BADGE_PX
            * fit_scale(
                avail - 22.0,
                [text_width(&badge_text(), BADGE_PX, true) + 0.02 * BADGE_PX * badge_text().chars().count() as f64],
            )
    });
    let lines_px = Memo::new(move |_| {
        LINE_PX
            * node.with(|n| {
                n.as_ref()
                    .map(|n| fit_scale(avail, n.lines.iter().map(|l| text_width(l, LINE_PX, false))))
                    .unwrap_or(1.0)
            })
    });
    let lines = move || {
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
    let has_load = session.stage.with_untracked(|s| s.nodes[i].load.is_some());
    let action_hint = move || first_action().map(|a| format!("{} ▸", a.label)).unwrap_or_default();
    view! {
        <g class="node" class:actionable=actionable data-testid=format!("node-{name}")
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
            <text class="node-label" x=x0 + TEXT_X y=y0 + 28.0 style:font-size=move || format!("{:.2}px", label_px.get())>{label}</text>
            <g class="badge">
                <rect x=x0 + 12.0 y=y0 + 40.0 height="27" rx="13.5" fill="#fff" stroke=move || colour(tone())
                    width=move || {
                        let px = badge_px.get();
                        let t = badge_text();
                        format!("{:.1}", 22.0 + text_width(&t, px, true) + 0.02 * px * t.chars().count() as f64)
                    }></rect>
                <text class="badge-text" data-testid=format!("node-{name}-badge") x=x0 + 23.0 y=y0 + 59.0
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
