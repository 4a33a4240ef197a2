//! The scene's observer: expiry-cycle bookkeeping kept beside the simulated system, never on its wire.
//!
//! A real cache does not know that a read "belongs to the third expiry of key #1", nor whether a key was
//! warm when a request first asked for it. The narration and the theory checks need both, so the observer
//! watches the cache's reads and writes and keeps a side table:
//!
//! * per key: its current cycle number, whether it is warm (written since the last flush), why it is
//!   missing (TTL, flushed, expired by hand, never loaded);
//! * per read in flight: the cycle it belongs to and whether its reply may start a recompute (`tracked`);
//! * per recompute: the cycle of the read that started it.
//!
//! A recompute is attributed to the cycle of the read that started it, and the first write attributed to
//! the key's current cycle closes that cycle. Once a closed cycle has no tracked read still in flight (which
//! could yet start a recompute), the observer emits one `expiry` event with the number of recomputes the
//! cycle started — the quantity the theory 1 + λ·(R + round trips) predicts for `none`, S for
//! `single_flight`, 1 for `global_lock`.

use std::collections::BTreeMap;

use crate::kernel::{Field, Kernel, SharedVec, SimTime};

use super::protocol::{Msg, Read, Strategy, Timer};
use super::theory::expected_recomputes_per_expiry;

/// Why a key's cycle needed a recompute.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Cause {
    /// The value's TTL ran out.
    Ttl,
    /// Expired by hand ("expire hot key").
    ExpireHot,
    /// The cache was flushed.
    Flush,
    /// The key had never been loaded (it was added by raising `hot_keys`).
    Cold,
    /// XFetch refreshed a still-fresh value.
    Early,
}

impl Cause {
    pub fn as_str(self) -> &'static str {
        match self {
            Cause::Ttl => "ttl",
            Cause::ExpireHot => "expire_hot",
            Cause::Flush => "flush",
            Cause::Cold => "cold",
            Cause::Early => "early",
        }
    }
}

/// What the observer knows of one key.
#[derive(Clone, Copy, Debug)]
struct KeyNote {
    cycle: u64,
    /// Written at least once since the last flush (or loaded at start).
    warm: bool,
    flushed: bool,
    cold_since: SimTime,
    /// Its current value was expired by hand.
    forced: bool,
}

impl KeyNote {
    fn cold(now: SimTime) -> Self {
        KeyNote { cycle: 0, warm: false, flushed: false, cold_since: now, forced: false }
    }
}

/// One read in flight from the cache to a server.
#[derive(Clone, Copy, Debug)]
pub(super) struct ReadNote {
    pub cycle: u64,
    pub cause: Cause,
    pub at: SimTime,
    /// Its reply may start a recompute, so its cycle stays open until the server has decided.
    pub tracked: bool,
}

/// A request's first read: whether its key was warm, and the strategy then (a request that started before a
/// switch to `swr` is not `swr`'s to answer for).
#[derive(Clone, Copy, Debug)]
pub(super) struct FirstRead {
    pub warm: bool,
    pub strategy: Strategy,
}

/// Bookkeeping of one key's cycle.
#[derive(Clone, Debug)]
struct Cycle {
    recomputes: u32,
    first_start: Option<SimTime>,
    cause: Cause,
    at: SimTime,
    /// Tracked reads of this cycle still in flight to servers.
    pending: u32,
    closed: bool,
}

/// What the narration of an expiry needs from the scene's configuration.
pub(super) struct Context {
    pub strategy: Strategy,
    pub servers: usize,
    pub recompute_us: u64,
    /// The key's request rate λ.
    pub key_rate: f64,
}

#[derive(Clone, Debug, Default)]
pub(super) struct Observer {
    keys: SharedVec<KeyNote>,
    /// Reads in flight, by request (a request has at most one read outstanding).
    reads: BTreeMap<u64, ReadNote>,
    /// Each request in progress: what its first read found.
    first_reads: BTreeMap<u64, FirstRead>,
    /// Recomputes in progress → (key, cycle of the read that started them).
    recomputes: BTreeMap<u64, (u32, u64)>,
    cycles: BTreeMap<(u32, u64), Cycle>,
    pub n_expiries: u64,
    pub n_expiry_recomputes: u64,
    /// Hottest key, TTL-caused cycles only: the quantity the theory predicts.
    pub n_hot_ttl_expiries: u64,
    pub n_hot_ttl_recomputes: u64,
}

impl Observer {
    /// `n_keys` keys loaded before the run (warm).
    pub fn warm_start(n_keys: usize) -> Self {
        let keys = (0..n_keys).map(|_| KeyNote { warm: true, ..KeyNote::cold(SimTime::ZERO) }).collect();
        Observer { keys, ..Observer::default() }
    }

    pub fn ensure_key(&mut self, key: usize, now: SimTime) {
        while self.keys.len() <= key {
            self.keys.push(KeyNote::cold(now));
        }
    }

    /// Whether `key` is warm: written since the last flush, and its value expired less than a grace window
    /// ago. A key nobody asked for during TTL + grace has gone cold, and so has one whose refresh took
    /// longer than the grace window (a refused or slow refresh: past the window even swr must recompute).
    pub fn is_warm(&self, key: u32, value_expires: Option<SimTime>, grace_us: u64, now: SimTime) -> bool {
        self.keys.get(key as usize).is_some_and(|n| n.warm) && value_expires.is_some_and(|at| now < at + grace_us)
    }

    /// The cache answered a read of `key` for request `req`.
    #[allow(clippy::too_many_arguments)]
    pub fn on_read(
        &mut self,
        now: SimTime,
        req: u64,
        key: u32,
        first: bool,
        value_expires: Option<SimTime>,
        read: &Read,
        strategy: Strategy,
        warm: bool,
    ) {
        self.ensure_key(key as usize, now);
        let n = self.keys[key as usize];
        let (cause, at) = match (value_expires, read) {
            (Some(at), Read::Fresh { .. }) => (Cause::Early, at),
            (Some(at), _) => (if n.forced { Cause::ExpireHot } else { Cause::Ttl }, at),
            (None, _) => (if n.flushed { Cause::Flush } else { Cause::Cold }, n.cold_since),
        };
        if first {
            self.first_reads.insert(req, FirstRead { warm, strategy });
        }
        let tracked = match read {
            Read::Miss { .. } => true,
            Read::Stale { refresh, .. } => refresh.is_some(),
            Read::Fresh { .. } => strategy == Strategy::XFetch && first,
        };
        if tracked {
            self.cycles
                .entry((key, n.cycle))
                .or_insert(Cycle { recomputes: 0, first_start: None, cause, at, pending: 0, closed: false })
                .pending += 1;
        }
        self.reads.insert(req, ReadNote { cycle: n.cycle, cause, at, tracked });
    }

    /// The server got the reply of `req`'s read.
    pub fn take_read(&mut self, req: u64) -> Option<ReadNote> {
        self.reads.remove(&req)
    }

    /// `req` was answered: forgets it; returns what its first read found.
    pub fn request_done(&mut self, req: u64) -> Option<FirstRead> {
        self.first_reads.remove(&req)
    }

    pub fn recompute_started(&mut self, rc: u64, key: u32, cycle: u64) {
        self.recomputes.insert(rc, (key, cycle));
    }

    /// A tracked read was handled by its server; `started` says whether it started a recompute (of
    /// `cause`, which an XFetch early refresh changes).
    pub fn resolve(
        &mut self,
        k: &mut Kernel<Msg, Timer>,
        key: u32,
        note: ReadNote,
        started: bool,
        cause: Cause,
        ctx: &Context,
    ) {
        if !note.tracked {
            return;
        }
        let now = k.now();
        if let Some(c) = self.cycles.get_mut(&(key, note.cycle)) {
            c.pending = c.pending.saturating_sub(1);
            if started {
                if c.recomputes == 0 {
                    c.cause = cause;
                    c.at = note.at;
                    c.first_start = Some(now);
                }
                c.recomputes += 1;
            }
        }
        self.try_emit(k, key, note.cycle, ctx);
    }

    /// The cache wrote recompute `rc`'s value of `key`.
    pub fn on_write(&mut self, k: &mut Kernel<Msg, Timer>, key: u32, rc: u64, ctx: &Context) {
        self.ensure_key(key as usize, k.now());
        let n = &mut self.keys[key as usize];
        n.warm = true;
        n.flushed = false;
        n.forced = false;
        let cycle = self.recomputes.remove(&rc).map(|(_, c)| c);
        let current = n.cycle;
        if cycle == Some(current) {
            n.cycle += 1;
            if let Some(c) = self.cycles.get_mut(&(key, current)) {
                c.closed = true;
            }
            self.try_emit(k, key, current, ctx);
        }
    }

    /// Recompute `rc` ended without a write (its query failed).
    pub fn recompute_failed(&mut self, rc: u64) {
        self.recomputes.remove(&rc);
    }

    pub fn on_flush(&mut self, now: SimTime) {
        self.keys.for_each_mut(|n| {
            n.warm = false;
            n.flushed = true;
            n.cold_since = now;
        });
    }

    pub fn on_expire_hot(&mut self) {
        if let Some(n) = self.keys.get_mut(0) {
            n.forced = true;
        }
    }

    fn try_emit(&mut self, k: &mut Kernel<Msg, Timer>, key: u32, cycle: u64, ctx: &Context) {
        let Some(c) = self.cycles.get(&(key, cycle)) else { return };
        if c.pending > 0 || (!c.closed && c.recomputes > 0) {
            return;
        }
        let c = self.cycles.remove(&(key, cycle)).expect("looked up above");
        if !c.closed || c.recomputes == 0 {
            return; // Reads that started nothing (XFetch hits that did not refresh).
        }
        self.n_expiries += 1;
        self.n_expiry_recomputes += c.recomputes as u64;
        if key == 0 && c.cause == Cause::Ttl {
            self.n_hot_ttl_expiries += 1;
            self.n_hot_ttl_recomputes += c.recomputes as u64;
        }
        let first = c.first_start.unwrap_or(c.at);
        let lead_ms = (c.at.0 as f64 - first.0 as f64) / 1e3;
        let n = c.recomputes;
        let what = match c.cause {
            Cause::Ttl => format!("expired at {:.3} s", c.at.as_secs_f64()),
            Cause::ExpireHot => format!("was expired by hand at {:.3} s", c.at.as_secs_f64()),
            Cause::Flush => format!("was flushed at {:.3} s", c.at.as_secs_f64()),
            Cause::Cold => "was loaded for the first time".to_string(),
            Cause::Early => {
                format!("was refreshed early, {lead_ms:.0} ms before its expiry at {:.3} s", c.at.as_secs_f64())
            }
        };
        let mut text = format!("key #{} {what}: {n} recompute{} started", key + 1, if n == 1 { "" } else { "s" });
        if ctx.strategy == Strategy::None && matches!(c.cause, Cause::Ttl | Cause::ExpireHot) {
            let expected = expected_recomputes_per_expiry(ctx.key_rate, ctx.recompute_us);
            text.push_str(&format!(" (1 + λ·R ≈ {expected:.1} expected: λ = {:.1} req/s)", ctx.key_rate));
        } else if ctx.strategy == Strategy::SingleFlight {
            text.push_str(&format!(" (single-flight: at most one per app server, S = {})", ctx.servers));
        }
        k.emit(
            "expiry",
            text,
            vec![
                ("key", Field::from(key as u64)),
                ("at_s", Field::from(c.at.as_secs_f64())),
                ("recomputes", Field::from(n as u64)),
                ("cause", Field::from(c.cause.as_str())),
                ("first_recompute_s", Field::from(first.as_secs_f64())),
                ("lead_ms", Field::from(lead_ms)),
            ],
        );
    }
}
