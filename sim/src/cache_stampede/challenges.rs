//! The cache stampede's challenges: protect the database through a flush, and hide every expiry from readers.

use crate::scene::{Challenge, Goal, Measure, Op, Unit};

/// The protection a reader may choose: the strategy and its knobs, and TTL jitter.
const PROTECTION: &[&str] = &["strategy", "xfetch_beta", "swr_grace_s", "lock_poll_ms", "ttl_jitter"];

pub const CHALLENGES: &[Challenge] = &[
    Challenge {
        id: "survive-a-flush",
        title: "Survive a cache flush",
        brief: "Ten hot keys take 200 requests per second, and at 10 s someone flushes the cache. Every server \
                that misses asks the database at once. Keep the database at 10 concurrent queries or fewer over \
                the first 30 s (cold start included) by choosing how the servers recompute a missing value.",
        params: &[("hot_keys", "10")],
        faults: &["10:trigger:flush"],
        seed: 1,
        duration_s: 30,
        may_change: PROTECTION,
        goals: &[Goal {
            measure: Measure::Count("max_db_concurrency"),
            op: Op::AtMost,
            target: 10.0,
            label: "peak database concurrency",
            unit: Unit::Count,
        }],
        known_good: &[("strategy", "global_lock")],
        solution_note: "A lock shared by all servers lets exactly one of them recompute a missing key while the \
                        others wait for its value: at most one query per key reaches the database.",
    },
    Challenge {
        id: "no-reader-waits",
        title: "No reader waits on an expiry",
        brief: "One hot key takes 200 requests per second and expires every 5 s; each expiry sends a burst of \
                readers to the database and makes them wait for the recompute. Over the first 30 s, let no reader \
                of a warm key see a miss and keep the database at 5 concurrent queries or fewer.",
        params: &[],
        faults: &[],
        seed: 1,
        duration_s: 30,
        may_change: PROTECTION,
        goals: &[
            Goal {
                measure: Measure::Count("user_visible_misses_on_warm_keys"),
                op: Op::AtMost,
                target: 0.0,
                label: "misses a reader saw on a warm key",
                unit: Unit::Count,
            },
            Goal {
                measure: Measure::Count("max_db_concurrency"),
                op: Op::AtMost,
                target: 5.0,
                label: "peak database concurrency",
                unit: Unit::Count,
            },
        ],
        known_good: &[("strategy", "swr")],
        solution_note: "Stale-while-revalidate keeps serving the expired value while one background recompute \
                        refreshes it: readers never wait, and the database sees one query per expiry.",
    },
];
