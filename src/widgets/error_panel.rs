//! The panic panel. With `panic = "abort"` the wasm instance is dead once a panic unwinds to the hook, so
//! the panel is built with plain DOM calls inside the hook (no Leptos, no callbacks into wasm): a message
//! and a "Reset scene" link that reloads the page with only `?scene=ID` (read from the address bar, so it
//! also works for a panic before the scene page mounted).

use crate::url_state::{Route, parse_query, route};

fn current_scene() -> Option<&'static str> {
    let search = web_sys::window()?.location().search().ok()?;
    match route(&parse_query(&search)) {
        Route::Scene(id) => Some(id),
        _ => None,
    }
}

pub fn install() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        let message = info.to_string();
        show(&message, current_scene());
    }));
}

fn show(message: &str, scene: Option<&str>) {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else { return };
    let Some(body) = doc.body() else { return };
    let Ok(panel) = doc.create_element("div") else { return };
    let _ = panel.set_attribute("data-testid", "error-panel");
    let _ = panel.set_attribute("class", "error-panel");
    let _ = panel.set_attribute("role", "alert");
    if let Ok(h) = doc.create_element("h2") {
        h.set_text_content(Some("Something broke in this scene"));
        let _ = panel.append_child(&h);
    }
    if let Ok(p) = doc.create_element("p") {
        p.set_text_content(Some("The simulation stopped. Resetting reloads the scene with its defaults."));
        let _ = panel.append_child(&p);
    }
    if let Ok(pre) = doc.create_element("pre") {
        pre.set_text_content(Some(message));
        let _ = panel.append_child(&pre);
    }
    if let Ok(a) = doc.create_element("a") {
        let href = match scene {
            Some(id) => format!("?scene={id}"),
            None => "?".to_string(),
        };
        let _ = a.set_attribute("href", &href);
        let _ = a.set_attribute("class", "button primary");
        let _ = a.set_attribute("data-testid", "error-reset");
        a.set_text_content(Some("Reset scene"));
        let _ = panel.append_child(&a);
    }
    let _ = body.prepend_with_node_1(&panel);
}
