//! The headless runner's report: one run rendered as JSON, and a tiny JSON writer (no dependency needed
//! for this much).

use std::fmt::Write;

use crate::kernel::{Field, SimTime};
use crate::scene::{Run, format_script};

/// Writes a JSON string literal.
pub fn json_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Writes a JSON number (non-finite values become null).
pub fn json_num(out: &mut String, v: f64) {
    if v.is_finite() {
        if v == v.trunc() && v.abs() < 1e15 {
            let _ = write!(out, "{}", v as i64);
        } else {
            let _ = write!(out, "{}", (v * 1e6).round() / 1e6);
        }
    } else {
        out.push_str("null");
    }
}

/// The full report of a run at its current time.
pub fn run_report(run: &dyn Run, seed: u64) -> String {
    let mut o = String::with_capacity(64 * 1024);
    o.push_str("{\"scene\":");
    json_str(&mut o, run.scene_id());
    let _ = write!(o, ",\"seed\":{seed},\"duration_s\":");
    json_num(&mut o, run.now().as_secs_f64());
    o.push_str(",\"params\":{");
    for (i, (name, value)) in run.params().formatted().iter().enumerate() {
        if i > 0 {
            o.push(',');
        }
        json_str(&mut o, name);
        o.push(':');
        match value.parse::<f64>() {
            Ok(v) => json_num(&mut o, v),
            Err(_) => json_str(&mut o, value),
        }
    }
    o.push_str("},\"faults\":");
    json_str(&mut o, &format_script(run.script()));
    let _ = write!(o, ",\"trace_hash\":\"{:016x}\",\"metrics\":{{", run.trace_hash());
    for (i, (name, v)) in run.metrics().iter().enumerate() {
        if i > 0 {
            o.push(',');
        }
        json_str(&mut o, name);
        o.push(':');
        json_num(&mut o, *v);
    }
    o.push_str("},\"counters\":{");
    for (i, c) in run.counters().iter().enumerate() {
        if i > 0 {
            o.push(',');
        }
        json_str(&mut o, c.name);
        let _ = write!(o, ":{}", c.value);
    }
    o.push_str("},\"series\":{");
    let mut first = true;
    for chart in run.charts() {
        let names = chart.lines.iter().map(|l| l.series).chain(chart.band.map(|b| b.series));
        for name in names {
            if o.contains(&format!("\"{name}\":[")) {
                continue;
            }
            if !first {
                o.push(',');
            }
            first = false;
            json_str(&mut o, name);
            o.push_str(":[");
            for (i, (t, v)) in run.series(name).iter().enumerate() {
                if i > 0 {
                    o.push(',');
                }
                o.push('[');
                json_num(&mut o, *t);
                o.push(',');
                json_num(&mut o, *v);
                o.push(']');
            }
            o.push(']');
        }
    }
    o.push_str("},\"events\":[");
    for (i, e) in run.log().iter().enumerate() {
        if i > 0 {
            o.push(',');
        }
        o.push_str("{\"t_s\":");
        json_num(&mut o, e.t.as_secs_f64());
        o.push_str(",\"kind\":");
        json_str(&mut o, e.kind);
        o.push_str(",\"text\":");
        json_str(&mut o, &e.text);
        for (k, v) in &e.fields {
            o.push(',');
            json_str(&mut o, k);
            o.push(':');
            match v {
                Field::Str(s) => json_str(&mut o, s),
                Field::Num(x) => json_num(&mut o, *x),
                Field::Int(x) => {
                    let _ = write!(o, "{x}");
                }
            }
        }
        o.push('}');
    }
    o.push_str("]}");
    o
}

/// Formats a time as seconds with millisecond precision, for narration.
pub fn secs(t: SimTime) -> String {
    format!("{:.2}", t.as_secs_f64())
}
