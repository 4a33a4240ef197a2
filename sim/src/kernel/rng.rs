//! Seeded, platform-independent randomness with one independent stream per component.
//!
//! Each component (the client arrivals, the dependency's error draws, each link's latency…) asks for a
//! stream by a stable name. A stream's seed is derived from (run seed, name), so adding a draw to one
//! component, or changing one parameter, never reshuffles another component's randomness: two runs with the
//! same seed that differ in one knob stay comparable event by event. The generator is PCG (`Pcg64Mcg`),
//! whose output is specified, unlike `StdRng`.
//!
//! Probabilities are compared as integers (parts per million) and the only transcendental function, `ln`,
//! comes from `libm`, so draws are identical natively and in wasm.
//!
//! ```
//! use faultline_sim::kernel::RngStream;
//! let mut a = RngStream::new(7, "clients");
//! let mut b = RngStream::new(7, "clients");
//! assert_eq!(a.below(1000), b.below(1000));
//! ```

use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64Mcg;

/// One million: probabilities are expressed in parts per million.
pub const PPM: u32 = 1_000_000;

/// Converts a probability in [0, 1] to parts per million (clamped).
pub fn ppm(p: f64) -> u32 {
    if p.is_nan() { 0 } else { (p.clamp(0.0, 1.0) * PPM as f64).round() as u32 }
}

/// A named, independently seeded random stream.
#[derive(Clone, Debug)]
pub struct RngStream {
    rng: Pcg64Mcg,
}

/// FNV-1a over bytes: stable across platforms and Rust versions (unlike `DefaultHasher`).
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= *b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// SplitMix64 finaliser: spreads a (seed, name) combination over the whole 64-bit space.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl RngStream {
    pub fn new(seed: u64, name: &str) -> Self {
        RngStream { rng: Pcg64Mcg::seed_from_u64(mix(seed ^ mix(fnv1a(name.as_bytes())))) }
    }

    /// A stream for the `idx`-th member of a family (e.g. one per app server).
    pub fn indexed(seed: u64, name: &str, idx: u64) -> Self {
        RngStream::new(seed ^ mix(idx.wrapping_add(1)), name)
    }

    /// Uniform integer in `0..n` (`n` > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        if n <= 1 { 0 } else { self.rng.random_range(0..n) }
    }

    /// True with probability `p_ppm` / 1,000,000.
    pub fn chance_ppm(&mut self, p_ppm: u32) -> bool {
        p_ppm >= PPM || (p_ppm > 0 && (self.rng.random_range(0..PPM)) < p_ppm)
    }

    /// Uniform in the open interval (0, 1), built from 53 random bits (exactly representable).
    pub fn unit_open(&mut self) -> f64 {
        let bits: u64 = self.rng.random::<u64>() >> 11;
        (bits as f64 + 0.5) / (1u64 << 53) as f64
    }

    /// Exponentially distributed duration with the given mean, in whole microseconds.
    /// This is the gap between Poisson arrivals.
    pub fn exp_micros(&mut self, mean_us: f64) -> u64 {
        if mean_us.is_nan() || mean_us <= 0.0 {
            return 0;
        }
        let x = -libm::log(self.unit_open()) * mean_us;
        if x >= u64::MAX as f64 { u64::MAX } else { x.round() as u64 }
    }

    /// Standard normal draw (Box–Muller with libm, so identical on every platform).
    pub fn normal(&mut self) -> f64 {
        let u1 = self.unit_open();
        let u2 = self.unit_open();
        libm::sqrt(-2.0 * libm::log(u1)) * libm::cos(2.0 * core::f64::consts::PI * u2)
    }

    /// Log-normal duration with the given median and shape `sigma` (tail heaviness), in microseconds.
    pub fn lognormal_micros(&mut self, median_us: f64, sigma: f64) -> u64 {
        if median_us.is_nan() || median_us <= 0.0 {
            return 0;
        }
        let x = median_us * libm::exp(sigma * self.normal());
        if x >= 1e15 { 1_000_000_000_000_000 } else { x.round() as u64 }
    }

    /// Draws an index from a table of cumulative weights (last entry = total).
    pub fn pick_cumulative(&mut self, cumulative: &[u64]) -> usize {
        let total = *cumulative.last().unwrap_or(&0);
        if total == 0 {
            return 0;
        }
        let x = self.below(total);
        cumulative.partition_point(|&c| c <= x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_independent_and_reproducible() {
        let mut a = RngStream::new(1, "a");
        let mut a2 = RngStream::new(1, "a");
        let mut b = RngStream::new(1, "b");
        let xs: Vec<u64> = (0..8).map(|_| a.below(1 << 40)).collect();
        let xs2: Vec<u64> = (0..8).map(|_| a2.below(1 << 40)).collect();
        let ys: Vec<u64> = (0..8).map(|_| b.below(1 << 40)).collect();
        assert_eq!(xs, xs2);
        assert_ne!(xs, ys);
    }

    #[test]
    fn exponential_mean_is_close() {
        let mut r = RngStream::new(3, "exp");
        let n = 200_000;
        let sum: u64 = (0..n).map(|_| r.exp_micros(1000.0)).sum();
        let mean = sum as f64 / n as f64;
        assert!((mean - 1000.0).abs() < 10.0, "mean {mean}");
    }

    #[test]
    fn chance_matches_probability() {
        let mut r = RngStream::new(5, "p");
        let hits = (0..100_000).filter(|_| r.chance_ppm(ppm(0.3))).count();
        assert!((hits as f64 / 100_000.0 - 0.3).abs() < 0.01);
        assert!((0..1000).all(|_| r.chance_ppm(PPM)));
        assert!((0..1000).all(|_| !r.chance_ppm(0)));
    }

    #[test]
    fn pick_cumulative_respects_weights() {
        let mut r = RngStream::new(9, "w");
        let cum = [1, 1, 4]; // weights 1, 0, 3
        let mut counts = [0u32; 3];
        for _ in 0..40_000 {
            counts[r.pick_cumulative(&cum)] += 1;
        }
        assert_eq!(counts[1], 0);
        assert!((counts[2] as f64 / counts[0] as f64 - 3.0).abs() < 0.15, "{counts:?}");
    }
}
