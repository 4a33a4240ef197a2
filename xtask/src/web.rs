//! The Trunk-driven tasks: `serve` (dev server with live reload) and `dist` (release build into dist/,
//! checked to use only relative asset URLs so it works from any sub-path). Every release build
//! (`dist`, `test`, `bench`) ends by printing the app's brotli size against its budget
//! (`tests/bench/sizes.mjs`; a failure there is only noted, never fails the build).

use crate::bench::{self, BUDGET_BROTLI_KB};
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

/// `cargo xtask dist [--site-url URL]` (or `FAULTLINE_SITE_URL`): the site's public address, for link
/// previews — Open Graph and Twitter cards need an absolute image URL. Without it every URL stays relative.
pub fn dist(args: &[String]) -> Result {
    let site = match args.iter().position(|a| a == "--site-url") {
        Some(i) => {
            Some(args.get(i + 1).cloned().ok_or("--site-url needs a value, e.g. https://example.org/faultline/")?)
        }
        None => std::env::var("FAULTLINE_SITE_URL").ok().filter(|v| !v.is_empty()),
    };
    setup::ensure(Needs::BUILD)?;
    build_dist()?;
    if let Some(site) = site {
        let path = dist_dir().join("index.html");
        let html = std::fs::read_to_string(&path).map_err(|e| format!("dist/index.html: {e}"))?;
        std::fs::write(&path, with_site_url(&html, &site)?).map_err(|e| format!("dist/index.html: {e}"))?;
        println!("ok: link previews point at {site}");
    }
    Ok(())
}

/// index.html with the link-preview image made absolute under `site` and `og:url` added.
pub fn with_site_url(html: &str, site: &str) -> std::result::Result<String, String> {
    let site = site.trim();
    if !(site.starts_with("https://") || site.starts_with("http://")) || site.contains(['"', '<', '>', ' ']) {
        return Err(format!("--site-url '{site}' is not an http(s) address like https://example.org/faultline/"));
    }
    let site = if site.ends_with('/') { site.to_string() } else { format!("{site}/") };
    let html = html.replace("content=\"public/og.png\"", &format!("content=\"{site}public/og.png\""));
    let marker = "<meta property=\"og:type\" content=\"website\">";
    if !html.contains(marker) {
        return Err("dist/index.html has no og:type tag to anchor og:url".into());
    }
    Ok(html.replacen(marker, &format!("{marker}\n    <meta property=\"og:url\" content=\"{site}\">"), 1))
}

/// The dist/ directory.
pub fn dist_dir() -> PathBuf {
    cmd::root().join("dist")
}

/// `trunk build --release` into dist/, one bundle per page kind beside it (`bundles.rs`), then checks the result and prints its size. Tools must already be set up.
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
    crate::bundles::build_bundles(&dist_dir())?;
    check_dist()?;
    println!("{}", size_line());
    Ok(())
}

/// `app size: … KB brotli (wasm …, js …; budget … KB)` for dist/, or a note saying why it is unavailable.
fn size_line() -> String {
    let out = cmd::output(cmd::command("node").arg(cmd::root().join("tests/bench/sizes.mjs")).arg(dist_dir()));
    match out {
        Ok((true, out)) => {
            size_summary(&out).unwrap_or_else(|| "app size unavailable (sizes.mjs printed no totals)".into())
        }
        Ok((false, out)) => {
            let last = out.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("").trim();
            format!("app size unavailable (node tests/bench/sizes.mjs failed: {last})")
        }
        Err(e) => format!("app size unavailable ({e})"),
    }
}

/// The size line from `sizes.mjs` output (`RESULT total_br_bytes=…`, `wasm_br_bytes`, `js_br_bytes`).
pub fn size_summary(sizes: &str) -> Option<String> {
    let kb = |key: &str| bench::result_value(sizes, key).map(|b| b / 1024.0);
    let total = kb("total_br_bytes")?;
    let part = |key: &str| kb(key).map_or("n/a".to_owned(), |v| format!("{v:.1} KB"));
    let over = if total > BUDGET_BROTLI_KB { " — OVER BUDGET" } else { "" };
    Some(format!(
        "app size: {total:.1} KB brotli (wasm {}, js {}; budget {BUDGET_BROTLI_KB:.0} KB){over}",
        part("wasm_br_bytes"),
        part("js_br_bytes")
    ))
}

/// dist/index.html exists, references only relative URLs, and dist/ holds the app's .wasm and .js.
fn check_dist() -> Result {
    let dist = dist_dir();
    let index = std::fs::read_to_string(dist.join("index.html"))
        .map_err(|e| format!("dist/index.html missing after build: {e}"))?;
    if !index.contains("id=\"faultline-bundles\"") {
        return Err("dist/index.html has no bundle loader (xtask/src/bundles.rs)".into());
    }
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
    use super::{absolute_urls, size_summary, with_site_url};

    #[test]
    fn the_site_url_makes_link_previews_absolute() {
        let html = std::fs::read_to_string(crate::cmd::root().join("index.html")).unwrap();
        assert!(html.contains("content=\"public/og.png\""), "index.html keeps its preview image relative");
        let out = with_site_url(&html, "https://example.org/faultline").unwrap();
        assert_eq!(out.matches("content=\"https://example.org/faultline/public/og.png\"").count(), 2, "og and twitter");
        assert!(out.contains("<meta property=\"og:url\" content=\"https://example.org/faultline/\">"));
        assert!(absolute_urls(&out).is_empty(), "asset URLs stay relative: {:?}", absolute_urls(&out));
        assert!(with_site_url(&html, "example.org").is_err());
        assert!(with_site_url(&html, "https://x/\"><script>").is_err());
    }

    #[test]
    fn summarises_sizes() {
        let out = "  table\nRESULT wasm_br_bytes=276582\nRESULT js_br_bytes=7168\nRESULT total_br_bytes=288154\n";
        assert_eq!(
            size_summary(out).as_deref(),
            Some("app size: 281.4 KB brotli (wasm 270.1 KB, js 7.0 KB; budget 350 KB)")
        );
        assert!(
            size_summary("RESULT total_br_bytes=409600\n").unwrap().ends_with("js n/a; budget 350 KB) — OVER BUDGET")
        );
        assert_eq!(size_summary("no figures"), None);
    }

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
