//! The scene's observer: what a reader (and the correctness panel) knows of every saga, kept beside the
//! simulated system and never consulted by it.
//!
//! No participant of a saga knows its whole story — in choreography nobody does. The observer watches the
//! effects as the services apply them and the decisions as the protocol takes them, and keeps:
//!
//! * per saga still in flight ([`OpenSaga`]): when it started, the steps whose local transaction committed
//!   (in the order they first committed), the steps whose compensation took effect (in that order), the
//!   step whose failure decided to compensate, and the moment of its last effect — what `saga_end` reports;
//! * the totals and time series the charts draw (outcomes, in flight, time to consistency, duplicates,
//!   the committed fraction);
//! * the flows of the sequence panel: every delivered message of the most recent sagas (bounded, see
//!   [`Flows`]), with crash and recovery marks and the pivot as a rule.

use std::collections::BTreeMap;

use crate::kernel::{
    DEFAULT_BUCKET_US, DEFAULT_MAX_POINTS, Envelope, Gauge, Histogram, QuantileSeries, Series, SeriesKind, SimTime,
    StepSeries,
};
use crate::scene::Tone;

use super::protocol::{BUS, Mode, Msg, ORCHESTRATOR, SagaRef, Step};

/// Up to four steps, in the order something first happened to them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StepList {
    n: u8,
    steps: [u8; 4],
}

impl StepList {
    pub fn contains(&self, s: Step) -> bool {
        self.steps[..self.n as usize].contains(&(s as u8))
    }
    /// Appends `s` unless it is already listed; returns whether it was new.
    pub fn push(&mut self, s: Step) -> bool {
        if self.contains(s) || self.n >= 4 {
            return false;
        }
        self.steps[self.n as usize] = s as u8;
        self.n += 1;
        true
    }
    pub fn iter(&self) -> impl Iterator<Item = Step> + '_ {
        self.steps[..self.n as usize].iter().filter_map(|&i| Step::from_index(i as usize))
    }
    /// "order,payment".
    pub fn joined(&self) -> String {
        self.iter().map(Step::name).collect::<Vec<_>>().join(",")
    }
}

/// What the observer knows of a saga still in flight.
#[derive(Clone, Copy, Debug)]
pub struct OpenSaga {
    pub saga: SagaRef,
    pub mode: Mode,
    pub started: SimTime,
    pub ran: StepList,
    pub compensated: StepList,
    /// The step whose failure decided to compensate.
    pub failed: Option<Step>,
    pub last_effect: SimTime,
    pub forward_retries: u32,
    /// The orchestrator wrote its first log record (it was not merely waiting in the orchestrator's queue).
    pub in_log: bool,
    /// Replies the orchestrator received: highest attempt + 1 per (compensation?, step), to tell repeats.
    pub orchestrator_seen: [u16; 8],
}

/// One delivered message of a flow.
#[derive(Clone, Debug)]
pub struct Arrow {
    pub from: Lane,
    pub to: Lane,
    pub sent: SimTime,
    pub received: SimTime,
    pub msg: Msg,
    pub repeat: Repeat,
}

/// Whether a delivery repeats one its receiver already had.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Repeat {
    First,
    /// An at-least-once copy made by the network.
    Copy,
    /// Sent again by a participant (a handler that is not idempotent repeating its follow-up).
    Again,
}

/// A participant of the sequence panel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Lane {
    Orchestrator,
    Bus,
    Service(Step),
}

impl Lane {
    pub fn of_node(node: crate::kernel::NodeId) -> Lane {
        if node == ORCHESTRATOR {
            Lane::Orchestrator
        } else if node == BUS {
            Lane::Bus
        } else {
            Lane::Service(Step::of_node(node).unwrap_or(Step::Order))
        }
    }
}

#[derive(Clone, Debug)]
pub struct Mark {
    pub lane: Lane,
    pub at: SimTime,
    pub label: String,
    pub tone: Tone,
}

/// Most arrows kept per flow: the first half and the most recent half (a saga retrying for minutes keeps
/// its start and its end; the middle is counted).
pub const MAX_ARROWS: usize = 120;
const MAX_MARKS: usize = 16;

/// A saga as the sequence panel follows it.
#[derive(Clone, Debug)]
pub struct Flow {
    pub saga: SagaRef,
    pub mode: Mode,
    /// (when, committed?) once it ended.
    pub ended: Option<(SimTime, bool)>,
    pub failed: Option<Step>,
    pub arrows: Vec<Arrow>,
    pub n_arrows_dropped: u32,
    pub marks: Vec<Mark>,
    /// The pivot committed here: from this moment the saga only goes forward.
    pub pivot_at: Option<SimTime>,
}

/// Flows kept for the sequence panel: the most recent [`Flows::RECENT`] sagas, up to [`Flows::OLDER_OPEN`]
/// older ones still in flight, and the latest compensated one — at most 62, in saga order (a small sorted
/// `Vec`: sagas start in number order). Everything else is dropped as sagas start.
#[derive(Clone, Debug, Default)]
pub struct Flows {
    pub list: Vec<Flow>,
    pub last_failed: Option<u64>,
    /// Sagas started so far (the next saga's number).
    pub n_started: u64,
}

impl Flows {
    pub const RECENT: u64 = 40;
    pub const OLDER_OPEN: usize = 20;

    fn is_recent(&self, id: u64) -> bool {
        id + Self::RECENT >= self.n_started
    }

    fn position(&self, id: u64) -> Option<usize> {
        self.list.binary_search_by_key(&id, |f| f.saga.id).ok()
    }

    fn remove(&mut self, id: u64) {
        if let Some(i) = self.position(id) {
            self.list.remove(i);
        }
    }

    pub fn start(&mut self, saga: SagaRef, mode: Mode) {
        self.n_started = saga.id + 1;
        self.list.push(Flow {
            saga,
            mode,
            ended: None,
            failed: None,
            arrows: Vec::new(),
            n_arrows_dropped: 0,
            marks: Vec::new(),
            pivot_at: None,
        });
        // Sagas that left the recent window: finished ones go (but the latest failed), open ones stay up to a
        // bound. Past it, flows with no message yet (orders queued behind a crashed orchestrator) go first,
        // then the oldest, so the sagas caught mid-flight by a crash stay in view.
        let horizon = self.n_started.saturating_sub(Self::RECENT);
        let last_failed = self.last_failed;
        self.list.retain(|f| f.saga.id >= horizon || f.ended.is_none() || Some(f.saga.id) == last_failed);
        let mut open: Vec<(bool, u64)> = self
            .list
            .iter()
            .take_while(|f| f.saga.id < horizon)
            .filter(|f| f.ended.is_none())
            .map(|f| (!f.arrows.is_empty(), f.saga.id))
            .collect();
        if open.len() > Self::OLDER_OPEN {
            crate::kernel::sort_stable_by(&mut open, Ord::cmp);
            for (_, id) in &open[..open.len() - Self::OLDER_OPEN] {
                self.remove(*id);
            }
        }
    }

    pub fn get_mut(&mut self, id: u64) -> Option<&mut Flow> {
        self.position(id).map(|i| &mut self.list[i])
    }

    pub fn arrow(&mut self, env: &Envelope<Msg>, repeat: Repeat) {
        let Some(f) = self.get_mut(env.payload.saga().id) else { return };
        if f.arrows.len() >= MAX_ARROWS {
            f.arrows.remove(MAX_ARROWS / 2);
            f.n_arrows_dropped += 1;
        }
        f.arrows.push(Arrow {
            from: Lane::of_node(env.from),
            to: Lane::of_node(env.to),
            sent: env.sent_at,
            received: env.deliver_at,
            msg: env.payload.clone(),
            repeat,
        });
    }

    pub fn mark(&mut self, id: u64, lane: Lane, at: SimTime, label: String, tone: Tone) {
        if let Some(f) = self.get_mut(id)
            && f.marks.len() < MAX_MARKS
        {
            f.marks.push(Mark { lane, at, label, tone });
        }
    }

    /// Marks every flow still in flight that `lane` takes part in (a crash, a restart).
    pub fn mark_open(&mut self, lane: Lane, at: SimTime, label: &str, tone: Tone) {
        for f in &mut self.list {
            let involved = match lane {
                Lane::Orchestrator => f.mode == Mode::Orchestration,
                Lane::Bus => f.mode == Mode::Choreography,
                Lane::Service(_) => true,
            };
            if f.ended.is_none() && involved && f.marks.len() < MAX_MARKS {
                f.marks.push(Mark { lane, at, label: label.to_string(), tone });
            }
        }
    }

    pub fn end(&mut self, id: u64, at: SimTime, committed: bool, failed: Option<Step>) {
        // The latest failed saga that has a flow to show (one evicted while in flight has none).
        if !committed && self.position(id).is_some() {
            let previous = self.last_failed.replace(id);
            if let Some(p) = previous.filter(|p| *p != id && !self.is_recent(*p)) {
                self.remove(p);
            }
        }
        let recent = self.is_recent(id);
        if let Some(f) = self.get_mut(id) {
            f.ended = Some((at, committed));
            f.failed = failed;
            if !recent && committed {
                self.remove(id);
            }
        }
    }
}

/// Totals, series and open sagas.
#[derive(Clone, Debug)]
pub struct Observer {
    pub open: BTreeMap<u64, OpenSaga>,
    pub n_started: u64,
    pub n_committed: u64,
    pub n_compensated: u64,
    pub n_open_by_mode: [u64; 2],
    pub consistency: Histogram,
    pub consistency_series: QuantileSeries,
    pub started_rate: Series,
    pub committed_rate: Series,
    pub compensated_rate: Series,
    pub in_flight: Gauge,
    /// Cumulative counts, as the largest value per bucket (they only grow).
    pub cumulative_duplicate_effects: Series,
    pub cumulative_duplicate_deliveries: Series,
    pub cumulative_committed: Series,
    pub cumulative_ended: Series,
    pub theory_line: StepSeries,
    pub flows: Flows,
}

impl Default for Observer {
    fn default() -> Self {
        let cumulative = || Series::with_width(SeriesKind::Max, DEFAULT_BUCKET_US, DEFAULT_MAX_POINTS);
        Observer {
            open: BTreeMap::new(),
            n_started: 0,
            n_committed: 0,
            n_compensated: 0,
            n_open_by_mode: [0; 2],
            consistency: Histogram::default(),
            consistency_series: QuantileSeries::default(),
            started_rate: Series::new(SeriesKind::Rate),
            committed_rate: Series::new(SeriesKind::Rate),
            compensated_rate: Series::new(SeriesKind::Rate),
            in_flight: Gauge::default(),
            cumulative_duplicate_effects: cumulative(),
            cumulative_duplicate_deliveries: cumulative(),
            cumulative_committed: cumulative(),
            cumulative_ended: cumulative(),
            theory_line: StepSeries::default(),
            flows: Flows::default(),
        }
    }
}

impl Observer {
    pub fn started(&mut self, saga: SagaRef, mode: Mode, now: SimTime) {
        self.n_started += 1;
        self.n_open_by_mode[mode as usize] += 1;
        self.open.insert(
            saga.id,
            OpenSaga {
                saga,
                mode,
                started: now,
                ran: StepList::default(),
                compensated: StepList::default(),
                failed: None,
                last_effect: now,
                forward_retries: 0,
                in_log: false,
                orchestrator_seen: [0; 8],
            },
        );
        self.started_rate.add(now, 1.0);
        self.in_flight.set(now, self.open.len() as i64);
        self.flows.start(saga, mode);
    }

    /// A local transaction took effect. Returns whether it was the step's first commit in this saga.
    pub fn committed(&mut self, saga: &SagaRef, step: Step, now: SimTime) -> bool {
        let Some(o) = self.open.get_mut(&saga.id) else { return false };
        let first = o.ran.push(step);
        if first {
            o.last_effect = now;
            if saga.pivot == Some(step)
                && let Some(f) = self.flows.get_mut(saga.id)
            {
                f.pivot_at = Some(now);
            }
        }
        first
    }

    /// A compensation took effect.
    pub fn compensated(&mut self, saga: &SagaRef, step: Step, now: SimTime) {
        if let Some(o) = self.open.get_mut(&saga.id)
            && o.compensated.push(step)
        {
            o.last_effect = now;
        }
    }

    pub fn failure_decided(&mut self, saga: u64, step: Step) {
        if let Some(o) = self.open.get_mut(&saga) {
            o.failed.get_or_insert(step);
        }
    }

    pub fn forward_retry(&mut self, saga: u64) {
        if let Some(o) = self.open.get_mut(&saga) {
            o.forward_retries += 1;
        }
    }

    /// Closes a saga; `None` if it had ended already (each saga ends once).
    pub fn end(&mut self, id: u64, committed: bool, now: SimTime) -> Option<OpenSaga> {
        let o = self.open.remove(&id)?;
        self.n_open_by_mode[o.mode as usize] -= 1;
        if committed {
            self.n_committed += 1;
            self.committed_rate.add(now, 1.0);
        } else {
            self.n_compensated += 1;
            self.compensated_rate.add(now, 1.0);
        }
        let to_consistency = o.last_effect - o.started;
        self.consistency.record(to_consistency);
        self.consistency_series.record(now, to_consistency);
        self.in_flight.set(now, self.open.len() as i64);
        // Both written at every end, so they keep the same bucket width as they grow.
        self.cumulative_committed.max(now, self.n_committed as f64);
        self.cumulative_ended.max(now, (self.n_committed + self.n_compensated) as f64);
        self.flows.end(id, now, committed, o.failed);
        Some(o)
    }

    /// The running committed fraction (committed / ended so far), per bucket.
    pub fn committed_fraction_points(&self, now: SimTime) -> Vec<(f64, f64)> {
        let committed = self.cumulative_committed.points(now);
        let ended = self.cumulative_ended.points(now);
        let (mut c, mut e) = (0.0, 0.0);
        let mut out = Vec::with_capacity(ended.len());
        for ((t, cv), (_, ev)) in committed.into_iter().zip(ended) {
            // Buckets without an end hold 0: the running counts carry over.
            c = f64::max(c, cv);
            e = f64::max(e, ev);
            if e > 0.0 {
                out.push((t, c / e));
            }
        }
        out
    }

    /// A cumulative series carried over buckets where it did not change.
    pub fn cumulative_points(series: &Series, now: SimTime) -> Vec<(f64, f64)> {
        let mut last = 0.0;
        series
            .points(now)
            .into_iter()
            .map(|(t, v)| {
                last = f64::max(last, v);
                (t, last)
            })
            .collect()
    }
}
