//! Measurements a model takes of itself: latency histograms, time-weighted gauges and bounded time series.
//!
//! * [`Histogram`] — log-linear buckets (64 per power of two, ≤ 1.6 % relative error) over microseconds;
//!   `quantile(0.99)` is the p99.
//! * [`Series`] — one value per fixed-width time bucket. Memory is bounded: when a run outgrows
//!   `max_points` buckets, neighbouring buckets merge and the width doubles, so a one-hour run at any rate
//!   keeps at most `max_points` numbers per series.
//! * [`Gauge`] — an integer level (busy threads, queries running) integrated over time into a
//!   [`SeriesKind::TimeMean`] series, exactly (integer µs × level sums).
//! * [`PeakGauge`] — an integer level whose per-bucket *peak* is kept: a 100 ms burst shows its height,
//!   where a mean would flatten it.
//! * [`StepSeries`] — a piecewise-constant value (a capacity, a theory line) that changes when a parameter
//!   does; drawn as steps.
//! * [`ratio_points`] — one series divided by another, bucket by bucket (hits / requests).
//!
//! ```
//! use faultline_sim::kernel::Histogram;
//! let mut h = Histogram::default();
//! for v in 1..=100u64 { h.record(v * 1000); }
//! let p50 = h.quantile(0.5) as f64;
//! assert!((p50 - 50_000.0).abs() / 50_000.0 < 0.02);
//! ```

use super::SimTime;

const SUB_BITS: u32 = 6;
const SUB: u64 = 1 << SUB_BITS;

/// Log-linear histogram of non-negative integers (microseconds).
#[derive(Clone, Debug, Default)]
pub struct Histogram {
    counts: Vec<u64>,
    total: u64,
    max: u64,
    sum: u128,
}

fn bucket_of(v: u64) -> usize {
    if v < SUB {
        return v as usize;
    }
    let exp = 63 - v.leading_zeros(); // v in [2^exp, 2^(exp+1))
    let shift = exp - SUB_BITS;
    let mantissa = (v >> shift) - SUB; // 0..SUB
    ((exp - SUB_BITS + 1) as u64 * SUB + mantissa) as usize
}

/// Lowest and highest value that fall into a bucket.
fn bucket_range(idx: usize) -> (u64, u64) {
    let idx = idx as u64;
    if idx < SUB {
        return (idx, idx);
    }
    let block = idx / SUB; // >= 1
    let mantissa = idx % SUB;
    let shift = block - 1;
    let lo = (SUB + mantissa) << shift;
    (lo, lo + (1u64 << shift) - 1)
}

impl Histogram {
    pub fn record(&mut self, v: u64) {
        let b = bucket_of(v);
        if b >= self.counts.len() {
            self.counts.resize(b + 1, 0);
        }
        self.counts[b] += 1;
        self.total += 1;
        self.max = self.max.max(v);
        self.sum += v as u128;
    }
    pub fn count(&self) -> u64 {
        self.total
    }
    pub fn max(&self) -> u64 {
        self.max
    }
    pub fn mean(&self) -> f64 {
        if self.total == 0 { 0.0 } else { self.sum as f64 / self.total as f64 }
    }
    pub fn clear(&mut self) {
        self.counts.clear();
        self.total = 0;
        self.max = 0;
        self.sum = 0;
    }
    pub fn merge(&mut self, other: &Histogram) {
        if other.counts.len() > self.counts.len() {
            self.counts.resize(other.counts.len(), 0);
        }
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += b;
        }
        self.total += other.total;
        self.max = self.max.max(other.max);
        self.sum += other.sum;
    }

    /// The value below which a fraction `q` of the samples fall (nearest-rank), as the midpoint of its
    /// bucket, never above the largest sample. 0 when empty.
    pub fn quantile(&self, q: f64) -> u64 {
        if self.total == 0 {
            return 0;
        }
        let rank = ((q.clamp(0.0, 1.0) * self.total as f64).ceil() as u64).max(1);
        if rank >= self.total {
            return self.max; // the largest sample is known exactly
        }
        let mut seen = 0;
        for (i, c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= rank {
                let (lo, hi) = bucket_range(i);
                return (lo + (hi - lo) / 2).min(self.max);
            }
        }
        self.max
    }
}

/// How a series aggregates what falls into one bucket.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SeriesKind {
    /// Events counted per bucket, read as a rate per second.
    Rate,
    /// A level integrated over time (value × µs), read as the bucket's time-weighted mean.
    TimeMean,
    /// The largest value seen in the bucket (used for per-bucket percentiles and peaks).
    Max,
}

/// A time series with fixed-width buckets and bounded memory.
#[derive(Clone, Debug)]
pub struct Series {
    pub kind: SeriesKind,
    width_us: u64,
    max_points: usize,
    values: Vec<f64>,
}

/// Default bucket width: one second of virtual time.
pub const DEFAULT_BUCKET_US: u64 = 1_000_000;
/// Default bound on the number of buckets kept per series.
pub const DEFAULT_MAX_POINTS: usize = 1024;

impl Series {
    pub fn new(kind: SeriesKind) -> Self {
        Series::with_width(kind, DEFAULT_BUCKET_US, DEFAULT_MAX_POINTS)
    }
    pub fn with_width(kind: SeriesKind, width_us: u64, max_points: usize) -> Self {
        Series { kind, width_us: width_us.max(1), max_points: max_points.max(2), values: Vec::new() }
    }
    pub fn width_us(&self) -> u64 {
        self.width_us
    }
    pub fn len(&self) -> usize {
        self.values.len()
    }
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    fn slot(&mut self, t: SimTime) -> usize {
        let mut idx = (t.0 / self.width_us) as usize;
        while idx >= self.max_points {
            self.halve();
            idx = (t.0 / self.width_us) as usize;
        }
        if idx >= self.values.len() {
            self.values.resize(idx + 1, 0.0);
        }
        idx
    }

    /// Merge neighbouring buckets pairwise and double the width.
    fn halve(&mut self) {
        let merged: Vec<f64> = self
            .values
            .chunks(2)
            .map(|pair| match self.kind {
                SeriesKind::Rate | SeriesKind::TimeMean => pair.iter().sum(),
                SeriesKind::Max => pair.iter().copied().fold(0.0, f64::max),
            })
            .collect();
        self.values = merged;
        self.width_us *= 2;
    }

    /// Rate series: count `n` events at `t`.
    pub fn add(&mut self, t: SimTime, n: f64) {
        let i = self.slot(t);
        self.values[i] += n;
    }

    /// Max series: keep the largest of the values seen in `t`'s bucket.
    pub fn max(&mut self, t: SimTime, v: f64) {
        let i = self.slot(t);
        if v > self.values[i] {
            self.values[i] = v;
        }
    }

    /// TimeMean series: the level was `level` during [from, to).
    pub fn integrate(&mut self, from: SimTime, to: SimTime, level: f64) {
        let mut start = from.0;
        while start < to.0 {
            let i = self.slot(SimTime(start));
            let bucket_end = (i as u64 + 1) * self.width_us;
            let end = bucket_end.min(to.0);
            self.values[i] += level * (end - start) as f64;
            start = end;
        }
    }

    /// `(t_s, value)` for every bucket that has started by `now`; the last, partial bucket is scaled by the
    /// part of it that has elapsed, so rates and means are not understated at the live edge.
    pub fn points(&self, now: SimTime) -> Vec<(f64, f64)> {
        let w = self.width_us as f64;
        let mut out = Vec::with_capacity(self.values.len());
        for (i, v) in self.values.iter().enumerate() {
            let start = i as u64 * self.width_us;
            if start >= now.0 && now.0 > 0 {
                break;
            }
            let elapsed = (now.0.saturating_sub(start)).min(self.width_us).max(1) as f64;
            let value = match self.kind {
                SeriesKind::Rate => v / elapsed * 1e6,
                SeriesKind::TimeMean => v / elapsed,
                SeriesKind::Max => *v,
            };
            // Plot each bucket at its midpoint (or the live edge, for a partial bucket).
            let t_mid = (start as f64 + elapsed.min(w) / 2.0) / 1e6;
            out.push((t_mid, value));
        }
        out
    }
}

/// An integer level tracked over time, e.g. busy threads of a pool.
#[derive(Clone, Debug)]
pub struct Gauge {
    level: i64,
    since: SimTime,
    pub peak: i64,
    pub series: Series,
}

impl Default for Gauge {
    fn default() -> Self {
        Gauge { level: 0, since: SimTime::ZERO, peak: 0, series: Series::new(SeriesKind::TimeMean) }
    }
}

impl Gauge {
    pub fn level(&self) -> i64 {
        self.level
    }
    pub fn set(&mut self, now: SimTime, level: i64) {
        if now > self.since {
            self.series.integrate(self.since, now, self.level as f64);
            self.since = now;
        }
        self.level = level;
        self.peak = self.peak.max(level);
    }
    pub fn add(&mut self, now: SimTime, delta: i64) {
        self.set(now, self.level + delta);
    }
    /// Points up to `now`, counting the current level up to `now` without mutating the gauge.
    pub fn points(&self, now: SimTime) -> Vec<(f64, f64)> {
        if now > self.since {
            let mut s = self.series.clone();
            s.integrate(self.since, now, self.level as f64);
            s.points(now)
        } else {
            self.series.points(now)
        }
    }
}

/// An integer level whose per-bucket peak is recorded, including the buckets it merely held through.
#[derive(Clone, Debug)]
pub struct PeakGauge {
    level: i64,
    since: SimTime,
    pub peak: i64,
    series: Series,
}

impl PeakGauge {
    pub fn new(width_us: u64) -> Self {
        PeakGauge {
            level: 0,
            since: SimTime::ZERO,
            peak: 0,
            series: Series::with_width(SeriesKind::Max, width_us, DEFAULT_MAX_POINTS),
        }
    }
    pub fn level(&self) -> i64 {
        self.level
    }
    pub fn set(&mut self, now: SimTime, level: i64) {
        if self.level > 0 {
            // The old level held in every bucket from `since` to `now`.
            let mut t = self.since;
            while t <= now {
                self.series.max(t, self.level as f64);
                let w = self.series.width_us();
                t = SimTime((t.0 / w + 1) * w);
            }
        }
        self.series.max(now, level as f64);
        self.level = level;
        self.since = now;
        self.peak = self.peak.max(level);
    }
    pub fn add(&mut self, now: SimTime, delta: i64) {
        self.set(now, self.level + delta);
    }
    pub fn points(&self, now: SimTime) -> Vec<(f64, f64)> {
        let mut me = self.clone();
        me.set(now, self.level);
        me.series.points(now)
    }
}

/// A value that holds between changes: (moment, value) at every change.
#[derive(Clone, Debug, Default)]
pub struct StepSeries {
    changes: Vec<(SimTime, f64)>,
}

impl StepSeries {
    /// Records `v` from `now` on (nothing if it equals the current value).
    pub fn set(&mut self, now: SimTime, v: f64) {
        if self.changes.last().is_none_or(|(_, last)| *last != v) {
            self.changes.push((now, v));
        }
    }
    pub fn current(&self) -> Option<f64> {
        self.changes.last().map(|c| c.1)
    }
    /// Step points up to `now`: a vertical segment at every change, and the last value held until `now`.
    pub fn points(&self, now: SimTime) -> Vec<(f64, f64)> {
        let mut pts = Vec::with_capacity(self.changes.len() * 2 + 1);
        for (i, (t, v)) in self.changes.iter().enumerate() {
            if *t > now {
                break;
            }
            if i > 0 {
                pts.push((t.as_secs_f64(), self.changes[i - 1].1));
            }
            pts.push((t.as_secs_f64(), *v));
        }
        if let Some(&(_, v)) = pts.last() {
            pts.push((now.as_secs_f64(), v));
        }
        pts
    }
}

/// `num / den` per bucket, skipping buckets where `den` is 0 (two series of the same width).
pub fn ratio_points(num: &Series, den: &Series, now: SimTime) -> Vec<(f64, f64)> {
    num.points(now)
        .into_iter()
        .zip(den.points(now))
        .filter(|(_, (_, d))| *d > 0.0)
        .map(|((t, n), (_, d))| (t, n / d))
        .collect()
}

/// Per-bucket percentile series (p50 and p99 of the samples recorded in each bucket).
#[derive(Clone, Debug)]
pub struct QuantileSeries {
    current: Histogram,
    current_bucket: u64,
    pub p50: Series,
    pub p99: Series,
}

impl Default for QuantileSeries {
    fn default() -> Self {
        QuantileSeries {
            current: Histogram::default(),
            current_bucket: 0,
            p50: Series::new(SeriesKind::Max),
            p99: Series::new(SeriesKind::Max),
        }
    }
}

impl QuantileSeries {
    pub fn record(&mut self, now: SimTime, v: u64) {
        let b = now.0 / DEFAULT_BUCKET_US;
        if b != self.current_bucket {
            self.close();
            self.current_bucket = b;
        }
        self.current.record(v);
    }
    fn close(&mut self) {
        if self.current.count() > 0 {
            let t = SimTime(self.current_bucket * DEFAULT_BUCKET_US);
            self.p50.max(t, self.current.quantile(0.5) as f64 / 1000.0);
            self.p99.max(t, self.current.quantile(0.99) as f64 / 1000.0);
            self.current.clear();
        }
    }
    /// p50 points in milliseconds, including the bucket still being filled.
    pub fn p50_points(&self, now: SimTime) -> Vec<(f64, f64)> {
        self.closed().p50.points(now)
    }
    /// p99 points in milliseconds, including the bucket still being filled.
    pub fn p99_points(&self, now: SimTime) -> Vec<(f64, f64)> {
        self.closed().p99.points(now)
    }
    fn closed(&self) -> QuantileSeries {
        let mut me = self.clone();
        me.close();
        me
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::RngStream;

    #[test]
    fn bucket_ranges_tile_the_line() {
        let mut expected_lo = 0;
        for i in 0..2000 {
            let (lo, hi) = bucket_range(i);
            assert_eq!(lo, expected_lo, "bucket {i}");
            assert!(hi >= lo);
            assert_eq!(bucket_of(lo), i);
            assert_eq!(bucket_of(hi), i);
            expected_lo = hi + 1;
        }
    }

    #[test]
    fn quantiles_match_exact_values_within_bucket_error() {
        let mut rng = RngStream::new(11, "hist");
        let mut samples: Vec<u64> = (0..50_000).map(|_| rng.lognormal_micros(20_000.0, 0.8)).collect();
        let mut h = Histogram::default();
        for &s in &samples {
            h.record(s);
        }
        samples.sort_unstable();
        for q in [0.5, 0.9, 0.99, 0.999] {
            let rank = ((q * samples.len() as f64).ceil() as usize).max(1);
            let exact = samples[rank - 1] as f64;
            let got = h.quantile(q) as f64;
            assert!((got - exact).abs() / exact <= 1.0 / 64.0, "q={q} exact={exact} got={got}");
        }
        assert_eq!(h.quantile(1.0), *samples.last().unwrap());
    }

    #[test]
    fn small_values_are_exact() {
        let mut h = Histogram::default();
        for v in [1, 2, 3, 4, 5] {
            h.record(v);
        }
        assert_eq!(h.quantile(0.5), 3);
        assert_eq!(h.quantile(0.99), 5);
    }

    #[test]
    fn series_memory_is_bounded_for_an_hour_at_high_rate() {
        let mut s = Series::new(SeriesKind::Rate);
        let mut g = Gauge::default();
        let mut t = 0;
        let mut n = 0u64;
        while t < 3_600_000_000u64 {
            s.add(SimTime(t), 1.0);
            g.add(SimTime(t), if n.is_multiple_of(2) { 1 } else { -1 });
            t += 100; // 10,000 events per second
            n += 1;
        }
        assert!(s.len() <= DEFAULT_MAX_POINTS);
        assert!(g.series.len() <= DEFAULT_MAX_POINTS);
        // The total is conserved through merging: 36 million events.
        let total: f64 = s.values.iter().sum();
        assert_eq!(total, n as f64);
        // And rates still read 10,000/s.
        let pts = s.points(SimTime(3_600_000_000));
        assert!(pts.iter().all(|(_, v)| (*v - 10_000.0).abs() < 1.0), "{:?}", &pts[..3]);
    }

    #[test]
    fn peak_gauge_keeps_the_height_of_a_short_burst() {
        let mut g = PeakGauge::new(100_000);
        g.set(SimTime::from_millis(10), 20);
        g.set(SimTime::from_millis(30), 0);
        g.set(SimTime::from_millis(250), 3);
        let pts = g.points(SimTime::from_millis(400));
        assert_eq!(pts.iter().map(|p| p.1).collect::<Vec<_>>(), vec![20.0, 0.0, 3.0, 3.0]);
        assert_eq!(g.peak, 20);
    }

    #[test]
    fn step_series_draws_steps() {
        let mut s = StepSeries::default();
        s.set(SimTime::ZERO, 5.0);
        s.set(SimTime::from_secs(1), 5.0);
        s.set(SimTime::from_secs(2), 8.0);
        assert_eq!(s.points(SimTime::from_secs(3)), vec![(0.0, 5.0), (2.0, 5.0), (2.0, 8.0), (3.0, 8.0)]);
    }

    #[test]
    fn gauge_time_mean() {
        let mut g = Gauge::default();
        g.set(SimTime::from_millis(0), 4);
        g.set(SimTime::from_millis(500), 0); // 4 for half a second, then 0
        let pts = g.points(SimTime::from_secs(1));
        assert_eq!(pts.len(), 1);
        assert!((pts[0].1 - 2.0).abs() < 1e-9, "{pts:?}");
    }
}
