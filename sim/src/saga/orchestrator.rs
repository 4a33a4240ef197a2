//! The orchestrator: a coordinator that sends each service its command, waits for the reply, and keeps a
//! durable saga log — and loses everything else when it crashes.
//!
//! It is event-sourced: every decision is first appended to the saga's [`Record`]s in the durable log,
//! then applied to the in-memory [`Instance`] — the same [`Instance::apply`] that rebuilds it. A crash
//! empties the memory (every instance, every retry timer: the timers carry an incarnation number that the
//! next incarnation ignores); the log and the queue in front of the orchestrator survive. Messages and new
//! orders that arrive while it is down wait in that queue. On restart it replays the log saga by saga
//! (`Instance::replay`), re-arms the retries the log says are due, and then works through its queue, so
//! every unfinished saga resumes where its log left it. A finished saga's records are dropped from the log
//! (compaction), so the log holds the sagas in flight.
//!
//! ```
//! use faultline_sim::kernel::SimTime;
//! use faultline_sim::saga::orchestrator::{Instance, Record};
//! use faultline_sim::saga::protocol::{SagaRef, Step};
//! let saga = SagaRef { id: 7, amount: 40, qty: 1, pivot: None };
//! let log = [
//!     Record::Started { saga, at: SimTime::ZERO },
//!     Record::Sent { step: Step::Order, attempt: 0 },
//!     Record::Done { step: Step::Order },
//!     Record::Sent { step: Step::Payment, attempt: 0 },
//!     Record::Failed { step: Step::Payment },
//! ];
//! let rebuilt = Instance::replay(&log).unwrap();
//! assert!(rebuilt.compensating);
//! assert_eq!(rebuilt.next_to_undo(), Some(Step::Order)); // only the order ran: cancel it
//! ```

use std::collections::{BTreeMap, VecDeque};

use crate::kernel::{Field, Kernel, SimTime};
use crate::scene::Tone;

use super::model::{Inv, SagaModel};
use super::observer::Lane;
use super::protocol::{Msg, ORCHESTRATOR, SagaRef, Step, Timer, backoff_us};

/// One entry of the durable saga log.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Record {
    Started {
        saga: SagaRef,
        at: SimTime,
    },
    /// Written before the command is sent (write-ahead).
    Sent {
        step: Step,
        attempt: u16,
    },
    Done {
        step: Step,
    },
    /// A failure at or before the pivot: the saga compensates.
    Failed {
        step: Step,
    },
    /// A failure past the pivot: attempt `attempt` is due at `due`.
    RetryAt {
        step: Step,
        attempt: u16,
        due: SimTime,
    },
    CompSent {
        step: Step,
        attempt: u16,
    },
    CompDone {
        step: Step,
    },
    /// A compensation failed this time: attempt `attempt` is due at `due`.
    CompRetryAt {
        step: Step,
        attempt: u16,
        due: SimTime,
    },
}

/// What the orchestrator holds in memory for a saga in flight: a fold of its log records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Instance {
    pub saga: SagaRef,
    pub started: SimTime,
    pub compensating: bool,
    pub failed: Option<Step>,
    /// Bit per step: its local transaction committed / its compensation is done.
    pub committed: u8,
    pub compensated: u8,
    /// The reply it waits for: (compensation?, step, attempt).
    pub awaiting: Option<(bool, Step, u16)>,
    /// A retry that is due: (compensation?, step, attempt, when).
    pub retry: Option<(bool, Step, u16, SimTime)>,
}

impl Instance {
    pub fn apply(&mut self, r: &Record) {
        let bit = |s: Step| 1u8 << s.index();
        match *r {
            Record::Started { .. } => {}
            Record::Sent { step, attempt } => {
                self.awaiting = Some((false, step, attempt));
                self.retry = None;
            }
            Record::Done { step } => {
                self.committed |= bit(step);
                self.awaiting = None;
            }
            Record::Failed { step } => {
                self.failed = Some(step);
                self.compensating = true;
                self.awaiting = None;
            }
            Record::RetryAt { step, attempt, due } => {
                self.awaiting = None;
                self.retry = Some((false, step, attempt, due));
            }
            Record::CompSent { step, attempt } => {
                self.awaiting = Some((true, step, attempt));
                self.retry = None;
            }
            Record::CompDone { step } => {
                self.compensated |= bit(step);
                self.awaiting = None;
            }
            Record::CompRetryAt { step, attempt, due } => {
                self.awaiting = None;
                self.retry = Some((true, step, attempt, due));
            }
        }
    }

    /// Rebuilds an instance from its records (the first must be `Started`).
    pub fn replay(records: &[Record]) -> Option<Instance> {
        let Some(Record::Started { saga, at }) = records.first() else { return None };
        let mut me = Instance {
            saga: *saga,
            started: *at,
            compensating: false,
            failed: None,
            committed: 0,
            compensated: 0,
            awaiting: None,
            retry: None,
        };
        for r in &records[1..] {
            me.apply(r);
        }
        Some(me)
    }

    /// The next compensation: the latest step that committed and is not undone yet (reverse order).
    pub fn next_to_undo(&self) -> Option<Step> {
        Step::ALL.into_iter().rev().find(|s| {
            let bit = 1u8 << s.index();
            self.committed & bit != 0 && self.compensated & bit == 0
        })
    }
}

/// Something waiting in the orchestrator's queue while it is down.
#[derive(Clone, Debug)]
pub enum Inbound {
    Order(SagaRef),
    Msg(Msg),
}

/// The orchestrator's process: its durable log and queue, and its volatile memory.
#[derive(Clone, Debug, Default)]
pub struct Orchestrator {
    pub up: bool,
    /// Bumped at each crash: timers of an earlier incarnation are ignored.
    incarnation: u32,
    /// Durable: the records of every saga in flight.
    log: BTreeMap<u64, Vec<Record>>,
    pub n_log_records: usize,
    pub n_records_written: u64,
    /// Volatile: the instances, rebuilt from the log on restart.
    pub memory: BTreeMap<u64, Instance>,
    /// Durable: what arrived while it was down.
    pub queue: VecDeque<Inbound>,
    pub n_crashes: u64,
    pub n_recoveries: u64,
    pub down_since: Option<SimTime>,
}

impl Orchestrator {
    pub fn new() -> Self {
        Orchestrator { up: true, ..Default::default() }
    }
    pub fn n_open_in_log(&self) -> usize {
        self.log.len()
    }
    pub fn has_work(&self) -> bool {
        !self.log.is_empty() || !self.queue.is_empty()
    }
}

impl SagaModel {
    fn orch_append(&mut self, saga: u64, r: Record) {
        let o = &mut self.orchestrator;
        o.log.entry(saga).or_default().push(r);
        o.n_log_records += 1;
        o.n_records_written += 1;
        if let Some(inst) = o.memory.get_mut(&saga) {
            inst.apply(&r);
        }
    }

    /// An order or a message for the orchestrator: handled now, or queued while it is down.
    pub(super) fn orch_inbound(&mut self, k: &mut Kernel<Msg, Timer>, inbound: Inbound) {
        if !self.orchestrator.up {
            if let Inbound::Order(saga) = &inbound {
                self.observer.flows.mark(
                    saga.id,
                    Lane::Orchestrator,
                    k.now(),
                    "order queued: orchestrator down".into(),
                    Tone::Warn,
                );
            }
            self.orchestrator.queue.push_back(inbound);
            return;
        }
        match inbound {
            Inbound::Order(saga) => self.orch_start(k, saga),
            Inbound::Msg(m) => self.orch_message(k, m),
        }
    }

    fn orch_start(&mut self, k: &mut Kernel<Msg, Timer>, saga: SagaRef) {
        let record = Record::Started { saga, at: k.now() };
        self.orchestrator.log.insert(saga.id, vec![record]);
        self.orchestrator.n_log_records += 1;
        self.orchestrator.n_records_written += 1;
        self.orchestrator.memory.insert(saga.id, Instance::replay(&[record]).expect("starts with Started"));
        if let Some(o) = self.observer.open.get_mut(&saga.id) {
            o.in_log = true;
        }
        self.orch_send_command(k, saga, Step::Order, 0);
    }

    fn orch_send_command(&mut self, k: &mut Kernel<Msg, Timer>, saga: SagaRef, step: Step, attempt: u16) {
        self.orch_append(saga.id, Record::Sent { step, attempt });
        k.send(ORCHESTRATOR, step.node(), Msg::Command { saga, step, attempt });
    }

    fn orch_send_compensation(&mut self, k: &mut Kernel<Msg, Timer>, saga: SagaRef, step: Step, attempt: u16) {
        self.orch_append(saga.id, Record::CompSent { step, attempt });
        k.send(ORCHESTRATOR, step.node(), Msg::Compensate { saga, step, attempt });
    }

    fn orch_message(&mut self, k: &mut Kernel<Msg, Timer>, msg: Msg) {
        let now = k.now();
        let idempotent = self.cfg.idempotent;
        match msg {
            Msg::Reply { saga, step, attempt, ok } => {
                // A saga no longer in memory has finished: a late reply has nothing left to do.
                let Some(inst) = self.orchestrator.memory.get(&saga.id).copied() else { return };
                let expected = inst.awaiting == Some((false, step, attempt));
                if ok && expected {
                    self.orch_append(saga.id, Record::Done { step });
                    match step.next() {
                        Some(next) => self.orch_send_command(k, saga, next, 0),
                        None => self.orch_finish(k, saga, true),
                    }
                } else if ok && !idempotent && !inst.compensating {
                    // Not idempotent: every success reply is acted on, so a repeated one sends the next
                    // command again (and the next service, without idempotency, runs it again).
                    if let Some(next) = step.next() {
                        self.n_resent_commands += 1;
                        k.send(ORCHESTRATOR, next.node(), Msg::Command { saga, step: next, attempt: 0 });
                    }
                } else if !ok && expected {
                    if saga.retriable(step) {
                        let attempt = attempt + 1;
                        let due = now + backoff_us(self.cfg.backoff_us, attempt);
                        self.orch_append(saga.id, Record::RetryAt { step, attempt, due });
                        self.n_forward_retries += 1;
                        self.observer.forward_retry(saga.id);
                        let incarnation = self.orchestrator.incarnation;
                        k.schedule_at(due, Timer::OrchestratorRetry { saga: saga.id, incarnation });
                    } else {
                        self.orch_append(saga.id, Record::Failed { step });
                        self.observer.failure_decided(saga.id, step);
                        self.orch_next_compensation(k, saga.id);
                    }
                }
            }
            Msg::CompReply { saga, step, attempt, ok } => {
                let Some(inst) = self.orchestrator.memory.get(&saga.id).copied() else { return };
                let expected = inst.awaiting == Some((true, step, attempt));
                if ok && expected {
                    self.orch_append(saga.id, Record::CompDone { step });
                    self.orch_next_compensation(k, saga.id);
                } else if ok && !idempotent && inst.compensating {
                    if let Some(prev) = step.prev() {
                        self.n_resent_commands += 1;
                        k.send(ORCHESTRATOR, prev.node(), Msg::Compensate { saga, step: prev, attempt: 0 });
                    }
                } else if !ok && expected {
                    let attempt = attempt + 1;
                    let due = now + backoff_us(self.cfg.backoff_us, attempt);
                    self.orch_append(saga.id, Record::CompRetryAt { step, attempt, due });
                    let incarnation = self.orchestrator.incarnation;
                    k.schedule_at(due, Timer::OrchestratorRetry { saga: saga.id, incarnation });
                }
            }
            // Commands and events never reach the orchestrator.
            Msg::Command { .. } | Msg::Compensate { .. } | Msg::Publish { .. } | Msg::Deliver { .. } => {}
        }
    }

    fn orch_next_compensation(&mut self, k: &mut Kernel<Msg, Timer>, saga: u64) {
        let Some(inst) = self.orchestrator.memory.get(&saga).copied() else { return };
        match inst.next_to_undo() {
            Some(step) => self.orch_send_compensation(k, inst.saga, step, 0),
            None => self.orch_finish(k, inst.saga, false),
        }
    }

    fn orch_finish(&mut self, k: &mut Kernel<Msg, Timer>, saga: SagaRef, committed: bool) {
        let o = &mut self.orchestrator;
        if let Some(records) = o.log.remove(&saga.id) {
            o.n_log_records -= records.len();
        }
        o.memory.remove(&saga.id);
        self.saga_ended(k, &saga, committed);
    }

    pub(super) fn orch_retry_due(&mut self, k: &mut Kernel<Msg, Timer>, saga: u64, incarnation: u32) {
        let o = &self.orchestrator;
        if !o.up || incarnation != o.incarnation {
            return; // The timer died with the memory of an earlier incarnation.
        }
        let Some(inst) = o.memory.get(&saga).copied() else { return };
        let Some((compensation, step, attempt, due)) = inst.retry else { return };
        if due > k.now() {
            return;
        }
        if compensation {
            self.orch_send_compensation(k, inst.saga, step, attempt);
        } else {
            self.orch_send_command(k, inst.saga, step, attempt);
        }
    }

    pub(super) fn orch_crash(&mut self, k: &mut Kernel<Msg, Timer>) {
        let now = k.now();
        let o = &mut self.orchestrator;
        if !o.up {
            return;
        }
        let n_memory = o.memory.len();
        let n_timers = o.memory.values().filter(|i| i.retry.is_some()).count();
        o.up = false;
        o.memory.clear();
        o.incarnation += 1;
        o.n_crashes += 1;
        o.down_since = Some(now);
        let n_records = o.n_log_records;
        self.observer.flows.mark_open(Lane::Orchestrator, now, "crashed: memory lost", Tone::Bad);
        k.emit(
            "fault",
            format!(
                "orchestrator CRASHED: its memory of {n_memory} sagas in flight and {n_timers} retry timers is gone; \
                 the saga log ({n_records} records) survives, and new orders and replies wait in its queue"
            ),
            vec![
                ("node", Field::from("orchestrator")),
                ("sagas_in_memory", Field::from(n_memory)),
                ("log_records", Field::from(n_records)),
            ],
        );
    }

    pub(super) fn orch_restart(&mut self, k: &mut Kernel<Msg, Timer>) {
        let now = k.now();
        if self.orchestrator.up {
            return;
        }
        let o = &mut self.orchestrator;
        o.up = true;
        o.n_recoveries += 1;
        let down_for = o.down_since.take().map_or(0, |t| now - t);
        // Rebuild the memory from the log alone.
        o.memory.clear();
        for (id, records) in &o.log {
            if let Some(instance) = Instance::replay(records) {
                o.memory.insert(*id, instance);
            }
        }
        let n_rebuilt = o.memory.len();
        // Every saga the orchestrator had taken on and not finished must be back in memory.
        let mut n_lost = 0usize;
        for (id, open) in &self.observer.open {
            if open.in_log && !self.orchestrator.memory.contains_key(id) {
                n_lost += 1;
            }
        }
        for _ in 0..n_lost {
            k.violation(Inv::SagasLostInRecovery as usize);
        }
        let incarnation = self.orchestrator.incarnation;
        let mut n_rearmed = 0;
        let mut n_compensating = 0;
        for inst in self.orchestrator.memory.values() {
            n_compensating += inst.compensating as usize;
            if let Some((_, _, _, due)) = inst.retry {
                n_rearmed += 1;
                k.schedule_at(due.max(now), Timer::OrchestratorRetry { saga: inst.saga.id, incarnation });
            }
        }
        let queued: Vec<Inbound> = self.orchestrator.queue.drain(..).collect();
        let n_records = self.orchestrator.n_log_records;
        self.observer.flows.mark_open(Lane::Orchestrator, now, "restarted: rebuilt from the log", Tone::Good);
        k.emit(
            "recovery",
            format!(
                "orchestrator RESTARTED after {:.2} s down: replayed {n_records} log records and rebuilt {n_rebuilt} \
                 unfinished sagas ({n_compensating} compensating, {n_rearmed} retries re-armed); now handling the \
                 {} orders and replies that waited in its queue",
                down_for as f64 / 1e6,
                queued.len()
            ),
            vec![
                ("node", Field::from("orchestrator")),
                ("rebuilt", Field::from(n_rebuilt)),
                ("log_records", Field::from(n_records)),
                ("queued", Field::from(queued.len())),
                ("lost", Field::from(n_lost)),
            ],
        );
        for inbound in queued {
            self.orch_inbound(k, inbound);
        }
    }
}
