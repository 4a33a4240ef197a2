//! Closed forms the sharding scene is checked against and draws beside its measurements.
//!
//! * **Moved keys.** Under `hash mod N`, going from N to M shards keeps a key only when its hash leaves the
//!   same remainder's shard: of the lcm(N, M) residues of a uniform hash, min(N, M) keep their shard, so
//!   1 − min(N, M)/lcm(N, M) of the keys move (N/(N+1) when one shard is added). On a consistent-hash ring
//!   only the arcs the new shard's points take over move: |M − N|/max(N, M) of the keys (1/(N+1)).
//! * **Spread of keys.** With V random points per shard, a shard's share of the ring is Beta(V, (N−1)·V), so
//!   the shares' squared coefficient of variation averages (N − 1)/(N·V + 1); hashing K keys onto those
//!   shares adds the multinomial (N − 1)/K. Under `hash mod N` only the multinomial part is left.
//! * **Queueing.** A shard is an M/M/1 FIFO server: below capacity μ, at load λ, a request's time at the shard
//!   is exponential with rate μ − λ, so its q-quantile is −ln(1 − q)/(μ − λ).
//!
//! ```
//! use faultline_sim::sharding::theory::*;
//! assert!((hash_mod_moved_fraction(4, 5) - 0.8).abs() < 1e-12);
//! assert!((ring_moved_fraction(4, 5) - 0.2).abs() < 1e-12);
//! assert!((hash_mod_moved_fraction_between(&[1, 2, 3, 4], &[1, 2, 3, 4, 5]) - 0.8).abs() < 1e-12);
//! ```

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 { a } else { gcd(b, a % b) }
}

/// The issue's closed form for `hash mod N → M`: 1 − min(N, M)/lcm(N, M).
pub fn hash_mod_moved_fraction(n: usize, m: usize) -> f64 {
    let (n, m) = (n.max(1) as u64, m.max(1) as u64);
    let lcm = n / gcd(n, m) * m;
    1.0 - n.min(m) as f64 / lcm as f64
}

/// The expected moved fraction of `hash mod N` between two concrete shard lists (index `h mod N` picks the
/// shard at that position of the list): the share of residues modulo lcm(N, M) whose shard changes. It is
/// exactly [`hash_mod_moved_fraction`] when shards join or leave at the end of the list (the highest ids),
/// and whenever N and M are coprime (one shard added or removed, wherever it is); otherwise which shards
/// stay matters (4 → 2 moves half the keys if shards 1 and 2 stay, three quarters if 2 and 4 do).
pub fn hash_mod_moved_fraction_between(old: &[u16], new: &[u16]) -> f64 {
    let (n, m) = (old.len().max(1), new.len().max(1));
    if old.is_empty() || new.is_empty() {
        return 1.0;
    }
    let lcm = n / gcd(n as u64, m as u64) as usize * m;
    let stay = (0..lcm).filter(|x| old[x % n] == new[x % m]).count();
    1.0 - stay as f64 / lcm as f64
}

/// The issue's closed form for a consistent-hash ring going from N to M shards: |M − N|/max(N, M).
pub fn ring_moved_fraction(n: usize, m: usize) -> f64 {
    let (n, m) = (n.max(1) as f64, m.max(1) as f64);
    (m - n).abs() / n.max(m)
}

/// Expected coefficient of variation of keys per shard on a ring: √((N − 1)/(N·V + 1) + (N − 1)/K).
pub fn ring_key_share_cv(n: usize, v: u32, k: u64) -> f64 {
    let (n, v, k) = (n.max(1) as f64, v.max(1) as f64, k.max(1) as f64);
    libm::sqrt((n - 1.0) / (n * v + 1.0) + (n - 1.0) / k)
}

/// Expected coefficient of variation of keys per shard under `hash mod N`: √((N − 1)/K).
pub fn hash_key_share_cv(n: usize, k: u64) -> f64 {
    let (n, k) = (n.max(1) as f64, k.max(1) as f64);
    libm::sqrt((n - 1.0) / k)
}

/// The q-quantile of a request's time at an M/M/1 shard (waiting + service), in milliseconds; `None` at or
/// past capacity, where the queue grows without bound.
pub fn mm1_sojourn_quantile_ms(rate_per_s: f64, capacity_per_s: f64, q: f64) -> Option<f64> {
    let spare = capacity_per_s - rate_per_s;
    (spare > 0.0 && q > 0.0 && q < 1.0).then(|| -libm::log(1.0 - q) / spare * 1e3)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn residue_count_equals_the_closed_form_when_shards_change_at_the_end() {
        for n in 1..=12u16 {
            for m in 1..=12u16 {
                let old: Vec<u16> = (1..=n).collect();
                let new: Vec<u16> = (1..=m).collect();
                let exact = hash_mod_moved_fraction_between(&old, &new);
                let closed = hash_mod_moved_fraction(n as usize, m as usize);
                assert!((exact - closed).abs() < 1e-12, "{n} → {m}: {exact} vs {closed}");
            }
        }
    }

    #[test]
    fn which_shards_leave_matters_only_when_n_and_m_share_a_factor() {
        // 4 → 3: coprime, every pair of positions meets once modulo 12, so any removal moves 3/4.
        let last = hash_mod_moved_fraction_between(&[1, 2, 3, 4], &[1, 2, 3]);
        let middle = hash_mod_moved_fraction_between(&[1, 2, 3, 4], &[1, 3, 4]);
        assert!((last - 0.75).abs() < 1e-12 && (middle - 0.75).abs() < 1e-12, "{last} {middle}");
        // 4 → 2: keeping shards 1, 2 moves half the keys; keeping 2, 4 moves three quarters.
        assert!((hash_mod_moved_fraction_between(&[1, 2, 3, 4], &[1, 2]) - 0.5).abs() < 1e-12);
        assert!((hash_mod_moved_fraction_between(&[1, 2, 3, 4], &[2, 4]) - 0.75).abs() < 1e-12);
    }

    #[test]
    fn more_virtual_nodes_less_spread() {
        assert!(ring_key_share_cv(8, 1, 10_000) > 0.85);
        assert!(ring_key_share_cv(8, 200, 10_000) < 0.08);
        assert!((hash_key_share_cv(5, 10_000) - 0.02).abs() < 1e-12);
    }

    #[test]
    fn mm1_p99_is_ln_100_over_spare_capacity() {
        let p99 = mm1_sojourn_quantile_ms(300.0, 400.0, 0.99).unwrap();
        assert!((p99 - 46.0517).abs() < 1e-3, "{p99}");
        assert!(mm1_sojourn_quantile_ms(400.0, 400.0, 0.99).is_none());
    }
}
