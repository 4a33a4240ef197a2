//! Native cost of what the page does per frame under a scene's crowded load (the browser frame bench's
//! load): advance the timeline by one 60 Hz frame, then read panels, messages, counters and the log's tail,
//! and every 12th frame the charts' series. Each run is repeated and every frame keeps its fastest time,
//! so another process's hiccup is not the figure.
//!
//! `cargo run --release -p faultline-sim --example frame_cost -- [SCENE|all] [SECONDS] [REPEATS]`
use std::time::Instant;

use faultline_sim::kernel::SimTime;
use faultline_sim::scene::{BenchLoad, Panel};
use faultline_sim::timeline::Timeline;

const PARTS: [&str; 6] = ["advance", "panels", "messages", "counters", "log", "series"];

fn pct(v: &[f64], p: f64) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    v[((p / 100.0 * v.len() as f64).ceil() as usize).clamp(1, v.len()) - 1]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let which = args.get(1).map_or("all", |s| s.as_str());
    let secs: f64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(10.0);
    let repeats: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(3);
    for scene in faultline_sim::scenes().iter().filter(|s| which == "all" || which == s.id()) {
        let frames = (secs * 60.0) as usize;
        // [part][frame], fastest over the repeats
        let mut best = vec![vec![f64::INFINITY; frames]; PARTS.len()];
        for _ in 0..repeats {
            let mut tl = Timeline::new(scene.build(scene.bench_inputs(BenchLoad::Crowded), 1, vec![]));
            for f in 0..frames {
                let t0 = Instant::now();
                tl.seek(SimTime(((f + 1) as u64 * 1_000_000) / 60));
                let t1 = Instant::now();
                let panels = tl.run().panels();
                let t2 = Instant::now();
                let m = tl.run().messages();
                let t3 = Instant::now();
                let c = tl.run().counters();
                let t4 = Instant::now();
                let l = tl.run().log().iter().rev().take(4000).count();
                let t5 = Instant::now();
                let mut n = 0;
                if f % 12 == 0 {
                    for p in &panels {
                        if let Panel::Chart(spec) = p {
                            for s in spec.lines {
                                n += tl.run().series(s.series).len();
                            }
                        }
                    }
                }
                let t6 = Instant::now();
                std::hint::black_box((panels.len(), m.len(), c.len(), l, n));
                let ts = [t0, t1, t2, t3, t4, t5, t6];
                for (i, b) in best.iter_mut().enumerate() {
                    b[f] = b[f].min((ts[i + 1] - ts[i]).as_secs_f64() * 1e3);
                }
            }
        }
        let total: Vec<f64> = (0..frames).map(|f| best.iter().map(|b| b[f]).sum()).collect();
        print!("{:16}", scene.id());
        for (i, name) in PARTS.iter().enumerate() {
            let mean = best[i].iter().sum::<f64>() / frames as f64;
            print!(" {name} {mean:.3}/{:.3}", pct(&best[i], 95.0));
        }
        println!(
            "  (mean/p95)  total p50 {:.3} p95 {:.3} max {:.3} ms",
            pct(&total, 50.0),
            pct(&total, 95.0),
            pct(&total, 100.0)
        );
        if std::env::var("TOP").is_ok() {
            let mut idx: Vec<usize> = (0..frames).collect();
            idx.sort_by(|&a, &b| total[b].total_cmp(&total[a]));
            for &f in idx.iter().take(10) {
                println!("  frame {f}: {:.3} ms (advance {:.3})", total[f], best[0][f]);
            }
        }
    }
}
