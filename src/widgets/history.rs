//! The History panel's widget: a lane per client, an operation bar from invoke to return in a time window
//! ending at `now` (pending ones grow to `now`), the result by shape, text and colour (ok solid with a
//! circle, failed solid with a square and ✕, unknown dashed with a triangle and ?, stale hatched with a
//! diamond and "stale"), a tick where the checker linearized each operation, the first violation outlined,
//! partitions as labelled bands across the lanes, and the checker's verdict as text with a button to jump
//! to the violation's moment.
//!
//! A lane too dense to tell its bars apart (hundreds of operations a second) draws each run of touching
//! operations of one result as one bar, "N ops" (`hist-run`, `data-count`); the counts line still counts
//! every operation.
//!
//! Bars sit at absolute time coordinates in a group that slides left as time passes, one group a lane.
//! While playing, the lanes take turns to be redrawn (each about 8 times a second, a few a frame, so no
//! frame redraws them all), and a redraw keeps the bars whose markup is unchanged: a frame moves one
//! transform and adds only the operations that changed. Data hooks for tests: `data-result`,
//! `data-lane` (lane label), `data-invoke`, `data-ret` (µs) on each bar; `data-ok`… on the counts line.

use std::fmt::Write;

use faultline_sim::kernel::SimTime;
use faultline_sim::scene::{HistoryView, OpResult, OpView, Panel, SpanView, Tone};
use leptos::html::Div;
use leptos::prelude::*;

use crate::core::format::secs;
use crate::core::palette::{colour, marker, marker_path, symbol, tint};
use crate::session::Session;
use crate::widgets::cb;
use crate::widgets::effect;
use crate::widgets::memo;
use crate::widgets::sequence::{esc, measured_width};
use crate::widgets::stage::layout::text_width;

const ROW_H: f64 = 30.0;
const TOP: f64 = 20.0;
const AXIS_H: f64 = 22.0;
const BAR_H: f64 = 12.0;
/// Narrowest bar drawn, px (an operation of a few ms is still seen).
const MIN_BAR: f64 = 4.0;
const TEXT_PX: f64 = 12.0;
/// Window lengths the reader can pick, seconds.
const WINDOWS: [u64; 3] = [5, 10, 30];

/// Tone, symbol and word of a result: what its bar is drawn with besides colour.
pub fn result_style(r: OpResult) -> (Tone, &'static str, &'static str) {
    match r {
        OpResult::Ok => (Tone::Good, "✓", "ok"),
        OpResult::Fail => (Tone::Bad, "✕", "fail"),
        OpResult::Unknown => (Tone::Warn, "?", "unknown"),
        OpResult::Stale => (Tone::Info, "stale", "stale"),
        OpResult::Pending => (Tone::Neutral, "…", "pending"),
    }
}

/// An operation in the window, with the next invoke on its lane (how much room its label has).
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub op: OpView,
    pub next: Option<SimTime>,
    pub lane_name: String,
    /// Operations the bar stands for: 1, or a run of a dense lane ([`coalesce`]).
    pub count: usize,
}

/// Operations of `h` drawn in the window `[now − window_us, now]`: returned in it or after it, or still
/// pending, and invoked by `now` (one that returned after `now` is pending at `now`). At most `limit`, the
/// most recent.
pub fn visible(h: &HistoryView, now: SimTime, window_us: u64, limit: usize) -> Vec<Row> {
    visible_in(h, now, window_us, limit, None)
}

/// [`visible`], keeping only the rows of one lane group when `group` is given (an operation's group is its
/// lane, the last group for a lane past the end): the rows [`visible`] gives that group, found without
/// cloning the others.
pub fn visible_in(h: &HistoryView, now: SimTime, window_us: u64, limit: usize, group: Option<usize>) -> Vec<Row> {
    let from = now.as_micros().saturating_sub(window_us);
    let shown = |o: &OpView| o.invoke <= now && o.ret.is_none_or(|r| r.as_micros() >= from);
    // The most recent `limit` over every lane: the first `n − limit` shown are left out.
    let mut skip = h.ops.iter().filter(|o| shown(o)).count().saturating_sub(limit);
    let groups = lane_groups(h);
    let mut rows = Vec::new();
    for o in h.ops.iter().filter(|o| shown(o)) {
        if skip > 0 {
            skip -= 1;
            continue;
        }
        if group.is_some_and(|g| o.lane.min(groups - 1) != g) {
            continue;
        }
        let mut op = o.clone();
        // Not returned yet at `now` (drawn a little behind the run): pending then.
        if op.ret.is_some_and(|r| r > now) {
            (op.ret, op.result, op.linearized_at, op.violation) = (None, OpResult::Pending, None, false);
        }
        rows.push(Row { op, next: None, lane_name: h.lanes.get(o.lane).cloned().unwrap_or_default(), count: 1 });
    }
    link_lanes(&mut rows, h.lanes.len());
    rows
}

/// Groups of bars the plot keeps, one a lane (at least one).
fn lane_groups(h: &HistoryView) -> usize {
    h.lanes.len().max(1)
}

/// Sets each row's `next`: the next invoke on its lane.
fn link_lanes(rows: &mut [Row], n_lanes: usize) {
    let mut last: Vec<Option<usize>> = vec![None; n_lanes.max(1)];
    for i in 0..rows.len() {
        let lane = rows[i].op.lane.min(last.len() - 1);
        rows[i].next = None;
        if let Some(p) = last[lane] {
            rows[p].next = Some(rows[i].op.invoke);
        }
        last[lane] = Some(i);
    }
}

/// A lane is dense when its operations come more than one per this many px of the stretch they cover.
const DENSE_PX: f64 = 4.0;

/// Dense lanes drawn as runs: in a lane whose operations come more than one per [`DENSE_PX`] px of the
/// stretch of plot they cover (`s` px per µs), consecutive finished operations of one result whose bars touch
/// are one bar, "N ops", from the first invoke to the last return. Hundreds of operations a second are then
/// a few bars a reader can tell apart, not hundreds drawn over each other, and a redraw replaces a few
/// elements. A violation, a pending operation and every lane at a readable density keep one bar per
/// operation.
pub fn coalesce(rows: Vec<Row>, s: f64, n_lanes: usize) -> Vec<Row> {
    let n_lanes = n_lanes.max(1);
    let end_px = |op: &OpView| {
        let x0 = op.invoke.as_micros() as f64 * s;
        x0 + op.ret.map_or(MIN_BAR, |t| (t.as_micros() as f64 * s - x0).max(MIN_BAR))
    };
    // Per lane: operations, and the stretch (px) from the first invoke to the last end.
    let mut lanes = vec![(0usize, f64::INFINITY, f64::NEG_INFINITY); n_lanes];
    for r in &rows {
        let l = &mut lanes[r.op.lane.min(n_lanes - 1)];
        l.0 += 1;
        l.1 = l.1.min(r.op.invoke.as_micros() as f64 * s);
        l.2 = l.2.max(end_px(&r.op));
    }
    let dense: Vec<bool> = lanes.iter().map(|&(n, a, b)| n > 1 && n as f64 * DENSE_PX > b - a).collect();
    if !dense.contains(&true) {
        return rows;
    }
    let mut out: Vec<Row> = Vec::with_capacity(rows.len());
    // Per lane, the bar a following operation may join.
    let mut open: Vec<Option<usize>> = vec![None; n_lanes];
    for r in rows {
        let lane = r.op.lane.min(n_lanes - 1);
        let mergeable = dense[lane] && r.op.ret.is_some() && !r.op.violation;
        if mergeable
            && let Some(g) = open[lane]
            && out[g].op.result == r.op.result
            && r.op.invoke.as_micros() as f64 * s <= end_px(&out[g].op) + 1.0
        {
            let bar = &mut out[g];
            bar.count += 1;
            bar.op.ret = bar.op.ret.max(r.op.ret);
            bar.op.linearized_at = None;
            bar.op.label = format!("{} ops", bar.count);
            continue;
        }
        open[lane] = mergeable.then_some(out.len());
        out.push(r);
    }
    link_lanes(&mut out, n_lanes);
    out
}

/// Results counted over the rows: ok, failed, unknown, stale, pending.
pub fn counts(rows: &[Row]) -> [usize; 5] {
    let mut c = [0; 5];
    for r in rows {
        c[r.op.result as usize] += 1;
    }
    c
}

/// Seconds between time-axis ticks: at least 56 px apart.
pub fn tick_step_s(px_per_s: f64) -> u64 {
    [1, 2, 5, 10, 30, 60].into_iter().find(|s| *s as f64 * px_per_s >= 56.0).unwrap_or(120)
}

/// The text drawn after a bar: symbol and label if there is room, the symbol alone, or nothing.
pub fn bar_text(op: &OpView, room_px: f64) -> Option<String> {
    let sym = result_style(op.result).1;
    let full = format!("{sym} {}", op.label);
    // An ok operation's circle says enough when its label does not fit; the others keep their word.
    let short = if op.result == OpResult::Ok { String::new() } else { sym.to_string() };
    [full, short].into_iter().find(|t| !t.is_empty() && text_width(t, TEXT_PX, false) + 4.0 <= room_px)
}

/// Where a moment is drawn on the sliding layer: `s` px per µs from `base` (µs).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TimeX {
    pub s: f64,
    pub base: u64,
}

impl TimeX {
    pub fn x(self, t: SimTime) -> f64 {
        (t.as_micros() as f64 - self.base as f64) * self.s
    }
}

/// The operations as SVG markup on the sliding layer (`tx`; the caller slides it so `now` is at the right
/// edge). A pending bar runs far to the right: the layer's clip ends it at `now`.
pub fn bars_svg(rows: &[Row], tx: TimeX) -> String {
    let mut out = String::new();
    for r in rows {
        bar_svg(&mut out, r, tx);
    }
    out
}

/// One operation's markup: a single `<g class="hist-op">` element (what [`bars_svg`] concatenates).
pub fn bar_svg(out: &mut String, r: &Row, tx: TimeX) {
    let op = &r.op;
    let (tone, _, word) = result_style(op.result);
    let x0 = tx.x(op.invoke);
    let yc = TOP + op.lane as f64 * ROW_H + ROW_H / 2.0;
    let w = op.ret.map_or(1e7, |t| (tx.x(t) - x0).max(MIN_BAR));
    let fill = match op.result {
        OpResult::Stale => "url(#hist-hatch)",
        OpResult::Unknown | OpResult::Pending => tint(tone),
        _ => colour(tone),
    };
    let _ = write!(
        out,
        r#"<g class="hist-op {word}{}{}" data-result="{word}" data-lane="{}" data-invoke="{}" data-ret="{}"{}><rect x="{x0:.1}" y="{:.1}" width="{w:.1}" height="{BAR_H}" fill="{fill}" stroke="{}"></rect>"#,
        if op.violation { " violation" } else { "" },
        if r.count > 1 { " hist-run" } else { "" },
        esc(&r.lane_name),
        op.invoke.as_micros(),
        op.ret.map_or(String::new(), |t| t.as_micros().to_string()),
        if r.count > 1 { format!(r#" data-count="{}""#, r.count) } else { String::new() },
        yc - BAR_H / 2.0,
        colour(tone)
    );
    if let Some(t) = op.linearized_at {
        let x = tx.x(t);
        let _ = write!(
            out,
            r#"<path class="hist-lin" d="M{x:.1},{:.1}v{:.1}"></path>"#,
            yc - BAR_H / 2.0 - 3.0,
            BAR_H + 6.0
        );
    }
    if op.ret.is_some() {
        let _ = write!(
            out,
            r#"<path class="hist-end" d="{}" transform="translate({:.1},{yc:.1})" fill="{}"></path>"#,
            marker_path(marker(tone), 3.8),
            x0 + w,
            colour(tone)
        );
    }
    let room = r.next.map_or(400.0, |n| (tx.x(n) - x0).max(0.0));
    if let Some(t) = bar_text(op, room) {
        let _ = write!(out, r#"<text x="{x0:.1}" y="{:.1}">{}</text>"#, yc - BAR_H / 2.0 - 2.0, esc(&t));
    }
    out.push_str("</g>");
}

/// Partitions as shaded bands across the `h` px of lanes, with their labels (kept at or right of `from_x`,
/// the window's left edge); an open one runs far right.
pub fn bands_svg(spans: &[SpanView], tx: TimeX, h: f64, from_x: f64) -> String {
    let mut out = String::new();
    for sp in spans {
        let x0 = tx.x(sp.from);
        let w = sp.to.map_or(1e7, |t| (tx.x(t) - x0).max(1.0));
        let _ = write!(
            out,
            r#"<g class="hist-band"><rect x="{x0:.1}" y="{TOP}" width="{w:.1}" height="{h:.1}"></rect><text x="{:.1}" y="{}">{}</text></g>"#,
            x0.max(from_x) + 4.0,
            TOP - 6.0,
            esc(&sp.label)
        );
    }
    out
}

fn with_hist<R>(session: Session, f: impl FnOnce(Option<&HistoryView>) -> R) -> R {
    session.panels.with_untracked(|ps| {
        f(ps.iter().find_map(|p| match p {
            Panel::History(h) => Some(h),
            _ => None,
        }))
    })
}

fn legend() -> String {
    let mut out = String::new();
    for r in [OpResult::Ok, OpResult::Fail, OpResult::Unknown, OpResult::Stale, OpResult::Pending] {
        let (tone, sym, word) = result_style(r);
        let text = if sym == word { word.to_string() } else { format!("{sym} {word}") };
        let _ = write!(
            out,
            r#"<li><svg viewBox="-7 -7 14 14"><path d="{}" fill="{}"></path></svg>{text}</li>"#,
            marker_path(marker(tone), 5.0),
            colour(tone)
        );
    }
    out.push_str(
        r#"<li><svg viewBox="-7 -7 14 14"><path d="M0,-7V7" class="hist-lin"></path></svg>linearized here</li>"#,
    );
    out
}

/// Plot geometry over `width` px: (left edge of the plot, its width, px per µs for a window of `window_s`).
pub fn geometry(width: f64, lanes: &[String], window_s: u64) -> (f64, f64, f64) {
    let left = lanes.iter().map(|l| text_width(l, TEXT_PX, true)).fold(40.0, f64::max).min(width * 0.4) + 14.0;
    let pw = (width - left - 12.0).max(60.0);
    (left, pw, pw / (window_s.max(1) as f64 * 1e6))
}

/// The moment lane `lane` of `n` is drawn at while playing: `now` rounded down to a step of `step_us`, each
/// lane offset by its share of a step. A lane is redrawn once a step, and the lanes take turns: about
/// `n × frame ÷ step` of them a frame, not all of them in one frame of every step. Never after `now`, never
/// a step or more before it.
pub fn lane_moment(now_us: u64, lane: usize, n: usize, step_us: u64) -> u64 {
    let step = step_us.max(1);
    let off = step * (lane % n.max(1)) as u64 / n.max(1) as u64;
    ((now_us + off) / step * step).saturating_sub(off)
}

/// The sliding layer's origin for a plot at `now` with a window of `window_us`: a whole number of windows,
/// less than two windows before `now` and at least one once `now` is past the first window, so the window
/// ending at `now` lies on the layer (two windows wide from its origin), which moves once a window.
pub fn layer_base(now_us: u64, window_us: u64) -> u64 {
    let w = window_us.max(1);
    (now_us / w).saturating_sub(1) * w
}

/// What the plot is drawn in: its size, its lanes, its window and the sliding layer's origin. When it
/// changes the plot is drawn whole; otherwise only the parts whose markup changed are replaced.
///
/// The plot is a still SVG (lane labels, rows, the accessible summary), a clipped HTML layer holding the
/// sliding SVG (partitions, ticks, a group of bars a lane) and the `now` line. The layer moves by a CSS
/// transform the compositor applies: moving it repaints none of it.
#[derive(Clone, Debug, PartialEq)]
pub struct Frame {
    pub width: f64,
    pub window_s: u64,
    pub lanes: Vec<String>,
    /// The sliding layer's origin, µs ([`layer_base`]).
    pub base: u64,
    /// [`geometry`] of the above, measured once (it measures every lane's label).
    geo: (f64, f64, f64),
}

impl Frame {
    pub fn of(h: &HistoryView, width: f64, window_s: u64, now: SimTime) -> Frame {
        let base = layer_base(now.as_micros(), window_s * 1_000_000);
        Frame { width, window_s, lanes: h.lanes.clone(), base, geo: geometry(width, &h.lanes, window_s) }
    }

    /// Whether `h` at `now` is drawn in this frame.
    pub fn fits(&self, h: &HistoryView, width: f64, window_s: u64, now: SimTime) -> bool {
        self.width == width
            && self.window_s == window_s
            && self.lanes == h.lanes
            && self.base == layer_base(now.as_micros(), window_s * 1_000_000)
    }

    fn geometry(&self) -> (f64, f64, f64) {
        self.geo
    }

    fn tx(&self) -> TimeX {
        TimeX { s: self.geometry().2, base: self.base }
    }

    /// Height of the lanes, px.
    fn lanes_h(&self) -> f64 {
        self.lanes.len() as f64 * ROW_H
    }

    fn height(&self) -> f64 {
        TOP + self.lanes_h() + AXIS_H
    }

    /// The layer's x (px, from the clip's left edge) that puts `at` at the plot's right edge.
    pub fn slide_x(&self, at: SimTime) -> f64 {
        let (_, pw, _) = self.geometry();
        pw + 1.0 - self.tx().x(at)
    }

    /// The sliding layer's style for the moment `at`.
    pub fn slide_transform(&self, at: SimTime) -> String {
        format!("transform:translateX({:.1}px)", self.slide_x(at))
    }

    /// The ticks drawn over the window ending at `now`: the first and last tick's index and their step, s.
    /// The ticks' markup changes only when these do (about once a step of playback).
    pub fn tick_range(&self, now: SimTime) -> (u64, u64, u64) {
        let step = tick_step_s(self.tx().s * 1e6);
        let now_s = now.as_secs_f64();
        let from = ((now_s - self.window_s as f64) / step as f64).floor().max(0.0) as u64;
        (from, (now_s / step as f64).ceil() as u64, step)
    }

    /// Time ticks and their labels over the window ending at `now`.
    pub fn ticks(&self, now: SimTime) -> String {
        let tx = self.tx();
        let lh = self.lanes_h();
        let mut out = String::new();
        let (from, to, step) = self.tick_range(now);
        for i in from..=to {
            let t = i * step;
            let x = tx.x(SimTime::from_secs(t));
            let _ = write!(
                out,
                r#"<path class="hist-tick" d="M{x:.1},{TOP}V{:.1}"></path><text class="hist-tick-label" x="{x:.1}" y="{:.1}" text-anchor="middle">{t} s</text>"#,
                TOP + lh + 4.0,
                TOP + lh + 16.0
            );
        }
        out
    }

    /// The partitions of `h` as drawn at `at` (labels kept inside the window ending at `at`).
    pub fn bands(&self, h: &HistoryView, at: SimTime) -> String {
        let tx = self.tx();
        let from_x = tx.x(SimTime::from_micros(at.as_micros().saturating_sub(self.window_s * 1_000_000)));
        bands_svg(&h.spans, tx, self.lanes_h(), from_x)
    }

    /// Lane group `group`'s bars as drawn at `at`: each operation's (or run's) `<g class="hist-op">`.
    pub fn lane_bars(&self, h: &HistoryView, group: usize, at: SimTime) -> Vec<String> {
        let tx = self.tx();
        let rows = visible_in(h, at, self.window_s * 1_000_000, MAX_BARS, Some(group));
        coalesce(rows, tx.s, h.lanes.len())
            .iter()
            .map(|r| {
                let mut b = String::new();
                bar_svg(&mut b, r, tx);
                b
            })
            .collect()
    }

    /// The markup before the accessible summary: the still SVG up to its aria-label's value.
    fn open(&self) -> String {
        let (w, h) = (self.width, self.height());
        format!(
            r#"<svg class="hist-svg" width="{w:.0}" height="{h:.0}" viewBox="0 0 {w:.0} {h:.0}" role="img" aria-label=""#
        )
    }

    /// From the aria-label's end to the layer's style: defs, lanes, the clip and the layer's opening.
    fn defs(&self) -> String {
        let (left, pw, _) = self.geometry();
        let h = self.height();
        let mut defs = format!(
            r#""><defs><pattern id="hist-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="{}"></rect><path d="M0,0V6" stroke="{}" stroke-width="2.5"></path></pattern></defs>"#,
            tint(Tone::Info),
            colour(Tone::Info),
        );
        for (i, l) in self.lanes.iter().enumerate() {
            let y = TOP + i as f64 * ROW_H;
            let _ = write!(
                defs,
                r#"<text class="hist-lane" x="{:.1}" y="{:.1}" text-anchor="end">{}</text><path class="hist-row" d="M{left:.1},{:.1}H99999"></path>"#,
                left - 8.0,
                y + ROW_H / 2.0 + 4.0,
                esc(l),
                y + ROW_H
            );
        }
        // Two windows wide: the layer's origin moves once a window (`layer_base`).
        let lw = 2.0 * pw + 2.0;
        let _ = write!(
            defs,
            r#"</svg><div class="hist-clip" aria-hidden="true" style="left:{:.1}px;width:{:.1}px;height:{h:.0}px"><svg class="hist-slide" width="{lw:.0}" height="{h:.0}" viewBox="0 0 {lw:.0} {h:.0}" style=""#,
            left - 1.0,
            pw + 1.0,
        );
        defs
    }

    /// After the last lane group: the layer's end and the line at `now`.
    fn close(&self) -> String {
        let (left, pw, _) = self.geometry();
        format!(
            r#"</svg></div><div class="hist-now" style="left:{:.2}px;top:{}px;height:{:.0}px"></div>"#,
            left + pw - 0.75,
            TOP - 4.0,
            self.lanes_h() + 8.0
        )
    }
}

/// The plot's parts: what [`Frame::markup`] puts together and what a redraw replaces one by one.
#[derive(Clone, Debug, PartialEq)]
pub struct Parts {
    pub summary: String,
    pub slide: String,
    pub bands: String,
    pub ticks: String,
    /// Per lane group, its bars' markup in order.
    pub lanes: Vec<Vec<String>>,
}

impl Frame {
    /// The whole plot: the still svg with its summary as accessible name, the sliding layer holding the
    /// partitions (`g.hist-bands`), the ticks (`g.hist-ticks`) and a `g.hist-lane-ops` of bars per lane, in
    /// that order, and the `now` line.
    pub fn markup(&self, p: &Parts) -> String {
        let mut out = self.open();
        out.push_str(&esc(&p.summary));
        out.push_str(&self.defs());
        out.push_str(&p.slide);
        let _ = write!(out, r#""><g class="hist-bands">{}</g><g class="hist-ticks">{}</g>"#, p.bands, p.ticks);
        for bars in &p.lanes {
            out.push_str(r#"<g class="hist-lane-ops">"#);
            for b in bars {
                out.push_str(b);
            }
            out.push_str("</g>");
        }
        out.push_str(&self.close());
        out
    }

    /// Every part drawn at `now`, slid (and its ticks drawn) so that `slide_to` is at the right edge.
    pub fn parts(&self, h: &HistoryView, now: SimTime, summary: &str, slide_to: SimTime) -> Parts {
        self.parts_at(h, summary, slide_to, now, &|_| now)
    }

    /// The parts with the layer slid to `now`, partitions drawn at `bands_at` and each lane group at its
    /// own moment.
    fn parts_at(
        &self,
        h: &HistoryView,
        summary: &str,
        now: SimTime,
        bands_at: SimTime,
        lane_at: &dyn Fn(usize) -> SimTime,
    ) -> Parts {
        Parts {
            summary: summary.to_string(),
            slide: self.slide_transform(now),
            bands: self.bands(h, bands_at),
            ticks: self.ticks(now),
            lanes: (0..lane_groups(h)).map(|g| self.lane_bars(h, g, lane_at(g))).collect(),
        }
    }
}

/// Bars drawn at most (the most recent operations).
const MAX_BARS: usize = 600;

/// The whole picture as SVG markup at `now` (bars at absolute time in a group the caller slides).
/// `slide_to` is the moment put at the plot's right edge (the live `now`; the plot moves it every frame).
pub fn history_svg(
    h: &HistoryView,
    now: SimTime,
    width: f64,
    window_s: u64,
    summary: &str,
    slide_to: SimTime,
) -> String {
    let f = Frame::of(h, width, window_s, slide_to);
    f.markup(&f.parts(h, now, summary, slide_to))
}

/// The counts line's sentence and counts (ok, failed, unknown, stale, pending) over the window at `now`.
fn summary(h: &HistoryView, now: SimTime, win: u64) -> (String, [usize; 5]) {
    let c = counts(&visible(h, now, win * 1_000_000, 600));
    (
        format!(
            "In the last {win} s: {} ok, {} failed, {} unknown (timed out), {} stale, {} pending.",
            c[0], c[1], c[2], c[3], c[4]
        ),
        c,
    )
}

/// A lane group as shown: the moment (and run digest) its bars were drawn at, their markup and elements.
struct LaneShown {
    group: web_sys::Element,
    at: (u64, u64),
    els: Vec<web_sys::Element>,
}

/// What the plot's element holds, part by part, so a redraw replaces only what changed.
struct Shown {
    frame: Frame,
    svg: web_sys::Element,
    slide_el: web_sys::Element,
    bands_el: web_sys::Element,
    ticks_el: web_sys::Element,
    /// The markup shown, part by part (a lane's bars are `parts.lanes[g]`).
    parts: Parts,
    lanes: Vec<LaneShown>,
    /// What the ticks and the partitions were drawn for ([`Frame::tick_range`]; `Want::drawn`).
    ticks_for: (u64, u64, u64),
    bands_for: (u64, u64),
}

/// What the plot should show: its size and window, the moment and digest each lane group is drawn at, the
/// moment of the partitions and summary, `now` for the ticks and slide.
struct Want<'a> {
    width: f64,
    window_s: u64,
    now: SimTime,
    /// The partitions' and summary's moment and tag (the `drawn_at` memo).
    drawn: (u64, u64),
    lanes_at: &'a [(u64, u64)],
    summary: &'a str,
}

/// The children of `el`, in order.
fn children(el: &web_sys::Element) -> Vec<web_sys::Element> {
    let mut out = Vec::new();
    let mut cur = el.first_element_child();
    while let Some(c) = cur {
        cur = c.next_element_sibling();
        out.push(c);
    }
    out
}

/// Draws the whole plot into `plot` and records its parts' elements.
fn draw_whole(plot: &web_sys::HtmlDivElement, frame: Frame, parts: Parts, want: &Want) -> Option<Shown> {
    plot.set_inner_html(&frame.markup(&parts));
    let svg = plot.first_element_child()?;
    let slide_el = plot.query_selector(".hist-slide").ok()??;
    let groups = children(&slide_el);
    let [bands_el, ticks_el, lane_els @ ..] = &groups[..] else { return None };
    let lanes = lane_els
        .iter()
        .zip(want.lanes_at)
        .map(|(g, at)| LaneShown { group: g.clone(), at: *at, els: children(g) })
        .collect();
    let (ticks_for, bands_for) = (frame.tick_range(want.now), want.drawn);
    Some(Shown {
        frame,
        svg,
        slide_el,
        bands_el: bands_el.clone(),
        ticks_el: ticks_el.clone(),
        parts,
        lanes,
        ticks_for,
        bands_for,
    })
}

/// Brings the plot's element to what `want` asks of `h`; the result equals drawing it whole. The frame
/// changed: the whole plot. Otherwise each part whose markup changed, and in each lane whose moment changed
/// only the bars that changed.
fn update(plot: &web_sys::HtmlDivElement, shown: &mut Option<Shown>, h: Option<&HistoryView>, want: Want) {
    let Some(h) = h else {
        plot.set_inner_html("");
        *shown = None;
        return;
    };
    let fits = |f: &Frame| f.fits(h, want.width, want.window_s, want.now);
    let Some(st) = shown.as_mut().filter(|st| fits(&st.frame) && st.lanes.len() == lane_groups(h)) else {
        let frame = Frame::of(h, want.width, want.window_s, want.now);
        let parts = frame.parts_at(h, want.summary, want.now, SimTime::from_micros(want.drawn.0), &|g| {
            SimTime::from_micros(want.lanes_at.get(g).map_or(0, |a| a.0))
        });
        *shown = draw_whole(plot, frame, parts, &want);
        return;
    };
    if st.parts.summary != want.summary {
        let _ = st.svg.set_attribute("aria-label", want.summary);
        st.parts.summary = want.summary.to_string();
    }
    // Ticks and partitions are rebuilt only when what they are drawn for moved, not every frame.
    let tick_range = st.frame.tick_range(want.now);
    if tick_range != st.ticks_for {
        let ticks = st.frame.ticks(want.now);
        if ticks != st.parts.ticks {
            st.ticks_el.set_inner_html(&ticks);
            st.parts.ticks = ticks;
        }
        st.ticks_for = tick_range;
    }
    if want.drawn != st.bands_for {
        let bands = st.frame.bands(h, SimTime::from_micros(want.drawn.0));
        if bands != st.parts.bands {
            st.bands_el.set_inner_html(&bands);
            st.parts.bands = bands;
        }
        st.bands_for = want.drawn;
    }
    for ((g, lane), shown_bars) in st.lanes.iter_mut().enumerate().zip(st.parts.lanes.iter_mut()) {
        let at = want.lanes_at.get(g).copied().unwrap_or_default();
        if lane.at == at {
            continue;
        }
        let bars = st.frame.lane_bars(h, g, SimTime::from_micros(at.0));
        if bars != *shown_bars {
            lane.els = replace_bars(&lane.group, shown_bars, &lane.els, &bars);
            *shown_bars = bars;
        }
        lane.at = at;
    }
    let slide = st.frame.slide_transform(want.now);
    if slide != st.parts.slide {
        let _ = st.slide_el.set_attribute("style", &slide);
        st.parts.slide = slide;
    }
}

/// How far back a redraw looks for an unchanged bar.
const MATCH_REACH: usize = 64;

/// Brings `group`, whose children are `old_els` drawn from `old`, to the bars `new`: an old element whose
/// markup matches is kept (an identical markup is an identical element) if it keeps its order, the others
/// are removed, and the new ones inserted in runs. Returns the group's bar elements, in order.
fn replace_bars(
    group: &web_sys::Element,
    old: &[String],
    old_els: &[web_sys::Element],
    new: &[String],
) -> Vec<web_sys::Element> {
    // Walk the new bars from the last: keep the nearest old element before the one kept after it whose
    // markup matches (looking a bounded way back: both lists run in time order, so a match is near).
    let mut kept: Vec<Option<web_sys::Element>> = vec![None; new.len()];
    let mut used = vec![false; old_els.len()];
    let mut bound = old_els.len().min(old.len());
    for (j, m) in new.iter().enumerate().rev() {
        if let Some(i) = (bound.saturating_sub(MATCH_REACH)..bound).rev().find(|&i| old[i] == *m) {
            used[i] = true;
            bound = i;
            kept[j] = Some(old_els[i].clone());
        }
    }
    for (i, el) in old_els.iter().enumerate() {
        if !used[i] {
            el.remove();
        }
    }
    let mut j = new.len();
    while j > 0 {
        if kept[j - 1].is_some() {
            j -= 1;
            continue;
        }
        // A run of new bars ending at j: inserted before the kept bar at j, or at the group's end.
        let end = j;
        while j > 0 && kept[j - 1].is_none() {
            j -= 1;
        }
        let run: String = new[j..end].concat();
        match kept.get(end).cloned().flatten() {
            Some(a) => {
                let _ = a.insert_adjacent_html("beforebegin", &run);
            }
            None => {
                let _ = group.insert_adjacent_html("beforeend", &run);
            }
        }
    }
    children(group)
}

fn tone_name(t: Tone) -> &'static str {
    match t {
        Tone::Good => "good",
        Tone::Bad => "bad",
        Tone::Warn => "warn",
        Tone::Info => "info",
        Tone::Neutral => "neutral",
    }
}

/// Renders the session's `Panel::History` when the run shows one.
#[component]
pub fn HistoryPanel(session: Session) -> impl IntoView {
    // A phone shows the last 5 s (operations a few ms long need the room), a wider screen 10 s.
    let narrow = window().inner_width().ok().and_then(|w| w.as_f64()).is_some_and(|w| w < 600.0);
    let window_s = RwSignal::new(if narrow { 5u64 } else { 10 });
    let wrap_ref = NodeRef::<Div>::new();
    let plot_ref = NodeRef::<Div>::new();
    let width = measured_width(wrap_ref);
    // The moment the picture is drawn at, and a tag of what it is drawn from: while playing, `now` rounded
    // down to an eighth of a second of wall time (speed × 125 ms), so the markup is rebuilt about 8 times a
    // second, not every frame (bars are placed at absolute times: only the slide moves per frame), tag 0;
    // while paused, `now` itself, and a tag that changes with every change of the panels (the moment
    // playback stops is published whole just after, and a parameter changed at the same moment redraws).
    let drawn_at = memo(move |prev: Option<&(u64, u64)>| {
        session.panels.track();
        let now = session.now.get().as_micros();
        if session.playing.get() {
            let q = ((session.speed.get() * 125_000.0) as u64).max(10_000);
            (now / q * q, 0)
        } else {
            (now, prev.map_or(1, |p| p.1.wrapping_add(1).max(1)))
        }
    });
    // The counts line's sentence at the moment drawn: the plot's accessible name.
    let summary_m = memo(move |_| {
        let (now, win) = (SimTime::from_micros(drawn_at.get().0), window_s.get());
        with_hist(session, |h| h.map(|h| summary(h, now, win).0).unwrap_or_default())
    });
    let part = move |which: u8| {
        memo(move |_| {
            let (now, win) = (SimTime::from_micros(drawn_at.get().0), window_s.get());
            with_hist(session, |h| {
                let Some(h) = h else { return String::new() };
                match which {
                    0 => return h.title.clone(),
                    1 => {
                        return format!(
                            r#"<p class="hist-verdict" data-testid="history-verdict" data-tone="{}" style="background:{};border-color:{}"><strong>{} </strong>{}</p>"#,
                            tone_name(h.verdict_tone),
                            tint(h.verdict_tone),
                            colour(h.verdict_tone),
                            symbol(h.verdict_tone),
                            esc(&h.verdict)
                        );
                    }
                    3 => {
                        return h
                            .violation_at
                            .map_or(String::new(), |t| format!("Go to the violation (t = {})", secs(t)));
                    }
                    5 => {
                        let mut out = String::new();
                        for v in WINDOWS {
                            let sel = if win == v { " selected" } else { "" };
                            let _ = write!(out, r#"<option value="{v}"{sel}>last {v} s</option>"#);
                        }
                        return out;
                    }
                    _ => {}
                }
                let (summary, c) = summary(h, now, win);
                format!(
                    r#"<p class="hist-counts" data-testid="history-counts" data-ok="{}" data-fail="{}" data-unknown="{}" data-stale="{}">{summary}</p>"#,
                    c[0], c[1], c[2], c[3]
                )
            })
        })
    };
    let (title, info, counts_html, goto_label, window_options) = (part(0), part(1), part(2), part(3), part(5));
    // Every frame: the plot brought to `now`. Its frame (size, lanes, window) changed: drawn whole. Otherwise
    // the slide moves, ticks and partitions are replaced when their markup changes, and while playing each
    // lane's bars are redrawn at their own moment (`lane_moment`: lanes take turns, a few a frame, each
    // redrawn about 8 times a second of wall time); paused, every lane at `now`.
    let shown: StoredValue<Option<Shown>, LocalStorage> = StoredValue::new_local(None);
    effect(move || {
        let (now, w, win) = (session.now.get(), width.get(), window_s.get());
        let drawn = drawn_at.get();
        let (playing, speed, tag) = (session.playing.get(), session.speed.get(), drawn.1);
        let Some(plot) = plot_ref.get() else { return };
        summary_m.with(|summary| {
            with_hist(session, |h| {
                let n = h.map_or(1, lane_groups);
                let step = ((speed * 125_000.0) as u64).max(10_000);
                let lanes_at: Vec<(u64, u64)> =
                    (0..n)
                        .map(|g| {
                            if playing { (lane_moment(now.as_micros(), g, n, step), 0) } else { (now.as_micros(), tag) }
                        })
                        .collect();
                let want = Want { width: w, window_s: win, now, drawn, lanes_at: &lanes_at, summary };
                shown.update_value(|st| update(&plot, st, h, want));
            })
        });
    });
    let goto = move |_| {
        if let Some(t) = with_hist(session, |h| h.and_then(|h| h.violation_at)) {
            session.seek(t);
        }
    };
    let on_window = move |ev: leptos::ev::Event| {
        if let Ok(v) = event_target_value(&ev).parse::<u64>() {
            window_s.set(v.clamp(1, 600));
        }
    };
    view! {
        <section class="panel history-panel" data-testid="history-panel" aria-labelledby="hist-title">
            <h2 id="hist-title">{title}</h2>
            <div inner_html=info></div>
            <div class="hist-controls">
                <button type="button" data-testid="history-goto-violation" on:click=cb(goto)
                    hidden=move || goto_label.with(String::is_empty)>{goto_label}</button>
                <label>"Window "
                    <select data-testid="history-window" on:change=cb(on_window) inner_html=window_options></select>
                </label>
            </div>
            <div inner_html=counts_html></div>
            <ul class="legend hist-legend" aria-hidden="true" inner_html=legend()></ul>
            <div class="hist-measure" node_ref=wrap_ref>
                <div class="hist-plot" node_ref=plot_ref></div>
            </div>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(lane: usize, invoke_ms: u64, ret_ms: Option<u64>, result: OpResult) -> OpView {
        OpView {
            lane,
            invoke: SimTime::from_millis(invoke_ms),
            ret: ret_ms.map(SimTime::from_millis),
            label: "r 1".into(),
            result,
            linearized_at: None,
            violation: false,
        }
    }

    fn hist(ops: Vec<OpView>) -> HistoryView {
        HistoryView {
            title: "h".into(),
            lanes: vec!["a".into(), "b".into()],
            ops,
            spans: vec![],
            verdict: String::new(),
            verdict_tone: Tone::Good,
            violation_at: None,
        }
    }

    #[test]
    fn the_window_keeps_recent_and_pending_operations() {
        let h = hist(vec![
            op(0, 1_000, Some(1_010), OpResult::Ok),
            op(1, 2_000, None, OpResult::Pending),
            op(0, 8_000, Some(8_010), OpResult::Stale),
            op(1, 9_000, Some(9_500), OpResult::Fail),
            op(0, 9_600, Some(9_700), OpResult::Unknown),
            op(0, 11_000, None, OpResult::Pending),
        ]);
        let rows = visible(&h, SimTime::from_secs(10), 5_000_000, 100);
        let results: Vec<OpResult> = rows.iter().map(|r| r.op.result).collect();
        assert_eq!(results, [OpResult::Pending, OpResult::Stale, OpResult::Fail, OpResult::Unknown]);
        assert_eq!(counts(&rows), [0, 1, 1, 1, 1]);
        assert_eq!(rows[1].next, Some(SimTime::from_millis(9_600)), "next invoke on the same lane");
        assert_eq!(rows[1].lane_name, "a");
        assert_eq!(visible(&h, SimTime::from_secs(10), 5_000_000, 2).len(), 2);
        // Drawn at 9.2 s, the failed write of 9.0–9.5 s has not returned yet.
        let early = visible(&h, SimTime::from_millis(9_200), 5_000_000, 100);
        assert_eq!(early.last().map(|r| (r.op.result, r.op.ret)), Some((OpResult::Pending, None)));
    }

    #[test]
    fn dense_lanes_are_drawn_as_runs_and_sparse_ones_are_not() {
        // Lane 0: 200 ok operations of 1 ms, 1 ms apart; lane 1: three, far apart; then a violation in lane 0.
        let mut ops: Vec<OpView> = (0..200).map(|i| op(0, 2 * i, Some(2 * i + 1), OpResult::Ok)).collect();
        ops.extend([
            op(1, 0, Some(5), OpResult::Ok),
            op(1, 200, Some(205), OpResult::Ok),
            op(1, 390, Some(395), OpResult::Ok),
        ]);
        let mut bad = op(0, 400, Some(401), OpResult::Ok);
        bad.violation = true;
        ops.push(bad);
        ops.sort_by_key(|o| o.invoke);
        let h = hist(ops);
        let now = SimTime::from_millis(500);
        let rows = visible(&h, now, 10_000_000, 600);
        assert_eq!(rows.len(), 204);
        // 10 s on 600 px: 0.06 px per ms, so lane 0's bars all touch.
        let s = 600.0 / 10e6;
        let drawn = coalesce(rows.clone(), s, 2);
        let lane0: Vec<&Row> = drawn.iter().filter(|r| r.op.lane == 0).collect();
        assert_eq!(lane0.len(), 2, "one run and the violation alone");
        assert_eq!(lane0[0].count, 200);
        assert_eq!(lane0[0].op.label, "200 ops");
        assert_eq!((lane0[0].op.invoke, lane0[0].op.ret), (SimTime::from_millis(0), Some(SimTime::from_millis(399))));
        assert!(lane0[1].op.violation && lane0[1].count == 1);
        assert_eq!(drawn.iter().filter(|r| r.op.lane == 1).count(), 3, "a sparse lane keeps a bar per operation");
        assert_eq!(drawn.iter().map(|r| r.count).sum::<usize>(), 204, "every operation is in one bar");
        // Zoomed in far enough that the gaps show, nothing merges.
        assert_eq!(coalesce(rows, 0.01, 2).len(), 204);
        let mut svg = String::new();
        bar_svg(&mut svg, lane0[0], TimeX { s, base: 0 });
        assert!(svg.contains(r#"class="hist-op ok hist-run""#) && svg.contains(r#"data-count="200""#), "{svg}");
    }

    #[test]
    fn bad_input_does_not_panic() {
        let mut h = hist(vec![op(7, 0, Some(0), OpResult::Ok)]);
        h.lanes.clear();
        let rows = visible(&h, SimTime::from_secs(1), 2_000_000, 10);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].lane_name, "");
        let many = hist((0..5000u64).map(|i| op(i as usize % 2, i, Some(i + 1), OpResult::Ok)).collect());
        assert_eq!(visible(&many, SimTime::from_secs(5), 10_000_000, 600).len(), 600);
    }

    #[test]
    fn ticks_and_labels_fit() {
        assert_eq!(tick_step_s(120.0), 1);
        assert_eq!(tick_step_s(30.0), 2);
        assert_eq!(tick_step_s(0.1), 120);
        let o = op(0, 0, Some(5), OpResult::Stale);
        assert_eq!(bar_text(&o, 400.0).as_deref(), Some("stale r 1"));
        assert_eq!(bar_text(&o, 40.0).as_deref(), Some("stale"));
        assert_eq!(bar_text(&o, 5.0), None);
        assert_eq!(bar_text(&op(0, 0, Some(5), OpResult::Ok), 20.0), None, "an ok circle needs no word");
        assert!(WINDOWS.iter().all(|w| result_style(OpResult::Ok).0 == Tone::Good && *w > 0));
    }

    #[test]
    fn bars_carry_their_result_and_lane_and_escape_text() {
        let mut o = op(1, 1_000, None, OpResult::Pending);
        o.label = "w <3>".into();
        let mut v = op(0, 900, Some(1_200), OpResult::Stale);
        v.violation = true;
        v.linearized_at = Some(SimTime::from_millis(950));
        let rows = visible(&hist(vec![v, o]), SimTime::from_secs(2), 10_000_000, 10);
        let svg = bars_svg(&rows, TimeX { s: 1e-4, base: 0 });
        assert!(svg.contains(r#"class="hist-op stale violation" data-result="stale" data-lane="a""#), "{svg}");
        assert!(svg.contains(r#"data-result="pending" data-lane="b""#) && svg.contains("w &lt;3&gt;"), "{svg}");
        assert!(svg.contains("url(#hist-hatch)") && svg.contains("hist-lin"));
        assert_eq!(svg.matches("hist-end").count(), 1, "only a returned operation has an end marker");
        let bands = bands_svg(
            &[SpanView { from: SimTime::from_secs(3), to: None, label: "cut a | b".into() }],
            TimeX { s: 1e-4, base: 0 },
            120.0,
            0.0,
        );
        assert!(bands.contains("cut a | b") && bands.contains(r#"x="300.0""#), "{bands}");
    }

    #[test]
    fn the_plot_is_its_parts_and_each_lane_group_holds_its_lane() {
        let mut h = hist(vec![
            op(0, 1_000, Some(1_010), OpResult::Ok),
            op(1, 2_000, None, OpResult::Pending),
            op(0, 8_000, Some(8_010), OpResult::Stale),
            op(5, 8_500, Some(8_600), OpResult::Fail),
        ]);
        h.spans.push(SpanView { from: SimTime::from_secs(3), to: None, label: "cut".into() });
        let now = SimTime::from_secs(9);
        let f = Frame::of(&h, 640.0, 10, now);
        let p = f.parts(&h, now, "a <summary>", now);
        let m = f.markup(&p);
        assert_eq!(m, history_svg(&h, now, 640.0, 10, "a <summary>", now));
        assert!(m.starts_with(r#"<svg class="hist-svg""#), "{m}");
        assert!(m.contains(r#"aria-label="a &lt;summary&gt;""#), "{m}");
        assert!(
            m.contains(&format!(
                r#"style="transform:translateX({:.1}px)"><g class="hist-bands"><g class="hist-band">"#,
                f.slide_x(now)
            )),
            "{m}"
        );
        assert!(m.contains(r#"</g><g class="hist-ticks"><path class="hist-tick""#), "{m}");
        // The layer starts a whole window before the window's start: at 0 for now = 9 s and a 10 s window.
        assert_eq!(f.base, 0);
        assert!(m.contains(r#"<div class="hist-now""#) && m.ends_with("</div>"), "{m}");
        // One group a lane, in lane order; a lane past the end (5) is drawn in the last group.
        assert_eq!(p.lanes.len(), 2);
        let rows = visible(&h, now, 10_000_000, 600);
        assert_eq!(p.lanes.concat().len(), rows.len());
        assert!(p.lanes[0].iter().all(|b| b.contains(r#"data-lane="a""#)), "{:?}", p.lanes[0]);
        assert!(p.lanes[1].iter().any(|b| b.contains(r#"data-result="fail""#)), "{:?}", p.lanes[1]);
        for g in 0..2 {
            let in_group: Vec<OpView> = rows.iter().filter(|r| r.op.lane.min(1) == g).map(|r| r.op.clone()).collect();
            let only: Vec<OpView> = visible_in(&h, now, 10_000_000, 600, Some(g)).into_iter().map(|r| r.op).collect();
            assert_eq!(only, in_group, "group {g}");
        }
        assert!(
            p.lanes.iter().flatten().all(|b| b.starts_with(r#"<g class="hist-op"#) && b.matches("<g").count() == 1)
        );
        // The parts a redraw replaces one by one are the ones the whole markup is made of.
        assert_eq!(m.matches(r#"<g class="hist-lane-ops">"#).count(), 2);
        assert!(m.contains(&format!(r#"<g class="hist-lane-ops">{}</g>"#, p.lanes[0].concat())));
        assert!(!f.fits(&h, 700.0, 10, now), "another width is another frame");
        assert!(f.fits(&h, 640.0, 10, SimTime::from_secs(19)) && !f.fits(&h, 640.0, 10, SimTime::from_secs(20)));
    }

    #[test]
    fn the_sliding_layer_holds_the_window_and_moves_its_origin_once_a_window() {
        let w = 10_000_000;
        let mut changes = 0;
        let mut prev = layer_base(0, w);
        for now in (0..100_000_000).step_by(16_667) {
            let base = layer_base(now, w);
            // The window [now − w, now] lies on the layer, which is two windows wide from its origin.
            assert!(base <= now.saturating_sub(w) && now - base < 2 * w, "now {now} base {base}");
            changes += usize::from(base != prev);
            prev = base;
        }
        assert_eq!(changes, 8, "once a window from 20 s on: 20, 30, …, 90 s");
        assert_eq!(layer_base(5, 0), 4, "no window does not panic");
    }

    #[test]
    fn lanes_take_turns_to_be_redrawn() {
        let (n, step) = (10, 125_000);
        for now in (0..2_000_000).step_by(16_667) {
            for g in 0..n {
                let at = lane_moment(now, g, n, step);
                assert!(at <= now && now - at < step, "lane {g} at {at} for now {now}");
            }
        }
        // Frame by frame (60 a second), how many lanes change moment: about n × frame ÷ step, never all.
        let mut most = 0;
        let mut prev: Vec<u64> = (0..n).map(|g| lane_moment(0, g, n, step)).collect();
        for now in (16_667..3_000_000).step_by(16_667) {
            let cur: Vec<u64> = (0..n).map(|g| lane_moment(now, g, n, step)).collect();
            most = most.max(cur.iter().zip(&prev).filter(|(a, b)| a != b).count());
            prev = cur;
        }
        assert!(most <= 2, "{most} lanes redrawn in one frame");
        assert_eq!(lane_moment(5, 0, 0, 0), 5, "no lanes or no step does not panic");
    }
}
