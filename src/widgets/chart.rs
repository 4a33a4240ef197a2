//! Time-series charts: one SVG `<path>` per series, an optional state band behind them, axes with units,
//! a legend with markers, and the shared time cursor at `now`.
//!
//! Paths are computed from `run.series()` by [`compute`] at most a few times a second (the session decides
//! when); only the cursor moves every frame, so a chart costs one attribute change per frame.

use std::fmt::Write;

use faultline_sim::kernel::SimTime;
use faultline_sim::scene::{ChartSpec, LineStyle, Run};
use leptos::prelude::*;

use crate::core::format::axis_number;
use crate::core::palette::{colour, marker, marker_path, symbol, tint};
use crate::session::Session;

const W: f64 = 560.0;
const H: f64 = 200.0;
const LEFT: f64 = 50.0;
const RIGHT: f64 = 14.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 28.0;
const PW: f64 = W - LEFT - RIGHT;
const PH: f64 = H - TOP - BOTTOM;
/// The time axis shows at least this much, so the first seconds of a run do not fill the whole width.
const MIN_SPAN_S: f64 = 20.0;

/// One chart's drawable data, in viewBox units.
#[derive(Clone, Debug, PartialEq)]
pub struct ChartData {
    pub x_max: f64,
    pub y_max: f64,
    /// Path `d` per line of the spec, in spec order.
    pub paths: Vec<String>,
    /// State band spans: (x0, x1, state index).
    pub bands: Vec<(f64, f64, usize)>,
}

/// 1, 2, 5 × 10^k at or above `v`.
fn nice_ceil(v: f64) -> f64 {
    if v <= 0.0 || !v.is_finite() {
        return 1.0;
    }
    let p = 10f64.powf(v.log10().floor());
    for m in [1.0, 2.0, 5.0, 10.0] {
        if m * p >= v * 0.999_999 {
            return m * p;
        }
    }
    10.0 * p
}

/// Time extent of the charts: grows in 10 s steps so the cursor glides instead of the axis rescaling.
pub fn x_extent(reached: SimTime) -> f64 {
    let t = reached.as_secs_f64();
    (((t + 1e-6) / 10.0).ceil() * 10.0).max(MIN_SPAN_S)
}

fn x_px(t: f64, x_max: f64) -> f64 {
    LEFT + (t / x_max).clamp(0.0, 1.0) * PW
}

fn y_px(v: f64, y_max: f64) -> f64 {
    TOP + PH - (v / y_max).clamp(0.0, 1.0) * PH
}

pub fn compute(run: &dyn Run, reached: SimTime) -> Vec<ChartData> {
    let x_max = x_extent(reached);
    run.charts()
        .iter()
        .map(|spec| {
            let series: Vec<Vec<(f64, f64)>> = spec.lines.iter().map(|l| run.series(l.series)).collect();
            let y_max = spec.y_max.unwrap_or_else(|| {
                let m = series.iter().flatten().map(|p| p.1).fold(0.0, f64::max);
                nice_ceil(m.max(1e-9))
            });
            let paths = series
                .iter()
                .map(|pts| {
                    let mut d = String::with_capacity(pts.len() * 14);
                    for (i, (t, v)) in pts.iter().enumerate() {
                        let _ = write!(
                            d,
                            "{}{:.1},{:.1}",
                            if i == 0 { 'M' } else { 'L' },
                            x_px(*t, x_max),
                            y_px(*v, y_max)
                        );
                    }
                    d
                })
                .collect();
            let bands = spec
                .band
                .map(|b| {
                    let pts = run.series(b.series);
                    pts.windows(2)
                        .filter(|w| w[1].0 > w[0].0)
                        .map(|w| (x_px(w[0].0, x_max), x_px(w[1].0, x_max), w[0].1.max(0.0) as usize))
                        .collect()
                })
                .unwrap_or_default();
            ChartData { x_max, y_max, paths, bands }
        })
        .collect()
}

/// Tick step for a time axis of `span` seconds (about 5–8 labels).
fn time_step(span: f64) -> f64 {
    [1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1200.0, 1800.0]
        .into_iter()
        .find(|s| span / s <= 8.0)
        .unwrap_or(3600.0)
}

#[component]
pub fn Chart(session: Session, idx: usize, spec: &'static ChartSpec) -> impl IntoView {
    let data = Memo::new(move |_| session.charts.with(|c| c.get(idx).cloned()));
    let x_max = Memo::new(move |_| data.with(|d| d.as_ref().map(|d| d.x_max).unwrap_or(MIN_SPAN_S)));
    let cursor_x = move || format!("{:.1}", x_px(session.now.get().as_secs_f64(), x_max.get()));
    let title_id = format!("chart-{}-title", spec.id);
    let title_ref = title_id.clone();
    let unit = if spec.unit.is_empty() { String::new() } else { format!(" ({})", spec.unit) };

    let bands = move || {
        let Some(band) = spec.band else { return Vec::new() };
        data.with(|d| d.as_ref().map(|d| d.bands.clone()).unwrap_or_default())
            .into_iter()
            .map(|(x0, x1, s)| {
                let tone = band.states.get(s).map(|st| st.1).unwrap_or(faultline_sim::scene::Tone::Neutral);
                view! {
                    <rect x=format!("{x0:.1}") y=TOP width=format!("{:.1}", (x1 - x0).max(0.5)) height=PH fill=tint(tone)></rect>
                }
            })
            .collect::<Vec<_>>()
    };

    let y_labels = move || {
        let y_max = data.with(|d| d.as_ref().map(|d| d.y_max).unwrap_or(1.0));
        [0.0, 0.5, 1.0]
            .into_iter()
            .map(|f| {
                let y = y_px(f * y_max, y_max);
                view! {
                    <line class="grid" x1=LEFT x2=W - RIGHT y1=y y2=y></line>
                    <text class="tick" x=LEFT - 6.0 y=y + 4.0 text-anchor="end">{axis_number(f * y_max)}</text>
                }
            })
            .collect::<Vec<_>>()
    };

    let x_labels = move || {
        let x_max = x_max.get();
        let step = time_step(x_max);
        let n = (x_max / step).floor() as usize;
        (0..=n)
            .map(|i| {
                let t = i as f64 * step;
                let x = x_px(t, x_max);
                let last = i == n;
                let text = if last { format!("{t:.0} s") } else { format!("{t:.0}") };
                view! { <text class="tick" x=x y=H - 10.0 text-anchor=if last { "end" } else { "middle" }>{text}</text> }
            })
            .collect::<Vec<_>>()
    };

    let lines = spec
        .lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let d = move || data.with(|d| d.as_ref().and_then(|d| d.paths.get(i).cloned()).unwrap_or_default());
            let dash = if l.style == LineStyle::Theory { "6 4" } else { "" };
            view! {
                <path class="series" d=d stroke=colour(l.tone) stroke-dasharray=dash fill="none"
                    data-series=l.series></path>
            }
        })
        .collect::<Vec<_>>();

    let legend = spec
        .lines
        .iter()
        .map(|l| {
            let theory = l.style == LineStyle::Theory;
            let label = if theory && !l.label.contains("theory") { format!("{} (theory)", l.label) } else { l.label.to_string() };
            view! {
                <li>
                    <svg class="legend-mark" viewBox="-12 -7 24 14" aria-hidden="true">
                        <line x1="-11" x2="11" y1="0" y2="0" stroke=colour(l.tone) stroke-width="2.5"
                            stroke-dasharray=if theory { "4 3" } else { "" }></line>
                        <path d=marker_path(marker(l.tone), 4.5) fill=colour(l.tone) stroke="#fff" stroke-width="1"></path>
                    </svg>
                    {label}
                </li>
            }
        })
        .collect::<Vec<_>>();

    let band_legend = spec.band.map(|b| {
        view! {
            <p class="band-legend">
                <span class="muted">"Background: "</span>
                {b.states.iter().map(|(name, tone)| view! {
                    <span class="band-key"><span class="swatch" style:background=tint(*tone)
                        style:border-color=colour(*tone)></span>{format!("{} {}", symbol(*tone), name)}</span>
                }).collect::<Vec<_>>()}
            </p>
        }
    });

    view! {
        <figure class="chart" data-testid=format!("chart-{}", spec.id) aria-labelledby=title_ref>
            <figcaption id=title_id>{spec.title}<span class="muted">{unit.clone()}</span></figcaption>
            <svg viewBox=format!("0 0 {W} {H}") role="img" aria-label=format!("{}{} over time", spec.title, unit)>
                <g class="bands">{bands}</g>
                <g class="axes">
                    {y_labels}
                    {x_labels}
                    <line class="axis" x1=LEFT x2=LEFT y1=TOP y2=TOP + PH></line>
                    <line class="axis" x1=LEFT x2=W - RIGHT y1=TOP + PH y2=TOP + PH></line>
                </g>
                <g class="lines">{lines}</g>
                <line class="cursor" data-testid="time-cursor" x1=cursor_x x2=cursor_x y1=TOP - 4.0 y2=TOP + PH></line>
            </svg>
            <ul class="legend">{legend}</ul>
            {band_legend}
        </figure>
    }
}
