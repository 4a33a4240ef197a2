//! A map from operation ids to what is kept about them, as a vector sorted by id.
//!
//! The scene keeps a handful of such tables (operations in progress per client, per coordinator); each
//! holds at most a few dozen entries, and ids arrive in increasing order, so a sorted vector is as fast as
//! a tree and much smaller in the page's wasm (a `BTreeMap` instantiates its balancing code per value type).
//!
//! ```
//! use faultline_sim::cap::idmap::IdMap;
//! let mut m = IdMap::default();
//! m.insert(7, "b");
//! m.insert(3, "a");
//! assert_eq!(m.values().copied().collect::<Vec<_>>(), vec!["a", "b"]);
//! assert_eq!(m.remove(3), Some("a"));
//! assert_eq!((m.get(7), m.len()), (Some(&"b"), 1));
//! ```

#[derive(Clone, Debug)]
pub struct IdMap<V> {
    entries: Vec<(u64, V)>,
}

impl<V> Default for IdMap<V> {
    fn default() -> Self {
        IdMap { entries: Vec::new() }
    }
}

impl<V> IdMap<V> {
    fn find(&self, id: u64) -> Result<usize, usize> {
        self.entries.binary_search_by_key(&id, |e| e.0)
    }
    pub fn insert(&mut self, id: u64, value: V) {
        match self.find(id) {
            Ok(i) => self.entries[i].1 = value,
            Err(i) => self.entries.insert(i, (id, value)),
        }
    }
    pub fn get(&self, id: u64) -> Option<&V> {
        self.find(id).ok().map(|i| &self.entries[i].1)
    }
    pub fn get_mut(&mut self, id: u64) -> Option<&mut V> {
        self.find(id).ok().map(|i| &mut self.entries[i].1)
    }
    pub fn remove(&mut self, id: u64) -> Option<V> {
        self.find(id).ok().map(|i| self.entries.remove(i).1)
    }
    pub fn len(&self) -> usize {
        self.entries.len()
    }
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
    pub fn clear(&mut self) {
        self.entries.clear();
    }
    /// Values in id order.
    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.entries.iter().map(|e| &e.1)
    }
    /// (id, value) in id order.
    pub fn iter(&self) -> impl Iterator<Item = (u64, &V)> {
        self.entries.iter().map(|e| (e.0, &e.1))
    }
}
