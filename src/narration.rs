//! The narration's lines, built from the run's event log: plain data, no signals, tested natively.
//!
//! Newest first. Entries of one kind within the same second of virtual time, three or more of them, are one
//! burst line the scene words ("214 keys expired within 0.9 s: 214 recomputes") with its first
//! [`BURST_KEPT`] entries under it; every other entry is a line of its own. At most [`LOG_LINES`] lines.
//!
//! A second's lines never change once a later second has begun, so [`Narrator`] keeps them: while the run
//! only moves forward, each frame rebuilds the newest second alone. The lines already shown keep their
//! keys and their text, so the view re-renders nothing but the newest second — a busy run writes thousands
//! of entries a second, and rebuilding every line from them each frame was most of the narration's cost.
//!
//! ```
//! # use faultline::narration::Narrator;
//! # use faultline_sim::kernel::SimTime;
//! let scene = faultline_sim::scene_by_id("cache-stampede").unwrap();
//! let mut run = scene.build(scene.default_params(), 1, Vec::new());
//! run.advance_to(SimTime::from_secs(12));
//! let mut narrator = Narrator::default();
//! let lines = narrator.lines(scene, run.log(), true);
//! assert!(lines.iter().any(|l| l.text.contains("recomputes")));
//! ```

use std::rc::Rc;
use std::sync::Arc;

use faultline_sim::kernel::{EventLog, LogEntry, SimTime};
use faultline_sim::scene::Scene;

/// Narration keeps this many lines; older ones stay in the run's log.
pub const LOG_LINES: usize = 200;
/// Entries of a burst a narration line keeps (and the narration lists under it); the rest are counted.
pub const BURST_KEPT: usize = 100;
/// Entries of one kind within the same span of virtual time (whole seconds) are read as one burst.
const BURST_SPAN_US: u64 = 1_000_000;
/// A burst is at least this many entries.
const BURST_MIN: usize = 3;
/// Entries read back from the end of the log to build the narration from scratch.
pub const LOG_SCAN: usize = 4_000;

/// One narration line: an entry of the run's log, or a burst of entries of one kind summarised in one line
/// (the entries stay readable under it).
#[derive(Clone, Debug, PartialEq)]
pub struct LogLine {
    /// Absolute position in the run's log of its (first) entry: a stable key while the run moves forward.
    pub idx: u64,
    pub t: SimTime,
    pub kind: &'static str,
    pub text: String,
    /// The oldest entries a burst line stands for, at most [`BURST_KEPT`] (empty for a single entry).
    /// Shared: the lines of seconds already past are kept from frame to frame, not copied.
    pub burst: Arc<[(SimTime, String)]>,
    /// How many entries the burst line stands for (0 for a single entry).
    pub burst_len: usize,
}

fn second(t: SimTime) -> u64 {
    t.as_micros() / BURST_SPAN_US
}

/// Builds the narration, keeping the lines of the seconds already past between calls.
#[derive(Default)]
pub struct Narrator {
    /// The log's total at the last build.
    total: u64,
    /// Absolute log index of the first entry of the newest second then: where the next build starts.
    newest_from: u64,
    /// The entry just before it, to notice a log that is no longer the one these lines were read from.
    before: Option<(SimTime, &'static str, String)>,
    /// Lines of the older seconds, newest first.
    older: Vec<LogLine>,
    built: bool,
}

impl Narrator {
    /// Whether the last build read a log of `total` entries (nothing new to narrate).
    pub fn is_at(&self, total: u64) -> bool {
        self.built && self.total == total
    }

    /// The narration of `log`. From scratch (`full`: after a seek, an edit, a reset; or when `log` is not the
    /// one last read) it reads back [`LOG_SCAN`] entries; otherwise only the newest second and after.
    pub fn lines(&mut self, scene: &dyn Scene, log: &EventLog, full: bool) -> Vec<LogLine> {
        let total = log.total();
        let first_kept = total - log.len() as u64;
        let entry_at = |idx: u64| {
            idx.checked_sub(first_kept).and_then(|i| log.get(i as usize)).map(|e| (e.t, e.kind, e.text.clone()))
        };
        let same_log = self.built
            && self.total <= total
            && self.newest_from >= first_kept
            && self.before == self.newest_from.checked_sub(1).and_then(entry_at);
        let (from, mut older) = if !full && same_log {
            (self.newest_from, std::mem::take(&mut self.older))
        } else {
            (total - log.len().min(LOG_SCAN) as u64, Vec::new())
        };
        let tail: Vec<&Rc<LogEntry>> = log.iter().rev().take((total - from) as usize).collect();
        let newest = tail.first().map(|e| second(e.t));
        let in_newest = tail.iter().take_while(|e| Some(second(e.t)) == newest).count() as u64;
        let mut lines: Vec<LogLine> = Vec::with_capacity(LOG_LINES);
        let mut now_older: Vec<LogLine> = Vec::new();
        for (s, line) in lines_of(scene, &tail, total) {
            if Some(s) == newest { lines.push(line) } else { now_older.push(line) }
        }
        now_older.append(&mut older);
        now_older.truncate(LOG_LINES);
        let room = LOG_LINES.saturating_sub(lines.len());
        lines.extend(now_older.iter().take(room).cloned());
        self.total = total;
        self.newest_from = total - in_newest;
        self.before = self.newest_from.checked_sub(1).and_then(entry_at);
        self.older = now_older;
        self.built = true;
        lines
    }
}

/// The lines of `tail` (the log's newest entries, newest first; `total` entries written), each with its
/// second. Within a second, the entries of a kind that occurs [`BURST_MIN`] times or more are one line (even
/// when other kinds interleave, as a busy run's do), the rest are a line each. The groups' bounds never move
/// as newer entries arrive, so lines already shown keep their keys and only the newest burst grows.
fn lines_of(scene: &dyn Scene, tail: &[&Rc<LogEntry>], total: u64) -> Vec<(u64, LogLine)> {
    let mut lines: Vec<(u64, LogLine)> = Vec::new();
    let mut i = 0;
    while i < tail.len() && lines.len() < LOG_LINES {
        let s = second(tail[i].t);
        let mut j = i;
        while j < tail.len() && second(tail[j].t) == s {
            j += 1;
        }
        // (position in `tail` of the newest entry of the line, the line)
        let mut in_second: Vec<(usize, LogLine)> = Vec::new();
        let mut kinds: Vec<&'static str> = Vec::new();
        for e in &tail[i..j] {
            if !kinds.contains(&e.kind) {
                kinds.push(e.kind);
            }
        }
        for kind in kinds {
            let of_kind: Vec<usize> = (i..j).filter(|&k| tail[k].kind == kind).collect();
            if of_kind.len() >= BURST_MIN {
                let entries: Vec<&LogEntry> = of_kind.iter().rev().map(|&k| tail[k].as_ref()).collect();
                let oldest = *of_kind.last().expect("non-empty");
                in_second.push((
                    of_kind[0],
                    LogLine {
                        idx: total - 1 - oldest as u64,
                        t: entries[0].t,
                        kind,
                        text: scene.summarize_burst(kind, &entries),
                        burst: entries.iter().take(BURST_KEPT).map(|e| (e.t, e.text.clone())).collect(),
                        burst_len: entries.len(),
                    },
                ));
            } else {
                for &k in &of_kind {
                    let e = tail[k];
                    in_second.push((
                        k,
                        LogLine {
                            idx: total - 1 - k as u64,
                            t: e.t,
                            kind,
                            text: e.text.clone(),
                            burst: Arc::from(Vec::new()),
                            burst_len: 0,
                        },
                    ));
                }
            }
        }
        // Newest first, by each line's newest entry.
        faultline_sim::kernel::sort_stable_by(&mut in_second, |a, b| a.0.cmp(&b.0));
        let room = LOG_LINES - lines.len();
        lines.extend(in_second.into_iter().map(|(_, l)| (s, l)).take(room));
        i = j;
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use faultline_sim::scene::{BenchLoad, Run};

    /// The scene's frame-bench load (the browser's `bench_frames=1`): thousands of log entries a second.
    fn busy(id: &str) -> (&'static dyn Scene, Box<dyn Run>) {
        let scene = faultline_sim::scene_by_id(id).expect("scene");
        (scene, scene.build(scene.bench_inputs(BenchLoad::Crowded), 7, Vec::new()))
    }

    /// Frame by frame, the kept lines equal a build from scratch wherever the scratch build can see (it reads
    /// back LOG_SCAN entries), and a line of a past second never changes again.
    #[test]
    fn frame_by_frame_equals_from_scratch_and_past_seconds_stay_put() {
        for id in ["cache-stampede", "circuit-breaker", "cap"] {
            let (scene, mut run) = busy(id);
            let mut narrator = Narrator::default();
            let mut seen: std::collections::HashMap<(u64, SimTime, bool), LogLine> = Default::default();
            let mut t = 0;
            while t < 6_000_000 {
                t += 16_667;
                run.advance_to(SimTime::from_micros(t));
                let kept = narrator.lines(scene, run.log(), false);
                let fresh = Narrator::default().lines(scene, run.log(), true);
                assert!(kept.len() <= LOG_LINES);
                // The scratch build's oldest second may be cut by its scan window: compare the seconds after it.
                let oldest = fresh.last().map(|l| second(l.t));
                let b: Vec<&LogLine> = fresh.iter().filter(|l| Some(second(l.t)) != oldest).collect();
                let a: Vec<&LogLine> = kept.iter().take(b.len()).collect();
                for (x, y) in a.iter().zip(&b) {
                    assert_eq!(
                        (x.idx, x.t, x.kind, &x.text, x.burst_len),
                        (y.idx, y.t, y.kind, &y.text, y.burst_len),
                        "{id} at {t} µs: the kept narration differs from a build from scratch"
                    );
                    assert_eq!(x.burst, y.burst, "{id} at {t} µs: a burst's entries differ");
                }
                assert_eq!(a.len(), b.len(), "{id} at {t} µs: the kept narration is shorter than a build from scratch");
                let newest = kept.first().map(|l| second(l.t));
                for l in &kept {
                    let key = (l.idx, l.t, l.burst_len > 0);
                    if Some(second(l.t)) != newest
                        && let Some(before) = seen.get(&key)
                    {
                        assert_eq!(before, l, "{id} at {t} µs: a past second's line changed");
                    }
                    seen.insert(key, l.clone());
                }
            }
        }
    }

    #[test]
    fn a_burst_keeps_its_first_entries_and_counts_the_rest() {
        let (scene, mut run) = busy("cap");
        run.advance_to(SimTime::from_secs(3));
        let lines = Narrator::default().lines(scene, run.log(), true);
        let big = lines.iter().find(|l| l.burst_len > BURST_KEPT).expect("a burst longer than what is kept");
        assert_eq!(big.burst.len(), BURST_KEPT);
        assert_eq!(big.t, big.burst[0].0, "a burst is dated by its first entry");
    }

    #[test]
    fn a_rewound_log_is_read_from_scratch() {
        let (scene, mut run) = busy("cache-stampede");
        let mut narrator = Narrator::default();
        run.advance_to(SimTime::from_secs(8));
        let at8 = narrator.lines(scene, run.log(), false);
        let (_, mut again) = busy("cache-stampede");
        again.advance_to(SimTime::from_secs(3));
        // Not flagged `full`, yet a different (shorter) log: the narrator notices and starts over.
        let at3 = narrator.lines(scene, again.log(), false);
        assert_eq!(at3, Narrator::default().lines(scene, again.log(), true));
        assert_ne!(at3, at8);
    }
}
