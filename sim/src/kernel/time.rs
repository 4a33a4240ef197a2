//! Virtual time: an integer count of microseconds since the start of a run.
//!
//! Floats never carry time inside the model, so a run is bit-identical natively and in wasm. Conversions
//! to seconds exist only for display and for the headless runner's JSON.
//!
//! ```
//! use faultline_sim::kernel::SimTime;
//! let t = SimTime::from_millis(1_250);
//! assert_eq!(t.as_micros(), 1_250_000);
//! assert_eq!(format!("{t}"), "1.250 s");
//! ```

use std::fmt;
use std::ops::{Add, AddAssign, Sub};

/// A moment of virtual time, in microseconds since the run started.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct SimTime(pub u64);

/// A length of virtual time, in microseconds.
pub type Micros = u64;

pub const MICROS_PER_MILLI: u64 = 1_000;
pub const MICROS_PER_SEC: u64 = 1_000_000;

impl SimTime {
    pub const ZERO: SimTime = SimTime(0);
    pub const MAX: SimTime = SimTime(u64::MAX);

    pub const fn from_micros(us: u64) -> Self {
        SimTime(us)
    }
    pub const fn from_millis(ms: u64) -> Self {
        SimTime(ms * MICROS_PER_MILLI)
    }
    pub const fn from_secs(s: u64) -> Self {
        SimTime(s * MICROS_PER_SEC)
    }
    /// Rounds to the nearest microsecond; negative and non-finite inputs become zero.
    pub fn from_secs_f64(s: f64) -> Self {
        if s.is_finite() && s > 0.0 { SimTime((s * MICROS_PER_SEC as f64).round() as u64) } else { SimTime(0) }
    }
    pub const fn as_micros(self) -> u64 {
        self.0
    }
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / MICROS_PER_SEC as f64
    }
    pub fn as_millis_f64(self) -> f64 {
        self.0 as f64 / MICROS_PER_MILLI as f64
    }
    pub fn saturating_sub(self, other: SimTime) -> Micros {
        self.0.saturating_sub(other.0)
    }

    /// Exact seconds with at most six decimals and no trailing zeros (`12.5`, `3`, `0.000125`): the one
    /// text form of a moment in fault scripts, URLs (`t=`) and the runner, so a link names the very
    /// microsecond it was made at.
    pub fn exact_secs(self) -> String {
        let (whole, frac) = (self.0 / MICROS_PER_SEC, self.0 % MICROS_PER_SEC);
        if frac == 0 {
            whole.to_string()
        } else {
            let f = format!("{frac:06}");
            format!("{whole}.{}", f.trim_end_matches('0'))
        }
    }
}

impl Add<Micros> for SimTime {
    type Output = SimTime;
    fn add(self, d: Micros) -> SimTime {
        SimTime(self.0.saturating_add(d))
    }
}
impl AddAssign<Micros> for SimTime {
    fn add_assign(&mut self, d: Micros) {
        self.0 = self.0.saturating_add(d);
    }
}
impl Sub for SimTime {
    type Output = Micros;
    fn sub(self, other: SimTime) -> Micros {
        self.0.saturating_sub(other.0)
    }
}

impl fmt::Display for SimTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:03} s", self.0 / MICROS_PER_SEC, (self.0 % MICROS_PER_SEC) / MICROS_PER_MILLI)
    }
}
