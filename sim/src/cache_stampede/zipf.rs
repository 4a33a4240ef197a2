//! Key popularity: a Zipf distribution over `n` hot keys, as an integer table the kernel's RNG can draw from.
//!
//! Key `i` (0 = the hottest) has weight `1 / (i + 1)^s`. Weights are scaled to integers once, so the draw
//! ([`RngStream::pick_cumulative`]) and the analytic share of each key ([`Zipf::share`]) use the *same*
//! numbers, and `libm::pow` makes the table identical natively and in wasm. The per-key request rate λᵢ that
//! the theory line uses is `request_rate × share(i)`.
//!
//! ```
//! use faultline_sim::cache_stampede::zipf::Zipf;
//! let z = Zipf::new(3, 1.0); // weights 1, 1/2, 1/3
//! assert!((z.share(0) - 6.0 / 11.0).abs() < 1e-6);
//! assert!((0..3).map(|i| z.share(i)).sum::<f64>() > 0.999_999);
//! ```

use crate::kernel::RngStream;

/// Scale of the hottest key's integer weight (2^32): fine enough for 10,000 keys at any skew we offer.
const TOP_WEIGHT: f64 = 4_294_967_296.0;

/// Cumulative integer weights of `n` keys under Zipf skew `s`.
#[derive(Clone, Debug, PartialEq)]
pub struct Zipf {
    cumulative: Vec<u64>,
}

impl Zipf {
    /// `n` ≥ 1 keys (0 is treated as 1); `s` ≥ 0 (0 = uniform). Every key keeps a weight of at least 1, so
    /// every key is requested now and then.
    pub fn new(n: usize, s: f64) -> Self {
        let n = n.max(1);
        let s = if s.is_finite() { s.max(0.0) } else { 0.0 };
        let mut cumulative = Vec::with_capacity(n);
        let mut total = 0u64;
        for i in 0..n {
            let w = (TOP_WEIGHT * libm::pow((i + 1) as f64, -s)).round().max(1.0) as u64;
            total += w;
            cumulative.push(total);
        }
        Zipf { cumulative }
    }

    pub fn n_keys(&self) -> usize {
        self.cumulative.len()
    }

    /// The fraction of requests that go to key `i` (exact for the integer table the draws use).
    pub fn share(&self, i: usize) -> f64 {
        let Some(&c) = self.cumulative.get(i) else { return 0.0 };
        let prev = if i == 0 { 0 } else { self.cumulative[i - 1] };
        (c - prev) as f64 / *self.cumulative.last().expect("n ≥ 1") as f64
    }

    /// Draws a key index.
    pub fn pick(&self, rng: &mut RngStream) -> usize {
        rng.pick_cumulative(&self.cumulative)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uniform_when_s_is_zero() {
        let z = Zipf::new(4, 0.0);
        for i in 0..4 {
            assert!((z.share(i) - 0.25).abs() < 1e-12);
        }
    }

    #[test]
    fn draws_follow_shares() {
        let z = Zipf::new(10, 1.2);
        let mut rng = RngStream::new(5, "zipf");
        let n = 200_000;
        let mut counts = [0u32; 10];
        for _ in 0..n {
            counts[z.pick(&mut rng)] += 1;
        }
        for (i, c) in counts.iter().enumerate() {
            let expected = z.share(i) * n as f64;
            // 5 standard deviations of a binomial count.
            let sd = (expected * (1.0 - z.share(i))).sqrt();
            assert!((*c as f64 - expected).abs() < 5.0 * sd, "key {i}: {c} vs {expected:.0}");
        }
    }
}
