//! The app's pages: home (scene cards), a scene, and the in-browser benchmark.

pub mod bench;
pub mod home;
pub mod scene_page;
