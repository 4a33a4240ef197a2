//! The saga's guided tour: the happy path, a declined card, a failure after the charge, an orchestrator
//! crash recovered from its log, and duplicate deliveries without idempotent handlers.

use crate::scene::tour::{Answer, Band, Measure, Prediction, Tolerance, TourStep};

const WHILE_DOWN: &[Band] = &[
    Band { label: "none", below: 0.5 },
    Band { label: "a few (1 to 4)", below: 5.0 },
    Band { label: "as many as usual (5 or more)", below: f64::INFINITY },
];

pub static TOUR: &[TourStep] = &[
    TourStep {
        title: "Every step succeeds",
        text: "An order runs four local transactions in turn: create the order, charge the card, reserve \
               stock, book a courier. When all four succeed the saga commits. There is no global transaction: \
               each service commits its own step at once.",
        preset: Some("happy-path"),
        params: &[],
        faults: &[],
        seed: 1,
        at_ms: 0,
        prediction: None,
    },
    TourStep {
        title: "The card is declined",
        text: "Half the payments now fail. A failed step is not undone, because it never happened; only the \
               steps before it are compensated, in reverse order. Here that is just the order, which is \
               cancelled.",
        preset: Some("payment-declined"),
        params: &[],
        faults: &[],
        seed: 1,
        at_ms: 0,
        prediction: Some(Prediction {
            question: "About 20 orders arrive in the first 10 s and half the cards are declined. How many compensations run in that time?",
            answer: Answer::Numeric { unit: "compensations", tolerance: Tolerance { abs: 3.0, rel: 0.3 } },
            measure: Measure::Increase("compensations"),
            window_ms: (0, 10_000),
            expected: 8.0,
        }),
    },
    TourStep {
        title: "Out of stock after charging",
        text: "Now payment succeeds and half the orders find no stock. The customer has been charged, so the \
               saga refunds the payment, then cancels the order: two compensations, in reverse order, each \
               exactly once.",
        preset: Some("out-of-stock-after-charging"),
        params: &[],
        faults: &[],
        seed: 1,
        at_ms: 0,
        prediction: Some(Prediction {
            question: "With about as many failed sagas as before, how many compensations run in the first 10 s?",
            answer: Answer::Numeric { unit: "compensations", tolerance: Tolerance { abs: 3.0, rel: 0.3 } },
            measure: Measure::Increase("compensations"),
            window_ms: (0, 10_000),
            expected: 16.0,
        }),
    },
    TourStep {
        title: "The orchestrator crashes",
        text: "At 5 s the orchestrator crashes and loses everything in memory. Its saga log is durable: every \
               decision was written there before it was acted on. Until it restarts at 9 s, orders and replies \
               wait in its queue.",
        preset: Some("orchestrator-crashes-mid-saga"),
        params: &[],
        faults: &[],
        seed: 1,
        at_ms: 4_500,
        prediction: Some(Prediction {
            question: "How many sagas commit while the orchestrator is down, from 5.5 s to 9 s?",
            answer: Answer::Choice { options: WHILE_DOWN },
            measure: Measure::Increase("sagas_committed"),
            window_ms: (5_500, 9_000),
            expected: 0.0,
        }),
    },
    TourStep {
        title: "Duplicates without idempotency",
        text: "The bus now delivers one message in ten twice, and no handler checks whether it has seen a \
               message before. A repeated charge charges again; a repeated refund refunds again. Watch the \
               duplicate effects on the correctness panel.",
        preset: Some("duplicates-without-idempotency"),
        params: &[],
        faults: &[],
        seed: 1,
        at_ms: 0,
        prediction: Some(Prediction {
            question: "How many duplicate effects (a second charge, refund, reservation…) happen in the first 10 s?",
            answer: Answer::Numeric { unit: "duplicate effects", tolerance: Tolerance { abs: 3.0, rel: 0.3 } },
            measure: Measure::Increase("duplicate_effects"),
            window_ms: (0, 10_000),
            expected: 20.0,
        }),
    },
];
