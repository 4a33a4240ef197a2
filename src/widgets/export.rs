//! The Export menu: the run JSON (the runner's schema), the series as CSV, the stage as SVG and PNG, each
//! chart as SVG, a link to this moment copied with a visible confirmation, and opening a run JSON from a
//! file (dropping one anywhere on the page does the same; see [`install_drop_import`]).
//!
//! Pictures are the page's own SVG, cloned with the computed styles written onto each element (so the file
//! stands alone, legible, without the page's stylesheet) and, for the stage, the messages in flight from
//! its canvas laid on top as an image.

use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::export;
use crate::session::Session;
use crate::widgets::cb;

/// Computed style properties an exported SVG needs to look like the page.
const STYLE_PROPS: [&str; 15] = [
    "fill",
    "fill-opacity",
    "stroke",
    "stroke-width",
    "stroke-dasharray",
    "stroke-opacity",
    "opacity",
    "font-size",
    "font-weight",
    "font-family",
    "text-anchor",
    "dominant-baseline",
    "display",
    "visibility",
    "paint-order",
];

fn download_url(name: &str, url: &str) {
    if let Ok(a) = document().create_element("a").map(|e| e.unchecked_into::<web_sys::HtmlAnchorElement>()) {
        a.set_href(url);
        a.set_download(name);
        let _ = document().body().map(|b| b.append_child(&a));
        a.click();
        a.remove();
    }
}

/// Offers `data` as a file download.
fn download(name: &str, mime: &str, data: &str) {
    let parts = js_sys::Array::of1(&JsValue::from_str(data));
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type(mime);
    let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &opts) else { return };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else { return };
    download_url(name, &url);
    set_timeout(move || drop(web_sys::Url::revoke_object_url(&url)), std::time::Duration::from_secs(10));
}

/// `svg` cloned with the computed styles inlined, sized in CSS pixels, with a white background and an
/// optional image laid over it (the stage's messages).
fn standalone_svg(svg: &web_sys::Element, title: &str, overlay: Option<String>) -> Option<String> {
    let clone = svg.clone_node_with_deep(true).ok()?.unchecked_into::<web_sys::Element>();
    let originals = svg.query_selector_all("*").ok()?;
    let copies = clone.query_selector_all("*").ok()?;
    let w = window();
    for i in 0..originals.length().min(copies.length()) {
        let (Some(o), Some(c)) = (originals.item(i), copies.item(i)) else { continue };
        let (o, c) = (o.unchecked_into::<web_sys::Element>(), c.unchecked_into::<web_sys::Element>());
        let Ok(Some(style)) = w.get_computed_style(&o) else { continue };
        let inline: String = STYLE_PROPS
            .iter()
            .filter_map(|p| style.get_property_value(p).ok().filter(|v| !v.is_empty()).map(|v| format!("{p}:{v};")))
            .collect();
        let _ = c.set_attribute("style", &inline);
        // Hooks for tests and focus handlers mean nothing in a file.
        let _ = c.remove_attribute("tabindex");
    }
    let rect = svg.get_bounding_client_rect();
    let (width, height) = (rect.width().round(), rect.height().round());
    let _ = clone.set_attribute("xmlns", "http://www.w3.org/2000/svg");
    let _ = clone.set_attribute("width", &width.to_string());
    let _ = clone.set_attribute("height", &height.to_string());
    let font = w.get_computed_style(svg).ok().flatten().and_then(|s| s.get_property_value("font-family").ok());
    let _ = clone.set_attribute("style", &format!("font-family:{};background:#fff", font.unwrap_or_default()));
    let doc = document();
    let ns = Some("http://www.w3.org/2000/svg");
    if let Ok(t) = doc.create_element_ns(ns, "title") {
        t.set_text_content(Some(title));
        let _ = clone.insert_before(&t, clone.first_child().as_ref());
    }
    if let Ok(bg) = doc.create_element_ns(ns, "rect") {
        let _ = bg.set_attribute("width", "100%");
        let _ = bg.set_attribute("height", "100%");
        let _ = bg.set_attribute("fill", "#ffffff");
        let _ = clone.insert_before(&bg, clone.first_child().and_then(|t| t.next_sibling()).as_ref());
    }
    if let Some(href) = overlay
        && let Ok(img) = doc.create_element_ns(ns, "image")
    {
        let vb = svg.get_attribute("viewBox").unwrap_or_default();
        let v: Vec<f64> = vb.split_whitespace().filter_map(|x| x.parse().ok()).collect();
        let (x, y, vw, vh) = if v.len() == 4 { (v[0], v[1], v[2], v[3]) } else { (0.0, 0.0, width, height) };
        for (k, val) in [("x", x), ("y", y), ("width", vw), ("height", vh)] {
            let _ = img.set_attribute(k, &val.to_string());
        }
        let _ = img.set_attribute("href", &href);
        let _ = clone.append_child(&img);
    }
    web_sys::XmlSerializer::new().ok()?.serialize_to_string(&clone).ok()
}

/// The stage's SVG element and its messages canvas (run A's).
fn stage_parts() -> Option<(web_sys::Element, Option<web_sys::HtmlCanvasElement>)> {
    let svg = document().query_selector("[data-testid=stage]").ok()??;
    let canvas = svg
        .parent_element()
        .and_then(|p| p.query_selector("canvas.messages").ok().flatten())
        .map(|c| c.unchecked_into::<web_sys::HtmlCanvasElement>());
    Some((svg, canvas))
}

/// The stage as a PNG at twice its CSS size: the standalone SVG rasterised, messages included.
async fn stage_png(svg_text: String, width: f64, height: f64) -> Option<String> {
    let img = web_sys::HtmlImageElement::new().ok()?;
    let src = format!("data:image/svg+xml;charset=utf-8,{}", String::from(js_sys::encode_uri_component(&svg_text)));
    img.set_src(&src);
    JsFuture::from(img.decode()).await.ok()?;
    let canvas = document().create_element("canvas").ok()?.unchecked_into::<web_sys::HtmlCanvasElement>();
    canvas.set_width((width * 2.0) as u32);
    canvas.set_height((height * 2.0) as u32);
    let ctx = canvas.get_context("2d").ok()??.unchecked_into::<web_sys::CanvasRenderingContext2d>();
    ctx.draw_image_with_html_image_element_and_dw_and_dh(&img, 0.0, 0.0, width * 2.0, height * 2.0).ok()?;
    canvas.to_data_url_with_type("image/png").ok()
}

#[component]
pub fn ExportMenu(session: Session) -> impl IntoView {
    let status = RwSignal::new(String::new());
    let say = move |text: String| {
        status.set(text);
        // The page may be gone by then.
        set_timeout(move || drop(status.try_set(String::new())), std::time::Duration::from_secs(4));
    };
    let name = move |ext: &str| {
        export::file_name(
            session.scene.id(),
            session.seed.get_untracked(),
            session.now.get_untracked().as_secs_f64(),
            ext,
        )
    };
    let json = move |_| {
        let seed = session.seed.get_untracked();
        let text = session.with_run(|r| export::run_json(r, seed));
        let n = name("json");
        download(&n, "application/json", &text);
        say(format!("Saved {n}"));
    };
    let csv = move |_| {
        let text = session.with_run(|r| export::series_csv(&export::chart_series(r), r.now().as_secs_f64()));
        let n = name("csv");
        download(&n, "text/csv", &text);
        say(format!("Saved {n}"));
    };
    let title = move || {
        format!("Faultline — {} at t = {:.2} s", session.scene.title(), session.now.get_untracked().as_secs_f64())
    };
    let stage_svg = move || {
        let (svg, canvas) = stage_parts()?;
        let overlay = canvas.and_then(|c| c.to_data_url().ok());
        Some((standalone_svg(&svg, &title(), overlay)?, svg.get_bounding_client_rect()))
    };
    let svg_file = move |_| match stage_svg() {
        Some((text, _)) => {
            let n = name("svg");
            download(&n, "image/svg+xml", &text);
            say(format!("Saved {n}"));
        }
        None => say("There is no stage to save on this page.".into()),
    };
    let png_file = move |_| {
        let Some((text, rect)) = stage_svg() else { return say("There is no stage to save on this page.".into()) };
        let n = name("png");
        leptos::task::spawn_local(async move {
            match stage_png(text, rect.width(), rect.height()).await {
                Some(url) => {
                    download_url(&n, &url);
                    say(format!("Saved {n}"));
                }
                None => say("This browser could not draw the stage as a PNG; the SVG export works.".into()),
            }
        });
    };
    let charts_file = move |_| {
        let Ok(list) = document().query_selector_all("figure.chart") else { return };
        let mut saved = 0;
        for i in 0..list.length() {
            let Some(fig) = list.item(i).map(|f| f.unchecked_into::<web_sys::Element>()) else { continue };
            let id = fig.get_attribute("data-testid").unwrap_or_default();
            let caption =
                fig.query_selector("figcaption, h3").ok().flatten().and_then(|c| c.text_content()).unwrap_or_default();
            let Some(svg) = fig.query_selector("svg:not(.legend-mark)").ok().flatten() else { continue };
            // The legend is HTML beside the plot: written into the file under it, each line with its mark's
            // colour and dash (theory lines are dashed and say "theory").
            let legend: Vec<LegendLine> = fig
                .query_selector_all(".legend li, .band-legend")
                .ok()
                .map(|l| {
                    (0..l.length())
                        .filter_map(|k| l.item(k).map(|n| n.unchecked_into::<web_sys::Element>()))
                        .map(|el| {
                            let line = el.query_selector("line").ok().flatten();
                            let attr = |a: &str| line.as_ref().and_then(|l| l.get_attribute(a)).unwrap_or_default();
                            LegendLine {
                                text: el.text_content().unwrap_or_default(),
                                colour: attr("stroke"),
                                dash: attr("stroke-dasharray"),
                            }
                        })
                        .collect()
                })
                .unwrap_or_default();
            let title = format!("{} — {}", title(), caption.trim());
            let Some(mut text) = standalone_svg(&svg, &title, None) else { continue };
            text = with_caption(&text, caption.trim(), &legend);
            download(&name(&format!("{}.svg", id.trim_start_matches("chart-"))), "image/svg+xml", &text);
            saved += 1;
        }
        say(format!("Saved {saved} chart{}", if saved == 1 { "" } else { "s" }));
    };
    let copy_link = move |_| {
        let url = crate::widgets::embed::absolute_url(&crate::url_state::encode(&session.url_state(false)));
        let clip = window().navigator().clipboard();
        let shown = url.clone();
        leptos::task::spawn_local(async move {
            match JsFuture::from(clip.write_text(&url)).await {
                Ok(_) => say(format!("Link to t = {:.2} s copied", session.now.get_untracked().as_secs_f64())),
                Err(_) => say(format!("Copy this link: {shown}")),
            }
        });
    };
    let open_file = move |e: web_sys::Event| {
        let Some(input) = e.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else { return };
        if let Some(file) = input.files().and_then(|f| f.get(0)) {
            import_file(file, move |msg| session.notice(msg));
        }
        input.set_value("");
    };
    view! {
        <details class="export-menu" data-testid="export-menu">
            <summary class="button-like">"Export"</summary>
            <div class="export-items" role="group" aria-label="Export this run">
                <button type="button" data-testid="export-json" on:click=cb(json)>"Run JSON"</button>
                <button type="button" data-testid="export-csv" on:click=cb(csv)>"Series CSV"</button>
                <button type="button" data-testid="export-svg" on:click=cb(svg_file)>"Stage SVG"</button>
                <button type="button" data-testid="export-png" on:click=cb(png_file)>"Stage PNG"</button>
                <button type="button" data-testid="export-charts" on:click=cb(charts_file)>"Charts SVG"</button>
                <button type="button" data-testid="copy-link" on:click=cb(copy_link)>"Copy link to this moment"</button>
                <label class="file-open">"Open a run JSON… "
                    <input type="file" accept=".json,application/json" data-testid="import-file" on:change=cb(open_file) />
                </label>
            </div>
        </details>
        <span class="export-status" role="status" data-testid="export-status">{move || status.get()}</span>
    }
}

/// One line of a chart's legend, as the file draws it.
struct LegendLine {
    text: String,
    /// The line's colour and dash; empty for a line without a mark (the background's key).
    colour: String,
    dash: String,
}

/// The plot wrapped in a page-sized SVG with its caption above and its legend under it (the plot keeps its
/// own coordinate system as a nested SVG).
fn with_caption(svg: &str, caption: &str, legend: &[LegendLine]) -> String {
    let esc = |s: &str| s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;");
    let attr = |name: &str| -> f64 {
        let head = &svg[..svg.find('>').unwrap_or(0)];
        head.split(&format!(" {name}=\""))
            .nth(1)
            .and_then(|r| r.split('"').next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0.0)
    };
    let (w, h) = (attr("width").max(320.0), attr("height"));
    let top = 24.0;
    let total = top + h + 10.0 + 18.0 * legend.len() as f64;
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{total}\" style=\"font-family:sans-serif;background:#fff\">\
         <rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\
         <text x=\"6\" y=\"17\" style=\"font-size:14px;font-weight:600;fill:#1b1f24\">{}</text>",
        esc(caption)
    );
    out.push_str(&svg.replacen("<svg ", &format!("<svg x=\"0\" y=\"{top}\" "), 1));
    for (i, l) in legend.iter().enumerate() {
        let y = top + h + 10.0 + 18.0 * i as f64 + 12.0;
        let mut x = 6.0;
        if !l.colour.is_empty() {
            out.push_str(&format!(
                "<line x1=\"6\" x2=\"30\" y1=\"{}\" y2=\"{}\" stroke=\"{}\" stroke-width=\"2.5\" stroke-dasharray=\"{}\"/>",
                y - 4.0,
                y - 4.0,
                esc(&l.colour),
                esc(&l.dash)
            ));
            x = 36.0;
        }
        out.push_str(&format!(
            "<text x=\"{x}\" y=\"{y}\" style=\"font-size:12px;fill:#1b1f24\">{}</text>",
            esc(l.text.trim())
        ));
    }
    out.push_str("</svg>");
    out
}

/// Reads a run JSON and opens it at its moment; anything else gets a notice saying why.
pub fn import_file(file: web_sys::File, notice: impl Fn(String) + 'static) {
    leptos::task::spawn_local(async move {
        let text = JsFuture::from(file.text()).await.ok().and_then(|v| v.as_string()).unwrap_or_default();
        match export::query_of_run(&text) {
            Ok(q) => crate::app::navigate(&q),
            Err(e) => notice(format!("{}: {e}", file.name())),
        }
    });
}

/// Dropping a run JSON anywhere on the page opens it (`notice` says why a file could not be opened).
pub fn install_drop_import(notice: impl Fn(String) + Clone + 'static) {
    let over = window_event_listener(leptos::ev::dragover, |e: web_sys::DragEvent| {
        if e.data_transfer().is_some_and(|d| d.types().includes(&JsValue::from_str("Files"), 0)) {
            e.prevent_default();
        }
    });
    let drop = window_event_listener(leptos::ev::drop, move |e: web_sys::DragEvent| {
        if let Some(file) = e.data_transfer().and_then(|d| d.files()).and_then(|f| f.get(0)) {
            e.prevent_default();
            import_file(file, notice.clone());
        }
    });
    on_cleanup(move || {
        over.remove();
        drop.remove();
    });
}
