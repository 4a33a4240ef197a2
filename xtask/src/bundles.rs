//! One wasm bundle per kind of page, so a page load fetches only the code that page runs.
//!
//! `trunk build --release` with default features gives the bundle that runs every scene (`all`: the bench
//! page, and what `trunk serve` serves). Then, into `target/bundles/<name>/`, one build per scene with only that
//! scene's model and widgets (`--no-default-features --features scene-<id>`) and one for the home page
//! (`--features catalog`: every scene listed, none compiled in). Their `.js` and `.wasm` files are copied into
//! dist/, and dist/index.html gets a small loader in place of Trunk's: it reads the query string and imports the
//! bundle that serves it — the same choice as `bundle_for` in `src/url_state.rs`. Scene ids come from
//! `faultline list`, so no scene is named here.

use crate::cmd::{self, Result, step};
use std::path::Path;

/// A bundle: its name (`all`, `home` or a scene id) and the cargo features it is built with (`None`: the
/// defaults, every scene).
#[derive(Debug, PartialEq)]
pub struct Bundle {
    pub name: String,
    pub features: Option<String>,
}

/// The bundles a release build makes for these scenes: `all` first (dist/ itself), then `home`, then one per scene.
pub fn bundles(scene_ids: &[String]) -> Vec<Bundle> {
    let mut list = vec![
        Bundle { name: "all".into(), features: None },
        Bundle { name: "home".into(), features: Some("catalog".into()) },
    ];
    list.extend(scene_ids.iter().map(|id| Bundle { name: id.clone(), features: Some(format!("scene-{id}")) }));
    list
}

/// The scene ids the runner lists (a debug build: the native tests have compiled it already).
fn scene_ids() -> Result<Vec<String>> {
    let (ok, out) =
        cmd::output(cmd::cargo().args(["run", "--quiet", "-p", "faultline-sim", "--bin", "faultline", "--", "list"]))?;
    let ids = if ok { crate::bench::scene_ids(&out) } else { Vec::new() };
    if ids.is_empty() {
        return Err(format!("`faultline list` listed no scene, so no per-scene bundle can be built:\n{out}"));
    }
    Ok(ids)
}

/// Builds every bundle but `all` (already in dist/), copies their code into dist/ and writes the loader.
pub fn build_bundles(dist: &Path) -> Result {
    let ids = scene_ids()?;
    let base = std::fs::read_to_string(dist.join("index.html")).map_err(|e| format!("dist/index.html: {e}"))?;
    let mut built = vec![("all".to_string(), bundle_files(&base)?)];
    for b in bundles(&ids).into_iter().filter(|b| b.features.is_some()) {
        let features = b.features.as_deref().unwrap_or_default();
        let out = cmd::root().join("target/bundles").join(&b.name);
        step(&format!("bundle '{}': trunk build --release --no-default-features --features {features}", b.name));
        cmd::run(
            cmd::command("trunk")
                .args(["build", "--release", "--offline", "--skip-version-check"])
                .args(["--public-url", "./", "--no-default-features", "--features", features, "--dist"])
                .arg(&out),
        )?;
        let html = std::fs::read_to_string(out.join("index.html")).map_err(|e| format!("{}: {e}", out.display()))?;
        let (js, wasm) = bundle_files(&html)?;
        for file in [&js, &wasm] {
            let name = file.trim_start_matches("./");
            std::fs::copy(out.join(name), dist.join(name)).map_err(|e| format!("copying {name} into dist/: {e}"))?;
        }
        built.push((b.name, (js, wasm)));
    }
    std::fs::write(dist.join("index.html"), with_loader(&base, &built)?)
        .map_err(|e| format!("dist/index.html: {e}"))?;
    println!("ok: {} bundles ({}); index.html loads the one a page needs", built.len(), ids.join(", "));
    Ok(())
}

/// The `.js` and `.wasm` a Trunk-built index.html loads (`import … from './x.js'`, `module_or_path: './x_bg.wasm'`).
pub fn bundle_files(html: &str) -> Result<(String, String)> {
    files_in(html).ok_or_else(|| {
        "index.html from Trunk: no `import init … from './….js'` / `module_or_path: './….wasm'` found".into()
    })
}

fn files_in(html: &str) -> Option<(String, String)> {
    // Only inside Trunk's script: the head's comments and descriptions are prose.
    let script = &html[html.find("import init")?..];
    let quoted_after = |marker: &str| {
        let at = script.find(marker)? + marker.len();
        let rest = script[at..].trim_start();
        let quote = rest.chars().next().filter(|c| matches!(c, '\'' | '"'))?;
        rest[1..].split(quote).next().map(str::to_owned)
    };
    let js = quoted_after(" from ").filter(|s| s.ends_with(".js"));
    let wasm = quoted_after("module_or_path:").filter(|s| s.ends_with(".wasm"));
    Some((js?, wasm?))
}

/// `html` with Trunk's module script and its preload links replaced by the loader over `built` bundles.
pub fn with_loader(html: &str, built: &[(String, (String, String))]) -> Result<String> {
    let start = html.find("<script type=\"module\">").ok_or("index.html from Trunk has no module script")?;
    let end =
        html[start..].find("</script>").ok_or("index.html: module script not closed")? + start + "</script>".len();
    let mut out = format!("{}{}{}", &html[..start], loader(built), &html[end..]);
    for tag in ["<link rel=\"modulepreload\"", "<link rel=\"preload\""] {
        while let Some(at) = out.find(tag) {
            let close = out[at..].find('>').ok_or("index.html: preload link not closed")? + at + 1;
            out.replace_range(at..close, "");
        }
    }
    Ok(out)
}

fn loader(built: &[(String, (String, String))]) -> String {
    let entry = |(js, wasm): &(String, String)| format!("{{\"js\":\"{js}\",\"wasm\":\"{wasm}\"}}");
    let pages: Vec<String> =
        built.iter().filter(|(n, _)| n == "all" || n == "home").map(|(n, f)| format!("\"{n}\":{}", entry(f))).collect();
    let scenes: Vec<String> =
        built.iter().filter(|(n, _)| n != "all" && n != "home").map(|(n, f)| format!("\"{n}\":{}", entry(f))).collect();
    format!(
        r#"<script type="application/json" id="faultline-bundles">{{{},"scenes":{{{}}}}}</script>
<script>
// Written by `cargo xtask dist`: a page loads only the bundle that runs it — the same choice as `bundle_for` in
// src/url_state.rs (a scene's own for ?scene= or ?tour=; "all" for ?bench=1; "home" otherwise). A classic
// script, before the stylesheet, so the bundle's download starts while the parser is still here: a module
// script runs only after the stylesheet has loaded (measured: the wasm request started 60–180 ms after
// navigation, behind the CSS).
(() => {{
  const bundles = JSON.parse(document.getElementById('faultline-bundles').textContent);
  const q = new URLSearchParams(location.search);
  const flag = (k) => q.has(k) && ['1', 'true', 'yes', ''].includes(q.get(k));
  const scene = q.get('scene') ?? q.get('tour');
  const b = scene !== null ? (bundles.scenes[scene.replaceAll('_', '-')] ?? bundles.home) : flag('bench') ? bundles.all : bundles.home;
  const link = (attrs) => document.head.append(Object.assign(document.createElement('link'), attrs));
  link({{ rel: 'preload', href: b.wasm, as: 'fetch', type: 'application/wasm', crossOrigin: 'anonymous' }});
  link({{ rel: 'modulepreload', href: b.js }});
  window.faultlineBundle = b;
}})();
</script>
<script type="module">
const b = window.faultlineBundle;
const bindings = await import(b.js);
const wasm = await bindings.default({{ module_or_path: b.wasm }});
window.wasmBindings = bindings;
dispatchEvent(new CustomEvent('TrunkApplicationStarted', {{ detail: {{ wasm }} }}));
</script>"#,
        pages.join(","),
        scenes.join(",")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const TRUNK: &str = r#"<head><!-- relative from any sub-path -->
<script type="module">
import init, * as bindings from './faultline-b8_.js';
const wasm = await init({ module_or_path: './faultline-b8__bg.wasm' });
window.wasmBindings = bindings;
</script>
    <link rel="stylesheet" href="./main-9.css"/>
  <link rel="modulepreload" href="./faultline-b8_.js" crossorigin="anonymous" integrity="sha384-N"><link rel="preload" href="./faultline-b8__bg.wasm" crossorigin="anonymous" integrity="sha384-9" as="fetch" type="application/wasm"></head>"#;

    #[test]
    fn finds_the_bundle_trunk_loads() {
        assert_eq!(bundle_files(TRUNK).unwrap(), ("./faultline-b8_.js".into(), "./faultline-b8__bg.wasm".into()));
        assert!(bundle_files("<head></head>").is_err());
    }

    #[test]
    fn one_bundle_per_scene_plus_home_and_all() {
        let b = bundles(&["cap".into()]);
        assert_eq!(b.iter().map(|b| b.name.as_str()).collect::<Vec<_>>(), ["all", "home", "cap"]);
        assert_eq!(b[0].features, None);
        assert_eq!(b[2].features.as_deref(), Some("scene-cap"));
    }

    #[test]
    fn the_loader_replaces_trunks_script_and_preloads() {
        let built = vec![
            ("all".to_string(), ("./a.js".to_string(), "./a_bg.wasm".to_string())),
            ("home".to_string(), ("./h.js".to_string(), "./h_bg.wasm".to_string())),
            ("cap".to_string(), ("./c.js".to_string(), "./c_bg.wasm".to_string())),
        ];
        let out = with_loader(TRUNK, &built).unwrap();
        assert!(
            !out.contains("<link rel=\"modulepreload\"") && !out.contains("integrity") && !out.contains("b8_"),
            "{out}"
        );
        // The bundle is chosen and its download started by a classic script ahead of the stylesheet.
        let chooser = out.find("<script>\n").expect("a classic script chooses the bundle");
        assert!(
            chooser < out.find("rel=\"stylesheet\"").unwrap() && out[chooser..].contains("rel: 'preload'"),
            "{out}"
        );
        assert!(out.contains(r#"{"all":{"js":"./a.js","wasm":"./a_bg.wasm"},"home":{"js":"./h.js","wasm":"./h_bg.wasm"},"scenes":{"cap":{"js":"./c.js","wasm":"./c_bg.wasm"}}}"#), "{out}");
        assert!(out.contains("<link rel=\"stylesheet\" href=\"./main-9.css\"/>"));
        assert!(crate::web::absolute_urls(&out).is_empty());
    }
}
