//! The sharding scene against its specification: the moved fractions (N/(N+1) under hash mod N, about
//! 1/(N+1) on the ring, all to the new shard from its ring neighbours; only the removed shard's keys on a
//! removal) and the virtual-node spread law over seeds with 10,000+ keys; ownership invariants through
//! random add/remove scripts; sequential IDs on range shards; a celebrity key's floor and salting's
//! fan-out; queueing at the hottest shard against the M/M/1 closed form; the panels' bounds; every preset's
//! promise; and the headless runner. Every assertion names its seed.

use std::process::Command;

use faultline_sim::kernel::{RngStream, SimTime};
use faultline_sim::scene::{Action, BarsView, HeatmapView, Panel, Params, RingView, Run, Scene};
use faultline_sim::scene_by_id;
use faultline_sim::sharding::directory::{Directory, Salting};
use faultline_sim::sharding::placement::{KeyPlace, Placement, key_hash};
use faultline_sim::sharding::theory::{
    hash_key_share_cv, hash_mod_moved_fraction, mm1_sojourn_quantile_ms, ring_key_share_cv, ring_moved_fraction,
};
use faultline_sim::sharding::{MAX_RING_POINTS, Strategy};
use faultline_sim::testing::{self, metric, num, text};

fn scene() -> &'static dyn Scene {
    scene_by_id("sharding").unwrap()
}

fn params(overrides: &[(&str, &str)]) -> Params {
    testing::params(scene(), overrides)
}

fn run(p: Params, seed: u64, script: Vec<Action>, secs: u64) -> Box<dyn Run> {
    testing::run(scene(), p, seed, script, secs)
}

fn reshards(r: &dyn Run) -> Vec<std::rc::Rc<faultline_sim::kernel::LogEntry>> {
    testing::events(r, "reshard").into_iter().filter(|e| e.fields.iter().any(|f| f.0 == "keys_moved")).collect()
}

fn bars(r: &dyn Run) -> BarsView {
    r.panels().into_iter().find_map(|p| if let Panel::Bars(b) = p { Some(b) } else { None }).expect("bars")
}

fn ring(r: &dyn Run) -> RingView {
    r.panels().into_iter().find_map(|p| if let Panel::Ring(v) = p { Some(v) } else { None }).expect("ring")
}

fn heatmap(r: &dyn Run) -> HeatmapView {
    r.panels().into_iter().find_map(|p| if let Panel::Heatmap(h) = p { Some(h) } else { None }).expect("heatmap")
}

/// Keys each live shard owns, as the bars show them.
fn keys_per_shard(r: &dyn Run) -> Vec<(String, f64)> {
    bars(r).bars.into_iter().map(|b| (b.label, b.detail.unwrap())).collect()
}

/// A run with no load (placement only), to measure layouts and reshards cheaply.
fn idle(overrides: &[(&str, &str)], seed: u64, script: &[&str], secs: u64) -> Box<dyn Run> {
    let mut p = params(&[("request_rate", "0"), ("keys", "10000")]);
    for (k, v) in overrides {
        p.set(k, v).unwrap();
    }
    run(p, seed, testing::script(script), secs)
}

/// Binomial standard error of a moved fraction p over k keys.
fn binomial_se(p: f64, k: f64) -> f64 {
    (p * (1.0 - p) / k).sqrt()
}

#[test]
fn hash_mod_adding_one_shard_moves_n_over_n_plus_one_of_the_keys() {
    for n in [2usize, 3, 4, 6, 8] {
        for seed in 1..=5u64 {
            let r = idle(&[("strategy", "hash_mod"), ("shards", &n.to_string())], seed, &["1:trigger:add_shard"], 2);
            testing::assert_invariants(r.as_ref(), seed, "hash_mod add");
            let e = &reshards(r.as_ref())[0];
            let (frac, theory) = (num(e, "moved_fraction"), num(e, "theory"));
            assert_eq!(theory, hash_mod_moved_fraction(n, n + 1), "seed={seed} N={n}: the issue's formula");
            assert!((theory - n as f64 / (n + 1) as f64).abs() < 1e-12, "seed={seed} N={n}: N/(N+1)");
            let se = binomial_se(theory, 10_000.0);
            assert!((frac - theory).abs() <= 4.0 * se, "seed={seed} N={n}: moved {frac:.4}, theory {theory:.4}");
            assert_eq!((num(e, "from"), num(e, "to")), (n as f64, (n + 1) as f64), "seed={seed}");
            assert_eq!(num(e, "keys_moved"), metric(r.as_ref(), "keys_moved"), "seed={seed}");
            // Most of the moves are between shards that were there all along: 1 − 1/N of the movers.
            let between = num(e, "moved_between_survivors") / num(e, "keys_moved");
            assert!((between - (1.0 - 1.0 / n as f64)).abs() < 0.03, "seed={seed} N={n}: {between:.3} between");
        }
    }
}

#[test]
fn hash_mod_from_n_to_m_moves_one_minus_min_over_lcm() {
    for (n, m) in [(4usize, 6usize), (6, 4), (3, 5), (8, 2), (5, 10)] {
        for seed in 1..=3u64 {
            let set = format!("1:set:shards={m}");
            let r = idle(&[("strategy", "hash_mod"), ("shards", &n.to_string())], seed, &[set.as_str()], 2);
            testing::assert_invariants(r.as_ref(), seed, "hash_mod set");
            let e = &reshards(r.as_ref())[0];
            let theory = hash_mod_moved_fraction(n, m);
            assert_eq!(num(e, "theory"), theory, "seed={seed} {n}→{m}");
            let frac = num(e, "moved_fraction");
            let se = binomial_se(theory, 10_000.0);
            assert!((frac - theory).abs() <= 4.0 * se, "seed={seed} {n}→{m}: moved {frac:.4} vs {theory:.4}");
        }
    }
}

/// The new shard's share of the ring is Beta(V, N·V): mean 1/(N+1), so the mean moved fraction over S
/// seeds is within 4 standard errors of 1/(N+1) — and every moved key goes to the new shard.
#[test]
fn ring_adding_one_shard_moves_about_one_over_n_plus_one_all_to_the_new_shard() {
    let (v, seeds) = (100u32, 30u64);
    for n in [2usize, 4, 8] {
        let mut sum = 0.0;
        for seed in 1..=seeds {
            let r = idle(
                &[("strategy", "ring"), ("shards", &n.to_string()), ("vnodes", &v.to_string())],
                seed,
                &["1:trigger:add_shard"],
                2,
            );
            testing::assert_invariants(r.as_ref(), seed, "ring add");
            let e = &reshards(r.as_ref())[0];
            assert_eq!(num(e, "theory"), ring_moved_fraction(n, n + 1), "seed={seed}");
            assert_eq!(num(e, "moved_between_survivors"), 0.0, "seed={seed} N={n}: only the new shard gains");
            let new = format!("shard{}", n + 1);
            assert_eq!(text(e, "added"), new, "seed={seed}");
            assert!(e.text.contains(&format!("all to {new}, taken from")), "seed={seed}: {}", e.text);
            // The new shard owns exactly the keys that moved.
            let owned = keys_per_shard(r.as_ref()).into_iter().find(|(s, _)| *s == new).unwrap().1;
            assert_eq!(owned, num(e, "keys_moved"), "seed={seed} N={n}");
            sum += num(e, "moved_fraction");
        }
        let p = 1.0 / (n + 1) as f64;
        let sd = (p * (1.0 - p) / ((n + 1) as f64 * v as f64 + 1.0) + p * (1.0 - p) / 10_000.0).sqrt();
        let mean = sum / seeds as f64;
        assert!(
            (mean - p).abs() <= 4.0 * sd / (seeds as f64).sqrt(),
            "seeds 1..={seeds} N={n}: mean moved {mean:.4}, theory {p:.4} (sd per seed {sd:.4})"
        );
    }
}

/// Each moved key comes from the new shard's ring neighbour: the shard whose point followed the new point
/// that now owns the key.
#[test]
fn ring_moves_come_from_the_new_points_ring_neighbours() {
    for seed in 1..=5u64 {
        let before = Placement::new(Strategy::Ring, vec![1, 2, 3, 4], 20, seed, 0);
        let after = before.with_shard_added(5, None);
        let mut dir = Directory::build(&before, 20_000, seed, Salting::default());
        let owners_before: Vec<u16> =
            (0..20_000u64).map(|i| dir.owner_of(faultline_sim::sharding::protocol::KeyRef::Base(i))).collect();
        let report = dir.reshard(&before, &after);
        let pts = after.ring_points();
        let mut checked = 0;
        for (i, &old) in owners_before.iter().enumerate() {
            let at = KeyPlace { hash: key_hash(i as u64, seed), pos: i as u64 };
            if after.owner(at) == old {
                continue;
            }
            // The new point that took the key, then the next point clockwise that is not the new shard's.
            let p = pts.partition_point(|pt| pt.0 < at.hash) % pts.len();
            assert_eq!(pts[p].1, 5, "seed={seed} key {i}: moved to a point of the new shard");
            let neighbour = (1..pts.len()).map(|d| pts[(p + d) % pts.len()]).find(|pt| pt.1 != 5).unwrap();
            assert_eq!(old, neighbour.1, "seed={seed} key {i}: came from the new point's ring neighbour");
            checked += 1;
        }
        assert_eq!(checked as u64, report.moved, "seed={seed}");
        assert!(checked > 1_000, "seed={seed}: {checked} keys moved");
    }
}

#[test]
fn ring_removing_a_shard_moves_only_its_own_keys() {
    let seeds = 20u64;
    for (how, n) in [("5:crash:shard2", 4usize), ("5:trigger:remove_shard", 5), ("5:crash:shard1", 8)] {
        let mut sum = 0.0;
        for seed in 1..=seeds {
            let p = [("strategy", "ring"), ("shards", &*n.to_string()), ("vnodes", "100")];
            let mut r = scene().build(
                {
                    let mut q = params(&[("request_rate", "0")]);
                    for (k, v) in p {
                        q.set(k, v).unwrap();
                    }
                    q
                },
                seed,
                testing::script(&[how]),
            );
            r.advance_to(SimTime::from_secs(4));
            let removed = if how.contains("remove_shard") { format!("shard{n}") } else { how[8..].to_string() };
            let owned = keys_per_shard(r.as_ref()).into_iter().find(|(s, _)| *s == removed).unwrap().1;
            r.advance_to(SimTime::from_secs(6));
            testing::assert_invariants(r.as_ref(), seed, how);
            let e = &reshards(r.as_ref())[0];
            assert_eq!(num(e, "keys_moved"), owned, "seed={seed} {how}: exactly the removed shard's keys move");
            assert_eq!(text(e, "removed"), removed, "seed={seed}");
            assert_eq!(num(e, "moved_between_survivors"), 0.0, "seed={seed} {how}");
            assert!(keys_per_shard(r.as_ref()).iter().all(|(s, _)| *s != removed), "seed={seed}: it left the bars");
            assert_eq!(num(e, "theory"), 1.0 / n as f64, "seed={seed}: |M − N|/max(N, M)");
            sum += num(e, "moved_fraction");
        }
        let p = 1.0 / n as f64;
        let sd = (p * (1.0 - p) / (n as f64 * 100.0 + 1.0)).sqrt();
        let mean = sum / seeds as f64;
        assert!((mean - p).abs() <= 4.0 * sd / (seeds as f64).sqrt() + 0.002, "{how}: mean moved {mean:.4} vs {p:.4}");
    }
}

/// Over seeds, the root-mean-square CV of keys per shard follows √((N−1)/(N·V+1) + (N−1)/K). With N shards
/// a seed's CV² has about N − 1 degrees of freedom (relative sd √(2/(N−1))), so S seeds pin the RMS CV to
/// a relative standard error of √(2/(N−1))/(2√S): the bound is 4 of those.
#[test]
fn ring_key_spread_follows_the_virtual_node_law_over_seeds() {
    let (keys, seeds) = (10_000u64, 120u64);
    for (n, v) in [(8usize, 1u32), (8, 10), (8, 100), (4, 200), (16, 40)] {
        let mut sum_sq = 0.0;
        for seed in 1..=seeds {
            let r = idle(
                &[("shards", &n.to_string()), ("vnodes", &v.to_string()), ("keys", &keys.to_string())],
                seed,
                &[],
                0,
            );
            let cv = metric(r.as_ref(), "key_share_cv");
            assert_eq!(metric(r.as_ref(), "key_share_cv_theory"), ring_key_share_cv(n, v, keys), "seed={seed}");
            sum_sq += cv * cv;
        }
        let rms = (sum_sq / seeds as f64).sqrt();
        let theory = ring_key_share_cv(n, v, keys);
        let rel_se = (2.0 / (n as f64 - 1.0)).sqrt() / (2.0 * (seeds as f64).sqrt());
        assert!(
            (rms / theory - 1.0).abs() <= 4.0 * rel_se,
            "seeds 1..={seeds} N={n} V={v}: RMS CV {rms:.4}, theory {theory:.4} (±{:.1}%)",
            400.0 * rel_se
        );
    }
}

#[test]
fn hash_mod_key_spread_is_the_multinomial_one() {
    let (n, seeds) = (8usize, 120u64);
    let mut sum_sq = 0.0;
    for seed in 1..=seeds {
        let r = idle(&[("strategy", "hash_mod"), ("shards", "8")], seed, &[], 0);
        sum_sq += metric(r.as_ref(), "key_share_cv").powi(2);
    }
    let (rms, theory) = ((sum_sq / seeds as f64).sqrt(), hash_key_share_cv(n, 10_000));
    let rel_se = (2.0 / (n as f64 - 1.0)).sqrt() / (2.0 * (seeds as f64).sqrt());
    assert!((rms / theory - 1.0).abs() <= 4.0 * rel_se, "seeds 1..={seeds}: RMS CV {rms:.4} vs {theory:.4}");
}

/// The spread chart draws the theory next to the measurement as V changes mid-run.
#[test]
fn the_spread_chart_follows_v_as_it_changes() {
    for seed in 1..=3u64 {
        let r = idle(&[("shards", "8"), ("vnodes", "1")], seed, &["5.5:set:vnodes=200"], 10);
        let theory = r.series("key_share_cv_theory");
        let measured = r.series("key_share_cv");
        let at = |s: &[(f64, f64)], t: f64| s.iter().find(|p| p.0 > t).unwrap().1;
        assert!((at(&theory, 2.0) - ring_key_share_cv(8, 1, 10_000)).abs() < 1e-12, "seed={seed}");
        assert!((at(&theory, 8.0) - ring_key_share_cv(8, 200, 10_000)).abs() < 1e-12, "seed={seed}");
        assert!(at(&measured, 2.0) > 0.3 && at(&measured, 8.0) < 0.15, "seed={seed}: measured {measured:?}");
        let e = &reshards(r.as_ref())[0];
        assert_eq!(text(e, "cause"), "vnodes", "seed={seed}");
        assert!(num(e, "theory").is_nan(), "seed={seed}: no closed form for a change of V");
    }
}

/// Random shard counts, strategies and add/remove/split/set scripts: every key keeps exactly one owner,
/// reshards conserve keys, and the ring never moves keys between survivors on a membership change.
#[test]
fn ownership_invariants_hold_through_random_add_remove_scripts() {
    let mut rng = RngStream::new(0x5a4d, "sharding.random_scripts");
    for case in 0..40u64 {
        let seed = rng.below(1 << 30);
        let strategy = ["range", "hash_mod", "ring"][rng.below(3) as usize];
        let shards = 1 + rng.below(12);
        let vnodes = 1 + rng.below(150);
        let keys = 1_000 + rng.below(19_000);
        let pattern = if rng.below(2) == 0 { "random" } else { "sequential" };
        let p = params(&[
            ("strategy", strategy),
            ("shards", &shards.to_string()),
            ("vnodes", &vnodes.to_string()),
            ("keys", &(keys / 100 * 100).to_string()),
            ("write_pattern", pattern),
            ("request_rate", "300"),
            ("celebrity_share", "0.1"),
        ]);
        let verbs = [
            "trigger:add_shard",
            "trigger:remove_shard",
            "trigger:split_hot_range",
            "crash:shard1",
            "crash:shard3",
            "crash:shard7",
            "set:shards=2",
            "set:shards=9",
            "set:vnodes=5",
            "set:strategy=ring",
            "set:strategy=range",
            "set:salt=4",
            "set:salt=1",
            "set:keys=25000",
        ];
        let mut script = Vec::new();
        for _ in 0..(3 + rng.below(10)) {
            let t = rng.below(9_000) as f64 / 1000.0 + 0.5;
            script.push(format!("{t}:{}", verbs[rng.below(verbs.len() as u64) as usize]));
        }
        let what = format!("case {case}: {strategy} N={shards} V={vnodes} K={keys} {pattern} script {script:?}");
        let entries: Vec<&str> = script.iter().map(String::as_str).collect();
        let r = run(p, seed, testing::script(&entries), 10);
        testing::assert_invariants(r.as_ref(), seed, &what);
        let owned: f64 = keys_per_shard(r.as_ref()).iter().map(|k| k.1).sum();
        assert_eq!(owned, metric(r.as_ref(), "keys"), "seed={seed} {what}: the shards own every key once");
        for e in reshards(r.as_ref()) {
            assert!(num(&e, "keys_moved") <= num(&e, "keys"), "seed={seed} {what}: {}", e.text);
            if text(&e, "strategy") == "ring" && ["add_shard", "remove_shard", "shards"].contains(&&*text(&e, "cause"))
            {
                assert_eq!(num(&e, "moved_between_survivors"), 0.0, "seed={seed} {what}: {}", e.text);
            }
        }
    }
}

#[test]
fn sequential_ids_on_range_shards_send_every_write_to_the_last_shard_and_hash_spreads_them() {
    for seed in 1..=3u64 {
        let (p, script) = testing::preset(scene(), "sequential-ids-on-range-shards");
        let r = run(p.clone(), seed, script.clone(), 30);
        testing::assert_invariants(r.as_ref(), seed, "sequential range");
        assert_eq!(metric(r.as_ref(), "max_shard_write_share"), 1.0, "seed={seed}: every write to one shard");
        assert_eq!(metric(r.as_ref(), "hottest_shard"), 4.0, "seed={seed}: the last shard");
        assert!(metric(r.as_ref(), "max_shard_share") > 0.6, "seed={seed}");
        // The bright diagonal: the brightest key-range row climbs as new keys are created.
        let h = heatmap(r.as_ref());
        let brightest = |col: usize| {
            (0..h.rows.len())
                .filter(|&row| h.rows[row].starts_with("keys"))
                .max_by(|&a, &b| h.cells[a * h.n_cols + col].total_cmp(&h.cells[b * h.n_cols + col]))
                .unwrap()
        };
        let (early, late) = (brightest(4), brightest(h.n_cols - 2));
        assert!(late + 8 < early, "seed={seed}: the hot row climbs (row {early} at 2 s, row {late} at 29 s)");
        assert!(h.cells[late * h.n_cols + h.n_cols - 2] > 0.5, "seed={seed}: the newest keys' row is bright");

        let mut hashed = p.clone();
        hashed.set("strategy", "hash_mod").unwrap();
        let r = run(hashed, seed, script, 30);
        let write_share = metric(r.as_ref(), "max_shard_write_share");
        assert!(write_share < 0.27, "seed={seed}: hash mod 4 spreads the writes ({write_share:.3})");
        assert!(metric(r.as_ref(), "imbalance") < 1.1, "seed={seed}");
    }
}

#[test]
fn a_celebrity_key_keeps_its_shard_at_least_at_its_share_whatever_the_placement() {
    for strategy in ["range", "hash_mod", "ring"] {
        for seed in 1..=3u64 {
            let (mut p, script) = testing::preset(scene(), "celebrity-key");
            p.set("strategy", strategy).unwrap();
            let r = run(p, seed, script, 20);
            testing::assert_invariants(r.as_ref(), seed, strategy);
            let share = metric(r.as_ref(), "celebrity_shard_request_share");
            let theory = metric(r.as_ref(), "celebrity_traffic_share_theory");
            let n = metric(r.as_ref(), "requests");
            assert!(
                (share - theory).abs() < 4.0 * binomial_se(theory, n),
                "seed={seed} {strategy}: {share} vs {theory}"
            );
            let max = metric(r.as_ref(), "max_shard_share");
            assert!(max >= share, "seed={seed} {strategy}: busiest shard {max:.3} < celebrity's share {share:.3}");
            assert!(max > 2.0 / 8.0, "seed={seed} {strategy}: more than twice an even share of 8");
            // It is the shard that owns the celebrity key.
            let hot = format!("shard{}", metric(r.as_ref(), "hottest_shard"));
            let b = bars(r.as_ref());
            assert!(b.bars.iter().any(|bar| bar.label == hot && bar.hot), "seed={seed} {strategy}: {hot} marked hot");
        }
    }
}

#[test]
fn salting_spreads_the_celebrity_and_costs_a_k_way_read_fan_out() {
    for seed in 1..=4u64 {
        let (p, script) = testing::preset(scene(), "salted-celebrity");
        let r = run(p.clone(), seed, script, 30);
        testing::assert_invariants(r.as_ref(), seed, "salted");
        let share = metric(r.as_ref(), "celebrity_traffic_share_theory");
        let late: Vec<f64> = r.series("busiest_share").into_iter().filter(|p| p.0 > 7.0).map(|p| p.1).collect();
        assert!(late.iter().all(|&s| s < share), "seed={seed}: busiest share after salting {late:?} vs {share:.3}");
        // Every shard request beyond one per client request is a fan-out part: (k − 1) per salted read.
        let fanout = metric(r.as_ref(), "fanout_requests");
        assert_eq!(metric(r.as_ref(), "shard_requests") - metric(r.as_ref(), "requests"), fanout, "seed={seed}");
        assert_eq!(fanout % 7.0, 0.0, "seed={seed}: 7 extra parts per salted read");
        // About celebrity reads over the 24 salted seconds: 2,000 × 0.25 × 0.1 × 24 = 1,200 reads.
        assert!((fanout / 7.0 - 1_200.0).abs() < 200.0, "seed={seed}: {} salted reads", fanout / 7.0);
        let (mut unsalted, none) = (p, vec![]);
        unsalted.set("salt", "1").unwrap();
        let u = run(unsalted, seed, none, 30);
        assert_eq!(metric(u.as_ref(), "fanout_requests"), 0.0, "seed={seed}");
        assert!(u.series("busiest_share").iter().all(|p| p.1 >= share * 0.9), "seed={seed}: unsalted stays hot");
    }
}

/// Below capacity an M/M/1 shard's p99 is ln(100)/(μ − λ): 46 ms at 300 of 400 req/s.
#[test]
fn a_shard_below_capacity_queues_like_m_m_1() {
    for seed in 1..=3u64 {
        let p = params(&[("shards", "1"), ("request_rate", "300"), ("shard_capacity", "400"), ("keys", "10000")]);
        let r = run(p, seed, vec![], 120);
        let measured = metric(r.as_ref(), "hottest_shard_latency_p99_ms");
        let theory = mm1_sojourn_quantile_ms(300.0, 400.0, 0.99).unwrap();
        assert!(
            (measured / theory - 1.0).abs() < 0.15,
            "seed={seed}: p99 at the shard {measured:.1} ms vs {theory:.1}"
        );
        let client = metric(r.as_ref(), "latency_p99_ms");
        assert!((client - measured - 2.0).abs() < 3.0, "seed={seed}: the client adds the 2 ms round trip");
    }
}

#[test]
fn latency_rises_at_the_hottest_shard_past_capacity_not_elsewhere() {
    for seed in 1..=3u64 {
        let (p, script) = testing::preset(scene(), "celebrity-key");
        let r = run(p, seed, script, 20);
        let hot = metric(r.as_ref(), "hottest_shard_latency_p99_ms");
        let others = metric(r.as_ref(), "other_shards_latency_p99_ms");
        assert!(hot > 1_000.0, "seed={seed}: the hot shard's queue grows ({hot:.0} ms)");
        assert!(others < 60.0, "seed={seed}: the others stay fast ({others:.1} ms)");
        let hot_series = r.series("busiest_shard_p99_ms");
        let other_series = r.series("other_shards_p99_ms");
        let (h, o) = (hot_series.last().unwrap().1, other_series.last().unwrap().1);
        assert!(h > 20.0 * o, "seed={seed}: per second, busiest {h:.0} ms vs others {o:.1} ms");
        assert!(r.log().iter().any(|e| e.kind == "overload" && e.text.contains("OVERLOADED")), "seed={seed}");
    }
}

#[test]
fn the_same_workload_is_seen_under_each_placement() {
    let mut seen = Vec::new();
    for strategy in ["range", "hash_mod", "ring"] {
        let p = params(&[("strategy", strategy), ("celebrity_share", "0.1")]);
        let r = run(p, 9, vec![], 10);
        seen.push((metric(r.as_ref(), "requests"), metric(r.as_ref(), "reads"), metric(r.as_ref(), "celebrity_key")));
    }
    assert!(seen.windows(2).all(|w| w[0] == w[1]), "seed=9: same requests, reads, celebrity: {seen:?}");
}

#[test]
fn split_hot_range_gives_the_new_shard_the_open_end() {
    for seed in 1..=3u64 {
        let (p, script) = testing::preset(scene(), "split-the-hot-range");
        let r = run(p, seed, script, 20);
        testing::assert_invariants(r.as_ref(), seed, "split");
        let e = &reshards(r.as_ref())[0];
        assert_eq!(
            (text(e, "cause").as_str(), text(e, "added").as_str()),
            ("split_hot_range", "shard5"),
            "seed={seed}"
        );
        assert!(e.text.contains("the open end included"), "seed={seed}: {}", e.text);
        assert_eq!(num(e, "moved_between_survivors"), 0.0, "seed={seed}");
        // The last full seconds' writes all went to the new shard: the hot spot moved.
        let b = bars(r.as_ref());
        let load = |s: &str| b.bars.iter().find(|x| x.label == s).unwrap().value;
        assert!(
            load("shard5") > 2.0 * load("shard4"),
            "seed={seed}: shard5 {} vs shard4 {}",
            load("shard5"),
            load("shard4")
        );
    }
    // Outside range placement there is nothing to split, and the narration says so.
    let r = idle(&[("strategy", "ring")], 1, &["1:trigger:split_hot_range"], 2);
    assert!(r.log().iter().any(|e| e.text.starts_with("split_hot_range has no effect")), "seed=1");
    assert_eq!(metric(r.as_ref(), "reshards"), 0.0);
}

#[test]
fn clicks_remove_the_shard_clicked_and_keep_the_last_one() {
    let seed = 4;
    let r =
        idle(&[("shards", "3")], seed, &["1:crash:shard2", "2:crash:shard2", "3:crash:shard1", "4:crash:shard3"], 5);
    let texts: Vec<String> = r.log().iter().map(|e| e.text.clone()).collect();
    assert!(texts.iter().any(|t| t.starts_with("shard2 removed")), "seed={seed}: {texts:?}");
    assert!(
        texts.iter().any(|t| t == "crash:shard2 has no effect: there is no node shard2 at this moment"),
        "seed={seed}: the runner says a removed shard is gone"
    );
    assert!(texts.iter().any(|t| t.contains("is the last shard")), "seed={seed}: {texts:?}");
    assert_eq!(metric(r.as_ref(), "shards"), 1.0, "seed={seed}");
    assert_eq!(
        keys_per_shard(r.as_ref()),
        vec![("shard3".to_string(), 10_000.0)],
        "seed={seed}: shard3 owns every key"
    );
    testing::assert_invariants(r.as_ref(), seed, "clicks");
    // Re-adding takes the lowest free id, so the ring points (and the keys) come back exactly.
    let back = idle(&[("shards", "3")], seed, &["1:crash:shard2", "2:trigger:add_shard"], 3);
    let evs = reshards(back.as_ref());
    assert_eq!(num(&evs[0], "keys_moved"), num(&evs[1], "keys_moved"), "seed={seed}: the same keys return");
    assert_eq!(text(&evs[1], "added"), "shard2");
}

#[test]
fn panels_stay_bounded_and_the_celebrity_stays_visible_at_100000_keys() {
    let seed = 6;
    let p = params(&[
        ("keys", "100000"),
        ("shards", "64"),
        ("vnodes", "500"),
        ("zipf_s", "0"),
        ("celebrity_share", "0.05"),
        ("request_rate", "5000"),
        ("shard_capacity", "1000"),
    ]);
    let r = run(p, seed, testing::script(&["1:trigger:remove_shard"]), 70);
    testing::assert_invariants(r.as_ref(), seed, "100,000 keys");
    let h = heatmap(r.as_ref());
    assert!(h.rows.len() <= 64 && h.n_cols <= 120, "seed={seed}: {} × {}", h.rows.len(), h.n_cols);
    assert_eq!(h.cells.len(), h.rows.len() * h.n_cols);
    assert!(h.rows[0].contains("celebrity"), "seed={seed}: the celebrity has its own row: {:?}", &h.rows[..2]);
    // 5% of 5,000 req/s = 250 req/s on a capacity of 1,000: 0.25, undiluted by the 1,785 keys of its range, and
    // brighter than any range row (each about 4,750 / 56 = 85 req/s: 0.085).
    let col = h.n_cols - 3;
    let celebrity = h.cells[col];
    let range_max = (1..h.rows.len()).map(|row| h.cells[row * h.n_cols + col]).fold(0.0f32, f32::max);
    assert!((celebrity - 0.25).abs() < 0.06, "seed={seed}: celebrity cell {celebrity}");
    assert!(range_max < celebrity * 0.7, "seed={seed}: ranges {range_max} vs celebrity {celebrity}");
    let v = ring(r.as_ref());
    assert!(
        v.keys.len() <= 600 && v.points.len() <= MAX_RING_POINTS,
        "seed={seed}: {} keys, {} points",
        v.keys.len(),
        v.points.len()
    );
    assert_eq!(v.owners.len(), 63);
    assert!(v.points.iter().all(|p| p.owner < 63 && (0.0..=1.0).contains(&p.position)), "seed={seed}");
    assert_eq!(bars(r.as_ref()).bars.len(), 63);
    let stage = testing::topology(r.as_ref());
    let group = stage.node("shards").expect("many shards are one group box");
    assert_eq!(group.members.len(), 63);
    for m in r.messages() {
        assert!(stage.box_of(m.from).is_some() || stage.box_of(m.to).is_some(), "seed={seed}: message on a box");
    }
}

#[test]
fn the_ring_panel_lights_the_moved_keys_and_shows_measured_beside_theory() {
    for seed in 1..=3u64 {
        let r = idle(&[("strategy", "hash_mod")], seed, &["1:trigger:add_shard"], 2);
        let v = ring(r.as_ref());
        let lit = v.keys.iter().filter(|k| k.moved).count() as f64 / v.keys.len() as f64;
        assert!((lit - 0.8).abs() < 0.08, "seed={seed}: {lit:.3} of the drawn keys lit");
        assert!(v.points.is_empty(), "seed={seed}: hash mod N has no arcs");
        assert!(v.caption.contains("keys moved (") && v.caption.contains("theory 80.0%"), "seed={seed}: {}", v.caption);
        let r = idle(&[("strategy", "ring"), ("vnodes", "10")], seed, &["1:trigger:add_shard"], 2);
        let v = ring(r.as_ref());
        assert_eq!(v.points.len(), 50, "seed={seed}: 5 shards × 10 points");
        let lit: Vec<_> = v.keys.iter().filter(|k| k.moved).collect();
        assert!(!lit.is_empty() && lit.iter().all(|k| v.owners[k.owner].name == "shard5"), "seed={seed}");
    }
}

#[test]
fn every_preset_keeps_its_promise() {
    for preset in scene().presets() {
        for f in preset.faults {
            scene().validate_action(&f.parse().unwrap()).unwrap_or_else(|e| panic!("{}: {e}", preset.id));
        }
    }
    for seed in 1..=3u64 {
        let go = |id: &str, secs| {
            let (p, s) = testing::preset(scene(), id);
            let r = run(p, seed, s, secs);
            testing::assert_invariants(r.as_ref(), seed, id);
            assert!(metric(r.as_ref(), "requests") > 0.0, "seed={seed} {id}");
            r
        };
        // "About 1/5 of the keys move, every one of them to the new shard; none between the four that stayed."
        let r = go("ring-add-shard", 8);
        let e = &reshards(r.as_ref())[0];
        assert!((num(e, "moved_fraction") - 0.2).abs() < 0.08, "seed={seed}: {}", e.text);
        assert_eq!(num(e, "moved_between_survivors"), 0.0, "seed={seed}");
        assert!(e.t == SimTime::from_secs(5), "seed={seed}: within the first seconds of play");
        // "About 4/5 of the keys move, most of them between shards that were there all along."
        let r = go("hash-mod-add-shard", 8);
        let e = &reshards(r.as_ref())[0];
        assert!((num(e, "moved_fraction") - 0.8).abs() < 0.02, "seed={seed}");
        assert!(num(e, "moved_between_survivors") > 0.5 * num(e, "keys_moved"), "seed={seed}");
        // "Only its own keys move (about a quarter)."
        let r = go("ring-remove-shard", 8);
        let e = &reshards(r.as_ref())[0];
        assert_eq!(text(e, "removed"), "shard2");
        assert!(
            (num(e, "moved_fraction") - 0.25).abs() < 0.1 && num(e, "moved_between_survivors") == 0.0,
            "seed={seed}"
        );
        // "Keys per shard vary by about 90% and so does their load, the busiest well past capacity; at 10 s the
        // spread falls to about 7% and the load evens out."
        let r = go("one-vnode-vs-two-hundred", 20);
        let cv = r.series("key_share_cv");
        let at = |t: f64| cv.iter().find(|p| p.0 > t).unwrap().1;
        assert!(at(3.0) > 0.5, "seed={seed}: spread with V = 1: {}", at(3.0));
        assert!(at(15.0) < 0.12, "seed={seed}: spread with V = 200: {}", at(15.0));
        let imbalance = r.series("imbalance");
        let im = |t: f64| imbalance.iter().find(|p| p.0 > t).unwrap().1;
        assert!(im(3.0) > 1.5 && im(18.0) < 1.3, "seed={seed}: imbalance {} → {}", im(3.0), im(18.0));
        assert!(r.log().iter().any(|e| e.kind == "overload" && e.t < SimTime::from_secs(10)), "seed={seed}");
        // "The last shard takes over 60% of the load, past its capacity, while the other three serve a third of
        // theirs."
        let r = go("sequential-ids-on-range-shards", 15);
        assert!(metric(r.as_ref(), "max_shard_share") > 0.6, "seed={seed}");
        let b = bars(r.as_ref());
        for x in b.bars.iter().filter(|x| x.label != "shard4") {
            assert!(x.value < 0.45 * b.capacity.unwrap(), "seed={seed}: {} at {} req/s", x.label, x.value);
        }
        assert!(r.log().iter().any(|e| e.kind == "overload" && e.text.starts_with("shard4 OVERLOADED")), "seed={seed}");
        // (split-the-hot-range: see split_hot_range_gives_the_new_shard_the_open_end.)
        // "Its shard carries more than twice an even share of eight, past capacity, the other seven fast."
        let r = go("celebrity-key", 15);
        assert!(metric(r.as_ref(), "max_shard_share") > 0.25, "seed={seed}");
        assert!(metric(r.as_ref(), "other_shards_latency_p99_ms") < 60.0, "seed={seed}");
        // "The busiest shard's share drops below the celebrity's, its load under capacity."
        let r = go("salted-celebrity", 20);
        let b = bars(r.as_ref());
        assert!(b.bars.iter().all(|x| x.value < b.capacity.unwrap()), "seed={seed}: every shard under capacity");
        assert!(r.log().iter().any(|e| e.kind == "salt"), "seed={seed}");
    }
    assert_eq!(scene().default_preset(), Some("ring-add-shard"));
    assert_eq!(scene().compare_params(), &["strategy"]);
    assert_eq!(scene().names().triggers, &["add_shard", "remove_shard", "split_hot_range"]);
}

#[test]
fn cli_runs_a_preset_and_reports_the_required_fields() {
    let out = Command::new(env!("CARGO_BIN_EXE_faultline"))
        .args(["run", "sharding", "--preset", "hash-mod-add-shard", "--duration", "8", "--seed", "4"])
        .output()
        .expect("runs");
    assert!(out.status.success(), "seed=4: {}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    for m in ["requests", "max_shard_share", "imbalance", "key_share_cv", "keys_moved", "latency_p99_ms"] {
        assert!(v["metrics"][m].is_number(), "seed=4: metric {m} missing");
    }
    for p in [
        "strategy",
        "shards",
        "vnodes",
        "keys",
        "zipf_s",
        "celebrity_share",
        "write_pattern",
        "write_share",
        "request_rate",
        "shard_capacity",
        "salt",
    ] {
        assert!(!v["params"][p].is_null(), "seed=4: parameter {p} missing");
    }
    for c in ["keys_without_owner", "keys_with_two_owners", "keys_lost_or_duplicated_by_reshard"] {
        assert_eq!(v["counters"][c], 0, "seed=4: counter {c}");
    }
    let e = v["events"].as_array().unwrap().iter().find(|e| e["kind"] == "reshard").expect("seed=4: a reshard event");
    assert_eq!((e["from"].as_i64(), e["to"].as_i64()), (Some(4), Some(5)), "seed=4");
    assert_eq!(e["theory"].as_f64(), Some(0.8), "seed=4");
    assert!((e["moved_fraction"].as_f64().unwrap() - 0.8).abs() < 0.02, "seed=4");
    assert_eq!(e["keys_moved"], v["metrics"]["keys_moved"], "seed=4");
    // No closed form: theory is null.
    let out = Command::new(env!("CARGO_BIN_EXE_faultline"))
        .args(["run", "sharding", "--preset", "split-the-hot-range", "--duration", "11"])
        .output()
        .expect("runs");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let e = v["events"].as_array().unwrap().iter().find(|e| e["kind"] == "reshard").expect("seed=1: a split");
    assert!(e["theory"].is_null(), "seed=1: {e}");
    for (args, needle) in [
        (vec!["run", "sharding", "--set", "strategy=modulo"], "one of range, hash_mod, ring"),
        (vec!["run", "sharding", "--set", "shards=65"], "out of range"),
        (vec!["run", "sharding", "--fault", "3:trigger:rebalance"], "unknown trigger"),
        (vec!["run", "sharding", "--fault", "3:crash:shard65"], "unknown node 'shard65'"),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_faultline")).args(&args).output().expect("runs");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(err.contains(needle) && err.trim().lines().count() == 1, "{args:?}: {err}");
    }
}

#[test]
fn bench_sharding_prints_route_and_reshard_times() {
    let out = Command::new(env!("CARGO_BIN_EXE_faultline")).args(["bench-sharding"]).output().expect("runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON line");
    assert_eq!(v["keys"], 100_000);
    for s in ["range", "hash_mod", "ring"] {
        assert!(v[s]["route_ms"].as_f64().unwrap() > 0.0, "{s}: {v}");
        assert!(v[s]["reshard_ms"].as_f64().unwrap() > 0.0, "{s}: {v}");
        assert!(v[s]["keys_moved"].as_u64().unwrap() > 0, "{s}: {v}");
    }
}
