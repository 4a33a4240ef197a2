//! The circuit breaker's challenges: survive a slow dependency and a dead one by tuning only the breaker.

use crate::scene::{Challenge, Goal, Measure, Op, Unit};

/// The breaker's own settings: what "changing only breaker settings" allows.
const BREAKER_SETTINGS: &[&str] = &[
    "breaker",
    "window_type",
    "window_size",
    "min_calls",
    "failure_threshold",
    "slow_call_ms",
    "slow_call_threshold",
    "open_wait_ms",
    "half_open_calls",
    "half_open_max_wait_ms",
];

pub const CHALLENGES: &[Challenge] = &[
    Challenge {
        id: "keep-the-caller-alive",
        title: "Keep the caller alive",
        brief: "At 3 s the dependency slows to 3 s per call and the caller waits up to 2 s on each. Without \
                protection every thread ends up waiting and even requests that never needed the dependency fail. \
                Over the first 30 s, keep at least 90% of those requests succeeding and turn at most 100 requests \
                away for lack of a free thread — changing only the breaker's settings.",
        params: &[("breaker", "off"), ("timeout_ms", "2000")],
        faults: &["3:set:dependency_latency_ms=3000", "25:set:dependency_latency_ms=80"],
        seed: 1,
        duration_s: 30,
        may_change: BREAKER_SETTINGS,
        goals: &[
            Goal {
                measure: Measure::Value("local_success_ratio"),
                op: Op::AtLeast,
                target: 0.9,
                label: "requests needing no dependency that succeeded",
                unit: Unit::Percent,
            },
            Goal {
                measure: Measure::Count("pool_full"),
                op: Op::AtMost,
                target: 100.0,
                label: "requests turned away: no free thread",
                unit: Unit::Count,
            },
        ],
        known_good: &[("breaker", "on"), ("slow_call_ms", "1000"), ("slow_call_threshold", "0.5")],
        solution_note: "A breaker that counts slow calls opens once half the window waited a second or more; from \
                        then on calls are rejected at once, the threads drain, and requests that need no dependency \
                        find a free thread again.",
    },
    Challenge {
        id: "recover-after-the-outage",
        title: "Come back when the dependency does",
        brief: "The dependency is down from 3 s to 15 s. The breaker opens as it should, but it waits 20 s before \
                probing, so it keeps rejecting calls long after the dependency is back. Over the first 30 s, keep \
                client success at 65% or more while sending the dead dependency at most 650 calls — changing only \
                the breaker's settings.",
        params: &[("open_wait_ms", "20000")],
        faults: &["3:crash:dependency", "15:restart:dependency"],
        seed: 1,
        duration_s: 30,
        may_change: BREAKER_SETTINGS,
        goals: &[
            Goal {
                measure: Measure::Value("success_ratio"),
                op: Op::AtLeast,
                target: 0.65,
                label: "client requests that succeeded",
                unit: Unit::Percent,
            },
            Goal {
                measure: Measure::Count("dependency_calls"),
                op: Op::AtMost,
                target: 650.0,
                label: "calls sent to the dependency",
                unit: Unit::Count,
            },
        ],
        known_good: &[("open_wait_ms", "2000")],
        solution_note: "A 2 s wait in OPEN sends a few probes every couple of seconds: while the dependency is down \
                        they fail and the breaker reopens, and within about 2 s of its return a probe succeeds and \
                        the breaker closes. Without a breaker every call would hit the dead dependency.",
    },
];
