//! Plumbing shared by the panel widgets drawn to their own width (ring, bars, heatmap): a width signal that
//! follows an element's box, a 2-D canvas context in CSS pixels, a categorical palette for identities, and
//! the escaping of text put into SVG markup. Drawn to the real width, text keeps its CSS size on a phone.

use crate::widgets::effect;
use crate::widgets::memo;
use faultline_sim::scene::Panel;
use leptos::html::Div;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};

/// Okabe–Ito's eight colours, for identities (owners), not states: an identity also gets a name and,
/// past eight, a stripe ([`pattern_group`]).
pub const CATEGORICAL: [&str; 8] =
    ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"];

/// The colour of identity `i`.
pub fn category(i: usize) -> &'static str {
    CATEGORICAL[i % CATEGORICAL.len()]
}

/// 0 for the first eight identities (plain colour), 1, 2, … for the next eights (a stripe each).
pub fn pattern_group(i: usize) -> usize {
    i / CATEGORICAL.len()
}

/// The run's panel `id`, if it shows one (one memo type for every panel widget: fewer copies of the
/// reactive machinery in the app's code).
pub fn panel_of(panels: RwSignal<Vec<Panel>>, id: &'static str) -> Memo<Option<Panel>> {
    memo(move |_| panels.with(|ps| ps.iter().find(|p| p.id() == id).cloned()))
}

/// Sets `el`'s attributes (hooks for tests, labels, styles) from a widget's draw step.
pub fn set_attrs(el: &web_sys::Element, attrs: &[(&str, String)]) {
    for (k, v) in attrs {
        if el.get_attribute(k).as_deref() != Some(v.as_str()) {
            let _ = el.set_attribute(k, v);
        }
    }
}

/// The content width of `el` in CSS pixels, kept up to date on window resizes (0 until it is mounted).
pub fn width_of(el: NodeRef<Div>) -> RwSignal<f64> {
    let w = RwSignal::new(0.0);
    let measure = move || {
        if let Some(e) = el.get_untracked() {
            let px = e.client_width() as f64;
            if (px - w.get_untracked()).abs() >= 1.0 {
                w.set(px);
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
    w
}

/// The canvas's 2-D context, its backing store sized to `w`×`h` CSS pixels at the device pixel ratio,
/// cleared, and scaled so that drawing is in CSS pixels. `None` for an empty size.
pub fn context(canvas: &HtmlCanvasElement, w: f64, h: f64) -> Option<CanvasRenderingContext2d> {
    if !(w >= 1.0 && h >= 1.0) {
        return None;
    }
    let dpr = window().device_pixel_ratio().clamp(1.0, 4.0);
    let (pw, ph) = ((w * dpr).round() as u32, (h * dpr).round() as u32);
    if canvas.width() != pw || canvas.height() != ph {
        canvas.set_width(pw);
        canvas.set_height(ph);
    }
    let ctx = canvas.get_context("2d").ok().flatten()?.dyn_into::<CanvasRenderingContext2d>().ok()?;
    ctx.set_transform(dpr, 0.0, 0.0, dpr, 0.0, 0.0).ok();
    ctx.clear_rect(0.0, 0.0, w, h);
    Some(ctx)
}

/// `s` made safe inside SVG/HTML markup (text and attribute values).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
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

/// A finite, non-negative value (NaN and negatives count as 0).
pub fn clean(v: f64) -> f64 {
    if v.is_finite() && v > 0.0 { v } else { 0.0 }
}

/// 1, 2, 5 × 10^k at or above `v` (1 for nothing to show).
pub fn nice_ceil(v: f64) -> f64 {
    if !(v.is_finite() && v > 0.0) {
        return 1.0;
    }
    let p = 10f64.powf(v.log10().floor());
    [1.0, 2.0, 5.0, 10.0].into_iter().map(|m| m * p).find(|&c| c >= v * 0.999_999).unwrap_or(10.0 * p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers_clamp_and_round() {
        assert_eq!(escape("a<b>&\"c\""), "a&lt;b&gt;&amp;&quot;c&quot;");
        assert_eq!(clean(f64::NAN), 0.0);
        assert_eq!(clean(-3.0), 0.0);
        assert_eq!(clean(f64::INFINITY), 0.0);
        assert_eq!(nice_ceil(430.0), 500.0);
        assert_eq!(nice_ceil(0.0), 1.0);
        assert_eq!(nice_ceil(1.0), 1.0);
        assert_eq!(nice_ceil(1.2), 2.0);
        assert_eq!((category(8), pattern_group(8), pattern_group(7)), (CATEGORICAL[0], 1, 0));
    }
}
