//! burn's wgpu backend in the browser.

use burn::backend::wgpu::{WgpuDevice, WgpuRuntime, WgpuSetup};

use super::{
    compiler_of, twin, wanted,
    wgpu::{Suites, WGPU_DEFAULT, reference, wgpu_device},
};
use crate::{
    device::DeviceInfo,
    error::RunError,
    measure::{CubeMemoryProbe, DeviceTimer, Fused, FusedDeviceTimer},
    memo::Memo,
    plan::Plan,
    schema::PathId,
    session::{Device, InferencePath, MemorySuite, Path, TrainingSuite},
    suite::Burn,
};

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
    let suites = Suites {
        memory: paths
            .burn
            .then(|| Box::new(burn(None)) as Box<dyn MemorySuite>),
        training: paths
            .burn
            .then(|| Box::new(burn(None)) as Box<dyn TrainingSuite>),
    };
    Ok(wgpu_device(device, info, setup, list, suites))
}
