//! Shared, DOM-free helpers for every view: how a [`Tone`](faultline_sim::scene::Tone) looks and how
//! numbers and times are written.

pub mod format;
pub mod palette;

/// `(sin a, cos a)`. In the browser, the engine's `Math.sin`/`Math.cos`: Rust's own for wasm are a software
/// libm whose argument reduction alone is 4 KB of code in every bundle; natively (tests), the standard ones.
pub fn sin_cos(a: f64) -> (f64, f64) {
    #[cfg(target_arch = "wasm32")]
    return (js_sys::Math::sin(a), js_sys::Math::cos(a));
    #[cfg(not(target_arch = "wasm32"))]
    return a.sin_cos();
}
