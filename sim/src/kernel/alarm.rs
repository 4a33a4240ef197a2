//! A hysteresis alarm for "overloaded / recovered" narration.
//!
//! A level that hovers around a threshold would narrate "overloaded", "recovered", "overloaded"… on every
//! wiggle. The alarm is raised when the level goes above `raise_above`, and cleared only once it has stayed
//! at or below `clear_at_or_below` for `hold_us` of virtual time, so "recovered" is said once the system
//! really has. The alarm has no timer of its own: it decides on each [`Alarm::update`], which a model calls
//! whenever the level changes (a busy level changes often; a level that stopped changing is cleared by the
//! next update after the hold).
//!
//! ```
//! use faultline_sim::kernel::{Alarm, AlarmEdge, SimTime};
//! let mut a = Alarm::new(10.0, 5.0, 1_000_000);
//! assert_eq!(a.update(SimTime::from_secs(1), 12.0), Some(AlarmEdge::Raised));
//! assert_eq!(a.update(SimTime::from_secs(2), 4.0), None); // below, but not for a second yet
//! assert_eq!(a.update(SimTime::from_millis(2_500), 11.0), None); // back up: still the same overload
//! assert_eq!(a.update(SimTime::from_secs(3), 3.0), None);
//! assert_eq!(a.update(SimTime::from_secs(4), 2.0), Some(AlarmEdge::Cleared { since: SimTime::from_secs(1), quiet_from: SimTime::from_secs(3) }));
//! assert!(!a.is_raised());
//! ```

use super::{Micros, SimTime};

/// What an update changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AlarmEdge {
    Raised,
    /// Cleared: it had been raised since `since`, and has been quiet from `quiet_from`.
    Cleared {
        since: SimTime,
        quiet_from: SimTime,
    },
}

#[derive(Clone, Debug)]
pub struct Alarm {
    raise_above: f64,
    clear_at_or_below: f64,
    hold_us: Micros,
    raised_since: Option<SimTime>,
    quiet_since: Option<SimTime>,
    /// Total time raised, up to the last edge.
    raised_us: Micros,
}

impl Alarm {
    pub fn new(raise_above: f64, clear_at_or_below: f64, hold_us: Micros) -> Self {
        Alarm { raise_above, clear_at_or_below, hold_us, raised_since: None, quiet_since: None, raised_us: 0 }
    }

    /// Changes the thresholds (a capacity parameter moved); the alarm's state is kept.
    pub fn set_thresholds(&mut self, raise_above: f64, clear_at_or_below: f64) {
        self.raise_above = raise_above;
        self.clear_at_or_below = clear_at_or_below;
    }

    pub fn is_raised(&self) -> bool {
        self.raised_since.is_some()
    }

    /// Virtual time spent raised, up to `now`.
    pub fn raised_us(&self, now: SimTime) -> Micros {
        self.raised_us + self.raised_since.map_or(0, |s| now - s)
    }

    pub fn update(&mut self, now: SimTime, level: f64) -> Option<AlarmEdge> {
        match self.raised_since {
            None if level > self.raise_above => {
                self.raised_since = Some(now);
                self.quiet_since = None;
                Some(AlarmEdge::Raised)
            }
            None => None,
            Some(since) => {
                if level > self.clear_at_or_below {
                    self.quiet_since = None;
                    return None;
                }
                let quiet_from = *self.quiet_since.get_or_insert(now);
                if now - quiet_from >= self.hold_us {
                    self.raised_since = None;
                    self.quiet_since = None;
                    self.raised_us += quiet_from - since;
                    Some(AlarmEdge::Cleared { since, quiet_from })
                } else {
                    None
                }
            }
        }
    }
}
