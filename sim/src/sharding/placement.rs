//! Where a key lives: the three placement strategies as one value, [`Placement`], that answers
//! "which shard owns this key?" in O(log n) and knows how to change when a shard is added or removed.
//!
//! A key is placed by two numbers ([`KeyPlace`]): its **hash** (a fixed, seeded 64-bit mix of its id, the
//! same on every platform) and its **range position** (its id, in key order).
//!
//! * **range** — shards own contiguous ranges of positions, one range each, in key order; the last range is
//!   open-ended, so keys created at the end of the keyspace (sequential IDs) all land on it. Adding a shard
//!   splits one range in two (the new shard takes the upper part); removing one merges its range into its
//!   lower neighbour (the upper one, for the first range).
//! * **hash mod N** — the shard at position `hash mod N` of the live shards in id order. Changing N changes
//!   almost every key's remainder.
//! * **ring** — every shard has V points on a circle of 2⁶⁴ positions, drawn from its own seeded stream
//!   (`ring.vnodes`, indexed by shard id), so adding a shard never moves another shard's points; a key
//!   belongs to the first point at or after its hash, clockwise. A new shard's points take over only the
//!   arcs just before them.
//!
//! ```
//! use faultline_sim::sharding::placement::{KeyPlace, Placement, key_hash};
//! use faultline_sim::sharding::Strategy;
//! let ring = Placement::new(Strategy::Ring, vec![1, 2, 3, 4], 100, 7, 10_000);
//! let bigger = ring.with_shard_added(5, None);
//! // Consistent hashing: a key either stays or moves to the new shard.
//! for id in 0..1_000u64 {
//!     let at = KeyPlace { hash: key_hash(id, 99), pos: id };
//!     let (before, after) = (ring.owner(at), bigger.owner(at));
//!     assert!(before == after || after == 5);
//! }
//! ```

use std::rc::Rc;

use crate::kernel::RngStream;

use super::protocol::Strategy;

/// Sub-keys of a salted key live in their own id space, above every real key id.
const SUB_KEY_SPACE: u64 = 1 << 62;

/// SplitMix64's finaliser: a fixed, platform-independent mix of 64 bits.
pub fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The hash of key `id` under the run's hash salt (drawn from the seed, so each seed is a different hash
/// function and "over seeds" means something for the moved-keys fractions).
pub fn key_hash(id: u64, salt: u64) -> u64 {
    mix64(id ^ salt)
}

/// The id under which the `j`-th salted sub-key of `key` is hashed.
pub fn sub_key_id(key: u64, j: u8) -> u64 {
    SUB_KEY_SPACE | (key << 8) | j as u64
}

/// The range position of the `j`-th of `k` salted sub-keys of `key` in a keyspace of `span` positions: the
/// salt is a prefix, so the sub-keys sit k-ths of the keyspace apart (like `3_user42`, `5_user42`) and
/// range placement spreads them as well.
pub fn sub_key_pos(key: u64, j: u8, k: u8, span: u64) -> u64 {
    let span = span.max(1);
    (key % span + j as u64 * (span / k.max(1) as u64)) % span
}

/// What placement needs to know about a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyPlace {
    pub hash: u64,
    pub pos: u64,
}

/// One strategy's layout of the live shards.
#[derive(Clone, Debug)]
pub struct Placement {
    strategy: Strategy,
    /// Live shard ids, ascending.
    live: Vec<u16>,
    vnodes: u32,
    seed: u64,
    /// Ring points (position, shard id), sorted; shared by snapshots.
    ring: Rc<Vec<(u64, u16)>>,
    /// Range lower bounds (position, shard id), ascending; the first is 0. One range per live shard.
    ranges: Vec<(u64, u16)>,
}

/// Shard `id`'s first `v` ring points (its stream is its own: other shards never move them).
fn shard_points(seed: u64, id: u16, v: u32) -> impl Iterator<Item = (u64, u16)> {
    let mut rng = RngStream::indexed(seed, "ring.vnodes", id as u64);
    (0..v).map(move |_| (rng.below(u64::MAX), id))
}

impl Placement {
    /// A fresh layout of `live` shards; range placement splits `n_keys` key positions evenly.
    pub fn new(strategy: Strategy, live: Vec<u16>, vnodes: u32, seed: u64, n_keys: u64) -> Self {
        // Ascending and unique, through a bit mask (ids are 1..=64).
        let mask = live.iter().fold(0u128, |m, &id| m | 1u128 << id);
        let live: Vec<u16> = (0..128u16).filter(|id| mask & (1u128 << id) != 0).collect();
        let mut p =
            Placement { strategy, live, vnodes: vnodes.max(1), seed, ring: Rc::new(Vec::new()), ranges: Vec::new() };
        p.relayout(n_keys);
        p
    }

    /// Rebuilds what the strategy needs: the ring's points, or even ranges over `n_keys` positions.
    fn relayout(&mut self, n_keys: u64) {
        self.ring = Rc::new(Vec::new());
        self.ranges.clear();
        match self.strategy {
            Strategy::Ring => self.rebuild_ring(),
            Strategy::Range => {
                let n = self.live.len() as u64;
                let span = n_keys.max(n);
                self.ranges = self.live.iter().enumerate().map(|(i, &id)| (i as u64 * span / n, id)).collect();
            }
            Strategy::HashMod => {}
        }
    }

    fn rebuild_ring(&mut self) {
        let mut pts: Vec<(u64, u16)> = Vec::with_capacity(self.live.len() * self.vnodes as usize);
        for &id in &self.live {
            pts.extend(shard_points(self.seed, id, self.vnodes));
        }
        crate::kernel::sort_stable_by(&mut pts, Ord::cmp);
        self.ring = Rc::new(pts);
    }

    pub fn strategy(&self) -> Strategy {
        self.strategy
    }
    pub fn live(&self) -> &[u16] {
        &self.live
    }
    pub fn vnodes(&self) -> u32 {
        self.vnodes
    }
    pub fn is_live(&self, id: u16) -> bool {
        self.live.binary_search(&id).is_ok()
    }
    /// The ring's points (position, shard), sorted; empty unless the strategy is the ring.
    pub fn ring_points(&self) -> &[(u64, u16)] {
        &self.ring
    }
    /// The ranges' lower bounds (position, shard), ascending; empty unless the strategy is range.
    pub fn ranges(&self) -> &[(u64, u16)] {
        &self.ranges
    }

    /// Shard `id`'s range `[lo, hi)` (`hi` = `None` for the open-ended last range), under range placement.
    pub fn range_of(&self, id: u16) -> Option<(u64, Option<u64>)> {
        let i = self.ranges.iter().position(|r| r.1 == id)?;
        Some((self.ranges[i].0, self.ranges.get(i + 1).map(|r| r.0)))
    }

    /// The shard that owns a key. O(log n): a binary search over ring points or range bounds.
    pub fn owner(&self, at: KeyPlace) -> u16 {
        match self.strategy {
            Strategy::HashMod => self.live[(at.hash % self.live.len() as u64) as usize],
            Strategy::Ring => {
                let i = self.ring.partition_point(|p| p.0 < at.hash);
                self.ring[if i == self.ring.len() { 0 } else { i }].1
            }
            Strategy::Range => {
                let i = self.ranges.partition_point(|r| r.0 <= at.pos);
                self.ranges[i.saturating_sub(1)].1
            }
        }
    }

    /// The layout with shard `id` added. Under range placement the new shard takes the range containing
    /// `split_at` from `split_at` up (`None` splits the open end at 2⁶³, far above every key: the new shard
    /// then owns nothing until keys reach it; callers pass a split point).
    pub fn with_shard_added(&self, id: u16, split_at: Option<u64>) -> Placement {
        let mut p = self.clone();
        if p.is_live(id) {
            return p;
        }
        let at = p.live.partition_point(|&s| s < id);
        p.live.insert(at, id);
        match p.strategy {
            Strategy::Ring => p.rebuild_ring(),
            Strategy::HashMod => {}
            Strategy::Range => {
                let at = split_at.unwrap_or(u64::MAX / 2);
                let i = p.ranges.partition_point(|r| r.0 <= at).saturating_sub(1);
                let lo = p.ranges[i].0;
                let at = if at > lo { at } else { lo + 1 };
                p.ranges.insert(i + 1, (at, id));
            }
        }
        p
    }

    /// The layout without shard `id` (a no-op for the last live shard: a keyspace needs an owner).
    pub fn with_shard_removed(&self, id: u16) -> Placement {
        let mut p = self.clone();
        if !p.is_live(id) || p.live.len() <= 1 {
            return p;
        }
        p.live.retain(|&s| s != id);
        match p.strategy {
            Strategy::Ring => p.rebuild_ring(),
            Strategy::HashMod => {}
            Strategy::Range => {
                if let Some(i) = p.ranges.iter().position(|r| r.1 == id) {
                    p.ranges.remove(i);
                    if i == 0 {
                        // The first range goes to its upper neighbour, which now starts at 0.
                        p.ranges[0].0 = 0;
                    }
                    // Otherwise the lower neighbour's range simply extends over it.
                }
            }
        }
        p
    }

    /// The layout with `v` points per shard (only the ring changes).
    pub fn with_vnodes(&self, v: u32) -> Placement {
        let mut p = self.clone();
        p.vnodes = v.max(1);
        if p.strategy == Strategy::Ring {
            p.rebuild_ring();
        }
        p
    }

    /// The same shards under another strategy (range placement starts from even ranges over `n_keys`).
    pub fn with_strategy(&self, strategy: Strategy, n_keys: u64) -> Placement {
        let mut p = self.clone();
        p.strategy = strategy;
        p.relayout(n_keys);
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(id: u64) -> KeyPlace {
        KeyPlace { hash: key_hash(id, 5), pos: id }
    }

    #[test]
    fn ranges_split_and_merge() {
        let p = Placement::new(Strategy::Range, vec![1, 2, 3, 4], 1, 1, 1000);
        assert_eq!(p.ranges(), &[(0, 1), (250, 2), (500, 3), (750, 4)]);
        assert_eq!(p.owner(at(999_999)), 4, "the last range is open-ended");
        let split = p.with_shard_added(5, Some(900));
        assert_eq!(split.owner(at(899)), 4);
        assert_eq!(split.owner(at(5_000)), 5);
        assert_eq!(split.range_of(5), Some((900, None)));
        let merged = p.with_shard_removed(1);
        assert_eq!(merged.ranges()[0], (0, 2));
        assert_eq!(merged.owner(at(10)), 2);
        let middle = p.with_shard_removed(3);
        assert_eq!(middle.owner(at(600)), 2, "the lower neighbour takes the range over");
    }

    #[test]
    fn removing_a_ring_shard_moves_only_its_keys() {
        let p = Placement::new(Strategy::Ring, vec![1, 2, 3, 4, 5], 20, 3, 0);
        let q = p.with_shard_removed(3);
        for id in 0..5_000 {
            let (a, b) = (p.owner(at(id)), q.owner(at(id)));
            assert!(a == b || a == 3, "key {id}: {a} → {b}");
            assert_ne!(b, 3);
        }
    }

    #[test]
    fn more_virtual_nodes_keep_the_first_ones() {
        let p = Placement::new(Strategy::Ring, vec![2], 3, 9, 0);
        let q = p.with_vnodes(6);
        assert!(p.ring_points().iter().all(|pt| q.ring_points().contains(pt)));
        assert_eq!(q.ring_points().len(), 6);
    }

    #[test]
    fn hash_mod_uses_positions_in_id_order() {
        let p = Placement::new(Strategy::HashMod, vec![7, 3], 1, 1, 0);
        assert_eq!(p.live(), &[3, 7]);
        let h = KeyPlace { hash: 11, pos: 0 };
        assert_eq!(p.owner(h), 7);
    }
}
