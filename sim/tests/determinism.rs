//! Determinism over every registered scene: same inputs → same trace hash; another seed → another hash;
//! advancing in many small steps, rewinding through a timeline, or receiving the script mid-run all give
//! exactly the run that was computed in one go.

use faultline_sim::kernel::SimTime;
use faultline_sim::reference::{REFERENCE_TRACE_HASH, reference_run};
use faultline_sim::scene::{Action, Scene};
use faultline_sim::scenes;
use faultline_sim::timeline::Timeline;

fn preset_run(scene: &dyn Scene, _seed: u64) -> (faultline_sim::scene::Params, Vec<Action>) {
    scene.default_inputs()
}

#[test]
fn reference_hash_is_pinned() {
    let h = reference_run().trace_hash();
    assert_eq!(
        h, REFERENCE_TRACE_HASH,
        "reference run hash changed: {h:#018x}. If the model changed on purpose, update REFERENCE_TRACE_HASH"
    );
}

#[test]
fn same_inputs_same_hash_other_seed_other_hash() {
    for scene in scenes() {
        for seed in [1u64, 2, 99] {
            let (params, script) = preset_run(*scene, seed);
            let mut a = scene.build(params.clone(), seed, script.clone());
            let mut b = scene.build(params.clone(), seed, script.clone());
            let mut c = scene.build(params.clone(), seed + 1000, script.clone());
            let t = SimTime::from_secs(20);
            a.advance_to(t);
            b.advance_to(t);
            c.advance_to(t);
            assert!(a.n_events() > 100, "{} seed={seed}: too few events to mean anything", scene.id());
            assert_eq!(a.trace_hash(), b.trace_hash(), "{} seed={seed}", scene.id());
            assert_ne!(a.trace_hash(), c.trace_hash(), "{} seed={seed}", scene.id());
            assert_eq!(a.metrics(), b.metrics(), "{} seed={seed}", scene.id());
        }
    }
}

#[test]
fn small_steps_equal_one_big_step() {
    for scene in scenes() {
        let seed = 5;
        let (params, script) = preset_run(*scene, seed);
        let mut whole = scene.build(params.clone(), seed, script.clone());
        whole.advance_to(SimTime::from_secs(12));
        let mut stepped = scene.build(params, seed, script);
        let mut t = 0;
        while t < 12_000_000 {
            t += 16_667; // one 60 fps frame at 1x
            stepped.advance_to(SimTime(t.min(12_000_000)));
        }
        assert_eq!(whole.trace_hash(), stepped.trace_hash(), "{} seed={seed}", scene.id());
        assert_eq!(whole.metrics(), stepped.metrics(), "{} seed={seed}", scene.id());
        for chart in faultline_sim::scene::charts(&whole.panels()) {
            for line in chart.lines {
                assert_eq!(
                    whole.series(line.series),
                    stepped.series(line.series),
                    "{} series {}",
                    scene.id(),
                    line.series
                );
            }
        }
    }
}

#[test]
fn timeline_rewind_reproduces_the_same_moment() {
    for scene in scenes() {
        let seed = 8;
        let (params, script) = preset_run(*scene, seed);
        let mut tl = Timeline::new(scene.build(params.clone(), seed, script.clone()));
        tl.seek(SimTime::from_secs(40));
        for target in [SimTime::from_millis(12_345), SimTime::from_secs(3), SimTime::from_millis(39_999), SimTime::ZERO]
        {
            tl.seek(target);
            let mut fresh = scene.build(params.clone(), seed, script.clone());
            fresh.advance_to(target);
            assert_eq!(tl.run().trace_hash(), fresh.trace_hash(), "{} seed={seed} t={target}", scene.id());
            assert_eq!(tl.run().metrics(), fresh.metrics(), "{} seed={seed} t={target}", scene.id());
            assert_eq!(tl.now(), target);
        }
    }
}

#[test]
fn script_added_mid_run_equals_script_given_at_build() {
    for scene in scenes() {
        let seed = 13;
        let (params, _) = preset_run(*scene, seed);
        let node = scene.names().sample_nodes().last().unwrap().to_string();
        let script: Vec<Action> =
            vec![format!("4.5:crash:{node}").parse().unwrap(), format!("9:restart:{node}").parse().unwrap()];
        let mut built = scene.build(params.clone(), seed, script.clone());
        built.advance_to(SimTime::from_secs(15));

        // A reader plays to 7 s, then (having rewound) clicks the node at 4.5 s and 9 s.
        let mut tl = Timeline::new(scene.build(params.clone(), seed, vec![]));
        tl.seek(SimTime::from_secs(7));
        tl.set_script(script[..1].to_vec());
        tl.seek(SimTime::from_secs(2)); // rewind before the action and replay through it
        tl.seek(SimTime::from_secs(8));
        tl.set_script(script.clone());
        tl.seek(SimTime::from_secs(15));
        assert_eq!(tl.run().trace_hash(), built.trace_hash(), "{} seed={seed}", scene.id());
    }
}

#[test]
fn timeline_memory_is_bounded_over_a_long_run() {
    let scene = faultline_sim::scene_by_id("circuit-breaker").unwrap();
    let mut tl = Timeline::new(scene.build(scene.default_params(), 1, vec![]));
    let mut t = 0;
    while t < 3_600_000_000u64 {
        t += 5_000_000;
        tl.seek(SimTime(t));
    }
    assert!(tl.n_snapshots() <= 129, "{} snapshots", tl.n_snapshots());
}

/// The digests of every scene are pinned in a file that the wasm test in the browser reads too.
/// Set `UPDATE_GOLDEN=1` to rewrite it after a deliberate model change.
#[test]
fn scene_digests_match_golden_file() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/trace_hashes.txt");
    let now = faultline_sim::reference::scene_digests();
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(path, &now).unwrap();
    }
    let pinned = std::fs::read_to_string(path).unwrap_or_default();
    assert_eq!(now, pinned, "trace digests changed; if on purpose, rerun with UPDATE_GOLDEN=1 and commit {path}");
}

/// The first lines each preset narrates, pinned beside the trace digests: when a model change moves a hash,
/// this diff shows *what* changed in the story. `UPDATE_GOLDEN=1` rewrites the files.
#[test]
fn preset_narrations_match_golden_files() {
    const LINES: usize = 14;
    let mut failures = Vec::new();
    for scene in scenes() {
        let path = format!("{}/tests/golden/narration/{}.txt", env!("CARGO_MANIFEST_DIR"), scene.id());
        let mut now = String::new();
        for preset in scene.presets() {
            let (params, script) = scene.preset_inputs(preset.id).unwrap();
            let mut run = scene.build(params, 42, script);
            run.advance_to(SimTime::from_secs(30));
            now.push_str(&format!("## {} (seed 42, first {LINES} lines of 30 s)\n", preset.id));
            for e in run.log().iter().take(LINES) {
                now.push_str(&format!("{:>9} {:<10} {}\n", e.t.exact_secs(), e.kind, e.text));
            }
            now.push('\n');
        }
        if std::env::var_os("UPDATE_GOLDEN").is_some() {
            std::fs::create_dir_all(std::path::Path::new(&path).parent().unwrap()).unwrap();
            std::fs::write(&path, &now).unwrap();
        }
        let pinned = std::fs::read_to_string(&path).unwrap_or_default();
        if now != pinned {
            let diff: Vec<String> = now
                .lines()
                .zip(pinned.lines().chain(std::iter::repeat("")))
                .filter(|(a, b)| a != b)
                .take(6)
                .map(|(a, b)| format!("  now:    {a}\n  pinned: {b}"))
                .collect();
            failures.push(format!("{}: narration changed:\n{}", scene.id(), diff.join("\n")));
        }
    }
    assert!(
        failures.is_empty(),
        "{}\nIf on purpose, rerun with UPDATE_GOLDEN=1 and commit tests/golden/narration/",
        failures.join("\n")
    );
}

#[test]
#[ignore = "benchmark: prints figures; run with --ignored --nocapture"]
fn seek_cost_in_a_ten_minute_run() {
    for rate in ["40", "1000"] {
        let scene = faultline_sim::scene_by_id("circuit-breaker").unwrap();
        let mut p = scene.default_params();
        p.set("request_rate", rate).unwrap();
        p.set("pool_size", "500").unwrap();
        let mut tl = Timeline::new(scene.build(p, 1, vec![]));
        let t0 = std::time::Instant::now();
        tl.seek(SimTime::from_secs(600));
        let forward = t0.elapsed();
        let mut worst = std::time::Duration::ZERO;
        for i in 0..40u64 {
            let target = SimTime((i * 7_919_000_017) % 600_000_000);
            let t = std::time::Instant::now();
            tl.seek(target);
            worst = worst.max(t.elapsed());
            if t.elapsed().as_millis() > 20 {
                println!("  slow seek to {target}: {:?}", t.elapsed());
            }
        }
        println!(
            "rate {rate}: {} events, forward {forward:?}, {} snapshots, worst seek {worst:?}",
            tl.run().n_events(),
            tl.n_snapshots()
        );
    }
}

#[test]
fn an_action_at_the_current_moment_runs_at_once() {
    let scene = faultline_sim::scene_by_id("circuit-breaker").unwrap();
    let mut tl = Timeline::new(scene.build(scene.default_params(), 1, vec![]));
    tl.seek(SimTime::ZERO);
    tl.set_script(vec!["0:crash:dependency".parse().unwrap()]);
    assert!(tl.run().log().iter().any(|e| e.kind == "fault"), "a click at t = 0 shows before play");
    tl.seek(SimTime::from_secs(5));
    tl.set_script(vec!["0:crash:dependency".parse().unwrap(), "5:restart:dependency".parse().unwrap()]);
    assert_eq!(tl.run().log().iter().filter(|e| e.kind == "fault").count(), 2);
}
