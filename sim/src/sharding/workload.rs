//! The clients' workload: which key each request asks for.
//!
//! Reads follow popularity: rank r (0 = the hottest) is drawn from a Zipf distribution with skew s over the
//! K keys of the `keys` parameter (s = 0: uniform), and ranks map to key ids through a seeded permutation,
//! so the hot keys are scattered over the keyspace — a range is not hot by construction. The key of rank 0
//! is the **celebrity**: on top of its Zipf share it receives a chosen share of *all* requests (reads and
//! writes), and it is the key that salting splits. Writes follow the write pattern: a uniformly random
//! existing key, or the next sequential ID (K, K+1, …), which creates a key at the open end.
//!
//! The popularity table and the permutation can hold 100,000 entries; they are shared by rewind snapshots
//! (`Rc`) and rebuilt only when `keys` or `zipf_s` change.
//!
//! ```
//! use faultline_sim::sharding::workload::Popularity;
//! let p = Popularity::new(7, 10_000, 1.0);
//! assert_eq!(p.rank_key(0), p.celebrity());
//! assert!(p.rank_share(0) > 0.09 && p.rank_share(0) < 0.11); // 1 / H(10,000)
//! ```

use std::rc::Rc;

use crate::cache_stampede::zipf::Zipf;
use crate::kernel::RngStream;

/// Key popularity: Zipf ranks and the seeded map from rank to key id.
#[derive(Clone, Debug)]
pub struct Popularity {
    zipf: Rc<Zipf>,
    /// `order[r]` is the id of the key of rank r.
    order: Rc<Vec<u32>>,
    seed: u64,
    skew: f64,
}

/// The seeded rank → key map (Fisher–Yates from the stream `keys.popularity_order`): it depends only on the
/// seed and K, so changing the skew keeps which key is hot.
fn rank_order(seed: u64, n: u64) -> Vec<u32> {
    let mut order: Vec<u32> = (0..n as u32).collect();
    let mut rng = RngStream::new(seed, "keys.popularity_order");
    for i in (1..order.len()).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        order.swap(i, j);
    }
    order
}

impl Popularity {
    pub fn new(seed: u64, n_keys: u64, skew: f64) -> Self {
        let n = n_keys.max(1);
        Popularity { zipf: Rc::new(Zipf::new(n as usize, skew)), order: Rc::new(rank_order(seed, n)), seed, skew }
    }

    /// The same popularity over `n_keys` keys and skew `skew` (tables rebuilt only where they changed).
    pub fn reconfigured(&self, n_keys: u64, skew: f64) -> Self {
        let n = n_keys.max(1);
        let order = if self.order.len() as u64 == n { self.order.clone() } else { Rc::new(rank_order(self.seed, n)) };
        let zipf = if order.len() == self.zipf.n_keys() && skew == self.skew {
            self.zipf.clone()
        } else {
            Rc::new(Zipf::new(n as usize, skew))
        };
        Popularity { zipf, order, seed: self.seed, skew }
    }

    pub fn n_keys(&self) -> u64 {
        self.order.len() as u64
    }
    /// The id of the key of popularity rank `r`.
    pub fn rank_key(&self, r: usize) -> u64 {
        self.order.get(r).copied().unwrap_or(0) as u64
    }
    /// The hottest key (rank 0): the celebrity.
    pub fn celebrity(&self) -> u64 {
        self.rank_key(0)
    }
    /// The share of reads that go to rank `r`.
    pub fn rank_share(&self, r: usize) -> f64 {
        self.zipf.share(r)
    }
    /// Draws the key of one read.
    pub fn pick_read(&self, rng: &mut RngStream) -> u64 {
        self.rank_key(self.zipf.pick(rng))
    }
}

/// The celebrity key's expected share of client requests: its own `celebrity_share`, plus, of the rest, its
/// Zipf share of reads and (random writes) its uniform share of writes.
pub fn celebrity_traffic_share(
    celebrity_share: f64,
    write_share: f64,
    zipf_share: f64,
    random_writes: bool,
    n_keys: u64,
) -> f64 {
    let writes = if random_writes { write_share / n_keys.max(1) as f64 } else { 0.0 };
    celebrity_share + (1.0 - celebrity_share) * ((1.0 - write_share) * zipf_share + writes)
}
