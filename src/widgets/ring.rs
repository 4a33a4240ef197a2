//! The Ring panel's widget: owners' points on a circle (ticks), the arcs they own (a band in each owner's
//! colour, striped past eight owners), keys as dots just inside, keys moved at the last change as
//! larger ringed dots with their count in the middle, names at owners' largest arcs, and a legend of owners
//! with their share of the ring whose buttons highlight one owner's arcs and keys.
//!
//! One `<canvas>` draws it all (a few thousand points and keys are a few paths); the legend and caption are
//! HTML, and the canvas's label states the numbers. Test hooks on the canvas: `data-owners`, `data-points`,
//! `data-keys`, `data-moved` (moved keys among those drawn).

use std::f64::consts::{FRAC_PI_2, TAU};
use std::fmt::Write;

use faultline_sim::scene::{Panel, RingView, Tone};
use leptos::html::{Canvas, Div};
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::HtmlCanvasElement;

use super::plot::{category, context, escape, panel_of, pattern_group, set_attrs, width_of};
use super::stage::layout::text_width;
use crate::core::palette::{colour, symbol};
use crate::session::Session;
use crate::widgets::cb;
use crate::widgets::effect;
use faultline_sim::kernel::sort_stable_by;

/// An owner's run of the ring from `a` to `b` (positions clockwise from the top; `a` < 0 across the top).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Arc {
    pub a: f64,
    pub b: f64,
    pub owner: usize,
}

/// The arcs the points own, neighbours of one owner merged. A point owns from the previous point up to
/// itself; the first point after the top also owns the stretch across it. Points at a non-finite position
/// or of an unknown owner are left out.
pub fn arcs(v: &RingView) -> Vec<Arc> {
    let n_owners = v.owners.len();
    let mut p: Vec<(f64, usize)> = v
        .points
        .iter()
        .filter(|p| p.position.is_finite() && p.owner < n_owners)
        .map(|p| ((p.position as f64).rem_euclid(1.0), p.owner))
        .collect();
    sort_stable_by(&mut p, |x, y| x.0.total_cmp(&y.0));
    let mut out: Vec<Arc> = Vec::new();
    let mut prev = p.last().map_or(0.0, |l| l.0 - 1.0);
    for (pos, owner) in p {
        match out.last_mut() {
            Some(l) if l.owner == owner => l.b = pos,
            _ => out.push(Arc { a: prev, b: pos, owner }),
        }
        prev = pos;
    }
    // The last run and the first meet at the top: one arc when they have one owner.
    if out.len() > 1 && out[0].owner == out[out.len() - 1].owner {
        let last = out.pop().expect("len > 1");
        out[0].a = last.a - 1.0;
    }
    out
}

/// Each owner's share of the ring by its arcs — or, when there are no points, of the keys drawn.
pub fn shares(v: &RingView, arcs: &[Arc]) -> Vec<f64> {
    let mut s = vec![0.0; v.owners.len()];
    if arcs.is_empty() {
        let n = v.keys.iter().filter(|k| k.owner < s.len()).count().max(1) as f64;
        for k in &v.keys {
            if let Some(x) = s.get_mut(k.owner) {
                *x += 1.0 / n;
            }
        }
    } else {
        for a in arcs {
            s[a.owner] += a.b - a.a;
        }
    }
    s
}

/// Arcs shorter than this share of the ring get no name on the ring (the legend names every owner).
pub const MIN_LABELLED_ARC: f64 = 0.025;
pub const LABEL_PX: f64 = 12.0;

/// A name on the ring: its owner and the centre of its box (`w` wide, `LABEL_PX` tall plus a swatch).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Label {
    pub owner: usize,
    pub x: f64,
    pub y: f64,
    pub w: f64,
}

/// Owners' names just outside a circle of radius `r` around (`cx`, `cy`), at the middle of each owner's
/// largest arc, largest first, kept inside `w`×`h`; a name that would overlap one already placed is left out.
pub fn place_labels(arcs: &[Arc], names: &[String], cx: f64, cy: f64, r: f64, w: f64, h: f64) -> Vec<Label> {
    let mut best: Vec<Option<Arc>> = vec![None; names.len()];
    for a in arcs {
        if let Some(slot) = best.get_mut(a.owner)
            && slot.is_none_or(|b| a.b - a.a > b.b - b.a)
        {
            *slot = Some(*a);
        }
    }
    let mut order: Vec<Arc> = best.into_iter().flatten().filter(|a| a.b - a.a >= MIN_LABELLED_ARC).collect();
    sort_stable_by(&mut order, |x, y| (y.b - y.a).total_cmp(&(x.b - x.a)));
    let mut out: Vec<Label> = Vec::new();
    let bh = LABEL_PX + 4.0;
    for a in order {
        let th = (a.a + a.b) / 2.0 * TAU - FRAC_PI_2;
        let bw = text_width(&names[a.owner], LABEL_PX, true) + 14.0;
        let (s, c) = crate::core::sin_cos(th);
        let x = (cx + (r + 4.0) * c + c * bw / 2.0).clamp(bw / 2.0, (w - bw / 2.0).max(bw / 2.0));
        let y = (cy + (r + 4.0) * s + s * bh / 2.0).clamp(bh / 2.0, (h - bh / 2.0).max(bh / 2.0));
        let clear = out.iter().all(|l| (l.x - x).abs() * 2.0 >= l.w + bw + 4.0 || (l.y - y).abs() >= bh + 2.0);
        if clear {
            out.push(Label { owner: a.owner, x, y, w: bw });
        }
    }
    out
}

/// The ring's radius in a `w`×`h` canvas, with room round it for ticks and, when some arc is long
/// enough to be named, for names.
pub fn radius(w: f64, h: f64, arcs: &[Arc]) -> f64 {
    let named = arcs.iter().any(|a| a.b - a.a >= MIN_LABELLED_ARC);
    (h / 2.0 - if named { 30.0 } else { 20.0 }).min(w / 2.0 - if named { 64.0 } else { 20.0 }).max(24.0)
}

fn angle(pos: f64) -> f64 {
    pos * TAU - FRAC_PI_2
}

/// An even spread of keys across the key band (a deterministic jitter by index: keys at one position
/// do not hide one another).
fn key_radius(r: f64, i: usize) -> f64 {
    r - 14.0 - (i as f64 * 0.618_034).fract() * 16.0
}

fn draw(c: &HtmlCanvasElement, v: &RingView, arcs: &[Arc], w: f64, h: f64, pick: usize) {
    let Some(ctx) = context(c, w, h) else { return };
    let (cx, cy, r) = (w / 2.0, h / 2.0, radius(w, h, arcs));
    let faded = |o: usize| pick != usize::MAX && pick != o;
    let arc_path = |owner: usize| {
        ctx.begin_path();
        for a in arcs.iter().filter(|a| a.owner == owner) {
            let (sin, cos) = crate::core::sin_cos(angle(a.a));
            ctx.move_to(cx + r * cos, cy + r * sin);
            let _ = ctx.arc(cx, cy, r, angle(a.a), angle(a.b));
        }
    };
    // The ring itself, under the arcs (all that shows of it when there are no points).
    ctx.begin_path();
    let _ = ctx.arc(cx, cy, r, 0.0, TAU);
    ctx.set_line_width(10.0);
    ctx.set_stroke_style_str("#e5e7eb");
    ctx.stroke();
    for o in 0..v.owners.len() {
        ctx.set_global_alpha(if faded(o) { 0.18 } else { 1.0 });
        arc_path(o);
        ctx.set_line_width(10.0);
        ctx.set_stroke_style_str(category(o));
        ctx.stroke();
        // Past eight owners colours repeat: a white stripe along the band, wider for each next eight.
        let g = pattern_group(o);
        if g > 0 {
            ctx.set_line_width((1.5 * g as f64).min(6.0));
            ctx.set_stroke_style_str("#fff");
            ctx.stroke();
        }
    }
    // Points as ticks outside the band; the picked owner's longer and darker.
    for lit in [false, true] {
        ctx.begin_path();
        for p in v.points.iter().filter(|p| p.position.is_finite() && (pick == p.owner) == lit) {
            let (sn, cs) = crate::core::sin_cos(angle(p.position as f64));
            let outer = if lit { r + 16.0 } else { r + 10.0 };
            ctx.move_to(cx + (r + 6.0) * cs, cy + (r + 6.0) * sn);
            ctx.line_to(cx + outer * cs, cy + outer * sn);
        }
        ctx.set_global_alpha(if lit { 1.0 } else { 0.55 });
        ctx.set_line_width(if lit { 2.0 } else { 1.0 });
        ctx.set_stroke_style_str("#1b1f24");
        ctx.stroke();
    }
    // Keys: one path per owner; a moved key is a bigger dot with a dark ring round it.
    let key_at = |i: usize, pos: f32| {
        let (rr, th) = (key_radius(r, i), angle(pos as f64));
        let (sin, cos) = crate::core::sin_cos(th);
        (cx + rr * cos, cy + rr * sin)
    };
    let keys = || v.keys.iter().enumerate().filter(|(_, k)| k.position.is_finite());
    for o in 0..=v.owners.len() {
        let mine = |k: usize| if o == v.owners.len() { k >= o } else { k == o };
        ctx.begin_path();
        for (i, k) in keys().filter(|(_, k)| mine(k.owner)) {
            let (x, y) = key_at(i, k.position);
            let rr = if k.moved { 3.4 } else { 2.3 };
            ctx.move_to(x + rr, y);
            let _ = ctx.arc(x, y, rr, 0.0, TAU);
        }
        ctx.set_global_alpha(if faded(o) { 0.18 } else { 1.0 });
        ctx.set_fill_style_str(if o < v.owners.len() { category(o) } else { "#6b7280" });
        ctx.fill();
    }
    ctx.begin_path();
    let mut moved = 0;
    for (i, k) in keys().filter(|(_, k)| k.moved) {
        let (x, y) = key_at(i, k.position);
        ctx.move_to(x + 5.6, y);
        let _ = ctx.arc(x, y, 5.6, 0.0, TAU);
        moved += 1;
    }
    ctx.set_global_alpha(1.0);
    ctx.set_line_width(1.6);
    ctx.set_stroke_style_str("#1b1f24");
    ctx.stroke();
    // The count of moved keys in the middle, and owners' names at their largest arcs.
    ctx.set_text_align("center");
    ctx.set_text_baseline("middle");
    ctx.set_fill_style_str("#1b1f24");
    ctx.set_font("700 16px system-ui, sans-serif");
    let _ = ctx.fill_text(&format!("{moved} of {}", v.keys.len()), cx, cy - 9.0);
    ctx.set_font("12px system-ui, sans-serif");
    let _ = ctx.fill_text("drawn keys moved", cx, cy + 9.0);
    let names: Vec<String> = v.owners.iter().map(|o| o.name.clone()).collect();
    ctx.set_font(&format!("600 {LABEL_PX}px system-ui, sans-serif"));
    ctx.set_line_width(3.0);
    ctx.set_stroke_style_str("#fff");
    for l in place_labels(arcs, &names, cx, cy, r + 16.0, w, h) {
        ctx.set_global_alpha(if faded(l.owner) { 0.35 } else { 1.0 });
        ctx.set_fill_style_str(category(l.owner));
        ctx.fill_rect(l.x - l.w / 2.0, l.y - 5.0, 10.0, 10.0);
        ctx.set_fill_style_str("#1b1f24");
        let tx = l.x + 7.0;
        ctx.stroke_text(&names[l.owner], tx, l.y).ok();
        ctx.fill_text(&names[l.owner], tx, l.y).ok();
    }
    ctx.set_global_alpha(1.0);
}

/// The legend: a button per owner (swatch, tone symbol, name, share of the ring), as markup; presses are
/// handled once for the whole legend (see [`RingPanel`]).
fn legend(v: &RingView, shares: &[f64], pick: usize) -> String {
    let mut s = String::new();
    for (i, (o, share)) in v.owners.iter().zip(shares).enumerate() {
        let g = pattern_group(i);
        let stripes = if g > 0 {
            format!(
                ";background-image:repeating-linear-gradient(90deg,transparent 0 {}px,#fff 0 {}px)",
                2 * g,
                2 * g + 3
            )
        } else {
            String::new()
        };
        let tone = if o.tone == Tone::Neutral {
            String::new()
        } else {
            format!("<span style=\"color:{}\">{}</span> ", colour(o.tone), symbol(o.tone))
        };
        let _ = write!(
            s,
            "<button type=\"button\" data-owner=\"{i}\" aria-pressed=\"{}\"><span class=\"swatch\" \
             style=\"background-color:{}{stripes}\"></span>{tone}{} <span class=\"share\">{:.1}%</span></button>",
            pick == i,
            category(i),
            escape(&o.name),
            share * 100.0
        );
    }
    s
}

/// What the picture shows, in words.
fn summary(v: &RingView, shares: &[f64]) -> String {
    let each = v.owners.iter().zip(shares).map(|(o, s)| format!("{} {:.1}%", o.name, s * 100.0));
    format!(
        "{}: {} owners, {} points, {} keys drawn, {} of them moved. Share of the ring: {}. {}",
        v.title,
        v.owners.len(),
        v.points.len(),
        v.keys.len(),
        v.keys.iter().filter(|k| k.moved).count(),
        each.collect::<Vec<_>>().join(", "),
        v.caption
    )
}

/// Renders the session's `Panel::Ring` when the run shows one.
#[component]
pub fn RingPanel(session: Session) -> impl IntoView {
    let data = panel_of(session.panels, "ring");
    // The owner whose arcs are highlighted (`usize::MAX`: none).
    let pick = RwSignal::new(usize::MAX);
    let (wrap, legend_ref) = (NodeRef::<Div>::new(), NodeRef::<Div>::new());
    let width = width_of(wrap);
    let canvas_ref = NodeRef::<Canvas>::new();
    effect(move || {
        let (w, p) = (width.get().min(420.0), pick.get());
        data.with(|d| {
            let (Some(Panel::Ring(v)), Some(c)) = (d, canvas_ref.get()) else { return };
            let a = arcs(v);
            draw(&c, v, &a, w, w, p);
            let moved = v.keys.iter().filter(|k| k.moved).count();
            set_attrs(
                &c,
                &[
                    ("aria-label", summary(v, &shares(v, &a))),
                    ("data-owners", v.owners.len().to_string()),
                    ("data-points", v.points.len().to_string()),
                    ("data-keys", v.keys.len().to_string()),
                    ("data-moved", moved.to_string()),
                    ("style", format!("width:{w}px;height:{w}px")),
                ],
            );
            let mut b = legend_ref.get().and_then(|l| l.first_element_child());
            while let Some(e) = b {
                let on = e.get_attribute("data-owner").and_then(|o| o.parse().ok()) == Some(p);
                let _ = e.set_attribute("aria-pressed", if on { "true" } else { "false" });
                b = e.next_element_sibling();
            }
        })
    });
    let on_press = move |e: leptos::ev::MouseEvent| {
        let owner = e
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .and_then(|t| t.closest("[data-owner]").ok().flatten())
            .and_then(|b| b.get_attribute("data-owner"))
            .and_then(|o| o.parse::<usize>().ok());
        if let Some(o) = owner {
            pick.update(|p| *p = if *p == o { usize::MAX } else { o });
        }
    };
    let text = move |f: fn(&RingView) -> String| {
        data.with(|d| match d {
            Some(Panel::Ring(v)) => f(v),
            _ => String::new(),
        })
    };
    let legend_markup = move || {
        data.with(|d| match d {
            Some(Panel::Ring(v)) => legend(v, &shares(v, &arcs(v)), pick.get_untracked()),
            _ => String::new(),
        })
    };
    view! {
        <section class="panel ring-panel" data-testid="ring-panel" aria-labelledby="ring-title">
            <h2 id="ring-title">{move || text(|v| v.title.clone())}</h2>
            <div class="ring-body">
                <div class="ring-canvas" node_ref=wrap>
                    <canvas node_ref=canvas_ref role="img" data-testid="ring-canvas"></canvas>
                </div>
                <div class="ring-legend" role="group" node_ref=legend_ref on:click=cb(on_press)
                    aria-label="Owners and their share of the ring; press one to highlight it"
                    inner_html=move || legend_markup()></div>
            </div>
            <p class="ring-caption" data-testid="ring-caption">{move || text(|v| v.caption.clone())}</p>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use faultline_sim::scene::{RingKey, RingOwner, RingPoint};

    use super::*;

    fn ring(points: &[(f32, usize)], n_owners: usize) -> RingView {
        RingView {
            title: "t".into(),
            owners: (0..n_owners).map(|i| RingOwner { name: format!("owner{i}"), tone: Tone::Neutral }).collect(),
            points: points.iter().map(|&(position, owner)| RingPoint { position, owner }).collect(),
            keys: vec![
                RingKey { position: 0.5, owner: 0, moved: true },
                RingKey { position: 0.1, owner: 9, moved: false },
            ],
            caption: String::new(),
        }
    }

    #[test]
    fn a_point_owns_the_arc_before_it_and_the_top_wraps() {
        let v = ring(&[(0.25, 0), (0.5, 1), (0.9, 0)], 2);
        let a = arcs(&v);
        // 0.5 → 0.9 and 0.9 → 0.25 across the top are owner 0's: one arc.
        assert_eq!(a.len(), 2, "{a:?}");
        let s = shares(&v, &a);
        assert!((s[0] - 0.75).abs() < 1e-6 && (s[1] - 0.25).abs() < 1e-6, "{s:?}");
        assert!((s.iter().sum::<f64>() - 1.0).abs() < 1e-9);
        // One point: its owner has the whole ring.
        let one = ring(&[(0.3, 1)], 2);
        assert_eq!(shares(&one, &arcs(&one)), vec![0.0, 1.0]);
    }

    #[test]
    fn bad_points_are_skipped_and_no_points_share_by_keys() {
        let v = ring(&[(f32::NAN, 0), (0.5, 7), (1.25, 1), (-0.5, 0)], 2);
        let a = arcs(&v);
        let s = shares(&v, &a);
        assert!((s[0] - 0.25).abs() < 1e-6 && (s[1] - 0.75).abs() < 1e-6, "{a:?} {s:?}");
        let none = ring(&[], 2);
        assert!(arcs(&none).is_empty());
        // The key of an unknown owner is not counted.
        assert_eq!(shares(&none, &[]), vec![1.0, 0.0]);
        let empty = RingView { owners: vec![], keys: vec![], ..none };
        assert!(shares(&empty, &arcs(&empty)).is_empty());
    }

    #[test]
    fn labels_stay_inside_and_apart() {
        for n in [1usize, 4, 8, 64] {
            let pts: Vec<(f32, usize)> = (0..n).map(|i| ((i as f32 + 1.0) / n as f32, i)).collect();
            let v = ring(&pts, n);
            let (w, h) = (330.0, 330.0);
            let r = radius(w, h, &arcs(&v));
            let names: Vec<String> = v.owners.iter().map(|o| o.name.clone()).collect();
            let ls = place_labels(&arcs(&v), &names, w / 2.0, h / 2.0, r + 16.0, w, h);
            assert!(!ls.is_empty() || n == 64, "n={n}: some names are placed");
            for (i, a) in ls.iter().enumerate() {
                assert!(a.x - a.w / 2.0 >= -0.01 && a.x + a.w / 2.0 <= w + 0.01, "n={n}: {a:?}");
                assert!(a.y >= 0.0 && a.y <= h, "n={n}: {a:?}");
                for b in &ls[i + 1..] {
                    let apart = (a.x - b.x).abs() * 2.0 >= a.w + b.w || (a.y - b.y).abs() >= LABEL_PX;
                    assert!(apart, "n={n}: {a:?} overlaps {b:?}");
                }
            }
        }
    }
}
