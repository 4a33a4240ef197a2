//! Slow motion at the moments that matter ("director" playback): how fast playback runs as a function of
//! how far, in virtual time, the nearest notable moment is. Pure (no DOM, no clock), tested natively.
//!
//! Playback eases down to [`MIN_FACTOR`] of the chosen speed from [`LEAD_S`] before a marked moment to
//! [`HOLD_S`] after it, with a smoothstep ramp of [`RAMP_S`] on each side. Distances are measured in seconds
//! *of playback at the chosen speed* (virtual time ÷ speed), so the stretch feels the same at 1× and at 5×.
//! Only the wall-clock pacing changes: the run advances through the same events, in smaller steps.
//!
//! Moments are marked in time order as a lookahead run (see `session::director`) or the live run finds
//! them. A moment within [`GAP_S`] of the previous mark is not a new stop, so a burst of expiries or a scene
//! whose notable kind fires often gives one slow stretch, then normal speed again.
//!
//! With `prefers-reduced-motion` there is no easing: [`Director::next_stop`] names the moment playback
//! stops at instead (the reader presses play to go on).

use faultline_sim::kernel::SimTime;

/// Slowest playback, as a fraction of the chosen speed.
pub const MIN_FACTOR: f64 = 0.1;
/// Slowest from this long before a marked moment (seconds of playback at the chosen speed)…
pub const LEAD_S: f64 = 0.25;
/// …to this long after it (the herd follows an expiry; probes follow a half-open transition).
pub const HOLD_S: f64 = 0.6;
/// Easing down before, and back up after, the slowest stretch.
pub const RAMP_S: f64 = 0.5;
/// A moment closer than this to the previous mark rides on that mark's slow stretch (so after a stretch
/// there is always some playback at the chosen speed, even where notable moments come thick and fast).
pub const GAP_S: f64 = 2.5;
/// A factor at or above this is normal playback (no indicator).
const ENGAGED_BELOW: f64 = 0.995;

/// A moment playback slows down for.
#[derive(Clone, Debug, PartialEq)]
pub struct Mark {
    pub t: SimTime,
    /// What happens, in a few words ("key #1 expired at 0.703 s").
    pub label: String,
}

/// How fast to play now.
#[derive(Clone, Debug, PartialEq)]
pub struct Pacing {
    /// Fraction of the chosen speed, in [`MIN_FACTOR`]..=1.
    pub factor: f64,
    /// The mark governing the slow-down, while engaged.
    pub mark: Option<Mark>,
}

impl Pacing {
    pub const NORMAL: Pacing = Pacing { factor: 1.0, mark: None };

    pub fn engaged(&self) -> bool {
        self.factor < ENGAGED_BELOW
    }
}

/// 3x² − 2x³ on 0..=1: leaves and arrives with zero slope, so the change of pace never jerks.
pub fn smoothstep(x: f64) -> f64 {
    let x = x.clamp(0.0, 1.0);
    x * x * (3.0 - 2.0 * x)
}

/// The factor for a moment `ahead_s` seconds of playback away (negative: already passed).
pub fn factor_at(ahead_s: f64) -> f64 {
    let x = if ahead_s >= 0.0 { ahead_s - LEAD_S } else { -ahead_s - HOLD_S };
    if x <= 0.0 { MIN_FACTOR } else { MIN_FACTOR + (1.0 - MIN_FACTOR) * smoothstep(x / RAMP_S) }
}

/// A narration sentence cut to what happened: the part before its first ": " when that is a phrase
/// ("key #1 expired at 0.703 s: 24 recomputes started …" → "key #1 expired at 0.703 s"), at most 60 characters.
pub fn short_label(text: &str) -> String {
    let head = match text.split_once(": ") {
        Some((h, _)) if h.chars().count() >= 8 => h,
        _ => text,
    };
    if head.chars().count() <= 60 {
        head.to_string()
    } else {
        let cut: String = head.chars().take(59).collect();
        format!("{}…", cut.trim_end())
    }
}

/// The marked moments of one run (valid while its script is unchanged) and how far they are known.
#[derive(Clone, Debug, Default)]
pub struct Director {
    marks: Vec<Mark>,
    /// Every notable moment up to this time has been offered to [`Director::note`].
    known_to: SimTime,
}

impl Director {
    /// Forgets everything (a new run, or an edited script).
    pub fn reset(&mut self) {
        self.marks.clear();
        self.known_to = SimTime::ZERO;
    }

    pub fn marks(&self) -> &[Mark] {
        &self.marks
    }

    pub fn known_to(&self) -> SimTime {
        self.known_to
    }

    /// Moments up to `t` have all been noted.
    pub fn known_up_to(&mut self, t: SimTime) {
        self.known_to = self.known_to.max(t);
    }

    /// Offers a notable moment, in time order; `speed` (the chosen one) scales the gap between stops.
    /// Returns whether it became a mark.
    pub fn note(&mut self, t: SimTime, text: &str, speed: f64) -> bool {
        let gap_us = (GAP_S * speed.max(0.0) * 1e6) as u64;
        if let Some(last) = self.marks.last()
            && (t <= last.t || t.as_micros() - last.t.as_micros() < gap_us)
        {
            return false;
        }
        self.marks.push(Mark { t, label: short_label(text) });
        true
    }

    /// How fast to play at `now` at the chosen `speed`: governed by the nearest mark on either side.
    pub fn pacing(&self, now: SimTime, speed: f64) -> Pacing {
        let speed = speed.max(1e-9);
        // First mark after now, and the last at or before it.
        let i = self.marks.partition_point(|m| m.t <= now);
        let mut best = Pacing::NORMAL;
        for m in [i.checked_sub(1).and_then(|j| self.marks.get(j)), self.marks.get(i)].into_iter().flatten() {
            let ahead_s = (m.t.as_micros() as f64 - now.as_micros() as f64) / 1e6 / speed;
            let f = factor_at(ahead_s);
            if f < best.factor {
                best = Pacing { factor: f, mark: Some(m.clone()) };
            }
        }
        if !best.engaged() {
            best = Pacing::NORMAL;
        }
        best
    }

    /// With reduced motion: the first mark after `now` and no later than `until` — playback stops there.
    pub fn next_stop(&self, now: SimTime, until: SimTime) -> Option<&Mark> {
        let i = self.marks.partition_point(|m| m.t <= now);
        self.marks.get(i).filter(|m| m.t <= until)
    }

    /// The mark exactly at `t`, if any (the one a reduced-motion pause stopped at).
    pub fn mark_at(&self, t: SimTime) -> Option<&Mark> {
        self.marks.iter().rev().find(|m| m.t == t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(secs: f64) -> SimTime {
        SimTime::from_secs_f64(secs)
    }

    #[test]
    fn factor_is_slowest_around_the_moment_and_eases_back() {
        assert_eq!(factor_at(0.0), MIN_FACTOR);
        assert_eq!(factor_at(LEAD_S), MIN_FACTOR);
        assert_eq!(factor_at(-HOLD_S), MIN_FACTOR);
        assert_eq!(factor_at(LEAD_S + RAMP_S), 1.0);
        assert_eq!(factor_at(-HOLD_S - RAMP_S), 1.0);
        assert_eq!(factor_at(100.0), 1.0);
        let mid = factor_at(LEAD_S + RAMP_S / 2.0);
        assert!((mid - (MIN_FACTOR + 1.0) / 2.0).abs() < 1e-9, "{mid}");
        // Monotonic on each side.
        let mut prev = MIN_FACTOR;
        for k in 0..=60 {
            let f = factor_at(LEAD_S + k as f64 * RAMP_S / 60.0);
            assert!(f >= prev - 1e-12);
            prev = f;
        }
    }

    #[test]
    fn pacing_follows_the_nearest_mark_in_playback_seconds() {
        let mut d = Director::default();
        assert!(d.note(s(10.0), "key #1 expired at 9.9 s: 24 recomputes started", 1.0));
        assert_eq!(d.pacing(s(5.0), 1.0), Pacing::NORMAL);
        let p = d.pacing(s(10.0), 1.0);
        assert_eq!(p.factor, MIN_FACTOR);
        assert_eq!(p.mark.unwrap().label, "key #1 expired at 9.9 s");
        assert_eq!(d.pacing(s(10.5), 1.0).factor, MIN_FACTOR, "held after the moment");
        assert!(d.pacing(s(9.4), 1.0).factor > MIN_FACTOR, "easing down before the lead");
        assert!(d.pacing(s(9.4), 1.0).engaged());
        assert_eq!(d.pacing(s(12.0), 1.0), Pacing::NORMAL, "back to normal after");
        // At 5× the same stretch covers five times the virtual time.
        assert_eq!(d.pacing(s(12.0), 5.0).factor, MIN_FACTOR);
        assert_eq!(d.pacing(s(20.0), 5.0), Pacing::NORMAL);
    }

    #[test]
    fn close_moments_ride_on_one_mark_and_order_is_kept() {
        let mut d = Director::default();
        assert!(d.note(s(1.0), "a", 1.0));
        assert!(!d.note(s(1.0), "a again", 1.0));
        assert!(!d.note(s(2.5), "b", 1.0));
        assert!(!d.note(s(0.5), "earlier", 1.0));
        assert!(d.note(s(4.5), "c", 1.0));
        assert_eq!(d.marks().iter().map(|m| m.label.as_str()).collect::<Vec<_>>(), ["a", "c"]);
        d.reset();
        assert!(d.marks().is_empty());
        assert_eq!(d.known_to(), SimTime::ZERO);
    }

    #[test]
    fn reduced_motion_stops_at_the_next_mark_in_reach() {
        let mut d = Director::default();
        d.note(s(1.0), "a", 1.0);
        d.note(s(5.0), "b", 1.0);
        assert_eq!(d.next_stop(s(0.0), s(0.9)), None);
        assert_eq!(d.next_stop(s(0.0), s(1.0)).map(|m| m.t), Some(s(1.0)));
        // Standing on a mark, play goes on past it.
        assert_eq!(d.next_stop(s(1.0), s(1.1)), None);
        assert_eq!(d.next_stop(s(1.0), s(6.0)).map(|m| m.t), Some(s(5.0)));
        assert_eq!(d.mark_at(s(5.0)).map(|m| m.label.as_str()), Some("b"));
    }

    #[test]
    fn labels_are_short() {
        assert_eq!(short_label("key #1 expired at 0.703 s: 24 recomputes"), "key #1 expired at 0.703 s");
        assert_eq!(short_label("a: b"), "a: b");
        let long = "x".repeat(80);
        assert_eq!(short_label(&long).chars().count(), 60);
    }
}
