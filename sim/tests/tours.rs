//! Every scene's guided tour against its own simulation: 3–6 steps; every step's state is valid (the preset
//! exists, parameters exist and parse, faults parse and name what the scene has); every prediction's window
//! lies after the step's moment; and, running the step natively, the author's answer is right for the
//! measured value while a wrong answer is scored wrong — so a tour never ships a question the run
//! contradicts. Every failure names the scene, step and seed. `TOUR_DUMP=1` prints each measured value.

use faultline_sim::scene::tour::{Answer, Verdict};
use faultline_sim::scenes;

#[test]
fn every_scene_has_a_tour_of_three_to_six_steps_with_predictions() {
    for scene in scenes() {
        let n = scene.tour().len();
        assert!((3..=6).contains(&n), "{}: {n} tour steps (want 3–6)", scene.id());
        let with_prediction = scene.tour().iter().filter(|s| s.prediction.is_some()).count();
        assert!(with_prediction >= 2, "{}: {with_prediction} predictions (want at least 2)", scene.id());
    }
}

#[test]
fn every_step_state_is_valid_and_every_prediction_is_scored_from_the_run() {
    let dump = std::env::var_os("TOUR_DUMP").is_some();
    let mut failures = Vec::new();
    for scene in scenes() {
        for (i, step) in scene.tour().iter().enumerate() {
            let at = format!("{} tour step {} ({}), seed={}", scene.id(), i + 1, step.title, step.seed);
            let (params, script) = step.inputs(*scene).unwrap_or_else(|e| panic!("{at}: {e}"));
            let sentences = step.text.matches(". ").count() + 1;
            assert!((2..=5).contains(&sentences), "{at}: text has {sentences} sentences (want 2–4)");
            let Some(p) = step.prediction else { continue };
            assert!(p.window_ms.0 >= step.at_ms && p.window_ms.1 > p.window_ms.0, "{at}: window {:?}", p.window_ms);
            assert!(p.window_ms.1 <= 60_000, "{at}: window ends past 60 s");
            let run = scene.build(params, step.seed, script);
            let measured = p.measure_run(run).unwrap_or_else(|| panic!("{at}: '{}' not measured", p.measure.name()));
            if dump {
                println!("{at}: {} = {measured}", p.measure.describe());
            }
            if p.score(p.expected, measured) != Verdict::Right {
                failures.push(format!("{at}: the tour's answer {} is wrong for the measured {measured}", p.expected));
            }
            let wrong = match p.answer {
                Answer::Numeric { tolerance, .. } => measured + tolerance.allowed(measured) + 1.0,
                Answer::Choice { options } => ((p.expected as usize + 1) % options.len()) as f64,
            };
            if p.score(wrong, measured) != Verdict::Wrong {
                failures.push(format!("{at}: the wrong answer {wrong} scored right for the measured {measured}"));
            }
            if let Answer::Choice { options } = p.answer {
                assert!(options.len() >= 2, "{at}: a choice needs two options");
                assert!(options.windows(2).all(|w| w[0].below < w[1].below), "{at}: option bounds must increase");
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
