//! The shared cache: one slot per key (value with TTL, the global lock's lease, the swr refresh lease),
//! answering reads and writes from the app servers.
//!
//! The cache classifies every request's *first* read as a hit or a miss (so hits + misses = requests holds
//! at every event). What the server then does with a miss is the strategy; the cache only grants leases.
//! Each write carries the id of the recompute that made it, so a lock waiter can check that the value it
//! finally reads is the one its lock holder wrote.

use crate::kernel::{Kernel, NodeId, SimTime};

use super::model::{Inv, StampedeModel};
use super::protocol::{CACHE, Lock, Msg, Poll, Read, Strategy, Timer};

/// A value in the cache.
#[derive(Clone, Copy, Debug)]
pub(super) struct Value {
    pub version: u64,
    /// Id of the recompute that wrote it (0 = loaded before the run).
    pub writer: u64,
    pub expires_at: SimTime,
    /// Duration of the recompute that produced it (XFetch's δ).
    pub delta_us: u64,
    /// Written by a global-lock holder (not by a recompute started before a switch to `global_lock`).
    pub by_lock: bool,
}

/// One key's slot in the cache.
#[derive(Clone, Debug, Default)]
pub(super) struct Entry {
    pub value: Option<Value>,
    /// Holder of the global lock (a recompute id).
    pub lock: Option<u64>,
    /// Holder of the swr refresh lease.
    pub refreshing: Option<u64>,
}

impl StampedeModel {
    pub(super) fn cache_get(
        &mut self,
        k: &mut Kernel<Msg, Timer>,
        from: NodeId,
        req: u64,
        key: u32,
        created: SimTime,
        poll: Option<Poll>,
    ) {
        let now = k.now();
        self.ensure_key(key as usize, now);
        self.n_cache_reads += 1;
        let strategy = self.cfg.strategy;
        let grace = self.cfg.swr_grace_us;
        let mut next_rc = self.next_rc;
        let e = &mut self.entries[key as usize];
        let mut take_token = || {
            let t = next_rc;
            next_rc += 1;
            t
        };
        let read = match e.value {
            Some(v) if now < v.expires_at => Read::Fresh {
                version: v.version,
                writer: v.writer,
                by_lock: v.by_lock,
                expires_at: v.expires_at,
                delta_us: v.delta_us,
            },
            Some(v) if strategy == Strategy::Swr && now < v.expires_at + grace => {
                let refresh = if e.refreshing.is_none() {
                    let t = take_token();
                    e.refreshing = Some(t);
                    Some(t)
                } else {
                    None
                };
                Read::Stale { version: v.version, writer: v.writer, refresh }
            }
            _ => {
                let lock = if strategy == Strategy::GlobalLock {
                    match e.lock {
                        Some(holder) => Lock::HeldBy(holder),
                        None => {
                            let t = take_token();
                            e.lock = Some(t);
                            Lock::Granted(t)
                        }
                    }
                } else {
                    Lock::NotUsed
                };
                Read::Miss { lock }
            }
        };
        let value_expires = e.value.map(|v| v.expires_at);
        self.next_rc = next_rc;
        let first = poll.is_none();
        if first {
            self.n_requests += 1;
            self.requests_series.add(now, 1.0);
            match read {
                Read::Fresh { .. } => {
                    self.n_hits += 1;
                    self.hits_series.add(now, 1.0);
                }
                Read::Stale { .. } => {
                    self.n_hits += 1;
                    self.n_stale_served += 1;
                    self.hits_series.add(now, 1.0);
                    self.stale_series.add(now, 1.0);
                }
                Read::Miss { .. } => self.n_misses += 1,
            }
        } else {
            self.n_lock_polls += 1;
        }
        let warm = self.observer.is_warm(key, value_expires, grace, now);
        self.observer.on_read(now, req, key, first, value_expires, &read, strategy, warm);
        k.send(CACHE, from, Msg::Reply { req, key, created, poll, read });
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn cache_set(
        &mut self,
        k: &mut Kernel<Msg, Timer>,
        from: NodeId,
        rc: u64,
        key: u32,
        version: u64,
        ttl_us: u64,
        delta_us: u64,
    ) {
        let now = k.now();
        self.ensure_key(key as usize, now);
        let e = &mut self.entries[key as usize];
        if e.value.is_some_and(|v| v.version > version) {
            self.n_older_version_writes += 1;
        }
        let by_lock = e.lock == Some(rc);
        e.value = Some(Value { version, writer: rc, expires_at: now + ttl_us, delta_us, by_lock });
        if e.lock == Some(rc) {
            e.lock = None;
        }
        if e.refreshing == Some(rc) {
            e.refreshing = None;
        }
        let ctx = self.narration_context(key);
        self.observer.on_write(k, key, rc, &ctx);
        k.send(CACHE, from, Msg::SetAck { rc });
    }

    pub(super) fn cache_unlock(&mut self, rc: u64, key: u32) {
        if let Some(e) = self.entries.get_mut(key as usize) {
            if e.lock == Some(rc) {
                e.lock = None;
            }
            if e.refreshing == Some(rc) {
                e.refreshing = None;
            }
        }
    }

    /// Flush: every value dropped (leases survive: their holders still write or unlock).
    pub(super) fn cache_flush(&mut self, now: SimTime) -> u64 {
        let mut n_dropped = 0u64;
        self.entries.for_each_mut(|e| {
            n_dropped += e.value.is_some() as u64;
            e.value = None;
        });
        self.observer.on_flush(now);
        n_dropped
    }

    /// The lock waiter of `awaited` read a value written by `writer` under the lock: it must be its holder's.
    pub(super) fn check_waiter_version(&self, k: &mut Kernel<Msg, Timer>, by_lock: bool, writer: u64, awaited: u64) {
        k.check(Inv::WaitersGotOtherVersion as usize, !by_lock || writer == awaited);
    }
}
