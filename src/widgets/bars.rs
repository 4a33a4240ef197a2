//! The Bars panel's widget: a bar per entity against a dashed capacity line, hot bars marked "▲ hot" and
//! outlined (shape and word, not colour alone), value labels where they fit, and a thin second bar per
//! entity for the detail quantity on its own (right) axis.
//!
//! Drawn to the panel's measured width (text keeps its CSS size on a phone) as one SVG built as markup by
//! [`svg`], a pure function tested natively: a few hundred elements at most, rebuilt only when the data
//! changes. Past ~24 bars they thin out: the axis keeps every k-th name, the hot ones stay labelled. Its
//! label lists every value. Test hooks on the `<svg>`: `data-bars`, `data-hot`.

use std::fmt::Write;

use faultline_sim::scene::{BarsView, Panel, Tone};
use leptos::html::Div;
use leptos::prelude::*;

use super::plot::{clean, escape, nice_ceil, panel_of, width_of};
use super::stage::layout::text_width;
use crate::core::format::{axis_number, compact_number};
use crate::core::palette::colour;
use crate::session::Session;

pub const H: f64 = 240.0;
const TOP: f64 = 34.0;
const BOTTOM: f64 = 40.0;
const PX: f64 = 12.0;
/// Bars drawn at most; more are left out, and said so.
pub const MAX_BARS: usize = 512;

/// The part every label shares, when it is a word (`"shard"` of `shard1`…`shard12`): said once under the
/// axis, so each bar is named by what differs.
pub fn common_prefix<'a>(labels: &[&'a str]) -> &'a str {
    let Some(first) = labels.first() else { return "" };
    let mut n = first.len();
    for l in &labels[1..] {
        n = n.min(first.bytes().zip(l.bytes()).take_while(|(a, b)| a == b).count());
    }
    while !first.is_char_boundary(n) {
        n -= 1;
    }
    let p = first[..n].trim_end_matches(|c: char| c.is_ascii_digit());
    if labels.len() > 1 && !p.is_empty() && labels.iter().all(|l| l.len() > p.len()) { p } else { "" }
}

/// Every `k`-th bar is named on the axis, so names `slot` apart never overlap.
pub fn label_stride(slot: f64, widest: f64) -> usize {
    if slot <= 0.0 { usize::MAX } else { ((widest + 6.0) / slot).ceil().max(1.0) as usize }
}

/// The panel as SVG markup `width` px wide and [`H`] tall: axes, bars, capacity line, marks and names.
pub fn svg(v: &BarsView, width: f64) -> String {
    let bars = &v.bars[..v.bars.len().min(MAX_BARS)];
    let has_detail = bars.iter().any(|b| b.detail.is_some());
    let (x0, x1, y0, y1) = (46.0, (width - if has_detail { 48.0 } else { 12.0 }).max(60.0), TOP, H - BOTTOM);
    let cap = v.capacity.map(clean).filter(|c| *c > 0.0);
    let top = bars.iter().map(|b| clean(b.value)).fold(cap.unwrap_or(0.0), f64::max);
    let top = if top > 0.0 { top } else { 1.0 };
    let step = nice_ceil(top / 4.0);
    let y_max = step * (top * 1.1 / step).ceil();
    let y = |val: f64| y1 - clean(val).min(y_max) / y_max * (y1 - y0);
    let d_max = nice_ceil(bars.iter().filter_map(|b| b.detail).map(clean).fold(0.0, f64::max));
    let mut s = String::new();
    // Left axis: the value's scale, the unit above it.
    let _ = write!(s, "<text x=\"0\" y=\"14\">{}</text>", escape(&v.unit));
    for j in 0..=((y_max / step).round() as usize).min(12) {
        let k = j as f64 * step;
        let _ = write!(
            s,
            "<line x1=\"{x0}\" x2=\"{x1}\" y1=\"{yy:.1}\" y2=\"{yy:.1}\" stroke=\"#e5e7eb\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            x0 - 6.0,
            y(k) + 4.0,
            axis_number(k),
            yy = y(k)
        );
    }
    if has_detail {
        let label = v.detail_label.as_deref().unwrap_or("");
        let _ = write!(s, "<text x=\"{width}\" y=\"14\" text-anchor=\"end\">{}</text>", escape(label));
        for f in [0.0, 0.5, 1.0] {
            let _ = write!(
                s,
                "<text x=\"{:.1}\" y=\"{:.1}\">{}</text>",
                x1 + 6.0,
                y1 - f * (y1 - y0) + 4.0,
                compact_number(f * d_max)
            );
        }
    }
    let n = bars.len().max(1);
    let slot = (x1 - x0) / n as f64;
    let labels: Vec<&str> = bars.iter().map(|b| b.label.as_str()).collect();
    let prefix = common_prefix(&labels);
    let names: Vec<&str> = labels.iter().map(|l| &l[prefix.len()..]).collect();
    let widest = names.iter().map(|t| text_width(t, PX, false)).fold(0.0, f64::max);
    let stride = label_stride(slot, widest);
    let main_w = if has_detail { slot * 0.6 } else { slot * 0.72 };
    let values_fit = names.len() <= 24 && slot >= text_width("00,000", PX, false);
    for (i, b) in bars.iter().enumerate() {
        let bx = x0 + i as f64 * slot + slot * 0.1;
        let by = y(b.value);
        let fill = colour(if b.tone == Tone::Neutral { Tone::Info } else { b.tone });
        let outline = if b.hot { " stroke=\"#1b1f24\" stroke-width=\"2\"" } else { "" };
        let _ = write!(
            s,
            "<rect x=\"{bx:.1}\" y=\"{by:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{fill}\"{outline}/>",
            main_w.max(1.0),
            (y1 - by).max(0.0)
        );
        if let Some(d) = b.detail {
            let dy = y1 - clean(d).min(d_max) / d_max * (y1 - y0);
            let _ = write!(
                s,
                "<rect x=\"{:.1}\" y=\"{dy:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"#3d4450\"/>",
                bx + main_w + 1.0,
                (slot * 0.16).max(1.0),
                y1 - dy
            );
        }
        let mid = bx + main_w / 2.0;
        let named = i % stride == 0;
        if named {
            let _ = write!(
                s,
                "<text x=\"{mid:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
                y1 + 16.0,
                escape(names[i])
            );
        }
        // Above the bar: its value where values fit, and "▲ hot" (with its name when the axis leaves it out).
        let mut above = by - 5.0;
        if values_fit {
            let _ = write!(
                s,
                "<text x=\"{mid:.1}\" y=\"{above:.1}\" text-anchor=\"middle\">{}</text>",
                compact_number(clean(b.value))
            );
            above -= 15.0;
        }
        if b.hot {
            let text =
                if named && values_fit { "▲ hot".to_string() } else { format!("▲ {} hot", escape(&b.label)) };
            let half = text_width(&text, PX, true) / 2.0;
            let _ = write!(
                s,
                "<text class=\"hot\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{text}</text>",
                mid.clamp(x0 + half, (x1 - half).max(x0 + half)),
                above.max(PX + 16.0)
            );
        }
    }
    let _ = write!(s, "<line x1=\"{x0}\" x2=\"{x1}\" y1=\"{y1}\" y2=\"{y1}\" stroke=\"#6b7280\"/>");
    if !prefix.is_empty() {
        let _ = write!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            (x0 + x1) / 2.0,
            H - 4.0,
            escape(prefix)
        );
    }
    if let Some(c) = cap {
        let _ = write!(
            s,
            "<line class=\"capacity\" x1=\"{x0}\" x2=\"{x1}\" y1=\"{yc:.1}\" y2=\"{yc:.1}\"/>\
             <text class=\"capacity\" x=\"{x1}\" y=\"{:.1}\" text-anchor=\"end\">capacity {} {}</text>",
            y(c) - 5.0,
            compact_number(c),
            escape(&v.unit),
            yc = y(c)
        );
    }
    if v.bars.len() > MAX_BARS {
        let _ = write!(
            s,
            "<text x=\"{x1}\" y=\"{}\" text-anchor=\"end\">+{} not drawn</text>",
            H - 4.0,
            v.bars.len() - MAX_BARS
        );
    }
    s
}

/// What the picture shows, in words: every bar's value, the capacity, the hot ones.
pub fn summary(v: &BarsView) -> String {
    let unit = &v.unit;
    let cap = v.capacity.map(|c| format!("; capacity {} {unit}", compact_number(clean(c)))).unwrap_or_default();
    let each = v.bars.iter().map(|b| {
        let hot = if b.hot { " (hot)" } else { "" };
        let detail = b
            .detail
            .map(|d| format!(", {} {}", compact_number(d), v.detail_label.as_deref().unwrap_or("")))
            .unwrap_or_default();
        format!("{} {} {unit}{detail}{hot}", b.label, compact_number(b.value))
    });
    format!("{}{cap}: {}", v.title, each.collect::<Vec<_>>().join("; "))
}

/// The whole figure as markup: the `<svg>` (labelled by [`summary`], with its test hooks) and its legend.
pub fn figure(v: &BarsView, width: f64) -> String {
    if v.bars.is_empty() {
        return "<p class=\"muted\">Nothing to show yet.</p>".into();
    }
    let mut s = format!(
        "<svg class=\"bars\" data-testid=\"bars-svg\" role=\"img\" viewBox=\"0 0 {width} {H}\" width=\"100%\" \
         aria-label=\"{}\" data-bars=\"{}\" data-hot=\"{}\">{}</svg><p class=\"bars-legend\">\
         <span><i class=\"key-bar\"></i>{} (left axis)</span>",
        escape(&summary(v)),
        v.bars.len(),
        v.bars.iter().filter(|b| b.hot).count(),
        svg(v, width),
        escape(&v.unit)
    );
    if let Some(d) = v.detail_label.as_deref().filter(|_| v.bars.iter().any(|b| b.detail.is_some())) {
        let _ = write!(s, "<span><i class=\"key-detail\"></i>{} (right axis)</span>", escape(d));
    }
    if v.capacity.is_some() {
        s.push_str("<span><i class=\"key-capacity\"></i>capacity</span>");
    }
    s + "<span><b>▲ hot</b> = marked hot, outlined</span></p>"
}

/// Renders the session's `Panel::Bars` when the run shows one.
#[component]
pub fn BarsPanel(session: Session) -> impl IntoView {
    let data = panel_of(session.panels, "bars");
    let wrap = NodeRef::<Div>::new();
    let width = width_of(wrap);
    let text = move |f: fn(&BarsView, f64) -> String| {
        let w = width.get().max(200.0);
        data.with(|d| match d {
            Some(Panel::Bars(v)) => f(v, w),
            _ => String::new(),
        })
    };
    view! {
        <section class="panel bars-panel" data-testid="bars-panel" aria-labelledby="bars-title">
            <h2 id="bars-title">{move || text(|v, _| v.title.clone())}</h2>
            <div class="bars-wrap" node_ref=wrap inner_html=move || text(figure)></div>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use faultline_sim::scene::BarView;

    use super::*;

    fn bars(n: usize, cap: Option<f64>) -> BarsView {
        BarsView {
            title: "Load".into(),
            unit: "req/s".into(),
            bars: (0..n)
                .map(|i| BarView {
                    label: format!("shard{}", i + 1),
                    value: 100.0 * i as f64,
                    detail: Some(10.0),
                    hot: i == n / 2,
                    tone: Tone::Good,
                })
                .collect(),
            capacity: cap,
            detail_label: Some("keys owned".into()),
        }
    }

    #[test]
    fn names_share_their_word_once() {
        let l = |v: &[&'static str]| v.to_vec();
        assert_eq!(common_prefix(&l(&["shard1", "shard2", "shard12"])), "shard");
        assert_eq!(common_prefix(&l(&["shard10", "shard11"])), "shard");
        assert_eq!(common_prefix(&l(&["alpha", "beta"])), "");
        assert_eq!(common_prefix(&l(&["a", "ab"])), "", "a name would be left empty");
        assert_eq!(common_prefix(&l(&["only1"])), "");
        assert_eq!(common_prefix(&l(&["é1", "é2"])), "é");
        assert_eq!(label_stride(40.0, 10.0), 1);
        assert_eq!(label_stride(5.0, 14.0), 4);
    }

    #[test]
    fn the_picture_marks_hot_bars_and_the_capacity_whatever_the_input() {
        let v = bars(5, Some(400.0));
        let s = svg(&v, 560.0);
        assert!(s.contains("capacity 400 req/s") && s.contains("▲ hot"), "{s}");
        assert_eq!(s.matches("<rect").count(), 10, "a bar and a detail bar each");
        // 64 bars on a phone: thin, not every one named, the hot one named by its mark.
        let many = bars(64, Some(400.0));
        let s = svg(&many, 340.0);
        assert!(s.contains("▲ shard33 hot"), "the hot one keeps its name");
        assert!(s.matches("text-anchor=\"middle\">").count() < 40);
        // Bad input: no capacity, NaN values, thousands of bars, an empty list — never a panic or a NaN.
        let mut bad = bars(3, Some(0.0));
        bad.bars[0].value = f64::NAN;
        bad.bars[1].detail = Some(f64::INFINITY);
        for v in [bad, bars(0, None), bars(5_000, Some(1.0))] {
            let s = svg(&v, 200.0);
            assert!(!s.contains("NaN") && !s.contains("inf"), "{}", &s[..s.len().min(400)]);
            assert!(!summary(&v).is_empty());
        }
    }
}
