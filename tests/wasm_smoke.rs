//! Browser smoke tests of the app crate, run by `cargo xtask test` through wasm-bindgen-test-runner in
//! headless Chromium: the wasm toolchain, DOM access and Leptos client-side rendering work together.

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn document() -> web_sys::Document {
    web_sys::window().expect("window").document().expect("document")
}

#[wasm_bindgen_test]
fn dom_is_available() {
    let body = document().body().expect("body");
    let p = document().create_element("p").unwrap();
    p.set_text_content(Some("Faultline"));
    body.append_child(&p).unwrap();
    assert_eq!(body.last_element_child().unwrap().text_content().as_deref(), Some("Faultline"));
    body.remove_child(&p).unwrap();
}

#[wasm_bindgen_test]
fn leptos_renders_into_the_page() {
    let host: web_sys::HtmlElement = document().create_element("div").unwrap().unchecked_into();
    document().body().unwrap().append_child(&host).unwrap();
    let count = RwSignal::new(1);
    let handle = leptos::mount::mount_to(host.clone(), move || view! { <span>{move || count.get()}</span> });
    assert_eq!(host.text_content().as_deref(), Some("1"));
    drop(handle);
}
