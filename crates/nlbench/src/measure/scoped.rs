//! wgpu's error scopes around work on the device: a kernel the device rejects or an allocation
//! it cannot make becomes an error of its kind for the span, the ceiling or the step it
//! happened in, instead of a panic.

use crate::error::{ErrorKind, RunError};

/// Runs `work` inside wgpu error scopes, so a kernel the device rejects (validation) or an
/// allocation it cannot make (out of memory) becomes an error of that kind instead of a
/// panic.
pub async fn scoped<T>(
    device: &wgpu::Device,
    work: impl Future<Output = Result<T, RunError>>,
) -> Result<T, RunError> {
    let memory = device.push_error_scope(wgpu::ErrorFilter::OutOfMemory);
    let validation = device.push_error_scope(wgpu::ErrorFilter::Validation);
    let result = work.await;
    let rejected = validation.pop().await;
    let out_of_memory = memory.pop().await;
    if let Some(error) = out_of_memory {
        return Err(RunError::new(ErrorKind::OutOfMemory, one_line(&error)));
    }
    if let Some(error) = rejected {
        return Err(RunError::new(ErrorKind::KernelRejected, one_line(&error)));
    }
    result
}

/// A wgpu error in one line: its heading says only "Validation Error", the causes follow on
/// later lines (the browser's as a list), each joined here by a colon.
fn one_line(error: &wgpu::Error) -> String {
    error
        .to_string()
        .lines()
        .map(|l| l.trim().trim_start_matches("- ").trim_end_matches('.'))
        .filter(|l| !l.is_empty() && *l != "Caused by:")
        .collect::<Vec<_>>()
        .join(": ")
}
