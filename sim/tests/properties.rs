//! One property test for every registered scene: random valid parameters and random fault scripts (crashes,
//! restarts, cuts, heals, triggers, parameter changes, all named from the scene's own description) never
//! panic, every invariant whose condition holds stays at 0, every panel can be built and the runner's report
//! serialises. A new scene gets this test by being registered. Each failure prints the seed and the inputs
//! that reproduce it.

use std::time::Instant;

use faultline_sim::kernel::{RngStream, SimTime};
use faultline_sim::report::RunReport;
use faultline_sim::scene::Panel;
use faultline_sim::{scenes, testing};

/// Cases per scene, virtual seconds per case, and the most events a case may process (a random rate at the
/// top of its range is many events per virtual second; the case then stops early rather than run for long).
const CASES: u64 = 24;
const DURATION_S: u64 = 20;
const MAX_EVENTS: u64 = 400_000;

#[test]
fn random_parameters_and_fault_scripts_keep_every_invariant() {
    for scene in scenes() {
        let started = Instant::now();
        let mut rng = RngStream::new(0x5eed, &format!("properties.{}", scene.id()));
        for case in 0..CASES {
            let seed = rng.below(1 << 40);
            let params = testing::random_params(*scene, &mut rng);
            let script = testing::random_script(*scene, &mut rng, DURATION_S as f64 * 0.6, 6);
            let what = format!(
                "{} case {case}: params {:?} script {}",
                scene.id(),
                params.formatted(),
                faultline_sim::scene::format_script(&script)
            );
            let mut run = scene.build(params, seed, script);
            let mut t = SimTime::ZERO;
            while t < SimTime::from_secs(DURATION_S) && run.n_events() < MAX_EVENTS {
                t += 250_000;
                run.advance_to(t);
                // What a reader sees must be buildable at any moment: every message lands on a box or on a
                // node that has left the topology, never on a missing index.
                let panels = run.panels();
                assert!(matches!(panels.first(), Some(Panel::Topology(_))), "seed={seed} {what}: topology first");
            }
            testing::assert_invariants(run.as_ref(), seed, &what);
            let json = RunReport::of(run.as_ref(), seed).to_json();
            assert!(serde_json::from_str::<serde_json::Value>(&json).is_ok(), "seed={seed} {what}: report is JSON");
        }
        println!("{}: {CASES} cases in {:.1} s", scene.id(), started.elapsed().as_secs_f64());
    }
}

#[test]
fn invariant_tables_have_unique_names() {
    for scene in scenes() {
        let run = scene.build(scene.default_params(), 1, vec![]);
        let names: Vec<_> = run.invariants().specs().iter().map(|s| s.name).collect();
        let mut sorted = names.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), names.len(), "{}: duplicate invariant names {names:?}", scene.id());
    }
}
