//! The cache stampede's guided tour: one hot key expiring with no protection, with per-server single-flight,
//! with a global lock and with XFetch, then a flush of 200 keys the database never recovers from.

use crate::scene::tour::{Answer, Band, Measure, Prediction, Tolerance, TourStep};

const OVERLOAD: &[Band] = &[
    Band { label: "back under its capacity of 25 queries", below: 25.0 },
    Band { label: "still over its capacity", below: f64::INFINITY },
];

const MISSES: &[Band] = &[
    Band { label: "none", below: 0.5 },
    Band { label: "a few (1 to 30)", below: 30.5 },
    Band { label: "about as many as with no protection (over 30)", below: f64::INFINITY },
];

pub static TOUR: &[TourStep] = &[
    TourStep {
        title: "The textbook stampede",
        text: "One hot key is read 200 times a second, cached for 5 s, and takes 100 ms to recompute. When it \
               expires, every request that arrives before the new value is written misses and goes to the \
               database itself. The theory says about 1 + λ·R of them.",
        preset: Some("textbook-stampede"),
        params: &[],
        faults: &[],
        seed: 1,
        at_ms: 4_000,
        prediction: Some(Prediction {
            question: "How many recomputes does the next expiry cause (from 4 s to 7 s)?",
            answer: Answer::Numeric { unit: "recomputes", tolerance: Tolerance { abs: 6.0, rel: 0.0 } },
            measure: Measure::Increase("recomputes"),
            window_ms: (4_000, 7_000),
            expected: 20.0,
        }),
    },
    TourStep {
        title: "Single-flight on each server",
        text: "Now each of the 4 app servers lets only one of its requests recompute a missing key; the others \
               wait for that result. The servers do not talk to each other.",
        preset: Some("single-flight"),
        params: &[],
        faults: &[],
        seed: 1,
        at_ms: 4_000,
        prediction: Some(Prediction {
            question: "How many recomputes does the next expiry cause now (from 4 s to 6 s)?",
            answer: Answer::Numeric { unit: "recomputes", tolerance: Tolerance { abs: 0.0, rel: 0.0 } },
            measure: Measure::Increase("recomputes"),
            window_ms: (4_000, 6_000),
            expected: 4.0,
        }),
    },
    TourStep {
        title: "A lock in the cache",
        text: "With a lock kept in the cache itself, the first server to miss takes it and recomputes; every \
               other request, on any server, polls until the new value is there. All of them get that value.",
        preset: Some("global-lock"),
        params: &[],
        faults: &[],
        seed: 1,
        at_ms: 4_000,
        prediction: Some(Prediction {
            question: "How many recomputes per expiry with the global lock (from 4 s to 6 s)?",
            answer: Answer::Numeric { unit: "recomputes", tolerance: Tolerance { abs: 0.0, rel: 0.0 } },
            measure: Measure::Increase("recomputes"),
            window_ms: (4_000, 6_000),
            expected: 1.0,
        }),
    },
    TourStep {
        title: "Refresh before it expires",
        text: "XFetch lets each reader refresh the value early with a probability that grows as the expiry \
               nears, so the value is usually replaced before anyone meets it expired. No lock is taken, so a \
               few readers may refresh at once.",
        preset: Some("probabilistic-early-expiration"),
        params: &[],
        faults: &[],
        seed: 1,
        at_ms: 1_000,
        prediction: Some(Prediction {
            question: "With no protection about 20 requests miss at each of the 4 expiries in 20 s. With XFetch, from 1 s to 21 s, how many requests find the key missing?",
            answer: Answer::Choice { options: MISSES },
            measure: Measure::Increase("user_visible_misses"),
            window_ms: (1_000, 21_000),
            expected: 1.0,
        }),
    },
    TourStep {
        title: "A stampede that never ends",
        text: "200 hot keys at 2,000 requests a second, and a database that slows down as it takes more than \
               25 queries at once. At 10 s the whole cache is flushed: every key stampedes together, each query \
               takes longer, so values come back later and yet more requests miss.",
        preset: Some("stampede-that-never-recovers"),
        params: &[],
        faults: &[],
        seed: 1,
        at_ms: 9_000,
        prediction: Some(Prediction {
            question: "Ten seconds after the flush (18 s to 20 s), how many queries is the database running?",
            answer: Answer::Choice { options: OVERLOAD },
            measure: Measure::SeriesMean("db_concurrency"),
            window_ms: (18_000, 20_000),
            expected: 1.0,
        }),
    },
];
