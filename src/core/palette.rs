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
    match m {
        Marker::Circle | Marker::Dot => {
            let r = if m == Marker::Dot { r * 0.6 } else { r };
            format!("M{:.1},0A{r:.1},{r:.1} 0 1,0 {:.1},0A{r:.1},{r:.1} 0 1,0 {:.1},0Z", -r, r, -r)
        }
        Marker::Square => format!("M{a:.1},{a:.1}H{b:.1}V{b:.1}H{a:.1}Z", a = -r * 0.85, b = r * 0.85),
        Marker::Triangle => format!("M0,{:.1}L{:.1},{:.1}L{:.1},{:.1}Z", -r, r, r * 0.8, -r, r * 0.8),
        Marker::Diamond => format!("M0,{:.1}L{:.1},0L0,{:.1}L{:.1},0Z", -r, r, r, -r),
    }
}
