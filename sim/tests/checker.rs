//! The linearizability checker on hand-made histories: known linearizable and non-linearizable ones, with
//! writes of unknown outcome, reads of siblings, histories split across many chunks, the search budget, and
//! a new segment. Each history is small enough to check by hand; the comment above each says why it is or
//! is not linearizable.

use faultline_sim::checker::{Checker, NO_OP, Observed, Op, OpKind, Reason, Violation};
use faultline_sim::kernel::SimTime;

fn ms(t: u64) -> SimTime {
    SimTime::from_millis(t)
}
fn w(id: u64, invoke: u64, ret: u64, v: u64) -> Op {
    Op { id, invoke: ms(invoke), ret: ms(ret), kind: OpKind::Write(v) }
}
fn r(id: u64, invoke: u64, ret: u64, v: u64) -> Op {
    Op { id, invoke: ms(invoke), ret: ms(ret), kind: OpKind::Read(Observed::Value(v)) }
}

/// Checks a whole history at once; returns (violations, undecided, linearization points).
fn check(ops: Vec<Op>, unknown: &[(u64, u64, u64)]) -> (Vec<Violation>, usize, Vec<(u64, SimTime)>) {
    let mut c = Checker::new(100_000);
    for (id, invoke, v) in unknown {
        c.unknown_write(*id, ms(*invoke), *v);
    }
    for o in ops {
        c.ok(o);
    }
    let p = c.advance(SimTime::MAX);
    (p.violations, p.undecided.len(), p.linearized)
}

#[test]
fn sequential_history_is_linearizable_and_points_follow_the_order() {
    let (v, u, lp) = check(vec![r(0, 0, 1, 0), w(1, 2, 3, 1), r(2, 4, 5, 1), w(3, 6, 7, 2), r(4, 8, 9, 2)], &[]);
    assert!(v.is_empty() && u == 0, "{v:?}");
    let ids: Vec<u64> = lp.iter().map(|x| x.0).collect();
    assert_eq!(ids, vec![0, 1, 2, 3, 4]);
    for (id, t) in &lp {
        assert!(*t >= ms(2 * id) && *t <= ms(2 * id + 1), "op {id} linearized at {t}");
    }
}

#[test]
fn concurrent_write_may_be_seen_or_not() {
    // w1 overlaps both reads: the first read before it (empty), the second after it.
    let (v, _, _) = check(vec![w(0, 0, 10, 1), r(1, 1, 2, 0), r(2, 3, 4, 1)], &[]);
    assert!(v.is_empty(), "{v:?}");
    // Reads may even disagree in either order while the write is pending — but not go back.
    let (v, _, _) = check(vec![w(0, 0, 10, 1), r(1, 1, 2, 1), r(2, 3, 4, 0)], &[]);
    assert_eq!(v.len(), 1, "new-then-old read while a write is pending is not linearizable");
    assert_eq!(v[0].culprit, 2);
}

#[test]
fn stale_read_after_a_write_returned_is_a_violation() {
    // w1 returned at 3 ms; a read invoked at 4 ms still returns the empty value.
    let (v, _, _) = check(vec![w(0, 0, 3, 1), r(1, 4, 5, 0)], &[]);
    assert_eq!(v.len(), 1);
    assert_eq!((v[0].culprit, v[0].reason, v[0].register), (1, Reason::Stale, Some(1)));
    // Overwritten value read back later.
    let (v, _, _) = check(vec![w(0, 0, 1, 1), w(1, 2, 3, 2), r(2, 4, 5, 1)], &[]);
    assert_eq!(v.len(), 1);
    assert_eq!((v[0].culprit, v[0].register), (2, Some(2)));
}

#[test]
fn two_concurrent_writes_order_fixed_by_reads() {
    // w1 and w2 overlap; reads see 2 then 1: order w2, w1 — linearizable.
    let (v, _, _) = check(vec![w(0, 0, 10, 1), w(1, 0, 10, 2), r(2, 11, 12, 1), r(3, 13, 14, 1)], &[]);
    assert!(v.is_empty(), "{v:?}");
    // …but 1, 2, 1 after both returned is not: each value can be the last only once.
    let (v, _, _) = check(vec![w(0, 0, 10, 1), w(1, 0, 10, 2), r(2, 11, 12, 1), r(3, 13, 14, 2)], &[]);
    assert_eq!(v.len(), 1);
}

#[test]
fn unknown_write_may_take_effect_late_or_never() {
    // Unknown write 1 invoked at 0: never read → fine; read much later → fine (took effect late).
    let (v, _, lp) = check(vec![r(1, 100, 101, 0), r(2, 200, 201, 1), r(3, 300, 301, 1)], &[(0, 0, 1)]);
    assert!(v.is_empty(), "{v:?}");
    let pos = |id: u64| lp.iter().position(|x| x.0 == id).expect("placed");
    assert!(pos(1) < pos(0) && pos(0) < pos(2), "placed between the first two reads: {lp:?}");
    let t = lp[pos(0)].1;
    assert!(t >= ms(100) && t <= ms(201), "{t}");
    // …but only once: 1, then 2 (ok), then 1 again is a violation.
    let (v, _, _) = check(vec![r(1, 100, 101, 1), w(2, 110, 111, 2), r(3, 200, 201, 1)], &[(0, 0, 1)]);
    assert_eq!(v.len(), 1, "an unknown write takes effect at most once");
    // …and never before its invoke.
    let (v, _, _) = check(vec![r(1, 10, 11, 5)], &[(0, 50, 5)]);
    assert_eq!(v.len(), 1, "a read returned before the write was invoked");
}

#[test]
fn failed_write_values_are_never_explained() {
    // A failed write is not given to the checker: reading its value is a violation.
    let (v, _, _) = check(vec![r(1, 10, 11, 7)], &[]);
    assert_eq!(v.len(), 1);
}

#[test]
fn siblings_are_not_a_register_value() {
    let ops = vec![
        w(0, 0, 1, 1),
        w(1, 0, 1, 2),
        Op { id: 2, invoke: ms(5), ret: ms(6), kind: OpKind::Read(Observed::Siblings(vec![1, 2])) },
    ];
    let (v, _, _) = check(ops, &[]);
    assert_eq!(v.len(), 1);
    assert_eq!(v[0].reason, Reason::Siblings);
}

#[test]
fn incremental_equals_whole_across_many_chunks() {
    // 300 operations of three clients with overlaps, checked as they "complete" with a moving frontier,
    // give the same verdict as checking them all at once — including a stale read planted at op 200.
    let mut ops = Vec::new();
    let mut last = 0;
    for i in 0..300u64 {
        let invoke = i * 3;
        let ret = invoke + 5; // each overlaps the next one
        let op = if i % 3 == 0 {
            last = i + 1;
            w(i, invoke, ret, i + 1)
        } else if i == 200 {
            r(i, invoke, ret, 1) // long overwritten
        } else {
            // Reads see the latest write invoked before them (concurrent with it: fine either way).
            r(i, invoke, ret, last)
        };
        ops.push(op);
    }
    let (whole, _, _) = check(ops.clone(), &[]);
    let mut c = Checker::new(100_000);
    let mut found = Vec::new();
    for o in &ops {
        c.ok(o.clone());
        found.extend(c.advance(o.invoke).violations);
    }
    found.extend(c.advance(SimTime::MAX).violations);
    assert_eq!(whole.len(), 1, "{whole:?}");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].culprit, 200);
    assert!(c.stats().checks > 5, "checked in chunks: {:?}", c.stats());
}

#[test]
fn one_violation_does_not_poison_what_follows() {
    let (v, _, _) = check(vec![w(0, 0, 1, 1), w(1, 2, 3, 2), r(2, 4, 5, 1), w(3, 10, 11, 3), r(4, 12, 13, 3)], &[]);
    assert_eq!(v.len(), 1, "{v:?}");
}

#[test]
fn budget_gives_undecided_not_a_verdict() {
    // Twenty concurrent writes and reads: many orders to try; a budget of 5 steps cannot decide.
    let mut c = Checker::new(5);
    for i in 0..20 {
        c.ok(w(i, 0, 100, i + 1));
    }
    c.ok(r(20, 0, 100, 7));
    let p = c.advance(SimTime::MAX);
    assert!(p.violations.is_empty());
    assert_eq!(p.undecided.len(), 1);
    assert_eq!(c.stats().undecided, 1);
    // After an undecided check the checker carries on from "any value": a later correct run is clean.
    c.ok(w(30, 200, 201, 31));
    c.ok(r(31, 202, 203, 31));
    assert!(c.advance(SimTime::MAX).violations.is_empty());
}

#[test]
fn a_new_segment_lets_earlier_writes_take_effect_once() {
    let mut c = Checker::new(100_000);
    c.ok(w(0, 0, 1, 1));
    c.ok(w(1, 2, 3, 2));
    assert!(c.advance(ms(10)).violations.is_empty());
    c.start_segment(2);
    // In the new segment 1 and then 2 may appear (each an earlier write taking effect), not 1 again.
    c.ok(r(2, 20, 21, 1));
    c.ok(r(3, 22, 23, 2));
    let p = c.advance(ms(30));
    assert!(p.violations.is_empty(), "{:?}", p.violations);
    assert!(p.linearized.iter().all(|(id, _)| *id != NO_OP));
    c.ok(r(4, 31, 32, 1));
    assert_eq!(c.advance(ms(40)).violations.len(), 1);
}

/// Brute force: some subset of the unknown writes and some order of the operations that respects real time
/// (a before b when a returned before b was invoked; unknown writes never return) behaves like a register.
fn brute_force(ok: &[Op], unknown: &[(u64, u64, u64)]) -> bool {
    fn search(ops: &[(u64, u64, OpKind)], used: &mut Vec<bool>, state: u64) -> bool {
        if used.iter().all(|u| *u) {
            return true;
        }
        let min_ret = (0..ops.len()).filter(|&i| !used[i]).map(|i| ops[i].1).min().unwrap();
        for i in 0..ops.len() {
            if used[i] || ops[i].0 > min_ret {
                continue;
            }
            let next = match &ops[i].2 {
                OpKind::Write(v) => *v,
                OpKind::Read(Observed::Value(v)) if *v == state => state,
                _ => continue,
            };
            used[i] = true;
            if search(ops, used, next) {
                return true;
            }
            used[i] = false;
        }
        false
    }
    for mask in 0..(1u32 << unknown.len()) {
        let mut ops: Vec<(u64, u64, OpKind)> = ok.iter().map(|o| (o.invoke.0, o.ret.0, o.kind.clone())).collect();
        for (j, (_, invoke, v)) in unknown.iter().enumerate() {
            if mask & (1 << j) != 0 {
                ops.push((ms(*invoke).0, u64::MAX, OpKind::Write(*v)));
            }
        }
        if search(&ops, &mut vec![false; ops.len()], 0) {
            return true;
        }
    }
    false
}

#[test]
fn agrees_with_brute_force_on_random_small_histories() {
    /// (completes at, an ok operation, or an unknown write (id, invoke, value)).
    type Completion = (u64, Option<Op>, Option<(u64, u64, u64)>);
    use faultline_sim::kernel::RngStream;
    let mut rng = RngStream::new(7, "checker.random");
    let (mut n_lin, mut n_not) = (0, 0);
    for case in 0..3_000u64 {
        let n = 2 + rng.below(6) as usize;
        let mut ok = Vec::new();
        let mut unknown = Vec::new();
        let mut written = vec![0u64];
        let mut feed: Vec<Completion> = Vec::new();
        let mut next_value = 1;
        for id in 0..n as u64 {
            let invoke = rng.below(20);
            let ret = invoke + 1 + rng.below(8);
            if rng.below(2) == 0 {
                let v = next_value;
                next_value += 1;
                written.push(v);
                if rng.below(4) == 0 {
                    unknown.push((id, invoke, v));
                    feed.push((ret + rng.below(10), None, Some((id, invoke, v))));
                } else {
                    let o = w(id, invoke, ret, v);
                    ok.push(o.clone());
                    feed.push((ret, Some(o), None));
                }
            } else {
                let v = written[rng.below(written.len() as u64 + 1).min(written.len() as u64 - 1) as usize];
                let o = r(id, invoke, ret, v);
                ok.push(o.clone());
                feed.push((ret, Some(o), None));
            }
        }
        let expected = brute_force(&ok, &unknown);
        // Incremental: operations complete in time order; the frontier is the earliest invoke still out.
        feed.sort_by_key(|f| f.0);
        let invokes: Vec<(u64, u64)> =
            feed.iter().map(|f| (f.0, f.1.as_ref().map_or_else(|| f.2.unwrap().1, |o| o.invoke.0 / 1000))).collect();
        let mut c = Checker::new(1_000_000);
        let mut violations = 0;
        for (k, (at, o, u)) in feed.iter().enumerate() {
            if let Some(o) = o {
                c.ok(o.clone());
            }
            if let Some((id, invoke, v)) = u {
                c.unknown_write(*id, ms(*invoke), *v);
            }
            let outstanding = invokes[k + 1..].iter().map(|x| x.1).min().unwrap_or(u64::MAX);
            violations += c.advance(ms((*at).min(outstanding))).violations.len();
        }
        violations += c.advance(SimTime::MAX).violations.len();
        assert_eq!(
            violations == 0,
            expected,
            "seed=7 case {case}: checker found {violations} violations, brute force says linearizable={expected}: ok {ok:?} unknown {unknown:?}"
        );
        if expected { n_lin += 1 } else { n_not += 1 }
    }
    assert!(n_lin > 500 && n_not > 500, "seed=7: both verdicts exercised ({n_lin} linearizable, {n_not} not)");
}
