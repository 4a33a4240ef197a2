//! The four services: their local transactions and compensations, their idempotency records, and what they
//! do when they are taken down — the same code under both protocols (a command from the orchestrator or an
//! event from the bus asks for the same local transaction).
//!
//! **Local state.** Each service keeps, per saga, a [`StepRecord`] row in its own database: how many times
//! its local transaction and its compensation took effect (a ledger an observer can read: a charge is
//! visible before the saga has decided), which attempts it has run and how they turned out, and what work
//! is in progress. The rows of all four services are stored side by side in one table indexed by saga
//! number (a `SharedVec`, so a rewind snapshot shares it); each service reads and writes only its column.
//!
//! **Business outcomes are facts.** Whether attempt *n* of a step fails (a declined card, no stock) is
//! decided the first time a service runs that attempt — a draw keyed by (seed, service, saga, attempt),
//! so the same saga meets the same failures under either protocol and either idempotency setting — and
//! recorded. Running the same attempt again (a duplicate that a handler without idempotency executes)
//! meets the same fact: a copy never redraws an outcome.
//!
//! **Idempotency.** With idempotent handlers a service answers a message it has already handled from its
//! record — in orchestration it replies again with the recorded result, in choreography it ignores the
//! event — ignores one whose work is already in progress (the same attempt, in orchestration; any, in
//! choreography, where the service drives its own retries), and its transaction checks the record before
//! taking effect, so nothing happens twice. Without, every delivered message runs the transaction again: a
//! second charge, refund, reservation or release.
//!
//! **Down.** A service taken down stops: its transactions in progress roll back (no effect) and are done
//! again from the start — queued, like the messages that arrive and its own retry timers that fire while
//! it is down (the broker holds them) — and when it is back it works through its queue.

use std::collections::VecDeque;

use crate::kernel::{Field, Kernel, PPM, RngStream, ppm};

use super::model::{Inv, SagaModel};
use super::observer::Lane;
use super::protocol::{
    BUS, EventKind, MAX_RETRIABLE_FAILURE, Mode, Msg, ORCHESTRATOR, SagaRef, Step, TX_SIGMA, Timer, Work, backoff_us,
};
use crate::scene::Tone;

const NONE: u16 = u16::MAX;

/// One service's row for one saga.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StepRecord {
    /// Times the local transaction took effect (more than 1 only without idempotency).
    pub commits: u8,
    /// Times the compensation took effect.
    pub comps: u8,
    /// Attempts of the local transaction whose outcome is decided, and the one that succeeded.
    pub fwd_decided: u16,
    pub fwd_success: u16,
    pub comp_decided: u16,
    pub comp_success: u16,
    /// Deliveries received so far (highest attempt + 1), to tell a repeated delivery.
    pub fwd_seen: u16,
    pub comp_seen: u16,
    /// Work accepted and not finished — a transaction running or queued again after a crash, or
    /// (choreography) a retry waiting for its backoff — and the attempt most recently accepted.
    pub fwd_work: u16,
    pub fwd_work_attempt: u16,
    pub comp_work: u16,
    pub comp_work_attempt: u16,
}

impl Default for StepRecord {
    fn default() -> Self {
        StepRecord {
            commits: 0,
            comps: 0,
            fwd_decided: 0,
            fwd_success: NONE,
            comp_decided: 0,
            comp_success: NONE,
            fwd_seen: 0,
            comp_seen: 0,
            fwd_work: 0,
            fwd_work_attempt: 0,
            comp_work: 0,
            comp_work_attempt: 0,
        }
    }
}

impl StepRecord {
    pub fn committed(&self) -> bool {
        self.commits > 0
    }
    pub fn undone(&self) -> bool {
        self.comps > 0
    }

    fn accept(&mut self, compensation: bool, attempt: u16) {
        let (n, last) = self.work_mut(compensation);
        *n = n.saturating_add(1);
        *last = attempt;
    }

    fn finish(&mut self, compensation: bool) {
        let (n, _) = self.work_mut(compensation);
        *n = n.saturating_sub(1);
    }

    /// Whether work on the transaction (or compensation) is in progress: for `attempt` (the one most
    /// recently accepted), or for any attempt when `attempt` is `None`.
    fn busy(&self, compensation: bool, attempt: Option<u16>) -> bool {
        let (n, last) = if compensation {
            (self.comp_work, self.comp_work_attempt)
        } else {
            (self.fwd_work, self.fwd_work_attempt)
        };
        n > 0 && attempt.is_none_or(|a| a == last)
    }

    fn work_mut(&mut self, compensation: bool) -> (&mut u16, &mut u16) {
        if compensation {
            (&mut self.comp_work, &mut self.comp_work_attempt)
        } else {
            (&mut self.fwd_work, &mut self.fwd_work_attempt)
        }
    }
}

/// Something waiting in a service's queue while it is down.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Job {
    /// A request for the local transaction (a command, a trigger event, or a new order in choreography).
    Forward { saga: SagaRef, attempt: u16, via: Mode },
    /// A request for the compensation.
    Compensate { saga: SagaRef, attempt: u16, via: Mode },
    /// Work that was in progress when the service went down, run again from the start.
    Resume(Work),
}

/// One service's process: up or down, its transactions in progress, its queue, and ledger totals.
#[derive(Clone, Debug)]
pub struct Service {
    pub step: Step,
    pub up: bool,
    /// Bumped at each crash, so the timers of aborted transactions are recognised.
    pub epoch: u32,
    /// Transactions running now (each one's work travels in its timer).
    pub running: u32,
    pub queue: VecDeque<Job>,
    latency: RngStream,
    /// Every time the transaction / the compensation took effect, and the units it moved (dollars, stock
    /// units, bookings).
    pub n_effects: u64,
    pub n_undos: u64,
    pub units_done: u64,
    pub units_undone: u64,
    pub n_double_effects: u64,
    pub n_double_undos: u64,
}

impl Service {
    pub fn new(step: Step, latency: RngStream) -> Self {
        Service {
            step,
            up: true,
            epoch: 0,
            running: 0,
            queue: VecDeque::new(),
            latency,
            n_effects: 0,
            n_undos: 0,
            units_done: 0,
            units_undone: 0,
            n_double_effects: 0,
            n_double_undos: 0,
        }
    }

    /// Units a saga's transaction moves at this service.
    pub fn units(&self, saga: &SagaRef) -> u64 {
        match self.step {
            Step::Payment => saga.amount as u64,
            Step::Inventory => saga.qty as u64,
            Step::Order | Step::Shipping => 1,
        }
    }
}

/// Whether attempt `attempt` of `step`'s transaction (or compensation) for `saga` fails, given the
/// probability in force when it is first run: a draw keyed by the attempt's identity.
fn fails(seed: u64, step: Step, compensation: bool, saga: u64, attempt: u16, p_ppm: u32) -> bool {
    let name = if compensation { "outcome.compensation" } else { "outcome.transaction" };
    let key = (saga << 20) | ((attempt as u64) << 3) | step as u64;
    RngStream::indexed(seed, name, key).chance_ppm(p_ppm)
}

impl SagaModel {
    fn record(&mut self, saga: u64, step: Step) -> &mut StepRecord {
        &mut self.records[saga as usize][step.index()]
    }

    /// Failure probability of one attempt of `step` for `saga` (a step past the pivot at most 95 %).
    fn failure_ppm(&self, saga: &SagaRef, step: Step) -> u32 {
        let p = self.cfg.fail_ppm[step.index()];
        if saga.retriable(step) { p.min(ppm(MAX_RETRIABLE_FAILURE)) } else { p }
    }

    /// The fact for attempt `attempt`: decided and recorded the first time it runs.
    fn decide(&mut self, saga: &SagaRef, step: Step, compensation: bool, attempt: u16) -> bool {
        let p = if compensation { self.cfg.comp_fail_ppm } else { self.failure_ppm(saga, step) };
        let seed = self.seed;
        let r = self.record(saga.id, step);
        let (decided, success) = if compensation {
            (&mut r.comp_decided, &mut r.comp_success)
        } else {
            (&mut r.fwd_decided, &mut r.fwd_success)
        };
        if attempt < *decided {
            return *success == attempt;
        }
        if *success != NONE {
            // Only a handler without idempotency runs an attempt past the one that succeeded: it stays done.
            return true;
        }
        let ok = !fails(seed, step, compensation, saga.id, attempt, p.min(PPM));
        *decided = attempt + 1;
        if ok {
            *success = attempt;
        }
        ok
    }

    // ---- arrival at a service ---------------------------------------------------------------------------

    /// A job reaches a service: done now if it is up, queued otherwise.
    pub(super) fn service_job(&mut self, k: &mut Kernel<Msg, Timer>, step: Step, job: Job) {
        if self.services[step.index()].up {
            self.run_job(k, step, job);
        } else {
            self.services[step.index()].queue.push_back(job);
        }
    }

    fn run_job(&mut self, k: &mut Kernel<Msg, Timer>, step: Step, job: Job) {
        match job {
            Job::Forward { saga, attempt, via } => self.forward_request(k, step, saga, attempt, via),
            Job::Compensate { saga, attempt, via } => self.compensate_request(k, step, saga, attempt, via),
            Job::Resume(work) => self.start_tx(k, step, work),
        }
    }

    /// The reply (orchestration) a service gives from its record for an attempt it already handled.
    fn answer_from_record(&mut self, k: &mut Kernel<Msg, Timer>, step: Step, saga: SagaRef, attempt: u16, comp: bool) {
        let r = *self.record(saga.id, step);
        let msg = if comp {
            // Undone by this attempt, or already undone before it, or nothing to undo: done.
            let ok = !r.committed() || r.comp_success == attempt || (r.undone() && attempt >= r.comp_decided);
            Msg::CompReply { saga, step, attempt, ok }
        } else {
            Msg::Reply { saga, step, attempt, ok: r.fwd_success == attempt }
        };
        k.send(step.node(), ORCHESTRATOR, msg);
    }

    fn forward_request(&mut self, k: &mut Kernel<Msg, Timer>, step: Step, saga: SagaRef, attempt: u16, via: Mode) {
        let idempotent = self.cfg.idempotent;
        let r = *self.record(saga.id, step);
        if idempotent {
            // Choreography: the service runs its own retries, so any work on the step covers the trigger.
            let which = if via == Mode::Choreography { None } else { Some(attempt) };
            if r.busy(false, which) {
                return; // Already being handled: the work in progress will answer.
            }
            if r.committed() || r.undone() || attempt < r.fwd_decided {
                if via == Mode::Orchestration {
                    self.answer_from_record(k, step, saga, attempt, false);
                }
                return;
            }
        }
        self.record(saga.id, step).accept(false, attempt);
        self.start_tx(k, step, Work::Forward { saga, attempt, via });
    }

    fn compensate_request(&mut self, k: &mut Kernel<Msg, Timer>, step: Step, saga: SagaRef, attempt: u16, via: Mode) {
        let idempotent = self.cfg.idempotent;
        let r = *self.record(saga.id, step);
        if idempotent {
            let which = if via == Mode::Choreography { None } else { Some(attempt) };
            if r.busy(true, which) {
                return;
            }
            if r.undone() || attempt < r.comp_decided {
                if via == Mode::Orchestration {
                    self.answer_from_record(k, step, saga, attempt, true);
                }
                return;
            }
            if !r.committed() {
                // Nothing to undo (a step that never ran): pass it on without an effect.
                self.compensation_done(k, step, saga, attempt, via);
                return;
            }
        }
        self.record(saga.id, step).accept(true, attempt);
        self.start_tx(k, step, Work::Compensate { saga, attempt, via });
    }

    fn start_tx(&mut self, k: &mut Kernel<Msg, Timer>, step: Step, work: Work) {
        let median = self.cfg.step_latency_us as f64;
        let s = &mut self.services[step.index()];
        s.running += 1;
        let delay = s.latency.lognormal_micros(median, TX_SIGMA).max(1);
        k.schedule_in(delay, Timer::TxDone { service: step, work, epoch: s.epoch });
    }

    // ---- a transaction ends -----------------------------------------------------------------------------

    pub(super) fn tx_done(&mut self, k: &mut Kernel<Msg, Timer>, step: Step, work: Work, epoch: u32) {
        let s = &mut self.services[step.index()];
        if epoch != s.epoch {
            // Rolled back by a crash: the work is done again from the start, now or once the service is back
            // (the broker redelivers what was not acknowledged).
            self.service_job(k, step, Job::Resume(work));
            return;
        }
        s.running -= 1;
        match work {
            Work::Forward { saga, attempt, via } => self.complete_forward(k, step, saga, attempt, via),
            Work::Compensate { saga, attempt, via } => self.complete_compensation(k, step, saga, attempt, via),
        }
    }

    fn complete_forward(&mut self, k: &mut Kernel<Msg, Timer>, step: Step, saga: SagaRef, attempt: u16, via: Mode) {
        self.record(saga.id, step).finish(false);
        let r = *self.record(saga.id, step);
        if self.cfg.idempotent && (r.committed() || r.undone()) {
            // The dedup inside the transaction: it already took effect (or was undone), so nothing happens.
            if via == Mode::Orchestration {
                self.answer_from_record(k, step, saga, attempt, false);
            }
            return;
        }
        let ok = self.decide(&saga, step, false, attempt);
        if ok {
            self.apply_commit(k, step, &saga);
            match via {
                Mode::Orchestration => {
                    k.send(step.node(), ORCHESTRATOR, Msg::Reply { saga, step, attempt, ok: true });
                }
                Mode::Choreography => {
                    k.send(step.node(), BUS, Msg::Publish { saga, event: EventKind::Done(step) });
                    if step == Step::Shipping {
                        self.saga_ended(k, &saga, true);
                    }
                }
            }
            return;
        }
        match via {
            Mode::Orchestration => {
                k.send(step.node(), ORCHESTRATOR, Msg::Reply { saga, step, attempt, ok: false });
            }
            Mode::Choreography if saga.retriable(step) => {
                // Past the pivot the service retries its own transaction until it succeeds.
                self.record(saga.id, step).accept(false, attempt + 1);
                self.n_forward_retries += 1;
                self.observer.forward_retry(saga.id);
                let delay = backoff_us(self.cfg.backoff_us, attempt + 1);
                k.schedule_in(
                    delay,
                    Timer::ServiceRetry { service: step, saga, compensation: false, attempt: attempt + 1 },
                );
            }
            Mode::Choreography => {
                self.observer.failure_decided(saga.id, step);
                k.send(step.node(), BUS, Msg::Publish { saga, event: EventKind::Failed(step) });
            }
        }
    }

    fn complete_compensation(
        &mut self,
        k: &mut Kernel<Msg, Timer>,
        step: Step,
        saga: SagaRef,
        attempt: u16,
        via: Mode,
    ) {
        self.record(saga.id, step).finish(true);
        let r = *self.record(saga.id, step);
        if self.cfg.idempotent && (r.undone() || !r.committed()) {
            if via == Mode::Orchestration {
                self.answer_from_record(k, step, saga, attempt, true);
            }
            return;
        }
        if self.decide(&saga, step, true, attempt) {
            self.apply_compensation(k, step, &saga);
            self.compensation_done(k, step, saga, attempt, via);
            return;
        }
        self.n_compensation_retries += 1;
        match via {
            Mode::Orchestration => {
                k.send(step.node(), ORCHESTRATOR, Msg::CompReply { saga, step, attempt, ok: false });
            }
            Mode::Choreography => {
                // A compensation must not fail for good: the service retries it until it takes effect.
                self.record(saga.id, step).accept(true, attempt + 1);
                let delay = backoff_us(self.cfg.backoff_us, attempt + 1);
                k.schedule_in(
                    delay,
                    Timer::ServiceRetry { service: step, saga, compensation: true, attempt: attempt + 1 },
                );
            }
        }
    }

    /// The compensation is done (or there was nothing to undo): tell whoever drives the saga.
    fn compensation_done(&mut self, k: &mut Kernel<Msg, Timer>, step: Step, saga: SagaRef, attempt: u16, via: Mode) {
        match via {
            Mode::Orchestration => {
                k.send(step.node(), ORCHESTRATOR, Msg::CompReply { saga, step, attempt, ok: true });
            }
            Mode::Choreography => {
                k.send(step.node(), BUS, Msg::Publish { saga, event: EventKind::Compensated(step) });
                if step == Step::Order {
                    self.saga_ended(k, &saga, false);
                }
            }
        }
    }

    /// Choreography: a service's own retry timer fired.
    pub(super) fn service_retry(
        &mut self,
        k: &mut Kernel<Msg, Timer>,
        step: Step,
        saga: SagaRef,
        compensation: bool,
        attempt: u16,
    ) {
        let via = Mode::Choreography;
        let work =
            if compensation { Work::Compensate { saga, attempt, via } } else { Work::Forward { saga, attempt, via } };
        // Accepted when it was scheduled: still work in progress.
        self.service_job(k, step, Job::Resume(work));
    }

    // ---- effects ----------------------------------------------------------------------------------------

    fn apply_commit(&mut self, k: &mut Kernel<Msg, Timer>, step: Step, saga: &SagaRef) {
        let now = k.now();
        let r = self.record(saga.id, step);
        let again = r.committed();
        r.commits = r.commits.saturating_add(1);
        let s = &mut self.services[step.index()];
        let units = s.units(saga);
        s.n_effects += 1;
        s.units_done += units;
        if step == Step::Payment {
            self.paid_actual += saga.amount as i64;
            if !again {
                self.paid_expected += saga.amount as i64;
            }
        }
        if again {
            s.n_double_effects += 1;
            self.note_duplicate_effect(k, step, saga, false);
        }
        self.observer.committed(saga, step, now);
    }

    fn apply_compensation(&mut self, k: &mut Kernel<Msg, Timer>, step: Step, saga: &SagaRef) {
        let now = k.now();
        let recs = self.records[saga.id as usize];
        let r = recs[step.index()];
        let again = r.undone();
        // The invariants of compensation, checked at the moment it takes effect.
        k.check(Inv::CompensatedNeverRan as usize, r.committed());
        if !again {
            let later_not_undone = Step::ALL.iter().filter(|s| **s > step).any(|s| {
                let x = recs[s.index()];
                x.committed() && !x.undone()
            });
            k.check(Inv::CompensationsOutOfOrder as usize, !later_not_undone);
        }
        if let Some(p) = saga.pivot {
            k.check(Inv::CompensatedPastPivot as usize, !recs[p.index()].committed());
        }
        let rec = self.record(saga.id, step);
        rec.comps = rec.comps.saturating_add(1);
        self.n_compensations += 1;
        let s = &mut self.services[step.index()];
        let units = s.units(saga);
        s.n_undos += 1;
        s.units_undone += units;
        if step == Step::Payment {
            self.paid_actual -= saga.amount as i64;
            if !again {
                self.paid_expected -= saga.amount as i64;
            }
        }
        if again {
            s.n_double_undos += 1;
            self.note_duplicate_effect(k, step, saga, true);
        }
        self.observer.compensated(saga, step, now);
    }

    fn note_duplicate_effect(&mut self, k: &mut Kernel<Msg, Timer>, step: Step, saga: &SagaRef, undo: bool) {
        let now = k.now();
        self.n_duplicate_effects += 1;
        self.observer.cumulative_duplicate_effects.max(now, self.n_duplicate_effects as f64);
        k.check(Inv::DuplicateEffectsWhenIdempotent as usize, false);
        let what = if undo { step.undone() } else { step.done() };
        let money = match step {
            Step::Payment => format!(" (${} {})", saga.amount, if undo { "refunded twice" } else { "charged twice" }),
            Step::Inventory => {
                format!(" ({} units {})", saga.qty, if undo { "released twice" } else { "reserved twice" })
            }
            _ => String::new(),
        };
        k.emit(
            "duplicate_effect",
            format!(
                "saga #{}: {} {what} a second time{money}: a repeated message ran the {} again (handlers are not idempotent)",
                saga.id,
                step.name(),
                if undo { "compensation" } else { "local transaction" }
            ),
            vec![
                ("saga", Field::from(saga.id)),
                ("step", Field::from(step.name())),
                ("effect", Field::from(if undo { "compensation" } else { "transaction" })),
            ],
        );
    }

    // ---- down and back up -------------------------------------------------------------------------------

    pub(super) fn service_down(&mut self, k: &mut Kernel<Msg, Timer>, step: Step) {
        let now = k.now();
        let s = &mut self.services[step.index()];
        if !s.up {
            return;
        }
        s.up = false;
        s.epoch += 1;
        let n_aborted = std::mem::take(&mut s.running);
        self.observer.flows.mark_open(Lane::Service(step), now, "down", Tone::Bad);
        k.emit(
            "fault",
            format!(
                "{} DOWN: {n_aborted} transactions in progress rolled back, to be done again; its messages wait until it is back",
                step.name()
            ),
            vec![("node", Field::from(step.name())), ("aborted", Field::from(n_aborted as u64))],
        );
    }

    pub(super) fn service_up(&mut self, k: &mut Kernel<Msg, Timer>, step: Step) {
        let now = k.now();
        let s = &mut self.services[step.index()];
        if s.up {
            return;
        }
        s.up = true;
        let jobs: Vec<Job> = s.queue.drain(..).collect();
        self.observer.flows.mark_open(Lane::Service(step), now, "back up", Tone::Good);
        k.emit(
            "fault",
            format!("{} back UP: working through the {} messages that waited for it", step.name(), jobs.len()),
            vec![("node", Field::from(step.name())), ("queued", Field::from(jobs.len()))],
        );
        for job in jobs {
            self.run_job(k, step, job);
        }
    }
}
