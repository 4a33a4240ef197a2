//! Guided tours in the page, the pure half: which step a `?tour=ID&step=N` link opens (a bad step number is
//! clamped, with a notice), the state it opens in, and how a measured value and a verdict are worded. The
//! tour card (`widgets/tour.rs`) shows them; the tours themselves are data beside each scene in `sim/`.

use faultline_sim::scene::Scene;
use faultline_sim::scene::tour::{Answer, Prediction, TourStep, Verdict};

/// The link that opens step `n` (1-based) of a scene's tour.
pub fn step_href(scene_id: &str, n: usize) -> String {
    format!("?tour={scene_id}&step={n}")
}

/// The step (1-based) a `step=` value asks for, clamped to the tour; the notice says what was changed.
/// `None` when the scene has no tour.
pub fn resolve_step(scene: &dyn Scene, step: Option<&str>) -> (Option<usize>, Option<String>) {
    let n = scene.tour().len();
    if n == 0 {
        return (None, Some(format!("{} has no guided tour yet; showing the scene", scene.title())));
    }
    let Some(text) = step else { return (Some(1), None) };
    match text.trim().parse::<i64>() {
        Ok(k) if (1..=n as i64).contains(&k) => (Some(k as usize), None),
        Ok(k) => {
            let c = k.clamp(1, n as i64) as usize;
            (Some(c), Some(format!("the {} tour has steps 1 to {n}, not {k}; showing step {c}", scene.title())))
        }
        Err(_) => (Some(1), Some(format!("tour step '{text}' is not a number from 1 to {n}; showing step 1"))),
    }
}

/// The step a 1-based number names.
pub fn step(scene: &dyn Scene, n: usize) -> Option<&'static TourStep> {
    scene.tour().get(n.checked_sub(1)?)
}

/// A measured value as the card shows it: whole numbers as such, shares (0..1) as percentages.
pub fn format_measured(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        crate::core::format::compact_number(v.round())
    } else if v.abs() <= 1.0 {
        format!("{:.0}%", v * 100.0)
    } else if v.abs() < 10.0 {
        format!("{v:.1}")
    } else {
        crate::core::format::compact_number(v.round())
    }
}

/// The reader's answer as text (the number typed, or the option chosen).
pub fn answer_text(p: &Prediction, answer: f64) -> String {
    match p.answer {
        Answer::Numeric { unit, .. } => {
            format!("{} {unit}", crate::core::format::compact_number(answer)).trim().to_string()
        }
        Answer::Choice { options } => {
            options.get(answer as usize).map_or_else(String::new, |b| format!("“{}”", b.label))
        }
    }
}

/// "Measured: 16 recomputes (increase of recomputes from 4 s to 6 s)".
pub fn measured_text(p: &Prediction, measured: f64) -> String {
    let (from, to) = p.window_ms;
    let secs = |ms: u64| (ms as f64 / 1000.0).to_string();
    let value = match p.answer {
        Answer::Numeric { unit, .. } => format!("{} {unit}", format_measured(measured)).trim().to_string(),
        Answer::Choice { options } => {
            let right = p.answer.right_option(measured).and_then(|i| options.get(i)).map_or("", |b| b.label);
            format!("{} — that is “{right}”", format_measured(measured))
        }
    };
    format!("Measured: {value} ({} from {} s to {} s)", p.measure.describe(), secs(from), secs(to))
}

/// "your answer 1 recomputes: wrong (right is within ±6 recomputes of the measured value)".
pub fn verdict_text(p: &Prediction, answer: Option<f64>, measured: f64) -> String {
    match answer {
        None => "You gave no answer; the measured value is above.".to_string(),
        Some(a) => {
            let v = match p.score(a, measured) {
                Verdict::Right => "right",
                Verdict::Wrong => "wrong",
            };
            let rule = match p.answer {
                Answer::Numeric { .. } => format!("right is {} of the measured value", p.answer.rule()),
                Answer::Choice { .. } => "right is the option whose range holds the measured value".to_string(),
            };
            format!("Your answer {}: {v} ({rule}).", answer_text(p, a))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stampede() -> &'static dyn Scene {
        faultline_sim::scene_by_id("cache-stampede").unwrap()
    }

    #[test]
    fn a_bad_step_number_is_clamped_with_a_notice() {
        let n = stampede().tour().len();
        assert_eq!(resolve_step(stampede(), Some("2")), (Some(2), None));
        assert_eq!(resolve_step(stampede(), None), (Some(1), None));
        let (s, notice) = resolve_step(stampede(), Some("99"));
        assert_eq!(s, Some(n));
        assert!(notice.unwrap().contains("not 99"));
        let (s, notice) = resolve_step(stampede(), Some("0"));
        assert_eq!(s, Some(1));
        assert!(notice.is_some());
        let (s, notice) = resolve_step(stampede(), Some("x"));
        assert_eq!(s, Some(1));
        assert!(notice.unwrap().contains("'x'"));
    }

    #[test]
    fn measured_values_and_verdicts_read_as_words() {
        assert_eq!(format_measured(16.0), "16");
        assert_eq!(format_measured(0.623), "62%");
        let p = step(stampede(), 1).unwrap().prediction.unwrap();
        assert!(measured_text(&p, 16.0).starts_with("Measured: 16 recomputes"));
        assert!(verdict_text(&p, Some(18.0), 16.0).contains(": right"));
        assert!(verdict_text(&p, Some(1.0), 16.0).contains(": wrong"));
    }

    #[test]
    fn every_tour_step_link_opens_its_own_state() {
        for scene in faultline_sim::scenes() {
            for (i, s) in scene.tour().iter().enumerate() {
                let pairs = crate::url_state::parse_query(&step_href(scene.id(), i + 1));
                assert_eq!(crate::url_state::route(&pairs), crate::url_state::Route::Scene(scene.id()));
                let (state, notices) = crate::url_state::resolve(*scene, &pairs);
                assert!(notices.is_empty(), "{} step {}: {notices:?}", scene.id(), i + 1);
                let (params, script) = s.inputs(*scene).unwrap();
                assert_eq!((state.params, state.script, state.seed, state.t), (params, script, s.seed, s.at()));
                assert_eq!(state.tour_step, Some(i + 1));
                // The address bar keeps the tour, and reading it back gives the same state.
                let again = crate::url_state::encode(&crate::url_state::resolve(*scene, &pairs).0);
                assert!(again.starts_with(&format!("?tour={}&step={}", scene.id(), i + 1)), "{again}");
                let (back, notices) = crate::url_state::resolve(*scene, &crate::url_state::parse_query(&again));
                assert!(notices.is_empty(), "{again}: {notices:?}");
                assert_eq!(back.tour_step, Some(i + 1));
                assert_eq!((back.params, back.script), s.inputs(*scene).unwrap());
            }
        }
    }
}
