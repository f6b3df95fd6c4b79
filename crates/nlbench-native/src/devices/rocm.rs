//! AMD's GPUs through burn's ROCm (HIP) backend, where it is compiled in (`--features rocm`)
//! and the HIP runtime is present; without either, every use says which is missing in one
//! line.

use nlbench::device::{DeviceInfo, DeviceType};

use super::{Selected, vendor::Stack};
use crate::hip_runtime::{self, HipDevice};

pub struct Rocm;

impl Stack for Rocm {
    type Device = HipDevice;
    const NAME: &'static str = "rocm";
    const TITLE: &'static str = "ROCm";
    const COMPILED: bool = cfg!(feature = "rocm");
    const FOUND: &'static str = "HIP runtime found";
    const NONE: &'static str = "the HIP runtime reports no AMD GPU";

    fn probe() -> Result<Vec<HipDevice>, String> {
        hip_runtime::probe()
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
    fn open(device: HipDevice, reason: &str) -> Result<Selected, String> {
        use nlbench::compiler::{self, Compiler};
        let amd = burn::backend::rocm::RocmDevice::new(device.ordinal as usize);
        let info = DeviceInfo {
            kernels: Some(compiler::of::<burn::cubecl::hip::HipRuntime>(
                &amd,
                Compiler::Hip,
                None,
            )),
            ..Self::info(&device)
        };
        Ok(Selected {
            opened: Box::new(OnRocm(amd)),
            info,
            reason: reason.into(),
        })
    }

    #[cfg(not(feature = "rocm"))]
    fn open(_: HipDevice, _: &str) -> Result<Selected, String> {
        Err(super::vendor::not_compiled::<Self>())
    }
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
