//! Timing one forward pass honestly, and warming up until those timings settle.

use burn::tensor::{Tensor, backend::Backend};

use super::read_one;
use crate::{clock::Clock, stats::Summary};

/// Fewest untimed runs, however short the warm-up time.
const MIN_WARMUP_RUNS: usize = 3;
/// Warm-up ends once the last few runs vary less than this (coefficient of variation).
const STABLE_CV: f64 = 0.10;
const STABLE_WINDOW: usize = 5;
/// Warm-up gives up waiting for stability after this many times the warm-up time.
const WARMUP_LIMIT_FACTOR: f64 = 5.0;

/// What stops the clock, written into every result.
pub const COMPLETION: &str = "each timed iteration ends when one element of the output has been \
    read back to the host, which waits for all device work queued before it";

/// Runs `forward` once and returns the milliseconds until its result reached the host,
/// with the output, which the caller keeps alive while it reads the allocator.
pub async fn time_once<B: Backend>(
    clock: &dyn Clock,
    forward: impl Fn() -> Tensor<B, 2>,
) -> Result<(f64, Tensor<B, 2>), String> {
    let start = clock.now_ms();
    let output = forward();
    read_one(output.clone()).await?;
    Ok((clock.now_ms() - start, output))
}

/// Untimed runs until at least `warmup_ms` has passed and the last runs agree, so shader
/// compilation, autotuning and cold caches stay out of the timed runs. Returns the number of
/// runs made.
pub async fn warm_up<B: Backend>(
    clock: &dyn Clock,
    warmup_ms: f64,
    forward: impl Fn() -> Tensor<B, 2>,
) -> Result<usize, String> {
    let start = clock.now_ms();
    let mut times = Vec::new();
    loop {
        times.push(time_once(clock, &forward).await?.0);
        let elapsed = clock.now_ms() - start;
        if times.len() < MIN_WARMUP_RUNS || elapsed < warmup_ms {
            continue;
        }
        let window = &times[times.len().saturating_sub(STABLE_WINDOW)..];
        let stable = Summary::of(window).is_some_and(|s| s.cv < STABLE_CV);
        if stable || elapsed >= warmup_ms * WARMUP_LIMIT_FACTOR {
            return Ok(times.len());
        }
    }
}
