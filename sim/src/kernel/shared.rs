//! Storage that rewind snapshots share instead of copying.
//!
//! A snapshot is a clone of the whole world, taken every few thousand events; a scene with 100,000 keys or a
//! long log would copy all of it each time. [`SharedVec`] keeps its elements in chunks behind `Rc`: a clone
//! copies one pointer per chunk, and the first write to a chunk after a clone copies that chunk only
//! (`Rc::make_mut`). Appending never copies a full chunk. Single-threaded, like the simulation.
//!
//! ```
//! use faultline_sim::kernel::SharedVec;
//! let mut a: SharedVec<u32> = (0..1000).collect();
//! let snapshot = a.clone(); // pointers only
//! a[999] = 7; // copies the last chunk, not the other three
//! assert_eq!((a[999], snapshot[999]), (7, 999));
//! assert_eq!(a.iter().take(3).copied().collect::<Vec<_>>(), vec![0, 1, 2]);
//! ```

use std::ops::{Index, IndexMut};
use std::rc::Rc;

const CHUNK: usize = 256;

#[derive(Clone, Debug)]
pub struct SharedVec<T> {
    chunks: Vec<Rc<Vec<T>>>,
    len: usize,
}

impl<T> Default for SharedVec<T> {
    fn default() -> Self {
        SharedVec { chunks: Vec::new(), len: 0 }
    }
}

impl<T: Clone> SharedVec<T> {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn len(&self) -> usize {
        self.len
    }
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    pub fn get(&self, i: usize) -> Option<&T> {
        (i < self.len).then(|| &self.chunks[i / CHUNK][i % CHUNK])
    }
    /// Copies the element's chunk first if a snapshot still shares it.
    pub fn get_mut(&mut self, i: usize) -> Option<&mut T> {
        if i >= self.len {
            return None;
        }
        Some(&mut Rc::make_mut(&mut self.chunks[i / CHUNK])[i % CHUNK])
    }
    pub fn first(&self) -> Option<&T> {
        self.get(0)
    }
    pub fn last(&self) -> Option<&T> {
        self.len.checked_sub(1).and_then(|i| self.get(i))
    }
    pub fn push(&mut self, v: T) {
        match self.chunks.last_mut() {
            Some(c) if c.len() < CHUNK => Rc::make_mut(c).push(v),
            _ => {
                let mut c = Vec::with_capacity(CHUNK);
                c.push(v);
                self.chunks.push(Rc::new(c));
            }
        }
        self.len += 1;
    }
    /// Drops the oldest `n` elements, rounded down to whole chunks; returns how many were dropped.
    pub fn drop_front_chunks(&mut self, n: usize) -> usize {
        let k = (n / CHUNK).min(self.chunks.len().saturating_sub(1));
        self.chunks.drain(..k);
        self.len -= k * CHUNK;
        k * CHUNK
    }
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &T> + '_ {
        self.chunks.iter().flat_map(|c| c.iter())
    }
    /// Applies `f` to every element, copying each shared chunk once.
    pub fn for_each_mut(&mut self, mut f: impl FnMut(&mut T)) {
        for c in &mut self.chunks {
            Rc::make_mut(c).iter_mut().for_each(&mut f);
        }
    }
    pub fn resize(&mut self, len: usize, v: T) {
        while self.len < len {
            self.push(v.clone());
        }
    }
}

impl<T: Clone> FromIterator<T> for SharedVec<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        let mut v = SharedVec::new();
        for x in iter {
            v.push(x);
        }
        v
    }
}

impl<T: Clone> Index<usize> for SharedVec<T> {
    type Output = T;
    fn index(&self, i: usize) -> &T {
        self.get(i).expect("SharedVec index out of range")
    }
}

impl<T: Clone> IndexMut<usize> for SharedVec<T> {
    fn index_mut(&mut self, i: usize) -> &mut T {
        self.get_mut(i).expect("SharedVec index out of range")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_share_until_written() {
        let mut a: SharedVec<u64> = (0..600).collect();
        let b = a.clone();
        assert!(Rc::ptr_eq(&a.chunks[0], &b.chunks[0]));
        a[10] += 1;
        assert!(!Rc::ptr_eq(&a.chunks[0], &b.chunks[0]));
        assert!(Rc::ptr_eq(&a.chunks[1], &b.chunks[1]));
        assert_eq!((a[10], b[10]), (11, 10));
        a.push(600);
        assert_eq!((a.len(), b.len()), (601, 600));
        assert_eq!(a.iter().next_back(), Some(&600));
    }

    #[test]
    fn dropping_front_chunks_keeps_order() {
        let mut a: SharedVec<u32> = (0..1000).collect();
        assert_eq!(a.drop_front_chunks(600), 512);
        assert_eq!(a.len(), 488);
        assert_eq!(a[0], 512);
        assert_eq!(a.last(), Some(&999));
    }
}
