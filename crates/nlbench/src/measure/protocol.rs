//! The measurement protocol's settings that more than one part of a run reads: the policy of
//! an inference row (the session predicts a run's time from it, the burn and reference paths
//! time by it) and the sizes of burn's probes (a probe lost with its process is recorded at
//! them).

use super::{Policy, Repeats, Stop};
use crate::{config::BenchConfig, limits};

/// Untimed runs before the timed warm-up: shader compilation and autotuning.
const UNTIMED_RUNS: usize = 3;
/// Warm-up ends once the last runs vary less than this (coefficient of variation).
const STABLE_CV: f64 = 0.10;

/// Sides of the square FP32 matrices burn's matmul probe multiplies, smallest first: it keeps
/// the first whose matmul lasts long enough to time well, or the largest, 2.1 GFLOP, enough to
/// fill a large GPU. Each size is autotuned on first use (every candidate kernel run a dozen
/// times), so on a slow device stopping at a smaller size spares the largest tuning: 1024
/// costs lavapipe about 20 s of it.
pub const PROBE_MATMUL_SIDES: [usize; 3] = [256, 512, 1024];
/// The largest of them: the size a probe that ran out of smaller sides, or was lost, names.
pub const PROBE_LARGEST_SIDE: usize = PROBE_MATMUL_SIDES[PROBE_MATMUL_SIDES.len() - 1];
/// FP32 elements of each operand of burn's add probe: 64 MiB, past the caches of current GPUs.
pub const PROBE_ADD_ELEMENTS: usize = 1 << 24;

/// The protocol's policy for an inference row: untimed runs, a timed warm-up until the runs
/// agree, then at least `iterations` samples and, with adaptive sampling, more until the
/// interval target or the time cap.
pub fn inference_policy(config: &BenchConfig) -> Policy {
    let adaptive = config.target_ci.is_some();
    Policy {
        untimed_runs: UNTIMED_RUNS,
        warmup_ms: config.warmup_ms,
        stable_cv: Some(STABLE_CV),
        repeats: Repeats::Fixed(1),
        stop: Stop {
            min_samples: config.iterations,
            max_samples: if adaptive {
                limits::MAX_ITERATIONS.max(config.iterations)
            } else {
                config.iterations
            },
            target_ci: config.target_ci,
            cap_ms: config.max_time_ms.filter(|_| adaptive),
        },
    }
}
