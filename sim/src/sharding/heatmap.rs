//! Load per key range × time, for the heatmap panel: bounded, load-aware, and scaled to a shard's capacity.
//!
//! Requests are counted per half-second column (the last 120 kept: a one-minute rolling window) into fine
//! bins of key ids. Bins have a width in keys that doubles whenever the keyspace outgrows 512 bins
//! (sequential IDs keep creating keys), so memory stays bounded; a column keeps the width it was filled
//! with, and the view re-bins every column into at most 56 key-range rows.
//!
//! **Load-aware rows.** Spread over 56 rows, a celebrity key at 100,000 keys would share its row with
//! 1,785 others and its brightness would be theirs. So the hottest keys by popularity (the celebrity, and
//! with a Zipf skew the next three) are counted apart and get rows of their own, above the range rows.
//!
//! **Scale.** A cell is the load its row received in that column, in requests per second, divided by one
//! shard's capacity: 1.0 means "this key range alone would fill a shard". Brightness is fixed to that, not
//! to the view's maximum, so a bright cell means "over a shard's capacity" whatever else is on screen.
//!
//! ```
//! use faultline_sim::sharding::heatmap::LoadHeatmap;
//! use faultline_sim::kernel::SimTime;
//! let mut h = LoadHeatmap::new(1_000);
//! h.set_hot(&[7], 1);
//! for i in 0..200u64 {
//!     h.add(SimTime::from_millis(i), 7); // the hot key, 200 requests in 0.2 s…
//!     h.add(SimTime::from_millis(i), 100 + 4 * i); // …and 200 spread over other keys
//! }
//! let v = h.view(SimTime::from_millis(400), 1_000, 500.0, &["key 7".to_string()]);
//! assert_eq!(v.rows[0], "key 7");
//! // 200 requests in 0.4 s = 500 req/s: exactly one shard's capacity.
//! assert!((v.cells[v.n_cols - 1] - 1.0).abs() < 1e-6);
//! ```

use std::collections::VecDeque;
use std::rc::Rc;

use crate::kernel::SimTime;
use crate::scene::HeatmapView;

/// Width of a column.
pub const COLUMN_US: u64 = 500_000;
/// Columns kept: a rolling window of one minute.
pub const MAX_COLUMNS: usize = 120;
/// Keys counted apart, each with a row of its own.
pub const HOT_ROWS: usize = 4;
/// Key-range rows at most.
pub const MAX_RANGE_ROWS: usize = 56;
const MAX_BINS: usize = 512;

#[derive(Clone, Debug)]
struct Column {
    index: u64,
    bin_keys: u64,
    bins: Vec<u32>,
    hot: [u32; HOT_ROWS],
    hot_ids: [u64; HOT_ROWS],
    n_hot: usize,
}

impl Column {
    fn add_to_bins(&mut self, id: u64, n: u32) {
        let mut bin = (id / self.bin_keys) as usize;
        while bin >= MAX_BINS {
            self.widen();
            bin = (id / self.bin_keys) as usize;
        }
        if bin >= self.bins.len() {
            self.bins.resize(bin + 1, 0);
        }
        self.bins[bin] += n;
    }

    /// Doubles the bin width, merging neighbours.
    fn widen(&mut self) {
        self.bins = self.bins.chunks(2).map(|c| c.iter().sum()).collect();
        self.bin_keys *= 2;
    }
}

/// The heatmap's counts.
#[derive(Clone, Debug)]
pub struct LoadHeatmap {
    /// Columns, oldest first; closed ones are shared by rewind snapshots.
    cols: VecDeque<Rc<Column>>,
    bin_keys: u64,
    hot_ids: [u64; HOT_ROWS],
    n_hot: usize,
}

impl LoadHeatmap {
    /// A heatmap for a keyspace of about `n_keys` keys.
    pub fn new(n_keys: u64) -> Self {
        LoadHeatmap {
            cols: VecDeque::new(),
            bin_keys: (n_keys / 256).max(1).next_power_of_two(),
            hot_ids: [u64::MAX; HOT_ROWS],
            n_hot: 0,
        }
    }

    /// The keys counted apart from now on (at most [`HOT_ROWS`]; the first `n_shown` of `ids`).
    pub fn set_hot(&mut self, ids: &[u64], n_shown: usize) {
        let mut hot_ids = [u64::MAX; HOT_ROWS];
        let n = n_shown.min(HOT_ROWS).min(ids.len());
        hot_ids[..n].copy_from_slice(&ids[..n]);
        if hot_ids == self.hot_ids && n == self.n_hot {
            return;
        }
        // What the current column counted apart goes back to its key's range, then the new keys count apart.
        if let Some(c) = self.cols.back_mut() {
            let c = Rc::make_mut(c);
            for s in 0..c.n_hot {
                let (id, n) = (c.hot_ids[s], std::mem::take(&mut c.hot[s]));
                if n > 0 {
                    c.add_to_bins(id, n);
                }
            }
            c.hot_ids = hot_ids;
            c.n_hot = n;
        }
        self.hot_ids = hot_ids;
        self.n_hot = n;
    }

    fn column(&mut self, now: SimTime) -> &mut Column {
        let index = now.0 / COLUMN_US;
        if self.cols.back().is_none_or(|c| c.index < index) {
            self.cols.push_back(Rc::new(Column {
                index,
                bin_keys: self.bin_keys,
                bins: Vec::new(),
                hot: [0; HOT_ROWS],
                hot_ids: self.hot_ids,
                n_hot: self.n_hot,
            }));
            while self.cols.front().is_some_and(|c| c.index + MAX_COLUMNS as u64 <= index) {
                self.cols.pop_front();
            }
        }
        Rc::make_mut(self.cols.back_mut().expect("pushed above"))
    }

    /// One request for key `id` at `now`.
    pub fn add(&mut self, now: SimTime, id: u64) {
        let c = self.column(now);
        if let Some(s) = c.hot_ids[..c.n_hot].iter().position(|&h| h == id) {
            c.hot[s] += 1;
            return;
        }
        c.add_to_bins(id, 1);
        let width = c.bin_keys;
        self.bin_keys = self.bin_keys.max(width);
    }

    /// The panel: the hot keys' rows (labelled `hot_labels`) on top, then key ranges from the highest ids
    /// down over a keyspace of `n_keys` keys; cells are load ÷ `capacity_per_s`.
    pub fn view(&self, now: SimTime, n_keys: u64, capacity_per_s: f64, hot_labels: &[String]) -> HeatmapView {
        // The last column that has begun (a column starting exactly now has no time in it yet).
        let last = now.0.saturating_sub(1) / COLUMN_US;
        let first =
            self.cols.front().map_or(last, |c| c.index.min(last)).max((last + 1).saturating_sub(MAX_COLUMNS as u64));
        let n_cols = (last - first + 1) as usize;
        let n_hot = self.n_hot.min(hot_labels.len());
        // Rows as wide as the widest bin, so every bin falls in exactly one row.
        let widest = self.cols.iter().map(|c| c.bin_keys).max().unwrap_or(1).max(self.bin_keys);
        let span = n_keys.max(1);
        let per_row = span.div_ceil(MAX_RANGE_ROWS as u64).div_ceil(widest) * widest;
        let n_range = span.div_ceil(per_row) as usize;
        let n_rows = n_hot + n_range;
        let mut cells = vec![0.0f32; n_rows * n_cols];
        let cap = capacity_per_s.max(1e-9);
        let range_row = |id: u64| n_hot + n_range - 1 - ((id / per_row) as usize).min(n_range - 1);
        for c in self.cols.iter().filter(|c| c.index >= first && c.index <= last) {
            let col = (c.index - first) as usize;
            let start = c.index * COLUMN_US;
            let secs = (now.0.saturating_sub(start)).clamp(1, COLUMN_US) as f64 / 1e6;
            let scale = 1.0 / (secs * cap);
            for s in 0..c.n_hot {
                if c.hot[s] == 0 {
                    continue;
                }
                let row = if s < n_hot && c.hot_ids[s] == self.hot_ids[s] { s } else { range_row(c.hot_ids[s]) };
                cells[row * n_cols + col] += (c.hot[s] as f64 * scale) as f32;
            }
            for (b, &n) in c.bins.iter().enumerate() {
                if n > 0 {
                    let row = range_row(b as u64 * c.bin_keys);
                    cells[row * n_cols + col] += (n as f64 * scale) as f32;
                }
            }
        }
        let mut rows: Vec<String> = hot_labels[..n_hot].to_vec();
        for r in (0..n_range as u64).rev() {
            let (lo, hi) = (r * per_row, ((r + 1) * per_row).min(span) - 1);
            rows.push(format!("keys {}–{}", thousands(lo), thousands(hi)));
        }
        HeatmapView {
            title: "Load per key range (1.0 = one shard's capacity)".into(),
            rows,
            t0: SimTime(first * COLUMN_US),
            dt_us: COLUMN_US,
            n_cols,
            cells,
        }
    }
}

/// 12345 → "12,345".
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_groups_digits() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn memory_stays_bounded_as_the_keyspace_grows_and_time_passes() {
        let mut h = LoadHeatmap::new(10_000);
        for i in 0..2_000_000u64 {
            h.add(SimTime(i * 100), 10_000 + i); // sequential IDs, 10,000 per second
        }
        assert!(h.cols.len() <= MAX_COLUMNS);
        assert!(h.cols.iter().all(|c| c.bins.len() <= MAX_BINS));
        let v = h.view(SimTime(199_999_999), 2_010_000, 1_000.0, &[]);
        assert!(v.rows.len() <= MAX_RANGE_ROWS && v.n_cols <= MAX_COLUMNS);
        assert_eq!(v.cells.len(), v.rows.len() * v.n_cols);
        // The newest keys are in the top row, and the load there is the whole 10,000 req/s.
        let top_last = v.cells[v.n_cols - 1];
        assert!(top_last > 5.0, "{top_last}");
    }

    #[test]
    fn the_hot_key_row_keeps_its_load_apart() {
        let mut h = LoadHeatmap::new(100_000);
        h.set_hot(&[42_000, 3], 2);
        for i in 0..1_000u64 {
            h.add(SimTime(i * 400), 42_000);
            h.add(SimTime(i * 400), (i * 97) % 100_000);
        }
        let v = h.view(SimTime(400_000), 100_000, 1_000.0, &["celebrity".into(), "second".into()]);
        assert_eq!(&v.rows[..2], &["celebrity".to_string(), "second".to_string()]);
        assert!((v.cells[0] - 2.5).abs() < 1e-3, "1,000 requests in 0.4 s on capacity 1,000: {}", v.cells[0]);
        let range_max = v.cells[2 * v.n_cols..].iter().copied().fold(0.0f32, f32::max);
        assert!(range_max < 0.2, "no range row is as bright as the hot key: {range_max}");
    }
}
