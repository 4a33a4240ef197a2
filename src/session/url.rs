//! Writing the address bar: the state a link must carry to reproduce this moment, written with
//! `replaceState` within ~300 ms of a change (a few times a second while playing).

use std::time::Duration;

use leptos::prelude::*;

use super::Session;
use crate::url_state::{self, SceneUrl};

impl Session {
    /// The state a link must carry to reproduce this moment.
    pub fn url_state(&self, embed: bool) -> SceneUrl {
        SceneUrl {
            scene_id: self.scene.id(),
            params: self.base_params.get_untracked(),
            seed: self.seed.get_untracked(),
            script: self.with_run(|r| r.script().to_vec()),
            t: self.now.get_untracked(),
            speed: self.speed.get_untracked(),
            compare: if embed { None } else { self.compare.get_untracked() },
            embed,
            embed_options: self.embed_options,
            bench_frames: false,
            present: self.present.get_untracked(),
            slow: Some(self.slow.get_untracked()),
            preset: None,
            tour_step: if embed { None } else { self.tour_step },
            challenge: self.challenge.map(|c| c.id),
        }
    }

    /// Writes the URL within ~300 ms; while playing this keeps it a few times a second behind the run.
    pub fn request_url_write(&self) {
        if self.url_timer.with_value(|t| t.is_some()) {
            return;
        }
        let me = *self;
        let handle = set_timeout_with_handle(
            move || {
                if !me.is_alive() {
                    return;
                }
                me.url_timer.set_value(None);
                me.write_url();
            },
            Duration::from_millis(300),
        );
        self.url_timer.set_value(handle.ok());
    }

    pub fn write_url(&self) {
        let q = url_state::encode(&self.url_state(self.embed));
        if let Ok(h) = window().history() {
            let _ = h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&q));
        }
    }
}
