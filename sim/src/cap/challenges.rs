//! The CAP challenges: no stale reads through a partition, and fresh reads without paying for the slowest quorum.

use crate::scene::{Challenge, Goal, Measure, Op, Unit};

pub const CHALLENGES: &[Challenge] = &[
    Challenge {
        id: "no-stale-reads-in-a-split",
        title: "No stale reads through a split",
        brief: "From 3 s to 13 s the two sites cannot talk. Both sides keep accepting writes and answering reads, so \
                the minority side serves values the majority has already overwritten. Over the first 30 s, let no \
                client read a stale value and keep the recorded history linearizable.",
        params: &[("mode", "ap")],
        faults: &["3:trigger:partition", "13:trigger:heal"],
        seed: 1,
        duration_s: 30,
        may_change: &["mode", "read_quorum", "write_quorum", "conflict"],
        goals: &[
            Goal {
                measure: Measure::Count("stale_reads"),
                op: Op::AtMost,
                target: 0.0,
                label: "stale reads",
                unit: Unit::Count,
            },
            Goal {
                measure: Measure::Count("linearizability_violations"),
                op: Op::AtMost,
                target: 0.0,
                label: "linearizability violations found by the checker",
                unit: Unit::Count,
            },
        ],
        known_good: &[("mode", "cp")],
        solution_note: "Majority quorums for reads and writes: the minority side refuses instead of answering from \
                        its old copy — consistency paid for with availability on that side.",
    },
    Challenge {
        id: "fresh-and-fast",
        title: "Fresh and fast, no partition",
        brief: "Three replicas, reads and writes each wait for one replica, and replication lags 2 s: a read often \
                lands on a replica that has not seen the latest write. Over the first 30 s, serve no stale read \
                while keeping the mean operation latency at 33 ms or less.",
        params: &[("mode", "quorum"), ("read_quorum", "1"), ("write_quorum", "1"), ("replication_delay_ms", "2000")],
        faults: &[],
        seed: 1,
        duration_s: 30,
        may_change: &["read_quorum", "write_quorum"],
        goals: &[
            Goal {
                measure: Measure::Count("stale_reads"),
                op: Op::AtMost,
                target: 0.0,
                label: "stale reads",
                unit: Unit::Count,
            },
            Goal {
                measure: Measure::Value("latency_mean_ms"),
                op: Op::AtMost,
                target: 33.0,
                label: "mean operation latency",
                unit: Unit::Ms,
            },
        ],
        known_good: &[("read_quorum", "2"), ("write_quorum", "2")],
        solution_note: "With R + W > N every read quorum overlaps the last write quorum, so some replica in it has \
                        the latest value. R = W = 2 is enough; R = W = 3 is fresh too but waits for the slowest \
                        replica every time.",
    },
];
