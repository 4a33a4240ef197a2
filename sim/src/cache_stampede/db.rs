//! The database as a processor-sharing server: up to `capacity` queries run at full speed; beyond that,
//! all running queries share it, so each one slows down by `running / capacity`. A query that arrives when
//! `max_connections` are already running is refused at once ("too many connections").
//!
//! Processor sharing is what makes overload feed itself: every query that arrives during a stampede slows
//! down the queries already running — including the one whose result would end the stampede.
//!
//! Work is counted in integer "nanoseconds of work at full speed" on a shared virtual-work clock that
//! advances at `capacity / max(running, capacity)` per nanosecond. A query of work `w` that starts when
//! the clock reads `V` finishes when it reads `V + w`. Only the earliest finish needs a timer, and it only
//! moves when the number of running queries changes past capacity, so each arrival or completion costs
//! O(log n). All arithmetic is on integers: native and wasm runs agree.
//!
//! ```
//! use faultline_sim::cache_stampede::db::Database;
//! use faultline_sim::kernel::SimTime;
//! let mut db = Database::new(2, 100);
//! db.start(SimTime(0), 1, 100_000); // three 100 ms queries on a capacity of 2 …
//! db.start(SimTime(0), 2, 100_000);
//! db.start(SimTime(0), 3, 100_000);
//! // … share it: each runs at 2/3 speed and all finish at 150 ms.
//! assert_eq!(db.next_finish(), Some(SimTime::from_millis(150)));
//! assert_eq!(db.finish_due(SimTime::from_millis(150)), vec![1, 2, 3]);
//! ```

use std::collections::BTreeMap;

use crate::kernel::SimTime;

const NS_PER_US: u64 = 1_000;

/// Queries running on a processor-sharing database.
#[derive(Clone, Debug)]
pub struct Database {
    pub capacity: u32,
    pub max_connections: u32,
    /// Virtual-work clock, in nanoseconds of work at full speed.
    work_ns: u64,
    updated_at: SimTime,
    /// (finish work, query id) → (), earliest first.
    running: BTreeMap<(u64, u64), ()>,
}

impl Database {
    pub fn new(capacity: u32, max_connections: u32) -> Self {
        Database {
            capacity: capacity.max(1),
            max_connections: max_connections.max(1),
            work_ns: 0,
            updated_at: SimTime::ZERO,
            running: BTreeMap::new(),
        }
    }

    pub fn n_running(&self) -> usize {
        self.running.len()
    }

    /// How much slower than full speed each query runs now (1 under capacity).
    pub fn slowdown(&self) -> f64 {
        (self.running.len() as f64 / self.capacity as f64).max(1.0)
    }

    /// Divisor of the sharing ratio: `max(running, capacity)`.
    fn share_den(&self) -> u64 {
        (self.running.len() as u64).max(self.capacity as u64)
    }

    /// Brings the work clock up to `now` at the current sharing ratio.
    fn advance(&mut self, now: SimTime) {
        let dt = now - self.updated_at;
        if dt > 0 {
            let d = dt as u128 * NS_PER_US as u128 * self.capacity as u128 / self.share_den() as u128;
            self.work_ns = self.work_ns.saturating_add(d.min(u64::MAX as u128) as u64);
            self.updated_at = now;
        }
        self.updated_at = self.updated_at.max(now);
    }

    /// Sets capacity and connection limit (from a parameter change); running queries keep their work.
    pub fn reconfigure(&mut self, now: SimTime, capacity: u32, max_connections: u32) {
        self.advance(now);
        self.capacity = capacity.max(1);
        self.max_connections = max_connections.max(1);
    }

    /// Admits a query needing `work_us` of full-speed work. False if the connection limit refuses it.
    pub fn start(&mut self, now: SimTime, query: u64, work_us: u64) -> bool {
        if self.running.len() >= self.max_connections as usize {
            return false;
        }
        self.advance(now);
        let finish = self.work_ns.saturating_add(work_us.max(1).saturating_mul(NS_PER_US));
        self.running.insert((finish, query), ());
        true
    }

    /// When the earliest running query will finish if nothing changes.
    pub fn next_finish(&self) -> Option<SimTime> {
        let (&(finish, _), _) = self.running.first_key_value()?;
        let remaining = finish.saturating_sub(self.work_ns) as u128;
        // Ceiling, so the clock has surely reached `finish` at that moment.
        let num = remaining * self.share_den() as u128;
        let den = NS_PER_US as u128 * self.capacity as u128;
        let dt = num.div_ceil(den).min(u64::MAX as u128) as u64;
        Some(self.updated_at + dt)
    }

    /// The database crashed: every running query is lost. Returns their ids, in finishing order.
    pub fn abort_all(&mut self, now: SimTime) -> Vec<u64> {
        self.advance(now);
        std::mem::take(&mut self.running).into_keys().map(|(_, query)| query).collect()
    }

    /// Removes and returns (in finishing order) every query done by `now`.
    pub fn finish_due(&mut self, now: SimTime) -> Vec<u64> {
        self.advance(now);
        let mut done = Vec::new();
        while let Some((&(finish, query), _)) = self.running.first_key_value() {
            if finish > self.work_ns {
                break;
            }
            self.running.remove(&(finish, query));
            done.push(query);
        }
        done
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn under_capacity_runs_at_full_speed() {
        let mut db = Database::new(10, 100);
        db.start(SimTime(0), 1, 100_000);
        db.start(SimTime::from_millis(30), 2, 100_000);
        assert_eq!(db.next_finish(), Some(SimTime::from_millis(100)));
        assert_eq!(db.finish_due(SimTime::from_millis(100)), vec![1]);
        assert_eq!(db.next_finish(), Some(SimTime::from_millis(130)));
    }

    #[test]
    fn a_late_arrival_slows_the_running_query() {
        let mut db = Database::new(1, 100);
        db.start(SimTime(0), 1, 100_000);
        // Half done at 50 ms; then two share the database, so the other half takes 100 ms.
        db.start(SimTime::from_millis(50), 2, 100_000);
        assert_eq!(db.next_finish(), Some(SimTime::from_millis(150)));
        assert_eq!(db.finish_due(SimTime::from_millis(150)), vec![1]);
        // Query 2 did 50 ms of work while sharing; alone again, its last 50 ms take 50 ms.
        assert_eq!(db.next_finish(), Some(SimTime::from_millis(200)));
    }

    #[test]
    fn connection_limit_refuses() {
        let mut db = Database::new(1, 2);
        assert!(db.start(SimTime(0), 1, 10));
        assert!(db.start(SimTime(0), 2, 10));
        assert!(!db.start(SimTime(0), 3, 10));
        assert_eq!(db.n_running(), 2);
    }
}
