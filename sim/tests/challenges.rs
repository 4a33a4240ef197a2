//! Every shipped challenge, judged natively: its known-good setting passes, its setup (the reader changing
//! nothing) fails, and its data is well-formed (parameters, faults and metrics exist; the known-good setting
//! touches only what the reader may change). Every message names the scene, the challenge and the seed.

use faultline_sim::scene::challenge::{self, Status};
use faultline_sim::scenes;

fn describe(v: &challenge::Verdict, ch: &faultline_sim::scene::Challenge) -> String {
    ch.goals
        .iter()
        .zip(&v.goals)
        .map(|(g, r)| {
            format!("{}: {} (goal {}) {}", g.label, g.unit.format(r.measured), g.target_text(), r.status.word())
        })
        .collect::<Vec<_>>()
        .join("; ")
}

#[test]
fn every_scene_ships_at_least_two_challenges() {
    for scene in scenes() {
        assert!(scene.challenges().len() >= 2, "{} ships {} challenges", scene.id(), scene.challenges().len());
        let mut ids: Vec<_> = scene.challenges().iter().map(|c| c.id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), scene.challenges().len(), "{}: challenge ids must be unique", scene.id());
    }
}

#[test]
fn challenges_are_well_formed() {
    for scene in scenes() {
        for ch in scene.challenges() {
            let tag = format!("{}/{} (seed {})", scene.id(), ch.id, ch.seed);
            let (params, script) = challenge::setup_inputs(*scene, ch).unwrap_or_else(|e| panic!("{tag}: {e}"));
            assert!(!ch.goals.is_empty() && ch.duration_s > 0, "{tag}: needs goals and a duration");
            assert!(!ch.may_change.is_empty(), "{tag}: the reader must be able to change something");
            for name in ch.may_change {
                assert!(scene.params().iter().any(|s| s.name == *name), "{tag}: may_change names unknown '{name}'");
            }
            assert!(!ch.known_good.is_empty(), "{tag}: needs a known-good setting");
            for (name, _) in ch.known_good {
                assert!(ch.may_change.contains(name), "{tag}: known-good changes locked parameter '{name}'");
            }
            let good = challenge::known_good_params(*scene, ch).unwrap_or_else(|e| panic!("{tag}: {e}"));
            assert!(
                challenge::off_challenge(*scene, ch, &good, ch.seed, &script).is_empty(),
                "{tag}: the known-good setting is off the challenge"
            );
            assert!(challenge::off_challenge(*scene, ch, &params, ch.seed, &script).is_empty(), "{tag}: setup is off");
            let run = scene.build(params, ch.seed, script);
            let metrics = run.metrics();
            for g in ch.goals {
                for m in g.measure.metrics() {
                    assert!(metrics.iter().any(|(n, _)| *n == m), "{tag}: goal reads unknown metric '{m}'");
                }
            }
        }
    }
}

#[test]
fn known_good_passes_and_setup_fails() {
    for scene in scenes() {
        for ch in scene.challenges() {
            let tag = format!("{}/{} (seed {})", scene.id(), ch.id, ch.seed);
            let good = challenge::judge_known_good(*scene, ch).unwrap_or_else(|e| panic!("{tag}: {e}"));
            assert!(good.done && good.pass, "{tag}: the known-good setting fails: {}", describe(&good, ch));
            let setup = challenge::judge_setup(*scene, ch).unwrap_or_else(|e| panic!("{tag}: {e}"));
            assert!(setup.done && !setup.pass, "{tag}: the setup already passes: {}", describe(&setup, ch));
            println!("{tag}\n  setup:      {}\n  known-good: {}", describe(&setup, ch), describe(&good, ch));
        }
    }
}

#[test]
fn progress_before_the_end_agrees_with_the_final_verdict() {
    // A goal decided early never changes its mind: what `progress` says mid-run is what `judge` says at the end.
    for scene in scenes() {
        for ch in scene.challenges() {
            let tag = format!("{}/{} (seed {})", scene.id(), ch.id, ch.seed);
            for params in
                [challenge::setup_inputs(*scene, ch).unwrap().0, challenge::known_good_params(*scene, ch).unwrap()]
            {
                let script = challenge::setup_inputs(*scene, ch).unwrap().1;
                let mut run = scene.build(params.clone(), ch.seed, script.clone());
                let end = challenge::judge(*scene, ch, params, ch.seed, script);
                let step = ch.end().as_micros() / 6;
                for i in 1..6 {
                    run.advance_to(faultline_sim::kernel::SimTime::from_micros(step * i));
                    let mid = challenge::progress(ch, run.as_ref());
                    assert!(!mid.done && !mid.pass, "{tag}: done before the end");
                    for (k, (m, e)) in mid.goals.iter().zip(&end.goals).enumerate() {
                        assert!(
                            m.status == Status::Open || m.status == e.status,
                            "{tag}: goal {k} said {:?} at {} but {:?} at the end",
                            m.status,
                            run.now(),
                            e.status
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn off_challenge_names_locked_changes() {
    let scene = faultline_sim::scene_by_id("circuit-breaker").unwrap();
    let ch = scene.challenge("keep-the-caller-alive").unwrap();
    let (mut params, mut script) = challenge::setup_inputs(scene, ch).unwrap();
    params.set("pool_size", "200").unwrap();
    script.push("4:crash:dependency".parse().unwrap());
    script.push("5:set:open_wait_ms=1000".parse().unwrap());
    let off = challenge::off_challenge(scene, ch, &params, 9, &script);
    assert_eq!(off.len(), 3, "{off:?}");
    assert!(off[0].contains("locked") && off[1].contains("seed") && off[2].contains("crash"), "{off:?}");
}
