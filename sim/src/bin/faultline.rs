//! `faultline` — the headless runner: the same simulations as the browser, natively, as JSON.
//!
//! ```text
//! faultline list
//! faultline run SCENE [--seed N] [--duration SECONDS] [--preset NAME] [--set NAME=VALUE]... [--fault SPEC]...
//! faultline panels SCENE [same options as run]      # what a reader sees at the end: the panels, as JSON
//! faultline bench [SCENE] [--seed N] [--duration SECONDS] [--set NAME=VALUE]...
//! faultline bench-sharding                          # routing 100,000 keys and one reshard, per strategy
//! faultline bench-checker [--seed N] [--ops N]    # the linearizability checker on a simulated history
//! faultline challenge SCENE [ID [--known-good] [--set NAME=VALUE]...]  # list challenges, or judge one (JSON)
//! ```
//! Bad input exits with code 2 and a one-line message naming the problem and what is allowed.

use std::process::ExitCode;
use std::time::Instant;

use faultline_sim::cap::history::recorded_history;
use faultline_sim::checker::{OpKind, Outcome, check_recorded};
use faultline_sim::kernel::SimTime;
use faultline_sim::report::{RunReport, SceneListing};
use faultline_sim::scene::{Action, BenchLoad, Params, Scene};
use faultline_sim::{scene_by_id, scenes};

const USAGE: &str = "usage: faultline list | faultline run|panels SCENE [--seed N] [--duration SECONDS] [--preset NAME] [--set NAME=VALUE]... [--fault T:verb:args]... | faultline bench [SCENE] [--duration SECONDS] [--set NAME=VALUE]... | faultline bench-sharding | faultline bench-checker [--seed N] [--ops N] | faultline challenge SCENE [ID [--known-good] [--set NAME=VALUE]...]";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("list") if args.len() == 1 => {
            println!("{}", list_json());
            Ok(())
        }
        Some("run") => run(&args[1..], Mode::Report),
        Some("panels") => run(&args[1..], Mode::Panels),
        Some("bench") => run(&args[1..], Mode::Bench),
        Some("bench-sharding") if args.len() == 1 => {
            println!("{}", bench_sharding());
            Ok(())
        }
        Some("bench-checker") => bench_checker(&args[1..]),
        Some("challenge") => challenge(&args[1..]),
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            Ok(())
        }
        _ => Err(USAGE.to_string()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("faultline: {msg}");
            ExitCode::from(2)
        }
    }
}

fn list_json() -> String {
    let list: Vec<SceneListing> = scenes().iter().map(|s| SceneListing::of(*s)).collect();
    serde_json::to_string(&list).expect("the scene list serialises")
}

struct Invocation {
    scene: &'static dyn Scene,
    seed: u64,
    duration: SimTime,
    params: Params,
    script: Vec<Action>,
}

fn parse(args: &[String], bench: bool) -> Result<Invocation, String> {
    let mut it = args.iter().peekable();
    let scene_name = match it.peek() {
        Some(s) if !s.starts_with("--") => it.next().expect("peeked").clone(),
        // `bench` without a scene measures the breaker at a high request rate.
        _ if bench => "circuit-breaker".to_string(),
        _ => return Err(format!("missing SCENE (one of {})", scene_ids())),
    };
    let scene =
        scene_by_id(&scene_name).ok_or_else(|| format!("unknown scene '{scene_name}' (one of {})", scene_ids()))?;
    let mut seed = 1u64;
    let mut duration_s = 60.0;
    let mut preset = None;
    let mut sets = Vec::new();
    let mut faults = Vec::new();
    while let Some(flag) = it.next() {
        let mut value = || it.next().cloned().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--seed" => {
                let v = value()?;
                seed = v
                    .parse()
                    .map_err(|_| format!("--seed: '{v}' is not a whole number (allowed: 0 to {})", u64::MAX))?;
            }
            "--duration" => {
                let v = value()?;
                duration_s =
                    v.parse::<f64>().ok().filter(|d| d.is_finite() && *d > 0.0 && *d <= 86_400.0).ok_or_else(|| {
                        format!("--duration: '{v}' is not allowed (seconds, more than 0 and at most 86400)")
                    })?;
            }
            "--preset" => preset = Some(value()?),
            "--set" => sets.push(value()?),
            "--fault" => faults.push(value()?),
            other => return Err(format!("unknown option '{other}'; {USAGE}")),
        }
    }
    let (mut params, mut script) = match preset {
        Some(name) => scene.preset_inputs(&name)?,
        // `bench` measures the scene's busy load (its default preset's parameters at about 2,000 requests/s,
        // without faults): the same run the in-browser bench times.
        None if bench => (scene.bench_inputs(BenchLoad::Busy), Vec::new()),
        None => (scene.default_params(), Vec::new()),
    };
    for s in sets {
        let (k, v) = s.split_once('=').ok_or_else(|| format!("--set: '{s}' must be NAME=VALUE"))?;
        params.set(k.trim(), v)?;
    }
    for f in faults {
        let a: Action = f.parse()?;
        scene.validate_action(&a)?;
        script.push(a);
    }
    faultline_sim::kernel::sort_by_time(&mut script);
    Ok(Invocation { scene, seed, duration: SimTime::from_secs_f64(duration_s), params, script })
}

/// `challenge SCENE`: the scene's challenges; `challenge SCENE ID [--known-good] [--set NAME=VALUE]...`: the
/// challenge judged with its setup, its known-good setting, or the given changes (on the challenge's seed and
/// faults), as JSON with each goal's measured value. A change of a locked parameter is reported, not judged.
fn challenge(args: &[String]) -> Result<(), String> {
    use faultline_sim::scene::challenge::{self as ch_mod, Status};
    let scene_name = args.first().ok_or_else(|| format!("missing SCENE (one of {})", scene_ids()))?;
    let scene =
        scene_by_id(scene_name).ok_or_else(|| format!("unknown scene '{scene_name}' (one of {})", scene_ids()))?;
    let ids = || scene.challenges().iter().map(|c| c.id).collect::<Vec<_>>().join(", ");
    let Some(id) = args.get(1) else {
        let list: Vec<_> = scene
            .challenges()
            .iter()
            .map(|c| serde_json::json!({ "id": c.id, "title": c.title, "brief": c.brief, "may_change": c.may_change }))
            .collect();
        println!("{}", serde_json::Value::Array(list));
        return Ok(());
    };
    let ch =
        scene.challenge(id).ok_or_else(|| format!("unknown challenge '{id}' for {} (one of {})", scene.id(), ids()))?;
    let (mut params, script) = ch_mod::setup_inputs(scene, ch)?;
    let mut it = args[2..].iter();
    while let Some(flag) = it.next() {
        match flag.as_str() {
            "--known-good" => params = ch_mod::known_good_params(scene, ch)?,
            "--set" => {
                let s = it.next().ok_or("--set needs a value")?;
                let (k, v) = s.split_once('=').ok_or_else(|| format!("--set: '{s}' must be NAME=VALUE"))?;
                params.set(k.trim(), v)?;
            }
            other => return Err(format!("unknown option '{other}'; {USAGE}")),
        }
    }
    let off = ch_mod::off_challenge(scene, ch, &params, ch.seed, &script);
    if !off.is_empty() {
        return Err(format!("off the challenge: {}", off.join("; ")));
    }
    let v = ch_mod::judge(scene, ch, params.clone(), ch.seed, script);
    let goals: Vec<_> = ch
        .goals
        .iter()
        .zip(&v.goals)
        .map(|(g, r)| {
            serde_json::json!({
                "label": g.label,
                "measured": r.measured,
                "shown": g.unit.format(r.measured),
                "goal": g.target_text(),
                "pass": r.status == Status::Pass,
            })
        })
        .collect();
    let changed: serde_json::Map<String, serde_json::Value> =
        params.formatted().into_iter().map(|(k, v)| (k.to_string(), serde_json::Value::String(v))).collect();
    let out = serde_json::json!({
        "scene": scene.id(),
        "challenge": ch.id,
        "seed": ch.seed,
        "duration_s": ch.duration_s,
        "params": changed,
        "pass": v.pass,
        "goals": goals,
    });
    println!("{out}");
    Ok(())
}

fn scene_ids() -> String {
    scenes().iter().map(|s| s.id()).collect::<Vec<_>>().join(", ")
}

/// What `run` prints.
#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Report,
    Panels,
    Bench,
}

fn run(args: &[String], mode: Mode) -> Result<(), String> {
    let inv = parse(args, mode == Mode::Bench)?;
    let mut run = inv.scene.build(inv.params, inv.seed, inv.script);
    let started = Instant::now();
    run.advance_to(inv.duration);
    let wall_s = started.elapsed().as_secs_f64();
    let out = match mode {
        Mode::Report => RunReport::of(run.as_ref(), inv.seed).to_json(),
        Mode::Panels => serde_json::to_string(&run.panels()).map_err(|e| e.to_string())?,
        Mode::Bench => serde_json::json!({
            "scene": inv.scene.id(),
            "virtual_s": inv.duration.as_secs_f64(),
            "events": run.n_events(),
            "wall_s": (wall_s * 1e4).round() / 1e4,
            "events_per_s": (run.n_events() as f64 / wall_s.max(1e-9)).round(),
            "trace_hash": format!("{:016x}", run.trace_hash()),
        })
        .to_string(),
    };
    println!("{out}");
    Ok(())
}

/// Wall time, natively, of what a sharding run does at once on the main thread: routing 100,000 keys (building
/// the key directory) and one reshard (adding a ninth shard to eight), under each strategy — to compare with
/// a frame's budget (16 ms). The best of five tries, so a busy machine's hiccup is not the figure.
fn bench_sharding() -> String {
    use faultline_sim::sharding::Strategy;
    use faultline_sim::sharding::directory::{Directory, Salting};
    use faultline_sim::sharding::placement::Placement;
    const KEYS: u64 = 100_000;
    const SHARDS: u16 = 8;
    const VNODES: u32 = 100;
    let mut out = serde_json::json!({
        "keys": KEYS,
        "shards": SHARDS,
        "vnodes": VNODES,
        "frame_budget_ms": 16,
    });
    for strategy in [Strategy::Range, Strategy::HashMod, Strategy::Ring] {
        let (mut route_s, mut reshard_s, mut moved) = (f64::MAX, f64::MAX, 0);
        for _ in 0..5 {
            let placement = Placement::new(strategy, (1..=SHARDS).collect(), VNODES, 1, KEYS);
            let started = Instant::now();
            let mut dir = Directory::build(&placement, KEYS, 7, Salting::default());
            route_s = route_s.min(started.elapsed().as_secs_f64());
            let bigger = placement.with_shard_added(SHARDS + 1, Some(KEYS - KEYS / (2 * SHARDS as u64)));
            let started = Instant::now();
            moved = dir.reshard(&placement, &bigger).moved;
            reshard_s = reshard_s.min(started.elapsed().as_secs_f64());
        }
        let ms = |s: f64| (s * 1e6).round() / 1e3;
        out[strategy.name()] =
            serde_json::json!({ "route_ms": ms(route_s), "reshard_ms": ms(reshard_s), "keys_moved": moved });
    }
    out.to_string()
}

/// The checker's benchmark (issue 11): a history of `ops` operations from 5 closed-loop clients, half writes,
/// quorum mode with R = W = 2 of 3, generated by the simulation itself; a short partition every 1.5 s
/// leave about 10% of the writes unknown. The history is read back from the `op` events and checked offline
/// (the first `ops` by invoke; later writes join as unknown, since earlier reads may have seen them).
fn bench_checker(args: &[String]) -> Result<(), String> {
    let mut seed = 1u64;
    let mut n_ops = 10_000usize;
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--seed" => {
                seed = value.parse().map_err(|_| format!("--seed: '{value}' is not a whole number"))?;
            }
            "--ops" => {
                n_ops = value
                    .parse()
                    .ok()
                    .filter(|n| (1..=1_000_000).contains(n))
                    .ok_or_else(|| format!("--ops: '{value}' is not allowed (a whole number from 1 to 1000000)"))?;
            }
            other => return Err(format!("unknown option '{other}'; {USAGE}")),
        }
    }
    let scene = scene_by_id("cap").expect("registered");
    let mut params = scene.default_params();
    for (k, v) in [
        ("mode", "quorum"),
        ("replicas", "3"),
        ("read_quorum", "2"),
        ("write_quorum", "2"),
        ("clients", "5"),
        ("write_share", "0.5"),
        ("op_rate", "50"),
        ("op_timeout_ms", "300"),
    ] {
        params.set(k, v)?;
    }
    // A 0.4 s partition every 1.5 s: operations caught by one time out, and about 10% of the writes end unknown.
    let script: Vec<Action> = (0..5_000u64)
        .flat_map(|i| {
            let t = 2.0 + 1.5 * i as f64;
            [format!("{t}:trigger:partition"), format!("{}:trigger:heal", t + 0.4)]
        })
        .map(|f| f.parse().expect("valid"))
        .collect();
    let started = Instant::now();
    let mut run = scene.build(params, seed, script);
    let mut t = SimTime::ZERO;
    while (recorded_count(run.as_ref())) < n_ops + 200 && t < SimTime::from_secs(20_000) {
        t += 1_000_000;
        run.advance_to(t);
    }
    let sim_wall_s = started.elapsed().as_secs_f64();
    let mut history = recorded_history(run.as_ref());
    let later = history.split_off(n_ops.min(history.len()));
    for mut op in later.into_iter().filter(|o| matches!(o.kind, OpKind::Write(_))) {
        op.outcome = Outcome::Unknown;
        history.push(op);
    }
    let writes: Vec<_> =
        history[..n_ops.min(history.len())].iter().filter(|o| matches!(o.kind, OpKind::Write(_))).collect();
    let unknown = writes.iter().filter(|o| o.outcome == Outcome::Unknown).count();
    let started = Instant::now();
    let (_, stats) = check_recorded(&history, faultline_sim::cap::CHECK_BUDGET);
    let wall_s = started.elapsed().as_secs_f64();
    let out = serde_json::json!({
        "ops": n_ops.min(history.len()),
        "writes": writes.len(),
        "unknown_writes": unknown,
        "unknown_write_share": (unknown as f64 / writes.len().max(1) as f64 * 1e3).round() / 1e3,
        "checks": stats.checks,
        "violations": stats.violations,
        "undecided": stats.undecided,
        "max_steps_per_check": stats.max_steps,
        "steps": stats.total_steps,
        "check_wall_s": (wall_s * 1e4).round() / 1e4,
        "simulation_wall_s": (sim_wall_s * 1e4).round() / 1e4,
        "virtual_s": t.as_secs_f64(),
    });
    println!("{out}");
    Ok(())
}

/// Client operations the run has completed so far.
fn recorded_count(run: &dyn faultline_sim::scene::Run) -> usize {
    run.metrics().iter().find(|m| m.0 == "ops").map_or(0, |m| m.1 as usize)
}
