//! Timing one forward pass honestly (device timestamps where the device has them, the host
//! clock around a completed read-back otherwise), and warming up until those timings settle.

use burn::tensor::{Tensor, backend::Backend};

use super::{RunContext, read_one};
use crate::{schema::TimingInfo, stats::Summary};

/// Fewest untimed runs, however short the warm-up time.
const MIN_WARMUP_RUNS: usize = 3;
/// Warm-up ends once the last few runs vary less than this (coefficient of variation).
const STABLE_CV: f64 = 0.10;
const STABLE_WINDOW: usize = 5;
/// Warm-up gives up waiting for stability after this many times the warm-up time.
const WARMUP_LIMIT_FACTOR: f64 = 5.0;

/// Where the host clock stops, written into results timed without device timestamps.
const HOST_COMPLETION: &str = "each timed iteration ends when one element of the output has \
    been read back to the host, which waits for all device work queued before it";
/// What device timestamps span, written into results timed with them.
const DEVICE_COMPLETION: &str = "each timed iteration is the device time between a timestamp \
    written before the pass's first kernel and one written after its last (host overhead such \
    as kernel launches between them is included, work before or after is not)";

/// How a run with this context is timed, for `results.json` and the reports.
pub fn timing_info(ctx: &RunContext<'_>) -> TimingInfo {
    match ctx.timer {
        Some(timer) => TimingInfo {
            clock: timer.name().to_owned(),
            completion: DEVICE_COMPLETION.to_owned(),
        },
        None => TimingInfo {
            clock: ctx.clock.name().to_owned(),
            completion: HOST_COMPLETION.to_owned(),
        },
    }
}

/// Runs `work` once and returns its milliseconds with its output, which the caller keeps
/// alive while it reads the allocator: between device timestamps where the context has a
/// timer, otherwise on the host clock until one element of the output reached the host.
pub async fn time_once<B: Backend, const D: usize>(
    ctx: &RunContext<'_>,
    work: impl Fn() -> Tensor<B, D> + Sync,
) -> Result<(f64, Tensor<B, D>), String> {
    match ctx.timer {
        Some(timer) => {
            let mut output = None;
            let elapsed = timer.time(&mut || output = Some(work()))?.await;
            let output = output.ok_or("the timed work did not run")?;
            read_one(output.clone()).await?;
            Ok((elapsed, output))
        }
        None => {
            let start = ctx.clock.now_ms();
            let output = work();
            read_one(output.clone()).await?;
            Ok((ctx.clock.now_ms() - start, output))
        }
    }
}

/// Runs `work` once outside any timing and waits for its result.
pub async fn run_untimed<B: Backend, const D: usize>(
    work: impl Fn() -> Tensor<B, D>,
) -> Result<Tensor<B, D>, String> {
    let output = work();
    read_one(output.clone()).await?;
    Ok(output)
}

/// Drops the kernel refusals autotuning left behind, before the first profiled span.
pub async fn clear_errors(ctx: &RunContext<'_>) {
    if let Some(timer) = ctx.timer {
        timer.clear_errors().await;
    }
}

/// Untimed runs until at least `warmup_ms` has passed and the last runs agree, so shader
/// compilation, autotuning and cold caches stay out of the timed runs. Returns the number of
/// runs made.
pub async fn warm_up<B: Backend>(
    ctx: &RunContext<'_>,
    warmup_ms: f64,
    forward: impl Fn() -> Tensor<B, 2> + Sync,
) -> Result<usize, String> {
    let start = ctx.clock.now_ms();
    // The first runs compile and autotune kernels outside any profiled span: autotuning
    // tries candidate kernels, and one the device rejects (as the browser may, after the
    // fact) must not fail a profiled span around it.
    for _ in 0..MIN_WARMUP_RUNS {
        run_untimed(&forward).await?;
    }
    clear_errors(ctx).await;
    let mut times = Vec::new();
    loop {
        times.push(time_once(ctx, &forward).await?.0);
        let elapsed = ctx.clock.now_ms() - start;
        if times.len() < MIN_WARMUP_RUNS || elapsed < warmup_ms {
            continue;
        }
        let window = &times[times.len().saturating_sub(STABLE_WINDOW)..];
        let stable = Summary::of(window).is_some_and(|s| s.cv < STABLE_CV);
        if stable || elapsed >= warmup_ms * WARMUP_LIMIT_FACTOR {
            return Ok(MIN_WARMUP_RUNS + times.len());
        }
    }
}
