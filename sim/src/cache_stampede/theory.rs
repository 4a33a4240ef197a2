//! Closed forms the cache-stampede scene is checked against and draws as theory lines.

use super::protocol::{CACHE_LINK_US, DB_LINK_US};

/// Expected recomputes per expiry of a key with no protection, the database under capacity: the first
/// request after the expiry misses, and so does every request reaching the cache before the new value is
/// written — `R` of database time plus the round trips server↔cache (reply, write) and server↔database.
/// With Poisson arrivals that window holds Poisson(λ·window) more misses.
pub fn expected_recomputes_per_expiry(lambda_per_s: f64, recompute_us: u64) -> f64 {
    let window_us = recompute_us + 2 * CACHE_LINK_US + 2 * DB_LINK_US;
    1.0 + lambda_per_s * window_us as f64 / 1e6
}

/// Expected database concurrency of one unprotected stampede just before its first recompute returns:
/// the queries started within R of the first, 1 + λ·R (the theory line on the chart).
pub fn expected_peak_db_concurrency(lambda_per_s: f64, recompute_us: u64) -> f64 {
    1.0 + lambda_per_s * recompute_us as f64 / 1e6
}
