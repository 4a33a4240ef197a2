//! What travels between the CAP scene's nodes, the versions replicas keep, and where every node sits.
//!
//! N replicas (3 or 5) of one register stand in two sites: site `a` holds the majority (r1, r2 of 3; r1–r3
//! of 5), site `b` the rest. Clients alternate between the sites (c1 on `a`, c2 on `b`, c3 on `a`, …) and
//! each sends its operations to one replica of its own site, which coordinates them:
//!
//! ```text
//! client ─Request─▶ coordinator ─Query / Store─▶ replicas ─QueryReply / StoreAck─▶ coordinator ─Response─▶ client
//!                   (quorum) ──after the replication delay── Replicate ─▶ the other replicas
//!                   (ap) every replica ── Gossip(its versions) ─▶ every other replica, each delay
//! ```
//!
//! A version is ordered two ways. Its [`Tag`] — an ABD counter (cp) or the writing replica's clock
//! (quorum, ap), then the value to break ties — gives "newest wins". Its vector clock says which writes its
//! writer had seen, so two versions whose writers had not seen each other are *concurrent*: last-writer-wins
//! keeps the larger tag and loses the other; the multi-value register keeps both as siblings.
//!
//! ```
//! use faultline_sim::cap::protocol::{Tag, VClock, Version};
//! let a = Version::new(Tag { ts: 5, value: 1 }, 0, 1, VClock::default());
//! let b = Version::new(Tag { ts: 7, value: 2 }, 2, 1, VClock::default());
//! assert!(b.tag > a.tag); // last-writer-wins keeps b…
//! assert!(!b.vv.has_seen(&a) && !a.vv.has_seen(&b)); // …though b never saw a: concurrent
//! ```

use crate::kernel::NodeId;

/// Most replicas a run can have (the `replicas` parameter's maximum).
pub const MAX_REPLICAS: usize = 5;
/// Most clients a run can have (the `clients` parameter's maximum).
pub const MAX_CLIENTS: usize = 10;
/// Client nodes start here, after every possible replica.
const FIRST_CLIENT: u16 = 8;

/// Median one-way latencies. Within a site a replica is a millisecond away; between the sites, 15 ms.
pub const REPLICA_LINK_US: u64 = 1_000;
pub const CLIENT_LINK_US: u64 = 2_000;
pub const SITE_LINK_US: u64 = 15_000;
/// Log-normal shape of every link's latency: a small tail, so messages sometimes overtake each other.
pub const LINK_SIGMA: f64 = 0.2;

/// A client waits this much longer than the coordinator's deadline before it gives up on an answer.
pub const CLIENT_GRACE_US: u64 = 100_000;

pub fn replica_node(idx: usize) -> NodeId {
    NodeId(idx as u16)
}
pub fn client_node(idx: usize) -> NodeId {
    NodeId(FIRST_CLIENT + idx as u16)
}
/// The replica index of a kernel node, if it is a replica.
pub fn replica_of(node: NodeId) -> Option<usize> {
    ((node.0 as usize) < MAX_REPLICAS).then_some(node.0 as usize)
}
pub fn client_of(node: NodeId) -> Option<usize> {
    node.0.checked_sub(FIRST_CLIENT).map(usize::from).filter(|&c| c < MAX_CLIENTS)
}

/// Replicas whose agreement is a majority of `n`.
pub fn majority(n: usize) -> usize {
    n / 2 + 1
}

/// The two sites.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Site {
    A,
    B,
}

impl Site {
    pub fn name(self) -> &'static str {
        match self {
            Site::A => "a",
            Site::B => "b",
        }
    }
    pub fn index(self) -> usize {
        match self {
            Site::A => 0,
            Site::B => 1,
        }
    }
}

/// Site `a` holds a majority of the replicas.
pub fn replica_site(idx: usize, n: usize) -> Site {
    if idx < majority(n) { Site::A } else { Site::B }
}

/// c1, c3, c5… on site `a`; c2, c4… on site `b`.
pub fn client_site(idx: usize) -> Site {
    if idx.is_multiple_of(2) { Site::A } else { Site::B }
}

/// The replicas of a site, in order.
pub fn site_replicas(site: Site, n: usize) -> Vec<usize> {
    (0..n).filter(|&i| replica_site(i, n) == site).collect()
}

/// The replica a client sends its operations to: its site's replicas in turn (c1 → r1, c3 → r2, …).
pub fn coordinator_of(client: usize, n: usize) -> usize {
    let own = site_replicas(client_site(client), n);
    own[(client / 2) % own.len()]
}

/// How the replicas work.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mode {
    /// Majority quorums for reads and writes, reads write back (ABD): linearizable, unavailable without a
    /// majority.
    Cp,
    /// Tunable R and W (Dynamo-style), the rest of the replicas updated after a delay.
    Quorum,
    /// Write locally, answer at once, exchange versions by anti-entropy.
    Ap,
}

impl Mode {
    pub fn from_name(s: &str) -> Self {
        match s {
            "quorum" => Mode::Quorum,
            "ap" => Mode::Ap,
            _ => Mode::Cp,
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            Mode::Cp => "cp",
            Mode::Quorum => "quorum",
            Mode::Ap => "ap",
        }
    }
}

/// How `ap` replicas resolve concurrent versions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Conflict {
    /// Last-writer-wins on timestamps: the larger tag stays, the other is discarded.
    Lww,
    /// A multi-value register (a CRDT): concurrent versions stay as siblings until a write that saw them.
    MvRegister,
}

impl Conflict {
    pub fn from_name(s: &str) -> Self {
        if s == "mv_register" { Conflict::MvRegister } else { Conflict::Lww }
    }
}

/// A version's place in "newest wins": an ABD counter or a replica clock reading, then the value (written
/// values are unique, so two versions never tie).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tag {
    pub ts: u64,
    pub value: u64,
}

/// Per origin replica, how many of its writes a version's writer had seen.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct VClock(pub [u64; MAX_REPLICAS]);

impl VClock {
    pub fn join(&mut self, other: &VClock) {
        for (a, b) in self.0.iter_mut().zip(other.0) {
            *a = (*a).max(b);
        }
    }
    /// Whether the writer of a version with this clock had seen `v` (its origin's count reaches v's).
    pub fn has_seen(&self, v: &Version) -> bool {
        self.0[v.origin as usize] >= v.counter
    }
    /// Every write counted in `other` is counted here.
    pub fn covers(&self, other: &VClock) -> bool {
        self.0.iter().zip(other.0).all(|(a, b)| *a >= b)
    }
}

/// One written value as replicas keep it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Version {
    pub tag: Tag,
    /// The replica that coordinated the write, and its count of writes so far (the write's "dot").
    pub origin: u8,
    pub counter: u64,
    /// Writes seen by the writer, this one included.
    pub vv: VClock,
}

impl Version {
    /// A version whose clock counts `seen` plus itself.
    pub fn new(tag: Tag, origin: u8, counter: u64, seen: VClock) -> Self {
        let mut vv = seen;
        vv.0[origin as usize] = vv.0[origin as usize].max(counter);
        Version { tag, origin, counter, vv }
    }
    pub fn value(&self) -> u64 {
        self.tag.value
    }
}

/// What a client asks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Request {
    Read,
    Write(u64),
}

/// Why a coordinator gave up.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Why {
    /// Fewer than `need` replicas answered the version query before the deadline (`got` did).
    Query { got: u8, need: u8 },
    /// Fewer than `need` replicas acknowledged the store before the deadline.
    Store { got: u8, need: u8 },
}

/// A coordinator's answer.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Answer {
    /// A write: the version stored. A read: the version(s) read (several = siblings), none = empty.
    Ok(Vec<Version>),
    /// Certainly not applied.
    Fail(Why),
    /// May or may not have taken effect.
    Unknown(Why),
}

#[derive(Clone, Debug, Hash)]
pub enum Msg {
    Request {
        op: u64,
        req: Request,
    },
    Response {
        op: u64,
        answer: Answer,
    },
    /// "Send me your versions" (cp: phase one of reads and writes; quorum: a read).
    Query {
        op: u64,
    },
    QueryReply {
        op: u64,
        versions: Vec<Version>,
    },
    /// "Keep this version if it is newer" (cp: phase two, or a read's write-back; quorum: a write).
    Store {
        op: u64,
        version: Version,
    },
    StoreAck {
        op: u64,
    },
    /// Quorum: a write reaching the replicas outside its write quorum, after the replication delay.
    Replicate {
        version: Version,
    },
    /// Ap: anti-entropy, a replica's whole state.
    Gossip {
        versions: Vec<Version>,
    },
}

#[derive(Clone, Debug, Hash)]
pub enum Timer {
    /// A client's think time is over: it invokes its next operation.
    Think { client: u8 },
    /// A client gives up waiting for operation `op`.
    ClientTimeout { client: u8, op: u64 },
    /// A coordinator's deadline for operation `op`.
    Deadline { replica: u8, op: u64 },
    /// Quorum: send a write to the replicas outside its write quorum (`targets`, a bit per replica).
    Replicate { replica: u8, version: Version, targets: u8 },
    /// Ap: a replica's anti-entropy round.
    AntiEntropy { replica: u8 },
    /// Periodic measurements (divergence, the network's state) for the charts.
    Sample,
}
