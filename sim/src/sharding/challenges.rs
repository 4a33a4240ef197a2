//! The sharding challenges: tame a celebrity key, and add a shard without moving most keys.

use crate::scene::{Challenge, Goal, Measure, Op, Unit};

pub const CHALLENGES: &[Challenge] = &[
    Challenge {
        id: "tame-the-celebrity",
        title: "Tame the celebrity",
        brief: "One key carries a quarter of 2,000 requests per second, nine in ten of them writes, on 16 shards \
                that each serve 500 per second. Its shard is saturated and queues grow without bound. Over the \
                first 30 s, keep the busiest shard at 25% of the traffic or less and p99 latency under 200 ms.",
        params: &[
            ("shards", "16"),
            ("celebrity_share", "0.25"),
            ("write_share", "0.9"),
            ("request_rate", "2000"),
            ("shard_capacity", "500"),
        ],
        faults: &[],
        seed: 1,
        duration_s: 30,
        may_change: &["salt", "strategy", "vnodes"],
        goals: &[
            Goal {
                measure: Measure::Value("max_shard_share"),
                op: Op::AtMost,
                target: 0.25,
                label: "busiest shard's share of requests",
                unit: Unit::Percent,
            },
            Goal {
                measure: Measure::Value("latency_p99_ms"),
                op: Op::AtMost,
                target: 200.0,
                label: "p99 latency",
                unit: Unit::Ms,
            },
        ],
        known_good: &[("salt", "8")],
        solution_note: "Salting the key 8 ways spreads its writes over 8 sub-keys on different shards; only its \
                        reads fan out, and with nine in ten requests writes that is a good trade. No placement \
                        strategy helps alone: one key always lives on one shard.",
    },
    Challenge {
        id: "add-a-shard-gently",
        title: "Add a shard gently",
        brief: "At 5 s a fifth shard joins four. Under hash mod N almost every key changes owner and has to move. \
                Over the first 30 s, move at most 30% of the keys while keeping the load imbalance (busiest shard \
                over the mean) at 1.35 or less.",
        params: &[("strategy", "hash_mod")],
        faults: &["5:trigger:add_shard"],
        seed: 1,
        duration_s: 30,
        may_change: &["strategy", "vnodes"],
        goals: &[
            Goal {
                measure: Measure::Ratio("keys_moved", "keys"),
                op: Op::AtMost,
                target: 0.3,
                label: "keys moved by the reshard",
                unit: Unit::Percent,
            },
            Goal {
                measure: Measure::Value("imbalance"),
                op: Op::AtMost,
                target: 1.35,
                label: "imbalance (busiest shard / mean)",
                unit: Unit::Factor,
            },
        ],
        known_good: &[("strategy", "ring")],
        solution_note: "On a consistent-hash ring a new shard takes over only the arcs just before its points, \
                        about 1/(N+1) of the keys, all from its neighbours; hash mod N reassigns about N/(N+1).",
    },
];
