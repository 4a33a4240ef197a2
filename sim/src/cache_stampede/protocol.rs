//! What travels between the cache-stampede nodes, and the names of those nodes.
//!
//! A request's life, as messages the stage animates (cache-aside: the app server talks to the cache and to
//! the database; the cache never talks to the database):
//!
//! ```text
//! clients ─Request─▶ app server ─Get─▶ cache ─Reply─▶ app server ──────────────────────────▶ Response ─▶ clients
//!                                                        │ miss: ─Query─▶ database ─QueryReply─▶
//!                                                        │       ─Set(value, TTL)─▶ cache ─SetAck─▶ answer the waiters
//! ```
//!
//! Only what the simulated system itself would send is on the wire. What the scene's observer needs to
//! narrate expiry cycles (which cycle a read belongs to, why the key was missing, whether it was warm) is
//! kept in its side table (`observer.rs`), never in a message.

use crate::kernel::{NodeId, SimTime};

pub const CLIENTS: NodeId = NodeId(0);
pub const CACHE: NodeId = NodeId(1);
pub const DATABASE: NodeId = NodeId(2);
/// Servers are nodes 3.. (`server_node(0)` = "app1").
pub(super) const FIRST_SERVER: u16 = 3;
/// The most app servers a run can have (the `servers` parameter's maximum).
pub const MAX_SERVERS: usize = 64;

/// One-way link latencies (fixed, so the theory's round trips are exact).
pub const CLIENT_LINK_US: u64 = 5_000;
pub const CACHE_LINK_US: u64 = 1_000;
pub const DB_LINK_US: u64 = 2_000;

pub fn server_node(idx: usize) -> NodeId {
    NodeId(FIRST_SERVER + idx as u16)
}

/// The script name of app server `idx` (0-based): `app1`, `app2`, …
pub fn server_name(idx: usize) -> String {
    format!("app{}", idx + 1)
}

/// What an app server does on a miss.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Strategy {
    None,
    SingleFlight,
    GlobalLock,
    XFetch,
    Swr,
}

impl Strategy {
    pub fn from_name(s: &str) -> Self {
        match s {
            "single_flight" => Strategy::SingleFlight,
            "global_lock" => Strategy::GlobalLock,
            "xfetch" => Strategy::XFetch,
            "swr" => Strategy::Swr,
            _ => Strategy::None,
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Strategy::None => "no protection",
            Strategy::SingleFlight => "single-flight",
            Strategy::GlobalLock => "global lock",
            Strategy::XFetch => "XFetch",
            Strategy::Swr => "stale-while-revalidate",
        }
    }
}

/// A lock waiter's poll: whose recompute it waits for (the lock holder its first read saw).
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq)]
pub struct Poll {
    pub awaited: u64,
}

/// The global lock's answer on a miss.
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq)]
pub enum Lock {
    NotUsed,
    /// This reader holds the lock; the token is its recompute id.
    Granted(u64),
    /// Another recompute holds it.
    HeldBy(u64),
}

/// What a cache read found.
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq)]
pub enum Read {
    Fresh {
        version: u64,
        writer: u64,
        by_lock: bool,
        expires_at: SimTime,
        delta_us: u64,
    },
    /// swr: expired but within the grace window; `refresh` is a refresh lease if this reader got it.
    Stale {
        version: u64,
        writer: u64,
        refresh: Option<u64>,
    },
    Miss {
        lock: Lock,
    },
}

/// How a request was answered.
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq)]
pub enum Outcome {
    Hit,
    Stale,
    /// It waited on the database (a user-visible miss).
    Waited,
    /// Its recompute was refused by the database.
    Error,
}

#[derive(Clone, Debug, Hash)]
pub enum Msg {
    Request { req: u64, key: u32, created: SimTime },
    Get { req: u64, key: u32, created: SimTime, poll: Option<Poll> },
    Reply { req: u64, key: u32, created: SimTime, poll: Option<Poll>, read: Read },
    Query { rc: u64, key: u32 },
    QueryReply { rc: u64, key: u32, version: u64, ok: bool },
    Set { rc: u64, key: u32, version: u64, ttl_us: u64, delta_us: u64 },
    SetAck { rc: u64 },
    Unlock { rc: u64, key: u32 },
    Response { req: u64, created: SimTime, outcome: Outcome },
}

#[derive(Clone, Debug, Hash)]
pub enum Timer {
    Arrival,
    DbDone {
        epoch: u64,
    },
    /// The overload alarm's pending decision is due (the database may have gone quiet).
    OverloadCheck {
        epoch: u64,
    },
    Poll {
        server: u16,
        req: u64,
        key: u32,
        created: SimTime,
        poll: Poll,
    },
}
