//! The results' error types ([`nlbench_results::error`]), and catching a backend's panic as
//! one of them.

use std::panic::AssertUnwindSafe;

use futures::FutureExt;
pub use nlbench_results::error::*;

/// Runs `work`, turning a panic inside the backend (an allocation the device refused, a
/// driver error) into an error, so what comes next still runs. (On wasm32 a panic aborts the
/// module instead; there is no unwinding to catch.)
pub async fn guarded<T>(work: impl Future<Output = Result<T, RunError>>) -> Result<T, RunError> {
    match AssertUnwindSafe(work).catch_unwind().await {
        Ok(result) => result,
        Err(payload) => Err(RunError::from_panic(payload.as_ref())),
    }
}
