//! A fixed reference run whose trace hash is pinned, natively and in wasm.
//!
//! The native test suite and the wasm-bindgen test in the browser both compute this run and compare its
//! hash with [`REFERENCE_TRACE_HASH`]: equal hashes prove the simulation is bit-identical on both targets.
//! A deliberate model change changes the hash; update the constant in the same commit and say why.

use crate::kernel::SimTime;
use crate::scene::Run;

/// Circuit breaker, preset "dependency-down", seed 42, 30 s of virtual time.
pub fn reference_run() -> Box<dyn Run> {
    let scene = crate::scene_by_id("circuit-breaker").expect("registered");
    let (params, script) = scene.preset_inputs("dependency-down").expect("preset is valid");
    let mut run = scene.build(params, 42, script);
    run.advance_to(SimTime::from_secs(30));
    run
}

pub const REFERENCE_TRACE_HASH: u64 = 0x1a29_9cfb_1ca7_07c6;

/// One line per registered scene: `id hash`, for its default preset, seed 42, 20 s of virtual time.
/// The same text is pinned in `sim/tests/golden/trace_hashes.txt` and checked natively and in wasm.
pub fn scene_digests() -> String {
    let mut out = String::new();
    for scene in crate::scenes() {
        let (params, script) = scene.default_inputs();
        let mut run = scene.build(params, 42, script);
        run.advance_to(SimTime::from_secs(20));
        out.push_str(&format!("{} {:016x}\n", scene.id(), run.trace_hash()));
    }
    out
}
