//! The simulation is bit-identical in wasm: the reference run and every scene's digest, computed here in
//! headless Chromium, equal the values pinned by the native test suite.

use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn reference_trace_hash_matches_native() {
    let h = faultline_sim::reference::reference_run().trace_hash();
    assert_eq!(h, faultline_sim::reference::REFERENCE_TRACE_HASH, "wasm hash {h:#018x}");
}

#[wasm_bindgen_test]
fn every_scene_digest_matches_native() {
    let pinned = include_str!("../sim/tests/golden/trace_hashes.txt");
    assert_eq!(faultline_sim::reference::scene_digests(), pinned);
}
