//! One shard as a server: a FIFO queue in front of one worker with exponential service times of mean
//! 1/capacity — an M/M/1 queue under Poisson load. Below capacity the queue stays short; past it, it grows
//! by (load − capacity) requests every second and so does the wait.
//!
//! FIFO with one worker makes each request's finishing time known when it arrives: it starts when the
//! worker is free (`busy_until`) and finishes one service time later, so a request costs O(1) and one
//! timer. The queue is bounded ([`MAX_QUEUE`]): a request that finds it full is refused at once, so an
//! overloaded shard keeps bounded memory. A removed shard stops receiving requests from the router but
//! serves what it already received (it drains).
//!
//! ```
//! use faultline_sim::sharding::shard::Shard;
//! use faultline_sim::kernel::SimTime;
//! let mut s = Shard::new(1, 3, 1_000.0);
//! let first = s.accept(SimTime::ZERO).unwrap();
//! let second = s.accept(SimTime::ZERO).unwrap();
//! assert!(second > first); // FIFO: the second waits for the first
//! assert_eq!(s.queued(), 2);
//! ```

use crate::kernel::{Alarm, Histogram, RngStream, SimTime};

/// Requests a shard holds at most (waiting or in service); more are refused at once.
pub const MAX_QUEUE: u32 = 5_000;
/// Recent range positions a shard remembers (to split its range at its load's median).
const RECENT: usize = 128;
/// "Overloaded" once this much work is queued; "recovered" once at most a tenth of it has stayed queued for
/// [`RECOVERY_HOLD_US`].
const OVERLOAD_QUEUE_S: f64 = 0.2;
const RECOVERY_HOLD_US: u64 = 1_000_000;

#[derive(Clone, Debug)]
pub struct Shard {
    pub id: u16,
    live_since: Option<SimTime>,
    /// Time spent live before `live_since`.
    live_us_before: u64,
    busy_until: SimTime,
    queued: u32,
    service: RngStream,
    capacity_per_s: f64,
    /// Requests the router sent it (every part of a fan-out counts).
    pub n_routed: u64,
    pub n_routed_writes: u64,
    pub n_rejected: u64,
    pub n_served: u64,
    /// Time at the shard (waiting + service) of every request it served.
    pub latency: Histogram,
    /// The same, for the current second only.
    pub second_latency: Histogram,
    /// Requests routed to it in the current second, and in the last full second.
    pub second_routed: u32,
    pub last_second_routed: u32,
    pub alarm: Alarm,
    /// The range positions of the last requests routed to it (a ring buffer).
    recent: Vec<u64>,
    recent_next: usize,
}

impl Shard {
    pub fn new(id: u16, seed: u64, capacity_per_s: f64) -> Self {
        let cap = capacity_per_s.max(1.0);
        Shard {
            id,
            live_since: None,
            live_us_before: 0,
            busy_until: SimTime::ZERO,
            queued: 0,
            service: RngStream::indexed(seed, "shard.service", id as u64),
            capacity_per_s: cap,
            n_routed: 0,
            n_routed_writes: 0,
            n_rejected: 0,
            n_served: 0,
            latency: Histogram::default(),
            second_latency: Histogram::default(),
            second_routed: 0,
            last_second_routed: 0,
            alarm: Alarm::new(cap * OVERLOAD_QUEUE_S, cap * OVERLOAD_QUEUE_S / 10.0).clear_after(RECOVERY_HOLD_US),
            recent: Vec::new(),
            recent_next: 0,
        }
    }

    pub fn is_live(&self) -> bool {
        self.live_since.is_some()
    }
    /// Starts (or restarts) taking requests from the router at `now`.
    pub fn go_live(&mut self, now: SimTime) {
        if self.live_since.is_none() {
            self.live_since = Some(now);
        }
    }
    /// Leaves the placement at `now` (it still drains what it holds).
    pub fn leave(&mut self, now: SimTime) {
        if let Some(since) = self.live_since.take() {
            self.live_us_before += now - since;
        }
    }
    /// Virtual time spent live, up to `now`.
    pub fn live_us(&self, now: SimTime) -> u64 {
        self.live_us_before + self.live_since.map_or(0, |s| now - s)
    }

    pub fn capacity(&self) -> f64 {
        self.capacity_per_s
    }
    pub fn set_capacity(&mut self, capacity_per_s: f64) {
        self.capacity_per_s = capacity_per_s.max(1.0);
        let q = self.capacity_per_s * OVERLOAD_QUEUE_S;
        self.alarm.set_thresholds(q, q / 10.0);
    }
    /// Requests waiting or in service.
    pub fn queued(&self) -> u32 {
        self.queued
    }
    /// The work queued ahead of a request arriving at `now`, in µs.
    pub fn backlog_us(&self, now: SimTime) -> u64 {
        self.busy_until - now
    }

    /// The router sent it a request for a key at range position `pos`.
    pub fn note_routed(&mut self, pos: u64, write: bool) {
        self.n_routed += 1;
        self.second_routed += 1;
        if write {
            self.n_routed_writes += 1;
        }
        if self.recent.len() < RECENT {
            self.recent.push(pos);
        } else {
            self.recent[self.recent_next] = pos;
        }
        self.recent_next = (self.recent_next + 1) % RECENT;
    }

    /// The range positions of its most recent requests (at most 128, in no particular order).
    pub fn recent_positions(&self) -> &[u64] {
        &self.recent
    }

    /// A request reaches the shard at `now`: its finishing time, or `None` when the queue is full.
    pub fn accept(&mut self, now: SimTime) -> Option<SimTime> {
        if self.queued >= MAX_QUEUE {
            self.n_rejected += 1;
            return None;
        }
        let start = self.busy_until.max(now);
        let service = self.service.exp_micros(1e6 / self.capacity_per_s).max(1);
        self.busy_until = start + service;
        self.queued += 1;
        Some(self.busy_until)
    }

    /// A request that arrived at `arrived` finished at `now`.
    pub fn served(&mut self, now: SimTime, arrived: SimTime) {
        self.queued = self.queued.saturating_sub(1);
        self.n_served += 1;
        let us = now - arrived;
        self.latency.record(us);
        self.second_latency.record(us);
    }

    /// Closes the current second's figures.
    pub fn close_second(&mut self) {
        self.last_second_routed = self.second_routed;
        self.second_routed = 0;
        self.second_latency.clear();
    }
}
