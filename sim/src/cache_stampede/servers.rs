//! The app servers: what each does with a cache reply under the five strategies, and the recomputes they
//! run (a database query, then a cache write, then the waiters are answered).

use std::collections::BTreeMap;

use crate::kernel::{Kernel, SimTime};

use super::model::{Inv, StampedeModel};
use super::observer::Cause;
use super::protocol::{CACHE, CLIENTS, DATABASE, Lock, Msg, Outcome, Poll, Read, Strategy, Timer, server_node};

/// One app server's own state.
#[derive(Clone, Debug, Default)]
pub(super) struct Server {
    /// single_flight: key → the recompute in flight for it on this server.
    pub flights: BTreeMap<u32, u64>,
    pub n_waiting: u32,
    pub n_recomputing: u32,
}

/// A request waiting on a recompute.
#[derive(Clone, Copy, Debug)]
pub(super) struct Waiter {
    pub req: u64,
    pub created: SimTime,
    /// It joined another request's single-flight (counted as waiting on its server).
    pub joined: bool,
}

/// A recompute in progress: a database query, then a cache write.
#[derive(Clone, Debug)]
pub(super) struct Recompute {
    pub key: u32,
    pub server: u16,
    pub started: SimTime,
    pub waiters: Vec<Waiter>,
    /// XFetch: the request already read a value, and is answered with it if the refresh fails.
    pub early: bool,
    /// Started by the holder of the global lock.
    pub locked: bool,
}

impl StampedeModel {
    fn respond(&mut self, k: &mut Kernel<Msg, Timer>, server: u16, req: u64, created: SimTime, outcome: Outcome) {
        let first = self.observer.request_done(req);
        if matches!(outcome, Outcome::Waited | Outcome::Error) {
            self.n_user_visible_misses += 1;
            if let Some(f) = first.filter(|f| f.warm) {
                self.n_uvm_on_warm_keys += 1;
                if f.strategy == Strategy::Swr {
                    k.violation(Inv::UserVisibleMissesAfterWarm as usize);
                }
            }
        }
        if outcome == Outcome::Error {
            self.n_errors += 1;
        }
        k.send(server_node(server as usize), CLIENTS, Msg::Response { req, created, outcome });
    }

    #[allow(clippy::too_many_arguments)]
    fn start_recompute(
        &mut self,
        k: &mut Kernel<Msg, Timer>,
        server: u16,
        rc: u64,
        key: u32,
        cycle: u64,
        waiters: Vec<Waiter>,
        early: bool,
        locked: bool,
    ) {
        self.n_recomputes += 1;
        if locked {
            let q = &mut self.key_queries[key as usize];
            *q += 1;
            if *q == 2 {
                self.n_keys_multi_query += 1;
            }
        }
        self.servers[server as usize].n_recomputing += 1;
        self.observer.recompute_started(rc, key, cycle);
        self.recomputes.insert(rc, Recompute { key, server, started: k.now(), waiters, early, locked });
        k.send(server_node(server as usize), DATABASE, Msg::Query { rc, key });
    }

    pub(super) fn new_rc(&mut self) -> u64 {
        let rc = self.next_rc;
        self.next_rc += 1;
        rc
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn on_reply(
        &mut self,
        k: &mut Kernel<Msg, Timer>,
        server: u16,
        req: u64,
        key: u32,
        created: SimTime,
        poll: Option<Poll>,
        read: Read,
    ) {
        let now = k.now();
        let s = server as usize;
        let note = self.observer.take_read(req);
        let cycle = note.map_or(0, |n| n.cycle);
        let waiter = Waiter { req, created, joined: false };
        let mut started = false;
        let mut cause = note.map_or(Cause::Ttl, |n| n.cause);
        match read {
            Read::Fresh { writer, by_lock, expires_at, delta_us, .. } => {
                if let Some(p) = poll {
                    // A lock waiter finally reads the value: if a lock holder wrote it, it must be the holder
                    // it waited for. (Only a recompute started before a switch to `global_lock` writes without
                    // the lock.)
                    self.check_waiter_version(k, by_lock, writer, p.awaited);
                    self.servers[s].n_waiting = self.servers[s].n_waiting.saturating_sub(1);
                    self.respond(k, server, req, created, Outcome::Waited);
                } else if self.cfg.strategy == Strategy::XFetch && self.xfetch_refresh_now(now, expires_at, delta_us) {
                    self.n_early_refreshes += 1;
                    let rc = self.new_rc();
                    self.start_recompute(k, server, rc, key, cycle, vec![waiter], true, false);
                    started = true;
                    cause = Cause::Early;
                } else {
                    self.respond(k, server, req, created, Outcome::Hit);
                }
            }
            Read::Stale { refresh, .. } => {
                self.respond(k, server, req, created, Outcome::Stale);
                if let Some(rc) = refresh {
                    self.start_recompute(k, server, rc, key, cycle, Vec::new(), false, false);
                    started = true;
                }
            }
            Read::Miss { lock } => {
                if poll.is_some() && !matches!(lock, Lock::HeldBy(_)) {
                    self.servers[s].n_waiting = self.servers[s].n_waiting.saturating_sub(1);
                }
                match lock {
                    Lock::Granted(rc) => {
                        self.start_recompute(k, server, rc, key, cycle, vec![waiter], false, true);
                        started = true;
                    }
                    Lock::HeldBy(holder) => {
                        if poll.is_none() {
                            self.n_waiters += 1;
                            self.servers[s].n_waiting += 1;
                        }
                        let p = Poll { awaited: holder };
                        k.schedule_in(self.cfg.lock_poll_us, Timer::Poll { server, req, key, created, poll: p });
                    }
                    Lock::NotUsed => {
                        let flight = (self.cfg.strategy == Strategy::SingleFlight)
                            .then(|| self.servers[s].flights.get(&key).copied())
                            .flatten();
                        match flight.and_then(|rc| self.recomputes.get_mut(&rc)) {
                            Some(r) => {
                                r.waiters.push(Waiter { joined: true, ..waiter });
                                self.n_waiters += 1;
                                self.servers[s].n_waiting += 1;
                            }
                            None => {
                                let rc = self.new_rc();
                                if self.cfg.strategy == Strategy::SingleFlight {
                                    self.servers[s].flights.insert(key, rc);
                                }
                                self.start_recompute(k, server, rc, key, cycle, vec![waiter], false, false);
                                started = true;
                            }
                        }
                    }
                }
            }
        }
        if let Some(note) = note {
            let ctx = self.narration_context(key);
            self.observer.resolve(k, key, note, started, cause, &ctx);
        }
    }

    /// XFetch (Vattani et al.): refresh if now − δ·β·ln(u) ≥ expiry, u uniform in (0, 1).
    fn xfetch_refresh_now(&mut self, now: SimTime, expires_at: SimTime, delta_us: u64) -> bool {
        let u = self.xfetch_rng.unit_open();
        let gap_us = -(delta_us as f64) * self.cfg.xfetch_beta * libm::log(u);
        now.0 as f64 + gap_us >= expires_at.0 as f64
    }

    /// TTL of one write: TTL × (1 ± jitter/2), uniform, in whole microseconds.
    fn draw_ttl(&mut self) -> u64 {
        let ttl = self.cfg.ttl_us;
        let span = (ttl as f64 * self.cfg.ttl_jitter) as u64;
        if span == 0 {
            return ttl;
        }
        (ttl - span / 2 + self.jitter_rng.below(span + 1)).max(1)
    }

    pub(super) fn on_query_reply(&mut self, k: &mut Kernel<Msg, Timer>, rc: u64, key: u32, version: u64, ok: bool) {
        let now = k.now();
        let Some(r) = self.recomputes.get_mut(&rc) else { return };
        if r.locked {
            let q = &mut self.key_queries[key as usize];
            if *q == 2 {
                self.n_keys_multi_query -= 1;
            }
            *q = q.saturating_sub(1);
        }
        let server = r.server;
        if ok {
            let started = r.started;
            let ttl_us = self.draw_ttl();
            k.send(server_node(server as usize), CACHE, Msg::Set { rc, key, version, ttl_us, delta_us: now - started });
        } else {
            if matches!(self.cfg.strategy, Strategy::GlobalLock | Strategy::Swr) {
                k.send(server_node(server as usize), CACHE, Msg::Unlock { rc, key });
            }
            self.observer.recompute_failed(rc);
            self.finish_recompute(k, rc, false);
        }
    }

    /// The write is acknowledged (or the query failed): answer everyone waiting on this recompute.
    pub(super) fn finish_recompute(&mut self, k: &mut Kernel<Msg, Timer>, rc: u64, ok: bool) {
        let Some(r) = self.recomputes.remove(&rc) else { return };
        let srv = &mut self.servers[r.server as usize];
        srv.n_recomputing = srv.n_recomputing.saturating_sub(1);
        if srv.flights.get(&r.key) == Some(&rc) {
            srv.flights.remove(&r.key);
        }
        for w in &r.waiters {
            if w.joined {
                let srv = &mut self.servers[r.server as usize];
                srv.n_waiting = srv.n_waiting.saturating_sub(1);
            }
            // A failed XFetch refresh still has the value it read; other failures are errors.
            let outcome = if ok || r.early { Outcome::Waited } else { Outcome::Error };
            self.respond(k, r.server, w.req, w.created, outcome);
        }
    }
}
