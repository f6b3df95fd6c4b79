//! The devices the library can run on, ready for a session: burn's CPU backend, burn's wgpu
//! backend natively (Vulkan, Metal, DX12) and in the browser (WebGPU), and CUDA. The clock
//! policy decides which of burn's backends become paths (fused on the host clock, unfused on
//! device timestamps, or both). Front ends open the device (adapter choice, driver checks)
//! and call one of these; the backend types are instantiated here, once, for both.

use burn::backend::{
    Flex,
    flex::FlexDevice,
    wgpu::{WgpuDevice, WgpuRuntime, WgpuSetup},
};

use crate::{
    ceilings::{CpuCeilings, WgpuCeilings},
    device::DeviceInfo,
    error::RunError,
    measure::{
        CubeDeviceTimer, CubeMemoryProbe, DeviceTimer, Fused, FusedDeviceTimer, NoMemoryProbe,
        Unfused,
    },
    plan::{ClockPolicy, Plan},
    reference::Reference,
    schema::PathId,
    session::{Capacity, Device, InferencePath, MemorySuite},
    suite::Burn,
};

/// Why the CPU backend has no allocator figures.
const CPU_NO_ALLOCATOR: &str = "the CPU backend has no allocator report";

/// burn's CPU backend (Flex, on every core). `available` reads the host's free memory for the
/// pre-flight check.
pub fn cpu(
    info: DeviceInfo,
    plan: &Plan,
    available: Box<dyn Fn() -> Option<u64>>,
) -> Result<Device, RunError> {
    if plan.clock == ClockPolicy::Device {
        return Err(RunError::invalid(
            "--clock device: the CPU backend has no device timestamps",
        ));
    }
    if !plan.paths.burn {
        return Err(RunError::invalid(
            "the WGSL reference needs a wgpu device; the CPU backend runs burn only",
        ));
    }
    let burn = || {
        Burn::<Flex>::new(
            FlexDevice,
            PathId::Burn,
            false,
            Box::new(NoMemoryProbe(CPU_NO_ALLOCATOR)),
            None,
        )
        .untuned("gemm (burn's CPU backend; nothing is autotuned)")
    };
    Ok(Device {
        info,
        paths: vec![Box::new(burn())],
        memory: Some(Box::new(burn())),
        ceilings: Box::new(CpuCeilings),
        capacity: Capacity {
            available,
            what: "host memory",
            max_buffer: None,
        },
    })
}

/// burn's wgpu backend on a native device (Vulkan, Metal, DX12), with the ceilings measured
/// on the wgpu device and queue under it.
pub fn wgpu(
    device: WgpuDevice,
    setup: &WgpuSetup,
    info: DeviceInfo,
    plan: &Plan,
) -> Result<Device, RunError> {
    let resolution = f64::from(setup.queue.get_timestamp_period()) / 1e6;
    let (mut paths, memory) = if plan.paths.burn {
        let (paths, memory) =
            cube::<WgpuRuntime, u32>(&device, plan, "wgpu timestamp queries", resolution)?;
        (paths, Some(memory))
    } else {
        (Vec::new(), None)
    };
    if plan.paths.reference {
        paths.push(reference(setup));
    }
    Ok(wgpu_device(info, setup, paths, memory))
}

/// nlbench's WGSL reference on the wgpu device under burn's.
fn reference(setup: &WgpuSetup) -> Box<dyn InferencePath> {
    Box::new(Reference::new(setup.device.clone(), setup.queue.clone()))
}

/// A wgpu device with its paths: the ceilings measured on it, and what one buffer may hold.
fn wgpu_device(
    info: DeviceInfo,
    setup: &WgpuSetup,
    paths: Vec<Box<dyn InferencePath>>,
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
            what: "GPU memory",
            max_buffer: Some(
                limits
                    .max_buffer_size
                    .min(limits.max_storage_buffer_binding_size),
            ),
        },
    }
}

/// burn's CUDA backend. CUDA has no wgpu device, so its ceilings come from a Vulkan run on
/// the same GPU.
#[cfg(feature = "cuda")]
pub fn cuda(
    device: burn::backend::cuda::CudaDevice,
    info: DeviceInfo,
    plan: &Plan,
) -> Result<Device, RunError> {
    use burn::cubecl::cuda::CudaRuntime;
    if !plan.paths.burn {
        return Err(RunError::invalid(
            "the WGSL reference needs a wgpu device; on CUDA only burn runs",
        ));
    }
    // CUDA events resolve about half a microsecond (the CUDA Runtime API's documentation
    // of cudaEventElapsedTime).
    let (paths, memory) = cube::<CudaRuntime, u8>(&device, plan, "CUDA events", 5e-4)?;
    Ok(Device {
        info,
        paths,
        memory: Some(memory),
        ceilings: Box::new(crate::session::NoCeilings(
            "the WGSL microbenchmarks run through wgpu; --backend vulkan measures this GPU's \
             ceilings"
                .into(),
        )),
        capacity: Capacity::unknown(),
    })
}

/// The fused and unfused paths of a cubecl runtime as the clock policy asks, the headline
/// first, and the memory suite on the fused backend.
#[allow(clippy::type_complexity)]
fn cube<R, Bool>(
    device: &R::Device,
    plan: &Plan,
    timestamps: &str,
    resolution_ms: f64,
) -> Result<(Vec<Box<dyn InferencePath>>, Box<dyn MemorySuite>), RunError>
where
    R: burn_cubecl::CubeRuntime,
    Bool: burn_cubecl::BoolElement,
{
    let timer = || {
        CubeDeviceTimer::<R>::new(
            device.clone(),
            format!(
                "device timestamps ({timestamps}, through cubecl's profile API; burn fusion off)"
            ),
            resolution_ms,
        )
        .map(|t| Box::new(t) as Box<dyn DeviceTimer>)
    };
    let probe = || Box::new(CubeMemoryProbe::<R>::new(device.clone()));
    let fused = || Burn::<Fused<R, Bool>>::new(device.clone(), PathId::Burn, true, probe(), None);
    let unfused = |timer| {
        Burn::<Unfused<R, Bool>>::new(device.clone(), PathId::BurnUnfused, false, probe(), timer)
    };
    let has_timestamps = timer().is_some();
    let paths: Vec<Box<dyn InferencePath>> = match plan.clock {
        ClockPolicy::Host => vec![Box::new(fused())],
        ClockPolicy::Device if !has_timestamps => {
            return Err(RunError::invalid(
                "--clock device: this device writes no timestamps; use --clock host",
            ));
        }
        ClockPolicy::Auto | ClockPolicy::Device if has_timestamps => {
            vec![Box::new(unfused(timer()))]
        }
        ClockPolicy::Both if has_timestamps => {
            vec![Box::new(fused()), Box::new(unfused(timer()))]
        }
        _ => vec![Box::new(fused())],
    };
    // The memory suite measures what users run, burn with fusion, whatever times the rows;
    // its per-layer profile then uses the host clock (results say so).
    Ok((paths, Box::new(fused())))
}

/// burn's wgpu backend in the browser (WebGPU). Everything runs on the page's one thread, so
/// device timestamps can time the fused backend itself, and an error scope around a timed
/// span sees every kernel it launched: one the browser refused fails the row.
pub fn webgpu(
    device: WgpuDevice,
    setup: &WgpuSetup,
    info: DeviceInfo,
    plan: &Plan,
) -> Result<Device, RunError> {
    type Browser = Fused<WgpuRuntime, u32>;
    let resolution = f64::from(setup.queue.get_timestamp_period()) / 1e6;
    // `both` has nothing to add here: the fused backend is already device-timed.
    let timer = || match plan.clock {
        ClockPolicy::Host => None,
        _ => FusedDeviceTimer::<WgpuRuntime>::new(
            device.clone(),
            "device timestamps (WebGPU timestamp-query, through cubecl's profile API)",
            resolution,
        )
        .map(|t| Box::new(t) as Box<dyn DeviceTimer>),
    };
    if plan.clock == ClockPolicy::Device && timer().is_none() {
        return Err(RunError::invalid(
            "device timestamps: this adapter has no timestamp-query",
        ));
    }
    let burn = || {
        let probe = Box::new(CubeMemoryProbe::<WgpuRuntime>::new(device.clone()));
        Burn::<Browser>::new(device.clone(), PathId::Burn, true, probe, timer())
            .watching(setup.device.clone())
    };
    let mut paths: Vec<Box<dyn InferencePath>> = Vec::new();
    if plan.paths.burn {
        paths.push(Box::new(burn()));
    }
    if plan.paths.reference {
        paths.push(reference(setup));
    }
    let memory = plan
        .paths
        .burn
        .then(|| Box::new(burn()) as Box<dyn MemorySuite>);
    Ok(wgpu_device(info, setup, paths, memory))
}
