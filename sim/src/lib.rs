//! Faultline's simulation core: a deterministic, seeded, virtual-time kernel and the scenes built on it.
//!
//! Data flows one way: parameters → a run of a scene (pure, seeded, virtual time) → snapshots, metrics and
//! the event log → views. Nothing here touches a clock, the DOM or the network; the same run gives the same
//! trace hash natively and in wasm.
//!
//! * [`kernel`] — time, event queue, network, randomness, metrics, log, trace hash, fault scripts, typed
//!   parameters, invariants, the `World` runner. Never imports `scene`.
//! * [`scene`] — the `Scene`/`Run` abstraction, the `Present` trait and the closed set of view panels.
//! * [`timeline`] — rewind by snapshots plus replay.
//! * one module per concept: [`circuit_breaker`], [`cache_stampede`], [`saga`], [`sharding`], [`cap`].
//! * [`checker`] — a linearizability checker for a register, run incrementally (the History panel's verdict).
//! * [`report`] — the headless runner's JSON report (serde types, shared with the browser's export).
//! * [`testing`] — helpers every scene's tests share, and random parameters and fault scripts.
//!
//! ```
//! let ids: Vec<_> = faultline_sim::scenes().iter().map(|s| s.id()).collect();
//! assert!(ids.contains(&"circuit-breaker"));
//! ```

// A one-scene bundle compiles the other scenes' modules without calling into them (LTO drops them).
#![cfg_attr(not(feature = "all-scenes"), allow(dead_code, unused_imports))]

pub mod cache_stampede;
pub mod cap;
pub mod checker;
pub mod circuit_breaker;
pub mod kernel;
pub mod reference;
pub mod report;
pub mod saga;
pub mod scene;
pub mod sharding;
pub mod testing;
pub mod timeline;

use scene::Scene;

/// Every scene, in the order the home page shows them. Adding a concept = one line here.
pub fn scenes() -> &'static [&'static dyn Scene] {
    // A scene is listed when this build runs it, or lists every scene (the home page's bundle).
    &[
        #[cfg(any(feature = "scene-circuit-breaker", feature = "catalog"))]
        &circuit_breaker::CircuitBreakerScene,
        #[cfg(any(feature = "scene-cache-stampede", feature = "catalog"))]
        &cache_stampede::CacheStampedeScene,
        #[cfg(any(feature = "scene-saga", feature = "catalog"))]
        &saga::SagaScene,
        #[cfg(any(feature = "scene-sharding", feature = "catalog"))]
        &sharding::ShardingScene,
        #[cfg(any(feature = "scene-cap", feature = "catalog"))]
        &cap::CapScene,
    ]
}

/// Every scene's id, whatever this build compiles in (the browser's loader picks a bundle by it).
pub const SCENE_IDS: [&str; 5] = ["circuit-breaker", "cache-stampede", "saga", "sharding", "cap"];

/// Whether this build can run scene `id` (its model is compiled in), as opposed to only listing it. Every
/// build with default features runs every scene; a browser bundle runs one (or none: the home page).
pub fn runs_scene(id: &str) -> bool {
    let compiled = [
        ("circuit-breaker", cfg!(feature = "scene-circuit-breaker")),
        ("cache-stampede", cfg!(feature = "scene-cache-stampede")),
        ("saga", cfg!(feature = "scene-saga")),
        ("sharding", cfg!(feature = "scene-sharding")),
        ("cap", cfg!(feature = "scene-cap")),
    ];
    let id = id.replace('_', "-");
    compiled.iter().any(|(scene, on)| *on && *scene == id)
}

/// Looks a scene up by id; `_` and `-` are interchangeable (`circuit_breaker` = `circuit-breaker`).
pub fn scene_by_id(id: &str) -> Option<&'static dyn Scene> {
    let wanted = id.replace('_', "-");
    scenes().iter().copied().find(|s| s.id() == wanted)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_id_list_names_every_registered_scene_and_each_runs() {
        let ids: Vec<_> = super::scenes().iter().map(|s| s.id()).collect();
        assert_eq!(ids, super::SCENE_IDS, "SCENE_IDS follows the registry, in order");
        assert!(ids.iter().all(|id| super::runs_scene(id)));
        assert!(!super::runs_scene("nope"));
    }
}
