//! The search over one chunk: Wing & Gong's depth-first linearization with Lowe's memoisation.
//!
//! A node is (the set of operations linearized so far, the register's value, which start configuration's
//! used-unknown-writes it inherits). From a node, the operations that may be linearized next are the
//! *minimal* ones: not yet linearized, and invoked no later than the earliest return among those not yet
//! linearized (no pending operation finished before they began). A write sets the value; a read may be
//! linearized only where the register holds what it returned. Every node is explored once (a `HashSet` of
//! visited nodes, used for membership only, so the result does not depend on hashing).
//!
//! The chunk ends at a cut: every operation that returned before the cut must be linearized before it, the
//! others may wait. Each node where that holds is an *end configuration* handed to the next chunk; the path
//! to the first one found is the witness whose order gives the linearization points.
//!
//! One pruning keeps the search small without losing anything: a read that may go next and returns the
//! value the register holds is linearized at once, without trying the alternatives. It changes no value,
//! and taking it out of the pending set only relaxes the real-time constraints on the others, so every
//! history completable without it is completable with it (Lowe's "just-in-time" observation for reads).

use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};

/// A small multiplicative hasher for the visited set: keys are plain integers, and the set is used for
/// membership only, so the result never depends on the hash.
#[derive(Default)]
struct FxHasher(u64);

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(word));
        }
    }
    fn write_u64(&mut self, x: u64) {
        self.0 = (self.0.rotate_left(5) ^ x).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn write_u128(&mut self, x: u128) {
        self.write_u64(x as u64);
        self.write_u64((x >> 64) as u64);
    }
    fn write_u16(&mut self, x: u16) {
        self.write_u64(x as u64);
    }
    fn write_u8(&mut self, x: u8) {
        self.write_u64(x as u64);
    }
    fn write_usize(&mut self, x: usize) {
        self.write_u64(x as u64);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

type FastSet<T> = HashSet<T, BuildHasherDefault<FxHasher>>;

use super::{Reason, Reg};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum ActiveKind {
    Write(u64),
    Read(u64),
    /// A read of several values at once: no register state explains it.
    ReadNever,
}

impl ActiveKind {
    pub(super) fn written(self) -> Option<u64> {
        match self {
            ActiveKind::Write(v) => Some(v),
            _ => None,
        }
    }
}

/// An operation taking part in one search.
#[derive(Clone, Copy, Debug)]
pub(super) struct ActiveOp {
    pub id: u64,
    pub invoke: u64,
    /// `u64::MAX` for an unknown write: it never has to be linearized.
    pub ret: u64,
    pub kind: ActiveKind,
    /// An unknown write brought in because a read returned its value.
    pub pulled: bool,
}

pub(super) enum ChunkOutcome {
    Linearizable {
        steps: u64,
        /// Indices of the operations along the first path that reached an end configuration.
        witness: Vec<usize>,
        /// (linearized set, register value, used unknown writes of the start) of every end configuration,
        /// the witness's first.
        ends: Vec<(u128, Reg, Vec<u64>)>,
    },
    Violation {
        steps: u64,
        culprit: usize,
        register: Option<u64>,
        reason: Reason,
    },
    Budget {
        steps: u64,
    },
}

struct Search<'a> {
    ops: &'a [ActiveOp],
    /// Operations that returned before the cut.
    must: u128,
    /// Try order: earliest return first (the most constrained), unknown writes last.
    order: Vec<usize>,
    bases: Vec<Vec<u64>>,
    visited: FastSet<(u128, Reg, u16)>,
    steps: u64,
    budget: u64,
    path: Vec<usize>,
    witness: Option<Vec<usize>>,
    ends: Vec<(u128, Reg, u16)>,
    ends_seen: FastSet<(u128, Reg, u16)>,
    /// The node that linearized the most operations that had to be, for explaining a violation.
    deepest: (u32, u128, Reg),
}

struct OverBudget;

/// Searches `ops` from each start (linearized set, register value, used unknown writes).
pub(super) fn run(ops: &[ActiveOp], cut: u64, starts: &[(u128, Reg, Vec<u64>)], budget: u64) -> ChunkOutcome {
    let mut must = 0u128;
    for (i, a) in ops.iter().enumerate() {
        if a.ret < cut {
            must |= 1 << i;
        }
    }
    let mut order: Vec<usize> = (0..ops.len()).collect();
    super::sort_by_key(&mut order, |&i| (ops[i].ret, ops[i].invoke, i));
    let mut bases: Vec<Vec<u64>> = Vec::new();
    let mut start_base = Vec::with_capacity(starts.len());
    for (_, _, applied) in starts {
        match bases.iter().position(|b| b == applied) {
            Some(i) => start_base.push(i as u16),
            None => {
                bases.push(applied.clone());
                start_base.push((bases.len() - 1) as u16);
            }
        }
    }
    let mut s = Search {
        ops,
        must,
        order,
        bases,
        visited: FastSet::default(),
        steps: 0,
        budget,
        path: Vec::new(),
        witness: None,
        ends: Vec::new(),
        ends_seen: FastSet::default(),
        deepest: (0, 0, Reg::Any),
    };
    if let Some((bits, state, _)) = starts.first() {
        s.deepest = (0, *bits, *state);
    }
    for ((bits, state, _), &base) in starts.iter().zip(&start_base) {
        if s.dfs(*bits, *state, base).is_err() {
            return ChunkOutcome::Budget { steps: s.steps };
        }
    }
    if s.ends.is_empty() {
        let (_, bits, state) = s.deepest;
        let (culprit, reason) = s.explain(bits, state);
        let register = match state {
            Reg::Value(v) => Some(v),
            Reg::Any => None,
        };
        return ChunkOutcome::Violation { steps: s.steps, culprit, register, reason };
    }
    let ends = s.ends.iter().map(|&(bits, state, base)| (bits, state, s.bases[base as usize].clone())).collect();
    ChunkOutcome::Linearizable { steps: s.steps, witness: s.witness.unwrap_or_default(), ends }
}

impl Search<'_> {
    fn dfs(&mut self, bits: u128, state: Reg, base: u16) -> Result<(), OverBudget> {
        if !self.visited.insert((bits, state, base)) {
            return Ok(());
        }
        self.steps += 1;
        if self.steps > self.budget {
            return Err(OverBudget);
        }
        let done_must = (bits & self.must).count_ones();
        if done_must > self.deepest.0 {
            self.deepest = (done_must, bits, state);
        }
        // `order` is by return first, so the first operation in it not linearized has the earliest return.
        let min_ret = self.order.iter().find(|&&i| bits & (1 << i) == 0).map(|&i| self.ops[i].ret);
        // A read that may go next and sees the current value goes now, alone (see the module docs); the
        // node after it dominates this one, so only that one can be an end configuration.
        if let (Some(min_ret), Reg::Value(current)) = (min_ret, state) {
            let eager = self.order.iter().copied().find(|&i| {
                bits & (1 << i) == 0 && self.ops[i].invoke <= min_ret && self.ops[i].kind == ActiveKind::Read(current)
            });
            if let Some(i) = eager {
                self.path.push(i);
                self.dfs(bits | (1 << i), state, base)?;
                self.path.pop();
                return Ok(());
            }
        }
        if bits & self.must == self.must && self.ends_seen.insert((bits, state, base)) {
            self.ends.push((bits, state, base));
            if self.witness.is_none() {
                self.witness = Some(self.path.clone());
            }
        }
        let Some(min_ret) = min_ret else { return Ok(()) };
        for k in 0..self.order.len() {
            let i = self.order[k];
            let a = self.ops[i];
            if bits & (1 << i) != 0 || a.invoke > min_ret {
                continue;
            }
            let next = match a.kind {
                ActiveKind::Write(v) => {
                    if a.pulled && self.bases[base as usize].binary_search(&v).is_ok() {
                        continue; // this unknown write already took effect once
                    }
                    Reg::Value(v)
                }
                ActiveKind::Read(v) if state == Reg::Any || state == Reg::Value(v) => Reg::Value(v),
                ActiveKind::Read(_) | ActiveKind::ReadNever => continue,
            };
            self.path.push(i);
            self.dfs(bits | (1 << i), next, base)?;
            self.path.pop();
        }
        Ok(())
    }

    /// The read that could not be placed at the deepest node, and why.
    fn explain(&self, bits: u128, state: Reg) -> (usize, Reason) {
        let pending_must: Vec<usize> =
            self.order.iter().copied().filter(|&i| self.must & (1 << i) != 0 && bits & (1 << i) == 0).collect();
        for &i in &pending_must {
            match self.ops[i].kind {
                ActiveKind::ReadNever => return (i, Reason::Siblings),
                ActiveKind::Read(v) if state != Reg::Value(v) => return (i, Reason::Stale),
                _ => {}
            }
        }
        (pending_must.first().copied().unwrap_or(0), Reason::Stale)
    }
}
