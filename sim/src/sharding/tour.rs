//! The sharding tour: a shard joining a consistent-hash ring and a hash-mod-N layout, increasing IDs on
//! range shards, and a celebrity key before and after salting.

use crate::scene::tour::{Answer, Band, Measure, Prediction, TourStep};

const MOVED: &[Band] = &[
    Band { label: "about 1 in 5 (under 3,000 keys)", below: 3_000.0 },
    Band { label: "about half (3,000 to 6,000)", below: 6_000.0 },
    Band { label: "about 4 in 5 (over 6,000)", below: f64::INFINITY },
];

const SHARE: &[Band] = &[
    Band { label: "under 30% of requests", below: 0.3 },
    Band { label: "30% to 50%", below: 0.5 },
    Band { label: "over 50%", below: f64::INFINITY },
];

pub static TOUR: &[TourStep] = &[
    TourStep {
        title: "A shard joins the ring",
        text: "10,000 keys live on 4 shards placed on a consistent-hash ring, each shard at 100 points. At 5 s \
               a fifth shard joins and takes the arcs just before its own points. Every key is asked for its \
               new owner, and every move is counted.",
        preset: Some("ring-add-shard"),
        params: &[],
        faults: &[],
        seed: 1,
        at_ms: 4_000,
        prediction: Some(Prediction {
            question: "How many of the 10,000 keys move when the fifth shard joins?",
            answer: Answer::Choice { options: MOVED },
            measure: Measure::Increase("keys_moved"),
            window_ms: (4_000, 6_000),
            expected: 0.0,
        }),
    },
    TourStep {
        title: "The same join under hash mod N",
        text: "The same keys placed by hash mod 4. A key's shard depends on the number of shards, so going from \
               4 to 5 changes the answer for most keys, not just the ones the new shard takes.",
        preset: Some("hash-mod-add-shard"),
        params: &[],
        faults: &[],
        seed: 1,
        at_ms: 4_000,
        prediction: Some(Prediction {
            question: "How many of the 10,000 keys move this time?",
            answer: Answer::Choice { options: MOVED },
            measure: Measure::Increase("keys_moved"),
            window_ms: (4_000, 6_000),
            expected: 2.0,
        }),
    },
    TourStep {
        title: "Increasing IDs on range shards",
        text: "Half the requests now create keys with increasing IDs, and shards own ranges of the keyspace. \
               Each new ID is larger than every existing one, so it falls in the last range.",
        preset: Some("sequential-ids-on-range-shards"),
        params: &[],
        faults: &[],
        seed: 1,
        at_ms: 0,
        prediction: Some(Prediction {
            question: "From 3 s to 10 s, what share of all requests does the busiest shard take?",
            answer: Answer::Choice { options: SHARE },
            measure: Measure::SeriesMean("busiest_share"),
            window_ms: (3_000, 10_000),
            expected: 2.0,
        }),
    },
    TourStep {
        title: "A celebrity key",
        text: "One key now receives a quarter of all requests, spread over eight shards. Whatever the \
               placement, that key lives on one shard, and that shard carries its traffic on top of its share \
               of the rest.",
        preset: Some("celebrity-key"),
        params: &[],
        faults: &[],
        seed: 1,
        at_ms: 0,
        prediction: Some(Prediction {
            question: "From 3 s to 10 s, what share of all requests does the busiest shard take?",
            answer: Answer::Choice { options: SHARE },
            measure: Measure::SeriesMean("busiest_share"),
            window_ms: (3_000, 10_000),
            expected: 1.0,
        }),
    },
    TourStep {
        title: "Salting the celebrity",
        text: "At 6 s the celebrity key is split into 8 sub-keys on different shards. Writes go to one \
               sub-key at random, so they spread out; a read must now ask all 8 and combine them.",
        preset: Some("salted-celebrity"),
        params: &[],
        faults: &[],
        seed: 1,
        at_ms: 5_000,
        prediction: Some(Prediction {
            question: "From 8 s to 14 s, what share of all requests does the busiest shard take?",
            answer: Answer::Choice { options: SHARE },
            measure: Measure::SeriesMean("busiest_share"),
            window_ms: (8_000, 14_000),
            expected: 0.0,
        }),
    },
];
