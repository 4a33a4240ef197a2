//! What leaves the page and what comes back: file names, the run JSON (the headless runner's own report
//! types, so `faultline run` on the same inputs prints the same trace hash, metrics, counters and events),
//! the series as CSV, and a run JSON read back into the query string that opens it — where its values are
//! checked exactly like a link's. Pure functions, tested natively; `widgets::export` does the downloads.
//!
//! ```
//! use faultline::export::file_name;
//! assert_eq!(file_name("saga", 7, 12.5, "json"), "faultline-saga-seed7-t12.5.json");
//! ```

use faultline_sim::report::{RunInputs, RunReport};
use faultline_sim::scene::{Run, charts};

use crate::url_state::encode_component;

/// `faultline-<scene>-seed<seed>-t<seconds>.<ext>`: what the file is, from its name.
pub fn file_name(scene: &str, seed: u64, t_s: f64, ext: &str) -> String {
    let t = format!("{:.3}", t_s.max(0.0));
    let t = t.trim_end_matches('0').trim_end_matches('.');
    format!("faultline-{scene}-seed{seed}-t{t}.{ext}")
}

/// The run up to its current moment, as the runner prints it.
pub fn run_json(run: &dyn Run, seed: u64) -> String {
    RunReport::of(run, seed).to_json()
}

/// The series the run's charts draw: (name, points), each once, in chart order.
pub fn chart_series(run: &dyn Run) -> Vec<(&'static str, Vec<(f64, f64)>)> {
    let panels = run.panels();
    let mut out: Vec<(&'static str, Vec<(f64, f64)>)> = Vec::new();
    for chart in charts(&panels) {
        for name in chart.lines.iter().map(|l| l.series).chain(chart.band.map(|b| b.series)) {
            if !out.iter().any(|(n, _)| *n == name) {
                out.push((name, run.series(name)));
            }
        }
    }
    out
}

/// The most common gap between consecutive times, if the series is regular (that gap is at least half of
/// them): a bucketed series' bucket width. Step series (a state's changes) have none.
fn bucket_width(points: &[(f64, f64)]) -> Option<f64> {
    if points.len() < 3 {
        return None;
    }
    let gaps: Vec<i64> = points.windows(2).map(|w| ((w[1].0 - w[0].0) * 1e6).round() as i64).collect();
    let mut best = (0i64, 0usize);
    for &g in &gaps {
        let n = gaps.iter().filter(|&&x| x == g).count();
        if n > best.1 || (n == best.1 && g > best.0) {
            best = (g, n);
        }
    }
    (best.0 > 0 && best.1 * 2 >= gaps.len()).then_some(best.0 as f64 / 1e6)
}

fn number(v: f64) -> String {
    if !v.is_finite() {
        return String::new();
    }
    let s = format!("{:.6}", v);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.to_string() }
}

/// The series as CSV: `t_s` then one column per series; one row per time bucket of the coarsest bucketed
/// series (1 s when none is bucketed), the others resampled to it by their last value at or before each
/// row's time (empty before their first point).
pub fn series_csv(series: &[(&str, Vec<(f64, f64)>)], t_end: f64) -> String {
    let grid_step = series
        .iter()
        .filter_map(|(_, p)| bucket_width(p))
        .fold(None, |a: Option<f64>, w| Some(a.map_or(w, |a| a.max(w))));
    let rows: Vec<f64> = match series.iter().find(|(_, p)| bucket_width(p) == grid_step && grid_step.is_some()) {
        Some((_, p)) => p.iter().map(|q| q.0).collect(),
        None => (0..=t_end.max(0.0).floor() as usize).map(|i| i as f64).collect(),
    };
    let mut out = String::from("t_s");
    for (name, _) in series {
        out.push(',');
        out.push_str(name);
    }
    out.push('\n');
    let mut cursors = vec![0usize; series.len()];
    for t in rows {
        out.push_str(&number(t));
        for (k, (_, pts)) in series.iter().enumerate() {
            while cursors[k] < pts.len() && pts[cursors[k]].0 <= t + 1e-9 {
                cursors[k] += 1;
            }
            out.push(',');
            if cursors[k] > 0 {
                out.push_str(&number(pts[cursors[k] - 1].1));
            }
        }
        out.push('\n');
    }
    out
}

/// The query string that opens a run JSON at its moment; its values are then checked like a link's (an
/// unknown scene, a value out of range, a bad fault: the same notices).
pub fn query_of_run(text: &str) -> Result<String, String> {
    let inputs = RunInputs::from_json(text)?;
    let params = inputs.params.iter().map(|(k, v)| format!("{k}:{v}")).collect::<Vec<_>>().join(",");
    Ok(format!(
        "?scene={}&seed={}&t={}&p={}&f={}",
        encode_component(&inputs.scene),
        inputs.seed,
        number(inputs.duration_s),
        encode_component(&params),
        encode_component(&inputs.faults)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use faultline_sim::kernel::SimTime;

    #[test]
    fn csv_rows_follow_the_coarsest_bucketed_series() {
        let fine = (0..=8).map(|i| (i as f64 * 0.5, i as f64)).collect::<Vec<_>>();
        let coarse = (0..=4).map(|i| (i as f64, 10.0 * i as f64)).collect::<Vec<_>>();
        let steps = vec![(0.0, 0.0), (2.2, 1.0)];
        let csv = series_csv(&[("fine", fine), ("coarse", coarse), ("state", steps)], 4.0);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[0], "t_s,fine,coarse,state");
        assert_eq!(lines.len(), 6, "one row per second: {csv}");
        assert_eq!(lines[3], "2,4,20,0");
        assert_eq!(lines[4], "3,6,30,1", "held at its last value");
    }

    #[test]
    fn csv_of_every_scene_has_a_value_in_every_column_once_each_series_began() {
        for scene in faultline_sim::scenes() {
            let mut run = scene.build(scene.default_params(), 1, Vec::new());
            run.advance_to(SimTime::from_secs(6));
            let series = chart_series(run.as_ref());
            let csv = series_csv(&series, 6.0);
            let mut lines = csv.lines();
            let cols = lines.next().unwrap().split(',').count();
            assert_eq!(cols, series.len() + 1, "{}", scene.id());
            let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
            assert!(rows.len() >= 5, "{}: {} rows", scene.id(), rows.len());
            for r in &rows {
                assert_eq!(r.len(), cols, "{}", scene.id());
                assert!(r.iter().all(|c| c.is_empty() || c.parse::<f64>().is_ok()), "{}: {r:?}", scene.id());
            }
        }
    }

    #[test]
    fn a_run_json_round_trips_into_the_query_that_opens_it() {
        let scene = faultline_sim::scene_by_id("circuit-breaker").unwrap();
        let (script, _) = faultline_sim::scene::parse_script_lenient("2:crash:dependency,4:set:failure_rate=0.5");
        let mut params = scene.default_params();
        params.set("request_rate", "55").unwrap();
        let mut run = scene.build(params.clone(), 9, script.clone());
        run.advance_to(SimTime::from_secs_f64(6.25));
        let q = query_of_run(&run_json(run.as_ref(), 9)).unwrap();
        let pairs = crate::url_state::parse_query(&q);
        let (state, notices) = crate::url_state::resolve(scene, &pairs);
        assert!(notices.is_empty(), "{notices:?}");
        assert_eq!(
            (state.seed, state.t, &state.params, &state.script),
            (9, SimTime::from_secs_f64(6.25), &params, &script)
        );
        assert!(query_of_run("{\"hello\": 1}").unwrap_err().contains("not a Faultline run"));
    }

    #[test]
    fn file_names_say_what_they_are() {
        assert_eq!(file_name("circuit-breaker", 1, 12.0, "csv"), "faultline-circuit-breaker-seed1-t12.csv");
        assert_eq!(file_name("cap", 3, 0.1234, "png"), "faultline-cap-seed3-t0.123.png");
    }
}
