//! The saga's challenges: no double effects under duplicate delivery, and never refund a paid order.

use crate::scene::{Challenge, Goal, Measure, Op, Unit};

pub const CHALLENGES: &[Challenge] = &[
    Challenge {
        id: "no-double-charges",
        title: "Charge each order once",
        brief: "The bus delivers one message in ten twice, and the services apply whatever arrives. Customers are \
                charged twice, stock is released twice. Over the first 30 s, let no duplicate delivery have a \
                second effect while at least 30 orders still go through.",
        params: &[
            ("fail_payment", "0"),
            ("fail_inventory", "0.3"),
            ("fail_shipping", "0"),
            ("duplicate_rate", "0.1"),
            ("idempotency", "off"),
        ],
        faults: &[],
        seed: 1,
        duration_s: 30,
        may_change: &["idempotency", "retry_backoff_ms"],
        goals: &[
            Goal {
                measure: Measure::Count("duplicate_effects"),
                op: Op::AtMost,
                target: 0.0,
                label: "duplicate deliveries applied a second time",
                unit: Unit::Count,
            },
            Goal {
                measure: Measure::Count("sagas_committed"),
                op: Op::AtLeast,
                target: 30.0,
                label: "orders committed",
                unit: Unit::Count,
            },
        ],
        known_good: &[("idempotency", "on")],
        solution_note: "Idempotent handlers keep a row per (saga, step) and answer a repeat from it: the second \
                        copy of a charge or a release changes nothing.",
    },
    Challenge {
        id: "ship-every-paid-order",
        title: "Ship every paid order",
        brief: "Payments always go through, but inventory and shipping fail three times in ten, and every failure \
                refunds the customer. The business would rather retry than refund once the money is taken. Over \
                the first 30 s, compensate no saga at all while committing at least 40 orders.",
        params: &[("fail_payment", "0"), ("fail_inventory", "0.3"), ("fail_shipping", "0.3")],
        faults: &[],
        seed: 1,
        duration_s: 30,
        may_change: &["pivot", "retry_backoff_ms"],
        goals: &[
            Goal {
                measure: Measure::Count("sagas_compensated"),
                op: Op::AtMost,
                target: 0.0,
                label: "sagas compensated",
                unit: Unit::Count,
            },
            Goal {
                measure: Measure::Count("sagas_committed"),
                op: Op::AtLeast,
                target: 40.0,
                label: "orders committed",
                unit: Unit::Count,
            },
        ],
        known_good: &[("pivot", "payment")],
        solution_note: "With payment as the pivot, the saga only goes forward once the charge commits: inventory \
                        and shipping are retried until they succeed, never compensated.",
    },
];
