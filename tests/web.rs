//! Browser unit tests of the URL state (`faultline::url_state`): parsing, clamping, notices and the
//! round trip URL → state → URL. Run by `cargo xtask test` (wasm-bindgen-test in headless Chromium).

use faultline::url_state::{self, Route, SceneUrl, decode_component, encode, parse_query, resolve, route};
use faultline_sim::kernel::SimTime;
use faultline_sim::scene::{ParamValue, Scene};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn breaker() -> &'static dyn Scene {
    faultline_sim::scene_by_id("circuit-breaker").expect("registered")
}

fn resolve_str(q: &str) -> (SceneUrl, Vec<String>) {
    resolve(breaker(), &parse_query(q))
}

#[wasm_bindgen_test]
fn routes() {
    assert_eq!(route(&parse_query("")), Route::Home);
    assert_eq!(route(&parse_query("?bench=1")), Route::Bench);
    assert_eq!(route(&parse_query("?scene=circuit_breaker")), Route::Scene("circuit-breaker"));
    assert_eq!(route(&parse_query("?scene=nope")), Route::UnknownScene("nope".into()));
}

#[wasm_bindgen_test]
fn decodes_percent_and_plus() {
    assert_eq!(decode_component("a%3Ab+c%2"), "a:b c%2");
    assert_eq!(parse_query("?x=1&y&z=%41")[2], ("z".to_string(), "A".to_string()));
}

#[wasm_bindgen_test]
fn bare_scene_gets_the_default_preset() {
    let (s, notices) = resolve_str("?scene=circuit-breaker");
    assert!(notices.is_empty());
    assert_eq!(s.script.len(), 2, "dependency-down crashes and restarts the dependency");
    assert_eq!(s.seed, url_state::DEFAULT_SEED);
    // An explicit empty script means "no faults", not "the default preset".
    let (s, _) = resolve_str("?scene=circuit-breaker&f=");
    assert!(s.script.is_empty());
}

#[wasm_bindgen_test]
fn malformed_values_are_clamped_or_dropped_with_notices() {
    let (s, notices) = resolve_str(
        "?scene=circuit-breaker&p=failure_rate:abc,bogus:1,request_rate:99999&seed=xyz&t=-5&f=garbage,2:crash:nowhere,4:crash:dependency&speed=3",
    );
    assert_eq!(s.params.get("failure_rate"), Some(ParamValue::Number(0.02)));
    assert_eq!(s.params.get("request_rate"), Some(ParamValue::Number(5000.0)));
    assert_eq!(s.seed, 1);
    assert_eq!(s.t, SimTime::ZERO);
    assert_eq!(s.script.len(), 1, "only the valid fault survives");
    assert_eq!(s.speed, 2.0);
    let all = notices.join("\n");
    for word in ["failure_rate", "bogus", "request_rate", "xyz", "-5", "garbage", "nowhere", "speed"] {
        assert!(all.contains(word), "a notice mentions {word}: {all}");
    }
}

#[wasm_bindgen_test]
fn time_beyond_the_limit_is_clamped() {
    let (s, notices) = resolve_str("?scene=circuit-breaker&t=1e9");
    assert_eq!(s.t, SimTime::from_secs(3600));
    assert_eq!(notices.len(), 1);
}

#[wasm_bindgen_test]
fn state_round_trips_through_the_url() {
    let (s, notices) = resolve_str(
        "?scene=circuit-breaker&seed=18446744073709551615&p=failure_rate:0.3,breaker:off&f=1.5:crash:dependency,2:cut:caller-dependency,3.25:set:timeout_ms=500&t=12.345678&speed=0.25&embed=1",
    );
    assert!(notices.is_empty(), "{notices:?}");
    assert_eq!(s.seed, u64::MAX);
    assert_eq!(s.t, SimTime::from_micros(12_345_678));
    let q = encode(&s);
    assert!(q.contains("p=failure_rate:0.30,breaker:off"), "{q}");
    assert!(q.contains("t=12.345678"), "{q}");
    let (again, notices) = resolve_str(&q);
    assert!(notices.is_empty(), "{notices:?}");
    assert_eq!(again, s);
}

#[wasm_bindgen_test]
fn only_changed_params_are_written() {
    let mut s = SceneUrl::initial(breaker());
    s.params = breaker().default_params();
    s.script.clear();
    assert_eq!(encode(&s), "?scene=circuit-breaker&seed=1&f=");
}

fn stampede() -> &'static dyn Scene {
    faultline_sim::scene_by_id("cache-stampede").expect("registered")
}

#[wasm_bindgen_test]
fn comparison_choice_round_trips() {
    let (s, notices) = resolve(stampede(), &parse_query("?scene=cache-stampede&cmp=global_lock"));
    assert!(notices.is_empty(), "{notices:?}");
    assert_eq!(s.compare.map(|c| (c.param, c.value(stampede()))), Some(("strategy", "global_lock")));
    let q = encode(&s);
    assert!(q.contains("&cmp=strategy:global_lock"), "{q}");
    let (again, notices) = resolve(stampede(), &parse_query(&q));
    assert!(notices.is_empty(), "{notices:?}");
    assert_eq!(again, s);
    // The breaker's choices include "off": it names the breaker setting, not "no comparison".
    let (s, notices) = resolve_str("?scene=circuit-breaker&cmp=off");
    assert!(notices.is_empty(), "{notices:?}");
    assert_eq!(s.compare.map(|c| c.text(breaker())), Some("breaker:off".to_string()));
    // A scene may declare several comparable parameters: the reader chooses which one B varies.
    let (s, notices) = resolve_str("?scene=circuit-breaker&cmp=window_type:time");
    assert!(notices.is_empty(), "{notices:?}");
    assert_eq!(s.compare.map(|c| c.text(breaker())), Some("window_type:time".to_string()));
    assert!(encode(&s).contains("&cmp=window_type:time"));
    // No `cmp`, no comparison, and none written.
    let (s, _) = resolve_str("?scene=circuit-breaker");
    assert_eq!(s.compare, None);
    assert!(!encode(&s).contains("cmp="));
}

#[wasm_bindgen_test]
fn bad_comparison_choices_are_ignored_with_notices() {
    let (s, notices) = resolve(stampede(), &parse_query("?scene=cache-stampede&cmp=bogus"));
    assert_eq!(s.compare, None);
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert!(notices[0].contains("bogus") && notices[0].contains("global_lock"), "names the choices: {notices:?}");
    // The run itself already uses that choice (the default preset has no protection).
    let (s, notices) = resolve(stampede(), &parse_query("?scene=cache-stampede&cmp=none"));
    assert_eq!(s.compare, None);
    assert_eq!(notices.len(), 1, "{notices:?}");
    // With A on global_lock, `none` is a comparison again.
    let (s, notices) = resolve(stampede(), &parse_query("?scene=cache-stampede&p=strategy:global_lock&cmp=none"));
    assert!(notices.is_empty(), "{notices:?}");
    assert_eq!(s.compare.map(|c| c.text(stampede())), Some("strategy:none".to_string()));
    // The breaker is on by default: comparing with "on" is ignored.
    let (s, notices) = resolve_str("?scene=circuit-breaker&cmp=on");
    assert_eq!(s.compare, None);
    assert_eq!(notices.len(), 1, "{notices:?}");
}

#[wasm_bindgen_test]
fn a_challenge_link_loads_its_setup_and_a_solution_link_round_trips() {
    let (s, notices) = resolve_str("?scene=circuit-breaker&challenge=recover-after-the-outage");
    assert!(notices.is_empty(), "{notices:?}");
    assert_eq!(s.challenge, Some("recover-after-the-outage"));
    assert_eq!(s.params.get("open_wait_ms"), Some(ParamValue::Number(20000.0)));
    assert_eq!(s.script.len(), 2);
    let mut solved = s.clone();
    solved.params.set("open_wait_ms", "2000").unwrap();
    solved.t = SimTime::from_secs(30);
    let q = encode(&solved);
    assert!(q.contains("challenge=recover-after-the-outage") && q.contains("open_wait_ms:2000"), "{q}");
    let (again, notices) = resolve_str(&q);
    assert!(notices.is_empty(), "{notices:?}");
    assert_eq!(again, solved);

    let (s, notices) = resolve_str("?scene=circuit-breaker&challenge=nope");
    assert_eq!(s.challenge, None);
    assert!(notices[0].contains("unknown challenge 'nope'"), "{notices:?}");
}
