//! The scene's observer: the client history and what is measured of it, kept beside the simulated system
//! (no replica or message knows any of this).
//!
//! * **The history.** Every operation, from invoke to return, with its result, goes to the
//!   linearizability [`Checker`] (in the current *segment*: a change of mode starts a new one, in which every
//!   earlier write may still take effect once) and to a bounded ring the History panel draws, with the
//!   linearization point the checker chose and the first violation it found.
//! * **Stale reads.** At its invoke a read notes the *frontier* of acknowledged writes (the largest tag,
//!   and per origin the last write counted); it is stale if what it returns does not reflect that frontier
//!   — by tag, or under the multi-value register by vector clock.
//! * **Lost writes** (`ap`): a replica that drops a version its own client wrote, in favour of one whose
//!   writer never saw it, has lost an acknowledged write (counted once the client got its `ok`).
//! * **Convergence and divergence**: from the moment the network is whole again, how long until every
//!   replica reflects every write acknowledged before it; and, at any moment, how many replicas lack a
//!   write acknowledged more than 2 × replication delay + timeout ago.

use crate::checker::{self, Checker, Observed, Op, OpKind, Progress, Reason};
use crate::kernel::{
    Alarm, AlarmEdge, Field, Histogram, Kernel, QuantileSeries, Series, SeriesKind, SharedVec, SimTime, StepSeries,
};
use crate::scene::OpResult;

use super::idmap::IdMap;
use super::model::{CapModel, Inv};
use super::protocol::{
    Answer, Conflict, MAX_CLIENTS, MAX_REPLICAS, Mode, Msg, Request, Tag, Timer, VClock, Version, Why, client_site,
    coordinator_of,
};
use super::replica::Merged;

/// Search steps one check may take before it is undecided (about a millisecond of work).
pub const CHECK_BUDGET: u64 = 50_000;
/// The checker runs when an operation completes, batched: once this many are due, or this long (virtual
/// time) after it last ran. Under a light load every completion is checked at once; under thousands of
/// operations a second the checks come every few milliseconds of virtual time, a few dozen operations at a
/// time, which costs a fraction of one search per operation. The periodic sample also runs it, so nothing
/// waits longer than that.
const CHECK_BATCH: usize = 32;
const CHECK_EVERY_US: u64 = 20_000;
/// Operations the History panel can draw from.
const HISTORY_KEPT: usize = 1_024;
/// Writes whose fate (ok, failed, stored, lost) is remembered.
const FATES_KEPT: usize = 65_536;
/// A site's availability alarm looks at its last few operations.
const RECENT_OPS: u32 = 4;

/// How an operation ended, seen from its client.
#[derive(Clone, Debug)]
pub enum Completion {
    Answered(Answer),
    /// The client gave up waiting.
    NoAnswer,
    /// The client crashed while it waited.
    Crashed,
}

/// The acknowledged writes a set of versions must reflect: the largest tag, and per origin replica the
/// last write counted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Frontier {
    pub max_tag: Tag,
    pub vv: VClock,
}

impl Frontier {
    pub fn add(&mut self, v: &Version) {
        self.max_tag = self.max_tag.max(v.tag);
        let o = v.origin as usize;
        self.vv.0[o] = self.vv.0[o].max(v.counter);
    }
    /// Whether `versions` reflect every write counted here: by vector clock (every write seen), or by tag
    /// (nothing older than the newest).
    pub fn reflected_by(&self, versions: &[Version], by_clock: bool) -> bool {
        if by_clock {
            let mut seen = VClock::default();
            for v in versions {
                seen.join(&v.vv);
            }
            seen.covers(&self.vv)
        } else {
            versions.iter().map(|v| v.tag).max().unwrap_or_default() >= self.max_tag
        }
    }
}

/// An operation in progress.
#[derive(Clone, Debug)]
pub struct PendingOp {
    pub client: u8,
    pub req: Request,
    pub invoke: SimTime,
    pub segment: u32,
    /// Acknowledged writes when it was invoked.
    pub acked: Frontier,
    /// The segment's newest acknowledged tag per write-quorum size (1..=5) when it was invoked.
    pub guard: [Tag; MAX_REPLICAS + 1],
    /// The read and write quorums its coordinator used (0 = none).
    pub r_used: u8,
    pub w_used: u8,
}

/// One operation as the History panel draws it.
#[derive(Clone, Debug)]
pub struct HistOp {
    pub id: u64,
    pub client: u8,
    pub invoke: SimTime,
    pub ret: Option<SimTime>,
    pub req: Request,
    /// Values a read returned (empty: the empty value).
    pub read: Vec<u64>,
    pub result: OpResult,
    pub linearized_at: Option<SimTime>,
    pub violation: bool,
}

/// The first violation the checker found, as the History panel and the narration show it.
#[derive(Clone, Debug)]
pub struct ViolationNote {
    pub found_at: SimTime,
    pub text: String,
}

// A write's fate, as bits.
const FATE_OK: u8 = 1;
const FATE_FAIL: u8 = 2;
const FATE_UNKNOWN: u8 = 4;
const FATE_STORED: u8 = 8;
/// Dropped unseen before its client had an answer: lost if that answer is ok.
const FATE_DROPPED_UNSEEN: u8 = 16;
const FATE_COUNTED_LOST: u8 = 32;

#[derive(Clone, Debug)]
pub struct Observer {
    pub pending: IdMap<PendingOp>,
    pub history: SharedVec<HistOp>,
    pub checker: Checker,
    pub segment: u32,
    pub segment_mode: Mode,
    segment_guard: [Tag; MAX_REPLICAS + 1],
    /// Every acknowledged write so far.
    pub acked: Frontier,
    /// Acknowledged writes not yet older than the divergence horizon, oldest first, from `acked_log_start`.
    acked_log: SharedVec<(SimTime, Version)>,
    acked_log_start: usize,
    /// Acknowledged writes older than the horizon at the last sample.
    pub acked_old: Frontier,
    fates: SharedVec<u8>,
    /// Values up to this one are forgotten.
    fates_forgotten: u64,
    /// Since the network was last whole again: (that moment, the writes acknowledged before it).
    pub converging: Option<(SimTime, Frontier)>,
    pub converge_ms: Option<u64>,
    pub last_heal: Option<SimTime>,
    pub first_violation: Option<ViolationNote>,
    /// When the checker last ran (it runs at most every [`CHECK_EVERY_US`] unless [`CHECK_BATCH`] are due).
    pub last_check: SimTime,
    narrated_undecided: bool,
    /// A "siblings" line was narrated since the network last changed shape.
    pub narrated_siblings: bool,
    // Counts.
    pub n_ops: u64,
    pub n_writes_ok: u64,
    pub n_writes_failed: u64,
    pub n_writes_unknown: u64,
    pub n_reads_ok: u64,
    pub n_reads_failed: u64,
    pub n_stale: u64,
    pub n_sibling_reads: u64,
    pub n_lost: u64,
    pub n_ops_by_site: [u64; 2],
    pub n_ok_by_site: [u64; 2],
    /// Per client: operations ok, not ok, and how the last one ended.
    pub per_client: [(u64, u64, Option<OpResult>); MAX_CLIENTS],
    /// Last few results per site, a bit each (1 = not ok), and how many.
    recent: [u32; 2],
    recent_n: [u32; 2],
    pub unavailable: [Alarm; 2],
    // Series.
    pub latency: Histogram,
    pub latency_series: QuantileSeries,
    /// Sum of ok latencies (ms) and ok operations per bucket: their ratio is the mean.
    pub latency_sum_series: Series,
    pub ok_total_series: Series,
    /// Why a write was dropped before its client had an answer: (replica, the write, the winner).
    dropped_detail: IdMap<(usize, Version, Option<Version>)>,
    pub ok_series: [Series; 2],
    pub done_series: [Series; 2],
    pub stale_series: Series,
    pub reads_ok_series: Series,
    /// The stale-read theory line while in `quorum` (None elsewhere).
    pub theory: Vec<(SimTime, Option<f64>)>,
    pub network: StepSeries,
    pub lagging: StepSeries,
    pub distinct: StepSeries,
    /// Partitions as they happened: (from, to, what was cut), most recent last.
    pub spans: Vec<(SimTime, Option<SimTime>, String)>,
}

impl Observer {
    pub fn new(mode: Mode) -> Self {
        let availability = || Series::with_width(SeriesKind::Rate, 500_000, 1024);
        Observer {
            pending: IdMap::default(),
            history: SharedVec::new(),
            checker: Checker::new(CHECK_BUDGET),
            segment: 0,
            segment_mode: mode,
            segment_guard: [Tag::default(); MAX_REPLICAS + 1],
            acked: Frontier::default(),
            acked_log: SharedVec::new(),
            acked_log_start: 0,
            acked_old: Frontier::default(),
            fates: SharedVec::new(),
            fates_forgotten: 0,
            converging: None,
            converge_ms: None,
            last_heal: None,
            first_violation: None,
            last_check: SimTime::ZERO,
            narrated_undecided: false,
            narrated_siblings: false,
            n_ops: 0,
            n_writes_ok: 0,
            n_writes_failed: 0,
            n_writes_unknown: 0,
            n_reads_ok: 0,
            n_reads_failed: 0,
            n_stale: 0,
            n_sibling_reads: 0,
            n_lost: 0,
            n_ops_by_site: [0; 2],
            n_ok_by_site: [0; 2],
            per_client: [(0, 0, None); MAX_CLIENTS],
            recent: [0; 2],
            recent_n: [0; 2],
            unavailable: [Alarm::new(0.5, 0.0).clear_after(1_000_000), Alarm::new(0.5, 0.0).clear_after(1_000_000)],
            latency: Histogram::default(),
            latency_series: QuantileSeries::default(),
            latency_sum_series: Series::new(SeriesKind::Rate),
            ok_total_series: Series::new(SeriesKind::Rate),
            dropped_detail: IdMap::default(),
            ok_series: [availability(), availability()],
            done_series: [availability(), availability()],
            stale_series: Series::new(SeriesKind::Rate),
            reads_ok_series: Series::new(SeriesKind::Rate),
            theory: Vec::new(),
            network: StepSeries::default(),
            lagging: StepSeries::default(),
            distinct: StepSeries::default(),
            spans: Vec::new(),
        }
    }

    /// The quorums a coordinator used for `op` (0 = not this kind).
    pub fn note_quorums(&mut self, op: u64, r: u8, w: u8) {
        if let Some(p) = self.pending.get_mut(op) {
            p.r_used = r;
            p.w_used = w;
        }
    }

    pub fn history_op(&self, id: u64) -> Option<&HistOp> {
        let first = self.history.first()?.id;
        self.history.get(id.checked_sub(first)? as usize)
    }
    fn history_op_mut(&mut self, id: u64) -> Option<&mut HistOp> {
        let first = self.history.first()?.id;
        self.history.get_mut(id.checked_sub(first)? as usize)
    }

    fn fate(&self, value: u64) -> Option<u8> {
        let idx = value.checked_sub(self.fates_forgotten + 1)?;
        self.fates.get(idx as usize).copied()
    }
    fn fate_mut(&mut self, value: u64) -> Option<&mut u8> {
        let idx = value.checked_sub(self.fates_forgotten + 1)?;
        self.fates.get_mut(idx as usize)
    }

    /// The writes acknowledged at least `horizon_us` before `now` (read only: the sampler consumes).
    pub fn acked_before(&self, now: SimTime, horizon_us: u64) -> Frontier {
        let mut f = self.acked_old;
        let cutoff = now.0.saturating_sub(horizon_us);
        for (t, v) in self.acked_log.iter().skip(self.acked_log_start) {
            if t.0 > cutoff {
                break;
            }
            f.add(v);
        }
        f
    }

    /// One site's level for its availability alarm: the share of its last few operations not ok.
    fn failing_share(&self, site: usize) -> f64 {
        let n = self.recent_n[site].min(RECENT_OPS);
        if n == 0 { 0.0 } else { (self.recent[site] & ((1 << RECENT_OPS) - 1)).count_ones() as f64 / n as f64 }
    }
}

fn site_word(site: usize) -> &'static str {
    if site == 0 { "a" } else { "b" }
}

fn values_text(values: &[u64]) -> String {
    values.iter().map(|v| v.to_string()).collect::<Vec<_>>().join(",")
}

fn why_text(why: Why, mode: Mode) -> String {
    match why {
        Why::Query { got, need } if mode == Mode::Cp => format!(
            "only {got} of the {need} replicas needed answered the version query, so the value was sent to no replica"
        ),
        Why::Query { got, need } => format!("only {got} of the {need} replicas asked answered"),
        Why::Store { got, need } => format!("{got} of the {need} replicas needed acknowledged storing it"),
    }
}

impl CapModel {
    pub(super) fn on_invoke(&mut self, k: &mut Kernel<Msg, Timer>, op: u64, c: usize, req: Request) {
        let now = k.now();
        let o = &mut self.obs;
        o.pending.insert(
            op,
            PendingOp {
                client: c as u8,
                req,
                invoke: now,
                segment: o.segment,
                acked: o.acked,
                guard: o.segment_guard,
                r_used: 0,
                w_used: 0,
            },
        );
        if let Request::Write(_) = req {
            o.fates.push(0);
            if o.fates.len() > FATES_KEPT + 256 {
                o.fates_forgotten += o.fates.drop_front_chunks(256) as u64;
            }
        }
        o.history.push(HistOp {
            id: op,
            client: c as u8,
            invoke: now,
            ret: None,
            req,
            read: Vec::new(),
            result: OpResult::Pending,
            linearized_at: None,
            violation: false,
        });
        if o.history.len() > HISTORY_KEPT + 256 {
            o.history.drop_front_chunks(256);
        }
    }

    /// An operation ended at its client: count it, judge it, narrate it, hand it to the checker.
    pub(super) fn complete(&mut self, k: &mut Kernel<Msg, Timer>, op: u64, how: Completion) {
        let Some(p) = self.obs.pending.remove(op) else { return };
        let now = k.now();
        let n = self.n();
        let mode = self.cfg.mode;
        let by_clock = mode == Mode::Ap && self.cfg.conflict == Conflict::MvRegister;
        let site = client_site(p.client as usize).index();
        let in_segment = p.segment == self.obs.segment;
        let latency_ms = (now - p.invoke) as f64 / 1e3;
        let who = format!("c{} (site {})", p.client + 1, site_word(site));
        let (result, values, text, stale): (&str, Vec<u64>, String, bool) = match (p.req, how) {
            (Request::Write(value), Completion::Answered(Answer::Ok(versions))) => {
                let version = versions.first().copied();
                self.obs.n_writes_ok += 1;
                if let Some(v) = version {
                    self.obs.acked.add(&v);
                    self.obs.acked_log.push((now, v));
                    if in_segment && p.w_used > 0 {
                        let g = &mut self.obs.segment_guard[p.w_used as usize];
                        *g = (*g).max(v.tag);
                    }
                }
                let fate = self.obs.fate(value).unwrap_or(0);
                if let Some(f) = self.obs.fate_mut(value) {
                    *f |= FATE_OK;
                }
                if in_segment {
                    self.obs.checker.ok(Op { id: op, invoke: p.invoke, ret: now, kind: OpKind::Write(value) });
                }
                let detail = self.obs.dropped_detail.remove(value);
                if fate & FATE_DROPPED_UNSEEN != 0 {
                    self.count_lost(k, value, detail);
                }
                ("ok", vec![value], format!("{who} wrote {value} in {latency_ms:.0} ms"), false)
            }
            (Request::Write(value), Completion::Answered(Answer::Fail(why))) => {
                self.obs.n_writes_failed += 1;
                self.obs.dropped_detail.remove(value);
                let fate = self.obs.fate(value).unwrap_or(0);
                if let Some(f) = self.obs.fate_mut(value) {
                    *f |= FATE_FAIL;
                }
                k.check(Inv::FailedWritesApplied as usize, fate & FATE_STORED == 0);
                let text = format!("{who} write {value} FAILED after {latency_ms:.0} ms: {}", why_text(why, mode));
                ("fail", vec![value], text, false)
            }
            (Request::Write(value), how) => {
                self.obs.n_writes_unknown += 1;
                self.obs.dropped_detail.remove(value);
                if let Some(f) = self.obs.fate_mut(value) {
                    *f |= FATE_UNKNOWN;
                }
                if in_segment {
                    self.obs.checker.unknown_write(op, p.invoke, value);
                }
                let why = match how {
                    Completion::Answered(Answer::Unknown(why)) => {
                        format!("{}; it may still take effect", why_text(why, mode))
                    }
                    Completion::Crashed => "the client crashed while it waited; the write may have taken effect".into(),
                    _ => format!(
                        "no answer from r{} within {:.0} ms; the write may have taken effect",
                        coordinator_of(p.client as usize, n) + 1,
                        latency_ms
                    ),
                };
                ("unknown", vec![value], format!("{who} write {value} UNKNOWN after {latency_ms:.0} ms: {why}"), false)
            }
            (Request::Read, Completion::Answered(Answer::Ok(versions))) => {
                self.obs.n_reads_ok += 1;
                self.obs.reads_ok_series.add(now, 1.0);
                let values: Vec<u64> = versions.iter().map(Version::value).collect();
                let stale = !p.acked.reflected_by(&versions, by_clock);
                if stale {
                    self.obs.n_stale += 1;
                    self.obs.stale_series.add(now, 1.0);
                }
                // Quorum intersection: a read whose quorum overlaps an acknowledged write's returns it or newer.
                if in_segment && p.r_used > 0 {
                    let need = (1..=MAX_REPLICAS)
                        .filter(|&w| p.r_used as usize + w > n)
                        .map(|w| p.guard[w])
                        .max()
                        .unwrap_or_default();
                    let got = versions.iter().map(|v| v.tag).max().unwrap_or_default();
                    k.check(Inv::StaleDespiteQuorumOverlap as usize, got >= need);
                }
                let observed = match values.len() {
                    0 => Observed::Value(0),
                    1 => Observed::Value(values[0]),
                    _ => {
                        self.obs.n_sibling_reads += 1;
                        Observed::Siblings(values.clone())
                    }
                };
                if in_segment {
                    self.obs.checker.ok(Op { id: op, invoke: p.invoke, ret: now, kind: OpKind::Read(observed) });
                }
                let what = match values.len() {
                    0 => "the empty value".to_string(),
                    1 => values[0].to_string(),
                    _ => format!("siblings {} (concurrent writes, both kept)", values_text(&values)),
                };
                let mut text = format!("{who} read {what} in {latency_ms:.0} ms");
                if stale {
                    if by_clock {
                        text.push_str(" — STALE: it misses a write acknowledged before it began");
                    } else {
                        text.push_str(&format!(
                            " — STALE: write {} was acknowledged before it began",
                            p.acked.max_tag.value
                        ));
                    }
                }
                ("ok", values, text, stale)
            }
            (Request::Read, how) => {
                self.obs.n_reads_failed += 1;
                let why = match how {
                    Completion::Answered(Answer::Fail(why) | Answer::Unknown(why)) => why_text(why, mode),
                    Completion::Crashed => "the client crashed while it waited".into(),
                    _ => format!(
                        "no answer from r{} within {latency_ms:.0} ms",
                        coordinator_of(p.client as usize, n) + 1
                    ),
                };
                ("fail", Vec::new(), format!("{who} read FAILED after {latency_ms:.0} ms: {why}"), false)
            }
        };
        let ok = result == "ok";
        let o = &mut self.obs;
        o.n_ops += 1;
        o.n_ops_by_site[site] += 1;
        o.done_series[site].add(now, 1.0);
        if ok {
            o.n_ok_by_site[site] += 1;
            o.ok_series[site].add(now, 1.0);
            let latency_us = now - p.invoke;
            o.latency.record(latency_us);
            o.latency_series.record(now, latency_us);
            o.latency_sum_series.add(now, latency_us as f64 / 1e3);
            o.ok_total_series.add(now, 1.0);
        }
        let outcome = match result {
            "ok" if stale => OpResult::Stale,
            "ok" => OpResult::Ok,
            "fail" => OpResult::Fail,
            _ => OpResult::Unknown,
        };
        let pc = &mut o.per_client[p.client as usize];
        if ok {
            pc.0 += 1;
        } else {
            pc.1 += 1;
        }
        pc.2 = Some(outcome);
        o.recent[site] = (o.recent[site] << 1) | u32::from(!ok);
        o.recent_n[site] = (o.recent_n[site] + 1).min(RECENT_OPS);
        if let Some(h) = o.history_op_mut(op) {
            h.ret = Some(now);
            h.read = if matches!(p.req, Request::Read) { values.clone() } else { Vec::new() };
            h.result = outcome;
        }
        let fields = vec![
            ("client", Field::from(p.client as u64 + 1)),
            ("site", Field::from(site_word(site))),
            ("op", Field::from(if matches!(p.req, Request::Read) { "read" } else { "write" })),
            ("value", Field::from(values_text(&values))),
            ("invoke_s", Field::from(p.invoke.as_secs_f64())),
            ("return_s", Field::from(now.as_secs_f64())),
            ("result", Field::from(result)),
            ("stale", Field::Bool(stale)),
        ];
        k.emit("op", text, fields);
        self.update_availability(k, site);
        let frontier = self.checker_frontier(now);
        if now.0 >= self.obs.last_check.0 + CHECK_EVERY_US || self.obs.checker.n_due(frontier) >= CHECK_BATCH {
            self.check_to(k, frontier);
        }
    }

    /// Checks what the frontier allows: every operation of the segment invoked before the earliest one
    /// still outstanding.
    pub(super) fn advance_checker(&mut self, k: &mut Kernel<Msg, Timer>) {
        let frontier = self.checker_frontier(k.now());
        self.check_to(k, frontier);
    }

    fn check_to(&mut self, k: &mut Kernel<Msg, Timer>, frontier: SimTime) {
        self.obs.last_check = k.now();
        let progress = self.obs.checker.advance(frontier);
        self.apply_progress(k, progress);
    }

    /// The invoke of the earliest operation of the segment still outstanding (or `now`).
    fn checker_frontier(&self, now: SimTime) -> SimTime {
        let seg = self.obs.segment;
        self.obs.pending.values().find(|p| p.segment == seg).map_or(now, |p| p.invoke).min(now)
    }

    /// The mode changed: the history so far is checked as a segment of its own, and a new one starts in
    /// which every earlier write may still take effect (once).
    pub(super) fn start_segment(&mut self, k: &mut Kernel<Msg, Timer>) {
        let seg = self.obs.segment;
        let out: Vec<(u64, SimTime, u64)> = self
            .obs
            .pending
            .iter()
            .filter(|(_, p)| p.segment == seg)
            .filter_map(|(id, p)| match p.req {
                Request::Write(v) => Some((id, p.invoke, v)),
                Request::Read => None,
            })
            .collect();
        for (id, invoke, v) in out {
            self.obs.checker.unknown_write(id, invoke, v);
        }
        let progress = self.obs.checker.start_segment(self.next_value);
        self.apply_progress(k, progress);
        self.obs.segment += 1;
        self.obs.segment_mode = self.cfg.mode;
        self.obs.segment_guard = [Tag::default(); MAX_REPLICAS + 1];
    }

    fn apply_progress(&mut self, k: &mut Kernel<Msg, Timer>, progress: Progress) {
        for (id, at) in progress.linearized {
            if let Some(h) = self.obs.history_op_mut(id) {
                h.linearized_at = Some(at);
            }
        }
        for v in progress.violations {
            if self.obs.segment_mode == Mode::Cp {
                k.violation(Inv::CpLinearizabilityViolations as usize);
            }
            if self.obs.first_violation.is_none() {
                let text = self.describe_violation(&v);
                if let Some(h) = self.obs.history_op_mut(v.culprit) {
                    h.violation = true;
                }
                if let Some(w) = v.register.and_then(|s| self.write_of(s))
                    && let Some(h) = self.obs.history_op_mut(w)
                {
                    h.violation = true;
                }
                k.emit(
                    "violation",
                    format!("history NOT linearizable: {text}"),
                    vec![("op", Field::from(v.culprit)), ("ops_checked", Field::from(v.ops.len()))],
                );
                self.obs.first_violation = Some(ViolationNote { found_at: k.now(), text });
            }
        }
        if let Some(ops) = progress.undecided.first()
            && !self.obs.narrated_undecided
        {
            self.obs.narrated_undecided = true;
            k.emit(
                "checker",
                format!(
                    "checker undecided on {} overlapping operations: its search passed {CHECK_BUDGET} steps, so it stops rather than stall (counted in checks_undecided)",
                    ops.len()
                ),
                vec![("ops", Field::from(ops.len()))],
            );
        }
    }

    /// The write operation of `value`, if the history still holds it.
    fn write_of(&self, value: u64) -> Option<u64> {
        self.obs.history.iter().rev().find(|h| h.req == Request::Write(value)).map(|h| h.id)
    }

    fn describe_violation(&self, v: &checker::Violation) -> String {
        let Some(h) = self.obs.history_op(v.culprit) else {
            return format!("operation {} cannot be placed in any order", v.culprit);
        };
        let span = format!("{:.4}–{:.4} s", h.invoke.as_secs_f64(), h.ret.unwrap_or(h.invoke).as_secs_f64());
        let reader = format!("c{}'s read ({span})", h.client + 1);
        match (v.reason, &v.observed) {
            (Reason::Siblings, Observed::Siblings(values)) => {
                format!("{reader} returned siblings {}: a single register holds one value", values_text(values))
            }
            (_, obs) => {
                let got = match obs {
                    Observed::Value(0) => "the empty value".to_string(),
                    Observed::Value(x) => x.to_string(),
                    Observed::Siblings(values) => values_text(values),
                };
                match v.register.and_then(|s| self.write_of(s).map(|w| (s, w))) {
                    Some((s, w)) => {
                        let writer = self.obs.history_op(w).expect("found above");
                        match writer.ret {
                            Some(t) if t < h.invoke => format!(
                                "{reader} returned {got}, but write {s} by c{} had returned at {:.4} s, before the read began",
                                writer.client + 1,
                                t.as_secs_f64()
                            ),
                            _ => format!(
                                "{reader} returned {got}, but by then the register must hold {s} (written by c{})",
                                writer.client + 1
                            ),
                        }
                    }
                    None => format!("{reader} returned {got}, which no order of the overlapping operations explains"),
                }
            }
        }
    }

    /// A site's availability alarm, from the share of its last few operations that failed or timed out.
    fn update_availability(&mut self, k: &mut Kernel<Msg, Timer>, site: usize) {
        let now = k.now();
        let share = self.obs.failing_share(site);
        let name = site_word(site);
        let why = match self.cfg.mode {
            Mode::Cp => "under cp it refuses rather than answer without a majority",
            Mode::Quorum => "its coordinators cannot gather their read or write quorums",
            Mode::Ap => "its clients cannot reach their replica",
        };
        let fields = || vec![("site", Field::from(name)), ("failing_share", Field::from(share))];
        match self.obs.unavailable[site].update(now, share) {
            Some(AlarmEdge::Raised { .. }) => k.emit(
                "availability",
                format!(
                    "site {name} UNAVAILABLE: {:.0}% of its last operations failed or timed out; {why}",
                    share * 100.0
                ),
                fields(),
            ),
            Some(AlarmEdge::Cleared { since, quiet_from }) => k.emit(
                "availability",
                format!(
                    "site {name} available again after {:.2} s: its last operations all succeeded",
                    (quiet_from - since) as f64 / 1e6
                ),
                fields(),
            ),
            None => {}
        }
    }

    /// Bookkeeping after replica `r` merged `version`: which writes are stored, which were lost, and
    /// whether the replicas have converged.
    pub(super) fn after_merge(&mut self, k: &mut Kernel<Msg, Timer>, r: usize, version: Version, merged: Merged) {
        let kept = self.replicas[r].versions.iter().any(|v| v.tag == version.tag);
        if kept {
            let fate = self.obs.fate(version.value()).unwrap_or(0);
            if let Some(f) = self.obs.fate_mut(version.value()) {
                *f |= FATE_STORED;
            }
            k.check(Inv::FailedWritesApplied as usize, fate & FATE_FAIL == 0);
        }
        if self.cfg.mode == Mode::Ap {
            let seen = self.replicas[r].seen();
            for d in &merged.dropped {
                // Only at its origin (where the client's write was applied), so each loss counts once.
                if d.origin as usize == r && !seen.has_seen(d) {
                    let winner = self.replicas[r].newest();
                    self.note_dropped_unseen(k, r, *d, winner);
                }
            }
        }
        if merged.changed {
            let held = self.replicas[r].values();
            if held.len() > 1 && !self.obs.narrated_siblings {
                self.obs.narrated_siblings = true;
                k.emit(
                    "siblings",
                    format!(
                        "r{} keeps siblings {}: their writers never saw each other, so the multi-value register keeps both until a write that has seen them",
                        r + 1,
                        values_text(&held).replace(',', " | ")
                    ),
                    vec![("replica", Field::from(format!("r{}", r + 1))), ("values", Field::from(values_text(&held)))],
                );
            }
            self.check_converged(k);
        }
    }

    fn note_dropped_unseen(&mut self, k: &mut Kernel<Msg, Timer>, r: usize, d: Version, winner: Option<Version>) {
        let Some(fate) = self.obs.fate(d.value()) else { return };
        if fate & FATE_COUNTED_LOST != 0 {
            return;
        }
        if fate & FATE_OK != 0 {
            self.count_lost(k, d.value(), Some((r, d, winner)));
        } else if fate & (FATE_FAIL | FATE_UNKNOWN) == 0 {
            // Its client has no answer yet: lost if the answer is ok.
            if let Some(f) = self.obs.fate_mut(d.value()) {
                *f |= FATE_DROPPED_UNSEEN;
            }
            if self.obs.dropped_detail.get(d.value()).is_none() {
                self.obs.dropped_detail.insert(d.value(), (r, d, winner));
            }
        }
    }

    fn count_lost(&mut self, k: &mut Kernel<Msg, Timer>, value: u64, how: Option<(usize, Version, Option<Version>)>) {
        if let Some(f) = self.obs.fate_mut(value) {
            if *f & FATE_COUNTED_LOST != 0 {
                return;
            }
            *f |= FATE_COUNTED_LOST;
        }
        self.obs.n_lost += 1;
        let text = match how {
            Some((r, d, Some(w))) => format!(
                "write {value} LOST: r{} dropped it for write {} — last-writer-wins keeps the later timestamp ({:.3} s over {:.3} s on the writers' clocks), and write {} never saw {value}",
                r + 1,
                w.value(),
                w.tag.ts as f64 / 1e6,
                d.tag.ts as f64 / 1e6,
                w.value()
            ),
            _ => format!(
                "write {value} LOST: acknowledged to its client after its replica had already dropped it for a write that never saw it"
            ),
        };
        k.emit("lost_write", text, vec![("value", Field::from(value))]);
    }

    /// Whether replica `r` reflects `f` under the current rule.
    pub(super) fn reflects(&self, r: usize, f: &Frontier) -> bool {
        f.reflected_by(&self.replicas[r].versions, self.merge_rule() == super::replica::MergeRule::ByClock)
    }

    pub(super) fn check_converged(&mut self, k: &mut Kernel<Msg, Timer>) {
        let Some((healed, f)) = self.obs.converging else { return };
        if (0..self.n()).all(|r| self.reflects(r, &f)) {
            let ms = (k.now() - healed) / 1000;
            self.obs.converging = None;
            self.obs.converge_ms = Some(ms);
            let how = match self.merge_rule() {
                super::replica::MergeRule::ByClock => "every write acknowledged before it, concurrent ones as siblings",
                super::replica::MergeRule::ByTag => "every write acknowledged before it, or a newer version",
            };
            k.emit(
                "converged",
                format!("replicas converged {:.3} s after the heal: each now reflects {how}", ms as f64 / 1e3),
                vec![("converge_ms", Field::from(ms))],
            );
        }
    }

    /// Periodic measurements: divergence against the horizon, distinct values held, the sites' alarms.
    pub(super) fn sample(&mut self, k: &mut Kernel<Msg, Timer>) {
        let now = k.now();
        let horizon = self.divergence_horizon_us();
        let cutoff = now.0.saturating_sub(horizon);
        let o = &mut self.obs;
        while let Some(&(t, v)) = o.acked_log.get(o.acked_log_start) {
            if t.0 > cutoff {
                break;
            }
            o.acked_old.add(&v);
            o.acked_log_start += 1;
        }
        if o.acked_log_start >= 512 {
            o.acked_log_start -= o.acked_log.drop_front_chunks(o.acked_log_start);
        }
        let old = o.acked_old;
        let lagging = (0..self.n()).filter(|&r| !self.reflects(r, &old)).count();
        let mut held: Vec<Vec<u64>> = Vec::new();
        for v in self.replicas.iter().map(|r| r.values()) {
            if !held.contains(&v) {
                held.push(v);
            }
        }
        self.obs.lagging.set(now, lagging as f64);
        self.obs.distinct.set(now, held.len() as f64);
        for site in 0..2 {
            self.update_availability(k, site);
        }
        // Operations that returned while nothing else completed are checked too.
        self.advance_checker(k);
    }

    /// Replicas lacking a write acknowledged more than the horizon ago, now.
    pub(super) fn replicas_diverged(&self, now: SimTime) -> usize {
        let f = self.obs.acked_before(now, self.divergence_horizon_us());
        (0..self.n()).filter(|&r| !self.reflects(r, &f)).count()
    }

    pub(super) fn divergence_horizon_us(&self) -> u64 {
        2 * self.cfg.replication_delay_us + self.cfg.op_timeout_us
    }
}
