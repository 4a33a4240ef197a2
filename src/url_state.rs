//! The scene's state as a query string, both ways: `?scene=circuit-breaker&seed=1&p=name:value,…&f=<fault
//! script>&t=12.345&speed=1[&cmp=param:choice][&embed=1][&challenge=ID][&present=1][&slow=0|1]`. Pure functions (no DOM), so the browser unit tests in
//! `tests/web.rs` check them directly.
//!
//! Parsing never fails: an unknown parameter, a bad number, a bad fault or seed is clamped or dropped and
//! a notice says what was changed, because a shared link that half works beats an error page.

use faultline_sim::kernel::SimTime;
use faultline_sim::scene::{Action, ParamKind, Params, Scene, format_script, parse_script_lenient};

use crate::compare::Comparison;

/// Speeds the transport offers, slowest first.
pub const SPEEDS: [f64; 8] = [0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0];
pub const DEFAULT_SEED: u64 = 1;
/// Furthest time a URL may ask for: opening a link replays the run up to `t`, and an hour of virtual time
/// is already seconds of work.
pub const MAX_T_SECS: f64 = 3600.0;

/// Which page a query string asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Route {
    Home,
    Bench,
    Scene(&'static str),
    /// `?scene=` named no known scene: the home page, with a notice.
    UnknownScene(String),
    /// `?tour=` named no known scene: the home page, with a notice.
    UnknownTour(String),
}

/// Which browser bundle serves a query string (docs/ARCHITECTURE.md, "Bundles"): a scene's own (`"cap"`),
/// `"home"` (the home page and a link naming no known scene) or `"all"` (the bench page, which runs every
/// scene). The loader in dist/index.html, written by `cargo xtask dist`, makes the same choice in JavaScript.
pub fn bundle_for(pairs: &[(String, String)]) -> &'static str {
    // As in `route`: `scene=` first, then `tour=` (a tour opens its scene's page).
    if let Some(id) = get(pairs, "scene").or_else(|| get(pairs, "tour")) {
        let id = id.replace('_', "-");
        return faultline_sim::SCENE_IDS.iter().find(|s| **s == id).copied().unwrap_or("home");
    }
    if flag(pairs, "bench") { "all" } else { "home" }
}

/// Whether this build serves `bundle`: every one with all scenes (`trunk serve`, tests), else only its own.
pub fn serves(bundle: &str) -> bool {
    match bundle {
        "all" => cfg!(feature = "all-scenes"),
        "home" => cfg!(any(feature = "all-scenes", feature = "catalog")),
        id => faultline_sim::runs_scene(id),
    }
}

/// Key/value pairs of a query string (leading `?` optional), percent-decoded, in order.
pub fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .trim_start_matches('?')
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode_component(k), decode_component(v))
        })
        .collect()
}

/// The first value of `key`, if present.
pub fn get<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

fn flag(pairs: &[(String, String)], key: &str) -> bool {
    matches!(get(pairs, key), Some("1" | "true" | "yes" | ""))
}

pub fn route(pairs: &[(String, String)]) -> Route {
    if let Some(id) = get(pairs, "scene") {
        return match faultline_sim::scene_by_id(id) {
            Some(s) => Route::Scene(s.id()),
            None => Route::UnknownScene(id.to_string()),
        };
    }
    // `?tour=ID&step=N` opens that scene at a step of its guided tour (see `crate::tour`).
    if let Some(id) = get(pairs, "tour") {
        return match faultline_sim::scene_by_id(id) {
            Some(s) => Route::Scene(s.id()),
            None => Route::UnknownTour(id.to_string()),
        };
    }
    if flag(pairs, "bench") { Route::Bench } else { Route::Home }
}

/// `%XX` and `+` decoding; invalid escapes are kept as written.
pub fn decode_component(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => match (hex(b[i + 1]), hex(b[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|d| d as u8)
}

/// Percent-encodes all but unreserved characters and the separators our own values use (`:` `,` `=`),
/// which keeps fault scripts readable in the address bar.
pub fn encode_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for &c in s.as_bytes() {
        if c.is_ascii_alphanumeric() || b"-_.~:,=".contains(&c) {
            out.push(c as char);
        } else {
            out.push('%');
            out.push(char::from_digit((c >> 4) as u32, 16).unwrap_or('0').to_ascii_uppercase());
            out.push(char::from_digit((c & 15) as u32, 16).unwrap_or('0').to_ascii_uppercase());
        }
    }
    out
}

/// What an embed shows besides its stage and transport (`show=chart,narration,presets,params`), and whether
/// it starts playing once it is on screen (`autoplay=1`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EmbedOptions {
    pub chart: bool,
    pub narration: bool,
    pub presets: bool,
    pub params: bool,
    pub autoplay: bool,
}

impl Default for EmbedOptions {
    fn default() -> Self {
        EmbedOptions { chart: true, narration: true, presets: true, params: false, autoplay: false }
    }
}

impl EmbedOptions {
    pub const PARTS: [&'static str; 4] = ["chart", "narration", "presets", "params"];

    /// `show=` text (only when it differs from the default).
    pub fn show(&self) -> String {
        let on = [self.chart, self.narration, self.presets, self.params];
        Self::PARTS.iter().zip(on).filter(|(_, on)| *on).map(|(p, _)| *p).collect::<Vec<_>>().join(",")
    }

    pub fn set(&mut self, part: &str, on: bool) {
        match part {
            "chart" => self.chart = on,
            "narration" => self.narration = on,
            "presets" => self.presets = on,
            "params" => self.params = on,
            _ => {}
        }
    }
}

/// Everything a scene page needs to reproduce a run at a moment.
#[derive(Clone, Debug, PartialEq)]
pub struct SceneUrl {
    pub scene_id: &'static str,
    /// Parameters at t = 0 (later changes are `set` actions in the script).
    pub params: Params,
    pub seed: u64,
    pub script: Vec<Action>,
    pub t: SimTime,
    pub speed: f64,
    /// `cmp=param:choice`: a same-seed A/B comparison, if any.
    pub compare: Option<Comparison>,
    pub embed: bool,
    pub embed_options: EmbedOptions,
    /// `bench_frames=1`: the browser frame benchmark (heavy traffic, auto-play).
    pub bench_frames: bool,
    /// `present=1`: presenter mode (stage, one chart, narration and transport, legible from the back of a room).
    pub present: bool,
    /// `slow=1|0`: slow motion at notable moments; `None` = the default ([`director_default`]).
    pub slow: Option<bool>,
    /// The preset whose parameters and faults the run has (`preset=ID` loads one; a bare link shows the
    /// default one). Not written back: `p=` and `f=` describe the run fully, and name the same preset.
    pub preset: Option<&'static str>,
    /// `tour=ID&step=N`: the step (1-based) of the scene's guided tour the page shows, if any.
    pub tour_step: Option<usize>,
    /// `challenge=ID`: the challenge the page judges the run against (its setup loaded unless `p=`/`f=` say more).
    pub challenge: Option<&'static str>,
}

impl SceneUrl {
    /// The scene as a reader first sees it: its default preset (so the phenomenon shows within seconds).
    pub fn initial(scene: &dyn Scene) -> SceneUrl {
        let (params, script) = scene.default_inputs();
        SceneUrl {
            scene_id: scene.id(),
            params,
            seed: DEFAULT_SEED,
            script,
            t: SimTime::ZERO,
            speed: 1.0,
            compare: None,
            embed: false,
            embed_options: EmbedOptions::default(),
            bench_frames: false,
            present: false,
            slow: None,
            preset: scene.default_preset().and_then(|id| scene.preset(id)).map(|p| p.id),
            tour_step: None,
            challenge: None,
        }
    }
}

/// Reads a scene's state from query pairs. Anything unusable is clamped or dropped; the returned notices
/// say what, in words a reader understands.
pub fn resolve(scene: &dyn Scene, pairs: &[(String, String)]) -> (SceneUrl, Vec<String>) {
    let mut notices = Vec::new();
    let mut state = SceneUrl::initial(scene);
    // A tour step's state first; whatever else the link says (a later moment, an edited script) applies on top.
    if get(pairs, "tour").is_some()
        && get(pairs, "scene").is_none_or(|s| faultline_sim::scene_by_id(s).is_some_and(|s| s.id() == scene.id()))
    {
        let (n, notice) = crate::tour::resolve_step(scene, get(pairs, "step"));
        notices.extend(notice);
        if let Some(step) = n.and_then(|n| crate::tour::step(scene, n)) {
            match step.inputs(scene) {
                Ok((params, script)) => {
                    state.params = params;
                    state.script = script;
                    state.seed = step.seed;
                    state.t = step.at();
                    state.tour_step = n;
                }
                Err(e) => notices.push(format!("tour step: {e}")),
            }
        }
    }
    // A link that names parameters or faults describes the whole run; only a bare `?scene=` gets the preset.
    if let Some(id) = get(pairs, "preset") {
        match scene.preset_inputs(id) {
            Ok((params, script)) => {
                state.params = params;
                state.script = script;
            }
            Err(e) => notices.push(format!("{e}; showing the default")),
        }
    }
    if let Some(id) = get(pairs, "challenge") {
        resolve_challenge(scene, id, &mut state, &mut notices);
    }
    if get(pairs, "p").is_some() || get(pairs, "f").is_some() {
        state.params = scene.default_params();
        state.script = Vec::new();
    }
    if let Some(p) = get(pairs, "p") {
        for entry in p.split(',').map(str::trim).filter(|e| !e.is_empty()).take(200) {
            match entry.split_once(':') {
                Some((name, value)) => {
                    if let Some(n) = state.params.set_clamped(name.trim(), value) {
                        notices.push(n);
                    }
                }
                None => notices.push(format!("parameter '{entry}' ignored (expected name:value)")),
            }
        }
    }
    if let Some(f) = get(pairs, "f") {
        let (actions, errors) = parse_script_lenient(f);
        notices.extend(errors.into_iter().map(|e| format!("{e}; ignored")));
        for a in actions {
            match scene.validate_action(&a) {
                Ok(()) => state.script.push(a),
                Err(e) => notices.push(format!("{e}; ignored")),
            }
        }
    }
    if let Some(s) = get(pairs, "seed") {
        match s.trim().parse::<u64>() {
            Ok(seed) => state.seed = seed,
            Err(_) => {
                notices.push(format!("seed '{s}' is not a whole number from 0 to {}; using {DEFAULT_SEED}", u64::MAX))
            }
        }
    }
    if let Some(t) = get(pairs, "t") {
        match t.trim().parse::<f64>() {
            Ok(v) if v.is_finite() && (0.0..=MAX_T_SECS).contains(&v) => state.t = SimTime::from_secs_f64(v),
            Ok(v) if v.is_finite() && v > MAX_T_SECS => {
                state.t = SimTime::from_secs_f64(MAX_T_SECS);
                notices.push(format!("time t = {t} s is beyond {MAX_T_SECS:.0} s; using {MAX_T_SECS:.0} s"));
            }
            _ => notices.push(format!("time t = '{t}' is not a time from 0 to {MAX_T_SECS:.0} s; starting at 0 s")),
        }
    }
    if let Some(s) = get(pairs, "speed") {
        match s.trim().parse::<f64>() {
            Ok(v) if SPEEDS.iter().any(|x| (x - v).abs() < 1e-9) => state.speed = v,
            Ok(v) if v.is_finite() => {
                state.speed = nearest_speed(v);
                notices.push(format!("speed {s}× is not offered; using {}×", state.speed));
            }
            _ => notices.push(format!("speed '{s}' is not a number; using 1×")),
        }
    }
    if let Some(c) = get(pairs, "cmp") {
        match Comparison::parse(scene, c) {
            Ok(cmp) if crate::compare::current_choice(&state.params, cmp.param) == Some(cmp.choice) => notices.push(
                format!("comparison with {} ignored: the run already uses {}", cmp.text(scene), cmp.value(scene)),
            ),
            Ok(cmp) => state.compare = Some(cmp),
            Err(e) => notices.push(e),
        }
    }
    state.preset = preset_of(scene, &state.params, &state.script);
    state.embed = flag(pairs, "embed");
    if let Some(show) = get(pairs, "show") {
        let mut o = EmbedOptions { chart: false, narration: false, presets: false, params: false, autoplay: false };
        for part in show.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            if EmbedOptions::PARTS.contains(&part) {
                o.set(part, true);
            } else {
                notices.push(format!("show: '{part}' ignored (one of {})", EmbedOptions::PARTS.join(", ")));
            }
        }
        state.embed_options = o;
    }
    state.embed_options.autoplay = flag(pairs, "autoplay");
    state.bench_frames = flag(pairs, "bench_frames");
    state.present = flag(pairs, "present");
    state.slow = get(pairs, "slow").map(|v| !matches!(v.trim(), "0" | "false" | "no" | "off"));
    (state, notices)
}

/// `challenge=ID`: loads the challenge's parameters, faults and seed (a solution link's `p=`, `f=` and `seed=`
/// then say what the reader changed). An unknown id leaves the scene as it is, with a notice.
fn resolve_challenge(scene: &dyn Scene, id: &str, state: &mut SceneUrl, notices: &mut Vec<String>) {
    let Some(ch) = scene.challenge(id) else {
        let ids: Vec<_> = scene.challenges().iter().map(|c| c.id).collect();
        notices.push(format!(
            "unknown challenge '{id}' for {} (one of {}); showing the scene without a challenge",
            scene.id(),
            ids.join(", ")
        ));
        return;
    };
    match faultline_sim::scene::challenge::setup_inputs(scene, ch) {
        Ok((params, script)) => {
            state.params = params;
            state.script = script;
            state.seed = ch.seed;
            state.challenge = Some(ch.id);
        }
        Err(e) => notices.push(e),
    }
}

/// Whether slow motion at notable moments is on when the URL does not say (`slow=`): in presenter mode
/// (and guided tours), off elsewhere.
pub fn director_default(state: &SceneUrl) -> bool {
    state.present || state.tour_step.is_some()
}

/// Slow motion as the link asks for it, or its default.
pub fn director_on(state: &SceneUrl) -> bool {
    state.slow.unwrap_or_else(|| director_default(state))
}

/// The preset whose parameters and faults are exactly these, if any.
pub fn preset_of(scene: &dyn Scene, params: &Params, script: &[Action]) -> Option<&'static str> {
    scene
        .presets()
        .iter()
        .map(|p| p.id)
        .find(|id| scene.preset_inputs(id).is_ok_and(|(p, s)| p == *params && s.as_slice() == script))
}

pub fn nearest_speed(v: f64) -> f64 {
    let mut best = SPEEDS[0];
    for s in SPEEDS {
        if (s.ln() - v.max(1e-3).ln()).abs() < (best.ln() - v.max(1e-3).ln()).abs() {
            best = s;
        }
    }
    best
}

/// `p=` text: only the parameters that differ from their defaults, in spec order.
pub fn encode_params(params: &Params) -> String {
    params
        .iter()
        .filter(|(spec, v)| *v != spec.default_value())
        .map(|(spec, v)| format!("{}:{}", spec.name, spec.format(&v)))
        .collect::<Vec<_>>()
        .join(",")
}

/// The query string (with `?`) that reproduces `state`. `f=` is always written, even empty, so that the
/// link reproduces "no faults" rather than falling back to the default preset.
pub fn encode(state: &SceneUrl) -> String {
    let mut q = match state.tour_step {
        Some(n) => format!("{}&seed={}", crate::tour::step_href(state.scene_id, n), state.seed),
        None => format!("?scene={}&seed={}", state.scene_id, state.seed),
    };
    let p = encode_params(&state.params);
    if !p.is_empty() {
        q.push_str("&p=");
        q.push_str(&encode_component(&p));
    }
    q.push_str("&f=");
    q.push_str(&encode_component(&format_script(&state.script)));
    if let Some(c) = state.challenge {
        q.push_str("&challenge=");
        q.push_str(c);
    }
    if state.t > SimTime::ZERO {
        q.push_str("&t=");
        q.push_str(&state.t.exact_secs());
    }
    if (state.speed - 1.0).abs() > 1e-9 {
        q.push_str(&format!("&speed={}", state.speed));
    }
    if let (Some(c), Some(scene)) = (state.compare, faultline_sim::scene_by_id(state.scene_id)) {
        q.push_str("&cmp=");
        q.push_str(&encode_component(&c.text(scene)));
    }
    if state.embed {
        q.push_str("&embed=1");
        if state.embed_options.show() != EmbedOptions::default().show() {
            q.push_str("&show=");
            q.push_str(&state.embed_options.show());
        }
        if state.embed_options.autoplay {
            q.push_str("&autoplay=1");
        }
    }
    if state.present {
        q.push_str("&present=1");
    }
    if let Some(slow) = state.slow
        && slow != director_default(state)
    {
        q.push_str(if slow { "&slow=1" } else { "&slow=0" });
    }
    q
}

/// The step of a numeric parameter (1 for choices), for sliders.
pub fn step_of(kind: &ParamKind) -> f64 {
    match kind {
        ParamKind::Number { step, .. } => *step,
        ParamKind::Choice { .. } => 1.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_page_names_the_bundle_that_serves_it() {
        let b = |q: &str| bundle_for(&parse_query(q));
        assert_eq!(b(""), "home");
        assert_eq!(b("?scene=cap&t=3"), "cap");
        assert_eq!(b("?scene=circuit_breaker"), "circuit-breaker");
        assert_eq!(b("?scene=nope"), "home", "an unknown scene is the home page's notice");
        assert_eq!(b("?bench=1"), "all");
        assert_eq!(b("?bench=0"), "home");
        assert_eq!(b("?scene=saga&bench=1"), "saga", "the scene wins, as in `route`");
        assert_eq!(b("?tour=sharding&step=2"), "sharding");
        assert_eq!(b("?tour=nope"), "home");
        assert_eq!(b("?scene=cap&tour=saga"), "cap");
        // This build (default features) serves every page.
        for id in faultline_sim::SCENE_IDS.iter().chain(&["home", "all"]) {
            assert!(serves(id), "{id}");
        }
    }

    fn state(q: &str) -> SceneUrl {
        let scene = faultline_sim::scene_by_id("circuit-breaker").expect("registered");
        resolve(scene, &parse_query(q)).0
    }

    #[test]
    fn slow_motion_is_on_by_default_only_in_presenter_mode_and_tours() {
        assert!(!director_on(&state("?scene=circuit-breaker")));
        assert!(director_on(&state("?scene=circuit-breaker&present=1")));
        assert!(!director_on(&state("?scene=circuit-breaker&present=1&slow=0")));
        assert!(director_on(&state("?scene=circuit-breaker&slow=1")));
        let tour = |q: &str| {
            let scene = faultline_sim::scene_by_id("cache-stampede").expect("registered");
            resolve(scene, &parse_query(q)).0
        };
        assert!(director_on(&tour("?tour=cache-stampede&step=1")), "a tour slows down at its moments");
        assert!(!director_on(&tour("?tour=cache-stampede&step=1&slow=0")));
    }

    #[test]
    fn present_and_slow_round_trip_and_slow_is_written_only_against_the_default() {
        for q in [
            "?scene=circuit-breaker&present=1",
            "?scene=circuit-breaker&slow=1",
            "?scene=circuit-breaker&present=1&slow=0",
        ] {
            let s = state(q);
            let back = state(&encode(&s));
            assert_eq!((back.present, director_on(&back)), (s.present, director_on(&s)), "{q}");
        }
        let mut s = state("?scene=circuit-breaker&present=1");
        s.slow = Some(true);
        assert!(encode(&s).ends_with("&present=1"), "{}", encode(&s));
        s.present = false;
        s.slow = Some(false);
        assert!(!encode(&s).contains("slow="));
    }
}
