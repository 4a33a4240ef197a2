//! The key directory: which shard owns each key, counted key by key — every move at a reshard is a key
//! whose recorded owner differs from the new placement's answer, never an estimate.
//!
//! The directory holds one owner per key (a [`SharedVec`], so rewind snapshots share it), the number of
//! keys each shard owns, and the reshard at which each key last moved (for the ring's "moved" dots). The
//! celebrity key's salted sub-keys (1..k; sub-key 0 is the key itself) are keys too: they are placed,
//! counted and moved like the others.
//!
//! A reshard ([`Directory::reshard`]) asks the new placement for the owner of every existing key —
//! O(K log(N·V)) — moves the keys whose owner changed, and audits the result: every key's new owner is a
//! live shard, the per-shard counts kept incrementally equal a recount from the table, and as many keys
//! left shards as arrived on shards. The model turns the audit into its invariants.
//!
//! ```
//! use faultline_sim::sharding::directory::{Directory, Salting};
//! use faultline_sim::sharding::placement::Placement;
//! use faultline_sim::sharding::Strategy;
//! let four = Placement::new(Strategy::HashMod, vec![1, 2, 3, 4], 1, 1, 10_000);
//! let mut dir = Directory::build(&four, 10_000, 42, Salting::default());
//! let report = dir.reshard(&four, &four.with_shard_added(5, None));
//! assert_eq!(report.keys_before, report.keys_after);
//! assert!((report.moved as f64 / 10_000.0 - 0.8).abs() < 0.02); // hash mod 4 → 5 moves 4/5
//! ```

use crate::kernel::SharedVec;

use super::placement::{KeyPlace, Placement, key_hash, sub_key_id, sub_key_pos};
use super::protocol::{KeyRef, MAX_SHARDS};

/// How the celebrity key is salted: its id, into how many sub-keys (`k` = 1: not salted), and the span of
/// range positions the sub-keys spread over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Salting {
    pub key: u64,
    pub k: u8,
    pub span: u64,
}

impl Default for Salting {
    fn default() -> Self {
        Salting { key: 0, k: 1, span: 1 }
    }
}

/// What one reshard did, key by key, and what its audit found.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MoveReport {
    pub keys_before: u64,
    pub keys_after: u64,
    /// Keys whose owner changed.
    pub moved: u64,
    /// Moved keys whose old and new owners are both live before and after (neither added nor removed).
    pub between_survivors: u64,
    /// (shard, keys that left it), for shards that lost keys, in id order.
    pub lost: Vec<(u16, u64)>,
    /// (shard, keys that arrived on it), for shards that gained keys, in id order.
    pub gained: Vec<(u16, u64)>,
    /// Keys whose new owner is not a live shard, plus keys still counted on shards that are no longer live.
    pub orphans: u64,
    /// Keys by which the counts kept per shard differ from a recount of the table (a key counted twice).
    pub miscounted: u64,
}

/// Bit mask of shard ids (ids are 1..=64).
fn mask(ids: &[u16]) -> u128 {
    ids.iter().fold(0u128, |m, &id| m | (1u128 << id))
}

#[derive(Clone, Debug)]
pub struct Directory {
    hash_salt: u64,
    /// Owner of key `i`, for every key of the keyspace (ids 0..).
    owner: SharedVec<u16>,
    /// The reshard number at which key `i` last moved (0: never).
    moved_at: SharedVec<u32>,
    salting: Salting,
    /// Owner of sub-key `j` at index `j − 1`.
    sub_owner: Vec<u16>,
    sub_moved_at: Vec<u32>,
    /// Keys owned, by shard id.
    counts: [u32; MAX_SHARDS + 1],
    /// Σ counts, kept beside them so that a per-event check is O(1).
    n_counted: u64,
    n_reshards: u32,
}

impl Directory {
    /// Routes every key of a fresh keyspace of `n_keys` keys (ids 0..n_keys) to its owner.
    pub fn build(placement: &Placement, n_keys: u64, hash_salt: u64, salting: Salting) -> Self {
        let mut d = Directory {
            hash_salt,
            owner: SharedVec::new(),
            moved_at: SharedVec::new(),
            salting: Salting { k: 1, ..salting },
            sub_owner: Vec::new(),
            sub_moved_at: Vec::new(),
            counts: [0; MAX_SHARDS + 1],
            n_counted: 0,
            n_reshards: 0,
        };
        d.ensure_keys(placement, n_keys);
        d.set_salting(placement, salting);
        d
    }

    pub fn hash_salt(&self) -> u64 {
        self.hash_salt
    }
    pub fn salting(&self) -> Salting {
        self.salting
    }
    /// Keys of the keyspace (ids 0..n), not counting sub-keys.
    pub fn n_base(&self) -> u64 {
        self.owner.len() as u64
    }
    /// Every key the shards hold: the keyspace plus the salted sub-keys.
    pub fn n_keys(&self) -> u64 {
        self.n_base() + self.sub_owner.len() as u64
    }
    /// Σ of the per-shard counts (equal to [`Directory::n_keys`] unless a key has no owner or two).
    pub fn n_counted(&self) -> u64 {
        self.n_counted
    }
    /// Keys owned by shard `id`.
    pub fn count(&self, id: u16) -> u32 {
        self.counts.get(id as usize).copied().unwrap_or(0)
    }
    pub fn n_reshards(&self) -> u32 {
        self.n_reshards
    }

    /// Where a key sits for placement: its hash and its range position.
    pub fn place_of(&self, key: KeyRef) -> KeyPlace {
        match key {
            KeyRef::Base(id) => KeyPlace { hash: key_hash(id, self.hash_salt), pos: id },
            KeyRef::Sub(0) => self.place_of(KeyRef::Base(self.salting.key)),
            KeyRef::Sub(j) => {
                let s = self.salting;
                KeyPlace {
                    hash: key_hash(sub_key_id(s.key, j), self.hash_salt),
                    pos: sub_key_pos(s.key, j, s.k, s.span),
                }
            }
        }
    }

    /// The shard that owns `key` now (sub-key 0 is the key itself; a sub-key that no longer exists has no
    /// owner: 0, which is never a shard id).
    pub fn owner_of(&self, key: KeyRef) -> u16 {
        match key {
            KeyRef::Base(id) => self.owner.get(id as usize).copied().unwrap_or(0),
            KeyRef::Sub(0) => self.owner_of(KeyRef::Base(self.salting.key)),
            KeyRef::Sub(j) => self.sub_owner.get(j as usize - 1).copied().unwrap_or(0),
        }
    }

    /// Whether `key` moved at the latest reshard.
    pub fn moved_at_last_reshard(&self, key: KeyRef) -> bool {
        let at = match key {
            KeyRef::Base(id) => self.moved_at.get(id as usize).copied(),
            KeyRef::Sub(0) => self.moved_at.get(self.salting.key as usize).copied(),
            KeyRef::Sub(j) => self.sub_moved_at.get(j as usize - 1).copied(),
        };
        self.n_reshards > 0 && at == Some(self.n_reshards)
    }

    fn count_in(&mut self, id: u16) {
        self.counts[id as usize] += 1;
        self.n_counted += 1;
    }
    fn count_out(&mut self, id: u16) {
        self.counts[id as usize] = self.counts[id as usize].saturating_sub(1);
        self.n_counted = self.n_counted.saturating_sub(1);
    }

    /// Creates the next key at the open end of the keyspace (a sequential ID) and returns (id, owner).
    pub fn push_key(&mut self, placement: &Placement) -> (u64, u16) {
        let id = self.n_base();
        let owner = placement.owner(self.place_of(KeyRef::Base(id)));
        self.owner.push(owner);
        self.moved_at.push(0);
        self.count_in(owner);
        (id, owner)
    }

    /// Creates keys up to id `n − 1` (the keyspace grew); returns how many were created.
    pub fn ensure_keys(&mut self, placement: &Placement, n: u64) -> u64 {
        let mut created = 0;
        while self.n_base() < n {
            self.push_key(placement);
            created += 1;
        }
        created
    }

    /// Salts the celebrity key across `salting.k` sub-keys (1 = none): the old sub-keys' data merges back
    /// into the key and the new ones are placed. Not a reshard: keys are created or merged, none moves.
    pub fn set_salting(&mut self, placement: &Placement, salting: Salting) {
        for i in 0..self.sub_owner.len() {
            let o = self.sub_owner[i];
            self.count_out(o);
        }
        self.sub_owner.clear();
        self.sub_moved_at.clear();
        self.salting = Salting { k: salting.k.max(1), span: salting.span.max(1), ..salting };
        for j in 1..self.salting.k {
            let o = placement.owner(self.place_of(KeyRef::Sub(j)));
            self.sub_owner.push(o);
            self.sub_moved_at.push(0);
            self.count_in(o);
        }
    }

    /// Moves every key whose owner under `new` differs from its recorded owner, and audits the result.
    /// `old` is the layout the keys were placed by (its live shards tell survivors from newcomers).
    pub fn reshard(&mut self, old: &Placement, new: &Placement) -> MoveReport {
        let (old_live, new_live) = (mask(old.live()), mask(new.live()));
        self.n_reshards += 1;
        let epoch = self.n_reshards;
        let keys_before = self.n_keys();
        let mut lost = [0u64; MAX_SHARDS + 1];
        let mut gained = [0u64; MAX_SHARDS + 1];
        let mut recount = [0u64; MAX_SHARDS + 1];
        let mut orphans = 0u64;
        let mut between = 0u64;
        let mut note = |from: u16, to: u16| {
            if new_live & (1u128 << to) == 0 {
                orphans += 1;
            }
            recount[to as usize] += 1;
            if from != to {
                lost[from as usize] += 1;
                gained[to as usize] += 1;
                let survivors = old_live & new_live;
                if survivors & (1u128 << from) != 0 && survivors & (1u128 << to) != 0 {
                    between += 1;
                }
            }
        };
        // First pass reads only, so unchanged chunks stay shared with snapshots; then write the changes.
        let salt = self.hash_salt;
        let mut changes: Vec<(usize, u16)> = Vec::new();
        for (i, &from) in self.owner.iter().enumerate() {
            let to = new.owner(KeyPlace { hash: key_hash(i as u64, salt), pos: i as u64 });
            note(from, to);
            if from != to {
                changes.push((i, to));
            }
        }
        for i in 0..self.sub_owner.len() {
            let from = self.sub_owner[i];
            let to = new.owner(self.place_of(KeyRef::Sub(i as u8 + 1)));
            note(from, to);
            if from != to {
                self.sub_owner[i] = to;
                self.sub_moved_at[i] = epoch;
            }
        }
        for &(i, to) in &changes {
            self.owner[i] = to;
            self.moved_at[i] = epoch;
        }
        let mut miscounted = 0u64;
        for id in 0..=MAX_SHARDS {
            let kept = self.counts[id] as i64 - lost[id] as i64 + gained[id] as i64;
            if kept < 0 {
                miscounted += (-kept) as u64;
            }
            self.counts[id] = kept.max(0) as u32;
            miscounted += (self.counts[id] as u64).abs_diff(recount[id]);
            if self.counts[id] > 0 && new_live & (1u128 << id) == 0 {
                orphans += self.counts[id] as u64;
            }
        }
        self.n_counted = self.counts.iter().map(|&c| c as u64).sum();
        let moved = lost.iter().sum::<u64>();
        let listed = |v: &[u64; MAX_SHARDS + 1]| -> Vec<(u16, u64)> {
            v.iter().enumerate().filter(|(_, n)| **n > 0).map(|(id, n)| (id as u16, *n)).collect()
        };
        MoveReport {
            keys_before,
            keys_after: self.n_keys(),
            moved,
            between_survivors: between,
            lost: listed(&lost),
            gained: listed(&gained),
            orphans,
            miscounted,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sharding::Strategy;

    #[test]
    fn ring_add_moves_keys_only_to_the_new_shard_and_counts_them() {
        let p = Placement::new(Strategy::Ring, vec![1, 2, 3, 4], 50, 11, 0);
        let mut d = Directory::build(&p, 20_000, 3, Salting::default());
        let q = p.with_shard_added(5, None);
        let r = d.reshard(&p, &q);
        assert_eq!(r.between_survivors, 0);
        assert_eq!(r.gained, vec![(5, r.moved)]);
        assert_eq!(d.count(5) as u64, r.moved);
        assert_eq!((r.orphans, r.miscounted), (0, 0));
        assert_eq!(d.n_counted(), d.n_keys());
        let frac = r.moved as f64 / 20_000.0;
        assert!(frac > 0.05 && frac < 0.4, "{frac}");
    }

    #[test]
    fn salting_creates_counted_sub_keys_and_merges_them_back() {
        let p = Placement::new(Strategy::HashMod, vec![1, 2, 3], 1, 1, 0);
        let mut d = Directory::build(&p, 100, 9, Salting::default());
        d.set_salting(&p, Salting { key: 17, k: 8, span: 100 });
        assert_eq!((d.n_keys(), d.n_counted()), (107, 107));
        assert_eq!(d.owner_of(KeyRef::Sub(0)), d.owner_of(KeyRef::Base(17)));
        d.set_salting(&p, Salting { key: 17, k: 1, span: 100 });
        assert_eq!((d.n_keys(), d.n_counted()), (100, 100));
    }

    #[test]
    fn removing_a_shard_moves_exactly_its_keys() {
        let p = Placement::new(Strategy::Range, vec![1, 2, 3, 4], 1, 1, 1_000);
        let mut d = Directory::build(&p, 1_000, 9, Salting::default());
        let q = p.with_shard_removed(2);
        let r = d.reshard(&p, &q);
        assert_eq!(r.lost, vec![(2, 250)]);
        assert_eq!(r.gained, vec![(1, 250)]);
        assert_eq!(d.count(2), 0);
        assert_eq!(r.orphans, 0);
    }
}
