//! Drives the library's async suites on the selected backend with a blocking executor.

use std::time::Instant;

use burn::{
    backend::{Flex, Wgpu, flex::FlexDevice, wgpu::WgpuRuntime},
    tensor::backend::Backend,
};
use nlbench::{
    ceilings,
    clock::Clock,
    config::BenchConfig,
    probe::{CubeMemoryProbe, MemoryProbe, NoMemoryProbe},
    schema::{BurnProbes, Ceilings, InferenceRecord, MemoryRecord, TimingInfo},
    suite::{Progress, RunContext, inference, memory, probes, timing_info},
    timer::{CubeDeviceTimer, DeviceTimer, Unfused},
};

use crate::{
    backend::Selection,
    cli::{ClockChoice, Suite},
};

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

/// What the suites produced, and how they were timed.
pub struct Records {
    pub inference: Vec<InferenceRecord>,
    pub memory: Vec<MemoryRecord>,
    pub timing: TimingInfo,
    pub ceilings: Ceilings,
    pub burn_probes: Option<BurnProbes>,
}

/// The front end's parts for one backend: its allocator, its device timestamps where it
/// writes them, and its measured ceilings.
struct DeviceParts<'a> {
    memory: &'a dyn MemoryProbe,
    timer: Option<&'a dyn DeviceTimer>,
    ceilings: Ceilings,
}

/// Measures the device's ceilings, then runs the suites on it: with device timestamps on
/// burn's unfused backend where the device has them (and `clock_choice` allows), otherwise
/// on the host clock with burn's fused backend (the CPU backend always).
pub fn suites(
    selection: &Selection,
    suite: Suite,
    clock_choice: ClockChoice,
    config: &BenchConfig,
    clock: &dyn Clock,
    progress: &mut dyn FnMut(&Progress),
) -> Result<Records, String> {
    let runner = Runner {
        suite,
        config,
        clock,
    };
    match selection {
        Selection::Wgpu(device, setup) => {
            let timer =
                device_timer::<WgpuRuntime>(device, clock_choice, "wgpu timestamp queries")?;
            let parts = DeviceParts {
                memory: &CubeMemoryProbe::<WgpuRuntime>::new(device.clone()),
                timer: timer.as_ref().map(|t| t as &dyn DeviceTimer),
                ceilings: pollster::block_on(ceilings::measure(&setup.device, &setup.queue, clock)),
            };
            Ok(match timer {
                Some(_) => runner.on::<Unfused<WgpuRuntime, u32>>(device, parts, progress),
                None => runner.on::<Wgpu>(device, parts, progress),
            })
        }
        #[cfg(feature = "cuda")]
        Selection::Cuda(device) => {
            use burn::cubecl::cuda::CudaRuntime;
            let timer = device_timer::<CudaRuntime>(device, clock_choice, "CUDA events")?;
            let parts = DeviceParts {
                memory: &CubeMemoryProbe::<CudaRuntime>::new(device.clone()),
                timer: timer.as_ref().map(|t| t as &dyn DeviceTimer),
                ceilings: Ceilings::unavailable(
                    "the WGSL microbenchmarks run through wgpu; --backend vulkan measures this \
                     GPU's ceilings",
                ),
            };
            Ok(match timer {
                Some(_) => runner.on::<Unfused<CudaRuntime, u8>>(device, parts, progress),
                None => runner.on::<burn::backend::Cuda>(device, parts, progress),
            })
        }
        Selection::Cpu if clock_choice == ClockChoice::Device => {
            Err("--clock device: the CPU backend has no device timestamps".into())
        }
        Selection::Cpu => Ok(runner.on::<Flex>(
            &FlexDevice,
            DeviceParts {
                memory: &NoMemoryProbe("the CPU backend has no allocator report"),
                timer: None,
                ceilings: Ceilings::unavailable(
                    "the WGSL microbenchmarks need a GPU through wgpu; the CPU backend has none",
                ),
            },
            progress,
        )),
    }
}

/// The device's timestamps as `choice` asks for them; an error where `device` was asked
/// for and the device writes none.
fn device_timer<R: burn::cubecl::Runtime>(
    device: &R::Device,
    choice: ClockChoice,
    what: &str,
) -> Result<Option<CubeDeviceTimer<R>>, String> {
    if choice == ClockChoice::Host {
        return Ok(None);
    }
    let timer = CubeDeviceTimer::<R>::new(
        device.clone(),
        format!("device timestamps ({what}, through cubecl's profile API; burn fusion off)"),
    );
    if timer.is_none() && choice == ClockChoice::Device {
        return Err("--clock device: this device writes no timestamps; use --clock host".into());
    }
    Ok(timer)
}

/// What every backend's run shares.
struct Runner<'a> {
    suite: Suite,
    config: &'a BenchConfig,
    clock: &'a dyn Clock,
}

impl Runner<'_> {
    fn on<B: Backend>(
        &self,
        device: &B::Device,
        parts: DeviceParts<'_>,
        progress: &mut dyn FnMut(&Progress),
    ) -> Records {
        let mut ctx = RunContext {
            clock: self.clock,
            memory: parts.memory,
            timer: parts.timer,
            progress,
        };
        let (inference, burn_probes) = if self.suite.runs_inference() {
            (
                pollster::block_on(inference::run::<B>(device, self.config, &mut ctx)),
                Some(pollster::block_on(probes::run::<B>(device, &ctx))),
            )
        } else {
            (Vec::new(), None)
        };
        let memory = if self.suite.runs_memory() {
            pollster::block_on(memory::run::<B>(device, self.config, &mut ctx))
        } else {
            Vec::new()
        };
        Records {
            inference,
            memory,
            timing: timing_info(&ctx),
            ceilings: parts.ceilings,
            burn_probes,
        }
    }
}
