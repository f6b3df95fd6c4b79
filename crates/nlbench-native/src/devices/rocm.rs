//! AMD's GPUs through burn's ROCm (HIP) backend, where it is compiled in (`--features rocm`)
//! and the HIP runtime is present; without either, every use says which is missing in one
//! line.

use nlbench::device::{DeviceInfo, DeviceType};

use super::{Backend, Listed, Selected};
use crate::hip_runtime::{self, HipDevice};

pub struct Rocm;

impl Backend for Rocm {
    fn name(&self) -> &'static str {
        "rocm"
    }

    fn list(&self) -> Vec<Listed> {
        let devices = match hip_runtime::probe() {
            Ok(devices) if cfg!(feature = "rocm") => devices,
            _ => return Vec::new(),
        };
        devices
            .into_iter()
            .map(|device| Listed {
                info: info(&device),
                timestamps: true,
                open: Box::new(move |reason| selected(device.clone(), reason)),
            })
            .collect()
    }

    fn select(&self) -> Result<Selected, String> {
        first()
    }

    fn auto(&self) -> Option<Result<Selected, String>> {
        Some(first().map_err(|reason| format!("ROCm: {reason}")))
    }

    fn missing(&self) -> Option<String> {
        match hip_runtime::probe() {
            Err(reason) if cfg!(feature = "rocm") => Some(format!("ROCm: {reason}")),
            _ => None,
        }
    }
}

/// The message for a build without the backend.
const NOT_COMPILED: &str = "the ROCm backend is not compiled in (rebuild with `--features rocm`)";

/// The first HIP device, where the backend is compiled in and the runtime is present.
fn first() -> Result<Selected, String> {
    let devices = hip_runtime::probe().map_err(|reason| {
        if cfg!(feature = "rocm") {
            reason
        } else {
            NOT_COMPILED.into()
        }
    })?;
    let first = devices
        .into_iter()
        .next()
        .ok_or("the HIP runtime reports no AMD GPU")?;
    selected(first, "HIP runtime found")
}

fn info(device: &HipDevice) -> DeviceInfo {
    DeviceInfo {
        backend: "rocm".into(),
        api: "HIP".into(),
        name: device.device_name.clone(),
        vendor_id: Some(0x1002),
        vendor: "AMD".into(),
        device_id: None,
        device_type: DeviceType::DiscreteGpu,
        driver: device.runtime_label(),
        driver_info: String::new(),
        software: false,
        features: vec!["timestamp-query".into()],
        kernels: None,
    }
}

#[cfg(feature = "rocm")]
fn selected(device: HipDevice, reason: &str) -> Result<Selected, String> {
    use nlbench::compiler::{Compiler, Kernels};
    let amd = burn::backend::rocm::RocmDevice::new(device.ordinal as usize);
    let info = DeviceInfo {
        kernels: Some(Kernels::of::<burn::cubecl::hip::HipRuntime>(
            &amd,
            Compiler::Hip,
            None,
        )),
        ..info(&device)
    };
    Ok(Selected {
        opened: Box::new(OnRocm(amd)),
        info,
        reason: reason.into(),
    })
}

#[cfg(not(feature = "rocm"))]
fn selected(device: HipDevice, _reason: &str) -> Result<Selected, String> {
    Err(format!("{NOT_COMPILED}, though this machine has {device}"))
}

#[cfg(feature = "rocm")]
struct OnRocm(burn::backend::rocm::RocmDevice);

#[cfg(feature = "rocm")]
impl super::Opened for OnRocm {
    fn open(
        &self,
        info: DeviceInfo,
        plan: &nlbench::plan::Plan,
        _: Option<Box<dyn nlbench::memo::Memo>>,
    ) -> Result<nlbench::session::Device, nlbench::error::RunError> {
        let ordinal = self.0.index;
        let free = move || {
            hip_runtime::free_memory(ordinal).map(|bytes| nlbench::session::Room {
                bytes,
                what: "the GPU's free memory (hipMemGetInfo)".into(),
            })
        };
        nlbench::backends::rocm(self.0.clone(), info, plan, Box::new(free))
    }
}
