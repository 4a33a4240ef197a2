//! The breaker itself, with Resilience4j semantics, as a plain state machine with no time source of its own.
//!
//! * CLOSED: every call is admitted; outcomes fill a sliding window (the last N calls, or the calls of the
//!   last N seconds). Once the window holds at least `min_calls` outcomes and the failure rate or the
//!   slow-call rate reaches its threshold, the breaker goes OPEN.
//! * OPEN: every call is rejected immediately. After `open_wait`, the model's timer moves it to HALF_OPEN.
//! * HALF_OPEN: at most `half_open_calls` probe calls are admitted, the rest rejected. When all probes have
//!   reported, their failure/slow rates decide CLOSED or OPEN again. With `half_open_max_wait` set, a
//!   half-open that lasts longer goes back to OPEN.
//! * Every transition starts a new epoch with an empty window. An outcome reported for a call admitted in an
//!   earlier epoch is ignored, so a probe verdict is made of probes only and a fresh window of fresh calls.
//!
//! ```
//! use faultline_sim::circuit_breaker::{Breaker, BreakerConfig, BreakerState, WindowKind};
//! use faultline_sim::kernel::SimTime;
//! let mut b = Breaker::new(BreakerConfig { window: WindowKind::Count(4), min_calls: 4, ..BreakerConfig::default() });
//! for i in 0..4 {
//!     let epoch = b.try_acquire().unwrap();
//!     let transition = b.on_result(SimTime::from_secs(i), epoch, true, 1_000);
//!     assert_eq!(transition.is_some(), i == 3); // opens exactly at the 4th failure
//! }
//! assert_eq!(b.state, BreakerState::Open);
//! assert!(b.try_acquire().is_none());
//! ```

use std::collections::VecDeque;

use crate::kernel::{PPM, SimTime};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BreakerState {
    Closed,
    Open,
    HalfOpen,
}

impl BreakerState {
    /// The word used in events, URLs and the headless runner's JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            BreakerState::Closed => "closed",
            BreakerState::Open => "open",
            BreakerState::HalfOpen => "half_open",
        }
    }
    /// The word drawn on the stage.
    pub fn shout(self) -> &'static str {
        match self {
            BreakerState::Closed => "CLOSED",
            BreakerState::Open => "OPEN",
            BreakerState::HalfOpen => "HALF_OPEN",
        }
    }
    /// Index in the state diagram and band chart.
    pub fn index(self) -> usize {
        match self {
            BreakerState::Closed => 0,
            BreakerState::HalfOpen => 1,
            BreakerState::Open => 2,
        }
    }
    pub fn is_legal_transition(from: BreakerState, to: BreakerState) -> bool {
        use BreakerState::*;
        matches!((from, to), (Closed, Open) | (Open, HalfOpen) | (HalfOpen, Closed) | (HalfOpen, Open))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WindowKind {
    /// The last N calls.
    Count(u32),
    /// The calls of the last N seconds (per-second buckets, as Resilience4j aggregates them).
    Time(u32),
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BreakerConfig {
    pub window: WindowKind,
    pub min_calls: u32,
    pub failure_threshold_ppm: u32,
    pub slow_call_us: u64,
    pub slow_threshold_ppm: u32,
    pub open_wait_us: u64,
    pub half_open_calls: u32,
    /// 0 = wait for every probe however long it takes.
    pub half_open_max_wait_us: u64,
}

impl Default for BreakerConfig {
    fn default() -> Self {
        BreakerConfig {
            window: WindowKind::Count(20),
            min_calls: 10,
            failure_threshold_ppm: PPM / 2,
            slow_call_us: 800_000,
            slow_threshold_ppm: PPM,
            open_wait_us: 5_000_000,
            half_open_calls: 3,
            half_open_max_wait_us: 0,
        }
    }
}

impl BreakerConfig {
    /// Resilience4j: for a count window, the minimum can never exceed the window size.
    pub fn effective_min_calls(&self) -> u32 {
        match self.window {
            WindowKind::Count(n) => self.min_calls.min(n).max(1),
            WindowKind::Time(_) => self.min_calls.max(1),
        }
    }
}

/// Aggregates of a window: how many calls, how many failed, how many were slow.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WindowStats {
    pub calls: u32,
    pub failures: u32,
    pub slow: u32,
}

impl WindowStats {
    pub fn failure_ppm(&self) -> u32 {
        if self.calls == 0 { 0 } else { (self.failures as u64 * PPM as u64 / self.calls as u64) as u32 }
    }
    pub fn slow_ppm(&self) -> u32 {
        if self.calls == 0 { 0 } else { (self.slow as u64 * PPM as u64 / self.calls as u64) as u32 }
    }
}

#[derive(Clone, Debug)]
enum Window {
    Count {
        size: u32,
        outcomes: VecDeque<(bool, bool)>,
    },
    /// (second, calls, failures, slow) buckets, oldest first.
    Time {
        seconds: u32,
        buckets: VecDeque<(u64, u32, u32, u32)>,
    },
}

impl Window {
    fn new(kind: WindowKind) -> Self {
        match kind {
            WindowKind::Count(n) => Window::Count { size: n.max(1), outcomes: VecDeque::new() },
            WindowKind::Time(s) => Window::Time { seconds: s.max(1), buckets: VecDeque::new() },
        }
    }
    fn evict(&mut self, now: SimTime) {
        if let Window::Time { seconds, buckets } = self {
            let sec = now.0 / 1_000_000;
            while buckets.front().is_some_and(|b| b.0 + (*seconds as u64) <= sec) {
                buckets.pop_front();
            }
        }
    }
    fn record(&mut self, now: SimTime, failed: bool, slow: bool) {
        self.evict(now);
        match self {
            Window::Count { size, outcomes } => {
                if outcomes.len() as u32 >= *size {
                    outcomes.pop_front();
                }
                outcomes.push_back((failed, slow));
            }
            Window::Time { buckets, .. } => {
                let sec = now.0 / 1_000_000;
                if buckets.back().is_none_or(|b| b.0 != sec) {
                    buckets.push_back((sec, 0, 0, 0));
                }
                let b = buckets.back_mut().expect("pushed above");
                b.1 += 1;
                b.2 += failed as u32;
                b.3 += slow as u32;
            }
        }
    }
    fn stats(&self) -> WindowStats {
        match self {
            Window::Count { outcomes, .. } => WindowStats {
                calls: outcomes.len() as u32,
                failures: outcomes.iter().filter(|o| o.0).count() as u32,
                slow: outcomes.iter().filter(|o| o.1).count() as u32,
            },
            Window::Time { buckets, .. } => buckets.iter().fold(WindowStats::default(), |s, b| WindowStats {
                calls: s.calls + b.1,
                failures: s.failures + b.2,
                slow: s.slow + b.3,
            }),
        }
    }
}

/// Why a transition happened, with the numbers.
#[derive(Clone, Debug, PartialEq)]
pub struct Transition {
    pub from: BreakerState,
    pub to: BreakerState,
    pub stats: WindowStats,
    pub reason: String,
}

/// A circuit breaker.
#[derive(Clone, Debug)]
pub struct Breaker {
    pub config: BreakerConfig,
    pub state: BreakerState,
    /// Increments on every transition; permissions carry the epoch they were granted in.
    pub epoch: u64,
    window: Window,
    half_open_admitted: u32,
    half_open_stats: WindowStats,
    pub n_transitions: u64,
    /// Invariant counters, checked on every transition.
    pub n_illegal_transitions: u64,
    pub n_window_not_reset: u64,
}

fn pct(ppm: u32) -> String {
    format!("{:.0}%", ppm as f64 / 10_000.0)
}

impl Breaker {
    pub fn new(config: BreakerConfig) -> Self {
        Breaker {
            window: Window::new(config.window),
            config,
            state: BreakerState::Closed,
            epoch: 0,
            half_open_admitted: 0,
            half_open_stats: WindowStats::default(),
            n_transitions: 0,
            n_illegal_transitions: 0,
            n_window_not_reset: 0,
        }
    }

    /// New thresholds take effect at once; the window is re-sized only at the next transition (as when a
    /// breaker's configuration is reloaded), unless its kind changed.
    pub fn reconfigure(&mut self, config: BreakerConfig) {
        let kind_changed = std::mem::discriminant(&config.window) != std::mem::discriminant(&self.config.window);
        self.config = config;
        if kind_changed {
            self.window = Window::new(config.window);
        }
    }

    /// Asks to make a call. `Some(epoch)` = admitted; `None` = rejected without calling.
    pub fn try_acquire(&mut self) -> Option<u64> {
        match self.state {
            BreakerState::Closed => Some(self.epoch),
            BreakerState::Open => None,
            BreakerState::HalfOpen => {
                if self.half_open_admitted < self.config.half_open_calls {
                    self.half_open_admitted += 1;
                    Some(self.epoch)
                } else {
                    None
                }
            }
        }
    }

    pub fn half_open_admitted(&self) -> u32 {
        self.half_open_admitted
    }

    /// The outcomes the current verdict rests on, oldest first, as (failed, slow), at most `max`: the count
    /// window's calls, the time window's calls per second (in each second: ok, then slow, then failed), or,
    /// in HALF_OPEN, the probes' outcomes.
    pub fn window_outcomes(&self, now: SimTime, max: usize) -> Vec<(bool, bool)> {
        let expand = |calls: u32, failures: u32, slow: u32| {
            let ok = calls.saturating_sub(failures.max(slow));
            std::iter::repeat_n((false, false), ok as usize)
                .chain(std::iter::repeat_n((false, true), slow.saturating_sub(failures) as usize))
                .chain(std::iter::repeat_n((true, false), failures as usize))
        };
        let all: Vec<(bool, bool)> = match (self.state, &self.window) {
            (BreakerState::HalfOpen, _) => {
                let s = self.half_open_stats;
                expand(s.calls, s.failures, s.slow).collect()
            }
            (_, Window::Count { outcomes, .. }) => outcomes.iter().copied().collect(),
            (_, Window::Time { .. }) => {
                let mut w = self.window.clone();
                w.evict(now);
                match w {
                    Window::Time { buckets, .. } => buckets.iter().flat_map(|b| expand(b.1, b.2, b.3)).collect(),
                    Window::Count { .. } => unreachable!("same kind"),
                }
            }
        };
        all[all.len().saturating_sub(max)..].to_vec()
    }

    /// The window as it stands (the half-open probes while HALF_OPEN).
    pub fn stats(&self, now: SimTime) -> WindowStats {
        match self.state {
            BreakerState::HalfOpen => self.half_open_stats,
            _ => {
                let mut w = self.window.clone();
                w.evict(now);
                w.stats()
            }
        }
    }

    fn transition(&mut self, to: BreakerState, stats: WindowStats, reason: String) -> Transition {
        let from = self.state;
        if !BreakerState::is_legal_transition(from, to) {
            self.n_illegal_transitions += 1;
        }
        self.state = to;
        self.epoch += 1;
        self.n_transitions += 1;
        self.window = Window::new(self.config.window);
        self.half_open_admitted = 0;
        self.half_open_stats = WindowStats::default();
        if self.window.stats() != WindowStats::default() {
            self.n_window_not_reset += 1;
        }
        Transition { from, to, stats, reason }
    }

    fn over_threshold(&self, s: &WindowStats) -> bool {
        s.failure_ppm() >= self.config.failure_threshold_ppm || s.slow_ppm() >= self.config.slow_threshold_ppm
    }

    fn verdict(&self, s: &WindowStats, of_what: &str) -> String {
        let f = s.failure_ppm();
        let sl = s.slow_ppm();
        let ft = self.config.failure_threshold_ppm;
        let st = self.config.slow_threshold_ppm;
        if f >= ft {
            format!("{} of {} {of_what} failed ({} ≥ {} threshold)", s.failures, s.calls, pct(f), pct(ft))
        } else if sl >= st {
            format!(
                "{} of {} {of_what} were slow, over {} ms ({} ≥ {} threshold)",
                s.slow,
                s.calls,
                self.config.slow_call_us / 1000,
                pct(sl),
                pct(st)
            )
        } else {
            format!(
                "{} of {} {of_what} failed ({} < {}), {} slow ({} < {})",
                s.failures,
                s.calls,
                pct(f),
                pct(ft),
                s.slow,
                pct(sl),
                pct(st)
            )
        }
    }

    /// Reports the outcome of a call admitted in `epoch`. Returns the transition it caused, if any.
    pub fn on_result(&mut self, now: SimTime, epoch: u64, failed: bool, duration_us: u64) -> Option<Transition> {
        if epoch != self.epoch {
            return None; // admitted before the last transition: not part of this window
        }
        let slow = duration_us >= self.config.slow_call_us;
        match self.state {
            BreakerState::Closed => {
                self.window.record(now, failed, slow);
                let s = self.window.stats();
                let min = self.config.effective_min_calls();
                if s.calls >= min && self.over_threshold(&s) {
                    let reason = format!(
                        "{}; window holds {} ≥ {} minimum calls",
                        self.verdict(&s, "calls in the window"),
                        s.calls,
                        min
                    );
                    return Some(self.transition(BreakerState::Open, s, reason));
                }
                None
            }
            BreakerState::HalfOpen => {
                let s = &mut self.half_open_stats;
                s.calls += 1;
                s.failures += failed as u32;
                s.slow += slow as u32;
                let s = *s;
                if s.calls >= self.config.half_open_calls {
                    let verdict = self.verdict(&s, if s.calls == 1 { "probe call" } else { "probe calls" });
                    let to = if self.over_threshold(&s) { BreakerState::Open } else { BreakerState::Closed };
                    return Some(self.transition(to, s, verdict));
                }
                None
            }
            BreakerState::Open => None,
        }
    }

    /// The model's open-wait timer fired for `epoch`.
    pub fn on_open_wait_elapsed(&mut self, epoch: u64) -> Option<Transition> {
        if epoch != self.epoch || self.state != BreakerState::Open {
            return None;
        }
        let n = self.config.half_open_calls;
        let reason = format!(
            "waited {:.1} s in OPEN; admitting {} probe call{}",
            self.config.open_wait_us as f64 / 1e6,
            if n == 1 { "one".to_string() } else { format!("up to {n}") },
            if n == 1 { "" } else { "s" }
        );
        Some(self.transition(BreakerState::HalfOpen, WindowStats::default(), reason))
    }

    /// The model's half-open max-wait timer fired for `epoch`.
    pub fn on_half_open_expired(&mut self, epoch: u64) -> Option<Transition> {
        if epoch != self.epoch || self.state != BreakerState::HalfOpen {
            return None;
        }
        let s = self.half_open_stats;
        let reason = format!(
            "only {} of {} probes reported within the {:.1} s half-open limit",
            s.calls,
            self.config.half_open_calls,
            self.config.half_open_max_wait_us as f64 / 1e6
        );
        Some(self.transition(BreakerState::Open, s, reason))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(window: WindowKind, min_calls: u32) -> BreakerConfig {
        BreakerConfig { window, min_calls, ..BreakerConfig::default() }
    }

    #[test]
    fn does_not_open_below_minimum_calls() {
        let mut b = Breaker::new(cfg(WindowKind::Count(10), 5));
        for i in 0..4 {
            let e = b.try_acquire().unwrap();
            assert!(b.on_result(SimTime(i), e, true, 0).is_none());
        }
        assert_eq!(b.state, BreakerState::Closed);
        let e = b.try_acquire().unwrap();
        let t = b.on_result(SimTime(5), e, true, 0).unwrap();
        assert_eq!((t.from, t.to), (BreakerState::Closed, BreakerState::Open));
        assert_eq!(t.stats.calls, 5);
    }

    #[test]
    fn half_open_admits_only_permitted_probes_and_decides() {
        let mut b = Breaker::new(cfg(WindowKind::Count(2), 2));
        for _ in 0..2 {
            let e = b.try_acquire().unwrap();
            b.on_result(SimTime(0), e, true, 0);
        }
        assert_eq!(b.state, BreakerState::Open);
        let t = b.on_open_wait_elapsed(b.epoch).unwrap();
        assert_eq!(t.to, BreakerState::HalfOpen);
        let probes: Vec<_> = (0..5).filter_map(|_| b.try_acquire()).collect();
        assert_eq!(probes.len(), 3);
        b.on_result(SimTime(1), probes[0], false, 0);
        b.on_result(SimTime(1), probes[1], false, 0);
        let t = b.on_result(SimTime(1), probes[2], true, 0).unwrap(); // 1 of 3 failed = 33% < 50%
        assert_eq!(t.to, BreakerState::Closed);
        assert_eq!(b.stats(SimTime(1)), WindowStats::default(), "window reset on transition");
    }

    #[test]
    fn stale_results_are_ignored() {
        let mut b = Breaker::new(cfg(WindowKind::Count(2), 2));
        let early = b.try_acquire().unwrap();
        for _ in 0..2 {
            let e = b.try_acquire().unwrap();
            b.on_result(SimTime(0), e, true, 0);
        }
        assert!(b.on_result(SimTime(0), early, true, 0).is_none());
        assert_eq!(b.state, BreakerState::Open);
    }

    #[test]
    fn time_window_forgets_old_seconds() {
        let mut b = Breaker::new(cfg(WindowKind::Time(2), 3));
        let e = b.try_acquire().unwrap();
        b.on_result(SimTime::from_secs(0), e, true, 0);
        b.on_result(SimTime::from_secs(0), e, true, 0);
        // Two seconds later those failures have left the window: 1 call < 3 minimum.
        assert!(b.on_result(SimTime::from_secs(2), e, true, 0).is_none());
        assert_eq!(b.stats(SimTime::from_secs(2)).calls, 1);
    }

    #[test]
    fn slow_calls_open_the_breaker() {
        let mut b = Breaker::new(BreakerConfig {
            window: WindowKind::Count(4),
            min_calls: 4,
            slow_call_us: 100,
            slow_threshold_ppm: PPM / 2,
            ..BreakerConfig::default()
        });
        let e = b.try_acquire().unwrap();
        for (i, d) in [10, 500, 10, 500].into_iter().enumerate() {
            let t = b.on_result(SimTime(i as u64), e, false, d);
            assert_eq!(t.is_some(), i == 3);
        }
        assert_eq!(b.state, BreakerState::Open);
    }
}
