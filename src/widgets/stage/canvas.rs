//! The messages in flight, painted on a `<canvas>` laid over the stage's SVG in the same viewBox units:
//! one path per tone per frame (thousands of dots are cheap as canvas paths, expensive as DOM nodes). With
//! `prefers-reduced-motion`, a still count per lane replaces the moving dots.

use faultline_sim::kernel::SimTime;
use faultline_sim::scene::MessageView;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::CanvasRenderingContext2d;

use super::layout::{StageLayout, message_at};
use crate::core::palette::{self, Marker, TONES, marker, tone_index};

/// Side of the cells (viewBox units) within which a tone's dots are drawn once: about half a dot's radius (3.6),
/// so overlapping dots still read as one band.
const DEDUP_CELL: f64 = 2.0;

pub fn prefers_reduced_motion() -> bool {
    window().match_media("(prefers-reduced-motion: reduce)").ok().flatten().map(|m| m.matches()).unwrap_or(false)
}

/// Draws messages on the canvas: one path per tone (five fills a frame, whatever the count). A message
/// whose endpoint has no box (a server removed while its reply was on the wire) is not drawn. The canvas's
/// `data-traffic` attribute lists, per box, how many drawn messages touch it (`clients:12,app1:3`): a hook for
/// end-to-end tests, which cannot read pixels reliably.
pub fn paint(
    l: &StageLayout,
    names: &[String],
    canvas: &web_sys::HtmlCanvasElement,
    msgs: &[MessageView],
    now: SimTime,
    reduced: bool,
) {
    let mut touches = vec![0u32; l.boxes.len()];
    for m in msgs {
        if let (Some(a), Some(b)) = (l.box_of(m.from), l.box_of(m.to))
            && a != b
        {
            touches[a] += 1;
            touches[b] += 1;
        }
    }
    let traffic = names
        .iter()
        .zip(&touches)
        .filter(|(_, n)| **n > 0)
        .map(|(name, n)| format!("{name}:{n}"))
        .collect::<Vec<_>>()
        .join(",");
    if canvas.get_attribute("data-traffic").as_deref() != Some(traffic.as_str()) {
        let _ = canvas.set_attribute("data-traffic", &traffic);
    }
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
        paint_counts(l, &ctx, msgs);
        return;
    }
    let now_us = now.as_micros() as f64;
    let r = 3.6;
    // Bucket once, then one path and one fill per tone. Messages sent together travel together: in a crowded
    // run many dots of a tone sit on almost the same spot, so each tone draws one dot per cell of
    // [`DEDUP_CELL`] viewBox units (a fraction of a dot's radius: the picture is the same, the calls are a
    // fraction). Each point carries its cell's key, computed once, for the sort that finds the repeats.
    let mut buckets: [Vec<(u64, f64, f64)>; 5] = Default::default();
    for m in msgs {
        let (Some(a), Some(b)) = (l.box_of(m.from), l.box_of(m.to)) else { continue };
        let Some((p, q)) = l.lane(a, b) else { continue };
        let span = (m.deliver.as_micros() as f64 - m.sent.as_micros() as f64).max(1.0);
        let f = ((now_us - m.sent.as_micros() as f64) / span).clamp(0.0, 1.0);
        let (x, y) = message_at(p, q, f, m.turn_back_at);
        // Saturating casts: a point off the viewBox still gets a key (its own, or its edge's).
        let key = (((x / DEDUP_CELL) as i32 as u32 as u64) << 32) | ((y / DEDUP_CELL) as i32 as u32 as u64);
        buckets[tone_index(m.tone)].push((key, x, y));
    }
    for tone in TONES {
        let pts = &mut buckets[tone_index(tone)];
        if pts.is_empty() {
            continue;
        }
        pts.sort_unstable_by_key(|p| p.0);
        pts.dedup_by_key(|p| p.0);
        ctx.begin_path();
        let mk = marker(tone);
        for &(_, x, y) in pts.iter() {
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
fn paint_counts(l: &StageLayout, ctx: &CanvasRenderingContext2d, msgs: &[MessageView]) {
    let n = l.boxes.len();
    let mut counts = vec![0u32; n * n];
    for m in msgs {
        if let (Some(a), Some(b)) = (l.box_of(m.from), l.box_of(m.to))
            && a != b
        {
            counts[a * n + b] += 1;
        }
    }
    ctx.set_font("600 13px system-ui, sans-serif");
    ctx.set_text_align("center");
    ctx.set_fill_style_str("#1f2937");
    for from in 0..n {
        for to in 0..n {
            let c = counts[from * n + to];
            if c == 0 {
                continue;
            }
            if let Some((p, q)) = l.lane(from, to) {
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
