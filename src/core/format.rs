//! How the UI writes times and numbers: one place, so the narration, readouts and URL agree.

use std::fmt::Write;

use faultline_sim::kernel::SimTime;

/// "t = 12.34 s", the transport's readout.
pub fn time_readout(t: SimTime) -> String {
    format!("t = {:.2} s", t.as_secs_f64())
}

/// "12.40 s", used in narration and jump links.
pub fn secs(t: SimTime) -> String {
    format!("{:.2} s", t.as_secs_f64())
}

/// A trace hash as the 16 hex digits the headless runner prints.
pub fn hash_hex(h: u64) -> String {
    format!("{h:016x}")
}

/// Axis label: integers without decimals, small values with up to two.
pub fn axis_number(v: f64) -> String {
    let mut s = String::new();
    if v == 0.0 || v.abs() >= 10.0 || (v - v.round()).abs() < 1e-9 {
        let _ = write!(s, "{:.0}", v);
    } else if v.abs() >= 1.0 {
        let _ = write!(s, "{:.1}", v);
    } else {
        let _ = write!(s, "{:.2}", v);
    }
    s
}

/// Speed as the transport shows it ("0.25×", "5×").
pub fn speed(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 { format!("{v:.0}×") } else { format!("{v}×") }
}

/// A metric in a few characters: whole numbers with thousands separators ("12,345", "1.23 M" past a
/// million), fractions with three significant digits ("0.0123", "4.56", "78.9"); "–" when undefined.
pub fn compact_number(v: f64) -> String {
    if !v.is_finite() {
        return "–".to_string();
    }
    let a = v.abs();
    if a >= 1e6 {
        return format!("{:.2} M", v / 1e6);
    }
    if (v - v.round()).abs() < 1e-9 || a >= 100.0 {
        let n = v.round() as i64;
        let digits = n.unsigned_abs().to_string();
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(c);
        }
        return if n < 0 { format!("-{out}") } else { out };
    }
    if a >= 10.0 {
        format!("{v:.1}")
    } else if a >= 1.0 {
        format!("{v:.2}")
    } else {
        format!("{:.*}", (2 - a.log10().floor() as i32).clamp(2, 6) as usize, v)
    }
}
