//! The closed form behind the stale-read chart: how often a read quorum misses the last write.
//!
//! A write is acknowledged once W of the N replicas hold it; until the others get it, a read that asks R
//! replicas chosen at random misses all W of them with probability C(N−W, R) / C(N, R) — the number of
//! R-subsets drawn from the N−W replicas without the write, over all R-subsets. It is 0 exactly when
//! R + W > N: every read quorum then overlaps every write quorum.
//!
//! ```
//! use faultline_sim::cap::stale_read_probability;
//! assert!((stale_read_probability(3, 1, 1) - 2.0 / 3.0).abs() < 1e-12);
//! assert!((stale_read_probability(5, 2, 2) - 0.3).abs() < 1e-12);
//! assert_eq!(stale_read_probability(3, 2, 2), 0.0);
//! ```

/// C(n, k) as a float (n ≤ 5 here; exact).
fn choose(n: usize, k: usize) -> f64 {
    if k > n {
        return 0.0;
    }
    (0..k).fold(1.0, |acc, i| acc * (n - i) as f64 / (i + 1) as f64)
}

/// Probability that R random replicas of N include none of the W that hold the last write.
pub fn stale_read_probability(n: usize, r: usize, w: usize) -> f64 {
    let (r, w) = (r.min(n), w.min(n));
    if r == 0 || choose(n, r) == 0.0 {
        return 0.0;
    }
    choose(n - w, r) / choose(n, r)
}
