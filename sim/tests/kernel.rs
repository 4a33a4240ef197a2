//! Kernel behaviour through a tiny ping model: event ordering, partitions that drop or hold messages,
//! loss, scripted cut/heal, invariants checked after every event, and at-least-once delivery (copies arrive
//! after their original, at the configured rate, and partitions treat them like any message).

use faultline_sim::kernel::{
    ActionKind, Duplication, Envelope, InvariantSpec, Kernel, LinkSpec, Model, NodeId, Params, PartitionMode, SimTime,
    World,
};

const A: NodeId = NodeId(0);
const B: NodeId = NodeId(1);

/// Node A sends a numbered ping to B every `period`; B records what arrives and when.
#[derive(Clone, Debug, Default)]
struct Ping {
    period_us: u64,
    n_pings: u64,
    sent: u64,
    received: Vec<(u64, SimTime, SimTime)>, // (seq, sent_at, delivered_at)
    /// At-least-once copies: (seq, delivered_at).
    copies: Vec<(u64, SimTime)>,
    order: Vec<&'static str>,
}

/// Checked after every event: "never more received than sent". Its count stays 0; a check that fails on
/// purpose (`always_fails`) counts once per processed event, which proves the runner checks after each.
const PING_INVARIANTS: &[InvariantSpec] = &[
    InvariantSpec::always("received_not_sent", "pings received that were never sent", ""),
    InvariantSpec::always("always_fails", "a check that always fails", ""),
];

impl Model for Ping {
    type Msg = u64;
    type Timer = &'static str;
    const INVARIANTS: &'static [InvariantSpec] = PING_INVARIANTS;
    fn start(&mut self, k: &mut Kernel<u64, &'static str>) {
        k.schedule_in(self.period_us, "send");
    }
    fn on_message(&mut self, k: &mut Kernel<u64, &'static str>, env: Envelope<u64>) {
        if env.copy {
            self.copies.push((env.payload, k.now()));
        } else {
            self.received.push((env.payload, env.sent_at, k.now()));
        }
    }
    fn on_timer(&mut self, k: &mut Kernel<u64, &'static str>, timer: &'static str) {
        self.order.push(timer);
        if timer == "send" && self.sent < self.n_pings {
            k.send(A, B, self.sent);
            self.sent += 1;
            k.schedule_in(self.period_us, "send");
        }
    }
    fn on_action(&mut self, _: &mut Kernel<u64, &'static str>, _: &ActionKind, _: &Params) {}
    fn check_invariants(&self, k: &mut Kernel<u64, &'static str>) {
        k.check(0, self.received.len() as u64 <= self.sent && self.copies.len() <= self.received.len());
        k.violation(1);
    }
    fn node_ids(&self, name: &str) -> Vec<NodeId> {
        match name {
            "a" => vec![A],
            "b" => vec![B],
            _ => vec![],
        }
    }
}

fn world(mode: PartitionMode, script: &[&str]) -> World<Ping> {
    let mut k = Kernel::new(1);
    k.net.set_default_link(LinkSpec::fixed_ms(10));
    k.net.mode = mode;
    let model = Ping { period_us: 100_000, n_pings: 20, ..Ping::default() };
    let script = script.iter().map(|s| s.parse().unwrap()).collect();
    World::new("ping", k, model, Params::defaults(&[]), script)
}

#[test]
fn messages_arrive_after_link_latency_in_order() {
    let mut w = world(PartitionMode::Drop, &[]);
    w.advance_to(SimTime::from_secs(3));
    assert_eq!(w.model.received.len(), 20);
    for (i, (seq, sent, got)) in w.model.received.iter().enumerate() {
        assert_eq!(*seq, i as u64);
        assert_eq!(*got - *sent, 10_000);
    }
    // Invariants are checked after every processed event, not only at the end.
    assert_eq!(w.kernel.invariants.count(0), 0);
    assert_eq!(w.kernel.invariants.count(1), w.kernel.n_events(), "checked after every event");
}

#[test]
fn same_time_events_run_in_scheduling_order() {
    let mut k: Kernel<u64, &'static str> = Kernel::new(1);
    let mut m = Ping::default();
    for name in ["first", "second", "third"] {
        k.schedule_at(SimTime::from_millis(5), name);
    }
    k.schedule_at(SimTime::from_millis(1), "earliest");
    m.n_pings = 0;
    m.period_us = 60_000_000; // its first "send" comes long after these
    let mut w = World::new("ping", k, m, Params::defaults(&[]), vec![]);
    w.advance_to(SimTime::from_secs(1));
    assert_eq!(&w.model.order[..4], &["earliest", "first", "second", "third"]);
}

#[test]
fn partition_in_drop_mode_loses_messages_sent_or_arriving_while_cut() {
    // Pings are sent at 0.1 s, 0.2 s, …; the link is cut from 0.505 s to 1.005 s.
    let mut w = world(PartitionMode::Drop, &["0.505:cut:a-b", "1.005:heal:a-b"]);
    w.advance_to(SimTime::from_secs(3));
    let got: Vec<u64> = w.model.received.iter().map(|r| r.0).collect();
    // Ping 4 (sent 0.5 s) would arrive at 0.51 s: on the cut link, so dropped; 5..=9 are sent while cut.
    let lost: Vec<u64> = (0..20).filter(|s| !got.contains(s)).collect();
    assert_eq!(lost, vec![4, 5, 6, 7, 8, 9]);
    assert_eq!(w.kernel.net.n_dropped_by_partition, 6);
}

#[test]
fn partition_in_hold_mode_delivers_everything_after_heal() {
    let mut w = world(PartitionMode::Hold, &["0.505:cut:a-b", "1.005:heal:a-b"]);
    w.advance_to(SimTime::from_secs(3));
    let got: Vec<u64> = w.model.received.iter().map(|r| r.0).collect();
    assert_eq!(got.len(), 20, "nothing lost: {got:?}");
    // Held messages arrive one link latency after the heal.
    for seq in 4..=9 {
        let (_, _, at) = w.model.received.iter().find(|r| r.0 == seq).unwrap();
        assert_eq!(*at, SimTime::from_millis(1015), "ping {seq}");
    }
}

#[test]
fn lossy_link_drops_about_the_configured_fraction() {
    let mut k = Kernel::new(7);
    k.net.set_default_link(LinkSpec { latency_median_us: 1000, latency_sigma: 0.0, loss_ppm: 250_000 });
    let model = Ping { period_us: 1000, n_pings: 20_000, ..Ping::default() };
    let mut w = World::new("ping", k, model, Params::defaults(&[]), vec![]);
    w.advance_to(SimTime::from_secs(30));
    let frac = w.kernel.net.n_lost as f64 / 20_000.0;
    assert!((frac - 0.25).abs() < 0.015, "lost {frac}");
    assert_eq!(w.kernel.net.n_lost + w.model.received.len() as u64, 20_000);
}

#[test]
fn jittered_latency_is_reproducible_per_seed() {
    let run = |seed| {
        let mut k = Kernel::new(seed);
        k.net.set_default_link(LinkSpec { latency_median_us: 10_000, latency_sigma: 0.5, loss_ppm: 0 });
        let model = Ping { period_us: 1000, n_pings: 500, ..Ping::default() };
        let mut w = World::new("ping", k, model, Params::defaults(&[]), vec![]);
        w.advance_to(SimTime::from_secs(5));
        (w.kernel.trace_hash(), w.model.received.iter().map(|r| r.2).collect::<Vec<_>>())
    };
    assert_eq!(run(3), run(3));
    assert_ne!(run(3).0, run(4).0);
}

fn duplicating(seed: u64, rate_ppm: u32, mode: PartitionMode, n_pings: u64, script: &[&str]) -> World<Ping> {
    let mut k = Kernel::new(seed);
    k.net.set_default_link(LinkSpec { latency_median_us: 10_000, latency_sigma: 0.3, loss_ppm: 0 });
    k.net.set_duplication(Duplication { rate_ppm, extra_delay_mean_us: 50_000 });
    k.net.mode = mode;
    let model = Ping { period_us: 1000, n_pings, ..Ping::default() };
    let script = script.iter().map(|s| s.parse().unwrap()).collect();
    World::new("ping", k, model, Params::defaults(&[]), script)
}

#[test]
fn copies_carry_the_same_payload_and_arrive_after_their_original() {
    for seed in 1..=3 {
        let mut w = duplicating(seed, 300_000, PartitionMode::Drop, 2_000, &[]);
        w.advance_to(SimTime::from_secs(10));
        assert_eq!(w.model.received.len(), 2_000, "seed={seed}: every original arrives once");
        assert!(!w.model.copies.is_empty(), "seed={seed}: copies were made");
        let mut seen = std::collections::BTreeSet::new();
        for (seq, at) in &w.model.copies {
            assert!(seen.insert(*seq), "seed={seed}: ping {seq} copied twice (a copy is never copied again)");
            let (_, _, original_at) = w.model.received.iter().find(|r| r.0 == *seq).unwrap();
            assert!(at > original_at, "seed={seed}: copy of {seq} at {at} not after its original at {original_at}");
        }
        assert_eq!(w.kernel.net.n_duplicated, w.model.copies.len() as u64, "seed={seed}");
    }
}

/// Over n originals the number of copies is Binomial(n, r): within 4 standard deviations of n·r.
#[test]
fn the_duplicate_fraction_matches_the_rate() {
    for (seed, rate) in [(1u64, 0.05), (2, 0.3), (3, 0.9)] {
        let n = 20_000u64;
        let mut w = duplicating(seed, (rate * 1e6) as u32, PartitionMode::Drop, n, &[]);
        w.advance_to(SimTime::from_secs(40));
        let copies = w.model.copies.len() as f64;
        let sd = (n as f64 * rate * (1.0 - rate)).sqrt();
        assert!(
            (copies - n as f64 * rate).abs() <= 4.0 * sd,
            "seed={seed}: {copies} copies of {n} messages at rate {rate} (expected {} ± {:.0})",
            n as f64 * rate,
            4.0 * sd
        );
    }
}

#[test]
fn partitions_treat_copies_like_any_message() {
    // Pings every 1 ms for 2 s; copies trail their originals by ~50 ms. Cut from 1 s to 3 s: copies of the
    // pings delivered just before the cut reach a cut link.
    let script = ["1:cut:a-b", "3:heal:a-b"];
    let mut drop = duplicating(4, 500_000, PartitionMode::Drop, 2_000, &script);
    drop.advance_to(SimTime::from_secs(5));
    let late_copies = drop.model.copies.iter().filter(|(_, at)| *at >= SimTime::from_secs(1)).count();
    assert_eq!(late_copies, 0, "seed=4: in drop mode no copy crosses the cut link");
    assert!(drop.kernel.net.n_dropped_by_partition > drop.model.received.len() as u64 / 100, "seed=4: copies dropped");

    let mut hold = duplicating(4, 500_000, PartitionMode::Hold, 2_000, &script);
    hold.advance_to(SimTime::from_secs(5));
    assert_eq!(hold.model.received.len(), 2_000, "seed=4: every original arrives in hold mode");
    let held_copies: Vec<_> = hold.model.copies.iter().filter(|(_, at)| *at >= SimTime::from_secs(1)).collect();
    assert!(!held_copies.is_empty(), "seed=4: copies on the cut link were held");
    assert!(
        held_copies.iter().all(|(_, at)| *at >= SimTime::from_secs(3)),
        "seed=4: held copies arrive only after the heal"
    );
    assert_eq!(hold.kernel.net.n_duplicated, hold.model.copies.len() as u64, "seed=4: no copy lost when held");
}

/// Duplication off is exactly the network as it was: same draws, same message ids, same trace.
#[test]
fn duplication_off_changes_nothing() {
    let run = |explicit_off: bool| {
        let mut k = Kernel::new(9);
        k.net.set_default_link(LinkSpec { latency_median_us: 10_000, latency_sigma: 0.5, loss_ppm: 100_000 });
        if explicit_off {
            k.net.set_duplication(Duplication::NONE);
        }
        let model = Ping { period_us: 1000, n_pings: 500, ..Ping::default() };
        let mut w = World::new("ping", k, model, Params::defaults(&[]), vec![]);
        w.advance_to(SimTime::from_secs(5));
        (w.kernel.trace_hash(), w.model.received.clone())
    };
    assert_eq!(run(false), run(true));
}
