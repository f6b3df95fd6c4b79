//! The benchmark suites. A suite is a list of steps (one per model × precision × batch size);
//! each step is prepared, executed until its timings are stable, then measured, and a step
//! that fails is recorded with its reason while the next one runs.

pub mod inference;
mod timing;

pub use timing::COMPLETION;

use std::panic::AssertUnwindSafe;

use futures::FutureExt;

use crate::{clock::Clock, probe::MemoryProbe};

/// Where the runner is, for progress bars.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    /// Steps finished so far.
    pub done: usize,
    pub total: usize,
    /// What runs next, for example "medium FP32 batch 64".
    pub label: String,
}

/// What a suite needs from its front end: a clock, the device allocator, and somewhere to
/// report progress.
pub struct RunContext<'a> {
    pub clock: &'a dyn Clock,
    pub memory: &'a dyn MemoryProbe,
    pub progress: &'a mut dyn FnMut(&Progress),
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
