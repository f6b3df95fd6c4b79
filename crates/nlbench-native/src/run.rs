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
    schema::{InferenceRecord, MemoryRecord},
    suite::{Progress, RunContext, inference, memory},
};

use crate::{backend::Selection, cli::Suite};

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

/// What the suites produced.
pub struct Records {
    pub inference: Vec<InferenceRecord>,
    pub memory: Vec<MemoryRecord>,
}

pub fn suites(
    selection: &Selection,
    suite: Suite,
    config: &BenchConfig,
    clock: &dyn Clock,
    progress: &mut dyn FnMut(&Progress),
) -> Records {
    let mut ctx = |memory: &dyn MemoryProbe| -> Records {
        match selection {
            Selection::Wgpu(device) => on::<Wgpu>(device, suite, config, clock, memory, progress),
            #[cfg(feature = "cuda")]
            Selection::Cuda(device) => {
                on::<burn::backend::Cuda>(device, suite, config, clock, memory, progress)
            }
            Selection::Cpu => on::<Flex>(&FlexDevice, suite, config, clock, memory, progress),
        }
    };
    match selection {
        Selection::Wgpu(device) => ctx(&CubeMemoryProbe::<WgpuRuntime>::new(device.clone())),
        #[cfg(feature = "cuda")]
        Selection::Cuda(device) => ctx(&CubeMemoryProbe::<burn::cubecl::cuda::CudaRuntime>::new(
            device.clone(),
        )),
        Selection::Cpu => ctx(&NoMemoryProbe("the CPU backend has no allocator report")),
    }
}

fn on<B: Backend>(
    device: &B::Device,
    suite: Suite,
    config: &BenchConfig,
    clock: &dyn Clock,
    memory: &dyn MemoryProbe,
    progress: &mut dyn FnMut(&Progress),
) -> Records {
    let mut ctx = RunContext {
        clock,
        memory,
        progress,
    };
    let inference = if suite.runs_inference() {
        pollster::block_on(inference::run::<B>(device, config, &mut ctx))
    } else {
        Vec::new()
    };
    let memory = if suite.runs_memory() {
        pollster::block_on(memory::run::<B>(device, config, &mut ctx))
    } else {
        Vec::new()
    };
    Records { inference, memory }
}
