//! A replica's storage: the versions it keeps of the register, and how one more version is merged in.
//!
//! Two merge rules, one per way of ordering versions:
//!
//! * **by tag** (cp, quorum, and ap with last-writer-wins): the version with the largest tag stays, every
//!   other one is dropped. A dropped version whose writer the winner never saw is a *lost* write — the
//!   observer counts those in `ap`.
//! * **by vector clock** (ap with the multi-value register): a version is dropped only when a kept one has
//!   seen it; versions nobody has seen stay side by side as siblings. Nothing is ever dropped unseen.
//!
//! The storage is durable: a replica that crashes comes back with the versions it had.
//!
//! ```
//! use faultline_sim::cap::protocol::{Tag, VClock, Version};
//! use faultline_sim::cap::replica::{MergeRule, Replica};
//! let mut r = Replica::default();
//! let a = Version::new(Tag { ts: 5, value: 1 }, 0, 1, VClock::default());
//! let b = Version::new(Tag { ts: 7, value: 2 }, 2, 1, VClock::default());
//! r.merge(a, MergeRule::ByClock);
//! r.merge(b, MergeRule::ByClock);
//! assert_eq!(r.values(), vec![1, 2]); // siblings
//! let merged = r.merge(b, MergeRule::ByTag);
//! assert_eq!(r.values(), vec![2]); // last writer wins…
//! assert_eq!(merged.dropped, vec![a]); // …and a is gone, though b never saw it
//! ```

use super::coordinator::Coordination;
use super::idmap::IdMap;
use super::protocol::{Tag, VClock, Version};

/// How a replica merges a version into what it keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MergeRule {
    ByTag,
    ByClock,
}

/// What a merge changed.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Merged {
    /// The replica now keeps something it did not keep before.
    pub changed: bool,
    /// Versions not kept: ones the replica had, or the incoming one.
    pub dropped: Vec<Version>,
}

#[derive(Clone, Debug)]
pub struct Replica {
    pub up: bool,
    /// The versions kept (one, or siblings), by value.
    pub versions: Vec<Version>,
    /// Writes this replica coordinated so far (the counter of its next write's dot).
    pub n_writes: u64,
    /// Operations this replica is coordinating (lost when it crashes).
    pub coordinating: IdMap<Coordination>,
}

impl Default for Replica {
    fn default() -> Self {
        Replica { up: true, versions: Vec::new(), n_writes: 0, coordinating: IdMap::default() }
    }
}

impl Replica {
    /// The version with the largest tag, if any.
    pub fn newest(&self) -> Option<Version> {
        self.versions.iter().copied().max_by_key(|v| v.tag)
    }
    pub fn max_tag(&self) -> Tag {
        self.newest().map_or(Tag::default(), |v| v.tag)
    }
    /// Every write the kept versions' writers had seen.
    pub fn seen(&self) -> VClock {
        let mut vv = VClock::default();
        for v in &self.versions {
            vv.join(&v.vv);
        }
        vv
    }
    pub fn values(&self) -> Vec<u64> {
        self.versions.iter().map(Version::value).collect()
    }

    pub fn merge(&mut self, incoming: Version, rule: MergeRule) -> Merged {
        match rule {
            MergeRule::ByTag => {
                let winner =
                    self.versions.iter().copied().chain([incoming]).max_by_key(|v| v.tag).expect("one at least");
                let mut dropped: Vec<Version> = self.versions.iter().copied().filter(|v| v.tag != winner.tag).collect();
                if incoming.tag != winner.tag {
                    dropped.push(incoming);
                }
                let changed = self.versions != [winner];
                self.versions = vec![winner];
                Merged { changed, dropped }
            }
            MergeRule::ByClock => {
                if self.versions.iter().any(|v| v.tag == incoming.tag || v.vv.has_seen(&incoming)) {
                    // Old news: something kept has seen it (or is it).
                    return Merged { changed: false, dropped: Vec::new() };
                }
                let (seen, kept): (Vec<Version>, Vec<Version>) =
                    self.versions.iter().copied().partition(|v| incoming.vv.has_seen(v));
                self.versions = kept;
                self.versions.push(incoming);
                crate::checker::sort_by_key(&mut self.versions, Version::value);
                Merged { changed: true, dropped: seen }
            }
        }
    }
}
