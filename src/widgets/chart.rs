//! Time-series charts: one SVG `<path>` per series, an optional state band behind them, axes with units,
//! a legend with markers, and the shared time cursor at `now`.
//!
//! Paths are computed from `run.series()` by [`compute`] at most a few times a second (the session decides
//! when); only the cursor moves every frame, so a chart costs one attribute change per frame.
//!
//! With an A/B comparison on, a chart is two small multiples side by side on one y scale: run A's plot and
//! run B's, each with its own lines, theory and state band (a band shows only where that run has the
//! state: no "CLOSED" band for a run without a breaker). Every line's `<path>` carries
//! `data-testid="series-<name>"` (`series-b-<name>` in B's plot) and `data-max`, the largest value of its
//! data, so end-to-end tests can assert on what was measured rather than on pixels.

use std::fmt::Write;

use faultline_sim::kernel::SimTime;
use faultline_sim::scene::{ChartSpec, LineStyle, Run, charts};
use leptos::prelude::*;

use crate::core::format::axis_number;
use crate::core::palette::{colour, marker, marker_path, symbol, tint};
use crate::session::Session;
use crate::widgets::memo;

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

/// One run's plot of a chart, in viewBox units.
#[derive(Clone, Debug, PartialEq)]
pub struct PlotData {
    /// The run's own spec of this chart (its theory label and band may differ from the other run's).
    pub spec: &'static ChartSpec,
    /// Path `d` per line of the spec, in spec order.
    pub paths: Vec<String>,
    /// Largest value per line (0 when it has no data yet).
    pub maxes: Vec<f64>,
    /// State band spans: (x0, x1, state index).
    pub bands: Vec<(f64, f64, usize)>,
}

/// One chart's drawable data: run A's plot and, when comparing, run B's, on one scale.
#[derive(Clone, Debug, PartialEq)]
pub struct ChartData {
    pub x_max: f64,
    pub y_max: f64,
    pub a: PlotData,
    pub b: Option<PlotData>,
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

fn path_d(pts: &[(f64, f64)], x_max: f64, y_max: f64) -> String {
    let mut d = String::with_capacity(pts.len() * 14);
    for (i, (t, v)) in pts.iter().enumerate() {
        let _ = write!(d, "{}{:.1},{:.1}", if i == 0 { 'M' } else { 'L' }, x_px(*t, x_max), y_px(*v, y_max));
    }
    d
}

fn max_of(pts: &[(f64, f64)]) -> f64 {
    pts.iter().map(|p| p.1).filter(|v| v.is_finite()).fold(0.0, f64::max)
}

/// One chart's measured lines and its shaded bands `(from, to, tone)`.
type Plotted = (Vec<Vec<(f64, f64)>>, Vec<(f64, f64, usize)>);

fn plot(run: &dyn Run, spec: &'static ChartSpec, x_max: f64) -> Plotted {
    let series = spec.lines.iter().map(|l| run.series(l.series)).collect();
    let bands = spec
        .band
        .map(|b| {
            run.series(b.series)
                .windows(2)
                .filter(|w| w[1].0 > w[0].0)
                .map(|w| (x_px(w[0].0, x_max), x_px(w[1].0, x_max), w[0].1.max(0.0) as usize))
                .collect()
        })
        .unwrap_or_default();
    (series, bands)
}

/// Chart data of run A, with run B's plot when comparing (both on one y scale). B's plot uses B's own spec
/// of the chart with the same id; a chart B does not show gets no B plot.
/// `panels` and `panels_b` are the runs' panels already published this frame (not built again).
pub fn compute(
    run: &dyn Run,
    panels: &[faultline_sim::scene::Panel],
    run_b: Option<&dyn Run>,
    panels_b: &[faultline_sim::scene::Panel],
    reached: SimTime,
) -> Vec<ChartData> {
    let x_max = x_extent(reached);
    charts(panels)
        .map(|spec| {
            let (series, bands) = plot(run, spec, x_max);
            let b = run_b.and_then(|rb| {
                let spec_b = charts(panels_b).find(|s| s.id == spec.id)?;
                Some((spec_b, plot(rb, spec_b, x_max)))
            });
            let maxes: Vec<f64> = series.iter().map(|s| max_of(s)).collect();
            let maxes_b: Vec<f64> =
                b.as_ref().map(|(_, (s, _))| s.iter().map(|s| max_of(s)).collect()).unwrap_or_default();
            let y_max = spec.y_max.unwrap_or_else(|| {
                let m = maxes.iter().chain(&maxes_b).copied().fold(0.0, f64::max);
                // No data yet (or all zero): a 0–1 axis rather than ticks that all read "0".
                if m > 1e-9 { nice_ceil(m) } else { 1.0 }
            });
            let paths = |ss: &[Vec<(f64, f64)>]| ss.iter().map(|pts| path_d(pts, x_max, y_max)).collect();
            let a = PlotData { spec, paths: paths(&series), maxes, bands };
            let b = b.map(|(spec_b, (series_b, bands_b))| PlotData {
                spec: spec_b,
                paths: paths(&series_b),
                maxes: maxes_b,
                bands: bands_b,
            });
            ChartData { x_max, y_max, a, b }
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

/// One run's plot: bands, axes, lines, the time cursor. `b` = this is run B's plot (testids `series-b-…`).
fn plot_svg(session: Session, data: Memo<Option<ChartData>>, b: bool, label: String) -> impl IntoView {
    let get = move |f: &dyn Fn(&PlotData) -> String| {
        data.with(|d| d.as_ref().and_then(|d| if b { d.b.as_ref() } else { Some(&d.a) }).map(f).unwrap_or_default())
    };
    let x_max = memo(move |_| data.with(|d| d.as_ref().map(|d| d.x_max).unwrap_or(MIN_SPAN_S)));
    let spec = memo(move |_| {
        data.with(|d| d.as_ref().and_then(|d| if b { d.b.as_ref() } else { Some(&d.a) }).map(|p| p.spec))
    });
    // The time cursor in whole viewBox units (about a pixel at the sizes charts are drawn): it moves about 25
    // times a second at 1×, not every frame, and each move sets its two ends once.
    let cursor = memo(move |_| x_px(session.now.get().as_secs_f64(), x_max.get()).round() as usize);
    let cursor_x = move || cursor.get().to_string();
    // Bands as one path per state (its spans as subpaths): a rebuild of the chart changes a few `d`
    // attributes instead of recreating a rectangle per span.
    let band_paths = memo(move |_| {
        let Some(band) = spec.get().and_then(|s| s.band) else { return Vec::new() };
        data.with(|d| {
            let spans = d.as_ref().and_then(|d| if b { d.b.as_ref() } else { Some(&d.a) }).map(|p| &p.bands);
            (0..band.states.len())
                .map(|k| {
                    let mut path = String::new();
                    for (x0, x1, _) in spans.into_iter().flatten().filter(|sp| sp.2 == k) {
                        let _ =
                            write!(path, "M{x0:.1},{TOP}h{:.1}v{PH}h{:.1}Z", (x1 - x0).max(0.5), -(x1 - x0).max(0.5));
                    }
                    path
                })
                .collect::<Vec<_>>()
        })
    });
    let bands = move || {
        let Some(band) = spec.get().and_then(|s| s.band) else { return Vec::new() };
        (0..band.states.len())
            .map(|k| {
                let tone = band.states[k].1;
                view! { <path d=move || band_paths.with(|p| p.get(k).cloned().unwrap_or_default()) fill=tint(tone)></path> }.into_any()
            })
            .collect::<Vec<_>>()
    };
    let y_max = memo(move |_| data.with(|d| d.as_ref().map(|d| d.y_max).unwrap_or(1.0)));
    let y_labels = move || {
        let y_max = y_max.get();
        [0.0, 0.5, 1.0]
            .into_iter()
            .map(|f| {
                let y = y_px(f * y_max, y_max);
                view! {
                    <line class="grid" x1=LEFT x2=W - RIGHT y1=y y2=y></line>
                    <text class="tick" x=LEFT - 6.0 y=y + 4.0 text-anchor="end">{axis_number(f * y_max)}</text>
                }
                .into_any()
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
                view! { <text class="tick" x=x y=H - 10.0 text-anchor=if last { "end" } else { "middle" }>{text}</text> }.into_any()
            })
            .collect::<Vec<_>>()
    };
    let lines = move || {
        let Some(spec) = spec.get() else { return Vec::new() };
        spec.lines
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let d = move || get(&|p| p.paths.get(i).cloned().unwrap_or_default());
                let max = move || get(&|p| p.maxes.get(i).copied().unwrap_or(0.0).to_string());
                let dash = if l.style == LineStyle::Theory { "6 4" } else { "" };
                let id = if b { format!("series-b-{}", l.series) } else { format!("series-{}", l.series) };
                view! {
                    <path class="series" d=move || d() stroke=colour(l.tone) stroke-dasharray=dash fill="none"
                        data-series=l.series data-testid=id data-max=move || max()></path>
                }
                .into_any()
            })
            .collect::<Vec<_>>()
    };
    view! {
        <svg viewBox=format!("0 0 {W} {H}") role="img" aria-label=label>
            <g class="bands">{move || bands()}</g>
            <g class="axes">
                {move || y_labels()}
                {move || x_labels()}
                <line class="axis" x1=LEFT x2=LEFT y1=TOP y2=TOP + PH></line>
                <line class="axis" x1=LEFT x2=W - RIGHT y1=TOP + PH y2=TOP + PH></line>
            </g>
            <g class="lines">{move || lines()}</g>
            <line class="cursor" data-testid=if b { "time-cursor-b" } else { "time-cursor" }
                x1=move || cursor_x() x2=move || cursor_x() y1=TOP - 4.0 y2=TOP + PH></line>
        </svg>
    }
}

fn legend_entry(l: &faultline_sim::scene::LineSpec, prefix: &str) -> impl IntoView + use<> {
    let theory = l.style == LineStyle::Theory;
    let label =
        if theory && !l.label.contains("theory") { format!("{} (theory)", l.label) } else { l.label.to_string() };
    view! {
        <li>
            <svg class="legend-mark" viewBox="-12 -7 24 14" aria-hidden="true">
                <line x1="-11" x2="11" y1="0" y2="0" stroke=colour(l.tone) stroke-width="2.5"
                    stroke-dasharray=if theory { "4 3" } else { "" }></line>
                <path d=marker_path(marker(l.tone), 4.5) fill=colour(l.tone) stroke="#fff" stroke-width="1"></path>
            </svg>
            {format!("{prefix}{label}")}
        </li>
    }
}

#[component]
pub fn Chart(session: Session, idx: usize, spec: &'static ChartSpec) -> impl IntoView {
    let data = memo(move |_| session.charts.with(|c| c.get(idx).cloned()));
    let title_id = format!("chart-{}-title", spec.id);
    let title_ref = title_id.clone();
    let unit = if spec.unit.is_empty() { String::new() } else { format!(" ({})", spec.unit) };
    let comparing = memo(move |_| data.with(|d| d.as_ref().is_some_and(|d| d.b.is_some())));
    let label = format!("{}{} over time", spec.title, unit);
    let plots = move || {
        let label = label.clone();
        if comparing.get() {
            let (a, b) = session.compare_names().map(|(_, a, b)| (a, b)).unwrap_or_default();
            view! {
                <div class="multiples">
                    <div class="multiple"><p class="multiple-title"><span class="ab-tag">"A"</span>" "{a}</p>
                        {plot_svg(session, data, false, format!("{label}, run A"))}</div>
                    <div class="multiple"><p class="multiple-title"><span class="ab-tag">"B"</span>" "{b}</p>
                        {plot_svg(session, data, true, format!("{label}, run B"))}</div>
                </div>
            }
            .into_any()
        } else {
            plot_svg(session, data, false, label).into_any()
        }
    };
    // A's lines; B's theory line too where B's expectation differs (another strategy, another theory).
    let spec_b = memo(move |_| data.with(|d| d.as_ref().and_then(|d| d.b.as_ref().map(|b| b.spec))));
    let legend = move || {
        let mut items: Vec<AnyView> = spec.lines.iter().map(|l| legend_entry(l, "").into_any()).collect();
        if let Some(spec_b) = spec_b.get() {
            for (la, lb) in spec.lines.iter().zip(spec_b.lines) {
                if lb.style == LineStyle::Theory && lb.label != la.label {
                    items.push(legend_entry(lb, "B: ").into_any());
                }
            }
        }
        items
    };
    let band_legend = move || {
        let band = spec.band.or_else(|| spec_b.get().and_then(|b| b.band))?;
        Some(view! {
            <p class="band-legend">
                <span class="muted">"Background: "</span>
                {band.states.iter().map(|(name, tone)| view! {
                    <span class="band-key"><span class="swatch" style:background=tint(*tone)
                        style:border-color=colour(*tone)></span>{format!("{} {}", symbol(*tone), name)}</span>
                }.into_any()).collect::<Vec<_>>()}
            </p>
        })
    };
    view! {
        <figure class="chart" class:comparing=comparing data-testid=format!("chart-{}", spec.id) aria-labelledby=title_ref>
            <figcaption id=title_id>{spec.title}<span class="muted">{unit.clone()}</span></figcaption>
            {move || plots()}
            <ul class="legend">{move || legend()}</ul>
            {move || band_legend()}
        </figure>
    }
}
