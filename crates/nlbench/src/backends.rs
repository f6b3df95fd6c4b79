//! The devices the library can run on, ready for a session: burn's CPU backend, burn's wgpu
//! backend natively (Vulkan, Metal, DX12) and in the browser (WebGPU), and CUDA. Every path's
//! headline is the implementation users run on the host clock; the clock policy decides
//! whether its rows also get device time, from a twin timed by the device's timestamps.
//! Front ends open the device (adapter choice, driver checks) and call one of these; the
//! backend types are instantiated here, once, for both.

use burn::backend::{
    Flex,
    flex::FlexDevice,
    wgpu::{WgpuDevice, WgpuRuntime, WgpuSetup},
};

use crate::{
    ceilings::{CpuCeilings, WgpuCeilings},
    compiler::Compiler,
    device::DeviceInfo,
    error::RunError,
    measure::{
        CubeDeviceTimer, CubeMemoryProbe, DeviceTimer, Fused, FusedDeviceTimer, NoMemoryProbe,
        Unfused,
    },
    memo::Memo,
    plan::{ClockPolicy, Paths, Plan},
    reference::Reference,
    schema::PathId,
    session::{Capacity, Device, DeviceTwin, InferencePath, MemorySuite, Path, Room},
    suite::Burn,
};

/// Why the CPU backend has no allocator figures.
const CPU_NO_ALLOCATOR: &str = "the CPU backend has no allocator report";
/// Why the CPU backend has no device time.
const CPU_NO_DEVICE_CLOCK: &str = "the CPU backend has no device clock";

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

/// burn's CPU backend (Flex, on every core). `available` reads the room left under the
/// tightest memory limit for the pre-flight check.
pub fn cpu(
    info: DeviceInfo,
    plan: &Plan,
    available: Box<dyn Fn() -> Option<Room>>,
) -> Result<Device, RunError> {
    let burn_only = Paths {
        burn: true,
        unfused: false,
        reference: false,
    };
    wanted(
        plan,
        burn_only,
        burn_only,
        "the CPU backend runs burn only (the WGSL reference needs a wgpu device, and burn's \
         CPU backend has no fusion layer to leave out)",
    )?;
    let compiler = compiler_of(&info);
    let burn = || {
        Burn::<Flex>::new(
            FlexDevice,
            PathId::Burn,
            false,
            Box::new(NoMemoryProbe(CPU_NO_ALLOCATOR)),
            None,
        )
        .untuned("gemm (burn's CPU backend; nothing is autotuned)")
        .compiled_by(compiler)
    };
    let device_time = twin(plan, Err(CPU_NO_DEVICE_CLOCK), || None)?;
    Ok(Device {
        info,
        paths: vec![Path {
            headline: Box::new(burn()),
            device_time,
        }],
        memory: Some(Box::new(burn())),
        ceilings: Box::new(CpuCeilings),
        capacity: Capacity {
            available,
            max_buffer: None,
        },
    })
}

/// Every path a wgpu device runs.
const WGPU_PATHS: Paths = Paths {
    burn: true,
    unfused: true,
    reference: true,
};
/// The paths a wgpu device runs unless asked otherwise.
const WGPU_DEFAULT: Paths = Paths {
    burn: true,
    unfused: false,
    reference: true,
};

/// burn's wgpu backend on a native device (Vulkan, Metal, DX12), with the ceilings measured
/// on the wgpu device and queue under it. The reference keeps its tile shapes in `searches`
/// where there is one.
pub fn wgpu(
    device: WgpuDevice,
    setup: &WgpuSetup,
    info: DeviceInfo,
    plan: &Plan,
    searches: Option<Box<dyn Memo>>,
) -> Result<Device, RunError> {
    let resolution = f64::from(setup.queue.get_timestamp_period()) / 1e6;
    let paths = wanted(plan, WGPU_DEFAULT, WGPU_PATHS, "not on this device")?;
    let cube = Cube::<WgpuRuntime, u32> {
        device: &device,
        timestamps: "wgpu timestamp queries",
        resolution_ms: resolution,
        compiler: compiler_of(&info),
        marker: std::marker::PhantomData,
    };
    let mut list = cube.paths(plan, paths)?;
    if paths.reference {
        list.push(reference(setup, plan, searches)?);
    }
    let memory = (paths.burn || paths.unfused).then(|| cube.memory());
    Ok(wgpu_device(info, setup, list, memory))
}

/// nlbench's WGSL reference on the wgpu device under burn's, with its timestamped twin.
fn reference(
    setup: &WgpuSetup,
    plan: &Plan,
    searches: Option<Box<dyn Memo>>,
) -> Result<Path, RunError> {
    let headline = Reference::new(setup.device.clone(), setup.queue.clone());
    let headline = match searches {
        Some(memo) => headline.remembering(memo),
        None => headline,
    };
    let timestamps = setup
        .device
        .features()
        .contains(wgpu::Features::TIMESTAMP_QUERY)
        .then_some(())
        .ok_or("this device writes no timestamps");
    let device_time = twin(plan, timestamps, || {
        headline
            .device_timed()
            .map(|t| Box::new(t) as Box<dyn InferencePath>)
    })?;
    Ok(Path {
        headline: Box::new(headline),
        device_time,
    })
}

/// A wgpu device with its paths: the ceilings measured on it, and what one buffer may hold.
fn wgpu_device(
    info: DeviceInfo,
    setup: &WgpuSetup,
    paths: Vec<Path>,
    memory: Option<Box<dyn MemorySuite>>,
) -> Device {
    let limits = setup.device.limits();
    Device {
        info,
        paths,
        memory,
        ceilings: Box::new(WgpuCeilings {
            device: setup.device.clone(),
            queue: setup.queue.clone(),
        }),
        capacity: Capacity {
            available: Box::new(|| None),
            max_buffer: Some(
                limits
                    .max_buffer_size
                    .min(limits.max_storage_buffer_binding_size),
            ),
        },
    }
}

/// burn's CUDA backend. CUDA has no wgpu device, so its ceilings come from a Vulkan run on
/// the same GPU. `free` reads the GPU's free memory for the pre-flight check.
#[cfg(feature = "cuda")]
pub fn cuda(
    device: burn::backend::cuda::CudaDevice,
    info: DeviceInfo,
    plan: &Plan,
    free: Box<dyn Fn() -> Option<Room>>,
) -> Result<Device, RunError> {
    use burn::cubecl::cuda::CudaRuntime;
    let burn_paths = Paths {
        burn: true,
        unfused: true,
        reference: false,
    };
    let default = Paths {
        unfused: false,
        ..burn_paths
    };
    let paths = wanted(
        plan,
        default,
        burn_paths,
        "on CUDA only burn runs (the WGSL reference needs a wgpu device)",
    )?;
    // CUDA events resolve about half a microsecond (the CUDA Runtime API's documentation
    // of cudaEventElapsedTime).
    let cube = Cube::<CudaRuntime, u8> {
        device: &device,
        timestamps: "CUDA events",
        resolution_ms: 5e-4,
        compiler: compiler_of(&info),
        marker: std::marker::PhantomData,
    };
    Ok(Device {
        info,
        paths: cube.paths(plan, paths)?,
        memory: Some(cube.memory()),
        ceilings: Box::new(crate::session::NoCeilings(
            "the WGSL microbenchmarks run through wgpu; --backend vulkan measures this GPU's \
             ceilings"
                .into(),
        )),
        capacity: Capacity {
            available: free,
            max_buffer: None,
        },
    })
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
}

/// burn's wgpu backend in the browser (WebGPU). Everything runs on the page's one thread, so
/// device timestamps can time the fused backend itself, and an error scope around a timed
/// span sees every kernel it launched: one the browser refused fails the row. The reference
/// keeps its tile shapes in `searches` where there is one.
pub fn webgpu(
    device: WgpuDevice,
    setup: &WgpuSetup,
    info: DeviceInfo,
    plan: &Plan,
    searches: Option<Box<dyn Memo>>,
) -> Result<Device, RunError> {
    type Browser = Fused<WgpuRuntime, u32>;
    let resolution = f64::from(setup.queue.get_timestamp_period()) / 1e6;
    let paths = wanted(
        plan,
        WGPU_DEFAULT,
        WGPU_DEFAULT,
        "the dashboard runs burn and the reference",
    )?;
    let compiler = compiler_of(&info);
    let burn = |timer: Option<Box<dyn DeviceTimer>>| {
        let probe = Box::new(CubeMemoryProbe::<WgpuRuntime>::new(device.clone()));
        Burn::<Browser>::new(device.clone(), PathId::Burn, true, probe, timer)
            .watching(setup.device.clone())
            .compiled_by(compiler)
    };
    let timer = || {
        FusedDeviceTimer::<WgpuRuntime>::new(
            device.clone(),
            "device timestamps (WebGPU timestamp-query, through cubecl's profile API)",
            resolution,
        )
        .map(|t| Box::new(t) as Box<dyn DeviceTimer>)
    };
    let timestamps = timer()
        .map(|_| ())
        .ok_or("this adapter has no timestamp-query");
    let mut list = Vec::new();
    if paths.burn {
        let device_time = twin(plan, timestamps, || {
            timer().map(|t| Box::new(burn(Some(t))) as Box<dyn InferencePath>)
        })?;
        list.push(Path {
            headline: Box::new(burn(None)),
            device_time,
        });
    }
    if paths.reference {
        list.push(reference(setup, plan, searches)?);
    }
    let memory = paths
        .burn
        .then(|| Box::new(burn(None)) as Box<dyn MemorySuite>);
    Ok(wgpu_device(info, setup, list, memory))
}
