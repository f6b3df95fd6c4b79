//! The measurement protocol's settings that more than one part of a run reads: the policy of
//! an inference row (the session predicts a run's time from it, the burn and reference paths
//! time by it) and the sizes of burn's probes (a probe lost with its process is recorded at
//! them).

use super::{Policy, Repeats, Stop};
use crate::{config::BenchConfig, limits, stats::samples_for_interval};

/// Untimed runs before the timed warm-up: shader compilation and autotuning.
const UNTIMED_RUNS: usize = 3;
/// Warm-up ends once the last runs vary less than this (coefficient of variation).
const STABLE_CV: f64 = 0.10;

pub use nlbench_results::schema::{PROBE_ADD_ELEMENTS, PROBE_LARGEST_SIDE, PROBE_MATMUL_SIDES};

/// The protocol's policy for an inference row: untimed runs, a timed warm-up until the runs
/// agree, then at least `iterations` samples and, with adaptive sampling, more until the
/// interval target or the time cap.
pub fn inference_policy(config: &BenchConfig) -> Policy {
    let adaptive = config.target_ci.is_some();
    let wanted = if config.tail {
        samples_for_interval(0.99)
    } else {
        0
    };
    Policy {
        untimed_runs: UNTIMED_RUNS,
        warmup_ms: config.warmup_ms,
        stable_cv: Some(STABLE_CV),
        repeats: Repeats::Fixed(1),
        stop: Stop {
            min_samples: config.iterations,
            max_samples: if adaptive {
                limits::MAX_ITERATIONS.max(config.iterations).max(wanted)
            } else {
                config.iterations.max(wanted)
            },
            target_ci: config.target_ci,
            cap_ms: config.max_time_ms.filter(|_| adaptive || config.tail),
            wanted,
        },
    }
}
