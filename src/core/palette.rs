//! Tone → colour and shape. Okabe–Ito colours stay distinct under the common colour-vision deficiencies,
//! and every tone also has a symbol and a marker shape so that colour is never the only signal.

use faultline_sim::scene::Tone;

/// Marker drawn for a tone on the message canvas and in chart legends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Marker {
    Circle,
    Square,
    Triangle,
    Diamond,
    Dot,
}

pub fn colour(tone: Tone) -> &'static str {
    match tone {
        Tone::Good => "#009E73",
        Tone::Bad => "#D55E00",
        Tone::Warn => "#E69F00",
        Tone::Info => "#0072B2",
        Tone::Neutral => "#6b7280",
    }
}

/// A pale fill of the tone, for node boxes and chart state bands (text on it stays dark and readable).
pub fn tint(tone: Tone) -> &'static str {
    match tone {
        Tone::Good => "#e3f4ee",
        Tone::Bad => "#fbe9df",
        Tone::Warn => "#fcf1db",
        Tone::Info => "#e0edf7",
        Tone::Neutral => "#f1f2f4",
    }
}

/// Symbol put before a badge word, so a state reads without colour.
pub fn symbol(tone: Tone) -> &'static str {
    match tone {
        Tone::Good => "✓",
        Tone::Bad => "✕",
        Tone::Warn => "!",
        Tone::Info => "◆",
        Tone::Neutral => "•",
    }
}

pub fn marker(tone: Tone) -> Marker {
    match tone {
        Tone::Good => Marker::Circle,
        Tone::Bad => Marker::Square,
        Tone::Warn => Marker::Triangle,
        Tone::Info => Marker::Diamond,
        Tone::Neutral => Marker::Dot,
    }
}

/// Stable small index per tone, for bucketing messages by colour on the canvas.
pub fn tone_index(tone: Tone) -> usize {
    match tone {
        Tone::Neutral => 0,
        Tone::Good => 1,
        Tone::Warn => 2,
        Tone::Bad => 3,
        Tone::Info => 4,
    }
}

pub const TONES: [Tone; 5] = [Tone::Neutral, Tone::Good, Tone::Warn, Tone::Bad, Tone::Info];

/// SVG path data of a marker of half-size `r` centred on the origin (legends use it with a transform).
pub fn marker_path(m: Marker, r: f64) -> String {
    markers_path(m, r, [(0.0, 0.0)])
}

/// Many markers of one shape as one SVG path (`points` are their centres): what a strip of slots or a
/// canvas full of dots draws with a single element or call. Same shapes as [`marker_path`].
pub fn markers_path(m: Marker, r: f64, points: impl IntoIterator<Item = (f64, f64)>) -> String {
    let ((sx, sy), rest) = match m {
        Marker::Circle | Marker::Dot => {
            let r = if m == Marker::Dot { r * 0.6 } else { r };
            ((-r, 0.0), format!("a{r:.2},{r:.2} 0 1 0 {:.2},0a{r:.2},{r:.2} 0 1 0 {:.2},0z", 2.0 * r, -2.0 * r))
        }
        Marker::Square => {
            let a = r * 1.7;
            ((-r * 0.85, -r * 0.85), format!("h{a:.2}v{a:.2}h{:.2}z", -a))
        }
        Marker::Triangle => ((0.0, -r), format!("l{r:.2},{:.2}l{:.2},0z", r * 1.8, -2.0 * r)),
        Marker::Diamond => ((0.0, -r), format!("l{r:.2},{r:.2}l{:.2},{r:.2}l{:.2},{:.2}z", -r, -r, -r)),
    };
    let mut d = String::new();
    for (x, y) in points {
        d.push('M');
        push_tenths(&mut d, x + sx);
        d.push(',');
        push_tenths(&mut d, y + sy);
        d.push_str(&rest);
    }
    d
}

/// Appends `v` with at most one decimal (`-12.3`, `4`), without the float formatter (a strip redrawn every
/// frame writes dozens of coordinates).
pub fn push_tenths(out: &mut String, v: f64) {
    let tenths = (v * 10.0).round();
    if !tenths.is_finite() {
        out.push('0');
        return;
    }
    let mut n = tenths.abs().min(1e15) as u64;
    if tenths < 0.0 && n > 0 {
        out.push('-');
    }
    let frac = (n % 10) as u8;
    n /= 10;
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &b in &digits[i..] {
        out.push(b as char);
    }
    if frac != 0 {
        out.push('.');
        out.push((b'0' + frac) as char);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenths_are_written_like_the_formatter_would() {
        for v in [0.0, 0.04, -0.04, 1.25, -1.25, 12.3, -12.3, 999.95, 100.0, -0.5, 123456.7] {
            let mut s = String::new();
            push_tenths(&mut s, v);
            let parsed: f64 = s.parse().expect("a number");
            assert!((parsed - (v * 10.0f64).round() / 10.0).abs() < 1e-9, "{v} -> {s}");
        }
        let mut s = String::new();
        push_tenths(&mut s, f64::NAN);
        assert_eq!(s, "0");
    }

    #[test]
    fn a_run_of_markers_is_one_subpath_each() {
        for m in [Marker::Circle, Marker::Dot, Marker::Square, Marker::Triangle, Marker::Diamond] {
            let d = markers_path(m, 3.0, [(10.0, 20.0), (30.0, 20.0)]);
            assert_eq!(d.matches('M').count(), 2, "{d}");
            assert!(d.ends_with('z'), "{d}");
        }
        assert_eq!(markers_path(Marker::Square, 2.0, [(10.0, 20.0)]), "M8.3,18.3h3.40v3.40h-3.40z");
        assert!(markers_path(Marker::Circle, 3.0, []).is_empty());
    }
}
