//! The Trunk-driven tasks: `serve` (dev server with live reload) and `dist` (release build into dist/,
//! checked to use only relative asset URLs so it works from any sub-path).

use crate::cmd::{self, Result, step};
use crate::setup::{self, Needs};
use std::path::PathBuf;

pub const SERVE_URL: &str = "http://127.0.0.1:8080";

/// `cargo xtask serve`.
pub fn serve() -> Result {
    setup::ensure(Needs::BUILD)?;
    step(&format!("trunk serve on {SERVE_URL}/ (live reload; Ctrl-C to stop)"));
    // Address and port come from Trunk.toml; stated again so the URL printed above is certain.
    cmd::run(cmd::command("trunk").args(["serve", "--skip-version-check", "--address", "127.0.0.1", "--port", "8080"]))
}

/// `cargo xtask dist`.
pub fn dist() -> Result {
    setup::ensure(Needs::BUILD)?;
    build_dist()?;
    Ok(())
}

/// The dist/ directory.
pub fn dist_dir() -> PathBuf {
    cmd::root().join("dist")
}

/// `trunk build --release` into dist/, then checks the result. Tools must already be set up.
/// Runs offline: `setup` has fetched all crates and installed wasm-bindgen / wasm-opt at the
/// versions Trunk wants, so a network attempt would be a bug worth failing on.
pub fn build_dist() -> Result {
    step("release build: trunk build --release → dist/");
    cmd::run(cmd::command("trunk").args([
        "build",
        "--release",
        "--offline",
        "--skip-version-check",
        "--public-url",
        "./",
    ]))?;
    check_dist()
}

/// dist/index.html exists, references only relative URLs, and dist/ holds the app's .wasm and .js.
fn check_dist() -> Result {
    let dist = dist_dir();
    let index = std::fs::read_to_string(dist.join("index.html"))
        .map_err(|e| format!("dist/index.html missing after build: {e}"))?;
    let absolute = absolute_urls(&index);
    if !absolute.is_empty() {
        return Err(format!("dist/index.html uses absolute URLs (breaks serving from a sub-path): {absolute:?}"));
    }
    let names: Vec<String> = std::fs::read_dir(&dist)
        .map_err(|e| format!("cannot list dist/: {e}"))?
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect();
    for ext in [".wasm", ".js"] {
        if !names.iter().any(|n| n.ends_with(ext)) {
            return Err(format!("dist/ has no {ext} file after build (found {names:?})"));
        }
    }
    println!("ok: dist/ built; index.html uses relative asset URLs only");
    Ok(())
}

/// URL-ish values in `html` that start at the server root or name another host:
/// `src`/`href` attribute values and quoted strings starting with `/` passed to `import`/`init`.
pub fn absolute_urls(html: &str) -> Vec<String> {
    let mut found = Vec::new();
    for marker in ["src=", "href=", "import(", "import ", "from ", "module_or_path:", "init("] {
        let mut rest = html;
        while let Some(at) = rest.find(marker) {
            rest = &rest[at + marker.len()..];
            let value = rest.trim_start();
            let Some(quote) = value.chars().next().filter(|c| matches!(c, '"' | '\'' | '`')) else {
                continue;
            };
            let value = value[1..].split(quote).next().unwrap_or("");
            if value.starts_with('/') || value.contains("://") {
                found.push(value.to_owned());
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::absolute_urls;

    #[test]
    fn flags_root_relative_and_external_urls() {
        let html = r#"<link rel="modulepreload" href="/app-1.js"><script type="module">
import init from '/app-1.js'; init({ module_or_path: '/app-1_bg.wasm' });</script>
<link rel="stylesheet" href="http://cdn.example/x.css">"#;
        let mut found = absolute_urls(html);
        found.sort();
        assert_eq!(found, vec!["/app-1.js", "/app-1.js", "/app-1_bg.wasm", "http://cdn.example/x.css"]);
    }

    #[test]
    fn accepts_relative_urls() {
        let html = r#"<link rel="modulepreload" href="./app-1.js"><link rel="icon" href="data:,">
<script type="module">import init from './app-1.js'; init({ module_or_path: './app-1_bg.wasm' });</script>"#;
        assert!(absolute_urls(html).is_empty());
    }
}
