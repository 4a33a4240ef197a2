//! The CAP tour: a partition under cp and under ap, last-writer-wins losing a write at the heal, a
//! multi-value register keeping both, and fast but stale quorums without any partition.

use crate::scene::tour::{Answer, Band, Measure, Prediction, Tolerance, TourStep};

const SITE_B: &[Band] = &[
    Band { label: "almost none (under 20%)", below: 0.2 },
    Band { label: "some (20% to 80%)", below: 0.8 },
    Band { label: "nearly all (80% or more)", below: f64::INFINITY },
];

const STALE: &[Band] = &[
    Band { label: "almost none (under 10%)", below: 0.1 },
    Band { label: "about a third (10% to 50%)", below: 0.5 },
    Band { label: "about two thirds (50% or more)", below: f64::INFINITY },
];

pub static TOUR: &[TourStep] = &[
    TourStep {
        title: "cp: the minority refuses",
        text: "Three replicas, two in site a and one in site b, and every read and write needs a majority. At \
               3 s the link between the sites is cut. Site a still holds two of three replicas; site b holds \
               one.",
        preset: Some("cp-minority-refuses"),
        params: &[],
        faults: &[],
        seed: 1,
        at_ms: 2_500,
        prediction: Some(Prediction {
            question: "Which side keeps answering? From 5 s to 12 s, what share of site b's operations succeed?",
            answer: Answer::Choice { options: SITE_B },
            measure: Measure::Share("ops_ok_b", "ops_b"),
            window_ms: (5_000, 12_000),
            expected: 0.0,
        }),
    },
    TourStep {
        title: "ap: both sides answer",
        text: "The same cut, but each replica now accepts reads and writes on its own and passes them on later. \
               Nothing waits for a majority, so nothing is refused. Site b simply does not hear about site a's \
               writes until the heal at 13 s.",
        preset: Some("ap-both-answer"),
        params: &[],
        faults: &[],
        seed: 1,
        at_ms: 2_500,
        prediction: Some(Prediction {
            question: "From 5 s to 12 s, what share of site b's operations succeed now?",
            answer: Answer::Choice { options: SITE_B },
            measure: Measure::Share("ops_ok_b", "ops_b"),
            window_ms: (5_000, 12_000),
            expected: 2.0,
        }),
    },
    TourStep {
        title: "Last writer wins, and a write is lost",
        text: "One client per site, split from 3 s to 9 s. Each side keeps accepting writes. At the heal the \
               replicas compare timestamps and keep only the later value everywhere, so the other side's last \
               acknowledged write disappears.",
        preset: Some("lww-loses-a-write"),
        params: &[],
        faults: &[],
        seed: 1,
        at_ms: 8_500,
        prediction: Some(Prediction {
            question: "How many acknowledged writes are lost around the heal (8.5 s to 11 s)?",
            answer: Answer::Numeric { unit: "lost writes", tolerance: Tolerance { abs: 0.0, rel: 0.0 } },
            measure: Measure::Increase("lost_writes"),
            window_ms: (8_500, 11_000),
            expected: 1.0,
        }),
    },
    TourStep {
        title: "Keep both: a multi-value register",
        text: "The same split, but each value carries a vector clock. At the heal the replicas see that neither \
               write saw the other, and keep both as siblings. The next write, having read both, replaces them.",
        preset: Some("siblings-keep-both"),
        params: &[],
        faults: &[],
        seed: 1,
        at_ms: 8_500,
        prediction: Some(Prediction {
            question: "How many acknowledged writes are lost around the heal this time (8.5 s to 11 s)?",
            answer: Answer::Numeric { unit: "lost writes", tolerance: Tolerance { abs: 0.0, rel: 0.0 } },
            measure: Measure::Increase("lost_writes"),
            window_ms: (8_500, 11_000),
            expected: 0.0,
        }),
    },
    TourStep {
        title: "Fast and stale, with no partition",
        text: "No cut at all. Reads and writes each ask one replica of three (R = W = 1), and writes reach the \
               other replicas 2 s later. A read is fresh only if it happens to ask a replica that already has \
               the latest write.",
        preset: Some("fast-and-stale"),
        params: &[],
        faults: &[],
        seed: 1,
        at_ms: 0,
        prediction: Some(Prediction {
            question: "Over the first 20 s, what share of reads return an older value than the latest write?",
            answer: Answer::Choice { options: STALE },
            measure: Measure::Share("stale_reads", "reads_ok"),
            window_ms: (0, 20_000),
            expected: 2.0,
        }),
    },
];
