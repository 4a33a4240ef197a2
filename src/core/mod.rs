//! Shared, DOM-free helpers for every view: how a [`Tone`](faultline_sim::scene::Tone) looks and how
//! numbers and times are written.

pub mod format;
pub mod palette;
