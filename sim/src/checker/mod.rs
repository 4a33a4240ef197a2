//! A linearizability checker for one read/write register, run incrementally as operations complete.
//!
//! A history is *linearizable* when every operation can be given one instant between its invoke and its
//! return such that, taken in the order of those instants, the operations behave like a single register:
//! each read returns the value of the write placed last before it (or the initial, empty value). The
//! checker searches for such an order the way Wing & Gong and Lowe ("Testing for linearizability", 2017)
//! do: depth-first, linearizing next only an operation that no other pending operation precedes in real
//! time, and remembering every (set of operations linearized, register value) it has already explored, so
//! that no configuration is searched twice.
//!
//! **What an operation's result means** (the way Jepsen records them):
//!
//! * an `ok` write must be linearized between its invoke and its return ([`Checker::ok`]);
//! * a write that *failed* certainly did not take effect: it is simply not given to the checker;
//! * a write whose outcome is *unknown* (it timed out) may take effect at any moment after its invoke, or
//!   never ([`Checker::unknown_write`]). It joins a pool and is linearized only where a read returns its
//!   value, once at most;
//! * an `ok` read must be linearized between invoke and return and see the register's value there. A read
//!   that returned several values at once ([`Observed::Siblings`]) is never linearizable: a register holds
//!   one value. Reads that failed or timed out constrain nothing and are not given to the checker.
//!
//! Written values must be unique (the scenes write 1, 2, 3, …); value 0 is the register's initial value.
//!
//! **Incremental.** [`Checker::advance`] is told a *frontier*: a moment before which every operation that
//! was invoked has completed (the caller knows which operations are still outstanding). The operations
//! invoked before it are checked in chunks of a few dozen, in invoke order. A chunk's search starts from
//! every configuration the previous chunk could end in — the register's possible values, which operations
//! that span the cut are already linearized, which unknown writes were used — and hands the ones it can end
//! in to the next. So the whole history is checked exactly, in bounded memory, as it grows. A chunk that no
//! configuration can explain is a violation; a chunk whose search exceeds the budget is *undecided*. After
//! either, the checker carries on from "any value" (and treats the spanning writes as unknown), so one bad
//! moment is reported once and never makes a later, correct one look wrong.
//!
//! ```
//! use faultline_sim::checker::{Checker, Observed, Op, OpKind};
//! use faultline_sim::kernel::SimTime;
//! let ms = SimTime::from_millis;
//! let mut c = Checker::new(10_000);
//! // write 1 returns at 10 ms; a read from 20 to 30 ms still returns the initial, empty value.
//! c.ok(Op { id: 0, invoke: ms(0), ret: ms(10), kind: OpKind::Write(1) });
//! c.ok(Op { id: 1, invoke: ms(20), ret: ms(30), kind: OpKind::Read(Observed::Value(0)) });
//! let progress = c.advance(ms(40));
//! assert_eq!(progress.violations.len(), 1);
//! assert_eq!(progress.violations[0].culprit, 1);
//! assert_eq!(c.stats().violations, 1);
//! ```

mod search;

use crate::kernel::SimTime;

use search::{ActiveKind, ActiveOp, ChunkOutcome};

/// An operation's identity, chosen by the caller (the scenes number operations in invoke order).
pub type OpId = u64;

/// Operations checked per search: a chunk plus the few that span its cut stay well inside 128.
const CHUNK_OPS: usize = 32;
/// Most operations one search may hold (the linearized set is a 128-bit mask).
const MAX_ACTIVE: usize = 128;
/// Unknown writes remembered individually; older ones widen the "may still take effect" range.
const MAX_POOL: usize = 4_096;
/// Unknown writes a configuration remembers having used.
const MAX_APPLIED: usize = 256;
/// Configurations carried from one chunk to the next before the checker gives up on the chunk.
const MAX_CONFIGS: usize = 4_096;

/// What a read returned.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Observed {
    /// One value; 0 is the register's initial, empty value.
    Value(u64),
    /// Several values at once (concurrent versions kept as siblings), in ascending order.
    Siblings(Vec<u64>),
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum OpKind {
    Write(u64),
    Read(Observed),
}

/// A completed operation with its real invoke and return times.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Op {
    pub id: OpId,
    pub invoke: SimTime,
    pub ret: SimTime,
    pub kind: OpKind,
}

/// What the register holds in a configuration: a known value, or anything (after a violation or an
/// undecided check, when the checker cannot know).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Reg {
    Any,
    Value(u64),
}

/// One way the history so far can have ended at the last cut.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Config {
    state: Reg,
    /// Operations spanning the cut that are not linearized yet (sorted ids).
    leftover: Vec<OpId>,
    /// Unknown writes already used (sorted values): each takes effect once at most.
    applied: Vec<u64>,
}

/// Why no order explains the operations of a chunk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reason {
    /// A read returned several values at once.
    Siblings,
    /// A read returned a value the register cannot hold there: overwritten already, or never written by
    /// a write that may have taken effect.
    Stale,
}

/// The first thing a chunk could not explain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// The operation no order could place (a read).
    pub culprit: OpId,
    pub observed: Observed,
    /// What the register held at the deepest point the search reached (`None`: unknown).
    pub register: Option<u64>,
    pub reason: Reason,
    /// The operations of the chunk that failed.
    pub ops: Vec<OpId>,
}

/// What one call of [`Checker::advance`] found.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Progress {
    /// The linearization point the checker chose, per operation (unknown writes included, where used).
    pub linearized: Vec<(OpId, SimTime)>,
    pub violations: Vec<Violation>,
    /// The operations of each chunk whose search hit the budget.
    pub undecided: Vec<Vec<OpId>>,
}

/// Counts since the checker started.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CheckerStats {
    /// Chunks searched.
    pub checks: u64,
    pub ops_checked: u64,
    pub violations: u64,
    pub undecided: u64,
    /// Most search steps one check took, and all of them.
    pub max_steps: u64,
    pub total_steps: u64,
}

#[derive(Clone, Debug)]
pub struct Checker {
    /// Search steps (configurations explored) one check may take.
    budget: u64,
    /// Completed ok operations not checked yet.
    ready: Vec<Op>,
    /// Operations of earlier chunks that some configuration has not linearized yet (by invoke).
    leftover: Vec<Op>,
    configs: Vec<Config>,
    /// Unknown writes: (value, invoke, id), by value.
    pool: Vec<(u64, SimTime, OpId)>,
    /// Every value up to this one may take effect at any time (an earlier segment's writes).
    pool_below: u64,
    last_lp: SimTime,
    stats: CheckerStats,
}

/// How a recorded operation ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    /// Certainly did not take effect.
    Fail,
    /// May or may not have taken effect (a timed-out write).
    Unknown,
}

/// One operation of a recorded history, as a client saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recorded {
    pub id: OpId,
    pub invoke: SimTime,
    pub ret: SimTime,
    pub kind: OpKind,
    pub outcome: Outcome,
}

/// Checks a whole recorded history at once (offline): ok operations must be placed, unknown writes may be,
/// failed operations and reads that did not return ok constrain nothing.
///
/// ```
/// use faultline_sim::checker::{check_recorded, Observed, OpKind, Outcome, Recorded};
/// use faultline_sim::kernel::SimTime;
/// let op = |id, a, b, kind, outcome| Recorded { id, invoke: SimTime(a), ret: SimTime(b), kind, outcome };
/// let history = vec![
///     op(0, 0, 10, OpKind::Write(1), Outcome::Unknown),
///     op(1, 20, 30, OpKind::Read(Observed::Value(1)), Outcome::Ok),
///     op(2, 40, 50, OpKind::Write(2), Outcome::Fail),
///     op(3, 60, 70, OpKind::Read(Observed::Value(2)), Outcome::Ok), // 2 failed: never took effect
/// ];
/// let (progress, stats) = check_recorded(&history, 10_000);
/// assert_eq!(stats.violations, 1);
/// assert_eq!(progress.violations[0].culprit, 3);
/// ```
pub fn check_recorded(history: &[Recorded], budget: u64) -> (Progress, CheckerStats) {
    let mut c = Checker::new(budget);
    for r in history {
        match (r.outcome, &r.kind) {
            (Outcome::Ok, kind) => c.ok(Op { id: r.id, invoke: r.invoke, ret: r.ret, kind: kind.clone() }),
            (Outcome::Unknown, OpKind::Write(v)) => c.unknown_write(r.id, r.invoke, *v),
            _ => {}
        }
    }
    let progress = c.advance(SimTime::MAX);
    (progress, c.stats())
}

/// Sorts by key, stably, by insertion: the lists here are short or nearly sorted already (operations arrive
/// in about invoke order), and one small loop keeps the page's wasm smaller than a general sort per type.
pub(crate) fn sort_by_key<T, K: Ord>(v: &mut [T], key: impl Fn(&T) -> K) {
    for i in 1..v.len() {
        let mut j = i;
        while j > 0 && key(&v[j - 1]) > key(&v[j]) {
            v.swap(j - 1, j);
            j -= 1;
        }
    }
}

/// The id reported for a write known only as "some earlier value" (no operation of this segment).
pub const NO_OP: OpId = u64::MAX;

impl Checker {
    /// A checker whose every check stops after `budget` search steps (then: undecided).
    pub fn new(budget: u64) -> Self {
        Checker {
            budget: budget.max(1),
            ready: Vec::new(),
            leftover: Vec::new(),
            configs: vec![Config { state: Reg::Value(0), leftover: Vec::new(), applied: Vec::new() }],
            pool: Vec::new(),
            pool_below: 0,
            last_lp: SimTime::ZERO,
            stats: CheckerStats::default(),
        }
    }

    pub fn stats(&self) -> CheckerStats {
        self.stats
    }

    /// Operations waiting for the frontier to pass them.
    pub fn n_waiting(&self) -> usize {
        self.ready.len() + self.leftover.len()
    }

    /// Completed operations [`Checker::advance`] would check now, given `frontier` (the spanning ones not
    /// counted): callers batch calls on it, since one search of a few dozen operations costs far less than a
    /// few dozen searches of one.
    pub fn n_due(&self, frontier: SimTime) -> usize {
        self.ready.iter().filter(|o| o.invoke < frontier).count()
    }

    /// A completed operation that returned ok.
    pub fn ok(&mut self, op: Op) {
        self.ready.push(op);
    }

    /// A write whose outcome is unknown: it may take effect at any moment after `invoke`, or never.
    pub fn unknown_write(&mut self, id: OpId, invoke: SimTime, value: u64) {
        match self.pool_index(value) {
            Ok(i) => self.pool[i] = (value, invoke, id),
            Err(i) => self.pool.insert(i, (value, invoke, id)),
        }
        if self.pool.len() > MAX_POOL {
            // Forgetting the oldest individually widens the range instead: looser, never wrong.
            let (v, _, _) = self.pool.remove(0);
            self.pool_below = self.pool_below.max(v);
        }
    }

    fn pool_index(&self, value: u64) -> Result<usize, usize> {
        self.pool.binary_search_by_key(&value, |p| p.0)
    }

    /// Starts a new segment of history (the system changed how it works): every write so far, up to
    /// `max_value`, may take effect at any time from now on, once. The operations already given are
    /// checked first, as a segment of their own.
    pub fn start_segment(&mut self, max_value: u64) -> Progress {
        let progress = self.advance(SimTime::MAX);
        self.leftover.clear();
        self.pool.clear();
        self.pool_below = self.pool_below.max(max_value);
        self.configs = vec![Config { state: Reg::Value(0), leftover: Vec::new(), applied: Vec::new() }];
        progress
    }

    /// Checks every operation invoked before `frontier` (every operation invoked before it must have been
    /// given, as ok or unknown, by now).
    pub fn advance(&mut self, frontier: SimTime) -> Progress {
        let mut progress = Progress::default();
        if !self.ready.iter().any(|o| o.invoke < frontier) {
            // No new operation, but spanning ones that have now returned must be placed.
            if self.leftover.iter().any(|o| o.ret < frontier) {
                self.check_chunk(&[], frontier, &mut progress);
            }
            return progress;
        }
        let (mut due, rest): (Vec<Op>, Vec<Op>) =
            std::mem::take(&mut self.ready).into_iter().partition(|o| o.invoke < frontier);
        self.ready = rest;
        sort_by_key(&mut due, |o| (o.invoke, o.id));
        let mut start = 0;
        while start < due.len() {
            let mut end = (start + CHUNK_OPS).min(due.len());
            // Never cut between two operations invoked at the same moment.
            while end < due.len() && due[end].invoke == due[end - 1].invoke {
                end += 1;
            }
            let cut = if end < due.len() { due[end].invoke } else { frontier };
            self.check_chunk(&due[start..end], cut, &mut progress);
            start = end;
        }
        progress
    }

    /// Searches the operations of one chunk (plus those spanning its start) from every carried
    /// configuration; `cut` is the moment before which every operation of the chunk was invoked.
    fn check_chunk(&mut self, new_ops: &[Op], cut: SimTime, progress: &mut Progress) {
        self.stats.checks += 1;
        self.stats.ops_checked += new_ops.len() as u64;
        let mut ops: Vec<&Op> = self.leftover.iter().chain(new_ops.iter()).collect();
        sort_by_key(&mut ops, |o| (o.invoke, o.id));
        let chunk_ids: Vec<OpId> = ops.iter().map(|o| o.id).collect();
        let mut active: Vec<ActiveOp> = ops
            .iter()
            .map(|o| ActiveOp {
                id: o.id,
                invoke: o.invoke.0,
                ret: o.ret.0,
                kind: match &o.kind {
                    OpKind::Write(v) => ActiveKind::Write(*v),
                    OpKind::Read(Observed::Value(v)) => ActiveKind::Read(*v),
                    OpKind::Read(Observed::Siblings(_)) => ActiveKind::ReadNever,
                },
                pulled: false,
            })
            .collect();
        // Unknown writes some read of this chunk returns: they may take effect here.
        let written: Vec<u64> = active.iter().filter_map(|a| a.kind.written()).collect();
        let mut wanted: Vec<u64> = active
            .iter()
            .filter_map(|a| match a.kind {
                ActiveKind::Read(v) if v != 0 && !written.contains(&v) => Some(v),
                _ => None,
            })
            .collect();
        sort_by_key(&mut wanted, |v| *v);
        wanted.dedup();
        for v in wanted {
            let (invoke, id) = match self.pool_index(v) {
                Ok(i) => (self.pool[i].1, self.pool[i].2),
                Err(_) if v <= self.pool_below => (SimTime::ZERO, NO_OP),
                Err(_) => continue,
            };
            active.push(ActiveOp { id, invoke: invoke.0, ret: u64::MAX, kind: ActiveKind::Write(v), pulled: true });
        }
        if active.len() > MAX_ACTIVE || self.configs.len() > MAX_CONFIGS {
            self.give_up(&active, cut, None, &chunk_ids, progress);
            return;
        }
        // Which operations span the cut into this chunk (the same for every configuration).
        let spans: Vec<bool> = active.iter().map(|a| !a.pulled && self.leftover.iter().any(|l| l.id == a.id)).collect();
        let starts: Vec<(u128, Reg, Vec<u64>)> = self
            .configs
            .iter()
            .map(|c| {
                let mut bits = 0u128;
                for (i, a) in active.iter().enumerate() {
                    if spans[i] && c.leftover.binary_search(&a.id).is_err() {
                        bits |= 1 << i;
                    }
                }
                (bits, c.state, c.applied.clone())
            })
            .collect();
        let outcome = search::run(&active, cut.0, &starts, self.budget);
        match outcome {
            ChunkOutcome::Budget { steps } => {
                self.stats.max_steps = self.stats.max_steps.max(steps);
                self.stats.total_steps += steps;
                self.give_up(&active, cut, None, &chunk_ids, progress);
            }
            ChunkOutcome::Violation { steps, culprit, register, reason } => {
                self.stats.max_steps = self.stats.max_steps.max(steps);
                self.stats.total_steps += steps;
                let a = &active[culprit];
                let observed = ops
                    .iter()
                    .find(|o| o.id == a.id)
                    .and_then(|o| match &o.kind {
                        OpKind::Read(obs) => Some(obs.clone()),
                        OpKind::Write(_) => None,
                    })
                    .unwrap_or(Observed::Value(0));
                let v = Violation { culprit: a.id, observed, register, reason, ops: chunk_ids.clone() };
                self.give_up(&active, cut, Some(v), &chunk_ids, progress);
            }
            ChunkOutcome::Linearizable { steps, witness, ends } => {
                self.stats.max_steps = self.stats.max_steps.max(steps);
                self.stats.total_steps += steps;
                for i in witness {
                    let a = &active[i];
                    let lp = SimTime(a.invoke.max(self.last_lp.0).min(a.ret));
                    self.last_lp = lp;
                    if a.id != NO_OP {
                        progress.linearized.push((a.id, lp));
                    }
                }
                let mut configs: Vec<Config> = Vec::with_capacity(ends.len());
                // Operations some configuration leaves open, as a mask over `active` (the union of their
                // `leftover`s, without collecting every configuration's ids first).
                let mut open_mask = 0u128;
                for (bits, state, base) in ends {
                    let mut leftover = Vec::new();
                    let mut applied = base;
                    for (i, a) in active.iter().enumerate() {
                        let linearized = bits & (1 << i) != 0;
                        if a.pulled && linearized {
                            applied.push(a.kind.written().expect("pulled ops are writes"));
                        } else if !a.pulled && !linearized {
                            leftover.push(a.id);
                        }
                    }
                    sort_by_key(&mut leftover, |v| *v);
                    sort_by_key(&mut applied, |v| *v);
                    applied.dedup();
                    if applied.len() > MAX_APPLIED {
                        let extra = applied.len() - MAX_APPLIED;
                        applied.drain(..extra);
                    }
                    open_mask |= !bits;
                    configs.push(Config { state, leftover, applied });
                }
                let mut still_open: Vec<OpId> = active
                    .iter()
                    .enumerate()
                    .filter(|&(i, a)| !a.pulled && open_mask & (1 << i) != 0)
                    .map(|(_, a)| a.id)
                    .collect();
                sort_by_key(&mut still_open, |v| *v);
                still_open.dedup();
                let mut kept: Vec<Op> = Vec::new();
                for o in std::mem::take(&mut self.leftover).into_iter().chain(new_ops.iter().cloned()) {
                    if still_open.binary_search(&o.id).is_ok() {
                        kept.push(o);
                    }
                }
                sort_by_key(&mut kept, |o| (o.invoke, o.id));
                self.leftover = kept;
                // An unknown write every configuration used is spent for good: forget it.
                let spent: Vec<u64> = configs[0]
                    .applied
                    .iter()
                    .copied()
                    .filter(|v| {
                        self.pool_index(*v).is_ok() && configs.iter().all(|c| c.applied.binary_search(v).is_ok())
                    })
                    .collect();
                for v in &spent {
                    if let Ok(i) = self.pool_index(*v) {
                        self.pool.remove(i);
                    }
                    for c in &mut configs {
                        c.applied.retain(|x| x != v);
                    }
                }
                configs.dedup();
                self.configs = configs;
            }
        }
    }

    /// After a violation or an undecided search: carry on from "any value", with the writes that spanned
    /// the cut treated as unknown (they may still take effect) — looser, so never a false alarm later.
    fn give_up(
        &mut self,
        active: &[ActiveOp],
        cut: SimTime,
        violation: Option<Violation>,
        chunk_ids: &[OpId],
        progress: &mut Progress,
    ) {
        for a in active {
            if let (false, Some(v)) = (a.pulled, a.kind.written())
                && a.ret >= cut.0
            {
                self.unknown_write(a.id, SimTime(a.invoke), v);
            }
        }
        self.leftover.clear();
        self.configs = vec![Config { state: Reg::Any, leftover: Vec::new(), applied: Vec::new() }];
        match violation {
            Some(v) => {
                self.stats.violations += 1;
                progress.violations.push(v);
            }
            None => {
                self.stats.undecided += 1;
                progress.undecided.push(chunk_ids.to_vec());
            }
        }
    }
}
