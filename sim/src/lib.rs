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
    &[
        &circuit_breaker::CircuitBreakerScene,
        &cache_stampede::CacheStampedeScene,
        &saga::SagaScene,
        &sharding::ShardingScene,
        &cap::CapScene,
    ]
}

/// Looks a scene up by id; `_` and `-` are interchangeable (`circuit_breaker` = `circuit-breaker`).
pub fn scene_by_id(id: &str) -> Option<&'static dyn Scene> {
    let wanted = id.replace('_', "-");
    scenes().iter().copied().find(|s| s.id() == wanted)
}
