//! The benchmark suites. A suite is a list of steps (one per model × precision × batch size);
//! each step is prepared, executed until its timings are stable, then measured, and a step
//! that fails is recorded with its reason while the next one runs.

pub mod inference;
pub mod memory;
pub mod probes;
mod timing;

pub use timing::timing_info;

use std::panic::AssertUnwindSafe;

use burn::tensor::{Tensor, backend::Backend};
use futures::FutureExt;

use crate::{clock::Clock, probe::MemoryProbe, timer::DeviceTimer};

/// Where the runner is, for progress bars.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    /// Steps finished so far.
    pub done: usize,
    pub total: usize,
    /// What runs next, for example "medium FP32 batch 64".
    pub label: String,
}

/// What a suite needs from its front end: a clock, the device allocator, the device's
/// timestamps where it has them, and somewhere to report progress.
pub struct RunContext<'a> {
    pub clock: &'a dyn Clock,
    pub memory: &'a dyn MemoryProbe,
    pub timer: Option<&'a dyn DeviceTimer>,
    pub progress: &'a mut dyn FnMut(&Progress),
}

/// Runs `run` on every step in order, telling the front end before each which one runs next
/// and when all are done: the loop every suite shares.
async fn run_steps<S, R>(
    ctx: &mut RunContext<'_>,
    steps: &[S],
    label: impl Fn(&S) -> String,
    mut run: impl AsyncFnMut(&S, &RunContext<'_>) -> R,
) -> Vec<R> {
    let total = steps.len();
    let mut records = Vec::with_capacity(total);
    for (done, step) in steps.iter().enumerate() {
        (ctx.progress)(&Progress {
            done,
            total,
            label: label(step),
        });
        records.push(run(step, ctx).await);
    }
    (ctx.progress)(&Progress {
        done: total,
        total,
        label: "done".into(),
    });
    records
}

/// Runs one step, turning an error or a panic inside the backend (an out-of-memory
/// allocation, a driver error) into a reason, so the remaining steps still run.
async fn guarded<T>(step: impl Future<Output = Result<T, String>>) -> Result<T, String> {
    match AssertUnwindSafe(step).catch_unwind().await {
        Ok(result) => result,
        Err(payload) => Err(panic_message(payload.as_ref())),
    }
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    let text = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "the backend panicked".into());
    first_line(&text)
}

/// The first non-empty line of a message: backend errors can span many lines (driver dumps,
/// backtraces), and the first one says what happened.
pub(crate) fn first_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .find(|line| !line.is_empty())
        .unwrap_or("unknown error")
        .to_owned()
}

/// Reads one element of `tensor` back to the host, which waits for all device work queued
/// before it: the way every suite knows the device has finished.
pub(crate) async fn read_one<B: Backend, const D: usize>(
    tensor: Tensor<B, D>,
) -> Result<(), String> {
    let flat: Tensor<B, 1> = tensor.flatten(0, D - 1);
    flat.slice(0..1)
        .into_data_async()
        .await
        .map(|_| ())
        .map_err(|err| first_line(&err.to_string()))
}

/// Waits until the device has run everything queued so far, including the release of
/// tensors dropped earlier (burn's fusion backend queues those too), then lets the allocator
/// return what it pooled: the allocator's next reading then shows only live tensors.
pub(crate) async fn settle<B: Backend>(device: &B::Device) -> Result<(), String> {
    read_one(Tensor::<B, 1>::zeros([1], device)).await?;
    B::memory_cleanup(device);
    read_one(Tensor::<B, 1>::zeros([1], device)).await
}
