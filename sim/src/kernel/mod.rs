//! The simulation kernel: virtual time, the event queue, the network, randomness, metrics, the event log,
//! the trace hash, the fault script and typed parameters, invariant counting — everything a scene's model
//! needs, and nothing about any one scene or about how a run is shown (**the kernel never imports
//! `crate::scene`**; `cargo xtask tidy` checks it).
//!
//! A model never owns the world: it reacts to one event at a time and acts through the [`Kernel`] handed to
//! it (schedule a timer, send a message, write to the log). The [`World`] runner takes events in
//! (time, sequence) order, jumps the clock to each, feeds the fault script in at its moments, and checks the
//! model's invariants after every event.
//!
//! ```
//! use faultline_sim::kernel::{Kernel, NodeId, SimTime};
//! let mut k: Kernel<&str, &str> = Kernel::new(42);
//! k.schedule_in(1_000, "tick");
//! k.send(NodeId(0), NodeId(1), "ping");
//! assert_eq!(k.next_event_time(), Some(SimTime::from_millis(1)));
//! ```

mod action;
mod alarm;
mod arrivals;
mod invariant;
mod log;
mod metrics;
mod network;
mod params;
mod queue;
mod rng;
mod shared;
mod sort;
mod time;
mod trace;
mod world;

pub use action::{Action, ActionKind, format_script, parse_script_lenient, sort_by_time};
pub use alarm::{Alarm, AlarmEdge};
pub use arrivals::PoissonArrivals;
pub use invariant::{InvariantSpec, Invariants, Violations, When};
pub use log::{EventLog, Field, LogEntry};
pub use metrics::{
    DEFAULT_BUCKET_US, DEFAULT_MAX_POINTS, Gauge, Histogram, PeakGauge, QuantileSeries, Series, SeriesKind, StepSeries,
    ratio_points,
};
pub use network::{Duplication, Envelope, LinkSpec, MsgId, Network, NodeId, PartitionMode, SendOutcome};
pub use params::{ParamKind, ParamSpec, ParamValue, Params, format_number};
pub use queue::{Event, EventQueue};
pub use rng::{PPM, RngStream, fnv1a, ppm};
pub use shared::SharedVec;
pub use sort::{sort_stable_by, stable_order};
pub use time::{MICROS_PER_MILLI, MICROS_PER_SEC, Micros, SimTime};
pub use trace::TraceHasher;
pub use world::{Model, World};

use std::hash::Hash;

/// The services a model acts through while handling one event.
#[derive(Clone, Debug)]
pub struct Kernel<M, T> {
    now: SimTime,
    seed: u64,
    queue: EventQueue<T>,
    pub net: Network<M>,
    pub log: EventLog,
    /// The model's invariants, counted here so that every handler can report a violation.
    pub invariants: Invariants,
    trace: TraceHasher,
    n_events: u64,
}

impl<M, T> Kernel<M, T> {
    pub fn new(seed: u64) -> Self {
        Kernel {
            now: SimTime::ZERO,
            seed,
            queue: EventQueue::default(),
            net: Network::new(seed),
            log: EventLog::default(),
            invariants: Invariants::default(),
            trace: TraceHasher::default(),
            n_events: 0,
        }
    }

    pub fn now(&self) -> SimTime {
        self.now
    }
    pub fn seed(&self) -> u64 {
        self.seed
    }
    /// A fresh stream named after a component; models create theirs once, at build time.
    pub fn rng(&self, name: &str) -> RngStream {
        RngStream::new(self.seed, name)
    }
    pub fn schedule_at(&mut self, at: SimTime, timer: T) {
        self.queue.push(at.max(self.now), Event::Timer(timer));
    }
    pub fn schedule_in(&mut self, delay_us: Micros, timer: T) {
        self.queue.push(self.now + delay_us, Event::Timer(timer));
    }

    /// Sends a message; returns its id if it is on the wire (or held by a partition).
    pub fn send(&mut self, from: NodeId, to: NodeId, payload: M) -> Option<MsgId> {
        match self.net.send(from, to, payload, self.now) {
            SendOutcome::InFlight(id, at) => {
                self.queue.push(at, Event::Deliver(id));
                Some(id)
            }
            SendOutcome::Held(id) => Some(id),
            SendOutcome::Lost | SendOutcome::DroppedByPartition => None,
        }
    }

    /// Takes a message off the wire at its delivery time (`None` if its link is cut: dropped or held) and,
    /// under at-least-once delivery, schedules its copy.
    pub fn deliver(&mut self, id: MsgId) -> Option<Envelope<M>>
    where
        M: Clone,
    {
        let env = self.net.deliver(id)?;
        if let Some((copy, at)) = self.net.duplicate(&env, self.now) {
            self.queue.push(at, Event::Deliver(copy));
        }
        Some(env)
    }

    pub fn cut(&mut self, a: NodeId, b: NodeId) {
        self.net.cut(a, b);
    }
    pub fn heal(&mut self, a: NodeId, b: NodeId) {
        for (id, at) in self.net.heal(a, b, self.now) {
            self.queue.push(at, Event::Deliver(id));
        }
    }

    /// Writes a narration entry stamped with the current time.
    pub fn emit(&mut self, kind: &'static str, text: String, fields: Vec<(&'static str, Field)>) {
        self.log.push(LogEntry { t: self.now, kind, text, fields });
    }

    /// Counts a violation of the model's invariant `idx` now, unless `holds`.
    #[inline]
    pub fn check(&mut self, idx: usize, holds: bool) {
        self.invariants.check(idx, holds, self.now);
    }
    /// Counts one violation of the model's invariant `idx` now.
    #[inline]
    pub fn violation(&mut self, idx: usize) {
        self.invariants.check(idx, false, self.now);
    }

    pub fn next_event_time(&self) -> Option<SimTime> {
        self.queue.peek_time()
    }
    pub fn n_pending(&self) -> usize {
        self.queue.len()
    }
    pub fn n_events(&self) -> u64 {
        self.n_events
    }
    pub fn trace_hash(&self) -> u64 {
        self.trace.digest()
    }

    fn pop(&mut self) -> Option<(SimTime, Event<T>)> {
        let (at, ev) = self.queue.pop()?;
        debug_assert!(at >= self.now, "time went backwards");
        self.now = at;
        self.n_events += 1;
        Some((at, ev))
    }

    fn record<H: Hash + ?Sized>(&mut self, value: &H) {
        self.trace.record(value);
    }

    fn set_now(&mut self, t: SimTime) {
        if t > self.now {
            self.now = t;
        }
    }
}
