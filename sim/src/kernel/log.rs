//! The event log: notable moments with structured fields and a sentence saying why, with the numbers.
//!
//! Entries live in a [`SharedVec`] of `Rc`s, so cloning a world for a rewind snapshot copies one pointer
//! per 256 entries, not text. The log keeps at most `cap` entries; older ones are dropped (a chunk at a
//! time) and counted, and every entry keeps its absolute index (`n_dropped + position`).

use std::rc::Rc;

use super::{SharedVec, SimTime};

/// A structured field value.
#[derive(Clone, Debug, PartialEq)]
pub enum Field {
    Str(String),
    Num(f64),
    Int(i64),
    Bool(bool),
}

impl From<&str> for Field {
    fn from(s: &str) -> Self {
        Field::Str(s.to_string())
    }
}
impl From<String> for Field {
    fn from(s: String) -> Self {
        Field::Str(s)
    }
}
impl From<f64> for Field {
    fn from(v: f64) -> Self {
        Field::Num(v)
    }
}
impl From<i64> for Field {
    fn from(v: i64) -> Self {
        Field::Int(v)
    }
}
impl From<u64> for Field {
    fn from(v: u64) -> Self {
        Field::Int(v as i64)
    }
}
impl From<bool> for Field {
    fn from(v: bool) -> Self {
        Field::Bool(v)
    }
}
impl From<usize> for Field {
    fn from(v: usize) -> Self {
        Field::Int(v as i64)
    }
}

/// One notable moment.
#[derive(Clone, Debug, PartialEq)]
pub struct LogEntry {
    pub t: SimTime,
    /// Machine-readable kind, e.g. `transition`, `fault`, `expiry`.
    pub kind: &'static str,
    /// Plain-language sentence with the numbers, for the narration panel.
    pub text: String,
    pub fields: Vec<(&'static str, Field)>,
}

/// Append-only, bounded log.
#[derive(Clone, Debug)]
pub struct EventLog {
    entries: SharedVec<Rc<LogEntry>>,
    cap: usize,
    pub n_dropped: u64,
}

impl Default for EventLog {
    fn default() -> Self {
        EventLog { entries: SharedVec::new(), cap: 20_000, n_dropped: 0 }
    }
}

impl EventLog {
    pub fn push(&mut self, entry: LogEntry) {
        if self.entries.len() >= self.cap {
            self.n_dropped += self.entries.drop_front_chunks(self.cap / 4) as u64;
        }
        self.entries.push(Rc::new(entry));
    }
    /// The entries still kept, oldest first.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &Rc<LogEntry>> + '_ {
        self.entries.iter()
    }
    /// Entries kept (the absolute index of the last one is `n_dropped + len − 1`).
    pub fn len(&self) -> usize {
        self.entries.len()
    }
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
    /// Entries ever written, dropped ones included.
    pub fn total(&self) -> u64 {
        self.n_dropped + self.entries.len() as u64
    }
    pub fn get(&self, i: usize) -> Option<&Rc<LogEntry>> {
        self.entries.get(i)
    }
    pub fn last(&self) -> Option<&Rc<LogEntry>> {
        self.entries.last()
    }
}
