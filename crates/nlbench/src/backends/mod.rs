//! The devices the library can run on, ready for a session, one module each: burn's CPU
//! backend ([`cpu`]), burn's wgpu backend natively (Vulkan, Metal, DX12: [`wgpu`]) and in the
//! browser (WebGPU: [`webgpu`]), and the vendors' own stacks, CUDA and ROCm ([`native`]).
//! Every path's headline is the implementation users run on the host clock; the clock policy
//! decides whether its rows also get device time, from a twin timed by the device's
//! timestamps. Front ends open the device (adapter choice, driver checks) and call one of
//! these; the backend types are instantiated here, once, for both.

mod browser;
mod cpu;
#[cfg(any(feature = "cuda", feature = "rocm"))]
mod native;
mod wgpu;

pub use browser::webgpu;
pub use cpu::cpu;
#[cfg(feature = "cuda")]
pub use native::cuda;
#[cfg(feature = "rocm")]
pub use native::rocm;
pub use wgpu::wgpu;

use crate::{
    compiler::Compiler,
    device::DeviceInfo,
    error::RunError,
    measure::{CubeDeviceTimer, CubeMemoryProbe, DeviceTimer, Fused, Unfused},
    plan::{ClockPolicy, Paths, Plan},
    schema::PathId,
    session::{DeviceTwin, InferencePath, MemorySuite, Path, TrainingSuite},
    suite::Burn,
};

/// What compiled burn's kernels for the device, where its runtime said.
fn compiler_of(info: &DeviceInfo) -> Option<Compiler> {
    info.kernels.as_ref().map(|kernels| kernels.compiler)
}

/// The device-time twin `plan` asks for: made where the device writes timestamps, the
/// reason where it does not (an error when `--clock both` insisted), nothing with `host`.
fn twin(
    plan: &Plan,
    timestamps: Result<(), &str>,
    make: impl FnOnce() -> Option<Box<dyn InferencePath>>,
) -> Result<DeviceTwin, RunError> {
    match (plan.clock, timestamps) {
        (ClockPolicy::Host, _) => Ok(DeviceTwin::NotAsked),
        (ClockPolicy::Both, Err(reason)) => Err(RunError::invalid(format!(
            "--clock both: {reason}; --clock host or auto times the headline alone"
        ))),
        (ClockPolicy::Auto, Err(reason)) => Ok(DeviceTwin::Unavailable(reason.to_owned())),
        (_, Ok(())) => Ok(make().map_or_else(
            || DeviceTwin::Unavailable("this device writes no timestamps".into()),
            DeviceTwin::Timed,
        )),
    }
}

/// The paths asked for, or where none were, `defaults`; an error naming a path asked for that
/// this device cannot run.
fn wanted(plan: &Plan, defaults: Paths, runs: Paths, device: &str) -> Result<Paths, RunError> {
    let Some(asked) = plan.paths else {
        return Ok(defaults);
    };
    let missing: Vec<&str> = [
        (asked.burn && !runs.burn, "burn"),
        (asked.unfused && !runs.unfused, "unfused"),
        (asked.reference && !runs.reference, "reference"),
    ]
    .into_iter()
    .filter_map(|(missing, name)| missing.then_some(name))
    .collect();
    if missing.is_empty() {
        Ok(asked)
    } else {
        Err(RunError::invalid(format!(
            "--paths {}: {device}",
            missing.join(",")
        )))
    }
}

/// burn's backends on one cubecl runtime's device (`Bool` is the runtime's boolean element:
/// `u32` on wgpu, `u8` on CUDA).
struct Cube<'a, R: burn_cubecl::CubeRuntime, Bool> {
    device: &'a R::Device,
    /// What writes the timestamps, for the report.
    timestamps: &'static str,
    resolution_ms: f64,
    compiler: Option<Compiler>,
    marker: std::marker::PhantomData<Bool>,
}

impl<R, Bool> Cube<'_, R, Bool>
where
    R: burn_cubecl::CubeRuntime,
    Bool: burn_cubecl::BoolElement,
{
    fn probe(&self) -> Box<CubeMemoryProbe<R>> {
        Box::new(CubeMemoryProbe::<R>::new(self.device.clone()))
    }

    /// burn with fusion, on the host clock: what users run.
    fn fused(&self) -> Burn<Fused<R, Bool>> {
        Burn::new(self.device.clone(), PathId::Burn, true, self.probe(), None)
            .compiled_by(self.compiler)
    }

    /// burn without fusion as path `id`, timed by `timer` (the host clock without one).
    fn unfused(&self, id: PathId, timer: Option<Box<dyn DeviceTimer>>) -> Burn<Unfused<R, Bool>> {
        Burn::new(self.device.clone(), id, false, self.probe(), timer).compiled_by(self.compiler)
    }

    /// The device's timestamps, through cubecl's profile API; `None` where it writes none.
    fn timer(&self) -> Option<Box<dyn DeviceTimer>> {
        CubeDeviceTimer::<R>::new(
            self.device.clone(),
            format!(
                "device timestamps ({}, through cubecl's profile API; burn without fusion)",
                self.timestamps
            ),
            self.resolution_ms,
        )
        .map(|t| Box::new(t) as Box<dyn DeviceTimer>)
    }

    /// The burn paths asked for, each with its device-time twin: natively the unfused
    /// backend, since the profiled span only sees kernels launched from inside it and the
    /// fusion layer launches them from a thread of its own.
    fn paths(&self, plan: &Plan, paths: Paths) -> Result<Vec<Path>, RunError> {
        let timestamps = self
            .timer()
            .map(|_| ())
            .ok_or("this device writes no timestamps");
        let mut list = Vec::new();
        for (wanted, id, headline) in [
            (
                paths.burn,
                PathId::Burn,
                Box::new(self.fused()) as Box<dyn InferencePath>,
            ),
            (
                paths.unfused,
                PathId::BurnUnfused,
                Box::new(self.unfused(PathId::BurnUnfused, None)),
            ),
        ] {
            if !wanted {
                continue;
            }
            let device_time = twin(plan, timestamps, || {
                self.timer()
                    .map(|t| Box::new(self.unfused(id, Some(t))) as Box<dyn InferencePath>)
            })?;
            list.push(Path {
                headline,
                device_time,
            });
        }
        Ok(list)
    }

    /// The memory suite measures what users run, burn with fusion, on the host clock.
    fn memory(&self) -> Box<dyn MemorySuite> {
        Box::new(self.fused())
    }

    /// The training suite times what users train with, burn with fusion, on the host clock.
    fn training(&self) -> Box<dyn TrainingSuite> {
        Box::new(self.fused())
    }
}
