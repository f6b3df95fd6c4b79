//! The suites on burn: [`Burn`] is one of burn's backends on one device, which runs the
//! inference rows (as an [`InferencePath`](crate::session::InferencePath)), burn's probes,
//! the memory suite (as a [`MemorySuite`](crate::session::MemorySuite)) and the training suite
//! (as a [`TrainingSuite`](crate::session::TrainingSuite)). Everything here is
//! generic over the backend, so it is kept to the work itself: the protocol, the statistics
//! and the session are not.

mod inference;
mod memory;
pub(crate) mod probes;
mod training;

use std::sync::Mutex;

use burn::tensor::{Tensor, backend::Backend};

use crate::{
    compiler::Compiler,
    error::RunError,
    measure::{Clock, DeviceTimer, MemoryProbe, Stopwatch},
    readback::read_one,
    schema::PathId,
};

/// One of burn's backends on one device, with its allocator and, where it has them, its
/// timestamps.
pub struct Burn<B: Backend> {
    device: B::Device,
    id: PathId,
    fusion: bool,
    memory: Box<dyn MemoryProbe>,
    timer: Option<Box<dyn DeviceTimer>>,
    /// What runs the matmuls where the backend has no autotuner to report a choice.
    untuned: Option<&'static str>,
    /// The WebGPU device the backend runs on, where a kernel it launches can be refused
    /// without the backend hearing of it (see [`Stopwatch::watching`]).
    watched: Option<wgpu::Device>,
    /// What compiled the backend's kernels, to say what the device lacks for a precision.
    compiler: Option<Compiler>,
}

impl<B: Backend> Burn<B> {
    /// `timer` times the runs where given (device timestamps); otherwise the session's host
    /// clock does, around a read-back.
    pub fn new(
        device: B::Device,
        id: PathId,
        fusion: bool,
        memory: Box<dyn MemoryProbe>,
        timer: Option<Box<dyn DeviceTimer>>,
    ) -> Self {
        Self {
            device,
            id,
            fusion,
            memory,
            timer,
            untuned: None,
            watched: None,
            compiler: None,
        }
    }

    /// Timed work that `device` refuses fails instead of timing nothing.
    pub fn watching(self, device: wgpu::Device) -> Self {
        Self {
            watched: Some(device),
            ..self
        }
    }

    /// How this backend's work is timed: its device timer where it has one, else `clock`.
    fn stopwatch<'a>(&'a self, clock: &'a dyn Clock) -> Stopwatch<'a> {
        Stopwatch::new(clock, self.timer.as_deref()).watching(self.watched.as_ref())
    }

    /// A backend whose matmul is always `kernel` (nothing is autotuned).
    pub fn untuned(self, kernel: &'static str) -> Self {
        Self {
            untuned: Some(kernel),
            ..self
        }
    }

    /// The backend's kernels are compiled by `compiler` (where known).
    pub fn compiled_by(self, compiler: Option<Compiler>) -> Self {
        Self { compiler, ..self }
    }
}

/// Waits until the device has run everything queued so far, including the release of
/// tensors dropped earlier (burn's fusion backend queues those too), then lets the allocator
/// return what it pooled: the allocator's next reading then shows only live tensors.
pub(crate) async fn settle<B: Backend>(device: &B::Device) -> Result<(), RunError> {
    read_one(Tensor::<B, 1>::zeros([1], device)).await?;
    B::memory_cleanup(device);
    read_one(Tensor::<B, 1>::zeros([1], device)).await
}

/// Times `repeats` calls of `work` with `stopwatch`, waiting for the last output; returns
/// the milliseconds and that output.
pub(crate) async fn time_tensor<B: Backend, const D: usize>(
    stopwatch: &Stopwatch<'_>,
    repeats: u32,
    work: &(dyn Fn() -> Tensor<B, D> + Sync),
) -> Result<(f64, Tensor<B, D>), RunError> {
    let slot: Mutex<Option<Tensor<B, D>>> = Mutex::new(None);
    let ms = stopwatch
        .time(
            repeats,
            &mut || *slot.lock().expect("not poisoned") = Some(work()),
            &mut || {
                let output = slot.lock().expect("not poisoned").clone();
                Box::pin(async move {
                    match output {
                        Some(output) => read_one(output).await,
                        None => Err(RunError::backend("the timed work did not run")),
                    }
                })
            },
        )
        .await?;
    let output = slot
        .into_inner()
        .expect("not poisoned")
        .ok_or_else(|| RunError::backend("the timed work did not run"))?;
    Ok((ms, output))
}
