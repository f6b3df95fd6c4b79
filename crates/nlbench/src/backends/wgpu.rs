//! burn's wgpu backend on a native device, and nlbench's WGSL reference beside it.

use burn::backend::wgpu::{WgpuDevice, WgpuRuntime, WgpuSetup};

use super::{Cube, compiler_of, twin, wanted};
use crate::{
    ceilings::{MatrixUnits, WgpuCeilings},
    device::DeviceInfo,
    error::RunError,
    memo::Memo,
    plan::{Paths, Plan},
    reference::Reference,
    session::{Capacity, Device, InferencePath, MemorySuite, Path, TrainingSuite},
};

/// Every path a wgpu device runs.
const WGPU_PATHS: Paths = Paths {
    burn: true,
    unfused: true,
    reference: true,
};
/// The paths a wgpu device runs unless asked otherwise.
pub(super) const WGPU_DEFAULT: Paths = Paths {
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
    let burn = paths.burn || paths.unfused;
    let suites = Suites {
        memory: burn.then(|| cube.memory()),
        training: burn.then(|| cube.training()),
    };
    Ok(wgpu_device(device, info, setup, list, suites))
}

/// nlbench's WGSL reference on the wgpu device under burn's, with its timestamped twin.
pub(super) fn reference(
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

/// The suites beside the paths that run on burn's backend, where burn runs.
pub(super) struct Suites {
    pub memory: Option<Box<dyn MemorySuite>>,
    pub training: Option<Box<dyn TrainingSuite>>,
}

/// A wgpu device with its paths: the ceilings measured on it (the matrix units through
/// burn's runtime on `device`), and what one buffer may hold.
pub(super) fn wgpu_device(
    device: WgpuDevice,
    info: DeviceInfo,
    setup: &WgpuSetup,
    paths: Vec<Path>,
    suites: Suites,
) -> Device {
    let limits = setup.device.limits();
    Device {
        info,
        paths,
        memory: suites.memory,
        training: suites.training,
        ceilings: Box::new(WgpuCeilings {
            device: setup.device.clone(),
            queue: setup.queue.clone(),
            matrix: Box::new(MatrixUnits::<WgpuRuntime> { device }),
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
