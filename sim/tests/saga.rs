//! The saga scene against its specification: every finished saga all committed or all compensated (the
//! steps before the failed one undone in reverse, each once) over random seeds, parameters and fault
//! scripts with crashes and restarts at random moments, and none lost; the committed fraction against its
//! closed form; the same sagas failing the same way under both protocols; the idempotency pair; the
//! orchestrator's crash and recovery from its log; services taken down; the sequence panel; every
//! preset's claim; and the headless runner. Every assertion names its seed.

use std::collections::BTreeMap;
use std::process::Command;

use faultline_sim::kernel::{Action, ActionKind, RngStream, SimTime};
use faultline_sim::saga::committed_fraction;
use faultline_sim::saga::protocol::Step;
use faultline_sim::scene::{ArrowKind, FlowView, Panel, Params, Run, Scene, SequenceView};
use faultline_sim::scene_by_id;
use faultline_sim::testing::{self, metric, text};

fn scene() -> &'static dyn Scene {
    scene_by_id("saga").unwrap()
}

fn params(overrides: &[(&str, &str)]) -> Params {
    testing::params(scene(), overrides)
}

fn preset(id: &str) -> (Params, Vec<Action>) {
    testing::preset(scene(), id)
}

fn run(p: Params, seed: u64, script: Vec<Action>, secs: u64) -> Box<dyn Run> {
    testing::run(scene(), p, seed, script, secs)
}

/// One `saga_end` event.
#[derive(Clone, Debug, PartialEq)]
struct End {
    saga: u64,
    t: SimTime,
    outcome: String,
    failed: String,
    ran: String,
    compensated: String,
}

fn ends(r: &dyn Run) -> Vec<End> {
    testing::events(r, "saga_end")
        .iter()
        .map(|e| End {
            saga: testing::num(e, "saga") as u64,
            t: e.t,
            outcome: text(e, "outcome"),
            failed: text(e, "failed_step"),
            ran: text(e, "ran"),
            compensated: text(e, "compensated"),
        })
        .collect()
}

/// saga → (outcome, failed step).
fn outcomes(r: &dyn Run) -> BTreeMap<u64, (String, String)> {
    ends(r).into_iter().map(|e| (e.saga, (e.outcome, e.failed))).collect()
}

/// What every `saga_end` must say: committed = all four ran, nothing undone; compensated = the steps before
/// the failed one ran, in order, and were undone in reverse, each once. Each saga ends once.
fn check_ends(r: &dyn Run, seed: u64, what: &str) {
    let mut seen = std::collections::BTreeSet::new();
    for e in ends(r) {
        assert!(seen.insert(e.saga), "seed={seed} {what}: saga #{} ended twice", e.saga);
        match e.outcome.as_str() {
            "committed" => {
                assert_eq!(e.ran, "order,payment,inventory,shipping", "seed={seed} {what}: saga #{}", e.saga);
                assert_eq!(e.compensated, "", "seed={seed} {what}: committed saga #{} undid something", e.saga);
                assert_eq!(e.failed, "", "seed={seed} {what}: committed saga #{} names a failed step", e.saga);
            }
            "compensated" => {
                let failed = Step::from_name(&e.failed)
                    .unwrap_or_else(|| panic!("seed={seed} {what}: saga #{} failed_step '{}'", e.saga, e.failed));
                assert_ne!(failed, Step::Order, "seed={seed} {what}: the order step never fails");
                let before: Vec<&str> = Step::ALL.iter().filter(|s| **s < failed).map(|s| s.name()).collect();
                assert_eq!(e.ran, before.join(","), "seed={seed} {what}: saga #{} ran", e.saga);
                let reverse: Vec<&str> = before.iter().rev().copied().collect();
                assert_eq!(e.compensated, reverse.join(","), "seed={seed} {what}: saga #{} undone in reverse", e.saga);
            }
            other => panic!("seed={seed} {what}: saga #{} outcome '{other}'", e.saga),
        }
    }
}

fn assert_invariants(r: &dyn Run, seed: u64, what: &str) {
    testing::assert_invariants(r, seed, what);
    let (s, c, x, f) = (
        metric(r, "sagas_started"),
        metric(r, "sagas_committed"),
        metric(r, "sagas_compensated"),
        metric(r, "sagas_in_flight"),
    );
    assert_eq!(s, c + x + f, "seed={seed} {what}: started {s} ≠ committed {c} + compensated {x} + in flight {f}");
}

fn sequence(r: &dyn Run) -> SequenceView {
    r.panels()
        .into_iter()
        .find_map(|p| match p {
            Panel::Sequence(s) => Some(s),
            _ => None,
        })
        .expect("the saga shows a sequence panel")
}

fn lane(seq: &SequenceView, name: &str) -> usize {
    seq.lanes.iter().position(|l| l == name).unwrap_or_else(|| panic!("no lane {name} in {:?}", seq.lanes))
}

/// Runs until every saga has ended (or `limit_s`), advancing a second at a time.
fn drain(r: &mut dyn Run, limit_s: u64) {
    let mut t = r.now();
    while metric(r, "sagas_in_flight") > 0.0 && t < SimTime::from_secs(limit_s) {
        t += 1_000_000;
        r.advance_to(t);
    }
}

fn pick<'a>(rng: &mut RngStream, xs: &[&'a str]) -> &'a str {
    xs[rng.below(xs.len() as u64) as usize]
}

fn prob(rng: &mut RngStream, max: f64) -> String {
    match rng.below(4) {
        0 => "0".into(),
        _ => format!("{:.2}", rng.below(1000) as f64 / 1000.0 * max),
    }
}

/// Random parameters and a random fault script (crashes and restarts of every node, cuts and heals, and
/// changes of mode, idempotency, pivot, duplicates and failure rates) in the first 20 s; then everything is
/// brought back, arrivals stop, and every saga must end — all committed or all compensated, none lost.
#[test]
fn random_faults_never_lose_a_saga_and_every_saga_is_all_or_nothing() {
    let mut rng = RngStream::new(0x5a6a, "saga.properties");
    let nodes = ["orchestrator", "bus", "order", "payment", "inventory", "shipping"];
    let services = ["order", "payment", "inventory", "shipping"];
    for case in 0..40 {
        let seed = rng.below(1 << 40);
        let mut p = params(&[]);
        for (name, value) in [
            ("mode", pick(&mut rng, &["orchestration", "choreography"]).to_string()),
            ("order_rate", format!("{}", 1 + rng.below(40))),
            ("fail_payment", prob(&mut rng, 1.0)),
            ("fail_inventory", prob(&mut rng, 1.0)),
            ("fail_shipping", prob(&mut rng, 1.0)),
            ("compensation_failure_rate", prob(&mut rng, 0.8)),
            ("step_latency_ms", format!("{}", 5 + rng.below(300))),
            ("retry_backoff_ms", format!("{}", 1 + rng.below(100))),
            ("duplicate_rate", prob(&mut rng, 0.8)),
            ("idempotency", pick(&mut rng, &["on", "off"]).to_string()),
            ("pivot", pick(&mut rng, &["none", "payment", "inventory", "shipping"]).to_string()),
        ] {
            p.set(name, &value).unwrap();
        }
        let mut script = Vec::new();
        for _ in 0..rng.below(10) {
            let at = format!("{:.3}", rng.below(19_000) as f64 / 1000.0);
            let node = pick(&mut rng, &nodes);
            let entry = match rng.below(7) {
                0 | 1 => format!("{at}:crash:{node}"),
                2 => format!("{at}:restart:{node}"),
                3 => format!("{at}:cut:{}-{}", pick(&mut rng, &["orchestrator", "bus"]), pick(&mut rng, &services)),
                4 => format!("{at}:set:mode={}", pick(&mut rng, &["orchestration", "choreography"])),
                5 => format!("{at}:set:duplicate_rate={}", prob(&mut rng, 0.8)),
                _ => match rng.below(3) {
                    0 => format!("{at}:set:idempotency={}", pick(&mut rng, &["on", "off"])),
                    1 => format!("{at}:set:pivot={}", pick(&mut rng, &["none", "payment", "inventory", "shipping"])),
                    _ => format!("{at}:set:fail_inventory={}", prob(&mut rng, 1.0)),
                },
            };
            script.push(entry);
        }
        // Everything back, arrivals stopped. Past the pivot an attempt fails at most 95% of the time, so
        // retries end; cap the failure rates at 0.8 so they end soon.
        for n in nodes {
            script.push(format!("20:restart:{n}"));
        }
        for a in ["orchestrator", "bus"] {
            for b in services {
                script.push(format!("20:heal:{a}-{b}"));
            }
        }
        for f in ["fail_payment", "fail_inventory", "fail_shipping"] {
            script.push(format!("20:set:{f}=0.8"));
        }
        script.push("20:set:order_rate=0".into());
        let script_text = script.join(",");
        let what = format!("case {case}: params {:?} script {script_text}", p.formatted());
        let idempotent_throughout = p.choice("idempotency") == "on" && !script_text.contains("idempotency=off");
        let script: Vec<Action> = script.iter().map(|s| s.parse().unwrap()).collect();
        for a in &script {
            scene().validate_action(a).unwrap_or_else(|e| panic!("seed={seed} {what}: {e}"));
        }
        let mut r = scene().build(p, seed, script);
        r.advance_to(SimTime::from_secs(20));
        assert_invariants(r.as_ref(), seed, &what);
        drain(r.as_mut(), 900);
        assert_invariants(r.as_ref(), seed, &what);
        assert_eq!(metric(r.as_ref(), "sagas_in_flight"), 0.0, "seed={seed} {what}: sagas never ended (lost)");
        check_ends(r.as_ref(), seed, &what);
        assert_eq!(
            ends(r.as_ref()).len() as f64,
            metric(r.as_ref(), "sagas_started"),
            "seed={seed} {what}: one saga_end per saga"
        );
        if idempotent_throughout {
            assert_eq!(metric(r.as_ref(), "duplicate_effects"), 0.0, "seed={seed} {what}: idempotent handlers");
            assert_eq!(metric(r.as_ref(), "balance_error"), 0.0, "seed={seed} {what}: customers paid exactly");
        }
    }
}

/// With no pivot a saga commits when payment, inventory and shipping all succeed: the fraction is
/// (1 − p_p)(1 − p_i)(1 − p_s); with a pivot only the steps up to it count, and no saga compensates for a
/// failure after it. Over N ≈ 6,000 sagas the fraction's standard deviation is √(f(1 − f)/N) ≤ 0.0065, so
/// 4 of them bound it. The outcomes are facts of each saga: both protocols see exactly the same ones.
#[test]
fn committed_fraction_matches_the_closed_form() {
    let (pp, pi, ps) = (0.2, 0.3, 0.1);
    for pivot in ["none", "payment", "inventory"] {
        for seed in 1..=2u64 {
            let mut by_mode = Vec::new();
            for mode in ["orchestration", "choreography"] {
                let p = params(&[
                    ("mode", mode),
                    ("order_rate", "100"),
                    ("fail_payment", "0.2"),
                    ("fail_inventory", "0.3"),
                    ("fail_shipping", "0.1"),
                    ("step_latency_ms", "20"),
                    ("retry_backoff_ms", "20"),
                    ("pivot", pivot),
                ]);
                let mut r = scene().build(p, seed, testing::script(&["60:set:order_rate=0"]));
                r.advance_to(SimTime::from_secs(60));
                drain(r.as_mut(), 200);
                let what = format!("pivot={pivot} mode={mode}");
                assert_invariants(r.as_ref(), seed, &what);
                check_ends(r.as_ref(), seed, &what);
                let n = metric(r.as_ref(), "sagas_started");
                let c = metric(r.as_ref(), "sagas_committed");
                let theory = committed_fraction(pp, pi, ps, Step::from_name(pivot));
                assert_eq!(metric(r.as_ref(), "theory_committed_fraction"), theory, "seed={seed} {what}");
                let sd = (theory * (1.0 - theory) / n).sqrt();
                assert!(
                    (c / n - theory).abs() <= 4.0 * sd,
                    "seed={seed} {what}: committed {c}/{n} = {:.4}, theory {theory:.4} ± {:.4}",
                    c / n,
                    4.0 * sd
                );
                if let Some(p) = Step::from_name(pivot) {
                    for e in ends(r.as_ref()).iter().filter(|e| e.outcome == "compensated") {
                        let f = Step::from_name(&e.failed).unwrap();
                        assert!(f <= p, "seed={seed} {what}: saga #{} compensated for {f:?}, past the pivot", e.saga);
                    }
                    assert!(metric(r.as_ref(), "forward_retries") > 0.0, "seed={seed} {what}: retries past the pivot");
                }
                by_mode.push(outcomes(r.as_ref()));
            }
            assert_eq!(
                by_mode[0], by_mode[1],
                "seed={seed} pivot={pivot}: the same sagas fail the same way in both modes"
            );
        }
    }
}

/// Duplicates on: with idempotent handlers nothing happens twice, whatever the rate; without, customers are
/// charged or refunded twice and the balance shows it. Each saga's outcome is the same either way.
#[test]
fn idempotency_pair_duplicates_have_no_second_effect_only_when_idempotent() {
    for mode in ["orchestration", "choreography"] {
        for (seed, rate) in [(1u64, "0.2"), (2, "0.5"), (3, "1")] {
            let mut runs = Vec::new();
            for idempotency in ["on", "off"] {
                let p = params(&[
                    ("mode", mode),
                    ("order_rate", "10"),
                    ("fail_payment", "0.1"),
                    ("fail_inventory", "0.3"),
                    ("fail_shipping", "0.1"),
                    ("duplicate_rate", rate),
                    ("idempotency", idempotency),
                ]);
                let mut r = scene().build(p, seed, testing::script(&["20:set:order_rate=0"]));
                r.advance_to(SimTime::from_secs(20));
                drain(r.as_mut(), 120);
                let what = format!("{mode} duplicates {rate} idempotency {idempotency}");
                assert_invariants(r.as_ref(), seed, &what);
                check_ends(r.as_ref(), seed, &what);
                assert!(metric(r.as_ref(), "network_copies") > 0.0, "seed={seed} {what}: copies were delivered");
                assert!(metric(r.as_ref(), "duplicate_deliveries") > 0.0, "seed={seed} {what}");
                runs.push(r);
            }
            let (on, off) = (runs[0].as_ref(), runs[1].as_ref());
            assert_eq!(metric(on, "duplicate_effects"), 0.0, "seed={seed} {mode} rate {rate}: idempotent");
            assert_eq!(metric(on, "balance_error"), 0.0, "seed={seed} {mode} rate {rate}: idempotent balance");
            assert!(metric(off, "duplicate_effects") > 0.0, "seed={seed} {mode} rate {rate}: second effects");
            assert_ne!(metric(off, "balance_error"), 0.0, "seed={seed} {mode} rate {rate}: the balance is off");
            let payment = testing::topology(off).node("payment").unwrap().lines.join(" | ");
            assert!(payment.contains("double charges"), "seed={seed} {mode}: the payment service shows it: {payment}");
            assert_eq!(outcomes(on), outcomes(off), "seed={seed} {mode} rate {rate}: same outcomes either way");
        }
    }
}

/// The orchestrator crashes at a random moment and restarts later: while it is down its memory is empty
/// and the log holds the sagas in flight; on restart it rebuilds them from the log; every saga started
/// before the crash ends, those in flight after the restart; the sequence panel shows the gap.
#[test]
fn orchestrator_crash_loses_memory_and_recovery_from_the_log_resumes_every_saga() {
    let mut rng = RngStream::new(7, "saga.crash");
    for seed in 1..=6u64 {
        let crash_ms = 3_000 + rng.below(7_000);
        let restart_ms = crash_ms + 1_000 + rng.below(5_000);
        let (crash, restart) = (SimTime::from_millis(crash_ms), SimTime::from_millis(restart_ms));
        let p = params(&[("order_rate", "20"), ("compensation_failure_rate", "0.3"), ("pivot", "payment")]);
        let script = vec![
            format!("{}:crash:orchestrator", crash.exact_secs()).parse().unwrap(),
            format!("{}:restart:orchestrator", restart.exact_secs()).parse().unwrap(),
            format!("{}:set:order_rate=0", (restart + 2_000_000).exact_secs()).parse().unwrap(),
        ];
        let mut r = scene().build(p, seed, script);
        r.advance_to(SimTime(crash.0 - 1));
        let started_before = metric(r.as_ref(), "sagas_started") as u64;
        let in_memory = metric(r.as_ref(), "orchestrator_sagas_in_memory");
        assert!(in_memory > 0.0, "seed={seed}: sagas in flight at the crash");
        r.advance_to(crash + 200_000);
        assert_eq!(metric(r.as_ref(), "orchestrator_sagas_in_memory"), 0.0, "seed={seed}: memory lost");
        assert!(metric(r.as_ref(), "orchestrator_log_records") > 0.0, "seed={seed}: the log survives");
        let topo = testing::topology(r.as_ref());
        assert_eq!(topo.node("orchestrator").unwrap().badge.as_deref(), Some("DOWN"), "seed={seed}");
        r.advance_to(SimTime(restart.0 - 1));
        assert!(metric(r.as_ref(), "orders_waiting") > 0.0, "seed={seed}: orders and replies queue");
        let ended_during: Vec<End> = ends(r.as_ref()).into_iter().filter(|e| e.t > crash).collect();
        assert!(ended_during.is_empty(), "seed={seed}: no orchestrated saga ends while it is down: {ended_during:?}");
        r.advance_to(restart);
        let recovery = testing::events(r.as_ref(), "recovery");
        assert_eq!(recovery.len(), 1, "seed={seed}");
        assert!(testing::num(&recovery[0], "rebuilt") > 0.0, "seed={seed}: sagas rebuilt from the log");
        assert_eq!(testing::num(&recovery[0], "lost"), 0.0, "seed={seed}");
        // Just after the restart, the flows caught mid-flight carry both marks and show the gap: the
        // orchestrator sent nothing while it was down.
        r.advance_to(restart + 300_000);
        let seq = sequence(r.as_ref());
        let orch = lane(&seq, "Orchestrator");
        let marked: Vec<&FlowView> =
            seq.flows.iter().filter(|f| f.marks.iter().any(|m| m.lane == orch && m.at == crash)).collect();
        assert!(!marked.is_empty(), "seed={seed}: a flow in flight shows the crash");
        for f in marked {
            assert!(
                f.marks.iter().any(|m| m.lane == orch && m.at == restart),
                "seed={seed}: restart mark on {}",
                f.label
            );
            assert!(
                f.arrows.iter().all(|a| a.from != orch || a.sent <= crash || a.sent >= restart),
                "seed={seed}: the orchestrator sends nothing while it is down ({})",
                f.label
            );
        }
        drain(r.as_mut(), 600);
        assert_invariants(r.as_ref(), seed, "crash and recovery");
        check_ends(r.as_ref(), seed, "crash and recovery");
        let ended: BTreeMap<u64, SimTime> = ends(r.as_ref()).into_iter().map(|e| (e.saga, e.t)).collect();
        for id in 0..started_before {
            let t =
                ended.get(&id).unwrap_or_else(|| panic!("seed={seed}: saga #{id} started before the crash was lost"));
            assert!(
                *t < crash || *t >= restart,
                "seed={seed}: saga #{id} ended at {t} while the orchestrator was down"
            );
        }
        assert!(ended.values().any(|t| *t >= restart), "seed={seed}: sagas in flight finish after the restart");
    }
}

/// Choreography has no orchestrator to crash; a service taken down stalls it the same way: its lane is
/// silent while it is down, and its queue is worked through when it is back.
#[test]
fn choreography_has_no_orchestrator_and_a_service_down_stalls_and_resumes() {
    for seed in 1..=3u64 {
        let p = params(&[("mode", "choreography"), ("order_rate", "6")]);
        let script =
            testing::script(&["3:crash:orchestrator", "4:crash:payment", "8:restart:payment", "10:set:order_rate=0"]);
        let mut r = scene().build(p, seed, script);
        r.advance_to(SimTime::from_secs(6));
        assert!(
            r.log().iter().any(|e| e.kind == "fault" && e.text.contains("no node orchestrator")),
            "seed={seed}: crashing the orchestrator in choreography has no effect"
        );
        let topo = testing::topology(r.as_ref());
        assert!(topo.node("orchestrator").is_none(), "seed={seed}: no orchestrator box in choreography");
        assert!(topo.node("payment").unwrap().badge.as_deref().unwrap().starts_with("DOWN"), "seed={seed}");
        drain(r.as_mut(), 120);
        assert_invariants(r.as_ref(), seed, "choreography, payment down");
        check_ends(r.as_ref(), seed, "choreography, payment down");
        let seq = sequence(r.as_ref());
        assert!(!seq.lanes.iter().any(|l| l == "Orchestrator"), "seed={seed}: lanes {:?}", seq.lanes);
        let (bus, pay) = (lane(&seq, "Event bus"), lane(&seq, "Payment"));
        let (down, up) = (SimTime::from_secs(4), SimTime::from_secs(8));
        let mut resumed = false;
        for f in &seq.flows {
            for a in &f.arrows {
                assert!(a.from == bus || a.to == bus, "seed={seed}: every choreography message goes through the bus");
                assert!(a.from != pay || a.sent <= down || a.sent >= up, "seed={seed}: payment silent while down");
                resumed |= a.from == pay && a.sent >= up && a.sent < up + 1_500_000;
            }
        }
        assert!(resumed, "seed={seed}: payment publishes again as soon as it has worked through its queue");
    }
}

#[test]
fn sequence_panel_shows_the_compensations_in_reverse_for_the_latest_failed_saga() {
    for seed in 1..=4u64 {
        let (p, script) = preset("out-of-stock-after-charging");
        let r = run(p, seed, script, 20);
        let seq = sequence(r.as_ref());
        let f = seq.flows.iter().filter(|f| f.failed).max_by_key(|f| f.id).expect("a failed saga to follow");
        assert!(f.finished && f.label.contains("compensated"), "seed={seed}: {}", f.label);
        let (orch, pay, ord) = (lane(&seq, "Orchestrator"), lane(&seq, "Payment"), lane(&seq, "Order"));
        let find = |label: &str| -> Vec<_> { f.arrows.iter().filter(|a| a.label == label).collect() };
        let failure = find("out of stock");
        let refund = find("refund");
        let cancel = find("cancel order");
        assert_eq!((failure.len(), refund.len(), cancel.len()), (1, 1, 1), "seed={seed}: each once: {:?}", f.arrows);
        assert_eq!(failure[0].kind, ArrowKind::Failure);
        assert!(refund[0].kind == ArrowKind::Compensation && cancel[0].kind == ArrowKind::Compensation);
        assert_eq!((refund[0].from, refund[0].to), (orch, pay), "seed={seed}");
        assert_eq!((cancel[0].from, cancel[0].to), (orch, ord), "seed={seed}");
        assert!(failure[0].received <= refund[0].sent, "seed={seed}: compensation starts after the failure");
        let refunded = find("refunded");
        assert!(refunded[0].received <= cancel[0].sent, "seed={seed}: the order is cancelled after the refund");
        for a in &f.arrows {
            assert!(a.sent <= a.received && a.from < seq.lanes.len() && a.to < seq.lanes.len(), "seed={seed}");
        }
    }
}

/// A long busy run with crashes keeps the panel bounded: at most 40 recent flows, 20 older ones in flight
/// and the latest failed one, each with at most 120 arrows.
#[test]
fn sequence_panel_stays_bounded() {
    let seed = 5;
    let p = params(&[("order_rate", "150"), ("duplicate_rate", "0.5"), ("idempotency", "off"), ("pivot", "payment")]);
    let r = run(p, seed, testing::script(&["5:crash:orchestrator", "12:restart:orchestrator", "14:crash:payment"]), 20);
    let seq = sequence(r.as_ref());
    assert!(seq.flows.len() <= 61, "seed={seed}: {} flows", seq.flows.len());
    assert!(seq.flows.iter().all(|f| f.arrows.len() <= 120 && f.marks.len() <= 16), "seed={seed}");
    assert!(seq.flows.iter().any(|f| f.failed), "seed={seed}: the latest failed saga is kept");
    assert!(
        seq.flows.iter().any(|f| f.arrows.iter().any(|a| a.kind == ArrowKind::Duplicate)),
        "seed={seed}: duplicates drawn as ghosts"
    );
    let ids: Vec<u64> = seq.flows.iter().map(|f| f.id).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "seed={seed}: flows in saga order");
}

// ---- every preset's claim ---------------------------------------------------------------------------

#[test]
fn preset_happy_path_commits_everything() {
    for seed in 1..=3 {
        let (p, script) = preset("happy-path");
        let r = run(p, seed, script, 30);
        assert_invariants(r.as_ref(), seed, "happy path");
        check_ends(r.as_ref(), seed, "happy path");
        assert!(metric(r.as_ref(), "sagas_committed") > 40.0, "seed={seed}");
        assert_eq!(metric(r.as_ref(), "sagas_compensated"), 0.0, "seed={seed}");
        assert_eq!(metric(r.as_ref(), "compensations"), 0.0, "seed={seed}");
    }
}

#[test]
fn preset_payment_declined_cancels_the_order_and_refunds_nothing() {
    for seed in 1..=3 {
        let (p, script) = preset("payment-declined");
        let r = run(p, seed, script, 30);
        assert_invariants(r.as_ref(), seed, "payment declined");
        check_ends(r.as_ref(), seed, "payment declined");
        let compensated: Vec<End> = ends(r.as_ref()).into_iter().filter(|e| e.outcome == "compensated").collect();
        assert!(compensated.len() > 15, "seed={seed}: about half compensate ({})", compensated.len());
        for e in &compensated {
            assert_eq!((e.failed.as_str(), e.ran.as_str(), e.compensated.as_str()), ("payment", "order", "order"));
        }
        let payment = testing::topology(r.as_ref()).node("payment").unwrap().lines.join(" | ");
        assert!(payment.contains("refunded $0"), "seed={seed}: nothing refunded: {payment}");
    }
}

#[test]
fn preset_out_of_stock_refunds_then_cancels_each_once() {
    for seed in 1..=3 {
        let (p, script) = preset("out-of-stock-after-charging");
        let r = run(p, seed, script, 30);
        assert_invariants(r.as_ref(), seed, "out of stock");
        check_ends(r.as_ref(), seed, "out of stock");
        let compensated: Vec<End> = ends(r.as_ref()).into_iter().filter(|e| e.outcome == "compensated").collect();
        assert!(compensated.len() > 15, "seed={seed}: {}", compensated.len());
        for e in &compensated {
            assert_eq!(e.compensated, "payment,order", "seed={seed}: saga #{} refund, then cancel", e.saga);
        }
        assert_eq!(metric(r.as_ref(), "compensations"), 2.0 * compensated.len() as f64, "seed={seed}: each once");
        assert_eq!(metric(r.as_ref(), "duplicate_effects"), 0.0, "seed={seed}");
        // A compensation within the first 10 s of the default view.
        assert!(compensated[0].t < SimTime::from_secs(10), "seed={seed}: first compensation at {}", compensated[0].t);
    }
    assert_eq!(scene().default_preset(), Some("out-of-stock-after-charging"));
}

#[test]
fn preset_orchestrator_crash_loses_no_saga() {
    for seed in 1..=3 {
        let (p, mut script) = preset("orchestrator-crashes-mid-saga");
        script.push("20:set:order_rate=0".parse().unwrap());
        let mut r = scene().build(p, seed, script);
        r.advance_to(SimTime::from_millis(4_999));
        let started = metric(r.as_ref(), "sagas_started") as u64;
        let in_flight = metric(r.as_ref(), "orchestrator_sagas_in_memory");
        r.advance_to(SimTime::from_secs(9));
        let recovery = testing::events(r.as_ref(), "recovery");
        assert_eq!(testing::num(&recovery[0], "rebuilt"), in_flight, "seed={seed}: every saga in flight rebuilt");
        assert!(testing::num(&recovery[0], "queued") > 0.0, "seed={seed}: new orders waited");
        drain(r.as_mut(), 120);
        assert_invariants(r.as_ref(), seed, "orchestrator crash");
        check_ends(r.as_ref(), seed, "orchestrator crash");
        let ended: BTreeMap<u64, SimTime> = ends(r.as_ref()).into_iter().map(|e| (e.saga, e.t)).collect();
        assert!((0..started).all(|id| ended.contains_key(&id)), "seed={seed}: none lost");
    }
}

#[test]
fn preset_duplicates_without_idempotency_charges_twice_and_with_it_never() {
    for seed in 1..=3 {
        let (p, script) = preset("duplicates-without-idempotency");
        let r = run(p.clone(), seed, script.clone(), 30);
        assert_invariants(r.as_ref(), seed, "duplicates, idempotency off");
        assert!(metric(r.as_ref(), "duplicate_effects") > 0.0, "seed={seed}");
        assert_ne!(metric(r.as_ref(), "balance_error"), 0.0, "seed={seed}: what customers paid is off");
        assert!(testing::events(r.as_ref(), "duplicate_effect").iter().any(|e| e.text.contains("charged twice")));
        let mut p = p;
        p.set("idempotency", "on").unwrap();
        let r = run(p, seed, script, 30);
        assert_eq!(metric(r.as_ref(), "duplicate_effects"), 0.0, "seed={seed}: none with idempotency");
        assert_eq!(metric(r.as_ref(), "balance_error"), 0.0, "seed={seed}");
    }
}

#[test]
fn preset_pivot_ships_no_matter_what() {
    for seed in 1..=3 {
        let (p, script) = preset("pivot-ship-no-matter-what");
        let r = run(p, seed, script, 60);
        assert_invariants(r.as_ref(), seed, "pivot");
        check_ends(r.as_ref(), seed, "pivot");
        for e in ends(r.as_ref()).iter().filter(|e| e.outcome == "compensated") {
            assert_eq!(e.failed, "payment", "seed={seed}: only declined cards compensate (saga #{})", e.saga);
        }
        assert!(metric(r.as_ref(), "forward_retries") > 0.0, "seed={seed}");
        let f = metric(r.as_ref(), "committed_fraction");
        assert!((f - 0.8).abs() < 0.12, "seed={seed}: committed fraction {f} (80%)");
        let seq = sequence(r.as_ref());
        assert!(
            seq.flows.iter().filter(|f| f.label.contains("committed")).all(|f| f.rules.len() == 1),
            "seed={seed}: the pivot drawn as a rule on every committed saga"
        );
    }
}

#[test]
fn preset_choreography_runs_the_same_orders_through_the_bus() {
    for seed in 1..=3 {
        let (p, script) = preset("choreography-same-order");
        let chor = run(p, seed, script, 30);
        let (p, script) = preset("out-of-stock-after-charging");
        let orch = run(p, seed, script, 30);
        assert_invariants(chor.as_ref(), seed, "choreography");
        check_ends(chor.as_ref(), seed, "choreography");
        let (a, b) = (outcomes(chor.as_ref()), outcomes(orch.as_ref()));
        let common: Vec<_> = a.keys().filter(|k| b.contains_key(k)).collect();
        assert!(common.len() > 40, "seed={seed}");
        assert!(common.iter().all(|k| a[k] == b[k]), "seed={seed}: the same sagas fail the same way");
        // The failure event travels back: out of stock → (payment refunds) refunded → (order cancels) cancelled,
        // each event published to the bus and delivered by it; no command is ever sent.
        let seq = sequence(chor.as_ref());
        let f = seq.flows.iter().filter(|f| f.failed).max_by_key(|f| f.id).unwrap();
        let first = |label: &str| {
            f.arrows
                .iter()
                .find(|a| a.label == label)
                .unwrap_or_else(|| panic!("seed={seed}: no '{label}' in {}", f.label))
                .received
        };
        assert!(
            first("out of stock") < first("refunded") && first("refunded") < first("order cancelled"),
            "seed={seed}"
        );
        for command in ["refund", "cancel order", "reserve stock", "charge"] {
            assert!(f.arrows.iter().all(|a| a.label != command), "seed={seed}: events, not commands");
        }
    }
}

#[test]
fn preset_payment_service_down_stalls_every_saga_at_payment() {
    for seed in 1..=3 {
        let (p, mut script) = preset("payment-service-down");
        script.push("10:set:order_rate=0".parse().unwrap());
        let mut r = scene().build(p, seed, script);
        r.advance_to(SimTime::from_secs(6));
        let badge = testing::topology(r.as_ref()).node("payment").unwrap().badge.clone().unwrap();
        assert!(badge.starts_with("DOWN") && !badge.ends_with(" 0 waiting"), "seed={seed}: {badge}");
        drain(r.as_mut(), 60);
        assert_invariants(r.as_ref(), seed, "payment down");
        check_ends(r.as_ref(), seed, "payment down");
        let seq = sequence(r.as_ref());
        let pay = lane(&seq, "Payment");
        for f in &seq.flows {
            for a in f.arrows.iter().filter(|a| a.from == pay) {
                assert!(a.sent <= SimTime::from_secs(4) || a.sent >= SimTime::from_secs(8), "seed={seed}: {}", f.label);
            }
        }
        let late: Vec<End> = ends(r.as_ref()).into_iter().filter(|e| e.t > SimTime::from_secs(8)).collect();
        assert!(!late.is_empty(), "seed={seed}: the stalled sagas resume");
    }
}

#[test]
fn every_preset_runs_clean_and_names_valid_things() {
    for p in scene().presets() {
        for f in p.faults {
            scene().validate_action(&f.parse().unwrap()).unwrap_or_else(|e| panic!("{}: {e}", p.id));
        }
        let seed = 3;
        let (params, script) = preset(p.id);
        let r = run(params, seed, script, 15);
        assert_invariants(r.as_ref(), seed, p.id);
        let stage = testing::topology(r.as_ref());
        for m in r.messages() {
            assert!(stage.box_of(m.from).is_some() && stage.box_of(m.to).is_some(), "seed={seed} {}: endpoints", p.id);
        }
        for l in &stage.links {
            assert!(scene().names().link_ok(&l.a, &l.b), "seed={seed} {}: link {}-{} is scriptable", p.id, l.a, l.b);
        }
        for n in &stage.nodes {
            for a in &n.actions {
                let action = Action { at: SimTime::ZERO, kind: a.kind.clone() };
                scene().validate_action(&action).unwrap_or_else(|e| panic!("seed={seed} {}: {e}", p.id));
                assert!(matches!(a.kind, ActionKind::Crash { .. } | ActionKind::Restart { .. }));
            }
        }
    }
}

#[test]
fn cli_runs_a_preset_and_reports_the_required_fields() {
    let out = Command::new(env!("CARGO_BIN_EXE_faultline"))
        .args(["run", "saga", "--preset", "out-of-stock-after-charging", "--duration", "15", "--seed", "4"])
        .output()
        .expect("runs");
    assert!(out.status.success(), "seed=4: {}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    for m in [
        "sagas_started",
        "sagas_committed",
        "sagas_compensated",
        "sagas_in_flight",
        "compensations",
        "duplicate_deliveries",
        "duplicate_effects",
    ] {
        assert!(v["metrics"][m].is_number(), "seed=4: metric {m} missing");
    }
    let m = |k: &str| v["metrics"][k].as_f64().unwrap();
    assert_eq!(
        m("sagas_started"),
        m("sagas_committed") + m("sagas_compensated") + m("sagas_in_flight"),
        "seed=4: started = committed + compensated + in flight"
    );
    let ends: Vec<&serde_json::Value> =
        v["events"].as_array().unwrap().iter().filter(|e| e["kind"] == "saga_end").collect();
    assert_eq!(ends.len() as f64, m("sagas_committed") + m("sagas_compensated"), "seed=4: one saga_end per saga");
    for e in &ends {
        assert!(e["saga"].is_number(), "seed=4: {e}");
        for f in ["outcome", "failed_step", "ran", "compensated"] {
            assert!(e[f].is_string(), "seed=4: saga_end field {f} missing: {e}");
        }
    }
    let failed = ends.iter().find(|e| e["outcome"] == "compensated").expect("seed=4: a compensated saga");
    assert_eq!(
        (failed["failed_step"].as_str(), failed["compensated"].as_str()),
        (Some("inventory"), Some("payment,order"))
    );
    for s in
        ["committed_rate", "sagas_in_flight", "consistency_p99_ms", "duplicate_effects", "committed_fraction_theory"]
    {
        assert!(v["series"][s].as_array().is_some(), "seed=4: series {s} missing");
    }
    for (args, needle) in [
        (vec!["run", "saga", "--set", "mode=peer"], "choreography"),
        (vec!["run", "saga", "--set", "compensation_failure_rate=1"], "0 to 0.95"),
        (vec!["run", "saga", "--fault", "3:crash:warehouse"], "unknown node"),
        (vec!["run", "saga", "--preset", "nope"], "happy-path"),
    ] {
        let bad = Command::new(env!("CARGO_BIN_EXE_faultline")).args(&args).output().expect("runs");
        assert_eq!(bad.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&bad.stderr);
        assert!(err.contains(needle) && err.lines().count() == 1, "{args:?}: {err}");
    }
}
