//! A hysteresis alarm for "overloaded / recovered" narration.
//!
//! A level that hovers around a threshold would narrate "overloaded", "recovered", "overloaded"… on every
//! wiggle, and a level that pokes over its capacity for one query would be called an overload. The alarm is
//! raised once the level has stayed above `raise_above` for `raise_hold_us`, and cleared once it has stayed
//! at or below `clear_at_or_below` for `clear_hold_us`, so both words are said when they are true. The alarm
//! has no timer of its own: it decides on each [`Alarm::update`], which a model calls whenever the level
//! changes (a busy level changes often; a level that stopped changing is decided by the next update).
//!
//! ```
//! use faultline_sim::kernel::{Alarm, AlarmEdge, SimTime};
//! let mut a = Alarm::new(10.0, 5.0).raise_after(100_000).clear_after(1_000_000);
//! let t = SimTime::from_millis;
//! assert_eq!(a.update(t(1_000), 12.0), None); // above, but not for 100 ms yet
//! assert_eq!(a.update(t(1_050), 11.0), None);
//! assert_eq!(a.update(t(1_100), 13.0), Some(AlarmEdge::Raised { since: t(1_000) }));
//! assert_eq!(a.update(t(2_000), 4.0), None); // below, but not for a second yet
//! assert_eq!(a.update(t(2_500), 11.0), None); // back up: still the same overload
//! assert_eq!(a.update(t(3_000), 3.0), None);
//! assert_eq!(a.pending_until(), Some(t(4_000))); // check again then, even if nothing changes
//! assert_eq!(a.update(t(4_000), 2.0), Some(AlarmEdge::Cleared { since: t(1_000), quiet_from: t(3_000) }));
//! assert!(!a.is_raised());
//! ```

use super::{Micros, SimTime};

/// What an update changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AlarmEdge {
    /// Raised: the level has been above the threshold since `since`.
    Raised { since: SimTime },
    /// Cleared: it had been raised since `since`, and has been quiet from `quiet_from`.
    Cleared { since: SimTime, quiet_from: SimTime },
}

#[derive(Clone, Debug)]
pub struct Alarm {
    raise_above: f64,
    clear_at_or_below: f64,
    raise_hold_us: Micros,
    clear_hold_us: Micros,
    /// Above the raise threshold since then (while not raised).
    high_since: Option<SimTime>,
    raised_since: Option<SimTime>,
    quiet_since: Option<SimTime>,
    /// Total time raised, up to the last edge.
    raised_us: Micros,
}

impl Alarm {
    /// An alarm that raises and clears at once (no hold); see [`Alarm::raise_after`], [`Alarm::clear_after`].
    pub fn new(raise_above: f64, clear_at_or_below: f64) -> Self {
        Alarm {
            raise_above,
            clear_at_or_below,
            raise_hold_us: 0,
            clear_hold_us: 0,
            high_since: None,
            raised_since: None,
            quiet_since: None,
            raised_us: 0,
        }
    }

    /// Raise only once the level has stayed above the threshold this long.
    pub fn raise_after(mut self, hold_us: Micros) -> Self {
        self.raise_hold_us = hold_us;
        self
    }

    /// Clear only once the level has stayed at or below the threshold this long.
    pub fn clear_after(mut self, hold_us: Micros) -> Self {
        self.clear_hold_us = hold_us;
        self
    }

    /// Changes the thresholds (a capacity parameter moved); the alarm's state is kept.
    pub fn set_thresholds(&mut self, raise_above: f64, clear_at_or_below: f64) {
        self.raise_above = raise_above;
        self.clear_at_or_below = clear_at_or_below;
    }

    pub fn is_raised(&self) -> bool {
        self.raised_since.is_some()
    }

    /// When a pending raise or clear completes if the level does not change meanwhile: a model whose level
    /// may stop changing schedules a check then, so "recovered" is said on time, not at the next change.
    pub fn pending_until(&self) -> Option<SimTime> {
        match self.raised_since {
            None => self.high_since.map(|t| t + self.raise_hold_us),
            Some(_) => self.quiet_since.map(|t| t + self.clear_hold_us),
        }
    }

    /// Virtual time spent raised, up to `now`.
    pub fn raised_us(&self, now: SimTime) -> Micros {
        self.raised_us + self.raised_since.map_or(0, |s| now - s)
    }

    pub fn update(&mut self, now: SimTime, level: f64) -> Option<AlarmEdge> {
        match self.raised_since {
            None => {
                if level <= self.raise_above {
                    self.high_since = None;
                    return None;
                }
                let since = *self.high_since.get_or_insert(now);
                if now - since < self.raise_hold_us {
                    return None;
                }
                self.high_since = None;
                self.raised_since = Some(since);
                self.quiet_since = None;
                Some(AlarmEdge::Raised { since })
            }
            Some(since) => {
                if level > self.clear_at_or_below {
                    self.quiet_since = None;
                    return None;
                }
                let quiet_from = *self.quiet_since.get_or_insert(now);
                if now - quiet_from < self.clear_hold_us {
                    return None;
                }
                self.raised_since = None;
                self.quiet_since = None;
                self.raised_us += quiet_from - since;
                Some(AlarmEdge::Cleared { since, quiet_from })
            }
        }
    }
}
