//! One stable sort for every caller. A `sort_by` is compiled once per element type and comparison, about
//! 4 KB of wasm each; these helpers sort indices through one comparison behind a reference, so a bundle holds
//! a single instance however many lists it sorts (the app's widgets use it too).

use std::cmp::Ordering;

/// The order of `n` items sorted stably by `cmp` (which compares two items by their indices): `order[k]` is
/// the index of the item that comes `k`-th.
#[inline(never)]
pub fn stable_order(n: usize, cmp: &dyn Fn(usize, usize) -> Ordering) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| cmp(a, b));
    order
}

/// Sorts `v` stably by `cmp`: the same result as `v.sort_by(cmp)`, through [`stable_order`].
pub fn sort_stable_by<T>(v: &mut [T], cmp: impl Fn(&T, &T) -> Ordering) {
    let order = stable_order(v.len(), &|a, b| cmp(&v[a], &v[b]));
    // In place: position `i` takes the item `order[i]` named; an item already moved away from a position
    // before `i` is found by following `order` from there.
    for i in 0..v.len() {
        let mut j = order[i];
        while j < i {
            j = order[j];
        }
        v.swap(i, j);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_standard_stable_sort() {
        let mut rng = crate::kernel::RngStream::new(7, "sort");
        for len in 0..40 {
            for _ in 0..20 {
                let v: Vec<(u32, usize)> = (0..len).map(|i| (rng.below(5) as u32, i)).collect();
                let (mut a, mut b) = (v.clone(), v);
                a.sort_by_key(|x| x.0);
                sort_stable_by(&mut b, |x, y| x.0.cmp(&y.0));
                assert_eq!(a, b);
            }
        }
    }
}
