//! Poisson arrivals: the open-loop client load every scene starts from.
//!
//! The gaps between arrivals are exponential with mean 1/rate, drawn from the stream `clients.arrivals`, so
//! two runs with the same seed see the same arrival times whatever else differs (a strategy, a threshold).
//!
//! ```
//! use faultline_sim::kernel::PoissonArrivals;
//! let mut a = PoissonArrivals::new(1);
//! assert!(a.next_gap_us(100.0).is_some());
//! assert_eq!(a.next_gap_us(0.0), None); // no load, no arrivals
//! ```

use super::{Micros, RngStream};

#[derive(Clone, Debug)]
pub struct PoissonArrivals {
    rng: RngStream,
}

impl PoissonArrivals {
    pub fn new(seed: u64) -> Self {
        PoissonArrivals { rng: RngStream::new(seed, "clients.arrivals") }
    }

    /// Time to the next arrival at `rate_per_s` (at least 1 µs, so arrivals never pile onto one instant);
    /// `None` when the rate is zero: schedule nothing, and start again when the rate is raised.
    pub fn next_gap_us(&mut self, rate_per_s: f64) -> Option<Micros> {
        (rate_per_s > 0.0).then(|| self.rng.exp_micros(1e6 / rate_per_s).max(1))
    }
}
