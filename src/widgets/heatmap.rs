//! The Heatmap panel's widget: load per row (key ranges, hot keys) over time on one `<canvas>`, its
//! brightness fixed to capacity: eight steps of a colour-blind-safe sequential ramp (light yellow → dark
//! blue) up to 1.0 = capacity, and past it a vermillion of another lightness, hatched, so "over capacity"
//! reads without colour too. Rows whose load matters most are named (the brightest first, as many as fit);
//! a row over capacity is named with "▲". A time axis and a legend of the scale, "capacity" marked, below.
//!
//! Cells are painted one path per colour step (nine fills a frame, whatever the count). The canvas's label
//! and a line under it state the numbers. Test hooks on the canvas: `data-rows`, `data-cols`, `data-over`
//! (cells over capacity), `data-max` (the largest cell).

use faultline_sim::scene::{HeatmapView, Panel};
use leptos::html::{Canvas, Div};
use leptos::prelude::*;
use web_sys::HtmlCanvasElement;

use super::plot::{context, panel_of, set_attrs, width_of};
use super::stage::layout::text_width;
use crate::core::format::axis_number;
use crate::session::Session;
use crate::widgets::effect;
use faultline_sim::kernel::sort_stable_by;

/// The sequential steps up to capacity (ColorBrewer YlGnBu, colour-blind safe), then "over capacity".
pub const RAMP: [&str; 8] = ["#ffffd9", "#edf8b1", "#c7e9b4", "#7fcdbb", "#41b6c4", "#1d91c0", "#225ea8", "#0c2c84"];
pub const OVER: &str = "#D55E00";
const PX: f64 = 12.0;
const TOP: f64 = 6.0;
/// Room under the plot: the time axis, then the legend.
const BELOW: f64 = 64.0;
/// Rows and columns drawn at most (the latest columns).
const MAX_ROWS: usize = 600;
const MAX_COLS: usize = 600;

/// A cell's step: 0 = nothing, 1..=8 = up to capacity (8 = at capacity), 9 = over capacity.
pub fn level(v: f32) -> usize {
    if v.is_nan() || v <= 0.0 {
        0
    } else if v > 1.0 {
        9
    } else {
        ((v * 8.0).ceil() as usize).clamp(1, 8)
    }
}

/// The cell at (`row`, `col`), 0 when missing.
fn cell(v: &HeatmapView, row: usize, col: usize) -> f32 {
    v.cells.get(row * v.n_cols + col).copied().filter(|c| c.is_finite()).unwrap_or(0.0)
}

/// Each row's largest cell.
pub fn row_max(v: &HeatmapView) -> Vec<f32> {
    (0..v.rows.len()).map(|r| (0..v.n_cols).map(|c| cell(v, r, c)).fold(0.0, f32::max)).collect()
}

/// Plot height for `n_rows` rows.
pub fn plot_h(n_rows: usize) -> f64 {
    (n_rows as f64 * 5.0).clamp(120.0, 300.0)
}

/// Columns the time axis spans: the data's, rounded up to a multiple of 40 (so the axis grows in steps
/// instead of squeezing every cell at each new column).
pub fn span_cols(n_cols: usize) -> usize {
    n_cols.min(MAX_COLS).div_ceil(40).max(1) * 40
}

/// Which rows get a name beside them, `rh` px apart each: rows at half capacity or more, brightest first;
/// then the first and the last row (the axis's ends); then the others, brightest first — each kept if it
/// is at least a line of text away from those already named.
pub fn named_rows(maxes: &[f32], rh: f64) -> Vec<usize> {
    let mut order: Vec<usize> = (0..maxes.len()).filter(|&r| maxes[r] > 0.0).collect();
    sort_stable_by(&mut order, |&a, &b| maxes[b].total_cmp(&maxes[a]).then(a.cmp(&b)));
    let bright = order.iter().take_while(|&&r| maxes[r] >= 0.5).count();
    if let Some(last) = maxes.len().checked_sub(1) {
        order.splice(bright..bright, [0, last]);
    }
    let gap = ((PX + 2.0) / rh.max(1e-6)).ceil().max(1.0) as usize;
    let mut out: Vec<usize> = Vec::new();
    for r in order {
        if out.len() < 40 && out.iter().all(|&o| o.abs_diff(r) >= gap) {
            out.push(r);
        }
    }
    out
}

/// `text` cut with "…" to fit `w` px.
fn fit(text: &str, w: f64) -> String {
    if text_width(text, PX, false) <= w {
        return text.to_string();
    }
    let mut out = String::new();
    for c in text.chars() {
        out.push(c);
        if text_width(&out, PX, false) + 10.0 > w {
            out.pop();
            break;
        }
    }
    out + "…"
}

/// Seconds between time-axis ticks so that they stand at least 64 px apart.
pub fn tick_step(px_per_s: f64) -> f64 {
    [0.5, 1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 3600.0]
        .into_iter()
        .find(|s| s * px_per_s >= 64.0)
        .unwrap_or(3600.0)
}

fn draw(c: &HtmlCanvasElement, v: &HeatmapView, w: f64) {
    let n_rows = v.rows.len().min(MAX_ROWS);
    let ph = plot_h(n_rows);
    let Some(ctx) = context(c, w, ph + TOP + BELOW) else { return };
    let maxes = row_max(v);
    let widest = v.rows.iter().take(n_rows).map(|r| text_width(r, PX, true) + 30.0).fold(40.0, f64::max);
    let gutter = widest.min(w * 0.4).min(220.0);
    let pw = (w - gutter - 4.0).max(10.0);
    let first_col = v.n_cols.saturating_sub(MAX_COLS);
    let span = span_cols(v.n_cols);
    let (cw, rh) = (pw / span as f64, ph / n_rows.max(1) as f64);
    ctx.set_font(&format!("{PX}px system-ui, sans-serif"));
    ctx.set_text_baseline("middle");
    ctx.set_fill_style_str("#f4f4f2");
    ctx.fill_rect(gutter, TOP, pw, ph);
    // Cells, one path per step; over-capacity cells (and the legend's swatch) hatched through a clip.
    let legend_y = TOP + ph + 30.0;
    let over_swatch = (8.0 * 22.0 + 8.0, legend_y, 26.0, 12.0);
    let mut paths: [Vec<(f64, f64)>; 10] = Default::default();
    for r in 0..n_rows {
        for col in first_col..v.n_cols {
            let l = level(cell(v, r, col));
            if l > 0 {
                paths[l].push((gutter + (col - first_col) as f64 * cw, TOP + r as f64 * rh));
            }
        }
    }
    for (l, cells) in paths.iter().enumerate().skip(1) {
        ctx.begin_path();
        for &(x, y) in cells {
            ctx.rect(x, y, cw + 0.4, rh + 0.4);
        }
        if l == 9 {
            let (x, y, sw, sh) = over_swatch;
            ctx.rect(x, y, sw, sh);
        }
        ctx.set_fill_style_str(if l == 9 { OVER } else { RAMP[l - 1] });
        ctx.fill();
    }
    ctx.save();
    ctx.clip();
    ctx.begin_path();
    let h = TOP + ph + BELOW;
    let mut x = -h;
    while x < w {
        ctx.move_to(x, h);
        ctx.line_to(x + h, 0.0);
        x += 6.0;
    }
    ctx.set_line_width(1.5);
    ctx.set_stroke_style_str("#fff");
    ctx.stroke();
    ctx.restore();
    // Row names: the brightest rows first, a "▲" where a row went over capacity.
    ctx.set_text_align("right");
    ctx.set_stroke_style_str("#6b7280");
    ctx.set_line_width(1.0);
    for r in named_rows(&maxes[..n_rows], rh) {
        let y = TOP + (r as f64 + 0.5) * rh;
        let over = maxes[r] > 1.0;
        let name = if over { format!("▲ {}", v.rows[r]) } else { v.rows[r].clone() };
        ctx.set_fill_style_str(if over { "#1b1f24" } else { "#3d4450" });
        ctx.set_font(&format!("{}{PX}px system-ui, sans-serif", if over { "700 " } else { "" }));
        let _ = ctx.fill_text(&fit(&name, gutter - 10.0), gutter - 6.0, y);
        ctx.begin_path();
        ctx.move_to(gutter - 4.0, y);
        ctx.line_to(gutter, y);
        ctx.stroke();
    }
    ctx.set_font(&format!("{PX}px system-ui, sans-serif"));
    ctx.set_fill_style_str("#3d4450");
    // Time axis: seconds at round ticks.
    let dt = v.dt_us.max(1) as f64 / 1e6;
    let t0 = v.t0.as_secs_f64() + first_col as f64 * dt;
    let step = tick_step(cw / dt);
    let mut t = (t0 / step).ceil() * step;
    ctx.set_text_align("center");
    ctx.begin_path();
    while t <= t0 + span as f64 * dt + 1e-9 {
        let x = gutter + (t - t0) / dt * cw;
        ctx.move_to(x, TOP + ph);
        ctx.line_to(x, TOP + ph + 4.0);
        let label = format!("{} s", axis_number(t));
        let half = text_width(&label, PX, false) / 2.0;
        let _ = ctx.fill_text(&label, x.clamp(gutter + half, w - half), TOP + ph + 13.0);
        t += step;
    }
    ctx.stroke();
    // Legend: the eight steps up to capacity, then the hatched "over capacity".
    for (i, colour) in RAMP.iter().enumerate() {
        ctx.set_fill_style_str(colour);
        ctx.fill_rect(i as f64 * 22.0, legend_y, 22.0, 12.0);
    }
    ctx.set_stroke_style_str("#1b1f24");
    ctx.stroke_rect(0.5, legend_y, 176.0, 12.0);
    ctx.set_fill_style_str("#1b1f24");
    ctx.set_text_align("left");
    let _ = ctx.fill_text("0", 0.0, legend_y + 22.0);
    ctx.set_text_align("right");
    let _ = ctx.fill_text("1.0 = capacity", 176.0, legend_y + 22.0);
    ctx.set_text_align("left");
    let _ = ctx.fill_text("over capacity", over_swatch.0 + over_swatch.2 + 6.0, legend_y + 6.0);
}

/// What the picture shows, in words: its size, the latest column's busiest row, what went over capacity.
pub fn summary(v: &HeatmapView) -> String {
    let maxes = row_max(v);
    let over: Vec<&str> = v.rows.iter().zip(&maxes).filter(|(_, m)| **m > 1.0).map(|(r, _)| r.as_str()).collect();
    let over_cells = v.cells.iter().take(v.rows.len() * v.n_cols).filter(|c| **c > 1.0).count();
    let last = v.n_cols.checked_sub(1).and_then(|c| {
        (0..v.rows.len()).map(|r| (r, cell(v, r, c))).max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)))
    });
    let now = match last {
        Some((r, x)) => format!("latest: busiest row {} at {:.2} × capacity", v.rows[r], x as f64),
        None => "no data yet".into(),
    };
    let over = match over.len() {
        0 => "no cell over capacity".to_string(),
        n => format!("{over_cells} cells over capacity, in {n} rows: {}", over[..n.min(5)].join(", ")),
    };
    format!("{now}; {over}")
}

/// Renders the session's `Panel::Heatmap` when the run shows one.
#[component]
pub fn HeatmapPanel(session: Session) -> impl IntoView {
    let data = panel_of(session.panels, "heatmap");
    let wrap = NodeRef::<Div>::new();
    let width = width_of(wrap);
    let canvas_ref = NodeRef::<Canvas>::new();
    effect(move || {
        let w = width.get();
        data.with(|d| {
            let (Some(Panel::Heatmap(v)), Some(c)) = (d, canvas_ref.get()) else { return };
            draw(&c, v, w);
            let cells = || v.cells.iter().copied().filter(|c| c.is_finite());
            set_attrs(
                &c,
                &[
                    (
                        "aria-label",
                        format!(
                            "{}: {} rows × {} columns of {} s. {}",
                            v.title,
                            v.rows.len(),
                            v.n_cols,
                            axis_number(v.dt_us as f64 / 1e6),
                            summary(v)
                        ),
                    ),
                    ("data-rows", v.rows.len().to_string()),
                    ("data-cols", v.n_cols.to_string()),
                    ("data-over", cells().filter(|c| *c > 1.0).count().to_string()),
                    ("data-max", format!("{:.3}", cells().fold(0.0, f32::max) as f64)),
                    ("style", format!("height:{}px", plot_h(v.rows.len().min(MAX_ROWS)) + TOP + BELOW)),
                ],
            );
        })
    });
    let text = move |f: fn(&HeatmapView) -> String| {
        data.with(|d| match d {
            Some(Panel::Heatmap(v)) => f(v),
            _ => String::new(),
        })
    };
    view! {
        <section class="panel heatmap-panel" data-testid="heatmap-panel" aria-labelledby="heatmap-title">
            <h2 id="heatmap-title">{move || text(|v| v.title.clone())}</h2>
            <div class="heatmap-wrap" node_ref=wrap>
                <canvas node_ref=canvas_ref role="img" data-testid="heatmap-canvas"></canvas>
            </div>
            <p class="heatmap-note">{move || text(summary)}</p>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use faultline_sim::kernel::SimTime;

    use super::*;

    fn heat(rows: usize, cols: usize, cells: Vec<f32>) -> HeatmapView {
        HeatmapView {
            title: "Load".into(),
            rows: (0..rows).map(|r| format!("row {r}")).collect(),
            t0: SimTime::from_secs(3),
            dt_us: 500_000,
            n_cols: cols,
            cells,
        }
    }

    #[test]
    fn brightness_is_fixed_to_capacity() {
        assert_eq!(level(0.0), 0);
        assert_eq!(level(f32::NAN), 0);
        assert_eq!(level(-1.0), 0);
        assert_eq!(level(0.01), 1);
        assert_eq!(level(0.5), 4);
        assert_eq!(level(1.0), 8, "at capacity: the strongest step, not yet over");
        assert_eq!(level(1.0001), 9);
        assert_eq!(level(f32::INFINITY), 9);
        assert_eq!((span_cols(0), span_cols(12), span_cols(41), span_cols(120)), (40, 40, 80, 120));
        assert_eq!(tick_step(8.0 / 0.5), 5.0);
    }

    #[test]
    fn the_brightest_rows_are_named_first_and_names_do_not_overlap() {
        let mut m = vec![0.1f32; 57];
        m[0] = 1.4;
        m[30] = 0.9;
        m[31] = 0.95;
        let named = named_rows(&m, 300.0 / 57.0);
        assert_eq!(&named[..2], &[0, 31], "{named:?}");
        assert!(named.contains(&56) && !named.contains(&30), "{named:?}");
        for (i, a) in named.iter().enumerate() {
            for b in &named[i + 1..] {
                assert!(a.abs_diff(*b) as f64 * 300.0 / 57.0 >= PX, "{named:?}");
            }
        }
        assert!(named_rows(&[], 5.0).is_empty());
    }

    #[test]
    fn summary_names_what_went_over_capacity_whatever_the_input() {
        let v = heat(3, 2, vec![0.1, 1.5, 0.2, 0.3, 0.0, 0.4]);
        let s = summary(&v);
        assert!(
            s.contains("busiest row row 0 at 1.50") && s.contains("1 cells over capacity, in 1 rows: row 0"),
            "{s}"
        );
        // Short cells, no columns, NaN: no panic.
        for v in [heat(3, 4, vec![f32::NAN]), heat(0, 0, vec![]), heat(2, 0, vec![])] {
            assert!(!summary(&v).is_empty());
            assert_eq!(row_max(&v).len(), v.rows.len());
        }
    }
}
