//! Closed forms the cache-stampede scene is checked against and draws as theory lines.

use super::protocol::{CACHE_LINK_US, DB_LINK_US, Strategy};

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

/// The window during which a key stays missing after its first miss: R of database time plus the round
/// trips server↔cache (reply, write) and server↔database.
fn miss_window_us(recompute_us: u64) -> u64 {
    recompute_us + 2 * CACHE_LINK_US + 2 * DB_LINK_US
}

/// Expected recomputes per expiry (or per refresh cycle) of a key of request rate λ under `strategy`, with
/// the database under capacity:
/// * none: 1 + λ·(R + round trips);
/// * single-flight: one per server that sees a miss during that window, 1 + (S − 1)(1 − e^(−λ·W/S));
/// * global lock and stale-while-revalidate: 1;
/// * XFetch: while the first (synchronous) early refresh runs, other readers draw early too; with the first
///   draw's exponential "hazard" the extra draws over the window W are Poisson with mean E·(e^(W/(δβ)) − 1),
///   so a cycle averages e^(W/(δβ)) ≈ e^(1/β) recomputes (δ = R + database round trip, W = δ + cache round
///   trip).
pub fn theory_recomputes(strategy: Strategy, lambda_per_s: f64, recompute_us: u64, servers: usize, beta: f64) -> f64 {
    let w = miss_window_us(recompute_us) as f64 / 1e6;
    match strategy {
        Strategy::None => expected_recomputes_per_expiry(lambda_per_s, recompute_us),
        Strategy::SingleFlight => {
            let s = servers.max(1) as f64;
            1.0 + (s - 1.0) * (1.0 - libm::exp(-lambda_per_s * w / s))
        }
        Strategy::GlobalLock | Strategy::Swr => 1.0,
        Strategy::XFetch => {
            let delta = (recompute_us + 2 * DB_LINK_US) as f64 / 1e6;
            libm::exp(w / (delta * beta.max(1e-3)))
        }
    }
}

/// The theory line on the database chart: how many queries of the hottest key run at once at an expiry.
/// With no protection that is 1 + λ·R (the queries started within R of the first); otherwise the
/// strategy's recomputes per expiry, which all overlap.
pub fn theory_peak(strategy: Strategy, lambda_per_s: f64, recompute_us: u64, servers: usize, beta: f64) -> f64 {
    match strategy {
        Strategy::None => expected_peak_db_concurrency(lambda_per_s, recompute_us),
        _ => theory_recomputes(strategy, lambda_per_s, recompute_us, servers, beta),
    }
}
