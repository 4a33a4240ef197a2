//! Every change of placement — a shard added or removed (by trigger, click or the `shards` parameter), the
//! hottest range split — and the reshard itself, start to finish: the placement changes, every existing key
//! is asked for its new owner and the ones whose owner changed move (counted by the directory, key by key),
//! the audit becomes the invariants, and one `reshard` event says what moved where, beside the theory.
//!
//! The event's fields are what other programs read: `from` and `to` (shard counts), `keys_moved`,
//! `moved_fraction` (moved ÷ keys existing at that reshard) and `theory` — 1 − min(N,M)/lcm(N,M) for
//! `hash mod N` (computed exactly over the residues, which is that formula whenever the highest-numbered
//! shards join or leave), |M − N|/max(N,M) for the ring, `null` where there is no closed form (range
//! placement, a change of virtual nodes or of strategy).

use crate::kernel::{Field, Kernel};

use super::heatmap::thousands;
use super::model::{Cause, Inv, ReshardNote, ShardingModel, violations};
use super::placement::Placement;
use super::protocol::{MAX_SHARDS, Msg, Strategy, Timer, shard_name};
use super::shard::Shard;
use super::theory::{hash_mod_moved_fraction_between, ring_moved_fraction};

/// "shard2 (612), shard1 (540), shard4 (480) and 2 more".
fn listing(v: &[(u16, u64)]) -> String {
    // Most keys first, then by id: (u64::MAX − keys, id) pairs, through the kernel's one sort.
    let mut v: Vec<(u64, u16)> = v.iter().map(|&(id, n)| (u64::MAX - n, id)).collect();
    crate::kernel::sort_stable_by(&mut v, Ord::cmp);
    let shown: Vec<String> =
        v.iter().take(4).map(|&(n, id)| format!("{} ({})", shard_name(id), thousands(u64::MAX - n))).collect();
    let more = v.len().saturating_sub(4);
    if more > 0 { format!("{} and {more} more", shown.join(", ")) } else { shown.join(", ") }
}

/// "1 virtual node per shard", "100 virtual nodes per shard".
pub(super) fn vnodes_text(v: u32) -> String {
    if v == 1 { "1 virtual node per shard".into() } else { format!("{v} virtual nodes per shard") }
}

fn names(ids: &[u16]) -> String {
    ids.iter().map(|&id| shard_name(id)).collect::<Vec<_>>().join(", ")
}

impl ShardingModel {
    /// The lowest shard id not live (so removing then adding a shard restores the same layout).
    pub(super) fn free_id(placement: &Placement) -> Option<u16> {
        (1..=MAX_SHARDS as u16).find(|&id| !placement.is_live(id))
    }

    /// Where range placement splits to make room for one more shard: the range with the most keys, at its
    /// median key (the new shard takes the upper half; for the last range, the open end with it).
    fn range_split_point(placement: &Placement, n_keys: u64) -> u64 {
        let ranges = placement.ranges();
        let keys_in = |i: usize| {
            let lo = ranges[i].0;
            let hi = ranges.get(i + 1).map_or(n_keys, |r| r.0.min(n_keys));
            hi.saturating_sub(lo)
        };
        let i = (0..ranges.len()).max_by_key(|&i| (keys_in(i), usize::MAX - i)).unwrap_or(0);
        let lo = ranges[i].0;
        let width = ranges.get(i + 1).map_or(u64::MAX, |r| r.0) - lo;
        if width >= 2 {
            lo + (keys_in(i) / 2).max(1)
        } else {
            let last = ranges[ranges.len() - 1].0;
            last + (n_keys.saturating_sub(last) / 2).max(1)
        }
    }

    fn with_added(&self, placement: &Placement) -> Option<Placement> {
        let id = Self::free_id(placement)?;
        let split = (placement.strategy() == Strategy::Range)
            .then(|| Self::range_split_point(placement, self.directory.n_base()));
        Some(placement.with_shard_added(id, split))
    }

    pub(super) fn add_shard(&mut self, k: &mut Kernel<Msg, Timer>) {
        match self.with_added(&self.placement) {
            Some(p) => {
                let id = p.live().iter().copied().find(|&id| !self.placement.is_live(id)).unwrap_or(0);
                self.reshard(k, Cause::AddShard, p, format!("{} added", shard_name(id)));
            }
            None => k.emit(
                "reshard",
                format!("add_shard has no effect: the scene has at most {MAX_SHARDS} shards"),
                vec![("cause", Field::from("add_shard"))],
            ),
        }
    }

    pub(super) fn remove_shard(&mut self, k: &mut Kernel<Msg, Timer>, id: u16, how: &str) {
        if self.live().len() <= 1 {
            k.emit(
                "reshard",
                format!("{how} has no effect: {} is the last shard, and every key needs an owner", shard_name(id)),
                vec![("cause", Field::from("remove_shard"))],
            );
            return;
        }
        let p = self.placement.with_shard_removed(id);
        self.reshard(k, Cause::RemoveShard, p, format!("{} removed", shard_name(id)));
    }

    pub(super) fn set_shards(&mut self, k: &mut Kernel<Msg, Timer>) {
        let target = self.cfg.shards;
        let mut p = self.placement.clone();
        while p.live().len() < target {
            match self.with_added(&p) {
                Some(q) => p = q,
                None => break,
            }
        }
        while p.live().len() > target {
            let highest = *p.live().last().expect("at least one shard");
            p = p.with_shard_removed(highest);
        }
        if p.live() != self.live() {
            self.reshard(k, Cause::SetShards, p, format!("shards set to {target}"));
        }
    }

    pub(super) fn split_hot_range(&mut self, k: &mut Kernel<Msg, Timer>) {
        if self.placement.strategy() != Strategy::Range {
            k.emit(
                "reshard",
                format!(
                    "split_hot_range has no effect: only range placement has ranges to split ({} does not)",
                    self.placement.strategy().label()
                ),
                vec![("cause", Field::from("split_hot_range"))],
            );
            return;
        }
        let Some(new_id) = Self::free_id(&self.placement) else {
            k.emit(
                "reshard",
                format!("split_hot_range has no effect: the scene has at most {MAX_SHARDS} shards"),
                vec![("cause", Field::from("split_hot_range"))],
            );
            return;
        };
        // The busiest shard now: the last full second's requests (this second's, before the first tick).
        let load = |s: &Shard| if s.last_second_routed > 0 { s.last_second_routed } else { s.second_routed };
        let hot = self
            .live()
            .iter()
            .copied()
            .max_by_key(|&id| (load(&self.shards[id as usize]), u16::MAX - id))
            .expect("at least one shard");
        let (lo, hi) = self.placement.range_of(hot).expect("every live shard has a range");
        let n = self.directory.n_base();
        let top = hi.unwrap_or(u64::MAX);
        // Sorted through the kernel's one sort, so the binary holds one instance of it.
        let mut seen: Vec<(u64, u16)> = self.shards[hot as usize]
            .recent_positions()
            .iter()
            .filter(|&&p| p >= lo && p < top)
            .map(|&p| (p, 0))
            .collect();
        crate::kernel::sort_stable_by(&mut seen, Ord::cmp);
        // Split at the median of its recent requests' keys — or just after it, whichever halves them better
        // (a single hot key cannot be split: it ends up alone on one side).
        let at = if seen.is_empty() {
            lo + (hi.unwrap_or(n).min(n).saturating_sub(lo) / 2).max(1)
        } else {
            let m = seen[seen.len() / 2].0;
            let imbalance = |at: u64| {
                let left = seen.partition_point(|p| p.0 < at);
                left.abs_diff(seen.len() - left)
            };
            [m, m + 1].into_iter().filter(|&at| at > lo && at < top).min_by_key(|&at| imbalance(at)).unwrap_or(lo + 1)
        };
        if at <= lo || at >= top {
            k.emit(
                "reshard",
                format!("split_hot_range has no effect: {}'s range holds a single key position", shard_name(hot)),
                vec![("cause", Field::from("split_hot_range"))],
            );
            return;
        }
        let p = self.placement.with_shard_added(new_id, Some(at));
        let upper = match hi {
            Some(h) => format!("keys {}–{}", thousands(at), thousands(h - 1)),
            None => format!("keys from {} up, the open end included", thousands(at)),
        };
        let what = format!(
            "the busiest range, {}'s, split at key {} (the median of its recent requests): {} takes {upper}",
            shard_name(hot),
            thousands(at),
            shard_name(new_id)
        );
        self.reshard(k, Cause::SplitHotRange, p, what);
    }

    /// Moves to `new`, counting and auditing every key, and narrates it; `what` says what happened
    /// ("shard5 added").
    pub(super) fn reshard(&mut self, k: &mut Kernel<Msg, Timer>, cause: Cause, new: Placement, what: String) {
        let now = k.now();
        let cv_before = self.key_share_cv();
        let old = std::mem::replace(&mut self.placement, new);
        let added: Vec<u16> = self.placement.live().iter().copied().filter(|&id| !old.is_live(id)).collect();
        let removed: Vec<u16> = old.live().iter().copied().filter(|&id| !self.placement.is_live(id)).collect();
        for &id in &added {
            let s = &mut self.shards[id as usize];
            s.set_capacity(self.cfg.capacity);
            s.go_live(now);
        }
        for &id in &removed {
            self.shards[id as usize].leave(now);
        }
        let r = self.directory.reshard(&old, &self.placement);

        // The audit, key by key.
        violations(k, Inv::KeysWithoutOwner, r.orphans);
        violations(k, Inv::KeysWithTwoOwners, r.miscounted);
        let moved_in: u64 = r.gained.iter().map(|g| g.1).sum();
        let (counted, keys) = (self.directory.n_counted(), self.directory.n_keys());
        let unconserved = r.keys_before.abs_diff(r.keys_after) + moved_in.abs_diff(r.moved) + counted.abs_diff(keys);
        violations(k, Inv::KeysLostOrDuplicatedByReshard, unconserved);
        let strategy = self.placement.strategy();
        if strategy == Strategy::Ring && cause.is_membership() {
            violations(k, Inv::RingMovesBetweenSurvivors, r.between_survivors);
        }

        let (from, to) = (old.live().len(), self.placement.live().len());
        let theory = match strategy {
            _ if !cause.is_membership() => None,
            Strategy::Ring => Some(ring_moved_fraction(from, to)),
            Strategy::HashMod => Some(hash_mod_moved_fraction_between(old.live(), self.placement.live())),
            Strategy::Range => None,
        };
        let note = ReshardNote { at: now, cause, from, to, keys: r.keys_before, moved: r.moved, theory };
        self.keys_moved += r.moved;
        self.keys_moved_between_survivors += r.between_survivors;
        self.n_reshards += 1;

        let placement = match strategy {
            Strategy::Ring if cause != Cause::Vnodes => format!("ring, {}", vnodes_text(self.placement.vnodes())),
            s => s.label().to_string(),
        };
        let counts = if from == to { format!("{to} shards") } else { format!("{from} → {to} shards") };
        let theory_text = theory.map(|t| format!("; theory {:.1}%", t * 100.0)).unwrap_or_default();
        let mut text = format!(
            "{what} — {placement}, {counts}: {} of {} keys moved ({:.1}%{theory_text})",
            thousands(r.moved),
            thousands(r.keys_before),
            note.fraction() * 100.0
        );
        let mask = |ids: &[u16]| ids.iter().fold(0u128, |m, &id| m | 1u128 << id);
        let (added_mask, removed_mask) = (mask(&added), mask(&removed));
        let only_to_added = added_mask != 0 && r.gained.iter().all(|g| added_mask & (1u128 << g.0) != 0);
        let only_from_removed = removed_mask != 0 && r.lost.iter().all(|l| removed_mask & (1u128 << l.0) != 0);
        if r.moved > 0 {
            if only_to_added {
                text.push_str(&format!(", all to {}, taken from {}", names(&added), listing(&r.lost)));
            } else if only_from_removed {
                text.push_str(&format!(", all from {}, to {}", names(&removed), listing(&r.gained)));
            }
            if r.between_survivors > 0 {
                text.push_str(&format!(
                    "; {} of them ({:.1}% of all keys) moved between shards that both stayed",
                    thousands(r.between_survivors),
                    r.between_survivors as f64 / r.keys_before.max(1) as f64 * 100.0
                ));
            }
        }
        if cause == Cause::Vnodes {
            let t = self.key_share_cv_theory().map(|t| format!(", theory {t:.3}")).unwrap_or_default();
            text.push_str(&format!("; spread of keys per shard (CV) {cv_before:.3} → {:.3}{t}", self.key_share_cv()));
        }
        let fields = vec![
            ("cause", Field::from(cause.as_str())),
            ("strategy", Field::from(strategy.name())),
            ("from", Field::from(from)),
            ("to", Field::from(to)),
            ("keys", Field::from(r.keys_before)),
            ("keys_moved", Field::from(r.moved)),
            ("moved_fraction", Field::from(note.fraction())),
            ("theory", Field::from(theory.unwrap_or(f64::NAN))),
            ("moved_between_survivors", Field::from(r.between_survivors)),
            ("added", Field::from(names(&added))),
            ("removed", Field::from(names(&removed))),
        ];
        k.emit("reshard", text, fields);
        self.last_reshard = Some(note);
        self.note_lines(now);
    }
}
