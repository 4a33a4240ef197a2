//! The trace hash: a digest of every processed event, in order.
//!
//! Same (scene, parameters, seed, fault script) → same hash, natively and in wasm; that is the determinism
//! contract every test leans on. The hasher is FNV-1a and writes `usize`/`isize` as 64-bit values, so the
//! 32-bit wasm target hashes derived `Hash` impls (enum discriminants, lengths) exactly like x86-64.

use std::hash::{Hash, Hasher};

use super::rng::fnv1a;

/// FNV-1a 64 with platform-independent integer widths.
#[derive(Clone, Debug)]
pub struct TraceHasher {
    state: u64,
}

impl Default for TraceHasher {
    fn default() -> Self {
        TraceHasher { state: fnv1a(&[]) }
    }
}

impl TraceHasher {
    pub fn record<H: Hash + ?Sized>(&mut self, value: &H) {
        value.hash(self);
    }
    pub fn digest(&self) -> u64 {
        self.state
    }
}

impl Hasher for TraceHasher {
    fn finish(&self) -> u64 {
        self.state
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.state ^= *b as u64;
            self.state = self.state.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    fn write_usize(&mut self, i: usize) {
        self.write(&(i as u64).to_le_bytes());
    }
    fn write_isize(&mut self, i: isize) {
        self.write(&(i as i64).to_le_bytes());
    }
}
