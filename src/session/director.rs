//! Slow motion at notable moments, the session's half: a lookahead copy of the run finds the notable moments
//! a little ahead of now (so playback eases down *before* them), feeds them to the pure
//! [`Director`](crate::director::Director), and each frame asks it how fast to play.
//!
//! The lookahead is a clone of the live run (`Run::clone_box`) advanced each frame by twice the live run's
//! step at the chosen speed (so it gains on it even on a starved machine), then on within
//! [`LOOKAHEAD_BUDGET_MS`] of work, up to a horizon of a few seconds of playback; when the live run passes it (a seek forward,
//! or a busy run it cannot keep up with), it starts again from a fresh clone and the moments in between come
//! from the live run's own scan. It never touches the live run, so the run, its trace hash and the URL's `t`
//! are exactly those of normal playback. Off (the default outside presenter mode), none of this runs.

use faultline_sim::kernel::SimTime;
use faultline_sim::scene::Run;
use leptos::prelude::*;

use super::{Session, wall_ms};
use crate::director::{Director, LEAD_S, Pacing, RAMP_S};

/// Work the lookahead may take per frame.
const LOOKAHEAD_BUDGET_MS: f64 = 1.5;
/// How far ahead of now the lookahead runs, in seconds of playback (beyond the start of the ease-down).
const HORIZON_S: f64 = LEAD_S + RAMP_S + 0.6;
/// The lookahead advances in steps of at most this much virtual time (so it can stop within its budget).
const STEP_US: u64 = 50_000;

/// The lookahead run and how much of its log has been read.
pub(super) struct Ahead {
    run: Box<dyn Run>,
    scanned: u64,
}

/// The director's state in a session.
#[derive(Default)]
pub(super) struct DirectorState {
    pub director: Director,
    pub ahead: Option<Ahead>,
}

impl Session {
    /// Turns slow motion on or off (the transport's toggle, `s`).
    pub fn set_slow(&self, on: bool) {
        self.slow_chosen.set_value(true);
        self.slow.set(on);
        if !on {
            self.pacing.set(Pacing::NORMAL);
            self.stopped_at.set(None);
        }
        self.request_url_write();
    }

    /// Presenter mode on or off (the page's button, `p`); slow motion follows it unless the link chose.
    pub fn set_present(&self, on: bool) {
        self.present.set(on);
        if !self.slow_chosen.get_value() {
            self.slow.set(on);
            if !on {
                self.pacing.set(Pacing::NORMAL);
            }
        }
        self.request_url_write();
    }

    /// Forgets the marks and the lookahead (a new run or an edited script).
    pub(super) fn forget_director(&self) {
        self.director.update_value(|d| {
            d.director.reset();
            d.ahead = None;
        });
        self.stopped_at.set(None);
    }

    /// The frame's playback: (rate in virtual s per wall s, a moment to stop at within this frame).
    /// `dt_us` is the frame's step at the chosen speed.
    pub(super) fn direct(&self, speed: f64, dt_us: u64) -> (f64, Option<SimTime>) {
        if !self.slow.get_untracked() {
            return (speed, None);
        }
        let now = self.timeline.with_value(|tl| tl.now());
        self.look_ahead(now, speed, dt_us);
        if self.reduced_motion {
            let stop = self.director.with_value(|d| d.director.next_stop(now, now + dt_us).map(|m| m.t));
            return (speed, stop);
        }
        let pacing = self.director.with_value(|d| d.director.pacing(now, speed));
        let rate = speed * pacing.factor;
        if self.pacing.with_untracked(|p| *p != pacing) {
            self.pacing.set(pacing);
        }
        (rate, None)
    }

    /// After a jump (scrub, next notable): the indicator says how fast playing on from here would go.
    pub(super) fn repace(&self) {
        if !self.slow.get_untracked() || self.reduced_motion {
            return;
        }
        let now = self.timeline.with_value(|tl| tl.now());
        let pacing = self.director.with_value(|d| d.director.pacing(now, self.speed.get_untracked()));
        if self.pacing.with_untracked(|p| *p != pacing) {
            self.pacing.set(pacing);
        }
    }

    /// Runs the lookahead on and notes the notable moments it meets: each frame at least twice the live run's
    /// step at the chosen speed (`frame_us`), so it always gains on it, then on within its budget.
    fn look_ahead(&self, now: SimTime, speed: f64, frame_us: u64) {
        let kinds = self.scene.notable();
        let horizon_us = (HORIZON_S * speed * 1e6) as u64;
        let stale = self.director.with_value(|d| d.ahead.as_ref().is_none_or(|a| a.run.now() < now));
        if stale {
            // The live run's own notable moments cover the stretch the lookahead missed.
            let known_to = self.director.with_value(|d| d.director.known_to());
            let missed: Vec<(SimTime, String)> = self.notable_seen.with_value(|m| {
                m.values().filter(|n| n.t > known_to && n.t <= now).map(|n| (n.t, n.text.clone())).collect()
            });
            let run = self.timeline.with_value(|tl| tl.run().clone_box());
            self.director.update_value(|d| {
                for (t, text) in &missed {
                    d.director.note(*t, text, speed);
                }
                d.director.known_up_to(now);
                let scanned = run.log().total();
                d.ahead = Some(Ahead { run, scanned });
            });
        }
        let deadline = wall_ms() + LOOKAHEAD_BUDGET_MS;
        self.director.update_value(|d| {
            let Some(a) = d.ahead.as_mut() else { return };
            let target = now + horizon_us;
            let must = (a.run.now().max(now) + 2 * frame_us).min(target);
            while a.run.now() < target && (a.run.now() < must || wall_ms() < deadline) {
                let step = (a.run.now() + STEP_US).min(target);
                a.run.advance_to(step);
            }
            let log = a.run.log();
            let total = log.total();
            let fresh = (total.saturating_sub(a.scanned)).min(log.len() as u64) as usize;
            if fresh > 0 {
                let mut found: Vec<(SimTime, String)> = log
                    .iter()
                    .rev()
                    .take(fresh)
                    .filter(|e| kinds.contains(&e.kind))
                    .map(|e| (e.t, e.text.clone()))
                    .collect();
                found.reverse();
                for (t, text) in found {
                    d.director.note(t, &text, speed);
                }
            }
            a.scanned = total;
            let reached = a.run.now();
            d.director.known_up_to(reached);
        });
    }
}
