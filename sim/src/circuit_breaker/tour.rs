//! The circuit breaker's guided tour: a healthy breaker, a dependency that goes down, a slow dependency
//! that drains the caller's pool with and without a breaker, and a breaker tuned to flap.

use crate::scene::tour::{Answer, Band, Measure, Prediction, Tolerance, TourStep};

const FEW_OR_MANY: &[Band] = &[
    Band { label: "none, or a few probes (under 10)", below: 10.0 },
    Band { label: "fewer than usual (10 to 100)", below: 100.0 },
    Band { label: "about as many as usual (100 or more)", below: f64::INFINITY },
];

const POOL: &[Band] = &[
    Band { label: "mostly idle (under 50% busy)", below: 0.5 },
    Band { label: "busy but with room (50% to 90%)", below: 0.9 },
    Band { label: "full (90% busy or more)", below: f64::INFINITY },
];

pub static TOUR: &[TourStep] = &[
    TourStep {
        title: "A healthy dependency",
        text: "Requests come in at 40 per second; seven in ten need the dependency, which fails 2% of calls. \
               The breaker counts the last 20 calls and opens only when at least 10 were made and half of them \
               failed. Two failures in a hundred are nowhere near that.",
        preset: Some("healthy"),
        params: &[],
        faults: &[],
        seed: 1,
        at_ms: 0,
        prediction: Some(Prediction {
            question: "How many times does the breaker change state in the first 10 s?",
            answer: Answer::Numeric { unit: "transitions", tolerance: Tolerance { abs: 0.0, rel: 0.0 } },
            measure: Measure::Increase("transitions"),
            window_ms: (0, 10_000),
            expected: 0.0,
        }),
    },
    TourStep {
        title: "The dependency goes down",
        text: "At 3 s the dependency crashes and every call to it fails. Within a few calls the window is full \
               of failures and the breaker opens: for the next 4 s the caller rejects calls at once instead of \
               sending them. Then it lets 3 probes through to see whether the dependency is back.",
        preset: Some("dependency-down"),
        params: &[],
        faults: &[],
        seed: 1,
        at_ms: 2_500,
        prediction: Some(Prediction {
            question: "From 4 s to 10 s, while the dependency is down, how many calls does the caller still send it?",
            answer: Answer::Choice { options: FEW_OR_MANY },
            measure: Measure::Increase("dependency_calls"),
            window_ms: (4_000, 10_000),
            expected: 0.0,
        }),
    },
    TourStep {
        title: "A slow dependency, no breaker",
        text: "At 3 s the dependency slows to 3 s per call, past the caller's 2 s timeout. Every call now holds \
               one of the caller's 20 threads until it times out. Without a breaker nothing stops new calls from \
               taking the threads that are left.",
        preset: Some("slow-cascade-no-breaker"),
        params: &[],
        faults: &[],
        seed: 1,
        at_ms: 2_500,
        prediction: Some(Prediction {
            question: "From 5 s to 12 s, how busy is the caller's thread pool on average?",
            answer: Answer::Choice { options: POOL },
            measure: Measure::SeriesMean("pool_utilisation"),
            window_ms: (5_000, 12_000),
            expected: 2.0,
        }),
    },
    TourStep {
        title: "The same slowdown, with a breaker",
        text: "Now the breaker counts a call slower than 1 s as slow, and opens when enough of the window is \
               slow. It needs a window of slow calls first, so the pool still fills for a moment. Once open, \
               calls are rejected at once and never take a thread.",
        preset: Some("slow-cascade-with-breaker"),
        params: &[],
        faults: &[],
        seed: 1,
        at_ms: 2_500,
        prediction: Some(Prediction {
            question: "From 8 s to 14 s, how busy is the caller's thread pool on average?",
            answer: Answer::Choice { options: POOL },
            measure: Measure::SeriesMean("pool_utilisation"),
            window_ms: (8_000, 14_000),
            expected: 0.0,
        }),
    },
    TourStep {
        title: "A breaker that flaps",
        text: "Here 15% of calls fail, the threshold is 20% over only 5 calls, and a single probe decides \
               whether to close. A small window sees two failures out of five often, and one lucky probe closes \
               the breaker again.",
        preset: Some("flapping"),
        params: &[],
        faults: &[],
        seed: 1,
        at_ms: 0,
        prediction: Some(Prediction {
            question: "How many state changes does the breaker make in the first 15 s?",
            answer: Answer::Numeric { unit: "transitions", tolerance: Tolerance { abs: 2.0, rel: 0.25 } },
            measure: Measure::Increase("transitions"),
            window_ms: (0, 15_000),
            expected: 28.0,
        }),
    },
];
