//! Drives the library's async suites on the selected backend with a blocking executor.

use std::time::Instant;

use burn::{
    backend::{Flex, Wgpu, flex::FlexDevice, wgpu::WgpuRuntime},
    tensor::backend::Backend,
};
use nlbench::{
    clock::Clock,
    config::BenchConfig,
    probe::{CubeMemoryProbe, MemoryProbe, NoMemoryProbe},
    schema::InferenceRecord,
    suite::{Progress, RunContext, inference},
};

use crate::backend::Selection;

/// `std::time::Instant`, the host's monotonic clock.
pub struct InstantClock(Instant);

impl InstantClock {
    pub fn new() -> Self {
        Self(Instant::now())
    }
}

impl Clock for InstantClock {
    fn now_ms(&self) -> f64 {
        self.0.elapsed().as_secs_f64() * 1000.0
    }

    fn name(&self) -> &str {
        "std::time::Instant (host wall clock)"
    }
}

pub fn inference_suite(
    selection: &Selection,
    config: &BenchConfig,
    clock: &dyn Clock,
    progress: &mut dyn FnMut(&Progress),
) -> Vec<InferenceRecord> {
    match selection {
        Selection::Wgpu(device) => on::<Wgpu>(
            device,
            &CubeMemoryProbe::<WgpuRuntime>::new(device.clone()),
            config,
            clock,
            progress,
        ),
        #[cfg(feature = "cuda")]
        Selection::Cuda(device) => on::<burn::backend::Cuda>(
            device,
            &CubeMemoryProbe::<burn::cubecl::cuda::CudaRuntime>::new(device.clone()),
            config,
            clock,
            progress,
        ),
        Selection::Cpu => on::<Flex>(
            &FlexDevice,
            &NoMemoryProbe("the CPU backend has no allocator report"),
            config,
            clock,
            progress,
        ),
    }
}

fn on<B: Backend>(
    device: &B::Device,
    memory: &dyn MemoryProbe,
    config: &BenchConfig,
    clock: &dyn Clock,
    progress: &mut dyn FnMut(&Progress),
) -> Vec<InferenceRecord> {
    let mut ctx = RunContext {
        clock,
        memory,
        progress,
    };
    pollster::block_on(inference::run::<B>(device, config, &mut ctx))
}
