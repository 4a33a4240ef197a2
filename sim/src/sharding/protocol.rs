//! What travels between the router and the shards, the names of those nodes, and the placement
//! strategies' names.
//!
//! A request's life, as messages the stage animates:
//!
//! ```text
//! router ─Request(key, read|write)─▶ shard  (queues FIFO behind its capacity) ─Reply─▶ router
//! router ─Request(sub-key j, fan-out read)─▶ every shard holding one of the celebrity's k sub-keys (salted)
//! ```
//!
//! The router stands for the clients too: a request is born there (Poisson arrivals) and its latency is
//! measured there, from birth to the last reply.

use crate::kernel::NodeId;

/// The router (and the clients behind it).
pub const ROUTER: NodeId = NodeId(0);
/// The most shards a run can have (the `shards` parameter's maximum); shard ids are 1..=64.
pub const MAX_SHARDS: usize = 64;
/// One-way latency of a router ↔ shard link (fixed: a hop inside one datacenter).
pub const LINK_US: u64 = 1_000;

/// Shard `id` (1-based) is kernel node `id`.
pub fn shard_node(id: u16) -> NodeId {
    NodeId(id)
}

/// The script name of shard `id`: `shard1`, `shard2`, …
pub fn shard_name(id: u16) -> String {
    format!("shard{id}")
}

/// How keys are placed on shards.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Strategy {
    /// Contiguous key ranges, one per shard, in key order.
    Range,
    /// `hash(key) mod N` over the shards in id order.
    HashMod,
    /// A consistent-hash ring: V points per shard; a key belongs to the first point clockwise from its hash.
    Ring,
}

/// The `strategy` parameter's choices, in [`Strategy`] order.
pub const STRATEGIES: &[&str] = &["range", "hash_mod", "ring"];

impl Strategy {
    pub fn from_name(s: &str) -> Self {
        match s {
            "range" => Strategy::Range,
            "hash_mod" => Strategy::HashMod,
            _ => Strategy::Ring,
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            Strategy::Range => "range",
            Strategy::HashMod => "hash_mod",
            Strategy::Ring => "ring",
        }
    }
    /// How a sentence names it.
    pub fn label(self) -> &'static str {
        match self {
            Strategy::Range => "range placement",
            Strategy::HashMod => "hash mod N",
            Strategy::Ring => "consistent-hash ring",
        }
    }
}

/// A key as the router names it: one of the keyspace's keys, or the `j`-th salted sub-key (j ≥ 1) of the
/// celebrity key (sub-key 0 is the celebrity key itself).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyRef {
    Base(u64),
    Sub(u8),
}

/// What a shard is asked to do with a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Op {
    Read,
    Write,
    /// One part of a salted read: the router asks every sub-key's shard and waits for all of them.
    FanOutRead,
}

/// A request carries its birth time (µs), and the shard echoes it with the operation, as a request context:
/// the router keeps state only for salted reads, which wait for several replies.
#[derive(Clone, Debug, Hash)]
pub enum Msg {
    Request {
        req: u64,
        key: KeyRef,
        op: Op,
        created: u64,
    },
    /// `served` is false when the shard's queue was full and it refused the request at once.
    Reply {
        req: u64,
        op: Op,
        served: bool,
        created: u64,
    },
}

#[derive(Clone, Debug, Hash)]
pub enum Timer {
    /// The next client request arrives at the router.
    Arrival,
    /// Shard `shard` finished serving request `req` (born at `created`), which reached it at `arrived`.
    Served { shard: u16, req: u64, op: Op, created: u64, arrived: u64 },
    /// Once a second: close the per-second load and latency figures.
    Tick,
}
