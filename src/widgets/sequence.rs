//! The Sequence panel's widget: one lane per participant (columns, time flowing down, like a textbook
//! sequence diagram), an arrow per delivered message of the followed flow from its send to its receive time.
//! Kinds differ by line and head, never colour alone: a step is solid with a filled head, a reply thin with
//! an open head, a failure carries a cross, a compensation is dashed with a hollow head and `↩`, a duplicate
//! is a faint dotted ghost. Rules (a pivot) cross every lane; lane marks (crash, restart) are a shape and text.
//!
//! The reader follows "the latest failed" flow, "the latest", or pins one; the pick is UI state here. Time maps
//! to height piecewise ([`SeqLayout`]): the flow fits about [`TARGET_H`] px, idle gaps longer than [`CAP`] px
//! are drawn short with their length written, so a saga stalled for seconds still reads. Everything after
//! `now` is clipped away (scrubbing back hides it) and a long flow scrolls to keep `now` in view.
//! Data hooks for tests: `data-flow` on the diagram; `data-kind`, `data-from`, `data-to` (lane names),
//! `data-sent`, `data-t` (receive time, µs) on each arrow.

use std::fmt::Write;

use faultline_sim::kernel::SimTime;
use faultline_sim::scene::{ArrowKind, ArrowView, FlowView, Panel, SequenceView};
use leptos::html::Div;
use leptos::prelude::*;

use crate::core::format::secs;
use crate::core::palette::{colour, marker, marker_path, symbol};
use crate::session::Session;
use crate::widgets::cb;
use crate::widgets::effect;
use crate::widgets::memo;
use crate::widgets::stage::layout::text_width;

/// Height the diagram's time axis aims at, in CSS px.
pub const TARGET_H: f64 = 420.0;
/// Longest an idle gap is drawn; one drawn at under half its length has its length written on it.
pub const CAP: f64 = 80.0;
/// Shortest step between two distinct moments (so labels of quick exchanges do not pile up).
pub const MIN_STEP: f64 = 18.0;
const TOP: f64 = 24.0;
const TEXT_PX: f64 = 12.0;
/// The scroller's height at most (`.seq-scroll` in styles/main.css).
const SCROLL_MAX_H: f64 = 470.0;
/// Arrows drawn at most (the newest are kept).
const MAX_ARROWS: usize = 400;
/// Pixels per µs, bounds: 1 px per ms at most, 1 px per 50 ms at least.
const K_MAX: f64 = 1e-3;
const K_MIN: f64 = 2e-5;

/// How the picked flow is chosen.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Follow {
    LatestFailed,
    Latest,
    /// A flow the reader picked, by id.
    Pinned(u64),
}

impl Follow {
    /// From the picker's value: `failed`, `latest` or a flow id.
    pub fn parse(v: &str) -> Follow {
        match v {
            "latest" => Follow::Latest,
            v => v.parse().map_or(Follow::LatestFailed, Follow::Pinned),
        }
    }
}

/// Index of the flow to show: the pinned one, the most recent failed one (or the latest when none failed),
/// or the latest. `None` when there is no flow or the pinned one is gone.
pub fn pick(flows: &[FlowView], follow: &Follow) -> Option<usize> {
    match follow {
        Follow::Pinned(id) => flows.iter().position(|f| f.id == *id),
        Follow::LatestFailed => flows.iter().rposition(|f| f.failed).or(flows.len().checked_sub(1)),
        Follow::Latest => flows.len().checked_sub(1),
    }
}

/// Where lanes and moments of one flow go, in CSS px (the SVG's viewBox is the measured width).
#[derive(Clone, Debug, PartialEq)]
pub struct SeqLayout {
    pub width: f64,
    pub lane_x: Vec<f64>,
    /// (time µs, y), increasing in both.
    pub knots: Vec<(u64, f64)>,
    /// Gaps drawn shorter than their time: (y in the middle, length µs).
    pub breaks: Vec<(f64, u64)>,
    /// px per µs.
    pub k: f64,
    pub height: f64,
    /// Lane labels on two staggered rows (narrow lanes).
    pub staggered: bool,
}

fn step(dt: u64, k: f64) -> f64 {
    if dt == 0 { 0.0 } else { (dt as f64 * k).clamp(MIN_STEP, CAP) }
}

impl SeqLayout {
    /// Lays out `lanes` over `width` px and the moments `times` (any order, duplicates allowed); an `open`
    /// flow keeps room below its last moment for `now` to move on.
    pub fn new(width: f64, lanes: &[String], times: &[u64], open: bool) -> SeqLayout {
        let width = if width.is_finite() { width.max(120.0) } else { 600.0 };
        let n = lanes.len().max(1);
        let pitch = width / n as f64;
        let lane_x = (0..n).map(|i| (i as f64 + 0.5) * pitch).collect();
        let staggered = lanes.iter().any(|l| text_width(l, TEXT_PX, true) > pitch - 6.0);
        // Nearly sorted already (arrows come in delivery order): an insertion sort, and no generic sort's code.
        let mut ts: Vec<u64> = Vec::with_capacity(times.len());
        for &t in times {
            let i = ts.partition_point(|&x| x <= t);
            if i == 0 || ts[i - 1] != t {
                ts.insert(i, t);
            }
        }
        let total = |k: f64| ts.windows(2).map(|w| step(w[1] - w[0], k)).sum::<f64>();
        let (mut lo, mut hi) = (K_MIN, K_MAX);
        let k = if total(hi) <= TARGET_H {
            hi
        } else if total(lo) >= TARGET_H {
            lo
        } else {
            for _ in 0..40 {
                let mid = 0.5 * (lo + hi);
                if total(mid) < TARGET_H { lo = mid } else { hi = mid }
            }
            lo
        };
        let mut knots = Vec::with_capacity(ts.len());
        let mut breaks = Vec::new();
        let mut y = TOP;
        for (i, &t) in ts.iter().enumerate() {
            if i > 0 {
                let dt = t - ts[i - 1];
                let dy = step(dt, k);
                if dt as f64 * k > 2.0 * CAP {
                    breaks.push((y + dy / 2.0, dt));
                }
                y += dy;
            }
            knots.push((t, y));
        }
        SeqLayout { width, lane_x, knots, breaks, k, height: y + if open { CAP + 20.0 } else { 24.0 }, staggered }
    }

    /// The y of moment `t`: between knots linearly; after the last, growing up to [`CAP`] px.
    pub fn y(&self, t: u64) -> f64 {
        let Some(&(t_last, y_last)) = self.knots.last() else { return TOP };
        if t >= t_last {
            return y_last + ((t - t_last) as f64 * self.k).min(CAP);
        }
        let i = self.knots.partition_point(|&(kt, _)| kt <= t);
        if i == 0 {
            return self.knots[0].1;
        }
        let ((t0, y0), (t1, y1)) = (self.knots[i - 1], self.knots[i]);
        y0 + (y1 - y0) * (t - t0) as f64 / (t1 - t0).max(1) as f64
    }

    pub fn lane(&self, i: usize) -> f64 {
        self.lane_x[i.min(self.lane_x.len() - 1)]
    }
}

/// Greedy word wrap of `text` into lines of at most `avail` px at [`TEXT_PX`] (a long word gets its own line).
pub fn wrap(text: &str, avail: f64) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for word in text.split(' ') {
        match lines.last_mut() {
            Some(l) if text_width(&format!("{l} {word}"), TEXT_PX, false) <= avail => {
                l.push(' ');
                l.push_str(word);
            }
            _ => lines.push(word.to_string()),
        }
    }
    lines
}

/// An arrow's line and head as SVG path data, and where its label and failure cross go.
pub struct ArrowGeom {
    pub line: String,
    pub head: String,
    /// Label anchor (middle of the text, baseline).
    pub label: (f64, f64),
    pub cross: Option<String>,
}

/// `along` (0..1) is where on the arrow its label sits: past the middle when another arrow ends where this one
/// starts, before it when one starts where this one ends, so labels of a reply and the next step part.
pub fn arrow_geom(l: &SeqLayout, a: &ArrowView, label_w: f64, along: f64) -> ArrowGeom {
    let (x0, y0) = (l.lane(a.from), l.y(a.sent.as_micros()));
    let (mut x1, y1) = (l.lane(a.to), l.y(a.received.as_micros()).max(y0));
    let mut line = String::new();
    let (dx, dy, lx, ly);
    if a.from == a.to || (x1 - x0).abs() < 1.0 {
        // To itself: a loop out to the right and back.
        let _ = write!(line, "M{x0:.1},{y0:.1}h22V{:.1}h-20", y1.max(y0 + 10.0));
        x1 += 2.0;
        (dx, dy, lx, ly) = (-1.0, 0.0, x0 + 26.0 + label_w / 2.0, y0 + 4.0);
    } else {
        let _ = write!(line, "M{x0:.1},{y0:.1}L{x1:.1},{y1:.1}");
        let len = ((x1 - x0).powi(2) + (y1 - y0).powi(2)).sqrt();
        (dx, dy, lx, ly) = ((x1 - x0) / len, (y1 - y0) / len, x0 + (x1 - x0) * along, y0 + (y1 - y0) * along - 5.0);
    }
    let y1 = if a.from == a.to { y1.max(y0 + 10.0) } else { y1 };
    let (nx, ny) = (-dy, dx);
    let (bx, by) = (x1 - 9.0 * dx, y1 - 9.0 * dy);
    let (p, q) = ((bx + 4.5 * nx, by + 4.5 * ny), (bx - 4.5 * nx, by - 4.5 * ny));
    let head = match a.kind {
        ArrowKind::Reply | ArrowKind::Duplicate => {
            format!("M{:.1},{:.1}L{x1:.1},{y1:.1}L{:.1},{:.1}", p.0, p.1, q.0, q.1)
        }
        _ => format!("M{x1:.1},{y1:.1}L{:.1},{:.1}L{:.1},{:.1}Z", p.0, p.1, q.0, q.1),
    };
    let cross = (a.kind == ArrowKind::Failure).then(|| {
        let (cx, cy) = (x1 - 20.0 * dx, y1 - 20.0 * dy);
        format!("M{:.1},{:.1}l8,8m0,-8l-8,8", cx - 4.0, cy - 4.0)
    });
    let half = label_w / 2.0 + 2.0;
    let lx = if l.width > 2.0 * half { lx.clamp(half, l.width - half) } else { l.width / 2.0 };
    ArrowGeom { line, head, label: (lx, ly), cross }
}

fn kind_name(k: ArrowKind) -> &'static str {
    match k {
        ArrowKind::Forward => "forward",
        ArrowKind::Reply => "reply",
        ArrowKind::Failure => "failure",
        ArrowKind::Compensation => "compensation",
        ArrowKind::Duplicate => "duplicate",
    }
}

fn arrow_text(a: &ArrowView) -> String {
    match a.kind {
        ArrowKind::Compensation => format!("↩ {}", a.label),
        ArrowKind::Failure => format!("✕ {}", a.label),
        _ => a.label.clone(),
    }
}

/// `text` with the characters that matter in markup escaped.
pub(crate) fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

/// Lines of text on a white tag whose top edge is at `top`, anchored at `x` (`start` or `end`), so a mark or a
/// rule stays legible over the arrows it crosses.
fn tag(out: &mut String, x: f64, top: f64, anchor: &str, lines: &[String]) {
    let w = lines.iter().map(|l| text_width(l, TEXT_PX, false)).fold(0.0, f64::max);
    let x0 = if anchor == "end" { x - w - 4.0 } else { x - 4.0 };
    let _ = write!(
        out,
        r#"<rect class="seq-tag" x="{x0:.1}" y="{top:.1}" width="{:.1}" height="{:.1}" rx="3"></rect><text x="{x:.1}" y="{:.1}" text-anchor="{anchor}">"#,
        w + 8.0,
        lines.len() as f64 * 14.4 + 4.0,
        top + 13.0
    );
    for (i, s) in lines.iter().enumerate() {
        let _ = write!(out, r#"<tspan x="{x:.1}" dy="{}">{}</tspan>"#, if i == 0 { "0" } else { "1.2em" }, esc(s));
    }
    out.push_str("</text>");
}

/// The lane names over the diagram as SVG markup, and its height (two staggered rows when lanes are narrow).
pub fn head_svg(l: &SeqLayout, lanes: &[String]) -> (String, f64) {
    let mut out = String::new();
    for (i, name) in lanes.iter().enumerate() {
        let y = if l.staggered && i % 2 == 1 { 34.0 } else { 16.0 };
        let half = text_width(name, TEXT_PX, true) / 2.0 + 2.0;
        let x = if l.width > 2.0 * half { l.lane(i).clamp(half, l.width - half) } else { l.width / 2.0 };
        let _ = write!(out, r#"<text x="{x:.1}" y="{y}" text-anchor="middle">{}</text>"#, esc(name));
    }
    (out, if l.staggered { 38.0 } else { 22.0 })
}

/// One flow as SVG markup: gaps drawn short, rules, arrows (with their data hooks) and lane marks.
pub fn body_svg(l: &SeqLayout, flow: &FlowView, lanes: &[String]) -> String {
    let lane_name = |i: usize| esc(lanes.get(i).or(lanes.last()).map_or("", String::as_str));
    let mut out = String::from(r#"<path class="seq-breaks" d=""#);
    for (y, _) in &l.breaks {
        for x in &l.lane_x {
            let _ = write!(out, "M{:.1},{:.1}l10,-4M{:.1},{:.1}l10,-4", x - 5.0, y - 1.0, x - 5.0, y + 5.0);
        }
    }
    out.push_str(r#""></path>"#);
    for &(y, dt) in &l.breaks {
        let _ = write!(
            out,
            r#"<text class="seq-break" x="4" y="{:.1}">≈ {} later</text>"#,
            y + 4.0,
            secs(SimTime::from_micros(dt))
        );
    }
    for r in &flow.rules {
        let y = l.y(r.at.as_micros());
        let lines = wrap(&r.label, l.width - 16.0);
        let _ = write!(
            out,
            r#"<g class="seq-rule" data-t="{}"><path d="M0,{y:.1}H{:.1}"></path>"#,
            r.at.as_micros(),
            l.width
        );
        tag(&mut out, l.width - 6.0, y - 6.0 - lines.len() as f64 * 14.4, "end", &lines);
        out.push_str("</g>");
    }
    let start = flow.arrows.len().saturating_sub(MAX_ARROWS);
    let shown = &flow.arrows[start..];
    let ends: Vec<(usize, u64)> = shown.iter().map(|a| (a.to, a.received.as_micros())).collect();
    let starts: Vec<(usize, u64)> = shown.iter().map(|a| (a.from, a.sent.as_micros())).collect();
    let busy = |set: &[(usize, u64)], lane: usize, t: SimTime| set.contains(&(lane, t.as_micros()));
    for a in shown {
        let text = arrow_text(a);
        let along = 0.5 + if busy(&ends, a.from, a.sent) { 0.12 } else { 0.0 }
            - if busy(&starts, a.to, a.received) { 0.12 } else { 0.0 };
        let g = arrow_geom(l, a, text_width(&text, TEXT_PX, false), along);
        let (c, kind) = (colour(a.tone), kind_name(a.kind));
        let _ = write!(
            out,
            r#"<g class="seq-arrow {kind}" data-kind="{kind}" data-from="{}" data-to="{}" data-sent="{}" data-t="{}"><path class="line" d="{}" stroke="{c}"></path><path class="head" d="{}" stroke="{c}" fill="{c}"></path>"#,
            lane_name(a.from),
            lane_name(a.to),
            a.sent.as_micros(),
            a.received.as_micros(),
            g.line,
            g.head
        );
        if let Some(d) = g.cross {
            let _ = write!(out, r#"<path class="cross" d="{d}" stroke="{c}"></path>"#);
        }
        let _ = write!(
            out,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{}</text></g>"#,
            g.label.0,
            g.label.1,
            esc(&text)
        );
    }
    for m in &flow.marks {
        let (x, y) = (l.lane(m.lane), l.y(m.at.as_micros()));
        let right = x < l.width / 2.0;
        let avail = if right { l.width - x - 22.0 } else { x - 22.0 };
        let lines = wrap(&format!("{} {}", symbol(m.tone), m.label), avail.max(60.0));
        let _ = write!(
            out,
            r#"<g class="seq-mark" data-lane="{}" data-t="{}"><path d="{}" transform="translate({x:.1},{y:.1})" fill="{}"></path>"#,
            lane_name(m.lane),
            m.at.as_micros(),
            marker_path(marker(m.tone), 6.5),
            colour(m.tone)
        );
        let (tx, anchor) = if right { (x + 10.0, "start") } else { (x - 10.0, "end") };
        tag(&mut out, tx, y - 9.0, anchor, &lines);
        out.push_str("</g>");
    }
    out
}

/// Where `now` is on the diagram of `f`, and whether its line is hidden (a finished flow, `now` past its end:
/// the line would only sit under the last arrow).
pub fn now_at(l: &SeqLayout, f: &FlowView, now: SimTime) -> (f64, bool) {
    let t_last = l.knots.last().map_or(0, |k| k.0);
    let now = now.as_micros();
    (l.y(if f.finished { now.min(t_last) } else { now }), f.finished && now > t_last)
}

/// The whole diagram of `f` as an `<svg>`: lanes, the clipped content and a `now` line the caller moves.
pub fn diagram_svg(l: &SeqLayout, f: &FlowView, lanes: &[String], now: SimTime) -> String {
    let (y, hide) = now_at(l, f, now);
    let mut out = format!(
        r#"<svg class="seq-body" viewBox="0 0 {:.0} {:.0}" role="img" aria-label="{}" data-flow="{}"><clipPath id="seq-clip"><rect class="seq-clip" width="99999" height="{:.1}"></rect></clipPath><path class="seq-lanes" d=""#,
        l.width,
        l.height,
        esc(&flow_summary(f, lanes)),
        f.id,
        y + 1.0
    );
    for x in &l.lane_x {
        let _ = write!(out, "M{x:.1},4V{:.1}", l.height);
    }
    let _ = write!(
        out,
        r#""></path><g clip-path="url(#seq-clip)">{}</g><g class="seq-now" display="{}" transform="translate(0,{y:.1})"><path d="M0,0H99999"></path><text x="{:.1}" y="-4" text-anchor="end">now {}</text></g></svg>"#,
        body_svg(l, f, lanes),
        if hide { "none" } else { "inline" },
        l.width - 4.0,
        secs(now)
    );
    out
}

const LEGEND: &str = concat!(
    r#"<li><svg viewBox="0 0 28 10"><path d="M1,5H25M19,1L26,5L19,9Z" class="k-forward"></path></svg>step</li>"#,
    r#"<li><svg viewBox="0 0 28 10"><path d="M1,5H26M19,1L26,5L19,9" class="k-reply"></path></svg>reply</li>"#,
    r#"<li><svg viewBox="0 0 28 10"><path d="M1,5H25M19,1L26,5L19,9ZM7,1l8,8m0,-8l-8,8" class="k-failure"></path></svg>✕ failure</li>"#,
    r#"<li><svg viewBox="0 0 28 10"><path d="M1,5H19M19,1L26,5L19,9Z" class="k-compensation"></path></svg>↩ compensation</li>"#,
    r#"<li><svg viewBox="0 0 28 10"><path d="M1,5H26M19,1L26,5L19,9" class="k-duplicate"></path></svg>duplicate (ghost)</li>"#,
);

/// Width of `el` in CSS px, kept up to date on window resizes (in steps of 8 px, so a wobble does not re-lay out).
pub(crate) fn measured_width(el: NodeRef<Div>) -> RwSignal<f64> {
    let guess = window().inner_width().ok().and_then(|w| w.as_f64()).map_or(800.0, |w| (w - 60.0).min(1300.0));
    let width = RwSignal::new(guess);
    let measure = move || {
        if let Some(e) = el.get_untracked() {
            let w = (e.client_width() as f64 / 8.0).floor() * 8.0;
            if w > 0.0 && w != width.get_untracked() {
                width.set(w);
            }
        }
    };
    effect(move || {
        if el.get().is_some() {
            measure();
        }
    });
    let resize = window_event_listener(leptos::ev::resize, move |_| measure());
    on_cleanup(move || resize.remove());
    width
}

/// The layout of `flow` (its most recent arrows, marks and rules) over `width` px; `None` when it has nothing
/// to draw yet.
fn flow_layout(width: f64, lanes: &[String], f: &FlowView) -> Option<SeqLayout> {
    let start = f.arrows.len().saturating_sub(MAX_ARROWS);
    let times: Vec<u64> = f.arrows[start..]
        .iter()
        .flat_map(|a| [a.sent.as_micros(), a.received.as_micros()])
        .chain(f.marks.iter().map(|m| m.at.as_micros()))
        .chain(f.rules.iter().map(|r| r.at.as_micros()))
        .collect();
    (!times.is_empty()).then(|| SeqLayout::new(width, lanes, &times, !f.finished))
}

/// Renders the session's `Panel::Sequence` when the run shows one.
#[component]
pub fn SequencePanel(session: Session) -> impl IntoView {
    // The picker's value ("failed", "latest" or a flow id), the pinned flow's label, and a note to the reader.
    let follow = RwSignal::new("failed".to_string());
    let pinned_label = RwSignal::new(String::new());
    let note = RwSignal::new(String::new());
    let wrap_ref = NodeRef::<Div>::new();
    let scroll_ref = NodeRef::<Div>::new();
    let width = measured_width(wrap_ref);
    // Reads the panel and the followed flow (and whether "latest failed" had none to show).
    let with_flow = move |f: &mut dyn FnMut(&SequenceView, Option<&FlowView>, bool)| {
        let fw = follow.with_untracked(|v| Follow::parse(v));
        session.panels.with_untracked(|ps| {
            for p in ps {
                if let Panel::Sequence(s) = p {
                    let none_failed = fw == Follow::LatestFailed && !s.flows.iter().any(|f| f.failed);
                    f(s, pick(&s.flows, &fw).map(|i| &s.flows[i]), none_failed)
                }
            }
        })
    };
    let on_pick = move |ev: leptos::ev::Event| {
        let v = event_target_value(&ev);
        note.set(String::new());
        if let Follow::Pinned(id) = Follow::parse(&v) {
            with_flow(&mut |s, _, _| {
                if let Some(f) = s.flows.iter().find(|f| f.id == id) {
                    pinned_label.set(f.label.clone());
                }
            });
        }
        follow.set(v);
    };
    // Markup (or text) of one part of the panel: 0 title, 1 the followed flow's name, 2 the picker's options,
    // 3 the lane names, 4 the diagram without `now` (its markup changes when the flow gains an arrow, the
    // pick or the width changes). One closure type for all, so the memo machinery is instantiated once.
    // What the parts below are drawn from, in a few numbers: the panels change every frame, the followed flow
    // and the list of flows only when a message is delivered or a flow starts or ends.
    let key = memo(move |_| {
        session.panels.track();
        follow.track();
        // Paused, a changed run (a parameter set at the same moment) redraws whatever the numbers say.
        let mut k = if session.playing.get() { String::new() } else { session.trace_hash.get().to_string() };
        with_flow(&mut |s, f, none_failed| {
            let n_done = s.flows.iter().filter(|f| f.finished).count();
            let last = s.flows.last().map_or(0, |f| f.id);
            let _ = write!(k, "{}/{n_done}/{last}/{none_failed}/{}", s.flows.len(), s.lanes.len());
            if let Some(f) = f {
                let t = f.arrows.last().map_or(0, |a| a.received.as_micros());
                let _ = write!(k, "/{}/{}/{t}/{}/{}/{}", f.id, f.arrows.len(), f.marks.len(), f.rules.len(), f.label);
            }
        });
        k
    });
    // While playing, the picker's options (every flow, dozens of them, relabelled as flows end) are rebuilt
    // at most twice a second: rewriting them was the busiest change of a crowded run's frame, and nobody
    // reads a list that changes sixty times a second. Paused, or on a pick, at once.
    // (wall ms, pick) of the last build.
    let options_built = StoredValue::new((f64::NEG_INFINITY, String::new()));
    let part = move |which: u8| {
        memo(move |prev: Option<&String>| {
            // Read, not only tracked: a memo recomputes (and subscribes to its own sources) when it is read.
            key.with(|_| ());
            let (w, sel) = (width.get(), follow.get());
            if which == 2 {
                let wall = crate::session::wall_ms();
                let recent = options_built.with_value(|(at, built_for)| *built_for == sel && wall - at < 500.0);
                if let Some(p) = prev
                    && session.playing.get()
                    && recent
                {
                    return p.clone();
                }
                options_built.set_value((wall, sel.clone()));
            }
            let mut out = String::new();
            with_flow(&mut |s, f, none_failed| {
                out = match (which, f) {
                    (0, _) => s.title.clone(),
                    (1, Some(f)) if none_failed => format!("{} (none has failed yet: showing the latest)", f.label),
                    (1, Some(f)) => f.label.clone(),
                    (1, None) => "No flow yet.".to_string(),
                    (2, _) => {
                        let on = |b: bool| if b { " selected" } else { "" };
                        let mut o = format!(
                            r#"<option value="failed"{}>Latest failed</option><option value="latest"{}>Latest</option>"#,
                            on(sel == "failed"),
                            on(sel == "latest")
                        );
                        for f in s.flows.iter().rev() {
                            let id = f.id.to_string();
                            let _ = write!(o, r#"<option value="{id}"{}>{}</option>"#, on(sel == id), esc(&f.label));
                        }
                        o
                    }
                    (3, _) => {
                        let (svg, h) = head_svg(&SeqLayout::new(w, &s.lanes, &[], false), &s.lanes);
                        format!(r#"<svg class="seq-head" viewBox="0 0 {w} {h}" aria-hidden="true">{svg}</svg>"#)
                    }
                    (_, Some(f)) => match flow_layout(w, &s.lanes, f) {
                        Some(l) => diagram_svg(&l, f, &s.lanes, session.now.get_untracked()),
                        None => r#"<p class="muted">No message delivered yet in this flow.</p>"#.to_string(),
                    },
                    _ => String::new(),
                }
            });
            out
        })
    };
    let (title, heading, options, head, body) = (part(0), part(1), part(2), part(3), part(4));
    // Every frame: clip what lies after `now`, move the `now` line, keep it in view as the flow grows; and if
    // a pinned flow left the bounded list, follow the latest again and say so.
    effect(move || {
        let now = session.now.get();
        body.with(|_| ());
        key.with(|_| ());
        let mut gone = false;
        with_flow(&mut |_, f, _| gone = f.is_none());
        if gone && matches!(follow.with(|v| Follow::parse(v)), Follow::Pinned(_)) {
            note.set(format!("{} is no longer kept: following the latest instead.", pinned_label.get_untracked()));
            follow.set("latest".into());
        }
        let Some(el) = scroll_ref.get() else { return };
        let mut at = None;
        with_flow(&mut |s, f, _| {
            if let Some(f) = f
                && let Some(l) = flow_layout(width.get_untracked(), &s.lanes, f)
            {
                let (y, hide) = now_at(&l, f, now);
                at = Some((y, hide, l.height > SCROLL_MAX_H));
            }
        });
        let Some((y, hide, tall)) = at else { return };
        // Attributes are set only when they change, and the scroller is measured only when the diagram is
        // taller than it can show: no forced layout on every frame.
        let set = |el: &web_sys::Element, name: &str, v: &str| {
            if el.get_attribute(name).as_deref() != Some(v) {
                let _ = el.set_attribute(name, v);
            }
        };
        if let Ok(Some(clip)) = el.query_selector(".seq-clip") {
            set(&clip, "height", &format!("{:.1}", y + 1.0));
        }
        if let Ok(Some(line)) = el.query_selector(".seq-now") {
            set(&line, "display", if hide { "none" } else { "inline" });
            if !hide {
                set(&line, "transform", &format!("translate(0,{y:.1})"));
                if let Some(t) = line.last_element_child() {
                    t.set_text_content(Some(&format!("now {}", secs(now))));
                }
            }
        }
        if tall {
            let (top, h) = (el.scroll_top() as f64, el.client_height() as f64);
            if h > 0.0 && (y > top + h - 24.0 || y < top) {
                el.set_scroll_top((y - 0.6 * h).max(0.0) as i32);
            }
        }
    });
    view! {
        <section class="panel sequence-panel" data-testid="sequence-panel" aria-labelledby="seq-title">
            <h2 id="seq-title">{title}</h2>
            <div class="seq-controls">
                <label>"Follow "
                    <select data-testid="sequence-follow" on:change=cb(on_pick) inner_html=options></select>
                </label>
                <span class="seq-note" role="status">{note}</span>
            </div>
            <p class="seq-flow" data-testid="sequence-flow"><strong>{heading}</strong></p>
            <ul class="legend seq-legend" aria-hidden="true" inner_html=LEGEND></ul>
            <div class="seq-measure" node_ref=wrap_ref>
                <div inner_html=head></div>
                <div class="seq-scroll" node_ref=scroll_ref tabindex="0" role="group" aria-label="Sequence diagram, scrolls with time"
                    inner_html=body></div>
            </div>
        </section>
    }
}

#[cfg(test)]
fn empty_flow() -> FlowView {
    FlowView {
        id: 0,
        label: String::new(),
        tone: faultline_sim::scene::Tone::Neutral,
        failed: false,
        finished: false,
        arrows: Vec::new(),
        marks: Vec::new(),
        rules: Vec::new(),
    }
}

/// The diagram in words: the flow, its message count, and each arrow that is not a plain step or reply.
pub fn flow_summary(f: &FlowView, lanes: &[String]) -> String {
    let name = |i: usize| lanes.get(i).map_or("?", String::as_str);
    let mut s = format!("{}: {} messages", f.label, f.arrows.len());
    for a in f.arrows.iter().filter(|a| matches!(a.kind, ArrowKind::Failure | ArrowKind::Compensation)) {
        let _ = write!(
            s,
            "; {} {} from {} to {} at {}",
            kind_name(a.kind),
            a.label,
            name(a.from),
            name(a.to),
            secs(a.received)
        );
    }
    for m in &f.marks {
        let _ = write!(s, "; {} {} at {}", name(m.lane), m.label, secs(m.at));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use faultline_sim::scene::Tone;

    fn lanes(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("lane {i}")).collect()
    }

    fn flow(id: u64, failed: bool) -> FlowView {
        FlowView { id, failed, label: format!("flow {id}"), ..empty_flow() }
    }

    #[test]
    fn picks_latest_failed_latest_and_pinned() {
        let fs = vec![flow(1, true), flow(2, false), flow(3, true), flow(4, false)];
        assert_eq!(pick(&fs, &Follow::LatestFailed), Some(2));
        assert_eq!(pick(&fs, &Follow::Latest), Some(3));
        assert_eq!(pick(&fs, &Follow::Pinned(2)), Some(1));
        assert_eq!(pick(&fs, &Follow::Pinned(9)), None);
        assert_eq!(Follow::parse("failed"), Follow::LatestFailed);
        assert_eq!(Follow::parse("latest"), Follow::Latest);
        assert_eq!(Follow::parse("12"), Follow::Pinned(12));
        assert_eq!(pick(&fs[1..2], &Follow::LatestFailed), Some(0), "none failed: the latest");
        assert_eq!(pick(&[], &Follow::Latest), None);
    }

    #[test]
    fn time_flows_down_and_long_gaps_are_capped() {
        let ms = |v: u64| v * 1000;
        // A quick exchange, then a 4 s stall, then more.
        let times = [0, ms(25), ms(150), ms(175), ms(4175), ms(4200)];
        let l = SeqLayout::new(800.0, &lanes(5), &times, true);
        let ys: Vec<f64> = times.iter().map(|&t| l.y(t)).collect();
        assert!(ys.windows(2).all(|w| w[1] > w[0]), "{ys:?}");
        assert!(ys[4] - ys[3] <= CAP + 1e-9, "the stall is drawn short: {ys:?}");
        assert_eq!(l.breaks.len(), 1);
        assert_eq!(l.breaks[0].1, ms(4000));
        assert!(ys[1] - ys[0] >= MIN_STEP - 1e-9);
        assert!(l.height > ys[5] && l.height < TARGET_H + 2.0 * CAP + 40.0);
        // Past the last moment `now` keeps going down, up to CAP.
        assert!(l.y(ms(4300)) > ys[5] && l.y(ms(60_000)) <= ys[5] + CAP + 1e-9);
        // Lanes sit inside the width, in order.
        assert!(l.lane_x.windows(2).all(|w| w[0] < w[1]) && l.lane_x[4] < 800.0 && l.lane_x[0] > 0.0);
    }

    #[test]
    fn a_one_second_flow_fills_about_the_target_height() {
        let times: Vec<u64> = (0..20).map(|i| i * 50_000).collect();
        let l = SeqLayout::new(600.0, &lanes(5), &times, false);
        let span = l.y(times[19]) - l.y(0);
        assert!((span - TARGET_H).abs() < 2.0, "span {span}");
    }

    #[test]
    fn bad_input_does_not_panic() {
        let l = SeqLayout::new(f64::NAN, &[], &[], true);
        assert_eq!(l.lane_x.len(), 1);
        assert_eq!(l.y(5), TOP);
        let l = SeqLayout::new(10.0, &lanes(3), &[7, 7, 7], false);
        assert!(l.width >= 120.0 && l.y(7).is_finite());
        let a = ArrowView {
            from: 9,
            to: 9,
            sent: SimTime::from_micros(7),
            received: SimTime::from_micros(7),
            label: "x".into(),
            kind: ArrowKind::Failure,
            tone: Tone::Bad,
        };
        let g = arrow_geom(&l, &a, 30.0, 0.5);
        assert!(g.cross.is_some() && !g.line.contains("NaN") && !g.head.contains("NaN"));
        // Thousands of moments stay finite and ordered.
        let many: Vec<u64> = (0..5000).map(|i| i * 1000).collect();
        let l = SeqLayout::new(390.0, &lanes(6), &many, false);
        assert!(l.y(4_999_000) > l.y(0) && l.height.is_finite());
    }

    #[test]
    fn narrow_lanes_stagger_labels_and_text_wraps() {
        let names: Vec<String> =
            ["Orchestrator", "Order", "Payment", "Inventory", "Shipping"].map(String::from).to_vec();
        assert!(SeqLayout::new(360.0, &names, &[], false).staggered);
        assert!(!SeqLayout::new(1200.0, &names, &[], false).staggered);
        let lines = wrap("pivot: payment committed — from here the saga only goes forward", 200.0);
        assert!(lines.len() >= 2 && lines.iter().all(|l| text_width(l, TEXT_PX, false) <= 200.0), "{lines:?}");
    }

    #[test]
    fn heads_differ_by_kind() {
        let l = SeqLayout::new(600.0, &lanes(3), &[0, 20_000], false);
        let mk = |kind| ArrowView {
            from: 0,
            to: 2,
            sent: SimTime::from_micros(0),
            received: SimTime::from_micros(20_000),
            label: "m".into(),
            kind,
            tone: Tone::Neutral,
        };
        let closed = arrow_geom(&l, &mk(ArrowKind::Compensation), 10.0, 0.5).head;
        let open = arrow_geom(&l, &mk(ArrowKind::Reply), 10.0, 0.5).head;
        assert!(closed.ends_with('Z') && !open.ends_with('Z'));
        assert!(arrow_geom(&l, &mk(ArrowKind::Forward), 10.0, 0.5).cross.is_none());
    }

    #[test]
    fn the_markup_carries_kinds_lanes_and_times_in_order() {
        let names: Vec<String> = ["O", "Pay & co"].map(String::from).to_vec();
        let arrow = |from, to, sent_ms: u64, kind| ArrowView {
            from,
            to,
            sent: SimTime::from_millis(sent_ms),
            received: SimTime::from_millis(sent_ms + 20),
            label: "<m>".into(),
            kind,
            tone: Tone::Warn,
        };
        let f = FlowView {
            arrows: vec![arrow(0, 1, 0, ArrowKind::Forward), arrow(0, 1, 100, ArrowKind::Compensation)],
            marks: vec![faultline_sim::scene::LaneMark {
                lane: 1,
                at: SimTime::from_millis(50),
                label: "down".into(),
                tone: Tone::Bad,
            }],
            ..flow(3, true)
        };
        let l = SeqLayout::new(400.0, &names, &[0, 20, 50, 100, 120].map(|t| t * 1000), false);
        let svg = body_svg(&l, &f, &names);
        let fwd = svg.find(r#"data-kind="forward" data-from="O" data-to="Pay &amp; co" data-sent="0" data-t="20000""#);
        let comp = svg.find(r#"data-kind="compensation""#);
        assert!(fwd.is_some() && comp > fwd, "{svg}");
        assert!(svg.contains("↩ &lt;m&gt;") && svg.contains(r#"data-lane="Pay &amp; co" data-t="50000""#), "{svg}");
        let (head, h) = head_svg(&l, &names);
        assert!(head.contains("Pay &amp; co") && h > 0.0);
        assert!(flow_summary(&f, &names).contains("compensation <m> from O to Pay & co"));
    }
}
