//! The client history read back from a run's `op` events — exactly what an external linearizability
//! checker would be given (Jepsen-style: invoke, return, ok / fail / unknown).
//!
//! Every client operation is one `op` event with `client`, `site`, `op` (`read`/`write`), `value` (the
//! value written, or the values read, comma-separated, empty for the empty value), `invoke_s`, `return_s`,
//! `result` (`ok`, `fail`, `unknown`) and `stale`. [`recorded_history`] turns them back into
//! [`Recorded`] operations, numbered in invoke order, so a test — or `faultline bench-checker` — can check
//! the history from the outside and compare with the verdict the scene computed live.
//!
//! ```
//! use faultline_sim::{cap::history::recorded_history, checker::check_recorded, scene_by_id, kernel::SimTime};
//! let scene = scene_by_id("cap").unwrap();
//! let (params, script) = scene.preset_inputs("cp-minority-refuses").unwrap();
//! let mut run = scene.build(params, 2, script);
//! run.advance_to(SimTime::from_secs(6));
//! let history = recorded_history(run.as_ref());
//! assert!(history.len() > 20);
//! assert_eq!(check_recorded(&history, 100_000).1.violations, 0);
//! ```

use crate::checker::{Observed, OpKind, Outcome, Recorded};
use crate::kernel::{Field, LogEntry, SimTime};
use crate::scene::Run;

fn field<'a>(e: &'a LogEntry, name: &str) -> Option<&'a Field> {
    e.fields.iter().find(|(k, _)| *k == name).map(|(_, v)| v)
}
fn text<'a>(e: &'a LogEntry, name: &str) -> &'a str {
    match field(e, name) {
        Some(Field::Str(s)) => s,
        _ => "",
    }
}
fn secs(e: &LogEntry, name: &str) -> SimTime {
    match field(e, name) {
        Some(Field::Num(x)) => SimTime::from_secs_f64(*x),
        Some(Field::Int(x)) => SimTime::from_secs(*x as u64),
        _ => SimTime::ZERO,
    }
}

/// The `op` events still in the run's log, as a history in invoke order (ids 0, 1, 2, … in that order).
pub fn recorded_history(run: &dyn Run) -> Vec<Recorded> {
    let mut ops: Vec<Recorded> = run
        .log()
        .iter()
        .filter(|e| e.kind == "op")
        .map(|e| {
            let values: Vec<u64> = text(e, "value").split(',').filter_map(|v| v.parse().ok()).collect();
            let kind = match text(e, "op") {
                "write" => OpKind::Write(values.first().copied().unwrap_or(0)),
                _ => OpKind::Read(match values.as_slice() {
                    [] => Observed::Value(0),
                    [v] => Observed::Value(*v),
                    vs => Observed::Siblings(vs.to_vec()),
                }),
            };
            let outcome = match text(e, "result") {
                "ok" => Outcome::Ok,
                "fail" => Outcome::Fail,
                _ => Outcome::Unknown,
            };
            Recorded { id: 0, invoke: secs(e, "invoke_s"), ret: secs(e, "return_s"), kind, outcome }
        })
        .collect();
    crate::checker::sort_by_key(&mut ops, |o| (o.invoke, o.ret));
    for (i, o) in ops.iter_mut().enumerate() {
        o.id = i as u64;
    }
    ops
}
