//! `faultline` — the headless runner: the same simulations as the browser, natively, as JSON.
//!
//! ```text
//! faultline list
//! faultline run SCENE [--seed N] [--duration SECONDS] [--preset NAME] [--set NAME=VALUE]... [--fault SPEC]...
//! faultline bench [SCENE] [--seed N] [--duration SECONDS] [--set NAME=VALUE]...
//! ```
//! Bad input exits with code 2 and a one-line message naming the problem and what is allowed.

use std::process::ExitCode;
use std::time::Instant;

use faultline_sim::kernel::SimTime;
use faultline_sim::report::{json_num, json_str, run_report};
use faultline_sim::scene::{Action, ParamKind, Params, Scene};
use faultline_sim::{scene_by_id, scenes};

const USAGE: &str = "usage: faultline list | faultline run SCENE [--seed N] [--duration SECONDS] [--preset NAME] [--set NAME=VALUE]... [--fault T:verb:args]... | faultline bench [SCENE] [--duration SECONDS] [--set NAME=VALUE]...";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("list") if args.len() == 1 => {
            println!("{}", list_json());
            Ok(())
        }
        Some("run") => run(&args[1..], false),
        Some("bench") => run(&args[1..], true),
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
    let mut o = String::from("[");
    for (i, s) in scenes().iter().enumerate() {
        if i > 0 {
            o.push(',');
        }
        o.push_str("{\"scene\":");
        json_str(&mut o, s.id());
        o.push_str(",\"title\":");
        json_str(&mut o, s.title());
        o.push_str(",\"teaches\":");
        json_str(&mut o, s.teaches());
        o.push_str(",\"params\":[");
        for (j, p) in s.params().iter().enumerate() {
            if j > 0 {
                o.push(',');
            }
            o.push_str("{\"name\":");
            json_str(&mut o, p.name);
            o.push_str(",\"label\":");
            json_str(&mut o, p.label);
            o.push_str(",\"unit\":");
            json_str(&mut o, p.unit);
            match p.kind {
                ParamKind::Number { min, max, default, step } => {
                    for (k, v) in [("min", min), ("max", max), ("default", default), ("step", step)] {
                        o.push_str(&format!(",\"{k}\":"));
                        json_num(&mut o, v);
                    }
                }
                ParamKind::Choice { choices, default } => {
                    o.push_str(",\"min\":null,\"max\":null,\"default\":");
                    json_str(&mut o, choices[default]);
                    o.push_str(",\"step\":null,\"choices\":[");
                    for (k, c) in choices.iter().enumerate() {
                        if k > 0 {
                            o.push(',');
                        }
                        json_str(&mut o, c);
                    }
                    o.push(']');
                }
            }
            o.push_str(",\"help\":");
            json_str(&mut o, p.help);
            o.push('}');
        }
        o.push_str("],\"presets\":[");
        for (j, p) in s.presets().iter().enumerate() {
            if j > 0 {
                o.push(',');
            }
            o.push_str("{\"name\":");
            json_str(&mut o, p.id);
            o.push_str(",\"title\":");
            json_str(&mut o, p.title);
            o.push_str(",\"description\":");
            json_str(&mut o, p.description);
            o.push('}');
        }
        o.push_str("]}");
    }
    o.push(']');
    o
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
        // `bench` measures what a reader first sees (the default preset's parameters, without its faults).
        None if bench => (scene.default_inputs().0, Vec::new()),
        None => (scene.default_params(), Vec::new()),
    };
    if bench && sets.is_empty() {
        params.set("request_rate", "2000").ok();
    }
    for s in sets {
        let (k, v) = s.split_once('=').ok_or_else(|| format!("--set: '{s}' must be NAME=VALUE"))?;
        params.set(k.trim(), v)?;
    }
    for f in faults {
        let a: Action = f.parse()?;
        scene.validate_action(&a)?;
        script.push(a);
    }
    script.sort_by_key(|a| a.at);
    Ok(Invocation { scene, seed, duration: SimTime::from_secs_f64(duration_s), params, script })
}

fn scene_ids() -> String {
    scenes().iter().map(|s| s.id()).collect::<Vec<_>>().join(", ")
}

fn run(args: &[String], bench: bool) -> Result<(), String> {
    let inv = parse(args, bench)?;
    let mut run = inv.scene.build(inv.params, inv.seed, inv.script);
    if bench {
        let started = Instant::now();
        run.advance_to(inv.duration);
        let secs = started.elapsed().as_secs_f64();
        let events = run.n_events();
        println!(
            "{{\"scene\":\"{}\",\"virtual_s\":{},\"events\":{},\"wall_s\":{:.4},\"events_per_s\":{:.0},\"trace_hash\":\"{:016x}\"}}",
            inv.scene.id(),
            inv.duration.as_secs_f64(),
            events,
            secs,
            events as f64 / secs.max(1e-9),
            run.trace_hash()
        );
    } else {
        run.advance_to(inv.duration);
        println!("{}", run_report(run.as_ref(), inv.seed));
    }
    Ok(())
}
