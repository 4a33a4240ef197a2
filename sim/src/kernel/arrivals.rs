//! Poisson arrivals: the open-loop client load every scene starts from, owning its own restarts.
//!
//! The gaps between arrivals are exponential with mean 1/rate, drawn from the stream `clients.arrivals`, so
//! two runs with the same seed see the same arrival times whatever else differs (a strategy, a threshold).
//! The arrival process keeps at most one arrival pending: when the rate drops to 0 the next arrival is not
//! scheduled, and when it rises again [`PoissonArrivals::set_rate`] restarts it — no scene writes that twice.
//!
//! ```
//! use faultline_sim::kernel::{Kernel, PoissonArrivals, SimTime};
//! let mut k: Kernel<(), &str> = Kernel::new(1);
//! let mut a = PoissonArrivals::new(1, 0.0);
//! a.start(&mut k, "arrive");
//! assert_eq!(k.next_event_time(), None); // no load, no arrivals
//! a.set_rate(&mut k, 100.0, "arrive");
//! assert!(k.next_event_time().is_some());
//! a.set_rate(&mut k, 200.0, "arrive"); // already pending: not scheduled twice
//! assert_eq!(k.n_pending(), 1);
//! ```

use super::{Kernel, Micros, RngStream};

#[derive(Clone, Debug)]
pub struct PoissonArrivals {
    rng: RngStream,
    rate_per_s: f64,
    pending: bool,
}

impl PoissonArrivals {
    pub fn new(seed: u64, rate_per_s: f64) -> Self {
        PoissonArrivals { rng: RngStream::new(seed, "clients.arrivals"), rate_per_s, pending: false }
    }

    pub fn rate(&self) -> f64 {
        self.rate_per_s
    }

    /// Time to the next arrival at the current rate (at least 1 µs, so arrivals never pile onto one
    /// instant); `None` when the rate is zero.
    fn next_gap_us(&mut self) -> Option<Micros> {
        (self.rate_per_s > 0.0).then(|| self.rng.exp_micros(1e6 / self.rate_per_s).max(1))
    }

    fn schedule<M, T>(&mut self, k: &mut Kernel<M, T>, timer: T) {
        if let Some(gap) = self.next_gap_us() {
            k.schedule_in(gap, timer);
            self.pending = true;
        }
    }

    /// Schedules the first arrival (the model's `start`).
    pub fn start<M, T>(&mut self, k: &mut Kernel<M, T>, timer: T) {
        if !self.pending {
            self.schedule(k, timer);
        }
    }

    /// An arrival happened (call from the timer's handler): schedules the next one.
    pub fn fired<M, T>(&mut self, k: &mut Kernel<M, T>, timer: T) {
        self.pending = false;
        self.schedule(k, timer);
    }

    /// The rate changed: takes effect from the next gap; restarts arrivals that had stopped at rate 0.
    pub fn set_rate<M, T>(&mut self, k: &mut Kernel<M, T>, rate_per_s: f64, timer: T) {
        self.rate_per_s = rate_per_s;
        if !self.pending {
            self.schedule(k, timer);
        }
    }
}
