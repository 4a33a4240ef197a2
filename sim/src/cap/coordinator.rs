//! What the replica a client talks to does with its operation, in each mode.
//!
//! * **cp** — multi-writer ABD. Phase one asks every replica for its version and waits for a majority; a
//!   write then stores (largest counter + 1, value), a read stores back the newest version it saw (so no
//!   later read can return an older one). Phase two waits for a majority of acknowledgements. The
//!   coordinator knows it lacks a majority only because the answers do not come before its deadline: it
//!   answers `fail` if it was still in phase one (no replica was sent the value), `unknown` after.
//! * **quorum** — Dynamo-style. A write, stamped with the coordinator's clock, goes to W random replicas
//!   at once and is acknowledged after their W acks; the other N − W get it after the replication delay. A
//!   read asks R random replicas and returns the newest version among their R answers. No read repair.
//! * **ap** — the coordinator writes to its own storage and answers at once; reads answer from it. The
//!   replicas exchange their state every replication delay (anti-entropy, in `model.rs`).
//!
//! The coordinator never consults a "partitioned" flag: partitions drop its messages, and only missing
//! answers and its own `op_timeout_ms` deadline tell it so.

use crate::kernel::{Kernel, SimTime};

use super::model::{CapModel, Inv};
use super::protocol::{
    Answer, Conflict, Mode, Msg, Request, Tag, Timer, VClock, Version, Why, client_node, majority, replica_node,
};
use super::replica::MergeRule;

/// Where an operation stands at its coordinator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Waiting for versions (cp phase one, quorum reads).
    Query,
    /// Waiting for store acknowledgements of this version (cp phase two or write-back, quorum writes).
    Store(Version),
}

/// One operation being coordinated.
#[derive(Clone, Debug)]
pub struct Coordination {
    pub client: u8,
    pub req: Request,
    pub mode: Mode,
    pub phase: Phase,
    /// Replicas that answered the current phase (a bit each).
    pub answered: u8,
    /// Answers the current phase needs.
    pub need: u8,
    /// The newest version the query answers held.
    pub best: Option<Version>,
    /// Every write the query answers' versions had seen.
    pub seen: VClock,
    pub started: SimTime,
    /// The network's shape when it started, and how many replicas it could reach then.
    pub net_epoch: u64,
    pub reachable: u8,
}

impl CapModel {
    /// The merge rule replicas follow now.
    pub(super) fn merge_rule(&self) -> MergeRule {
        if self.cfg.mode == Mode::Ap && self.cfg.conflict == Conflict::MvRegister {
            MergeRule::ByClock
        } else {
            MergeRule::ByTag
        }
    }

    /// Replica `r`'s clock now, µs: true time shifted by its skew (never below zero).
    pub(super) fn clock(&self, r: usize, now: SimTime) -> u64 {
        (now.0 as i64 + self.clock_offset_us(r)).max(0) as u64
    }

    /// Replicas `r` can exchange messages with now (itself included).
    pub(super) fn reachable_from(&self, k: &Kernel<Msg, Timer>, r: usize) -> u8 {
        (0..self.n())
            .filter(|&j| self.replicas[j].up && (j == r || !k.net.is_cut(replica_node(r), replica_node(j))))
            .count() as u8
    }

    /// `count` distinct random replicas (a bit each).
    fn pick_replicas(&mut self, count: usize) -> u8 {
        let n = self.n();
        let mut pool: Vec<usize> = (0..n).collect();
        let mut mask = 0u8;
        for _ in 0..count.min(n) {
            let i = self.pick_rng.below(pool.len() as u64) as usize;
            mask |= 1 << pool.swap_remove(i);
        }
        mask
    }

    pub(super) fn on_request(&mut self, k: &mut Kernel<Msg, Timer>, r: usize, client: u8, op: u64, req: Request) {
        let now = k.now();
        let mode = self.cfg.mode;
        let n = self.n();
        match (mode, req) {
            (Mode::Ap, Request::Read) => {
                let versions = match self.cfg.conflict {
                    Conflict::MvRegister => self.replicas[r].versions.clone(),
                    Conflict::Lww => self.replicas[r].newest().into_iter().collect(),
                };
                self.obs.note_quorums(op, 1, 0);
                self.answer(k, r, client, op, Answer::Ok(versions), None);
            }
            (Mode::Ap, Request::Write(value)) => {
                let version = self.new_version(r, Tag { ts: self.clock(r, now), value }, self.replicas[r].seen());
                self.obs.note_quorums(op, 0, 1);
                self.store_at(k, r, version);
                self.answer(k, r, client, op, Answer::Ok(vec![version]), None);
            }
            (Mode::Cp, _) | (Mode::Quorum, _) => {
                let c = Coordination {
                    client,
                    req,
                    mode,
                    phase: Phase::Query,
                    answered: 0,
                    need: 0,
                    best: None,
                    seen: VClock::default(),
                    started: now,
                    net_epoch: self.net_epoch,
                    reachable: self.reachable_from(k, r),
                };
                self.replicas[r].coordinating.insert(op, c);
                k.schedule_in(self.cfg.op_timeout_us, Timer::Deadline { replica: r as u8, op });
                match (mode, req) {
                    (Mode::Cp, _) => {
                        self.obs.note_quorums(op, majority(n) as u8, majority(n) as u8);
                        self.start_query(k, r, op, (1u8 << n) - 1, majority(n) as u8);
                    }
                    (_, Request::Read) => {
                        let rq = self.cfg.read_quorum.min(n);
                        self.obs.note_quorums(op, rq as u8, 0);
                        let targets = self.pick_replicas(rq);
                        self.start_query(k, r, op, targets, rq as u8);
                    }
                    (_, Request::Write(value)) => {
                        let wq = self.cfg.write_quorum.min(n);
                        self.obs.note_quorums(op, 0, wq as u8);
                        let version =
                            self.new_version(r, Tag { ts: self.clock(r, now), value }, self.replicas[r].seen());
                        let targets = self.pick_replicas(wq);
                        let rest = ((1u8 << n) - 1) & !targets;
                        if rest != 0 {
                            k.schedule_in(
                                self.cfg.replication_delay_us,
                                Timer::Replicate { replica: r as u8, version, targets: rest },
                            );
                        }
                        self.start_store(k, r, op, version, targets, wq as u8);
                    }
                }
            }
        }
    }

    /// A version written by coordinator `r`: its next dot, and the writes it had seen.
    fn new_version(&mut self, r: usize, tag: Tag, seen: VClock) -> Version {
        let replica = &mut self.replicas[r];
        replica.n_writes += 1;
        let mut seen = seen;
        // A replica's own earlier writes always count as seen by its next one.
        seen.0[r] = seen.0[r].max(replica.n_writes - 1);
        Version::new(tag, r as u8, replica.n_writes, seen)
    }

    fn start_query(&mut self, k: &mut Kernel<Msg, Timer>, r: usize, op: u64, targets: u8, need: u8) {
        if let Some(c) = self.replicas[r].coordinating.get_mut(op) {
            c.phase = Phase::Query;
            c.answered = 0;
            c.need = need;
        }
        for j in (0..self.n()).filter(|j| targets & (1 << j) != 0) {
            if j == r {
                let versions = self.replicas[r].versions.clone();
                self.on_query_reply(k, r, j, op, versions);
            } else {
                k.send(replica_node(r), replica_node(j), Msg::Query { op });
            }
        }
    }

    fn start_store(&mut self, k: &mut Kernel<Msg, Timer>, r: usize, op: u64, version: Version, targets: u8, need: u8) {
        if let Some(c) = self.replicas[r].coordinating.get_mut(op) {
            c.phase = Phase::Store(version);
            c.answered = 0;
            c.need = need;
        }
        for j in (0..self.n()).filter(|j| targets & (1 << j) != 0) {
            if j == r {
                self.store_at(k, r, version);
                self.on_store_ack(k, r, j, op);
            } else {
                k.send(replica_node(r), replica_node(j), Msg::Store { op, version });
            }
        }
    }

    pub(super) fn on_query_reply(
        &mut self,
        k: &mut Kernel<Msg, Timer>,
        r: usize,
        from: usize,
        op: u64,
        versions: Vec<Version>,
    ) {
        let Some(c) = self.replicas[r].coordinating.get_mut(op) else { return };
        if c.phase != Phase::Query || c.answered & (1 << from) != 0 {
            return;
        }
        c.answered |= 1 << from;
        for v in &versions {
            c.seen.join(&v.vv);
            if c.best.is_none_or(|b| v.tag > b.tag) {
                c.best = Some(*v);
            }
        }
        if c.answered.count_ones() < c.need as u32 {
            return;
        }
        let (client, req, mode, best, seen) = (c.client, c.req, c.mode, c.best, c.seen);
        let n = self.n();
        let all = (1u8 << n) - 1;
        match (mode, req) {
            (Mode::Cp, Request::Write(value)) => {
                let ts = best.map_or(0, |b| b.tag.ts) + 1;
                let version = self.new_version(r, Tag { ts, value }, seen);
                self.start_store(k, r, op, version, all, majority(n) as u8);
            }
            // Nothing stored anywhere in the majority: the empty value needs no write-back.
            (Mode::Cp, Request::Read) if best.is_none() => {
                self.answer(k, r, client, op, Answer::Ok(Vec::new()), Some(mode))
            }
            (Mode::Cp, Request::Read) => {
                let best = best.expect("checked above");
                self.start_store(k, r, op, best, all, majority(n) as u8);
            }
            (_, Request::Read) => {
                self.answer(k, r, client, op, Answer::Ok(best.into_iter().collect()), Some(mode));
            }
            (_, Request::Write(_)) => {} // quorum writes have no query phase
        }
    }

    pub(super) fn on_store_ack(&mut self, k: &mut Kernel<Msg, Timer>, r: usize, from: usize, op: u64) {
        let Some(c) = self.replicas[r].coordinating.get_mut(op) else { return };
        let Phase::Store(version) = c.phase else { return };
        if c.answered & (1 << from) != 0 {
            return;
        }
        c.answered |= 1 << from;
        if c.answered.count_ones() >= c.need as u32 {
            let (client, mode) = (c.client, c.mode);
            self.answer(k, r, client, op, Answer::Ok(vec![version]), Some(mode));
        }
    }

    /// The coordinator's deadline: whatever has not completed is answered from what it knows.
    pub(super) fn on_deadline(&mut self, k: &mut Kernel<Msg, Timer>, r: usize, op: u64) {
        let Some(c) = self.replicas[r].coordinating.get(op) else { return };
        let got = c.answered.count_ones() as u8;
        let answer = match (c.phase, c.req) {
            // Phase one never sent the value anywhere: certainly not applied.
            (Phase::Query, _) => Answer::Fail(Why::Query { got, need: c.need }),
            (Phase::Store(_), Request::Read) => Answer::Fail(Why::Store { got, need: c.need }),
            (Phase::Store(_), Request::Write(_)) => Answer::Unknown(Why::Store { got, need: c.need }),
        };
        let (client, mode) = (c.client, c.mode);
        self.answer(k, r, client, op, answer, Some(mode));
    }

    /// Sends the client its answer and forgets the operation. An `ok` under cp is checked against the
    /// majority the coordinator could reach.
    fn answer(
        &mut self,
        k: &mut Kernel<Msg, Timer>,
        r: usize,
        client: u8,
        op: u64,
        answer: Answer,
        coordinated: Option<Mode>,
    ) {
        if let Some(c) = self.replicas[r].coordinating.remove(op)
            && coordinated == Some(Mode::Cp)
            && matches!(answer, Answer::Ok(_))
            && c.net_epoch == self.net_epoch
        {
            let need = majority(self.n()) as u8;
            k.check(Inv::CpOkWithoutMajority as usize, c.reachable >= need && c.answered.count_ones() >= need as u32);
        }
        k.send(replica_node(r), client_node(client as usize), Msg::Response { op, answer });
    }

    /// Replica `r` receives a version (a store, a delayed replication, gossip, its own write) and merges it
    /// by the current rule; the observer hears what changed.
    pub(super) fn store_at(&mut self, k: &mut Kernel<Msg, Timer>, r: usize, version: Version) {
        let rule = self.merge_rule();
        let merged = self.replicas[r].merge(version, rule);
        self.after_merge(k, r, version, merged);
    }
}
